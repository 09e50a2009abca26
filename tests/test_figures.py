"""Tests of reglab.figures: every figure renders in both languages with real glyphs, and shows
what the math says (checked against independent references, not against the figure code)."""

from __future__ import annotations

import argparse
import logging
import math
import re
import string

import matplotlib
import numpy as np
import pytest
from matplotlib import _pylab_helpers
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from scipy.optimize import brentq
from sklearn.linear_model import Lasso

from reglab._validation import ReglabInputError
from reglab.bases import PolynomialBasis
from reglab.datasets import load_prostate, sin_curve, sin_curve_test
from reglab.figures import (
    FIGURES,
    basis_comparison_figure,
    cv_curve_figure,
    importance_figure,
    inactive_constraint_figure,
    l1_corner_figure,
    l2_tangent_figure,
    lp_local_minima_figure,
    overfitting_figure,
    path_and_cv_figure,
    regularized_fits_figure,
    solution_path_figure,
    sparsity_experiment_figure,
    train_test_error_figure,
    unit_balls_figure,
)
from reglab.figures.cli import run_figures
from reglab.figures.labels import LABELS, text
from reglab.figures.style import japanese_font_family
from reglab.geometry import QuadraticLoss, constrained_minimum, sparsity_sample
from reglab.paths import fit_path
from reglab.penalties import L1, L2, ElasticNet
from reglab.selection import cross_validate

KANA = re.compile(r"[\u3040-\u30ff]")  # hiragana and katakana
CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
MISSING_GLYPH_LOG = "does not have a glyph"


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def render(figure: Figure, path, caplog) -> None:
    """Save a PNG and fail on any missing glyph.

    Agg reports a glyph missing from a text's font as a UserWarning ("Glyph ... missing from
    font(s)"), which pytest's ``filterwarnings = error`` turns into an exception; mathtext
    (strings with ``$...$``) only *logs* it ("Font ... does not have a glyph"), so the log is
    checked too.
    """
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        figure.savefig(path, dpi=60)
    missing = [r.getMessage() for r in caplog.records if MISSING_GLYPH_LOG in r.getMessage()]
    assert not missing, missing


def visible_texts(figure: Figure) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def marker_point(line) -> np.ndarray:
    data = np.asarray(line.get_xydata(), dtype=float)
    assert data.shape == (1, 2)
    return data[0]


def l2_reference(loss: QuadraticLoss, R: float) -> tuple[np.ndarray, float]:
    """Minimize (w - c)^T H (w - c) on ||w||_2 <= R from the secular equation.

    Stationarity 2H(w - c) + 2 lam w = 0 gives w(lam) = (H + lam I)^{-1} H c, and ||w(lam)||
    decreases in lam: solve ||w(lam)|| = R by Brent's method.
    """
    H, c = loss.hessian, loss.center

    def w(lam):
        return np.linalg.solve(H + lam * np.eye(2), H @ c)

    lam = brentq(lambda t: np.linalg.norm(w(t)) - R, 0.0, 1e6, xtol=1e-15, rtol=1e-15)
    return w(lam), lam


def separable_l1_reference(center, curvatures, R) -> np.ndarray:
    """Minimize sum_j h_j (w_j - c_j)^2 on ||w||_1 <= R for diagonal H (soft thresholding).

    The penalized solution is w_j = sign(c_j) max(|c_j| - lam / (2 h_j), 0); bisect lam so that
    ||w||_1 = R.
    """
    c, h = np.asarray(center, float), np.asarray(curvatures, float)

    def w(lam):
        return np.sign(c) * np.maximum(np.abs(c) - lam / (2 * h), 0.0)

    lam = brentq(lambda t: np.abs(w(t)).sum() - R, 0.0, 2 * np.max(h * np.abs(c)) + 1.0,
                 xtol=1e-15, rtol=1e-15)
    return w(lam)


