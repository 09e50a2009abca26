"""Design preparation against manual numpy: centering, ddof=0 scaling, errors, inverse maps."""

import numpy as np
import pytest

from reglab._validation import ReglabInputError
from reglab.design import Design


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(25, 4)) * [1.0, 10.0, 0.01, 3.0] + [0.0, -5.0, 2.0, 100.0]
    y = rng.normal(size=25) + 7.0
    return X, y


def test_centering(data):
    X, y = data
    design = Design.prepare(X, y)
    manual_mean = np.sum(X, axis=0) / X.shape[0]
    np.testing.assert_allclose(design.x_mean, manual_mean, rtol=1e-14)
    assert design.y_mean == pytest.approx(np.sum(y) / y.size, rel=1e-14)
    np.testing.assert_allclose(design.X, X - manual_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(design.y, y - np.sum(y) / y.size, rtol=0, atol=1e-13)
    np.testing.assert_array_equal(design.x_scale, np.ones(4))
    np.testing.assert_allclose(design.X.mean(axis=0), 0.0, atol=1e-12)
    assert not design.standardize and design.fit_intercept
    assert design.n_samples == 25 and design.n_features == 4
    assert design.feature_names == ("x1", "x2", "x3", "x4")


def test_standardization_uses_the_population_std(data):
    X, y = data
    design = Design.prepare(X, y, standardize=True)
    centered = X - X.mean(axis=0)
    manual_scale = np.sqrt(np.sum(centered**2, axis=0) / X.shape[0])  # ddof = 0
    np.testing.assert_allclose(design.x_scale, manual_scale, rtol=1e-13)
    np.testing.assert_allclose(design.x_scale, X.std(axis=0, ddof=0), rtol=1e-13)
    np.testing.assert_allclose(design.X, centered / manual_scale, rtol=0, atol=1e-12)
    # unit population variance: sum of squares = n
    np.testing.assert_allclose(np.sum(design.X**2, axis=0), X.shape[0], rtol=1e-13)
    np.testing.assert_allclose(design.y, y - y.mean(), atol=1e-13)  # y is only centered


def test_no_intercept_means_no_centering(data):
    X, y = data
    design = Design.prepare(X, y, fit_intercept=False)
    np.testing.assert_array_equal(design.X, X)
    np.testing.assert_array_equal(design.y, y)
    np.testing.assert_array_equal(design.x_mean, np.zeros(4))
    assert design.y_mean == 0.0
    scaled = Design.prepare(X, y, fit_intercept=False, standardize=True)
    # without centering, the scale is the root mean square of the raw column
    np.testing.assert_allclose(scaled.x_scale, np.sqrt(np.mean(X**2, axis=0)), rtol=1e-13)


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_to_user_scale_inverts_the_transform(data, standardize, fit_intercept):
    X, y = data
    design = Design.prepare(X, y, standardize=standardize, fit_intercept=fit_intercept)
    rng = np.random.default_rng(12)
    w_std = rng.normal(size=4)
    coef, intercept = design.to_user_scale(w_std)
    # The same predictions on both scales: y_mean + X_std w_std == intercept + X coef.
    np.testing.assert_allclose(design.y_mean + design.X @ w_std, intercept + X @ coef,
                               rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(design.transform(X), design.X, rtol=0, atol=1e-12)
    np.testing.assert_allclose(coef * design.x_scale, w_std, rtol=1e-14)
    # many rows at once: one intercept per row
    W = rng.normal(size=(3, 4))
    coefs, intercepts = design.to_user_scale(W)
    assert coefs.shape == (3, 4) and np.shape(intercepts) == (3,)
    for k in range(3):
        c, b = design.to_user_scale(W[k])
        np.testing.assert_allclose(coefs[k], c, rtol=1e-15)
        assert intercepts[k] == pytest.approx(b, rel=1e-14, abs=1e-14)


def test_transform_of_new_rows(data):
    X, y = data
    design = Design.prepare(X, y, standardize=True)
    new = np.array([[1.0, 2.0, 3.0, 4.0]])
    expected = (new - X.mean(axis=0)) / X.std(axis=0)
    np.testing.assert_allclose(design.transform(new), expected, rtol=1e-12)
    with pytest.raises(ReglabInputError, match=r"^X: must have 4 columns"):
        design.transform(np.ones((2, 3)))


def test_constant_column_under_standardization_names_the_column(data):
    X, y = data
    X = X.copy()
    X[:, 2] = 3.7
    with pytest.raises(ReglabInputError) as info:
        Design.prepare(X, y, standardize=True, feature_names=["a", "b", "c", "d"])
    message = str(info.value)
    assert "\n" not in message and message.startswith("X: ")
    assert "constant" in message and message.endswith("'c'")
    # without standardization a constant column is fine (it is centered to zero)
    design = Design.prepare(X, y, feature_names=["a", "b", "c", "d"])
    np.testing.assert_allclose(design.X[:, 2], 0.0, atol=1e-14)


def test_a_large_constant_column_is_constant_despite_rounding(data):
    X, y = data
    X = X.copy()
    X[:, 0] = 1e8 + 0.1  # the mean of a constant column may differ from it by a rounding
    with pytest.raises(ReglabInputError, match="x1"):
        Design.prepare(X, y, standardize=True)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X_names_row_and_column(data, bad):
    X, y = data
    X = X.copy()
    X[7, 2] = bad
    with pytest.raises(ReglabInputError) as info:
        Design.prepare(X, y)
    message = str(info.value)
    assert "\n" not in message and message.startswith("X: ")
    assert "row 7" in message and "column 2" in message
    with pytest.raises(ReglabInputError, match="row 7, column speed"):
        Design.prepare(X, y, feature_names=["a", "b", "speed", "d"])


def test_non_finite_y_names_the_row(data):
    X, y = data
    y = y.copy()
    y[13] = np.nan
    with pytest.raises(ReglabInputError) as info:
        Design.prepare(X, y)
    message = str(info.value)
    assert message.startswith("y: ") and "row 13" in message and "\n" not in message


@pytest.mark.parametrize(
    ("X", "y", "name"),
    [
        (np.ones((5, 2)), np.ones(4), "y"),  # mismatched lengths
        (np.ones(5), np.ones(5), "X"),  # not 2-D
        (np.ones((5, 2)), np.ones((5, 1)), "y"),  # not 1-D
        (np.empty((0, 2)), np.empty(0), "X"),  # no rows
        ([["a", "b"]], [1.0], "X"),  # not numbers
    ],
)
def test_bad_shapes_raise_naming_the_parameter(X, y, name):
    with pytest.raises(ReglabInputError) as info:
        Design.prepare(X, y)
    assert str(info.value).startswith(f"{name}: ") and "\n" not in str(info.value)


def test_feature_names_must_match_columns(data):
    X, y = data
    with pytest.raises(ReglabInputError, match=r"^feature_names: "):
        Design.prepare(X, y, feature_names=["a", "b"])
    design = Design.prepare(X, y, feature_names=["a", "b", "c", "d"])
    assert design.feature_names == ("a", "b", "c", "d")
    # a repeated name would make one coefficient shadow another in Solution.to_dict
    with pytest.raises(ReglabInputError, match=r"^feature_names: must be distinct; got 'b'"):
        Design.prepare(X, y, feature_names=["a", "b", "b", "c"])
