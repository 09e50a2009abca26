"""Cross-validation, λ_min / λ_1se, validation and degree curves against independent references.

References: scikit-learn's ``Lasso`` and ``Ridge`` fitted fold by fold (reglab's λ is
``2 n_train alpha`` for the lasso and ``alpha`` for ridge), brute force over the grid for
λ_1se, and ``numpy.polyfit`` for the unpenalized polynomial fits.
"""

import numpy as np
import pytest
from sklearn.linear_model import Lasso, Ridge

from reglab import selection as selection_module
from reglab._validation import ReglabInputError
from reglab.bases import PolynomialBasis
from reglab.datasets import load_prostate
from reglab.paths import LassoPath, fit_path
from reglab.penalties import L1, L2, ElasticNet
from reglab.selection import (
    _FoldStatistics,
    cross_validate,
    degree_curve,
    kfold_indices,
    validation_curve,
)


def _regression(seed=0, n=41, p=5):
    """Seeded data with columns on very different scales (so standardization matters)."""
    rng = np.random.default_rng(seed)
    scales = np.array([0.1, 1.0, 5.0, 30.0, 200.0])[:p]
    X = rng.normal(size=(n, p)) * scales + rng.normal(size=p) * scales
    w = np.array([3.0, -1.5, 0.0, 0.05, 0.002])[:p]
    y = 2.0 + X @ w + rng.normal(scale=0.5, size=n)
    return X, y


def _lasso_lam_max(X, y, standardize=False):
    """Smallest λ with w = 0 for ||y - b - Xw||² + λ||w||₁: max_j |2 x_j^T (y - ȳ)|."""
    Xc = X - X.mean(axis=0)
    if standardize:
        Xc = Xc / Xc.std(axis=0)
    return float(np.max(np.abs(2.0 * Xc.T @ (y - y.mean()))))


def _sklearn_model(penalty_name, lam, n_train):
    if penalty_name == "l1":
        # reglab ||r||² + λ||w||₁ = 2 n (1/(2n) ||r||² + α||w||₁) with α = λ / (2 n).
        return Lasso(alpha=lam / (2.0 * n_train), tol=1e-13, max_iter=1_000_000)
    return Ridge(alpha=lam, solver="svd")  # ||r||² + α||w||²: α = λ


def _reference_errors(X, y, folds, lams, penalty_name, standardize, stats_from=None):
    """Held-out MSE of scikit-learn fits, fold by fold; shape (folds, lams).

    With ``standardize`` the features are centered and scaled (ddof=0) with the statistics of
    ``stats_from`` rows: by default each fold's own training rows.
    """
    n = X.shape[0]
    errors = np.empty((len(folds), len(lams)))
    for k, held_out in enumerate(folds):
        train = np.setdiff1d(np.arange(n), held_out)
        X_train, X_test = X[train], X[held_out]
        if standardize:
            source = X[train] if stats_from is None else X[stats_from]
            mean, scale = source.mean(axis=0), source.std(axis=0)
            X_train, X_test = (X_train - mean) / scale, (X_test - mean) / scale
        for i, lam in enumerate(lams):
            model = _sklearn_model(penalty_name, lam, train.size).fit(X_train, y[train])
            errors[k, i] = np.mean((model.predict(X_test) - y[held_out]) ** 2)
    return errors


def _brute_force_1se(lams, mean, se):
    """λ_min (largest λ reaching the minimum) and the largest λ within one SE of it."""
    best = np.min(mean)
    lam_min = max(lam for lam, m in zip(lams, mean, strict=True) if m == best)
    threshold = best + se[list(lams).index(lam_min)]
    lam_1se = max(lam for lam, m in zip(lams, mean, strict=True) if m <= threshold)
    return lam_min, lam_1se


# ------------------------------------------------------------------------------------------
# kfold_indices
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "folds"), [(10, 2), (10, 3), (41, 5), (97, 10), (7, 7)])
def test_kfold_partitions_range_with_balanced_sizes(n, folds):
    parts = kfold_indices(n, folds, seed=3)
    assert len(parts) == folds
    joined = np.concatenate(parts)
    assert np.array_equal(np.sort(joined), np.arange(n))  # every row exactly once
    sizes = [part.size for part in parts]
    assert max(sizes) - min(sizes) <= 1
    assert min(sizes) >= 1


