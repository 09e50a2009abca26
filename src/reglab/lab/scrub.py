"""Scrubbing a :class:`~reglab.lab.frames.FrameStack` in the browser: the generic Bokeh wiring.

For every view of the stack, a :class:`Scrubber` makes two data sources: the *displayed*
one, which the page's glyphs draw, and a hidden *frames* one that holds every frame of the
view's per-frame columns, flattened frame after frame. A slider over the frames runs one small
JavaScript callback, written once and generic over views, that copies frame ``i`` into every
displayed source in place and sets the models bound to per-frame values (a readout's text, a
cursor's location). Nothing goes back to the server, so the slider works at frame rate when
served, inside Jupyter, and in a saved HTML file with no server at all.

Controls that change the problem itself recompute a stack on the server and hand it to
:meth:`Scrubber.update`, which replaces the frames in the browser.

A page includes :func:`page_scripts` once: the sliders' accessible names, and five guarded
adjustments of BokehJS that keep both kinds of change cheap (stylesheets rewritten only when
they change, a slider's steps kept in the browser until the gesture ends, one page layout per
server update, no computed-style reads for the visuals of glyphs and axes, a data change
updating only the glyph that is drawn). The callback itself lets the repaint after a step skip
re-measuring the axes.

Data source names (for tests and benchmarks that read them with
``Bokeh.documents[0].get_model_by_name(name)``), for a scrubber called ``"demo"``:

=========================  ==================================================================
``demo.<view>``            displayed source of ``view`` (the current frame)
``demo.<view>.frames``     hidden source: per-frame columns, flattened (frame-major)
``demo.values``            per-frame values and texts, one row per frame, plus ``frame``
``demo.slider.<labels>``   a slider made by :meth:`Scrubber.slider`
``demo.readout.<text>``    a readout made by :meth:`Scrubber.readout`
=========================  ==================================================================
"""

from __future__ import annotations

import json
import math

import numpy as np
from bokeh.core.property.vectorization import Field
from bokeh.model import Model
from bokeh.models import (
    CategoricalSlider,
    ColumnDataSource,
    CustomJS,
    Div,
    GlyphRenderer,
    Legend,
    Plot,
)
from panel.io.document import hold

from reglab._validation import ReglabInputError
from reglab.lab.frames import FrameStack

__all__ = [
    "ARIA_LABEL_TAG",
    "LOCAL_STEPS_TAG",
    "Scrubber",
    "aria_label_script",
    "glyph_alone_updates_script",
    "local_steps_script",
    "no_css_visuals_script",
    "one_layout_per_patch_script",
    "page_scripts",
    "replace_data",
    "unchanged_stylesheets_script",
]

ARIA_LABEL_TAG = "reglab-aria-label:"
"""Prefix of the ``tags`` entry that carries a slider's accessible name (see
:func:`aria_label_script`)."""

LOCAL_STEPS_TAG = "reglab-local-steps"
"""The ``tags`` entry of a slider whose steps stay in the browser (see
:func:`local_steps_script`): the server hears only where a gesture ended."""

