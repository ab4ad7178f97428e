"""Run nbgrader in a throwaway course folder, as a command or in-process.

Every run of nbgrader happens in a temporary folder laid out the way
nbgrader expects (``source/``, ``release/``, ``submitted/``...), with its
own Jupyter configuration, so that an instructor's personal Jupyter
settings cannot change a grade. :func:`settings` is the one place that
configures nbgrader: the ``nbgrader_config.py`` written for the command
line and the :class:`traitlets.config.Config` used in-process both come
from it.
"""

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from autograder.confinement import sandbox

BIN = Path(sys.executable).parent
KERNEL_NAME = "sigmoid-course-grader"

COURSE_ID = "sigmoid-course"


def settings(timeout=30):
    """nbgrader's configuration, as ``{section: {option: value}}``.

    The course root is not set: it is the folder nbgrader runs in (or the
    one :func:`config` is given), so copies of a course work too.

    >>> settings(5)["Execute"]
    {'timeout': 5, 'kernel_name': 'sigmoid-course-grader'}
    """
    return {
        "CourseDirectory": {"course_id": COURSE_ID},
        # The grader's sandboxed kernel, whatever the notebook's metadata
        # asks for.
        "Execute": {"timeout": int(timeout), "kernel_name": KERNEL_NAME},
    }


def config(root, timeout=30):
    """:func:`settings` as a traitlets ``Config`` for nbgrader run in-process.

    A process that grades learner after learner compiles the feedback
    page's templates once (:func:`feedback_exporter`), not once a learner.
    """
    from traitlets.config import Config

    result = Config(settings(timeout))
    result.CourseDirectory.root = str(root)
    # Kernel and grader talk over Unix sockets, so the kernel needs no
    # network. The sockets go in the kernel's own short folder (socket paths
    # are limited to about 100 bytes); see sandbox.runtime_folder.
    result.KernelManager.transport = "ipc"
    result.KernelManager.ip = str(sandbox.runtime_folder(root) / "kernel")
    # Once the last cell has run, every output is in: the kernel is killed,
    # not asked to exit (its exit hooks cost CPU, and waiting for them idles).
    result.Execute.shutdown_kernel = "immediate"
    result.AsyncKernelManager.client_factory = ready_client()
    result.GenerateFeedback.exporter_class = feedback_exporter()
    return result


@functools.cache
def feedback_exporter():
    """nbconvert's HTMLExporter, keeping compiled Jinja templates in memory.

    Jinja's cache is keyed by each template's name and a checksum of its
    source, so a changed template is compiled again.
    """
    import jinja2
    from nbconvert.exporters import HTMLExporter

    class MemoryCache(jinja2.BytecodeCache):
        def __init__(self):
            self.compiled = {}

        def load_bytecode(self, bucket):
            if bucket.key in self.compiled:
                bucket.bytecode_from_string(self.compiled[bucket.key])

        def dump_bytecode(self, bucket):
            self.compiled[bucket.key] = bucket.bytecode_to_string()

    cache = MemoryCache()

    class FeedbackExporter(HTMLExporter):
        def _create_environment(self):
            environment = super()._create_environment()
            environment.bytecode_cache = cache
            return environment

    return FeedbackExporter


@functools.cache
def ready_client():
    """jupyter_client's kernel client, ready 0.2 s a kernel sooner.

    Its ``wait_for_ready`` ends by reading IOPub until nothing comes for
    0.2 s, so every kernel start idles that long. Here the messages already
    queued are dropped without waiting: nbclient matches every later message
    to the cell that caused it, so a late one is ignored there anyway.
    """
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout=None):
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = {}
                if reply.get("msg_type") == "kernel_info_reply":
                    # IOPub is connected once the request's status arrives.
                    try:
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        break
                if not await self.is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
            while True:
                try:
                    await self.iopub_channel.get_msg(timeout=0)
                except Empty:
                    break

    return ReadyClient


