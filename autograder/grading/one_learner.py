"""Grade one learner: a pure function of the assignment and the submission.

:func:`grade_one` takes plain data (the :class:`~.template.Template` every
learner is graded against and the learner's :class:`~.collect.Submission`)
and returns plain data (a :class:`Result`), so the local process pool and a
Dask worker on another machine run exactly the same code. Nothing it does
is seen outside its own scratch folder: the machine that runs the command
stores the result.

The grading itself is nbgrader's: its ``autograde`` (which restores locked
and test cells from the source, runs the notebook and records the scores)
and ``generate_feedback``, run in-process through nbgrader's API in a
course folder that holds this learner alone, with the kernel started in
:mod:`autograder.confinement.sandbox`. A learner's notebook can therefore fail, hang,
crash its kernel or misbehave without affecting anyone else's grade; the
worst it can do is lose its own points.

The steps, in order, are those of :func:`_grade_in`: write the submission
into a fresh course, install the sandboxed kernel (its arguments come from
:func:`sandbox_args` alone), start the trusted re-check's worker (a second
sandbox, with a folder of its own, running the learner's notebook while
nbgrader grades), autograde, read the grades, apply the re-check (its scores
go into the gradebook and its messages into the test cells' outputs),
generate the feedback, read the feedback and the graded notebook. The kernel
and the worker are forked, already loaded, by a
:mod:`~autograder.confinement.zygote`: the one the command started for its
grading processes, or (on a Dask worker) the grading process's own, started
with its first learner.
"""

import fcntl
import html
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import course
from autograder.confinement import limits, recheck, sandbox, sanitise
from autograder.confinement.zygote import Zygote, preloads
from autograder.grading.rechecked import store_scores, write_outputs
from autograder.nbgrader_run import (
    NbgraderFailed,
    api,
    environment,
    in_course,
    install_kernel,
    open_gradebook,
    run_step,
)

GRADED = "graded"

# One learner at a time per process: nbgrader runs in-process here, with the
# process's environment pointing at that learner's course folder.
_one_at_a_time = threading.Lock()


@dataclass(frozen=True)
class Isolation:
    """What the learner's kernel must not see, named by the grading machine.

    Attributes
    ----------
    protected : tuple of str
        Folders (submissions, grade outputs) hidden from learner code, or
        made read-only where they hold something the kernel needs.
    scratch : str or None
        Folder where each grading process claims a slot to work in; None
        for a folder in the machine's temporary folder.
    sandboxed : bool
        False only when the instructor chose ``--unsafe-no-sandbox``: the
        kernel then runs with resource limits alone.
    zygote : str or None
        Socket of the :class:`~autograder.confinement.zygote.Zygote` that the
        grading processes of this machine share, in ``scratch``; None for
        one per grading process.
    """

    protected: tuple = ()
    scratch: str | None = None
    sandboxed: bool = True
    zygote: str | None = None


@dataclass
class Result:
    """One learner's grade for one assignment.

    ``tests`` holds each graded cell's and task's score, None for one that
    no one scored yet; ``pending`` names those that wait for a person
    (``needs_manual_grade`` in the gradebook). ``notebooks`` holds what nbgrader's
    autograde recorded in the gradebook: ``{notebook: {"grades": {cell:
    auto_score}, "comments": {cell: auto_comment}}}``. ``files`` holds the
    feedback pages (with nbgrader's ``timestamp.txt`` and the learner's
    ``submission_secret.txt``) and ``autograded`` the graded notebooks, by
    file name, for the grading machine to write. ``feedback`` is the folder
    the feedback went to, once written there. ``details`` is what went wrong
    when the learner could not be graded (a traceback), for the log.
    """

    student_id: str
    assignment: str
    score: float
    max_score: float
    status: str  # graded, invalid notebook, missing, timed out, kernel died, error
    message: str = ""
    feedback: str = ""
    tests: dict = field(default_factory=dict)
    notebooks: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    autograded: dict = field(default_factory=dict)
    digest: str = ""
    seconds: float = 0.0
    details: str = ""
    pending: list = field(default_factory=list)
    timestamp: object = None  # when the learner submitted (timestamp.txt)


def grade_one(template, submission, isolation=Isolation()):
    """Grade ``submission`` against ``template``; return its Result.

    Never raises for anything the learner's notebook does: a notebook that
    cannot be graded gets a score of 0 and a status that says why.
    """
    start = time.monotonic()
    with _one_at_a_time:
        result = _grade(template, submission, isolation)
    result.digest = submission.digest
    if result.files and "timestamp.txt" not in result.files:
        # nbgrader's release_feedback reads it beside the pages.
        when = submission.files.get("timestamp.txt") or _now().encode()
        result.files["timestamp.txt"] = when
    if result.files and "submission_secret.txt" not in result.files:
        # Collected by hand, not by nbgrader's exchange: release_feedback
        # still needs a secret to name the pages by (fetch_feedback finds
        # them only with the learner's own, from the exchange).
        result.files["submission_secret.txt"] = secrets.token_hex(64).encode()
    result.seconds = time.monotonic() - start
    return result


