"""Find a course's nbgrader gradebook, and an assignment in it.

The term's commands (``due``, ``late``, ``status``, ``export``) read and
write the gradebook that ``grade`` and nbgrader's formgrader write: the
course folder's ``gradebook.db`` unless ``--db`` names another.
"""

from pathlib import Path

from autograder import course
from autograder.nbgrader_run import open_gradebook

__all__ = ["locate", "assignment", "grading_results", "open_gradebook"]


def locate(course_dir=None, db_url=None, *, must_exist=True):
    """The course folder and the gradebook's URL, checked.

    Raises
    ------
    ValueError
        If the course folder is missing, or (``must_exist``) the SQLite
        gradebook is: nothing has been graded there yet.
    """
    course_dir = Path(course_dir or course.ROOT).resolve()
    if not course_dir.is_dir():
        raise ValueError(f"--course-dir {course_dir} is not a folder.")
    if db_url is None:
        path = course_dir / "gradebook.db"
        if must_exist and not path.is_file():
            raise ValueError(
                f"No gradebook at {path}: nothing was graded in this course "
                "folder yet. Grade first (python -m autograder grade ... "
                "--course-dir DIR), or name the gradebook with --db URL."
            )
        db_url = f"sqlite:///{path}"
    return course_dir, db_url


def assignment(gradebook, name):
    """The gradebook's record of assignment ``name``.

    Raises
    ------
    ValueError
        If the gradebook has no such assignment; the message lists those it has.
    """
    from nbgrader.api import MissingEntry

    try:
        return gradebook.find_assignment(name)
    except MissingEntry:
        known = ", ".join(a.name for a in gradebook.assignments) or "none yet"
        raise ValueError(
            f"No assignment named {name!r} in the gradebook. Assignments there: "
            f"{known}."
        ) from None


def grading_results(gradebook, name):
    """``{student: row}`` of what ``grade`` recorded for assignment ``name``.

    Rows of the grade command's own table (status, message, feedback
    folder); none in a gradebook that only nbgrader wrote, which is read,
    not changed.
    """
    from sqlalchemy import inspect, select

    from autograder.grading.store import RESULTS

    if not inspect(gradebook.engine).has_table(RESULTS.name):
        return {}
    rows = gradebook.db.execute(select(RESULTS).where(RESULTS.c.assignment == name))
    return {row.student: row for row in rows}
