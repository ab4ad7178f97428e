"""Start a learner's kernel with limits and without access to our files.

nbgrader starts the kernel through a kernel spec whose ``argv`` begins with
this module's command (:func:`launcher`). This module then

1. sets resource limits (memory, CPU time, file size, processes, no core
   dumps), which any Unix grants, and one thread for numeric libraries,
   and keeps of the environment only what Python, Jupyter, the numeric
   libraries and the locale read (:func:`kept_environment`): no secret of
   the instructor's shell reaches learner code;
2. where Linux lets it (as root, or with unprivileged user namespaces), puts
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

All of it is done with system calls, in this process (:func:`enter`): the
process that sets the sandbox up stays outside it, waits for the sandboxed
one and exits as it did. That sandboxed process then either runs the
command, or, when the grader gives ``--zygote SOCKET``, a process of
:mod:`autograder.confinement.zygote` that has imported the kernel once does all this
and runs the kernel in the sandboxed process without starting Python again.
This module then only forwards the request, its standard streams and its
signals to that process, and exits as the kernel did.

Usage (:func:`launcher` gives the command)::

    python -m autograder.confinement.sandbox [--zygote SOCKET] [--read-only DIR]...
        [--hide DIR]... [--writable DIR]... [--memory-mb N]
        [--cpu-seconds N] [--processes N] [--uid N] [--no-namespace]
        -- COMMAND...
"""

# Only what every start needs: this module starts twice a learner (as a
# zygote's client, it needs little more than a socket). The grader's helpers
# import the rest where they use it.
import ctypes
import marshal
import os
import resource
import select
import signal
import socket
import struct
import sys

# Learner kernels run as FIRST_UID + the sandbox's process id: an id no
# account uses, different for every kernel running at the same time.
FIRST_UID = 1_000_000_000
# Empty, private, read-only for the learner; also where folders kept visible
# inside hidden ones wait while their parent is covered.
STAGING = "/dev/shm"
COVER = "mode=0755,size=64k"


def launcher(zygote=None):
    """The command that runs this module, before its options.

    Python starts in isolated mode without ``site`` (no site-packages, no
    environment variables read): this module needs only the standard
    library, and a grader starts it twice a learner. With ``zygote``, the
    socket of a running :mod:`autograder.confinement.zygote`, the sandboxed command is
    started by that process.
    """
    command = [sys.executable, "-I", "-S", os.path.abspath(__file__)]
    return [*command, "--zygote", str(zygote)] if zygote else command


