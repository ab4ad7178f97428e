"""Reference implementations of the activation functions of chapter 3.

The elementwise functions follow the contract of chapter 1's sigmoid family:

* They accept Python numbers, NumPy scalars and arrays of any shape, and
  return the same shape: a NumPy scalar for a scalar, an array for an array.
* float32 input gives float32 output; any other real input gives float64.
  float32 inputs are computed in float64 and rounded once.
* The input is never modified, and no input makes NumPy emit a warning.
* ``nan`` in gives ``nan`` out; infinities give the limits.

``softmax`` and ``log_softmax`` work along one axis of an array, and
``lstm_step`` computes one time step of a Keras LSTM cell for a batch, with
Keras's weight layout and gate order (input, forget, candidate, output).
"""

import numbers
import operator

import numpy as np

from autograder._validation import as_float_array, finish
from autograder.reference.sigmoid import sigmoid

__all__ = [
    "tanh_from_sigmoid",
    "hard_sigmoid",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "elu",
    "gelu",
    "gelu_tanh",
    "silu",
    "softplus",
    "softmax",
    "log_softmax",
    "lstm_gates",
    "lstm_step",
]


def tanh_from_sigmoid(x):
    """Hyperbolic tangent through the sigmoid, ``2 * sigma(2x) - 1``.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``tanh(x)``, in [-1, 1], with the shape of ``x``; float32 for float32
        input, float64 otherwise.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    Notes
    -----
    Written out, ``2 * sigma(2x) - 1 = (1 - e) / (1 + e)`` with
    ``e = exp(-2x)``. Near 0, ``1 - e`` subtracts two nearly equal numbers
    and keeps only the rounding error of ``e``, so it is computed as
    ``-expm1(-2|x|)``, which is exact up to rounding; the sign of ``x`` is
    put back at the end (tanh is odd). The exponential never overflows.
    Accurate to 4 ULP for every input.

    Examples
    --------
    >>> from autograder.reference import tanh_from_sigmoid
    >>> tanh_from_sigmoid([-1000.0, 0.0, 1.0])
    array([-1.        ,  0.        ,  0.76159416])
    >>> tanh_from_sigmoid(1e-10)
    np.float64(1e-10)
    """
    values, out_dtype = as_float_array(x)
    with np.errstate(all="ignore"):  # exp may underflow to 0, as intended
        a = -2.0 * np.abs(values)
        result = np.copysign(-np.expm1(a) / (1.0 + np.exp(a)), values)
    return finish(result, out_dtype, np.ndim(x) == 0)


def hard_sigmoid(x):
    """Keras's hard sigmoid: 0 below -3, 1 above 3, ``x / 6 + 1/2`` between.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.

    Returns
    -------
    numpy.ndarray or numpy scalar
        The piecewise-linear values in [0, 1], with the shape of ``x``.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    Notes
    -----
    This is the definition of Keras 3 (``keras.activations.hard_sigmoid``),
    whose slope 1/6 matches the slope of ``relu6(x + 3) / 6``. Keras 2 used
    ``0.2 * x + 0.5`` clipped at +-2.5.

    Examples
    --------
    >>> from autograder.reference import hard_sigmoid
    >>> hard_sigmoid([-4.0, 0.0, 1.5, 4.0])
    array([0.  , 0.5 , 0.75, 1.  ])
    """
    values, out_dtype = as_float_array(x)
    result = np.clip(values / 6.0 + 0.5, 0.0, 1.0)
    return finish(result, out_dtype, np.ndim(x) == 0)


