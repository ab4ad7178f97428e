import json
import os
import subprocess
import sys

import pytest
from sandboxlib import passable

from autograder.confinement import sandbox
from autograder.confinement.sandbox import STAGING, mount_plan, refusal, runtime_folder

ISOLATED = not sandbox.missing_isolation()


def test_mounts_go_hidden_first_then_parents_first(tmp_path):
    outer, inner, work = tmp_path / "out", tmp_path / "out" / "feedback", tmp_path / "w"
    for folder in (outer, inner, work):
        folder.mkdir()
    steps = mount_plan(
        read_only=[str(work), str(tmp_path)],
        hide=[str(inner), str(outer)],
        writable=[str(work)],
    )
    assert steps == [
        ("cover", STAGING),
        ("if folder", str(outer), [("cover", str(outer)), ("read-only", str(outer))]),
        ("if folder", str(inner), [("cover", str(inner)), ("read-only", str(inner))]),
        ("read-only", STAGING),
        ("bind", str(tmp_path), str(tmp_path)),
        ("read-only", str(tmp_path)),
        ("bind", str(work), str(work)),
        ("read-only", str(work)),
        ("bind", str(work), str(work)),
        ("writable", str(work)),
    ]


def test_what_the_kernel_needs_inside_a_hidden_folder_is_put_back(tmp_path):
    home, python = tmp_path / "home", tmp_path / "home" / "py"
    python.mkdir(parents=True)
    steps = mount_plan([str(python)], [str(home)], [])
    assert steps[1] == (
        "if folder",
        str(home),
        [
            ("mkdir", f"{STAGING}/keep0"),
            ("bind", str(python), f"{STAGING}/keep0"),
            ("cover", str(home)),
            ("makedirs", str(python)),
            ("move", f"{STAGING}/keep0", str(python)),
            ("rmdir", f"{STAGING}/keep0"),
            ("read-only", str(home)),
        ],
    )


def test_missing_folders_are_left_out(tmp_path):
    steps = mount_plan([str(tmp_path / "gone")], [], [])
    assert steps == [("cover", STAGING), ("read-only", STAGING)]


def test_runtime_folder_is_short_enough_for_unix_sockets(tmp_path):
    deep = tmp_path / ("a-long-learner-name" * 5) / "course"
    # jupyter_client names sockets <ip>-<n>, ip being <folder>/kernel.
    assert len(str(runtime_folder(deep) / "kernel-99")) < 100
    assert runtime_folder(deep) != runtime_folder(tmp_path)


def test_the_refusal_says_what_is_missing_and_what_to_do():
    message = refusal(["no unshare"])
    assert "no unshare" in message and "--unsafe-no-sandbox" in message


def run_sandboxed(tmp_path, code, env=None):
    """Run ``code`` in the sandbox with ``tmp_path/w`` writable."""
    work = passable(tmp_path)
    command = [*sandbox.launcher(), "--writable", str(work)]
    command += ["--read-only", sys.prefix, "--read-only", sys.base_prefix]
    command += ["--hide", os.path.expanduser("~"), "--"]
    command += [sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, cwd=work, env=env)


@pytest.mark.parametrize("namespaces", [True, False])
def test_learner_code_sees_none_of_the_graders_secrets(tmp_path, namespaces):
    if namespaces and not ISOLATED:
        pytest.skip("no namespaces on this machine")
    env = dict(os.environ, AWS_SECRET_ACCESS_KEY="hunter2", LANG="C.UTF-8")
    code = "import json, os; print(json.dumps(sorted(os.environ)))"
    if namespaces:
        process = run_sandboxed(tmp_path, code, env)
    else:
        command = [*sandbox.launcher(), "--no-namespace", "--", sys.executable]
        command += ["-c", code]
        process = subprocess.run(command, capture_output=True, text=True, env=env)
    assert process.returncode == 0, process.stderr
    names = json.loads(process.stdout)
    assert "AWS_SECRET_ACCESS_KEY" not in names
    assert {"PATH", "LANG", "OPENBLAS_NUM_THREADS"} <= set(names)


