"""The term's commands around grading: due dates, late work, similarity, status, export.

Each one works on nbgrader's gradebook (``--course-dir``, ``--db``), so
grades written by ``grade``, by plain nbgrader and by hand in formgrader
all count. This module holds their command line; the work is done in
:mod:`autograder.grading.late`, :mod:`~autograder.grading.status`,
:mod:`~autograder.grading.export` and :mod:`autograder.similarity`.
"""

COMMANDS = ("due", "late", "similarity", "status", "export")


def _gradebook_options(parser):
    parser.add_argument(
        "--course-dir",
        metavar="DIR",
        help="nbgrader course folder with the gradebook (default: this repository)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL of nbgrader's gradebook "
        "(default: sqlite:///COURSE_DIR/gradebook.db)",
    )


def add_commands(commands):
    """Add the term's sub-commands to the ``python -m autograder`` parser."""
    from autograder.grading.export import FORMATS
    from autograder.grading.late import PENALTY_HELP

    due = commands.add_parser(
        "due", help="set an assignment's due date and late policy in the gradebook"
    )
    due.add_argument("assignment", metavar="ASSIGNMENT")
    due.add_argument(
        "when",
        metavar="WHEN",
        help="the due date: 'YYYY-MM-DD HH:MM[:SS] [ZONE]' (UTC without a zone)",
    )
    due.add_argument("--penalty", default="none", metavar="POLICY", help=PENALTY_HELP)
    due.add_argument(
        "--zero-after",
        type=float,
        metavar="HOURS",
        help="work later than this many hours after the due date scores 0",
    )
    _gradebook_options(due)

    late = commands.add_parser(
        "late",
        help="read submission times (nbgrader's timestamp.txt) and apply the "
        "late policy to the gradebook's scores",
    )
    late.add_argument("assignment", metavar="ASSIGNMENT")
    late.add_argument(
        "--submissions",
        required=True,
        metavar="DIR",
        help="folder laid out as DIR/<student>/<ASSIGNMENT>/timestamp.txt",
    )
    _gradebook_options(late)

    sim = commands.add_parser(
        "similarity",
        help="rank pairs of learners by the answer code they share (an HTML "
        "report to read, not a verdict)",
    )
    sim.add_argument("assignment", metavar="ASSIGNMENT")
    sim.add_argument(
        "--submissions",
        required=True,
        metavar="DIR",
        help="folder laid out as DIR/<student>/<ASSIGNMENT>/*.ipynb",
    )
    sim.add_argument(
        "--html",
        metavar="FILE",
        help="the report (default: similarity-ASSIGNMENT.html here)",
    )
    sim.add_argument("--csv", metavar="FILE", help="also every pair, ranked, as CSV")
    sim.add_argument(
        "--top", type=int, default=50, metavar="N", help="pairs shown in the report"
    )
    sim.add_argument(
        "--course-dir",
        metavar="DIR",
        help="a course of your own: its release/ASSIGNMENT holds what learners "
        "were given (default: this repository's exercises/)",
    )

    stat = commands.add_parser(
        "status",
        help="per assignment: submitted, graded, failed, manual grading "
        "pending, late, feedback",
    )
    stat.add_argument("assignment", nargs="?", metavar="ASSIGNMENT")
    stat.add_argument("--csv", metavar="FILE", help="also one row per learner, as CSV")
    _gradebook_options(stat)

    exp = commands.add_parser(
        "export", help="the gradebook's totals as a Canvas, Moodle or plain CSV file"
    )
    exp.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    exp.add_argument("--to", required=True, choices=FORMATS)
    exp.add_argument(
        "--roster",
        required=True,
        metavar="FILE",
        help="CSV with student_id (nbgrader) and lms_id (the LMS's user id) "
        "columns; optionally name, sis_user_id, sis_login_id, section",
    )
    exp.add_argument("--output", required=True, metavar="FILE", help="CSV to write")
    exp.add_argument(
        "--allow-pending",
        action="store_true",
        help="export the score so far of learners whose manual grading is pending",
    )
    _gradebook_options(exp)


def _same_hashes_every_run(argv):
    """Run again with a fixed PYTHONHASHSEED, so that a report can be repeated.

    copydetect hashes code with Python's ``hash``, which is salted afresh in
    each process: the winnowed fingerprints, and so the scores, would move a
    little from one run to the next.
    """
    import os
    import subprocess
    import sys

    if os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        command = [sys.executable, "-m", "autograder", *argv]
        raise SystemExit(subprocess.call(command, env=env))


def run(args):
    """Run one of the term's commands; return what to print."""
    from autograder import similarity
    from autograder.grading import export, late, status

    if args.command == "due":
        policy = late.parse_policy(args.penalty, args.zero_after)
        when = late.set_due(
            args.assignment, args.when, policy, course_dir=args.course_dir,
            db_url=args.db,
        )  # fmt: skip
        return (
            f"{args.assignment} is due {when:%Y-%m-%d %H:%M:%S} UTC; late policy: "
            f"{policy.describe()}"
        )
    if args.command == "late":
        found = late.run(
            args.assignment, args.submissions, course_dir=args.course_dir,
            db_url=args.db,
        )  # fmt: skip
        lines = [f"{args.assignment}: {len(found)} graded submissions"]
        for x in found:
            if x.seconds_late > 0:
                lines.append(
                    f"  {x.student}: {x.seconds_late / 3600:.1f} h late, penalty "
                    f"{x.penalty:g}, score {x.score:g}/{x.max_score:g}"
                )
        lines.append(f"  late: {sum(x.seconds_late > 0 for x in found)}")
        return "\n".join(lines)
    if args.command == "similarity":
        _same_hashes_every_run(args.argv)
        if args.top < 1:
            raise ValueError(f"--top must be at least 1, got {args.top}")
        html = args.html or f"similarity-{args.assignment}.html"
        pairs, skipped = similarity.compare(
            args.assignment, args.submissions, course_dir=args.course_dir
        )
        similarity.write_html(html, args.assignment, pairs, skipped, args.top)
        lines = [f"wrote {html}: {len(pairs)} pairs"]
        if args.csv:
            similarity.write_csv(args.csv, pairs)
            lines.append(f"wrote {args.csv}")
        for rank, p in enumerate(pairs[:5], 1):
            lines.append(f"  {rank}. {p.a.student} and {p.b.student}: {p.score:.0%}")
        lines += [f"  not compared: {x.student}: {x.problem}" for x in skipped]
        return "\n".join(lines)
    if args.command == "status":
        return status.status(
            [args.assignment] if args.assignment else None,
            course_dir=args.course_dir, db_url=args.db, csv_path=args.csv,
        )  # fmt: skip
    result = export.export(
        args.assignments, args.to, args.roster, args.output,
        allow_pending=args.allow_pending, course_dir=args.course_dir, db_url=args.db,
    )  # fmt: skip
    return result.report()
