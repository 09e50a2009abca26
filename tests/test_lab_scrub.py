"""The lab's Bokeh wiring, page registry and export, checked in Python.

The browser side (that a page shows these sources and the callback picks the right frame)
is in the pages' browser tests (tests/browser/test_<page>_page.py) and, generically over
every page and for saved files, in tests/browser/test_lab_wide.py.
"""

from __future__ import annotations

import base64
import contextlib
import re
import subprocess
import sys

import numpy as np
import panel as pn
import pytest
from bokeh.core.property.vectorization import Field, Value
from bokeh.document import Document
from bokeh.layouts import column
from bokeh.models import ColumnDataSource, Span
from bokeh.plotting import figure

from reglab._validation import ReglabInputError
from reglab.lab import scrub as scrub_module
from reglab.lab.frames import FrameStack
from reglab.lab.scrub import (
    ARIA_LABEL_TAG,
    LOCAL_STEPS_TAG,
    Scrubber,
    _legend_twin,
    aria_label_script,
    clipped_glyphs_script,
    glyph_alone_updates_script,
    local_steps_script,
    no_css_visuals_script,
    one_layout_per_patch_script,
    page_scripts,
    replace_data,
    unchanged_stylesheets_script,
)


def make_stack(n_frames=5, n_points=4, shift=0.0):
    lam = np.logspace(-3, 1, n_frames)
    x = np.linspace(0.0, 1.0, n_points)
    return FrameStack(
        views={"fit": {"x": x, "y": np.outer(1.0 / (1.0 + lam), x) + shift},
               "coef": {"w": np.outer(lam, [1.0, -1.0]) + shift}},
        values={"lam": lam},
        texts={"label": [f"{v:.4g}" for v in lam], "readout": [f"λ = {v:.4g}" for v in lam]},
    )


def test_sources_show_the_first_frame_and_hold_every_frame():
    stack = make_stack()
    scrub = Scrubber(stack, name="t", index=2)
    np.testing.assert_array_equal(scrub.sources["fit"].data["y"], stack.frame(2)["fit"]["y"])
    np.testing.assert_array_equal(scrub.sources["fit"].data["x"], stack.frame(2)["fit"]["x"])
    # Frames are flattened frame-major: frame i of a column of m points is [i m, (i + 1) m).
    flat = scrub.frame_sources["fit"].data["y"]
    np.testing.assert_array_equal(flat.reshape(stack.n_frames, -1), stack.views["fit"]["y"])
    assert set(scrub.frame_sources["fit"].data) == {"y"}  # static columns are not repeated
    values = scrub.values_source.data
    np.testing.assert_array_equal(values["frame"], np.arange(stack.n_frames))
    np.testing.assert_array_equal(values["lam"], stack.values["lam"])
    assert values["label"] == list(stack.texts["label"])
    assert scrub.sources["fit"].name == "t.fit"
    assert scrub.frame_sources["coef"].name == "t.coef.frames"
    assert scrub.values_source.name == "t.values"


def test_sliders_readouts_and_bindings_start_on_the_shown_frame():
    stack = make_stack()
    scrub = Scrubber(stack, name="t", index=1)
    slider = scrub.slider("label", title="λ", aria_label="regularization strength λ")
    backwards = scrub.slider("label", title="λ", aria_label="reverse", reverse=True)
    readout = scrub.readout("readout")
    cursor = Span(location=0.0, dimension="height")
    scrub.bind(cursor, "location", "lam")
    assert slider.categories == list(stack.texts["label"])
    assert slider.value == stack.texts["label"][1]
    assert backwards.categories == list(stack.texts["label"])[::-1]
    assert backwards.value == stack.texts["label"][1]
    assert slider.tags == [ARIA_LABEL_TAG + "regularization strength λ", LOCAL_STEPS_TAG]
    assert slider.name == "t.slider.label" and readout.name == "t.readout.readout"
    assert readout.text == stack.texts["readout"][1]
    assert cursor.location == stack.values["lam"][1]
    args = scrub.callback.args
    assert args["sliders"] == [slider, backwards] and args["reverse"] == [False, True]
    assert args["targets"] == [readout, cursor]
    assert args["attrs"] == ["text", "location"] and args["keys"] == ["readout", "lam"]
    assert slider.js_property_callbacks["change:value"] == [scrub.callback]
    assert scrub.index == 1


