"""Any nbgrader assignment, graded by the course's command as nbgrader grades it.

Two assignments written with plain nbgrader (tests/assignments/, made by
make_assignments.py), graded in one batch each by ``python -m autograder
grade`` and by plain nbgrader's own commands on the same submissions:

- ``ps1``, nbgrader's documentation example: notebooks beside an image,
  Markdown answers, manually graded code, a task, a test that deletes a
  learner's function; nbgrader's guide reports bitdiddle 1.5/13 and hacker
  3/13;
- ``kinds``, every kind of cell (a data file the learner's code reads,
  hidden tests, a test that rebinds a learner's value, partial credit...).

Per-cell scores and the cells flagged for manual grading must be the same
both ways.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from gradebatch import grade_batch, run_cli
from plainnbgrader import autograde, cell_grades

from autograder.nbgrader_run import BIN, COURSE_ID, environment, open_gradebook

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
ASSIGNMENTS = HERE / "assignments"
FIXTURES = HERE / "fixtures"

PS1_HONEST = ["bitdiddle", "hacker"]
TIMESTAMP = "2026-01-30 20:30:10.000000 UTC"
SECRET = "5ec12e7" * 8

# The automatic points of each test cell of `kinds`, per learner.
KINDS = {
    "full": {"test_load": 1, "test_mean": 2, "test_uses_mean": 1,
             "test_rebinds": 1, "test_partial": 2},
    "partial": {"test_load": 1, "test_mean": 2, "test_uses_mean": 0,
                "test_rebinds": 0, "test_partial": 1.5},
    "wrong": {"test_load": 0, "test_mean": 0, "test_uses_mean": 1,
              "test_rebinds": 1, "test_partial": 1},
    "blank": {"test_load": 0, "test_mean": 0, "test_uses_mean": 0,
              "test_rebinds": 0, "test_partial": 0},
    "noisy": {"test_load": 1, "test_mean": 0, "test_uses_mean": 1,
              "test_rebinds": 1, "test_partial": 0},
}  # fmt: skip


def _ps1_extras(submitted):
    """As nbgrader's collect leaves them, and two learners it cannot grade."""
    hacker = submitted / "hacker" / "ps1"
    (hacker / "timestamp.txt").write_text(TIMESTAMP)
    (hacker / "submission_secret.txt").write_text(SECRET)
    # problem1 saved under another name.
    renamed = submitted / "renamed" / "ps1"
    shutil.copytree(FIXTURES / "ps1" / "hacker" / "ps1", renamed)
    (renamed / "problem1.ipynb").rename(renamed / "problem1 (1).ipynb")
    # problem1.ipynb is another assignment's notebook.
    other = submitted / "other" / "ps1"
    shutil.copytree(FIXTURES / "ps1" / "hacker" / "ps1", other)
    shutil.copyfile(
        FIXTURES / "kinds" / "full" / "kinds" / "kinds.ipynb", other / "problem1.ipynb"
    )


def _plain(base, assignment, learners):
    submitted = base / "plain-submitted"
    for learner in learners:
        shutil.copytree(FIXTURES / assignment / learner, submitted / learner)
    return cell_grades(
        autograde(base, assignment, ASSIGNMENTS / assignment, submitted), assignment
    )


@pytest.fixture(scope="module")
def ps1(tmp_path_factory):
    base = tmp_path_factory.mktemp("ps1")
    batch = grade_batch(
        base, "ps1", [*PS1_HONEST, "renamed", "other"], timeout=30,
        prepare=_ps1_extras, source=ASSIGNMENTS / "ps1",
    )  # fmt: skip
    batch["plain"] = _plain(base, "ps1", PS1_HONEST)
    batch["base"] = base
    return batch


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    base = tmp_path_factory.mktemp("kinds")
    batch = grade_batch(
        base, "kinds", list(KINDS), timeout=30, source=ASSIGNMENTS / "kinds"
    )
    batch["plain"] = _plain(base, "kinds", list(KINDS))
    return batch


def ours(batch, assignment):
    return cell_grades(f"sqlite:///{batch['out'] / 'gradebook.db'}", assignment)


def test_ps1_scores_are_those_of_nbgraders_guide(ps1):
    rows = ps1["rows"]
    assert {name: float(rows[name]["score"]) for name in PS1_HONEST} == {
        "bitdiddle": 1.5,
        "hacker": 3.0,
    }
    assert {rows[name]["max_score"] for name in rows} == {"13"}
    assert {rows[name]["status"] for name in PS1_HONEST} == {"graded"}
    _, plain_totals = ps1["plain"]
    assert plain_totals == {"bitdiddle": 1.5, "hacker": 3.0}


