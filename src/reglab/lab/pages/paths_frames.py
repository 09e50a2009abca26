r"""Frames of the lab's "paths and model selection" page: the exact path and its K-fold CV.

For a data set ``X, y`` and a penalty ``P`` the page shows the whole regularization path of

.. math::

    E(w, b) = \sum_{n=1}^{N} (y_n - b - x_n^\top w)^2 + \lambda P(w),

(the intercept ``b`` unpenalized; with standardization on, ``x_n`` are the standardized
features and ``w`` their coefficients, which is what the penalty acts on) together with its
K-fold cross-validation error on the *same* λ grid: glmnet's ``cv.glmnet`` recipe of
:func:`reglab.selection.cross_validate`. The frames are the stops of that grid (the 100 λ of
:func:`reglab.paths.fit_path`, from ``λ_max`` down), so the CV curve's ``λ_min`` and ``λ_1se``
are frames exactly. Every frame carries the cursor's four faces -- λ, the radius
``R = P.radius(w(λ))`` of the constrained form, the shrinkage factor ``s = R / R_max`` and the
effective degrees of freedom ``df`` -- and the plots' horizontal coordinate ``x`` in the face the
user picked (``log10 λ``, ``R``, ``s`` or ``df``).

Everything here is pure (no Panel, no Bokeh): :func:`compute_view` returns the frames and the
static curves (path lines, CV curve with error bars, events, ticks and axis ranges) for a
:class:`State`; the numbers come from :func:`solve_problem`, cached on the part of the state that
changes the problem, so moving the cursor or switching the x axis never refits.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from reglab._validation import ReglabInputError
from reglab.bases import BASIS_KINDS, PolynomialBasis
from reglab.datasets import load_diabetes, load_prostate, make_toy
from reglab.design import Design
from reglab.lab.controls import KEYS, Field, distinct_labels, frame_for_lambda, read_query
from reglab.lab.frames import FrameStack
from reglab.lab.i18n import Language, format_number, translate
from reglab.paths import LassoPath, RegularizationPath, fit_path
from reglab.penalties import L1, L2, ElasticNet, Penalty
from reglab.selection import CVResult, cross_validate

__all__ = [
    "DATASETS",
    "ENET_CURVATURE_RATIO",
    "FIELDS",
    "LAM_FIELD",
    "N_LAMS",
    "PENALTIES",
    "XAXES",
    "PathsView",
    "Problem",
    "Solved",
    "State",
    "code_snippet",
    "compute_frames",
    "compute_view",
    "events_table",
    "grid_ends",
    "load_data",
    "make_penalty",
    "radius_symbol",
    "solve_problem",
    "x_coordinates",
]

DATASETS: tuple[str, ...] = ("prostate", "diabetes", "toy")
"""Data sets of the page: ESL's prostate training rows, Efron et al.'s diabetes, the toy curve."""

PENALTIES: tuple[str, ...] = ("l1", "l2", "enet")
"""Penalties: lasso (exact homotopy), ridge (exact SVD), elastic net (certified grid)."""

N_LAMS = 100
"""Frames per path: the stops of the λ grid."""

ENET_CURVATURE_RATIO = 1e-3
"""The elastic net's grid ends where its ridge part is this small next to ``2 X^T X``."""

XAXES: tuple[str, ...] = ("loglam", "R", "s", "df")
"""Horizontal coordinates of the path and CV plots: log10 λ, R, s = R / R_max, df."""


# ------------------------------------------------------------------------------------------
# The state: every control's type, bounds and default, declared once
# ------------------------------------------------------------------------------------------
FIELDS: Mapping[str, Field] = MappingProxyType({
    "dataset": Field(str, "prostate", choices=DATASETS),
    "standardize": Field(bool, True),
    "degree": Field(int, 9, 1, 15),
    "basis": Field(str, "legendre", choices=BASIS_KINDS),
    "n_samples": Field(int, 30, 10, 200),
    "noise": Field(float, 0.3, 0.0, 2.0),
    "data_seed": Field(int, 0, 0, 9999),
    "penalty": Field(str, "l1", choices=PENALTIES),
    "l1_ratio": Field(float, 0.5, 0.0, 1.0),
    "folds": Field(int, 5, 2, 20),
    "seed": Field(int, 0, 0, 9999),
    "xaxis": Field(str, "loglam", choices=XAXES),
})
"""The page's controls as URL query parameters (see :class:`State` for their meaning)."""

LAM_FIELD = Field(float, 1.0, 0.0, None)
"""The cursor's ``?lam=``: any λ >= 0 (the nearest frame in log λ is shown)."""


