"""Timing of reglab.geometry: single tangent points and the sparsity experiment.

Run by hand: ``python benchmarks/bench_geometry.py``. Prints the median time of one
``constrained_minimum`` / ``penalized_minimum`` per ball on a mildly elongated loss and on a
condition-number-1e6 "taco", and the time of ``sparsity_experiment`` with 2000 trials x 4
penalties for both families.
"""

from __future__ import annotations

import math
import statistics
import time

from reglab.geometry import (
    QuadraticLoss,
    constrained_minimum,
    penalized_minimum,
    sparsity_experiment,
)
from reglab.penalties import L1, L2, ElasticNet, Lp


def median_ms(func, repeat=7):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main():
    balls = [L2(), L1(), ElasticNet(0.5), Lp(0.5), Lp(1.5), Lp(3), Lp(math.inf)]
    losses = {
        "elongated (cond 400)": QuadraticLoss.from_axes([2.0, 1.0], lengths=(1.0, 0.05),
                                                        angle=0.4),
        "taco (cond 1e6)": QuadraticLoss.from_axes([2.0, 1.0], lengths=(1.0, 1e-3), angle=0.4),
    }
    for name, loss in losses.items():
        print(f"\n{name}: median ms per call")
        print(f"  {'ball':28s} {'constrained':>12s} {'penalized':>10s}")
        for ball in balls:
            sol = constrained_minimum(loss, ball, 0.8)
            lam = sol.lam
            t_c = median_ms(lambda ball=ball, loss=loss: constrained_minimum(loss, ball, 0.8))
            t_p = median_ms(lambda ball=ball, lam=lam, loss=loss: penalized_minimum(loss, ball,
                                                                               lam))
            print(f"  {ball!r:28s} {t_c:12.2f} {t_p:10.2f}")
    penalties = [L2(), L1(), ElasticNet(0.5), Lp(0.5)]
    for family in ("symmetric", "elongated"):
        start = time.perf_counter()
        results = sparsity_experiment(penalties, 2000, family=family, seed=0)
        elapsed = time.perf_counter() - start
        print(f"\nsparsity_experiment(2000 trials x 4 penalties, {family}): {elapsed:.2f} s")
        for r in results:
            print(f"  {r.label:28s} {r.fraction:6.3f}  [{r.ci_low:.3f}, {r.ci_high:.3f}]")


if __name__ == "__main__":
    main()
