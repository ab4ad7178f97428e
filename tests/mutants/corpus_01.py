"""Exercise 1 (the sigmoid): plausible learner mistakes, and equivalent mutants.

``MUTANTS`` maps a name to ``(cell, source)`` (a whole answer) or ``(cell,
old, new)`` (one piece of the reference answer replaced). Each one is wrong
somewhere the notebook's contract covers, and none is one of the fixtures in
``tests/fixtures/01-sigmoid/``. ``EQUIVALENT`` lists the generated mutants
(``benchmarks/mutation.py``) that compute what the reference computes, with
the reason.
"""

from mutationlib import dtype_rule_head

HEAD = dtype_rule_head()

MUTANTS = {
    # sigmoid
    "sigmoid textbook formula, warnings silenced": (
        "sigmoid",
        "def sigmoid(x):\n" + HEAD + "    with np.errstate(all='ignore'):\n"
        "        return (1 / (1 + np.exp(-values))).astype(dtype)[()]\n",
    ),
    "sigmoid both branches of np.where evaluated, overflow warns": (
        "sigmoid",
        "def sigmoid(x):\n"
        + HEAD
        + "    result = np.where(values >= 0, 1 / (1 + np.exp(-values)),"
        " np.exp(values) / (1 + np.exp(values)))\n"
        "    return result.astype(dtype)[()]\n",
    ),
    "sigmoid input clipped to [-500, 500]": (
        "sigmoid",
        "def sigmoid(x):\n"
        + HEAD
        + "    return (1 / (1 + np.exp(-np.clip(values, -500, 500)))).astype(dtype)[()]\n",  # noqa: E501
    ),
    "sigmoid always float64": (
        "sigmoid",
        "return result.astype(dtype)[()]",
        "return result[()]",
    ),
    "sigmoid computed in the input's own dtype (float16 stays float16)": (
        "sigmoid",
        "def sigmoid(x):\n"
        "    values = np.asarray(x)\n"
        "    e = np.exp(-np.abs(values))\n"
        "    return np.where(values >= 0, 1 / (1 + e), e / (1 + e))[()]\n",
    ),
    "sigmoid negates its input in place": (
        "sigmoid",
        "def sigmoid(x):\n"
        "    values = np.asarray(x, dtype=np.float64 if np.asarray(x).dtype !="
        " np.float32 else np.float32)\n"
        "    if values.ndim:\n"
        "        np.abs(values, out=values)\n"
        "        np.negative(values, out=values)\n"
        "    e = np.exp(-np.abs(values))\n"
        "    return np.where(np.asarray(x) >= 0, 1 / (1 + e), e / (1 + e))[()]\n",
    ),
    "sigmoid through tanh: 0.5 * (1 + tanh(x / 2)) cancels for x << 0": (
        "sigmoid",
        "def sigmoid(x):\n"
        + HEAD
        + "    return (0.5 * (1 + np.tanh(values / 2))).astype(dtype)[()]\n",
    ),
    # sigmoid_derivative
    "derivative as s * (1 - s) with the stable sigmoid": (
        "sigmoid_derivative",
        "def sigmoid_derivative(x):\n" + HEAD + "    e = np.exp(-np.abs(values))\n"
        "    s = np.where(values >= 0, 1 / (1 + e), e / (1 + e))\n"
        "    return (s * (1 - s)).astype(dtype)[()]\n",
    ),
    "derivative exp(-x) / (1 + exp(-x))**2 without the absolute value": (
        "sigmoid_derivative",
        "e = np.exp(-np.abs(values))",
        "e = np.exp(-values)",
    ),
    "derivative as e / (1 + e**2)": (
        "sigmoid_derivative",
        "(e / (1 + e) ** 2)",
        "(e / (1 + e**2))",
    ),
    # logit
    "logit as log(p / (1 - p)), warnings silenced": (
        "logit",
        "def logit(p):\n"
        + dtype_rule_head("p")
        + "    with np.errstate(all='ignore'):\n"
        "        return np.log(values / (1 - values)).astype(dtype)[()]\n",
    ),
    "logit as log(p) - log(1 - p), warnings silenced": (
        "logit",
        "def logit(p):\n"
        + dtype_rule_head("p")
        + "    with np.errstate(all='ignore'):\n"
        "        return (np.log(values) - np.log(1 - values)).astype(dtype)[()]\n",
    ),
    "logit clips p into [0, 1] instead of giving nan": (
        "logit",
        "values = values.astype(np.float64)",
        "values = np.clip(values.astype(np.float64), 0, 1)",
    ),
    "logit's log1p form used on the whole domain": (
        "logit",
        "[values < 0.25, values < 0.5, values <= 0.75], [tails, lower, upper], tails",
        "[values < 0], [tails], upper",
    ),
    "logit without np.errstate: warns at 0 and 1": (
        "logit",
        "def logit(p):\n"
        + dtype_rule_head("p")
        + "    return (np.log(values) - np.log1p(-values)).astype(dtype)[()]\n",
    ),
    # log_sigmoid
    "log_sigmoid as log of the stable sigmoid": (
        "log_sigmoid",
        "def log_sigmoid(x):\n" + HEAD + "    e = np.exp(-np.abs(values))\n"
        "    s = np.where(values >= 0, 1 / (1 + e), e / (1 + e))\n"
        "    with np.errstate(divide='ignore'):\n"
        "        return np.log(s).astype(dtype)[()]\n",
    ),
    "log_sigmoid as -log1p(exp(-x))": (
        "log_sigmoid",
        "def log_sigmoid(x):\n"
        + HEAD
        + "    return (-np.log1p(np.exp(-values))).astype(dtype)[()]\n",
    ),
    "log_sigmoid with log(1 + ...) instead of log1p": (
        "log_sigmoid",
        "np.log1p(np.exp(-np.abs(values)))",
        "np.log(1 + np.exp(-np.abs(values)))",
    ),
    "log_sigmoid as x - log1p(exp(x))": (
        "log_sigmoid",
        "def log_sigmoid(x):\n"
        + HEAD
        + "    return (values - np.log1p(np.exp(values))).astype(dtype)[()]\n",
    ),
    "log_sigmoid with max instead of min": (
        "log_sigmoid",
        "np.minimum(values, 0)",
        "np.maximum(values, 0)",
    ),
}

