"""Late work: due dates, submission times and penalties, the nbgrader way.

- The due date is nbgrader's ``duedate`` of the assignment in the gradebook
  (:func:`set_due`, the ``due`` command), in UTC as nbgrader keeps it.
- The submission time is the ``timestamp.txt`` nbgrader's ``submit`` and
  ``collect`` put beside the notebooks, parsed by nbgrader's ``parse_utc``;
  it becomes the submission's ``timestamp`` in the gradebook, so nbgrader's
  ``total_seconds_late`` says how late it was.
- The penalty comes from a :class:`Policy`, a subclass of nbgrader's
  ``LateSubmissionPlugin`` (so ``nbgrader autograde`` can use it too, with
  ``c.AssignLatePenalties.plugin_class = "autograder.grading.late.Policy"``),
  and goes where nbgrader's ``AssignLatePenalties`` puts it: each
  notebook's ``late_submission_penalty``, never more than its score. The
  score after the penalty is nbgrader's too: ``max(0, score - penalty)``,
  as ``nbgrader export`` writes it.

A grader's manual scores change a score after the penalty was computed:
``python -m autograder late`` computes every penalty again.
"""

import html
import math
import re
from dataclasses import dataclass
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from sqlalchemy import Column, MetaData, String, Table, Text, select
from traitlets import Float

from autograder.grading import gradebook as course_gradebook

POLICIES = Table(
    "sigmoid_late_policy",
    MetaData(),
    Column("assignment", String(128), primary_key=True),
    Column("policy", Text, nullable=False),
)
TIMESTAMP = "timestamp.txt"
PENALTY_HELP = (
    "none (late work is marked, not penalised), zero (a late notebook "
    "scores 0), per-hour:POINTS or per-day:POINTS (POINTS off for each "
    "hour or day started after the due date)"
)


class Policy(LateSubmissionPlugin):
    """nbgrader's late-submission plugin, with deductions and a cutoff.

    ``penalty_method`` (``none`` or ``zero``) is nbgrader's own; the
    deductions and the cutoff add to it.

    Examples
    --------
    >>> policy = Policy(per_day=2.0, zero_after_hours=72.0)
    >>> policy.late_submission_penalty("ada", 20.0, 3600.0)  # 1 day started
    2.0
    >>> policy.late_submission_penalty("ada", 20.0, 25 * 3600.0)  # 2 days
    4.0
    >>> policy.late_submission_penalty("ada", 20.0, 73 * 3600.0)  # past cutoff
    20.0
    >>> Policy().late_submission_penalty("ada", 20.0, 3600.0) is None
    True
    """

    per_hour = Float(0.0, help="points off for each hour started late").tag(config=True)
    per_day = Float(0.0, help="points off for each day started late").tag(config=True)
    zero_after_hours = Float(
        None, allow_none=True, help="a submission later than this scores 0"
    ).tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if total_seconds_late <= 0:
            return None
        cutoff = self.zero_after_hours
        if self.penalty_method == "zero" or (
            cutoff is not None and total_seconds_late > cutoff * 3600
        ):
            return score
        deduction = self.per_hour * math.ceil(total_seconds_late / 3600)
        deduction += self.per_day * math.ceil(total_seconds_late / 86400)
        return deduction or None

    def describe(self):
        """The policy in words, for feedback pages and the status view."""
        if self.penalty_method == "zero":
            words = ["a late notebook scores 0"]
        else:
            words = [
                f"{points:g} points off per {unit} started"
                for points, unit in ((self.per_hour, "hour"), (self.per_day, "day"))
                if points
            ] or ["late work is marked, not penalised"]
        if self.zero_after_hours is not None and self.penalty_method != "zero":
            words.append(f"0 after {self.zero_after_hours:g} hours late")
        return "; ".join(words)

    def spec(self):
        """The ``--penalty`` and ``--zero-after`` that make this policy."""
        if self.penalty_method == "zero":
            text = "zero"
        elif self.per_hour:
            text = f"per-hour:{self.per_hour:g}"
        elif self.per_day:
            text = f"per-day:{self.per_day:g}"
        else:
            text = "none"
        if self.zero_after_hours is not None:
            text += f",zero-after:{self.zero_after_hours:g}"
        return text


def parse_policy(penalty="none", zero_after=None):
    """The Policy that ``--penalty`` and ``--zero-after HOURS`` describe.

    Examples
    --------
    >>> parse_policy("per-day:2", 72).describe()
    '2 points off per day started; 0 after 72 hours late'
    >>> parse_policy("weekly:3")
    Traceback (most recent call last):
    ...
    ValueError: --penalty weekly:3 is not a policy. Use none (late work ...
    """
    penalty, _, cutoff = penalty.partition(",zero-after:")
    if cutoff:
        zero_after = cutoff
    kind, _, points = penalty.partition(":")
    error = ValueError(f"--penalty {penalty} is not a policy. Use {PENALTY_HELP}.")
    policy = Policy()
    if kind in ("none", "zero") and not points:
        policy.penalty_method = kind
    elif kind in ("per-hour", "per-day") and points:
        try:
            value = float(points)
        except ValueError:
            raise error from None
        if not value > 0:
            raise ValueError(f"--penalty {penalty}: POINTS must be above 0.")
        setattr(policy, kind.replace("-", "_"), value)
    else:
        raise error
    if zero_after is not None:
        try:
            hours = float(zero_after)
        except ValueError:
            hours = -1.0
        if not hours >= 0:
            raise ValueError(
                f"--zero-after {zero_after}: give the hours after the due date "
                "past which late work scores 0 (a number, 0 or more)."
            )
        policy.zero_after_hours = hours
    return policy


