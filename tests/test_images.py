import numpy as np
import pytest

from gansampler._images import check_image_shape, check_images


@pytest.mark.parametrize(
    "shape, image_shape, layout, expected",
    [
        ((5, 64), (8, 8), "flat", (1, 8, 8)),
        ((5, 192), (3, 8, 8), "flat", (3, 8, 8)),
        ((5, 8, 8), None, "nhw", (1, 8, 8)),
        ((5, 3, 8, 8), None, "nchw", (3, 8, 8)),
        ((5, 4), None, "tabular", (4, 1, 1)),
    ],
)
def test_layouts_round_trip(shape, image_shape, layout, expected):
    X = np.random.RandomState(0).randint(0, 256, size=shape).astype(np.uint8)
    images, fmt = check_images(X, image_shape)
    assert fmt.layout == layout
    assert images.shape == (5, *expected)
    model = fmt.to_model(images)
    assert model.dtype == np.float32
    assert model.min() >= -1 and model.max() <= 1
    back = fmt.from_model(model)
    assert back.shape == X.shape and back.dtype == X.dtype
    np.testing.assert_array_equal(back, X)


def test_float_unit_range_is_kept():
    X = np.random.RandomState(0).rand(4, 1, 6, 6).astype(np.float32)
    images, fmt = check_images(X)
    assert (fmt.low, fmt.high) == (0.0, 1.0)
    out = fmt.from_model(np.full((2, 1, 6, 6), 2.0))  # out of range is clipped
    assert out.dtype == np.float32 and out.max() == 1.0


def test_tabular_scales_per_feature():
    X = np.random.RandomState(0).randn(50, 3) * [1, 100, 1e4]
    images, fmt = check_images(X)
    model = fmt.to_model(images)
    np.testing.assert_allclose(model.reshape(50, 3).min(0), -1, atol=1e-6)
    np.testing.assert_allclose(model.reshape(50, 3).max(0), 1, atol=1e-6)
    np.testing.assert_allclose(fmt.from_model(model), X, rtol=1e-5, atol=1e-2)


@pytest.mark.parametrize(
    "X, image_shape, error, match",
    [
        (np.zeros((4, 64)), (8, 9), ValueError, "holds 72 values per image but X has 64"),
        (np.zeros((4, 8, 8)), (9, 8), ValueError, "does not match"),
        (np.zeros(4), None, ValueError, "got 1-D"),
        (np.zeros((2, 1, 1, 4, 4)), None, ValueError, "got 5-D"),
        (np.zeros((0, 4, 4)), None, ValueError, "empty"),
        (np.array([[np.nan, 1.0]]), None, ValueError, "NaN or infinity"),
        (np.array([["a", "b"]]), None, TypeError, "must hold numbers"),
        (np.zeros((4, 8, 8, 3)), None, ValueError, "channels-last"),
        (np.zeros((4, 64)), (-8, -8), ValueError, "positive"),
        (np.zeros((4, 64)), (8.0, 8), TypeError, "integers"),
        (np.zeros((4, 64)), (2, 2, 2, 8), ValueError, "2 .* or 3"),
    ],
)
def test_bad_input_is_named(X, image_shape, error, match):
    with pytest.raises(error, match=match):
        check_images(X, image_shape)


def test_image_shape_hw_means_one_channel():
    assert check_image_shape((28, 28)) == (1, 28, 28)
    assert check_image_shape(None) is None
