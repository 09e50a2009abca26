r"""Choosing λ (and the degree M): K-fold cross-validation, λ_min, λ_1se, validation curves.

Cross-validation follows glmnet's ``cv.glmnet``: the λ grid comes from the path on all the
data, every fold's path is computed on that same grid, and for each λ

* ``mean_error[λ]`` is the mean over folds of the held-out mean squared error,
* ``se[λ]`` is the standard deviation of those K fold errors divided by ``sqrt(K)``,
* ``λ_min`` minimizes ``mean_error``, and ``λ_1se`` is the largest λ whose mean error is within
  one standard error of the minimum: ``mean_error[λ] <= mean_error[λ_min] + se[λ_min]``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from reglab._validation import ReglabInputError, check_finite_array, check_lams
from reglab.design import constant_columns
from reglab.homotopy import gram_homotopy, piecewise_linear, single_blas_thread
from reglab.paths import LassoPath, fit_path
from reglab.penalties import Penalty

__all__ = [
    "CVResult",
    "DegreeCurve",
    "ValidationCurve",
    "cross_validate",
    "degree_curve",
    "kfold_indices",
    "validation_curve",
]


def kfold_indices(n_samples: int, folds: int, seed: int | None = 0) -> list[np.ndarray]:
    """Split ``range(n_samples)`` into ``folds`` held-out index sets after a seeded shuffle.

    Fold sizes differ by at most one (:func:`numpy.array_split`).
    """
    if int(folds) != folds or folds < 2:
        raise ReglabInputError("folds", "must be an integer >= 2", folds)
    if folds > n_samples:
        raise ReglabInputError("folds", f"must be <= the number of rows ({n_samples})", folds)
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0
    ):
        raise ReglabInputError("seed", "must be an integer >= 0 (or None)", seed)
    order = np.random.default_rng(seed).permutation(n_samples)
    return [np.sort(part) for part in np.array_split(order, int(folds))]


@dataclass(frozen=True, eq=False)
class CVResult:
    """Cross-validation over a λ grid.

    Attributes
    ----------
    lams : ndarray of shape (n_lams,)
        Decreasing grid.
    fold_errors : ndarray of shape (folds, n_lams)
        Held-out mean squared error of each fold's path.
    mean_error, se : ndarray of shape (n_lams,)
        Mean of the folds' errors at each λ, and its standard error (sample standard
        deviation over the folds / sqrt(folds)).
    lam_min, lam_1se : float
        The λ of the lowest mean error, and the largest λ whose mean error is within one
        standard error of it.
    index_min, index_1se : int
        Positions of λ_min and λ_1se in ``lams``.
    seed : int or None
        Seed of the shuffle that assigned rows to folds (None: unseeded).
    """

    lams: np.ndarray
    fold_errors: np.ndarray
    mean_error: np.ndarray
    se: np.ndarray
    lam_min: float
    lam_1se: float
    index_min: int
    index_1se: int
    seed: int | None

    @property
    def folds(self) -> int:
        """Number of folds."""
        return self.fold_errors.shape[0]

    def to_dict(self) -> dict:
        """Return a JSON-ready dict of the curve and the chosen λ."""
        return {
            "lam": self.lams.tolist(),
            "mean_error": self.mean_error.tolist(),
            "se": self.se.tolist(),
            "lam_min": float(self.lam_min),
            "lam_1se": float(self.lam_1se),
            "folds": self.folds,
            "seed": self.seed,
        }


def _summarize(lams: np.ndarray, fold_errors: np.ndarray, seed) -> CVResult:
    mean = fold_errors.mean(axis=0)
    se = fold_errors.std(axis=0, ddof=1) / np.sqrt(fold_errors.shape[0])
    index_min = int(np.argmin(mean))
    # lams decrease, so the first index within one SE of the minimum is the largest such λ.
    within = np.flatnonzero(mean <= mean[index_min] + se[index_min])
    index_1se = int(within[0])
    return CVResult(lams, fold_errors, mean, se, float(lams[index_min]), float(lams[index_1se]),
                    index_min, index_1se, seed)


def cross_validate(
    X,
    y,
    penalty: Penalty,
    *,
    folds: int = 5,
    seed: int | None = 0,
    standardize: bool = False,
    lams=None,
    n_lams: int = 100,
    feature_names=None,
    gram=None,
) -> CVResult:
    r"""K-fold cross-validation of the path of ``||y - b - Xw||² + λ P(w)``.

    Parameters
    ----------
    X, y : array-like
    penalty : Penalty
    folds : int, default 5
    seed : int or None, default 0
        Seed of the shuffle that assigns rows to folds.
    standardize : bool, default False
        Standardize within each fold with that fold's training statistics.
    lams : array-like, optional
        The grid. Default: the grid of the path fitted on all the data.
    n_lams : int, default 100
    feature_names : sequence of str, optional
        Used in error messages (a column constant within a training fold, say).
    gram : array-like of shape (n_features, n_features), optional
        For the lasso: ``X_c^T X_c`` of all the data, centered but not standardized, as
        :attr:`reglab.paths.LassoPath.gram` gives it. When the folds' homotopies work from
        Gram matrices (:meth:`reglab.paths.LassoPath.uses_gram`), each fold's is derived from
        it; otherwise it is not needed. Without it (and without ``lams``), the Gram matrix of
        the path fitted for the grid is used.

    Returns
    -------
    CVResult
    """
    X = check_finite_array("X", X, ndim=2)
    y = check_finite_array("y", y, ndim=1)
    if gram is not None:
        gram = LassoPath.check_gram(gram, penalty, X.shape[1])
    if lams is not None:
        lams = check_lams(lams)
    if lams is None:
        path = fit_path(X, y, penalty, standardize=standardize, n_lams=n_lams,
                        feature_names=feature_names, gram=gram)
        lams = path.lams
        if gram is None and isinstance(path, LassoPath):
            gram = path.gram
    lams = np.sort(np.asarray(lams, dtype=float))[::-1]
    held_outs = kfold_indices(X.shape[0], folds, seed)

    if LassoPath.uses_gram(penalty, X.shape[1]):
        # Many features: each fold's homotopy works from X^T X and X^T y of its training rows,
        # derived from all the data's without forming those rows. The folds' homotopies
        # (single-threaded BLAS-2 steps that release the GIL) run side by side on the cores;
        # measured at n = 10,000, p = 1,000 on two cores: from no gain to ~15% faster than one
        # after the other (the steps are bound by memory traffic, which the cores share; forked
        # processes did no better).
        statistics = _FoldStatistics(X, y, held_outs, gram, standardize)
        weights = penalty.weights_for(X.shape[1])
        names = (list(feature_names) if feature_names is not None
                 else [f"x{j + 1}" for j in range(X.shape[1])])

        def fold_errors(fold: int) -> np.ndarray:
            return _lasso_fold_errors(statistics, fold, weights, lams, names)

        workers = min(len(held_outs), os.cpu_count() or 1)
        with single_blas_thread(), ThreadPoolExecutor(workers) as pool:
            errors = list(pool.map(fold_errors, range(len(held_outs))))
    else:
        errors = []
        for held_out in held_outs:
            train = np.ones(X.shape[0], dtype=bool)
            train[held_out] = False
            try:
                path = fit_path(X[train], y[train], penalty, standardize=standardize,
                                lams=lams, feature_names=feature_names, full_path=False)
            except ReglabInputError as error:
                raise _in_a_fold(error) from None
            errors.append(np.mean((path.predict(X[held_out]) - y[held_out]) ** 2, axis=1))
    return _summarize(lams, np.array(errors), seed)


def _in_a_fold(error: ReglabInputError) -> ReglabInputError:
    """Say that an error in the data (``X``) was found within a training fold."""
    if error.name != "X":
        return error
    return ReglabInputError(error.name, f"{error.rule} within a training fold (use fewer folds)",
                            error.value)


class _TrainingFold(NamedTuple):
    """A fold's training rows ``T`` as the lasso's homotopy needs them."""

    gram: np.ndarray  # X_T^T X_T, centered by mean(X_T)
    Xty: np.ndarray  # X_T^T y_T, both centered
    x_mean: np.ndarray
    y_mean: float
    n_samples: int


class _FoldStatistics:
    """``X_T^T X_T`` and ``X_T^T y_T`` for any fold's training rows ``T``, centered by their mean.

    With ``X_c = X - mean(X)`` and ``H`` the held-out rows, the training rows centered by their
    mean are ``X_c[T] - δ`` with ``δ = mean(X_c[T]) = -sum(X_c[H]) / |T|`` (the columns of
    ``X_c`` sum to 0), so ``X_T^T X_T = X_c^T X_c - X_c[H]^T X_c[H] - |T| δ δ^T``: one
    ``n p^2`` product for all folds (or the one given), then ``|H| p^2`` per fold instead of
    ``|T| p^2``. Both products are of positive semidefinite matrices and the difference keeps
    most of the first, so nothing cancels. Likewise ``X_T^T y_T`` with ``y_c`` and ``ε``.

    For standardization (``standardize``) each column's spread on ``T`` is combined from every
    other fold's count, mean and sum of squared deviations, each summed over that fold's own
    rows (Chan, Golub & LeVeque 1983): exactly 0 for a column constant on ``T``, which the Gram
    matrix's diagonal (a difference of large sums) would only give to rounding.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, held_outs: list[np.ndarray],
                 full: np.ndarray | None = None, standardize: bool = False):
        self.X, self.y, self.held_outs = X, y, held_outs
        self.standardize = standardize
        self._x_mean, self._y_mean = X.mean(axis=0), float(y.mean())
        self._Xc, self._yc = X - self._x_mean, y - self._y_mean
        self._full = self._Xc.T @ self._Xc if full is None else full
        self._Xty = self._Xc.T @ self._yc
        self._moments = []
        if standardize:
            for held_out in held_outs:
                rows = X[held_out]
                mean = rows.mean(axis=0)
                self._moments.append((held_out.size, mean, np.sum((rows - mean) ** 2, axis=0),
                                      np.abs(rows).max(axis=0)))

    def training(self, held_out: np.ndarray) -> np.ndarray:
        """Return the Gram matrix of the rows not in ``held_out``, centered by their own mean."""
        Xh = self._Xc[held_out]
        n_train = self._Xc.shape[0] - held_out.size
        delta = Xh.sum(axis=0) / -n_train
        # (in place: each p x p temporary costs as much as the held-out product)
        out = Xh.T @ Xh
        out += n_train * np.outer(delta, delta)
        return np.subtract(self._full, out, out=out)

    def fold(self, fold: int) -> _TrainingFold:
        """Return the training rows of ``fold`` (the Gram matrix is a new array: the caller's)."""
        held_out = self.held_outs[fold]
        Xh, yh = self._Xc[held_out], self._yc[held_out]
        n_train = self._Xc.shape[0] - held_out.size
        delta, epsilon = Xh.sum(axis=0) / -n_train, float(yh.sum()) / -n_train
        Xty = self._Xty - Xh.T @ yh - n_train * epsilon * delta
        return _TrainingFold(self.training(held_out), Xty, self._x_mean + delta,
                             self._y_mean + epsilon, n_train)

    def spread(self, fold: int) -> tuple[np.ndarray, np.ndarray]:
        """``(std(X_T), max|X_T|)`` per column (population std), with ``standardize``."""
        others = [m for g, m in enumerate(self._moments) if g != fold]
        counts = np.array([count for count, *_ in others], dtype=float)
        means = np.array([mean for _, mean, _, _ in others])
        n_train = counts.sum()
        mean = counts @ means / n_train
        squares = sum(m2 for _, _, m2, _ in others) + counts @ (means - mean) ** 2
        magnitude = np.max([largest for *_, largest in others], axis=0)
        return np.sqrt(squares / n_train), magnitude


