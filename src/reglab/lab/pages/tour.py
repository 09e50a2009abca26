r"""Page "Guided tour": the lecture's story in order, each step opening a page in its state.

The story runs overfitting → penalty → constrained form → geometry → sparsity → choosing λ.
Each :class:`Step` is a short explanation (Japanese and English, formulas in MathJax) and a
link to one of the lab's pages with a URL query that puts that page in the step's state:

=====  ==================  ===========  ======================================================
step   chapter             page         state
=====  ==================  ===========  ======================================================
1      overfitting         overfitting  M = 9 through N = 10 points, no penalty
2      penalty             overfitting  ridge (L2), λ = e^-18 (Bishop, Fig. 1.7)
3      constrained form    geometry     L2 ball, R = R*/2: the tangent point and its λ
4      geometry            geometry     L2 ball, R = 1.2 R*: the constraint is inactive, λ = 0
5      sparsity            geometry     L1 diamond, R = 0.3 R*: the solution at a corner
6      sparsity            geometry     ℓp ball with p = 0.5: sparser, several local minima
7      choosing λ          paths        prostate lasso path and 5-fold CV, the cursor at λ_1se
=====  ==================  ===========  ======================================================

The radii are fractions of ``R* = P.radius(w*)`` (where the ball passes through the
least-squares point) computed from the geometry page's own loss and penalty, and λ_1se is
the paths page's own cross-validation of the same problem, so every link names a state the
target page really shows: :func:`target_state` parses a step's query with the target page's
parser (no problem may be reported) and :func:`target_frames` computes the frames that page
shows for it and the frame its cursor starts on (what the tests compare with the browser).

The page shows one step at a time with previous/next buttons; the step is in the URL
(``?step=3``), so the browser's back button returns from a step's page to the same step.
With no server behind it (a saved HTML file) every step is shown, one under the other; the
links then work only where the lab is served (``reglab serve``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlencode

import panel as pn
import param

from reglab._validation import ReglabInputError
from reglab.lab.controls import Field, MessageArea, page_query, read_query, sync_to_url
from reglab.lab.frames import FrameStack
from reglab.lab.i18n import Language, format_number, translate
from reglab.lab.pages import PageInfo, find_page

__all__ = [
    "BISHOP_LAMBDA",
    "CHAPTERS",
    "N_STEPS",
    "PAGE",
    "STEP_FIELD",
    "Step",
    "build_page",
    "target_frames",
    "target_state",
    "tour_steps",
]

SLUG = "tour"
NAME = "tour"  # prefix of the page's model names (the browser tests find them)

CHAPTERS: tuple[str, ...] = ("overfitting", "penalty", "constrained", "geometry", "sparsity",
                             "selection")
"""The chapters of the lecture's story, in order (catalog keys ``page.tour.chapter.*``)."""

BISHOP_LAMBDA = math.exp(-18.0)
"""λ of step 2: ``ln λ = -18``, Bishop's Figure 1.7.

Bishop minimizes ``½ Σ (y_n - f(x_n))² + ½ λ ||w||²``, which has the same minimizer as the
lab's ``Σ (y_n - f(x_n))² + λ ||w||²`` (both halves cancel), so the value carries over (he
also penalizes the intercept, the lab does not; at this λ the difference is invisible).
"""

N_STEPS = 7
"""Number of steps of the tour (:func:`tour_steps`)."""

STEP_FIELD = Field(int, 1, 1, N_STEPS)
"""The tour's own URL query parameter ``step`` (1-based)."""


# Radii of the geometry steps, as fractions of R* (the ball through w*). The geometry page
# snaps R to the nearest of its stops, which lie R*/96 apart, from 0 to 1.25 R*.
_R_FRACTIONS = {"constrained": 0.5, "inactive": 1.2, "corner": 0.3, "nonconvex": 0.3}


