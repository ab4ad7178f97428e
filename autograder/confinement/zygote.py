"""Start sandboxed kernels without starting Python: fork them, preloaded.

Every learner's kernel, and the re-check's worker beside it, would import
the same trusted modules (ipykernel, IPython, NumPy, the course's checks)
from nothing: about half a CPU second a learner, more than nbgrader's own
work. A zygote is a process that has imported them once, has read nothing
else (no gradebook, no source notebook: it is started fresh, not forked
from the grader), and forks a child per request. Each child sets up the
sandbox exactly as :mod:`autograder.confinement.sandbox` does for any command
(:func:`autograder.confinement.sandbox.enter`), then runs the kernel or the worker in
the sandboxed process itself. Whatever learner code does there changes
that process only: the zygote's memory is copied, not shared.

The grader talks to the zygote through the sandbox's command line: the
kernel spec starts ``python -m autograder.confinement.sandbox --zygote SOCKET ...``,
which hands its arguments, environment, folder and standard streams over
the zygote's Unix socket and exits as the kernel did, forwarding signals
meanwhile. The socket lies in the grading processes' scratch folder (or,
on a Dask worker, a grading slot's), which every sandbox hides.

An assignment whose notebooks import TensorFlow (Keras) gets it preloaded
too (:func:`preloads`): its import costs about 4 CPU seconds, which every
kernel and re-check worker of exercise 4 paid, and which took the set-up
cell past the cell time-out when many learners were graded at once. Its
import starts no thread: its thread pools start with its first operation,
in the forked child, sized by the child's environment (one thread each,
:data:`~autograder.confinement.sandbox.ONE_THREAD`).

The zygote stops when the process that started it (:class:`Zygote`) ends,
by closing the zygote's standard input; its children die with it.

Usage (:class:`Zygote` starts it)::

    python -m autograder.confinement.zygote SOCKET [MODULE...]
"""

import ast
import importlib
import json
import os
import runpy
import select
import signal
import socket
import subprocess
import sys
import traceback
from pathlib import Path

from autograder.confinement import sandbox

# Imported once here, rather than by every kernel and re-check worker. None
# starts a thread: the zygote must have one thread when it forks. (Not the
# modules run as ``__main__``: runpy runs them afresh, and warns if they are
# imported already.)
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "numpy",
    "autograder.checks",
)
# Imported as well when the assignment's notebooks import them
# (:func:`preloads`): costly imports that start no thread.
PRELOAD_IF_USED = ("keras", "tensorflow")
# Modules whose ``python -m`` the sandboxed process runs in-process; any
# other command is executed as usual.
RUN_HERE = ("ipykernel_launcher", "autograder.confinement.recheck")
# Trait defaults that ipykernel and jupyter_client read from the environment
# when their classes are defined: in the zygote, that was the zygote's. The
# kernel gets the values of its own environment as configuration instead.
KERNEL_SETTINGS = {
    "IPKernelApp.parent_handle": ("JPY_PARENT_PID", "0"),
    "IPKernelApp.interrupt": ("JPY_INTERRUPT_EVENT", "0"),
    "Session.username": ("USER", "username"),
}


class Zygote:
    """A zygote serving grading processes; ``socket`` is where it listens.

    Parameters
    ----------
    folder : path
        A folder of the grading processes' own, hidden from every sandbox,
        for the socket.
    preload : tuple of str
        Modules of :data:`PRELOAD_IF_USED` to import as well (:func:`preloads`).
    wait : bool, default True
        Return once the zygote listens. With False, call :meth:`wait` before
        the first request: the zygote loads meanwhile.
    log : path, optional
        A file for what the zygote writes on its standard error (what it
        imports may log there: TensorFlow does); default: this process's.
    """

    def __init__(self, folder, preload=(), *, wait=True, log=None):
        unknown = set(preload) - set(PRELOAD_IF_USED)
        if unknown:
            raise ValueError(f"not preloaded by a zygote: {sorted(unknown)}")
        self.preload = tuple(preload)
        folder = Path(folder)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.socket = folder / "zygote.sock"
        self.socket.unlink(missing_ok=True)
        # The children see this environment in /proc/self/environ, whatever
        # they get as os.environ: what any sandboxed process may see, less
        # Python's settings (a kernel started afresh gets none of the
        # grader's: its own path, a hash seed of its own).
        env = {
            name: value
            for name, value in sandbox.kept_environment(os.environ).items()
            if not name.startswith("PYTHON")
        }
        # One thread for OpenBLAS, fixed when NumPy loads; the grader's home
        # folder would put its user site-packages on the zygote's path.
        env |= dict.fromkeys(sandbox.ONE_THREAD, "1") | {"HOME": str(folder)}
        errors = open(log, "ab") if log else None  # noqa: SIM115 - the child's
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.confinement.zygote",
                 str(self.socket), *self.preload],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                cwd=folder, env=env,
                start_new_session=True,  # a Ctrl-C on the grader's terminal is its
            )  # fmt: skip
        finally:
            if errors:
                errors.close()
        self.ready = False
        if wait:
            self.wait()

    def wait(self):
        """Wait until the zygote listens; raise RuntimeError if it failed to start."""
        if self.ready:
            return
        if self.process.stdout.readline() != b"ready\n":
            self.process.wait()
            code = self.process.returncode
            raise RuntimeError(
                f"the kernel zygote did not start (exit code {code}); its error "
                "is in the grading log"
            )
        self.ready = True

    def alive(self):
        return self.process.poll() is None

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


