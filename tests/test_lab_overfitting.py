"""The overfitting page's frames against independent references, its code, query and page.

References: the data are drawn again with reglab.datasets; curves are evaluated with numpy's
own polynomial classes (not reglab.bases); ridge by the normal equations, lasso and the
elastic net by scikit-learn at a tight tolerance and by their optimality conditions, the
least-squares end by numpy.linalg.lstsq; errors, R and E(w) recomputed with numpy.
"""

from __future__ import annotations

import math
import warnings

import matplotlib
import numpy as np
import panel as pn
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial import Chebyshev, Legendre, Polynomial
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso as SkLasso

from reglab._validation import ReglabInputError
from reglab.datasets import sin_curve, sin_curve_test
from reglab.lab.controls import KEYS, frame_for_lambda, read_query
from reglab.lab.i18n import LANGUAGES, catalog, translate
from reglab.lab.pages import find_page
from reglab.lab.pages.overfitting import (
    LAM_FIELD,
    SCALE_FIELD,
    _problem_text,
    build_page,
    objective_latex,
    render_figure,
)
from reglab.lab.pages.overfitting_frames import (
    N_GRID,
    N_STOPS,
    N_TEST,
    SPEC,
    State,
    code_snippet,
    compute,
    compute_frames,
    lambda_stops,
    make_penalty,
)

GRID = np.linspace(0.0, 1.0, N_GRID)


def data(state):
    x, y = sin_curve(state.n, state.noise, seed=state.seed, design="grid",
                     true_function=state.curve)
    xt, yt = sin_curve_test(N_TEST, state.noise, seed=state.seed, design="uniform",
                            true_function=state.curve)
    return x, y, xt, yt


def polynomial(state, b, w):
    """b + sum_j w_j phi_j as a numpy series (the mapped bases send [0, 1] onto [-1, 1])."""
    coef = np.concatenate([[b], w])
    kind = {"monomial": Polynomial, "scaled": Polynomial, "legendre": Legendre,
            "chebyshev": Chebyshev}[state.basis]
    return kind(coef, domain=[-1, 1] if state.basis == "monomial" else [0, 1])


def features(state, x):
    """The design columns phi_1..phi_M, from numpy's Vandermonde matrices."""
    t = x if state.basis == "monomial" else 2 * x - 1
    vander = {"monomial": np.polynomial.polynomial.polyvander,
              "scaled": np.polynomial.polynomial.polyvander,
              "legendre": np.polynomial.legendre.legvander,
              "chebyshev": np.polynomial.chebyshev.chebvander}[state.basis]
    return vander(t, state.degree)[:, 1:]


def weights(state):
    return np.arange(1, state.degree + 1, dtype=float) ** state.gamma


# -- the state and the query -----------------------------------------------------------------
def test_state_checks_every_field_once():
    assert State() == State.from_values({k: f.default for k, f in SPEC.items()})
    for name, bad in [("degree", 31), ("degree", 2.5), ("n", 1), ("noise", -0.1),
                      ("basis", "fourier"), ("penalty", "l3"), ("p", 0.0), ("gamma", 5.0),
                      ("l1_ratio", 1.5), ("curve", "cos")]:
        with pytest.raises(ReglabInputError) as caught:
            State().changed(**{name: bad})
        assert str(caught.value).startswith(f"{name}: must be ") and "\n" not in str(caught.value)


states = st.builds(
    State,
    n=st.integers(2, 200), noise=st.floats(0, 2), seed=st.integers(0, 999_999),
    curve=st.sampled_from(SPEC["curve"].choices), degree=st.integers(0, 30),
    basis=st.sampled_from(SPEC["basis"].choices), penalty=st.sampled_from(SPEC["penalty"].choices),
    l1_ratio=st.floats(0, 1), p=st.floats(0.2, 4), gamma=st.floats(0, 4),
)


