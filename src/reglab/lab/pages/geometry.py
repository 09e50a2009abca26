r"""The geometry page: loss contours, a norm ball, and the point where they touch.

Two weights, the squared error ``f(w) = (w - w*)^T H (w - w*) + c0`` drawn as filled contours,
and the ball ``P(w) <= P.level(R)`` of the ℓp family (``p`` from 0.3 to ∞) or of the elastic
net. One cursor with two faces, ``R`` and ``λ``, moves the ball: every frame shows the exact
tangent point from :func:`reglab.geometry.constrained_minimum`, the contour through it
(:meth:`~reglab.geometry.QuadraticLoss.ellipse`), every other local minimum when ``p < 1``,
and says whether the constraint is active, whether the point is sparse and whether it is
certified. The frames are computed in :mod:`reglab.lab.pages.geometry_frames`; this module
only draws them and wires the controls (the ball's family, ``p`` or the mix ``a``, and the loss:
its minimum, elongation and rotation, or two standardized features of a data set), which
recompute the frames on the server.
"""

from __future__ import annotations

import io
import math
from dataclasses import replace
from typing import Any

import panel as pn
import param
from bokeh.models import ColumnDataSource, Legend, LegendItem, Range1d, Span
from bokeh.plotting import figure
from bokeh.plotting.contour import contour_data

from reglab._validation import ReglabInputError
from reglab.lab.controls import (
    KEYS,
    Debounced,
    MessageArea,
    code_panel,
    export_download,
    figure_downloads,
    lambda_cursor,
    page_query,
    sync_to_url,
)
from reglab.lab.i18n import Language, translate
from reglab.lab.pages import PageInfo
from reglab.lab.pages.geometry_frames import (
    FAMILIES,
    LOSS_SOURCES,
    P_STOPS,
    R_FIELD,
    SPEC,
    Background,
    State,
    background,
    code_snippet,
    compute_frames,
    frame_index,
    importance_text,
    loss_key,
    make_loss,
    make_penalty,
    p_label,
    p_query,
)
from reglab.lab.scrub import ARIA_LABEL_TAG, Scrubber

__all__ = ["PAGE", "GeometryPage", "build_page", "formula_parts", "formula_tex", "render_figure"]

SLUG = "geometry"
PLOT_SIZE = 520  # pixels of the square plotting frame

BALL_COLOR = "#1f77b4"
SOLUTION_COLOR = "#d62728"
# Filled contour bands, dark (low loss, near w*) to light.
_BANDS = ("#3b6fb6", "#4a7dbf", "#5a8bc8", "#6b99d0", "#7ca6d7", "#8db3dd", "#9ebfe3",
          "#afcae8", "#bfd5ed", "#cedff1", "#dce8f5", "#e8f0f8", "#f2f6fb", "#f9fbfd")

# Which widget events recompute the frames: sliders on release (a drag would recompute at
# every step), the others on every change.
_THROTTLED = ("p", "a", "ratio", "angle")


def _tex_number(x: float, digits: int = 4) -> str:
    r"""Format a number for LaTeX: ``1.23``, ``-4.5``, ``1.2 \times 10^{-7}``."""
    if not math.isfinite(x):
        return r"\infty" if x > 0 else r"-\infty"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _md(text: str) -> str:
    """Escape the Markdown emphasis characters of a plain text (``w*``, ``RSS_min``)."""
    return text.replace("\\", "\\\\").replace("*", r"\*").replace("_", r"\_")


def formula_tex(state: State) -> str:
    """Write the problem out with the current loss, as MathJax display math."""
    return "\n\n".join(formula_parts(state))