def _lasso_fold_errors(statistics: _FoldStatistics, fold: int, weights: np.ndarray,
                       lams: np.ndarray, feature_names: Sequence[str]) -> np.ndarray:
    """Held-out mean squared errors along ``lams`` of the lasso fitted on a fold's training rows.

    The path of ``||y_T - b - X_T w||² + λ Σ v_j |w_j|`` (every ``v_j > 0``; on standardized
    columns with ``statistics.standardize``) is :func:`reglab.homotopy.gram_homotopy` on the
    columns scaled by ``1 / s_j`` (``s_j = v_j`` times the column's spread, or ``v_j``): its
    Gram matrix and correlations are the fold's divided by ``s``, and its coefficients are
    ``s w``. This is what :class:`reglab.paths.LassoPath` computes from the fold's rows.
    """
    training = statistics.fold(fold)
    scale = weights
    if statistics.standardize:
        spread, magnitude = statistics.spread(fold)
        constant = constant_columns(spread, magnitude)
        if constant.any():
            raise _in_a_fold(ReglabInputError(
                "X", "columns must vary to be standardized (a constant column)",
                str(feature_names[int(np.argmax(constant))])))
        scale = weights * spread
    gram, Xty = training.gram, training.Xty
    if np.any(scale != 1.0):
        gram /= np.outer(scale, scale)  # (in place: the array is this fold's)
        Xty = Xty / scale
    homotopy = gram_homotopy(gram, Xty, training.n_samples, lam_min=float(lams.min()))
    coefs = piecewise_linear(homotopy.lams, homotopy.coefs, lams) / scale  # the user's scale
    held_out = statistics.held_outs[fold]
    predictions = training.y_mean + coefs @ (statistics.X[held_out] - training.x_mean).T
    return np.mean((predictions - statistics.y[held_out]) ** 2, axis=1)


