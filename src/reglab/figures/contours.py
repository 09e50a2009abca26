r"""The constrained-form pictures: loss contours touching a norm ball (figures 5 to 9).

Two weights, the squared error ``f(w) = (w - w*)^T H (w - w*) + c0`` (a
:class:`reglab.geometry.QuadraticLoss`), and the ball ``P(w) <= P.level(R)``. Every point that
is marked comes from :mod:`reglab.geometry`, which computes it exactly: the tangent point and
its multiplier ``λ`` from :func:`~reglab.geometry.constrained_minimum`, the contour through it as
the exact ellipse :meth:`~reglab.geometry.QuadraticLoss.ellipse`, the order in which the lasso
drops the weights from :func:`~reglab.geometry.importance`. Nothing here is found by sampling.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba

from reglab.figures.labels import text
from reglab.figures.style import COLORS, FigureResult, make_axes, theme
from reglab.geometry import (
    GeometrySolution,
    QuadraticLoss,
    constrained_minimum,
    importance,
    level_grid,
)
from reglab.penalties import L1, L2, Lp, Penalty

__all__ = [
    "contour_panel",
    "default_loss",
    "importance_figure",
    "inactive_constraint_figure",
    "l1_corner_figure",
    "l2_tangent_figure",
    "lp_local_minima_figure",
]


def default_loss() -> QuadraticLoss:
    """Return the loss of figures 5-7: ``w* = (1.8, 1.3)``, tilted ellipses (semi-axes 1.4, 0.6).

    Its L2 solution at ``R = 1`` has both weights non-zero and its L1 solution sits on the
    corner ``(0, 1)``: the lecture's contrast with one loss.
    """
    return QuadraticLoss.from_axes([1.8, 1.3], lengths=(1.4, 0.6), angle=-0.5)


def _fmt(value: float) -> str:
    r"""Format a number for mathtext with 3 significant digits (``\infty`` for inf)."""
    if math.isinf(value):
        return r"\infty"
    return f"{value:.3g}"


def _extent(loss: QuadraticLoss, R: float, solution: GeometrySolution) -> tuple[float, ...]:
    """Return a square window holding the ball, the center ``w*`` and the touching contour."""
    points = [np.array([-1.25 * R, -1.25 * R]), np.array([1.25 * R, 1.25 * R]),
              loss.center, solution.w]
    if solution.level > loss.c0:
        points.extend(loss.ellipse(solution.level, 73))
    points = np.array(points)
    lo, hi = points.min(axis=0), points.max(axis=0)
    middle, half = 0.5 * (lo + hi), 0.5 * float(np.max(hi - lo)) * 1.08
    return (middle[0] - half, middle[0] + half, middle[1] - half, middle[1] + half)


def contour_panel(
    ax: Axes,
    loss: QuadraticLoss,
    penalty: Penalty,
    R: float,
    lang: str,
    *,
    solution: GeometrySolution | None = None,
    ball_color: str = COLORS["ball"],
    ball_label: str | None = None,
    n_levels: int = 9,
) -> dict:
    """Draw contours of ``loss``, the ball of radius ``R`` and the constrained solution.

    The solution is :func:`reglab.geometry.constrained_minimum` ``(loss, penalty, R)`` unless
    given. Returns the artists: ``"contours"``, ``"ball"``, ``"center"``, ``"tangent"`` (the
    marked solution, a Line2D with one point), ``"touching"`` (the exact contour through it,
    when the constraint is active).
    """
    if solution is None:
        solution = constrained_minimum(loss, penalty, R)
    extent = _extent(loss, R, solution)
    W1, W2, F = level_grid(loss, extent, 241)
    up_to = float(np.max(F))
    levels = loss.contour_levels(n_levels, up_to=loss.c0 + 0.9 * (up_to - loss.c0))
    artists: dict = {}
    artists["contours"] = ax.contour(W1, W2, F, levels=levels, colors=COLORS["contour"],
                                     linewidths=0.7, alpha=0.6)
    boundary = penalty.ball_boundary(R)
    artists["ball"] = ax.fill(boundary[:, 0], boundary[:, 1], fc=to_rgba(ball_color, 0.22),
                              ec=ball_color, lw=2, label=ball_label)[0]
    ax.axhline(0, color="0.55", lw=0.8, zorder=0)
    ax.axvline(0, color="0.55", lw=0.8, zorder=0)
    artists["center"] = ax.plot(*loss.center, "P", color=COLORS["ols"], ms=9, zorder=5,
                                label=text("ols_point", lang))[0]
    if solution.active:
        ring = loss.ellipse(solution.level)
        artists["touching"] = ax.plot(ring[:, 0], ring[:, 1], color=COLORS["solution"], lw=1.6,
                                      ls="--", label=text("touching_contour", lang))[0]
        artists["tangent"] = ax.plot(*solution.w, "o", color=COLORS["solution"], ms=9,
                                     mec="white", mew=1.5, zorder=6,
                                     label=text("solution", lang))[0]
    else:
        artists["tangent"] = ax.plot(*solution.w, "o", color=COLORS["solution"], ms=13,
                                     mfc="none", mew=2, zorder=6,
                                     label=text("solution", lang))[0]
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.set_xlabel(text("w1", lang))
    ax.set_ylabel(text("w2", lang))
    artists["solution"] = solution
    return artists


def _info_box(ax: Axes, message: str, *, loc: str = "lower left") -> object:
    x, ha = (0.03, "left") if "left" in loc else (0.97, "right")
    y, va = (0.03, "bottom") if "lower" in loc else (0.97, "top")
    return ax.text(x, y, message, transform=ax.transAxes, ha=ha, va=va, fontsize="small",
                   bbox={"boxstyle": "round", "fc": "white", "ec": "0.7", "alpha": 0.95},
                   zorder=10)


def _tangent_figure(ax, loss, penalty, R, lang, *, ball_key, color, title_key, note):
    with theme(lang):
        figure, axes = make_axes(ax, figsize=(6.0, 6.0))
        panel = axes[0]
        artists = contour_panel(panel, loss, penalty, R, lang, ball_color=color,
                                ball_label=text(ball_key, lang))
        solution = artists.pop("solution")
        message = text("R_and_lam", lang, R=_fmt(solution.R), lam=_fmt(solution.lam))
        message += "\n" + note(solution)
        artists["info"] = _info_box(panel, message, loc="lower left")
        panel.legend(loc="upper left", fontsize="x-small")
        if ax is None:
            panel.set_title(text(title_key, lang))
    return FigureResult(figure, axes, artists, {"solution": solution, "loss": loss})


def _zero_note(solution: GeometrySolution, lang: str) -> str:
    if solution.sparse and len(solution.zero_coordinates) == 1:
        name = f"w_{solution.zero_coordinates[0] + 1}"
        return text("zero_weight", lang, name=name)
    if not solution.active:
        return text("inactive_note", lang)
    return text("no_zero_weight", lang)


def l2_tangent_figure(
    ax=None, *, loss: QuadraticLoss | None = None, R: float = 1.0, lang: str = "ja"
) -> FigureResult:
    r"""Figure 5: the smallest contour touching the circle ``||w||_2 <= R``.

    The tangent point is :func:`reglab.geometry.constrained_minimum` ``(loss, L2(), R)``; the
    printed ``λ`` is its KKT multiplier, so the same point minimizes
    ``f(w) + λ ||w||_2^2``. Generically neither weight is zero.

    Returns
    -------
    FigureResult
        ``artists["tangent"]``: the marked point; ``data["solution"]``: the
        :class:`~reglab.geometry.GeometrySolution`.
    """
    loss = loss if loss is not None else default_loss()
    return _tangent_figure(ax, loss, L2(), R, lang, ball_key="l2_ball", color=COLORS["l2"],
                           title_key="l2_title",
                           note=lambda s: _zero_note(s, lang) if s.sparse or not s.active
                           else text("l2_note", lang))


def l1_corner_figure(
    ax=None, *, loss: QuadraticLoss | None = None, R: float = 1.0, lang: str = "ja"
) -> FigureResult:
    r"""Figure 6: the smallest contour touching the diamond ``||w||_1 <= R`` at a corner.

    With the default loss the solution of :func:`reglab.geometry.constrained_minimum` sits on
    the corner ``(0, R)``: ``w_1`` is exactly zero (decided by the subgradient test at the
    corner, not by a tolerance). The printed ``λ`` is the multiplier.

    Returns
    -------
    FigureResult
        ``artists["tangent"]``: the marked point; ``data["solution"]``.
    """
    loss = loss if loss is not None else default_loss()
    return _tangent_figure(ax, loss, L1(), R, lang, ball_key="l1_ball", color=COLORS["l1"],
                           title_key="l1_title", note=lambda s: _zero_note(s, lang))


def inactive_constraint_figure(
    ax=None,
    *,
    loss: QuadraticLoss | None = None,
    penalty: Penalty | None = None,
    R: float | None = None,
    lang: str = "ja",
) -> FigureResult:
    r"""Figure 7: ``R`` too large: ``w*`` lies inside the ball and the constraint is inactive.

    Then the constrained solution is ``w*`` itself and ``λ = 0`` (there is no tangent point);
    the plot says so. Default: the L2 ball with ``R = 1.25 ||w*||_2``.

    Returns
    -------
    FigureResult
        ``artists["tangent"]`` marks the solution (``= w*``); ``artists["info"]`` is the text
        that says the constraint is inactive; ``data["solution"]``.
    """
    loss = loss if loss is not None else default_loss()
    penalty = penalty if penalty is not None else L2()
    if R is None:
        R = 1.25 * penalty.radius(loss.center)
    with theme(lang):
        figure, axes = make_axes(ax, figsize=(6.0, 6.0))
        panel = axes[0]
        artists = contour_panel(panel, loss, penalty, R, lang, ball_color=COLORS["l2"],
                                ball_label=_ball_label(penalty, lang))
        solution = artists.pop("solution")
        message = text("R_and_lam", lang, R=_fmt(solution.R), lam=_fmt(solution.lam))
        message += "\n" + (text("inactive_note", lang) if not solution.active
                           else text("active_note", lang))
        artists["info"] = _info_box(panel, message, loc="lower left")
        panel.legend(loc="upper left", fontsize="x-small")
        if ax is None:
            panel.set_title(text("inactive_title", lang))
    return FigureResult(figure, axes, artists, {"solution": solution, "loss": loss})


def _ball_label(penalty: Penalty, lang: str) -> str:
    if isinstance(penalty, L1):
        return text("l1_ball", lang)
    if isinstance(penalty, L2):
        return text("l2_ball", lang)
    if isinstance(penalty, Lp):
        p = r"\infty" if math.isinf(penalty.p) else f"{penalty.p:g}"
        return text("lp_ball", lang, p=p)
    return repr(penalty)


def importance_figure(
    ax=None,
    *,
    loss: QuadraticLoss | None = None,
    R: float = 1.0,
    lang: str = "ja",
) -> FigureResult:
    r"""Figure 8: elongated contours decide which weight the L1 ball drives to zero.

    Default loss: ``w* = (1.5, 1.2)`` with axis-aligned contours, flat along ``w_1``
    (curvature ``H_11 = 0.25``) and steep along ``w_2`` (``H_22 = 4``). Moving ``w_1`` costs
    little error, so the lasso gives it up first: the constrained solution at ``R = 1`` is the
    corner with ``w_1 = 0``. The dotted line is the solution path as ``R`` shrinks from
    ``||w*||_1`` to 0 (:func:`reglab.geometry.constrained_minimum` at its breakpoints); the
    text gives the curvatures ``H_jj`` and the slopes ``|∂f/∂w_j(0)|`` of
    :func:`reglab.geometry.importance`: the weight with the smaller slope is the one the small
    L1 balls remove (``Importance.removed``).

    Returns
    -------
    FigureResult
        ``artists["tangent"]``, ``artists["path"]`` (x, y = the solutions along R);
        ``data["importance"]``: the :class:`~reglab.geometry.Importance`; ``data["solution"]``.
    """
    loss = loss if loss is not None else QuadraticLoss([1.5, 1.2], [[0.25, 0.0], [0.0, 4.0]])
    penalty = L1()
    ranking = importance(loss)
    with theme(lang):
        figure, axes = make_axes(ax, figsize=(6.4, 6.0))
        panel = axes[0]
        artists = contour_panel(panel, loss, penalty, R, lang, ball_color=COLORS["l1"],
                                ball_label=text("l1_ball", lang))
        solution = artists.pop("solution")
        # The 2-D lasso path is linear in R between its breakpoints, so its exact polyline
        # joins the solutions at w*, at every breakpoint and at the origin.
        radii = np.unique([penalty.radius(loss.center), 0.0,
                           *(event.R for event in ranking.events)])[::-1]
        trail = np.array([constrained_minimum(loss, penalty, r).w for r in radii])
        artists["path"] = panel.plot(trail[:, 0], trail[:, 1], ":", color=COLORS["l1"], lw=2,
                                     zorder=4)[0]
        lines = [text("weight_stats", lang, name=f"w_{j + 1}",
                      H=f"H_{{{j + 1}{j + 1}}} = {_fmt(ranking.axis_curvatures[j])}",
                      slope=f"|\\partial f / \\partial w_{j + 1}| = "
                            f"{_fmt(ranking.slopes_at_origin[j])}")
                 for j in (0, 1)]
        if ranking.removed is not None:
            lines.append(text("driven_to_zero", lang, name=f"w_{ranking.removed + 1}"))
        artists["info"] = _info_box(panel, "\n".join(lines), loc="lower left")
        # Arrows along the principal axes of the ellipses at w*, as long as the semi-axes of
        # one contour (the flat one scaled to a third of the window).
        curvatures, directions = ranking.eigen_curvatures, ranking.eigen_directions
        semi = 1.0 / np.sqrt(curvatures)
        semi *= (panel.get_xlim()[1] - panel.get_xlim()[0]) / 3.0 / semi.max()
        # Text below the tip of the flat arrow (ending right-aligned), beside the steep one.
        placements = {"flat_direction": {"xytext": (0, -8), "ha": "right", "va": "top"},
                      "steep_direction": {"xytext": (6, 0), "ha": "left", "va": "center"}}
        for k, key in ((0, "flat_direction"), (1, "steep_direction")):
            direction = directions[:, k] * np.sign(directions[np.argmax(
                np.abs(directions[:, k])), k])
            end = loss.center + semi[k] * direction
            panel.annotate("", end, loss.center,
                           arrowprops={"arrowstyle": "->", "color": "0.2", "lw": 1.4})
            panel.annotate(text(key, lang), end, textcoords="offset points",
                           fontsize="x-small", color="0.15", zorder=9,
                           bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                 "alpha": 0.85}, **placements[key])
        panel.legend(loc="upper left", fontsize="x-small")
        if ax is None:
            panel.set_title(text("importance_title", lang))
    return FigureResult(figure, axes, artists,
                        {"solution": solution, "importance": ranking, "loss": loss,
                         "path": trail})


def lp_local_minima_figure(
    ax=None,
    *,
    loss: QuadraticLoss | None = None,
    p: float = 0.5,
    R: float = 1.0,
    lang: str = "ja",
) -> FigureResult:
    r"""Figure 9: for ``p < 1`` the ball is star-shaped and the problem has several local minima.

    Every local minimum of ``f`` on ``||w||_p <= R`` reported by
    :func:`reglab.geometry.constrained_minimum` is marked with the contour through it; the
    global one is filled, the others hollow. Default loss: ``w* = (0.8, 0.6)``, contours
    elongated along the anti-diagonal, so both cusps on the axes are local minima.

    Returns
    -------
    FigureResult
        ``artists["minima"]``: one Line2D per local minimum (in the order of
        ``solution.local_minima``, global first); ``data["solution"]``.
    """
    loss = loss if loss is not None else QuadraticLoss.from_axes(
        [0.8, 0.6], lengths=(1.0, 0.5), angle=-math.pi / 4)
    penalty = Lp(p)
    with theme(lang):
        figure, axes = make_axes(ax, figsize=(6.0, 6.0))
        panel = axes[0]
        solution = constrained_minimum(loss, penalty, R)
        artists = contour_panel(panel, loss, penalty, R, lang, solution=solution,
                                ball_color=COLORS["lp"], ball_label=text("lp_ball", lang,
                                                                         p=f"{p:g}"))
        artists.pop("solution")
        # The generic panel marks the global solution; here every minimum gets its own mark.
        artists.pop("tangent").remove()
        if "touching" in artists:
            artists.pop("touching").remove()
        minima, labels = [], []
        for m in solution.local_minima:
            key = "global_min" if m.is_global else "local_min"
            ring = loss.ellipse(m.loss)
            panel.plot(ring[:, 0], ring[:, 1], color=COLORS["solution"], lw=1.3,
                       ls="--" if m.is_global else ":")
            mark = panel.plot(*m.w, "*" if m.is_global else "o", ms=16 if m.is_global else 10,
                              color=COLORS["solution"], mfc=COLORS["solution"] if m.is_global
                              else "white", mew=2, zorder=7, label=text(key, lang))[0]
            minima.append(mark)
            # The value of f beside the mark, pushed away from the origin (off the ball).
            norm = float(np.hypot(*m.w))
            away = m.w / norm if norm > 0 else np.array([1.0, 1.0]) / math.sqrt(2.0)
            labels.append(panel.annotate(
                f"$f = {_fmt(m.loss)}$", m.w, xytext=tuple(14 * away), textcoords="offset points",
                ha="left" if away[0] >= 0 else "right", va="bottom" if away[1] >= 0 else "top",
                fontsize="small", color=COLORS["solution"], zorder=8,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}))
        artists["minima"] = minima
        artists["minimum_labels"] = labels
        handles, names = panel.get_legend_handles_labels()
        unique = dict(zip(names, handles, strict=True))
        panel.legend(unique.values(), unique.keys(), loc="upper left", fontsize="x-small")
        if ax is None:
            panel.set_title(text("lp_title", lang, p=f"{p:g}"))
    return FigureResult(figure, axes, artists, {"solution": solution, "loss": loss})
