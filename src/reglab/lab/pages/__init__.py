"""The lab's pages, one module per page.

A page module defines a builder and registers it with a module-level ``PAGE``::

    from reglab.lab.pages import PageInfo

    def build_page(lang: Language, *, live: bool = True,
                   state: dict[str, str] | None = None) -> pn.viewable.Viewable:
        ...

    def read_state(query: Mapping[str, str], lang: Language) -> tuple[State, list[str]]:
        ...

    PAGE = PageInfo(slug="geometry", title_key="page.geometry.title", order=20,
                    build=build_page, read_state=read_state)

``build_page`` returns the page's content (the lab adds the header, the navigation and the
accessibility script, see :func:`reglab.lab.app.page_view`). ``live`` is ``False`` when no
Python runs behind the page (a saved HTML file): controls that need the server to recompute
frames must then be disabled or left out; the frame sliders keep working. ``state`` is the
page's state as URL query parameters (what ``pn.state.location`` syncs when served): the page
starts from it, so a shared link or an exported file reproduces the exact view. ``read_state``
parses such a query exactly as the page does, returning the page's state and one translated
line per entry the page would report and ignore (unknown, or invalid). Pages are found by
:func:`registered_pages`, so adding one touches no other file (except the message catalogs).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reglab._validation import ReglabInputError

__all__ = ["PageInfo", "find_page", "registered_pages"]


@dataclass(frozen=True)
class PageInfo:
    """A page of the lab.

    Attributes
    ----------
    slug : str
        URL path of the page (``/slug``); lowercase letters, digits, ``-`` and ``_``.
    title_key : str
        Catalog key of the page's title (``"page.<slug>.title"``).
    order : int
        Position in the navigation; the lowest comes first and is also served at ``/``.
    build : callable
        ``build(lang, *, live=True, state=None) -> panel viewable``: the page's content.
    read_state : callable
        ``read_state(query, lang) -> (state, problems)``: the page's reading of a URL query
        (``problems``: what the page reports and ignores, in ``lang``; empty when all is used).
    """

    slug: str
    title_key: str
    order: int
    build: Callable[..., Any]
    read_state: Callable[..., tuple[Any, list[str]]]

    def __post_init__(self) -> None:
        allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
        if not self.slug or not set(self.slug) <= allowed:
            raise ReglabInputError("slug", "must be lowercase letters, digits, '-' or '_'",
                                   self.slug)


def registered_pages() -> list[PageInfo]:
    """Every page module's ``PAGE`` under :mod:`reglab.lab.pages`, sorted by ``order``."""
    found = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        page = getattr(module, "PAGE", None)
        if isinstance(page, PageInfo):
            found.append(page)
    slugs = [p.slug for p in found]
    if len(set(slugs)) != len(slugs):
        duplicate = next(s for s in slugs if slugs.count(s) > 1)
        raise ReglabInputError("slug", "must be unique among the pages", duplicate)
    return sorted(found, key=lambda p: (p.order, p.slug))


def find_page(slug: str) -> PageInfo:
    """Return the registered page called ``slug``."""
    pages = registered_pages()
    for page in pages:
        if page.slug == slug:
            return page
    raise ReglabInputError("page", f"must be one of {', '.join(p.slug for p in pages)}", slug)
