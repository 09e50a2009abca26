import itertools

import numpy as np
import pytest
from sklearn.linear_model import Lasso, lars_path

from reglab._validation import ReglabInputError
from reglab.bases import polynomial_features
from reglab.homotopy import (
    _REFRESH,
    HomotopyPath,
    _CholeskyActiveSet,
    _QRActiveSet,
    gram_homotopy,
    lasso_homotopy,
)

FACTORIZATIONS = ["qr", "cholesky"]


def _centered(X, y):
    return X - X.mean(axis=0), y - y.mean()


def _random(n, p, seed, n_true=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    beta = np.zeros(p)
    beta[:n_true] = rng.normal(size=n_true) * 2
    return _centered(X, X @ beta + rng.normal(size=n))


def _kkt(X, y, lam, w):
    """Relative KKT residual, computed here independently of the code under test."""
    c = 2.0 * X.T @ (y - X @ w)
    dist = np.where(w != 0, np.abs(c - lam * np.sign(w)), np.maximum(np.abs(c) - lam, 0.0))
    return dist.max() / np.abs(2.0 * X.T @ y).max()


def _sklearn_lars(X, y):
    """scikit-learn's path on our scale: its objective is ours divided by 2 n."""
    n = X.shape[0]
    alphas, _, coefs = lars_path(X, y, method="lasso", alpha_min=0.0)
    return 2.0 * n * alphas, coefs.T


def _brute_force(X, y, lam):
    """The lasso solution by enumerating supports and signs (p small).

    For a support S with signs s the stationarity conditions give w_S = G_SS^{-1}(X_S^T y -
    lam/2 s); the solution is the one candidate whose signs agree and whose correlations off S
    stay within lam/2.
    """
    p = X.shape[1]
    G, b = X.T @ X, X.T @ y
    found = []
    for size in range(p + 1):
        for support in itertools.combinations(range(p), size):
            S = list(support)
            for signs in itertools.product((-1.0, 1.0), repeat=size):
                w = np.zeros(p)
                if S:
                    w[S] = np.linalg.solve(G[np.ix_(S, S)], b[S] - lam / 2 * np.array(signs))
                    if np.any(np.sign(w[S]) != signs):
                        continue
                off = [j for j in range(p) if j not in S]
                c = b - G @ w
                if np.all(np.abs(c[off]) <= lam / 2 * (1 + 1e-12)):
                    found.append(w)
    assert len(found) == 1
    return found[0]


def _monomial_problem(n, seed=0):
    rng = np.random.default_rng(seed + n)
    x = np.sort(rng.uniform(0.0, 1.0, n))
    y = np.sin(2 * np.pi * x) + 0.2 * rng.normal(size=n)
    return _centered(polynomial_features(x, 30, "monomial"), y)


# -- against scikit-learn's LARS-lasso ------------------------------------------------------
@pytest.mark.parametrize("factorization", FACTORIZATIONS)
@pytest.mark.parametrize(("n", "p", "seed"), [(60, 12, 0), (200, 30, 1), (25, 50, 2), (30, 60, 3)])
def test_breakpoints_and_coefficients_match_sklearn_lars(n, p, seed, factorization):
    X, y = _random(n, p, seed)
    path = lasso_homotopy(X, y, factorization=factorization)
    lams, coefs = _sklearn_lars(X, y)
    assert path.message == ""
    assert path.lams.shape == lams.shape
    np.testing.assert_allclose(path.lams, lams, rtol=1e-10, atol=1e-12 * lams[0])
    scale = np.abs(coefs).max()
    np.testing.assert_allclose(path.coefs, coefs, rtol=0, atol=1e-10 * scale)
    assert path.kkt_residuals.max() < 1e-12


def test_large_p_uses_cholesky_and_matches_sklearn():
    X, y = _random(40, 300, 4)
    path = lasso_homotopy(X, y)  # p > 256: Gram matrix and Cholesky updates
    lams, coefs = _sklearn_lars(X, y)
    np.testing.assert_allclose(path.lams, lams, rtol=1e-9, atol=1e-12 * lams[0])
    np.testing.assert_allclose(path.coefs, coefs, rtol=0, atol=1e-9 * np.abs(coefs).max())
    # Least squares reached with |A| = rank = n - 1 (centered): the fit interpolates.
    assert np.count_nonzero(path.coefs[-1]) == 39
    assert np.linalg.norm(y - X @ path.coefs[-1]) < 1e-9 * np.linalg.norm(y)


def test_cholesky_with_many_joins_and_drops_matches_sklearn_and_qr():
    # Correlated columns: 200-odd joins (several refreshes of the bordered R^{-1} [r, z]) and
    # dozens of drops (each moving a Gram row between slots and a column back to the inactive
    # block of GA): the bookkeeping of both must leave the path exact.
    rng = np.random.default_rng(0)
    n, p = 150, 300
    X = rng.normal(size=(n, 40)) @ rng.normal(size=(40, p)) * 0.3 + rng.normal(size=(n, p))
    beta = np.zeros(p)
    beta[:30] = rng.normal(size=30)
    X, y = _centered(X, X @ beta + rng.normal(size=n))
    path = lasso_homotopy(X, y, factorization="cholesky")
    actions = [action for _, _, action in path.events]
    assert actions.count("enter") > 3 * _REFRESH and actions.count("leave") > 40
    lams, coefs = _sklearn_lars(X, y)
    np.testing.assert_allclose(path.lams, lams, rtol=1e-11, atol=1e-13 * lams[0])
    np.testing.assert_allclose(path.coefs, coefs, rtol=0, atol=1e-9 * np.abs(coefs).max())
    assert path.kkt_residuals.max() < 1e-13
    qr = lasso_homotopy(X, y, factorization="qr")
    assert qr.events == path.events
    np.testing.assert_allclose(qr.coefs, path.coefs, rtol=0, atol=1e-9 * np.abs(coefs).max())


def test_cholesky_keeps_signed_gram_rows_in_column_order():
    X, y = _random(60, 300, 11)
    active = _CholeskyActiveSet(X.T @ X, X.T @ y, 60)
    rng = np.random.default_rng(0)
    features = rng.permutation(300)[:25].tolist()
    signs = rng.choice([-1.0, 1.0], size=25)
    for j, sign in zip(features, signs, strict=True):
        assert active.add(j, sign)
    for position in (3, 0, 17, 21):  # the last one is the last position
        active.remove(position)
    assert active.k == 21
    k, G = active.k, X.T @ X
    order, place = active._order, active._place
    np.testing.assert_array_equal(place[order], np.arange(300))
    assert sorted(order[300 - k :].tolist()) == sorted(active.index)  # active block last
    for position, j in enumerate(active.index):
        row = active._GA[active._slot[position]]
        np.testing.assert_array_equal(row, active.signs[position] * G[j, order])
    # [v, d] = R^{-1} [r, z], bordered and re-solved: as a fresh solve gives them.
    R = np.triu(active._R[:k, :k])
    fresh = np.linalg.solve(R, active._rz[:, :k].T)
    np.testing.assert_allclose(active._vd[:k], fresh, rtol=1e-10, atol=1e-12)


def test_precomputed_gram_and_xty_give_the_same_path():
    X, y = _random(80, 15, 5)
    plain = lasso_homotopy(X, y, factorization="cholesky")
    given = lasso_homotopy(X, y, gram=X.T @ X, Xty=X.T @ y)
    qr = lasso_homotopy(X, y, factorization="qr")
    np.testing.assert_array_equal(given.lams, plain.lams)
    np.testing.assert_array_equal(given.coefs, plain.coefs)
    np.testing.assert_allclose(qr.lams, plain.lams, rtol=1e-12)
    np.testing.assert_allclose(qr.coefs, plain.coefs, atol=1e-12 * np.abs(plain.coefs).max())


@pytest.mark.parametrize(("n", "p", "lam_min"), [(80, 15, 0.0), (30, 60, 0.5)])
def test_the_path_from_the_products_alone_is_the_cholesky_path(n, p, lam_min):
    X, y = _random(n, p, 6)
    plain = lasso_homotopy(X, y, factorization="cholesky", lam_min=lam_min)
    alone = gram_homotopy(X.T @ X, X.T @ y, n, lam_min=lam_min)
    np.testing.assert_array_equal(alone.lams, plain.lams)
    np.testing.assert_array_equal(alone.coefs, plain.coefs)
    assert alone.events == plain.events and alone.message == plain.message
    np.testing.assert_array_equal(alone.kkt_residuals, plain.kkt_residuals)


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        ((np.eye(3)[:2], np.zeros(3), 5), {}, "gram"),
        ((np.full((3, 3), np.nan), np.zeros(3), 5), {}, "gram"),
        ((np.eye(3), np.zeros(4), 5), {}, "Xty"),
        ((np.eye(3), np.zeros(3), 0), {}, "n_samples"),
        ((np.eye(3), np.zeros(3), 2.5), {}, "n_samples"),
        ((np.eye(3), np.zeros(3), 5), {"lam_min": -1.0}, "lam_min"),
        ((np.eye(3), np.zeros(3), 5), {"max_steps": 0}, "max_steps"),
    ],
)
def test_the_path_from_the_products_rejects_bad_input(args, kwargs, name):
    with pytest.raises(ReglabInputError, match=f"^{name}:"):
        gram_homotopy(*args, **kwargs)