@dataclass(frozen=True)
class State:
    """The page's whole state; each field is the URL query parameter of the same name.

    Types, bounds and defaults are those of :data:`FIELDS`; the constructor checks them.

    Attributes
    ----------
    dataset : {"prostate", "diabetes", "toy"}
        ``prostate``: the 67 training rows of ESL's split (8 predictors); ``diabetes``: all
        442 rows (10 predictors); ``toy``: the lecture's ``sin(2πx)`` sample with polynomial
        features of degree ``degree`` in ``basis`` (domain: the sample's range).
    standardize : bool
        Penalize the coefficients of unit-variance features (ESL, glmnet).
    degree, basis, n_samples, noise, data_seed
        The toy data (ignored for the real data sets).
    penalty : {"l1", "l2", "enet"}
    l1_ratio : float
        Elastic-net mixing α in ``P(w) = α||w||_1 + (1 - α)/2 ||w||²`` (``penalty="enet"``).
    folds, seed
        K of K-fold cross-validation and the seed of the shuffle that assigns the folds.
    xaxis : {"loglam", "R", "s", "df"}
        Horizontal coordinate of the path and CV plots.
    lam : float or None
        The cursor's λ (the nearest frame is shown); ``None`` starts at ``λ_min``.
    """

    dataset: str = FIELDS["dataset"].default  # type: ignore[assignment]
    standardize: bool = FIELDS["standardize"].default  # type: ignore[assignment]
    degree: int = FIELDS["degree"].default  # type: ignore[assignment]
    basis: str = FIELDS["basis"].default  # type: ignore[assignment]
    n_samples: int = FIELDS["n_samples"].default  # type: ignore[assignment]
    noise: float = FIELDS["noise"].default  # type: ignore[assignment]
    data_seed: int = FIELDS["data_seed"].default  # type: ignore[assignment]
    penalty: str = FIELDS["penalty"].default  # type: ignore[assignment]
    l1_ratio: float = FIELDS["l1_ratio"].default  # type: ignore[assignment]
    folds: int = FIELDS["folds"].default  # type: ignore[assignment]
    seed: int = FIELDS["seed"].default  # type: ignore[assignment]
    xaxis: str = FIELDS["xaxis"].default  # type: ignore[assignment]
    lam: float | None = None

    def __post_init__(self) -> None:
        for name, spec in FIELDS.items():
            object.__setattr__(self, name, spec.check(name, getattr(self, name)))
        if self.lam is not None:
            object.__setattr__(self, "lam", LAM_FIELD.check("lam", self.lam))

    # -- the URL -----------------------------------------------------------------------------
    @classmethod
    def from_query(cls, query: Mapping[str, str] | None,
                   lang: Language) -> tuple[State, list[str]]:
        """Parse URL query parameters; bad or unknown entries keep the default.

        Returns the state and one translated line per entry that was not used
        (:func:`reglab.lab.controls.read_query`), for the page's message area.
        """
        values, problems = read_query(query, FIELDS, lang, ignore=("lang", "lam"))
        lam = None
        text = (query or {}).get("lam")
        if text is not None:
            try:
                lam = LAM_FIELD.parse("lam", text)
            except ReglabInputError:
                problems.append(translate(
                    KEYS["query_problem"], lang, name="lam", value=str(text)[:40],
                    rule=LAM_FIELD.rule_text(lang),
                    default=translate("page.paths.lam_min_default", lang)))
        return cls(**values, lam=lam), problems

    def to_query(self) -> dict[str, str]:
        """Return the state as URL query parameters (every field; ``lam`` only when set)."""
        out = {name: spec.format(getattr(self, name)) for name, spec in FIELDS.items()}
        if self.lam is not None:
            out["lam"] = LAM_FIELD.format(self.lam)
        return out

    # -- what changes the numbers ---------------------------------------------------------------
    def problem(self) -> Problem:
        """Return the part of the state that changes the numbers (irrelevant fields dropped)."""
        toy = self.dataset == "toy"
        return Problem(
            dataset=self.dataset,
            standardize=self.standardize,
            degree=self.degree if toy else 0,
            basis=self.basis if toy else "",
            n_samples=self.n_samples if toy else 0,
            noise=self.noise if toy else 0.0,
            data_seed=self.data_seed if toy else 0,
            penalty=self.penalty,
            l1_ratio=self.l1_ratio if self.penalty == "enet" else 0.0,
            folds=self.folds,
            seed=self.seed,
        )

    def replace(self, **changes: object) -> State:
        """Return a copy with ``changes`` (checked like the constructor)."""
        return replace(self, **changes)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# The numbers (cached on the problem)
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """The fields of :class:`State` that change the fit (hashable: the cache key)."""

    dataset: str
    standardize: bool
    degree: int
    basis: str
    n_samples: int
    noise: float
    data_seed: int
    penalty: str
    l1_ratio: float
    folds: int
    seed: int