# The one browser-side callback. It runs on a slider's value change, in the browser only.
# Per-frame columns are stored flattened frame after frame, so frame i of a column with m
# points is entries [i m, (i + 1) m). Copying into the displayed arrays in place and emitting
# `change` repaints the glyphs without sending data back to the server; when the lengths
# differ (only between two server updates) the column is replaced instead.
_SCRUB_JS = """
// Bound models (cursors, readouts) change in the browser only: nothing is sent to the server,
// which learns the frame from the sliders. A readout's text is written straight into its
// element: setting the Div's `text` would make Bokeh re-render the widget and re-lay out the
// page at every step; the model takes the text silently, so a later render shows the same text.
function write_readout(div, text) {
  if (div.type !== "Div" || !window.Bokeh || !Bokeh.index) { return false }
  let views = div.__reglab_views
  if (views == null || !views.every((view) => view.markup_el && view.markup_el.isConnected)) {
    views = div.__reglab_views = [...Bokeh.index.find(div)].filter((view) => view.markup_el)
  }
  if (views.length === 0) { return false }
  div.setv({text}, {silent: true})
  for (const view of views) {
    if (div.render_as_text) { view.markup_el.textContent = text }
    else { view.markup_el.innerHTML = text }
  }
  return true
}
// A frame step changes data and cursors only, never an axis; yet at every paint Bokeh measures
// each axis's tick labels again to see whether the plot's layout must change (a third of the
// cost of repainting four plots). The plots linked to this callback are told, for the repaint
// that follows a step, that their axes are as before: unless a range moved since the last
// measurement (a range that follows the data), that repaint skips the measuring.
function linked_plot_views() {
  let views = values.__reglab_plots
  if (views == null || !views.every((view) => view.el && view.el.isConnected)) {
    const shown = new Set(displayed), bound = new Set(targets)
    views = values.__reglab_plots = [...((window.Bokeh && Bokeh.index && Bokeh.index.all_views())
                                         || [])].filter((view) =>
      typeof view._invalidate_layout_if_needed === "function" && view.model != null
      && (view.model.renderers.some((r) => shown.has(r.data_source))
          || view.model.center.some((a) => bound.has(a))))
  }
  return views
}
function ranges_key(plot) {
  const all = (ranges) => ranges instanceof Map ? [...ranges.values()] : Object.values(ranges ?? {})
  return [plot.x_range, plot.y_range, ...all(plot.extra_x_ranges), ...all(plot.extra_y_ranges)]
    .map((range) => range == null ? "" : `${range.start},${range.end}`).join(";")
}
function keep_axes_steady(view) {
  const own = (proto) => Object.prototype.hasOwnProperty.call(proto, "_invalidate_layout_if_needed")
  let proto = Object.getPrototypeOf(view)
  while (proto != null && !own(proto)) { proto = Object.getPrototypeOf(proto) }
  if (proto == null || proto.__reglab_steady_axes || typeof proto.repaint !== "function") {
    return
  }
  // (a repaint checks the layout before painting, and again after updating data ranges)
  const check = proto._invalidate_layout_if_needed, repaint = proto.repaint
  proto._invalidate_layout_if_needed = function () {
    const key = ranges_key(this.model)
    if (this.__reglab_frame_step === true && !this._needs_layout
        && key === this.__reglab_ranges) { return }
    this.__reglab_ranges = key
    return check.call(this)
  }
  proto.repaint = function () {
    try { return repaint.call(this) } finally { this.__reglab_frame_step = false }
  }
  proto.__reglab_steady_axes = true
}
if (values.__reglab_busy) { return }  // a slider moved by this callback: nothing left to do
// run by a slider (a step, or new categories from the server) or by new values (new frames)
const k = cb_obj === values ? 0 : sliders.indexOf(cb_obj)
if (k < 0 || k >= sliders.length) { return }
const position = sliders[k].categories.indexOf(sliders[k].value)
const n = values.get_length()
if (n == null || position < 0 || position >= n) { return }  // stops not updated yet
const i = reverse[k] ? n - 1 - position : position
// A step to another frame of the same stack (not new frames or stops from the server).
const stops = values.__reglab_stops
const same_stack = values.data === values.__reglab_data && stops != null
  && sliders.every((slider, s) => slider.categories === stops[s])
values.__reglab_data = values.data
values.__reglab_stops = sliders.map((slider) => slider.categories)
values.__reglab_busy = true
try {
  for (let v = 0; v < frames.length; v++) {
    const source = frames[v], shown = displayed[v]
    let replaced = null
    for (const name of source.columns()) {
      const all = source.get_column(name)
      const m = all.length / n
      const start = i * m
      const out = shown.get_column(name)
      if (out != null && out.length === m) {
        for (let j = 0; j < m; j++) { out[j] = all[start + j] }
      } else {
        if (replaced === null) { replaced = {} }
        replaced[name] = Array.prototype.slice.call(all, start, start + m)
      }
    }
    if (replaced === null) {
      shown.change.emit()
    } else {
      const data = {}
      for (const name of shown.columns()) { data[name] = shown.get_column(name) }
      shown.setv({data: Object.assign(data, replaced)}, {sync: false})
    }
  }
  for (let b = 0; b < targets.length; b++) {
    const target = targets[b], value = values.get_column(keys[b])[i]
    if (!(attrs[b] === "text" && write_readout(target, value))) {
      target.setv({[attrs[b]]: value}, {sync: false})
    }
  }
  for (let s = 0; s < sliders.length; s++) {  // the other faces, in the browser only
    if (s === k) { continue }
    const want = sliders[s].categories[reverse[s] ? n - 1 - i : i]
    if (sliders[s].value !== want) { sliders[s].setv({value: want}, {sync: false}) }
  }
  if (same_stack) {
    for (const view of linked_plot_views()) {
      keep_axes_steady(view)
      view.__reglab_frame_step = true
    }
  }
} finally {
  values.__reglab_busy = false
}
"""

# Gives the role=slider handle of every tagged slider its accessible name. Bokeh's slider
# handle (noUiSlider, in the widget's shadow DOM) has none, and an aria-labelledby cannot
# reach into a shadow root, so the label is set on the handle itself once the views exist.
_ARIA_JS = """
(function () {
  const PREFIX = %(prefix)s
  function label() {
    if (!window.Bokeh || !window.Bokeh.index) { return false }
    let tagged = 0, done = 0
    for (const view of window.Bokeh.index.all_views()) {
      const tags = view.model.tags || []
      for (const tag of tags) {
        if (typeof tag !== "string" || !tag.startsWith(PREFIX)) { continue }
        tagged += 1
        const handles = view.shadow_el ? view.shadow_el.querySelectorAll("[role=slider]") : []
        const name = tag.slice(PREFIX.length)
        for (const handle of handles) { handle.setAttribute("aria-label", name) }
        if (handles.length > 0) { done += 1 }
      }
    }
    return tagged > 0 && done === tagged
  }
  let tries = 0
  function tick() { if (!label() && tries++ < 120) { setTimeout(tick, 250) } }
  tick()
  for (const doc of (window.Bokeh && window.Bokeh.documents) || []) {
    doc.on_event("document_ready", label)
  }
})()
"""


# The end of a page script that adjusts each BokehJS document: it calls the script's
# `install(doc)` on every document, retrying until the documents exist (up to 30 s).
_ON_EACH_DOCUMENT_JS = """
  let tries = 0
  function tick() {
    const docs = (window.Bokeh && window.Bokeh.documents) || []
    docs.forEach(install)
    if (docs.length === 0 && tries++ < 120) { setTimeout(tick, 250) }
  }
  tick()
})()
"""

