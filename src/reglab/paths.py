r"""Regularization paths, exact where the math allows, with λ ↔ R ↔ s ↔ df on every path.

For data ``X, y`` (intercept unpenalized and profiled out, see :class:`reglab.design.Design`)
a path is the map ``λ ↦ w(λ)``, the minimizer of

.. math::

    E(w) = \|y - Xw\|_2^2 + \lambda P(w).

Three algorithms share one interface, :class:`RegularizationPath`:

* :class:`RidgePath` (``L2``, ``Lp(2)``, ``ElasticNet(0)``): one SVD ``X = U S V^T`` gives
  ``w(λ) = V diag(s / (s² + λ)) U^T y`` exactly at every λ, and the effective degrees of
  freedom ``df(λ) = Σ s_i² / (s_i² + λ)``.
* :class:`LassoPath` (``L1``, ``Lp(1)``, ``ElasticNet(1)``): the exact piecewise-linear homotopy
  (LARS with the lasso modification, :func:`reglab.homotopy.lasso_homotopy`), with its
  breakpoints and the variables entering and leaving there. Between breakpoints ``w(λ)`` is
  linear, so the solution at any λ is exact.
* :class:`GridPath` (everything else): warm-started solves along a decreasing λ grid from
  :mod:`reglab.solvers`, each with its certificate; solutions off the grid are solved on demand.

The constrained form, ``minimize ||y - Xw||² subject to P(w) <= P.level(R)``, is reached through
the exact inverse of the monotone map ``R(λ) = P.radius(w(λ))``: the constraint's multiplier is
λ itself. ``R_max = R(0+)`` is the radius of the least-squares solution (the minimum-norm one
when it is not unique); for ``R >= R_max`` the constraint is inactive and λ = 0. The shrinkage
factor is ``s = R / R_max`` (ESL §3.4), and df is the third axis.

Zero penalty factors (``weights``) leave coefficients unpenalized: they are profiled out like
the intercept, exactly, before the ridge and lasso algorithms run.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from reglab._validation import (
    ReglabInputError,
    check_finite_array,
    check_lams,
    check_nonnegative,
    check_positive,
)
from reglab.design import Design
from reglab.homotopy import gram_based, gram_homotopy, lasso_homotopy, piecewise_linear
from reglab.penalties import L1, L2, DifferenceL1, ElasticNet, Lp, Penalty
from reglab.solvers import Certificate, solve, solve_path

__all__ = [
    "Event",
    "GridPath",
    "LassoPath",
    "RegularizationPath",
    "RidgePath",
    "Solution",
    "fit_path",
    "lambda_grid",
]

KKT_TOL = 1e-7
"""Relative KKT residual below which an exact (closed-form) solution counts as certified."""

_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    """A variable entering or leaving the active set at ``lam`` (going down the path)."""

    lam: float
    feature: str
    action: str  # "enter" | "leave"

    def to_dict(self) -> dict:
        return {"lam": self.lam, "feature": self.feature, "action": self.action}


@dataclass(frozen=True, eq=False)
class Solution:
    r"""One point of a path, in both forms, with its certificate.

    ``coef`` and ``intercept`` are on the user's scale; ``coef_std`` is the scale the penalty acts
    on (standardized features when the path was fitted with ``standardize=True``, else the same
    as ``coef``). ``objective = rss + lam * penalty_value`` with ``penalty_value = P(coef_std)``.
    ``constraint_active`` is False exactly when λ = 0: then ``R >= R_max`` and the least-squares
    minimum lies inside the ball.
    """

    lam: float
    R: float
    s: float
    df: float
    coef: np.ndarray
    intercept: float
    coef_std: np.ndarray
    feature_names: tuple[str, ...]
    rss: float
    penalty_value: float
    certificate: Certificate
    constraint_active: bool
    exact: bool
    message: str = ""

    @property
    def objective(self) -> float:
        # At λ = inf (R = 0) the penalty term is 0 · inf; its limit along the path is 0.
        return self.rss + (self.lam * self.penalty_value if self.penalty_value else 0.0)

    @property
    def nonzero(self) -> int:
        return int(np.count_nonzero(self.coef_std))

    @property
    def certified(self) -> bool:
        return self.certificate.ok

    def predict(self, X) -> np.ndarray:
        """Predict ``intercept + X @ coef`` for rows of ``X`` on the user's scale."""
        X = check_finite_array("X", X, ndim=2)
        if X.shape[1] != self.coef.size:
            raise ReglabInputError("X", f"must have {self.coef.size} columns like the training "
                                   "data", X.shape[1])
        return self.intercept + X @ self.coef

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (the CLI's ``--json`` output is built from it)."""
        return {
            "coef": dict(zip(self.feature_names, map(float, self.coef), strict=True)),
            "coef_std": dict(zip(self.feature_names, map(float, self.coef_std), strict=True)),
            "intercept": float(self.intercept),
            "lam": float(self.lam),
            "R": float(self.R),
            "s": float(self.s),
            "df": float(self.df),
            "rss": float(self.rss),
            "penalty_value": float(self.penalty_value),
            "objective": float(self.objective),
            "nonzero": self.nonzero,
            "constraint_active": bool(self.constraint_active),
            "exact": bool(self.exact),
            "certificate": self.certificate.to_dict(),
            "message": self.message,
        }


def lambda_grid(lam_max: float, n_lams: int = 100, ratio: float = 1e-4) -> np.ndarray:
    """Return ``n_lams`` values from ``lam_max`` down to ``ratio * lam_max``, evenly in log."""
    lam_max = check_positive("lam_max", lam_max)
    ratio = check_positive("ratio", ratio)
    if int(n_lams) != n_lams or n_lams < 2:
        raise ReglabInputError("n_lams", "must be an integer >= 2", n_lams)
    return np.geomspace(lam_max, lam_max * ratio, int(n_lams))


# --------------------------------------------------------------------------------------------
# Profiling out unpenalized coefficients
# --------------------------------------------------------------------------------------------
class _Profiled:
    """``min_{w_U, w_P} ||y - X_U w_U - X_P w_P||² + λ P(w_P)`` reduced to ``w_P`` alone.

    For fixed ``w_P`` the best ``w_U`` is the least-squares fit of ``y - X_P w_P`` on ``X_U``,
    leaving the residual ``(I - H_U)(y - X_P w_P)``: so the penalized part sees the projected
    data ``(I - H_U) X_P``, ``(I - H_U) y``, and ``w_U`` is recovered linearly afterwards.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, penalized: np.ndarray):
        self.penalized = penalized
        self.X_free = X[:, ~penalized]
        X_pen = X if penalized.all() else X[:, penalized]  # (no copy of a large X for plain L1)
        if self.X_free.shape[1]:
            basis, singular, _ = np.linalg.svd(self.X_free, full_matrices=False)
            rank = int(np.sum(singular > singular[0] * max(X.shape) * _EPS)) if singular.size else 0
            basis = basis[:, :rank]
            self.X = X_pen - basis @ (basis.T @ X_pen)
            self.y = y - basis @ (basis.T @ y)
            self._pinv_free = np.linalg.pinv(self.X_free)
        else:
            self.X, self.y = X_pen, y
            self._pinv_free = np.zeros((0, X.shape[0]))
        self._y_full = y
        self._X_pen_full = X_pen

    def full(self, w_pen: np.ndarray) -> np.ndarray:
        """Rows of penalized coefficients -> rows of all coefficients (``w_U`` recovered)."""
        w_pen = np.atleast_2d(w_pen)
        w = np.zeros((w_pen.shape[0], self.penalized.size))
        w[:, self.penalized] = w_pen
        if self.X_free.shape[1]:
            residual = self._y_full[None, :] - w_pen @ self._X_pen_full.T
            w[:, ~self.penalized] = residual @ self._pinv_free.T
        return w


# --------------------------------------------------------------------------------------------
# The common interface
# --------------------------------------------------------------------------------------------
class RegularizationPath(ABC):
    """A path ``λ ↦ w(λ)`` over a design, with the λ ↔ R ↔ s ↔ df correspondences.

    Attributes
    ----------
    design : Design
    penalty : Penalty
    lams : ndarray of shape (n_lams,)
        The display/CV grid, decreasing.
    coefs_std : ndarray of shape (n_lams, n_features)
        Solutions on the grid, on the penalty's scale.
    exact : bool
        Whether ``w(λ)`` is available in closed form at every λ.
    """

    exact: bool = False

    def __init__(self, design: Design, penalty: Penalty, lams: np.ndarray):
        self.design, self.penalty = design, penalty
        self.lams = np.sort(check_lams(lams))[::-1].copy()
        Xty = design.X.T @ design.y
        self._g0 = self._profiled_gradient(design, penalty, Xty)
        self._g_scale = max(2.0 * float(np.max(np.abs(Xty), initial=0.0)), np.finfo(float).tiny)
        self.warnings: list[str] = []

    @staticmethod
    def _profiled_gradient(design: Design, penalty: Penalty, Xty: np.ndarray) -> np.ndarray:
        """``2 X^T (y - X_U w_U)`` at ``w_P = 0``, the unpenalized ``w_U`` fitted (its entries 0).

        This is the gradient that decides when all penalized coefficients are zero; ``Xty`` is
        ``X^T y``.
        """
        X, y = design.X, design.y
        free = (penalty.weights_for(design.n_features) == 0) if penalty.separable else None
        if free is None or not free.any():
            return 2.0 * Xty
        w_free = np.linalg.lstsq(X[:, free], y, rcond=None)[0]
        gradient = 2.0 * (X.T @ (y - X[:, free] @ w_free))
        gradient[free] = 0.0  # exactly: the free coefficients are at their optimum
        return gradient

    # -- what each algorithm provides ---------------------------------------------------------
    @abstractmethod
    def coef_std_at(self, lam: float) -> tuple[np.ndarray, str]:
        """Return the solution at ``lam`` on the penalty's scale and a message ('' if none)."""

    @abstractmethod
    def df_at(self, lam: float) -> float:
        """Effective degrees of freedom at ``lam`` (the intercept not counted)."""

    @property
    @abstractmethod
    def R_max(self) -> float:
        """Radius of the least-squares solution ``R(0+)``; the constraint is inactive beyond."""

    @property
    def gram(self) -> np.ndarray | None:
        """``X_c^T X_c`` (centered if an intercept is fitted, not standardized) or None.

        Only a :class:`LassoPath` on many features works from one; cross-validation of the same
        data reuses it (:func:`reglab.selection.cross_validate`'s ``gram``).
        """
        return None

    @property
    def events(self) -> list[Event]:
        """Variables entering/leaving the active set, in order of decreasing λ."""
        return _events_from_grid(self.lams, self.coefs_std, self.design.feature_names)

    # -- derived along the grid -------------------------------------------------------------------
    @cached_property
    def coefs_std(self) -> np.ndarray:
        return np.array([self.coef_std_at(lam)[0] for lam in self.lams])

    @property
    def coefs(self) -> np.ndarray:
        """Grid solutions on the user's scale, shape ``(n_lams, n_features)``."""
        return self.design.to_user_scale(self.coefs_std)[0]

    @property
    def intercepts(self) -> np.ndarray:
        return np.asarray(self.design.to_user_scale(self.coefs_std)[1])

    @cached_property
    def R(self) -> np.ndarray:
        return np.array([self.penalty.radius(w) for w in self.coefs_std])

    @property
    def s(self) -> np.ndarray:
        return self.R / self.R_max if math.isfinite(self.R_max) and self.R_max > 0 else self.R * 0

    @cached_property
    def df(self) -> np.ndarray:
        return np.array([self.df_at(lam) for lam in self.lams])

    @cached_property
    def nonzero(self) -> np.ndarray:
        return np.count_nonzero(self.coefs_std, axis=1)

    @cached_property
    def certificates(self) -> list[Certificate]:
        return [self.certificate(lam, w) for lam, w in zip(self.lams, self.coefs_std, strict=True)]

    @property
    def lam_max(self) -> float:
        """The smallest λ with all penalized coefficients zero (``inf`` if there is none)."""
        return self.penalty.lam_max(self._g0)

    # -- certificates ---------------------------------------------------------------------------
    def kkt_residual(self, lam: float, w: np.ndarray) -> float:
        """``max_j dist(2 X_j^T (y - Xw), λ ∂P(w)_j) / max_j |2 X_j^T y|``.

        At ``λ = inf`` (``R = 0``) the penalized coefficients are 0 and only the unpenalized
        ones have a condition to meet: their gradient must vanish.
        """
        gradient = 2.0 * self.design.X.T @ (self.design.y - self.design.X @ w)
        if math.isinf(lam):
            free = self.penalty.weights_for(w.size) == 0
            distance = np.where(free, np.abs(gradient), 0.0)
        else:
            distance = self.penalty.subdiff_distance(w, gradient, lam)
        return float(np.max(distance, initial=0.0)) / self._g_scale

    def certificate(self, lam: float, w: np.ndarray) -> Certificate:
        return Certificate("kkt", self.kkt_residual(lam, w), KKT_TOL)

    # -- the correspondences ------------------------------------------------------------------
    def R_at(self, lam: float) -> float:
        return self.penalty.radius(self.coef_std_at(lam)[0])

    def lam_at_R(self, R: float) -> float:
        """Return the λ whose solution has radius ``R`` (0 when ``R >= R_max``: inactive)."""
        R = check_nonnegative("R", R)
        if R >= self.R_max:
            return 0.0
        return self._invert_decreasing(self.R_at, R, "R")

    def lam_at_s(self, s: float) -> float:
        s = check_nonnegative("s", s)
        if not math.isfinite(self.R_max):
            raise ReglabInputError("s", "needs a finite least-squares radius R_max", s)
        return self.lam_at_R(min(s, 1.0) * self.R_max)

    def lam_at_df(self, df: float) -> float:
        """Return the largest λ whose df reaches ``df`` (df decreases in λ; it may jump)."""
        df = check_nonnegative("df", df)
        top = self.df_at(0.0)
        if df > top * (1 + 1e-12):
            raise ReglabInputError("df", f"must be <= the least-squares df {top:g}", df)
        return self._invert_decreasing(self.df_at, min(df, top), "df")

    def _invert_decreasing(self, f, target: float, name: str) -> float:
        """Return the largest λ with ``f(λ) >= target``, for ``f`` non-increasing in λ.

        For a continuous ``f`` (R along a path) this is the root of ``f(λ) = target``; for a
        step function (the df of the lasso) it is the end of the step that reaches the target.
        Bisection in log λ keeps ``f(low) >= target > f(high)``.
        """
        if target <= 0:
            lam_max = self.lam_max
            return lam_max if math.isfinite(lam_max) else math.inf
        lam_max = self.lam_max
        if math.isfinite(lam_max) and lam_max > 0 and f(lam_max) >= target:
            # f keeps its floor from λ_max on (the df of unpenalized columns, or of the null
            # space of D): every λ >= λ_max has the same solution; λ_max is the first.
            return lam_max
        high = lam_max if math.isfinite(lam_max) and lam_max > 0 else float(self.lams[0]) or 1.0
        for _ in range(400):
            if f(high) < target:
                break
            high *= 4.0
        else:
            return math.inf
        low = high
        while f(low) < target:
            low /= 4.0
            if low < 1e-250:
                if f(0.0) >= target:
                    return 0.0
                raise ReglabInputError(name, "is not reached along the path", target)
        log_low, log_high = math.log(low), math.log(high)
        for _ in range(200):
            middle = 0.5 * (log_low + log_high)
            if middle in (log_low, log_high):
                break
            if f(math.exp(middle)) >= target:
                log_low = middle
            else:
                log_high = middle
        return math.exp(log_low)

    # -- one solution -------------------------------------------------------------------------
    def solution(
        self,
        lam: float | None = None,
        *,
        R: float | None = None,
        s: float | None = None,
        df: float | None = None,
    ) -> Solution:
        """Return the solution at one of λ, R, s or df (exactly one must be given).

        Examples
        --------
        >>> import numpy as np
        >>> from reglab.penalties import L2
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
        >>> path = fit_path(X, y, L2())
        >>> sol = path.solution(R=0.1)
        >>> bool(np.isclose(path.solution(lam=sol.lam).R, 0.1))
        True
        """
        given = {k: v for k, v in {"lam": lam, "R": R, "s": s, "df": df}.items() if v is not None}
        if len(given) != 1:
            raise ReglabInputError(
                "lam/R/s/df", "exactly one must be given", ", ".join(given) or "none"
            )
        if lam is not None:
            lam = check_nonnegative("lam", lam)
        elif R is not None:
            lam = self.lam_at_R(R)
        elif s is not None:
            lam = self.lam_at_s(s)
        else:
            lam = self.lam_at_df(df)
        return self._solution_at(lam)

    def _solution_at(self, lam: float) -> Solution:
        w, message = self.coef_std_at(lam)
        coef, intercept = self.design.to_user_scale(w)
        residual = self.design.y - self.design.X @ w
        R = self.penalty.radius(w)
        R_max = self.R_max
        s = R / R_max if math.isfinite(R_max) and R_max > 0 else 0.0
        if lam == 0 and not message:
            message = "λ = 0: the least-squares solution lies inside every ball with R >= R_max"
        return Solution(
            lam=float(lam),
            R=float(R),
            s=float(s),
            df=float(self.df_at(lam)),
            coef=coef,
            intercept=float(intercept),
            coef_std=w,
            feature_names=self.design.feature_names,
            rss=float(residual @ residual),
            penalty_value=float(self.penalty.value(w)),
            certificate=self.certificate(lam, w),
            constraint_active=lam > 0,
            exact=self.exact,
            message=message,
        )

    def predict(self, X, lams=None) -> np.ndarray:
        """Predictions for rows of ``X`` (user scale) at each λ: shape ``(n_lams, n_rows)``."""
        lams = self.lams if lams is None else np.atleast_1d(np.asarray(lams, dtype=float))
        Z = self.design.transform(X)
        W = self.coefs_std if lams is self.lams else np.array(
            [self.coef_std_at(lam)[0] for lam in lams]
        )
        return self.design.y_mean + W @ Z.T

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.penalty!r}, n_samples={self.design.n_samples}, "
            f"n_features={self.design.n_features}, n_lams={self.lams.size})"
        )


