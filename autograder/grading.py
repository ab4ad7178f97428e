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

from autograder import course, sandbox
from autograder.nbgrader_run import (
    KERNEL_NAME,
    NbgraderError,
    install_kernel,
    make_course,
    nbgrader,
)

FIELDS = ["student_id", "assignment", "score", "max_score", "status", "message"]


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


def grade(assignment, submissions, csv_path, *, feedback_dir=None, timeout=30):
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
    feedback_dir.mkdir(parents=True, exist_ok=True)
    students = sorted(path.name for path in submissions.iterdir() if path.is_dir())
    if not students:
        raise ValueError(
            f"--submissions {submissions} holds no learner folders. Expected "
            f"{submissions}/<student>/{assignment}/<notebook>.ipynb."
        )

    prefix = sandbox.namespace_prefix()
    if prefix is None:
        print(
            "warning: cannot create a mount namespace here (needs root or "
            "unprivileged user namespaces, and util-linux), so learner code "
            "runs with resource limits only and could write to files this "
            "user can write. Grade in a container or as root to isolate it.",
            file=sys.stderr,
        )
    with tempfile.TemporaryDirectory(prefix="sigmoid-grading-") as scratch:
        template = make_course(
            Path(scratch) / "template", assignment, source, timeout=timeout
        )
        nbgrader(template, "generate_assignment", assignment, "--force")
        tests, max_score = _test_points(template, assignment)
        notebooks = sorted(
            p.name for p in (template / "release" / assignment).iterdir()
        )
        protected = [course.ROOT, Path.home(), Path(sys.prefix), Path(sys.base_prefix)]
        hidden = [submissions, feedback_dir, csv_path.parent]
        results = []
        for student in students:
            print(f"grading {student} ...", file=sys.stderr, flush=True)
            result = _grade_one(
                student,
                assignment,
                submissions / student / assignment,
                template,
                Path(scratch) / "learners",
                notebooks=notebooks,
                max_score=max_score,
                timeout=timeout * (len(tests) + 10) + 120,
                sandbox_args=_sandbox_args(prefix, protected, hidden),
                feedback_dir=feedback_dir / student / assignment,
            )
            result.tests = {name: result.tests.get(name, 0.0) for name in tests}
            results.append(result)
            print(f"  {result.status}: {result.score:g}/{max_score:g}", file=sys.stderr)
    write_csv(results, csv_path, list(tests))
    return results


def write_csv(results, csv_path, test_names):
    """Write the grades, one row per learner, through a temporary file."""
    csv_path = Path(csv_path)
    partial = csv_path.with_name(csv_path.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*FIELDS, "feedback", *test_names])
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


def _sandbox_args(prefix, read_only, hidden):
    if prefix is None:
        return ["--no-namespace"]
    args = []
    for path in read_only:
        args += ["--read-only", str(path)]
    for path in hidden:
        args += ["--hide", str(path)]
    return args


def _grade_one(
    student,
    assignment,
    folder,
    template,
    workspace,
    *,
    notebooks,
    max_score,
    timeout,
    sandbox_args,
    feedback_dir,
):
    def result(status, message="", score=0.0, **extra):
        return Result(student, assignment, score, max_score, status, message, **extra)

    if not folder.is_dir():
        return result("missing", f"no {assignment}/ folder in the submission")
    root = workspace / student
    shutil.copytree(template, root, symlinks=True)
    target = root / "submitted" / student / assignment
    target.mkdir(parents=True)
    problems = []
    for name in notebooks:
        path = folder / name
        if path.is_symlink() or not path.is_file():
            problems.append(f"{name} is missing from the submission")
            continue
        try:
            text = path.read_text(encoding="utf-8")
            json.loads(text)  # for its precise message about broken JSON
            nb = nbformat.reads(text, as_version=4)
        except UnicodeDecodeError as exc:
            problems.append(f"{name} is not a text file ({exc.reason})")
            continue
        except json.JSONDecodeError as exc:
            problems.append(
                f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                f"{exc.msg}); was it saved completely?"
            )
            continue
        except Exception as exc:
            problems.append(f"{name} is not a valid notebook: {_one_line(exc)}")
            continue
        # The kernel is the grader's choice, never the learner's.
        nb.metadata["kernelspec"] = {
            "name": KERNEL_NAME,
            "display_name": "Grader",
            "language": "python",
        }
        nbformat.write(nb, target / name)
    if problems:
        message = "; ".join(problems)
        _write_error_feedback(feedback_dir, student, assignment, message)
        return result("invalid notebook", message, feedback=str(feedback_dir))

    # Learner code gets the notebook's own folder to write in, nothing else.
    autograded = root / "autograded" / student / assignment
    autograded.mkdir(parents=True)
    args = [*sandbox_args]
    if "--no-namespace" not in args:
        args += ["--read-only", str(root)]
        args += ["--writable", str(autograded), "--writable", str(root / "home")]
    install_kernel(root, args)
    try:
        nbgrader(
            root,
            "autograde",
            assignment,
            "--student",
            student,
            "--force",
            timeout=timeout,
        )
        nbgrader(root, "generate_feedback", assignment, "--student", student, "--force")
    except subprocess.TimeoutExpired:
        message = f"grading took longer than {timeout} s and was stopped"
        _write_error_feedback(feedback_dir, student, assignment, message)
        return result("timed out", message, feedback=str(feedback_dir))
    except NbgraderError as exc:
        if "DeadKernelError" in str(exc):
            status, message = (
                "kernel died",
                (
                    "the Python kernel died while running the notebook (a call like "
                    "os.abort(), a crash in compiled code, or running out of memory)"
                ),
            )
        else:
            status, message = "error", _one_line(exc)
        _write_error_feedback(feedback_dir, student, assignment, message)
        return result(status, message, feedback=str(feedback_dir))
    score, tests = _scores(root, assignment, student)
    shutil.copytree(
        root / "feedback" / student / assignment, feedback_dir, dirs_exist_ok=True
    )
    shutil.rmtree(root, ignore_errors=True)
    return result("graded", score=score, tests=tests, feedback=str(feedback_dir))


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
