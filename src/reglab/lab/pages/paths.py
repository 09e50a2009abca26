r"""The lab's page 3, "paths and model selection": the exact solution path and its K-fold CV.

The page draws, for a data set and a penalty, the whole path ``λ ↦ w(λ)`` of

.. math::

    E(w, b) = \sum_{n=1}^{N} (y_n - b - x_n^\top w)^2 + \lambda P(w)

against the user's choice of horizontal axis (``log10 λ``, the radius ``R``, the shrinkage
factor ``s = R / R_max`` or ``df``), the number of non-zero coefficients on a top axis, the
K-fold CV error on the same λ grid with ``λ_min`` and ``λ_1se``, the coefficients at the cursor
and the events of the path (variables entering and leaving). One cursor with two faces (a λ
slider and an R slider) moves every view from the frames of
:mod:`reglab.lab.pages.paths_frames`; the data, penalty, folds and axis controls recompute the
frames on the server. Everything the page shows is in its URL.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping

import numpy as np
import panel as pn
from bokeh.layouts import column, row
from bokeh.models import (
    Button,
    CategoricalColorMapper,
    ColumnDataSource,
    CustomJS,
    FixedTicker,
    Label,
    LinearAxis,
    Range1d,
    Span,
)
from bokeh.palettes import Category10_10, Category20_20
from bokeh.plotting import figure
from panel.io.document import hold

from reglab._validation import ReglabInputError
from reglab.lab.controls import (
    KEYS,
    MessageArea,
    code_panel,
    export_download,
    figure_downloads,
    frame_for_lambda,
    lambda_cursor,
    page_query,
    sync_to_url,
)
from reglab.lab.i18n import Language, format_number, translate
from reglab.lab.pages import PageInfo
from reglab.lab.pages.paths_frames import (
    DATASETS,
    FIELDS,
    PENALTIES,
    XAXES,
    PathsView,
    State,
    code_snippet,
    compute_view,
    events_table,
    radius_symbol,
    solve_problem,
)
from reglab.lab.scrub import Scrubber, replace_data

__all__ = ["PAGE", "build_page"]

NAME = "paths"
"""Prefix of the page's Bokeh model names (the browser tests find models by name)."""

_TOOLS = "pan,box_zoom,reset,save"
_COLORS = {"cursor": "#111111", "lam_min": "#d62728", "lam_1se": "#1f77b4", "cv": "#444444"}

# Moves the λ face to the frame flagged 1 in the per-frame value ``key`` (is_min / is_1se);
# the scrub callback then moves the R face and every view. Browser-only: works in a saved file.
_GOTO_JS = """
const flags = values.get_column(key)
if (flags == null) { return }
const i = Array.prototype.indexOf.call(flags, 1)
// a jump is a whole gesture: value_throttled too, so the server (URL, code) follows
if (i >= 0 && i < slider.categories.length) {
  const stop = slider.categories[i]
  slider.setv({value: stop, value_throttled: stop})
}
"""

# Widget kinds of the problem controls (their types, bounds and defaults are in FIELDS).
_INTEGER_INPUTS = ("degree", "n_samples", "data_seed", "folds", "seed")
_FLOAT_INPUTS = ("noise", "l1_ratio")


def _palette(n: int) -> list[str]:
    if n <= 10:
        return list(Category10_10[:n])
    return [Category20_20[i % 20] for i in range(n)]


def _objective_latex(state: State) -> str:
    """Return the objective and the constrained form of ``state``'s penalty (MathJax)."""
    loss = r"\sum_{n=1}^{N} \bigl(y_n - b - \mathbf{x}_n^{\top}\mathbf{w}\bigr)^2"
    if state.penalty == "l1":
        penalty, ball = r"\sum_j |w_j|", r"\|\mathbf{w}\|_1 \le R"
    elif state.penalty == "l2":
        penalty, ball = r"\sum_j w_j^2", r"\|\mathbf{w}\|_2 \le R"
    else:
        a = f"{state.l1_ratio:g}"
        half = f"{(1 - state.l1_ratio) / 2:g}"
        penalty = rf"\Bigl({a} \sum_j |w_j| + {half} \sum_j w_j^2\Bigr)"
        ball = rf"P(\mathbf{{w}}) \le {a}\,R + {half}\,R^2"
    return (rf"$$E(\mathbf{{w}}, b) = {loss} + \lambda {penalty}"
            rf"\qquad\text{{or}}\qquad \min {loss}\ \ \text{{s.t.}}\ \ {ball}$$")


