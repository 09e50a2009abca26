"""Regularization paths against independent references.

* ridge: the normal equations (X^T X + lam V) w = X^T y on centered (standardized) data, and
  df as the trace of the hat matrix built directly;
* lasso: soft-thresholding on an orthogonal design, scikit-learn's coordinate descent (LARS vs
  CD), brute force over all supports and sign patterns for p = 3;
* both: the KKT conditions written out here, the constrained form against SLSQP, the
  multiplier of the constraint as the sensitivity d RSS / d level = -lam, the s and df axes,
  and hypothesis properties of R(lam) and its inverse.

Objective throughout: ||y - b - Xw||^2 + lam P(w) with b unpenalized.
"""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso, lasso_path

from reglab._validation import ReglabInputError
from reglab.paths import GridPath, LassoPath, RidgePath, fit_path
from reglab.penalties import L1, L2, DifferenceL1, ElasticNet, Lp

N, P = 40, 6
WEIGHTS = [1.0, 0.0, 2.5, 0.4, 1.0, 1.0]  # a zero weight: x2 is unpenalized


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(31)
    X = rng.normal(size=(N, P)) * [1.0, 2.0, 0.5, 1.0, 3.0, 1.0] + [1.0, -2.0, 0.0, 5.0, 0.3, 0]
    y = 2.0 + X @ np.array([1.5, -1.0, 0.0, 0.8, 0.0, -0.3]) + rng.normal(size=N)
    return X, y


def _prepared(X, y, standardize):
    """Centering and (ddof = 0) scaling, written out independently of reglab.design."""
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    scale = np.sqrt(np.mean(Xc**2, axis=0)) if standardize else np.ones(X.shape[1])
    return Xc / scale, yc, x_mean, y_mean, scale


def _lasso_kkt(X, y, w, lam, v):
    """max_j of the lasso KKT violation, relative to max |2 X^T y|."""
    g = 2 * X.T @ (y - X @ w)
    violation = np.where(w != 0, np.abs(g - lam * v * np.sign(w)),
                         np.maximum(np.abs(g) - lam * v, 0.0))
    return np.max(violation) / np.max(np.abs(2 * X.T @ y))


def _sk_lasso(X, y, lam, **kwargs):
    """scikit-learn's coordinate descent on centered data at reglab's lam (alpha = lam / 2n)."""
    model = Lasso(alpha=lam / (2 * X.shape[0]), fit_intercept=False, tol=1e-14,
                  max_iter=1_000_000, **kwargs)
    return model.fit(X, y).coef_


# =============================================================================================
# Ridge
# =============================================================================================
@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("weights", [None, WEIGHTS], ids=["unweighted", "weighted"])
def test_ridge_solves_the_normal_equations(data, standardize, weights):
    X, y = data
    path = fit_path(X, y, L2(weights=weights), standardize=standardize)
    assert isinstance(path, RidgePath) and path.exact
    Xs, yc, x_mean, y_mean, scale = _prepared(X, y, standardize)
    V = np.diag(np.ones(P) if weights is None else weights)
    s_max2 = np.linalg.norm(Xs, 2) ** 2
    for lam in np.geomspace(1e-6, 1e4, 21) * s_max2:
        w = np.linalg.solve(Xs.T @ Xs + lam * V, Xs.T @ yc)
        sol = path.solution(lam=lam)
        np.testing.assert_allclose(sol.coef_std, w, rtol=1e-9, atol=1e-12 * np.abs(w).max())
        coef = w / scale
        np.testing.assert_allclose(sol.coef, coef, rtol=1e-9, atol=1e-12 * np.abs(coef).max())
        assert sol.intercept == pytest.approx(y_mean - x_mean @ coef, rel=1e-9, abs=1e-10)
        assert sol.lam == lam and sol.constraint_active and sol.exact
        residual = yc - Xs @ w
        assert sol.rss == pytest.approx(residual @ residual, rel=1e-9)
        assert sol.objective == pytest.approx(residual @ residual + lam * w @ V @ w, rel=1e-9)
    # the grid, all at once
    for lam, w_grid in zip(path.lams, path.coefs_std, strict=True):
        w = np.linalg.solve(Xs.T @ Xs + lam * V, Xs.T @ yc)
        np.testing.assert_allclose(w_grid, w, rtol=1e-8, atol=1e-12 * np.abs(w).max())


@pytest.mark.parametrize(
    ("penalty", "factor"),
    [(Lp(2), 1.0), (ElasticNet(0.0), 0.5), (ElasticNet(0.0, weights=WEIGHTS), 0.5)],
    ids=["Lp(2)", "ElasticNet(0)", "ElasticNet(0, weighted)"],
)
def test_other_quadratic_penalties_are_ridge(data, penalty, factor):
    """Lp(2) is sum w^2; ElasticNet(0) is 1/2 sum v w^2, so its normal equations carry lam / 2."""
    X, y = data
    path = fit_path(X, y, penalty)
    Xs, yc, *_ = _prepared(X, y, False)
    V = np.diag(penalty.weights_for(P))
    for lam in (0.1, 10.0, 1e3):
        w = np.linalg.solve(Xs.T @ Xs + factor * lam * V, Xs.T @ yc)
        np.testing.assert_allclose(path.solution(lam=lam).coef_std, w, rtol=1e-9)


@pytest.mark.parametrize("penalty", [ElasticNet(0.0), ElasticNet(0.0, weights=WEIGHTS), L2()],
                         ids=repr)
