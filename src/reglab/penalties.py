r"""Penalties P(w): each owns its math, so solvers and plots stay generic.

Every problem in reglab is written in the lecture's form

.. math::

    E(w) = \sum_n (y_n - b - x_n^\top w)^2 + \lambda\,P(w),

with the intercept ``b`` never penalized. The constrained form minimizes the same squared error
over the *ball of radius R*, ``{w : P(w) <= P.level(R)}``, where ``level(R)`` is the penalty of
the point ``R e_j`` on an axis of unit weight. So ``R`` is where the ball meets those axes:

=========================  ================================  =========================
penalty                    P(w)                              ball of radius R
=========================  ================================  =========================
``L2()``                   sum v_j w_j^2                     ||w||_2 <= R (a circle)
``L1()``                   sum v_j |w_j|                     ||w||_1 <= R (a diamond)
``ElasticNet(a)``          a ||w||_1 + (1 - a)/2 ||w||_2^2   P(w) <= a R + (1 - a) R^2 / 2
``Lp(p)``, 0 < p < inf     sum v_j |w_j|^p                   ||w||_p <= R
``Lp(inf)``                max_j v_j |w_j|                   ||w||_inf <= R (a square)
``DifferenceL1(k)``        ||D_k w||_1                       ||D_k w||_1 <= R
=========================  ================================  =========================

``v_j >= 0`` are penalty factors (``weights``): ``0`` leaves a coefficient unpenalized, larger
values shrink it harder (for instance on the higher terms of a polynomial). Because the
constraint is written with ``P`` itself, its Lagrange multiplier at the solution *is* ``λ``:
the same point solves the penalized problem with that ``λ`` and the constrained one with that
``R``. The elastic net uses scikit-learn's and glmnet's mixing, so ``l1_ratio`` means the same
thing here as there (with ``l1_ratio = 0`` it is ``λ/2 ||w||²``, half the lecture's ridge).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from reglab._validation import (
    ReglabInputError,
    check_finite_array,
    check_in_range,
    check_nonnegative,
    check_positive,
)

__all__ = [
    "DifferenceL1",
    "ElasticNet",
    "L1",
    "L2",
    "Lp",
    "Penalty",
    "difference_matrix",
    "make_penalty",
]

_BISECTION_STEPS = 200  # enough to reach adjacent floats from any bracket of doubles


class Penalty(ABC):
    """A penalty P(w) with the pieces every solver and plot needs.

    Attributes
    ----------
    name : str
        Short name used by the CLI and the lab (``"l2"``, ``"l1"``, ...).
    convex : bool
        Whether P is convex (``False`` for ``Lp`` with ``p < 1``).
    separable : bool
        Whether ``P(w) = sum_j v_j phi(w_j)``.
    """

    name: str = ""
    convex: bool = True
    separable: bool = True

    def __init__(self, weights: Sequence[float] | np.ndarray | None = None):
        if weights is not None:
            weights = check_finite_array("weights", weights, ndim=1)
            if (weights < 0).any():
                raise ReglabInputError("weights", "must be >= 0", weights[weights < 0][0])
        self.weights = weights

    # -- the math every penalty owns -----------------------------------------------------
    @abstractmethod
    def value(self, w: np.ndarray) -> float:
        """Return P(w)."""

    @abstractmethod
    def level(self, R: float) -> float:
        """Return the penalty level of the ball of radius ``R`` (P of ``R e_j``, unit weight)."""

    @abstractmethod
    def radius_of_level(self, level: float) -> float:
        """Inverse of :meth:`level`: the radius of the ball ``{P(w) <= level}``."""

    def radius(self, w: np.ndarray) -> float:
        """Return R(w), the radius of the ball whose boundary passes through ``w``."""
        return self.radius_of_level(self.value(w))

    @abstractmethod
    def prox(self, v: np.ndarray, step: float) -> np.ndarray:
        """Return ``argmin_u 1/2 ||u - v||^2 + step * P(u)`` (a global minimizer)."""

    @abstractmethod
    def subdiff_distance(self, w: np.ndarray, g: np.ndarray, lam: float) -> np.ndarray:
        """Per-coordinate distance from ``g`` to ``lam * dP(w)`` (KKT residual of stationarity).

        For the penalized least-squares problem ``g = 2 X^T (y - X w)``; the point is stationary
        exactly when every entry is zero. For non-convex ``Lp`` the limiting subdifferential
        is used (at ``w_j = 0`` it is the whole real line).
        """

    def lam_max(self, g0: np.ndarray) -> float:
        """Smallest λ for which ``w = 0`` is a solution, given the gradient ``g0 = 2 X^T y``.

        ``inf`` when zero is never a solution (``L2``, ``Lp`` with ``p > 1``, or a non-zero
        gradient on an unpenalized coordinate: profile those out first, as the paths do), and
        for ``Lp`` with ``p < 1``, where zero is a local minimizer at every λ > 0 and the λ at
        which it becomes the global one depends on more than the gradient.
        """
        return math.inf

    def dual_norm(self, z: np.ndarray) -> float | None:
        """Dual norm of ``z`` when P is a norm, else ``None``."""
        return None

    # -- geometry for 2-D plots ---------------------------------------------------------
    def boundary_radius(self, direction: np.ndarray, R: float) -> float:
        """Distance from 0 to the boundary of the ball of radius ``R`` along ``direction``."""
        direction = np.asarray(direction, dtype=float)
        target = self.level(R)
        if target == 0:
            return 0.0
        unit = direction / np.linalg.norm(direction)
        if self.value(unit) == 0:
            return math.inf
        # P(t u) is increasing in t >= 0 for every penalty here: bracket, then bisect.
        low, high = 0.0, 1.0
        while self.value(high * unit) < target:
            low, high = high, 2 * high
        for _ in range(_BISECTION_STEPS):
            mid = 0.5 * (low + high)
            if mid in (low, high):
                break
            if self.value(mid * unit) < target:
                low = mid
            else:
                high = mid
        return high

    def ball_boundary(self, R: float = 1.0, n_points: int = 721) -> np.ndarray:
        """Points on the boundary of the 2-D ball of radius ``R``, as an ``(m, 2)`` closed loop.

        The loop runs counter-clockwise from the positive ``w_1`` axis and contains the exact
        corners of the ball (its points on the axes and, for ``L∞``, on the diagonals).
        """
        R = check_nonnegative("R", R)
        angles = np.linspace(0.0, 2 * np.pi, n_points)
        angles = np.union1d(angles, self._corner_angles())
        directions = np.column_stack([np.cos(angles), np.sin(angles)])
        # cos(pi/2) is 6e-17, not 0: snap the axis directions so the corners are exact (for
        # p < 1 the gauge would turn 6e-17 into a visible 1e-8).
        directions[np.abs(directions) < 1e-12] = 0.0
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        radii = np.array([self.boundary_radius(u, R) for u in directions])
        return directions * radii[:, None]

    def _corner_angles(self) -> np.ndarray:
        return np.array([0.0, 0.5, 1.0, 1.5, 2.0]) * np.pi

    # -- helpers ----------------------------------------------------------------------------
    def weights_for(self, n_features: int) -> np.ndarray:
        """Return the penalty factors as an array of length ``n_features`` (ones by default)."""
        if self.weights is None:
            return np.ones(n_features)
        if self.weights.shape != (n_features,):
            raise ReglabInputError(
                "weights", f"must have one entry per feature ({n_features})", len(self.weights)
            )
        return self.weights

    def with_weights(self, weights: Sequence[float] | np.ndarray | None) -> Penalty:
        """Return a copy of this penalty with other penalty factors."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        Penalty.__init__(clone, weights)
        return clone

    def __repr__(self) -> str:
        args = [f"{k}={v!r}" for k, v in self._params().items()]
        if self.weights is not None:
            args.append(f"weights={self.weights.tolist()!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    def _params(self) -> dict[str, object]:
        return {}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        same_weights = (self.weights is None and other.weights is None) or (
            self.weights is not None
            and other.weights is not None
            and np.array_equal(self.weights, other.weights)
        )
        return self._params() == other._params() and same_weights

    __hash__ = None  # type: ignore[assignment]


def _soft_threshold(v: np.ndarray, threshold: np.ndarray | float) -> np.ndarray:
    return np.sign(v) * np.maximum(np.abs(v) - threshold, 0.0)


def _l1_subdiff_distance(w, g, threshold):
    """Distance from g_j to threshold_j * d|w_j| for each j."""
    at_zero = np.maximum(np.abs(g) - threshold, 0.0)
    off_zero = np.abs(g - threshold * np.sign(w))
    return np.where(w == 0, at_zero, off_zero)


class L2(Penalty):
    r"""The lecture's ridge penalty ``P(w) = sum_j v_j w_j^2`` (squared, no 1/2).

    The ball of radius R is the circle ``||w||_2 <= R`` (an ellipse with weights).
    """

    name = "l2"

    def value(self, w):
        w = np.asarray(w, dtype=float)
        return float(np.sum(self.weights_for(w.size) * w.ravel() ** 2))

    def level(self, R):
        return float(R) ** 2

    def radius_of_level(self, level):
        return math.sqrt(max(level, 0.0))

    def boundary_radius(self, direction, R):
        u = np.asarray(direction, dtype=float)
        u = u / np.linalg.norm(u)
        denom = self.value(u)
        return math.inf if denom == 0 else R / math.sqrt(denom)

    def prox(self, v, step):
        v = np.asarray(v, dtype=float)
        return v / (1.0 + 2.0 * step * self.weights_for(v.size))

    def subdiff_distance(self, w, g, lam):
        w = np.asarray(w, dtype=float)
        return np.abs(np.asarray(g) - 2.0 * lam * self.weights_for(w.size) * w)

    def dual_norm(self, z):
        # P is the square of the (weighted) 2-norm; the norm itself is self-dual.
        z = np.asarray(z, dtype=float)
        v = self.weights_for(z.size)
        if (v == 0).any() and np.any(z[v == 0] != 0):
            return math.inf
        safe = np.where(v > 0, v, 1.0)
        return float(np.sqrt(np.sum(np.where(v > 0, z**2 / safe, 0.0))))


class L1(Penalty):
    r"""The lasso penalty ``P(w) = sum_j v_j |w_j|``; the ball is the diamond ``||w||_1 <= R``."""

    name = "l1"

    def value(self, w):
        w = np.asarray(w, dtype=float)
        return float(np.sum(self.weights_for(w.size) * np.abs(w.ravel())))

    def level(self, R):
        return float(R)

    def radius_of_level(self, level):
        return max(float(level), 0.0)

    def boundary_radius(self, direction, R):
        u = np.asarray(direction, dtype=float)
        u = u / np.linalg.norm(u)
        denom = self.value(u)
        return math.inf if denom == 0 else R / denom

    def prox(self, v, step):
        v = np.asarray(v, dtype=float)
        return _soft_threshold(v, step * self.weights_for(v.size))

    def subdiff_distance(self, w, g, lam):
        w = np.asarray(w, dtype=float)
        return _l1_subdiff_distance(w, np.asarray(g, dtype=float), lam * self.weights_for(w.size))

    def lam_max(self, g0):
        g0 = np.asarray(g0, dtype=float)
        v = self.weights_for(g0.size)
        penalized = v > 0
        if np.any(g0[~penalized] != 0):
            return math.inf  # an unpenalized coordinate wants to move: 0 is never optimal
        return float(np.max(np.abs(g0[penalized]) / v[penalized], initial=0.0))

    def dual_norm(self, z):
        z = np.asarray(z, dtype=float)
        v = self.weights_for(z.size)
        if np.any(z[v == 0] != 0):
            return math.inf
        return float(np.max(np.abs(z[v > 0]) / v[v > 0], initial=0.0))


class ElasticNet(Penalty):
    r"""``P(w) = sum_j v_j (a |w_j| + (1 - a)/2 w_j^2)`` with ``a = l1_ratio`` in [0, 1].

    The mixing is scikit-learn's and glmnet's. The ball of radius R is
    ``{P(w) <= a R + (1 - a) R^2 / 2}``: it meets the axes at ``±R``, is rounded between
    them and keeps the diamond's corners whenever ``a > 0``.
    """

    name = "enet"

    def __init__(self, l1_ratio: float = 0.5, weights=None):
        self.l1_ratio = check_in_range("l1_ratio", l1_ratio, 0.0, 1.0)
        super().__init__(weights)

    def _params(self):
        return {"l1_ratio": self.l1_ratio}

    def value(self, w):
        w = np.asarray(w, dtype=float).ravel()
        a = self.l1_ratio
        return float(np.sum(self.weights_for(w.size) * (a * np.abs(w) + 0.5 * (1 - a) * w**2)))

    def level(self, R):
        a = self.l1_ratio
        return a * R + 0.5 * (1 - a) * R**2

    def radius_of_level(self, level):
        a, level = self.l1_ratio, max(float(level), 0.0)
        if a == 1.0 or level == 0.0:
            return level
        # Solve (1 - a)/2 R^2 + a R - level = 0 for R >= 0, in the cancellation-free form.
        return 2.0 * level / (a + math.sqrt(a * a + 2.0 * (1 - a) * level))

    def boundary_radius(self, direction, R):
        u = np.asarray(direction, dtype=float)
        u = u / np.linalg.norm(u)
        v = self.weights_for(u.size)
        a = self.l1_ratio
        linear, quadratic = a * np.sum(v * np.abs(u)), 0.5 * (1 - a) * np.sum(v * u**2)
        target = self.level(R)
        if target == 0:
            return 0.0
        if linear == 0 and quadratic == 0:
            return math.inf
        if quadratic == 0:
            return target / linear
        return 2.0 * target / (linear + math.sqrt(linear**2 + 4.0 * quadratic * target))

    def prox(self, v, step):
        v = np.asarray(v, dtype=float)
        weights, a = self.weights_for(v.size), self.l1_ratio
        return _soft_threshold(v, step * a * weights) / (1.0 + step * (1 - a) * weights)

    def subdiff_distance(self, w, g, lam):
        w, g = np.asarray(w, dtype=float), np.asarray(g, dtype=float)
        v, a = self.weights_for(w.size), self.l1_ratio
        smooth = lam * (1 - a) * v * w
        return _l1_subdiff_distance(w, g - smooth, lam * a * v)

    def lam_max(self, g0):
        if self.l1_ratio == 0:
            return math.inf
        return L1(self.weights).lam_max(g0) / self.l1_ratio


class Lp(Penalty):
    r"""``P(w) = sum_j v_j |w_j|^p`` for ``0 < p < inf``; ``max_j v_j |w_j|`` for ``p = inf``.

    The ball of radius R is ``||w||_p <= R``. For ``p < 1`` it is star-shaped, not convex: the
    penalized problem has several local minima and solvers can only certify stationarity.
    ``Lp(1)`` and ``Lp(2)`` equal :class:`L1` and :class:`L2`.
    """

    name = "lp"

    def __init__(self, p: float = 0.5, weights=None):
        self.p = check_positive("p", p, allow_inf=True)
        super().__init__(weights)
        self.convex = self.p >= 1

    def _params(self):
        return {"p": self.p}

    @property
    def is_max_norm(self) -> bool:
        return math.isinf(self.p)

    def value(self, w):
        w = np.abs(np.asarray(w, dtype=float).ravel())
        v = self.weights_for(w.size)
        if self.is_max_norm:
            return float(np.max(v * w, initial=0.0))
        return float(np.sum(v * w**self.p))

    def level(self, R):
        if self.is_max_norm:
            return float(R)
        try:
            return float(R) ** self.p
        except OverflowError:  # large p: the level exceeds the floating-point range
            return math.inf

    def radius(self, w):
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # (handled below)
            direct = super().radius(w)
        if self.is_max_norm or (0.0 < direct < math.inf):
            return direct
        # The powers |w_j|^p overflowed or underflowed (large p: 40^500, 0.002^2000). Then
        # (sum_j v_j |w_j|^p)^(1/p) = m (sum_j v_j (|w_j| / m)^p)^(1/p) with m = max |w_j|:
        # the ratios' powers are at most 1, and underflow only where they do not count.
        w = np.abs(np.asarray(w, dtype=float).ravel())
        v = self.weights_for(w.size)
        m = float(np.max(w[v > 0], initial=0.0))
        if m == 0.0 or not math.isfinite(m):
            return m
        return m * self.radius_of_level(float(np.sum(v * (w / m) ** self.p)))

    def radius_of_level(self, level):
        level = max(float(level), 0.0)
        if self.is_max_norm:
            return level
        try:
            return level ** (1.0 / self.p)
        except OverflowError:  # tiny p: the radius exceeds the floating-point range
            return math.inf

    def boundary_radius(self, direction, R):
        u = np.asarray(direction, dtype=float)
        u = u / np.linalg.norm(u)
        gauge = self.radius(u)  # 1-homogeneous
        return math.inf if gauge == 0 else R / gauge

    def _corner_angles(self):
        corners = super()._corner_angles()
        if not self.is_max_norm:
            return corners
        v = self.weights_for(2)
        if (v == 0).any():
            return corners
        # Corners of the square where v_1 |w_1| = v_2 |w_2|.
        base = math.atan2(v[0], v[1])
        return np.concatenate([corners, [base, np.pi - base, np.pi + base, 2 * np.pi - base]])

    def prox(self, v, step):
        v = np.asarray(v, dtype=float)
        weights = self.weights_for(v.size)
        if self.is_max_norm:
            return _prox_weighted_max_norm(v, step, weights)
        if self.p == 1:
            return _soft_threshold(v, step * weights)
        return np.sign(v) * _prox_power(np.abs(v), step * weights, self.p)

    def subdiff_distance(self, w, g, lam):
        w, g = np.asarray(w, dtype=float), np.asarray(g, dtype=float)
        v, p = self.weights_for(w.size), self.p
        if self.is_max_norm:
            return np.full(w.size, _max_norm_subdiff_distance(w, g, lam, v))
        if p == 1:
            return _l1_subdiff_distance(w, g, lam * v)
        nonzero = w != 0
        grad = np.zeros_like(w)
        grad[nonzero] = p * np.abs(w[nonzero]) ** (p - 1) * np.sign(w[nonzero])
        distance = np.abs(g - lam * v * grad)
        if p < 1:  # the limiting subdifferential of |t|^p at 0 is the whole line
            distance[~nonzero] = 0.0
        return distance

    def lam_max(self, g0):
        if self.p == 1:
            return L1(self.weights).lam_max(g0)
        if self.is_max_norm:
            g0 = np.asarray(g0, dtype=float)
            v = self.weights_for(g0.size)
            if np.any(g0[v == 0] != 0):
                return math.inf
            return float(np.sum(np.abs(g0[v > 0]) / v[v > 0]))
        return math.inf

    def dual_norm(self, z):
        if self.p < 1:
            return None
        z = np.abs(np.asarray(z, dtype=float))
        v = self.weights_for(z.size)
        if np.any(z[v == 0] != 0):
            return math.inf
        z, v = z[v > 0], v[v > 0]
        if self.is_max_norm:
            return float(np.sum(z / v))
        if self.p == 1:
            return float(np.max(z / v, initial=0.0))
        # Dual of (sum v|w|^p)^(1/p) is (sum v^(1-q) |z|^q)^(1/q) with 1/p + 1/q = 1.
        q = self.p / (self.p - 1)
        return float(np.sum(v ** (1 - q) * z**q) ** (1 / q))


def _prox_power(a: np.ndarray, t: np.ndarray, p: float) -> np.ndarray:
    """Global minimizer u >= 0 of ``1/2 (u - a)^2 + t u^p`` for a >= 0, coordinate-wise."""
    a, t = np.broadcast_arrays(np.asarray(a, float), np.asarray(t, float))
    u = np.zeros_like(a)
    active = (t == 0) | (a > 0)
    u[t == 0] = a[t == 0]
    todo = active & (t > 0)
    if not todo.any():
        return u
    a_, t_ = a[todo], t[todo]
    # Stationarity on u > 0: u + t p u^(p-1) = a. For p > 1 the left side increases from 0;
    # for p < 1 it is convex with its minimum at u_min = (t p (1 - p))^(1 / (2 - p)) and the
    # larger root (the local minimum) lies in [u_min, a].
    if p > 1:
        low = np.zeros_like(a_)
    else:
        low = (t_ * p * (1 - p)) ** (1 / (2 - p))
    high = a_.copy()
    feasible = low <= high
    if p < 1:
        feasible &= low + t_ * p * low ** (p - 1) <= a_
    low, high = np.where(feasible, low, 0.0), np.where(feasible, high, 0.0)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (low + high)
        with np.errstate(divide="ignore", invalid="ignore"):
            above = mid + t_ * p * mid ** (p - 1) > a_
        high = np.where(above, mid, high)
        low = np.where(above, low, mid)
        if np.all(high - low <= 4 * np.finfo(float).eps * np.maximum(high, 1e-300)):
            break
    root = np.where(feasible, 0.5 * (low + high), 0.0)
    if p < 1:  # compare the local minimum with u = 0, the other candidate
        root_value = 0.5 * (root - a_) ** 2 + t_ * root**p
        root = np.where(feasible & (root_value < 0.5 * a_**2), root, 0.0)
    u[todo] = root
    return u


def _project_weighted_l1_ball(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Euclidean projection of z on ``{u : u_j = 0 where v_j = 0, sum_j |u_j| / v_j <= 1}``.

    This is the unit ball of the dual of ``max_j v_j |w_j|``: a coordinate with ``v_j = 0`` is
    unpenalized, its dual weight ``1/v_j`` is infinite and pins ``u_j`` to 0.
    """
    out = np.zeros_like(z)
    penalized = weights > 0
    zp, inv = z[penalized], 1.0 / weights[penalized]
    if np.sum(np.abs(zp) * inv) <= 1:
        out[penalized] = zp
        return out
    # The projection is a weighted soft-threshold sign(z) (|z| - tau / v)_+ with tau > 0 fixed
    # by the constraint being tight; the constraint is monotone in tau: bisect.
    low, high = 0.0, float(np.max(np.abs(zp) / inv))
    for _ in range(_BISECTION_STEPS):
        tau = 0.5 * (low + high)
        if tau in (low, high):
            break
        if np.sum(np.maximum(np.abs(zp) - tau * inv, 0.0) * inv) > 1:
            low = tau
        else:
            high = tau
    out[penalized] = np.sign(zp) * np.maximum(np.abs(zp) - high * inv, 0.0)
    return out


def _prox_weighted_max_norm(v: np.ndarray, step: float, weights: np.ndarray) -> np.ndarray:
    """Return the prox of ``step * max_j v_j |w_j|``.

    By Moreau's decomposition it is ``x - step * proj_{dual ball}(x / step)``.
    """
    if step == 0:
        return v.copy()
    return v - step * _project_weighted_l1_ball(v / step, weights)


def _max_norm_subdiff_distance(w, g, lam, v):
    """Euclidean distance from g to ``lam * d(max_j v_j |w_j|)``."""
    if lam == 0:
        return float(np.linalg.norm(g))
    scaled = v * np.abs(w)
    top = scaled.max(initial=0.0)
    if top == 0:  # subdifferential at 0: the dual ball {sum |z_j| / v_j <= 1}
        return float(np.linalg.norm(g - lam * _project_weighted_l1_ball(g / lam, v)))
    # At w != 0 it is the set of z with z_j = c_j v_j sign(w_j) on the maximal j, c >= 0,
    # sum c_j = 1, zero elsewhere: project g / lam on that weighted simplex.
    ties = np.isclose(scaled, top, rtol=1e-12, atol=0.0) & (v > 0)
    directions = v[ties] * np.sign(w[ties])
    target = g[ties] / lam
    # Coordinates c_j >= 0, sum c = 1, minimizing sum (c_j d_j - t_j)^2: bisect on the
    # multiplier of the sum constraint.
    def coefficients(mu):
        return np.maximum((target * directions - mu) / directions**2, 0.0)

    low, high = -1.0, 1.0
    while coefficients(low).sum() < 1:
        low *= 2
    while coefficients(high).sum() > 1:
        high *= 2
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        if coefficients(mid).sum() > 1:
            low = mid
        else:
            high = mid
    z = np.zeros_like(g)
    z[ties] = lam * coefficients(high) * directions
    return float(np.linalg.norm(g - z))


def difference_matrix(n: int, order: int = 1) -> np.ndarray:
    """Return the ``(n - order, n)`` matrix of ``order``-th differences.

    ``order = 1`` gives ``(D w)_i = w_{i+1} - w_i`` (the fused lasso / total variation);
    ``order = 2`` penalizes changes of slope (piecewise-linear trend filtering).
    """
    order = int(check_nonnegative("order", order))
    if n <= order:
        raise ReglabInputError("n", f"must exceed the difference order {order}", n)
    return np.diff(np.eye(n), n=order, axis=0)


class DifferenceL1(Penalty):
    r"""The generalized lasso penalty ``P(w) = ||D w||_1`` with D the k-th difference matrix.

    ``order = 1`` is the fused lasso (piecewise-constant fits), ``order = 2`` the ℓ1 trend
    filter (piecewise-linear). The ball of radius R is ``{||D w||_1 <= R}``; it is unbounded
    along the null space of D (the polynomials of degree < k), which is never penalized.
    Its proximal map has no closed form and is computed by solving the dual box-constrained
    least-squares problem exactly (an active-set method).
    """

    name = "tv"
    separable = False

    def __init__(self, order: int = 1):
        try:
            whole = not isinstance(order, bool) and float(order).is_integer()
        except (TypeError, ValueError):
            whole = False
        if not whole:  # (int() would quietly turn 1.5 into 1)
            raise ReglabInputError("order", "must be a whole number in [0, 10]", order)
        self.order = int(check_in_range("order", order, 0, 10))
        super().__init__(None)

    def _params(self):
        return {"order": self.order}

    def matrix(self, n_features: int) -> np.ndarray:
        """Return the difference matrix D for ``n_features`` coefficients."""
        return difference_matrix(n_features, self.order)

    def value(self, w):
        w = np.asarray(w, dtype=float).ravel()
        return float(np.sum(np.abs(np.diff(w, n=self.order))))

    def level(self, R):
        return float(R)

    def radius_of_level(self, level):
        return max(float(level), 0.0)

    def prox(self, v, step):
        from scipy.optimize import lsq_linear

        v = np.asarray(v, dtype=float)
        if step == 0:
            return v.copy()
        D = self.matrix(v.size)
        # prox(v) = v - D^T u with u = argmin 1/2 ||v - D^T u||^2 s.t. ||u||_inf <= step.
        dual = lsq_linear(D.T, v, bounds=(-step, step), method="bvls", tol=1e-15)
        return v - D.T @ dual.x

    def subdiff_distance(self, w, g, lam):
        from scipy.optimize import lsq_linear

        w, g = np.asarray(w, dtype=float), np.asarray(g, dtype=float)
        D = self.matrix(w.size)
        Dw = D @ w
        # dP(w) = {D^T u : u_i = sign((Dw)_i) where (Dw)_i != 0, |u_i| <= 1 elsewhere}. A
        # difference counts as zero below 2^k 1e-12 max|w|: relative to the scale of w (series
        # of size 1e3 would otherwise look non-smooth), with room for the rounding left by
        # iterative solvers.
        tol = 2.0**self.order * 1e-12 * max(np.abs(w).max(initial=0.0), np.finfo(float).tiny)
        fixed = np.abs(Dw) > tol
        u = np.where(fixed, lam * np.sign(Dw), 0.0)
        free = ~fixed
        if free.any() and lam > 0:
            rhs = g - D[fixed].T @ u[fixed]
            u[free] = lsq_linear(D[free].T, rhs, bounds=(-lam, lam), method="bvls",
                                 tol=1e-15).x
        return np.abs(g - D.T @ u)

    def lam_max(self, g0):
        # w = 0 is never the answer unless the loss is flat in the null space of D; the
        # generalized lasso's path ends at the projection on that null space instead.
        return math.inf


_BY_NAME = {"l2": L2, "ridge": L2, "l1": L1, "lasso": L1, "enet": ElasticNet, "lp": Lp}


def make_penalty(
    name: str,
    *,
    p: float | None = None,
    l1_ratio: float | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
    order: int | None = None,
) -> Penalty | None:
    """Build a penalty from its CLI/lab name (``none``, ``l2``, ``l1``, ``enet``, ``lp``, ``tv``).

    Returns ``None`` for ``"none"`` (ordinary least squares).
    """
    key = str(name).lower()
    if key in ("none", "ols"):
        return None
    if key == "tv":
        return DifferenceL1(order if order is not None else 1)
    if key not in _BY_NAME:
        raise ReglabInputError(
            "penalty", "must be one of none, l2, l1, enet, lp, tv", name
        )
    cls = _BY_NAME[key]
    if cls is ElasticNet:
        return ElasticNet(0.5 if l1_ratio is None else l1_ratio, weights=weights)
    if cls is Lp:
        if p is None:
            raise ReglabInputError("p", "is required for the lp penalty", None)
        return Lp(p, weights=weights)
    return cls(weights=weights)