def _events_from_grid(lams, coefs, names) -> list[Event]:
    """List the support changes between consecutive grid points, at the lower λ."""
    events: list[Event] = []
    support = coefs[0] != 0
    for lam, w in zip(lams[1:], coefs[1:], strict=True):
        now = w != 0
        for j in np.flatnonzero(now & ~support):
            events.append(Event(float(lam), names[j], "enter"))
        for j in np.flatnonzero(support & ~now):
            events.append(Event(float(lam), names[j], "leave"))
        support = now
    return events


# --------------------------------------------------------------------------------------------
# Ridge: one SVD
# --------------------------------------------------------------------------------------------
def _quadratic_weights(penalty: Penalty, n_features: int) -> np.ndarray | None:
    """``q`` with ``P(w) = Σ q_j w_j²`` if the penalty is a (weighted) ridge, else None."""
    if isinstance(penalty, L2) or (isinstance(penalty, Lp) and penalty.p == 2):
        return penalty.weights_for(n_features)
    if isinstance(penalty, ElasticNet) and penalty.l1_ratio == 0:
        return 0.5 * penalty.weights_for(n_features)
    return None


def _l1_weights(penalty: Penalty, n_features: int) -> np.ndarray | None:
    """``v`` with ``P(w) = Σ v_j |w_j|`` if the penalty is a (weighted) lasso, else None."""
    if isinstance(penalty, L1) or (isinstance(penalty, Lp) and penalty.p == 1):
        return penalty.weights_for(n_features)
    if isinstance(penalty, ElasticNet) and penalty.l1_ratio == 1:
        return penalty.weights_for(n_features)
    return None


