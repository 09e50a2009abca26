"""The lab's shared control helpers: query fields, messages, code card, downloads, λ cursor."""

from __future__ import annotations

import html
import io
import math

import numpy as np
import panel as pn
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reglab._validation import ReglabInputError
from reglab.lab import controls
from reglab.lab.controls import (
    KEYS,
    Debounced,
    Field,
    MessageArea,
    code_panel,
    distinct_labels,
    export_download,
    figure_downloads,
    frame_for_lambda,
    lambda_cursor,
    page_query,
    read_query,
    sync_to_url,
)
from reglab.lab.frames import FrameStack
from reglab.lab.i18n import LANGUAGES, catalog, format_number, translate
from reglab.lab.scrub import LOCAL_STEPS_TAG, Scrubber

SPEC = {
    "degree": Field(int, 9, 0, 30),
    "noise": Field(float, 0.3, 0.0, 2.0),
    "basis": Field(str, "monomial", choices=("monomial", "legendre")),
    "test": Field(bool, True),
    "lam": Field(float, 0.0, 0.0, None),
}


# -- Field -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("field", "text", "value"), [
    (SPEC["degree"], "12", 12),
    (SPEC["degree"], " 0 ", 0),
    (SPEC["degree"], "30", 30),
    (SPEC["degree"], "1e1", 10),
    (SPEC["degree"], "7.0", 7),
    (SPEC["noise"], "0.25", 0.25),
    (SPEC["noise"], "2", 2.0),
    (SPEC["basis"], "legendre", "legendre"),
    (SPEC["test"], "false", False),
    (SPEC["test"], "TRUE", True),
    (SPEC["test"], "0", False),
    (SPEC["lam"], "1e300", 1e300),
])
def test_field_parses_good_values(field, text, value):
    parsed = field.parse("x", text)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(("field", "text"), [
    (SPEC["degree"], "31"), (SPEC["degree"], "-1"), (SPEC["degree"], "7.5"),
    (SPEC["degree"], "nine"), (SPEC["degree"], ""), (SPEC["degree"], "inf"),
    (SPEC["noise"], "nan"), (SPEC["noise"], "inf"), (SPEC["noise"], "-0.1"),
    (SPEC["noise"], "2.0000001"), (SPEC["noise"], "0x10"),
    (SPEC["basis"], "Legendre"), (SPEC["basis"], ""),
    (SPEC["test"], "yes"),
    (SPEC["lam"], "-1e-300"),
])
def test_field_rejects_bad_values_with_one_line(field, text):
    with pytest.raises(ReglabInputError) as caught:
        field.parse("name", text)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("name: must be ")
    assert message.endswith(f"got {text!r}")


def test_field_checks_typed_values_and_its_default():
    assert SPEC["degree"].check("d", np.int64(3)) == 3
    assert SPEC["degree"].check("d", 3.0) == 3
    for bad in (True, 3.5, "3", None, 31):
        with pytest.raises(ReglabInputError):
            SPEC["degree"].check("d", bad)
    with pytest.raises(ReglabInputError, match="default: must be an integer in"):
        Field(int, 40, 0, 30)
    with pytest.raises(ReglabInputError, match="kind"):
        Field(list, [])


@given(st.floats(min_value=0.0, max_value=2.0, allow_nan=False))
def test_float_format_parses_back_exactly(value):
    field = SPEC["noise"]
    assert field.parse("noise", field.format(value)) == value


@given(st.integers(min_value=0, max_value=30), st.booleans(),
       st.sampled_from(["monomial", "legendre"]))
def test_query_round_trip(degree, test, basis):
    values = {"degree": degree, "noise": 0.3, "basis": basis, "test": test, "lam": 0.0}
    query = {name: SPEC[name].format(value) for name, value in values.items()}
    parsed, problems = read_query(query, SPEC, "en")
    assert parsed == values and problems == []


