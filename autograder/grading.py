"""Autograde every learner's submission of an assignment, one at a time.

Each learner is graded in a fresh temporary course folder by nbgrader's own
``autograde`` and ``generate_feedback`` commands, with their kernel started
in :mod:`autograder.sandbox`. A learner's notebook can therefore fail,
hang, crash its kernel or misbehave without affecting anyone else's grade;
the worst it can do is lose its own points.
"""

import csv
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import course, limits, recheck, sandbox, sanitise
from autograder.nbgrader_run import (
    NbgraderError,
    environment,
    install_kernel,
    make_course,
    nbgrader,
)

FIELDS = [
    "student_id", "assignment", "score", "max_score", "status", "message", "feedback"
]  # fmt: skip


@dataclass
class Result:
    """One learner's grade for one assignment."""

    student_id: str
    assignment: str
    score: float
    max_score: float
    status: str  # graded, invalid notebook, missing, timed out, kernel died, error
    message: str = ""
    feedback: str = ""
    tests: dict = field(default_factory=dict)


def grade(
    assignment, submissions, csv_path, *, feedback_dir=None, timeout=30,
    unsafe_no_sandbox=False,
):  # fmt: skip
    """Autograde ``submissions/<student>/<assignment>/`` for every student.

    Parameters
    ----------
    assignment : str
        Name of a folder in ``solutions/``.
    submissions : path
        Folder laid out as nbgrader's ``submitted/``:
        ``<student>/<assignment>/*.ipynb``.
    csv_path : path
        Where to write the grades. Written only once every learner is done.
    feedback_dir : path, optional
        Where to put each learner's HTML feedback, as
        ``<student>/<assignment>/<notebook>.html``. Defaults to a folder
        named like the CSV file with ``-feedback`` appended.
    timeout : int, default 30
        Seconds each cell may run before it is interrupted (and scores 0).
    unsafe_no_sandbox : bool, default False
        Grade even where learner code cannot be isolated (resource limits
        only). Without it, such a machine is refused with a ValueError that
        says what is missing.

    Returns
    -------
    list of Result
        One per student, sorted by student id.
    """
    source = course.source_folder(assignment)
    submissions = Path(submissions).resolve()
    if not submissions.is_dir():
        raise ValueError(
            f"--submissions {submissions} is not a folder. It should hold one "
            f"folder per learner, each with a {assignment}/ folder inside."
        )
    csv_path = Path(csv_path).resolve()
    if not csv_path.parent.is_dir():
        raise ValueError(
            f"--csv {csv_path}: the folder {csv_path.parent} does not exist. "
            "Create it, or choose another place for the grades."
        )
    if feedback_dir is None:
        feedback_dir = csv_path.with_name(csv_path.stem + "-feedback")
    feedback_dir = Path(feedback_dir).resolve()
    students = sorted(path.name for path in submissions.iterdir() if path.is_dir())
    if not students:
        raise ValueError(
            f"--submissions {submissions} holds no learner folders. Expected "
            f"{submissions}/<student>/{assignment}/<notebook>.ipynb."
        )
    feedback_dir.mkdir(parents=True, exist_ok=True)

    missing = [] if unsafe_no_sandbox else sandbox.missing_isolation()
    if missing:
        raise ValueError(sandbox.refusal(missing))
    prefix = None if unsafe_no_sandbox else sandbox.unshare_command()
    with tempfile.TemporaryDirectory(prefix="sigmoid-grading-") as scratch:
        # The kernel's own user must pass through to its folders (not list).
        os.chmod(scratch, 0o711)
        grader = _Grader(assignment, source, Path(scratch), timeout, prefix)
        grader.protect(submissions, feedback_dir, csv_path.parent)
        results = []
        for student in students:
            print(f"grading {student} ...", file=sys.stderr, flush=True)
            result = grader.grade(
                student,
                submissions / student / assignment,
                feedback_dir / student / assignment,
            )
            results.append(result)
            print(
                f"  {result.status}: {result.score:g}/{result.max_score:g}",
                file=sys.stderr,
            )
        write_csv(results, csv_path, list(grader.tests))
    return results


