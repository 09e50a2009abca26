"""The paths page in headless Chromium: offline, one cursor moving every view, URL state.

The expected frames are computed here by the same pure function the server runs
(``compute_view``); the displayed Bokeh sources must equal them bit for bit (float64 columns
travel as binary and the scrub callback copies them). That the frames are right is checked
without a browser in tests/test_lab_paths.py; here the coefficients at one cursor position are
also compared with the core's ``fit_path(...).solution(lam=...)``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from playwright.sync_api import expect

from reglab.lab.export import export_page
from reglab.lab.i18n import translate
from reglab.lab.pages.paths_frames import State, compute_view

pytestmark = pytest.mark.browser

NAME = "paths"
WAIT = 15_000  # ms: expectations on a busy machine (the page answers in well under 1 s)

# Everything the page shows, read in one round trip.
SHOWN_JS = """() => {
  const doc = Bokeh.documents[0]
  const get = (name) => doc.get_model_by_name(name)
  const column = (name, col) => Array.from(get(name).get_column(col))
  const lam = get("paths.slider.lam_label"), R = get("paths.slider.R_label")
  const valuetext = (slider) => Bokeh.index.find_one(slider).shadow_el
      .querySelector("[role=slider]").getAttribute("aria-valuetext")
  const text = (key) => get("paths.readout." + key).text
  return {
    index: lam.categories.indexOf(lam.value),
    R_position: R.categories.indexOf(R.value), R_value: R.value, n_R: R.categories.length,
    coef_w: column("paths.coef", "w"), coef_user: column("paths.coef", "w_user"),
    coef_x: column("paths.coef", "x"), names: column("paths.coef", "name"),
    cv_x: column("paths.cv_point", "x"), cv_y: column("paths.cv_point", "y"),
    cv_lower: column("paths.cv_point", "lower"),
    readout: text("readout"), cv_readout: text("cv_readout"),
    objective: text("objective_text"), certificate: text("certificate_text"),
    table: text("coef_table"),
    path_cursor: get("paths.path_cursor").location, cv_cursor: get("paths.cv_cursor").location,
    lam_min: get("paths.lam_min_0").location, lam_1se: get("paths.lam_1se_1").location,
    x_start: get("paths.x_range").start, x_end: get("paths.x_range").end,
    lam_valuetext: valuetext(lam), R_valuetext: valuetext(R),
  }
}"""

_CACHE: dict = {}


def view_of(lang="ja", **changes):
    key = (lang, tuple(sorted(changes.items())))
    if key not in _CACHE:
        _CACHE[key] = compute_view(State(**changes), lang)
    return _CACHE[key]


def shown(lab):
    return lab.page.evaluate(SHOWN_JS)


def assert_shows(lab, view, index=None):
    """Every linked view shows frame ``index`` of ``view`` (default: the slider's); return it."""
    now = shown(lab)
    stack = view.frames
    if index is None:
        index = now["index"]
    assert now["index"] == index
    frame, values = stack.frame(index), stack.frame_values(index)
    np.testing.assert_array_equal(now["coef_w"], frame["coef"]["w"])
    np.testing.assert_array_equal(now["coef_user"], frame["coef"]["w_user"])
    np.testing.assert_array_equal(now["coef_x"], frame["coef"]["x"])
    assert now["names"] == list(frame["coef"]["name"])
    np.testing.assert_array_equal(now["cv_x"], frame["cv_point"]["x"])
    np.testing.assert_array_equal(now["cv_y"], frame["cv_point"]["y"])
    np.testing.assert_array_equal(now["cv_lower"], frame["cv_point"]["lower"])
    for key in ("readout", "cv_readout", "objective_text", "certificate_text"):
        assert now[{"objective_text": "objective", "certificate_text": "certificate"}.get(
            key, key)] == values[key]
    assert now["table"] == values["coef_table"]
    # the cursor on both plots sits at the frame's x, in the chosen face
    assert now["path_cursor"] == now["cv_cursor"] == values["x"]
    assert now["x_start"] <= values["x"] <= now["x_end"]
    assert now["lam_min"] == view.marks["lam_min"] and now["lam_1se"] == view.marks["lam_1se"]
    # the R face shows the same frame, from the other end
    assert now["R_position"] == now["n_R"] - 1 - index
    assert now["R_value"] == values["R_label"] == now["R_valuetext"]
    assert now["lam_valuetext"] == values["lam_label"]
    return index


def wait_for_frames(lab, view):
    """Wait until the server's recompute reached the browser (a readout of the new stack)."""
    lab.page.wait_for_function(
        "(texts) => texts.includes(Bokeh.documents[0]"
        ".get_model_by_name('paths.readout.readout').text)"
        " && Bokeh.documents[0].get_model_by_name('paths.coef').get_length() === "
        f"{view.frames.n_points('coef')}",
        arg=sorted(set(view.frames.texts["readout"])), timeout=20_000)


def test_loads_offline_at_lambda_min_with_math_and_named_sliders(lab_server, lab):
    lab.open(f"{lab_server}/{NAME}")
    page = lab.page
    title = translate("page.paths.title", "ja")
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=WAIT)
    expect(page).to_have_title(title)
    assert lab.slider().count() == 1 and lab.slider("control.radius.aria").count() == 1
    expect(page.locator("mjx-container").first).to_be_visible(timeout=WAIT)
    view = view_of()
    assert_shows(lab, view, view.marks["index_min"])
    page.screenshot(path="/tmp/reglab_paths_ja.png", full_page=True)
    lab.assert_clean()
    assert lab.log.console_warnings == []


