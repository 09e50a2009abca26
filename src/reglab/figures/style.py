r"""How reglab's figures look and which font they speak Japanese with, without global state.

Japanese text is drawn with IPAex Gothic, the font shipped by the ``matplotlib-fontja``
package. That package calls its ``japanize()`` at import time, which registers the font with
matplotlib's font manager (harmless: a registry of available fonts) *and* sets
``rcParams["font.family"]`` for the whole process (not harmless: every later figure, in any
library, would change font). So it is imported here inside :func:`matplotlib.rc_context`, which
undoes the rcParams change on exit and keeps the registration; the font is then applied only
while a reglab figure is being drawn, by :func:`theme`.

Strings mix Japanese with mathtext (``"正則化の強さ $\lambda$"``). In such a string matplotlib's
mathtext draws the parts outside ``$...$`` with the font of the text itself (IPAex Gothic here)
and the math with ``rcParams["mathtext.fontset"]`` (DejaVu Sans by default), so both render.
For plain strings the family list ``[IPAexGothic, DejaVu Sans]`` lets Agg fall back glyph by
glyph to DejaVu Sans for the few symbols IPAex Gothic lacks.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reglab._validation import ReglabInputError
from reglab.figures.labels import check_lang

__all__ = [
    "COLORS",
    "FigureResult",
    "japanese_font_family",
    "japanese_font_path",
    "make_axes",
    "theme",
]

#: Colors used with one meaning across all figures (matplotlib's tab10, by role).
COLORS = {
    "data": "#1f77b4",
    "truth": "#2ca02c",
    "fit": "#d62728",
    "none": "#7f7f7f",
    "l2": "#1f77b4",
    "l1": "#d62728",
    "enet": "#9467bd",
    "lp": "#ff7f0e",
    "linf": "#8c564b",
    "ball": "#1f77b4",
    "contour": "#555555",
    "solution": "#d62728",
    "ols": "#000000",
    "train": "#1f77b4",
    "test": "#d62728",
    "lam_min": "#d62728",
    "lam_1se": "#2ca02c",
}


@cache
def _registered_font() -> tuple[str, str]:
    """Import matplotlib-fontja without letting its import-time ``japanize()`` leak out.

    Returns the font's family name and file path. The font file is also registered with the
    font manager explicitly, so this works whether or not the package was imported before.
    """
    with matplotlib.rc_context():
        fontja = importlib.import_module("matplotlib_fontja")
    path = fontja.get_font_ttf_path()
    font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    return family, path


def japanese_font_path() -> str:
    """Path of the Japanese font file (IPAex Gothic from ``matplotlib-fontja``)."""
    return _registered_font()[1]


def japanese_font_family() -> str:
    """Family name of the Japanese font, registered with matplotlib's font manager."""
    return _registered_font()[0]


def _rc(lang: str) -> dict[str, Any]:
    rc: dict[str, Any] = {
        "axes.titlesize": "medium",
        "axes.labelsize": "medium",
        "legend.fontsize": "small",
        "legend.framealpha": 0.9,
        "xtick.labelsize": "small",
        "ytick.labelsize": "small",
    }
    if lang == "ja":
        rc["font.family"] = [japanese_font_family(), "DejaVu Sans"]
    return rc


@contextmanager
def theme(lang: str) -> Iterator[None]:
    """Temporarily set the fonts and sizes of reglab's figures (restored on exit).

    Every text object created inside keeps the font it was created with, so a figure drawn
    inside this context can be saved later, outside it, with the same look.
    """
    with matplotlib.rc_context(_rc(check_lang(lang))):
        yield


def make_axes(
    ax: Axes | Sequence[Axes] | np.ndarray | None,
    shape: tuple[int, int] = (1, 1),
    *,
    figsize: tuple[float, float] = (6.4, 4.8),
    **subplot_kw: Any,
) -> tuple[Figure, np.ndarray]:
    """Return the figure and a flat array of ``rows * cols`` axes to draw on.

    Parameters
    ----------
    ax : Axes, sequence of Axes, or None
        Where to draw. ``None`` makes a new :class:`matplotlib.figure.Figure` (not through
        pyplot, so nothing is registered globally) with constrained layout.
    shape : (int, int)
        The panels the figure needs, as ``(rows, cols)``.
    figsize : (float, float)
        Size in inches of a new figure.
    **subplot_kw
        Passed to :meth:`Figure.subplots` for a new figure (``sharex``, ``subplot_kw``...).
    """
    count = shape[0] * shape[1]
    if ax is None:
        figure = Figure(figsize=figsize, layout="constrained")
        axes = np.atleast_1d(figure.subplots(*shape, squeeze=False, **subplot_kw).ravel())
        return figure, axes
    axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
    if axes.size != count or not all(isinstance(a, Axes) for a in axes):
        raise ReglabInputError("ax", f"must be None or {count} matplotlib Axes", ax)
    return _root_figure(axes[0]), axes


def _root_figure(ax: Axes) -> Figure:
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10: ax.figure is the root unless in a SubFigure
        figure = ax.figure
        return getattr(figure, "figure", figure)


@dataclass(eq=False)
class FigureResult:
    """What a figure function drew: the figure, its axes and the artists that carry content.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    axes : ndarray of Axes
        The panels, flat, in reading order.
    artists : dict
        The main artists by role, e.g. ``"tangent"`` (the marked solution), ``"coef_lines"``,
        ``"lam_min_lines"``. Their data are what the figure shows, so tests read them.
    data : dict
        The computed objects the figure shows (a path, a CV result, a geometry solution...).
    """

    figure: Figure
    axes: np.ndarray
    artists: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def savefig(self, filename: str, **kwargs: Any) -> None:
        """Save the figure (``dpi=150`` unless given)."""
        kwargs.setdefault("dpi", 150)
        self.figure.savefig(filename, **kwargs)