# ---------------------------------------------------------------------------------------------
# Every figure, both languages: renders with real glyphs, speaks the language
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_renders_without_missing_glyphs(name, lang, tmp_path, caplog):
    rc_before = dict(matplotlib.rcParams)
    result = FIGURES[name](lang=lang)
    assert dict(matplotlib.rcParams) == rc_before  # no global style change
    assert _pylab_helpers.Gcf.get_num_fig_managers() == 0  # no pyplot figure
    assert isinstance(result.figure, Figure)
    render(result.figure, tmp_path / f"{name}.png", caplog)
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    texts = [t.get_text() for t in visible_texts(result.figure)]
    if lang == "ja":
        assert any(KANA.search(t) for t in texts), texts
        family = japanese_font_family()
        for t in visible_texts(result.figure):
            if CJK.search(t.get_text()):
                assert t.get_fontproperties().get_family()[0] == family, t.get_text()
    else:
        assert not [t for t in texts if CJK.search(t)]


def test_missing_glyph_check_catches_a_kana_free_font(tmp_path, caplog):
    # DejaVu Sans has no kana: Agg warns (an error under filterwarnings=error)...
    figure = Figure()
    figure.text(0.5, 0.5, "正則化", fontproperties=FontProperties(family="DejaVu Sans"))
    with pytest.raises(UserWarning, match="missing from font"):
        figure.savefig(tmp_path / "tofu.png")
    # ...and mathtext only logs, which render() catches.
    figure = Figure()
    figure.text(0.5, 0.5, r"正則化 $\lambda$", fontproperties=FontProperties(family="DejaVu Sans"))
    with pytest.raises(AssertionError, match="does not have a glyph"):
        render(figure, tmp_path / "tofu_math.png", caplog)


def test_the_japanese_font_renders_kana_and_mathtext(tmp_path, caplog):
    figure = Figure()
    prop = FontProperties(family=japanese_font_family())
    figure.text(0.1, 0.5, r"正則化の強さ $\lambda$ と $\|w\|_1 \leq R$", fontproperties=prop)
    figure.text(0.1, 0.3, "訓練データ −1.0", fontproperties=prop)
    render(figure, tmp_path / "ok.png", caplog)


def test_japanese_font_is_not_left_in_global_rcparams():
    before = list(matplotlib.rcParams["font.family"])
    japanese_font_family()  # imports matplotlib_fontja, whose import calls japanize()
    l2_tangent_figure(lang="ja")
    assert list(matplotlib.rcParams["font.family"]) == before


def test_label_catalog_has_both_languages_with_the_same_placeholders():
    formatter = string.Formatter()
    for key, entry in LABELS.items():
        assert set(entry) == {"ja", "en"}, key
        fields = [{f for _, f, _, _ in formatter.parse(entry[lang]) if f} for lang in ("ja", "en")]
        assert fields[0] == fields[1], key
        # Balanced $...$ once formatted.
        filled = text(key, "en", **{f: "1" for f in fields[1]})
        assert filled.count("$") % 2 == 0, key


def test_bad_language_is_one_line_error():
    with pytest.raises(ReglabInputError, match=r"^lang: must be one of ja, en; got 'fr'$"):
        l2_tangent_figure(lang="fr")


def test_figures_draw_on_given_axes():
    figure = Figure()
    ax = figure.subplots()
    result = l1_corner_figure(ax, lang="en")
    assert result.figure is figure and result.axes[0] is ax
    with pytest.raises(ReglabInputError, match="^ax: must be None or 4 matplotlib Axes"):
        overfitting_figure(ax, lang="en")


# ---------------------------------------------------------------------------------------------
# Contents: figures 1-4, 12
# ---------------------------------------------------------------------------------------------
def test_overfitting_fits_equal_numpy_least_squares():
    result = overfitting_figure(degrees=(1, 3, 9), lang="en")
    x, y = result.data["x"], result.data["y"]
    grid = result.artists["fits"][0].get_xdata()
    for line, degree in zip(result.artists["fits"], (1, 3, 9), strict=True):
        reference = np.polynomial.Polynomial.fit(x, y, degree)(grid)
        np.testing.assert_allclose(line.get_ydata(), reference, rtol=1e-6, atol=1e-6)
    # M = n - 1 interpolates the ten points.
    np.testing.assert_allclose(result.data["fits"][2](x), y, atol=1e-8)
    assert not result.axes[3].get_visible()  # 3 degrees in a 2 x 2 grid


