"""The demo page in headless Chromium: offline, named, and showing exactly the server's frames.

The expected frames are computed here by the same pure function the server ran
(``demo_frames``); the displayed Bokeh sources must equal them bit for bit (float64 columns
travel as binary and the scrub callback copies them). That the frames themselves are right
is checked without a browser in tests/test_lab_frames.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from reglab.lab.export import export_page
from reglab.lab.i18n import translate
from reglab.lab.pages.demo import DEGREES, demo_frames

pytestmark = pytest.mark.browser

SLIDER = "demo.slider.label"
SCREENSHOT = "/tmp/reglab_demo_ja.png"


@pytest.fixture(scope="module")
def stacks():
    """The frames the server computes for each degree, in Japanese."""
    return {degree: demo_frames(degree, "ja") for degree in DEGREES}


# Everything the page shows, read in one round trip: the slider's stop, the displayed
# sources, the readout and the handle's aria-valuetext (what a screen reader says).
SHOWN_JS = """() => {
  const doc = Bokeh.documents[0]
  const slider = doc.get_model_by_name("demo.slider.label")
  const column = (name, col) => Array.from(doc.get_model_by_name(name).get_column(col))
  const view = Bokeh.index.find_one(slider)
  return {
    index: slider.categories.indexOf(slider.value),
    fit_x: column("demo.fit", "x"), fit_y: column("demo.fit", "y"),
    coef_j: column("demo.coef", "j"), coef_w: column("demo.coef", "w"),
    readout: doc.get_model_by_name("demo.readout.readout").text,
    valuetext: view.shadow_el.querySelector("[role=slider]").getAttribute("aria-valuetext"),
  }
}"""


def shown_index(lab) -> int:
    return lab.page.evaluate(SHOWN_JS)["index"]


def handle(lab, lang="ja"):
    return lab.page.get_by_role("slider", name=translate("control.lambda.aria", lang))


def assert_shows_frame(lab, stack, index=None):
    """Every linked view (curve, bars, readout, slider label) shows frame ``index``.

    Without ``index``, the frame of the slider's current stop. Returns that index.
    """
    shown = lab.page.evaluate(SHOWN_JS)
    if index is None:
        index = shown["index"]
    assert shown["index"] == index
    expected = stack.frame(index)
    np.testing.assert_array_equal(shown["fit_x"], expected["fit"]["x"])
    np.testing.assert_array_equal(shown["fit_y"], expected["fit"]["y"])
    np.testing.assert_array_equal(shown["coef_j"], expected["coef"]["j"])
    np.testing.assert_array_equal(shown["coef_w"], expected["coef"]["w"])
    assert shown["readout"] == stack.texts["readout"][index]
    assert shown["valuetext"] == stack.texts["label"][index]
    return index


def test_page_loads_offline_named_with_math(lab_server, lab, stacks):
    lab.open(f"{lab_server}/demo")
    page = lab.page
    title = translate("page.demo.title", "ja")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page).to_have_title(title)
    assert handle(lab).count() == 1
    expect(page.locator("mjx-container").first).to_be_visible()  # the objective, typeset
    stack = stacks[DEGREES[-1]]
    assert_shows_frame(lab, stack, stack.nearest("lam", 1e-3, log=True))
    page.screenshot(path=SCREENSHOT, full_page=True)
    lab.assert_clean()
    assert lab.log.console_warnings == []


def test_root_serves_the_first_page_in_the_browser_language(lab_server, new_lab):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/")  # not Panel's index page, which loads Google Fonts
    expect(lab.page.get_by_role("heading", name=translate("page.demo.title", "en"))).to_be_visible()
    expect(lab.page).to_have_title(translate("page.demo.title", "en"))
    assert handle(lab, "en").count() == 1
    lab.open(f"{lab_server}/demo?lang=ja")  # the URL wins over Accept-Language
    expect(lab.page.get_by_role("heading", name=translate("page.demo.title", "ja"))).to_be_visible()
    lab.assert_clean()


def test_keyboard_arrows_scrub_all_views(lab_server, lab, stacks):
    lab.open(f"{lab_server}/demo")
    stack = stacks[DEGREES[-1]]
    start = shown_index(lab)
    slider = handle(lab)
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    assert shown_index(lab) == start + 5
    assert_shows_frame(lab, stack, start + 5)
    slider.press("ArrowLeft")
    slider.press("ArrowLeft")
    assert_shows_frame(lab, stack, start + 3)
    slider.press("End")
    assert shown_index(lab) == stack.n_frames - 1
    assert_shows_frame(lab, stack, stack.n_frames - 1)
    lab.assert_clean()


def test_mouse_drag_shows_the_frame_at_every_step(lab_server, lab, stacks):
    lab.open(f"{lab_server}/demo")
    stack = stacks[DEGREES[-1]]
    box = handle(lab).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse = lab.page.mouse
    mouse.move(x, y)
    mouse.down()
    seen = [shown_index(lab)]
    for step in range(1, 21):
        mouse.move(x - 10 * step, y)
        seen.append(assert_shows_frame(lab, stack))
    mouse.up()
    assert all(a >= b for a, b in zip(seen, seen[1:], strict=False)), seen
    assert seen[-1] < seen[0] - 10, f"a 200 px drag moved only from {seen[0]} to {seen[-1]}"
    lab.assert_clean()


def test_degree_change_recomputes_frames_on_the_server(lab_server, lab, stacks):
    lab.open(f"{lab_server}/demo")
    index = shown_index(lab)
    lab.page.get_by_role("button", name="M = 3").click()
    lab.page.wait_for_function(
        "() => Bokeh.documents[0].get_model_by_name('demo.coef').get_length() === 3")
    assert_shows_frame(lab, stacks[3], index)  # same λ grid: the same stop
    slider = handle(lab)
    slider.focus()
    slider.press("ArrowRight")
    assert_shows_frame(lab, stacks[3], index + 1)
    lab.assert_clean()


def test_exported_file_scrubs_without_a_server(lab, tmp_path, stacks):
    path = export_page(tmp_path / "demo.html", "demo", "ja")
    lab.open(path.as_uri())
    assert all(url.startswith(("file:", "data:", "blob:")) for url in lab.log.requests), \
        sorted({url[:60] for url in lab.log.requests})
    stack = stacks[DEGREES[-1]]
    start = shown_index(lab)
    assert_shows_frame(lab, stack, start)
    slider = handle(lab)
    slider.focus()
    for _ in range(4):
        slider.press("ArrowLeft")
    assert_shows_frame(lab, stack, start - 4)
    assert lab.page.get_by_role("button", name="M = 3").is_disabled()
    lab.assert_clean()
