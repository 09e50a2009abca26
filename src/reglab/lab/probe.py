"""What the browser tests and benchmarks share to drive a served lab.

``PAGE_READY_JS`` is the page-side check that a page can be scrubbed (Playwright's
``page.wait_for_function``); :func:`stop_server` stops a ``reglab serve`` process started by a
test or benchmark, by its own pid only.
"""

from __future__ import annotations

import json
import subprocess

from reglab.lab.scrub import ARIA_LABEL_TAG

__all__ = ["PAGE_READY_JS", "stop_server"]

PAGE_READY_JS = """() => {
  if (!window.Bokeh || Bokeh.documents.length === 0) { return false }
  if (!Bokeh.documents[0].is_idle) { return false }
  for (const view of Bokeh.index.all_views()) {
    const tagged = (view.model.tags || []).some(
      (t) => typeof t === "string" && t.startsWith(TAG))
    if (!tagged) { continue }
    const handle = view.shadow_el.querySelector("[role=slider]")
    if (handle == null || !handle.hasAttribute("aria-label")) { return false }
  }
  return true
}""".replace("TAG", json.dumps(ARIA_LABEL_TAG))
"""True once the Bokeh document is idle and every tagged slider handle has its accessible name
(the aria script has run): the page is drawn and can be scrubbed."""


def stop_server(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop ``process`` (terminate, then kill after ``timeout`` seconds) and reap it."""
    process.terminate()  # this process only, by its own pid
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
