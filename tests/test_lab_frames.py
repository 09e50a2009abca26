"""FrameStack validation, language negotiation and the message catalogs (no browser, no Panel)."""

from __future__ import annotations

import json
import re
import string
from importlib import resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reglab._validation import ReglabInputError
from reglab.lab.frames import FrameStack
from reglab.lab.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    catalog,
    format_number,
    negotiate_language,
    translate,
)

# -- FrameStack ------------------------------------------------------------------------------


def small_stack(n_frames=4, n_points=5, n_bars=3):
    lam = np.logspace(-2, 1, n_frames)
    x = np.linspace(0.0, 1.0, n_points)
    return FrameStack(
        views={
            "fit": {"x": x, "y": np.outer(1.0 / (1.0 + lam), x)},
            "coef": {"j": np.arange(n_bars, dtype=float),
                     "w": np.arange(n_frames * n_bars, dtype=float).reshape(n_frames, n_bars)},
        },
        values={"lam": lam, "R": 1.0 / (1.0 + lam)},
        texts={"label": [f"{v:.3g}" for v in lam]},
    )


def test_shape_and_frames_are_slices_of_the_stack():
    stack = small_stack()
    assert stack.n_frames == 4
    assert stack.n_points("fit") == 5 and stack.n_points("coef") == 3
    assert stack.per_frame_columns("fit") == ("y",)
    assert stack.static_columns("fit") == ("x",)
    y = stack.views["fit"]["y"]
    for i in range(stack.n_frames):
        frame = stack.frame(i)
        np.testing.assert_array_equal(frame["fit"]["y"], y[i])
        np.testing.assert_array_equal(frame["fit"]["x"], np.linspace(0, 1, 5))
        assert stack.frame_values(i)["lam"] == stack.values["lam"][i]
        assert stack.frame_values(i)["label"] == stack.texts["label"][i]
    np.testing.assert_array_equal(stack.frame(-1)["coef"]["w"], stack.frame(3)["coef"]["w"])


def test_stack_owns_read_only_copies():
    y = np.ones((3, 2))
    stack = FrameStack({"v": {"y": y}})
    y[0, 0] = 99.0
    assert stack.views["v"]["y"][0, 0] == 1.0
    with pytest.raises(ValueError):
        stack.views["v"]["y"][0, 0] = 5.0
    with pytest.raises(TypeError):
        stack.views["v"]["z"] = y  # type: ignore[index]


def test_strings_are_allowed_as_static_columns():
    stack = FrameStack({"bars": {"name": ["a", "b"], "w": np.zeros((2, 2))}})
    assert stack.frame(1)["bars"]["name"].tolist() == ["a", "b"]


def test_nan_breaks_lines_but_inf_is_refused():
    y = np.zeros((2, 3))
    y[1, 1] = np.nan
    assert np.isnan(FrameStack({"v": {"y": y}}).frame(1)["v"]["y"][1])
    y[0, 2] = np.inf
    with pytest.raises(ReglabInputError, match=r"views\['v'\]\['y'\]: must not contain inf"):
        FrameStack({"v": {"y": y}})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"views": {}}, "views: must be a non-empty mapping"),
        ({"views": {"a": {"y": np.zeros((3, 2))}, "b": {"y": np.zeros((4, 2))}}},
         r"views\['b'\]\['y'\]: must have 3 frames like views\['a'\]\['y'\]; got 4"),
        ({"views": {"a": {"x": np.zeros(3), "y": np.zeros((4, 2))}}},
         r"views\['a'\]\['y'\]: must have 3 points like the other columns of view 'a'; got 2"),
        ({"views": {"a": {"y": np.zeros((2, 2, 2))}}}, r"must be 2-D \(n_frames, n_points\)"),
        ({"views": {"a": {"x": np.zeros(3)}}}, r"needs at least one per-frame \(2-D\) column"),
        ({"views": {"a": {"y": [[1.0, 2.0], [3.0]]}}}, "must be a rectangular array"),
        ({"views": {"a": {"y": [["p", "q"]]}}}, "must contain only real numbers"),
        ({"views": {"": {"y": np.zeros((1, 1))}}}, "view name: must be a non-empty string"),
        ({"views": {"a": {"y": np.zeros((0, 2))}}}, "must have at least one frame"),
        ({"views": {"a": {"y": np.zeros((3, 2))}}, "values": {"lam": np.ones(2)}},
         r"values\['lam'\]: must have 3 frames"),
        ({"views": {"a": {"y": np.zeros((2, 2))}}, "values": {"lam": [1.0, np.nan]}},
         r"values\['lam'\]: must be finite"),
        ({"views": {"a": {"y": np.zeros((2, 2))}}, "values": {"lam": np.ones((2, 1))}},
         r"values\['lam'\]: must be 1-D"),
        ({"views": {"a": {"y": np.zeros((2, 2))}}, "texts": {"t": "ab"}},
         "must be a sequence of strings"),
        ({"views": {"a": {"y": np.zeros((2, 2))}}, "texts": {"t": ["a", 1]}},
         "must contain only strings"),
        ({"views": {"a": {"y": np.zeros((2, 2))}}, "texts": {"t": ["a", "b", "c"]}},
         r"texts\['t'\]: must have 2 frames"),
        ({"views": {"a": {"y": np.zeros((2, 2))}}, "values": {"k": [1.0, 2.0]},
          "texts": {"k": ["a", "b"]}}, "texts: must not reuse a name of values"),
    ],
)
def test_invalid_stacks_name_the_bad_entry(kwargs, message):
    with pytest.raises(ReglabInputError, match=message):
        FrameStack(**kwargs)