def test_ridge_path_radius_is_the_penalty_radius(data, penalty):
    """R along the path, R_max and the R / s axes use the penalty's own radius of w(lam)."""
    X, y = data
    path = fit_path(X, y, penalty)
    for lam in (0.5, 20.0):
        sol = path.solution(lam=lam)
        assert path.R_at(lam) == pytest.approx(penalty.radius(sol.coef_std), rel=1e-12)
        back = path.solution(R=sol.R)
        assert back.lam == pytest.approx(lam, rel=1e-8)
    w_ols = np.linalg.lstsq(*_prepared(X, y, False)[:2], rcond=None)[0]
    if penalty.weights is None:
        assert path.R_max == pytest.approx(penalty.radius(w_ols), rel=1e-10)
    half = path.solution(s=0.5)
    assert half.s == pytest.approx(0.5, rel=1e-10)
    assert half.R == pytest.approx(0.5 * path.R_max, rel=1e-10)


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("penalty", [
    Lp(0.5), Lp(1.5), Lp(3.0), Lp(math.inf), ElasticNet(0.5),
    ElasticNet(0.5, weights=[0.0] + [1.0] * 7), Lp(math.inf, weights=[0.0] + [1.0] * 7),
], ids=["lp0.5", "lp1.5", "lp3", "lpinf", "enet", "enet-free-first", "lpinf-free-first"])
def test_default_grid_runs_from_a_shrunk_fit_to_least_squares(standardize, penalty):
    # (the grid once started far above where anything moves: CV then chose w = 0)
    from reglab.datasets import load_prostate

    data = load_prostate()
    path = fit_path(data.X, data.y, penalty, standardize=standardize)
    assert all(c.ok for c in path.certificates)
    finite = isinstance(penalty, ElasticNet) or penalty.is_max_norm  # w = 0 from a λ_max on
    # the bottom is least squares, nearly (1e-4 λ_max where there is a λ_max)
    assert path.s.max() > (0.95 if finite else 0.99)
    # the top has shrunk the fit (for p > 2 slowly: the penalty's slope vanishes at 0)
    assert path.s.min() < (0.25 if isinstance(penalty, Lp) and penalty.p > 2 else 0.1)
    if finite:
        penalized = penalty.weights_for(8) > 0
        size = np.abs(path.coefs_std[-1, penalized]).max()
        assert np.abs(path.coefs_std[0, penalized]).max() <= 1e-12 * size  # λ_max itself...
        assert np.abs(path.coefs_std[1, penalized]).max() > 1e-6 * size  # ...not far above


def test_a_skipped_duplicate_column_is_named_by_its_column_number():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    X[:, 2] = X[:, 1]  # x3 repeats x2: x2 enters, x3 is skipped (1-based, as x1..x4)
    y = X @ [1.0, 2.0, 0.0, 0.5] + rng.normal(size=30)
    path = fit_path(X, y, L1())
    assert [e.feature for e in path.events if e.action == "enter"][0] == "x2"
    assert any("skipped" in w and "column 3 at" in w for w in path.warnings), path.warnings


def test_solution_predict_checks_its_rows_like_the_path():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    path = fit_path(X, y, L1())
    solution = path.solution(lam=1.0)
    np.testing.assert_allclose(solution.predict(X), path.predict(X, lams=[1.0])[0], rtol=1e-12)
    for bad, rule in ((X[:, :2], "must have 3 columns"), (X[0], "must be 2-dimensional"),
                      (np.where(X > 1, np.nan, X), "must be finite")):
        with pytest.raises(ReglabInputError, match=rf"^X: {rule}"):
            solution.predict(bad)


@pytest.mark.parametrize("penalty", [Lp(1.5), Lp(0.5), Lp(3.0, weights=[0.0, 1.0, 1.0]),
                                     ElasticNet(0.5, weights=[0.0, 1.0, 1.0])],
                         ids=["lp1.5", "lp0.5", "lp3-free-first", "enet-free-first"])
def test_radius_zero_is_the_end_of_the_path(penalty):
    # R = 0 (s = 0, the smallest df): the penalized coefficients are 0, an unpenalized one is
    # least squares; λ = λ_max where it is finite, else ∞ (once an input error naming λ)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = X[:, 0] + rng.normal(size=20)
    path = fit_path(X, y, penalty)
    free = penalty.weights_for(3) == 0
    expected = np.zeros(3)
    if free.any():
        expected[free] = np.linalg.lstsq(X[:, free] - X[:, free].mean(0), y - y.mean(),
                                         rcond=None)[0]
    for form in ({"R": 0.0}, {"s": 0.0}, {"df": float(free.sum())}):
        solution = path.solution(**form)
        assert solution.lam == pytest.approx(path.lam_max if math.isfinite(path.lam_max)
                                             else math.inf)
        np.testing.assert_allclose(solution.coef, expected, atol=1e-12)
        assert solution.R == 0.0 and solution.certified and solution.df == free.sum()


def test_trend_filtering_a_series_with_an_intercept_says_to_drop_it():
    y = np.cumsum(np.random.default_rng(2).normal(size=16))
    with pytest.raises(ReglabInputError, match=r"^fit_intercept: must be False when the rows"):
        fit_path(np.eye(16), y, DifferenceL1(1))  # once: "X must have full column rank"
    assert fit_path(np.eye(16), y, DifferenceL1(1), fit_intercept=False).certificates[0].ok
    rng = np.random.default_rng(3)  # a general design keeps its intercept
    path = fit_path(rng.normal(size=(20, 5)), rng.normal(size=20), DifferenceL1(1))
    assert all(c.ok for c in path.certificates)