class RidgePath(RegularizationPath):
    r"""The exact ridge path ``w(λ) = argmin ||y - Xw||² + λ Σ q_j w_j²`` from one SVD.

    With ``Z = X_P diag(q)^{-1/2}`` (unpenalized columns profiled out) and ``Z = U S V^T``,
    ``w(λ) = diag(q)^{-1/2} V diag(s / (s² + λ)) U^T y`` and
    ``R(λ)² = Σ_i (s_i c_i / (s_i² + λ))²`` with ``c = U^T y``: strictly decreasing, inverted to
    machine precision. Singular values below ``max(n, p) · eps · s_max`` count as zero (as in
    :func:`numpy.linalg.lstsq`), so λ = 0 gives the minimum-norm least-squares solution.
    """

    exact = True

    def __init__(self, design: Design, penalty: Penalty, lams=None, *, n_lams: int = 100):
        q = _quadratic_weights(penalty, design.n_features)
        if q is None:
            raise ReglabInputError("penalty", "must be a ridge penalty for RidgePath", penalty)
        self._profiled = _Profiled(design.X, design.y, q > 0)
        self._root_q = np.sqrt(q[q > 0])
        Z = self._profiled.X / self._root_q
        U, singular, Vt = np.linalg.svd(Z, full_matrices=False)
        keep = singular > (singular[0] if singular.size else 0.0) * max(Z.shape) * _EPS
        self._s, self._V = singular[keep], Vt[keep].T
        self._c = U[:, keep].T @ self._profiled.y
        self._n_free = int(np.count_nonzero(q == 0))
        if lams is None:
            top = float(self._s[0] ** 2) if self._s.size else 1.0
            lams = np.geomspace(1e3 * top, 1e-8 * top, n_lams)
        super().__init__(design, penalty, lams)

    def coefs_std_at(self, lams) -> np.ndarray:
        """Exact solutions at many λ at once: shape ``(len(lams), n_features)``."""
        lams = np.atleast_1d(np.asarray(lams, dtype=float))
        factors = self._s / (self._s**2 + lams[:, None])  # (k, r)
        w_tilde = (factors * self._c) @ self._V.T
        return self._profiled.full(w_tilde / self._root_q)

    def coef_std_at(self, lam):
        return self.coefs_std_at([lam])[0], ""

    @cached_property
    def coefs_std(self):
        return self.coefs_std_at(self.lams)

    def R_at(self, lam):
        # P(w) = Σ q_j w_j² = ||w_tilde||² = ||s c / (s² + λ)||² since V has orthonormal columns.
        value = float(np.sum((self._s * self._c / (self._s**2 + lam)) ** 2))
        return self.penalty.radius_of_level(value)

    @property
    def R_max(self):
        return self.R_at(0.0)

    def df_at(self, lam):
        return float(self._n_free + np.sum(self._s**2 / (self._s**2 + lam)))

    def lam_at_R(self, R):
        R = check_nonnegative("R", R)
        if R >= self.R_max:
            return 0.0
        if R == 0:
            return math.inf
        # log R(e^t) is smooth and strictly decreasing in t: bracket, then Brent to full
        # precision.
        def gap(t):
            return math.log(self.R_at(math.exp(t))) - math.log(R)

        return math.exp(self._bracket_root(gap))

    def lam_at_df(self, df):
        df = check_nonnegative("df", df)
        top = self.df_at(0.0)
        if df > top * (1 + 1e-12):
            raise ReglabInputError("df", f"must be <= the least-squares df {top:g}", df)
        if df >= top:
            return 0.0
        if df <= self._n_free:
            return math.inf
        return math.exp(self._bracket_root(lambda t: self.df_at(math.exp(t)) - df))

    def _bracket_root(self, f) -> float:
        """Root in t of a decreasing function of t = log λ."""
        center = 2.0 * math.log(self._s[0]) if self._s.size else 0.0
        low, high = center - 10.0, center + 10.0
        while f(low) < 0:
            low -= 20.0
        while f(high) > 0:
            high += 20.0
        # imported here: scipy.optimize takes about a second to import (at every start of
        # the lab), and only the ridge path's inverses (λ for a given R or df) need it
        from scipy.optimize import brentq

        return brentq(f, low, high, xtol=1e-15, rtol=4 * _EPS, maxiter=500)


