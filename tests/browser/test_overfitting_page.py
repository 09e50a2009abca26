"""The overfitting page in headless Chromium: offline, linked views, URL state, languages.

The expected frames are computed here by the same pure function the server runs
(``compute``); the displayed Bokeh sources must equal them bit for bit (float64 columns travel
as binary and the scrub callback copies them). That the frames are right is checked without a
browser in tests/test_lab_overfitting.py; here the λ face's numbers are also compared with the
core (``fit_path(...).solution(lam=...)``) once.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from playwright.sync_api import expect

from reglab.lab.controls import frame_for_lambda
from reglab.lab.i18n import translate
from reglab.lab.pages.overfitting_frames import State, compute, make_penalty

pytestmark = pytest.mark.browser

NAME = "overfitting"
LAM_SLIDER, R_SLIDER = f"{NAME}.slider.lam_label", f"{NAME}.slider.R_label"

# Everything the page shows, read in one round trip.
SHOWN_JS = """() => {
  const doc = Bokeh.documents[0]
  const get = (name) => doc.get_model_by_name(name)
  const column = (name, col) => Array.from(get(name).get_column(col))
  const lam = get("overfitting.slider.lam_label"), R = get("overfitting.slider.R_label")
  const valuetext = (slider) => Bokeh.index.find_one(slider).shadow_el
      .querySelector("[role=slider]").getAttribute("aria-valuetext")
  return {
    index: lam.categories.indexOf(lam.value),
    R_position: R.categories.indexOf(R.value), R_value: R.value, n_R: R.categories.length,
    fit_y: column("overfitting.fit", "y"), fit_x: column("overfitting.fit", "x"),
    coef_w: column("overfitting.coef", "w"), coef_zero: column("overfitting.coef", "zero"),
    errdot_x: column("overfitting.errdot", "x"), errdot_y: column("overfitting.errdot", "y"),
    pathdot_y: column("overfitting.pathdot", "y"),
    readout: get("overfitting.readout.readout").text,
    cursor: get("overfitting.err_cursor").location,
    path_cursor: get("overfitting.path_cursor").location,
    data_y: column("overfitting.data", "y"),
    lam_valuetext: valuetext(lam), R_valuetext: valuetext(R),
  }
}"""

_CACHE: dict = {}


def view_of(lang="ja", **changes):
    key = (lang, tuple(sorted(changes.items())))
    if key not in _CACHE:
        _CACHE[key] = compute(State(**changes), lang)
    return _CACHE[key]


def shown(lab):
    return lab.page.evaluate(SHOWN_JS)


def assert_shows(lab, view, index=None):
    """Every linked view shows frame ``index`` of ``view`` (default: the slider's); return it."""
    now = shown(lab)
    stack = view.stack
    if index is None:
        index = now["index"]
    assert now["index"] == index
    frame, values = stack.frame(index), stack.frame_values(index)
    np.testing.assert_array_equal(now["fit_x"], frame["fit"]["x"])
    np.testing.assert_array_equal(now["fit_y"], frame["fit"]["y"])
    np.testing.assert_array_equal(now["coef_w"], frame["coef"]["w"])
    np.testing.assert_array_equal(np.array(now["coef_zero"], float), frame["coef"]["zero"])
    np.testing.assert_array_equal(now["errdot_y"], frame["errdot"]["y"])
    np.testing.assert_array_equal(now["pathdot_y"], frame["pathdot"]["y"])
    np.testing.assert_array_equal(now["data_y"], view.y)
    assert now["readout"] == values["readout"]
    assert now["cursor"] == values["lam_x"] == now["path_cursor"]
    # the R face shows the same frame, from the other end
    assert now["R_position"] == now["n_R"] - 1 - index
    assert now["R_value"] == values["R_label"]
    assert now["R_valuetext"] == values["R_label"]
    assert now["lam_valuetext"] == values["lam_label"]
    return index


def wait_for_frames(lab, view):
    """Wait until the server's recompute reached the browser (the readout of the new stack)."""
    texts = set(view.stack.texts["readout"])
    lab.page.wait_for_function(
        "(texts) => texts.includes(Bokeh.documents[0]"
        ".get_model_by_name('overfitting.readout.readout').text)",
        arg=sorted(texts), timeout=15_000)


def test_loads_offline_and_both_faces_scrub_every_view(lab_server, lab):
    from reglab.bases import PolynomialBasis
    from reglab.paths import fit_path

    lab.open(f"{lab_server}/{NAME}")
    page = lab.page
    title = translate("page.overfitting.title", "ja")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page).to_have_title(title)
    assert lab.slider().count() == 1 and lab.slider("control.radius.aria").count() == 1
    assert page.get_by_role("slider", name=translate("control.degree", "ja")).count() == 1
    expect(page.locator("mjx-container").first).to_be_visible()
    assert lab.legend_items_without_swatch() == []  # the fit's line, the "exactly 0" marker
    view = view_of()
    start = assert_shows(lab, view, view.start)  # the frame of lowest test error
    page.screenshot(path="/tmp/reglab_overfitting_ja.png", full_page=True)

    # keyboard on the λ face
    lam_handle = lab.slider()
    lam_handle.focus()
    for _ in range(4):
        lam_handle.press("ArrowRight")
    index = assert_shows(lab, view, start + 4)
    # the numbers agree with the core's solution at the frame's λ
    X = PolynomialBasis(view.state.degree, view.state.basis).transform(view.x)
    solution = fit_path(X, view.y, make_penalty(view.state),
                        lams=view.lams[1:]).solution(lam=view.lams[index])
    np.testing.assert_allclose(shown(lab)["coef_w"], solution.coef, rtol=1e-12,
                               atol=1e-12 * np.max(np.abs(solution.coef)))
    # the R face: right means a larger radius, a smaller λ
    R_handle = lab.slider("control.radius.aria")
    R_handle.focus()
    for _ in range(3):
        R_handle.press("ArrowRight")
    assert_shows(lab, view, index - 3)
    R_handle.press("Home")  # the smallest radius: the largest λ
    assert_shows(lab, view, view.stack.n_frames - 1)
    lam_handle.focus()
    lam_handle.press("Home")  # λ = 0: least squares
    assert_shows(lab, view, 0)
    assert shown(lab)["lam_valuetext"] == "0"

    # a mouse drag of the λ face, from λ = 0 rightwards: a whole frame at every step
    box = lam_handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse = page.mouse
    mouse.move(x, y)
    mouse.down()
    seen = [shown(lab)["index"]]
    for step in range(1, 7):
        mouse.move(x + 25 * step, y)
        seen.append(assert_shows(lab, view))
    mouse.up()
    assert all(a <= b for a, b in zip(seen, seen[1:], strict=False)), seen
    assert seen[-1] > seen[0] + 10, seen
    lab.assert_clean()
    assert lab.log.console_warnings == []