# -- read_query --------------------------------------------------------------------------------
def test_read_query_defaults_and_good_values():
    values, problems = read_query(None, SPEC, "ja")
    assert values == {name: field.default for name, field in SPEC.items()}
    assert problems == []
    values, problems = read_query({"degree": "3", "lang": "en", "basis": "legendre"}, SPEC, "en")
    assert values["degree"] == 3 and values["basis"] == "legendre" and problems == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_read_query_reports_bad_and_unknown_entries_in_the_language(lang):
    query = {"degree": "99", "noise": "loud", "basis": "<b>x</b>", "colour": "red"}
    values, problems = read_query(query, SPEC, lang)
    assert values["degree"] == 9 and values["noise"] == 0.3 and values["basis"] == "monomial"
    assert len(problems) == 4
    assert problems[0] == translate(KEYS["query_problem"], lang, name="degree", value="99",
                                    rule=SPEC["degree"].rule_text(lang), default="9")
    assert "loud" in problems[1] and "0.3" in problems[1]
    assert "monomial, legendre" in problems[2]
    assert problems[3] == translate(KEYS["query_unknown"], lang, name="colour")
    assert all("\n" not in p for p in problems)


def test_read_query_quotes_long_values_shortly():
    _, problems = read_query({"basis": "x" * 500}, SPEC, "en")
    assert len(problems[0]) < 200 and "…" in problems[0]


def test_rule_texts_in_both_languages():
    for lang in LANGUAGES:
        assert "30" in SPEC["degree"].rule_text(lang)
        assert "0" in SPEC["lam"].rule_text(lang)
        assert translate(KEYS["rule.boolean"], lang) == SPEC["test"].rule_text(lang)


def test_every_key_is_in_both_catalogs():
    for lang in LANGUAGES:
        assert set(KEYS.values()) <= set(catalog(lang))
    assert "control.lambda.aria" in catalog("ja") and "control.download" in catalog("en")


def test_page_query_prefers_the_given_state():
    assert page_query({"degree": 3}) == {"degree": "3"}
    assert page_query(None) == {}  # no served session here


# -- labels ------------------------------------------------------------------------------------
def test_distinct_labels_use_few_digits_and_are_always_distinct():
    values = [0.0, 1e-7, 0.012345, 0.0123456, 12.3456789, 12.3456788, 5.0, 5.0]
    labels = distinct_labels(values)
    assert len(set(labels)) == len(labels)
    assert labels[0] == "0" and labels[1] == "10⁻⁷"
    # a clashing pair gets the fewest digits that tell it apart
    digits = next(k for k in range(3, 18)
                  if format_number(values[2], k) != format_number(values[3], k))
    assert digits == 5
    assert labels[2:4] == [format_number(values[2], digits), format_number(values[3], digits)]
    # the clashing pair needs all its digits; neighbours that do not clash keep 3
    assert labels[4] != labels[5] and labels[6] == "5" and labels[7] == "5 (2)"
    assert distinct_labels([1.5, 2.5]) == ["1.5", "2.5"]


# -- widgets -----------------------------------------------------------------------------------
def test_message_area_hides_when_empty_and_escapes_text():
    area = MessageArea()
    assert area.pane.visible is False
    area.show("degree: <script>alert(1)</script> *bold*", "")
    assert area.pane.visible is True and area.lines == [
        "degree: <script>alert(1)</script> *bold*"]
    assert "<script>" not in area.pane.object and "\\*bold\\*" in area.pane.object
    # what the browser gets (Panel escapes its HTML once more for transport)
    rendered = html.unescape(
        pn.pane.Markdown(area.pane.object)._transform_object(area.pane.object)["object"])
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "*bold*" in rendered and "<em>" not in rendered
    assert '<div role="alert">' in rendered  # a warning is announced at once
    area.show("a", "b", alert_type="danger")
    assert area.pane.alert_type == "danger"
    assert area.pane.object == '<div role="alert">\n\na\n\nb\n\n</div>'  # one paragraph each
    notes = MessageArea("info")
    notes.show("a note")
    assert notes.pane.object.startswith('<div role="status">')  # announced when idle
    area.clear()
    assert area.pane.visible is False and area.lines == []
    area.show()
    assert area.pane.visible is False