def test_trend_filtering_reaches_its_smallest_df_at_lam_max():
    rng = np.random.default_rng(1)
    y = np.cumsum(rng.normal(size=30))
    for order in (1, 2):
        path = fit_path(np.eye(30), y, DifferenceL1(order), fit_intercept=False)
        solution = path.solution(df=order)  # the polynomials of degree < order
        assert solution.lam == pytest.approx(path.lam_max) and solution.certified
        assert solution.df == order


@pytest.mark.parametrize("fraction", [0.9, 0.5, 0.05])
def test_max_norm_df_counts_the_tied_group_once(fraction):
    # Stein's divergence of the fit (as in the test below): the coefficients tied at the max
    # level move as one (df once counted each of them)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = X @ [1.0, 0.5, 0.3, 0.0] + rng.normal(size=30)
    lam = fraction * fit_path(X, y, Lp(math.inf)).lam_max
    eps, divergence = 1e-5, 0.0
    for i in range(y.size):
        moved = [fit_path(X, y + sign * eps * (np.arange(y.size) == i), Lp(math.inf),
                          lams=[lam]).solution(lam=lam).predict(X[i : i + 1])[0]
                 for sign in (1.0, -1.0)]
        divergence += (moved[0] - moved[1]) / (2 * eps)
    solution = fit_path(X, y, Lp(math.inf), lams=[lam]).solution(lam=lam)
    assert solution.df == pytest.approx(divergence - 1.0, abs=1e-4)


@pytest.mark.parametrize("penalty, lam", [(ElasticNet(0.5), 20.0), (ElasticNet(0.2), 5.0),
                                          (ElasticNet(1e-9), 10.0), (Lp(1.5), 5.0)])
def test_warm_started_df_is_the_divergence_of_the_fit(penalty, lam):
    # Stein's df: the divergence sum_i d(ŷ_i)/d(y_i) of the fit, minus 1 for the intercept,
    # by central differences of refits (each solved to a duality gap far below the step).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = X @ [1.0, 0.5, 0.0, 0.0] + rng.normal(size=30)
    eps, divergence = 1e-4, 0.0
    for i in range(y.size):
        moved = [fit_path(X, y + sign * eps * (np.arange(y.size) == i), penalty,
                          lams=[lam]).solution(lam=lam).predict(X[i : i + 1])[0]
                 for sign in (1.0, -1.0)]
        divergence += (moved[0] - moved[1]) / (2 * eps)
    solution = fit_path(X, y, penalty, lams=[lam]).solution(lam=lam)
    assert solution.nonzero > 0 and solution.df == pytest.approx(divergence - 1.0, rel=1e-7)
    if isinstance(penalty, ElasticNet) and penalty.l1_ratio < 1e-6:
        # a vanishing L1 part: ridge at λ/2 (P = ||w||² / 2)
        ridge = fit_path(X, y, L2()).solution(lam=lam / 2)
        assert solution.df == pytest.approx(ridge.df, rel=1e-6)


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("weights", [None, WEIGHTS], ids=["unweighted", "weighted"])
def test_ridge_df_is_the_trace_of_the_hat_matrix(data, standardize, weights):
    X, y = data
    path = fit_path(X, y, L2(weights=weights), standardize=standardize)
    Xs, *_ = _prepared(X, y, standardize)
    V = np.diag(np.ones(P) if weights is None else weights)
    for lam in (1e-3, 0.7, 15.0, 400.0, 1e6):
        hat = Xs @ np.linalg.solve(Xs.T @ Xs + lam * V, Xs.T)
        assert path.df_at(lam) == pytest.approx(np.trace(hat), rel=1e-10)
        assert path.solution(lam=lam).df == pytest.approx(np.trace(hat), rel=1e-10)
    assert path.df_at(0.0) == pytest.approx(P, rel=1e-12)
    if weights is not None:  # the unpenalized column always counts
        assert path.df_at(1e14) == pytest.approx(1.0, rel=1e-6)


def test_standardized_ridge_is_ridge_with_variance_weights(data):
    """Standardizing = penalizing sum (sd_j w_j)^2 on the raw scale (ddof = 0)."""
    X, y = data
    standardized = fit_path(X, y, L2(), standardize=True)
    weighted = fit_path(X, y, L2(weights=X.std(axis=0) ** 2))
    for lam in (0.3, 30.0):
        np.testing.assert_allclose(standardized.solution(lam=lam).coef,
                                   weighted.solution(lam=lam).coef, rtol=1e-9)


