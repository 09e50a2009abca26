import csv
import datetime
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_diabetes as sklearn_diabetes

from reglab._validation import ReglabInputError
from reglab.datasets import (
    BUILTIN_DATASETS,
    TRUE_CURVES,
    Dataset,
    load_co2,
    load_diabetes,
    load_nile,
    load_prostate,
    load_table,
    make_toy,
    sin_curve,
    sin_curve_test,
    true_curve,
)

DATA = Path(__file__).resolve().parents[1] / "src" / "reglab" / "data"


def _read_rows(path, delimiter):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    return rows[0], rows[1:]


# -- the toy data --------------------------------------------------------------------------
def test_same_seed_same_sample_and_different_seeds_differ():
    x1, y1 = sin_curve(25, 0.3, seed=4)
    x2, y2 = sin_curve(25, 0.3, seed=4)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    x3, y3 = sin_curve(25, 0.3, seed=5)
    assert not np.any(x1 == x3) and not np.any(y1 == y3)


def test_test_sample_is_reproducible_and_differs_from_training_sample():
    x_train, _ = sin_curve(20, seed=2)
    x_test, y_test = sin_curve_test(20, seed=2)
    x_again, y_again = sin_curve(20, seed=2, test=True)
    np.testing.assert_array_equal(x_test, x_again)
    np.testing.assert_array_equal(y_test, y_again)
    assert not np.any(x_train == x_test)


def test_samples_are_nested_in_n_and_noise_scales_with_sigma():
    x10, y10 = sin_curve(10, 0.3, seed=8)
    x50, y50 = sin_curve(50, 0.3, seed=8)
    np.testing.assert_array_equal(x50[:10], x10)
    np.testing.assert_array_equal(y50[:10], y10)
    x_big, y_big = sin_curve(10, 0.6, seed=8)
    np.testing.assert_array_equal(x_big, x10)
    noise = y10 - np.sin(2 * np.pi * x10)
    np.testing.assert_allclose(y_big - np.sin(2 * np.pi * x_big), 2 * noise, atol=1e-14)
    x0, y0 = sin_curve(10, 0.0, seed=8)
    np.testing.assert_array_equal(y0, np.sin(2 * np.pi * x0))


def test_noise_and_inputs_have_the_stated_distribution():
    n, sigma = 200_000, 0.3
    x, y = sin_curve(n, sigma, seed=11)
    residual = y - np.sin(2 * np.pi * x)
    # The sample std has standard error sigma / sqrt(2n) ~ 5e-4: a 1% bound is ~6 of them.
    assert residual.std() == pytest.approx(sigma, rel=0.01)
    assert abs(residual.mean()) < 5 * sigma / math.sqrt(n)
    assert stats.kstest(residual / sigma, "norm").pvalue > 1e-4
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert stats.kstest(x, "uniform").pvalue > 1e-4


def test_grid_design_and_x_range():
    x, _ = sin_curve(10, design="grid")
    np.testing.assert_array_equal(x, np.linspace(0.0, 1.0, 10))
    x, _ = sin_curve(1000, x_range=(-2.0, 3.0), seed=1)
    assert -2.0 <= x.min() < -1.9 and 2.9 < x.max() <= 3.0


def test_true_curves():
    x = np.linspace(0.0, 1.0, 2001)
    np.testing.assert_array_equal(true_curve(x), np.sin(2 * np.pi * x))
    # The cubic shares the sine's zeros and amplitude.
    cubic = true_curve(x, "cubic")
    np.testing.assert_allclose(true_curve([0.0, 0.5, 1.0], "cubic"), 0.0, atol=1e-15)
    u_peak = 0.5 - 0.5 / math.sqrt(3.0)  # s = -1/sqrt(3)
    assert true_curve([u_peak], "cubic")[0] == pytest.approx(1.0, rel=1e-14)
    assert cubic.max() <= 1.0 + 1e-14 and cubic.min() >= -1.0 - 1e-14
    np.testing.assert_array_equal(true_curve(x, "step"), np.where(x < 0.5, 1.0, -1.0))
    # On x_range (-1, 1) the mapped s is x itself.
    z = np.linspace(-1.0, 1.0, 11)
    np.testing.assert_allclose(
        true_curve(z, "runge", x_range=(-1.0, 1.0)), 1 / (1 + 25 * z**2), rtol=1e-15
    )
    assert set(TRUE_CURVES) == {"sin", "cubic", "step", "runge"}
    for name in TRUE_CURVES:
        _, y = sin_curve(5, 0.0, true_function=name)
        assert np.isfinite(y).all()


