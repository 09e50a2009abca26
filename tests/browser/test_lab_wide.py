"""The lab as a whole in headless Chromium: every page, both languages, the CLI, saved files.

- every registered page loads with zero requests outside the machine and no console error
  in a Japanese browser, and its header's language switch turns every text into English
  (again with no outside request and no console error); ``/`` serves the first page;
- ``reglab serve --no-browser --port N`` (the installed command, in a subprocess stopped by
  its own pid) prints its URL and serves a page whose λ slider works; the time from starting
  the command to that interactive page is printed (``pytest -rP`` shows it; the issue's
  target is 3 s, not asserted: it depends on the machine's load);
- the file written by ``reglab export`` for each page, opened via file:// with no server,
  makes no request outside the file and its λ slider scrubs every linked view.

The checks are generic over the pages: a page's frame sliders and data sources are found by
the names :class:`reglab.lab.scrub.Scrubber` gives them, and a scrubbed view must equal the
slice of its hidden frames source for the slider's stop (what the per-page tests compare
with each page's own frames).
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reglab.lab.i18n import translate
from reglab.lab.pages import registered_pages
from reglab.lab.probe import stop_server
from reglab.lab.scrub import ARIA_LABEL_TAG

pytestmark = pytest.mark.browser

PAGES = registered_pages()
SLUGS = [page.slug for page in PAGES]
TITLES = {page.slug: page.title_key for page in PAGES}
LOCALES = {"ja": "ja-JP", "en": "en-US"}
SERVE_TIMEOUT = 60.0
ISSUE_TARGET_SECONDS = 3.0


# The page's λ slider (the frame slider whose handle is named by the λ aria-label) and whether
# each displayed source of its scrubber equals frame i of the hidden frames source
# (frame-major, m points per frame).
SCRUBBED_JS = """(tag) => {
  const doc = Bokeh.documents[0]
  const sliders = [...doc.all_models].filter(
    (m) => m.type === "CategoricalSlider" && m.name && m.name.includes(".slider.")
           && (m.tags || []).includes(tag))
  if (sliders.length === 0) { return null }
  const slider = sliders[0]
  const prefix = slider.name.split(".slider.")[0]
  const i = slider.categories.indexOf(slider.value)
  const mismatches = []
  let views = 0
  for (const model of doc.all_models) {
    if (model.type !== "ColumnDataSource" || !model.name) { continue }
    if (!model.name.startsWith(prefix + ".") || !model.name.endsWith(".frames")) { continue }
    const shown = doc.get_model_by_name(model.name.slice(0, -".frames".length))
    views += 1
    for (const column of model.columns()) {
      const all = model.get_column(column), out = shown.get_column(column)
      const m = out.length
      for (let j = 0; j < m; j++) {
        const want = all[i * m + j], got = out[j]
        if (!(want === got || (Number.isNaN(want) && Number.isNaN(got)))) {
          mismatches.push(`${shown.name}.${column}[${j}]`)
          break
        }
      }
    }
  }
  return {name: slider.name, index: i, n: slider.categories.length, views, mismatches}
}"""


def scrubbed(lab, lang) -> dict | None:
    return lab.page.evaluate(SCRUBBED_JS, ARIA_LABEL_TAG + translate("control.lambda.aria", lang))


def heading(lab, slug, lang):
    return lab.page.get_by_role("heading", name=translate(TITLES[slug], lang), exact=True)


def step_lambda_slider(lab, lang) -> None:
    """Press one arrow key on the λ handle (towards the side with room) and check the views.

    Every displayed source must show the slider's new frame.
    """
    before = scrubbed(lab, lang)
    assert before is not None and before["views"] >= 1 and before["mismatches"] == []
    handle = lab.page.get_by_role("slider", name=translate("control.lambda.aria", lang)).first
    handle.focus()
    forward = before["index"] < before["n"] - 1
    handle.press("ArrowRight" if forward else "ArrowLeft")
    lab.page.wait_for_function(
        "([name, index]) => { const s = Bokeh.documents[0].get_model_by_name(name);"
        " return s.categories.indexOf(s.value) !== index }", arg=[before["name"],
                                                                before["index"]])
    after = scrubbed(lab, lang)
    assert after["index"] == before["index"] + (1 if forward else -1)
    assert after["mismatches"] == []


# -- every page, both languages --------------------------------------------------------------


def assert_page_in(lab, slug, lang) -> None:
    """The page is titled in ``lang`` and its header names every page in ``lang``."""
    expect(heading(lab, slug, lang)).to_be_visible()
    expect(lab.page).to_have_title(translate(TITLES[slug], lang))
    nav = lab.page.get_by_role("navigation", name=translate("app.pages", lang))
    for other in PAGES:
        expect(nav.get_by_text(translate(other.title_key, lang), exact=True)).to_be_visible()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_page_loads_offline_in_both_languages_and_the_switch_changes_the_texts(
        lab_server, lab, slug):
    lab.open(f"{lab_server}/{slug}")  # a Japanese browser
    assert_page_in(lab, slug, "ja")
    # the page script that keeps Bokeh from rewriting unchanged stylesheets found its target
    assert lab.page.evaluate(
        "() => Bokeh.require('core/dom').InlineStyleSheet.prototype.__reglab_quiet") is True
    lab.assert_clean()
    # The header's language switch: the same page, every text in English.
    lab.page.get_by_role("link", name=translate("app.language.en", "ja")).click()
    # (the page's query, whatever it holds by now, is kept; only the language changes)
    lab.page.wait_for_url(re.compile(rf".*/{slug}\?(.*&)?lang=en(&.*)?$"))
    lab.wait_ready()
    assert_page_in(lab, slug, "en")
    assert lab.page.get_by_role("link", name=translate("app.language.ja", "en")).count() == 1
    assert lab.log.requests, "the page made no request at all?"
    lab.assert_clean()


def test_root_serves_the_first_page(lab_server, new_lab):
    lab = new_lab("en-US")
    lab.open(f"{lab_server}/")  # not Panel's index page, which loads Google Fonts
    expect(heading(lab, SLUGS[0], "en")).to_be_visible()
    expect(lab.page).to_have_title(translate(TITLES[SLUGS[0]], "en"))
    step_lambda_slider(lab, "en")
    lab.assert_clean()


# -- the command line ------------------------------------------------------------------------


def _reglab_command() -> str:
    """The ``reglab`` script installed beside this interpreter (not whichever is on PATH)."""
    script = Path(sys.executable).with_name("reglab")
    if not (script.is_file() and os.access(script, os.X_OK)):
        pytest.fail(f"the reglab command is not installed beside {sys.executable}")
    return str(script)


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _read_line(process: subprocess.Popen, deadline: float) -> str:
    """The next line of the process's standard output, or fail at the deadline."""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if line:
                return line
        if process.poll() is not None:
            pytest.fail(f"reglab serve exited with code {process.returncode}: "
                        + process.stdout.read())
    pytest.fail(f"reglab serve printed nothing within {SERVE_TIMEOUT} s")


