r"""Placeholder page: polynomial ridge regression of the lecture's sin data, scrubbed over λ.

It exercises the lab's machinery (frames, scrubbing, readouts, a server-side recompute, i18n,
math) without depending on the numerical modules, which is why the ridge fit is computed here
with plain numpy. The objective is the lecture's

.. math::

    E(w, b) = \sum_{n=1}^{N} \Bigl(y_n - b - \sum_{j=1}^{M} w_j x_n^j\Bigr)^2
              + \lambda \sum_{j=1}^{M} w_j^2 ,

with the intercept ``b`` unpenalized and monomial features ``x, x^2, ..., x^M``.
"""

from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import Range1d
from bokeh.plotting import figure

from reglab._validation import ReglabInputError
from reglab.lab.frames import FrameStack
from reglab.lab.i18n import Language, format_number, translate
from reglab.lab.pages import PageInfo
from reglab.lab.scrub import Scrubber

__all__ = ["DEGREES", "PAGE", "build_page", "demo_frames", "lambda_grid", "ridge_path",
           "sin_data"]

DEGREES = (1, 3, 6, 9)
"""Degrees offered by the page (Bishop's M = 1, 3, 9 and one in between)."""

X_PLOT = np.linspace(0.0, 1.0, 201)


def sin_data(n_samples: int = 10, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """Return ``x`` evenly spaced on [0, 1] and ``y = sin(2 pi x) + noise * N(0, 1)`` (seeded)."""
    x = np.linspace(0.0, 1.0, n_samples)
    rng = np.random.default_rng(seed)
    return x, np.sin(2 * np.pi * x) + noise * rng.standard_normal(n_samples)


def lambda_grid(n: int = 101, low: float = 1e-9, high: float = 10.0) -> np.ndarray:
    """Return the page's λ stops: ``n`` values log-spaced from ``low`` to ``high``."""
    return np.logspace(np.log10(low), np.log10(high), n)


def _features(x: np.ndarray, degree: int) -> np.ndarray:
    return np.asarray(x, dtype=float)[:, None] ** np.arange(1, degree + 1)


def ridge_path(x: np.ndarray, y: np.ndarray, degree: int, lams: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Exact polynomial ridge solutions ``(w, b)`` for every λ of ``lams``.

    Minimizes ``sum_n (y_n - b - sum_j w_j x_n^j)^2 + lam * sum_j w_j^2``. Eliminating the
    unpenalized ``b`` centres the features and ``y`` (``b = mean(y) - mean(Phi) w``); then
    ``(Phi_c^T Phi_c + lam I) w = Phi_c^T y_c``, which the SVD ``Phi_c = U S V^T`` solves for
    all λ at once: ``w = V diag(s / (s^2 + lam)) U^T y_c``.

    Returns
    -------
    w : ndarray of shape (n_lams, degree)
    b : ndarray of shape (n_lams,)
    """
    if degree < 1:
        raise ReglabInputError("degree", "must be >= 1", degree)
    phi = _features(x, degree)
    phi_mean, y_mean = phi.mean(axis=0), float(np.mean(y))
    u, s, vt = np.linalg.svd(phi - phi_mean, full_matrices=False)
    uty = u.T @ (np.asarray(y, dtype=float) - y_mean)
    shrink = s / (s**2 + np.asarray(lams, dtype=float)[:, None])  # (n_lams, rank)
    w = (shrink * uty) @ vt
    b = y_mean - w @ phi_mean
    return w, b


def demo_frames(degree: int, lang: Language, *, lams: np.ndarray | None = None,
                x: np.ndarray | None = None, y: np.ndarray | None = None) -> FrameStack:
    """Compute the frames for polynomial degree ``degree``: one per λ of :func:`lambda_grid`.

    Views ``fit`` (``x`` on a 201-point grid, the fitted curve ``y``) and ``coef`` (``j`` and
    ``w``); values ``lam``, ``R = ||w||_2`` and ``train_error = sum_n (y_n - f(x_n))^2``;
    texts ``label`` (the slider's λ) and ``readout``.
    """
    if x is None or y is None:
        x, y = sin_data()
    lams = lambda_grid() if lams is None else np.asarray(lams, dtype=float)
    w, b = ridge_path(x, y, degree, lams)
    curves = w @ _features(X_PLOT, degree).T + b[:, None]
    fitted = w @ _features(x, degree).T + b[:, None]
    train_error = np.sum((y - fitted) ** 2, axis=1)
    radius = np.linalg.norm(w, axis=1)
    label = [format_number(v) for v in lams]
    readout = [
        translate("readout.lambda_R", lang, lam=format_number(v), R=format_number(r)) + "  ·  "
        + translate("readout.train_error", lang, value=format_number(e))
        for v, r, e in zip(lams, radius, train_error, strict=True)
    ]
    return FrameStack(
        views={
            "fit": {"x": X_PLOT, "y": curves},
            "coef": {"j": np.arange(1, degree + 1, dtype=float), "w": w},
        },
        values={"lam": lams, "R": radius, "train_error": train_error},
        texts={"label": label, "readout": readout},
    )


COEF_AXIS_FROM_LAMBDA = 1e-6
"""The coefficient axis fits the bars of every λ from here up (below, they run off it)."""


def _coef_range(stack: FrameStack) -> tuple[float, float]:
    # Near λ = 0 the weights of a degree-9 fit reach ~1e3; an axis fitted to them would
    # flatten every other frame's bars, so the tiniest λ are let run off the chart.
    keep = np.asarray(stack.values["lam"]) >= COEF_AXIS_FROM_LAMBDA
    bound = 1.05 * float(np.max(np.abs(stack.views["coef"]["w"][keep])))
    return -bound, bound


def build_page(lang: Language, *, live: bool = True,
               state: dict[str, str] | None = None) -> pn.viewable.Viewable:
    """Build the demo page: degree buttons, a λ slider, the fit and its coefficients, linked."""
    x, y = sin_data()
    degree = DEGREES[-1]
    stack = demo_frames(degree, lang, x=x, y=y)
    start = stack.nearest("lam", 1e-3, log=True)
    scrub = Scrubber(stack, name="demo", index=start)

    fit = figure(title=translate("plot.fit", lang), width=520, height=360,
                 x_range=Range1d(-0.02, 1.02), y_range=Range1d(-1.6, 1.6),
                 tools="pan,box_zoom,reset,save", name="demo.fit_plot")
    fit.xaxis.axis_label = translate("axis.x", lang)
    fit.yaxis.axis_label = translate("axis.y", lang)
    fit.line(X_PLOT, np.sin(2 * np.pi * X_PLOT), color="#2ca02c", line_width=2, alpha=0.7,
             legend_label=translate("legend.truth", lang))
    fit.line("x", "y", source=scrub.sources["fit"], color="#d62728", line_width=3,
             legend_label=translate("legend.fit", lang))
    fit.scatter(x, y, size=9, fill_color="white", line_color="#1f77b4", line_width=2,
                legend_label=translate("legend.data", lang))
    fit.toolbar.logo = None
    fit.legend.location = "bottom_left"
    fit.legend.background_fill_alpha = 0.7

    low, high = _coef_range(stack)
    coef = figure(title=translate("plot.coefficients", lang), width=420, height=360,
                  x_range=Range1d(0.4, degree + 0.6), y_range=Range1d(low, high),
                  tools="pan,box_zoom,reset,save", name="demo.coef_plot")
    coef.toolbar.logo = None
    coef.xaxis.axis_label = translate("axis.coef_index", lang)
    coef.yaxis.axis_label = translate("axis.coef_value", lang)
    coef.vbar(x="j", top="w", width=0.7, source=scrub.sources["coef"], color="#9467bd")

    slider = scrub.slider("label", title=translate("axis.lambda", lang),
                          aria_label=translate("control.lambda.aria", lang), width=420)
    readout = scrub.readout("readout", styles={"font-size": "15px"}, width=620, margin=(5, 10))

    degree_choice = pn.widgets.RadioButtonGroup(
        label=translate("control.degree", lang), options={f"M = {d}": d for d in DEGREES},
        value=degree, disabled=not live,
    )

    def recompute(event: object) -> None:
        new = demo_frames(degree_choice.value, lang, x=x, y=y)
        scrub.update(new)  # same λ grid, so the same index keeps λ
        coef.x_range.update(start=0.4, end=degree_choice.value + 0.6)
        coef.y_range.update(**dict(zip(("start", "end"), _coef_range(new), strict=True)))

    degree_choice.param.watch(recompute, "value")

    objective = pn.pane.LaTeX(
        r"$$E(\mathbf{w}, b) = \sum_{n=1}^{N} \Bigl(y_n - b - \sum_{j=1}^{M} w_j x_n^{j}"
        r"\Bigr)^2 + \lambda \sum_{j=1}^{M} w_j^2$$",
        renderer="mathjax", styles={"font-size": "16px"},
    )
    return pn.Column(
        pn.pane.Markdown(f"## {translate('page.demo.title', lang)}\n\n"
                         f"{translate('page.demo.intro', lang)}", sizing_mode="stretch_width"),
        pn.pane.Markdown(translate("page.demo.objective", lang), margin=(0, 10)),
        objective,
        pn.Row(pn.Column(pn.pane.Markdown(translate("control.degree", lang), margin=(0, 10)),
                         degree_choice), slider),
        readout,
        pn.Row(fit, coef),
        sizing_mode="stretch_width",
    )


PAGE = PageInfo(slug="demo", title_key="page.demo.title", order=90, build=build_page)
