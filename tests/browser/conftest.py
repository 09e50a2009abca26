"""Browser-test harness for the lab: a served lab, headless Chromium, a request log.

Fixtures
--------
``lab_server``      base URL of ``python -m reglab.lab.server`` run in a subprocess on a free
                    127.0.0.1 port (session-wide, stopped by its own pid at the end).
``chromium``        Debian's Chromium (/usr/bin/chromium) driven by Playwright, headless;
                    missing Chromium fails the tests (never skips; never ``playwright install``).
``new_lab``         ``new_lab(locale)``: a fresh browser page as a :class:`LabDriver`, in a
                    session-wide context per locale (shared HTTP cache, external requests
                    aborted).
``lab``             a fresh browser page in Japanese (``Accept-Language: ja-JP``) as a
                    :class:`LabDriver`: ``open(url)`` waits until the Bokeh document is idle
                    and the sliders are named; ``source(name)`` and ``prop(name, attr)`` read
                    Bokeh models by name; ``slider(key, lang)`` finds a slider by its
                    translated name; ``query()`` and ``wait_for_query(**expected)`` read the
                    URL's query; ``log`` (:class:`PageLog`) has every request and
                    websocket, console errors and page errors. A request that leaves the
                    machine fails the test (such requests are also aborted, so nothing
                    waits on DNS).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from reglab.lab.i18n import translate
from reglab.lab.probe import PAGE_READY_JS, stop_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
IN_PAGE_SCHEMES = {"file", "data", "blob", "about"}
SERVER_START_TIMEOUT = 60.0


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (loopback host, or file:/data:/blob: URLs)."""
    parts = urlsplit(url)
    if parts.scheme in IN_PAGE_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOCAL_HOSTS


@dataclass
class PageLog:
    """What a page did: requests (including websockets) and console errors."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    console_warnings: list[str] = field(default_factory=list)

    @property
    def external(self) -> list[str]:
        return [url for url in self.requests if not is_local(url)]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the lab server in a subprocess; yield its base URL ``http://127.0.0.1:PORT``."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("lab_server") / "server.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "reglab.lab.server", "--port", str(port), "--no-browser"],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _answers(f"{base}/"):
            if process.poll() is not None:
                pytest.fail(f"the lab server exited with code {process.returncode}:\n"
                            + log_path.read_text("utf-8"))
            if time.monotonic() > deadline:
                pytest.fail(f"the lab server did not answer within {SERVER_START_TIMEOUT} s:\n"
                            + log_path.read_text("utf-8"))
            time.sleep(0.2)
        yield base
    finally:
        stop_server(process)


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium through Playwright (fails, never skips, if it is missing)."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"browser tests need Debian's chromium at {CHROMIUM} "
                    "(apt-get install chromium); it is missing or not executable")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class LabDriver:
    """A browser page on the lab, with its :class:`PageLog` and readers for Bokeh models."""

    def __init__(self, page, log: PageLog):
        self.page, self.log = page, log

    def open(self, url: str, timeout: float = 30_000) -> LabDriver:
        """Load a lab page and wait until it can be scrubbed (document idle, sliders named)."""
        self.page.goto(url)
        return self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30_000) -> LabDriver:
        """Wait until the page can be scrubbed, also after a navigation the test did not start
        with :meth:`open` (a link, a button, the back button)."""
        self.page.wait_for_function(PAGE_READY_JS, timeout=timeout)
        return self

    def source(self, name: str) -> dict[str, np.ndarray | list]:
        """The columns of the Bokeh ColumnDataSource called ``name`` (numbers as arrays)."""
        data = self.page.evaluate(
            """(name) => {
              const source = Bokeh.documents[0].get_model_by_name(name)
              if (source == null) { return null }
              const out = {}
              for (const column of source.columns()) {
                out[column] = Array.from(source.get_column(column), (v) =>
                  (typeof v === "number" && Number.isNaN(v)) ? "NaN" : v)
              }
              return out
            }""",
            name,
        )
        if data is None:
            raise AssertionError(f"no model named {name!r} in the page")
        out: dict[str, np.ndarray | list] = {}
        for column, values in data.items():
            if all(isinstance(v, int | float) or v == "NaN" for v in values):
                out[column] = np.array([np.nan if v == "NaN" else v for v in values], float)
            else:
                out[column] = values
        return out

    def slider(self, key: str = "control.lambda.aria", lang: str = "ja"):
        """The slider handle whose accessible name is the translation of ``key``."""
        return self.page.get_by_role("slider", name=translate(key, lang))

    def query(self) -> dict[str, str]:
        """The current URL's query (the last value of each parameter)."""
        return dict(parse_qsl(urlsplit(self.page.url).query))

    def wait_for_query(self, timeout: float = 30_000, **expected: str) -> dict[str, str]:
        """Wait until the URL's query holds ``expected``; return the whole query."""
        self.page.wait_for_function(
            """(expected) => {
              const query = new URLSearchParams(window.location.search)
              return Object.entries(expected).every(([k, v]) => query.get(k) === v)
            }""", arg=expected, timeout=timeout)
        return self.query()

    def prop(self, name: str, attr: str):
        """``attr`` of the Bokeh model called ``name``."""
        return self.page.evaluate(
            "([name, attr]) => { const m = Bokeh.documents[0].get_model_by_name(name);"
            " return m == null ? null : m[attr] }",
            [name, attr],
        )

    def legend_items_without_swatch(self) -> list[str]:
        """Labels of the legend items that BokehJS draws without a swatch.

        A legend draws an item's swatch only from a renderer with data (BokehJS skips one whose
        glyph has no points); an item labelled by a data field is left out.
        """
        return self.page.evaluate(
            """() => {
              const missing = []
              for (const view of Bokeh.index.all_views()) {
                if (view.model.type !== "Legend") { continue }
                for (const item of view.model.items) {
                  if (item.label == null || item.label.type === "field") { continue }
                  const drawn = item.renderers.some((renderer) => {
                    const rview = Bokeh.index.find_one(renderer)
                    return rview != null && rview.glyph != null && rview.glyph.data_size > 0
                  })
                  if (!drawn) { missing.push(item.label.value) }
                }
              }
              return missing
            }""")

    def assert_clean(self) -> None:
        """No request left the machine and the console shows no error."""
        assert self.log.external == [], f"external requests: {self.log.external}"
        assert self.log.console_errors == [], f"console errors: {self.log.console_errors}"


