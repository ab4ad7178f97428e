"""Totals from nbgrader's gradebook into a learning-management system's CSV.

Formats:

- ``canvas``: Canvas's gradebook import CSV (the columns of its own
  gradebook export: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section``, one column per assignment, and a ``Points Possible`` row);
- ``moodle``: Moodle's grade import CSV (one identity column, mapped in
  Moodle's import form to the user field it holds, and one column per
  grade item);
- ``csv``: everything, for a spreadsheet: per assignment the score after
  any late penalty, the maximum, the penalty and the state.

Learners are matched to the LMS through a roster CSV with a ``student_id``
column (the nbgrader id) and an ``lms_id`` column (Canvas's user ID, or the
Moodle field the import maps: an email address or a username), and
optionally ``name``, ``sis_user_id``, ``sis_login_id``, ``section``. Nobody
is dropped silently: learners in the roster with no submission, and
submissions from learners not in the roster, are listed. A learner whose
manual grading is pending gets an empty cell, not a final grade, unless
``allow_pending``.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading import csvsafe
from autograder.grading import gradebook as course_gradebook

FORMATS = ("canvas", "moodle", "csv")
ROSTER_OPTIONAL = ("name", "sis_user_id", "sis_login_id", "section")


@dataclass
class Grade:
    """One learner's total in one assignment, and whether it is final."""

    state: str  # final, pending, missing, or why grading failed
    score: float = None  # after any late penalty
    max_score: float = 0.0
    penalty: float = 0.0


@dataclass
class Export:
    """What was written, and who needs the instructor's attention."""

    path: Path
    rows: int
    no_submission: dict = field(default_factory=dict)  # assignment: [student]
    not_in_roster: list = field(default_factory=list)
    pending: dict = field(default_factory=dict)  # assignment: [student]
    failed: dict = field(default_factory=dict)  # assignment: [student: state]

    def report(self):
        lines = [f"wrote {self.path}: {self.rows} learners"]
        for title, found in (
            ("in the roster, with no submission (left empty)", self.no_submission),
            (
                "manual grading pending (left empty; --allow-pending exports "
                "the score so far)",
                self.pending,
            ),  # fmt: skip
            ("could not be graded (left empty)", self.failed),
        ):
            for assignment, students in sorted(found.items()):
                if students:
                    lines.append(f"  {assignment}: {title}: {', '.join(students)}")
        if self.not_in_roster:
            lines.append(
                "  submissions from learners not in the roster (not exported; "
                f"add them to the roster): {', '.join(self.not_in_roster)}"
            )
        return "\n".join(lines)


def read_roster(path, lms):
    """The roster's rows, by ``student_id``, checked.

    Raises
    ------
    ValueError
        If the file is missing, lacks a needed column, or names a learner
        twice or without an LMS id.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--roster {path}: no such file.")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        needed = ["student_id"] + (["lms_id"] if lms != "csv" else [])
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"--roster {path}: no {', '.join(missing)} column. The roster is "
                "a CSV file with a header: student_id (the learner's nbgrader id), "
                "lms_id (their id in the LMS), and optionally "
                f"{', '.join(ROSTER_OPTIONAL)}."
            )
        roster = {}
        for line, row in enumerate(reader, start=2):
            student = (row.get("student_id") or "").strip()
            if not student:
                raise ValueError(f"--roster {path}, line {line}: no student_id.")
            if student in roster:
                raise ValueError(
                    f"--roster {path}, line {line}: {student} is in the roster twice."
                )
            if lms != "csv" and not (row.get("lms_id") or "").strip():
                raise ValueError(
                    f"--roster {path}, line {line}: {student} has no lms_id, "
                    f"which {lms} needs to match the grade to a user."
                )
            roster[student] = {k: (v or "").strip() for k, v in row.items() if k}
    return roster


def grades(gradebook, assignment, allow_pending=False):
    """``{student: Grade}`` for everyone with a submission or a failed one."""
    record = course_gradebook.assignment(gradebook, assignment)
    found = {
        student: Grade(row.status, max_score=record.max_score)
        for student, row in course_gradebook.grading_results(
            gradebook, assignment
        ).items()
    }
    for submission in record.submissions:
        penalty = submission.late_submission_penalty or 0.0
        pending = bool(submission.needs_manual_grade)
        found[submission.student.id] = Grade(
            "pending" if pending else "final",
            max(0.0, submission.score - penalty),
            record.max_score,
            penalty,
        )
    for grade in found.values():
        if grade.state == "pending" and allow_pending:
            grade.state = "final (manual grading pending)"
    return found


def export(
    assignments, lms, roster_path, output, *, allow_pending=False, course_dir=None,
    db_url=None,
):  # fmt: skip
    """Write the totals of ``assignments`` for ``lms`` to ``output``.

    Returns
    -------
    Export
    """
    if lms not in FORMATS:
        raise ValueError(f"--to {lms}: use one of {', '.join(FORMATS)}.")
    if not assignments:
        raise ValueError("Name at least one ASSIGNMENT to export.")
    roster = read_roster(roster_path, lms)
    course_dir, db_url = course_gradebook.locate(course_dir, db_url)
    with course_gradebook.open_gradebook(db_url) as gradebook:
        table = {a: grades(gradebook, a, allow_pending) for a in assignments}
        maxima = {
            a: course_gradebook.assignment(gradebook, a).max_score for a in assignments
        }
    result = Export(Path(output), len(roster))
    for assignment, found in table.items():
        result.no_submission[assignment] = [s for s in roster if s not in found]
        result.pending[assignment] = [
            s for s in roster if s in found and found[s].state == "pending"
        ]
        result.failed[assignment] = [
            f"{s} ({found[s].state})"
            for s in roster
            if s in found and found[s].score is None and found[s].state != "missing"
        ]
        result.no_submission[assignment] += [
            s for s in roster if s in found and found[s].state == "missing"
        ]
    handed_in = {
        s for f in table.values() for s, g in f.items() if g.state != "missing"
    }
    result.not_in_roster = sorted(handed_in - set(roster))

    def cell(student, assignment):
        grade = table[assignment].get(student)
        if grade is None or grade.score is None or grade.state == "pending":
            return ""
        return grade.score

    if lms == "canvas":
        header = [
            "Student",
            "ID",
            "SIS User ID",
            "SIS Login ID",
            "Section",
            *assignments,
        ]
        rows = [["Points Possible", "", "", "", "", *(maxima[a] for a in assignments)]]
        rows += [
            [
                r.get("name", ""),
                r["lms_id"],
                r.get("sis_user_id", ""),
                r.get("sis_login_id", ""),
                r.get("section", ""),
                *(cell(s, a) for a in assignments),
            ]  # fmt: skip
            for s, r in roster.items()
        ]
    elif lms == "moodle":
        ids = [r["lms_id"] for r in roster.values()]
        identity = "Email address" if all("@" in i for i in ids) else "Username"
        header = [identity, *assignments]
        rows = [
            [r["lms_id"], *(cell(s, a) for a in assignments)] for s, r in roster.items()
        ]
    else:
        header = ["student_id", "lms_id", "name"]
        for a in assignments:
            header += [
                f"{a} score",
                f"{a} max_score",
                f"{a} late_penalty",
                f"{a} state",
            ]
        rows = []
        for s, r in roster.items():
            row = [s, r.get("lms_id", ""), r.get("name", "")]
            for a in assignments:
                grade = table[a].get(s) or Grade("missing", max_score=maxima[a])
                row += [cell(s, a), maxima[a], grade.penalty, grade.state]
            rows.append(row)
    csvsafe.write(output, header, rows)
    return result
