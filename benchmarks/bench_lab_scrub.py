"""Latency of scrubbing frames in the browser lab (run by hand, not part of the tests).

    python benchmarks/bench_lab_scrub.py [--steps 50] [--drag-steps 20] [--chromium PATH]

What is measured
----------------
For every slider step, the time from the input event to the moment every linked plot has
repainted: the latency a learner sees between pressing a key (or moving the mouse) and the
frame in which all views show the new λ.

- start: ``event.timeStamp`` of the ``keydown`` or ``pointermove`` that moves the slider, taken
  by a capture listener on ``window`` (the same clock as ``performance.now()``);
- "repainted": ``performance.now()`` when the last plot's ``paint()`` returns. Each Bokeh plot
  view's ``paint`` is wrapped to stamp its end time; Bokeh paints inside
  ``requestAnimationFrame`` (throttled to 60 Hz), so this is the end of the script work of the
  frame that shows the update, just before the browser renders it. A step counts only once
  *every* plot painted after the input.
- "next frame" (the headline number): the start of the first animation frame after that one,
  i.e. once the frame showing the update has been rendered and handed to the compositor.

The frame floor is measured the same way in the same run on a plain page without plots: a
native ``<input type=range>`` whose ``input`` handler writes a text; "repainted" is the
``requestAnimationFrame`` callback of the frame that draws the text and "next frame" the one
after it. It is what showing any change costs in this browser; the lab's "next frame" latency
is also reported as a ratio to the floor's.

Pages: the demo page served by ``python -m reglab.lab.server`` (two plots and a readout) and
a synthetic standalone page with four linked plots of 300 points and 200 frames (the size of
the real pages), opened from a file. For both, the script work of one step is also timed
without any scheduling (set the slider's value from script, then repaint every plot), which
separates the lab's own cost (the scrub callback; painting the plots, in software here since
Chromium runs with --disable-gpu) from the browser's frame scheduling and the machine's load.
Keyboard steps press ArrowRight/ArrowLeft on the slider handle; the drag moves the mouse in
20 steps of 8 px with the button down, towards the side of the slider with more room.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

# Installed in the page: stamps inputs and plot paints; `__bench.wait(t0)` resolves with the
# latency of the step that started at t0 once every plot painted after it.
INSTRUMENT_BOKEH = """() => {
  const plots = [...Bokeh.index.query((v) => typeof v.paint === "function"
                                           && v.model.type.endsWith("Plot")
                                           || v.model.type === "Figure")]
  const bench = {plots: plots.length, painted: new Map(), input: null}
  for (const view of plots) {
    const paint = view.paint
    view.paint = function (...args) {
      const out = paint.apply(this, args)
      bench.painted.set(view, performance.now())
      return out
    }
  }
  const stamp = (e) => { bench.input = e.timeStamp }
  window.addEventListener("keydown", stamp, true)
  window.addEventListener("pointermove", (e) => { if (e.buttons) { stamp(e) } }, true)
  bench.wait = (timeout) => new Promise((resolve) => {
    const t0 = bench.input, start = performance.now()
    const poll = () => {
      const times = plots.map((v) => bench.painted.get(v) ?? -Infinity)
      if (t0 != null && times.every((t) => t > t0)) {
        const painted = Math.max(...times) - t0
        requestAnimationFrame(() => resolve([painted, performance.now() - t0]))
      }
      else if (performance.now() - start > timeout) { resolve(null) }
      else { setTimeout(poll, 2) }
    }
    poll()
  })
  window.__bench = bench
  return plots.length
}"""

# The script work of one step without any frame scheduling: set the slider's value from
# script (the scrub callback copies the frame, the glyphs take the new data), then repaint every
# plot in full (all painters invalidated: an upper bound of what a step repaints).
WORK_JS = """async (name) => {
  const slider = Bokeh.documents[0].get_model_by_name(name)
  const plots = [...Bokeh.index.query((v) => v.model.type === "Figure" || v.model.type === "Plot")]
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def lab_server() -> Iterator[str]:
    """Run ``python -m reglab.lab.server`` on a free port; stop it (by its pid) afterwards."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "reglab.lab.server", "--port", str(port), "--no-browser"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/demo", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the lab server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def synthetic_page(path: Path, n_frames: int = 200, n_points: int = 300) -> Path:
    """A standalone page with four plots linked to one slider (the size of a real page)."""
    import panel as pn
    from bokeh.models import Range1d
    from bokeh.plotting import figure

    from reglab.lab.export import inline_cdn_links
    from reglab.lab.frames import FrameStack
    from reglab.lab.scrub import Scrubber, aria_label_script

    t = np.linspace(0.0, 1.0, n_frames)[:, None]
    x = np.linspace(0.0, 1.0, n_points)
    angle = np.linspace(0.0, 2 * np.pi, n_points)
    stack = FrameStack(
        views={
            "curve": {"x": x, "y": np.sin(2 * np.pi * (x + t))},
            "bars": {"j": np.arange(10.0), "w": np.cos(np.arange(10.0) + 6 * t)},
            "ball": {"x": (1 + t) * np.cos(angle), "y": (1 + t) * np.sin(angle)},
            "cursor": {"x": np.hstack([t, t]), "y": np.tile([-1.0, 1.0], (n_frames, 1))},
        },
        texts={"label": [f"{v:.4f}" for v in t.ravel()]},
    )
    scrub = Scrubber(stack, name="bench")
    plots = []
    for view, glyph in (("curve", "line"), ("bars", "vbar"), ("ball", "line"),
                        ("cursor", "line")):
        x_name, y_name = ("j", "w") if glyph == "vbar" else ("x", "y")
        # Fixed axes, as the lab's pages have: auto-ranging would repaint a second time.
        plot = figure(width=300, height=260, toolbar_location=None,
                      x_range=Range1d(*stack.column_range(view, [x_name])),
                      y_range=Range1d(*stack.column_range(view, [y_name])))
        source = scrub.sources[view]
        if glyph == "vbar":
            plot.vbar(x="j", top="w", width=0.7, source=source)
        else:
            getattr(plot, glyph)("x", "y", source=source)
        plots.append(plot)
    slider = scrub.slider("label", title="t", aria_label="frame", width=420)
    layout = pn.Column(slider, pn.Row(*plots), pn.pane.HTML(aria_label_script(), width=0,
                                                            height=0, margin=0))
    from bokeh.resources import INLINE

    layout.save(str(path), resources=INLINE, progress=False)
    path.write_text(inline_cdn_links(path.read_text("utf-8")), "utf-8")
    return path


def measure(page, steps: int, drag_steps: int) -> dict[str, list[tuple[float, float]]]:
    """(repainted, next frame) latencies in ms of key presses and of a mouse drag's moves."""
    handle = page.get_by_role("slider").first
    handle.focus()
    keys: list[tuple[float, float]] = []
    for k in range(steps):
        handle.press("ArrowRight" if (k // 10) % 2 == 0 else "ArrowLeft")
        latency = page.evaluate("() => __bench.wait(1000)")
        if latency is not None:
            keys.append(tuple(latency))
        page.wait_for_timeout(30)  # let the 60 Hz paint throttle settle between steps
    # Drag towards the side with more room, so that no move is stopped by the slider's end.
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
    drag: list[tuple[float, float]] = []
    for k in range(1, drag_steps + 1):
        page.mouse.move(x + direction * 8 * k, y)
        latency = page.evaluate("() => __bench.wait(1000)")
        if latency is not None:
            drag.append(tuple(latency))
    page.mouse.up()
    return {"keys": keys, "drag": drag}


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--drag-steps", type=int, default=20)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if not os.access(args.chromium, os.X_OK):
        print(f"no Chromium at {args.chromium}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, lab_server() as base, \
            sync_playwright() as playwright:
        synthetic = synthetic_page(Path(tmp) / "synthetic.html")
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True,
                                             args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="ja-JP")
        results, work = {}, {}

        page = context.new_page()
        page.set_content(FLOOR_PAGE)
        results["floor: plain page"] = measure(page, args.steps, args.drag_steps)
        page.close()

        for name, url in (("demo, served", f"{base}/demo"),
                          ("synthetic, file://", synthetic.as_uri())):
            page = context.new_page()
            page.goto(url)
            page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 "
                                   "&& Bokeh.documents[0].is_idle")
            page.wait_for_timeout(500)
            n_plots = page.evaluate(INSTRUMENT_BOKEH)
            results[f"{name}, {n_plots} plots"] = measure(page, args.steps, args.drag_steps)
            slider = page.evaluate("() => Bokeh.documents[0].all_models.values().find("
                                   "(m) => m.type === 'CategoricalSlider').name")
            work[f"{name}, {n_plots} plots"] = page.evaluate(WORK_JS, slider)
            page.close()
        browser.close()

    floor = next(iter(results.values()))
    floor_keys = statistics.median([n for _, n in floor["keys"]] or [float("nan")])
    floor_drag = statistics.median([n for _, n in floor["drag"]] or [float("nan")])
    print(f"slider step -> every linked view repainted, in ms (headless Chromium, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
    print(f"{'':30s} repainted med/p95   next frame med/p95  /floor  steps")
    for name, result in results.items():
        print(summary(f"{name}: keys", result["keys"], args.steps, floor_keys))
        print(summary(f"{name}: drag", result["drag"], args.drag_steps, floor_drag))
    print("script work per step, median ms: scrub callback | full repaint of every plot")
    for name, (callback, paint) in work.items():
        print(f"  {name:28s} {callback:6.2f} | {paint:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
