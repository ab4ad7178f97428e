"""Exercise 2 graded end to end: nbgrader's real autograde, exact scores."""

from pathlib import Path

import pytest
from gradebatch import assert_everyone_graded, assert_exact_score, grade_batch
from mutationlib import correct_answers

ASSIGNMENT = "02-vanishing-gradients"
FIXTURES = Path(__file__).parent / "fixtures" / ASSIGNMENT
MAX_SCORE = 21

# (status, score) per learner; what each one loses, in points, is noted.
EXPECTED = {
    "ada": ("graded", 21),  # the solution
    "blank": ("graded", 0),  # the released notebook, untouched
    # sigma' forgotten: backward values 3 and stability 1, and the network's
    # values 3 and stability 2, which use that backward pass.
    "no_derivative": ("graded", 12),
    # dX = dZ @ W: fails (or raises) wherever layer_backward or the network
    # is called: backward 3 + 1 + 1 + 1, network 3 + 1 + 2.
    "no_transpose": ("graded", 9),
    "summed": ("graded", 16),  # sum, not mean: network values 3, stability 2
    "one_sided": ("graded", 19),  # forward differences: numerical values 2
    # x perturbed in place and left at x - eps: mutation 1; the later
    # entries of an f that is not a sum over entries go wrong (values 2), and
    # float32 cannot hold the step (types 1).
    "in_place": ("graded", 17),
    "float64": ("graded", 18),  # float32 made float64: three types points
    "naive_sigmoid": ("graded", 17),  # exp overflows: three stability cells, 4
    "via_probability": ("graded", 19),  # divides by 1 - p = 0: stability 2
}
# Five genuinely different correct answers (tests/mutants/): full marks.
EXPECTED.update(
    {f"correct-{name}": ("graded", MAX_SCORE) for name in correct_answers(ASSIGNMENT)}
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_batch(tmp_path_factory.mktemp("grading"), ASSIGNMENT, EXPECTED)


def test_the_command_succeeds(graded):
    assert_everyone_graded(graded, EXPECTED)


@pytest.mark.parametrize("learner", list(EXPECTED))
def test_scores_are_exact(graded, learner):
    assert_exact_score(graded, learner, EXPECTED, ASSIGNMENT, MAX_SCORE)


@pytest.mark.parametrize(
    ("learner", "lost"),
    [
        ("one_sided", {"test_numerical_values": 2}),
        (
            "in_place",
            {
                "test_numerical_mutation": 1,
                "test_numerical_values": 2,
                "test_numerical_types": 1,
            },
        ),
        ("via_probability", {"test_mlp_stability": 2}),
        (
            "float64",
            {"test_forward_types": 1, "test_backward_types": 1, "test_mlp_types": 1},
        ),
        (
            "summed",
            {"test_mlp_values": 3, "test_mlp_stability": 2},
        ),
    ],
)
def test_partial_credit_is_per_test_cell(graded, learner, lost):
    full = graded["rows"]["ada"]
    row = graded["rows"][learner]
    cells = [key for key in full if key.startswith("test_")]
    assert cells, "the CSV has no per-test columns"
    for cell in cells:
        expected = 0.0 if cell in lost else float(full[cell])
        assert float(row[cell]) == expected, cell
    assert sum(float(full[cell]) for cell in lost) == sum(lost.values())


def test_feedback_names_the_input_and_gives_a_hint(graded):
    folder = Path(graded["rows"]["via_probability"]["feedback"])
    page = (folder / "gradients.html").read_text(encoding="utf-8")
    assert "mlp_gradients(X (8, 3) float64" in page
    assert "emitted a warning" in page
    assert "Hint:" in page
    assert "autograder/checks" not in page