def test_the_whole_wiring_serializes_into_a_bokeh_document():
    stack = make_stack()
    scrub = Scrubber(stack, name="t")
    plot = figure()
    plot.line("x", "y", source=scrub.sources["fit"])
    doc = Document()
    doc.add_root(column(scrub.slider("label", title="λ", aria_label="λ"),
                        scrub.readout("readout"), plot))
    names = {m.name for m in doc.models if m.name}
    assert {"t.fit", "t.fit.frames", "t.coef", "t.coef.frames", "t.values"} <= names
    doc.to_json()  # raises if an argument of the callback cannot be sent to the browser


def test_bad_wiring_is_refused():
    stack = make_stack()
    scrub = Scrubber(stack, name="t")
    with pytest.raises(ReglabInputError, match="labels: must be one of the stack's texts"):
        scrub.slider("lam", title="λ", aria_label="λ")
    with pytest.raises(ReglabInputError, match="key: must be one of"):
        scrub.bind(Span(), "location", "nope")
    with pytest.raises(ReglabInputError, match="attr: must be a property of Span"):
        scrub.bind(Span(), "nope", "lam")
    with pytest.raises(ReglabInputError, match="key: must be one of the stack's texts"):
        scrub.readout("lam")
    duplicated = FrameStack({"v": {"y": np.zeros((3, 1))}}, texts={"label": ["a", "b", "a"]})
    with pytest.raises(ReglabInputError, match=r"texts\['label'\]: must be distinct.*got 'a'"):
        Scrubber(duplicated, name="d").slider("label", title="", aria_label="")
    reserved = FrameStack({"v": {"y": np.zeros((1, 1))}}, values={"frame": [0.0]})
    with pytest.raises(ReglabInputError, match="reserved"):
        Scrubber(reserved, name="r")
    with pytest.raises(ReglabInputError, match="name"):
        Scrubber(stack, name="")


def test_update_swaps_frames_of_other_counts_and_keeps_the_stop():
    scrub = Scrubber(make_stack(n_frames=5, n_points=4), name="t", index=3)
    slider = scrub.slider("label", title="λ", aria_label="λ")
    readout = scrub.readout("readout")
    new = make_stack(n_frames=8, n_points=6, shift=1.0)
    scrub.update(new)
    assert scrub.stack is new and scrub.index == 3
    np.testing.assert_array_equal(scrub.sources["fit"].data["y"], new.frame(3)["fit"]["y"])
    np.testing.assert_array_equal(scrub.frame_sources["coef"].data["w"],
                                  new.views["coef"]["w"].ravel())
    assert slider.categories == list(new.texts["label"])
    assert slider.value == new.texts["label"][3]
    assert readout.text == make_stack().texts["readout"][3]  # written by the browser
    shorter = make_stack(n_frames=2)
    scrub.update(shorter)  # the stop is clipped to the new frame count
    assert scrub.index == 1 and slider.value == shorter.texts["label"][1]
    scrub.update(new, index=-1)
    assert scrub.index == 7
    with pytest.raises(ReglabInputError, match="must have the layout of the current stack"):
        scrub.update(FrameStack({"fit": {"y": np.zeros((2, 2))}}))


def test_index_follows_the_slider_value_sent_back_by_the_browser():
    stack = make_stack()
    scrub = Scrubber(stack, name="t")
    slider = scrub.slider("label", title="λ", aria_label="λ", reverse=True)
    slider.value = stack.texts["label"][3]
    assert scrub.index == 3


def test_update_resends_values_the_server_copy_may_have_missed(monkeypatch):
    # The browser moves bound models without telling the server, so the server's copy of a
    # cursor's location can be stale; an update must send its value even when it is equal.
    stack = make_stack()
    scrub = Scrubber(stack, name="t", index=2)
    slider = scrub.slider("label", title="λ", aria_label="λ")
    cursor = Span(dimension="height")
    scrub.bind(cursor, "location", "lam")
    readout = scrub.readout("readout")
    plot = figure()
    plot.add_layout(cursor)
    document = Document()
    document.add_root(column(plot, readout, slider))
    # Panel's hold only dispatches inside a served session: record the events unbatched
    monkeypatch.setattr(scrub_module, "hold", lambda document: contextlib.nullcontext())
    sent = []
    document.on_change(lambda event: sent.append((event.model, getattr(event, "attr", None))))
    scrub.update(make_stack(shift=1.0), index=2)  # same λ and texts at frame 2: equal values
    assert (cursor, "location") in sent and (slider, "value") in sent
    assert cursor.location == stack.values["lam"][2]
    # new stops: the slider's value goes after its categories, so that the browser callback
    # it runs shows the new frame, readouts included (their texts are not sent: the callback
    # writes them)
    sent.clear()
    scrub.update(make_stack(n_frames=7), index=2)
    assert sent.index((slider, "value")) > sent.index((slider, "categories"))
    assert (readout, "text") not in sent


