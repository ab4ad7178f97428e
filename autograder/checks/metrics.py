"""Checks of exercise 5 (thresholds and metrics).

The learner's metric functions take plain arguments (1-D arrays of labels
and scores, Python numbers) and return plain Python numbers or tuples of
them, so a grader may call them in another process. While they run,
sklearn.metrics is unavailable: the exercise asks for NumPy alone.
"""

import signal
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from autograder.checks.machinery import (
    HINTS,
    CheckFailure,
    _message,
    _private,
    _reference,
    _same_input,
    _show,
)
from autograder.confinement.withheld import module_folder

HINTS.update(
    {
        ("confusion_counts", "values"): (
            "With t = (y_true == 1) and p = (y_pred == 1): tp counts t & p, "
            "fp counts ~t & p, fn counts t & ~p, tn the rest. Return "
            "(tn, fp, fn, tp) in that order, as ints (int(np.sum(...)))."
        ),
        ("confusion_counts", "errors"): (
            "Check the input before counting: raise ValueError (with a "
            "message saying what is wrong) when the lengths differ or when a "
            "label is neither 0 nor 1, e.g. np.any((y != 0) & (y != 1))."
        ),
        ("precision_recall_fbeta", "values"): (
            "precision = tp / (tp + fp) (of the predicted positives, how many "
            "are right), recall = tp / (tp + fn) (of the real positives, how "
            "many are found), F-beta = (1 + b^2) tp / ((1 + b^2) tp + b^2 fn "
            "+ fp)."
        ),
        ("precision_recall_fbeta", "zero_division"): (
            "A ratio whose denominator is 0 (nothing predicted positive, "
            "nothing positive at all) is zero_division, returned quietly: "
            "test the denominator before dividing, without exceptions or "
            "NumPy warnings."
        ),
        ("roc_auc", "values"): (
            "AUC = P(score of a random positive > score of a random "
            "negative). Rank all scores; the ranks of the positives sum to "
            "U + n_pos (n_pos + 1) / 2, and AUC = U / (n_pos n_neg)."
        ),
        ("roc_auc", "ties"): (
            "A positive and a negative with the same score count 1/2, not 0 "
            "or 1. With ranks, give tied scores the average of the ranks they "
            "span (np.unique with return_inverse and return_counts helps)."
        ),
        ("roc_auc", "one_class"): (
            "With no positives or no negatives no pair exists and the AUC is "
            "undefined: return float('nan'), without dividing by zero."
        ),
        ("roc_auc", "speed"): (
            "Comparing every positive with every negative takes n_pos * n_neg "
            "steps: 10^11 for a million scores. Sort once (O(n log n)) and "
            "use ranks or cumulative counts instead."
        ),
        ("average_precision", "values"): (
            "Sort by score, highest first. At each distinct score k, precision "
            "P_k and recall R_k count everything at or above it; AP = sum of "
            "(R_k - R_{k-1}) * P_k, with R_0 = 0: a step per threshold, not "
            "the trapezoid between points."
        ),
        ("average_precision", "ties"): (
            "Tied scores are one threshold: samples with equal scores enter "
            "together, so take precision and recall only at the last of each "
            "run of equal scores."
        ),
        ("average_precision", "one_class"): (
            "With no positive sample there is no recall to step through and "
            "AP is undefined: return float('nan') before dividing by the "
            "number of positives (0)."
        ),
        ("best_threshold", "values"): (
            "Try each distinct score t as the threshold, predicting positive "
            "where scores >= t; cost = cost_fp * FP + cost_fn * FN. Return the "
            "cheapest t, and the largest one among equally cheap ones."
        ),
        ("best_threshold", "costs"): (
            "Weigh the two mistakes: cost = cost_fp * FP + cost_fn * FN. A "
            "costly false negative moves the best threshold down."
        ),
        ("expected_calibration_error", "values"): (
            "Bin b holds p with min(floor(p * n_bins), n_bins - 1) == b. ECE = "
            "sum over non-empty bins of (n_b / n) * |mean(y in b) - mean(p in "
            "b)|."
        ),
        ("expected_calibration_error", "bins"): (
            "Use n_bins equal-width bins on [0, 1]; p = 1.0 belongs to the "
            "last bin, and empty bins add nothing (no mean of an empty bin)."
        ),
    }
)