def formula_parts(state: State) -> tuple[str, str]:
    """Return :func:`formula_tex` in two parts: the loss's lines and the ball's.

    The page typesets them apart, so a new ball does not typeset the loss (its matrix) again.
    """
    loss = make_loss(state)
    c, H = loss.center, loss.hessian
    center = rf"w^\ast = ({_tex_number(c[0])},\ {_tex_number(c[1])})"
    hessian = (r"H = \begin{pmatrix}" + f"{_tex_number(H[0, 0])} & {_tex_number(H[0, 1])}"
               r"\\" + f"{_tex_number(H[1, 0])} & {_tex_number(H[1, 1])}" + r"\end{pmatrix}")
    if state.family == "enet":
        penalty = (rf"P(w) = a\|w\|_1 + \tfrac{{1-a}}{{2}}\|w\|_2^2,\ a = {_tex_number(state.a)}")
        level = r"P(w) \le aR + \tfrac{1-a}{2}R^2"
    elif math.isinf(state.p):
        penalty, level = r"P(w) = \|w\|_\infty = \max(|w_1|, |w_2|)", r"\|w\|_\infty \le R"
    elif state.p == 2:
        penalty, level = r"P(w) = w_1^2 + w_2^2", r"\|w\|_2 \le R"
    elif state.p == 1:
        penalty, level = r"P(w) = |w_1| + |w_2|", r"\|w\|_1 \le R"
    else:
        p = p_label(state.p)
        penalty = rf"P(w) = |w_1|^{{{p}}} + |w_2|^{{{p}}}"
        level = rf"\|w\|_{{{p}}} \le R"
    loss_lines = [
        r"f(w) = (w - w^\ast)^\top H\,(w - w^\ast) + c_0,\quad "
        + rf"c_0 = {_tex_number(loss.c0)}",
        center + r",\quad " + hessian,
    ]
    ball_lines = [
        r"\min_w f(w)\ \ \text{s.t.}\ \ " + level,
        r"\Longleftrightarrow\quad \min_w f(w) + \lambda P(w),\quad \lambda \ge 0",
        penalty,
    ]
    return _display_math(loss_lines), _display_math(ball_lines)


def _display_math(lines: list[str]) -> str:
    return "\n\n".join(f"$${line}$$" for line in lines)


def render_figure(state: State, lang: Language, fmt: str) -> bytes:
    """Draw the current view with :mod:`reglab.figures` (matplotlib) and return its bytes.

    ``p < 1``: :func:`~reglab.figures.lp_local_minima_figure` (every local minimum marked);
    otherwise :func:`~reglab.figures.contours.contour_panel`.
    """
    from reglab.figures import lp_local_minima_figure
    from reglab.figures.contours import contour_panel
    from reglab.figures.style import make_axes, theme

    loss, penalty = make_loss(state), make_penalty(state)
    R = state.R if state.R is not None else 1.0
    if state.family == "lp" and state.p < 1:
        result = lp_local_minima_figure(loss=loss, p=state.p, R=R, lang=lang)
        fig = result.figure
    else:
        with theme(lang):
            fig, axes = make_axes(None, figsize=(6.0, 6.0))
            contour_panel(axes[0], loss, penalty, R, lang)
            axes[0].legend(loc="upper left", fontsize="x-small")
    buffer = io.BytesIO()
    with theme(lang):
        fig.savefig(buffer, format=fmt, bbox_inches="tight")
    return buffer.getvalue()


class _Mirror(param.Parameterized):
    """The cursor's ``R`` on the server, synced with the URL as ``?R=...``."""

    value = param.Number(default=None, allow_None=True, bounds=(0, None))


