"""reglab's λ against scikit-learn's alpha and glmnet's lambda.

scikit-learn is run at tight tolerance on well-conditioned data and must agree with reglab's
path at the converted λ. glmnet is not installed, so its objective is written out here,

    G(w, b) = 1/(2n) ||y - b - Xw||^2 + lambda ((1 - a)/2 ||w||^2 + a ||w||_1),

and the conversion is checked by the objective identity E = 2n G at every point (so the two
problems have the same minimizers) and by the reglab solution minimizing G.
"""

import numpy as np
import pytest
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso, Ridge

from reglab._validation import ReglabInputError
from reglab.conventions import (
    from_glmnet_lambda,
    from_sklearn_alpha,
    to_glmnet_lambda,
    to_sklearn_alpha,
)
from reglab.paths import fit_path
from reglab.penalties import L1, L2, DifferenceL1, ElasticNet, Lp

N_SAMPLES, N_FEATURES = 50, 5


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(21)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)) + [0.0, 1.0, -2.0, 0.5, 3.0]
    w = np.array([2.0, -1.5, 0.0, 0.7, 0.0])
    y = 4.0 + X @ w + 0.5 * rng.normal(size=N_SAMPLES)
    return X, y


def _sk_lasso_kwargs():
    return {"tol": 1e-12, "max_iter": 1_000_000}


@pytest.mark.parametrize("alpha", [1e-3, 0.3, 5.0, 100.0])
def test_ridge_matches_sklearn(data, alpha):
    X, y = data
    reference = Ridge(alpha=alpha, solver="svd").fit(X, y)
    path = fit_path(X, y, L2())
    sol = path.solution(lam=from_sklearn_alpha(alpha, L2(), N_SAMPLES))
    np.testing.assert_allclose(sol.coef, reference.coef_, rtol=1e-10, atol=1e-12)
    assert sol.intercept == pytest.approx(reference.intercept_, rel=1e-10)


@pytest.mark.parametrize("alpha", [1e-3, 0.05, 0.4, 1.5])
def test_lasso_matches_sklearn(data, alpha):
    X, y = data
    reference = Lasso(alpha=alpha, **_sk_lasso_kwargs()).fit(X, y)
    path = fit_path(X, y, L1())
    sol = path.solution(lam=from_sklearn_alpha(alpha, L1(), N_SAMPLES))
    np.testing.assert_allclose(sol.coef, reference.coef_, rtol=1e-8, atol=1e-10)
    assert sol.intercept == pytest.approx(reference.intercept_, rel=1e-8)
    np.testing.assert_array_equal(sol.coef != 0, reference.coef_ != 0)


def test_lasso_above_lam_max_is_zero_like_sklearn(data):
    X, y = data
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    alpha_max = np.max(np.abs(Xc.T @ yc)) / N_SAMPLES  # sklearn's alpha_max (1/(2n) scaling)
    path = fit_path(X, y, L1())
    assert path.lam_max == pytest.approx(from_sklearn_alpha(alpha_max, L1(), N_SAMPLES),
                                         rel=1e-12)
    reference = Lasso(alpha=1.01 * alpha_max, **_sk_lasso_kwargs()).fit(X, y)
    assert not reference.coef_.any()
    sol = path.solution(lam=from_sklearn_alpha(1.01 * alpha_max, L1(), N_SAMPLES))
    assert not sol.coef.any()


@pytest.mark.parametrize("l1_ratio", [0.3, 0.8])
@pytest.mark.parametrize("alpha", [0.01, 0.2, 1.0])
def test_elastic_net_matches_sklearn(data, l1_ratio, alpha):
    X, y = data
    reference = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, **_sk_lasso_kwargs()).fit(X, y)
    penalty = ElasticNet(l1_ratio)
    path = fit_path(X, y, penalty)
    sol = path.solution(lam=from_sklearn_alpha(alpha, penalty, N_SAMPLES))
    np.testing.assert_allclose(sol.coef, reference.coef_, rtol=1e-7, atol=1e-9)
    assert sol.intercept == pytest.approx(reference.intercept_, rel=1e-7)
    assert sol.certified


# -- glmnet, by the objective identity ------------------------------------------------------------
def _glmnet_objective(X, y, w, b, glmnet_lambda, a):
    n = X.shape[0]
    residual = y - b - X @ w
    return residual @ residual / (2 * n) + glmnet_lambda * (
        0.5 * (1 - a) * w @ w + a * np.sum(np.abs(w))
    )


def _reglab_objective(X, y, w, b, lam, penalty):
    residual = y - b - X @ w
    return residual @ residual + lam * penalty.value(w)


GLMNET_CASES = [(L2(), 0.0), (L1(), 1.0), (ElasticNet(0.0), 0.0), (ElasticNet(1.0), 1.0),
                (Lp(1), 1.0), (Lp(2), 0.0)]