def _block_external(route) -> None:
    if is_local(route.request.url):
        route.continue_()
    else:
        route.abort()


@pytest.fixture(scope="session")
def browser_contexts(chromium) -> Iterator[Callable[[str], object]]:
    """One browser context per locale for the session (pages share its HTTP cache).

    The locale sets the ``Accept-Language`` header of page loads (Chromium lets it win over
    extra headers). Requests outside the machine are aborted at the context level.
    """
    contexts: dict[str, object] = {}

    def get(locale: str):
        if locale not in contexts:
            context = chromium.new_context(locale=locale,
                                           viewport={"width": 1200, "height": 900})
            context.route("**/*", _block_external)
            contexts[locale] = context
        return contexts[locale]

    try:
        yield get
    finally:
        for context in contexts.values():
            context.close()


@pytest.fixture
def new_lab(browser_contexts) -> Iterator[Callable[..., LabDriver]]:
    """``new_lab(locale="ja-JP")``: a fresh page (1200x900) wrapped in a :class:`LabDriver`.

    Every request and websocket of the page is logged; a request outside the machine fails
    the test at teardown even if the test forgot to look.
    """
    pages, logs = [], []

    def make(locale: str = "ja-JP") -> LabDriver:
        log = PageLog()
        page = browser_contexts(locale).new_page()
        pages.append(page)
        logs.append(log)
        page.on("request", lambda request: log.requests.append(request.url))
        page.on("websocket", lambda ws: log.requests.append(ws.url))

        def on_console(message):
            if message.type == "error":
                log.console_errors.append(message.text)
            elif message.type == "warning":
                log.console_warnings.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: log.console_errors.append(f"page error: {error}"))
        return LabDriver(page, log)

    try:
        yield make
    finally:
        for page in pages:
            page.close()
    external = [url for log in logs for url in log.external]
    if external:
        pytest.fail(f"a page made requests outside this machine: {external}")


@pytest.fixture
def lab(new_lab) -> LabDriver:
    """A fresh page in a Japanese browser (see :func:`new_lab`)."""
    return new_lab("ja-JP")
