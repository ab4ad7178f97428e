"""Exercise 1: five genuinely different correct answers.

Each maps a cell to the whole answer; every one must get full marks (see
tests/test_mutation.py in process, and tests/test_grading.py through the
real command, as the fixtures ``correct-<variant>``).
"""

from mutationlib import dtype_rule_head

HEAD = dtype_rule_head()
P_HEAD = dtype_rule_head("p")

CORRECT = {
    # Boolean masks: each branch computed only where it applies.
    "masked": {
        "sigmoid": "def sigmoid(x):\n" + HEAD + "    result = np.empty_like(values)\n"
        "    up = values >= 0\n"
        "    result[up] = 1 / (1 + np.exp(-values[up]))\n"
        "    e = np.exp(values[~up])\n"
        "    result[~up] = e / (1 + e)\n"
        "    return result.astype(dtype)[()]\n",
        "sigmoid_derivative": "def sigmoid_derivative(x):\n"
        + HEAD
        + "    e = np.exp(-np.abs(values))\n"
        "    return (e / (1 + e) / (1 + e)).astype(dtype)[()]\n",
        "logit": "def logit(p):\n"
        + P_HEAD
        + "    result = np.full_like(values, np.nan)\n"
        "    low = (values >= 0) & (values < 0.25)\n"
        "    mid = (values >= 0.25) & (values <= 1)\n"
        "    with np.errstate(divide='ignore'):\n"
        "        result[low] = np.log(values[low]) - np.log1p(-values[low])\n"
        "        v = values[mid]\n"
        "        result[mid] = np.log1p((2 * v - 1) / (1 - v))\n"
        "    return result.astype(dtype)[()]\n",
        "log_sigmoid": "def log_sigmoid(x):\n"
        + HEAD
        + "    result = np.empty_like(values)\n"
        "    up = values >= 0\n"
        "    result[up] = -np.log1p(np.exp(-values[up]))\n"
        "    v = values[~up]\n"
        "    result[~up] = v - np.log1p(np.exp(v))\n"
        "    return result.astype(dtype)[()]\n",
    },
    # Python's math module, one number at a time.
    "scalar": {
        "sigmoid": "import math\n\n\ndef sigmoid(x):\n" + HEAD + "    def one(v):\n"
        "        if math.isnan(v):  # a comparison with nan raises a NumPy warning\n"
        "            return v\n"
        "        if v >= 0:\n"
        "            return 1 / (1 + math.exp(-v))\n"
        "        e = math.exp(v)\n"
        "        return e / (1 + e)\n"
        "    return np.vectorize(one, otypes=[np.float64])(values).astype(dtype)[()]\n",
        "sigmoid_derivative": "def sigmoid_derivative(x):\n"
        + HEAD
        + "    def one(v):\n"
        "        e = math.exp(-abs(v))\n"
        "        return e / (1 + e) ** 2\n"
        "    return np.vectorize(one, otypes=[np.float64])(values).astype(dtype)[()]\n",
        "logit": "def logit(p):\n" + P_HEAD + "    def one(v):\n"
        "        if math.isnan(v) or v < 0 or v > 1:\n"
        "            return math.nan\n"
        "        if v == 0:\n"
        "            return -math.inf\n"
        "        if v == 1:\n"
        "            return math.inf\n"
        "        if v < 0.25:\n"
        "            return math.log(v) - math.log1p(-v)\n"
        "        if v < 0.5:\n"
        "            return -math.log1p((1 - 2 * v) / v)\n"
        "        return math.log1p((2 * v - 1) / (1 - v))\n"
        "    return np.vectorize(one, otypes=[np.float64])(values).astype(dtype)[()]\n",
        "log_sigmoid": "def log_sigmoid(x):\n" + HEAD + "    def one(v):\n"
        "        if math.isnan(v):\n"
        "            return math.nan\n"
        "        return min(v, 0.0) - math.log1p(math.exp(-abs(v)))\n"
        "    return np.vectorize(one, otypes=[np.float64])(values).astype(dtype)[()]\n",
    },
    # tanh for the upper half, the product sigma(x) sigma(-x), log1p
    # mirrored, logaddexp.
    "tanh_logaddexp": {
        "sigmoid": "def sigmoid(x):\n" + HEAD + "    e = np.exp(-np.abs(values))\n"
        "    # 1 + tanh(x / 2) is in [1, 2] for x >= 0: nothing cancels.\n"
        "    upper = 0.5 * (1 + np.tanh(np.abs(values) / 2))\n"
        "    return np.where(values >= 0, upper, e / (1 + e)).astype(dtype)[()]\n",
        "sigmoid_derivative": "def sigmoid_derivative(x):\n"
        + HEAD
        + "    return (sigmoid(values) * sigmoid(-values)).astype(dtype)[()]\n",
        "logit": "def logit(p):\n" + P_HEAD + "    with np.errstate(all='ignore'):\n"
        "        tiny = np.log(values)\n"
        "        lower = -np.log1p((1 - 2 * values) / values)\n"
        "        upper = np.log1p((2 * values - 1) / (1 - values))\n"
        "    result = np.select([values < 1e-300, values < 0.5], [tiny, lower], upper)\n"  # noqa: E501
        "    return result.astype(dtype)[()]\n",
        "log_sigmoid": "def log_sigmoid(x):\n"
        + HEAD
        + "    with np.errstate(invalid='ignore'):  # nan in, nan out\n"
        "        return (-np.logaddexp(0, -values)).astype(dtype)[()]\n",
    },
    # np.piecewise evaluates each formula on its own part of the input.
    "piecewise": {
        "sigmoid": "def sigmoid(x):\n"
        + HEAD
        + "    result = np.piecewise(values, [values >= 0], [\n"
        "        lambda v: 1 / (1 + np.exp(-v)),\n"
        "        lambda v: np.exp(v) / (1 + np.exp(v)),\n"
        "    ])\n"
        "    return result.astype(dtype)[()]\n",
        "sigmoid_derivative": "def sigmoid_derivative(x):\n"
        + HEAD
        + "    s = sigmoid(values)\n"
        "    t = sigmoid(-values)\n"
        "    return (s * t).astype(dtype)[()]\n",
        "logit": "def logit(p):\n"
        + P_HEAD
        + "    inside = (values >= 0) & (values <= 1)\n"
        "    with np.errstate(all='ignore'):\n"
        "        result = np.piecewise(values, [\n"
        "            inside & (values < 0.25),\n"
        "            inside & (values >= 0.25) & (values < 0.5),\n"
        "            inside & (values >= 0.5),\n"
        "        ], [\n"
        "            lambda v: np.log(v) - np.log1p(-v),\n"
        "            lambda v: -np.log1p((1 - 2 * v) / v),\n"
        "            lambda v: np.log1p((2 * v - 1) / (1 - v)),\n"
        "            np.nan,\n"
        "        ])\n"
        "    return result.astype(dtype)[()]\n",
        "log_sigmoid": "def log_sigmoid(x):\n"
        + HEAD
        + "    result = np.piecewise(values, [values >= 0, values < 0], [\n"
        "        lambda v: -np.log1p(np.exp(-v)),\n"
        "        lambda v: v - np.log1p(np.exp(v)),\n"
        "        np.nan,\n"
        "    ])\n"
        "    return result.astype(dtype)[()]\n",
    },
    # Work in place on a float64 copy; logit through arctanh.
    "inplace_copy": {
        "sigmoid": "def sigmoid(x):\n"
        "    dtype = np.float32 if np.asarray(x).dtype == np.float32 else np.float64\n"
        "    v = np.asarray(x)\n"
        "    e = np.array(x, dtype=np.float64)  # a copy: free to overwrite\n"
        "    np.abs(e, out=e)\n"
        "    np.negative(e, out=e)\n"
        "    np.exp(e, out=e)\n"
        "    top = np.where(v >= 0, 1.0, e)\n"
        "    return (top / (1 + e)).astype(dtype)[()]\n",
        "sigmoid_derivative": "def sigmoid_derivative(x):\n"
        "    dtype = np.float32 if np.asarray(x).dtype == np.float32 else np.float64\n"
        "    e = np.array(x, dtype=np.float64)\n"
        "    np.abs(e, out=e)\n"
        "    np.negative(e, out=e)\n"
        "    np.exp(e, out=e)\n"
        "    return (e / np.square(1 + e)).astype(dtype)[()]\n",
        "logit": "def logit(p):\n" + P_HEAD + "    with np.errstate(all='ignore'):\n"
        "        tails = np.log(values) - np.log1p(-values)\n"
        "        # 2p - 1 is exact for p >= 1/4, and arctanh is accurate.\n"
        "        middle = 2 * np.arctanh(2 * values - 1)\n"
        "    result = np.where(values < 0.25, tails, middle)\n"
        "    result[(values < 0) | (values > 1)] = np.nan\n"
        "    return result.astype(dtype)[()]\n",
        "log_sigmoid": "def log_sigmoid(x):\n"
        + HEAD
        + "    with np.errstate(invalid='ignore'):\n"
        "        return (np.minimum(values, 0) - np.log1p(np.exp(-np.abs(values))))"
        ".astype(dtype)[()]\n",
    },
}
