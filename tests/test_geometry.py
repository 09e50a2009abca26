"""Tests of reglab.geometry against independent references.

References: a dense boundary search written here (200k angles, then a bounded scalar
minimization around the best), closed forms (identity Hessian), proximal gradient iterations on
the penalties' own prox maps, the direct intercept fit, an analytic probability, and the KKT
conditions through ``penalty.subdiff_distance``. A seeded sweep over everything the geometry
page can ask (centres, elongations, rotations, p from 0.3 to inf, l1_ratio, R from 0 to beyond
radius(w*), λ from 0 to 1e6) checks every answer against a batched boundary search, the
penalized/constrained round trip or a grid-and-Nelder-Mead search (p < 1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize, minimize_scalar

from reglab._validation import ReglabInputError
from reglab.geometry import (
    QuadraticLoss,
    constrained_minimum,
    constrained_path,
    importance,
    level_grid,
    penalized_minimum,
    sparsity_experiment,
    sparsity_sample,
)
from reglab.penalties import L1, L2, DifferenceL1, ElasticNet, Lp

BALLS = [
    L2(), L1(), ElasticNet(0.5), Lp(0.5), Lp(0.7), Lp(1.5), Lp(3), Lp(math.inf),
    L1(weights=[1.0, 2.5]), L2(weights=[0.5, 2.0]), Lp(0.5, weights=[2.0, 1.0]),
    ElasticNet(0.3, weights=[1.0, 3.0]), Lp(math.inf, weights=[1.0, 0.4]),
]
CONVEX = [ball for ball in BALLS if not (isinstance(ball, Lp) and ball.p < 1)]


# -- independent references -------------------------------------------------------------------
def boundary_radius(penalty, theta, R):
    """Distance from 0 to the ball's boundary along angles ``theta`` (closed forms, vectorized)."""
    a = np.abs(np.stack([np.cos(theta), np.sin(theta)], axis=-1))
    v = penalty.weights_for(2)
    if isinstance(penalty, L2):
        return R / np.sqrt(np.sum(v * a * a, axis=-1))
    if isinstance(penalty, L1):
        return R / np.sum(v * a, axis=-1)
    if isinstance(penalty, ElasticNet):
        mix, level = penalty.l1_ratio, penalty.level(R)
        linear = mix * np.sum(v * a, axis=-1)
        quadratic = 0.5 * (1 - mix) * np.sum(v * a * a, axis=-1)
        return 2 * level / (linear + np.sqrt(linear**2 + 4 * quadratic * level))
    if math.isinf(penalty.p):
        return R / np.max(v * a, axis=-1)
    return R / np.sum(v * a**penalty.p, axis=-1) ** (1 / penalty.p)


def boundary_point(penalty, theta, R):
    theta = np.asarray(theta, dtype=float)
    return boundary_radius(penalty, theta, R)[..., None] * np.stack(
        [np.cos(theta), np.sin(theta)], axis=-1)


def brute_force(loss, penalty, R, n=200_000):
    """Dense search over the boundary by angle, then a bounded 1-D refinement around the best."""
    theta = np.union1d(np.linspace(0, 2 * np.pi, n, endpoint=False),
                       [0, np.pi / 2, np.pi, 3 * np.pi / 2])
    values = loss.value(boundary_point(penalty, theta, R))
    k = int(np.argmin(values))
    h = 2 * np.pi / n
    res = minimize_scalar(lambda t: loss.value(boundary_point(penalty, t, R)),
                          bounds=(theta[k] - 2 * h, theta[k] + 2 * h), method="bounded",
                          options={"xatol": 1e-15})
    t = res.x if res.fun < values[k] else theta[k]
    return min(float(res.fun), float(values[k])), boundary_point(penalty, t, R), t


def stretch(penalty, theta, R, h=1e-7):
    """How fast the boundary point moves with the angle, relative to its size."""
    ends = boundary_point(penalty, np.array([theta - h, theta + h]), R)
    return np.linalg.norm(ends[1] - ends[0]) / (2 * h * np.linalg.norm(ends.mean(axis=0)))


def random_loss(rng, *, distance=(0.3, 3.0), max_cond=1e3):
    angle = rng.uniform(0, 2 * np.pi)
    center = rng.uniform(*distance) * np.array([np.cos(angle), np.sin(angle)])
    cond = 10 ** rng.uniform(0, math.log10(max_cond))
    return QuadraticLoss.from_axes(center, lengths=(1.0, 1.0 / math.sqrt(cond)),
                                   angle=rng.uniform(0, np.pi))


def kkt_distance(loss, penalty, w, lam):
    """Stationarity residual relative to the size of the gradient terms."""
    distance = np.max(penalty.subdiff_distance(w, -loss.gradient(w), lam))
    scale = 2 * np.linalg.norm(loss.hessian, 2) * (np.linalg.norm(w) + np.linalg.norm(loss.center))
    return distance / scale


def proximal_gradient(loss, penalty, lam, iterations):
    """Plain ISTA on f + lam P with the penalty's own prox (step 1 / Lipschitz constant)."""
    step = 1.0 / (2 * np.linalg.eigvalsh(loss.hessian)[-1])
    w = np.zeros(2)
    for _ in range(iterations):
        w = penalty.prox(w - step * loss.gradient(w), step * lam)
    return w


# -- the engine against brute force --------------------------------------------------------------
@pytest.mark.parametrize("penalty", BALLS, ids=repr)
def test_constrained_matches_dense_boundary_search(penalty):
    rng = np.random.default_rng(7)
    R = 1.0
    for _ in range(7):
        loss = random_loss(rng)
        sol = constrained_minimum(loss, penalty, R)
        level = penalty.level(R)
        if penalty.value(loss.center) <= level:
            assert not sol.active and sol.lam == 0 and np.array_equal(sol.w, loss.center)
            continue
        assert sol.active and sol.lam > 0 and sol.certified
        assert penalty.value(sol.w) == pytest.approx(level, rel=1e-12)
        assert kkt_distance(loss, penalty, sol.w, sol.lam) <= 1e-10
        best, w_best, theta = brute_force(loss, penalty, R)
        scale = max(best, loss.value(np.zeros(2)))
        assert sol.level <= best + 1e-12 * scale
        losses = sorted(m.loss for m in sol.local_minima)
        if len(losses) == 1 or losses[1] - losses[0] > 1e-8 * scale:  # no near-tie
            # The reference finds the angle to ~1e-8; near a cusp of p < 1 the point moves
            # much faster than the angle, so the agreement is scaled by that stretch.
            tolerance = 1e-7 * max(1.0, stretch(penalty, theta, R))
            np.testing.assert_allclose(sol.w, w_best, atol=tolerance)


