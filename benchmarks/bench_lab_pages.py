"""Latency and memory of the lab's real pages (run by hand, not part of the tests).

    python benchmarks/bench_lab_pages.py [--steps 50] [--drag-steps 20] [--controls 12]
                                         [--pages overfitting,geometry,...] [--lang ja]

What is measured, for every registered page, each on a fresh ``reglab serve`` (the installed
command, stopped by its own pid):

1. ``reglab serve`` to an interactive page: seconds from starting the command to its URL on
   standard output, and to the page loaded in headless Chromium with its Bokeh document idle
   and its λ handle named (for the first page, opened at ``/``: what a learner waits for);
2. the server's resident memory (``VmRSS`` of its process): idle after printing its URL, and
   with that one page open;
3. the λ slider: for each of ``--steps`` key presses on the λ handle (ArrowRight/ArrowLeft, ten
   at a time) and each move of a ``--drag-steps``-step mouse drag (8 px per move), the time from
   the input event to the frame in which every *linked* view has repainted: from
   ``event.timeStamp`` of the input (capture listener on ``window``), "repainted" when the last
   linked plot's ``paint()`` returns, "next frame" the start of the animation frame after it
   (the frame showing the update has then been rendered). Linked plots are found from the
   scrub callback itself: visible plots with a glyph on one of its displayed sources or a bound
   model (a cursor span) in their layout; readouts are DOM text updated in the same callback,
   drawn in that frame.
   The frame floor (a plain ``<input type=range>`` page writing a text) is measured in the same
   browser in the same run, and the pages' "next frame" medians are also given as ratios to it.
   (The floor's text changes in the input handler, so its "next frame" is the frame that
   renders it; Bokeh paints canvases inside an animation frame, so a page's "next frame" is the
   one after the frame that shows the step: about one frame interval is structural.)
4. the script work of one step without frame scheduling (set the slider's value from script,
   then repaint the linked plots in full), separating the lab's own cost from scheduling and
   the machine's load;
5. a control that changes the problem (recomputed on the server, sent as new frames): from the
   input event (key press or click) to the animation frame after every linked plot repainted
   with the new frames, ``--controls`` times; median and p95. The controls: overfitting, the
   degree M (9 ↔ 8, keyboard on its slider); geometry, the ball family (ℓp ↔ elastic net,
   clicks); paths, the fold seed (a new seed typed each time: a new cross-validation); tour,
   next/previous (a server round trip that replaces the step's text).

Chromium runs headless with software rendering (--disable-gpu), as in the tests. The numbers
depend on the machine and its load: the script prints the load average next to them.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reglab.lab.i18n import translate
from reglab.lab.pages import registered_pages
from reglab.lab.probe import PAGE_READY_JS, stop_server
from reglab.lab.scrub import ARIA_LABEL_TAG

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

# A plain page with one range input and one text: the frame floor of this browser and machine.
FLOOR_PAGE = """<!doctype html><meta charset="utf-8"><title>floor</title>
<input id="s" type="range" min="0" max="200" value="100" aria-label="floor" style="width:420px">
<p id="t">100</p>
<script>
const bench = {input: null, shown: null}
window.addEventListener("keydown", (e) => { bench.input = e.timeStamp }, true)
window.addEventListener("pointermove", (e) => { if (e.buttons) { bench.input = e.timeStamp } },
                        true)
