"""check_gradients: the reference passes, typical mistakes fail with feedback."""

import numpy as np
import pytest

from autograder import reference
from autograder.checks import CheckFailure, check_gradients

CASES = {
    "layer_forward": [(4, 3, 2, 0), (1, 5, 1, 1)],
    "layer_backward": [(4, 3, 2, 0), (3, 3, 3, 22)],
    "mlp_gradients": [(5, (3, 4, 4, 1), 0), (3, (2, 1), 1)],
    "numerical_gradient": [("cubes", (4,), 0, None), ("sines", (2, 3), 1, 1e-3)],
    "gradient_ratio": [(5, (3, 4, 4, 1), 0)],
}
ASPECTS = {
    "layer_forward": ["values", "types", "stability"],
    "layer_backward": ["values", "types", "stability", "mutation"],
    "mlp_gradients": ["values", "types", "stability"],
    "numerical_gradient": ["values", "types", "mutation"],
    "gradient_ratio": ["values"],
}


def naive_forward(X, W, b):
    return 1 / (1 + np.exp(-(X @ W + b)))


def backward_in_place(dA, X, W, b):
    A = reference.layer_forward(X, W, b)
    dA *= A * (1 - A)
    return dA @ W.T, X.T @ dA, dA.sum(axis=0)


def backward_without_slope(dA, X, W, b):
    return dA @ W.T, X.T @ dA, dA.sum(axis=0)


def one_sided(f, x, eps=1e-6):
    point = x.astype(np.float64)
    grad = np.zeros(point.shape)
    base = f(point)
    for i in np.ndindex(point.shape):
        point[i] += eps
        grad[i] = (f(point) - base) / eps
        point[i] -= eps
    return grad.astype(x.dtype)


def forward_in_float64(X, W, b):
    return reference.layer_forward(X.astype(float), W.astype(float), b.astype(float))


def ratio_upside_down(grads):
    return float(np.linalg.norm(grads[-1][0]) / np.linalg.norm(grads[0][0]))


def not_done(*args):
    raise NotImplementedError()


@pytest.mark.parametrize(
    ("name", "aspect"),
    [(name, aspect) for name, aspects in ASPECTS.items() for aspect in aspects],
)
def test_the_reference_passes_every_check(name, aspect):
    check_gradients(getattr(reference, name), name, aspect, CASES[name])


@pytest.mark.parametrize(
    ("func", "name", "failing", "message"),
    [
        (naive_forward, "layer_forward", {"stability"}, "emitted a warning"),
        (forward_in_float64, "layer_forward", {"types"}, "wrong dtype"),
        (backward_in_place, "layer_backward", {"mutation"}, "changed its argument dA"),
        (
            backward_without_slope,
            "layer_backward",
            {"values", "stability"},
            "wrong value for dX",
        ),
        (one_sided, "numerical_gradient", {"values"}, "tolerance: 1e-06"),
        (ratio_upside_down, "gradient_ratio", {"values"}, "wrong value"),
    ],
)
def test_a_mistake_fails_only_its_aspects_with_feedback(func, name, failing, message):
    for aspect in ASPECTS[name]:
        if aspect in failing:
            with pytest.raises(CheckFailure) as caught:
                check_gradients(func, name, aspect, CASES[name])
            text = str(caught.value)
            assert message in text
            assert "input:" in text and "Hint:" in text
        else:
            check_gradients(func, name, aspect, CASES[name])


def test_an_untouched_function_says_not_implemented():
    with pytest.raises(CheckFailure, match="not implemented yet"):
        check_gradients(not_done, "mlp_gradients", "values", CASES["mlp_gradients"])


def test_an_unknown_aspect_is_a_clear_error():
    with pytest.raises(ValueError, match="aspect must be one of"):
        check_gradients(reference.layer_forward, "layer_forward", "speed", [])
