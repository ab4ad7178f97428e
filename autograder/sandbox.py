"""Start a learner's kernel with limits and without access to our files.

nbgrader starts the kernel through a kernel spec whose ``argv`` begins with
this module's command (:func:`launcher`). This module then

1. sets resource limits (address space, CPU time, file size, processes, no
   core dumps), which any Unix grants, and one thread for numeric libraries;
2. where Linux lets it (as root, or with unprivileged user namespaces), runs
   the kernel in private mount, PID and network namespaces:

   - mount: the instructor's folders (the course, the Python installation)
     are read-only; the other learners' submissions, the grade outputs, the
     instructor's home folder and the temporary folders are hidden behind
     empty read-only file systems (what the kernel needs inside them, such
     as a Python installed under the home folder, is put back read-only);
     only the folders named ``--writable`` can be written;
   - PID: no process outside is visible or can be signalled, and everything
     the kernel starts dies with it;
   - network: the namespace has no interface but a loopback that is down,
     so no address can be reached, not even the grading machine's own. The
     grader talks to the kernel over Unix sockets in a ``--writable``
     folder (jupyter_client's ``ipc`` transport), which need no network;
3. when the grader runs as root, drops to a user id of its own (``--uid``,
   by default one derived from this process's id, so that concurrent
   kernels never share a process limit) with no capabilities and no way
   to gain any. The writable folders are handed to that user first.

Usage (:func:`launcher` gives the command)::

    python -m autograder.sandbox [--read-only DIR]... [--hide DIR]...
        [--writable DIR]... [--memory-mb N] [--cpu-seconds N]
        [--processes N] [--uid N] [--no-namespace] -- COMMAND...
"""

import argparse
import hashlib
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MOUNT_TOOLS = ("unshare", "mount", "setpriv")
# Learner kernels run as FIRST_UID + the sandbox's process id: an id no
# account uses, different for every kernel running at the same time.
FIRST_UID = 1_000_000_000
# Empty, private, read-only for the learner; also where folders kept visible
# inside hidden ones wait while their parent is covered.
STAGING = "/dev/shm"


def launcher():
    """The command that runs this module, before its options.

    Python starts in isolated mode without ``site`` (no site-packages, no
    environment variables read): this module needs only the standard
    library, and a grader starts it twice a learner.
    """
    return [sys.executable, "-I", "-S", os.path.abspath(__file__)]


def unshare_command():
    """The ``unshare`` command for private mount, PID and network namespaces."""
    # PID: learner code cannot see or signal other processes, and everything
    # it starts dies with the kernel. Network: no interface but a loopback
    # that is down, so nothing can be reached.
    command = ["unshare", "--mount", "--propagation", "private", "--net"]
    command += ["--pid", "--fork", "--kill-child", "--mount-proc"]
    if os.geteuid() != 0:
        command[1:1] = ["--user", "--map-root-user"]
    return command


def missing_isolation():
    """What this machine lacks to isolate learner code; empty if nothing.

    Each entry says which protection is missing and why. The grader refuses
    to grade while anything is missing, unless told ``--unsafe-no-sandbox``.
    """
    tools = [tool for tool in MOUNT_TOOLS if not shutil.which(tool)]
    if tools:
        return [
            f"the {', '.join(tools)} command(s) from util-linux are not "
            "installed: no mount, PID or network namespaces"
        ]
    probe = [*unshare_command(), "sh", "-c"]
    script = "mount -t tmpfs -o size=1k tmpfs /mnt"
    result = subprocess.run([*probe, script], capture_output=True, text=True)
    if result.returncode != 0:
        return [
            "Linux refused new mount, PID and network namespaces "
            f"({_last_line(result.stderr)}): run the grader as root, or "
            "enable unprivileged user namespaces, or grade in a container "
            "that allows them"
        ]
    if os.geteuid() == 0:
        command = shlex.join(_drop_privileges(learner_uid(os.getpid()), ["true"]))
        result = subprocess.run([*probe, command], capture_output=True, text=True)
        if result.returncode != 0:
            return [
                "cannot switch to an unprivileged user id "
                f"({_last_line(result.stderr)}), so learner code would run "
                "as root"
            ]
    return []


def namespace_prefix():
    """:func:`unshare_command` where isolation works here, else None."""
    return None if missing_isolation() else unshare_command()


def refusal(missing):
    """The grader's message when it will not grade: what is missing, and why."""
    lines = "\n".join(f"  - {reason}" for reason in missing)
    return (
        "refusing to grade: learner code cannot be isolated on this machine.\n"
        f"{lines}\n"
        "Learner code could then read and change your files, reach the "
        "network and see other processes. Grade on Linux as root (or with "
        "unprivileged user namespaces), for example in a container, or pass "
        "--unsafe-no-sandbox to grade with resource limits only."
    )


def _last_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"


def learner_uid(pid):
    """The user id that the kernel started by sandbox process ``pid`` gets."""
    return FIRST_UID + pid


