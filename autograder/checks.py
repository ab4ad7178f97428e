"""Checks that compare a learner's function with the reference.

Each check either returns quietly or raises :class:`CheckFailure`, whose
message names the input that failed, the expected value, the value that came
back, and a hint. nbgrader counts any exception in a graded cell as a failed
test, so these are what the exercise notebooks' test cells call.

The learner's code is called exactly as written: exceptions it raises and
warnings it emits are reported, not swallowed.
"""

import warnings

import numpy as np

from autograder import reference
from autograder.ulp import ulp_distance

__all__ = ["CheckFailure", "check_values", "check_shapes", "check_extremes"]

HINTS = {
    ("sigmoid", "values"): "sigma(x) = 1 / (1 + exp(-x)); use np.exp so arrays work.",
    ("sigmoid", "extremes"): (
        "np.exp(-x) overflows for x below about -709 (float64) or -88 (float32). "
        "For x < 0 use the equivalent exp(x) / (1 + exp(x)), whose exp cannot "
        "overflow, and pick the branch per element with np.where."
    ),
    ("sigmoid_derivative", "values"): "sigma'(x) = sigma(x) * (1 - sigma(x)).",
    ("sigmoid_derivative", "extremes"): (
        "Once sigma(x) rounds to 1.0 (x above about 37), 1 - sigma(x) is 0 and "
        "the product loses everything. The derivative is even: with "
        "e = exp(-|x|) it equals e / (1 + e)**2 for every x."
    ),
    ("logit", "values"): "logit(p) = log(p / (1 - p)), the inverse of sigma.",
    ("logit", "extremes"): (
        "logit(0) = -inf and logit(1) = +inf without a divide-by-zero warning "
        "(wrap the arithmetic in `with np.errstate(divide='ignore')`), and "
        "p outside [0, 1] gives nan without a warning."
    ),
    ("logit", "near_half"): (
        "Near p = 1/2, p / (1 - p) is close to 1 and log() of it keeps only the "
        "rounding error. Write logit(p) = log1p((2p - 1) / (1 - p)): 2p - 1 "
        "and 1 - p are exact there (Sterbenz's lemma), and log1p is accurate "
        "near 0."
    ),
    ("log_sigmoid", "values"): "log_sigmoid(x) = log(sigma(x)).",
    ("log_sigmoid", "extremes"): (
        "log(sigma(x)) is -inf once sigma(x) underflows to 0. Use "
        "log(sigma(x)) = min(x, 0) - log1p(exp(-|x|)), which never overflows "
        "or underflows to -inf for finite x."
    ),
}

SHAPES_HINT = (
    "Use NumPy functions that work element by element (np.exp, np.where, "
    "np.log1p) on the whole array, not Python's math module or loops. Keep "
    "float32 input in float32 (for example x.dtype tells you which it is), "
    "and never assign into the input array."
)


class CheckFailure(AssertionError):
    """A failed check, with a message written for the learner."""

    def _render_traceback_(self):
        # IPython (JupyterLab, nbgrader's feedback) shows these lines instead
        # of a traceback: the message says it all, and frames from this
        # module would only bury it.
        return [f"{type(self).__name__}: {self}"]


def check_values(func, name, inputs, *, rtol=1e-9, hint=None):
    """Check ``func`` against the reference on ordinary float64 scalars.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    inputs : iterable of float
        Inputs, each passed on its own as a Python float.
    rtol : float, default 1e-9
        Relative tolerance: generous, so that any correct formula passes.
    hint : str, optional
        Replaces the default hint for this function.

    Raises
    ------
    CheckFailure
        At the first input whose result is wrong, or that raised.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_values
    >>> check_values(lambda x: 1 / (1 + np.exp(-x)), "sigmoid", [0.0, 2.0])
    >>> check_values(lambda x: 0.5, "sigmoid", [0.0, 2.0])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: sigmoid(2.0) returned the wrong value.
      input:    2.0
      expected: 0.8807970779778823
      got:      0.5
    Hint: sigma(x) = 1 / (1 + exp(-x)); use np.exp so arrays work.
    """
    expected_func = _reference(name)
    hint = hint or HINTS[(name, "values")]
    for x in inputs:
        x = float(x)
        got = _call(func, name, x, hint)
        expected = expected_func(x)
        if not _close(got, expected, rtol=rtol):
            _fail(name, x, expected, got, hint)