def test_kfold_is_seeded_and_reproducible():
    first = kfold_indices(50, 5, seed=11)
    again = kfold_indices(50, 5, seed=11)
    other = kfold_indices(50, 5, seed=12)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    # The assignment is shuffled, not contiguous blocks of the row order.
    assert not all(np.array_equal(a, b) for a, b in zip(
        first, np.array_split(np.arange(50), 5), strict=True))


@pytest.mark.parametrize(("n", "folds"), [(10, 1), (10, 0), (10, 2.5), (4, 5)])
def test_kfold_rejects_bad_fold_counts(n, folds):
    with pytest.raises(ReglabInputError, match=r"^folds: .*; got "):
        kfold_indices(n, folds)


@pytest.mark.parametrize("seed", [-1, 2.5, "abc"])
def test_kfold_rejects_a_bad_seed_in_one_line(seed):
    with pytest.raises(ReglabInputError, match=r"^seed: .*; got "):
        kfold_indices(10, 2, seed=seed)


# ------------------------------------------------------------------------------------------
# cross_validate
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("penalty_name", ["l1", "l2"])
@pytest.mark.parametrize("standardize", [False, True])
def test_cv_fold_errors_match_sklearn_fold_by_fold(penalty_name, standardize):
    X, y = _regression(seed=1)
    penalty = L1() if penalty_name == "l1" else L2()
    if penalty_name == "l1":
        top = _lasso_lam_max(X, y, standardize)
        lams = np.geomspace(1.2 * top, 1e-3 * top, 7)  # the first one zeroes every w_j
    else:
        scale = np.linalg.norm(X - X.mean(axis=0), 2) ** 2 if not standardize else X.shape[0]
        lams = np.geomspace(10 * scale, 1e-4 * scale, 7)
    cv = cross_validate(X, y, penalty, folds=4, seed=5, standardize=standardize, lams=lams)
    folds = kfold_indices(X.shape[0], 4, seed=5)
    expected = _reference_errors(X, y, folds, cv.lams, penalty_name, standardize)
    assert cv.fold_errors.shape == (4, lams.size)
    np.testing.assert_allclose(cv.fold_errors, expected, rtol=1e-8)
    assert cv.folds == 4 and cv.seed == 5


def test_cv_standardizes_with_each_folds_own_statistics():
    X, y = _regression(seed=2)
    top = _lasso_lam_max(X, y, standardize=True)
    lams = np.geomspace(0.5 * top, 1e-2 * top, 5)
    cv = cross_validate(X, y, L1(), folds=3, seed=0, standardize=True, lams=lams)
    folds = kfold_indices(X.shape[0], 3, seed=0)
    own = _reference_errors(X, y, folds, cv.lams, "l1", True)
    leaky = _reference_errors(X, y, folds, cv.lams, "l1", True, stats_from=np.arange(X.shape[0]))
    np.testing.assert_allclose(cv.fold_errors, own, rtol=1e-8)
    # The check can tell the two apart: statistics of all rows give other errors.
    assert np.max(np.abs(leaky - own) / own) > 1e-4


def test_cv_default_grid_is_the_full_data_path_grid():
    X, y = _regression(seed=3)
    cv = cross_validate(X, y, L1(), folds=5, seed=0, standardize=True, n_lams=30)
    path = fit_path(X, y, L1(), standardize=True, n_lams=30)
    np.testing.assert_array_equal(cv.lams, path.lams)
    assert np.all(np.diff(cv.lams) < 0)


def test_cv_sorts_a_given_grid_decreasing():
    X, y = _regression(seed=4)
    lams = [1.0, 100.0, 10.0]
    cv = cross_validate(X, y, L2(), folds=3, seed=0, lams=lams)
    np.testing.assert_array_equal(cv.lams, [100.0, 10.0, 1.0])
    folds = kfold_indices(X.shape[0], 3, seed=0)
    np.testing.assert_allclose(cv.fold_errors, _reference_errors(X, y, folds, cv.lams, "l2",
                                                                 False), rtol=1e-10)


