"""Reference implementations of the metrics of chapter 5, in NumPy alone.

Binary labels are 0 and 1 (booleans, integers or floats equal to 0 or 1);
scores are real numbers, larger meaning "more likely positive". Every
function takes 1-D sequences of equal length, leaves them untouched, and
returns plain Python numbers (ints for counts, floats otherwise).

The definitions follow :mod:`sklearn.metrics`, and ``tests/test_metrics.py``
checks them against it on random inputs with ties and with a single class.
Where scikit-learn warns and returns a number for a quantity that is not
defined (the average precision without any positive), these return
``nan`` quietly.
"""

import numpy as np

__all__ = [
    "confusion_counts",
    "precision_recall_fbeta",
    "roc_auc",
    "average_precision",
    "best_threshold",
    "expected_calibration_error",
]


def confusion_counts(y_true, y_pred):
    """Counts of the binary confusion matrix.

    Parameters
    ----------
    y_true : array_like of 0 and 1, shape (n,)
        True labels.
    y_pred : array_like of 0 and 1, shape (n,)
        Predicted labels.

    Returns
    -------
    tuple of int
        ``(tn, fp, fn, tp)``: true negatives, false positives, false
        negatives and true positives, in the order of
        ``sklearn.metrics.confusion_matrix(...).ravel()``.

    Raises
    ------
    ValueError
        If a label is not 0 or 1, or the lengths differ.

    Examples
    --------
    >>> from autograder.reference import confusion_counts
    >>> confusion_counts([0, 0, 1, 1, 1], [0, 1, 0, 1, 1])
    (1, 1, 1, 2)
    """
    truth = _labels(y_true, "y_true")
    pred = _labels(y_pred, "y_pred")
    _same_length(truth, pred, "y_true", "y_pred")
    tp = int(np.count_nonzero(truth & pred))
    fp = int(np.count_nonzero(~truth & pred))
    fn = int(np.count_nonzero(truth & ~pred))
    return truth.size - tp - fp - fn, fp, fn, tp


def precision_recall_fbeta(y_true, y_pred, beta=1.0, zero_division=0.0):
    """Precision, recall and F-beta score of binary predictions.

    Parameters
    ----------
    y_true, y_pred : array_like of 0 and 1, shape (n,)
        True and predicted labels.
    beta : float, default 1.0
        Weight of recall: F-beta treats recall as ``beta`` times as
        important as precision. ``beta = 1`` gives F1.
    zero_division : float, default 0.0
        Value returned for a ratio whose denominator is 0: precision when
        nothing is predicted positive, recall when nothing is positive, and
        F-beta when there is no positive, predicted or true. A number in
        [0, 1] or nan.

    Returns
    -------
    tuple of float
        ``(precision, recall, fbeta)``.

    Raises
    ------
    ValueError
        For bad labels or lengths, a negative ``beta``, or a
        ``zero_division`` outside [0, 1].

    Notes
    -----
    F-beta is computed from the counts,
    ``(1 + beta**2) tp / ((1 + beta**2) tp + beta**2 fn + fp)``, as
    scikit-learn does: it is 0, not ``zero_division``, when true positives
    are 0 but some prediction or label is positive.

    Examples
    --------
    >>> from autograder.reference import precision_recall_fbeta
    >>> precision_recall_fbeta([0, 0, 1, 1, 1], [0, 1, 0, 1, 1])
    (0.6666666666666666, 0.6666666666666666, 0.6666666666666666)
    >>> precision_recall_fbeta([1, 0], [0, 0], zero_division=1.0)
    (1.0, 0.0, 0.0)
    """
    beta = _number(beta, "beta", low=0.0)
    zero_division = float(zero_division)
    if not (np.isnan(zero_division) or 0.0 <= zero_division <= 1.0):
        raise ValueError(
            f"zero_division must be a number in [0, 1] or nan, got {zero_division!r}."
        )
    _, fp, fn, tp = confusion_counts(y_true, y_pred)
    b2 = beta * beta

    def ratio(num, den):
        return num / den if den > 0 else zero_division

    return (
        ratio(tp, tp + fp),
        ratio(tp, tp + fn),
        ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp),
    )


