"""Tests of reglab.solvers (and reglab.trend) against independent references.

References: scikit-learn at tight tolerance, closed forms on orthogonal designs, the normal
equations, exhaustive enumeration of faces on small problems (the minimum of the true objective
over the minimizers of every sign/knot pattern is the global minimum), scipy's BVLS and
quasi-Newton solvers, and optimality conditions written out here from scratch.
"""

import itertools
import math
import time
import warnings

import numpy as np
import pytest
import scipy.sparse
import scipy.sparse.linalg
from scipy.optimize import lsq_linear, minimize
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso as SkLasso

from reglab._validation import ReglabInputError
from reglab.penalties import L1, L2, DifferenceL1, ElasticNet, Lp, difference_matrix
from reglab.solvers import (
    Certificate,
    SolverResult,
    duality_gap,
    kkt_residual,
    solve,
    solve_path,
)

TOL = 1e-10


# ------------------------------------------------------------------------------------------
# Problems and references
# ------------------------------------------------------------------------------------------
def standardize(X, y):
    Xc = X - X.mean(axis=0)
    return Xc / Xc.std(axis=0), y - y.mean()


def random_problem(n=60, p=6, seed=0, noise=0.5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = rng.standard_normal(p) * (rng.random(p) < 0.6)
    y = X @ beta + noise * rng.standard_normal(n)
    return standardize(X, y)


def monomial_problem(degree, n=200, seed=1):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 1.0, n))
    X = np.vander(x, degree + 1, increasing=True)[:, 1:]
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
    return standardize(X, y)


