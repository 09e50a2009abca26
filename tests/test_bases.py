import math

import numpy as np
import pytest
from numpy.polynomial import polynomial as P
from scipy.special import eval_chebyt, eval_legendre

from reglab._validation import ReglabInputError
from reglab.bases import BASIS_KINDS, PolynomialBasis, condition_number, polynomial_features


def _mapped(x, lo, hi):
    # Independent of the code under test: the affine map of [lo, hi] onto [-1, 1].
    return (2.0 * np.asarray(x) - lo - hi) / (hi - lo)


@pytest.fixture
def x():
    return np.random.default_rng(1).uniform(-0.3, 2.2, size=50)


# -- the columns ------------------------------------------------------------------------------
def test_monomial_columns_are_powers(x):
    F = polynomial_features(x, 12)
    assert F.shape == (50, 12)
    for k in range(1, 13):
        # np.power and x**2 (computed as x*x) may differ by one rounding.
        np.testing.assert_allclose(F[:, k - 1], x**k, rtol=4e-16, atol=0)


def test_scaled_columns_are_powers_of_mapped_x(x):
    F = polynomial_features(x, 8, "scaled", domain=(-1.0, 3.0))
    t = _mapped(x, -1.0, 3.0)
    for k in range(1, 9):
        np.testing.assert_allclose(F[:, k - 1], t**k, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    ("kind", "reference"), [("legendre", eval_legendre), ("chebyshev", eval_chebyt)]
)
def test_orthogonal_columns_match_scipy(x, kind, reference):
    F = polynomial_features(x, 15, kind)  # domain from the data
    t = _mapped(x, x.min(), x.max())
    assert np.abs(t).max() == pytest.approx(1.0)
    for k in range(1, 16):
        np.testing.assert_allclose(F[:, k - 1], reference(k, t), rtol=1e-12, atol=1e-12)


def test_legendre_columns_are_orthogonal_under_gauss_legendre_quadrature():
    # With K nodes Gauss-Legendre quadrature is exact for degree <= 2K - 1, so the Gram
    # matrix of P_1..P_M on [lo, hi] is exactly (hi - lo)/2 * diag(2 / (2k + 1)).
    M, lo, hi = 12, 0.0, 1.0
    nodes, weights = np.polynomial.legendre.leggauss(M + 1)
    x = lo + (nodes + 1.0) * (hi - lo) / 2.0
    F = PolynomialBasis(M, "legendre", (lo, hi)).transform(x)
    gram = F.T @ (weights[:, None] * F) * (hi - lo) / 2.0
    k = np.arange(1, M + 1)
    np.testing.assert_allclose(gram, np.diag((hi - lo) / (2 * k + 1)), atol=1e-14)


def test_degree_zero_gives_no_columns(x):
    for kind in BASIS_KINDS:
        assert polynomial_features(x, 0, kind).shape == (50, 0)
        assert PolynomialBasis.from_data(x, 0, kind).feature_names == ()


def test_feature_names():
    assert PolynomialBasis(3).feature_names == ("x", "x^2", "x^3")
    assert PolynomialBasis(2, "scaled", (0, 1)).feature_names == ("t", "t^2")
    assert PolynomialBasis(3, "legendre", (0, 1)).feature_names[-1] == "P3(t)"
    assert PolynomialBasis(3, "chebyshev", (0, 1)).feature_names[-1] == "T3(t)"


def test_repr_and_equality():
    basis = PolynomialBasis(4, "chebyshev", (0, 2))
    assert repr(basis) == "PolynomialBasis(degree=4, kind='chebyshev', domain=(0.0, 2.0))"
    assert basis == PolynomialBasis(4, "chebyshev", (0.0, 2.0))
    assert hash(basis) == hash(PolynomialBasis(4, "chebyshev", (0.0, 2.0)))
    assert PolynomialBasis(4, "monomial", (0, 2)).domain is None


# -- the domain is fixed once -----------------------------------------------------------------
def test_domain_fixed_at_construction_is_used_for_new_points(x):
    basis = PolynomialBasis.from_data(x, 5, "legendre")
    assert basis.domain == (x.min(), x.max())
    grid = np.linspace(-1.0, 4.0, 7)  # outside the training range on purpose
    expected = np.column_stack([eval_legendre(k, _mapped(grid, *basis.domain)) for k in (1, 5)])
    np.testing.assert_allclose(basis.transform(grid)[:, [0, 4]], expected, rtol=1e-12)
    # Recomputing the domain from the grid would give other features.
    assert not np.allclose(basis.transform(grid), polynomial_features(grid, 5, "legendre"))
    np.testing.assert_allclose(
        basis.transform(grid), polynomial_features(grid, 5, "legendre", domain=basis.domain)
    )