class _PathsPage:
    """The page's models and callbacks (one instance per page build)."""

    def __init__(self, lang: Language, live: bool, query: Mapping[str, str]):
        self.lang, self.live = lang, live
        self.messages = MessageArea()
        self.notes = MessageArea(alert_type="danger")
        state, problems = State.from_query(query, lang)
        try:
            view = compute_view(state, lang)
        except ReglabInputError as error:
            # A combination the core refuses (say more folds than toy rows): keep the URL's
            # view settings, fall back to the default problem, and say so.
            problems.append(translate("page.paths.message.start_problem", lang,
                                      message=str(error)))
            state = State(xaxis=state.xaxis, lam=state.lam)
            view = compute_view(state, lang)
        self.state, self.view = state, view
        self.scrub = Scrubber(view.frames, name=NAME, index=view.start)
        self._build_plots()
        self._build_controls()
        self.messages.show(*problems)
        self._show(view)

    # -- building ------------------------------------------------------------------------------
    def _t(self, key: str, **fmt: object) -> str:
        return translate(key, self.lang, **fmt)

    def _build_plots(self) -> None:
        view, scrub = self.view, self.scrub
        self.x_range = Range1d(*view.x_range, name=f"{NAME}.x_range")
        self.colors = CategoricalColorMapper(factors=list(view.lines["name"]),
                                             palette=_palette(len(view.lines["name"])))
        self.lines = ColumnDataSource(name=f"{NAME}.lines")
        self.cv_curve = ColumnDataSource(name=f"{NAME}.cv_curve")

        # The path, the cursor on it and a dot where each coefficient's line meets it.
        path = figure(width=660, height=340, x_range=self.x_range,
                      y_range=Range1d(*view.coef_range), tools=_TOOLS, name=f"{NAME}.path_plot")
        path.toolbar.logo = None
        path.multi_line("xs", "ys", source=self.lines, line_width=2,
                        color={"field": "name", "transform": self.colors},
                        legend_field="name")
        path.add_layout(Span(location=0, dimension="width", line_color="#999999",
                             line_width=1))
        self.path_cursor = Span(dimension="height", line_color=_COLORS["cursor"], line_width=2,
                                name=f"{NAME}.path_cursor")
        scrub.bind(self.path_cursor, "location", "x")
        path.add_layout(self.path_cursor)
        path.scatter("x", "w", source=scrub.sources["coef"], size=7, line_color="white",
                     fill_color={"field": "name", "transform": self.colors})
        self.marks: dict[str, list[Span]] = {"lam_min": [], "lam_1se": []}
        self.top_ticker = FixedTicker(ticks=[])
        self.path_axis = path.below[0]  # (path.xaxis lists the top axis too)
        self.top_axis = LinearAxis(ticker=self.top_ticker, name=f"{NAME}.top_axis",
                                   axis_label=self._t("page.paths.axis.nonzero"),
                                   major_label_text_font_size="11px",
                                   axis_label_text_font_size="11px")
        path.add_layout(self.top_axis, "above")
        legend = path.legend[0]
        path.center.remove(legend)
        legend.update(label_text_font_size="11px", spacing=0, padding=4, margin=4,
                      click_policy="hide")
        path.add_layout(legend, "right")
        self.path_plot = path

        # The CV curve with ±1 SE bars, λ_min, λ_1se, the 1-SE level and the cursor's point.
        cv = figure(width=660, height=270, x_range=self.x_range,
                    y_range=Range1d(*view.cv_range), tools=_TOOLS, name=f"{NAME}.cv_plot")
        cv.toolbar.logo = None
        cv.segment("x", "lower", "x", "upper", source=self.cv_curve, line_color="#bbbbbb",
                   line_width=1.5)
        cv.scatter("x", "mean", source=self.cv_curve, size=5, color=_COLORS["cv"])
        self.one_se = Span(dimension="width", line_color="#777777", line_dash="dotted",
                           line_width=1.5, name=f"{NAME}.one_se")
        cv.add_layout(self.one_se)
        self.cv_cursor = Span(dimension="height", line_color=_COLORS["cursor"], line_width=2,
                              name=f"{NAME}.cv_cursor")
        scrub.bind(self.cv_cursor, "location", "x")
        cv.add_layout(self.cv_cursor)
        point = scrub.sources["cv_point"]
        cv.segment("x", "lower", "x", "upper", source=point, line_color=_COLORS["cursor"],
                   line_width=3)
        cv.scatter("x", "y", source=point, size=12, fill_color="#ffdd57",
                   line_color=_COLORS["cursor"], line_width=2)
        self.labels: dict[str, Label] = {}
        for plot in (path, cv):
            for key in ("lam_min", "lam_1se"):
                span = Span(dimension="height", line_color=_COLORS[key], line_dash="dashed",
                            line_width=1.5, name=f"{NAME}.{key}_{len(self.marks[key])}")
                plot.add_layout(span)
                self.marks[key].append(span)
        # Labels hang from the top of the CV plot, one under the other, beside their lines.
        for key, offset in (("lam_min", -2), ("lam_1se", -18)):
            label = Label(x=0, y=view.cv_range[1], y_offset=offset, x_offset=3,
                          text_baseline="top", text=self._t(f"page.paths.label.{key}"),
                          text_color=_COLORS[key], text_font_size="12px",
                          background_fill_color="white", background_fill_alpha=0.8,
                          name=f"{NAME}.{key}_label")
            cv.add_layout(label)
            self.labels[key] = label
        cv.yaxis.axis_label = self._t("page.paths.axis.cv")
        self.cv_plot = cv

        # The coefficients at the cursor: bars and a table.
        p = len(view.lines["name"])
        bars = figure(width=430, height=340, x_range=Range1d(*view.coef_range),
                      y_range=Range1d(p + 0.6, 0.4), tools="save", name=f"{NAME}.coef_plot",
                      title=self._t("page.paths.plot.coef"))
        bars.toolbar.logo = None
        bars.hbar(y="j", left=0, right="w", height=0.7, source=scrub.sources["coef"],
                  fill_color={"field": "name", "transform": self.colors}, line_color=None)
        bars.add_layout(Span(location=0, dimension="height", line_color="#999999"))
        bars.ygrid.grid_line_color = None
        self.bar_ticker = FixedTicker(ticks=[])
        bars.yaxis.ticker = self.bar_ticker
        self.bars = bars
        scrub.draw_on_overlay(path, cv, bars)
        self.coef_table = scrub.readout("coef_table", render_as_text=False, width=430,
                                        margin=(5, 10))
        self.events_table = pn.pane.HTML("", margin=(0, 10), max_height=260,
                                         styles={"overflow-y": "auto"})

        # The cursor's two faces, the jumps to λ_min / λ_1se and the per-frame readouts.
        self.cursor = lambda_cursor(scrub, self.lang, live=self.live, width=420)
        self.goto = {}
        for key, flag in (("min", "is_min"), ("1se", "is_1se")):
            button = Button(label=self._t(f"page.paths.goto_{key}"), width=130,
                            name=f"{NAME}.goto_{key}")
            button.js_on_event("button_click", CustomJS(
                code=_GOTO_JS, args={"values": scrub.values_source, "key": flag,
                                     "slider": self.cursor.lam_slider}))
            self.goto[key] = button
        style = {"font-size": "14px"}
        self.readouts = [scrub.readout(key, styles=style, width=1000, margin=(2, 10))
                         for key in ("readout", "cv_readout", "objective_text",
                                     "certificate_text")]

    def _build_controls(self) -> None:
        state, t = self.state, self._t
        disabled = not self.live
        w: dict[str, pn.widgets.Widget] = {}
        w["dataset"] = pn.widgets.RadioButtonGroup(
            label=t("control.dataset"), value=state.dataset, disabled=disabled,
            options={t(f"page.paths.dataset.{d}"): d for d in DATASETS})
        w["standardize"] = pn.widgets.Checkbox(label=t("control.standardize"),
                                               value=state.standardize, disabled=disabled)
        w["basis"] = pn.widgets.Select(label=t("control.basis"), value=state.basis,
                                       options={t(f"basis.{name}"): name
                                                for name in FIELDS["basis"].choices or ()},
                                       disabled=disabled, width=230)
        w["penalty"] = pn.widgets.RadioButtonGroup(
            label=t("control.penalty"), value=state.penalty, disabled=disabled,
            options={t(f"penalty.{p}"): p for p in PENALTIES})
        w["xaxis"] = pn.widgets.RadioButtonGroup(
            label=t("page.paths.control.xaxis"), value=state.xaxis, disabled=disabled,
            options={t(f"page.paths.xaxis.{x}"): x for x in XAXES})
        labels = {"degree": t("control.degree"), "n_samples": t("control.n_samples"),
                  "noise": t("control.noise"), "data_seed": t("page.paths.control.data_seed"),
                  "l1_ratio": t("control.l1_ratio"), "folds": t("control.n_folds"),
                  "seed": t("page.paths.control.fold_seed")}
        for name in _INTEGER_INPUTS:
            w[name] = pn.widgets.IntInput(label=labels[name], value=getattr(state, name),
                                          disabled=disabled, width=130)
        for name in _FLOAT_INPUTS:
            w[name] = pn.widgets.FloatInput(label=labels[name], value=getattr(state, name),
                                            step=0.05, disabled=disabled, width=130)
        self.widgets = w
        self.labels_of = {**labels, "dataset": t("control.dataset"),
                          "standardize": t("control.standardize"), "basis": t("control.basis"),
                          "penalty": t("control.penalty"),
                          "xaxis": t("page.paths.control.xaxis")}
        self.toy_row = pn.Row(w["degree"], w["basis"], w["n_samples"], w["noise"],
                              w["data_seed"], visible=state.dataset == "toy")
        w["l1_ratio"].visible = state.penalty == "enet"
        self.objective = pn.pane.LaTeX(_objective_latex(state), renderer="mathjax",
                                       styles={"font-size": "15px"})
        self.objective_intro = pn.pane.Markdown("", margin=(0, 10))
        self.events_note = pn.pane.Markdown("", margin=(0, 10), sizing_mode="stretch_width")
        self.grid_note = pn.pane.Markdown("", margin=(0, 10), styles={"color": "#555"})
        self.code_card, self._set_code = code_panel(self.lang)
        self._code_shown: str | None = None
        # The snippet is rendered only while the card is open: re-rendering a hidden
        # Markdown pane on every cursor move would make the browser lay the page out again.
        self.code_card.param.watch(lambda event: self._refresh_code(), "collapsed")
        if self.live:
            for name, widget in w.items():
                widget.param.watch(lambda event, name=name: self._on_control(name, event),
                                   "value")
            self.cursor.param.watch(lambda event: self._refresh_code(), "lam")
            sync_to_url(w, FIELDS, lang=self.lang, on_problem=self.messages.add)
            self.cursor.sync_to_url("lam")

    # -- updating --------------------------------------------------------------------------------
    def current_state(self) -> State:
        """Return the state shown now, with the cursor's λ."""
        return self.state.replace(lam=self.cursor.lam)

    def _on_control(self, name: str, event: object) -> None:
        new_value = event.new  # type: ignore[attr-defined]
        if new_value == getattr(self.state, name):
            return
        # λ is kept (its nearest stop), except across data sets, whose λ scales differ (the
        # diabetes λ_min is above the toy data's λ_max): another data set opens at its λ_min.
        keep = name != "dataset"
        try:
            state = self.state.replace(**{name: new_value}, **({} if keep else {"lam": None}))
        except ReglabInputError:
            self.messages.show(translate(
                KEYS["input_problem"], self.lang, label=self.labels_of[name],
                rule=FIELDS[name].rule_text(self.lang), value=str(new_value)[:40]))
            self.widgets[name].value = getattr(self.state, name)
            return
        try:
            view = compute_view(state, self.lang)
        except ReglabInputError as error:
            self.messages.show(self._t("page.paths.message.problem", message=str(error)))
            self.widgets[name].value = getattr(self.state, name)
            return
        lam = self.cursor.lam
        self.state, self.view = state, view
        index = frame_for_lambda(view.frames, lam) if keep and lam is not None else view.start
        # One batch of changes for the browser: it lays the page out once, not per change.
        with hold(self.scrub.values_source.document):
            self.messages.clear()
            self.scrub.update(view.frames, index=index)
            self.cursor.refresh()
            self.toy_row.visible = state.dataset == "toy"
            self.widgets["l1_ratio"].visible = state.penalty == "enet"
            self._show(view)

    def _show(self, view: PathsView) -> None:
        """Put ``view``'s static curves, ranges, ticks and texts into the models."""
        t, state, solved = self._t, view.state, view.solved
        names = list(view.lines["name"])
        self.colors.update(factors=names, palette=_palette(len(names)))
        replace_data(self.lines, dict(view.lines))  # the same path for new folds, say
        replace_data(self.cv_curve,
                     {k: np.asarray(v, dtype=float) for k, v in view.cv_curve.items()})
        events = view.events
        self.events_table.object = events_table(view, self.lang)
        self.x_range.update(start=view.x_range[0], end=view.x_range[1])
        self.path_plot.y_range.update(start=view.coef_range[0], end=view.coef_range[1])
        self.cv_plot.y_range.update(start=view.cv_range[0], end=view.cv_range[1])
        self.bars.x_range.update(start=view.coef_range[0], end=view.coef_range[1])
        p = len(names)
        self.bars.y_range.update(start=p + 0.6, end=0.4)
        self.bar_ticker.ticks = list(range(1, p + 1))
        self.bars.yaxis.major_label_overrides = {j + 1: name for j, name in enumerate(names)}
        positions, labels = view.top_ticks
        self.top_ticker.ticks = [float(v) for v in positions]
        self.top_axis.major_label_overrides = {
            float(v): label for v, label in zip(positions, labels, strict=True)}
        start, end = view.x_range
        for key in ("lam_min", "lam_1se"):
            x = view.marks[key]
            for span in self.marks[key]:
                span.location = x
            # beside the line, on the side with room (a label past the frame is cut off)
            left = (x - start) > 0.8 * (end - start)
            self.labels[key].update(x=x, y=view.cv_range[1], x_offset=-3 if left else 3,
                                    text_align="right" if left else "left")
        self.one_se.location = view.marks["one_se_level"]

        symbol = radius_symbol(solved.penalty)
        axis_label = t(f"page.paths.axis.{state.xaxis}", symbol=symbol)
        self.path_axis.axis_label = axis_label
        self.cv_plot.xaxis[0].axis_label = axis_label
        std = "_std" if state.standardize else ""
        self.path_plot.yaxis[0].axis_label = t(f"page.paths.axis.coef{std}")
        self.bars.xaxis[0].axis_label = t(f"page.paths.axis.coef{std}")
        self.path_plot.title.text = t("page.paths.plot.path",
                                      penalty=t(f"penalty.{state.penalty}"))
        self.cv_plot.title.text = t("page.paths.plot.cv", folds=state.folds, seed=state.seed)
        self.objective.object = _objective_latex(state)
        self.objective_intro.object = t(f"page.paths.objective.intro{std}")
        if events["feature"]:
            kind = "exact" if all(events["exact"]) else "grid"
            self.events_note.object = t(f"page.paths.events.{kind}")
        else:
            self.events_note.object = t("page.paths.events.none")
        lams = solved.path.lams
        self.grid_note.object = t("page.paths.grid_note", n=lams.size,
                                  top=format_number(lams[0]), bottom=format_number(lams[-1]))
        bad = int(np.count_nonzero(view.frames.values["certified"] == 0))
        if bad:
            self.notes.show(t("page.paths.message.uncertified", count=bad,
                              total=view.frames.n_frames))
        else:
            self.notes.clear()
        self._refresh_code()

    def _refresh_code(self) -> None:
        if self.code_card.collapsed and self._code_shown is not None:
            return
        snippet = code_snippet(self.state, self.cursor.lam)
        if snippet != self._code_shown:
            self._set_code(snippet)
            self._code_shown = snippet

    # -- downloads -------------------------------------------------------------------------------
    def render(self, fmt: str) -> bytes:
        """Render the path-and-CV figure of :mod:`reglab.figures` with the cursor (PNG/SVG)."""
        from reglab.figures import path_and_cv_figure

        solved = self.view.solved
        figure_ = path_and_cv_figure(solved.path, solved.cv, lang=self.lang)
        lam = self.cursor.lam
        if lam is not None:
            for ax in figure_.axes[:2]:
                ax.axvline(lam, color="k", lw=1)
        buffer = io.BytesIO()
        figure_.savefig(buffer, format=fmt)
        return buffer.getvalue()

    # -- layout ------------------------------------------------------------------------------------
    def layout(self) -> pn.Column:
        t, w = self._t, self.widgets
        header = pn.pane.Markdown(
            f"## {t('page.paths.title')}\n\n{t('page.paths.lead')}",
            sizing_mode="stretch_width")
        data_box = pn.Column(
            pn.pane.Markdown(f"**{t('page.paths.controls.data')}**", margin=(0, 10)),
            pn.Row(w["dataset"], w["standardize"]), self.toy_row)
        model_box = pn.Column(
            pn.pane.Markdown(f"**{t('page.paths.controls.model')}**", margin=(0, 10)),
            pn.Row(w["penalty"], w["l1_ratio"]), pn.Row(w["folds"], w["seed"]))
        view_box = pn.Column(
            pn.pane.Markdown(f"**{t('page.paths.controls.view')}**", margin=(0, 10)),
            w["xaxis"])
        cursor = row(self.cursor.lam_slider, self.cursor.R_slider, self.goto["min"],
                     self.goto["1se"])
        plots = row(column(self.path_plot, self.cv_plot),
                    column(self.bars, self.coef_table))
        parts = [
            header, self.messages.pane, self.notes.pane,
            pn.FlexBox(data_box, model_box, view_box, gap="0 24px"),
            self.objective_intro, self.objective,
            cursor, column(*self.readouts), plots,
            pn.pane.Markdown(f"**{t('page.paths.events.title')}**", margin=(0, 10)),
            self.events_note, self.events_table, self.grid_note, self.code_card,
        ]
        if self.live:
            parts.append(pn.Row(
                figure_downloads(self.render, "reglab-paths", self.lang),
                export_download(NAME, self.lang, lambda: self.current_state().to_query())))
        return pn.Column(*parts, sizing_mode="stretch_width")


def _warm_up() -> None:
    """Fit the diabetes lasso once in the background (it imports scikit-learn: ~1 s).

    The diabetes data come from scikit-learn, whose first import costs far more than the
    path and its CV; done while the learner reads the page, the first click on "diabetes"
    then answers as fast as the others. Later calls hit :func:`solve_problem`'s cache.
    """
    try:
        solve_problem(State(dataset="diabetes").problem())
    except Exception:  # noqa: BLE001 - a warm-up must never take the page down
        return


def build_page(lang: Language, *, live: bool = True,
               state: dict[str, str] | None = None) -> pn.viewable.Viewable:
    """Build the paths page in ``lang`` from the query ``state`` (see the module docstring)."""
    page = _PathsPage(lang, live, page_query(state))
    if live:
        threading.Thread(target=_warm_up, name="reglab-paths-warm-up", daemon=True).start()
    return page.layout()


PAGE = PageInfo(slug=NAME, title_key="page.paths.title", order=30, build=build_page,
                read_state=State.from_query)
