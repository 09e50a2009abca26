"""Tests of reglab.geometry against independent references.

References: a dense boundary search written here (200k angles, then a bounded scalar
minimization around the best), closed forms (identity Hessian), proximal gradient iterations on
the penalties' own prox maps, the direct intercept fit, an analytic probability, and the KKT
conditions through ``penalty.subdiff_distance``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize_scalar

from reglab._validation import ReglabInputError
from reglab.geometry import (
    QuadraticLoss,
    constrained_minimum,
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