# -- conversion to power series ----------------------------------------------------------------
@pytest.mark.parametrize("kind", BASIS_KINDS)
def test_to_monomial_reproduces_the_basis_prediction(kind):
    rng = np.random.default_rng(7)
    M, domain = 9, (0.5, 2.5)
    basis = PolynomialBasis(M, kind, domain)
    coef, intercept = rng.normal(size=M), rng.normal()
    x = rng.uniform(*domain, size=40)
    prediction = intercept + basis.transform(x) @ coef
    power = basis.to_monomial(coef, intercept)
    assert power.shape == (M + 1,)
    np.testing.assert_allclose(P.polyval(x, power), prediction, rtol=1e-9, atol=1e-9)


def test_to_monomial_pads_trailing_zeros():
    # P_2 contributes 3/2 t^2 and P_3 is absent: the x^3 coefficient is an exact 0.
    basis = PolynomialBasis(3, "legendre", (-1.0, 1.0))
    np.testing.assert_allclose(basis.to_monomial([0.0, 1.0, 0.0], 0.5), [0.0, 0.0, 1.5, 0.0])


def test_unpenalized_fit_is_the_same_polynomial_in_every_basis():
    # Least squares over the same span: converted coefficients must agree.
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 30)
    y = np.sin(2 * np.pi * x) + 0.1 * rng.normal(size=30)
    results = []
    for kind in BASIS_KINDS:
        basis = PolynomialBasis.from_data(x, 5, kind)
        design = np.column_stack([np.ones_like(x), basis.transform(x)])
        beta = np.linalg.lstsq(design, y, rcond=None)[0]
        results.append(basis.to_monomial(beta[1:], beta[0]))
    for other in results[1:]:
        np.testing.assert_allclose(other, results[0], rtol=1e-7, atol=1e-7)


# -- conditioning -----------------------------------------------------------------------------
@pytest.mark.parametrize("M", [9, 12, 15, 20, 25, 30])
def test_monomial_design_is_badly_conditioned_and_orthogonal_bases_are_not(M):
    x = np.linspace(0.0, 1.0, 200)
    ones = np.ones((x.size, 1))
    conds = {}
    for kind in BASIS_KINDS:
        F = polynomial_features(x, M, kind, domain=(0.0, 1.0))
        conds[kind] = condition_number(F)
        reference = np.linalg.cond(np.hstack([ones, F]))
        # Same SVD, so the two agree; past ~1e16 both are dominated by rounding.
        np.testing.assert_allclose(conds[kind], reference, rtol=1e-6)
    assert conds["monomial"] > 1e6
    assert conds["monomial"] > 1e5 * max(conds["legendre"], conds["chebyshev"])
    assert conds["legendre"] < 100 and conds["chebyshev"] < 100


def test_condition_number_without_intercept_and_edge_cases():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(20, 4))
    assert condition_number(A, with_intercept=False) == pytest.approx(np.linalg.cond(A))
    Q = np.linalg.qr(A)[0]
    assert condition_number(Q, with_intercept=False) == pytest.approx(1.0)
    assert condition_number(np.zeros((6, 2)), with_intercept=False) == math.inf  # s_min = 0
    assert condition_number(rng.normal(size=(3, 5))) == math.inf  # more columns than rows
    assert condition_number(np.empty((5, 0))) == pytest.approx(1.0)  # just the ones column


# -- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: polynomial_features([0.1, 0.2], -1), "degree"),
        (lambda: polynomial_features([0.1, 0.2], 2.5), "degree"),
        (lambda: polynomial_features([0.1, 0.2], True), "degree"),
        (lambda: polynomial_features([0.1, 0.2], 2, "fourier"), "basis"),
        (lambda: polynomial_features([0.1, np.nan], 2), "x"),
        (lambda: polynomial_features([[0.1, 0.2]], 2), "x"),
        (lambda: polynomial_features(["a", "b"], 2), "x"),
        (lambda: polynomial_features([0.1, 0.2], 2, "legendre", domain=(1.0, 0.0)), "domain"),
        (lambda: polynomial_features([0.1, 0.2], 2, "legendre", domain=(0.0, np.inf)), "domain"),
        (lambda: polynomial_features([0.1, 0.2], 2, "chebyshev", domain=3.0), "domain"),
        (lambda: polynomial_features([0.5, 0.5], 2, "legendre"), "x"),
        (lambda: PolynomialBasis(3, "legendre"), "domain"),
        (lambda: PolynomialBasis(3, "spline", (0, 1)), "kind"),
        (lambda: PolynomialBasis(3).to_monomial([1.0, 2.0]), "coef"),
        (lambda: PolynomialBasis(1).to_monomial([1.0], np.nan), "intercept"),
        (lambda: condition_number([1.0, 2.0]), "X"),
        (lambda: condition_number(np.empty((4, 0)), with_intercept=False), "X"),
    ],
)
def test_bad_input_gives_one_line_error_naming_the_parameter(call, name):
    with pytest.raises(ReglabInputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    assert "; got " in message


def test_constant_x_is_fine_for_monomials():
    assert polynomial_features([0.5, 0.5], 2).tolist() == [[0.5, 0.25], [0.5, 0.25]]
