r"""Figure 13: how often the contour touches the ball on an axis, penalty by penalty.

The fractions and their 95% Wilson intervals come from
:func:`reglab.geometry.sparsity_experiment`: seeded random losses whose minimum lies outside
the ball, each constrained problem solved exactly, a solution counted sparse when it sits on
an axis (a structural decision, not a tolerance).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from reglab.figures.labels import text
from reglab.figures.style import COLORS, FigureResult, make_axes, theme
from reglab.geometry import sparsity_experiment
from reglab.penalties import L1, L2, ElasticNet, Lp, Penalty

__all__ = ["default_penalties", "sparsity_experiment_figure"]


def default_penalties(lang: str = "en") -> dict[str, Penalty]:
    """Return the penalties of the default figure, keyed by their (mathtext) label."""
    return {
        "$L_2$": L2(),
        r"$L_\infty$": Lp(math.inf),
        text("enet_ball", lang, a="0.5"): ElasticNet(0.5),
        "$L_1$": L1(),
        "$L_{0.5}$": Lp(0.5),
    }


def sparsity_experiment_figure(
    ax=None,
    *,
    penalties: dict[str, Penalty] | None = None,
    families: Sequence[str] = ("symmetric", "elongated"),
    n_trials: int = 2000,
    seed: int = 0,
    R: float = 1.0,
    lang: str = "ja",
) -> FigureResult:
    r"""Figure 13: the fraction of random problems whose constrained solution has an exact zero.

    One group of bars per penalty, one bar per loss family (``"symmetric"``: circular
    contours; ``"elongated"``: random ellipses), with 95% Wilson confidence intervals. The
    smooth L2 ball essentially never gives a zero; the corners of L1 and of the elastic net and
    the cusps of ``p < 1`` often do; the L∞ square has its corners off the axes.

    Parameters
    ----------
    ax : Axes or None
    penalties : dict label -> Penalty, optional
        Default :func:`default_penalties`.
    families : sequence of {"symmetric", "elongated"}
    n_trials, seed, R
        Passed to :func:`reglab.geometry.sparsity_experiment`.
    lang : {"ja", "en"}

    Returns
    -------
    FigureResult
        ``artists["bars"]``: one BarContainer per family (heights = fractions);
        ``artists["errorbars"]``; ``data["results"]``: family -> list of
        :class:`~reglab.geometry.SparsityResult`.
    """
    penalties = penalties if penalties is not None else default_penalties(lang)
    labels = list(penalties)
    results = {family: sparsity_experiment(penalties, n_trials, family=family, seed=seed, R=R)
               for family in families}
    width = 0.8 / max(len(families), 1)
    colors = [COLORS["l2"], COLORS["lp"], COLORS["enet"], COLORS["truth"]]
    with theme(lang):
        figure, axes = make_axes(ax, figsize=(8.0, 4.6))
        panel = axes[0]
        positions = np.arange(len(labels))
        bars, errorbars = [], []
        for i, family in enumerate(families):
            fractions = np.array([r.fraction for r in results[family]])
            low = np.array([r.ci_low for r in results[family]])
            high = np.array([r.ci_high for r in results[family]])
            offset = (i - 0.5 * (len(families) - 1)) * width
            bars.append(panel.bar(positions + offset, fractions, width * 0.92,
                                  color=colors[i % len(colors)], alpha=0.85,
                                  label=text(f"family_{family}", lang)))
            errorbars.append(panel.errorbar(positions + offset, fractions,
                                            yerr=np.maximum([fractions - low, high - fractions],
                                                            0.0),  # rounding at 0 and 1
                                            fmt="none",
                                            ecolor="black", elinewidth=1.2, capsize=3))
            for x, value, top in zip(positions + offset, fractions, high, strict=True):
                panel.annotate(f"{value:.2f}", (x, top), xytext=(0, 3),
                               textcoords="offset points", ha="center", va="bottom",
                               fontsize="x-small")
        panel.set_xticks(positions, labels)
        panel.tick_params(axis="x", labelsize="medium")
        panel.set_ylim(0.0, 1.1)
        panel.set_ylabel(text("sparse_fraction", lang))
        panel.legend(loc="upper left")
        panel.grid(axis="y", alpha=0.3)
        if ax is None:
            panel.set_title(text("sparsity_title", lang, trials=n_trials))
    return FigureResult(figure, axes, {"bars": bars, "errorbars": errorbars},
                        {"results": results, "labels": labels})
