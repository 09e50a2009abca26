"""The lab as a whole: every page wrapped in the same frame, in the visitor's language.

:func:`page_view` builds one page with its header (title, links to the other pages and to
the other language) and the accessibility script of the sliders. :func:`build_app` returns
the ``{slug: function}`` mapping that :func:`panel.serve` runs once per browser session;
:func:`show` returns a page for Jupyter.

The lab loads Panel's ``mathjax`` extension only (MathJax is served from Bokeh's own static
files; KaTeX renders poorly here and loading both breaks MathJax), uses no template (the
templates ask Google Fonts for fonts) and so makes no request outside the machine.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import panel as pn

from reglab.lab.i18n import LANGUAGES, Language, check_language, negotiate_language, translate
from reglab.lab.pages import PageInfo, find_page, registered_pages
from reglab.lab.scrub import page_scripts

__all__ = ["EXTENSIONS", "build_app", "page_view", "session_language", "show"]

EXTENSIONS: tuple[str, ...] = ("mathjax",)
"""Panel extensions the lab loads (and only these)."""

_HEADER_CSS = """
.reglab-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.4em 1.2em;
  font-size: 14px; border-bottom: 1px solid #d0d7de; padding-bottom: 6px; }
.reglab-header .reglab-brand { font-weight: 600; font-size: 16px; }
.reglab-header a { color: #0b57d0; text-decoration: none; }
.reglab-header a[aria-current="page"] { color: #1f2328; font-weight: 600; }
.reglab-header .reglab-lang { margin-left: auto; }
"""


def session_language(default: Language | None = None) -> Language:
    """Return the language of the current served session.

    ``?lang=ja`` or ``?lang=en`` in the URL wins; else ``default`` if given; else the
    browser's ``Accept-Language`` header (:func:`~reglab.lab.i18n.negotiate_language`).
    Outside a session: ``default``, or English.
    """
    args = pn.state.session_args or {}
    for raw in args.get("lang", []):
        value = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if value in LANGUAGES:
            return value  # type: ignore[return-value]
    if default is not None:
        return check_language(default)
    headers = pn.state.headers or {}
    accept = headers.get("Accept-Language", "")
    if isinstance(accept, list):
        accept = ",".join(accept)
    return negotiate_language(accept)


# The header's language links carry only ``?lang=``; clicked, they keep the page's whole state
# (its query string) and change the language alone. The header lives in a shadow root, so the
# click is caught on the window and its link found in the event's composed path.
_LANGUAGE_SWITCH_JS = """<script>
(function () {
  if (window.__reglab_language_switch) { return }
  window.__reglab_language_switch = true
  window.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
        || event.shiftKey || event.altKey) { return }
    const link = event.composedPath().find(
      (el) => el instanceof HTMLAnchorElement && el.hasAttribute("hreflang"))
    if (link == null) { return }
    const query = new URLSearchParams(window.location.search)
    query.set("lang", link.getAttribute("hreflang"))
    event.preventDefault()
    window.location.assign(new URL(link.href).pathname + "?" + query.toString())
  }, true)
})()
</script>"""


def _header(page: PageInfo, lang: Language, *, nav: bool) -> pn.pane.HTML:
    parts = [f'<span class="reglab-brand">{html.escape(translate("app.title", lang))}</span>']
    if nav:
        links = []
        for other in registered_pages():
            title = html.escape(translate(other.title_key, lang))
            current = ' aria-current="page"' if other.slug == page.slug else ""
            links.append(f'<a href="./{other.slug}?lang={lang}"{current}>{title}</a>')
        label = html.escape(translate("app.pages", lang))
        parts.append(f'<nav aria-label="{label}">' + " · ".join(links) + "</nav>")
        switch = []
        for other_lang in LANGUAGES:
            name = html.escape(translate(f"app.language.{other_lang}", lang))
            if other_lang == lang:
                switch.append(f'<span aria-current="true">{name}</span>')
            else:
                switch.append(f'<a href="./{page.slug}?lang={other_lang}" lang="{other_lang}"'
                              f' hreflang="{other_lang}">{name}</a>')
        parts.append('<span class="reglab-lang">' + " | ".join(switch) + "</span>")
    body = '<header class="reglab-header">' + "".join(parts) + "</header>"
    return pn.pane.HTML(body, stylesheets=[_HEADER_CSS], sizing_mode="stretch_width",
                        margin=(5, 10))


def page_view(slug: str, lang: Language, *, live: bool = True, nav: bool = True,
              state: Mapping[str, str] | None = None) -> pn.Column:
    """One page of the lab with its header, in ``lang``.

    Parameters
    ----------
    slug : str
        The page (see :func:`reglab.lab.pages.registered_pages`).
    lang : {"ja", "en"}
        Language.
    live : bool, default True
        Whether Python runs behind the page (served or in Jupyter). ``False`` for a saved
        HTML file: the page leaves out controls that need the server.
    nav : bool, default True
        Whether to show links to the other pages (only meaningful when served).
    state : mapping of str to str, optional
        The page's state as URL query parameters (``{"lam": "0.01", "degree": "9"}``); the
        page starts from it (unknown or invalid entries are reported on the page, not lost).
    """
    lang = check_language(lang)
    page = find_page(slug)
    content = page.build(lang, live=live, state=dict(state or {}))
    scripts = pn.pane.HTML(page_scripts() + (_LANGUAGE_SWITCH_JS if nav else ""),
                           width=0, height=0, margin=0)
    return pn.Column(_header(page, lang, nav=nav), content, scripts,
                     sizing_mode="stretch_width", name=f"reglab.{slug}")


def build_app(lang: Language | None = None) -> dict[str, Callable[[], None]]:
    """Return the pages for :func:`panel.serve`: ``{slug: function}``, the first also at ``/``.

    Each function builds its page for one browser session, in the language of that session
    (``lang`` if given, else :func:`session_language`), and adds it to the session's document
    with the page's title.
    """
    if lang is not None:
        check_language(lang)

    def make(slug: str) -> Callable[[], None]:
        def app() -> None:
            pn.extension(*EXTENSIONS)
            session_lang = session_language(lang)
            # servable() rather than returning the page: panel.serve would title every
            # document with one fixed string, and the title is in the visitor's language.
            page_view(slug, session_lang).servable(
                title=translate(find_page(slug).title_key, session_lang))

        app.__name__ = f"reglab_{slug}"
        return app

    pages = registered_pages()
    apps = {page.slug: make(page.slug) for page in pages}
    return {"/": make(pages[0].slug), **apps}


def show(page: str | None = None, lang: Language = "ja") -> pn.Column:
    """Return a page of the lab for Jupyter: evaluate it as the last expression of a cell.

    Loads Panel's JavaScript from the installed package (``inline=True``), so the notebook
    needs no internet. ``page`` defaults to the first page.
    """
    pn.extension(*EXTENSIONS, inline=True)
    slug = page if page is not None else registered_pages()[0].slug
    return page_view(slug, lang, live=True, nav=False)
