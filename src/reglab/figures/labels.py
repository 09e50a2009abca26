r"""Every text of the figures, in Japanese and English: key -> {"ja": ..., "en": ...}.

Strings may hold mathtext (``$\lambda$``) and ``{placeholders}`` filled by :func:`text`; both
languages of a key use the same placeholders (a test checks it). Numbers are formatted by the
caller, so the catalog has no number formats of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from reglab._validation import ReglabInputError

__all__ = ["LABELS", "LANGS", "check_lang", "text"]

#: The languages of the figures.
LANGS: tuple[str, ...] = ("ja", "en")

_LABELS: dict[str, dict[str, str]] = {
    # -- shared ----------------------------------------------------------------------------
    "x": {"ja": "$x$", "en": "$x$"},
    "y": {"ja": "$y$", "en": "$y$"},
    "w1": {"ja": "$w_1$", "en": "$w_1$"},
    "w2": {"ja": "$w_2$", "en": "$w_2$"},
    "train_data": {"ja": "訓練データ", "en": "training data"},
    "true_curve": {"ja": r"真の曲線 $\sin(2\pi x)$", "en": r"true curve $\sin(2\pi x)$"},
    "fit": {"ja": "当てはめた曲線", "en": "fitted curve"},
    "degree_M": {"ja": "多項式の次数 $M$", "en": "polynomial degree $M$"},
    "lam_axis": {"ja": r"正則化の強さ $\lambda$（対数目盛）", "en": r"$\lambda$ (log scale)"},
    "lam_min": {"ja": r"$\lambda_{{\min}}$", "en": r"$\lambda_{{\min}}$"},
    "lam_1se": {"ja": r"$\lambda_{{\mathrm{{1se}}}}$", "en": r"$\lambda_{{\mathrm{{1se}}}}$"},
    "lam_min_is": {"ja": r"$\lambda_{{\min}} = {value}$", "en": r"$\lambda_{{\min}} = {value}$"},
    "lam_1se_is": {"ja": r"$\lambda_{{\mathrm{{1se}}}} = {value}$",
                   "en": r"$\lambda_{{\mathrm{{1se}}}} = {value}$"},
    "ols_point": {"ja": r"最小二乗解 $\hat{{w}}$", "en": r"least squares $\hat{{w}}$"},
    "contours": {"ja": "二乗誤差の等高線", "en": "squared-error contours"},
    "touching_contour": {"ja": "接する等高線", "en": "touching contour"},
    "solution": {"ja": r"制約付きの解 $w^\ast$", "en": r"constrained solution $w^\ast$"},
    "R_and_lam": {"ja": "$R = {R}$\n$\\lambda = {lam}$", "en": "$R = {R}$\n$\\lambda = {lam}$"},
    # -- 1. overfitting ------------------------------------------------------------------------
    "overfitting_title": {
        "ja": "同じデータに次数 $M$ の多項式を当てはめる（$N = {n}$）",
        "en": "Polynomials of degree $M$ fitted to the same data ($N = {n}$)",
    },
    "M_equals": {"ja": "$M = {M}$", "en": "$M = {M}$"},
    # -- 2. train/test error -------------------------------------------------------------------
    "train_test_title": {
        "ja": "訓練誤差とテスト誤差（訓練 $N = {n}$，テスト {n_test} 点）",
        "en": "Training and test error ($N = {n}$ training, {n_test} test points)",
    },
    "rms_error": {"ja": r"RMS 誤差 $\sqrt{{\mathrm{{MSE}}}}$",
                  "en": r"RMS error $\sqrt{{\mathrm{{MSE}}}}$"},
    "train": {"ja": "訓練", "en": "training"},
    "test": {"ja": "テスト", "en": "test"},
    "off_scale": {"ja": "↑ {value}（枠外）", "en": "↑ {value} (off scale)"},
    # -- 3. regularized fits ------------------------------------------------------------------
    "reg_fits_title": {
        "ja": "$M = {M}$ の多項式：正則化なし・L2・L1",
        "en": "Degree $M = {M}$: no penalty, L2 and L1",
    },
    "no_penalty": {"ja": "正則化なし", "en": "no penalty"},
    "l2_at": {"ja": r"L2（$\lambda = {lam}$）", "en": r"L2 ($\lambda = {lam}$)"},
    "l1_at": {"ja": r"L1（$\lambda = {lam}$）", "en": r"L1 ($\lambda = {lam}$)"},
    "coef_magnitude": {"ja": r"係数の大きさ $|w_k|$", "en": r"coefficient size $|w_k|$"},
    "coef_index": {"ja": "係数の番号 $k$（$x^k$ の係数）",
                   "en": "index $k$ (coefficient of $x^k$)"},
    "exact_zero": {"ja": "ちょうど 0", "en": "exactly 0"},
    "max_coef": {"ja": "最大の $|w_k| = {value}$", "en": "largest $|w_k| = {value}$"},
    # -- 4. unit balls -------------------------------------------------------------------------
    "balls_title": {
        "ja": r"半径 $R = {R}$ の球 $\|w\|_p \leq R$",
        "en": r"Balls of radius $R = {R}$: $\|w\|_p \leq R$",
    },
    "p_equals": {"ja": "$p = {p}$", "en": "$p = {p}$"},
    "nonconvex": {"ja": "非凸", "en": "nonconvex"},
    "corners_on_axes": {"ja": "軸上に角", "en": "corners on the axes"},
    "round": {"ja": "角なし", "en": "no corners"},
    "corners_off_axes": {"ja": "角は対角線上", "en": "corners on the diagonals"},
    "enet_ball": {
        "ja": r"Elastic net（$\alpha = {a}$）",
        "en": r"elastic net ($\alpha = {a}$)",
    },
    "enet_note": {"ja": "角を保ち，辺は膨らむ", "en": "corners kept, edges bulge"},
    "l1_ref": {"ja": r"$\|w\|_1 \leq R$", "en": r"$\|w\|_1 \leq R$"},
    "l2_ref": {"ja": r"$\|w\|_2 \leq R$", "en": r"$\|w\|_2 \leq R$"},
    # -- 5-7. tangent points ---------------------------------------------------------------------
    "l2_title": {
        "ja": r"L2 制約 $\|w\|_2 \leq R$：等高線が円に接する点",
        "en": r"L2 constraint $\|w\|_2 \leq R$: a contour touches the circle",
    },
    "l2_ball": {"ja": r"$\|w\|_2 \leq R$", "en": r"$\|w\|_2 \leq R$"},
    "l2_note": {"ja": "どちらの重みも 0 ではない", "en": "no weight is zero"},
    "l1_title": {
        "ja": r"L1 制約 $\|w\|_1 \leq R$：等高線がひし形の角に接する",
        "en": r"L1 constraint $\|w\|_1 \leq R$: a contour touches a corner",
    },
    "l1_ball": {"ja": r"$\|w\|_1 \leq R$", "en": r"$\|w\|_1 \leq R$"},
    "zero_weight": {"ja": "角で接する：${name} = 0$（スパース）",
                    "en": "touches at a corner: ${name} = 0$ (sparse)"},
    "no_zero_weight": {"ja": "辺で接する：0 の重みなし",
                       "en": "touches an edge: no weight is zero"},
    "inactive_title": {
        "ja": r"$R$ が大きすぎる：最小値が球の内側",
        "en": r"$R$ too large: the minimum lies inside the ball",
    },
    "inactive_note": {
        "ja": "制約は効いていない：\n解は最小二乗解そのもの",
        "en": "the constraint is inactive:\nthe solution is least squares itself",
    },
    "active_note": {
        "ja": "制約が効いている（$\\lambda > 0$）",
        "en": "the constraint is active ($\\lambda > 0$)",
    },
    # -- 8. importance ---------------------------------------------------------------------------
    "importance_title": {
        "ja": "細長い等高線：効きの弱い重みが 0 になる",
        "en": "Elongated contours: the weight that matters less goes to zero",
    },
    "weight_stats": {"ja": "${name}$：曲率 ${H}$，原点での傾き ${slope}$",
                     "en": "${name}$: curvature ${H}$, slope at 0 ${slope}$"},
    "driven_to_zero": {"ja": "${name} = 0$ に押しやられる", "en": "${name}$ is driven to 0"},
    "flat_direction": {"ja": "平らな方向（誤差が増えにくい）",
                       "en": "flat direction (error grows slowly)"},
    "steep_direction": {"ja": "急な方向（誤差がすぐ増える）",
                        "en": "steep direction (error grows fast)"},
    # -- 9. Lp, p < 1 ------------------------------------------------------------------------------
    "lp_title": {
        "ja": r"$p = {p}$ の球（非凸）：局所解がいくつもある",
        "en": r"The $p = {p}$ ball (nonconvex): several local minima",
    },
    "lp_ball": {"ja": r"$\|w\|_{{{p}}} \leq R$", "en": r"$\|w\|_{{{p}}} \leq R$"},
    "global_min": {"ja": "大域的最小", "en": "global minimum"},
    "local_min": {"ja": "局所的最小", "en": "local minimum"},
    # -- 10-11. path and CV ------------------------------------------------------------------------
    "path_title": {"ja": "解のパス（{penalty}）", "en": "Solution path ({penalty})"},
    "coef_axis": {"ja": "係数 $w_j$", "en": "coefficient $w_j$"},
    "coef_axis_std": {"ja": "係数 $w_j$（標準化した特徴量）",
                      "en": "coefficient $w_j$ (standardized features)"},
    "nonzero_axis": {"ja": "0 でない係数の数", "en": "number of non-zero coefficients"},
    "more_features": {"ja": "ほか {count} 個", "en": "+ {count} more"},
    "df_axis": {"ja": "有効自由度 df", "en": "effective degrees of freedom"},
    "cv_title": {"ja": "{folds} 分割交差検証", "en": "{folds}-fold cross-validation"},
    "cv_error": {"ja": "CV 平均二乗誤差 ± 標準誤差", "en": "CV mean squared error ± 1 SE"},
    "one_se_level": {"ja": "最小値 + 1 標準誤差", "en": "minimum + 1 SE"},
    "penalty_l1": {"ja": "L1 / lasso", "en": "L1 / lasso"},
    "penalty_l2": {"ja": "L2 / ridge", "en": "L2 / ridge"},
    "penalty_other": {"ja": "{name}", "en": "{name}"},
    # -- 12. bases -------------------------------------------------------------------------
    "bases_title": {
        "ja": "基底の比較：単項式・Legendre・Chebyshev（$N = {n}$）",
        "en": "Bases compared: monomial, Legendre, Chebyshev ($N = {n}$)",
    },
    "condition_number": {"ja": r"計画行列の条件数 $\kappa$", "en": r"condition number $\kappa$"},
    "basis_monomial": {"ja": "単項式 $x^k$", "en": "monomial $x^k$"},
    "basis_legendre": {"ja": "Legendre $P_k(t)$", "en": "Legendre $P_k(t)$"},
    "basis_chebyshev": {"ja": "Chebyshev $T_k(t)$", "en": "Chebyshev $T_k(t)$"},
    "basis_scaled": {"ja": "スケール済み $t^k$", "en": "scaled $t^k$"},
    "coefs_at_M": {"ja": "$M = {M}$ の最小二乗係数 $|w_k|$",
                   "en": "least-squares coefficients $|w_k|$ at $M = {M}$"},
    "same_curve": {"ja": "どの基底でも同じ曲線（差は最大 ${value}$）",
                   "en": "the same curve in every basis (differences up to ${value}$)"},
    "inverse_eps": {"ja": r"$1/\varepsilon_{{\mathrm{{mach}}}}$：数値的に特異",
                    "en": r"$1/\varepsilon_{{\mathrm{{mach}}}}$: numerically singular"},
    "k_index": {"ja": "係数の番号 $k$", "en": "index $k$"},
    # -- 13. sparsity experiment -----------------------------------------------------------
    "sparsity_title": {
        "ja": "解がスパースになる割合（{trials} 回，95% 信頼区間）",
        "en": "How often the solution is sparse ({trials} trials, 95% CI)",
    },
    "sparse_fraction": {"ja": "スパースな解の割合", "en": "fraction of sparse solutions"},
    "family_symmetric": {"ja": "円形の等高線", "en": "circular contours"},
    "family_elongated": {"ja": "細長い等高線（向きはランダム）",
                         "en": "elongated contours (random tilt)"},
}

LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {key: MappingProxyType(value) for key, value in _LABELS.items()}
)


def check_lang(lang: object) -> str:
    """Return ``lang`` if it is ``"ja"`` or ``"en"``, else raise :class:`ReglabInputError`."""
    if lang not in LANGS:
        raise ReglabInputError("lang", f"must be one of {', '.join(LANGS)}", lang)
    return str(lang)


def text(key: str, lang: str, /, **fmt: object) -> str:
    """Return the label ``key`` in ``lang`` with its ``{placeholders}`` filled from ``fmt``."""
    lang = check_lang(lang)
    try:
        entry = LABELS[key]
    except KeyError:
        raise ReglabInputError("key", "must be a key of reglab.figures.labels.LABELS",
                               key) from None
    return entry[lang].format(**fmt)
