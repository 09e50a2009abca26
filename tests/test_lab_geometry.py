"""The geometry page's frames against the geometry engine and independent references.

The frames must hold, for every R stop, exactly what :func:`reglab.geometry.constrained_minimum`
answers at that R (recomputed here one by one), and that answer is checked again against
references that do not use the engine: the ridge closed form ``(H + λI) w = H w*``, the
penalized optimality condition ``-∇f(w) = λ ∇P(w)`` on smooth faces, brute-force sampling of
the boundary for the local minima of ``p < 1``, and :meth:`Penalty.ball_boundary` for the
drawn balls.
"""

from __future__ import annotations

import json
import math
import re
from importlib import resources

import numpy as np
import pytest

from reglab._validation import ReglabInputError
from reglab.geometry import constrained_minimum
from reglab.lab.controls import KEYS
from reglab.lab.i18n import LANGUAGES, format_number, translate
from reglab.lab.pages import geometry_frames as gf
from reglab.lab.pages.geometry_frames import (
    P_STOPS,
    SPEC,
    State,
    background,
    ball_boundaries,
    code_snippet,
    compute_frames,
    frame_index,
    importance_text,
    make_loss,
    make_penalty,
    r_grid,
)
from reglab.penalties import L1, L2, ElasticNet, Lp

# A loss whose Lp(0.5) problem has both cusps as local minima over a range of R (the
# lecture's figure 9 loss: minimum (0.8, 0.6), ellipses twice as long as wide, at -45°).
TWO_CUSPS = State(p=0.5, w1=0.8, w2=0.6, ratio=2.0, angle=-45.0)
# Correlated weights: w2 reaches zero first, comes back, and w1 is the one removed.
COMES_BACK = State(w1=2.0, w2=1.0, ratio=10.0, angle=30.0)

STATES = {
    "l1": State(),
    "l2": State(p=2.0),
    "lp0.5": TWO_CUSPS,
    "lp1.5": State(p=1.5, w1=-1.2, w2=0.7, ratio=4.0, angle=60.0),
    "linf": State(p=math.inf, w1=1.1, w2=-2.0),
    "enet": State(family="enet", a=0.3, ratio=6.0, angle=20.0),
    "prostate": State(loss="prostate"),
}


@pytest.fixture(scope="module")
def stacks():
    return {name: compute_frames(state, "en") for name, state in STATES.items()}


# -- state and query ---------------------------------------------------------------------------
def test_state_defaults_are_the_declared_ones():
    state = State()
    for name, field in SPEC.items():
        assert getattr(state, name) == field.default
    assert state.p == 1.0 and state.R is None


def test_query_round_trip_is_exact():
    state = State(family="enet", a=0.35, loss="custom", w1=-1.25, w2=0.1 + 0.2, ratio=7.3,
                  angle=12.5, R=1 / 3)
    back, problems = State.from_query(state.to_query(), "en")
    assert problems == []
    assert back == state
    for p in P_STOPS:
        back, problems = State.from_query(State(p=p).to_query(), "ja")
        assert problems == [] and back.p == p


@pytest.mark.parametrize("text", ["inf", "Infinity", "∞", " INF "])
def test_p_accepts_the_ways_infinity_is_written(text):
    state, problems = State.from_query({"p": text}, "en")
    assert problems == [] and math.isinf(state.p)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bad_query_values_keep_defaults_and_are_reported(lang):
    query = {"p": "0.4", "w1": "99", "family": "l7", "R": "-1", "ratio": "abc", "lang": lang,
             "angle": "45"}
    state, problems = State.from_query(query, lang)
    assert state == State(angle=45.0)  # the one good entry is kept
    assert len(problems) == 5
    assert any("0.4" in line for line in problems)
    assert any("99" in line for line in problems)
    assert any("l7" in line for line in problems)
    assert any("-1" in line for line in problems)


def test_minimum_at_the_origin_is_refused():
    with pytest.raises(ReglabInputError, match="w\\*"):
        State(w1=0.0, w2=0.0)
    state, problems = State.from_query({"w1": "0", "w2": "0"}, "en")
    assert (state.w1, state.w2) == (SPEC["w1"].default, SPEC["w2"].default)
    assert problems == [translate("page.geometry.error.origin", "en")]
    assert State(loss="prostate", w1=0.0, w2=0.0).loss == "prostate"  # w* comes from data