@pytest.mark.skipif(not ISOLATED, reason="no namespaces on this machine")
def test_sandboxed_code_has_no_network_no_root_and_only_its_folder(tmp_path):
    code = """
import os, socket
print("uid", os.getuid())
open("mine", "w").write("ok")
for path in ["/tmp/sandbox-escape", "/var/tmp/sandbox-escape"]:
    try:
        open(path, "w")
        print("wrote", path)
    except OSError:
        pass
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    print("connected")
except OSError as exc:
    print("network", exc.errno)
"""
    process = run_sandboxed(tmp_path, code)
    assert process.returncode == 0, process.stderr
    assert (tmp_path / "w" / "mine").read_text() == "ok"
    assert "wrote" not in process.stdout and "connected" not in process.stdout
    assert "network 101" in process.stdout  # ENETUNREACH: no interface
    if os.geteuid() == 0:
        uid = int(process.stdout.split()[1])
        assert uid >= sandbox.FIRST_UID


@pytest.mark.skipif(not ISOLATED, reason="no namespaces on this machine")
def test_a_hidden_folder_inside_one_put_back_stays_hidden(tmp_path):
    # The course lives in the hidden home folder, the submissions in it.
    home = tmp_path / "home"
    secret = home / "course" / "submissions"
    secret.mkdir(parents=True)
    (secret / "other.ipynb").write_text("secret")
    (home / "private").write_text("secret")
    work = passable(tmp_path)
    code = "import os; print(sorted(os.listdir({!r})), os.listdir({!r}))"
    command = [*sandbox.launcher(), "--writable", str(work)]
    command += ["--read-only", sys.prefix, "--read-only", sys.base_prefix]
    command += ["--read-only", str(home / "course")]
    command += [
        "--hide",
        str(home),
        "--hide",
        str(secret),
        "--hide",
        os.path.expanduser("~"),
    ]
    command += ["--", sys.executable, "-c", code.format(str(home), str(secret))]
    process = subprocess.run(command, capture_output=True, text=True, cwd=work)
    assert process.returncode == 0, process.stderr
    assert process.stdout.split() == ["['course']", "[]"]


def test_numeric_libraries_get_one_thread_each():
    # One learner per core: a thread pool per kernel would only compete.
    code = "import os, sys; print([os.environ.get(name) for name in sys.argv[1:]])"
    command = [*sandbox.launcher(), "--no-namespace", "--"]
    command += [sys.executable, "-c", code, *sandbox.ONE_THREAD]
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="8")
    process = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert process.stdout.strip() == str(["1"] * len(sandbox.ONE_THREAD))


MEMORY = """
import ctypes, mmap
libc = ctypes.CDLL(None)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t] + [ctypes.c_int] * 3 + [
    ctypes.c_long
]
# Addresses reserved, no memory behind them (PROT_NONE; MAP_PRIVATE | MAP_ANONYMOUS),
# as glibc reserves 64 MiB for each thread's malloc arena.
reserved = libc.mmap(None, 400 << 20, 0, 0x22, -1, 0)
print("reserved", reserved not in (None, 2**64 - 1))
for what, allocate in [
    ("private", lambda: bytearray(300 << 20)),
    ("shared", lambda: mmap.mmap(-1, 600 << 20)),
]:
    try:
        allocate()
        print(what, "allowed")
    except (MemoryError, OSError):
        print(what, "refused")
"""


def test_memory_is_bounded_not_addresses_reserved():
    # TensorFlow maps a gigabyte of libraries and starts threads whose
    # arenas reserve addresses: a kernel must not fail for those (it did, on
    # 16 cores, under an address-space limit), and memory stays bounded:
    # private memory at --memory-mb, shared mappings within twice that.
    command = [*sandbox.launcher(), "--no-namespace", "--memory-mb", "256", "--"]
    command += [sys.executable, "-c", MEMORY]
    process = subprocess.run(command, capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.split("\n")[:3] == [
        "reserved True",
        "private refused",
        "shared refused",
    ]


def test_a_signal_number_split_across_reads_is_forwarded_whole():
    # 15 (SIGTERM) in two pieces must not arrive as 1 (SIGHUP) and 5.
    code = """
import os, signal, socket, sys, threading, time
from autograder.confinement import sandbox
ours, theirs = socket.socketpair()
child = os.fork()
if child == 0:
    signal.signal(signal.SIGTERM, lambda *_: os._exit(15))
    signal.signal(signal.SIGHUP, lambda *_: os._exit(1))
    time.sleep(30)
    os._exit(0)
def send():  # while relay reads, in two writes
    time.sleep(0.5)  # the child's handlers are set
    theirs.sendall(b"1")
    time.sleep(0.2)
    theirs.sendall(b"5\\n")
threading.Thread(target=send).start()
print(sandbox.relay(child, ours))
"""
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert process.stdout.strip() == "15", process.stderr