def quiet_fit(model, X, y):
    """Fit a scikit-learn reference; its ConvergenceWarning on hard designs is expected."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


def objective(X, y, penalty, lam, w):
    r = y - X @ w
    return float(r @ r) + lam * penalty.value(w)


def lam_max_l1(X, y):
    return 2 * float(np.max(np.abs(X.T @ y)))


def brute_force_quadratic_l1(X, y, t, d):
    """Global minimizer of ||y - Xw||^2 + sum t_j |w_j| + sum d_j/2 w_j^2 by enumerating signs.

    For every sign pattern s in {-1, 0, 1}^p (coordinates with t_j = 0 always free) the
    minimizer of the sign-fixed quadratic is a point; the true objective's minimum over these
    points is the global minimum (the optimal pattern's point is the solution).
    """
    p = X.shape[1]
    G, c = X.T @ X, X.T @ y

    def F(w):
        r = y - X @ w
        return float(r @ r + t @ np.abs(w) + 0.5 * d @ w**2)

    best, best_w = math.inf, None
    choices = [(0.0,) if t[j] == 0 else (-1.0, 0.0, 1.0) for j in range(p)]
    for s in itertools.product(*choices):
        s = np.array(s)
        free = (s != 0) | (t == 0)
        w = np.zeros(p)
        if free.any():
            K = 2 * G[np.ix_(free, free)] + np.diag(d[free])
            w[free] = np.linalg.lstsq(K, 2 * c[free] - t[free] * s[free], rcond=None)[0]
        value = F(w)
        if value < best:
            best, best_w = value, w
    return best_w, best


def brute_force_linf(X, y, v, lam):
    """Global minimizer of ||y - Xw||^2 + lam max_j v_j |w_j| by enumerating clipped sets."""
    p = X.shape[1]
    pen = v > 0

    def F(w):
        r = y - X @ w
        return float(r @ r) + lam * float(np.max(v * np.abs(w), initial=0.0))

    # t = 0: the penalized coefficients vanish, the others are least squares.
    best_w = np.zeros(p)
    if (~pen).any():
        best_w[~pen] = np.linalg.lstsq(X[:, ~pen], y, rcond=None)[0]
    best = F(best_w)
    choices = [(-1, 0, 1) if pen[j] else (0,) for j in range(p)]
    for s in itertools.product(*choices):
        s = np.array(s, dtype=float)
        clipped = s != 0
        free = ~clipped
        # w_C = s t / v, w_F free: minimize ||y - Z z||^2 + lam t over z = (w_F, t).
        Z = np.column_stack([X[:, free], X[:, clipped] @ (s[clipped] / v[clipped])])
        rhs = Z.T @ y
        if clipped.any():
            rhs[-1] -= lam / 2
        else:
            Z = Z[:, :-1]
            rhs = rhs[:-1]
        z = np.linalg.lstsq(Z.T @ Z, rhs, rcond=None)[0] if Z.shape[1] else np.zeros(0)
        w = np.zeros(p)
        w[free] = z[: free.sum()]
        if clipped.any():
            w[clipped] = s[clipped] * max(z[-1], 0.0) / v[clipped]
        value = F(w)
        if value < best:
            best, best_w = value, w
    return best_w, best


def brute_force_difference(X, y, order, lam):
    """Global minimizer of ||y - Xw||^2 + lam ||D w||_1 by enumerating knot patterns."""
    p = X.shape[1]
    D = difference_matrix(p, order)

    def F(w):
        r = y - X @ w
        return float(r @ r) + lam * float(np.sum(np.abs(D @ w)))

    best, best_w = math.inf, None
    for s in itertools.product((-1.0, 0.0, 1.0), repeat=D.shape[0]):
        s = np.array(s)
        free = s == 0
        # w in the null space of D_F: w = N c; minimize ||y - X N c||^2 + lam s^T D N c.
        if free.any():
            _, sv, vt = np.linalg.svd(D[free])
            rank = int(np.sum(sv > 1e-12))
            N = vt[rank:].T
        else:
            N = np.eye(p)
        if N.shape[1] == 0:
            w = np.zeros(p)
        else:
            XN = X @ N
            c = np.linalg.lstsq(XN.T @ XN, XN.T @ y - 0.5 * lam * N.T @ (D.T @ s), rcond=None)[0]
            w = N @ c
        value = F(w)
        if value < best:
            best, best_w = value, w
    return best_w, best


def relative_kkt_l1_quadratic(X, y, w, t, d):
    """Max over j of the violation of 2 x_j^T r - d_j w_j in t_j * d|w_j|, relative."""
    g = 2 * X.T @ (y - X @ w) - d * w
    at_zero = np.maximum(np.abs(g) - t, 0.0)
    off_zero = np.abs(g - t * np.sign(w))
    return float(np.max(np.where(w == 0, at_zero, off_zero))) / (2 * np.abs(X.T @ y).max())


# ------------------------------------------------------------------------------------------
# Certificates and results
# ------------------------------------------------------------------------------------------
def test_certificate_ok_and_dict():
    good = Certificate("duality_gap", 1e-12, 1e-10)
    assert good.ok
    assert good.to_dict() == {"kind": "duality_gap", "value": 1e-12, "tol": 1e-10, "ok": True}
    assert not Certificate("kkt", 1e-9, 1e-10).ok
    assert not Certificate("kkt", math.nan, 1e-10).ok
    assert not Certificate("kkt", math.inf, 1e-10).ok


def test_result_fields_and_docstring_example():
    X, y = np.eye(3), np.array([3.0, -0.5, 1.0])
    result = solve(X, y, L1(), 2.0)
    assert isinstance(result, SolverResult)
    np.testing.assert_allclose(result.w, [2.0, 0.0, 0.0], atol=1e-15)  # soft threshold, lam/2
    assert result.converged and result.certificate.ok and result.message == "optimal"
    assert result.objective == pytest.approx(objective(X, y, L1(), 2.0, result.w))
    assert result.kkt <= TOL


# ------------------------------------------------------------------------------------------
# L1 / L2 / elastic net: the exact active-set method
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("l1_ratio", [1.0, 0.7, 0.3])
@pytest.mark.parametrize("fraction", [0.5, 0.1, 0.01])
def test_enet_matches_sklearn(l1_ratio, fraction):
    X, y = random_problem(n=80, p=8, seed=2)
    n = X.shape[0]
    lam = fraction * lam_max_l1(X, y) / l1_ratio
    result = solve(X, y, ElasticNet(l1_ratio), lam)
    reference = SkElasticNet(alpha=lam / (2 * n), l1_ratio=l1_ratio, fit_intercept=False,
                             tol=1e-15, max_iter=1_000_000)
    reference = quiet_fit(reference, X, y)
    np.testing.assert_allclose(result.w, reference.coef_, rtol=0, atol=1e-9)
    assert result.converged and result.certificate.kind == "duality_gap"
    assert result.certificate.value <= TOL


def test_weighted_lasso_matches_sklearn_by_column_scaling():
    X, y = random_problem(n=70, p=7, seed=3)
    v = np.array([0.5, 1.0, 2.0, 1.5, 0.8, 3.0, 1.0])
    lam = 0.2 * lam_max_l1(X, y)
    result = solve(X, y, L1(weights=v), lam)
    # sum_j v_j |w_j| = ||u||_1 with u = v * w and X w = (X / v) u.
    reference = quiet_fit(SkLasso(alpha=lam / (2 * X.shape[0]), fit_intercept=False,
                                  tol=1e-15, max_iter=1_000_000), X / v, y)
    np.testing.assert_allclose(result.w, reference.coef_ / v, rtol=0, atol=1e-9)
    assert result.converged


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_enet_with_unpenalized_coordinate_matches_enumeration(seed):
    X, y = random_problem(n=40, p=5, seed=seed)
    v = np.array([0.0, 1.0, 2.0, 0.5, 1.0])  # the first coefficient is unpenalized
    a, lam = 0.6, 0.3 * lam_max_l1(X, y)
    result = solve(X, y, ElasticNet(a, weights=v), lam)
    w_ref, F_ref = brute_force_quadratic_l1(X, y, lam * a * v, lam * (1 - a) * v)
    np.testing.assert_allclose(result.w, w_ref, atol=1e-10)
    assert result.objective == pytest.approx(F_ref, rel=1e-13)
    assert result.converged


@pytest.mark.parametrize("penalty", [L1(), ElasticNet(0.5)])
def test_degree6_monomial_design_matches_enumeration(penalty):
    X, y = monomial_problem(6, n=100)
    a = getattr(penalty, "l1_ratio", 1.0)
    v = np.ones(6)
    for fraction in (0.3, 1e-2, 1e-4):
        lam = fraction * lam_max_l1(X, y)
        result = solve(X, y, penalty, lam)
        w_ref, F_ref = brute_force_quadratic_l1(X, y, lam * a * v, lam * (1 - a) * v)
        assert result.objective <= F_ref * (1 + 1e-12)
        assert result.objective == pytest.approx(F_ref, rel=1e-11)
        assert result.converged


def test_degree15_monomial_design_is_optimal():
    # cond(X) ~ 1e11 after standardization: coordinate descent stalls, the active set does not.
    X, y = monomial_problem(15)
    n = X.shape[0]
    for a in (1.0, 0.5):
        for fraction in (0.1, 1e-3, 1e-5):
            lam = fraction * lam_max_l1(X, y) / a
            result = solve(X, y, ElasticNet(a), lam)
            t, d = lam * a * np.ones(15), lam * (1 - a) * np.ones(15)
            assert result.converged, result.message
            assert relative_kkt_l1_quadratic(X, y, result.w, t, d) <= 1e-10
            # Never worse than scikit-learn's coordinate descent given every chance.
            sk = SkElasticNet(alpha=lam / (2 * n), l1_ratio=a, fit_intercept=False, tol=1e-12,
                              max_iter=20_000)
            quiet_fit(sk, X, y)
            assert result.objective <= objective(X, y, ElasticNet(a), lam, sk.coef_) * (1 + 1e-13)


def test_rank_deficient_lasso_has_at_most_n_nonzeros():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((12, 30))
    X[:, 5] = X[:, 4]  # two identical columns as well
    y = rng.standard_normal(12)
    lam = 0.01 * lam_max_l1(X, y)
    result = solve(X, y, L1(), lam)
    assert result.converged
    assert np.count_nonzero(result.w) <= 12
    assert relative_kkt_l1_quadratic(X, y, result.w, lam * np.ones(30), np.zeros(30)) <= 1e-10
    sk = quiet_fit(SkLasso(alpha=lam / 24, fit_intercept=False, tol=1e-14, max_iter=200_000),
                   X, y)
    assert result.objective <= objective(X, y, L1(), lam, sk.coef_) * (1 + 1e-12)


def test_orthogonal_design_closed_forms():
    rng = np.random.default_rng(5)
    X, _ = np.linalg.qr(rng.standard_normal((30, 6)))
    y = rng.standard_normal(30)
    c = X.T @ y
    lam = 0.8 * 2 * np.abs(c).max()
    soft = np.sign(c) * np.maximum(np.abs(c) - lam / 2, 0.0)
    np.testing.assert_allclose(solve(X, y, L1(), lam).w, soft, atol=1e-14)
    a = 0.4
    enet = np.sign(c) * np.maximum(np.abs(c) - lam * a / 2, 0.0) / (1 + lam * (1 - a) / 2)
    np.testing.assert_allclose(solve(X, y, ElasticNet(a), lam).w, enet, atol=1e-14)
    v = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0])
    ridge = c / (1 + lam * v)
    np.testing.assert_allclose(solve(X, y, L2(weights=v), lam).w, ridge, atol=1e-14)


def test_ridge_and_lp2_solve_the_normal_equations():
    X, y = monomial_problem(12, n=60)
    v = np.linspace(0.5, 3.0, 12)
    lam = 0.7
    expected = np.linalg.solve(X.T @ X + lam * np.diag(v), X.T @ y)
    for penalty in (L2(weights=v), Lp(2, weights=v)):
        result = solve(X, y, penalty, lam)
        np.testing.assert_allclose(result.w, expected, rtol=1e-9, atol=1e-9)
        assert result.converged


@pytest.mark.parametrize("penalty", [L1(weights=[0, 1, 2, 1, 0.5]), L2(weights=[0, 1, 2, 1, 0.5]),
                                     ElasticNet(0.3, weights=[0, 1, 2, 1, 0.5]),
                                     Lp(1.5, weights=[0, 1, 2, 1, 0.5]),
                                     Lp(3.0, weights=[0, 1, 2, 1, 0.5])], ids=repr)
def test_reported_kkt_is_the_penalty_subdifferential_distance(penalty):
    X, y = random_problem(n=30, p=5, seed=20)
    for lam in (0.1, 3.0, 30.0):
        result = solve(X, y, penalty, lam)
        g = 2 * X.T @ (y - X @ result.w)
        expected = penalty.subdiff_distance(result.w, g, lam).max() / np.abs(2 * X.T @ y).max()
        assert result.kkt == pytest.approx(expected, rel=1e-12, abs=1e-18)
        assert kkt_residual(X, y, penalty, lam, result.w) == pytest.approx(expected, rel=1e-12,
                                                                           abs=1e-18)


@pytest.mark.parametrize("penalty", [Lp(1.5), Lp(3.0), Lp(math.inf), Lp(0.5), ElasticNet(0.3)],
                         ids=repr)
def test_more_features_than_samples(penalty):
    rng = np.random.default_rng(21)
    X = rng.standard_normal((10, 25))
    y = rng.standard_normal(10)
    for lam in (10.0, 0.1):
        result = solve(X, y, penalty, lam)
        assert result.converged, result.message
        assert result.kkt <= 1e-10


def test_lambda_zero_is_least_squares():
    X, y = random_problem(n=30, p=5, seed=6)
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    for penalty in (L1(), ElasticNet(0.5), L2(), Lp(1.5), Lp(0.5), Lp(math.inf)):
        result = solve(X, y, penalty, 0.0)
        np.testing.assert_allclose(result.w, ols, atol=1e-10)
        assert result.converged, (penalty, result.message)


# ------------------------------------------------------------------------------------------
# Lp
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [1.3, 1.5, 1.8, 2.5, 3.0, 4.0])
def test_smooth_lp_matches_quasi_newton(p):
    X, y = random_problem(n=50, p=5, seed=7)
    v = np.array([1.0, 0.5, 2.0, 1.0, 0.0])
    lam = 3.0
    result = solve(X, y, Lp(p, weights=v), lam)

    def F(w):
        r = y - X @ w
        return r @ r + lam * np.sum(v * np.abs(w) ** p)

    def grad(w):
        return -2 * X.T @ (y - X @ w) + lam * v * p * np.abs(w) ** (p - 1) * np.sign(w)

    reference = minimize(F, np.zeros(5), jac=grad, method="BFGS", options={"gtol": 1e-12})
    assert result.converged and result.certificate.kind == "duality_gap"
    assert result.objective <= reference.fun * (1 + 1e-13)
    np.testing.assert_allclose(result.w, reference.x, atol=1e-6)
    assert np.max(np.abs(grad(result.w))) <= 1e-9 * np.max(np.abs(2 * X.T @ y))


def test_lp_tends_to_the_lasso_as_p_decreases_to_one():
    X, y = random_problem(n=60, p=6, seed=8)
    lam = 0.3 * lam_max_l1(X, y)
    lasso = solve(X, y, L1(), lam).w
    distances = []
    for p in (1.5, 1.2, 1.05, 1.01):
        result = solve(X, y, Lp(p), lam)
        assert result.converged, result.message
        distances.append(np.max(np.abs(result.w - lasso)))
    assert all(b < a for a, b in zip(distances, distances[1:], strict=False))
    assert distances[-1] < 0.05 * np.max(np.abs(lasso))


def lp_gradient(X, y, p, v, lam, w):
    """∇F of ||y - Xw||^2 + lam sum_j v_j |w_j|^p (p > 1), written out from scratch."""
    return -2 * X.T @ (y - X @ w) + lam * v * p * np.abs(w) ** (p - 1) * np.sign(w)


def legendre_problem(degree, n=200, seed=1):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 1.0, n))
    X = np.polynomial.legendre.legvander(2 * x - 1, degree)[:, 1:]
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
    return standardize(X, y)


@pytest.mark.parametrize("p", [1.1, 1.5, 1.9, 2.5, 3.0])
@pytest.mark.parametrize("problem", [monomial_problem, legendre_problem])
def test_smooth_lp_path_is_stationary_on_degree30_designs(problem, p):
    # The lab's workload: 100 λ from 1e3 ||X||_2^2 down to 1e-4 of it (the default grid),
    # each start extrapolated from the previous answers. Every answer must be stationary,
    # checked here from scratch (cond(X) ~ 1e17 for the monomials).
    X, y = problem(30)
    lams = 1e3 * np.linalg.norm(X, 2) ** 2 * np.logspace(0, -4, 100)
    v = np.ones(X.shape[1])
    scale = np.max(np.abs(2 * X.T @ y))
    for lam, result in zip(lams, solve_path(X, y, Lp(p), lams), strict=True):
        assert result.converged, (lam, result.message)
        assert result.certificate.kind == "duality_gap" and result.certificate.value <= TOL
        assert np.max(np.abs(lp_gradient(X, y, p, v, lam, result.w))) <= 1e-9 * scale
        assert result.objective == pytest.approx(objective(X, y, Lp(p), lam, result.w),
                                                 rel=1e-12)


@pytest.mark.parametrize("p", [1.2, 1.5, 1.8, 3.0])
def test_smooth_lp_path_matches_quasi_newton_at_every_lambda(p):
    X, y = random_problem(n=40, p=4, seed=24)
    v = np.array([0.0, 1.0, 0.5, 2.0])  # the first coefficient is not penalized
    lams = np.logspace(2, -2, 9)
    for lam, result in zip(lams, solve_path(X, y, Lp(p, weights=v), lams), strict=True):
        def F(w, lam=lam):
            r = y - X @ w
            return r @ r + lam * np.sum(v * np.abs(w) ** p)

        def grad(w, lam=lam):
            return lp_gradient(X, y, p, v, lam, w)

        reference = minimize(F, np.zeros(4), jac=grad, method="BFGS", options={"gtol": 1e-12})
        assert result.converged, result.message
        assert result.objective <= reference.fun * (1 + 1e-13)
        np.testing.assert_allclose(result.w, reference.x, atol=1e-6)
        assert np.max(np.abs(grad(result.w))) <= 1e-9 * np.max(np.abs(2 * X.T @ y))


@pytest.mark.parametrize("order", ["increasing", "shuffled"])
@pytest.mark.parametrize("p", [1.05, 1.5, 3.0])
def test_lp_path_in_any_order_equals_cold_solves(p, order):
    # Starts are extrapolated only along steps of one direction and comparable length, and
    # only when F is lower there than at the warm start: any order gives the same answers.
    X, y = monomial_problem(8, n=60)
    lams = np.logspace(1.5, -3, 12)
    lams = lams[::-1] if order == "increasing" else np.random.default_rng(3).permutation(lams)
    for lam, warm in zip(lams, solve_path(X, y, Lp(p), lams), strict=True):
        cold = solve(X, y, Lp(p), lam)
        assert warm.converged and cold.converged, (warm.message, cold.message)
        np.testing.assert_allclose(warm.w, cold.w, rtol=1e-7, atol=1e-7 * np.abs(cold.w).max())
        assert warm.objective == pytest.approx(cold.objective, rel=1e-11)


@pytest.mark.parametrize("p", [1.5, 3.0])
def test_capped_lp_path_has_honest_certificates(p):
    # Two Newton steps per λ: some answers are reached, some stop short (a few with the gap
    # already within tol: it is quadratic in the gradient). Every certificate must bound the
    # relative suboptimality, measured against a fully converged solve, and an answer stopped
    # by the cap must not claim convergence, whatever its certificate.
    X, y = random_problem(n=40, p=6, seed=17)
    lams = np.logspace(2, -3, 20)
    capped = solve_path(X, y, Lp(p), lams, max_iter=2)
    stopped = ["stopped after 2 steps" in result.message for result in capped]
    assert any(stopped) and not all(stopped)
    assert any(short and r.certificate.ok for short, r in zip(stopped, capped, strict=True))
    for lam, result, short in zip(lams, capped, stopped, strict=True):
        best = solve(X, y, Lp(p), lam)
        assert best.converged
        F = objective(X, y, Lp(p), lam, result.w)
        assert result.objective == pytest.approx(F, rel=1e-12)
        assert (F - best.objective) / F <= result.certificate.value + 1e-13
        assert result.certificate.value == pytest.approx(
            duality_gap(X, y, Lp(p), lam, result.w), rel=1e-9, abs=1e-16)
        assert result.converged == (not short and result.certificate.ok)
        if result.converged:
            np.testing.assert_allclose(result.w, best.w, rtol=1e-6,
                                       atol=1e-6 * np.abs(best.w).max())


@pytest.mark.parametrize(("ty", "norm2", "C", "q"), [
    (0.025741585694480006, 6.503032644641807e-06, 0.0005096055882928824, 101.0),  # p = 1.01
    (1.0, 1e-8, 1e3, 101.0), (2.0, 0.5, 1e-6, 21.0), (1.0, 1.0, 1.0, 3.0), (3.0, 2.0, 0.0, 1.5),
])
def test_power_dual_scale_matches_a_grid_search(ty, norm2, C, q):
    # max_{s >= 0} 2 s ty - s^2 norm2 - C s^q, the dual value along the residual's ray. The
    # first case (from an Lp(1.01) certificate) once overflowed s^(q-1) in a Python float.
    from reglab.solvers import _best_power_dual

    s = np.geomspace(1e-12, ty / norm2, 400_001)
    with np.errstate(over="ignore", divide="ignore"):
        log_C = np.log(C)
        values = 2 * s * ty - s * s * norm2 - np.exp(q * np.log(s) + log_C)
    best = float(np.max(values))
    assert _best_power_dual(ty, norm2, float(log_C), q) == pytest.approx(best, rel=1e-7)


@pytest.mark.parametrize("p", [1.01, 1.05, 1.5, 3.0])
def test_lp_relative_gap_is_at_most_one(p):
    # The dual value at θ = 0 is 0 <= F*, so the best scaled dual point gives a relative gap
    # of at most 1 at any w. Near p = 1 (q = p / (p - 1) large) its s^q term spans hundreds
    # of decades: the scale must still be found, not a point far beyond the maximizer.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 25))
    y = rng.standard_normal(10)
    least_squares = np.linalg.lstsq(X, y, rcond=None)[0]
    for fraction in (1e-2, 1e-4, 1e-6):
        lam = fraction * lam_max_l1(X, y)
        for w in (0.99 * least_squares, 0.5 * least_squares, rng.standard_normal(25)):
            gap = duality_gap(X, y, Lp(p), lam, w)
            assert 0 <= gap <= 1 + 1e-12, (fraction, gap)


def test_lp_near_one_dual_bound_does_not_overflow():
    # p = 1.01, q = 101, more features than samples: the dual bound's s^(q-1) overflowed a
    # Python float (OverflowError) in its line search.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 25))
    y = rng.standard_normal(10)
    lam = 5.6e-5 * lam_max_l1(X, y)
    result = solve(X, y, Lp(1.01), lam)
    assert result.converged, result.message
    assert result.certificate.value <= TOL
    v = np.ones(25)
    assert np.max(np.abs(lp_gradient(X, y, 1.01, v, lam, result.w))) <= 1e-9 * lam_max_l1(X, y)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_linf_matches_enumeration(seed):
    X, y = random_problem(n=40, p=4, seed=seed)
    v = np.array([1.0, 2.0, 0.5, 1.0]) if seed % 2 else np.array([1.0, 0.0, 1.0, 1.5])
    for fraction in (0.5, 0.05):
        lam = fraction * float(np.sum(np.abs(2 * X.T @ y)))
        result = solve(X, y, Lp(math.inf, weights=v), lam)
        w_ref, F_ref = brute_force_linf(X, y, v, lam)
        assert result.converged, result.message
        assert result.objective == pytest.approx(F_ref, rel=1e-12)
        np.testing.assert_allclose(result.w, w_ref, atol=1e-9)


def test_linf_large_lambda_gives_zero():
    X, y = random_problem(n=40, p=4, seed=9)
    lam = 1.01 * float(np.sum(np.abs(2 * X.T @ y)))  # the dual norm of 2 X^T y
    result = solve(X, y, Lp(math.inf), lam)
    np.testing.assert_array_equal(result.w, 0.0)
    assert result.converged


def _check_local_minimum(X, y, penalty, lam, w):
    F0 = objective(X, y, penalty, lam, w)
    slack = 1e-12 * F0
    span = 3 * max(np.max(np.abs(w)), 1.0)
    grid = np.concatenate([np.linspace(-span, span, 4001), [0.0]])
    for j in range(w.size):  # no single-coordinate move lowers F
        trial = np.repeat(w[None, :], grid.size, axis=0)
        trial[:, j] = grid
        values = np.sum((y[None, :] - trial @ X.T) ** 2, axis=1) + lam * np.array(
            [penalty.value(t) for t in trial])
        assert values.min() >= F0 - slack
    rng = np.random.default_rng(0)
    for scale in (1e-3, 1e-5):  # nor does a small random perturbation
        for _ in range(50):
            assert objective(X, y, penalty, lam, w + scale * rng.standard_normal(w.size)) >= (
                F0 - slack)


@pytest.mark.parametrize("p", [0.5, 0.8, 0.2])
def test_nonconvex_lp_returns_a_certified_local_minimum(p):
    X, y = random_problem(n=50, p=6, seed=10)
    lam = 4.0
    result = solve(X, y, Lp(p), lam)
    assert result.converged and result.certificate.kind == "kkt"
    assert "local minimum" in result.message
    w = result.w
    # Stationarity on the support, written out: 2 x_j^T r = lam p |w_j|^(p-1) sign(w_j).
    g = 2 * X.T @ (y - X @ w)
    nz = w != 0
    residual = g[nz] - lam * p * np.abs(w[nz]) ** (p - 1) * np.sign(w[nz])
    assert np.max(np.abs(residual), initial=0.0) <= 1e-10 * np.max(np.abs(2 * X.T @ y))
    assert result.certificate.value == pytest.approx(kkt_residual(X, y, Lp(p), lam, w))
    _check_local_minimum(X, y, Lp(p), lam, w)
    assert duality_gap(X, y, Lp(p), lam, w) is None


def test_nonconvex_lp_with_an_unpenalized_coefficient():
    X, y = random_problem(n=50, p=5, seed=22)
    v = np.array([0.0, 1.0, 1.0, 2.0, 1.0])
    lam = 50.0  # large: every penalized coefficient is pushed to zero or nearly
    result = solve(X, y, Lp(0.5, weights=v), lam)
    assert result.converged
    assert result.w[0] != 0
    g = 2 * X.T @ (y - X @ result.w)
    assert abs(g[0]) <= 1e-10 * np.abs(2 * X.T @ y).max()  # least squares in that coefficient
    _check_local_minimum(X, y, Lp(0.5, weights=v), lam, result.w)


def test_nonconvex_lp_path_is_a_continuation_of_local_minima():
    X, y = monomial_problem(10, n=80)
    lams = np.logspace(2, -3, 30)
    results = solve_path(X, y, Lp(0.5), lams)
    assert all(r.converged for r in results)
    supports = [np.count_nonzero(r.w) for r in results]
    assert supports[0] <= 2 and supports[-1] >= 3
    _check_local_minimum(X, y, Lp(0.5), lams[10], results[10].w)


# ------------------------------------------------------------------------------------------
# DifferenceL1: the generalized lasso
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("order", [0, 1, 2, 3])
@pytest.mark.parametrize("lam", [0.3, 2.0, 20.0])
def test_difference_identity_matches_enumeration(order, lam):
    rng = np.random.default_rng(11)
    y = np.array([0.0, 0.2, 1.5, 1.4, 1.7, 0.3, 0.1]) + 0.1 * rng.standard_normal(7)
    result = solve(None, y, DifferenceL1(order), lam)
    w_ref, F_ref = brute_force_difference(np.eye(7), y, order, lam)
    assert result.converged, result.message
    assert result.objective == pytest.approx(F_ref, rel=1e-12)
    np.testing.assert_allclose(result.w, w_ref, atol=1e-9)


@pytest.mark.parametrize("order", [0, 1, 2])
def test_difference_general_design_matches_enumeration(order):
    X, y = random_problem(n=30, p=6, seed=12)
    for lam in (0.5, 5.0, 50.0):
        result = solve(X, y, DifferenceL1(order), lam)
        w_ref, F_ref = brute_force_difference(X, y, order, lam)
        assert result.converged, result.message
        assert result.objective == pytest.approx(F_ref, rel=1e-12)
        np.testing.assert_allclose(result.w, w_ref, atol=1e-8)


@pytest.mark.parametrize("order", [1, 2])  # for k = 3, BVLS itself stalls on D D^T
def test_difference_identity_matches_bvls_dual(order):
    # The dual min ||y - D^T u||^2 s.t. |u| <= lam/2, solved by scipy's BVLS; w = y - D^T u.
    rng = np.random.default_rng(13)
    n = 60
    t = np.arange(n)
    y = np.where(t < 20, 0.0, 1.0) + 0.02 * t * (t > 40) + 0.1 * rng.standard_normal(n)
    D = difference_matrix(n, order)
    lams = [5.0, 0.5, 0.05]
    for lam, result in zip(lams, solve_path(None, y, DifferenceL1(order), lams), strict=True):
        dual = lsq_linear(D.T, y, bounds=(-lam / 2, lam / 2), method="bvls", tol=1e-15)
        np.testing.assert_allclose(result.w, y - D.T @ dual.x, atol=1e-7)
        assert result.converged and result.certificate.value <= TOL


@pytest.mark.parametrize("p", [1.01, 1.05])
def test_lp_near_one_with_huge_lambda_stays_finite_and_certified(p):
    # w_j = ((2 |x_j^T y|) / (λ p))^(1/(p-1)) underflows for λ >> λ_max: the solver keeps the
    # dual coordinate s = λ p |w|^(p-1) sign(w) and still certifies the answer.
    X, y = random_problem(n=40, p=5, seed=23)
    top = lam_max_l1(X, y)
    for lam in (1e3 * top, 1e-6 * top):
        result = solve(X, y, Lp(p), lam)
        assert np.all(np.isfinite(result.w))
        assert result.converged, result.message


def test_difference_kkt_matches_the_penalty_subdifferential():
    rng = np.random.default_rng(14)
    w = np.repeat(rng.standard_normal(6), 5)  # piecewise constant: exact zero differences
    g = rng.standard_normal(30)
    y = w + g / 2  # so that 2 (y - w) = g with X = I
    for order, lam in ((1, 0.7), (1, 3.0), (2, 0.7)):
        expected = DifferenceL1(order).subdiff_distance(w, g, lam).max() / np.abs(2 * y).max()
        assert kkt_residual(None, y, DifferenceL1(order), lam, w) == pytest.approx(
            expected, rel=1e-8, abs=1e-14)


def test_long_trend_filter_is_fast_and_certified():
    rng = np.random.default_rng(15)
    n = 2000
    t = np.linspace(0.0, 1.0, n)
    y = 3 * np.abs(t - 0.3) - 2 * np.maximum(t - 0.7, 0) + 0.2 * rng.standard_normal(n)
    y -= y.mean()
    # Above λ_max = 2 ||(D D^T)^{-1} D y||_inf the fit is the least-squares line.
    D = scipy.sparse.diags([1.0, -2.0, 1.0], [0, 1, 2], shape=(n - 2, n), format="csc")
    lam_max = 2 * np.max(np.abs(scipy.sparse.linalg.spsolve(D @ D.T, D @ y)))
    lams = np.array([1.01 * lam_max, 1e-2 * lam_max, 1e-4 * lam_max])
    start = time.perf_counter()
    results = solve_path(None, y, DifferenceL1(2), lams)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0
    for lam, result in zip(lams, results, strict=True):
        assert result.converged, result.message
        assert result.kkt <= 1e-9
        assert duality_gap(None, y, DifferenceL1(2), lam, result.w) <= TOL
    # Larger λ, fewer knots; at the top the fit is the least-squares line.
    knots = [np.count_nonzero(np.abs(np.diff(r.w, 2)) > 1e-9) for r in results]
    assert knots[0] == 0 < knots[1] <= knots[2]
    line = np.polyval(np.polyfit(np.arange(n), y, 1), np.arange(n))
    np.testing.assert_allclose(results[0].w, line, atol=1e-9)


def test_difference_rank_deficient_design_is_refused():
    rng = np.random.default_rng(16)
    with pytest.raises(ReglabInputError, match="full column rank"):
        solve(rng.standard_normal((4, 8)), rng.standard_normal(4), DifferenceL1(1), 1.0)


# ------------------------------------------------------------------------------------------
# Certificates catch wrong answers; warm starts change nothing
# ------------------------------------------------------------------------------------------
CONVEX = [L1(), L2(), ElasticNet(0.5), Lp(1.5), Lp(3.0), Lp(math.inf), DifferenceL1(1)]


@pytest.mark.parametrize("penalty", CONVEX, ids=repr)
def test_certificates_reject_a_wrong_w(penalty):
    X, y = random_problem(n=40, p=6, seed=17)
    lam = 5.0
    result = solve(X, y, penalty, lam)
    assert result.converged
    assert duality_gap(X, y, penalty, lam, result.w) <= TOL
    assert kkt_residual(X, y, penalty, lam, result.w) <= 1e-9
    wrong = result.w + 1e-3 * np.random.default_rng(0).standard_normal(6)
    assert duality_gap(X, y, penalty, lam, wrong) > TOL
    assert kkt_residual(X, y, penalty, lam, wrong) > 1e-6
    assert not Certificate("duality_gap", duality_gap(X, y, penalty, lam, wrong), TOL).ok


def test_kkt_rejects_a_wrong_nonconvex_w():
    X, y = random_problem(n=40, p=6, seed=18)
    result = solve(X, y, Lp(0.5), 4.0)
    wrong = result.w * 1.01
    assert kkt_residual(X, y, Lp(0.5), 4.0, wrong) > 1e-6


@pytest.mark.parametrize("penalty", CONVEX + [DifferenceL1(2)], ids=repr)
def test_warm_started_path_equals_cold_solves(penalty):
    X, y = monomial_problem(8, n=60)
    lams = np.logspace(1.5, -3, 12)
    path = solve_path(X, y, penalty, lams)
    for lam, warm in zip(lams, path, strict=True):
        cold = solve(X, y, penalty, lam)
        assert warm.converged and cold.converged
        np.testing.assert_allclose(warm.w, cold.w, rtol=1e-7, atol=1e-7 * np.abs(cold.w).max())
        assert warm.objective == pytest.approx(cold.objective, rel=1e-11)


def test_gram_argument_gives_the_same_answers():
    X, y = monomial_problem(10, n=50)
    lams = np.logspace(1, -2, 5)
    plain = solve_path(X, y, ElasticNet(0.5), lams)
    with_gram = solve_path(X, y, ElasticNet(0.5), lams, gram=X.T @ X)
    for a, b in zip(plain, with_gram, strict=True):
        np.testing.assert_allclose(a.w, b.w, atol=1e-12)


def test_path_is_fast_on_a_degree30_design():
    X, y = monomial_problem(30)
    lams = lam_max_l1(X, y) / 0.5 * np.logspace(0, -4, 100)
    start = time.perf_counter()
    results = solve_path(X, y, ElasticNet(0.5), lams)
    elapsed = time.perf_counter() - start
    assert all(r.converged for r in results)
    assert elapsed < 5.0  # typically well under 0.1 s; generous for loaded test machines


# ------------------------------------------------------------------------------------------
# Honest failure and input errors
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("penalty", [ElasticNet(0.5), Lp(1.5), Lp(0.5), Lp(math.inf),
                                     DifferenceL1(2)], ids=repr)
def test_iteration_cap_is_reported_not_hidden(penalty):
    X, y = monomial_problem(12, n=60)
    result = solve(X, y, penalty, 1e-3, max_iter=1)
    assert not result.converged
    assert result.message and result.message != "optimal"


def test_input_errors():
    X, y = random_problem(n=20, p=3, seed=19)
    with pytest.raises(ReglabInputError, match="lam"):
        solve(X, y, L1(), -1.0)
    with pytest.raises(ReglabInputError, match="y"):
        solve(X, y[:-1], L1(), 1.0)
    with pytest.raises(ReglabInputError, match="penalty"):
        solve(X, y, "l1", 1.0)
    with pytest.raises(ReglabInputError, match="max_iter"):
        solve(X, y, L1(), 1.0, max_iter=0)
    with pytest.raises(ReglabInputError, match="w0"):
        solve(X, y, L1(), 1.0, w0=np.zeros(4))
    with pytest.raises(ReglabInputError, match="gram"):
        solve(X, y, L1(), 1.0, gram=np.eye(4))
    with pytest.raises(ReglabInputError, match="weights"):
        solve(X, y, L1(weights=[1.0, 2.0]), 1.0)
    with pytest.raises(ReglabInputError, match="lams"):
        solve_path(X, y, L1(), [1.0, -2.0])