@pytest.mark.parametrize(("name", "value"), [("w1", 5.5), ("ratio", 0.5), ("angle", 91.0),
                                             ("a", -0.1), ("p", 0.4), ("family", "l3"),
                                             ("R", -1.0)])
def test_state_rejects_out_of_bounds_values_by_name(name, value):
    with pytest.raises(ReglabInputError, match=f"^{name}: "):
        State(**{name: value})


# -- the problem -------------------------------------------------------------------------------
def test_custom_loss_has_the_requested_shape():
    state = State(w1=0.4, w2=-1.1, ratio=9.0, angle=30.0)
    loss = make_loss(state)
    np.testing.assert_array_equal(loss.center, [0.4, -1.1])
    low, high = loss.eigen.curvatures
    assert high / low == pytest.approx(9.0 ** 2, rel=1e-12)  # axis ratio 9: curvature ratio 81
    assert low * high == pytest.approx(1.0, rel=1e-12)  # the unit-area contour
    long_axis = loss.eigen.directions[:, 0]  # least curvature: the long axis
    assert abs(long_axis @ [math.cos(math.pi / 6), math.sin(math.pi / 6)]) == pytest.approx(1.0)
    assert loss.c0 == 0.0


@pytest.mark.parametrize("name", ["prostate", "diabetes"])
def test_data_loss_is_the_least_squares_error_of_two_standardized_features(name):
    from reglab.datasets import load_diabetes, load_prostate

    data = load_prostate() if name == "prostate" else load_diabetes()
    X, y = (data.train_test()[:2] if name == "prostate" else (data.X, data.y))
    X = X[:, [data.feature_names.index(f) for f in gf.DATA_FEATURES[name]]]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    loss = make_loss(State(loss=name))
    design = np.column_stack([np.ones(len(y)), X])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    np.testing.assert_allclose(loss.center, coef[1:], rtol=1e-10)
    rng = np.random.default_rng(0)
    for w in rng.normal(size=(3, 2)):
        # f(w) is the error with the best intercept for these slopes
        best = np.sum((y - X @ w - np.mean(y - X @ w)) ** 2)
        assert loss.value(w) == pytest.approx(best, rel=1e-10)


def test_r_grid_holds_the_threshold_exactly():
    grid = r_grid(2.7)
    assert grid.size == gf.N_BELOW + 1 + gf.N_ABOVE
    assert grid[0] == 0.0 and np.all(np.diff(grid) > 0)
    assert grid[gf.N_BELOW] == 2.7
    assert grid[-1] == pytest.approx(2.7 * (1 + gf.ABOVE))
    with pytest.raises(ReglabInputError):
        r_grid(0.0)


@pytest.mark.parametrize("penalty", [L2(), L1(), Lp(0.3), Lp(0.7), Lp(1.5), Lp(3.0),
                                     Lp(math.inf), ElasticNet(0.0), ElasticNet(0.3),
                                     ElasticNet(0.8), ElasticNet(1.0)])
def test_drawn_balls_are_the_penalty_s_own_boundaries(penalty):
    Rs = np.array([0.05, 0.7, 1.0, 3.2])
    drawn = ball_boundaries(penalty, Rs, 181)
    for R, loop in zip(Rs, drawn, strict=True):
        np.testing.assert_allclose(loop, penalty.ball_boundary(R, 181), rtol=1e-12,
                                   atol=1e-14 * R)
    # R = 0: the ball is the origin (compared with zeros: ElasticNet(0).ball_boundary(0)
    # divides 0 by 0 in penalties.py)
    assert np.all(ball_boundaries(penalty, [0.0], 181) == 0.0)


