r"""Page "Overfitting and regularization": a polynomial fit, its coefficients, errors and path.

The frames come from :mod:`reglab.lab.pages.overfitting_frames` (exact ridge path, exact
lasso homotopy, or warm-started solves with certificates, for the objective

.. math::

    E(w, b) = \sum_{n=1}^{N} \Bigl(y_n - b - \sum_{j=1}^{M} w_j \phi_j(x_n)\Bigr)^2
              + \lambda P(w)

with ``b`` unpenalized). This module only draws them: four Bokeh plots linked to one λ cursor
(a λ face and an R face over the same frames), the objective written out with the numbers of
the shown frame, the controls that change the problem (recomputed on the server), "Show
code", downloads, and the page's state in its URL.

Decision on ``M >= N`` (more coefficients than the data can determine): the page allows it.
Least squares then has infinitely many solutions; the λ = 0 frame shows the one the path
ends at (the minimum-norm solution for ridge, no penalty, elastic net and Lp; the end of
the exact homotopy for the lasso) and a note on the page says so. Every λ > 0 of ridge
still has a unique solution, which is the point of regularization.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import panel as pn
from bokeh.models import (
    ColumnDataSource,
    FixedTicker,
    Grid,
    Legend,
    LegendItem,
    LogAxis,
    LogScale,
    Range1d,
    Span,
)
from bokeh.palettes import Viridis256
from bokeh.plotting import figure

from reglab._validation import ReglabInputError
from reglab.datasets import TRUE_CURVES
from reglab.lab.controls import (
    KEYS,
    Field,
    MessageArea,
    code_panel,
    export_download,
    figure_downloads,
    frame_for_lambda,
    lambda_cursor,
    page_query,
    read_query,
    released_slider,
    sync_to_url,
)
from reglab.lab.i18n import Language, format_number, translate
from reglab.lab.pages import PageInfo
from reglab.lab.pages.overfitting_frames import (
    PENALTIES,
    SPEC,
    OverfittingView,
    State,
    code_snippet,
    compute,
)
from reglab.lab.scrub import ARIA_LABEL_TAG, Scrubber, replace_data

__all__ = ["LAM_FIELD", "PAGE", "SCALE_FIELD", "build_page", "objective_latex", "render_figure"]

SLUG = "overfitting"
NAME = "overfitting"  # prefix of every Bokeh model name on the page (the tests find them)

LAM_FIELD = Field(float, 0.0, 0.0, None)
"""The λ cursor in the URL (``?lam=``, exact float); absent: the frame of lowest test error."""

SCALE_FIELD = Field(str, "linear", choices=("linear", "log"))
"""The coefficient view in the URL (``?scale=``): bars of ``w_j`` or ``|w_j|`` on a log axis."""

_COLORS = {"data": "#1f77b4", "test": "#8c8c8c", "truth": "#2ca02c", "fit": "#d62728",
           "train": "#1f77b4", "test_error": "#d62728", "bar": "#9467bd", "zero": "#000000",
           "cursor": "#444444"}
_PLOT_TOOLS = "pan,box_zoom,reset,save"


def _t(key: str, lang: Language, **fmt: object) -> str:
    return translate(f"page.{SLUG}.{key}", lang, **fmt)


# -------------------------------------------------------------------------------------------
# The objective, in MathJax
# -------------------------------------------------------------------------------------------
_PHI = {"monomial": r"x_n^{{j}}", "scaled": r"t_n^{{j}}", "legendre": r"P_j(t_n)",
        "chebyshev": r"T_j(t_n)"}


def objective_latex(state: State) -> tuple[str, str | None]:
    r"""Return the penalized and the constrained form of ``state``'s problem, in LaTeX.

    Both forms share the squared error ``Σ (y_n - b - Σ_j w_j φ_j(x_n))²``; the penalty is
    written with its factors ``v_j = j^γ`` when ``γ > 0``. Without a penalty there is no
    constrained form (``None``).
    """
    phi = _PHI[state.basis].replace("{{j}}", "{j}")
    loss = (r"\sum_{n=1}^{N}\Bigl(y_n - b - \sum_{j=1}^{M} w_j\," + phi + r"\Bigr)^2")
    v = r"v_j\," if state.gamma else ""
    if not state.has_penalty:
        return rf"E(\mathbf{{w}}, b) = {loss}", None
    a, p = format_number(state.l1_ratio), format_number(state.p)
    penalty = {
        "l2": rf"\sum_{{j=1}}^{{M}} {v}w_j^2",
        "l1": rf"\sum_{{j=1}}^{{M}} {v}|w_j|",
        "enet": (rf"\sum_{{j=1}}^{{M}} {v}\Bigl({a}\,|w_j| + \tfrac{{1 - {a}}}{{2}}\,w_j^2"
                 r"\Bigr)"),
        "lp": rf"\sum_{{j=1}}^{{M}} {v}|w_j|^{{{p}}}",
    }[state.penalty]
    level = {"l2": "R^2", "l1": "R", "enet": rf"{a}\,R + \tfrac{{1 - {a}}}{{2}}\,R^2",
             "lp": rf"R^{{{p}}}"}[state.penalty]
    weights = (rf",\qquad v_j = j^{{{format_number(state.gamma)}}}" if state.gamma else "")
    return (rf"E(\mathbf{{w}}, b) = {loss} + \lambda\, {penalty}{weights}",
            rf"\min_{{\mathbf{{w}}, b}}\ {loss}\quad \text{{s.t.}}\quad {penalty}"
            rf"\ \le\ {level}")


class _Formula:
    """The objective and its constrained form: a sentence and a MathJax pane for each."""

    def __init__(self, state: State, lang: Language):
        self.lang = lang
        style = {"font-size": "15px"}
        self.penalized = pn.pane.LaTeX("", renderer="mathjax", styles=style, margin=(0, 10))
        self.constrained = pn.pane.LaTeX("", renderer="mathjax", styles=style, margin=(0, 10))
        self.constrained_label = pn.pane.Markdown(_t("formula.constrained", lang),
                                                  margin=(0, 10))
        self.panel = pn.Column(pn.pane.Markdown(_t("formula.penalized", lang), margin=(0, 10)),
                               self.penalized, self.constrained_label, self.constrained,
                               sizing_mode="stretch_width")
        self.update(state)

    def update(self, state: State) -> None:
        penalized, constrained = objective_latex(state)
        self.penalized.object = f"$${penalized}$$"
        self.constrained.object = f"$${constrained}$$" if constrained else ""
        self.constrained.visible = self.constrained_label.visible = constrained is not None


# -------------------------------------------------------------------------------------------
# The downloadable figure: the shown frame drawn with matplotlib
# -------------------------------------------------------------------------------------------
def render_figure(view: OverfittingView, index: int, lang: Language, fmt: str) -> bytes:
    """Draw frame ``index`` of ``view`` (fit, coefficients, errors, path) and return its bytes.

    ``fmt`` is ``"png"`` or ``"svg"``. The drawing uses :func:`reglab.figures.style.theme`,
    so Japanese labels get the lab's font and no global matplotlib state changes.
    """
    from matplotlib.figure import Figure

    from reglab.figures.style import theme

    if fmt not in ("png", "svg"):
        raise ReglabInputError("fmt", "must be 'png' or 'svg'", fmt)
    stack = view.stack
    frame = stack.frame(index)
    values = stack.frame_values(index)
    with theme(lang):
        fig = Figure(figsize=(11.0, 7.6), layout="constrained")
        (ax_fit, ax_coef), (ax_err, ax_path) = fig.subplots(2, 2)
        ax_fit.plot(view.x_test, view.y_test, ".", color=_COLORS["test"], ms=3,
                    label=_t("legend.test_data", lang))
        ax_fit.plot(view.x_grid, view.truth, color=_COLORS["truth"],
                    label=_t("legend.truth", lang))
        ax_fit.plot(view.x_grid, frame["fit"]["y"], color=_COLORS["fit"], lw=2,
                    label=_t("legend.fit", lang))
        ax_fit.plot(view.x, view.y, "o", mfc="white", mec=_COLORS["data"],
                    label=_t("legend.data", lang))
        ax_fit.set_ylim(*view.ranges["y"])
        ax_fit.set_xlabel("x")
        ax_fit.set_ylabel("y")
        ax_fit.legend(loc="lower left", fontsize="small")
        ax_fit.set_title(_t("plot.fit", lang))
        j, w = frame["coef"]["j"], frame["coef"]["w"]
        ax_coef.bar(j, w, color=_COLORS["bar"])
        zeros = j[w == 0]
        ax_coef.plot(zeros, np.zeros(zeros.size), "x", color=_COLORS["zero"], ms=8,
                     label=_t("legend.zero", lang) if zeros.size else None)
        ax_coef.axhline(0.0, color="0.5", lw=0.8)
        ax_coef.set_ylim(*view.ranges["coef"])
        ax_coef.set_xlabel(_t("axis.j", lang))
        ax_coef.set_ylabel("$w_j$")
        ax_coef.set_title(_t("plot.coef", lang))
        if zeros.size:
            ax_coef.legend(loc="upper right", fontsize="small")
        positive = view.lams > 0
        for column, label, color in ((view.train_rmse, _t("legend.train", lang),
                                      _COLORS["train"]),
                                     (view.test_rmse, _t("legend.test", lang),
                                      _COLORS["test_error"])):
            ax_err.plot(view.lam_x[positive], column[positive], color=color, label=label)
            ax_err.plot(view.lam_x[~positive], column[~positive], "o", color=color, ms=4)
        for ax in (ax_err, ax_path):
            ax.set_xscale("log")
            ax.set_xlim(*view.ranges["lam_x"])
            ax.axvline(values["lam_x"], color=_COLORS["cursor"], ls="--", lw=1)
            ax.set_xlabel(_t("axis.lambda_zero", lang))
            if not positive.all():  # the λ = 0 end, one decade left of the stops
                ax.annotate("0", (view.lam_x[0], 0.0), xycoords=("data", "axes fraction"),
                            xytext=(0, -14), textcoords="offset points", ha="center")
        ax_err.set_ylim(*view.ranges["error"])
        ax_err.set_ylabel(_t("axis.rmse", lang))
        ax_err.set_title(_t("plot.errors", lang))
        ax_err.legend(loc="upper left", fontsize="small")
        if view.coefs.shape[1]:
            ax_path.plot(view.lam_x[positive], view.coefs[positive], lw=1)
        ax_path.set_ylim(*view.ranges["coef"])
        ax_path.set_ylabel("$w_j$")
        ax_path.set_title(_t("plot.path", lang))
        fig.suptitle(_t("figure_title", lang, lam=format_number(values["lam"]),
                        R=format_number(values["R"]), M=view.state.degree, N=view.state.n))
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=120)
    return buffer.getvalue()


# -------------------------------------------------------------------------------------------
# The Bokeh plots
# -------------------------------------------------------------------------------------------
def _static_data(view: OverfittingView) -> dict[str, dict[str, Any]]:
    """Columns of the sources that change with the problem but not with λ."""
    positive = view.lams > 0
    # The λ = 0 end sits left of the stops; NaN breaks the lines between it and them.
    gap = np.where(positive, view.lam_x, np.nan)
    xs = [view.lam_x[positive].tolist() for _ in range(view.coefs.shape[1])]
    ys = [view.coefs[positive, j].tolist() for j in range(view.coefs.shape[1])]
    degree = max(view.coefs.shape[1], 1)
    colors = [Viridis256[int(220 * j / max(degree - 1, 1))] for j in range(view.coefs.shape[1])]
    zero = ~positive
    return {
        "data": {"x": view.x, "y": view.y},
        "test": {"x": view.x_test, "y": view.y_test},
        "truth": {"x": view.x_grid, "y": view.truth},
        "errors": {"x": np.where(np.isnan(gap), np.nan, view.lam_x),
                   "train": np.where(positive, view.train_rmse, np.nan),
                   "test": np.where(positive, view.test_rmse, np.nan)},
        "errors_zero": {"x": view.lam_x[zero], "train": view.train_rmse[zero],
                        "test": view.test_rmse[zero]},
        "paths": {"xs": xs, "ys": ys, "color": colors},
    }


def _lambda_ticks(view: OverfittingView) -> tuple[list[float], dict[float, str]]:
    """Decade ticks of the log λ axis and the tick "0" at the λ = 0 end."""
    low, high = view.ranges["lam_x"]
    first, last = int(np.ceil(np.log10(low))), int(np.floor(np.log10(high)))
    step = max(1, int(np.ceil((last - first + 1) / 7)))
    zero_x = float(view.lam_x[0]) if view.lams[0] == 0 else None
    ticks, labels = [], {}
    for k in range(last, first - 1, -step):
        value = 10.0**k
        if zero_x is not None and value < zero_x * 10**0.5:
            continue  # keep the "0" tick readable
        ticks.append(value)
        labels[value] = format_number(value, 2)
    if zero_x is not None:
        ticks.append(zero_x)
        labels[zero_x] = "0"
    return sorted(ticks), labels


class _Plots:
    """The page's Bokeh figures and the sources they draw, for one scrubber."""

    def __init__(self, view: OverfittingView, scrub: Scrubber, lang: Language, scale: str):
        data = _static_data(view)
        self.sources = {key: ColumnDataSource(data=columns, name=f"{NAME}.{key}")
                        for key, columns in data.items()}
        src = self.sources
        ranges = view.ranges
        width, height = 500, 330

        fit = figure(title=_t("plot.fit", lang), width=width, height=height,
                     x_range=Range1d(-0.02, 1.02), y_range=Range1d(*ranges["y"]),
                     tools=_PLOT_TOOLS, name=f"{NAME}.fit_plot")
        fit.scatter("x", "y", source=src["test"], size=3, color=_COLORS["test"], alpha=0.6,
                    legend_label=_t("legend.test_data", lang))
        fit.line("x", "y", source=src["truth"], color=_COLORS["truth"], line_width=2,
                 alpha=0.8, legend_label=_t("legend.truth", lang))
        fit.line("x", "y", source=scrub.sources["fit"], color=_COLORS["fit"], line_width=3,
                 legend_label=_t("legend.fit", lang))
        fit.scatter("x", "y", source=src["data"], size=8, fill_color="white",
                    line_color=_COLORS["data"], line_width=2,
                    legend_label=_t("legend.data", lang))
        fit.xaxis.axis_label, fit.yaxis.axis_label = "x", "y"
        fit.legend.location = "bottom_left"
        fit.legend.background_fill_alpha = 0.7
        fit.legend.label_text_font_size = "11px"

        # One coefficient plot with two faces: bars of w_j on the linear axis, or bars of
        # |w_j| on a log axis (an extra y range with a log scale). The toggle flips which
        # face is visible; a hidden second plot fed by the same frames would re-measure its
        # layout at every λ step.
        M = view.coefs.shape[1]
        coef = figure(title=_t("plot.coef", lang), width=width, height=height,
                      x_range=Range1d(0.4, max(M, 1) + 0.6), y_range=Range1d(*ranges["coef"]),
                      extra_y_ranges={"log": Range1d(*ranges["coef_log"])},
                      extra_y_scales={"log": LogScale()}, tools=_PLOT_TOOLS,
                      name=f"{NAME}.coef_plot")
        linear = [
            coef.vbar(x="j", top="w", width=0.7, source=scrub.sources["coef"],
                      color=_COLORS["bar"]),
            coef.scatter("j", "zero", source=scrub.sources["coef"], marker="x", size=11,
                         line_width=2.5, color=_COLORS["zero"]),
            coef.yaxis[0], coef.ygrid[0],
        ]
        coef.yaxis.axis_label = "w_j"
        self.log_bars = coef.vbar(x="j", top="mag", bottom=ranges["coef_log"][0], width=0.7,
                                  source=scrub.sources["coef"], color=_COLORS["bar"],
                                  y_range_name="log")
        log_zero = coef.scatter("j", "zero_log", source=scrub.sources["coef"], marker="x",
                                size=11, line_width=2.5, color=_COLORS["zero"],
                                y_range_name="log")
        log_axis = LogAxis(y_range_name="log", axis_label="|w_j|", name=f"{NAME}.coef_log_axis")
        coef.add_layout(log_axis, "left")
        log_grid = Grid(dimension=1, y_range_name="log", ticker=log_axis.ticker,
                        grid_line_color=coef.ygrid[0].grid_line_color)
        coef.add_layout(log_grid)
        logarithmic = [self.log_bars, log_zero, log_axis, log_grid]
        for face, zero in ((linear, linear[1]), (logarithmic, log_zero)):
            legend = Legend(items=[LegendItem(label=_t("legend.zero", lang), renderers=[zero])],
                            location="top_right", background_fill_alpha=0.7)
            coef.add_layout(legend)
            face.append(legend)
        coef.xaxis.axis_label = _t("axis.j", lang)
        self.coef_faces = {"linear": linear, "log": logarithmic}
        self.coef_titles = {"linear": _t("plot.coef", lang), "log": _t("plot.coef_log", lang)}

        errors = figure(title=_t("plot.errors", lang), width=width, height=height,
                        x_axis_type="log", x_range=Range1d(*ranges["lam_x"]),
                        y_range=Range1d(*ranges["error"]), tools=_PLOT_TOOLS,
                        name=f"{NAME}.errors_plot")
        errors.line("x", "train", source=src["errors"], color=_COLORS["train"], line_width=2,
                    legend_label=_t("legend.train", lang))
        errors.line("x", "test", source=src["errors"], color=_COLORS["test_error"],
                    line_width=2, legend_label=_t("legend.test", lang))
        errors.scatter("x", "train", source=src["errors_zero"], color=_COLORS["train"], size=6)
        errors.scatter("x", "test", source=src["errors_zero"], color=_COLORS["test_error"],
                       size=6)
        errors.scatter("x", "y", source=scrub.sources["errdot"], size=10, fill_color="white",
                       line_color="black", line_width=2)
        errors.xaxis.axis_label = _t("axis.lambda_zero", lang)
        errors.xaxis.ticker = FixedTicker(ticks=[], minor_ticks=[])  # λ ticks: _set_ticks
        errors.yaxis.axis_label = _t("axis.rmse", lang)
        errors.legend.location = "top_left"
        errors.legend.background_fill_alpha = 0.7

        path = figure(title=_t("plot.path", lang), width=width, height=height,
                      x_axis_type="log", x_range=errors.x_range,
                      y_range=Range1d(*ranges["coef"]), tools=_PLOT_TOOLS,
                      name=f"{NAME}.path_plot")
        path.multi_line("xs", "ys", source=src["paths"], line_color="color", line_width=1.5)
        path.scatter("x", "y", source=scrub.sources["pathdot"], size=6, color="black")
        path.xaxis.axis_label = _t("axis.lambda_zero", lang)
        path.xaxis.ticker = FixedTicker(ticks=[], minor_ticks=[])  # λ ticks: _set_ticks
        path.yaxis.axis_label = "w_j"

        self.cursors = []
        for plot, name in ((errors, "err_cursor"), (path, "path_cursor")):
            span = Span(dimension="height", line_color=_COLORS["cursor"], line_dash="dashed",
                        line_width=1.5, name=f"{NAME}.{name}")
            plot.add_layout(span)
            scrub.bind(span, "location", "lam_x")
            self.cursors.append(span)
        for plot in (fit, coef, errors, path):
            plot.toolbar.logo = None
        self.fit, self.coef, self.errors, self.path = fit, coef, errors, path
        self.show_coef_face(scale)
        self._set_ticks(view)
        scrub.draw_on_overlay(fit, coef, errors, path)

    def show_coef_face(self, scale: str) -> None:
        """Show the coefficients on the ``"linear"`` or the ``"log"`` axis."""
        for name, models in self.coef_faces.items():
            for model in models:
                model.visible = name == scale
        self.coef.title.text = self.coef_titles[scale]

    def _set_ticks(self, view: OverfittingView) -> None:
        ticks, labels = _lambda_ticks(view)
        for plot in (self.errors, self.path):
            # in place: a new ticker model would make Bokeh re-walk every model of the
            # document (~0.1 s) at each recompute
            plot.xaxis[0].ticker.ticks = ticks
            plot.xaxis[0].major_label_overrides = labels

    def set_coef_range(self, low: float, high: float) -> None:
        """Set the linear coefficient axis (bars and path)."""
        self.coef.y_range.update(start=low, end=high)
        self.path.y_range.update(start=low, end=high)

    def update(self, view: OverfittingView) -> None:
        """Show a recomputed problem: static sources, axis ranges, ticks (λ frames: scrub)."""
        for key, columns in _static_data(view).items():
            replace_data(self.sources[key], columns)  # the data points stay, say, as M moves
        ranges = view.ranges
        self.fit.y_range.update(start=ranges["y"][0], end=ranges["y"][1])
        M = view.coefs.shape[1]
        self.coef.x_range.update(start=0.4, end=max(M, 1) + 0.6)
        self.coef.y_range.update(start=ranges["coef"][0], end=ranges["coef"][1])
        self.coef.extra_y_ranges["log"].update(start=ranges["coef_log"][0],
                                               end=ranges["coef_log"][1])
        self.log_bars.glyph.bottom = ranges["coef_log"][0]
        self.errors.x_range.update(start=ranges["lam_x"][0], end=ranges["lam_x"][1])
        self.errors.y_range.update(start=ranges["error"][0], end=ranges["error"][1])
        self.path.y_range.update(start=ranges["coef"][0], end=ranges["coef"][1])
        self._set_ticks(view)


