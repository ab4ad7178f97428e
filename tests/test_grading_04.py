"""Exercise 4 end to end: real submissions, nbgrader's autograde, exact scores.

Grading trains a small Keras model inside each learner's kernel, so every
kernel imports TensorFlow (several seconds) and the per-cell timeout is
generous. Which checks pass Keras models between the grader's code and the
learner's: check_build_model and check_model_learns (the learner's model),
and check_predict_labels (a model the check builds).
"""

from pathlib import Path

import pytest
from gradebatch import (
    assert_everyone_graded,
    assert_exact_score,
    cell_scores,
    grade_batch,
)
from mutationlib import correct_answers

ASSIGNMENT = "04-keras-binary-classification"
NOTEBOOK = "keras-binary-classification"
MAX_SCORE = 18
# Seconds per cell: importing TensorFlow or training the model on a busy
# two-core machine takes well under this.
CELL_TIMEOUT = 120

# (status, score) per learner, out of 18 points.
EXPECTED = {
    "ada": ("graded", 18),  # the solution
    "blank": ("graded", 0),  # the released notebook, untouched
    "noclip": ("graded", 16),  # nan at p = 0: loses the 2 clipping points
    "overflow": ("graded", 16),  # sigmoid(z) first: loses the 2 stability points
    "softmax2": ("graded", 13),  # two softmax units: structure (2), training (3)
    "sigmoid_logits": ("graded", 16),  # structure (2); Keras still trains it
    "onehot": ("graded", 15),  # one-hot kept: formats (2), errors (1)
}
# Five genuinely different correct answers (tests/mutants/): full marks.
EXPECTED.update(
    {f"correct-{name}": ("graded", MAX_SCORE) for name in correct_answers(ASSIGNMENT)}
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading04")
    return grade_batch(base, ASSIGNMENT, EXPECTED, timeout=CELL_TIMEOUT)


def test_the_command_grades_every_learner(graded):
    assert_everyone_graded(graded, EXPECTED)


@pytest.mark.parametrize("learner", list(EXPECTED))
def test_scores_are_exact(graded, learner):
    assert_exact_score(graded, learner, EXPECTED, ASSIGNMENT, MAX_SCORE)


def test_each_mistake_loses_exactly_its_own_tests(graded):
    full = cell_scores(graded, "ada")
    lost = {
        "noclip": {"test_bce_clipping"},
        "overflow": {"test_bce_logits_extremes"},
        "softmax2": {"test_build_model_structure", "test_build_model_learns"},
        "sigmoid_logits": {"test_build_model_structure"},
        "onehot": {"test_fix_labels_formats", "test_fix_labels_errors"},
    }
    for learner, cells in lost.items():
        scores = cell_scores(graded, learner)
        assert {cell for cell in full if scores[cell] == 0} == cells, learner
        assert all(scores[cell] == full[cell] for cell in full if cell not in cells)


@pytest.mark.parametrize(
    ("learner", "phrases"),
    [
        ("noclip", ["emitted a warning", "divide by zero", "np.clip"]),
        ("overflow", ["overflow encountered in exp", "log1p"]),
        ("softmax2", ["the last layer has 2 units", "could not be trained"]),
        ("sigmoid_logits", ["sigmoid output with from_logits=True"]),
        ("onehot", ["returned the wrong shape", "did not raise ValueError"]),
        ("blank", ["not implemented yet"]),
    ],
)
def test_feedback_names_the_mistake(graded, learner, phrases):
    folder = Path(graded["rows"][learner]["feedback"])
    page = (folder / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    for phrase in phrases:
        assert phrase in page, f"{learner}: {phrase!r} not in the feedback"
    assert "autograder/checks" not in page
