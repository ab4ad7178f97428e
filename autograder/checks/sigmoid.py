"""Checks of exercise 1 (the sigmoid), shared by exercise 3's elementwise
functions: values, shapes and dtypes, and extreme inputs.
"""

import numpy as np

from autograder import exact as _exact
from autograder.checks.machinery import (
    HINTS,
    SHAPES_HINT,
    CheckFailure,
    _call,
    _close,
    _describe,
    _fail,
    _message,
    _private,
    _reference,
    _require_same,
)
from autograder.ulp import ulp_distance


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
    array, a 3-D integer array and a 1-D float16 array (float16 gives
    float64 under the dtype rule, so it must be computed in float64 too).
    Each result must have the input's
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
    hint = hint or HINTS.get((name, "shapes"), SHAPES_HINT)
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
        sample.astype(np.float16),
    ]
    expected_func = _reference(name)
    for x in cases:
        before = np.array(x, copy=True)
        expected = expected_func(_private(x))
        got = _call(func, name, x, hint)
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
    units in the last place of the exact value, computed with mpmath
    (:mod:`autograder.exact`) for the functions it knows and finite inputs,
    and of the reference otherwise (nan where the reference is nan); and
    the call must emit no warning, even if the learner's session has
    silenced NumPy's floating-point warnings.

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
        # From a copy taken before the call: what the learner's function does
        # to its argument cannot change what it is compared with.
        private = _private(x)
        expected = _expected_exactly(name, expected_func, _private(x))
        got = _call(func, name, x, hint, forbid_warnings=True)
        x = private
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


def _expected_exactly(name, expected_func, x):
    """The correctly rounded value where mpmath knows ``name``; else the reference.

    A tolerance in ULP is only as good as the value it is measured from: the
    reference itself may be a few ULP off (gelu's left tail), which would
    mark a correct learner down. Infinities and nan take the reference's
    limits, which are exact.
    """
    expected = expected_func(x)
    if name not in _exact.FUNCTIONS:
        return expected
    finite = np.isfinite(x)
    if not np.any(finite):
        return expected
    exactly = _exact.exact(name, np.where(finite, x, 0), dtype=np.asarray(x).dtype)
    return np.where(finite, exactly, expected).astype(expected.dtype)[()]


# What exercise 1's notebook promises, clause by clause, and the test cells
# that check each clause (rendered in the instructor's guide; a test fails
# for a clause without a test cell, and for a test cell without a clause).
SIGMOID_CONTRACT = (
    (
        "values",
        "sigmoid, sigmoid_derivative, logit and log_sigmoid follow their "
        "formulas on ordinary inputs (relative 1e-9)",
        (
            "test_sigmoid_values",
            "test_sigmoid_derivative_values",
            "test_logit_values",
            "test_log_sigmoid_values",
        ),
    ),
    (
        "shapes",
        "a Python number, a NumPy scalar or an array of any shape in; the "
        "same shape out",
        (
            "test_sigmoid_shapes",
            "test_sigmoid_derivative_shapes",
            "test_logit_shapes",
            "test_log_sigmoid_shapes",
        ),
    ),
    (
        "dtypes",
        "float32 in gives float32 out; any other real input (Python int and "
        "float, int64, float16, float64) gives float64",
        (
            "test_sigmoid_shapes",
            "test_sigmoid_derivative_shapes",
            "test_logit_shapes",
            "test_log_sigmoid_shapes",
        ),
    ),
    (
        "mutation",
        "the input array is never modified",
        (
            "test_sigmoid_shapes",
            "test_sigmoid_derivative_shapes",
            "test_logit_shapes",
            "test_log_sigmoid_shapes",
        ),
    ),
    (
        "warnings",
        "no NumPy warning for any input, even where the learner's session "
        "has silenced NumPy",
        (
            "test_sigmoid_extremes",
            "test_sigmoid_derivative_extremes",
            "test_logit_edges",
            "test_log_sigmoid_extremes",
        ),
    ),
    (
        "special values",
        "nan gives nan; +-inf give the limits; logit(0) = -inf, logit(1) = "
        "+inf, and nan for p outside [0, 1] (+-inf included)",
        (
            "test_sigmoid_extremes",
            "test_sigmoid_derivative_extremes",
            "test_logit_edges",
            "test_log_sigmoid_extremes",
        ),
    ),
    (
        "accuracy",
        "within 4 ULP of the exact value (mpmath) at extreme inputs such as "
        "+-1000, subnormal results included, in float64 and float32",
        (
            "test_sigmoid_extremes",
            "test_sigmoid_derivative_extremes",
            "test_logit_edges",
            "test_log_sigmoid_extremes",
        ),
    ),
    (
        "accuracy",
        "logit within 4 ULP next to p = 1/2 (both sides) and next to 1",
        ("test_logit_near_half", "test_logit_edges"),
    ),
)