def write_csv(results, csv_path, test_names):
    """Write the grades, one row per learner, through a temporary file."""
    csv_path = Path(csv_path)
    partial = csv_path.with_name(csv_path.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*FIELDS, *test_names])
        for r in results:
            writer.writerow(
                [
                    r.student_id,
                    r.assignment,
                    f"{r.score:g}",
                    f"{r.max_score:g}",
                    r.status,
                    r.message,
                    r.feedback,
                    *(f"{r.tests[name]:g}" for name in test_names),
                ]
            )
    os.replace(partial, csv_path)


class _Grader:
    """Grades one assignment, one learner at a time, in a scratch folder."""

    def __init__(self, assignment, source, scratch, timeout, namespace_prefix):
        self.assignment = assignment
        self.scratch = scratch
        self.timeout = timeout
        self.template = make_course(
            scratch / "template", assignment, source, timeout=timeout
        )
        nbgrader(self.template, "generate_assignment", assignment, "--force")
        self.tests, self.max_score = _test_points(self.template, assignment)
        self.notebooks = sorted(
            path.name for path in (self.template / "release" / assignment).iterdir()
        )
        # Learner code may write in its own notebook folder only: not in the
        # course, the Python installation, the home folder, or the scratch
        # folder, which holds the gradebook template every learner starts from.
        self.isolated = namespace_prefix is not None
        self.read_only = [course.ROOT, Path(sys.prefix), Path(sys.base_prefix)]
        # Hidden: the instructor's home folder, the solutions, and the
        # scratch folder (gradebooks, source notebooks with hidden tests).
        # What the kernel needs inside (a Python installed in the home
        # folder, its own folders) is put back.
        self.hidden = [Path.home(), course.SOLUTIONS, scratch]

    def protect(self, *folders):
        """Hide ``folders`` (submissions, outputs) from learner code.

        A folder that holds something the kernel needs (the course itself,
        when the CSV goes to the course folder) is made read-only instead.
        """
        read_only, hidden = split_protected(folders, self.read_only)
        self.read_only += read_only
        self.hidden += hidden

    def grade(self, student, folder, feedback):
        """Grade the submission in ``folder``; put the feedback in ``feedback``."""
        if not folder.is_dir():
            return self._result(
                student, "missing", f"no {self.assignment}/ folder in the submission"
            )
        root = self.scratch / "learners" / student
        try:
            return self._grade_in(root, student, folder, feedback)
        finally:
            # Only the learner being graded has a folder: nobody can read or
            # change another's.
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(sandbox.runtime_folder(root), ignore_errors=True)

    def _result(self, student, status, message="", **extra):
        tests = dict.fromkeys(self.tests, 0.0)
        return Result(
            student, self.assignment, 0.0, self.max_score, status, message,
            tests=tests, **extra,
        )  # fmt: skip

    def _failed(self, student, status, message, feedback):
        _write_error_feedback(feedback, student, self.assignment, message)
        return self._result(student, status, message, feedback=str(feedback))

    def _grade_in(self, root, student, folder, feedback):
        assignment = self.assignment
        shutil.copytree(self.template, root, symlinks=True)
        target = root / "submitted" / student / assignment
        target.mkdir(parents=True)
        problems = [
            problem
            for name in self.notebooks
            if (problem := _copy_notebook(folder / name, target / name))
        ]
        if problems:
            return self._failed(
                student, "invalid notebook", "; ".join(problems), feedback
            )

        autograded = root / "autograded" / student / assignment
        autograded.mkdir(parents=True)
        runtime = sandbox.runtime_folder(root)
        runtime.mkdir(mode=0o700)
        install_kernel(root, self._sandbox_args(autograded, runtime, root / "home"))
        try:
            nbgrader(
                root, "autograde", assignment, "--student", student, "--force",
                timeout=self.timeout * (len(self.tests) + 10) + 120,
            )  # fmt: skip
            # Learner output becomes plain text, bounded, before it is shown.
            for notebook in autograded.glob("*.ipynb"):
                sanitise.bound_outputs(notebook)
            nbgrader(
                root, "generate_feedback", assignment, "--student", student, "--force"
            )
            for page in (root / "feedback" / student / assignment).glob("*.html"):
                sanitise.sanitise_page(page)
        except subprocess.TimeoutExpired as exc:
            message = f"grading took longer than {exc.timeout:g} s and was stopped"
            return self._failed(student, "timed out", message, feedback)
        except NbgraderError as exc:
            if "DeadKernelError" in str(exc):
                return self._failed(student, "kernel died", KERNEL_DIED, feedback)
            return self._failed(student, "error", _one_line(exc), feedback)
        result = self._result(student, "graded", feedback=str(feedback))
        result.score, scores = _scores(root, assignment, student)
        result.tests.update(scores)
        # The kernel ran learner code before the checks; a run in which it
        # cannot touch them decides the score.
        recheck.apply(
            result, root / "source" / assignment, target,
            [sys.executable, "-m", "autograder.sandbox", *self._sandbox_args(
                autograded, runtime, root / "home", read_only=[target])],
            cwd=autograded, env=environment(root), timeout=self.timeout,
        )  # fmt: skip
        shutil.copytree(
            root / "feedback" / student / assignment, feedback, dirs_exist_ok=True
        )
        return result

    def _sandbox_args(self, *writable, read_only=()):
        if not self.isolated:
            return ["--no-namespace"]
        args = []
        for flag, paths in [
            ("--read-only", [*self.read_only, *read_only]),
            ("--hide", self.hidden),
            ("--writable", writable),
        ]:
            for path in paths:
                args += [flag, str(path)]
        return args


