r"""Figures of a regularization path and its cross-validation (figures 10 and 11).

The path is ``λ ↦ w(λ) = argmin ||y - b - Xw||² + λ P(w)`` from :func:`reglab.paths.fit_path`
(exact for ridge and lasso), the CV curve the K-fold mean squared error of
:func:`reglab.selection.cross_validate` with its standard error, ``λ_min`` and ``λ_1se``. Both
are drawn against λ on a log axis, increasing to the right, so the model gets simpler to the
right (glmnet's convention).

By default they show the lasso on the prostate data (ESL §3.4, Fig. 3.10): the 67 training
rows of the book's split, the 8 predictors standardized, 10-fold CV with seed 0.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reglab.figures.labels import text
from reglab.figures.style import COLORS, FigureResult, make_axes, theme
from reglab.paths import RegularizationPath, fit_path
from reglab.penalties import L1, L2, ElasticNet, Lp, Penalty
from reglab.selection import CVResult, cross_validate

__all__ = ["cv_curve_figure", "path_and_cv_figure", "solution_path_figure"]

# Minimum distance between two labelled ticks of the top axis, as a fraction of its log width.
_MIN_LABEL_GAP = 0.035

# The legend names at most this many features (a CSV may have hundreds): the first to enter.
_MAX_LEGEND = 12


def _prostate_training_rows():
    from reglab.datasets import load_prostate

    data = load_prostate()
    X_train, y_train, _, _ = data.train_test()
    return X_train, y_train, data.feature_names


def default_path(penalty: Penalty | None = None) -> RegularizationPath:
    """Return the lasso (or ``penalty``) path on the prostate training rows, standardized."""
    X, y, names = _prostate_training_rows()
    return fit_path(X, y, penalty or L1(), standardize=True, feature_names=names)


def default_cv(path: RegularizationPath, *, folds: int = 10, seed: int = 0) -> CVResult:
    """K-fold CV of ``path``'s penalty on ``path``'s data and λ grid."""
    design = path.design
    X = design.X * design.x_scale + design.x_mean
    y = design.y + design.y_mean
    return cross_validate(X, y, path.penalty, folds=folds, seed=seed,
                          standardize=design.standardize, lams=path.lams)


def _penalty_name(penalty: Penalty, lang: str) -> str:
    if isinstance(penalty, L1) or (isinstance(penalty, Lp) and penalty.p == 1):
        return text("penalty_l1", lang)
    if isinstance(penalty, L2) or (isinstance(penalty, Lp) and penalty.p == 2):
        return text("penalty_l2", lang)
    if isinstance(penalty, ElasticNet):
        return f"elastic net ($\\alpha = {penalty.l1_ratio:g}$)"
    return text("penalty_other", lang, name=repr(penalty))


def _positive(lams: np.ndarray) -> np.ndarray:
    """Mask of the λ that a log axis can show."""
    return np.asarray(lams) > 0


def _path_points(path: RegularizationPath, standardized: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return the λ (decreasing, > 0) and the coefficients to draw: grid and breakpoints.

    A lasso path is linear between its breakpoints; drawing only the grid would round its
    kinks off, so on a path with breakpoints they are added (the solution there is exact).
    """
    lams = path.lams[_positive(path.lams)]
    breakpoints = np.asarray(getattr(path, "breakpoints", ()), dtype=float)
    extra = breakpoints[(breakpoints > lams.min()) & (breakpoints < lams.max())]
    if not (path.exact and extra.size):
        coefs = path.coefs_std if standardized else path.coefs
        return lams, coefs[_positive(path.lams)]
    lams = np.unique(np.concatenate([lams, extra]))[::-1]
    coefs_std = path.coefs_std_at(lams)
    return lams, coefs_std if standardized else path.design.to_user_scale(coefs_std)[0]


def _legend_features(coefs: np.ndarray) -> list[int]:
    """Return the features the legend names, in order: all, or the ``_MAX_LEGEND`` first in.

    ``coefs`` runs from large λ to small; a feature enters at its first non-zero row (ties,
    a ridge path's say, go to the larger coefficient over the path).
    """
    p = coefs.shape[1]
    if p <= _MAX_LEGEND:
        return list(range(p))
    nonzero = coefs != 0
    entry = np.where(nonzero.any(axis=0), nonzero.argmax(axis=0), coefs.shape[0])
    order = np.lexsort((-np.abs(coefs).max(axis=0), entry))
    return sorted(order[:_MAX_LEGEND].tolist(), key=lambda j: (entry[j], j))


def _thin_labels(positions: np.ndarray, labels: list[str], width: float) -> list[str]:
    """Blank the labels of ticks too close to the last labelled one, from large λ to small.

    Too close means less than ``_MIN_LABEL_GAP * width`` apart in log10 λ; the ticks stay.
    """
    kept: list[str] = []
    last = math.inf
    for position, label in zip(positions, labels, strict=True):
        if last - position >= _MIN_LABEL_GAP * width:
            kept.append(label)
            last = position
        else:
            kept.append("")
    return kept


