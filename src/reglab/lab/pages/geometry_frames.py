r"""Frames of the geometry page: a norm ball growing until it swallows the loss's minimum.

Two weights ``w = (w1, w2)``, the squared error

.. math::

    f(w) = (w - w^\ast)^\top H (w - w^\ast) + c_0

(a :class:`reglab.geometry.QuadraticLoss`: set by hand from its minimum ``w*``, the axis ratio
of its elliptic contours and their rotation, or computed from two standardized features of a
data set), and a ball ``P(w) <= P.level(R)`` of the ℓp family (``p`` from 0.3 to ∞) or of the
elastic net with mixing ``a``. The page shows the constrained solution

.. math::

    \hat w(R) = \operatorname*{argmin}_{P(w) \le P.\mathrm{level}(R)} f(w)
    \quad\Longleftrightarrow\quad
    \hat w = \operatorname*{argmin}_w f(w) + \lambda P(w),

where ``λ`` is the KKT multiplier of the constraint (exact for convex balls; for ``p < 1``
the point is a certified local minimum and ``λ`` its multiplier). There is one frame per stop
of ``R`` from 0 to a quarter beyond ``R* = P.radius(w*)``, with ``R*`` itself a stop: from
there on ``w*`` lies inside the ball, the constraint is inactive and ``λ = 0``. Each frame
holds the ball's boundary, the tangent point (the global solution), the exact contour through
it, every other local minimum (``p < 1``) with its contour, and the readouts. Every number
comes from :mod:`reglab.geometry`; nothing is found by sampling a grid.

This module has no Panel or Bokeh import: the frames are plain data, tested in Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from reglab._validation import ReglabInputError
from reglab.geometry import (
    GeometrySolution,
    Importance,
    QuadraticLoss,
    constrained_path,
    importance,
    level_grid,
)
from reglab.lab.controls import Field, distinct_labels, read_query
from reglab.lab.frames import FrameStack
from reglab.lab.i18n import Language, format_number, translate
from reglab.penalties import ElasticNet, Lp, Penalty

__all__ = [
    "DATA_FEATURES",
    "FAMILIES",
    "LOSS_SOURCES",
    "N_ABOVE",
    "N_BALL",
    "N_BELOW",
    "N_RING",
    "P_LABELS",
    "P_STOPS",
    "R_FIELD",
    "SPEC",
    "Background",
    "State",
    "background",
    "ball_boundaries",
    "code_snippet",
    "compute_frames",
    "data_features",
    "distinct_labels",
    "frame_index",
    "importance_text",
    "loss_key",
    "make_loss",
    "make_penalty",
    "p_label",
    "p_query",
    "parse_p",
    "r_grid",
    "solve_frames",
]

P_STOPS: tuple[float, ...] = (0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, math.inf)
"""The exponents ``p`` offered for the ℓp ball (a slider over these stops)."""

FAMILIES: tuple[str, ...] = ("lp", "enet")
"""Ball families: ``ℓp`` (``||w||_p <= R``) or the elastic net with mixing ``a``."""

LOSS_SOURCES: tuple[str, ...] = ("custom", "prostate", "diabetes")
"""Where the loss comes from: set by hand, or two standardized features of a data set."""

DATA_FEATURES: Mapping[str, tuple[str, str]] = {
    "prostate": ("lcavol", "lweight"),
    "diabetes": ("bmi", "s5"),
}
"""The two features of each data set (the target is the data set's own)."""

N_BELOW = 96
"""Stops of ``R`` evenly spaced on ``[0, R*)``."""
N_ABOVE = 24
"""Stops of ``R`` evenly spaced on ``(R*, 1.25 R*]``, where the constraint is inactive."""
ABOVE = 0.25
"""How far beyond ``R*`` the last stop lies, relative to ``R*``."""
N_BALL = 361
"""Points on the unit ball's boundary (plus the exact corners the penalty adds)."""
N_RING = 181
"""Points on each contour ellipse."""
N_GRID = 161
"""Points per axis of the background's loss grid."""
N_LEVELS = 14
"""Filled contour bands of the background."""
WINDOW = 1.3
"""Half-width of the plot's square window in units of ``||w*||_1`` (see :func:`background`)."""
DEFAULT_R_FRACTION = 0.4
"""Without an ``R`` in the state, the cursor starts at the stop nearest ``0.4 R*``."""


def p_label(p: float) -> str:
    """Return the text of an exponent stop: ``"0.3"``, ``"1"``, ``"∞"``."""
    return "∞" if math.isinf(p) else f"{p:g}"


P_LABELS: tuple[str, ...] = tuple("inf" if math.isinf(p) else f"{p:g}" for p in P_STOPS)
"""The stops of ``p`` as they appear in a URL (``?p=0.5``, ``?p=inf``)."""


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------
SPEC: Mapping[str, Field] = {
    "family": Field(str, "lp", choices=FAMILIES),
    "a": Field(float, 0.5, 0.0, 1.0),
    "loss": Field(str, "custom", choices=LOSS_SOURCES),
    "w1": Field(float, 1.8, -5.0, 5.0),
    "w2": Field(float, 1.3, -5.0, 5.0),
    "ratio": Field(float, 2.5, 1.0, 30.0),
    "angle": Field(float, -30.0, -90.0, 90.0),
}
"""The page's controls as URL query parameters: type, bounds and default, declared once.

Two more parameters are read by :meth:`State.from_query` itself: ``p``, one of the stops
:data:`P_LABELS` (``inf`` is not a finite float for :class:`Field`; ``Infinity``, as Panel
writes it, and ``∞`` are accepted too), and the cursor ``R`` (:data:`R_FIELD`), which has no
fixed default (the stop nearest ``0.4 R*``).
"""

R_FIELD = Field(float, 0.0, 0.0, None)
"""The cursor's query parameter ``R`` (a radius ``>= 0``, snapped to the nearest stop)."""


@dataclass(frozen=True)
class State:
    """Everything the geometry page shows, validated against :data:`SPEC`.

    Attributes
    ----------
    family : {"lp", "enet"}
        Ball family.
    p : float
        Exponent of the ℓp ball, one of :data:`P_STOPS` (``math.inf`` for the max norm).
    a : float
        Elastic-net mixing ``l1_ratio`` in ``[0, 1]`` (used when ``family == "enet"``):
        ``P(w) = a ||w||_1 + (1 - a)/2 ||w||_2^2``.
    loss : {"custom", "prostate", "diabetes"}
        Source of the loss.
    w1, w2 : float
        Minimum ``w*`` of a custom loss, each in ``[-5, 5]``, not both zero.
    ratio : float
        Axis ratio (long over short) of the custom loss's contour ellipses, in ``[1, 30]``.
    angle : float
        Rotation of the long axis from the ``w1`` axis, in degrees, in ``[-90, 90]``.
    R : float or None
        The cursor: radius of the ball shown (snapped to the nearest frame); ``None`` starts
        at the stop nearest ``0.4 R*``.

    Raises
    ------
    ReglabInputError
        For a value out of its bounds, naming the field (``w1: must be a finite number in
        [-5, 5]; got 9``), or a custom minimum at the origin.
    """

    family: str = "lp"
    p: float = 1.0
    a: float = 0.5
    loss: str = "custom"
    w1: float = 1.8
    w2: float = 1.3
    ratio: float = 2.5
    angle: float = -30.0
    R: float | None = None

    def __post_init__(self) -> None:
        for name, field in SPEC.items():
            object.__setattr__(self, name, field.check(name, getattr(self, name)))
        object.__setattr__(self, "p", parse_p(self.p))
        if self.R is not None:
            object.__setattr__(self, "R", R_FIELD.check("R", self.R))
        if self.loss == "custom" and self.w1 == 0 and self.w2 == 0:
            raise ReglabInputError("w*", "must not be the origin (no ball would constrain it)",
                                   (self.w1, self.w2))

    @classmethod
    def from_query(cls, query: Mapping[str, str] | None, lang: Language
                   ) -> tuple[State, list[str]]:
        """Build a state from URL query parameters, keeping the default for every bad one.

        Parameters
        ----------
        query : mapping of str to str
            ``{"p": "0.5", "R": "1.2"}``; the lab's own ``lang`` is ignored.
        lang : {"ja", "en"}
            Language of the problems.

        Returns
        -------
        state : State
        problems : list of str
            One translated line per rejected entry (see :func:`reglab.lab.controls.read_query`).
        """
        query = dict(query or {})
        raw_p = query.pop("p", None)
        raw_R = query.pop("R", None)
        values, problems = read_query(query, SPEC, lang)
        if raw_p is not None:
            try:
                values["p"] = parse_p(raw_p)
            except ReglabInputError:
                problems.append(translate("page.geometry.query.p", lang,
                                          value=str(raw_p)[:40], stops=", ".join(P_LABELS)))
        if raw_R is not None:
            try:
                values["R"] = R_FIELD.parse("R", raw_R)
            except ReglabInputError:
                problems.append(translate("page.geometry.query.R", lang,
                                          value=str(raw_R)[:40]))
        if values["loss"] == "custom" and values["w1"] == 0 and values["w2"] == 0:
            problems.append(translate("page.geometry.error.origin", lang))
            values["w1"], values["w2"] = SPEC["w1"].default, SPEC["w2"].default
        return cls(**values), problems

    def to_query(self) -> dict[str, str]:
        """Return the state as URL query parameters (floats by ``repr``, exact)."""
        out = {name: field.format(getattr(self, name)) for name, field in SPEC.items()}
        out["p"] = p_query(self.p)
        if self.R is not None:
            out["R"] = R_FIELD.format(self.R)
        return out

    def problem(self) -> State:
        """Return the state without its cursor: what the frames depend on."""
        return replace(self, R=None)


def parse_p(text: object) -> float:
    """Return the exponent stop named by ``text`` (``"0.5"``, ``"inf"``, ``"Infinity"``, ``"∞"``).

    Raises
    ------
    ReglabInputError
        If ``text`` names no stop of :data:`P_STOPS`.
    """
    key = str(text).strip()
    try:
        p = math.inf if key.lower() in ("inf", "infinity", "∞") else float(key)
    except ValueError:
        raise ReglabInputError("p", f"must be one of {', '.join(P_LABELS)}", text) from None
    if p not in P_STOPS:
        raise ReglabInputError("p", f"must be one of {', '.join(P_LABELS)}", text)
    return p


def p_query(p: float) -> str:
    """Return the URL text of an exponent stop: ``"0.5"``, ``"inf"``."""
    return "inf" if math.isinf(p) else f"{p:g}"


# ---------------------------------------------------------------------------------------------
# The problem
# ---------------------------------------------------------------------------------------------
def make_penalty(state: State) -> Penalty:
    """Return the ball's penalty: ``Lp(p)`` or ``ElasticNet(a)``."""
    return Lp(state.p) if state.family == "lp" else ElasticNet(state.a)


@cache
def data_features(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Two standardized features and the target of a data set, as the page uses them.

    ``prostate``: ``lcavol`` and ``lweight`` of ESL's 67 training rows; ``diabetes``: ``bmi``
    and ``s5`` of all 442 patients. Each feature is centered and scaled to unit variance (the
    ``1/n`` variance, as ESL and glmnet); the target stays in its units. Read-only arrays.
    """
    from reglab.datasets import load_diabetes, load_prostate

    if name not in DATA_FEATURES:
        raise ReglabInputError("loss", f"must be one of {', '.join(DATA_FEATURES)}", name)
    data = load_prostate() if name == "prostate" else load_diabetes()
    if name == "prostate":
        X, y, _, _ = data.train_test()
    else:
        X, y = data.X, data.y
    X = X[:, [data.feature_names.index(f) for f in DATA_FEATURES[name]]]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X.setflags(write=False)
    y = np.array(y, dtype=float)
    y.setflags(write=False)
    return X, y


def make_loss(state: State) -> QuadraticLoss:
    """Return the loss of ``state``.

    ``custom``: :meth:`QuadraticLoss.from_axes` with center ``(w1, w2)``, the long semi-axis
    ``sqrt(ratio)`` at ``angle`` degrees and the short one ``1/sqrt(ratio)`` (the contour
    ``f = c0 + 1`` has the area of the unit disk whatever the ratio), ``c0 = 0``. A data set:
    :meth:`QuadraticLoss.from_data` of :func:`data_features` (``H = Xc^T Xc``,
    ``c0 = RSS_min``).
    """
    if state.loss == "custom":
        root = math.sqrt(state.ratio)
        return QuadraticLoss.from_axes([state.w1, state.w2], lengths=(root, 1.0 / root),
                                       angle=math.radians(state.angle))
    X, y = data_features(state.loss)
    return QuadraticLoss.from_data(X, y)


def loss_key(state: State) -> tuple:
    """Return what the loss of ``state`` (and so :func:`background`) depends on."""
    if state.loss == "custom":
        return ("custom", state.w1, state.w2, state.ratio, state.angle)
    return (state.loss,)


def r_grid(radius_star: float, n_below: int = N_BELOW, n_above: int = N_ABOVE,
           above: float = ABOVE) -> np.ndarray:
    """Return the ``R`` stops: ``n_below`` on ``[0, R*)``, ``R*``, ``n_above`` beyond it.

    ``n_above`` stops lie evenly on ``(R*, (1 + above) R*]``. ``R*`` (where the ball's boundary
    passes through ``w*``) is a stop exactly, so the first inactive frame is exactly the
    threshold.
    """
    radius_star = float(radius_star)
    if not (math.isfinite(radius_star) and radius_star > 0):
        raise ReglabInputError("R*", "must be a finite number > 0", radius_star)
    below = radius_star * np.arange(n_below) / n_below
    beyond = radius_star * (1.0 + above * np.arange(1, n_above + 1) / n_above)
    return np.concatenate([below, [radius_star], beyond])


def ball_boundaries(penalty: Penalty, Rs: Sequence[float], n_points: int = N_BALL
                    ) -> np.ndarray:
    """Boundaries of the balls of radii ``Rs``, shape ``(len(Rs), m, 2)`` (closed loops).

    The ℓp balls are homogeneous (``||w||_p <= R`` is ``R`` times the unit ball), so the unit
    boundary of :meth:`Penalty.ball_boundary` is computed once and scaled. The elastic-net ball
    ``a ||w||_1 + (1 - a)/2 ||w||^2 <= a R + (1 - a) R^2 / 2`` changes shape with ``R`` (a
    diamond for small ``R``, a disk for large ``R``): along a unit direction ``u`` its radius
    ``r`` solves ``a S1 r + (1 - a)/2 S2 r^2 = level`` with ``S1 = ||u||_1``,
    ``S2 = ||u||_2^2``, the closed form of :meth:`ElasticNet.boundary_radius`, vectorized here
    over directions and radii (in its cancellation-free form).
    """
    Rs = np.asarray(Rs, dtype=float)
    unit = penalty.ball_boundary(1.0, n_points)
    if not isinstance(penalty, ElasticNet) or penalty.l1_ratio in (0.0, 1.0):
        return Rs[:, None, None] * unit[None]
    a = penalty.l1_ratio
    directions = unit / np.linalg.norm(unit, axis=1, keepdims=True)
    s1 = np.sum(np.abs(directions), axis=1)
    s2 = np.sum(directions**2, axis=1)
    level = a * Rs + 0.5 * (1.0 - a) * Rs**2
    radii = 2.0 * level[:, None] / (a * s1 + np.sqrt((a * s1) ** 2
                                                      + 2.0 * (1.0 - a) * s2 * level[:, None]))
    return radii[:, :, None] * directions[None]


def solve_frames(loss: QuadraticLoss, penalty: Penalty, Rs: Sequence[float]
                 ) -> list[GeometrySolution]:
    """Solve the constrained problem at every radius of ``Rs``, in one batch.

    :func:`reglab.geometry.constrained_path`: the same answers as
    :func:`~reglab.geometry.constrained_minimum` radius by radius, with the work shared (one
    boundary scan of the unit ``Lp`` ball serves every radius).
    """
    return constrained_path(loss, penalty, np.asarray(Rs, dtype=float))


# ---------------------------------------------------------------------------------------------
# Texts
# ---------------------------------------------------------------------------------------------
def _point(w: np.ndarray) -> str:
    return f"({format_number(w[0])}, {format_number(w[1])})"


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _weight(j: int) -> str:
    return f"w{str(j + 1).translate(_SUB)}"


def _penalty_text(state: State) -> str:
    """``P(w)`` in plain Unicode, for readouts."""
    if state.family == "enet":
        return f"{format_number(state.a)}‖w‖₁ + {format_number((1 - state.a) / 2)}‖w‖₂²"
    if math.isinf(state.p):
        return "‖w‖∞"
    if state.p == 1:
        return "‖w‖₁"
    if state.p == 2:
        return "‖w‖₂²"
    return f"|w₁|^{p_label(state.p)} + |w₂|^{p_label(state.p)}"


def _ball_text(state: State, R: str) -> str:
    """Write the constraint in plain Unicode, with the frame's ``R``."""
    if state.family == "enet":
        a = format_number(state.a)
        return f"P(w) ≤ {a}·R + (1 − {a})·R²/2, R = {R}"
    if math.isinf(state.p):
        return f"‖w‖∞ = max(|w₁|, |w₂|) ≤ R = {R}"
    if state.p in (1.0, 2.0, 3.0):
        return f"‖w‖{p_label(state.p).translate(_SUB)} ≤ R = {R}"
    return f"‖w‖ₚ ≤ R = {R} (p = {p_label(state.p)})"


def _status(sol: GeometrySolution, radius_star: float, lang: Language) -> str:
    if not sol.active:
        return translate("page.geometry.status.inactive", lang, R_star=format_number(radius_star))
    if sol.face == "origin":
        return translate("page.geometry.status.origin", lang)
    if sol.sparse:
        zero = sol.zero_coordinates[0]
        return translate("page.geometry.status.sparse", lang, zero=_weight(zero),
                         other=_weight(1 - zero), w=_point(sol.w),
                         level=format_number(sol.level))
    return translate("page.geometry.status.dense", lang, w=_point(sol.w),
                     level=format_number(sol.level))


def _certificate(sol: GeometrySolution, convex: bool, lang: Language) -> str:
    residual = format_number(sol.kkt_residual, 2)
    if not sol.certified:
        text = translate("page.geometry.certificate.failed", lang, value=residual)
        return f"{text} ({sol.note})" if sol.note else text
    key = "page.geometry.certificate.ok" if convex else "page.geometry.certificate.local"
    return translate(key, lang, value=residual)


def _minima_text(sol: GeometrySolution, lang: Language) -> str:
    if len(sol.local_minima) < 2:
        return ""
    items = []
    for m in sol.local_minima:
        key = "page.geometry.minimum.global" if m.is_global else "page.geometry.minimum.local"
        items.append(translate(key, lang, w=_point(m.w), f=format_number(m.loss),
                               lam=format_number(m.lam)))
    return translate("page.geometry.minima", lang, count=len(sol.local_minima)) + " " + \
        "; ".join(items)


def importance_text(imp: Importance, lang: Language) -> str:
    """Answer "which weight is important?" honestly, as Markdown (from :func:`importance`).

    The lasso removes, for every small L1 ball, the weight whose error slope at the origin,
    ``2 |(H w*)_j|``, is smaller; with correlated weights a weight can reach zero first and
    come back (with the other sign) further down the path.
    """
    slopes = ", ".join(format_number(s) for s in imp.slopes_at_origin)
    parts = []
    if imp.removed is None:
        parts.append(translate("page.geometry.importance.tie", lang, slopes=slopes))
    else:
        parts.append(translate(
            "page.geometry.importance.removed", lang, removed=_weight(imp.removed),
            kept=_weight(imp.kept), slopes=slopes, R=format_number(imp.R_removed),
            lam=format_number(imp.lam_removed)))
    if imp.first_zero is not None and imp.comes_back:
        parts.append(translate(
            "page.geometry.importance.comes_back", lang, first=_weight(imp.first_zero),
            R=format_number(imp.R_first_zero)))
    elif imp.removed is not None and imp.first_zero not in (None, imp.removed):
        parts.append(translate("page.geometry.importance.first_zero", lang,
                               first=_weight(imp.first_zero), R=format_number(imp.R_first_zero)))
    curvatures = imp.axis_curvatures
    if imp.removed is not None and math.isclose(curvatures[0], curvatures[1], rel_tol=1e-9):
        # equal curvatures (standardized features): the rule names no axis at all
        parts.append(translate("page.geometry.importance.curvature_tie", lang,
                               curvatures=", ".join(format_number(c) for c in curvatures)))
    elif imp.removed is not None:  # with a tie nothing is removed first: no rule to test
        key = ("page.geometry.importance.curvature_agrees" if imp.curvature_rule_agrees
               else "page.geometry.importance.curvature_fails")
        parts.append(translate(key, lang, flattest=_weight(imp.flattest_axis),
                               curvatures=", ".join(format_number(c)
                                                    for c in imp.axis_curvatures)))
    parts.append(translate("page.geometry.importance.drop_costs", lang,
                           costs=", ".join(format_number(c) for c in imp.drop_costs)))
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------
def _rings(loss: QuadraticLoss, levels: np.ndarray) -> np.ndarray:
    """Return the contours ``f = level``, shape ``(len(levels), N_RING, 2)`` (NaN for NaN).

    The contour of level ``c0 + e`` is ``w* + sqrt(e) (u - w*)`` with ``u`` the contour of level
    ``c0 + 1`` (:meth:`QuadraticLoss.ellipse`: its semi-axes grow as ``sqrt(e)``), so one
    ellipse serves every level.
    """
    unit = loss.ellipse(loss.c0 + 1.0, N_RING) - loss.center
    excess = np.asarray(levels, dtype=float) - loss.c0
    scale = np.sqrt(np.where(excess >= 0, excess, np.nan))
    return loss.center + scale[:, None, None] * unit[None]


def compute_frames(state: State, lang: Language) -> FrameStack:
    """One frame per ``R`` stop of :func:`r_grid` for the loss and ball of ``state``.

    The frames run from the largest ``R`` down to ``R = 0``: by increasing ``λ`` (strictly
    for convex balls), the order of every λ cursor in the lab (the λ face runs left to right,
    the R face in reverse).

    Views (per frame, except where noted):

    ``ball``
        ``x, y``: the ball's boundary (a closed loop).
    ``tangent``
        ``x, y``: the global solution when the constraint is active (NaN otherwise: no
        tangent point is drawn when ``w*`` is inside the ball).
    ``interior``
        ``x, y``: the solution ``w*`` when the constraint is inactive (NaN otherwise).
    ``ring``
        ``x, y``: the exact contour ``f = f(ŵ)`` through it (NaN when inactive).
    ``locals``
        ``x, y``: the other local minima (``p < 1``), NaN-padded to the largest count.
    ``local_rings``
        ``x, y``: the contour through each of them, loops separated by NaN.

    Values ``R``, ``lam`` (the multiplier; ``0`` on inactive frames), ``level`` (``f(ŵ)``),
    ``w1``, ``w2``, ``active``, ``sparse``, ``certified`` (0/1), ``kkt`` (relative KKT
    residual), ``n_minima`` and ``radius_star`` (the same in every frame). Texts ``R_label``
    and ``lam_label`` (the two faces of the cursor), ``readout`` (the numbers), ``objective``
    (the two forms of the problem with the frame's ``R`` and ``λ``), ``status`` (active or
    not, sparse or not), ``certificate`` and ``minima`` (``p < 1``: every local minimum).

    A radius where the multiplier is infinite (``R = 0`` for the balls that are smooth at
    the origin, whose gradient there is nonzero: ``λ → ∞``) has no frame.

    Raises
    ------
    ReglabInputError
        If the loss cannot be built (a degenerate data pair, say).
    """
    loss = make_loss(state)
    penalty = make_penalty(state)
    radius_star = penalty.radius(loss.center)
    Rs = r_grid(radius_star)[::-1].copy()  # decreasing R: increasing λ, the lab's frame order
    solutions = solve_frames(loss, penalty, Rs)
    keep = [k for k, sol in enumerate(solutions) if math.isfinite(sol.lam)]
    Rs = Rs[keep]
    solutions = [solutions[k] for k in keep]
    n = len(solutions)
    convex = penalty.convex

    balls = ball_boundaries(penalty, Rs)
    tangent = np.full((n, 1, 2), np.nan)
    interior = np.full((n, 1, 2), np.nan)
    levels = np.full(n, np.nan)  # the contour through the global point, if it touches
    others = [[m for m in sol.local_minima if not m.is_global] for sol in solutions]
    n_locals = max(1, max(len(o) for o in others))
    locals_ = np.full((n, n_locals, 2), np.nan)
    local_levels = np.full((n, n_locals), np.nan)
    for k, sol in enumerate(solutions):
        if sol.active:
            tangent[k, 0] = sol.w
            if sol.level > loss.c0:
                levels[k] = sol.level
        else:
            interior[k, 0] = sol.w
        for i, m in enumerate(others[k]):
            locals_[k, i] = m.w
            local_levels[k, i] = m.loss
    rings = _rings(loss, levels)
    # every local ring closed by a NaN row, so that one line glyph draws them apart
    local_rings = np.concatenate([_rings(loss, local_levels.ravel()),
                                  np.full((n * n_locals, 1, 2), np.nan)], axis=1)
    local_rings = local_rings.reshape(n, n_locals * (N_RING + 1), 2)

    lam = np.array([sol.lam for sol in solutions])
    W = np.array([sol.w for sol in solutions])
    R_labels = distinct_labels(Rs)
    # λ = 0 on every inactive frame: those stops of the λ face say which R they are.
    active = np.array([sol.active for sol in solutions])
    lam_labels = [translate("page.geometry.lam_inactive", lang, R=r) for r in R_labels]
    for k, label in zip(np.flatnonzero(active), distinct_labels(lam[active]), strict=True):
        lam_labels[k] = label
    p_text = _penalty_text(state)
    readout, objective, status, certificate, minima = [], [], [], [], []
    for k, sol in enumerate(solutions):
        readout.append(translate(
            "page.geometry.readout", lang, R=R_labels[k], lam=format_number(sol.lam),
            w=_point(sol.w), level=format_number(sol.level),
            Pw=format_number(penalty.value(sol.w))))
        objective.append(translate(
            "page.geometry.objective", lang, ball=_ball_text(state, R_labels[k]), P=p_text,
            lam=format_number(sol.lam)))
        status.append(_status(sol, radius_star, lang))
        certificate.append(_certificate(sol, convex, lang))
        minima.append(_minima_text(sol, lang))

    def xy(array: np.ndarray) -> dict[str, np.ndarray]:
        return {"x": array[..., 0], "y": array[..., 1]}

    return FrameStack(
        views={
            "ball": xy(balls),
            "tangent": xy(tangent),
            "interior": xy(interior),
            "ring": xy(rings),
            "locals": xy(locals_),
            "local_rings": xy(local_rings),
        },
        values={
            "R": Rs,
            "lam": lam,
            "level": np.array([sol.level for sol in solutions]),
            "w1": W[:, 0],
            "w2": W[:, 1],
            "active": active.astype(float),
            "sparse": np.array([float(sol.sparse) for sol in solutions]),
            "certified": np.array([float(sol.certified) for sol in solutions]),
            "kkt": np.array([sol.kkt_residual for sol in solutions]),
            "n_minima": np.array([float(len(sol.local_minima)) for sol in solutions]),
            "radius_star": np.full(n, radius_star),
        },
        texts={
            "R_label": R_labels,
            "lam_label": lam_labels,
            "readout": readout,
            "objective": objective,
            "status": status,
            "certificate": certificate,
            "minima": minima,
        },
    )


def frame_index(state: State, stack: FrameStack) -> int:
    """Return the frame the cursor of ``state`` shows: the stop nearest ``state.R``.

    Without an ``R``, the stop nearest ``0.4 R*``.
    """
    if state.R is None:
        target = DEFAULT_R_FRACTION * float(stack.values["radius_star"][0])
    else:
        target = state.R
    return stack.nearest("R", target)


# ---------------------------------------------------------------------------------------------
# Background
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Background:
    """The static part of the picture for one loss and ball family.

    Attributes
    ----------
    extent : float
        Half-width ``e`` of the square window ``[-e, e]^2`` (holds ``w*`` and every ball).
    w1, w2 : ndarray of shape (n,)
        Grid coordinates.
    F : ndarray of shape (n, n)
        ``f`` on the grid (``F[i, j] = f(w1[j], w2[i])``, :func:`reglab.geometry.level_grid`).
    levels : ndarray
        Increasing levels of the filled contour bands, from ``c0`` to ``max F`` (spaced so the
        ellipses are evenly spaced).
    center : ndarray of shape (2,)
        ``w*``.
    importance : Importance
        :func:`reglab.geometry.importance` of the loss (the L1 ball's answer).
    """

    extent: float
    w1: np.ndarray
    w2: np.ndarray
    F: np.ndarray
    levels: np.ndarray
    center: np.ndarray
    importance: Importance


def background(state: State) -> Background:
    """Compute the window, the loss on a grid for filled contours, ``w*`` and the importance.

    The window depends on the loss only, so that changing the ball keeps the picture still:
    the square ``[-e, e]^2`` with ``e = WINDOW ||w*||_1``. It holds ``w*`` and, for ``p >= 1``
    and the elastic net, the ball through ``w*`` (whose radius ``R*`` is at most
    ``||w*||_1``) with most of the stops beyond it; the long cusps of the balls with
    ``p < 1`` may leave it.
    """
    loss = make_loss(state)
    extent = WINDOW * float(np.sum(np.abs(loss.center)))
    W1, W2, F = level_grid(loss, extent, N_GRID)
    top = float(np.max(F))
    levels = loss.c0 + (np.arange(N_LEVELS + 1) / N_LEVELS) ** 2 * (top - loss.c0)
    return Background(extent, W1[0].copy(), W2[:, 0].copy(), F, levels, loss.center.copy(),
                      importance(loss))


# ---------------------------------------------------------------------------------------------
# Code
# ---------------------------------------------------------------------------------------------
def code_snippet(state: State) -> str:
    """Write a runnable Python snippet that recomputes the current view with reglab's API.

    It builds the loss and the ball, solves the constrained problem at the cursor's ``R``
    (exactly the frame's ``R``, written with all its digits), prints the tangent point, ``λ``,
    the level and the local minima, and draws the picture into ``geometry.png`` with
    :func:`reglab.figures.contours.contour_panel` (for ``p < 1``,
    :func:`reglab.figures.lp_local_minima_figure`, which marks every local minimum).
    """
    R = state.R if state.R is not None else 1.0
    nonconvex = state.family == "lp" and state.p < 1
    needs_math = state.loss == "custom" or (state.family == "lp" and math.isinf(state.p))
    reglab_imports = [
        ("from reglab.figures import lp_local_minima_figure" if nonconvex
         else "from reglab.figures.contours import contour_panel"),
        "from reglab.geometry import QuadraticLoss, constrained_minimum, importance",
        f"from reglab.penalties import {'Lp' if state.family == 'lp' else 'ElasticNet'}",
    ]
    lines = ["import math", ""] if needs_math else []
    if not nonconvex:
        lines += ["from matplotlib.figure import Figure", ""]
    if state.loss == "custom":
        lines += reglab_imports + [
            "",
            f"# f(w) = (w - w*)^T H (w - w*): minimum w* = ({state.w1!r}, {state.w2!r}),",
            f"# axis ratio {state.ratio!r}, long axis at {state.angle!r} degrees",
            f"ratio = {state.ratio!r}",
            f"loss = QuadraticLoss.from_axes([{state.w1!r}, {state.w2!r}],",
            "                                lengths=(math.sqrt(ratio), 1 / math.sqrt(ratio)),",
            f"                                angle=math.radians({state.angle!r}))",
        ]
    else:
        first, second = DATA_FEATURES[state.loss]
        loader = "load_prostate" if state.loss == "prostate" else "load_diabetes"
        lines += [f"from reglab.datasets import {loader}", *reglab_imports, "",
                  f"data = {loader}()"]
        if state.loss == "prostate":
            lines += ["X, y, _, _ = data.train_test()  # ESL's 67 training rows"]
        else:
            lines += ["X, y = data.X, data.y"]
        lines += [
            f"X = X[:, [data.feature_names.index({first!r}), data.feature_names.index("
            f"{second!r})]]",
            "X = (X - X.mean(axis=0)) / X.std(axis=0)  # standardized (1/n variance)",
            "loss = QuadraticLoss.from_data(X, y)  # H = Xc^T Xc, c0 = RSS_min",
        ]
    if state.family == "lp":
        p = "math.inf" if math.isinf(state.p) else repr(state.p)
        lines.append(f"penalty = Lp({p})")
    else:
        lines.append(f"penalty = ElasticNet({state.a!r})  # a ||w||_1 + (1 - a)/2 ||w||^2")
    lines += [
        f"R = {R!r}",
        "",
        "solution = constrained_minimum(loss, penalty, R)",
        'print("R* =", penalty.radius(loss.center), " active:", solution.active)',
        'print("w =", solution.w, " lambda =", solution.lam, " f(w) =", solution.level)',
        'print("sparse:", solution.sparse, " KKT residual:", solution.kkt_residual)',
        "for m in solution.local_minima:",
        '    print("global" if m.is_global else "local ", m.w, m.loss, m.lam)',
        "which = importance(loss)",
        'print("removed by small L1 balls: w%d" % (which.removed + 1)',
        '      if which.removed is not None else "tie")',
        "",
    ]
    if nonconvex:
        lines += [
            f"result = lp_local_minima_figure(loss=loss, p={state.p!r}, R=R, lang='en')",
            'result.figure.savefig("geometry.png")',
        ]
    else:
        lines += [
            "figure = Figure(figsize=(6, 6))",
            "contour_panel(figure.add_subplot(), loss, penalty, R, 'en', solution=solution)",
            'figure.savefig("geometry.png")',
        ]
    return "\n".join(lines) + "\n"
