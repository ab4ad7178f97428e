"""Shared checking machinery: failures, messages, calling learner code.

Every check raises :class:`CheckFailure`, whose message names the input that
failed, the expected value, the value that came back, and a hint. The
helpers here call the learner's function exactly as written (its exceptions
and warnings are reported, not swallowed) and format what the learner reads.
"""

import copy
import textwrap
import warnings

import numpy as np

from autograder import reference

HINTS = {
    ("sigmoid", "values"): "sigma(x) = 1 / (1 + exp(-x)); use np.exp so arrays work.",
    ("sigmoid", "extremes"): (
        "np.exp(-x) overflows for x below about -709 (float64) or -88 (float32). "
        "For x < 0 use the equivalent exp(x) / (1 + exp(x)), whose exp cannot "
        "overflow, and pick the branch per element with np.where."
    ),
    ("sigmoid_derivative", "values"): "sigma'(x) = sigma(x) * (1 - sigma(x)).",
    ("sigmoid_derivative", "extremes"): (
        "Once sigma(x) rounds to 1.0 (x above about 37), 1 - sigma(x) is 0 and "
        "the product loses everything. The derivative is even: with "
        "e = exp(-|x|) it equals e / (1 + e)**2 for every x."
    ),
    ("logit", "values"): "logit(p) = log(p / (1 - p)), the inverse of sigma.",
    ("logit", "extremes"): (
        "logit(0) = -inf and logit(1) = +inf without a divide-by-zero warning "
        "(wrap the arithmetic in `with np.errstate(divide='ignore')`), and "
        "p outside [0, 1] gives nan without a warning."
    ),
    ("logit", "near_half"): (
        "Near p = 1/2, p / (1 - p) is close to 1 and log() of it keeps only the "
        "rounding error. Write logit(p) = log1p((2p - 1) / (1 - p)): 2p - 1 "
        "and 1 - p are exact there (Sterbenz's lemma), and log1p is accurate "
        "near 0."
    ),
    ("log_sigmoid", "values"): "log_sigmoid(x) = log(sigma(x)).",
    ("log_sigmoid", "extremes"): (
        "log(sigma(x)) is -inf once sigma(x) underflows to 0. Use "
        "log(sigma(x)) = min(x, 0) - log1p(exp(-|x|)), which never overflows "
        "or underflows to -inf for finite x."
    ),
}


SHAPES_HINT = (
    "Use NumPy functions that work element by element (np.exp, np.where, "
    "np.log1p) on the whole array, not Python's math module or loops. Keep "
    "float32 input in float32 (for example x.dtype tells you which it is), "
    "and never assign into the input array."
)


# Functions of the checks' own that they pass to learner code (exercise 2's
# f for numerical_gradient), by name: a grader that calls the learner's
# code in another process sends the name, and that process rebuilds the
# function from this table (autograder.confinement.recheck).
TRUSTED_FUNCTIONS = {}


def trusted_name(func):
    """The name under which ``func`` is in :data:`TRUSTED_FUNCTIONS`, or None."""
    for name, known in TRUSTED_FUNCTIONS.items():
        if known is func:
            return name
    return None


# What a check set up before calling learner code, that a grader calling it
# in another process must set up there too (Keras's random seed).
_CONTEXT = {}


def call_context():
    """The context of the learner call being made now, as plain data."""
    return dict(_CONTEXT)


class _context:
    """Record ``values`` in the call context while this block runs."""

    def __init__(self, **values):
        self.values = values

    def __enter__(self):
        self.saved = dict(_CONTEXT)
        _CONTEXT.update(self.values)
        return self

    def __exit__(self, *exc):
        _CONTEXT.clear()
        _CONTEXT.update(self.saved)
        return False


class CheckFailure(AssertionError):
    """A failed check, with a message written for the learner."""

    def _render_traceback_(self):
        # IPython (JupyterLab, nbgrader's feedback) shows these lines instead
        # of a traceback: the message says it all, and frames from this
        # module would only bury it.
        return [f"{type(self).__name__}: {self}"]


def _reference(name):
    try:
        return getattr(reference, name)
    except AttributeError:
        raise ValueError(
            f"name must be one of {reference.__all__}, got {name!r}."
        ) from None