def test_problem_controls_recompute_and_the_url_round_trips(lab_server, new_lab):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/{NAME}?basis=legendre")
    page = lab.page
    old = view_of("en", basis="legendre")
    lam = old.lams[shown(lab)["index"]]
    page.get_by_label(translate("control.penalty", "en"), exact=True).select_option(
        label=translate("penalty.l1", "en"))
    lasso = view_of("en", penalty="l1", basis="legendre")
    wait_for_frames(lab, lasso)
    assert_shows(lab, lasso, frame_for_lambda(lasso.stack, lam))  # λ kept
    degree = page.get_by_role("slider", name=translate("control.degree", "en"))
    degree.focus()
    degree.press("ArrowRight")
    final = view_of("en", penalty="l1", basis="legendre", degree=10)
    wait_for_frames(lab, final)
    index = assert_shows(lab, final)
    lab.slider(lang="en").focus()
    lab.slider(lang="en").press("ArrowLeft")
    index = assert_shows(lab, final, index - 1)
    # the URL holds the whole state, λ exactly
    query = lab.wait_for_query(lam=repr(float(final.lams[index])))
    assert query["penalty"] == "l1" and query["basis"] == "legendre"
    assert query["degree"] == "10" and float(query["lam"]) == final.lams[index]
    # a fresh page opened at that URL shows exactly the same
    fresh = new_lab("en-US")
    fresh.open(page.url)
    assert_shows(fresh, final, index)
    stale = ("lam_valuetext", "R_valuetext")
    assert ({k: v for k, v in shown(fresh).items() if k not in stale}
            == {k: v for k, v in shown(lab).items() if k not in stale})
    lab.assert_clean()
    fresh.assert_clean()


