"""Reference implementations of the sigmoid family.

These are the functions the course's exercises are graded against, so they
hold to a strict contract:

* They accept Python numbers, NumPy scalars and arrays of any shape (and
  anything :func:`numpy.asarray` turns into a real array), and return the
  same shape: a NumPy scalar for a scalar, an array for an array.
* float32 input gives float32 output; any other real input gives float64.
* The input is never modified, and no input makes NumPy emit a warning.
* ``nan`` in gives ``nan`` out; infinities give the limits.
* The result is within 4 units in the last place (ULP) of the exact value,
  in float64 and in float32, for every finite input, subnormal results
  included. float32 inputs are computed in float64 and rounded once.

The tricks that make this work are explained in the first chapter of the
book, in the section on numerics.
"""

import numpy as np

from autograder._validation import as_float_array, finish

__all__ = ["sigmoid", "sigmoid_derivative", "logit", "log_sigmoid"]


def sigmoid(x):
    """Logistic sigmoid, ``1 / (1 + exp(-x))``, without overflow.

    Parameters
    ----------
    x : array_like of real numbers
        Input values (scores, logits).

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``sigma(x)``, in [0, 1], with the shape of ``x``; float32 for float32
        input, float64 otherwise.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    See Also
    --------
    log_sigmoid : ``log(sigmoid(x))`` without underflow.
    logit : The inverse function.

    Notes
    -----
    ``exp(-x)`` overflows for ``x < -709.78`` in float64, so the textbook
    formula is used only for ``x >= 0``. For ``x < 0`` the equivalent
    ``exp(x) / (1 + exp(x))`` is used, whose exponential cannot overflow.

    Examples
    --------
    >>> from autograder.reference import sigmoid
    >>> sigmoid(0.0)
    np.float64(0.5)
    >>> sigmoid([-1000.0, 0.0, 1000.0])
    array([0. , 0.5, 1. ])
    >>> sigmoid(np.float32(-100.0))
    np.float32(3.8e-44)
    """
    values, out_dtype = as_float_array(x)
    with np.errstate(all="ignore"):  # exp may underflow to 0, as intended
        e = np.exp(-np.abs(values))  # in (0, 1]: never overflows
        result = np.where(values >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return finish(result, out_dtype, np.ndim(x) == 0)


def sigmoid_derivative(x):
    """Derivative of the sigmoid, ``sigma(x) * (1 - sigma(x))``.

    Parameters
    ----------
    x : array_like of real numbers
        Points at which to evaluate the derivative.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``sigma'(x)``, in [0, 1/4], with the shape of ``x``; float32 for
        float32 input, float64 otherwise.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    Notes
    -----
    ``sigma(x) * (1 - sigma(x))`` loses all its digits once ``sigma(x)``
    rounds to 1 (from ``x`` about 37 in float64), returning 0 where the true
    value is still about ``exp(-x)``. The form ``e / (1 + e)**2`` with
    ``e = exp(-|x|)`` is exact up to rounding for every ``x``, because the
    derivative is an even function.

    Examples
    --------
    >>> from autograder.reference import sigmoid_derivative
    >>> sigmoid_derivative(0.0)
    np.float64(0.25)
    >>> sigmoid_derivative([-40.0, 40.0])
    array([4.24835426e-18, 4.24835426e-18])
    """
    values, out_dtype = as_float_array(x)
    with np.errstate(all="ignore"):  # exp may underflow to 0, as intended
        e = np.exp(-np.abs(values))
        result = e / (1.0 + e) ** 2
    return finish(result, out_dtype, np.ndim(x) == 0)


def logit(p):
    """Inverse of the sigmoid: the log-odds ``log(p / (1 - p))``.

    Parameters
    ----------
    p : array_like of real numbers
        Probabilities.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``logit(p)`` with the shape of ``p``: ``-inf`` at 0, ``+inf`` at 1,
        ``nan`` outside [0, 1]. float32 for float32 input, float64 otherwise.

    Raises
    ------
    TypeError
        If ``p`` is complex or not numeric.

    Notes
    -----
    Near ``p = 1/2`` the two logarithms in ``log(p) - log(1 - p)`` are almost
    equal and their difference loses digits. There the function is computed
    as ``log1p((2p - 1) / (1 - p))`` (or its mirror image for ``p < 1/2``),
    whose subtractions are exact by Sterbenz's lemma.

    Examples
    --------
    >>> from autograder.reference import logit
    >>> logit(0.5)
    np.float64(0.0)
    >>> logit([0.0, 0.25, 1.0])
    array([       -inf, -1.09861229,         inf])
    >>> logit(1.5)
    np.float64(nan)
    """
    values, out_dtype = as_float_array(p, name="p")
    with np.errstate(all="ignore"):  # branches not selected may overflow
        tails = np.log(values) - np.log1p(-values)
        upper = np.log1p((2.0 * values - 1.0) / (1.0 - values))
        lower = -np.log1p((1.0 - 2.0 * values) / values)
    result = np.select(
        [values < 0.25, values < 0.5, values <= 0.75], [tails, lower, upper], tails
    )
    result[(values < 0) | (values > 1)] = np.nan
    return finish(result, out_dtype, np.ndim(p) == 0)


def log_sigmoid(x):
    """Natural logarithm of the sigmoid, without underflow.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``log(sigma(x))``, which is ``<= 0``, with the shape of ``x``;
        float32 for float32 input, float64 otherwise.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    Notes
    -----
    ``np.log(sigmoid(x))`` is ``-inf`` once ``sigmoid(x)`` underflows to 0
    (below about ``x = -745`` in float64). Instead this uses
    ``log(sigma(x)) = min(x, 0) - log1p(exp(-|x|))``, which is finite for
    every finite ``x``. It is minus the softplus of ``-x``.

    Examples
    --------
    >>> from autograder.reference import log_sigmoid
    >>> log_sigmoid(-1000.0)
    np.float64(-1000.0)
    >>> log_sigmoid(0.0)
    np.float64(-0.6931471805599453)
    """
    values, out_dtype = as_float_array(x)
    with np.errstate(all="ignore"):  # exp may underflow; inf - inf is nan
        result = np.minimum(values, 0.0) - np.log1p(np.exp(-np.abs(values)))
    return finish(result, out_dtype, np.ndim(x) == 0)