document.getElementById("s").addEventListener("input", (e) => {
  document.getElementById("t").textContent = e.target.value
  const t0 = bench.input
  requestAnimationFrame(() => {
    const drawn = performance.now()
    requestAnimationFrame(() => { bench.shown = {t0, drawn, next: performance.now()} })
  })
})
bench.wait = (timeout) => new Promise((resolve) => {
  const t0 = bench.input, start = performance.now()
  const poll = () => {
    if (bench.shown && bench.shown.t0 === t0 && t0 != null) {
      resolve([bench.shown.drawn - t0, bench.shown.next - t0])
    }
    else if (performance.now() - start > timeout) { resolve(null) }
    else { setTimeout(poll, 2) }
  }
  poll()
})
window.__bench = bench
</script>"""


def _median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(np.ceil(0.95 * len(ordered))) - 1)]
    return statistics.median(ordered), p95


def summary(name: str, pairs: list[tuple[float, float]], expected: int,
            floor: float | None) -> str:
    if not pairs:
        return f"{name:30s} no step completed"
    painted = _median_p95([p for p, _ in pairs])
    shown = _median_p95([n for _, n in pairs])
    ratio = f"  x{shown[0] / floor:4.2f}" if floor else ""
    return (f"{name:30s} {painted[0]:6.1f} / {painted[1]:6.1f}   {shown[0]:6.1f} / "
            f"{shown[1]:6.1f}{ratio}   {len(pairs)}/{expected}")

SERVE_TIMEOUT = 120.0

# Installed in a served page: finds the λ slider's scrubber, the plots linked to it, stamps
# inputs (keys, dragging moves, clicks) and plot paints, and the moments the server replaces
# the frames (the scrubber's values source) or changes any model (pages without frames).
INSTRUMENT_JS = """(lamTag) => {
  const doc = Bokeh.documents[0]
  const get = (container, key) => container instanceof Map ? container.get(key) : container[key]
  const bench = {painted: new Map(), input: null, updated: null, changed: null, linked: []}
  const slider = [...doc.all_models].find(
    (m) => m.type === "CategoricalSlider" && (m.tags || []).includes(lamTag))
  if (slider != null) {
    const callback = get(slider.js_property_callbacks, "change:value")[0]
    const displayed = new Set(get(callback.args, "displayed"))
    const targets = new Set(get(callback.args, "targets"))
    const values = get(callback.args, "values")
    const plots = [...Bokeh.index.query(
      (v) => v.model.type === "Figure" || v.model.type === "Plot")]
    bench.linked = plots.filter((v) => {
      const m = v.model
      if (!m.visible) { return false }
      if (m.renderers.some((r) => displayed.has(r.data_source))) { return true }
      const layout = [...m.center, ...m.above, ...m.below, ...m.left, ...m.right]
      return layout.some((x) => targets.has(x))
    })
    for (const view of bench.linked) {
      const paint = view.paint
      view.paint = function (...args) {
        const out = paint.apply(this, args)
        bench.painted.set(view, performance.now())
        return out
      }
    }
    values.properties.data.change.connect(() => { bench.updated = performance.now() })
    bench.slider = slider.name
  }
  doc.on_change(() => { bench.changed = performance.now() })
  const stamp = (e) => { bench.input = e.timeStamp }
  window.addEventListener("keydown", stamp, true)
  window.addEventListener("click", stamp, true)
  window.addEventListener("pointermove", (e) => { if (e.buttons) { stamp(e) } }, true)
  const poll = (ready, timeout, resolve) => {
    const t0 = bench.input, start = performance.now()
    const tick = () => {
      const at = t0 == null ? null : ready(t0)
      if (at != null) {
        requestAnimationFrame(() => resolve([at - t0, performance.now() - t0]))
      } else if (performance.now() - start > timeout) { resolve(null) }
      else { setTimeout(tick, 2) }
    }
    tick()
  }
  const allPaintedAfter = (t) => {
    const times = bench.linked.map((v) => bench.painted.get(v) ?? -Infinity)
    return times.length > 0 && times.every((p) => p > t) ? Math.max(...times) : null
  }
  // a slider step: every linked plot painted after the input
  bench.wait = (timeout) => new Promise((resolve) => poll(allPaintedAfter, timeout, resolve))
  // a recompute: new frames from the server after the input, then every linked plot painted
  bench.waitUpdate = (timeout) => new Promise((resolve) => poll((t0) => (
    bench.updated != null && bench.updated > t0 ? allPaintedAfter(bench.updated) : null),
    timeout, resolve))
  // a page without frames: the server changed a model after the input (drawn next frame)
  bench.waitChange = (timeout) => new Promise((resolve) => poll((t0) => (
    bench.changed != null && bench.changed > t0 ? bench.changed : null), timeout, resolve))
  window.__bench = bench
  return {slider: bench.slider ?? null, linked: bench.linked.length}
}"""

# Script work of one step without frame scheduling: set the λ slider's value from script (the
# scrub callback copies the frame), then repaint every linked plot in full.
WORK_JS = """async (name) => {
  const slider = Bokeh.documents[0].get_model_by_name(name)
  const plots = window.__bench.linked
  const callback = [], paint = []
  const n = Math.min(40, slider.categories.length)
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    slider.value = slider.categories[i]
    callback.push(performance.now() - t0)
    await new Promise((resolve) => setTimeout(resolve, 0))  // let the glyphs take the data
    const t1 = performance.now()
    for (const view of plots) { view.invalidate_painters(); view.paint() }
    paint.push(performance.now() - t1)
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 20)))
  }
  const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]
  return [median(callback), median(paint)]
}"""

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float:
    """Resident set size of process ``pid`` in MiB (``VmRSS`` of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reglab() -> str:
    script = Path(sys.executable).with_name("reglab")
    if not (script.is_file() and os.access(script, os.X_OK)):
        raise SystemExit(f"no reglab command beside {sys.executable}")
    return str(script)


@dataclass
class Server:
    """A running ``reglab serve``: its process, URL and timings."""

    process: subprocess.Popen
    url: str
    started: float
    printed: float
    rss_idle: float = float("nan")


@contextmanager
def reglab_serve() -> Iterator[Server]:
    """Start ``reglab serve --no-browser`` on a free port; stop it by its own pid afterwards."""
    port = _free_port()
    started = time.monotonic()
    process = subprocess.Popen([_reglab(), "serve", "--no-browser", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        line = ""
        while not line:
            if time.monotonic() - started > SERVE_TIMEOUT or process.poll() is not None:
                raise RuntimeError("reglab serve did not print its URL")
            if select.select([process.stdout], [], [], 0.2)[0]:
                line = process.stdout.readline()
        printed = time.monotonic() - started
        url = line.strip().split(": ", 1)[1]
        server = Server(process, url, started, printed)
        server.rss_idle = _rss_mb(process.pid)
        yield server
    finally:
        stop_server(process)
        process.stdout.close()


@dataclass
class PageResult:
    slug: str
    printed: float = float("nan")
    interactive: float = float("nan")
    rss_idle: float = float("nan")
    rss_open: float = float("nan")
    linked: int = 0
    keys: list[tuple[float, float]] = field(default_factory=list)
    drag: list[tuple[float, float]] = field(default_factory=list)
    work: tuple[float, float] | None = None
    control: str = ""
    control_times: list[tuple[float, float]] = field(default_factory=list)


def open_interactive(page, url: str, started: float) -> float:
    """Load ``url`` (retrying while the server binds) until interactive; seconds since start."""
    while True:
        try:
            page.goto(url)
            break
        except Exception:  # noqa: BLE001 - connection refused while the server starts
            if time.monotonic() - started > SERVE_TIMEOUT:
                raise
            time.sleep(0.1)
    page.wait_for_function(PAGE_READY_JS, timeout=SERVE_TIMEOUT * 1000)
    return time.monotonic() - started


def measure_slider(page, handle, steps: int, drag_steps: int, wait: str = "wait"):
    """(repainted, next frame) latencies in ms of key presses and of a drag's moves."""
    handle.focus()
    keys = []
    for k in range(steps):
        handle.press("ArrowRight" if (k // 10) % 2 == 0 else "ArrowLeft")
        latency = page.evaluate(f"() => __bench.{wait}(1000)")
        if latency is not None:
            keys.append(tuple(latency))
        page.wait_for_timeout(30)  # let the 60 Hz paint throttle settle between steps
    direction = handle.evaluate("""(el) => {
      const attr = (name, fallback) => Number(el.getAttribute(name) ?? fallback)
      const value = attr("aria-valuenow", el.value), low = attr("aria-valuemin", el.min)
      const high = attr("aria-valuemax", el.max)
      return value - low > (high - low) / 2 ? -1 : 1
    }""")
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    drag = []
    for k in range(1, drag_steps + 1):
        page.mouse.move(x + direction * 8 * k, y)
        latency = page.evaluate(f"() => __bench.{wait}(1000)")
        if latency is not None:
            drag.append(tuple(latency))
    page.mouse.up()
    return keys, drag


def measure_control(page, slug: str, lang: str, n: int) -> tuple[str, list]:
    """Latencies (ms) of the page's problem-changing control, ``n`` times."""
    times = []

    def record(wait: str, timeout: int = 30_000) -> None:
        latency = page.evaluate(f"() => __bench.{wait}({timeout})")
        if latency is not None:
            times.append(tuple(latency))
        page.wait_for_timeout(300)

    if slug == "overfitting":
        handle = page.get_by_role("slider", name=translate("control.degree", lang))
        handle.focus()
        for k in range(n):
            handle.press("ArrowLeft" if k % 2 == 0 else "ArrowRight")
            record("waitUpdate")
        return "degree M 9 <-> 8 (keys)", times
    if slug == "geometry":
        names = [translate(f"page.geometry.family.{f}", lang) for f in ("enet", "lp")]
        for k in range(n):
            page.get_by_role("button", name=names[k % 2], exact=True).click()
            record("waitUpdate")
        return "ball family lp <-> enet (clicks)", times
    if slug == "paths":
        box = page.get_by_label(translate("page.paths.control.fold_seed", lang))
        for k in range(n):
            box.fill(str(k + 1))
            box.press("Enter")
            record("waitUpdate")
        return "fold seed 1, 2, ... (typed)", times
    if slug == "tour":
        labels = [translate("tour.next", lang) + " →", "← " + translate("tour.previous", lang)]
        for k in range(n):
            page.get_by_role("button", name=labels[k % 2]).click()
            record("waitChange")
        return "next/previous (clicks)", times
    return "", times


def bench_page(browser, slug: str, first: bool, args) -> PageResult:
    result = PageResult(slug)
    lang = args.lang
    lam_tag = ARIA_LABEL_TAG + translate("control.lambda.aria", lang)
    with reglab_serve() as server:
        result.printed, result.rss_idle = server.printed, server.rss_idle
        context = browser.new_context(viewport={"width": 1300, "height": 900},
                                      locale={"ja": "ja-JP", "en": "en-US"}[lang])
        page = context.new_page()
        url = server.url if first else f"{server.url}{slug}"
        result.interactive = open_interactive(page, url, server.started)
        page.wait_for_timeout(1000)  # the server settles the page's first URL sync
        result.rss_open = _rss_mb(server.process.pid)
        info = page.evaluate(INSTRUMENT_JS, lam_tag)
        result.linked = info["linked"]
        if info["slider"] is not None:
            handle = page.get_by_role("slider", name=translate("control.lambda.aria", lang))
            result.keys, result.drag = measure_slider(page, handle, args.steps,
                                                      args.drag_steps)
            result.work = page.evaluate(WORK_JS, info["slider"])
        result.control, result.control_times = measure_control(page, slug, lang,
                                                               args.controls)
        context.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--drag-steps", type=int, default=20)
    parser.add_argument("--controls", type=int, default=12)
    parser.add_argument("--pages", default=None, help="comma-separated slugs (default: all)")
    parser.add_argument("--lang", default="ja", choices=("ja", "en"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if not os.access(args.chromium, os.X_OK):
        print(f"no Chromium at {args.chromium}", file=sys.stderr)
        return 2
    pages = [p.slug for p in registered_pages()]
    chosen = pages if args.pages is None else args.pages.split(",")
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()[0]
    results: list[PageResult] = []
    floors = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True,
                                             args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        page = context.new_page()
        page.set_content(FLOOR_PAGE)
        keys, drag = measure_slider(page, page.get_by_role("slider"), args.steps,
                                    args.drag_steps)
        floors["before"] = (keys, drag)
        for slug in chosen:
            print(f"... {slug}", file=sys.stderr, flush=True)
            results.append(bench_page(browser, slug, slug == pages[0], args))
        page.set_content(FLOOR_PAGE)  # the floor again: did the machine's load drift?
        floors["after"] = measure_slider(page, page.get_by_role("slider"), args.steps,
                                         args.drag_steps)
        context.close()
        browser.close()

    def median_next(pairs):
        return statistics.median([n for _, n in pairs]) if pairs else float("nan")

    floor_keys = median_next(floors["before"][0])
    floor_drag = median_next(floors["before"][1])
    print(f"headless Chromium (--disable-gpu), {os.cpu_count()} CPUs, load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after; lang={args.lang}")
    print()
    print("λ slider step -> every linked view repainted, ms")
    print(f"{'':34s} repainted med/p95   next frame med/p95  /floor  steps")
    for name, (keys, drag) in (("floor: plain page (before)", floors["before"]),
                               ("floor: plain page (after)", floors["after"])):
        print(summary(f"{name}: keys", keys, args.steps, floor_keys))
        print(summary(f"{name}: drag", drag, args.drag_steps, floor_drag))
    for r in results:
        if not r.keys and not r.drag:
            continue
        name = f"{r.slug} ({r.linked} linked plots)"
        print(summary(f"{name}: keys", r.keys, args.steps, floor_keys))
        print(summary(f"{name}: drag", r.drag, args.drag_steps, floor_drag))
    print()
    print("script work per λ step, median ms: scrub callback | full repaint of the linked plots")
    for r in results:
        if r.work is not None:
            print(f"  {r.slug:14s} {r.work[0]:7.2f} | {r.work[1]:7.2f}")
    print()
    print("problem-changing control -> new frames from the server, every linked view "
          "repainted, ms")
    for r in results:
        if r.control_times:
            painted = _median_p95([p for p, _ in r.control_times])
            shown = _median_p95([n for _, n in r.control_times])
            print(f"  {r.slug:12s} {r.control:34s} median {shown[0]:7.1f}  p95 {shown[1]:7.1f}"
                  f"  (repainted {painted[0]:.1f} / {painted[1]:.1f})"
                  f"  {len(r.control_times)}/{args.controls}")
        elif r.control:
            print(f"  {r.slug:12s} {r.control:34s} no update completed")
    print()
    print("reglab serve (fresh per page): URL printed, interactive page (s); server RSS (MiB): "
          "idle, one page open")
    for r in results:
        where = "/" if r.slug == pages[0] else f"/{r.slug}"
        print(f"  {where:14s} {r.printed:6.2f} s  {r.interactive:6.2f} s   "
              f"{r.rss_idle:7.1f}  {r.rss_open:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