# =============================================================================================
# Lasso
# =============================================================================================
def _orthogonal_design(n, p, seed):
    """X = sqrt(n) Q with orthonormal Q whose columns are also orthogonal to the ones vector."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, p))
    A -= A.mean(axis=0)  # so that centering leaves X unchanged
    Q = np.linalg.qr(A)[0]
    X = math.sqrt(n) * Q
    y = X @ rng.normal(size=p) * 0.3 + rng.normal(size=n) + 1.0
    return X, y


def _soft(z, t):
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


@pytest.mark.parametrize("weights", [None, [1.0, 0.0, 2.0, 0.5, 1.0]], ids=["plain", "weighted"])
def test_lasso_on_an_orthogonal_design_is_soft_thresholding(weights):
    n, p = 30, 5
    X, y = _orthogonal_design(n, p, 32)
    v = np.ones(p) if weights is None else np.asarray(weights)
    path = fit_path(X, y, L1(weights=weights))
    assert isinstance(path, LassoPath)
    z = X.T @ y  # = X^T (y - mean y): the columns are centered
    # The breakpoints are where each penalized |z_j| meets lam v_j / 2.
    expected = np.sort(2 * np.abs(z[v > 0]) / v[v > 0])[::-1]
    np.testing.assert_allclose(path.breakpoints[: expected.size], expected, rtol=1e-10)
    for lam in np.concatenate([np.geomspace(1e-3, 2, 30) * expected[0], expected]):
        w = _soft(z, lam * v / 2) / n  # ||X_j||^2 = n
        sol = path.solution(lam=lam)
        np.testing.assert_allclose(sol.coef, w, rtol=1e-10, atol=1e-12 * np.abs(z).max() / n)


@pytest.mark.parametrize("standardize", [False, True])
def test_lasso_matches_coordinate_descent_between_breakpoints(data, standardize):
    X, y = data
    path = fit_path(X, y, L1(), standardize=standardize)
    Xs, yc, *_ = _prepared(X, y, standardize)
    knots = path.breakpoints
    assert knots[-1] == 0.0 and np.all(np.diff(knots) < 0)
    lams = list(np.sqrt(knots[:-2] * knots[1:-1]))  # geometric midpoints of the segments
    lams += [0.5 * knots[-2], 0.01 * knots[-2], 1.5 * knots[0]]
    for lam in lams:
        w = _sk_lasso(Xs, yc, lam)
        sol = path.solution(lam=lam)
        np.testing.assert_allclose(sol.coef_std, w, rtol=1e-9, atol=1e-11)
        np.testing.assert_array_equal(sol.coef_std != 0, w != 0)
        assert sol.df == np.count_nonzero(w)


def test_lasso_matches_sklearn_lasso_path_with_more_features_than_samples():
    rng = np.random.default_rng(33)
    X, y = rng.normal(size=(12, 20)), rng.normal(size=12)
    path = fit_path(X, y, L1())
    Xs, yc, *_ = _prepared(X, y, False)
    lams = np.sqrt(path.breakpoints[:-2] * path.breakpoints[1:-1])
    alphas, coefs, _ = lasso_path(Xs, yc, alphas=lams / (2 * 12), tol=1e-14, max_iter=1_000_000)
    for alpha, w in zip(alphas, coefs.T, strict=True):
        sol = path.solution(lam=2 * 12 * alpha)
        # the fitted values are unique; with data in general position so are the coefficients
        np.testing.assert_allclose(Xs @ sol.coef_std, Xs @ w, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(sol.coef_std, w, rtol=1e-6, atol=1e-8)


def _lasso_brute_force(X, y, lam, v):
    """Enumerate supports and sign patterns; solve each KKT system; keep the best feasible point.

    On a support A with signs s: 2 X_A^T (y - X_A w_A) = lam v_A s. Unpenalized coordinates
    (v_j = 0) are always in A and carry no sign constraint.
    """
    p = X.shape[1]
    free = [j for j in range(p) if v[j] == 0]
    penalized = [j for j in range(p) if v[j] > 0]
    best, best_value = None, np.inf
    for size in range(len(penalized) + 1):
        for chosen in itertools.combinations(penalized, size):
            for signs in itertools.product([-1.0, 1.0], repeat=size):
                A = list(free) + list(chosen)
                s = np.zeros(p)
                s[list(chosen)] = signs
                w = np.zeros(p)
                if A:
                    XA = X[:, A]
                    w[A] = np.linalg.solve(XA.T @ XA, XA.T @ y - 0.5 * lam * v[A] * s[A])
                if any(np.sign(w[j]) != s[j] for j in chosen):
                    continue
                g = 2 * X.T @ (y - X @ w)
                outside = [j for j in penalized if j not in chosen]
                if any(abs(g[j]) > lam * v[j] * (1 + 1e-12) for j in outside):
                    continue
                value = np.sum((y - X @ w) ** 2) + lam * np.sum(v * np.abs(w))
                if value < best_value:
                    best, best_value = w, value
    return best, best_value


@pytest.mark.parametrize("weights", [None, [1.0, 0.0, 3.0]], ids=["plain", "weighted"])
def test_lasso_equals_brute_force_on_three_features(weights):
    rng = np.random.default_rng(34)
    X = rng.normal(size=(15, 3)) + [0.0, 1.0, 0.0]
    X[:, 2] += 0.6 * X[:, 0]  # correlated columns, so supports change non-trivially
    y = X @ np.array([1.0, -0.5, 0.8]) + rng.normal(size=15)
    v = np.ones(3) if weights is None else np.asarray(weights)
    path = fit_path(X, y, L1(weights=weights))
    Xs, yc, *_ = _prepared(X, y, False)
    top = path.lam_max
    for lam in np.concatenate([np.geomspace(1e-4, 1.2, 25) * top, path.breakpoints[:-1]]):
        w, value = _lasso_brute_force(Xs, yc, lam, v)
        sol = path.solution(lam=lam)
        assert sol.objective == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(sol.coef_std, w, rtol=1e-9, atol=1e-12)


def test_lasso_lam_max_with_an_unpenalized_column(data):
    """Above lam_max the penalized coefficients vanish and x2 gets its own least squares fit."""
    X, y = data
    path = fit_path(X, y, L1(weights=WEIGHTS))
    Xs, yc, *_ = _prepared(X, y, False)
    x2 = Xs[:, 1]
    b2 = x2 @ yc / (x2 @ x2)
    gradient = 2 * Xs.T @ (yc - b2 * x2)
    v = np.asarray(WEIGHTS)
    expected = np.max(np.abs(gradient[v > 0]) / v[v > 0])
    assert path.lam_max == pytest.approx(expected, rel=1e-10)
    for lam in (expected, 3 * expected):
        w = path.solution(lam=lam).coef_std
        np.testing.assert_allclose(w[v > 0], 0.0, atol=1e-13)
        assert w[1] == pytest.approx(b2, rel=1e-10)
    assert np.count_nonzero(path.solution(lam=0.99 * expected).coef_std[v > 0]) == 1


def test_standardized_lasso_is_lasso_with_sd_weights(data):
    X, y = data
    standardized = fit_path(X, y, L1(), standardize=True)
    weighted = fit_path(X, y, L1(weights=X.std(axis=0)))
    for lam in np.geomspace(1e-3, 0.9, 7) * standardized.lam_max:
        np.testing.assert_allclose(standardized.solution(lam=lam).coef,
                                   weighted.solution(lam=lam).coef, rtol=1e-9, atol=1e-12)


# -- events ----------------------------------------------------------------------------------------
def test_entering_order_matches_a_dense_coordinate_descent_scan(data):
    X, y = data
    path = fit_path(X, y, L1())
    Xs, yc, *_ = _prepared(X, y, False)
    lams = np.geomspace(path.lam_max * 1.01, path.lam_max * 1e-4, 600)
    _, coefs, _ = lasso_path(Xs, yc, alphas=lams / (2 * N), tol=1e-14, max_iter=1_000_000)
    first_nonzero = [np.flatnonzero(coefs[j] != 0)[0] for j in range(P)]
    scan_order = [f"x{j + 1}" for j in np.argsort(first_nonzero, kind="stable")]
    entering = [e.feature for e in path.events if e.action == "enter"]
    assert entering == scan_order
    assert len(set(first_nonzero)) == P  # the scan separates every entry


def _check_event(Xs, yc, event, knots, index):
    gap = min(abs(knots[k] - event.lam) for k in range(len(knots)) if knots[k] != event.lam)
    delta = 0.25 * gap
    above = _sk_lasso(Xs, yc, event.lam + delta)[index]
    below = _sk_lasso(Xs, yc, event.lam - delta)[index]
    if event.action == "enter":
        assert above == 0.0 and below != 0.0, event
    else:
        assert above != 0.0 and below == 0.0, event


def test_events_happen_where_coordinate_descent_sees_them(data):
    X, y = data
    path = fit_path(X, y, L1())
    Xs, yc, *_ = _prepared(X, y, False)
    assert [e.action for e in path.events] == ["enter"] * P
    for event in path.events:
        assert event.lam in path.breakpoints
        _check_event(Xs, yc, event, path.breakpoints, int(event.feature[1:]) - 1)


def test_a_variable_leaving_the_diabetes_lasso_path():
    """The lasso modification of LARS: on the diabetes data a variable leaves and re-enters."""
    X, y = load_diabetes(return_X_y=True)
    path = fit_path(X, y, L1())
    Xs, yc, *_ = _prepared(X, y, False)
    leaving = [e for e in path.events if e.action == "leave"]
    assert leaving
    for event in path.events:
        _check_event(Xs, yc, event, path.breakpoints, int(event.feature[1:]) - 1)
    # every solution along the path is certified
    assert all(c.ok for c in path.certificates)


# =============================================================================================
# Both: KKT, the constrained form, the axes
# =============================================================================================
@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("weights", [None, WEIGHTS], ids=["unweighted", "weighted"])
def test_kkt_holds_along_the_paths(data, standardize, weights):
    X, y = data
    Xs, yc, *_ = _prepared(X, y, standardize)
    v = np.ones(P) if weights is None else np.asarray(weights)
    lasso = fit_path(X, y, L1(weights=weights), standardize=standardize)
    for lam, w, cert in zip(lasso.lams, lasso.coefs_std, lasso.certificates, strict=True):
        assert _lasso_kkt(Xs, yc, w, lam, v) <= 1e-10
        assert cert.ok and math.isfinite(cert.value)
    ridge = fit_path(X, y, L2(weights=weights), standardize=standardize)
    scale = np.max(np.abs(2 * Xs.T @ yc))
    for lam, w, cert in zip(ridge.lams, ridge.coefs_std, ridge.certificates, strict=True):
        g = 2 * Xs.T @ (yc - Xs @ w)
        assert np.max(np.abs(g - 2 * lam * v * w)) <= 1e-10 * scale
        assert cert.ok
    for lam in (0.0, 0.3, 50.0):  # and off the grid
        assert lasso.solution(lam=lam).certified and ridge.solution(lam=lam).certified


def _constrained_slsqp(Xs, yc, penalty, R):
    """minimize ||y - Xw||^2 s.t. P(w) <= level(R), by SLSQP on a smooth reformulation.

    The (weighted) lasso uses w = w+ - w- with w+, w- >= 0, which makes the constraint linear;
    ridge needs no splitting.
    """
    p = Xs.shape[1]
    level = penalty.level(R)
    v = penalty.weights_for(p)
    XtX, Xty = Xs.T @ Xs, Xs.T @ yc
    if isinstance(penalty, L2):
        def rss(w):
            return yc @ yc - 2 * w @ Xty + w @ XtX @ w

        constraint = {"type": "ineq", "fun": lambda w: level - np.sum(v * w**2),
                      "jac": lambda w: -2 * v * w}
        result = minimize(rss, np.zeros(p), jac=lambda w: 2 * (XtX @ w - Xty), method="SLSQP",
                          constraints=[constraint], options={"ftol": 1e-16, "maxiter": 2000})
        return result.x

    def split(z):
        return z[:p] - z[p:]

    def rss(z):
        w = split(z)
        return yc @ yc - 2 * w @ Xty + w @ XtX @ w

    def grad(z):
        g = 2 * (XtX @ split(z) - Xty)
        return np.concatenate([g, -g])

    def budget(z):
        # sum v (z+ + z-) >= sum v |w|, with equality at the optimum
        return level - np.sum(v * (z[:p] + z[p:]))

    result = minimize(rss, np.zeros(2 * p), jac=grad, method="SLSQP", bounds=[(0, None)] * 2 * p,
                      constraints=[{"type": "ineq", "fun": budget}],
                      options={"ftol": 1e-16, "maxiter": 2000})
    return split(result.x)


@pytest.mark.parametrize("penalty", [L2(), L1(), L2(weights=[1.0, 2.0, 0.5]),
                                     L1(weights=[1.0, 2.0, 0.5])], ids=repr)
@pytest.mark.parametrize("fraction", [0.1, 0.4, 0.8])
def test_constrained_form_is_the_minimizer_over_the_ball(penalty, fraction):
    rng = np.random.default_rng(35)
    X = rng.normal(size=(25, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 0.3 * rng.normal(size=25)
    path = fit_path(X, y, penalty)
    Xs, yc, *_ = _prepared(X, y, False)
    R = fraction * path.R_max
    sol = path.solution(R=R)
    assert sol.R == pytest.approx(R, rel=1e-10)
    assert penalty.value(sol.coef_std) == pytest.approx(penalty.level(R), rel=1e-10)
    assert sol.constraint_active and sol.lam > 0
    reference = _constrained_slsqp(Xs, yc, penalty, R)
    assert penalty.value(reference) <= penalty.level(R) * (1 + 1e-8)
    rss_ref = np.sum((yc - Xs @ reference) ** 2)
    assert sol.rss <= rss_ref * (1 + 1e-9)
    np.testing.assert_allclose(sol.coef_std, reference, rtol=1e-4, atol=1e-6 * R)
    # The multiplier of the constraint is lam: d RSS*(level) / d level = -lam.
    h = 1e-4 * R
    up, down = path.solution(R=R + h), path.solution(R=R - h)
    slope = (up.rss - down.rss) / (penalty.level(R + h) - penalty.level(R - h))
    assert -slope == pytest.approx(sol.lam, rel=1e-5)


@pytest.mark.parametrize("penalty", [L2(), L1()], ids=repr)
def test_beyond_R_max_the_constraint_is_inactive(data, penalty):
    X, y = data
    path = fit_path(X, y, penalty)
    Xs, yc, x_mean, y_mean, _ = _prepared(X, y, False)
    w_ols = np.linalg.lstsq(Xs, yc, rcond=None)[0]
    assert path.R_max == pytest.approx(penalty.radius(w_ols), rel=1e-10)
    for R in (path.R_max, 1.5 * path.R_max, 1e6):
        sol = path.solution(R=R)
        assert sol.lam == 0.0 and not sol.constraint_active
        np.testing.assert_allclose(sol.coef, w_ols, rtol=1e-9)
        assert sol.s == pytest.approx(1.0, rel=1e-10)
        assert sol.R == pytest.approx(path.R_max, rel=1e-10)
        assert sol.message
    inside = path.solution(R=0.999 * path.R_max)
    assert inside.constraint_active and inside.lam > 0


@pytest.mark.parametrize("penalty", [L2(), L1(), L2(weights=WEIGHTS), L1(weights=WEIGHTS)],
                         ids=repr)
@pytest.mark.parametrize("axis", ["R", "s"])
def test_the_zero_radius_end_of_the_path(data, penalty, axis):
    """R = 0 (s = 0): every penalized coefficient is zero, the free ones are fitted, certified."""
    X, y = data
    path = fit_path(X, y, penalty)
    sol = path.solution(**{axis: 0.0})
    v = penalty.weights_for(P)
    np.testing.assert_allclose(sol.coef_std[v > 0], 0.0, atol=1e-12)
    assert sol.R == pytest.approx(0.0, abs=1e-12) and sol.constraint_active
    assert math.isfinite(sol.certificate.value) and sol.certified
    assert math.isfinite(sol.df) and math.isfinite(sol.objective)
    if penalty.weights is not None:
        Xs, yc, *_ = _prepared(X, y, False)
        x2 = Xs[:, 1]
        assert sol.coef_std[1] == pytest.approx(x2 @ yc / (x2 @ x2), rel=1e-9)


@pytest.mark.parametrize("penalty", [L2(), L1(), L1(weights=WEIGHTS)], ids=repr)
@pytest.mark.parametrize("s", [0.05, 0.5, 0.9])
def test_s_axis(data, penalty, s):
    X, y = data
    path = fit_path(X, y, penalty)
    sol = path.solution(s=s)
    assert sol.R == pytest.approx(s * path.R_max, rel=1e-10)
    assert sol.s == pytest.approx(s, rel=1e-10)
    assert path.solution(s=1.0).lam == 0.0
    assert path.solution(s=2.0).lam == 0.0


@pytest.mark.parametrize("weights", [None, WEIGHTS], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("target", [0.5, 1.0, 2.5, 5.9])
def test_ridge_df_axis_reaches_its_target(data, weights, target):
    X, y = data
    path = fit_path(X, y, L2(weights=weights))
    if weights is not None and target < 1:
        # one column is free: df never goes below 1, reached only as lam -> inf
        assert path.lam_at_df(target) == math.inf
        return
    sol = path.solution(df=target)
    assert sol.df == pytest.approx(target, abs=1e-10)
    if math.isinf(sol.lam):  # df = number of free columns: every penalized weight is zero
        v = path.penalty.weights_for(P)
        np.testing.assert_array_equal(sol.coef_std[v > 0], 0.0)
        return
    Xs, *_ = _prepared(X, y, False)
    V = np.diag(path.penalty.weights_for(P))
    hat = Xs @ np.linalg.solve(Xs.T @ Xs + sol.lam * V, Xs.T)
    assert np.trace(hat) == pytest.approx(target, abs=1e-9)


@pytest.mark.parametrize("target", [1, 2, 4, 6])
def test_lasso_df_axis_is_the_end_of_the_step(data, target):
    X, y = data
    path = fit_path(X, y, L1())
    sol = path.solution(df=target)
    assert sol.df >= target
    assert path.df_at(sol.lam * (1 + 1e-6)) < target
    Xs, yc, *_ = _prepared(X, y, False)
    assert np.count_nonzero(_sk_lasso(Xs, yc, sol.lam * 0.999)) >= target


# -- solution() arguments ----------------------------------------------------------------------
@pytest.mark.parametrize("penalty", [L2(), L1()], ids=repr)
def test_solution_arguments(data, penalty):
    X, y = data
    path = fit_path(X, y, penalty)
    for kwargs in ({}, {"lam": 1.0, "R": 0.5}, {"s": 0.5, "df": 2.0}, {"lam": 1.0, "s": 0.2}):
        with pytest.raises(ReglabInputError) as info:
            path.solution(**kwargs)
        assert str(info.value).startswith("lam/R/s/df: ")
    for kwargs, name in (({"lam": -1.0}, "lam"), ({"R": -0.1}, "R"), ({"s": -0.5}, "s"),
                         ({"df": -1.0}, "df"), ({"lam": float("nan")}, "lam"),
                         ({"df": P + 1.0}, "df")):
        with pytest.raises(ReglabInputError) as info:
            path.solution(**kwargs)
        assert str(info.value).startswith(f"{name}: ") and "\n" not in str(info.value)


def test_fit_path_rejects_a_non_penalty(data):
    X, y = data
    with pytest.raises(ReglabInputError, match=r"^penalty: "):
        fit_path(X, y, "l2")


# -- hypothesis properties ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def paths(data):
    X, y = data
    return {"ridge": fit_path(X, y, L2()), "ridge_w": fit_path(X, y, L2(weights=WEIGHTS)),
            "lasso": fit_path(X, y, L1()), "lasso_w": fit_path(X, y, L1(weights=WEIGHTS))}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-8.0, 8.0), min_size=2, max_size=30),
       st.sampled_from(["ridge", "ridge_w", "lasso", "lasso_w"]))
def test_R_is_non_increasing_in_lam(paths, exponents, name):
    path = paths[name]
    scale = path.lam_max if math.isfinite(path.lam_max) else float(path.lams[0]) * 1e-3
    lams = np.sort(scale * 10.0 ** np.asarray(exponents))
    R = np.array([path.R_at(lam) for lam in lams])
    assert np.all(np.diff(R) <= 1e-12 * R[0])
    assert np.all(R <= path.R_max * (1 + 1e-12))


@settings(max_examples=60, deadline=None)
@given(st.floats(-3.0, 3.0), st.sampled_from(["ridge", "ridge_w"]))
def test_ridge_lam_of_R_inverts_R_of_lam(paths, exponent, name):
    path = paths[name]
    lam = np.linalg.norm(path.design.X, 2) ** 2 * 10.0**exponent
    assert path.lam_at_R(path.R_at(lam)) == pytest.approx(lam, rel=1e-8)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 100), st.floats(0.01, 0.99), st.sampled_from(["lasso", "lasso_w"]))
def test_lasso_lam_of_R_inverts_R_of_lam_between_breakpoints(paths, k, fraction, name):
    path = paths[name]
    knots = path.breakpoints
    k = k % (knots.size - 1)
    lam = knots[k + 1] + fraction * (knots[k] - knots[k + 1])
    R_segment = (path.R_at(knots[k + 1]), path.R_at(knots[k]))
    assert R_segment[0] > R_segment[1]  # strictly decreasing on the segment
    assert path.lam_at_R(path.R_at(lam)) == pytest.approx(lam, rel=1e-8)


# =============================================================================================
# Warm-started paths (need reglab.solvers)
# =============================================================================================
@pytest.mark.parametrize("penalty", [ElasticNet(0.5), ElasticNet(0.5, weights=WEIGHTS)],
                         ids=repr)
def test_elastic_net_grid_path_satisfies_kkt(data, penalty):
    X, y = data
    path = fit_path(X, y, penalty, n_lams=30)
    assert isinstance(path, GridPath)
    Xs, yc, *_ = _prepared(X, y, False)
    v, a = penalty.weights_for(P), penalty.l1_ratio
    scale = np.max(np.abs(2 * Xs.T @ yc))
    for lam, w, cert in zip(path.lams, path.coefs_std, path.certificates, strict=True):
        g = 2 * Xs.T @ (yc - Xs @ w) - lam * (1 - a) * v * w
        violation = np.where(w != 0, np.abs(g - lam * a * v * np.sign(w)),
                             np.maximum(np.abs(g) - lam * a * v, 0.0))
        assert np.max(violation) <= 1e-6 * scale
        assert cert.ok and math.isfinite(cert.value)


def test_elastic_net_lam_max_with_an_unpenalized_column(data):
    """lam_max of the path: the smallest lam at which every penalized coefficient is zero."""
    X, y = data
    penalty = ElasticNet(0.5, weights=WEIGHTS)
    path = fit_path(X, y, penalty, n_lams=20)
    Xs, yc, *_ = _prepared(X, y, False)
    x2 = Xs[:, 1]
    gradient = 2 * Xs.T @ (yc - (x2 @ yc / (x2 @ x2)) * x2)
    v = np.asarray(WEIGHTS)
    expected = np.max(np.abs(gradient[v > 0]) / v[v > 0]) / 0.5
    # the reference is sharp: zero just above it, not zero just below
    assert not path.solution(lam=1.001 * expected).coef_std[v > 0].any()
    assert path.solution(lam=0.99 * expected).coef_std[v > 0].any()
    assert path.lam_max == pytest.approx(expected, rel=1e-8)


def test_lp_constrained_form_against_slsqp():
    rng = np.random.default_rng(36)
    X = rng.normal(size=(25, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 0.3 * rng.normal(size=25)
    penalty = Lp(1.5)
    path = fit_path(X, y, penalty, n_lams=30)
    Xs, yc, *_ = _prepared(X, y, False)
    R = 0.5 * path.R_max
    sol = path.solution(R=R)
    assert sol.R == pytest.approx(R, rel=1e-6)
    XtX, Xty = Xs.T @ Xs, Xs.T @ yc
    result = minimize(lambda w: yc @ yc - 2 * w @ Xty + w @ XtX @ w, sol.coef_std * 0.5,
                      jac=lambda w: 2 * (XtX @ w - Xty), method="SLSQP",
                      constraints=[{"type": "ineq",
                                    "fun": lambda w: penalty.level(R) - np.sum(np.abs(w) ** 1.5)}],
                      options={"ftol": 1e-15, "maxiter": 2000})
    assert sol.rss <= result.fun * (1 + 1e-7)
    np.testing.assert_allclose(sol.coef_std, result.x, rtol=1e-4, atol=1e-6)


# =============================================================================================
# Lab sizes: a degree-30 raw monomial design (condition number ~ 1e17)
# =============================================================================================
@pytest.fixture(scope="module")
def monomials():
    x = np.linspace(0.0, 1.0, 40)
    F = x[:, None] ** np.arange(1, 31)
    y = np.sin(2 * np.pi * x) + 0.1 * np.random.default_rng(37).normal(size=40)
    assert np.linalg.cond(F - F.mean(axis=0)) > 1e15
    return F, y


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("penalty", [L2(), L1()], ids=repr)
def test_ill_conditioned_paths_run_and_report_their_certificates(monomials, penalty, standardize):
    F, y = monomials
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = fit_path(F, y, penalty, standardize=standardize)
        solutions = [path.solution(lam=lam) for lam in path.lams[::7]]
        solutions += [path.solution(s=s) for s in (0.1, 0.5, 0.9)]
    for cert in path.certificates:
        assert math.isfinite(cert.value) and cert.value >= 0
        assert cert.ok == (cert.value <= cert.tol)
    for sol in solutions:
        assert math.isfinite(sol.certificate.value)
        assert sol.certified == (sol.certificate.value <= sol.certificate.tol)
        assert np.all(np.isfinite(sol.coef)) and math.isfinite(sol.intercept)
    if isinstance(penalty, L2):
        # one SVD, exact: every ridge solution is certified even here
        assert all(cert.ok for cert in path.certificates)
    R = np.array([path.R_at(lam) for lam in path.lams])
    assert np.all(np.diff(R) >= -1e-9 * R.max())  # lams decrease, so R must not


@pytest.mark.parametrize("standardize", [False, True])
def test_ill_conditioned_lasso_path_is_certified(monomials, standardize):
    """The exact homotopy must not leave round-off residue (|w_j| ~ 1e-17) as non-zeros.

    Such a residue carries an arbitrary sign, so the KKT residual at it is about 2 lam and a
    correct solution gets flagged as uncertified (and counted in df and the events).
    """
    F, y = monomials
    path = fit_path(F, y, L1(), standardize=standardize)
    uncertified = [(float(lam), cert.value)
                   for lam, cert in zip(path.lams, path.certificates, strict=True) if not cert.ok]
    assert not uncertified
    for w in path.coefs_std:
        nonzero = np.abs(w[w != 0])
        assert nonzero.size == 0 or nonzero.min() > 1e-13 * nonzero.max()


# --------------------------------------------------------------------------------------------
# The generalized lasso ||D w||_1 on a path (signal approximation: X = I, no intercept)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("order", [1, 2])
def test_trend_filter_path_is_certified_and_ends_where_theory_says(order):
    from reglab.datasets import load_nile
    from reglab.penalties import DifferenceL1

    y = load_nile().y[:60]
    n = y.size
    penalty = DifferenceL1(order)
    path = fit_path(np.eye(n), y, penalty, fit_intercept=False, n_lams=25)
    assert all(c.ok for c in path.certificates)
    # Stationarity checked independently of the solver: 2 (y - w) ∈ λ ∂||D w||_1, through the
    # penalty's own dense box-constrained least squares.
    for lam, w in zip(path.lams[::6], path.coefs_std[::6], strict=True):
        distance = penalty.subdiff_distance(w, 2.0 * (y - w), lam)
        assert np.max(distance) <= 1e-6 * np.max(np.abs(2.0 * y))
    # At λ_max the fit lies in the null space of D: a polynomial of degree order - 1, fitted
    # by least squares; beyond it nothing changes.
    t = np.arange(n, dtype=float)
    poly = np.polynomial.polynomial.polyvander(t, order - 1)
    expected = poly @ np.linalg.lstsq(poly, y, rcond=None)[0]
    at_top = path.solution(lam=path.lam_max * 1.0001)
    np.testing.assert_allclose(at_top.coef, expected, rtol=1e-9, atol=1e-9 * np.abs(y).max())
    assert at_top.R == pytest.approx(0.0, abs=1e-8 * np.abs(y).max())
    # Below λ_max the fit is no longer in the null space.
    assert path.solution(lam=path.lam_max * 0.5).R > 0
    # The constrained face: R <-> λ round trip.
    middle = path.solution(lam=path.lams[8])
    again = path.solution(R=middle.R)
    assert again.lam == pytest.approx(middle.lam, rel=1e-6)
