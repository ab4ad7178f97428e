"""Exercise 5: five genuinely different correct answers (see correct_01.py).

Answers not given are the reference's.
"""

CORRECT = {
    # Counts by np.bincount; AUC by searching the sorted negatives.
    "bincount_searchsorted": {
        "confusion_counts": "def confusion_counts(y_true, y_pred):\n"
        "    t = np.asarray(y_true)\n"
        "    p = np.asarray(y_pred)\n"
        "    if len(t) != len(p):\n"
        "        raise ValueError(f'lengths differ: {len(t)} and {len(p)}')\n"
        "    if not (np.isin(t, [0, 1]).all() and np.isin(p, [0, 1]).all()):\n"
        "        raise ValueError('labels must be 0 or 1')\n"
        "    counts = np.bincount(2 * t.astype(int) + p.astype(int), minlength=4)\n"
        "    return tuple(int(c) for c in counts)\n",
        "roc_auc": "def roc_auc(y_true, scores):\n"
        "    y = np.asarray(y_true)\n"
        "    s = np.asarray(scores, dtype=float)\n"
        "    pos, neg = s[y == 1], np.sort(s[y == 0])\n"
        "    if len(pos) == 0 or len(neg) == 0:\n"
        "        return float('nan')\n"
        "    below = np.searchsorted(neg, pos, side='left')\n"
        "    tied = np.searchsorted(neg, pos, side='right') - below\n"
        "    return float((below.sum() + 0.5 * tied.sum()) / (len(pos) * len(neg)))\n",
        "expected_calibration_error": "def expected_calibration_error(y_true, "
        "probs, n_bins=10):\n"
        "    y = np.asarray(y_true, dtype=float)\n"
        "    p = np.asarray(probs, dtype=float)\n"
        "    b = np.clip((p * n_bins).astype(int), 0, n_bins - 1)\n"
        "    gap = np.zeros(n_bins)\n"
        "    np.add.at(gap, b, y - p)\n"
        "    return float(np.abs(gap).sum() / len(y))\n",
    },
    # Plain Python loops where the data are small; thresholds tried one by one.
    "loops": {
        "confusion_counts": "def confusion_counts(y_true, y_pred):\n"
        "    y_true, y_pred = list(np.ravel(y_true)), list(np.ravel(y_pred))\n"
        "    if len(y_true) != len(y_pred):\n"
        "        raise ValueError('y_true and y_pred have different lengths')\n"
        "    counts = {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 0}\n"
        "    for t, p in zip(y_true, y_pred):\n"
        "        if t not in (0, 1) or p not in (0, 1):\n"
        "            raise ValueError(f'labels must be 0 or 1, got {t} and {p}')\n"
        "        counts[int(t), int(p)] += 1\n"
        "    return counts[0, 0], counts[0, 1], counts[1, 0], counts[1, 1]\n",
        "precision_recall_fbeta": "def precision_recall_fbeta(y_true, y_pred, "
        "beta=1.0, zero_division=0.0):\n"
        "    tn, fp, fn, tp = confusion_counts(y_true, y_pred)\n"
        "    precision = tp / (tp + fp) if tp + fp else zero_division\n"
        "    recall = tp / (tp + fn) if tp + fn else zero_division\n"
        "    b2 = beta * beta\n"
        "    den = (1 + b2) * tp + b2 * fn + fp\n"
        "    fbeta = (1 + b2) * tp / den if den else zero_division\n"
        "    return float(precision), float(recall), float(fbeta)\n",
        "best_threshold": "def best_threshold(y_true, scores, cost_fp=1.0, "
        "cost_fn=1.0):\n"
        "    y = np.asarray(y_true) == 1\n"
        "    s = np.asarray(scores, dtype=float)\n"
        "    best, best_cost = None, None\n"
        "    for t in np.unique(s):  # ascending: a later tie is larger\n"
        "        predicted = s >= t\n"
        "        cost = cost_fp * np.sum(predicted & ~y) + cost_fn * np.sum(~predicted & y)\n"  # noqa: E501
        "        if best_cost is None or cost <= best_cost:\n"
        "            best, best_cost = t, cost\n"
        "    return float(best)\n",
        "expected_calibration_error": "def expected_calibration_error(y_true, "
        "probs, n_bins=10):\n"
        "    y = np.asarray(y_true, dtype=float)\n"
        "    p = np.asarray(probs, dtype=float)\n"
        "    bins = np.minimum(np.floor(p * n_bins), n_bins - 1)\n"
        "    total = 0.0\n"
        "    for b in range(n_bins):\n"
        "        inside = bins == b\n"
        "        if inside.any():\n"
        "            total += inside.sum() * abs(y[inside].mean() - p[inside].mean())\n"
        "    return total / len(y)\n",
    },
    # Everything from one sort by descending score and cumulative counts.
    "cumulative": {
        "roc_auc": "def roc_auc(y_true, scores):\n"
        "    y = np.asarray(y_true) == 1\n"
        "    s = np.asarray(scores, dtype=float)\n"
        "    n_pos, n_neg = int(y.sum()), int((~y).sum())\n"
        "    if n_pos == 0 or n_neg == 0:\n"
        "        return float('nan')\n"
        "    order = np.argsort(-s, kind='stable')\n"
        "    s, y = s[order], y[order]\n"
        "    ends = np.flatnonzero(np.diff(s, append=np.nan) != 0)\n"
        "    tp = np.cumsum(y)[ends]\n"
        "    fp = np.cumsum(~y)[ends]\n"
        "    tpr = np.concatenate([[0], tp]) / n_pos\n"
        "    fpr = np.concatenate([[0], fp]) / n_neg\n"
        "    # The trapezoid rule on the ROC curve counts ties as 1/2.\n"
        "    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))\n",
        "average_precision": "def average_precision(y_true, scores):\n"
        "    y = np.asarray(y_true) == 1\n"
        "    if not y.any():\n"
        "        return float('nan')\n"
        "    s = np.asarray(scores, dtype=float)\n"
        "    thresholds, inverse = np.unique(-s, return_inverse=True)\n"
        "    tp = np.cumsum(np.bincount(inverse, weights=y, minlength=len(thresholds)))\n"  # noqa: E501
        "    seen = np.cumsum(np.bincount(inverse, minlength=len(thresholds)))\n"
        "    recall = tp / y.sum()\n"
        "    return float(np.sum(np.diff(recall, prepend=0) * tp / seen))\n",
        "best_threshold": "def best_threshold(y_true, scores, cost_fp=1.0, "
        "cost_fn=1.0):\n"
        "    y = np.asarray(y_true) == 1\n"
        "    s = np.asarray(scores, dtype=float)\n"
        "    values, inverse = np.unique(s, return_inverse=True)\n"
        "    pos = np.bincount(inverse, weights=y, minlength=len(values))\n"
        "    neg = np.bincount(inverse, weights=~y, minlength=len(values))\n"
        "    # Predicting positive at >= values[k]: FP are negatives from k up,\n"
        "    # FN positives below k.\n"
        "    fp = neg[::-1].cumsum()[::-1]\n"
        "    fn = np.concatenate([[0], pos.cumsum()[:-1]])\n"
        "    cost = cost_fp * fp + cost_fn * fn\n"
        "    cheapest = np.flatnonzero(cost == cost.min())\n"
        "    return float(values[cheapest[-1]])\n",
    },
    # Ranks from a double argsort, then ties averaged with np.unique.
    "ranks": {
        "roc_auc": "def roc_auc(y_true, scores):\n"
        "    y = np.asarray(y_true) == 1\n"
        "    s = np.asarray(scores, dtype=float)\n"
        "    n_pos = y.sum()\n"
        "    n_neg = len(y) - n_pos\n"
        "    if n_pos == 0 or n_neg == 0:\n"
        "        return float('nan')\n"
        "    ranks = np.empty(len(s))\n"
        "    ranks[np.argsort(s, kind='stable')] = np.arange(1, len(s) + 1)\n"
        "    _, groups = np.unique(s, return_inverse=True)\n"
        "    mean_rank = np.bincount(groups, ranks) / np.bincount(groups)\n"
        "    ranks = mean_rank[groups]\n"
        "    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2\n"
        "    return float(u / (n_pos * n_neg))\n",
        "precision_recall_fbeta": "def precision_recall_fbeta(y_true, y_pred, "
        "beta=1.0, zero_division=0.0):\n"
        "    tn, fp, fn, tp = confusion_counts(y_true, y_pred)\n"
        "    def safe(num, den):\n"
        "        if den == 0:\n"
        "            return float(zero_division)\n"
        "        return float(num) / float(den)\n"
        "    w = 1 + beta**2\n"
        "    return safe(tp, tp + fp), safe(tp, tp + fn), safe(w * tp, w * tp + "
        "beta**2 * fn + fp)\n",
        "expected_calibration_error": "def expected_calibration_error(y_true, "
        "probs, n_bins=10):\n"
        "    y = np.asarray(y_true, dtype=float)\n"
        "    p = np.asarray(probs, dtype=float)\n"
        "    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)\n"
        "    n = np.bincount(bins, minlength=n_bins)\n"
        "    full = n > 0\n"
        "    mean_y = np.bincount(bins, y, n_bins)[full] / n[full]\n"
        "    mean_p = np.bincount(bins, p, n_bins)[full] / n[full]\n"
        "    return float(np.sum(n[full] / len(y) * np.abs(mean_y - mean_p)))\n",
    },
    # Boolean algebra for the counts; AP from an explicit precision-recall list.
    "boolean": {
        "confusion_counts": "def confusion_counts(y_true, y_pred):\n"
        "    t = np.asarray(y_true)\n"
        "    p = np.asarray(y_pred)\n"
        "    if t.shape != p.shape:\n"
        "        raise ValueError('y_true and y_pred must have the same length')\n"
        "    for name, a in (('y_true', t), ('y_pred', p)):\n"
        "        if not np.all((a == 0) | (a == 1)):\n"
        "            raise ValueError(f'{name} holds labels other than 0 and 1')\n"
        "    t, p = t.astype(bool), p.astype(bool)\n"
        "    tp = np.count_nonzero(t & p)\n"
        "    fp = np.count_nonzero(p) - tp\n"
        "    fn = np.count_nonzero(t) - tp\n"
        "    return len(t) - tp - fp - fn, fp, fn, tp\n",
        "average_precision": "def average_precision(y_true, scores):\n"
        "    y = np.asarray(y_true) == 1\n"
        "    s = np.asarray(scores, dtype=float)\n"
        "    n_pos = int(y.sum())\n"
        "    if n_pos == 0:\n"
        "        return float('nan')\n"
        "    ap, last_recall = 0.0, 0.0\n"
        "    for t in np.unique(s)[::-1]:\n"
        "        chosen = s >= t\n"
        "        tp = int(np.sum(chosen & y))\n"
        "        recall = tp / n_pos\n"
        "        ap += (recall - last_recall) * tp / int(chosen.sum())\n"
        "        last_recall = recall\n"
        "    return ap\n",
    },
}
