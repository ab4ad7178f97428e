"""Kernels forked from a preloaded zygote: sandboxed as any command, and fresh."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from sandboxlib import passable

from autograder import course
from autograder.confinement import sandbox
from autograder.confinement.zygote import Zygote, preloads

ISOLATED = not sandbox.missing_isolation()
pytestmark = pytest.mark.skipif(not ISOLATED, reason="no namespaces on this machine")

# Run as the re-check's worker runs: in the forked process, not executed.
REPORT = """
import json, os, socket, sys
report = {
    "uid": os.getuid(),
    "pid": os.getpid(),
    "preloaded": "ipykernel.kernelapp" in sys.modules,
    "argv": sys.argv[1:],
    "path0": sys.path[0],
    "cwd": os.getcwd(),
    "fds": [
        os.readlink(f"/proc/self/fd/{fd}")
        for fd in os.listdir("/proc/self/fd")
        if os.path.lexists(f"/proc/self/fd/{fd}")  # not the listing's own
    ],
    "status": {
        line.split(":")[0]: line.split()[1]
        for line in open("/proc/self/status")
        if line.startswith(("Cap", "NoNewPrivs"))
    },
    "tmp": os.listdir("/tmp"),
    "secret": "AWS_SECRET_ACCESS_KEY" in os.environ,
    "environ": open("/proc/self/environ").read().count("AWS_SECRET"),
    "zygote": os.path.exists(sys.argv[-1]),
}
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    report["network"] = "connected"
except OSError as exc:
    report["network"] = exc.errno
try:
    open(os.path.join(os.path.dirname(os.getcwd()), "outside"), "w")
    report["wrote outside"] = True
except OSError:
    report["wrote outside"] = False
open("report.json", "w").write(json.dumps(report))
"""


@pytest.fixture
def zygote(tmp_path):
    started = Zygote(tmp_path / "zygote")
    yield started
    started.close()


def through(zygote, work, command):
    """The sandbox's command line, handing ``command`` to ``zygote``."""
    return [
        *sandbox.launcher(zygote.socket), "--writable", str(work),
        "--read-only", sys.prefix, "--read-only", sys.base_prefix,
        "--read-only", str(course.ROOT),
        "--hide", os.path.expanduser("~"), "--", *command,
    ]  # fmt: skip


@contextlib.contextmanager
def sleeping(zygote, work):
    """A sandboxed process of ``zygote`` that sleeps, once it has started."""
    code = "import time\nprint('ready', flush=True)\ntime.sleep(60)"
    with subprocess.Popen(
        through(zygote, work, [sys.executable, "-c", code]), cwd=work,
        stdout=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        assert process.stdout.readline() == "ready\n"
        yield process


def test_a_forked_worker_is_preloaded_fresh_and_sandboxed(tmp_path, zygote):
    work = passable(tmp_path)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REPORT)])
    nbformat.write(notebook, work / "report.ipynb")
    command = [
        sys.executable,
        "-m",
        "autograder.confinement.recheck",
        str(work / "report.ipynb"),
    ]
    command += ["", "30", str(zygote.socket)]
    # The worker answers once its notebook has run, then waits for calls
    # until its input closes.
    secret = dict(os.environ, AWS_SECRET_ACCESS_KEY="hunter2")
    process = subprocess.run(
        through(zygote, work, command), cwd=work, input=b"", capture_output=True,
        env=secret,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr.decode()
    assert not process.stderr  # no warning either
    report = json.loads((work / "report.json").read_text())
    assert report["preloaded"]
    assert report["argv"] == command[3:]
    assert report["path0"] == report["cwd"] == str(work)
    assert report["pid"] == 1
    # The worker's own streams and files; no socket of the zygote's.
    assert not [fd for fd in report["fds"] if fd.startswith("socket:")]
    assert not report["zygote"]  # its socket is hidden
    assert report["network"] == 101  # ENETUNREACH: no interface
    assert not report["wrote outside"]
    assert not report["secret"] and not report["environ"]
    # Only the ways to the folders kept are left in the temporary folder.
    kept = [work, course.ROOT, Path(sys.prefix), Path(sys.base_prefix)]
    assert set(report["tmp"]) == {p.parts[2] for p in kept if p.parts[1] == "tmp"}
    if os.geteuid() == 0:
        assert report["uid"] >= sandbox.FIRST_UID
        assert report["status"]["NoNewPrivs"] == "1"
        capabilities = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
        assert {report["status"][name] for name in capabilities} == {"0" * 16}


TRAINS = """
import json, os, sys
preloaded = "tensorflow" in sys.modules
import keras, numpy as np
model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
X, y = np.zeros((8, 2)), np.zeros(8)
model.fit(X, y, epochs=2, batch_size=4, verbose=0)
report = {"preloaded": preloaded, "loss": float(model.evaluate(X, y, verbose=0))}
open("report.json", "w").write(json.dumps(report))
"""


def test_tensorflow_is_preloaded_for_an_assignment_that_imports_it(tmp_path):
    assert preloads(course.source_folder("04-keras-binary-classification")) == (
        "keras",
    )
    assert preloads(course.source_folder("01-sigmoid")) == ()
    # Its import starts no thread (the zygote would refuse to fork), and a
    # forked child trains a model: its thread pools start there.
    started = Zygote(tmp_path / "zygote", preload=("keras",))
    try:
        work = passable(tmp_path)
        cell = nbformat.v4.new_code_cell(TRAINS)
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), work / "trains.ipynb")
        command = [sys.executable, "-m", "autograder.confinement.recheck"]
        command += [str(work / "trains.ipynb"), "", "60"]
        process = subprocess.run(
            through(started, work, command), cwd=work, input=b"", capture_output=True
        )
        assert process.returncode == 0, process.stderr.decode()
        assert not process.stderr  # TensorFlow's start-up log included
        report = json.loads((work / "report.json").read_text())
        assert report == {"preloaded": True, "loss": 0.0}
    finally:
        started.close()