def _call(func, name, x, hint, forbid_warnings=False):
    """Call the learner's function, turning its errors into feedback."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Learners may have silenced NumPy with np.seterr; the contract is
        # that the function itself stays silent under NumPy's default
        # settings, so restore those here (underflow is silent by default).
        with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            try:
                got = func(x)
            except NotImplementedError:
                raise CheckFailure(
                    f"{name} is not implemented yet: it raised "
                    "NotImplementedError.\nHint: replace "
                    "`raise NotImplementedError()` with your code."
                ) from None
            except Exception as exc:
                raise CheckFailure(
                    _message(
                        f"{name}({_describe(x)}) raised {type(exc).__name__}: {exc}",
                        [("input", x)],
                        hint,
                    )
                ) from None
    if got is None:
        raise CheckFailure(
            _message(
                f"{name}({_describe(x)}) returned None.",
                [("input", x)],
                "Did you forget the `return` statement?",
            )
        )
    if forbid_warnings and caught:
        first = caught[0]
        raise CheckFailure(
            _message(
                f"{name}({_describe(x)}) emitted a warning.",
                [
                    ("input", x),
                    ("expected", "no warning"),
                    ("got", f"{first.category.__name__}: {first.message}"),
                ],
                hint,
            )
        )
    return got


def _private(value):
    """A copy of ``value`` that learner code never sees.

    Expected values are computed from it, so that a learner's function that
    changes its arguments in place cannot change what it is compared with.
    """
    return copy.deepcopy(value)


def _same_input(before, after):
    """Whether ``after`` (an argument after the call) still equals ``before``."""
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        try:
            return (
                type(before) is type(after)
                and before.shape == after.shape
                and before.dtype == after.dtype
                and bool(
                    np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
                )
            )
        except (AttributeError, TypeError):
            return False
    if isinstance(before, (list, tuple)):
        return (
            type(before) is type(after)
            and len(before) == len(after)
            and all(_same_input(b, a) for b, a in zip(before, after, strict=True))
        )
    if isinstance(before, dict):
        return (
            type(after) is dict
            and before.keys() == after.keys()
            and all(_same_input(before[k], after[k]) for k in before)
        )
    if isinstance(before, float) and isinstance(after, float):
        return before == after or (before != before and after != after)
    return before is after or before == after


def _close(got, expected, rtol):
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if got.shape != np.shape(expected):
        return False
    return bool(np.allclose(got, expected, rtol=rtol, atol=0.0, equal_nan=True))


def _require_same(name, x, what, expected, got, hint):
    """Fail unless the result's ``what`` (shape, dtype) is as expected."""
    if got != expected:
        raise CheckFailure(
            _message(
                f"{name}({_describe(x)}) returned the wrong {what}.",
                [("expected", f"{what} {expected}"), ("got", f"{what} {got}")],
                hint,
            )
        )


def _fail(name, x, expected, got, hint, note=""):
    rows = [("input", x), ("expected", expected), ("got", got)]
    if note:
        rows.append(("", note))
    raise CheckFailure(
        _message(f"{name}({_describe(x)}) returned the wrong value.", rows, hint)
    )


def _message(headline, rows, hint):
    lines = [headline]
    lines += [
        f"  {label + ':' if label else '':<9} {_show(value)}" for label, value in rows
    ]
    lines.append(_wrap_hint(hint))
    return "\n".join(lines)


# Feedback is read in a notebook's output area, where a long line breaks
# wherever the window ends, in the middle of a word: hints come wrapped.
HINT_WIDTH = 79


def _wrap_hint(hint):
    """``Hint: ...`` wrapped at word boundaries, continuation lines indented."""
    return textwrap.fill(
        hint,
        width=HINT_WIDTH,
        initial_indent="Hint: ",
        subsequent_indent="      ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _describe(x):
    """Short description of an argument for a headline."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return f"array of shape {x.shape}, dtype {x.dtype}"
    if isinstance(x, np.generic) and x.dtype != np.float64:
        return repr(x)
    return _show(x)


def _show(value):
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return np.array2string(np.asarray(value), threshold=12)
    if isinstance(value, np.generic):
        return str(value)
    if isinstance(value, np.ndarray):
        return str(value[()])
    return repr(value)
