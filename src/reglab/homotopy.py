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
down to 0 or to a requested ``lam_min``. Every segment starts from a solve of the active-set
system (with the Cholesky factorization, bordered at joins and refreshed regularly) and fresh
correlations (the coefficients are not stepped from breakpoint to breakpoint, so they do not
drift), and the KKT residual of every breakpoint solution returned can be evaluated
(:attr:`HomotopyPath.kkt_residuals`).

The active columns are factorized with their signs, ``X_A S`` with ``S = diag(s_A)``, and each
event is a distance closing at a speed (:meth:`_ActiveSet.segment`): a correlation's distance
to its boundary, an active coefficient's distance to 0. One vectorized division then gives
every event time of a segment; a step costs a few dozen small BLAS/LAPACK calls, whatever the
event. Two factorizations share the stepping (each a small class below):

* ``"qr"`` keeps a thin QR factorization ``X_A S = Q R`` (columns appended by classical
  Gram-Schmidt, with re-orthogonalization when the first pass cancels, removed by Givens
  rotations). It never forms ``X^T X``, so it follows the path while ``cond(X_A)`` is as large
  as ``1/sqrt(eps)`` (~7e7), and it gets the correlations from
  ``X^T y - X^T Q (Q^T y - μ R^{-T} 1)`` without the cancellation of huge coefficients. This is
  the default for ``p <= 256``: the lab's polynomial designs (raw monomials on [0, 1] have
  condition numbers ~1e17) need it.
* ``"cholesky"`` works from ``G = X^T X`` and ``X^T y`` only (computed once, or passed in), with
  a Cholesky factor of ``S G_AA S`` grown by one triangular solve per join and downdated by
  Givens rotations per drop, so a step costs ``O(k^2 + k (p - k))`` for ``k`` active
  features, and its triangular solves release the GIL (:mod:`reglab._triangular`). It
  squares the condition number (active sets stay below ``cond(X_A)`` = 1e6) and is meant for
  large, reasonably conditioned designs (``p`` in the thousands).

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

import inspect
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property, partial
from numbers import Integral

import numpy as np
from threadpoolctl import ThreadpoolController

from reglab._scipy_linalg import scipy_linalg
from reglab._triangular import solve_upper
from reglab._validation import ReglabInputError, check_finite_array, check_nonnegative

__all__ = [
    "HomotopyPath", "gram_based", "gram_homotopy", "lasso_homotopy", "piecewise_linear",
]


@cache
def _qr_delete():
    """Return scipy's ``qr_delete`` without its wrapper.

    The batching wrapper (array-namespace checks, copies) costs more than the update itself at
    the lab's sizes, where a path makes hundreds of drops: the compiled function is called.
    """
    return inspect.unwrap(scipy_linalg().qr_delete)


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

