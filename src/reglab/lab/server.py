"""Serve the lab: ``serve()`` for ``reglab serve``, and ``python -m reglab.lab.server``.

::

    python -m reglab.lab.server --port 5006 --no-browser

starts the same server as ``reglab serve`` (used by the browser tests and benchmarks). The
first page is also served at ``/`` (Panel's default index page would load Google Fonts and a
logo from a CDN), the websocket accepts only the served host, and nothing is fetched from
outside the machine.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from reglab._validation import ReglabInputError, check_in_range
from reglab.lab.i18n import LANGUAGES, Language, check_language

__all__ = ["main", "serve"]


def serve(
    port: int = 5006,
    host: str = "127.0.0.1",
    open_browser: bool = True,
    *,
    lang: Language | None = None,
) -> None:
    """Serve the lab's pages on ``http://host:port/`` until interrupted.

    Parameters
    ----------
    port : int, default 5006
        TCP port (1-65535).
    host : str, default "127.0.0.1"
        Address to listen on. The default accepts connections from this machine only.
    open_browser : bool, default True
        Open the first page in the default web browser.
    lang : {"ja", "en"}, optional
        Force the language of every page; by default each visitor gets the language of
        their browser (``Accept-Language``), and ``?lang=`` in a URL overrides it.

    Notes
    -----
    Prints the URL on standard output before serving, then blocks.
    """
    port = int(check_in_range("port", port, 1, 65535))
    if not isinstance(host, str) or not host:
        raise ReglabInputError("host", "must be a host name or address", host)
    if lang is not None:
        check_language(lang)

    import panel as pn

    from reglab.lab.app import EXTENSIONS, build_app

    pn.extension(*EXTENSIONS)
    apps = build_app(lang)  # each page sets its own title, in the visitor's language
    shown_host = f"[{host}]" if ":" in host else host
    origins = [f"{shown_host}:{port}"]
    if host in ("127.0.0.1", "localhost", "::1"):
        origins += [f"localhost:{port}", f"127.0.0.1:{port}"]
    try:
        server = pn.serve(
            apps,
            port=port,
            address=host,
            websocket_origin=sorted(set(origins)),
            show=False,
            start=False,
            threaded=False,
            verbose=False,
            location=True,
        )
    except OSError as error:  # the port is taken, or the address is not this machine's
        raise ReglabInputError(
            "port", f"cannot be served on {host} ({error.strerror or error})", port
        ) from None
    # The URL is printed once the socket is bound, so whoever reads it can connect.
    print(f"reglab lab: http://{shown_host}:{port}/", flush=True)
    if open_browser:
        server.io_loop.add_callback(server.show, "/")
    server.start()
    server.io_loop.start()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: ``python -m reglab.lab.server [--port N] [--host H] [--no-browser]``."""
    parser = argparse.ArgumentParser(prog="python -m reglab.lab.server",
                                     description="Serve the reglab browser lab.")
    parser.add_argument("--port", type=int, default=5006, help="TCP port (default 5006)")
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="force the language (default: the browser's)")
    args = parser.parse_args(argv)
    try:
        serve(args.port, args.host, not args.no_browser, lang=args.lang)
    except ReglabInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