@dataclass(frozen=True)
class Step:
    """One step of the tour.

    Attributes
    ----------
    key : str
        Catalog suffix of the step's texts: ``page.tour.step.<key>.title``, ``.body`` and
        ``.try``.
    chapter : str
        One of :data:`CHAPTERS`.
    page : str
        Slug of the page the step opens.
    query : mapping of str to str
        The target page's state as URL query parameters.
    facts : mapping of str to str
        Numbers the texts quote (their ``{placeholders}``), formatted for reading.
    """

    key: str
    chapter: str
    page: str
    query: Mapping[str, str]
    facts: Mapping[str, str]

    def __post_init__(self) -> None:
        if self.chapter not in CHAPTERS:
            raise ReglabInputError("chapter", f"must be one of {', '.join(CHAPTERS)}",
                                   self.chapter)
        object.__setattr__(self, "query", MappingProxyType(dict(self.query)))
        object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))

    def href(self, lang: Language) -> str:
        """Return the relative link to the target page in this state, in ``lang``.

        Relative like the header's links (``./overfitting?...``): it works under any prefix
        the lab is served at.
        """
        return f"./{self.page}?" + urlencode({**self.query, "lang": lang}, quote_via=quote)

    def text(self, part: str, lang: Language) -> str:
        r"""Return the step's ``title``, ``body`` or ``try`` text in ``lang`` (facts filled).

        Every step text is a ``str.format`` template, with or without placeholders, so the
        braces of its LaTeX are doubled in the catalogs (``\mathbf{{w}}``).
        """
        if part not in ("title", "body", "try"):
            raise ReglabInputError("part", "must be 'title', 'body' or 'try'", part)
        return translate(f"page.{SLUG}.step.{self.key}.{part}", lang).format(**self.facts)


def _radius_star(query: Mapping[str, str]) -> float:
    """``R* = P.radius(w*)`` of the geometry page's loss and ball for ``query``."""
    from reglab.lab.pages.geometry_frames import State, make_loss, make_penalty

    state, problems = State.from_query(query, "en")
    if problems:  # pragma: no cover - the tour's own queries are checked by its tests
        raise ReglabInputError("query", "must be a valid geometry state", problems[0])
    return float(make_penalty(state).radius(make_loss(state).center))


def _geometry_step(key: str, chapter: str, ball: Mapping[str, str]) -> Step:
    radius_star = _radius_star(ball)
    R = _R_FRACTIONS[key] * radius_star
    # Four digits name the stop unambiguously (stops are R*/96 ≈ 1 % apart).
    return Step(key, chapter, "geometry", {**ball, "R": f"{R:.4g}"},
                {"R": format_number(R), "R_star": format_number(radius_star)})


@cache
def tour_steps() -> tuple[Step, ...]:
    """Return the tour's steps, in order.

    Computed once per process: the geometry radii need the geometry page's ``R*`` and the
    last step needs the paths page's cross-validation (a path and 5 folds of the prostate
    lasso, also cached by that page for when the link is followed).
    """
    from reglab.lab.pages.paths_frames import State as PathsState
    from reglab.lab.pages.paths_frames import solve_problem

    paths_query = {"dataset": "prostate", "standardize": "true", "penalty": "l1",
                   "folds": "5", "seed": "0"}
    paths_state, problems = PathsState.from_query(paths_query, "en")
    if problems:  # pragma: no cover - the tour's own queries are checked by its tests
        raise ReglabInputError("query", "must be a valid paths state", problems[0])
    lam_1se = float(solve_problem(paths_state.problem()).cv.lam_1se)
    steps = (
        Step("overfit", "overfitting", "overfitting",
             {"n": "10", "degree": "9", "penalty": "none"}, {}),
        Step("ridge", "penalty", "overfitting",
             {"n": "10", "degree": "9", "penalty": "l2", "lam": f"{BISHOP_LAMBDA:.4g}"},
             {"lam": format_number(BISHOP_LAMBDA)}),
        _geometry_step("constrained", "constrained", {"family": "lp", "p": "2"}),
        _geometry_step("inactive", "geometry", {"family": "lp", "p": "2"}),
        _geometry_step("corner", "sparsity", {"family": "lp", "p": "1"}),
        _geometry_step("nonconvex", "sparsity", {"family": "lp", "p": "0.5"}),
        # Six digits name the grid point (the grid's stops are several per cent apart).
        Step("lam1se", "selection", "paths", {**paths_query, "lam": f"{lam_1se:.6g}"},
             {"lam": format_number(lam_1se)}),
    )
    if len(steps) != N_STEPS:  # pragma: no cover - a programming error
        raise RuntimeError(f"the tour has {len(steps)} steps, N_STEPS says {N_STEPS}")
    return steps


# -------------------------------------------------------------------------------------------
# What a step's link shows
# -------------------------------------------------------------------------------------------
def target_state(step: Step, lang: Language = "en") -> tuple[Any, list[str]]:
    """Parse the step's query as its target page does; return ``(state, problems)``.

    ``state`` is the target page's state object (for the overfitting page: the typed values
    of its query, cursor and view included); ``problems`` lists what the page would report
    (empty for a correct step).
    """
    if step.page not in ("overfitting", "geometry", "paths"):
        raise ReglabInputError("page", "must be overfitting, geometry or paths", step.page)
    return find_page(step.page).read_state(step.query, lang)