@pytest.mark.parametrize("penalty", [L2(), L1(), ElasticNet(0.5), Lp(0.5), Lp(1.5), Lp(math.inf)],
                         ids=repr)
def test_taco_loss_with_condition_number_1e6(penalty):
    rng = np.random.default_rng(3)
    for angle in (0.0, 0.3, 1.2):
        center = rng.uniform(1.5, 3.0) * np.array([math.cos(angle + 1), math.sin(angle + 1)])
        loss = QuadraticLoss.from_axes(center, lengths=(1.0, 1e-3), angle=angle)
        assert loss.condition_number == pytest.approx(1e6, rel=1e-6)
        sol = constrained_minimum(loss, penalty, 1.0)
        assert sol.active and sol.certified
        assert kkt_distance(loss, penalty, sol.w, sol.lam) <= 1e-10
        best, *_ = brute_force(loss, penalty, 1.0)
        assert sol.level <= best + 1e-12 * max(best, loss.value(np.zeros(2)))


# -- closed forms ------------------------------------------------------------------------------
def test_identity_hessian_l2_is_radial_scaling():
    rng = np.random.default_rng(0)
    for _ in range(20):
        center = rng.normal(size=2) * 3
        R = rng.uniform(0.05, 0.95) * np.linalg.norm(center)
        sol = constrained_minimum(QuadraticLoss(center, np.eye(2)), L2(), R)
        np.testing.assert_allclose(sol.w, R * center / np.linalg.norm(center), rtol=1e-14,
                                   atol=1e-15)
        # (I + lam I) w = w*  =>  1 + lam = ||w*|| / R
        assert sol.lam == pytest.approx(np.linalg.norm(center) / R - 1, rel=1e-12)
        assert not sol.sparse


def soft_threshold_to_l1_radius(c, R):
    """Soft threshold with the level tau chosen so that ||w||_1 = R (sort-based, exact)."""
    a = np.sort(np.abs(c))[::-1]
    for k in range(1, len(a) + 1):
        tau = (a[:k].sum() - R) / k
        if tau >= 0 and (k == len(a) or a[k] <= tau) and a[k - 1] > tau:
            return np.sign(c) * np.maximum(np.abs(c) - tau, 0), tau
    raise AssertionError("no threshold")


def test_identity_hessian_l1_is_soft_thresholding():
    rng = np.random.default_rng(1)
    sparse_seen = dense_seen = False
    for _ in range(40):
        center = rng.normal(size=2) * 2
        R = rng.uniform(0.05, 0.95) * np.abs(center).sum()
        expected, tau = soft_threshold_to_l1_radius(center, R)
        sol = constrained_minimum(QuadraticLoss(center, np.eye(2)), L1(), R)
        np.testing.assert_allclose(sol.w, expected, rtol=1e-13, atol=1e-14)
        assert sol.lam == pytest.approx(2 * tau, rel=1e-12)  # 2 (w - c) + lam sign(w) = 0
        assert sol.sparse == bool(np.any(expected == 0))
        assert sol.zero_coordinates == tuple(np.flatnonzero(expected == 0))
        sparse_seen |= sol.sparse
        dense_seen |= not sol.sparse
        # penalized: argmin (w - c)^2 + lam |w|_1 = soft(c, lam / 2)
        lam = rng.uniform(0.1, 4.0)
        pen = penalized_minimum(QuadraticLoss(center, np.eye(2)), L1(), lam)
        soft = np.sign(center) * np.maximum(np.abs(center) - lam / 2, 0)
        np.testing.assert_allclose(pen.w, soft, rtol=1e-14, atol=1e-15)
        assert pen.zero_coordinates == tuple(np.flatnonzero(soft == 0))
    assert sparse_seen and dense_seen


def test_corner_of_the_diamond_is_exact_zero_not_a_small_number():
    loss = QuadraticLoss.from_axes([2.0, 0.3], lengths=(1.0, 0.4), angle=0.2)
    sol = constrained_minimum(loss, L1(), 1.0)
    assert sol.sparse and sol.face == "vertex"
    assert sol.w[1] == 0.0 and sol.w[0] == 1.0


def test_inactive_constraint_returns_the_center():
    loss = QuadraticLoss.from_axes([0.4, -0.3], lengths=(1.0, 0.2), angle=0.7)
    for penalty in BALLS:
        R = penalty.radius(loss.center)
        for radius in (R, 1.5 * R):
            sol = constrained_minimum(loss, penalty, radius)
            assert not sol.active and sol.lam == 0.0 and sol.face == "interior"
            assert np.array_equal(sol.w, loss.center) and sol.level == loss.c0
            assert sol.local_minima[0].is_global


def test_zero_radius_reports_the_smallest_multiplier():
    loss = QuadraticLoss.from_axes([1.5, 0.8], lengths=(1.0, 0.3), angle=0.5)
    g0 = -loss.gradient(np.zeros(2))
    sol = constrained_minimum(loss, L1(), 0.0)
    assert np.array_equal(sol.w, [0.0, 0.0]) and sol.sparse and sol.active
    assert sol.lam == pytest.approx(np.max(np.abs(g0)), rel=1e-14)  # L1's lam_max
    assert constrained_minimum(loss, L2(), 0.0).lam == math.inf
    assert constrained_minimum(loss, Lp(math.inf), 0.0).lam == pytest.approx(np.abs(g0).sum())