# A slider step (a key press, each move of a drag) changes the slider's `value`, which BokehJS
# sends to the server; a key press also sets `value_throttled`, and a drag's release does. The
# server needs only the latter (where a gesture ended): this marks the `value` changes of the
# tagged sliders as not to be sent, so a drag sends nothing until its release and a key press
# one change instead of two (each one is a message, an acknowledgement and work for the server,
# landing in the middle of the next steps). Bokeh sends a change only if its `sync` flag is set;
# the flag is cleared before the document hands the change to its listeners.
_LOCAL_STEPS_JS = (
    """
(function () {
  const TAG = %(tag)s
  function keep_local(event) {
    const model = event.model
    if (event.kind === "ModelChanged" && event.attr === "value" && model != null
        && Array.isArray(model.tags) && model.tags.includes(TAG)) { event.sync = false }
  }
  function install(doc) {
    if (doc.__reglab_local_steps || typeof doc._trigger_on_change !== "function") { return }
    const trigger = doc._trigger_on_change
    doc._trigger_on_change = function (event) {
      if (event != null) {
        (Array.isArray(event.events) ? event.events : [event]).forEach(keep_local)
      }
      return trigger.call(this, event)
    }
    doc.__reglab_local_steps = true
  }
"""
    + _ON_EACH_DOCUMENT_JS
)

# A server update (new frames, controls shown or hidden, a new formula) comes as one patch of
# many changes. BokehJS lays out the whole page again, synchronously, for each change of a
# layout property (visible, width...) and for each re-rendered widget (a new formula, a text):
# seven full layouts in a row for one click on the geometry page (~40 ms each here). While a
# patch is applied, those requests are collected and the page is laid out once, when the patch
# is in.
_ONE_LAYOUT_PER_PATCH_JS = (
    """
(function () {
  const module = window.Bokeh && Bokeh.require ? Bokeh.require("models/layouts/layout_dom") : null
  const View = module ? module.LayoutDOMView : null
  if (View == null || typeof View.prototype.invalidate_layout !== "function") { return }
  const proto = View.prototype
  if (proto.__reglab_invalidate_now == null) {
    // A layout request (invalidate_layout) and a widget's own re-layout after re-rendering
    // (compute_layout, which lays out its ancestors up to the page) both wait for the end.
    const invalidate = proto.invalidate_layout, compute = proto.compute_layout
    const defer = (view) => {
      let root = view
      while (root.parent instanceof View) { root = root.parent }
      window.__reglab_layouts.add(root)
    }
    proto.invalidate_layout = function () {
      return window.__reglab_layouts == null ? invalidate.call(this) : defer(this)
    }
    proto.compute_layout = function () {
      return window.__reglab_layouts == null ? compute.call(this) : defer(this)
    }
    proto.__reglab_invalidate_now = invalidate
  }
  function install(doc) {
    if (doc.__reglab_batched || typeof doc.apply_json_patch !== "function") { return }
    const apply = doc.apply_json_patch
    doc.apply_json_patch = function (...args) {
      if (window.__reglab_layouts != null) { return apply.apply(this, args) }
      const pending = window.__reglab_layouts = new Set()
      try {
        return apply.apply(this, args)
      } finally {
        window.__reglab_layouts = null
        for (const root of pending) { proto.__reglab_invalidate_now.call(root) }
      }
    }
    doc.__reglab_batched = true
  }
"""
    + _ON_EACH_DOCUMENT_JS
)

# Bokeh re-writes each renderer's inline stylesheet (its position) at every paint, with the same
# text as before. Each write invalidates the page's styles, and the next style read of the
# paint (Bokeh reads colors and fonts through getComputedStyle) then recomputes the styles of
# the whole page: several times per step with four plots. Skipping writes that change nothing
# leaves Bokeh's behaviour as it was and its painting several times cheaper.
_STYLESHEET_JS = """
(function () {
  const dom = window.Bokeh && window.Bokeh.require ? window.Bokeh.require("core/dom") : null
  const sheet = dom && dom.InlineStyleSheet ? dom.InlineStyleSheet.prototype : null
  if (sheet == null || typeof sheet._update !== "function" || sheet.__reglab_quiet) { return }
  const update = sheet._update
  sheet._update = function (css) { if (this.el.textContent !== css) { update.call(this, css) } }
  sheet.__reglab_quiet = true
})()
"""

# Bokeh 3.9's CategoricalSlider formats the handle's aria-valuetext with the categories its
# noUiSlider was created with (updateOptions never replaces noUiSlider's ariaFormat, and a
# re-render reuses the noUiSlider), so after a server update a screen reader would read the old
# stack's labels. Creating a new noUiSlider when the categories change fixes that (this uses two
# private fields of the view; the browser tests check the result); the handle's accessible name,
# set once by the aria script, is carried over. Only the widget's own elements are made again
# (DOMView's render and after-render): the widget's `rerender` would also lay out the whole page
# again (~30 ms per slider), for a widget whose size has not changed.
_REBUILD_SLIDER_JS = """
const view = Bokeh.index.find_one(cb_obj)
if (view == null || view._noUiSlider == null) { return }
const old = view.shadow_el.querySelector("[role=slider]")
const label = old == null ? null : old.getAttribute("aria-label")
view._noUiSlider.destroy()
view.slider_el = null
view.render()
view.r_after_render()
const handle = view.shadow_el.querySelector("[role=slider]")
if (handle != null && label != null) { handle.setAttribute("aria-label", label) }
"""

