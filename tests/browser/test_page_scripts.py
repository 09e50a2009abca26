"""The lab's page scripts on a bare Bokeh page in headless Chromium.

The lab's pages exercise every page script all the time (the page tests); here a page made of
one plot shows what a script does in the cases the lab itself never reaches.
"""

from __future__ import annotations

import io
import re

import pytest
from bokeh.embed import file_html
from bokeh.models import ColumnDataSource, Line
from bokeh.plotting import figure
from bokeh.resources import INLINE
from PIL import Image

from reglab.lab.scrub import clipped_glyphs_script, page_scripts

pytestmark = pytest.mark.browser

# Counts the set_data calls of the line's glyph and of its muted variant, and reads their data.
WATCH_JS = """() => {
  const view = [...Bokeh.index.all_views()].find((v) => v.model.name === "line")
  window.__calls = {glyph: 0, muted: 0}
  for (const [key, glyph] of [["glyph", view.glyph], ["muted", view.muted_glyph]]) {
    const set_data = glyph.set_data
    glyph.set_data = function (...args) {
      window.__calls[key] += 1
      return set_data.apply(this, args)
    }
  }
  window.__line = view
}"""
READ_JS = """() => ({calls: {...window.__calls}, glyph_y: Array.from(window.__line.glyph.y),
                    muted_y: Array.from(window.__line.muted_glyph.y)})"""
SET_DATA_JS = """(data) => {
  const source = Bokeh.documents[0].get_model_by_name("source")
  source.data = {x: data.x, y: data.y, y2: data.y2}
}"""


@pytest.fixture
def line_page(tmp_path):
    """A plot with one line whose muted variant draws another column (so it inherits nothing)."""
    source = ColumnDataSource({"x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 0.0],
                               "y2": [5.0, 5.0, 5.0]}, name="source")
    plot = figure(width=300, height=200, name="plot")
    line = plot.line("x", "y", source=source, name="line")
    line.muted_glyph = Line(x="x", y="y2", line_alpha=0.2)
    html = file_html(plot, INLINE, "page scripts")
    # Panel (imported with the lab) adds its module shim to every Bokeh page, by a path relative
    # to a server; a bare page needs none of it.
    html = re.sub(r'<script src="static/extensions/panel/[^"]*"></script>', "", html)
    path = tmp_path / "line.html"
    path.write_text(html.replace("</body>", page_scripts() + "</body>"), encoding="utf-8")
    return path.as_uri()


def _calls(lab) -> dict[str, int]:
    return lab.page.evaluate("() => ({...window.__calls})")


def _change(lab, y, y2) -> tuple[dict, dict[str, int]]:
    """Replace the data; return what the glyphs hold and how often each was set since."""
    before = _calls(lab)
    x = [float(i) for i in range(len(y))]
    lab.page.evaluate(SET_DATA_JS, {"x": x, "y": y, "y2": y2})
    lab.page.wait_for_timeout(200)  # the change is applied and painted
    state = lab.page.evaluate(READ_JS)
    return state, {key: state["calls"][key] - before[key] for key in before}


def _then(lab, js: str) -> tuple[dict, dict[str, int]]:
    """Run ``js`` and let the page paint; return what the glyphs hold and the new set_data calls."""
    before = _calls(lab)
    lab.page.evaluate(js)
    lab.page.wait_for_timeout(300)
    state = lab.page.evaluate(READ_JS)
    return state, {key: state["calls"][key] - before[key] for key in before}