def test_zero_weight_leaves_that_coordinate_free():
    loss = QuadraticLoss.from_axes([1.5, 0.8], lengths=(1.0, 0.3), angle=0.5)
    H, c = loss.hessian, loss.center
    for penalty in (L1(weights=[0.0, 1.0]), L2(weights=[0.0, 2.0]), Lp(0.5, weights=[0.0, 1.0])):
        R = 0.4
        sol = constrained_minimum(loss, penalty, R)
        half_width = penalty.boundary_radius(np.array([0.0, 1.0]), R)

        # Reference: minimize over w2 in [-r, r] the profile min_w1 f(w1, w2).
        def profile(w2):
            return minimize_scalar(lambda w1: loss.value([w1, w2])).fun  # noqa: B023

        ref = minimize_scalar(profile, bounds=(-half_width, half_width), method="bounded",
                              options={"xatol": 1e-13})
        assert sol.w[1] == pytest.approx(ref.x, abs=1e-7)
        assert sol.level <= ref.fun + 1e-12
        assert sol.w[0] == pytest.approx(c[0] - H[0, 1] * (sol.w[1] - c[1]) / H[0, 0], abs=1e-14)
        assert kkt_distance(loss, penalty, sol.w, sol.lam) <= 1e-12


# -- lam <-> R ---------------------------------------------------------------------------------
@pytest.mark.parametrize("penalty", CONVEX + [L1(weights=[1.0, 0.0]), Lp(1.5, weights=[0.0, 1.0])],
                         ids=repr)
def test_lambda_radius_round_trip(penalty):
    rng = np.random.default_rng(11)
    for _ in range(4):
        loss = random_loss(rng, distance=(1.5, 3.0), max_cond=100)
        R_max = penalty.radius(loss.center)
        for fraction in (0.2, 0.6, 0.9):
            sol = constrained_minimum(loss, penalty, fraction * R_max)
            back = penalized_minimum(loss, penalty, sol.lam)
            np.testing.assert_allclose(back.w, sol.w, rtol=1e-9, atol=1e-10)
            assert back.R == pytest.approx(sol.R, rel=1e-9)
            again = constrained_minimum(loss, penalty, back.R)
            assert again.lam == pytest.approx(sol.lam, rel=1e-8)
            assert back.sparse == sol.sparse
            assert back.certified


@pytest.mark.parametrize("penalty", [L1(), ElasticNet(0.5), L2(), L1(weights=[1.0, 3.0]),
                                     ElasticNet(0.2, weights=[2.0, 1.0]), Lp(math.inf),
                                     L1(weights=[0.0, 1.0]), ElasticNet(0.5, weights=[1.0, 0.0])],
                         ids=repr)
def test_penalized_matches_proximal_gradient(penalty):
    rng = np.random.default_rng(5)
    for _ in range(3):
        # condition number <= 4: ISTA contracts by 3/4 per step, 200 steps reach 1e-25.
        loss = random_loss(rng, distance=(0.5, 3.0), max_cond=4)
        for lam in (0.3, 1.5, 6.0):
            sol = penalized_minimum(loss, penalty, lam)
            reference = proximal_gradient(loss, penalty, lam, 200)
            np.testing.assert_allclose(sol.w, reference, atol=1e-10)
            assert sol.R == pytest.approx(penalty.radius(sol.w), rel=1e-14)


def test_multiplier_decreases_as_the_ball_grows():
    loss = QuadraticLoss.from_axes([2.0, 1.0], lengths=(1.0, 0.2), angle=0.4)
    for penalty in CONVEX:
        radii = np.linspace(0.05, 0.95, 12) * penalty.radius(loss.center)
        lams = [constrained_minimum(loss, penalty, R).lam for R in radii]
        assert np.all(np.diff(lams) < 0)


# -- p < 1: several local minima ---------------------------------------------------------------
def test_two_cusp_minima_with_the_global_marked():
    # H = I, center (1.3, 1.1): both cusps (1, 0) and (0, 1) have the gradient pointing out
    # along their axis; their losses are 0.3^2 + 1.1^2 and 1.3^2 + 0.1^2.
    loss = QuadraticLoss([1.3, 1.1], np.eye(2))
    sol = constrained_minimum(loss, Lp(0.5), 1.0)
    assert [m.w.tolist() for m in sol.local_minima] == [[1.0, 0.0], [0.0, 1.0]]
    assert [m.is_global for m in sol.local_minima] == [True, False]
    np.testing.assert_allclose([m.loss for m in sol.local_minima], [1.3, 1.7], rtol=1e-14)
    np.testing.assert_allclose([m.lam for m in sol.local_minima], [1.2, 0.4], rtol=1e-13)
    assert sol.sparse and sol.face == "cusp"
    best, *_ = brute_force(loss, Lp(0.5), 1.0)
    assert sol.level == pytest.approx(best, rel=1e-13)


def boundary_local_minima(loss, penalty, R, n=200_000):
    """Discrete local minima along the dense boundary, with the gradient pointing out."""
    theta = np.union1d(np.linspace(0, 2 * np.pi, n, endpoint=False),
                       [0, np.pi / 2, np.pi, 3 * np.pi / 2])
    points = boundary_point(penalty, theta, R)
    values = loss.value(points)
    is_min = (values <= np.roll(values, 1)) & (values <= np.roll(values, -1))
    outward = np.einsum("ij,ij->i", -loss.gradient(points), points) > 0
    return points[is_min & outward], values[is_min & outward]


@pytest.mark.parametrize("center", [(1.05, 0.9), (1.3, 1.1), (0.9, -1.2), (-1.6, 0.2)])
@pytest.mark.parametrize("p", [0.5, 0.7])
def test_all_local_minima_of_the_nonconvex_ball(center, p):
    loss = QuadraticLoss.from_axes(center, lengths=(1.0, 0.8), angle=0.3)
    penalty = Lp(p)
    sol = constrained_minimum(loss, penalty, 1.0)
    points, values = boundary_local_minima(loss, penalty, 1.0)
    assert len(sol.local_minima) == len(points)
    for point, value in zip(points, values, strict=True):
        match = min(sol.local_minima, key=lambda m: np.max(np.abs(m.w - point)))  # noqa: B023
        assert np.max(np.abs(match.w - point)) < 1e-3
        assert match.loss <= value + 1e-12
        assert match.lam > 0 and match.kkt_residual <= 1e-10
    assert sol.local_minima[0].is_global and sum(m.is_global for m in sol.local_minima) == 1
    assert values.min() - 1e-6 <= sol.level <= values.min() + 1e-12  # the grid is coarser


