"""Backpropagation reference against TensorFlow and central differences."""

import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import reference
from autograder.reference import (
    gradient_ratio,
    layer_backward,
    layer_forward,
    mlp_gradients,
    numerical_gradient,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")

# Each example builds a few TensorFlow tensors: fewer than the profile's 300.
FEW = settings(max_examples=40)


def network(seed, widths, scale=1.0, dtype=np.float64):
    """Random inputs, labels and parameters for a network of ``widths``."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 9))
    X = rng.normal(size=(n, widths[0])).astype(dtype)
    y = rng.integers(0, 2, size=n).astype(dtype)
    weights, biases = [], []
    for d_in, d_out in zip(widths[:-1], widths[1:], strict=True):
        W = rng.normal(scale=scale / np.sqrt(d_in), size=(d_in, d_out))
        weights.append(W.astype(dtype))
        biases.append(rng.normal(scale=0.5, size=d_out).astype(dtype))
    return X, y, weights, biases


def loss(X, y, weights, biases):
    """Mean cross-entropy of the network, from the score (float64 numpy)."""
    A = X
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        A = layer_forward(A, W, b)
    z = (A @ weights[-1] + biases[-1])[:, 0]
    return float(np.mean(np.logaddexp(0, z) - y * z))


def tape_gradients(X, y, weights, biases):
    """The same gradients from tf.GradientTape."""
    ws = [tf.Variable(W) for W in weights]
    bs = [tf.Variable(b) for b in biases]
    with tf.GradientTape() as tape:
        A = tf.constant(X)
        for W, b in zip(ws[:-1], bs[:-1], strict=True):
            A = tf.math.sigmoid(A @ W + b)
        z = (A @ ws[-1] + bs[-1])[:, 0]
        value = tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(y), logits=z)
        )
    dws, dbs = tape.gradient(value, [ws, bs])
    return [(dW.numpy(), db.numpy()) for dW, db in zip(dws, dbs, strict=True)]


widths_strategy = st.lists(st.integers(1, 6), min_size=2, max_size=7).map(
    lambda ws: [*ws, 1]
)


@FEW
@given(st.integers(0, 2**32 - 1), widths_strategy, st.sampled_from([0.5, 1.0, 4.0]))
def test_mlp_gradients_agree_with_gradient_tape(seed, widths, scale):
    X, y, weights, biases = network(seed, widths, scale)
    ours = mlp_gradients(X, y, weights, biases)
    theirs = tape_gradients(X, y, weights, biases)
    assert len(ours) == len(theirs) == len(weights)
    for (dW, db), (tW, tb) in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(dW, tW, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(db, tb, rtol=1e-9, atol=1e-15)


@FEW
@given(st.integers(0, 2**32 - 1), widths_strategy)
def test_mlp_gradients_agree_with_central_differences(seed, widths):
    X, y, weights, biases = network(seed, widths)
    ours = mlp_gradients(X, y, weights, biases)
    for layer, (dW, db) in enumerate(ours):

        def of_w(W, layer=layer):
            changed = [*weights[:layer], W, *weights[layer + 1 :]]
            return loss(X, y, changed, biases)

        def of_b(b, layer=layer):
            changed = [*biases[:layer], b, *biases[layer + 1 :]]
            return loss(X, y, weights, changed)

        # Central differences: error about eps**2 plus rounding / eps.
        np.testing.assert_allclose(
            numerical_gradient(of_w, weights[layer], eps=1e-5), dW, atol=1e-8
        )
        np.testing.assert_allclose(
            numerical_gradient(of_b, biases[layer], eps=1e-5), db, atol=1e-8
        )


@FEW
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(1, 5),
)
def test_layer_backward_agrees_with_gradient_tape(seed, n, d_in, d_out):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d_in))
    W = rng.normal(size=(d_in, d_out))
    b = rng.normal(size=d_out)
    dA = rng.normal(size=(n, d_out))
    tX, tW, tb = (tf.Variable(v) for v in (X, W, b))
    with tf.GradientTape() as tape:
        # <dA, A> has gradient dA with respect to A: the layer's backward pass.
        A = tf.math.sigmoid(tX @ tW + tb)
        value = tf.reduce_sum(A * dA)
    expected = [g.numpy() for g in tape.gradient(value, [tX, tW, tb])]
    np.testing.assert_allclose(
        layer_forward(X, W, b), A.numpy(), rtol=1e-12, atol=1e-300
    )
    for ours, theirs in zip(layer_backward(dA, X, W, b), expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)


@given(st.integers(0, 2**32 - 1), st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_numerical_gradient_of_a_quadratic_is_exact_up_to_rounding(seed, shape):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    A = rng.normal(size=(x.size, x.size))

    def f(v):
        flat = v.reshape(-1)
        return float(flat @ A @ flat)

    before = x.copy()
    grad = numerical_gradient(f, x, eps=1e-3)
    assert grad.shape == x.shape
    assert np.array_equal(x, before)
    # The third derivative of a quadratic is 0: only rounding is left.
    expected = ((A + A.T) @ x.reshape(-1)).reshape(x.shape)
    np.testing.assert_allclose(grad, expected, atol=1e-9 * (1 + np.abs(A).sum()))


@pytest.mark.parametrize("name", ["layer_forward", "layer_backward", "mlp_gradients"])
def test_float32_stays_float32_and_inputs_are_untouched(name):
    X, y, weights, biases = network(3, [4, 5, 1], dtype=np.float32)
    args = {
        "layer_forward": (X, weights[0], biases[0]),
        "layer_backward": (
            np.ones((X.shape[0], 5), np.float32),
            X,
            weights[0],
            biases[0],
        ),
        "mlp_gradients": (X, y, weights, biases),
    }[name]
    copies = [
        [a.copy() for a in arg] if isinstance(arg, list) else arg.copy() for arg in args
    ]
    result = getattr(reference, name)(*args)
    arrays = result if name != "mlp_gradients" else [a for pair in result for a in pair]
    arrays = [result] if name == "layer_forward" else arrays
    assert all(a.dtype == np.float32 for a in arrays)
    for arg, copy in zip(args, copies, strict=True):
        if isinstance(arg, list):
            assert all(np.array_equal(a, c) for a, c in zip(arg, copy, strict=True))
        else:
            assert np.array_equal(arg, copy)


def test_numerical_gradient_keeps_float32():
    x = np.array([1.0, 2.0], dtype=np.float32)
    grad = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, [2.0, 4.0], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_saturated_networks_give_finite_gradients_without_warnings(dtype):
    X, y, weights, biases = network(7, [3, 4, 4, 1], scale=2000.0, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn", under="ignore"):
            grads = mlp_gradients(X, y, weights, biases)
    for dW, db in grads:
        assert np.all(np.isfinite(dW)) and np.all(np.isfinite(db))


def test_gradient_ratio_is_first_over_last_frobenius_norm():
    X, y, weights, biases = network(11, [6, 5, 5, 5, 1])
    grads = mlp_gradients(X, y, weights, biases)
    expected = np.linalg.norm(grads[0][0]) / np.linalg.norm(grads[-1][0])
    assert gradient_ratio(grads) == pytest.approx(expected, rel=1e-12)
    assert isinstance(gradient_ratio(grads), float)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: layer_forward(np.ones((2, 3)), np.ones((4, 1)), np.ones(1)), "3 col"),
        (lambda: layer_forward(np.ones((2, 3)), np.ones((3, 2)), np.ones(3)), "b must"),
        (lambda: layer_forward(np.ones(3), np.ones((3, 2)), np.ones(2)), "2-D"),
        (
            lambda: layer_backward(
                np.ones((2, 3)), np.ones((2, 3)), np.ones((3, 2)), np.ones(2)
            ),
            "dA must have shape \\(2, 2\\)",
        ),
        (
            lambda: mlp_gradients(
                np.ones((2, 3)), np.ones(2), [np.ones((3, 2))], [np.ones(2)]
            ),
            "one column",
        ),
        (
            lambda: mlp_gradients(
                np.ones((2, 3)), np.ones(3), [np.ones((3, 1))], [np.ones(1)]
            ),
            "y must have shape \\(2,\\)",
        ),
        (lambda: mlp_gradients(np.ones((2, 3)), np.ones(2), [], []), "non-empty"),
        (lambda: numerical_gradient(sum, np.ones(2), eps=0.0), "eps must"),
        (lambda: numerical_gradient(3.0, np.ones(2)), "f must be callable"),
        (lambda: gradient_ratio([]), "at least one"),
    ],
)
def test_bad_input_gets_a_message_that_names_it(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
