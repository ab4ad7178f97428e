"""Exercise 5 (thresholds and metrics): plausible learner mistakes, and
equivalent mutants.

Format as in ``corpus_01.py``. None of these is one of the fixtures in
``tests/fixtures/05-thresholds-and-metrics/``.
"""

MUTANTS = {
    # confusion_counts
    "counts in the order (tp, fp, fn, tn)": (
        "confusion_counts",
        "return tn, fp, fn, tp",
        "return tp, fp, fn, tn",
    ),
    "counts without checking the labels": (
        "confusion_counts",
        "        if np.any((y != 0) & (y != 1)):\n"
        '            raise ValueError(f"{name} must hold only 0 and 1, got {np.unique(y)}")',  # noqa: E501
        "        pass",
    ),
    "counts checking only y_true's labels": (
        "confusion_counts",
        'for name, y in [("y_true", y_true), ("y_pred", y_pred)]:',
        'for name, y in [("y_true", y_true)]:',
    ),
    "counts without the length check (length 1 broadcasts)": (
        "confusion_counts",
        "    if y_true.shape != y_pred.shape:\n"
        "        raise ValueError(\n"
        '            f"y_true and y_pred differ in shape: {y_true.shape} and {y_pred.shape}"\n'  # noqa: E501
        "        )\n",
        "",
    ),
    # precision_recall_fbeta
    "F-beta with beta instead of beta squared": (
        "precision_recall_fbeta",
        "b2 = beta**2",
        "b2 = beta",
    ),
    "precision and recall swapped": (
        "precision_recall_fbeta",
        "return precision, recall, fbeta",
        "return recall, precision, fbeta",
    ),
    "F-beta weighs fp and fn the wrong way round": (
        "precision_recall_fbeta",
        "(1 + b2) * tp + b2 * fn + fp",
        "(1 + b2) * tp + b2 * fp + fn",
    ),
    "zero_division for all three once one ratio is undefined": (
        "precision_recall_fbeta",
        "    precision = ratio(tp, tp + fp)",
        "    if tp + fp == 0 or tp + fn == 0:\n"
        "        zd = float(zero_division)\n"
        "        return zd, zd, zd\n"
        "    precision = ratio(tp, tp + fp)",
    ),
    "zero_division ignored: 0.0 always": (
        "precision_recall_fbeta",
        "return num / den if den > 0 else float(zero_division)",
        "return num / den if den > 0 else 0.0",
    ),
    # roc_auc
    "AUC with ties broken by position (ranks by argsort)": (
        "roc_auc",
        "    _, inverse, counts = np.unique(scores, return_inverse=True, "
        "return_counts=True)\n"
        "    ends = np.cumsum(counts)\n"
        "    ranks = ((ends - counts + 1 + ends) / 2)[inverse]",
        "    ranks = np.argsort(np.argsort(scores, kind='stable')) + 1.0",
    ),
    "AUC of 0.0 for a single class": (
        "roc_auc",
        'return float("nan")',
        "return 0.0",
    ),
    "AUC sorts the caller's scores in place": (
        "roc_auc",
        "scores = np.asarray(scores, dtype=float)",
        "scores = np.asarray(scores, dtype=float)\n"
        "    order = np.argsort(scores)\n"
        "    scores[...] = scores[order]\n"
        "    y_true = y_true[order]",
    ),
    # average_precision
    "AP with every sample its own threshold (ties not grouped)": (
        "average_precision",
        "last = np.flatnonzero(np.diff(ordered, append=np.nan) != 0)",
        "last = np.arange(len(ordered))",
    ),
    "AP weighting each recall step by the precision before it": (
        "average_precision",
        "np.sum(np.diff(recall, prepend=0.0) * precision)",
        "np.sum(np.diff(recall, prepend=0.0) * np.concatenate([[1.0], precision[:-1]]))",  # noqa: E501
    ),
    "AP of 0.0 without positives": (
        "average_precision",
        'return float("nan")',
        "return 0.0",
    ),
    "AP rescales the caller's scores in place (the ranking is unchanged)": (
        "average_precision",
        "scores = np.asarray(scores, dtype=float)",
        "scores = np.asarray(scores, dtype=float)\n"
        "    scores *= -1\n"
        "    scores *= -1.0000001",
    ),
    # best_threshold
    "threshold: the smallest of equally cheap ones": (
        "best_threshold",
        "return float(ordered[last][np.argmin(cost)])",
        "return float(ordered[last][len(cost) - 1 - np.argmin(cost[::-1])])",
    ),
    "threshold with the costs swapped": (
        "best_threshold",
        "cost = cost_fp * fp + cost_fn * fn",
        "cost = cost_fn * fp + cost_fp * fn",
    ),
    "threshold predicting positive only above t (scores > t)": (
        "best_threshold",
        "    fp = last + 1 - tp",
        "    tp = np.concatenate([[0], tp[:-1]])\n"
        "    fp = np.concatenate([[0], last[:-1] + 1]) - tp",
    ),
    "threshold returned as its position": (
        "best_threshold",
        "return float(ordered[last][np.argmin(cost)])",
        "return float(last[np.argmin(cost)])",
    ),
    # expected_calibration_error
    "ECE with right-closed bins": (
        "expected_calibration_error",
        "bins = np.minimum(np.floor(probs * n_bins).astype(int), n_bins - 1)",
        "bins = np.maximum(np.ceil(probs * n_bins).astype(int) - 1, 0)",
    ),
    "ECE with p = 1 in a bin of its own": (
        "expected_calibration_error",
        "bins = np.minimum(np.floor(probs * n_bins).astype(int), n_bins - 1)",
        "bins = np.floor(probs * n_bins).astype(int)",
    ),
    "ECE as the plain mean over non-empty bins": (
        "expected_calibration_error",
        "return float(np.sum(np.abs(observed - predicted)) / y_true.size)",
        "counts = np.bincount(bins, minlength=n_bins)\n"
        "    full = counts > 0\n"
        "    gaps = np.abs(observed - predicted)[full] / counts[full]\n"
        "    return float(np.mean(gaps))",
    ),
    "ECE with 10 bins whatever n_bins says": (
        "expected_calibration_error",
        "bins = np.minimum(np.floor(probs * n_bins).astype(int), n_bins - 1)",
        "n_bins = 10\n"
        "    bins = np.minimum(np.floor(probs * n_bins).astype(int), n_bins - 1)",
    ),
    "ECE summing signed gaps": (
        "expected_calibration_error",
        "np.sum(np.abs(observed - predicted))",
        "np.abs(np.sum(observed - predicted))",
    ),
}