def test_code_panel_is_collapsed_and_shows_the_snippet():
    card, update = code_panel("en")
    assert card.collapsed and card.title == translate(KEYS["show_code"], "en")
    update("x = 1\nprint(x)\n")
    code = card.objects[0].object
    assert code == "```python\nx = 1\nprint(x)\n```"
    update("s = '````'")
    assert card.objects[0].object.startswith("`````python\n")


def test_figure_downloads_render_on_demand():
    calls = []

    def render(fmt):
        calls.append(fmt)
        return f"<{fmt}>".encode()

    row = figure_downloads(render, "fit", "ja")
    png, svg = row.objects
    assert calls == []  # nothing rendered before a click
    assert png.filename == "fit.png" and svg.filename == "fit.svg"
    assert png.label == translate(KEYS["download_png"], "ja")
    assert png.callback().read() == b"<png>" and svg.callback().read() == b"<svg>"
    assert calls == ["png", "svg"]


def test_export_download_writes_the_page_in_its_state():
    button = export_download("tour", "en", lambda: {})
    assert button.filename == "reglab-tour.html"
    assert button.label == translate("control.download", "en")
    payload = button.callback()
    assert isinstance(payload, io.BytesIO)
    text = payload.getvalue().decode("utf-8")
    assert text.lstrip().lower().startswith("<!doctype html")
    assert translate("page.tour.title", "en") in text


def test_sync_to_url_without_a_served_page_does_nothing():
    widget = pn.widgets.IntSlider(start=0, end=30, value=9)
    assert sync_to_url({"degree": widget}, SPEC) is False


# -- the λ cursor ----------------------------------------------------------------------------
def _stack(lams):
    lams = np.asarray(lams, dtype=float)
    R = 1.0 / (1.0 + lams)
    return FrameStack(
        views={"fit": {"x": np.arange(3.0), "y": np.outer(R, np.ones(3))}},
        values={"lam": lams, "R": R},
        texts={"lam_label": distinct_labels(lams), "R_label": distinct_labels(R)},
    )


def test_frame_for_lambda_is_log_nearest_and_exact_at_zero():
    stack = _stack([0.0, 1e-3, 1e-2, 1e-1, 1.0])
    assert frame_for_lambda(stack, 0.0) == 0
    assert frame_for_lambda(stack, 1e-9) == 1  # a tiny positive λ is not the λ = 0 end
    assert frame_for_lambda(stack, 0.02) == 2 and frame_for_lambda(stack, 0.04) == 3
    assert frame_for_lambda(stack, 1e9) == 4


def test_lambda_cursor_faces_move_together_and_mirror_lambda():
    lams = np.concatenate([[0.0], np.geomspace(1e-4, 10, 11)])
    stack = _stack(lams)
    scrub = Scrubber(stack, name="t", index=3)
    cursor = lambda_cursor(scrub, "en", width=300)
    assert cursor.lam == lams[3] and cursor.index == 3
    assert list(cursor.lam_slider.categories) == list(stack.texts["lam_label"])
    assert list(cursor.R_slider.categories) == list(stack.texts["R_label"])[::-1]
    assert cursor.R_slider.value == stack.texts["R_label"][3]
    assert cursor.lam_slider.tags == ["reglab-aria-label:"
                                      + translate("control.lambda.aria", "en"), LOCAL_STEPS_TAG]
    assert cursor.R_slider.tags == ["reglab-aria-label:"
                                    + translate("control.radius.aria", "en"), LOCAL_STEPS_TAG]
    # the browser moving the λ face reports each step's value back; λ follows, exactly, when
    # the gesture ends (the browser then sets value_throttled, read-only in Python: triggered)
    cursor.lam_slider.value = stack.texts["lam_label"][6]
    assert cursor.index == 6 and cursor.lam == lams[3]  # mid-gesture: not yet
    cursor.lam_slider.value = stack.texts["lam_label"][7]
    cursor.lam_slider.trigger("value_throttled", None, stack.texts["lam_label"][7])
    assert cursor.index == 7 and cursor.lam == lams[7]
    # a gesture on the R face ends before the server hears where the browser moved the λ
    # face: the end of the gesture settles both faces, and λ follows
    cursor.R_slider.trigger("value_throttled", None, stack.texts["R_label"][8])
    assert cursor.index == 8 and cursor.lam == lams[8]
    # setting λ (from the URL) moves both faces to the nearest frame
    cursor.lam = 0.9 * lams[9]
    assert cursor.index == 9 and cursor.lam == lams[9]
    assert cursor.R_slider.value == stack.texts["R_label"][9]
    cursor.lam = 0.0
    assert cursor.index == 0 and cursor.lam == 0.0
    # a recompute keeps the frame; refresh re-reads its λ
    scrub.update(_stack(lams * 2), index=5)
    cursor.refresh()
    assert cursor.lam == 2 * lams[5]
    assert cursor.sync_to_url() is False  # not served