@pytest.mark.parametrize(("penalty", "seed"), [(L1(), 0), (L1(), 1), (L2(), 0), (L2(), 7)])
def test_cv_mean_se_and_one_standard_error_rule(penalty, seed):
    data = load_prostate()
    cv = cross_validate(data.X, data.y, penalty, folds=5, seed=seed, standardize=True, n_lams=60)
    K = cv.fold_errors.shape[0]
    np.testing.assert_allclose(cv.mean_error, cv.fold_errors.sum(axis=0) / K, rtol=1e-14)
    deviations = cv.fold_errors - cv.mean_error
    se = np.sqrt(np.sum(deviations**2, axis=0) / (K - 1)) / np.sqrt(K)
    np.testing.assert_allclose(cv.se, se, rtol=1e-12)

    lam_min, lam_1se = _brute_force_1se(cv.lams.tolist(), cv.mean_error, cv.se)
    assert cv.lam_min == lam_min
    assert cv.lam_1se == lam_1se
    assert cv.lam_1se >= cv.lam_min
    assert cv.lams[cv.index_min] == cv.lam_min
    assert cv.lams[cv.index_1se] == cv.lam_1se

    summary = cv.to_dict()
    assert summary["lam_min"] == lam_min and summary["lam_1se"] == lam_1se
    assert summary["folds"] == 5 and summary["seed"] == seed
    np.testing.assert_array_equal(summary["mean_error"], cv.mean_error)


def test_cv_one_standard_error_rule_picks_a_sparser_lasso_on_prostate():
    # A case where the rule matters: λ_1se is strictly larger than λ_min.
    data = load_prostate()
    cv = cross_validate(data.X, data.y, L1(), folds=10, seed=0, standardize=True)
    assert cv.lam_1se > cv.lam_min
    path = fit_path(data.X, data.y, L1(), standardize=True, lams=cv.lams)
    assert path.nonzero[cv.index_1se] <= path.nonzero[cv.index_min]


# -- many features: the lasso homotopy works from X^T X, each fold's derived from all the data's
def test_training_statistics_are_each_folds_own():
    rng = np.random.default_rng(7)
    # Means far from 0 and unequal scales: the centering must be each fold's own.
    X = rng.normal(size=(53, 12)) * rng.uniform(0.1, 10.0, size=12) + 100.0
    y = X @ rng.normal(size=12) + 50.0 + rng.normal(size=53)
    folds = kfold_indices(53, 5, seed=1)
    statistics = _FoldStatistics(X, y, folds, standardize=True)
    for fold, held_out in enumerate(folds):
        gram, Xty, x_mean, y_mean, n_train = statistics.fold(fold)
        train = np.setdiff1d(np.arange(53), held_out)
        centered = X[train] - X[train].mean(axis=0)
        direct = centered.T @ centered
        assert n_train == train.size
        np.testing.assert_allclose(gram, direct, rtol=0, atol=1e-12 * np.abs(direct).max())
        np.testing.assert_allclose(statistics.training(held_out), direct, rtol=0,
                                   atol=1e-12 * np.abs(direct).max())
        yc = y[train] - y[train].mean()
        np.testing.assert_allclose(Xty, centered.T @ yc, rtol=0,
                                   atol=1e-12 * np.abs(centered.T @ yc).max())
        np.testing.assert_allclose(x_mean, X[train].mean(axis=0), rtol=1e-14)
        assert y_mean == pytest.approx(y[train].mean(), rel=1e-14)
        spread, magnitude = statistics.spread(fold)
        np.testing.assert_allclose(spread, X[train].std(axis=0), rtol=1e-12)
        np.testing.assert_array_equal(magnitude, np.abs(X[train]).max(axis=0))


def test_a_spread_on_constant_training_rows_is_exactly_zero():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(40, 3)) * 1e3
    folds = kfold_indices(40, 4, seed=2)
    X[:, 1] = 0.1
    X[folds[2], 1] = 7.0  # varies overall, constant (0.1) off fold 2
    statistics = _FoldStatistics(X, rng.normal(size=40), folds, standardize=True)
    spread, magnitude = statistics.spread(2)
    assert spread[1] <= 1e-13 * magnitude[1]  # Design's rule for a constant column
    assert statistics.spread(0)[0][1] > 1.0


def _many_features(seed=8, n=330, p=280):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, size=p) + rng.normal(size=p)
    y = X[:, :4] @ np.array([2.0, -1.0, 1.5, 0.5]) + rng.normal(size=n)
    return X, y


@pytest.mark.parametrize("standardize", [False, True])
def test_lasso_cv_with_many_features_matches_sklearn_fold_by_fold(standardize):
    X, y = _many_features()
    assert LassoPath.uses_gram(L1(), X.shape[1])  # the shared-Gram route is the one tested
    top = _lasso_lam_max(X, y, standardize)
    lams = np.geomspace(0.9 * top, 0.2 * top, 4)
    cv = cross_validate(X, y, L1(), folds=3, seed=2, standardize=standardize, lams=lams)
    folds = kfold_indices(X.shape[0], 3, seed=2)
    expected = _reference_errors(X, y, folds, cv.lams, "l1", standardize)
    np.testing.assert_allclose(cv.fold_errors, expected, rtol=1e-8)