@given(states)
def test_query_round_trip(state):
    values, problems = read_query(state.query(), SPEC, "en")
    assert problems == [] and State.from_values(values) == state


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bad_query_values_produce_messages_and_keep_defaults(lang):
    query = {"degree": "31", "noise": "NaN", "basis": "Legendre", "n": "10", "zzz": "1"}
    values, problems = read_query(query, {**SPEC, "lam": LAM_FIELD, "scale": SCALE_FIELD},
                                  lang)
    state = State.from_values(values)
    assert (state.degree, state.noise, state.basis, state.n) == (9, 0.3, "monomial", 10)
    assert len(problems) == 4
    assert problems[0] == translate(KEYS["query_problem"], lang, name="degree", value="31",
                                    rule=SPEC["degree"].rule_text(lang), default="9")
    assert problems[3] == translate(KEYS["query_unknown"], lang, name="zzz")


def test_catalogs_have_the_same_keys_and_placeholders():
    import string

    en = {k: v for k, v in catalog("en").items() if k.startswith("page.overfitting.")}
    ja = {k: v for k, v in catalog("ja").items() if k.startswith("page.overfitting.")}
    assert set(en) == set(ja)
    for key in en:
        fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f}
                  for text in (en[key], ja[key])]
        assert fields[0] == fields[1], key


# -- the frames against the core and independent references ---------------------------------
def frame_curve(view, k):
    return view.stack.frame(k)["fit"]["y"]


def check_common(view):
    """Checks every problem must pass: data, curves, errors, R, E, labels, layout."""
    state, stack = view.state, view.stack
    x, y, xt, yt = data(state)
    np.testing.assert_array_equal(view.x, x)
    np.testing.assert_array_equal(view.y_test, yt)
    assert stack.values["lam"][0] == 0.0
    assert np.all(np.diff(stack.values["lam"]) > 0)
    for k in range(stack.n_frames):
        w, b = view.coefs[k], view.intercepts[k]
        series = polynomial(state, b, w)
        scale = max(1.0, float(np.max(np.abs(series(GRID)))))
        np.testing.assert_allclose(frame_curve(view, k), series(GRID), rtol=0,
                                   atol=1e-9 * scale)
        train = np.sqrt(np.mean((y - series(x)) ** 2))
        test = np.sqrt(np.mean((yt - series(xt)) ** 2))
        assert math.isclose(stack.values["train_rmse"][k], train, rel_tol=1e-7,
                            abs_tol=1e-9 * scale)
        assert math.isclose(stack.values["test_rmse"][k], test, rel_tol=1e-7,
                            abs_tol=1e-9 * scale)
        rss = float(np.sum((y - series(x)) ** 2))
        lam = stack.values["lam"][k]
        pen = stack.values["penalty_value"][k]
        assert math.isclose(stack.values["objective"][k], rss + lam * pen, rel_tol=1e-7,
                            abs_tol=1e-9 * scale**2)
        np.testing.assert_array_equal(stack.frame(k)["coef"]["w"], w)
        zeros = stack.frame(k)["coef"]["zero"]
        assert np.array_equal(np.isnan(zeros), w != 0) and np.all(zeros[w == 0] == 0)
    for key in ("lam_label", "R_label"):
        assert len(set(stack.texts[key])) == stack.n_frames
    assert stack.same_layout(compute_frames(State(), "en"))


def check_radius(view):
    state, R, coefs = view.state, view.stack.values["R"], view.coefs
    v = weights(state)
    a, p = state.l1_ratio, state.p
    for r, w in zip(R, coefs, strict=True):
        if state.penalty == "l2":
            assert math.isclose(r, math.sqrt(np.sum(v * w**2)), rel_tol=1e-12)
        elif state.penalty == "l1":
            assert math.isclose(r, np.sum(v * np.abs(w)), rel_tol=1e-12, abs_tol=1e-300)
        elif state.penalty == "lp":
            assert math.isclose(r, np.sum(v * np.abs(w) ** p) ** (1 / p), rel_tol=1e-10,
                                abs_tol=1e-300)
        elif state.penalty == "enet":
            level = np.sum(v * (a * np.abs(w) + (1 - a) / 2 * w**2))
            assert math.isclose(a * r + (1 - a) / 2 * r**2, level, rel_tol=1e-10,
                                abs_tol=1e-300)


