"""Chapter 4's reference functions against keras.losses, and their errors."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.checks import (
    CheckFailure,
    check_build_model,
    check_fix_labels,
    check_fix_labels_rejects,
    check_loss,
    check_predict_labels,
)
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


# The exercise-4 checks, on the reference and on typical mistakes. Models are
# only built here, never trained (training is covered by test_grading_04).


def naive_bce(y, p):
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def naive_bce_from_logits(y, z):
    return naive_bce(y, 1 / (1 + np.exp(-z)))


def test_the_reference_losses_pass_their_checks():
    cases = [([1, 0, 1], [0.9, 0.2, 0.6]), ([1, 0], [0.0, 1.0])]
    check_loss(binary_cross_entropy, "binary_cross_entropy", cases)
    scores = [([1, 0], [1000.0, -1000.0]), ([0.5, 1], [3.0, -40.0])]
    check_loss(
        binary_cross_entropy_from_logits, "binary_cross_entropy_from_logits", scores
    )


def test_loss_checks_name_the_case_and_hint_at_the_fix():
    check_loss(naive_bce, "binary_cross_entropy", [([1, 0], [0.9, 0.2])])
    with pytest.raises(CheckFailure, match="emitted a warning") as failure:
        check_loss(
            naive_bce, "binary_cross_entropy", [([1, 0], [0.0, 1.0])], aspect="extremes"
        )
    assert "divide by zero" in str(failure.value) and "np.clip" in str(failure.value)
    with pytest.raises(CheckFailure, match="overflow encountered in exp"):
        check_loss(
            naive_bce_from_logits,
            "binary_cross_entropy_from_logits",
            [([1], [-1000.0])],
            aspect="extremes",
        )


def test_a_sum_instead_of_a_mean_is_a_wrong_value_next_to_keras():
    def summed(y, p):
        return float(np.sum(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    with pytest.raises(CheckFailure, match="wrong value") as failure:
        check_loss(summed, "binary_cross_entropy", [([1, 0], [0.9, 0.2])])
    assert "Keras:" in str(failure.value)


def test_per_example_losses_are_the_wrong_shape():
    def per_example(y, p):
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))

    with pytest.raises(CheckFailure, match="wrong shape"):
        check_loss(per_example, "binary_cross_entropy", [([1, 0], [0.9, 0.2])])


def builder(last_layer, loss="binary_crossentropy", compiled=True, n_input=None):
    def build_model(n_features):
        model = keras.Sequential(
            [
                keras.Input(shape=(n_input or n_features,)),
                keras.layers.Dense(4),
                last_layer,
            ]
        )
        if compiled:
            model.compile(optimizer="adam", loss=loss)
        return model

    return build_model


@pytest.mark.parametrize(
    ("build_model", "message"),
    [
        (
            lambda n: builder(keras.layers.Dense(2, activation="softmax"))(n),
            "the last layer has 2 units",
        ),
        (
            lambda n: builder(
                keras.layers.Dense(1, activation="sigmoid"),
                keras.losses.BinaryCrossentropy(from_logits=True),
            )(n),
            "sigmoid output with from_logits=True",
        ),
        (
            lambda n: builder(keras.layers.Dense(1))(n),
            "linear output \\(scores\\) with a loss that expects probabilities",
        ),
        (
            lambda n: builder(keras.layers.Dense(1, activation="softmax"))(n),
            "softmax over one unit",
        ),
        (
            lambda n: builder(keras.layers.Dense(1, activation="sigmoid"), "mse")(n),
            "the loss is mean_squared_error",
        ),
        (
            lambda n: builder(keras.layers.Dense(1, activation="sigmoid"), n_input=5)(
                n
            ),
            "input shape is \\(None, 5\\)",
        ),
        (
            lambda n: builder(
                keras.layers.Dense(1, activation="sigmoid"), compiled=False
            )(n),
            "not compiled",
        ),
        (lambda n: "a model", "returned str, not a Keras model"),
    ],
)
def test_the_structure_check_names_each_mistake(build_model, message):
    with pytest.raises(CheckFailure, match=message):
        check_build_model(build_model, 3)


@pytest.mark.parametrize(
    "build_model",
    [
        builder(keras.layers.Dense(1, activation="sigmoid")),
        builder(
            keras.layers.Dense(1), keras.losses.BinaryCrossentropy(from_logits=True)
        ),
        builder(
            keras.layers.Dense(1, activation="sigmoid"),
            keras.losses.BinaryCrossentropy(),
        ),
    ],
)
def test_the_structure_check_accepts_both_correct_set_ups(build_model):
    check_build_model(build_model, 3)


def test_predict_labels_check():
    def right(model, X, threshold=0.5):
        return (model.predict(X, verbose=0)[:, 0] >= threshold).astype(int)

    def squeezed(model, X, threshold=0.5):
        return (model.predict(X, verbose=0).squeeze() >= threshold).astype(int)

    def strict(model, X, threshold=0.5):
        return (model.predict(X, verbose=0)[:, 0] > threshold).astype(int)

    check_predict_labels(right)
    with pytest.raises(CheckFailure, match="wrong shape"):
        check_predict_labels(squeezed)
    with pytest.raises(CheckFailure, match="wrong labels"):
        check_predict_labels(strict)


def test_fix_labels_checks():
    formats = [[[1, 0], [0, 1]], [[1], [0]], [True, False], ["yes", "no"]]
    check_fix_labels(fix_labels, formats)
    check_fix_labels_rejects(fix_labels, [[0, 1, 2], [[1, 1]], ["maybe"]])
    with pytest.raises(CheckFailure, match="wrong shape"):
        check_fix_labels(lambda y: np.squeeze(y).astype(np.float32), formats)
    with pytest.raises(CheckFailure, match="did not raise ValueError"):
        check_fix_labels_rejects(lambda y: np.asarray(y, float), [[0, 1, 2]])
    with pytest.raises(CheckFailure, match="not implemented yet"):
        check_fix_labels_rejects(_not_implemented, [[0, 1, 2]])


def _not_implemented(y):
    raise NotImplementedError()