@dataclass(frozen=True, eq=False)
class Solved:
    """A fitted problem: the data, the path on its default grid and the CV on that grid."""

    problem: Problem
    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    penalty: Penalty
    path: RegularizationPath
    cv: CVResult


def make_penalty(name: str, *, l1_ratio: float = 0.5) -> Penalty:
    """Return the :class:`~reglab.penalties.Penalty` called ``name`` in :data:`PENALTIES`."""
    if name == "l1":
        return L1()
    if name == "l2":
        return L2()
    if name == "enet":
        return ElasticNet(l1_ratio)
    raise ReglabInputError("penalty", f"must be one of {', '.join(PENALTIES)}", name)


def load_data(problem: Problem) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Return the design ``X``, target ``y`` and feature names of ``problem``'s data."""
    if problem.dataset == "prostate":
        data = load_prostate()
        X, y, _, _ = data.train_test()  # ESL's 67 training rows, as in its Fig. 3.10
        return X, y, data.feature_names
    if problem.dataset == "diabetes":
        data = load_diabetes()
        return data.X, data.y, data.feature_names
    toy = make_toy(problem.n_samples, problem.noise, seed=problem.data_seed)
    basis = PolynomialBasis.from_data(toy.x, problem.degree, problem.basis)
    return basis.transform(toy.x), toy.y, basis.feature_names


def grid_ends(X: np.ndarray, y: np.ndarray, penalty: Penalty, *,
              standardize: bool) -> tuple[float, float] | None:
    r"""Return the λ grid's ends ``(top, bottom)`` for a mixed elastic net, else ``None``.

    Ridge and lasso use :func:`reglab.paths.fit_path`'s default grid. The elastic net's
    default (``λ_max`` down to ``1e-4 λ_max``) can stop while its ridge part still shrinks
    hard: at ``λ`` the Hessian of ``λ P`` is ``λ (1 - α) I`` against ``2 X^T X`` for the
    squared error, so the path reaches the least-squares end only when
    ``λ (1 - α) << 2 σ_min²`` (``σ_min`` the smallest non-zero singular value of the
    centred, possibly standardized, design). The grid runs from ``λ_max`` (all coefficients
    zero) down to ``min(1e-4 λ_max, 1e-3 · 2 σ_min² / (1 - α))``, but at most ten decades.
    """
    if not isinstance(penalty, ElasticNet) or not 0.0 < penalty.l1_ratio < 1.0:
        return None
    design = Design.prepare(X, y, standardize=standardize)
    top = float(penalty.lam_max(2.0 * design.X.T @ design.y))
    if not (math.isfinite(top) and top > 0):
        return None  # y constant: the core's default grid handles it
    singular = np.linalg.svd(design.X, compute_uv=False)
    positive = singular[singular > singular[0] * max(design.X.shape) * np.finfo(float).eps]
    bottom = 1e-4 * top
    if positive.size:
        curvature = ENET_CURVATURE_RATIO * 2.0 * float(positive[-1]) ** 2
        bottom = min(bottom, curvature / (1.0 - penalty.l1_ratio))
    return top, max(bottom, 1e-10 * top)


@lru_cache(maxsize=16)
def solve_problem(problem: Problem) -> Solved:
    """Fit the path of ``problem`` on its default λ grid and cross-validate on that grid.

    The path is :func:`reglab.paths.fit_path` (exact SVD for ridge, exact homotopy for the
    lasso, certified warm-started solves otherwise); the CV is
    :func:`reglab.selection.cross_validate` with ``lams=path.lams``, so its λ_min and λ_1se
    are points of the path's grid. Cached: the result is shared, treat it as read-only.

    Raises
    ------
    ReglabInputError
        From the core, e.g. more folds than rows.
    """
    X, y, names = load_data(problem)
    penalty = make_penalty(problem.penalty, l1_ratio=problem.l1_ratio)
    ends = grid_ends(X, y, penalty, standardize=problem.standardize)
    lams = None if ends is None else np.geomspace(*ends, N_LAMS)
    path = fit_path(X, y, penalty, standardize=problem.standardize, feature_names=names,
                    lams=lams, n_lams=N_LAMS)
    cv = cross_validate(X, y, penalty, folds=problem.folds, seed=problem.seed,
                        standardize=problem.standardize, lams=path.lams, feature_names=names)
    # Touch the lazily computed grid quantities once, here, so that every later reader of
    # this shared object only reads.
    _ = path.coefs_std, path.R, path.df, path.nonzero, path.certificates
    return Solved(problem, X, y, tuple(names), penalty, path, cv)