# -- against coordinate descent between breakpoints ------------------------------------------
@pytest.mark.parametrize(("n", "p", "seed"), [(50, 8, 6), (20, 35, 7)])
def test_interpolated_solutions_match_coordinate_descent(n, p, seed):
    X, y = _random(n, p, seed)
    path = lasso_homotopy(X, y)
    rng = np.random.default_rng(seed)
    # Midpoints of a few segments and random points in others (all above 1e-2 lam_max, where
    # coordinate descent converges to tol 1e-14 quickly).
    knots = path.lams[path.lams > 1e-2 * path.lam_max]
    theta = rng.uniform(0.05, 0.95, size=knots.size - 1)
    lams = knots[1:] + theta * (knots[:-1] - knots[1:])
    for lam, w in zip(lams, path.coefs_at(lams), strict=True):
        cd = Lasso(alpha=lam / (2 * n), fit_intercept=False, tol=1e-14, max_iter=1_000_000)
        cd.fit(X, y)
        np.testing.assert_allclose(w, cd.coef_, rtol=0, atol=1e-9 * np.abs(cd.coef_).max())
        assert _kkt(X, y, lam, w) < 1e-12  # the interpolated point is itself optimal


# -- closed forms and brute force -------------------------------------------------------------
def test_orthogonal_design_is_soft_thresholding():
    rng = np.random.default_rng(8)
    Q, _ = np.linalg.qr(rng.normal(size=(30, 6)))
    norms = np.array([1.0, 2.0, 0.5, 3.0, 1.5, 0.8])
    X = Q * norms
    y = rng.normal(size=30)
    path = lasso_homotopy(X, y)
    b = X.T @ y
    np.testing.assert_allclose(path.lams[:-1], np.sort(2 * np.abs(b))[::-1], rtol=1e-13)
    assert path.lams[-1] == 0.0
    assert [e[1] for e in path.events] == list(np.argsort(-np.abs(b)))
    assert all(action == "enter" for _, _, action in path.events)
    lams = np.geomspace(path.lam_max * 1.5, path.lam_max * 1e-3, 40)
    soft = np.sign(b) * np.maximum(np.abs(b) - lams[:, None] / 2, 0.0) / norms**2
    np.testing.assert_allclose(path.coefs_at(lams), soft, rtol=0, atol=1e-13)