def _config_file(timeout):
    lines = ["c = get_config()  # noqa: F821"]
    for section, options in settings(timeout).items():
        lines += [f"c.{section}.{key} = {value!r}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def make_course(root, assignment, source, *, timeout=30):
    """Lay out a course folder at ``root`` holding ``source`` as the assignment."""
    root = Path(root)
    shutil.copytree(source, root / "source" / assignment)
    for name in ("home", "jupyter_config", "jupyter_data", "runtime"):
        (root / name).mkdir()
    (root / "nbgrader_config.py").write_text(_config_file(timeout))
    return root


def install_kernel(root, sandbox_args, zygote=None):
    """Write the kernel spec that starts learner code inside the sandbox.

    With ``zygote`` (the socket of an :mod:`autograder.confinement.zygote`), that
    process forks the kernel, already loaded, into the sandbox.
    """
    spec = Path(root) / "jupyter_data" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [*sandbox.launcher(zygote), *sandbox_args, "--"]
    argv += [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps(
            {"argv": argv, "display_name": "Grader (sandboxed)", "language": "python"}
        )
    )


@contextmanager
def in_course(root):
    """Point Jupyter at the course folder ``root`` while nbgrader runs in-process."""
    saved, wanted = dict(os.environ), environment(root)
    os.environ.clear()
    os.environ.update(wanted)
    # nbclient writes the kernel's connection file with mkstemp: into the
    # kernel's own folder (TMPDIR), the only one it can read in its sandbox.
    saved_tempdir, tempfile.tempdir = tempfile.tempdir, wanted["TMPDIR"]
    try:
        yield
    finally:
        tempfile.tempdir = saved_tempdir
        os.environ.clear()
        os.environ.update(saved)


def api(root, timeout=30):
    """nbgrader's Python API on the course folder ``root``."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    options = config(root, timeout)
    return NbGraderAPI(coursedir=CourseDirectory(config=options), config=options)


class NbgraderFailed(RuntimeError):
    """nbgrader failed (its command or a step of its API); ``log`` holds its log."""

    def __init__(self, message, log):
        super().__init__(message)
        self.log = log


def run_step(step, *args):
    """Run a step of nbgrader's API (``api.autograde``...) with ``force=True``.

    Raises
    ------
    NbgraderFailed
        If nbgrader could not process a notebook.
    """
    outcome = step(*args, force=True)
    log = outcome.get("log", "") + outcome.get("error", "")
    # nbgrader logs a cell time-out as an error but goes on and grades;
    # only a failure to process the notebook is one for us.
    if not outcome["success"] or "There was an error processing" in log:
        raise NbgraderFailed(f"nbgrader {step.__name__} failed: {cause(log)}", log)


def generate_assignment(root, assignment, timeout=30):
    """nbgrader's ``generate_assignment`` in this process, in the course ``root``.

    The course's gradebook is created first (:func:`open_gradebook`), so that
    nbgrader finds it and does not run ``alembic`` to create it.
    """
    open_gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}").close()
    with in_course(root):
        run_step(api(root, timeout).generate_assignment, assignment)


def open_gradebook(url, course_id=COURSE_ID):
    """nbgrader's ``Gradebook`` at ``url``, created first if it is new.

    nbgrader creates a new gradebook itself, but asks for its schema
    version by running the ``alembic`` command, which imports all of
    nbgrader again: 3 s. Here the version comes from alembic's API, in this
    process, and the tables and version are those nbgrader would write.
    """
    from nbgrader.api import Base, Gradebook
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        if not inspect(engine).get_table_names():
            Base.metadata.create_all(bind=engine)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "CREATE TABLE alembic_version "
                        "(version_num VARCHAR(32) NOT NULL)"
                    )
                )
                connection.execute(
                    text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                    {"v": schema_version()},
                )
    finally:
        engine.dispose()
    return Gradebook(url, course_id)


@functools.cache
def schema_version():
    """The alembic revision of nbgrader's gradebook schema (its head)."""
    import nbgrader
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    options = Config()
    scripts = Path(nbgrader.__file__).parent / "alembic"
    options.set_main_option("script_location", str(scripts))
    return ScriptDirectory.from_config(options).get_current_head()


def environment(root):
    """Environment for nbgrader and the kernels it starts."""
    root = Path(root)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "IPYTHON", "PYTHON", "MPL"))
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(root / "home"),
        JUPYTER_CONFIG_DIR=str(root / "jupyter_config"),
        JUPYTER_DATA_DIR=str(root / "jupyter_data"),
        JUPYTER_PATH=str(root / "jupyter_data"),
        JUPYTER_RUNTIME_DIR=str(sandbox.runtime_folder(root)),
        TMPDIR=str(sandbox.runtime_folder(root)),
        IPYTHONDIR=str(root / "home" / ".ipython"),
        MPLCONFIGDIR=str(root / "home" / ".matplotlib"),
        MPLBACKEND="Agg",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def nbgrader(root, *args, timeout=None):
    """Run ``nbgrader ARGS`` in the course folder ``root``.

    Raises
    ------
    NbgraderFailed
        If nbgrader exits with an error.
    subprocess.TimeoutExpired
        If it runs longer than ``timeout`` seconds; everything it started
        has been killed by then.
    """
    command = [str(BIN / "nbgrader"), *args]
    process = subprocess.Popen(
        command,
        cwd=root,
        env=environment(root),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # so that a timeout kills the kernel too
    )
    try:
        log, _ = process.communicate(timeout=timeout)
    finally:
        _kill_group(process)  # also on a time-out
    # nbgrader logs a cell time-out as an error but goes on and grades;
    # only a failure to process the notebook is one for us.
    if process.returncode != 0 or "There was an error processing" in log:
        raise NbgraderFailed(f"nbgrader {args[0]} failed: {cause(log)}", log)
    return log


def cause(log):
    """The line of nbgrader's log that says best what went wrong."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        # nbgrader's last words point back at the error that says what it is.
        if "Please see the" in line:
            continue
        if re.match(r"^[\w.]+(Error|Exception|Exit)\b.*:", line):
            return line
    errors = [line for line in lines if "ERROR]" in line]
    return (errors or lines or ["no output"])[-1]


def _kill_group(process):
    """Kill what the process left running (kernels, learner subprocesses)."""
    try:
        os.killpg(process.pid, 9)
    except ProcessLookupError:
        pass
    process.wait()
