"""The guided tour, without a browser: its steps, their queries, their claims and the page.

Every step's query must parse without a single problem on its target page (with that page's
own parser), and what the step's text claims about the state it opens must hold for the
frames that page computes -- checked against independent references: least squares and
ridge by numpy, the L2 tangent point's closed form, the L1 KKT conditions, a brute-force
search along the ℓ0.5 ball's boundary, and the one-standard-error rule recomputed from the
CV curve. That the browser shows these frames is tests/browser/test_tour_page.py's job.
"""

from __future__ import annotations

import json
import math
import re
import string
from importlib import resources
from urllib.parse import parse_qs, urlsplit

import numpy as np
import panel as pn
import pytest

from reglab._validation import ReglabInputError
from reglab.lab.i18n import LANGUAGES, catalog
from reglab.lab.pages import find_page, registered_pages
from reglab.lab.pages.tour import (
    BISHOP_LAMBDA,
    CHAPTERS,
    N_STEPS,
    PAGE,
    STEP_FIELD,
    Step,
    build_page,
    target_frames,
    target_state,
    tour_steps,
)

STEPS = tour_steps()
BY_KEY = {step.key: step for step in STEPS}


@pytest.fixture(scope="module")
def frames():
    """``{step key: (stack, start index)}``: what each step's page shows, in English."""
    return {step.key: target_frames(step, "en") for step in STEPS}


# -- the story -------------------------------------------------------------------------------


def test_steps_tell_the_lecture_story_in_order():
    assert len(STEPS) == N_STEPS == STEP_FIELD.high
    order = [CHAPTERS.index(step.chapter) for step in STEPS]
    assert order == sorted(order)  # overfitting → penalty → ... → choosing λ
    assert {step.chapter for step in STEPS} == set(CHAPTERS)
    assert [step.page for step in STEPS] == ["overfitting", "overfitting", "geometry",
                                             "geometry", "geometry", "geometry", "paths"]
    assert len({step.key for step in STEPS}) == len(STEPS)
    assert PAGE.slug == "tour" and PAGE.order == 40
    assert [p.slug for p in registered_pages()].index("tour") > 0  # not served at /
    with pytest.raises(ReglabInputError, match="chapter: must be one of"):
        Step("x", "nowhere", "geometry", {}, {})


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", list(BY_KEY))
def test_every_step_query_parses_without_problems_on_its_page(key, lang):
    step = BY_KEY[key]
    find_page(step.page)  # a registered page
    state, problems = target_state(step, lang)
    assert problems == []
    # The link carries exactly the query, plus the language, to the page's relative URL.
    href = step.href(lang)
    parts = urlsplit(href)
    assert parts.path == f"./{step.page}" and not parts.scheme and not parts.netloc
    assert {k: v[-1] for k, v in parse_qs(parts.query).items()} == {**step.query, "lang": lang}


def test_target_state_refuses_a_page_without_a_parser():
    with pytest.raises(ReglabInputError, match="page: must be overfitting, geometry or paths"):
        target_state(Step("x", "overfitting", "tour", {}, {}))


# -- what each step claims ---------------------------------------------------------------------


def _overfitting_view(step):
    from reglab.lab.pages.overfitting_frames import State, compute

    values, _ = target_state(step)
    return compute(State.from_values(values), "en")


def _monomials(x, degree):
    return np.asarray(x, float)[:, None] ** np.arange(1, degree + 1)


def _ridge_numpy(x, y, degree, lam):
    """Ridge with an unpenalized intercept by numpy: the augmented least-squares system.

    Centering removes the intercept; ``[Xc; sqrt(λ) I] w = [yc; 0]`` has the normal equations
    ``(Xc^T Xc + λ I) w = Xc^T yc`` without squaring the condition number.
    """
    X = _monomials(x, degree)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    A = np.vstack([Xc, math.sqrt(lam) * np.eye(degree)]) if lam > 0 else Xc
    rhs = np.concatenate([yc, np.zeros(degree)]) if lam > 0 else yc
    w = np.linalg.lstsq(A, rhs, rcond=None)[0]
    return w, y.mean() - X.mean(axis=0) @ w


