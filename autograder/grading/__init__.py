"""Autograde every learner's submission of an assignment.

One module per step:

- :mod:`.template`: generate the assignment once, as data;
- :mod:`.collect`: read the learners' submissions, as data;
- :mod:`.one_learner`: grade one learner with nbgrader, in a sandbox (a pure
  function of the two, run by local processes or Dask workers);
- :mod:`.rechecked`: the trusted re-check's scores and messages, put where
  nbgrader's feedback takes them from;
- :mod:`.schedule`: run it for every learner, locally or on Dask;
- :mod:`.store`: put each result in nbgrader's gradebook as it comes;
- :mod:`.report`: progress, and the CSV file rebuilt from the gradebook.
"""

import tempfile
from pathlib import Path

from autograder import course
from autograder.confinement import sandbox
from autograder.confinement.zygote import Zygote, preloads
from autograder.grading import collect, late, report, schedule, template
from autograder.grading.one_learner import Isolation, Result, grade_one
from autograder.grading.store import Store

__all__ = ["grade", "grade_one", "Result"]


def grade(
    assignment, submissions, csv_path, *, feedback_dir=None, timeout=30, jobs=None,
    scheduler=None, db_url=None, course_dir=None, regrade=(), progress_stream=None,
    unsafe_no_sandbox=False,
):  # fmt: skip
    """Autograde ``submissions/<student>/<assignment>/`` for every student.

    Learners graded already (by an earlier run, into the same gradebook)
    whose notebooks have not changed are not graded again.

    Parameters
    ----------
    assignment : str
        Name of an assignment: a folder in ``COURSE_DIR/source/`` (an
        nbgrader course's own assignments) or in the course's
        ``solutions/``.
    submissions : path
        Folder laid out as nbgrader's ``submitted/``:
        ``<student>/<assignment>/*.ipynb``.
    csv_path : path
        Where to write the grades, once every learner is done.
    feedback_dir : path, optional
        Where to put each learner's HTML feedback, as
        ``<student>/<assignment>/<notebook>.html`` beside nbgrader's
        ``timestamp.txt`` (so that ``nbgrader release_feedback`` delivers
        it). Default: ``COURSE_DIR/feedback``, nbgrader's place for it.
    timeout : int, default 30
        Seconds each cell may run before it is interrupted (and scores 0).
    jobs : int, optional
        Learners graded at once on this machine; default: one per core.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) to grade on,
        instead of on this machine.
    db_url : str, optional
        SQLAlchemy URL of nbgrader's gradebook; default
        ``sqlite:///COURSE_DIR/gradebook.db``.
    course_dir : path, optional
        The nbgrader course folder: its ``autograded/`` folder receives
        the graded notebooks, and it holds the default gradebook. Default:
        the repository's root, as its ``nbgrader_config.py`` says.
    regrade : True or iterable of str
        Grade these learners (True: all) again even if graded already.
    unsafe_no_sandbox : bool, default False
        Grade even where learner code cannot be isolated (resource limits
        only). Without it, such a machine is refused with a ValueError that
        says what is missing.

    Returns
    -------
    list of Result
        One per student, sorted by student id, as the gradebook has them.
        A learner whose new submission could not be graded keeps the grade
        of the previous one (status and message say what went wrong).
    """
    if jobs is not None and jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    course_dir = Path(course_dir or course.ROOT).resolve()
    if not course_dir.is_dir():
        raise ValueError(f"--course-dir {course_dir} is not a folder.")
    source = course.source_folder(assignment, course_dir)  # before any work
    submissions = Path(submissions).resolve()
    students = collect.students(submissions)
    late.read_timestamps(submissions, assignment)  # malformed ones stop us here
    # Not graded, not in the gradebook: nbgrader would take them for others.
    invalid = collect.invalid_ids(students)
    students = [student for student in students if student not in invalid]
    csv_path = Path(csv_path).resolve()
    if not csv_path.parent.is_dir():
        raise ValueError(
            f"--csv {csv_path}: the folder {csv_path.parent} does not exist. "
            "Create it, or choose another place for the grades."
        )
    if regrade is not True:
        unknown = sorted(set(regrade) - set(students))
        if unknown:
            raise ValueError(
                f"--regrade {' '.join(unknown)}: no such learner folder in "
                f"{submissions}. Learners: {', '.join(students)}."
            )
    feedback_dir = Path(feedback_dir or course_dir / "feedback").resolve()
    db_url = db_url or f"sqlite:///{course_dir / 'gradebook.db'}"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    missing = [] if unsafe_no_sandbox else sandbox.missing_isolation()
    if missing:
        raise ValueError(sandbox.refusal(missing))

    if not scheduler:
        schedule.start_local()  # loads in the background meanwhile
    release = template.build(assignment, timeout, source)
    autograded = course_dir / "autograded"
    course_id = course.course_id(course_dir)
    with Store(db_url, release, feedback_dir, autograded, course_id) as store:
        graded = store.digests()
        todo = []
        released = set(release.release_files())
        for student in students:
            submission = collect.read(
                submissions, student, assignment, release.notebooks, released
            )
            again = regrade is True or student in regrade
            if again or graded.get(student) != submission.digest:
                todo.append(submission)
        progress = report.Progress(
            len(todo), len(students) - len(todo), progress_stream
        )
        with tempfile.TemporaryDirectory(prefix="sigmoid-grading-") as scratch:
            protected = tuple(
                map(
                    str,
                    (submissions, feedback_dir, csv_path.parent, autograded, source),
                )
            )
            sandboxed = not unsafe_no_sandbox
            if scheduler:
                isolation = Isolation(protected, sandboxed=sandboxed)
                results = schedule.dask(scheduler, release, todo, isolation)
                zygote = None  # each grading process starts its own
            else:
                # One zygote for every grading process: TensorFlow, if
                # preloaded, is imported once, not once per core.
                preload = preloads(source)
                zygote = Zygote(
                    Path(scratch) / "zygote", preload, wait=False,
                    log=Path(scratch) / "zygote.log",
                )  # fmt: skip
                isolation = Isolation(protected, scratch, sandboxed, str(zygote.socket))
                jobs = jobs or schedule.default_jobs()
                results = schedule.local(release, todo, isolation, jobs)
            try:
                if zygote:
                    zygote.wait()
                for result in results:
                    store.save(result)
                    progress.update(result)
            finally:
                progress.close()
                if zygote:
                    zygote.close()
        results = store.results(students)
    _charge_late_work(results, assignment, submissions, course_dir, db_url)
    for student, message in invalid.items():
        result = Result(
            student, assignment, 0.0, release.max_score, "invalid learner id",
            message, tests=dict.fromkeys(release.tests, 0.0),
        )  # fmt: skip
        results.append(result)
    report.write_csv(results, csv_path, list(release.tests))
    return results


def _charge_late_work(results, assignment, submissions, course_dir, db_url):
    """Record submission times and late penalties; the CSV shows the score after."""
    found = late.run(
        assignment, submissions, course_dir=course_dir, db_url=db_url,
        require_due=False,
    )  # fmt: skip
    by_student = {x.student: x for x in found if x.seconds_late > 0}
    for result in results:
        lateness = by_student.get(result.student_id)
        if lateness is not None:
            result.score = lateness.score
            note = (
                f"late {lateness.seconds_late / 3600:.1f} h: penalty "
                f"{lateness.penalty:g}"
            )
            result.message = "; ".join(filter(None, [result.message, note]))
