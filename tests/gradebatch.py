"""Grade fixture submissions through the real command, all in one batch.

Every exercise's grading test copies its learners from
``tests/fixtures/<assignment>/<learner>/`` into one submissions folder and
runs ``python -m autograder grade`` once on all of them: one command per
assignment, not per learner, keeps the suite fast.
"""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def run_cli(*args, timeout=900):
    """Run ``python -m autograder ARGS``; return the completed process."""
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def grade_batch(
    base, assignment, learners, *, timeout=3, extra_args=(), prepare=None,
    command_timeout=900, source=None,
):  # fmt: skip
    """Grade ``learners`` (fixture folder names) of ``assignment`` in one run.

    A learner named in ``learners`` without a fixture folder gets an empty
    folder, which the grader reports as ``missing``. ``prepare``, if given,
    is called with the submissions folder before grading. ``command_timeout``
    bounds the whole command, in seconds. ``source``, for an assignment that
    is not the course's, is its nbgrader source folder: it goes where an
    instructor puts it, in the course folder's ``source/<assignment>/``.

    Returns
    -------
    dict
        ``process`` (the completed command), ``rows`` (CSV rows by student
        id), ``out`` (the folder with the CSV, the feedback, and the
        nbgrader course folder's ``gradebook.db`` and ``autograded/``) and
        ``submitted`` (the submissions folder).
    """
    base = Path(base)
    submitted = base / "submitted"
    for learner in learners:
        fixture = FIXTURES / assignment / learner
        if fixture.is_dir():
            shutil.copytree(fixture, submitted / learner)
        else:
            (submitted / learner).mkdir(parents=True)
    if prepare is not None:
        prepare(submitted)
    out = base / "out"
    out.mkdir()
    if source is not None:
        shutil.copytree(source, out / "source" / assignment)
    csv_path = out / "grades.csv"
    process = run_cli(
        "grade", assignment, "--submissions", str(submitted),
        "--csv", str(csv_path), "--timeout", str(timeout),
        "--course-dir", str(out), *extra_args,
        timeout=command_timeout,
    )  # fmt: skip
    rows = {}
    if csv_path.exists():
        with open(csv_path, newline="", encoding="utf-8") as handle:
            rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return {"process": process, "rows": rows, "out": out, "submitted": submitted}


def assert_everyone_graded(batch, expected):
    """The command succeeded and graded every learner of ``expected``."""
    process = batch["process"]
    assert process.returncode == 0, process.stderr
    assert f"{len(expected)} of {len(expected)} learners graded" in process.stdout


def assert_exact_score(batch, learner, expected, assignment, max_score):
    """The learner's (status, score) is ``expected[learner]``, out of max_score."""
    row = batch["rows"][learner]
    assert (row["status"], float(row["score"])) == expected[learner], row["message"]
    assert float(row["max_score"]) == max_score
    assert row["assignment"] == assignment


def cell_scores(batch, learner):
    """The learner's score in each test cell, by grade id."""
    row = batch["rows"][learner]
    return {key: float(value) for key, value in row.items() if key.startswith("test_")}