def check_shapes(func, name, sample, *, hint=None):
    """Check shapes, dtypes, scalars, and that the input is left alone.

    ``func`` is called on the values of ``sample`` as a Python float, a
    Python int, a NumPy float32 scalar, a 1-D float64 array, a 2-D float32
    array and a 3-D integer array. Each result must have the input's
    shape, be float32 exactly when the input is, match the reference (to a
    loose tolerance: values are not the point here), and the input must be
    unchanged afterwards.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    sample : sequence of float
        At least 6 valid inputs for the function.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case that fails.

    Examples
    --------
    >>> import math
    >>> from autograder.checks import check_shapes
    >>> check_shapes(lambda x: 1 / (1 + math.exp(-x)), "sigmoid", range(-3, 3))
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: sigmoid(np.float32(-1.0)) returned the wrong dtype.
      expected: dtype float32
      got:      dtype float64
    Hint: Use NumPy functions ...
    """
    hint = hint or SHAPES_HINT
    sample = np.asarray(sample, dtype=np.float64)[:6]
    if sample.size < 6:
        raise ValueError(
            f"sample must hold at least 6 values, got {sample.size}. Pass more "
            "valid inputs for the function."
        )
    cases = [
        float(sample[0]),
        int(np.round(sample[1])),
        np.float32(sample[2]),
        sample.copy(),
        sample.reshape(2, 3).astype(np.float32),
        np.round(sample).astype(np.int64).reshape(1, 3, 2),
    ]
    expected_func = _reference(name)
    for x in cases:
        before = np.array(x, copy=True)
        got = _call(func, name, x, hint)
        expected = expected_func(x)
        if isinstance(x, np.ndarray) and not np.array_equal(x, before, equal_nan=True):
            raise CheckFailure(
                _message(
                    f"{name}({_describe(x)}) changed its input.",
                    [("before", before), ("after", x)],
                    hint,
                )
            )
        got_array = np.asarray(got)
        _require_same(name, x, "shape", expected.shape, got_array.shape, hint)
        _require_same(name, x, "dtype", expected.dtype, got_array.dtype, hint)
        if not _close(got, expected, rtol=1e-5):
            _fail(name, x, expected, got, hint)


def check_extremes(
    func, name, inputs, *, dtype=np.float64, ulps=4, aspect="extremes", hint=None
):
    """Check accuracy and silence on extreme inputs.

    Each input is converted to ``dtype`` and passed as a NumPy scalar, then
    all of them together as one array. The result must be within ``ulps``
    units in the last place of the reference (nan where the reference is
    nan), and the call must emit no warning, even if the learner's session
    has silenced NumPy's floating-point warnings.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        Name of the reference function in :mod:`autograder.reference`.
    inputs : iterable of float
        Inputs, including infinities and nan if wanted.
    dtype : {numpy.float64, numpy.float32}
        Precision in which to test.
    ulps : float, default 4
        Tolerance in units in the last place.
    aspect : str, default 'extremes'
        Which of the function's hints in :data:`HINTS` to give on failure
        (``'near_half'`` for logit's accuracy near 1/2).
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first input whose result is wrong, or that warned or raised.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_extremes
    >>> check_extremes(lambda x: 1 / (1 + np.exp(-x)), "sigmoid", [0.0, -1000.0])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: sigmoid(-1000.0) emitted a warning.
      input:    -1000.0
      expected: no warning
      got:      RuntimeWarning: overflow encountered in exp
    Hint: np.exp(-x) overflows ...
    """
    hint = hint or HINTS[(name, aspect)]
    values = np.asarray(list(inputs), dtype=dtype)
    expected_func = _reference(name)
    for x in [*values, values]:
        got = _call(func, name, x, hint, forbid_warnings=True)
        expected = expected_func(x)
        got_array = np.asarray(got)
        _require_same(name, x, "shape", expected.shape, got_array.shape, hint)
        try:
            got_array = got_array.astype(dtype)
        except (TypeError, ValueError):
            _fail(name, x, expected, got, hint)
        bad = ~(ulp_distance(got_array, expected) <= ulps)
        if np.any(bad):
            index = np.argwhere(np.atleast_1d(bad))[0]
            pick = tuple(index) if np.ndim(x) else ()
            _fail(
                name,
                np.asarray(x)[pick],
                expected[pick],
                got_array[pick],
                hint,
                note=f"(tolerance: {ulps:g} ULP in {np.dtype(dtype)})",
            )


def _reference(name):
    try:
        return getattr(reference, name)
    except AttributeError:
        raise ValueError(
            f"name must be one of {reference.__all__}, got {name!r}."
        ) from None


