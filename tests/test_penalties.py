"""Penalties against independent references.

Every check runs over one list of penalties (weighted ones with a zero weight included). The
references are written here from the definitions, not taken from reglab:

* ``_value``: P(w) from the table in the module docstring;
* ``_gauge``: the radius R(w) of the ball through w (the gauge of the unit ball);
* the prox by brute force: a 1-D grid plus bounded refinement per coordinate for separable
  penalties (the *global* minimizer, which matters for p < 1), a 1-D convex problem in the
  level tau for the weighted max-norm, SLSQP on the epigraph form for ||D w||_1;
* the dual norm as a sampled-and-refined maximum of z.w over the unit ball.

For convex penalties the prox objective F(u) = 1/2 ||u - v||^2 + t P(u) is 1-strongly convex,
so u is the prox exactly when F(r) >= F(u) + 1/2 ||r - u||^2 for every r: that inequality is
checked at the reference point and at a cloud of random points around u.
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize, minimize_scalar

from reglab._validation import ReglabInputError
from reglab.penalties import L1, L2, DifferenceL1, ElasticNet, Lp

WEIGHTS = [1.0, 0.0, 2.5, 0.4]  # the first axis has unit weight; the second is unpenalized
N = len(WEIGHTS)

PENALTIES = [
    L2(),
    L1(),
    ElasticNet(0.3),
    Lp(0.5),
    Lp(1.5),
    Lp(3),
    Lp(math.inf),
    L2(weights=WEIGHTS),
    L1(weights=WEIGHTS),
    ElasticNet(0.3, weights=WEIGHTS),
    Lp(0.5, weights=WEIGHTS),
    Lp(1.5, weights=WEIGHTS),
    Lp(3, weights=WEIGHTS),
    Lp(math.inf, weights=WEIGHTS),
    DifferenceL1(1),
    DifferenceL1(2),
]
IDS = [repr(p) for p in PENALTIES]
SEPARABLE = [p for p in PENALTIES if not isinstance(p, DifferenceL1)
             and not (isinstance(p, Lp) and math.isinf(p.p))]
CONVEX = [p for p in PENALTIES if not (isinstance(p, Lp) and p.p < 1)]
NORMS = [p for p in PENALTIES if isinstance(p, (L1, L2)) or (isinstance(p, Lp) and p.p >= 1)]
STEPS = [0.05, 0.7, 3.0]


# -- independent references --------------------------------------------------------------------
def _weights(pen, n):
    return np.ones(n) if pen.weights is None else np.asarray(pen.weights, dtype=float)


def _phi(pen, t):
    """The per-coordinate function of a separable penalty, unit weight."""
    t = np.abs(t)
    if isinstance(pen, L2):
        return t**2
    if isinstance(pen, L1):
        return t
    if isinstance(pen, ElasticNet):
        a = pen.l1_ratio
        return a * t + 0.5 * (1 - a) * t**2
    return t**pen.p


def _value(pen, w):
    w = np.asarray(w, dtype=float)
    if isinstance(pen, DifferenceL1):
        D = w
        for _ in range(pen.order):
            D = D[1:] - D[:-1]
        return float(np.sum(np.abs(D)))
    v = _weights(pen, w.size)
    if isinstance(pen, Lp) and math.isinf(pen.p):
        return float(np.max(v * np.abs(w)))
    return float(np.sum(v * _phi(pen, w)))


def _gauge(pen, w):
    """R(w): the radius of the ball whose boundary passes through w."""
    value = _value(pen, w)
    if isinstance(pen, L2):
        return math.sqrt(value)
    if isinstance(pen, ElasticNet):
        a = pen.l1_ratio
        # (1 - a)/2 R^2 + a R = value, positive root
        return (-a + math.sqrt(a * a + 2 * (1 - a) * value)) / (1 - a)
    if isinstance(pen, Lp) and not math.isinf(pen.p):
        return value ** (1 / pen.p)
    return value


def _level(pen, R):
    """Penalty value of R e_1 (the first axis has unit weight), from the table."""
    if isinstance(pen, DifferenceL1):
        return R  # ||D (R e_1)||_1 = R for the first axis, any order
    if isinstance(pen, Lp) and math.isinf(pen.p):
        return R
    return float(_phi(pen, R))


def _prox_objective(pen, u, v, t):
    return 0.5 * float(np.sum((u - v) ** 2)) + t * _value(pen, u)


def _prox_1d_brute(pen, weight, a, t):
    """Global minimizer of 1/2 (u - a)^2 + t weight phi(u) by a grid and a local refinement."""
    def f(u):
        return 0.5 * (u - a) ** 2 + t * weight * _phi(pen, u)

    span = abs(a) + 1.0
    grid = np.concatenate([np.linspace(-span, span, 20001), [0.0, a]])
    values = f(grid)
    best = grid[np.argmin(values)]
    h = 2 * span / 20000
    refined = minimize_scalar(f, bounds=(best - h, best + h), method="bounded",
                              options={"xatol": 1e-14})
    return min([best, float(refined.x), 0.0], key=f)


def _prox_max_norm_brute(weights, x, t):
    """prox of t max_j v_j |u_j|: u_j = clip(x_j, tau / v_j), tau minimizing a convex 1-D function.

    min_u 1/2||u - x||^2 + t max v|u|
        = min_{tau >= 0} t tau + 1/2 sum_{v_j > 0} (|x_j| - tau/v_j)_+^2,
    and a coordinate with v_j = 0 is free: u_j = x_j.
    """
    pen = weights > 0

    def g(tau):
        return t * tau + 0.5 * np.sum(np.maximum(np.abs(x[pen]) - tau / weights[pen], 0.0) ** 2)

    top = float(np.max(weights[pen] * np.abs(x[pen])))
    grid = np.linspace(0.0, top, 20001)
    excess = np.abs(x[pen])[None, :] - grid[:, None] / weights[pen][None, :]
    values = t * grid + 0.5 * np.sum(np.maximum(excess, 0.0) ** 2, axis=1)
    best = grid[np.argmin(values)]
    h = top / 20000
    tau = minimize_scalar(g, bounds=(max(best - h, 0.0), best + h), method="bounded",
                          options={"xatol": 1e-15}).x
    tau = min([tau, 0.0, top], key=g)
    u = x.copy()
    u[pen] = np.sign(x[pen]) * np.minimum(np.abs(x[pen]), tau / weights[pen])
    return u


def _prox_difference_brute(pen, v, t):
    """SLSQP on the epigraph form: min 1/2||u - v||^2 + t sum s, -s <= D u <= s."""
    n = v.size
    D = np.eye(n)
    for _ in range(pen.order):
        D = D[1:] - D[:-1]
    m = D.shape[0]

    def f(z):
        return 0.5 * np.sum((z[:n] - v) ** 2) + t * np.sum(z[n:])

    def grad(z):
        return np.concatenate([z[:n] - v, np.full(m, t)])

    A = np.block([[-D, np.eye(m)], [D, np.eye(m)]])
    start = np.concatenate([v, np.abs(D @ v)])
    result = minimize(f, start, jac=grad, method="SLSQP",
                      constraints=[{"type": "ineq", "fun": lambda z: A @ z, "jac": lambda z: A}],
                      options={"ftol": 1e-15, "maxiter": 1000})
    return result.x[:n]


def _prox_brute(pen, v, t):
    if isinstance(pen, DifferenceL1):
        return _prox_difference_brute(pen, v, t)
    w = _weights(pen, v.size)
    if isinstance(pen, Lp) and math.isinf(pen.p):
        return _prox_max_norm_brute(w, v, t)
    return np.array([_prox_1d_brute(pen, w[j], v[j], t) for j in range(v.size)])


def _test_vectors():
    rng = np.random.default_rng(7)
    vectors = [rng.normal(scale=2.0, size=N) for _ in range(4)]
    vectors.append(np.array([0.0, 0.0, 0.0, 0.0]))
    vectors.append(np.array([1e-3, -4.0, 0.5, -0.05]))
    vectors.append(np.array([3.0, 3.0, 3.0, -3.0]))  # ties for the max-norm, a flat piece for D
    return vectors


def _case(pen, v, t):
    return f"{pen!r} v={np.array2string(v, precision=3)} t={t}"


# -- value, level, radius ----------------------------------------------------------------------
@pytest.mark.parametrize("pen", PENALTIES, ids=IDS)
def test_value_matches_the_definition(pen):
    rng = np.random.default_rng(1)
    for _ in range(5):
        w = rng.normal(size=N)
        assert pen.value(w) == pytest.approx(_value(pen, w), rel=1e-13)
    assert pen.value(np.zeros(N)) == 0.0


@pytest.mark.parametrize("pen", PENALTIES, ids=IDS)
@pytest.mark.parametrize("R", [0.0, 0.3, 1.0, 2.7, 40.0])
def test_value_on_the_unit_axis_is_the_level(pen, R):
    point = np.zeros(N)
    point[0] = R
    assert pen.value(point) == pytest.approx(pen.level(R), rel=1e-14, abs=0)
    assert pen.level(R) == pytest.approx(_level(pen, R), rel=1e-14, abs=0)
    point[0] = -R
    assert pen.value(point) == pytest.approx(pen.level(R), rel=1e-14, abs=0)


@pytest.mark.parametrize("pen", PENALTIES, ids=IDS)
def test_radius_of_level_inverts_level(pen):
    for R in np.concatenate([[0.0], np.geomspace(1e-6, 1e6, 25)]):
        assert pen.radius_of_level(pen.level(R)) == pytest.approx(R, rel=1e-12, abs=0)
    for level in np.geomspace(1e-8, 1e8, 17):
        assert pen.level(pen.radius_of_level(level)) == pytest.approx(level, rel=1e-12)


@pytest.mark.parametrize("pen", PENALTIES, ids=IDS)
def test_radius_is_the_gauge(pen):
    rng = np.random.default_rng(2)
    for _ in range(5):
        w = rng.normal(size=N) * rng.uniform(0.01, 10)
        assert pen.radius(w) == pytest.approx(_gauge(pen, w), rel=1e-12)


@pytest.mark.parametrize("p", [3.0, 500.0, 2000.0])
def test_lp_radius_neither_overflows_nor_underflows_for_large_p(p):
    # ||w||_p = max|w| (1 + sum of (|w_j| / max)^p over the others)^(1/p): here the others'
    # ratios are 3/4 and 1/2, so for large p the radius is max|w| to the last digit, and it
    # is 1-homogeneous whatever the scale (40^500 and 0.002^2000 are out of float range).
    w = np.array([30.0, -40.0, 20.0])
    expected = 40.0 * (1.0 + 0.75**p + 0.5**p) ** (1.0 / p)
    for scale in (1e-200, 5e-5, 1.0, 1e200):
        assert Lp(p).radius(scale * w) == pytest.approx(scale * expected, rel=1e-13)
    assert Lp(p).radius(np.zeros(3)) == 0.0
    # a level beyond the floating-point range is inf, not an error
    assert Lp(p).level(40.0) == (40.0**p if p < 100 else math.inf)
    # the weighted form: only penalized coordinates count, each with its weight
    weighted = Lp(p, weights=[0.0, 2.0, 1.0])
    assert weighted.radius(w) == pytest.approx(
        40.0 * (2.0 + 0.5**p) ** (1.0 / p), rel=1e-13)


@pytest.mark.parametrize("pen", PENALTIES, ids=IDS)
@pytest.mark.parametrize("R", [0.25, 1.0, 3.5])
def test_boundary_points_have_radius_R(pen, R):
    rng = np.random.default_rng(3)
    for _ in range(10):
        u = rng.normal(size=N)
        r = pen.boundary_radius(u, R)
        assert math.isfinite(r) and r > 0
        point = r * u / np.linalg.norm(u)
        assert _gauge(pen, point) == pytest.approx(R, rel=1e-12)
        assert pen.radius(point) == pytest.approx(R, rel=1e-12)


UNBOUNDED = [p for p in PENALTIES if isinstance(p, DifferenceL1) or p.weights is not None]


@pytest.mark.parametrize("pen", UNBOUNDED, ids=[repr(p) for p in UNBOUNDED])
def test_boundary_is_at_infinity_along_unpenalized_directions(pen):
    if isinstance(pen, DifferenceL1):
        direction = np.arange(N, dtype=float) ** (pen.order - 1)  # constant / linear: null(D)
    else:
        direction = np.eye(N)[1]  # the zero weight
    assert pen.boundary_radius(direction, 1.0) == math.inf


# -- the 2-D ball -------------------------------------------------------------------------------
BALL_2D = [L2(), L1(), ElasticNet(0.3), Lp(0.5), Lp(1.5), Lp(3), Lp(math.inf),
           L2(weights=[1, 2.5]), L1(weights=[1, 2.5]), ElasticNet(0.3, weights=[1, 2.5]),
           Lp(0.5, weights=[1, 2.5]), Lp(3, weights=[1, 2.5]), Lp(math.inf, weights=[1, 2.5])]


def _axis_point(pen, R):
    """The point t e_2 with P(t e_2) = level(R), solved from the definition (v_2 phi(t) = level)."""
    v2 = _weights(pen, 2)[1]
    target = _level(pen, R) / v2
    if isinstance(pen, Lp) and math.isinf(pen.p):
        return target
    return brentq(lambda t: _phi(pen, t) - target, 0.0, 10 * R + 10, xtol=1e-300, rtol=1e-15)


@pytest.mark.parametrize("pen", BALL_2D, ids=[repr(p) for p in BALL_2D])
@pytest.mark.parametrize("R", [0.5, 2.0])
def test_ball_boundary(pen, R):
    loop = pen.ball_boundary(R, n_points=181)
    assert loop.ndim == 2 and loop.shape[1] == 2
    np.testing.assert_allclose(loop[0], loop[-1], atol=1e-12 * R)
    for point in loop:
        assert _gauge(pen, point) == pytest.approx(R, rel=1e-10)
    angles = np.unwrap(np.arctan2(loop[:, 1], loop[:, 0]))
    assert np.all(np.diff(angles) > 0), "the loop runs counter-clockwise"

    def contains(point):
        return np.min(np.linalg.norm(loop - point, axis=1)) <= 1e-12 * (1 + R)

    # the exact points on the axes
    t2 = _axis_point(pen, R)
    for point in ([R, 0], [-R, 0], [0, t2], [0, -t2]):
        assert contains(np.array(point, dtype=float)), point
    if isinstance(pen, Lp) and math.isinf(pen.p):
        v = _weights(pen, 2)
        for sx in (1, -1):
            for sy in (1, -1):
                assert contains(np.array([sx * R / v[0], sy * R / v[1]])), (sx, sy)


# -- the proximal map --------------------------------------------------------------------------
@pytest.mark.parametrize("pen", PENALTIES, ids=IDS)
def test_prox_is_the_global_minimizer(pen):
    for v in _test_vectors():
        for t in STEPS:
            u = pen.prox(v, t)
            assert u.shape == v.shape
            reference = _prox_brute(pen, v, t)
            F_u, F_ref = _prox_objective(pen, u, v, t), _prox_objective(pen, reference, v, t)
            scale = 1.0 + abs(F_ref)
            assert F_u <= F_ref + 1e-11 * scale, _case(pen, v, t)
            if pen.convex:
                # 1-strong convexity: F(r) - F(prox) >= 1/2 ||r - prox||^2 for every r.
                assert F_ref - F_u >= 0.5 * np.sum((reference - u) ** 2) - 1e-11 * scale, \
                    _case(pen, v, t)
            else:
                # A global minimizer found by brute force per coordinate; the points may differ
                # only where two minima tie (the jump of the p < 1 threshold).
                for j in range(v.size):
                    e = np.eye(v.size)[j]
                    Fj_u = _prox_objective(pen, u[j] * e, v[j] * e, t)
                    Fj_ref = _prox_objective(pen, reference[j] * e, v[j] * e, t)
                    assert Fj_u <= Fj_ref + 1e-12 * (1 + Fj_ref), _case(pen, v, t)
                    if abs(_prox_objective(pen, 0 * e, v[j] * e, t) - Fj_u) > 1e-9:
                        assert u[j] == pytest.approx(reference[j], abs=1e-6), _case(pen, v, t)


@pytest.mark.parametrize("pen", [p for p in CONVEX], ids=[repr(p) for p in CONVEX])
def test_prox_beats_every_nearby_point_by_the_strong_convexity_margin(pen):
    rng = np.random.default_rng(4)
    for v in _test_vectors()[:4]:
        for t in STEPS:
            u = pen.prox(v, t)
            F_u = _prox_objective(pen, u, v, t)
            for scale in (1e-4, 1e-2, 1.0):
                for _ in range(30):
                    r = u + scale * rng.normal(size=N)
                    gain = _prox_objective(pen, r, v, t) - F_u
                    assert gain >= 0.5 * np.sum((r - u) ** 2) - 1e-12 * (1 + abs(F_u)), \
                        _case(pen, v, t)


@pytest.mark.parametrize("pen", PENALTIES, ids=IDS)
def test_prox_output_is_stationary(pen):
    """Optimality of the prox: v - u lies in t dP(u) (the limiting subdifferential for p < 1)."""
    for v in _test_vectors():
        for t in STEPS:
            u = pen.prox(v, t)
            distance = pen.subdiff_distance(u, v - u, t)
            assert distance.shape == (N,)
            assert np.max(distance) <= 1e-9 * (1 + np.max(np.abs(v))), _case(pen, v, t)


@pytest.mark.parametrize("pen", CONVEX, ids=[repr(p) for p in CONVEX])
def test_subdiff_distance_sees_a_wrong_point(pen):
    """For convex P, a stationary point is the unique prox: any other point has distance > 0."""
    rng = np.random.default_rng(5)
    for v in _test_vectors()[:4]:
        for t in STEPS:
            u = pen.prox(v, t)
            wrong = u + 1e-2 * rng.normal(size=N)
            assert np.max(pen.subdiff_distance(wrong, v - wrong, t)) > 1e-6, _case(pen, v, t)


def test_prox_of_max_norm_keeps_unpenalized_coordinates():
    """A zero weight leaves its coordinate free: the prox must return it unchanged."""
    pen = Lp(math.inf, weights=[1.0, 0.0, 2.0])
    v = np.array([0.3, 5.0, -0.2])
    u = pen.prox(v, 1.0)
    # penalized part: (0.3, -0.2) lies in the dual ball |z_1| + |z_3|/2 <= 1, so it goes to 0
    np.testing.assert_allclose(u, [0.0, 5.0, 0.0], atol=1e-14)


@pytest.mark.parametrize("t", STEPS)
@pytest.mark.parametrize("p", [0.5, 0.25, 0.8])
def test_prox_of_lp_below_one_jumps_at_the_closed_form_threshold(p, t):
    """For 1/2 (u - a)^2 + t |u|^p, p < 1, the global minimizer jumps from 0 to u* at a*.

    At the jump the positive stationary point ties with 0: f'(u*) = 0 and f(u*) = f(0) give
    u* = (2 t (1 - p))^(1 / (2 - p)) and a* = u* + t p u*^(p - 1).
    """
    u_star = (2 * t * (1 - p)) ** (1 / (2 - p))
    a_star = u_star + t * p * u_star ** (p - 1)
    pen = Lp(p)
    below = pen.prox(np.array([a_star * (1 - 1e-6), -a_star * (1 - 1e-6)]), t)
    above = pen.prox(np.array([a_star * (1 + 1e-6), -a_star * (1 + 1e-6)]), t)
    np.testing.assert_array_equal(below, [0.0, 0.0])
    np.testing.assert_allclose(above, [u_star, -u_star], rtol=1e-4)
    assert np.all(np.abs(above) > 0.9 * u_star)  # a jump, not a continuous start from 0


@pytest.mark.parametrize("t", STEPS)
def test_lp_one_and_two_are_l1_and_l2(t):
    rng = np.random.default_rng(6)
    v = rng.normal(size=N)
    for weights in (None, WEIGHTS):
        for lp, ref in ((Lp(1, weights), L1(weights)), (Lp(2, weights), L2(weights))):
            assert lp.value(v) == pytest.approx(ref.value(v), rel=1e-14)
            np.testing.assert_allclose(lp.prox(v, t), ref.prox(v, t), rtol=1e-12, atol=1e-14)


# -- dual norm -----------------------------------------------------------------------------------
def _dual_norm_brute(pen, z):
    """max z.w over {R(w) <= 1} = max over directions u of z.u / R(u): sample, then refine."""
    rng = np.random.default_rng(8)
    samples = rng.normal(size=(5000, z.size))
    # plus the candidate extreme points of polyhedral balls: the axes and the cube's vertices
    v = _weights(pen, z.size)
    vertex = np.sign(z) / np.where(v > 0, v, 1.0)
    samples = np.vstack([samples, np.eye(z.size), -np.eye(z.size), vertex[None, :]])

    def ratio(u):
        g = _gauge(pen, u)
        return z @ u / g if g > 0 else -np.inf

    values = np.array([ratio(u) for u in samples])  # a loop: _gauge is the scalar reference
    best = values.max()
    for start in samples[np.argsort(values)[-3:]]:
        result = minimize(lambda u: -ratio(u), start, method="Nelder-Mead",
                          options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 3000})
        best = max(best, -result.fun)
    return best


@pytest.mark.parametrize("pen", NORMS, ids=[repr(p) for p in NORMS])
def test_dual_norm_is_the_max_over_the_unit_ball(pen):
    rng = np.random.default_rng(9)
    for _ in range(3):
        z = rng.normal(size=N)
        if pen.weights is not None:
            z[1] = 0.0  # zero weight: the dual norm is finite only if z vanishes there
        dual = pen.dual_norm(z)
        brute = _dual_norm_brute(pen, z)
        assert brute <= dual * (1 + 1e-10)  # every feasible point is a lower bound
        assert brute >= dual * (1 - 1e-7)
    if pen.weights is not None:
        z[1] = 0.5  # the ball is unbounded along the free axis
        assert pen.dual_norm(z) == math.inf


@pytest.mark.parametrize("pen", [p for p in PENALTIES if p not in NORMS],
                         ids=[repr(p) for p in PENALTIES if p not in NORMS])
def test_no_dual_norm_when_not_a_norm(pen):
    assert pen.dual_norm(np.ones(N)) is None


# -- lam_max ---------------------------------------------------------------------------------
@pytest.mark.parametrize("pen", CONVEX, ids=[repr(p) for p in CONVEX])
def test_lam_max_is_where_zero_becomes_optimal(pen):
    """For lam >= lam_max, w = 0 satisfies KKT: g0 = 2 X^T y lies in lam dP(0); not below it."""
    rng = np.random.default_rng(10)
    X, y = rng.normal(size=(30, N)), rng.normal(size=30)
    g0 = 2 * X.T @ y
    zero = np.zeros(N)
    lam_max = pen.lam_max(g0)
    tol = 1e-12 * np.max(np.abs(g0))
    if math.isfinite(lam_max):
        for lam in (lam_max, 1.5 * lam_max, 1e3 * lam_max):
            assert np.max(pen.subdiff_distance(zero, g0, lam)) <= tol, lam
        assert np.max(pen.subdiff_distance(zero, g0, 0.99 * lam_max)) > tol
    else:
        # "inf when zero is never a solution": check that it indeed is not, even at huge lam
        assert np.max(pen.subdiff_distance(zero, g0, 1e10 * np.max(np.abs(g0)))) > tol


def test_lam_max_l1_closed_form():
    g0 = np.array([3.0, -8.0, 1.0, 0.5])
    assert L1().lam_max(g0) == 8.0
    assert ElasticNet(0.25).lam_max(g0) == 32.0
    assert Lp(math.inf).lam_max(g0) == 12.5  # dual of the max-norm is the 1-norm
    assert L2().lam_max(g0) == math.inf


# -- bad input -----------------------------------------------------------------------------------
BAD = [
    (lambda: Lp(0), "p"),
    (lambda: Lp(-1.5), "p"),
    (lambda: Lp(float("nan")), "p"),
    (lambda: Lp("two"), "p"),
    (lambda: ElasticNet(1.5), "l1_ratio"),
    (lambda: ElasticNet(-0.1), "l1_ratio"),
    (lambda: ElasticNet(float("nan")), "l1_ratio"),
    (lambda: L1(weights=[1.0, -0.5]), "weights"),
    (lambda: L2(weights=[1.0, float("nan")]), "weights"),
    (lambda: Lp(3, weights=[float("inf"), 1.0]), "weights"),
    (lambda: ElasticNet(0.5, weights=[[1.0, 2.0]]), "weights"),
    (lambda: L1(weights=[1.0, 2.0]).value(np.ones(3)), "weights"),
    (lambda: DifferenceL1(-1), "order"),
    (lambda: DifferenceL1(1.5), "order"),  # (once quietly order 1)
    (lambda: DifferenceL1("two"), "order"),
    (lambda: DifferenceL1(True), "order"),
    (lambda: L2().ball_boundary(-1.0), "R"),
]


@pytest.mark.parametrize(("make", "name"), BAD, ids=[f"{i}-{n}" for i, (_, n) in enumerate(BAD)])
def test_bad_input_raises_one_line_naming_the_parameter(make, name):
    with pytest.raises(ReglabInputError) as info:
        make()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    assert info.value.name == name
