"""How fast `python -m autograder grade` is, next to plain nbgrader.

For each assignment named (default: every assignment of the course that has
the fixture learner), grades N copies of one fixture learner
(``tests/fixtures/<assignment>/<learner>/``) three ways and prints seconds
per learner for each, and the ratios:

- the project's command with ``--jobs 1`` and with the default (one job per
  core), isolation on, into a fresh gradebook each time;
- plain nbgrader: ``nbgrader autograde`` then ``nbgrader generate_feedback``
  for all learners, serially, in one course, with an ordinary kernel (the
  assignment generated beforehand, not timed).

The three ways take turns, ROUNDS times, and the fastest round of each way
is reported, as ``timeit`` does: a machine's other work only ever adds
time. The ratio of each round is printed too. Every way must give every
copy the same score; the script fails otherwise. A figure printer, not a
timed test: wall-clock seconds depend on the machine and its load.

CPU seconds are those of every process each way starts, and only those:
this script makes itself the reaper of every process orphaned below it
(``PR_SET_CHILD_SUBREAPER``), waits for each one, and reads the CPU time of
its waited-for descendants (``getrusage``). That counts the grading
processes' fork server, the kernel zygotes and every kernel, and nothing
else the machine runs, so it holds on a busy machine too, where the wall
clock does not.

Usage::

    .venv/bin/python benchmarks/grading.py [ASSIGNMENT ...] [--copies N]
        [--fixture LEARNER] [--rounds R]

(defaults: every assignment, 8 copies of ``ada``, 3 rounds)
"""

import argparse
import csv
import ctypes
import json
import os
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

FIXTURES = course.ROOT / "tests" / "fixtures"
PR_SET_CHILD_SUBREAPER = 36


def copies(folder, assignment, fixture, count):
    for number in range(count):
        source = FIXTURES / assignment / fixture
        shutil.copytree(source, folder / f"{fixture}{number:03d}")
    return folder


def project(base, assignment, submitted, jobs):
    """Seconds the grade command took, and its scores."""
    out = Path(tempfile.mkdtemp(prefix=f"project-{jobs or 'default'}-", dir=base))
    command = [sys.executable, "-m", "autograder", "grade", assignment]
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


def plain_nbgrader(base, assignment, submitted):
    """Seconds nbgrader's autograde + generate_feedback took, and its scores."""
    from nbgrader.api import Gradebook

    root = Path(tempfile.mkdtemp(prefix="nbgrader-", dir=base)) / "course"
    root = make_course(root, assignment, course.source_folder(assignment))
    spec = root / "jupyter_data" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python", "language": "python"})
    )
    nbgrader(root, "generate_assignment", assignment, "--force")
    shutil.copytree(submitted, root / "submitted")
    with Clock() as clock:
        nbgrader(root, "autograde", assignment, "--force")
        nbgrader(root, "generate_feedback", assignment, "--force")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submissions = gradebook.find_assignment(assignment).submissions
        scores = {s.student.id: float(s.score) for s in submissions}
    return clock, scores


class Clock:
    """Wall-clock seconds of a block, and CPU seconds of what it started."""

    def __enter__(self):
        _reap_all()
        self.start = time.perf_counter(), _children_cpu()
        return self

    def __exit__(self, *exc_info):
        self.wall = time.perf_counter() - self.start[0]
        # Processes that outlive the command (its fork server, its zygotes)
        # end once it has; their time is counted when they are reaped.
        _reap_all()
        self.cpu = _children_cpu() - self.start[1]


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reap_all(patience=60):
    """Wait for every descendant, orphans included; fail if some never end."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.05)  # some still running
        except ChildProcessError:
            return
    raise SystemExit("processes left running after grading")


def become_reaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def measure(assignment, fixture, count, rounds):
    """Print the figures of one assignment."""
    ways = {
        "nbgrader, serial": lambda base, submitted: plain_nbgrader(
            base, assignment, submitted
        ),
        "project, --jobs 1": lambda base, submitted: project(
            base, assignment, submitted, 1
        ),
        "project, default": lambda base, submitted: project(
            base, assignment, submitted, None
        ),
    }
    timings = {label: [] for label in ways}
    with tempfile.TemporaryDirectory(prefix="sigmoid-benchmark-") as scratch:
        base = Path(scratch)
        submitted = copies(base / "submitted", assignment, fixture, count)
        reference = None
        for _ in range(rounds):
            for label, way in ways.items():
                clock, scores = way(base, submitted)
                reference = reference or scores
                if scores != reference:
                    raise SystemExit(
                        f"{assignment}, {label}: scores differ from nbgrader's: "
                        f"{scores}"
                    )
                timings[label].append(clock)
    best = {
        label: min(clocks, key=lambda c: c.wall) for label, clocks in timings.items()
    }
    plain = best["nbgrader, serial"]
    score = reference[f"{fixture}000"]
    print(f"\n{assignment}: {count} copies of {fixture}, every score {score:g}")
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
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--fixture", default="ada")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    assignments = args.assignments or [
        name
        for name in course.assignments()
        if (FIXTURES / name / args.fixture).is_dir()
    ]
    for assignment in assignments:
        course.source_folder(assignment)  # a clear error before any work
        if not (FIXTURES / assignment / args.fixture).is_dir():
            parser.error(f"no fixture {FIXTURES / assignment / args.fixture}")
    become_reaper()
    for assignment in assignments:
        measure(assignment, args.fixture, args.copies, args.rounds)


if __name__ == "__main__":
    main()
