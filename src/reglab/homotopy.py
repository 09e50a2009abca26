r"""The exact lasso path by homotopy: LARS with the lasso modification.

For centered data ``X, y`` (the intercept already profiled out) the lasso solution

.. math::

    w(\lambda) = \arg\min_w \|y - Xw\|_2^2 + \lambda \|w\|_1

is piecewise linear in λ (Osborne, Presnell & Turlach 2000; Efron, Hastie, Johnstone &
Tibshirani 2004). Write ``μ = λ / 2`` and ``c = X^T (y - X w)``; the KKT conditions are

.. math::

    c_j = \mu \,\mathrm{sign}(w_j) \ (w_j \ne 0), \qquad |c_j| \le \mu \ (w_j = 0).

On a stretch of the path where the active set ``A`` and its signs ``s_A`` stay fixed,
``G_AA w_A(μ) = X_A^T y - μ s_A`` with ``G = X^T X``: so ``w_A(μ - t) = w_A(μ) + t d`` with
``G_AA d = s_A``, and every correlation moves linearly, ``c(μ - t) = c(μ) - t a`` with
``a = G_{:A} d`` (the active ones as ``s_A (μ - t)``). The stretch ends at the first event:

* an inactive ``j`` joins when ``|c_j - t a_j| = μ - t``, i.e. at
  ``t = (μ - c_j) / (1 - a_j)`` or ``t = (μ + c_j) / (1 + a_j)`` (the positive one);
* an active ``j`` leaves when ``w_j + t d_j = 0`` (the lasso modification of LARS).

:func:`lasso_homotopy` steps from event to event, from ``λ_0 = 2 max|X^T y|`` (where ``w = 0``)
down to 0 or to a requested ``lam_min``. Every segment starts from a fresh solve of the
active-set system and fresh correlations (nothing is accumulated from step to step, so nothing
drifts), and the KKT residual of every breakpoint solution returned is evaluated and reported.

Two factorizations of the active columns share the stepping (each a small class below):

* ``"qr"`` keeps a thin QR factorization ``X_A = Q R`` (columns appended by classical
  Gram-Schmidt with re-orthogonalization, removed by Givens rotations). It never forms
  ``X^T X``, so it follows the path while ``cond(X_A)`` is as large as ``1/sqrt(eps)`` (~7e7),
  and it gets the correlations from ``X^T y - X^T Q (Q^T y - μ R^{-T} s_A)`` without the
  cancellation of huge coefficients. This is the default for ``p <= 256``: the lab's
  polynomial designs (raw monomials on [0, 1] have condition numbers ~1e17) need it.
* ``"cholesky"`` works from ``G = X^T X`` and ``X^T y`` only (computed once, or passed in), with
  a Cholesky factor of ``G_AA`` grown by one triangular solve per join and downdated by Givens
  rotations per drop, so a step costs ``O(k^2 + k p)`` for ``k`` active features. It squares the
  condition number (active sets stay below ``cond(X_A)`` = 1e6) and is meant for large,
  reasonably conditioned designs (``p`` in the thousands).

Degenerate cases, and what happens (nothing here warns: the caller gets the information):

* Ties. Events closer than a tolerance happen at one breakpoint. When several features reach
  the boundary at once (exact ties, as integer data make them), adding them one at a time can
  give an inconsistent direction; the features tied at the breakpoint are then chosen by
  enumeration so that each joined one moves off zero with its sign and each other one stays
  inside the boundary (the complementarity conditions of the path).
* A joining feature numerically in the span of the active columns (the factorization would be
  singular to working precision) is skipped, like LARS's "degenerate regressors", reported in
  :attr:`HomotopyPath.message`, and may join after a drop changes the span.
* ``p >= n``: once the active columns span y, no feature can join before λ = 0; the path ends
  with the interpolating least-squares solution on the active set.
* Breakdown: if a fresh solve on the active set gives a coefficient the wrong sign (not by
  rounding), the event times before were noise; the path stops at the previous breakpoint and
  the message says where and why. On raw monomials of degree 30 this happens, if at all, below
  ~1e-8 λ_max.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache
from numbers import Integral

import numpy as np
from scipy.linalg import blas, lapack, qr_delete
from threadpoolctl import ThreadpoolController

from reglab._validation import ReglabInputError, check_finite_array, check_nonnegative

__all__ = ["HomotopyPath", "lasso_homotopy"]

_TIE = 1e-12
_TIE_FLOOR = 16 * np.finfo(float).eps
"""Events whose step lengths differ by less than ``max(_TIE μ, _TIE_FLOOR μ_0)`` happen at the
same breakpoint (μ the current λ/2, μ_0 = max|X^T y|).

Step lengths come from correlations computed to a few ulps of μ_0: the floor merges exact ties
(several features joining at once, a drop together with a join, as integer data make them)
instead of producing zero-length segments; the relative part is far below any genuine gap.
"""

_QR_MAX_COND = 1.0 / np.sqrt(np.finfo(float).eps)
"""A join is skipped as degenerate when it would make ``cond_1(R) = cond_1(X_A)`` exceed this.

