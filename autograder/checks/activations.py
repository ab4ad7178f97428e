"""Checks of exercise 3 (activations).

:func:`check_values`, :func:`check_shapes` and :func:`check_extremes` serve
the elementwise functions; :func:`check_arrays` adds the functions with
options (softmax's axis, leaky_relu's alpha) or several arguments
(lstm_step).
"""

import warnings

import numpy as np

from autograder import reference
from autograder.checks.machinery import (
    HINTS,
    CheckFailure,
    _call,
    _describe,
    _message,
    _private,
    _reference,
    _same_input,
)

HINTS.update(
    {
        ("tanh_from_sigmoid", "values"): (
            "tanh(x) = 2 * sigma(2x) - 1: the factor 2 goes both inside and "
            "outside the sigmoid."
        ),
        ("tanh_from_sigmoid", "extremes"): (
            "2 * sigma(2x) - 1 subtracts two nearly equal numbers near 0 and "
            "keeps only rounding error. Written out it is (1 - e) / (1 + e) with "
            "e = exp(-2x); for x >= 0 compute 1 - e as -np.expm1(-2x), and use "
            "tanh(-x) = -tanh(x) for the negative half, so exp never overflows."
        ),
        ("tanh_from_sigmoid", "shapes"): (
            "The sigmoid helper above works in float64 and returns float64, "
            "whatever it is given: convert your result back with "
            ".astype(np.float32) when x is float32 (x.dtype tells you), and to "
            "float64 otherwise. Never assign into x."
        ),
        ("silu", "shapes"): (
            "x * sigmoid(x) is float64 whatever x is, because the sigmoid "
            "helper above returns float64: convert the result back with "
            ".astype(np.float32) when x is float32, and to float64 otherwise."
        ),
        ("relu", "values"): "relu(x) = max(x, 0), elementwise: np.maximum.",
        ("relu", "extremes"): (
            "nan must stay nan: np.maximum(x, 0) keeps it, while "
            "np.where(x > 0, x, 0) turns it into 0."
        ),
        ("relu_derivative", "values"): (
            "The slope is 1 for x > 0 and 0 for x < 0. At x = 0 ReLU has no "
            "derivative; Keras and TensorFlow use 0 there, and so do we."
        ),
        ("relu_derivative", "extremes"): (
            "nan must give nan (the comparison x > 0 is False for nan, so "
            "handle it with np.isnan), and the infinities give 0 and 1."
        ),
        ("leaky_relu", "values"): (
            "leaky_relu(x, alpha) = x for x >= 0 and alpha * x below; use the "
            "alpha argument, not a fixed number."
        ),
        ("leaky_relu", "extremes"): "nan must stay nan; -inf gives -inf.",
        ("gelu", "values"): (
            "gelu(x) = x * Phi(x) with Phi(x) = (1 + erf(x / sqrt(2))) / 2, the "
            "exact erf form; x/2 * (1 + tanh(...)) is only an approximation, off "
            "by up to about 1e-3. NumPy has no erf, but math.erf and math.erfc "
            "do, one number at a time."
        ),
        ("gelu", "extremes"): (
            "For x below about -8, 1 + erf(x / sqrt(2)) cancels to exactly 0 "
            "although Phi(x) is still about 1e-16 or larger. "
            "Phi(x) = erfc(-x / sqrt(2)) / 2 has no cancellation."
        ),
        ("silu", "values"): "silu(x) = x * sigma(x), the sigmoid as a gate on x.",
        ("silu", "extremes"): (
            "x / (1 + exp(-x)) overflows in exp for x below about -709 (and "
            "warns). Multiply x by a sigmoid that never overflows, the one from "
            "exercise 1."
        ),
        ("softmax", "values"): (
            "softmax(z)_i = exp(z_i) / sum_j exp(z_j), where the sum runs along "
            "`axis` only (np.sum(..., axis=axis, keepdims=True)), so that every "
            "slice along that axis sums to 1."
        ),
        ("softmax", "extremes"): (
            "exp(1000) overflows to inf, and inf / inf is nan. Softmax does not "
            "change when a constant is added to every score: subtract "
            "np.max(z, axis=axis, keepdims=True) first, so every exponent is at "
            "most 0. A slice holding nan must give nan."
        ),
        ("log_softmax", "values"): (
            "log_softmax(z) = z - log(sum(exp(z))), the sum along `axis` with "
            "keepdims=True."
        ),
        ("log_softmax", "extremes"): (
            "log(softmax(z)) is -inf once softmax underflows to 0. With "
            "m = max(z) along the axis, log_softmax(z) = (z - m) - "
            "log(sum(exp(z - m))): nothing overflows and nothing is -inf."
        ),
        ("lstm_step", "values"): (
            "z = x @ kernel + h @ recurrent_kernel + bias, split into four "
            "blocks of `units` columns in Keras's order: input gate, forget "
            "gate, candidate, output gate. i, f, o are sigmoids and the "
            "candidate a tanh; c_new = f * c + i * g, h_new = o * tanh(c_new); "
            "return (h_new, c_new)."
        ),
    }
)


