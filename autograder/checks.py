"""Checks that compare a learner's function with the reference.

Each check either returns quietly or raises :class:`CheckFailure`, whose
message names the input that failed, the expected value, the value that came
back, and a hint. nbgrader counts any exception in a graded cell as a failed
test, so these are what the exercise notebooks' test cells call.

The checks shared by every exercise (and exercise 1's) come first, then one
block per exercise, 2 to 5, each with its own hints. The learner's code is
called exactly as written: exceptions it raises and warnings it emits are
reported, not swallowed.
"""

import contextlib
import importlib.util
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

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


# Exercise 2: vanishing gradients
#
# The learner's backpropagation is called with small random networks built
# here from plain specifications (sizes and seeds), so a test cell reads as
# the list of cases it tries. The reference is autograder.reference.gradients.

__all__ += ["check_gradients"]

HINTS.update(
    {
        ("layer_forward", "values"): (
            "A = sigma(X @ W + b): one row per example, b added to every row."
        ),
        ("layer_forward", "stability"): (
            "np.exp(-z) overflows once z is below about -709 (float64) or -88 "
            "(float32). Compute sigma with exp(-|z|) and np.where, as in "
            "exercise 1."
        ),
        ("layer_backward", "values"): (
            "With Z = X @ W + b and A = sigma(Z): dZ = dA * A * (1 - A) (the "
            "sigma' factor), dX = dZ @ W.T, dW = X.T @ dZ, db = dZ.sum(axis=0)."
        ),
        ("layer_backward", "stability"): (
            "Recompute A = sigma(Z) with a sigmoid that cannot overflow "
            "(exp(-|z|) and np.where), then sigma'(Z) = A * (1 - A)."
        ),
        ("layer_backward", "mutation"): (
            "dA *= ... or dA[...] = ... writes into the caller's array. Make a "
            "new array instead: dZ = dA * (A * (1 - A))."
        ),
        ("mlp_gradients", "values"): (
            "Run the forward pass keeping every layer's input. The loss is the "
            "MEAN cross-entropy, so the last layer's dZ is (sigma(z) - y) / n. "
            "Then go back layer by layer with layer_backward, passing each "
            "layer's dX on as the dA of the layer below."
        ),
        ("mlp_gradients", "stability"): (
            "Work from the score z: the derivative of softplus(z) - y*z is "
            "sigma(z) - y. Going through the probability p = sigma(z) divides "
            "by p or 1 - p, which are exactly 0 once the output saturates."
        ),
        ("numerical_gradient", "values"): (
            "Central differences: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) "
            "for every entry i, with the eps passed in. One-sided differences "
            "(f(x + eps e_i) - f(x)) / eps are much less accurate."
        ),
        ("numerical_gradient", "mutation"): (
            "xp = x does not copy. Perturb a copy, e.g. "
            "point = x.astype(np.float64), and change one entry of it at a time."
        ),
        ("gradient_ratio", "values"): (
            "np.linalg.norm(dW) of the FIRST layer's dW divided by that of the "
            "LAST layer's dW; grads[0][0] and grads[-1][0]."
        ),
    }
)

GRADIENT_TYPES_HINT = (
    "Keep float32 input in float32: NumPy does, as long as you do not convert "
    "with np.float64, dtype=float or np.asarray(..., float). Return arrays "
    "shaped like the reference: dX like X, dW like W, db like b."
)

GRADIENT_ASPECTS = ("values", "types", "stability", "mutation")

# f(x) for numerical_gradient's checks. Each is a sum over the entries, so
# the exact gradient is known entry by entry.
NUMERICAL_TEST_FUNCTIONS = {
    "cubes": ("f(x) = sum(x**3)", lambda v: float(np.sum(v**3))),
    "sines": ("f(x) = sum(sin(3 x))", lambda v: float(np.sum(np.sin(3 * v)))),
    "softplus": (
        "f(x) = sum(log(1 + exp(2 x)))",
        lambda v: float(np.sum(np.logaddexp(0, 2 * v))),
    ),
}


def check_gradients(func, name, aspect, cases, *, hint=None):
    """Check one of exercise 2's functions on small random networks.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        One of ``'layer_forward'``, ``'layer_backward'``, ``'mlp_gradients'``,
        ``'numerical_gradient'``, ``'gradient_ratio'``.
    aspect : {'values', 'types', 'stability', 'mutation'}
        What to check:

        - ``'values'``: float64 arguments; every returned array within a
          relative 1e-7 of the reference (measured against the array's
          largest entry), 1e-6 for ``numerical_gradient``;
        - ``'types'``: float64 and float32 arguments; the result has the
          reference's structure, shapes and dtypes (values are not checked);
        - ``'stability'``: weights and inputs so large that every sigmoid
          saturates, in float64 and float32; no warning, finite results within
          1e-6 (float64) or 1e-3 (float32) of the reference, measured against
          the largest gradient entry of the whole result;
        - ``'mutation'``: the arguments are unchanged after the call.
    cases : list of tuple
        Plain specifications of the arguments. ``layer_forward`` and
        ``layer_backward``: ``(n, d_in, d_out, seed)``. ``mlp_gradients`` and
        ``gradient_ratio``: ``(n, widths, seed)``, ``widths`` ending in 1.
        ``numerical_gradient``: ``(function, shape, seed, eps)``, ``function``
        a key of :data:`NUMERICAL_TEST_FUNCTIONS` and ``eps`` None for the
        default.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case that fails.

    Examples
    --------
    >>> from autograder.checks import check_gradients
    >>> from autograder.reference import layer_forward
    >>> check_gradients(layer_forward, "layer_forward", "values", [(4, 3, 2, 0)])
    >>> def no_bias(X, W, b):
    ...     return 1 / (1 + np.exp(-(X @ W)))
    >>> check_gradients(no_bias, "layer_forward", "values", [(2, 1, 1, 0)])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: layer_forward(X, W, b) returned the wrong value.
      input:    X (2, 1) float64, W (1, 1) float64, b (1,) float64 (case (2, 1, 1, 0))
    ...
    Hint: A = sigma(X @ W + b): one row per example, b added to every row.
    """
    if aspect not in GRADIENT_ASPECTS:
        raise ValueError(f"aspect must be one of {GRADIENT_ASPECTS}, got {aspect!r}.")
    if hint is None:
        hint = GRADIENT_TYPES_HINT if aspect == "types" else HINTS[(name, aspect)]
    expected_func = _reference(name)
    dtypes = [np.float64] if aspect in ("values", "mutation") else DTYPES_BOTH
    for spec in cases:
        for dtype in dtypes:
            args = _gradient_arguments(name, spec, dtype, aspect == "stability")
            before = _copied(list(args))
            expected = expected_func(*_copied(list(args)))
            got = _call(
                lambda a: func(*a),
                name,
                args,
                hint,
                forbid_warnings=aspect == "stability",
            )
            if aspect == "mutation":
                _require_unchanged(name, args, before, hint)
            else:
                _compare_gradients(name, args, expected, got, aspect, dtype, hint)


DTYPES_BOTH = (np.float64, np.float32)


class _GradientArguments(tuple):
    """A learner function's arguments, shown in messages by a description."""

    def __new__(cls, values, description, labels):
        self = super().__new__(cls, values)
        self.description = description
        self.labels = labels
        return self

    def __repr__(self):
        return self.description