def test_ties_join_at_one_breakpoint():
    # Orthogonal columns with equal |X_j^T y| for features 0 and 2: they enter together.
    X = np.array([[1.0, 0, 0], [-1.0, 0, 0], [0, 1.0, 0], [0, -1.0, 0], [0, 0, 1.0], [0, 0, -1.0]])
    y = np.array([2.0, -2.0, 1.0, -1.0, -2.0, 2.0])
    path = lasso_homotopy(X, y)
    np.testing.assert_allclose(path.lams, [8.0, 4.0, 0.0])
    assert sorted(path.events[:2]) == [(0, 0, "enter"), (0, 2, "enter")]
    assert path.events[2] == (1, 1, "enter")
    np.testing.assert_allclose(path.coefs[-1], [2.0, 1.0, -2.0])


@pytest.mark.parametrize("seed", range(6))
def test_brute_force_on_three_features(seed):
    rng = np.random.default_rng(seed)
    # Correlated columns, so that the path has drops for some seeds.
    X = rng.normal(size=(12, 3)) @ np.array([[1, 0.9, 0.6], [0, 0.5, 0.7], [0, 0, 0.4]])
    X, y = _centered(X, X @ rng.normal(size=3) + 0.5 * rng.normal(size=12))
    path = lasso_homotopy(X, y)
    lams = path.lam_max * rng.uniform(0.0, 1.05, size=15)
    for lam, w in zip(lams, path.coefs_at(lams), strict=True):
        np.testing.assert_allclose(w, _brute_force(X, y, lam), rtol=0, atol=1e-11)


