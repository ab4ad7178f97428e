"""Exercise 3 end to end: nbgrader's real autograde, exact scores."""

from pathlib import Path

import pytest
from gradebatch import assert_everyone_graded, assert_exact_score, grade_batch
from mutationlib import correct_answers

pytestmark = pytest.mark.slow

# (status, score) per learner, out of 30 points. See
# fixtures/make_fixtures_03.py for what each learner wrote.
EXPECTED = {
    "ada": ("graded", 30),  # the solution
    "blank": ("graded", 0),  # the released notebook, untouched
    "nomax": ("graded", 28),  # softmax overflows at +-1000: extremes (2) lost
    "wrongaxis": ("graded", 26),  # always axis 0: the axis and extremes tests
    "tanh2": ("graded", 25),  # 2 sigma(x) - 1: all 5 tanh points
    "relu1": ("graded", 29),  # slope 1 at 0: the derivative's point
    "gelutanh": ("graded", 26),  # tanh approximation: gelu's 3, and the shapes
    # test, which compares values too
    "lstmorder": ("graded", 26),  # gates i, f, o, g: both LSTM tests (4)
    "choices": ("graded", 27),  # softmax for tags, tanh for a gate: 3 lost
}
# Five genuinely different correct answers (tests/mutants/): full marks.
EXPECTED.update(
    {f"correct-{name}": ("graded", 30) for name in correct_answers("03-activations")}
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    return grade_batch(base, "03-activations", EXPECTED)


def test_the_command_grades_every_learner(graded):
    assert_everyone_graded(graded, EXPECTED)


@pytest.mark.parametrize("learner", list(EXPECTED))
def test_scores_are_exact(graded, learner):
    assert_exact_score(graded, learner, EXPECTED, "03-activations", 30)


def scores(graded, learner, cells):
    return [float(graded["rows"][learner][cell]) for cell in cells]


def test_partial_credit_is_per_function_and_aspect(graded):
    softmax = ["test_softmax_values", "test_softmax_axis", "test_softmax_extremes"]
    assert scores(graded, "nomax", softmax) == [2, 2, 0]
    assert scores(graded, "wrongaxis", softmax) == [2, 0, 0]
    assert scores(graded, "nomax", ["test_log_softmax_extremes"]) == [2]
    assert scores(graded, "relu1", ["test_relu_derivative", "test_relu"]) == [0, 1]
    assert scores(graded, "relu1", ["test_activation_shapes"]) == [1]
    gelu = ["test_gelu_values", "test_gelu_extremes", "test_silu_values"]
    assert scores(graded, "gelutanh", gelu) == [0, 0, 1]
    choices = ["test_choices_outputs", "test_choices_inside"]
    assert scores(graded, "choices", choices) == [0, 0]
    assert scores(graded, "lstmorder", choices) == [2, 1]


def feedback(graded, learner):
    folder = Path(graded["rows"][learner]["feedback"])
    return (folder / "activations.html").read_text(encoding="utf-8")


def test_feedback_names_the_mistake(graded):
    page = feedback(graded, "lstmorder")
    assert "input, forget, output, candidate" in page
    assert "input, forget, candidate, output" in page
    page = feedback(graded, "nomax")
    assert "overflow encountered in exp" in page and "np.max" in page
    page = feedback(graded, "choices")
    assert "multi_label_tagging" in page and "one sigmoid per" in page
    page = feedback(graded, "relu1")
    assert "relu_derivative(0.0) returned the wrong value" in page
    assert "autograder/checks" not in page