# -------------------------------------------------------------------------------------------
# The page
# -------------------------------------------------------------------------------------------
def _named_slider(kind: type, label: str, **params: Any) -> Any:
    """Make a released slider whose handle carries ``label`` as its accessible name."""
    return released_slider(kind, label=label, tags=[ARIA_LABEL_TAG + label], **params)


def _widgets(state: State, lang: Language, live: bool) -> dict[str, Any]:
    """One widget per field of :data:`SPEC`, labelled in ``lang`` (disabled without a server)."""
    common = {"disabled": not live, "width": 260, "margin": (4, 10)}
    curve_options = {_t(f"curve.{name}", lang): name for name in TRUE_CURVES}
    basis_options = {translate(f"basis.{name}", lang): name for name in SPEC["basis"].choices}
    penalty_options = {translate(f"penalty.{name}", lang): name for name in PENALTIES}
    return {
        # No bounds on the number boxes: a value typed out of range reaches the server,
        # which says what is wrong (and keeps the previous value) instead of clamping it.
        "n": pn.widgets.IntInput(label=translate("control.n_samples", lang), value=state.n,
                                 step=1, **common),
        "noise": pn.widgets.FloatInput(label=translate("control.noise", lang),
                                       value=state.noise, step=0.05, **common),
        "seed": pn.widgets.IntInput(label=translate("control.seed", lang), value=state.seed,
                                    step=1, **common),
        "curve": pn.widgets.Select(label=_t("control.curve", lang), options=curve_options,
                                   value=state.curve, **common),
        "degree": _named_slider(int, translate("control.degree", lang), start=0,
                                  end=int(SPEC["degree"].high), step=1, value=state.degree,
                                  **common),
        "basis": pn.widgets.Select(label=translate("control.basis", lang),
                                   options=basis_options, value=state.basis, **common),
        "penalty": pn.widgets.Select(label=translate("control.penalty", lang),
                                     options=penalty_options, value=state.penalty, **common),
        "l1_ratio": _named_slider(float, translate("control.l1_ratio", lang),
                                    start=0.0, end=1.0, step=0.05, value=state.l1_ratio,
                                    **common),
        "p": _named_slider(float, translate("control.p", lang),
                             start=float(SPEC["p"].low), end=float(SPEC["p"].high), step=0.1,
                             value=state.p, **common),
        "gamma": _named_slider(float, _t("control.gamma", lang), start=0.0,
                                 end=float(SPEC["gamma"].high), step=0.25, value=state.gamma,
                                 **common),
    }


