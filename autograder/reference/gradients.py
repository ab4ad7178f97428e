"""Reference backpropagation through a stack of sigmoid layers.

Chapter 2 measures vanishing gradients with these functions, and exercise 2
is graded against them. They hold to the contract of the course:

* Arguments are plain NumPy arrays (and, for :func:`numerical_gradient`, a
  Python callable); results are arrays, tuples or lists of arrays, or
  floats.
* float32 arguments give float32 results; float64 (or integer) arguments
  give float64 results.
* No argument is ever modified, and no input makes NumPy emit a warning:
  the sigmoid and the loss are computed in forms that cannot overflow.

A network here is a list of weight matrices ``W_l`` of shape
``(d_{l-1}, d_l)`` and bias vectors ``b_l`` of shape ``(d_l,)``. Every
layer applies the sigmoid, ``A_l = sigma(A_{l-1} W_l + b_l)``; the last
layer has one unit, and the loss is the mean binary cross-entropy of its
output, computed from the score ``z`` as ``softplus(z) - y z``.
"""

import numpy as np

__all__ = [
    "layer_forward",
    "layer_backward",
    "mlp_gradients",
    "numerical_gradient",
    "gradient_ratio",
]


def layer_forward(X, W, b):
    """Output of one sigmoid layer, ``sigma(X @ W + b)``.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, d_in)
        Inputs of the layer, one row per example.
    W : numpy.ndarray, shape (d_in, d_out)
        Weights.
    b : numpy.ndarray, shape (d_out,)
        Biases.

    Returns
    -------
    numpy.ndarray, shape (n, d_out)
        The activations, float32 when all three arguments are float32.

    Raises
    ------
    ValueError
        If the shapes do not fit together.

    Examples
    --------
    >>> X = np.array([[0.0, 1.0], [2.0, -1.0]])
    >>> W = np.array([[1.0], [-1.0]])
    >>> layer_forward(X, W, np.array([0.5]))
    array([[0.37754067],
           [0.97068777]])
    """
    X, W, b = _layer_arrays(X, W, b)
    return _sigmoid(X @ W + b)


def layer_backward(dA, X, W, b):
    """Gradients of one sigmoid layer, given the gradient of its output.

    With ``Z = X @ W + b`` and ``A = sigma(Z)``, and ``dA`` the gradient of
    the loss with respect to ``A``, the chain rule gives
    ``dZ = dA * sigma'(Z)``, ``dX = dZ @ W.T``, ``dW = X.T @ dZ`` and
    ``db = dZ.sum(axis=0)``.

    Parameters
    ----------
    dA : numpy.ndarray, shape (n, d_out)
        Gradient of the loss with respect to the layer's output.
    X, W, b : numpy.ndarray
        The layer's input, weights and biases, as for :func:`layer_forward`.

    Returns
    -------
    dX : numpy.ndarray, shape (n, d_in)
    dW : numpy.ndarray, shape (d_in, d_out)
    db : numpy.ndarray, shape (d_out,)

    Raises
    ------
    ValueError
        If the shapes do not fit together.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0]])
    >>> W = np.zeros((2, 1))
    >>> dX, dW, db = layer_backward(np.array([[1.0]]), X, W, np.zeros(1))
    >>> db  # sigma'(0) = 1/4
    array([0.25])
    >>> dW.ravel()
    array([0.25, 0.5 ])
    """
    X, W, b = _layer_arrays(X, W, b)
    dA = np.asarray(dA)
    expected = (X.shape[0], W.shape[1])
    if dA.shape != expected:
        raise ValueError(
            f"dA must have shape {expected} (examples, units of the layer), "
            f"got shape {dA.shape}."
        )
    s = _sigmoid(X @ W + b)
    dZ = dA * (s * (1 - s))
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def mlp_gradients(X, y, weights, biases):
    """Gradients of the mean cross-entropy of a sigmoid network.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, d_0)
        Inputs, one row per example.
    y : numpy.ndarray, shape (n,)
        Labels, 0 or 1 (values in between are allowed).
    weights : sequence of numpy.ndarray
        ``W_1, ..., W_L``; ``W_l`` has shape ``(d_{l-1}, d_l)`` and the last
        one has a single column.
    biases : sequence of numpy.ndarray
        ``b_1, ..., b_L``; ``b_l`` has shape ``(d_l,)``.

    Returns
    -------
    list of tuple
        ``[(dW_1, db_1), ..., (dW_L, db_L)]``, the gradients of the mean
        binary cross-entropy with respect to each layer's weights and biases.

    Raises
    ------
    ValueError
        If the shapes do not fit together, or the last layer has more than
        one unit.

    Notes
    -----
    The loss of one example with score ``z`` is ``softplus(z) - y z``, whose
    derivative is ``sigma(z) - y``: no division by ``sigma(z)`` or
    ``1 - sigma(z)``, so saturated outputs give finite gradients.

    Examples
    --------
    >>> X = np.array([[1.0], [-1.0]])
    >>> y = np.array([1.0, 0.0])
    >>> grads = mlp_gradients(X, y, [np.ones((1, 1))], [np.zeros(1)])
    >>> dW, db = grads[0]
    >>> dW  # mean of (sigma(z) - y) * x over the two examples
    array([[-0.26894142]])
    >>> db
    array([0.])
    """
    X = np.asarray(X)
    y = np.asarray(y)
    weights = [np.asarray(W) for W in weights]
    biases = [np.asarray(b) for b in biases]
    if len(weights) != len(biases) or not weights:
        raise ValueError(
            "weights and biases must be non-empty lists of the same length, "
            f"got {len(weights)} weights and {len(biases)} biases."
        )
    if weights[-1].ndim != 2 or weights[-1].shape[1] != 1:
        raise ValueError(
            "the last weight matrix must have one column (one output unit), "
            f"got shape {weights[-1].shape}."
        )
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y must have shape ({X.shape[0]},), one label per row of X, "
            f"got shape {y.shape}."
        )
    inputs = [X]
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        inputs.append(layer_forward(inputs[-1], W, b))
    X_last, W_last, b_last = _layer_arrays(inputs[-1], weights[-1], biases[-1])
    z = X_last @ W_last + b_last
    # d/dz of softplus(z) - y z is sigma(z) - y; the mean divides by n.
    dZ = (_sigmoid(z) - y[:, None].astype(z.dtype)) / X.shape[0]
    grads = [(X_last.T @ dZ, dZ.sum(axis=0))]
    dA = dZ @ W_last.T
    for layer in range(len(weights) - 2, -1, -1):
        dA, dW, db = layer_backward(dA, inputs[layer], weights[layer], biases[layer])
        grads.append((dW, db))
    return grads[::-1]