# ------------------------------------------------------------------------------------------
# Frames and static curves
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PathsView:
    """Everything the page draws for a state.

    Attributes
    ----------
    frames : FrameStack
        One frame per λ of the path's grid, by *increasing* λ (frame ``i`` is
        ``path.lams[-1 - i]``), as :func:`reglab.lab.controls.lambda_cursor` expects. Views
        ``coef`` (``j``, ``name``; per frame ``w`` on the penalty's scale, ``w_user`` on the
        data's scale and ``x``, the cursor's coordinate, repeated) and ``cv_point`` (per frame
        ``x``, ``y`` = CV error, ``lower``/``upper`` = ± one standard error). Values ``lam``,
        ``R``, ``s``, ``df``, ``x``, ``nonzero``, ``cv_mean``, ``cv_se``, ``rss``,
        ``penalty_value``, ``objective``, ``kkt``, ``certified`` (1/0), ``is_min`` and
        ``is_1se`` (1 at λ_min / λ_1se). Texts ``lam_label``, ``R_label`` (slider stops),
        ``readout``, ``cv_readout``, ``objective_text``, ``certificate_text`` and
        ``coef_table`` (an HTML table of the frame's coefficients on both scales).
    lines : dict
        The path, one line per feature: ``xs``, ``ys`` (lists of arrays), ``name``. Grid
        points, plus the breakpoints of an exact lasso path (both one-sided df values there).
    cv_curve : dict of arrays
        ``x``, ``mean``, ``lower``, ``upper`` on the grid (decreasing λ, as in the CVResult).
    events : dict of lists
        Entering/leaving variables, by decreasing λ: ``lam``, ``x``, ``R``, ``feature``,
        ``action`` (translated); ``exact`` says whether they come from the homotopy (else
        they were seen between two grid points and are reported at the lower one).
    top_ticks : tuple of (positions, labels)
        Ticks of the top axis at the events (x coordinates) and the number of non-zero
        coefficients on the less-regularized side of each; labels of ticks too close to a
        labelled one are blank. Without events (ridge), the count at the two ends.
    x_range, coef_range, cv_range : (float, float)
        Fixed axis ranges.
    marks : dict
        ``lam_min``, ``lam_1se`` (x coordinates), ``one_se_level`` (CV error), and the frames
        ``index_min``, ``index_1se``.
    solved : Solved
    state : State
    start : int
        The frame of ``state.lam`` (nearest in log λ), or λ_min's.
    """

    frames: FrameStack
    lines: dict
    cv_curve: dict
    events: dict
    top_ticks: tuple[np.ndarray, list[str]]
    x_range: tuple[float, float]
    coef_range: tuple[float, float]
    cv_range: tuple[float, float]
    marks: dict
    solved: Solved
    state: State
    start: int


def x_coordinates(path: RegularizationPath, lams: np.ndarray, xaxis: str) -> np.ndarray:
    """Return the horizontal coordinate of the points of ``path`` at ``lams`` in ``xaxis``.

    ``log10 λ``; ``R = P.radius(w(λ))``; ``s = R / R_max``; ``df(λ)``. On the path's own grid
    these are exactly ``log10(path.lams)``, ``path.R``, ``path.s``, ``path.df``.
    """
    lams = np.asarray(lams, dtype=float)
    if xaxis == "loglam":
        return np.log10(lams)
    if lams is path.lams or (lams.shape == path.lams.shape and np.array_equal(lams, path.lams)):
        R, df = path.R, path.df
    else:
        R = np.array([path.penalty.radius(w) for w in _coefs_std_at(path, lams)])
        df = np.array([path.df_at(lam) for lam in lams])
    if xaxis == "R":
        return np.asarray(R, dtype=float)
    if xaxis == "s":
        return R / path.R_max if math.isfinite(path.R_max) and path.R_max > 0 else R * 0.0
    if xaxis == "df":
        return np.asarray(df, dtype=float)
    raise ReglabInputError("xaxis", f"must be one of {', '.join(XAXES)}", xaxis)