def test_the_exit_status_comes_through(tmp_path, zygote):
    work = passable(tmp_path)
    for code, expected in [("exit 3", 3), ("kill -9 $$", 0), ("exec nonexistent", 127)]:
        command = through(zygote, work, ["sh", "-c", code])
        process = subprocess.run(command, cwd=work, capture_output=True)
        # A PID namespace's first process ignores SIGKILL sent from inside.
        assert process.returncode == expected, (code, process.stderr)


def test_interrupts_reach_the_sandboxed_process(tmp_path, zygote):
    work = passable(tmp_path)
    code = (
        "import time\nprint('ready', flush=True)\n"
        "try:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    print('interrupted')"
    )
    with subprocess.Popen(
        through(zygote, work, [sys.executable, "-c", code]), cwd=work,
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    ) as process:  # fmt: skip
        assert process.stdout.readline() == "ready\n"
        os.killpg(process.pid, signal.SIGINT)  # as jupyter_client interrupts
        assert process.stdout.read() == "interrupted\n"
        assert process.wait(timeout=10) == 0


def test_killing_the_client_kills_the_sandboxed_process(tmp_path, zygote):
    with sleeping(zygote, passable(tmp_path)) as process:
        start = time.monotonic()
        process.kill()
        # The pipe closes once every process holding it, the sandboxed one
        # included, is gone.
        assert process.stdout.read() == ""
        assert time.monotonic() - start < 10


def test_the_zygote_and_its_children_stop_with_its_owner(tmp_path):
    zygote = Zygote(tmp_path / "zygote")
    with sleeping(zygote, passable(tmp_path)) as process:
        zygote.close()
        assert zygote.process.returncode == 0
        assert process.wait(timeout=10) != 0
        assert process.stdout.read() == ""


def test_a_hidden_working_folder_is_refused_with_the_reason(tmp_path, zygote):
    work = passable(tmp_path)
    hidden = tmp_path / "elsewhere"
    hidden.mkdir()
    command = through(zygote, work, ["true"])
    process = subprocess.run(command, cwd=hidden, capture_output=True, text=True)
    assert process.returncode != 0
    assert f"the working folder {hidden} is hidden in the sandbox" in process.stderr


def test_a_forked_kernel_reads_the_settings_of_its_own_environment():
    # ipykernel reads JPY_PARENT_PID when its class is defined, in the
    # zygote; a kernel started afresh would read the kernel's value.
    code = """
import os, sys
from autograder.confinement import zygote
from ipykernel.kernelapp import IPKernelApp
os.environ.update(JPY_PARENT_PID="4242", USER="grader")
zygote._as_if_started("ipykernel_launcher", ["-f", "kernel.json"])
app = IPKernelApp()
app.parse_command_line(sys.argv[1:])
print(app.parent_handle, app.connection_file, app.config.Session.username)
"""
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd="/"
    )
    assert process.stdout.split() == ["4242", "kernel.json", "grader"], process.stderr