def _grade(template, submission, isolation):
    if not submission.found:
        message = f"no {template.assignment}/ folder in the submission"
        if submission.others:
            message += f" (found: {', '.join(submission.others)})"
        return failed(template, submission.student, "missing", message, page=False)
    problems = [
        problem
        for name in template.notebooks
        if (problem := check_notebook(name, submission.notebooks.get(name)))
    ]
    if problems:
        message = "; ".join(problems)
        if submission.others:
            message += f" (other notebooks found: {', '.join(submission.others)})"
        return failed(template, submission.student, "invalid notebook", message)
    slot = _slot(isolation.scratch)
    root = slot.path / "course"
    shutil.rmtree(root, ignore_errors=True)
    template.unpack(root)
    try:
        return _grade_in(root, template, submission, isolation, slot)
    finally:
        # Only the learner being graded has a course folder.
        shutil.rmtree(root, ignore_errors=True)


def _grade_in(root, template, submission, isolation, slot):
    assignment, student = template.assignment, submission.student
    submitted = root / "submitted" / student / assignment
    submitted.mkdir(parents=True)
    # The learner's files, then the release's over them, as nbgrader's
    # autograde lays them out for the kernel (it copies the release's from
    # source/ itself); the re-check's worker gets the same in its folder.
    rechecking = root / "recheck"
    rechecking.mkdir()
    for folder, files in [
        (submitted, submission.files),
        (submitted, submission.notebooks),
        (rechecking, submission.files),
        (rechecking, template.release_files()),
    ]:
        _write_files(folder, files)
    autograded = root / "autograded" / student / assignment
    autograded.mkdir(parents=True)
    # The kernel's sockets and connection file (sandbox.runtime_folder).
    runtime = sandbox.runtime_folder(root)
    shutil.rmtree(runtime, ignore_errors=True)
    runtime.mkdir(mode=0o700)
    writable = [autograded, runtime, root / "home"]
    zygote = isolation.zygote or _zygote(slot, preloads(root / "source" / assignment))
    install_kernel(root, sandbox_args(isolation, slot, writable), zygote)
    # The kernel runs learner code before the checks: a run in which that
    # code cannot touch them decides the score. Its worker runs the learner's
    # notebook again, in a sandbox and a folder of its own, while nbgrader
    # grades.
    env = environment(root) | {"HOME": str(rechecking), "TMPDIR": str(rechecking)}
    try:
        with recheck.Recheck(
            root / "source" / assignment, submitted,
            [*sandbox.launcher(zygote),
             *sandbox_args(isolation, slot, [rechecking], read_only=[submitted])],
            cwd=rechecking, env=env, timeout=template.timeout,
        ) as rechecked:  # fmt: skip

            def decide(result):
                # Before the feedback: its pages show the re-check's scores
                # and messages, as the gradebook and the CSV do.
                rechecked.apply(result)
                _record_rechecked(result)
                store_scores(root, assignment, student, result.tests)
                for notebook in autograded.glob("*.ipynb"):
                    write_outputs(notebook, rechecked.outcomes)

            result = _autograde(root, template, student, autograded, decide)
            if result.status != GRADED:
                return result
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    result.autograded = _read_files(autograded, "*.ipynb")
    return result


def _autograde(root, template, student, autograded, decide):
    """nbgrader's autograde and feedback; the Result they recorded.

    ``decide`` settles the Result's scores between the two.
    """
    assignment = template.assignment
    nbgrader = api(root, template.timeout)
    # A cell that hangs is interrupted after the timeout; this bounds the
    # whole notebook (many cells, a kernel that ignores interrupts).
    seconds = template.timeout * (len(template.tests) + 10) + 120
    with in_course(root), _Deadline(seconds) as deadline:
        try:
            run_step(nbgrader.autograde, assignment, student)
            # After autograde: the scores nbgrader recorded, and the learner's
            # outputs made plain, bounded text before any page shows them.
            result = read_grades(root, template, student)
            decide(result)
            for notebook in autograded.glob("*.ipynb"):
                sanitise.bound_outputs(notebook)
            run_step(nbgrader.generate_feedback, assignment, student)
        except NbgraderFailed as exc:
            if deadline.passed:
                message = f"grading took longer than {seconds:g} s and was stopped"
                return failed(template, student, "timed out", message)
            if "DeadKernelError" in exc.log:
                return failed(template, student, "kernel died", KERNEL_DIED)
            message = _one_line(str(exc))
            unknown = re.findall(
                r"Cell '([^']*)' does not exist in the database", exc.log
            )
            if unknown:
                message = (
                    f"the notebook's cells are not {assignment}'s (unknown: "
                    f"{', '.join(unknown[:5])}{'...' if len(unknown) > 5 else ''}): "
                    f"was it made from another assignment? {message}"
                )
            return failed(template, student, "error", message, details=exc.log)
    # After feedback: the pages to send back, with no script in them.
    pages = root / "feedback" / student / assignment
    for page in pages.glob("*.html"):
        sanitise.sanitise_page(page)
    result.files = _read_files(pages)
    return result


