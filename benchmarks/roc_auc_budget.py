"""Time the AUC of exercise 5 against the 8 s budget of its hidden test.

The hidden test (solutions/05-thresholds-and-metrics, test_roc_auc_speed)
passes a million scores, 10 % positive, and stops the learner's roc_auc
after 8 s. This prints how long the reference takes on that input and how
long comparing every positive with every negative takes, measured on
smaller inputs and scaled by n_pos * n_neg, so the margin on both sides is
visible on the machine at hand.

Usage: .venv/bin/python benchmarks/roc_auc_budget.py
"""

import time

import numpy as np

from autograder.reference import roc_auc

BUDGET_S = 8.0
N_HIDDEN = 1_000_000


def data(n, seed=56):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(np.int64)
    return y, rng.normal(size=n) + 1.5 * y


def pairwise(y_true, scores):
    """The O(n^2) mistake: every positive against every negative."""
    pos, neg = scores[y_true == 1], scores[y_true == 0]
    wins = 0.0
    for p in pos:
        wins += np.sum(neg < p) + 0.5 * np.sum(neg == p)
    return wins / (pos.size * neg.size)


def best_of(func, *args, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


y, s = data(N_HIDDEN)
reference_s = best_of(roc_auc, y, s)
print(
    f"reference roc_auc, n = {N_HIDDEN:,}: {reference_s:.3f} s "
    f"({BUDGET_S / reference_s:.0f}x under the {BUDGET_S:g} s budget)"
)
for n in (10_000, 30_000, 50_000):
    y_small, s_small = data(n)
    took = best_of(pairwise, y_small, s_small, repeat=1)
    scale = (N_HIDDEN / n) ** 2
    print(
        f"pairwise, n = {n:,}: {took:.2f} s; scaled to {N_HIDDEN:,}: "
        f"{took * scale:,.0f} s ({took * scale / BUDGET_S:,.0f}x the budget)"
    )
