"""Frame stacks: what the browser lab shows for every stop of a slider, as plain data.

The lab computes, on the server and with pure functions, everything a page shows for each
stop of its slider (each λ of a grid, say): the fitted curve, the coefficients, the point on
the geometry plot, the cursor on the path plot. That is a :class:`FrameStack`. The browser
only picks frame ``i`` (see :mod:`reglab.lab.scrub`); so a stack can be checked in Python,
without a browser, and the browser tests check only that the page shows the frames it was
given.

A stack has three parts, all indexed by the same frames ``0 .. n_frames - 1``:

``views``
    ``{view: {column: array}}``, one entry per displayed data source (a plot's line, its
    bars, ...). A 2-D column of shape ``(n_frames, n_points)`` changes with the frame; a 1-D
    column of shape ``(n_points,)`` is the same in every frame (the x grid of a curve, the
    names of the coefficients). All columns of one view share ``n_points``. Per-frame columns
    are real numbers; NaN is allowed there and breaks a line in Bokeh, so a frame whose line
    has fewer points than the others is padded with NaN.
``values``
    ``{name: array of shape (n_frames,)}``: per-frame scalars, e.g. ``lam`` and ``R``. Pages
    bind them to models (a cursor's location) and tests read them to know which λ a frame is.
``texts``
    ``{name: n_frames strings}``: per-frame text, formatted in Python (and translated) once,
    e.g. a readout ``"λ = 0.0123, R = 1.53"`` or the label of a slider stop.

Per-frame scalars live in ``values`` and not inside a view because the columns of one Bokeh
data source must all have the same length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from reglab._validation import ReglabInputError

__all__ = ["FrameStack"]


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


def _check_name(kind: str, name: object) -> str:
    if not isinstance(name, str) or not name:
        raise ReglabInputError(kind, "must be a non-empty string", name)
    return name


def _ndim(where: str, value: object) -> int:
    try:
        return int(np.ndim(value))
    except ValueError:  # numpy refuses ragged nested sequences
        raise ReglabInputError(where, "must be a rectangular array", value) from None


def _as_real_array(where: str, value: object, *, allow_nan: bool) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ReglabInputError(where, "must contain only real numbers", value) from None
    bad = np.isinf(array) if allow_nan else ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        rule = "must not contain inf (NaN is allowed)" if allow_nan else "must be finite"
        raise ReglabInputError(where, f"{rule}; bad entry at index {index}", array[index])
    return array


def _as_static_column(where: str, value: object) -> np.ndarray:
    """Check a per-view constant column: real numbers (NaN allowed) or strings (categories)."""
    array = np.asarray(value)
    if array.dtype.kind in "USO" and all(isinstance(item, str) for item in array.ravel()):
        return array.astype(str)
    return _as_real_array(where, value, allow_nan=True)


@dataclass(frozen=True, eq=False)
class FrameStack:
    """Everything a page shows for each stop of its slider, validated and read-only.

    Parameters
    ----------
    views : mapping of str to mapping of str to array_like
        ``{view: {column: array}}``. A 2-D column of shape ``(n_frames, n_points)`` is
        per-frame; a 1-D column of shape ``(n_points,)`` is constant over frames (numbers or
        strings). Every view needs at least one per-frame column.
    values : mapping of str to array_like, optional
        Per-frame scalars, each of shape ``(n_frames,)`` (finite reals), e.g. ``lam``, ``R``.
    texts : mapping of str to sequence of str, optional
        Per-frame strings, ``n_frames`` each.

    Raises
    ------
    ReglabInputError
        If the frame counts disagree, a view's columns disagree on ``n_points``, a column is
        not 1-D or 2-D, a per-frame column holds inf, or a name is empty. The message names
        the offending entry, e.g. ``views['fit']['y']: must have 40 frames like the other
        per-frame entries; got 39``.

    Examples
    --------
    >>> import numpy as np
    >>> lam = np.logspace(-3, 1, 5)
    >>> x = np.linspace(0, 1, 4)
    >>> stack = FrameStack(
    ...     views={"fit": {"x": x, "y": np.outer(1 / (1 + lam), x)}},
    ...     values={"lam": lam},
    ...     texts={"label": [f"{v:.3g}" for v in lam]},
    ... )
    >>> stack.n_frames, stack.n_points("fit")
    (5, 4)
    >>> bool(np.array_equal(stack.frame(4)["fit"]["y"], 1 / (1 + lam[4]) * x))
    True
    """

    views: Mapping[str, Mapping[str, np.ndarray]]
    values: Mapping[str, np.ndarray] = field(default_factory=dict)
    texts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.views, Mapping) or not self.views:
            raise ReglabInputError("views", "must be a non-empty mapping of view -> columns",
                                   self.views)
        n_frames: int | None = None
        first: str = ""

        def agree(where: str, count: int) -> None:
            nonlocal n_frames, first
            if n_frames is None:
                n_frames, first = count, where
            elif count != n_frames:
                raise ReglabInputError(
                    where, f"must have {n_frames} frames like {first}", count
                )

        views: dict[str, Mapping[str, np.ndarray]] = {}
        for view, columns in self.views.items():
            _check_name("view name", view)
            if not isinstance(columns, Mapping) or not columns:
                raise ReglabInputError(f"views[{view!r}]", "must be a non-empty mapping of "
                                       "column -> array", columns)
            n_points: int | None = None
            checked: dict[str, np.ndarray] = {}
            for column, value in columns.items():
                _check_name(f"views[{view!r}] column name", column)
                where = f"views[{view!r}][{column!r}]"
                ndim = _ndim(where, value)
                if ndim == 2:
                    array = _as_real_array(where, value, allow_nan=True)
                    agree(where, array.shape[0])
                    points = array.shape[1]
                elif ndim == 1:
                    array = _as_static_column(where, value)
                    points = array.shape[0]
                else:
                    raise ReglabInputError(where, "must be 2-D (n_frames, n_points) or 1-D "
                                           "(n_points,)", f"{ndim}-D")
                if n_points is None:
                    n_points = points
                elif points != n_points:
                    raise ReglabInputError(
                        where, f"must have {n_points} points like the other columns of "
                        f"view {view!r}", points
                    )
                checked[column] = _frozen(array)
            if not any(a.ndim == 2 for a in checked.values()):
                raise ReglabInputError(f"views[{view!r}]", "needs at least one per-frame "
                                       "(2-D) column", sorted(checked))
            views[view] = MappingProxyType(checked)

        values: dict[str, np.ndarray] = {}
        for name, value in (self.values or {}).items():
            _check_name("values name", name)
            where = f"values[{name!r}]"
            ndim = _ndim(where, value)
            if ndim != 1:
                raise ReglabInputError(where, "must be 1-D (n_frames,)", f"{ndim}-D")
            array = _as_real_array(where, value, allow_nan=False)
            agree(where, array.shape[0])
            values[name] = _frozen(array)

        texts: dict[str, tuple[str, ...]] = {}
        for name, value in (self.texts or {}).items():
            _check_name("texts name", name)
            where = f"texts[{name!r}]"
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise ReglabInputError(where, "must be a sequence of strings, one per frame",
                                       value)
            items = tuple(value)
            if not all(isinstance(item, str) for item in items):
                raise ReglabInputError(where, "must contain only strings", value)
            agree(where, len(items))
            texts[name] = items

        clash = set(values) & set(texts)
        if clash:
            raise ReglabInputError("texts", "must not reuse a name of values", sorted(clash))
        if n_frames == 0:
            raise ReglabInputError(first, "must have at least one frame", 0)

        object.__setattr__(self, "views", MappingProxyType(views))
        object.__setattr__(self, "values", MappingProxyType(values))
        object.__setattr__(self, "texts", MappingProxyType(texts))
        object.__setattr__(self, "_n_frames", n_frames)

    # -- shape -----------------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        """Number of frames (slider stops)."""
        return self._n_frames  # type: ignore[attr-defined]

    def n_points(self, view: str) -> int:
        """Return the number of points (rows of the data source) of ``view``."""
        return next(iter(self._view(view).values())).shape[-1]

    def per_frame_columns(self, view: str) -> tuple[str, ...]:
        """Names of the columns of ``view`` that change with the frame."""
        return tuple(c for c, a in self._view(view).items() if a.ndim == 2)

    def static_columns(self, view: str) -> tuple[str, ...]:
        """Names of the columns of ``view`` that are the same in every frame."""
        return tuple(c for c, a in self._view(view).items() if a.ndim == 1)

    def same_layout(self, other: FrameStack) -> bool:
        """Whether ``other`` has the same views, columns (and their kinds), values and texts.

        Only then can a page swap ``other`` in place of this stack (:meth:`Scrubber.update`):
        the glyphs and bindings refer to those names. Frame and point counts may differ.
        """
        return (
            {v: (self.per_frame_columns(v), self.static_columns(v)) for v in self.views}
            == {v: (other.per_frame_columns(v), other.static_columns(v)) for v in other.views}
            and set(self.values) == set(other.values)
            and set(self.texts) == set(other.texts)
        )

    # -- reading frames ----------------------------------------------------------------------
    def frame(self, index: int) -> dict[str, dict[str, np.ndarray]]:
        """Return the data sources of frame ``index``: ``{view: {column: 1-D array}}``.

        Negative indices count from the end, as in Python.
        """
        i = self._index(index)
        return {
            view: {c: (a[i] if a.ndim == 2 else a) for c, a in columns.items()}
            for view, columns in self.views.items()
        }

    def frame_values(self, index: int) -> dict[str, float | str]:
        """Return the per-frame scalars and texts of frame ``index``."""
        i = self._index(index)
        out: dict[str, float | str] = {k: float(v[i]) for k, v in self.values.items()}
        out.update({k: v[i] for k, v in self.texts.items()})
        return out

    def nearest(self, name: str, target: float, *, log: bool = False) -> int:
        """Index of the frame whose ``values[name]`` is closest to ``target``.

        With ``log=True`` the distance is taken between logarithms (for a λ grid); ties go
        to the lower index.
        """
        if name not in self.values:
            raise ReglabInputError("name", f"must be one of values {sorted(self.values)}", name)
        grid = np.asarray(self.values[name])
        if log:
            if target <= 0 or np.any(grid <= 0):
                raise ReglabInputError("target", "must be > 0, like the grid, when log=True",
                                       target)
            distance = np.abs(np.log(grid) - math.log(target))
        else:
            distance = np.abs(grid - target)
        return int(np.argmin(distance))

    def column_range(
        self, view: str, columns: Sequence[str], *, pad: float = 0.05
    ) -> tuple[float, float]:
        """Range ``(low, high)`` of ``columns`` of ``view`` over all frames, widened by ``pad``.

        Pages fix their axes with it, so the axes stay still while the slider moves. NaN is
        ignored; an empty or flat range is widened to a unit-wide interval.
        """
        view_columns = self._view(view)
        data = []
        for column in columns:
            if column not in view_columns:
                raise ReglabInputError("columns", f"must be columns of view {view!r}", column)
            array = view_columns[column]
            if array.dtype.kind != "f":
                raise ReglabInputError("columns", "must hold numbers", column)
            data.append(array.ravel())
        stacked = np.concatenate(data) if data else np.empty(0)
        stacked = stacked[np.isfinite(stacked)]
        if stacked.size == 0:
            return -0.5, 0.5
        low, high = float(stacked.min()), float(stacked.max())
        if high == low:
            return low - 0.5, high + 0.5
        margin = pad * (high - low)
        return low - margin, high + margin

    # -- helpers ------------------------------------------------------------------------------
    def _view(self, view: str) -> Mapping[str, np.ndarray]:
        if view not in self.views:
            raise ReglabInputError("view", f"must be one of {sorted(self.views)}", view)
        return self.views[view]

    def _index(self, index: int) -> int:
        n = self.n_frames
        if not isinstance(index, int | np.integer) or not -n <= index < n:
            raise ReglabInputError("index", f"must be an integer in [{-n}, {n - 1}]", index)
        return int(index) % n

    def __repr__(self) -> str:
        views = ", ".join(f"{v}[{self.n_points(v)}]" for v in self.views)
        return (f"FrameStack(n_frames={self.n_frames}, views=({views}), "
                f"values={sorted(self.values)}, texts={sorted(self.texts)})")