def _coefs_std_at(path: RegularizationPath, lams: np.ndarray) -> np.ndarray:
    if hasattr(path, "coefs_std_at"):  # the exact paths: closed form at any λ
        return path.coefs_std_at(lams)
    return np.array([path.coef_std_at(lam)[0] for lam in lams])


def _line_points(path: RegularizationPath, xaxis: str) -> tuple[np.ndarray, np.ndarray]:
    """Return x and coefficients of the drawn path: the grid, plus a lasso's breakpoints.

    A lasso path is linear in λ between breakpoints; drawn only through the grid its kinks
    would be cut. At a breakpoint its df (the number of non-zeros) jumps, so on the df axis
    the breakpoint appears twice, with the df just above and just below it: the path is the
    staircase it really is.
    """
    grid = path.lams
    if not isinstance(path, LassoPath):
        return x_coordinates(path, grid, xaxis), path.coefs_std
    knots = path.breakpoints[(path.breakpoints > grid.min()) & (path.breakpoints < grid.max())]
    lams = np.sort(np.concatenate([grid, knots, knots]))[::-1]
    coefs = path.coefs_std_at(lams)
    if xaxis != "df":
        return x_coordinates(path, lams, xaxis), coefs
    x = np.count_nonzero(coefs, axis=1).astype(float)
    # The two copies of each knot: the first (larger-λ side in the decreasing order) takes
    # the support just above the knot, the second the support just below.
    for knot in knots:
        first, second = np.flatnonzero(lams == knot)[:2]
        above = path.coefs_std_at([knot * (1 + 1e-9)])[0]
        below = path.coefs_std_at([knot * (1 - 1e-9)])[0]
        x[first], x[second] = np.count_nonzero(above), np.count_nonzero(below)
    return x, coefs


def _support_changes(path: RegularizationPath) -> tuple[np.ndarray, np.ndarray]:
    """λ of the events (decreasing, unique) and the number of non-zeros just below each."""
    lams = np.array(sorted({e.lam for e in path.events if e.lam > 0}, reverse=True))
    if lams.size == 0:
        return lams, np.zeros(0, dtype=int)
    if isinstance(path, LassoPath):
        # The support is constant between consecutive breakpoints: read it mid-segment.
        below = np.r_[lams[1:], min(float(path.lams.min()), lams[-1]) / 2]
        counts = np.count_nonzero(path.coefs_std_at(np.sqrt(lams * below)), axis=1)
    else:  # grid events are reported at the grid point where the change was seen
        index = {float(lam): i for i, lam in enumerate(path.lams)}
        counts = np.array([path.nonzero[index[float(lam)]] for lam in lams])
    return lams, counts


def _thin(positions: np.ndarray, labels: list[str], width: float, gap: float = 0.04) -> list[str]:
    """Blank the labels of ticks closer than ``gap * width`` to the last labelled one."""
    kept: list[str] = []
    last = -math.inf
    for position, label in sorted(zip(positions, labels, strict=True)):
        if position - last >= gap * width:
            kept.append(label)
            last = position
        else:
            kept.append("")
    order = np.argsort(positions, kind="stable")
    out = [""] * len(labels)
    for slot, label in zip(order, kept, strict=True):
        out[slot] = label
    return out


def _padded(low: float, high: float, pad: float = 0.03) -> tuple[float, float]:
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        center = low if math.isfinite(low) else 0.0
        return center - 0.5, center + 0.5
    margin = pad * (high - low)
    return low - margin, high + margin


def radius_symbol(penalty: Penalty) -> str:
    """Return how R is defined for ``penalty``, in plain text: ``‖w‖₁``, ``‖w‖₂``...

    For the elastic net, R is the radius where its ball meets a unit-weight axis:
    ``α R + (1 - α) R² / 2 = P(w)``.
    """
    if isinstance(penalty, L1):
        return "‖w‖₁"
    if isinstance(penalty, L2):
        return "‖w‖₂"
    if isinstance(penalty, ElasticNet):
        a = penalty.l1_ratio
        return f"{a:g}·R + {(1 - a) / 2:g}·R² = P(w)"
    return "P.radius(w)"