def test_nonconvex_local_minima_are_local_minima_over_the_ball():
    rng = np.random.default_rng(2)
    loss = QuadraticLoss([1.05, 0.9], np.eye(2))
    penalty = Lp(0.5)
    sol = constrained_minimum(loss, penalty, 1.0)
    assert len(sol.local_minima) == 2
    for minimum in sol.local_minima:
        for radius in (1e-7, 1e-5, 1e-3):
            # Nearby points pulled radially into the ball: boundary and interior neighbours.
            trial = minimum.w + radius * rng.normal(size=(4000, 2))
            gauge = np.sum(np.sqrt(np.abs(trial)), axis=1) ** 2  # ||w||_{1/2}
            trial = trial / np.maximum(gauge, 1.0)[:, None]
            assert np.all(loss.value(trial) >= minimum.loss - 1e-13)


def test_penalized_nonconvex_global_and_local_minima_against_a_grid():
    penalty = Lp(0.5)
    for center, lam in [((1.5, 0.8), 0.5), ((1.3, 1.1), 1.0), ((1.5, 0.8), 2.0)]:
        loss = QuadraticLoss.from_axes(center, lengths=(1.0, 0.5), angle=0.5)
        sol = penalized_minimum(loss, penalty, lam)
        # Dense grid holding the axes exactly (the cusps live there).
        axis = np.union1d(np.linspace(-0.5, 2.5, 1201), [0.0])
        W = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
        objective = loss.value(W) + lam * np.sum(np.sqrt(np.abs(W)), axis=1)
        best = sol.level + lam * penalty.value(sol.w)
        assert best <= objective.min() + 1e-12
        assert sol.local_minima[0].is_global
        rng = np.random.default_rng(0)
        for minimum in sol.local_minima:
            assert minimum.kkt_residual <= 1e-10
            value = minimum.loss + lam * penalty.value(minimum.w)
            trial = minimum.w + 1e-5 * rng.normal(size=(2000, 2))
            trial_values = loss.value(trial) + lam * np.sum(np.sqrt(np.abs(trial)), axis=1)
            assert np.all(trial_values >= value - 1e-13)


# -- importance --------------------------------------------------------------------------------
def check_events_on_the_l1_path(loss, result):
    """Every path event, seen in exact constrained solutions just above and below its R."""
    for event in result.events[:-1]:
        below = constrained_minimum(loss, L1(), event.R * (1 - 1e-7))
        above = constrained_minimum(loss, L1(), event.R * (1 + 1e-7))
        zero_below = event.coordinate in below.zero_coordinates
        zero_above = event.coordinate in above.zero_coordinates
        assert (zero_below, zero_above) == ((True, False) if event.action == "leaves"
                                            else (False, True))
    if result.removed is not None:  # the last phase: only `kept` is nonzero
        for fraction in (0.999, 0.5, 0.01):
            sol = constrained_minimum(loss, L1(), fraction * result.R_removed)
            assert sol.zero_coordinates == (result.removed,)


def test_importance_on_a_taco_removes_the_flat_weight():
    loss = QuadraticLoss.from_axes([2.0, 2.0], lengths=(1.0, 1e-3), angle=0.0)
    result = importance(loss)
    assert result.condition_number == pytest.approx(1e6)
    assert result.removed == result.first_zero == result.flattest_axis == 0
    assert result.kept == 1 and not result.comes_back
    np.testing.assert_allclose(result.axis_curvatures, [1.0, 1e6])
    check_events_on_the_l1_path(loss, result)
    rotated = QuadraticLoss.from_axes([1.0, 2.5], lengths=(1.0, 1e-3), angle=0.3)
    result = importance(rotated)
    assert result.removed == int(np.argmin(result.slopes_at_origin))
    check_events_on_the_l1_path(rotated, result)


def test_importance_follows_the_slope_at_the_origin_not_curvature_alone():
    # Flat along w2 (H22 = 0.01) but w*_2 is 1000 times larger: the lasso removes w1.
    loss = QuadraticLoss([0.001, 1.0], np.diag([1.0, 0.01]))
    result = importance(loss)
    assert result.flattest_axis == 1 and result.removed == 0
    assert not result.curvature_rule_agrees
    np.testing.assert_allclose(result.slopes_at_origin, [0.002, 0.02])
    check_events_on_the_l1_path(loss, result)
    rng = np.random.default_rng(4)
    for _ in range(20):
        loss = random_loss(rng, distance=(1.0, 3.0), max_cond=1e4)
        result = importance(loss)
        assert result.removed == int(np.argmin(result.slopes_at_origin))
        check_events_on_the_l1_path(loss, result)


def test_a_weight_can_touch_zero_and_come_back():
    # Correlated features: w2 reaches zero first, returns with the opposite sign, and w1 is
    # the one removed by the small balls.
    loss = QuadraticLoss([-1.98706, 0.0266248], [[2.6702, 12.76357], [12.76357, 98.53834]])
    result = importance(loss)
    assert result.first_zero == 1 and result.comes_back and result.removed == 0
    assert [e.action for e in result.events] == ["leaves", "enters", "leaves", "leaves"]
    check_events_on_the_l1_path(loss, result)
    start = constrained_minimum(loss, L1(), 0.999 * loss.center @ np.sign(loss.center))
    end = constrained_minimum(loss, L1(), 0.9 * result.R_removed)
    assert np.sign(start.w[1]) == -np.sign(end.w[1]) != 0


# -- the loss ----------------------------------------------------------------------------------
def test_from_data_is_the_squared_error_with_the_intercept_profiled_out():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(30, 2)) @ np.array([[1.0, 0.6], [0.0, 0.8]]) + 3.0
    y = X @ np.array([1.5, -0.7]) + 2.0 + rng.normal(size=30)
    loss = QuadraticLoss.from_data(X, y)
    for w in rng.normal(size=(5, 2)) * 2:
        b = np.mean(y - X @ w)  # the best intercept for these slopes
        assert loss.value(w) == pytest.approx(np.sum((y - b - X @ w) ** 2), rel=1e-12)
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(loss.hessian, Xc.T @ Xc, rtol=1e-14)
    np.testing.assert_allclose(loss.gradient(loss.center), [0.0, 0.0], atol=1e-9)