def _support_ticks(path: RegularizationPath) -> tuple[np.ndarray, list[str]] | None:
    """λ of the events (decreasing) and the number of non-zeros just below each.

    On an exact path the support is constant between consecutive events, so it is read at the
    geometric midpoint of each segment; on a grid path, at the grid point where the event was
    seen.
    """
    events = sorted({event.lam for event in path.events if event.lam > 0}, reverse=True)
    if not events:
        return None
    lams = np.array(events)
    if path.exact:
        smallest = float(path.lams[_positive(path.lams)].min())
        below = np.r_[lams[1:], min(smallest, lams[-1] / 2)]
        probes = np.sqrt(lams * below)
        counts = [int(np.count_nonzero(path.coef_std_at(lam)[0])) for lam in probes]
    else:
        index = {float(lam): i for i, lam in enumerate(path.lams)}
        counts = [int(path.nonzero[index[float(lam)]]) for lam in lams]
    return lams, [str(c) for c in counts]


def _top_axis(ax: Axes, path: RegularizationPath, lang: str):
    """Add a secondary x axis on top: non-zeros at the events, or df if there are none."""
    top = ax.secondary_xaxis("top")
    lo, hi = (float(v) for v in ax.get_xlim())
    width = math.log10(hi / lo)
    ticks = _support_ticks(path)
    if ticks is not None:
        lams, labels = ticks
        inside = (lams >= lo) & (lams <= hi)
        lams, labels = lams[inside], [label for label, ok in zip(labels, inside, strict=True) if ok]
        labels = _thin_labels(np.log10(lams), labels, width)
        top.set_xlabel(text("nonzero_axis", lang), fontsize="small")
    else:
        lams = np.geomspace(hi, lo, 7)[1:-1]
        labels = [f"{path.df_at(lam):.1f}" for lam in lams]
        top.set_xlabel(text("df_axis", lang), fontsize="small")
    top.set_xticks(lams, labels, fontsize="x-small")
    top.minorticks_off()
    return top, lams


def _mark_lambdas(ax: Axes, cv: CVResult, lang: str, *, labels: bool) -> dict:
    lines = {}
    for key in ("lam_min", "lam_1se"):
        value = getattr(cv, key)
        label = text(f"{key}_is", lang, value=f"{value:.3g}") if labels else None
        lines[key] = ax.axvline(value, color=COLORS[key], ls="--", lw=1.2, label=label)
    return lines


def solution_path_figure(
    ax=None,
    *,
    path: RegularizationPath | None = None,
    penalty: Penalty | None = None,
    cv: CVResult | None = None,
    standardized: bool | None = None,
    lang: str = "ja",
) -> FigureResult:
    r"""Figure 10: the coefficients ``w_j(λ)`` against λ (log scale), non-zeros on a top axis.

    Parameters
    ----------
    ax : Axes or None
    path : RegularizationPath, optional
        Default: :func:`default_path` with ``penalty`` (the lasso on the prostate data).
    penalty : Penalty, optional
        Used only to build the default path.
    cv : CVResult, optional
        When given, ``λ_min`` and ``λ_1se`` are marked with vertical lines.
    standardized : bool, optional
        Plot ``path.coefs_std`` (coefficients of the standardized features, what the penalty
        sees) instead of ``path.coefs`` (the user's scale). Default: whether the path was
        standardized.
    lang : {"ja", "en"}

    Returns
    -------
    FigureResult
        ``artists["coef_lines"]``: one Line2D per feature (x = ``data["lams"]``: the positive
        ``path.lams`` plus, on an exact lasso path, its breakpoints inside that range; y = the
        coefficient, equal to ``path.coefs`` on the grid); ``artists["top_axis"]``: the
        secondary axis, whose ticks are at the events (``data["top_ticks"]``);
        ``artists["lam_min"]``, ``artists["lam_1se"]`` when ``cv`` is given.
    """
    if path is None:
        path = default_path(penalty)
    if standardized is None:
        standardized = path.design.standardize
    lams, coefs = _path_points(path, standardized)
    with theme(lang):
        figure, axes = make_axes(ax, figsize=(7.6, 4.8))
        panel = axes[0]
        lines = []
        for j, name in enumerate(path.design.feature_names):
            lines.append(panel.plot(lams, coefs[:, j], lw=1.6, label=name)[0])
        panel.axhline(0.0, color="0.5", lw=0.8, zorder=0)
        panel.set_xscale("log")
        panel.set_xlim(lams.min(), lams.max())
        panel.set_xlabel(text("lam_axis", lang))
        panel.set_ylabel(text("coef_axis_std" if standardized else "coef_axis", lang))
        artists: dict = {"coef_lines": lines}
        if cv is not None:
            artists.update(_mark_lambdas(panel, cv, lang, labels=False))
        top, top_ticks = _top_axis(panel, path, lang)
        artists["top_axis"] = top
        named = _legend_features(coefs)
        handles = [lines[j] for j in named]
        if len(named) < len(lines):  # an empty entry that says how many are not named
            handles.append(panel.plot([], [], ls="none", label=text(
                "more_features", lang, count=len(lines) - len(named)))[0])
        panel.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                     borderaxespad=0.0, fontsize="small")
        if ax is None:
            figure.suptitle(text("path_title", lang, penalty=_penalty_name(path.penalty, lang)))
    return FigureResult(figure, axes, artists,
                        {"path": path, "lams": lams, "coefs": coefs, "top_ticks": top_ticks})


