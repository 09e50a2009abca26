"""Save a page of the lab as one standalone HTML file that works with no server and no network.

Panel saves the page with every JavaScript and CSS resource inline (``resources=INLINE``), but
the saved file still points a few stylesheets and the favicon at Panel's CDN. This module
rewrites each of those links into a ``data:`` URI read from the installed ``panel/dist``
folder (the very files the CDN serves for this version), including the images the
stylesheets refer to, so the file makes no request at all when opened. The frame sliders work
in the file as when served (:mod:`reglab.lab.scrub`); controls that need the server to
recompute frames are left out (pages are built with ``live=False``).
"""

from __future__ import annotations

import base64
import mimetypes
import os
import re
from collections.abc import Mapping
from pathlib import Path

from reglab._validation import ReglabInputError
from reglab.lab.i18n import Language, check_language, translate

__all__ = ["export_page", "inline_cdn_links", "panel_cdn_root"]

_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?!data:|https?:|#)([^'")]+)\1\s*\)""")
_MIME = {".css": "text/css", ".svg": "image/svg+xml", ".ico": "image/x-icon",
         ".png": "image/png", ".woff2": "font/woff2", ".woff": "font/woff"}


def panel_cdn_root() -> tuple[str, Path]:
    """Panel's CDN base URL for the installed version, and the local folder it mirrors."""
    import panel
    from panel.io.resources import CDN_DIST, DIST_DIR

    if not CDN_DIST.endswith("/"):  # pragma: no cover - Panel's constant ends with a slash
        raise RuntimeError(f"unexpected Panel CDN base {CDN_DIST!r} (Panel {panel.__version__})")
    return CDN_DIST, Path(DIST_DIR)


def _data_uri(path: Path, dist: Path) -> str:
    mime = _MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    mime = mime or "application/octet-stream"
    if mime == "text/css":
        payload = _inline_css_urls(path.read_text("utf-8"), path.parent, dist).encode("utf-8")
    else:
        payload = path.read_bytes()
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def _inline_css_urls(css: str, folder: Path, dist: Path) -> str:
    """Replace the relative ``url(...)`` of a stylesheet by ``data:`` URIs of the files."""

    def replace(match: re.Match[str]) -> str:
        target = (folder / match.group(2).split("?")[0].split("#")[0]).resolve()
        if dist.resolve() in target.parents and target.is_file():
            return f"url('{_data_uri(target, dist)}')"
        return match.group(0)

    return _CSS_URL.sub(replace, css)


def inline_cdn_links(html: str) -> str:
    """Rewrite every link to a file on Panel's CDN into a ``data:`` URI of the installed file.

    Links to CDN files that are not installed locally are left as they are (the browser test
    that counts external requests would then fail, visibly).
    """
    cdn, dist = panel_cdn_root()
    # A version query (``loading.css?v=1.9.4``) goes too: appended to a data: URI it would
    # corrupt the payload.
    pattern = re.compile(re.escape(cdn) + r"""([A-Za-z0-9_./-]+)(\?[A-Za-z0-9_.=&-]*)?""")
    cache: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        relative = match.group(1)
        if relative not in cache:
            path = (dist / relative).resolve()
            inside = dist.resolve() in path.parents
            cache[relative] = (_data_uri(path, dist) if inside and path.is_file()
                               else match.group(0))
        return cache[relative]

    return pattern.sub(replace, html)


def export_page(
    path: str | os.PathLike[str],
    page: str | None = None,
    lang: Language = "ja",
    state: Mapping[str, str] | None = None,
) -> Path:
    """Save one page of the lab as a standalone HTML file that makes no network request.

    Parameters
    ----------
    path : path-like
        Where to write the file (overwritten).
    page : str, optional
        Slug of the page; by default the first page.
    lang : {"ja", "en"}, default "ja"
        Language of the page.
    state : mapping of str to str, optional
        The page's state as URL query parameters (as in a shared link); every entry must be
        one the page uses (the lab's own ``lang`` aside).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ReglabInputError
        An unknown page, a path not ending in ``.html``, or a ``state`` entry the page would
        ignore (unknown, or invalid: the page's own message names it, its rule and value).
    """
    import panel as pn
    from bokeh.resources import INLINE

    from reglab.lab.app import EXTENSIONS, page_view
    from reglab.lab.pages import find_page, registered_pages

    lang = check_language(lang)
    slug = page if page is not None else registered_pages()[0].slug
    info = find_page(slug)
    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        raise ReglabInputError("path", "must end with .html", str(path))
    _, problems = info.read_state(dict(state or {}), "en")
    if problems:  # a saved file is no place to discover that an entry was dropped
        raise ReglabInputError("state", f"must be entries the {slug} page uses",
                               "; ".join(problems))
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    pn.extension(*EXTENSIONS)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build the saved page in a document of its own: inside a served session Panel would share
    # that session's stylesheet models with it, and saving points them at the CDN, so the live
    # page would then fetch its CSS from outside the machine.
    document = Document()
    try:
        with set_curdoc(document):
            view = page_view(slug, lang, live=False, nav=False, state=state)
            view.save(str(target), resources=INLINE, title=translate(info.title_key, lang),
                      progress=False)
    finally:
        pn.state._stylesheets.pop(document, None)  # Panel's per-document stylesheet cache
    target.write_text(inline_cdn_links(target.read_text("utf-8")), "utf-8")
    return target