# The five tasks of the exercise's question: the answers accepted (in
# lower case, words joined by underscores) and why.
ACTIVATION_TASKS = {
    "multi_label_tagging": (
        {"sigmoid", "logistic"},
        "Each tag is its own yes/no question and a photo can carry several "
        "tags, so each output unit needs its own probability: one sigmoid per "
        "tag. Softmax would force the tags to compete for a total of 1.",
    ),
    "digit_classification": (
        {"softmax"},
        "Each image shows exactly one of ten digits: the outputs are one "
        "probability distribution, which softmax makes them (they sum to 1).",
    ),
    "lstm_gate": (
        {"sigmoid", "logistic"},
        "A gate multiplies a signal by a number between 0 (block) and 1 "
        "(pass): the sigmoid's range. That is Keras's recurrent_activation.",
    ),
    "deep_hidden_layer": (
        {"relu", "leaky_relu", "gelu", "elu", "silu", "swish", "selu"},
        "Deep hidden layers need slopes that do not shrink layer after "
        "layer: ReLU or one of its successors (Leaky ReLU, ELU, GELU, SiLU). "
        "The sigmoid's slope is at most 1/4.",
    ),
    "regression_output": (
        {"linear", "identity", "none"},
        "A price can be any real number: a squashing activation would cap "
        "the predictions. The output unit stays linear (no activation).",
    ),
}


def check_arrays(
    func, name, cases, *, rtol=1e-10, atol=0.0, aspect="values", hint=None
):
    """Check a function with options or several array arguments.

    Each case is called as ``func(*args, **kwargs)`` and as the reference
    with the same arguments. Every result (or every item of a tuple result)
    must have the reference's shape and dtype and agree to ``rtol`` (at
    least 100 machine epsilons of its dtype) and ``atol``, with ``nan``
    where the reference has ``nan``. The call must emit no warning and leave
    its array arguments unchanged.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    cases : iterable of (tuple, dict)
        Positional and keyword arguments, one pair per call.
    rtol, atol : float
        Tolerances.
    aspect : str, default 'values'
        Which of the function's hints in :data:`HINTS` to give on failure.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case that fails.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_arrays
    >>> def softmax(z, axis=-1):
    ...     e = np.exp(z)
    ...     return e / e.sum(axis=axis, keepdims=True)
    >>> check_arrays(softmax, "softmax", [(([1.0, 2.0],), {})])
    >>> check_arrays(softmax, "softmax", [(([1000.0, 0.0],), {})], aspect="extremes")
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: softmax([1000.0, 0.0]) emitted a warning.
      input:    [1000.0, 0.0]
      expected: no warning
      got:      RuntimeWarning: overflow encountered in exp
    Hint: exp(1000) overflows ...
    """
    hint = hint or HINTS[(name, aspect)]
    expected_func = _reference(name)
    for args, kwargs in cases:
        # Expected from copies taken before the learner's call.
        before = _private((args, kwargs))
        expected = expected_func(*_private(args), **_private(kwargs))
        shown = (
            args[0] if len(args) == 1 and not kwargs else _CallArguments(args, kwargs)
        )
        got = _call(
            lambda _, a=args, k=kwargs: func(*a, **k),
            name,
            shown,
            hint,
            forbid_warnings=True,
        )
        for original, copy in zip(args, before[0], strict=True):
            if not _same_input(copy, original):
                raise CheckFailure(
                    _message(
                        f"{name}({_describe(shown)}) changed its input.",
                        [("before", copy), ("after", original)],
                        hint,
                    )
                )
        _compare_results(name, shown, expected, got, rtol, atol, hint)