def numerical_gradient(f, x, eps=1e-6):
    """Gradient of a scalar function by central differences.

    Entry ``i`` of the result is ``(f(x + eps e_i) - f(x - eps e_i)) / (2
    eps)``, where ``e_i`` is the ``i``-th unit array. ``f`` is called with
    float64 arrays of ``x``'s shape, never with ``x`` itself.

    Parameters
    ----------
    f : callable
        Takes an array of ``x``'s shape, returns a real number.
    x : numpy.ndarray
        The point. It is not modified.
    eps : float, default 1e-6
        Half the width of each difference.

    Returns
    -------
    numpy.ndarray
        Array of ``x``'s shape; float32 for float32 ``x``, float64 otherwise.

    Raises
    ------
    ValueError
        If ``eps`` is not a positive finite number.
    TypeError
        If ``f`` is not callable.

    Notes
    -----
    The error has two parts: truncation, ``eps**2 / 6`` times a third
    derivative, and rounding, about the machine epsilon times ``|f|`` divided
    by ``eps``. For float64, ``eps`` near ``1e-5`` balances them.

    Examples
    --------
    >>> def f(v):
    ...     return float(np.sum(v**2))
    >>> numerical_gradient(f, np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__} {f!r}.")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}.")
    x = np.asarray(x)
    point = x.astype(np.float64)  # a copy: x itself is never touched
    grad = np.empty(point.shape, dtype=np.float64)
    flat_point = point.reshape(-1)
    flat_grad = grad.reshape(-1)
    for i in range(flat_point.size):
        original = flat_point[i]
        flat_point[i] = original + eps
        upper = float(f(point))
        flat_point[i] = original - eps
        lower = float(f(point))
        flat_point[i] = original
        flat_grad[i] = (upper - lower) / (2 * eps)
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    return grad.astype(dtype)


def gradient_ratio(grads):
    """Ratio of the first to the last layer's weight-gradient norm.

    Parameters
    ----------
    grads : sequence of (dW, db) pairs
        Per-layer gradients, as :func:`mlp_gradients` returns them.

    Returns
    -------
    float
        ``||dW_1|| / ||dW_L||`` with Frobenius norms. Far below 1 means the
        first layer learns far more slowly than the last.

    Raises
    ------
    ValueError
        If ``grads`` is empty.

    Examples
    --------
    >>> first = (np.full((2, 2), 3.0), np.zeros(2))  # norm 6
    >>> last = (np.ones((4, 1)), np.zeros(1))  # norm 2
    >>> gradient_ratio([first, last])
    3.0
    """
    if len(grads) == 0:
        raise ValueError("grads must hold at least one (dW, db) pair, got none.")
    first = np.asarray(grads[0][0], dtype=np.float64)
    last = np.asarray(grads[-1][0], dtype=np.float64)
    return float(np.linalg.norm(first) / np.linalg.norm(last))


def _sigmoid(z):
    """Sigmoid without overflow, in ``z``'s floating dtype."""
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _layer_arrays(X, W, b):
    """Check that X, W and b fit one layer; return them as float arrays."""
    X, W, b = (np.asarray(v) for v in (X, W, b))
    if X.ndim != 2 or W.ndim != 2:
        raise ValueError(
            "X and W must be 2-D (examples by features, inputs by units), got "
            f"X of shape {X.shape} and W of shape {W.shape}."
        )
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X has {X.shape[1]} columns but W has {W.shape[0]} rows; they must "
            "be equal (the layer's number of inputs)."
        )
    if b.shape != (W.shape[1],):
        raise ValueError(
            f"b must have shape ({W.shape[1]},), one bias per unit, got shape "
            f"{b.shape}."
        )
    dtype = np.result_type(X, W, b, np.float32)
    return (
        X.astype(dtype, copy=False),
        W.astype(dtype, copy=False),
        b.astype(dtype, copy=False),
    )