@pytest.mark.parametrize(("penalty", "a"), GLMNET_CASES, ids=[repr(c[0]) for c in GLMNET_CASES])
@pytest.mark.parametrize("glmnet_lambda", [0.01, 0.3, 2.0])
def test_glmnet_conversion_by_objective_identity(data, penalty, a, glmnet_lambda):
    X, y = data
    n = N_SAMPLES
    lam = from_glmnet_lambda(glmnet_lambda, penalty, n)
    assert to_glmnet_lambda(lam, penalty, n) == pytest.approx(glmnet_lambda, rel=1e-15)
    rng = np.random.default_rng(22)
    # The objectives are proportional at every point (E = 2n G), so their minimizers coincide.
    for _ in range(20):
        w, b = rng.normal(size=N_FEATURES) * 3, rng.normal() * 3
        E = _reglab_objective(X, y, w, b, lam, penalty)
        G = _glmnet_objective(X, y, w, b, glmnet_lambda, a)
        assert E == pytest.approx(2 * n * G, rel=1e-12)
    # ... and reglab's solution minimizes glmnet's objective: no perturbation does better.
    sol = fit_path(X, y, penalty).solution(lam=lam)
    best = _glmnet_objective(X, y, sol.coef, sol.intercept, glmnet_lambda, a)
    for scale in (1e-6, 1e-3, 1e-1):
        for _ in range(30):
            dw, db = scale * rng.normal(size=N_FEATURES), scale * rng.normal()
            moved = _glmnet_objective(X, y, sol.coef + dw, sol.intercept + db, glmnet_lambda, a)
            assert moved >= best - 1e-13 * best
    # along each axis a first-order change costs something: the minimum is strict
    for j in range(N_FEATURES):
        for step in (1e-4, -1e-4):
            w = sol.coef.copy()
            w[j] += step
            assert _glmnet_objective(X, y, w, sol.intercept, glmnet_lambda, a) > best


@pytest.mark.parametrize("glmnet_lambda", [0.02, 0.5])
@pytest.mark.parametrize("l1_ratio", [0.3, 0.8])
def test_glmnet_elastic_net_by_objective_identity(data, l1_ratio, glmnet_lambda):
    X, y = data
    penalty = ElasticNet(l1_ratio)
    lam = from_glmnet_lambda(glmnet_lambda, penalty, N_SAMPLES)
    rng = np.random.default_rng(23)
    for _ in range(20):
        w, b = rng.normal(size=N_FEATURES), rng.normal()
        assert _reglab_objective(X, y, w, b, lam, penalty) == pytest.approx(
            2 * N_SAMPLES * _glmnet_objective(X, y, w, b, glmnet_lambda, l1_ratio), rel=1e-12)
    sol = fit_path(X, y, penalty).solution(lam=lam)
    best = _glmnet_objective(X, y, sol.coef, sol.intercept, glmnet_lambda, l1_ratio)
    for scale in (1e-5, 1e-2):
        for _ in range(30):
            dw, db = scale * rng.normal(size=N_FEATURES), scale * rng.normal()
            moved = _glmnet_objective(X, y, sol.coef + dw, sol.intercept + db, glmnet_lambda,
                                      l1_ratio)
            assert moved >= best - 1e-12 * best


# -- the conversions themselves ------------------------------------------------------------------
@pytest.mark.parametrize("penalty", [L2(), L1(), ElasticNet(0.4), Lp(1), Lp(2)],
                         ids=repr)
def test_round_trips(penalty):
    for value in (0.0, 1e-8, 0.7, 3e5):
        assert from_sklearn_alpha(to_sklearn_alpha(value, penalty, 17), penalty, 17) == \
            pytest.approx(value, rel=1e-15)
        assert from_glmnet_lambda(to_glmnet_lambda(value, penalty, 17), penalty, 17) == \
            pytest.approx(value, rel=1e-15)


def test_sklearn_lasso_factor_from_the_objectives():
    # 1/(2n) RSS + alpha ||w||_1, multiplied by 2n, is RSS + 2 n alpha ||w||_1.
    assert from_sklearn_alpha(0.25, L1(), 10) == pytest.approx(5.0, rel=1e-15)
    # Ridge: RSS + alpha ||w||^2 is already reglab's form.
    assert from_sklearn_alpha(0.25, L2(), 10) == pytest.approx(0.25, rel=1e-15)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: to_sklearn_alpha(1.0, Lp(3), 10), "penalty"),
        (lambda: to_glmnet_lambda(1.0, DifferenceL1(1), 10), "penalty"),
        (lambda: to_sklearn_alpha(-1.0, L1(), 10), "lam"),
        (lambda: from_sklearn_alpha(float("nan"), L1(), 10), "alpha"),
        (lambda: from_glmnet_lambda(-2.0, L2(), 10), "glmnet_lambda"),
        (lambda: to_sklearn_alpha(1.0, L1(), 0), "n_samples"),
        (lambda: to_glmnet_lambda(1.0, L1(), 2.5), "n_samples"),
    ],
)
def test_bad_input(call, name):
    with pytest.raises(ReglabInputError) as info:
        call()
    assert str(info.value).startswith(f"{name}: ") and "\n" not in str(info.value)
