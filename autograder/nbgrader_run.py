"""Run nbgrader's command-line apps in a throwaway course folder.

The course's own folder never holds a gradebook or learner files: every run
of nbgrader happens in a temporary folder laid out the way nbgrader expects
(``source/``, ``release/``, ``submitted/``...), with its own Jupyter
configuration, so that an instructor's personal Jupyter settings cannot
change a grade.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from autograder import sandbox

BIN = Path(sys.executable).parent
KERNEL_NAME = "sigmoid-course-grader"

CONFIG = """\
import os

c = get_config()  # noqa: F821
# The course root is the folder nbgrader runs in, so copies of it work too.
c.CourseDirectory.course_id = "sigmoid-course"
c.Execute.timeout = {timeout}
# The grader's sandboxed kernel, whatever the notebook's metadata asks for.
c.Execute.kernel_name = {kernel!r}
# Kernel and grader talk over Unix sockets: the kernel has no network.
# They and the connection file go in the kernel's own short folder, TMPDIR
# (see autograder.sandbox.runtime_folder).
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(os.environ["TMPDIR"], "kernel")
"""


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds the end of its log."""


def make_course(root, assignment, source, *, timeout=30):
    """Lay out a course folder at ``root`` holding ``source`` as the assignment."""
    root = Path(root)
    shutil.copytree(source, root / "source" / assignment)
    for name in ("home", "jupyter_config", "jupyter_data", "runtime"):
        (root / name).mkdir()
    (root / "nbgrader_config.py").write_text(
        CONFIG.format(timeout=int(timeout), kernel=KERNEL_NAME)
    )
    return root


def install_kernel(root, sandbox_args):
    """Write the kernel spec that starts learner code inside the sandbox."""
    spec = Path(root) / "jupyter_data" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "autograder.sandbox", *sandbox_args, "--"]
    argv += [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps(
            {"argv": argv, "display_name": "Grader (sandboxed)", "language": "python"}
        )
    )


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
    NbgraderError
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
        raise NbgraderError(f"nbgrader {args[0]} failed: {_cause(log)}")
    return log


def _cause(log):
    """The line of nbgrader's log that says best what went wrong."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
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