def test_replace_data_sends_only_columns_that_changed():
    source = ColumnDataSource({"x": np.array([1.0, np.nan]), "xs": [[1.0, 2.0], [3.0]],
                               "name": ["a", "b"]})
    document = Document()
    document.add_root(source)
    sent = []
    document.on_change(lambda event: sent.append(event))
    same = {"x": np.array([1.0, np.nan]), "xs": [np.array([1.0, 2.0]), [3.0]],
            "name": ["a", "b"]}
    assert not replace_data(source, same) and sent == []  # NaN equals NaN, lists equal arrays
    changes = [{"x": np.array([1.0, 2.0])},  # a number
               {"xs": [[1.0, 2.0], [3.0, 4.0]]},  # a ragged column's length
               {"name": ["a", "c"]},  # a string
               {"x": [1.0, 0.0, 2.0], "xs": [[], [], []], "name": ["a", "b", "c"]}]  # lengths
    for change in changes:
        assert replace_data(source, {**same, **change}) and len(sent) == 1
        assert replace_data(source, same) and not replace_data(source, same)  # and back
        sent.clear()
    assert replace_data(source, {"x": np.array([1.0, np.nan])})  # a column less
    assert list(source.data) == ["x"]


def test_draw_on_overlay_moves_the_scrubbed_parts_and_gives_legends_still_twins():
    stack = make_stack()
    scrub = Scrubber(stack, name="t")
    cursor = Span(dimension="height")
    scrub.bind(cursor, "location", "lam")
    fixed = Span(dimension="width", location=0.0)
    plot = figure()
    plot.add_layout(cursor)
    plot.add_layout(fixed)
    scrubbed = plot.line("x", "y", source=scrub.sources["fit"], line_color="red",
                         line_width=3, legend_label="fit")
    still = plot.line([0, 1], [0, 1], legend_label="truth")
    by_field = plot.scatter("x", "y", source=scrub.sources["fit"], legend_field="x")
    scrub.draw_on_overlay(plot)
    assert scrubbed.level == by_field.level == cursor.level == "overlay"
    assert (still.level, fixed.level) == ("glyph", "annotation")  # left on the primary layer
    items = {item.label.value: item for item in plot.legend[0].items
             if isinstance(item.label, Value)}
    twin = items["fit"].renderers[0]
    assert twin is not scrubbed and twin in plot.renderers
    # One row: BokehJS draws no swatch for a renderer without data, nothing for a NaN point
    assert list(twin.data_source.data) == ["x", "y"]
    assert all(len(c) == 1 and np.isnan(c[0]) for c in twin.data_source.data.values())
    assert (twin.glyph.line_color, twin.glyph.line_width) == ("red", 3)
    # a click on the legend (hiding the twin) hides the curve: by id, so the legend does not
    # reach the scrubbed data through the callback
    callback = twin.js_property_callbacks["change:visible"][0]
    assert callback.args == {"id": scrubbed.id}
    assert items["truth"].renderers == [still]
    # an item labelled by a data field lists the data's values: it keeps the real renderer
    field_items = [item for item in plot.legend[0].items if isinstance(item.label, Field)]
    assert field_items and field_items[0].renderers == [by_field]


def test_a_legend_twin_keeps_texts_and_hides_its_point():
    source = ColumnDataSource({"x": [1.0, 2.0], "y": [3.0, 4.0], "color": ["red", "blue"],
                               "xs": [[1.0, 2.0], [3.0]]})
    plot = figure()
    markers = plot.scatter("x", "y", color="color", source=source)
    twin = _legend_twin(plot, markers)
    data = twin.data_source.data
    assert data["color"] == ["red"]  # a color (or label) column: the swatch looks the same
    assert np.isnan(data["x"][0]) and np.isnan(data["y"][0])  # drawn nowhere in the plot
    assert len(data["xs"]) == 1 and np.isnan(data["xs"][0][0])  # a ragged column
    empty = plot.line("x", "y", source=ColumnDataSource({"x": [], "y": []}))
    assert {k: len(v) for k, v in _legend_twin(plot, empty).data_source.data.items()} == {
        "x": 1, "y": 1}


