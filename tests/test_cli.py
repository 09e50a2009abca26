"""The ``reglab`` command: ``fit`` and ``path`` against independent references, and bad input.

A few runs go through real processes (``python -m reglab.cli`` and the installed ``reglab``
script), started together by one module fixture because each process spends seconds importing
scikit-learn; the rest call :func:`reglab.cli.main` in this process, which runs the same code
(an uncaught exception there fails the test, as a traceback would). References: scikit-learn's
``Lasso``/``Ridge``/``ElasticNet`` on ESL-standardized training rows (reglab's λ is
``2 n alpha`` for the lasso and elastic net, ``alpha`` for ridge), ``numpy.linalg.lstsq`` for
least squares, the ridge df from the SVD, and optimality conditions.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import ElasticNet, Lasso, Ridge

from reglab.cli import main
from reglab.datasets import load_diabetes, load_prostate
from reglab.selection import cross_validate, kfold_indices

MODULE = (sys.executable, "-m", "reglab.cli")
FIT_FIELDS = {"coef", "intercept", "lam", "R", "s", "df", "train_mse", "nonzero",
              "constraint_active", "certificate"}


# ------------------------------------------------------------------------------------------
# Independent references
# ------------------------------------------------------------------------------------------
def _prostate_split():
    data = load_prostate()
    X_train, y_train, X_test, y_test = data.train_test()
    return X_train, y_train, X_test, y_test, data.feature_names


def _esl_standardize(X_train):
    """ESL §3.4 / glmnet: center and scale by the training rows' population std (ddof=0)."""
    return X_train.mean(axis=0), X_train.std(axis=0)


def _prostate_lasso_lam(fraction=0.15):
    """A λ at ``fraction`` of the lasso's λ_max on the standardized prostate training rows."""
    X_train, y_train, *_ = _prostate_split()
    mean, scale = _esl_standardize(X_train)
    Z = (X_train - mean) / scale
    return fraction * float(np.max(np.abs(2.0 * Z.T @ (y_train - y_train.mean()))))


def _ols(X, y):
    """Least squares with an intercept: (intercept, coef)."""
    solution = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]
    return solution[0], solution[1:]


def _to_user_scale(coef_std, intercept_std, mean, scale):
    coef = coef_std / scale
    return intercept_std - mean @ coef, coef


def _coef(result, names):
    return np.array([result["coef"][name] for name in names])


def _coef_std(result, names):
    return np.array([result["coef_std"][name] for name in names])


def _mse(intercept, coef, X, y):
    return float(np.mean((intercept + X @ coef - y) ** 2))


# ------------------------------------------------------------------------------------------
# Running the command
# ------------------------------------------------------------------------------------------
def _entry_point():
    """The installed ``reglab`` script: next to this interpreter, else on PATH."""
    beside = Path(sys.executable).with_name("reglab")
    return str(beside) if beside.exists() else shutil.which("reglab")


def _run(command):
    env = {**os.environ, "PYTHONUTF8": "1"}
    return subprocess.run(list(command), capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=600, check=False)


def _call(capsys, *args):
    """Run ``reglab.cli.main`` here; return (exit code, stdout, stderr)."""
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def _fit_json(capsys, *args):
    code, out, err = _call(capsys, "fit", *args, "--json")
    assert code == 0, err
    assert err == ""
    result = json.loads(out)
    assert FIT_FIELDS <= set(result)
    return result


