"""Exercise 4: five genuinely different correct answers (see correct_01.py).

Answers not given are the reference's.
"""

CORRECT = {
    # Labels choose the logarithm; the loss on scores through logaddexp; a
    # model that outputs scores (from_logits=True), built functionally.
    "logits_model": {
        "binary_cross_entropy": "def binary_cross_entropy(y_true, p, epsilon=1e-7):\n"
        "    p = np.clip(p, epsilon, 1 - epsilon)\n"
        "    losses = np.where(y_true == 1, -np.log(p), -np.log(1 - p))\n"
        "    return float(losses.mean())\n",
        "binary_cross_entropy_from_logits": "def binary_cross_entropy_from_logits("
        "y_true, z):\n"
        "    # -log sigma(z) = logaddexp(0, -z), -log(1 - sigma(z)) = logaddexp(0, z)\n"
        "    losses = np.where(y_true == 1, np.logaddexp(0, -z), np.logaddexp(0, z))\n"
        "    return float(np.mean(losses))\n",
        "build_model": "def build_model(n_features):\n"
        "    inputs = keras.Input(shape=(n_features,))\n"
        "    hidden = keras.layers.Dense(24, activation='relu')(inputs)\n"
        "    score = keras.layers.Dense(1)(hidden)\n"
        "    model = keras.Model(inputs, score)\n"
        "    model.compile(\n"
        "        optimizer='adam',\n"
        "        loss=keras.losses.BinaryCrossentropy(from_logits=True),\n"
        "    )\n"
        "    return model\n",
        "fix_labels": "def fix_labels(y):\n"
        "    y = np.asarray(y)\n"
        "    if y.ndim == 2 and y.shape[1] == 1:\n"
        "        y = y.reshape(-1)\n"
        "    if y.size == 0 or y.ndim not in (1, 2) or (y.ndim == 2 and "
        "y.shape[1] != 2):\n"
        "        raise ValueError(f'cannot read labels of shape {y.shape}')\n"
        "    if y.dtype.kind in 'US':\n"
        "        words = {'yes': 1.0, 'no': 0.0}\n"
        "        try:\n"
        "            return np.array([words[w.strip().lower()] for w in y], "
        "dtype=np.float32)\n"
        "        except KeyError as exc:\n"
        "            raise ValueError(f'unknown label {exc}') from None\n"
        "    if y.ndim == 2:\n"
        "        if not all(list(row) in ([1, 0], [0, 1]) for row in y.tolist()):\n"
        "            raise ValueError('one-hot rows must be [1, 0] or [0, 1]')\n"
        "        y = y[:, 1]\n"
        "    if not all(v in (0, 1) for v in y.tolist()):\n"
        "        raise ValueError('labels must be 0 or 1')\n"
        "    return y.astype(np.float32)\n",
    },
    # log1p for the second logarithm; scores split by sign; a model calling
    # Keras's own sigmoid; labels called directly.
    "split_by_sign": {
        "binary_cross_entropy": "def binary_cross_entropy(y_true, p, epsilon=1e-7):\n"
        "    p = np.minimum(np.maximum(p, epsilon), 1 - epsilon)\n"
        "    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * "
        "np.log1p(-p)))\n",
        "binary_cross_entropy_from_logits": "def binary_cross_entropy_from_logits("
        "y_true, z):\n"
        "    # The loss is softplus(u) with u = -z for y = 1 and u = z for y = 0;\n"
        "    # softplus(u) = u + softplus(-u): take the side whose exp is small.\n"
        "    u = np.where(y_true == 1, -z, z)\n"
        "    tail = np.log1p(np.exp(-np.abs(u)))\n"
        "    return float(np.mean(np.where(u > 0, u + tail, tail)))\n",
        "build_model": "def build_model(n_features):\n"
        "    model = keras.Sequential()\n"
        "    model.add(keras.Input(shape=(n_features,)))\n"
        "    model.add(keras.layers.Dense(8, activation='tanh'))\n"
        "    model.add(keras.layers.Dense(1, activation=keras.activations.sigmoid))\n"
        "    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),\n"
        "                  loss=keras.losses.BinaryCrossentropy())\n"
        "    return model\n",
        "predict_labels": "def predict_labels(model, X, threshold=0.5):\n"
        "    p = np.asarray(model(X, training=False)).reshape(-1)\n"
        "    return np.where(p >= threshold, 1, 0)\n",
    },
    # Per-example losses in a list; labels from predict_on_batch.
    "per_example": {
        "binary_cross_entropy": "import math\n\n\n"
        "def binary_cross_entropy(y_true, p, epsilon=1e-7):\n"
        "    total = 0.0\n"
        "    for y, q in zip(y_true, p):\n"
        "        q = min(max(float(q), epsilon), 1 - epsilon)\n"
        "        total -= math.log(q) if y == 1 else math.log(1 - q)\n"
        "    return total / len(y_true)\n",
        "binary_cross_entropy_from_logits": "def binary_cross_entropy_from_logits("
        "y_true, z):\n"
        "    total = 0.0\n"
        "    for y, s in zip(y_true, z):\n"
        "        s = float(s)\n"
        "        # -log sigma(s) for y = 1, -log sigma(-s) for y = 0\n"
        "        t = s if y == 1 else -s\n"
        "        total += max(-t, 0.0) + math.log1p(math.exp(-abs(t)))\n"
        "    return total / len(y_true)\n",
        "predict_labels": "def predict_labels(model, X, threshold=0.5):\n"
        "    p = model.predict_on_batch(X)\n"
        "    return (np.asarray(p)[:, 0] >= threshold).astype(np.int64)\n",
        "fix_labels": "def fix_labels(y):\n"
        "    y = np.array(y)  # a copy\n"
        "    if y.size == 0:\n"
        "        raise ValueError('no labels')\n"
        "    if y.dtype.kind in 'US':\n"
        "        y = np.char.strip(np.char.lower(y))\n"
        "        if not np.all((y == 'yes') | (y == 'no')):\n"
        "            raise ValueError('labels must be yes or no')\n"
        "        y = (y == 'yes').astype(int)\n"
        "    if y.ndim == 2 and y.shape[1] == 2:\n"
        "        if not np.array_equal(np.sort(y, axis=1), np.tile([0, 1], "
        "(len(y), 1))):\n"
        "            raise ValueError('one-hot rows must be [1, 0] or [0, 1]')\n"
        "        y = y[:, 1]\n"
        "    y = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y\n"
        "    if y.ndim != 1 or not np.all((y == 0) | (y == 1)):\n"
        "        raise ValueError(f'not binary labels of shape (n,): {y.shape}')\n"
        "    return y.astype(np.float32)\n",
    },
    # Clipping by np.clip on float32-safe bounds; a wider hidden layer.
    "wide_model": {
        "binary_cross_entropy": "def binary_cross_entropy(y_true, p, epsilon=1e-7):\n"
        "    y_true = np.asarray(y_true, dtype=np.float64)\n"
        "    p = np.clip(np.asarray(p, dtype=np.float64), epsilon, 1.0 - epsilon)\n"
        "    return float(np.mean(-y_true * np.log(p)) + np.mean(-(1 - y_true) * "
        "np.log(1 - p)))\n",
        "build_model": "def build_model(n_features):\n"
        "    model = keras.Sequential([\n"
        "        keras.Input(shape=(n_features,)),\n"
        "        keras.layers.Dense(32, activation='relu'),\n"
        "        keras.layers.Dense(1, activation='sigmoid'),\n"
        "    ])\n"
        "    model.compile(optimizer='adam', loss='binary_crossentropy',\n"
        "                  metrics=['accuracy'])\n"
        "    return model\n",
        "predict_labels": "def predict_labels(model, X, threshold=0.5):\n"
        "    probabilities = model.predict(X, verbose=0)\n"
        "    return (probabilities.ravel() >= threshold).astype(int)\n",
    },
    # A one-hidden-layer model with a linear output, a loss object with
    # reduction kept by default; the loss on scores by the abs-value form.
    "abs_form": {
        "binary_cross_entropy_from_logits": "def binary_cross_entropy_from_logits("
        "y_true, z):\n"
        "    # log(1 + exp(z)) - y z, with log(1 + exp(z)) = max(z, 0) + "
        "log1p(exp(-|z|))\n"
        "    relu = (z + np.abs(z)) / 2\n"
        "    return float(np.mean(relu - y_true * z + np.log1p(np.exp(-np.abs(z)))))\n",
        "build_model": "def build_model(n_features):\n"
        "    model = keras.Sequential([\n"
        "        keras.Input(shape=(n_features,)),\n"
        "        keras.layers.Dense(12, activation='relu'),\n"
        "        keras.layers.Dense(1, activation='linear'),\n"
        "    ])\n"
        "    loss = keras.losses.BinaryCrossentropy(from_logits=True)\n"
        "    model.compile(optimizer=keras.optimizers.Adam(), loss=loss)\n"
        "    return model\n",
        "fix_labels": "def fix_labels(y):\n"
        "    y = np.asarray(y)\n"
        "    if y.ndim == 2 and y.shape[1] == 1:\n"
        "        y = y[:, 0]\n"
        "    if y.size == 0:\n"
        "        raise ValueError('y is empty')\n"
        "    if y.dtype.kind in 'US':\n"
        "        lowered = np.char.lower(np.char.strip(y))\n"
        "        yes, no = lowered == 'yes', lowered == 'no'\n"
        "        if not np.all(yes | no):\n"
        "            raise ValueError('words other than yes and no')\n"
        "        return yes.astype(np.float32)\n"
        "    if y.ndim == 2 and y.shape[1] == 2:\n"
        "        ok = ((y == 0) | (y == 1)).all() and (y.sum(axis=1) == 1).all()\n"
        "        if not ok:\n"
        "            raise ValueError('not one-hot')\n"
        "        return np.argmax(y, axis=1).astype(np.float32)\n"
        "    if y.ndim != 1:\n"
        "        raise ValueError(f'shape {y.shape} is not (n,), (n, 1) or (n, 2)')\n"
        "    if not ((y == 0) | (y == 1)).all():\n"
        "        raise ValueError('labels other than 0 and 1')\n"
        "    return y.astype(np.float32)\n",
    },
}