def test_default_frames_ridge_by_the_normal_equations():
    view = compute(State(basis="legendre", degree=9, n=15, gamma=1.0), "en")
    check_common(view)
    check_radius(view)
    state = view.state
    assert view.stack.n_frames == N_STOPS + 1 and view.path_kind == "ridge"
    x, y, _, _ = data(state)
    X = features(state, x)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    V = np.diag(weights(state))
    for k in range(1, view.stack.n_frames, 7):
        lam = view.lams[k]
        w = np.linalg.solve(Xc.T @ Xc + lam * V, Xc.T @ yc)
        np.testing.assert_allclose(view.coefs[k], w, rtol=1e-8, atol=1e-10)
        assert math.isclose(view.intercepts[k], y.mean() - X.mean(axis=0) @ w, abs_tol=1e-9)
    lstsq = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    np.testing.assert_allclose(view.coefs[0], lstsq, rtol=1e-8, atol=1e-10)
    assert all(view.stack.values["certified"] == 1)


def test_monomial_ridge_frames_equal_the_path_and_start_at_the_lowest_test_error():
    from reglab.paths import fit_path

    view = compute(State(), "ja")  # the lecture's M = 9 monomial fit of 10 points
    check_common(view)
    check_radius(view)
    x, y, _, _ = data(view.state)
    X = features(view.state, x)
    stops = lambda_stops(X, y, make_penalty(view.state))
    np.testing.assert_array_equal(view.lams[1:], stops)
    path = fit_path(X, y, make_penalty(view.state), lams=stops)
    for k in (1, 40, 80, 120):
        solution = path.solution(lam=view.lams[k])
        np.testing.assert_allclose(view.coefs[k], solution.coef, rtol=1e-9, atol=1e-12)
        assert solution.certified == bool(view.stack.values["certified"][k])
    assert view.start == int(np.argmin(view.test_rmse))


def lasso_kkt(state, view, k):
    """Optimality of the weighted lasso on the centred data: |g_j| <= λ v_j, = on the support."""
    x, y, _, _ = data(state)
    X = features(state, x)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w, lam, v = view.coefs[k], view.lams[k], weights(state)
    g = 2 * Xc.T @ (yc - Xc @ w)
    scale = np.max(np.abs(2 * Xc.T @ yc))
    on = w != 0
    assert np.all(np.abs(g[~on]) <= lam * v[~on] + 1e-9 * scale)
    np.testing.assert_allclose(g[on], lam * v[on] * np.sign(w[on]), atol=1e-9 * scale)


def test_lasso_frames_against_sklearn_and_the_kkt_conditions():
    state = State(penalty="l1", basis="legendre", degree=12, n=40)
    view = compute(state, "en")
    check_common(view)
    check_radius(view)
    assert view.path_kind == "lasso"
    # the top stop is λ_max: every coefficient is exactly zero there, and only there
    assert np.all(view.coefs[-1] == 0) and np.any(view.coefs[-2] != 0)
    x, y, _, _ = data(state)
    X = features(state, x)
    for k in range(1, view.stack.n_frames, 10):
        lasso_kkt(state, view, k)
        lam = view.lams[k]
        model = SkLasso(alpha=lam / (2 * state.n), tol=1e-14, max_iter=1_000_000).fit(X, y)
        np.testing.assert_allclose(view.coefs[k], model.coef_, atol=1e-7)
        assert math.isclose(view.intercepts[k], model.intercept_, abs_tol=1e-7)


def test_weighted_lasso_kkt():
    state = State(penalty="l1", basis="chebyshev", degree=10, n=30, gamma=1.5)
    view = compute(state, "en")
    check_common(view)
    check_radius(view)
    for k in range(1, view.stack.n_frames, 15):
        lasso_kkt(state, view, k)


def test_elastic_net_frames_against_sklearn():
    state = State(penalty="enet", l1_ratio=0.3, basis="legendre", degree=8, n=30)
    view = compute(state, "en")
    check_common(view)
    check_radius(view)
    assert view.path_kind == "grid"
    x, y, _, _ = data(state)
    X = features(state, x)
    for k in range(1, view.stack.n_frames, 20):
        lam = view.lams[k]
        model = SkElasticNet(alpha=lam / (2 * state.n), l1_ratio=0.3, tol=1e-14,
                             max_iter=1_000_000).fit(X, y)
        np.testing.assert_allclose(view.coefs[k], model.coef_, atol=1e-6)
    assert all(view.stack.values["certified"][1:] == 1)


