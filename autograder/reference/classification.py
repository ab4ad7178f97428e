"""Reference implementations for binary classification (chapter 4).

Binary cross-entropy in its two forms, as Keras computes them, and the
label clean-up a one-unit classifier needs:

* :func:`binary_cross_entropy` takes probabilities and clips them to
  ``[epsilon, 1 - epsilon]`` first, exactly as ``keras.losses`` does, so a
  confidently wrong prediction costs at most ``-log(epsilon)``
  (about 16.12 for Keras's default ``epsilon = 1e-7``).
* :func:`binary_cross_entropy_from_logits` takes scores (logits) and never
  forms a probability, so it is finite and accurate for every finite score.
* :func:`fix_labels` turns the label formats of the usual mistakes (one-hot
  pairs, a column vector, booleans, "yes"/"no") into a flat float32 array
  of 0s and 1s.

Both losses are the mean over all examples, computed in float64. Keras works
in float32, so the two agree to float32 rounding (a relative difference of
a few times 1e-7), which the course's tests check.
"""

import numpy as np

from autograder._validation import as_float_array

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_from_logits",
    "fix_labels",
]

KERAS_EPSILON = 1e-7  # keras.config.epsilon()


def binary_cross_entropy(y_true, p, epsilon=KERAS_EPSILON):
    """Mean binary cross-entropy of probabilities, clipped as Keras does.

    Parameters
    ----------
    y_true : array_like
        Labels in [0, 1] (usually exactly 0 or 1).
    p : array_like
        Predicted probabilities of class 1, in [0, 1], with the shape of
        ``y_true``.
    epsilon : float, default 1e-7
        ``p`` is clipped to ``[epsilon, 1 - epsilon]`` before the logarithms,
        as ``keras.losses.binary_crossentropy`` does with
        ``keras.config.epsilon()``. Both bounds are rounded to the precision
        of ``p`` (float32 for float32 input), as in Keras.

    Returns
    -------
    float
        ``mean(-(y log p + (1 - y) log(1 - p)))`` over all examples.

    Raises
    ------
    ValueError
        If the shapes differ, if the input is empty, if a label or a
        probability is outside [0, 1] or nan, or if ``epsilon`` is not in
        (0, 0.5).
    TypeError
        If an input is not numeric.

    See Also
    --------
    binary_cross_entropy_from_logits : The same loss from scores.

    Notes
    -----
    Without clipping, ``p = 0`` for a positive example gives ``log(0)``,
    ``-inf``, and ``0 * log(0)`` is ``nan``. Clipping caps the loss of one
    example at ``-log(epsilon)``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.reference import binary_cross_entropy
    >>> binary_cross_entropy([1, 0], [0.9, 0.2])
    0.164252033486018...
    >>> binary_cross_entropy([1.0], [0.0])  # capped at -log(1e-7)
    16.11809565095...
    >>> binary_cross_entropy(np.float32([0.0]), np.float32([1.0]))
    15.942385152878742
    >>> binary_cross_entropy([1, 0], [[0.9], [0.2]])
    Traceback (most recent call last):
    ...
    ValueError: y_true and p must have the same shape, got (2,) and (2, 1). ...
    """
    dtype = np.float32 if np.asarray(p).dtype == np.float32 else np.float64
    y, p = _pair(y_true, p, "p")
    if not 0 < epsilon < 0.5:
        raise ValueError(
            f"epsilon must be in (0, 0.5), got {epsilon!r}. Keras uses 1e-7."
        )
    if not np.all(_unit(p)):
        raise ValueError(
            f"p must hold probabilities in [0, 1], got {_first_bad(p, _unit(p))}. If "
            "these are scores (logits), use binary_cross_entropy_from_logits."
        )
    # Keras clips in the input's precision: for float32, 1 - 1e-7 rounds to
    # 1 - 2**-23, so a wrong "certain no" costs 15.94, a wrong "certain
    # yes" 16.12. The logarithms are then taken in float64.
    p = np.clip(p, dtype(epsilon), dtype(1 - epsilon))
    losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(np.mean(losses))


def binary_cross_entropy_from_logits(y_true, z):
    """Mean binary cross-entropy of scores (logits), without overflow.

    Parameters
    ----------
    y_true : array_like
        Labels in [0, 1] (usually exactly 0 or 1).
    z : array_like
        Finite scores; the predicted probability is ``sigmoid(z)``. Same
        shape as ``y_true``.

    Returns
    -------
    float
        ``mean(max(z, 0) - z y + log1p(exp(-|z|)))`` over all examples.

    Raises
    ------
    ValueError
        If the shapes differ, if the input is empty, if a label is outside
        [0, 1] or nan, or if a score is not finite.
    TypeError
        If an input is not numeric.

    See Also
    --------
    binary_cross_entropy : The same loss from probabilities.

    Notes
    -----
    ``-log(sigmoid(z)) = log(1 + exp(-z))`` and
    ``-log(1 - sigmoid(z)) = log(1 + exp(z))``. Writing both as
    ``max(z, 0) - z y + log1p(exp(-|z|))`` keeps the exponential's argument
    at or below 0, so nothing overflows, and no probability is rounded to
    0 or 1 on the way. This is the formula of
    ``tf.nn.sigmoid_cross_entropy_with_logits``.

    Examples
    --------
    >>> from autograder.reference import binary_cross_entropy_from_logits
    >>> binary_cross_entropy_from_logits([1, 0], [2.0, -1.5])
    0.164170644512862...
    >>> binary_cross_entropy_from_logits([1.0], [-1000.0])
    1000.0
    """
    y, z = _pair(y_true, z, "z")
    if not np.all(np.isfinite(z)):
        bad = _first_bad(z, np.isfinite(z))
        raise ValueError(f"z must hold finite scores, got {bad}.")
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(np.mean(losses))


