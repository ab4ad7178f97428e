"""Distances between floating-point numbers in units in the last place (ULP)."""

import numpy as np

_INT_OF = {np.dtype(np.float64): np.int64, np.dtype(np.float32): np.int32}


def ulp_distance(a, b):
    """Number of representable floats between ``a`` and ``b``.

    Both arguments are converted to the dtype of ``b`` (float32 or float64).
    0 means bit-for-bit equal (``+0.0`` and ``-0.0`` count as equal, and so do
    two nans); 1 means neighbours. A nan against a number, or infinities of
    opposite signs, are ``inf`` apart.

    Parameters
    ----------
    a, b : array_like
        Values to compare, broadcast against each other.

    Returns
    -------
    numpy.ndarray or numpy.float64
        The distance, as float64 so that it can hold ``inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.ulp import ulp_distance
    >>> ulp_distance(1.0, np.nextafter(1.0, 2.0))
    np.float64(1.0)
    >>> ulp_distance(np.float32(0.0), np.float32(1e-45))
    np.float64(1.0)
    >>> ulp_distance(np.nan, 0.0)
    np.float64(inf)
    """
    b = np.asarray(b)
    dtype = b.dtype if b.dtype in _INT_OF else np.dtype(np.float64)
    a = np.asarray(a, dtype=dtype)
    b = b.astype(dtype)
    mag_a, mag_b = _magnitude(a), _magnitude(b)
    same_sign = np.signbit(a) == np.signbit(b)
    # Same sign: subtract the integers exactly. Opposite signs: the floats
    # between are those down to zero on each side; such distances are huge,
    # and float64 rounding of them does not matter.
    with np.errstate(over="ignore"):
        distance = np.where(
            same_sign,
            np.abs(mag_a - mag_b).astype(np.float64),
            mag_a.astype(np.float64) + mag_b.astype(np.float64),
        )
    a_nan, b_nan = np.isnan(a), np.isnan(b)
    distance = np.where(a_nan | b_nan, np.inf, distance)
    distance = np.where(a_nan & b_nan, 0.0, distance)
    return distance[()] if distance.ndim == 0 else distance


def _magnitude(x):
    """Integer that counts the representable floats from zero up to ``|x|``."""
    bits = x.view(_INT_OF[x.dtype]).astype(np.int64)
    return bits & np.iinfo(_INT_OF[x.dtype]).max