def test_lambda_cursor_without_r_face_and_not_live():
    stack = _stack([0.0, 1.0, 2.0])
    scrub = Scrubber(stack, name="u")
    cursor = lambda_cursor(scrub, "ja", R_labels=None, live=False)
    assert cursor.R_slider is None and cursor.lam == 0.0
    cursor.lam_slider.value = stack.texts["lam_label"][2]
    assert cursor.lam == 0.0  # no server behind the page: nothing mirrors
    assert not math.isnan(cursor.goto(2.0))
    assert controls.LambdaCursor.param.lam.bounds == (0, None)


# -- the URL, with a Location standing in for a served page's ---------------------------------
@pytest.fixture
def location(monkeypatch):
    from panel.io.location import Location

    loc = Location(search="?degree=40&noise=0.5&lang=ja")
    monkeypatch.setattr(pn.state, "_location", loc)
    return loc


def test_sync_to_url_checks_values_coming_from_the_url(location):
    degree = pn.widgets.IntSlider(start=0, end=30, value=9)
    noise = pn.widgets.FloatInput(value=0.5)
    basis = pn.widgets.Select(options=["monomial", "legendre"], value="monomial")
    problems = []
    widgets = {"degree": degree, "noise": noise, "basis": basis}
    assert sync_to_url(widgets, SPEC, lang="en", on_problem=problems.append) is True
    # the page's validated values replace the bad entry; other parameters stay
    assert location.query_params == {"degree": 9, "noise": 0.5, "lang": "ja",
                                     "basis": "monomial"}
    assert problems == []
    # the browser connects and sends its own URL: good values reach the widgets, checked
    location.search = "?degree=12&noise=0.25&basis=legendre"
    assert (degree.value, noise.value, basis.value) == (12, 0.25, "legendre")
    assert problems == []
    # bad ones are reported (as read_query does) and replaced in the URL, never applied
    location.search = "?degree=99&noise=loud&basis=legendre"
    assert (degree.value, noise.value) == (12, 0.25)
    assert problems == [
        translate(KEYS["query_problem"], "en", name="degree", value="99",
                  rule=SPEC["degree"].rule_text("en"), default="12"),
        translate(KEYS["query_problem"], "en", name="noise", value="loud",
                  rule=SPEC["noise"].rule_text("en"), default="0.25"),
    ]
    assert location.query_params["degree"] == 12 and location.query_params["noise"] == 0.25
    # the widgets write their values back to the URL, floats exactly
    noise.value = 0.1 + 0.2
    assert location.query_params["noise"] == 0.1 + 0.2
    degree.value = 3
    assert location.query_params["degree"] == 3


def test_sync_to_url_without_spec_syncs_directly(location):
    widget = pn.widgets.IntSlider(start=0, end=30, value=9)
    assert sync_to_url({"degree": widget}) is True
    assert widget.value == 40  # Panel applies the URL as it is: pass a spec to check it