def test_lasso_cv_with_many_features_and_penalty_factors_matches_folds_fitted_alone():
    # Penalty factors and standardization both rescale the shared Gram matrix; each fold
    # fitted on its own computes X^T X from its rows instead.
    X, y = _many_features(seed=9)
    penalty = L1(weights=np.random.default_rng(9).uniform(0.5, 2.0, size=X.shape[1]))
    full = fit_path(X, y, penalty, standardize=True)
    lams = full.lams[:40]
    cv = cross_validate(X, y, penalty, folds=4, seed=3, standardize=True, lams=lams)
    for held_out, errors in zip(kfold_indices(X.shape[0], 4, seed=3), cv.fold_errors,
                                strict=True):
        train = np.setdiff1d(np.arange(X.shape[0]), held_out)
        alone = fit_path(X[train], y[train], penalty, standardize=True, lams=lams,
                         full_path=False)
        mse = np.mean((alone.predict(X[held_out]) - y[held_out]) ** 2, axis=1)
        np.testing.assert_allclose(errors, mse, rtol=1e-9)


@pytest.mark.parametrize("p", [6, 280])  # the sequential route and the threaded Gram route
def test_a_column_constant_within_a_training_fold_is_named(p):
    X, y = _many_features(seed=10, p=p)
    folds = kfold_indices(X.shape[0], 3, seed=4)
    X[:, 2] = 1.0
    X[folds[1], 2] = 2.0  # varies overall, constant on the rows that train folds 0 and 2
    with pytest.raises(ReglabInputError,
                       match=r"^X: .*constant column.* within a training fold .*got 'x3'$"):
        cross_validate(X, y, L1(), folds=3, seed=4, standardize=True)
    names = np.array([f"c{j}" for j in range(p)])  # any sequence of names, an array too
    with pytest.raises(ReglabInputError,
                       match=r"^X: .*constant column.* within a training fold .*got 'c2'$"):
        cross_validate(X, y, L1(), folds=3, seed=4, standardize=True, feature_names=names)


def test_gram_is_only_taken_by_lasso_penalties():
    X, y = _regression(seed=3)
    Xc = X - X.mean(axis=0)
    with pytest.raises(ReglabInputError, match=r"^gram: is only used by lasso penalties"):
        fit_path(X, y, L2(), gram=Xc.T @ Xc)
    with pytest.raises(ReglabInputError, match=r"^gram: is only used by lasso penalties"):
        cross_validate(X, y, L2(), gram=Xc.T @ Xc)
    with pytest.raises(ReglabInputError, match=r"^gram: must have shape \(5, 5\).*got \(4, 4\)$"):
        cross_validate(X, y, L1(), gram=np.eye(4))
    with pytest.raises(ReglabInputError, match=r"^gram: must be finite"):
        cross_validate(X, y, L1(), gram=np.full((5, 5), np.nan))
    Xw, yw = _many_features(seed=14)  # (a path that works from its Gram matrix, too)
    for data in ((X, y), (Xw, yw)):
        with pytest.raises(ReglabInputError, match=r"^gram: must have shape"):
            fit_path(*data, L1(), gram=np.eye(4))


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_the_lasso_path_keeps_the_centered_gram_and_the_folds_reuse_it(standardize, weighted):
    X, y = _many_features(seed=11)
    p = X.shape[1]
    penalty = L1(weights=np.random.default_rng(11).uniform(0.5, 2.0, size=p)) if weighted else L1()
    path = fit_path(X, y, penalty, standardize=standardize)
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(path.gram, Xc.T @ Xc, rtol=1e-12, atol=1e-9)
    lams = path.lams[:30]
    alone = cross_validate(X, y, penalty, folds=3, seed=5, standardize=standardize, lams=lams)
    shared = cross_validate(X, y, penalty, folds=3, seed=5, standardize=standardize, lams=lams,
                            gram=path.gram)
    np.testing.assert_allclose(shared.fold_errors, alone.fold_errors, rtol=1e-9)


def test_paths_without_a_gram_say_so():
    X, y = _regression(seed=4)
    assert fit_path(X, y, L1()).gram is None  # few features: the homotopy works from X
    assert fit_path(X, y, L2()).gram is None
    X, y = _many_features(seed=12)
    assert fit_path(X, y, L1(weights=np.r_[0.0, np.ones(X.shape[1] - 1)])).gram is None


