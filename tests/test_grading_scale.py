"""Grading at course scale: resumable after kill -9, PostgreSQL, Dask.

Each test grades a small batch of exercise-1 fixtures through the real
command; tests/test_grading.py checks every fixture's exact score.
"""

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gradebatch import FIXTURES, run_cli

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-sigmoid"
SCORES = {"ada": 21, "naive": 19, "blank": 0, "hardcoded": 16}


def submissions(base, learners):
    folder = base / "submitted"
    for learner in learners:
        shutil.copytree(FIXTURES / ASSIGNMENT / learner, folder / learner)
    return folder


def grade_args(submitted, out, *extra):
    return [
        "grade", ASSIGNMENT, "--submissions", str(submitted),
        "--csv", str(out / "grades.csv"), "--timeout", "3",
        "--course-dir", str(out), *extra,
    ]  # fmt: skip


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def graded_lines(stderr):
    """Learners the command graded, from its one-line-per-learner output."""
    return sorted(
        line.split("] ", 1)[1].split(":", 1)[0]
        for line in stderr.splitlines()
        if line.startswith("[")
    )


def stored(db):
    """Learners whose result is committed to the SQLite gradebook ``db``."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            rows = connection.execute("SELECT student FROM sigmoid_grading_result")
            return sorted(row[0] for row in rows)
    except sqlite3.Error:  # not created yet
        return []


def submission_scores(url):
    from nbgrader.api import Gradebook

    with Gradebook(url, "sigmoid-course") as gradebook:
        assignment = gradebook.find_assignment(ASSIGNMENT)
        return {s.student.id: s.score for s in assignment.submissions}


def test_killed_run_resumes_without_losing_or_repeating_a_grade(tmp_path):
    submitted = submissions(tmp_path, SCORES)
    out = tmp_path / "out"
    out.mkdir()
    db = out / "gradebook.db"
    command = [sys.executable, "-m", "autograder", *grade_args(submitted, out)]
    process = subprocess.Popen(
        [*command, "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not stored(db) and process.poll() is None:
            assert time.monotonic() < deadline, "no learner graded in 300 s"
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        # The command's grading processes die with it when killed: stop
        # them here in case one was in the middle of a learner.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    before = stored(db)
    assert 1 <= len(before) < len(SCORES), before
    assert not (out / "grades.csv").exists()

    again = run_cli(*grade_args(submitted, out))
    assert again.returncode == 0, again.stderr
    assert graded_lines(again.stderr) == sorted(set(SCORES) - set(before))
    assert f"{len(before)} learners graded already and unchanged" in again.stderr
    rows = read_csv(out / "grades.csv")
    assert {name: float(row["score"]) for name, row in rows.items()} == SCORES
    # One submission each in nbgrader's gradebook, with the CSV's scores.
    assert submission_scores(f"sqlite:///{db}") == SCORES

    # A changed notebook is graded again, and so is a learner named in
    # --regrade; nobody else is.
    fixed = FIXTURES / ASSIGNMENT / "ada" / ASSIGNMENT / "sigmoid.ipynb"
    shutil.copyfile(fixed, submitted / "naive" / ASSIGNMENT / "sigmoid.ipynb")
    third = run_cli(*grade_args(submitted, out, "--regrade", "blank"))
    assert third.returncode == 0, third.stderr
    assert graded_lines(third.stderr) == ["blank", "naive"]
    rows = read_csv(out / "grades.csv")
    assert float(rows["naive"]["score"]) == 21
    assert float(rows["blank"]["score"]) == 0
    assert submission_scores(f"sqlite:///{db}") == {**SCORES, "naive": 21}


def test_regrade_of_an_unknown_learner_is_a_clear_error(tmp_path):
    submitted = submissions(tmp_path, ["ada"])
    out = tmp_path / "out"
    out.mkdir()
    process = run_cli(*grade_args(submitted, out, "--regrade", "zoe"))
    assert process.returncode == 2
    assert "--regrade zoe: no such learner folder" in process.stderr


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    import warnings

    folder = tmp_path_factory.mktemp("postgres")
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, as in CI.
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(folder, cleanup_mode="stop")
    try:
        # pgserver runs PostgreSQL as an unprivileged user when we are root.
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()


def test_grades_go_to_a_postgresql_gradebook_that_nbgrader_exports(tmp_path, postgres):
    learners = ["ada", "naive"]
    submitted = submissions(tmp_path, learners)
    out = tmp_path / "out"
    out.mkdir()
    process = run_cli(*grade_args(submitted, out, "--db", postgres, "--jobs", "2"))
    assert process.returncode == 0, process.stderr
    rows = read_csv(out / "grades.csv")
    assert {name: float(rows[name]["score"]) for name in learners} == {
        "ada": 21,
        "naive": 19,
    }
    assert not (out / "gradebook.db").exists()

    exported = tmp_path / "export.csv"
    export = subprocess.run(
        [
            str(Path(sys.executable).parent / "nbgrader"), "export",
            f"--db={postgres}", f"--to={exported}",
            "--CourseDirectory.course_id=sigmoid-course",
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    export_rows = read_csv(exported)
    for name in learners:
        assert float(export_rows[name]["score"]) == float(rows[name]["score"])
        assert float(export_rows[name]["max_score"]) == 21
        assert export_rows[name]["assignment"] == ASSIGNMENT

    from nbgrader.api import Gradebook

    with Gradebook(postgres, "sigmoid-course") as gradebook:
        for name in learners:
            submission = gradebook.find_submission(ASSIGNMENT, name)
            assert submission.score == float(rows[name]["score"])
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    assert grade.auto_score == float(rows[name][grade.name])
                    assert not grade.needs_manual_grade
        # The graded notebooks are where the formgrader looks for them.
        assert (out / "autograded" / "naive" / ASSIGNMENT / "sigmoid.ipynb").is_file()


CLUSTER = """
import json, sys
from distributed import Client, LocalCluster

cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
)
print(cluster.scheduler_address, flush=True)
sys.stdin.readline()
with Client(cluster) as client:
    def graded_here():
        from autograder.grading import one_learner
        return bool(one_learner._slots)
    print(json.dumps(list(client.run(graded_here).values())), flush=True)
cluster.close()
"""


def test_a_dask_cluster_grades_and_this_machine_stores(tmp_path):
    learners = ["ada", "naive", "blank"]
    submitted = submissions(tmp_path, learners)
    out = tmp_path / "out"
    out.mkdir()
    with subprocess.Popen(
        [sys.executable, "-c", CLUSTER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as cluster:
        try:
            address = cluster.stdout.readline().strip()
            assert address.startswith("tcp://"), address
            process = run_cli(*grade_args(submitted, out, "--scheduler", address))
            cluster.stdin.write("report\n")
            cluster.stdin.flush()
            workers = json.loads(cluster.stdout.readline())
        finally:
            cluster.kill()
    assert process.returncode == 0, process.stderr
    rows = read_csv(out / "grades.csv")
    assert {name: float(rows[name]["score"]) for name in learners} == {
        "ada": 21,
        "naive": 19,
        "blank": 0,
    }
    # The workers graded (no local grading process did), and this machine
    # wrote the feedback and the gradebook.
    assert workers and any(workers)
    assert not list(out.glob("worker-*.log"))
    assert (Path(rows["naive"]["feedback"]) / "sigmoid.html").is_file()
    assert submission_scores(f"sqlite:///{out / 'gradebook.db'}") == {
        "ada": 21,
        "naive": 19,
        "blank": 0,
    }


def test_jobs_must_be_positive(tmp_path):
    submitted = submissions(tmp_path, ["ada"])
    out = tmp_path / "out"
    out.mkdir()
    process = run_cli(*grade_args(submitted, out, "--jobs", "0"))
    assert process.returncode == 2
    assert "--jobs must be at least 1, got 0" in process.stderr