def missing_isolation():
    """What this machine lacks to isolate learner code; empty if nothing.

    Each entry says which protection is missing and why. The grader refuses
    to grade while anything is missing, unless told ``--unsafe-no-sandbox``.
    The check starts a sandboxed Python exactly as kernels are started.
    """
    import subprocess

    # The Python installation, read-only, and the home folder hidden, as
    # for a kernel (the installation may lie in that home folder).
    probe = [*launcher(), "--read-only", sys.prefix, "--read-only", sys.base_prefix]
    probe += ["--hide", os.path.expanduser("~"), "--"]
    probe += [sys.executable, "-I", "-S", "-c", ""]
    result = subprocess.run(probe, capture_output=True, text=True, cwd="/")
    if result.returncode == 0:
        return []
    reason = _last_line(result.stderr)
    if "user id" in reason:
        return [f"{reason}, so learner code would run as root"]
    return [
        f"Linux refused new mount, PID and network namespaces ({reason}): "
        "run the grader as root, or enable unprivileged user namespaces, or "
        "grade in a container that allows them"
    ]


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
    import hashlib
    import tempfile
    from pathlib import Path

    digest = hashlib.sha256(str(course_root).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"sigmoid-kernel-{digest}"


# The mounts, as a plan of steps.


def mount_plan(read_only, hide, writable):
    """The mount steps that confine the sandboxed process, in order.

    Hidden folders are covered first, keeping what the kernel needs inside
    them; then read-only folders are bound (recursively, so that hidden
    folders inside stay hidden); writable folders last, on top. Each step
    is a tuple ``(action, path, ...)`` for :func:`apply_plan`; ``("if
    folder", path, steps)`` runs ``steps`` only if ``path`` is still a
    folder by then.
    """
    read_only, hide, writable = (
        sorted({path for path in paths if os.path.isdir(path)}, key=len)
        for paths in (read_only, hide, writable)
    )
    steps = [("cover", STAGING)]
    for path in hide:
        keep = [k for k in [*read_only, *writable] if _inside(k, path) and k != path]
        keep = [k for k in keep if not any(_inside(k, o) for o in keep if o != k)]
        staged = [f"{STAGING}/keep{i}" for i in range(len(keep))]
        cover = []
        for kept, stage in zip(keep, staged, strict=True):
            cover += [("mkdir", stage), ("bind", kept, stage)]
        cover.append(("cover", path))
        for kept, stage in zip(keep, staged, strict=True):
            cover += [("makedirs", kept), ("move", stage, kept), ("rmdir", stage)]
        cover.append(("read-only", path))
        # A folder inside a hidden one is gone once its parent is covered,
        # unless it lies in a folder put back: then it is covered too.
        steps.append(("if folder", path, cover))
    steps.append(("read-only", STAGING))
    # Parents first: a later bind on a parent would cover earlier mounts
    # below it (the bind is recursive, so it carries the hidden ones along).
    for path in read_only:
        steps += [("bind", path, path), ("read-only", path)]
    for path in writable:
        # A bind copies the read-only flag of the mount it comes from.
        steps += [("bind", path, path), ("writable", path)]
    return steps


def _inside(path, folder):
    return os.path.commonpath([path, folder]) == folder


# Linux's numbers (linux/sched.h, linux/mount.h, linux/prctl.h).
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC = 32, 4096, 8192, 16384
MS_PRIVATE, MS_RELATIME = 1 << 18, 1 << 21
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_CAPABILITY_VERSION_3 = 0x20080522
# statvfs flags that a remount must repeat (Linux refuses to drop those a
# less privileged namespace inherited), and their mount flags.
_KEPT_FLAGS = {
    os.ST_NOSUID: MS_NOSUID,
    os.ST_NODEV: MS_NODEV,
    os.ST_NOEXEC: MS_NOEXEC,
    os.ST_NOATIME: 1024,
    os.ST_NODIRATIME: 2048,
    os.ST_RELATIME: MS_RELATIME,
}

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(source, target, kind, flags, data=None):
    def encoded(text):
        return None if text is None else os.fsencode(text)

    result = _libc.mount(
        encoded(source), encoded(target), encoded(kind), ctypes.c_ulong(flags),
        encoded(data),
    )  # fmt: skip
    _check(result, f"mount {target}")


def _remount(path, read_only):
    kept = os.statvfs(path).f_flag
    flags = MS_REMOUNT | MS_BIND | (MS_RDONLY if read_only else 0)
    for flag, mount_flag in _KEPT_FLAGS.items():
        if kept & flag:
            flags |= mount_flag
    _mount(None, path, None, flags)


def apply_plan(steps):
    """Carry out the steps of :func:`mount_plan` in this mount namespace."""
    for action, path, *rest in steps:
        if action == "if folder":
            if os.path.isdir(path):
                apply_plan(rest[0])
        elif action == "cover":
            _mount("tmpfs", path, "tmpfs", 0, COVER)
        elif action == "bind":
            _mount(path, rest[0], None, MS_BIND | MS_REC)
        elif action == "move":
            _mount(path, rest[0], None, MS_MOVE)
        elif action in ("read-only", "writable"):
            _remount(path, read_only=action == "read-only")
        elif action == "mkdir":
            os.mkdir(path)
        elif action == "makedirs":
            os.makedirs(path, exist_ok=True)
        elif action == "rmdir":
            os.rmdir(path)
        else:
            raise ValueError(f"unknown mount step {action!r}")


# Users and capabilities.


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inh")]


def drop_privileges(uid):
    """Become ``uid`` (and group ``uid``), with no capabilities and none to gain.

    The bounding and ambient sets are emptied while still root; changing
    every user id away from 0 then clears the permitted and effective sets,
    and the inheritable set is cleared last. No-new-privileges makes set-uid
    programs and file capabilities powerless. Checked at the end: a process
    that still holds anything stops here.
    """
    with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as handle:
        last = int(handle.read())
    for capability in range(last + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0), "drop capability")
    _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "ambient")
    try:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot switch to user id {uid}: {exc}") from exc
    header, data = _CapHeader(_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "clear capabilities")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no new privileges")
    status = _status()
    held = [name for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
            if int(status[name], 16)]  # fmt: skip
    if held or status["NoNewPrivs"] != "1" or os.getresuid() != (uid, uid, uid):
        raise OSError(f"cannot switch to user id {uid}: still holding {held}")


