"""Checks of exercise 4 (Keras binary classification).

Keras (and so TensorFlow) is imported inside the functions, so that
``import autograder.checks`` stays fast for the other exercises.
:func:`check_build_model` and :func:`check_model_learns` work on the model the
learner's ``build_model`` returns; :func:`check_predict_labels` hands the
learner's ``predict_labels`` a model it builds.
"""

import warnings

import numpy as np

from autograder import reference
from autograder.checks.machinery import (
    HINTS,
    CheckFailure,
    _call,
    _close,
    _context,
    _fail,
    _message,
    _reference,
    _require_same,
    _show,
)

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
    cases : iterable of (sequence, sequence) or (sequence, sequence, dict)
        Pairs of labels and probabilities (or scores), optionally with
        keyword arguments (``epsilon``) passed on to ``func``; Keras is only
        consulted for its own default ``epsilon``.
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
    for y, values, *options in cases:
        kwargs = options[0] if options else {}
        y = np.asarray(y, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        label = f"y_true={_show(y)}, {second}={_show(values)}" + "".join(
            f", {key}={value!r}" for key, value in kwargs.items()
        )
        got = _call(
            _with(func, y.copy(), values.copy(), **kwargs), name, label, hint, True
        )
        expected = expected_func(y, values, **kwargs)
        theirs = float(
            keras.losses.binary_crossentropy(y, values, from_logits=from_logits)
        )
        got_array = np.asarray(got)
        _require_same(name, label, "shape", (), got_array.shape, hint)
        if not isinstance(got, (float, np.floating)):
            # The notebook asks for a float: a 0-d array or a Keras tensor
            # is not one, however it prints.
            _require_same(name, label, "type", "float", type(got).__name__, hint)
        close = _close(got, expected, rtol=1e-9) and (
            bool(kwargs) or _close(got, theirs, rtol=1e-6)
        )
        if not close:
            rows = [("expected", expected), ("Keras", theirs), ("got", got)]
            raise CheckFailure(
                _message(f"{name}({label}) returned the wrong value.", rows, hint)
            )


def check_build_model(build_model, n_features):
    """Check that ``build_model(n_features)`` is a compiled binary classifier.

    The model must take ``n_features`` inputs, have a hidden layer, end in
    one unit, be compiled with Adam, and its output activation and loss
    must agree: sigmoid with binary
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
    with _context(keras_seed=0):
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
    optimizer = type(model.optimizer).__name__
    if optimizer != "Adam":
        fail(f"the optimizer is {optimizer}; the exercise asks for Adam.")
    weighted = [layer for layer in model.layers if layer.weights]
    if len(weighted) < 2:
        fail(
            "the model has no hidden layer: put a small Dense layer (8 to 32 "
            "ReLU units, say) between the input and the output unit."
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
    with _context(keras_seed=seed):
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

    The result must be a float32 array of shape (n,) (as the notebook
    states) with the reference's 0s and 1s, and the input must be left
    unchanged.
    """
    hint = HINTS[("fix_labels", "values")]
    name = "fix_labels"
    for labels in cases:
        labels = np.asarray(labels)
        before = labels.copy()
        expected = reference.fix_labels(labels.copy())
        label = _show(labels)
        got = _call(_with(fix_labels, labels), name, label, hint)
        if not np.array_equal(labels, before):
            rows = [("before", before), ("after", labels)]
            raise CheckFailure(
                _message(f"{name}({label}) changed its input.", rows, hint)
            )
        got_array = np.asarray(got)
        _require_same(name, label, "shape", expected.shape, got_array.shape, hint)
        _require_same(name, label, "dtype", np.dtype(np.float32), got_array.dtype, hint)
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
            _call(_raise_not_implemented, "fix_labels", label, hint)
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


def _raise_not_implemented(_):
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


# What exercise 4's notebook promises, clause by clause, and the test cells
# that check each clause (see autograder.checks.contract).
CLASSIFICATION_CONTRACT = (
    (
        "values",
        "binary_cross_entropy is the mean loss over the examples, as the "
        "reference and Keras compute it, for labels in {0, 1}",
        ("test_bce_values",),
    ),
    (
        "parameters",
        "probabilities are clipped to [epsilon, 1 - epsilon], with the "
        "default 1e-7 and with other epsilons",
        ("test_bce_clipping",),
    ),
    (
        "special values",
        "p = 0 and p = 1, right and wrong, give finite losses without a warning",
        ("test_bce_clipping",),
    ),
    (
        "values",
        "binary_cross_entropy_from_logits matches the reference and Keras on "
        "ordinary scores",
        ("test_bce_logits_values",),
    ),
    (
        "accuracy",
        "the loss from scores is finite and exact for scores of +-1000, and "
        "keeps its digits when tiny (z = 36, y = 1), without warnings",
        ("test_bce_logits_extremes",),
    ),
    (
        "types",
        "both losses return a float (not an array or a tensor)",
        ("test_bce_values", "test_bce_logits_values"),
    ),
    (
        "structure",
        "build_model returns a compiled Keras model with the given input "
        "shape, a hidden layer, one output unit and the Adam optimizer, "
        "whose output activation and loss agree",
        ("test_build_model_structure",),
    ),
    (
        "values",
        "the model reaches a validation AUC of 0.85 after 20 epochs",
        ("test_build_model_learns",),
    ),
    (
        "values",
        "predict_labels gives 1 where the probability is at least the "
        "threshold (default 0.5, and others), as integers of shape (n,), "
        "also for one row",
        ("test_predict_labels",),
    ),
    (
        "values",
        "fix_labels reads (n,), (n, 1) and one-hot (n, 2) numbers and "
        "booleans, and yes/no words in any case with spaces, as float32 of "
        "shape (n,)",
        ("test_fix_labels_formats",),
    ),
    (
        "mutation",
        "fix_labels leaves y unchanged",
        ("test_fix_labels_formats",),
    ),
    (
        "errors raised",
        "fix_labels raises ValueError with a message for other values "
        "(negative, 0.5, 2), other words, one-hot rows other than [1, 0] "
        "and [0, 1], other shapes and no labels at all",
        ("test_fix_labels_errors",),
    ),
)


def import_keras():
    """Keras, imported without TensorFlow's start-up log lines.

    TensorFlow's C++ code logs its oneDNN notice, and absl's note that logging
    is not initialised yet, to the process's stderr while it loads, before
    ``TF_CPP_MIN_LOG_LEVEL`` is read: in a notebook they show up as a pink
    box in the set-up cell. The import runs with the file descriptor of
    stderr pointed at ``/dev/null``; Python exceptions still propagate, and
    stderr is back as soon as the import is done.

    Examples
    --------
    >>> from autograder.checks import import_keras
    >>> import_keras().__name__
    'keras'
    """
    import os
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        sys.stderr.flush()
        try:
            saved = os.dup(2)
            quiet = os.open(os.devnull, os.O_WRONLY)
        except OSError:  # no stderr or no /dev/null here: import as it is
            saved = quiet = None
        try:
            if quiet is not None:
                os.dup2(quiet, 2)
            import keras  # noqa: F401 (loaded into sys.modules)
        finally:
            if quiet is not None:
                os.dup2(saved, 2)
                os.close(saved)
                os.close(quiet)
    return _keras()