def _call(func, name, x, hint, forbid_warnings=False):
    """Call the learner's function, turning its errors into feedback."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Learners may have silenced NumPy with np.seterr; the contract is
        # that the function itself stays silent under NumPy's default
        # settings, so restore those here (underflow is silent by default).
        with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            try:
                got = func(x)
            except NotImplementedError:
                raise CheckFailure(
                    f"{name} is not implemented yet: it raised "
                    "NotImplementedError.\nHint: replace "
                    "`raise NotImplementedError()` with your code."
                ) from None
            except Exception as exc:
                raise CheckFailure(
                    _message(
                        f"{name}({_describe(x)}) raised {type(exc).__name__}: {exc}",
                        [("input", x)],
                        hint,
                    )
                ) from None
    if got is None:
        raise CheckFailure(
            _message(
                f"{name}({_describe(x)}) returned None.",
                [("input", x)],
                "Did you forget the `return` statement?",
            )
        )
    if forbid_warnings and caught:
        first = caught[0]
        raise CheckFailure(
            _message(
                f"{name}({_describe(x)}) emitted a warning.",
                [
                    ("input", x),
                    ("expected", "no warning"),
                    ("got", f"{first.category.__name__}: {first.message}"),
                ],
                hint,
            )
        )
    return got


def _close(got, expected, rtol):
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if got.shape != np.shape(expected):
        return False
    return bool(np.allclose(got, expected, rtol=rtol, atol=0.0, equal_nan=True))


def _require_same(name, x, what, expected, got, hint):
    """Fail unless the result's ``what`` (shape, dtype) is as expected."""
    if got != expected:
        raise CheckFailure(
            _message(
                f"{name}({_describe(x)}) returned the wrong {what}.",
                [("expected", f"{what} {expected}"), ("got", f"{what} {got}")],
                hint,
            )
        )


def _fail(name, x, expected, got, hint, note=""):
    rows = [("input", x), ("expected", expected), ("got", got)]
    if note:
        rows.append(("", note))
    raise CheckFailure(
        _message(f"{name}({_describe(x)}) returned the wrong value.", rows, hint)
    )


def _message(headline, rows, hint):
    lines = [headline]
    lines += [
        f"  {label + ':' if label else '':<9} {_show(value)}" for label, value in rows
    ]
    lines.append(f"Hint: {hint}")
    return "\n".join(lines)


