r"""Polynomial features of degree M in four bases, and the condition number of a design.

The lecture fits ``y ≈ b + sum_{k=1}^M w_k phi_k(x)`` by minimizing

.. math::

    E(w, b) = \sum_n \bigl(y_n - b - \sum_{k=1}^M w_k \phi_k(x_n)\bigr)^2 + \lambda\,P(w).

The constant term is the intercept ``b``, fitted separately and never penalized, so the feature
matrices here hold only the columns ``phi_1 .. phi_M`` (degree 0 gives ``n x 0``).

==============  ==============================  =========================================
basis           column k                        variable
==============  ==============================  =========================================
``monomial``    ``x^k``                         the raw ``x``
``scaled``      ``t^k``                         ``t = (2 x - lo - hi) / (hi - lo)``
``legendre``    Legendre ``P_k(t)``             same ``t``: ``[lo, hi]`` maps onto ``[-1, 1]``
``chebyshev``   Chebyshev ``T_k(t)``            same ``t``
==============  ==============================  =========================================

All four span the same space of polynomials of degree <= M, so the *unpenalized* fit is the
same curve in every basis; only the conditioning of the design differs (the monomial design on
``[0, 1]`` is a Hilbert-like matrix, hopeless beyond M ~ 10), and a penalty on ``w`` means a
different thing in each basis. :meth:`PolynomialBasis.to_monomial` converts coefficients back to
a power series in ``x`` to compare them.

The domain ``[lo, hi]`` is fixed when a :class:`PolynomialBasis` is built (given, or taken from
the training ``x``) and then used for every later call, so training points, test points and the
grid of a plot are all mapped the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from numpy.polynomial import Chebyshev, Legendre, Polynomial
from numpy.polynomial import chebyshev as _cheb
from numpy.polynomial import legendre as _leg
from numpy.polynomial.polyutils import mapdomain

from reglab._validation import ReglabInputError, check_finite_array

__all__ = [
    "BASIS_KINDS",
    "PolynomialBasis",
    "condition_number",
    "polynomial_features",
]

#: The names accepted for ``basis`` / ``kind``.
BASIS_KINDS: tuple[str, ...] = ("monomial", "scaled", "legendre", "chebyshev")

_WINDOW = (-1.0, 1.0)  # the natural interval of the orthogonal families
# The numpy series class that represents a polynomial written in each mapped basis.
_SERIES = {"scaled": Polynomial, "legendre": Legendre, "chebyshev": Chebyshev}


def _check_degree(degree: object) -> int:
    if isinstance(degree, bool) or not isinstance(degree, Integral) or degree < 0:
        raise ReglabInputError("degree", "must be an integer >= 0", degree)
    return int(degree)


def _check_kind(name: str, kind: object) -> str:
    if kind not in BASIS_KINDS:
        choices = ", ".join(repr(k) for k in BASIS_KINDS)
        raise ReglabInputError(name, f"must be one of {choices}", kind)
    return str(kind)


def _check_domain(domain: object) -> tuple[float, float]:
    rule = "must be a pair (lo, hi) of finite numbers with lo < hi"
    try:
        lo, hi = (float(v) for v in domain)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ReglabInputError("domain", rule, domain) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ReglabInputError("domain", rule, domain)
    return lo, hi


def _check_x(x: object) -> np.ndarray:
    return check_finite_array("x", x, ndim=1)


@dataclass(frozen=True)
class PolynomialBasis:
    """Polynomial features ``phi_1(x) .. phi_M(x)`` of one kind, on a fixed domain.

    Parameters
    ----------
    degree : int
        The degree M >= 0: the basis has M columns (the constant is the separate intercept).
    kind : {"monomial", "scaled", "legendre", "chebyshev"}, default "monomial"
        ``monomial`` gives ``x^k``; the others work on ``t = (2 x - lo - hi) / (hi - lo)``,
        which maps the domain onto ``[-1, 1]``: ``t^k``, Legendre ``P_k(t)``, Chebyshev
        ``T_k(t)``.
    domain : (float, float) or None
        The interval ``[lo, hi]`` mapped onto ``[-1, 1]``. Required for the mapped kinds (use
        :meth:`from_data` to take it from the training ``x``); ignored, and stored as ``None``,
        for ``monomial``.

    Examples
    --------
    >>> basis = PolynomialBasis(2, "legendre", (0.0, 1.0))
    >>> basis.transform([0.0, 0.5, 1.0])
    array([[-1. ,  1. ],
           [ 0. , -0.5],
           [ 1. ,  1. ]])
    >>> basis.feature_names
    ('P1(t)', 'P2(t)')
    """

    degree: int
    kind: str = "monomial"
    domain: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "degree", _check_degree(self.degree))
        kind = _check_kind("kind", self.kind)
        object.__setattr__(self, "kind", kind)
        if kind == "monomial":
            object.__setattr__(self, "domain", None)
        elif self.domain is None:
            raise ReglabInputError(
                "domain",
                f"is required for the {kind!r} basis (PolynomialBasis.from_data takes it from x)",
                None,
            )
        else:
            object.__setattr__(self, "domain", _check_domain(self.domain))

    @classmethod
    def from_data(
        cls,
        x: Sequence[float] | np.ndarray,
        degree: int,
        kind: str = "monomial",
        domain: tuple[float, float] | None = None,
    ) -> PolynomialBasis:
        """Build a basis whose domain is ``domain``, or ``(x.min(), x.max())`` when ``None``.

        Build it once from the *training* inputs and reuse it for test points and plot grids.
        """
        degree = _check_degree(degree)
        kind = _check_kind("kind", kind)
        if kind != "monomial" and domain is None:
            x = _check_x(x)
            lo, hi = float(x.min()), float(x.max())
            if not lo < hi:
                raise ReglabInputError(
                    "x",
                    f"needs two distinct values to set the domain of the {kind!r} basis "
                    "(or pass domain=(lo, hi))",
                    lo,
                )
            domain = (lo, hi)
        return cls(degree, kind, domain)

    # -- features -------------------------------------------------------------------------
    def transform(self, x: Sequence[float] | np.ndarray) -> np.ndarray:
        """Return the ``(n, degree)`` feature matrix ``[phi_1(x) .. phi_M(x)]`` (no constant)."""
        x = _check_x(x)
        powers = np.arange(1, self.degree + 1)
        if self.kind == "monomial":
            return np.power.outer(x, powers).astype(float, copy=False)
        t = self._to_window(x)
        if self.kind == "scaled":
            return np.power.outer(t, powers).astype(float, copy=False)
        # The Vandermonde matrices of the orthogonal families use their three-term
        # recurrences (stable, unlike expanding P_k in powers); column 0 is the constant.
        vander = _leg.legvander if self.kind == "legendre" else _cheb.chebvander
        return vander(t, self.degree)[:, 1:]

    def _to_window(self, x: np.ndarray) -> np.ndarray:
        # The same affine map numpy's series classes use, so to_monomial agrees with transform.
        return mapdomain(x, self.domain, _WINDOW)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Names of the columns, e.g. ``("x", "x^2")``, ``("t", "t^2")``, ``("P1(t)", ...)``."""
        k = range(1, self.degree + 1)
        if self.kind in ("monomial", "scaled"):
            v = "x" if self.kind == "monomial" else "t"
            return tuple(v if i == 1 else f"{v}^{i}" for i in k)
        letter = "P" if self.kind == "legendre" else "T"
        return tuple(f"{letter}{i}(t)" for i in k)

    # -- coefficients ---------------------------------------------------------------------
    def to_monomial(self, coef: Sequence[float] | np.ndarray, intercept: float = 0.0) -> np.ndarray:
        """Convert ``b + sum_k w_k phi_k`` to power-series coefficients in ``x``.

        Parameters
        ----------
        coef : array_like of shape (degree,)
            The coefficients ``w_1 .. w_M`` in this basis.
        intercept : float, default 0.0
            The intercept ``b``.

        Returns
        -------
        ndarray of shape (degree + 1,)
            ``c`` with ``b + sum_k w_k phi_k(x) = sum_{j=0}^M c_j x^j`` (ascending powers, as
            ``numpy.polynomial.polynomial.polyval`` takes them). The conversion is exact in
            exact arithmetic; in floating point it loses accuracy as M grows, like any
            power-series representation on a domain away from 0.
        """
        coef = check_finite_array("coef", coef, ndim=1, min_rows=0)
        if coef.shape != (self.degree,):
            raise ReglabInputError("coef", f"must have {self.degree} entries", len(coef))
        intercept = float(check_finite_array("intercept", [intercept], ndim=1)[0])
        series = np.concatenate([[intercept], coef])
        if self.kind == "monomial":
            return series
        # A numpy series with domain [lo, hi] evaluates sum_k a_k B_k(t(x)); converting it to a
        # Polynomial with the default (identity) domain expands it in powers of x itself.
        power = _SERIES[self.kind](series, domain=self.domain).convert(kind=Polynomial).coef
        out = np.zeros(self.degree + 1)
        out[: power.size] = power  # convert() trims trailing zero coefficients
        return out