def split_protected(folders, needed):
    """Split ``folders`` into those to make read-only and those to hide.

    A folder is hidden unless it holds one of the ``needed`` paths (for
    example the course itself, when the CSV goes into the course folder):
    hiding it would hide what the kernel must read.

    >>> from pathlib import Path
    >>> split_protected([Path("/c"), Path("/out")], needed=[Path("/c/course")])
    ([PosixPath('/c')], [PosixPath('/out')])
    """
    read_only, hidden = [], []
    for folder in folders:
        holds = any(path.is_relative_to(folder) for path in needed)
        (read_only if holds else hidden).append(folder)
    return read_only, hidden


KERNEL_DIED = (
    "the Python kernel died while running the notebook (a call like os.abort(), "
    "a crash in compiled code, or running out of memory)"
)


def _copy_notebook(path, destination):
    """Copy a learner's notebook for grading; return what is wrong with it.

    The notebook's kernelspec is left as it is: nbgrader runs the grader's
    kernel (``Execute.kernel_name``) whatever it says.
    """
    name = path.name
    if path.is_symlink() or not path.is_file():
        return f"{name} is missing from the submission"
    if problem := limits.too_big(path):
        return problem
    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)  # for its precise message about broken JSON
        nbformat.reads(text, as_version=4)
    except UnicodeDecodeError as exc:
        return f"{name} is not a text file ({exc.reason})"
    except json.JSONDecodeError as exc:
        return (
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}); was it saved completely?"
        )
    except Exception as exc:
        return f"{name} is not a valid notebook: {_one_line(exc)}"
    shutil.copyfile(path, destination)
    return None


def _test_points(root, assignment):
    """Graded cells of the assignment (name: points), in notebook order."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        record = gradebook.find_assignment(assignment)
        points = {
            cell.name: cell.max_score
            for notebook in record.notebooks
            for cell in notebook.grade_cells
        }
    order = []
    for path in sorted((root / "source" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in points:
                order.append(grade_id)
    tests = {name: points[name] for name in order}
    return tests, float(sum(tests.values()))


def _scores(root, assignment, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        tests = {
            grade.name: float(grade.score)
            for notebook in submission.notebooks
            for grade in notebook.grades
            if grade.max_score > 0
        }
        return float(submission.score), tests


def _write_error_feedback(folder, student, assignment, message):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "grading-error.html").write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(assignment)}: not graded</title></head><body>"
        f"<h1>{html.escape(assignment)}: your submission could not be graded</h1>"
        f"<p>Learner: {html.escape(student)}</p>"
        f"<pre>{html.escape(message)}</pre>"
        "<p>Your score is 0. Fix the problem above (open the notebook in "
        "JupyterLab and save it again, or start again from the released "
        "exercise) and resubmit.</p></body></html>\n",
        encoding="utf-8",
    )


def _one_line(exc):
    text = " ".join(str(exc).split())
    return text if len(text) < 300 else text[:297] + "..."
