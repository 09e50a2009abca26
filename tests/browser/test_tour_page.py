"""The guided tour in headless Chromium: its buttons, and every step's link, followed.

Following a step's link must open the target page in the step's state: the page's λ cursor
on the frame the step names and every displayed data source equal to that frame, as the
target page's own pure functions compute it (:func:`reglab.lab.pages.tour.target_frames`;
float64 columns travel as binary, so the comparison is exact), and the page's URL holding
the step's parameters. That the step's claims hold for those frames is checked without a
browser in tests/test_lab_tour.py.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from reglab.lab.controls import frame_for_lambda
from reglab.lab.i18n import translate
from reglab.lab.pages import find_page
from reglab.lab.pages.tour import target_frames, target_state, tour_steps

pytestmark = pytest.mark.browser

STEPS = tour_steps()
SCREENSHOTS = {"ja": "/tmp/reglab_tour_ja.png", "en": "/tmp/reglab_tour_en.png"}
CURSOR = {
    "overfitting": ("lam", lambda stack, text: frame_for_lambda(stack, float(text))),
    "geometry": ("R", lambda stack, text: stack.nearest("R", float(text))),
    "paths": ("lam", lambda stack, text: frame_for_lambda(stack, float(text))),
}
"""Per page: the URL parameter of its cursor and the frame a value of it names."""


# The λ face's stop and every column of the scrubber's displayed sources.
SHOWN_JS = """([slug, views]) => {
  const doc = Bokeh.documents[0]
  const slider = doc.get_model_by_name(slug + ".slider.lam_label")
  const out = {index: slider.categories.indexOf(slider.value), views: {}}
  for (const view of views) {
    const source = doc.get_model_by_name(slug + "." + view)
    out.views[view] = {}
    for (const column of source.columns()) {
      out.views[view][column] = Array.from(source.get_column(column),
        (v) => (typeof v === "number" && Number.isNaN(v)) ? "NaN" : v)
    }
  }
  return out
}"""


def without_cursor(state, parameter):
    """A target page's parsed state without its cursor (dict or dataclass)."""
    if isinstance(state, dict):
        return {k: v for k, v in state.items() if k != parameter}
    return dataclasses.replace(state, **{parameter: None})


def assert_shows_frame(lab, slug, stack, index):
    shown = lab.page.evaluate(SHOWN_JS, [slug, list(stack.views)])
    assert shown["index"] == index
    expected = stack.frame(index)
    for view, columns in expected.items():
        assert set(shown["views"][view]) == set(columns), view
        for column, values in columns.items():
            got = shown["views"][view][column]
            if values.dtype.kind in "US":
                assert got == values.tolist(), f"{view}.{column}"
            else:
                got = np.array([np.nan if v == "NaN" else v for v in got], dtype=float)
                np.testing.assert_array_equal(got, values, err_msg=f"{view}.{column}")


def step_title(lab, number, lang):
    title = STEPS[number - 1].text("title", lang)
    return lab.page.get_by_role("heading", name=f"{number}. {title}")


def buttons(lab, lang):
    return (lab.page.get_by_role("button", name=translate("tour.previous", lang)),
            lab.page.get_by_role("button", name=translate("tour.next", lang)))


def test_tour_loads_offline_and_the_buttons_walk_the_steps(lab_server, new_lab):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/tour")
    page = lab.page
    expect(page.get_by_role("heading", name=translate("page.tour.title", "en"))).to_be_visible()
    expect(page).to_have_title(translate("page.tour.title", "en"))
    expect(step_title(lab, 1, "en")).to_be_visible()
    expect(page.locator("mjx-container").first).to_be_visible()  # the formula, typeset
    previous, following = buttons(lab, "en")
    expect(previous).to_be_disabled()
    following.click()
    expect(step_title(lab, 2, "en")).to_be_visible()
    assert lab.wait_for_query(step="2")["step"] == "2"
    expect(page.get_by_text(translate("tour.step", "en", current=2, total=len(STEPS)),
                            exact=True)).to_be_visible()
    page.screenshot(path=SCREENSHOTS["en"], full_page=True)
    previous.click()
    expect(step_title(lab, 1, "en")).to_be_visible()
    lab.wait_for_query(step="1")
    lab.assert_clean()
    assert lab.log.console_warnings == []

    lab = new_lab("ja-JP")
    lab.open(f"{lab_server}/tour?step={len(STEPS) - 1}")
    expect(step_title(lab, len(STEPS) - 1, "ja")).to_be_visible()
    previous, following = buttons(lab, "ja")
    following.click()
    expect(step_title(lab, len(STEPS), "ja")).to_be_visible()
    expect(following).to_be_disabled()  # the last step
    expect(previous).to_be_enabled()
    lab.page.screenshot(path=SCREENSHOTS["ja"], full_page=True)
    lab.assert_clean()
    assert lab.log.console_warnings == []


@pytest.mark.parametrize("number", range(1, len(STEPS) + 1))
def test_following_a_step_link_opens_its_page_in_that_state(lab_server, new_lab, number):
    step = STEPS[number - 1]
    lang, locale = ("ja", "ja-JP") if number % 2 else ("en", "en-US")
    stack, index = target_frames(step, lang)
    lab = new_lab(locale)
    lab.open(f"{lab_server}/tour?step={number}")
    expect(step_title(lab, number, lang)).to_be_visible()
    link = lab.page.locator(f"#tour-open-{number}")
    expect(link).to_have_text(translate("page.tour.open", lang,
                                        page=translate(find_page(step.page).title_key, lang)))
    link.click()
    lab.page.wait_for_url(re.compile(rf"/{step.page}\?"))
    lab.wait_ready()
    expect(lab.page.get_by_role("heading", name=translate(f"page.{step.page}.title", lang),
                                exact=True)).to_be_visible()
    assert_shows_frame(lab, step.page, stack, index)
    # The page's URL (which it may rewrite: the cursor to its frame's exact value, a boolean
    # as Python writes it) parses back, with the page's own parser, to the same state.
    parameter, frame_of = CURSOR[step.page]
    query = lab.query()
    assert query.get("lang") == lang
    again = dataclasses.replace(step, query={k: query[k] for k in step.query})
    state, problems = target_state(again, lang)
    assert problems == []
    assert without_cursor(state, parameter) == without_cursor(target_state(step)[0], parameter)
    if parameter in step.query:
        assert frame_of(stack, query[parameter]) == index
    # No message: the page accepted every parameter of the link.
    assert lab.page.locator(".alert-warning:visible").count() == 0
    lab.assert_clean()
    if number == 4:  # the browser's back button returns to the same step of the tour
        lab.page.go_back()
        lab.page.wait_for_url(re.compile(r"/tour\?"))
        lab.wait_ready()
        expect(step_title(lab, number, lang)).to_be_visible()
        lab.assert_clean()


def test_a_bad_step_in_the_url_shows_a_message_and_step_one(lab_server, lab):
    lab.open(f"{lab_server}/tour?step=99")
    expect(lab.page.get_by_text("step = 99")).to_be_visible()
    expect(step_title(lab, 1, "ja")).to_be_visible()
    following = buttons(lab, "ja")[1]
    following.click()
    expect(step_title(lab, 2, "ja")).to_be_visible()  # and the page keeps working
    lab.assert_clean()
