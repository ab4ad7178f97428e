"""Exercise 4 end to end: real submissions, nbgrader's autograde, exact scores.

Grading trains a small Keras model inside each learner's kernel, so every
kernel imports TensorFlow (several seconds) and the per-cell timeout is
generous. Which checks pass Keras models between the grader's code and the
learner's: check_build_model and check_model_learns (the learner's model),
and check_predict_labels (a model the check builds).
"""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gradebatch import (
    FIXTURES,
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


# Runs the grade command on what looks, to glibc and TensorFlow, like a
# 16-core machine: a private mount namespace shows 16 CPUs online (glibc
# allows 8 malloc arenas per CPU), and TensorFlow is asked for the thread
# pools it starts on 16 cores. CPU time is still the two real cores'.
SIXTEEN_CORES = """
import os, sys
from autograder.confinement import sandbox
sandbox._check(sandbox._libc.unshare(sandbox.CLONE_NEWNS), "unshare")
sandbox._mount(None, "/", None, sandbox.MS_REC | sandbox.MS_PRIVATE)
sandbox._mount(sys.argv[1], "/sys/devices/system/cpu/online", None, sandbox.MS_BIND)
os.environ.update(TF_NUM_INTEROP_THREADS="16", TF_NUM_INTRAOP_THREADS="16")
os.execv(sys.executable, [sys.executable, "-m", "autograder", *sys.argv[2:]])
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="a mount namespace needs root")
def test_two_jobs_at_once_on_a_sixteen_core_machine(tmp_path):
    # Every kernel's TensorFlow started a pool of threads per core, each
    # with a malloc arena reserving 64 MiB of addresses: past the kernel's
    # 4 GiB address-space limit, TensorFlow aborted ("kernel died", 0) at
    # the training test. Default jobs there: 16 learners at once.
    learners = {"ada": 18, "sigmoid_logits": 16}
    submitted = tmp_path / "submitted"
    for learner in learners:
        shutil.copytree(FIXTURES / ASSIGNMENT / learner, submitted / learner)
    online = tmp_path / "online"
    online.write_text("0-15\n")
    csv_path = tmp_path / "grades.csv"
    process = subprocess.run(
        [sys.executable, "-c", SIXTEEN_CORES, str(online), "grade", ASSIGNMENT,
         "--submissions", str(submitted), "--csv", str(csv_path),
         "--course-dir", str(tmp_path), "--jobs", "2",
         "--timeout", str(CELL_TIMEOUT)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    for learner, score in learners.items():
        row = rows[learner]
        assert (row["status"], float(row["score"])) == ("graded", score), row