def target_frames(step: Step, lang: Language = "en") -> tuple[FrameStack, int]:
    """Return the frames the step's page computes for its query and the frame it starts on.

    Each page's own pure functions: the overfitting page's :func:`compute` (its cursor on the
    frame nearest ``lam``, λ = 0 exactly, or at the lowest test error), the geometry page's
    :func:`compute_frames` (the stop nearest ``R``), the paths page's :func:`compute_view`
    (the grid point nearest ``lam``).
    """
    state, problems = target_state(step, lang)
    if problems:
        raise ReglabInputError("step", "must have a query its page accepts", problems[0])
    if step.page == "overfitting":
        from reglab.lab.controls import frame_for_lambda
        from reglab.lab.pages.overfitting_frames import State, compute

        problem = State.from_values(state)
        view = compute(problem, lang)
        if "lam" in step.query and problem.has_penalty:
            return view.stack, frame_for_lambda(view.stack, state["lam"])
        return view.stack, view.start
    if step.page == "geometry":
        from reglab.lab.pages.geometry_frames import compute_frames, frame_index

        stack = compute_frames(state.problem(), lang)
        return stack, frame_index(state, stack)
    from reglab.lab.pages.paths_frames import compute_view

    view = compute_view(state, lang)
    return view.frames, view.start


# -------------------------------------------------------------------------------------------
# The page
# -------------------------------------------------------------------------------------------
_CSS = """
.reglab-tour-open { display: inline-block; margin: 6px 0; padding: 7px 16px;
  border-radius: 6px; background: #0b57d0; color: white; text-decoration: none;
  font-weight: 600; font-size: 15px; }
.reglab-tour-open:hover, .reglab-tour-open:focus { background: #0842a0; }
.reglab-tour-path { color: #555; font-size: 12px; overflow-wrap: anywhere; }
.reglab-tour-outline ol { margin: 0; padding-left: 1.6em; font-size: 14px; line-height: 1.6; }
.reglab-tour-outline a { color: #0b57d0; text-decoration: none; }
.reglab-tour-outline [aria-current="step"] { font-weight: 700; color: #1f2328; }
.reglab-tour-chapter { color: #555; font-size: 13px; }
"""


def _t(key: str, lang: Language, **fmt: object) -> str:
    return translate(f"page.{SLUG}.{key}", lang, **fmt)


def _chapter(step: Step, lang: Language) -> str:
    return _t(f"chapter.{step.chapter}", lang)


def _step_markdown(number: int, step: Step, lang: Language) -> str:
    """Write the step's heading, explanation (MathJax) and what to try, as Markdown."""
    return (f"### {number}. {step.text('title', lang)}\n\n"
            f"{step.text('body', lang)}\n\n"
            f"**{_t('try_label', lang)}** {step.text('try', lang)}")


def _open_link(number: int, step: Step, lang: Language) -> str:
    """Return an HTML link that opens the step's page in its state."""
    page_title = translate(find_page(step.page).title_key, lang)
    href = html.escape(step.href(lang))
    label = html.escape(_t("open", lang, page=page_title))
    return (f'<a class="reglab-tour-open" id="{NAME}-open-{number}" href="{href}">{label}</a>'
            f'<div class="reglab-tour-path">{href}</div>')


def _outline(steps: tuple[Step, ...], current: int, lang: Language) -> str:
    """Return the steps as an ordered list of links (``?step=k``), the current one marked."""
    items = []
    for number, step in enumerate(steps, start=1):
        text = html.escape(step.text("title", lang))
        if number == current:
            items.append(f'<li aria-current="step">{text}</li>')
        else:
            href = html.escape(f"./{SLUG}?step={number}&lang={lang}")
            items.append(f'<li><a href="{href}">{text}</a></li>')
    label = html.escape(_t("outline", lang))
    return (f'<nav class="reglab-tour-outline" aria-label="{label}">'
            f"<ol>{''.join(items)}</ol></nav>")


class _Cursor(param.Parameterized):
    """The step shown (1-based), mirrored in the URL as ``?step=``."""

    value = param.Integer(default=1, bounds=(1, None))


