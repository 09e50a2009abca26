"""The lab's Bokeh wiring, page registry, demo frames and export, checked in Python.

The browser side (that the page shows these sources and the callback picks the right frame)
is in tests/browser/test_demo_page.py.
"""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from bokeh.document import Document
from bokeh.layouts import column
from bokeh.models import Span
from bokeh.plotting import figure
from sklearn.linear_model import Ridge

from reglab._validation import ReglabInputError
from reglab.lab.frames import FrameStack
from reglab.lab.scrub import ARIA_LABEL_TAG, Scrubber, aria_label_script


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
    assert slider.tags == [ARIA_LABEL_TAG + "regularization strength λ"]
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
    assert readout.text == new.texts["readout"][3]
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


def test_aria_script_names_the_tagged_handles():
    script = aria_label_script()
    assert script.startswith("<script>") and script.endswith("</script>")
    assert f'"{ARIA_LABEL_TAG}"' in script and "aria-label" in script


# -- the demo page's numbers -----------------------------------------------------------------------


@pytest.mark.parametrize("degree", [1, 3, 6])
def test_demo_ridge_matches_scikit_learn(degree):
    from reglab.lab.pages.demo import _features, ridge_path, sin_data

    x, y = sin_data()
    lams = np.logspace(-4, 1, 6)
    w, b = ridge_path(x, y, degree, lams)
    # sklearn's Ridge minimizes ||y - Xw - b||^2 + alpha ||w||^2, intercept unpenalized:
    # the lecture's objective with alpha = λ.
    for k, lam in enumerate(lams):
        model = Ridge(alpha=lam, fit_intercept=True, solver="svd").fit(_features(x, degree), y)
        np.testing.assert_allclose(w[k], model.coef_, rtol=1e-7, atol=1e-9)
        assert b[k] == pytest.approx(model.intercept_, rel=1e-7, abs=1e-9)


def test_demo_ridge_is_stationary_at_degree_nine():
    from reglab.lab.pages.demo import _features, lambda_grid, ridge_path, sin_data

    x, y = sin_data()
    lams = lambda_grid()[::10]
    w, b = ridge_path(x, y, 9, lams)
    phi = _features(x, 9)
    for k, lam in enumerate(lams):
        residual = y - b[k] - phi @ w[k]
        assert abs(residual.sum()) <= 1e-9  # d/db
        gradient = -2 * phi.T @ residual + 2 * lam * w[k]  # d/dw
        scale = 2 * np.abs(phi).T @ np.abs(residual) + 2 * lam * np.abs(w[k]) + 1e-300
        assert np.max(np.abs(gradient) / scale) <= 1e-6, lam


def test_demo_frames_are_consistent_with_their_solutions():
    from reglab.lab.pages.demo import X_PLOT, _features, demo_frames, ridge_path, sin_data

    x, y = sin_data()
    stack = demo_frames(3, "en")
    lams = stack.values["lam"]
    w, b = ridge_path(x, y, 3, lams)
    np.testing.assert_array_equal(stack.views["coef"]["w"], w)
    np.testing.assert_allclose(stack.views["fit"]["y"][7], _features(X_PLOT, 3) @ w[7] + b[7],
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stack.values["R"], np.sqrt(np.sum(w**2, axis=1)), rtol=1e-12)
    errors = [np.sum((y - b[k] - _features(x, 3) @ w[k]) ** 2) for k in range(len(lams))]
    np.testing.assert_allclose(stack.values["train_error"], errors, rtol=1e-10)
    assert np.all(np.diff(stack.values["R"]) < 0)  # more λ, smaller ball
    assert len(set(stack.texts["label"])) == stack.n_frames  # usable as slider stops
    assert stack.texts["readout"][0].startswith("λ = 10⁻⁹, R = ‖w‖₂ = ")


# -- pages, app, export ----------------------------------------------------------------------


def test_pages_are_registered_and_built_in_both_languages():
    import panel as pn

    from reglab.lab.app import build_app, page_view
    from reglab.lab.pages import find_page, registered_pages

    slugs = [p.slug for p in registered_pages()]
    assert "demo" in slugs
    assert find_page("demo").title_key == "page.demo.title"
    with pytest.raises(ReglabInputError, match="page: must be one of"):
        find_page("nowhere")
    apps = build_app()
    assert set(apps) == {"/", *slugs}
    for lang in ("ja", "en"):
        view = page_view("demo", lang, live=False)
        buttons = [w for w in view.select(pn.widgets.RadioButtonGroup)]
        assert buttons and all(w.disabled for w in buttons)  # no server behind a saved file


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

    path = export_page(tmp_path / "demo.html", "demo", "en")
    text = path.read_text("utf-8")
    assert panel_cdn_root()[0] not in text
    assert "demo.fit.frames" in text and "<title>Demo: polynomial ridge regression</title>" in text
    with pytest.raises(ReglabInputError, match="path: must end with .html"):
        export_page(tmp_path / "demo.txt", "demo")


def test_show_returns_a_page_for_jupyter_without_navigation():
    import panel as pn

    from reglab.lab.app import show

    view = show("demo", "en")
    header = view.objects[0].object
    assert "reglab regularization lab" in header and "<nav" not in header
    assert pn.config.inline  # BokehJS and Panel's JS from the package, not the CDN


def test_server_entry_refuses_bad_arguments(capsys):
    from reglab.lab.server import main

    assert main(["--port", "0", "--no-browser"]) == 2
    assert "port: must lie in [1, 65535]; got 0" in capsys.readouterr().err