def test_language_switch_changes_the_texts(lab_server, new_lab):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/{NAME}?lang=en&degree=5&penalty=l1")
    page = lab.page
    expect(page.get_by_role("heading", name=translate("page.overfitting.title", "en"))
           ).to_be_visible()
    title = "() => Bokeh.documents[0].get_model_by_name('overfitting.errors_plot').title.text"
    assert page.evaluate(title) == translate("page.overfitting.plot.errors", "en")
    english = view_of("en", degree=5, penalty="l1")
    index = assert_shows(lab, english, english.start)
    lab.slider(lang="en").focus()
    lab.slider(lang="en").press("ArrowRight")  # a state of the learner's own
    assert_shows(lab, english, index + 1)
    lam = repr(float(english.stack.values["lam"][index + 1]))
    page.wait_for_function("(lam) => new URLSearchParams(location.search).get('lam') === lam",
                           arg=lam)
    page.get_by_role("link", name=translate("app.language.ja", "en")).click()
    page.wait_for_url(re.compile(r".*lang=ja.*"))
    lab.wait_ready()  # the Japanese page, in the same state
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert (query["degree"], query["penalty"], query["lam"]) == ("5", "l1", lam)
    expect(page.get_by_role("heading", name=translate("page.overfitting.title", "ja"))
           ).to_be_visible()
    title = "() => Bokeh.documents[0].get_model_by_name('overfitting.errors_plot').title.text"
    assert page.evaluate(title) == translate("page.overfitting.plot.errors", "ja")
    expect(page.get_by_text(translate("page.overfitting.lead", "ja")[:20])).to_be_visible()
    assert_shows(lab, view_of("ja", degree=5, penalty="l1"), index + 1)
    page.screenshot(path="/tmp/reglab_overfitting_ja_switched.png", full_page=True)
    lab.assert_clean()


def test_bad_input_shows_a_message_and_the_page_keeps_working(lab_server, new_lab):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/{NAME}?degree=99&noise=loud&lang=en")
    page = lab.page
    alert = page.locator(".alert-warning").first
    expect(alert).to_contain_text("degree = 99")
    expect(page.get_by_role("alert")).to_contain_text("degree = 99")  # announced
    expect(alert).to_contain_text("noise = loud")
    view = view_of("en")
    assert_shows(lab, view, view.start)  # the defaults, not a crash
    # the bad entries were replaced in the URL
    page.wait_for_function("() => new URLSearchParams(location.search).get('degree') === '9'")
    box = page.get_by_label(translate("control.n_samples", "en"), exact=True)
    box.fill("500")
    box.press("Enter")
    expect(page.locator(".alert-warning").first).to_contain_text(
        translate("page.overfitting.controls.rule.integer", "en", low="2", high="200"))
    expect(box).to_have_value("10")
    assert_shows(lab, view)  # the previous problem is kept
    lab.slider(lang="en").focus()
    lab.slider(lang="en").press("ArrowRight")
    assert_shows(lab, view, view.start + 1)
    box.fill("20")
    box.press("Enter")
    wait_for_frames(lab, view_of("en", n=20))
    expect(page.locator(".alert-warning").first).to_be_hidden()
    page.screenshot(path="/tmp/reglab_overfitting_en.png", full_page=True)
    # no penalty: one least-squares frame, the cursor disabled, and the page says so
    page.get_by_label(translate("control.penalty", "en"), exact=True).select_option(
        label=translate("penalty.none", "en"))
    least_squares = view_of("en", n=20, penalty="none")
    wait_for_frames(lab, least_squares)
    assert_shows(lab, least_squares, 0)
    assert lab.prop(LAM_SLIDER, "disabled") is True and lab.prop(R_SLIDER, "disabled") is True
    for note in least_squares.notes:
        expect(page.get_by_text(note[:40]).first).to_be_visible()
    lab.assert_clean()