def runtime_folder(course_root):
    """A short folder for a course's kernel connection files and sockets.

    Unix socket paths are limited to about 100 bytes, too few for a folder
    inside a deep temporary course folder; this one is named after a hash of
    ``course_root`` in the temporary folder. The caller creates and removes
    it, and makes it writable to the kernel.
    """
    digest = hashlib.sha256(str(course_root).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"sigmoid-kernel-{digest}"


def mount_script(read_only, hide, writable, command):
    """Shell script that sets up the mounts, then becomes ``command``.

    Hidden folders are covered first, keeping what the kernel needs inside
    them; then read-only folders are bound (recursively, so that hidden
    folders inside stay hidden); writable folders last, on top.
    """
    read_only, hide, writable = (
        sorted({path for path in paths if os.path.isdir(path)}, key=len)
        for paths in (read_only, hide, writable)
    )
    q = shlex.quote
    steps = [f"mount -t tmpfs -o mode=0755,size=64k tmpfs {STAGING}"]
    for path in hide:
        keep = [k for k in [*read_only, *writable] if _inside(k, path) and k != path]
        keep = [k for k in keep if not any(_inside(k, o) for o in keep if o != k)]
        staged = [f"{STAGING}/keep{i}" for i in range(len(keep))]
        cover = []
        for kept, stage in zip(keep, staged, strict=True):
            cover += [f"mkdir {stage}", f"mount --rbind {q(kept)} {stage}"]
        cover.append(f"mount -t tmpfs -o mode=0755,size=64k tmpfs {q(path)}")
        for kept, stage in zip(keep, staged, strict=True):
            cover += [f"mkdir -p {q(kept)}", f"mount --move {stage} {q(kept)}"]
            cover.append(f"rmdir {stage}")
        cover.append(f"mount -o remount,ro {q(path)}")
        # A folder inside a hidden one is gone once its parent is covered,
        # unless it lies in a folder put back: then it is covered too.
        steps.append(f"if [ -d {q(path)} ]; then {' && '.join(cover)}; fi")
    steps.append(f"mount -o remount,ro {STAGING}")
    # Parents first: a later bind on a parent would cover earlier mounts
    # below it (--rbind carries the hidden ones along).
    for path in read_only:
        steps.append(f"mount --rbind -o ro {q(path)} {q(path)}")
    for path in writable:
        # A bind copies the read-only flag of the mount it comes from.
        steps.append(f"mount --bind {q(path)} {q(path)}")
        steps.append(f"mount -o remount,bind,rw {q(path)}")
    steps.append("exec " + shlex.join(command))
    return " && ".join(steps)


def _inside(path, folder):
    return os.path.commonpath([path, folder]) == folder


def _drop_privileges(uid, command):
    """``command``, run as ``uid`` with no capabilities and none to gain."""
    return [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
        *command,
    ]  # fmt: skip


def hand_over(folders, uid):
    """Make ``folders`` and everything in them belong to ``uid``."""
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        os.chown(folder, uid, uid)
        for parent, dirs, files in os.walk(folder):
            for name in dirs + files:
                os.chown(os.path.join(parent, name), uid, uid, follow_symlinks=False)


def set_limits(memory_mb, cpu_seconds, processes):
    """Cap what the learner's process and its children may use.

    The process limit counts every process and thread of the user: it binds
    only once the kernel runs as a user of its own (not as root).
    """
    limits = {
        resource.RLIMIT_AS: memory_mb * 2**20,
        resource.RLIMIT_CPU: cpu_seconds,
        resource.RLIMIT_FSIZE: 64 * 2**20,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: processes,
    }
    for kind, value in limits.items():
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))


# The grader runs one learner per core: numeric libraries (OpenBLAS, MKL,
# OpenMP) get one thread each, instead of a pool per process as large as
# the machine. Measured: 0.2-0.4 CPU seconds less per learner.
ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.sandbox")
    parser.add_argument("--read-only", action="append", default=[])
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--writable", action="append", default=[])
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--cpu-seconds", type=int, default=600)
    parser.add_argument("--processes", type=int, default=256)
    parser.add_argument("--uid", type=int)
    parser.add_argument("--no-namespace", action="store_true")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)

    set_limits(args.memory_mb, args.cpu_seconds, args.processes)
    os.environ.update(dict.fromkeys(ONE_THREAD, "1"))
    if args.no_namespace:
        os.execvp(args.command[0], args.command)
    command = args.command
    if os.geteuid() == 0:
        uid = args.uid if args.uid is not None else learner_uid(os.getpid())
        hand_over(args.writable, uid)
        command = _drop_privileges(uid, command)
    # The temporary folders are shared by every user of the machine: the
    # learner may neither read what others left there nor leave anything.
    # What the kernel needs in them (its folders) is put back. (Not
    # tempfile.gettempdir(): TMPDIR names the kernel's own folder.)
    hide = [*args.hide, "/tmp", "/var/tmp"]
    # The grader checked that namespaces work before asking for them. If
    # they fail now, the kernel must not start rather than start unconfined.
    script = mount_script(args.read_only, hide, args.writable, command)
    prefix = unshare_command()
    os.execvp(prefix[0], [*prefix, "sh", "-c", script])


if __name__ == "__main__":
    sys.exit(main())