def test_train_test_error_is_rms_of_numpy_fits():
    result = train_test_error_figure(degrees=range(6), n=10, n_test=50, seed=3, lang="en")
    x, y = sin_curve(10, 0.3, seed=3, design="grid")
    x_test, y_test = sin_curve_test(50, 0.3, seed=3)
    train_line, test_line = result.artists["train"], result.artists["test"]
    for degree in range(6):
        fit = np.polynomial.Polynomial.fit(x, y, degree)
        train = math.sqrt(np.mean((fit(x) - y) ** 2))
        test = math.sqrt(np.mean((fit(x_test) - y_test) ** 2))
        assert train_line.get_ydata()[degree] == pytest.approx(train, rel=1e-8)
        assert result.data["test_rms"][degree] == pytest.approx(test, rel=1e-8)
    top = result.axes[0].get_ylim()[1]
    np.testing.assert_array_equal(test_line.get_ydata(),
                                  np.minimum(result.data["test_rms"], top))


def test_regularized_fits_bars_show_the_coefficients():
    result = regularized_fits_figure(lang="en")
    none, ridge, lasso = result.data["fits"]
    x, y = result.data["x"], result.data["y"]
    # Unpenalized degree 9 on 10 points: the interpolating polynomial, in powers of x.
    reference = np.polynomial.polynomial.polyfit(x, y, 9)
    np.testing.assert_allclose(none.coef, reference[1:], rtol=1e-5)
    for bars, fit in zip(result.artists["bars"], result.data["fits"], strict=True):
        heights = np.array([patch.get_height() for patch in bars.patches])
        expected = np.abs(fit.coef)
        shown = expected > 0
        np.testing.assert_allclose(heights[shown], expected[shown], rtol=1e-12)
        assert np.all(np.isnan(heights[~shown]))
    # The penalties shrink the coefficients, and L1 zeroes some exactly.
    assert np.abs(ridge.coef).max() < 1e-2 * np.abs(none.coef).max()
    assert np.count_nonzero(lasso.coef == 0) >= 1
    assert lasso.solution.certified


def test_unit_balls_lie_on_the_norm_spheres():
    ps = (0.5, 1.0, 3.0, math.inf)
    result = unit_balls_figure(ps=ps, l1_ratio=0.3, R=1.5, lang="en")
    for p, boundary in zip(ps, result.data["boundaries"], strict=False):
        w = np.abs(boundary)
        norm = w.max(axis=1) if math.isinf(p) else (w**p).sum(axis=1) ** (1 / p)
        np.testing.assert_allclose(norm, 1.5, rtol=1e-9)
    w = np.abs(result.data["boundaries"][-1])
    enet = 0.3 * w.sum(axis=1) + 0.35 * (w**2).sum(axis=1)
    np.testing.assert_allclose(enet, 0.3 * 1.5 + 0.35 * 1.5**2, rtol=1e-9)


def test_basis_comparison_condition_numbers_and_same_curve():
    result = basis_comparison_figure(degree=8, n=20, lang="en")
    x = result.data["x"]
    for line, kind in zip(result.artists["condition"], ("monomial", "legendre", "chebyshev"),
                          strict=True):
        for degree, kappa in zip(line.get_xdata(), line.get_ydata(), strict=True):
            domain = None if kind == "monomial" else (0.0, 1.0)
            X = PolynomialBasis(int(degree), kind, domain).transform(x)
            reference = np.linalg.cond(np.column_stack([np.ones(x.size), X]))
            assert kappa == pytest.approx(reference, rel=1e-8)
    fits = result.data["fits"]
    grid = np.linspace(0, 1, 50)
    for kind in ("legendre", "chebyshev"):
        np.testing.assert_allclose(fits[kind](grid), fits["monomial"](grid), atol=1e-7)
    assert np.abs(fits["monomial"].coef).max() > 100 * np.abs(fits["legendre"].coef).max()


# ---------------------------------------------------------------------------------------------
# Contents: the geometry figures 5-9, 13
# ---------------------------------------------------------------------------------------------
LOSSES = [
    None,  # the figure's default
    QuadraticLoss.from_axes([2.5, -0.7], lengths=(1.0, 0.4), angle=1.0),
    QuadraticLoss([1.0, 2.0], [[2.0, 0.3], [0.3, 1.0]]),
]