def _record_rechecked(result):
    """Put the re-checked scores where the gradebook takes them from.

    A cell nbgrader left to a person (no automatic score) stays so.
    """
    for record in result.notebooks.values():
        for name in record["grades"]:
            if result.tests.get(name) is not None:
                record["grades"][name] = result.tests[name]


def sandbox_args(isolation, slot, writable, read_only=()):
    """The sandbox options for a kernel graded in ``slot``.

    Learner code may write in the ``writable`` folders only (its notebook's
    folder, its home and its sockets' folder), read the course, the Python
    installation and ``read_only``, and sees nothing of the instructor's home
    folder, the solutions, the grading slots (gradebooks, source notebooks
    with hidden tests, the learners graded at the same time) nor the
    protected folders. What it needs inside a hidden folder is put back.
    """
    if not isolation.sandboxed:
        return ["--no-namespace"]
    needed = [course.ROOT, Path(sys.prefix), Path(sys.base_prefix)]
    protected = [Path(path) for path in isolation.protected]
    kept, hidden = split_protected(protected, needed)
    hidden += [Path.home(), course.SOLUTIONS, slot.base]
    args = []
    for flag, paths in [
        ("--read-only", [*needed, *kept, *read_only]),
        ("--hide", hidden),
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
        holds = any(Path(path).is_relative_to(folder) for path in needed)
        (read_only if holds else hidden).append(folder)
    return read_only, hidden


KERNEL_DIED = (
    "the Python kernel died while running the notebook (a call like os.abort(), "
    "a crash in compiled code, or running out of memory)"
)


def check_notebook(name, content):
    """What is wrong with the notebook ``name`` handed in as ``content``.

    None if it can be graded. The notebook's kernelspec is not looked at:
    nbgrader runs the grader's kernel (``Execute.kernel_name``) whatever it
    says.

    >>> check_notebook("a.ipynb", None)
    'a.ipynb is missing from the submission'
    >>> check_notebook("a.ipynb", b'{"cells": [')[:48]
    'a.ipynb is not valid JSON (line 1, column 12: Ex'
    """
    if content is None:
        return f"{name} is missing from the submission"
    if problem := limits.too_big(name, content):
        return problem
    try:
        text = content.decode("utf-8")
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
        return f"{name} is not a valid notebook: {_one_line(str(exc))}"
    return None


def failed(template, student, status, message, *, page=True, details=""):
    """The Result of a learner who could not be graded: 0, and why.

    ``details`` (nbgrader's log, a traceback) goes on the error page and
    into the command's log.
    """
    files = {}
    if page:
        files["grading-error.html"] = _error_page(
            student, template.assignment, message, _traceback(details)
        ).encode("utf-8")
    return Result(
        student, template.assignment, 0.0, template.max_score, status, message,
        tests=dict.fromkeys(template.tests, 0.0), files=files,
        details=details.strip()[-LOG_LIMIT:],
    )  # fmt: skip


LOG_LIMIT = 20_000


def _traceback(log):
    """What nbgrader reported when it failed (its errors and tracebacks), for
    the learner's error page; "" if it reported none.

    A hidden test and a preview of a cell's source (nbclient's time-out
    message) are left out.

    >>> print(_traceback("[INFO] a\\n[ERROR] Traceback (most recent call last):\\n  x"))
    [ERROR] Traceback (most recent call last):
      x
    """
    start = log.find("[ERROR]")
    if start < 0:
        start = log.rfind("Traceback (most recent call last)")
    if start < 0:
        return ""
    text = log[start:]
    for pattern in (
        r"### BEGIN HIDDEN TESTS.*?(### END HIDDEN TESTS|\Z)",
        r"Here is a preview of the cell contents:.*?\n-+\n.*?(\n-+\n|\Z)",
    ):
        text = re.sub(pattern, "(left out)\n", text, flags=re.S)
    return text.strip()[-LOG_LIMIT:]


def read_grades(root, template, student):
    """The Result nbgrader's autograde recorded in the course's gradebook."""
    result = Result(student, template.assignment, 0.0, template.max_score, GRADED)
    result.tests = dict.fromkeys(template.tests, 0.0)
    with open_gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(template.assignment, student)
        result.score = float(submission.score)
        result.timestamp = submission.timestamp
        for notebook in submission.notebooks:
            result.notebooks[notebook.name] = {
                "grades": {grade.name: grade.auto_score for grade in notebook.grades},
                "comments": {
                    comment.name: comment.auto_comment for comment in notebook.comments
                },
            }
            for grade in notebook.grades:
                if grade.name in result.tests:
                    # No automatic score: nbgrader leaves it to a person (a
                    # test cell the learner deleted is the re-check's).
                    auto = grade.auto_score
                    if auto is not None:
                        result.tests[grade.name] = float(auto)
                    elif grade.name in template.manual:
                        result.tests[grade.name] = None
    result.pending = [name for name, score in result.tests.items() if score is None]
    return result


def _write_files(folder, files):
    for name, content in files.items():
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _now():
    import datetime

    return str(datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None))


