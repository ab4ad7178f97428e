"""Exercise 3 (activations): plausible learner mistakes, and equivalent mutants.

Format as in ``corpus_01.py``. None of these is one of the fixtures in
``tests/fixtures/03-activations/``.
"""

from mutationlib import dtype_rule_head

HEAD = dtype_rule_head()

MUTANTS = {
    # tanh_from_sigmoid
    "tanh as 2 sigma(2x) - 1, cancelling near 0": (
        "tanh_from_sigmoid",
        "def tanh_from_sigmoid(x):\n"
        + HEAD
        + "    return (2 * sigmoid(2 * values) - 1).astype(dtype)[()]\n",
    ),
    "tanh as (1 - e) / (1 + e) with e = exp(-2x), overflowing": (
        "tanh_from_sigmoid",
        "def tanh_from_sigmoid(x):\n" + HEAD + "    e = np.exp(-2 * values)\n"
        "    return ((1 - e) / (1 + e)).astype(dtype)[()]\n",
    ),
    "tanh through the float64 sigmoid helper, float32 lost": (
        "tanh_from_sigmoid",
        "def tanh_from_sigmoid(x):\n"
        "    a = -2 * np.abs(np.asarray(x, dtype=float))\n"
        "    return np.copysign(-np.expm1(a) / (1 + np.exp(a)), x)[()]\n",
    ),
    "tanh with expm1 but no symmetry: overflows at -1000": (
        "tanh_from_sigmoid",
        "def tanh_from_sigmoid(x):\n"
        + HEAD
        + "    return (-np.expm1(-2 * values) / (1 + np.exp(-2 * values)))"
        ".astype(dtype)[()]\n",
    ),
    # softmax and log_softmax
    "softmax without keepdims": (
        "softmax",
        "return (e / np.sum(e, axis=axis, keepdims=True)).astype(dtype)",
        "return (e / np.sum(e, axis=axis)).astype(dtype)",
    ),
    "softmax subtracts the maximum of the whole array": (
        "softmax",
        "e = np.exp(values - np.max(values, axis=axis, keepdims=True))",
        "e = np.exp(values - np.max(values))",
    ),
    "softmax with np.nanmax (warns on an all-nan slice)": (
        "softmax",
        "e = np.exp(values - np.max(values, axis=axis, keepdims=True))",
        "e = np.exp(values - np.nanmax(values, axis=axis, keepdims=True))",
    ),
    "softmax always float64": (
        "softmax",
        "return (e / np.sum(e, axis=axis, keepdims=True)).astype(dtype)",
        "return e / np.sum(e, axis=axis, keepdims=True)",
    ),
    "softmax computed in the input's dtype (float16 stays float16)": (
        "softmax",
        "    values = values.astype(np.float64)\n    # Subtracting the maximum",
        "    # Subtracting the maximum",
    ),
    "log_softmax as the log of softmax": (
        "softmax",
        "    shifted = values - np.max(values, axis=axis, keepdims=True)\n"
        "    total = np.sum(np.exp(shifted), axis=axis, keepdims=True)\n"
        "    return (shifted - np.log(total)).astype(dtype)",
        "    with np.errstate(divide='ignore'):\n"
        "        return np.log(softmax(values, axis=axis)).astype(dtype)",
    ),
    "log_softmax without the shift inside the logarithm": (
        "softmax",
        "    shifted = values - np.max(values, axis=axis, keepdims=True)\n"
        "    total = np.sum(np.exp(shifted), axis=axis, keepdims=True)\n"
        "    return (shifted - np.log(total)).astype(dtype)",
        "    total = np.sum(np.exp(values), axis=axis, keepdims=True)\n"
        "    return (values - np.log(total)).astype(dtype)",
    ),
    "log_softmax always along the last axis": (
        "softmax",
        "    shifted = values - np.max(values, axis=axis, keepdims=True)\n"
        "    total = np.sum(np.exp(shifted), axis=axis, keepdims=True)",
        "    shifted = values - np.max(values, axis=-1, keepdims=True)\n"
        "    total = np.sum(np.exp(shifted), axis=-1, keepdims=True)",
    ),
    # relu and its successors
    "relu as x * (x > 0): -inf * 0 is nan": (
        "relu",
        "return np.maximum(values.astype(np.float64), 0).astype(dtype)[()]",
        "values = values.astype(np.float64)\n"
        "    with np.errstate(invalid='ignore'):\n"
        "        return (values * (values > 0)).astype(dtype)[()]",
    ),
    "relu_derivative loses nan": (
        "relu",
        "result = np.where(np.isnan(values), np.nan, (values > 0).astype(np.float64))",
        "result = (values > 0).astype(np.float64)",
    ),
    "leaky_relu as max(x, alpha x): wrong once alpha > 1": (
        "relu",
        "return np.where(values >= 0, values, alpha * values).astype(dtype)[()]",
        "return np.maximum(values, alpha * values).astype(dtype)[()]",
    ),
    "leaky_relu with alpha fixed at 0.01": (
        "relu",
        "return np.where(values >= 0, values, alpha * values).astype(dtype)[()]",
        "return np.where(values >= 0, values, 0.01 * values).astype(dtype)[()]",
    ),
    "gelu as x (1 + erf(x / sqrt 2)) / 2: cancels in the left tail": (
        "relu",
        "erfc = np.vectorize(math.erfc, otypes=[np.float64])\n"
        '    with np.errstate(invalid="ignore"):  # -inf * 0 at x = -inf, fixed below\n'
        "        result = 0.5 * values * erfc(-values / math.sqrt(2))",
        "erf = np.vectorize(math.erf, otypes=[np.float64])\n"
        '    with np.errstate(invalid="ignore"):  # -inf * 0 at x = -inf, fixed below\n'
        "        result = 0.5 * values * (1 + erf(values / math.sqrt(2)))",
    ),
    "gelu gives nan at -inf": (
        "relu",
        '    with np.errstate(invalid="ignore"):  # -inf * 0 at x = -inf, fixed below\n'
        "        result = 0.5 * values * erfc(-values / math.sqrt(2))\n"
        "    return np.where(values == -np.inf, 0.0, result).astype(dtype)[()]",
        '    with np.errstate(invalid="ignore"):\n'
        "        result = 0.5 * values * erfc(-values / math.sqrt(2))\n"
        "    return result.astype(dtype)[()]",
    ),
    "silu as x / (1 + exp(-x)), overflowing": (
        "relu",
        'with np.errstate(invalid="ignore"):  # -inf * 0 at x = -inf, fixed below\n'
        "        result = values * sigmoid(values)",
        "result = values / (1 + np.exp(-values))",
    ),
    "silu gives nan (and warns) at -inf": (
        "relu",
        'with np.errstate(invalid="ignore"):  # -inf * 0 at x = -inf, fixed below\n'
        "        result = values * sigmoid(values)\n"
        "    return np.where(values == -np.inf, 0.0, result).astype(dtype)[()]",
        "result = values * sigmoid(values)\n    return result.astype(dtype)[()]",
    ),
    # lstm_step
    "lstm candidate through the sigmoid": (
        "lstm_step",
        "sigmoid(z_i) * np.tanh(z_g)",
        "sigmoid(z_i) * sigmoid(z_g)",
    ),
    "lstm h_new without tanh of the cell": (
        "lstm_step",
        "h_new = sigmoid(z_o) * np.tanh(c_new)",
        "h_new = sigmoid(z_o) * c_new",
    ),
    "lstm without the recurrent term": (
        "lstm_step",
        "z = x @ kernel + h @ recurrent_kernel + bias",
        "z = x @ kernel + bias",
    ),
    "lstm forget gate on the candidate": (
        "lstm_step",
        "c_new = sigmoid(z_f) * c + sigmoid(z_i) * np.tanh(z_g)",
        "c_new = sigmoid(z_i) * c + sigmoid(z_f) * np.tanh(z_g)",
    ),
    "lstm returns float64 for float32 weights": (
        "lstm_step",
        "return h_new.astype(dtype), c_new.astype(dtype)",
        "return h_new, c_new",
    ),
    # choose_activations
    "sigmoid for the digits": (
        "choose_activations",
        '"digit_classification": "softmax"',
        '"digit_classification": "sigmoid"',
    ),
    "relu for the price": (
        "choose_activations",
        '"regression_output": "linear"',
        '"regression_output": "relu"',
    ),
    "sigmoid for the deep hidden layers": (
        "choose_activations",
        '"deep_hidden_layer": "relu"',
        '"deep_hidden_layer": "sigmoid"',
    ),
}