def test_cv_on_its_own_grid_reuses_that_paths_gram(monkeypatch):
    X, y = _many_features(seed=13)
    given = []

    class Recording(_FoldStatistics):
        def __init__(self, X, y, held_outs, full=None, standardize=False):
            given.append(full)
            super().__init__(X, y, held_outs, full, standardize)

    monkeypatch.setattr(selection_module, "_FoldStatistics", Recording)
    cv = cross_validate(X, y, L1(), folds=3, seed=6)
    Xc = X - X.mean(axis=0)
    assert len(given) == 1 and given[0] is not None
    np.testing.assert_allclose(given[0], Xc.T @ Xc, rtol=1e-12, atol=1e-9)
    monkeypatch.undo()
    np.testing.assert_allclose(cv.fold_errors, cross_validate(X, y, L1(), folds=3, seed=6,
                                                              lams=cv.lams).fold_errors,
                               rtol=1e-9)


def test_cv_rejects_bad_input():
    X, y = _regression(seed=5)
    with pytest.raises(ReglabInputError, match=r"^folds: "):
        cross_validate(X, y, L2(), folds=1)
    with pytest.raises(ReglabInputError, match=r"^folds: "):
        cross_validate(X[:3], y[:3], L2(), folds=4, lams=[1.0])
    X_bad = X.copy()
    X_bad[3, 1] = np.nan
    with pytest.raises(ReglabInputError, match=r"^X: must be finite"):
        cross_validate(X_bad, y, L2())



@pytest.mark.parametrize("penalty", [L1(), L2(), ElasticNet(0.5)], ids=["l1", "l2", "enet"])
@pytest.mark.parametrize("lams, rule", [
    ([np.nan, 1.0], "must be finite"), ([np.inf], "must be finite"), ([-1.0, 1.0], "must be >= 0"),
    ([], "must hold at least one"), (["x"], "must contain only numbers"),
    ([[1.0, 2.0]], "must be 1-dimensional"),
])
def test_every_path_and_cv_refuses_a_bad_grid_in_one_line(penalty, lams, rule):
    # (a NaN once gave NaN coefficients for the lasso and ridge, an empty grid a numpy error)
    X, y = _regression(seed=5)
    for run in (lambda: fit_path(X, y, penalty, lams=lams),
                lambda: cross_validate(X, y, penalty, lams=lams)):
        with pytest.raises(ReglabInputError, match=rf"^lams: {rule}"):
            run()


# ------------------------------------------------------------------------------------------
# validation_curve
# ------------------------------------------------------------------------------------------
def _split(seed=6):
    X, y = _regression(seed=seed, n=60)
    return X[:40], y[:40], X[40:], y[40:]


@pytest.mark.parametrize("penalty_name", ["l2", "l1"])
def test_validation_curve_matches_sklearn(penalty_name):
    X_train, y_train, X_test, y_test = _split()
    if penalty_name == "l1":
        top = _lasso_lam_max(X_train, y_train)
        lams = np.geomspace(top, 1e-3 * top, 9)
    else:
        lams = np.geomspace(1e6, 1e-4, 9)
    penalty = L1() if penalty_name == "l1" else L2()
    curve = validation_curve(X_train, y_train, X_test, y_test, penalty, lams=lams)
    np.testing.assert_allclose(curve.lams, np.sort(lams)[::-1])
    for lam, train, test in zip(curve.lams, curve.train_error, curve.test_error, strict=True):
        model = _sklearn_model(penalty_name, lam, X_train.shape[0]).fit(X_train, y_train)
        np.testing.assert_allclose(train, np.mean((model.predict(X_train) - y_train) ** 2),
                                   rtol=1e-9)
        np.testing.assert_allclose(test, np.mean((model.predict(X_test) - y_test) ** 2),
                                   rtol=1e-9)
    assert curve.lam_best == curve.lams[np.argmin(curve.test_error)]
    summary = curve.to_dict()
    assert set(summary) == {"lam", "train_mse", "test_mse"}


@pytest.mark.parametrize("penalty", [L2(), L1()])
@pytest.mark.parametrize("standardize", [False, True])
def test_validation_curve_training_error_is_non_decreasing_in_lambda(penalty, standardize):
    # For any penalty with global minimizers, λ1 < λ2 gives P(w2) <= P(w1) and hence
    # RSS(λ1) <= RSS(λ2): more penalty never fits the training data better.
    X_train, y_train, X_test, y_test = _split(seed=8)
    curve = validation_curve(X_train, y_train, X_test, y_test, penalty,
                             standardize=standardize, n_lams=80)
    increasing = np.argsort(curve.lams)
    train = curve.train_error[increasing]
    assert np.all(np.diff(train) >= -1e-12 * train.max())
    assert train[-1] > train[0]  # the grid spans a real change