def test_message_area_add_skips_repeats():
    area = MessageArea()
    area.add("a")
    area.add("a", "b")
    assert area.lines == ["a", "b"] and area.pane.visible


def test_lambda_cursor_follows_the_url(location):
    lams = np.concatenate([[0.0], np.geomspace(1e-3, 1.0, 7)])
    stack = _stack(lams)
    cursor = lambda_cursor(Scrubber(stack, name="v", index=2), "en")
    assert cursor.sync_to_url("lam") is True
    assert location.query_params["lam"] == lams[2]
    cursor.lam_slider.value = stack.texts["lam_label"][5]
    cursor.lam_slider.trigger("value_throttled", None, stack.texts["lam_label"][5])  # released
    assert location.query_params["lam"] == lams[5]
    location.search = f"?lam={float(lams[3]) * 1.01!r}"
    assert cursor.index == 3 and cursor.lam == lams[3]
    assert location.query_params["lam"] == lams[3]


def test_debounced_runs_once_after_the_last_request_in_a_served_document():
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    runs = []
    assert not pn.state.curdoc
    Debounced(lambda: runs.append("now")).request()  # no document: at once
    assert runs == ["now"]
    doc = Document()
    with set_curdoc(doc):
        debounced = Debounced(lambda: runs.append("later"), delay_ms=40)
    for _ in range(3):
        debounced.request()
    # one timeout callback, rescheduled by each request
    assert debounced.pending and runs == ["now"]
    assert [cb.timeout for cb in doc.session_callbacks] == [40]
    doc.session_callbacks[0].callback()  # what the server's loop does 40 ms later
    assert runs == ["now", "later"] and not debounced.pending
    assert doc.session_callbacks == []
    debounced.request()
    debounced.cancel()
    assert doc.session_callbacks == [] and not debounced.pending
    debounced.cancel()  # nothing scheduled: nothing to do


def test_lambda_cursor_writes_the_url_a_moment_after_the_last_step(monkeypatch):
    from bokeh.document import Document
    from panel.io.location import Location
    from panel.io.state import set_curdoc

    lams = np.concatenate([[0.0], np.geomspace(1e-3, 1.0, 7)])
    stack = _stack(lams)
    doc, location = Document(), Location(search="?degree=4")
    monkeypatch.setitem(pn.state._locations, doc, location)  # the served session's URL
    with set_curdoc(doc):
        cursor = lambda_cursor(Scrubber(stack, name="v", index=2), "en")
        assert cursor.sync_to_url("lam") is True
    assert location.query_params["lam"] == lams[2]
    for k in (3, 4, 5):  # three key presses in a row
        label = stack.texts["lam_label"][k]
        cursor.lam_slider.trigger("value_throttled", None, label)
        assert cursor.lam == lams[k]  # the page follows each step at once
    assert location.query_params["lam"] == lams[2]  # the URL not yet
    assert len(doc.session_callbacks) == 1
    doc.session_callbacks[0].callback()
    assert location.query_params["lam"] == lams[5]
    # browser navigation: the URL's λ is shown at once, snapped to a frame, and written back
    location.search = f"?lam={float(lams[3]) * 1.01!r}"
    assert cursor.index == 3 and cursor.lam == lams[3]
    doc.session_callbacks[0].callback()
    assert location.query_params["lam"] == lams[3]


def test_released_slider_reports_only_the_release():
    slider = controls.released_slider(int, start=0, end=30, value=9)
    seen = []
    slider.param.watch(lambda event: seen.append(event.new), "value")
    slider._process_events({"value": 10})  # dragging: shown in the browser only
    slider._process_events({"value": 11})
    assert slider.value == 9 and seen == []
    slider._process_events({"value_throttled": 11})  # released
    assert slider.value == 11 and seen == [11]
    with pytest.raises(ReglabInputError):
        controls.released_slider(str)
    assert type(controls.released_slider(float, value=0.5)).__name__ == "ReleasedFloatSlider"
