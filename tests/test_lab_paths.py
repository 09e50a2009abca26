"""The "paths and model selection" page without a browser: frames against the core and
independent references (scikit-learn's coordinate descent fold by fold, the SVD's df, ℓ1
norms), the λ/R/s/df faces, the code snippet, query parsing and the page's bad-input path."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import re
from importlib import resources
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.linear_model import lasso_path

from reglab.bases import PolynomialBasis
from reglab.datasets import load_diabetes, load_prostate, make_toy
from reglab.lab.controls import frame_for_lambda
from reglab.lab.i18n import translate
from reglab.lab.pages.paths_frames import (
    DATASETS,
    FIELDS,
    PENALTIES,
    XAXES,
    State,
    code_snippet,
    compute_frames,
    compute_view,
    events_table,
    radius_symbol,
)
from reglab.paths import fit_path
from reglab.penalties import L1, L2, ElasticNet
from reglab.selection import cross_validate


# -- independent data and penalties (not through the page's own loaders) ------------------
def data_of(state: State):
    if state.dataset == "prostate":
        data = load_prostate()
        train = data.split
        return data.X[train], data.y[train], data.feature_names
    if state.dataset == "diabetes":
        data = load_diabetes()
        return data.X, data.y, data.feature_names
    toy = make_toy(state.n_samples, state.noise, seed=state.data_seed)
    basis = PolynomialBasis.from_data(toy.x, state.degree, state.basis)
    return basis.transform(toy.x), toy.y, basis.feature_names


def penalty_of(state: State):
    return {"l1": L1(), "l2": L2(), "enet": ElasticNet(state.l1_ratio)}[state.penalty]


@functools.cache
def core_of(state: State):
    """The path and CV the page must show, fitted here from the public API (once per state)."""
    X, y, names = data_of(state)
    view = compute_view(state, "en")
    grid = None if state.penalty != "enet" else view.solved.path.lams
    path = fit_path(X, y, penalty_of(state), standardize=state.standardize,
                    feature_names=names, lams=grid)
    cv = cross_validate(X, y, penalty_of(state), folds=state.folds, seed=state.seed,
                        standardize=state.standardize, lams=path.lams, feature_names=names)
    return view, path, cv


CASES = [State(dataset=d, penalty=p) for d in DATASETS for p in PENALTIES]
CASE_IDS = [f"{s.dataset}-{s.penalty}" for s in CASES]


# -- frames against the core ---------------------------------------------------------------
@pytest.mark.parametrize("state", CASES, ids=CASE_IDS)
def test_frames_equal_fit_path_and_cross_validate(state):
    view, path, cv = core_of(state)
    frames = view.frames
    flip = slice(None, None, -1)  # frames run by increasing λ, the core's grid decreases
    assert frames.n_frames == path.lams.size == 100
    np.testing.assert_array_equal(frames.values["lam"], path.lams[flip])
    assert np.all(np.diff(frames.values["lam"]) > 0)
    np.testing.assert_allclose(frames.views["coef"]["w"], path.coefs_std[flip],
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(frames.views["coef"]["w_user"], path.coefs[flip],
                               rtol=1e-12, atol=1e-12)
    assert list(frames.views["coef"]["name"]) == list(path.design.feature_names)
    for key in ("R", "s", "df"):
        np.testing.assert_allclose(frames.values[key], getattr(path, key)[flip],
                                   rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(frames.values["nonzero"], path.nonzero[flip])
    np.testing.assert_allclose(frames.values["cv_mean"], cv.mean_error[flip], rtol=1e-10)
    np.testing.assert_allclose(frames.values["cv_se"], cv.se[flip], rtol=1e-10)
    np.testing.assert_allclose(frames.views["cv_point"]["y"][:, 0], cv.mean_error[flip],
                               rtol=1e-10)
    # every frame's certificate is the path's, and every one of these problems is certified
    assert frames.values["certified"].tolist() == [1.0] * 100
    assert np.all(frames.values["kkt"] <= 1e-7)
    # the objective with its numbers: RSS + λ P(w) on the penalized scale
    X = path.design.X
    i = 40
    w = frames.views["coef"]["w"][i]
    rss = float(np.sum((path.design.y - X @ w) ** 2))
    value = penalty_of(state).value(w)
    assert frames.values["rss"][i] == pytest.approx(rss, rel=1e-10)
    assert frames.values["objective"][i] == pytest.approx(
        rss + frames.values["lam"][i] * value, rel=1e-10)


@pytest.mark.parametrize("state", CASES, ids=CASE_IDS)
def test_lambda_min_and_1se_markers_sit_at_the_cv_result(state):
    view, _, cv = core_of(state)
    frames, marks = view.frames, view.marks
    i_min, i_1se = marks["index_min"], marks["index_1se"]
    assert frames.values["lam"][i_min] == cv.lam_min
    assert frames.values["lam"][i_1se] == cv.lam_1se
    assert np.flatnonzero(frames.values["is_min"]).tolist() == [i_min]
    assert np.flatnonzero(frames.values["is_1se"]).tolist() == [i_1se]
    assert marks["lam_min"] == pytest.approx(math.log10(cv.lam_min), abs=1e-12)
    assert marks["lam_1se"] == pytest.approx(math.log10(cv.lam_1se), abs=1e-12)
    assert marks["one_se_level"] == pytest.approx(cv.mean_error[cv.index_min]
                                                  + cv.se[cv.index_min], rel=1e-12)
    assert view.start == i_min  # no ?lam: the cursor starts at λ_min
    assert cv.lam_1se >= cv.lam_min
    assert "λ_min" in frames.texts["cv_readout"][i_min]
    assert "λ_1se" in frames.texts["cv_readout"][i_1se]


def test_lasso_cv_against_scikit_learn_coordinate_descent_fold_by_fold():
    """Prostate lasso, 5 folds: each fold standardized with its training statistics and solved
    by scikit-learn's lasso_path at α = λ / (2 n_train) (its objective is
    ||y - Xw||² / (2 n) + α ||w||₁), folds from a seeded permutation split in K parts."""
    state = State(dataset="prostate", penalty="l1", folds=5, seed=3)
    view = compute_view(state, "en")
    X, y, _ = data_of(state)
    lams = view.frames.values["lam"][::-1]  # decreasing, like lasso_path's alphas
    order = np.random.default_rng(state.seed).permutation(y.size)
    errors = []
    for held in np.array_split(order, state.folds):
        train = np.ones(y.size, bool)
        train[held] = False
        mean, scale = X[train].mean(0), X[train].std(0)
        Z = (X[train] - mean) / scale
        yc = y[train] - y[train].mean()
        alphas = lams / (2 * train.sum())
        _, coefs, _ = lasso_path(Z, yc, alphas=alphas, tol=1e-14, max_iter=200_000)
        predictions = y[train].mean() + ((X[held] - mean) / scale) @ coefs
        errors.append(np.mean((predictions - y[held, None]) ** 2, axis=0))
    errors = np.array(errors)
    mean_error = errors.mean(0)[::-1]
    se = (errors.std(0, ddof=1) / math.sqrt(state.folds))[::-1]
    np.testing.assert_allclose(view.frames.values["cv_mean"], mean_error, rtol=1e-7)
    np.testing.assert_allclose(view.frames.values["cv_se"], se, rtol=1e-6)
    i_min = int(np.argmin(mean_error))
    assert view.marks["index_min"] == i_min
    within = np.flatnonzero(mean_error <= mean_error[i_min] + se[i_min])
    assert view.marks["index_1se"] == within.max()  # the largest λ within one SE


# -- the four faces of the cursor -----------------------------------------------------------
@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("xaxis", XAXES)
def test_x_axis_transforms_equal_path_R_s_df(penalty, xaxis):
    state = State(dataset="prostate", penalty=penalty, xaxis=xaxis)
    view = compute_view(state, "en")
    _, path, _ = core_of(State(dataset="prostate", penalty=penalty))
    expected = {"loglam": np.log10(path.lams), "R": path.R, "s": path.s,
                "df": path.df}[xaxis][::-1]
    frames = view.frames
    np.testing.assert_allclose(frames.values["x"], expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(frames.views["coef"]["x"][:, 0], expected, rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(frames.views["cv_point"]["x"][:, 0], expected, rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(view.cv_curve["x"], expected[::-1], rtol=1e-12, atol=1e-14)
    i_min = view.marks["index_min"]
    assert view.marks["lam_min"] == frames.values["x"][i_min]
    low, high = view.x_range
    assert low <= frames.values["x"].min() and frames.values["x"].max() <= high
    # the drawn lines pass through the frames' points (coefficient j at the cursor's x)
    xs, ys = view.lines["xs"][0], np.array(view.lines["ys"])
    for i in (0, 37, 99):
        x, w = frames.values["x"][i], frames.views["coef"]["w"][i]
        hits = np.flatnonzero(np.isclose(xs, x, rtol=1e-12, atol=1e-14))
        assert any(np.allclose(ys[:, k], w, rtol=1e-10, atol=1e-12) for k in hits)


def test_faces_against_independent_formulas():
    """R = ||w||₁ and s = R / ||w_OLS||₁ for the lasso; df = Σ d²/(d² + λ) for ridge."""
    X, y, _ = data_of(State(dataset="prostate"))
    Z = (X - X.mean(0)) / X.std(0)
    yc = y - y.mean()
    ols = np.linalg.lstsq(Z, yc, rcond=None)[0]
    lasso = compute_frames(State(dataset="prostate", penalty="l1"), "en")
    w = lasso.views["coef"]["w"]
    np.testing.assert_allclose(lasso.values["R"], np.abs(w).sum(1), rtol=1e-12)
    np.testing.assert_allclose(lasso.values["s"], np.abs(w).sum(1) / np.abs(ols).sum(),
                               rtol=1e-9)
    np.testing.assert_array_equal(lasso.values["df"], np.count_nonzero(w, axis=1))
    ridge = compute_frames(State(dataset="prostate", penalty="l2"), "en")
    d = np.linalg.svd(Z, compute_uv=False)
    lams = ridge.values["lam"]
    np.testing.assert_allclose(ridge.values["df"],
                               (d**2 / (d**2 + lams[:, None])).sum(1), rtol=1e-12)
    w = ridge.views["coef"]["w"]
    normal = np.linalg.solve(Z.T @ Z + lams[60] * np.eye(Z.shape[1]), Z.T @ yc)
    np.testing.assert_allclose(w[60], normal, rtol=1e-9)
    np.testing.assert_allclose(ridge.values["R"], np.linalg.norm(w, axis=1), rtol=1e-12)
    np.testing.assert_allclose(ridge.values["s"][0], 1.0, atol=1e-6)  # smallest λ: OLS


def test_cursor_and_slider_labels():
    state = State(lam=0.5)
    view = compute_view(state, "en")
    lams = view.frames.values["lam"]
    assert view.start == int(np.argmin(np.abs(np.log(lams) - math.log(0.5))))
    assert view.start == frame_for_lambda(view.frames, 0.5)
    for key in ("lam_label", "R_label"):
        labels = view.frames.texts[key]
        assert len(set(labels)) == len(labels)


# -- events and the top axis ----------------------------------------------------------------
def test_lasso_events_and_top_axis_counts():
    view, path, _ = core_of(State(dataset="diabetes", penalty="l1"))
    events = view.events
    expected = [e for e in path.events if e.lam > 0]
    assert events["feature"] == [e.feature for e in expected]
    np.testing.assert_array_equal(events["lam"], [e.lam for e in expected])
    np.testing.assert_allclose(events["R"], [path.R_at(e.lam) for e in expected], rtol=1e-12)
    assert all(events["exact"])
    enter, leave = translate("page.paths.event.enter", "en"), translate(
        "page.paths.event.leave", "en")
    assert set(events["action"]) <= {enter, leave}
    # top axis: a tick at each distinct event λ, labelled with the support size just below it
    positions, labels = view.top_ticks
    distinct = np.array(sorted({e.lam for e in expected}, reverse=True))
    np.testing.assert_allclose(positions, np.log10(distinct), rtol=1e-12)
    below = np.r_[distinct[1:], distinct[-1] / 2]
    counts = [np.count_nonzero(path.coef_std_at(math.sqrt(a * b))[0])
              for a, b in zip(distinct, below, strict=True)]
    shown = [(label, str(c)) for label, c in zip(labels, counts, strict=True) if label]
    assert shown and all(label == count for label, count in shown)
    table = events_table(view, "en")
    assert table.count("<tr>") == len(expected) + 1
    assert all(name in table for name in events["feature"])


def test_ridge_has_no_events_and_says_so():
    view = compute_view(State(penalty="l2"), "ja")
    assert view.events["feature"] == []
    assert events_table(view, "ja") == ""  # no header over an empty table
    positions, labels = view.top_ticks
    assert labels == ["8", "8"]  # the count at both ends: nothing ever leaves
    assert len(positions) == 2


def test_df_axis_of_the_lasso_is_a_staircase():
    view = compute_view(State(penalty="l1", xaxis="df"), "en")
    path = view.solved.path
    xs, ys = view.lines["xs"][0], np.array(view.lines["ys"])
    # x is the support size of the drawn point, except at a breakpoint, drawn twice
    assert set(np.unique(xs)) <= set(range(path.design.n_features + 1))
    support = np.count_nonzero(ys, axis=0)
    assert np.mean(support == xs) > 0.8


# -- show code ------------------------------------------------------------------------------
@pytest.mark.parametrize("state", [
    State(dataset="prostate", penalty="l1", lam=0.37),
    State(dataset="toy", penalty="enet", l1_ratio=0.3, folds=4, seed=2, degree=7,
          basis="chebyshev", n_samples=25, standardize=False),
    State(dataset="diabetes", penalty="l2", folds=3),
], ids=["prostate-l1", "toy-enet", "diabetes-l2"])
def test_code_snippet_reproduces_the_view(state, tmp_path, monkeypatch):
    view = compute_view(state, "en")
    snippet = code_snippet(state)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "<snippet>", "exec"), namespace)  # noqa: S102
    cv, sol = namespace["cv"], namespace["sol"]
    frames = view.frames
    assert cv.lam_min == frames.values["lam"][view.marks["index_min"]]
    assert cv.lam_1se == frames.values["lam"][view.marks["index_1se"]]
    i = view.start
    assert sol.lam == frames.values["lam"][i]
    np.testing.assert_allclose(sol.coef, frames.views["coef"]["w_user"][i], rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(sol.coef_std, frames.views["coef"]["w"][i], rtol=1e-12,
                               atol=1e-12)
    assert sol.R == pytest.approx(frames.values["R"][i], rel=1e-12)
    assert sol.df == pytest.approx(frames.values["df"][i], rel=1e-12)
    assert sol.certified
    assert "lam_min =" in out.getvalue()
    assert (tmp_path / "paths_cv.png").stat().st_size > 10_000


# -- the state and the URL ------------------------------------------------------------------
def test_query_round_trip_and_defaults():
    state = State(dataset="toy", degree=5, basis="chebyshev", noise=0.15, penalty="enet",
                  l1_ratio=0.25, folds=7, seed=4, xaxis="s", lam=0.012345678901234567,
                  standardize=False)
    parsed, problems = State.from_query(state.to_query(), "en")
    assert problems == [] and parsed == state
    default, problems = State.from_query({}, "ja")
    assert default == State() and problems == []
    assert set(State().to_query()) == set(FIELDS)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_bad_query_entries_keep_defaults_and_are_reported(lang):
    query = {"dataset": "iris", "degree": "99", "folds": "x", "lam": "-1", "bogus": "1",
             "penalty": "l2", "lang": lang}
    state, problems = State.from_query(query, lang)
    assert state == State(penalty="l2")
    assert len(problems) == 5
    assert all("\n" not in p for p in problems)
    assert any("lam" in p and translate("page.paths.lam_min_default", lang) in p
               for p in problems)


def test_state_checks_its_fields():
    from reglab._validation import ReglabInputError

    for bad in ({"degree": 0}, {"l1_ratio": 1.5}, {"dataset": "iris"}, {"folds": 1},
                {"xaxis": "lam"}, {"lam": -1.0}, {"standardize": "yes"}):
        with pytest.raises(ReglabInputError):
            State(**bad)
    assert State(dataset="toy").problem() != State(dataset="prostate").problem()
    # fields that do not matter for the problem do not split the cache
    assert State(degree=3).problem() == State(degree=4).problem()
    assert State(xaxis="df", lam=1.0).problem() == State().problem()


def test_core_errors_surface_as_input_errors():
    from reglab._validation import ReglabInputError

    with pytest.raises(ReglabInputError, match="folds"):
        compute_view(State(dataset="toy", n_samples=10, folds=12), "en")


# -- the page in Python (no browser) ---------------------------------------------------------
def test_page_keeps_the_previous_state_on_bad_input():
    from reglab.lab.pages.paths import _PathsPage

    page = _PathsPage("en", True, {"dataset": "toy"})
    before = page.scrub.stack
    page.widgets["degree"].value = 40  # typed into the box: out of range
    assert page.messages.pane.visible
    assert "40" in page.messages.lines[0]
    assert page.state.degree == 9 and page.widgets["degree"].value == 9
    assert page.scrub.stack is before
    page.widgets["folds"].value = 20  # fine for the 30 toy rows
    page.widgets["n_samples"].value = 10  # 20 folds of 10 rows: the core refuses
    assert page.messages.pane.visible and page.state.n_samples == 30
    assert page.widgets["n_samples"].value == 30
    page.widgets["dataset"].value = "diabetes"  # a good change clears the message
    assert not page.messages.pane.visible
    assert page.scrub.stack.n_points("coef") == 10


def test_page_recompute_keeps_lambda_and_moves_views():
    from reglab.lab.pages.paths import _PathsPage

    page = _PathsPage("ja", True, {"lam": "2.0"})
    lam = page.cursor.lam
    assert page.scrub.index == frame_for_lambda(page.scrub.stack, 2.0)
    page._on_control("penalty", SimpleNamespace(new="l2"))
    stack = page.scrub.stack
    assert page.scrub.index == frame_for_lambda(stack, lam)
    assert page.path_cursor.location == stack.values["x"][page.scrub.index]
    page._on_control("xaxis", SimpleNamespace(new="df"))
    assert page.path_cursor.location == pytest.approx(
        page.scrub.stack.values["df"][page.scrub.index])
    assert page.x_range.start <= page.path_cursor.location <= page.x_range.end
    png = page.render("png")
    assert png[:4] == b"\x89PNG"


def test_axis_labels_name_the_chosen_axis_below_and_the_counts_above():
    from reglab.lab.pages.paths import _PathsPage

    page = _PathsPage("en", True, {})
    nonzero = translate("page.paths.axis.nonzero", "en")
    for xaxis in ("loglam", "df"):
        page._on_control("xaxis", SimpleNamespace(new=xaxis))
        label = translate(f"page.paths.axis.{xaxis}", "en", symbol=radius_symbol(L1()))
        (below,), (above,) = page.path_plot.below, page.path_plot.above
        assert below.axis_label == label
        assert above is page.top_axis and above.axis_label == nonzero
        assert page.cv_plot.below[0].axis_label == below.axis_label


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_basis_menu_names_the_bases_in_the_page_language(lang):
    from reglab.lab.pages.paths import _PathsPage

    page = _PathsPage(lang, True, {"dataset": "toy", "basis": "legendre"})
    options = page.widgets["basis"].options
    assert list(options.values()) == list(FIELDS["basis"].choices)
    assert list(options) == [translate(f"basis.{name}", lang) for name in options.values()]
    assert "legendre" not in options  # (the menu once showed the raw codes)
    assert page.widgets["basis"].value == "legendre"


def test_a_mark_label_near_the_right_edge_hangs_on_the_left_of_its_line():
    from reglab.lab.pages.paths import _PathsPage

    page = _PathsPage("en", True, {"dataset": "diabetes", "penalty": "l2", "xaxis": "df"})
    start, end = page.x_range.start, page.x_range.end
    for key, label in page.labels.items():
        assert label.x == page.marks[key][0].location
        near_right = label.x - start > 0.8 * (end - start)
        assert (label.text_align, label.x_offset) == (("right", -3) if near_right
                                                      else ("left", 3))
    # ridge's λ_min on the df axis sits near df = p, at the right edge
    assert page.labels["lam_min"].text_align == "right"


def test_another_data_set_opens_at_its_lambda_min():
    # (λ was kept: diabetes' λ_min lies above the toy data's λ_max, so every coefficient
    # showed 0)
    from reglab.lab.pages.paths import _PathsPage

    page = _PathsPage("en", True, {"dataset": "diabetes", "lam": "40"})
    page._on_control("dataset", SimpleNamespace(new="toy"))
    stack = page.scrub.stack
    assert stack.values["lam"][page.scrub.index] == page.view.solved.cv.lam_min
    assert np.any(stack.views["coef"]["w"][page.scrub.index] != 0)
    lam = page.cursor.lam
    page._on_control("penalty", SimpleNamespace(new="l2"))  # the same data: λ is kept
    assert page.scrub.index == frame_for_lambda(page.scrub.stack, lam)


def test_new_folds_resend_the_cv_curve_and_not_the_unchanged_path():
    from bokeh.document import Document

    from reglab.lab.pages.paths import _PathsPage

    page = _PathsPage("en", True, {})
    document = Document()
    for source in (page.lines, page.cv_curve):
        document.add_root(source)
    sent = []
    document.on_change(lambda event: sent.append(event.model.name))
    page.widgets["seed"].value = 1  # other folds: same path, another CV curve
    assert page.state.seed == 1 and sent == ["paths.cv_curve"]
    sent.clear()
    page.widgets["penalty"].value = "l2"  # another path
    assert sorted(sent) == ["paths.cv_curve", "paths.lines"]


# -- catalogs -------------------------------------------------------------------------------
def _catalog(lang):
    text = resources.files("reglab.lab.pages").joinpath(f"paths.{lang}.json").read_text("utf-8")
    return json.loads(text)


def test_catalogs_have_the_same_keys_and_placeholders():
    ja, en = _catalog("ja"), _catalog("en")
    assert set(ja) == set(en)
    assert all(key.startswith("page.paths.") for key in ja)
    for key in ja:
        assert set(re.findall(r"{(\w+)}", ja[key])) == set(re.findall(r"{(\w+)}", en[key])), key