# -- frames against the engine -----------------------------------------------------------------
@pytest.mark.parametrize("name", list(STATES))
def test_frames_are_the_constrained_minima_at_each_R(name, stacks):
    state, stack = STATES[name], stacks[name]
    loss, penalty = make_loss(state), make_penalty(state)
    R_star = penalty.radius(loss.center)
    Rs = stack.values["R"]
    assert np.all(np.diff(Rs) < 0), "frames run from the largest R down (increasing λ)"
    expected_grid = r_grid(R_star)[::-1]
    np.testing.assert_array_equal(Rs, expected_grid[: Rs.size])  # R = 0 dropped if λ = ∞
    # Every third frame, the threshold R* and R = 0 (the whole stack costs seconds to redo).
    frames = sorted({*range(0, Rs.size, 3), int(np.flatnonzero(Rs == R_star)[0]), Rs.size - 1})
    for k in frames:
        R = Rs[k]
        sol = constrained_minimum(loss, penalty, float(R))
        np.testing.assert_allclose([stack.values["w1"][k], stack.values["w2"][k]], sol.w,
                                   rtol=1e-12, atol=1e-14)
        assert stack.values["lam"][k] == pytest.approx(sol.lam, rel=1e-12, abs=1e-300)
        assert stack.values["level"][k] == pytest.approx(sol.level, rel=1e-12)
        assert bool(stack.values["active"][k]) == sol.active
        assert bool(stack.values["sparse"][k]) == sol.sparse
        assert bool(stack.values["certified"][k]) == sol.certified
        assert stack.values["n_minima"][k] == len(sol.local_minima)
        frame = stack.frame(k)
        ring = frame["ring"]
        if sol.active and sol.level > loss.c0:
            np.testing.assert_allclose(np.column_stack([ring["x"], ring["y"]]),
                                       loss.ellipse(sol.level, gf.N_RING), rtol=1e-12,
                                       atol=1e-12)
        loop = np.column_stack([frame["ball"]["x"], frame["ball"]["y"]])
        np.testing.assert_allclose(loop, penalty.ball_boundary(R, gf.N_BALL), rtol=1e-11,
                                   atol=1e-13 * max(R, 1.0))


@pytest.mark.parametrize("name", list(STATES))
def test_active_frames_touch_the_ball_and_satisfy_kkt(name, stacks):
    """Independent of the engine: ``P.radius(w) = R`` and ``-∇f(w) = λ ∇P(w)`` where smooth."""
    state, stack = STATES[name], stacks[name]
    loss, penalty = make_loss(state), make_penalty(state)
    scale = np.linalg.norm(loss.hessian, 2) * (1 + np.linalg.norm(loss.center))
    for k in np.flatnonzero(stack.values["active"]):
        R, lam = stack.values["R"][k], stack.values["lam"][k]
        w = np.array([stack.values["w1"][k], stack.values["w2"][k]])
        assert penalty.radius(w) == pytest.approx(R, rel=1e-9, abs=1e-12)
        assert lam >= 0
        if R > 0 and np.all(w != 0) and not (math.isinf(state.p) and state.family == "lp"):
            # P is differentiable off the axes (ℓ∞ is not on its diagonal: skipped)
            dP = _penalty_gradient(state, w)
            np.testing.assert_allclose(-loss.gradient(w), lam * dP, atol=1e-8 * scale)


def _penalty_gradient(state, w):
    """∇P(w) off the axes, written out by hand for each family."""
    if state.family == "enet":
        return state.a * np.sign(w) + (1 - state.a) * w
    p = state.p
    return p * np.abs(w) ** (p - 1) * np.sign(w)


def test_ridge_frames_match_the_closed_form(stacks):
    """L2: the tangent point is ``(H + λ I)^{-1} H w*`` with ``||w||_2 = R``."""
    loss = make_loss(STATES["l2"])
    stack = stacks["l2"]
    H, c = loss.hessian, loss.center
    for k in np.flatnonzero(stack.values["active"]):
        lam = stack.values["lam"][k]
        w = np.linalg.solve(H + lam * np.eye(2), H @ c)
        np.testing.assert_allclose([stack.values["w1"][k], stack.values["w2"][k]], w,
                                   rtol=1e-10, atol=1e-12)
        assert np.linalg.norm(w) == pytest.approx(stack.values["R"][k], rel=1e-10)