def test_downloads_and_the_exported_file(lab_server, new_lab, tmp_path):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/{NAME}?penalty=l1&basis=legendre&scale=log&lam=0.01&lang=en")
    page = lab.page
    with page.expect_download() as download:
        page.get_by_role("button", name=translate("page.overfitting.controls.download_png",
                                                  "en")).click()
    assert download.value.suggested_filename == "reglab-overfitting.png"
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as download:
        page.get_by_role("button", name=translate("control.download", "en")).click()
    saved = tmp_path / "saved.html"
    download.value.save_as(saved)
    lab.assert_clean()
    # the saved file: no server, no network, the cursor still scrubs, the state kept
    offline = new_lab("en-US")
    offline.open(saved.as_uri())
    assert all(re.match(r"(file|data|blob):", url) for url in offline.log.requests)
    view = view_of("en", penalty="l1", basis="legendre")
    start = assert_shows(offline, view, frame_for_lambda(view.stack, 0.01))
    assert offline.prop(f"{NAME}.coef_log_axis", "visible") is True  # the log face kept
    offline.slider(lang="en").focus()
    offline.slider(lang="en").press("ArrowLeft")
    assert_shows(offline, view, start - 1)
    offline.assert_clean()


# Every change the page's document makes, with whether BokehJS sends it to the server.
RECORD_CHANGES_JS = """() => {
  window.__changes = []
  Bokeh.documents[0].on_change((event) => {
    for (const e of event.events ?? [event]) {
      window.__changes.push([e.model ? e.model.type : null, e.attr ?? null, e.sync])
    }
  })
}"""

# The readout as the page shows it, and the frame's text rendered the same way.
READOUT_TEXT_JS = """(html) => {
  const div = Bokeh.documents[0].get_model_by_name("overfitting.readout.readout")
  const parsed = document.createElement("template")
  parsed.innerHTML = html
  return [Bokeh.index.find_one(div).markup_el.textContent, parsed.content.textContent]
}"""


def test_a_lambda_step_stays_in_the_browser_until_the_gesture_ends(lab_server, lab):
    lab.open(f"{lab_server}/{NAME}?lang=en")
    view = view_of("en")
    lab.page.evaluate(RECORD_CHANGES_JS)

    def synced_since(start):
        changes = [tuple(c) for c in lab.page.evaluate("() => window.__changes")][start:]
        return changes, [(kind, attr) for kind, attr, sync in changes if sync]

    lab.slider(lang="en").focus()
    lab.slider(lang="en").press("ArrowLeft")
    index = assert_shows(lab, view)
    changes, synced = synced_since(0)
    # the cursors, the readouts and the other face moved in the browser without telling the
    # server; a key press ends its gesture: the server hears that stop, once
    assert ("Span", "location", False) in changes
    assert ("CategoricalSlider", "value", False) in changes
    assert synced == [("CategoricalSlider", "value_throttled")]
    # the readout's text was written into the page: it shows the frame's text
    shown_text, frame_text = lab.page.evaluate(READOUT_TEXT_JS, view.stack.texts["readout"][index])
    assert shown_text == frame_text and frame_text
    # the server followed (λ in the URL, exact)
    lab.page.wait_for_function(
        "(lam) => new URLSearchParams(location.search).get('lam') === lam",
        arg=repr(float(view.stack.values["lam"][index])), timeout=10_000)
    # a drag: every move shows its frame, nothing is sent until the release
    box = lab.slider(lang="en").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    start = len(lab.page.evaluate("() => window.__changes"))
    lab.page.mouse.move(x, y)
    lab.page.mouse.down()
    for k in (1, 2, 3):
        lab.page.mouse.move(x + 12 * k, y)
        assert assert_shows(lab, view) != index
    assert synced_since(start)[1] == []
    lab.page.mouse.up()
    released = assert_shows(lab, view)
    assert synced_since(start)[1] == [("CategoricalSlider", "value_throttled")]
    lab.page.wait_for_function(
        "(lam) => new URLSearchParams(location.search).get('lam') === lam",
        arg=repr(float(view.stack.values["lam"][released])), timeout=10_000)
    lab.assert_clean()


