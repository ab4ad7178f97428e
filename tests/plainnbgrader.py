"""Grade with plain nbgrader, to compare the course's grading with it.

nbgrader's own commands (``generate_assignment``, ``autograde``), run as an
instructor runs them, in a course folder of their own, with an ordinary
Python kernel: no sandbox, no re-check. The scores they record are what the
course's ``grade`` command must give on honest work.
"""

import json
import shutil
import sys
from pathlib import Path

from autograder.nbgrader_run import KERNEL_NAME, make_course, nbgrader, open_gradebook


def autograde(base, assignment, source, submitted, timeout=60):
    """Run nbgrader on ``submitted/<student>/<assignment>/``; its gradebook URL."""
    root = make_course(Path(base) / "plain-nbgrader", assignment, source)
    # The course's configuration names its kernel: here, a plain one.
    spec = root / "jupyter_data" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python", "language": "python"})
    )
    nbgrader(root, "generate_assignment", assignment, "--force", timeout=300)
    shutil.copytree(submitted, root / "submitted")
    nbgrader(root, "autograde", assignment, "--force", timeout=600)
    return f"sqlite:///{root / 'gradebook.db'}"


def cell_grades(url, assignment):
    """``{student: {cell: (auto_score, needs_manual_grade)}}`` and the totals.

    ``auto_score`` is None where nbgrader leaves the cell to a person.
    """
    grades, totals = {}, {}
    with open_gradebook(url) as gradebook:
        for submission in gradebook.find_assignment(assignment).submissions:
            student = submission.student.id
            totals[student] = float(submission.score)
            grades[student] = {
                grade.name: (grade.auto_score, grade.needs_manual_grade)
                for notebook in submission.notebooks
                for grade in notebook.grades
            }
    return grades, totals
