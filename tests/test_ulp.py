import numpy as np
import pytest

from autograder.exact import exact
from autograder.ulp import ulp_distance


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_neighbours_are_one_apart(dtype):
    x = np.array([0.0, 1e-30, 1.0, -2.5, 3e30], dtype=dtype)
    up = np.nextafter(x, dtype(np.inf))
    np.testing.assert_array_equal(ulp_distance(up, x), 1.0)


def test_across_zero_and_special_values():
    tiny = 5e-324
    assert ulp_distance(-tiny, tiny) == 2
    assert ulp_distance(0.0, -0.0) == 0
    assert ulp_distance(np.nan, np.nan) == 0
    assert ulp_distance(np.nan, 1.0) == np.inf
    assert ulp_distance(np.inf, np.finfo(np.float64).max) == 1


def test_exact_rounds_subnormals_correctly():
    # exp(-745) is about 4.94e-324: nearer to the smallest subnormal than to 0.
    assert exact("sigmoid", [-745.0])[0] == 5e-324
    assert exact("sigmoid", [-746.0])[0] == 0.0
    assert exact("sigmoid", [-103.0], np.float32)[0] == np.float32(1e-45)


def test_exact_rejects_unknown_names():
    with pytest.raises(ValueError, match="name must be one of"):
        exact("tanh", [0.0])
