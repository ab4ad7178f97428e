"""Autograde every learner's submission of an assignment.

One module per step:

- :mod:`.template`: generate the assignment once, as data;
- :mod:`.collect`: read the learners' submissions, as data;
- :mod:`.one_learner`: grade one learner with nbgrader, in a sandbox (a pure
  function of the two, run by local processes or Dask workers);
- :mod:`.schedule`: run it for every learner, locally or on Dask;
- :mod:`.store`: put each result in nbgrader's gradebook as it comes;
- :mod:`.report`: progress, and the CSV file rebuilt from the gradebook.
"""

import tempfile
from pathlib import Path

from autograder import course
from autograder.confinement import sandbox
from autograder.confinement.zygote import Zygote, preloads
from autograder.grading import collect, report, schedule, template
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
        Name of a folder in ``solutions/``.
    submissions : path
        Folder laid out as nbgrader's ``submitted/``:
        ``<student>/<assignment>/*.ipynb``.
    csv_path : path
        Where to write the grades, once every learner is done.
    feedback_dir : path, optional
        Where to put each learner's HTML feedback, as
        ``<student>/<assignment>/<notebook>.html``. Defaults to a folder
        named like the CSV file with ``-feedback`` appended.
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
    """
    if jobs is not None and jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    course.source_folder(assignment)  # a clear error before any work
    submissions = Path(submissions).resolve()
    students = collect.students(submissions)
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
    if feedback_dir is None:
        feedback_dir = csv_path.with_name(csv_path.stem + "-feedback")
    feedback_dir = Path(feedback_dir).resolve()
    course_dir = Path(course_dir or course.ROOT).resolve()
    if not course_dir.is_dir():
        raise ValueError(f"--course-dir {course_dir} is not a folder.")
    db_url = db_url or f"sqlite:///{course_dir / 'gradebook.db'}"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    missing = [] if unsafe_no_sandbox else sandbox.missing_isolation()
    if missing:
        raise ValueError(sandbox.refusal(missing))

    if not scheduler:
        schedule.start_local()  # loads in the background meanwhile
    release = template.build(assignment, timeout)
    autograded = course_dir / "autograded"
    with Store(db_url, release, feedback_dir, autograded) as store:
        graded = store.digests()
        todo = []
        for student in students:
            submission = collect.read(
                submissions, student, assignment, release.notebooks
            )
            again = regrade is True or student in regrade
            if again or graded.get(student) != submission.digest:
                todo.append(submission)
        progress = report.Progress(
            len(todo), len(students) - len(todo), progress_stream
        )
        with tempfile.TemporaryDirectory(prefix="sigmoid-grading-") as scratch:
            protected = tuple(
                map(str, (submissions, feedback_dir, csv_path.parent, autograded))
            )
            sandboxed = not unsafe_no_sandbox
            if scheduler:
                isolation = Isolation(protected, sandboxed=sandboxed)
                results = schedule.dask(scheduler, release, todo, isolation)
                zygote = None  # each grading process starts its own
            else:
                # One zygote for every grading process: TensorFlow, if
                # preloaded, is imported once, not once per core.
                preload = preloads(course.source_folder(assignment))
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
    report.write_csv(results, csv_path, list(release.tests))
    return results