def cv_curve_figure(
    ax=None,
    *,
    cv: CVResult | None = None,
    path: RegularizationPath | None = None,
    folds: int = 10,
    seed: int = 0,
    lang: str = "ja",
) -> FigureResult:
    r"""Figure 11: the K-fold CV error with ±1 standard error bars, ``λ_min`` and ``λ_1se``.

    ``λ_min`` minimizes the mean CV error; ``λ_1se`` is the largest λ whose mean error is within
    one standard error of that minimum (the dotted horizontal line), see
    :mod:`reglab.selection`.

    Parameters
    ----------
    ax : Axes or None
    cv : CVResult, optional
        Default: :func:`default_cv` of ``path`` (``folds``-fold, seeded).
    path : RegularizationPath, optional
        Default: :func:`default_path`. Used for the default ``cv`` and for the top axis
        (non-zero coefficients); without it and with ``cv`` given there is no top axis.
    lang : {"ja", "en"}

    Returns
    -------
    FigureResult
        ``artists["errorbar"]``: the ErrorbarContainer (its line has x = ``cv.lams``,
        y = ``cv.mean_error``); ``artists["lam_min"]``, ``artists["lam_1se"]``: the vertical
        lines; ``artists["one_se_level"]``: the horizontal line.
    """
    if cv is None:
        path = path if path is not None else default_path()
        cv = default_cv(path, folds=folds, seed=seed)
    show = _positive(cv.lams)
    with theme(lang):
        figure, axes = make_axes(ax, figsize=(7.6, 4.4))
        panel = axes[0]
        bars = panel.errorbar(cv.lams[show], cv.mean_error[show], yerr=cv.se[show], fmt="o",
                              ms=3.5, color=COLORS["fit"], ecolor="0.65", elinewidth=1,
                              capsize=2, label=text("cv_error", lang))
        level = cv.mean_error[cv.index_min] + cv.se[cv.index_min]
        one_se = panel.axhline(level, color="0.4", ls=":", lw=1, label=text("one_se_level", lang))
        panel.set_xscale("log")
        panel.set_xlim(cv.lams[show].min(), cv.lams[show].max())
        artists = {"errorbar": bars, "one_se_level": one_se}
        artists.update(_mark_lambdas(panel, cv, lang, labels=True))
        panel.set_xlabel(text("lam_axis", lang))
        panel.set_ylabel(text("cv_error", lang))
        panel.legend(loc="upper left", fontsize="small")
        if path is not None:
            artists["top_axis"] = _top_axis(panel, path, lang)[0]
        if ax is None:
            panel.set_title(text("cv_title", lang, folds=cv.folds))
    return FigureResult(figure, axes, artists, {"cv": cv, "path": path})


def path_and_cv_figure(path: RegularizationPath, cv: CVResult, lang: str = "en") -> Figure:
    r"""Draw the path on top and its CV curve below, λ_min and λ_1se marked on both.

    This is what ``reglab path --plot FILE`` saves.

    Parameters
    ----------
    path : RegularizationPath
    cv : CVResult
        Cross-validation on (ideally) the same λ grid.
    lang : {"ja", "en"}, default "en"

    Returns
    -------
    matplotlib.figure.Figure
    """
    with theme(lang):
        figure = Figure(figsize=(8.0, 7.6), layout="constrained")
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(1.25, 1.0))
        solution_path_figure(top, path=path, cv=cv, lang=lang)
        cv_curve_figure(bottom, cv=cv, lang=lang)
        lo = min(path.lams[_positive(path.lams)].min(), cv.lams[_positive(cv.lams)].min())
        hi = max(path.lams.max(), cv.lams.max())
        top.set_xlim(lo, hi)
        top.set_xlabel("")
        figure.suptitle(text("path_title", lang, penalty=_penalty_name(path.penalty, lang)))
        bottom.set_title(text("cv_title", lang, folds=cv.folds))
    return figure
