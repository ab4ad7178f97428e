"""Command line: ``python -m autograder COMMAND ...``.

``release`` and ``grade`` are here; the term's commands around grading
(``due``, ``late``, ``similarity``, ``status``, ``export``) are in
:mod:`autograder.term`.
"""

import argparse
import sys

from autograder import course, grading, release, term


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Generate and grade the course's nbgrader exercises.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    rel = commands.add_parser(
        "release", help="regenerate exercises/ASSIGNMENT from solutions/ASSIGNMENT"
    )
    rel.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    rel.add_argument("--all", action="store_true", help="every assignment")

    grd = commands.add_parser(
        "grade",
        help="autograde submissions into the gradebook and a CSV file",
        description="Autograde every learner's submission of ASSIGNMENT (a folder "
        "of COURSE_DIR/source/ or of the course's solutions/) into nbgrader's "
        "gradebook, the CSV file and nbgrader's feedback folder.",
        epilog="Exit status: 0 when every learner was graded; 1 when some "
        "learner could not be graded (listed at the end; a learner graded "
        "before keeps that grade); 2 for a usage error (nothing graded).",
    )
    grd.add_argument("assignment", metavar="ASSIGNMENT")
    grd.add_argument(
        "--submissions",
        required=True,
        metavar="DIR",
        help="folder laid out as DIR/<student>/<ASSIGNMENT>/*.ipynb",
    )
    grd.add_argument("--csv", required=True, metavar="FILE", help="grades to write")
    grd.add_argument(
        "--feedback",
        metavar="DIR",
        help="where each learner's HTML feedback goes, as "
        "DIR/<student>/<ASSIGNMENT>/ (default: COURSE_DIR/feedback, where "
        "nbgrader release_feedback finds it)",
    )
    grd.add_argument(
        "--timeout",
        type=int,
        default=30,
        metavar="SECONDS",
        help="how long one cell may run before it scores 0 (default: 30)",
    )
    grd.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="learners graded at once on this machine (default: one per core)",
    )
    grd.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://host:8786) instead of on this machine",
    )
    grd.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL of nbgrader's gradebook "
        "(default: sqlite:///COURSE_DIR/gradebook.db)",
    )
    grd.add_argument(
        "--course-dir",
        metavar="DIR",
        help="nbgrader course folder: its source/ASSIGNMENT/ holds your own "
        "assignment's source notebooks; it receives autograded/ and feedback/ "
        "and holds the default gradebook (default: this repository)",
    )
    grd.add_argument(
        "--regrade",
        nargs="*",
        metavar="STUDENT",
        help="grade these learners again even if graded already and unchanged; "
        "with no name, every learner",
    )
    grd.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="grade even where learner code cannot be isolated (Linux "
        "namespaces missing): resource limits only. Only for code you trust.",
    )
    term.add_commands(commands)
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)

    try:
        if args.command in term.COMMANDS:
            print(term.run(args))
        elif args.command == "release":
            names = course.assignments() if args.all else args.assignments
            if not names:
                parser.error("name an ASSIGNMENT, or pass --all")
            for name in names:
                for path in release.generate(name, course.EXERCISES / name):
                    print(f"wrote {path.relative_to(course.ROOT)}")
        else:
            if args.timeout < 1:
                parser.error(f"--timeout must be at least 1 second, got {args.timeout}")
            if args.jobs is not None and args.scheduler:
                parser.error(
                    "--jobs is for this machine: leave it out with --scheduler"
                )
            results = grading.grade(
                args.assignment,
                args.submissions,
                args.csv,
                feedback_dir=args.feedback,
                timeout=args.timeout,
                jobs=args.jobs,
                scheduler=args.scheduler,
                db_url=args.db,
                course_dir=args.course_dir,
                regrade=True if args.regrade == [] else (args.regrade or ()),
                unsafe_no_sandbox=args.unsafe_no_sandbox,
            )
            graded = sum(r.status == "graded" for r in results)
            print(f"wrote {args.csv}: {graded} of {len(results)} learners graded")
            for r in results:
                if r.status != "graded":
                    print(f"  {r.student_id}: {r.status}: {r.message}")
            if graded < len(results):
                return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