@pytest.mark.parametrize("name", list(STATES))
def test_inactive_frames_have_zero_lambda_and_the_minimum_itself(name, stacks):
    state, stack = STATES[name], stacks[name]
    loss = make_loss(state)
    R_star = make_penalty(state).radius(loss.center)
    inactive = stack.values["active"] == 0
    assert inactive.sum() == gf.N_ABOVE + 1  # R* and every stop beyond it
    assert np.all(stack.values["R"][inactive] >= R_star)
    assert np.all(stack.values["R"][~inactive] < R_star)
    assert np.all(stack.values["lam"][inactive] == 0.0)
    for k in np.flatnonzero(inactive):
        frame = stack.frame(int(k))
        np.testing.assert_array_equal([frame["interior"]["x"][0], frame["interior"]["y"][0]],
                                      loss.center)
        assert np.isnan(frame["tangent"]["x"]).all() and np.isnan(frame["ring"]["x"]).all()
        assert stack.texts["lam_label"][k] == translate("page.geometry.lam_inactive", "en",
                                                        R=stack.texts["R_label"][k])
        assert stack.texts["status"][k].startswith("Inactive")
    for k in np.flatnonzero(~inactive):
        assert np.isnan(stack.frame(int(k))["interior"]["x"]).all()


@pytest.mark.parametrize("name", list(STATES))
def test_the_lambda_face_labels_each_frame_s_multiplier(name, stacks):
    stack = stacks[name]
    labels = stack.texts["lam_label"]
    assert len(set(labels)) == len(labels)
    for k in np.flatnonzero(stack.values["active"]):
        shown = _read_number(labels[k])
        assert shown == pytest.approx(stack.values["lam"][k], rel=5e-3, abs=0)
    for k, label in enumerate(stack.texts["R_label"]):
        assert _read_number(label) == pytest.approx(stack.values["R"][k], rel=5e-3, abs=1e-300)


def _read_number(text):
    """Parse a number as format_number writes it (``1.2×10⁻³``, ``10⁵``, ``−0.5``)."""
    table = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻−", "0123456789--")
    match = re.fullmatch(r"(−?)(?:([\d.]+)×)?10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)", text)
    if match:
        sign = -1.0 if match.group(1) else 1.0
        mantissa = float(match.group(2)) if match.group(2) else 1.0
        return sign * mantissa * 10.0 ** int(match.group(3).translate(table))
    return float(text.translate(table))


def test_balls_smooth_at_the_origin_have_no_frame_at_R_zero(stacks):
    assert stacks["l2"].values["R"][-1] > 0  # λ(0) = ∞ for L2: no frame
    assert stacks["l1"].values["R"][-1] == 0.0  # λ(0) = λ_max for L1
    loss = make_loss(STATES["l1"])
    assert stacks["l1"].values["lam"][-1] == pytest.approx(
        np.max(np.abs(loss.gradient(np.zeros(2)))), rel=1e-12)


def test_l1_frames_are_sparse_exactly_on_the_axes(stacks):
    stack = stacks["l1"]
    w1, w2 = stack.values["w1"], stack.values["w2"]
    sparse = stack.values["sparse"] == 1
    assert sparse.any() and (~sparse & (stack.values["active"] == 1)).any()
    assert np.all((w1[sparse] == 0) | (w2[sparse] == 0))
    assert np.all((w1[~sparse] != 0) & (w2[~sparse] != 0))


# -- p < 1: every local minimum ----------------------------------------------------------------
def _brute_force_minima(loss, p, R, n=1 << 16):
    """Local minima of f over ``||w||_p <= R`` by sampling the boundary densely.

    The boundary is sampled in polar angle, uniformly and, near each axis, geometrically down
    to 1e-12 rad, because for p < 1 a local minimum can sit within 1e-7 of a cusp. A local
    minimum on the boundary is a discrete local minimum of f along the closed loop that f does
    not undercut one small step toward the origin (inside the star-shaped ball). The axis
    points (the cusps) are samples exactly.
    """
    near = np.geomspace(1e-12, 0.05, 3000)
    axes = np.arange(4) * (np.pi / 2)
    t = np.concatenate([np.linspace(0.0, 2.0 * np.pi, n, endpoint=False),
                        (axes[:, None] + near).ravel(), (axes[:, None] - near).ravel()])
    t = np.unique(np.mod(t, 2.0 * np.pi))
    u = np.column_stack([np.cos(t), np.sin(t)])
    u[np.abs(u) < 1e-15] = 0.0
    r = R / np.sum(np.abs(u) ** p, axis=1) ** (1.0 / p)
    W = u * r[:, None]
    f = loss.value(W)
    local = (f <= np.roll(f, 1)) & (f <= np.roll(f, -1))
    candidates = W[local]
    inward = loss.value(candidates * (1.0 - 1e-9))
    return candidates[inward > loss.value(candidates)]