_REFRESH = 64
"""The Cholesky variant borders ``R^{-1} [r, z]`` at joins and solves it afresh every this many
joins (and after every drop), so that rounding from the bordering cannot build up."""

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
        evaluated in floating point from the returned ``coefs[k]`` (0 when ``X^T y = 0``), on
        first access (cross-validation folds, say, never ask).
    n_steps : int
        Segments solved (steps taken), including those whose only event was a skipped join.
    message : str
        ``""``, or why the path is not the complete exact path: skipped degenerate joins,
        ``max_steps`` reached, a stalled step.
    """

    lams: np.ndarray
    coefs: np.ndarray
    events: list[tuple[int, int, str]]
    n_steps: int
    message: str
    _correlations: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    _scale: float = field(repr=False)  # max_j |X_j^T y|

    @cached_property
    def kkt_residuals(self) -> np.ndarray:
        """The KKT residual of every breakpoint solution (evaluated on first access)."""
        if not self._scale > 0:
            return np.zeros(self.lams.size)
        C = self._correlations(self.coefs)
        lam = self.lams[:, None]
        dist = np.where(self.coefs != 0, np.abs(2.0 * C - lam * np.sign(self.coefs)),
                        np.maximum(2.0 * np.abs(C) - lam, 0.0))
        return np.max(dist, axis=1) / (2.0 * self._scale)

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
        return piecewise_linear(self.lams, self.coefs, lams)


def piecewise_linear(breakpoints: np.ndarray, rows: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """Evaluate the path through ``rows`` at decreasing ``breakpoints``, linear in between.

    Returns shape ``(len(lams), rows.shape[1])``: exactly ``rows[k]`` at ``breakpoints[k]``,
    linear between consecutive breakpoints (exact for the lasso, whose signs are fixed there)
    and constant beyond both ends.
    """
    if breakpoints.size == 1:
        return np.repeat(rows, lams.size, axis=0)
    knots, rows = breakpoints[::-1], rows[::-1]  # increasing
    # Segment i joins knots[i] and knots[i + 1]; beyond the ends the end rows hold.
    i = np.clip(np.searchsorted(knots, lams, side="right") - 1, 0, knots.size - 2)
    theta = np.clip((lams - knots[i]) / (knots[i + 1] - knots[i]), 0.0, 1.0)[:, None]
    return (1.0 - theta) * rows[i] + theta * rows[i + 1]


# --------------------------------------------------------------------------------------------
# Factorizations of the active set
# --------------------------------------------------------------------------------------------
class _ActiveSet:
    """The active features (in the order they joined), their signs and a triangular factor.

    Both factorizations work with the signed active columns ``X_A S`` (``S = diag(s_A)``), on
    which the active coefficients ``u = S w_A`` are positive. They keep an upper-triangular
    ``R`` with ``R^T R = S G_AA S`` and the two vectors ``r = R^{-T} S X_A^T y`` (which is
    ``Q^T y`` when ``X_A S = QR``) and ``z = R^{-T} 1``, so that

        ``R u(μ) = r - μ z``    and    ``R d = z``    (``S G_AA S d = 1``, ``u(μ - t) = u + t d``).

    :meth:`segment` solves both (afresh, or from an updated ``R^{-1} [r, z]``: see the
    Cholesky variant) and returns every event of the segment as a distance closing at a speed
    (see :meth:`segment`). Subclasses say how a column joins and leaves and
    how the correlations are formed. The stepping reads ``index`` (the active features in the
    factor's order; ``features`` is the same as an array), ``k`` (their number), ``signs``
    (length k), ``capacity`` and ``cond``; they are plain attributes because they are read at
    every step.
    """

    resolve_breakpoints: bool

    def __init__(self, Xty: np.ndarray, capacity: int, max_cond: float):
        self.p = Xty.size
        self.capacity, self.max_cond = capacity, max_cond
        self.index: list[int] = []
        self._features_buffer = np.empty(capacity, dtype=np.intp)  # index, as an array
        self.cond = 1.0  # cond_1(R) estimated at the last join: an upper bound after drops
        self._R = np.empty((0, 0), order="F")
        self._signs_buffer = np.empty(capacity)
        self._M = np.array([[1.0, 0.0], [0.0, -1.0]])  # M [r, z]^T = [r - μ z, -z]^T
        self._resize(0)

    # The rows r and z, shape (2, capacity), are kept by each subclass where it updates them.
    _rz: np.ndarray

    def _resize(self, k: int) -> None:
        self.k = k
        self.signs = self._signs_buffer[:k]
        self.features = self._features_buffer[:k]

    def _grow(self, h: np.ndarray, rho: float, cond: float | None = None) -> bool:
        """Border ``R`` with the column ``(h, rho)``; False if ``cond_1(R)`` passes ``max_cond``.

        ``cond`` is that of the bordered factor if the caller knows it; else LAPACK estimates it.
        """
        k = self.k
        R = np.empty((k + 1, k + 1), order="F")  # (not zeroed: the copy fills all but row k)
        R[:k, :k] = self._R
        R[k, :k] = 0.0
        R[:k, k] = h
        R[k, k] = rho
        if cond is None:
            rcond = scipy_linalg().lapack.dtrcon(R, norm="1", uplo="U", diag="N")[0]
            cond = 1.0 / rcond if rcond > 0.0 else math.inf
        if not cond < self.max_cond:
            return False
        self.cond = cond
        self._R = R
        return True

    def _append(self, j: int, sign: float, r_new: float) -> None:
        """Record the feature just bordered into ``R``; one forward-substitution step for z."""
        k = self.k
        rz = self._rz
        rz[0, k] = r_new
        # R^T z = 1, one more row: z_k = (1 - h . z) / rho.
        rz[1, k] = (1.0 - self._R[:k, k].dot(rz[1, :k])) / self._R[k, k]
        self._signs_buffer[k] = sign
        self._features_buffer[k] = j
        self.index.append(j)
        self._resize(k + 1)

    def _delete(self, position: int) -> None:
        """Forget the feature at ``position`` (the factors are the subclass's business)."""
        k = self.k
        self._signs_buffer[position : k - 1] = self._signs_buffer[position + 1 : k]
        self._features_buffer[position : k - 1] = self._features_buffer[position + 1 : k]
        del self.index[position]
        self._resize(k - 1)

    def _triangular_solve(self, B: np.ndarray, trans: int = 0) -> np.ndarray:
        """``R^{-1} B`` (``R^{-T} B`` with ``trans=1``) for ``B`` of shape (k, m)."""
        return scipy_linalg().blas.dtrsm(1.0, self._R, B, trans_a=trans)

    def _solve(self, mu: float) -> tuple[np.ndarray, np.ndarray]:
        """``B = [r - μ z, -z]`` and ``R^{-1} B = [u(μ), -d]``."""
        self._M[0, 1] = -mu
        B = self._M.dot(self._rz[:, : self.k]).T  # (M [r; z])^T: k x 2, Fortran order
        return B, self._triangular_solve(B)

    def coef(self, mu: float) -> np.ndarray:
        """``w_A(μ)`` on the current active set (a fresh solve)."""
        if not self.k:
            return np.empty(0)
        return self.signs * self._solve(mu)[1][:, 0]

    def segment(self, mu: float, offsets: np.ndarray) -> np.ndarray:
        """Every event of the segment from μ as a distance closing at a speed, shape (2p + k, 2).

        Row ``a < 2p`` is the signed column ``a`` of ``[X, -X]`` (feature ``a mod p`` with sign
        ``+`` below p, ``-`` above): its correlation ``c_a(t) = c_a - t a_a`` reaches the
        boundary ``μ - t`` when the distance ``μ - c_a`` closes at the speed ``1 - a_a``. Row
        ``2p + i`` is the active coefficient ``u_i(t) = u_i + t d_i``: its distance to 0 is
        ``u_i``, closing at the speed ``-d_i``. So the event of every row happens at
        ``t = distance / speed`` when both are positive. Here ``c = [X, -X]^T (y - X_A w_A)``
        and ``a = [X, -X]^T X_A S d``.

        ``offsets`` (shape (2p, 2)) is ``[-[X, -X]^T y, 1]``, except that the speed offset is
        ``-inf`` for the columns that cannot join now: their speed is ``-inf``. No speed is
        ``-0.0`` (its division would give ``-inf``).
        """
        k, n_atoms = self.k, 2 * self.p
        table = np.empty((n_atoms + k, 2))
        atoms = table[:n_atoms]
        if k:
            B, Ud = self._solve(mu)
            np.add(Ud, 0.0, out=table[n_atoms:])  # + 0.0 turns a -0.0 speed into +0.0
            self._products(B, Ud, atoms)  # [X, -X]^T X_A S [u, -d] = [X2^T y - c, -a]
            atoms += offsets
        else:
            atoms[:] = offsets
        atoms[:, 0] += mu
        return table

    def _products(self, B: np.ndarray, Ud: np.ndarray, out: np.ndarray) -> None:
        """Write ``[X, -X]^T X_A S [u, -d]`` into ``out`` (shape (2p, 2)).

        ``B = [r - μ z, -z] = R [u, -d]`` and ``Ud = [u, -d]``: each factorization uses one.
        """
        raise NotImplementedError

    # ``X^T (y - X w)`` for every row ``w`` of an array (it holds the data, not the factors).
    correlations: Callable[[np.ndarray], np.ndarray]


class _QRActiveSet(_ActiveSet):
    """Thin QR ``X_A S = Q R`` of the signed active columns: for small, ill-conditioned designs.

    ``C = [X, -X]^T Q`` is kept too, so the correlations come as ``X^T y - X^T Q (r - μ z)``
    from the orthonormal basis: the huge, cancelling coefficients of an ill-conditioned fit
    never enter. ``Q``, ``C`` and the rows ``r^T``, ``z^T`` are stacked in one array, so that
    the Givens rotations of a drop (``Q -> Q G``, and so ``C -> C G``, ``r -> G^T r``,
    ``z -> G^T z``) update all of them at once. Breakpoint solutions are solved afresh rather
    than stepped to (``u + t d``): with ``cond(X_A)`` up to ~1e7 the direction ``d`` carries
    errors the fresh solve does not.
    """

    resolve_breakpoints = True

    def __init__(self, X: np.ndarray, y: np.ndarray, Xty: np.ndarray):
        n, p = X.shape
        super().__init__(Xty, min(n, p), _QR_MAX_COND)
        self._X2 = np.empty((n, 2 * p), order="F")  # the signed columns [X, -X]
        self._X2[:, :p] = X
        np.negative(X, out=self._X2[:, p:])
        self._y = y
        self.correlations = partial(_data_correlations, self._X2[:, :p], y)
        self._norms = np.sqrt(np.einsum("ij,ij->j", X, X))
        self._stack = np.zeros((n + 2 * p + 2, self.capacity), order="F")
        self._Q = self._stack[:n]
        self._C = self._stack[n : n + 2 * p]
        self._rz = self._stack[n + 2 * p :]

    def add(self, j: int, sign: float) -> bool:
        """Append column ``j`` with ``sign``; False (nothing changed) if it is degenerate."""
        k = self.k
        if k >= self.capacity:
            return False
        atom = j if sign > 0 else j + self.p
        x, norm = self._X2[:, atom], self._norms[j]
        if k:
            # Classical Gram-Schmidt, once more when the first pass cancelled more than half of
            # ||x||^2 (Daniel, Gragg, Kaufman & Stewart 1976); "twice is enough" (Giraud,
            # Langou & Rozložník 2005): orthogonal to working precision unless x is
            # numerically in span(Q). The first projection Q^T x is row `atom` of C.
            Q = self._Q[:, :k]
            h = self._C[atom, :k]
            v = x - Q @ h
            vv = v.dot(v)
            if vv < 0.5 * norm**2:
                h2 = Q.T @ v
                v -= Q @ h2
                h = h + h2
                vv = v.dot(v)
        else:
            h, v, vv = np.empty(0), x, norm**2
        rho = math.sqrt(vv)
        if not rho > _DEGENERATE_PIVOT * norm or not self._grow(h, rho):
            return False
        q = self._Q[:, k]
        np.divide(v, rho, out=q)
        np.matmul(self._X2.T, q, out=self._C[:, k])
        self._append(j, sign, q.dot(self._y))
        return True

    def remove(self, position: int) -> None:
        """Drop the column at ``position``: Givens rotations of the stack and of ``R``."""
        k = self.k - 1
        if position < k:
            # Rotates the stack in place (``overwrite_qr``); R comes back without the column.
            _, R = _qr_delete()(self._stack[:, : k + 1], self._R, position, which="col",
                             overwrite_qr=True, check_finite=False)
        else:  # the last column: nothing to rotate, r and z keep their first k entries
            R = self._R[:k, :k]
        self._R = np.asfortranarray(R)
        self._delete(position)

    def _products(self, B, Ud, out):
        np.matmul(self._C[:, : self.k], B, out=out)  # [X, -X]^T Q R [u, -d]


class _CholeskyActiveSet(_ActiveSet):
    """Cholesky factor of ``S G_AA S`` from the Gram matrix: ``O(k^2 + k (p - k))`` per step.

    A join borders ``R`` after one triangular solve ``R^T h = S G_Aj s_j``; a drop restores
    the triangle with Givens rotations of its rows and solves ``r`` and ``z`` afresh (the
    rotations act on ``R`` alone: there is no Q). ``R`` lives in the leading k x k
    block of a capacity x capacity Fortran array: a join writes one column, and LAPACK's
    ``dtrtrs``, told the leading dimension, solves with the block in place (with hundreds of
    active features, copying R at every join or solve would cost more than the solves).

    The steps are bound by memory traffic (the k x p rows of the Gram matrix and the k x k
    triangle, read at every step), so each is read as little as the algebra allows:

    * ``GA`` holds the signed rows ``s_j G[j, :]`` of the active features, each in a slot that
      stays put while others come and go (``slot[i]`` for the feature at position i of the
      factor), with the columns permuted so that the inactive features come first
      (``order``, ``place``): the rates ``a`` of the inactive features, the only ones that
      can join, come from the leading k x (p - k) block (for the active ones ``a = s``).
    * ``v = R^{-1} r`` and ``d = R^{-1} z`` (so ``u(μ) = v - μ d``) are bordered at a join
      with the solve ``q = R^{-1} h`` that the condition estimate needs anyway:
      ``R' = [[R, h], [0, ρ]]`` gives ``v' = [v - q r_k / ρ, r_k / ρ]`` and likewise ``d'``.
      Two triangle passes per step instead of four; they are solved afresh after a drop and
      every ``_REFRESH`` joins, so rounding cannot build up.
    """

    resolve_breakpoints = False

    def __init__(self, G: np.ndarray, Xty: np.ndarray, n_samples: int):
        p = G.shape[0]
        super().__init__(Xty, min(n_samples, p), _CHOLESKY_MAX_COND)
        self._G, self._Xty = G, Xty
        self.correlations = partial(_gram_correlations, G, Xty)
        self._diag = np.diag(G).copy()
        self._GA = np.empty((self.capacity, p))
        self._slot = np.empty(self.capacity, dtype=np.intp)
        self._order = np.arange(p)  # the features in GA's column order, inactive ones first
        self._place = np.arange(p)  # its inverse: the column of feature j
        self._rz = np.empty((2, self.capacity))
        self._vd = np.empty((self.capacity, 2))  # [v, d] = R^{-1} [r, z]
        self._joins_since_solve = 0
        self._R = np.empty((self.capacity, self.capacity), order="F")
        self._norms_1 = (0.0, 0.0)  # ||R||_1 and ||R^{-1}||_1

    def _triangular_solve(self, B, trans=0):
        return solve_upper(self._R, self.k, B, trans=bool(trans))

    def _grow(self, h, rho, cond):
        if not cond < self.max_cond:
            return False
        k = self.k
        self._R[:k, k] = h  # (below the diagonal the buffer is never read)
        self._R[k, k] = rho
        self.cond = cond
        return True

    def _swap_columns(self, a: int, b: int) -> None:
        """Exchange the columns at ``a`` and ``b`` of GA's order (in the rows in use)."""
        if a != b:
            order, place, GA = self._order, self._place, self._GA[: self.k]
            column_a = GA[:, a].copy()
            GA[:, a] = GA[:, b]
            GA[:, b] = column_a
            order[a], order[b] = order[b], order[a]
            place[order[a]], place[order[b]] = a, b

    def _solve_vd(self) -> None:
        """``[v, d] = R^{-1} [r, z]`` afresh."""
        self._vd[: self.k] = self._triangular_solve(self._rz[:, : self.k].T)
        self._joins_since_solve = 0

    def _solve(self, mu):
        # [v - μ d, -d] from the bordered [v, d]; B (unused by _products here) is not formed.
        self._M[0, 1] = -mu
        return None, self._M.dot(self._vd[: self.k].T).T

    def add(self, j: int, sign: float) -> bool:
        """Append column ``j`` with ``sign``; False (nothing changed) if it is degenerate."""
        k = self.k
        if k >= self.capacity or not self._diag[j] > 0:
            return False
        column = self._place[j]
        if k:
            # S G_Aj s_j: column j of the active rows, which already carry their signs.
            g = self._GA[self._slot[:k], column] * sign
            h = self._triangular_solve(g, trans=1)
            rho2 = self._diag[j] - h.dot(h)
        else:
            h, rho2 = np.empty(0), self._diag[j]
        if not rho2 > _DEGENERATE_PIVOT * self._diag[j]:
            return False
        # cond_1 of the bordered factor from that of R (LAPACK's estimator, several triangular
        # solves with scaling, costs more than the rest of a step for k in the hundreds):
        # ||R'||_1 = max(||R||_1, ||h||_1 + rho) and, as R'^{-1} = [[R^{-1}, -R^{-1} h / rho],
        # [0, 1 / rho]], ||R'^{-1}||_1 = max(||R^{-1}||_1, (||R^{-1} h||_1 + 1) / rho). Exact
        # after joins; after drops those of the larger factor are kept (deleting a column
        # cannot increase cond_2).
        rho = math.sqrt(rho2)
        q = self._triangular_solve(h) if k else h
        norms = (max(self._norms_1[0], np.abs(h).sum() + rho),
                 max(self._norms_1[1], (np.abs(q).sum() + 1.0) / rho))
        if not self._grow(h, rho, norms[0] * norms[1]):
            return False
        self._norms_1 = norms
        self._swap_columns(column, self.p - k - 1)  # j's column joins the active block
        np.multiply(self._G[j, self._order], sign, out=self._GA[k])  # slot k is free
        self._slot[k] = k
        self._append(j, sign, (sign * self._Xty[j] - h.dot(self._rz[0, :k])) / rho)
        self._joins_since_solve += 1
        if self._joins_since_solve < _REFRESH:
            # Bordering: R' [v'; v_k] = [r; r_k] gives v_k = r_k / rho, v' = v - q v_k.
            last = self._rz[:, k] / rho
            self._vd[:k] -= q[:, None] * last
            self._vd[k] = last
        else:
            self._solve_vd()
        return True

    def remove(self, position: int) -> None:
        """Drop the column at ``position``: Givens rotations on ``R``, ``r`` and ``z`` solved."""
        k = self.k - 1
        slot = self._slot
        free = slot[position]
        if free != k:  # move the row in the last slot into the freed one
            self._GA[free] = self._GA[k]
            slot[(slot[: k + 1] == k).nonzero()[0]] = free
        slot[position:k] = slot[position + 1 : k + 1]
        R = self._R
        # Without its column `position`, R is upper Hessenberg from there on: a rotation of
        # rows (i, i + 1) per later column zeroes its subdiagonal entry, in place (LAPACK's
        # qr_delete would need a full copy of R and a Q to rotate as well).
        R[: k + 1, position:k] = R[: k + 1, position + 1 : k + 1]
        for i in range(position, k):
            a, b = R[i, i], R[i + 1, i]
            rotation = np.array([[a, b], [-b, a]]) / math.hypot(a, b)
            R[i : i + 2, i:k] = rotation @ R[i : i + 2, i:k]
        # The feature's column goes back to the inactive block (the first active column).
        j = self.index[position]
        self._delete(position)
        self._swap_columns(self._place[j], self.p - k - 1)
        if k:
            rhs = np.column_stack((self.signs * self._Xty[self.features], np.ones(k)))
            self._rz[:, :k] = self._triangular_solve(rhs, trans=1).T
            self._solve_vd()
        else:
            self._norms_1 = (0.0, 0.0)

    def _products(self, B, Ud, out):
        k, p = self.k, self.p
        inactive = p - k
        V = np.empty((k, 2))
        V[self._slot[:k]] = Ud  # the rows of GA are in slot order
        # G_{IA} S [u, -d] for the inactive features I, as (V^T GA_I)^T: BLAS streams the
        # k x (p - k) block once (about twice as fast as GA^T V, whose operand it repacks,
        # for k and p in the thousands). The active rows get 0: they are closed anyway.
        plus = out[:p]
        plus[self._order[:inactive]] = (V.T @ self._GA[:k, :inactive]).T
        plus[self._order[inactive:]] = 0.0
        np.negative(plus, out=out[p:])  # the columns -X


def _data_correlations(X: np.ndarray, y: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    """``X^T (y - X w)`` for every row ``w`` of ``coefs``."""
    return (y[:, None] - X @ coefs.T).T @ X


def _gram_correlations(G: np.ndarray, Xty: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    """``X^T y - G w`` for every row ``w`` of ``coefs`` (only ever-active columns used)."""
    used = np.flatnonzero(np.any(coefs != 0, axis=0))
    return Xty - coefs[:, used] @ G[used]


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
    Xty = X.T @ y if Xty is None else _check_shaped("Xty", Xty, (p,))
    if gram is not None:
        gram = _check_shaped("gram", gram, (p, p))
    if factorization not in ("auto", "qr", "cholesky"):
        raise ReglabInputError("factorization", "must be 'auto', 'qr' or 'cholesky'",
                               factorization)
    if factorization == "qr" and gram is not None:
        raise ReglabInputError("gram", "is only used with factorization='cholesky'", "an array")
    if factorization == "auto":
        factorization = "cholesky" if gram is not None or p > _QR_MAX_FEATURES else "qr"
    return X, y, lam_min, gram, Xty, _check_max_steps(max_steps, p), factorization


def _check_shaped(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    value = check_finite_array(name, value, ndim=len(shape))
    if value.shape != shape:
        raise ReglabInputError(name, f"must have shape {shape}", value.shape)
    return value


def _check_max_steps(max_steps, n_features: int) -> int:
    if max_steps is None:
        return 10 * n_features + 100
    if isinstance(max_steps, bool) or not isinstance(max_steps, Integral) or max_steps < 1:
        raise ReglabInputError("max_steps", "must be an integer >= 1", max_steps)
    return int(max_steps)


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
        active: _QRActiveSet | _CholeskyActiveSet = _QRActiveSet(X, y, Xty)
    else:
        active = _CholeskyActiveSet(X.T @ X if gram is None else gram, Xty, n)
    return _follow(active, Xty, lam_min, max_steps)


def gram_homotopy(
    gram,
    Xty,
    n_samples: int,
    *,
    lam_min: float = 0.0,
    max_steps: int | None = None,
) -> HomotopyPath:
    r"""Compute the exact lasso path of ``||y - Xw||_2^2 + λ ||w||_1`` from ``X^T X``, ``X^T y``.

    The same path as :func:`lasso_homotopy` with the Cholesky factorization, for callers that
    have the two products but not ``X`` (cross-validation derives each fold's from all the
    data's, without forming the fold's rows).

    Parameters
    ----------
    gram : array-like of shape (n_features, n_features)
        ``X^T X`` of the centered design.
    Xty : array-like of shape (n_features,)
        ``X^T y``.
    n_samples : int
        The rows of ``X``: no more than ``min(n_samples, n_features)`` features are active.
    lam_min, max_steps
        As for :func:`lasso_homotopy`.

    Returns
    -------
    HomotopyPath
        Its KKT residuals come from ``X^T y - X^T X w``.
    """
    gram = check_finite_array("gram", gram, ndim=2)
    p = gram.shape[0]
    if gram.shape != (p, p):
        raise ReglabInputError("gram", "must be a square matrix", gram.shape)
    Xty = _check_shaped("Xty", Xty, (p,))
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
        raise ReglabInputError("n_samples", "must be an integer >= 1", n_samples)
    lam_min = check_nonnegative("lam_min", lam_min)
    active = _CholeskyActiveSet(gram, Xty, int(n_samples))
    return _follow(active, Xty, lam_min, _check_max_steps(max_steps, p))


def _follow(active: _ActiveSet, Xty: np.ndarray, lam_min: float, max_steps: int) -> HomotopyPath:
    """Run the homotopy on ``active`` from λ_max down to ``lam_min``."""
    # Each step makes a few dozen small BLAS calls; letting BLAS spread those over threads
    # costs more than it brings (3x slower on 2 busy cores), so the stepping runs on one.
    with single_blas_thread():
        return _Homotopy(active, Xty, lam_min / 2.0, max_steps).run()


def gram_based(n_features: int) -> bool:
    """Whether :func:`lasso_homotopy` works from ``X^T X`` by default for this many features.

    Then a precomputed ``gram`` saves computing it (see its ``factorization`` parameter).
    """
    return n_features > _QR_MAX_FEATURES


@cache
def _blas_threads() -> ThreadpoolController:
    """Return the BLAS thread pools of this process (looked up once: that takes ~1 ms)."""
    return ThreadpoolController()


def single_blas_thread():
    """Return a context manager that runs BLAS on one thread while it is entered.

    The homotopy's steps are small BLAS-2 calls, faster on one thread; cross-validation runs
    several homotopies side by side, one per core, inside it.
    """
    return _blas_threads().limit(limits=1, user_api="blas")


class _Homotopy:
    """The stepping, generic over the factorization; :meth:`run` returns the path.

    Each segment comes as the table of :meth:`_ActiveSet.segment`: row ``a < 2p`` for the
    signed column ``a`` of ``[X, -X]`` (feature ``j`` reaching the upper boundary
    ``c_j = μ - t`` at row ``j``, the lower one at row ``p + j``) and row ``2p + i`` for the
    active feature at position ``i`` reaching 0. ``offsets`` (:meth:`_ActiveSet.segment`)
    closes the features that cannot join now (active ones, and those skipped as degenerate
    until the next drop changes the span) with a speed offset of ``-inf``. ``fresh``
    holds the features whose state changed at the current breakpoint: for them a zero-length
    event (a feature that just left "joining" again) is rounding, not an event, and is ignored.
    """

    def __init__(self, active, Xty: np.ndarray, mu_stop: float, max_steps: int):
        self.active, self.Xty, self.p = active, Xty, Xty.size
        self.mu0 = float(np.max(np.abs(Xty), initial=0.0))
        self.mu_stop, self.max_steps = mu_stop, max_steps
        self.tie = _TIE * self.mu0  # event tolerance; _next_event updates it to the current μ
        self.offsets = np.column_stack((np.concatenate((-Xty, Xty)), np.ones(2 * self.p)))
        self.excluded: list[int] = []
        self.lams: list[float] = []
        self.rows: list[tuple[np.ndarray, np.ndarray]] = []  # (support, values) per breakpoint
        self.events: list[tuple[int, int, str]] = []
        self.skipped: list[tuple[float, int]] = []
        self.notes: list[str] = []

    def _row(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.active.features.copy(), w

    def _coef(self, table: np.ndarray) -> np.ndarray:
        """``w_A`` at the start of the segment of ``table``."""
        return self.active.signs * table[2 * self.p :, 0]

    def _close(self, j: int, closed: bool) -> None:
        self.offsets[j, 1] = self.offsets[j + self.p, 1] = -np.inf if closed else 1.0

    def _closed(self, j: int) -> bool:
        return self.offsets[j, 1] < 0.0

    def _sign(self, table: np.ndarray, mu: float, j: int) -> float:
        """Return the sign of ``c_j`` for a feature on the boundary (``|c_j| = μ``)."""
        return 1.0 if table[j, 0] < mu else -1.0  # the distance μ - c_j is ~0, not ~2μ

    def _stays_inside(self, table: np.ndarray, mu: float, j: int) -> bool:
        """Whether a feature on the boundary ``c_j = s μ`` stays inside: ``s a_j >= 1``."""
        row = j if self._sign(table, mu, j) > 0 else j + self.p
        return table[row, 1] <= _RATE_TOL  # the speed 1 - s a_j

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
            self._close(j, True)
        return added

    def _leave(self, k: int, positions: list[int]) -> list[int]:
        """Remove the features at ``positions``; the skipped ones may then join again."""
        left = []
        for i in sorted(positions, reverse=True):
            j = self.active.index[i]
            self.active.remove(i)
            self.events.append((k, j, "leave"))
            self._close(j, False)
            left.append(j)
        for j in self.excluded:
            self._close(j, False)
        self.excluded.clear()
        return left

    def _segment(self, k: int, mu: float, joined: list[int], fresh: set[int]) -> np.ndarray:
        """Solve the segment from ``mu``; resolve the breakpoint's ties if it is inconsistent.

        Consistent means: a feature that joined with sign s moves off zero with that sign
        (``s d_j > 0``), and a feature that just left (or was kept out) stays inside the
        boundary (``s a_j >= 1`` for its correlation ``c_j = s μ``). For one event at a time
        this is a theorem (Efron et al. 2004, lemma 5); when several happen at once (exact ties,
        integer data) it can fail, and :meth:`_resolve` then chooses the features afresh. On
        an ill-conditioned active set those signs are not reliable: inconsistent joins are
        then just undone. Joined features sit at the end of the active set, in order.
        """
        active, first = self.active, 2 * self.p
        while True:
            table = active.segment(mu, self.offsets)
            size = active.k
            # The speed -d_i of a joined coefficient must be negative (it grows from 0).
            bad = [i for i in range(size - len(joined), size) if table[first + i, 1] >= 0.0]
            if active.cond <= _RESOLVE_COND:
                for j in fresh:
                    if not bad and not self._closed(j) and not self._stays_inside(
                            table, mu, j):
                        bad.append(-1)
                if bad:
                    return self._resolve(k, mu, sorted(set(joined) | fresh), fresh)
            if not bad:
                if joined:  # exactly 0 at the join; the solve leaves rounding
                    table[first + size - len(joined) :, 0] = 0.0
                return table
            for i in reversed(bad):
                j = active.index[i]
                active.remove(i)
                self.events.remove((k, j, "enter"))
                self._close(j, False)
                fresh.add(j)
            joined = [j for j in joined if self._closed(j)]

    def _resolve(self, k: int, mu: float, boundary: list[int], fresh: set[int]) -> np.ndarray:
        """Choose which tied features at ``mu`` are active below it, by enumeration.

        All of ``boundary`` have ``w_j = 0`` and ``|c_j| = μ`` here. For each subset S (small
        ones first) the segment on ``E ∪ S`` (E: the other active features) is consistent if
        every j in S moves off zero with its sign and every other boundary feature stays
        inside; the lasso's optimality conditions along the path are exactly this
        complementarity problem, and for a unique path one S passes.
        """
        active, first = self.active, 2 * self.p
        for j in boundary:
            if j in active.index:
                active.remove(active.index.index(j))
                self.events.append((k, j, "leave"))
            self._close(j, False)
        fresh.update(boundary)
        table = active.segment(mu, self.offsets)
        sign = {j: self._sign(table, mu, j) for j in boundary}
        if len(boundary) <= _MAX_TIE:
            for size in range(len(boundary) + 1):
                for subset in itertools.combinations(boundary, size):
                    added = [j for j in subset if active.add(j, sign[j])]
                    if len(added) == size:
                        table = active.segment(mu, self.offsets)
                        tail = range(active.k - size, active.k)
                        if all(table[first + i, 1] < 0.0 for i in tail) and all(
                            self._stays_inside(table, mu, j)
                            for j in boundary if j not in subset
                        ):
                            for j in subset:
                                self.events.append((k, j, "enter"))
                                self._close(j, True)
                            table[first + active.k - size :, 0] = 0.0
                            return table
                    for _ in added:
                        active.remove(active.k - 1)
        self.notes.append(f"a tie of {len(boundary)} features at λ={2.0 * mu:.6g} has no "
                          "consistent resolution (numerically degenerate): they stay out")
        return active.segment(mu, self.offsets)

    def _next_event(self, mu: float, table: np.ndarray, fresh: set[int]):
        """Step length to the next event, the ``(feature, sign)`` joining and positions leaving.

        Every row of ``table`` is a distance closing at a speed (:meth:`_ActiveSet.segment`):
        its event happens at ``t = distance / speed`` if the speed is positive. Both are
        clipped at 0: a distance already slightly negative through rounding closes at t = 0, a
        speed <= 0 gives ``inf`` (never) or ``0/0 = nan``, which ``fmin`` and the comparisons
        ignore (a feature exactly at the boundary and moving away). Runs under
        ``np.errstate(divide="ignore", invalid="ignore")``; few, vectorized calls, since it
        runs once per breakpoint.
        """
        active, p = self.active, self.p
        tie = self.tie = max(_TIE * mu, _TIE_FLOOR * self.mu0)
        u = table[2 * p :, 0]
        if active.k and u[u.argmin()] < -_WRONG_SIGN * u[u.argmax()]:
            # A fresh solve on the active set puts a coefficient on the wrong side of 0 (not
            # by rounding): the event times that led here were wrong, the active set is
            # numerically degenerate, and stepping on would only cascade.
            raise _Breakdown
        clipped = np.maximum(table, 0.0)
        t = clipped[:, 0] / clipped[:, 1]
        full = active.k >= active.capacity or (
            # |A| = rank(X) - 1 with centered data: if the active columns span y, the
            # correlations are exactly c = μ a (e = c - μ a = X^T (y - X_A w_LS) = 0) and no
            # feature can join before λ = 0. In the table, c - μ a = μ (1 - a) - (μ - c) (the
            # closed features, with speed -inf, are in the span of the active ones anyway).
            active.k >= active.capacity - 1
            and np.all(np.abs(mu * table[:p, 1] - table[:p, 0])[self.offsets[:p, 1] > 0]
                       <= _TIE * self.mu0)
        )
        if not full:
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
        self.rows.append(self._row(np.empty(0)))
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
                table = self._segment(k, mu, joined, fresh)
                if record:
                    self._record(mu, self._row(self._coef(table)))
                if mu <= self.mu_stop:
                    break
                if n_steps >= self.max_steps:
                    self.notes.append(f"stopped after max_steps={self.max_steps} steps at "
                                      f"λ={2.0 * mu:.6g}")
                    break
                n_steps += 1
                try:
                    step, joiners, leavers = self._next_event(mu, table, fresh)
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
                    u, minus_d = table[2 * self.p :].T
                    before = self._row(active.signs * (u - step * minus_d))
                joined = self._join(k, mu, joiners)
                fresh.update(joined)
                if joined:
                    self._record(mu, before)
                record = bool(leavers) and not joined
        return self._finish(n_steps)

    def _finish(self, n_steps: int) -> HomotopyPath:
        lams = np.array(self.lams)
        coefs = np.zeros((lams.size, self.p))
        supports = [support for support, _ in self.rows]
        coefs[np.repeat(np.arange(lams.size), [support.size for support in supports]),
              np.concatenate(supports)] = np.concatenate([values for _, values in self.rows])
        # A feature with an event at λ_k is 0 there (it is 0 on one side). The solves say so up
        # to rounding, which can leave a tiny value of the wrong sign: clear those. (After
        # zero-length steps on an ill-conditioned active set the value may also have moved
        # along a nearly null direction of X_A, at no cost in the fit: that one is kept.)
        events = self.events
        if events:
            k = np.array([event[0] for event in events])
            j = np.array([event[1] for event in events])
            scale = np.abs(coefs).max(axis=1)
            rounding = np.abs(coefs[k, j]) <= _ROUNDING * scale[k]
            coefs[k[rounding], j[rounding]] = 0.0
        if len({event[:2] for event in events}) < len(events):
            # Within one breakpoint a feature that enters and then leaves (or leaves and
            # rejoins) did neither; an odd number of alternating events nets to the first.
            seen: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
            for event in events:
                seen.setdefault(event[:2], []).append(event)
            events = [group[0] for group in seen.values() if len(group) % 2]
        events = sorted(events, key=lambda event: (event[0], event[2] == "enter"))
        notes = list(self.notes)
        if self.skipped:
            shown = ", ".join(f"column {j + 1} at λ={lam:.3g}" for lam, j in self.skipped[:8])
            more = f" and {len(self.skipped) - 8} more" if len(self.skipped) > 8 else ""
            notes.insert(0, f"{len(self.skipped)} join(s) skipped as numerically degenerate "
                            f"(the feature is in the span of the active columns to working "
                            f"precision): {shown}{more}")
        return HomotopyPath(lams, coefs, events, n_steps, "; ".join(notes),
                            self.active.correlations, self.mu0)