def polynomial_features(
    x: Sequence[float] | np.ndarray,
    degree: int,
    basis: str = "monomial",
    *,
    domain: tuple[float, float] | None = None,
) -> np.ndarray:
    """Return the ``(n, degree)`` polynomial features of ``x`` (no constant column).

    Parameters
    ----------
    x : array_like of shape (n,)
        Finite inputs.
    degree : int
        The degree M >= 0; degree 0 gives an ``(n, 0)`` array.
    basis : {"monomial", "scaled", "legendre", "chebyshev"}, default "monomial"
        See :class:`PolynomialBasis`.
    domain : (float, float) or None
        The interval mapped onto ``[-1, 1]`` for the mapped bases; ``None`` takes
        ``(x.min(), x.max())`` of *this* ``x``. To transform test points the same way as the
        training points, pass the training domain, or build a :class:`PolynomialBasis` once.

    Returns
    -------
    ndarray of shape (n, degree)
    """
    degree = _check_degree(degree)
    basis = _check_kind("basis", basis)
    return PolynomialBasis.from_data(x, degree, basis, domain).transform(x)


def condition_number(X: np.ndarray, *, with_intercept: bool = True) -> float:
    """Return the 2-norm condition number ``s_max / s_min`` of a design matrix.

    Parameters
    ----------
    X : array_like of shape (n, p)
        The design (features only).
    with_intercept : bool, default True
        Prepend a column of ones, as the least-squares fit with an intercept sees the design.

    Returns
    -------
    float
        The ratio of the largest to the smallest singular value of the (augmented) design;
        ``inf`` when the smallest singular value is 0 or when there are more columns than
        rows (then the columns are linearly dependent and least squares has no unique
        solution, whereas ``numpy.linalg.cond`` would report the ratio over the ``n``
        nonzero singular values only).
    """
    X = check_finite_array("X", X, ndim=2, min_rows=1)
    if with_intercept:
        X = np.column_stack([np.ones(X.shape[0]), X])
    n, p = X.shape
    if p == 0:
        raise ReglabInputError("X", "must have at least one column", X.shape)
    if n < p:
        return math.inf
    singular = np.linalg.svd(X, compute_uv=False)  # descending order
    if singular[-1] == 0:
        return math.inf
    return float(singular[0] / singular[-1])