def test_convex_lp_frames_are_stationary():
    state = State(penalty="lp", p=1.5, basis="legendre", degree=7, n=25)
    view = compute(state, "en")
    check_common(view)
    check_radius(view)
    x, y, _, _ = data(state)
    X = features(state, x)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    scale = np.max(np.abs(2 * Xc.T @ yc))
    for k in range(1, view.stack.n_frames, 12):
        w, lam = view.coefs[k], view.lams[k]
        g = 2 * Xc.T @ (yc - Xc @ w)
        np.testing.assert_allclose(g, lam * 1.5 * np.sign(w) * np.abs(w) ** 0.5,
                                   atol=1e-7 * scale)


def test_nonconvex_lp_is_flagged():
    view = compute(State(penalty="lp", p=0.5, basis="legendre"), "en")
    check_common(view)
    check_radius(view)
    assert translate("message.nonconvex", "en") in view.notes


def test_no_penalty_is_one_minimum_norm_least_squares_frame():
    state = State(penalty="none", basis="legendre", degree=12, n=8)  # M >= N
    view = compute(state, "en")
    check_common(view)
    assert view.stack.n_frames == 1 and view.path_kind == "none"
    x, y, _, _ = data(state)
    X = features(state, x)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    np.testing.assert_allclose(view.coefs[0], np.linalg.lstsq(Xc, yc, rcond=None)[0],
                               atol=1e-9)
    np.testing.assert_allclose(view.stack.values["train_rmse"], 0.0, atol=1e-9)
    assert translate("page.overfitting.note.none", "en") in view.notes
    assert any(note.startswith("M = 12 ≥ N = 8") for note in view.notes)
    # one solution, no path: no frame count ("1 frames")
    assert "frame" not in _problem_text(view, "en") and "フレーム" not in _problem_text(view, "ja")
    ridge = compute(State(), "en")
    assert _problem_text(ridge, "en").endswith(f", {ridge.stack.n_frames} frames")


def test_degree_zero_is_the_mean():
    view = compute(State(degree=0, penalty="l1"), "en")
    check_common(view)
    x, y, _, _ = data(view.state)
    assert view.stack.n_frames == 1 and view.coefs.shape == (1, 0)
    np.testing.assert_allclose(frame_curve(view, 0), np.full(N_GRID, y.mean()))


def test_uncertified_frames_are_flagged_in_their_readout():
    from reglab.lab.pages.overfitting_frames import _notes, _readouts
    from reglab.solvers import Certificate

    state = State(penalty="l1")
    certificates = [Certificate("kkt", 1e-15, 1e-7), Certificate("kkt", 3e-6, 1e-7),
                    Certificate("duality_gap", math.nan, 1e-10)]
    lams = np.array([0.0, 0.1, 1.0])
    ones = np.ones(3)
    for lang in LANGUAGES:
        texts = _readouts(state, lang, lams, ones, ones, ones, ones, ones, ones, ones,
                          certificates)
        failed = translate("page.overfitting.readout.uncertified", lang)
        passed = translate("page.overfitting.readout.certified", lang)
        assert [failed in t for t in texts] == [False, True, True]
        assert [passed in t for t in texts] == [True, False, False]
        assert "3×10⁻⁶" in texts[1] and "NaN" in texts[2]
        notes = _notes(state, lang, 10.0, certificates, None)
        assert translate("page.overfitting.note.uncertified", lang, count=2, total=3) in notes
    # the page's flags are the path's own certificates
    view = compute(State(penalty="enet", basis="legendre"), "en")
    from reglab.paths import fit_path

    x, y, _, _ = data(view.state)
    path = fit_path(features(view.state, x), y, make_penalty(view.state), lams=view.lams[1:])
    expected = [c.ok for c in path.certificates[::-1]]
    assert list(view.stack.values["certified"][1:] == 1) == expected


def test_lambda_stops():
    state = State(basis="legendre")
    x, y, _, _ = data(state)
    X = features(state, x)
    for penalty in ("l2", "l1", "enet", "lp"):
        stops = lambda_stops(X, y, make_penalty(state.changed(penalty=penalty)))
        assert stops.size == N_STOPS and np.all(np.diff(stops) > 0)
        assert 4 <= math.log10(stops[-1] / stops[0]) <= 14 + 1e-9
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    lam_max = np.max(np.abs(2 * Xc.T @ yc))
    assert math.isclose(lambda_stops(X, y, make_penalty(state.changed(penalty="l1")))[-1],
                        lam_max, rel_tol=1e-12)