@dataclass(frozen=True, eq=False)
class ValidationCurve:
    """Training and test mean squared error along a λ grid for one train/test split."""

    lams: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray

    @property
    def lam_best(self) -> float:
        """The λ of the grid with the smallest test error."""
        return float(self.lams[int(np.argmin(self.test_error))])

    def to_dict(self) -> dict:
        """Return a JSON-ready dict of both curves."""
        return {"lam": self.lams.tolist(), "train_mse": self.train_error.tolist(),
                "test_mse": self.test_error.tolist()}


def validation_curve(
    X_train, y_train, X_test, y_test, penalty: Penalty, *, standardize: bool = False, lams=None,
    n_lams: int = 100,
) -> ValidationCurve:
    """Training and test error of the path fitted on the training rows."""
    path = fit_path(X_train, y_train, penalty, standardize=standardize, lams=lams, n_lams=n_lams)
    y_train = np.asarray(y_train, dtype=float)
    y_test = check_finite_array("y_test", y_test, ndim=1)
    train = np.mean((path.predict(X_train) - y_train) ** 2, axis=1)
    test = np.mean((path.predict(X_test) - y_test) ** 2, axis=1)
    return ValidationCurve(path.lams, train, test)


@dataclass(frozen=True, eq=False)
class DegreeCurve:
    """Training and test error against the polynomial degree M (the lecture's overfitting plot)."""

    degrees: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray
    condition_numbers: np.ndarray

    def to_dict(self) -> dict:
        """Return a JSON-ready dict of both curves and the condition numbers."""
        return {"degree": self.degrees.tolist(), "train_mse": self.train_error.tolist(),
                "test_mse": self.test_error.tolist(),
                "condition_number": self.condition_numbers.tolist()}