def test_step_overfit_interpolates_and_fails_the_test_data(frames):
    step = BY_KEY["overfit"]
    stack, index = frames["overfit"]
    view = _overfitting_view(step)
    values = stack.frame_values(index)
    assert stack.n_frames == 1 and values["lam"] == 0
    # M = 9 through N = 10 distinct points: the polynomial interpolates them.
    w, b = _ridge_numpy(view.x, view.y, 9, 0.0)
    np.testing.assert_allclose(stack.frame(index)["coef"]["w"], w, rtol=1e-6)
    assert values["train_rmse"] < 1e-8
    test_rmse = np.sqrt(np.mean((view.y_test - b - _monomials(view.x_test, 9) @ w) ** 2))
    assert values["test_rmse"] == pytest.approx(test_rmse, rel=1e-6)
    assert values["test_rmse"] > 3 * view.state.noise  # far beyond the noise level
    coef = stack.frame(index)["coef"]["w"]
    assert np.max(np.abs(coef)) > 1e5 and np.all(np.sign(coef[1:]) == -np.sign(coef[:-1]))


def test_step_ridge_at_bishops_lambda_cures_the_overfit(frames):
    step = BY_KEY["ridge"]
    stack, index = frames["ridge"]
    view = _overfitting_view(step)
    lams = stack.values["lam"]
    lam = lams[index]
    # The page's stop nearest e^-18 in log λ: within half a stop of it.
    half_step = 0.5 * np.log(lams[2] / lams[1])
    assert abs(math.log(lam) - math.log(BISHOP_LAMBDA)) <= half_step + 1e-12
    w, b = _ridge_numpy(view.x, view.y, 9, lam)
    fitted = b + _monomials(view.x_test, 9) @ w
    test_rmse = np.sqrt(np.mean((view.y_test - fitted) ** 2))
    assert stack.frame_values(index)["test_rmse"] == pytest.approx(test_rmse, rel=1e-6)
    overfit = frames["overfit"][0].values["test_rmse"][0]
    best = np.min(stack.values["test_rmse"])
    assert test_rmse < overfit / 3 and test_rmse <= 1.05 * best  # "close to its minimum"
    assert np.max(np.abs(w)) < 1e-3 * np.max(np.abs(frames["overfit"][0].views["coef"]["w"]))


def _geometry(step, stack, index):
    from reglab.lab.pages.geometry_frames import make_loss

    state, _ = target_state(step)
    values = stack.frame_values(index)
    w = np.array([values["w1"], values["w2"]])
    return make_loss(state), state, values, w


def test_step_constrained_is_the_l2_tangent_point(frames):
    step = BY_KEY["constrained"]
    stack, index = frames["constrained"]
    loss, state, values, w = _geometry(step, stack, index)
    assert state.p == 2 and values["active"] == 1 and values["certified"] == 1
    assert values["sparse"] == 0 and values["lam"] > 0
    R_star = float(np.linalg.norm(loss.center))
    assert values["R"] == pytest.approx(0.5 * R_star, rel=0.011)  # the nearest stop
    # f(w) = (w - w*)^T H (w - w*) + c0 and λ||w||²: 2H(w - w*) + 2λw = 0, so
    # w = (H + λI)^{-1} H w*, on the sphere ||w||_2 = R.
    H, lam = loss.hessian, values["lam"]
    np.testing.assert_allclose(w, np.linalg.solve(H + lam * np.eye(2), H @ loss.center),
                               rtol=1e-8, atol=1e-12)
    assert np.linalg.norm(w) == pytest.approx(values["R"], rel=1e-10)


