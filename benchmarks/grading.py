"""How fast `python -m autograder grade` is, next to plain nbgrader.

Grades N copies of one exercise-1 fixture three ways and prints seconds per
learner for each, and the ratios:

- the project's command with ``--jobs 1`` and with the default (one job per
  core), isolation on, into a fresh gradebook each time;
- plain nbgrader: ``nbgrader autograde`` then ``nbgrader generate_feedback``
  for all learners, serially, in one course, with an ordinary kernel (the
  assignment generated beforehand, not timed).

The three ways take turns, ROUNDS times (default 3), and the fastest round
of each way is reported, as ``timeit`` does: a machine's other work only
ever adds time. The ratio of each round is printed too. Every way must give
every copy the same score; the script fails otherwise. A figure printer,
not a timed test: numbers depend on the machine and its load. Besides
wall-clock seconds it prints the CPU seconds the machine was busy for (user
+ system, on every core, from ``/proc/stat``): that counts every process
each way starts, including those no one waits for (the grading processes'
fork server) and the kernel's own work (namespaces), but also other
programs: run it on an idle machine.

Usage: .venv/bin/python benchmarks/grading.py [N] [FIXTURE] [ROUNDS]
(default: 24 ada 3)
"""

import csv
import json
import os
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
    out = Path(tempfile.mkdtemp(prefix=f"project-{jobs or 'default'}-", dir=base))
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

    root = Path(tempfile.mkdtemp(prefix="nbgrader-", dir=base)) / "course"
    root = make_course(root, ASSIGNMENT, course.source_folder(ASSIGNMENT))
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
    """Wall-clock seconds of a block, and CPU seconds the machine was busy."""

    def __enter__(self):
        self.start = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc_info):
        self.wall = time.perf_counter() - self.start[0]
        self.cpu = _cpu() - self.start[1]


def _cpu():
    """Seconds of user and system time on all cores since boot."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = stat.readline().split()[1:]
    # user, nice, system, irq, softirq (not idle, iowait, steal, guest)
    busy = sum(int(fields[index]) for index in (0, 1, 2, 5, 6))
    return busy / os.sysconf("SC_CLK_TCK")


def main(count=24, fixture="ada", rounds=3):
    ways = {
        "nbgrader, serial": plain_nbgrader,
        "project, --jobs 1": lambda base, submitted: project(base, submitted, 1),
        "project, default": lambda base, submitted: project(base, submitted, None),
    }
    timings = {label: [] for label in ways}
    with tempfile.TemporaryDirectory(prefix="sigmoid-benchmark-") as scratch:
        base = Path(scratch)
        submitted = copies(base / "submitted", fixture, count)
        reference = None
        for _ in range(rounds):
            for label, way in ways.items():
                clock, scores = way(base, submitted)
                reference = reference or scores
                if scores != reference:
                    raise SystemExit(
                        f"{label}: scores differ from nbgrader's: {scores}"
                    )
                timings[label].append(clock)
    best = {
        label: min(clocks, key=lambda c: c.wall) for label, clocks in timings.items()
    }
    plain = best["nbgrader, serial"]
    print(f"{count} copies of {fixture}, every score {reference[f'{fixture}000']:g}")
    print(f"default jobs here: {default_jobs()}; fastest of {rounds} rounds")
    print(
        f"{'way':<20} {'wall s':>7} {'s/learner':>10} {'vs nbgrader':>12} "
        f"{'CPU s/learner':>14} {'vs nbgrader':>12}   every round, wall s"
    )
    for label, clock in best.items():
        walls = " ".join(f"{c.wall:.1f}" for c in timings[label])
        print(
            f"{label:<20} {clock.wall:7.1f} {clock.wall / count:10.2f} "
            f"{plain.wall / clock.wall:11.2f}x {clock.cpu / count:14.2f} "
            f"{plain.cpu / clock.cpu:11.2f}x   {walls}"
        )
    # Each round's own ratio: the two ways ran minutes apart, on the same
    # machine, so this shows how much its load moved the figures above.
    paired = zip(timings["nbgrader, serial"], timings["project, default"], strict=True)
    ratios = " ".join(f"{plain.wall / ours.wall:.2f}x" for plain, ours in paired)
    print(f"project, default vs nbgrader, round by round: {ratios}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(
        int(arguments[0]) if arguments else 24,
        *arguments[1:2],
        *map(int, arguments[2:3]),
    )