def _describe(x):
    """Short description of an argument for a headline."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return f"array of shape {x.shape}, dtype {x.dtype}"
    if isinstance(x, np.generic) and x.dtype != np.float64:
        return repr(x)
    return _show(x)


def _show(value):
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return np.array2string(np.asarray(value), threshold=12)
    if isinstance(value, np.generic):
        return str(value)
    if isinstance(value, np.ndarray):
        return str(value[()])
    return repr(value)


# Exercise 4: Keras binary classification
#
# The checks below import Keras (and so TensorFlow) inside the functions,
# so that `import autograder.checks` stays fast for the other exercises.
# check_build_model, check_model_learns and check_predict_labels work on
# Keras models: the first two on the model the learner's build_model
# returns, the third hands the learner's predict_labels a model it builds.

__all__ += [
    "check_loss",
    "check_build_model",
    "check_model_learns",
    "check_predict_labels",
    "check_fix_labels",
    "check_fix_labels_rejects",
]

HINTS.update(
    {
        ("binary_cross_entropy", "values"): (
            "The loss is the mean over the examples of "
            "-(y * log(p) + (1 - y) * log(1 - p)): use np.mean, not np.sum."
        ),
        ("binary_cross_entropy", "extremes"): (
            "At p = 0 or p = 1 one logarithm is -inf, and 0 * -inf is nan. "
            "Clip p to [epsilon, 1 - epsilon] with np.clip before taking "
            "logarithms, as Keras does."
        ),
        ("binary_cross_entropy_from_logits", "values"): (
            "With p = sigmoid(z): -log(p) = log(1 + exp(-z)) and "
            "-log(1 - p) = log(1 + exp(z)); take the mean over the examples."
        ),
        ("binary_cross_entropy_from_logits", "extremes"): (
            "np.exp(1000) overflows, and sigmoid(z) rounds to exactly 0 or 1 "
            "long before that. Never form the probability: the loss of one "
            "example is max(z, 0) - z * y + log1p(exp(-|z|)), whose exp "
            "never sees a positive argument."
        ),
        ("build_model", "structure"): (
            "End with keras.layers.Dense(1, activation='sigmoid') and compile "
            "with loss='binary_crossentropy', or end with Dense(1) and use "
            "keras.losses.BinaryCrossentropy(from_logits=True). Start with "
            "keras.Input(shape=(n_features,))."
        ),
        ("build_model", "learns"): (
            "A small hidden layer (8 to 32 ReLU units) and Adam with its "
            "default learning rate are enough. Check the output unit and the "
            "loss first (the structure test)."
        ),
        ("predict_labels", "values"): (
            "p = model.predict(X, verbose=0) has shape (n, 1): take p[:, 0] "
            "(not np.squeeze, which turns one example into a scalar), then "
            "(p >= threshold).astype(int)."
        ),
        ("fix_labels", "values"): (
            "Return a float32 array of shape (n,) of 0.0 and 1.0. One-hot "
            "rows [1, 0] and [0, 1] mean classes 0 and 1 (take column 1); "
            "reshape (n, 1) to (n,); compare strings after .strip().lower()."
        ),
        ("fix_labels", "errors"): (
            "Check what you were given before converting it, and raise "
            "ValueError('...') with a message that says what is wrong: other "
            "values than 0 and 1, other words than yes and no, one-hot rows "
            "that are not [1, 0] or [0, 1], other shapes."
        ),
    }
)


def check_loss(func, name, cases, *, aspect="values", hint=None):
    """Check a binary cross-entropy against the reference and against Keras.

    Parameters
    ----------
    func : callable
        The learner's loss, called as ``func(y_true, values)`` with two
        float64 arrays of shape ``(n,)``.
    name : {'binary_cross_entropy', 'binary_cross_entropy_from_logits'}
        Which loss: probabilities or scores (logits).
    cases : iterable of (sequence, sequence)
        Pairs of labels and probabilities (or scores).
    aspect : {'values', 'extremes'}, default 'values'
        Which hint to give on failure.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case whose loss is not a finite number within 1e-9
        (relative) of the reference and 1e-6 of Keras, or that warned.

    Examples
    --------
    >>> import numpy as np
    >>> from autograder.checks import check_loss
    >>> def naive(y, p):
    ...     return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    >>> check_loss(naive, "binary_cross_entropy", [([1, 0], [0.9, 0.2])])
    >>> check_loss(naive, "binary_cross_entropy", [([1, 0], [0.0, 0.2])])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: binary_cross_entropy(...) emitted a warning.
    ...
      got:      RuntimeWarning: divide by zero encountered in log
    ...
    """
    keras = _keras()
    from_logits = name.endswith("from_logits")
    expected_func = _reference(name)
    hint = hint or HINTS[(name, aspect)]
    second = "z" if from_logits else "p"
    for y, values in cases:
        y = np.asarray(y, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        label = f"y_true={_show(y)}, {second}={_show(values)}"
        got = _call(_with(func, y.copy(), values.copy()), name, label, hint, True)
        expected = expected_func(y, values)
        theirs = float(
            keras.losses.binary_crossentropy(y, values, from_logits=from_logits)
        )
        got_array = np.asarray(got)
        _require_same(name, label, "shape", (), got_array.shape, hint)
        close = _close(got, expected, rtol=1e-9) and _close(got, theirs, rtol=1e-6)
        if not close:
            rows = [("expected", expected), ("Keras", theirs), ("got", got)]
            raise CheckFailure(
                _message(f"{name}({label}) returned the wrong value.", rows, hint)
            )


def check_build_model(build_model, n_features):
    """Check that ``build_model(n_features)`` is a compiled binary classifier.

    The model must take ``n_features`` inputs, end in one unit, and its
    output activation and loss must agree: sigmoid with binary
    cross-entropy on probabilities, or a linear output with
    ``BinaryCrossentropy(from_logits=True)``.

    Raises
    ------
    CheckFailure
        Naming what is wrong, for example "the last layer has 2 units" or
        "sigmoid output with from_logits=True".
    """
    keras = _keras()
    hint = HINTS[("build_model", "structure")]
    keras.utils.set_random_seed(0)
    model = _call(lambda n: build_model(n), "build_model", n_features, hint)
    fail = _model_failure(f"build_model({n_features})", hint)
    if not isinstance(model, keras.Model):
        fail(f"returned {type(model).__name__}, not a Keras model.")
    if not getattr(model, "compiled", False) or model.optimizer is None:
        fail("returned a model that is not compiled: call model.compile(...).")
    try:
        input_shape = tuple(model.inputs[0].shape)
        output_shape = tuple(model.outputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        fail("returned a model without a known input shape: start it with Input.")
    if input_shape != (None, n_features):
        fail(
            f"returned a model whose input shape is {input_shape}; it should "
            f"be {(None, n_features)}."
        )
    if len(output_shape) != 2 or output_shape[-1] != 1:
        fail(
            f"the last layer has {output_shape[-1]} units (output shape "
            f"{output_shape}); a binary classifier has one output unit, the "
            "probability (or score) of class 1. Two units with softmax is the "
            "multi-class set-up, with one-hot labels and categorical "
            "cross-entropy."
        )
    activation = getattr(model.layers[-1], "activation", None)
    activation = getattr(activation, "__name__", str(activation))
    loss, from_logits = _loss_kind(keras, model.loss)
    if loss != "binary_crossentropy":
        fail(f"the loss is {loss}; a binary classifier uses binary cross-entropy.")
    if activation == "softmax":
        fail(
            "the last layer is a softmax over one unit, whose output is always "
            "1.0 whatever the input: use activation='sigmoid'."
        )
    if activation == "sigmoid" and from_logits:
        fail(
            "sigmoid output with from_logits=True: the loss would treat "
            "probabilities as scores. Use from_logits=False (the default), or "
            "drop the sigmoid from the last layer."
        )
    if activation == "linear" and not from_logits:
        fail(
            "linear output (scores) with a loss that expects probabilities: "
            "use BinaryCrossentropy(from_logits=True), or "
            "activation='sigmoid'."
        )
    if activation not in ("sigmoid", "linear"):
        fail(
            f"the last layer's activation is {activation}; use 'sigmoid' "
            "(probabilities) or none (scores, with from_logits=True)."
        )


def check_model_learns(build_model, n_features, *, seed, epochs=20, min_auc=0.85):
    """Train ``build_model(n_features)`` on data of its own; check its AUC.

    The data are ``n_features`` standard normal features with labels from a
    noisy linear rule, 400 examples for training and 200 for validation,
    drawn from ``seed``. The model is trained for ``epochs`` epochs in
    batches of 16 with Keras's seed set to ``seed``; the area under the ROC
    curve of its outputs on the validation part must reach ``min_auc``.

    Raises
    ------
    CheckFailure
        If building, training or predicting raises, if the output does not
        have shape (n, 1), or if the AUC falls short.
    """
    from sklearn.metrics import roc_auc_score

    keras = _keras()
    hint = HINTS[("build_model", "learns")]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, n_features)).astype(np.float32)
    weights = rng.normal(size=n_features)
    scores = X @ weights / np.linalg.norm(weights)
    y = (scores + rng.normal(scale=0.3, size=600) > 0).astype(np.float32)
    keras.utils.set_random_seed(seed)
    model = _call(lambda n: build_model(n), "build_model", n_features, hint)
    what = f"the model of build_model({n_features})"
    fail = _model_failure(what, hint)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the structure test reports these
            model.fit(X[:400], y[:400], epochs=epochs, batch_size=16, verbose=0)
            out = np.asarray(model.predict(X[400:], verbose=0))
    except Exception as exc:
        fail(f"could not be trained on labels of shape (400,): {exc}")
    if out.shape not in ((200, 1), (200,)):
        fail(f"returned predictions of shape {out.shape} for 200 examples.")
    if not np.all(np.isfinite(out)):
        fail("returned predictions that are not finite after training.")
    auc = roc_auc_score(y[400:], out.reshape(-1))
    if not auc >= min_auc:
        fail(
            f"reached a validation AUC of {auc:.3f} after {epochs} epochs; "
            f"at least {min_auc} was expected (a correct model reaches it)."
        )


def check_predict_labels(predict_labels):
    """Check ``predict_labels(model, X, threshold=0.5)`` on a known model.

    The model is ``Dense(1, activation='sigmoid')`` with weights (1, -1) and
    bias 0, so its output is exactly 0.5 on rows with equal entries. Labels
    must be 1 where the probability is at least the threshold, as integers
    of shape (n,), also for a single example.

    Raises
    ------
    CheckFailure
        At the first call whose labels are wrong.
    """
    keras = _keras()
    hint = HINTS[("predict_labels", "values")]
    model = keras.Sequential(
        [keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.set_weights([np.array([[1.0], [-1.0]]), np.zeros(1)])
    X = np.array([[0, 0], [2, 0], [0, 2], [0.5, 0], [0, 0.5], [3, 3]], np.float32)
    cases = [(X, None), (X, 0.3), (X, 0.8), (X[1:2], None), (X[2:3], 0.1)]
    for X_case, threshold in cases:
        # Computed here, not with model.predict: a second predict per case
        # would make TensorFlow warn about retracing.
        probability = reference.sigmoid(X_case @ np.float32([1, -1]))
        expected = (probability >= (0.5 if threshold is None else threshold)).astype(
            int
        )
        kwargs = {} if threshold is None else {"threshold": threshold}
        label = f"model, X={_show(X_case)}" + (
            f", threshold={threshold}" if kwargs else ""
        )
        got = _call(
            _with(predict_labels, model, X_case.copy(), **kwargs),
            "predict_labels",
            label,
            hint,
        )
        got_array = np.asarray(got)
        name = "predict_labels"
        _require_same(name, label, "shape", expected.shape, got_array.shape, hint)
        if got_array.dtype.kind not in "iu":
            _require_same(name, label, "dtype", "integer", got_array.dtype, hint)
        if not np.array_equal(got_array, expected):
            rows = [
                ("probabilities", probability),
                ("expected", expected),
                ("got", got_array),
            ]
            raise CheckFailure(
                _message(f"{name}({label}) returned the wrong labels.", rows, hint)
            )


def check_fix_labels(fix_labels, cases):
    """Check ``fix_labels`` against the reference on each labels format.

    The result must be a numeric (not boolean) array of shape (n,) with the
    reference's 0s and 1s, and the input must be left unchanged.
    """
    hint = HINTS[("fix_labels", "values")]
    name = "fix_labels"
    for labels in cases:
        labels = np.asarray(labels)
        before = labels.copy()
        label = _show(labels)
        got = _call(_with(fix_labels, labels), name, label, hint)
        expected = reference.fix_labels(labels)
        if not np.array_equal(labels, before):
            rows = [("before", before), ("after", labels)]
            raise CheckFailure(
                _message(f"{name}({label}) changed its input.", rows, hint)
            )
        got_array = np.asarray(got)
        _require_same(name, label, "shape", expected.shape, got_array.shape, hint)
        if got_array.dtype.kind not in "iuf":
            _require_same(name, label, "dtype", "a number type", got_array.dtype, hint)
        if not np.array_equal(got_array, expected):
            _fail(name, labels, expected, got_array, hint)


def check_fix_labels_rejects(fix_labels, cases):
    """Check that ``fix_labels`` raises ValueError, with a message, on each case."""
    hint = HINTS[("fix_labels", "errors")]
    for labels in cases:
        labels = np.asarray(labels)
        label = _show(labels)
        try:
            got = fix_labels(labels)
        except NotImplementedError:
            _call(_not_implemented, "fix_labels", label, hint)
        except ValueError as exc:
            if not str(exc).strip():
                raise CheckFailure(
                    _message(
                        f"fix_labels({label}) raised ValueError without a message.",
                        [("expected", "a message that says what is wrong")],
                        hint,
                    )
                ) from None
            continue
        except Exception as exc:
            got = f"{type(exc).__name__}: {exc}"
        else:
            got = _show(np.asarray(got))
        raise CheckFailure(
            _message(
                f"fix_labels({label}) did not raise ValueError.",
                [("input", labels), ("expected", "ValueError"), ("got", got)],
                hint,
            )
        )


def _with(func, *args, **kwargs):
    """``func`` with its arguments bound, in the one-argument form of _call."""
    return lambda _: func(*args, **kwargs)


def _not_implemented(_):
    raise NotImplementedError()


def _keras():
    """Keras, imported on first use, with TensorFlow's C++ logging off."""
    import logging
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    # Python-side TensorFlow warnings (retracing notes) would clutter the
    # learner's output; the checks report what matters.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    return keras


def _model_failure(what, hint):
    def fail(problem):
        raise CheckFailure(_message(f"{what}: {problem}", [], hint))

    return fail


def _loss_kind(keras, loss):
    """The loss's name, and whether it expects scores (from_logits)."""
    if isinstance(loss, str):
        loss = keras.losses.get(loss)
    if isinstance(loss, keras.losses.Loss):
        name = type(loss).__name__
        name = "binary_crossentropy" if name == "BinaryCrossentropy" else name
        return name, bool(getattr(loss, "from_logits", False))
    name = getattr(loss, "__name__", repr(loss))
    return name, False