def _support_changes(X, y, lams):
    """(enter/leave, feature) in order along a decreasing lam grid, by brute force."""
    changes, before = [], np.zeros(X.shape[1], dtype=bool)
    for lam in lams:
        now = _brute_force(X, y, lam) != 0
        changes += [("leave", j) for j in np.flatnonzero(before & ~now)]
        changes += [("enter", j) for j in np.flatnonzero(now & ~before)]
        before = now
    return changes


def _drop_case():
    """Search seeds for a p = 3 problem whose path (scikit-learn's) has a variable leaving."""
    for seed in range(200):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(10, 3)) @ np.array([[1, 0.95, 0.3], [0, 0.3, 0.9], [0, 0, 0.3]])
        X, y = _centered(X, X @ rng.normal(size=3) + rng.normal(size=10))
        _, coefs = _sklearn_lars(X, y)
        nonzero = coefs != 0
        if np.any(nonzero[:-1] & ~nonzero[1:]):
            return X, y
    raise AssertionError("no drop found")


def test_events_match_a_dense_scan_including_a_drop():
    X, y = _drop_case()
    path = lasso_homotopy(X, y)
    assert any(action == "leave" for _, _, action in path.events)
    lams_sk, coefs_sk = _sklearn_lars(X, y)
    np.testing.assert_allclose(path.lams, lams_sk, rtol=1e-10)
    # The order of entering/leaving matches a dense grid solved by brute force, and every
    # event's breakpoint lies between the grid points where the support changes.
    grid = np.geomspace(path.lam_max * 1.01, path.lam_max * 1e-4, 500)
    assert [(a, j) for _, j, a in path.events] == _support_changes(X, y, grid)
    for k, j, action in path.events:
        above = grid[grid > path.lams[k]][-1]
        below = grid[grid < path.lams[k]][0]
        w_above, w_below = _brute_force(X, y, above), _brute_force(X, y, below)
        assert (w_above[j] == 0) == (action == "enter")
        assert (w_below[j] == 0) == (action == "leave")


# -- ill-conditioned designs -----------------------------------------------------------------
@pytest.mark.parametrize("n", [20, 100, 200])
def test_raw_monomials_of_degree_30(n):
    X, y = _monomial_problem(n)
    path = lasso_homotopy(X, y)
    assert isinstance(path, HomotopyPath)
    assert np.all(np.isfinite(path.coefs)) and np.all(np.isfinite(path.lams))
    assert np.all(np.diff(path.lams) < 0)
    # Down to 0, or stopped (and said so) where the active set became numerically degenerate:
    # measured, that happens below 1e-8 lam_max if at all.
    assert path.lams[-1] == 0.0 or "stopped at" in path.message
    assert path.lams[-1] < 1e-7 * path.lam_max
    # The residuals are reported honestly: recompute them independently (they agree up to
    # the rounding of their own evaluation, eps ||X||^2 ||w|| / ||X^T y|| ~ 1e-10 at most).
    mine = np.array([_kkt(X, y, lam, w) for lam, w in zip(path.lams, path.coefs, strict=True)])
    np.testing.assert_allclose(path.kkt_residuals, mine, rtol=1e-2, atol=1e-10)
    # Measured (8 seeds x n in {20, 50, 100, 200}): KKT ~1e-12 down to 1e-7 lam_max; below,
    # joins skipped as degenerate cost up to ~1e-7.
    deep = path.lams < 1e-7 * path.lam_max
    assert np.max(path.kkt_residuals[~deep]) < 1e-10
    assert np.mean(path.kkt_residuals <= 1e-8) >= 0.95
    assert np.max(path.kkt_residuals) < 1e-6
    assert "skipped as numerically degenerate" in path.message
    # Down to 1e-5 lam_max the breakpoints agree with scikit-learn's (independent) LARS.
    lams_sk, _ = _sklearn_lars(X, y)
    top = path.lams[path.lams >= 1e-5 * path.lam_max]
    np.testing.assert_allclose(top, lams_sk[: top.size], rtol=1e-6)