@pytest.mark.parametrize("loss", LOSSES)
def test_l2_tangent_point_is_the_constrained_minimum(loss):
    result = l2_tangent_figure(loss=loss, R=0.8, lang="en")
    loss = result.data["loss"]
    point = marker_point(result.artists["tangent"])
    np.testing.assert_array_equal(point, constrained_minimum(loss, L2(), 0.8).w)
    reference, lam = l2_reference(loss, 0.8)
    np.testing.assert_allclose(point, reference, rtol=1e-9, atol=1e-12)
    info = result.artists["info"].get_text()
    assert f"R = {0.8:.3g}" in info and f"lambda = {lam:.3g}" in info
    # The dashed contour is the level set through the point.
    ring = result.artists["touching"].get_xydata()
    np.testing.assert_allclose(loss.value(ring), loss.value(point), rtol=1e-9)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_l1_corner_point_has_a_zero_weight(lang):
    result = l1_corner_figure(lang=lang)
    loss = result.data["loss"]
    point = marker_point(result.artists["tangent"])
    np.testing.assert_array_equal(point, constrained_minimum(loss, L1(), 1.0).w)
    assert np.count_nonzero(point == 0.0) == 1
    np.testing.assert_allclose(np.abs(point).sum(), 1.0, rtol=1e-12)
    # Optimality at the corner w = R e_k: -df/dw_k = lam > 0 and |df/dw_j| <= lam.
    g = loss.gradient(point)
    k = int(np.flatnonzero(point)[0])
    lam = -g[k] * np.sign(point[k])
    assert lam > 0 and abs(g[1 - k]) <= lam
    zero_name = f"w_{2 - k}"
    assert text("zero_weight", lang, name=zero_name) in result.artists["info"].get_text()


def test_inactive_constraint_says_so_and_marks_least_squares():
    result = inactive_constraint_figure(lang="en")
    loss, solution = result.data["loss"], result.data["solution"]
    np.testing.assert_array_equal(marker_point(result.artists["tangent"]), loss.center)
    assert not solution.active and solution.lam == 0
    assert "touching" not in result.artists
    assert text("inactive_note", "en") in result.artists["info"].get_text()
    # Below the radius of w*, the same figure reports an active constraint.
    active = inactive_constraint_figure(R=0.5 * np.linalg.norm(loss.center), lang="en")
    assert text("active_note", "en") in active.artists["info"].get_text()


def test_importance_figure_drops_the_flat_weight_like_soft_thresholding():
    result = importance_figure(lang="en")
    loss = result.data["loss"]
    H = loss.hessian
    assert H[0, 1] == 0  # the default loss is axis-aligned, so the reference applies
    reference = separable_l1_reference(loss.center, np.diag(H), 1.0)
    point = marker_point(result.artists["tangent"])
    np.testing.assert_allclose(point, reference, atol=1e-12)
    assert point[0] == 0.0  # w1, the flat direction (H11 < H22), is the one set to zero
    assert result.data["importance"].removed == 0
    # The dotted path runs from w* to the origin through the constrained solutions; with a
    # diagonal H it bends once, where the soft threshold lam / (2 H11) reaches |c1|.
    trail = result.artists["path"].get_xydata()
    np.testing.assert_array_equal(trail[0], loss.center)
    np.testing.assert_array_equal(trail[-1], [0.0, 0.0])
    for w in trail[1:-1]:
        r = np.abs(w).sum()
        np.testing.assert_allclose(w, separable_l1_reference(loss.center, np.diag(H), r),
                                   atol=1e-12)
    lam_kink = 2 * H[0, 0] * loss.center[0]
    kink = np.array([0.0, loss.center[1] - lam_kink / (2 * H[1, 1])])
    assert any(np.allclose(w, kink, atol=1e-12) for w in trail)


def test_lp_figure_marks_every_local_minimum_and_the_global_one():
    result = lp_local_minima_figure(lang="en")
    loss, solution = result.data["loss"], result.data["solution"]
    marks = result.artists["minima"]
    assert len(marks) == len(solution.local_minima) >= 2
    points = np.array([marker_point(m) for m in marks])
    assert marks[0].get_marker() == "*" and all(m.get_marker() == "o" for m in marks[1:])
    np.testing.assert_array_equal(points[0], solution.w)
    # Brute force on the boundary ||w||_{1/2} = 1: each mark is a local minimum of f along
    # it, and the starred one the smallest anywhere.
    theta = np.linspace(0, 2 * np.pi, 200_001)
    boundary = np.column_stack([np.sign(np.cos(theta)) * np.cos(theta) ** 4,
                                np.sign(np.sin(theta)) * np.sin(theta) ** 4])
    values = loss.value(boundary)
    assert loss.value(points[0]) <= values.min() + 1e-12
    for point in points:
        assert (np.sqrt(np.abs(point)).sum()) ** 2 == pytest.approx(1.0, rel=1e-9)
        near = np.linalg.norm(boundary - point, axis=1) < 0.05
        assert loss.value(point) <= values[near].min() + 1e-12


