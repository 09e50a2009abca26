r"""Figures of polynomial fits to the lecture's toy data (figures 1, 2, 3 and 12).

Every fit minimizes :math:`\sum_n (y_n - b - \sum_{k=1}^M w_k \phi_k(x_n))^2 + \lambda P(w)`
with the intercept ``b`` unpenalized, through :func:`reglab.paths.fit_path`; without a penalty
it is the (minimum-norm) least-squares fit, the ``λ = 0`` end of the ridge path. The data are
:func:`reglab.datasets.sin_curve` samples, seeded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes

from reglab.bases import PolynomialBasis
from reglab.datasets import sin_curve, sin_curve_test, true_curve
from reglab.figures.labels import text
from reglab.figures.style import COLORS, FigureResult, make_axes, theme
from reglab.paths import Solution, fit_path
from reglab.penalties import L1, L2, Penalty

__all__ = [
    "PolynomialFit",
    "basis_comparison_figure",
    "overfitting_figure",
    "polynomial_fit",
    "regularized_fits_figure",
    "train_test_error_figure",
]

_DOMAIN = (0.0, 1.0)
_GRID = np.linspace(*_DOMAIN, 400)
# Seed 5 of the grid design gives the lecture's picture: the test error falls until M = 3
# and rises sharply at M = 9, where the curve passes through all ten points.
_SEED = 5


class PolynomialFit:
    """A fitted polynomial ``b + sum_k w_k phi_k(x)`` in one basis.

    Attributes
    ----------
    basis : PolynomialBasis
    coef : ndarray of shape (degree,)
        ``w_1 .. w_M`` in that basis (empty for degree 0).
    intercept : float
    solution : reglab.paths.Solution or None
        The path's solution (``None`` for degree 0, where the fit is the mean of ``y``).
    """

    def __init__(self, basis: PolynomialBasis, coef: np.ndarray, intercept: float,
                 solution: Solution | None):
        self.basis, self.coef, self.intercept, self.solution = basis, coef, intercept, solution

    def __call__(self, x) -> np.ndarray:
        """Evaluate the fitted polynomial at ``x``."""
        return self.intercept + self.basis.transform(x) @ self.coef


def polynomial_fit(
    x,
    y,
    degree: int,
    *,
    basis: str = "monomial",
    penalty: Penalty | None = None,
    lam: float = 0.0,
    domain: tuple[float, float] = _DOMAIN,
) -> PolynomialFit:
    r"""Fit ``b + sum_k w_k phi_k(x)`` by minimizing ``sum_n (y_n - f(x_n))^2 + lam P(w)``.

    ``penalty=None`` (or ``lam = 0``) gives the minimum-norm least-squares fit.
    """
    features = PolynomialBasis(int(degree), basis, None if basis == "monomial" else domain)
    y = np.asarray(y, dtype=float)
    if features.degree == 0:
        return PolynomialFit(features, np.zeros(0), float(y.mean()), None)
    if penalty is None:
        penalty, lam = L2(), 0.0
    lam = float(lam)
    # Paths give the exact solution at any λ; the grid only matters for warm-started ones.
    path = fit_path(features.transform(x), y, penalty, lams=[lam] if lam > 0 else None,
                    n_lams=2)
    solution = path.solution(lam=lam)
    return PolynomialFit(features, solution.coef, solution.intercept, solution)


def _toy(n: int, sigma: float, seed: int, design: str):
    return sin_curve(n, sigma, seed=seed, design=design)


def _plot_data_and_truth(ax: Axes, x, y, lang: str) -> dict:
    truth = ax.plot(_GRID, true_curve(_GRID), color=COLORS["truth"], lw=1.5,
                    label=text("true_curve", lang))[0]
    points = ax.plot(x, y, "o", mfc="white", mec=COLORS["data"], mew=1.5, ms=6, zorder=3,
                     clip_on=False, label=text("train_data", lang))[0]
    ax.set_xlim(_DOMAIN[0] - 0.03, _DOMAIN[1] + 0.03)
    ax.set_ylim(-1.6, 1.6)
    return {"truth": truth, "points": points}


# ---------------------------------------------------------------------------------------------
# 1. Overfitting
# ---------------------------------------------------------------------------------------------
def overfitting_figure(
    ax=None,
    *,
    degrees: Sequence[int] = (0, 1, 3, 9),
    n: int = 10,
    sigma: float = 0.3,
    seed: int = _SEED,
    design: str = "grid",
    basis: str = "legendre",
    lang: str = "ja",
) -> FigureResult:
    """Figure 1: the same noisy sine data fitted by polynomials of several degrees M.

    Each panel shows the training points, the true curve ``sin(2 pi x)`` and the least-squares
    polynomial of degree ``M`` (Bishop, PRML Fig. 1.4). With ``M = n - 1`` the curve passes
    through every point and oscillates wildly between them.

    Parameters
    ----------
    ax : sequence of ``len(degrees)`` Axes, or None
    degrees : sequence of int, default (0, 1, 3, 9)
    n, sigma, seed, design
        The sample, :func:`reglab.datasets.sin_curve` (``design="grid"``: evenly spaced x).
    basis : str, default "legendre"
        The basis the least squares are solved in (the curve is the same in every basis;
        Legendre keeps the solve well conditioned).
    lang : {"ja", "en"}

    Returns
    -------
    FigureResult
        ``artists["fits"]``: one Line2D per degree; ``data["fits"]``: the :class:`PolynomialFit`
        objects; ``data["x"], data["y"]``: the sample.
    """
    degrees = [int(d) for d in degrees]
    cols = 2 if len(degrees) > 1 else 1
    rows = -(-len(degrees) // cols)
    with theme(lang):
        figure, axes = make_axes(ax, (rows, cols), figsize=(8.0, 6.0), sharex=True, sharey=True)
        x, y = _toy(n, sigma, seed, design)
        fits, lines = [], []
        for panel, degree in zip(axes, degrees, strict=False):
            fit = polynomial_fit(x, y, degree, basis=basis)
            _plot_data_and_truth(panel, x, y, lang)
            lines.append(panel.plot(_GRID, fit(_GRID), color=COLORS["fit"], lw=2,
                                    label=text("fit", lang))[0])
            fits.append(fit)
            panel.text(0.96, 0.94, text("M_equals", lang, M=degree), transform=panel.transAxes,
                       ha="right", va="top", fontsize="large",
                       bbox={"boxstyle": "round", "fc": "white", "ec": "0.7"})
        for panel in axes[len(degrees):]:
            panel.set_visible(False)
        for panel in axes[::cols]:
            panel.set_ylabel(text("y", lang))
        for panel in axes[-cols:]:
            panel.set_xlabel(text("x", lang))
        axes[0].legend(loc="lower left")
        if ax is None:
            figure.suptitle(text("overfitting_title", lang, n=n))
    return FigureResult(figure, axes, {"fits": lines},
                        {"fits": fits, "x": x, "y": y, "degrees": degrees})


# ---------------------------------------------------------------------------------------------
# 2. Training and test error against M
# ---------------------------------------------------------------------------------------------
def train_test_error_figure(
    ax=None,
    *,
    degrees: Sequence[int] = tuple(range(10)),
    n: int = 10,
    n_test: int = 100,
    sigma: float = 0.3,
    seed: int = _SEED,
    design: str = "grid",
    basis: str = "legendre",
    lang: str = "ja",
) -> FigureResult:
    """Figure 2: training and test RMS error of the least-squares fit against the degree M.

    The RMS error is ``sqrt(mean_n (y_n - f(x_n))^2)`` (Bishop's ``E_RMS``). The test sample is
    :func:`reglab.datasets.sin_curve_test` of the same seed, independent of the training one.
    Test errors above the top of the axis are drawn at the edge and labelled with their value.

    Returns
    -------
    FigureResult
        ``artists["train"], artists["test"]``: the two Line2D; ``data["curve"]``: the
        :class:`reglab.selection.DegreeCurve`.
    """
    from reglab.selection import degree_curve

    with theme(lang):
        figure, axes = make_axes(ax, figsize=(6.4, 4.4))
        panel = axes[0]
        x, y = _toy(n, sigma, seed, design)
        x_test, y_test = sin_curve_test(n_test, sigma, seed=seed)
        curve = degree_curve(x, y, x_test, y_test, list(degrees), basis=basis, domain=_DOMAIN)
        train, test = np.sqrt(curve.train_error), np.sqrt(curve.test_error)
        top = max(1.0, 1.15 * float(np.max(np.r_[train, test[test < 1.5]])))
        line_train = panel.plot(curve.degrees, train, "o-", color=COLORS["train"], mfc="white",
                                mew=1.5, clip_on=False, zorder=3, label=text("train", lang))[0]
        line_test = panel.plot(curve.degrees, np.minimum(test, top), "o-", color=COLORS["test"],
                               mfc="white", mew=1.5, clip_on=False, zorder=3,
                               label=text("test", lang))[0]
        for degree, value in zip(curve.degrees, test, strict=True):
            if value > top:
                panel.annotate(text("off_scale", lang, value=f"{value:.3g}"), (degree, top),
                               xytext=(0, -14), textcoords="offset points", ha="right",
                               fontsize="small", color=COLORS["test"])
        panel.set_ylim(0.0, top)
        panel.set_xticks(curve.degrees)
        panel.set_xlabel(text("degree_M", lang))
        panel.set_ylabel(text("rms_error", lang))
        panel.legend(loc="upper left")
        panel.grid(alpha=0.3)
        if ax is None:
            panel.set_title(text("train_test_title", lang, n=n, n_test=n_test))
    return FigureResult(figure, axes, {"train": line_train, "test": line_test},
                        {"curve": curve, "train_rms": train, "test_rms": test})


# ---------------------------------------------------------------------------------------------
# 3. The same M = 9 fit without penalty, with L2 and with L1
# ---------------------------------------------------------------------------------------------
def regularized_fits_figure(
    ax=None,
    *,
    degree: int = 9,
    n: int = 10,
    sigma: float = 0.3,
    seed: int = _SEED,
    design: str = "grid",
    lam_l2: float = float(np.exp(-18.0)),
    lam_l1: float = 1e-2,
    basis: str = "monomial",
    lang: str = "ja",
) -> FigureResult:
    r"""Figure 3: the degree-M fit without penalty, with L2 and with L1, and its coefficients.

    Top row: the curves. Bottom row: ``|w_k|`` on a log scale (exact zeros of the L1 fit are
    marked with a cross on the bottom edge). In the monomial basis of the lecture, the
    unpenalized coefficients of ``M = 9`` are of order ``10^5``, with alternating signs that
    cancel (Bishop, PRML Table 1.2); ``ln λ = -18`` (Bishop's value; our objective
    ``sum (y - f)^2 + λ ||w||^2`` is twice his, with the same λ) tames them, and L1 also
    sets some of them exactly to zero.

    Parameters
    ----------
    ax : sequence of 6 Axes (2 rows x 3 columns, reading order), or None
    lam_l2, lam_l1 : float
        The λ of the L2 and the L1 fit.
    basis : str, default "monomial"

    Returns
    -------
    FigureResult
        ``artists["curves"]`` (3 Line2D), ``artists["bars"]`` (3 BarContainers),
        ``data["fits"]``: the three :class:`PolynomialFit` (none, L2, L1).
    """
    with theme(lang):
        figure, axes = make_axes(ax, (2, 3), figsize=(10.0, 6.2))
        x, y = _toy(n, sigma, seed, design)
        settings = [
            (None, 0.0, text("no_penalty", lang), COLORS["none"]),
            (L2(), lam_l2, text("l2_at", lang, lam=_sci(lam_l2)), COLORS["l2"]),
            (L1(), lam_l1, text("l1_at", lang, lam=_sci(lam_l1)), COLORS["l1"]),
        ]
        fits, curves, bars = [], [], []
        magnitudes = []
        for column, (penalty, lam, title, color) in enumerate(settings):
            fit = polynomial_fit(x, y, degree, basis=basis, penalty=penalty, lam=lam)
            fits.append(fit)
            magnitudes.append(np.abs(fit.coef))
            top = axes[column]
            _plot_data_and_truth(top, x, y, lang)
            curves.append(top.plot(_GRID, fit(_GRID), color=color, lw=2)[0])
            top.set_title(title)
            top.set_xlabel(text("x", lang))
        axes[0].set_ylabel(text("y", lang))
        axes[0].legend(loc="lower left")
        positive = np.concatenate([m[m > 0] for m in magnitudes])
        low = 10.0 ** np.floor(np.log10(positive.min()) - 0.5)
        # Headroom above the tallest bar for the "largest |w_k|" box.
        span = np.log10(positive.max()) - np.log10(low)
        high = 10.0 ** (np.log10(positive.max()) + 0.25 * span)
        k = np.arange(1, degree + 1)
        for column, (magnitude, (_, _, _, color)) in enumerate(
            zip(magnitudes, settings, strict=True)
        ):
            bottom = axes[3 + column]
            # Exact zeros have no height on a log axis: no bar, a cross on the edge instead.
            bars.append(bottom.bar(k, np.where(magnitude > 0, magnitude, np.nan), color=color,
                                   alpha=0.8))
            zeros = k[magnitude == 0]
            if zeros.size:
                bottom.plot(zeros, np.full(zeros.size, low * 1.6), "x", color="black", ms=8,
                            mew=2, label=text("exact_zero", lang), clip_on=False)
                bottom.legend(loc="upper left")
            bottom.set_yscale("log")
            bottom.set_ylim(low, high)
            bottom.set_xticks(k)
            bottom.set_xlabel(text("coef_index", lang) if basis == "monomial"
                              else text("k_index", lang))
            bottom.text(0.97, 0.95, text("max_coef", lang, value=_sci(magnitude.max())),
                        transform=bottom.transAxes, ha="right", va="top", fontsize="small",
                        bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})
        axes[3].set_ylabel(text("coef_magnitude", lang))
        if ax is None:
            figure.suptitle(text("reg_fits_title", lang, M=degree))
    return FigureResult(figure, axes, {"curves": curves, "bars": bars},
                        {"fits": fits, "x": x, "y": y, "lams": (0.0, lam_l2, lam_l1)})


# ---------------------------------------------------------------------------------------------
# 12. Bases compared at high degree
# ---------------------------------------------------------------------------------------------
def basis_comparison_figure(
    ax=None,
    *,
    degree: int = 15,
    n: int = 30,
    sigma: float = 0.3,
    seed: int = 0,
    bases: Sequence[str] = ("monomial", "legendre", "chebyshev"),
    lang: str = "ja",
) -> FigureResult:
    r"""Figure 12: monomial vs Legendre vs Chebyshev at high degree M.

    Left: the 2-norm condition number of the design ``[1, phi_1(x) .. phi_M(x)]`` against M
    (:func:`reglab.bases.condition_number`). Right: ``|w_k|`` of the least-squares fit of
    degree ``degree`` in each basis. All bases span the same polynomials, so the fitted
    curve is the same; only the size of the numbers and the conditioning of the solve differ.
    The Legendre and Chebyshev bases work on ``t = 2x - 1`` over the data range ``[0, 1]``.

    Returns
    -------
    FigureResult
        ``artists["condition"]``: one Line2D per basis (x = degrees, y = condition numbers);
        ``artists["coefs"]``: one Line2D per basis (x = k, y = |w_k|);
        ``data["fits"]``: the :class:`PolynomialFit` per basis.
    """
    from reglab.bases import condition_number

    with theme(lang):
        figure, axes = make_axes(ax, (1, 2), figsize=(10.0, 4.4))
        left, right = axes
        x, y = sin_curve(n, sigma, seed=seed)
        degrees = np.arange(1, degree + 1)
        markers = {"monomial": "o", "legendre": "s", "chebyshev": "^", "scaled": "D"}
        colors = {"monomial": COLORS["l1"], "legendre": COLORS["l2"],
                  "chebyshev": COLORS["truth"], "scaled": COLORS["lp"]}
        condition_lines, coef_lines, fits = [], [], {}
        for kind in bases:
            domain = None if kind == "monomial" else _DOMAIN
            kappa = [condition_number(PolynomialBasis(int(m), kind, domain).transform(x))
                     for m in degrees]
            name = text(f"basis_{kind}", lang)
            condition_lines.append(left.plot(degrees, kappa, marker=markers.get(kind, "o"),
                                             ms=4, color=colors.get(kind), label=name)[0])
            fit = polynomial_fit(x, y, degree, basis=kind)
            fits[kind] = fit
            coef_lines.append(right.plot(degrees, np.abs(fit.coef), marker=markers.get(kind, "o"),
                                         ms=5, color=colors.get(kind), label=name)[0])
        # Beyond 1/eps the design is numerically singular: least squares loses every digit.
        left.axhline(1.0 / np.finfo(float).eps, color="0.5", ls=":", lw=1)
        left.annotate(text("inverse_eps", lang), (1.0, 1.0 / np.finfo(float).eps),
                      xycoords=("axes fraction", "data"), xytext=(-4, -4),
                      textcoords="offset points", ha="right", va="top", fontsize="small",
                      color="0.35")
        left.set_yscale("log")
        left.set_xlabel(text("degree_M", lang))
        left.set_ylabel(text("condition_number", lang))
        left.legend(loc="center left")
        left.grid(alpha=0.3)
        right.set_yscale("log")
        # Headroom above the largest coefficient for the note in the upper left corner.
        sizes = np.concatenate([np.abs(fit.coef) for fit in fits.values()])
        sizes = sizes[sizes > 0]
        low, high = np.log10(sizes.min()), np.log10(sizes.max())
        right.set_ylim(10 ** (low - 0.05 * (high - low)), 10 ** (high + 0.2 * (high - low)))
        right.set_xlabel(text("k_index", lang))
        right.set_ylabel(text("coefs_at_M", lang, M=degree))
        # Same space of polynomials: the fitted curves agree up to rounding in the solve.
        curves = np.array([fit(_GRID) for fit in fits.values()])
        spread = float(np.max(np.ptp(curves, axis=0))) if len(fits) > 1 else 0.0
        right.text(0.02, 0.97, text("same_curve", lang, value=_sci(spread)),
                   transform=right.transAxes, ha="left", va="top", fontsize="small",
                   bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})
        right.legend(loc="center right")
        right.grid(alpha=0.3)
        if ax is None:
            figure.suptitle(text("bases_title", lang, n=n))
    return FigureResult(figure, axes, {"condition": condition_lines, "coefs": coef_lines},
                        {"fits": fits, "degrees": degrees, "x": x, "y": y})


def _sci(value: float) -> str:
    r"""Format a positive number for mathtext: ``1.5 \times 10^{-8}`` or ``0.01``."""
    value = float(value)
    if value == 0:
        return "0"
    exponent = int(np.floor(np.log10(abs(value))))
    if -3 <= exponent <= 3:
        return f"{value:.3g}"
    mantissa = value / 10.0**exponent
    if abs(mantissa - round(mantissa)) < 5e-3 and round(mantissa) == 1:
        return f"10^{{{exponent}}}"
    return f"{mantissa:.2g} \\times 10^{{{exponent}}}"