# BokehJS lets a CSS custom property (`--bk-line-color`, `--bk-text-alpha`, ...) on a renderer's
# element override each of its visual properties, so every check of a visual (is this line
# drawn? what color is this tick label?) reads the element's computed style. Laying out a plot
# checks the text visuals of its axes and titles, and each read after a change to the page
# recomputes the page's styles: about 30 ms of a geometry-page update went to these reads, all
# coming back empty. Neither Bokeh, Panel nor the lab sets such a property, so the lookup
# answers empty at once.
_NO_CSS_VISUALS_JS = """
(function () {
  const module = window.Bokeh && Bokeh.require ? Bokeh.require("core/visuals/visual") : null
  const Visuals = module ? module.VisualProperties : null
  if (Visuals == null || typeof Visuals.prototype._get_css_value !== "function"
      || Visuals.prototype.__reglab_css_lookup != null) { return }
  Visuals.prototype.__reglab_css_lookup = Visuals.prototype._get_css_value
  Visuals.prototype._get_css_value = function () { return "" }
})()
"""

# BokehJS clips the renderers of the image, underlay and glyph levels to the plot's frame, and
# those of the overlay level only if their view asks for it (``needs_clip``), which a glyph
# renderer's does not. :meth:`Scrubber.draw_on_overlay` moves scrubbed glyphs there: a curve or a
# ball leaving the axis ranges would be drawn over the axes. A glyph renderer asks to be clipped.
_CLIPPED_GLYPHS_JS = """
(function () {
  const module = window.Bokeh && Bokeh.require
    ? Bokeh.require("models/renderers/glyph_renderer") : null
  const View = module ? module.GlyphRendererView : null
  if (View == null || Object.getOwnPropertyDescriptor(View.prototype, "needs_clip") != null) {
    return
  }
  Object.defineProperty(View.prototype, "needs_clip", {get() { return true }, configurable: true})
})()
"""

# Bokeh draws a glyph renderer with its glyph or with one of four variants of it (for selected
# and unselected points, muted, and decimated while panning a large plot), and a data change
# sets the data and visual properties of all five, with an await between each. Only the
# glyph is drawn while nothing is selected, muted, hovered or decimated, which in the lab is
# always. So when the number of points is unchanged and the glyph alone would be drawn, a data
# change updates the glyph alone; the variants are updated in full at the first paint that
# would draw one (that paint draws them as they were, the one it requests draws them new).
_GLYPH_ALONE_UPDATES_JS = """
(function () {
  const module = window.Bokeh && Bokeh.require
    ? Bokeh.require("models/renderers/glyph_renderer") : null
  const View = module ? module.GlyphRendererView : null
  if (View == null || typeof View.prototype.set_data !== "function"
      || typeof View.prototype._paint !== "function"
      || View.prototype.__reglab_full_set_data != null) { return }
  const proto = View.prototype
  const full = proto.set_data, paint = proto._paint
  // (the conditions under which GlyphRendererView._paint draws a variant)
  function glyph_alone(view) {
    const {lod_threshold} = view.plot_model
    return !view.model.muted && view.hover_glyph == null
      && view.model.data_source.selected.is_empty()
      && (lod_threshold == null || view.model.view.indices.count <= lod_threshold)
  }
  proto.set_data = async function (indices) {
    const count = this.model.view.indices.count
    if (indices != null || count !== this.__reglab_full_count || !glyph_alone(this)) {
      this.__reglab_stale_variants = false
      await full.call(this, indices)
      this.__reglab_full_count = count
      return
    }
    const source = this.model.data_source
    this.all_indices = this.model.view.indices
    this.__reglab_stale_variants = true
    await this.glyph.set_data(source, this.all_indices)
    this.glyph.set_visuals(source, this.all_indices)
    this.glyph.after_visuals()
    await this.glyph.after_lazy_visuals()
    this._update_masked_indices()
    this.plot_view.invalidate_dataranges = true
  }
  proto._paint = function (ctx) {
    if (this.__reglab_stale_variants && !glyph_alone(this)) {
      this.__reglab_stale_variants = false
      this.set_data().then(() => this.request_paint())
    }
    return paint.call(this, ctx)
  }
  proto.__reglab_full_set_data = full
})()
"""

# A legend twin's visibility, toggled by a legend click, passed on to the renderer it stands for.
_FOLLOW_TWIN_JS = ("const r = cb_obj.document.get_model_by_id(id);"
                   "if (r) { r.visible = cb_obj.visible }")


def _script(js: str) -> str:
    return "<script>" + js + "</script>"


def aria_label_script() -> str:
    """Return a ``<script>`` naming the handles of the sliders made by :meth:`Scrubber.slider`.

    The lab's page frame includes it once per page (in a Panel ``HTML`` pane, whose scripts
    run when served, in Jupyter and in a saved file).
    """
    return _script(_ARIA_JS % {"prefix": json.dumps(ARIA_LABEL_TAG)})


def unchanged_stylesheets_script() -> str:
    """Return a ``<script>`` that makes Bokeh skip stylesheet writes that change nothing.

    Included once per page next to :func:`aria_label_script`: a λ step then repaints the
    linked plots without recomputing the page's styles several times (see ``_STYLESHEET_JS``).
    It patches one method of BokehJS's ``InlineStyleSheet`` and does nothing if that is absent.
    """
    return _script(_STYLESHEET_JS)


def local_steps_script() -> str:
    """Return a ``<script>`` that keeps the steps of the scrubbers' sliders in the browser.

    Included once per page next to :func:`aria_label_script`. The server then hears a slider
    of :meth:`Scrubber.slider` only at the end of a gesture (its ``value_throttled``: a key
    press, a drag's release), which :class:`reglab.lab.controls.LambdaCursor` follows. It wraps
    one method of each BokehJS document and does nothing if that is absent (the steps are then
    sent, as Bokeh does by default).
    """
    return _script(_LOCAL_STEPS_JS % {"tag": json.dumps(LOCAL_STEPS_TAG)})