def test_recompute_is_fast_enough_for_the_largest_problem():
    # The page's budget is p95 <= 250 ms on the development machine; this only guards
    # against an order-of-magnitude regression (the full timing is in the report).
    import time

    for penalty in ("l2", "l1", "enet", "lp"):
        started = time.perf_counter()
        compute_frames(State(n=200, degree=30, penalty=penalty, basis="legendre"), "en")
        assert time.perf_counter() - started < 2.5, penalty


# -- show code ---------------------------------------------------------------------------------
@pytest.mark.parametrize("state", [
    State(),
    State(penalty="l1", basis="legendre", gamma=1.0, degree=12, n=30),
    State(penalty="enet", l1_ratio=0.7, basis="chebyshev", curve="runge"),
    State(penalty="lp", p=0.5, basis="scaled", noise=0.1),
    State(penalty="none", degree=5),
    State(degree=0),
], ids=["ridge", "lasso-weighted", "enet", "lp", "none", "degree0"])
def test_code_snippet_reproduces_the_frame(state, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    matplotlib.use("Agg")
    view = compute(state, "en")
    k = min(view.start + 3, view.stack.n_frames - 1)
    lam = float(view.lams[k])
    source = code_snippet(state, lam)
    compile(source, "<snippet>", "exec")
    namespace: dict = {}
    printed = []
    namespace["print"] = lambda *args, **kw: printed.append(args)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "FigureCanvasAgg is non-interactive")
        exec(source, namespace)  # noqa: S102 - the snippet is ours
    import matplotlib.pyplot as plt

    plt.close("all")
    # the same solutions, up to the rounding of one λ's matrix product against all λ's
    size = max(1.0, float(np.max(np.abs(view.coefs[k]), initial=0.0)))
    np.testing.assert_allclose(namespace["w"], view.coefs[k], rtol=1e-12, atol=1e-12 * size)
    assert math.isclose(namespace["b"], view.intercepts[k], rel_tol=1e-12,
                        abs_tol=1e-12 * size)
    assert namespace["lam"] == view.lams[k]
    values = view.stack.frame_values(k)
    assert math.isclose(namespace["R"], values["R"], rel_tol=1e-12, abs_tol=1e-300)
    assert math.isclose(namespace["E"], values["objective"], rel_tol=1e-9)
    assert bool(namespace["certified"]) == bool(values["certified"])
    assert math.isclose(namespace["train_rmse"], values["train_rmse"], rel_tol=1e-9,
                        abs_tol=1e-12)
    assert math.isclose(namespace["test_rmse"], values["test_rmse"], rel_tol=1e-9)
    assert len(printed) == 3


def test_code_snippet_rejects_a_bad_lambda():
    with pytest.raises(ReglabInputError):
        code_snippet(State(), -1.0)


# -- the page, built in Python --------------------------------------------------------------
def test_objective_latex_names_the_penalty():
    assert objective_latex(State(penalty="none"))[1] is None
    pen, con = objective_latex(State(penalty="lp", p=1.5, gamma=2.0, basis="legendre"))
    assert "|w_j|^{1.5}" in pen and "v_j = j^{2}" in pen and "P_j(t_n)" in pen
    assert con.endswith("R^{1.5}")
    pen, con = objective_latex(State(penalty="enet", l1_ratio=0.25))
    assert "0.25" in pen and con.endswith(r"\tfrac{1 - 0.25}{2}\,R^2")


class Models:
    """The Bokeh models of a page built in Python, found by name."""

    def __init__(self, page):
        from bokeh.document import Document

        self.root = page.get_root(Document())

    def get_model_by_name(self, name):
        return self.root.select_one({"name": name})


def test_a_new_degree_resends_the_curves_that_change_and_not_the_data():
    from bokeh.document import Document

    page = build_page("en", live=True, state={})
    document = Document()
    document.add_root(page.get_root(document))
    sent = []
    document.on_change(lambda event: sent.append(getattr(event.model, "name", None)))
    widgets = {w.name: w for w in page.select(pn.widgets.Widget)}
    widgets[translate("control.degree", "en")].value = 8
    assert {"overfitting.paths", "overfitting.errors"} <= set(sent)
    assert not {"overfitting.data", "overfitting.test", "overfitting.truth"} & set(sent)
    sent.clear()
    widgets[translate("control.seed", "en")].value = 6  # new data
    assert {"overfitting.data", "overfitting.test"} <= set(sent)


