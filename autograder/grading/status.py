"""Where each assignment stands: one view of the gradebook, for the terminal or CSV.

Per assignment: learners who handed something in, graded, failed (and why),
with manual grading pending, late, and with feedback written. It reads
nbgrader's gradebook only, so grades entered in formgrader count, and a
course graded with plain nbgrader works too.
"""

from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading import csvsafe
from autograder.grading import gradebook as course_gradebook
from autograder.grading.late import policy_of

MISSING = "missing"  # grade's status for a learner folder without the assignment
DONE = ("graded", MISSING)  # not failures
LEARNER_FIELDS = [
    "assignment", "student_id", "state", "score", "max_score", "late_hours",
    "late_penalty", "manual_pending", "feedback", "message",
]  # fmt: skip


@dataclass
class Learner:
    """One learner's state in one assignment."""

    assignment: str
    student_id: str
    state: str  # graded, or why not (kernel died, invalid notebook, ...)
    score: float = 0.0  # after any late penalty
    max_score: float = 0.0
    late_hours: float = 0.0
    late_penalty: float = 0.0
    manual_pending: bool = False
    feedback: str = ""  # the folder of the learner's feedback pages
    message: str = ""

    def row(self):
        return [
            self.assignment, self.student_id, self.state, self.score,
            self.max_score, round(self.late_hours, 2), self.late_penalty,
            "yes" if self.manual_pending else "no", self.feedback, self.message,
        ]  # fmt: skip


@dataclass
class Assignment:
    """Counts over one assignment's learners."""

    name: str
    duedate: object
    policy: str
    learners: list = field(default_factory=list)

    def count(self, test):
        return sum(map(test, self.learners))

    @property
    def failures(self):
        """``{state: [student, ...]}`` of the learners that could not be graded."""
        found = {}
        for learner in self.learners:
            if learner.state != "graded":
                found.setdefault(learner.state, []).append(learner.student_id)
        return found


def collect(gradebook, course_dir, names=None):
    """An :class:`Assignment` for each of ``names`` (default: every one)."""
    records = (
        [course_gradebook.assignment(gradebook, name) for name in names]
        if names
        else sorted(gradebook.assignments, key=lambda a: a.name)
    )
    found = []
    for record in records:
        rows = course_gradebook.grading_results(gradebook, record.name)
        view = Assignment(
            record.name, record.duedate, policy_of(gradebook, record.name).describe()
        )
        submitted = {s.student.id: s for s in record.submissions}
        for student in sorted(set(rows) | set(submitted)):
            row, submission = rows.get(student), submitted.get(student)
            pages = [course_dir / "feedback" / student / record.name]
            if row is not None and row.feedback:
                pages.insert(0, Path(row.feedback))
            feedback = next(
                (str(p) for p in pages if p.is_dir() and any(p.glob("*.html"))), ""
            )
            learner = Learner(
                record.name, student, "graded", max_score=record.max_score,
                feedback=feedback, message=row.message if row is not None else "",
            )  # fmt: skip
            if submission is None:
                learner.state = row.status
            else:
                learner.late_hours = submission.total_seconds_late / 3600
                learner.late_penalty = submission.late_submission_penalty or 0.0
                learner.score = max(0.0, submission.score - learner.late_penalty)
                learner.manual_pending = bool(submission.needs_manual_grade)
            view.learners.append(learner)
        found.append(view)
    return found


def render(assignments, detail=False):
    """The status as text for a terminal."""
    lines = []
    for view in assignments:
        due = f"{view.duedate:%Y-%m-%d %H:%M} UTC" if view.duedate else "none set"
        lines += [
            f"{view.name} (due {due}; late policy: {view.policy})",
            f"  submitted        {view.count(lambda x: x.state != MISSING)}",
            f"  graded           {view.count(lambda x: x.state == 'graded')}",
            f"  failed           {view.count(lambda x: x.state not in DONE)}",
        ]
        failures = view.failures
        missing = failures.pop(MISSING, [])
        for state, students in sorted(failures.items()):
            lines.append(f"    {state}: {', '.join(students)}")
        if missing:
            lines.append(f"  not handed in    {len(missing)}: {', '.join(missing)}")
        pending = [x.student_id for x in view.learners if x.manual_pending]
        late = [x for x in view.learners if x.late_hours > 0]
        lines.append(f"  manual pending   {len(pending)}")
        if pending:
            lines.append(f"    {', '.join(pending)}")
        lines.append(f"  late             {len(late)}")
        for x in late:
            lines.append(
                f"    {x.student_id}: {x.late_hours:.1f} h late, "
                f"penalty {x.late_penalty:g}"
            )
        lines.append(f"  feedback         {view.count(lambda x: bool(x.feedback))}")
        if detail:
            lines.append(
                "  learner          state            score   late h  pending  feedback"
            )
            for x in view.learners:
                lines.append(
                    f"  {x.student_id:<16} {x.state:<16} "
                    f"{x.score:>5g}/{x.max_score:<4g}"
                    f"{x.late_hours:>5.1f}  {'yes' if x.manual_pending else 'no':<8} "
                    f"{'yes' if x.feedback else 'no'}"
                )
    return "\n".join(lines)


def status(names=None, *, course_dir=None, db_url=None, csv_path=None):
    """The status of ``names`` (default: every assignment) as text.

    With ``csv_path``, also one CSV row per learner and assignment.
    """
    course_dir, db_url = course_gradebook.locate(course_dir, db_url)
    with course_gradebook.open_gradebook(db_url) as gradebook:
        views = collect(gradebook, course_dir, names)
    if csv_path:
        rows = [x.row() for view in views for x in view.learners]
        csvsafe.write(csv_path, LEARNER_FIELDS, rows)
    if not views:
        return "No assignments in the gradebook yet."
    return render(views, detail=bool(names))