def one_layout_per_patch_script() -> str:
    """Return a ``<script>`` that lays the page out once per server update, not once per change.

    See ``_ONE_LAYOUT_PER_PATCH_JS``. It wraps BokehJS's ``LayoutDOMView.invalidate_layout`` and
    ``compute_layout`` and each document's ``apply_json_patch``, and does nothing if the layout
    class is absent.
    """
    return _script(_ONE_LAYOUT_PER_PATCH_JS)


def no_css_visuals_script() -> str:
    """Return a ``<script>`` that spares Bokeh's visuals their CSS look-ups.

    See ``_NO_CSS_VISUALS_JS``: it replaces BokehJS's ``VisualProperties._get_css_value`` (the
    CSS custom-property override of a visual property, which no stylesheet here sets) with the
    empty answer it would give, keeps the original as ``__reglab_css_lookup``, and does nothing
    if that method is absent.
    """
    return _script(_NO_CSS_VISUALS_JS)


def glyph_alone_updates_script() -> str:
    """Return a ``<script>`` that updates only the drawn glyph of a renderer on a data change.

    See ``_GLYPH_ALONE_UPDATES_JS``: BokehJS's ``GlyphRendererView.set_data`` updates the
    glyph and its four variants (selection, non-selection, muted, decimated) at every data
    change; while the number of points stays and nothing is selected, muted, hovered or
    decimated, the glyph alone is updated, and the variants are updated in full by the first
    paint that would draw one. The original method is kept as ``__reglab_full_set_data``; the
    script does nothing if the methods it wraps are absent.
    """
    return _script(_GLYPH_ALONE_UPDATES_JS)


def clipped_glyphs_script() -> str:
    """Return a ``<script>`` that clips every glyph renderer to its plot's frame.

    See ``_CLIPPED_GLYPHS_JS``: the glyphs that :meth:`Scrubber.draw_on_overlay` moves to the
    overlay level are clipped to the frame like those of the glyph level (BokehJS clips the
    overlay level only where a view asks for it). It does nothing if BokehJS already defines
    ``GlyphRendererView.needs_clip``.
    """
    return _script(_CLIPPED_GLYPHS_JS)


def page_scripts() -> str:
    """Return every page-level ``<script>`` of this module, for the lab's page frame.

    :func:`aria_label_script`, :func:`unchanged_stylesheets_script`,
    :func:`local_steps_script`, :func:`one_layout_per_patch_script`,
    :func:`no_css_visuals_script`, :func:`glyph_alone_updates_script` and
    :func:`clipped_glyphs_script`; a page includes them once (in a Panel ``HTML`` pane, whose
    scripts run when served, in Jupyter and in a saved file).
    """
    return (aria_label_script() + unchanged_stylesheets_script() + local_steps_script()
            + one_layout_per_patch_script() + no_css_visuals_script()
            + glyph_alone_updates_script() + clipped_glyphs_script())