def _gradient_arguments(name, spec, dtype, saturate):
    """Build the arguments for ``name`` from a plain case specification."""
    if name == "numerical_gradient":
        key, shape, seed, eps = spec
        text, f = NUMERICAL_TEST_FUNCTIONS[key]
        x = np.random.default_rng(seed).uniform(-1.5, 1.5, size=shape).astype(dtype)
        values = (f, x) if eps is None else (f, x, eps)
        shown = f"f: {text}, x {_dims(x)}" + ("" if eps is None else f", eps={eps}")
        return _GradientArguments(values, f"{shown} (case {spec})", ["f", "x", "eps"])
    if name in ("layer_forward", "layer_backward"):
        n, d_in, d_out, seed = spec
        widths = (d_in, d_out)
    else:
        n, widths, seed = spec
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, widths[0]))
    if saturate:
        # Rows from tiny to huge: some units stay in the linear range, the
        # rest saturate far past where exp(-z) overflows.
        # Each row also negated, so that scores of both signs occur.
        X *= np.logspace(-2, 3, n)[:, None]
        X = np.concatenate([X, -X])
    scale = 1000.0 if saturate and name == "mlp_gradients" else 1.0
    weights = [
        rng.normal(scale=scale / np.sqrt(d_in), size=(d_in, d_out))
        for d_in, d_out in zip(widths[:-1], widths[1:], strict=True)
    ]
    biases = [rng.normal(scale=0.5, size=d_out) for d_out in widths[1:]]
    X, weights, biases = _cast(X, dtype), _cast(weights, dtype), _cast(biases, dtype)
    if name == "layer_forward":
        values, labels = (X, weights[0], biases[0]), ["X", "W", "b"]
    elif name == "layer_backward":
        dA = _cast(rng.normal(size=(len(X), widths[1])), dtype)
        values, labels = (dA, X, weights[0], biases[0]), ["dA", "X", "W", "b"]
    else:
        y = _cast(rng.integers(0, 2, size=len(X)).astype(np.float64), dtype)
        if name == "mlp_gradients":
            values, labels = (X, y, weights, biases), ["X", "y", "weights", "biases"]
        else:
            grads = reference.mlp_gradients(X, y, weights, biases)
            values, labels = (grads,), ["grads"]
    shown = ", ".join(
        f"{label} {_dims(value)}" for label, value in zip(labels, values, strict=True)
    )
    return _GradientArguments(values, f"{shown} (case {spec})", labels)


def _copied(value):
    """A copy of ``value``'s arrays, inside the same lists and tuples."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copied(v) for v in value)
    return value  # f, eps


def _arrays_in(value):
    """Every array in ``value``, looking inside lists and tuples."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _arrays_in(v)


def _cast(value, dtype):
    if isinstance(value, list):
        return [v.astype(dtype) for v in value]
    return value.astype(dtype)


def _dims(value):
    """'(3, 2) float64' for an array, 'list of 3 arrays' for a list."""
    if isinstance(value, np.ndarray):
        return f"{value.shape} {value.dtype}"
    if isinstance(value, list):
        return f"(list of {len(value)})"
    return repr(value)


def _flatten(name, value):
    """Label and value of each array in a result of ``name``'s shape."""
    if name == "layer_backward":
        return [("dX", value[0]), ("dW", value[1]), ("db", value[2])]
    if name == "mlp_gradients":
        out = []
        for layer, (dW, db) in enumerate(value, start=1):
            out += [(f"dW of layer {layer}", dW), (f"db of layer {layer}", db)]
        return out
    return [("the result", value)]


def _structure_error(name, expected, got):
    """Why ``got`` cannot be read like ``expected``, or None if it can."""
    if name == "layer_backward":
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            return "expected a tuple (dX, dW, db)"
    if name == "mlp_gradients":
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected a list of {len(expected)} (dW, db) pairs, one per layer"
        if any(not isinstance(p, (tuple, list)) or len(p) != 2 for p in got):
            return "expected every entry of the list to be a pair (dW, db)"
    if name == "gradient_ratio" and np.ndim(got) != 0:
        return "expected a single number"
    return None


def _compare_gradients(name, args, expected, got, aspect, dtype, hint):
    headline = f"{name}({', '.join(args.labels[: len(args)])})"
    problem = _structure_error(name, expected, got)
    if problem:
        raise CheckFailure(
            _message(
                f"{headline} returned {type(got).__name__}: {problem}.",
                [("input", args), ("got", _short_repr(got))],
                hint,
            )
        )
    pairs = list(zip(_flatten(name, expected), _flatten(name, got), strict=True))
    if aspect == "stability":
        rtol = 1e-6 if dtype == np.float64 else 1e-3
        largest = max(np.max(np.abs(e), initial=0.0) for (_, e), _ in pairs)
    else:
        rtol = 1e-6 if name == "numerical_gradient" else 1e-7
    for (label, want), (_, have) in pairs:
        have_array = np.asarray(have)
        if aspect == "types":
            for what in ("shape", "dtype"):
                wanted, came = getattr(want, what, None), getattr(have_array, what)
                if name == "gradient_ratio":
                    break  # a Python float or a NumPy scalar are both fine
                if wanted != came:
                    raise CheckFailure(
                        _message(
                            f"{headline} returned the wrong {what} for {label}.",
                            [
                                ("input", args),
                                ("expected", f"{what} {wanted}"),
                                ("got", f"{what} {came}"),
                            ],
                            hint,
                        )
                    )
            continue
        scale = largest if aspect == "stability" else np.max(np.abs(want), initial=0)
        try:
            have_values = have_array.astype(np.float64)
            fits = have_values.shape == np.shape(want) and bool(
                np.all(np.abs(have_values - want) <= rtol * scale)
            )
        except (TypeError, ValueError):
            fits = False
        if not fits:
            what = "" if label == "the result" else f" for {label}"
            raise CheckFailure(
                _message(
                    f"{headline} returned the wrong value{what}.",
                    [
                        ("input", args),
                        ("expected", want),
                        ("got", have),
                        ("", f"(tolerance: {rtol:g} of the largest entry)"),
                    ],
                    hint,
                )
            )


def _require_unchanged(name, args, before, hint):
    for label, now, then in zip(args.labels, args, before, strict=False):
        for a, b in zip(_arrays_in(now), _arrays_in(then), strict=True):
            if not np.array_equal(a, b):
                raise CheckFailure(
                    _message(
                        f"{name} changed its argument {label}.",
                        [("input", args), ("before", b), ("after", a)],
                        hint,
                    )
                )