def test_frame_index_out_of_range():
    stack = small_stack()
    with pytest.raises(ReglabInputError, match=r"index: must be an integer in \[-4, 3\]"):
        stack.frame(4)
    with pytest.raises(ReglabInputError, match="index"):
        stack.frame(1.0)  # type: ignore[arg-type]


def test_nearest_matches_brute_force():
    rng = np.random.default_rng(3)
    lam = np.sort(10 ** rng.uniform(-6, 2, size=37))
    stack = FrameStack({"v": {"y": np.zeros((37, 1))}}, values={"lam": lam})
    for target in 10 ** rng.uniform(-7, 3, size=50):
        log_gaps = [abs(np.log(v) - np.log(target)) for v in lam]
        assert stack.nearest("lam", target, log=True) == int(np.argmin(log_gaps))
        assert stack.nearest("lam", target) == int(np.argmin([abs(v - target) for v in lam]))
    with pytest.raises(ReglabInputError, match="target"):
        stack.nearest("lam", 0.0, log=True)
    with pytest.raises(ReglabInputError, match="name"):
        stack.nearest("R", 1.0)


def test_column_range_covers_every_frame_with_padding():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(6, 8))
    y[2, 3] = np.nan
    stack = FrameStack({"v": {"x": np.arange(8.0), "y": y}})
    low, high = stack.column_range("v", ["y"], pad=0.1)
    finite = y[np.isfinite(y)]
    span = finite.max() - finite.min()
    assert low == pytest.approx(finite.min() - 0.1 * span)
    assert high == pytest.approx(finite.max() + 0.1 * span)
    assert stack.column_range("v", ["x", "y"], pad=0.0) == (min(0.0, finite.min()), 7.0)
    flat = FrameStack({"v": {"y": np.full((2, 2), 3.0)}})
    assert flat.column_range("v", ["y"]) == (2.5, 3.5)


def test_same_layout_ignores_counts_but_not_names():
    assert small_stack().same_layout(small_stack(n_frames=7, n_points=9, n_bars=2))
    other = FrameStack({"fit": {"x": np.zeros(2), "y": np.zeros((3, 2))}})
    assert not small_stack().same_layout(other)


# -- language negotiation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ja,en-US;q=0.9", "ja"),
        ("en-US,en;q=0.9,ja;q=0.8", "en"),
        ("ja-JP", "ja"),
        ("JA-jp, EN;q=0.5", "ja"),
        ("fr-CH, fr;q=0.9, ja;q=0.3", "ja"),  # ja is the only one of ours accepted
        ("fr-CH, fr;q=0.9", DEFAULT_LANGUAGE),
        ("", DEFAULT_LANGUAGE),
        (None, DEFAULT_LANGUAGE),
        ("*", "en"),
        ("ja;q=0, en;q=0.1", "en"),  # q=0 refuses Japanese
        ("en;q=0, ja;q=0.1", "ja"),
        ("en, ja", "en"),  # equal q: the browser's order
        ("ja, en", "ja"),
        ("en;q=0.5, ja;q=0.7", "ja"),
        ("ja;q=abc, en;q=0.5", "en"),  # malformed q-value: entry dropped
        ("ja;q=1.5, en;q=0.5", "en"),  # q outside [0, 1]: dropped
        (" ja ; q=0.8 , en ; q=0.7 ", "ja"),
        ("en-GB;q=0.2, en-US;q=0.9, ja;q=0.8", "en"),  # best entry of each language counts
    ],
)
def test_negotiate_language(header, expected):
    assert negotiate_language(header) == expected