def test_step_inactive_has_lambda_zero_at_w_star(frames):
    step = BY_KEY["inactive"]
    stack, index = frames["inactive"]
    loss, state, values, w = _geometry(step, stack, index)
    R_star = float(np.linalg.norm(loss.center))
    assert state.p == 2 and values["R"] > 1.15 * R_star
    assert values["active"] == 0 and values["lam"] == 0
    np.testing.assert_allclose(w, loss.center, rtol=1e-12)
    assert step.facts["R_star"] in stack.texts["status"][index]  # the page says it, too


def test_step_corner_is_sparse_by_the_l1_kkt_conditions(frames):
    step = BY_KEY["corner"]
    stack, index = frames["corner"]
    loss, state, values, w = _geometry(step, stack, index)
    assert state.p == 1 and values["active"] == 1 and values["sparse"] == 1
    assert values["certified"] == 1
    # The text: the solution sits on the w2 axis although |w1*| > |w2*|.
    assert abs(loss.center[0]) > abs(loss.center[1])
    assert w[0] == 0 and abs(w[1]) == pytest.approx(values["R"], rel=1e-12)
    # KKT of min f + λ||w||_1 at the corner: the active weight's gradient balances λ, the
    # zero weight's stays within [-λ, λ] (here strictly: the corner is not a borderline one).
    gradient = 2 * loss.hessian @ (w - loss.center)
    lam = -gradient[1] * np.sign(w[1])
    assert lam == pytest.approx(values["lam"], rel=1e-8)
    assert abs(gradient[0]) < 0.99 * lam


def test_step_nonconvex_matches_a_brute_force_search_on_the_ball(frames):
    step = BY_KEY["nonconvex"]
    stack, index = frames["nonconvex"]
    loss, state, values, w = _geometry(step, stack, index)
    assert state.p == 0.5 and values["active"] == 1 and values["sparse"] == 1
    assert values["n_minima"] >= 2 and values["certified"] == 1
    # w* lies outside the ball and f is convex, so the minimum over the ball lies on its
    # boundary |w1|^p + |w2|^p = R^p: w = R (±|cos t|^(2/p), ±|sin t|^(2/p)).
    R, p = values["R"], state.p
    t = np.linspace(0.0, 2 * np.pi, 400_001)
    boundary = R * np.column_stack([np.sign(np.cos(t)) * np.abs(np.cos(t)) ** (2 / p),
                                    np.sign(np.sin(t)) * np.abs(np.sin(t)) ** (2 / p)])
    d = boundary - loss.center
    f = np.einsum("ij,jk,ik->i", d, loss.hessian, d) + loss.c0
    best = int(np.argmin(f))
    assert values["level"] <= f[best] + 1e-12 * max(1.0, abs(f[best]))
    assert values["level"] == pytest.approx(f[best], rel=1e-6)
    np.testing.assert_allclose(w, boundary[best], atol=1e-3 * R)
    assert np.min(np.abs(w)) == 0


def test_step_lam1se_opens_the_one_standard_error_lambda(frames):
    from reglab.lab.pages.paths_frames import solve_problem

    step = BY_KEY["lam1se"]
    stack, index = frames["lam1se"]
    state, _ = target_state(step)
    cv = solve_problem(state.problem()).cv
    # The rule, recomputed from the CV curve: the largest λ of the grid whose mean CV error
    # is within one standard error of the minimum's.
    i_min = int(np.argmin(cv.mean_error))
    within = cv.mean_error <= cv.mean_error[i_min] + cv.se[i_min]
    lam_1se = float(np.max(np.asarray(cv.lams)[within]))
    assert stack.values["lam"][index] == lam_1se == cv.lam_1se
    assert stack.values["is_1se"][index] == 1
    assert float(step.query["lam"]) == pytest.approx(lam_1se, rel=1e-5)
    assert stack.values["nonzero"][index] < stack.values["nonzero"][stack.values["is_min"] == 1]


# -- texts -------------------------------------------------------------------------------------


