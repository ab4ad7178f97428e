"""The term's commands on a gradebook written with nbgrader's own API.

No kernel runs here: the gradebook holds what ``grade`` or formgrader would
have written (an autograded cell, a manually graded one, a learner whose
manual grading is pending, one whose notebook could not be graded), and the
commands ``due``, ``late``, ``status`` and ``export`` are run on it as an
instructor would. The whole term, grading included, is tests/test_guide_term.py.
"""

import csv
import datetime
import io
import shutil
import warnings
from contextlib import redirect_stderr, redirect_stdout

import pytest
from gradebatch import FIXTURES, run_cli
from sqlalchemy.exc import SAWarning

from autograder import cli
from autograder.grading import csvsafe, store
from autograder.nbgrader_run import open_gradebook as Gradebook

DUE = datetime.datetime(2026, 3, 2, 17, 0)


def run(*argv):
    """``python -m autograder ARGV`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def course(tmp_path):
    """A course folder whose gradebook has one assignment, ``hw1``, out of 10.

    - ada: 5 autograded + 4 manual = 9, all graded
    - bob: 3 autograded, the free-text answer not graded yet (pending)
    - cal: 5 + 5 = 10, handed in 30 hours after the due date
    - =evil: 2 + 0, a learner id that a spreadsheet would run as a formula
    - dan: the notebook could not be graded (kernel died), as ``grade`` records it
    """
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(db) as gb, warnings.catch_warnings():
        # nbgrader's add_submission, under SQLAlchemy 2, warns of its own
        # autoflush; the rows are written all the same.
        warnings.simplefilter("ignore", SAWarning)
        gb.add_assignment("hw1")
        gb.add_notebook("hw1", "hw1")
        gb.add_grade_cell("test_f", "hw1", "hw1", max_score=5, cell_type="code")
        gb.add_grade_cell("essay", "hw1", "hw1", max_score=5, cell_type="markdown")
        for student, auto, manual in (
            ("ada", 5, 4), ("bob", 3, None), ("cal", 5, 5), ("=evil", 2, 0)
        ):  # fmt: skip
            gb.add_student(student)
            gb.add_submission("hw1", student)
            test = gb.find_grade("test_f", "hw1", "hw1", student)
            test.auto_score = auto
            test.needs_manual_grade = False
            essay = gb.find_grade("essay", "hw1", "hw1", student)
            essay.manual_score = manual
            essay.needs_manual_grade = manual is None
        gb.add_student("dan")
        gb.db.commit()
        store.RESULTS.metadata.create_all(gb.engine)
        gb.db.execute(
            store.RESULTS.insert().values(
                assignment="hw1", student="dan", digest="x", status="kernel died",
                message="the kernel died: os.abort()", feedback="",
                graded_at=datetime.datetime.now(),
            )
        )  # fmt: skip
        gb.db.commit()
    submitted = tmp_path / "submitted"
    for student in ("ada", "bob", "cal", "=evil", "dan"):
        (submitted / student / "hw1").mkdir(parents=True)
    (submitted / "ada" / "hw1" / "timestamp.txt").write_text(
        "2026-03-02 16:59:10.123456 UTC"
    )
    (submitted / "cal" / "hw1" / "timestamp.txt").write_text(
        "2026-03-03 23:00:00 UTC"  # 30 hours late: 2 days started
    )
    feedback = tmp_path / "feedback" / "cal" / "hw1"
    feedback.mkdir(parents=True)
    (feedback / "hw1.html").write_text("<html><body>\n<p>cal's feedback</p></body>")
    return tmp_path


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_roster(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def test_csv_fields_that_start_like_a_formula_are_made_text():
    for value in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert csvsafe.escape(value) == "'" + value
    assert csvsafe.escape("ada") == "ada"
    assert csvsafe.escape(19.0) == "19"


def test_due_sets_nbgraders_duedate_and_the_policy(course):
    code, out, err = run(
        "due", "hw1", "2026-03-02 18:00 +0100", "--penalty", "per-day:2",
        "--course-dir", str(course),
    )  # fmt: skip
    assert code == 0, err
    assert "due 2026-03-02 17:00:00 UTC" in out
    assert "2 points off per day started" in out
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_assignment("hw1").duedate == DUE


@pytest.mark.parametrize(
    "argv, words",
    [
        (["due", "hw1", "next friday"], "is not a due date"),
        (["due", "hw1", "2026-03-02", "--penalty", "weekly:3"], "is not a policy"),
        (["due", "hw1", "2026-03-02", "--penalty", "per-day:-1"], "above 0"),
        (["due", "hw9", "2026-03-02"], "No assignment named 'hw9'"),
        (["late", "hw1", "--submissions", "SUBMITTED"], "has no due date"),
        (["late", "hw9", "--submissions", "SUBMITTED"], "No assignment named 'hw9'"),
        (["status", "hw9"], "No assignment named 'hw9'"),
        (["late", "hw1", "--submissions", "NOWHERE"], "is not a folder"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(course, argv, words):
    db = course / "gradebook.db"
    before = db.read_bytes()
    if "NOWHERE" in argv:
        run("due", "hw1", "2026-03-02 17:00", "--course-dir", str(course))
        before = db.read_bytes()
    argv = [a.replace("SUBMITTED", str(course / "submitted")) for a in argv]
    argv = [a.replace("NOWHERE", str(course / "nowhere")) for a in argv]
    code, out, err = run(*argv, "--course-dir", str(course))
    assert code == 2
    assert words in err
    assert db.read_bytes() == before


def test_a_malformed_timestamp_is_named_and_nothing_is_written(course):
    run(
        "due",
        "hw1",
        "2026-03-02 17:00 UTC",
        "--penalty",
        "zero",
        "--course-dir",
        str(course),
    )
    (course / "submitted" / "bob" / "hw1" / "timestamp.txt").write_text("last tuesday")
    before = (course / "gradebook.db").read_bytes()
    code, _, err = run(
        "late", "hw1", "--submissions", str(course / "submitted"),
        "--course-dir", str(course),
    )  # fmt: skip
    assert code == 2
    assert "bob/hw1/timestamp.txt" in err and "nothing was changed" in err
    assert (course / "gradebook.db").read_bytes() == before


def test_late_work_is_charged_as_nbgrader_charges_it(course):
    run(
        "due",
        "hw1",
        "2026-03-02 17:00 UTC",
        "--penalty",
        "per-day:2",
        "--course-dir",
        str(course),
    )
    code, out, err = run(
        "late", "hw1", "--submissions", str(course / "submitted"),
        "--course-dir", str(course),
    )  # fmt: skip
    assert code == 0, err
    assert "cal: 30.0 h late, penalty 4, score 6/10" in out
    assert "late: 1" in out
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        cal = gb.find_submission("hw1", "cal")
        assert cal.total_seconds_late == 30 * 3600
        assert cal.late_submission_penalty == 4  # where nbgrader keeps it
        ada = gb.find_submission("hw1", "ada")
        assert ada.total_seconds_late == 0 and ada.late_submission_penalty == 0
    page = (course / "feedback" / "cal" / "hw1" / "hw1.html").read_text()
    assert "30.0 hours after the due date" in page
    assert "score after the penalty: 6 / 10" in page
    # Applied again (after manual grading, say), the note is replaced, not added.
    run(
        "late",
        "hw1",
        "--submissions",
        str(course / "submitted"),
        "--course-dir",
        str(course),
    )
    page = (course / "feedback" / "cal" / "hw1" / "hw1.html").read_text()
    assert page.count("late-work") == 1


def test_zero_after_a_cutoff(course):
    run(
        "due", "hw1", "2026-03-02 17:00 UTC", "--penalty", "per-hour:0.5",
        "--zero-after", "24", "--course-dir", str(course),
    )  # fmt: skip
    code, out, _ = run(
        "late", "hw1", "--submissions", str(course / "submitted"),
        "--course-dir", str(course),
    )  # fmt: skip
    assert "cal: 30.0 h late, penalty 10, score 0/10" in out


def test_status_counts_every_learner_and_says_why(course):
    run(
        "due",
        "hw1",
        "2026-03-02 17:00 UTC",
        "--penalty",
        "per-day:2",
        "--course-dir",
        str(course),
    )
    run(
        "late",
        "hw1",
        "--submissions",
        str(course / "submitted"),
        "--course-dir",
        str(course),
    )
    status_csv = course / "status.csv"
    code, out, err = run(
        "status", "--course-dir", str(course), "--csv", str(status_csv)
    )
    assert code == 0, err
    assert (
        "hw1 (due 2026-03-02 17:00 UTC; late policy: 2 points off per day started)"
        in out
    )
    lines = [line.split() for line in out.splitlines()]
    assert ["submitted", "5"] in lines
    assert ["graded", "4"] in lines
    assert ["failed", "1"] in lines
    assert ["kernel", "died:", "dan"] in lines
    assert ["manual", "pending", "1"] in lines
    assert ["late", "1"] in lines
    assert ["feedback", "1"] in lines
    rows = {row[1]: row for row in read_csv(status_csv)[1:]}
    assert set(rows) == {"ada", "bob", "cal", "'=evil", "dan"}
    assert rows["cal"][2:8] == ["graded", "6", "10", "30", "4", "no"]
    assert rows["bob"][7] == "yes"
    assert rows["dan"][2] == "kernel died"


def test_export_to_canvas_moodle_and_csv(course):
    run(
        "due",
        "hw1",
        "2026-03-02 17:00 UTC",
        "--penalty",
        "per-day:2",
        "--course-dir",
        str(course),
    )
    run(
        "late",
        "hw1",
        "--submissions",
        str(course / "submitted"),
        "--course-dir",
        str(course),
    )
    roster = course / "roster.csv"
    write_roster(
        roster,
        [
            ["student_id", "lms_id", "name", "sis_user_id", "section"],
            ["ada", "101", "Ada Lovelace", "S1", "A"],
            ["bob", "102", "Bob", "S2", "A"],
            ["cal", "103", "Cal", "S3", "B"],
            ["dan", "104", "Dan", "S4", "B"],
            ["eve", "105", "=HYPERLINK(\"http://x\")", "S5", "B"],  # no submission
        ],
    )  # fmt: skip
    canvas = course / "canvas.csv"
    code, out, err = run(
        "export", "hw1", "--to", "canvas", "--roster", str(roster),
        "--output", str(canvas), "--course-dir", str(course),
    )  # fmt: skip
    assert code == 0, err
    assert read_csv(canvas) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw1"],
        ["Points Possible", "", "", "", "", "10"],
        ["Ada Lovelace", "101", "S1", "", "A", "9"],
        ["Bob", "102", "S2", "", "A", ""],  # pending: not a final grade
        ["Cal", "103", "S3", "", "B", "6"],  # 10, less the late penalty
        ["Dan", "104", "S4", "", "B", ""],
        ['\'=HYPERLINK("http://x")', "105", "S5", "", "B", ""],
    ]
    assert "hw1: in the roster, with no submission (left empty): eve" in out
    assert "hw1: manual grading pending (left empty" in out and ": bob" in out
    assert "could not be graded (left empty): dan (kernel died)" in out
    assert "not in the roster (not exported; add them to the roster): =evil" in out

    code, out, err = run(
        "export", "hw1", "--to", "canvas", "--roster", str(roster), "--allow-pending",
        "--output", str(canvas), "--course-dir", str(course),
    )  # fmt: skip
    assert read_csv(canvas)[3] == ["Bob", "102", "S2", "", "A", "3"]

    moodle = course / "moodle.csv"
    run(
        "export", "hw1", "--to", "moodle", "--roster", str(roster),
        "--output", str(moodle), "--course-dir", str(course),
    )  # fmt: skip
    assert read_csv(moodle)[:2] == [["Username", "hw1"], ["101", "9"]]

    plain = course / "grades.csv"
    run(
        "export", "hw1", "--to", "csv", "--roster", str(roster),
        "--output", str(plain), "--course-dir", str(course),
    )  # fmt: skip
    rows = {row[0]: row for row in read_csv(plain)}
    assert rows["student_id"][3:] == [
        "hw1 score", "hw1 max_score", "hw1 late_penalty", "hw1 state"
    ]  # fmt: skip
    assert rows["cal"][3:] == ["6", "10", "4", "final"]
    assert rows["bob"][3:] == ["", "10", "0", "pending"]
    assert rows["eve"][3:] == ["", "10", "0", "missing"]
    assert rows["dan"][3:] == ["", "10", "0", "kernel died"]


@pytest.mark.parametrize(
    "rows, words",
    [
        ([["student", "lms_id"], ["ada", "1"]], "no student_id column"),
        ([["student_id", "lms_id"], ["ada", ""]], "line 2: ada has no lms_id"),
        ([["student_id", "lms_id"], ["ada", "1"], ["ada", "2"]], "in the roster twice"),
    ],
)
def test_a_bad_roster_is_refused_and_nothing_written(course, rows, words):
    roster = course / "roster.csv"
    write_roster(roster, rows)
    out = course / "canvas.csv"
    code, _, err = run(
        "export", "hw1", "--to", "canvas", "--roster", str(roster),
        "--output", str(out), "--course-dir", str(course),
    )  # fmt: skip
    assert code == 2 and words in err
    assert not out.exists()


def test_no_gradebook_yet_is_said_plainly(tmp_path):
    code, _, err = run("status", "--course-dir", str(tmp_path))
    assert code == 2 and "No gradebook at" in err
    assert not (tmp_path / "gradebook.db").exists()


def test_a_gradebook_only_nbgrader_wrote_is_read_not_changed(tmp_path):
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            gb.add_assignment("hw1")
            gb.add_notebook("hw1", "hw1")
            gb.add_grade_cell("t", "hw1", "hw1", max_score=2, cell_type="code")
            gb.add_student("ada")
            gb.add_submission("hw1", "ada")
        grade = gb.find_grade("t", "hw1", "hw1", "ada")
        grade.auto_score, grade.needs_manual_grade = 2, False  # as autograde sets
        gb.db.commit()
    before = (tmp_path / "gradebook.db").read_bytes()
    code, out, err = run("status", "hw1", "--course-dir", str(tmp_path))
    assert code == 0, err
    assert ["graded", "1"] in [line.split() for line in out.splitlines()]
    roster = tmp_path / "roster.csv"
    write_roster(roster, [["student_id", "lms_id"], ["ada", "7"]])
    code, _, err = run(
        "export", "hw1", "--to", "moodle", "--roster", str(roster),
        "--output", str(tmp_path / "m.csv"), "--course-dir", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    assert read_csv(tmp_path / "m.csv") == [["Username", "hw1"], ["7", "2"]]
    assert (tmp_path / "gradebook.db").read_bytes() == before


def test_a_linked_timestamp_is_refused_unread(course):
    run("due", "hw1", "2026-03-02 17:00", "--course-dir", str(course))
    stamp = course / "submitted" / "bob" / "hw1" / "timestamp.txt"
    secret = course / "secret.txt"
    secret.write_text("the instructor's password")
    stamp.symlink_to(secret)
    code, _, err = run(
        "late", "hw1", "--submissions", str(course / "submitted"),
        "--course-dir", str(course),
    )  # fmt: skip
    assert code == 2 and "a link" in err
    assert "password" not in err


def test_grade_refuses_a_malformed_timestamp_before_grading_anyone(tmp_path):
    folder = tmp_path / "submitted" / "ada" / "01-sigmoid"
    shutil.copytree(FIXTURES / "01-sigmoid" / "ada" / "01-sigmoid", folder)
    (folder / "timestamp.txt").write_text("2026-13-45 25:00 UTC")
    process = run_cli(
        "grade", "01-sigmoid", "--submissions", str(tmp_path / "submitted"),
        "--csv", str(tmp_path / "grades.csv"), "--course-dir", str(tmp_path),
    )  # fmt: skip
    assert process.returncode == 2
    assert "ada/01-sigmoid/timestamp.txt" in process.stderr
    assert not (tmp_path / "gradebook.db").exists()
    assert not (tmp_path / "grades.csv").exists()


def test_the_grade_csv_neutralises_formulas_in_learner_text(tmp_path):
    # A learner folder named like a formula, and a message quoting learner
    # output, reach the grades CSV as text, not as formulas.
    import csv

    from autograder.grading.one_learner import Result
    from autograder.grading.report import write_csv

    results = [
        Result("=HYPERLINK(\"http://x\")", "01-sigmoid", 2.0, 3.0, "graded",
               message="+cmd|' /C calc'!A0", tests={"t1": 2.0, "t2": None}),
        Result("ada", "01-sigmoid", 3.0, 3.0, "graded", tests={"t1": 2.0, "t2": 1.0}),
    ]  # fmt: skip
    path = tmp_path / "grades.csv"
    write_csv(results, path, ["t1", "t2"])
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][5] == "'+cmd|' /C calc'!A0"
    assert rows[1][2:4] == ["2", "3"] and rows[1][-2:] == ["2", ""]
    assert rows[2][:4] == ["ada", "01-sigmoid", "3", "3"]
