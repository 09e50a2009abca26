"""Small control helpers every page of the lab shares, so they are written once.

========================  ===================================================================
:class:`Field`            one control's type, bounds and default, as a URL query parameter
:func:`read_query`        query strings -> typed values, with translated one-line problems
:func:`page_query`        the page's query: the ``state`` given, else the served session's URL
:func:`sync_to_url`       keep widgets and the URL query in step (``pn.state.location``)
:class:`Debounced`        run an action once, a moment after the last of a burst of requests
:func:`distinct_labels`   slider stop labels that are all different (fewest digits needed)
:class:`MessageArea`      a ``pn.pane.Alert`` that is hidden while it has nothing to say
:func:`code_panel`        a collapsed "Show code" card and the function that updates it
:func:`figure_downloads`  PNG and SVG downloads of a matplotlib rendering of the view
:func:`export_download`   "Save as HTML": the page in its current state, as one file
:func:`lambda_cursor`     the λ cursor's two faces (λ slider, R slider) and its URL mirror
:func:`released_slider`   a Panel slider whose ``value`` changes only when it is released
========================  ===================================================================

The module imports Panel and Bokeh only inside the functions that build widgets, so a page's
pure frame module can declare its controls with :class:`Field` without loading either.

Strings come from the catalogs (:mod:`reglab.lab.i18n`); the keys this module uses are listed
in :data:`KEYS` (they live in the overfitting page's catalog until they move to the shared
one, see that mapping).
"""

from __future__ import annotations

import functools
import html
import io
import math
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import param

from reglab._validation import ReglabInputError
from reglab.lab.i18n import Language, format_number, translate

if TYPE_CHECKING:  # pragma: no cover
    import panel as pn
    from bokeh.models import CategoricalSlider

    from reglab.lab.frames import FrameStack
    from reglab.lab.scrub import Scrubber

__all__ = [
    "KEYS",
    "Debounced",
    "Field",
    "LambdaCursor",
    "MessageArea",
    "code_panel",
    "distinct_labels",
    "export_download",
    "figure_downloads",
    "frame_for_lambda",
    "lambda_cursor",
    "page_query",
    "read_query",
    "released_slider",
    "sync_to_url",
]

_PREFIX = "page.overfitting.controls."
KEYS: Mapping[str, str] = {
    name: _PREFIX + name
    for name in (
        "show_code", "download_png", "download_svg", "query_problem", "query_unknown",
        "input_problem", "rule.integer", "rule.integer_min", "rule.number", "rule.number_min",
        "rule.choice", "rule.boolean", "lam_title", "R_title",
    )
}
"""Catalog keys of this module's strings (``name -> key``).

They are defined in ``pages/overfitting.{ja,en}.json`` under ``page.overfitting.controls.*``
because helpers may only add keys under their own page's prefix; moving them to the shared
``messages_*.json`` (e.g. as ``control.*``) means changing only this mapping.
"""

_MAX_SHOWN = 40  # characters of a bad query value quoted back in a message