def test_make_toy_is_a_dataset_with_train_then_test_rows():
    data = make_toy(12, 0.2, seed=3, n_test=30)
    assert isinstance(data, Dataset)
    assert data.feature_names == ("x",) and data.target_name == "y"
    assert data.X.shape == (42, 1) and data.split.sum() == 12
    X_tr, y_tr, X_te, y_te = data.train_test()
    x, y = sin_curve(12, 0.2, seed=3)
    xt, yt = sin_curve_test(30, 0.2, seed=3)
    np.testing.assert_array_equal(X_tr[:, 0], x)
    np.testing.assert_array_equal(y_tr, y)
    np.testing.assert_array_equal(X_te[:, 0], xt)
    np.testing.assert_array_equal(y_te, yt)
    np.testing.assert_array_equal(data.x, data.X[:, 0])
    assert make_toy().split is None
    assert "\n" not in data.description and "seed 3" in data.description


# -- real data --------------------------------------------------------------------------------
def test_prostate_matches_the_file():
    data = load_prostate()
    header, rows = _read_rows(DATA / "prostate.tsv", "\t")
    header = [h.strip() for h in header]
    predictors = ["lcavol", "lweight", "age", "lbph", "svi", "lcp", "gleason", "pgg45"]
    assert data.feature_names == tuple(predictors) and data.target_name == "lpsa"
    assert data.X.shape == (97, 8) and len(rows) == 97
    assert data.split.sum() == 67 and (~data.split).sum() == 30
    column = {name: [float(row[header.index(name)]) for row in rows] for name in predictors}
    np.testing.assert_allclose(
        data.X.mean(axis=0), [math.fsum(column[c]) / 97 for c in predictors], rtol=1e-13
    )
    np.testing.assert_array_equal(data.y, [float(row[header.index("lpsa")]) for row in rows])
    np.testing.assert_array_equal(
        data.split, [row[header.index("train")].strip() == "1" for row in rows]
    )
    X_tr, y_tr, X_te, y_te = data.train_test()
    assert X_tr.shape == (67, 8) and y_te.shape == (30,)


def test_prostate_through_load_table_from_the_file_path():
    data = load_table(DATA / "prostate.tsv", target="lpsa", split_column="train")
    reference = load_prostate()
    np.testing.assert_array_equal(data.X, reference.X)
    np.testing.assert_array_equal(data.split, reference.split)
    assert data.feature_names == reference.feature_names


def test_diabetes_matches_scikit_learn_raw_data():
    data = load_diabetes()
    bunch = sklearn_diabetes(scaled=False)
    np.testing.assert_array_equal(data.X, bunch.data)
    np.testing.assert_array_equal(data.y, bunch.target)
    assert data.feature_names == tuple(bunch.feature_names)
    assert data.target_name == "target" and data.split is None


def test_nile_matches_the_file():
    data = load_nile()
    _, rows = _read_rows(DATA / "nile.csv", ",")
    np.testing.assert_array_equal(data.x, [float(r[0]) for r in rows])
    np.testing.assert_array_equal(data.y, [float(r[1]) for r in rows])
    assert data.x[0] == 1871 and data.x[-1] == 1970 and data.n_samples == 100


def test_co2_drops_the_empty_weeks_and_uses_decimal_years():
    data = load_co2()
    _, rows = _read_rows(DATA / "co2_mauna_loa_weekly.csv", ",")
    kept = [r for r in rows if r[1].strip()]
    dropped = len(rows) - len(kept)
    assert dropped > 0 and data.n_samples == len(kept)
    assert f"{dropped} empty weeks dropped" in data.description
    np.testing.assert_array_equal(data.y, [float(r[1]) for r in kept])
    day = datetime.datetime.strptime(kept[0][0], "%Y%m%d")
    days_in_year = 366 if day.year % 4 == 0 else 365  # 1958: no leap year issue
    assert data.x[0] == pytest.approx(day.year + (day.timetuple().tm_yday - 1) / days_in_year)
    assert np.all(np.diff(data.x) > 0)


