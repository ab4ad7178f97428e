"""Exercise 5 end to end: nbgrader's real autograde, exact scores."""

from pathlib import Path

import pytest
from gradebatch import (
    assert_everyone_graded,
    assert_exact_score,
    cell_scores,
    grade_batch,
)
from mutationlib import correct_answers

ASSIGNMENT = "05-thresholds-and-metrics"
MAX_SCORE = 20

# (status, score) per learner, out of 20 points.
EXPECTED = {
    "ada": ("graded", 20),  # the solution
    "blank": ("graded", 0),  # the released notebook, untouched
    # precision and recall swapped: values (2), and zero_division (1) where
    # only one of them is undefined
    "swapped": ("graded", 17),
    "zerodiv": ("graded", 19),  # ZeroDivisionError: zero_division (1)
    "ordinal": ("graded", 19),  # AUC without ties counted 1/2: ties (1)
    "quadratic": ("graded", 19),  # O(n^2) AUC, stopped on 10^6 scores: speed (1)
    "trapezoid": ("graded", 17),  # trapezoid PR area: AP values (2) and ties (1)
    "strict": ("graded", 17),  # `scores > t`: threshold values (2) and costs (1)
    "sklearn": ("graded", 13),  # sklearn.metrics for AUC and AP: 7 points
}
# Five genuinely different correct answers (tests/mutants/): full marks.
EXPECTED.update(
    {f"correct-{name}": ("graded", MAX_SCORE) for name in correct_answers(ASSIGNMENT)}
)

# The O(n^2) AUC spends its 8 s budget on the million scores inside one
# cell, and the cell also builds the data: a per-cell limit well above that
# keeps the budget, not the limit, the thing that stops it.
CELL_TIMEOUT_S = 60

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading05")
    return grade_batch(base, ASSIGNMENT, EXPECTED, timeout=CELL_TIMEOUT_S)


def test_the_command_grades_everyone(graded):
    assert_everyone_graded(graded, EXPECTED)


@pytest.mark.parametrize("learner", list(EXPECTED))
def test_scores_are_exact(graded, learner):
    assert_exact_score(graded, learner, EXPECTED, ASSIGNMENT, MAX_SCORE)


def test_each_mistake_loses_the_points_of_its_aspect(graded):
    full = cell_scores(graded, "ada")
    assert sum(full.values()) == MAX_SCORE
    lost = {
        "swapped": {
            "test_precision_recall_fbeta_values",
            "test_precision_recall_fbeta_zero_division",
        },
        "zerodiv": {"test_precision_recall_fbeta_zero_division"},
        "ordinal": {"test_roc_auc_ties"},
        "quadratic": {"test_roc_auc_speed"},
        "trapezoid": {
            "test_average_precision_values",
            "test_average_precision_ties",
        },
        "strict": {"test_best_threshold_values", "test_best_threshold_costs"},
        "sklearn": {
            "test_roc_auc_values",
            "test_roc_auc_ties",
            "test_roc_auc_speed",
            "test_average_precision_values",
            "test_average_precision_ties",
        },
    }
    for learner, cells in lost.items():
        got = cell_scores(graded, learner)
        zero = {cell for cell, score in got.items() if score == 0}
        assert zero == cells, learner
        for cell in set(full) - cells:
            assert got[cell] == full[cell], (learner, cell)
    assert set(cell_scores(graded, "blank").values()) == {0.0}


def feedback_page(graded, learner):
    folder = Path(graded["rows"][learner]["feedback"])
    return (folder / "metrics.html").read_text(encoding="utf-8")


def test_feedback_says_why_sklearn_failed(graded):
    page = feedback_page(graded, "sklearn")
    assert "called sklearn.metrics" in page
    assert "unavailable while the checks run" in page
    assert "autograder/checks" not in page


def test_feedback_says_a_hidden_test_failed_with_its_hint_not_its_input(graded):
    # The quadratic AUC is stopped on the hidden test's million scores: the
    # learner reads the hint, not the hidden input.
    page = feedback_page(graded, "quadratic")
    assert "A hidden test of this cell failed" in page
    assert "O(n log n)" in page
    assert "1,000,000" not in page


def test_feedback_shows_input_expected_got_and_hint(graded):
    page = feedback_page(graded, "swapped")
    for text in ("y_pred:", "expected:", "got:", "Hint:"):
        assert text in page
