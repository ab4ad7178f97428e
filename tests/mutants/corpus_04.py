"""Exercise 4 (Keras binary classification): plausible learner mistakes, and
equivalent mutants.

Format as in ``corpus_01.py``. None of these is one of the fixtures in
``tests/fixtures/04-keras-binary-classification/``.
"""

MUTANTS = {
    # binary_cross_entropy
    "loss summed, not averaged": (
        "binary_cross_entropy",
        "return float(np.mean(losses))",
        "return float(np.sum(losses))",
    ),
    "clipping at a hard-coded 1e-7, epsilon ignored": (
        "binary_cross_entropy",
        "np.clip(np.asarray(p, dtype=float), epsilon, 1 - epsilon)",
        "np.clip(np.asarray(p, dtype=float), 1e-7, 1 - 1e-7)",
    ),
    "clipping only from below": (
        "binary_cross_entropy",
        "np.clip(np.asarray(p, dtype=float), epsilon, 1 - epsilon)",
        "np.clip(np.asarray(p, dtype=float), epsilon, None)",
    ),
    "epsilon added inside the logarithms instead of clipping": (
        "binary_cross_entropy",
        "    p = np.clip(np.asarray(p, dtype=float), epsilon, 1 - epsilon)\n"
        "    losses = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))",
        "    p = np.asarray(p, dtype=float)\n"
        "    losses = -(y_true * np.log(p + epsilon) + (1 - y_true) * np.log(1 - p + epsilon))",  # noqa: E501
    ),
    "loss without the minus sign": (
        "binary_cross_entropy",
        "losses = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))",
        "losses = y_true * np.log(p) + (1 - y_true) * np.log(1 - p)",
    ),
    "loss returned as a 0-d array": (
        "binary_cross_entropy",
        "return float(np.mean(losses))",
        "return np.asarray(np.mean(losses))",
    ),
    # binary_cross_entropy_from_logits
    "logits loss with log instead of log1p": (
        "binary_cross_entropy_from_logits",
        "np.log1p(np.exp(-np.abs(z)))",
        "np.log(1 + np.exp(-np.abs(z)))",
    ),
    "logits loss with |z| for max(z, 0)": (
        "binary_cross_entropy_from_logits",
        "np.maximum(z, 0) - z * y_true",
        "np.abs(z) - z * y_true",
    ),
    "logits loss with the sign of z y flipped": (
        "binary_cross_entropy_from_logits",
        "np.maximum(z, 0) - z * y_true",
        "np.maximum(z, 0) + z * y_true",
    ),
    "logits loss as softplus(-z) for every label": (
        "binary_cross_entropy_from_logits",
        "losses = np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))",
        "losses = np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z)))",
    ),
    # build_model
    "model trained with SGD": (
        "build_model",
        "optimizer=keras.optimizers.Adam()",
        "optimizer=keras.optimizers.SGD()",
    ),
    "model without a hidden layer": (
        "build_model",
        '            keras.layers.Dense(16, activation="relu"),\n',
        "",
    ),
    "model with a squared-error loss": (
        "build_model",
        'loss="binary_crossentropy"',
        'loss="mse"',
    ),
    "model with a linear output and a loss on probabilities": (
        "build_model",
        'keras.layers.Dense(1, activation="sigmoid")',
        "keras.layers.Dense(1)",
    ),
    "model never compiled": (
        "build_model",
        "    model.compile(\n"
        "        optimizer=keras.optimizers.Adam(),\n"
        '        loss="binary_crossentropy",\n'
        '        metrics=[keras.metrics.AUC(name="auc")],\n'
        "    )\n",
        "",
    ),
    "model for a fixed number of features": (
        "build_model",
        "keras.Input(shape=(n_features,))",
        "keras.Input(shape=(12,))",
    ),
    # predict_labels
    "labels above the threshold only (>)": (
        "predict_labels",
        "(probabilities >= threshold)",
        "(probabilities > threshold)",
    ),
    "labels squeezed: a scalar for one row": (
        "predict_labels",
        "probabilities = model.predict(X, verbose=0)[:, 0]",
        "probabilities = np.squeeze(model.predict(X, verbose=0))",
    ),
    "labels as booleans": (
        "predict_labels",
        "return (probabilities >= threshold).astype(int)",
        "return probabilities >= threshold",
    ),
    "labels by rounding (ties to even, threshold ignored)": (
        "predict_labels",
        "return (probabilities >= threshold).astype(int)",
        "return np.round(probabilities).astype(int)",
    ),
    # fix_labels
    "one-hot read from column 0": (
        "fix_labels",
        "return y[:, 1].astype(np.float32)",
        "return y[:, 0].astype(np.float32)",
    ),
    "one-hot rows checked by their sum only": (
        "fix_labels",
        "rows_ok = np.isin(y, [0, 1]).all(axis=1) & (y.sum(axis=1) == 1)",
        "rows_ok = y.sum(axis=1) == 1",
    ),
    "words compared without strip": (
        "fix_labels",
        "words = np.char.lower(np.char.strip(y))",
        "words = np.char.lower(y)",
    ),
    "labels returned as float64": (
        "fix_labels",
        "    return y.astype(np.float32)\n",
        "    return y.astype(np.float64)\n",
    ),
    "numeric labels checked by their maximum only": (
        "fix_labels",
        "if not np.isin(y, [0, 1]).all():",
        "if y.max() > 1 or not np.all(y == np.round(y)):",
    ),
    "no labels at all accepted": (
        "fix_labels",
        '    if y.size == 0:\n        raise ValueError("y holds no labels.")\n',
        "",
    ),
    "every word but yes is no": (
        "fix_labels",
        '        if not np.isin(words, ["yes", "no"]).all():\n'
        "            raise ValueError(\"string labels must be 'yes' or 'no'.\")\n",
        "",
    ),
}

_ARRAYS = (
    "np.asarray dropped: the tests pass NumPy arrays (float64 for the losses), "
    "as the notebook says they are"
)
_PLAIN = "returns np.float64, a subclass of Python's float"
_LAST_AXIS = "the array is 2-D here, so axis or index -1 is axis or index 1"

EQUIVALENT = {
    "binary_cross_entropy:0": _ARRAYS,
    "binary_cross_entropy:1": _ARRAYS,
    "binary_cross_entropy:36": _PLAIN,
    "binary_cross_entropy_from_logits:0": _ARRAYS,
    "binary_cross_entropy_from_logits:1": _ARRAYS,
    "binary_cross_entropy_from_logits:21": _PLAIN,
    "build_model:2": "the notebook asks for a small hidden layer, of any width",
    "build_model:3": "the notebook asks for a small hidden layer, of any width",
    "build_model:4": (
        "the notebook leaves the hidden layer's activation free; a sigmoid "
        "hidden layer still learns the test's data"
    ),
    "build_model:5": (
        "the notebook leaves the hidden layer's activation free; the test's "
        "labels follow a linear rule, which a linear hidden layer still learns"
    ),
    "predict_labels:0": "verbose=1 only prints Keras's progress bar",
    "fix_labels:0": _ARRAYS,
    "fix_labels:10": _LAST_AXIS,
    "fix_labels:22": _LAST_AXIS,
    "fix_labels:26": _LAST_AXIS,
    "fix_labels:27": (
        "one verdict for the whole array instead of one per row, but only "
        "rows_ok.all() is used"
    ),
    "fix_labels:29": _LAST_AXIS,
    "fix_labels:33": _LAST_AXIS,
    "fix_labels:45": _LAST_AXIS,
    "fix_labels:56": _LAST_AXIS,
}