def _quote(value: object) -> str:
    text = str(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Declaring controls and reading them from a query
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One control's value as a URL query parameter: its type, bounds and default.

    Parameters
    ----------
    kind : {int, float, str, bool}
        The Python type of the value.
    default : object
        The value when the query does not give one (or gives a bad one).
    low, high : float, optional
        Closed bounds of a number (``None``: unbounded on that side). ``float`` values must be
        finite.
    choices : tuple of str, optional
        The allowed values of a ``str`` field.

    Examples
    --------
    >>> degree = Field(int, 9, 0, 30)
    >>> degree.parse("degree", "12")
    12
    >>> degree.parse("degree", "31")
    Traceback (most recent call last):
    ...
    reglab._validation.ReglabInputError: degree: must be an integer in [0, 30]; got '31'
    >>> Field(float, 0.3, 0.0, 2.0).format(0.1)
    '0.1'
    """

    kind: type
    default: object
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in (int, float, str, bool):
            raise ReglabInputError("kind", "must be int, float, str or bool", self.kind)
        if self.kind is str and self.choices is not None:
            object.__setattr__(self, "choices", tuple(str(c) for c in self.choices))
        self.check("default", self.default)

    # -- the rule, in English (errors) and translated (messages) -----------------------------
    def rule(self) -> str:
        """Return the rule a value must follow, in English (the text of ReglabInputError)."""
        if self.kind is bool:
            return "must be true or false"
        if self.kind is str:
            return ("must be one of " + ", ".join(map(repr, self.choices))
                    if self.choices is not None else "must be a string")
        noun = "an integer" if self.kind is int else "a finite number"
        if self.low is not None and self.high is not None:
            return f"must be {noun} in [{self.low:g}, {self.high:g}]"
        if self.low is not None:
            return f"must be {noun} >= {self.low:g}"
        if self.high is not None:
            return f"must be {noun} <= {self.high:g}"
        return f"must be {noun}"

    def rule_text(self, lang: Language) -> str:
        """Return the rule in ``lang``, for messages on the page."""
        if self.kind is bool:
            return translate(KEYS["rule.boolean"], lang)
        if self.kind is str:
            return translate(KEYS["rule.choice"], lang,
                             choices=", ".join(self.choices or ()))
        key = "rule.integer" if self.kind is int else "rule.number"
        low = "−∞" if self.low is None else format_number(self.low, 6)
        if self.high is None:
            return translate(KEYS[key + "_min"], lang, low=low)
        return translate(KEYS[key], lang, low=low, high=format_number(self.high, 6))

    # -- checking typed values and parsing strings ---------------------------------------------
    def check(self, name: str, value: object) -> Any:
        """Return ``value`` as this field's type, or raise ReglabInputError (one line)."""
        if self.kind is bool:
            if isinstance(value, bool | np.bool_):
                return bool(value)
            raise ReglabInputError(name, self.rule(), value)
        if self.kind is str:
            if isinstance(value, str) and (self.choices is None or value in self.choices):
                return value
            raise ReglabInputError(name, self.rule(), value)
        if isinstance(value, bool) or not isinstance(value, Real):
            raise ReglabInputError(name, self.rule(), value)
        if self.kind is int:
            if not isinstance(value, Integral):
                if not (math.isfinite(value) and float(value).is_integer()):
                    raise ReglabInputError(name, self.rule(), value)
            number: float | int = int(value)
        else:
            number = float(value)
            if not math.isfinite(number):
                raise ReglabInputError(name, self.rule(), value)
        if (self.low is not None and number < self.low) or (
                self.high is not None and number > self.high):
            raise ReglabInputError(name, self.rule(), value)
        return number

    def parse(self, name: str, text: str) -> Any:
        """Parse the query string ``text`` and check it; raise ReglabInputError if it is bad."""
        raw = str(text).strip()
        if self.kind is str:
            return self.check(name, raw)
        if self.kind is bool:
            lowered = raw.lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
            raise ReglabInputError(name, self.rule(), text)
        try:
            number = float(raw) if self.kind is float else _parse_int(raw)
        except ValueError:
            raise ReglabInputError(name, self.rule(), text) from None
        try:
            return self.check(name, number)
        except ReglabInputError:
            raise ReglabInputError(name, self.rule(), text) from None

    def format(self, value: object) -> str:
        """Return the query string of ``value`` (``repr`` of floats: it parses back exactly)."""
        value = self.check("value", value)
        if self.kind is bool:
            return "true" if value else "false"
        return repr(value) if self.kind is float else str(value)


def _parse_int(text: str) -> int:
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    number = float(text)  # "12.0" or "1e1" name integers too
    if not (math.isfinite(number) and number.is_integer()):
        raise ValueError(text)
    return int(number)


def read_query(
    state: Mapping[str, str] | None,
    spec: Mapping[str, Field],
    lang: Language,
    *,
    ignore: Sequence[str] = ("lang",),
) -> tuple[dict[str, Any], list[str]]:
    """Parse a page's query into typed values; bad entries keep their default and are reported.

    Parameters
    ----------
    state : mapping of str to str, or None
        The query, e.g. ``{"degree": "9", "noise": "0.3"}``.
    spec : mapping of str to Field
        Every query parameter the page knows.
    lang : {"ja", "en"}
        Language of the problems.
    ignore : sequence of str, default ("lang",)
        Parameters that belong to the lab, not the page (not reported as unknown).

    Returns
    -------
    values : dict
        One typed value per entry of ``spec``: the query's when valid, else the default.
    problems : list of str
        One translated line per bad or unknown entry, naming it, its value, the rule and the
        value used instead.

    Examples
    --------
    >>> spec = {"degree": Field(int, 9, 0, 30), "basis": Field(str, "monomial",
    ...                                                          choices=("monomial", "legendre"))}
    >>> values, problems = read_query({"degree": "40", "basis": "legendre"}, spec, "en")
    >>> values
    {'degree': 9, 'basis': 'legendre'}
    >>> problems
    ['URL parameter degree = 40: must be an integer from 0 to 30. Using 9 instead.']
    """
    values = {name: field.default for name, field in spec.items()}
    problems: list[str] = []
    for name, text in (state or {}).items():
        if name in ignore:
            continue
        if name not in spec:
            problems.append(translate(KEYS["query_unknown"], lang, name=_quote(name)))
            continue
        field = spec[name]
        try:
            values[name] = field.parse(name, text)
        except ReglabInputError:
            problems.append(translate(
                KEYS["query_problem"], lang, name=name, value=_quote(text),
                rule=field.rule_text(lang), default=field.format(field.default)))
    return values, problems


def page_query(state: Mapping[str, str] | None) -> dict[str, str]:
    """Return the page's query: ``state`` if given and non-empty, else the session's URL query.

    ``reglab.lab.app`` passes an empty ``state`` when it serves a page; the URL's query is
    then read from ``pn.state.session_args`` (the last value of each repeated name).
    """
    if state:
        return {str(k): str(v) for k, v in state.items()}
    import panel as pn

    out: dict[str, str] = {}
    for name, raw in (pn.state.session_args or {}).items():
        items = raw if isinstance(raw, list | tuple) else [raw]
        if items:
            last = items[-1]
            out[str(name)] = (last.decode("utf-8", "replace") if isinstance(last, bytes)
                              else str(last))
    return out


# ---------------------------------------------------------------------------------------------
# The URL
# ---------------------------------------------------------------------------------------------
URL_DELAY_MS = 250
"""How long the URL waits after a λ step before it is rewritten (see :class:`Debounced`)."""


class Debounced:
    """Run ``action()`` once, ``delay_ms`` after the last of a burst of :meth:`request` calls.

    In a served session (a Bokeh document is current when it is made) the action is a timeout
    callback of that document, rescheduled by every request; elsewhere (no document: a test, a
    script) it runs at once. The lab rewrites the URL this way after λ steps: each rewrite is a
    round trip (the server's new query, the browser's new address and its echo) that would
    otherwise land in the middle of the next key press of someone holding an arrow key.
    ``action`` should read the state it writes when it runs, not when it was requested.
    """

    def __init__(self, action: Callable[[], None], delay_ms: int = URL_DELAY_MS):
        import panel as pn

        self._action, self._delay_ms = action, int(delay_ms)
        self._doc = pn.state.curdoc
        self._pending: Any = None

    @property
    def pending(self) -> bool:
        """Whether the action is scheduled and has not run yet."""
        return self._pending is not None

    def request(self) -> None:
        """Run the action ``delay_ms`` from now (or now, without a document)."""
        if self._doc is None:
            self._action()
            return
        self.cancel()
        self._pending = self._doc.add_timeout_callback(self._run, self._delay_ms)

    def cancel(self) -> None:
        """Forget a scheduled run."""
        if self._pending is not None:
            try:
                self._doc.remove_timeout_callback(self._pending)
            except ValueError:  # it ran, or the session is gone
                pass
            self._pending = None

    def _run(self) -> None:
        self._pending = None
        self._action()


def _sync_param(obj: param.Parameterized, attr: str, name: str, text: str | None) -> None:
    import panel as pn

    location = pn.state.location
    if text is not None:
        # Overwrite the query's entry with the value the page already validated, so that
        # Location.sync, which first applies the query to the object, finds nothing to change
        # (a bad value in the URL would otherwise reach the widget unchecked).
        location.update_query(**{name: text})
    location.sync(obj, {attr: name})


def sync_to_url(
    widgets: Mapping[str, Any],
    spec: Mapping[str, Field] | None = None,
    *,
    lang: Language = "en",
    on_problem: Callable[[str], None] | None = None,
) -> bool:
    """Keep each widget's ``value`` and the URL query parameter of its name in step.

    Parameters
    ----------
    widgets : mapping of str to panel widget
        ``{query name: widget}``; the widgets already hold the values read from the query
        (:func:`read_query`).
    spec : mapping of str to Field, optional
        The fields of those names. With it, the URL never reaches a widget unchecked: the URL
        is synced with a mirror of strings, and a value coming from the URL (when the browser
        connects, or goes back in its history) is parsed by its field first. A valid value is
        set on the widget; a bad one is reported to ``on_problem`` and the URL is rewritten to
        the widget's value. Without ``spec`` the widgets are synced directly
        (``pn.state.location.sync``), which suits widgets that reject bad values themselves.
    lang : {"ja", "en"}, default "en"
        Language of the problems.
    on_problem : callable, optional
        ``on_problem(text)`` with one translated line per bad value from the URL (the same
        line :func:`read_query` gives); by default bad values are only replaced.

    Returns
    -------
    bool
        Whether a served URL was there to sync with (``False`` in Jupyter or a saved file).

    Notes
    -----
    The browser sends its whole URL once it has connected, after the page was built, so a
    bad value the page already reported (and replaced) at build time comes again: pass a
    callback that ignores repeats, e.g. :meth:`MessageArea.add`.
    """
    import panel as pn

    if not pn.state.location:
        return False
    plain = {name: w for name, w in widgets.items() if spec is None or name not in spec}
    for name, widget in plain.items():
        _sync_param(widget, "value", name, None)
    checked = {name: w for name, w in widgets.items() if name not in plain}
    if checked:
        assert spec is not None
        _QueryMirror.create(checked, spec, lang, on_problem).sync()
    return True


class _QueryMirror:
    """Query strings mirrored between the URL and validated widgets (see :func:`sync_to_url`).

    ``Location.sync`` writes URL values into a Parameterized as they come (numbers already
    converted by Panel's query parser); here they land in untyped parameters, one per name,
    and are parsed by the name's Field before any widget sees them.
    """

    def __init__(self, store: param.Parameterized, widgets: Mapping[str, Any],
                 spec: Mapping[str, Field], lang: Language,
                 on_problem: Callable[[str], None] | None):
        self.store, self.widgets, self.spec = store, dict(widgets), spec
        self.lang, self.on_problem = lang, on_problem
        self._busy = False

    @classmethod
    def create(cls, widgets: Mapping[str, Any], spec: Mapping[str, Field], lang: Language,
               on_problem: Callable[[str], None] | None) -> _QueryMirror:
        reserved = set(param.Parameterized.param)
        clash = sorted(set(widgets) & reserved)
        if clash:
            raise ReglabInputError("widgets", "must not use a reserved query name", clash[0])
        store_class = type("QueryStrings", (param.Parameterized,), {
            name: param.Parameter(default=None, doc=f"URL text of {name!r}")
            for name in widgets
        })
        store = store_class(**{name: spec[name].format(w.value) for name, w in widgets.items()})
        return cls(store, widgets, spec, lang, on_problem)

    def sync(self) -> None:
        import panel as pn

        location = pn.state.location
        # The validated values replace the query's entries before Location.sync applies the
        # query to the store, so that first application changes nothing.
        location.update_query(**{name: getattr(self.store, name) for name in self.widgets})
        location.sync(self.store, {name: name for name in self.widgets})
        # After the URL's own watcher (precedence 0), so a replaced value is written last.
        self.store.param.watch(self._from_url, list(self.widgets), precedence=1)
        for name, widget in self.widgets.items():
            widget.param.watch(lambda event, name=name: self._from_widget(name, event.new),
                               "value")

    def _from_widget(self, name: str, value: object) -> None:
        try:
            text = self.spec[name].format(value)
        except ReglabInputError:
            return  # the page rejects it and puts the previous value back
        if getattr(self.store, name) != text:
            self._set(name, text)

    def _from_url(self, *events: param.parameterized.Event) -> None:
        # Location updates every synced name at once: param batches the events.
        if self._busy:
            return
        for event in events:
            self._apply(event.name, event.new)

    def _apply(self, name: str, raw: object) -> None:
        field, widget = self.spec[name], self.widgets[name]
        # Panel's query parser turned "9" into 9, "0.3" into 0.3 and "true" into True.
        text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        try:
            value = field.parse(name, text)
        except ReglabInputError:
            current = field.format(widget.value)
            if self.on_problem is not None:
                self.on_problem(translate(
                    KEYS["query_problem"], self.lang, name=name, value=_quote(text),
                    rule=field.rule_text(self.lang), default=current))
            self._set(name, current)
            return
        if value != widget.value:
            widget.value = value
        canonical = field.format(value)
        if text != canonical or not isinstance(raw, str):
            self._set(name, canonical)

    def _set(self, name: str, text: str) -> None:
        self._busy = True
        try:
            setattr(self.store, name, text)
        finally:
            self._busy = False


def distinct_labels(values: Sequence[float] | np.ndarray, digits: int = 3) -> list[str]:
    """Format ``values`` for slider stops with the fewest digits that tell neighbours apart.

    Each value gets :func:`~reglab.lab.i18n.format_number` with ``digits`` significant digits,
    more where it would equal a neighbour's label (up to 17, which is exact for doubles);
    values that are equal even then get a suffix ``" (2)"``, ``" (3)"``... so every label is
    distinct, as :meth:`reglab.lab.scrub.Scrubber.slider` requires.

    Examples
    --------
    >>> distinct_labels([1.0, 1.0001, 2.0])
    ['1', '1.0001', '2']
    """
    values = [float(v) for v in values]
    precision = [digits] * len(values)
    labels = [format_number(v, digits) for v in values]
    for _ in range(17):
        clash = _clashing(labels)
        if not clash:
            break
        for i in clash:
            if precision[i] < 17:
                precision[i] += 1
                labels[i] = format_number(values[i], precision[i])
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        count = seen.get(label, 0) + 1
        seen[label] = count
        if count > 1:
            labels[i] = f"{label} ({count})"
    return labels


def _clashing(labels: list[str]) -> list[int]:
    where: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        where.setdefault(label, []).append(i)
    return sorted(i for group in where.values() if len(group) > 1 for i in group)


# ---------------------------------------------------------------------------------------------
# Messages, code, downloads
# ---------------------------------------------------------------------------------------------
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~-])")