def relu(x):
    """Rectified linear unit, ``max(x, 0)``.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``max(x, 0)`` with the shape of ``x``; ``nan`` stays ``nan``.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    Examples
    --------
    >>> from autograder.reference import relu
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    values, out_dtype = as_float_array(x)
    result = np.maximum(values, 0.0)  # np.maximum propagates nan
    return finish(result, out_dtype, np.ndim(x) == 0)


def relu_derivative(x):
    """Derivative of ReLU: 1 for ``x > 0``, 0 otherwise, 0 at ``x = 0``.

    Parameters
    ----------
    x : array_like of real numbers
        Points at which to evaluate the derivative.

    Returns
    -------
    numpy.ndarray or numpy scalar
        0.0 or 1.0 with the shape of ``x``; ``nan`` stays ``nan``.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    Notes
    -----
    ReLU has no derivative at 0. Like TensorFlow's gradient of
    ``tf.nn.relu`` (and so Keras), this function uses 0 there.

    Examples
    --------
    >>> from autograder.reference import relu_derivative
    >>> relu_derivative([-1.0, 0.0, 2.0])
    array([0., 0., 1.])
    """
    values, out_dtype = as_float_array(x)
    result = np.where(np.isnan(values), np.nan, (values > 0).astype(np.float64))
    return finish(result, out_dtype, np.ndim(x) == 0)


def leaky_relu(x, alpha=0.01):
    """Leaky ReLU: ``x`` for ``x >= 0``, ``alpha * x`` below.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.
    alpha : float, default 0.01
        Slope for negative inputs (Keras calls it ``negative_slope`` and
        uses 0.2 by default; 0.01 is the value of the paper that
        introduced it).

    Returns
    -------
    numpy.ndarray or numpy scalar
        The values with the shape of ``x``.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.
    ValueError
        If ``alpha`` is not a finite real number.

    Examples
    --------
    >>> from autograder.reference import leaky_relu
    >>> leaky_relu([-2.0, 0.0, 3.0])
    array([-0.02,  0.  ,  3.  ])
    >>> leaky_relu(-2.0, alpha=0.2)
    np.float64(-0.4)
    """
    alpha = _finite_number(alpha, "alpha")
    values, out_dtype = as_float_array(x)
    result = np.where(values >= 0, values, alpha * values)  # nan: alpha * nan
    return finish(result, out_dtype, np.ndim(x) == 0)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (e**x - 1)`` below.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.
    alpha : float, default 1.0
        The value that the function approaches as ``x`` goes to -infinity is
        ``-alpha``.

    Returns
    -------
    numpy.ndarray or numpy scalar
        The values with the shape of ``x``.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.
    ValueError
        If ``alpha`` is not a finite real number.

    Notes
    -----
    ``exp(x) - 1`` loses its digits near 0; ``expm1`` does not.

    Examples
    --------
    >>> from autograder.reference import elu
    >>> elu([-1000.0, -1e-20, 2.0])
    array([-1.e+00, -1.e-20,  2.e+00])
    """
    alpha = _finite_number(alpha, "alpha")
    values, out_dtype = as_float_array(x)
    # expm1 of min(x, 0): the unused branch cannot overflow.
    result = np.where(values > 0, values, alpha * np.expm1(np.minimum(values, 0.0)))
    return finish(result, out_dtype, np.ndim(x) == 0)


def gelu(x):
    """Gaussian error linear unit, exact form ``x * Phi(x)``.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``x * Phi(x)``, where ``Phi`` is the standard normal distribution
        function, with the shape of ``x``. ``gelu(-inf)`` is 0, the limit.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    See Also
    --------
    gelu_tanh : The tanh approximation.

    Notes
    -----
    ``Phi(x) = (1 + erf(x / sqrt(2))) / 2`` cancels to 0 for ``x`` below
    about -8.3, where ``Phi(x)`` is still about 1e-16; ``erfc(-x / sqrt(2)) / 2``
    is the same function without the cancellation. The result is within 16
    ULP of the exact value for ``|x| < 2`` (SciPy's ``erfc`` loses a few bits
    just below 1); in the far left tail the rounding of ``x / sqrt(2)`` is
    magnified by about ``x**2``, so the relative error there grows to about
    ``x**2`` machine epsilons.

    Examples
    --------
    >>> from autograder.reference import gelu
    >>> gelu([-10.0, 0.0, 1.0])
    array([-7.61985302e-23,  0.00000000e+00,  8.41344746e-01])
    """
    # Here, not at the top: every learner's kernel imports this module, and
    # SciPy would double the time that takes.
    import scipy.special

    values, out_dtype = as_float_array(x)
    with np.errstate(invalid="ignore"):  # -inf * 0 at -inf, replaced below
        result = 0.5 * values * scipy.special.erfc(-values / np.sqrt(2.0))
    result = np.where(np.isneginf(values), 0.0, result)
    return finish(result, out_dtype, np.ndim(x) == 0)


