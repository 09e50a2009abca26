"""Messages of the lab in Japanese and English, and the choice between them.

Every string a page shows goes through :func:`translate` with a key of the catalogs
``messages_ja.json`` and ``messages_en.json`` (both hold the same keys, with the same
``{placeholders}``; a test checks it). Keys are dotted by area: ``app.*``, ``page.<slug>.*``,
``control.*``, ``axis.*``, ``legend.*``, ``readout.*``, ``message.*``, ``tour.*``. A page keeps
its own strings in ``pages/<slug>.ja.json`` and ``pages/<slug>.en.json`` (keys
``page.<slug>.*``); the catalog of a language merges them all.

The language of a served page comes from the browser's ``Accept-Language`` header
(:func:`negotiate_language`) unless the URL asks for one (``?lang=en``).
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Literal

from reglab._validation import ReglabInputError

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Language",
    "catalog",
    "check_language",
    "format_number",
    "negotiate_language",
    "translate",
]

Language = Literal["ja", "en"]

LANGUAGES: tuple[Language, ...] = ("ja", "en")
"""The languages the lab speaks."""

DEFAULT_LANGUAGE: Language = "en"
"""Language when the browser accepts neither Japanese nor English."""


def check_language(lang: object) -> Language:
    """Return ``lang`` if it is one of :data:`LANGUAGES`, else raise ReglabInputError."""
    if lang not in LANGUAGES:
        raise ReglabInputError("lang", f"must be one of {', '.join(LANGUAGES)}", lang)
    return lang  # type: ignore[return-value]


@cache
def catalog(lang: Language) -> MappingProxyType[str, str]:
    """Return the message catalog of ``lang``, read once from the package's JSON files.

    The shared messages live in ``messages_<lang>.json``; each page may keep its own in
    ``pages/<slug>.<lang>.json`` beside its module. A key defined twice is an error.
    """
    lang = check_language(lang)
    files = [resources.files("reglab.lab").joinpath(f"messages_{lang}.json")]
    files += sorted(
        (f for f in resources.files("reglab.lab.pages").iterdir()
         if f.name.endswith(f".{lang}.json")),
        key=lambda f: f.name,
    )
    messages: dict[str, str] = {}
    for file in files:
        for key, value in json.loads(file.read_text("utf-8")).items():
            if key in messages:
                raise KeyError(f"message {key!r} is defined twice ({file.name})")
            messages[str(key)] = str(value)
    return MappingProxyType(messages)


def translate(key: str, lang: Language, /, **fmt: object) -> str:
    """Return the message ``key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``.

    Parameters
    ----------
    key : str
        Catalog key, e.g. ``"page.geometry.title"``.
    lang : {"ja", "en"}
        Language.
    **fmt
        Values for the message's ``{name}`` placeholders (``str.format`` syntax).

    Raises
    ------
    KeyError
        If the key is in no catalog (a programming error: pages must add their keys).
    ReglabInputError
        If ``lang`` is not a supported language.

    Examples
    --------
    >>> translate("page.geometry.title", "ja")
    '幾何'
    >>> translate("readout.lambda", "en", lam="0.1")
    'λ = 0.1'
    """
    messages = catalog(lang)
    if key not in messages:
        raise KeyError(f"no message {key!r} in the {lang} catalog")
    return messages[key].format(**fmt) if fmt else messages[key]


def _parse_accept_language(header: str) -> list[tuple[str, float, int]]:
    """Split an Accept-Language header into ``(primary subtag, q, position)`` entries.

    ``"ja,en-US;q=0.9"`` gives ``[("ja", 1.0, 0), ("en", 0.9, 1)]``. Entries with a
    malformed q-value are dropped, as RFC 9110 asks of a recipient.
    """
    entries = []
    for position, item in enumerate(header.split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        if not tag:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = math.nan
        if not 0.0 <= q <= 1.0:  # also drops NaN
            continue
        entries.append((tag.split("-")[0].lower(), q, position))
    return entries


def negotiate_language(accept_language: str | None) -> Language:
    """Pick the lab's language from a browser's ``Accept-Language`` header.

    The language with the highest q-value among :data:`LANGUAGES` wins; at equal q the one
    the browser listed first. A language with ``q=0`` is refused. If the browser accepts
    neither (or sends no header), the result is :data:`DEFAULT_LANGUAGE` (English); a
    wildcard ``*`` counts for it too.

    Examples
    --------
    >>> negotiate_language("ja,en-US;q=0.9")
    'ja'
    >>> negotiate_language("en-US,en;q=0.9,ja;q=0.8")
    'en'
    >>> negotiate_language("fr-CH, fr;q=0.9")
    'en'
    """
    best: dict[str, tuple[float, int]] = {}
    for tag, q, position in _parse_accept_language(accept_language or ""):
        if tag == "*":
            tag = DEFAULT_LANGUAGE
        if tag in LANGUAGES and q > 0:
            # keep each language's best entry: highest q, then earliest
            if tag not in best or (q, -position) > (best[tag][0], -best[tag][1]):
                best[tag] = (q, position)
    if not best:
        return DEFAULT_LANGUAGE
    return max(best, key=lambda tag: (best[tag][0], -best[tag][1]))  # type: ignore[return-value]


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def format_number(x: float, digits: int = 3) -> str:
    """Format ``x`` with ``digits`` significant digits for a readout, the same in every language.

    Plain decimals between 1e-3 and 1e4, else ``a×10ⁿ`` with a superscript exponent.

    Examples
    --------
    >>> format_number(0.012345)
    '0.0123'
    >>> format_number(1.5e-7)
    '1.5×10⁻⁷'
    >>> format_number(0.0)
    '0'
    """
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        text = f"{x:.{digits}g}"
        if "e" not in text:
            return text.replace("-", "−")
    mantissa, _, exponent = f"{x:.{digits - 1}e}".partition("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    power = str(int(exponent)).translate(_SUPERSCRIPTS)
    sign = "−" if mantissa.startswith("-") else ""
    mantissa = mantissa.lstrip("-")
    if mantissa == "1":
        return f"{sign}10{power}"
    return f"{sign}{mantissa}×10{power}"