def test_build_page_starts_from_the_query_and_reports_bad_entries():
    query = {"penalty": "l1", "basis": "legendre", "degree": "99", "lam": "0.01",
             "scale": "log"}
    page = build_page("en", live=False, state=query)
    doc = Models(page)
    view = compute(State(penalty="l1", basis="legendre"), "en")
    index = frame_for_lambda(view.stack, 0.01)
    fit = doc.get_model_by_name("overfitting.fit")
    np.testing.assert_array_equal(fit.data["y"], view.stack.frame(index)["fit"]["y"])
    slider = doc.get_model_by_name("overfitting.slider.lam_label")
    assert slider.value == view.stack.texts["lam_label"][index]
    # the coefficient plot shows its log face: |w_j| on the log axis, the linear face hidden
    coef_plot = doc.get_model_by_name("overfitting.coef_plot")
    log_axis = doc.get_model_by_name("overfitting.coef_log_axis")
    assert log_axis.visible and coef_plot.title.text == translate("page.overfitting.plot.coef_log",
                                                                  "en")
    shown = {r.glyph.top for r in coef_plot.renderers if r.visible and hasattr(r.glyph, "top")}
    assert shown == {"mag"}
    assert [a.visible for a in coef_plot.left if a is not log_axis] == [False]
    alerts = [obj for obj in page.select(pn.pane.Alert) if obj.visible]
    assert any("degree = 99" in alert.object for alert in alerts)
    # no server behind a saved page: the problem controls are disabled, no downloads
    assert all(w.disabled for w in page.select(pn.widgets.IntInput))
    assert not page.select(pn.widgets.FileDownload)


def test_page_is_registered_first():
    info = find_page("overfitting")
    assert info.order == 10 and info.title_key == "page.overfitting.title"


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_render_figure(fmt):
    view = compute(State(penalty="l1", basis="legendre"), "ja")
    payload = render_figure(view, view.start, "ja", fmt)
    if fmt == "png":
        assert payload.startswith(b"\x89PNG")
    else:
        assert b"<svg" in payload[:400]
    with pytest.raises(ReglabInputError):
        render_figure(view, 0, "en", "gif")


@settings(max_examples=15, deadline=None)
@given(st.integers(0, N_STOPS), st.sampled_from(["l2", "l1"]))
def test_frame_for_lambda_finds_every_frame(k, penalty):
    view = compute(State(penalty=penalty, basis="legendre"), "en")
    assert frame_for_lambda(view.stack, float(view.lams[k])) == k


def test_coefficient_axis_holds_the_shown_frame_and_larger_lambdas():
    view = compute(State(), "en")
    for index in (0, view.start // 2, view.start, view.stack.n_frames - 1):
        low, high = view.coef_range(index)
        first = min(index, view.start)
        assert high == -low >= np.max(np.abs(view.coefs[first:]))
        assert high <= 1.1 * np.max(np.abs(view.coefs[first:])) * (1 + 1e-12)
    assert view.coef_range(view.start) == view.ranges["coef"]


@pytest.mark.parametrize("state", [State(), State(degree=30, n=20), State(penalty="l1")],
                         ids=["default", "M30", "lasso"])
def test_the_error_cursor_stays_on_the_plot_at_every_frame(state):
    # (at λ = 0 the test error of M = 9 on 10 points, 1.13, was above the axis: no marker)
    view = compute(state, "en")
    low, high = view.ranges["error"]
    dots = view.stack.views["errdot"]["y"]  # (frames, [train, test])
    assert np.all((low <= dots) & (dots < high))
    exact = np.column_stack([view.train_rmse, view.test_rmse])
    shown = exact < 0.985 * high
    np.testing.assert_array_equal(dots[shown], exact[shown])  # on the axis: the true value
    best = float(view.test_rmse.min())
    assert high >= 1.1 * min(float(view.test_rmse.max()), 4.0 * best)
