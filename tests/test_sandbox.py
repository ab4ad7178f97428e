import os
import subprocess
import sys

import pytest

from autograder import sandbox
from autograder.sandbox import STAGING, mount_script, refusal, runtime_folder

ISOLATED = not sandbox.missing_isolation()


def test_mounts_go_hidden_first_then_parents_first(tmp_path):
    outer, inner, work = tmp_path / "out", tmp_path / "out" / "feedback", tmp_path / "w"
    for folder in (outer, inner, work):
        folder.mkdir()
    script = mount_script(
        read_only=[str(work), str(tmp_path)],
        hide=[str(inner), str(outer)],
        writable=[str(work)],
        command=["python", "-c", "print('hi there')"],
    )
    steps = script.split(" && ")
    cover = "mount -t tmpfs -o mode=0755,size=64k tmpfs"
    assert steps == [
        f"{cover} {STAGING}",
        f"if [ -d {outer} ]; then {cover} {outer}",
        f"mount -o remount,ro {outer}; fi",
        f"if [ -d {inner} ]; then {cover} {inner}",
        f"mount -o remount,ro {inner}; fi",
        f"mount -o remount,ro {STAGING}",
        f"mount --rbind -o ro {tmp_path} {tmp_path}",
        f"mount --rbind -o ro {work} {work}",
        f"mount --bind {work} {work}",
        f"mount -o remount,bind,rw {work}",
        "exec python -c 'print('\"'\"'hi there'\"'\"')'",
    ]


def test_what_the_kernel_needs_inside_a_hidden_folder_is_put_back(tmp_path):
    home, python = tmp_path / "home", tmp_path / "home" / "py"
    python.mkdir(parents=True)
    script = mount_script([str(python)], [str(home)], [], ["true"])
    steps = script.split(" && ")
    assert steps[1:7] == [
        f"if [ -d {home} ]; then mkdir {STAGING}/keep0",
        f"mount --rbind {python} {STAGING}/keep0",
        f"mount -t tmpfs -o mode=0755,size=64k tmpfs {home}",
        f"mkdir -p {python}",
        f"mount --move {STAGING}/keep0 {python}",
        f"rmdir {STAGING}/keep0",
    ]


def test_missing_folders_are_left_out(tmp_path):
    script = mount_script([str(tmp_path / "gone")], [], [], ["true"])
    assert script.endswith(" && exec true")
    assert "gone" not in script


def test_runtime_folder_is_short_enough_for_unix_sockets(tmp_path):
    deep = tmp_path / ("a-long-learner-name" * 5) / "course"
    # jupyter_client names sockets <ip>-<n>, ip being <folder>/kernel.
    assert len(str(runtime_folder(deep) / "kernel-99")) < 100
    assert runtime_folder(deep) != runtime_folder(tmp_path)


def test_the_refusal_says_what_is_missing_and_what_to_do():
    message = refusal(["no unshare"])
    assert "no unshare" in message and "--unsafe-no-sandbox" in message


def run_sandboxed(tmp_path, code):
    """Run ``code`` in the sandbox with ``tmp_path/w`` writable."""
    # The kernel's own user must pass through to its folder, as in grading.
    tmp_path.chmod(0o711)
    for parent in tmp_path.parents:
        if parent.name.startswith("pytest-"):
            parent.chmod(0o711)
    work = tmp_path / "w"
    work.mkdir()
    command = [*sandbox.launcher(), "--writable", str(work)]
    command += ["--read-only", sys.prefix, "--read-only", sys.base_prefix]
    command += ["--hide", os.path.expanduser("~"), "--"]
    command += [sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, cwd=work)


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
    work = tmp_path / "w"
    work.mkdir()
    tmp_path.chmod(0o711)
    for parent in tmp_path.parents:
        if parent.name.startswith("pytest-"):
            parent.chmod(0o711)
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
