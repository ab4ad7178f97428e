"""Run All shows every test's feedback, in JupyterLab and under nbgrader.

Every graded test cell carries the ``raises-exception`` tag: JupyterLab's
Run All (and nbclient, which nbgrader runs notebooks with) then goes on
past a failing test, so a learner sees the feedback of every test, not only
the first. nbgrader grades with ``allow_errors`` on, so the tag changes no
score: a test cell that raises still scores 0 (tests/test_grading*.py).
tests/test_lab.py checks the same in a real JupyterLab.
"""

import copy

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder import course

pytestmark = pytest.mark.slow
ASSIGNMENTS = course.assignments()


def released(assignment):
    (path,) = sorted((course.EXERCISES / assignment).glob("*.ipynb"))
    return nbformat.read(path, as_version=4)


def graded_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def run_all(nb):
    """Execute like Run All: stop at an error unless the cell allows it."""
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(course.ROOT)}},
    )
    client.execute()
    return nb


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_cell_may_raise(assignment):
    for cell in graded_cells(released(assignment)):
        assert "raises-exception" in cell.metadata.get("tags", []), cell.source


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_run_all_of_the_released_notebook_shows_every_test_s_feedback(assignment):
    nb = run_all(released(assignment))
    for cell in graded_cells(nb):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert [e.ename for e in errors] == ["CheckFailure"], cell.source
        assert "not implemented yet" in errors[0].evalue


def test_without_the_tag_run_all_stops_at_the_first_failing_test():
    nb = copy.deepcopy(released("01-sigmoid"))
    for cell in graded_cells(nb):
        cell.metadata["tags"].remove("raises-exception")
    with pytest.raises(CellExecutionError, match="not implemented yet"):
        run_all(nb)
    first, second, *_ = graded_cells(nb)
    assert first.outputs and not second.outputs


def test_exercise_4_set_up_shows_no_tensorflow_log():
    nb = released("04-keras-binary-classification")
    nb.cells = [
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup"
    ]
    run_all(nb)
    (setup,) = nb.cells
    assert "import_keras()" in setup.source
    assert setup.outputs == []  # no stderr box: no absl or oneDNN lines
