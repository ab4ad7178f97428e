"""Chapter 4's reference functions against keras.losses, and their errors."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.reference import (
    binary_cross_entropy,
    binary_cross_entropy_from_logits,
    fix_labels,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

# Each example calls Keras eagerly (milliseconds); fewer than the profile's.
FEW = settings(max_examples=60)


def keras_loss(y, values, from_logits):
    loss = keras.losses.BinaryCrossentropy(from_logits=from_logits)
    return float(loss(y.reshape(-1, 1), values.reshape(-1, 1)))


def batches(elements):
    return st.integers(1, 16).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.float32, n, elements=st.sampled_from([0.0, 1.0])),
            hnp.arrays(np.float32, n, elements=elements),
        )
    )


@FEW
@given(batches(st.floats(0, 1, width=32)))
def test_probability_form_matches_keras_clipping_included(batch):
    y, p = batch
    ours = binary_cross_entropy(y, p)
    # Keras takes float32 logarithms: its error is a few float32 ULP of
    # each term, plus absolute rounding where a term is tiny.
    assert ours == pytest.approx(keras_loss(y, p, False), rel=2e-6, abs=2e-7)


@FEW
@given(batches(st.floats(-1e4, 1e4, width=32)))
def test_logit_form_matches_keras(batch):
    y, z = batch
    ours = binary_cross_entropy_from_logits(y, z)
    assert ours == pytest.approx(keras_loss(y, z, True), rel=2e-6, abs=2e-7)


@given(batches(st.floats(-15, 15, width=32)))
def test_the_two_forms_agree_where_nothing_is_clipped(batch):
    # Beyond |z| = 15 the probability form loses digits to 1 - p: the
    # chapter's point, not a flaw of either function.
    y, z = batch
    p = 1 / (1 + np.exp(-z.astype(np.float64)))
    assert binary_cross_entropy(y, p, epsilon=1e-300) == pytest.approx(
        binary_cross_entropy_from_logits(y, z), rel=1e-8, abs=1e-12
    )


def test_clipping_caps_one_wrong_example_as_keras_does():
    for y, p in [(1.0, 0.0), (0.0, 1.0)]:
        y32, p32 = np.float32([y]), np.float32([p])
        ours = binary_cross_entropy(y32, p32)
        assert ours == pytest.approx(keras_loss(y32, p32, False), rel=1e-6)
    assert binary_cross_entropy([1.0], [0.0]) == pytest.approx(-np.log(1e-7))


def test_logit_form_is_exact_far_out():
    assert binary_cross_entropy_from_logits([1.0, 0.0], [-1000.0, 1000.0]) == 1000.0
    assert binary_cross_entropy_from_logits([1.0], [1000.0]) == 0.0


@pytest.mark.parametrize(
    ("y", "values", "message"),
    [
        ([1, 0], [[0.5], [0.5]], "same shape, got \\(2,\\) and \\(2, 1\\)"),
        ([], [], "at least one label"),
        ([2.0], [0.5], "y_true must hold labels in \\[0, 1\\], got 2.0"),
        ([1.0], [1.5], "p must hold probabilities in \\[0, 1\\], got 1.5"),
        ([1.0], [np.nan], "got nan"),
    ],
)
def test_probability_form_explains_bad_input(y, values, message):
    with pytest.raises(ValueError, match=message):
        binary_cross_entropy(y, values)


def test_bad_epsilon_and_scores_are_explained():
    with pytest.raises(ValueError, match="epsilon must be in \\(0, 0.5\\), got 0"):
        binary_cross_entropy([1.0], [0.5], epsilon=0)
    with pytest.raises(ValueError, match="z must hold finite scores, got inf"):
        binary_cross_entropy_from_logits([1.0], [np.inf])
    with pytest.raises(TypeError, match="p must be a real number"):
        binary_cross_entropy([1.0], ["0.5"])


@pytest.mark.parametrize(
    "labels",
    [
        [0, 1, 1, 0],
        [[0], [1], [1], [0]],
        [[1, 0], [0, 1], [0, 1], [1, 0]],
        [False, True, True, False],
        ["no", "yes", "YES", " No"],
        np.array([0.0, 1.0, 1.0, 0.0], dtype=np.float32),
    ],
)
def test_fix_labels_accepts_every_format_of_the_pitfalls(labels):
    got = fix_labels(labels)
    assert got.dtype == np.float32 and got.shape == (4,)
    np.testing.assert_array_equal(got, [0, 1, 1, 0])


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([0, 1, 2], "only 0 and 1, got 2"),
        ([[1, 1], [0, 1]], "row 0 is \\[1, 1\\]"),
        ([[0, 1, 0]], "shape \\(n,\\), \\(n, 1\\) or \\(n, 2\\)"),
        (["yes", "maybe"], "'maybe'"),
        ([], "at least one label"),
        ([0.5, 1.0], "only 0 and 1, got 0.5"),
    ],
)
def test_fix_labels_rejects_what_it_cannot_mean(labels, message):
    with pytest.raises(ValueError, match=message):
        fix_labels(labels)


def test_fix_labels_leaves_its_input_alone():
    y = np.array([[1, 0], [0, 1]])
    before = y.copy()
    fix_labels(y)
    np.testing.assert_array_equal(y, before)