def gelu_tanh(x):
    """The tanh approximation of GELU, as in BERT and GPT-2.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x**3)))``, with the shape
        of ``x``. ``gelu_tanh(-inf)`` is 0, the limit.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    Notes
    -----
    ``1 + tanh(u) = 2 * sigma(2u)``, so the approximation is
    ``x * sigma(2u)``: a sigmoid gate, computed here without the
    cancellation of ``1 + tanh(u)`` for negative ``u``.

    Examples
    --------
    >>> from autograder.reference import gelu_tanh
    >>> gelu_tanh([0.0, 1.0])
    array([0.        , 0.84119199])
    """
    values, out_dtype = as_float_array(x)
    with np.errstate(all="ignore"):  # x**3 may overflow: sigma(+-inf) is fine
        u = np.sqrt(2.0 / np.pi) * (values + 0.044715 * values**3)
        result = values * sigmoid(2.0 * u)
    result = np.where(np.isneginf(values), 0.0, result)
    return finish(result, out_dtype, np.ndim(x) == 0)


def silu(x):
    """Sigmoid linear unit (swish), ``x * sigma(x)``.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``x * sigma(x)`` with the shape of ``x``. ``silu(-inf)`` is 0, the
        limit.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    Notes
    -----
    ``x / (1 + exp(-x))`` overflows for ``x`` below about -709; the product
    with the overflow-free sigmoid of chapter 1 does not. In the far left
    tail, where ``sigma(x)`` is a subnormal number, the exponential is split
    in two halves so that the result keeps its accuracy.

    Examples
    --------
    >>> from autograder.reference import silu
    >>> silu([-1000.0, 0.0, 1.0])
    array([-0.        ,  0.        ,  0.73105858])
    """
    values, out_dtype = as_float_array(x)
    with np.errstate(all="ignore"):  # -inf * 0 at -inf, replaced below
        # Below -40, sigma(x) = exp(x) to the last bit. Written as
        # (x * exp(x/2)) * exp(x/2), the product stays accurate where exp(x)
        # alone would already be a subnormal number with few digits left.
        half = np.exp(values / 2)
        tail = (values * half) * half
        result = np.where(values < -40, tail, values * sigmoid(values))
    result = np.where(np.isneginf(values), 0.0, result)
    return finish(result, out_dtype, np.ndim(x) == 0)


def softplus(x):
    """Softplus, ``log(1 + exp(x))``, whose derivative is the sigmoid.

    Parameters
    ----------
    x : array_like of real numbers
        Input values.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``log(1 + exp(x))``, positive, with the shape of ``x``.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.

    Notes
    -----
    Computed as ``max(x, 0) + log1p(exp(-|x|))``, which neither overflows for
    large ``x`` nor rounds to 0 for very negative ``x``.

    Examples
    --------
    >>> from autograder.reference import softplus
    >>> softplus([-30.0, 0.0, 800.0])
    array([9.35762297e-14, 6.93147181e-01, 8.00000000e+02])
    >>> softplus(-40.0)
    np.float64(4.248354255291589e-18)
    """
    values, out_dtype = as_float_array(x)
    with np.errstate(under="ignore"):  # exp may underflow to 0, as intended
        result = np.maximum(values, 0.0) + np.log1p(np.exp(-np.abs(values)))
    return finish(result, out_dtype, np.ndim(x) == 0)


def softmax(z, axis=-1):
    """Softmax along one axis: ``exp(z) / sum(exp(z))``, without overflow.

    Parameters
    ----------
    z : array_like of real numbers
        Scores (logits), at least one-dimensional.
    axis : int, default -1
        The axis along which the results sum to 1.

    Returns
    -------
    numpy.ndarray
        Probabilities with the shape of ``z``; float32 for float32 input,
        float64 otherwise. A slice holding ``nan`` or ``+inf`` gives ``nan``
        throughout, and so does a slice that is all ``-inf``.

    Raises
    ------
    TypeError
        If ``z`` is complex or not numeric.
    ValueError
        If ``z`` is a scalar or empty, or ``axis`` is not one of its axes.

    Notes
    -----
    Softmax does not change if the same constant is added to every score,
    so the maximum is subtracted first: then every exponent is at most 0,
    nothing overflows, and the largest term is exactly 1. Relative error
    about ``(2 + |z_i - max z|)`` machine epsilons in float64 (the rounding of
    ``z_i - max z`` is magnified by ``exp``).

    Examples
    --------
    >>> from autograder.reference import softmax
    >>> softmax([1000.0, 1000.0, -1000.0])
    array([0.5, 0.5, 0. ])
    >>> softmax([[1.0, 2.0], [3.0, 5.0]], axis=0)
    array([[0.11920292, 0.04742587],
           [0.88079708, 0.95257413]])
    """
    values, out_dtype, axis = _along_axis(z, axis)
    with np.errstate(invalid="ignore", under="ignore"):  # nan slices stay nan
        e = np.exp(values - np.max(values, axis=axis, keepdims=True))
        result = e / np.sum(e, axis=axis, keepdims=True)
    return finish(result, out_dtype, False)


