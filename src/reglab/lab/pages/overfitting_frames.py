r"""Frames of the page "Overfitting and regularization": pure functions, no Panel or Bokeh.

The page fits the lecture's toy data ``y_n = f(x_n) + ε_n`` (:func:`reglab.datasets.sin_curve`,
evenly spaced ``x_n`` on [0, 1]) with a polynomial of degree M in one of four bases
(:class:`reglab.bases.PolynomialBasis`) by minimizing

.. math::

    E(w, b) = \sum_{n=1}^{N} \Bigl(y_n - b - \sum_{j=1}^{M} w_j \phi_j(x_n)\Bigr)^2
              + \lambda P(w),

with the intercept ``b`` unpenalized and ``P`` one of ``L2`` (``Σ v_j w_j²``), ``L1``
(``Σ v_j |w_j|``), the elastic net (``Σ v_j (α|w_j| + (1-α)/2 w_j²)``) or ``Lp``
(``Σ v_j |w_j|^p``). The penalty factors ``v_j = j^γ`` shrink the higher terms harder when
``γ > 0`` (``γ = 0``: uniform). Every solution comes from :func:`reglab.paths.fit_path`: the
exact ridge path from one SVD (L2), the exact lasso homotopy (L1), warm-started solves with
their certificates otherwise (elastic net, Lp). Without a penalty the page shows the
least-squares fit alone.

A frame is one stop of the λ cursor: the λ = 0 end (least squares; the minimum-norm solution
when it is not unique) followed by :data:`N_STOPS` values of λ, log-spaced and increasing
(:func:`lambda_stops`). :func:`compute` returns the frames (a :class:`FrameStack`) with what
the page draws once per problem (the data, the true curve, the error and path curves, fixed
axis ranges, notes); :func:`compute_frames` returns the stack alone. :func:`code_snippet`
writes the Python code that reproduces a frame with reglab's public API.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from reglab._validation import ReglabInputError
from reglab.bases import BASIS_KINDS, PolynomialBasis, condition_number
from reglab.datasets import TRUE_CURVES, sin_curve, sin_curve_test, true_curve
from reglab.lab.controls import Field, distinct_labels
from reglab.lab.frames import FrameStack
from reglab.lab.i18n import Language, format_number, translate
from reglab.paths import GridPath, LassoPath, RegularizationPath, RidgePath, fit_path
from reglab.penalties import L1, L2, ElasticNet, Lp, Penalty

__all__ = [
    "DOMAIN",
    "N_GRID",
    "N_STOPS",
    "N_TEST",
    "PENALTIES",
    "SPEC",
    "OverfittingView",
    "State",
    "code_snippet",
    "compute",
    "compute_frames",
    "lambda_stops",
    "make_penalty",
    "penalty_weights",
]

PENALTIES: tuple[str, ...] = ("none", "l2", "l1", "enet", "lp")
"""The penalty choices: none (least squares), L2, L1, elastic net, Lp."""

DOMAIN = (0.0, 1.0)
"""The interval of the inputs; the mapped bases send it onto [-1, 1]."""

DESIGN = "grid"
"""Training inputs evenly spaced on :data:`DOMAIN`, as in the lecture (Bishop, Fig. 1.2)."""

N_TEST = 100
"""Size of the test sample (independent draw of the same seed, uniform inputs)."""

N_GRID = 301
"""Points of the x grid the curves are drawn on."""

N_STOPS = 120
"""Positive λ stops of the cursor (the λ = 0 end makes one more frame)."""

SPEC: Mapping[str, Field] = MappingProxyType({
    "n": Field(int, 10, 2, 200),
    "noise": Field(float, 0.3, 0.0, 2.0),
    "seed": Field(int, 5, 0, 999_999),
    "curve": Field(str, "sin", choices=tuple(TRUE_CURVES)),
    "degree": Field(int, 9, 0, 30),
    "basis": Field(str, "monomial", choices=BASIS_KINDS),
    "penalty": Field(str, "l2", choices=PENALTIES),
    "l1_ratio": Field(float, 0.5, 0.0, 1.0),
    "p": Field(float, 0.5, 0.2, 4.0),
    "gamma": Field(float, 0.0, 0.0, 4.0),
})
"""Every control of the page that changes the problem: type, bounds and default, once.