@pytest.mark.parametrize("assignment", ["ps1", "kinds"])
def test_per_cell_scores_and_manual_flags_are_plain_nbgraders(ps1, kinds, assignment):
    batch = {"ps1": ps1, "kinds": kinds}[assignment]
    grades, totals = ours(batch, assignment)
    plain_grades, plain_totals = batch["plain"]
    for name, cells in plain_grades.items():
        for cell, plain in cells.items():
            assert (name, cell, grades[name][cell]) == (name, cell, plain)
    assert {name: totals[name] for name in plain_totals} == plain_totals
    for name in plain_grades:
        assert "re-check" not in batch["rows"][name]["message"]


def test_every_kind_of_cell_scores_what_the_work_earns(kinds):
    for learner, expected in KINDS.items():
        row = kinds["rows"][learner]
        scores = {name: float(row[name]) for name in expected}
        assert scores == expected, (learner, row["message"])


def test_the_csv_has_every_graded_cell_and_task_with_the_gradebooks_total(ps1):
    with open_gradebook(f"sqlite:///{ps1['out'] / 'gradebook.db'}") as gradebook:
        record = gradebook.find_assignment("ps1")
        max_score = record.max_score
        cells = {
            cell.name
            for notebook in record.notebooks
            for cell in [*notebook.grade_cells, *notebook.task_cells]
        }
    row = ps1["rows"]["hacker"]
    assert max_score == 13 and float(row["max_score"]) == max_score
    assert cells <= set(row) and "cell-938593c4a215c6cc" in cells
    # Cells that wait for a person are empty, not 0; bitdiddle left Part D
    # as released, which nbgrader scores 0 with no one to grade it.
    assert row["part-a"] == row["cell-938593c4a215c6cc"] == ""
    assert ps1["rows"]["bitdiddle"]["sum_of_squares_application"] == "0"


def test_cells_that_need_a_person_are_listed_for_the_formgrader(ps1):
    url = f"sqlite:///{ps1['out'] / 'gradebook.db'}"
    with open_gradebook(url) as gradebook:
        # What the formgrader lists: submissions needing manual grading.
        listed = {
            entry["student"]: entry["needs_manual_grade"]
            for entry in gradebook.notebook_submission_dicts("problem2", "ps1")
        }
    assert listed == {"bitdiddle": True, "hacker": True}
    row = ps1["rows"]["hacker"]
    assert "manual grading pending: " in row["message"]
    assert "part-a" in row["message"] and "(10 points)" in row["message"]
    assert "hacker: graded 3/13 (manual grading pending: 5 cells)" in (
        ps1["process"].stderr
    )


def test_learners_who_cannot_be_graded_are_reported_with_what_was_found(ps1):
    process, rows = ps1["process"], ps1["rows"]
    assert process.returncode == 1, process.stderr
    assert "2 of 4 learners graded" in process.stdout
    assert rows["renamed"]["status"] == "invalid notebook"
    assert "(other notebooks found: problem1 (1).ipynb)" in rows["renamed"]["message"]
    assert rows["other"]["status"] == "error"
    assert "made from another assignment" in rows["other"]["message"]
    # The traceback is kept: on the learner's error page and in the log.
    page = Path(rows["other"]["feedback"]) / "grading-error.html"
    assert "Traceback (most recent call last)" in page.read_text()
    assert "ValidationError" in page.read_text()
    assert "Traceback (most recent call last)" in process.stderr


def test_a_normal_run_prints_no_warning(kinds):
    assert "Warning" not in kinds["process"].stderr, kinds["process"].stderr


def test_help_says_what_the_exit_status_means():
    process = run_cli("grade", "--help")
    assert "Exit status" in " ".join(process.stdout.split())
    assert "could not be graded" in " ".join(process.stdout.split())