def test_from_axes_contour_and_helpers():
    loss = QuadraticLoss.from_axes([1.0, -0.5], lengths=(2.0, 0.5), angle=0.4, c0=3.0)
    tip = loss.center + 2.0 * np.array([math.cos(0.4), math.sin(0.4)])
    assert loss.value(tip) == pytest.approx(4.0, rel=1e-14)
    np.testing.assert_allclose(loss.eigen.curvatures, [0.25, 4.0], rtol=1e-14)
    np.testing.assert_allclose(loss.value(loss.ellipse(5.0, 50)), 5.0, rtol=1e-13)
    sol = constrained_minimum(loss, L1(), 0.5)
    levels = loss.contour_levels(6, through=sol.w)
    assert np.any(levels == sol.level) and np.all(np.diff(levels) > 0)
    W1, W2, F = level_grid(loss, (-1.0, 2.0, -2.0, 1.0), (31, 21))
    assert W1.shape == W2.shape == F.shape == (21, 31)
    assert F[3, 5] == pytest.approx(loss.value([W1[3, 5], W2[3, 5]]), rel=1e-14)


# -- the sparsity experiment -------------------------------------------------------------------
def test_sparsity_experiment_symmetric_l1_matches_the_analytic_probability():
    n = 2000
    results = sparsity_experiment([L2(), L1(), ElasticNet(0.5), Lp(0.5), Lp(math.inf)], n,
                                  family="symmetric", seed=0)
    by_label = {r.label: r for r in results}
    # With H = I the L1 solution is sparse iff ||c1| - |c2|| >= R; for |c| = r uniform in angle
    # that has probability (4/pi)(arccos(R / (r sqrt 2)) - pi/4); r is uniform on [1.5, 3].
    exact = quad(lambda r: 4 / np.pi * (np.arccos(1 / (r * np.sqrt(2))) - np.pi / 4),
                 1.5, 3.0)[0] / 1.5
    l1 = by_label["L1()"]
    assert abs(l1.fraction - exact) <= 4 * math.sqrt(exact * (1 - exact) / n)
    assert by_label["L2()"].n_sparse == 0 and by_label["Lp(p=inf)"].n_sparse == 0
    assert (by_label["Lp(p=0.5)"].fraction >= l1.fraction
            >= by_label["ElasticNet(l1_ratio=0.5)"].fraction)
    for r in results:
        assert r.ci_low <= r.fraction <= r.ci_high and r.sparse.shape == (n,)


def test_sparsity_experiment_agrees_with_single_solves_and_is_reproducible():
    penalties = {"lasso": L1(), "enet": ElasticNet(0.5), "p=0.5": Lp(0.5), "p=3": Lp(3)}
    first = sparsity_experiment(penalties, 60, family="elongated", seed=3)
    again = sparsity_experiment(penalties, 60, family="elongated", seed=3)
    centers, hessians = sparsity_sample(60, family="elongated", seed=3)
    for r, r_again in zip(first, again, strict=True):
        assert np.array_equal(r.sparse, r_again.sparse)
        for k in range(0, 60, 3):
            sol = constrained_minimum(QuadraticLoss(centers[k], hessians[k]), r.penalty, 1.0)
            assert sol.sparse == r.sparse[k]
    # A Wilson interval computed here from its formula.
    r = first[0]
    z, n, p_hat = 1.959963984540054, r.n_trials, r.fraction
    center = (p_hat + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p_hat * (1 - p_hat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (r.ci_low, r.ci_high) == pytest.approx((center - half, center + half), rel=1e-12)


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: QuadraticLoss([0, 0], [[1.0, 2.0], [2.0, 1.0]]), "hessian"),
        (lambda: QuadraticLoss([0, 0], [[1.0, 0.5], [0.0, 1.0]]), "hessian"),
        (lambda: QuadraticLoss([0, 0], [[1.0, 0.0], [0.0, 0.0]]), "hessian"),
        (lambda: QuadraticLoss([0, 0, 0], np.eye(2)), "center"),
        (lambda: QuadraticLoss.from_axes([0, 0], lengths=(1.0, -1.0)), "lengths"),
        (lambda: QuadraticLoss.from_data(np.ones((5, 2)), np.arange(5.0)), "X"),
        (lambda: constrained_minimum(QuadraticLoss([1, 1], np.eye(2)), L1(), -1.0), "R"),
        (lambda: penalized_minimum(QuadraticLoss([1, 1], np.eye(2)), L1(), -0.5), "lam"),
        (lambda: constrained_minimum(QuadraticLoss([1, 1], np.eye(2)), Lp(0.0), 1.0), "p"),
        (lambda: constrained_minimum(QuadraticLoss([1, 1], np.eye(2)), Lp(-1), 1.0), "p"),
        (lambda: constrained_minimum(QuadraticLoss([1, 1], np.eye(2)), DifferenceL1(), 1.0),
         "penalty"),
        (lambda: constrained_minimum(QuadraticLoss([1, 1], np.eye(2)), L1(weights=[1, 2, 3]),
                                     1.0), "weights"),
        (lambda: constrained_minimum(np.eye(2), L1(), 1.0), "loss"),
        (lambda: sparsity_experiment([L1()], 10, family="round"), "family"),
        (lambda: constrained_path(QuadraticLoss([1, 1], np.eye(2)), L1(), [0.5, -1.0]), "Rs"),
        (lambda: constrained_path(QuadraticLoss([1, 1], np.eye(2)), L1(), [[0.5]]), "Rs"),
    ],
)
def test_bad_input_is_one_line_naming_the_parameter(build, name):
    with pytest.raises(ReglabInputError) as info:
        build()
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{name}: ")


def test_non_positive_definite_error_gives_the_eigenvalue():
    with pytest.raises(ReglabInputError, match=r"^hessian: must be positive definite.*; got -1"):
        QuadraticLoss([0, 0], [[1.0, 2.0], [2.0, 1.0]])


