"""The re-check runs test cells as nbgrader does: after the learner's cells.

A real re-check worker (the module run as its own process, without the
sandbox) runs a learner's notebook; the instructor's test cells then run
here against it, as :func:`recheck.run` runs them for the grade command.
"""

import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.confinement import recheck


def nbgrader_cell(made, grade_id, **meta):
    made.metadata["nbgrader"] = {"grade_id": grade_id, **meta}
    return made


def solution(source, grade_id="answer"):
    return nbgrader_cell(new_code_cell(source), grade_id, solution=True)


def test_cell(source, grade_id, points=1):
    return nbgrader_cell(new_code_cell(source), grade_id, grade=True, points=points)


test_cell.__test__ = False  # a helper, not a test

USES = "def squares(n):\n    return [i * i for i in range(1, n + 1)]\n\n"
USES += "def total(n):\n    return sum(squares(n))"
OWN = USES.replace("sum(squares(n))", "sum(i * i for i in range(1, n + 1))")
SCALED = "scale = 2.0\n\ndef scaled(x):\n    return scale * x"

DELETES = (
    "saved = squares\ndel squares\ntry:\n    total(2)\nexcept NameError:\n"
    "    pass\nelse:\n    raise AssertionError('total does not call squares')\n"
    "finally:\n    squares = saved"
)
REBINDS = (
    "assert scale == 2.0\nscale = 3.0\nassert scaled(2) == 6.0\n"
    "scale = 2.0\nassert scaled(2) == 4.0"
)


def grade(tmp_path, learner_cells, tests):
    """Scores of ``tests`` run against a worker that ran ``learner_cells``."""
    cells = [*learner_cells, *tests]
    path = tmp_path / "learner.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    names = recheck.learner_names(cells)
    command = [sys.executable, "-m", "autograder.confinement.recheck"]
    command += [str(path), ",".join(names), "10"]
    worker = recheck.Worker(command, tmp_path, None, 10, 60)
    try:
        outcomes = recheck.run(cells, worker)
        return {name: outcome.score for name, outcome in outcomes.items()}
    finally:
        worker.close()
        worker.process.stdin.close()
        worker.process.stdout.close()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(USES, {"deletes": 1.0, "total": 1.0}), (OWN, {"deletes": 0.0, "total": 1.0})],
)
def test_a_name_the_test_deletes_is_gone_where_the_learner_looks_it_up(
    tmp_path, answer, expected
):
    tests = [test_cell(DELETES, "deletes"), test_cell("assert total(3) == 14", "total")]
    # The second test runs after the first put squares back.
    assert grade(tmp_path, [solution(answer)], tests) == expected


def test_a_value_the_test_rebinds_is_rebound_for_the_learners_functions(tmp_path):
    scores = grade(tmp_path, [solution(SCALED)], [test_cell(REBINDS, "rebinds")])
    assert scores == {"rebinds": 1.0}
    # A function that does not read the global fails the same test.
    frozen = SCALED.replace("scale * x", "2.0 * x")
    assert grade(tmp_path, [solution(frozen)], [test_cell(REBINDS, "rebinds")]) == {
        "rebinds": 0.0
    }


def test_written_answers_and_ipython_syntax_are_not_read_as_python(tmp_path):
    written = nbgrader_cell(
        new_markdown_cell("$\\sum_{i=1}^n i^2$"), "equation", solution=True,
        grade=True, points=1,
    )  # fmt: skip
    magic = new_code_cell("%precision 3")
    cells = [magic, solution(USES), written]
    assert recheck.learner_names(cells) == ["squares", "total"]
    tests = [test_cell("assert squares(2) == [1, 4]", "squares", 2)]
    assert grade(tmp_path, cells, tests) == {"squares": 2.0}


@pytest.mark.parametrize(
    ("source", "points"),
    [
        ("import sys\nsys.stderr.write('careful')", 0.0),  # stderr: nbgrader's 0
        ("import warnings\nwarnings.warn('careful')", 0.0),
        ("sum([squares(1) == [1], squares(2) == [1, 5]]) / 2", 0.5),  # partial
        ("squares(2)", 2.0),  # a list shown: all the points
    ],
)
def test_a_cell_scores_as_nbgrader_scores_its_outputs(tmp_path, source, points):
    assert grade(tmp_path, [solution(USES)], [test_cell(source, "t", 2)]) == {
        "t": points
    }
