"""How fast `python -m autograder grade` is, next to plain nbgrader.

Grades N copies of one exercise-1 fixture three ways and prints seconds per
learner for each, and the ratios:

- the project's command with ``--jobs 1`` and with the default (one job per
  core), isolation on, into a fresh gradebook each time;
- plain nbgrader: ``nbgrader autograde`` then ``nbgrader generate_feedback``
  for all learners, serially, in one course, with an ordinary kernel (the
  assignment generated beforehand, not timed).

Every way must give every copy the same score; the script fails otherwise.
A figure printer, not a timed test: numbers depend on the machine and its
load. Besides wall-clock seconds it prints the CPU seconds (user + system)
that each way's processes used, which other programs' load changes less.

Usage: .venv/bin/python benchmarks/grading.py [N] [FIXTURE]   (default 24 ada)
"""

import csv
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import course
from autograder.grading.schedule import default_jobs
from autograder.nbgrader_run import KERNEL_NAME, make_course, nbgrader

ASSIGNMENT = "01-sigmoid"
FIXTURES = course.ROOT / "tests" / "fixtures" / ASSIGNMENT


def copies(folder, fixture, count):
    for number in range(count):
        shutil.copytree(FIXTURES / fixture, folder / f"{fixture}{number:03d}")
    return folder


def project(base, submitted, jobs):
    """Seconds the grade command took, and its scores."""
    out = base / f"project-{jobs or 'default'}"
    out.mkdir()
    command = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT]
    command += ["--submissions", str(submitted), "--csv", str(out / "grades.csv")]
    command += ["--course-dir", str(out)]
    if jobs:
        command += ["--jobs", str(jobs)]
    with Clock() as clock:
        subprocess.run(command, check=True, capture_output=True)
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        scores = {
            row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)
        }
    return clock, scores


def plain_nbgrader(base, submitted):
    """Seconds nbgrader's autograde + generate_feedback took, and its scores."""
    from nbgrader.api import Gradebook

    root = make_course(base / "nbgrader", ASSIGNMENT, course.source_folder(ASSIGNMENT))
    spec = root / "jupyter_data" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python", "language": "python"})
    )
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    shutil.copytree(submitted, root / "submitted")
    with Clock() as clock:
        nbgrader(root, "autograde", ASSIGNMENT, "--force")
        nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submissions = gradebook.find_assignment(ASSIGNMENT).submissions
        scores = {s.student.id: float(s.score) for s in submissions}
    return clock, scores


class Clock:
    """Wall-clock and CPU seconds (of finished child processes) of a block."""

    def __enter__(self):
        self.start = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc_info):
        self.wall = time.perf_counter() - self.start[0]
        self.cpu = _cpu() - self.start[1]


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(count=24, fixture="ada"):
    with tempfile.TemporaryDirectory(prefix="sigmoid-benchmark-") as scratch:
        base = Path(scratch)
        submitted = copies(base / "submitted", fixture, count)
        timings = {}
        timings["nbgrader, serial"], reference = plain_nbgrader(base, submitted)
        for label, jobs in [("project, --jobs 1", 1), ("project, default", None)]:
            timings[label], scores = project(base, submitted, jobs)
            if scores != reference:
                raise SystemExit(f"{label}: scores differ from nbgrader's: {scores}")
    plain = timings["nbgrader, serial"]
    print(f"{count} copies of {fixture}, every score {reference[f'{fixture}000']:g}")
    print(f"default jobs here: {default_jobs()}")
    print(
        f"{'way':<20} {'wall s':>7} {'s/learner':>10} {'vs nbgrader':>12} "
        f"{'CPU s/learner':>14} {'vs nbgrader':>12}"
    )
    for label, clock in timings.items():
        print(
            f"{label:<20} {clock.wall:7.1f} {clock.wall / count:10.2f} "
            f"{plain.wall / clock.wall:11.2f}x {clock.cpu / count:14.2f} "
            f"{plain.cpu / clock.cpu:11.2f}x"
        )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[0]) if arguments else 24, *arguments[1:2])