def compute_view(state: State, lang: Language) -> PathsView:
    """Frames and static curves for ``state`` in ``lang`` (see :class:`PathsView`).

    Raises
    ------
    ReglabInputError
        When the core refuses the problem (e.g. more folds than rows).
    """
    solved = solve_problem(state.problem())
    path, cv = solved.path, solved.cv
    n_frames, p = path.lams.size, len(solved.feature_names)
    # The core's grids decrease; the frames run the other way (see PathsView.frames).
    order = np.arange(n_frames)[::-1]
    lams = path.lams[order]
    R, s, df = (np.asarray(v, dtype=float)[order] for v in (path.R, path.s, path.df))
    x_grid = x_coordinates(path, path.lams, state.xaxis)
    x = x_grid[order]
    coefs_std, coefs_user = path.coefs_std[order], path.coefs[order]
    design = path.design
    residuals = design.y[None, :] - coefs_std @ design.X.T
    rss = np.einsum("ij,ij->i", residuals, residuals)
    penalty_value = np.array([path.penalty.value(w) for w in coefs_std])
    objective = rss + lams * penalty_value
    certificates = [path.certificates[i] for i in order]
    kkt = np.array([c.value for c in certificates])
    nonzero = np.asarray(path.nonzero, dtype=float)[order]
    cv_mean, cv_se = cv.mean_error[order], cv.se[order]
    index_min, index_1se = n_frames - 1 - cv.index_min, n_frames - 1 - cv.index_1se

    f = format_number
    symbol = radius_symbol(path.penalty)
    readout, cv_readout, objective_text, certificate_text = [], [], [], []
    for i in range(n_frames):
        readout.append(translate(
            "page.paths.readout.cursor", lang, lam=f(lams[i]), symbol=symbol, R=f(R[i]),
            s=f(s[i]), df=f(df[i]), nonzero=int(nonzero[i]), p=p))
        marker = ""
        if i == index_min:
            marker += translate("page.paths.readout.at_min", lang)
        if i == index_1se:
            marker += translate("page.paths.readout.at_1se", lang)
        cv_readout.append(translate(
            "page.paths.readout.cv", lang, folds=cv.folds, mean=f(cv_mean[i]),
            se=f(cv_se[i])) + marker)
        objective_text.append(translate(
            "page.paths.readout.objective", lang, rss=f(rss[i]), lam=f(lams[i]),
            penalty=f(penalty_value[i]), objective=f(objective[i])))
        key = ("page.paths.readout.certified" if certificates[i].ok
               else "page.paths.readout.uncertified")
        certificate_text.append(translate(
            key, lang, kind=translate(f"page.paths.certificate.{certificates[i].kind}", lang),
            value=f(kkt[i], 2), tol=f(certificates[i].tol, 2)))

    header = (translate("page.paths.table.feature", lang), translate("page.paths.table.w", lang),
              translate("page.paths.table.w_user", lang))
    coef_table = [_coef_table(header, solved.feature_names, coefs_std[i], coefs_user[i])
                  for i in range(n_frames)]

    frames = FrameStack(
        views={
            "coef": {
                "j": np.arange(1, p + 1, dtype=float),
                "name": np.array(solved.feature_names, dtype=str),
                "w": coefs_std,
                "w_user": coefs_user,
                "x": np.repeat(x[:, None], p, axis=1),
            },
            "cv_point": {
                "x": x[:, None],
                "y": cv_mean[:, None],
                "lower": (cv_mean - cv_se)[:, None],
                "upper": (cv_mean + cv_se)[:, None],
            },
        },
        values={
            "lam": lams, "R": R, "s": s, "df": df, "x": x, "nonzero": nonzero,
            "cv_mean": cv_mean, "cv_se": cv_se, "rss": rss,
            "penalty_value": penalty_value, "objective": objective, "kkt": kkt,
            "certified": np.array([c.ok for c in certificates], dtype=float),
            "is_min": (np.arange(n_frames) == index_min).astype(float),
            "is_1se": (np.arange(n_frames) == index_1se).astype(float),
        },
        texts={
            "lam_label": distinct_labels(lams),
            "R_label": distinct_labels(R),
            "readout": readout,
            "cv_readout": cv_readout,
            "objective_text": objective_text,
            "certificate_text": certificate_text,
            "coef_table": coef_table,
        },
    )

    line_x, line_coefs = _line_points(path, state.xaxis)
    lines = {
        "xs": [line_x.copy() for _ in range(p)],
        "ys": [line_coefs[:, j].copy() for j in range(p)],
        "name": list(solved.feature_names),
    }
    cv_curve = {"x": x_grid, "mean": cv.mean_error, "lower": cv.mean_error - cv.se,
                "upper": cv.mean_error + cv.se}

    event_list = [e for e in path.events if e.lam > 0]
    event_lams = np.array([e.lam for e in event_list], dtype=float)
    events = {
        "lam": event_lams,
        "x": x_coordinates(path, event_lams, state.xaxis) if event_list else np.zeros(0),
        "R": np.array([path.R_at(lam) for lam in event_lams]) if event_list else np.zeros(0),
        "feature": [e.feature for e in event_list],
        "action": [translate(f"page.paths.event.{e.action}", lang) for e in event_list],
        "exact": [isinstance(path, LassoPath)] * len(event_list),
    }

    x_low, x_high = _padded(float(np.min(line_x)), float(np.max(line_x)), 0.02)
    if state.xaxis != "loglam":  # R, s and df start at 0: show the origin
        x_low = min(x_low, 0.0)
    positions, labels = _top_ticks(path, state.xaxis, x_low, x_high)

    coef_range = _padded(float(np.min(line_coefs)), float(np.max(line_coefs)), 0.05)
    # Overfitting can send the CV error of the least-regularized end far up; the axis stops
    # at three times the larger of the null model's error and the minimum's.
    cap = 3.0 * max(float(cv.mean_error[0]), float(cv.mean_error[cv.index_min]))
    top = min(float(np.max(cv.mean_error + cv.se)), cap)
    cv_range = _padded(float(np.min(cv.mean_error - cv.se)), top, 0.05)
    marks = {
        "lam_min": float(x[index_min]),
        "lam_1se": float(x[index_1se]),
        "one_se_level": float(cv.mean_error[cv.index_min] + cv.se[cv.index_min]),
        "index_min": int(index_min),
        "index_1se": int(index_1se),
    }
    start = index_min if state.lam is None else frame_for_lambda(frames, state.lam)
    return PathsView(frames, lines, cv_curve, events, (positions, labels), (x_low, x_high),
                     coef_range, cv_range, marks, solved, state, int(start))