def roc_auc(y_true, scores):
    """Area under the ROC curve, in O(n log n).

    Parameters
    ----------
    y_true : array_like of 0 and 1, shape (n,)
        True labels.
    scores : array_like of float, shape (n,)
        Scores or probabilities; only their order matters.

    Returns
    -------
    float
        The probability that a random positive scores higher than a random
        negative, ties counting 1/2. ``nan`` if only one class is present.

    Raises
    ------
    ValueError
        For bad labels, non-finite scores or different lengths.

    Notes
    -----
    This is the Mann-Whitney U statistic divided by ``n_pos * n_neg``. With
    tied scores replaced by their average rank, the ranks of the positives
    sum to ``U + n_pos (n_pos + 1) / 2``. Ranking costs one sort, where
    comparing every positive with every negative costs
    ``n_pos * n_neg`` steps.

    Examples
    --------
    >>> from autograder.reference import roc_auc
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> roc_auc([0, 1], [0.5, 0.5])
    0.5
    >>> roc_auc([1, 1], [0.2, 0.3])
    nan
    """
    truth, values = _labels_and_scores(y_true, scores)
    n_pos = int(np.count_nonzero(truth))
    n_neg = truth.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    average_rank = (ends - counts + 1 + ends) / 2.0  # 1-based, ties averaged
    rank_sum = float(np.sum(average_rank[inverse][truth]))
    u = rank_sum - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def average_precision(y_true, scores):
    """Average precision, as defined by scikit-learn.

    Parameters
    ----------
    y_true : array_like of 0 and 1, shape (n,)
        True labels.
    scores : array_like of float, shape (n,)
        Scores or probabilities.

    Returns
    -------
    float
        ``sum_k (R_k - R_{k-1}) P_k`` over the distinct scores taken as
        thresholds from the highest down (tied scores form one threshold),
        where ``P_k`` and ``R_k`` are precision and recall when every score
        at or above the k-th threshold is predicted positive, and
        ``R_0 = 0``. ``nan`` without positives.

    Raises
    ------
    ValueError
        For bad labels, non-finite scores or different lengths.

    Notes
    -----
    Each step in recall is weighted by the precision reached at its end:
    a step function, never a straight line between points. Linear
    interpolation in precision-recall space (the trapezoid rule) assumes
    precision changes linearly with recall between two thresholds, which
    it does not, and so overstates the area.

    Examples
    --------
    >>> from autograder.reference import average_precision
    >>> average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.8333333333333333
    """
    truth, values = _labels_and_scores(y_true, scores)
    n_pos = int(np.count_nonzero(truth))
    if n_pos == 0:
        return float("nan")
    tps, fps = _counts_at_thresholds(truth, values)[1:]
    precision = tps / (tps + fps)
    recall = tps / n_pos
    steps = np.diff(recall, prepend=0.0)
    return float(np.sum(steps * precision))


def best_threshold(y_true, scores, cost_fp=1.0, cost_fn=1.0):
    """The score threshold with the lowest total cost of mistakes.

    Parameters
    ----------
    y_true : array_like of 0 and 1, shape (n,)
        True labels.
    scores : array_like of float, shape (n,)
        Scores or probabilities; a sample is predicted positive when its
        score is ``>=`` the threshold.
    cost_fp, cost_fn : float, default 1.0
        Cost of one false positive and of one false negative (non-negative).

    Returns
    -------
    float
        The threshold, one of the scores, minimising
        ``cost_fp * FP + cost_fn * FN``; among equally cheap thresholds,
        the largest.

    Raises
    ------
    ValueError
        For bad labels, non-finite scores, different lengths, no samples, or
        a negative or non-finite cost.

    Examples
    --------
    >>> from autograder.reference import best_threshold
    >>> y, s = [0, 0, 1, 0, 1, 1], [0.1, 0.3, 0.4, 0.6, 0.7, 0.9]
    >>> best_threshold(y, s)
    0.7
    >>> best_threshold(y, s, cost_fn=5.0)
    0.4
    """
    truth, values = _labels_and_scores(y_true, scores)
    cost_fp = _number(cost_fp, "cost_fp", low=0.0)
    cost_fn = _number(cost_fn, "cost_fn", low=0.0)
    if truth.size == 0:
        raise ValueError("y_true and scores are empty: there is no threshold.")
    thresholds, tps, fps = _counts_at_thresholds(truth, values)
    n_pos = np.count_nonzero(truth)
    cost = cost_fp * fps + cost_fn * (n_pos - tps)
    # Thresholds run from the largest down: argmin's first minimum is the
    # largest of the cheapest.
    return float(thresholds[np.argmin(cost)])