class _TourPage:
    """The tour's panes and buttons for one browser session."""

    def __init__(self, lang: Language, query: Mapping[str, str]):
        self.lang = lang
        self.steps = tour_steps()
        values, problems = read_state(query, lang)
        self.messages = MessageArea()
        self.messages.show(*problems)
        self.cursor = _Cursor(value=values["step"])
        self.progress = pn.pane.Markdown("", margin=(0, 10),
                                         styles={"font-size": "15px"})
        self.body = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 10),
                                     styles={"font-size": "15px"})
        self.link = pn.pane.HTML("", stylesheets=[_CSS], margin=(0, 10))
        self.outline = pn.pane.HTML("", stylesheets=[_CSS], margin=(0, 10),
                                    sizing_mode="stretch_width")
        self.previous = pn.widgets.Button(label="← " + translate("tour.previous", lang),
                                          width=140, margin=(10, 10))
        self.next = pn.widgets.Button(label=translate("tour.next", lang) + " →", width=140,
                                      margin=(10, 10))
        self.previous.on_click(lambda event: self.move(-1))
        self.next.on_click(lambda event: self.move(+1))
        self.cursor.param.watch(lambda event: self.show(), "value")
        self.show()
        sync_to_url({"step": self.cursor}, {"step": STEP_FIELD}, lang=lang,
                    on_problem=self.messages.add)

    def move(self, delta: int) -> None:
        """Go ``delta`` steps forward (or back), staying inside the tour."""
        self.cursor.value = min(max(self.cursor.value + delta, 1), len(self.steps))

    def show(self) -> None:
        """Put the current step into the panes."""
        lang, number = self.lang, self.cursor.value
        step = self.steps[number - 1]
        self.progress.object = (
            f"**{translate('tour.step', lang, current=number, total=len(self.steps))}**"
            f' <span class="reglab-tour-chapter">· {html.escape(_chapter(step, lang))}</span>')
        self.body.object = _step_markdown(number, step, lang)
        self.link.object = _open_link(number, step, lang)
        self.outline.object = _outline(self.steps, number, lang)
        self.previous.disabled = number == 1
        self.next.disabled = number == len(self.steps)

    def view(self) -> pn.Column:
        lang = self.lang
        return pn.Column(
            pn.pane.Markdown(f"## {translate('page.tour.title', lang)}\n\n"
                             f"{translate('page.tour.intro', lang)}",
                             sizing_mode="stretch_width"),
            self.messages.pane,
            self.progress,
            pn.Row(
                pn.Column(self.body, self.link, pn.Row(self.previous, self.next),
                          sizing_mode="stretch_width"),
                pn.Column(pn.pane.Markdown(f"**{_t('outline', lang)}**", margin=(0, 10)),
                          self.outline, width=360),
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )


def _static_view(lang: Language) -> pn.Column:
    """Every step, one under the other (no server: no buttons to press)."""
    steps = tour_steps()
    parts: list[Any] = [
        pn.pane.Markdown(f"## {translate('page.tour.title', lang)}\n\n"
                         f"{translate('page.tour.intro', lang)}\n\n*{_t('static_note', lang)}*",
                         sizing_mode="stretch_width"),
    ]
    for number, step in enumerate(steps, start=1):
        parts += [
            pn.pane.Markdown(f"{translate('tour.step', lang, current=number, total=len(steps))}"
                             f" · {_chapter(step, lang)}", margin=(10, 10, 0, 10)),
            pn.pane.Markdown(_step_markdown(number, step, lang), sizing_mode="stretch_width",
                             margin=(0, 10), styles={"font-size": "15px"}),
            pn.pane.HTML(_open_link(number, step, lang), stylesheets=[_CSS], margin=(0, 10)),
        ]
    return pn.Column(*parts, sizing_mode="stretch_width")


def build_page(lang: Language, *, live: bool = True,
               state: Mapping[str, str] | None = None) -> pn.viewable.Viewable:
    """Build the tour in ``lang``, at the step of the query ``state`` (or the served URL's).

    A bad ``step`` in the query is reported on the page and the tour starts at step 1. With
    ``live=False`` (a saved file) every step is shown.
    """
    if not live:
        return _static_view(lang)
    return _TourPage(lang, page_query(state)).view()


def read_state(query: Mapping[str, str], lang: Language) -> tuple[dict[str, Any], list[str]]:
    """Read the tour's URL query: ``{"step": n}`` and its problems."""
    return read_query(query, {"step": STEP_FIELD}, lang)


PAGE = PageInfo(slug=SLUG, title_key="page.tour.title", order=40, build=build_page,
                read_state=read_state)
