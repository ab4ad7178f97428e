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
    """

    def __init__(self, url, template, feedback_dir, autograded_dir):
        self.assignment = template.assignment
        self.template = template
        self.feedback_dir = Path(feedback_dir)
        self.autograded_dir = Path(autograded_dir)
        self.gradebook = open_gradebook(url)
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
        """Write ``result``'s files, then commit its grades in one transaction."""
        student = result.student_id
        result.feedback = self._write(result.files, self.feedback_dir, student)
        self._write(result.autograded, self.autograded_dir, student)
        gradebook, assignment = self.gradebook, self.assignment
        gradebook.update_or_create_student(student)
        if result.status == GRADED:
            # As nbgrader's SaveAutoGrades does: the autograder's score is
            # kept apart from a grader's manual one, which it never replaces.
            gradebook.update_or_create_submission(assignment, student)
            for notebook, record in result.notebooks.items():
                for cell, score in record["grades"].items():
                    grade = gradebook.find_grade(cell, notebook, assignment, student)
                    grade.auto_score = score
                    grade.needs_manual_grade = (
                        grade.manual_score is not None or score is None
                    )
                for cell, text in record["comments"].items():
                    comment = gradebook.find_comment(
                        cell, notebook, assignment, student
                    )
                    comment.auto_comment = text
        elif self._submitted(student):
            # The notebooks changed into something that cannot be graded:
            # the old scores are not this submission's.
            gradebook.remove_submission(assignment, student)
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
                row.message, row.feedback, tests=dict.fromkeys(template.tests, 0.0),
                digest=row.digest,
            )  # fmt: skip
            if row.status == GRADED:
                # Includes a grader's manual scores, as nbgrader export does.
                submission = self.gradebook.find_submission(self.assignment, student)
                result.score = float(submission.score)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.name in result.tests:
                            result.tests[grade.name] = float(grade.score)
            results.append(result)
        return results

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

    def _write(self, files, folder, student):
        if not files:
            return ""
        target = folder / student / self.assignment
        if target.exists():
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