# -- everything the lab asks: degenerate cases and a seeded sweep over its whole range ----------
def brute_force_radii(loss, penalty, radii, n=8192, steps=40):
    """``brute_force`` for many radii at once: dense angles, then golden-section refinement.

    Returns the lowest loss found on each ball's boundary (an upper bound of the minimum: every
    point evaluated is on the boundary, computed from the closed-form radius along its angle).
    """
    (h11, h12), (_, h22) = loss.hessian.tolist()
    c1, c2 = loss.center.tolist()

    def value(points):
        d1, d2 = points[..., 0] - c1, points[..., 1] - c2
        return h11 * d1 * d1 + 2 * h12 * d1 * d2 + h22 * d2 * d2 + loss.c0

    radii = np.asarray(radii, dtype=float)[:, None]
    theta = np.union1d(np.linspace(0, 2 * np.pi, n, endpoint=False), np.arange(8) * np.pi / 4)
    values = value(boundary_point_safe(penalty, theta[None, :], radii))
    k = np.argmin(values, axis=1)
    best = values[np.arange(len(radii)), k]
    lo, hi = theta[k] - 2 * np.pi / n, theta[k] + 2 * np.pi / n
    golden = (math.sqrt(5) - 1) / 2
    for _ in range(steps):
        x = np.stack([hi - golden * (hi - lo), lo + golden * (hi - lo)], axis=1)
        f1, f2 = value(boundary_point_safe(penalty, x, radii)).T
        best = np.minimum(best, np.minimum(f1, f2))
        hi, lo = np.where(f1 < f2, x[:, 1], hi), np.where(f1 < f2, lo, x[:, 0])
    return best


def boundary_point_safe(penalty, theta, R):
    """``boundary_point`` for broadcast ``theta`` and ``R``, without overflow for large p."""
    a = np.abs(np.stack([np.cos(theta), np.sin(theta)], axis=-1))
    if isinstance(penalty, Lp) and not math.isinf(penalty.p) and penalty.p not in (1.0, 2.0):
        v = penalty.weights_for(2)
        top = a.max(axis=-1)
        radius = R / (top * np.sum(v * (a / top[..., None]) ** penalty.p, axis=-1)
                      ** (1 / penalty.p))
    else:
        radius = boundary_radius(penalty, theta, R)
    return radius[..., None] * np.stack([np.cos(theta), np.sin(theta)], axis=-1)


def public_radius(penalty, center):
    return 0.0 if not np.any(center) else penalty.radius(center)


def lab_losses(rng, n_random):
    """Losses the geometry page can show: special centres and shapes first, then random ones.

    Centres in [-3, 3]^2 (on an axis, on a diagonal, at the origin), axis ratio 1 to 100,
    rotation 0 to 180 degrees (the exact slider stops 0, 45, 90, 135, 180 included).
    """
    specials = [((0.0, 0.0), 1.0, 0.0), ((1.7, 0.0), 1.0, 0.0), ((0.0, -2.2), 4.0, 0.0),
                ((1.0, 1.0), 1.0, 0.0), ((-1.3, 1.3), 10.0, 45.0), ((2.0, 0.0), 100.0, 90.0),
                ((1.0, 0.5), 30.0, 135.0), ((-2.5, -0.4), 100.0, 180.0)]
    out = [QuadraticLoss.from_axes(c, lengths=(1.0, 1.0 / ratio), angle=math.radians(deg))
           for c, ratio, deg in specials]
    for _ in range(n_random):
        center = rng.uniform(-3, 3, 2)
        ratio = math.exp(rng.uniform(0, math.log(100)))
        out.append(QuadraticLoss.from_axes(center, lengths=(1.0, 1.0 / ratio),
                                           angle=math.radians(rng.uniform(0, 180))))
    return out


SWEEP_P = [0.3, 0.5, 0.7, 0.999, 1.0, 1.001, 1.5, 1.999, 2.0, 2.001, 3.0, 10.0, 50.0, math.inf]
SWEEP_PENALTIES = ([L2(), L1(), ElasticNet(0.0), ElasticNet(0.5), ElasticNet(1.0),
                    ElasticNet(0.83)] + [Lp(p) for p in SWEEP_P])


@pytest.mark.parametrize("index", range(len(SWEEP_PENALTIES)),
                         ids=[repr(p) for p in SWEEP_PENALTIES])
def test_constrained_sweep_over_the_lab_range(index):
    penalty = SWEEP_PENALTIES[index]
    rng = np.random.default_rng(1000 + index)
    for loss in lab_losses(rng, 8):
        c = loss.center
        r = public_radius(penalty, c)
        radii = np.array([0.0, 1e-3 * r, 0.3 * r, rng.uniform(0, r), 0.9 * r, (1 - 1e-6) * r,
                          np.nextafter(r, 0), r, np.nextafter(r, np.inf), 2 * r + 0.5])
        path = constrained_path(loss, penalty, radii)
        active = [i for i, R in enumerate(radii) if 0 < R < r]
        best = dict(zip(active, brute_force_radii(loss, penalty, radii[active]), strict=True))
        scale = max(loss.value(np.zeros(2)) - loss.c0, 1e-300)
        for i, (R, sol) in enumerate(zip(radii, path, strict=True)):
            assert sol.R == R and sol.certified and sol.note == "", (loss, R, sol.note)
            if i in (3, 6):  # the batch gives what a single call gives, bit for bit
                single = constrained_minimum(loss, penalty, R)
                assert np.array_equal(single.w, sol.w) and single.lam == sol.lam
            if R >= r or not sol.active:  # the centre is in the ball (R = radius(w*) included;
                # one rounding below it, P(w*) <= level(R) may hold in floating point too)
                assert R >= r * (1 - 4 * np.finfo(float).eps)
                assert not sol.active and sol.lam == 0 and np.array_equal(sol.w, c)
                continue
            assert sol.lam >= 0
            if R == 0:
                assert np.array_equal(sol.w, [0.0, 0.0]) and sol.face == "origin"
                continue
            assert penalty.radius(sol.w) <= R * (1 + 1e-12)
            assert sol.level <= best[i] + 1e-10 * scale, (loss, R, sol.level, best[i])
            if penalty.convex and i in (2, 3, 6):
                back = penalized_minimum(loss, penalty, sol.lam)
                np.testing.assert_allclose(back.w, sol.w, rtol=0, atol=1e-7 * max(1, abs(c).max()))


