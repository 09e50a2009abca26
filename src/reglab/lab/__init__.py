"""The browser lab: Panel pages whose sliders scrub exact frames computed on the server.

Start it with ``reglab serve`` (:func:`serve`), show a page in Jupyter with :func:`show`, or
save one as a standalone HTML file with :func:`export_page`. The pieces:

- :mod:`reglab.lab.frames` -- :class:`FrameStack`, the plain data a page shows per slider stop;
- :mod:`reglab.lab.scrub` -- :class:`Scrubber`, the generic Bokeh wiring that picks a frame in
  the browser;
- :mod:`reglab.lab.i18n` -- messages in Japanese and English;
- :mod:`reglab.lab.pages` -- one module per page, found by ``registered_pages()``;
  :mod:`reglab.lab.app` -- the pages together, each in the same frame;
- :mod:`reglab.lab.server`, :mod:`reglab.lab.export` -- serving and saving.

Importing this package does not import Panel; the names below load it when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from reglab.lab.frames import FrameStack

if TYPE_CHECKING:  # pragma: no cover
    from reglab.lab.app import build_app, page_view, show
    from reglab.lab.export import export_page
    from reglab.lab.scrub import Scrubber
    from reglab.lab.server import serve

__all__ = ["FrameStack", "Scrubber", "build_app", "export_page", "page_view", "serve", "show"]

_LAZY = {
    "build_app": ("reglab.lab.app", "build_app"),
    "page_view": ("reglab.lab.app", "page_view"),
    "show": ("reglab.lab.app", "show"),
    "export_page": ("reglab.lab.export", "export_page"),
    "Scrubber": ("reglab.lab.scrub", "Scrubber"),
    "serve": ("reglab.lab.server", "serve"),
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
