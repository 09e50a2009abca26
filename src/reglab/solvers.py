r"""Exact solvers for penalized least squares, every answer with its optimality certificate.

The problem is already centered and standardized (no intercept); every solver minimizes

.. math::

    F(w) = \|y - X w\|_2^2 + \lambda\,P(w),

the lecture's objective (no 1/2, no 1/n). Throughout, ``g = 2 X^T (y - X w)`` is the *negative*
gradient of the loss, so ``w`` is stationary exactly when ``g ∈ λ ∂P(w)``.

================================  ==================================================================
penalty                           method (exact where the mathematics allows)
================================  ==================================================================
``L1``, ``L2``, ``ElasticNet``    active set (feature-sign search): one linear solve on the support
(any weights), ``Lp(1)``,         per step, a line search to the first sign change; finitely many
``Lp(2)``                         steps, exact up to rounding
``Lp(p)``, ``1 < p < inf``        Newton's method with a line search; for ``p < 2`` in the
                                  coordinates ``s = λ dP/dw``, where the equations are smooth
``Lp(inf)``                       the exact homotopy in the radius ``t = max_j v_j |w_j|``
``Lp(p)``, ``0 < p < 1``          majorization–minimization (each step an exact weighted lasso),
(non-convex)                      Newton on the support, single-coordinate moves: a local minimum
``DifferenceL1(k)``               its dual, a box-constrained QP, solved exactly
                                  (:mod:`reglab.trend`)
================================  ==================================================================

Rank-deficient designs (``p > n``, collinear polynomial columns) are handled where they arise:
the active-set method follows the zero-curvature direction of a singular face until a
coefficient reaches zero, so (as on the LARS path) no more than rank(X) penalized coefficients
are active; least-squares pieces with no ridge part (unpenalized coefficients, the free set of
the ``Lp(inf)`` homotopy, Newton steps whose Hessian is singular) take the minimum-norm
solution. The generalized lasso needs X of full column rank (or ``X = I``) and says so.

Each result carries a :class:`Certificate`: the relative duality gap for the convex penalties,
the relative stationarity (KKT) residual for ``Lp`` with ``p < 1``. A solver never fails
silently: when it stops short, ``converged`` is ``False``, the certificate is not ``ok`` and
``message`` says why. Nothing in here warns or prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reglab._scipy_linalg import scipy_linalg
from reglab._validation import (
    ReglabInputError,
    check_finite_array,
    check_nonnegative,
    check_positive,
)
from reglab.penalties import L1, L2, DifferenceL1, ElasticNet, Lp, Penalty

__all__ = [
    "Certificate",
    "SolverResult",
    "duality_gap",
    "kkt_residual",
    "solve",
    "solve_path",
]

_TINY = np.finfo(float).tiny
_EPS = np.finfo(float).eps
_DEFAULT_MAX_ITER = 1000
# Stop the inner iterations this far below the requested certificate tolerance, so that the
# certificate (computed independently afterwards) passes with room to spare.
_INNER = 1e-3
# Newton's methods stop when the gradient is this fraction of tol (relative): quadratic
# convergence takes them well below it in the same step that crosses it.
_NEWTON_STOP = 1e-1
# Along a path, Lp starts are extrapolated from the last two answers when these are no further
# apart than this in log λ (a factor 10; the default grids step by factors 1.1 to 1.2).
_LONGEST_SECANT = math.log(10.0)
_LOG_MAX = math.log(np.finfo(float).max)


# ------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Certificate:
    """A certificate of optimality.

    Attributes
    ----------
    kind : str
        ``"duality_gap"``: ``(F(w) - D(θ)) / max(F(w), tiny)`` for a dual-feasible ``θ``; it
        bounds the relative suboptimality ``(F(w) - F*) / F(w)``. ``"kkt"``: the stationarity
        residual ``||dist(g, λ ∂P(w))||_inf / max(||2 X^T y||_inf, tiny)`` (the limiting
        subdifferential for non-convex penalties).
    value : float
        The relative value.
    tol : float
        The tolerance the value is held to.
    """

    kind: str
    value: float
    tol: float

    @property
    def ok(self) -> bool:
        """Whether the value is finite and at most ``tol``."""
        return bool(math.isfinite(self.value) and self.value <= self.tol)

    def to_dict(self) -> dict:
        """Return ``{"kind", "value", "tol", "ok"}`` with plain Python types."""
        return {"kind": self.kind, "value": float(self.value), "tol": float(self.tol),
                "ok": self.ok}


@dataclass(frozen=True, eq=False)
class SolverResult:
    """The answer of one solve.

    Attributes
    ----------
    w : ndarray of shape (n_features,)
        The coefficients.
    objective : float
        ``F(w) = ||y - X w||^2 + lam * P(w)``.
    certificate : Certificate
        Duality gap (convex penalties) or KKT residual (``Lp`` with ``p < 1``).
    n_iter : int
        Linear solves, Newton steps, homotopy pieces or interior-point iterations used.
    converged : bool
        The method finished normally *and* the certificate is ok.
    message : str
        What was found (``"optimal"``, ``"local minimum (p < 1 is non-convex) ..."``) or why
        the solver did not converge.
    kkt : float
        The relative KKT residual, reported alongside the certificate (``nan`` when not
        computed).
    """

    w: np.ndarray
    objective: float
    certificate: Certificate
    n_iter: int
    converged: bool
    message: str
    kkt: float = math.nan


# ------------------------------------------------------------------------------------------
# Public functions
# ------------------------------------------------------------------------------------------
def solve(
    X: np.ndarray | None,
    y: np.ndarray,
    penalty: Penalty,
    lam: float,
    *,
    w0: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int | None = None,
    gram: np.ndarray | None = None,
) -> SolverResult:
    r"""Minimize ``F(w) = ||y - X w||_2^2 + lam * P(w)`` and certify the answer.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), or None
        The (centered, standardized) design; ``None`` means the identity (signal
        approximation ``X = I``, the case of trend filtering a series).
    y : ndarray of shape (n_samples,)
        The (centered) response.
    penalty : Penalty
        ``L1``, ``L2``, ``ElasticNet``, ``Lp`` (any ``p > 0``, ``inf`` included) or
        ``DifferenceL1``, with their weights.
    lam : float
        λ >= 0.
    w0 : ndarray of shape (n_features,), optional
        A warm start (the support and signs are reused by the active-set methods). The
        ``Lp(inf)`` homotopy and the ``DifferenceL1`` solver do not use it.
    tol : float
        Tolerance of the certificate (relative duality gap, or relative KKT residual for
        ``p < 1``).
    max_iter : int, optional
        Cap on linear solves / Newton steps / homotopy pieces / interior-point iterations
        (default 1000).
    gram : ndarray of shape (n_features, n_features), optional
        ``X^T X``, when already computed (for instance once per cross-validation fold).

    Returns
    -------
    SolverResult

    Examples
    --------
    >>> import numpy as np
    >>> from reglab.penalties import L1
    >>> X = np.eye(3); y = np.array([3.0, -0.5, 1.0])
    >>> result = solve(X, y, L1(), 2.0)   # soft thresholding of y at lam / 2
    >>> print(np.round(result.w, 12) + 0.0, result.converged, result.certificate.kind)
    [2. 0. 0.] True duality_gap
    """
    X, y = _check_xy(X, y)
    lam = check_nonnegative("lam", lam)
    tol = check_positive("tol", tol)
    max_iter = _check_max_iter(max_iter)
    solver = _make_solver(X, y, penalty, tol, max_iter, gram)
    if w0 is not None:
        w0 = check_finite_array("w0", w0, ndim=1)
        if w0.shape != (solver.p,):
            raise ReglabInputError("w0", f"must have one entry per feature ({solver.p})",
                                   w0.shape[0])
    return solver.solve(lam, w0)


def solve_path(
    X: np.ndarray | None,
    y: np.ndarray,
    penalty: Penalty,
    lams: Sequence[float] | np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int | None = None,
    gram: np.ndarray | None = None,
    w0: np.ndarray | None = None,
) -> list[SolverResult]:
    """Solve along a λ grid, each solve warm-started from the previous one.

    The grid should be decreasing (from sparse to dense solutions): that is the order in which
    warm starts help, and the order that defines the continuation for ``Lp`` with ``p < 1``
    (whose local minimum depends on where the solver starts). For ``Lp`` with ``1 < p < inf``
    the start is extrapolated from the two previous answers where the grid steps steadily
    (log-spaced grids). Any order gives correct, certified answers.

    Parameters
    ----------
    X, y, penalty, tol, max_iter, gram
        As in :func:`solve`.
    lams : array_like of shape (n_lambdas,)
        The λ values, each >= 0.
    w0 : ndarray of shape (n_features,), optional
        Warm start of the first solve.

    Returns
    -------
    list of SolverResult
        One per λ, in the order given.
    """
    X, y = _check_xy(X, y)
    lams = check_finite_array("lams", lams, ndim=1)
    if (lams < 0).any():
        raise ReglabInputError("lams", "must be >= 0", lams[lams < 0][0])
    tol = check_positive("tol", tol)
    max_iter = _check_max_iter(max_iter)
    solver = _make_solver(X, y, penalty, tol, max_iter, gram)
    results: list[SolverResult] = []
    warm = w0
    for lam in lams:
        result = solver.solve(float(lam), warm)
        results.append(result)
        warm = result.w
    return results


def kkt_residual(X: np.ndarray | None, y: np.ndarray, penalty: Penalty, lam: float,
                 w: np.ndarray) -> float:
    """Relative stationarity residual of ``w``.

    ``||dist(g, lam ∂P(w))||_inf / max(||2 X^T y||_inf, tiny)`` with ``g = 2 X^T (y - X w)``,
    the distance taken coordinate-wise by ``penalty.subdiff_distance`` (for ``Lp`` with
    ``p < 1`` the limiting subdifferential, the whole line at ``w_j = 0``). Zero exactly at
    stationary points.
    """
    X, y = _check_xy(X, y)
    lam = check_nonnegative("lam", lam)
    w = check_finite_array("w", w, ndim=1)
    data = _Data(X, y, penalty_needs_gram=False)
    if w.shape != (data.p,):
        raise ReglabInputError("w", f"must have one entry per feature ({data.p})", w.shape[0])
    return _kkt(data, penalty, lam, w)


def duality_gap(X: np.ndarray | None, y: np.ndarray, penalty: Penalty, lam: float,
                w: np.ndarray) -> float | None:
    """Relative duality gap ``(F(w) - D(θ)) / max(F(w), tiny)`` at ``w``, or ``None``.

    ``θ`` is a dual-feasible point built from the residual of ``w`` (projected and scaled into
    the dual constraints), so the value is an upper bound on ``(F(w) - F*) / F(w)`` and is
    zero at the minimizer. ``None`` for ``Lp`` with ``p < 1`` (non-convex: no useful dual).
    """
    X, y = _check_xy(X, y)
    lam = check_nonnegative("lam", lam)
    w = check_finite_array("w", w, ndim=1)
    if isinstance(penalty, Lp) and penalty.p < 1:
        return None
    if isinstance(penalty, DifferenceL1):
        from reglab.trend import difference_duality_gap

        if w.shape != (X.shape[1] if X is not None else y.size,):
            raise ReglabInputError("w", "must have one entry per feature", w.shape[0])
        return difference_duality_gap(X, y, penalty.order, lam, w)
    data = _Data(X, y, penalty_needs_gram=False)
    if w.shape != (data.p,):
        raise ReglabInputError("w", f"must have one entry per feature ({data.p})", w.shape[0])
    solver = _make_solver(data.X, y, penalty, 1.0, 1, None)
    r = y - data.X @ w
    F = float(r @ r) + lam * penalty.value(w)
    return _relative(solver.gap(lam, w, F, r, 2.0 * (data.X.T @ r)), F)


# ------------------------------------------------------------------------------------------
# Input checks and shared data
# ------------------------------------------------------------------------------------------
def _check_xy(X, y):
    y = check_finite_array("y", y, ndim=1)
    if X is None:
        return None, y
    X = check_finite_array("X", X, ndim=2)
    if X.shape[0] != y.shape[0]:
        raise ReglabInputError("y", f"must have one entry per row of X ({X.shape[0]})",
                               y.shape[0])
    return X, y


def _check_max_iter(max_iter):
    if max_iter is None:
        return _DEFAULT_MAX_ITER
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 1:
        raise ReglabInputError("max_iter", "must be an integer >= 1", max_iter)
    return int(max_iter)


def _relative(gap: float, F: float) -> float:
    # A negative gap is rounding (or a bug): count its size against the certificate.
    return abs(float(gap)) / max(float(F), _TINY)


class _Identity:
    """``X = I`` without the n-by-n matrix: products, transposes and column slices."""

    def __init__(self, n):
        self.shape = (n, n)

    @property
    def T(self):
        return self

    def __matmul__(self, v):
        return np.array(v, dtype=float)

    def __getitem__(self, key):
        return np.eye(self.shape[0])[key]


class _Data:
    """The least-squares part ``||y - X w||^2`` and the Gram quantities the solvers share."""

    def __init__(self, X, y, gram=None, penalty_needs_gram=True):
        if X is None:  # the identity, formed only when a Gram matrix is needed
            self.X, self.y, self.p, self.c = _Identity(y.size), y, y.size, y
        else:
            self.X, self.y = X, y
            self.p = X.shape[1]
            self.c = X.T @ y
        self.b = 2.0 * self.c
        self.yy = float(y @ y)
        self.scale = max(float(np.max(np.abs(self.b), initial=0.0)), _TINY)
        if not penalty_needs_gram:
            return
        if gram is None:
            gram = np.eye(self.p) if X is None else X.T @ X
        else:
            gram = check_finite_array("gram", gram, ndim=2)
            if gram.shape != (self.p, self.p):
                raise ReglabInputError("gram", f"must be X^T X of shape ({self.p}, {self.p})",
                                       gram.shape)
        self.G = gram
        self.G2 = 2.0 * gram
        self.diag = np.diag(gram).copy()

    def neg_grad(self, w):
        """``g = 2 X^T (y - X w)``, through the residual (more accurate than the Gram form)."""
        return 2.0 * (self.X.T @ (self.y - self.X @ w))

    def loss(self, w):
        r = self.y - self.X @ w
        return float(r @ r)

    def smooth_change(self, w, step):
        """``L(w + step) - L(w)`` for the loss L, without the cancellation of two losses."""
        return float((self.G2 @ w - self.b) @ step + step @ (self.G @ step))


def _kkt(data, penalty, lam, w, g=None):
    if g is None:
        g = data.neg_grad(w)
    if isinstance(penalty, DifferenceL1):
        # The penalty's own distance uses a dense BVLS (O(p^3) per step) and an absolute zero
        # threshold; this one is banded and counts (Dw)_i below the rounding of w as zero.
        from reglab.trend import difference_kkt_distance

        distance = difference_kkt_distance(penalty.order, w, g, lam)
    else:
        distance = penalty.subdiff_distance(w, g, lam)
    return float(np.max(distance, initial=0.0)) / data.scale


def _cholesky(K):
    """Lower Cholesky factor of K (LAPACK, no checks: these are tiny matrices), or None."""
    factor, info = scipy_linalg().lapack.dpotrf(K, lower=1, clean=0)
    return factor if info == 0 else None


def _cho_solve(factor, rhs):
    return scipy_linalg().lapack.dpotrs(factor, rhs, lower=1)[0]


def _psd_solve(K, rhs):
    """Solve ``K x = rhs`` for symmetric PSD ``K``: Cholesky, else the minimum-norm solution."""
    factor = _cholesky(K)
    if factor is not None:
        return _cho_solve(factor, rhs)
    return np.linalg.lstsq(K, rhs, rcond=None)[0]


def _qr_face(Z, y, linear):
    """``argmin_z ||y - Z z||^2 + linear^T z`` by a QR factorization of Z (not its Gram matrix).

    The normal equations ``Z^T Z z = Z^T y - linear / 2`` become
    ``R z = Q^T y - R^{-T} linear / 2``: the error grows with cond(Z), not cond(Z)^2. Returns
    None when Z is numerically rank deficient.
    """
    Q, R = np.linalg.qr(Z)
    diagonal = np.abs(np.diag(R))
    if diagonal.size == 0 or diagonal.min() <= Z.shape[0] * _EPS * diagonal.max():
        return None
    from scipy.linalg import solve_triangular

    shifted = Q.T @ y - 0.5 * solve_triangular(R, linear, trans="T")
    return solve_triangular(R, shifted)


def _face_step(K, r, null_tol):
    """Step to the minimizer of the quadratic ``1/2 d^T K d - r^T d`` (K PSD).

    Returns ``(d, ray)``. With ``ray`` False, ``d`` is the minimizer (the minimum-norm one when
    K is singular and r lies in its range). With ``ray`` True, K is singular and r has a part
    larger than ``null_tol`` in its null space: along that part ``d`` the quadratic has zero
    curvature and decreases linearly, without bound; the caller follows it until a coordinate
    reaches zero. (For the lasso this is how the support stays no larger than rank(X).)
    """
    factor = _cholesky(K)
    if factor is not None:
        return _cho_solve(factor, r), False
    evals, vecs = np.linalg.eigh(K)
    cut = max(evals[-1], 0.0) * K.shape[0] * 16 * _EPS
    keep = evals > cut
    coef = vecs.T @ r
    null = vecs[:, ~keep] @ coef[~keep]
    if np.max(np.abs(null), initial=0.0) > null_tol:
        return null, True
    return vecs[:, keep] @ (coef[keep] / evals[keep]), False


# ------------------------------------------------------------------------------------------
# Quadratic + weighted L1: the exact active-set method (L1, L2, elastic net, MM steps)
# ------------------------------------------------------------------------------------------
def _weighted_lasso(data, t, d, allowed, w0, margin, null_tol, max_iter):
    r"""Exact minimizer of ``||y - Xw||^2 + sum_j t_j |w_j| + sum_j d_j / 2 w_j^2``.

    Coordinates outside ``allowed`` are held at zero. In the Gram form the objective is
    ``1/2 w^T H w - b^T w + sum_j t_j |w_j| + ||y||^2`` with ``H = 2 X^T X + diag(d)`` and
    ``b = 2 X^T y``. Feature-sign search (Lee, Battle, Raina & Ng, 2007):

    * On the active set A with signs s the objective is the quadratic
      ``1/2 w_A^T H_AA w_A - (b_A - t_A s_A)^T w_A``; its minimizer is one linear solve.
    * Walk from the current point toward it and stop at the first coordinate that would
      change sign; it leaves A at exactly zero. Along the walk the objective *is* that
      quadratic, so every step descends; no (A, s) repeats, the method is finite.
    * At the minimizer of the face, a zero coordinate j violates optimality iff
      ``|g_j| > t_j`` (``g = b - H w``); the worst one enters A with sign ``sign(g_j)``,
      which is the sign it takes in the next face minimizer. None violates: optimal.

    Coordinates with ``t_j = 0`` are always in A. When ``H_AA`` is singular (collinear columns
    and no ridge part) the face minimizer is replaced by the ray of :func:`_face_step`.

    Returns ``(w, n_solves, ok, message)``.
    """
    G2, b = data.G2, data.b
    w = np.where(allowed, w0, 0.0)
    signs = np.sign(w)
    active = allowed & ((t == 0) | (w != 0))
    excluded = np.zeros(w.size, dtype=bool)
    just_added = -1
    n_solves = 0
    while True:
        idx = np.flatnonzero(active)
        if idx.size:
            if n_solves >= max_iter:
                return w, n_solves, False, f"active-set method stopped after {max_iter} solves"
            K = G2[idx[:, None], idx]
            K.flat[:: idx.size + 1] += d[idx]
            wa, sa, ta = w[idx], signs[idx], t[idx]
            delta, ray = _face_step(K, b[idx] - ta * sa - K @ wa, null_tol)
            n_solves += 1
            # Ratio test: penalized coordinates moving toward zero (wa has the sign sa or is 0).
            toward = (ta > 0) & (sa * delta < 0)
            alpha, hit = (math.inf if ray else 1.0), -1
            if toward.any():
                ratios = np.full(idx.size, math.inf)
                ratios[toward] = -wa[toward] / delta[toward]
                k = int(np.argmin(ratios))
                if ratios[k] < alpha:
                    alpha, hit = float(ratios[k]), k
            if math.isinf(alpha):
                return w, n_solves, False, "unbounded direction (rank-deficient design)"
            w[idx] = wa + alpha * delta
            if hit >= 0:
                j = idx[hit]
                w[j], active[j], signs[j] = 0.0, False, 0.0
                if alpha == 0.0 and j == just_added:
                    excluded[j] = True  # rounding put its sign the wrong way: do not re-add
                just_added = -1
                continue
        g = b - G2 @ w - d * w
        violation = np.abs(g) - t
        violation[active | ~allowed | excluded] = -math.inf
        j = int(np.argmax(violation))
        if not violation[j] > margin[j]:
            return w, n_solves, True, "optimal"
        active[j], signs[j], just_added = True, np.sign(g[j]), j


def _l1_margin(t, tol, scale):
    # Violations |g_j| - t_j below this are left alone: far below what the gap certificate sees
    # (the gap grows like 2 * violation / t_j), and above the rounding floor.
    return _INNER * tol * np.where(np.isfinite(t), t, 0.0) + 64 * _EPS * scale


def _gap_quadratic_l1(data, w, t, d, F, r, g):
    r"""Duality gap of ``||y - Xw||^2 + sum t_j |w_j| + sum d_j / 2 w_j^2`` at ``w``.

    Write the problem as a lasso on augmented data, ``||ỹ - X̃ w||^2 + sum_j t_j |w_j|`` with
    ``X̃ = [X; diag(sqrt(d / 2))]`` and ``ỹ = [y; 0]``. For every ``θ̃``,
    ``||r||^2 >= 2 θ̃^T r - ||θ̃||^2``; with ``r = ỹ - X̃ w`` this gives

        F(w) >= 2 θ̃^T ỹ - ||θ̃||^2 + sum_j (t_j |w_j| - 2 (X̃^T θ̃)_j w_j)
             >= D(θ̃) = 2 θ̃^T ỹ - ||θ̃||^2          whenever |2 (X̃^T θ̃)_j| <= t_j,

    the dual of the elastic net in our scaling; at the optimum ``θ̃`` is the augmented residual
    and the gap is zero. The dual-feasible point: the augmented residual, projected on the
    orthogonal complement of the columns with ``t_j = 0`` (whose constraint is an equality),
    then scaled by the best ``s`` with ``s |2 (X̃^T θ̃)_j| <= t_j``.
    """
    X, y = data.X, data.y
    root = np.sqrt(d / 2.0)
    theta, theta2 = r, -root * w
    correlation = g - d * w  # 2 X̃^T θ̃ for the unprojected residual
    zero = t == 0
    if zero.any():
        Z = np.flatnonzero(zero)
        K = data.G[Z[:, None], Z] + np.diag(d[Z] / 2.0)
        coef = _psd_solve(K, 0.5 * correlation[Z])
        theta = theta - X[:, Z] @ coef
        theta2[Z] -= root[Z] * coef
        correlation = 2.0 * (X.T @ theta + root * theta2)
    # The largest feasible scale: s |2 (X̃^T θ̃)_j| <= t_j on the penalized coordinates.
    penalized = ~zero
    worst = float(np.max(np.abs(correlation[penalized]) / t[penalized], initial=0.0))
    return F - _best_scaled_dual(theta @ y, theta @ theta + theta2 @ theta2,
                                 1.0 / worst if worst > 0 else math.inf)


def _best_scaled_dual(ty, norm2, s_max):
    """``max_{0 <= s <= s_max} 2 s ty - s^2 norm2``: the dual value along a ray."""
    if norm2 <= 0 or ty <= 0:
        return 0.0
    s = min(ty / norm2, s_max)
    return 2.0 * s * ty - s * s * norm2


def _project_out(data, theta, g, columns):
    """``theta`` minus its projection on the span of ``X[:, columns]``, and ``2 X^T`` of it."""
    if columns.size == 0:
        return theta, g
    XU = data.X[:, columns]
    theta = theta - XU @ np.linalg.lstsq(XU, theta, rcond=None)[0]
    return theta, 2.0 * (data.X.T @ theta)


# ------------------------------------------------------------------------------------------
# Solvers: one class per method, each with its certificate
# ------------------------------------------------------------------------------------------
class _Solver:
    """A method for one (X, y, penalty), called once per λ (warm state kept between calls)."""

    kind = "duality_gap"

    def __init__(self, data, penalty, tol, max_iter):
        self.data, self.penalty, self.tol, self.max_iter = data, penalty, tol, max_iter
        self.p = data.p
        self.v = penalty.weights_for(self.p) if not isinstance(penalty, DifferenceL1) else None

    def gap(self, lam, w, F, r, g):
        """Absolute duality gap at w, given ``F(w)``, ``r = y - Xw`` and ``g = 2 X^T r``."""
        raise NotImplementedError

    def penalty_term(self, lam, w):
        """``λ P(w)``."""
        return lam * self.penalty.value(w)

    def kkt_distance(self, lam, w, g):
        """Per-coordinate distance from g to ``λ ∂P(w)`` (the penalty's own definition)."""
        return self.penalty.subdiff_distance(w, g, lam)

    def _finish(self, lam, w, n_iter, finished, message):
        data = self.data
        r = data.y - data.X @ w
        g = 2.0 * (data.X.T @ r)
        F = float(r @ r) + self.penalty_term(lam, w)
        kkt = float(np.max(self.kkt_distance(lam, w, g), initial=0.0)) / data.scale
        value = kkt if self.kind == "kkt" else _relative(self.gap(lam, w, F, r, g), F)
        certificate = Certificate(self.kind, value, self.tol)
        converged = bool(finished and certificate.ok)
        if finished and not certificate.ok:
            message = (f"{message}, but the certificate {value:.3g} exceeds tol {self.tol:g} "
                       "(rounding on an ill-conditioned design?)")
        return SolverResult(w=w, objective=F, certificate=certificate, n_iter=int(n_iter),
                            converged=converged, message=message, kkt=kkt)


class _QuadraticL1Solver(_Solver):
    """``L1``, ``L2``, ``ElasticNet`` (and ``Lp(1)``, ``Lp(2)``): the exact active-set method.

    The penalty is written ``λ P(w) = sum_j t_j |w_j| + sum_j d_j / 2 w_j^2``: ``t = λ a v``,
    ``d = λ (1 - a) v`` for the elastic net (``a = 1`` the lasso), ``t = 0``, ``d = 2 λ v`` for
    ridge.
    """

    def __init__(self, data, penalty, tol, max_iter, l1_share, ridge=False):
        super().__init__(data, penalty, tol, max_iter)
        v = self.v
        self._t_unit = np.zeros(self.p) if ridge else l1_share * v
        self._d_unit = 2.0 * v if ridge else (1.0 - l1_share) * v
        self._all = np.ones(self.p, dtype=bool)
        self._lam, self._td = None, None

    def coefficients(self, lam):
        """``(t, d)`` at λ."""
        if lam != self._lam:
            self._lam, self._td = lam, (lam * self._t_unit, lam * self._d_unit)
        return self._td

    def penalty_term(self, lam, w):
        t, d = self.coefficients(lam)
        return float(t @ np.abs(w) + 0.5 * (d @ (w * w)))

    def kkt_distance(self, lam, w, g):
        # The penalty's subdiff_distance, inlined: distance from g - d w to t * d|w|.
        t, d = self.coefficients(lam)
        g = g - d * w
        return np.where(w == 0, np.maximum(np.abs(g) - t, 0.0), np.abs(g - t * np.sign(w)))

    def gap(self, lam, w, F, r, g):
        t, d = self.coefficients(lam)
        return _gap_quadratic_l1(self.data, w, t, d, F, r, g)

    def solve(self, lam, w0):
        t, d = self.coefficients(lam)
        start = np.zeros(self.p) if w0 is None else np.array(w0, dtype=float)
        w, n, ok, message = _weighted_lasso(
            self.data, t, d, self._all, start, _l1_margin(t, self.tol, self.data.scale),
            _INNER * self.tol * self.data.scale, self.max_iter)
        result = self._finish(lam, w, n, ok, message)
        if ok and not result.certificate.ok:
            result = self._polish(lam, result)
        return result

    def _polish(self, lam, result):
        """Re-solve the final face by QR of the (augmented) columns instead of the Gram matrix.

        With ``cond(X_A)`` near 1e8 or beyond (high-degree monomials at small λ) the Cholesky
        solve of ``2 X_A^T X_A + diag(d)`` leaves a rounding residue the certificate sees.
        """
        t, d = self.coefficients(lam)
        w = result.w
        A = np.flatnonzero((w != 0) | (t == 0))
        if A.size == 0:
            return result
        X = self.data.X
        Z = np.vstack([X[:, A], np.diag(np.sqrt(d[A] / 2.0))])
        z = _qr_face(Z, np.concatenate([self.data.y, np.zeros(A.size)]), t[A] * np.sign(w[A]))
        if z is None or np.any((t[A] > 0) & (np.sign(z) != np.sign(w[A]))):
            return result
        polished = np.zeros(self.p)
        polished[A] = z
        candidate = self._finish(lam, polished, result.n_iter + 1, True,
                                 "optimal (final face re-solved by QR)")
        better = candidate.certificate.value < result.certificate.value
        return candidate if better else result


class _LinfSolver(_Solver):
    r"""``Lp(inf)``: ``P(w) = max_j v_j |w_j|``, by the exact homotopy in the radius.

    Write ``t = P(w)``. For fixed t the best w minimizes the loss over the box
    ``|w_j| <= t / v_j``; at the solution some coordinates are *clipped*,
    ``w_j = σ_j t / v_j``, the others (and the unpenalized ones) are free with ``g_j = 0``.
    With the clipped set C and its signs fixed, ``w(t) = a + t e`` is affine in t (one linear
    solve on the free set) and so is ``g(t)``. The box multipliers are
    ``μ_j(t) = σ_j g_j(t) / v_j >= 0`` and the optimality condition in t is
    ``S(t) = sum_C μ_j(t) = λ`` (``S`` is minus the derivative of the box-constrained loss:
    decreasing). Starting at ``t = 0`` (where ``S(0) = ||g(0)||`` in the dual norm, the
    λ above which ``w = 0``) the path moves through pieces; a piece ends when a free
    coordinate reaches the box (it is clipped) or a multiplier reaches zero (it is freed).
    Along a decreasing λ grid, t increases: each solve continues from the previous one.
    """

    def __init__(self, data, penalty, tol, max_iter):
        super().__init__(data, penalty, tol, max_iter)
        self.state = None

    def gap(self, lam, w, F, r, g):
        # Dual: max 2θ^T y - ||θ||^2 s.t. sum_j |2 x_j^T θ| / v_j <= λ and x_j^T θ = 0 where
        # v_j = 0 (the dual norm of the weighted max norm is the weighted L1 norm).
        data, v = self.data, self.v
        penalized = (v > 0) if lam > 0 else np.zeros(self.p, dtype=bool)
        theta, g = _project_out(data, r, g, np.flatnonzero(~penalized))
        norm = float(np.sum(np.abs(g)[penalized] / v[penalized]))
        s_max = lam / norm if norm > 0 else math.inf
        return F - _best_scaled_dual(theta @ data.y, theta @ theta, s_max)

    def _polish(self, lam, result, C, free):
        """Re-solve the final piece by QR: ``min ||y - Z z||^2 + λ t`` with ``z = (w_F, t)``.

        ``Z = [X_F, X_C σ_C / v_C]``; the Gram-based homotopy squares cond(X_F), which at
        small λ on monomial designs leaves a residue the certificate sees.
        """
        data, v, sigma = self.data, self.v, self.state["sigma"]
        Z = np.column_stack([data.X[:, free], data.X[:, C] @ (sigma[C] / v[C])])
        linear = np.zeros(Z.shape[1])
        linear[-1] = lam
        z = _qr_face(Z, data.y, linear)
        if z is None:
            return result
        w = np.zeros(self.p)
        w[free], w[C] = z[:-1], z[-1] * sigma[C] / v[C]
        candidate = self._finish(lam, w, result.n_iter + 1, True,
                                 "optimal (final piece re-solved by QR)")
        return candidate if candidate.certificate.value < result.certificate.value else result

    def _start(self):
        data, v = self.data, self.v
        w = np.zeros(self.p)
        free = np.flatnonzero(v == 0)
        if free.size:
            w[free] = _psd_solve(data.G[free[:, None], free], data.c[free])
        g = data.b - data.G2 @ w
        clipped = (v > 0) & (np.abs(g) > 64 * _EPS * data.scale)
        return {"lam": math.inf, "t": 0.0, "clipped": clipped, "sigma": np.sign(g) * clipped,
                "w": w, "last": -1}

    def solve(self, lam, w0):
        if self.state is None or lam > self.state["lam"]:
            self.state = self._start()
        state, data, v = self.state, self.data, self.v
        t, clipped, sigma, last = state["t"], state["clipped"], state["sigma"], state["last"]
        w = state["w"]
        for piece in range(1, self.max_iter + 1):
            C, free = np.flatnonzero(clipped), np.flatnonzero(~clipped)
            if C.size == 0:  # t = 0 and g = 0 on the penalized coordinates: w is optimal
                state.update(lam=lam)
                return self._finish(lam, w.copy(), piece, True, "optimal")
            a, e = np.zeros(self.p), np.zeros(self.p)
            e[C] = sigma[C] / v[C]
            if free.size:
                rhs = np.column_stack([data.c[free], -data.G[free[:, None], C] @ e[C]])
                both = _psd_solve(data.G[free[:, None], free], rhs)
                a[free], e[free] = both[:, 0], both[:, 1]
            ga, ge = data.b - data.G2 @ a, -(data.G2 @ e)
            mu_a, mu_e = sigma[C] * ga[C] / v[C], sigma[C] * ge[C] / v[C]
            S_a, S_e = float(mu_a.sum()), float(mu_e.sum())
            if S_a + S_e * t <= lam:
                t_stop = t
            elif S_e < 0:
                t_stop = (lam - S_a) / S_e
            else:
                t_stop = math.inf
            # Events after t (the coordinate changed last is ignored right at its event).
            floor = t * (1 + 1e-12)
            candidates, owners, kinds = [], [], []
            penalized_free = free[v[free] > 0]
            if penalized_free.size:
                vj = v[penalized_free]
                for side in (1.0, -1.0):  # v_j (a_j + τ e_j) = side * τ
                    denom = side - vj * e[penalized_free]
                    with np.errstate(divide="ignore", invalid="ignore"):
                        tau = np.where(denom != 0, vj * a[penalized_free] / denom, -math.inf)
                    candidates.append(tau)
                    owners.append(penalized_free)
                    kinds.append(np.ones(tau.size, dtype=bool))
            with np.errstate(divide="ignore", invalid="ignore"):
                tau = np.where(mu_e < 0, -mu_a / mu_e, -math.inf)
            candidates.append(tau)
            owners.append(C)
            kinds.append(np.zeros(tau.size, dtype=bool))
            tau, owner, joins = (np.concatenate(x) for x in (candidates, owners, kinds))
            valid = (tau > floor) & ~((owner == last) & (tau <= t * (1 + 1e-9)))
            k = int(np.argmin(np.where(valid, tau, math.inf))) if valid.any() else -1
            if k < 0 or tau[k] >= t_stop:
                if math.isinf(t_stop):
                    return self._finish(lam, a + t * e, piece, False,
                                        "homotopy found no end (rank-deficient design?)")
                t = t_stop
                w = a + t * e
                state.update(lam=lam, t=t, w=w, last=last)
                result = self._finish(lam, w.copy(), piece, True, "optimal")
                return result if result.certificate.ok else self._polish(lam, result, C, free)
            t, j = float(tau[k]), int(owner[k])
            if joins[k]:
                clipped[j], sigma[j] = True, np.sign(a[j] + t * e[j])
            else:
                clipped[j], sigma[j] = False, 0.0
            last = j
            w = a + t * e
            state.update(t=t, w=w, last=last)
        state.update(lam=math.inf)  # force a fresh start next time
        return self._finish(lam, w.copy(), self.max_iter, False,
                            f"homotopy stopped after {self.max_iter} pieces")


class _LpSmoothSolver(_Solver):
    r"""``Lp(p)`` with ``1 < p < inf``, ``p != 2``: smooth and strictly convex.

    Stationarity is ``∇F = 2 (G w - c) + φ(w) = 0`` with ``φ_j(w) = μ_j p |w_j|^(p-1) sign w_j``
    (``μ = λ v``), ``G = X^T X``, ``c = X^T y``. The Hessian of ``|w|^p`` is infinite at 0 for
    ``p < 2`` and zero for ``p > 2``:

    * ``p > 2``: Newton in w, ``H = 2G + diag(μ p (p-1) |w|^(p-2))`` (H stays finite; its
      singular case is solved in the least-squares sense).
    * ``p < 2``: Newton in the coordinates ``s_j = φ_j(w_j)`` (unpenalized ones stay in w).
      The inverse ``w_j = ψ_j(s_j) = sign(s) (|s| / (μ_j p))^(1/(p-1))`` has exponent
      ``> 1``: the equations ``2 (G ψ(s) - c) + s = 0`` are smooth in s, with the nonsingular
      Jacobian ``J = 2 G D + E`` (``D = diag ψ'(s) >= 0``, 1 on unpenalized coordinates; ``E``
      the identity on the penalized coordinates, 0 elsewhere). Multiplying ``J dx = -∇F`` by
      ``D^(1/2)`` gives the symmetric ``K z = -D^(1/2) ∇F`` with
      ``K = 2 D^(1/2) G D^(1/2) + E >= E`` (no small eigenvalue from the penalized part, however
      ill-conditioned G is) and ``z = D^(1/2) dx``, solved by Cholesky. The step in w is
      ``D dx = D^(1/2) z``, the Newton direction of F (a descent direction); the step in s is
      ``-∇F - 2 G D^(1/2) z`` (the penalized rows of ``J dx = -∇F``).

    Every step is safeguarded by an Armijo search on F, except that a trial point where
    ``∇F`` already meets the stopping test is accepted as it is (it is the minimizer, to
    tolerance). Along a path (each ``w0`` the previous answer) the start is extrapolated from
    the last two answers (:meth:`_extrapolate`).

    The certificate is the duality gap with ``h_j(w) = μ_j |w|^p``,
    ``h_j^*(z) = (μ_j p)^(1-q) |z|^q / q`` (``1/p + 1/q = 1``):
    ``F(w) >= 2θ^T y - ||θ||^2 - sum_j h_j^*(2 x_j^T θ)`` for θ orthogonal to the unpenalized
    columns; θ is the (projected) residual scaled optimally.
    """

    def __init__(self, data, penalty, tol, max_iter):
        super().__init__(data, penalty, tol, max_iter)
        penalized = self.v > 0
        # The penalized coordinates, and their diagonal entries in a flattened p-by-p matrix:
        # slices when all are penalized (views, no copies).
        self._all_penalized = bool(penalized.all())
        if self._all_penalized:
            self._penalized, self._diagonal = slice(None), slice(None, None, self.p + 1)
        else:
            self._penalized = np.flatnonzero(penalized)
            self._diagonal = self._penalized * (self.p + 1)
        # The last two answers along a path, (log λ, w, x) with x = φ(w) on the penalized
        # coordinates and w elsewhere: what the next start is extrapolated from.
        self._answers = []

    def penalty_term(self, lam, w):
        return lam * float(self.v @ np.abs(w) ** self.penalty.p)

    def kkt_distance(self, lam, w, g):
        # The penalty's subdiff_distance, inlined: |g - λ v p |w|^(p-1) sign(w)| (p > 1).
        p = self.penalty.p
        return np.abs(g - np.copysign(lam * p * self.v * np.abs(w) ** (p - 1), w))

    def gap(self, lam, w, F, r, g):
        data, p = self.data, self.penalty.p
        mu = lam * self.v
        if self._all_penalized and lam > 0:
            theta, z, mu_pen = r, np.abs(g), mu
        else:
            penalized = mu > 0
            theta, g = _project_out(data, r, g, np.flatnonzero(~penalized))
            z, mu_pen = np.abs(g)[penalized], mu[penalized]
        q = p / (p - 1.0)
        # log C, C = sum_j h_j^*(z_j): it spans hundreds of decades for p near 1 (q large).
        with np.errstate(divide="ignore"):
            logs = (1 - q) * np.log(mu_pen * p) + q * np.log(z) - math.log(q)
        top = float(np.max(logs, initial=-math.inf))
        log_C = top + math.log(float(np.sum(np.exp(logs - top)))) if top > -math.inf else top
        ty, norm2 = float(theta @ data.y), float(theta @ theta)
        return F - _best_power_dual(ty, norm2, log_C, q)

    def solve(self, lam, w0):
        p = self.penalty.p
        if lam > 0 and self.v.any():
            P, x = self._penalized, self._extrapolate(lam, w0)
        else:  # least squares: Newton in w is one exact step
            P, x = np.zeros(0, dtype=int), None
        # Every minimizer has μ_j |w_j|^p <= F(w) <= F(0) = ||y||^2: a box that keeps trial
        # points finite (for p near 1 a step in s can otherwise overflow w = ψ(s)). In s it is
        # |s_j| <= mp_j bound_j^(p-1), where s = mp |w|^(p-1) sign(w), mp = λ v p.
        mp = lam * p * self.v[P]
        bound = (p * self.data.yy / mp) ** (1.0 / p)
        box = (mp, bound, mp * bound ** (p - 1))
        # The state of a penalized coordinate is s: w = ψ(s) may underflow to 0 (p near 1,
        # large λ) while s still carries the solution. Overflows (trial points far out on
        # ill-conditioned designs) are caught where they matter: the line search rejects
        # non-finite trial values, and the certificate judges whatever is returned.
        with np.errstate(under="ignore", over="ignore", invalid="ignore"):
            w, s = self._start(w0, x, P, box)
            newton = self._newton_in_s if p < 2 and P is self._penalized else self._newton_in_w
            result, s = newton(lam, w, s, P, box)
        if result.converged and P is self._penalized:
            x = result.w.copy()
            x[P] = s
            self._answers = [*self._answers[-1:], (math.log(lam), result.w, x)]
        else:
            self._answers.clear()
        return result

    def _extrapolate(self, lam, w0):
        """Return the start ``x`` (``φ(w)`` penalized, ``w`` elsewhere) on a path, or None.

        Used when ``w0`` is the last answer and the two last answers ``x1``, ``x2`` (at
        ``t1 = log λ1``, ``t2``) are known, for steps ``t - t2`` of the same direction and at
        most twice as long as ``t2 - t1``, itself no longer than a factor 10 in λ (a secant
        over decades says little; on p near 1 and ill-conditioned designs a far start can
        cost Newton's method hundreds of steps). Along the path ``s = φ(w)`` (at the answer
        the residual's correlations ``2 X^T (y - Xw)``) is smooth in ``t = log λ`` and has two
        regimes: ``s ≈ 2 X^T y`` where the penalty dominates (large λ), and ``s ∝ λ`` where
        the data dominate (small λ: w tends to the least-squares fit). In both ``log |s|`` is
        linear in t, with slope 0 and 1, so a coordinate whose slope between the two answers
        lies in ``[-1/2, 3/2]`` is extrapolated as ``x2 (x2 / x1)^ratio``; any other (one
        passing near zero, where its logarithm is not smooth) linearly in t. The start is
        then off by the second order in the grid step, not the first.
        """
        if w0 is None or len(self._answers) < 2 or not np.array_equal(w0, self._answers[1][1]):
            return None
        (t1, _, x1), (t2, _, x2) = self._answers
        ratio = (math.log(lam) - t2) / (t2 - t1) if t2 != t1 else math.inf
        if not (0 < ratio <= 2 and abs(t2 - t1) <= _LONGEST_SECANT):
            return None
        # The ratios x2 / x1 of the coordinates whose log-slope is in [-1/2, 3/2].
        low, high = sorted((math.exp(-0.5 * (t2 - t1)), math.exp(1.5 * (t2 - t1))))
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = x2 / x1
            power_law = (growth >= low) & (growth <= high)
            return np.where(power_law, x2 * np.abs(growth) ** ratio, x2 + ratio * (x2 - x1))

    def _start(self, w0, x, P, box):
        """``(w, s = φ(w) on P)``, in the box: at ``x`` if given, else at ``w0`` (or 0)."""
        mp, bound, s_bound = box
        p = self.penalty.p
        if x is not None:
            s = np.clip(x[P], -s_bound, s_bound)
            w = x.copy()
            w[P] = np.copysign((np.abs(s) / mp) ** (1.0 / (p - 1)), s)
            return w, s
        w = np.zeros(self.p) if w0 is None else np.array(w0, dtype=float)
        w[P] = np.clip(w[P], -bound, bound)
        return w, np.copysign(mp * np.abs(w[P]) ** (p - 1), w[P])

    def _newton_in_s(self, lam, w, s, P, box):
        """``p < 2``: Newton's method in s (see the class docstring); ``(result, s)``."""
        G2, p = self.data.G2, self.penalty.p
        mp, _, s_bound = box
        power = 1.0 / (p - 1.0)  # w = ψ(s) = sign(s) (|s| / mp)^power
        # ψ'(s) = power (|s| / mp)^(power - 1) / mp = (power / mp) |w|^(2 - p), 0 at w = 0.
        root_scale = np.sqrt(power / mp)
        root = np.ones(self.p)  # sqrt(ψ'(s)) on the penalized coordinates, 1 elsewhere

        def newton_step(w, s, grad):
            root[P] = root_scale * np.abs(w[P]) ** (1.0 - 0.5 * p)
            K = G2 * root * root[:, None]
            K.reshape(-1)[self._diagonal] += 1.0
            step_w = root * _psd_solve(K, -root * grad)
            step_s = -(grad + G2 @ step_w)[P]

            def trial(alpha):
                new_s = np.clip(s + alpha * step_s, -s_bound, s_bound)
                new_w = w + alpha * step_w
                new_w[P] = np.copysign((np.abs(new_s) / mp) ** power, new_s)
                return new_w, new_s, float(new_s @ new_w[P]) / p  # sum μ |w|^p = s^T w / p

            return step_w, trial

        return self._newton(lam, w, s, float(s @ w[P]) / p, P, newton_step)

    def _newton_in_w(self, lam, w, s, P, box):
        """Newton's method in w (``p > 2``, or least squares); ``(result, φ(w) on P)``."""
        G2, p = self.data.G2, self.penalty.p
        mp, bound, _ = box
        mu = mp / p
        diagonal = self._diagonal if P is self._penalized else P

        def newton_step(w, phi, grad):
            H = G2.copy()
            H.reshape(-1)[diagonal] += mp * (p - 1) * np.abs(w[P]) ** (p - 2)
            direction = _psd_solve(H, -grad)

            def trial(alpha):
                new = w + alpha * direction
                new[P] = np.clip(new[P], -bound, bound)
                absw = np.abs(new[P])
                power = absw ** (p - 1)
                return new, np.copysign(mp * power, new[P]), float(mu @ (power * absw))

            return direction, trial

        return self._newton(lam, w, s, float(s @ w[P]) / p, P, newton_step)

    def _newton(self, lam, w, phi, penalty, P, newton_step):
        """Newton's method on F from w; ``(result, φ(w) on P)``.

        ``phi = φ(w)`` on the penalized coordinates P, ``penalty = sum μ |w|^p``;
        ``newton_step(w, phi, grad)`` returns the Newton direction in w and the trial path
        ``alpha -> (w, φ(w), penalty)`` along it.
        """
        stop = _NEWTON_STOP * self.tol * self.data.scale
        smooth_grad, grad = self._gradient(w, phi, P)
        stationary = np.abs(grad).max() <= stop
        n_iter = 0
        while not stationary:
            if n_iter == self.max_iter:
                return self._finish(lam, w, n_iter, False,
                                    f"Newton's method stopped after {n_iter} steps"), phi
            n_iter += 1
            direction, trial = newton_step(w, phi, grad)
            accepted = self._line_search(w, penalty, smooth_grad, float(grad @ direction),
                                         trial, P, stop)
            if accepted is None:  # the certificate decides whether this is the answer
                return self._finish(lam, w, n_iter, True,
                                    "stopped: no decrease left at rounding level"), phi
            w, phi, penalty, smooth_grad, grad, stationary = accepted
        return self._finish(lam, w, n_iter, True, "optimal"), phi

    def _gradient(self, w, phi, P):
        """``(2 (G w - c), ∇F)`` given ``phi = φ(w)`` on P."""
        smooth_grad = self.data.G2 @ w - self.data.b
        if self._all_penalized and P is self._penalized:
            return smooth_grad, smooth_grad + phi
        grad = smooth_grad.copy()
        grad[P] += phi
        return smooth_grad, grad

    def _line_search(self, w, penalty, smooth_grad, slope, trial, P, stop, max_halvings=60):
        """Backtracking on F from w along ``trial(alpha) -> (w, φ(w), penalty)``, or None.

        ``penalty`` is ``sum μ |w|^p`` at w, ``smooth_grad = 2 (G w - c)`` and ``slope`` the
        derivative of F along the path at ``alpha = 0``. A trial point that meets the stopping
        test ``||∇F||_inf <= stop`` is accepted at once. Otherwise the Armijo condition,
        allowing for rounding, decides; a zero slope (a path leaving ``w_j = 0`` with infinite
        curvature of ``|w_j|^p``, whose first-order change vanishes) asks for a strict
        decrease instead. Returns ``(w, φ(w), penalty, smooth_grad, ∇F, stationary)`` at the
        accepted point.
        """
        if not slope <= 0:
            return None
        data = self.data
        # ||y - Xw||^2 = ||y||^2 + w^T (2 (G w - c) - 2 c) / 2: only the scale of the slack.
        loss = data.yy + 0.5 * float(w @ (smooth_grad - data.b))
        slack = 64 * _EPS * (abs(loss) + abs(penalty))
        alpha = 1.0
        for _ in range(max_halvings):
            new_w, new_phi, new_penalty = trial(alpha)
            new_smooth_grad, new_grad = self._gradient(new_w, new_phi, P)
            accepted = (new_w, new_phi, new_penalty, new_smooth_grad, new_grad)
            if np.abs(new_grad).max() <= stop:
                return *accepted, True
            step = new_w - w
            change = float(smooth_grad @ step + step @ (data.G @ step)) + new_penalty - penalty
            if math.isfinite(change) and (
                    (change <= 1e-4 * alpha * slope + slack) if slope < 0 else (change < 0)):
                return *accepted, False
            alpha *= 0.5
        return None


def _best_power_dual(ty, norm2, log_C, q):
    """``max_{s >= 0} 2 s ty - s^2 norm2 - s^q C`` (concave in s; safeguarded Newton).

    C is given by its logarithm: for p near 1 (q large) it spans hundreds of decades, and so
    do the powers of s; the products ``C s^e`` are formed in logs, infinite where they
    overflow.
    """
    if ty <= 0 or norm2 <= 0:
        return 0.0
    if not log_C < math.inf:  # nan or +inf: no finite dual value along the ray but s = 0
        return -math.inf
    if log_C == -math.inf:  # C = 0
        return ty * ty / norm2

    def scaled_power(s, exponent):  # C s^exponent, for s > 0
        return _exp(log_C + exponent * math.log(s))

    # The derivative 2 ty - 2 s norm2 - q C s^(q-1) is negative beyond ty / norm2 and beyond
    # (2 ty / (q C))^(1/(q-1)), where its last term alone exceeds 2 ty.
    high = min(ty / norm2, _exp((math.log(2 * ty / q) - log_C) / (q - 1)))
    low = 0.0
    s = min(1.0, high)  # s = 1 at the solution (θ is then the dual optimum)
    for _ in range(100):
        pull = q * scaled_power(s, q - 1) if s > 0 else 0.0
        value = 2 * ty - 2 * s * norm2 - pull  # the derivative
        if abs(value) <= 8 * _EPS * (2 * ty + 2 * s * norm2 + pull):
            break  # zero within its rounding: no better s can be told apart
        if value > 0:
            low = s
        else:
            high = s
        curvature = -2 * norm2 - (q * (q - 1) * scaled_power(s, q - 2) if s > 0 else 0.0)
        step = s - value / curvature
        s_next = step if low < step < high else 0.5 * (low + high)
        if abs(s_next - s) <= 4 * _EPS * s:
            s = s_next
            break
        s = s_next
    return 2 * s * ty - s * s * norm2 - (scaled_power(s, q) if s > 0 else 0.0)


def _exp(x):
    """Return ``exp(x)``, ``inf`` where it overflows (``math.exp`` raises)."""
    return math.exp(x) if x < _LOG_MAX else math.inf


class _LpNonconvexSolver(_Solver):
    r"""``Lp(p)`` with ``0 < p < 1``: a local minimum, certified by the KKT residual.

    ``F(w) = ||y - Xw||^2 + sum_j μ_j |w_j|^p`` (``μ = λ v``) is non-convex; ``w_j = 0`` is
    always stationary in the limiting sense. The method alternates

    1. a stationary point on the current support (signs fixed): Newton's method on
       ``2 (G w - c)_A + μ_A p |w_A|^(p-1) s_A = 0`` when its Hessian
       ``2 G_AA + diag(μ p (p-1) |w|^(p-2))`` is positive definite and the step decreases F;
       otherwise one majorization–minimization step: ``|u|^p <= |w|^p + p |w|^(p-1)(|u| - |w|)``
       (concavity of ``t^p``), so the weighted lasso with weights ``μ_j p |w_j|^(p-1)`` —
       solved exactly by the active-set method — decreases F. Zeros stay zero in this step.
    2. the best single-coordinate move: along ``e_j`` F is
       ``q(x) = a x^2 - β x + μ_j |x|^p`` (``a = G_jj``, ``β = g_j + 2 a w_j``). A zero coordinate
       can lower F iff ``|β| > min_{x>0} (a x + μ_j x^(p-1)) = a δ + μ_j δ^(p-1)`` with
       ``δ = (μ_j (1-p) / a)^(1/(2-p))``; it then enters at the larger root of ``q'``. A nonzero
       coordinate is dropped when ``q(0) < q(w_j)``. The move with the largest decrease is made.

    It stops at a point where the support is stationary and no single coordinate move lowers
    F: a local minimum in every coordinate direction. Every step decreases F. Along a
    decreasing λ grid each solve starts from the previous minimum (a continuation); a cold
    start begins at ``w = 0`` and lets coordinates enter greedily.
    """

    kind = "kkt"

    def solve(self, lam, w0):
        data, p = self.data, self.penalty.p
        mu = lam * self.v
        w = np.zeros(self.p) if w0 is None else np.array(w0, dtype=float)
        stop = _NEWTON_STOP * self.tol * data.scale
        n_iter, budget = 0, self.max_iter
        while True:
            w, used, ok, message = self._stationary(w, mu, p, stop, budget - n_iter)
            n_iter += used
            if not ok:
                return self._finish(lam, w, n_iter, False, message)
            move = self._best_move(w, mu, p)
            if move is None:
                return self._finish(lam, w, n_iter, True,
                                    "local minimum (p < 1 is non-convex): stationary, and no "
                                    "single-coordinate move lowers F")
            if n_iter >= budget:
                return self._finish(lam, w, n_iter, False,
                                    f"stopped after {budget} steps (coordinates still moving)")
            j, value = move
            w[j] = value
            n_iter += 1

    def _penalty(self, mu, p):
        return lambda u: float(np.sum(mu * np.abs(u) ** p))

    def _stationary(self, w, mu, p, stop, budget):
        """Stationary point on the support of w (plus the unpenalized coordinates)."""
        data = self.data
        unpenalized = mu == 0
        used = 0
        while True:
            A = np.flatnonzero((w != 0) | unpenalized)
            if A.size == 0:
                return w, used, True, ""
            # Newton on the support, in the support's own small arrays: the smooth part is
            # 1/2 w^T G2 w - b^T w (+ ||y||^2), the penalty sum μ |w|^p with fixed signs.
            G2, b, muA = data.G2[A[:, None], A], data.b[A], mu[A]
            pen = np.flatnonzero(muA > 0)
            mu_pen = muA[pen]
            wa = w[A]
            diagonal = np.arange(0, A.size * A.size, A.size + 1)[pen]
            slack = 64 * _EPS * (data.yy + float(mu_pen @ np.abs(wa[pen]) ** p))
            everywhere = pen.size == A.size  # the common case: no unpenalized coefficient
            while True:
                if everywhere:
                    absw, sign = np.abs(wa), np.sign(wa)
                    smooth_grad = G2 @ wa - b
                    grad = smooth_grad + mu_pen * p * absw ** (p - 1) * sign
                else:
                    absw, sign = np.abs(wa[pen]), np.sign(wa[pen])
                    smooth_grad = G2 @ wa - b
                    grad = smooth_grad.copy()
                    grad[pen] += mu_pen * p * absw ** (p - 1) * sign
                if np.max(np.abs(grad), initial=0.0) <= stop:
                    w[A] = wa
                    return w, used, True, ""
                if used >= budget:
                    w[A] = wa
                    return w, used, False, f"stopped after {budget} steps (not yet stationary)"
                used += 1
                step = self._newton_step(G2, grad, pen, diagonal, mu_pen, absw, sign, p)
                if step is None or not self._armijo_on_support(
                        wa, step, smooth_grad, grad, G2, pen, mu_pen, absw, p, slack):
                    break
                wa = wa + self._accepted
            w[A] = wa
            new = self._mm_step(w, mu, p, stop)
            if new is None:  # no descent left at rounding level: the certificate decides
                return w, used, True, ""
            w = new

    @staticmethod
    def _newton_step(G2, grad, pen, diagonal, mu_pen, absw, sign, p):
        """Newton step on the support, or None (indefinite, or a sign would change)."""
        H = G2.copy()
        H.flat[diagonal] += mu_pen * p * (p - 1) * absw ** (p - 2)
        factor = _cholesky(H)
        if factor is None:
            return None
        step = -_cho_solve(factor, grad)
        # Newton is only trusted inside the orthant; a sign change is left to the MM step.
        if np.any(absw <= -(sign * step[pen])):
            return None
        return step

    def _armijo_on_support(self, wa, step, smooth_grad, grad, G2, pen, mu_pen, absw, p, slack):
        """Backtrack (at most 4 halvings) on F along the step; store the accepted step."""
        slope = float(grad @ step)
        if not slope < 0:
            return False
        alpha = 1.0
        base = absw ** p
        for _ in range(5):
            trial = alpha * step
            # F(w + trial) - F(w) with no cancellation against ||y||^2; the penalty part as
            # |w|^p (expm1(p log1p(trial / w))) keeps its relative accuracy for small steps.
            ratio = trial[pen] / wa[pen]
            if np.all(ratio > -1):
                change = (float(smooth_grad @ trial) + 0.5 * float(trial @ (G2 @ trial))
                          + float(mu_pen @ (base * np.expm1(p * np.log1p(ratio)))))
                if change <= 1e-4 * alpha * slope + slack:
                    self._accepted = trial
                    return True
            alpha *= 0.5
        return False

    def _mm_step(self, w, mu, p, stop):
        data = self.data
        support = (w != 0) | (mu == 0)
        t = np.zeros(self.p)
        nz = (w != 0) & (mu > 0)
        t[nz] = mu[nz] * p * np.abs(w[nz]) ** (p - 1)
        new, _, ok, _ = _weighted_lasso(data, t, np.zeros(self.p), support, w,
                                        _l1_margin(t, self.tol, data.scale), stop, self.max_iter)
        penalty_value = self._penalty(mu, p)
        change = data.smooth_change(w, new - w) + penalty_value(new) - penalty_value(w)
        slack = 64 * _EPS * (data.loss(w) + penalty_value(w))
        if not ok or not change < -slack:
            return None
        return new

    def _best_move(self, w, mu, p):
        """Return the single-coordinate move that lowers F most, ``(j, new value)``, or None."""
        data = self.data
        a = data.diag
        g = data.b - data.G2 @ w
        beta = g + 2 * a * w
        candidates = (mu > 0) & (a > 0)
        gains = np.zeros(self.p)
        targets = np.zeros(self.p)
        # Entering: zero coordinates whose 1-D problem has a negative value somewhere.
        zero = candidates & (w == 0)
        if zero.any():
            az, muz, bz = a[zero], mu[zero], np.abs(beta[zero])
            delta = (muz * (1 - p) / az) ** (1 / (2 - p))
            threshold = az * delta + muz * delta ** (p - 1)
            enter = bz > threshold
            if enter.any():
                x = _power_root(az[enter], bz[enter], muz[enter], p)
                value = az[enter] * x**2 - bz[enter] * x + muz[enter] * x**p
                idx = np.flatnonzero(zero)[enter]
                gains[idx] = value
                targets[idx] = np.sign(beta[idx]) * x
        # Leaving: q(0) - q(w_j) = -(a w^2 - β w + μ |w|^p).
        nonzero = candidates & (w != 0)
        gains[nonzero] = -(a[nonzero] * w[nonzero] ** 2 - beta[nonzero] * w[nonzero]
                           + mu[nonzero] * np.abs(w[nonzero]) ** p)
        j = int(np.argmin(gains))
        if not gains[j] < -(1e-12 + 64 * _EPS) * data.yy:  # F <= ||y||^2 at w = 0
            return None
        return j, float(targets[j])


def _power_root(a, beta, mu, p):
    """Larger root of ``2 a x + μ p x^(p-1) = β`` (0 < p < 1; a root exists).

    The left side is convex in x > 0 and exceeds β at ``x = β / (2a)``, right of the root, so
    Newton's method from there decreases monotonically to it.
    """
    x = beta / (2 * a)
    for _ in range(100):
        f = 2 * a * x + mu * p * x ** (p - 1) - beta
        df = 2 * a + mu * p * (p - 1) * x ** (p - 2)
        x_next = x - f / df
        if np.all(np.abs(x_next - x) <= 4 * _EPS * x):
            return x_next
        x = x_next
    return x


class _DifferenceSolver(_Solver):
    """``DifferenceL1(k)``: the generalized lasso through its dual (see :mod:`reglab.trend`)."""

    def __init__(self, X, y, penalty, tol, max_iter):
        from reglab.trend import GeneralizedLasso

        self.model = GeneralizedLasso(X, y, penalty.order)
        self.identity = self.model.is_identity
        super().__init__(_Data(None if self.identity else X, y, penalty_needs_gram=False),
                         penalty, tol, max_iter)

    def solve(self, lam, w0):
        solution = self.model.solve(lam, tol=self.tol, max_iter=self.max_iter)
        data, penalty, w = self.data, self.penalty, solution.w
        r = data.y - (w if self.identity else data.X @ w)
        g = 2.0 * (r if self.identity else data.X.T @ r)
        F = float(r @ r) + lam * penalty.value(w)
        # The dual solution gives a subgradient: |g - λ ξ| with ξ = 2u / λ bounds the KKT
        # residual at no cost; the full distance is computed only if its signs do not fit.
        distance = self.model.subgradient_residual(w, solution.u, g, lam)
        if distance is None:
            kkt = _kkt(data, penalty, lam, w, g)
        else:
            kkt = float(np.max(distance, initial=0.0)) / data.scale
        certificate = Certificate("duality_gap", solution.gap, self.tol)
        return SolverResult(w=w, objective=F, certificate=certificate,
                            n_iter=solution.n_iter,
                            converged=bool(solution.converged and certificate.ok),
                            message=solution.message, kkt=kkt)


def _make_solver(X, y, penalty, tol, max_iter, gram):
    if not isinstance(penalty, Penalty):
        raise ReglabInputError("penalty", "must be a reglab.penalties.Penalty", penalty)
    if isinstance(penalty, DifferenceL1):
        return _DifferenceSolver(X, y, penalty, tol, max_iter)
    data = _Data(X, y, gram)
    penalty.weights_for(data.p)  # checks the number of weights
    if isinstance(penalty, L1):
        return _QuadraticL1Solver(data, penalty, tol, max_iter, 1.0)
    if isinstance(penalty, L2):
        return _QuadraticL1Solver(data, penalty, tol, max_iter, 0.0, ridge=True)
    if isinstance(penalty, ElasticNet):
        return _QuadraticL1Solver(data, penalty, tol, max_iter, penalty.l1_ratio)
    if isinstance(penalty, Lp):
        if penalty.p == 1:
            return _QuadraticL1Solver(data, penalty, tol, max_iter, 1.0)
        if penalty.p == 2:
            return _QuadraticL1Solver(data, penalty, tol, max_iter, 0.0, ridge=True)
        if penalty.is_max_norm:
            return _LinfSolver(data, penalty, tol, max_iter)
        if penalty.p > 1:
            return _LpSmoothSolver(data, penalty, tol, max_iter)
        return _LpNonconvexSolver(data, penalty, tol, max_iter)
    raise ReglabInputError("penalty", "must be L1, L2, ElasticNet, Lp or DifferenceL1",
                           type(penalty).__name__)