# Positional arguments of each metric; the rest are passed by keyword.
METRIC_ARGS = {
    "confusion_counts": ("y_true", "y_pred"),
    "precision_recall_fbeta": ("y_true", "y_pred"),
    "roc_auc": ("y_true", "scores"),
    "average_precision": ("y_true", "scores"),
    "best_threshold": ("y_true", "scores"),
    "expected_calibration_error": ("y_true", "probs"),
}


class _SklearnMetricsCalled(BaseException):
    """Raised inside learner code that reaches sklearn.metrics.

    A BaseException, so that a learner's ``except Exception`` cannot hide
    it.
    """


class _OverBudget(BaseException):
    """Raised inside learner code that runs past its time budget."""


def check_metric(func, name, cases, *, aspect="values", exact=False, hint=None):
    """Check a learner's metric against the reference on given inputs.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    cases : list of dict
        Arguments by name. ``y_true`` and the scores (or predictions) are
        passed by position, anything else (``beta``, ``cost_fn``...) by
        keyword.
    aspect : str, default 'values'
        Which of the function's hints in :data:`HINTS` to give. For
        ``'zero_division'`` and ``'one_class'`` the call must also be free
        of warnings.
    exact : bool, default False
        Compare exactly (thresholds are scores, counts are integers);
        otherwise to a relative tolerance of 1e-9, nan matching nan.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case whose result is wrong, of the wrong type, or that
        raised, warned where it must not, or called sklearn.metrics.

    Examples
    --------
    >>> from autograder.checks import check_metric
    >>> def auc(y, s):
    ...     pos = [b for a, b in zip(y, s) if a == 1]
    ...     neg = [b for a, b in zip(y, s) if a == 0]
    ...     return sum(p > n for p in pos for n in neg) / (len(pos) * len(neg))
    >>> check_metric(auc, "roc_auc", [{"y_true": [0, 1], "scores": [0.2, 0.7]}])
    >>> check_metric(
    ...     auc, "roc_auc", [{"y_true": [0, 1], "scores": [0.5, 0.5]}], aspect="ties"
    ... )
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: roc_auc returned the wrong value.
      y_true:   [0, 1]
      scores:   [0.5, 0.5]
      expected: 0.5
      got:      0.0
    Hint: A positive and a negative with the same score count 1/2, ...
    """
    hint = hint or HINTS[(name, aspect)]
    expected_func = _reference(name)
    quiet = aspect in ("zero_division", "one_class")
    for case in cases:
        # Expected from a copy taken before the learner's call: a function
        # that overwrites its arguments cannot change what it is compared with.
        private = _private(case)
        expected = _call_metric(expected_func, name, _private(case), hint)
        got = _call_metric(func, name, case, hint, forbid_warnings=quiet)
        _require_untouched(name, case, private, hint)
        _compare_metric(name, private, expected, got, hint, exact=exact)