# ------------------------------------------------------------------------------------------
# degree_curve
# ------------------------------------------------------------------------------------------
def _curve_data():
    rng = np.random.default_rng(21)
    x_train, x_test = rng.uniform(0, 1, 15), rng.uniform(0, 1, 50)
    noise = 0.3
    y_train = np.sin(2 * np.pi * x_train) + rng.normal(scale=noise, size=x_train.size)
    y_test = np.sin(2 * np.pi * x_test) + rng.normal(scale=noise, size=x_test.size)
    return x_train, y_train, x_test, y_test


def test_degree_curve_unpenalized_matches_polyfit_and_training_error_decreases():
    x_train, y_train, x_test, y_test = _curve_data()
    degrees = list(range(0, 10))  # n = 15 > M + 1: each fit is a well-posed least squares
    curve = degree_curve(x_train, y_train, x_test, y_test, degrees)
    np.testing.assert_array_equal(curve.degrees, degrees)
    for M, train, test in zip(degrees, curve.train_error, curve.test_error, strict=True):
        coef = np.polyfit(x_train, y_train, M)
        np.testing.assert_allclose(train, np.mean((np.polyval(coef, x_train) - y_train) ** 2),
                                   rtol=1e-7)
        np.testing.assert_allclose(test, np.mean((np.polyval(coef, x_test) - y_test) ** 2),
                                   rtol=1e-7)
    # Nested least-squares fits: a larger space can only lower the training error.
    assert np.all(np.diff(curve.train_error) <= 1e-10 * curve.train_error[0])
    # Condition number of the design with its intercept column, [1, x, ..., x^M].
    for M, cond in zip(degrees[1:], curve.condition_numbers[1:], strict=True):
        np.testing.assert_allclose(cond, np.linalg.cond(np.vander(x_train, M + 1)), rtol=1e-6)


def test_degree_curve_unpenalized_fit_does_not_depend_on_the_basis():
    x_train, y_train, x_test, y_test = _curve_data()
    degrees = [1, 3, 6, 9]
    monomial = degree_curve(x_train, y_train, x_test, y_test, degrees)
    for basis in ("scaled", "legendre", "chebyshev"):
        other = degree_curve(x_train, y_train, x_test, y_test, degrees, basis=basis)
        np.testing.assert_allclose(other.train_error, monomial.train_error, rtol=1e-7)
        np.testing.assert_allclose(other.test_error, monomial.test_error, rtol=1e-7)
        # The orthogonal bases are much better conditioned at degree 9.
        if basis != "scaled":
            assert other.condition_numbers[-1] < monomial.condition_numbers[-1] / 100


def test_degree_curve_with_ridge_matches_the_normal_equations():
    x_train, y_train, x_test, y_test = _curve_data()
    lam, domain = 1e-3, (0.0, 1.0)
    curve = degree_curve(x_train, y_train, x_test, y_test, [2, 5, 9], basis="legendre",
                         penalty=L2(), lam=lam, domain=domain)
    for M, train, test in zip([2, 5, 9], curve.train_error, curve.test_error, strict=True):
        basis = PolynomialBasis(M, "legendre", domain)
        F_train, F_test = basis.transform(x_train), basis.transform(x_test)
        # Intercept unpenalized: center, solve (F_c^T F_c + λ I) w = F_c^T y_c.
        mean_F, mean_y = F_train.mean(axis=0), y_train.mean()
        Fc = F_train - mean_F
        w = np.linalg.solve(Fc.T @ Fc + lam * np.eye(M), Fc.T @ (y_train - mean_y))
        b = mean_y - mean_F @ w
        np.testing.assert_allclose(train, np.mean((b + F_train @ w - y_train) ** 2), rtol=1e-9)
        np.testing.assert_allclose(test, np.mean((b + F_test @ w - y_test) ** 2), rtol=1e-9)


def test_degree_curve_rejects_non_finite_input():
    x_train, y_train, x_test, y_test = _curve_data()
    y_bad = y_train.copy()
    y_bad[0] = np.inf
    with pytest.raises(ReglabInputError, match=r"^y_train: must be finite"):
        degree_curve(x_train, y_bad, x_test, y_test, [1, 2])
