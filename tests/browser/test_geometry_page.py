"""The geometry page in headless Chromium: offline, named, and showing the server's frames.

The expected frames are computed here with the page's own pure function (``compute_frames``)
and the displayed Bokeh sources must equal them exactly (float64 columns travel as binary);
that those frames are the geometry engine's answers is checked without a browser in
tests/test_lab_geometry.py. Here, a frame's tangent point is also compared once more with
:func:`reglab.geometry.constrained_minimum` at the frame's R.
"""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from reglab.geometry import constrained_minimum
from reglab.lab.export import export_page
from reglab.lab.i18n import translate
from reglab.lab.pages.geometry_frames import (
    State,
    compute_frames,
    frame_index,
    make_loss,
    make_penalty,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = {"ja": "/tmp/reglab_geometry_ja.png", "en": "/tmp/reglab_geometry_en.png"}
VIEWS = ("ball", "tangent", "interior", "ring", "locals", "local_rings")
READOUTS = ("readout", "status", "certificate", "minima", "objective")
TWO_CUSPS = State(p=0.5, w1=0.8, w2=0.6, ratio=2.0, angle=-45.0)
RECOMPUTE_MS = 30_000  # generous: the server recomputes ~120 frames, the machine may be busy


@pytest.fixture(scope="module")
def stacks():
    """The frames the server computes for the states these tests visit."""
    return {
        "default": compute_frames(State(), "ja"),
        "default_en": compute_frames(State(), "en"),
        "enet": compute_frames(State(family="enet"), "ja"),
        "cusps": compute_frames(TWO_CUSPS, "ja"),
    }


# Everything the page shows, in one round trip: both faces of the cursor, every displayed
# source, the readouts and the handles' aria-valuetext.
SHOWN_JS = """([views, readouts]) => {
  const doc = Bokeh.documents[0]
  const get = (name) => doc.get_model_by_name(name)
  const lam = get("geometry.slider.lam_label"), R = get("geometry.slider.R_label")
  const text = (slider) => Bokeh.index.find_one(slider).shadow_el
    .querySelector("[role=slider]").getAttribute("aria-valuetext")
  const out = {
    index: lam.categories.indexOf(lam.value),
    R_position: R.categories.indexOf(R.value), n_R: R.categories.length,
    lam_value: lam.value, R_value: R.value, lam_text: text(lam), R_text: text(R),
    views: {}, readouts: {},
  }
  for (const view of views) {
    const source = get("geometry." + view)
    out.views[view] = {}
    for (const column of ["x", "y"]) {
      out.views[view][column] = Array.from(source.get_column(column),
        (v) => Number.isNaN(v) ? "NaN" : v)
    }
  }
  for (const key of readouts) { out.readouts[key] = get("geometry.readout." + key).text }
  return out
}"""


def shown(lab) -> dict:
    data = lab.page.evaluate(SHOWN_JS, [list(VIEWS), list(READOUTS)])
    for view in data["views"].values():
        for column, values in view.items():
            view[column] = np.array([np.nan if v == "NaN" else v for v in values], float)
    return data


def assert_shows_frame(lab, stack, index=None) -> int:
    """Every linked view and both cursor faces show frame ``index`` (default: the λ face's)."""
    data = shown(lab)
    if index is None:
        index = data["index"]
    assert data["index"] == index
    # the R face runs the frames in reverse (R grows to the right)
    assert data["R_position"] == data["n_R"] - 1 - index
    assert data["lam_value"] == data["lam_text"] == stack.texts["lam_label"][index]
    assert data["R_value"] == data["R_text"] == stack.texts["R_label"][index]
    expected = stack.frame(index)
    for view in VIEWS:
        for column in ("x", "y"):
            np.testing.assert_array_equal(data["views"][view][column], expected[view][column],
                                          err_msg=f"{view}.{column} of frame {index}")
    for key in READOUTS:
        assert data["readouts"][key] == stack.texts[key][index]
    return index


def test_page_loads_offline_named_with_math_and_switches_language(lab_server, lab, stacks):
    lab.open(f"{lab_server}/geometry")
    for lang in ("ja", "en"):
        page = lab.page
        title = translate("page.geometry.title", lang)
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(page).to_have_title(title)
        expect(page.get_by_text(translate("page.geometry.control.family", lang),
                                exact=True)).to_be_visible()
        assert lab.slider("control.radius.aria", lang).count() == 1
        assert lab.slider(lang=lang).count() == 1
        for control in ("ratio", "angle"):  # the loss's sliders are named too
            assert lab.slider(f"page.geometry.control.{control}", lang).count() == 1
        expect(page.locator("mjx-container").first).to_be_visible()  # the problem, typeset
        assert lab.legend_items_without_swatch() == []  # ball, tangent point, contours...
        stack = stacks["default" if lang == "ja" else "default_en"]
        assert_shows_frame(lab, stack, frame_index(State(), stack))
        page.screenshot(path=SCREENSHOTS[lang], full_page=True)
        lab.assert_clean()
        assert lab.log.console_warnings == []
        if lang == "ja":  # the header's language switch
            page.get_by_role("link", name=translate("app.language.en", "ja")).click()
            lab.open(page.url)


def test_keyboard_moves_both_faces_and_every_view(lab_server, lab, stacks):
    lab.open(f"{lab_server}/geometry")
    stack = stacks["default"]
    start = shown(lab)["index"]
    handle = lab.slider("control.radius.aria")
    handle.focus()
    for _ in range(6):
        handle.press("ArrowRight")  # larger R: earlier frame
    index = assert_shows_frame(lab, stack, start - 6)
    # the numbers are the engine's at that R
    state = State()
    R = float(stack.values["R"][index])
    solution = constrained_minimum(make_loss(state), make_penalty(state), R)
    tangent = shown(lab)["views"]["tangent"]
    np.testing.assert_allclose([tangent["x"][0], tangent["y"][0]], solution.w, rtol=1e-12)
    assert stack.texts["lam_label"][index] == shown(lab)["lam_value"]
    # the λ face drives the R face too
    handle = lab.slider()
    handle.focus()
    handle.press("End")
    assert_shows_frame(lab, stack, stack.n_frames - 1)  # R = 0, λ = λ_max
    handle.press("Home")
    assert_shows_frame(lab, stack, 0)  # the largest R: inactive, λ = 0
    assert shown(lab)["readouts"]["status"].startswith(
        translate("page.geometry.status.inactive", "ja", R_star="X").split("X")[0][:10])
    lab.assert_clean()


def test_mouse_drag_shows_the_frame_at_every_step(lab_server, lab, stacks):
    lab.open(f"{lab_server}/geometry")
    stack = stacks["default"]
    box = lab.slider("control.radius.aria").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse = lab.page.mouse
    mouse.move(x, y)
    mouse.down()
    seen = [shown(lab)["index"]]
    for step in range(1, 9):
        mouse.move(x + 20 * step, y)  # to the right: R grows, the frame index falls
        seen.append(assert_shows_frame(lab, stack))
    mouse.up()
    assert all(a >= b for a, b in zip(seen, seen[1:], strict=False)), seen
    assert seen[-1] < seen[0] - 10, f"a 160 px drag moved only from {seen[0]} to {seen[-1]}"
    lab.assert_clean()


# Counts the whole-page layouts (the root's compute_layout) made while each server update is
# applied.
COUNT_PAGE_LAYOUTS_JS = """() => {
  const View = Bokeh.require("models/layouts/layout_dom").LayoutDOMView
  const doc = Bokeh.documents[0]
  const layouts = window.__layouts = []  // whole-page layouts while each update was applied
  let applying = null
  const compute = View.prototype.compute_layout
  View.prototype.compute_layout = function () {
    if (this.parent == null && applying !== null) { layouts[applying] += 1 }
    return compute.call(this)
  }
  const apply = doc.apply_json_patch
  doc.apply_json_patch = function (...args) {
    applying = layouts.length
    layouts.push(0)
    try { return apply.apply(this, args) } finally { applying = null }
  }
}"""


def test_ball_change_recomputes_and_the_url_restores_the_state(lab_server, new_lab, stacks):
    lab = new_lab("ja-JP")
    lab.open(f"{lab_server}/geometry")
    stack = stacks["default"]
    handle = lab.slider("control.radius.aria")
    handle.focus()
    for _ in range(3):
        handle.press("ArrowLeft")
    index = assert_shows_frame(lab, stack)
    R = float(stack.values["R"][index])
    query = lab.wait_for_query(R=repr(R))
    lab.page.evaluate(COUNT_PAGE_LAYOUTS_JS)
    lab.page.get_by_role("button", name=translate("page.geometry.family.enet", "ja")).click()
    enet = stacks["enet"]
    expected = enet.nearest("R", R)
    lab.page.wait_for_function(
        "(label) => Bokeh.documents[0].get_model_by_name('geometry.slider.R_label').value"
        " === label", arg=enet.texts["R_label"][expected], timeout=RECOMPUTE_MS)
    assert_shows_frame(lab, enet, expected)
    query = lab.wait_for_query(family="enet", R=repr(float(enet.values["R"][expected])))
    # the new frames, the other ball's slider, the texts and the contours came in one update,
    # and the page was laid out once for all of them (not once per change)
    per_update = lab.page.evaluate("() => window.__layouts")
    assert per_update and all(count <= 1 for count in per_update), per_update
    before = shown(lab)
    lab.assert_clean()

    fresh = new_lab("ja-JP")
    fresh.open(lab.page.url)
    after = shown(fresh)
    assert after["index"] == before["index"]
    for view in VIEWS:
        for column in ("x", "y"):
            np.testing.assert_array_equal(after["views"][view][column],
                                          before["views"][view][column])
    assert after["readouts"] == before["readouts"]
    expect(fresh.page.locator(".alert")).to_be_hidden()
    assert State.from_query(query, "ja")[0] == State(family="enet", R=float(
        enet.values["R"][expected]))
    fresh.assert_clean()


# Counts computed-style reads (window.getComputedStyle) and, with the page's patch undone,
# records every non-empty answer of Bokeh's CSS look-up for visuals.
CSS_READS_JS = """(undo) => {
  window.__style_reads = 0
  if (window.__reglab_getComputedStyle == null) {
    window.__reglab_getComputedStyle = window.getComputedStyle
    window.getComputedStyle = function (...args) {
      window.__style_reads += 1
      return window.__reglab_getComputedStyle.apply(this, args)
    }
  }
  const proto = Bokeh.require("core/visuals/visual").VisualProperties.prototype
  if (undo) {
    const lookup = proto.__reglab_css_lookup
    window.__css_answers = []
    proto._get_css_value = function (name) {
      const value = lookup.call(this, name)
      if (value !== "") { window.__css_answers.push(`${name}=${value}`) }
      return value
    }
  }
  return typeof proto.__reglab_css_lookup
}"""


def test_an_update_reads_no_computed_styles_for_the_visuals(lab_server, lab, stacks):
    lab.open(f"{lab_server}/geometry")

    def change_ball(family: str) -> int:
        stack = stacks[family if family == "enet" else "default"]
        lab.page.get_by_role("button", name=translate(f"page.geometry.family.{family}",
                                                      "ja")).click()
        lab.wait_for_query(family=family)
        lab.page.wait_for_function(
            "(labels) => labels.includes(Bokeh.documents[0]"
            ".get_model_by_name('geometry.slider.R_label').value)",
            arg=list(stack.texts["R_label"]), timeout=RECOMPUTE_MS)
        lab.page.wait_for_timeout(300)  # the update laid out and painted
        return lab.page.evaluate("() => window.__style_reads")

    assert lab.page.evaluate(CSS_READS_JS, False) == "function"  # the page script is in
    patched = change_ball("enet")
    lab.page.evaluate(CSS_READS_JS, True)  # Bokeh's own look-up again
    original = change_ball("lp")
    # Bokeh reads computed styles for its visuals at every update (~800 reads here); the page
    # spares it (what remains, ~100, is the layout's own measuring), and the answers it spares
    # are all empty.
    assert original > 100 and patched < original / 3, (patched, original)
    assert lab.page.evaluate("() => window.__css_answers") == []
    lab.assert_clean()


def test_p_below_one_shows_several_minima(lab_server, lab, stacks):
    stack = stacks["cusps"]
    several = (stack.values["n_minima"] >= 2) & (stack.values["active"] == 1)
    k = int(np.flatnonzero(several)[0])
    query = TWO_CUSPS.__class__(**{**TWO_CUSPS.__dict__, "R": float(stack.values["R"][k])})
    url = f"{lab_server}/geometry?" + "&".join(f"{a}={b}" for a, b in query.to_query().items())
    lab.open(url)
    assert_shows_frame(lab, stack, k)
    locals_ = shown(lab)["views"]["locals"]
    assert np.isfinite(locals_["x"]).sum() >= 1  # the other local minima are drawn
    tangent = shown(lab)["views"]["tangent"]
    assert np.isfinite(tangent["x"]).all()  # and the global one, distinctly
    expect(lab.page.get_by_text(translate("page.geometry.nonconvex_note", "ja"))).to_be_visible()
    lab.assert_clean()


def test_bad_input_shows_a_message_and_the_page_keeps_working(lab_server, lab, stacks):
    lab.open(f"{lab_server}/geometry?w1=banana")
    alert = lab.page.locator(".alert")
    expect(alert).to_contain_text("banana")  # a bad URL value: reported, default used
    stack = stacks["default"]
    assert_shows_frame(lab, stack, frame_index(State(), stack))
    box = lab.page.get_by_label(translate("page.geometry.control.w1", "ja"))
    box.fill("99")
    box.press("Enter")
    expect(alert).to_contain_text("99")
    expect(box).to_have_value("1.8")  # the previous value is back
    handle = lab.slider("control.radius.aria")
    handle.focus()
    handle.press("ArrowRight")
    assert_shows_frame(lab, stack, frame_index(State(), stack) - 1)  # still scrubbing
    box.fill("-1.5")
    box.press("Enter")
    expect(alert).to_be_hidden(timeout=RECOMPUTE_MS)
    moved = compute_frames(State(w1=-1.5), "ja")
    lab.page.wait_for_function(
        "(x) => Bokeh.documents[0].get_model_by_name('geometry.center').data.x[0] === x",
        arg=-1.5, timeout=RECOMPUTE_MS)
    assert_shows_frame(lab, moved)
    lab.assert_clean()


def test_exported_file_scrubs_without_a_server(lab, tmp_path, stacks):
    state = State(family="enet")
    stack = stacks["enet"]
    start = frame_index(state, stack)
    path = export_page(tmp_path / "geometry.html", "geometry", "ja",
                       state={**state.to_query(), "R": repr(float(stack.values["R"][start]))})
    lab.open(path.as_uri())
    assert all(url.startswith(("file:", "data:", "blob:")) for url in lab.log.requests)
    assert_shows_frame(lab, stack, start)
    handle = lab.slider("control.radius.aria")
    handle.focus()
    for _ in range(4):
        handle.press("ArrowLeft")
    assert_shows_frame(lab, stack, start + 4)
    lab.assert_clean()