_SCALAR = (
    "a 0-d array where the reference returns a NumPy scalar: the contract asks "
    "for the input's shape, (), and a 0-d array behaves as a scalar"
)
_EXACT = (
    "computed in the input's own dtype, but the operation is exact in any "
    "precision (a comparison, a maximum, a 0/1 value), so the float64 result "
    "is the same"
)

EQUIVALENT = {
    "relu:9": _EXACT,
    "relu:12": _SCALAR,
    "relu_derivative:8": _EXACT,
    "relu_derivative:12": _EXACT,
    "relu_derivative:13": "np.where already makes float64 from the booleans",
    "relu_derivative:17": _SCALAR,
    "leaky_relu:10": "at x = 0 both branches give 0",
    "leaky_relu:19": _SCALAR,
    "gelu:39": _SCALAR,
    "silu:8": (
        "the float64 sigmoid helper makes the product float64, and float16 or "
        "float32 values are exact in float64"
    ),
    "silu:20": _SCALAR,
    "tanh_from_sigmoid:21": (
        "the magnitude's sign is dropped, but np.copysign takes only the "
        "magnitude of its first argument"
    ),
    "tanh_from_sigmoid:36": _SCALAR,
    "lstm_step:18": "z is 2-D, so axis -1 is axis 1",
    "lstm_step:22": "z is 2-D, so axis -1 is axis 1",
}