def _strict_json(text):
    """Parse JSON as the standard defines it (no NaN or Infinity)."""
    def reject(constant):
        raise ValueError(f"not valid JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def _assert_one_line_error(code, out, err, names, values):
    """Exit 2, nothing on stdout, one line on stderr naming the parameter and the value."""
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert any(name in line for name in names), line
    for value in values:
        assert value in line, line


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """Small files, good and bad, in one temporary folder."""
    folder = tmp_path_factory.mktemp("tables")
    rng = np.random.default_rng(0)
    n = 30
    X = rng.normal(size=(n, 3)) * [1.0, 10.0, 0.1]
    y = 1.0 + X @ [2.0, -0.3, 5.0] + rng.normal(scale=0.5, size=n)
    train = np.arange(n) % 3 != 0
    flags = {True: ["true", "TRUE", "True", "t"], False: ["false", "FALSE", "False", "f"]}

    def write(name, header, rows, delimiter=","):
        path = folder / name
        lines = [delimiter.join(header)] + [delimiter.join(map(str, row)) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    numbers = [[repr(float(v)) for v in (*X[i], y[i])] for i in range(n)]
    paths = {
        "split10": write("split10.csv", ["a", "b", "c", "y", "split"],
                         [[*row, int(t)] for row, t in zip(numbers, train, strict=True)]),
        "splittf": write("splittf.tsv", ["a", "b", "c", "y", "split"],
                         [[*row, flags[bool(t)][i % 4]]
                          for i, (row, t) in enumerate(zip(numbers, train, strict=True))],
                         delimiter="\t"),
        "text": write("text.csv", ["a", "y"], [[1, 2], ["abc", 3], [2, 5]]),
        "nan": write("nan.csv", ["a", "y"], [[1, 2], [2, "nan"], [3, 5]]),
        "inf": write("inf.csv", ["a", "y"], [[1, 2], ["-inf", 3], [3, 5]]),
        "header_only": write("header_only.csv", ["a", "y"], []),
        "constant": write("constant.csv", ["a", "c", "y"], [[i, 7, 2 * i + 1] for i in range(6)]),
        "bad_split": write("bad_split.csv", ["a", "y", "split"], [[1, 2, 1], [2, 3, 2], [3, 4, 0]]),
        "one_train": write("one_train.csv", ["a", "y", "split"],
                           [[i, i * i, int(i == 0)] for i in range(5)]),
        "all_train": write("all_train.csv", ["a", "y", "split"],
                           [[i, i * i, 1] for i in range(5)]),
        "target_only": write("target_only.csv", ["y"], [[i * i] for i in range(6)]),
        "semicolon": write("semicolon.csv", ["a", "b", "c", "y"], numbers, delimiter=";"),
        "tab_csv": write("tab_csv.csv", ["a", "b", "c", "y"], numbers, delimiter="\t"),
        "comma": write("comma.csv", ["a", "b", "c", "y"], numbers),
    }
    # Column b is non-zero in one row only: constant in the training rows of one CV fold.
    paths["rare"] = write("rare.csv", ["a", "b", "y"],
                          [[i, int(i == 3), (-1) ** i + i] for i in range(10)])
    (folder / "empty.csv").write_text("", encoding="utf-8")
    paths["empty"] = folder / "empty.csv"
    paths["missing"] = folder / "missing.csv"
    return {"folder": folder, "X": X, "y": y, "train": train, **paths}


# Runs through real processes, started together (each one pays the import of scikit-learn).
_SUBPROCESS_ERRORS = {
    "missing_file": (("fit", "{missing}", "--target", "y"), ("DATA", "data"), ("missing.csv",)),
    "not_a_number": (("fit", "prostate", "--lam", "abc"), ("--lam",), ("abc",)),
}


@pytest.fixture(scope="module")
def processes(tables):
    lam = _prostate_lasso_lam()
    commands = {
        "fit_l1": (*MODULE, "fit", "prostate", "--target", "lpsa", "--penalty", "l1",
                   "--standardize", "--split-column", "train", "--lam", repr(float(lam)), "--json"),
        "entry_point": (_entry_point() or "reglab", "fit", "prostate", "--penalty", "none",
                        "--json"),
        "path_json": (*MODULE, "path", "diabetes", "--target", "target", "--penalty", "l1",
                      "--json"),
        "path_table": (*MODULE, "path", "diabetes", "--penalty", "l1"),
    }
    for name, (args, _, _) in _SUBPROCESS_ERRORS.items():
        commands[name] = (*MODULE, *(arg.format(**tables) for arg in args))
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(_run, command) for name, command in commands.items()}
        results = {name: future.result() for name, future in futures.items()}
    results["lam"] = lam
    return results


def _json_of(process):
    assert process.returncode == 0, process.stderr
    assert "Traceback" not in process.stderr
    return json.loads(process.stdout)


# ------------------------------------------------------------------------------------------
# Processes: python -m reglab.cli and the installed script
# ------------------------------------------------------------------------------------------
def test_entry_point_is_installed_and_fits_ols(processes):
    assert _entry_point() is not None, "the reglab console script is not installed"
    result = _json_of(processes["entry_point"])
    assert FIT_FIELDS <= set(result)
    data = load_prostate()  # no --split-column: every row trains
    intercept, coef = _ols(data.X, data.y)
    np.testing.assert_allclose(_coef(result, data.feature_names), coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result["intercept"], intercept, rtol=1e-9)
    np.testing.assert_allclose(result["train_mse"], _mse(intercept, coef, data.X, data.y),
                               rtol=1e-10)
    assert "test_mse" not in result
    assert result["lam"] == 0 and result["constraint_active"] is False


def test_fit_lasso_matches_sklearn_on_esl_standardized_training_rows(processes):
    result = _json_of(processes["fit_l1"])
    assert processes["fit_l1"].stderr == ""
    lam = processes["lam"]
    X_train, y_train, X_test, y_test, names = _prostate_split()
    mean, scale = _esl_standardize(X_train)
    Z = (X_train - mean) / scale
    model = Lasso(alpha=lam / (2.0 * len(y_train)), tol=1e-12, max_iter=1_000_000)
    model.fit(Z, y_train)
    intercept, coef = _to_user_scale(model.coef_, model.intercept_, mean, scale)

    assert FIT_FIELDS | {"test_mse"} <= set(result)
    assert list(result["coef"]) == list(names)
    np.testing.assert_allclose(_coef(result, names), coef, rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(_coef_std(result, names), model.coef_, rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(result["intercept"], intercept, rtol=1e-9)
    assert result["lam"] == lam
    # The constrained form: R = ||w_std||_1, s = R / R_max with R_max that of least squares.
    np.testing.assert_allclose(result["R"], np.sum(np.abs(model.coef_)), rtol=1e-9)
    _, ols_std = _ols(Z, y_train)
    np.testing.assert_allclose(result["s"], result["R"] / np.sum(np.abs(ols_std)), rtol=1e-9)
    assert result["nonzero"] == np.count_nonzero(model.coef_) == result["df"]
    assert 0 < result["nonzero"] < len(names)  # a genuinely sparse solution
    assert result["constraint_active"] is True
    np.testing.assert_allclose(result["train_mse"], _mse(intercept, coef, X_train, y_train),
                               rtol=1e-9)
    np.testing.assert_allclose(result["test_mse"], _mse(intercept, coef, X_test, y_test),
                               rtol=1e-9)
    certificate = result["certificate"]
    assert {"kind", "value", "tol"} <= set(certificate)
    assert certificate["value"] <= certificate["tol"] and result["certified"] is True
    # Independent optimality check (lasso KKT) on the standardized scale.
    w = model.coef_
    gradient = 2.0 * Z.T @ (y_train - y_train.mean() - (Z - Z.mean(axis=0)) @ w)
    active = w != 0
    np.testing.assert_allclose(gradient[active], lam * np.sign(w[active]), rtol=1e-7)
    assert np.all(np.abs(gradient[~active]) <= lam)


def test_path_json_events_and_one_standard_error_rule(processes):
    result = _json_of(processes["path_json"])
    data = load_diabetes()
    events = result["events"]
    assert events and all({"lam", "feature", "action"} <= set(e) for e in events)
    lams = [e["lam"] for e in events]
    assert all(a >= b for a, b in zip(lams, lams[1:], strict=False))  # decreasing λ
    # Each feature enters before it can leave, and alternates from then on.
    active = set()
    for event in events:
        assert event["action"] in ("enter", "leave")
        assert event["feature"] in data.feature_names
        if event["action"] == "enter":
            assert event["feature"] not in active
            active.add(event["feature"])
        else:
            assert event["feature"] in active
            active.remove(event["feature"])
    assert active == set(data.feature_names)  # n > p: least squares uses every feature
    # The first to enter is the feature most correlated with y, at λ_max = max_j |2 x_j^T y_c|.
    correlation = 2.0 * (data.X - data.X.mean(axis=0)).T @ (data.y - data.y.mean())
    first = int(np.argmax(np.abs(correlation)))
    assert events[0]["action"] == "enter"
    assert events[0]["feature"] == data.feature_names[first]
    np.testing.assert_allclose(events[0]["lam"], np.abs(correlation[first]), rtol=1e-10)

    cv = result["cv"]
    assert result["lam_1se"] >= result["lam_min"]
    mean, se, grid = np.array(cv["mean_error"]), np.array(cv["se"]), np.array(cv["lam"])
    best = mean.min()
    lam_min = grid[mean == best].max()
    assert result["lam_min"] == lam_min
    assert result["lam_1se"] == grid[mean <= best + se[grid == lam_min][0]].max()


def test_path_gives_the_models_at_lam_min_and_lam_1se_as_fit_does(capsys, processes):
    result = _json_of(processes["path_json"])
    for key, lam in (("at_lam_min", result["lam_min"]), ("at_lam_1se", result["lam_1se"])):
        chosen = result[key]
        assert chosen["lam"] == lam
        fit = _fit_json(capsys, "diabetes", "--penalty", "l1", "--lam",
                        repr(lam))
        assert chosen["coef"] == pytest.approx(fit["coef"], rel=1e-12, abs=1e-12)
        assert chosen["intercept"] == pytest.approx(fit["intercept"], rel=1e-12)
        assert chosen["nonzero"] == fit["nonzero"] and chosen["certificate"]["ok"]
    # the larger λ of the one-standard-error rule keeps no more lasso features
    assert result["at_lam_1se"]["nonzero"] <= result["at_lam_min"]["nonzero"]
    code, out, err = _call(capsys, "path", "prostate", "--penalty", "l1")
    assert code == 0 and re.search(r"^coefficients\s+at λ_min\s+at λ_1se$", out, re.MULTILINE)
    assert re.search(r"^non-zero\s+\d+\s+\d+$", out, re.MULTILINE)


def test_path_json_cv_error_matches_sklearn_lasso_fold_by_fold(processes):
    # Default --folds 5 --seed 0: rebuild the folds and refit with scikit-learn at λ_min, λ_1se.
    result = _json_of(processes["path_json"])
    data = load_diabetes()
    grid, mean = np.array(result["cv"]["lam"]), np.array(result["cv"]["mean_error"])
    folds = kfold_indices(len(data.y), 5, seed=0)
    for lam in (result["lam_min"], result["lam_1se"]):
        errors = []
        for held_out in folds:
            train = np.setdiff1d(np.arange(len(data.y)), held_out)
            model = Lasso(alpha=lam / (2.0 * train.size), tol=1e-12, max_iter=1_000_000)
            model.fit(data.X[train], data.y[train])
            errors.append(np.mean((model.predict(data.X[held_out]) - data.y[held_out]) ** 2))
        np.testing.assert_allclose(mean[grid == lam][0], np.mean(errors), rtol=1e-7)


def test_path_table_is_readable_and_shows_lambda_min_and_1se(processes):
    table = processes["path_table"]
    assert table.returncode == 0, table.stderr
    assert table.stderr == ""
    with pytest.raises(json.JSONDecodeError):
        json.loads(table.stdout)
    result = _json_of(processes["path_json"])
    text = table.stdout
    for key in ("lam_min", "lam_1se"):
        label = "λ_min" if key == "lam_min" else "λ_1se"
        match = re.search(rf"{label}\s*=\s*([-+0-9.eE]+)", text)
        assert match, text
        np.testing.assert_allclose(float(match.group(1)), result[key], rtol=1e-5)
    event_lines = [line for line in text.splitlines() if re.search(r"\b(enter|leave)\b", line)]
    assert len(event_lines) == len(result["events"])
    for line, event in zip(event_lines, result["events"], strict=True):
        assert event["feature"] in line and event["action"] in line


@pytest.mark.parametrize("case", sorted(_SUBPROCESS_ERRORS))
def test_bad_input_in_a_real_process_exits_2_with_one_line(processes, case):
    process = processes[case]
    _, names, values = _SUBPROCESS_ERRORS[case]
    _assert_one_line_error(process.returncode, process.stdout, process.stderr, names, values)


# ------------------------------------------------------------------------------------------
# reglab fit (in this process)
# ------------------------------------------------------------------------------------------
_SPLIT = ("prostate", "--standardize", "--split-column", "train")


@pytest.mark.parametrize(("penalty", "norm"), [
    ("l1", lambda w: np.sum(np.abs(w))),
    ("l2", lambda w: np.sqrt(np.sum(w**2))),
])
def test_fit_radius_gives_that_radius_and_the_same_solution_as_its_lambda(capsys, penalty,
                                                                          norm):
    X_train, y_train, *_, names = _prostate_split()
    mean, scale = _esl_standardize(X_train)
    _, ols_std = _ols((X_train - mean) / scale, y_train)
    R = 0.4 * norm(ols_std)
    by_R = _fit_json(capsys, *_SPLIT, "--penalty", penalty, "--R", repr(float(R)))
    np.testing.assert_allclose(by_R["R"], R, rtol=1e-9)
    np.testing.assert_allclose(norm(_coef_std(by_R, names)), R, rtol=1e-9)
    assert by_R["lam"] > 0 and by_R["constraint_active"] is True
    by_lam = _fit_json(capsys, *_SPLIT, "--penalty", penalty, "--lam", repr(float(by_R["lam"])))
    np.testing.assert_allclose(_coef(by_lam, names), _coef(by_R, names), rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(by_lam["R"], R, rtol=1e-9)
    np.testing.assert_allclose(by_R["s"], 0.4, rtol=1e-9)
    assert by_lam["lam_source"] == "given" and by_R["lam_source"] == f"from --R {float(R):g}"


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_fit_s_beyond_one_leaves_the_constraint_inactive(capsys, penalty):
    X_train, y_train, X_test, y_test, names = _prostate_split()
    result = _fit_json(capsys, *_SPLIT, "--penalty", penalty, "--s", "1.5")
    assert result["constraint_active"] is False
    assert result["lam"] == 0
    intercept, coef = _ols(X_train, y_train)
    np.testing.assert_allclose(_coef(result, names), coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result["intercept"], intercept, rtol=1e-9)
    np.testing.assert_allclose(result["s"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(result["R"], result["R_max"], rtol=1e-12)
    np.testing.assert_allclose(result["test_mse"], _mse(intercept, coef, X_test, y_test),
                               rtol=1e-9)


def test_fit_ridge_df_matches_the_svd_formula_and_sklearn(capsys):
    X_train, y_train, *_, names = _prostate_split()
    mean, scale = _esl_standardize(X_train)
    Z = (X_train - mean) / scale
    result = _fit_json(capsys, *_SPLIT, "--penalty", "l2", "--df", "4")
    singular = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
    lam = result["lam"]
    np.testing.assert_allclose(np.sum(singular**2 / (singular**2 + lam)), 4.0, rtol=1e-10)
    np.testing.assert_allclose(result["df"], 4.0, rtol=1e-10)
    model = Ridge(alpha=lam, solver="svd").fit(Z, y_train)
    np.testing.assert_allclose(_coef_std(result, names), model.coef_, rtol=1e-9)


def test_fit_elastic_net_matches_sklearn(capsys):
    X_train, y_train, X_test, y_test, names = _prostate_split()
    mean, scale = _esl_standardize(X_train)
    Z = (X_train - mean) / scale
    lam = _prostate_lasso_lam(0.3)
    result = _fit_json(capsys, *_SPLIT, "--penalty", "enet", "--l1-ratio", "0.3",
                       "--lam", repr(float(lam)))
    model = ElasticNet(alpha=lam / (2.0 * len(y_train)), l1_ratio=0.3, tol=1e-12,
                       max_iter=1_000_000).fit(Z, y_train)
    intercept, coef = _to_user_scale(model.coef_, model.intercept_, mean, scale)
    # Both solvers stop at a relative duality gap near 1e-10 or below.
    np.testing.assert_allclose(_coef(result, names), coef, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(result["intercept"], intercept, rtol=1e-8)
    np.testing.assert_allclose(result["test_mse"], _mse(intercept, coef, X_test, y_test),
                               rtol=1e-8)
    assert result["certificate"]["value"] <= result["certificate"]["tol"]


def test_fit_lp_satisfies_its_stationarity_condition(capsys):
    X_train, y_train, *_, names = _prostate_split()
    mean, scale = _esl_standardize(X_train)
    Z = (X_train - mean) / scale
    lam, p = 20.0, 1.5
    result = _fit_json(capsys, *_SPLIT, "--penalty", "lp", "--p", str(p), "--lam", str(lam))
    w = _coef_std(result, names)
    intercept = y_train.mean() - Z.mean(axis=0) @ w  # the optimal intercept for this w
    np.testing.assert_allclose(_coef(result, names), w / scale, rtol=1e-12)
    np.testing.assert_allclose(result["intercept"], y_train.mean() - mean @ (w / scale),
                               rtol=1e-10)
    # ∇ of ||y - b - Zw||² + λ Σ|w_j|^p vanishes (differentiable for p > 1).
    gradient = 2.0 * Z.T @ (y_train - intercept - Z @ w)
    penalty_gradient = lam * p * np.abs(w) ** (p - 1) * np.sign(w)
    assert np.max(np.abs(gradient - penalty_gradient)) <= 1e-6 * np.max(np.abs(gradient))
    np.testing.assert_allclose(result["R"], np.sum(np.abs(w) ** p) ** (1 / p), rtol=1e-9)
    assert result["certificate"]["value"] <= result["certificate"]["tol"]


def test_fit_none_is_least_squares_with_and_without_standardization(capsys):
    X_train, y_train, X_test, y_test, names = _prostate_split()
    intercept, coef = _ols(X_train, y_train)
    for extra in ((), ("--standardize",)):
        result = _fit_json(capsys, "prostate", "--split-column", "train", "--penalty", "none",
                           *extra)
        np.testing.assert_allclose(_coef(result, names), coef, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(result["intercept"], intercept, rtol=1e-9)
        np.testing.assert_allclose(result["train_mse"], _mse(intercept, coef, X_train, y_train),
                                   rtol=1e-10)
        np.testing.assert_allclose(result["test_mse"], _mse(intercept, coef, X_test, y_test),
                                   rtol=1e-10)
        assert result["lam"] == 0 and result["constraint_active"] is False


def test_fit_without_a_lambda_takes_lambda_min_of_cv_on_the_training_rows(capsys):
    from reglab.penalties import L1

    X_train, y_train, *_ = _prostate_split()
    result = _fit_json(capsys, *_SPLIT, "--penalty", "l1", "--folds", "4", "--seed", "3")
    cv = cross_validate(X_train, y_train, L1(), folds=4, seed=3, standardize=True)
    assert result["lam"] == cv.lam_min
    assert result["lam_source"].startswith("cv_min")


def test_split_column_accepts_1_0_and_true_false_in_csv_and_tsv(capsys, tables):
    X, y, train = tables["X"], tables["y"], tables["train"]
    model = Ridge(alpha=3.0, solver="svd").fit(X[train], y[train])
    results = []
    for name in ("split10", "splittf"):
        result = _fit_json(capsys, tables[name], "--target", "y", "--split-column", "split",
                           "--penalty", "l2", "--lam", "3")
        assert list(result["coef"]) == ["a", "b", "c"]  # the split column is not a feature
        np.testing.assert_allclose(_coef(result, "abc"), model.coef_, rtol=1e-10)
        np.testing.assert_allclose(result["intercept"], model.intercept_, rtol=1e-10)
        np.testing.assert_allclose(
            result["train_mse"], np.mean((model.predict(X[train]) - y[train]) ** 2), rtol=1e-10)
        np.testing.assert_allclose(
            result["test_mse"], np.mean((model.predict(X[~train]) - y[~train]) ** 2), rtol=1e-10)
        assert result["n_train"] == train.sum() and result["n_test"] == (~train).sum()
        results.append(result)
    assert results[0]["coef"] == results[1]["coef"]


def test_test_mse_is_reported_only_with_a_split(capsys, tables):
    without = _fit_json(capsys, "prostate", "--penalty", "l2", "--lam", "1")
    assert "test_mse" not in without
    assert without["n_train"] == load_prostate().n_samples
    plain = _fit_json(capsys, tables["split10"], "--target", "y", "--penalty", "l2",
                      "--lam", "1")
    assert "test_mse" not in plain
    assert "split" in plain["coef"]  # without --split-column it is just another column
    split = _fit_json(capsys, "prostate", "--split-column", "train", "--penalty", "l2",
                      "--lam", "1")
    assert "test_mse" in split


def test_prostate_with_its_default_target_named_keeps_the_clinical_features(capsys):
    # (a regression: naming --target made the built-in's split column `train` a feature)
    names = list(load_prostate().feature_names)
    fit = _fit_json(capsys, "prostate", "--target", "lpsa", "--penalty", "l1", "--lam", "1")
    assert list(fit["coef"]) == names
    code, out, err = _call(capsys, "path", "prostate", "--target", "lpsa", "--penalty", "l1",
                           "--json")
    assert code == 0, err
    assert {event["feature"] for event in json.loads(out)["events"]} <= set(names)


def test_fit_table_says_a_nonconvex_fit_is_a_local_minimum(capsys):
    code, out, err = _call(capsys, "fit", "prostate", "--penalty", "lp", "--p", "0.5",
                           "--lam", "3")
    assert code == 0 and err == ""
    assert re.search(r"^note: local minimum \(p < 1 is non-convex\)", out, flags=re.MULTILINE)
    code, out, err = _call(capsys, "fit", "prostate", "--penalty", "l1", "--lam", "3")
    assert code == 0 and "local" not in out  # a convex fit: its certificate is global


def test_export_writes_the_page_or_refuses_its_state_in_one_line(capsys, tmp_path):
    target = tmp_path / "geometry.html"
    code, out, err = _call(capsys, "export", target, "--page", "geometry", "--lang", "en",
                           "--state", "p=0.5", "R=1.2")
    assert code == 0 and err == "" and out.strip() == str(target) and target.stat().st_size
    for args, names, values in [
        (("--state", "zz=1"), ("--state",), ("zz",)),
        (("--state", "p=abc"), ("--state",), ("abc",)),
        (("--state", "p"), ("--state",), ("KEY=VALUE", "p")),
    ]:
        code, out, err = _call(capsys, "export", tmp_path / "x.html", "--page", "geometry",
                               *args)
        _assert_one_line_error(code, out, err, names, values)
    code, out, err = _call(capsys, "export", tmp_path / "x.html", "--page", "nowhere")
    _assert_one_line_error(code, out, err, ("--page",), ("nowhere",))
    assert not (tmp_path / "x.html").exists()


def test_fit_table_is_readable(capsys):
    code, out, err = _call(capsys, "fit", *_SPLIT, "--penalty", "l1", "--lam", "5")
    assert code == 0 and err == ""
    assert "λ = 5" in out and "certificate" in out and "test MSE" in out
    for name in load_prostate().feature_names:
        assert re.search(rf"^{name}\s", out, flags=re.MULTILINE), out


@pytest.mark.parametrize("form", ["--R", "--s", "--df"])
def test_fit_ridge_at_radius_zero_is_valid_json_or_a_one_line_error(capsys, form):
    # Ridge reaches w = 0 only as λ -> ∞: the answer must be printable as strict JSON (λ as
    # null, say) or refused in one line; never a traceback.
    code, out, err = _call(capsys, "fit", "prostate", "--penalty", "l2", form, "0", "--json")
    if code == 0:
        result = _strict_json(out)
        assert all(value == 0 for value in result["coef"].values())
        assert result["constraint_active"] is True
    else:
        _assert_one_line_error(code, out, err, (form,), ("0",))


def test_fit_lp_with_a_small_p_answers_or_refuses_in_one_line(capsys):
    # p = 0.001 is > 0 as the rule asks; R = (sum |w_j|^p)^(1/p) overflows a float there.
    code, out, err = _call(capsys, "fit", "prostate", "--penalty", "lp", "--p", "0.001",
                           "--lam", "1", "--json")
    if code == 0:
        _strict_json(out)
    else:
        _assert_one_line_error(code, out, err, ("--p",), ("0.001",))


# ------------------------------------------------------------------------------------------
# reglab path (in this process)
# ------------------------------------------------------------------------------------------
def test_path_plot_writes_a_png(capsys, tmp_path):
    from matplotlib.image import imread

    target = tmp_path / "path.png"
    code, out, err = _call(capsys, "path", "prostate", "--penalty", "l1", "--standardize",
                           "--plot", target, "--json")
    assert code == 0, err
    assert json.loads(out)["plot"] == str(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(target)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert np.ptp(image[..., :3]) > 0  # something was drawn


def test_path_ridge_json_has_the_cv_curve_on_the_path_grid(capsys):
    code, out, err = _call(capsys, "path", "prostate", "--penalty", "l2", "--standardize",
                           "--folds", "4", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["events"] == []  # ridge keeps every coefficient non-zero
    np.testing.assert_array_equal(result["cv"]["lam"], result["path"]["lam"])
    assert result["cv"]["folds"] == 4
    assert result["lam_min"] in result["cv"]["lam"] and result["lam_1se"] >= result["lam_min"]


def test_csv_with_semicolons_or_tabs_fits_like_the_comma_csv(capsys, tables):
    # (a regression: such a .csv was one column 'a;b;c;y' and --target y was blamed)
    X, y = tables["X"], tables["y"]
    model = Ridge(alpha=2.0, solver="svd").fit(X, y)
    for name in ("comma", "semicolon", "tab_csv"):
        result = _fit_json(capsys, tables[name], "--target", "y", "--penalty", "l2",
                           "--lam", "2")
        assert list(result["coef"]) == ["a", "b", "c"], name
        np.testing.assert_allclose(_coef(result, "abc"), model.coef_, rtol=1e-10)
        np.testing.assert_allclose(result["intercept"], model.intercept_, rtol=1e-10)


def test_options_the_penalty_uses_are_still_accepted(capsys):
    # The counterpart of the "only applies" errors: --p with lp, --l1-ratio with enet.
    lp = _fit_json(capsys, "prostate", "--penalty", "lp", "--p", "1.5", "--lam", "1")
    assert lp["penalty"] == "lp"
    enet = _fit_json(capsys, "prostate", "--penalty", "enet", "--l1-ratio", "0.3", "--lam", "1")
    plain = _fit_json(capsys, "prostate", "--penalty", "enet", "--lam", "1")
    assert enet["coef"] != plain["coef"]  # 0.3 is used, not the default 0.5
    code, out, err = _call(capsys, "path", "prostate", "--penalty", "enet", "--l1-ratio", "0.3",
                           "--json")
    assert code == 0 and err == "", err


def test_geometry_p_defaults_to_2_and_is_refused_with_an_elastic_net_ball(capsys, tables):
    code, out, err = _call(capsys, "geometry", "--center", "3,4", "--hessian", "1,0,1",
                           "--R", "2", "--json")
    assert code == 0, err
    np.testing.assert_allclose(json.loads(out)["w"], [1.2, 1.6], rtol=1e-12)  # the L2 ball
    code, out, err = _call(capsys, "geometry", "--center", "2,1", "--hessian", "1,0,1",
                           "--l1-ratio", "0.5", "--p", "3", "--R", "1")
    _assert_one_line_error(code, out, err, ("--p",), ("--l1-ratio", "'3'"))


def test_column_constant_within_a_cv_fold_is_named_as_the_user_named_it(capsys, tables):
    # Standardizing inside the fold that holds out row 3 finds b constant. Whether that is
    # an error or handled, an error must name the user's column 'b', not an internal name.
    code, out, err = _call(capsys, "path", tables["rare"], "--target", "y", "--standardize")
    if code != 0:
        _assert_one_line_error(code, out, err, ("DATA", "--standardize", "--folds"), ("'b'",))


# ------------------------------------------------------------------------------------------
# Bad input (in this process): exit 2, one line naming the parameter, the rule and the value
# ------------------------------------------------------------------------------------------
_DATA = ("DATA", "data")
_ERRORS = {
    "missing file": (("fit", "{missing}", "--target", "y"), _DATA, ("missing.csv",)),
    "misspelled built-in": (("fit", "prostat"), _DATA, ("prostat",)),
    "directory": (("fit", "{folder}", "--target", "y"), _DATA, ("tables",)),
    "unknown target (built-in)": (("fit", "prostate", "--target", "nope"), ("--target",),
                                  ("nope",)),
    "unknown target (file)": (("fit", "{split10}", "--target", "zz"), ("--target",), ("zz",)),
    "no target for a file": (("fit", "{split10}"), ("--target",), ("None",)),
    "unknown split column": (("fit", "prostate", "--split-column", "nope"),
                             ("--split-column",), ("nope",)),
    "split value not 0/1": (("fit", "{bad_split}", "--target", "y", "--split-column", "split"),
                            ("--split-column",), ("2",)),
    "one training row": (("fit", "{one_train}", "--target", "y", "--split-column", "split",
                          "--lam", "1"), ("--split-column",), ("1",)),
    "no test rows": (("fit", "{all_train}", "--target", "y", "--split-column", "split",
                      "--lam", "1"), ("--split-column",), ("at least 1 test row", "0/false",
                                                         "got 0")),
    "no test rows, lambda by CV": (("fit", "{all_train}", "--target", "y", "--split-column",
                                    "split", "--folds", "2"), ("--split-column",),
                                   ("test row",)),
    "only a target column (fit enet)": (("fit", "{target_only}", "--target", "y", "--penalty",
                                         "enet", "--lam", "1"), ("DATA",),
                                        ("feature column", "'y'", "target_only.csv")),
    "only a target column (fit lp)": (("fit", "{target_only}", "--target", "y", "--penalty",
                                       "lp", "--p", "1.5", "--lam", "1"), ("DATA",),
                                      ("feature column", "'y'")),
    "only a target column (fit l2)": (("fit", "{target_only}", "--target", "y", "--lam", "1"),
                                      ("DATA",), ("feature column", "'y'")),
    "only a target column (path)": (("path", "{target_only}", "--target", "y", "--folds", "2"),
                                    ("DATA",), ("feature column", "'y'")),
    "p with l1 (fit)": (("fit", "prostate", "--penalty", "l1", "--p", "2", "--lam", "1"),
                        ("--p",), ("--penalty lp", "2.0")),
    "p with the default l2 (fit)": (("fit", "prostate", "--p", "3", "--lam", "1"), ("--p",),
                                    ("--penalty lp", "3.0")),
    "p with none (fit)": (("fit", "prostate", "--penalty", "none", "--p", "2"), ("--p",),
                          ("--penalty lp", "2.0")),
    "l1-ratio with l1 (fit)": (("fit", "prostate", "--penalty", "l1", "--l1-ratio", "0.3",
                                "--lam", "1"), ("--l1-ratio",), ("--penalty enet", "0.3")),
    "l1-ratio with lp (fit)": (("fit", "prostate", "--penalty", "lp", "--p", "1.5",
                                "--l1-ratio", "0.3", "--lam", "1"), ("--l1-ratio",),
                               ("--penalty enet", "0.3")),
    "p with l2 (path)": (("path", "prostate", "--penalty", "l2", "--p", "2"), ("--p",),
                         ("--penalty lp", "2.0")),
    "l1-ratio with the default l1 (path)": (("path", "prostate", "--l1-ratio", "0.2"),
                                            ("--l1-ratio",), ("--penalty enet", "0.2")),
    "non-numeric cell": (("fit", "{text}", "--target", "y"), _DATA, ("abc",)),
    "NaN cell": (("fit", "{nan}", "--target", "y"), _DATA, ("nan",)),
    "inf cell": (("fit", "{inf}", "--target", "y"), _DATA, ("-inf",)),
    "empty file": (("fit", "{empty}", "--target", "y"), _DATA, ("empty.csv",)),
    "no data rows": (("path", "{header_only}", "--target", "y"), _DATA, ("0",)),
    "negative lam": (("fit", "prostate", "--penalty", "l1", "--lam", "-1"), ("--lam",),
                     ("-1",)),
    "NaN lam": (("fit", "prostate", "--lam", "nan"), ("--lam",), ("nan",)),
    "infinite lam": (("fit", "prostate", "--lam", "inf"), ("--lam",), ("inf",)),
    "lam not a number": (("fit", "prostate", "--lam", "abc"), ("--lam",), ("abc",)),
    "negative R": (("fit", "prostate", "--penalty", "l2", "--R", "-2"), ("--R",), ("-2",)),
    "negative s": (("fit", "prostate", "--penalty", "l1", "--s", "-0.5"), ("--s",), ("-0.5",)),
    "df beyond least squares": (("fit", "prostate", "--penalty", "l2", "--df", "50"),
                                ("--df",), ("50",)),
    "p zero": (("fit", "prostate", "--penalty", "lp", "--p", "0", "--lam", "1"), ("--p",),
               ("0",)),
    "p negative": (("fit", "prostate", "--penalty", "lp", "--p", "-1.5", "--lam", "1"),
                   ("--p",), ("-1.5",)),
    "lp without p": (("fit", "prostate", "--penalty", "lp", "--lam", "1"), ("--p",), ()),
    "l1-ratio above 1": (("fit", "prostate", "--penalty", "enet", "--l1-ratio", "1.5"),
                         ("--l1-ratio",), ("1.5",)),
    "unknown penalty": (("fit", "prostate", "--penalty", "l3"), ("--penalty",), ("l3",)),
    "path penalty none": (("path", "prostate", "--penalty", "none"), ("--penalty",),
                          ("none",)),
    "lam and R": (("fit", "prostate", "--lam", "1", "--R", "2"), ("--lam",), ("--R", "1", "2")),
    "s and df": (("fit", "prostate", "--s", "0.5", "--df", "3"), ("--s",), ("--df", "0.5", "3")),
    "one fold": (("path", "prostate", "--folds", "1"), ("--folds",), ("1",)),
    "negative seed (path)": (("path", "prostate", "--seed", "-1"), ("--seed",), ("-1",)),
    "negative seed (fit by CV)": (("fit", "prostate", "--penalty", "l1", "--seed", "-3"),
                                  ("--seed",), ("-3",)),
    "more folds than rows": (("path", "{constant}", "--target", "y", "--folds", "9"),
                             ("--folds",), ("9",)),
    "unwritable plot": (("path", "prostate", "--plot", "{folder}/no/such/dir/p.png"),
                        ("--plot",), ("p.png",)),
    "constant column, standardized": (
        ("fit", "{constant}", "--target", "y", "--standardize", "--lam", "1"),
        ("--standardize", "DATA"), ("'c'",)),
}


@pytest.mark.parametrize("case", list(_ERRORS))
def test_bad_input_exits_2_with_one_line_naming_parameter_and_value(capsys, tables, case):
    args, names, values = _ERRORS[case]
    code, out, err = _call(capsys, *(str(arg).format(**tables) for arg in args))
    _assert_one_line_error(code, out, err, names, values)