class Scrubber:
    """Bokeh data sources, sliders and readouts that show one frame of a FrameStack at a time.

    Parameters
    ----------
    stack : FrameStack
        The frames.
    name : str
        Prefix of the names of every model made here (see the module docstring); unique in
        a page.
    index : int, default 0
        The frame shown first.

    Attributes
    ----------
    sources : dict of str to ColumnDataSource
        The displayed source of each view: give it to the glyphs.
    frame_sources : dict of str to ColumnDataSource
        The hidden sources with every frame (not drawn).
    values_source : ColumnDataSource
        One row per frame: the stack's values and texts, and ``frame`` (0, 1, ...).
    callback : CustomJS
        The browser-side callback run by the sliders.

    Examples
    --------
    >>> import numpy as np
    >>> from bokeh.plotting import figure
    >>> lam = np.logspace(-2, 1, 4)
    >>> x = np.linspace(0, 1, 3)
    >>> stack = FrameStack({"fit": {"x": x, "y": np.outer(1 / (1 + lam), x)}},
    ...                    texts={"lam": [f"{v:.3g}" for v in lam]})
    >>> scrub = Scrubber(stack, name="example")
    >>> plot = figure()
    >>> line = plot.line("x", "y", source=scrub.sources["fit"])
    >>> slider = scrub.slider("lam", title="λ", aria_label="regularization strength λ")
    >>> slider.value, scrub.index
    ('0.01', 0)
    """

    def __init__(self, stack: FrameStack, *, name: str, index: int = 0):
        if not isinstance(stack, FrameStack):
            raise ReglabInputError("stack", "must be a FrameStack", type(stack).__name__)
        if not isinstance(name, str) or not name:
            raise ReglabInputError("name", "must be a non-empty string", name)
        if "frame" in stack.values or "frame" in stack.texts:
            raise ReglabInputError("stack", "must not name a value or text 'frame' (reserved)",
                                   "frame")
        self.name = name
        self._stack = stack
        i = stack._index(index)
        frame = stack.frame(i)
        self.sources = {
            view: ColumnDataSource(data=_columns(frame[view]), name=f"{name}.{view}")
            for view in stack.views
        }
        self.frame_sources = {
            view: ColumnDataSource(data=_flat_frames(stack, view), name=f"{name}.{view}.frames")
            for view in stack.views
        }
        self.values_source = ColumnDataSource(data=_values(stack), name=f"{name}.values")
        self._sliders: list[CategoricalSlider] = []
        self._reverse: list[bool] = []
        self._labels: list[str] = []
        self._targets: list[Model] = []
        self._attrs: list[str] = []
        self._keys: list[str] = []
        self._index = i
        self._settled: tuple[int, str] | None = None  # (frame, first slider's value) at settle
        self.callback = CustomJS(code=_SCRUB_JS, args=self._args())
        # New frames from the server (Scrubber.update) show the current stop's frame.
        self.values_source.js_on_change("data", self.callback)

    # -- the page's handles ------------------------------------------------------------------
    @property
    def stack(self) -> FrameStack:
        """The frame stack shown now."""
        return self._stack

    @property
    def index(self) -> int:
        """The frame shown now, as the server knows it.

        The frame where the last gesture ended (:meth:`settle`), unless the first slider's
        value changed since; else read from that value. (In a page, the browser keeps the steps
        of a gesture to itself, see :func:`local_steps_script`, and the sliders' values on the
        server are those the server last set.)
        """
        if self._sliders:
            slider, reverse = self._sliders[0], self._reverse[0]
            if self._settled is not None and slider.value == self._settled[1]:
                return self._settled[0]
            categories = list(slider.categories)
            if slider.value in categories:
                position = categories.index(slider.value)
                return self._stack.n_frames - 1 - position if reverse else position
        return self._index

    def settle(self, slider: CategoricalSlider, label: str) -> int:
        """Take the stop ``label`` of ``slider``, where a gesture ended, as the frame shown.

        Call it when the browser reports the end of a gesture (``value_throttled``); returns
        the frame's index. The other sliders follow in the browser and do not report it (nor
        does a slider its steps, see :func:`local_steps_script`; without that script the
        steps come, the other faces a step late): until the first slider's value changes on
        the server, :attr:`index` is this frame. Nothing is sent to the browser (it shows
        this frame, or a later one by now).
        """
        k = next((k for k, s in enumerate(self._sliders) if s is slider), None)
        if k is None:
            raise ReglabInputError("slider", "must be one of this scrubber's sliders", slider)
        categories = list(slider.categories)
        if label not in categories:
            raise ReglabInputError("label", "must be one of the slider's stops", label)
        position = categories.index(label)
        i = self._stack.n_frames - 1 - position if self._reverse[k] else position
        self._settled = (i, self._sliders[0].value)
        return i

    def stop_of(self, slider: CategoricalSlider, index: int) -> str:
        """Return the label of ``slider``'s stop that shows frame ``index``."""
        k = next((k for k, s in enumerate(self._sliders) if s is slider), None)
        if k is None:
            raise ReglabInputError("slider", "must be one of this scrubber's sliders", slider)
        i = self._stack._index(index)
        stops = list(slider.categories)
        return stops[len(stops) - 1 - i if self._reverse[k] else i]

    def show(self, index: int) -> None:
        """Move every slider to frame ``index`` (from the server: the URL changed, say)."""
        i = self._stack._index(index)
        self._settled, self._index = None, i
        for slider, reverse in zip(self._sliders, self._reverse, strict=True):
            stops = list(slider.categories)
            _send(slider, "value", stops[len(stops) - 1 - i if reverse else i])

    def slider(
        self,
        labels: str,
        *,
        title: str,
        aria_label: str,
        reverse: bool = False,
        **kwargs: object,
    ) -> CategoricalSlider:
        """Make a slider over the frames, labelled by the per-frame texts ``labels``.

        Parameters
        ----------
        labels : str
            Key of ``stack.texts`` whose strings label the stops (shown next to the title and
            read out by screen readers as the value). They must be distinct.
        title : str
            Visible title, e.g. ``"λ"``.
        aria_label : str
            Accessible name of the slider handle, e.g. ``"regularization strength λ"``.
        reverse : bool, default False
            Run the stops from the last frame to the first (an R slider over a stack ordered
            by increasing λ, say).
        **kwargs
            Passed to :class:`bokeh.models.CategoricalSlider` (``width``, ``sizing_mode``...).

        Returns
        -------
        CategoricalSlider
            The slider; all sliders of one scrubber move together.
        """
        self._check_labels(self._stack, labels)
        categories = self._categories(self._stack, labels, reverse)
        position = self._stack.n_frames - 1 - self._index if reverse else self._index
        slider = CategoricalSlider(
            categories=categories,
            value=categories[position],
            title=title,
            name=f"{self.name}.slider.{labels}",
            tags=[ARIA_LABEL_TAG + aria_label, LOCAL_STEPS_TAG],
            **kwargs,
        )
        self._sliders.append(slider)
        self._reverse.append(bool(reverse))
        self._labels.append(labels)
        # New categories come with a server update: the handle is rebuilt (its screen-reader
        # text) and the callback shows the new frame.
        slider.js_on_change("value", self.callback)
        slider.js_on_change("categories", CustomJS(code=_REBUILD_SLIDER_JS), self.callback)
        self.callback.args = self._args()
        return slider

    def bind(self, model: Model, attr: str, key: str) -> None:
        """Make ``model.attr`` follow the per-frame value or text ``key`` of the stack.

        For instance a :class:`bokeh.models.Span`'s ``location`` follows ``"lam"`` (a cursor
        on a path plot) or a :class:`bokeh.models.Div`'s ``text`` follows a readout text.
        """
        if key not in self._stack.values and key not in self._stack.texts:
            raise ReglabInputError(
                "key", f"must be one of the stack's values or texts "
                f"{sorted([*self._stack.values, *self._stack.texts])}", key)
        if not model.lookup(attr, raises=False):
            raise ReglabInputError("attr", f"must be a property of {type(model).__name__}", attr)
        setattr(model, attr, self._current(key))
        self._targets.append(model)
        self._attrs.append(attr)
        self._keys.append(key)
        self.callback.args = self._args()

    def readout(self, key: str, **kwargs: object) -> Div:
        """Make a :class:`bokeh.models.Div` that shows the per-frame text ``key``.

        The text is plain (``render_as_text=True``, the default) or HTML without TeX: while
        scrubbing it is written into the page directly, without Bokeh's math processing, and
        the Div should keep its size (give it a ``height`` if texts differ in line count) so that
        a step does not move the page below it.
        """
        if key not in self._stack.texts:
            raise ReglabInputError("key", f"must be one of the stack's texts "
                                   f"{sorted(self._stack.texts)}", key)
        kwargs.setdefault("render_as_text", True)
        div = Div(name=f"{self.name}.readout.{key}", **kwargs)
        self.bind(div, "text", key)
        return div

    def draw_on_overlay(self, *plots: Plot) -> None:
        """Make a frame step repaint only what it changes in ``plots``.

        Bokeh paints a plot on two canvas layers: the primary layer (background, grid, axes,
        legends, glyphs) and the overlay layer above it. When only renderers of the overlay
        level changed, it repaints the overlay layer alone and keeps the primary one as it was.
        So here every renderer that draws one of this scrubber's displayed sources, and every
        bound annotation (a cursor span), moves to the overlay level: scrubbing then never
        repaints the axes, ticks, contours or static curves. The moved glyphs are drawn above
        the legends, and clipped to the frame by the page script :func:`clipped_glyphs_script`
        (BokehJS clips only the lower levels).

        A legend re-renders whenever the data of a renderer it names changes, so legend items
        naming a moved renderer are pointed at a twin that has the same glyph and no data; the
        twin's visibility is linked to the original's (a legend click still hides the curve).

        Call it once the plots are built and the annotations bound.
        """
        shown = {source.id for source in self.sources.values()}
        bound = {model.id for model in self._targets}
        for plot in plots:
            moved: dict[str, GlyphRenderer] = {}
            for renderer in plot.renderers:
                if isinstance(renderer, GlyphRenderer) and renderer.data_source.id in shown:
                    renderer.level = "overlay"
                    moved[renderer.id] = renderer
            for annotation in plot.center:
                if annotation.id in bound and annotation.lookup("level", raises=False):
                    annotation.level = "overlay"
            # (the plot's own panels: Plot.select would walk every model it references)
            panels = (*plot.center, *plot.left, *plot.right, *plot.above, *plot.below)
            for legend in (panel for panel in panels if isinstance(panel, Legend)):
                for item in legend.items:
                    # (an item labelled by a data field lists the data's values: keep it)
                    if not isinstance(item.label, Field) and any(r.id in moved
                                                                 for r in item.renderers):
                        item.renderers = [_legend_twin(plot, r) if r.id in moved else r
                                          for r in item.renderers]

    def update(self, stack: FrameStack, index: int | None = None) -> None:
        """Show another stack with the same layout (the server recomputed the frames).

        Parameters
        ----------
        stack : FrameStack
            New frames; same views, columns, values and texts as the current stack
            (:meth:`FrameStack.same_layout`); frame and point counts may differ.
        index : int, optional
            The frame to show. By default the current one, clipped to the new frame count;
            pages that keep λ pass ``stack.nearest("lam", old_lam, log=True)``.

        Notes
        -----
        With sliders, the readouts' texts are not sent from here: the slider callback, run by
        the new categories and values, writes them into the page. (A Div text sent from the
        server makes Bokeh re-lay out the whole page, once per readout.) Their Python copies
        keep older texts; the browser never reports scrubbed texts back either.
        """
        if not isinstance(stack, FrameStack) or not stack.same_layout(self._stack):
            raise ReglabInputError("stack", "must have the layout of the current stack "
                                   "(views, columns, values, texts)", stack)
        for labels in self._labels:
            self._check_labels(stack, labels)
        if index is None:
            index = min(self.index, stack.n_frames - 1)
        i = stack._index(index)
        frame = stack.frame(i)
        self._stack, self._index, self._settled = stack, i, None
        # Inside a served session, send the changes as one batch (a no-op without a document).
        with hold(self.values_source.document):
            # Order matters in the browser: frames and values first, so that the callback run
            # by the sliders' new categories and values already sees the new frames.
            for view, source in self.frame_sources.items():
                replace_data(source, _flat_frames(stack, view))
            self.values_source.data = _values(stack)
            for view, source in self.sources.items():
                source.data = _columns(frame[view])
            for model, attr, key in zip(self._targets, self._attrs, self._keys, strict=True):
                if self._sliders and isinstance(model, Div) and attr == "text":
                    continue  # written by the browser callback (see Notes)
                _send(model, attr, self._current(key))
            # Each slider's value is sent after its categories, even when Python's copy is
            # equal, so that the last callback run in the browser shows frame i.
            for slider, labels, reverse in zip(self._sliders, self._labels, self._reverse,
                                               strict=True):
                categories = self._categories(stack, labels, reverse)
                slider.categories = categories
                _send(slider, "value", categories[stack.n_frames - 1 - i if reverse else i])

    # -- helpers -----------------------------------------------------------------------------
    def _args(self) -> dict[str, object]:
        return {
            "frames": list(self.frame_sources.values()),
            "displayed": list(self.sources.values()),
            "values": self.values_source,
            "sliders": list(self._sliders),
            "reverse": list(self._reverse),
            "targets": list(self._targets),
            "attrs": list(self._attrs),
            "keys": list(self._keys),
        }

    def _current(self, key: str) -> object:
        return self._stack.frame_values(self._index)[key]

    @staticmethod
    def _check_labels(stack: FrameStack, labels: str) -> None:
        if labels not in stack.texts:
            raise ReglabInputError("labels", f"must be one of the stack's texts "
                                   f"{sorted(stack.texts)}", labels)
        texts = stack.texts[labels]
        if len(set(texts)) != len(texts):
            seen: set[str] = set()
            duplicate = next(t for t in texts if t in seen or seen.add(t))  # type: ignore[func-returns-value]
            raise ReglabInputError(f"texts[{labels!r}]", "must be distinct to label slider "
                                   "stops (format with more digits)", duplicate)

    @staticmethod
    def _categories(stack: FrameStack, labels: str, reverse: bool) -> list[str]:
        texts = list(stack.texts[labels])
        return texts[::-1] if reverse else texts


