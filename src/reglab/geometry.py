r"""Two weights, elliptic contours and a norm ball: the constrained-form picture, exactly.

The lecture's central picture has two weights ``(w1, w2)``, the elliptic contours of the squared
error around its minimum ``w*`` and the ball of radius ``R`` of a penalty. The constrained
solution is where the smallest contour touches the ball: a circle for L2, a diamond for L1 whose
corners on the axes give exact zeros. This module computes that point exactly (to rounding), the
multiplier ``λ`` that makes it the penalized solution too, and every local minimum when the ball
is not convex (``Lp`` with ``p < 1``).

Conventions
-----------
The loss is a quadratic ``f(w) = (w - w*)^T H (w - w*) + c0``. For data with an unpenalized
intercept, minimizing ``sum_n (y_n - b - x_n.w)^2`` over ``b`` leaves exactly
``(w - w*)^T Xc^T Xc (w - w*) + RSS_min`` with ``Xc`` the centered features, so ``H = Xc^T Xc``
(no 1/2, no 1/n: the lecture's objective) and ``c0 = RSS_min``. The gradient is
``2 H (w - w*)``.

* constrained: minimize ``f(w)`` subject to ``P(w) <= P.level(R)``;
* penalized: minimize ``f(w) + λ P(w)``.

Because the constraint is written with ``P`` itself, its KKT multiplier is ``λ``: the optimality
condition of both is ``-∇f(w) ∈ λ ∂P(w)``.

How each ball is solved
-----------------------
No answer is decided by a grid argmin. Every case uses the structure of the 2-D problem:

* ``L2``, ``L1``, ``ElasticNet`` (and ``Lp(1)``, ``Lp(2)``): the boundary is made of *faces*: the
  four points on the axes (corners, when ``l1_ratio > 0``) and four arcs, one per quadrant, on
  which ``P`` equals the smooth ``P_s(w) = a sum v_j s_j w_j + b sum v_j w_j^2`` of the quadrant's
  signs ``s``. An axis point is the solution exactly when the subgradient condition holds there
  (an exact test, no tolerance); that is how sparsity is decided. On an arc the solution is
  ``w(λ) = argmin f + λ P_s``, a 2x2 linear solve (diagonal in the eigenbasis of
  ``V^{-1/2} H V^{-1/2}``), and ``λ`` solves the monotone scalar equation ``P_s(w(λ)) = level``
  by safeguarded Newton steps to machine precision (one step for ``L1``, where it is affine).
* ``Lp(inf)``: the square has four edges (a 1-D quadratic on each, solved in closed form) and
  four corners at the diagonals (subgradient test).
* ``Lp(p)`` for other ``p``: the ball of radius ``R`` is ``R`` times the unit ball, so the problem
  is solved on the unit ball with the center scaled by ``1 / R`` (no power of ``R`` is formed,
  and :func:`constrained_path` shares one boundary scan between all radii). Each quarter of
  the boundary is cut in two eighths, each parametrized from its own axis (``|w_j| = a_j
  cos^{2/p}``, ``sin^{2/p}`` for ``p < 2``, by polar angle for ``p > 2``) so that points next
  to either axis are resolved as finely as floats allow. The sign of the derivative of ``f``
  along each eighth is scanned on a grid and every sign change from ``-`` to ``+`` is refined
  to adjacent floats (Illinois steps safeguarded by bisection in the order of the doubles).
  Since ``w*`` is outside the ball, the minimum over the ball lies on the boundary: it is the
  lowest of these points and of the ends of the eighths (the axis points, which are the cusps
  for ``p < 1``, and the junctions), whatever their multipliers. (Keeping only candidates with
  ``λ > 0`` would lose the cusps where ``λ = 0`` exactly, as for ``H = I``, ``w* = (1, 1)``,
  ``R = 1``, ``p = 1/2``; and a minimum at the end of two quarters, as on an axis for
  ``p > 1``, is no sign change of either.) If the chosen point's KKT residual is not below
  :data:`KKT_TOL` the scan is repeated 16 times finer. For ``p < 1`` the local minima are the
  minima along the boundary with ``λ > 0`` (second-order sufficient), the cusps with ``λ > 0``,
  and the degenerate cusps with ``λ = 0`` that pass an exact second-order test (see
  :func:`_power_engine`). The grid has 1024 cells per quarter, times ``ceil(sqrt(κ) / 32)`` for
  condition number ``κ`` (up to 131072): only two stationary points closer than one cell could
  hide each other, which for ``p < 1`` is the one resolution limit of this module.
* A zero weight makes any of these balls a strip ``|w_j| <= r_j`` with the other weight free:
  ``w_j`` is ``w*_j`` clipped to the strip and the free weight follows in closed form.

The penalized problem (:func:`penalized_minimum`) enumerates the sign/zero patterns for
``L1``/elastic net/``L2``/``L∞`` (a KKT test each), and for other ``Lp`` reduces to one
dimension by minimizing out one weight exactly (``p > 1``: the exact 1-D proximal map;
``p < 1``: the branch of nonzero local minima, plus the axes and the origin).

Sparsity is always a structural answer: a solution has a zero coordinate because the chosen
candidate is an axis point (a corner, a cusp, the origin), never because a number is small. For
balls that are smooth on the axes (``L2``, ``Lp`` with ``p > 1``) or whose corners are off the
axes (``L∞``) that happens only in the non-generic case where the closed form lands exactly on
the axis. For ``p`` just above 1 the exact solution's small weight can be far below the smallest
double (``(ratio)^{1/(p-1)}``, ``1e-2500`` say): it is then returned as ``0.0`` but not reported
as a structural zero, and the certificate reads ``0.0`` as "below the smallest double".

Every valid input gets an answer. A result the engine cannot certify (KKT residual above
:data:`KKT_TOL`, or a multiplier outside the floating-point range) is returned with
``certified`` false and the reason in :attr:`GeometrySolution.note`.

The multiplier is unique at every boundary point of these balls except the origin: on an axis
point it follows from the nonzero coordinate, at an ``L∞`` corner from both. At ``R = 0`` (the
ball is the origin) every ``λ`` above a threshold works and the smallest is reported (``inf``
for ``L2``/``Lp`` with ``p > 1``, whose gradient vanishes at 0; ``0`` for ``p < 1``, whose
limiting subdifferential at 0 is the whole line).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from reglab._validation import (
    ReglabInputError,
    check_finite_array,
    check_nonnegative,
    check_positive,
)
from reglab.penalties import L1, L2, ElasticNet, Lp, Penalty

__all__ = [
    "KKT_TOL",
    "Eigen",
    "GeometrySolution",
    "Importance",
    "LocalMinimum",
    "PathEvent",
    "QuadraticLoss",
    "SparsityResult",
    "constrained_minimum",
    "constrained_path",
    "importance",
    "level_grid",
    "penalized_minimum",
    "sparsity_experiment",
    "sparsity_sample",
]

KKT_TOL = 1e-9
"""Relative KKT residual below which a solution counts as certified."""

_PD_RTOL = 1e-12  # smallest / largest eigenvalue below which H is numerically singular
_HALF_PI = 0.5 * math.pi
_EPS = np.finfo(float).eps
_LOG_TINY = math.log(math.ulp(0.0))  # log of the smallest positive double (subnormal)
_HUGE_RADIUS = 1e100  # beyond it, local minima of p < 1 on an inactive ball are not listed
_QUADRANT_SIGNS = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
# Increasing the angle from the w1 axis moves counter-clockwise in quadrants I and III only.
_QUADRANT_ORIENTATION = np.array([1.0, -1.0, 1.0, -1.0])
_WILSON_Z = 1.959963984540054  # standard normal quantile at 0.975
_SCAN_POINTS = 1024  # grid points per quarter of the boundary (scaled up for elongated losses)
_SCAN_MAX_POINTS = 1 << 17
_PROFILE_POINTS = 2048  # grid points of the 1-D profile scan in the penalized Lp problem

# Where the solution sits on the ball.
_FACES = ("interior", "origin", "vertex", "arc", "edge", "corner", "cusp", "axis")
_INTERIOR, _ORIGIN, _VERTEX, _ARC, _EDGE, _CORNER, _CUSP, _AXIS = range(8)
# Kinds of candidate points of the power-ball scan.
_END_AXIS, _END_JUNCTION, _ROOT = range(3)


# ---------------------------------------------------------------------------------------------
# The loss
# ---------------------------------------------------------------------------------------------
class Eigen(NamedTuple):
    """Curvatures of a quadratic loss along its principal directions.

    Attributes
    ----------
    curvatures : ndarray of shape (2,)
        Eigenvalues of ``H`` in ascending order: ``f`` grows by ``curvatures[k] t^2`` when ``w``
        moves by ``t`` along ``directions[:, k]``.
    directions : ndarray of shape (2, 2)
        Unit eigenvectors of ``H`` as columns (the axes of the contour ellipses).
    """

    curvatures: np.ndarray
    directions: np.ndarray


def _finite_real(name: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ReglabInputError(name, "must be a real number", value) from None
    if not math.isfinite(number):
        raise ReglabInputError(name, "must be a finite number", value)
    return number


def _check_spd(name: str, matrix: np.ndarray) -> np.ndarray:
    """Return the symmetrized 2x2 ``matrix`` after checking it is symmetric positive definite."""
    scale = float(np.max(np.abs(matrix)))
    asymmetry = float(matrix[0, 1] - matrix[1, 0])
    if abs(asymmetry) > 1e-12 * scale:
        raise ReglabInputError(name, "must be symmetric (H12 - H21 is shown)", asymmetry)
    matrix = 0.5 * (matrix + matrix.T)
    low, high = np.linalg.eigvalsh(matrix)
    if not (high > 0 and low > _PD_RTOL * high):
        raise ReglabInputError(
            name,
            f"must be positive definite (smallest eigenvalue > {_PD_RTOL:g} x largest; "
            "the smallest is shown)",
            float(low),
        )
    return matrix


class QuadraticLoss:
    r"""The squared error of a two-weight model: ``f(w) = (w - w*)^T H (w - w*) + c0``.

    Parameters
    ----------
    center : array_like of shape (2,)
        The unconstrained minimizer ``w*`` (the least-squares solution).
    hessian : array_like of shape (2, 2)
        Symmetric positive definite ``H``. For data ``H = Xc^T Xc`` (see :meth:`from_data`);
        note the gradient is ``2 H (w - w*)`` since there is no 1/2 in front.
    c0 : float, default 0
        The loss at the minimum (``RSS_min`` for data).

    Raises
    ------
    ReglabInputError
        If ``hessian`` is not symmetric positive definite: the message names ``hessian`` and
        gives the offending eigenvalue. Elongated ("taco") losses are fine up to a condition
        number of ``1e12``.

    Examples
    --------
    >>> loss = QuadraticLoss.from_axes([2.0, 1.0], lengths=(2.0, 0.5), angle=0.3)
    >>> round(loss.value(loss.center + 2.0 * loss.eigen.directions[:, 0]), 12)
    1.0
    """

    __slots__ = ("_center", "_hessian", "_c0", "_eigen")

    def __init__(self, center, hessian, c0: float = 0.0):
        center = check_finite_array("center", center, ndim=1)
        if center.shape != (2,):
            raise ReglabInputError("center", "must have exactly 2 entries (w1, w2)", center.size)
        hessian = check_finite_array("hessian", hessian, ndim=2)
        if hessian.shape != (2, 2):
            raise ReglabInputError("hessian", "must be a 2 x 2 matrix", f"shape {hessian.shape}")
        hessian = _check_spd("hessian", hessian)
        self._center = center.copy()
        self._hessian = hessian
        self._c0 = _finite_real("c0", c0)
        curvatures, directions = np.linalg.eigh(hessian)
        self._eigen = Eigen(curvatures, directions)
        for array in (self._center, self._hessian, curvatures, directions):
            array.setflags(write=False)

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def from_axes(cls, center, lengths=(1.0, 1.0), angle: float = 0.0, c0: float = 0.0):
        """Build the loss whose contour ``f = c0 + 1`` is a given ellipse.

        Parameters
        ----------
        center : array_like of shape (2,)
            Center ``w*`` of the ellipses.
        lengths : (float, float)
            Semi-axes ``(a, b)`` of the contour ``f = c0 + 1``; ``a`` lies along the direction
            ``(cos angle, sin angle)``, ``b`` perpendicular to it. ``H = Q diag(1/a^2, 1/b^2)
            Q^T`` with ``Q`` the rotation by ``angle``.
        angle : float
            Rotation of the first semi-axis from the ``w1`` axis, in radians.
        c0 : float
            Loss at the center.
        """
        lengths = check_finite_array("lengths", lengths, ndim=1)
        if lengths.shape != (2,):
            raise ReglabInputError("lengths", "must have exactly 2 entries (a, b)", lengths.size)
        for length in lengths:
            check_positive("lengths", length)
        angle = _finite_real("angle", angle)
        rotation = np.array([[math.cos(angle), -math.sin(angle)],
                             [math.sin(angle), math.cos(angle)]])
        hessian = (rotation / lengths**2) @ rotation.T
        return cls(center, 0.5 * (hessian + hessian.T), c0)

    @classmethod
    def from_data(cls, X, y):
        r"""Build the squared error of a two-feature linear model with an unpenalized intercept.

        ``min_b sum_n (y_n - b - x_n.w)^2 = (w - w*)^T Xc^T Xc (w - w*) + RSS_min`` exactly,
        with ``Xc`` the centered columns of ``X`` and ``w*`` the least-squares slopes.

        Parameters
        ----------
        X : array_like of shape (n_samples, 2)
            Two features (centered here; scale them first if you want standardized weights).
        y : array_like of shape (n_samples,)
            Targets.
        """
        X = check_finite_array("X", X, ndim=2, min_rows=3)
        if X.shape[1] != 2:
            raise ReglabInputError("X", "must have exactly 2 columns (two weights)", X.shape[1])
        y = check_finite_array("y", y, ndim=1)
        if y.shape[0] != X.shape[0]:
            raise ReglabInputError("y", f"must have one entry per row of X ({X.shape[0]})",
                                   y.shape[0])
        Xc = X - X.mean(axis=0)
        yc = y - y.mean()
        hessian = _check_spd("X", Xc.T @ Xc)  # names X: its centered columns are dependent
        center = np.linalg.lstsq(Xc, yc, rcond=None)[0]
        rss = float(np.sum((yc - Xc @ center) ** 2))
        return cls(center, hessian, rss)

    # -- attributes ------------------------------------------------------------------------
    @property
    def center(self) -> np.ndarray:
        """The minimizer ``w*``, shape (2,)."""
        return self._center

    @property
    def hessian(self) -> np.ndarray:
        """``H`` (half the Hessian of ``f``), shape (2, 2)."""
        return self._hessian

    @property
    def c0(self) -> float:
        """The loss at ``w*``."""
        return self._c0

    @property
    def eigen(self) -> Eigen:
        """Curvatures (ascending eigenvalues of ``H``) and principal directions (columns)."""
        return self._eigen

    @property
    def condition_number(self) -> float:
        """Largest over smallest curvature: how elongated the contours are (squared axis ratio)."""
        return float(self._eigen.curvatures[1] / self._eigen.curvatures[0])

    # -- math ------------------------------------------------------------------------------
    def value(self, w):
        """Return ``f(w)``; ``w`` of shape (..., 2) gives an array of shape (...)."""
        d = np.asarray(w, dtype=float) - self._center
        out = np.einsum("...i,ij,...j->...", d, self._hessian, d) + self._c0
        return float(out) if np.ndim(out) == 0 else out

    def gradient(self, w) -> np.ndarray:
        """Return ``∇f(w) = 2 H (w - w*)``, same shape as ``w``."""
        d = np.asarray(w, dtype=float) - self._center
        return 2.0 * d @ self._hessian

    def semi_axes(self, level: float) -> np.ndarray:
        """Semi-axes of the contour ``f = level`` along :attr:`eigen` directions."""
        excess = _finite_real("level", level) - self._c0
        if excess < 0:
            raise ReglabInputError("level", f"must be >= the minimum c0 = {self._c0:g}", level)
        return np.sqrt(excess / self._eigen.curvatures)

    def ellipse(self, level: float, n_points: int = 361) -> np.ndarray:
        """Exact points of the contour ``f = level``, an ``(n_points, 2)`` closed loop."""
        n_points = int(check_positive("n_points", n_points))
        t = np.linspace(0.0, 2.0 * np.pi, n_points)
        local = np.column_stack([np.cos(t), np.sin(t)]) * self.semi_axes(level)
        return self._center + local @ self._eigen.directions.T

    def contour_levels(self, n: int = 8, *, up_to: float | None = None, through=None):
        """Loss values for contour plots, sorted and unique.

        ``n`` levels ``c0 + (k / n)^2 (up_to - c0)``, ``k = 1..n``, whose ellipses are equally
        spaced (their semi-axes grow linearly with ``k``), plus the level of every point in
        ``through`` (for instance a tangent point, so its contour is drawn exactly).

        Parameters
        ----------
        n : int
            Number of evenly spaced levels.
        up_to : float, optional
            Largest of them. Default: the contour 1.5 times the size of the one through the
            origin (or of semi-axis 1 along the flattest direction when ``w* = 0``).
        through : array_like of shape (m, 2) or (2,), optional
            Points whose contours are added.
        """
        n = int(check_positive("n", n))
        if up_to is None:
            excess = self.value(np.zeros(2)) - self._c0
            if excess <= 0:
                excess = float(self._eigen.curvatures[0])
            up_to = self._c0 + 2.25 * excess
        up_to = _finite_real("up_to", up_to)
        if up_to <= self._c0:
            raise ReglabInputError("up_to", f"must exceed the minimum c0 = {self._c0:g}", up_to)
        levels = self._c0 + (np.arange(1, n + 1) / n) ** 2 * (up_to - self._c0)
        if through is not None:
            points = np.atleast_2d(np.asarray(through, dtype=float))
            levels = np.concatenate([levels, np.atleast_1d(self.value(points))])
        return np.unique(levels)

    def __repr__(self) -> str:
        return (f"QuadraticLoss(center={self._center.tolist()!r}, "
                f"hessian={self._hessian.tolist()!r}, c0={self._c0!r})")


def level_grid(loss: QuadraticLoss, extent=3.0, n=201):
    """Grid of loss values for contour plots.

    Parameters
    ----------
    loss : QuadraticLoss
    extent : float or (w1_min, w1_max, w2_min, w2_max)
        A number ``e`` means the square ``[-e, e]^2``.
    n : int or (int, int)
        Points per axis (``(n1, n2)`` for different counts along ``w1`` and ``w2``).

    Returns
    -------
    W1, W2, F : ndarray of shape (n2, n1)
        Mesh (``"xy"`` indexing, as ``matplotlib.pyplot.contour`` expects) and ``f`` on it.
    """
    _check_loss(loss)
    extent = np.atleast_1d(np.asarray(extent, dtype=float))
    if extent.size == 1:
        e = float(check_positive("extent", extent[0]))
        extent = np.array([-e, e, -e, e])
    if extent.shape != (4,) or not np.all(np.isfinite(extent)):
        raise ReglabInputError("extent", "must be a number or 4 finite numbers", extent)
    if not (extent[0] < extent[1] and extent[2] < extent[3]):
        raise ReglabInputError("extent", "must be (w1_min, w1_max, w2_min, w2_max) increasing",
                               extent.tolist())
    counts = np.atleast_1d(np.asarray(n))
    if counts.size not in (1, 2):
        raise ReglabInputError("n", "must be a count or a pair of counts", counts.tolist())
    n1, n2 = (int(check_positive("n", k)) for k in np.broadcast_to(counts, (2,)))
    W1, W2 = np.meshgrid(np.linspace(extent[0], extent[1], n1),
                         np.linspace(extent[2], extent[3], n2))
    F = loss.value(np.stack([W1, W2], axis=-1))
    return W1, W2, F


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LocalMinimum:
    """One local minimum of the constrained (or penalized) problem.

    Attributes
    ----------
    w : ndarray of shape (2,)
    loss : float
        ``f(w)``.
    lam : float
        KKT multiplier at ``w``.
    is_global : bool
    face : str
        Where it sits: ``"interior"``, ``"origin"``, ``"vertex"`` (a corner of the ball on an
        axis), ``"cusp"`` (the same for ``p < 1``), ``"axis"`` (a smooth boundary point on an
        axis), ``"arc"``, ``"edge"`` or ``"corner"`` (of the ``L∞`` square).
    zero_coordinates : tuple of int
        Coordinates that are exactly zero by construction of the face.
    kkt_residual : float
        Relative distance of ``-∇f(w)`` to ``λ ∂P(w)`` (see :class:`GeometrySolution`).
    """

    w: np.ndarray
    loss: float
    lam: float
    is_global: bool
    face: str = "arc"
    zero_coordinates: tuple[int, ...] = ()
    kkt_residual: float = 0.0


@dataclass(frozen=True, eq=False)
class GeometrySolution:
    """The point where the smallest contour touches the ball, with its certificate.

    Attributes
    ----------
    w : ndarray of shape (2,)
        Global solution.
    lam : float
        KKT multiplier (``0`` when the constraint is inactive).
    R : float
        Radius of the ball (``penalty.radius(w)`` for :func:`penalized_minimum`).
    active : bool
        ``False`` when ``w*`` lies inside the ball: then ``w = w*``, ``lam = 0``, no tangent.
    sparse : bool
        ``True`` when a coordinate of ``w`` is exactly zero. Decided structurally: the chosen
        face is an axis point (corner, cusp) or the origin, never by a tolerance on ``w``
        (see the module notes for the smooth balls).
    zero_coordinates : tuple of int
        Indices of those coordinates.
    level : float
        ``f(w)``: the level of the contour through ``w``.
    local_minima : list of LocalMinimum
        Every local minimum found, sorted by loss, the global one first and marked. For convex
        balls just the solution; for ``Lp`` with ``p < 1`` every local minimum on the boundary.
    kkt_residual : float
        ``max_j dist(-∂f/∂w_j, λ ∂_j P(w)) / (2 ||H|| (||w|| + ||w*||))``: the stationarity
        residual relative to the size of the gradient terms (``0`` at ``R = 0``, where the
        single feasible point is trivially optimal). For :func:`constrained_minimum` it also
        covers primal feasibility and complementary slackness: the larger of that and
        ``|R(w) - R| / R`` (where ``λ > 0``; where ``λ = 0`` only ``R(w) > R`` counts). ``nan``
        when ``λ`` is not finite.
    penalty : Penalty
    loss : QuadraticLoss
    face : str
        See :class:`LocalMinimum`.
    note : str
        Empty when the result is certified; otherwise why not, in one English sentence. Every
        valid input gets an answer: when the engine cannot certify it, ``w`` is the best point
        it found and this says so (the lab shows it instead of presenting the point as exact).
    """

    w: np.ndarray
    lam: float
    R: float
    active: bool
    sparse: bool
    zero_coordinates: tuple[int, ...]
    level: float
    local_minima: list[LocalMinimum]
    kkt_residual: float
    penalty: Penalty
    loss: QuadraticLoss
    face: str = "arc"
    note: str = ""

    @property
    def certified(self) -> bool:
        """Whether the KKT residual is below :data:`KKT_TOL`.

        For convex balls this certifies global optimality; for ``p < 1`` only that ``w`` is a
        local minimum (stationary, gradient pointing out, minimum along the boundary).
        """
        return bool(self.kkt_residual <= KKT_TOL)


# ---------------------------------------------------------------------------------------------
# Balls: the few numbers of each penalty the 2-D engines need, vectorized
# ---------------------------------------------------------------------------------------------
def _face_radius(level, alpha: float, beta: float) -> np.ndarray:
    """Inverse of ``level(R) = alpha R + beta R^2`` for ``level >= 0``, cancellation-free."""
    level = np.asarray(level, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        radius = 2.0 * level / (alpha + np.sqrt(alpha * alpha + 4.0 * beta * level))
    return np.where(level > 0, radius, 0.0)


@dataclass(frozen=True, eq=False)
class _Ball:
    """A penalty seen by the 2-D engines.

    ``kind`` is ``"face"`` for ``P = sum v_j (alpha |w_j| + beta w_j^2)`` (L1, L2, elastic net),
    ``"box"`` for ``max_j v_j |w_j|`` and ``"power"`` for ``sum v_j |w_j|^p``.
    """

    penalty: Penalty
    kind: str
    v: np.ndarray
    alpha: float = 0.0
    beta: float = 0.0
    p: float = 1.0

    @property
    def convex(self) -> bool:
        return self.kind != "power" or self.p > 1

    def value(self, w: np.ndarray) -> np.ndarray:
        a = np.abs(w)
        if self.kind == "face":
            return np.sum(self.v * (self.alpha * a + self.beta * (a * a)), axis=-1)
        if self.kind == "box":
            return np.max(self.v * a, axis=-1)
        return np.sum(self.v * a**self.p, axis=-1)

    def level(self, R) -> np.ndarray:
        """``penalty.level(R)`` for an array of radii (face and box balls)."""
        R = np.asarray(R, dtype=float)
        return self.alpha * R + self.beta * (R * R) if self.kind == "face" else R

    def radius(self, w) -> np.ndarray:
        """Radius of the ball whose boundary passes through each point of ``w`` (..., 2).

        Computed without forming ``P(w)`` for the power ball (``|w|^p`` overflows for large
        ``p`` long before the radius does).
        """
        a = np.abs(np.asarray(w, dtype=float))
        if self.kind == "face" and self.alpha > 0:
            return _face_radius(self.value(a), self.alpha, self.beta)
        if self.kind == "box":
            return np.max(self.v * a, axis=-1)
        top = np.max(a, axis=-1)
        safe = np.where(top > 0, top, 1.0)
        p = self.p if self.kind == "power" else 2.0  # alpha = 0: sqrt(sum v w^2), as L2's
        total = np.sum(self.v * (a / safe[..., None]) ** p, axis=-1)
        return np.where(top > 0, safe * total ** (1.0 / p), 0.0)

    def axis_radius(self, R) -> np.ndarray:
        """Distance from 0 to the boundary of the ball of radius ``R`` along each axis.

        ``R`` of shape (...) gives (..., 2); ``inf`` on an axis whose weight is zero.
        """
        R = np.asarray(R, dtype=float)[..., None]
        v = self.v
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.kind == "face" and self.alpha == 0:
                r = R * np.sqrt(self.beta / (self.beta * v))  # exact, even where R^2 underflows
            elif self.kind == "face":
                level = self.level(R)
                av = self.alpha * v
                r = 2.0 * level / (av + np.sqrt(av * av + 4.0 * self.beta * v * level))
            elif self.kind == "box":
                r = R / v
            else:
                r = R * v ** (-1.0 / self.p)  # the power ball is R times the unit ball
        return np.where(v > 0, np.where(R > 0, r, 0.0), np.inf)

    def axis_slope(self, j: int, t):
        """Return the derivative of ``t -> P(t e_j)`` at ``t >= 0`` (right limit at 0)."""
        v = self.v[j]
        if self.kind == "face":
            return v * (self.alpha + 2.0 * self.beta * t)
        if self.kind == "box":
            return v + 0.0 * t
        with np.errstate(divide="ignore", over="ignore"):
            return v * self.p * np.asarray(t, dtype=float) ** (self.p - 1.0)


def _make_ball(penalty: Penalty) -> _Ball:
    if not isinstance(penalty, Penalty):
        raise ReglabInputError("penalty", "must be a reglab penalty (L2, L1, ElasticNet, Lp)",
                               penalty)
    v = np.asarray(penalty.weights_for(2), dtype=float)
    if isinstance(penalty, L2):
        return _Ball(penalty, "face", v, 0.0, 1.0)
    if isinstance(penalty, L1):
        return _Ball(penalty, "face", v, 1.0, 0.0)
    if isinstance(penalty, ElasticNet):
        a = penalty.l1_ratio
        return _Ball(penalty, "face", v, a, 0.5 * (1.0 - a))
    if isinstance(penalty, Lp):
        if penalty.p == 1:
            return _Ball(penalty, "face", v, 1.0, 0.0)
        if penalty.p == 2:
            return _Ball(penalty, "face", v, 0.0, 1.0)
        if math.isinf(penalty.p):
            return _Ball(penalty, "box", v)
        return _Ball(penalty, "power", v, p=penalty.p)
    raise ReglabInputError("penalty", "must be L2, L1, ElasticNet or Lp for the 2-D geometry",
                           penalty)


def _check_loss(loss) -> None:
    if not isinstance(loss, QuadraticLoss):
        raise ReglabInputError("loss", "must be a reglab.geometry.QuadraticLoss", loss)


def _public_radius(ball: _Ball, center: np.ndarray) -> float:
    """``penalty.radius(w*)``: the documented threshold of the inactive case.

    Where ``P(w*)`` over- or underflows (a large ``p``: ``0.2^1000`` is ``0.0``), that number is
    no radius, and the engine's own scaled one (:meth:`_Ball.radius`) is used instead.
    """
    if not np.any(center):
        return 0.0
    with np.errstate(over="ignore", under="ignore"):
        public = float(ball.penalty.radius(center))
    return public if 0 < public < math.inf else float(ball.radius(center))


# ---------------------------------------------------------------------------------------------
# Batched constrained engines. Every engine takes H (B, 2, 2), c (B, 2) and one radius or level
# per problem, and returns the chosen point, multiplier, face and structural zeros, and (for the
# non-convex ball) every local minimum as flat candidate arrays.
# ---------------------------------------------------------------------------------------------
@dataclass
class _Batch:
    w: np.ndarray  # (B, 2)
    lam: np.ndarray  # (B,)
    face: np.ndarray  # (B,) codes into _FACES
    zeros: np.ndarray  # (B, 2) bool
    # local minima of the non-convex ball (empty otherwise)
    minima_problem: np.ndarray
    minima_w: np.ndarray
    minima_lam: np.ndarray
    minima_face: np.ndarray
    minima_zeros: np.ndarray


def _no_minima():
    return (np.zeros(0, int), np.zeros((0, 2)), np.zeros(0), np.zeros(0, int),
            np.zeros((0, 2), bool))


def _losses(H, c, w):
    """``(w - c)^T H (w - c)`` for w of shape (B, ..., 2)."""
    d = w - c.reshape(c.shape[0], *([1] * (w.ndim - 2)), 2)
    return np.sum(d * np.einsum("bij,b...j->b...i", H, d), axis=-1)


def _quadratic(a, H, b):
    """``a_k^T H_k b_k`` for (K, 2) vectors and (K, 2, 2) matrices.

    Written as a product and a sum rather than one three-operand einsum, whose rounding
    depends on the batch size: a radius solved alone or within a path gives the same bits.
    """
    return np.sum(a * np.einsum("kij,kj->ki", H, b), axis=1)


def _gradients(H, c, w):
    """``2 H (w - c)`` for w of shape (B, ..., 2)."""
    d = w - c.reshape(c.shape[0], *([1] * (w.ndim - 2)), 2)
    return 2.0 * np.einsum("bij,b...j->b...i", H, d)


def _decreasing_root(func, size):
    """Root ``lam >= 0`` of decreasing functions ``h``, batched.

    ``func(lam)`` returns ``(h, h')`` for an array of ``size`` multipliers. Where ``h(0) <= 0``
    the root is ``0`` (rounding has put ``w*`` on the boundary). Elsewhere, safeguarded Newton:
    a bracket ``[lo, hi]`` with ``h(lo) > 0 > h(hi)`` is kept, and a Newton step that leaves it
    is replaced by bisection. Iterates until the step no longer changes the float.
    """
    lo = np.zeros(size)
    h, dh = func(lo)
    at_zero = ~(h > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        hi = np.where(dh < 0, h / -dh, 1.0)
    hi = np.where(np.isfinite(hi) & (hi > 0), hi, 1.0)
    for _ in range(2100):  # doubling reaches any double
        h_hi, _ = func(hi)
        grow = (h_hi > 0) & ~at_zero
        if not grow.any():
            break
        lo = np.where(grow, hi, lo)
        hi = np.where(grow, 2.0 * hi, hi)
    lam = lo.copy()
    h, dh = func(lam)
    done = (h == 0) | at_zero
    for _ in range(400):
        mid = 0.5 * (lo + hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = lam - h / dh
        step = np.where(np.isfinite(newton) & (newton > lo) & (newton < hi), newton, mid)
        done |= (step == lam) | (mid == lo) | (mid == hi)
        if done.all():
            break
        lam = np.where(done, lam, step)
        h, dh = func(lam)
        lo = np.where(~done & (h > 0), lam, lo)
        hi = np.where(~done & (h < 0), lam, hi)
        done |= h == 0
    return np.where(at_zero, 0.0, lam)


def _face_engine(H, c, ball: _Ball, R):
    """Exact minimum of f over ``{sum v (alpha |w| + beta w^2) <= level(R)}``, all weights > 0.

    ``R`` has one radius per problem; ``w*`` lies outside its ball (``P(w*) > level``).
    """
    B = len(c)
    v, alpha, beta = ball.v, ball.alpha, ball.beta
    r = ball.axis_radius(R)  # (B, 2)
    # -- the four axis points: optimal exactly when the subgradient condition holds ----------
    vert_j = np.array([0, 0, 1, 1])
    vert_s = np.array([1.0, -1.0, 1.0, -1.0])
    k = np.arange(4)
    vert_w = np.zeros((B, 4, 2))
    vert_w[:, k, vert_j] = vert_s * r[:, vert_j]
    g = _gradients(H, c, vert_w)
    slope = v[vert_j] * (alpha + 2.0 * beta * r[:, vert_j])
    vert_lam = -g[:, k, vert_j] * vert_s / slope
    other = 1 - vert_j
    vert_ok = (vert_lam >= 0) & (np.abs(g[:, k, other]) <= vert_lam * alpha * v[other])
    vert_loss = _losses(H, c, vert_w)

    # -- the arcs: w(lam) = argmin f + lam P_s, in the eigenbasis of Hhat = V^-1/2 H V^-1/2 --
    root_v = np.sqrt(v)
    curv, Q = np.linalg.eigh(H / np.outer(root_v, root_v))
    d = np.einsum("bji,bj->bi", Q, c * root_v)
    patterns = _QUADRANT_SIGNS if alpha > 0 else _QUADRANT_SIGNS[:1]
    arc_w = np.zeros((B, len(patterns), 2))
    arc_lam = np.full((B, len(patterns)), np.nan)
    arc_ok = np.zeros((B, len(patterns)), dtype=bool)
    for i, s in enumerate(patterns):
        b = np.einsum("bji,j->bi", Q, root_v * s)
        # On the arc P = P_s(w) = alpha b.z + beta |z|^2 with z = Q^T V^1/2 w, and
        # z_k(lam) = (curv_k d_k - lam alpha b_k / 2) / (curv_k + lam beta). h = P_s - level
        # decreases with lam (P_s is convex); it has a root lam >= 0 iff P_s(w*) > level. That
        # test is written exactly as _Ball.value (and the inactive test), so the quadrant of w*
        # always has its arc. Without the linear term (alpha = 0) the equation is written in
        # radii, h = |z| - R, so that a tiny ball does not underflow its level beta R^2.
        if alpha == 0:
            h0 = ball.radius(c) - R
        else:
            h0 = np.sum(v * (alpha * (s * c) + beta * (c * c)), axis=1) - ball.level(R)
        idx = np.flatnonzero(h0 > 0)
        if not idx.size:
            continue
        sub_curv, sub_d, sub_b, sub_R = curv[idx], d[idx], b[idx], R[idx]
        sub_level = ball.level(sub_R)

        def h_of(lam, sub_curv=sub_curv, sub_d=sub_d, sub_b=sub_b, sub_R=sub_R,
                 sub_level=sub_level):
            den = sub_curv + beta * lam[:, None]
            z = (sub_curv * sub_d - 0.5 * alpha * lam[:, None] * sub_b) / den
            dz = -sub_curv * (0.5 * alpha * sub_b + beta * sub_d) / den / den
            if alpha > 0:
                h = alpha * np.sum(sub_b * z, axis=1) + beta * np.sum(z * z, axis=1) - sub_level
                return h, np.sum((alpha * sub_b + 2.0 * beta * z) * dz, axis=1)
            top = np.max(np.abs(z), axis=1, keepdims=True)
            safe = np.where(top > 0, top, 1.0)
            norm = safe[:, 0] * np.sqrt(np.sum((z / safe) ** 2, axis=1))
            return norm - sub_R, np.sum(z / np.where(norm > 0, norm, 1.0)[:, None] * dz, axis=1)

        lam = _decreasing_root(h_of, idx.size)
        z = (sub_curv * sub_d - 0.5 * alpha * lam[:, None] * sub_b) / (sub_curv
                                                                       + beta * lam[:, None])
        w = np.einsum("bij,bj->bi", Q[idx], z) / root_v
        arc_w[idx, i] = w
        arc_lam[idx, i] = lam
        arc_ok[idx, i] = np.all(w * s > 0, axis=1) if alpha > 0 else True
    arc_loss = np.where(np.isnan(arc_lam), np.inf, _losses(H, c, arc_w))

    # -- choose: a vertex passing its exact test, else the best sign-consistent arc ----------
    rows = np.arange(B)
    any_vert = vert_ok.any(axis=1)
    arc_score = np.where(arc_ok, arc_loss, np.inf)
    any_arc = np.isfinite(arc_score).any(axis=1)
    # Fallback when rounding rejected every face (the optimum then sits where two faces
    # meet): the best feasible point among all candidates (an arc point whose signs agree
    # with its pattern lies on the boundary; one that disagrees lies outside the ball).
    if alpha > 0:
        loose_ok = ~np.isnan(arc_lam) & np.all(arc_w * patterns[None] >= 0, axis=2)
    else:
        loose_ok = ~np.isnan(arc_lam)
    loose = np.where(loose_ok, arc_loss, np.inf)
    fallback = ~any_vert & ~any_arc
    fallback_vert = fallback & (vert_loss.min(axis=1) <= loose.min(axis=1))
    use_vert = any_vert | fallback_vert
    kv = np.where(any_vert, np.argmin(np.where(vert_ok, vert_loss, np.inf), axis=1),
                  np.argmin(vert_loss, axis=1))
    ka = np.where(any_arc, np.argmin(arc_score, axis=1), np.argmin(loose, axis=1))
    w = np.where(use_vert[:, None], vert_w[rows, kv], arc_w[rows, ka])
    lam = np.where(use_vert, np.maximum(vert_lam[rows, kv], 0.0), arc_lam[rows, ka])
    face = np.where(use_vert, _VERTEX if alpha > 0 else _AXIS, _ARC)
    zeros = use_vert[:, None] & (np.arange(2)[None, :] == other[kv][:, None])
    return w, lam, face, zeros


def _box_engine(H, c, ball: _Ball, R):
    """Exact minimum of f over the square ``max_j v_j |w_j| <= R``, all weights > 0."""
    B = len(c)
    v = ball.v
    half = R[:, None] / v  # (B, 2)
    candidates_w, candidates_lam, candidates_ok, candidates_feasible = [], [], [], []
    faces, zero_masks = [], []
    # Edges w_j = s half_j: f restricted to the line is minimized in closed form.
    for j in (0, 1):
        k = 1 - j
        for s in (1.0, -1.0):
            w = np.empty((B, 2))
            w[:, j] = s * half[:, j]
            w[:, k] = c[:, k] - H[:, k, j] * (w[:, j] - c[:, j]) / H[:, k, k]
            g = _gradients(H, c, w)
            lam = -g[:, j] * s / v[j]
            inside = np.abs(w[:, k]) < half[:, k]
            candidates_w.append(w)
            candidates_lam.append(lam)
            candidates_ok.append(inside & (lam >= 0))
            candidates_feasible.append(np.abs(w[:, k]) <= half[:, k])
            faces.append(_EDGE)
            zero_masks.append(np.column_stack([w[:, 0] == 0, w[:, 1] == 0]))
    # Corners: -grad f = lam (c1 v1 s1, c2 v2 s2) with c >= 0, c1 + c2 = 1.
    for s in _QUADRANT_SIGNS:
        w = s * half
        g = _gradients(H, c, w)
        push = -g * s / v  # c_j lam
        candidates_w.append(w)
        candidates_lam.append(push.sum(axis=1))
        candidates_ok.append(np.all(-g * s >= 0, axis=1))
        candidates_feasible.append(np.ones(B, dtype=bool))
        faces.append(_CORNER)
        zero_masks.append(np.zeros((B, 2), dtype=bool))
    W = np.stack(candidates_w, axis=1)
    LAM = np.stack(candidates_lam, axis=1)
    OK = np.stack(candidates_ok, axis=1)
    FEAS = np.stack(candidates_feasible, axis=1)
    ZEROS = np.stack(zero_masks, axis=1)
    loss = _losses(H, c, W)
    score = np.where(OK, loss, np.inf)
    pick = np.argmin(score, axis=1)
    fallback = np.argmin(np.where(FEAS, loss, np.inf), axis=1)
    pick = np.where(np.isfinite(score[np.arange(B), pick]), pick, fallback)
    rows = np.arange(B)
    return (W[rows, pick], np.maximum(LAM[rows, pick], 0.0), np.asarray(faces)[pick],
            ZEROS[rows, pick])


def _eighth(psi, half, ball: _Ball):
    """First-quadrant boundary points ``(x, y) >= 0`` of the *unit* power ball.

    Each quarter of the boundary is cut in two eighths, each parametrized by its angle
    ``psi`` in ``[0, π/4]`` from its own axis (``half = 0``: from the ``w1`` axis, ``half = 1``:
    from the ``w2`` axis), so that points next to either axis are as finely resolved as floats
    allow (an angle measured from the other axis could not get closer than ``ulp(π/2)``).
    With ``(C, S) = (cos, sin)`` of the angle from the ``w1`` axis: ``p < 2``:
    ``x = a1 C^{2/p}``, ``y = a2 S^{2/p}`` (exactly on the boundary, and dense near the cusps
    of ``p < 1``); ``p > 2``: polar angle, the gauge scaled so that it cannot overflow for
    large ``p``. ``psi = 0`` gives the exact axis point.
    """
    cos, sin = np.cos(psi), np.sin(psi)
    C = np.where(half == 0, cos, sin)
    S = np.where(half == 0, sin, cos)
    p, v = ball.p, ball.v
    if p < 2:
        a = v ** (-1.0 / p)
        return np.stack([a[0] * C ** (2.0 / p), a[1] * S ** (2.0 / p)], axis=-1)
    top = np.maximum(C, S)
    rho = 1.0 / (top * (v[0] * (C / top) ** p + v[1] * (S / top) ** p) ** (1.0 / p))
    return np.stack([rho * C, rho * S], axis=-1)


def _tangents(W, signs, ball: _Ball, orientation):
    """Positive multiples of the direction of increasing boundary parameter at points ``W``.

    ``W`` (..., 2) are points of one quadrant with signs ``signs``; ``orientation`` is ``+1``
    where the parameter moves counter-clockwise, ``-1`` where it moves clockwise. The
    counter-clockwise tangent is ``rot90(n)`` with ``n = ∇P``; ``n_j ∝ v_j s_j |w_j|^{p-1}``.
    For ``p < 1`` it is
    multiplied by ``|w1|^{1-p} |w2|^{1-p}`` so that it stays finite at the cusps, where the
    quadrant's signs give the one-sided limit.
    """
    p, v = ball.p, ball.v
    A = np.abs(W)
    m = np.max(A, axis=-1, keepdims=True)  # scale out to avoid overflow of |w|^(p-1)
    A = A / m
    if p > 1:
        n1 = v[0] * signs[..., 0] * A[..., 0] ** (p - 1.0)
        n2 = v[1] * signs[..., 1] * A[..., 1] ** (p - 1.0)
        t = np.stack([-n2, n1], axis=-1)
    else:
        t = np.stack([-v[1] * signs[..., 1] * A[..., 0] ** (1.0 - p),
                      v[0] * signs[..., 0] * A[..., 1] ** (1.0 - p)], axis=-1)
    return t * orientation[..., None]


def _scan_points(H) -> int:
    curv = np.linalg.eigvalsh(H)
    cond = float(np.max(curv[:, 1] / curv[:, 0]))
    factor = int(np.clip(math.ceil(math.sqrt(cond) / 32.0), 1, _SCAN_MAX_POINTS // _SCAN_POINTS))
    return _SCAN_POINTS * factor


def _ordinal_midpoint(lo, hi):
    """Midpoint of non-negative doubles in the order of their bit patterns.

    Halving the number of doubles between ``lo`` and ``hi`` reaches adjacent doubles in at
    most 64 steps from any bracket, ``[0, 1]`` included (the arithmetic midpoint would need
    over 1000 to resolve a root near ``1e-300``).
    """
    a, b = lo.view(np.int64), hi.view(np.int64)
    return (a + (b - a) // 2).view(np.float64)


def _refine_sign_changes(func, lo, hi):
    """Points ``x`` in ``[lo, hi]`` where ``func`` crosses 0 upwards, batched, to adjacent floats.

    ``func(x, idx)`` evaluates the functions of the brackets ``idx`` at ``x``.
    ``func(lo) <= 0 < func(hi)`` is assumed (brackets where rounding broke it are returned as
    they are). Illinois (modified regula falsi) steps, replaced by a bisection in the order of
    the doubles whenever the secant point is not strictly inside, the bracket spans more than
    a binade, and every third step: the bracket shrinks at least geometrically in that order,
    and superlinearly where ``func`` is smooth. Returns ``(lo, hi, exact)``: ``exact`` marks
    an ``x`` with ``func(x) == 0``, stored in both ends.
    """
    lo, hi = lo.copy(), hi.copy()
    every = np.arange(lo.size)
    f_lo, f_hi = func(lo, every), func(hi, every)
    moving = (f_lo <= 0) & (f_hi > 0) & (lo < hi)
    exact = moving & (f_lo == 0)
    moving &= ~exact
    hi = np.where(exact, lo, hi)
    side = np.zeros(lo.size, dtype=int)  # +1: lo moved last, -1: hi moved last
    for step in range(256):
        moving &= hi.view(np.int64) - lo.view(np.int64) > 1
        if not moving.any():
            break
        idx = np.flatnonzero(moving)
        a, b, fa, fb = lo[idx], hi[idx], f_lo[idx], f_hi[idx]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            x = a - fa * (b - a) / (fb - fa)
        # Secant steps only within one binade (a bracket [0, h] may hold a root at 1e-300,
        # where the function varies on a logarithmic scale).
        bisect = ~((x > a) & (x < b)) | (step % 3 == 2) | (b > 2.0 * a)
        x = np.where(bisect, _ordinal_midpoint(a, b), x)
        fx = func(x, idx)
        left = fx <= 0
        # Illinois: halve the stored value of an end that survived twice, so that the secant
        # point moves past the root instead of creeping towards it from one side.
        fb = np.where(left & (side[idx] == 1), 0.5 * fb, fb)
        fa = np.where(~left & (side[idx] == -1), 0.5 * fa, fa)
        lo[idx] = np.where(left, x, a)
        f_lo[idx] = np.where(left, fx, fa)
        hi[idx] = np.where(left, b, x)
        f_hi[idx] = np.where(left, fb, fx)
        side[idx] = np.where(left, 1, -1)
        zero = fx == 0
        if zero.any():
            hit = idx[zero]
            hi[hit] = lo[hit]
            exact[hit] = True
            moving[hit] = False
    return lo, hi, exact


def _power_multiplier(G, w, ball: _Ball, kkt_scale):
    """Multiplier and relative KKT residual at boundary points ``w`` (K, 2) of the power ball.

    ``G = -∇f(w)``. ``λ`` is the least-squares solution of ``G = λ ∇P(w)`` over the coordinates
    where ``P`` is differentiable (only the nonzero one at an axis point), computed through
    ``log |∂P/∂w_j|`` so that neither ``|w_j|^{p-1}`` nor ``λ`` overflows on the way (``λ`` is
    ``inf`` or ``0`` only when the number itself is out of range). The residual is the one of
    :func:`_kkt_residual` with ``λ`` clipped at 0. Returns ``(λ, residual)``, ``λ`` unclipped.
    """
    p, v = ball.p, ball.v
    a = np.abs(w)
    nonzero = a > 0
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        log_n = np.where(nonzero, np.log(v * p) + (p - 1.0) * np.log(np.where(nonzero, a, 1.0)),
                         -np.inf)
        top = np.max(log_n, axis=1)  # finite: a boundary point has a nonzero coordinate
        n_hat = np.where(nonzero, np.sign(w) * np.exp(log_n - top[:, None]), 0.0)
        ratio = np.sum(G * n_hat, axis=1) / np.sum(n_hat * n_hat, axis=1)  # λ e^top
        lam = np.where(ratio == 0, 0.0, ratio * np.exp(-top))
        push = np.maximum(ratio, 0.0)
        if p < 1:  # the limiting subdifferential of |t|^p at 0 is the whole line
            at_zero = np.zeros_like(G)
        else:  # 0.0 stands for every |t| below the smallest double: see _power_distance
            slack = push[:, None] * np.exp(np.log(v * p) + (p - 1.0) * _LOG_TINY - top[:, None])
            at_zero = np.maximum(np.abs(G) - slack, 0.0)
        distance = np.where(nonzero, np.abs(G - push[:, None] * n_hat), at_zero)
    return lam, np.max(distance, axis=1) / kkt_scale


def _sign_change_ranges(rho, A, C):
    """Pairs ``(b, k)`` with ``rho_b A_k - C_k <= 0 < rho_b A_{k+1} - C_{k+1}``, for many ``rho``.

    For each ``k`` the ``rho`` with ``rho A_k - C_k <= 0`` form a prefix or a suffix of the
    sorted ``rho`` (split at ``C_k / A_k``), or none or all of them when ``A_k = 0``; so do those
    with ``> 0``. The pairs of a cell are the intersection of two such ranges: O(K log B) work
    instead of forming the B x K signs.
    """
    order = np.argsort(rho, kind="stable")
    r = rho[order]
    n = r.size
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(A != 0, C / np.where(A != 0, A, 1.0), 0.0)
    left = np.searchsorted(r, tau, side="left")  # first rho >= tau
    right = np.searchsorted(r, tau, side="right")  # first rho > tau
    positive, negative = A > 0, A < 0
    flat_nonpositive = C >= 0  # A = 0: D = -C
    # rows with D <= 0 and rows with D > 0, as ranges [start, stop) of the sorted rho
    le_start = np.where(positive, 0, np.where(negative, left, np.where(flat_nonpositive, 0, n)))
    le_stop = np.where(positive, right, np.where(negative, n, np.where(flat_nonpositive, n, 0)))
    gt_start = np.where(positive, right, np.where(negative, 0, np.where(flat_nonpositive, n, 0)))
    gt_stop = np.where(positive, n, np.where(negative, left, np.where(flat_nonpositive, 0, n)))
    start = np.maximum(le_start[:-1], gt_start[1:])
    count = np.maximum(np.minimum(le_stop[:-1], gt_stop[1:]) - start, 0)
    cells = np.repeat(np.arange(A.size - 1), count)
    offsets = np.arange(cells.size) - np.repeat(np.cumsum(count) - count, count)
    return order[np.repeat(start, count) + offsets], cells


def _power_scan(H, chat, rho, ball: _Ball, n_grid: int):
    """Candidate minima of ``(rho u - chat)^T H (rho u - chat)`` on the unit power ball boundary.

    ``H`` is (B, 2, 2) or (1, 2, 2) shared by every problem. The derivative of the loss along
    each quarter of the boundary is sampled on ``n_grid`` cells (one matrix product for all
    problems: the boundary is the same for all of them), and every sign change from ``-`` to
    ``+`` is refined to adjacent floats. The ends of the segments are candidates too: a
    minimum can sit where two segments meet without a sign change in either, in particular on
    the axes, where the cusps of ``p < 1`` are. Returns ``(prob, u)``: problem index and
    unit-ball point of each candidate (the ends first), then its kind (an axis point, a
    junction of two eighths or a refined root) and, for the junctions, whether they are
    minima along the boundary.
    """
    B = len(chat)
    m = n_grid // 2  # cells per eighth
    psi = np.linspace(0.0, 0.25 * math.pi, m + 1)
    # Segment g = 2 q + h: quadrant q, eighth h; increasing psi moves counter-clockwise in
    # quadrants I and III on the first eighth, and the other way on the second.
    seg_signs = _QUADRANT_SIGNS[np.repeat(np.arange(4), 2)]
    seg_half = np.tile([0, 1], 4)
    seg_orient = np.repeat(_QUADRANT_ORIENTATION, 2) * np.where(seg_half == 0, 1.0, -1.0)
    U = seg_signs[:, None, :] * _eighth(psi[None, :], seg_half[:, None], ball)  # (8, m+1, 2)
    T = _tangents(U, np.broadcast_to(seg_signs[:, None, :], U.shape), ball,
                  np.broadcast_to(seg_orient[:, None], U.shape[:2]))
    # D = (H (rho u - chat)) . t, the derivative along the boundary up to a positive factor, as
    # two matrix products: sum_ij H_ij u_j t_i and (H chat) . t.
    M = (U[..., :, None] * T[..., None, :]).reshape(-1, 4)
    HM = H.reshape(-1, 4) @ M.T  # (B or 1, 8 (m+1))
    Hc = np.einsum("bk,bkj->bj", chat, np.broadcast_to(H, (B, 2, 2)))
    Tt = T.reshape(-1, 2).T
    if HM.shape[0] == 1 and np.all(chat == chat[0]):
        # One loss, many radii (a path): D_b = rho_b A - C with A and C shared, so the
        # problems whose D changes sign in a cell are a range of rho, found by bisection.
        prob, flat = _sign_change_ranges(rho, HM[0], Hc[0] @ Tt)
        inside = (flat + 1) % (m + 1) != 0  # not across the end of a segment
        prob, flat = prob[inside], flat[inside]
    else:
        problems, flats = [], []
        chunk = max(1, 4_000_000 // M.shape[0])
        for start in range(0, B, chunk):
            stop = min(B, start + chunk)
            shared = HM if HM.shape[0] == 1 else HM[start:stop]
            D = (rho[start:stop, None] * shared - Hc[start:stop] @ Tt).reshape(stop - start, 8,
                                                                               -1)
            bi, gi, ii = np.nonzero((D[:, :, :-1] <= 0) & (D[:, :, 1:] > 0))
            problems.append(bi + start)
            flats.append(gi * (m + 1) + ii)
        prob = np.concatenate(problems)
        flat = np.concatenate(flats)
    seg, cell = np.divmod(flat, m + 1)
    H_prob = np.broadcast_to(H, (B, 2, 2))[prob]

    def point(ps, idx):
        return seg_signs[seg[idx]] * _eighth(ps, seg_half[seg[idx]], ball)

    def derivative(ps, idx):
        u = point(ps, idx)
        t = _tangents(u, seg_signs[seg[idx]], ball, seg_orient[seg[idx]])
        Hu = rho[prob[idx], None] * np.einsum("kij,kj->ki", H_prob[idx], u)
        Hc = np.einsum("kij,kj->ki", H_prob[idx], chat[prob[idx]])
        D = np.sum((Hu - Hc) * t, axis=1)
        # Below the rounding error of its own evaluation the derivative is zero to working
        # precision: the root is found (further bisection would only follow the noise).
        noise = 16.0 * _EPS * np.sum(np.abs(Hu) + np.abs(Hc), axis=1) * np.max(np.abs(t), axis=1)
        return np.where(np.abs(D) <= noise, 0.0, D)

    every = np.arange(prob.size)
    lo, hi, exact = _refine_sign_changes(derivative, psi[cell], psi[cell + 1])
    u_lo, u_hi = point(lo, every), point(hi, every)
    d_lo = rho[prob, None] * u_lo - chat[prob]
    d_hi = rho[prob, None] * u_hi - chat[prob]
    loss_lo, loss_hi = _quadratic(d_lo, H_prob, d_lo), _quadratic(d_hi, H_prob, d_hi)
    u = np.where((exact | (loss_lo <= loss_hi))[:, None], u_lo, u_hi)
    # The ends of the segments: the axis points and the junctions of the eighths.
    ends = np.concatenate([U[[0, 1, 2, 5], 0], U[0::2, -1]])
    kind = np.concatenate([np.tile([_END_AXIS] * 4 + [_END_JUNCTION] * 4, B),
                           np.full(prob.size, _ROOT)])
    # A junction is a minimum along the boundary when f decreases towards it from both of its
    # eighths (both parameters increase towards it).
    last = np.arange(8) * (m + 1) + m
    D_end = (rho[:, None] * HM[:, last] - Hc @ Tt[:, last]).reshape(B, 4, 2)
    end_min = np.concatenate([np.ones((B, 4), dtype=bool), np.all(D_end <= 0, axis=2)], axis=1)
    return (np.concatenate([np.repeat(np.arange(B), len(ends)), prob]),
            np.concatenate([np.tile(ends, (B, 1)), u]), kind,
            np.concatenate([end_min.ravel(), np.ones(prob.size, dtype=bool)]))


def _lowest(cand, H, rho, chat) -> np.ndarray:
    """Index of the lowest candidate of each problem.

    Two candidates can differ in loss by less than the rounding of the loss itself (a weight
    of 1e-14 against an exact zero, say), so the losses are compared as differences from the
    provisional best ``u_0``: ``f(u) - f(u_0) = rho (u - u_0)^T H (rho (u + u_0) - 2 chat)``
    (in units of ``|w*|^2``), accurate relative to the difference itself. A difference below
    what rounding the boundary points to doubles can change (``∇f . δu`` with ``|δu_j|`` up to
    an ulp or two of ``u_j``) is no evidence: among candidates that close to the lowest, the
    best certified one is chosen.
    """
    prob, u = cand["prob"], cand["u"]
    order = np.lexsort((cand["residual"], cand["loss"], prob))
    first = order[np.r_[True, prob[order][1:] != prob[order][:-1]]]
    best = np.empty(prob.max() + 1, dtype=int)
    best[prob[first]] = first
    ref = u[best[prob]]
    H_prob = H[np.zeros_like(prob)] if H.shape[0] == 1 else H[prob]
    diff = rho[prob] * _quadratic(u - ref, H_prob,
                                  rho[prob, None] * (u + ref) - 2.0 * chat[prob])
    slope = np.abs(np.einsum("kij,kj->ki", H_prob, rho[prob, None] * u - chat[prob]))
    noise = 8.0 * _EPS * rho[prob] * np.sum(np.abs(u) * slope, axis=1)
    order = np.lexsort((diff, prob))
    lowest = order[np.r_[True, prob[order][1:] != prob[order][:-1]]]
    floor = np.empty(prob.max() + 1)
    floor[prob[lowest]] = diff[lowest] + noise[lowest]
    tied = diff <= floor[prob] + noise
    order = np.lexsort((diff, cand["residual"], ~tied, prob))
    return order[np.r_[True, prob[order][1:] != prob[order][:-1]]]


def _power_engine(H, c, ball: _Ball, R, solve, *, want_minima: bool):
    """Minimum of f over the power ball of radius ``R`` for the problems marked ``solve``.

    The ball of radius ``R`` is ``R`` times the unit ball, so every problem is solved on the
    unit ball with the loss ``(rho u - chat)^T H (rho u - chat)``, ``chat = w* / |w*|_inf`` and
    ``rho = R / |w*|_inf`` (no power of ``R`` is formed, and one boundary scan serves every
    radius). The minimum over the ball lies on its boundary (``w*`` is outside), so it is the
    lowest of the candidates of :func:`_power_scan`; if its KKT residual is not below
    :data:`KKT_TOL` the scan is repeated 16 times finer (up to ``_SCAN_MAX_POINTS``).

    With ``want_minima`` (``p < 1``) the local minima of the constrained problem are returned
    too, also for problems whose ``w*`` is inside the ball. Returns ``(w, lam, face, zeros)``
    (meaningful where ``solve``) and the local minima as flat arrays.
    """
    B = len(c)
    p, v = ball.p, ball.v
    w_out, lam_out = np.zeros((B, 2)), np.zeros(B)
    face_out, zeros_out = np.full(B, _ARC), np.zeros((B, 2), dtype=bool)
    scale = np.max(np.abs(c), axis=1)
    scan = np.flatnonzero(solve | (want_minima & (scale > 0)))
    if not scan.size:
        return w_out, lam_out, face_out, zeros_out, _no_minima()
    shared = H.shape[0] == 1
    Hs = H if shared else H[scan]
    chat = c[scan] / scale[scan, None]
    rho, Rs, scale_s, solve_s = R[scan] / scale[scan], R[scan], scale[scan], solve[scan]
    curv_top = np.linalg.eigvalsh(Hs)[:, 1]
    n_grid = _scan_points(Hs)
    fields = ("prob", "u", "w", "G", "loss", "lam", "residual", "kind", "end_min")
    cand = {name: None for name in fields}
    todo = np.arange(scan.size)
    while True:
        prob, u, kind, end_min = _power_scan(Hs if shared else Hs[todo], chat[todo], rho[todo],
                                             ball, n_grid)
        prob = todo[prob]
        H_prob = Hs[np.zeros_like(prob)] if shared else Hs[prob]
        d = rho[prob, None] * u - chat[prob]
        w = Rs[prob, None] * u + 0.0  # + 0.0 turns -0.0 into 0.0
        G = -2.0 * scale_s[prob, None] * np.einsum("kij,kj->ki", H_prob, d)  # -∇f(w)
        kkt_scale = 2.0 * curv_top[0 if shared else prob] * (
            np.hypot(w[:, 0], w[:, 1]) + scale_s[prob] * np.hypot(chat[prob, 0], chat[prob, 1]))
        lam, residual = _power_multiplier(G, w, ball, kkt_scale)
        new = dict(prob=prob, u=u, w=w, G=G, loss=_quadratic(d, H_prob, d),
                   lam=lam, residual=residual, kind=kind, end_min=end_min)
        if cand["prob"] is None:
            cand = new
        else:
            keep = ~np.isin(cand["prob"], todo)
            cand = {name: np.concatenate([cand[name][keep], new[name]]) for name in fields}
        first = _lowest(cand, Hs, rho, chat)
        bad = cand["prob"][first][solve_s[cand["prob"][first]]
                                  & ~(cand["residual"][first] <= KKT_TOL)]
        if not bad.size or n_grid >= _SCAN_MAX_POINTS:
            break
        todo, n_grid = bad, min(16 * n_grid, _SCAN_MAX_POINTS)
    prob, w, G, lam = cand["prob"], cand["w"], cand["G"], cand["lam"]
    on_axis = w == 0
    if p < 1:  # a cusp: the zero is structural
        zeros = on_axis
        face = np.where(on_axis.any(axis=1), _CUSP, _ARC)
    else:  # a smooth axis point is the solution only where f is stationary along the boundary
        zeros = on_axis & (G == 0)
        face = np.where(zeros.any(axis=1), _AXIS, _ARC)
    # Global choice per problem: the lowest candidate (among exact ties, the best certified).
    first = _lowest(cand, Hs, rho, chat)
    chosen = first[solve_s[prob[first]]]
    rows = scan[prob[chosen]]
    w_out[rows], lam_out[rows] = w[chosen], np.maximum(lam[chosen], 0.0)
    face_out[rows], zeros_out[rows] = face[chosen], zeros[chosen]
    if not want_minima:
        return w_out, lam_out, face_out, zeros_out, _no_minima()
    # Local minima (p < 1). A minimum along the boundary (a refined sign change, or a junction
    # of eighths with f decreasing towards it) with the gradient pointing out (λ > 0), or a
    # cusp with λ > 0, is a strict local minimum over the ball. A cusp with λ = 0 exactly
    # (∂f/∂w_j = 0 along its axis, say at (a, 0)) is degenerate: along the boundary
    # w_j = a - K |w_o|^p + ..., K = a^{1-p} v_o / (p v_j), f changes by
    # g_o t + H_jj K^2 |t|^{2p} + o(|t|^{2p}) (inside the ball by at least that), so it is a
    # local minimum for p < 1/2, for p = 1/2 iff H_jj K^2 > |g_o|, and never for p > 1/2.
    cusp = on_axis.any(axis=1)
    is_min = (lam > 0) & (cusp | cand["end_min"])
    is_min[chosen] = True
    degenerate = cusp & (lam == 0)
    if degenerate.any() and p <= 0.5:
        k = np.flatnonzero(degenerate)
        j = np.where(on_axis[k, 0], 1, 0)  # the nonzero coordinate
        o = 1 - j
        H_prob = Hs[np.zeros_like(k)] if shared else Hs[prob[k]]
        a = np.abs(w[k, j])
        K = a ** (1.0 - p) * v[o] / (p * v[j])
        is_min[k] |= (p < 0.5) | (H_prob[np.arange(k.size), j, j] * K * K
                                  > np.abs(G[k, o]))
    # The same point found twice (an axis point also ends a refined bracket): keep one, a
    # local minimum if either is.
    u = cand["u"]
    order = np.lexsort((~is_min, u[:, 1], u[:, 0], prob))
    repeat = np.zeros(prob.size, dtype=bool)
    repeat[order[1:]] = ((prob[order][1:] == prob[order][:-1])
                         & np.all(u[order][1:] == u[order][:-1], axis=1))
    pick = np.flatnonzero(is_min & ~repeat)
    return (w_out, lam_out, face_out, zeros_out,
            (scan[prob[pick]], w[pick], np.maximum(lam[pick], 0.0), face[pick], zeros[pick]))


def _strip_engine(H, c, ball: _Ball, R):
    """One weight is zero: the ball is the strip ``|w_j| <= r_j`` and the other weight is free.

    Minimizing over the free coordinate ``k`` leaves ``S (w_j - c_j)^2`` (``S`` the Schur
    complement), so ``w_j`` is ``c_j`` clipped to the strip and ``w_k`` follows.
    """
    j = int(np.flatnonzero(ball.v > 0)[0])
    k = 1 - j
    r = ball.axis_radius(R)[:, j]
    s = np.where(c[:, j] < 0, -1.0, 1.0)
    w = np.empty_like(c)
    w[:, j] = s * r
    w[:, k] = c[:, k] - H[:, k, j] * (w[:, j] - c[:, j]) / H[:, k, k]
    g = _gradients(H, c, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.abs(g[:, j]) / ball.axis_slope(j, r)
    lam = np.where(np.isnan(lam), 0.0, lam)
    zeros = np.zeros_like(c, dtype=bool)
    zeros[:, j] = r == 0
    return w, lam, np.full(len(c), _EDGE), zeros


def _origin_multiplier(H, c, ball: _Ball):
    """Smallest λ with ``-∇f(0) ∈ λ ∂P(0)`` (R = 0, all weights > 0)."""
    g = np.abs(_gradients(H, c, np.zeros_like(c)))
    v = ball.v
    if ball.kind == "box":
        return np.sum(g / v, axis=1)
    if ball.kind == "face" and ball.alpha > 0:
        return np.max(g / (ball.alpha * v), axis=1)
    if ball.kind == "power" and ball.p < 1:
        return np.zeros(len(c))
    return np.where(np.all(g == 0, axis=1), 0.0, np.inf)


def _constrained_batch(H, c, ball: _Ball, R, *, want_minima: bool = False,
                       public_radius=None) -> _Batch:
    """Constrained minima of ``B`` problems: ``H`` (B or 1, 2, 2), ``c`` (B, 2), ``R`` (B,) or one.

    ``public_radius`` is ``penalty.radius(c)`` per problem when the caller has it.
    """
    B = len(c)
    R = np.broadcast_to(np.asarray(R, dtype=float), (B,)).copy()
    Hb = np.broadcast_to(H, (B, 2, 2))
    v = ball.v
    if public_radius is None:
        public_radius = np.array([_public_radius(ball, center) for center in c])
    # Inactive when w* is in the ball; R >= radius(w*) counts too, so that R = radius(w*),
    # whose level is P(w*) up to rounding, is never a tangent.
    inactive = (ball.radius(c) <= R) | (public_radius <= R) | bool(np.all(v == 0))
    if ball.kind != "power":  # (a huge R overflows its level: it is inactive anyway)
        with np.errstate(over="ignore", invalid="ignore"):
            inactive |= ball.value(c) <= ball.level(R)
    w = c.copy()
    lam = np.zeros(B)
    face = np.full(B, _INTERIOR)
    zeros = c == 0
    minima = _no_minima()
    act = np.flatnonzero(~inactive)
    if np.any(v == 0):
        if act.size:
            w[act], lam[act], face[act], zeros[act] = _strip_engine(Hb[act], c[act], ball, R[act])
        return _Batch(w, lam, face, zeros, *minima)
    origin = act[R[act] == 0]
    if origin.size:
        w[origin] = 0.0
        lam[origin] = _origin_multiplier(Hb[origin], c[origin], ball)
        face[origin] = _ORIGIN
        zeros[origin] = True
    rest = act[R[act] > 0]
    if ball.kind == "face" and rest.size:
        w[rest], lam[rest], face[rest], zeros[rest] = _face_engine(Hb[rest], c[rest], ball,
                                                                   R[rest])
    elif ball.kind == "box" and rest.size:
        w[rest], lam[rest], face[rest], zeros[rest] = _box_engine(Hb[rest], c[rest], ball,
                                                                  R[rest])
    elif ball.kind == "power":
        # For p < 1 the boundary can hold local minima even when w* is inside the ball (not
        # listed for balls so large that the loss on their boundary overflows).
        sub = np.flatnonzero((R > 0) & (R < _HUGE_RADIUS)) if want_minima else rest
        if sub.size:
            solve = ~inactive[sub]
            ws, ls, fs, zs, found = _power_engine(H if H.shape[0] == 1 else H[sub], c[sub],
                                                  ball, R[sub], solve, want_minima=want_minima)
            mask = sub[solve]
            w[mask], lam[mask], face[mask], zeros[mask] = ws[solve], ls[solve], fs[solve], \
                zs[solve]
            minima = (sub[found[0]], *found[1:])
    return _Batch(w, lam, face, zeros, *minima)


# ---------------------------------------------------------------------------------------------
# Public solvers
# ---------------------------------------------------------------------------------------------
def _power_distance(distance, G, w, lam: float, penalty: Lp) -> np.ndarray:
    """Complete ``penalty.subdiff_distance`` for ``Lp`` where floating point needs it.

    Where ``|w_j|^{p-1}`` overflowed (large ``p``) the term ``λ v_j p |w_j|^{p-1}`` is
    recomputed through logarithms. At an exact zero with ``p > 1``, ``0.0`` stands for every
    ``|w_j|`` below the smallest positive double ``δ``, over which ``∂P/∂w_j`` sweeps
    ``[-v_j p δ^{p-1}, v_j p δ^{p-1}]``: negligible unless ``p`` is close to 1, where it is
    not (``δ^{0.001} ≈ 0.47``) and the exact solution's small weight underflows to ``0.0``.
    """
    p, v = penalty.p, penalty.weights_for(2)
    a = np.abs(w)
    nonzero = a > 0
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        log_lam = math.log(lam) if lam > 0 else -math.inf
        log_vp = np.log(v * p)
        term = np.exp(log_lam + log_vp + (p - 1.0) * np.log(np.where(nonzero, a, 1.0)))
        distance = np.where(np.isfinite(distance), distance, np.abs(G - term * np.sign(w)))
        if p > 1:
            slack = np.exp(log_lam + log_vp + (p - 1.0) * _LOG_TINY)
            distance = np.where(nonzero, distance, np.maximum(np.abs(G) - slack, 0.0))
    return distance


def _max_norm_distance(G, w, lam: float, v) -> float:
    """Euclidean distance from ``G`` to ``λ ∂ max_j v_j |w_j|`` in two dimensions, closed form.

    The subdifferential is a segment: at ``w = 0`` the nearest one of the diamond
    ``{|z_1| / v_1 + |z_2| / v_2 <= 1}`` (the edge in the quadrant of ``G``, as the diamond is
    symmetric), at a corner ``v_1 |w_1| = v_2 |w_2|`` (equal to 1e-12, as
    ``penalty.subdiff_distance`` decides ties) the one joining ``v_j sign(w_j) e_j``, and a
    single point where one coordinate dominates. Same number as ``Lp(inf).subdiff_distance``,
    which projects on a weighted simplex by bisection (about 2 ms a call). With a zero weight
    ``P`` is ``v_k |w_k|`` on the other coordinate ``k`` (nothing at all if both are zero).
    """
    if np.any(v == 0):
        free = v == 0
        k = np.flatnonzero(~free)
        penalized = 0.0
        if k.size:
            k = int(k[0])
            penalized = (abs(G[k] - lam * v[k] * np.sign(w[k])) if w[k] != 0
                         else max(abs(G[k]) - lam * v[k], 0.0))
        return float(np.hypot(np.linalg.norm(G[free]), penalized))
    scaled = v * np.abs(w)
    top = float(np.max(scaled))
    if top == 0:
        if np.sum(np.abs(G) / v) <= lam:
            return 0.0
        s = np.where(G < 0, -1.0, 1.0)
        ends = (lam * v[0] * s[0] * np.array([1.0, 0.0]), lam * v[1] * s[1] * np.array([0.0, 1.0]))
    else:
        ties = np.isclose(scaled, top, rtol=1e-12, atol=0.0)
        s = np.sign(w)
        points = [lam * v[j] * s[j] * np.eye(2)[j] for j in (0, 1) if ties[j]]
        ends = (points[0], points[-1])
    a, b = ends
    edge = b - a
    length = float(edge @ edge)
    t = 0.0 if length == 0 else min(max(float((G - a) @ edge) / length, 0.0), 1.0)
    return float(np.linalg.norm(G - a - t * edge))


def _kkt_residual(loss: QuadraticLoss, penalty: Penalty, w, lam) -> float:
    """Relative stationarity residual of ``(w, λ)`` through the penalty's own subdifferential."""
    if not math.isfinite(lam):
        return math.nan
    g = loss.gradient(w)
    if isinstance(penalty, Lp) and penalty.is_max_norm:
        distance = np.array([_max_norm_distance(-g, w, lam, penalty.weights_for(2))])
    else:
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            distance = np.asarray(penalty.subdiff_distance(w, -g, lam), dtype=float)
        if isinstance(penalty, Lp) and penalty.p != 1:
            distance = _power_distance(distance, -g, w, lam, penalty)
    scale = 2.0 * float(loss.eigen.curvatures[1]) * (np.linalg.norm(w)
                                                      + np.linalg.norm(loss.center))
    worst = float(np.max(distance))
    return worst / scale if scale > 0 else worst


def _note(residual: float, lam: float, active: bool) -> str:
    """Why a result is not certified (empty when it is)."""
    if residual <= KKT_TOL:
        return ""
    if not math.isfinite(lam):
        return (f"not certified: the multiplier λ = {lam:g} is outside the floating-point "
                "range; w is the engine's best point")
    if active and lam == 0:
        return (f"not certified: KKT residual {residual:.2g} > {KKT_TOL:g} with λ = 0 (the "
                "multiplier may underflow, as for a large p); w is the engine's best point")
    return (f"not certified: KKT residual {residual:.2g} > {KKT_TOL:g} (the tangent point could "
            "not be resolved to working precision); w is the engine's best point")


def _zero_tuple(mask) -> tuple[int, ...]:
    return tuple(j for j in range(len(mask)) if mask[j])


def _solution(loss, penalty, w, lam, R, active, face, zeros, minima, *, trivial=False,
              residual=None):
    w = np.array(w, dtype=float)
    w.setflags(write=False)
    if residual is None:
        residual = 0.0 if trivial else _kkt_residual(loss, penalty, w, lam)
    zero_coordinates = _zero_tuple(zeros)
    return GeometrySolution(
        w=w, lam=float(lam), R=float(R), active=bool(active), sparse=bool(zero_coordinates),
        zero_coordinates=zero_coordinates, level=loss.value(w), local_minima=minima,
        kkt_residual=residual, penalty=penalty, loss=loss, face=_FACES[face],
        note=_note(residual, float(lam), bool(active)),
    )


def _minimum(loss, penalty, w, lam, face, zeros, is_global, *, trivial=False, feasibility=0.0):
    w = np.array(w, dtype=float)
    w.setflags(write=False)
    residual = 0.0 if trivial else max(_kkt_residual(loss, penalty, w, lam), float(feasibility))
    return LocalMinimum(w=w, loss=loss.value(w), lam=float(lam), is_global=bool(is_global),
                        face=_FACES[face], zero_coordinates=_zero_tuple(zeros),
                        kkt_residual=residual)


def _feasibility(ball: _Ball, W, lam, R) -> np.ndarray:
    """Relative primal feasibility and complementary slackness of constrained points.

    ``|R(w) - R| / R`` where ``λ > 0`` (the constraint must be tight), ``max(R(w) - R, 0) / R``
    where ``λ = 0``; ``0`` for ``R = 0`` (the single feasible point is the origin).
    """
    radius = ball.radius(W)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(lam > 0, np.abs(radius - R), np.maximum(radius - R, 0.0)) / R
    return np.where(R > 0, gap, 0.0)


def _free_stationarity(loss: QuadraticLoss, ball: _Ball, w) -> float:
    """Relative ``|∂f/∂w_k|`` over the unpenalized coordinates ``k``."""
    g = np.abs(loss.gradient(w))[ball.v == 0]
    scale = 2.0 * float(loss.eigen.curvatures[1]) * (np.linalg.norm(w)
                                                      + np.linalg.norm(loss.center))
    worst = float(np.max(g, initial=0.0))
    return worst / scale if scale > 0 else worst


def _constrained_solutions(loss: QuadraticLoss, penalty: Penalty, Rs) -> list[GeometrySolution]:
    """Solve the constrained problem for every radius of ``Rs`` in one batch."""
    ball = _make_ball(penalty)
    B = Rs.size
    # Several local minima only on the non-convex ball (a zero weight makes it a convex strip).
    want = ball.kind == "power" and ball.p < 1 and bool(np.all(ball.v > 0))
    center = loss.center
    batch = _constrained_batch(loss.hessian[None], np.broadcast_to(center, (B, 2)), ball, Rs,
                               want_minima=want,
                               public_radius=np.full(B, _public_radius(ball, center)))
    feasibility = _feasibility(ball, batch.w, batch.lam, Rs)
    minima_feasibility = _feasibility(ball, batch.minima_w, batch.minima_lam,
                                      Rs[batch.minima_problem])
    order = np.argsort(batch.minima_problem, kind="stable")
    bounds = np.searchsorted(batch.minima_problem[order], np.arange(B + 1))
    solutions = []
    for b in range(B):
        w, lam, face, zeros = batch.w[b], batch.lam[b], int(batch.face[b]), batch.zeros[b]
        active = face != _INTERIOR
        trivial = face == _ORIGIN
        if want and Rs[b] > 0:
            mine = order[bounds[b]:bounds[b + 1]]
            minima = [_minimum(loss, penalty, batch.minima_w[k], batch.minima_lam[k],
                               int(batch.minima_face[k]), batch.minima_zeros[k], False,
                               feasibility=minima_feasibility[k])
                      for k in mine]
            if not active:
                minima.append(_minimum(loss, penalty, w, 0.0, _INTERIOR, zeros, False))
            # Mark the engine's choice (the same point as one of the list) and put it first;
            # the others follow by loss.
            chosen = min(range(len(minima)),
                         key=lambda k: float(np.max(np.abs(minima[k].w - w))))  # noqa: B023
            m = minima.pop(chosen)
            minima.sort(key=lambda other: other.loss)
            minima.insert(0, LocalMinimum(m.w, m.loss, m.lam, True, m.face, m.zero_coordinates,
                                          m.kkt_residual))
            residual = m.kkt_residual if np.array_equal(m.w, w) and m.lam == lam else None
        else:
            minima = [_minimum(loss, penalty, w, lam, face, zeros, True, trivial=trivial,
                               feasibility=feasibility[b])]
            residual = minima[0].kkt_residual
        if residual is None:
            residual = max(_kkt_residual(loss, penalty, w, lam), float(feasibility[b]))
        if Rs[b] == 0 and face == _EDGE:
            # A zero weight and R = 0: the ball is the line w_j = 0, the multiplier is any
            # large enough number (inf for a ball smooth at 0) and optimality is stationarity
            # along the free coordinate, which the closed form gives.
            residual = _free_stationarity(loss, ball, w)
            minima = [LocalMinimum(minima[0].w, minima[0].loss, minima[0].lam, True,
                                   minima[0].face, minima[0].zero_coordinates, residual)]
        solutions.append(_solution(loss, penalty, w, lam, Rs[b], active, face, zeros, minima,
                                   trivial=trivial, residual=residual))
    return solutions


def constrained_minimum(loss: QuadraticLoss, penalty: Penalty, R: float) -> GeometrySolution:
    r"""Minimize ``f(w)`` over the ball ``P(w) <= penalty.level(R)``, exactly.

    Parameters
    ----------
    loss : QuadraticLoss
        ``f(w) = (w - w*)^T H (w - w*) + c0``.
    penalty : L2, L1, ElasticNet or Lp
        With its weights (one zero weight makes the ball a strip: that weight is free).
    R : float
        Radius, ``>= 0``: where the ball meets a unit-weight axis.

    Returns
    -------
    GeometrySolution
        The global minimizer, the KKT multiplier ``λ`` (the same point minimizes
        ``f + λ P`` for convex balls), the structural sparsity, every local minimum for
        ``p < 1`` and the KKT certificate. When ``R >= penalty.radius(w*)`` the constraint is
        inactive: ``w = w*``, ``λ = 0``, ``active = False``. Every valid input gets an answer;
        one the engine cannot certify has ``certified`` false and says why in ``note``.

    See Also
    --------
    constrained_path : the same for many radii at once, sharing the work.
    penalized_minimum : the same picture from ``λ``.

    Examples
    --------
    >>> from reglab.penalties import L1
    >>> loss = QuadraticLoss([2.0, 0.5], [[1.0, 0.0], [0.0, 1.0]])
    >>> sol = constrained_minimum(loss, L1(), 1.0)
    >>> sol.w.tolist(), sol.sparse, sol.lam
    ([1.0, 0.0], True, 2.0)
    """
    _check_loss(loss)
    _make_ball(penalty)
    R = check_nonnegative("R", R)
    return _constrained_solutions(loss, penalty, np.array([R]))[0]


def constrained_path(loss: QuadraticLoss, penalty: Penalty, Rs) -> list[GeometrySolution]:
    r"""Solve :func:`constrained_minimum` for every radius in ``Rs``, sharing the work.

    The result for each radius is the same as :func:`constrained_minimum`'s, computed in one
    batch: the closed-form engines are vectorized over the radii, and the ``Lp`` balls are
    solved on the unit ball (the ball of radius ``R`` is ``R`` times it), so one scan of the
    boundary serves every radius. This is what the lab's frame stacks call: one frame per
    slider stop.

    Parameters
    ----------
    loss : QuadraticLoss
    penalty : L2, L1, ElasticNet or Lp
    Rs : array_like of shape (n_radii,)
        Radii ``>= 0``, in any order.

    Returns
    -------
    list of GeometrySolution
        One per radius, in the order of ``Rs``.

    Examples
    --------
    >>> from reglab.penalties import Lp
    >>> loss = QuadraticLoss([1.5, 0.8], [[1.0, 0.2], [0.2, 0.5]])
    >>> path = constrained_path(loss, Lp(0.5), [0.25, 0.5, 1.0])
    >>> [sol.R for sol in path], all(sol.certified for sol in path)
    ([0.25, 0.5, 1.0], True)
    """
    _check_loss(loss)
    _make_ball(penalty)
    Rs = check_finite_array("Rs", Rs, ndim=1)
    if np.any(Rs < 0):
        raise ReglabInputError("Rs", "must be >= 0", float(Rs[Rs < 0][0]))
    return _constrained_solutions(loss, penalty, Rs)


# -- penalized ----------------------------------------------------------------------------------
def _penalized_face(loss: QuadraticLoss, ball: _Ball, lam: float):
    """Exact minimizer of ``f + lam sum v (alpha |w| + beta w^2)`` (all weights > 0).

    Enumerates the sign/zero patterns, smallest support first; the first one that satisfies
    the KKT conditions exactly is the solution (the objective is strictly convex).
    """
    H, c = loss.hessian, loss.center
    v, alpha, beta = ball.v, ball.alpha, ball.beta
    Hc = H @ c

    def grad(w):
        return 2.0 * H @ (w - c)

    g0 = grad(np.zeros(2))
    if np.all(np.abs(g0) <= lam * alpha * v):
        return np.zeros(2), _ORIGIN, np.array([True, True])
    best = None
    for j in (0, 1):
        k = 1 - j
        for s in (1.0, -1.0):
            w = np.zeros(2)
            w[j] = (2.0 * Hc[j] - lam * alpha * v[j] * s) / (2.0 * H[j, j]
                                                             + 2.0 * lam * beta * v[j])
            if alpha > 0 and not s * w[j] > 0:
                continue
            if alpha == 0 and w[j] == 0:
                continue
            if abs(grad(w)[k]) <= lam * alpha * v[k]:
                objective = loss.value(w) + lam * ball.value(w)
                if best is None or objective < best[0]:
                    zero = np.array([k == 0, k == 1])
                    best = (objective, w, _VERTEX if alpha > 0 else _AXIS, zero)
    if best is not None:
        return best[1], best[2], best[3]
    root_v = np.sqrt(v)
    curv, Q = np.linalg.eigh(H / np.outer(root_v, root_v))
    d = Q.T @ (root_v * c)
    patterns = _QUADRANT_SIGNS if alpha > 0 else _QUADRANT_SIGNS[:1]
    scored = []
    for s in patterns:
        b = Q.T @ (root_v * s)
        z = (curv * d - 0.5 * alpha * lam * b) / (curv + beta * lam)
        w = Q @ z / root_v
        strict = alpha == 0 or bool(np.all(w * s > 0))
        loose = alpha == 0 or bool(np.all(w * s >= 0))
        scored.append(((not strict, not loose, loss.value(w) + lam * ball.value(w)), w))
    # The sign-consistent pattern; if rounding rejected all (the solution then sits on an
    # axis), the best loosely consistent one.
    _, w = min(scored, key=lambda item: item[0])
    return w, _ARC, np.zeros(2, dtype=bool)


def _penalized_box(loss: QuadraticLoss, ball: _Ball, lam: float):
    """Exact minimizer of ``f + lam max_j v_j |w_j|`` (all weights > 0), by enumeration.

    The patterns are: ``w = 0``; a corner direction ``v1 |w1| = v2 |w2| = t > 0`` (a 1-D
    quadratic in ``t``); one coordinate dominating (``P`` is smooth there, a 2x2 solve). The
    first that satisfies its KKT conditions exactly is the solution (the objective is convex).
    """
    H, c, v = loss.hessian, loss.center, ball.v
    g0 = 2.0 * H @ (-c)
    if np.sum(np.abs(g0) / v) <= lam:
        return np.zeros(2), _ORIGIN, np.array([True, True])
    Hc = H @ c
    candidates = []  # (passes KKT, objective, w, face)
    for s in _QUADRANT_SIGNS:
        d = s / v
        t = max((2.0 * d @ Hc - lam) / (2.0 * d @ H @ d), 0.0)
        w = t * d
        g = 2.0 * H @ (w - c)
        # -g = lam (c1 v1 s1, c2 v2 s2) with c >= 0 (c1 + c2 = 1 follows from the t-equation)
        candidates.append((t > 0 and bool(np.all(-g * s >= 0)), w, _CORNER))
    Hinv = np.linalg.inv(H)
    for j in (0, 1):
        for s in (1.0, -1.0):
            w = c - 0.5 * lam * v[j] * s * Hinv[:, j]  # 2 H (w - c) + lam v_j s e_j = 0
            dominant = s * w[j] > 0 and v[j] * abs(w[j]) > v[1 - j] * abs(w[1 - j])
            candidates.append((bool(dominant), w, _EDGE))
    scored = [(not ok, loss.value(w) + lam * ball.value(w), k)
              for k, (ok, w, _) in enumerate(candidates)]
    _, _, k = min(scored)  # a KKT pattern first; rounding at a face boundary: the best value
    _, w, face = candidates[k]
    return w, face, w == 0


def _to_ordinal(x) -> np.ndarray:
    """Signed doubles to integers in the same order, adjacent doubles to adjacent integers."""
    x = np.asarray(x, dtype=float)
    return np.where(x < 0, -np.abs(x).view(np.int64), np.abs(x).view(np.int64))


def _from_ordinal(k) -> np.ndarray:
    """Inverse of :func:`_to_ordinal`."""
    k = np.asarray(k, dtype=np.int64)
    return np.where(k < 0, -np.abs(k).view(np.float64), np.abs(k).view(np.float64))


def _bisect_increasing(func, lo, hi):
    """Bisect ``func`` (increasing, ``func(lo) <= 0 < func(hi)``) to adjacent floats, batched.

    The midpoint is taken in the order of the doubles (:func:`_to_ordinal`), so at most 64
    halvings reach adjacent floats from any bracket, one straddling 0 included.
    """
    lo, hi = _to_ordinal(lo), _to_ordinal(hi)
    for _ in range(70):
        moving = hi - lo > 1
        if not moving.any():
            break
        mid = lo + (hi - lo) // 2
        up = func(_from_ordinal(mid)) > 0
        hi = np.where(moving & up, mid, hi)
        lo = np.where(moving & ~up, mid, lo)
    return _from_ordinal(lo), _from_ordinal(hi)


def _multisect_increasing(func, lo: float, hi: float, points: int = 64):
    """Adjacent floats ``lo < hi`` around the sign change of an increasing scalar ``func``.

    Each step evaluates ``func`` (vectorized) at ``points`` points evenly spaced in the order of
    the doubles between ``lo`` and ``hi`` and keeps the cell where it turns positive, so about
    11 steps reach adjacent floats from any bracket (a root at ``1e-300`` included).
    """
    lo_k, hi_k = int(_to_ordinal(lo)), int(_to_ordinal(hi))  # Python ints: no overflow
    while hi_k - lo_k > 1:
        count = min(points, hi_k - lo_k - 1)
        grid = [lo_k + (hi_k - lo_k) * (j + 1) // (count + 1) for j in range(count)]
        up = func(_from_ordinal(np.array(grid, dtype=np.int64))) > 0
        k = int(np.argmax(up)) if up.any() else count
        lo_k = grid[k - 1] if k > 0 else lo_k
        hi_k = grid[k] if k < count else hi_k
    return float(_from_ordinal(lo_k)), float(_from_ordinal(hi_k))


def _power_prox(a, t: float, p: float) -> np.ndarray:
    """Exact ``argmin_{u >= 0} 1/2 (u - a)^2 + t u^p`` for ``a >= 0``, ``t >= 0``, ``p > 1``.

    The stationarity condition is ``u + t p u^{p-1} = a``. In ``s = log u`` its left side
    ``e^s + t p e^{(p-1) s}`` is convex and increasing, so Newton's method started right of
    the root decreases to it monotonically (quadratically near it); the start
    ``s0 = min(log a, log(a / (t p)) / (p - 1))`` is right of the root and overflows nothing,
    for any ``p``. Newton steps in ``u`` then polish the last digits. Where even the smallest
    positive double ``δ`` has ``δ + t p δ^{p-1} > a`` the root is below ``δ``: the rounded
    answer is ``0.0`` (for ``p`` close to 1 that is common: the root is ``(a / (t p))^{1/(p-1)}``
    roughly). ``penalty.prox`` bisects from ``[0, a]`` for at most 200 halvings, so it stops
    near ``2^-200 a`` instead.
    """
    a = np.asarray(a, dtype=float)
    if t == 0:
        return a.copy()
    u = np.zeros_like(a)
    log_tp = math.log(t * p)
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        below = math.ulp(0.0) + math.exp(log_tp + (p - 1.0) * _LOG_TINY) >= a
        todo = ~below
        if not todo.any():
            return u
        target = a[todo]
        log_a = np.log(target)
        s = np.minimum(log_a, (log_a - log_tp) / (p - 1.0))
        for _ in range(200):
            e1, e2 = np.exp(s), np.exp(log_tp + (p - 1.0) * s)
            new = s - (e1 + e2 - target) / (e1 + (p - 1.0) * e2)
            moved = new < s
            if not moved.any():
                break
            s = np.where(moved, new, s)
        root = np.exp(s)
        for _ in range(3):
            h = root + t * p * root ** (p - 1.0) - target
            slope = 1.0 + t * p * (p - 1.0) * root ** (p - 2.0)
            new = root - h / slope
            root = np.where(np.isfinite(new) & (new > 0), new, root)
    u[todo] = root
    return u


def _larger_root(a, tau: float, p: float):
    """Nonzero local minimizer ``u > 0`` of ``1/2 (u - a)^2 + tau u^p`` (``0 < p < 1``).

    It is the larger root of ``h(u) = u + tau p u^{p-1} - a``; ``h`` is convex on ``u > 0``
    with its minimum at ``u_min = (tau p (1 - p))^{1/(2-p)}``, so the root exists iff
    ``h(u_min) <= 0`` and lies in ``[u_min, a]``, where ``h`` increases. Newton's method from
    ``u = a`` (where ``h >= 0``) then decreases monotonically to it; it stops when a step no
    longer moves the float. ``nan`` where there is no root.
    """
    a = np.asarray(a, dtype=float)
    if tau == 0:
        return np.where(a > 0, a, np.nan)
    u_min = (tau * p * (1.0 - p)) ** (1.0 / (2.0 - p))
    exists = u_min + tau * p * u_min ** (p - 1.0) <= a
    u = np.where(exists, a, u_min)
    for _ in range(200):
        h = u + tau * p * u ** (p - 1.0) - a
        slope = 1.0 + tau * p * (p - 1.0) * u ** (p - 2.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(exists & (h > 0) & (slope > 0), h / slope, 0.0)
        new = np.maximum(u - step, u_min)
        if np.all(new >= u):
            break
        u = np.where(new < u, new, u)
    return np.where(exists, u, np.nan)


def _penalized_nonconvex(loss: QuadraticLoss, ball: _Ball, lam: float):
    """Every local minimum of ``f + lam sum v_j |w_j|^p`` for ``p < 1``, and the global one.

    The local minima are, exhaustively: the origin (both weights penalized: ``|t|^p`` beats any
    slope); the nonzero local minimum of the exact 1-D problem on each axis (a cusp in the
    other direction keeps it a 2-D minimum); and, inside the quadrants, the minima along the
    branch ``w_i = rho(w_o)`` of inner nonzero local minima, where the profile
    ``psi(w_o) = F(w_o, rho(w_o))`` has derivative ``∂_o F`` (envelope theorem). All of them
    satisfy ``|w_o| <= y*`` with ``2 S (y* - |c_o|) = K + lam v_o p y*^{p-1}`` (``S`` the Schur
    complement, ``K`` a bound on the coupling through the inner shrinkage), so the branch is
    scanned on ``0 < |w_o| <= y*`` and every sign change of ``psi'`` refined by bisection.
    """
    H, c, v, p = loss.hessian, loss.center, ball.v, ball.p
    o, i = (1, 0) if v[0] == 0 else (0, 1)  # the unpenalized coordinate (if any) is inner
    tau_i = lam * v[i] / (2.0 * H[i, i])

    def inner_center(wo):
        return c[i] - H[i, o] * (np.asarray(wo, dtype=float) - c[o]) / H[i, i]

    def make(wo, wi):
        w = np.empty((np.size(wo), 2))
        w[:, o], w[:, i] = wo, wi
        return w

    points = []
    # w_o = 0 (a cusp in o): the inner 1-D local minima.
    m0 = inner_center(0.0)
    if v[i] > 0:
        points.append(make(0.0, 0.0))
        points.append(make(0.0, np.sign(m0) * _larger_root(abs(m0), tau_i, p)))
    else:
        points.append(make(0.0, m0))
    # w_i = 0, w_o != 0 (a cusp in i): the outer 1-D nonzero local minimum.
    if v[i] > 0:
        m_o = c[o] - H[o, i] * (0.0 - c[i]) / H[o, o]
        tau_o = lam * v[o] / (2.0 * H[o, o])
        points.append(make(np.sign(m_o) * _larger_root(abs(m_o), tau_o, p), 0.0))

    # Inside the quadrants: the branch of inner nonzero local minima.
    schur = H[o, o] - H[o, i] ** 2 / H[i, i]
    if tau_i > 0:
        u_min = (tau_i * p * (1.0 - p)) ** (1.0 / (2.0 - p))
        shrink_max = tau_i * p * u_min ** (p - 1.0)
    else:
        shrink_max = 0.0
    coupling = 2.0 * abs(H[o, i]) * shrink_max
    pull = lam * v[o] * p
    top = abs(c[o]) + (coupling + pull) / (2.0 * schur) + 1.0
    _, y_max = _bisect_increasing(
        lambda y: 2.0 * schur * (y - abs(c[o])) - coupling - pull * y ** (p - 1.0), 0.0, top)
    y_max = float(y_max) * (1.0 + 1e-9)

    def branch(wo):
        m = inner_center(wo)
        return np.sign(m) * _larger_root(np.abs(m), tau_i, p), m

    def slope(wo):
        wi, m = branch(wo)
        w = make(wo, wi)
        g = 2.0 * (w - c) @ H
        return g[:, o] + lam * v[o] * p * np.abs(wo) ** (p - 1.0) * np.sign(wo), m

    magnitudes = np.union1d(np.linspace(0.0, y_max, _PROFILE_POINTS)[1:],
                            np.geomspace(1e-12 * y_max, y_max, _PROFILE_POINTS // 4))
    for side in (1.0, -1.0):
        grid = side * magnitudes if side > 0 else -magnitudes[::-1]
        d, m = slope(grid)
        ok = np.isfinite(d[:-1]) & np.isfinite(d[1:]) & (np.sign(m[:-1]) == np.sign(m[1:]))
        cells = np.flatnonzero(ok & (d[:-1] <= 0) & (d[1:] > 0))
        if not cells.size:
            continue
        lo, hi = _bisect_increasing(lambda x: np.nan_to_num(slope(x)[0], nan=-np.inf),
                                    grid[cells], grid[cells + 1])
        for root in (lo, hi):
            wi, _ = branch(root)
            points.append(make(root, wi))
    W = np.concatenate(points)
    W = W[np.all(np.isfinite(W), axis=1)]
    values = loss.value(W) + lam * ball.value(W)
    # lo and hi of a bisection are the same minimum: keep the lower, then drop repeats.
    order = np.argsort(values, kind="stable")
    kept: list[int] = []
    scale = max(float(np.max(np.abs(W))), 1e-300)
    for k in order:
        if all(np.max(np.abs(W[k] - W[j])) > 1e-9 * scale for j in kept):
            kept.append(int(k))
    local = [(float(values[k]), W[k]) for k in kept]
    return W[kept[0]], local


def _penalized_convex_power(loss: QuadraticLoss, ball: _Ball, lam: float):
    """Minimizer of ``f + lam sum v_j |w_j|^p`` for ``p > 1`` through its exact 1-D profile.

    With the outer coordinate ``o`` fixed, the inner one minimizes
    ``H_ii (w_i - m)^2 + lam v_i |w_i|^p``, ``m = c_i - H_io (w_o - c_o) / H_ii``: the exact
    1-D proximal map (:func:`_power_prox`) at ``m`` with step ``lam v_i / (2 H_ii)``. The
    profile is convex with derivative ``∂_o f + lam v_o p |w_o|^{p-1} sign(w_o)`` (envelope
    theorem), multisected to adjacent floats on a bracket that holds the minimizer: it lies in
    the ball through ``w*`` (``P(w) <= P(w*)``), and ``(w - c)^T H (w - c) <= lam P(c)``.
    """
    H, c, v, p = loss.hessian, loss.center, ball.v, ball.p
    o, i = (1, 0) if v[0] == 0 else (0, 1)
    step = lam * v[i] / (2.0 * H[i, i])
    log_pull = math.log(lam * v[o] * p)

    def point(wo):
        m = c[i] - H[i, o] * (wo - c[o]) / H[i, i]
        w = np.empty((np.size(wo), 2))
        w[:, o] = wo
        w[:, i] = np.sign(m) * _power_prox(np.abs(m), step, p) if step > 0 else m
        return w

    def slope(wo):
        g = 2.0 * (point(wo) - c) @ H
        with np.errstate(divide="ignore", over="ignore"):  # lam v p |w_o|^{p-1}, in logs
            pull = np.exp(log_pull + (p - 1.0) * np.log(np.abs(wo)))
        return g[:, o] + pull * np.sign(wo)

    radius = float(ball.radius(c))
    reach = radius * v[o] ** (-1.0 / p)
    with np.errstate(over="ignore"):
        spread = math.sqrt(lam * np.linalg.inv(H)[o, o]) * float(np.float64(radius) ** (0.5 * p))
    lo, hi = _multisect_increasing(slope, max(c[o] - spread, -reach), min(c[o] + spread, reach))
    candidates = point(np.array([lo, hi])) + 0.0
    values = loss.value(candidates) + lam * _power_value(candidates, ball)
    # The root lies between two adjacent floats: the better of them, and on a tie the better
    # certified (when the exact root is below the smallest double, that is the 0.0).
    residuals = [_kkt_residual(loss, ball.penalty, w, lam) for w in candidates]
    return candidates[int(np.lexsort((residuals, values))[0])], None


def _power_value(W, ball: _Ball) -> np.ndarray:
    """``sum v |w|^p`` for points ``W`` (..., 2), ``inf`` (silently) when it overflows."""
    with np.errstate(over="ignore"):
        return ball.value(W)


def _radius_of(ball: _Ball, w) -> float:
    """``penalty.radius(w)``, or the engine's scaled radius where that over- or underflows."""
    return _public_radius(ball, np.asarray(w, dtype=float))


def penalized_minimum(loss: QuadraticLoss, penalty: Penalty, lam: float) -> GeometrySolution:
    r"""Minimize ``f(w) + lam P(w)`` and report the ball it touches, ``R = penalty.radius(w)``.

    The reverse of :func:`constrained_minimum`: for convex balls the same ``w`` solves the
    constrained problem with that ``R``, and its multiplier is ``lam``.

    Parameters
    ----------
    loss : QuadraticLoss
    penalty : L2, L1, ElasticNet or Lp
    lam : float
        ``λ >= 0``.

    Returns
    -------
    GeometrySolution
        ``local_minima`` holds the minimizer for convex penalties, and every local minimum of
        ``f + λ P`` for ``Lp`` with ``p < 1`` (the origin, one per axis at most, and those
        inside the quadrants), the global one first.

    Notes
    -----
    L1, elastic net, L2 and L∞ are solved exactly by enumerating the sign/zero patterns (a
    2x2 or 1x1 linear solve each, checked against the KKT conditions); ``Lp`` with ``p > 1``
    through the convex 1-D profile ``min_{w_2} f + λ P`` whose inner problem is the penalty's
    exact proximal map; ``p < 1`` by enumerating its local minima (see the module notes).
    """
    _check_loss(loss)
    ball = _make_ball(penalty)
    lam = check_nonnegative("lam", lam)
    c = loss.center
    v = ball.v
    local = None
    if lam == 0 or np.all(v == 0) or ball.radius(c) == 0:
        w, face, zeros = c.copy(), _INTERIOR, c == 0
    elif np.any(v == 0) and ball.kind != "power":
        # Profile out the free coordinate: S (w_j - c_j)^2 + lam v_j phi(|w_j|), S the Schur
        # complement, is minimized by the 1-D proximal map.
        H = loss.hessian
        j = int(np.flatnonzero(v > 0)[0])
        k = 1 - j
        schur = H[j, j] - H[j, k] ** 2 / H[k, k]
        w = np.empty(2)
        # (In one dimension the max norm is |w_j|: its exact prox is the soft threshold.)
        one_d = L1() if ball.kind == "box" else penalty.with_weights(None)
        w[j] = one_d.prox(np.array([c[j]]), lam * v[j] / (2.0 * schur))[0]
        w[k] = c[k] - H[k, j] * (w[j] - c[j]) / H[k, k]
        zeros = np.array([False, False])
        zeros[j] = w[j] == 0
        face = _EDGE
    elif ball.kind == "face":
        w, face, zeros = _penalized_face(loss, ball, lam)
    elif ball.kind == "box":
        w, face, zeros = _penalized_box(loss, ball, lam)
    else:
        solver = _penalized_nonconvex if ball.p < 1 else _penalized_convex_power
        w, local = solver(loss, ball, lam)
        zeros = w == 0
        if ball.p > 1:  # smooth at 0: a zero is structural only where f is stationary there
            zeros &= loss.gradient(w) == 0
        face = _ORIGIN if zeros.all() else (_CUSP if ball.p < 1 else _AXIS) if zeros.any() else _ARC
    w = np.asarray(w, dtype=float) + 0.0  # + 0.0 turns -0.0 into 0.0
    R = _radius_of(ball, w)
    active = face != _INTERIOR

    def face_of(point):
        z = point == 0
        if z.all():
            return _ORIGIN, z
        return ((_CUSP if ball.p < 1 else _AXIS) if z.any() else _ARC), z

    if local is None:
        minima = [_minimum(loss, penalty, w, lam, face, zeros, True)]
    else:
        minima = []
        for _, point in sorted(local, key=lambda item: item[0]):
            f_code, z = face_of(point)
            minima.append(_minimum(loss, penalty, point, lam, f_code, z,
                                   np.array_equal(point, w)))
        minima.sort(key=lambda m: (not m.is_global, m.loss + lam * penalty.value(m.w)))
    return _solution(loss, penalty, w, lam, R, active, face, zeros, minima)


# ---------------------------------------------------------------------------------------------
# Which weight goes first
# ---------------------------------------------------------------------------------------------
class PathEvent(NamedTuple):
    """A breakpoint of the exact 2-D lasso path: a weight reaches zero or leaves it."""

    lam: float
    R: float
    coordinate: int
    action: str  # "leaves" (becomes exactly zero) or "enters" (becomes nonzero again)


def _lasso_path_events(H, c, v) -> list[PathEvent]:
    """Exact breakpoints of ``argmin (w - c)^T H (w - c) + lam sum v_j |w_j|`` as lam grows.

    Between breakpoints the active weights solve ``2 H_AA w_A = 2 (H c)_A - lam v_A s_A``, so
    ``w`` and the gradient are affine in ``lam``: the next breakpoint is the smallest ``lam``
    at which an active weight reaches zero or an inactive gradient reaches ``lam v_j``.
    """
    active = [j for j in (0, 1) if c[j] != 0]
    signs = np.sign(c)
    Hc = H @ c
    lam = 0.0
    events: list[PathEvent] = []
    for _ in range(16):  # a 2-D path has a handful of breakpoints
        if not active:
            break
        idx = np.array(active)
        inv = np.linalg.inv(H[np.ix_(idx, idx)])
        base = inv @ Hc[idx]  # w_A(lam) = base - lam slope
        slope = 0.5 * inv @ (v[idx] * signs[idx])

        def state(t, idx=idx, base=base, slope=slope):
            w = np.zeros(2)
            w[idx] = base - t * slope
            return w

        candidates = []
        for position, j in enumerate(active):
            # w_j moves toward zero only if slope_j has the sign of w_j.
            if slope[position] * signs[j] > 0:
                candidates.append((base[position] / slope[position], j, "leaves"))
        for k in {0, 1} - set(active):
            # g_k(t) = a + b t leaves [-t v_k, t v_k] through +t v_k only if b > v_k, through
            # -t v_k only if b < -v_k (a weight that just left never re-enters at once).
            a = 2.0 * (H[k] @ state(0.0) - Hc[k])
            b = 2.0 * (H[k] @ (state(1.0) - state(0.0)))
            if b > v[k]:
                candidates.append((a / (v[k] - b), k, "enters"))
            if b < -v[k]:
                candidates.append((-a / (v[k] + b), k, "enters"))
        candidates = [cand for cand in candidates if cand[0] >= lam]
        if not candidates:  # pragma: no cover - the path always ends at w = 0
            break
        lam, j, action = min(candidates)
        w = state(lam)
        if action == "leaves":
            w[j] = 0.0
            active.remove(j)
        else:
            g = 2.0 * (H @ w - Hc)
            signs[j] = -np.sign(g[j])
            active = sorted(active + [j])
        events.append(PathEvent(float(lam), float(np.sum(v * np.abs(w))), int(j), action))
    return events


@dataclass(frozen=True, eq=False)
class Importance:
    r"""Which weight the L1 ball removes, from the exact lasso path of a 2-D loss.

    Attributes
    ----------
    removed : int or None
        The weight that is exactly zero for every ``R < R_removed``: the one the small L1
        balls remove (``None`` when both reach zero together). It is always the one with the
        smaller ``slopes_at_origin``: the weight along which the error changes least.
    kept : int or None
        The other one, nonzero for every ``R > 0`` below ``R_removed``.
    R_removed, lam_removed : float
        Where the last phase of the path starts.
    first_zero : int or None
        The first weight to touch zero as ``R`` shrinks from ``radius(w*)``.
    R_first_zero, lam_first_zero : float
        Where it does.
    comes_back : bool
        Whether ``first_zero`` becomes nonzero again further down the path (then with the
        opposite sign). With correlated features this happens: the first weight to touch zero
        is not always the one removed in the end.
    events : tuple of PathEvent
        Every breakpoint of the path, in order of increasing ``λ`` (decreasing ``R``).
    slopes_at_origin : ndarray of shape (2,)
        ``|∂f/∂w_j(0)| / v_j = 2 |(H w*)_j| / v_j``: the larger one enters first as ``R`` grows
        from 0 and is the last to leave. With a diagonal ``H`` it is ``2 H_jj |w*_j|``:
        curvature times distance, not curvature alone.
    axis_curvatures : ndarray of shape (2,)
        ``H_11, H_22``: ``f`` grows by ``H_jj t^2`` when only ``w_j`` moves by ``t``.
    eigen_curvatures, eigen_directions : ndarray
        Curvatures along the principal axes of the ellipses (ascending) and those axes.
    condition_number : float
    flattest_axis : int
        ``argmin H_jj``.
    curvature_rule_agrees : bool
        Whether the naive rule "the flattest axis is removed" gives ``removed``.
    drop_costs : ndarray of shape (2,)
        Increase of the minimal error when ``w_j`` alone is forced to zero and the other weight
        refits: ``w*_j^2 / (H^{-1})_jj``. Shown because it is *not* what the lasso ranks by.
    """

    removed: int | None
    kept: int | None
    R_removed: float
    lam_removed: float
    first_zero: int | None
    R_first_zero: float
    lam_first_zero: float
    comes_back: bool
    events: tuple[PathEvent, ...]
    slopes_at_origin: np.ndarray
    axis_curvatures: np.ndarray
    eigen_curvatures: np.ndarray
    eigen_directions: np.ndarray
    condition_number: float
    flattest_axis: int
    curvature_rule_agrees: bool
    drop_costs: np.ndarray


def importance(loss: QuadraticLoss, weights=None) -> Importance:
    r"""Which weight an L1 penalty drives to zero, from the exact 2-D lasso path.

    The path ``w(λ) = argmin f + λ sum v_j |w_j|`` is followed exactly through its
    breakpoints (:class:`PathEvent`). Near ``λ_max = max_j |∂f/∂w_j(0)| / v_j`` only the
    weight attaining that maximum is nonzero, so the weight removed by all small balls is the
    one along which the error changes least at the origin (``slopes_at_origin``). Further up
    the path anything can happen with correlated features: a weight can reach zero and come
    back with the opposite sign, so ``first_zero`` is reported separately.

    Parameters
    ----------
    loss : QuadraticLoss
    weights : array_like of shape (2,), optional
        L1 penalty factors ``v`` (default ones), all positive.
    """
    _check_loss(loss)
    v = L1(weights).weights_for(2)
    if np.any(v <= 0):
        raise ReglabInputError("weights", "must be > 0 to rank the weights", v.tolist())
    H, c = loss.hessian, loss.center
    slopes = 2.0 * np.abs(H @ c) / v
    events = tuple(_lasso_path_events(H, c, v))
    R_max = float(np.sum(v * np.abs(c)))
    if np.any(c == 0):  # a weight is zero from the start
        first_zero = int(np.flatnonzero(c == 0)[0]) if not np.all(c == 0) else None
        lam_first, R_first = 0.0, R_max
    else:
        leave = next(e for e in events if e.action == "leaves")
        first_zero, lam_first, R_first = leave.coordinate, leave.lam, leave.R
    # The last phase: after the last event that leaves exactly one weight active.
    removed = kept = None
    lam_removed, R_removed = 0.0, R_max
    if slopes[0] != slopes[1] and events:
        kept = events[-1].coordinate  # the last one to leave, at lam_max
        removed = 1 - kept
        if len(events) > 1:
            lam_removed, R_removed = events[-2].lam, events[-2].R
    comes_back = first_zero is not None and any(
        e.action == "enters" and e.coordinate == first_zero for e in events)
    curvatures, directions = loss.eigen
    axis_curv = np.diag(H).copy()
    flattest = int(np.argmin(axis_curv))
    return Importance(
        removed=removed, kept=kept, R_removed=R_removed, lam_removed=lam_removed,
        first_zero=first_zero, R_first_zero=R_first, lam_first_zero=lam_first,
        comes_back=comes_back, events=events, slopes_at_origin=slopes,
        axis_curvatures=axis_curv, eigen_curvatures=np.array(curvatures),
        eigen_directions=np.array(directions), condition_number=loss.condition_number,
        flattest_axis=flattest, curvature_rule_agrees=removed == flattest,
        drop_costs=c**2 / np.diag(np.linalg.inv(H)),
    )


# ---------------------------------------------------------------------------------------------
# How often is the solution sparse?
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SparsityResult:
    """Fraction of random problems whose constrained solution has an exact zero.

    Attributes
    ----------
    label : str
    penalty : Penalty
    n_trials, n_sparse : int
    fraction : float
    ci_low, ci_high : float
        95% Wilson score interval for the fraction.
    sparse : ndarray of bool, shape (n_trials,)
        Per trial (same order as :func:`sparsity_sample`).
    """

    label: str
    penalty: Penalty
    n_trials: int
    n_sparse: int
    fraction: float
    ci_low: float
    ci_high: float
    sparse: np.ndarray


def _wilson(successes: int, n: int, z: float = _WILSON_Z) -> tuple[float, float]:
    p_hat = successes / n
    denom = 1.0 + z * z / n
    center = (p_hat + z * z / (2 * n)) / denom
    half = z * math.sqrt(p_hat * (1 - p_hat) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, center - half)
    high = 1.0 if successes == n else min(1.0, center + half)
    return low, high


def sparsity_sample(n_trials: int, *, family: str = "symmetric", seed: int = 0, R: float = 1.0):
    r"""Draw the seeded random losses of :func:`sparsity_experiment`.

    Centers ``w*`` are uniform in angle and uniform in distance on ``[1.5 R, 3 R]`` (outside
    every unit-weight ball of radius R, the ``L∞`` square included, so every constraint is
    active). ``family="symmetric"``: circular contours (``H = I``). ``family="elongated"``:
    ellipses with semi-axes ``(1, b)``, ``b`` log-uniform on ``[1/30, 1]`` (condition number
    up to 900), rotated by an angle uniform on ``[0, π)``. The overall scale of ``H`` does not
    move the constrained solution, so it is fixed.

    Returns
    -------
    centers : ndarray of shape (n_trials, 2)
    hessians : ndarray of shape (n_trials, 2, 2)
    """
    n_trials = int(check_positive("n_trials", n_trials))
    R = check_positive("R", R)
    if family not in ("symmetric", "elongated"):
        raise ReglabInputError("family", "must be 'symmetric' or 'elongated'", family)
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0.0, 2.0 * np.pi, n_trials)
    distance = rng.uniform(1.5 * R, 3.0 * R, n_trials)
    centers = distance[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    if family == "symmetric":
        hessians = np.broadcast_to(np.eye(2), (n_trials, 2, 2)).copy()
    else:
        short = np.exp(rng.uniform(math.log(1.0 / 30.0), 0.0, n_trials))
        angle = rng.uniform(0.0, np.pi, n_trials)
        cos, sin = np.cos(angle), np.sin(angle)
        rotation = np.stack([np.column_stack([cos, -sin]), np.column_stack([sin, cos])], axis=1)
        scale = np.stack([np.ones(n_trials), 1.0 / short**2], axis=1)
        hessians = np.einsum("bik,bk,bjk->bij", rotation, scale, rotation)
        hessians = 0.5 * (hessians + hessians.transpose(0, 2, 1))
    return centers, hessians


def sparsity_experiment(penalties, n_trials: int = 2000, *, family: str = "symmetric",
                        seed: int = 0, R: float = 1.0) -> list[SparsityResult]:
    """How often the contour touches the ball on an axis: the fraction of sparse solutions.

    Every trial's constrained solution is computed exactly (the same engines as
    :func:`constrained_minimum`, batched) and counted sparse when it sits on an axis. See
    :func:`sparsity_sample` for the seeded distribution. 2000 trials of ``L2``, ``L1``,
    ``ElasticNet(0.5)`` and ``Lp(0.5)`` took about 1 s on the 2-core development machine with
    other jobs running (``benchmarks/bench_geometry.py``); the ``Lp`` boundary scans dominate.

    Parameters
    ----------
    penalties : sequence of Penalty or mapping label -> Penalty
    n_trials : int
    family : {"symmetric", "elongated"}
    seed : int
    R : float

    Returns
    -------
    list of SparsityResult
        One per penalty, in order, with a 95% Wilson interval.
    """
    if isinstance(penalties, Mapping):
        items = list(penalties.items())
    elif isinstance(penalties, Penalty):
        items = [(repr(penalties), penalties)]
    elif isinstance(penalties, Sequence):
        items = [(repr(penalty), penalty) for penalty in penalties]
    else:
        raise ReglabInputError("penalties", "must be a sequence or mapping of penalties",
                               penalties)
    centers, hessians = sparsity_sample(n_trials, family=family, seed=seed, R=R)
    results = []
    for label, penalty in items:
        ball = _make_ball(penalty)
        batch = _constrained_batch(hessians, centers, ball, R)
        sparse = batch.zeros.any(axis=1)
        k = int(sparse.sum())
        low, high = _wilson(k, len(sparse))
        results.append(SparsityResult(str(label), penalty, len(sparse), k, k / len(sparse),
                                      low, high, sparse))
    return results
