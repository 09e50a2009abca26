r"""Figure 4: the balls ``{w : P(w) <= P.level(R)}`` of the penalties, in two dimensions.

Each ball is drawn from :meth:`reglab.penalties.Penalty.ball_boundary`, which contains the
exact corners; for ``Lp`` that is ``||w||_p <= R``, for the elastic net
``a ||w||_1 + (1 - a)/2 ||w||_2^2 <= a R + (1 - a) R^2 / 2``, which meets the axes at ``±R``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.colors import to_rgba

from reglab.figures.labels import text
from reglab.figures.style import COLORS, FigureResult, make_axes, theme
from reglab.penalties import L1, L2, ElasticNet, Lp

__all__ = ["unit_balls_figure"]


def _p_label(p: float) -> str:
    return r"\infty" if math.isinf(p) else f"{p:g}"


def _p_color(p: float) -> str:
    if p < 1:
        return COLORS["lp"]
    if p == 1:
        return COLORS["l1"]
    if p == 2:
        return COLORS["l2"]
    return COLORS["linf"] if math.isinf(p) else "#e377c2"


def _p_note(p: float) -> str:
    if p < 1:
        return "nonconvex"
    if p == 1:
        return "corners_on_axes"
    if math.isinf(p):
        return "corners_off_axes"
    return "round"


def unit_balls_figure(
    ax=None,
    *,
    ps: Sequence[float] = (0.5, 1.0, 1.5, 2.0, math.inf),
    l1_ratio: float = 0.5,
    R: float = 1.0,
    lang: str = "ja",
) -> FigureResult:
    r"""Figure 4: the balls ``||w||_p <= R`` for several p, and the elastic-net ball.

    One panel per p, then one for the elastic net with mixing ``l1_ratio`` (its L1 and L2
    balls of the same R dashed for comparison). Every ball meets the axes at ``±R``.

    Parameters
    ----------
    ax : sequence of ``len(ps) + 1`` Axes, or None
    ps : sequence of float, default (0.5, 1, 1.5, 2, inf)
    l1_ratio : float, default 0.5
        The elastic net's ``a`` (scikit-learn's ``l1_ratio``).
    R : float, default 1.0
    lang : {"ja", "en"}

    Returns
    -------
    FigureResult
        ``artists["balls"]``: one filled Polygon per panel (its vertices are the boundary);
        ``data["penalties"]``: the penalty of each panel.
    """
    penalties = [Lp(float(p)) for p in ps] + [ElasticNet(l1_ratio)]
    count = len(penalties)
    cols = 3 if count > 4 else count
    rows = -(-count // cols)
    limit = 1.25 * R
    with theme(lang):
        figure, axes = make_axes(ax, (rows, cols), figsize=(3.0 * cols + 0.6, 3.1 * rows + 0.5))
        balls = []
        for panel, penalty in zip(axes, penalties, strict=False):
            boundary = penalty.ball_boundary(R)
            if isinstance(penalty, ElasticNet):
                color, title = COLORS["enet"], text("enet_ball", lang, a=f"{l1_ratio:g}")
                note = text("enet_note", lang)
                for reference, key, style in ((L1(), "l1_ref", ":"), (L2(), "l2_ref", "--")):
                    edge = reference.ball_boundary(R)
                    panel.plot(edge[:, 0], edge[:, 1], ls=style, lw=1.2, color="0.35",
                               label=text(key, lang))
                panel.legend(loc="lower right", fontsize="x-small", handlelength=1.8,
                             borderaxespad=0.2)
            else:
                p = penalty.p
                color = _p_color(p)
                title = text("p_equals", lang, p=_p_label(p))
                note = text(_p_note(p), lang)
            balls.append(panel.fill(boundary[:, 0], boundary[:, 1], fc=to_rgba(color, 0.25),
                                    ec=color, lw=2)[0])
            panel.axhline(0, color="0.6", lw=0.8, zorder=0)
            panel.axvline(0, color="0.6", lw=0.8, zorder=0)
            panel.plot([R, -R, 0, 0], [0, 0, R, -R], "o", ms=3.5, color="black")
            panel.set_title(title)
            panel.text(0.03, 0.97, note, transform=panel.transAxes, ha="left", va="top",
                       fontsize="small")
            panel.set_xlim(-limit, limit)
            panel.set_ylim(-limit, limit)
            panel.set_aspect("equal")
            panel.set_xticks([-R, 0, R], ["$-R$", "0", "$R$"])
            panel.set_yticks([-R, 0, R], ["$-R$", "0", "$R$"])
            panel.set_xlabel(text("w1", lang), labelpad=0)
            panel.set_ylabel(text("w2", lang), labelpad=0)
        for panel in axes[count:]:
            panel.set_visible(False)
        if ax is None:
            figure.suptitle(text("balls_title", lang, R=f"{R:g}"))
    return FigureResult(figure, axes, {"balls": balls},
                        {"penalties": penalties, "R": R, "boundaries": [
                            np.asarray(b.get_xy()) for b in balls]})