def test_sparsity_bars_match_the_closed_form_for_circular_contours():
    penalties = {"l1": L1(), "l2": L2()}
    result = sparsity_experiment_figure(penalties=penalties, families=("symmetric",),
                                        n_trials=500, seed=4, lang="en")
    heights = [patch.get_height() for patch in result.artists["bars"][0].patches]
    # With H = I the L1 solution is the projection on the diamond, sparse exactly when
    # ||c1| - |c2|| >= R (the soft threshold then removes the smaller coordinate).
    centers, _ = sparsity_sample(500, family="symmetric", seed=4)
    expected_l1 = np.mean(np.abs(np.abs(centers[:, 0]) - np.abs(centers[:, 1])) >= 1.0)
    assert heights[0] == pytest.approx(expected_l1)
    assert heights[1] == 0.0  # a circle is touched on an axis only if w* is on the axis


# ---------------------------------------------------------------------------------------------
# Contents: path and CV (figures 10, 11 and the CLI's path_and_cv_figure)
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prostate():
    data = load_prostate()
    X, y, _, _ = data.train_test()
    return X, y, data.feature_names


def test_solution_path_lines_equal_path_coefs(prostate):
    X, y, names = prostate
    path = fit_path(X, y, L1(), feature_names=names)  # user scale, not standardized
    result = solution_path_figure(path=path, lang="en")
    lams = result.data["lams"]
    on_grid = np.isin(lams, path.lams)
    assert on_grid.sum() == path.lams.size
    for j, line in enumerate(result.artists["coef_lines"]):
        np.testing.assert_array_equal(line.get_xdata(), lams)
        np.testing.assert_allclose(line.get_ydata()[on_grid], path.coefs[:, j], rtol=1e-12,
                                   atol=1e-14)
    # Breakpoints inside the grid range are drawn too (the kinks of the exact path).
    inside = path.breakpoints[(path.breakpoints < path.lams.max())
                              & (path.breakpoints > path.lams.min())]
    assert np.isin(inside, lams).all()


def test_ridge_path_lines_are_the_grid(prostate):
    X, y, names = prostate
    path = fit_path(X, y, L2(), standardize=True, feature_names=names, n_lams=30)
    result = solution_path_figure(path=path, standardized=False, lang="ja")
    for j, line in enumerate(result.artists["coef_lines"]):
        np.testing.assert_array_equal(line.get_xdata(), path.lams)
        np.testing.assert_array_equal(line.get_ydata(), path.coefs[:, j])
    assert "df" in result.artists["top_axis"].get_xlabel()  # ridge: no events, df instead


def test_top_axis_ticks_at_events_with_sklearn_support_sizes(prostate):
    X, y, names = prostate
    path = fit_path(X, y, L1(), standardize=True, feature_names=names)
    result = solution_path_figure(path=path, lang="en")
    ticks = result.data["top_ticks"]
    events = sorted({e.lam for e in path.events}, reverse=True)
    np.testing.assert_allclose(ticks, events, rtol=1e-12)
    labels = [t.get_text() for t in result.artists["top_axis"].get_xticklabels()]
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    n = len(y)
    below = np.r_[ticks[1:], ticks[-1] / 2]
    for lam, lower, label in zip(ticks, below, labels, strict=True):
        if not label:  # thinned to avoid overlap
            continue
        probe = math.sqrt(lam * lower)
        # reglab's lam = 2 n alpha for sklearn's Lasso.
        model = Lasso(alpha=probe / (2 * n), tol=1e-12, max_iter=200_000).fit(Z, y)
        assert int(label) == np.count_nonzero(np.abs(model.coef_) > 1e-8)
    assert labels[0] == "1" and any(labels)


@pytest.fixture(scope="module")
def prostate_cv(prostate):
    X, y, names = prostate
    path = fit_path(X, y, L1(), standardize=True, feature_names=names)
    cv = cross_validate(X, y, L1(), folds=5, seed=1, standardize=True, lams=path.lams)
    return path, cv