def _status():
    with open("/proc/self/status", encoding="ascii") as handle:
        return dict(
            line.rstrip("\n").split(":\t", 1) for line in handle if ":\t" in line
        )


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

    ``memory_mb`` bounds the memory each process allocates: its heap, its
    private mappings and its threads' stacks (``RLIMIT_DATA``), where NumPy
    arrays, Python objects and TensorFlow's tensors live. Not its address
    space: TensorFlow maps a gigabyte of libraries, and glibc reserves
    64 MiB of addresses for each thread's malloc arena (up to 8 per core),
    so an address-space cap of that size failed on a 16-core machine (a
    thread TensorFlow started could not get its stack) while using far less
    memory. The address space is capped too, at ADDRESS_SPACE times
    ``memory_mb``: that bounds what the data limit does not count (shared
    mappings, such as ``mmap.mmap(-1, n)``'s).

    The process limit counts every process and thread of the user: it binds
    only once the kernel runs as a user of its own (not as root).
    """
    limits = {
        resource.RLIMIT_DATA: memory_mb * 2**20,
        resource.RLIMIT_AS: ADDRESS_SPACE * memory_mb * 2**20,
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


# Address space allowed per byte of memory (set_limits).
ADDRESS_SPACE = 2

# The grader runs one learner per core: numeric libraries (OpenBLAS, MKL,
# OpenMP, TensorFlow's two thread pools) get one thread each, and glibc's
# malloc one arena, instead of pools and arenas per process as many as the
# machine has cores. Measured: 0.2-0.4 CPU seconds less per learner for
# NumPy. TensorFlow's default pools, 32 threads on 16 cores with an arena
# of 64 MiB of addresses each, took exercise 4's kernel past 4 GiB of
# address space; with one thread each, it keeps 6 threads and 1.3 GB on
# any machine, and learners graded at once do not oversubscribe the cores.
ONE_THREAD = (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
    "TF_NUM_INTEROP_THREADS", "TF_NUM_INTRAOP_THREADS", "MALLOC_ARENA_MAX",
)  # fmt: skip


# What learner code may see of the environment: what Python, Jupyter, the
# numeric libraries and the locale read. Not the rest: an instructor's shell
# may hold secrets (a cloud key, a database password), and learners see what
# their code prints.
KEPT_NAMES = frozenset(
    ("PATH", "HOME", "TMPDIR", "USER", "LOGNAME", "LANG", "TZ", "TERM",
     "LD_LIBRARY_PATH", "IPYTHONDIR")
)  # fmt: skip
KEPT_PREFIXES = (
    "LC_", "JUPYTER_", "JPY_", "MPL", "PYTHON", "TF_", "KERAS_", "OMP_",
    "OPENBLAS_", "MKL_", "GOTO",
)  # fmt: skip


def kept_environment(environment):
    """The variables of ``environment`` that a sandboxed process gets.

    >>> kept_environment({"PATH": "/bin", "AWS_SECRET_ACCESS_KEY": "x"})
    {'PATH': '/bin'}
    """
    return {
        name: value
        for name, value in environment.items()
        if name in KEPT_NAMES or name.startswith(KEPT_PREFIXES)
    }


# Entering the sandbox.


def parser():
    import argparse

    result = argparse.ArgumentParser(prog="python -m autograder.confinement.sandbox")
    result.add_argument("--read-only", action="append", default=[])
    result.add_argument("--hide", action="append", default=[])
    result.add_argument("--writable", action="append", default=[])
    result.add_argument("--memory-mb", type=int, default=4096)
    result.add_argument("--cpu-seconds", type=int, default=600)
    result.add_argument("--processes", type=int, default=256)
    result.add_argument("--uid", type=int)
    result.add_argument("--no-namespace", action="store_true")
    result.add_argument("command", nargs="+")
    return result


def enter(args):
    """Confine a child of this process as ``args`` say; return its process id.

    Returns 0 in the child, which is in the sandbox and runs as its own user
    by then, in the folder this process was in, with the environment cut to
    :func:`kept_environment`; the caller makes it run the command. This
    process stays outside, in the new mount and network namespaces, and
    should only wait for the child (:func:`relay`). With ``--no-namespace``
    the child gets the limits and the environment's cut alone.
    """
    set_limits(args.memory_mb, args.cpu_seconds, args.processes)
    kept = kept_environment(os.environ)
    os.environ.clear()
    os.environ.update(kept | dict.fromkeys(ONE_THREAD, "1"))
    folder = os.getcwd()
    if args.no_namespace:
        return os.fork()
    root = os.geteuid() == 0
    uid = args.uid if args.uid is not None else learner_uid(os.getpid())
    if root:
        hand_over(args.writable, uid)
    outer_uid, outer_gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWNET | (0 if root else CLONE_NEWUSER)
    _check(_libc.unshare(flags), "unshare (mount, network)")
    if not root:
        for name, text in [("setgroups", "deny"), ("uid_map", f"0 {outer_uid} 1"),
                           ("gid_map", f"0 {outer_gid} 1")]:  # fmt: skip
            with open(f"/proc/self/{name}", "w", encoding="ascii") as handle:
                handle.write(text)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    # The temporary folders are shared by every user of the machine: the
    # learner may neither read what others left there nor leave anything.
    # What the kernel needs in them (its folders) is put back. (Not
    # tempfile.gettempdir(): TMPDIR names the kernel's own folder.)
    hide = [*args.hide, "/tmp", "/var/tmp"]
    apply_plan(mount_plan(args.read_only, hide, args.writable))
    _check(_libc.unshare(CLONE_NEWPID), "unshare (PID)")
    # The parent's pidfd: the child's getppid() is 0, its parent being
    # outside its PID namespace.
    parent = os.pidfd_open(os.getpid())
    child = os.fork()
    if child:
        os.close(parent)
        return child
    # The first process of the new PID namespace: everything in it dies with
    # it, and it dies with its parent (which may be gone already).
    die_with(parent)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if root:
        drop_privileges(uid)
        # A change of user disarms the parent-death signal, and leaves the
        # process undumpable (its /proc files root's), which a kernel that
        # is executed is not; its user is its own.
        die_with(parent)
        _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")
    os.close(parent)
    # Through the mounts now: the old working folder bypassed them.
    try:
        os.chdir(folder)
    except OSError as exc:
        raise OSError(
            exc.errno,
            f"the working folder {folder} is hidden in the sandbox: start in a "
            "--writable or --read-only folder",
        ) from exc
    return 0


def die_with(parent):
    """Be killed when the process of pidfd ``parent`` ends; exit if it has."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "parent death")
    if select.select([parent], [], [], 0)[0]:
        os._exit(1)


FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def relay(child, connection=None):
    """Wait for the sandboxed ``child``; return its status as exit code.

    A negative code is the signal that ended it. The signals jupyter_client
    sends (interrupt, terminate) reach the child through its process group,
    or, with ``connection`` (a zygote's client), as numbers read from it; if
    that connection closes, the child is killed.
    """
    for number in FORWARDED:
        signal.signal(number, signal.SIG_IGN)
    if connection is None:
        _, status = os.waitpid(child, 0)
        return os.waitstatus_to_exitcode(status)
    ended = os.pidfd_open(child)
    pending = b""
    while True:
        ready, _, _ = select.select([connection, ended], [], [])
        if ended in ready:
            _, status = os.waitpid(child, 0)
            return os.waitstatus_to_exitcode(status)
        data = connection.recv(64)
        if not data:
            os.kill(child, signal.SIGKILL)
            _, status = os.waitpid(child, 0)
            return os.waitstatus_to_exitcode(status)
        # One number a line; a read may end inside one.
        *lines, pending = (pending + data).split(b"\n")
        for number in map(int, lines):
            if number in FORWARDED:
                os.kill(child, number)


def exit_as(code):
    """Exit with ``code`` from :func:`relay`: a signal's death by that signal."""
    sys.stdout.flush()
    sys.stderr.flush()
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code if code >= 0 else 128 - code)


