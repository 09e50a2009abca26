"""Timing of reglab.solvers on the lab's hardest polynomial designs.

Run by hand: ``python benchmarks/bench_solvers.py [repeats]``.

The workload of one CV curve in the lab: a 100-point λ path, warm-started, on each of 5
cross-validation folds plus the full fit (600 solves), at n = 200 and degree 30 (raw monomials
on [0, 1], condition number ~1e17, and Legendre). Each fold is centered and standardized on its
own training part and its Gram matrix is computed once, as the lab does. Printed: the median
wall time of the whole workload for the elastic net (l1_ratio 0.5), Lp(0.5) and Lp(1.5), the
fraction of certified solutions, and the ratio to scikit-learn's ``enet_path`` (coordinate
descent at its default tolerance, which does not certify anything and often stops short on
these designs) timed in the same run on the same folds and the same λ.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.linear_model import enet_path

from reglab.bases import polynomial_features
from reglab.penalties import ElasticNet, Lp
from reglab.solvers import solve_path

N, DEGREE, N_LAMBDAS, N_FOLDS = 200, 30, 100, 5


def folds(n, k, seed=0):
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(part) for part in np.array_split(order, k)]


def standardized(X, y):
    mean, scale = X.mean(axis=0), X.std(axis=0)
    return (X - mean) / scale, y - y.mean()


def problems(basis):
    """The 6 (X, y) training sets of the workload: 5 folds and the full data."""
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(0.0, 1.0, N))
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(N)
    X = polynomial_features(x, DEGREE, basis)
    sets = []
    for held_out in folds(N, N_FOLDS):
        train = np.setdiff1d(np.arange(N), held_out)
        sets.append(standardized(X[train], y[train]))
    sets.append(standardized(X, y))
    return sets


def lambda_grid(X, y, l1_ratio):
    top = 2 * np.max(np.abs(X.T @ y)) / l1_ratio
    return top * np.logspace(0, -4, N_LAMBDAS)


def run_reglab(sets, penalty, l1_ratio):
    certified = 0
    for X, y in sets:
        results = solve_path(X, y, penalty, lambda_grid(X, y, l1_ratio), gram=X.T @ X)
        certified += sum(result.converged for result in results)
    return certified


def run_sklearn(sets, l1_ratio):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on every ill-conditioned fold
        for X, y in sets:
            alphas = lambda_grid(X, y, l1_ratio) / (2 * X.shape[0])
            enet_path(X, y, l1_ratio=l1_ratio, alphas=alphas)


def median_ms(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main(repeats=7):
    total = N_LAMBDAS * (N_FOLDS + 1)
    print(f"{N_FOLDS}-fold CV + full fit, {N_LAMBDAS} λ each ({total} solves), n={N}, "
          f"degree {DEGREE}; median of {repeats} runs")
    for basis in ("monomial", "legendre"):
        sets = problems(basis)
        cond = np.linalg.cond(sets[-1][0])
        sklearn_ms = median_ms(lambda sets=sets: run_sklearn(sets, 0.5), repeats)
        print(f"\n{basis} basis (cond(X) = {cond:.1e})")
        print(f"  sklearn enet_path (l1_ratio 0.5)  {sklearn_ms:8.1f} ms")
        for name, penalty, ratio in (("reglab ElasticNet(0.5)", ElasticNet(0.5), 0.5),
                                     ("reglab Lp(0.5)", Lp(0.5), 1.0),
                                     ("reglab Lp(1.5)", Lp(1.5), 1.0)):
            certified = run_reglab(sets, penalty, ratio)
            ms = median_ms(lambda sets=sets, penalty=penalty, ratio=ratio:
                           run_reglab(sets, penalty, ratio), repeats)
            print(f"  {name:<33} {ms:8.1f} ms  ({ms / sklearn_ms:.2f} x sklearn, "
                  f"{certified}/{total} certified)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
