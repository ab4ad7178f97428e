"""The chapter-5 reference metrics against scikit-learn, on random inputs.

Inputs are small, with many ties (scores drawn from a few values) and often
a single class, where the zero-division and undefined cases live.
"""

import math
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

from autograder.reference import (
    average_precision,
    best_threshold,
    confusion_counts,
    expected_calibration_error,
    precision_recall_fbeta,
    roc_auc,
)

sizes = st.integers(min_value=1, max_value=40)


@st.composite
def labelled(draw, ties=True):
    """Labels and scores of one length; scores tie often when ``ties``."""
    n = draw(sizes)
    p_pos = draw(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < p_pos).astype(np.int64)
    if ties and draw(st.booleans()):
        scores = rng.integers(0, 4, n) / 4.0
    else:
        scores = rng.random(n)
    return y, scores


def quiet(func, *args, **kwargs):
    """Call scikit-learn, silencing its warnings about undefined values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@given(labelled())
def test_confusion_counts_match_sklearn(case):
    y, scores = case
    pred = (scores >= 0.5).astype(int)
    expected = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    got = confusion_counts(y, pred)
    assert got == tuple(int(v) for v in expected)
    assert all(type(v) is int for v in got)


@given(
    labelled(),
    st.sampled_from([0.0, 1.0, math.nan]),
    st.sampled_from([1.0, 0.5, 2.0, 0.0]),
)
def test_precision_recall_fbeta_match_sklearn(case, zero_division, beta):
    y, scores = case
    pred = (scores >= 0.75).astype(int)
    p, r, f, _ = quiet(
        skm.precision_recall_fscore_support,
        y, pred, beta=beta, average="binary", zero_division=zero_division,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ours never warns
        got = precision_recall_fbeta(y, pred, beta=beta, zero_division=zero_division)
    np.testing.assert_allclose(got, [p, r, f], rtol=1e-12, equal_nan=True)
    assert all(type(v) is float for v in got)


@given(labelled())
def test_roc_auc_matches_sklearn_or_is_nan_for_one_class(case):
    y, scores = case
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = roc_auc(y, scores)
    if 0 < y.sum() < y.size:
        assert got == pytest.approx(skm.roc_auc_score(y, scores), rel=1e-12)
    else:
        assert math.isnan(got)


@given(labelled())
def test_roc_auc_is_the_pairwise_probability_with_ties_half(case):
    y, scores = case
    pos, neg = scores[y == 1], scores[y == 0]
    if pos.size and neg.size:
        wins = (pos[:, None] > neg[None, :]).sum()
        ties = (pos[:, None] == neg[None, :]).sum()
        expected = (wins + ties / 2) / (pos.size * neg.size)
        assert roc_auc(y, scores) == pytest.approx(expected, rel=1e-12)


@given(labelled())
def test_average_precision_matches_sklearn(case):
    y, scores = case
    got = average_precision(y, scores)
    if y.sum() > 0:
        expected = skm.average_precision_score(y, scores)
        assert got == pytest.approx(expected, rel=1e-12)
    else:
        # scikit-learn warns and returns 0 here; without positives the
        # quantity is undefined.
        assert math.isnan(got)


@given(
    labelled(),
    st.sampled_from([0.0, 0.5, 1.0, 3.0]),
    st.sampled_from([0.0, 1.0, 2.0, 10.0]),
)
def test_best_threshold_is_the_largest_of_the_cheapest(case, cost_fp, cost_fn):
    y, scores = case
    candidates = np.unique(scores)
    costs = [
        cost_fp * np.sum((scores >= t) & (y == 0))
        + cost_fn * np.sum((scores < t) & (y == 1))
        for t in candidates
    ]
    cheapest = candidates[np.flatnonzero(costs == np.min(costs))]
    got = best_threshold(y, scores, cost_fp=cost_fp, cost_fn=cost_fn)
    assert type(got) is float
    assert got == cheapest.max()


@given(labelled(), st.sampled_from([1, 2, 5, 10, 15]))
def test_expected_calibration_error_matches_a_loop_over_bins(case, n_bins):
    y, probs = case
    total = 0.0
    for b in range(n_bins):
        low, high = b / n_bins, (b + 1) / n_bins
        inside = (probs >= low) & ((probs < high) | (b == n_bins - 1))
        if inside.any():
            gap = abs(y[inside].mean() - probs[inside].mean())
            total += inside.sum() / y.size * gap
    got = expected_calibration_error(y, probs, n_bins=n_bins)
    assert got == pytest.approx(total, rel=1e-9, abs=1e-15)


def test_expected_calibration_error_agrees_with_sklearn_calibration_curve():
    rng = np.random.default_rng(5)
    probs = rng.random(5000)
    y = (rng.random(5000) < probs**2).astype(int)
    observed, predicted = skm_calibration_curve(y, probs)
    counts = np.histogram(probs, bins=np.linspace(0, 1, 11))[0]
    expected = np.sum(counts[counts > 0] / y.size * np.abs(observed - predicted))
    got = expected_calibration_error(y, probs)
    assert got == pytest.approx(expected, rel=1e-9)


def skm_calibration_curve(y, probs):
    from sklearn.calibration import calibration_curve

    return calibration_curve(y, probs, n_bins=10, strategy="uniform")


def test_roc_auc_and_average_precision_leave_inputs_alone():
    y = np.array([0, 1, 1, 0, 1])
    scores = np.array([0.3, 0.3, 0.9, 0.1, 0.5])
    before = y.copy(), scores.copy()
    roc_auc(y, scores)
    average_precision(y, scores)
    best_threshold(y, scores)
    np.testing.assert_array_equal(y, before[0])
    np.testing.assert_array_equal(scores, before[1])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: confusion_counts([0, 2], [0, 1]), "y_true must hold only .* 2"),
        (lambda: confusion_counts([0, 1], [0, 1, 1]), "same length, got 2 and 3"),
        (lambda: confusion_counts([[0, 1]], [[0, 1]]), "y_true must be 1-D"),
        (lambda: confusion_counts(["a"], [0]), "y_true must hold the labels"),
        (lambda: precision_recall_fbeta([1], [1], beta=-1), "beta must be"),
        (lambda: precision_recall_fbeta([1], [1], zero_division=2), "zero_division"),
        (lambda: roc_auc([0, 1], [0.1, np.nan]), "scores must be finite"),
        (lambda: best_threshold([], []), "empty"),
        (lambda: best_threshold([1], [0.5], cost_fn=-1), "cost_fn must be"),
        (lambda: expected_calibration_error([1], [1.5]), "probs must lie in"),
        (lambda: expected_calibration_error([1], [0.5], n_bins=0), "n_bins"),
        (lambda: expected_calibration_error([1], [0.5], n_bins=2.5), "n_bins"),
    ],
)
def test_bad_input_gets_a_message_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_roc_auc_is_n_log_n_on_a_million_scores():
    # Not a timing test (those live in benchmarks/): a pairwise method would
    # need 2.5e11 comparisons here and never finish within the suite.
    rng = np.random.default_rng(0)
    y = (rng.random(1_000_000) < 0.5).astype(np.int8)
    scores = np.round(rng.normal(size=y.size) + y, 2)  # many ties
    assert roc_auc(y, scores) == pytest.approx(skm.roc_auc_score(y, scores), 1e-12)