def test_keyboard_moves_both_faces_and_the_views_agree_with_the_core(lab_server, lab):
    from reglab.datasets import load_prostate
    from reglab.paths import fit_path
    from reglab.penalties import L1

    lab.open(f"{lab_server}/{NAME}")
    view = view_of()
    start = shown(lab)["index"]
    lam_handle = lab.slider()
    lam_handle.focus()
    for _ in range(5):
        lam_handle.press("ArrowRight")
    index = assert_shows(lab, view, start + 5)
    # the coefficients shown are the core's solution at that λ
    data = load_prostate()
    X, y, _, _ = data.train_test()
    path = fit_path(X, y, L1(), standardize=True, feature_names=data.feature_names)
    solution = path.solution(lam=view.frames.values["lam"][index])
    np.testing.assert_allclose(shown(lab)["coef_user"], solution.coef, rtol=1e-12,
                               atol=1e-12)
    # the R face: right means a larger radius, a smaller λ
    R_handle = lab.slider("control.radius.aria")
    R_handle.focus()
    for _ in range(3):
        R_handle.press("ArrowRight")
    assert_shows(lab, view, index - 3)
    R_handle.press("Home")  # the smallest radius: the largest λ, every coefficient zero
    assert_shows(lab, view, view.frames.n_frames - 1)
    assert not np.any(shown(lab)["coef_w"])
    # the server mirrors the cursor in the URL
    lab.wait_for_query(lam=repr(float(view.frames.values["lam"][-1])))
    lab.assert_clean()


def test_mouse_drag_and_the_jumps_to_lambda_1se_and_lambda_min(lab_server, lab):
    lab.open(f"{lab_server}/{NAME}")
    view = view_of()
    page = lab.page
    box = lab.slider().bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse = page.mouse
    mouse.move(x, y)
    mouse.down()
    seen = [shown(lab)["index"]]
    for step in range(1, 13):
        mouse.move(x - 12 * step, y)
        seen.append(assert_shows(lab, view))
    mouse.up()
    assert all(a >= b for a, b in zip(seen, seen[1:], strict=False)), seen
    assert seen[-1] < seen[0] - 10, seen
    # "go to λ_1se": the cursor jumps there and every view follows, the server too
    page.get_by_role("button", name=translate("page.paths.goto_1se", "ja")).click()
    i_1se = view.marks["index_1se"]
    page.wait_for_function(
        "(i) => { const s = Bokeh.documents[0].get_model_by_name('paths.slider.lam_label');"
        " return s.categories.indexOf(s.value) === i }", arg=i_1se)
    assert_shows(lab, view, i_1se)
    assert "λ_1se" in shown(lab)["cv_readout"]
    assert shown(lab)["path_cursor"] == view.marks["lam_1se"]
    lab.wait_for_query(lam=repr(float(view.solved.cv.lam_1se)))
    page.get_by_role("button", name=translate("page.paths.goto_min", "ja")).click()
    page.wait_for_function(
        "(i) => { const s = Bokeh.documents[0].get_model_by_name('paths.slider.lam_label');"
        " return s.categories.indexOf(s.value) === i }", arg=view.marks["index_min"])
    assert_shows(lab, view, view.marks["index_min"])
    lab.wait_for_query(lam=repr(float(view.solved.cv.lam_min)))
    lab.assert_clean()


def test_problem_and_axis_controls_recompute_and_the_url_round_trips(lab_server, new_lab):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/{NAME}?lang=en")
    page = lab.page
    page.get_by_role("button", name=translate("page.paths.dataset.diabetes", "en")).click()
    diabetes = view_of("en", dataset="diabetes")
    wait_for_frames(lab, diabetes)
    assert_shows(lab, diabetes, diabetes.start)  # another data set: at its λ_min
    page.get_by_role("button", name=translate("penalty.l2", "en"), exact=True).click()
    ridge = view_of("en", dataset="diabetes", penalty="l2")
    wait_for_frames(lab, ridge)
    # the x axis: the cursor moves to the frame's R, then its df
    for xaxis in ("R", "df"):
        page.get_by_role("button", name=translate(f"page.paths.xaxis.{xaxis}", "en"),
                         exact=True).click()
        now = view_of("en", dataset="diabetes", penalty="l2", xaxis=xaxis)
        lab.page.wait_for_function(
            "(x) => Bokeh.documents[0].get_model_by_name('paths.path_cursor').location === x",
            arg=float(now.frames.values[xaxis][shown(lab)["index"]]))
        index = assert_shows(lab, now)
        assert shown(lab)["path_cursor"] == now.frames.values[xaxis][index]
    lab.slider(lang="en").focus()
    lab.slider(lang="en").press("ArrowLeft")
    index = assert_shows(lab, now, index - 1)
    lab.wait_for_query(lam=repr(float(now.frames.values["lam"][index])))
    query = lab.query()
    assert query["dataset"] == "diabetes" and query["penalty"] == "l2"
    assert query["xaxis"] == "df" and float(query["lam"]) == now.frames.values["lam"][index]
    before = shown(lab)
    fresh = new_lab("en-US")
    fresh.open(page.url)
    assert shown(fresh) == before
    lab.assert_clean()
    fresh.assert_clean()