def test_a_data_change_updates_the_drawn_glyph_and_a_variant_when_it_is_drawn(lab, line_page):
    lab.open(line_page)
    assert lab.page.evaluate("() => typeof Bokeh.require('models/renderers/glyph_renderer')"
                             ".GlyphRendererView.prototype.__reglab_full_set_data") == "function"
    lab.page.evaluate(WATCH_JS)

    # A new length: every variant is updated (Bokeh's own update).
    state, calls = _change(lab, [1.0, 2.0, 3.0, 4.0], [7.0, 7.0, 7.0, 7.0])
    assert calls["glyph"] >= 1 and calls["muted"] == calls["glyph"]
    assert state["glyph_y"] == [1.0, 2.0, 3.0, 4.0] and state["muted_y"] == [7.0] * 4

    # The same length, nothing muted or selected: the drawn glyph alone.
    state, calls = _change(lab, [4.0, 3.0, 2.0, 1.0], [8.0, 8.0, 8.0, 8.0])
    assert calls == {"glyph": 1, "muted": 0}
    assert state["glyph_y"] == [4.0, 3.0, 2.0, 1.0] and state["muted_y"] == [7.0] * 4

    # Muting draws the muted variant: it is brought up to date with the current data.
    state, calls = _then(lab, "() => { window.__line.model.muted = true }")
    assert calls["muted"] == 1 and state["muted_y"] == [8.0] * 4

    # While muted, every change updates every variant.
    state, calls = _change(lab, [0.0, 0.0, 1.0, 1.0], [9.0, 9.0, 9.0, 9.0])
    assert calls == {"glyph": 1, "muted": 1} and state["muted_y"] == [9.0] * 4

    # A selection (the selected and unselected variants are drawn) does the same.
    _then(lab, "() => { window.__line.model.muted = false }")
    state, calls = _change(lab, [1.0, 0.0, 1.0, 0.0], [3.0, 3.0, 3.0, 3.0])
    assert calls == {"glyph": 1, "muted": 0}
    state, calls = _then(lab, "() => { Bokeh.documents[0].get_model_by_name('source')"
                              ".selected.indices = [1] }")
    assert calls["muted"] == 1 and state["muted_y"] == [3.0] * 4
    lab.assert_clean()


def _bare_page(tmp_path, plot, scripts: str, name: str) -> str:
    html = file_html(plot, INLINE, "page scripts")
    html = re.sub(r'<script src="static/extensions/panel/[^"]*"></script>', "", html)
    path = tmp_path / name
    path.write_text(html.replace("</body>", scripts + "</body>"), encoding="utf-8")
    return path.as_uri()


@pytest.mark.parametrize("clipped", [False, True])
def test_glyphs_on_the_overlay_level_are_clipped_to_the_frame(lab, tmp_path, clipped):
    # A thick red line across the frame and beyond it, drawn on the overlay level (where
    # Scrubber.draw_on_overlay puts scrubbed glyphs): without the script it covers the axes.
    plot = figure(width=300, height=200, x_range=(0, 1), y_range=(0, 1), toolbar_location=None,
                  min_border=40, name="plot")
    line = plot.line([-1.0, 2.0], [0.5, 0.5], line_color="#ff0000", line_width=8)
    line.level = "overlay"
    scripts = clipped_glyphs_script() if clipped else ""
    lab.open(_bare_page(tmp_path, plot, scripts, f"clip_{clipped}.html"))
    lab.page.wait_for_timeout(300)
    canvas = lab.page.locator(".bk-Canvas, canvas").first
    box = canvas.bounding_box()
    shot = Image.open(io.BytesIO(lab.page.screenshot(clip=box))).convert("RGB")
    frame = lab.page.evaluate("""() => {
      const view = [...Bokeh.index.all_views()].find((v) => v.model.name === "plot")
      const {x, y, width, height} = view.frame.bbox
      return {x, y, width, height}
    }""")
    row = round(frame["y"] + frame["height"] / 2)

    def red(x: float) -> bool:
        r, g, b = shot.getpixel((round(x), row))
        return r > 200 and g < 80 and b < 80

    assert red(frame["x"] + frame["width"] / 2)  # inside the frame: drawn
    outside = [frame["x"] - 15, frame["x"] + frame["width"] + 15]  # over the y axis, and right
    assert [red(x) for x in outside] == [not clipped, not clipped]
    lab.assert_clean()