_PLAIN = (
    "returns the NumPy scalar instead of converting it: the notebook accepts "
    "'a Python int or float, or a NumPy scalar'"
)
_SHIFT = (
    "adds the same number to FP (or FN) at every threshold, so every cost "
    "moves by the same amount and the cheapest threshold stays the same"
)

EQUIVALENT = {
    "confusion_counts:28": _PLAIN,
    "confusion_counts:34": _PLAIN,
    "confusion_counts:40": _PLAIN,
    "confusion_counts:47": _PLAIN,
    "precision_recall_fbeta:7": (
        "returns zero_division as passed rather than float(zero_division): the "
        "notebook says the ratio is zero_division, and any real number is a "
        "valid result"
    ),
    "precision_recall_fbeta:59": "a default beta of -1: only beta**2 is used",
    "roc_auc:5": "np.unique takes a list as well as an array",
    "roc_auc:7": _PLAIN,
    "roc_auc:58": "n_pos * (n_pos + 1) is even, so // 2 is exact",
    "roc_auc:72": _PLAIN,
    "average_precision:7": _PLAIN,
    "average_precision:38": _PLAIN,
    "best_threshold:10": _SHIFT,
    "best_threshold:11": _SHIFT,
    "best_threshold:12": _SHIFT,
    "best_threshold:13": _SHIFT,
    "best_threshold:14": _SHIFT,
    "best_threshold:15": _SHIFT,
    "best_threshold:20": _SHIFT,
    "best_threshold:37": _PLAIN,
    "expected_calibration_error:26": _PLAIN,
}