_SCALAR = (
    "a 0-d array where the reference returns a NumPy scalar: the contract asks "
    "for the input's shape, (), and a 0-d array behaves as a scalar"
)
_LOGIT_BRANCH = (
    "moves the boundary between logit's formulas within a range where both "
    "are accurate to 1 ULP (checked against mpmath on 900 points of [0, 1])"
)
_LOGIT_NAN = (
    "outside [0, 1] the logarithms give nan by themselves (log of a negative "
    "number, log1p below -1), so masking with nan is a no-op"
)

EQUIVALENT = {
    "sigmoid:14": "at x = 0 both branches give 1/2 exactly",
    "sigmoid:44": _SCALAR,
    "sigmoid_derivative:32": _SCALAR,
    "logit:62": _LOGIT_BRANCH,
    "logit:65": _LOGIT_BRANCH,
    "logit:67": _LOGIT_BRANCH,
    "logit:68": _LOGIT_BRANCH,
    "logit:69": _LOGIT_BRANCH,
    "logit:72": _LOGIT_BRANCH,
    "logit:78": _LOGIT_BRANCH,
    "logit:79": _LOGIT_BRANCH,
    "logit:80": _LOGIT_BRANCH,
    "logit:87": _LOGIT_NAN,
    "logit:90": _LOGIT_NAN,
    "logit:91": _LOGIT_NAN,
    "logit:92": _LOGIT_NAN,
    "logit:93": _LOGIT_NAN,
    "logit:95": _SCALAR,
    "log_sigmoid:20": _SCALAR,
}
