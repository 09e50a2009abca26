r"""The generalized lasso ``||y - X w||^2 + λ ||D_k w||_1``, solved exactly through its dual.

``D_k`` is the ``(p - k, p)`` matrix of k-th differences
(:func:`reglab.penalties.difference_matrix`): ``k = 1`` is the fused lasso / total variation
(piecewise-constant fits), ``k = 2`` the ℓ1 trend filter (piecewise-linear). The main case is
signal approximation, ``X = I``: ``y`` is a series.

The dual, with our scaling
--------------------------
For ``X = I`` write ``β = λ / 2``. For every ``u`` with ``||u||_inf <= β``,

.. math::

    \|y - w\|^2 + λ\|Dw\|_1 \;\ge\; \|y - w\|^2 + 2 u^\top D w
    \;\ge\; \min_w (\ldots) = \|y\|^2 - \|y - D^\top u\|^2 =: \mathcal D(u),

the minimum over w being attained at ``w = y - D^T u``. So the dual problem is the
box-constrained least squares

.. math::

    \min_u \tfrac12 \|y - D^\top u\|^2 \quad\text{s.t.}\quad |u_i| \le λ/2,

a QP ``1/2 u^T A u - b^T u`` with the banded ``A = D D^T`` (bandwidth k) and ``b = D y``; the
primal solution is ``w = y - D^T u``. For any ``w`` and feasible ``u`` the gap is, without the
cancellation of ``||y||^2`` against itself,

.. math::

    F(w) - \mathcal D(u) = \|y - w - D^\top u\|^2
        + \sum_i \big(λ |(Dw)_i| - 2 u_i (Dw)_i\big) \;\ge 0.

A general X with full column rank reduces to this form: with ``X = QR`` (thin QR) and
``z = R w``, ``||y - Xw||^2 = ||Q^T y - z||^2 + ||y - Q Q^T y||^2`` and ``D w = (D R^{-1}) z``;
the same dual holds with ``y → Q^T y`` and ``D → M = D R^{-1}`` (dense, small).

The dual QP is solved exactly
-----------------------------
Its solution is determined by the sets where ``u_i = ±λ/2`` (the knots of the fit, where
``(Dw)_i ≠ 0``): given them, the rest of u is one linear solve with ``A`` restricted to the
free rows, banded again (solved by the corrected semi-normal equations: Cholesky of
``M_F M_F^T`` refined with residuals taken through ``ŷ - M^T u``). The solver

1. runs a primal active-set method from the knots of the previous λ (warm start along a path):
   solve on the face, walk to its minimizer until a coordinate meets a bound, release a bound
   whose multiplier has the wrong sign; monotone and finite, typically a few face solves per λ;
2. otherwise (cold start) runs a Mehrotra predictor–corrector interior-point method on the box
   QP, each step one banded Cholesky solve (``O(n k^2)``, as in Kim, Koh, Boyd & Gorinevsky's
   ℓ1 trend filtering), and, as soon as its iterates point at a face, finishes with the
   active-set method from there.

The primal is then rebuilt on the optimal face so that it lies *exactly* on it (see
:class:`GeneralizedLasso`), and the dual point is read back from the primal by cumulative sums
(``X = I``) when that gives the smaller gap.

Every answer carries the relative duality gap ``(F(w) - D(u)) / F(w)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import (
    LinAlgError,
    cho_factor,
    cho_solve,
    cho_solve_banded,
    cholesky_banded,
    qr,
    solve_triangular,
)
from scipy.special import comb

from reglab._validation import ReglabInputError, check_finite_array, check_nonnegative
from reglab.penalties import difference_matrix

__all__ = [
    "GeneralizedLasso",
    "TrendSolution",
    "difference_duality_gap",
    "difference_kkt_distance",
]

_TINY = np.finfo(float).tiny
_EPS = np.finfo(float).eps
_ACTIVE_SET_STEPS = 60  # warm start: a few knots change between neighbouring λ
_POLISH_STEPS = 10


@dataclass(frozen=True, eq=False)
class TrendSolution:
    """One solve of the generalized lasso.

    Attributes
    ----------
    w : ndarray of shape (p,)
        The coefficients (the fitted series when ``X = I``).
    u : ndarray of shape (p - k,)
        The dual solution, ``|u_i| <= λ / 2``; ``u_i = ±λ/2`` at the knots.
    gap : float
        Relative duality gap ``(F(w) - D(u)) / max(F(w), tiny)``.
    n_iter : int
        Face solves plus interior-point iterations.
    converged : bool
        Whether the gap reached the tolerance.
    message : str
        How the answer was found, or why not.
    """

    w: np.ndarray
    u: np.ndarray
    gap: float
    n_iter: int
    converged: bool
    message: str


# ------------------------------------------------------------------------------------------
# The two shapes of M: banded differences (X = I) and a dense reduced matrix (general X)
# ------------------------------------------------------------------------------------------
class _DifferenceRows:
    """The rows ``rows`` of the k-th difference matrix of length n, never formed densely."""

    def __init__(self, n, order, rows=None):
        self.n, self.order = n, order
        self.rows = np.arange(n - order) if rows is None else rows
        self.m = self.rows.size
        coef = np.array([(-1.0) ** (order - j) * comb(order, j, exact=True)
                         for j in range(order + 1)])
        # D D^T is Toeplitz: its entries are the autocorrelation of one row's coefficients.
        self.acf = np.array([coef[: order + 1 - lag] @ coef[lag:] for lag in range(order + 1)])
        self.a_norm = float(2 * np.abs(self.acf).sum() - self.acf[0])  # ||D D^T||_inf bound

    def restrict(self, sub):
        return _DifferenceRows(self.n, self.order, self.rows[sub])

    def M(self, z):
        return np.diff(z, n=self.order)[self.rows]

    def MT(self, u):
        full = np.zeros(self.n - self.order)
        full[self.rows] = u
        return _difference_adjoint(full, self.order)

    def diag_A(self):
        return np.full(self.m, self.acf[0])

    def factor(self, sub=None, shift=None):
        """Solver for ``(M_S M_S^T + diag(shift)) x = r``, S the rows ``sub``; None if singular."""
        rows = self.rows if sub is None else self.rows[sub]
        size, k = rows.size, self.order
        bands = np.zeros((k + 1, size))
        bands[0] = self.acf[0]
        for lag in range(1, min(k, size - 1) + 1):
            distance = rows[lag:] - rows[:-lag]
            bands[lag, : size - lag] = np.where(distance <= k,
                                                self.acf[np.minimum(distance, k)], 0.0)
        if shift is not None:
            bands[0] += shift
        try:
            lower = cholesky_banded(bands, lower=True, check_finite=False)
        except LinAlgError:
            return None
        return lambda rhs: cho_solve_banded((lower, True), rhs, check_finite=False)


class _DenseRows:
    """The rows ``rows`` of a dense matrix M (the reduced ``D R^{-1}`` of a general X)."""

    def __init__(self, matrix, rows=None):
        self.matrix = matrix
        self.rows = np.arange(matrix.shape[0]) if rows is None else rows
        self.m = self.rows.size
        self._sub = matrix[self.rows]
        self.a_norm = float(np.max(np.abs(self._sub @ self._sub.T).sum(axis=1), initial=0.0))

    def restrict(self, sub):
        return _DenseRows(self.matrix, self.rows[sub])

    def M(self, z):
        return self._sub @ z

    def MT(self, u):
        return self._sub.T @ u

    def diag_A(self):
        return np.einsum("ij,ij->i", self._sub, self._sub)

    def factor(self, sub=None, shift=None):
        rows = self._sub if sub is None else self._sub[sub]
        A = rows @ rows.T
        if shift is not None:
            A[np.diag_indices_from(A)] += shift
        try:
            factor = cho_factor(A, lower=True, check_finite=False)
        except LinAlgError:
            return None
        return lambda rhs: cho_solve(factor, rhs, check_finite=False)


# ------------------------------------------------------------------------------------------
# The box-constrained dual: min 1/2 ||g - M^T u||^2  s.t.  |u_i| <= beta
# ------------------------------------------------------------------------------------------
class _BoxDual:
    r"""The box-constrained QP ``min_u 1/2 ||ĝ - M^T u||^2`` s.t. ``|u_i| <= β``.

    It is the dual of ``min_z 1/2 ||ĝ - z||^2 + β ||M z||_1``, with ``z = ĝ - M^T u``. For
    feasible u the gap of that pair is ``β ||M z||_1 - u^T M z >= 0``.
    """

    def __init__(self, op, g_hat, beta):
        self.op, self.g_hat, self.beta = op, g_hat, float(beta)
        self.b = op.M(g_hat)
        self.diag = op.diag_A()

    def A(self, u):
        return self.op.M(self.op.MT(u))

    def multiplier(self, u):
        """``b - A u = M (ĝ - M^T u)``, through the residual (no cancellation of b and A u)."""
        return self.op.M(self.g_hat - self.op.MT(u))

    def face(self, upper, lower):
        """Return the exact minimizer with ``u = β`` on upper, ``-β`` on lower, free elsewhere."""
        u = self.beta * (upper.astype(float) - lower.astype(float))
        free = ~(upper | lower)
        if free.any():
            solve = self.op.factor(np.flatnonzero(free))
            if solve is None:
                return None
            u[free] = solve(self.multiplier(u)[free])
            # Corrected semi-normal equations: A_FF = M_F M_F^T squares the condition number of
            # M_F (long runs between knots make it ~ run^(2k)); refining with the residual taken
            # through ĝ - M^T u recovers the accuracy of a QR solve.
            for _ in range(2):
                u[free] += solve(self.multiplier(u)[free])
        return u

    def solve(self, warm=None, max_iter=200):
        """Find the optimal face and the exact u on it.

        ``warm`` is ``(u, (upper, lower))`` from a neighbouring problem (the previous λ).
        Returns ``(u, (upper, lower), n_iter, found, how)``; ``found`` means the KKT conditions
        of the box QP hold on the face (up to rounding).
        """
        m, beta = self.op.m, self.beta
        if m == 0 or beta == 0:
            return np.zeros(m), _no_sets(m), 0, True, "no free dual variables"
        count = [0]

        def polish(u, upper, lower, steps):
            found, used = self._active_set(u, upper, lower, steps)
            count[0] += used
            return found

        if warm is not None and warm[0].size == m:
            # Scale the previous u into the new box: feasible, its knots still on the bounds,
            # and no other coordinate pinned (clipping would pin whole stretches at once).
            u_warm, warm_beta = warm[0], float(np.max(np.abs(warm[0]), initial=0.0))
            if warm_beta > 0:
                u_warm = u_warm * (beta / warm_beta)
            found = polish(u_warm, *warm[1], _ACTIVE_SET_STEPS)
            if found is not None:
                return *found, count[0], True, "exact (active set, warm-started)"
        found, u, iterations = self._interior_point(polish, max_iter)
        if found is not None:
            return *found, count[0] + iterations, True, "exact (interior point, then active set)"
        upper, lower = u >= beta * (1 - 1e-9), u <= -beta * (1 - 1e-9)
        return (u, (upper, lower), count[0] + iterations, False,
                f"no optimal face identified after {iterations} interior-point iterations")

    def _active_set(self, u, upper, lower, max_steps):
        """Primal active-set method from a feasible u (bounds in ``upper``/``lower`` held).

        Each step solves on the face, walks toward its minimizer until a free coordinate
        meets a bound (it joins the face) or arrives; at the face minimizer a bound whose
        multiplier ``y = b - A u`` has the wrong sign (``y_i < 0`` at the upper bound,
        ``y_i > 0`` at the lower) is released, the worst first. The objective decreases at
        every step. Returns ``((u, (upper, lower)) or None, steps used)``.
        """
        beta, b = self.beta, self.b
        upper, lower = upper.copy(), lower.copy()
        lower &= ~upper
        u = np.clip(u, -beta, beta)
        u[upper], u[lower] = beta, -beta
        # Multipliers below this are rounding: A u carries errors of eps |A| |u|.
        slack = 64 * _EPS * (self.op.a_norm * beta + float(np.max(np.abs(b), initial=0.0)))
        for step in range(1, max_steps + 1):
            target = self.face(upper, lower)
            if target is None:
                return None, step
            d = target - u
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios = np.where(d > 0, (beta - u) / d, np.where(d < 0, (-beta - u) / d, np.inf))
            ratios[upper | lower] = np.inf
            k = int(np.argmin(ratios))
            if ratios[k] < 1:
                u = u + max(ratios[k], 0.0) * d
                if d[k] > 0:
                    upper[k], u[k] = True, beta
                else:
                    lower[k], u[k] = True, -beta
                np.clip(u, -beta, beta, out=u)
                continue
            u = target
            y = self.multiplier(u)
            wrong = np.where(upper, -y, 0.0) + np.where(lower, y, 0.0)
            k = int(np.argmax(wrong))
            if not wrong[k] > slack:
                return (u, (upper, lower)), step
            upper[k] = lower[k] = False
        return None, max_steps

    def _interior_point(self, polish, max_iter):
        """Mehrotra predictor-corrector on the box QP; polish as soon as the sets settle.

        Returns ``(polished or None, last iterate, iterations)``.
        """
        beta, b, m = self.beta, self.b, self.op.m
        u = np.zeros(m)
        q = self.A(u) - b
        spread = 0.1 * float(np.max(np.abs(q), initial=0.0)) + beta + _TINY
        z1, z2 = np.maximum(q, 0.0) + spread, np.maximum(-q, 0.0) + spread  # z1 - z2 = q
        mu0 = None
        stalled = 0
        tried = set()
        for iteration in range(1, max_iter + 1):
            s1, s2 = u + beta, beta - u  # slacks of u >= -beta and u <= beta
            residual = self.A(u) - b - z1 + z2
            mu = float(s1 @ z1 + s2 @ z2) / (2 * m)
            mu0 = mu if mu0 is None else mu0
            if not mu > 0 or stalled >= 3:  # no progress left: only rounding
                return None, u, iteration
            solve = self.op.factor(shift=z1 / s1 + z2 / s2)
            if solve is None:
                return None, u, iteration

            def direction(target1, target2, solve=solve, s1=s1, s2=s2, z1=z1, z2=z2,
                          residual=residual):
                # Newton on A u - b - z1 + z2 = 0, s1 z1 = target1, s2 z2 = target2 with
                # s1 = u + beta, s2 = beta - u, eliminating dz1, dz2: one banded solve.
                du = solve(-residual + target1 / s1 - z1 - target2 / s2 + z2)
                return du, target1 / s1 - z1 - z1 / s1 * du, target2 / s2 - z2 + z2 / s2 * du

            du, dz1, dz2 = direction(np.zeros(m), np.zeros(m))
            alpha = _max_step((s1, du), (s2, -du), (z1, dz1), (z2, dz2))
            mu_aff = float((s1 + alpha * du) @ (z1 + alpha * dz1)
                           + (s2 - alpha * du) @ (z2 + alpha * dz2)) / (2 * m)
            sigma = (mu_aff / mu) ** 3
            du, dz1, dz2 = direction(sigma * mu - du * dz1, sigma * mu + du * dz2)
            alpha = min(1.0, 0.99 * _max_step((s1, du), (s2, -du), (z1, dz1), (z2, dz2)))
            stalled = stalled + 1 if alpha < 1e-10 else 0
            u, z1, z2 = u + alpha * du, z1 + alpha * dz1, z2 + alpha * dz2
            if mu > 1e-2 * mu0:
                continue
            # The faces the iterate points at: the active-set rule applied to u (scale-free,
            # right once u is near the solution), and where the multiplier outweighs its slack
            # in the units of A (z / s > A_ii).
            trial = u + (b - self.A(u)) / self.diag
            guesses = ((trial > beta, trial < -beta),
                       (z2 > (beta - u) * self.diag, z1 > (u + beta) * self.diag))
            for upper, lower in guesses:
                key = upper.tobytes() + lower.tobytes()
                if key in tried:
                    continue
                tried.add(key)
                polished = polish(u, upper, lower, _POLISH_STEPS)
                if polished is not None:
                    return polished, u, iteration
        return None, u, max_iter


def _no_sets(m):
    return np.zeros(m, dtype=bool), np.zeros(m, dtype=bool)


def _max_step(*pairs):
    """Largest alpha in (0, 1] keeping every ``x + alpha dx`` nonnegative."""
    alpha = 1.0
    for x, dx in pairs:
        shrinking = dx < 0
        if shrinking.any():
            alpha = min(alpha, float(np.min(-x[shrinking] / dx[shrinking])))
    return alpha


# ------------------------------------------------------------------------------------------
# The problem and its reduction
# ------------------------------------------------------------------------------------------
def _is_identity(X):
    n, p = X.shape
    return n == p and bool(np.all(np.diag(X) == 1.0)) and int(np.count_nonzero(X)) == n


def _difference_adjoint(u, order):
    """``D_k^T u`` (D_k^T = (Δ^T)^k with ``Δ^T v = -diff(pad(v))``)."""
    for _ in range(order):
        out = np.empty(u.size + 1)
        out[0] = -u[0] if u.size else 0.0
        out[1:-1] = u[:-1] - u[1:]
        out[-1] = u[-1] if u.size else 0.0
        u = out
    return u


def _difference_adjoint_inverse(v, order):
    """Return the least-squares solution u of ``D_k^T u = v``, by cumulative sums.

    The residual of that least-squares problem is the projection of v on the null space of
    ``D_k`` (the polynomials of degree < k), which is removed first; the rest is consistent and
    ``Δ^T a = v`` reads ``a_j = a_{j-1} - v_j``: ``a = -cumsum(v)`` (first n - 1 entries). k
    such steps invert ``D_k^T = (Δ^T)^k``.
    """
    if order > 0:
        grid = np.linspace(-1.0, 1.0, v.size)
        basis, _ = np.linalg.qr(np.vander(grid, order, increasing=True))
        v = v - basis @ (basis.T @ v)
    for _ in range(order):
        v = -np.cumsum(v)[:-1]
    return v


def _rounding_zero(Dw, w, order):
    """Entries of ``D_k w`` that are zero up to the rounding of w (``2^k`` terms of size |w|)."""
    return np.abs(Dw) <= 2**order * 64 * _EPS * float(np.max(np.abs(w), initial=0.0))


class GeneralizedLasso:
    r"""``minimize_w ||y - X w||_2^2 + λ ||D_k w||_1``, one λ at a time, warm-started.

    Parameters
    ----------
    X : ndarray of shape (n, p), or None
        The design; ``None`` (or the identity matrix) is signal approximation, solved with
        banded linear algebra in ``O(n k^2)`` per step. Otherwise X must have full column
        rank (the reduction of the module docstring).
    y : ndarray of shape (n,)
        The response (the series).
    order : int
        The difference order k >= 0 (``k = 0`` is the lasso).

    Notes
    -----
    For ``k <= 2`` the primal is rebuilt on the optimal face rather than read off the dual as
    ``R^{-1}(ŷ - M^T u)``: the dual variables are as large as ``λ/2``, their rounding would
    leave wiggles of size ``eps λ`` in w, and ``λ ||D w||_1`` would count each of them. On the
    face w is a least-squares combination of indicator (k = 0), step (k = 1) or hat (k = 2)
    functions with knots where ``|u_i| = λ/2``; for k = 2 its slopes are then rounded to a
    power-of-two grid (:func:`_exact_on_face`), so that ``D w`` is *exactly* zero
    between the knots and the gap reflects the solution, not the rounding. (Without that step
    the relative gap could not fall below about ``λ n 2^k eps max|w| / F``: 1e-8 near the
    largest λ of the CO2 series.) For ``k > 2`` (and ``X = I``) w is read off the dual and then
    rounded onto the face the same way.
    """

    def __init__(self, X, y, order):
        y = check_finite_array("y", y, ndim=1)
        self.order = int(order)
        if X is not None:
            X = check_finite_array("X", X, ndim=2)
            if X.shape[0] != y.size:
                raise ReglabInputError("y", f"must have one entry per row of X ({X.shape[0]})",
                                       y.size)
            if _is_identity(X):
                X = None
        self.y = y
        if X is None:
            p = y.size
            difference_matrix(p, self.order)  # checks p > order
            self.op = _DifferenceRows(p, self.order)
            self.y_hat, self.offset = y, 0.0
            self._R = None
        else:
            p = X.shape[1]
            D = difference_matrix(p, self.order)
            Q, R = qr(X, mode="economic")
            singular = np.linalg.svd(R, compute_uv=False)
            rank = int(np.sum(singular > singular[0] * max(X.shape) * _EPS))
            if rank < p:
                raise ReglabInputError(
                    "X", "must have full column rank for the DifferenceL1 penalty",
                    f"rank {rank} < {p} columns")
            self.y_hat = Q.T @ y
            resid = y - Q @ self.y_hat
            self.offset = float(resid @ resid)  # the part of ||y - Xw||^2 no w can change
            # M = D R^{-1}, from R^T M^T = D^T.
            self.op = _DenseRows(solve_triangular(R, D.T, trans="T", lower=False).T)
            self._R, self._X = R, X
        self.p = p
        self.is_identity = self._R is None
        self._warm = None

    def solve(self, lam, *, tol=1e-10, max_iter=200):
        """Solve at one λ (warm-started from the previous call's knots).

        Returns
        -------
        TrendSolution
        """
        lam = check_nonnegative("lam", lam)
        dual = _BoxDual(self.op, self.y_hat, lam / 2.0)
        u, sets, n_iter, found, how = dual.solve(self._warm, max_iter)
        if lam == 0:  # the dual box is {0}: least squares, w = R^{-1} ŷ
            w = None
            how = "least squares (λ = 0)"
        else:
            w = self._primal(u, sets, lam) if found else None
        if w is None:
            z = self.y_hat - self.op.MT(u)
            w = z if self._R is None else solve_triangular(self._R, z, lower=False)
        gap, F = self._gap(w, u, lam)
        if self._R is None and self.order > 0:
            # The dual point read off the primal, D^T u = y - w, solved exactly by k cumulative
            # sums (the first n - k equations are triangular): far more accurate than the face
            # solve with D_F D_F^T, whose condition number grows like (run length)^(2k).
            u_primal = np.clip(_difference_adjoint_inverse(self.y - w, self.order),
                               -lam / 2.0, lam / 2.0)
            gap_primal, _ = self._gap(w, u_primal, lam)
            if abs(gap_primal) < abs(gap):
                u, gap = u_primal, gap_primal
        self._warm = (u, sets) if found else None
        relative = abs(gap) / max(F, _TINY)
        converged = bool(found and relative <= tol)
        if found and not converged:
            floor = (lam * max(self.op.m, 1) * 2**self.order * _EPS
                     * float(np.max(np.abs(w), initial=0.0)) / max(F, _TINY))
            how += (f"; the gap {relative:.2g} exceeds tol {tol:g} (the rounding of w alone "
                    f"costs about {floor:.1g} here)")
        return TrendSolution(w=w, u=u, gap=relative, n_iter=n_iter, converged=converged,
                             message=how)

    def _gap(self, w, u, lam):
        """``(F(w) - D(u), F(w))`` by the cancellation-free formula (u feasible)."""
        z = w if self._R is None else self._R @ w
        residual = self.y_hat - z
        Mz = np.diff(w, n=self.order)  # = M z
        e = residual - self.op.MT(u)
        gap = float(e @ e) + float(lam * np.sum(np.abs(Mz)) - 2.0 * u @ Mz)
        F = self.offset + float(residual @ residual) + lam * float(np.sum(np.abs(Mz)))
        return gap, F

    def _primal(self, u, sets, lam):
        """Return the primal on the face ``sets``, built to lie exactly on it, or None.

        On the face, ``D_F w = 0`` on the free rows and the signs of ``D_B w`` are those of
        ``u_B = ±λ/2``: w minimizes ``||y - X w||^2 + 2 u_B^T D_B w`` over the null space of
        ``D_F``, spanned by indicator (k = 0), step (k = 1) or hat (k = 2) functions, whose
        combinations have exactly zero k-th differences off the knots.
        """
        upper, lower = sets
        knots = np.flatnonzero(upper | lower)
        signs = np.where(upper[knots], 1.0, -1.0)
        y, n, beta = self.y, self.p, lam / 2.0
        if self._R is not None:
            return self._primal_general(knots, signs, beta) if self.order <= 2 else None
        if self.order > 2:  # read off the dual, then put exactly on the face
            return _exact_on_face(y - self.op.MT(u), knots, self.order)
        if self.order == 0:  # soft thresholding
            w = np.zeros(n)
            w[knots] = y[knots] - beta * signs
            return w
        if self.order == 1:
            # Row i of D is w_{i+1} - w_i: knots split [0, n) into runs of constant w. On a run
            # [a, b) the sum of (D^T u)_j telescopes to u_{a-1} - u_{b-1}, so
            # w = mean_run(y) - (u_{a-1} - u_{b-1}) / (b - a).
            starts = np.concatenate([[0], knots + 1])
            ends = np.concatenate([knots + 1, [n]])
            u_in = np.concatenate([[0.0], beta * signs])
            u_out = np.concatenate([beta * signs, [0.0]])
            level = (np.add.reduceat(y, starts) - (u_in - u_out)) / (ends - starts)
            return np.repeat(level, ends - starts)
        # Order 2: row i is w_i - 2 w_{i+1} + w_{i+2}, a kink at i + 1. Between the knots w is
        # linear: w = H c with hat functions H on the nodes {0, kinks, n - 1}. Since D_F H = 0
        # on the free rows, H^T (w - y + D^T u) = 0 reads H^T H c = H^T (y - D_B^T u_B), a
        # tridiagonal system.
        nodes = np.unique(np.concatenate([[0], knots + 1, [n - 1]]))
        j = np.arange(n)
        segment = np.clip(np.searchsorted(nodes, j, side="right") - 1, 0, nodes.size - 2)
        theta = (j - nodes[segment]) / (nodes[segment + 1] - nodes[segment])
        u_knots = np.zeros(self.op.m)
        u_knots[knots] = beta * signs
        target = y - self.op.MT(u_knots)
        m = nodes.size
        left, right = 1.0 - theta, theta
        gram = np.zeros((2, m))  # banded lower storage of H^T H
        np.add.at(gram[0], segment, left * left)
        np.add.at(gram[0], segment + 1, right * right)
        np.add.at(gram[1], segment, left * right)
        rhs = np.zeros(m)
        np.add.at(rhs, segment, left * target)
        np.add.at(rhs, segment + 1, right * target)
        try:
            lower_factor = cholesky_banded(gram, lower=True, check_finite=False)
        except LinAlgError:
            return None
        c = cho_solve_banded((lower_factor, True), rhs, check_finite=False)
        return _exact_on_face(c[segment] * left + c[segment + 1] * right, knots, 2)

    def _primal_general(self, knots, signs, beta):
        X, y, p, k = self._X, self.y, self.p, self.order
        if k == 0:
            basis = np.eye(p)[:, knots]
        elif k == 1:
            basis = np.zeros((p, knots.size + 1))
            basis[np.arange(p), np.searchsorted(knots + 1, np.arange(p), side="right")] = 1.0
        else:
            nodes = np.unique(np.concatenate([[0], knots + 1, [p - 1]]))
            basis = np.zeros((p, nodes.size))
            j = np.arange(p)
            segment = np.clip(np.searchsorted(nodes, j, side="right") - 1, 0, nodes.size - 2)
            theta = (j - nodes[segment]) / (nodes[segment + 1] - nodes[segment])
            basis[j, segment] += 1.0 - theta
            basis[j, segment + 1] += theta
        if basis.shape[1] == 0:
            return np.zeros(p)
        u_knots = np.zeros(p - k)
        u_knots[knots] = beta * signs
        XN = X @ basis
        rhs = XN.T @ y - basis.T @ _difference_adjoint(u_knots, k)
        try:
            c = cho_solve(cho_factor(XN.T @ XN, lower=True, check_finite=False), rhs,
                          check_finite=False)
        except LinAlgError:
            return None
        return _exact_on_face(basis @ c, knots, 2) if k == 2 else basis @ c

    def subgradient_residual(self, w, u, g, lam):
        """``|g - D^T (2u)|`` per coordinate when ``2u`` is in ``λ ∂||D w||_1``, else None.

        At the solution ``g = 2 X^T (y - X w) = D^T (2u)``; this is a cheap upper bound on the
        KKT residual, valid when the signs of u agree with those of ``D w`` where ``D w != 0``.
        """
        Dw = np.diff(w, n=self.order)
        nonzero = ~_rounding_zero(Dw, w, self.order)
        if np.any(2.0 * u[nonzero] != lam * np.sign(Dw[nonzero])):
            return None
        return np.abs(g - _difference_adjoint(2.0 * u, self.order))


def _exact_on_face(w, knots, order):
    """Round w to a sequence whose k-th differences are *exactly* zero off the knots.

    On the face, ``z = D_{k-1} w`` is constant between knots (row i of ``D_k`` is
    ``z_{i+1} - z_i``). Each run of z is replaced by its mean rounded to a multiple of a power
    of two ``q`` (about ``2^-49 max|w|``), and w is rebuilt from z and its first k - 1 leading
    differences by k - 1 cumulative sums in integer arithmetic: every entry is an exact
    multiple of q, so ``D_k w`` is computed without rounding and vanishes between the knots.
    The rounding moves w by about ``n^(k-1) q`` along the face (same knots, same signs), which
    changes F only to second order at the face's minimizer.
    """
    if order == 0:
        return w
    top = float(np.max(np.abs(w), initial=0.0))
    if top == 0:
        return w
    q = 2.0 ** (math.frexp(top)[1] - 49)
    z = np.diff(w, n=order - 1)
    starts = np.concatenate([[0], knots + 1])
    lengths = np.diff(np.concatenate([starts, [z.size]]))
    runs = np.add.reduceat(z, starts) / lengths
    integer = np.rint(np.repeat(runs, lengths) / q).astype(np.int64)
    for j in range(order - 2, -1, -1):  # rebuild D_j w from D_{j+1} w and its first entry
        first = np.int64(np.rint(np.diff(w, n=j)[0] / q))
        integer = np.concatenate([[first], first + np.cumsum(integer)])
    return integer.astype(float) * q


def difference_duality_gap(X, y, order, lam, w):
    """Relative duality gap of the generalized lasso at any ``w``.

    The dual point is ``u = clip(argmin_u ||ŷ - z - M^T u||, ±λ/2)`` with ``z = R w`` (the
    least-squares multiplier, one banded solve when ``X = I``), always feasible and optimal at
    the minimizer; the gap formula of the module docstring needs no cancellation.
    """
    model = GeneralizedLasso(X, y, order)
    w = np.asarray(w, dtype=float)
    z = w if model._R is None else model._R @ w
    op = model.op
    if model.is_identity and order > 0:  # cumulative sums: exact, no normal equations
        u = _difference_adjoint_inverse(model.y - w, order)
    else:
        dual = _BoxDual(op, model.y_hat - z, 0.0)
        u = dual.face(np.zeros(op.m, dtype=bool), np.zeros(op.m, dtype=bool))
        if u is None:
            u = np.zeros(op.m)
    gap, F = model._gap(w, np.clip(u, -lam / 2, lam / 2), lam)
    return abs(gap) / max(F, _TINY)


def difference_kkt_distance(order, w, g, lam):
    """Per-coordinate distance from ``g`` to ``λ ∂||D_k w||_1``, in ``O(p k^2)``.

    The quantity of :meth:`reglab.penalties.DifferenceL1.subdiff_distance` (which uses a dense
    BVLS): ``|g - D^T u|`` for ``u = argmin ||g - D^T u||_2`` over ``u_i = λ sign((Dw)_i)``
    where ``(Dw)_i != 0`` and ``|u_i| <= λ`` elsewhere, here by the banded box-QP solver.
    ``(Dw)_i`` counts as zero below the rounding of w, ``2^k 64 eps max|w|``.
    """
    w, g = np.asarray(w, dtype=float), np.asarray(g, dtype=float)
    op = _DifferenceRows(w.size, order)
    Dw = np.diff(w, n=order)
    fixed = ~_rounding_zero(Dw, w, order)
    u_fixed = np.where(fixed, lam * np.sign(Dw), 0.0)
    g_hat = g - op.MT(u_fixed)
    free = np.flatnonzero(~fixed)
    if free.size == 0 or lam == 0:
        return np.abs(g_hat)
    dual = _BoxDual(op.restrict(free), g_hat, lam)
    u, *_ = dual.solve(None, 200)
    return np.abs(g_hat - dual.op.MT(u))
