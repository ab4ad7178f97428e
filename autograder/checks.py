"""Checks that compare a learner's function with the reference.

Each check either returns quietly or raises :class:`CheckFailure`, whose
message names the input that failed, the expected value, the value that came
back, and a hint. nbgrader counts any exception in a graded cell as a failed
test, so these are what the exercise notebooks' test cells call.

The learner's code is called exactly as written: exceptions it raises and
warnings it emits are reported, not swallowed.
"""

import warnings

import numpy as np

from autograder import reference
from autograder.ulp import ulp_distance

__all__ = ["CheckFailure", "check_values", "check_shapes", "check_extremes"]

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


class CheckFailure(AssertionError):
    """A failed check, with a message written for the learner."""

    def _render_traceback_(self):
        # IPython (JupyterLab, nbgrader's feedback) shows these lines instead
        # of a traceback: the message says it all, and frames from this
        # module would only bury it.
        return [f"{type(self).__name__}: {self}"]


def check_values(func, name, inputs, *, rtol=1e-9, hint=None):
    """Check ``func`` against the reference on ordinary float64 scalars.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    inputs : iterable of float
        Inputs, each passed on its own as a Python float.
    rtol : float, default 1e-9
        Relative tolerance: generous, so that any correct formula passes.
    hint : str, optional
        Replaces the default hint for this function.

    Raises
    ------
    CheckFailure
        At the first input whose result is wrong, or that raised.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_values
    >>> check_values(lambda x: 1 / (1 + np.exp(-x)), "sigmoid", [0.0, 2.0])
    >>> check_values(lambda x: 0.5, "sigmoid", [0.0, 2.0])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: sigmoid(2.0) returned the wrong value.
      input:    2.0
      expected: 0.8807970779778823
      got:      0.5
    Hint: sigma(x) = 1 / (1 + exp(-x)); use np.exp so arrays work.
    """
    expected_func = _reference(name)
    hint = hint or HINTS[(name, "values")]
    for x in inputs:
        x = float(x)
        got = _call(func, name, x, hint)
        expected = expected_func(x)
        if not _close(got, expected, rtol=rtol):
            _fail(name, x, expected, got, hint)


def check_shapes(func, name, sample, *, hint=None):
    """Check shapes, dtypes, scalars, and that the input is left alone.

    ``func`` is called on the values of ``sample`` as a Python float, a
    Python int, a NumPy float32 scalar, a 1-D float64 array, a 2-D float32
    array and a 3-D integer array. Each result must have the input's
    shape, be float32 exactly when the input is, match the reference (to a
    loose tolerance: values are not the point here), and the input must be
    unchanged afterwards.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    sample : sequence of float
        At least 6 valid inputs for the function.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case that fails.

    Examples
    --------
    >>> import math
    >>> from autograder.checks import check_shapes
    >>> check_shapes(lambda x: 1 / (1 + math.exp(-x)), "sigmoid", range(-3, 3))
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: sigmoid(np.float32(-1.0)) returned the wrong dtype.
      expected: dtype float32
      got:      dtype float64
    Hint: Use NumPy functions ...
    """
    hint = hint or SHAPES_HINT
    sample = np.asarray(sample, dtype=np.float64)[:6]
    if sample.size < 6:
        raise ValueError(
            f"sample must hold at least 6 values, got {sample.size}. Pass more "
            "valid inputs for the function."
        )
    cases = [
        float(sample[0]),
        int(np.round(sample[1])),
        np.float32(sample[2]),
        sample.copy(),
        sample.reshape(2, 3).astype(np.float32),
        np.round(sample).astype(np.int64).reshape(1, 3, 2),
    ]
    expected_func = _reference(name)
    for x in cases:
        before = np.array(x, copy=True)
        got = _call(func, name, x, hint)
        expected = expected_func(x)
        if isinstance(x, np.ndarray) and not np.array_equal(x, before, equal_nan=True):
            raise CheckFailure(
                _message(
                    f"{name}({_describe(x)}) changed its input.",
                    [("before", before), ("after", x)],
                    hint,
                )
            )
        got_array = np.asarray(got)
        _require_same(name, x, "shape", expected.shape, got_array.shape, hint)
        _require_same(name, x, "dtype", expected.dtype, got_array.dtype, hint)
        if not _close(got, expected, rtol=1e-5):
            _fail(name, x, expected, got, hint)


def check_extremes(
    func, name, inputs, *, dtype=np.float64, ulps=4, aspect="extremes", hint=None
):
    """Check accuracy and silence on extreme inputs.

    Each input is converted to ``dtype`` and passed as a NumPy scalar, then
    all of them together as one array. The result must be within ``ulps``
    units in the last place of the reference (nan where the reference is
    nan), and the call must emit no warning, even if the learner's session
    has silenced NumPy's floating-point warnings.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    inputs : iterable of float
        Inputs, including infinities and nan if wanted.
    dtype : {numpy.float64, numpy.float32}
        Precision in which to test.
    ulps : float, default 4
        Tolerance in units in the last place.
    aspect : str, default 'extremes'
        Which of the function's hints in :data:`HINTS` to give on failure
        (``'near_half'`` for logit's accuracy near 1/2).
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first input whose result is wrong, or that warned or raised.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_extremes
    >>> check_extremes(lambda x: 1 / (1 + np.exp(-x)), "sigmoid", [0.0, -1000.0])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: sigmoid(-1000.0) emitted a warning.
      input:    -1000.0
      expected: no warning
      got:      RuntimeWarning: overflow encountered in exp
    Hint: np.exp(-x) overflows ...
    """
    hint = hint or HINTS[(name, aspect)]
    values = np.asarray(list(inputs), dtype=dtype)
    expected_func = _reference(name)
    for x in [*values, values]:
        got = _call(func, name, x, hint, forbid_warnings=True)
        expected = expected_func(x)
        got_array = np.asarray(got)
        _require_same(name, x, "shape", expected.shape, got_array.shape, hint)
        try:
            got_array = got_array.astype(dtype)
        except (TypeError, ValueError):
            _fail(name, x, expected, got, hint)
        bad = ~(ulp_distance(got_array, expected) <= ulps)
        if np.any(bad):
            index = np.argwhere(np.atleast_1d(bad))[0]
            pick = tuple(index) if np.ndim(x) else ()
            _fail(
                name,
                np.asarray(x)[pick],
                expected[pick],
                got_array[pick],
                hint,
                note=f"(tolerance: {ulps:g} ULP in {np.dtype(dtype)})",
            )


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
    lines.append(f"Hint: {hint}")
    return "\n".join(lines)


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