def test_reglab_serve_prints_its_url_and_serves_an_interactive_page(new_lab):
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    started = time.monotonic()
    process = subprocess.Popen(
        [_reglab_command(), "serve", "--no-browser", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        line = _read_line(process, started + SERVE_TIMEOUT)
        url = f"http://127.0.0.1:{port}/"
        assert line.strip() == f"reglab lab: {url}"
        printed = time.monotonic() - started
        lab = new_lab("ja-JP")
        # The server may still be starting after printing: retry until it answers.
        while True:
            try:
                lab.open(url)
                break
            except Exception:  # noqa: BLE001 - connection refused while it binds the port
                if time.monotonic() - started > SERVE_TIMEOUT or process.poll() is not None:
                    raise
                time.sleep(0.2)
        step_lambda_slider(lab, "ja")
        interactive = time.monotonic() - started
        print(f"reglab serve: URL printed after {printed:.2f} s, interactive page after "
              f"{interactive:.2f} s (issue target <= {ISSUE_TARGET_SECONDS:g} s; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        expect(heading(lab, SLUGS[0], "ja")).to_be_visible()
        lab.assert_clean()
    finally:
        stop_server(process)
        process.stdout.close()


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    """Every page saved by ``reglab export`` (in Japanese, default state), run in parallel."""
    folder = tmp_path_factory.mktemp("exported")
    processes = {
        slug: subprocess.Popen([_reglab_command(), "export", str(folder / f"{slug}.html"),
                                "--page", slug, "--lang", "ja"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for slug in SLUGS
    }
    paths = {}
    for slug, process in processes.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
        paths[slug] = Path(output.strip().splitlines()[-1])
        assert paths[slug] == folder / f"{slug}.html" and paths[slug].is_file()
    return paths


@pytest.mark.parametrize("slug", SLUGS)
def test_exported_page_works_from_a_file_without_a_server(exported, lab, slug):
    lab.open(exported[slug].as_uri())
    assert all(url.startswith(("file:", "data:", "blob:")) for url in lab.log.requests), \
        sorted({url[:60] for url in lab.log.requests})
    expect(heading(lab, slug, "ja")).to_be_visible()
    if scrubbed(lab, "ja") is None:  # a page without frames (the tour): every step is shown
        assert slug == "tour"
        expect(lab.page.locator("mjx-container").first).to_be_visible()
    else:
        step_lambda_slider(lab, "ja")
    lab.assert_clean()