``n`` samples, ``noise`` σ, ``seed``, true ``curve``, ``degree`` M, ``basis``, ``penalty``,
the elastic net's ``l1_ratio`` α, the exponent ``p`` of Lp, and ``gamma`` γ of the penalty
factors ``v_j = j^γ``. (The λ cursor is the page's, not the problem's: see the page.)
"""


@dataclass(frozen=True)
class State:
    """The problem the page shows; each field is checked against :data:`SPEC`.

    Raises
    ------
    ReglabInputError
        If a field breaks its rule (``degree: must be an integer in [0, 30]; got 31``).
    """

    n: int = SPEC["n"].default
    noise: float = SPEC["noise"].default
    seed: int = SPEC["seed"].default
    curve: str = SPEC["curve"].default
    degree: int = SPEC["degree"].default
    basis: str = SPEC["basis"].default
    penalty: str = SPEC["penalty"].default
    l1_ratio: float = SPEC["l1_ratio"].default
    p: float = SPEC["p"].default
    gamma: float = SPEC["gamma"].default

    def __post_init__(self) -> None:
        for item in fields(self):
            object.__setattr__(self, item.name,
                               SPEC[item.name].check(item.name, getattr(self, item.name)))

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> State:
        """Build a state from ``values`` (names of :data:`SPEC`; others are ignored)."""
        return cls(**{k: v for k, v in values.items() if k in SPEC})

    def changed(self, **changes: Any) -> State:
        """Return a copy with ``changes`` applied (checked, like the constructor)."""
        return replace(self, **changes)

    def query(self) -> dict[str, str]:
        """Return the state as URL query parameters (every field; floats exactly)."""
        return {name: SPEC[name].format(value) for name, value in asdict(self).items()}

    @property
    def has_penalty(self) -> bool:
        """Whether there is a λ to move (a penalty and at least one coefficient)."""
        return self.penalty != "none" and self.degree > 0


# -------------------------------------------------------------------------------------------
# The problem
# -------------------------------------------------------------------------------------------
def penalty_weights(degree: int, gamma: float) -> np.ndarray | None:
    """Penalty factors ``v_j = j^γ`` for ``j = 1..M``; ``None`` (uniform) when ``γ = 0``."""
    if gamma == 0:
        return None
    return np.arange(1, degree + 1, dtype=float) ** float(gamma)


def make_penalty(state: State) -> Penalty | None:
    """Return the :mod:`reglab.penalties` object of ``state`` (``None``: no penalty)."""
    weights = penalty_weights(state.degree, state.gamma)
    if state.penalty == "none":
        return None
    if state.penalty == "l2":
        return L2(weights)
    if state.penalty == "l1":
        return L1(weights)
    if state.penalty == "enet":
        return ElasticNet(state.l1_ratio, weights)
    return Lp(state.p, weights)


def _data(state: State) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    options = dict(x_range=DOMAIN, true_function=state.curve)
    x, y = sin_curve(state.n, state.noise, seed=state.seed, design=DESIGN, **options)
    x_test, y_test = sin_curve_test(N_TEST, state.noise, seed=state.seed, design="uniform",
                                    **options)
    return x, y, x_test, y_test


def _basis(state: State) -> PolynomialBasis:
    return PolynomialBasis(state.degree, state.basis,
                           None if state.basis == "monomial" else DOMAIN)


def _singular_values(X: np.ndarray) -> np.ndarray:
    """Nonzero singular values of the centred design (what the path with intercept sees)."""
    if X.shape[1] == 0:
        return np.zeros(0)
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    # numpy.linalg.lstsq's cut: below max(n, p) eps s_max a singular value counts as zero
    return s[s > s[0] * max(X.shape) * np.finfo(float).eps] if s[0] > 0 else np.zeros(0)


def lambda_stops(X: np.ndarray, y: np.ndarray, penalty: Penalty) -> np.ndarray:
    """Return the page's positive λ stops for the design ``X`` (features only), increasing.

    :data:`N_STOPS` values, log-spaced from ``bottom`` to ``top``:

    * ``top`` is the penalty's ``λ_max`` (the smallest λ with ``w = 0``: L1, elastic net)
      when it is finite, else ``100 s_max²`` (L2, Lp), where every coefficient has shrunk
      to about 1 % of ``X^T y / s_max²``;
    * ``bottom`` is ``s_min² / 100`` (``s`` the nonzero singular values of the centred
      design), where ridge is within 1 % of least squares in every direction, kept within
      14 decades of ``top`` for ridge (8 for the lasso, 6 for the warm-started penalties,
      whose solvers slow down and stop certifying near λ = 0 on ill-conditioned designs)
      and at least 4 decades below it.
    """
    s = _singular_values(X)
    if s.size == 0:
        return np.geomspace(1e-4, 1.0, N_STOPS)
    yc = y - y.mean()
    Xc = X - X.mean(axis=0)
    lam_max = penalty.lam_max(2.0 * Xc.T @ yc)
    top = lam_max if math.isfinite(lam_max) and lam_max > 0 else 100.0 * s[0] ** 2
    ridge = isinstance(penalty, L2) or (isinstance(penalty, Lp) and penalty.p == 2)
    lasso = isinstance(penalty, L1) or (isinstance(penalty, Lp) and penalty.p == 1)
    # Ridge shrinks smoothly down to s_min², which is tiny for high monomial degrees; the
    # lasso has reached least squares well before (its last breakpoint), and the warm-started
    # solvers slow down and stop certifying near λ = 0 on ill-conditioned designs.
    decades = 14.0 if ridge else (8.0 if lasso else 6.0)
    bottom = min(max(s[-1] ** 2 / 100.0, top * 10.0**-decades), top * 1e-4)
    return np.geomspace(bottom, top, N_STOPS)


def _fit(state: State, X: np.ndarray, y: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list, RegularizationPath | None]:
    """Solutions at every frame: ``(lams, coefs, intercepts, certificates, path)``.

    Frame 0 is λ = 0; frames 1.. are :func:`lambda_stops`, increasing. Without a penalty
    (or with no coefficient) there is only frame 0, the (minimum-norm) least squares.
    """
    penalty = make_penalty(state)
    if state.degree == 0:
        return (np.zeros(1), np.zeros((1, 0)), np.array([float(np.mean(y))]), [None], None)
    if penalty is None:
        # The λ = 0 end of the ridge path is the minimum-norm least-squares solution.
        path = fit_path(X, y, L2(), lams=[1.0])
        w0 = path.coef_std_at(0.0)[0]
        coef, intercept = path.design.to_user_scale(w0)
        return (np.zeros(1), coef[None, :], np.array([float(intercept)]),
                [path.certificate(0.0, w0)], path)
    stops = lambda_stops(X, y, penalty)
    path = fit_path(X, y, penalty, lams=stops)
    # path.lams runs downward; frames run upward after the λ = 0 end.
    w0 = path.coef_std_at(0.0)[0]
    coefs_std = np.vstack([w0, path.coefs_std[::-1]])
    coefs, intercepts = path.design.to_user_scale(coefs_std)
    certificates = [path.certificate(0.0, w0), *path.certificates[::-1]]
    lams = np.concatenate([[0.0], path.lams[::-1]])
    return lams, np.asarray(coefs), np.atleast_1d(intercepts), certificates, path


# -------------------------------------------------------------------------------------------
# What the page shows
# -------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class OverfittingView:
    """Everything the page draws for one problem: the frames and the per-problem pictures.

    Attributes
    ----------
    state : State
    stack : FrameStack
        Views ``fit`` (x, y), ``coef`` (j, w, zero, mag, zero_log), ``errdot`` (x, y: the two
        cursor dots on the error plot) and ``pathdot`` (x, y: one dot per coefficient on the
        path plot); values ``lam``, ``lam_x`` (where λ sits on the log axes; the λ = 0 end
        sits one decade left of the smallest stop), ``R``, ``rss``, ``penalty_value``,
        ``objective``, ``train_rmse``, ``test_rmse``, ``nonzero``, ``certificate``,
        ``certified`` (1 or 0); texts ``lam_label``, ``R_label``, ``readout`` (HTML).
    x, y, x_test, y_test : ndarray
        Training and test samples.
    x_grid, truth : ndarray
        The true curve on the plot grid.
    lams, lam_x : ndarray of shape (n_frames,)
        λ of each frame and its position on the log axes.
    coefs, intercepts : ndarray
        ``w`` of each frame, shape ``(n_frames, M)``, and ``b``.
    train_rmse, test_rmse : ndarray of shape (n_frames,)
        ``sqrt(mean((y - f(x))²))`` on the training and the test sample.
    condition : float
        2-norm condition number of ``[1, φ_1(x) .. φ_M(x)]`` on the training inputs.
    notes : tuple of str
        Translated notes about this problem (no penalty, M ≥ N, ill-conditioned, p < 1,
        uncertified frames).
    start : int
        The frame with the lowest test error (where the page starts by default).
    ranges : dict of str to (float, float)
        Fixed axis ranges: ``y`` (fit), ``coef`` (linear bars and path), ``coef_log``
        (``|w_j|`` on a log axis), ``lam_x`` (log λ axis), ``error``.
    path_kind : str
        ``"none"``, ``"ridge"`` (exact SVD path), ``"lasso"`` (exact homotopy) or ``"grid"``.
    """

    state: State
    stack: FrameStack
    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_grid: np.ndarray
    truth: np.ndarray
    lams: np.ndarray
    lam_x: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    train_rmse: np.ndarray
    test_rmse: np.ndarray
    condition: float
    notes: tuple[str, ...]
    start: int
    ranges: Mapping[str, tuple[float, float]]
    path_kind: str
    feature_names: tuple[str, ...]

    def coef_range(self, index: int) -> tuple[float, float]:
        """Range of the linear coefficient axis when the page shows frame ``index`` first.

        It holds the frames from ``min(index, start)`` up: the shown frame and every larger
        λ (``ranges["coef"]`` is the one for ``index = start``).
        """
        return _coef_range(self.coefs, min(int(index), self.start))


def _path_kind(path: RegularizationPath | None, state: State) -> str:
    if not state.has_penalty:
        return "none"
    if isinstance(path, RidgePath):
        return "ridge"
    if isinstance(path, LassoPath):
        return "lasso"
    assert isinstance(path, GridPath)
    return "grid"


def _radius_name(state: State) -> str:
    """How R is measured, for the readout (plain text)."""
    if not state.has_penalty or state.penalty == "l2":
        return "‖w‖₂"
    if state.penalty == "l1":
        return "‖w‖₁"
    if state.penalty == "lp":
        return f"‖w‖_{format_number(state.p)}"
    return ""


def _readouts(state: State, lang: Language, lams, R, rss, pen, objective, train, test,
              nonzero, certificates) -> list[str]:
    """One HTML readout per frame: the objective with its numbers and the certificate."""
    fmt = format_number
    radius = _radius_name(state)
    out = []
    for k, lam in enumerate(lams):
        lines = []
        if state.has_penalty:
            lines.append(translate(
                "page.overfitting.readout.objective", lang, lam=fmt(lam), rss=fmt(rss[k]),
                P=fmt(pen[k]), E=fmt(objective[k])))
            radius_text = translate("page.overfitting.readout.radius", lang,
                                    name=f"{radius} = " if radius else "", R=fmt(R[k]))
            if lam == 0:
                radius_text += " — " + translate("page.overfitting.readout.inactive", lang)
            lines.append(radius_text)
        else:
            lines.append(translate("page.overfitting.readout.least_squares", lang,
                                   rss=fmt(rss[k]), name=radius, R=fmt(R[k])))
        lines.append(translate("page.overfitting.readout.errors", lang, train=fmt(train[k]),
                               test=fmt(test[k]), nonzero=int(nonzero[k]),
                               M=state.degree))
        text = "<br>".join(html.escape(line) for line in lines)
        certificate = certificates[k]
        if certificate is None:
            status = html.escape(translate("page.overfitting.readout.no_certificate", lang))
            text += f"<br>{status}"
        else:
            kind = (translate(f"page.overfitting.certificate.{certificate.kind}", lang)
                    if certificate.kind in ("kkt", "duality_gap") else certificate.kind)
            detail = translate("page.overfitting.readout.certificate", lang, kind=kind,
                               value=fmt(certificate.value), tol=fmt(certificate.tol))
            if certificate.ok:
                verdict = ('<span class="reglab-certified">'
                           + html.escape(translate("page.overfitting.readout.certified", lang))
                           + "</span>")
            else:
                verdict = ('<span class="reglab-uncertified" style="color:#b3261e;'
                           'font-weight:600">'
                           + html.escape(translate("page.overfitting.readout.uncertified",
                                                   lang))
                           + "</span>")
            text += f"<br>{html.escape(detail)} {verdict}"
        out.append(text)
    return out


def _coef_range(coefs: np.ndarray, first: int) -> tuple[float, float]:
    """Symmetric range holding the coefficients of frames ``first`` and above (larger λ)."""
    keep = coefs[first:] if coefs.shape[1] else np.zeros((1, 1))
    bound = float(np.max(np.abs(keep))) if keep.size else 0.0
    bound = 1.1 * bound if bound > 0 else 1.0
    return -bound, bound


def _ranges(view: dict[str, Any]) -> dict[str, tuple[float, float]]:
    y_all = np.concatenate([view["y"], view["y_test"], view["truth"]])
    low, high = float(y_all.min()), float(y_all.max())
    pad = 0.15 * (high - low if high > low else 1.0)
    ranges = {"y": (low - pad, high + pad)}
    coefs, start = view["coefs"], view["start"]
    # Near λ = 0 the coefficients of a high degree reach 10^5 and more; an axis fitted to them
    # would flatten every other frame, so the linear axis fits the frames from the best λ
    # (lowest test error) upward, and the log-magnitude view shows the rest.
    ranges["coef"] = _coef_range(coefs, start)
    magnitude = np.abs(coefs[coefs != 0])
    if magnitude.size:
        top = float(magnitude.max()) * 3.0
        bottom = max(float(magnitude.min()), top * 1e-16) / 3.0
    else:
        top, bottom = 1.0, 1e-3
    ranges["coef_log"] = (bottom, top)
    lam_x = view["lam_x"]
    ranges["lam_x"] = (float(lam_x.min()) / 10**0.25, float(lam_x.max()) * 10**0.25)
    # The test error near λ = 0 can be huge: the axis shows it up to 4x the best one (the
    # marker of a frame beyond sits at the top edge; its readout gives the number).
    train, test = view["train_rmse"], view["test_rmse"]
    best = float(test[start])
    top = max(float(train.max()), float(test[start:].max()), min(float(test.max()), 4.0 * best),
              2.0 * best)
    ranges["error"] = (0.0, 1.1 * top if top > 0 else 1.0)
    return ranges


def _notes(state: State, lang: Language, condition: float, certificates: list,
           path: RegularizationPath | None) -> tuple[str, ...]:
    notes = []
    if state.degree == 0:
        notes.append(translate("page.overfitting.note.degree0", lang))
    elif state.penalty == "none":
        notes.append(translate("page.overfitting.note.none", lang))
    if state.degree >= state.n:
        key = "min_norm_lasso" if isinstance(path, LassoPath) else "min_norm"
        notes.append(translate(f"page.overfitting.note.{key}", lang, M=state.degree,
                               N=state.n))
    if 1e10 < condition < math.inf:  # κ = ∞ when M >= N: the note above covers it
        notes.append(translate("page.overfitting.note.ill_conditioned", lang,
                               kappa=format_number(condition)))
    if state.penalty == "lp" and state.p < 1 and state.degree > 0:
        notes.append(translate("message.nonconvex", lang))
    failed = sum(1 for c in certificates if c is not None and not c.ok)
    if failed:
        notes.append(translate("page.overfitting.note.uncertified", lang, count=failed,
                               total=len(certificates)))
        if 1e6 < condition <= 1e10 and state.basis in ("monomial", "scaled"):
            notes.append(translate("page.overfitting.note.try_orthogonal", lang,
                                   kappa=format_number(condition)))
    return tuple(notes)


def compute(state: State, lang: Language) -> OverfittingView:
    """Compute every frame of ``state`` and the per-problem pictures (see the module doc)."""
    x, y, x_test, y_test = _data(state)
    basis = _basis(state)
    X, X_test = basis.transform(x), basis.transform(x_test)
    x_grid = np.linspace(*DOMAIN, N_GRID)
    X_grid = basis.transform(x_grid)
    lams, coefs, intercepts, certificates, path = _fit(state, X, y)

    # Predictions of every frame at once: rows are frames.
    fitted = intercepts[:, None] + coefs @ X.T
    predicted = intercepts[:, None] + coefs @ X_test.T
    curves = intercepts[:, None] + coefs @ X_grid.T
    residual = y[None, :] - fitted
    rss = np.einsum("fn,fn->f", residual, residual)
    train_rmse = np.sqrt(rss / state.n)
    test_rmse = np.sqrt(np.mean((y_test[None, :] - predicted) ** 2, axis=1))
    penalty = make_penalty(state) or L2()
    if state.degree:
        pen = np.array([penalty.value(w) for w in coefs])
        R = np.array([penalty.radius(w) for w in coefs])
    else:
        pen, R = np.zeros(lams.size), np.zeros(lams.size)
    objective = rss + np.where(lams > 0, lams * pen, 0.0)
    nonzero = np.count_nonzero(coefs, axis=1)

    positive = lams[lams > 0]
    zero_x = float(positive.min()) / 10.0 if positive.size else 1.0
    lam_x = np.where(lams > 0, lams, zero_x)
    start = int(np.argmin(test_rmse))

    M = state.degree
    j = np.arange(1, M + 1, dtype=float)
    is_zero = coefs == 0
    magnitude = np.where(is_zero, np.nan, np.abs(coefs))
    pieces = {"y": y, "y_test": y_test, "truth": true_curve(x_grid, state.curve,
                                                            x_range=DOMAIN),
              "coefs": coefs, "start": start, "lam_x": lam_x,
              "train_rmse": train_rmse, "test_rmse": test_rmse}
    ranges = _ranges(pieces)
    floor = ranges["coef_log"][0] * 1.6
    readout = _readouts(state, lang, lams, R, rss, pen, objective, train_rmse, test_rmse,
                        nonzero, certificates)
    ok = np.array([1.0 if (c is None or c.ok) else 0.0 for c in certificates])
    certificate_value = np.array([0.0 if c is None else float(c.value) for c in certificates])
    stack = FrameStack(
        views={
            "fit": {"x": x_grid, "y": curves},
            "coef": {
                "j": j,
                "w": coefs,
                "zero": np.where(is_zero, 0.0, np.nan),
                "mag": magnitude,
                "zero_log": np.where(is_zero, floor, np.nan),
            },
            "errdot": {"x": np.repeat(lam_x[:, None], 2, axis=1),
                       "y": np.minimum(np.column_stack([train_rmse, test_rmse]),
                                       ranges["error"][1] * 0.985)},
            "pathdot": {"x": np.repeat(lam_x[:, None], M, axis=1), "y": coefs},
        },
        values={"lam": lams, "lam_x": lam_x, "R": R, "rss": rss, "penalty_value": pen,
                "objective": objective, "train_rmse": train_rmse, "test_rmse": test_rmse,
                "nonzero": nonzero.astype(float), "certificate": certificate_value,
                "certified": ok},
        texts={"lam_label": distinct_labels(lams), "R_label": distinct_labels(R),
               "readout": readout},
    )
    condition = condition_number(X)
    return OverfittingView(
        state=state, stack=stack, x=x, y=y, x_test=x_test, y_test=y_test, x_grid=x_grid,
        truth=pieces["truth"], lams=lams, lam_x=lam_x, coefs=coefs, intercepts=intercepts,
        train_rmse=train_rmse, test_rmse=test_rmse, condition=condition,
        notes=_notes(state, lang, condition, certificates, path), start=start,
        ranges=MappingProxyType(ranges), path_kind=_path_kind(path, state),
        feature_names=basis.feature_names,
    )


def compute_frames(state: State, lang: Language) -> FrameStack:
    """Return the frames of ``state`` (:func:`compute`): the λ = 0 end, then each stop."""
    return compute(state, lang).stack


# -------------------------------------------------------------------------------------------
# Show code
# -------------------------------------------------------------------------------------------
_PENALTY_CODE = {
    "l2": "L2({weights})",
    "l1": "L1({weights})",
    "enet": "ElasticNet({l1_ratio!r}{sep}{weights})",
    "lp": "Lp({p!r}{sep}{weights})",
}


def code_snippet(state: State, lam: float) -> str:
    """Python code, using reglab's public API, that reproduces the frame of ``state`` at ``lam``.

    Running it defines ``w`` (the coefficients), ``b`` (the intercept), ``lam``, ``R``,
    ``E`` (the objective), ``certified``, ``train_rmse`` and ``test_rmse`` with the numbers
    the page shows, prints them and draws the data with the fitted and the true curves.
    ``lam`` must be one of the frames' λ (the page passes the shown frame's, exactly).
    """
    lam = float(lam)
    if not (math.isfinite(lam) and lam >= 0):
        raise ReglabInputError("lam", "must be a finite number >= 0", lam)
    domain = "None" if state.basis == "monomial" else repr(DOMAIN)
    lines = [
        "import matplotlib.pyplot as plt",
        "import numpy as np",
        "",
        "from reglab.bases import PolynomialBasis",
        "from reglab.datasets import sin_curve, sin_curve_test, true_curve",
        "from reglab.paths import fit_path",
        "from reglab.penalties import ElasticNet, L1, L2, Lp",
        "",
        f"curve, sigma, seed = {state.curve!r}, {state.noise!r}, {state.seed!r}",
        f"x, y = sin_curve({state.n}, sigma, seed=seed, design={DESIGN!r}, "
        "true_function=curve)",
        f"x_test, y_test = sin_curve_test({N_TEST}, sigma, seed=seed, design='uniform', "
        "true_function=curve)",
        f"basis = PolynomialBasis({state.degree}, {state.basis!r}, {domain})",
        "X = basis.transform(x)",
    ]
    if state.has_penalty:
        weights = ("" if state.gamma == 0
                   else f"weights=np.arange(1, {state.degree + 1}) ** {state.gamma!r}")
        sep = ", " if weights else ""
        penalty = _PENALTY_CODE[state.penalty].format(weights=weights, sep=sep,
                                                      l1_ratio=state.l1_ratio, p=state.p)
        x, y = _data(state)[:2]
        stops = lambda_stops(_basis(state).transform(x), y, make_penalty(state))
        lines += [
            f"penalty = {penalty}",
            "# the page's λ stops (warm-started paths follow them from large λ down)",
            f"lams = np.geomspace({float(stops[0])!r}, {float(stops[-1])!r}, {N_STOPS})",
            "path = fit_path(X, y, penalty, lams=lams)",
            f"lam = {lam!r}",
        ]
    elif state.degree > 0:
        lines += [
            "# no penalty: least squares, the λ = 0 end of the ridge path (minimum norm)",
            "path = fit_path(X, y, L2(), lams=[1.0])",
            "lam = 0.0",
        ]
    if state.degree > 0:
        lines += [
            "sol = path.solution(lam=lam)",
            "w, b = sol.coef, sol.intercept",
            "R, E, certified = sol.R, sol.objective, sol.certified",
        ]
    else:
        lines += [
            "# degree 0: the fit is the intercept alone, the mean of y",
            "w, b = np.zeros(0), float(np.mean(y))",
            "lam, R, certified = 0.0, 0.0, True",
            "E = float(np.sum((y - b) ** 2))",
        ]
    lines += [
        "",
        "def f(t):",
        "    return b + basis.transform(t) @ w",
        "",
        "train_rmse = np.sqrt(np.mean((y - f(x)) ** 2))",
        "test_rmse = np.sqrt(np.mean((y_test - f(x_test)) ** 2))",
        'print("w =", w, " b =", b)',
        'print(f"λ = {lam:.6g}, R = {R:.6g}, E = {E:.6g}, certified: {certified}")',
        'print(f"RMS error: training {train_rmse:.4g}, test {test_rmse:.4g}")',
        "",
        "grid = np.linspace(0, 1, 301)",
        "fig, ax = plt.subplots()",
        "ax.plot(x, y, 'o', mfc='white', label='training data')",
        "ax.plot(grid, true_curve(grid, curve), label='true curve')",
        "ax.plot(grid, f(grid), label=f'fit, M = {basis.degree}')",
        "ax.set_ylim(-2, 2)",
        "ax.legend()",
        "plt.show()",
    ]
    return "\n".join(lines) + "\n"
