"""The design a solver sees: X and y centered, optionally standardized, intercept profiled out.

reglab's objective keeps the intercept unpenalized, so it is profiled out exactly by centering:
for any w the best intercept is ``b = mean(y) - mean(X) @ w``, and what is left is

    minimize_w  ||y_c - X_c w||_2^2 + lam * P(w)

with ``y_c``, ``X_c`` centered. With ``standardize=True`` each column of ``X_c`` is also divided
by its standard deviation (the population one, ``ddof=0``, as glmnet and ESL do), so the penalty
acts on coefficients of unit-variance features; results are then reported on both scales.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reglab._validation import ReglabInputError, check_finite_array

__all__ = ["Design", "constant_columns"]


def constant_columns(spread: np.ndarray, magnitude: np.ndarray) -> np.ndarray:
    """Which columns are constant: a spread (std) at rounding level of the magnitude ``max|x|``.

    Such a column has no scale to standardize by.
    """
    return spread <= 1e-13 * np.maximum(magnitude, np.finfo(float).tiny)


@dataclass(frozen=True, eq=False)
class Design:
    """Centered (and optionally standardized) data, with the maps back to the user's scale.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        ``(X_user - x_mean) / x_scale``: the matrix every solver works with.
    y : ndarray of shape (n_samples,)
        ``y_user - y_mean``.
    x_mean, x_scale : ndarray of shape (n_features,)
        Zeros / ones when the corresponding option is off.
    y_mean : float
    feature_names : tuple of str
    standardize, fit_intercept : bool
    """

    X: np.ndarray
    y: np.ndarray
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    feature_names: tuple[str, ...]
    standardize: bool
    fit_intercept: bool

    @classmethod
    def prepare(
        cls,
        X,
        y,
        *,
        standardize: bool = False,
        fit_intercept: bool = True,
        feature_names: Sequence[str] | None = None,
    ) -> Design:
        """Validate ``X`` and ``y`` and build the design the solvers use.

        Raises
        ------
        ReglabInputError
            Non-finite or non-numeric values, mismatched lengths, no rows, or a constant
            column under standardization (it has no scale to divide by).
        """
        X = check_finite_array("X", X, ndim=2, columns=feature_names)
        y = check_finite_array("y", y, ndim=1)
        n, p = X.shape
        if y.shape[0] != n:
            raise ReglabInputError("y", f"must have one value per row of X ({n})", y.shape[0])
        if feature_names is None:
            feature_names = tuple(f"x{j + 1}" for j in range(p))
        feature_names = tuple(str(name) for name in feature_names)
        if len(set(feature_names)) != len(feature_names):
            duplicate = next(n for n in feature_names if feature_names.count(n) > 1)
            raise ReglabInputError("feature_names", "must be distinct", duplicate)
        if len(feature_names) != p:
            raise ReglabInputError(
                "feature_names", f"must have one name per column of X ({p})", len(feature_names)
            )
        if fit_intercept:
            x_mean, y_mean = X.mean(axis=0), float(y.mean())
        else:
            x_mean, y_mean = np.zeros(p), 0.0
        Xc, yc = X - x_mean, y - y_mean
        if standardize:
            x_scale = np.sqrt(np.mean(Xc**2, axis=0))
            constant = constant_columns(x_scale, np.abs(X).max(axis=0, initial=0.0))
            if constant.any():
                name = feature_names[int(np.argmax(constant))]
                raise ReglabInputError(
                    "X", "columns must vary to be standardized (a constant column)", name
                )
            Xc = Xc / x_scale
        else:
            x_scale = np.ones(p)
        return cls(Xc, yc, x_mean, x_scale, y_mean, feature_names, bool(standardize),
                   bool(fit_intercept))

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        """Number of columns."""
        return self.X.shape[1]

    def to_user_scale(self, w) -> tuple[np.ndarray, np.ndarray | float]:
        """Map internal coefficients (one row per solution, or one vector) to the user's scale.

        Returns ``(coef, intercept)`` with ``coef = w / x_scale`` and
        ``intercept = y_mean - x_mean @ coef``.
        """
        w = np.asarray(w, dtype=float)
        coef = w / self.x_scale
        intercept = self.y_mean - coef @ self.x_mean
        return coef, (float(intercept) if np.ndim(intercept) == 0 else intercept)

    def transform(self, X_user) -> np.ndarray:
        """Apply the centering and scaling of this design to new rows."""
        X_user = check_finite_array("X", X_user, ndim=2)
        if X_user.shape[1] != self.n_features:
            raise ReglabInputError(
                "X", f"must have {self.n_features} columns like the training data",
                X_user.shape[1],
            )
        return (X_user - self.x_mean) / self.x_scale