def _plain(text: str) -> str:
    """Escape text for a Markdown pane: no HTML, no Markdown (values may come from a URL)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


class MessageArea:
    """A ``pn.pane.Alert`` that shows plain-text messages and hides itself when empty.

    Parameters
    ----------
    alert_type : str, default "warning"
        Bootstrap alert kind (``"warning"``, ``"danger"``, ``"info"``...).
    **kwargs
        Passed to :class:`panel.pane.Alert` (``sizing_mode``, ``margin``...).

    Attributes
    ----------
    pane : panel.pane.Alert
        Put it in the page.
    lines : list of str
        The messages shown now (plain text).
    """

    def __init__(self, alert_type: str = "warning", **kwargs: Any):
        import panel as pn

        kwargs.setdefault("sizing_mode", "stretch_width")
        kwargs.setdefault("margin", (5, 10))
        self.lines: list[str] = []
        self.pane = pn.pane.Alert("", alert_type=alert_type, visible=False, **kwargs)

    def show(self, *lines: str, alert_type: str | None = None) -> None:
        """Show ``lines`` (plain text, escaped; empty strings dropped), replacing what was shown."""
        self.lines = [str(line) for line in lines if line]
        if alert_type is not None:
            self.pane.alert_type = alert_type
        if not self.lines:
            self.clear()
            return
        # Screen readers announce a warning at once (role="alert"), a note when idle.
        role = "alert" if self.pane.alert_type in ("warning", "danger") else "status"
        text = "\n\n".join(_plain(line) for line in self.lines)
        self.pane.param.update(object=f'<div role="{role}">\n\n{text}\n\n</div>',
                               visible=True)

    def add(self, *lines: str) -> None:
        """Show ``lines`` below the messages shown now (lines already shown are skipped)."""
        fresh = [str(line) for line in lines if line and str(line) not in self.lines]
        if fresh:
            self.show(*self.lines, *fresh)

    def clear(self) -> None:
        """Hide the area."""
        self.lines = []
        self.pane.param.update(object="", visible=False)

    def __panel__(self) -> Any:
        return self.pane


def code_panel(lang: Language, **kwargs: Any) -> tuple[pn.Card, Callable[[str], None]]:
    """Make a collapsed "Show code" card and ``update(snippet)``, which fills it with code.

    Returns
    -------
    card : panel.Card
        Titled in ``lang``, collapsed.
    update : callable
        ``update(snippet)`` shows ``snippet`` as a Python code block.
    """
    import panel as pn

    kwargs.setdefault("sizing_mode", "stretch_width")
    kwargs.setdefault("margin", (5, 10))
    code = pn.pane.Markdown("", sizing_mode="stretch_width", disable_math=True)
    card = pn.Card(code, title=translate(KEYS["show_code"], lang), collapsed=True, **kwargs)

    def update(snippet: str) -> None:
        # A fence longer than any backtick run inside keeps the block closed.
        longest = max((len(run) for run in re.findall(r"`+", snippet)), default=0)
        fence = "`" * max(3, longest + 1)
        code.object = f"{fence}python\n{snippet.rstrip()}\n{fence}"

    return card, update


def figure_downloads(
    render: Callable[[str], bytes], basename: str, lang: Language, **kwargs: Any
) -> pn.Row:
    """Make PNG and SVG download buttons of a figure rendered on demand.

    Parameters
    ----------
    render : callable
        ``render(fmt)`` with ``fmt`` in ``{"png", "svg"}`` returns the figure's bytes (e.g.
        ``Figure.savefig(buffer, format=fmt)`` of a matplotlib drawing of the current view).
    basename : str
        File name without the extension.
    lang : {"ja", "en"}
    **kwargs
        Passed to both :class:`panel.widgets.FileDownload`.
    """
    import panel as pn

    def button(fmt: str) -> pn.widgets.FileDownload:
        return pn.widgets.FileDownload(
            callback=lambda: io.BytesIO(render(fmt)), filename=f"{basename}.{fmt}",
            label=translate(KEYS[f"download_{fmt}"], lang), embed=False, **kwargs)

    return pn.Row(button("png"), button("svg"))


def export_download(
    slug: str, lang: Language, query: Callable[[], Mapping[str, str]], **kwargs: Any
) -> pn.widgets.FileDownload:
    """Make a "Save as HTML" button: the page in its current state as one standalone file.

    ``query()`` returns the page's current state as query parameters; the callback runs
    :func:`reglab.lab.export.export_page` into a temporary folder and sends the file.
    """
    import panel as pn

    def callback() -> io.BytesIO:
        from reglab.lab.export import export_page

        with tempfile.TemporaryDirectory(prefix="reglab-export-") as folder:
            path = export_page(Path(folder) / f"{slug}.html", page=slug, lang=lang,
                               state=dict(query()))
            return io.BytesIO(path.read_bytes())

    return pn.widgets.FileDownload(callback=callback, filename=f"reglab-{slug}.html",
                                   label=translate("control.download", lang), embed=False,
                                   **kwargs)


@functools.cache
def _released_class(base_name: str) -> type:
    import panel as pn

    base = getattr(pn.widgets, base_name)

    class Released(base):  # type: ignore[misc, valid-type]
        # What ``pn.config.throttled = True`` does for every slider of a process, for this
        # widget only: the browser's drag updates (``value``) are dropped and the release
        # (``value_throttled``) is reported as ``value``.
        def _process_property_change(self, props: dict[str, Any]) -> dict[str, Any]:
            props = dict(props)
            props.pop("value", None)
            if "value_throttled" in props:
                props["value"] = props["value_throttled"]
            return super()._process_property_change(props)

    Released.__name__ = Released.__qualname__ = f"Released{base_name}"
    return Released


def released_slider(kind: type = int, **params: Any) -> Any:
    """Make a Panel ``IntSlider`` or ``FloatSlider`` whose ``value`` changes on release only.

    Dragging the handle shows the value but sends nothing to Python until the handle is
    released (or a key is pressed), so a control that recomputes the page's frames runs once
    per gesture, not once per pixel. ``kind`` is ``int`` or ``float``; ``params`` go to the
    slider (``start``, ``end``, ``step``, ``value``, ``label``...).
    """
    if kind not in (int, float):
        raise ReglabInputError("kind", "must be int or float", kind)
    return _released_class("IntSlider" if kind is int else "FloatSlider")(**params)


# ---------------------------------------------------------------------------------------------
# The λ cursor
# ---------------------------------------------------------------------------------------------
def frame_for_lambda(stack: FrameStack, lam: float, key: str = "lam") -> int:
    """Return the frame whose ``values[key]`` is nearest ``lam`` (log scale; λ = 0 exactly).

    A frame with λ = 0 (the unregularized end) is chosen only for ``lam == 0``; a positive
    ``lam`` goes to the positive frame nearest in ``log λ``.
    """
    lams = np.asarray(stack.values[key], dtype=float)
    positive = np.flatnonzero(lams > 0)
    if lam <= 0 or positive.size == 0:
        return int(np.argmin(np.abs(lams)))
    distance = np.abs(np.log(lams[positive]) - math.log(lam))
    return int(positive[np.argmin(distance)])


class LambdaCursor(param.Parameterized):
    """The page's λ cursor: two slider faces over one Scrubber and λ mirrored on the server.

    Built by :func:`lambda_cursor`. ``lam`` is the λ of the frame shown (the exact float of
    ``stack.values["lam"]``); in a served page it follows the sliders at the end of each gesture
    (a key press, a released drag), and setting it moves them to the nearest frame
    (:func:`frame_for_lambda`). Sync it with the URL by :meth:`sync_to_url` (as ``?lam=...``,
    ``repr`` of the float, exact).
    """

    lam = param.Number(default=None, allow_None=True, bounds=(0, None),
                       doc="λ of the frame shown (exact); follows and moves the sliders.")
    url_lam = param.Number(default=None, allow_None=True, bounds=(0, None),
                           doc="λ as the URL has it: follows ``lam`` a moment after each step "
                               "(:class:`Debounced`); set from the URL, it moves ``lam``.")

    def __init__(self, scrub: Scrubber, lam_slider: CategoricalSlider,
                 R_slider: CategoricalSlider | None, *, key: str = "lam", live: bool = True):
        super().__init__(lam=float(scrub.stack.values[key][scrub.index]))
        self.scrub, self.key = scrub, key
        self.lam_slider, self.R_slider = lam_slider, R_slider
        self._moving = False
        if live:
            # Python callbacks need a server (or Jupyter kernel); a saved file has neither
            # (Bokeh warns about such callbacks when saving), so they are left out there.
            # λ follows a gesture's end (a key press, a released drag: ``value_throttled``) on
            # either face; the frames in between are the browser's alone.
            for face in (lam_slider, R_slider):
                if face is not None:
                    face.on_change("value_throttled", functools.partial(self._from_face, face))
            # λ set from Python moves the sliders (and is snapped to a frame) before the URL
            # writer (precedence 2, :meth:`sync_to_url`) takes it.
            self.param.watch(self._to_slider, "lam", precedence=1)

    @property
    def index(self) -> int:
        """The frame shown."""
        return self.scrub.index

    def _from_face(self, face: CategoricalSlider, attr: str, old: object, new: object) -> None:
        if isinstance(new, str) and new in face.categories:
            index = self.scrub.settle(face, new)
            # The other face followed in the browser without reporting it, so its
            # value_throttled there is still the stop of its own last gesture: a gesture back
            # to that stop would change nothing and never be reported (λ and the URL would stay
            # behind). Both copies take the stop shown now (a message at a gesture's end).
            for other in (self.lam_slider, self.R_slider):
                if other is not None and other is not face:
                    stop = self.scrub.stop_of(other, index)
                    if other.value_throttled != stop:
                        other.set_from_json("value_throttled", stop)  # (read-only in Python)
        self._from_slider(attr, old, new)

    def _from_slider(self, attr: str, old: object, new: object) -> None:
        lam = float(self.scrub.stack.values[self.key][self.scrub.index])
        if lam != self.lam:
            self._moving = True
            try:
                self.lam = lam
            finally:
                self._moving = False

    def _to_slider(self, event: param.parameterized.Event) -> None:
        if self._moving or event.new is None:
            return
        self.goto(float(event.new))

    def goto(self, lam: float) -> int:
        """Show the frame nearest ``lam`` (moves both faces); return its index."""
        stack = self.scrub.stack
        index = frame_for_lambda(stack, lam, self.key)
        if index != self.scrub.index:
            self.scrub.show(index)
        exact = float(stack.values[self.key][index])
        if exact != self.lam:
            self._moving = True
            try:
                self.lam = exact
            finally:
                self._moving = False
        return index

    def refresh(self) -> None:
        """Re-read λ from the shown frame (call after ``scrub.update``)."""
        self._from_slider("value", None, None)

    def sync_to_url(self, name: str = "lam") -> bool:
        """Keep ``lam`` and the URL query parameter ``name`` in step; ``False`` if not served."""
        import panel as pn

        if not pn.state.location:
            return False
        self.url_lam = self.lam
        _sync_param(self, "url_lam", name, None if self.lam is None else repr(float(self.lam)))
        # The URL comes back in the browser's history (back, forward): show its λ. The snapped
        # λ then goes back to the URL with the next write.
        self.param.watch(self._from_url, "url_lam")
        self._url_writer = Debounced(self._write_url)
        self.param.watch(lambda event: self._url_writer.request(), "lam", precedence=2)
        return True

    def _from_url(self, event: param.parameterized.Event) -> None:
        if event.new is not None and event.new != self.lam:
            self.goto(float(event.new))

    def _write_url(self) -> None:
        self.url_lam = self.lam


def lambda_cursor(
    scrub: Scrubber,
    lang: Language,
    *,
    lam_labels: str = "lam_label",
    R_labels: str | None = "R_label",
    key: str = "lam",
    live: bool = True,
    **slider_kwargs: Any,
) -> LambdaCursor:
    """Make the λ cursor's two faces: a λ slider and an R slider over the same frames.

    The frames are ordered by increasing λ; the λ face runs left to right in that order and the
    R face in reverse (R shrinks as λ grows), so both move together and right means "more" on
    each. Both handles get translated aria-labels.

    Parameters
    ----------
    scrub : Scrubber
        The page's scrubber; its stack has the per-frame texts ``lam_labels`` and ``R_labels``
        (distinct strings, see :func:`distinct_labels`) and the value ``key``.
    lang : {"ja", "en"}
    lam_labels, R_labels : str
        Keys of the stack's texts that label the stops; ``R_labels=None`` makes no R face.
    key : str, default "lam"
        The stack's value holding each frame's λ.
    live : bool, default True
        Whether Python runs behind the page (then ``lam`` follows the sliders).
    **slider_kwargs
        Passed to both sliders (``width``, ``sizing_mode``...).

    Returns
    -------
    LambdaCursor
        With ``lam_slider``, ``R_slider`` and the server-side ``lam``.
    """
    lam_slider = scrub.slider(lam_labels, title=translate(KEYS["lam_title"], lang),
                              aria_label=translate("control.lambda.aria", lang),
                              **slider_kwargs)
    R_slider = None
    if R_labels is not None:
        R_slider = scrub.slider(R_labels, title=translate(KEYS["R_title"], lang),
                                aria_label=translate("control.radius.aria", lang),
                                reverse=True, **slider_kwargs)
    return LambdaCursor(scrub, lam_slider, R_slider, key=key, live=live)