def check_metric_raises(func, name, cases, *, exception=ValueError, hint=None):
    """Check that the learner's function rejects bad input with ``exception``.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the function, for messages and the default hint.
    cases : list of dict
        Bad arguments, as for :func:`check_metric`.
    exception : type, default ValueError
        The exception each case must raise, with a non-empty message.
    hint : str, optional
        Replaces the default hint, ``HINTS[(name, 'errors')]``.

    Raises
    ------
    CheckFailure
        At the first case that returns, or raises something else.

    Examples
    --------
    >>> from autograder.checks import check_metric_raises
    >>> def counts(y_true, y_pred):
    ...     return 0, 0, 0, 0
    >>> check_metric_raises(
    ...     counts, "confusion_counts", [{"y_true": [0, 2], "y_pred": [0, 1]}]
    ... )
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: confusion_counts returned instead of raising ...
      y_true:   [0, 2]
      y_pred:   [0, 1]
      expected: ValueError with a message
      got:      (0, 0, 0, 0)
    Hint: Check the input before counting: ...
    """
    hint = hint or HINTS[(name, "errors")]
    expected = f"{exception.__name__} with a message"
    for case in cases:
        args, kwargs = _arguments(name, case)
        try:
            with _without_sklearn_metrics():
                got = func(*args, **kwargs)
        except NotImplementedError:
            raise CheckFailure(_not_implemented_message(name)) from None
        except _SklearnMetricsCalled as exc:
            raise CheckFailure(_sklearn_message(name, case, exc)) from None
        except exception as exc:
            if str(exc).strip():
                continue
            got = f"{type(exc).__name__} without a message"
        except Exception as exc:
            got = f"{type(exc).__name__}: {exc}"
        else:
            headline = f"{name} returned instead of raising {exception.__name__}."
            raise CheckFailure(
                _message(
                    headline,
                    [*_case_rows(case), ("expected", expected), ("got", got)],
                    hint,
                )  # fmt: skip
            )
        raise CheckFailure(
            _message(
                f"{name} did not raise {exception.__name__} with a message.",
                [*_case_rows(case), ("expected", expected), ("got", got)],
                hint,
            )
        )


def check_metric_speed(func, name, case, *, budget_s, hint=None):
    """Check the value on a large input, stopping the call after ``budget_s``.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    case : dict
        Arguments, as for :func:`check_metric`.
    budget_s : float
        Seconds the call may take. In the main thread a timer interrupts a
        call that runs longer; elsewhere the time is measured afterwards.
    hint : str, optional
        Replaces the default hint, ``HINTS[(name, 'speed')]``.

    Raises
    ------
    CheckFailure
        If the call runs past the budget, or its result is wrong.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_metric_speed
    >>> from autograder.reference import roc_auc
    >>> y = np.arange(10_000) % 2
    >>> check_metric_speed(roc_auc, "roc_auc", {"y_true": y, "scores": y}, budget_s=5)
    """
    hint = hint or HINTS[(name, "speed")]
    private = _private(case)
    expected = _call_metric(_reference(name), name, _private(case), hint)
    start = time.perf_counter()
    try:
        with _time_limit(budget_s):
            got = _call_metric(func, name, case, hint)
    except _OverBudget:
        got = None
    elapsed = time.perf_counter() - start
    if got is None or elapsed > budget_s:
        size = len(next(iter(case.values())))
        raise CheckFailure(
            _message(
                f"{name} took longer than {budget_s:g} s on {size:,} samples "
                "and was stopped.",
                [*_case_rows(case), ("expected", expected), ("got", "no answer")],
                hint,
            )
        )
    _require_untouched(name, case, private, hint)
    _compare_metric(name, private, expected, got, hint)


def _require_untouched(name, case, before, hint):
    """Fail if the learner's call changed one of the arguments of ``case``."""
    for key, value in case.items():
        if not _same_input(before[key], value):
            raise CheckFailure(
                _message(
                    f"{name} changed its argument {key}.",
                    [
                        (f"{key} before", _show_argument(before[key])),
                        (f"{key} after", _show_argument(value)),
                    ],
                    "A metric reads its arguments and never changes them: "
                    "work on a copy (np.array(y_true)) or on new arrays.",
                )  # fmt: skip
            )


def _arguments(name, case):
    positional = METRIC_ARGS[name]
    missing = [arg for arg in positional if arg not in case]
    if missing:
        raise ValueError(f"case must give {missing} for {name}, got {list(case)}.")
    kwargs = {k: v for k, v in case.items() if k not in positional}
    return [case[arg] for arg in positional], kwargs