def check_lstm_step(func, *, batch, features, units, seed, dtype=np.float64):
    """Check one LSTM step against the reference on random weights.

    Draws ``x``, ``h``, ``c`` and Keras-shaped weights from a seeded
    generator and compares ``func(x, h, c, kernel, recurrent_kernel, bias)``
    with :func:`autograder.reference.lstm_step`. If the result matches the
    reference with the four gate blocks in another order, the feedback says
    which order the learner's code used.

    Parameters
    ----------
    func : callable
        The learner's function.
    batch, features, units : int
        Shapes of the arrays.
    seed : int
        Seed of the random weights.
    dtype : {numpy.float64, numpy.float32}
        Precision of every argument.

    Raises
    ------
    CheckFailure
        If the result is wrong, or the call fails, warns or changes its input.
    """
    rng = np.random.default_rng(seed)
    shapes = [
        (batch, features),
        (batch, units),
        (batch, units),
        (features, 4 * units),
        (units, 4 * units),
        (4 * units,),
    ]
    args = tuple(rng.normal(0, 1, shape).astype(dtype) for shape in shapes)
    try:
        check_arrays(func, "lstm_step", [(args, {})], rtol=1e-6, atol=1e-9)
    except CheckFailure as failure:
        order = _gate_order(func, args)
        if order is None:
            raise
        raise CheckFailure(
            f"{failure}\nYour result matches the gates taken in the order "
            f"{order}; Keras stores them as input, forget, candidate, output."
        ) from None


def check_activation_choices(func, tasks):
    """Check the learner's choice of activation for some of the five tasks.

    ``func()`` must return a dict mapping every task name in
    :data:`ACTIVATION_TASKS` to the name of an activation (a string, as
    Keras spells it; case, spaces and hyphens do not matter). Only the tasks
    in ``tasks`` are graded; a wrong answer is reported with the reason for
    the right one.

    Raises
    ------
    CheckFailure
        If the result is not such a dict, or an answer is wrong.

    Examples
    --------
    >>> from autograder.checks import check_activation_choices
    >>> def choose_activations():
    ...     return {"multi_label_tagging": "softmax"}
    >>> check_activation_choices(choose_activations, ["multi_label_tagging"])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: choose_activations() is missing tasks.
    ...
    """
    name = "choose_activations"
    hint = "Return the dict described in the exercise, one entry per task."
    got = _call(lambda _: func(), name, _CallArguments((), {}), hint)
    if not isinstance(got, dict):
        raise CheckFailure(
            _message(
                f"{name}() returned {type(got).__name__}, not a dict.",
                [("expected", "a dict from task name to activation name")],
                "Return a dict such as {'lstm_gate': 'tanh', ...} with one "
                "entry per task.",
            )
        )
    missing = sorted(set(ACTIVATION_TASKS) - set(got))
    if missing:
        raise CheckFailure(
            _message(
                f"{name}() is missing tasks.",
                [("expected", sorted(ACTIVATION_TASKS)), ("missing", missing)],
                "Give an activation for every task, spelled as the keys above.",
            )
        )
    for task in tasks:
        accepted, reason = ACTIVATION_TASKS[task]
        answer = got[task]
        if not isinstance(answer, str):
            raise CheckFailure(
                _message(
                    f"{name}()[{task!r}] is not a string but {type(answer).__name__}.",
                    [("expected", "a name such as 'relu'"), ("got", repr(answer))],
                    "Name the activation as a string, as Keras spells it.",
                )
            )
        normal = answer.strip().lower().replace("-", "_").replace(" ", "_")
        if normal not in accepted:
            raise CheckFailure(
                _message(
                    f"{name}()[{task!r}] is not the activation to use.",
                    [
                        ("task", task),
                        ("expected", " or ".join(sorted(accepted))),
                        ("got", repr(answer)),
                    ],
                    reason,
                )
            )