def penalized_reference(loss, penalty, lam):
    """An upper bound of min f + lam P for ``Lp``: polar grid over the balls up to radius(w*),
    then Nelder-Mead from its best point (every value is the objective at a real point)."""
    assert isinstance(penalty, Lp) and not math.isinf(penalty.p)
    r_c = public_radius(penalty, loss.center)
    radii = r_c * np.linspace(0, 1, 65)[1:] ** 1.5
    theta = np.union1d(np.linspace(0, 2 * np.pi, 768, endpoint=False), np.arange(4) * np.pi / 2)
    W = boundary_point_safe(penalty, theta[None, :], radii[:, None])
    F = loss.value(W) + lam * radii[:, None] ** penalty.p
    k = np.unravel_index(np.argmin(F), F.shape)
    candidates = [float(F[k]), loss.c0 + lam * penalty.value(loss.center),
                  loss.value(np.zeros(2))]

    (h11, h12), (_, h22) = loss.hessian.tolist()
    (c1, c2), c0, p = loss.center.tolist(), loss.c0, penalty.p
    v1, v2 = penalty.weights_for(2).tolist()

    def objective(w):  # plain floats: Nelder-Mead calls it a thousand times
        d1, d2 = w[0] - c1, w[1] - c2
        return (h11 * d1 * d1 + 2 * h12 * d1 * d2 + h22 * d2 * d2 + c0
                + lam * (v1 * abs(w[0]) ** p + v2 * abs(w[1]) ** p))

    x0, h = W[k], r_c / 64
    result = minimize(objective, x0, method="Nelder-Mead",
                      options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 2000,
                               "initial_simplex": [x0, x0 + [h, 0.0], x0 + [0.0, h]]})
    return min(candidates + [float(result.fun)])


@pytest.mark.parametrize("index", range(len(SWEEP_PENALTIES)),
                         ids=[repr(p) for p in SWEEP_PENALTIES])
def test_penalized_sweep_over_the_lab_range(index):
    penalty = SWEEP_PENALTIES[index]
    nonconvex = not penalty.convex
    rng = np.random.default_rng(2000 + index)
    for loss in lab_losses(rng, 2)[::2] + lab_losses(rng, 2)[-2:]:
        c = loss.center
        for lam in (0.0, 1e-6, 1e-2, rng.uniform(0, 5), 1.0, 10.0, 1e3, 1e6):
            sol = penalized_minimum(loss, penalty, lam)
            assert sol.certified and sol.note == "", (loss, lam, sol.kkt_residual)
            assert sol.R == pytest.approx(public_radius(penalty, sol.w), rel=1e-12, abs=1e-300)
            if lam == 0 or not np.any(c):
                assert np.array_equal(sol.w, c) and not sol.active
                continue
            if nonconvex:  # certified only as a local minimum: the global one against a search
                value = sol.level + lam * penalty.value(sol.w)
                reference = penalized_reference(loss, penalty, lam)
                assert value <= reference + 1e-10 * max(reference, 1.0), (loss, lam)
            elif sol.R > 0:  # the same point is the constrained solution, with multiplier lam
                back = constrained_minimum(loss, penalty, sol.R)
                np.testing.assert_allclose(back.w, sol.w, rtol=0, atol=1e-9 * max(1, abs(c).max()))


@pytest.mark.parametrize("p", [0.3, 0.5, 0.7, 0.9])
def test_circular_loss_centred_on_the_diagonal_with_p_below_one(p):
    # H = 4 I, w* = (1, 1), R = 1: at the cusps (1, 0) and (0, 1) the gradient has no component
    # along the axis (w*_1 = R), so λ = 0 there exactly; the diagonal point is a maximum along
    # the boundary. For p <= 1/2 the two cusps are the (tied) global minima; for p > 1/2 they
    # are not even local minima and the minimum is on the diagonal.
    loss = QuadraticLoss.from_axes((1.0, 1.0), (0.5, 0.5), 0.0)
    penalty = Lp(p)
    sol = constrained_minimum(loss, penalty, 1.0)
    best, *_ = brute_force(loss, penalty, 1.0)
    assert sol.certified and sol.level <= best + 1e-12
    if p <= 0.5:
        assert sol.level == pytest.approx(best, rel=1e-14) == 4.0  # |w - w*|^2 = 1 at a cusp
        assert sol.face == "cusp" and sol.lam == 0.0 and sol.sparse
        assert sorted(m.w.tolist() for m in sol.local_minima) == [[0.0, 1.0], [1.0, 0.0]]
        assert [m.lam for m in sol.local_minima] == [0.0, 0.0]
        rng = np.random.default_rng(9)
        for minimum in sol.local_minima:  # local minima over the ball: nearby feasible points
            for radius in (1e-6, 1e-4, 1e-2):
                trial = minimum.w + radius * rng.normal(size=(4000, 2))
                gauge = np.sum(np.abs(trial) ** p, axis=1) ** (1 / p)
                trial = trial / np.maximum(gauge, 1.0)[:, None]
                assert np.all(loss.value(trial) >= minimum.loss - 1e-13)
    else:
        assert sol.face == "arc" and sol.lam > 0 and sol.w[0] == pytest.approx(sol.w[1])
        assert all(m.face == "arc" for m in sol.local_minima)
        assert sol.level == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("penalty", [Lp(1.5), Lp(3), Lp(0.5), L2(), Lp(math.inf)], ids=repr)
def test_minimum_on_an_axis_where_two_quarters_of_the_boundary_meet(penalty):
    # H = I and w* on an axis: the solution is the axis point R e_j, the end of two quarters of
    # the boundary (no sign change of the derivative in either).
    for center in ((0.0, 2.0), (0.0, -2.0), (2.0, 0.0), (-2.0, 0.0)):
        sol = constrained_minimum(QuadraticLoss(center, np.eye(2)), penalty, 1.0)
        np.testing.assert_array_equal(sol.w, np.array(center) / 2.0)
        assert sol.certified and sol.lam > 0
        if not (isinstance(penalty, Lp) and math.isinf(penalty.p)):
            assert sol.sparse and sol.face in ("axis", "cusp")