class GeometryPage:
    """The page's widgets, plot and callbacks (one instance per browser session)."""

    def __init__(self, lang: Language, live: bool, query: dict[str, str]):
        self.lang, self.live = lang, live
        self.messages = MessageArea()
        state, problems = State.from_query(query, lang)
        try:
            stack = compute_frames(state.problem(), lang)
        except Exception as error:  # noqa: BLE001 - the page must come up: default problem
            problems.append(translate("page.geometry.error.compute", lang, message=str(error)))
            state = State(R=state.R)
            stack = compute_frames(state.problem(), lang)
        index = frame_index(state, stack)
        self.state = replace(state, R=float(stack.values["R"][index]))
        self._quiet = False

        self.scrub = Scrubber(stack, name=SLUG, index=index)
        self.cursor = lambda_cursor(self.scrub, lang, live=live, width=PLOT_SIZE)
        bg = background(self.state)
        self._build_plot(bg)
        self._build_controls()
        self._build_texts(bg)
        self.mirror = _Mirror(value=self.state.R)
        # The URL's R follows a moment after the last of a run of steps (Debounced).
        self._mirror_writer = Debounced(lambda: self._set_mirror(self.state.R))
        if live:
            # the cursor's λ follows each gesture's end on either face (LambdaCursor)
            self.cursor.param.watch(lambda event: self._on_cursor(), "lam")
            self.mirror.param.watch(self._on_mirror, "value")
            self._sync_url()
        if problems:
            self.messages.show(*problems)

    # -- the plot ------------------------------------------------------------------------------
    def _build_plot(self, bg: Background) -> None:
        lang, e = self.lang, bg.extent
        plot = figure(title=translate("plot.geometry", lang), frame_width=PLOT_SIZE,
                      frame_height=PLOT_SIZE, x_range=Range1d(-e, e), y_range=Range1d(-e, e),
                      tools="pan,box_zoom,reset,save", name=f"{SLUG}.plot")
        plot.toolbar.logo = None
        plot.xaxis.axis_label = translate("axis.w1", lang)
        plot.yaxis.axis_label = translate("axis.w2", lang)
        self.contours = plot.contour(bg.w1, bg.w2, bg.F, bg.levels, fill_color=list(_BANDS),
                                     fill_alpha=0.6, line_color="white", line_alpha=0.6,
                                     line_width=0.8)
        for dimension in ("width", "height"):
            plot.add_layout(Span(location=0, dimension=dimension, line_color="#555555",
                                 line_width=1, line_alpha=0.7))
        sources = self.scrub.sources
        ball = plot.patch("x", "y", source=sources["ball"], fill_color=BALL_COLOR,
                          fill_alpha=0.2, line_color=BALL_COLOR, line_width=2.5)
        local_rings = plot.line("x", "y", source=sources["local_rings"],
                                line_color=SOLUTION_COLOR, line_dash="dotted", line_width=1.6)
        ring = plot.line("x", "y", source=sources["ring"], line_color=SOLUTION_COLOR,
                         line_dash="dashed", line_width=2)
        self.center = ColumnDataSource({"x": [float(bg.center[0])], "y": [float(bg.center[1])]},
                                       name=f"{SLUG}.center")
        center = plot.scatter("x", "y", source=self.center, marker="plus", size=16,
                              color="black", line_width=2)
        locals_ = plot.scatter("x", "y", source=sources["locals"], size=12, fill_color="white",
                               line_color=SOLUTION_COLOR, line_width=2.5)
        interior = plot.scatter("x", "y", source=sources["interior"], size=24, fill_alpha=0,
                                line_color=SOLUTION_COLOR, line_width=2.5)
        tangent = plot.scatter("x", "y", source=sources["tangent"], size=13,
                               fill_color=SOLUTION_COLOR, line_color="white", line_width=1.5)
        entries = [
            ("legend.ball", ball), ("legend.tangent", tangent),
            ("page.geometry.legend.ring", ring), ("legend.ols", center),
            ("page.geometry.legend.interior", interior), ("page.geometry.legend.local", locals_),
            ("page.geometry.legend.local_ring", local_rings),
        ]
        legend = Legend(items=[LegendItem(label=translate(key, lang), renderers=[renderer])
                               for key, renderer in entries],
                        ncols=2, label_text_font_size="12px", click_policy="hide",
                        border_line_alpha=0, margin=4, padding=4)
        plot.add_layout(legend, "below")
        self.scrub.draw_on_overlay(plot)
        self.plot = plot

    def _apply_background(self, bg: Background) -> None:
        e = bg.extent
        self.plot.x_range.update(start=-e, end=e)
        self.plot.y_range.update(start=-e, end=e)
        self.contours.set_data(contour_data(bg.w1, bg.w2, bg.F, bg.levels))
        self.center.data = {"x": [float(bg.center[0])], "y": [float(bg.center[1])]}
        self.importance.object = self._importance_markdown(bg)

    # -- controls ------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        lang, st, disabled = self.lang, self.state, not self.live
        w = pn.widgets

        def named_slider(name: str, **params: Any) -> pn.widgets.FloatSlider:
            """Return a slider whose handle carries its label as accessible name."""
            label = translate(f"page.geometry.control.{name}", lang)
            return w.FloatSlider(label=label, tags=[ARIA_LABEL_TAG + label],
                                 disabled=disabled, width=300, **params)

        self.widgets: dict[str, Any] = {
            "family": w.RadioButtonGroup(
                options={translate(f"page.geometry.family.{f}", lang): f for f in FAMILIES},
                value=st.family, disabled=disabled),
            "p": w.DiscreteSlider(label=translate("control.p", lang),
                                  options={p_label(p): p for p in P_STOPS}, value=st.p,
                                  width=300),
            "a": named_slider("a", start=0.0, end=1.0, step=0.05, value=st.a),
            "loss": w.RadioButtonGroup(
                options={translate(f"page.geometry.loss.{s}", lang): s for s in LOSS_SOURCES},
                value=st.loss, disabled=disabled),
            "w1": w.FloatInput(label=translate("page.geometry.control.w1", lang), value=st.w1,
                               step=0.1, disabled=disabled, width=140),
            "w2": w.FloatInput(label=translate("page.geometry.control.w2", lang), value=st.w2,
                               step=0.1, disabled=disabled, width=140),
            "ratio": named_slider("ratio", start=1.0, end=30.0, step=0.1, value=st.ratio),
            "angle": named_slider("angle", start=-90.0, end=90.0, step=1.0, value=st.angle),
        }
        # Disabled afterwards: a DiscreteSlider made disabled gets a track of two stops
        # (Panel 1.9), which puts the handle of a saved file's p slider at the end.
        self.widgets["p"].disabled = disabled
        self.labels = {name: (widget.label or translate(f"page.geometry.control.{name}", lang))
                       for name, widget in self.widgets.items()}
        if self.live:
            for name, widget in self.widgets.items():
                event = "value_throttled" if name in _THROTTLED else "value"
                widget.param.watch(self._on_problem, event)
        self.data_note = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 10))
        self._show_relevant()

    def _show_relevant(self) -> None:
        st = self.state
        self.widgets["p"].visible = st.family == "lp"
        self.widgets["a"].visible = st.family == "enet"
        for name in ("w1", "w2", "ratio", "angle"):
            self.widgets[name].visible = st.loss == "custom"
        self.data_note.object = ("" if st.loss == "custom"
                                 else _md(translate(f"page.geometry.data_note.{st.loss}",
                                                    self.lang)))
        self.data_note.visible = st.loss != "custom"

    def _widget_state(self) -> State:
        values = {name: widget.value for name, widget in self.widgets.items()}
        return State(**values, R=self.state.R)

    def _set_widgets(self, state: State) -> None:
        """Put ``state`` back into the widgets without recomputing (after a rejected input)."""
        self._quiet = True
        try:
            for name, widget in self.widgets.items():
                widget.value = getattr(state, name)
        finally:
            self._quiet = False

    def _on_problem(self, event: param.parameterized.Event) -> None:
        if self._quiet:
            return
        lang = self.lang
        try:
            new = self._widget_state()
        except ReglabInputError as error:
            name = next((n for n, w in self.widgets.items() if w is event.obj), error.name)
            if error.name != "w*" and name in SPEC:  # (w* = (0, 0): each entry is in range)
                self.messages.show(translate(
                    KEYS["input_problem"], lang, label=self.labels[name],
                    rule=SPEC[name].rule_text(lang), value=str(event.new)[:40]))
            else:
                self.messages.show(translate("page.geometry.error.origin", lang))
            self._set_widgets(self.state)
            return
        if new.problem() == self.state.problem():
            return
        try:
            stack = compute_frames(new.problem(), lang)
            # (a new ball on the same loss keeps the picture: contours, window, w*)
            bg = None if loss_key(new) == loss_key(self.state) else background(new)
        except Exception as error:  # noqa: BLE001 - an engine error must not take the page down
            self.messages.show(translate("page.geometry.error.compute", lang,
                                         message=str(error)))
            self._set_widgets(self.state)
            return
        # The stop nearest the current R; another data source has its own scale (an R of the
        # hand-set loss is a dot on the diabetes axes): it opens where a fresh page would.
        index = frame_index(new if new.loss == self.state.loss else replace(new, R=None), stack)
        self.state = replace(new, R=float(stack.values["R"][index]))
        # One message to the browser for all of it: the page is then laid out once.
        with pn.io.hold():
            self.scrub.update(stack, index)
            self.cursor.refresh()
            if bg is not None:
                self._apply_background(bg)
            self._show_relevant()
            self._refresh_texts()
            self.messages.clear()
            self._set_mirror(self.state.R)

    # -- the cursor ----------------------------------------------------------------------------
    def _on_cursor(self) -> None:
        """Take R from the frame shown (a gesture ended, or the URL moved the cursor)."""
        R = float(self.scrub.stack.values["R"][self.scrub.index])
        if R != self.state.R:
            self.state = replace(self.state, R=R)
            self._refresh_code()
            self._mirror_writer.request()

    def _set_mirror(self, R: float) -> None:
        if self.mirror.value != R:
            self._quiet = True
            try:
                self.mirror.value = R
            finally:
                self._quiet = False

    def _on_mirror(self, event: param.parameterized.Event) -> None:
        """Show the stop nearest the URL's ``R`` (it changed: browser navigation)."""
        if self._quiet or event.new is None:
            return
        index = self.scrub.stack.nearest("R", float(event.new))
        if index != self.scrub.index:
            self.scrub.show(index)
            self._on_cursor()

    def _sync_url(self) -> None:
        plain = {name: w for name, w in self.widgets.items() if name != "p"}
        if not sync_to_url(plain, SPEC):
            return
        # p is a stop, inf included: write its URL text, then sync the slider's value.
        pn.state.location.update_query(p=p_query(self.state.p))
        sync_to_url({"p": self.widgets["p"]})
        pn.state.location.update_query(R=R_FIELD.format(self.state.R))
        sync_to_url({"R": self.mirror})

    # -- texts ---------------------------------------------------------------------------------
    def _build_texts(self, bg: Background) -> None:
        lang = self.lang
        scrub = self.scrub
        self.readouts = [
            scrub.readout("readout", styles={"font-size": "15px", "font-weight": "600"},
                          width=PLOT_SIZE + 80, margin=(2, 10)),
            scrub.readout("status", styles={"font-size": "14px"}, width=PLOT_SIZE + 80,
                          margin=(2, 10)),
            scrub.readout("certificate", styles={"font-size": "13px"}, width=PLOT_SIZE + 80,
                          margin=(2, 10)),
            scrub.readout("minima", styles={"font-size": "13px"}, width=PLOT_SIZE + 80,
                          margin=(2, 10)),
            scrub.readout("objective", styles={"font-size": "13px", "color": "#444"},
                          width=PLOT_SIZE + 80, margin=(2, 10)),
        ]
        self.formulas = [pn.pane.LaTeX("", renderer="mathjax", sizing_mode="stretch_width",
                                       styles={"font-size": "14px"}) for _ in range(2)]
        self.nonconvex = pn.pane.Markdown(translate("page.geometry.nonconvex_note", lang),
                                          sizing_mode="stretch_width", margin=(0, 10))
        self.importance = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 10))
        self.code_card, self.update_code = code_panel(lang)
        self._refresh_texts()
        self.update_code(code_snippet(self.state))  # also what a saved file shows
        self.code_card.param.watch(self._refresh_code, "collapsed")
        self.importance.object = self._importance_markdown(bg)

    def _importance_markdown(self, bg: Background) -> str:
        title = translate("page.geometry.importance.title", self.lang)
        return f"### {title}\n\n" + _md(importance_text(bg.importance, self.lang))

    def _refresh_texts(self) -> None:
        st = self.state
        for pane, tex in zip(self.formulas, formula_parts(st), strict=True):
            pane.object = tex  # (an unchanged text is not sent, nor typeset again)
        self.nonconvex.visible = st.family == "lp" and st.p < 1
        self._refresh_code()

    def _refresh_code(self, *_: object) -> None:
        # Only an open card is kept current: rewriting its text re-lays the page out on every
        # cursor step. Opening the card brings it up to date.
        if not self.code_card.collapsed:
            self.update_code(code_snippet(self.state))

    # -- layout --------------------------------------------------------------------------------
    def view(self) -> pn.Column:
        """Lay the page out: plot and cursor with readouts, controls, formula, importance."""
        lang = self.lang

        def heading(key: str) -> pn.pane.Markdown:
            return pn.pane.Markdown(f"**{translate(key, lang)}**", margin=(8, 10, 0, 10))

        controls = pn.Column(
            heading("page.geometry.control.family"), self.widgets["family"],
            self.widgets["p"], self.widgets["a"],
            heading("page.geometry.control.loss"), self.widgets["loss"],
            pn.Row(self.widgets["w1"], self.widgets["w2"]),
            self.widgets["ratio"], self.widgets["angle"], self.data_note,
            width=420,
        )
        cursor = pn.Column(
            pn.pane.Bokeh(self.cursor.R_slider), pn.pane.Bokeh(self.cursor.lam_slider),
            pn.pane.Markdown(translate("page.geometry.cursor_note", lang), width=PLOT_SIZE + 80,
                             margin=(0, 10)),
        )
        left = pn.Column(self.plot, cursor, *self.readouts, self.nonconvex)
        right = pn.Column(controls, heading("page.geometry.formula.title"), *self.formulas,
                          self.importance, width=460)
        parts: list[Any] = [
            pn.pane.Markdown(f"## {translate('page.geometry.title', lang)}\n\n"
                             + _md(translate("page.geometry.lead", lang)),
                             sizing_mode="stretch_width"),
            self.messages.pane,
            pn.Row(left, right),
            self.code_card,
        ]
        if self.live:
            downloads = figure_downloads(lambda fmt: render_figure(self.state, lang, fmt),
                                         "reglab-geometry", lang)
            export = export_download(SLUG, lang, lambda: self.state.to_query())
            parts.append(pn.Row(downloads, export))
        return pn.Column(*parts, sizing_mode="stretch_width")


def build_page(lang: Language, *, live: bool = True,
               state: dict[str, str] | None = None) -> pn.viewable.Viewable:
    """Build the geometry page in ``lang``, starting from the query ``state`` (or the URL's).

    Bad entries of the query keep their default and are reported on the page; ``live=False``
    (a saved file) disables the controls that need the server, while the ``R``/``λ`` cursor
    keeps working.
    """
    return GeometryPage(lang, live, page_query(state)).view()


PAGE = PageInfo(slug=SLUG, title_key="page.geometry.title", order=20, build=build_page,
                read_state=State.from_query)