def test_builtin_registry_and_default_targets():
    expected = {
        "sin": "y",
        "diabetes": "target",
        "prostate": "lpsa",
        "nile": "volume",
        "co2": "co2",
    }
    assert set(BUILTIN_DATASETS) == set(expected)
    for name, target in expected.items():
        data = load_table(name)
        assert data.target_name == target and data.name == name
    with pytest.raises(TypeError):
        BUILTIN_DATASETS["mine"] = load_nile  # the registry is read-only


def test_load_table_selects_columns_of_a_builtin():
    data = load_table("prostate", target="lcavol", features=["age", "lpsa"])
    reference = load_prostate()
    np.testing.assert_array_equal(data.y, reference.X[:, 0])
    np.testing.assert_array_equal(data.X[:, 0], reference.X[:, 2])
    np.testing.assert_array_equal(data.X[:, 1], reference.y)
    np.testing.assert_array_equal(data.split, reference.split)  # the built-in split is kept
    by_svi = load_table("prostate", split_column="svi")
    assert "svi" not in by_svi.feature_names
    np.testing.assert_array_equal(by_svi.split, reference.X[:, 4] == 1)
    # The built-in's own split column is a row label, never a default feature: naming the
    # target (even the default one) or another split keeps the eight clinical measurements.
    for kwargs in ({"target": "lpsa"}, {"split_column": "svi"}, {"split_column": "train"}):
        assert "train" not in load_table("prostate", **kwargs).feature_names, kwargs
    assert load_table("prostate", target="lpsa").feature_names == reference.feature_names
    by_lcavol = load_table("prostate", target="lcavol")
    assert by_lcavol.feature_names == (*reference.feature_names[1:], "lpsa")
    assert load_table("prostate", features=["lcavol", "train"]).feature_names == (
        "lcavol", "train")  # asked for by name, it is a column like any other


# -- load_table on files ------------------------------------------------------------------
def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_table_round_trip_csv_and_tsv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(15, 3))
    y = rng.normal(size=15)
    split = rng.uniform(size=15) < 0.6
    flag = {True: "T", False: "F"}
    for suffix, delimiter in ((".csv", ","), (".tsv", "\t")):
        lines = [delimiter.join(["a", "b", "note", "c", "y", "is_train"])]
        for i in range(15):
            # repr of a Python float round-trips exactly.
            cells = [repr(float(v)) for v in (X[i, 0], X[i, 1])] + ["text"]
            cells += [repr(float(X[i, 2])), repr(float(y[i]))]
            lines.append(delimiter.join([*cells, flag[bool(split[i])]]))
        path = _write(tmp_path / f"table{suffix}", lines)
        data = load_table(path, target="y", features=["a", "b", "c"], split_column="is_train")
        np.testing.assert_array_equal(data.X, X)
        np.testing.assert_array_equal(data.y, y)
        np.testing.assert_array_equal(data.split, split)
        assert data.name == "table" and "\n" not in data.description


