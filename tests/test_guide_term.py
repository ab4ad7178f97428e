"""The instructor's term (guide/term.md), run step by step as the page says.

Every ``bash`` block of the page that follows a ``% step: NAME`` comment is
run in order, in a fresh folder, with the course's Python. What the page
leaves to the outside world is done here between the steps: the learners
hand in (the submissions and nbgrader's ``timestamp.txt``), the platform
gives a roster, and a grader enters a score in formgrader (written with
nbgrader's Gradebook API, as formgrader writes it). Three learners: ada
(on time, no timestamp), bea (on time) and copier (bea's work, disguised,
and late).
"""

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gradebatch import FIXTURES

from autograder.nbgrader_run import open_gradebook

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "guide" / "term.md"
STEPS = [
    "release", "due", "collect", "grade", "late", "feedback", "similarity",
    "status", "export",
]  # fmt: skip
# The due date on the page is 17:00 in Paris: 16:00 UTC.
TIMES = {"bea": "2026-03-02 15:59:10.123456 UTC", "copier": "2026-03-03 10:00:00 UTC"}
ROSTER = [
    ["student_id", "lms_id", "name", "section"],
    ["ada", "1001", "Ada Lovelace", "A"],
    ["bea", "1002", "Bea Roy", "A"],
    ["copier", "1003", "Cy Pier", "B"],
    ["eve", "1004", "Eve Absent", "B"],
]

pytestmark = pytest.mark.slow


def steps():
    """``[(name, commands)]`` of the page, in order."""
    text = PAGE.read_text(encoding="utf-8")
    return re.findall(r"^% step: (\w+)\n```bash\n(.*?)^```", text, re.M | re.S)


def hand_in(base):
    for learner in ("ada", "bea", "copier"):
        shutil.copytree(FIXTURES / "01-sigmoid" / learner, base / "submitted" / learner)
        if learner in TIMES:
            stamp = base / "submitted" / learner / "01-sigmoid" / "timestamp.txt"
            stamp.write_text(TIMES[learner] + "\n", encoding="utf-8")
    with open(base / "roster.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(ROSTER)


def grade_by_hand(base):
    """What formgrader does when a grader gives bea full marks on one test."""
    with open_gradebook(f"sqlite:///{base / 'term' / 'gradebook.db'}") as gb:
        grade = gb.find_grade("test_logit_near_half", "sigmoid", "01-sigmoid", "bea")
        grade.manual_score = grade.max_score
        gb.db.commit()
        return grade.max_score - grade.auto_score


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    base = tmp_path_factory.mktemp("term")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    outputs, raised = {}, 0.0
    for name, commands in steps():
        if name == "collect":
            hand_in(base)
        if name == "late":
            raised = grade_by_hand(base)
        script = commands.replace(".venv/bin/python", sys.executable)
        process = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=base, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert process.returncode == 0, f"step {name}:\n{process.stderr}"
        outputs[name] = process.stdout
    return {"base": base, "out": outputs, "raised": raised}


def test_the_page_has_every_step_in_order():
    assert [name for name, _ in steps()] == STEPS


def test_grading_charges_the_late_learner_as_the_policy_says(term):
    rows = {r["student_id"]: r for r in read_csv(term["base"] / "term" / "grades.csv")}
    assert set(rows) == {"ada", "bea", "copier"}
    # 18 hours late, 2 points per day started.
    assert rows["copier"]["message"] == "late 18.0 h: penalty 2"
    assert (
        float(rows["copier"]["score"])
        == sum(float(v) for k, v in rows["copier"].items() if k.startswith("test_")) - 2
    )
    assert rows["ada"]["message"] == rows["bea"]["message"] == ""
    assert "copier: 18.0 h late, penalty 2" in term["out"]["late"]
    page = next((term["base"] / "term" / "feedback" / "copier").rglob("*.html"))
    assert "18.0 hours after the due date" in page.read_text()


def test_status_shows_the_term(term):
    out = term["out"]["status"]
    assert (
        "01-sigmoid (due 2026-03-02 16:00 UTC; late policy: 2 points off per day" in out
    )
    lines = [line.split() for line in out.splitlines()]
    for row in (["submitted", "3"], ["graded", "3"], ["failed", "0"], ["late", "1"],
                ["feedback", "3"]):  # fmt: skip
        assert row in lines
    assert len(read_csv(term["base"] / "term" / "status.csv")) == 3


def test_the_copy_ranks_first(term):
    pairs = read_csv(term["base"] / "term" / "similarity.csv")
    assert {pairs[0]["student_a"], pairs[0]["student_b"]} == {"bea", "copier"}


def test_the_export_has_manual_scores_and_penalties_and_lists_who_is_missing(term):
    base = term["base"]
    grades = {r["student_id"]: r for r in read_csv(base / "term" / "grades.csv")}
    canvas = {r["ID"]: r for r in read_csv(base / "term" / "canvas.csv")}
    assert canvas[""]["Student"] == "Points Possible"
    assert canvas[""]["01-sigmoid"] == "21"
    # bea's manual score counts; copier's penalty too; eve handed nothing in.
    assert (
        float(canvas["1002"]["01-sigmoid"])
        == float(grades["bea"]["score"]) + term["raised"]
    )
    assert float(canvas["1003"]["01-sigmoid"]) == float(grades["copier"]["score"])
    assert canvas["1004"]["01-sigmoid"] == ""
    assert (
        "in the roster, with no submission (left empty): eve" in term["out"]["export"]
    )
    moodle = read_csv(base / "term" / "moodle.csv")
    assert list(moodle[0]) == ["Username", "01-sigmoid"]
    plain = {r["student_id"]: r for r in read_csv(base / "term" / "grades-all.csv")}
    assert plain["copier"]["01-sigmoid late_penalty"] == "2"
    assert plain["eve"]["01-sigmoid state"] == "missing"