def test_duplicate_column_is_skipped_and_the_path_stays_optimal():
    X, y = _random(40, 5, 9)
    X = np.column_stack([X, X[:, 0]])  # column 6 duplicates column 1
    path = lasso_homotopy(X, y)
    assert "column 6 at" in path.message or "column 1 at" in path.message
    assert path.kkt_residuals.max() < 1e-12  # w_0 + w_5 is what matters; one of them suffices
    X5, _ = X[:, :5], None
    reference = lasso_homotopy(X5, y)
    fit = path.coefs_at(reference.lams) @ X.T
    np.testing.assert_allclose(fit, reference.coefs @ X5.T, atol=1e-10)


# -- the factorizations themselves -----------------------------------------------------------
def test_cholesky_tracks_the_exact_condition_number_and_refuses_beyond_its_limit():
    # Raw monomials: every join multiplies cond(R) by ~5-10, until a join would pass 1e6.
    rng = np.random.default_rng(16)
    t = np.sort(rng.uniform(0.0, 1.0, 50))
    X = np.column_stack([t**j for j in range(1, 11)])
    active = _CholeskyActiveSet(X.T @ X, X.T @ rng.normal(size=50), 50)
    refused = 0
    for j in range(X.shape[1]):
        joined = active.add(j, -1.0 if j % 3 == 0 else 1.0)
        refused += not joined
        R = np.triu(active._R[: active.k, : active.k])
        np.testing.assert_allclose(R.T @ R, (X.T @ X)[np.ix_(active.index, active.index)]
                                   * np.outer(active.signs, active.signs), rtol=1e-12)
        assert np.linalg.cond(R, 1) < 1e6
        if joined:  # exact from the bordering (no drops here), not an estimate
            assert active.cond == pytest.approx(np.linalg.cond(R, 1), rel=1e-10)
    assert 0 < refused < X.shape[1]


def test_qr_factors_stay_consistent_through_many_drops(monkeypatch):
    # Raw monomials of degree 30: dozens of drops, nearly all rotating the stacked Q,
    # C = [X, -X]^T Q and r = Q^T y; after each, compare with them formed afresh.
    X, y = _monomial_problem(100)
    errors = []
    remove = _QRActiveSet.remove

    def checked_remove(self, position):
        remove(self, position)
        k, p = self.k, self.p
        atoms = [j if s > 0 else j + p for j, s in zip(self.index, self.signs, strict=True)]
        columns, Q = self._X2[:, atoms], self._Q[:, :k]
        errors.append(max(np.abs(Q @ self._R - columns).max() / np.abs(columns).max(),
                          np.abs(Q.T @ Q - np.eye(k)).max(),
                          np.abs(self._C[:, :k] - self._X2.T @ Q).max() / np.abs(self._X2).max(),
                          np.abs(self._rz[0, :k] - Q.T @ y).max() / np.linalg.norm(y)))

    def checked_remove_z(self, position):  # and z solves R^T z = 1 (R up to cond ~1e7)
        checked_remove(self, position)
        z_errors.append(np.abs(self._R.T @ self._rz[1, : self.k] - 1.0).max())

    z_errors = []
    monkeypatch.setattr(_QRActiveSet, "remove", checked_remove_z)
    path = lasso_homotopy(X, y)
    assert len(errors) > 50
    assert max(errors) < 1e-13
    assert max(z_errors) < 1e-11
    assert path.kkt_residuals[path.lams > 1e-7 * path.lam_max].max() < 1e-10