def degree_curve(
    x_train,
    y_train,
    x_test,
    y_test,
    degrees: Sequence[int],
    *,
    basis: str = "monomial",
    penalty: Penalty | None = None,
    lam: float = 0.0,
    domain: tuple[float, float] | None = None,
) -> DegreeCurve:
    """Training and test error of polynomial fits of each degree, unpenalized or at one λ.

    Without a penalty (or with ``lam = 0``) each fit is the minimum-norm least-squares one.
    """
    from reglab.bases import PolynomialBasis, condition_number
    from reglab.penalties import L2

    x_train = check_finite_array("x_train", x_train, ndim=1)
    x_test = check_finite_array("x_test", x_test, ndim=1)
    y_train = check_finite_array("y_train", y_train, ndim=1)
    y_test = check_finite_array("y_test", y_test, ndim=1)
    if domain is None:
        domain = (float(min(x_train.min(), x_test.min())), float(max(x_train.max(), x_test.max())))
    train, test, conditions = [], [], []
    for degree in degrees:
        features = PolynomialBasis(int(degree), basis, domain=domain)
        X_train, X_test = features.transform(x_train), features.transform(x_test)
        conditions.append(condition_number(X_train))
        if X_train.shape[1] == 0:
            mean = y_train.mean()
            train.append(np.mean((y_train - mean) ** 2))
            test.append(np.mean((y_test - mean) ** 2))
            continue
        path = fit_path(X_train, y_train, penalty or L2(), lams=[lam])
        solution = path.solution(lam=lam)
        train.append(np.mean((solution.predict(X_train) - y_train) ** 2))
        test.append(np.mean((solution.predict(X_test) - y_test) ** 2))
    return DegreeCurve(np.asarray(degrees), np.array(train), np.array(test), np.array(conditions))