_CELL = 'style="padding: 1px 10px; text-align: {align}; border-bottom: 1px solid #e5e5e5"'


def _coef_table(header: tuple[str, str, str], names: tuple[str, ...], w: np.ndarray,
                w_user: np.ndarray) -> str:
    """Return an HTML table of one frame's coefficients (both scales; zeros shown as 0)."""
    left, right = _CELL.format(align="left"), _CELL.format(align="right")
    head = "".join(f"<th {align}>{html.escape(text)}</th>"
                   for text, align in zip(header, (left, right, right), strict=True))
    rows = "".join(
        f"<tr><td {left}>{html.escape(name)}</td><td {right}>{format_number(a, 4)}</td>"
        f"<td {right}>{format_number(b, 4)}</td></tr>"
        for name, a, b in zip(names, w, w_user, strict=True))
    return (f'<table style="border-collapse: collapse; font-size: 13px">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def events_table(view: PathsView, lang: Language) -> str:
    """Return the events of ``view`` as an HTML table (λ, R, feature, enters/leaves).

    Without events (ridge) it is empty: the page's note says why, and a header alone would
    read as a table that failed to fill.
    """
    if not view.events["feature"]:
        return ""
    left, right = _CELL.format(align="left"), _CELL.format(align="right")
    keys = ("lam", "R", "feature", "action")
    aligns = (right, right, left, left)
    head = "".join(f"<th {align}>{html.escape(translate(f'page.paths.table.{key}', lang))}</th>"
                   for key, align in zip(keys, aligns, strict=True))
    events = view.events
    rows = "".join(
        f"<tr><td {right}>{format_number(lam)}</td><td {right}>{format_number(R)}</td>"
        f"<td {left}>{html.escape(feature)}</td><td {left}>{html.escape(action)}</td></tr>"
        for lam, R, feature, action in zip(events["lam"], events["R"], events["feature"],
                                           events["action"], strict=True))
    return (f'<table style="border-collapse: collapse; font-size: 13px">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def _top_ticks(path: RegularizationPath, xaxis: str, low: float,
               high: float) -> tuple[np.ndarray, list[str]]:
    """Positions and labels of the top axis: the number of non-zeros at each event."""
    change_lams, counts = _support_changes(path)
    if change_lams.size:
        positions = x_coordinates(path, change_lams, xaxis)
        if xaxis == "df" and isinstance(path, LassoPath):
            positions = counts.astype(float)  # the step of the staircase reached there
        labels = [str(int(c)) for c in counts]
    else:  # nothing ever enters or leaves (ridge): the count at both ends of the axis
        ends = np.array([path.lams[0], path.lams[-1]])
        positions = x_coordinates(path, ends, xaxis)
        labels = [str(int(np.count_nonzero(w))) for w in _coefs_std_at(path, ends)]
    inside = (positions >= low) & (positions <= high)
    labels = [label for label, ok in zip(labels, inside, strict=True) if ok]
    return positions[inside], _thin(positions[inside], labels, high - low)


def compute_frames(state: State, lang: Language) -> FrameStack:
    """Return the frames of ``state``, one per λ of the grid (:attr:`PathsView.frames`)."""
    return compute_view(state, lang).frames


# ------------------------------------------------------------------------------------------
# Show code
# ------------------------------------------------------------------------------------------
_DATA_CODE = {
    "prostate": (
        "from reglab.datasets import load_prostate",
        "data = load_prostate()\n"
        "X, y, _, _ = data.train_test()  # ESL's 67 training rows\n"
        "names = data.feature_names\n",
    ),
    "diabetes": (
        "from reglab.datasets import load_diabetes",
        "data = load_diabetes()\n"
        "X, y, names = data.X, data.y, data.feature_names\n",
    ),
    "toy": (
        "from reglab.bases import PolynomialBasis\nfrom reglab.datasets import make_toy",
        "toy = make_toy({n_samples}, {noise!r}, seed={data_seed})\n"
        "basis = PolynomialBasis.from_data(toy.x, {degree}, {basis!r})\n"
        "X, y, names = basis.transform(toy.x), toy.y, basis.feature_names\n",
    ),
}

_PENALTY_CODE = {
    "l1": ("L1", "L1()"),
    "l2": ("L2", "L2()"),
    "enet": ("ElasticNet", "ElasticNet({l1_ratio!r})"),
}


def code_snippet(state: State, lam: float | None = None) -> str:
    """Return a runnable Python snippet that reproduces the page's numbers for ``state``.

    It fits the same path and CV with reglab's public API, prints ``lam_min`` and
    ``lam_1se``, the solution at the cursor (the grid point nearest to ``lam``, by default
    ``state.lam``, or λ_min when neither is set) with its R, s, df and certificate, and saves
    the path-and-CV figure of :mod:`reglab.figures` with the cursor drawn on it.
    """
    problem = state.problem()
    data_imports, data_code = _DATA_CODE[problem.dataset]
    data_code = data_code.format(**vars(problem)) if problem.dataset == "toy" else data_code
    cls, make = _PENALTY_CODE[problem.penalty]
    make = make.format(l1_ratio=problem.l1_ratio)
    X, y, _ = load_data(problem)
    ends = grid_ends(X, y, make_penalty(problem.penalty, l1_ratio=problem.l1_ratio),
                     standardize=problem.standardize)
    if ends is None:
        grid = ""
    else:  # the page's elastic-net grid (see grid_ends): its two ends, to the last digit
        grid = f"lams = np.geomspace({ends[0]!r}, {ends[1]!r}, {N_LAMS})\n"
    lam = state.lam if lam is None else lam
    if lam is None:
        cursor = "lam = cv.lam_min\n"
    else:
        cursor = ("# the cursor: the grid point nearest to this λ (in log λ)\n"
                  f"lam = path.lams[np.abs(np.log(path.lams / {float(lam)!r})).argmin()]\n")
    standardize = problem.standardize
    return (
        "import numpy as np\n\n"
        f"{data_imports}\n"
        "from reglab.figures import path_and_cv_figure\n"
        "from reglab.paths import fit_path\n"
        f"from reglab.penalties import {cls}\n"
        "from reglab.selection import cross_validate\n\n"
        f"{data_code}"
        f"penalty = {make}\n"
        f"{grid}"
        f"path = fit_path(X, y, penalty, standardize={standardize}, feature_names=names"
        f"{', lams=lams' if grid else ''})\n"
        f"cv = cross_validate(X, y, penalty, folds={problem.folds}, seed={problem.seed},\n"
        f"                    standardize={standardize}, lams=path.lams, feature_names=names)\n"
        'print("lam_min =", cv.lam_min, " lam_1se =", cv.lam_1se)\n\n'
        f"{cursor}"
        "sol = path.solution(lam=lam)\n"
        'print(f"lam = {sol.lam:.6g}, R = {sol.R:.6g}, s = {sol.s:.6g}, df = {sol.df:.6g}")\n'
        'print("coefficients:", dict(zip(names, sol.coef.round(6).tolist())))\n'
        'print("certificate:", sol.certificate)\n\n'
        'figure = path_and_cv_figure(path, cv, lang="en")\n'
        "for ax in figure.axes[:2]:\n"
        '    ax.axvline(sol.lam, color="k", lw=1)\n'
        'figure.savefig("paths_cv.png")\n'
    )