def test_the_stylesheet_script_patches_only_what_it_finds():
    script = unchanged_stylesheets_script()
    assert script.startswith("<script>") and script.endswith("</script>")
    assert "InlineStyleSheet" in script and "textContent !== css" in script


def test_settle_takes_the_stop_a_gesture_ended_on_until_the_first_slider_reports():
    stack = make_stack()
    scrub = Scrubber(stack, name="t", index=1)
    forwards = scrub.slider("label", title="λ", aria_label="λ")
    backwards = scrub.slider("label", title="R", aria_label="R", reverse=True)
    # the backwards face ended on its stop for frame 3; the forwards face is a step behind
    assert scrub.settle(backwards, stack.texts["label"][3]) == 3
    assert scrub.index == 3
    # nothing is sent back: the browser is ahead of the server (it moves the faces itself)
    assert forwards.value == stack.texts["label"][1]
    # the forwards face's own report arrives (a later step): it is the fresher news
    forwards.value = stack.texts["label"][4]
    assert scrub.index == 4
    # the server moving the cursor moves every face
    scrub.show(2)
    assert scrub.index == 2
    assert forwards.value == backwards.value == stack.texts["label"][2]
    with pytest.raises(ReglabInputError, match="must be one of the slider's stops"):
        scrub.settle(forwards, "no such stop")
    with pytest.raises(ReglabInputError, match="must be one of this scrubber's sliders"):
        Scrubber(stack, name="u").settle(forwards, stack.texts["label"][0])


def test_aria_script_names_the_tagged_handles():
    script = aria_label_script()
    assert script.startswith("<script>") and script.endswith("</script>")
    assert f'"{ARIA_LABEL_TAG}"' in script and "aria-label" in script


def test_every_page_includes_the_page_scripts_once():
    from reglab.lab.app import page_view

    scripts = page_scripts()
    parts = [aria_label_script(), unchanged_stylesheets_script(), local_steps_script(),
             one_layout_per_patch_script(), no_css_visuals_script(), glyph_alone_updates_script(),
             clipped_glyphs_script()]
    assert scripts == "".join(parts)
    assert "needs_clip" in clipped_glyphs_script()
    assert f'"{LOCAL_STEPS_TAG}"' in local_steps_script()
    assert "apply_json_patch" in one_layout_per_patch_script()
    assert "_get_css_value" in no_css_visuals_script()
    assert "GlyphRendererView" in glyph_alone_updates_script()
    view = page_view("tour", "en", live=False)
    html = [pane.object for pane in view.select(pn.pane.HTML) if "<script>" in str(pane.object)]
    assert len(html) == 1 and html[0].startswith(scripts)


# -- pages, app, export ----------------------------------------------------------------------


# Starts the lab's app and builds its first page, as a fresh `reglab serve` does for "/".
FIRST_PAGE = """
import sys
import panel as pn
from reglab.lab.app import EXTENSIONS, build_app
from reglab.lab.pages import registered_pages
pn.extension(*EXTENSIONS)
build_app(None)
registered_pages()[0].build("ja", live=True, state={})
print(sorted(name for name in sys.modules if name.startswith("scipy")))
"""