# --------------------------------------------------------------------------------------------
# Lasso: the exact homotopy
# --------------------------------------------------------------------------------------------
class LassoPath(RegularizationPath):
    r"""The exact lasso path ``w(λ) = argmin ||y - Xw||² + λ Σ v_j |w_j|`` (homotopy).

    :func:`reglab.homotopy.lasso_homotopy` steps from breakpoint to breakpoint (LARS with the
    lasso modification, active sets factorized by QR so that raw-monomial designs stay exact);
    penalty factors ``v_j > 0`` become the column scaling ``X_j / v_j`` and zero factors are
    profiled out. Between breakpoints the solution and ``R(λ) = Σ v_j |w_j(λ)|`` are linear in
    λ (the signs are fixed there), so both are interpolated exactly and ``R ↦ λ`` is exact too.
    Where the homotopy had to skip a numerically degenerate variable or stopped early, its
    message is in :attr:`warnings` and the certificates say how far from optimal that is.

    ``gram`` is ``X_c^T X_c`` of the centered data before standardization (``design.X`` times
    ``design.x_scale``), precomputed: cross-validation derives every fold's from all the
    data's. It is used when the homotopy works from the Gram matrix (:meth:`uses_gram`); the
    path then keeps it as :attr:`gram` (computed here when not given), so that
    :func:`reglab.selection.cross_validate` can reuse it.
    """

    exact = True

    def __init__(
        self, design: Design, penalty: Penalty, lams=None, *, n_lams: int = 100,
        ratio: float | None = None, full_path: bool = True, gram=None,
    ):
        v = _l1_weights(penalty, design.n_features)
        if v is None:
            raise ReglabInputError("penalty", "must be a lasso penalty for LassoPath", penalty)
        self._profiled = _Profiled(design.X, design.y, v > 0)
        self._v = v[v > 0]
        if gram is not None:
            gram = self.check_gram(gram, penalty, design.n_features)
        self._gram = None  # the Gram matrix of the scaled columns X_j / v_j the homotopy sees
        if self.uses_gram(penalty, design.n_features):  # (then every v_j > 0)
            self._gram_scale = design.x_scale * self._v  # ... whose scales these are
            if gram is None:  # from design.X, already standardized
                gram, scale = design.X.T @ design.X, self._v
            else:  # the given one is of the columns before standardization
                scale = self._gram_scale
            self._gram = gram / np.outer(scale, scale) if np.any(scale != 1.0) else gram
        n = design.n_samples
        self.breakpoint_warnings: list[str] = []
        stop = 0.0 if full_path or lams is None else float(np.min(lams))
        self._run_homotopy(stop)
        if lams is None:
            top = float(self.breakpoints[0]) if self.breakpoints[0] > 0 else 1.0
            if ratio is None:
                ratio = 1e-4 if n > design.n_features else 1e-2
            lams = lambda_grid(top, n_lams, ratio)
        super().__init__(design, penalty, lams)
        self.warnings.extend(self.breakpoint_warnings)

    def _run_homotopy(self, lam_min: float) -> None:
        """Compute the breakpoints down to ``lam_min`` (0: the whole path)."""
        Z, y = self._profiled.X, self._profiled.y
        if Z.shape[1] and np.any(y):
            if self._gram is not None:  # (from the products alone: X was checked already)
                homotopy = gram_homotopy(self._gram, (Z.T @ y) / self._v, Z.shape[0],
                                         lam_min=lam_min)
            else:  # the columns Z_j / v_j (no copy of X for plain L1)
                homotopy = lasso_homotopy(Z / self._v if np.any(self._v != 1.0) else Z, y,
                                          lam_min=lam_min)
            if homotopy.message:
                self.breakpoint_warnings.append(homotopy.message)
            breakpoints, w_pen = homotopy.lams, homotopy.coefs / self._v
        else:
            breakpoints, w_pen = np.array([0.0]), np.zeros((1, Z.shape[1]))
        self.breakpoints = breakpoints
        self.breakpoint_coefs = self._profiled.full(w_pen)
        self._requested_lam_min = lam_min
        self.__dict__.pop("_breakpoint_R", None)

    @property
    def gram(self) -> np.ndarray | None:
        """``X_c^T X_c`` (centered if an intercept is fitted, not standardized) or None.

        None when the homotopy works from ``X`` itself (see :meth:`uses_gram`). Pass it to
        :func:`reglab.selection.cross_validate` (its ``gram``) to spare the folds the product.
        """
        if self._gram is None or not np.any(self._gram_scale != 1.0):
            return self._gram  # (the one given, or computed from X: X_c = design.X)
        return self._gram * np.outer(self._gram_scale, self._gram_scale)

    @staticmethod
    def check_gram(gram, penalty: Penalty, n_features: int) -> np.ndarray:
        """Return ``gram`` as an array if it can be this path's Gram matrix, else raise.

        Raises
        ------
        ReglabInputError
            Not a finite ``n_features x n_features`` array, or ``penalty`` not a lasso.
        """
        gram = check_finite_array("gram", gram, ndim=2)
        if gram.shape != (n_features, n_features):
            raise ReglabInputError("gram", f"must have shape ({n_features}, {n_features})",
                                   gram.shape)
        if not LassoPath.follows(penalty, n_features):
            raise ReglabInputError("gram", "is only used by lasso penalties", penalty)
        return gram

    @staticmethod
    def follows(penalty: Penalty, n_features: int) -> bool:
        """Whether ``penalty`` is a lasso (``Σ v_j |w_j|``, weights ``v_j >= 0``): this path's."""
        return _l1_weights(penalty, n_features) is not None

    @staticmethod
    def uses_gram(penalty: Penalty, n_features: int) -> bool:
        """Whether the homotopy works from ``X^T X`` (every feature penalized, and many).

        Then a precomputed ``gram`` saves the ``n p^2`` product.
        """
        v = _l1_weights(penalty, n_features)
        return v is not None and bool(np.all(v > 0)) and gram_based(n_features)

    @property
    def complete(self) -> bool:
        """Whether the homotopy was followed to λ = 0 (``full_path=False`` stops earlier)."""
        return self._requested_lam_min == 0

    def _complete(self) -> None:
        if not self.complete:
            self._run_homotopy(0.0)

    def coefs_std_at(self, lams) -> np.ndarray:
        """Exact solutions at many λ: linear interpolation between breakpoints."""
        lams = np.atleast_1d(np.asarray(lams, dtype=float))
        if lams.size and lams.min() < self.breakpoints[-1]:
            self._complete()
        return piecewise_linear(self.breakpoints, self.breakpoint_coefs, lams)

    def coef_std_at(self, lam):
        return self.coefs_std_at([lam])[0], ""

    @cached_property
    def coefs_std(self):
        return self.coefs_std_at(self.lams)

    @cached_property
    def _breakpoint_R(self) -> np.ndarray:
        return np.array([self.penalty.radius(w) for w in self.breakpoint_coefs])

    def R_at(self, lam):
        if lam < self.breakpoints[-1]:
            self._complete()
        return float(np.interp(lam, self.breakpoints[::-1], self._breakpoint_R[::-1]))

    @property
    def R_max(self):
        self._complete()
        return float(self._breakpoint_R[-1])

    @property
    def lam_max(self):
        return float(self.breakpoints[0])

    def lam_at_R(self, R):
        R = check_nonnegative("R", R)
        self._complete()
        if R >= self.R_max:
            return 0.0
        # R(λ) is linear and decreasing between breakpoints: invert segment by segment.
        return float(np.interp(R, self._breakpoint_R, self.breakpoints))

    def df_at(self, lam):
        # df of the lasso = number of non-zero coefficients (Zou, Hastie & Tibshirani 2007).
        return float(np.count_nonzero(self.coef_std_at(lam)[0]))

    @property
    def events(self) -> list[Event]:
        """Exact events at the breakpoints: a variable enters when it leaves zero below λ_k."""
        names = self.design.feature_names
        coefs = self.breakpoint_coefs
        # The support on the open segment (λ_{k+1}, λ_k) is that of its midpoint.
        segments = (coefs[:-1] + coefs[1:]) != 0
        events: list[Event] = []
        above = np.zeros(coefs.shape[1], dtype=bool)
        for k, below in enumerate(segments):
            lam = float(self.breakpoints[k])
            for j in np.flatnonzero(below & ~above):
                events.append(Event(lam, names[j], "enter"))
            for j in np.flatnonzero(above & ~below):
                events.append(Event(lam, names[j], "leave"))
            above = below
        return events