def nbgrader_command(cwd, *args):
    process = subprocess.run(
        [str(BIN / "nbgrader"), *args, f"--CourseDirectory.course_id={COURSE_ID}"],
        cwd=cwd, env=environment(cwd), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr
    return process


def test_release_feedback_and_fetch_feedback_deliver_the_sanitised_pages(ps1):
    out, base = ps1["out"], ps1["base"]
    pages = out / "feedback" / "hacker" / "ps1"
    assert Path(ps1["rows"]["hacker"]["feedback"]) == pages
    assert (pages / "timestamp.txt").read_text() == TIMESTAMP
    exchange, cache, home = base / "exchange", base / "cache", base / "learner"
    exchange.mkdir()
    nbgrader_command(
        out, "release_feedback", "ps1", f"--CourseDirectory.root={out}",
        f"--Exchange.root={exchange}",
    )  # fmt: skip
    # The learner's side: what nbgrader's submit left in the learner's cache.
    submitted = cache / COURSE_ID / f"hacker+ps1+{TIMESTAMP}"
    shutil.copytree(FIXTURES / "ps1" / "hacker" / "ps1", submitted)
    (submitted / "submission_secret.txt").write_text(SECRET)
    home.mkdir()
    nbgrader_command(
        home, "fetch_feedback", "ps1", "--CourseDirectory.student_id=hacker",
        f"--Exchange.root={exchange}", f"--Exchange.cache={cache}",
        f"--Exchange.assignment_dir={home}",
    )  # fmt: skip
    fetched = home / "ps1" / "feedback" / TIMESTAMP
    assert sorted(path.name for path in fetched.iterdir()) == [
        "problem1.html",
        "problem2.html",
    ]
    for name in ("problem1.html", "problem2.html"):
        page = (fetched / name).read_bytes()
        assert page == (pages / name).read_bytes()
        assert b"Content-Security-Policy" in page and b"<script" not in page


def _answer(path, grade_id, text):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = text
    nbformat.write(notebook, path)


MANUAL = {
    ("problem1", "sum_of_squares_equation"): 1,
    ("problem1", "sum_of_squares_application"): 1.5,
    ("problem1", "cell-938593c4a215c6cc"): 3,
    ("problem2", "part-a"): 1,
    ("problem2", "part-b"): 2,
}


def _manual(url):
    with open_gradebook(url) as gradebook:
        return {
            (notebook, cell): (
                gradebook.find_grade(cell, notebook, "ps1", "hacker").manual_score,
                gradebook.find_grade(
                    cell, notebook, "ps1", "hacker"
                ).needs_manual_grade,
            )
            for notebook, cell in MANUAL
        }


def test_no_grade_is_lost_manual_ones_included(tmp_path):
    """Manual grades survive a broken resubmission, a regrade and kill -9."""
    submitted = tmp_path / "submitted"
    shutil.copytree(FIXTURES / "ps1" / "hacker", submitted / "hacker")
    out = tmp_path / "out"
    shutil.copytree(ASSIGNMENTS / "ps1", out / "source" / "ps1")
    args = [
        "grade", "ps1", "--submissions", str(submitted), "--csv",
        str(out / "grades.csv"), "--course-dir", str(out), "--timeout", "30",
    ]  # fmt: skip
    url = f"sqlite:///{out / 'gradebook.db'}"

    def grade(*extra):
        process = run_cli(*args, *extra)
        with open(out / "grades.csv", encoding="utf-8") as handle:
            return process, handle.read()

    assert grade()[0].returncode == 0
    # A grader scores the written answers and the task, as in the formgrader.
    with open_gradebook(url) as gradebook:
        for (notebook, cell), score in MANUAL.items():
            grade_ = gradebook.find_grade(cell, notebook, "ps1", "hacker")
            grade_.manual_score = score
            grade_.needs_manual_grade = False
        gradebook.db.commit()
    graded = {key: (score, False) for key, score in MANUAL.items()}
    process, table = grade()
    assert "hacker,ps1,11.5,13,graded," in table  # 3 automatic + 8.5 manual

    # An empty problem2.ipynb: reported, and nothing is lost.
    problem2 = submitted / "hacker" / "ps1" / "problem2.ipynb"
    good = problem2.read_bytes()
    problem2.write_bytes(b"")
    process, table = grade()
    assert process.returncode == 1
    assert (
        "hacker: invalid notebook: problem2.ipynb is not valid JSON" in process.stdout
    )
    assert "hacker,ps1,11.5,13,invalid notebook," in table
    assert "the grade of the previous submission stands" in table
    assert _manual(url) == graded

    # The good notebook again: graded, every manual score still done.
    problem2.write_bytes(good)
    process, table = grade()
    assert process.returncode == 0, process.stderr
    assert "hacker,ps1,11.5,13,graded,," in table
    assert _manual(url) == graded

    # A changed answer keeps its manual score, flagged for review.
    _answer(problem2, "part-a", "A different answer.")
    process, table = grade()
    assert _manual(url) == {**graded, ("problem2", "part-a"): (1, True)}
    assert "manual grading pending: part-a (1 points)" in table

    # kill -9 in the middle of a regrade (the learner takes seconds to grade,
    # after a second or two of start-up) loses nothing either.
    killed = subprocess.Popen(
        [sys.executable, "-m", "autograder", *args, "--regrade"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        killed.wait(timeout=4)
    except subprocess.TimeoutExpired:
        pass
    finally:
        try:
            os.killpg(killed.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        killed.wait()
    assert _manual(url) == {**graded, ("problem2", "part-a"): (1, True)}
    process, table = grade("--regrade")
    assert process.returncode == 0, process.stderr
    assert _manual(url) == {**graded, ("problem2", "part-a"): (1, True)}
    assert "hacker,ps1,11.5,13,graded," in table
