"""Turn user input into a float array, or explain what is wrong with it."""

import numpy as np


def as_float_array(x, name="x"):
    """Return ``x`` as a float64 array, and the dtype the result should have.

    float32 input keeps float32 results; every other real input (Python
    numbers, integers, bools, float16, float64, longdouble) gives float64.
    The returned array is always a copy, so callers may work in place
    without touching the caller's data.

    Raises
    ------
    TypeError
        If ``x`` is complex, or not numeric at all (strings, objects, None).
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"{name} must be a real number or an array of real numbers; "
            f"could not convert {x!r} to an array ({exc})."
        ) from None
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(
            f"{name} must be real, but it has complex dtype {arr.dtype} "
            f"(value {_short(x)}). Pass the real part, e.g. np.real({name}), "
            "if the imaginary part is zero."
        )
    if kind not in "biuf":
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, "
            f"but got {type(x).__name__} with dtype {arr.dtype} "
            f"(value {_short(x)}). Convert it with np.asarray({name}, "
            "dtype=float) first."
        )
    out_dtype = np.float32 if arr.dtype == np.float32 else np.float64
    return arr.astype(np.float64, copy=True), out_dtype


def finish(result, out_dtype, scalar):
    """Cast ``result`` to ``out_dtype``; a NumPy scalar if the input was one."""
    with np.errstate(all="ignore"):  # float32 results may be subnormal
        result = result.astype(out_dtype, copy=False)
    return result[()] if scalar else result


def _short(x, limit=60):
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."