# --------------------------------------------------------------------------------------------
# Everything else: warm-started solves on a grid
# --------------------------------------------------------------------------------------------
class GridPath(RegularizationPath):
    """Warm-started solutions on a λ grid (elastic net, weighted, Lp, generalized lasso).

    Each grid solution carries the solver's certificate (a duality gap for convex penalties, a
    stationarity residual for ``Lp`` with ``p < 1``, where only a local minimum is found by
    continuation from large λ). Solutions off the grid are solved on demand, warm-started from
    the grid point just above, so they continue the same branch.
    """

    def __init__(self, design: Design, penalty: Penalty, lams=None, *, n_lams: int = 100,
                 ratio: float | None = None, tol: float = 1e-10):
        self.tol = tol
        # The generalized lasso works from X itself (banded when X = I): no Gram matrix.
        self._gram = None if isinstance(penalty, DifferenceL1) else design.X.T @ design.X
        if lams is None:
            top, bottom = self._default_range(design, penalty)
            if ratio is not None:
                bottom = ratio * top
            lams = lambda_grid(top, n_lams, bottom / top)
        super().__init__(design, penalty, lams)
        self._results = solve_path(design.X, design.y, penalty, self.lams, tol=tol,
                                   gram=self._gram)
        self._cache: dict[float, object] = {}

    @staticmethod
    def _default_range(design: Design, penalty: Penalty) -> tuple[float, float]:
        """Return the default grid's largest and smallest λ: from (nearly) w = 0 to (nearly) OLS.

        Where ``λ_max`` is finite (elastic net, ``Lp(∞)``, generalized lasso; unpenalized
        columns profiled out first: their gradient does not enter it), from ``λ_max`` down to
        ``1e-4 λ_max`` (``1e-2`` when p >= n). ``Lp`` with p ≠ 1, ∞ has no ``λ_max``: its λ is
        put on ridge's scale. Where the penalty's slope along a coordinate at the least-squares
        size ``W = max |w_j|`` is ``σ = p W^(p-1)``, the λ with the pull ``λ σ`` of ridge's
        ``2 λ_r W`` is ``λ = 2 W λ_r / σ``; the grid runs from that of ``λ_r = 10 s_max²``
        (ridge shrinks the strongest direction by 10 / 11, the others more) down to that of
        ``λ_r = s_min² / 100`` (within 1 % of least squares in every direction), ``s`` the
        nonzero singular values of the penalized columns, at most 8 decades (as the lab's lasso
        stops: the solvers slow down near λ = 0 on ill-conditioned designs). For p < 1 the
        bottom's size is the smallest least-squares coefficient (of those not ~0), whose slope
        is then the steepest.
        """
        X, y = design.X, design.y
        n, p = X.shape
        if isinstance(penalty, DifferenceL1):
            top = _difference_lam_max(design, penalty)
        else:
            top = penalty.lam_max(RegularizationPath._profiled_gradient(design, penalty, X.T @ y))
        near_zero = 1e-4 if n > p else 1e-2
        if math.isfinite(top) and top > 0:
            # (nearer λ = 0 the warm-started solvers slow down and, on ill-conditioned designs
            # such as high-degree monomials, stop certifying)
            return float(top), float(top) * near_zero
        if not isinstance(penalty, Lp) or penalty.is_max_norm:  # (no λ_max, no scale: a unit grid)
            return 1.0, near_zero
        # P = sum v_j |w_j|^p is the plain one of u_j = v_j^(1/p) w_j: columns X_j / v_j^(1/p)
        v = penalty.weights_for(p)
        profiled = _Profiled(X, y, v > 0)
        Z = profiled.X / v[v > 0] ** (1.0 / penalty.p)
        singular = np.linalg.svd(Z, compute_uv=False)
        singular = singular[singular > (singular[0] if singular.size else 0.0)
                            * max(Z.shape) * _EPS]
        sizes = np.abs(np.linalg.lstsq(Z, profiled.y, rcond=None)[0])
        W = float(np.max(sizes, initial=0.0))
        if not singular.size or W == 0.0:  # nothing to fit: any grid shows w = 0
            return 1.0, near_zero
        # For p < 1 the slope grows as |w| falls: near least squares the smallest coefficient
        # (of those not ~0) sets the pull, so the bottom is put on its scale.
        W_low = float(np.min(sizes[sizes > 1e-3 * W])) if penalty.p < 1 else W

        def to_lam(size: float) -> float:  # 2 W / σ at the size W
            return 2.0 * size ** (2.0 - penalty.p) / penalty.p

        top = to_lam(W) * 10.0 * singular[0] ** 2
        bottom = to_lam(W_low) * singular[-1] ** 2 / 100.0
        return float(top), float(max(bottom, top * 1e-8))

    @cached_property
    def coefs_std(self):
        return np.array([result.w for result in self._results])

    @cached_property
    def certificates(self):
        return [result.certificate for result in self._results]

    def _solve(self, lam: float):
        if lam in self._cache:
            return self._cache[lam]
        # Warm start from the nearest grid point at or above λ (the branch continued so far).
        above = np.flatnonzero(self.lams >= lam)
        start = self._results[above[-1]].w if above.size else None
        exact_hit = above.size and self.lams[above[-1]] == lam
        result = self._results[above[-1]] if exact_hit else solve(
            self.design.X, self.design.y, self.penalty, lam, w0=start, tol=self.tol,
            gram=self._gram,
        )
        self._cache[lam] = result
        return result

    def coef_std_at(self, lam):
        if lam == 0:
            w = np.linalg.lstsq(self.design.X, self.design.y, rcond=None)[0]
            return w, "λ = 0: minimum-norm least squares"
        if math.isinf(lam):  # R = 0: the penalized coefficients are 0, the rest least squares
            penalized = self.penalty.weights_for(self.design.n_features) > 0
            profiled = _Profiled(self.design.X, self.design.y, penalized)
            return profiled.full(np.zeros(int(penalized.sum())))[0], "λ = ∞: R = 0"
        result = self._solve(lam)
        return result.w, result.message

    def certificate(self, lam, w):
        if lam == 0 or math.isinf(lam):
            return super().certificate(lam, w)
        result = self._solve(lam)
        if np.array_equal(result.w, w):
            return result.certificate
        return super().certificate(lam, w)

    @cached_property
    def R_max(self):
        w = self.coef_std_at(0.0)[0]
        return float(self.penalty.radius(w))

    @property
    def lam_max(self):
        if isinstance(self.penalty, DifferenceL1):
            return _difference_lam_max(self.design, self.penalty)
        return super().lam_max

    def lam_at_df(self, df):
        df = check_nonnegative("df", df)
        if not math.isfinite(self.lam_max) and df <= self.df_at(math.inf):
            return math.inf  # a floor (the unpenalized columns) reached only as λ -> ∞
        return super().lam_at_df(df)

    def df_at(self, lam):
        w = self.coef_std_at(lam)[0]
        if math.isinf(lam):  # the unpenalized columns' least squares alone
            free = self.penalty.weights_for(w.size) == 0
            return float(np.linalg.matrix_rank(self.design.X[:, free])) if free.any() else 0.0
        return _local_df(self.design.X, self.penalty, lam, w)


