"""The ``reglab`` command: ``fit``, ``path``, ``geometry``, ``figures`` and ``serve``.

Every error the user can cause ends in one line on standard error, naming the parameter, the
rule and the bad value, and exit code 2 (no traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

import numpy as np

from reglab._validation import ReglabInputError, check_nonnegative, check_positive

__all__ = ["main"]

EXIT_USAGE = 2
_FORMS = ("lam", "R", "s", "df")
# Library parameter names as the user typed them on the command line.
_CLI_NAMES = {
    "data": "DATA",
    "X": "DATA",
    "y": "DATA",
    "df": "--df",
    "s": "--s",
    "seed": "--seed",
    "port": "--port",
    "host": "--host",
    "target": "--target",
    "split_column": "--split-column",
    "p": "--p",
    "l1_ratio": "--l1-ratio",
    "folds": "--folds",
    "lam": "--lam",
    "R": "--R",
    "state": "--state",
    "page": "--page",
}


class _UsageError(Exception):
    """A malformed command line (argparse's own message, already naming the argument)."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage stays available through ``--help``)."""

    def error(self, message: str):  # noqa: D102
        raise _UsageError(f"{self.prog}: {message}".replace("\n", " "))


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _without_nonfinite(value):
    """JSON has no inf/NaN: an infinite λ (R = 0) or radius is written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _without_nonfinite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nonfinite(item) for item in value]
    return value


def _print_json(obj: dict) -> None:
    print(json.dumps(_without_nonfinite(obj), ensure_ascii=False, indent=2,
                     default=_json_default, allow_nan=False))


# --------------------------------------------------------------------------------------------
# Shared option handling
# --------------------------------------------------------------------------------------------
def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="a CSV/TSV file or a built-in data set "
                        "(diabetes, prostate, sin, nile, co2)")
    parser.add_argument("--target", help="the target column (built-ins have a default)")
    parser.add_argument("--standardize", action="store_true",
                        help="penalize coefficients of unit-variance features (ddof=0)")


def _penalty_from_args(args, *, allowed: Sequence[str]):
    from reglab.penalties import make_penalty

    name = args.penalty
    if name not in allowed:
        raise ReglabInputError("--penalty", f"must be one of {', '.join(allowed)}", name)
    # An option the chosen penalty does not read is an error, not silently dropped.
    if getattr(args, "p", None) is not None and name != "lp":
        raise ReglabInputError("--p", "only applies to --penalty lp", args.p)
    if getattr(args, "l1_ratio", None) is not None and name != "enet":
        raise ReglabInputError("--l1-ratio", "only applies to --penalty enet", args.l1_ratio)
    p = l1_ratio = None
    if getattr(args, "p", None) is not None:
        p = check_positive("--p", args.p, allow_inf=True)
    if getattr(args, "l1_ratio", None) is not None:
        l1_ratio = args.l1_ratio
        if not 0 <= l1_ratio <= 1:
            raise ReglabInputError("--l1-ratio", "must lie in [0, 1]", l1_ratio)
    if name == "lp" and p is None:
        raise ReglabInputError("--p", "is required with --penalty lp", None)
    return make_penalty(name, p=p, l1_ratio=l1_ratio)


def _load(args, split_column=None):
    from reglab.datasets import load_table

    return load_table(args.data, target=args.target, split_column=split_column)


# --------------------------------------------------------------------------------------------
# reglab fit
# --------------------------------------------------------------------------------------------
def _chosen_form(args) -> tuple[str, float] | None:
    given = [(form, getattr(args, form)) for form in _FORMS if getattr(args, form) is not None]
    if len(given) > 1:
        shown = ", ".join(f"--{form} {value:g}" for form, value in given)
        raise ReglabInputError("--lam/--R/--s/--df", "give at most one of them", shown)
    if not given:
        return None
    form, value = given[0]
    check_nonnegative(f"--{form}", value)
    return form, value


def _run_fit(args) -> int:
    from reglab.paths import fit_path
    from reglab.penalties import L2
    from reglab.selection import cross_validate

    penalty = _penalty_from_args(args, allowed=("none", "l2", "l1", "enet", "lp"))
    form = _chosen_form(args)
    data = _load(args, args.split_column)
    if data.split is not None and args.split_column is not None:
        X_train, y_train, X_test, y_test = data.train_test()
        if X_train.shape[0] < 2:
            raise ReglabInputError("--split-column", "must mark at least 2 training rows",
                                   int(X_train.shape[0]))
        if X_test.shape[0] < 1:
            raise ReglabInputError("--split-column",
                                   "must mark at least 1 test row (value 0/false)",
                                   int(X_test.shape[0]))
    else:
        X_train, y_train, X_test, y_test = data.X, data.y, None, None

    lam_source = "given"
    if penalty is None:  # ordinary least squares: the ridge path at λ = 0
        if form is not None and form != ("lam", 0.0):
            raise ReglabInputError(f"--{form[0]}", "is not used with --penalty none", form[1])
        path = fit_path(X_train, y_train, L2(), standardize=args.standardize,
                        feature_names=data.feature_names, lams=[0.0])
        solution = path.solution(lam=0.0)
        lam_source = "none"
    else:
        path = fit_path(X_train, y_train, penalty, standardize=args.standardize,
                        feature_names=data.feature_names)
        if form is None:
            cv = cross_validate(X_train, y_train, penalty, folds=args.folds, seed=args.seed,
                                standardize=args.standardize, lams=path.lams,
                                feature_names=data.feature_names, gram=path.gram)
            solution = path.solution(lam=cv.lam_min)
            lam_source = f"cv_min ({args.folds}-fold, seed {args.seed})"
        else:
            solution = path.solution(**{form[0]: form[1]})
            if form[0] != "lam":  # the exact inverse of R(λ), s(λ) or df(λ)
                lam_source = f"from --{form[0]} {form[1]:g}"

    train_mse = float(np.mean((solution.predict(X_train) - y_train) ** 2))
    result = solution.to_dict()
    result.update(
        data=data.name,
        target=data.target_name,
        penalty=args.penalty,
        standardize=bool(args.standardize),
        lam_source=lam_source,
        R=_finite_or_none(solution.R),
        R_max=_finite_or_none(path.R_max),
        train_mse=train_mse,
        n_train=int(X_train.shape[0]),
        certified=solution.certified,
    )
    if X_test is not None:
        result["test_mse"] = float(np.mean((solution.predict(X_test) - y_test) ** 2))
        result["n_test"] = int(X_test.shape[0])
    if args.json:
        _print_json(result)
    else:
        _print_fit_table(result)
    return 0


def _print_fit_table(result: dict) -> None:
    print(f"data {result['data']}  target {result['target']}  penalty {result['penalty']}"
          f"{'  (standardized)' if result['standardize'] else ''}")
    R = result["R"]
    print(f"λ = {result['lam']:.6g} ({result['lam_source']})   R = "
          f"{'inf' if R is None else f'{R:.6g}'}   s = {result['s']:.4g}   df = {result['df']:.4g}")
    state = "active" if result["constraint_active"] else "inactive (λ = 0: the minimum is inside)"
    print(f"constraint {state}   non-zero {result['nonzero']} of {len(result['coef'])}")
    cert = result["certificate"]
    verdict = "certified" if result["certified"] else "NOT certified"
    print(f"certificate: {cert['kind']} = {cert['value']:.2e} (tol {cert['tol']:.0e}) {verdict}")
    if result.get("message"):  # what the certificate means (a local minimum for p < 1), warnings
        print(f"note: {result['message']}")
    print(f"train MSE {result['train_mse']:.6g}" + (
        f"   test MSE {result['test_mse']:.6g}" if "test_mse" in result else ""))
    width = max(len(name) for name in [*result["coef"], "intercept"])
    print(f"{'intercept':<{width}}  {result['intercept']: .6g}")
    for name, value in result["coef"].items():
        print(f"{name:<{width}}  {value: .6g}")


# --------------------------------------------------------------------------------------------
# reglab path
# --------------------------------------------------------------------------------------------
def _run_path(args) -> int:
    from reglab.paths import fit_path
    from reglab.selection import cross_validate

    penalty = _penalty_from_args(args, allowed=("l1", "l2", "enet", "lp"))
    data = _load(args)
    path = fit_path(data.X, data.y, penalty, standardize=args.standardize,
                    feature_names=data.feature_names)
    cv = cross_validate(data.X, data.y, penalty, folds=args.folds, seed=args.seed,
                        standardize=args.standardize, lams=path.lams,
                        feature_names=data.feature_names, gram=path.gram)
    events = [event.to_dict() for event in path.events]
    certified = [c.ok for c in path.certificates]
    result = {
        "data": data.name,
        "target": data.target_name,
        "penalty": args.penalty,
        "standardize": bool(args.standardize),
        "exact": path.exact,
        "events": events,
        "lam_min": cv.lam_min,
        "lam_1se": cv.lam_1se,
        "cv": cv.to_dict(),
        "path": {
            "lam": path.lams.tolist(),
            "R": path.R.tolist(),
            "df": path.df.tolist(),
            "nonzero": path.nonzero.tolist(),
            "coef": {name: path.coefs[:, j].tolist()
                     for j, name in enumerate(data.feature_names)},
        },
        "breakpoints": getattr(path, "breakpoints", np.array([])).tolist(),
        "all_certified": bool(all(certified)),
        "warnings": path.warnings,
        # The two models CV points to, as `reglab fit --lam` would print them.
        "at_lam_min": _chosen(path.solution(lam=cv.lam_min)),
        "at_lam_1se": _chosen(path.solution(lam=cv.lam_1se)),
    }
    if args.plot:
        _plot_path(path, cv, args.plot, args.lang)
        result["plot"] = args.plot
    if args.json:
        _print_json(result)
    else:
        _print_path_table(result, path, cv)
    return 0


def _chosen(solution) -> dict:
    """Return the JSON of a model chosen by CV: coefficients, intercept, support, certificate."""
    full = solution.to_dict()
    return {key: full[key] for key in ("lam", "intercept", "coef", "nonzero", "certificate")}


def _print_path_table(result: dict, path, cv) -> None:
    print(f"data {result['data']}  target {result['target']}  penalty {result['penalty']}"
          f"{'  (standardized)' if result['standardize'] else ''}"
          f"  {'exact path' if result['exact'] else 'warm-started path'}")
    if result["events"]:
        print("events (λ decreasing):")
        for event in result["events"]:
            print(f"  λ = {event['lam']:<12.6g} {event['action']:<6} {event['feature']}")
    print(f"λ_min = {cv.lam_min:.6g}   CV MSE {cv.mean_error[cv.index_min]:.6g} "
          f"± {cv.se[cv.index_min]:.3g}")
    print(f"λ_1se = {cv.lam_1se:.6g}   CV MSE {cv.mean_error[cv.index_1se]:.6g} "
          f"± {cv.se[cv.index_1se]:.3g}")
    print(f"certified along the path: {'all' if result['all_certified'] else 'NOT all'}")
    at_min, at_1se = result["at_lam_min"], result["at_lam_1se"]
    width = max(len(name) for name in [*at_min["coef"], "intercept"])
    print(f"{'coefficients':<{width}}  {'at λ_min':>12}  {'at λ_1se':>12}")
    print(f"{'intercept':<{width}}  {at_min['intercept']:12.6g}  {at_1se['intercept']:12.6g}")
    for name, value in at_min["coef"].items():
        print(f"{name:<{width}}  {value:12.6g}  {at_1se['coef'][name]:12.6g}")
    print(f"{'non-zero':<{width}}  {at_min['nonzero']:12d}  {at_1se['nonzero']:12d}")
    if "plot" in result:
        print(f"wrote {result['plot']}")


def _plot_path(path, cv, filename: str, lang: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from reglab.figures import path_and_cv_figure

    figure = path_and_cv_figure(path, cv, lang=lang)
    try:
        figure.savefig(filename, dpi=150)
    except (OSError, ValueError) as error:
        raise ReglabInputError("--plot", "must be a writable .png/.svg/.pdf file",
                               f"{filename} ({error})") from None


# --------------------------------------------------------------------------------------------
# reglab geometry / figures / serve (their work lives in their own modules)
# --------------------------------------------------------------------------------------------
def _run_geometry(args) -> int:
    from reglab.geometry_cli import run_geometry

    return run_geometry(args)


def _run_figures(args) -> int:
    from reglab.figures.cli import run_figures

    return run_figures(args)


def _run_serve(args) -> int:
    from reglab.lab.server import serve

    if not 0 <= args.port <= 65535:
        raise ReglabInputError("--port", "must lie in [0, 65535]", args.port)
    serve(port=args.port, host=args.host, open_browser=not args.no_browser, lang=args.lang)
    return 0


def _run_export(args) -> int:
    from reglab.lab.export import export_page

    state = {}
    for item in args.state or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ReglabInputError("--state", "must be written KEY=VALUE", item)
        state[key] = value
    written = export_page(args.out, page=args.page, lang=args.lang, state=state)
    print(written)
    return 0


# --------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="reglab", description="A hands-on lab for regularization.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fit = commands.add_parser("fit", help="fit one penalized model and print its certificate")
    _add_data_arguments(fit)
    fit.add_argument("--penalty", default="l2", help="none | l2 | l1 | enet | lp (default l2)")
    fit.add_argument("--p", type=float,
                     help="the exponent of --penalty lp (> 0; inf allowed); only with lp")
    fit.add_argument("--l1-ratio", type=float,
                     help="elastic-net mix a in [0, 1] (default 0.5); only with --penalty enet")
    for form, text in zip(_FORMS, ("penalty weight λ", "ball radius R",
                                   "shrinkage factor s = R / R_max", "degrees of freedom"),
                          strict=True):
        fit.add_argument(f"--{form}", type=float, help=f"the {text} (at most one of the four)")
    fit.add_argument("--split-column", help="rows with 1/true in this column train; others test")
    fit.add_argument("--folds", type=int, default=5, help="CV folds when no λ is given")
    fit.add_argument("--seed", type=int, default=0, help="seed of the CV fold assignment")
    fit.add_argument("--json", action="store_true", help="print one JSON object")
    fit.set_defaults(run=_run_fit)

    path = commands.add_parser("path", help="the solution path, its events and λ by CV")
    _add_data_arguments(path)
    path.add_argument("--penalty", default="l1", help="l1 | l2 | enet | lp (default l1)")
    path.add_argument("--p", type=float, help="the exponent of --penalty lp; only with lp")
    path.add_argument("--l1-ratio", type=float,
                      help="elastic-net mix a in [0, 1]; only with --penalty enet")
    path.add_argument("--folds", type=int, default=5, help="number of CV folds (default 5)")
    path.add_argument("--seed", type=int, default=0, help="seed of the fold assignment")
    path.add_argument("--plot", help="draw the path and CV curve to this PNG/SVG/PDF file")
    path.add_argument("--lang", default="en", choices=("en", "ja"), help="plot labels")
    path.add_argument("--json", action="store_true", help="print one JSON object")
    path.set_defaults(run=_run_path)

    geometry = commands.add_parser("geometry", help="the exact tangent point in 2-D")
    geometry.add_argument("--center", required=True, help="the loss minimum w*: A,B")
    geometry.add_argument("--hessian", required=True, help="H11,H12,H22 (positive definite)")
    geometry.add_argument("--p", help="the Lp ball's p in (0, inf] (default 2; not with "
                          "--l1-ratio)")
    geometry.add_argument("--l1-ratio", type=float,
                          help="an elastic-net ball instead of Lp (not with --p)")
    geometry.add_argument("--R", type=float, help="the radius of the ball")
    geometry.add_argument("--lam", type=float, help="the penalty weight λ")
    geometry.add_argument("--json", action="store_true", help="print one JSON object")
    geometry.set_defaults(run=_run_geometry)

    figures = commands.add_parser("figures", help="write every figure of the lecture")
    figures.add_argument("--out", required=True, help="output folder")
    figures.add_argument("--lang", default="ja", choices=("ja", "en"))
    figures.add_argument("--format", default="png", choices=("png", "svg", "pdf"))
    figures.add_argument("--only", nargs="+", metavar="NAME", help="only these figures")
    figures.set_defaults(run=_run_figures)

    serve = commands.add_parser("serve", help="start the browser lab")
    serve.add_argument("--port", type=int, default=5006)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--no-browser", action="store_true", help="do not open a browser")
    serve.add_argument("--lang", choices=("ja", "en"),
                       help="force the language (default: each browser's own)")
    serve.set_defaults(run=_run_serve)

    export = commands.add_parser("export", help="save a lab page as one standalone HTML file")
    export.add_argument("out", help="the .html file to write")
    export.add_argument("--page", help="the page's slug (default: the first page)")
    export.add_argument("--lang", default="ja", choices=("ja", "en"))
    export.add_argument("--state", nargs="*", metavar="KEY=VALUE",
                        help="the page's state, as in its URL (e.g. lam=0.01 degree=9)")
    export.set_defaults(run=_run_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``reglab`` command; return its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.run(args)
    except ReglabInputError as error:
        name = _CLI_NAMES.get(error.name, error.name)
        print(f"reglab: error: {ReglabInputError(name, error.rule, error.value)}", file=sys.stderr)
        return EXIT_USAGE
    except _UsageError as error:
        print(f"reglab: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `reglab path ... | head`: the reader left, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
