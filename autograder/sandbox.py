"""Start a learner's kernel with limits and without access to our files.

nbgrader starts the kernel through a kernel spec whose ``argv`` begins with
``python -m autograder.sandbox``. This module then

1. sets resource limits (memory, CPU time, file size, core dumps), which any
   Unix grants, and
2. where Linux lets it (as root, or with unprivileged user namespaces),
   runs the kernel in private mount and PID namespaces, in which the
   instructor's folders are read-only, the other learners' submissions and
   the grade outputs are hidden behind empty, read-only file systems, and
   no process outside is visible or can be signalled.

Only the folder of the notebook being graded stays writable.

Usage::

    python -m autograder.sandbox [--read-only DIR]... [--hide DIR]...
        [--writable DIR]... [--memory-mb N] [--cpu-seconds N] -- COMMAND...
"""

import argparse
import os
import resource
import shlex
import shutil
import subprocess
import sys

MOUNT_TOOLS = ("unshare", "mount")


def unshare_command():
    """The ``unshare`` command for private mount and PID namespaces."""
    # The PID namespace: learner code cannot see or signal other processes,
    # and everything it starts dies with the kernel.
    command = ["unshare", "--mount", "--propagation", "private"]
    command += ["--pid", "--fork", "--kill-child", "--mount-proc"]
    if os.geteuid() != 0:
        command[1:1] = ["--user", "--map-root-user"]
    return command


def namespace_prefix():
    """:func:`unshare_command` if it works on this machine, else None.

    None when the tools are missing or the kernel refuses (no root and no
    unprivileged user namespaces); the grader then runs kernels with
    resource limits alone, and says so.
    """
    if not all(shutil.which(tool) for tool in MOUNT_TOOLS):
        return None
    prefix = unshare_command()
    probe = subprocess.run(
        [*prefix, "mount", "-t", "tmpfs", "-o", "size=1k", "tmpfs", "/mnt"],
        capture_output=True,
    )
    return prefix if probe.returncode == 0 else None


def mount_script(read_only, hide, writable, command):
    """Shell script that sets up the mounts, then becomes ``command``."""
    steps = []
    read_only, hide, writable = (
        [path for path in paths if os.path.isdir(path)]
        for paths in (read_only, hide, writable)
    )
    # A folder inside a hidden one is hidden already (and its mount point
    # is gone once the parent is covered).
    hide = [p for p in hide if not any(_inside(p, q) for q in hide if q != p)]
    # Parents first: a later bind on a parent would cover earlier mounts
    # below it.
    for path in sorted(set(read_only), key=len):
        steps.append(f"mount --bind -o ro {shlex.quote(path)} {shlex.quote(path)}")
    for path in sorted(set(hide), key=len):
        steps.append(f"mount -t tmpfs -o ro,size=4k tmpfs {shlex.quote(path)}")
    for path in sorted(set(writable), key=len):
        steps.append(f"mount --bind {shlex.quote(path)} {shlex.quote(path)}")
    steps.append("exec " + shlex.join(command))
    return " && ".join(steps)


def _inside(path, folder):
    return os.path.commonpath([path, folder]) == folder


def set_limits(memory_mb, cpu_seconds):
    """Cap what the learner's process and its children may use."""
    limits = {
        resource.RLIMIT_AS: memory_mb * 2**20,
        resource.RLIMIT_CPU: cpu_seconds,
        resource.RLIMIT_FSIZE: 64 * 2**20,
        resource.RLIMIT_CORE: 0,
    }
    for kind, value in limits.items():
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.sandbox")
    parser.add_argument("--read-only", action="append", default=[])
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--writable", action="append", default=[])
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--cpu-seconds", type=int, default=600)
    parser.add_argument("--no-namespace", action="store_true")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)

    set_limits(args.memory_mb, args.cpu_seconds)
    if args.no_namespace:
        os.execvp(args.command[0], args.command)
    # The grader checked that namespaces work before asking for them. If
    # they fail now, the kernel must not start rather than start unconfined.
    script = mount_script(args.read_only, args.hide, args.writable, args.command)
    prefix = unshare_command()
    os.execvp(prefix[0], [*prefix, "sh", "-c", script])


if __name__ == "__main__":
    sys.exit(main())