def test_the_server_starts_and_builds_its_first_page_without_importing_scipy():
    # scipy.linalg takes ~0.2 s to import; the first page (a ridge path) does not use it
    # (reglab._scipy_linalg imports it where it is used).
    result = subprocess.run([sys.executable, "-c", FIRST_PAGE], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stdout


def test_pages_are_registered_and_the_app_serves_each_and_the_first_at_root():
    from reglab.lab.app import build_app
    from reglab.lab.pages import find_page, registered_pages

    pages = registered_pages()
    slugs = [p.slug for p in pages]
    assert {"overfitting", "geometry", "paths", "tour"} <= set(slugs)
    assert [p.order for p in pages] == sorted(p.order for p in pages)
    assert find_page("geometry").title_key == "page.geometry.title"
    with pytest.raises(ReglabInputError, match="page: must be one of"):
        find_page("nowhere")
    apps = build_app()
    assert set(apps) == {"/", *slugs}
    assert apps["/"].__name__ == apps[slugs[0]].__name__ == f"reglab_{slugs[0]}"


@pytest.mark.parametrize("slug", ["overfitting", "geometry", "paths", "tour"])
def test_saved_pages_leave_out_what_needs_a_server(slug):
    import panel as pn

    from reglab.lab.app import page_view

    view = page_view(slug, "en", live=False)
    assert view.select(pn.widgets.FileDownload) == []  # downloads are rendered by Python
    # The problem's controls are disabled: without a server nothing would recompute them.
    # Widgets with a browser-side callback (jscallback, in Panel's Callback registry) work.
    from panel.links import Callback

    inputs = [w for w in view.select(pn.widgets.Widget)
              if not isinstance(w, pn.widgets.StaticText | pn.widgets.Button)
              and not Callback.registry.get(w)]
    assert all(w.disabled for w in inputs), [type(w).__name__ for w in inputs if not w.disabled]


def test_inline_cdn_links_reads_the_installed_files():
    from reglab.lab.export import inline_cdn_links, panel_cdn_root

    cdn, dist = panel_cdn_root()
    html = (f'<link href="{cdn}css/loading.css?v=1.9.4">'
            f'<link rel="icon" href="{cdn}images/favicon.ico">'
            f'<link href="{cdn}css/not-a-file.css">')
    out = inline_cdn_links(html)
    uris = re.findall(r'href="(data:[^"]+)"', out)
    assert len(uris) == 2
    css = base64.b64decode(uris[0].split(",", 1)[1]).decode("utf-8")
    # The stylesheet's own relative images are inlined too.
    assert "../assets/" not in css and "url('data:image/svg+xml;base64," in css
    assert base64.b64decode(uris[1].split(",", 1)[1]) == (dist / "images/favicon.ico").read_bytes()
    assert f"{cdn}css/not-a-file.css" in out  # left alone, and a browser test would notice


def test_exported_page_links_nothing_on_panel_cdn(tmp_path):
    from reglab.lab.export import export_page, panel_cdn_root

    path = export_page(tmp_path / "overfitting.html", "overfitting", "en")
    text = path.read_text("utf-8")
    assert panel_cdn_root()[0] not in text
    assert "overfitting.fit.frames" in text
    assert "<title>Overfitting and regularization</title>" in text
    with pytest.raises(ReglabInputError, match="path: must end with .html"):
        export_page(tmp_path / "overfitting.txt", "overfitting")


def test_show_returns_a_page_for_jupyter_without_navigation():
    import panel as pn

    from reglab.lab.app import show

    view = show("tour", "en")
    header = view.objects[0].object
    assert "reglab regularization lab" in header and "<nav" not in header
    assert pn.config.inline  # BokehJS and Panel's JS from the package, not the CDN
    scripts = view.objects[-1].object  # no language links, so no script keeping the state
    assert "InlineStyleSheet" in scripts and "hreflang" not in scripts


def test_served_pages_switch_language_keeping_their_query():
    from reglab.lab.app import page_view

    view = page_view("paths", "ja")
    header, scripts = view.objects[0].object, view.objects[-1].object
    assert 'hreflang="en"' in header and 'href="./paths?lang=en"' in header
    # the links work without script; the script keeps the rest of the query on click
    assert 'query.set("lang", link.getAttribute("hreflang"))' in scripts


def test_server_entry_refuses_bad_arguments(capsys):
    from reglab.lab.server import main

    assert main(["--port", "0", "--no-browser"]) == 2
    assert "port: must lie in [1, 65535]; got 0" in capsys.readouterr().err


@pytest.mark.parametrize("slug, state, named", [
    ("geometry", {"zz": "1"}, "zz"),  # unknown
    ("geometry", {"p": "abc"}, "abc"),  # invalid
    ("overfitting", {"degree": "99"}, "99"),
    ("paths", {"penalty": "l9"}, "l9"),
    ("tour", {"step": "0"}, "step"),
])
def test_export_refuses_a_state_the_page_would_drop(tmp_path, slug, state, named):
    from reglab.lab.export import export_page

    target = tmp_path / "page.html"
    with pytest.raises(ReglabInputError, match=r"^state: must be entries the") as caught:
        export_page(target, slug, "en", state=state)
    assert named in str(caught.value) and not target.exists()


def test_every_page_reads_its_own_state_back():
    from reglab.lab.pages import registered_pages

    for page in registered_pages():
        state, problems = page.read_state({"lang": "ja"}, "en")  # the lab's own parameter
        assert problems == [], page.slug
        _, problems = page.read_state({"nonsense": "1"}, "ja")
        assert len(problems) == 1 and "nonsense" in problems[0], page.slug