def parse_when(text, what="due date"):
    """``text`` as a UTC datetime (naive, as nbgrader stores it).

    A time without a zone is taken as UTC, as nbgrader does.

    Examples
    --------
    >>> parse_when("2026-03-02 17:00:00 Europe/Paris")
    datetime.datetime(2026, 3, 2, 16, 0)
    >>> parse_when("2026-03-02 16:59:10.5 UTC")
    datetime.datetime(2026, 3, 2, 16, 59, 10, 500000)
    >>> parse_when("2026-03-02T18:00+01:00")
    datetime.datetime(2026, 3, 2, 17, 0)
    >>> parse_when("yesterday")
    Traceback (most recent call last):
    ...
    ValueError: 'yesterday' is not a due date. Write it as ...
    """
    # nbgrader's parse_utc reads a numeric zone after a space ("+0100") as
    # seconds; dateutil reads it right, and a zone name is looked up here.
    import dateutil.parser
    import dateutil.tz

    text = text.strip()
    head, _, zone = text.rpartition(" ")
    tz = dateutil.tz.gettz(zone) if head and zone[:1].isalpha() else None
    try:
        when = dateutil.parser.parse(head if tz else text)
    except (ValueError, OverflowError):
        when = None
    if when is not None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=tz or dateutil.tz.UTC)
        when = when.astimezone(dateutil.tz.UTC).replace(tzinfo=None)
    if when is None:
        raise ValueError(
            f"{text!r} is not a {what}. Write it as YYYY-MM-DD HH:MM[:SS] with "
            "an optional time zone (UTC, +0100, Europe/Paris), e.g. "
            "'2026-03-02 17:00 UTC', or as ISO 8601."
        )
    return when


def read_timestamp(folder):
    """The submission time in ``folder/timestamp.txt`` (UTC), or None if absent.

    Raises
    ------
    ValueError
        If the file is there but is not a time: the message names the file.
    """
    path = Path(folder) / TIMESTAMP
    if path.is_symlink():
        # It could point at a file of the instructor's, shown in the error.
        raise ValueError(f"{path}: a link, not nbgrader's file. Replace it.")
    if not path.is_file():
        return None
    with open(path, "rb") as handle:
        text = handle.read(200).decode("utf-8", errors="replace").strip()
    try:
        return parse_when(text, "submission time")
    except ValueError as exc:
        raise ValueError(
            f"{path}: {exc} nbgrader writes it as '2026-03-02 16:59:10.123456 UTC'."
        ) from None


def read_timestamps(submissions, assignment):
    """``{student: time or None}`` for every learner folder, all read first.

    Raises
    ------
    ValueError
        Naming every malformed ``timestamp.txt`` at once, before anything
        is written.
    """
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise ValueError(
            f"--submissions {submissions} is not a folder. It should hold one "
            "folder per learner, as nbgrader's submitted/ does."
        )
    times, errors = {}, []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir()):
        try:
            times[folder.name] = read_timestamp(folder / assignment)
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise ValueError(
            "Malformed submission times; fix or remove these files and run "
            "again (nothing was changed):\n  " + "\n  ".join(errors)
        )
    return times


def set_due(assignment, when, policy, *, course_dir=None, db_url=None):
    """Set ``assignment``'s due date and late policy in the gradebook.

    The gradebook is created if it is new; an assignment it does not hold
    yet must be one of the course's (``solutions/``) or have a ``source/``
    folder in ``course_dir``.

    Returns
    -------
    datetime
        The due date, in UTC.
    """
    from autograder import course
    from autograder.nbgrader_run import open_gradebook

    course_dir, db_url = course_gradebook.locate(course_dir, db_url, must_exist=False)
    due = parse_when(when)
    with open_gradebook(db_url) as gradebook:
        known = {a.name for a in gradebook.assignments}
        if assignment not in known:
            ours = assignment in course.assignments()
            if not ours and not (course_dir / "source" / assignment).is_dir():
                course_gradebook.assignment(gradebook, assignment)  # the error
        gradebook.update_or_create_assignment(assignment, duedate=due)
        _save_policy(gradebook, assignment, policy)
    return due


def policy_of(gradebook, assignment):
    """The Policy set for ``assignment`` (no penalty if none was set)."""
    from sqlalchemy import inspect

    if not inspect(gradebook.engine).has_table(POLICIES.name):
        return Policy()
    row = gradebook.db.execute(
        select(POLICIES.c.policy).where(POLICIES.c.assignment == assignment)
    ).first()
    return parse_policy(row[0]) if row else Policy()


