"""The nbgrader notebooks: source and released versions agree and are sound."""

import re
from pathlib import Path

import nbformat
import pytest

from autograder import course, release
from autograder.checks import CheckFailure

ASSIGNMENTS = course.assignments()
# The rules on the checks' helpers and messages are the course's five's; an
# instructor's own assignment, in solutions/ or a course folder, is plain
# nbgrader (tests/assignments/ holds two, which the rules for any
# assignment are tried on).
COURSE = [name for name in ASSIGNMENTS if name in course.COURSE_ASSIGNMENTS]
PLAIN = sorted(
    path for path in (Path(__file__).parent / "assignments").iterdir() if path.is_dir()
)
SOURCES = {
    **{name: course.SOLUTIONS / name for name in ASSIGNMENTS},
    **{path.name: path for path in PLAIN},
}


def notebooks(folder):
    return sorted(folder.glob("*.ipynb"))


def cells_with(nb, key):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get(key)]


def test_there_are_assignments():
    assert COURSE == list(course.COURSE_ASSIGNMENTS)
    assert {"ps1", "kinds"} <= set(SOURCES)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_are_what_nbgrader_generates_from_solutions(assignment, tmp_path):
    fresh = release.generate(assignment, tmp_path / assignment)
    committed = notebooks(course.EXERCISES / assignment)
    assert [p.name for p in committed] == [p.name for p in fresh], (
        "exercises/ and solutions/ hold different notebooks: run `make exercises`"
    )
    for old, new in zip(committed, fresh, strict=True):
        assert nbformat.read(old, as_version=4) == nbformat.read(new, as_version=4), (
            f"{old} is out of date with solutions/: run `make exercises`"
        )


@pytest.mark.parametrize(
    "path",
    [
        *course.SOLUTIONS.glob("*/*.ipynb"),
        *course.EXERCISES.glob("*/*.ipynb"),
        *(path for folder in PLAIN for path in folder.glob("*.ipynb")),
    ],
    ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}",
)
def test_notebooks_are_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path


@pytest.mark.parametrize("assignment", SOURCES)
def test_every_graded_cell_has_points_and_a_name_of_its_own(assignment):
    for path in notebooks(SOURCES[assignment]):
        nb = nbformat.read(path, as_version=4)
        assert cells_with(nb, "grade") or cells_with(nb, "task"), path
        ids = [
            c.metadata.nbgrader.grade_id for c in nb.cells if "nbgrader" in c.metadata
        ]
        assert len(ids) == len(set(ids)), f"duplicate grade_id in {path}"
        for cell in [*cells_with(nb, "grade"), *cells_with(nb, "task")]:
            assert cell.metadata.nbgrader.points > 0, cell.metadata.nbgrader.grade_id


@pytest.mark.parametrize("assignment", COURSE)
def test_every_test_cell_of_the_course_is_locked_with_hidden_tests_and_a_check(
    assignment,
):
    for path in notebooks(course.SOLUTIONS / assignment):
        nb = nbformat.read(path, as_version=4)
        for cell in cells_with(nb, "grade"):
            meta = cell.metadata.nbgrader
            assert meta.locked, meta.grade_id
            assert "### BEGIN HIDDEN TESTS" in cell.source, meta.grade_id
            assert re.search(r"check_\w+\(", cell.source), meta.grade_id


@pytest.mark.parametrize("assignment", SOURCES)
def test_released_notebooks_hold_no_solutions_or_hidden_tests(assignment, tmp_path):
    if assignment in ASSIGNMENTS:
        folder = course.EXERCISES / assignment
    else:
        folder = tmp_path / assignment
        release.generate(assignment, folder, SOURCES[assignment])
    for path in notebooks(folder):
        text = path.read_text(encoding="utf-8")
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
            assert marker not in text, f"{path} still contains {marker!r}"
        nb = nbformat.read(path, as_version=4)
        for cell in cells_with(nb, "solution"):
            # nbgrader's stubs: code raises, a written answer asks for one.
            stub = {"code": "raise NotImplementedError()"}.get(
                cell.cell_type, "YOUR ANSWER HERE"
            )
            assert stub in cell.source, (path, cell.metadata.nbgrader.grade_id)


def run_code_cells(nb, namespace=None):
    """Run a notebook's code cells in one namespace; map grade_id to outcome."""
    namespace = {} if namespace is None else namespace
    outcomes = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        try:
            exec(compile(cell.source, grade_id or "cell", "exec"), namespace)
            outcomes[grade_id] = None
        except Exception as exc:
            outcomes[grade_id] = exc
    return outcomes


@pytest.mark.parametrize("assignment", COURSE)
def test_solutions_pass_their_own_tests_hidden_ones_included(assignment):
    for path in notebooks(course.SOLUTIONS / assignment):
        outcomes = run_code_cells(nbformat.read(path, as_version=4))
        failures = {k: v for k, v in outcomes.items() if v is not None}
        assert not failures


@pytest.mark.parametrize("assignment", COURSE)
def test_untouched_exercise_fails_every_test_with_a_clear_message(assignment):
    for path in notebooks(course.EXERCISES / assignment):
        nb = nbformat.read(path, as_version=4)
        outcomes = run_code_cells(nb)
        for cell in cells_with(nb, "grade"):
            outcome = outcomes[cell.metadata.nbgrader.grade_id]
            assert isinstance(outcome, CheckFailure)
            assert "not implemented yet" in str(outcome)


def test_hidden_tests_catch_answers_hard_coded_for_the_visible_ones():
    fixture = Path(__file__).parent / "fixtures" / "01-sigmoid" / "hardcoded"
    nb = nbformat.read(fixture / "01-sigmoid" / "sigmoid.ipynb", as_version=4)
    namespace = {}
    outcomes = run_code_cells(nb, namespace)
    assert outcomes["test_sigmoid_values"] is None  # the learner sees a pass

    source = nbformat.read(course.SOLUTIONS / "01-sigmoid" / "sigmoid.ipynb", 4)
    graded_cell = next(
        c
        for c in cells_with(source, "grade")
        if c.metadata.nbgrader.grade_id == "test_sigmoid_values"
    )
    with pytest.raises(CheckFailure, match="sigmoid\\(0.125\\)"):
        exec(graded_cell.source, namespace)