def _difference_lam_max(design: Design, penalty: DifferenceL1) -> float:
    """Smallest λ at which ``D w = 0``: the fit lies in the null space of D.

    At that point ``2 X^T (y - X w_0) = λ D^T u`` with ``||u||_inf <= 1``; solve for ``u``.
    """
    X, y = design.X, design.y
    D = penalty.matrix(design.n_features)
    null = np.linalg.svd(D)[2][D.shape[0]:].T  # basis of null(D): polynomials of low degree
    coef = np.linalg.lstsq(X @ null, y, rcond=None)[0]
    gradient = 2.0 * (X.T @ (y - X @ null @ coef))
    u = np.linalg.lstsq(D.T, gradient, rcond=None)[0]
    return float(np.max(np.abs(u), initial=0.0))


def _local_df(X: np.ndarray, penalty: Penalty, lam: float, w: np.ndarray) -> float:
    """Degrees of freedom as the trace of the local linear smoother at ``w``.

    On the support A, ``ŷ = X_A (X_A^T X_A + λ/2 ∇²P_A)^{-1} X_A^T y`` to first order
    (Zou & Hastie 2005 for the elastic net; the lasso gives |A| when X_A has full rank). For the
    generalized lasso it is the dimension of the null space of the rows of D with (Dw)_i = 0
    (Tibshirani & Taylor 2012); for ``Lp`` with ``p < 1`` the number of non-zeros.
    """
    if isinstance(penalty, DifferenceL1):
        D = penalty.matrix(w.size)
        Dw = D @ w
        fused = np.abs(Dw) <= 1e-9 * max(1.0, float(np.abs(Dw).max(initial=0.0)))
        rank = np.linalg.matrix_rank(D[fused]) if fused.any() else 0
        return float(w.size - rank)
    support = w != 0
    if isinstance(penalty, Lp) and penalty.p < 1:
        return float(np.count_nonzero(support))
    if isinstance(penalty, Lp) and penalty.is_max_norm:
        # The coefficients tied at the max level move together (one direction), the others
        # freely: df = #(untied non-zeros) + 1 for the tied group.
        v = penalty.weights_for(w.size)
        level = v * np.abs(w)
        top = float(level.max(initial=0.0))
        tied = (v > 0) & support & (level >= top * (1 - 1e-9)) & (top > 0)
        return float(np.count_nonzero(support & ~tied) + (1 if tied.any() else 0))
    XA = X[:, support]
    v = penalty.weights_for(w.size)[support]
    wA = np.abs(w[support])
    # curvature: half of ∇²P on the support (the smoother above has λ/2 ∇²P_A)
    if isinstance(penalty, ElasticNet):
        curvature = 0.5 * (1 - penalty.l1_ratio) * v
    elif isinstance(penalty, Lp) and not penalty.is_max_norm:
        curvature = 0.5 * v * penalty.p * (penalty.p - 1) * wA ** (penalty.p - 2)
    elif isinstance(penalty, L2):
        curvature = v
    else:
        curvature = np.zeros(wA.size)
    with np.errstate(over="ignore"):
        pull = lam * curvature
    if not np.all(np.isfinite(pull)):  # (λ far out, w tiny) those coefficients are pinned
        finite = np.isfinite(pull)
        XA, pull = XA[:, finite], pull[finite]
    A = XA.T @ XA + np.diag(pull)
    try:
        smoother = np.linalg.solve(A, XA.T @ XA)
    except np.linalg.LinAlgError:
        smoother = np.linalg.pinv(A) @ (XA.T @ XA)
    return float(np.trace(smoother))