def test_p_below_one_lists_every_local_minimum_brute_force_finds(stacks):
    stack = stacks["lp0.5"]
    loss = make_loss(TWO_CUSPS)
    counts = stack.values["n_minima"]
    assert counts.max() >= 2, "the test loss must have several local minima somewhere"
    checked_several = 0
    for k in range(0, stack.n_frames, 4):
        R = float(stack.values["R"][k])
        if R == 0:
            continue
        brute = _brute_force_minima(loss, 0.5, R)
        inactive = stack.values["active"][k] == 0
        expected = len(brute) + (1 if inactive else 0)  # w* itself when it is inside
        assert counts[k] == expected, f"frame {k}, R = {R}"
        frame = stack.frame(k)
        found = [np.array([frame["locals"]["x"][i], frame["locals"]["y"][i]])
                 for i in range(frame["locals"]["x"].size)
                 if np.isfinite(frame["locals"]["x"][i])]
        if not inactive:
            found.append(np.array([stack.values["w1"][k], stack.values["w2"][k]]))
        for point in found:
            distance = np.min(np.linalg.norm(brute - point, axis=1))
            assert distance <= 2e-4 * R, (k, point)
        if counts[k] >= 2:
            checked_several += 1
    assert checked_several >= 3
    # The global minimum (the tangent point) is the lowest of them.
    for k in np.flatnonzero(stack.values["active"])[::8]:
        R = float(stack.values["R"][k])
        if R > 0:
            brute = _brute_force_minima(loss, 0.5, R)
            assert stack.values["level"][k] <= loss.value(brute).min() * (1 + 1e-9) + 1e-12


def test_several_minima_are_described_in_the_readout(stacks):
    stack = stacks["lp0.5"]
    k = int(np.flatnonzero(stack.values["n_minima"] >= 2)[0])
    text = stack.texts["minima"][k]
    assert text.startswith(translate("page.geometry.minima", "en",
                                     count=int(stack.values["n_minima"][k])))
    assert text.count("global") == 1 and "local" in text
    assert stacks["l1"].texts["minima"] == ("",) * stacks["l1"].n_frames


# -- texts ------------------------------------------------------------------------------------
def test_frame_index_follows_R_and_defaults_to_part_of_the_way(stacks):
    stack = stacks["l1"]
    R_star = stack.values["radius_star"][0]
    assert stack.values["R"][frame_index(State(), stack)] == pytest.approx(0.4 * R_star,
                                                                           abs=R_star / 96)
    k = 17
    assert frame_index(State(R=float(stack.values["R"][k])), stack) == k


def test_status_texts_say_sparse_or_dense(stacks):
    stack = stacks["l1"]
    for k in range(stack.n_frames):
        status = stack.texts["status"][k]
        if stack.values["R"][k] == 0:
            assert status == translate("page.geometry.status.origin", "en")
        elif stack.values["active"][k] == 0:
            assert status.startswith("Inactive")
        elif stack.values["sparse"][k]:
            assert "exactly 0" in status
        else:
            assert "both weights are nonzero" in status


def test_importance_names_the_weight_with_the_smaller_slope_at_the_origin():
    for state in (State(), COMES_BACK, State(loss="prostate"), State(w1=-0.3, w2=1.7)):
        loss = make_loss(state)
        slopes = 2.0 * np.abs(loss.hessian @ loss.center)  # independent of importance()
        removed = int(np.argmin(slopes))
        text = importance_text(background(state).importance, "en")
        assert f"here w{'₁₂'[removed]} is zero for every R below" in text
    text = importance_text(background(COMES_BACK).importance, "en")
    assert "comes back with the opposite sign" in text


def test_importance_with_a_tie_names_no_weight():
    text = importance_text(background(State(w1=1.0, w2=1.0, ratio=1.0)).importance, "en")
    assert "are equal" in text
    assert "w₁" not in text and "w₂" not in text