# -- stopping -------------------------------------------------------------------------------
@pytest.mark.parametrize("factorization", FACTORIZATIONS)
def test_lam_min_stops_exactly_there(factorization):
    X, y = _random(50, 10, 10)
    full = lasso_homotopy(X, y, factorization=factorization)
    lam_min = 0.5 * (full.lams[4] + full.lams[5])
    part = lasso_homotopy(X, y, lam_min=lam_min, factorization=factorization)
    assert part.lams[-1] == lam_min
    np.testing.assert_allclose(part.lams[:-1], full.lams[:5], rtol=1e-14)
    np.testing.assert_allclose(part.coefs[-1], full.coefs_at([lam_min])[0], atol=1e-12)
    assert [e for e in full.events if e[0] < 5] == part.events


def test_lam_min_above_lam_max_and_zero_response():
    X, y = _random(20, 4, 11)
    path = lasso_homotopy(X, y, lam_min=1e6)
    assert path.lams.tolist() == [path.lam_max] and not path.coefs.any()
    flat = lasso_homotopy(X, np.zeros(20))
    assert flat.lams.tolist() == [0.0] and flat.events == [] and not flat.coefs.any()


def test_max_steps_is_reported():
    X, y = _random(50, 10, 12)
    path = lasso_homotopy(X, y, max_steps=3)
    assert path.n_steps == 3 and "max_steps=3" in path.message
    assert path.lams.size == 4


def test_coefs_at_outside_the_path():
    X, y = _random(30, 5, 13)
    path = lasso_homotopy(X, y, lam_min=1.0)
    np.testing.assert_array_equal(path.coefs_at([2 * path.lam_max]), np.zeros((1, 5)))
    with pytest.raises(ReglabInputError, match="lams"):
        path.coefs_at([0.5])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lam_min": -1.0}, "lam_min"),
        ({"gram": np.eye(3)}, "gram"),
        ({"Xty": np.zeros(3)}, "Xty"),
        ({"max_steps": 0}, "max_steps"),
        ({"max_steps": 2.5}, "max_steps"),
        ({"factorization": "svd"}, "factorization"),
        ({"factorization": "qr", "gram": np.eye(4)}, "gram"),
    ],
)
def test_bad_input(kwargs, name):
    X, y = _random(10, 4, 14)
    with pytest.raises(ReglabInputError, match=f"^{name}:"):
        lasso_homotopy(X, y, **kwargs)
    with pytest.raises(ReglabInputError, match="^y:"):
        lasso_homotopy(X, y[:-1])


def _integer_problem(seed):
    # Small integer designs make exact ties: several features reach the boundary, or one
    # joins while another leaves, at the same λ.
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(3, 30)), int(rng.integers(1, 40))
    X = rng.integers(-1, 2, size=(n, p)).astype(float)
    y = rng.integers(-3, 4, size=n).astype(float)
    return _centered(X, y)


@pytest.mark.parametrize("factorization", FACTORIZATIONS)
@pytest.mark.parametrize("seed", [275, 288, 57, 131])
def test_exact_ties_in_integer_data_stay_optimal(seed, factorization):
    X, y = _integer_problem(seed)
    path = lasso_homotopy(X, y, factorization=factorization)
    assert np.all(np.diff(path.lams) < 0)
    for lam, w in zip(path.lams, path.coefs, strict=True):
        assert _kkt(X, y, lam, w) < 1e-12
    # Between breakpoints: the objective matches coordinate descent's (the minimizer need
    # not be unique when p > n, the minimum is).
    mids = 0.5 * (path.lams[1:] + path.lams[:-1])
    for lam, w in zip(mids, path.coefs_at(mids), strict=True):
        n = X.shape[0]
        cd = Lasso(alpha=lam / (2 * n), fit_intercept=False, tol=1e-14, max_iter=1_000_000)
        cd.fit(X, y)

        def objective(v, lam=lam):
            return np.sum((y - X @ v) ** 2) + lam * np.abs(v).sum()

        assert objective(w) <= objective(cd.coef_) * (1 + 1e-12)
        assert _kkt(X, y, lam, w) < 1e-12