def _short_repr(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Exercise 3: activations
# ---------------------------------------------------------------------------
# check_values, check_shapes and check_extremes above serve the elementwise
# functions of exercise 3 too; check_arrays adds the functions with options
# (softmax's axis, leaky_relu's alpha) or several arguments (lstm_step).

HINTS.update(
    {
        ("tanh_from_sigmoid", "values"): (
            "tanh(x) = 2 * sigma(2x) - 1: the factor 2 goes both inside and "
            "outside the sigmoid."
        ),
        ("tanh_from_sigmoid", "extremes"): (
            "2 * sigma(2x) - 1 subtracts two nearly equal numbers near 0 and "
            "keeps only rounding error. Written out it is (1 - e) / (1 + e) with "
            "e = exp(-2x); for x >= 0 compute 1 - e as -np.expm1(-2x), and use "
            "tanh(-x) = -tanh(x) for the negative half, so exp never overflows."
        ),
        ("relu", "values"): "relu(x) = max(x, 0), elementwise: np.maximum.",
        ("relu", "extremes"): (
            "nan must stay nan: np.maximum(x, 0) keeps it, while "
            "np.where(x > 0, x, 0) turns it into 0."
        ),
        ("relu_derivative", "values"): (
            "The slope is 1 for x > 0 and 0 for x < 0. At x = 0 ReLU has no "
            "derivative; Keras and TensorFlow use 0 there, and so do we."
        ),
        ("relu_derivative", "extremes"): (
            "nan must give nan (the comparison x > 0 is False for nan, so "
            "handle it with np.isnan), and the infinities give 0 and 1."
        ),
        ("leaky_relu", "values"): (
            "leaky_relu(x, alpha) = x for x >= 0 and alpha * x below; use the "
            "alpha argument, not a fixed number."
        ),
        ("leaky_relu", "extremes"): "nan must stay nan; -inf gives -inf.",
        ("gelu", "values"): (
            "gelu(x) = x * Phi(x) with Phi(x) = (1 + erf(x / sqrt(2))) / 2, the "
            "exact erf form; x/2 * (1 + tanh(...)) is only an approximation, off "
            "by up to about 1e-3. NumPy has no erf, but math.erf and math.erfc "
            "do, one number at a time."
        ),
        ("gelu", "extremes"): (
            "For x below about -8, 1 + erf(x / sqrt(2)) cancels to exactly 0 "
            "although Phi(x) is still about 1e-16 or larger. "
            "Phi(x) = erfc(-x / sqrt(2)) / 2 has no cancellation."
        ),
        ("silu", "values"): "silu(x) = x * sigma(x), the sigmoid as a gate on x.",
        ("silu", "extremes"): (
            "x / (1 + exp(-x)) overflows in exp for x below about -709 (and "
            "warns). Multiply x by a sigmoid that never overflows, the one from "
            "exercise 1."
        ),
        ("softmax", "values"): (
            "softmax(z)_i = exp(z_i) / sum_j exp(z_j), where the sum runs along "
            "`axis` only (np.sum(..., axis=axis, keepdims=True)), so that every "
            "slice along that axis sums to 1."
        ),
        ("softmax", "extremes"): (
            "exp(1000) overflows to inf, and inf / inf is nan. Softmax does not "
            "change when a constant is added to every score: subtract "
            "np.max(z, axis=axis, keepdims=True) first, so every exponent is at "
            "most 0. A slice holding nan must give nan."
        ),
        ("log_softmax", "values"): (
            "log_softmax(z) = z - log(sum(exp(z))), the sum along `axis` with "
            "keepdims=True."
        ),
        ("log_softmax", "extremes"): (
            "log(softmax(z)) is -inf once softmax underflows to 0. With "
            "m = max(z) along the axis, log_softmax(z) = (z - m) - "
            "log(sum(exp(z - m))): nothing overflows and nothing is -inf."
        ),
        ("lstm_step", "values"): (
            "z = x @ kernel + h @ recurrent_kernel + bias, split into four "
            "blocks of `units` columns in Keras's order: input gate, forget "
            "gate, candidate, output gate. i, f, o are sigmoids and the "
            "candidate a tanh; c_new = f * c + i * g, h_new = o * tanh(c_new); "
            "return (h_new, c_new)."
        ),
    }
)

# The five tasks of the exercise's question: the answers accepted (in
# lower case, words joined by underscores) and why.
ACTIVATION_TASKS = {
    "multi_label_tagging": (
        {"sigmoid", "logistic"},
        "Each tag is its own yes/no question and a photo can carry several "
        "tags, so each output unit needs its own probability: one sigmoid per "
        "tag. Softmax would force the tags to compete for a total of 1.",
    ),
    "digit_classification": (
        {"softmax"},
        "Each image shows exactly one of ten digits: the outputs are one "
        "probability distribution, which softmax makes them (they sum to 1).",
    ),
    "lstm_gate": (
        {"sigmoid", "logistic"},
        "A gate multiplies a signal by a number between 0 (block) and 1 "
        "(pass): the sigmoid's range. That is Keras's recurrent_activation.",
    ),
    "deep_hidden_layer": (
        {"relu", "leaky_relu", "gelu", "elu", "silu", "swish", "selu"},
        "Deep hidden layers need slopes that do not shrink layer after "
        "layer: ReLU or one of its successors (Leaky ReLU, ELU, GELU, SiLU). "
        "The sigmoid's slope is at most 1/4.",
    ),
    "regression_output": (
        {"linear", "identity", "none"},
        "A price can be any real number: a squashing activation would cap "
        "the predictions. The output unit stays linear (no activation).",
    ),
}


def check_arrays(
    func, name, cases, *, rtol=1e-10, atol=0.0, aspect="values", hint=None
):
    """Check a function with options or several array arguments.

    Each case is called as ``func(*args, **kwargs)`` and as the reference
    with the same arguments. Every result (or every item of a tuple result)
    must have the reference's shape and dtype and agree to ``rtol`` (at
    least 100 machine epsilons of its dtype) and ``atol``, with ``nan``
    where the reference has ``nan``. The call must emit no warning and leave
    its array arguments unchanged.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    cases : iterable of (tuple, dict)
        Positional and keyword arguments, one pair per call.
    rtol, atol : float
        Tolerances.
    aspect : str, default 'values'
        Which of the function's hints in :data:`HINTS` to give on failure.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case that fails.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_arrays
    >>> def softmax(z, axis=-1):
    ...     e = np.exp(z)
    ...     return e / e.sum(axis=axis, keepdims=True)
    >>> check_arrays(softmax, "softmax", [(([1.0, 2.0],), {})])
    >>> check_arrays(softmax, "softmax", [(([1000.0, 0.0],), {})], aspect="extremes")
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: softmax([1000.0, 0.0]) emitted a warning.
      input:    [1000.0, 0.0]
      expected: no warning
      got:      RuntimeWarning: overflow encountered in exp
    Hint: exp(1000) overflows ...
    """
    hint = hint or HINTS[(name, aspect)]
    expected_func = _reference(name)
    for args, kwargs in cases:
        before = [np.array(a, copy=True) for a in args]
        shown = (
            args[0] if len(args) == 1 and not kwargs else _CallArguments(args, kwargs)
        )
        got = _call(
            lambda _, a=args, k=kwargs: func(*a, **k),
            name,
            shown,
            hint,
            forbid_warnings=True,
        )
        for original, copy in zip(args, before, strict=True):
            if isinstance(original, np.ndarray) and not np.array_equal(
                original, copy, equal_nan=True
            ):
                raise CheckFailure(
                    _message(
                        f"{name}({_describe(shown)}) changed its input.",
                        [("before", copy), ("after", original)],
                        hint,
                    )
                )
        expected = expected_func(*args, **kwargs)
        _compare_results(name, shown, expected, got, rtol, atol, hint)


def check_lstm_step(func, *, batch, features, units, seed, dtype=np.float64):
    """Check one LSTM step against the reference on random weights.

    Draws ``x``, ``h``, ``c`` and Keras-shaped weights from a seeded
    generator and compares ``func(x, h, c, kernel, recurrent_kernel, bias)``
    with :func:`autograder.reference.lstm_step`. If the result matches the
    reference with the four gate blocks in another order, the feedback says
    which order the learner's code used.

    Parameters
    ----------
    func : callable
        The learner's function.
    batch, features, units : int
        Shapes of the arrays.
    seed : int
        Seed of the random weights.
    dtype : {numpy.float64, numpy.float32}
        Precision of every argument.

    Raises
    ------
    CheckFailure
        If the result is wrong, or the call fails, warns or changes its input.
    """
    rng = np.random.default_rng(seed)
    shapes = [
        (batch, features),
        (batch, units),
        (batch, units),
        (features, 4 * units),
        (units, 4 * units),
        (4 * units,),
    ]
    args = tuple(rng.normal(0, 1, shape).astype(dtype) for shape in shapes)
    try:
        check_arrays(func, "lstm_step", [(args, {})], rtol=1e-6, atol=1e-9)
    except CheckFailure as failure:
        order = _gate_order(func, args)
        if order is None:
            raise
        raise CheckFailure(
            f"{failure}\nYour result matches the gates taken in the order "
            f"{order}; Keras stores them as input, forget, candidate, output."
        ) from None


def check_activation_choices(func, tasks):
    """Check the learner's choice of activation for some of the five tasks.

    ``func()`` must return a dict mapping every task name in
    :data:`ACTIVATION_TASKS` to the name of an activation (a string, as
    Keras spells it; case, spaces and hyphens do not matter). Only the tasks
    in ``tasks`` are graded; a wrong answer is reported with the reason for
    the right one.

    Raises
    ------
    CheckFailure
        If the result is not such a dict, or an answer is wrong.

    Examples
    --------
    >>> from autograder.checks import check_activation_choices
    >>> def choose_activations():
    ...     return {"multi_label_tagging": "softmax"}
    >>> check_activation_choices(choose_activations, ["multi_label_tagging"])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: choose_activations() is missing tasks.
    ...
    """
    name = "choose_activations"
    hint = "Return the dict described in the exercise, one entry per task."
    got = _call(lambda _: func(), name, _CallArguments((), {}), hint)
    if not isinstance(got, dict):
        raise CheckFailure(
            _message(
                f"{name}() returned {type(got).__name__}, not a dict.",
                [("expected", "a dict from task name to activation name")],
                "Return a dict such as {'lstm_gate': 'tanh', ...} with one "
                "entry per task.",
            )
        )
    missing = sorted(set(ACTIVATION_TASKS) - set(got))
    if missing:
        raise CheckFailure(
            _message(
                f"{name}() is missing tasks.",
                [("expected", sorted(ACTIVATION_TASKS)), ("missing", missing)],
                "Give an activation for every task, spelled as the keys above.",
            )
        )
    for task in tasks:
        accepted, reason = ACTIVATION_TASKS[task]
        answer = got[task]
        if not isinstance(answer, str):
            raise CheckFailure(
                _message(
                    f"{name}()[{task!r}] is not a string but {type(answer).__name__}.",
                    [("expected", "a name such as 'relu'"), ("got", repr(answer))],
                    "Name the activation as a string, as Keras spells it.",
                )
            )
        normal = answer.strip().lower().replace("-", "_").replace(" ", "_")
        if normal not in accepted:
            raise CheckFailure(
                _message(
                    f"{name}()[{task!r}] is not the activation to use.",
                    [
                        ("task", task),
                        ("expected", " or ".join(sorted(accepted))),
                        ("got", repr(answer)),
                    ],
                    reason,
                )
            )


class _CallArguments:
    """Several arguments, shown in feedback as a short call signature."""

    def __init__(self, args, kwargs):
        self.args, self.kwargs = args, kwargs

    def __repr__(self):
        parts = [_brief(a) for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return ", ".join(parts)


def _brief(value):
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"<array {value.shape} {value.dtype}>"
    return repr(value)


def _compare_results(name, shown, expected, got, rtol, atol, hint):
    """Fail unless ``got`` matches ``expected`` (an array or a tuple of them)."""
    call = f"{name}({_describe(shown)})"
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise CheckFailure(
                _message(
                    f"{call} returned the wrong kind of result.",
                    [
                        ("expected", f"a tuple of {len(expected)} arrays"),
                        ("got", type(got).__name__),
                    ],
                    hint,
                )
            )
        items = [
            (f"item {k} of the result", e, g)
            for k, (e, g) in enumerate(zip(expected, got, strict=True))
        ]
    else:
        items = [("the result", expected, got)]
    for which, want, have in items:
        have = np.asarray(have)
        for what in ("shape", "dtype"):
            if getattr(have, what) != getattr(want, what):
                raise CheckFailure(
                    _message(
                        f"{call}: {which} has the wrong {what}.",
                        [
                            ("expected", f"{what} {getattr(want, what)}"),
                            ("got", f"{what} {getattr(have, what)}"),
                        ],
                        hint,
                    )
                )
        tolerance = max(rtol, 100 * np.finfo(want.dtype).eps)
        if not np.allclose(have, want, rtol=tolerance, atol=atol, equal_nan=True):
            raise CheckFailure(
                _message(
                    f"{call}: {which} has the wrong value.",
                    [("input", shown), ("expected", want), ("got", have)],
                    hint,
                )
            )


def _gate_order(func, args):
    """The order of gate blocks under which the reference matches ``func``."""
    import itertools

    x, h, c, kernel, recurrent_kernel, bias = args
    units = h.shape[1]
    names = ["input", "forget", "candidate", "output"]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            got = [np.asarray(v, dtype=np.float64) for v in func(*args)]
    except Exception:
        return None
    for order in itertools.permutations(range(4)):
        if order == (0, 1, 2, 3):
            continue
        # The learner reads block k as gate order[k]: put Keras's block for
        # that gate where the learner looks for it.
        cols = np.concatenate(
            [np.arange(units) + units * order.index(k) for k in range(4)]
        )
        permuted = (x, h, c, kernel[:, cols], recurrent_kernel[:, cols], bias[cols])
        want = reference.lstm_step(*permuted)
        if len(got) == 2 and all(
            g.shape == w.shape and np.allclose(g, w, rtol=1e-6, atol=1e-9)
            for g, w in zip(got, want, strict=True)
        ):
            return ", ".join(names[k] for k in order)
    return None


# Exercise 4: Keras binary classification
#
# The checks below import Keras (and so TensorFlow) inside the functions,
# so that `import autograder.checks` stays fast for the other exercises.
# check_build_model, check_model_learns and check_predict_labels work on
# Keras models: the first two on the model the learner's build_model
# returns, the third hands the learner's predict_labels a model it builds.

__all__ += [
    "check_loss",
    "check_build_model",
    "check_model_learns",
    "check_predict_labels",
    "check_fix_labels",
    "check_fix_labels_rejects",
]

HINTS.update(
    {
        ("binary_cross_entropy", "values"): (
            "The loss is the mean over the examples of "
            "-(y * log(p) + (1 - y) * log(1 - p)): use np.mean, not np.sum."
        ),
        ("binary_cross_entropy", "extremes"): (
            "At p = 0 or p = 1 one logarithm is -inf, and 0 * -inf is nan. "
            "Clip p to [epsilon, 1 - epsilon] with np.clip before taking "
            "logarithms, as Keras does."
        ),
        ("binary_cross_entropy_from_logits", "values"): (
            "With p = sigmoid(z): -log(p) = log(1 + exp(-z)) and "
            "-log(1 - p) = log(1 + exp(z)); take the mean over the examples."
        ),
        ("binary_cross_entropy_from_logits", "extremes"): (
            "np.exp(1000) overflows, and sigmoid(z) rounds to exactly 0 or 1 "
            "long before that. Never form the probability: the loss of one "
            "example is max(z, 0) - z * y + log1p(exp(-|z|)), whose exp "
            "never sees a positive argument."
        ),
        ("build_model", "structure"): (
            "End with keras.layers.Dense(1, activation='sigmoid') and compile "
            "with loss='binary_crossentropy', or end with Dense(1) and use "
            "keras.losses.BinaryCrossentropy(from_logits=True). Start with "
            "keras.Input(shape=(n_features,))."
        ),
        ("build_model", "learns"): (
            "A small hidden layer (8 to 32 ReLU units) and Adam with its "
            "default learning rate are enough. Check the output unit and the "
            "loss first (the structure test)."
        ),
        ("predict_labels", "values"): (
            "p = model.predict(X, verbose=0) has shape (n, 1): take p[:, 0] "
            "(not np.squeeze, which turns one example into a scalar), then "
            "(p >= threshold).astype(int)."
        ),
        ("fix_labels", "values"): (
            "Return a float32 array of shape (n,) of 0.0 and 1.0. One-hot "
            "rows [1, 0] and [0, 1] mean classes 0 and 1 (take column 1); "
            "reshape (n, 1) to (n,); compare strings after .strip().lower()."
        ),
        ("fix_labels", "errors"): (
            "Check what you were given before converting it, and raise "
            "ValueError('...') with a message that says what is wrong: other "
            "values than 0 and 1, other words than yes and no, one-hot rows "
            "that are not [1, 0] or [0, 1], other shapes."
        ),
    }
)


def check_loss(func, name, cases, *, aspect="values", hint=None):
    """Check a binary cross-entropy against the reference and against Keras.

    Parameters
    ----------
    func : callable
        The learner's loss, called as ``func(y_true, values)`` with two
        float64 arrays of shape ``(n,)``.
    name : {'binary_cross_entropy', 'binary_cross_entropy_from_logits'}
        Which loss: probabilities or scores (logits).
    cases : iterable of (sequence, sequence)
        Pairs of labels and probabilities (or scores).
    aspect : {'values', 'extremes'}, default 'values'
        Which hint to give on failure.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case whose loss is not a finite number within 1e-9
        (relative) of the reference and 1e-6 of Keras, or that warned.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_loss
    >>> def naive(y, p):
    ...     return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    >>> check_loss(naive, "binary_cross_entropy", [([1, 0], [0.9, 0.2])])
    >>> check_loss(naive, "binary_cross_entropy", [([1, 0], [0.0, 0.2])])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: binary_cross_entropy(...) emitted a warning.
    ...
      got:      RuntimeWarning: divide by zero encountered in log
    ...
    """
    keras = _keras()
    from_logits = name.endswith("from_logits")
    expected_func = _reference(name)
    hint = hint or HINTS[(name, aspect)]
    second = "z" if from_logits else "p"
    for y, values in cases:
        y = np.asarray(y, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        label = f"y_true={_show(y)}, {second}={_show(values)}"
        got = _call(_with(func, y.copy(), values.copy()), name, label, hint, True)
        expected = expected_func(y, values)
        theirs = float(
            keras.losses.binary_crossentropy(y, values, from_logits=from_logits)
        )
        got_array = np.asarray(got)
        _require_same(name, label, "shape", (), got_array.shape, hint)
        close = _close(got, expected, rtol=1e-9) and _close(got, theirs, rtol=1e-6)
        if not close:
            rows = [("expected", expected), ("Keras", theirs), ("got", got)]
            raise CheckFailure(
                _message(f"{name}({label}) returned the wrong value.", rows, hint)
            )


def check_build_model(build_model, n_features):
    """Check that ``build_model(n_features)`` is a compiled binary classifier.

    The model must take ``n_features`` inputs, end in one unit, and its
    output activation and loss must agree: sigmoid with binary
    cross-entropy on probabilities, or a linear output with
    ``BinaryCrossentropy(from_logits=True)``.

    Raises
    ------
    CheckFailure
        Naming what is wrong, for example "the last layer has 2 units" or
        "sigmoid output with from_logits=True".
    """
    keras = _keras()
    hint = HINTS[("build_model", "structure")]
    keras.utils.set_random_seed(0)
    model = _call(lambda n: build_model(n), "build_model", n_features, hint)
    fail = _model_failure(f"build_model({n_features})", hint)
    if not isinstance(model, keras.Model):
        fail(f"returned {type(model).__name__}, not a Keras model.")
    if not getattr(model, "compiled", False) or model.optimizer is None:
        fail("returned a model that is not compiled: call model.compile(...).")
    try:
        input_shape = tuple(model.inputs[0].shape)
        output_shape = tuple(model.outputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        fail("returned a model without a known input shape: start it with Input.")
    if input_shape != (None, n_features):
        fail(
            f"returned a model whose input shape is {input_shape}; it should "
            f"be {(None, n_features)}."
        )
    if len(output_shape) != 2 or output_shape[-1] != 1:
        fail(
            f"the last layer has {output_shape[-1]} units (output shape "
            f"{output_shape}); a binary classifier has one output unit, the "
            "probability (or score) of class 1. Two units with softmax is the "
            "multi-class set-up, with one-hot labels and categorical "
            "cross-entropy."
        )
    activation = getattr(model.layers[-1], "activation", None)
    activation = getattr(activation, "__name__", str(activation))
    loss, from_logits = _loss_kind(keras, model.loss)
    if loss != "binary_crossentropy":
        fail(f"the loss is {loss}; a binary classifier uses binary cross-entropy.")
    if activation == "softmax":
        fail(
            "the last layer is a softmax over one unit, whose output is always "
            "1.0 whatever the input: use activation='sigmoid'."
        )
    if activation == "sigmoid" and from_logits:
        fail(
            "sigmoid output with from_logits=True: the loss would treat "
            "probabilities as scores. Use from_logits=False (the default), or "
            "drop the sigmoid from the last layer."
        )
    if activation == "linear" and not from_logits:
        fail(
            "linear output (scores) with a loss that expects probabilities: "
            "use BinaryCrossentropy(from_logits=True), or "
            "activation='sigmoid'."
        )
    if activation not in ("sigmoid", "linear"):
        fail(
            f"the last layer's activation is {activation}; use 'sigmoid' "
            "(probabilities) or none (scores, with from_logits=True)."
        )


def check_model_learns(build_model, n_features, *, seed, epochs=20, min_auc=0.85):
    """Train ``build_model(n_features)`` on data of its own; check its AUC.

    The data are ``n_features`` standard normal features with labels from a
    noisy linear rule, 400 examples for training and 200 for validation,
    drawn from ``seed``. The model is trained for ``epochs`` epochs in
    batches of 16 with Keras's seed set to ``seed``; the area under the ROC
    curve of its outputs on the validation part must reach ``min_auc``.

    Raises
    ------
    CheckFailure
        If building, training or predicting raises, if the output does not
        have shape (n, 1), or if the AUC falls short.
    """
    from sklearn.metrics import roc_auc_score

    keras = _keras()
    hint = HINTS[("build_model", "learns")]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, n_features)).astype(np.float32)
    weights = rng.normal(size=n_features)
    scores = X @ weights / np.linalg.norm(weights)
    y = (scores + rng.normal(scale=0.3, size=600) > 0).astype(np.float32)
    keras.utils.set_random_seed(seed)
    model = _call(lambda n: build_model(n), "build_model", n_features, hint)
    what = f"the model of build_model({n_features})"
    fail = _model_failure(what, hint)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the structure test reports these
            model.fit(X[:400], y[:400], epochs=epochs, batch_size=16, verbose=0)
            out = np.asarray(model.predict(X[400:], verbose=0))
    except Exception as exc:
        fail(f"could not be trained on labels of shape (400,): {exc}")
    if out.shape not in ((200, 1), (200,)):
        fail(f"returned predictions of shape {out.shape} for 200 examples.")
    if not np.all(np.isfinite(out)):
        fail("returned predictions that are not finite after training.")
    auc = roc_auc_score(y[400:], out.reshape(-1))
    if not auc >= min_auc:
        fail(
            f"reached a validation AUC of {auc:.3f} after {epochs} epochs; "
            f"at least {min_auc} was expected (a correct model reaches it)."
        )


def check_predict_labels(predict_labels):
    """Check ``predict_labels(model, X, threshold=0.5)`` on a known model.

    The model is ``Dense(1, activation='sigmoid')`` with weights (1, -1) and
    bias 0, so its output is exactly 0.5 on rows with equal entries. Labels
    must be 1 where the probability is at least the threshold, as integers
    of shape (n,), also for a single example.

    Raises
    ------
    CheckFailure
        At the first call whose labels are wrong.
    """
    keras = _keras()
    hint = HINTS[("predict_labels", "values")]
    model = keras.Sequential(
        [keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.set_weights([np.array([[1.0], [-1.0]]), np.zeros(1)])
    X = np.array([[0, 0], [2, 0], [0, 2], [0.5, 0], [0, 0.5], [3, 3]], np.float32)
    cases = [(X, None), (X, 0.3), (X, 0.8), (X[1:2], None), (X[2:3], 0.1)]
    for X_case, threshold in cases:
        # Computed here, not with model.predict: a second predict per case
        # would make TensorFlow warn about retracing.
        probability = reference.sigmoid(X_case @ np.float32([1, -1]))
        expected = (probability >= (0.5 if threshold is None else threshold)).astype(
            int
        )
        kwargs = {} if threshold is None else {"threshold": threshold}
        label = f"model, X={_show(X_case)}" + (
            f", threshold={threshold}" if kwargs else ""
        )
        got = _call(
            _with(predict_labels, model, X_case.copy(), **kwargs),
            "predict_labels",
            label,
            hint,
        )
        got_array = np.asarray(got)
        name = "predict_labels"
        _require_same(name, label, "shape", expected.shape, got_array.shape, hint)
        if got_array.dtype.kind not in "iu":
            _require_same(name, label, "dtype", "integer", got_array.dtype, hint)
        if not np.array_equal(got_array, expected):
            rows = [
                ("probabilities", probability),
                ("expected", expected),
                ("got", got_array),
            ]
            raise CheckFailure(
                _message(f"{name}({label}) returned the wrong labels.", rows, hint)
            )


def check_fix_labels(fix_labels, cases):
    """Check ``fix_labels`` against the reference on each labels format.

    The result must be a numeric (not boolean) array of shape (n,) with the
    reference's 0s and 1s, and the input must be left unchanged.
    """
    hint = HINTS[("fix_labels", "values")]
    name = "fix_labels"
    for labels in cases:
        labels = np.asarray(labels)
        before = labels.copy()
        label = _show(labels)
        got = _call(_with(fix_labels, labels), name, label, hint)
        expected = reference.fix_labels(labels)
        if not np.array_equal(labels, before):
            rows = [("before", before), ("after", labels)]
            raise CheckFailure(
                _message(f"{name}({label}) changed its input.", rows, hint)
            )
        got_array = np.asarray(got)
        _require_same(name, label, "shape", expected.shape, got_array.shape, hint)
        if got_array.dtype.kind not in "iuf":
            _require_same(name, label, "dtype", "a number type", got_array.dtype, hint)
        if not np.array_equal(got_array, expected):
            _fail(name, labels, expected, got_array, hint)


def check_fix_labels_rejects(fix_labels, cases):
    """Check that ``fix_labels`` raises ValueError, with a message, on each case."""
    hint = HINTS[("fix_labels", "errors")]
    for labels in cases:
        labels = np.asarray(labels)
        label = _show(labels)
        try:
            got = fix_labels(labels)
        except NotImplementedError:
            _call(_raise_not_implemented, "fix_labels", label, hint)
        except ValueError as exc:
            if not str(exc).strip():
                raise CheckFailure(
                    _message(
                        f"fix_labels({label}) raised ValueError without a message.",
                        [("expected", "a message that says what is wrong")],
                        hint,
                    )
                ) from None
            continue
        except Exception as exc:
            got = f"{type(exc).__name__}: {exc}"
        else:
            got = _show(np.asarray(got))
        raise CheckFailure(
            _message(
                f"fix_labels({label}) did not raise ValueError.",
                [("input", labels), ("expected", "ValueError"), ("got", got)],
                hint,
            )
        )


def _with(func, *args, **kwargs):
    """``func`` with its arguments bound, in the one-argument form of _call."""
    return lambda _: func(*args, **kwargs)


def _raise_not_implemented(_):
    raise NotImplementedError()


def _keras():
    """Keras, imported on first use, with TensorFlow's C++ logging off."""
    import logging
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    # Python-side TensorFlow warnings (retracing notes) would clutter the
    # learner's output; the checks report what matters.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    return keras


def _model_failure(what, hint):
    def fail(problem):
        raise CheckFailure(_message(f"{what}: {problem}", [], hint))

    return fail


def _loss_kind(keras, loss):
    """The loss's name, and whether it expects scores (from_logits)."""
    if isinstance(loss, str):
        loss = keras.losses.get(loss)
    if isinstance(loss, keras.losses.Loss):
        name = type(loss).__name__
        name = "binary_crossentropy" if name == "BinaryCrossentropy" else name
        return name, bool(getattr(loss, "from_logits", False))
    name = getattr(loss, "__name__", repr(loss))
    return name, False


# Exercise 5: thresholds and metrics
#
# The learner's metric functions take plain arguments (1-D arrays of labels
# and scores, Python numbers) and return plain Python numbers or tuples of
# them, so a grader may call them in another process. While they run,
# sklearn.metrics is unavailable: the exercise asks for NumPy alone.


__all__ += ["check_metric", "check_metric_raises", "check_metric_speed"]

HINTS.update(
    {
        ("confusion_counts", "values"): (
            "With t = (y_true == 1) and p = (y_pred == 1): tp counts t & p, "
            "fp counts ~t & p, fn counts t & ~p, tn the rest. Return "
            "(tn, fp, fn, tp) in that order, as ints (int(np.sum(...)))."
        ),
        ("confusion_counts", "errors"): (
            "Check the input before counting: raise ValueError (with a "
            "message saying what is wrong) when the lengths differ or when a "
            "label is neither 0 nor 1, e.g. np.any((y != 0) & (y != 1))."
        ),
        ("precision_recall_fbeta", "values"): (
            "precision = tp / (tp + fp) (of the predicted positives, how many "
            "are right), recall = tp / (tp + fn) (of the real positives, how "
            "many are found), F-beta = (1 + b^2) tp / ((1 + b^2) tp + b^2 fn "
            "+ fp)."
        ),
        ("precision_recall_fbeta", "zero_division"): (
            "A ratio whose denominator is 0 (nothing predicted positive, "
            "nothing positive at all) is zero_division, returned quietly: "
            "test the denominator before dividing, without exceptions or "
            "NumPy warnings."
        ),
        ("roc_auc", "values"): (
            "AUC = P(score of a random positive > score of a random "
            "negative). Rank all scores; the ranks of the positives sum to "
            "U + n_pos (n_pos + 1) / 2, and AUC = U / (n_pos n_neg)."
        ),
        ("roc_auc", "ties"): (
            "A positive and a negative with the same score count 1/2, not 0 "
            "or 1. With ranks, give tied scores the average of the ranks they "
            "span (np.unique with return_inverse and return_counts helps)."
        ),
        ("roc_auc", "one_class"): (
            "With no positives or no negatives no pair exists and the AUC is "
            "undefined: return float('nan'), without dividing by zero."
        ),
        ("roc_auc", "speed"): (
            "Comparing every positive with every negative takes n_pos * n_neg "
            "steps: 10^11 for a million scores. Sort once (O(n log n)) and "
            "use ranks or cumulative counts instead."
        ),
        ("average_precision", "values"): (
            "Sort by score, highest first. At each distinct score k, precision "
            "P_k and recall R_k count everything at or above it; AP = sum of "
            "(R_k - R_{k-1}) * P_k, with R_0 = 0: a step per threshold, not "
            "the trapezoid between points."
        ),
        ("average_precision", "ties"): (
            "Tied scores are one threshold: samples with equal scores enter "
            "together, so take precision and recall only at the last of each "
            "run of equal scores."
        ),
        ("best_threshold", "values"): (
            "Try each distinct score t as the threshold, predicting positive "
            "where scores >= t; cost = cost_fp * FP + cost_fn * FN. Return the "
            "cheapest t, and the largest one among equally cheap ones."
        ),
        ("best_threshold", "costs"): (
            "Weigh the two mistakes: cost = cost_fp * FP + cost_fn * FN. A "
            "costly false negative moves the best threshold down."
        ),
        ("expected_calibration_error", "values"): (
            "Bin b holds p with min(floor(p * n_bins), n_bins - 1) == b. ECE = "
            "sum over non-empty bins of (n_b / n) * |mean(y in b) - mean(p in "
            "b)|."
        ),
        ("expected_calibration_error", "bins"): (
            "Use n_bins equal-width bins on [0, 1]; p = 1.0 belongs to the "
            "last bin, and empty bins add nothing (no mean of an empty bin)."
        ),
    }
)

# Positional arguments of each metric; the rest are passed by keyword.
METRIC_ARGS = {
    "confusion_counts": ("y_true", "y_pred"),
    "precision_recall_fbeta": ("y_true", "y_pred"),
    "roc_auc": ("y_true", "scores"),
    "average_precision": ("y_true", "scores"),
    "best_threshold": ("y_true", "scores"),
    "expected_calibration_error": ("y_true", "probs"),
}


class _SklearnMetricsCalled(BaseException):
    """Raised inside learner code that reaches sklearn.metrics.

    A BaseException, so that a learner's ``except Exception`` cannot hide
    it.
    """


class _OverBudget(BaseException):
    """Raised inside learner code that runs past its time budget."""


def check_metric(func, name, cases, *, aspect="values", exact=False, hint=None):
    """Check a learner's metric against the reference on given inputs.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    cases : list of dict
        Arguments by name. ``y_true`` and the scores (or predictions) are
        passed by position, anything else (``beta``, ``cost_fn``...) by
        keyword.
    aspect : str, default 'values'
        Which of the function's hints in :data:`HINTS` to give. For
        ``'zero_division'`` and ``'one_class'`` the call must also be free
        of warnings.
    exact : bool, default False
        Compare exactly (thresholds are scores, counts are integers);
        otherwise to a relative tolerance of 1e-9, nan matching nan.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case whose result is wrong, of the wrong type, or that
        raised, warned where it must not, or called sklearn.metrics.

    Examples
    --------
    >>> from autograder.checks import check_metric
    >>> def auc(y, s):
    ...     pos = [b for a, b in zip(y, s) if a == 1]
    ...     neg = [b for a, b in zip(y, s) if a == 0]
    ...     return sum(p > n for p in pos for n in neg) / (len(pos) * len(neg))
    >>> check_metric(auc, "roc_auc", [{"y_true": [0, 1], "scores": [0.2, 0.7]}])
    >>> check_metric(
    ...     auc, "roc_auc", [{"y_true": [0, 1], "scores": [0.5, 0.5]}], aspect="ties"
    ... )
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: roc_auc returned the wrong value.
      y_true:   [0 1]
      scores:   [0.5 0.5]
      expected: 0.5
      got:      0.0
    Hint: A positive and a negative with the same score count 1/2, ...
    """
    hint = hint or HINTS[(name, aspect)]
    expected_func = _reference(name)
    quiet = aspect in ("zero_division", "one_class")
    for case in cases:
        got = _call_metric(func, name, case, hint, forbid_warnings=quiet)
        expected = _call_metric(expected_func, name, case, hint)
        _compare_metric(name, case, expected, got, hint, exact=exact)


def check_metric_raises(func, name, cases, *, exception=ValueError, hint=None):
    """Check that the learner's function rejects bad input with ``exception``.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the function, for messages and the default hint.
    cases : list of dict
        Bad arguments, as for :func:`check_metric`.
    exception : type, default ValueError
        The exception each case must raise, with a non-empty message.
    hint : str, optional
        Replaces the default hint, ``HINTS[(name, 'errors')]``.

    Raises
    ------
    CheckFailure
        At the first case that returns, or raises something else.

    Examples
    --------
    >>> from autograder.checks import check_metric_raises
    >>> def counts(y_true, y_pred):
    ...     return 0, 0, 0, 0
    >>> check_metric_raises(
    ...     counts, "confusion_counts", [{"y_true": [0, 2], "y_pred": [0, 1]}]
    ... )
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: confusion_counts returned instead of raising ...
      y_true:   [0 2]
      y_pred:   [0 1]
      expected: ValueError with a message
      got:      (0, 0, 0, 0)
    Hint: Check the input before counting: ...
    """
    hint = hint or HINTS[(name, "errors")]
    expected = f"{exception.__name__} with a message"
    for case in cases:
        args, kwargs = _arguments(name, case)
        try:
            with _without_sklearn_metrics():
                got = func(*args, **kwargs)
        except NotImplementedError:
            raise CheckFailure(_not_implemented_message(name)) from None
        except _SklearnMetricsCalled as exc:
            raise CheckFailure(_sklearn_message(name, case, exc)) from None
        except exception as exc:
            if str(exc).strip():
                continue
            got = f"{type(exc).__name__} without a message"
        except Exception as exc:
            got = f"{type(exc).__name__}: {exc}"
        else:
            headline = f"{name} returned instead of raising {exception.__name__}."
            raise CheckFailure(
                _message(
                    headline,
                    [*_case_rows(case), ("expected", expected), ("got", got)],
                    hint,
                )  # fmt: skip
            )
        raise CheckFailure(
            _message(
                f"{name} did not raise {exception.__name__} with a message.",
                [*_case_rows(case), ("expected", expected), ("got", got)],
                hint,
            )
        )


def check_metric_speed(func, name, case, *, budget_s, hint=None):
    """Check the value on a large input, stopping the call after ``budget_s``.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    case : dict
        Arguments, as for :func:`check_metric`.
    budget_s : float
        Seconds the call may take. In the main thread a timer interrupts a
        call that runs longer; elsewhere the time is measured afterwards.
    hint : str, optional
        Replaces the default hint, ``HINTS[(name, 'speed')]``.

    Raises
    ------
    CheckFailure
        If the call runs past the budget, or its result is wrong.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_metric_speed
    >>> from autograder.reference import roc_auc
    >>> y = np.arange(10_000) % 2
    >>> check_metric_speed(roc_auc, "roc_auc", {"y_true": y, "scores": y}, budget_s=5)
    """
    hint = hint or HINTS[(name, "speed")]
    expected = _call_metric(_reference(name), name, case, hint)
    start = time.perf_counter()
    try:
        with _time_limit(budget_s):
            got = _call_metric(func, name, case, hint)
    except _OverBudget:
        got = None
    elapsed = time.perf_counter() - start
    if got is None or elapsed > budget_s:
        size = len(next(iter(case.values())))
        raise CheckFailure(
            _message(
                f"{name} took longer than {budget_s:g} s on {size:,} samples "
                "and was stopped.",
                [*_case_rows(case), ("expected", expected), ("got", "no answer")],
                hint,
            )
        )
    _compare_metric(name, case, expected, got, hint)


def _arguments(name, case):
    positional = METRIC_ARGS[name]
    missing = [arg for arg in positional if arg not in case]
    if missing:
        raise ValueError(f"case must give {missing} for {name}, got {list(case)}.")
    kwargs = {k: v for k, v in case.items() if k not in positional}
    return [case[arg] for arg in positional], kwargs


def _call_metric(func, name, case, hint, forbid_warnings=False):
    """Call ``func`` on ``case`` with sklearn.metrics out of reach."""
    args, kwargs = _arguments(name, case)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            try:
                with _without_sklearn_metrics():
                    got = func(*args, **kwargs)
            except NotImplementedError:
                raise CheckFailure(_not_implemented_message(name)) from None
            except _SklearnMetricsCalled as exc:
                raise CheckFailure(_sklearn_message(name, case, exc)) from None
            except Exception as exc:
                raise CheckFailure(
                    _message(
                        f"{name} raised {type(exc).__name__}: {exc}",
                        _case_rows(case),
                        hint,
                    )
                ) from None
    if got is None:
        raise CheckFailure(
            _message(
                f"{name} returned None.",
                _case_rows(case),
                "Did you forget the `return` statement?",
            )
        )
    if forbid_warnings and caught:
        first = caught[0]
        raise CheckFailure(
            _message(
                f"{name} emitted a warning.",
                [
                    *_case_rows(case),
                    ("expected", "no warning"),
                    ("got", f"{first.category.__name__}: {first.message}"),
                ],
                hint,
            )
        )
    return got


def _compare_metric(name, case, expected, got, hint, exact=False):
    rows = [*_case_rows(case), ("expected", expected), ("got", got)]
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise CheckFailure(
                _message(
                    f"{name} returned {type(got).__name__}, not a tuple of "
                    f"{len(expected)} numbers.",
                    rows,
                    hint,
                )
            )
        kind = (int, np.integer) if isinstance(expected[0], int) else _REALS
        if not all(isinstance(v, kind) and not isinstance(v, bool) for v in got):
            what = "ints" if kind != _REALS else "numbers"
            raise CheckFailure(
                _message(f"{name} should return a tuple of {what}.", rows, hint)
            )
    elif not isinstance(got, _REALS) or isinstance(got, bool):
        raise CheckFailure(
            _message(f"{name} returned {type(got).__name__}, not a number.", rows, hint)
        )
    want = np.asarray(expected, dtype=np.float64)
    have = np.asarray(got, dtype=np.float64)
    if exact:
        same = np.array_equal(want, have, equal_nan=True)
    else:
        same = np.allclose(have, want, rtol=1e-9, atol=1e-12, equal_nan=True)
    if not same:
        raise CheckFailure(_message(f"{name} returned the wrong value.", rows, hint))


_REALS = (int, float, np.integer, np.floating)


def _case_rows(case):
    return [(key, _show_argument(value)) for key, value in case.items()]


def _show_argument(value):
    arr = np.asarray(value)
    if arr.ndim == 0 or arr.size <= 12:
        return _show(arr) if arr.ndim else _show(value)
    text = np.array2string(arr, threshold=8, edgeitems=3, max_line_width=1000)
    if arr.dtype.kind in "biu" or np.all(np.isin(arr, (0, 1))):
        return f"{text} ({arr.size:,} labels, {int(np.sum(arr == 1)):,} ones)"
    return f"{text} ({arr.size:,} values, {np.unique(arr).size:,} distinct)"


def _not_implemented_message(name):
    return (
        f"{name} is not implemented yet: it raised NotImplementedError.\n"
        "Hint: replace `raise NotImplementedError()` with your code."
    )


def _sklearn_message(name, case, exc):
    return _message(
        f"{name} called sklearn.metrics ({exc}), which is unavailable while "
        "the checks run.",
        _case_rows(case),
        "This exercise is about computing the metrics yourself, with NumPy: "
        "remove the sklearn.metrics import and call. Use it afterwards, "
        "outside your function, to compare your results.",
    )


def _sklearn_metrics_folder():
    """Where sklearn.metrics lives, found without importing scikit-learn."""
    try:
        spec = importlib.util.find_spec("sklearn")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return str(Path(spec.origin).resolve().parent / "metrics")


class _without_sklearn_metrics:
    """Make any Python frame of sklearn.metrics raise while this is active.

    A profile function sees every Python call, however the learner reached
    sklearn.metrics (an import inside the function, a name imported at the
    top of the notebook, an attribute of the module), and costs a few
    hundred nanoseconds per call.
    """

    folder = None
    active = 0  # how many are entered; a grader's proxy passes this on

    def __enter__(self):
        _without_sklearn_metrics.active += 1
        if _without_sklearn_metrics.folder is None:
            _without_sklearn_metrics.folder = _sklearn_metrics_folder() or ""
        folder = _without_sklearn_metrics.folder
        self.saved = sys.getprofile()
        if not folder:
            return self

        def refuse(frame, event, arg):
            if event == "call" and frame.f_code.co_filename.startswith(folder):
                sys.setprofile(None)
                where = Path(frame.f_code.co_filename).name
                raise _SklearnMetricsCalled(f"{frame.f_code.co_name} in {where}")

        sys.setprofile(refuse)
        return self

    def __exit__(self, *exc):
        _without_sklearn_metrics.active -= 1
        sys.setprofile(self.saved)
        return False


def call_constraints():
    """What the checks forbid the learner's function right now, as plain data.

    A grader that calls the learner's function in another process (the
    re-check in :mod:`autograder.recheck`) passes this along and applies it
    there with :func:`constrained`, so the rule holds where the code runs.
    """
    return {"without_sklearn_metrics": _without_sklearn_metrics.active > 0}


def constrained(constraints):
    """A context in which the ``constraints`` of :func:`call_constraints` hold."""
    if constraints.get("without_sklearn_metrics"):
        return _without_sklearn_metrics()
    return contextlib.nullcontext()


class _time_limit:
    """Raise :class:`_OverBudget` in the main thread after ``seconds``."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.armed = threading.current_thread() is threading.main_thread()

    def __enter__(self):
        if self.armed:

            def stop(signum, frame):
                raise _OverBudget()

            self.saved = signal.signal(signal.SIGALRM, stop)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.saved)
        return False


# ---------------------------------------------------------------------------