The direction ``d = G_AA^{-1} s_A`` involves ``cond(X_A)^2``: past ``1/sqrt(eps)`` (~7e7) it
has no correct digit, the event times computed from it are noise, and the path breaks down
(measured on raw monomials of degree 30: allowing 1e10 lets KKT residuals reach ~1e-1)."""

_CHOLESKY_MAX_COND = 1e6
"""The same for the Cholesky factor of the Gram matrix, itself computed with a relative error
~``eps cond(G_AA) = eps cond(X_A)^2``: keep that below ~1e-4."""

_DEGENERATE_PIVOT = 1e-12
"""Cheap first test: a new pivot below this fraction of the column's norm (QR) or ``G_jj``
(Cholesky, squared) is degenerate whatever the rest of ``R``; it also keeps ``sqrt`` real."""

_RATE_TOL = 1e-9
"""Slack in ``s a_j >= 1`` (a feature on the boundary stays inside): rates are computed to ~eps
``cond(X_A)``."""

_RESOLVE_COND = 1e4
"""Ties are resolved by enumeration only while ``cond(X_A)`` is below this: beyond, the signs
of ``d`` and ``s a - 1`` that decide it are not reliable, and joins whose direction comes out
inconsistent are simply undone (the feature stays out)."""

_ROUNDING = 1e-13
"""Relative size below which a coefficient at its own join or drop is rounding (set to 0)."""

_WRONG_SIGN = 1e-6
"""An active coefficient of the wrong sign beyond this fraction of the largest one is not
rounding: the path is numerically degenerate there and stops."""

_MAX_TIE = 12
"""Ties of more features than this are not resolved by enumeration (``2^k`` solves)."""

_STEP_COND = 1e3
"""Below this ``cond(X_A)`` the Cholesky variant steps to a breakpoint (``w + t d``) instead of
solving there afresh: the two agree to ~1e-13, and the solve costs ``O(k^2)``."""

_QR_MAX_FEATURES = 256
"""``factorization="auto"`` uses QR up to this many features and the Gram/Cholesky one above."""


class _Breakdown(Exception):
    """The active set has become numerically degenerate: the path cannot go on soundly."""


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class HomotopyPath:
    r"""The exact lasso path of ``||y - Xw||_2^2 + λ ||w||_1`` at its breakpoints.

    Between consecutive breakpoints the solution is linear in λ, so :meth:`coefs_at`
    interpolates it exactly.

    Attributes
    ----------
    lams : ndarray of shape (K + 1,)
        Decreasing breakpoints; ``lams[0] = 2 max|X^T y|`` (where ``w = 0``), ``lams[-1]`` is 0
        or the requested ``lam_min`` (or where the path stopped early, see ``message``).
    coefs : ndarray of shape (K + 1, n_features)
        The solutions at the breakpoints.
    events : list of (int, int, str)
        ``(k, j, "enter" | "leave")``: feature ``j`` is non-zero just below ``lams[k]`` and
        zero just above it ("enter"), or the reverse ("leave").
    kkt_residuals : ndarray of shape (K + 1,)
        ``max_j dist(2 c_j, λ_k ∂|w_j|) / max_j |2 X_j^T y|`` with ``c = X^T (y - X w)``
        evaluated in floating point from the returned ``coefs[k]`` (0 when ``X^T y = 0``).
    n_steps : int
        Segments solved (steps taken), including those whose only event was a skipped join.
    message : str
        ``""``, or why the path is not the complete exact path: skipped degenerate joins,
        ``max_steps`` reached, a stalled step.
    """

    lams: np.ndarray
    coefs: np.ndarray
    events: list[tuple[int, int, str]]
    kkt_residuals: np.ndarray
    n_steps: int
    message: str

    @property
    def lam_max(self) -> float:
        """The smallest λ with ``w(λ) = 0``."""
        return float(self.lams[0])

    def coefs_at(self, lams) -> np.ndarray:
        """Exact solutions at any λ in ``[lams[-1], inf)``: shape ``(len(lams), n_features)``.

        Above ``lam_max`` the solution is 0; between breakpoints it is linear in λ.
        """
        lams = np.atleast_1d(np.asarray(lams, dtype=float))
        if lams.ndim != 1 or not np.all(lams >= self.lams[-1]):
            raise ReglabInputError(
                "lams", f"must be >= the last breakpoint {self.lams[-1]:.6g}", lams
            )
        if self.lams.size == 1:
            return np.repeat(self.coefs, lams.size, axis=0)
        knots = self.lams[::-1]  # increasing
        rows = self.coefs[::-1]
        # Segment i joins knots[i] and knots[i + 1]; above lam_max the last (zero) row holds.
        i = np.clip(np.searchsorted(knots, lams, side="right") - 1, 0, knots.size - 2)
        theta = np.clip((lams - knots[i]) / (knots[i + 1] - knots[i]), 0.0, 1.0)[:, None]
        return (1.0 - theta) * rows[i] + theta * rows[i + 1]


# --------------------------------------------------------------------------------------------
# Factorizations of the active set
# --------------------------------------------------------------------------------------------
class _ActiveSet:
    """The active features (in the order they joined), their signs and a triangular factor.

    Both factorizations keep an upper-triangular ``R`` with ``R^T R = G_AA`` and the two
    columns ``Z = [r, z]`` with ``R^T z = s_A`` and ``r = R^{-T} X_A^T y`` (which is ``Q^T y``
    when ``X_A = QR``), so that

        ``R w_A(μ) = r - μ z``    and    ``R d = z``    (``G_AA d = s_A``).

    Subclasses say how a column joins and leaves, and how the rates ``X^T X_A [w_A, d]`` are
    formed from ``B = [r - μ z, z]`` and ``R^{-1} B = [w_A, d]``. The stepping reads ``index``
    (the active features in the factor's order), ``k`` (their number), ``signs`` (length k),
    ``capacity`` and ``cond``; they are plain attributes because they are read at every step.
    """

    resolve_breakpoints: bool

    def __init__(self, Xty: np.ndarray, capacity: int, max_cond: float):
        self.p = Xty.size
        self._Xty2 = np.concatenate((Xty, -Xty))
        self.capacity, self.max_cond = capacity, max_cond
        self.index: list[int] = []
        self.cond = 1.0  # cond_1(R) estimated at the last join: an upper bound after drops
        self._R = np.empty((0, 0), order="F")
        self._Z_buffer = np.empty((capacity, 2))
        self._signs_buffer = np.empty(capacity)
        self._M = np.eye(2)  # [[1, 0], [-μ, 1]]: B = Z M
        self._resize(0)

    def _resize(self, k: int) -> None:
        self.k = k
        self._Z = self._Z_buffer[:k]
        self.signs = self._signs_buffer[:k]

    def _border(self, h: np.ndarray, rho: float) -> np.ndarray | None:
        """``R`` bordered by the column ``(h, rho)``; None if ``cond_1`` would pass ``max_cond``."""
        k = self.k
        R = np.empty((k + 1, k + 1), order="F")
        R[:k, :k] = self._R
        R[k, :k] = 0.0
        R[:k, k] = h
        R[k, k] = rho
        rcond = lapack.dtrcon(R, norm="1", uplo="U", diag="N")[0]
        if not rcond * self.max_cond > 1.0:
            return None
        self.cond = 1.0 / rcond
        return R

    def _commit(self, j: int, sign: float, R: np.ndarray, h: np.ndarray, rho: float,
                r_new: float) -> None:
        k = self.k
        Z = self._Z_buffer
        Z[k, 0] = r_new
        # One more step of forward substitution extends z (R^T z = s_A) without a solve.
        Z[k, 1] = (sign - h @ Z[:k, 1]) / rho
        self._signs_buffer[k] = sign
        self._R = R
        self.index.append(j)
        self._resize(k + 1)

    def _delete(self, position: int) -> None:
        """Forget the feature at ``position`` (the factors are the subclass's business)."""
        k = self.k
        self._signs_buffer[position : k - 1] = self._signs_buffer[position + 1 : k]
        del self.index[position]
        self._resize(k - 1)
        if k == 1:
            self._R = np.empty((0, 0), order="F")

    def _solve(self, mu: float) -> tuple[np.ndarray, np.ndarray]:
        """``B = [r - μ z, z]`` and ``R^{-1} B = [w_A(μ), d]``."""
        self._M[1, 0] = -mu
        B = self._Z @ self._M
        return B, blas.dtrsm(1.0, self._R, B)

    def coef(self, mu: float) -> np.ndarray:
        """``w_A(μ)`` on the current active set."""
        return self._solve(mu)[1][:, 0] if self.k else np.empty(0)

    def segment(self, mu: float):
        """``w_A(μ)``, ``d`` and the stacked correlations and rates ``[c; -c]``, ``[a; -a]``.

        ``c(μ) = X^T (y - X_A w_A)`` and ``a = X^T X_A d``, stacked with their negatives so
        that both boundaries ``c_j = ±(μ - t)`` are handled by the same vector operations.
        """
        if not self.k:
            return np.empty(0), np.empty(0), self._Xty2.copy(), np.zeros(2 * self.p)
        B, Wd = self._solve(mu)
        V = self._rates(B, Wd)
        return Wd[:, 0], Wd[:, 1], self._Xty2 - V[:, 0], V[:, 1]

    def _rates(self, B: np.ndarray, Wd: np.ndarray) -> np.ndarray:
        """``[X^T X_A; -X^T X_A] [w_A, d]``, shape ``(2p, 2)``."""
        raise NotImplementedError


class _QRActiveSet(_ActiveSet):
    """Thin QR ``X_A = Q R`` of the active columns: for small, ill-conditioned designs.

    ``C = [X, -X]^T Q`` is kept too, so the correlations come as ``X^T y - X^T Q (r - μ z)``
    from the orthonormal basis: the huge, cancelling coefficients of an ill-conditioned fit
    never enter. Breakpoint solutions are solved afresh rather than stepped to (``w + t d``):
    with ``cond(X_A)`` up to ~1e7 the direction ``d`` carries errors the fresh solve does not.
    """

    resolve_breakpoints = True

    def __init__(self, X: np.ndarray, y: np.ndarray, Xty: np.ndarray):
        n, p = X.shape
        super().__init__(Xty, min(n, p), _QR_MAX_COND)
        self._X2 = np.asfortranarray(np.concatenate((X, -X), axis=1))
        self._X, self._y = self._X2[:, :p], y
        self._norms = np.linalg.norm(X, axis=0)
        self._Q = np.empty((n, self.capacity), order="F")
        self._C = np.empty((2 * p, self.capacity), order="F")

    def add(self, j: int, sign: float) -> bool:
        """Append column ``j``; False (nothing changed) if it is numerically degenerate."""
        k = self.k
        if k >= self.capacity:
            return False
        x = self._X[:, j]
        if k:
            # Classical Gram-Schmidt twice ("twice is enough": Giraud, Langou & Rozložník
            # 2005): orthogonal to working precision unless x is numerically in span(Q).
            # The first projection Q^T x is row j of C.
            Q = self._Q[:, :k]
            h = self._C[j, :k]
            v = x - Q @ h
            h2 = Q.T @ v
            v -= Q @ h2
            h = h + h2
        else:
            h, v = np.empty(0), x.copy()
        rho = math.sqrt(v @ v)
        if not rho > _DEGENERATE_PIVOT * self._norms[j]:
            return False
        R = self._border(h, rho)
        if R is None:
            return False
        v /= rho
        self._Q[:, k] = v
        self._C[:, k] = self._X2.T @ v
        self._commit(j, sign, R, h, rho, v @ self._y)
        return True

    def remove(self, position: int) -> None:
        """Drop the column at ``position``: Givens rotations of ``Q`` and ``R`` (``qr_delete``).

        ``r = Q^T y``, ``z`` and ``C`` are then formed afresh from the rotated factors.
        """
        k = self.k - 1
        if k:
            Q, R = qr_delete(self._Q[:, : k + 1], self._R, position, which="col",
                             check_finite=False)
        self._delete(position)
        if not k:
            return
        Q = Q[:, :k]
        self._Q[:, :k] = Q
        self._C[:, :k] = self._X2.T @ Q
        self._R = np.asfortranarray(R[:k])
        self._Z[:, 0] = Q.T @ self._y
        self._Z[:, 1] = blas.dtrsv(self._R, self.signs, trans=1)

    def _rates(self, B, Wd):
        return self._C[:, : self.k] @ B  # [X, -X]^T Q [r - μ z, z] = [X, -X]^T X_A [w_A, d]

    def correlations(self, coefs: np.ndarray) -> np.ndarray:
        """``X^T (y - X w)`` for every row ``w`` of ``coefs``."""
        return (self._y[:, None] - self._X @ coefs.T).T @ self._X


class _CholeskyActiveSet(_ActiveSet):
    """Cholesky factor of ``G_AA`` from the Gram matrix: ``O(k^2 + k p)`` per step.

    A join borders ``R`` after one triangular solve ``R^T h = G_Aj``; a drop restores the
    triangle with Givens rotations (``scipy.linalg.qr_delete`` on ``R`` as the R factor of
    itself, ``Q = I``). ``GA`` holds the rows ``G[j, :]`` of the active features, each in a
    slot that stays put while others come and go (``slot[i]`` for the feature at position
    ``i`` of the factor), so a drop moves one row of length p, not all the later ones.
    """

    resolve_breakpoints = False

    def __init__(self, G: np.ndarray, Xty: np.ndarray, n_samples: int):
        p = G.shape[0]
        super().__init__(Xty, min(n_samples, p), _CHOLESKY_MAX_COND)
        self._G, self._Xty = G, Xty
        self._diag = np.diag(G).copy()
        self._GA = np.empty((self.capacity, p))
        self._slot = np.empty(self.capacity, dtype=np.intp)

    def add(self, j: int, sign: float) -> bool:
        """Append column ``j``; False (nothing changed) if it is numerically degenerate."""
        k = self.k
        if k >= self.capacity or not self._diag[j] > 0:
            return False
        if k:
            h = blas.dtrsv(self._R, self._G[j, self.index], trans=1)  # G is symmetric
            rho2 = self._diag[j] - h @ h
        else:
            h, rho2 = np.empty(0), self._diag[j]
        if not rho2 > _DEGENERATE_PIVOT * self._diag[j]:
            return False
        rho = math.sqrt(rho2)
        R = self._border(h, rho)
        if R is None:
            return False
        self._GA[k] = self._G[j]  # slots 0..k-1 are taken, slot k is free
        self._slot[k] = k
        self._commit(j, sign, R, h, rho, (self._Xty[j] - h @ self._Z[:, 0]) / rho)
        return True

    def remove(self, position: int) -> None:
        """Drop the column at ``position``: Givens rotations on ``R``, ``Z`` solved afresh."""
        k = self.k - 1
        slot = self._slot
        free = slot[position]
        if free != k:  # move the row in the last slot into the freed one
            self._GA[free] = self._GA[k]
            slot[(slot[: k + 1] == k).nonzero()[0]] = free
        slot[position:k] = slot[position + 1 : k + 1]
        if k:
            _, R = qr_delete(np.eye(k + 1), self._R, position, which="col", check_finite=False)
        self._delete(position)
        if not k:
            return
        self._R = np.asfortranarray(R[:k])
        rhs = np.column_stack((self._Xty[self.index], self.signs))
        self._Z[:] = blas.dtrsm(1.0, self._R, rhs, trans_a=1)

    def _rates(self, B, Wd):
        k = self.k
        V = np.empty((k, 2))
        V[self._slot[:k]] = Wd
        GW = self._GA[:k].T @ V  # G_{:A} [w_A, d]
        return np.concatenate((GW, -GW))

    def correlations(self, coefs: np.ndarray) -> np.ndarray:
        """``X^T y - G w`` for every row ``w`` of ``coefs`` (only ever-active columns used)."""
        used = np.flatnonzero(np.any(coefs != 0, axis=0))
        return self._Xty - coefs[:, used] @ self._G[used]


# --------------------------------------------------------------------------------------------
# The homotopy
# --------------------------------------------------------------------------------------------
def _check_inputs(X, y, lam_min, gram, Xty, max_steps, factorization):
    X = check_finite_array("X", X, ndim=2)
    y = check_finite_array("y", y, ndim=1)
    n, p = X.shape
    if y.shape[0] != n:
        raise ReglabInputError("y", f"must have {n} entries (one per row of X)", y.shape[0])
    lam_min = check_nonnegative("lam_min", lam_min)
    if Xty is None:
        Xty = X.T @ y
    else:
        Xty = check_finite_array("Xty", Xty, ndim=1)
        if Xty.shape != (p,):
            raise ReglabInputError("Xty", f"must have shape ({p},)", Xty.shape)
    if gram is not None:
        gram = check_finite_array("gram", gram, ndim=2)
        if gram.shape != (p, p):
            raise ReglabInputError("gram", f"must have shape ({p}, {p})", gram.shape)
    if factorization not in ("auto", "qr", "cholesky"):
        raise ReglabInputError("factorization", "must be 'auto', 'qr' or 'cholesky'",
                               factorization)
    if factorization == "qr" and gram is not None:
        raise ReglabInputError("gram", "is only used with factorization='cholesky'", "an array")
    if factorization == "auto":
        factorization = "cholesky" if gram is not None or p > _QR_MAX_FEATURES else "qr"
    if max_steps is None:
        max_steps = 10 * p + 100
    elif isinstance(max_steps, bool) or not isinstance(max_steps, Integral) or max_steps < 1:
        raise ReglabInputError("max_steps", "must be an integer >= 1", max_steps)
    return X, y, lam_min, gram, Xty, int(max_steps), factorization


def lasso_homotopy(
    X,
    y,
    *,
    lam_min: float = 0.0,
    gram=None,
    Xty=None,
    max_steps: int | None = None,
    factorization: str = "auto",
) -> HomotopyPath:
    r"""Compute the exact lasso path of ``||y - Xw||_2^2 + λ ||w||_1`` by homotopy.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The design, centered (the intercept profiled out) and on the scale the penalty acts on.
    y : array-like of shape (n_samples,)
        The centered response.
    lam_min : float, default 0
        Stop at this λ: the last breakpoint is then exactly ``lam_min`` with its (interpolated)
        solution. At 0 the path ends with the least-squares solution on the final active set
        (the minimum-ℓ1 interpolant when ``p >= n``).
    gram : array-like of shape (n_features, n_features), optional
        ``X^T X``, precomputed (cross-validation folds can pass theirs). Selects the Cholesky
        factorization.
    Xty : array-like of shape (n_features,), optional
        ``X^T y``, precomputed.
    max_steps : int, optional
        Cap on the number of steps (default ``10 p + 100``); the message says when it is hit.
    factorization : {"auto", "qr", "cholesky"}, default "auto"
        How the active columns are factorized (see the module docstring): "auto" takes "qr"
        for ``p <= 256`` unless ``gram`` is given, else "cholesky".

    Returns
    -------
    HomotopyPath
        Breakpoints, the solutions there, the events and the KKT residual of each solution.
        ``message`` is empty for a complete, certified path; otherwise it lists skipped
        degenerate joins, or says where and why the path stopped above ``lam_min``.

    Raises
    ------
    ReglabInputError
        For inputs that are not finite, of mismatched shapes, or out of range.

    Notes
    -----
    KKT on the scale used here: ``c = X^T (y - Xw)`` satisfies ``c_j = (λ/2) sign(w_j)`` on the
    support and ``|c_j| <= λ/2`` off it. scikit-learn's ``lars_path`` minimizes
    ``||y - Xw||^2 / (2 n) + α ||w||_1``, so its breakpoints are ``λ = 2 n α``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, 0.0], [0.0, -2.0]])
    >>> y = np.array([3.0, 1.0, -3.0, -1.0])
    >>> path = lasso_homotopy(X, y)
    >>> path.lams  # 2 |X^T y|, sorted: an orthogonal design
    array([12.,  8.,  0.])
    >>> path.coefs[-1]  # least squares
    array([3. , 0.5])
    >>> path.events
    [(0, 0, 'enter'), (1, 1, 'enter')]
    """
    X, y, lam_min, gram, Xty, max_steps, factorization = _check_inputs(
        X, y, lam_min, gram, Xty, max_steps, factorization
    )
    n = X.shape[0]
    if factorization == "qr":
        active: _QRActiveSet | _CholeskyActiveSet = _QRActiveSet(np.asfortranarray(X), y, Xty)
    else:
        active = _CholeskyActiveSet(X.T @ X if gram is None else gram, Xty, n)
    # Each step makes a few dozen small BLAS calls; letting BLAS spread those over threads
    # costs more than it brings (3x slower on 2 busy cores), so the stepping runs on one.
    with _blas_threads().limit(limits=1, user_api="blas"):
        return _Homotopy(active, Xty, lam_min / 2.0, max_steps).run()


@cache
def _blas_threads() -> ThreadpoolController:
    """Return the BLAS thread pools of this process (looked up once: that takes ~1 ms)."""
    return ThreadpoolController()


class _Homotopy:
    """The stepping, generic over the factorization; :meth:`run` returns the path.

    Step lengths are kept in one vector of ``2p + k`` entries: feature ``j`` reaching the upper
    boundary ``c_j = μ - t`` at entry ``j``, the lower one at ``p + j``, and the active feature
    at position ``i`` reaching 0 at ``2p + i``. ``closed`` (length ``2p``) is ``inf`` for the
    features that cannot join now (active ones, and those skipped as degenerate until the next
    drop changes the span), 0 for the others; it is added to the join entries. ``fresh`` holds
    the features whose state changed at the current breakpoint: for them a zero-length event
    (a feature that just left "joining" again) is rounding, not an event, and is ignored.
    """

    def __init__(self, active, Xty: np.ndarray, mu_stop: float, max_steps: int):
        self.active, self.Xty, self.p = active, Xty, Xty.size
        self.mu0 = float(np.max(np.abs(Xty), initial=0.0))
        self.mu_stop, self.max_steps = mu_stop, max_steps
        self.tie = _TIE * self.mu0  # event tolerance; _next_event updates it to the current μ
        self.closed = np.zeros(2 * self.p)
        self.excluded: list[int] = []
        self.lams: list[float] = []
        self.rows: list[tuple[list[int], np.ndarray]] = []  # (support, values) per breakpoint
        self.events: list[tuple[int, int, str]] = []
        self.skipped: list[tuple[float, int]] = []
        self.notes: list[str] = []

    def _row(self, w: np.ndarray) -> tuple[list[int], np.ndarray]:
        return list(self.active.index), w

    def _close(self, j: int, value: float) -> None:
        self.closed[j] = self.closed[j + self.p] = value

    def _join(self, k: int, mu: float, joiners: list[tuple[int, float]]) -> list[int]:
        """Add ``(feature, sign)`` in order; degenerate ones are skipped. Returns the added."""
        added = []
        for j, sign in joiners:
            if self.active.add(j, sign):
                self.events.append((k, j, "enter"))
                added.append(j)
            else:
                self.excluded.append(j)
                self.skipped.append((2.0 * mu, j))
            self._close(j, np.inf)
        return added

    def _leave(self, k: int, positions: list[int]) -> list[int]:
        """Remove the features at ``positions``; the skipped ones may then join again."""
        left = []
        for i in sorted(positions, reverse=True):
            j = self.active.index[i]
            self.active.remove(i)
            self.events.append((k, j, "leave"))
            self._close(j, 0.0)
            left.append(j)
        for j in self.excluded:
            self._close(j, 0.0)
        self.excluded.clear()
        return left

    def _segment(self, k: int, mu: float, joined: list[int], fresh: set[int]):
        """Solve the segment from ``mu``; resolve the breakpoint's ties if it is inconsistent.

        Consistent means: a feature that joined with sign s moves off zero with that sign
        (``s d_j > 0``), and a feature that just left (or was kept out) stays inside the
        boundary (``s a_j >= 1`` for its correlation ``c_j = s μ``). For one event at a time
        this is a theorem (Efron et al. 2004, lemma 5); when several happen at once (exact ties,
        integer data) it can fail, and :meth:`_resolve` then chooses the features afresh. On
        an ill-conditioned active set those signs are not reliable: inconsistent joins are
        then just undone. Joined features sit at the end of the active set, in order.
        """
        active = self.active
        while True:
            w, d, c2, a2 = active.segment(mu)
            size, signs = active.k, active.signs
            bad = [i for i in range(size - len(joined), size) if signs[i] * d[i] <= 0.0]
            if active.cond <= _RESOLVE_COND:
                for j in fresh:
                    if not bad and self.closed[j] == 0.0:
                        # On the boundary c_j = s μ: it must not cross, s a_j >= 1.
                        s = 1.0 if c2[j] > 0.0 else -1.0
                        if s * a2[j] < 1.0 - _RATE_TOL:
                            bad.append(-1)
                if bad:
                    return self._resolve(k, mu, sorted(set(joined) | fresh), fresh)
            if not bad:
                w[size - len(joined) :] = 0.0  # exactly 0 at the join; the solve leaves rounding
                return w, d, c2, a2
            for i in reversed(bad):
                j = active.index[i]
                active.remove(i)
                self.events.remove((k, j, "enter"))
                self._close(j, 0.0)
                fresh.add(j)
            joined = [j for j in joined if self.closed[j] == np.inf]

    def _resolve(self, k: int, mu: float, boundary: list[int], fresh: set[int]):
        """Choose which tied features at ``mu`` are active below it, by enumeration.

        All of ``boundary`` have ``w_j = 0`` and ``|c_j| = μ`` here. For each subset S (small
        ones first) the segment on ``E ∪ S`` (E: the other active features) is consistent if
        every j in S moves off zero with its sign and every other boundary feature stays
        inside; the lasso's optimality conditions along the path are exactly this
        complementarity problem, and for a unique path one S passes.
        """
        active = self.active
        for j in boundary:
            if j in active.index:
                active.remove(active.index.index(j))
                self.events.append((k, j, "leave"))
            self._close(j, 0.0)
        fresh.update(boundary)
        _, _, c2, _ = active.segment(mu)
        sign = {j: 1.0 if c2[j] > 0.0 else -1.0 for j in boundary}
        if len(boundary) <= _MAX_TIE:
            for size in range(len(boundary) + 1):
                for subset in itertools.combinations(boundary, size):
                    added = [j for j in subset if active.add(j, sign[j])]
                    if len(added) == size:
                        w, d, c2, a2 = active.segment(mu)
                        tail = range(active.k - size, active.k)
                        if all(active.signs[i] * d[i] > 0.0 for i in tail) and all(
                            sign[j] * a2[j] >= 1.0 - _RATE_TOL
                            for j in boundary if j not in subset
                        ):
                            for j in subset:
                                self.events.append((k, j, "enter"))
                                self._close(j, np.inf)
                            w[active.k - size :] = 0.0
                            return w, d, c2, a2
                    for _ in added:
                        active.remove(active.k - 1)
        self.notes.append(f"a tie of {len(boundary)} features at λ={2.0 * mu:.6g} has no "
                          "consistent resolution (numerically degenerate): they stay out")
        return active.segment(mu)

    def _next_event(self, mu, w, d, c2, a2, fresh):
        """Step length to the next event, the ``(feature, sign)`` joining and positions leaving.

        Join: the gap ``(μ - t) ∓ c_j(t)`` between a correlation and a boundary closes at
        ``t = (μ ∓ c_j) / (1 ∓ a_j)`` if the denominator is positive; leave: ``w_j + t d_j = 0``
        at ``t = s_j w_j / (-s_j d_j)`` if that denominator is positive. Numerators and
        denominators are clipped at 0: a gap already slightly negative through rounding closes
        at t = 0, a denominator <= 0 gives ``inf`` (never) or ``0/0 = nan``, which ``fmin``
        and the comparisons ignore (a feature exactly at the boundary and moving away).
        Denominators are formed so that they are never -0.0. Runs under
        ``np.errstate(divide="ignore", invalid="ignore")``; few, vectorized calls, since it
        runs once per breakpoint.
        """
        active, p = self.active, self.p
        tie = self.tie = max(_TIE * mu, _TIE_FLOOR * self.mu0)
        signs = active.signs
        sw = signs * w
        if active.k and sw[sw.argmin()] < -_WRONG_SIGN * sw[sw.argmax()]:
            # A fresh solve on the active set puts a coefficient on the wrong side of 0 (not
            # by rounding): the event times that led here were wrong, the active set is
            # numerically degenerate, and stepping on would only cascade.
            raise _Breakdown
        num = np.concatenate((mu - c2, sw))
        den = np.concatenate((1.0 - a2, 0.0 - signs * d))
        t = np.maximum(num, 0.0) / np.maximum(den, 0.0)
        full = active.k >= active.capacity or (
            # |A| = rank(X) - 1 with centered data: if the active columns span y, the
            # correlations are exactly c = μ a (e = c - μ a = X^T (y - X_A w_LS) = 0) and no
            # feature can join before λ = 0.
            active.k >= active.capacity - 1
            and np.abs(c2[:p] - mu * a2[:p]).max() <= _TIE * self.mu0
        )
        if not full:
            t[: 2 * p] += self.closed
            for j in fresh:
                if t[j] <= tie:
                    t[j] = np.inf
                if t[j + p] <= tie:
                    t[j + p] = np.inf
        else:  # |A| = rank: no feature can join
            t[: 2 * p] = np.inf
        step = float(np.fmin.reduce(t))
        if not step < np.inf:
            return np.inf, [], []
        hits = (t <= step + tie).nonzero()[0]
        if hits.size > 1:
            hits = hits[np.argsort(t[hits], kind="stable")]
        joiners, leavers, seen = [], [], set()
        for i in hits.tolist():
            if i >= 2 * p:
                leavers.append(i - 2 * p)
            elif i % p not in seen:
                seen.add(i % p)
                joiners.append((i % p, 1.0 if i < p else -1.0))
        return step, joiners, leavers

    def _breakpoint(self, mu: float) -> int:
        """Index of the breakpoint at ``mu``: the last one if it is there already, else new."""
        return len(self.lams) - (self.lams[-1] == 2.0 * mu)

    def _record(self, mu: float, row: tuple[list[int], np.ndarray]) -> None:
        """Store the solution at ``mu`` (replacing the one there after a zero-length step)."""
        if self.lams[-1] == 2.0 * mu:
            self.rows[-1] = row
        else:
            self.lams.append(2.0 * mu)
            self.rows.append(row)

    def _stop_before(self, mu: float) -> None:
        """End the path at the last breakpoint above ``mu`` (the one at ``mu`` is unsound)."""
        if self.lams[-1] == 2.0 * mu and len(self.lams) > 1:
            k = len(self.lams) - 1
            self.lams.pop()
            self.rows.pop()
            self.events = [event for event in self.events if event[0] != k]
        self.notes.append(
            f"stopped at λ={self.lams[-1]:.6g}: below it the active set is numerically "
            f"degenerate (cond(X_A) ~ {self.active.cond:.1e}; a fresh solve gives a coefficient "
            "the wrong sign)"
        )

    def run(self) -> HomotopyPath:
        active, Xty = self.active, self.Xty
        mu = self.mu0
        self.lams.append(2.0 * mu)
        self.rows.append(([], np.empty(0)))
        if not mu > self.mu_stop:  # w = 0 all the way (X^T y = 0, or lam_min >= lam_max)
            return self._finish(0)
        # At λ_0 the features with |X_j^T y| = μ_0 (up to ties) join, largest first.
        first = np.flatnonzero(np.abs(Xty) >= mu - self.tie)
        first = first[np.argsort(-np.abs(Xty[first]), kind="stable")].tolist()
        joined = self._join(0, mu, [(j, 1.0 if Xty[j] > 0 else -1.0) for j in first])
        fresh = set(joined)
        k, n_steps, stalls = 0, 0, 0
        record = False
        with np.errstate(divide="ignore", invalid="ignore"):
            while True:
                w, d, c2, a2 = self._segment(k, mu, joined, fresh)
                if record:
                    self._record(mu, self._row(w))
                if mu <= self.mu_stop:
                    break
                if n_steps >= self.max_steps:
                    self.notes.append(f"stopped after max_steps={self.max_steps} steps at "
                                      f"λ={2.0 * mu:.6g}")
                    break
                n_steps += 1
                try:
                    step, joiners, leavers = self._next_event(mu, w, d, c2, a2, fresh)
                except _Breakdown:
                    self._stop_before(mu)
                    break
                if step >= mu - self.mu_stop - self.tie:
                    # The last stretch: straight down to λ_min (events there are not taken).
                    mu, joined, fresh, record = self.mu_stop, [], set(), True
                    continue
                # A step within the tie tolerance is no step: its events (a tie resolved in
                # turn, a skipped feature rejoining) belong to the current breakpoint.
                if step <= self.tie:
                    step = 0.0
                    stalls += 1
                    if stalls > 2 * self.p + 10:
                        self.notes.append(f"stalled at λ={2.0 * mu:.6g}: zero-length steps "
                                          "repeat (numerically degenerate active set)")
                        break
                else:
                    stalls = 0
                mu -= step
                k = self._breakpoint(mu)
                fresh = set(self._leave(k, leavers)) if leavers else set()
                # The breakpoint solution is the one before the joins, where the joining
                # features are exactly 0: after them an ill-conditioned solve leaves rounding
                # in their entries that could not simply be zeroed without spoiling the fit.
                if not joiners:
                    before = None
                elif active.resolve_breakpoints or leavers or active.cond > _STEP_COND:
                    before = self._row(active.coef(mu))
                else:  # w + t d: exact on the segment, and no O(k^2) solve for large k
                    before = self._row(w + step * d)
                joined = self._join(k, mu, joiners)
                fresh.update(joined)
                if joined:
                    self._record(mu, before)
                record = bool(leavers) and not joined
        return self._finish(n_steps)

    def _finish(self, n_steps: int) -> HomotopyPath:
        lams = np.array(self.lams)
        coefs = np.zeros((lams.size, self.p))
        sizes = [len(support) for support, _ in self.rows]
        coefs[np.repeat(np.arange(lams.size), sizes),
              [j for support, _ in self.rows for j in support]] = np.concatenate(
            [values for _, values in self.rows])
        # A feature with an event at λ_k is 0 there (it is 0 on one side). The solves say so up
        # to rounding, which can leave a tiny value of the wrong sign: clear those. (After
        # zero-length steps on an ill-conditioned active set the value may also have moved
        # along a nearly null direction of X_A, at no cost in the fit: that one is kept.)
        if self.events:
            k, j = np.array([event[:2] for event in self.events]).T
            scale = np.abs(coefs).max(axis=1)
            rounding = np.abs(coefs[k, j]) <= _ROUNDING * scale[k]
            coefs[k[rounding], j[rounding]] = 0.0
        if self.mu0 > 0:
            C = self.active.correlations(coefs)
            lam = lams[:, None]
            dist = np.where(coefs != 0, np.abs(2.0 * C - lam * np.sign(coefs)),
                            np.maximum(2.0 * np.abs(C) - lam, 0.0))
            kkt = np.max(dist, axis=1) / (2.0 * self.mu0)
        else:
            kkt = np.zeros(lams.size)
        # Within one breakpoint a feature that enters and then leaves (or leaves and rejoins)
        # did neither; an odd number of alternating events nets to the first of them.
        seen: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
        for event in self.events:
            seen.setdefault(event[:2], []).append(event)
        events = [group[0] for group in seen.values() if len(group) % 2]
        events.sort(key=lambda event: (event[0], event[2] == "enter"))
        notes = list(self.notes)
        if self.skipped:
            shown = ", ".join(f"feature {j} at λ={lam:.3g}" for lam, j in self.skipped[:8])
            more = f" and {len(self.skipped) - 8} more" if len(self.skipped) > 8 else ""
            notes.insert(0, f"{len(self.skipped)} join(s) skipped as numerically degenerate "
                            f"(the feature is in the span of the active columns to working "
                            f"precision): {shown}{more}")
        return HomotopyPath(lams, coefs, events, kkt, n_steps, "; ".join(notes))