def test_cv_curve_marks_lambda_min_and_1se(prostate_cv):
    path, cv = prostate_cv
    result = cv_curve_figure(cv=cv, lang="ja")
    data_line = result.artists["errorbar"].lines[0]
    np.testing.assert_array_equal(data_line.get_xdata(), cv.lams)
    np.testing.assert_array_equal(data_line.get_ydata(), cv.mean_error)
    np.testing.assert_array_equal(result.artists["lam_min"].get_xdata(), [cv.lam_min] * 2)
    np.testing.assert_array_equal(result.artists["lam_1se"].get_xdata(), [cv.lam_1se] * 2)
    # The rules, checked from the fold errors: argmin of the mean, and the largest λ within
    # one standard error of it.
    mean = cv.fold_errors.mean(axis=0)
    se = cv.fold_errors.std(axis=0, ddof=1) / math.sqrt(cv.folds)
    i = int(np.argmin(mean))
    assert cv.lam_min == cv.lams[i]
    assert cv.lam_1se == cv.lams[mean <= mean[i] + se[i]].max()
    assert result.artists["one_se_level"].get_ydata()[0] == pytest.approx(mean[i] + se[i])


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_path_and_cv_figure_marks_both_panels(prostate_cv, lang, tmp_path, caplog):
    path, cv = prostate_cv
    figure = path_and_cv_figure(path, cv, lang=lang)
    assert isinstance(figure, Figure)
    top, bottom = figure.axes[:2]
    for ax in (top, bottom):
        verticals = {float(line.get_xdata()[0]) for line in ax.get_lines()
                     if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]}
        assert {cv.lam_min, cv.lam_1se} <= verticals
    render(figure, tmp_path / "path.png", caplog)


# ---------------------------------------------------------------------------------------------
# The CLI
# ---------------------------------------------------------------------------------------------
def test_figures_cli_writes_files_and_prints_paths(tmp_path, capsys):
    out = tmp_path / "new" / "folder"
    args = argparse.Namespace(out=str(out), lang="ja", format="svg",
                              only=["l1_corner", "05_l2_tangent", "6"])
    assert run_figures(args) == 0
    printed = capsys.readouterr().out.splitlines()
    expected = [out / "05_l2_tangent.svg", out / "06_l1_corner.svg"]  # lecture order
    assert printed == [str(p) for p in expected]
    for path in expected:
        assert path.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_figures_cli_unknown_name_is_one_error_line(tmp_path, capsys):
    from reglab.cli import main

    code = main(["figures", "--out", str(tmp_path / "x"), "--only", "l1_corner", "bogus"])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("reglab: error: --only: must be one of 01_overfitting")
    assert lines[0].endswith("got 'bogus'")
    assert captured.out == "" and not (tmp_path / "x").exists()


def test_grid_path_lines_equal_path_coefs(prostate):
    X, y, names = prostate
    path = fit_path(X, y, ElasticNet(0.5), standardize=True, feature_names=names, n_lams=25)
    result = solution_path_figure(path=path, lang="en")
    np.testing.assert_array_equal(result.data["lams"], path.lams)
    for j, line in enumerate(result.artists["coef_lines"]):
        np.testing.assert_array_equal(line.get_ydata(), path.coefs_std[:, j])
    np.testing.assert_allclose(result.data["top_ticks"],
                               sorted({e.lam for e in path.events}, reverse=True))


def test_a_path_of_many_features_names_the_first_to_enter_and_counts_the_rest():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 40))
    y = X[:, [5, 17, 2]] @ np.array([3.0, -2.0, 1.0]) + rng.normal(size=120)
    names = [f"v{j}" for j in range(40)]
    path = fit_path(X, y, L1(), feature_names=names)
    result = solution_path_figure(path=path, lang="en")
    texts = [t.get_text() for t in result.axes[0].get_legend().get_texts()]
    # the reference: the path's own events, in order of decreasing λ
    entered = []
    for event in path.events:
        if event.action == "enter" and event.feature not in entered:
            entered.append(event.feature)
    assert texts[:-1] == entered[:12] and texts[-1] == "+ 28 more"
    assert len(result.artists["coef_lines"]) == 40  # every feature is still drawn
    ja = solution_path_figure(path=path, lang="ja")
    assert ja.axes[0].get_legend().get_texts()[-1].get_text() == "ほか 28 個"