def _read_files(folder, pattern="*"):
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(Path(folder).rglob(pattern))
        if path.is_file()
    }


class _Deadline:
    """Kill the kernels started in this block if it runs past ``seconds``.

    nbgrader then sees a dead kernel and gives up on the notebook. On the
    way out, whatever the block started and left running is killed too.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.passed = False

    def __enter__(self):
        self.before = {child.pid for child in _children()}
        self.timer = threading.Timer(self.seconds, self._expire)
        self.timer.daemon = True
        self.timer.start()
        return self

    def __exit__(self, *exc_info):
        self.timer.cancel()
        self._kill()

    def _expire(self):
        self.passed = True
        self._kill()

    def _kill(self):
        for child in _children():
            if child.pid not in self.before:
                # jupyter_client starts each kernel in a session of its own.
                try:
                    os.killpg(child.pid, 9)
                except OSError:
                    pass
                try:
                    child.kill()
                except Exception:  # gone already
                    pass


def _children():
    import psutil

    return psutil.Process().children()


# Enough for one grading process per core, on any machine.
SLOTS = max(32, os.cpu_count() or 1)


class _Slot:
    """A folder of its own for one grading process, among SLOTS siblings.

    Grading processes on one machine share the ``base`` folder; each
    claims a slot with a lock held for its lifetime (released by the
    system however the process ends). All slots exist before any kernel
    starts, so every kernel can be kept out of every other slot, whichever
    learners are graded there later.
    """

    def __init__(self, base):
        self.base = Path(base)
        self.base.mkdir(mode=0o711, parents=True, exist_ok=True)
        # Kernels run as users of their own: they pass through to their
        # folders, and list nothing.
        self.base.chmod(0o711)
        for number in range(SLOTS):
            (self.base / f"slot-{number:02d}").mkdir(exist_ok=True)
        for number in range(SLOTS):
            path = self.base / f"slot-{number:02d}"
            handle = open(path / ".lock", "w")  # noqa: SIM115  (held open)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self.path, self._lock = path, handle
            return
        raise RuntimeError(
            f"all {SLOTS} grading slots in {self.base} are taken: run fewer "
            "grading processes on this machine"
        )

    def others(self):
        return [
            self.base / f"slot-{number:02d}"
            for number in range(SLOTS)
            if self.base / f"slot-{number:02d}" != self.path
        ]


_slots = {}
_zygotes = {}


def _zygote(slot, preload):
    """The socket of the slot's :class:`~autograder.confinement.zygote.Zygote`.

    Started once (for a Dask worker; a local run shares one: ``Isolation.zygote``).

    It lies in the slot's folder, which every sandbox hides. One that
    preloads other modules (another assignment's) is replaced.
    """
    zygote = _zygotes.get(slot.path)
    if zygote is not None and zygote.preload != preload:
        zygote.close()
        zygote = None
    if zygote is None or not zygote.alive():
        zygote = _zygotes[slot.path] = Zygote(slot.path / "zygote", preload)
    return zygote.socket


def _slot(scratch):
    base = scratch or Path(tempfile.gettempdir()) / f"sigmoid-grading-{os.getuid()}"
    if base not in _slots:
        _slots[base] = _Slot(base)
    return _slots[base]


def _error_page(student, assignment, message, details=""):
    more = ""
    if details:
        more = (
            "<details><summary>What the grader reported</summary>"
            f"<pre>{html.escape(details)}</pre></details>"
        )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(assignment)}: not graded</title></head><body>"
        f"<h1>{html.escape(assignment)}: your submission could not be graded</h1>"
        f"<p>Learner: {html.escape(student)}</p>"
        f"<pre>{html.escape(message)}</pre>{more}"
        "<p>Your score is 0. Fix the problem above (open the notebook in "
        "JupyterLab and save it again, or start again from the released "
        "exercise) and resubmit.</p></body></html>\n"
    )


def _one_line(text):
    text = " ".join(text.split())
    return text if len(text) < 300 else text[:297] + "..."