def log_softmax(z, axis=-1):
    """Logarithm of the softmax along one axis, without overflow or ``-inf``.

    Parameters
    ----------
    z : array_like of real numbers
        Scores (logits), at least one-dimensional.
    axis : int, default -1
        The axis along which ``exp`` of the results sums to 1.

    Returns
    -------
    numpy.ndarray
        ``z - logsumexp(z)`` along ``axis``, with the shape of ``z``.

    Raises
    ------
    TypeError
        If ``z`` is complex or not numeric.
    ValueError
        If ``z`` is a scalar or empty, or ``axis`` is not one of its axes.

    Notes
    -----
    With ``m = max z`` and ``r`` the sum of ``exp(z_j - m)`` over every
    entry but one maximum, ``log_softmax(z)_i = (z_i - m) - log1p(r)``.
    Both terms are at most 0, so there is no cancellation, and ``log1p``
    keeps the tiny log-probability of a dominant score, where
    ``log(sum(exp(z - m)))`` would round to 0.

    Examples
    --------
    >>> from autograder.reference import log_softmax
    >>> log_softmax([0.0, -50.0])
    array([-1.92874985e-22, -5.00000000e+01])
    >>> log_softmax([1000.0, -1000.0])
    array([    0., -2000.])
    """
    values, out_dtype, axis = _along_axis(z, axis)
    with np.errstate(invalid="ignore", under="ignore"):  # nan slices stay nan
        m = np.max(values, axis=axis, keepdims=True)
        shifted = values - m
        e = np.exp(shifted)
        # Leave one maximum out of the sum: its term is exactly 1.
        top = np.expand_dims(np.argmax(values, axis=axis), axis)
        np.put_along_axis(e, top, 0.0, axis=axis)
        rest = np.sum(e, axis=axis, keepdims=True)
        result = shifted - np.log1p(rest)
    return finish(result, out_dtype, False)


def lstm_gates(x, h, c, kernel, recurrent_kernel, bias):
    """Gates and new state of one LSTM time step, with Keras's weight layout.

    Parameters
    ----------
    x : array_like, shape (batch, features)
        Inputs at this time step.
    h : array_like, shape (batch, units)
        Hidden state from the previous step.
    c : array_like, shape (batch, units)
        Cell state from the previous step.
    kernel : array_like, shape (features, 4 * units)
        Input weights, as ``keras.layers.LSTM(...).cell.kernel``.
    recurrent_kernel : array_like, shape (units, 4 * units)
        Recurrent weights, as ``cell.recurrent_kernel``.
    bias : array_like, shape (4 * units,)
        Bias, as ``cell.bias``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``"input"``, ``"forget"``, ``"candidate"``, ``"output"`` (the gates
        and the tanh candidate) and ``"c"``, ``"h"`` (the new states), each of
        shape (batch, units). float32 if every argument is float32, float64
        otherwise.

    Raises
    ------
    TypeError
        If an argument is complex or not numeric.
    ValueError
        If the shapes do not fit together.

    Notes
    -----
    Keras stacks the four blocks of columns in the order input, forget,
    candidate, output. With ``z = x @ kernel + h @ recurrent_kernel + bias``
    split into those four blocks::

        i = sigma(z_i)   f = sigma(z_f)   g = tanh(z_g)   o = sigma(z_o)
        c_new = f * c + i * g
        h_new = o * tanh(c_new)

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.reference import lstm_gates
    >>> w = np.zeros((1, 4))
    >>> gates = lstm_gates([[1.0]], [[0.0]], [[2.0]], w, np.zeros((1, 4)), [0.0] * 4)
    >>> gates["forget"], gates["c"]
    (array([[0.5]]), array([[1.]]))
    """
    arrays, out_dtype = _lstm_arrays(x, h, c, kernel, recurrent_kernel, bias)
    x, h, c, kernel, recurrent_kernel, bias = arrays
    z = x @ kernel + h @ recurrent_kernel + bias
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)
    gates = {
        "input": sigmoid(z_i),
        "forget": sigmoid(z_f),
        "candidate": np.tanh(z_g),
        "output": sigmoid(z_o),
    }
    gates["c"] = gates["forget"] * c + gates["input"] * gates["candidate"]
    gates["h"] = gates["output"] * np.tanh(gates["c"])
    return {name: value.astype(out_dtype) for name, value in gates.items()}