@given(st.lists(st.tuples(st.sampled_from(["ja", "en", "fr", "de", "ja-JP", "en-US"]),
                          st.integers(0, 1000)), min_size=1, max_size=6))
def test_negotiation_picks_the_highest_q_of_ours(entries):
    header = ", ".join(f"{tag};q={q / 1000:.3f}" for tag, q in entries)
    # Reference: scan every entry; ours with q > 0; highest q, earliest on ties.
    best = None
    for position, (tag, q) in enumerate(entries):
        primary = tag.split("-")[0]
        if primary in LANGUAGES and q > 0 and (best is None or q > best[1]):
            best = (primary, q, position)
    assert negotiate_language(header) == (best[0] if best else DEFAULT_LANGUAGE)


# -- catalogs ------------------------------------------------------------------------------------


def _placeholders(text):
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def _raw_catalog(lang):
    text = resources.files("reglab.lab").joinpath(f"messages_{lang}.json").read_text("utf-8")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), f"duplicate keys in messages_{lang}.json"
        return dict(pairs)

    return json.loads(text, object_pairs_hook=no_duplicates)


def test_catalogs_have_the_same_keys_and_placeholders():
    ja, en = _raw_catalog("ja"), _raw_catalog("en")
    assert set(ja) == set(en), set(ja) ^ set(en)
    assert len(ja) >= 50
    for key in ja:
        assert isinstance(ja[key], str) and ja[key].strip(), key
        assert isinstance(en[key], str) and en[key].strip(), key
        assert _placeholders(ja[key]) == _placeholders(en[key]), key


def test_page_titles_of_the_issue():
    assert translate("page.overfitting.title", "ja") == "過学習と正則化"
    assert translate("page.geometry.title", "ja") == "幾何"
    assert translate("page.paths.title", "ja") == "解パスとモデル選択"
    assert translate("page.tour.title", "ja") == "ツアー"
    assert translate("page.paths.title", "en") == "Paths and model selection"


def test_translate_fills_placeholders_and_fails_loudly():
    assert translate("readout.lambda", "ja", lam="0.5") == "λ = 0.5"
    assert translate("tour.step", "en", current=2, total=7) == "2 / 7"
    with pytest.raises(KeyError, match="no message"):
        translate("page.nowhere.title", "ja")
    with pytest.raises(ReglabInputError, match="lang: must be one of ja, en; got 'fr'"):
        translate("app.title", "fr")  # type: ignore[arg-type]
    assert catalog("en")["app.title"] == translate("app.title", "en")


# -- number formatting ----------------------------------------------------------------------

_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SCIENTIFIC = re.compile(r"^(−?)(?:([0-9.]+)×)?10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)$")


def _parse(text):
    """Read back what format_number wrote: ``1.5×10⁻⁷``, ``10⁻⁹``, ``−0.5``, ``123``."""
    match = _SCIENTIFIC.match(text)
    if match is None:
        return float(text.replace("−", "-"))
    sign, mantissa, power = match.groups()
    value = float(mantissa or "1") * 10.0 ** int(power.translate(_SUPER))
    return -value if sign else value


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(
    lambda v: v == 0 or abs(v) > 1e-12))
def test_format_number_round_trips_to_three_digits(x):
    text = format_number(x)
    assert _parse(text) == pytest.approx(x, rel=5e-3, abs=0.0)


def test_format_number_examples():
    assert format_number(0.012345) == "0.0123"
    assert format_number(123.456) == "123"
    assert format_number(1.5e-7) == "1.5×10⁻⁷"
    assert format_number(1e-9) == "10⁻⁹"
    assert format_number(-2.5e5) == "−2.5×10⁵"
    assert format_number(-0.5) == "−0.5"
    assert format_number(0.0) == "0"
    assert format_number(float("inf")) == "∞"
