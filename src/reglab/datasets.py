r"""Built-in data sets and a small CSV/TSV reader, all reproducible.

Synthetic data (the lecture's toy problem, after Bishop's PRML §1.1)::

    y_n = f(x_n) + eps_n,   eps_n ~ N(0, sigma^2) i.i.d.,   f(x) = sin(2 pi x) by default

is drawn from numpy Generators seeded through :class:`numpy.random.SeedSequence`, so a seed
gives the same sample on every machine and numpy version that keeps the Generator streams.
Real data sets ship inside the package (``reglab/data``, provenance in its ``README.md``) or
come from scikit-learn; they are read with the standard :mod:`csv` module and numpy only.

Every loader returns a :class:`Dataset`: a design ``X`` of shape ``(n, p)``, a target ``y``,
names, an optional train/test ``split`` and a one-line description and source.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from numbers import Integral
from pathlib import Path
from types import MappingProxyType

import numpy as np

from reglab._validation import ReglabInputError, check_finite_array, check_nonnegative

__all__ = [
    "BUILTIN_DATASETS",
    "TRUE_CURVES",
    "Dataset",
    "load_co2",
    "load_diabetes",
    "load_nile",
    "load_prostate",
    "load_table",
    "make_toy",
    "sin_curve",
    "sin_curve_test",
    "true_curve",
]


# ==========================================================================================
# The container
# ==========================================================================================
@dataclass(frozen=True, eq=False)
class Dataset:
    """A regression data set: ``n`` rows of ``p`` numeric features and one numeric target.

    Attributes
    ----------
    X : ndarray of shape (n, p)
        Finite features, in their original units (nothing is centered or scaled here).
    y : ndarray of shape (n,)
        Finite target.
    feature_names : tuple of str
        One name per column of ``X``.
    target_name : str
        Name of ``y``.
    split : ndarray of bool, shape (n,), or None
        ``True`` for training rows, ``False`` for test rows; ``None`` when there is no split.
    description : str
        One line saying what the data are.
    source : str
        One citation line.
    name : str
        Short name (the key in :data:`BUILTIN_DATASETS`, or the file's stem).
    split_name : str
        Name of the column the split came from (``"train"`` for prostate), if any.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    split: np.ndarray | None = None
    description: str = ""
    source: str = ""
    name: str = ""
    split_name: str = ""

    def __post_init__(self) -> None:
        names = tuple(str(f) for f in self.feature_names)
        shape = np.shape(self.X)
        columns = names if len(shape) == 2 and shape[1] == len(names) else None
        X = check_finite_array("X", self.X, ndim=2, columns=columns)
        y = check_finite_array("y", self.y, ndim=1)
        if y.shape[0] != X.shape[0]:
            raise ReglabInputError("y", f"must have one entry per row of X ({X.shape[0]})", y.size)
        if len(names) != X.shape[1]:
            raise ReglabInputError(
                "feature_names", f"must have one name per column of X ({X.shape[1]})", len(names)
            )
        split = self.split
        if split is not None:
            split = np.asarray(split)
            if split.dtype != bool or split.shape != y.shape:
                raise ReglabInputError(
                    "split", f"must be a boolean array of shape ({y.size},)", split
                )
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", names)
        object.__setattr__(self, "split", split)

    @property
    def n_samples(self) -> int:
        """Number of rows ``n``."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features ``p``."""
        return int(self.X.shape[1])

    @property
    def x(self) -> np.ndarray:
        """The single feature as a 1-D array (for one-input data such as the toy curve)."""
        if self.n_features != 1:
            raise ReglabInputError(
                "X", "must have exactly one column to be used as x", self.X.shape
            )
        return self.X[:, 0]

    def train_test(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(X_train, y_train, X_test, y_test)`` according to :attr:`split`."""
        if self.split is None:
            raise ReglabInputError(
                "split", "is not set for this data set (load it with a split column)", None
            )
        train, test = self.split, ~self.split
        return self.X[train], self.y[train], self.X[test], self.y[test]

    def __repr__(self) -> str:
        split = "" if self.split is None else f", {int(self.split.sum())} train"
        return (
            f"Dataset({self.name or 'unnamed'!r}: n={self.n_samples}, p={self.n_features}, "
            f"target={self.target_name!r}{split})"
        )


# ==========================================================================================
# The lecture's toy data
# ==========================================================================================
#: Names of the noise-free curves :func:`true_curve` knows, with their formulas.
TRUE_CURVES: Mapping[str, str] = MappingProxyType(
    {
        "sin": "sin(2 pi u)",
        "cubic": "(3 sqrt(3) / 2) (s^3 - s)",
        "step": "+1 for u < 1/2, -1 for u >= 1/2",
        "runge": "1 / (1 + 25 s^2)",
    }
)


def _check_pair(name: str, value: object) -> tuple[float, float]:
    rule = "must be a pair (lo, hi) of finite numbers with lo < hi"
    try:
        lo, hi = (float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ReglabInputError(name, rule, value) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ReglabInputError(name, rule, value)
    return lo, hi


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ReglabInputError(name, f"must be an integer >= {minimum}", value)
    return int(value)


def _check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ReglabInputError(name, f"must be one of {', '.join(map(repr, choices))}", value)
    return str(value)


def true_curve(
    x: Sequence[float] | np.ndarray,
    name: str = "sin",
    *,
    x_range: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    r"""Evaluate a noise-free curve of the lab at ``x``.

    The curves are written in ``u = (x - lo) / (hi - lo)``, which maps ``x_range`` onto
    ``[0, 1]``, or in ``s = 2 u - 1`` on ``[-1, 1]``; with the default range ``u = x``:

    ==========  ==============================  ===========================================
    name        f                               why
    ==========  ==============================  ===========================================
    ``sin``     ``sin(2 pi u)``                 the lecture's curve (Bishop, PRML Fig. 1.2)
    ``cubic``   ``(3 sqrt(3)/2) (s^3 - s)``     a cubic with the sine's zeros and amplitude:
                                                degree 3 is exactly right
    ``step``    ``+1`` if ``u < 1/2``, else -1  a jump: polynomials ring (Gibbs)
    ``runge``   ``1 / (1 + 25 s^2)``            Runge's function: high degrees blow up
                                                near the ends
    ==========  ==============================  ===========================================

    Parameters
    ----------
    x : array_like of shape (n,)
        Points (they may lie outside ``x_range``; the formulas extend).
    name : {"sin", "cubic", "step", "runge"}, default "sin"
        Which curve.
    x_range : (float, float), default (0.0, 1.0)
        The interval that is mapped onto ``u in [0, 1]``.

    Returns
    -------
    ndarray of shape (n,)
    """
    x = check_finite_array("x", x, ndim=1, min_rows=0)
    name = _check_choice("name", name, tuple(TRUE_CURVES))
    lo, hi = _check_pair("x_range", x_range)
    u = (x - lo) / (hi - lo)
    s = 2.0 * u - 1.0
    if name == "sin":
        return np.sin(2.0 * np.pi * u)
    if name == "cubic":
        # s^3 - s has zeros at s = -1, 0, 1 (u = 0, 1/2, 1, like the sine) and extreme
        # value 2 / (3 sqrt 3) at s = -+1/sqrt 3; the factor scales that to 1.
        return 1.5 * math.sqrt(3.0) * (s**3 - s)
    if name == "step":
        return np.where(u < 0.5, 1.0, -1.0)
    return 1.0 / (1.0 + 25.0 * s**2)


def _streams(seed: int, sample: int) -> tuple[np.random.Generator, np.random.Generator]:
    # Two independent child streams of the seed per sample: one for x, one for the noise.
    # Separate streams make samples nested: the first n points of a sample of size n + m are
    # the sample of size n, so growing n in the lab adds points instead of redrawing them.
    x_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(sample, 0)))
    noise_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(sample, 1)))
    return x_rng, noise_rng


def sin_curve(
    n: int = 10,
    sigma: float = 0.3,
    *,
    seed: int = 0,
    x_range: tuple[float, float] = (0.0, 1.0),
    true_function: str = "sin",
    design: str = "uniform",
    test: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw the lecture's toy sample ``y = f(x) + N(0, sigma^2)`` noise.

    Parameters
    ----------
    n : int, default 10
        Number of points (Bishop's figures use 10, 15 and 100).
    sigma : float, default 0.3
        Standard deviation of the Gaussian noise (0 gives the noise-free curve).
    seed : int, default 0
        Non-negative seed; the same arguments give the same sample.
    x_range : (float, float), default (0.0, 1.0)
        Interval of the inputs.
    true_function : str, default "sin"
        The noise-free curve, a name in :data:`TRUE_CURVES` (see :func:`true_curve`).
    design : {"uniform", "grid"}, default "uniform"
        ``uniform`` draws ``x`` i.i.d. uniform on ``x_range`` (unsorted); ``grid`` takes ``n``
        evenly spaced points including both ends, as in Bishop's Figure 1.2.
    test : bool, default False
        Draw the independent *test* sample of this seed instead of the training sample.

    Returns
    -------
    x, y : ndarray of shape (n,)

    Notes
    -----
    How seeds relate: sample ``k`` (0 = training, 1 = test) of seed ``s`` draws its inputs from
    ``SeedSequence(s, spawn_key=(k, 0))`` and its noise, as ``sigma`` times standard normals,
    from ``SeedSequence(s, spawn_key=(k, 1))``. These streams are independent of each other
    and of every other seed's. Consequences: the noise of a sample is the same standard normal
    vector whatever ``sigma`` is (changing ``sigma`` rescales it); the first ``n`` points of a
    larger sample are the sample of size ``n``; and ``grid`` and ``uniform`` designs share
    the noise.
    """
    n = _check_int("n", n, 1)
    sigma = check_nonnegative("sigma", sigma)
    seed = _check_int("seed", seed, 0)
    lo, hi = _check_pair("x_range", x_range)
    design = _check_choice("design", design, ("uniform", "grid"))
    true_function = _check_choice("true_function", true_function, tuple(TRUE_CURVES))
    x_rng, noise_rng = _streams(seed, 1 if test else 0)
    x = x_rng.uniform(lo, hi, size=n) if design == "uniform" else np.linspace(lo, hi, n)
    noise = sigma * noise_rng.standard_normal(n)
    return x, true_curve(x, true_function, x_range=(lo, hi)) + noise


def sin_curve_test(
    n: int = 100, sigma: float = 0.3, *, seed: int = 0, **kwargs: object
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the independent test sample of ``seed``: ``sin_curve(..., test=True)``.

    Keyword arguments (``x_range``, ``true_function``, ``design``) are passed on.
    """
    return sin_curve(n, sigma, seed=seed, test=True, **kwargs)  # type: ignore[arg-type]


def make_toy(
    n: int = 10,
    sigma: float = 0.3,
    *,
    seed: int = 0,
    n_test: int = 0,
    x_range: tuple[float, float] = (0.0, 1.0),
    true_function: str = "sin",
    design: str = "uniform",
) -> Dataset:
    """Return the toy sample of :func:`sin_curve` as a :class:`Dataset` with one feature ``x``.

    With ``n_test > 0`` the ``n`` training rows come first, followed by ``n_test`` rows of the
    independent test sample of the same seed, and :attr:`Dataset.split` marks them.
    """
    n_test = _check_int("n_test", n_test, 0)
    options = dict(x_range=x_range, true_function=true_function, design=design)
    x, y = sin_curve(n, sigma, seed=seed, **options)  # type: ignore[arg-type]
    split = None
    if n_test:
        x_test, y_test = sin_curve(n_test, sigma, seed=seed, test=True, **options)  # type: ignore[arg-type]
        x, y = np.concatenate([x, x_test]), np.concatenate([y, y_test])
        split = np.arange(n + n_test) < n
    lo, hi = _check_pair("x_range", x_range)
    shift = "x" if lo == 0 else (f"(x - {lo:g})" if lo > 0 else f"(x + {-lo:g})")
    u = shift if hi - lo == 1 else f"{shift} / {hi - lo:g}"
    test_part = f", plus {n_test} test points" if n_test else ""
    return Dataset(
        X=x[:, None],
        y=y,
        feature_names=("x",),
        target_name="y",
        split=split,
        description=(
            f"Toy data y = f(x) + N(0, {float(sigma):g}^2) noise, f = "
            f"{TRUE_CURVES[true_function]} with u = {u}, s = 2u - 1: {n} {design} "
            f"x in [{lo:g}, {hi:g}]{test_part}, seed {seed}"
        ),
        source="Synthetic, after Bishop (2006), Pattern Recognition and Machine Learning, §1.1",
        name="sin",
    )


# ==========================================================================================
# Reading tables with the csv module
# ==========================================================================================
_TRUE = frozenset({"1", "1.0", "true", "t"})
_FALSE = frozenset({"0", "0.0", "false", "f"})


@dataclass(frozen=True)
class _Table:
    """Raw string cells of a delimited text file, with the file line of every row."""

    columns: tuple[str, ...]
    rows: list[list[str]]
    lines: list[int]

    def _cells(self, column: str) -> list[str]:
        j = self.columns.index(column)
        return [row[j] for row in self.rows]

    def where(self, i: int, column: str | None = None) -> str:
        place = f"row {i + 1} (line {self.lines[i]})"
        return place if column is None else f"{place}, column {column!r}"

    def numeric(self, column: str) -> np.ndarray:
        """Parse one column as finite floats; the error names the first bad cell."""
        values = np.empty(len(self.rows))
        for i, cell in enumerate(self._cells(column)):
            if cell == "":
                raise ReglabInputError("data", f"missing value at {self.where(i, column)}", cell)
            try:
                values[i] = float(cell)
            except ValueError:
                raise ReglabInputError(
                    "data", f"must be numeric at {self.where(i, column)}", cell
                ) from None
            if not math.isfinite(values[i]):
                raise ReglabInputError("data", f"must be finite at {self.where(i, column)}", cell)
        return values

    def boolean(self, column: str) -> np.ndarray:
        """Parse a split column: 1/true/t train, 0/false/f test (any case)."""
        flags = np.empty(len(self.rows), dtype=bool)
        for i, cell in enumerate(self._cells(column)):
            key = cell.lower()
            if key not in _TRUE and key not in _FALSE:
                raise ReglabInputError(
                    "split_column",
                    f"values must be 0/1/true/false at {self.where(i, column)}",
                    cell,
                )
            flags[i] = key in _TRUE
        return flags


def _header_line(text: str) -> str:
    """Return the first non-blank line of ``text`` with its double-quoted parts removed."""
    for line in text.splitlines():
        if line.strip():
            # A comma or semicolon inside a quoted column name does not delimit anything.
            return re.sub(r'"[^"]*"?', "", line)
    return ""


def _sniff_delimiter(text: str, suffix: str, origin: str) -> str:
    """Choose the delimiter of a table file from its suffix and its header line.

    ``.tsv``/``.tab`` mean a tab. A ``.csv`` means a comma whenever its header line has one
    (outside quotes); without a comma there, a ``;`` or a tab in the header delimits instead
    (Excel writes such ``.csv`` files in locales with a decimal comma), and a header with
    neither is one column. Other suffixes are sniffed (comma, tab, semicolon, bar).
    """
    if suffix in (".tsv", ".tab"):
        return "\t"
    if suffix == ".csv":
        header = _header_line(text)
        if "," in header:
            return ","
        found = [d for d in (";", "\t") if d in header]
        if len(found) == 1:
            return found[0]
        if not found:
            return ","
        try:
            return csv.Sniffer().sniff(text[:8192], delimiters=";\t").delimiter
        except csv.Error:
            raise ReglabInputError(
                "data",
                "cannot tell the delimiter: the header line has both ';' and a tab but no "
                "comma, and the rows do not settle it",
                origin,
            ) from None
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _parse_table(text: str, delimiter: str, origin: str) -> _Table:
    """Split text into a header and rows of stripped cells.

    A first column with an empty header (pandas' and ESL's index column) is a row index and
    is dropped. Blank lines are skipped. Rows must have as many fields as the header: nothing
    is guessed (a trailing delimiter or R's header-less row names are errors, not silently
    shifted columns).
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    for record in reader:
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append(cells)
            lines.append(reader.line_num)
    if header is None:
        raise ReglabInputError("data", "file is empty", origin)
    if header[0] == "" and len(header) > 1:
        header, rows = header[1:], [row[1:] for row in rows]
    for j, name in enumerate(header):
        if name == "":
            raise ReglabInputError("data", f"column names must not be empty (column {j + 1})", "")
        if header.index(name) != j:
            raise ReglabInputError("data", "column names must be unique", name)
    for row, line in zip(rows, lines, strict=True):
        if len(row) != len(header):
            raise ReglabInputError(
                "data", f"every row must have {len(header)} fields (line {line})", len(row)
            )
    return _Table(tuple(header), rows, lines)


def _read_resource(filename: str, delimiter: str) -> _Table:
    text = (resources.files("reglab") / "data" / filename).read_text(encoding="utf-8")
    return _parse_table(text, delimiter, filename)


def _select(
    columns: Sequence[str],
    numeric: Callable[[str], np.ndarray],
    boolean: Callable[[str], np.ndarray],
    target: str | None,
    features: Sequence[str] | str | None,
    split_column: str | None,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], str, np.ndarray | None]:
    """Pick the target, the features and the split column by name; check every name."""
    available = ", ".join(columns)

    def check_name(parameter: str, name: object) -> str:
        if name not in columns:
            raise ReglabInputError(parameter, f"must be one of the columns ({available})", name)
        return str(name)

    if target is None:
        raise ReglabInputError("target", f"must name the target column ({available})", None)
    target = check_name("target", target)
    if split_column is not None:
        split_column = check_name("split_column", split_column)
        if split_column == target:
            raise ReglabInputError("split_column", "must differ from target", split_column)
    if features is None:
        names = tuple(c for c in columns if c not in (target, split_column))
    else:
        try:
            names = (features,) if isinstance(features, str) else tuple(features)
        except TypeError:
            raise ReglabInputError("features", "must be a list of column names", features) from None
        for name in names:
            check_name("features", name)
            if name in (target, split_column):
                raise ReglabInputError(
                    "features", "must not contain the target or the split column", name
                )
            if names.count(name) > 1:
                raise ReglabInputError("features", "must not repeat a column", name)
    y = numeric(target)
    if y.size == 0:
        raise ReglabInputError("data", "must have at least one data row", 0)
    X = np.column_stack([numeric(c) for c in names]) if names else np.empty((y.size, 0))
    split = boolean(split_column) if split_column is not None else None
    return X, y, names, target, split


def _require_features(
    names: Sequence[str],
    columns: Sequence[str],
    target: str,
    features: Sequence[str] | str | None,
    split_column: str | None,
    origin: str,
) -> None:
    """Refuse a selection with no feature column: there is nothing to regress on."""
    if names:
        return
    if features is not None:
        raise ReglabInputError("features", "must name at least one column", list(names))
    besides = f"the target {target!r}"
    if split_column is not None:
        besides += f" and the split column {split_column!r}"
    raise ReglabInputError(
        "data",
        f"must have at least one feature column besides {besides} (columns: "
        f"{', '.join(columns)})",
        origin,
    )


# ==========================================================================================
# Built-in data sets
# ==========================================================================================
def load_diabetes() -> Dataset:
    """Return scikit-learn's diabetes data (Efron et al. 2004) in raw units.

    442 patients, 10 baseline variables (age, sex, bmi, bp and six blood serum measurements,
    read with ``sklearn.datasets.load_diabetes(scaled=False)``: *not* the mean-centered,
    norm-scaled copy that scikit-learn returns by default); target ``"target"``, a
    quantitative measure of disease progression one year after baseline. No split.
    """
    from sklearn.datasets import load_diabetes as sklearn_diabetes

    bunch = sklearn_diabetes(scaled=False)
    return Dataset(
        X=bunch.data,
        y=bunch.target,
        feature_names=tuple(bunch.feature_names),
        target_name="target",
        description=(
            f"Diabetes: {bunch.data.shape[0]} patients, 10 baseline variables in raw "
            "units (sklearn scaled=False); target: disease progression after one year"
        ),
        source=(
            "Efron, Hastie, Johnstone, Tibshirani (2004), Least Angle Regression, "
            "Ann. Statist. 32(2); via scikit-learn"
        ),
        name="diabetes",
    )


def load_prostate() -> Dataset:
    """Return the prostate cancer data of Stamey et al. (1989), as in ESL §3.4.

    97 men; target ``lpsa`` (log prostate-specific antigen); the 8 predictors ``lcavol``,
    ``lweight``, ``age``, ``lbph``, ``svi``, ``lcp``, ``gleason``, ``pgg45`` in raw units (ESL
    standardizes them before fitting); :attr:`Dataset.split` is the book's split, from the
    file's ``train`` column (1 for the 67 training rows, 0 for the 30 test rows).
    """
    table = _read_resource("prostate.tsv", "\t")
    X, y, names, target, split = _select(
        table.columns, table.numeric, table.boolean, "lpsa", None, "train"
    )
    n_train = int(split.sum())  # type: ignore[union-attr]
    return Dataset(
        X,
        y,
        names,
        target,
        split,
        description=(
            f"Prostate cancer: {y.size} men, 8 clinical measures; target lpsa "
            f"(log PSA); ESL split {n_train} train / {y.size - n_train} test"
        ),
        source=(
            "Stamey et al. (1989), J. Urology 141(5): 1076-1083; as in Hastie, Tibshirani, "
            "Friedman, The Elements of Statistical Learning, §3.4"
        ),
        name="prostate",
        split_name="train",
    )


def load_nile() -> Dataset:
    """Return the annual flow of the Nile at Aswan, 1871-1970 (X = year, y = volume, 10^8 m^3).

    A series with a change point near 1898: the classic data for a piecewise-constant fit by
    the fused lasso / total variation.
    """
    table = _read_resource("nile.csv", ",")
    X, y, names, target, _ = _select(
        table.columns, table.numeric, table.boolean, "volume", ["year"], None
    )
    return Dataset(
        X,
        y,
        names,
        target,
        description=(
            f"Nile: annual flow at Aswan {X[0, 0]:.0f}-{X[-1, 0]:.0f} ({y.size} years), "
            "volume in 10^8 m^3; a change point near 1898"
        ),
        source=(
            "Cobb (1978), The Problem of the Nile: Conditional Solution to a Changepoint "
            "Problem, Biometrika 65(2); as shipped in statsmodels"
        ),
        name="nile",
    )


def _decimal_year(yyyymmdd: str) -> float:
    day = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    start = datetime.date(day.year, 1, 1).toordinal()
    length = datetime.date(day.year + 1, 1, 1).toordinal() - start
    return day.year + (day.toordinal() - start) / length


def load_co2() -> Dataset:
    """Return weekly atmospheric CO2 at Mauna Loa, 1958-2001, without the empty weeks.

    ``X`` is the time as a decimal year (``year + (day of year - 1) / days in year``), ``y``
    the CO2 concentration in ppm. Weeks with no measurement are dropped (the description
    says how many), so the rows are *not* equally spaced everywhere.
    """
    table = _read_resource("co2_mauna_loa_weekly.csv", ",")
    j = table.columns.index("co2")
    kept = [i for i, row in enumerate(table.rows) if row[j] != ""]
    dropped = len(table.rows) - len(kept)
    table = _Table(table.columns, [table.rows[i] for i in kept], [table.lines[i] for i in kept])
    _, y, _, target, _ = _select(table.columns, table.numeric, table.boolean, "co2", [], None)
    dates = [row[table.columns.index("date")] for row in table.rows]
    try:
        t = np.array([_decimal_year(d) for d in dates])
    except ValueError:  # a packaged file is wrong: not the user's fault
        raise RuntimeError("reglab's co2_mauna_loa_weekly.csv has a malformed date") from None
    return Dataset(
        t[:, None],
        y,
        ("year",),
        target,
        description=(
            f"CO2 at Mauna Loa, weekly {dates[0][:4]}-{dates[-1][:4]}: {y.size} weeks "
            f"kept, {dropped} empty weeks dropped; X is the decimal year, y in ppm"
        ),
        source=(
            "Keeling and Whorf (2004), Atmospheric CO2 concentrations (SIO network), "
            "Trends: A Compendium of Data on Global Change, CDIAC; as shipped in statsmodels"
        ),
        name="co2",
    )


#: Built-in data sets by name: each value is a loader taking no argument.
BUILTIN_DATASETS: Mapping[str, Callable[[], Dataset]] = MappingProxyType(
    {
        "sin": make_toy,
        "diabetes": load_diabetes,
        "prostate": load_prostate,
        "nile": load_nile,
        "co2": load_co2,
    }
)


# ==========================================================================================
# One entry point for the CLI and the lab
# ==========================================================================================
def load_table(
    source: str | os.PathLike[str],
    *,
    target: str | None = None,
    features: Sequence[str] | str | None = None,
    split_column: str | None = None,
) -> Dataset:
    """Load a built-in data set by name, or a CSV/TSV file, choosing columns by name.

    Parameters
    ----------
    source : str or path-like
        A name in :data:`BUILTIN_DATASETS` (``"sin"``, ``"diabetes"``, ``"prostate"``,
        ``"nile"``, ``"co2"``), or the path of a delimited text file with a header line.
        The delimiter is a tab for ``.tsv``/``.tab``. For ``.csv`` it is a comma whenever the
        header line has a comma outside quotes; a ``.csv`` header without one but with a ``;``
        or a tab is read with that delimiter (as Excel writes CSV in locales with a decimal
        comma; decimal commas in the cells are not converted and give a non-numeric error),
        and a header with none of them is a single column. Other suffixes are sniffed from the
        content (comma, tab, semicolon, bar). A first column with an empty header is a row
        index and is dropped; every row must have as many fields as the header.
    target : str, optional
        The target column. Built-ins default to their own target (diabetes ``target``,
        prostate ``lpsa``, nile ``volume``, co2 ``co2``, sin ``y``); a file requires it.
    features : sequence of str, optional
        The feature columns, in this order (at least one); by default every column except the
        target and the split column, of which there must be at least one. Only these columns
        need to be numeric.
    split_column : str, optional
        A column of ``1/0``, ``true/false`` or ``T/F`` (any case): ``1/true/T`` rows train, the
        others test. It is not a feature. A built-in keeps its own split unless this is given.

    Returns
    -------
    Dataset

    Raises
    ------
    ReglabInputError
        One line naming the parameter, the rule and the value: a missing file, an unknown
        column (the available ones are listed), an empty, non-numeric or non-finite cell (its
        row, line and column are named), no data rows, no feature column (a table of only the
        target, or an empty ``features``), a ``.csv`` whose header has both ``;`` and a tab but
        no comma and whose rows do not tell which delimits, or a split value not
        0/1/true/false.
    """
    if isinstance(source, str) and source in BUILTIN_DATASETS:
        return _select_builtin(BUILTIN_DATASETS[source](), target, features, split_column)
    if not isinstance(source, str | os.PathLike):
        names = ", ".join(BUILTIN_DATASETS)
        raise ReglabInputError("data", f"must be a file path or a built-in name ({names})", source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig drops a byte-order mark
    except FileNotFoundError:
        raise ReglabInputError("data", "file not found", str(source)) from None
    except IsADirectoryError:
        raise ReglabInputError("data", "must be a file, not a directory", str(source)) from None
    except UnicodeDecodeError:
        raise ReglabInputError("data", "must be a UTF-8 text file", str(source)) from None
    table = _parse_table(
        text, _sniff_delimiter(text, path.suffix.lower(), str(source)), str(source)
    )
    X, y, names, target, split = _select(
        table.columns, table.numeric, table.boolean, target, features, split_column
    )
    _require_features(names, table.columns, target, features, split_column, str(source))
    split_part = (
        ""
        if split is None
        else f", split by {split_column!r}: {int(split.sum())} train / {int((~split).sum())} test"
    )
    return Dataset(
        X,
        y,
        names,
        target,
        split,
        description=f"{path.name}: {y.size} rows, {len(names)} features, target {target!r}"
        + split_part,
        source=f"file {path}",
        name=path.stem,
    )


def _select_builtin(
    data: Dataset,
    target: str | None,
    features: Sequence[str] | str | None,
    split_column: str | None,
) -> Dataset:
    if target is None and features is None and split_column is None:
        return data
    columns = (*data.feature_names, data.target_name)
    values = dict(zip(columns, np.column_stack([data.X, data.y]).T, strict=True))
    if data.split is not None and data.split_name and data.split_name not in values:
        # The built-in's own split column (prostate's ``train``) can be named explicitly.
        columns = (*columns, data.split_name)
        values[data.split_name] = data.split.astype(float)

    def boolean(name: str) -> np.ndarray:
        column = values[name]
        bad = ~np.isin(column, (0.0, 1.0))
        if bad.any():
            i = int(np.argmax(bad))
            raise ReglabInputError(
                "split_column", f"values must be 0/1 at row {i + 1}, column {name!r}", column[i]
            )
        return column == 1.0

    target = data.target_name if target is None else target
    chosen = features
    if chosen is None:
        # Every column but the target, the split column and the built-in's own split (a row
        # label, not a measurement: prostate's ``train`` is never a default feature).
        chosen = [c for c in columns if c not in (target, split_column, data.split_name)]
    X, y, names, target, split = _select(
        columns, values.__getitem__, boolean, target, chosen, split_column
    )
    _require_features(names, columns, target, features, split_column, data.name)
    if split_column is None:
        split = data.split
    return Dataset(
        X,
        y,
        names,
        target,
        split,
        description=f"{data.description}; columns chosen: target {target!r}, "
        f"{len(names)} features"
        + ("" if split_column is None else f", split by {split_column!r} instead"),
        source=data.source,
        name=data.name,
        split_name=split_column or data.split_name,
    )