def test_the_curvature_rule_is_not_judged_when_the_curvatures_are_equal():
    # standardized data: H_11 = H_22, so "the flattest axis" names none (it once said the
    # rule "agrees" or "fails" by the first of two equal numbers)
    for loss in ("prostate", "diabetes"):
        text = importance_text(background(State(loss=loss)).importance, "en")
        assert "cannot decide here: both axis curvatures" in text
        assert "happens to agree" not in text and "fails here" not in text
    text = importance_text(background(State()).importance, "en")  # H_11 != H_22
    assert "cannot decide" not in text
    assert "happens to agree" in text or "fails here" in text


def test_an_uncertified_frame_says_so_with_the_engine_s_note():
    from dataclasses import replace

    state = State()
    sol = constrained_minimum(make_loss(state), make_penalty(state), 1.0)
    bad = replace(sol, kkt_residual=1e-4, note="the scan found no stationary point")
    assert not bad.certified
    for lang in LANGUAGES:
        text = gf._certificate(bad, True, lang)
        assert text.startswith("⚠") and text.endswith("(the scan found no stationary point)")
    assert sol.certified
    assert gf._certificate(sol, True, "en") == translate(
        "page.geometry.certificate.ok", "en", value=format_number(sol.kkt_residual, 2))


def test_comes_back_is_true_for_the_correlated_example():
    """Follow the exact lasso path independently on a fine λ grid: w2 leaves and returns."""
    loss = make_loss(COMES_BACK)
    H, c = loss.hessian, loss.center
    lam_max = np.max(np.abs(2 * H @ c))
    signs = np.array([np.sign(_lasso_2d(H, c, lam)[1])
                      for lam in np.linspace(0, lam_max, 801)[1:-1]])
    assert signs[0] == np.sign(c[1])
    first_zero = int(np.argmax(signs == 0))
    assert signs[first_zero] == 0, "w2 must reach exactly zero"
    assert np.any(signs[first_zero:] == -signs[0]), "and come back with the other sign"
    imp = background(COMES_BACK).importance
    assert imp.comes_back and imp.first_zero == 1 and imp.removed == 0


def _lasso_2d(H, c, lam):
    """argmin (w - c)^T H (w - c) + lam ||w||_1 by enumerating the 9 sign patterns."""
    best, best_value = None, np.inf
    for s1 in (-1, 0, 1):
        for s2 in (-1, 0, 1):
            s = np.array([s1, s2], dtype=float)
            free = s != 0
            w = np.zeros(2)
            if free.any():
                Hf = H[np.ix_(free, free)]
                w[free] = np.linalg.solve(Hf, (H @ c)[free] - 0.5 * lam * s[free])
                if np.any(np.sign(w[free]) != s[free]):
                    continue
            value = (w - c) @ H @ (w - c) + lam * np.abs(w).sum()
            if value < best_value:
                best, best_value = w, value
    return best


def test_catalogs_agree_in_keys_and_placeholders():
    texts = {}
    for lang in LANGUAGES:
        path = resources.files("reglab.lab.pages").joinpath(f"geometry.{lang}.json")
        texts[lang] = json.loads(path.read_text("utf-8"))
    assert set(texts["ja"]) == set(texts["en"])
    for key in texts["en"]:
        assert key.startswith("page.geometry.")
        fields = [set(re.findall(r"{(\w+)}", texts[lang][key])) for lang in LANGUAGES]
        assert fields[0] == fields[1], key