# Counts, per plot, how often Bokeh measures an axis's tick labels (to check the plot layout).
COUNT_AXIS_MEASURES_JS = """() => {
  window.__measured = {}
  for (const view of Bokeh.index.all_views()) {
    if (typeof view._tick_label_extents !== "function" || view.__counted) { continue }
    const measure = view._tick_label_extents, plot = view.plot_view.model.name
    view._tick_label_extents = function () {
      window.__measured[plot] = (window.__measured[plot] ?? 0) + 1
      return measure.call(this)
    }
    view.__counted = true
  }
}"""


def test_a_lambda_step_does_not_remeasure_the_axes_new_frames_do(lab_server, lab):
    lab.open(f"{lab_server}/{NAME}?lang=en")
    view = view_of("en")
    key = lab.slider(lang="en")
    key.focus()
    key.press("ArrowRight")  # the first step sets things up
    assert_shows(lab, view)
    lab.page.wait_for_timeout(300)
    lab.page.evaluate(COUNT_AXIS_MEASURES_JS)
    for _ in range(3):
        key.press("ArrowRight")
        assert_shows(lab, view)
        lab.page.wait_for_timeout(100)
    lab.page.wait_for_timeout(300)
    # the four linked plots repainted three times (their ranges are fixed while scrubbing)
    assert lab.page.evaluate("() => window.__measured") == {}
    # new frames from the server (another degree): the axes are measured again
    degree = lab.page.get_by_role("slider", name=translate("control.degree", "en"))
    degree.focus()
    degree.press("ArrowRight")
    wait_for_frames(lab, view_of("en", degree=10))
    lab.page.wait_for_timeout(500)
    measured = lab.page.evaluate("() => window.__measured")
    assert {f"{NAME}.fit_plot", f"{NAME}.coef_plot"} <= set(measured), measured
    lab.assert_clean()


def test_the_coefficients_switch_to_the_log_face(lab_server, lab):
    lab.open(f"{lab_server}/{NAME}?lang=en")
    assert lab.prop(f"{NAME}.coef_log_axis", "visible") is False
    lab.page.get_by_role("button", name=translate("page.overfitting.scale.log", "en")).click()
    lab.page.wait_for_function(
        f"() => Bokeh.documents[0].get_model_by_name('{NAME}.coef_log_axis').visible")
    title = lab.page.evaluate(
        f"() => Bokeh.documents[0].get_model_by_name('{NAME}.coef_plot').title.text")
    assert title == translate("page.overfitting.plot.coef_log", "en")
    faces = lab.page.evaluate(f"""() => {{
      const plot = Bokeh.documents[0].get_model_by_name('{NAME}.coef_plot')
      return plot.renderers.filter((r) => r.glyph.top !== undefined)
        .map((r) => [r.glyph.top.field, r.visible])
    }}""")
    assert sorted(faces) == [["mag", True], ["w", False]]
    lab.page.wait_for_function("() => new URLSearchParams(location.search).get('scale') === 'log'")
    lab.assert_clean()


def test_a_face_stepping_back_to_its_last_stop_updates_lambda_and_the_url(lab_server, lab):
    # (the λ face's last reported stop was its own: stepping back to it after the R face had
    # moved changed nothing the server heard, and the URL kept the R face's λ)
    lab.open(f"{lab_server}/{NAME}?lang=en")
    view = view_of("en")
    start = shown(lab)["index"]

    def url_shows(index):
        lab.page.wait_for_function(
            "(lam) => new URLSearchParams(location.search).get('lam') === lam",
            arg=repr(float(view.stack.values["lam"][index])), timeout=10_000)

    lam_face, R_face = lab.slider(lang="en"), lab.slider("control.radius.aria", lang="en")
    lam_face.focus()
    lam_face.press("ArrowRight")
    url_shows(assert_shows(lab, view, start + 1))
    R_face.focus()
    R_face.press("ArrowRight")  # a larger radius: a smaller λ, back to the start
    url_shows(assert_shows(lab, view, start))
    lam_face.focus()
    lam_face.press("ArrowRight")  # the λ face's own last stop again
    url_shows(assert_shows(lab, view, start + 1))
    R_face.focus()
    R_face.press("ArrowRight")
    url_shows(assert_shows(lab, view, start))
    lab.assert_clean()
