"""``reglab.lab.show()``: every page as a Panel object for Jupyter, displayable offline.

``show(page, lang)`` must return a Panel viewable for each registered page (the page without
the served navigation) after loading Panel's JavaScript from the installed package
(``inline=True``), and the notebook display of that object (its ``_repr_mimebundle_``, what
Jupyter calls for the last expression of a cell) must hold the page -- its title and, for a
page with frames, every frame of its scrubber, so the slider works in the notebook with no
server round trip -- and fetch nothing from the internet.

Executing a real notebook (nbformat + nbclient + ipykernel) is not done here: those packages
are not installed in this environment.
"""

from __future__ import annotations

import html
import re

import panel as pn
import pytest

from reglab.lab import show
from reglab.lab.i18n import LANGUAGES, translate
from reglab.lab.pages import registered_pages

PAGES = registered_pages()
# A resource the browser would fetch: src= / href= / url( / import of an http(s) address.
REMOTE = re.compile(r"""(?:src|href)\s*=\s*\\?["']?\s*https?://|url\(\s*["']?https?://"""
                    r"""|import\s*\(?\s*["']https?://""", re.IGNORECASE)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("slug", [page.slug for page in PAGES])
def test_show_returns_the_page_and_its_notebook_display_fetches_nothing(slug, lang):
    view = show(slug, lang)
    assert isinstance(view, pn.viewable.Viewable) and isinstance(view, pn.Column)
    assert pn.config.inline  # BokehJS and Panel's JS from the package, not the CDN
    header = view.objects[0].object
    assert translate("app.title", lang) in header and "<nav" not in header
    page = next(p for p in PAGES if p.slug == slug)
    title = translate(page.title_key, lang)
    assert any(f"## {title}" in str(pane.object) for pane in view.select(pn.pane.Markdown))

    if lang != "en":
        return  # the display itself is language-blind (and slow: once per page is enough)
    data, metadata = view._repr_mimebundle_()  # what Jupyter displays
    text = data["text/html"]
    assert html.escape(title) in text
    # The hidden frames sources (Scrubber names them "<page>.<view>.frames"), in the JSON.
    names = set(re.findall(r'\\?"name\\?"\s*:\s*\\?"([a-z_]+\.[a-z_.]+\.frames)\\?"', text))
    if slug != "tour":  # a page with frames carries all of them into the notebook
        assert names, "no frames source in the notebook display"
        assert all(name.startswith(f"{slug}.") for name in names)
    assert REMOTE.search(text) is None, REMOTE.search(text)
    assert metadata  # the id Jupyter uses to keep the view's comm


def test_show_defaults_to_the_first_page_in_japanese():
    view = show()
    title = translate(PAGES[0].title_key, "ja")
    assert any(f"## {title}" in str(pane.object) for pane in view.select(pn.pane.Markdown))