# -- the code snippet ---------------------------------------------------------------------------
@pytest.mark.parametrize("state", [
    State(R=1.1),
    State(p=0.5, w1=0.8, w2=0.6, ratio=2.0, angle=-45.0, R=0.9),
    State(family="enet", a=0.7, R=5.0),
    State(loss="diabetes", p=math.inf),
])
def test_code_snippet_reproduces_the_frame(state, tmp_path, monkeypatch, capsys):
    stack = compute_frames(state, "en")
    k = frame_index(state, stack)
    state = State(**{**state.__dict__, "R": float(stack.values["R"][k])})
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code_snippet(state), "<snippet>", "exec"), namespace)  # noqa: S102
    solution = namespace["solution"]
    np.testing.assert_allclose(solution.w, [stack.values["w1"][k], stack.values["w2"][k]],
                               rtol=1e-12, atol=1e-14)
    assert solution.lam == pytest.approx(stack.values["lam"][k], rel=1e-12)
    assert solution.R == stack.values["R"][k]
    assert len(solution.local_minima) == stack.values["n_minima"][k]
    assert (tmp_path / "geometry.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "w =" in capsys.readouterr().out


# -- the page in Python (no browser) -----------------------------------------------------------
def test_page_info():
    from reglab.lab.pages.geometry import PAGE, build_page

    assert (PAGE.slug, PAGE.order, PAGE.title_key) == ("geometry", 20, "page.geometry.title")
    assert PAGE.build is build_page


def test_page_keeps_its_state_on_bad_input_and_engine_errors(monkeypatch):
    from reglab.lab.pages import geometry

    page = geometry.GeometryPage("en", True, {"R": "1.0"})
    stack = page.scrub.stack
    state = page.state
    # An out-of-range number typed into a box: a message, the old value back, same frames.
    page.widgets["w1"].value = 99.0
    assert page.messages.pane.visible
    assert page.messages.lines == [translate(
        KEYS["input_problem"], "en", label=page.labels["w1"],
        rule=SPEC["w1"].rule_text("en"), value="99.0")]
    assert page.widgets["w1"].value == state.w1
    assert page.scrub.stack is stack and page.state == state
    # Both entries in range but w* = (0, 0): the real reason, not the range of the last box
    page.widgets["w2"].value = 0.0
    page.widgets["w1"].value = 0.0
    assert page.messages.lines == [translate("page.geometry.error.origin", "en")]
    # (w2 = 0 alone was a new, valid loss: it stays; w1 goes back)
    assert (page.widgets["w1"].value, page.widgets["w2"].value) == (state.w1, 0.0)
    assert (page.state.w1, page.state.w2) == (state.w1, 0.0)
    page.widgets["w2"].value = state.w2
    stack, state = page.scrub.stack, page.state

    # The engine fails: the message, the previous state kept, the page still works.
    def broken(*args, **kwargs):
        raise RuntimeError("no tangent point found")

    monkeypatch.setattr(geometry, "compute_frames", broken)
    page.widgets["loss"].value = "prostate"
    assert "no tangent point found" in page.messages.lines[0]
    assert page.widgets["loss"].value == "custom"
    assert page.scrub.stack is stack and page.state == state
    monkeypatch.undo()

    # A good change recomputes, keeps R as near as it can and clears the message.
    page.widgets["family"].value = "enet"
    assert not page.messages.pane.visible
    assert page.state.family == "enet" and page.scrub.stack is not stack
    new_stack = page.scrub.stack
    assert page.state.R == new_stack.values["R"][new_stack.nearest("R", state.R)]
    assert page.scrub.index == new_stack.nearest("R", state.R)


def test_a_new_ball_keeps_the_background_a_new_loss_redraws_it(monkeypatch):
    from reglab.lab.pages import geometry

    page = geometry.GeometryPage("en", True, {})
    drawn = []
    monkeypatch.setattr(page, "_apply_background", drawn.append)
    assert geometry.loss_key(State(family="enet", p=3.0, a=0.2)) == geometry.loss_key(State())
    page.widgets["family"].value = "enet"  # another ball, the same loss: contours kept
    page.widgets["a"]._process_events({"value": 0.8, "value_throttled": 0.8})  # released
    assert drawn == [] and (page.state.family, page.state.a) == ("enet", 0.8)
    # another loss: the picture is redrawn, for it
    page.widgets["ratio"]._process_events({"value": 6.0, "value_throttled": 6.0})
    assert [bg.extent for bg in drawn] == [geometry.background(page.state).extent]
    np.testing.assert_array_equal(drawn[0].F, geometry.background(page.state).F)


def test_another_data_source_opens_at_its_own_scale_a_tweak_keeps_R():
    from reglab.lab.pages import geometry
    from reglab.lab.pages import geometry_frames as frames

    page = geometry.GeometryPage("en", True, {"R": "1.2"})
    page.widgets["loss"].value = "diabetes"  # axes of ±80: R = 1.2 would be a dot
    stack = page.scrub.stack
    star = float(stack.values["radius_star"][0])
    assert page.scrub.index == stack.nearest("R", frames.DEFAULT_R_FRACTION * star)
    assert page.state.R > 10 * 1.2
    R = page.state.R
    page.widgets["family"].value = "enet"  # the same data: R is kept (nearest stop)
    stack = page.scrub.stack
    assert page.scrub.index == stack.nearest("R", R)
    page.widgets["loss"].value = "custom"
    page.widgets["ratio"]._process_events({"value": 6.0, "value_throttled": 6.0})
    R = page.state.R
    page.widgets["angle"]._process_events({"value": 10.0, "value_throttled": 10.0})
    assert page.scrub.index == page.scrub.stack.nearest("R", R)  # a tweak of the loss


def test_the_loss_key_tells_apart_exactly_the_states_with_different_losses():
    from reglab.lab.pages import geometry_frames as frames

    def same_loss(a: State, b: State) -> bool:  # the reference: the losses themselves
        la, lb = frames.make_loss(a), frames.make_loss(b)
        return (np.array_equal(la.center, lb.center) and np.array_equal(la.hessian, lb.hessian)
                and la.c0 == lb.c0)

    states = [State(), State(family="enet", a=0.2), State(p=3.0), State(R=0.5),
              State(w1=0.3), State(w2=-1.0), State(ratio=6.0), State(angle=10.0),
              State(loss="prostate"), State(loss="prostate", w1=3.0, ratio=9.0),
              State(loss="prostate", family="enet")]
    states += [State(loss=name) for name in frames.DATA_FEATURES if name != "prostate"]
    for a in states:
        for b in states:
            assert (frames.loss_key(a) == frames.loss_key(b)) == same_loss(a, b), (a, b)


def test_the_formula_comes_in_a_loss_part_and_a_ball_part():
    from reglab.lab.pages.geometry import formula_parts, formula_tex

    loss, ball = formula_parts(State())
    assert formula_tex(State()) == loss + "\n\n" + ball
    assert r"\begin{pmatrix}" in loss and r"\|w\|_1 \le R" in ball
    # a new ball leaves the loss's part as it was; a new loss leaves the ball's
    assert formula_parts(State(family="enet", a=0.3))[0] == loss
    assert "a = 0.3" in formula_parts(State(family="enet", a=0.3))[1]
    assert formula_parts(State(ratio=7.0))[1] == ball
    assert formula_parts(State(ratio=7.0))[0] != loss


def test_page_cursor_follows_the_url_R_and_the_code_follows_the_cursor():
    from reglab.lab.pages import geometry

    page = geometry.GeometryPage("en", True, {})
    stack = page.scrub.stack
    target = float(stack.values["R"][30])
    before = page.code_card.objects[0].object
    page.mirror.value = target * (1 + 1e-3)  # the URL's R changed: go to the nearest stop
    # A collapsed card is not rewritten on every step (that re-lays the page out) ...
    assert page.code_card.objects[0].object == before
    # ... and opening it brings the code to the cursor.
    page.code_card.collapsed = False
    assert page.scrub.index == 30 and page.state.R == target
    assert page.cursor.R_slider.value == stack.texts["R_label"][30]
    assert f"R = {target!r}" in page.code_card.objects[0].object


def test_page_reports_a_bad_url_and_starts_from_the_rest():
    from reglab.lab.pages import geometry

    page = geometry.GeometryPage("ja", False, {"p": "0.5", "w1": "banana", "R": "2"})
    assert page.state.p == 0.5 and page.state.w1 == SPEC["w1"].default
    assert page.messages.pane.visible and len(page.messages.lines) == 1
    assert page.state.R == page.scrub.stack.values["R"][page.scrub.index]
    assert all(widget.disabled for widget in page.widgets.values())  # a saved file
    # the disabled p slider still shows where p is (its track keeps every stop)
    from bokeh.document import Document
    from bokeh.models import Slider

    (track,) = page.widgets["p"].get_root(Document()).select({"type": Slider})
    assert track.disabled and (track.start, track.end) == (0, len(page.widgets["p"].values) - 1)
    assert page.widgets["p"].values[track.value] == 0.5


def test_rendered_figures_are_png_and_svg():
    from reglab.lab.pages.geometry import render_figure

    assert render_figure(State(R=1.0), "ja", "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in render_figure(TWO_CUSPS.__class__(**{**TWO_CUSPS.__dict__, "R": 0.9}),
                                    "en", "svg")[:400]