def test_language_switch_changes_the_texts(lab_server, new_lab):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/{NAME}?lang=en&penalty=enet&dataset=toy")
    page = lab.page
    expect(page.get_by_role("heading", name=translate("page.paths.title", "en"))
           ).to_be_visible(timeout=WAIT)
    view = view_of("en", penalty="enet", dataset="toy")
    assert_shows(lab, view, view.start)
    page.screenshot(path="/tmp/reglab_paths_en.png", full_page=True)
    # the header's language link: the same state in the other language
    page.get_by_role("link", name=translate("app.language.ja", "en")).click()
    page.wait_for_url(re.compile(r".*lang=ja.*"), timeout=WAIT)
    lab.wait_ready()
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert (query["penalty"], query["dataset"]) == ("enet", "toy")
    expect(page.get_by_role("heading", name=translate("page.paths.title", "ja"))
           ).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(translate("page.paths.events.title", "ja"))
           ).to_be_visible(timeout=WAIT)
    # every text changes, no number does
    ja = view_of("ja", penalty="enet", dataset="toy")
    assert_shows(lab, ja, ja.start)
    assert shown(lab)["readout"] != view.frames.texts["readout"][ja.start]
    np.testing.assert_array_equal(ja.frames.values["lam"], view.frames.values["lam"])
    lab.assert_clean()


def test_bad_input_shows_a_message_and_the_page_keeps_working(lab_server, new_lab):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/{NAME}?dataset=toy&folds=many&degree=99&lang=en")
    page = lab.page
    # (Panel's Alert pane has no ARIA role: the messages are found by their text)
    expect(page.get_by_text("folds = many")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("degree = 99")).to_be_visible(timeout=WAIT)
    view = view_of("en", dataset="toy")
    assert_shows(lab, view, view.start)  # the defaults, not a crash
    page.wait_for_function("() => new URLSearchParams(location.search).get('degree') === '9'")
    box = page.get_by_label(translate("control.n_samples", "en"), exact=True)
    box.fill("500")
    box.press("Enter")
    expect(page.get_by_text("(got 500)")).to_be_visible(timeout=WAIT)
    expect(box).to_have_value("30", timeout=WAIT)
    assert_shows(lab, view)  # the previous problem is kept
    folds = page.get_by_label(translate("control.n_folds", "en"), exact=True)
    folds.fill("20")
    folds.press("Enter")
    twenty = view_of("en", dataset="toy", folds=20)
    wait_for_frames(lab, twenty)
    expect(page.get_by_text("(got 500)")).to_be_hidden(timeout=WAIT)  # a good change clears
    box.fill("10")  # 20 folds of 10 rows: the core refuses, the page says so
    box.press("Enter")
    expect(page.get_by_text("must be <= the number of rows")).to_be_visible(timeout=WAIT)
    expect(box).to_have_value("30", timeout=WAIT)
    index = assert_shows(lab, twenty)  # λ kept from before the recompute
    lab.slider(lang="en").focus()
    lab.slider(lang="en").press("ArrowRight")
    assert_shows(lab, twenty, index + 1)
    lab.assert_clean()


def test_downloads_and_the_exported_file(lab_server, new_lab, tmp_path):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/{NAME}?penalty=enet&l1_ratio=0.7&xaxis=s&lang=en")
    page = lab.page
    with page.expect_download() as download:
        page.get_by_role("button", name=translate("page.overfitting.controls.download_svg",
                                                  "en")).click()
    assert b"<svg" in Path(download.value.path()).read_bytes()[:2000]
    lab.assert_clean()
    # The saved file (what "Save as HTML" sends; made here in the test process, see the
    # report on export_download): no server, no network; the cursor and the jumps work.
    state = lab.query()
    saved = export_page(tmp_path / "saved.html", NAME, "en", state=state)
    offline = new_lab("en-US")
    offline.open(saved.as_uri())
    assert all(re.match(r"(file|data|blob):", url) for url in offline.log.requests)
    view = view_of("en", penalty="enet", l1_ratio=0.7, xaxis="s")
    start = assert_shows(offline, view, view.start)
    offline.slider(lang="en").focus()
    offline.slider(lang="en").press("ArrowLeft")
    assert_shows(offline, view, start - 1)
    offline.page.get_by_role("button", name=translate("page.paths.goto_1se", "en")).click()
    assert_shows(offline, view, view.marks["index_1se"])
    assert offline.page.get_by_role(
        "button", name=translate("page.paths.dataset.toy", "en")).is_disabled()
    offline.assert_clean()
