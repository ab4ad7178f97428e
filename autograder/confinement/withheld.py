"""What the re-check's worker withholds from learner code, beyond its reach.

The worker runs the learner's cells and answers the re-check's calls. Two
things must not help it there: the course's reference implementations
(calling them is not doing the exercise) and modules an exercise forbids
(``sklearn.metrics`` in exercise 5). Rules that learner code could undo (a
profile hook, a patched import) do not do: here both are gone before any
learner code runs, in two ways at once.

- Their folders are hidden by the worker's sandbox (:func:`folders`, passed
  as ``--hide``), so no import, reload or file read can bring them back.
- What the worker inherited already in memory (the zygote preloads the
  checks, and so the reference) is made unusable in place: every function
  of the reference gets a body that raises :class:`ReferenceCalled`, so
  every way to reach it (an attribute, ``gc``, a name imported earlier)
  reaches that body. Imports of a withheld module get a stand-in whose
  functions raise :class:`ReferenceCalled` or :class:`ModuleWithheld`, so a
  notebook that imports one at its top still runs, and a call says why it
  earns nothing.
"""

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path

REFERENCE = "autograder.reference"
# Modules computing what the checks compare against, withheld as the reference.
ORACLES = (REFERENCE, "autograder.exact")


class ReferenceCalled(BaseException):
    """Learner code called the course's reference; not an Exception."""


class ModuleWithheld(BaseException):
    """Learner code called a module the exercise forbids; not an Exception."""


def folders(modules=()):
    """The folders to hide from the worker: the reference's, and ``modules``'."""
    from autograder import course

    found = [str(course.ROOT / "autograder" / "reference")]
    for name in modules:
        folder = module_folder(name)
        if folder:
            found.append(folder)
    return found


def module_folder(name):
    """Where the package ``name`` lives, found without importing it (or None)."""
    top, *rest = name.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))).resolve()
    folder = folder.joinpath(*rest)
    return str(folder) if folder.is_dir() else None


def withhold(modules=()):
    """In this process, make the reference and ``modules`` unusable.

    Called by the worker before it runs any learner code.
    """
    for name, module in list(sys.modules.items()):
        if module is not None and _under(name, ORACLES):
            _disarm(module)
        if _under(name, modules):
            sys.modules[name] = _stand_in(name, ModuleWithheld)
    sys.meta_path.insert(0, _StandIns([*ORACLES, *modules]))


def _under(name, packages):
    return any(name == p or name.startswith(p + ".") for p in packages)


def _refuse(*args, **kwargs):
    # Runs with the reference module's globals: it needs builtins only.
    raise __import__(
        "autograder.confinement.withheld", fromlist=["ReferenceCalled"]
    ).ReferenceCalled(
        "it called the course's reference implementation, which is withheld "
        "while your work is graded: a call to it earns nothing. Write the "
        "function yourself."
    )


def _disarm(module):
    """Give every function of ``module`` a body that raises ReferenceCalled."""
    for attribute, value in list(vars(module).items()):
        if isinstance(value, types.FunctionType):
            if not value.__code__.co_freevars:
                value.__code__ = _refuse.__code__.replace(co_name=value.__name__)
            setattr(module, attribute, _refusing(ReferenceCalled, value.__name__))
        elif isinstance(value, type) and value.__module__ == module.__name__:
            for name, member in list(vars(value).items()):
                if isinstance(member, types.FunctionType):
                    setattr(value, name, _refusing(ReferenceCalled, name))


def _refusing(error, name, module=None):
    def refused(*args, **kwargs):
        if error is ModuleWithheld:
            raise ModuleWithheld(f"{name} in {module}")
        _refuse()

    refused.__name__ = refused.__qualname__ = name
    return refused


def _stand_in(name, error):
    """A module whose every attribute is a function that refuses."""
    module = types.ModuleType(name)
    module.__path__ = []  # a package: its submodules are stand-ins too

    def attribute(attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _refusing(error, attr, name)

    module.__getattr__ = attribute
    return module


class _StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of withheld modules get stand-ins."""

    def __init__(self, packages):
        self.packages = packages

    def find_spec(self, fullname, path=None, target=None):
        if _under(fullname, self.packages):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        error = ReferenceCalled if _under(spec.name, ORACLES) else ModuleWithheld
        return _stand_in(spec.name, error)

    def exec_module(self, module):
        pass