def test_load_table_sniffs_the_delimiter_and_drops_an_index_column(tmp_path):
    path = _write(tmp_path / "data.txt", [";u;v", "1;0.5;2", "2;1.5;4", "3;2.5;6"])
    data = load_table(path, target="v")
    assert data.feature_names == ("u",)
    np.testing.assert_array_equal(data.X[:, 0], [0.5, 1.5, 2.5])
    np.testing.assert_array_equal(data.y, [2.0, 4.0, 6.0])
    # Nothing is guessed when rows are longer than the header (R's row names, a trailing
    # delimiter): shifting the columns silently would be worse than an error.
    path = _write(tmp_path / "r.csv", ['"u","v"', '"1",0.5,2', '"2",1.5,4'])
    assert "fields" in _error(lambda: load_table(path, target="v"))
    # Blank lines and spaces around cells are ignored.
    path = _write(tmp_path / "loose.csv", ["u , v", " 1 , 2 ", "", "3,4", ""])
    np.testing.assert_array_equal(load_table(path, target="v").X[:, 0], [1.0, 3.0])


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_without_a_comma_in_its_header_is_read_with_its_semicolons_or_tabs(tmp_path,
                                                                              delimiter):
    # Excel saves "CSV" with ';' in locales with a decimal comma; a tab-separated file is
    # often named .csv too. Both used to be read as one column named 'a;b;y'.
    lines = [delimiter.join(row) for row in
             (["", "a", "b", "y", "s"], ["r1", "1", "0.5", "2", "1"], ["r2", "2", "-1.5", "3", "0"],
              ["r3", "3", "2.5", "5", "1"])]
    data = load_table(_write(tmp_path / "excel.csv", lines), target="y", split_column="s")
    assert data.feature_names == ("a", "b") and data.target_name == "y"
    np.testing.assert_array_equal(data.X, [[1.0, 0.5], [2.0, -1.5], [3.0, 2.5]])
    np.testing.assert_array_equal(data.y, [2.0, 3.0, 5.0])
    np.testing.assert_array_equal(data.split, [True, False, True])
    # Quoted names are fine, and a decimal comma is not silently converted: it is named.
    path = _write(tmp_path / "quoted.csv", [f'"a"{delimiter}"y"', f"1{delimiter}2"])
    assert load_table(path, target="y").X.tolist() == [[1.0]]
    path = _write(tmp_path / "decimal.csv", [f"a{delimiter}y", f"1,5{delimiter}2"])
    message = _error(lambda: load_table(path, target="y"))
    assert message.startswith("data: must be numeric") and "'1,5'" in message


def test_csv_header_with_a_comma_is_comma_delimited_and_one_column_stays_one(tmp_path):
    # A comma in the header is authoritative, even with ';' in a name or in the cells.
    path = _write(tmp_path / "names.csv", ["id;code,a,y", "p;1,1,2", "p;2,3,4"])
    data = load_table(path, target="y", features=["a"])
    np.testing.assert_array_equal(data.X[:, 0], [1.0, 3.0])
    assert "'id;code'" in _error(lambda: load_table(path, target="y"))  # it is one column
    # A ';' inside a quoted name is not a delimiter either.
    path = _write(tmp_path / "quoted.csv", ['"x;1",y', "1,2", "3,4"])
    assert load_table(path, target="y").feature_names == ("x;1",)
    # A header with neither a comma, a ';' nor a tab is a single column, read as one.
    path = _write(tmp_path / "one.csv", ["y", "1", "2"])
    message = _error(lambda: load_table(path, target="y"))
    assert message.startswith("data: ") and "(columns: y)" in message
    assert "'target'" not in message and "got 'y'" not in message


def test_csv_header_with_both_semicolons_and_tabs_is_settled_by_the_rows(tmp_path):
    path = _write(tmp_path / "tab.csv", ["a\tb;c", "1\t2", "3\t4"])
    assert load_table(path, target="b;c").X.tolist() == [[1.0], [3.0]]
    path = _write(tmp_path / "semi.csv", ["a;b\tc", "1;2", "3;4"])
    assert load_table(path, target="b\tc").X.tolist() == [[1.0], [3.0]]


def test_a_table_without_a_feature_column_is_refused_in_one_line(tmp_path):
    # Only the target: nothing to regress on (the CLI used to fail on an internal 'gram').
    path = _write(tmp_path / "only.csv", ["y", "1", "2", "3"])
    assert _error(lambda: load_table(path, target="y")) == (
        "data: must have at least one feature column besides the target 'y' (columns: y); "
        f"got {str(path)!r}"
    )
    path = _write(tmp_path / "split.csv", ["y,s", "1,1", "2,0", "3,1"])
    message = _error(lambda: load_table(path, target="y", split_column="s"))
    assert message.startswith("data: ") and "split column 's'" in message
    # An explicitly empty feature list names the parameter the user gave.
    path = _write(tmp_path / "two.csv", ["a,y", "1,2", "3,4"])
    assert _error(lambda: load_table(path, target="y", features=[])) == (
        "features: must name at least one column; got []"
    )
    assert _error(lambda: load_table("nile", features=[])).startswith("features: ")


