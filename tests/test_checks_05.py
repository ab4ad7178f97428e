"""The exercise-5 checks: what they accept, and what they tell the learner."""

import signal
import sys
import time

import numpy as np
import pytest

from autograder import reference
from autograder.checks import (
    CheckFailure,
    check_metric,
    check_metric_raises,
    check_metric_speed,
)
from autograder.checks.machinery import HINTS

CASES = {
    "confusion_counts": [{"y_true": [0, 1, 1, 0], "y_pred": [1, 1, 0, 0]}],
    "precision_recall_fbeta": [
        {"y_true": [0, 1, 1, 0], "y_pred": [1, 1, 0, 0], "beta": 2.0}
    ],
    "roc_auc": [{"y_true": [0, 1, 1, 0], "scores": [0.1, 0.4, 0.4, 0.3]}],
    "average_precision": [{"y_true": [0, 1, 1, 0], "scores": [0.1, 0.4, 0.4, 0.3]}],
    "best_threshold": [
        {"y_true": [0, 1, 1, 0], "scores": [0.1, 0.4, 0.4, 0.3], "cost_fn": 3.0}
    ],
    "expected_calibration_error": [
        {"y_true": [0, 1, 1, 0], "probs": [0.1, 0.4, 0.4, 0.3], "n_bins": 4}
    ],
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_reference_passes_its_own_check(name):
    check_metric(getattr(reference, name), name, CASES[name], exact=True)


def test_every_aspect_in_the_notebook_has_a_hint():
    aspects = {
        "confusion_counts": ["values", "errors"],
        "precision_recall_fbeta": ["values", "zero_division"],
        "roc_auc": ["values", "ties", "one_class", "speed"],
        "average_precision": ["values", "ties"],
        "best_threshold": ["values", "costs"],
        "expected_calibration_error": ["values", "bins"],
    }
    for name, names in aspects.items():
        for aspect in names:
            assert HINTS[(name, aspect)]


def auc_from_sklearn_imported_inside(y_true, scores):
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(y_true, scores)


def auc_through_the_module(y_true, scores):
    import sklearn.metrics

    return sklearn.metrics.roc_auc_score(y_true, scores)


def auc_catching_everything(y_true, scores):
    from sklearn.metrics import roc_auc_score

    try:
        return roc_auc_score(y_true, scores)
    except Exception:
        return 0.5


@pytest.mark.parametrize(
    "func",
    [auc_from_sklearn_imported_inside, auc_through_the_module, auc_catching_everything],
)
def test_a_function_calling_sklearn_metrics_fails_and_is_told_why(func):
    with pytest.raises(CheckFailure, match="unavailable while the checks run"):
        check_metric(func, "roc_auc", CASES["roc_auc"])
    assert sys.getprofile() is None
    # Outside the check, scikit-learn works as usual.
    assert func([0, 1], [0.2, 0.8]) == 1.0


def test_a_slow_function_is_stopped_at_its_budget():
    def slow_auc(y_true, scores):
        while True:
            time.sleep(0.01)

    handler = signal.getsignal(signal.SIGALRM)
    start = time.perf_counter()
    with pytest.raises(CheckFailure, match="took longer than 0.5 s on 4 samples"):
        check_metric_speed(slow_auc, "roc_auc", CASES["roc_auc"][0], budget_s=0.5)
    assert time.perf_counter() - start < 5
    assert signal.getsignal(signal.SIGALRM) is handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_fast_right_answer_passes_the_speed_check():
    rng = np.random.default_rng(0)
    y = (rng.random(50_000) < 0.1).astype(int)
    case = {"y_true": y, "scores": rng.normal(size=y.size) + y}
    check_metric_speed(reference.roc_auc, "roc_auc", case, budget_s=30)
    with pytest.raises(CheckFailure, match="wrong value"):
        check_metric_speed(lambda y, s: 0.5, "roc_auc", case, budget_s=30)


def test_zero_division_must_be_quiet():
    def noisy(y_true, y_pred, beta=1.0, zero_division=0.0):
        tp = np.sum(np.asarray(y_true) & np.asarray(y_pred))
        predicted = np.sum(y_pred)
        precision = tp / predicted  # 0 / 0: nan and a RuntimeWarning
        return float(np.nan_to_num(precision)), 0.0, 0.0

    case = [{"y_true": [0, 0], "y_pred": [0, 0]}]
    with pytest.raises(CheckFailure, match="emitted a warning"):
        check_metric(noisy, "precision_recall_fbeta", case, aspect="zero_division")


def test_wrong_types_are_named():
    case = CASES["confusion_counts"]
    with pytest.raises(CheckFailure, match="tuple of ints"):
        check_metric(lambda y, p: (1.0, 1.0, 1.0, 1.0), "confusion_counts", case)
    with pytest.raises(CheckFailure, match="not a tuple of 4"):
        check_metric(lambda y, p: [1, 1], "confusion_counts", case)
    with pytest.raises(CheckFailure, match="ndarray, not a number"):
        check_metric(lambda y, s: np.array([0.5]), "roc_auc", CASES["roc_auc"])
    with pytest.raises(CheckFailure, match="returned None"):
        check_metric(lambda y, s: None, "roc_auc", CASES["roc_auc"])


def test_not_implemented_is_reported_as_such():
    def todo(y_true, y_pred):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check_metric(todo, "confusion_counts", CASES["confusion_counts"])
    with pytest.raises(CheckFailure, match="not implemented yet"):
        check_metric_raises(todo, "confusion_counts", CASES["confusion_counts"])


def test_bad_input_must_raise_value_error_with_a_message():
    bad = [{"y_true": [0, 2], "y_pred": [0, 1]}]
    check_metric_raises(reference.confusion_counts, "confusion_counts", bad)

    def silent(y_true, y_pred):
        raise ValueError()

    with pytest.raises(CheckFailure, match="ValueError without a message"):
        check_metric_raises(silent, "confusion_counts", bad)

    def other(y_true, y_pred):
        raise TypeError("nope")

    with pytest.raises(CheckFailure, match="got:      TypeError: nope"):
        check_metric_raises(other, "confusion_counts", bad)


def test_large_inputs_are_summarised_in_the_message():
    y = np.arange(1000) % 2
    case = [{"y_true": y, "scores": np.arange(1000.0)}]
    with pytest.raises(CheckFailure) as info:
        check_metric(lambda y, s: 0.1, "roc_auc", case)
    message = str(info.value)
    assert "(1,000 labels, 500 ones)" in message
    assert "(1,000 values, 1,000 distinct)" in message