# --------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------
def fit_path(
    X,
    y,
    penalty: Penalty,
    *,
    standardize: bool = False,
    fit_intercept: bool = True,
    feature_names=None,
    lams=None,
    n_lams: int = 100,
    tol: float = 1e-10,
    full_path: bool = True,
    gram=None,
) -> RegularizationPath:
    r"""Compute the regularization path of ``||y - b - Xw||² + λ P(w)`` over λ.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    penalty : Penalty
        Ridge-type penalties get the exact SVD path, lasso-type the exact homotopy, the rest
        warm-started solves with certificates.
    standardize : bool, default False
        Penalize coefficients of unit-variance features (``ddof=0``); results are reported on
        both scales.
    fit_intercept : bool, default True
        Fit an unpenalized intercept (by centering).
    feature_names : sequence of str, optional
    lams : array-like, optional
        The grid for plots and CV. Default: ``n_lams`` values, log-spaced, from ``lam_max``
        (where the penalty has none, a λ that shrinks the fit to about 1 %) down to near
        least squares.
    n_lams : int, default 100
    tol : float, default 1e-10
        Relative duality gap / KKT tolerance for warm-started solvers.
    full_path : bool, default True
        For the lasso: follow the homotopy down to λ = 0. ``False`` stops at the smallest λ of
        ``lams`` (all that cross-validation needs); the rest is computed if it is asked for.
    gram : array-like of shape (n_features, n_features), optional
        For the lasso: ``X^T X`` of X centered (when ``fit_intercept``) but not standardized,
        precomputed; see :class:`LassoPath`. Other penalties reject it.

    Returns
    -------
    RegularizationPath
        A :class:`RidgePath`, :class:`LassoPath` or :class:`GridPath`.
    """
    if not isinstance(penalty, Penalty):
        raise ReglabInputError("penalty", "must be a reglab Penalty", penalty)
    design = Design.prepare(X, y, standardize=standardize, fit_intercept=fit_intercept,
                            feature_names=feature_names)
    if lams is not None:
        lams = check_lams(lams)
    if isinstance(penalty, DifferenceL1) and fit_intercept and design.n_features > 1:
        # Rows of X summing to one constant (X = I: a series to trend-filter) put the constant
        # in X's span; centering for the intercept then leaves X one rank short.
        row_sums = np.asarray(X, dtype=float).sum(axis=1)
        if np.ptp(row_sums) <= 1e-12 * max(1.0, float(np.abs(row_sums).max())):
            raise ReglabInputError(
                "fit_intercept", "must be False when the rows of X sum to one constant "
                "(X = I: the level is already a column combination, and D leaves it free)",
                True)
    lasso = LassoPath.follows(penalty, design.n_features)
    if gram is not None and not lasso:
        raise ReglabInputError("gram", "is only used by lasso penalties", penalty)
    if _quadratic_weights(penalty, design.n_features) is not None:
        return RidgePath(design, penalty, lams, n_lams=n_lams)
    if lasso:
        return LassoPath(design, penalty, lams, n_lams=n_lams, full_path=full_path, gram=gram)
    return GridPath(design, penalty, lams, n_lams=n_lams, tol=tol)
