"""The exercises' tests catch plausible mistakes and pass the reference.

Each exercise's graded test cells, hidden tests included, run in process
(``tests/mutationlib.py``) against its reference answers (full marks) and
against every mutant of its hand-written corpus (``tests/mutants/``), each
of which must lose points, and against five genuinely different correct
answers, each of which must not. ``benchmarks/mutation.py`` adds the generated
mutants and prints the scores; the generated mutants of the fast exercises
are held at 100 % here too.
"""

import mutationlib
import pytest

ASSIGNMENTS = list(mutationlib.ASSIGNMENTS)
# Exercise 4's build_model mutants train a model each: left to the benchmark.
FAST = [a for a in ASSIGNMENTS if not a.startswith("04")]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def notebook(request):
    return mutationlib.load(request.param)


def test_the_reference_gets_full_marks(notebook):
    lost, failures = mutationlib.run_mutant(notebook, {}, tests=list(notebook.tests))
    assert (lost, failures) == (0, {})


def test_every_hand_written_mistake_loses_points(notebook):
    corpus = mutationlib.corpus(notebook.assignment)
    assert len(corpus) >= 15
    survivors = [
        name
        for name, changes in corpus.items()
        if not mutationlib.run_mutant(notebook, changes, until_killed=True)[0]
    ]
    assert survivors == []


@pytest.mark.parametrize("assignment", FAST)
def test_five_different_correct_answers_get_full_marks(assignment):
    # Exercise 4's train a model each: tests/test_grading_04.py grades them.
    notebook = mutationlib.load(assignment)
    answers = mutationlib.correct_answers(assignment)
    assert len(answers) >= 5
    for name, changes in answers.items():
        lost, failures = mutationlib.run_mutant(notebook, changes, list(notebook.tests))
        assert (name, lost, failures) == (name, 0, {})


@pytest.mark.slow
@pytest.mark.parametrize("assignment", FAST)
def test_every_generated_mutant_loses_points_or_is_equivalent(assignment):
    notebook = mutationlib.load(assignment)
    equivalent = mutationlib.equivalent(assignment)
    mutants = mutationlib.generated_mutants(notebook)
    assert set(equivalent) <= set(mutants), "equivalent mutants that do not exist"
    wrong = []
    for key, (what, changes) in mutants.items():
        lost, _ = mutationlib.run_mutant(notebook, changes, until_killed=True)
        if bool(lost) == (key in equivalent):
            wrong.append(f"{key} ({what}): lost {lost}")
    assert wrong == []


def test_a_mutant_that_breaks_a_function_loses_its_points():
    notebook = mutationlib.load("01-sigmoid")
    broken = {"logit": "def logit(p):\n    return p\n"}
    lost, failures = mutationlib.run_mutant(notebook, broken)
    assert lost == 6
    assert set(failures) == {
        "test_logit_values",
        "test_logit_shapes",
        "test_logit_edges",
        "test_logit_near_half",
    }


def test_generated_mutants_change_one_thing():
    notebook = mutationlib.load("01-sigmoid")
    mutants = mutationlib.generated_mutants(notebook, cells={"sigmoid"})
    what, changes = mutants["sigmoid:14"]
    assert what == ">= -> >"
    assert "np.where(values > 0," in changes["sigmoid"]
