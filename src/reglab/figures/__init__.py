r"""Every figure of the lecture 「L1/L2正則化の意味」, drawn from code with matplotlib.

Each figure is a function ``name_figure(ax=None, *, <parameters>, lang="ja")``: it draws on
the given Axes (or sequence of Axes, for figures with several panels) or, with ``ax=None``,
on a new :class:`matplotlib.figure.Figure` made without pyplot; it returns a
:class:`~reglab.figures.style.FigureResult` with the figure, the axes, the artists that carry
the content and the computed objects behind them. Defaults are seeded, so a figure is the same
on every run. ``lang`` is ``"ja"`` (text in IPAex Gothic from ``matplotlib-fontja``, applied
only while drawing) or ``"en"``; all labels live in :mod:`reglab.figures.labels`. No function
changes matplotlib's global state.

:data:`FIGURES` maps the figure names (also the file names written by ``reglab figures``) to
the functions, in lecture order.

Examples
--------
>>> from reglab.figures import l1_corner_figure
>>> result = l1_corner_figure(lang="en")
>>> result.data["solution"].sparse
True
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from reglab.figures.balls import unit_balls_figure
from reglab.figures.contours import (
    importance_figure,
    inactive_constraint_figure,
    l1_corner_figure,
    l2_tangent_figure,
    lp_local_minima_figure,
)
from reglab.figures.fits import (
    basis_comparison_figure,
    overfitting_figure,
    regularized_fits_figure,
    train_test_error_figure,
)
from reglab.figures.pathplots import cv_curve_figure, path_and_cv_figure, solution_path_figure
from reglab.figures.sparsity import sparsity_experiment_figure
from reglab.figures.style import FigureResult

__all__ = [
    "FIGURES",
    "FigureResult",
    "basis_comparison_figure",
    "cv_curve_figure",
    "importance_figure",
    "inactive_constraint_figure",
    "l1_corner_figure",
    "l2_tangent_figure",
    "lp_local_minima_figure",
    "overfitting_figure",
    "path_and_cv_figure",
    "regularized_fits_figure",
    "solution_path_figure",
    "sparsity_experiment_figure",
    "train_test_error_figure",
    "unit_balls_figure",
]

#: The lecture's figures by name, in order. The name is also the output file's stem.
FIGURES: MappingProxyType[str, Callable[..., FigureResult]] = MappingProxyType({
    "01_overfitting": overfitting_figure,
    "02_train_test_error": train_test_error_figure,
    "03_regularized_fits": regularized_fits_figure,
    "04_unit_balls": unit_balls_figure,
    "05_l2_tangent": l2_tangent_figure,
    "06_l1_corner": l1_corner_figure,
    "07_inactive_constraint": inactive_constraint_figure,
    "08_importance": importance_figure,
    "09_lp_local_minima": lp_local_minima_figure,
    "10_solution_path": solution_path_figure,
    "11_cv_curve": cv_curve_figure,
    "12_bases": basis_comparison_figure,
    "13_sparsity_experiment": sparsity_experiment_figure,
})