def _raw(lang):
    text = resources.files("reglab.lab.pages").joinpath(f"tour.{lang}.json").read_text("utf-8")
    return json.loads(text)


def _placeholders(text):
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_catalogs_have_the_same_keys_and_placeholders_and_every_step_text():
    ja, en = _raw("ja"), _raw("en")
    assert set(ja) == set(en)
    assert all(key.startswith("page.tour.") for key in ja)
    for key in ja:
        assert ja[key].strip() and en[key].strip(), key
        assert _placeholders(ja[key]) == _placeholders(en[key]), key
    needed = {f"page.tour.chapter.{c}" for c in CHAPTERS}
    needed |= {f"page.tour.step.{s.key}.{part}" for s in STEPS for part in ("title", "body",
                                                                            "try")}
    assert needed <= set(ja)
    for step in STEPS:
        for part in ("title", "body", "try"):
            assert _placeholders(ja[f"page.tour.step.{step.key}.{part}"]) <= set(step.facts)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_step_texts_fill_their_facts_and_keep_their_math_intact(lang):
    for step in STEPS:
        body = step.text("body", lang)
        math_blocks = re.findall(r"\$\$.*?\$\$", body, flags=re.S)
        assert math_blocks, step.key  # every step writes a formula
        prose = re.sub(r"\$\$.*?\$\$", "", body, flags=re.S)
        assert "{" not in prose and "}" not in prose, step.key
        for block in math_blocks:
            assert block.count("{") == block.count("}"), (step.key, block)
            # Panel's Markdown drops the backslash of "\|", "\{", "\," ...: use \lVert etc.
            assert not re.search(r"\\[!-/:-@\[-`{-~]", block), (step.key, block)
    with pytest.raises(ReglabInputError, match="part: must be"):
        STEPS[0].text("footer", lang)
    assert catalog(lang)["page.tour.title"]  # the shared title stays where it is


# -- the page ------------------------------------------------------------------------------------


def _markdown_texts(view):
    return [pane.object for pane in view.select(pn.pane.Markdown)]


def _html_texts(view):
    return [pane.object for pane in view.select(pn.pane.HTML)]


def test_page_starts_at_the_query_step_and_the_buttons_move_it():
    view = build_page("en", state={"step": "3"})
    step = STEPS[2]
    assert any(step.text("title", "en") in text for text in _markdown_texts(view))
    assert any(step.href("en").replace("&", "&amp;") in text for text in _html_texts(view))
    previous, following = view.select(pn.widgets.Button)
    assert not previous.disabled and not following.disabled
    following.clicks += 1
    assert any(STEPS[3].text("title", "en") in text for text in _markdown_texts(view))
    for _ in range(10):
        following.clicks += 1  # stops at the last step
    assert any(STEPS[-1].text("title", "en") in text for text in _markdown_texts(view))
    assert following.disabled and not previous.disabled
    for _ in range(10):
        previous.clicks += 1
    assert any(STEPS[0].text("title", "en") in text for text in _markdown_texts(view))
    assert previous.disabled


@pytest.mark.parametrize(("query", "message"), [
    ({"step": "99"}, "step = 99"),
    ({"step": "two"}, "step = two"),
    ({"speed": "1"}, "speed"),
])
def test_bad_query_keeps_step_one_and_says_why(query, message):
    view = build_page("en", state=query)
    alerts = [a for a in view.select(pn.pane.Alert) if a.visible]
    assert len(alerts) == 1 and message in alerts[0].object
    assert any(STEPS[0].text("title", "en") in text for text in _markdown_texts(view))


def test_saved_page_shows_every_step_without_buttons():
    view = build_page("ja", live=False)
    assert view.select(pn.widgets.Button) == []
    texts = "\n".join(_markdown_texts(view))
    for step in STEPS:
        assert step.text("title", "ja") in texts
    links = "\n".join(_html_texts(view))
    assert all(step.href("ja").replace("&", "&amp;") in links for step in STEPS)