def _show_penalty_controls(widgets: Mapping[str, Any], state: State) -> None:
    """Show the mix α, the exponent p and γ only where the penalty uses them."""
    widgets["l1_ratio"].visible = state.penalty == "enet"
    widgets["p"].visible = state.penalty == "lp"
    widgets["gamma"].visible = state.penalty != "none"


def _label(widgets: Mapping[str, Any], name: str) -> str:
    return widgets[name].label


def _problem_text(view: OverfittingView, lang: Language) -> str:
    kind = _t(f"path_kind.{view.path_kind}", lang)
    kappa = format_number(view.condition)
    frames = view.stack.n_frames
    if frames == 1:  # least squares: one solution, no path to scrub
        return _t("problem_single", lang, kappa=kappa, kind=kind)
    return _t("problem", lang, kappa=kappa, kind=kind, frames=frames)


def read_state(query: Mapping[str, str], lang: Language) -> tuple[dict[str, Any], list[str]]:
    """Read the page's URL query: its typed values (controls, ``lam``, ``scale``) and problems."""
    return read_query(query, {**SPEC, "lam": LAM_FIELD, "scale": SCALE_FIELD}, lang)


def build_page(lang: Language, *, live: bool = True,
               state: Mapping[str, str] | None = None) -> pn.viewable.Viewable:
    """Build the page in ``lang``, starting from the query ``state`` (or the served URL's).

    Invalid query entries keep their default and are listed in a message at the top; the
    λ cursor starts at ``?lam=`` (nearest frame, λ = 0 exactly) or, by default, at the frame
    of lowest test error. With ``live=False`` (a saved file) the problem controls are
    disabled and the downloads left out; the λ cursor and the coefficient view still work.
    """
    query = page_query(state)
    values, problems = read_state(query, lang)
    current = State.from_values(values)
    view = compute(current, lang)
    start = view.start
    if "lam" in query and current.has_penalty:
        try:
            start = frame_for_lambda(view.stack, LAM_FIELD.parse("lam", query["lam"]))
        except ReglabInputError:
            pass  # read_query has reported it; the cursor starts at the default frame
    scale = values["scale"]

    scrub = Scrubber(view.stack, name=NAME, index=start)
    plots = _Plots(view, scrub, lang, scale)
    plots.set_coef_range(*view.coef_range(start))
    cursor = lambda_cursor(scrub, lang, live=live, width=440, margin=(4, 10))
    for slider in (cursor.lam_slider, cursor.R_slider):
        slider.disabled = not current.has_penalty
    # A fixed height: a readout that changed height would re-lay out the page at every step.
    readout = scrub.readout("readout", render_as_text=False, width=980, height=110,
                            margin=(4, 10), styles={"font-size": "14px", "line-height": "1.5"})

    messages = MessageArea("warning")
    messages.show(*problems)
    notes = MessageArea("info")
    notes.show(*view.notes)
    problem_info = pn.pane.Markdown(_problem_text(view, lang), margin=(0, 12), width=260,
                                    styles={"font-size": "13px", "color": "#444"})
    formula = _Formula(current, lang)

    widgets = _widgets(current, lang, live)
    _show_penalty_controls(widgets, current)

    scale_toggle = pn.widgets.RadioButtonGroup(
        options={_t("scale.linear", lang): "linear", _t("scale.log", lang): "log"},
        value=scale, margin=(4, 10))
    # In the browser, so it works in a saved file too.
    scale_toggle.jscallback(value="const lin = cb_obj.active == 0;"
                                  "for (const m of linear) { m.visible = lin }"
                                  "for (const m of log) { m.visible = !lin }"
                                  "title.text = lin ? titles[0] : titles[1]",
                            args={"linear": plots.coef_faces["linear"],
                                  "log": plots.coef_faces["log"], "title": plots.coef.title,
                                  "titles": [plots.coef_titles["linear"],
                                             plots.coef_titles["log"]]})

    card, show_code = code_panel(lang)
    page: dict[str, Any] = {"state": current, "view": view, "busy": False}

    def refresh_code(*_: object) -> None:
        # Only an open card is kept current; opening it brings it up to date.
        if not card.collapsed:
            show_code(code_snippet(page["state"], cursor.lam if cursor.lam is not None else 0.0))

    show_code(code_snippet(current, cursor.lam if cursor.lam is not None else 0.0))

    def recompute(new: State) -> None:
        started = time.perf_counter()
        try:
            new_view = compute(new, lang)
        except ReglabInputError as error:  # pragma: no cover - the states are checked first
            messages.show(translate("message.input_error", lang, message=str(error)))
            _restore(page["state"])
            return
        old: State = page["state"]
        lam = cursor.lam if cursor.lam is not None else 0.0
        if new.has_penalty and old.has_penalty:
            index = frame_for_lambda(new_view.stack, lam)
        else:
            index = new_view.start
        with pn.io.hold():
            scrub.update(new_view.stack, index)
            plots.update(new_view)
            plots.set_coef_range(*new_view.coef_range(index))
            for slider in (cursor.lam_slider, cursor.R_slider):
                slider.disabled = not new.has_penalty
            _show_penalty_controls(widgets, new)
            notes.show(*new_view.notes)
            problem_info.object = _problem_text(new_view, lang)
            formula.update(new)
            page.update(state=new, view=new_view)
            cursor.refresh()
            refresh_code()
        page["seconds"] = time.perf_counter() - started

    def _restore(state: State) -> None:
        page["busy"] = True
        try:
            for name, widget in widgets.items():
                widget.value = getattr(state, name)
        finally:
            page["busy"] = False

    def on_control(event: Any) -> None:
        if page["busy"]:
            return
        name = next(k for k, w in widgets.items() if w is event.obj)
        old: State = page["state"]
        try:
            new = old.changed(**{name: SPEC[name].check(name, event.new)})
        except ReglabInputError:
            field = SPEC[name]
            messages.show(translate(KEYS["input_problem"], lang, label=_label(widgets, name),
                                    rule=field.rule_text(lang), value=event.new))
            _restore(old)
            return
        messages.clear()
        if new != old:
            recompute(new)

    if live:
        for widget in widgets.values():
            widget.param.watch(on_control, "value")
        cursor.param.watch(refresh_code, "lam")
        card.param.watch(refresh_code, "collapsed")
        sync_to_url({**widgets, "scale": scale_toggle}, {**SPEC, "scale": SCALE_FIELD},
                    lang=lang, on_problem=messages.add)
        cursor.sync_to_url("lam")

    def current_query() -> dict[str, str]:
        query = page["state"].query()
        query["lam"] = LAM_FIELD.format(float(cursor.lam or 0.0))
        query["scale"] = scale_toggle.value
        return query

    def render(fmt: str) -> bytes:
        return render_figure(page["view"], scrub.index, lang, fmt)

    controls = pn.Column(
        pn.pane.Markdown(f"#### {_t('section.data', lang)}", margin=(0, 10)),
        widgets["n"], widgets["noise"], widgets["seed"], widgets["curve"],
        pn.pane.Markdown(f"#### {_t('section.model', lang)}", margin=(0, 10)),
        widgets["degree"], widgets["basis"], problem_info,
        pn.pane.Markdown(f"#### {_t('section.penalty', lang)}", margin=(0, 10)),
        widgets["penalty"], widgets["l1_ratio"], widgets["p"], widgets["gamma"],
        width=290,
    )
    downloads: list[Any] = []
    if live:
        downloads = [pn.Row(figure_downloads(render, "reglab-overfitting", lang),
                            export_download(SLUG, lang, current_query, margin=(5, 10)))]
    plots_grid = pn.Column(
        pn.Row(plots.fit, pn.Column(scale_toggle, plots.coef)),
        pn.Row(plots.errors, plots.path),
    )
    return pn.Column(
        pn.pane.Markdown(f"## {translate('page.overfitting.title', lang)}\n\n"
                         f"{_t('lead', lang)}", sizing_mode="stretch_width"),
        messages.pane,
        formula.panel,
        pn.Row(cursor.lam_slider, cursor.R_slider),
        readout,
        notes.pane,
        pn.Row(controls, plots_grid),
        card,
        *downloads,
        sizing_mode="stretch_width",
    )


PAGE = PageInfo(slug=SLUG, title_key="page.overfitting.title", order=10, build=build_page,
                read_state=read_state)