def replace_data(source: ColumnDataSource, data: dict[str, object]) -> bool:
    """Give ``source`` new columns, unless they equal its current ones; return whether sent.

    Every assignment of ``data`` goes to the browser, which re-reads the glyphs drawing the
    source; a problem-changing control leaves many sources as they were (the data points when
    the degree changes, the path when the folds change), and sending those again only costs
    time (the server's, the connection's, the browser's). Use it for sources only the server
    writes (the browser never changes them behind Python's back).
    """
    current = source.data
    if data.keys() == current.keys() and all(_same_column(current[k], v) for k, v in data.items()):
        return False
    source.data = data
    return True


def _same_column(old: object, new: object) -> bool:
    """Whether two column values are equal: numbers exactly (NaN equal to NaN), item by item."""
    sequences = np.ndarray | list | tuple
    if not (isinstance(old, sequences) and isinstance(new, sequences)):
        return bool(old == new)
    if len(old) != len(new):
        return False
    try:
        old_array, new_array = np.asarray(old), np.asarray(new)
    except ValueError:  # ragged (the xs of a multi-line): item by item
        old_array = new_array = None
    if old_array is None or old_array.dtype == object or new_array.dtype == object:
        return all(_same_column(a, b) for a, b in zip(old, new, strict=True))
    numeric = old_array.dtype.kind in "fiub" and new_array.dtype.kind in "fiub"
    return old_array.shape == new_array.shape and bool(
        np.array_equal(old_array, new_array, equal_nan=numeric))