def test_p_just_above_one_underflowing_weight_is_certified_but_not_sparse():
    # p = 1.001: the exact solution has |w_1| = (ratio)^1000 ~ 1e-2555, below the smallest
    # double, so w_1 = 0.0; the ball is smooth there, so this is no structural zero.
    loss = QuadraticLoss([2.0, 0.5], [[1.0, 1e-13], [1e-13, 1434.0]])
    penalty = Lp(1.001)
    R = 0.0025
    sol = constrained_minimum(loss, penalty, R)
    assert sol.w[0] == 0.0 and sol.w[1] == pytest.approx(R, rel=1e-15)
    assert sol.certified and not sol.sparse and sol.face == "arc"
    # KKT with the axis coordinate: 2 H22 (w2* - w2) = lam p w2^(p - 1)
    g = -loss.gradient(sol.w)
    assert sol.lam == pytest.approx(g[1] / (1.001 * R**0.001), rel=1e-13)
    best, *_ = brute_force(loss, penalty, R)
    assert sol.level <= best + 1e-12 * loss.value(np.zeros(2))
    back = penalized_minimum(loss, penalty, sol.lam)
    np.testing.assert_allclose(back.w, sol.w, rtol=1e-12, atol=0)


def test_tiny_and_huge_radii_answer_or_say_why():
    loss = QuadraticLoss([1.0, 1.0], np.eye(2))
    for penalty in (L2(), ElasticNet(0.0), L1(), ElasticNet(0.5), Lp(0.3), Lp(1.5)):
        sol = constrained_minimum(loss, penalty, 1e-150)
        assert sol.active and sol.certified
        top = np.max(np.abs(sol.w))  # on the boundary of the ball of radius 1e-150
        assert penalty.boundary_radius(sol.w / top, 1e-150) == pytest.approx(
            top * np.linalg.norm(sol.w / top), rel=1e-12)
    for penalty in (L2(), ElasticNet(0.0)):  # R^2 underflows: the closed form w = R w* / |w*|
        sol = constrained_minimum(loss, penalty, 1e-200)
        assert sol.certified
        np.testing.assert_allclose(sol.w, 1e-200 / math.sqrt(2), rtol=1e-14)
    # λ = 2 (1 - w) / (3 w^2) ~ 1e400 does not fit in a double: honestly flagged.
    sol = constrained_minimum(loss, Lp(3), 1e-200)
    assert sol.lam == math.inf and not sol.certified and "λ" in sol.note
    for penalty in SWEEP_PENALTIES:
        sol = constrained_minimum(loss, penalty, 1e300)
        assert not sol.active and np.array_equal(sol.w, loss.center)


def test_constrained_path_keeps_the_order_of_the_radii():
    loss = QuadraticLoss.from_axes([1.5, -0.8], lengths=(1.0, 0.1), angle=0.7)
    radii = [0.9, 0.1, 0.0, 0.9, 5.0, 0.45]
    for penalty in (Lp(0.5), Lp(3), L1(), ElasticNet(0.3), Lp(math.inf), L1(weights=[0, 1])):
        path = constrained_path(loss, penalty, radii)
        assert [sol.R for sol in path] == radii
        for R, sol in zip(radii, path, strict=True):
            single = constrained_minimum(loss, penalty, R)
            assert np.array_equal(single.w, sol.w) and single.lam == sol.lam
            assert [m.w.tolist() for m in single.local_minima] == [
                m.w.tolist() for m in sol.local_minima]


def test_zero_weights_over_radii_and_multipliers():
    # A zero weight makes the ball a strip (both zero: no constraint at all). At R = 0 the
    # strip is the line w_j = 0 and the free weight minimizes f on it, in closed form.
    rng = np.random.default_rng(21)
    penalties = [L1(weights=[0, 1]), L2(weights=[1, 0]), ElasticNet(0.3, weights=[0, 2]),
                 Lp(0.5, weights=[0, 1]), Lp(1.5, weights=[1, 0]), Lp(math.inf, weights=[0, 1]),
                 Lp(3, weights=[0, 0]), Lp(math.inf, weights=[0, 0])]
    for loss in lab_losses(rng, 4)[1::2]:
        H, c = loss.hessian, loss.center
        for penalty in penalties:
            v = penalty.weights_for(2)
            for R in (0.0, 1e-3, 0.5, 2.0, 1e3):
                sol = constrained_minimum(loss, penalty, R)
                assert sol.certified, (loss, penalty, R, sol.note)
                if np.any(v > 0) and R == 0 and c[v > 0][0] != 0:
                    j = int(np.flatnonzero(v > 0)[0])
                    k = 1 - j
                    assert sol.w[j] == 0
                    assert sol.w[k] == pytest.approx(c[k] + H[k, j] * c[j] / H[k, k], rel=1e-14)
            for lam in (0.0, 1e-3, 1.0, 1e3):
                sol = penalized_minimum(loss, penalty, lam)
                assert sol.certified, (loss, penalty, lam, sol.note)
                if np.all(v == 0):
                    assert np.array_equal(sol.w, c)


def test_small_weight_wins_over_the_axis_point_by_less_than_the_loss_rounding():
    # The solution has w_1 ~ 5e-14 (KKT: 2 = lam 0.4 p w_1^(p-1)); its loss is below the axis
    # point's by about 1e-13, less than one rounding of the loss (~3336), which here rounds
    # the other way: the candidates are compared by their difference.
    loss = QuadraticLoss([1.0, 1.0], np.diag([1.0, 3344.0]))
    penalty = Lp(1.3, weights=[0.4, 1.0])
    R = 0.001295406826302198
    sol = constrained_minimum(loss, penalty, R)
    assert sol.certified and 0 < sol.w[0] < 1e-12
    g = -loss.gradient(sol.w)
    # stationarity in both coordinates, written out: g_j = lam v_j p |w_j|^(p-1)
    np.testing.assert_allclose(g, sol.lam * np.array([0.4, 1.0]) * 1.3 * sol.w ** 0.3,
                               rtol=1e-9)
    axis = np.array([0.0, R])  # the boundary point on the w_2 axis
    assert (sol.w - axis) @ loss.hessian @ (sol.w + axis - 2 * loss.center) < 0
