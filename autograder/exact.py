"""Correctly rounded values of the sigmoid family, computed with mpmath.

These are slow (one mpmath evaluation per element) and exist to measure the
accuracy of fast implementations, in the tests and in the book.
"""

import mpmath
import numpy as np

__all__ = ["exact", "FUNCTIONS"]

# 200 bits leave ample guard digits for every float64 input: the worst case,
# logit just above 1/2, needs about 53 + 53 bits.
_PRECISION = 200


def _sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def _sigmoid_derivative(x):
    s = _sigmoid(x)
    return s * _sigmoid(-x)


def _logit(p):
    if p < 0 or p > 1:
        return mpmath.nan
    if p == 0:
        return mpmath.ninf
    if p == 1:
        return mpmath.inf
    return mpmath.log(p) - mpmath.log(1 - p)


def _log_sigmoid(x):
    return -mpmath.log1p(mpmath.exp(-x)) if x > 0 else x - mpmath.log1p(mpmath.exp(x))


def _tanh(x):
    return mpmath.tanh(x)


def _gelu(x):
    return x * mpmath.erfc(-x / mpmath.sqrt(2)) / 2


def _silu(x):
    return x * _sigmoid(x)


FUNCTIONS = {
    "sigmoid": _sigmoid,
    "sigmoid_derivative": _sigmoid_derivative,
    "logit": _logit,
    "log_sigmoid": _log_sigmoid,
    # Exercise 3's elementwise functions with an accuracy promise in ULP.
    "tanh_from_sigmoid": _tanh,
    "gelu": _gelu,
    "silu": _silu,
}


def exact(name, x, dtype=np.float64):
    """Exact value of the function ``name`` at ``x``, rounded to ``dtype``.

    Parameters
    ----------
    name : str
        Which function: a key of :data:`FUNCTIONS` (the four of exercise 1,
        and ``tanh_from_sigmoid``, ``gelu`` and ``silu`` of exercise 3).
    x : array_like of float
        Arguments. They are taken exactly as the floats they are.
    dtype : {numpy.float64, numpy.float32} or numpy.dtype
        Precision of the result.

    Returns
    -------
    numpy.ndarray
        The correctly rounded results, with the shape of ``x``.

    Examples
    --------
    >>> from autograder.exact import exact
    >>> exact("sigmoid", [-745.0, 0.0])
    array([5.e-324, 5.e-001])
    """
    if name not in FUNCTIONS:
        raise ValueError(f"name must be one of {sorted(FUNCTIONS)}, got {name!r}.")
    function = FUNCTIONS[name]
    dtype = np.dtype(dtype).type  # accept np.float32 and x.dtype alike
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape, dtype=dtype)
    with mpmath.workprec(_PRECISION):
        for index, value in np.ndenumerate(x):
            out[index] = _round(function(mpmath.mpf(float(value))), dtype)
    return out


def _round(value, dtype):
    """Round an mpf to float64 or float32 once, subnormals included."""
    if not mpmath.isfinite(value):
        return float(value)
    if value == 0:
        return 0.0
    info = np.finfo(dtype)
    # Quantise to the float's spacing at this magnitude: 2**(e - nmant) for
    # normal numbers, fixed below the smallest normal (the subnormals).
    _, exponent = mpmath.frexp(value)
    exponent = max(int(exponent) - 1, info.minexp)
    step = mpmath.ldexp(1, exponent - info.nmant)
    return dtype(float(mpmath.nint(value / step) * step))