def fix_labels(y):
    """Labels as a one-unit binary classifier needs them.

    Parameters
    ----------
    y : array_like
        Labels in one of these formats, for ``n`` examples:

        * shape ``(n,)`` or ``(n, 1)`` of 0 and 1 (integers, floats or
          booleans);
        * shape ``(n, 2)``, one-hot: each row is ``[1, 0]`` (class 0) or
          ``[0, 1]`` (class 1);
        * shape ``(n,)`` or ``(n, 1)`` of the strings ``"yes"`` and
          ``"no"`` (any case, surrounding spaces ignored).

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(n,)`` holding 0.0 and 1.0.

    Raises
    ------
    ValueError
        If ``y`` is empty, has another shape, holds other values, or has
        a one-hot row that is not ``[1, 0]`` or ``[0, 1]``.

    Examples
    --------
    >>> from autograder.reference import fix_labels
    >>> fix_labels([[1, 0], [0, 1], [0, 1]])
    array([0., 1., 1.], dtype=float32)
    >>> fix_labels(["yes", "No "])
    array([1., 0.], dtype=float32)
    >>> fix_labels([0, 1, 2])
    Traceback (most recent call last):
    ...
    ValueError: y must hold only 0 and 1, got 2. ...
    """
    values = np.asarray(y)
    if values.size == 0:
        raise ValueError("y must hold at least one label, got an empty array.")
    if values.ndim == 2 and values.shape[1] == 2:
        return _from_one_hot(values)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(
            f"y must have shape (n,), (n, 1) or (n, 2) (one-hot), got shape "
            f"{values.shape}. A one-unit classifier needs one label per example."
        )
    if values.dtype.kind in "US":
        return _from_words(values)
    if values.dtype.kind not in "biuf":
        raise ValueError(
            f"y must hold numbers, booleans or 'yes'/'no', got dtype {values.dtype}."
        )
    bad = ~np.isin(values, [0, 1])
    if np.any(bad):
        raise ValueError(
            f"y must hold only 0 and 1, got {values[bad][0].item()!r}. Map the "
            "classes to 0 and 1 first."
        )
    return values.astype(np.float32)


def _from_one_hot(values):
    if values.dtype.kind not in "biuf":
        raise ValueError(f"one-hot labels must be numeric, got dtype {values.dtype}.")
    ok = np.isin(values, [0, 1]).all(axis=1) & (values.sum(axis=1) == 1)
    if not np.all(ok):
        row = int(np.argmin(ok))
        raise ValueError(
            f"y of shape {values.shape} looks one-hot, but row {row} is "
            f"{values[row].tolist()}; each row must be [1, 0] or [0, 1]."
        )
    return values[:, 1].astype(np.float32)


def _from_words(values):
    words = np.char.lower(np.char.strip(values.astype(str)))
    known = np.isin(words, ["yes", "no"])
    if not np.all(known):
        raise ValueError(
            f"y must hold only 'yes' and 'no' as strings, got "
            f"{values[~known][0].item()!r}."
        )
    return (words == "yes").astype(np.float32)


def _pair(y_true, values, name):
    """Labels and predictions as float64 arrays of one shape, or an error."""
    y, _ = as_float_array(y_true, "y_true")
    values, _ = as_float_array(values, name)
    if y.shape != values.shape:
        raise ValueError(
            f"y_true and {name} must have the same shape, got {y.shape} and "
            f"{values.shape}. NumPy would broadcast them into a table of "
            "every label against every prediction; reshape one of them, for "
            f"example {name}.reshape(y_true.shape)."
        )
    if y.size == 0:
        raise ValueError("y_true must hold at least one label, got none.")
    if not np.all(_unit(y)):
        bad = _first_bad(y, _unit(y))
        raise ValueError(f"y_true must hold labels in [0, 1], got {bad}.")
    return y, values


def _unit(values):
    """Where ``values`` lies in [0, 1] (False for nan)."""
    return (values >= 0) & (values <= 1)


def _first_bad(values, ok):
    """The first value where ``ok`` is False, for messages."""
    return repr(float(values[~ok][0]))