def _call_metric(func, name, case, hint, forbid_warnings=False):
    """Call ``func`` on ``case`` with sklearn.metrics out of reach."""
    args, kwargs = _arguments(name, case)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            try:
                with _without_sklearn_metrics():
                    got = func(*args, **kwargs)
            except NotImplementedError:
                raise CheckFailure(_not_implemented_message(name)) from None
            except _SklearnMetricsCalled as exc:
                raise CheckFailure(_sklearn_message(name, case, exc)) from None
            except Exception as exc:
                raise CheckFailure(
                    _message(
                        f"{name} raised {type(exc).__name__}: {exc}",
                        _case_rows(case),
                        hint,
                    )
                ) from None
    if got is None:
        raise CheckFailure(
            _message(
                f"{name} returned None.",
                _case_rows(case),
                "Did you forget the `return` statement?",
            )
        )
    if forbid_warnings and caught:
        first = caught[0]
        raise CheckFailure(
            _message(
                f"{name} emitted a warning.",
                [
                    *_case_rows(case),
                    ("expected", "no warning"),
                    ("got", f"{first.category.__name__}: {first.message}"),
                ],
                hint,
            )
        )
    return got


def _compare_metric(name, case, expected, got, hint, exact=False):
    rows = [*_case_rows(case), ("expected", expected), ("got", got)]
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise CheckFailure(
                _message(
                    f"{name} returned {type(got).__name__}, not a tuple of "
                    f"{len(expected)} numbers.",
                    rows,
                    hint,
                )
            )
        kind = (int, np.integer) if isinstance(expected[0], int) else _REALS
        if not all(isinstance(v, kind) and not isinstance(v, bool) for v in got):
            what = "ints" if kind != _REALS else "numbers"
            raise CheckFailure(
                _message(f"{name} should return a tuple of {what}.", rows, hint)
            )
    elif not isinstance(got, _REALS) or isinstance(got, bool):
        raise CheckFailure(
            _message(f"{name} returned {type(got).__name__}, not a number.", rows, hint)
        )
    want = np.asarray(expected, dtype=np.float64)
    have = np.asarray(got, dtype=np.float64)
    if exact:
        same = np.array_equal(want, have, equal_nan=True)
    else:
        same = np.allclose(have, want, rtol=1e-9, atol=1e-12, equal_nan=True)
    if not same:
        raise CheckFailure(_message(f"{name} returned the wrong value.", rows, hint))


_REALS = (int, float, np.integer, np.floating)


def _case_rows(case):
    return [(key, _show_argument(value)) for key, value in case.items()]


def _show_argument(value):
    arr = np.asarray(value)
    if isinstance(value, (list, tuple)) and arr.size <= 12:
        return repr(value)  # as the learner's function received it
    if arr.ndim == 0 or arr.size <= 12:
        return _show(arr) if arr.ndim else _show(value)
    text = np.array2string(arr, threshold=8, edgeitems=3, max_line_width=1000)
    if arr.dtype.kind in "biu" or np.all(np.isin(arr, (0, 1))):
        return f"{text} ({arr.size:,} labels, {int(np.sum(arr == 1)):,} ones)"
    return f"{text} ({arr.size:,} values, {np.unique(arr).size:,} distinct)"


def _not_implemented_message(name):
    return (
        f"{name} is not implemented yet: it raised NotImplementedError.\n"
        "Hint: replace `raise NotImplementedError()` with your code."
    )


def _sklearn_message(name, case, exc):
    return _message(
        f"{name} called sklearn.metrics ({exc}), which is unavailable while "
        "the checks run.",
        _case_rows(case),
        "This exercise is about computing the metrics yourself, with NumPy: "
        "remove the sklearn.metrics import and call. Use it afterwards, "
        "outside your function, to compare your results.",
    )


class _without_sklearn_metrics:
    """Make any Python frame of sklearn.metrics raise while this is active.

    A profile function sees every Python call, however the learner reached
    sklearn.metrics (an import inside the function, a name imported at the
    top of the notebook, an attribute of the module), and costs a few
    hundred nanoseconds per call.
    """

    folder = None

    def __enter__(self):
        if _without_sklearn_metrics.folder is None:
            _without_sklearn_metrics.folder = module_folder("sklearn.metrics") or ""
        folder = _without_sklearn_metrics.folder
        self.saved = sys.getprofile()
        if not folder:
            return self

        def refuse(frame, event, arg):
            if event == "call" and frame.f_code.co_filename.startswith(folder):
                sys.setprofile(None)
                where = Path(frame.f_code.co_filename).name
                raise _SklearnMetricsCalled(f"{frame.f_code.co_name} in {where}")

        sys.setprofile(refuse)
        return self

    def __exit__(self, *exc):
        sys.setprofile(self.saved)
        return False


