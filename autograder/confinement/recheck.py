"""Grade again where learner code cannot reach the checks.

nbgrader runs the test cells in the learner's own kernel, after the
learner's cells: code there can replace ``check_values``, patch NumPy or the
reference module, and so grade itself. This module runs the instructor's
test cells (from the source notebook, hidden tests included) in the
grader's own process, which never runs learner code. The names the
solution cells define (``sigmoid``, ...) are proxies there: each call sends
its arguments to a worker process in the sandbox that ran the learner's
notebook, and gets back the result, the exception or the warnings.

Only plain data crosses: numbers, strings, None, lists, tuples, dicts with
string keys, NumPy scalars and arrays of plain types (as their type
string, shape and raw bytes; never objects). Arrays and lists the
learner's function changed in place are changed on this side too, so
"input untouched" checks still work. Towards the learner, three more kinds
cross as data: a learner's function (by its name), a trusted function of
:data:`autograder.checks.machinery.TRUSTED_FUNCTIONS` (by its name, rebuilt
there) and a Keras model (its configuration and weights, rebuilt there).
Back from the learner, a Keras model crosses as a ``.keras`` file, loaded
here with ``safe_mode=True``.

A result that cannot cross is a wrong answer: the test scores 0 and says
what came back (:class:`NotPlainData`). No learner can make a test "not
re-checked"; only an instructor's test that passes learner code something
that cannot cross (a lambda of its own) is, and :meth:`Recheck.apply` says
so.

Usage of the worker (started by :class:`Recheck`, inside the sandbox)::

    python -m autograder.confinement.recheck NOTEBOOK NAMES TIMEOUT [WITHHELD]
"""

import ast
import base64
import builtins
import contextlib
import io
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.confinement.withheld import ReferenceCalled

MAX_MESSAGE = 64 * 2**20


class NotPlainData(BaseException):
    """The learner's answer cannot cross: a wrong answer, and the test fails.

    Not an Exception, so that the checks, which report a learner's
    exceptions as failures of their own, let it by to :func:`run`.
    """


class NotRecheckable(BaseException):
    """An instructor's argument cannot cross: the test is not re-checked."""


class LearnerError(Exception):
    """Raised on this side for an exception of a type we do not know."""


# Plain data across the boundary.


