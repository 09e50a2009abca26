from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy.linalg import solve_triangular

from reglab import _triangular
from reglab._triangular import solve_upper


def _factor(size, seed=0):
    rng = np.random.default_rng(seed)
    # Garbage below the diagonal and beyond the leading block: it must never be read.
    R = rng.normal(size=(size, size)) / np.sqrt(size) + 4.0 * np.eye(size)
    return np.asfortranarray(R), rng


@pytest.mark.parametrize("trans", [False, True])
@pytest.mark.parametrize(("k", "shape"), [(1, (1,)), (9, (9,)), (9, (9, 1)), (23, (23, 3))])
def test_leading_block_solve_matches_scipy(k, shape, trans):
    R, rng = _factor(30)
    B = rng.normal(size=shape)
    before = B.copy()
    x = solve_upper(R, k, B, trans=trans)
    expected = solve_triangular(np.triu(R[:k, :k]), B, trans=int(trans))
    np.testing.assert_allclose(x, expected, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(B, before)  # the right-hand side is not overwritten


def test_same_results_without_scipys_cython_lapack(monkeypatch):
    R, rng = _factor(12)
    B = rng.normal(size=(12, 2))
    direct = solve_upper(R, 12, B, trans=True)
    monkeypatch.setattr(_triangular, "_dtrtrs", lambda: None)  # the f2py wrapper instead
    np.testing.assert_allclose(solve_upper(R, 12, B, trans=True), direct, rtol=1e-14)


@pytest.mark.parametrize("cython", [True, False])
def test_a_zero_pivot_is_an_error_not_a_silent_inf(cython, monkeypatch):
    if not cython:
        monkeypatch.setattr(_triangular, "_dtrtrs", lambda: None)
    R, _ = _factor(5)
    R[2, 2] = 0.0
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        solve_upper(R, 5, np.ones(5))


def test_the_cython_function_is_used_only_with_the_expected_c_signature():
    expected = "char *, char *, char *, int *, int *, d *, int *, d *, int *, int *"
    prototype = _triangular._DTRTRS_PROTOTYPE
    assert _triangular._dtrtrs() is not None  # scipy's Cython LAPACK, as built here
    assert _triangular._cython_lapack_function("dtrtrs", prototype, expected) is not None
    wide = expected.replace("int *", "long *")  # 64-bit LAPACK integers
    assert _triangular._cython_lapack_function("dtrtrs", prototype, wide) is None
    assert _triangular._cython_lapack_function("no_such_routine", prototype, expected) is None


def test_a_c_ordered_factor_is_refused():
    R, _ = _factor(5)
    with pytest.raises(ValueError, match="Fortran order"):
        solve_upper(np.ascontiguousarray(R), 5, np.ones(5))


def test_solves_from_several_threads_at_once_are_correct():
    R, rng = _factor(400)
    rhs = [rng.normal(size=(400, 2)) for _ in range(8)]
    expected = [solve_triangular(np.triu(R), b) for b in rhs]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda b: solve_upper(R, 400, b), rhs))
    for x, e in zip(results, expected, strict=True):
        np.testing.assert_allclose(x, e, rtol=1e-12, atol=1e-12)
