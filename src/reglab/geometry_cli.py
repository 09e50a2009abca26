"""``reglab geometry``: the exact tangent point of a 2-D quadratic loss and a norm ball.

``--center A,B`` is the loss minimum w*, ``--hessian H11,H12,H22`` its Hessian H (the loss is
``(w - w*)^T H (w - w*)``), ``--p`` the ball's exponent (default 2) or instead ``--l1-ratio``
for an elastic-net ball (giving both is an error: the elastic-net ball has no p), and exactly
one of ``--R`` (constrained form) or ``--lam`` (penalized form).
"""

from __future__ import annotations

import json
import math

import numpy as np

from reglab._validation import ReglabInputError, check_nonnegative, check_positive

__all__ = ["run_geometry"]


def _numbers(option: str, text: str, count: int) -> list[float]:
    parts = [part.strip() for part in str(text).split(",")]
    if len(parts) != count:
        raise ReglabInputError(option, f"must be {count} comma-separated numbers", text)
    values = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise ReglabInputError(option, "must contain only numbers", text) from None
        if not math.isfinite(value):
            raise ReglabInputError(option, "must contain only finite numbers", text)
        values.append(value)
    return values


def _penalty(args):
    from reglab.penalties import ElasticNet, Lp

    if args.l1_ratio is not None:
        if args.p is not None:  # the elastic-net ball has no p: refuse rather than drop it
            raise ReglabInputError("--p", "only applies to an Lp ball, not with --l1-ratio",
                                   args.p)
        if not 0 <= args.l1_ratio <= 1:
            raise ReglabInputError("--l1-ratio", "must lie in [0, 1]", args.l1_ratio)
        return ElasticNet(args.l1_ratio)
    try:
        p = float("2" if args.p is None else args.p)
    except ValueError:
        raise ReglabInputError("--p", "must be a number > 0 or inf", args.p) from None
    return Lp(check_positive("--p", p, allow_inf=True))


def _point(w) -> list[float]:
    return [float(v) for v in np.asarray(w)]


def _finite_or_none(value: float):
    return float(value) if math.isfinite(value) else None


def run_geometry(args) -> int:
    """Solve and print the geometry problem described by parsed CLI ``args``."""
    from reglab.geometry import QuadraticLoss, constrained_minimum, penalized_minimum

    center = _numbers("--center", args.center, 2)
    h11, h12, h22 = _numbers("--hessian", args.hessian, 3)
    hessian = np.array([[h11, h12], [h12, h22]])
    eigenvalues = np.linalg.eigvalsh(hessian)
    if eigenvalues[0] <= 1e-12 * max(abs(eigenvalues[1]), 1.0) or eigenvalues[0] <= 0:
        raise ReglabInputError("--hessian", "must be positive definite (both eigenvalues > 0)",
                               args.hessian)
    penalty = _penalty(args)
    if (args.R is None) == (args.lam is None):
        given = "both" if args.R is not None else "neither"
        raise ReglabInputError("--R/--lam", "give exactly one of them", given)
    loss = QuadraticLoss(center, hessian)
    if args.R is not None:
        solution = constrained_minimum(loss, penalty, check_nonnegative("--R", args.R))
    else:
        solution = penalized_minimum(loss, penalty, check_nonnegative("--lam", args.lam))
    result = {
        "w": _point(solution.w),
        "lam": _finite_or_none(solution.lam),
        "R": _finite_or_none(solution.R),
        "active": bool(solution.active),
        "sparse": bool(solution.sparse),
        "zero_coordinates": list(solution.zero_coordinates),
        "level": float(solution.level),
        "face": solution.face,
        "penalty": repr(penalty),
        "convex": bool(penalty.convex),
        "kkt_residual": float(solution.kkt_residual),
        "certified": bool(solution.certified),
        "local_minima": [
            {"w": _point(m.w), "loss": float(m.loss), "lam": _finite_or_none(m.lam),
             "is_global": bool(m.is_global), "face": m.face}
            for m in solution.local_minima
        ],
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    w1, w2 = result["w"]
    print(f"{penalty!r}  loss minimum w* = ({center[0]:g}, {center[1]:g})")
    if not solution.active:
        print(f"constraint inactive: w* lies inside the ball of radius R = {solution.R:.6g};"
              " λ = 0, no tangent point")
    print(f"w = ({w1:.10g}, {w2:.10g})   λ = {solution.lam:.10g}   R = {solution.R:.10g}")
    print(f"contour level f(w) = {solution.level:.10g}   on the {solution.face}"
          + ("   sparse: w" + ",".join(str(j + 1) for j in solution.zero_coordinates) + " = 0"
             if solution.sparse else ""))
    print(f"KKT residual {solution.kkt_residual:.2e} "
          f"({'certified' if solution.certified else 'NOT certified'})")
    if len(solution.local_minima) > 1:
        print("local minima (non-convex ball):")
        for m in solution.local_minima:
            mark = "  global" if m.is_global else ""
            print(f"  w = ({m.w[0]:.8g}, {m.w[1]:.8g})  loss {m.loss:.8g}  λ {m.lam:.6g}{mark}")
    return 0