def encode(value, other=None):
    """``value`` as JSON-ready plain data, or raise NotPlainData.

    ``other``, if given, encodes what is not plain data (or raises).
    Types are looked up with ``type()``, which an object cannot lie to.
    """
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if issubclass(kind, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if not _plain_dtype(array.dtype):
            what = "array" if issubclass(kind, np.ndarray) else "scalar"
            raise NotPlainData(f"a NumPy {what} of dtype {array.dtype}")
        name = "array" if issubclass(kind, np.ndarray) else "scalar"
        data = base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()
        encoded = [array.dtype.str, list(array.shape), data]
        if name == "array" and not value.flags.writeable:
            encoded.append("read-only")
        return {name: encoded}
    if issubclass(kind, (bool, int, float, str)):
        # A subclass (with a lying __eq__, say) crosses as its plain value.
        return json.loads(json.dumps(value))
    try:
        if issubclass(kind, (list, tuple)):
            name = "tuple" if issubclass(kind, tuple) else "list"
            return {name: [encode(item, other) for item in value]}
        if issubclass(kind, dict):
            keys = list(dict.keys(value))
            odd = [key for key in keys if not issubclass(type(key), str)]
            if odd:
                raise NotPlainData(f"a dict with a key of type {_type_name(odd[0])}")
            return {"dict": {str(k): encode(v, other) for k, v in dict.items(value)}}
    except NotPlainData as exc:
        inside = str(exc)
        if " inside " not in inside:
            inside += f" inside a {kind.__name__}"
        raise NotPlainData(inside) from None
    if other is not None:
        return other(value)
    raise NotPlainData(_a(_type_name(value)))


def _a(noun):
    """'a Liar', 'an Opaque'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _type_name(value):
    """The name of ``value``'s type, short and printable (learners choose it)."""
    name = "".join(c for c in str(type(value).__name__) if c.isprintable())
    return name if len(name) <= 60 else name[:57] + "..."


def decode(data, kinds=None):
    """Plain data back from :func:`encode`; ``kinds`` decodes the extra kinds.

    Raises ValueError (or TypeError) for anything else.
    """
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or len(data) != 1:
        raise ValueError("not plain data")
    ((kind, value),) = data.items()
    if kind in ("array", "scalar"):
        type_string, shape, data, *flags = value
        dtype = np.dtype(str(type_string))
        if not _plain_dtype(dtype):
            raise ValueError(f"refused NumPy type {type_string!r}")
        raw = bytearray(base64.b64decode(data))  # writable, as np.load's arrays
        array = np.frombuffer(raw, dtype).reshape([int(n) for n in shape])
        if kind == "scalar":
            return array[()]
        if "read-only" in flags:
            array.flags.writeable = False
        return array
    if kind in ("list", "tuple"):
        if type(value) is not list:
            raise ValueError("not plain data")
        items = [decode(item, kinds) for item in value]
        return items if kind == "list" else tuple(items)
    if kind == "dict" and type(value) is dict:
        return {str(k): decode(v, kinds) for k, v in value.items()}
    if kinds and kind in kinds:
        return kinds[kind](value)
    raise ValueError(f"not plain data ({str(kind)[:40]!r})")


def _plain_dtype(dtype):
    """Booleans, numbers, strings or times: no objects, no record fields."""
    return (
        dtype.kind in "biufcSUmM"
        and not dtype.hasobject
        and dtype.fields is None
        and dtype.subdtype is None
    )


def send(stream, message):
    data = json.dumps(message).encode()
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def receive(stream, deadline=None):
    """Read one message; None if the other side is gone, too slow or too big."""
    header = _read(stream, 8, deadline)
    if header is None:
        return None
    (size,) = struct.unpack("<Q", header)
    if size > MAX_MESSAGE:
        return None
    data = _read(stream, size, deadline)
    return None if data is None else json.loads(data)


def _read(stream, size, deadline):
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([stream], [], [], wait)[0]:
                return None
        chunk = os.read(stream.fileno(), min(left, 2**20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# The trusted side.


def learner_names(source_cells):
    """Top-level names the solution code cells of the source notebook define.

    Markdown answers are not Python; a cell that is not Python even once
    IPython's syntax is translated defines nothing (as in a kernel, where it
    fails).
    """
    names = []
    for cell in source_cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        try:
            body = ast.parse(_python(_plain(cell.source))).body
        except SyntaxError:
            continue
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                names.append(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = getattr(node, "targets", None) or [node.target]
                for target in targets:
                    names += [
                        leaf.id
                        for leaf in ast.walk(target)
                        if isinstance(leaf, ast.Name)
                    ]
    return list(dict.fromkeys(names))


def _plain(source):
    return re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$", "", source, flags=re.M)


class Worker:
    """The sandboxed process that runs the learner's notebook and functions.

    A call that fails on our side (no answer in time, an answer too big to
    read, a check's own time budget) leaves the worker busy or gone, so the
    worker is killed, and the next call starts a fresh one, which runs the
    learner's notebook again. Each test has its own budget of ``RESTARTS``
    restarts (:meth:`begin`): a function that crashes or hangs costs its own
    tests, never another's.
    """

    RESTARTS = 2

    def __init__(self, command, cwd, env, timeout, startup):
        self.command, self.cwd, self.env = command, cwd, env
        self.timeout, self.startup = timeout, startup
        self.restarts = self.RESTARTS
        # The test cells' changes to the learner's names, sent with each call
        # (set by run()).
        self.bindings = None
        self._start()

    def _start(self):
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        self.ready_by = time.monotonic() + self.startup
        self._names = None

    def begin(self, test):
        """A new test starts: it gets a budget of restarts of its own."""
        self.restarts = self.RESTARTS

    @property
    def names(self):
        """What the learner's notebook defined, once it has run (None: no answer)."""
        if self._names is None:
            try:
                self._names = receive(self.process.stdout, self.ready_by)
            except ValueError:  # not JSON
                self._names = None
        return self._names if isinstance(self._names, dict) else None

    def call(self, name, args, kwargs, context=None):
        try:
            payload = {
                "name": name,
                "args": encode(args, _argument),
                "kwargs": encode(kwargs, _argument),
            }
        except NotPlainData as exc:
            raise NotRecheckable(f"the test passes {name} {exc}") from None
        payload["errstate"] = np.geterr()
        payload["context"] = context or {}
        if self.bindings is not None:
            try:
                payload["bindings"] = self.bindings()
            except NotPlainData as exc:
                raise NotRecheckable(f"a test bound a learner's name {exc}") from None
        if self.process.poll() is not None and self.restarts > 0:
            self.restarts -= 1
            self._start()
        if self.names is None or self.process.poll() is not None:
            raise LearnerError("the learner's code stopped responding")
        try:
            send(self.process.stdin, payload)
            reply = receive(self.process.stdout, time.monotonic() + self.timeout + 5)
        except BaseException as exc:
            self.close()
            if isinstance(exc, (OSError, ValueError)):  # gone, or not JSON
                raise LearnerError(f"{name} sent back no readable answer") from None
            raise
        if not isinstance(reply, dict):
            self.close()
            raise LearnerError(
                f"{name} did not answer within {self.timeout} s, or its answer "
                f"was over {MAX_MESSAGE // 2**20} MB"
            )
        return reply

    def close(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        # Closed now, not when collected: a ResourceWarning then would be
        # taken for the learner's, in whichever check runs at that moment.
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:  # a write the worker never read
                pass


class LearnerFunction:
    """A learner's function on the trusted side: each call goes to the worker."""

    def __init__(self, worker, name):
        self.worker, self.__name__ = worker, name

    def __repr__(self):
        return f"<the learner's {self.__name__}>"

    def __call__(self, *args, **kwargs):
        from autograder import checks

        name = self.__name__
        reply = self.worker.call(name, args, kwargs, checks.call_context())
        if "unsupported" in reply:
            # The learner's side says so, and learner code may have written
            # that answer: a failed call, never a test that is not checked.
            raise LearnerError(f"{name} could not take its arguments")
        for category, message in _listed(reply.get("warnings")):
            kind = getattr(builtins, str(category), None)
            if not (isinstance(kind, type) and issubclass(kind, Warning)):
                kind = UserWarning
            warnings.warn(str(message), kind, stacklevel=2)
        try:
            opaque = {"opaque": lambda _: None}
            after = decode(reply.get("args", {"list": []}), opaque)
            after_kwargs = decode(reply.get("kwargs", {"dict": {}}), opaque)
        except (ValueError, TypeError, KeyError):
            after, after_kwargs = None, None
        changed_in_place(args, after)
        changed_in_place(kwargs, after_kwargs)
        _observations_back(args, reply.get("observations"))
        if "not_plain" in reply:
            raise NotPlainData(
                _not_plain_message(name, reply["not_plain"], args, kwargs)
            )
        if "error" in reply:
            kind, message = [str(part) for part in _listed(reply["error"])[:2]]
            raise _learner_exception(name, kind, message)
        try:
            return decode(reply.get("result"), {"keras": _load_model})
        except NotPlainData as exc:
            raise NotPlainData(
                _not_plain_message(name, str(exc), args, kwargs)
            ) from None
        except Exception:
            message = _not_plain_message(
                name, "something that is not plain data", args, kwargs
            )
            raise NotPlainData(message) from None


def _listed(value):
    return value if isinstance(value, list) else []


def _observations_back(args, observations):
    """Hand what the checks' observing functions noted there to their notes here.

    The learner's process reports them, so hostile code there could misreport
    how it called ``f``; the values it returns are still judged here.
    """
    observing = [
        arg for arg in args if isinstance(getattr(arg, "observed", None), tuple)
    ]
    for arg, noted in zip(observing, _listed(observations), strict=False):
        try:
            records = decode(noted)
        except Exception:  # noqa: S112 - not plain data: nothing was noted
            continue
        for record in _listed(records):
            if isinstance(record, (float, int, np.ndarray)):
                arg.observed[2](record)


def _learner_exception(name, kind, message):
    """The exception to raise here for one the learner's function raised there."""
    from autograder import checks

    if kind == ReferenceCalled.__name__:
        return ReferenceCalled(
            f"{name} called the course's reference implementation, which is "
            "withheld while your work is graded: a call to it earns nothing. "
            f"Write {name} yourself."
        )
    if kind == "ModuleWithheld":
        return checks.metrics._SklearnMetricsCalled(message)
    error = getattr(builtins, kind, None)
    if not (isinstance(error, type) and issubclass(error, Exception)):
        error = type(kind, (LearnerError,), {})
    return error(message)


def _not_plain_message(name, what, args, kwargs):
    """'sigmoid returned a LyingObject; expected a float ...' for the learner."""
    expected = _expected_kind(name, args, kwargs)
    if "Keras model" in what:
        return f"{name} returned {what}: it does not count as an answer."
    return (
        f"{name} returned {what}, which does not count as an answer: only "
        "numbers, strings, None, NumPy arrays of numbers and lists, tuples or "
        f"dicts of them are checked{'; expected ' + expected if expected else ''}."
    )


def _expected_kind(name, args, kwargs):
    """What the reference returns for the same call ('a float'), or ''."""
    from autograder import reference

    func = getattr(reference, name, None) if name in reference.__all__ else None
    if func is None:
        return ""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = func(*args, **kwargs)
    except Exception:
        return ""
    if isinstance(value, np.ndarray):
        return f"a NumPy array of dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a NumPy {value.dtype} scalar"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


def changed_in_place(originals, after):
    """Change the trusted side's arguments as the learner's function changed its.

    Arrays (writable ones) get the values that came back, lists and dicts
    their items; an argument that came back changed in shape is copied
    back whole where it can be, so that a check's "input untouched" test
    sees the change.
    """
    if isinstance(originals, np.ndarray):
        if not isinstance(after, np.ndarray) or not originals.flags.writeable:
            return
        if after.shape == originals.shape:
            np.copyto(originals, after, casting="unsafe")
        else:
            # Changed in shape (ndarray.resize): shown as changed everywhere.
            originals[...] = np.nan if originals.dtype.kind in "fc" else 0
        return
    if type(originals) is list and type(after) is list:
        if len(after) != len(originals) or not all(
            isinstance(o, (np.ndarray, list, dict, tuple)) for o in originals
        ):
            plain = [o for o in originals if isinstance(o, (np.ndarray, list, dict))]
            if not plain:
                if originals != after:
                    originals[:] = after
                return
        for original, back in zip(originals, after, strict=False):
            changed_in_place(original, back)
        return
    if type(originals) is tuple and type(after) in (tuple, list):
        for original, back in zip(originals, after, strict=False):
            changed_in_place(original, back)
        return
    if type(originals) is dict and type(after) is dict:
        for key, original in originals.items():
            if key not in after:
                continue
            if isinstance(original, (np.ndarray, list, dict, tuple)):
                changed_in_place(original, after[key])
            elif type(after[key]) in (bool, int, float, str) and after[key] != original:
                originals[key] = after[key]


def _argument(value):
    """What crosses for an argument that is not plain data (or NotPlainData)."""
    if isinstance(value, LearnerFunction):
        return {"learner": value.__name__}
    observed = getattr(value, "observed", None)
    if isinstance(observed, tuple) and observed[1] is not None:
        return {"observed": [observed[0], observed[1]]}
    from autograder.checks.machinery import trusted_name

    name = trusted_name(value)
    if name is not None:
        return {"trusted": name}
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(value, keras.Model):
        return {"keras_model": _model_data(value)}
    raise NotPlainData(_a(_type_name(value)))


def _model_data(model):
    """A trusted Keras model as data: its configuration and weights."""
    return {
        "config": model.to_json(),
        "weights": [encode(np.asarray(w)) for w in model.get_weights()],
    }


def _load_model(data):
    """A learner's Keras model, from the ``.keras`` file its worker saved.

    Loaded with ``safe_mode=True`` (no code in the file is run) here, where
    no learner code runs; anything that does not load is not a model.
    """
    import zipfile

    import keras

    if type(data) is not str:
        raise NotPlainData("something that is not a Keras model file")
    raw = base64.b64decode(data)
    with tempfile.TemporaryDirectory(prefix="sigmoid-model-") as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(raw)
        try:
            # A .keras file is a zip: what it unpacks to is bounded first.
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(item.file_size for item in archive.infolist())
            if unpacked > MAX_MODEL_BYTES:
                raise ValueError(f"it unpacks to {unpacked:,} bytes")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = keras.saving.load_model(path, compile=True, safe_mode=True)
            if model.count_params() > MAX_MODEL_PARAMETERS:
                raise ValueError(
                    f"it has {model.count_params():,} parameters, more than the "
                    f"{MAX_MODEL_PARAMETERS:,} the checks train"
                )
            return model
        except Exception as exc:
            reason = " ".join(str(exc).split())[:200]
            raise NotPlainData(
                f"a Keras model that cannot be rebuilt from its configuration "
                f"and weights ({type(exc).__name__}: {reason}); only a model made "
                "of Keras's own classes (layers, losses, optimizers) can be checked"
            ) from None


# A learner's model is trained in the grader, which has no resource limits
# of its own: its size is bounded before it is loaded and trained.
MAX_MODEL_BYTES = 64 * 2**20
MAX_MODEL_PARAMETERS = 2_000_000


def _withheld_modules(cells):
    """Modules the checks of ``cells`` forbid learner code (``sklearn.metrics``)."""
    from autograder.checks import withheld_modules

    imported = set()
    for cell in cells:
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get(
            "solution"
        ):
            continue
        try:
            tree = ast.parse(_hidden_included(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "autograder.checks"
            ):
                imported.update(alias.name for alias in node.names)
    return withheld_modules(imported)


class Recheck:
    """The re-check of one learner: started now, applied once nbgrader is done.

    One worker per notebook of ``source`` starts at once, in the sandbox
    that ``sandbox_argv`` starts, and runs the learner's notebook from
    ``submitted`` while nbgrader grades (the two take turns on the machine's
    cores while the other waits on its kernel). The course's reference, and
    the modules the checks forbid, are withheld from it: hidden from its
    file system and unusable in its memory. Closing kills the workers.
    """

    def __init__(self, source, submitted, sandbox_argv, *, cwd, env, timeout):
        import nbformat  # here: the worker must start fast, and never needs it

        from autograder.confinement import withheld

        self.runs = []
        self.outcomes = {}
        try:
            for notebook in sorted(Path(source).glob("*.ipynb")):
                cells = nbformat.read(notebook, as_version=4).cells
                names = learner_names(cells)
                modules = _withheld_modules(cells)
                hidden = withheld.folders(modules)
                command = [*sandbox_argv]
                for folder in hidden:
                    command += ["--hide", folder]
                command += [
                    "--",
                    sys.executable,
                    "-m",
                    "autograder.confinement.recheck",
                ]
                learner = Path(submitted) / notebook.name
                argv = [*command, str(learner), ",".join(names), str(timeout)]
                argv.append(",".join(modules))
                startup = timeout * (len(cells) + 2) + 30
                worker = Worker(argv, cwd, env, timeout, startup)
                self.runs.append((cells, worker))
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        for _, worker in self.runs:
            worker.close()

    def apply(self, result):
        """Let the re-check decide ``result``, a Result holding nbgrader's scores.

        ``result`` gets the final per-test scores, their sum, and a note in
        ``message`` for each test on which nbgrader and the re-check disagree,
        whose answer did not count, or that was not re-checked.
        :attr:`outcomes` then holds each test's :class:`Outcome`.
        """
        for cells, worker in self.runs:
            self.outcomes.update(run(cells, worker))
        result.tests, notes = verdict(result.tests, self.outcomes)
        # None: a cell that waits for a person (manual grading).
        result.score = float(sum(v for v in result.tests.values() if v is not None))
        if notes:
            note = "re-check: " + "; ".join(notes)
            result.message = f"{result.message}; {note}" if result.message else note


@dataclass
class Outcome:
    """How one test cell went in the re-check.

    ``score`` is None where it could not be re-checked. ``message`` is what
    the learner reads: the failure's text ('' when the test passed); for a
    failure in a hidden part, its hint only. ``hidden`` says the failure
    came from a hidden test; ``note`` is for the instructor (the CSV).
    """

    score: float | None
    message: str = ""
    hidden: bool = False
    note: str = ""


def run(cells, worker):
    """Run the test cells among ``cells`` against the learner's ``worker``.

    As nbgrader runs them, after the learner's cells and in one namespace:
    a learner's name that a test cell deletes or rebinds is deleted or
    rebound in the worker too, where the learner's functions look it up
    (:func:`_bindings`), before each call that the cell makes.

    Returns
    -------
    dict
        Test cell name to its :class:`Outcome`.
    """
    namespace = {"__name__": "__recheck__"}
    outcomes = {}
    proxies = {}
    for name, kind in (worker.names or {}).items():
        if kind == "callable":
            namespace[name] = proxies[name] = LearnerFunction(worker, name)
        elif isinstance(kind, dict) and "value" in kind:
            try:
                namespace[name] = decode(kind["value"])
            except Exception:  # noqa: S110 - not plain data: as if undefined
                pass
    initial = {name: namespace.get(name, _MISSING) for name in worker.names or {}}
    worker.bindings = lambda: _bindings(namespace, initial, proxies)
    for cell in cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("solution"):
            continue
        if not meta.get("grade"):
            code = _python(_hidden_included(cell.source))
            try:
                exec(compile(code, "<setup>", "exec"), namespace)  # instructor's
            except (Exception, NotRecheckable):  # noqa: S110 - as in a kernel
                pass  # the cell fails; the next ones run
            continue
        worker.begin(meta["grade_id"])
        points = float(meta.get("points", 0))
        outcomes[meta["grade_id"]] = _test(
            cell.source, meta["grade_id"], namespace, points
        )
    return outcomes


def _test(source, grade_id, namespace, points):
    """Run one test cell's parts in order and score it as nbgrader does.

    nbgrader gives 0 to a cell that raises or writes to stderr (a warning
    that gets out of it, say), the points its last expression shows when
    that is a number (partial credit), and else all its points. A kernel
    shows a warning in every cell that causes it (IPython resets Python's
    once-per-place registry at each cell), so every cell pays for it.

    >>> _test("assert 1 + 1 == 2", "t", {}, 2).score, _test("0.5", "t", {}, 2).score
    (2.0, 0.5)
    >>> _test("assert False", "t", {}, 2).score, _test("'x'", "t", {}, 2).score
    (0.0, 2.0)
    >>> _test("assert (", "t", {}, 2).score
    0.0
    """
    points, errors = float(points), io.StringIO()
    hidden, shown = False, None
    try:
        parts = _parts(_python(source))
        with (
            warnings.catch_warnings(record=True) as caught,
            contextlib.redirect_stderr(errors),
        ):
            # `hidden` outlives the loop: it says which part a failure came from.
            for index, (hidden, code) in enumerate(parts):  # noqa: B007
                body = ast.parse(code)
                last = None
                if (
                    index == len(parts) - 1
                    and body.body
                    and isinstance(body.body[-1], ast.Expr)
                    and not code.rstrip().endswith(";")
                ):
                    last = ast.Expression(body.body.pop().value)
                exec(compile(body, grade_id, "exec"), namespace)
                if last is not None:
                    shown = eval(compile(last, grade_id, "eval"), namespace)
    except KeyboardInterrupt:
        raise
    except NotRecheckable as exc:
        note = f"{grade_id} not re-checked: {exc} (values that cannot cross)"
        return Outcome(None, note=note)
    except (NotPlainData, ReferenceCalled) as exc:
        message = str(exc)
        note = f"{grade_id}: {message}"
        return Outcome(0.0, message, hidden, note=_shortened(note, 160))
    except BaseException as exc:
        message = _failure_text(exc)
        if hidden:
            message = _hint_only(message)
        return Outcome(0.0, message, hidden)
    if caught or errors.getvalue():
        what = str(caught[0].message) if caught else errors.getvalue().strip()
        message = _shortened(f"The test wrote to stderr (a warning?): {what}", 500)
        return Outcome(0.0, _hint_only(message) if hidden else message, hidden)
    return Outcome(_partial_credit(shown, points))


def _shortened(text, limit):
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _failure_text(exc):
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _hint_only(message):
    """What a learner may read of a hidden test's failure: its hint, no inputs."""
    hint = message.rfind("\nHint:")
    shown = "A hidden test of this cell failed (its inputs are not shown)."
    return shown + message[hint:] if hint >= 0 else shown


HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n?(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*$",
    flags=re.M | re.S,
)


def _parts(source):
    """The test cell's code as (hidden, code) parts, in order.

    A part that does not compile on its own (a statement that a hidden
    block splits) makes the whole cell one part, hidden if it has any.
    """
    parts, at = [], 0
    for match in HIDDEN.finditer(source):
        parts += [(False, source[at : match.start()]), (True, match.group(1))]
        at = match.end()
    parts.append((False, source[at:]))
    parts = [(hidden, code) for hidden, code in parts if code.strip()]
    try:
        for _, code in parts:
            compile(code, "<part>", "exec")
    except SyntaxError:
        return [(any(hidden for hidden, _ in parts), _hidden_included(source))]
    return parts


def _partial_credit(value, points):
    """nbgrader's partial credit: the cell's result if it reads as a number."""
    if value is None:
        return points
    try:
        grade = float(repr(value))
    except ValueError:
        return points
    if grade > points:
        return 0.0  # nbgrader fails the notebook: more than the cell is worth
    return grade if grade >= 0 else points


def _bindings(namespace, initial, proxies):
    """How the test cells changed the learner's names, as plain data.

    ``{name: "missing" | {"name": other} | {"value": data}}`` for each name
    no longer bound to what the learner's notebook left: deleted, bound to
    another of the learner's functions, or to plain data.

    Raises
    ------
    NotRecheckable
        If a test bound a learner's name to something that cannot cross.
    """
    changed = {}
    for name, before in initial.items():
        now = namespace.get(name, _MISSING)
        if now is before:
            continue
        if now is _MISSING:
            changed[name] = "missing"
        elif other := next((n for n, p in proxies.items() if p is now), None):
            changed[name] = {"name": other}
        else:
            changed[name] = {"value": encode(now)}
    return changed


def _hidden_included(source):
    return re.sub(r"^\s*### (BEGIN|END) HIDDEN TESTS\s*$", "", source, flags=re.M)


def without_hidden_tests(source):
    """``source`` with its hidden test blocks removed, as nbgrader releases it."""
    return HIDDEN.sub("", source)


def verdict(nbgrader_scores, outcomes):
    """Final per-test scores, and a note for each that the instructor should see.

    The re-check decides; nbgrader's score stands only where an
    instructor's test could not be re-checked. The kernel runs no hidden
    test, so a failure in a hidden part is no disagreement.
    """
    final, notes = dict(nbgrader_scores), []
    for name, outcome in outcomes.items():
        before = nbgrader_scores.get(name, 0.0)
        if outcome.score is None:
            notes.append(outcome.note)
            continue
        if outcome.note:
            notes.append(outcome.note)
        elif outcome.score != before and not outcome.hidden:
            notes.append(f"{name}: nbgrader {before:g}, re-check {outcome.score:g}")
        final[name] = outcome.score
    return final, notes


# The learner's side (inside the sandbox).


def worker_main(notebook, names, timeout, withheld_modules=""):
    from autograder.confinement import withheld

    channel = os.fdopen(os.dup(1), "wb")
    requests = os.fdopen(os.dup(0), "rb")
    # Learner code prints where nobody reads, and cannot read our requests.
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    # Before any learner code: the reference and the forbidden modules go.
    withheld.withhold([name for name in withheld_modules.split(",") if name])
    names = [name for name in names.split(",") if name]
    timeout = int(timeout)
    namespace = {"__name__": "__main__"}
    signal.signal(signal.SIGALRM, _timed_out)
    with open(notebook, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if (
            cell["cell_type"] != "code"
            or meta.get("grade")
            and not meta.get("solution")
        ):
            continue
        source = cell["source"]
        source = "".join(source) if isinstance(source, list) else source
        try:
            signal.alarm(timeout)
            exec(compile(_python(source), "<cell>", "exec"), namespace)
        except BaseException:  # noqa: S110 - as a kernel: the cell fails, go on
            pass
        finally:
            signal.alarm(0)
    described = {}
    for name in names:
        value = namespace.get(name, _MISSING)
        if value is _MISSING:
            described[name] = "missing"
        elif callable(value):
            described[name] = "callable"
        else:
            try:
                described[name] = {"value": encode(value)}
            except NotPlainData:
                described[name] = "missing"
    send(channel, described)
    originals = {name: namespace.get(name, _MISSING) for name in names}
    applied = {}
    while (request := receive(requests)) is not None:
        _rebind(namespace, originals, applied, request.get("bindings") or {})
        send(channel, _answer(namespace, request, timeout))


def _rebind(namespace, originals, applied, bindings):
    """Apply the test cells' changes to the learner's names (see _bindings).

    A name whose binding is the same as at the last call is left alone, so
    what the learner's own code does to its globals stays, as in a kernel.
    """
    for name in set(applied) | set(bindings):
        if name not in originals or applied.get(name) == bindings.get(name):
            continue
        binding = bindings.get(name)
        if binding is None or isinstance(binding, dict) and "name" in binding:
            source = name if binding is None else binding["name"]
            value = originals.get(source, _MISSING)
        elif binding == "missing":
            value = _MISSING
        else:
            value = decode(binding["value"])
        if value is _MISSING:
            namespace.pop(name, None)
        else:
            namespace[name] = value
    applied.clear()
    applied.update(bindings)


_MISSING = object()


def _python(source):
    """A cell's source as Python: IPython syntax (magics, !) translated."""
    try:
        compile(source, "<cell>", "exec")
        return source
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)


def _timed_out(signum, frame):
    raise TimeoutError("the cell ran too long")


def _answer(namespace, request, timeout):
    observers = []

    def observed(spec):
        observers.append(_Observer(*spec))
        return observers[-1]

    kinds = {
        "learner": lambda name: namespace[name],
        "trusted": _trusted_function,
        "keras_model": _rebuilt_model,
        "observed": observed,
    }
    try:
        args = decode(request["args"], kinds)
        kwargs = decode(request["kwargs"], kinds)
        _set_context(request.get("context") or {})
        for observer in observers:
            at = next(i for i, arg in enumerate(args) if arg is observer)
            observer.watch(args[at + 1])
    except Exception as exc:
        return {"unsupported": f"arguments: {type(exc).__name__}: {exc}"}
    reply = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(**request["errstate"]):
            try:
                signal.alarm(timeout)
                result = namespace[request["name"]](*args, **kwargs)
                signal.alarm(0)
                reply["result"] = encode(result, _model_file)
            except NotPlainData as exc:
                reply["not_plain"] = str(exc)
            except BaseException as exc:
                reply["error"] = [type(exc).__name__, str(exc)[:2000]]
            finally:
                signal.alarm(0)
    reply["warnings"] = [[w.category.__name__, str(w.message)[:2000]] for w in caught]
    if observers:
        reply["observations"] = _encoded_or_opaque([o.records for o in observers])
    # What the call left in its arguments, for "input untouched" checks.
    reply["args"] = _encoded_or_opaque(list(args))
    reply["kwargs"] = _encoded_or_opaque(dict(kwargs))
    return reply


def _encoded_or_opaque(value):
    try:
        return encode(value, lambda _: {"opaque": None})
    except NotPlainData:
        return {"opaque": None}


class _Observer:
    """A trusted ``f`` that notes how the learner's function calls it.

    ``steps``: how far each point is from ``x`` (the step it uses);
    ``watch``: ``x`` itself, the first time it differs from what was passed
    (the learner perturbs ``x`` in place). As the checks' own wrappers do in
    the learner's kernel (autograder.checks.gradients).
    """

    def __init__(self, kind, name):
        self.kind, self.f, self.records = kind, _trusted_function(name), []

    def watch(self, x):
        self.x = x
        self.start = np.array(x, dtype=np.float64 if self.kind == "steps" else None)

    def __call__(self, point):
        if self.kind == "steps":
            try:
                step = np.max(np.abs(np.asarray(point, float) - self.start))
                self.records.append(float(step))
            except (TypeError, ValueError):
                pass
        elif not self.records and not np.array_equal(self.x, self.start):
            self.records.append(np.array(self.x, copy=True))
        return self.f(point)


def _trusted_function(name):
    from autograder.checks.machinery import TRUSTED_FUNCTIONS

    return TRUSTED_FUNCTIONS[str(name)]


def _rebuilt_model(data):
    """A trusted Keras model, rebuilt from its configuration and weights."""
    import keras

    model = keras.models.model_from_json(data["config"])
    model.set_weights([decode(w) for w in data["weights"]])
    return model


def _model_file(value):
    """A Keras model the learner's function returned, as its ``.keras`` file."""
    keras = sys.modules.get("keras")
    if keras is None or not isinstance(value, keras.Model):
        raise NotPlainData(_a(_type_name(value)))
    with tempfile.TemporaryDirectory(prefix="model-") as folder:
        path = Path(folder) / "model.keras"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Keras's, not the learner's
                value.save(path)
        except Exception as exc:
            reason = " ".join(str(exc).split())[:200]
            raise NotPlainData(
                f"a Keras model that cannot be saved as a .keras file "
                f"({type(exc).__name__}: {reason})"
            ) from None
        return {"keras": base64.b64encode(path.read_bytes()).decode()}


def _set_context(context):
    """What the check set before calling (Keras's seed), set here too."""
    seed = context.get("keras_seed")
    if seed is not None:
        import keras

        keras.utils.set_random_seed(int(seed))


if __name__ == "__main__":
    worker_main(*sys.argv[1:])
