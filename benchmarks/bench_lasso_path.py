"""Time reglab's lasso homotopy against scikit-learn's ``lars_path(method="lasso")``.

Run by hand (not part of the test suite)::

    python benchmarks/bench_lasso_path.py            # everything (the large cases take minutes)
    python benchmarks/bench_lasso_path.py --quick    # the lab's sizes only

Printed: median wall time over repeats, the number of breakpoints, the largest relative KKT
residual of each path (evaluated the same way for both, ``max_j dist(2 c_j, λ ∂|w_j|) /
max|2 X^T y|``), and the ratio sklearn / reglab (> 1: reglab faster). Both run with BLAS
limited to one thread; reglab does that itself during its stepping, and on a busy 2-core
machine multi-threaded BLAS on tiny matrices only adds contention.
"""

from __future__ import annotations

import argparse
import time
import warnings
from functools import partial

import numpy as np
from sklearn.linear_model import lars_path
from threadpoolctl import threadpool_limits

from reglab.bases import polynomial_features
from reglab.homotopy import lasso_homotopy


def _median_ms(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def _kkt(X, y, lams, coefs):
    C = 2.0 * (y[:, None] - X @ coefs.T).T @ X
    lam = lams[:, None]
    dist = np.where(coefs != 0, np.abs(C - lam * np.sign(coefs)),
                    np.maximum(np.abs(C) - lam, 0.0))
    return float(dist.max() / np.abs(2.0 * X.T @ y).max())


def _sklearn(X, y, lam_min=0.0, gram=None):
    n = X.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate-regressor / early-stopping warnings
        alphas, _, coefs = lars_path(X, y, method="lasso", alpha_min=lam_min / (2 * n),
                                     Gram=gram, max_iter=100_000)
    return 2.0 * n * alphas, coefs.T


def _polynomial(n, basis, seed=0):
    rng = np.random.default_rng(seed + n)
    x = np.sort(rng.uniform(0.0, 1.0, n))
    y = np.sin(2 * np.pi * x) + 0.2 * rng.normal(size=n)
    X = polynomial_features(x, 30, basis)
    return X - X.mean(axis=0), y - y.mean()


def _random(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    beta = np.zeros(p)
    beta[:20] = 2 * rng.normal(size=20)
    y = X @ beta + rng.normal(size=n)
    return X - X.mean(axis=0), y - y.mean()


def _folds(n, k=5):
    return np.array_split(np.random.default_rng(0).permutation(n), k)


def lab_sizes(repeats):
    print("Lab sizes: degree-30 polynomial features, full path down to λ = 0")
    print(f"{'design':>16} {'n':>4} | {'reglab ms':>9} {'bps':>4} {'KKT':>8} | "
          f"{'sklearn ms':>10} {'bps':>4} {'KKT':>8} | {'ratio':>5} | reglab to sklearn's end")
    for basis in ("monomial", "legendre"):
        for n in (20, 100, 200):
            X, y = _polynomial(n, basis)
            ours = lasso_homotopy(X, y)
            lams, coefs = _sklearn(X, y)
            t_ours = _median_ms(partial(lasso_homotopy, X, y), repeats)
            t_sk = _median_ms(partial(_sklearn, X, y), repeats)
            # The same depth as scikit-learn, which stops early on degenerate designs.
            end = float(lams[-1])
            same = lasso_homotopy(X, y, lam_min=end)
            t_same = _median_ms(partial(lasso_homotopy, X, y, lam_min=end), repeats)
            print(f"{basis:>16} {n:>4} | {t_ours:9.2f} {ours.lams.size:4d} "
                  f"{ours.kkt_residuals.max():8.1e} | {t_sk:10.2f} {lams.size:4d} "
                  f"{_kkt(X, y, lams, coefs):8.1e} | {t_sk / t_ours:5.2f} | "
                  f"{t_same:.2f} ms, {same.lams.size} bps (λ_end = {end / lams[0]:.1e} λ_max)")


def cross_validation(repeats, ratio=1e-4):
    n = 200
    X, y = _polynomial(n, "monomial")
    lam_min = ratio * 2 * np.abs(X.T @ y).max()
    folds = _folds(n)

    def ours():
        lasso_homotopy(X, y)
        for test in folds:
            train = np.setdiff1d(np.arange(n), test)
            Xt, yt = X[train] - X[train].mean(axis=0), y[train] - y[train].mean()
            lasso_homotopy(Xt, yt, lam_min=lam_min)

    def theirs():
        _sklearn(X, y)
        for test in folds:
            train = np.setdiff1d(np.arange(n), test)
            Xt, yt = X[train] - X[train].mean(axis=0), y[train] - y[train].mean()
            _sklearn(Xt, yt, lam_min=lam_min)

    t_ours, t_sk = _median_ms(ours, repeats), _median_ms(theirs, repeats)
    print(f"\nPath + 5-fold CV (n=200, raw monomials of degree 30, folds down to "
          f"{ratio:g} λ_max): reglab {t_ours:.2f} ms, sklearn {t_sk:.2f} ms, "
          f"ratio {t_sk / t_ours:.2f}")


def large(repeats):
    print("\nLarge designs (Gaussian, 20 true features), path down to 1e-3 λ_max, Gram given")
    for n, p in ((10_000, 1_000), (1_000, 5_000)):
        X, y = _random(n, p)
        start = time.perf_counter()
        G = X.T @ X
        t_gram = 1e3 * (time.perf_counter() - start)
        Xty = X.T @ y
        lam_min = 1e-3 * 2 * np.abs(Xty).max()
        ours = lasso_homotopy(X, y, lam_min=lam_min, gram=G, Xty=Xty)
        lams, coefs = _sklearn(X, y, lam_min, G)
        t_ours = _median_ms(partial(lasso_homotopy, X, y, lam_min=lam_min, gram=G, Xty=Xty),
                            repeats)
        t_sk = _median_ms(partial(_sklearn, X, y, lam_min, G), repeats)
        agree = ""
        if lams.size == ours.lams.size:
            agree = f", breakpoints agree to {np.abs(lams - ours.lams).max() / lams[0]:.0e}"
        print(f"n={n:>6} p={p:>5}: Gram {t_gram:.0f} ms; reglab {t_ours:.0f} ms "
              f"({ours.lams.size} bps, KKT {ours.kkt_residuals.max():.1e}); sklearn "
              f"{t_sk:.0f} ms ({lams.size} bps); ratio {t_sk / t_ours:.2f}{agree}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the lab's sizes")
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    with threadpool_limits(limits=1, user_api="blas"):
        lab_sizes(args.repeats)
        cross_validation(args.repeats)
        if not args.quick:
            large(max(1, args.repeats // 10))


if __name__ == "__main__":
    main()
