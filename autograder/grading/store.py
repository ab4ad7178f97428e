"""Store each learner's result as soon as it is known, in nbgrader's gradebook.

Grades, per-cell scores and comments go where nbgrader's own ``autograde``
puts them, so ``nbgrader export``, the formgrader and manual grading work
on them; the graded notebooks go to the course's ``autograded/`` folder and
the feedback pages to the feedback folder.

What nbgrader's schema has no place for (why a learner could not be graded,
and a digest of the notebooks that were graded) goes into a table of our own
in the same database, written in the same transaction as the scores and
after every file: a learner counts as graded once that row is committed, so
a run that is killed at any point loses at most the learners in progress,
and running again grades exactly those whose row is missing or whose
notebooks changed.
"""

import datetime
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, delete, select

from autograder.grading.one_learner import GRADED, Result
from autograder.nbgrader_run import open_gradebook

RESULTS = Table(
    "sigmoid_grading_result",
    MetaData(),
    Column("assignment", String(128), primary_key=True),
    Column("student", String(128), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("feedback", Text, nullable=False),
    Column("graded_at", DateTime, nullable=False),
)


class Store:
    """The gradebook at ``url``, and the folders for feedback and notebooks.

    Parameters
    ----------
    url : str
        SQLAlchemy URL of the gradebook (``sqlite:///gradebook.db``,
        ``postgresql://...``).
    template : Template
        The assignment, added to the gradebook as ``generate_assignment``
        would add it.
    feedback_dir, autograded_dir : path
        Where ``<student>/<assignment>/`` folders of feedback pages and of
        graded notebooks go.
    course_id : str
        The nbgrader course the gradebook is for.
    """

    def __init__(self, url, template, feedback_dir, autograded_dir, course_id):
        self.assignment = template.assignment
        self.template = template
        self.feedback_dir = Path(feedback_dir)
        self.autograded_dir = Path(autograded_dir)
        self.gradebook = open_gradebook(url, course_id)
        RESULTS.metadata.create_all(self.gradebook.engine)
        self._add_assignment(template)

    def close(self):
        self.gradebook.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def digests(self):
        """``{student: digest}`` of every learner graded already."""
        rows = self.gradebook.db.execute(
            select(RESULTS.c.student, RESULTS.c.digest).where(
                RESULTS.c.assignment == self.assignment
            )
        )
        return dict(rows.all())

    def save(self, result):
        """Write ``result``'s files, then commit its grades in one transaction.

        A submission that could not be graded changes no grade: a learner
        graded before keeps that grade, manual scores included, and gets the
        error page beside the earlier feedback. ``result`` is then what the
        gradebook holds (manual scores included), as :meth:`results` says.
        """
        student = result.student_id
        gradebook, assignment = self.gradebook, self.assignment
        graded_before = self._submitted(student)
        if result.status == GRADED:
            changed = self._changed_cells(student, result.autograded)
            result.feedback = self._write(result.files, self.feedback_dir, student)
            self._write(result.autograded, self.autograded_dir, student)
            gradebook.update_or_create_student(student)
            # nbgrader's add_submission builds the submission's objects
            # before adding it to the session: without this, SQLAlchemy warns
            # three times (SAWarning) when it would flush half of them.
            with gradebook.db.no_autoflush:
                when = {"timestamp": result.timestamp} if result.timestamp else {}
                gradebook.update_or_create_submission(assignment, student, **when)
            for notebook, record in result.notebooks.items():
                for cell, score in record["grades"].items():
                    grade = gradebook.find_grade(cell, notebook, assignment, student)
                    grade.auto_score = score
                    # nbgrader's rule (a person grades what has no automatic
                    # score, and reviews every manual score), except that a
                    # manual score of a cell the learner did not change
                    # stays done unless it still waits for its review.
                    if grade.manual_score is None:
                        grade.needs_manual_grade = score is None
                    elif (notebook, cell) in changed:
                        grade.needs_manual_grade = True
                for cell, text in record["comments"].items():
                    comment = gradebook.find_comment(
                        cell, notebook, assignment, student
                    )
                    comment.auto_comment = text
        else:
            result.feedback = self._write(
                result.files, self.feedback_dir, student, replace=not graded_before
            )
            gradebook.update_or_create_student(student)
        key = (RESULTS.c.assignment == assignment) & (RESULTS.c.student == student)
        gradebook.db.execute(delete(RESULTS).where(key))
        gradebook.db.execute(
            RESULTS.insert().values(
                assignment=assignment,
                student=student,
                digest=result.digest,
                status=result.status,
                message=result.message,
                feedback=result.feedback,
                graded_at=datetime.datetime.now(datetime.timezone.utc),
            )
        )
        gradebook.db.commit()
        self._fill(result)

    def results(self, students):
        """The Result of each of ``students``, as the gradebook has it now."""
        template = self.template
        rows = self.gradebook.db.execute(
            select(RESULTS).where(RESULTS.c.assignment == self.assignment)
        )
        stored = {row.student: row for row in rows}
        results = []
        for student in students:
            row = stored[student]
            result = Result(
                student, self.assignment, 0.0, template.max_score, row.status,
                row.message, row.feedback, digest=row.digest,
            )  # fmt: skip
            results.append(self._fill(result))
        return results

    def _fill(self, result):
        """Put the gradebook's scores (manual ones included) into ``result``.

        As ``nbgrader export``: a cell's score is the manual one if a person
        gave one, else the automatic one. Cells flagged ``needs_manual_grade``
        are named in ``pending`` and in the message.
        """
        from nbgrader.api import MissingEntry

        result.max_score = self.template.max_score
        result.tests = dict.fromkeys(self.template.tests, 0.0)
        result.pending = []
        try:
            submission = self.gradebook.find_submission(
                self.assignment, result.student_id
            )
        except MissingEntry:
            result.score = 0.0
            return result
        result.score = float(submission.score)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name not in result.tests:
                    continue
                unscored = grade.auto_score is None and grade.manual_score is None
                result.tests[grade.name] = None if unscored else float(grade.score)
                if grade.needs_manual_grade:
                    result.pending.append(grade.name)
        notes = [result.message] if result.message else []
        if result.status != GRADED:
            notes.append("the grade of the previous submission stands")
        if result.pending:
            points = sum(self.template.tests[name] for name in result.pending)
            notes.append(
                f"manual grading pending: {', '.join(result.pending)} "
                f"({points:g} points)"
            )
        result.message = "; ".join(notes)
        return result

    def _changed_cells(self, student, notebooks):
        """(notebook, cell) whose source differs from the last graded copy."""
        import nbformat

        changed = set()
        for name, content in notebooks.items():
            notebook = Path(name).stem
            new = _cell_sources(nbformat.reads(content.decode(), as_version=4))
            path = self.autograded_dir / student / self.assignment / name
            try:
                old = _cell_sources(nbformat.read(path, as_version=4))
            except (OSError, ValueError):
                old = {}
            changed |= {(notebook, cell) for cell in new if new[cell] != old.get(cell)}
        return changed

    def _submitted(self, student):
        from nbgrader.api import MissingEntry

        try:
            self.gradebook.find_submission(self.assignment, student)
        except MissingEntry:
            return False
        return True

    def _due(self, name):
        from nbgrader.api import MissingEntry

        try:
            return self.gradebook.find_assignment(name).duedate
        except MissingEntry:
            return None

    def _write(self, files, folder, student, replace=True):
        target = folder / student / self.assignment
        if not files:
            return str(target) if target.is_dir() and not replace else ""
        if target.exists() and replace:
            shutil.rmtree(target)
        for name, content in files.items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return str(target)

    def _add_assignment(self, template):
        """Record the assignment's notebooks and cells, as generate_assignment does."""
        gradebook, name = self.gradebook, self.assignment
        with tempfile.TemporaryDirectory(prefix="sigmoid-gradebook-") as scratch:
            path = Path(scratch) / "gradebook.db"
            path.write_bytes(template.files["gradebook.db"])
            with open_gradebook(f"sqlite:///{path}") as source:
                record = source.find_assignment(name)
                # A due date set with the `due` command outlives regrading.
                due = self._due(name) or record.duedate
                gradebook.update_or_create_assignment(name, duedate=due)
                for notebook in record.notebooks:
                    _copy_notebook(gradebook, name, notebook)


def _cell_sources(notebook):
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id")
    }


def _copy_notebook(gradebook, assignment, notebook):
    gradebook.update_or_create_notebook(
        notebook.name, assignment, kernelspec=notebook.kernelspec
    )
    where = (notebook.name, assignment)
    for cell in notebook.grade_cells:
        gradebook.update_or_create_grade_cell(
            cell.name, *where, max_score=cell.max_score, cell_type=cell.cell_type
        )
    for cell in notebook.solution_cells:
        gradebook.update_or_create_solution_cell(cell.name, *where)
    for cell in notebook.task_cells:
        gradebook.update_or_create_task_cell(
            cell.name, *where, max_score=cell.max_score, cell_type=cell.cell_type
        )
    for cell in notebook.source_cells:
        gradebook.update_or_create_source_cell(
            cell.name, *where, cell_type=cell.cell_type, locked=cell.locked,
            source=cell.source, checksum=cell.checksum,
        )  # fmt: skip