def lstm_step(x, h, c, kernel, recurrent_kernel, bias):
    """One LSTM time step for a batch, as ``keras.layers.LSTMCell`` computes it.

    Parameters
    ----------
    x, h, c, kernel, recurrent_kernel, bias : array_like
        As for :func:`lstm_gates`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(h_new, c_new)``, each of shape (batch, units).

    Raises
    ------
    TypeError
        If an argument is complex or not numeric.
    ValueError
        If the shapes do not fit together.

    See Also
    --------
    lstm_gates : The same step, with the gate values.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.reference import lstm_step
    >>> units = 2
    >>> bias = np.zeros(4 * units)
    >>> bias[units : 2 * units] = 50.0  # forget gate open: keep the cell state
    >>> h, c = lstm_step(
    ...     np.zeros((1, 3)), np.zeros((1, units)), np.array([[1.0, -2.0]]),
    ...     np.zeros((3, 4 * units)), np.zeros((units, 4 * units)), bias,
    ... )
    >>> c
    array([[ 1., -2.]])
    """
    gates = lstm_gates(x, h, c, kernel, recurrent_kernel, bias)
    return gates["h"], gates["c"]


def _finite_number(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}.")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    return float(value)


def _along_axis(z, axis):
    """Validate ``z`` and ``axis`` for softmax; return a non-negative axis."""
    values, out_dtype = as_float_array(z, "z")
    if values.ndim == 0 or values.size == 0:
        raise ValueError(
            f"z must be an array with at least one element along each axis, got "
            f"shape {values.shape}. Pass the scores as a list or array, "
            "e.g. softmax([2.0, 1.0])."
        )
    try:
        axis = operator.index(axis)
    except TypeError:
        raise ValueError(f"axis must be an integer, got {axis!r}.") from None
    if not -values.ndim <= axis < values.ndim:
        raise ValueError(
            f"axis must be between {-values.ndim} and {values.ndim - 1} for z "
            f"of shape {values.shape}, got {axis}."
        )
    return values, out_dtype, axis % values.ndim


def _lstm_arrays(x, h, c, kernel, recurrent_kernel, bias):
    names = ["x", "h", "c", "kernel", "recurrent_kernel", "bias"]
    given = [x, h, c, kernel, recurrent_kernel, bias]
    converted = [as_float_array(a, name) for a, name in zip(given, names, strict=True)]
    arrays = [a for a, _ in converted]
    all32 = all(dtype == np.float32 for _, dtype in converted)
    x, h, c, kernel, recurrent_kernel, bias = arrays
    expected_ndim = [2, 2, 2, 2, 2, 1]
    for name, a, ndim in zip(names, arrays, expected_ndim, strict=True):
        if a.ndim != ndim:
            raise ValueError(
                f"{name} must be {ndim}-dimensional, got shape {a.shape}. "
                "Inputs and states are (batch, features) and (batch, units)."
            )
    batch, features = x.shape
    units = h.shape[1]
    wanted = {
        "h": (batch, units),
        "c": (batch, units),
        "kernel": (features, 4 * units),
        "recurrent_kernel": (units, 4 * units),
        "bias": (4 * units,),
    }
    for name, a in zip(names[1:], arrays[1:], strict=True):
        if a.shape != wanted[name]:
            raise ValueError(
                f"{name} must have shape {wanted[name]} for x of shape "
                f"{x.shape} and h of shape {h.shape}, got {a.shape}."
            )
    return arrays, np.float32 if all32 else np.float64