# Functions of the course that import a module of PRELOAD_IF_USED for the
# notebook that calls them (exercise 4 imports Keras with its logs silenced).
IMPORTED_BY = {"import_keras": "keras"}


def preloads(source):
    """The modules of :data:`PRELOAD_IF_USED` that the notebooks in ``source`` import.

    ``source`` is the assignment's folder of source notebooks; a cell that
    is not Python is skipped.
    """
    imported = set()
    for notebook in sorted(Path(source).glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            text = cell.get("source", "")
            try:
                tree = ast.parse("".join(text) if isinstance(text, list) else text)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imported.update(alias.name.split(".")[0] for alias in node.names)
                elif (
                    isinstance(node, ast.ImportFrom) and node.module and not node.level
                ):
                    imported.add(node.module.split(".")[0])
                    # The course's own quiet importers import the module too.
                    imported.update(
                        IMPORTED_BY[alias.name]
                        for alias in node.names
                        if alias.name in IMPORTED_BY
                    )
    return tuple(name for name in PRELOAD_IF_USED if name in imported)


def serve(path, preload=()):
    """Preload, listen at ``path``, and fork a sandboxed child per request."""
    for name in [*PRELOAD, *preload]:
        importlib.import_module(name)
    threads = os.listdir("/proc/self/task")
    if len(threads) != 1:
        sys.exit(f"zygote: {len(threads)} threads after preloading; forking is unsafe")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    # Each child reports its own status; reaped here, its CPU time counts
    # in the zygote's children's (as benchmarks/grading.py reads it).
    signal.signal(signal.SIGCHLD, _reap)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready:
            return  # the process that started it is gone, or done
        connection, _ = listener.accept()
        if os.fork() == 0:
            code = 1
            try:
                listener.close()
                code = _serve_one(connection)
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        connection.close()


def _reap(signum, frame):
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _serve_one(connection):
    """One request: set up the sandbox, run its command, report how it ended."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    # The zygote's end (its starter's end) ends this request too.
    zygote = os.pidfd_open(os.getppid())
    sandbox.die_with(zygote)
    request, streams = sandbox.receive_request(connection)
    for number, stream in enumerate(streams):
        os.dup2(stream, number)
        os.close(stream)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    args = sandbox.parser().parse_args(request["argv"])
    this = os.getpid()
    try:
        child = sandbox.enter(args)
    except OSError as exc:
        # The kernel must not start rather than start unconfined.
        sys.stderr.write(f"sandbox: {exc.strerror or exc}\n")
        if os.getpid() != this:
            os._exit(1)  # the sandboxed child: this process reports
        connection.sendall(b"1")
        return 1
    if child == 0:
        connection.close()
        _run(args.command)
    # A user namespace (a grader that is not root) disarms it too.
    sandbox.die_with(zygote)
    null = os.open(os.devnull, os.O_RDWR)
    for number in range(3):
        os.dup2(null, number)
    code = sandbox.relay(child, connection)
    connection.sendall(str(code).encode())
    return 0


def _run(command):
    """Run ``command`` in this (sandboxed) process; never returns."""
    # Nothing of the zygote's is left open to learner code.
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    python_module = len(command) > 2 and command[:2] == [sys.executable, "-m"]
    if not (python_module and command[2] in RUN_HERE):
        sandbox.execute(command)
    code = 0
    try:
        _as_if_started(command[2], command[3:])
        runpy.run_module(command[2], run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except BaseException:
        traceback.print_exc()
        code = 1
    sandbox.exit_as(code)


def _as_if_started(module, arguments):
    """Make this process look like ``python -m module arguments`` started afresh."""
    import random
    import tempfile

    import numpy

    if module == "ipykernel_launcher":
        arguments = [*arguments] + [
            f"--{setting}={os.environ.get(variable) or default}"
            for setting, (variable, default) in KERNEL_SETTINGS.items()
        ]
    sys.argv = [module, *arguments]
    sys.path[0] = os.getcwd()
    sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    tempfile.tempdir = None  # TMPDIR is the kernel's own folder now
    # Forks share the zygote's random state; a fresh process would not.
    random.seed()
    numpy.random.seed()  # noqa: NPY002 - the global state learner code may use


def _exit_code(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