def _error(call):
    with pytest.raises(ReglabInputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def test_load_table_errors_are_one_line_and_name_the_parameter(tmp_path):
    good = _write(tmp_path / "good.csv", ["a,b,y,s", "1,2,3,1", "4,5,6,0"])
    assert _error(lambda: load_table("x.csv")) == "data: file not found; got 'x.csv'"
    message = _error(lambda: load_table(good, target="z"))
    assert message.startswith("target: ") and "a, b, y, s" in message and "'z'" in message
    assert _error(lambda: load_table(good)).startswith("target: ")
    message = _error(lambda: load_table(good, target="y", features=["a", "q"]))
    assert message.startswith("features: ") and "'q'" in message
    assert _error(lambda: load_table(good, target="y", features=["y"])).startswith("features: ")
    assert _error(lambda: load_table(good, target="y", features=["a", "a"])).startswith(
        "features: "
    )
    message = _error(lambda: load_table(good, target="y", split_column="t"))
    assert message.startswith("split_column: ") and "a, b, y, s" in message
    assert _error(lambda: load_table(good, target="y", split_column="y")).startswith(
        "split_column: "
    )
    assert _error(lambda: load_table("prostate", target="nope")).startswith("target: ")
    assert _error(lambda: load_table(3.5)).startswith("data: ")
    assert _error(lambda: load_table(tmp_path)).startswith("data: ")


@pytest.mark.parametrize(
    ("lines", "kwargs", "name", "fragments"),
    [
        (["a,y", "1,2", "x1,3"], {}, "data", ["numeric", "row 2 (line 3)", "'a'", "'x1'"]),
        (["a,y", "1,2", "nan,3"], {}, "data", ["finite", "row 2", "'a'"]),
        (["a,y", "1,inf"], {}, "data", ["finite", "row 1", "'y'"]),
        (["a,y", "1,2", ",3"], {}, "data", ["missing", "row 2", "'a'"]),
        (["a,y"], {}, "data", ["at least one data row"]),
        ([""], {}, "data", ["empty"]),
        (["a,y", "1,2", "1,2,3"], {}, "data", ["fields", "line 3"]),
        (["a,,y", "1,2,3"], {}, "data", ["column names"]),
        (["a,a,y", "1,2,3"], {}, "data", ["unique", "'a'"]),
        (
            ["a,y,s", "1,2,1", "3,4,maybe"],
            {"split_column": "s"},
            "split_column",
            ["0/1/true/false", "row 2", "'maybe'"],
        ),
    ],
)
def test_bad_file_content(tmp_path, lines, kwargs, name, fragments):
    path = _write(tmp_path / "bad.csv", lines)
    message = _error(lambda: load_table(path, target="y", **kwargs))
    assert message.startswith(f"{name}: ")
    for fragment in fragments:
        assert fragment in message


def test_unselected_text_columns_are_not_parsed(tmp_path):
    path = _write(tmp_path / "mixed.csv", ["id,a,y", "p1,1,2", "p2,3,4"])
    assert load_table(path, target="y", features=["a"]).X.tolist() == [[1.0], [3.0]]
    assert "'id'" in _error(lambda: load_table(path, target="y"))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: sin_curve(0), "n"),
        (lambda: sin_curve(5.5), "n"),
        (lambda: sin_curve(5, -0.1), "sigma"),
        (lambda: sin_curve(5, np.nan), "sigma"),
        (lambda: sin_curve(5, seed=-1), "seed"),
        (lambda: sin_curve(5, seed=None), "seed"),
        (lambda: sin_curve(5, x_range=(1.0, 0.0)), "x_range"),
        (lambda: sin_curve(5, design="random"), "design"),
        (lambda: sin_curve(5, true_function="cos"), "true_function"),
        (lambda: true_curve([0.1, np.inf]), "x"),
        (lambda: make_toy(n_test=-1), "n_test"),
        (lambda: make_toy().train_test(), "split"),
        (lambda: load_prostate().x, "X"),
        (lambda: Dataset(np.ones((3, 2)), np.ones(4), ("a", "b"), "y"), "y"),
        (lambda: Dataset(np.ones((3, 2)), np.ones(3), ("a",), "y"), "feature_names"),
        (lambda: Dataset(np.ones((3, 1)), np.ones(3), ("a",), "y", np.ones(3)), "split"),
        (lambda: Dataset([[1.0], [np.nan]], [1.0, 2.0], ("a",), "y"), "X"),
    ],
)
def test_bad_arguments_give_one_line_errors(call, name):
    message = _error(call)
    assert message.startswith(f"{name}: ") and "; got " in message