# The checks that forbid learner code a module, and the modules: a grader
# that calls the learner's code elsewhere withholds them there for good
# (autograder.confinement.withheld); in the learner's own session the
# profile hook above stands in.
WITHHELD_MODULES = {
    "check_metric": ("sklearn.metrics",),
    "check_metric_raises": ("sklearn.metrics",),
    "check_metric_speed": ("sklearn.metrics",),
}


class _time_limit:
    """Raise :class:`_OverBudget` in the main thread after ``seconds``."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.armed = threading.current_thread() is threading.main_thread()

    def __enter__(self):
        if self.armed:

            def stop(signum, frame):
                raise _OverBudget()

            self.saved = signal.signal(signal.SIGALRM, stop)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.saved)
        return False


# Every function's first test cell: each checks its types and arguments too.
_VALUES_CELLS = (
    "test_confusion_counts_values",
    "test_precision_recall_fbeta_values",
    "test_roc_auc_values",
    "test_average_precision_values",
    "test_best_threshold_values",
    "test_expected_calibration_error_values",
)

# What exercise 5's notebook promises, clause by clause, and the test cells
# that check each clause (see autograder.checks.contract).
METRICS_CONTRACT = (
    (
        "values",
        "confusion_counts returns (tn, fp, fn, tp) as ints, for lists, "
        "arrays, booleans and floats of 0 and 1, and for one sample",
        ("test_confusion_counts_values",),
    ),
    (
        "errors raised",
        "confusion_counts raises ValueError with a message for labels other "
        "than 0 and 1 (2, -1, 0.5) and for lengths that differ (1 against n "
        "included)",
        ("test_confusion_counts_errors",),
    ),
    (
        "values",
        "precision, recall and F-beta from the counts, for beta 1 and others",
        ("test_precision_recall_fbeta_values",),
    ),
    (
        "degenerate data",
        "a ratio whose denominator is 0 is zero_division (0, 1 or nan), "
        "returned quietly, also when only one of precision and recall is "
        "undefined",
        ("test_precision_recall_fbeta_zero_division",),
    ),
    (
        "values",
        "roc_auc is the probability that a positive outscores a negative, "
        "ties counting 1/2",
        ("test_roc_auc_values", "test_roc_auc_ties"),
    ),
    (
        "degenerate data",
        "roc_auc is nan, quietly, when only one class is present (one sample included)",
        ("test_roc_auc_one_class",),
    ),
    (
        "speed",
        "roc_auc takes at most 8 s on a million scores (O(n log n))",
        ("test_roc_auc_speed",),
    ),
    (
        "values",
        "average_precision is scikit-learn's: recall steps times the "
        "precision at their end, tied scores one threshold",
        ("test_average_precision_values", "test_average_precision_ties"),
    ),
    (
        "degenerate data",
        "average_precision is nan, quietly, without a positive sample",
        ("test_average_precision_values",),
    ),
    (
        "values",
        "best_threshold is the cheapest of the scores, predicting positive at "
        "scores >= t, the largest among equally cheap ones, for equal and "
        "unequal costs (the defaults 1 and 1 included)",
        ("test_best_threshold_values", "test_best_threshold_costs"),
    ),
    (
        "values",
        "expected_calibration_error weighs each non-empty bin's gap by its "
        "share of the samples",
        ("test_expected_calibration_error_values",),
    ),
    (
        "boundaries",
        "bin min(floor(p * n_bins), n_bins - 1): p = 1 in the last bin, a p "
        "on an edge in the bin to its right, for several bin counts",
        ("test_expected_calibration_error_bins",),
    ),
    (
        "mutation",
        "no function modifies its arguments",
        _VALUES_CELLS,
    ),
    (
        "types",
        "results are plain numbers (Python or NumPy scalars), never arrays",
        _VALUES_CELLS,
    ),
    (
        "rules",
        "sklearn.metrics is unavailable while the checks run",
        (
            "test_roc_auc_values",
            "test_average_precision_values",
            "test_confusion_counts_values",
        ),
    ),
)