# A zygote's client.


def send_request(connection, argv):
    """Send the zygote ``argv``, and this process's environment, folder and streams."""
    # marshal: both ends are this Python, and it costs no import.
    request = {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}
    data = marshal.dumps(request)
    socket.send_fds(connection, [struct.pack("<Q", len(data))], [0, 1, 2])
    connection.sendall(data)


def receive_request(connection):
    """The zygote's side of :func:`send_request`: the request and three streams."""
    header, streams, _, _ = socket.recv_fds(connection, 8, 3)
    if len(header) != 8 or len(streams) != 3:
        raise ConnectionError("incomplete request")
    (size,) = struct.unpack("<Q", header)
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("incomplete request")
        data += chunk
    return marshal.loads(data), streams


def _client(path, argv):
    """Have the zygote at ``path`` run ``argv``; exit as the sandboxed process did."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
    except OSError as exc:
        sys.exit(f"sandbox: cannot reach the grader's zygote at {path}: {exc}")
    send_request(connection, argv)

    def forward(number, frame):
        connection.sendall(f"{number}\n".encode())

    for number in FORWARDED:
        signal.signal(number, forward)
    reply = b""
    while chunk := connection.recv(64):
        reply += chunk
    if not reply.strip():
        sys.exit("sandbox: the grader's zygote stopped before the kernel ended")
    exit_as(int(reply))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--zygote"]:
        _client(argv[1], argv[2:])
    args = parser().parse_args(argv)
    try:
        child = enter(args)
    except OSError as exc:
        # The kernel must not start rather than start unconfined.
        sys.exit(f"sandbox: {exc.strerror or exc}")
    if child == 0:
        execute(args.command)
    exit_as(relay(child))


def execute(command):
    """Become ``command``; never returns (127 if it cannot be run, as shells do)."""
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        sys.stderr.write(f"sandbox: cannot run {command[0]}: {exc}\n")
        os._exit(127)


if __name__ == "__main__":
    main()