def _send(model: Model, attr: str, value: object) -> None:
    """Set ``model.attr = value`` and send it to the browser even if Python's copy equals it.

    The browser changes bound models without telling the server (see ``_SCRUB_JS``), so
    Python's copy of a bound attribute may be stale: an assignment of an equal value would
    send nothing and leave the browser showing an old frame's value.
    """
    if getattr(model, attr) == value:
        model.trigger(attr, value, value)
    else:
        setattr(model, attr, value)


def _legend_twin(plot: Plot, renderer: GlyphRenderer) -> GlyphRenderer:
    """Add to ``plot`` a renderer drawing ``renderer``'s glyph at no point: a legend swatch.

    BokehJS draws no legend swatch for a renderer without data, and nothing in the plot for a
    point with a NaN coordinate: the twin's source has one row, NaN in the numeric columns and
    the current first value in the others (a color or a label, so that the swatch looks the
    same).
    """
    data = renderer.data_source.data
    row = {name: [_swatch_value(data.get(name, []))]
           for name in renderer.data_source.column_names}
    twin = GlyphRenderer(data_source=ColumnDataSource(row), glyph=renderer.glyph.clone(),
                         visible=renderer.visible)
    # By id, not by reference: the legend watches everything its items reach, and a reference
    # would lead it back to the scrubbed data.
    twin.js_on_change("visible", CustomJS(args={"id": renderer.id}, code=_FOLLOW_TWIN_JS))
    plot.renderers.append(twin)
    return twin


def _swatch_value(column: object) -> object:
    """Return the legend twin's entry for ``column``: its first value if a text, else NaN."""
    first = column[0] if isinstance(column, np.ndarray | list | tuple) and len(column) else None
    if isinstance(first, str):
        return first
    if isinstance(first, np.ndarray | list | tuple):  # a ragged column (multi-line, patches)
        return [math.nan]
    return math.nan


def _columns(frame_view: dict[str, np.ndarray]) -> dict[str, object]:
    """Columns for a displayed source: float64 arrays (sent to the browser as binary)."""
    return {c: (a.tolist() if a.dtype.kind == "U" else np.array(a, dtype=np.float64))
            for c, a in frame_view.items()}


def _flat_frames(stack: FrameStack, view: str) -> dict[str, np.ndarray]:
    """Per-frame columns of ``view`` flattened frame-major: frame i is ``[i m, (i + 1) m)``."""
    return {c: np.ascontiguousarray(stack.views[view][c], dtype=np.float64).ravel()
            for c in stack.per_frame_columns(view)}


def _values(stack: FrameStack) -> dict[str, object]:
    data: dict[str, object] = {"frame": np.arange(stack.n_frames, dtype=np.float64)}
    data.update({k: np.array(v, dtype=np.float64) for k, v in stack.values.items()})
    data.update({k: list(v) for k, v in stack.texts.items()})
    return data