class _CallArguments:
    """Several arguments, shown in feedback as a short call signature."""

    def __init__(self, args, kwargs):
        self.args, self.kwargs = args, kwargs

    def __repr__(self):
        parts = [_brief(a) for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return ", ".join(parts)


def _brief(value):
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"<array {value.shape} {value.dtype}>"
    return repr(value)


def _compare_results(name, shown, expected, got, rtol, atol, hint):
    """Fail unless ``got`` matches ``expected`` (an array or a tuple of them)."""
    call = f"{name}({_describe(shown)})"
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise CheckFailure(
                _message(
                    f"{call} returned the wrong kind of result.",
                    [
                        ("expected", f"a tuple of {len(expected)} arrays"),
                        ("got", type(got).__name__),
                    ],
                    hint,
                )
            )
        items = [
            (f"item {k} of the result", e, g)
            for k, (e, g) in enumerate(zip(expected, got, strict=True))
        ]
    else:
        items = [("the result", expected, got)]
    for which, want, have in items:
        have = np.asarray(have)
        for what in ("shape", "dtype"):
            if getattr(have, what) != getattr(want, what):
                raise CheckFailure(
                    _message(
                        f"{call}: {which} has the wrong {what}.",
                        [
                            ("expected", f"{what} {getattr(want, what)}"),
                            ("got", f"{what} {getattr(have, what)}"),
                        ],
                        hint,
                    )
                )
        tolerance = max(rtol, 100 * np.finfo(want.dtype).eps)
        if not np.allclose(have, want, rtol=tolerance, atol=atol, equal_nan=True):
            raise CheckFailure(
                _message(
                    f"{call}: {which} has the wrong value.",
                    [("input", shown), ("expected", want), ("got", have)],
                    hint,
                )
            )


def _gate_order(func, args):
    """The order of gate blocks under which the reference matches ``func``."""
    import itertools

    x, h, c, kernel, recurrent_kernel, bias = args
    units = h.shape[1]
    names = ["input", "forget", "candidate", "output"]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            got = [np.asarray(v, dtype=np.float64) for v in func(*args)]
    except Exception:
        return None
    for order in itertools.permutations(range(4)):
        if order == (0, 1, 2, 3):
            continue
        # The learner reads block k as gate order[k]: put Keras's block for
        # that gate where the learner looks for it.
        cols = np.concatenate(
            [np.arange(units) + units * order.index(k) for k in range(4)]
        )
        permuted = (x, h, c, kernel[:, cols], recurrent_kernel[:, cols], bias[cols])
        want = reference.lstm_step(*permuted)
        if len(got) == 2 and all(
            g.shape == w.shape and np.allclose(g, w, rtol=1e-6, atol=1e-9)
            for g, w in zip(got, want, strict=True)
        ):
            return ", ".join(names[k] for k in order)
    return None


# What exercise 3's notebook promises, clause by clause, and the test cells
# that check each clause (see autograder.checks.contract).
ACTIVATIONS_CONTRACT = (
    (
        "values",
        "tanh_from_sigmoid, relu, relu_derivative, leaky_relu, gelu (the "
        "exact erf form) and silu follow their formulas on ordinary inputs",
        (
            "test_tanh_values",
            "test_relu",
            "test_relu_derivative",
            "test_leaky_relu",
            "test_gelu_values",
            "test_silu_values",
        ),
    ),
    (
        "parameters",
        "leaky_relu uses its alpha: the default 0.01 and others, 0 and above 1 "
        "included",
        ("test_leaky_relu",),
    ),
    (
        "values",
        "relu_derivative is 0 at 0 (and at -0.0), as in Keras",
        ("test_relu_derivative",),
    ),
    (
        "shapes",
        "a Python number, a NumPy scalar or an array of any shape in; the "
        "same shape out",
        ("test_tanh_shapes", "test_activation_shapes"),
    ),
    (
        "dtypes",
        "float32 in gives float32 out; any other real input (ints, float16, "
        "float64) gives float64, computed in float64",
        (
            "test_tanh_shapes",
            "test_activation_shapes",
            "test_softmax_axis",
            "test_log_softmax_values",
            "test_lstm_float32",
        ),
    ),
    (
        "mutation",
        "no function modifies its input",
        (
            "test_tanh_shapes",
            "test_activation_shapes",
            "test_softmax_values",
            "test_softmax_axis",
            "test_log_softmax_values",
            "test_lstm_values",
        ),
    ),
    (
        "warnings",
        "no NumPy warning for any input",
        (
            "test_tanh_extremes",
            "test_softmax_extremes",
            "test_log_softmax_extremes",
            "test_relu",
            "test_relu_derivative",
            "test_leaky_relu",
            "test_gelu_extremes",
            "test_silu_extremes",
        ),
    ),
    (
        "special values",
        "nan gives nan; +-inf give the limits (gelu(-inf) = silu(-inf) = 0)",
        (
            "test_tanh_extremes",
            "test_relu",
            "test_relu_derivative",
            "test_leaky_relu",
            "test_gelu_extremes",
            "test_silu_extremes",
        ),
    ),
    (
        "accuracy",
        "tanh_from_sigmoid within 4 ULP of the exact value near 0 and at "
        "+-1000; silu within 4 ULP at +-1000; gelu's left tail within a "
        "tolerance that grows like x**2 (what erfc of a rounded x / sqrt(2) "
        "allows)",
        ("test_tanh_extremes", "test_silu_extremes", "test_gelu_extremes"),
    ),
    (
        "values",
        "softmax and log_softmax along any axis, each slice a distribution",
        ("test_softmax_values", "test_softmax_axis", "test_log_softmax_values"),
    ),
    (
        "special values",
        "scores of +-1000 give finite results; a slice holding nan (or only "
        "nan) gives nan throughout",
        ("test_softmax_extremes", "test_log_softmax_extremes"),
    ),
    (
        "values",
        "lstm_step takes the gates in Keras's order (input, forget, "
        "candidate, output) and returns (h_new, c_new)",
        ("test_lstm_values", "test_lstm_float32"),
    ),
    (
        "values",
        "choose_activations names the activation for each of the five tasks",
        ("test_choices_outputs", "test_choices_inside"),
    ),
)
