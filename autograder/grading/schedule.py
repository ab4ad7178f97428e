"""Run :func:`~.one_learner.grade_one` for many learners: locally or on Dask.

Both ways run the same function on the same data and hand each result back
to the machine that runs the command as soon as it is known; only that
machine writes the gradebook, the CSV and the feedback.
"""

import multiprocessing
import multiprocessing.forkserver
import os
import traceback
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed

from autograder.grading.one_learner import failed, grade_one


def default_jobs():
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


# What grading one learner imports, loaded once by the process that forks
# the grading processes (not once per grading process).
PRELOAD = [
    "autograder.grading.one_learner",
    "nbgrader.apps.api",
    "nbclient",
    "IPython",  # nbconvert's HTML exporter highlights code with its lexers
    "ipython_pygments_lexers",
    "psutil",
]


def start_local():
    """Start loading what grading processes need, in the background.

    Grading processes are forked from a server process (multiprocessing's
    ``forkserver``) that imports :data:`PRELOAD` once. Started early, it
    does so while this process prepares the assignment; forking from it
    costs milliseconds, where each freshly started process would spend a
    second importing. (Forking this process instead would copy its
    database connections and threads.) Not TensorFlow, which the re-check of
    exercise 4 imports: its start-up log, which no setting silences, would
    reach the terminal.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    multiprocessing.forkserver.ensure_running()
    return context


def local(template, submissions, isolation, jobs):
    """Grade ``submissions`` in ``jobs`` processes; yield Results as they come.

    Each process receives the template once, then grades one learner after
    another.
    """
    if not submissions:
        return
    context = start_local()
    with ProcessPoolExecutor(
        min(jobs, len(submissions)),
        mp_context=context,
        initializer=_receive,
        initargs=(template, isolation),
    ) as pool:
        futures = {pool.submit(_grade, s): s for s in submissions}
        try:
            for future in as_completed(futures):
                yield _outcome(template, futures[future], future)
        finally:
            for future in futures:
                future.cancel()


def dask(address, template, submissions, isolation):
    """Grade ``submissions`` on the Dask cluster at ``address``, one task each.

    The template is sent to every worker once; each task carries one
    learner's notebooks, so workers need no shared file system.
    """
    from distributed import Client
    from distributed import as_completed as dask_completed

    if not submissions:
        return
    with Client(address) as client:
        [shared] = client.scatter([template], broadcast=True)
        futures = {
            client.submit(
                grade_one,
                shared,
                s,
                isolation,
                pure=False,
                key=f"grade-{s.student}-{uuid.uuid4().hex[:8]}",
            ): s
            for s in submissions
        }
        try:
            for future in dask_completed(futures):
                yield _outcome(template, futures[future], future)
        finally:
            client.cancel(list(futures))


def _outcome(template, submission, future):
    """The future's Result; an "error" Result if grading itself broke."""
    try:
        return future.result()
    except Exception as exc:
        message = "".join(traceback.format_exception_only(exc)).strip()
        details = "".join(traceback.format_exception(exc))
        result = failed(
            template, submission.student, "error", f"grader: {message}",
            details=details,
        )  # fmt: skip
        result.digest = ""  # graded again next time
        return result


_worker = {}


def _receive(template, isolation):
    # What kernels and nbgrader print goes to a log of the process, not to
    # the command's terminal, where it would cut through the progress bar.
    log = os.path.join(isolation.scratch, f"worker-{os.getpid()}.log")
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    # One grading process per core: TensorFlow, if the re-check uses it,
    # gets one thread per pool here too (read when its first operation runs).
    os.environ.update(TF_NUM_INTEROP_THREADS="1", TF_NUM_INTRAOP_THREADS="1")
    _worker.update(template=template, isolation=isolation)


def _grade(submission):
    return grade_one(_worker["template"], submission, _worker["isolation"])