def expected_calibration_error(y_true, probs, n_bins=10):
    """Expected calibration error with equal-width bins.

    Parameters
    ----------
    y_true : array_like of 0 and 1, shape (n,)
        True labels.
    probs : array_like of float in [0, 1], shape (n,)
        Predicted probabilities of the positive class.
    n_bins : int, default 10
        Number of bins of width ``1 / n_bins`` on [0, 1]. A probability
        ``p`` falls in bin ``min(floor(p * n_bins), n_bins - 1)``, so 1.0
        belongs to the last bin.

    Returns
    -------
    float
        ``sum_b (n_b / n) |mean(y in b) - mean(p in b)|`` over the non-empty
        bins: the gap between predicted and observed frequency, weighted by
        how many samples each bin holds. ``nan`` for no samples.

    Raises
    ------
    ValueError
        For bad labels, different lengths, probabilities outside [0, 1], or
        ``n_bins`` that is not a positive integer.

    Examples
    --------
    >>> from autograder.reference import expected_calibration_error
    >>> expected_calibration_error([0, 1, 1, 0], [0.25, 0.5, 0.75, 1.0])
    0.5
    """
    truth, values = _labels_and_scores(y_true, probs, scores_name="probs")
    if np.any((values < 0) | (values > 1)):
        bad = values[(values < 0) | (values > 1)][0].item()
        raise ValueError(
            f"probs must lie in [0, 1], but one is {bad!r}. Pass probabilities "
            "(apply the sigmoid to scores first)."
        )
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)):
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    if n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    if truth.size == 0:
        return float("nan")
    bins = np.minimum(np.floor(values * n_bins).astype(np.int64), n_bins - 1)
    observed = np.bincount(bins, weights=truth.astype(np.float64), minlength=n_bins)
    predicted = np.bincount(bins, weights=values, minlength=n_bins)
    return float(np.sum(np.abs(observed - predicted)) / truth.size)


def _counts_at_thresholds(truth, values):
    """Distinct scores from the largest down, with TP and FP at each.

    At threshold ``t`` every sample with score ``>= t`` is predicted
    positive; tied scores are counted together.
    """
    order = np.argsort(-values, kind="stable")
    ordered = values[order]
    hits = truth[order].astype(np.int64)
    # Last index of each run of equal scores.
    last = np.flatnonzero(np.diff(ordered, append=np.nan) != 0)
    tps = np.cumsum(hits)[last]
    fps = last + 1 - tps
    return ordered[last], tps, fps


def _labels(y, name):
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one label per sample), got shape {arr.shape}."
        )
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold the labels 0 and 1, got dtype {arr.dtype}. "
            f"Convert it, e.g. np.asarray({name} == 'yes', dtype=int)."
        )
    bad = (arr != 0) & (arr != 1)
    if np.any(bad):
        raise ValueError(
            f"{name} must hold only the labels 0 and 1, but it holds "
            f"{arr[bad][0].item()!r}. Recode the classes as 0 (negative) and "
            "1 (positive)."
        )
    return arr == 1


def _labels_and_scores(y_true, scores, scores_name="scores"):
    truth = _labels(y_true, "y_true")
    values = np.asarray(scores)
    if values.ndim != 1 or values.dtype.kind not in "biuf":
        raise ValueError(
            f"{scores_name} must be a 1-D array of real numbers, got shape "
            f"{values.shape} and dtype {values.dtype}."
        )
    values = values.astype(np.float64)
    if not np.all(np.isfinite(values)):
        bad = values[~np.isfinite(values)][0].item()
        raise ValueError(
            f"{scores_name} must be finite, but it holds {bad!r}. Remove or "
            "replace such samples before scoring."
        )
    _same_length(truth, values, "y_true", scores_name)
    return truth, values


def _same_length(a, b, name_a, name_b):
    if a.size != b.size:
        raise ValueError(
            f"{name_a} and {name_b} must have the same length, got {a.size} "
            f"and {b.size}."
        )


def _number(value, name, low):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}.") from None
    if not (np.isfinite(number) and number >= low):
        raise ValueError(f"{name} must be a finite number >= {low:g}, got {value!r}.")
    return number
