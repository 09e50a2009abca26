"""Input checks shared by the library, the CLI and the lab.

Every check raises :class:`ReglabInputError` with one line that names the parameter, the rule
and the bad value, e.g. ``p: must be > 0; got -1``. The CLI turns this error into exit code 2
and the lab into a visible message.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "ReglabInputError",
    "check_finite_array",
    "check_in_range",
    "check_nonnegative",
    "check_positive",
]


class ReglabInputError(ValueError):
    """Bad input from the user: one line with the parameter, the rule and the value."""

    def __init__(self, name: str, rule: str, value: object):
        self.name, self.rule, self.value = name, rule, value
        super().__init__(f"{name}: {rule}; got {_show(value)}")


def _show(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _as_real(name: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ReglabInputError(name, "must be a real number", value) from None
    if math.isnan(number):
        raise ReglabInputError(name, "must be a real number, not NaN", value)
    return number


def check_positive(name: str, value: object, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float, requiring ``value > 0`` (finite unless ``allow_inf``)."""
    number = _as_real(name, value)
    if not number > 0 or (math.isinf(number) and not allow_inf):
        rule = "must be > 0" if allow_inf else "must be a finite number > 0"
        raise ReglabInputError(name, rule, value)
    return number


def check_nonnegative(name: str, value: object, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float, requiring ``value >= 0`` (finite unless ``allow_inf``)."""
    number = _as_real(name, value)
    if number < 0 or (math.isinf(number) and not allow_inf):
        rule = "must be >= 0" if allow_inf else "must be a finite number >= 0"
        raise ReglabInputError(name, rule, value)
    return number


def check_in_range(
    name: str, value: object, low: float, high: float, *, closed: str = "both"
) -> float:
    """Return ``value`` as a float, requiring it to lie in the interval from low to high.

    ``closed`` is one of ``"both"``, ``"left"``, ``"right"``, ``"neither"``.
    """
    number = _as_real(name, value)
    left_ok = number >= low if closed in ("both", "left") else number > low
    right_ok = number <= high if closed in ("both", "right") else number < high
    if not (left_ok and right_ok):
        left = "[" if closed in ("both", "left") else "("
        right = "]" if closed in ("both", "right") else ")"
        raise ReglabInputError(name, f"must lie in {left}{low:g}, {high:g}{right}", value)
    return number


def check_finite_array(
    name: str, value: object, *, ndim: int, min_rows: int = 1, columns: Sequence[str] | None = None
) -> np.ndarray:
    """Return ``value`` as a float array of ``ndim`` dimensions with only finite entries.

    The error names the first bad entry (and its column, when ``columns`` is given).
    """
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ReglabInputError(name, "must contain only numbers", value) from None
    if array.ndim != ndim:
        raise ReglabInputError(name, f"must be {ndim}-dimensional", f"{array.ndim}-dimensional")
    if array.shape[0] < min_rows:
        raise ReglabInputError(name, f"must have at least {min_rows} rows", array.shape[0])
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"row {index[0]}"
        if len(index) > 1:
            column = columns[index[1]] if columns is not None else index[1]
            where += f", column {column}"
        raise ReglabInputError(name, f"must be finite (NaN/inf at {where})", array[index])
    return array


def check_lams(value: object) -> np.ndarray:
    """Return a λ grid as a 1-D float array of finite values >= 0 (at least one)."""
    lams = check_finite_array("lams", np.atleast_1d(value) if np.ndim(value) == 0 else value,
                              ndim=1, min_rows=0)
    if lams.size == 0:
        raise ReglabInputError("lams", "must hold at least one λ", "[]")
    if (lams < 0).any():
        raise ReglabInputError("lams", "must be >= 0", float(lams[lams < 0][0]))
    return lams
