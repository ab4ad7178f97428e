"""Exercise 3: five genuinely different correct answers (see correct_01.py).

Answers not given are the reference's.
"""

from mutationlib import dtype_rule_head

HEAD = dtype_rule_head()
Z_HEAD = dtype_rule_head("z")
SIGNATURES = {
    "relu": "relu(x)",
    "relu_derivative": "relu_derivative(x)",
    "leaky_relu": "leaky_relu(x, alpha=0.01)",
    "gelu": "gelu(x)",
    "silu": "silu(x)",
}


def relu_cell(**bodies):
    """The cell of the five ReLU-like functions, from their bodies."""
    return "\n\n".join(
        f"def {SIGNATURES[name]}:\n" + HEAD + bodies[name] for name in SIGNATURES
    )


CORRECT = {
    # Each sign handled by its own formula; the axis moved to the end.
    "branches": {
        "tanh_from_sigmoid": "def tanh_from_sigmoid(x):\n"
        + HEAD
        + "    with np.errstate(over='ignore', invalid='ignore'):\n"
        "        up = -np.expm1(-2 * values) / (1 + np.exp(-2 * values))\n"
        "        down = np.expm1(2 * values) / (1 + np.exp(2 * values))\n"
        "    return np.where(values >= 0, up, down).astype(dtype)[()]\n",
        "softmax": "def softmax(z, axis=-1):\n"
        + Z_HEAD
        + "    moved = np.moveaxis(values, axis, -1)\n"
        "    e = np.exp(moved - moved.max(axis=-1)[..., None])\n"
        "    out = e / e.sum(axis=-1)[..., None]\n"
        "    return np.moveaxis(out, -1, axis).astype(dtype)\n\n\n"
        "def log_softmax(z, axis=-1):\n"
        + Z_HEAD
        + "    moved = np.moveaxis(values, axis, -1)\n"
        "    top = moved.max(axis=-1)[..., None]\n"
        "    total = np.exp(moved - top).sum(axis=-1)[..., None]\n"
        "    return np.moveaxis(moved - top - np.log(total), -1, axis).astype(dtype)\n",
        "relu": relu_cell(
            relu="    keep = np.isnan(values) | (values > 0)\n"
            "    return np.where(keep, values, 0.0).astype(dtype)[()]\n",
            relu_derivative="    return np.heaviside(values, 0.0).astype(dtype)[()]\n",
            leaky_relu="    scale = np.where(values < 0, alpha, 1.0)\n"
            "    return (values * scale).astype(dtype)[()]\n",
            gelu="    phi = [math.erfc(-v / math.sqrt(2)) / 2 for v in values.flat]\n"
            "    phi = np.reshape(phi, values.shape)\n"
            "    with np.errstate(invalid='ignore'):\n"
            "        result = np.where(np.isneginf(values), 0.0, values * phi)\n"
            "    return result.astype(dtype)[()]\n",
            silu="    e = np.exp(-np.abs(values))\n"
            "    s = np.where(values >= 0, 1 / (1 + e), e / (1 + e))\n"
            "    with np.errstate(invalid='ignore'):\n"
            "        result = np.where(np.isneginf(values), 0.0, values * s)\n"
            "    return result.astype(dtype)[()]\n",
        ),
        "lstm_step": "def lstm_step(x, h, c, kernel, recurrent_kernel, bias):\n"
        "    z = np.dot(x, kernel) + np.dot(h, recurrent_kernel) + bias\n"
        "    i, f, g, o = np.hsplit(z, 4)\n"
        "    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)\n"
        "    h_new = sigmoid(o) * np.tanh(c_new)\n"
        "    return h_new.astype(x.dtype), c_new.astype(x.dtype)\n",
    },
    # tanh from expm1 alone; log_softmax first, softmax its exponential.
    "expm1_logsumexp": {
        "tanh_from_sigmoid": "def tanh_from_sigmoid(x):\n"
        + HEAD
        + "    m = np.expm1(-2 * np.abs(values))  # in [-1, 0]\n"
        "    return np.copysign(-m / (2 + m), values).astype(dtype)[()]\n",
        "softmax": "def log_softmax(z, axis=-1):\n"
        + Z_HEAD
        + "    top = np.max(values, axis=axis, keepdims=True)\n"
        "    shifted = np.exp(values - top)\n"
        "    lse = top + np.log(np.sum(shifted, axis=axis, keepdims=True))\n"
        "    return (values - lse).astype(dtype)\n\n\n"
        "def softmax(z, axis=-1):\n"
        + Z_HEAD
        + "    return np.exp(log_softmax(values, axis)).astype(dtype)\n",
        "relu": relu_cell(
            relu="    return np.clip(values, 0, None).astype(dtype)[()]\n",
            relu_derivative="    slope = np.zeros_like(values)\n"
            "    slope[values > 0] = 1.0\n"
            "    slope[np.isnan(values)] = np.nan\n"
            "    return slope.astype(dtype)[()]\n",
            leaky_relu="    out = values.copy()\n"
            "    out[values < 0] *= alpha\n"
            "    return out.astype(dtype)[()]\n",
            gelu="    erfc = np.frompyfunc(math.erfc, 1, 1)\n"
            "    phi = np.asarray(erfc(-values / math.sqrt(2)), dtype=np.float64) / 2\n"
            "    finite = ~np.isneginf(values)\n"
            "    result = np.zeros_like(values)\n"
            "    result[finite] = values[finite] * phi[finite]\n"
            "    return result.astype(dtype)[()]\n",
            silu="    result = np.zeros_like(values)\n"
            "    up = values >= 0\n"
            "    result[up] = values[up] / (1 + np.exp(-values[up]))\n"
            "    low = (values < 0) & ~np.isneginf(values)\n"
            "    e = np.exp(values[low])\n"
            "    result[low] = values[low] * e / (1 + e)\n"
            "    result[np.isnan(values)] = np.nan\n"
            "    return result.astype(dtype)[()]\n",
        ),
    },
    # One number at a time with the math module; softmax slice by slice.
    "scalar": {
        "tanh_from_sigmoid": "def tanh_from_sigmoid(x):\n" + HEAD + "    def one(v):\n"
        "        if math.isnan(v):\n"
        "            return v\n"
        "        m = math.expm1(-2 * abs(v))\n"
        "        return math.copysign(-m / (2 + m), v)\n"
        "    return np.vectorize(one, otypes=[np.float64])(values).astype(dtype)[()]\n",
        "softmax": "def softmax(z, axis=-1):\n" + Z_HEAD + "    def one(row):\n"
        "        e = np.exp(row - row.max())\n"
        "        return e / e.sum()\n"
        "    return np.apply_along_axis(one, axis, values).astype(dtype)\n\n\n"
        "def log_softmax(z, axis=-1):\n" + Z_HEAD + "    def one(row):\n"
        "        shifted = row - row.max()\n"
        "        return shifted - np.log(np.exp(shifted).sum())\n"
        "    return np.apply_along_axis(one, axis, values).astype(dtype)\n",
    },
    # tanh(|x|) times the sign; LSTM gates by slicing.
    "sign_slices": {
        "tanh_from_sigmoid": "def tanh_from_sigmoid(x):\n"
        + HEAD
        + "    a = np.abs(values)\n"
        "    e = np.exp(-2 * a)\n"
        "    return (np.sign(values) * (-np.expm1(-2 * a)) / (1 + e)).astype(dtype)[()]\n",  # noqa: E501
        "lstm_step": "def lstm_step(x, h, c, kernel, recurrent_kernel, bias):\n"
        "    n = h.shape[1]\n"
        "    z = x @ kernel + h @ recurrent_kernel + bias\n"
        "    gate = {name: z[:, k * n:(k + 1) * n] for k, name in "
        "enumerate('ifgo')}\n"
        "    c_new = sigmoid(gate['f']) * c + sigmoid(gate['i']) * np.tanh(gate['g'])\n"
        "    h_new = sigmoid(gate['o']) * np.tanh(c_new)\n"
        "    dtype = np.float32 if x.dtype == np.float32 else np.float64\n"
        "    return h_new.astype(dtype), c_new.astype(dtype)\n",
        "choose_activations": "def choose_activations():\n"
        "    return {\n"
        "        'multi_label_tagging': 'Sigmoid',\n"
        "        'digit_classification': 'softmax',\n"
        "        'lstm_gate': 'sigmoid',\n"
        "        'deep_hidden_layer': 'gelu',\n"
        "        'regression_output': 'linear',\n"
        "    }\n",
    },
    # The reference's formulas written with np.errstate and masks only.
    "masked": {
        "softmax": "def softmax(z, axis=-1):\n"
        + Z_HEAD
        + "    values = values - values.max(axis=axis, keepdims=True)\n"
        "    np.exp(values, out=values)\n"
        "    values /= values.sum(axis=axis, keepdims=True)\n"
        "    return values.astype(dtype)\n\n\n"
        "def log_softmax(z, axis=-1):\n"
        + Z_HEAD
        + "    values = values - values.max(axis=axis, keepdims=True)\n"
        "    values -= np.log(np.exp(values).sum(axis=axis, keepdims=True))\n"
        "    return values.astype(dtype)\n",
        "relu": relu_cell(
            relu="    out = values.copy()\n"
            "    out[out < 0] = 0.0\n"
            "    return out.astype(dtype)[()]\n",
            relu_derivative="    out = np.where(values > 0, 1.0, 0.0)\n"
            "    out[np.isnan(values)] = np.nan\n"
            "    return out.astype(dtype)[()]\n",
            leaky_relu="    return np.where(values >= 0, values, alpha * values)"
            ".astype(dtype)[()]\n",
            gelu="    erfc = np.vectorize(math.erfc, otypes=[np.float64])\n"
            "    out = np.zeros_like(values)\n"
            "    keep = ~np.isneginf(values)\n"
            "    out[keep] = 0.5 * values[keep] * erfc(-values[keep] / math.sqrt(2))\n"
            "    return out.astype(dtype)[()]\n",
            silu="    out = np.zeros_like(values)\n"
            "    keep = ~np.isneginf(values)\n"
            "    out[keep] = values[keep] * sigmoid(values[keep])\n"
            "    return out.astype(dtype)[()]\n",
        ),
    },
}