def _save_policy(gradebook, assignment, policy):
    POLICIES.metadata.create_all(gradebook.engine)
    gradebook.db.execute(POLICIES.delete().where(POLICIES.c.assignment == assignment))
    gradebook.db.execute(
        POLICIES.insert().values(assignment=assignment, policy=policy.spec())
    )
    gradebook.db.commit()


@dataclass
class Lateness:
    """How late one learner's submission was, and what it cost."""

    student: str
    submitted: object  # datetime or None
    seconds_late: float
    penalty: float
    score: float  # after the penalty
    max_score: float


def apply(gradebook, assignment, times, feedback_folders=()):
    """Record submission times and late penalties for ``assignment``.

    Parameters
    ----------
    gradebook : nbgrader.api.Gradebook
    assignment : str
    times : dict
        ``{student: datetime or None}`` (:func:`read_timestamps`); a None
        keeps the time the gradebook has (nbgrader's autograde may have set
        it).
    feedback_folders : callable, optional
        ``folders(student)`` gives the folders of that learner's feedback
        pages, which get a paragraph saying how late the work was and what
        it cost.

    Returns
    -------
    list of Lateness
        One per graded submission of the assignment.
    """
    record = course_gradebook.assignment(gradebook, assignment)
    policy = policy_of(gradebook, assignment)
    found = []
    for submission in sorted(record.submissions, key=lambda s: s.student.id):
        student = submission.student.id
        if times.get(student) is not None:
            submission.timestamp = times[student]
        seconds = submission.total_seconds_late
        left = policy.late_submission_penalty(student, submission.score, seconds)
        # nbgrader keeps a penalty per notebook, never above that notebook's
        # score; an assignment's deduction is taken from its notebooks in turn.
        left = left or 0.0
        for notebook in sorted(submission.notebooks, key=lambda nb: nb.name):
            share = min(max(left, 0.0), notebook.score)
            notebook.late_submission_penalty = share if seconds > 0 and share else None
            left -= share
        gradebook.db.flush()
        penalty = submission.late_submission_penalty or 0.0
        found.append(
            Lateness(
                student, submission.timestamp, seconds, penalty,
                max(0.0, submission.score - penalty), submission.max_score,
            )
        )  # fmt: skip
    gradebook.db.commit()
    if feedback_folders:
        for lateness in found:
            note = _note(lateness, record.duedate, policy)
            for folder in feedback_folders(lateness.student):
                for page in Path(folder).glob("*.html"):
                    _annotate(page, note)
    return found


def run(
    assignment, submissions=None, *, course_dir=None, db_url=None, require_due=True
):
    """Read the submission times and apply the late policy, in the gradebook.

    The ``late`` command, and the last step of ``grade``. Every
    ``timestamp.txt`` is read (and checked) before anything is written.
    Feedback pages of late learners (the grade command's, and nbgrader's in
    ``COURSE_DIR/feedback/``) say how late the work was and what it cost.

    Raises
    ------
    ValueError
        If the assignment is unknown, a timestamp is malformed, or
        (``require_due``) the assignment has no due date.
    """
    course_dir, db_url = course_gradebook.locate(course_dir, db_url)
    times = read_timestamps(submissions, assignment) if submissions else {}
    with course_gradebook.open_gradebook(db_url) as gradebook:
        record = course_gradebook.assignment(gradebook, assignment)
        if require_due and record.duedate is None:
            raise ValueError(
                f"{assignment} has no due date, so no work is late. Set one "
                f"first: python -m autograder due {assignment} 'YYYY-MM-DD HH:MM "
                "UTC' [--penalty POLICY]."
            )
        pages = {
            student: row.feedback
            for student, row in course_gradebook.grading_results(
                gradebook, assignment
            ).items()
        }

        def folders(student):
            found = [course_dir / "feedback" / student / assignment]
            if pages.get(student):
                found.append(Path(pages[student]))
            return [folder for folder in found if folder.is_dir()]

        return apply(gradebook, assignment, times, folders)


_NOTE = re.compile(r'<div id="late-work">.*?</div>\n', re.S)


def _note(lateness, due, policy):
    if lateness.seconds_late <= 0:
        return ""
    hours = lateness.seconds_late / 3600
    text = (
        f"Handed in {lateness.submitted:%Y-%m-%d %H:%M} UTC, {hours:.1f} hours "
        f"after the due date ({due:%Y-%m-%d %H:%M} UTC). Late policy: "
        f"{policy.describe()}. Late penalty: {lateness.penalty:g} points; "
        f"score after the penalty: {lateness.score:g} / {lateness.max_score:g}."
    )
    return f'<div id="late-work"><p><strong>{html.escape(text)}</strong></p></div>\n'


def _annotate(page, note):
    """Put ``note`` (or nothing) at the top of a sanitised feedback page."""
    text = _NOTE.sub("", page.read_text(encoding="utf-8"))
    if note:
        text = text.replace("<body>\n", "<body>\n" + note, 1)
    page.write_text(text, encoding="utf-8")
