"""Exercise 2: five genuinely different correct answers (see correct_01.py)."""

CORRECT = {
    # np.einsum and np.dot instead of @; the ratio from sums of squares.
    "einsum": {
        "layer_forward": "def layer_forward(X, W, b):\n"
        "    return sigmoid(np.einsum('ij,jk->ik', X, W) + b)\n",
        "layer_backward": "def layer_backward(dA, X, W, b):\n"
        "    A = layer_forward(X, W, b)\n"
        "    dZ = dA * A * (1 - A)\n"
        "    dX = np.einsum('ik,jk->ij', dZ, W)\n"
        "    dW = np.einsum('ij,ik->jk', X, dZ)\n"
        "    return dX, dW, np.einsum('ik->k', dZ)\n",
        "mlp_gradients": "def mlp_gradients(X, y, weights, biases):\n"
        "    activations = [X]\n"
        "    for W, b in zip(weights[:-1], biases[:-1]):\n"
        "        activations.append(layer_forward(activations[-1], W, b))\n"
        "    z = np.dot(activations[-1], weights[-1]) + biases[-1]\n"
        "    dZ = (sigmoid(z) - y.reshape(-1, 1)) / X.shape[0]\n"
        "    grads = [(np.dot(activations[-1].T, dZ), np.sum(dZ, axis=0))]\n"
        "    dA = np.dot(dZ, weights[-1].T)\n"
        "    for k in reversed(range(len(weights) - 1)):\n"
        "        dA, dW, db = layer_backward(dA, activations[k], weights[k], "
        "biases[k])\n"
        "        grads.insert(0, (dW, db))\n"
        "    return grads\n",
        "numerical_gradient": "def numerical_gradient(f, x, eps=1e-6):\n"
        "    flat = x.astype(np.float64).ravel()\n"
        "    grad = np.empty(flat.size)\n"
        "    for i in range(flat.size):\n"
        "        old = flat[i]\n"
        "        flat[i] = old + eps\n"
        "        up = f(flat.reshape(x.shape))\n"
        "        flat[i] = old - eps\n"
        "        down = f(flat.reshape(x.shape))\n"
        "        flat[i] = old\n"
        "        grad[i] = (up - down) / (2 * eps)\n"
        "    return grad.reshape(x.shape).astype(x.dtype)\n",
        "gradient_ratio": "def gradient_ratio(grads):\n"
        "    first = np.sum(np.square(grads[0][0], dtype=np.float64))\n"
        "    last = np.sum(np.square(grads[-1][0], dtype=np.float64))\n"
        "    return float(np.sqrt(first / last))\n",
    },
    # Recursion through the layers; a fresh perturbed array per entry.
    "recursive": {
        "layer_forward": "def layer_forward(X, W, b):\n"
        "    Z = np.dot(X, W)\n"
        "    Z += b  # Z is a new array\n"
        "    return sigmoid(Z)\n",
        "layer_backward": "def layer_backward(dA, X, W, b):\n"
        "    A = layer_forward(X, W, b)\n"
        "    dZ = np.multiply(dA, A - A * A)\n"
        "    return dZ.dot(W.T), X.T.dot(dZ), dZ.sum(axis=0)\n",
        "mlp_gradients": "def mlp_gradients(X, y, weights, biases):\n"
        "    n = len(X)\n"
        "\n"
        "    def down(A, k):\n"
        "        # Returns dL/dA for layer k's input, and the grads from k on.\n"
        "        if k == len(weights) - 1:\n"
        "            z = A @ weights[k] + biases[k]\n"
        "            dZ = (sigmoid(z) - y[:, np.newaxis]) / n\n"
        "            return dZ @ weights[k].T, [(A.T @ dZ, dZ.sum(axis=0))]\n"
        "        A_next = layer_forward(A, weights[k], biases[k])\n"
        "        dA_next, later = down(A_next, k + 1)\n"
        "        dA, dW, db = layer_backward(dA_next, A, weights[k], biases[k])\n"
        "        return dA, [(dW, db)] + later\n"
        "\n"
        "    return down(X, 0)[1]\n",
        "numerical_gradient": "def numerical_gradient(f, x, eps=1e-6):\n"
        "    base = np.array(x, dtype=np.float64)\n"
        "    grad = np.zeros_like(base)\n"
        "    for i in np.ndindex(*base.shape):\n"
        "        step = np.zeros_like(base)\n"
        "        step[i] = eps\n"
        "        grad[i] = (f(base + step) - f(base - step)) / (2 * eps)\n"
        "    return grad.astype(x.dtype)\n",
        "gradient_ratio": "def gradient_ratio(grads):\n"
        "    dW_first, dW_last = grads[0][0], grads[-1][0]\n"
        "    return float(np.linalg.norm(dW_first, 'fro') / "
        "np.linalg.norm(dW_last, 'fro'))\n",
    },
    # The sigmoid's slope as 1/4 (1 - tanh(z/2)^2), computed from Z.
    "tanh_slope": {
        "layer_forward": "def layer_forward(X, W, b):\n    return sigmoid(X @ W + b)\n",
        "layer_backward": "def layer_backward(dA, X, W, b):\n"
        "    Z = X @ W + b\n"
        "    t = np.tanh(Z / 2)\n"
        "    dZ = dA * (0.25 * (1 - t * t)).astype(Z.dtype)\n"
        "    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)\n",
        "mlp_gradients": "def mlp_gradients(X, y, weights, biases):\n"
        "    inputs = [X]\n"
        "    for W, b in zip(weights[:-1], biases[:-1]):\n"
        "        inputs.append(layer_forward(inputs[-1], W, b))\n"
        "    z = inputs[-1] @ weights[-1] + biases[-1]\n"
        "    dZ = (sigmoid(z) - y[:, None]) / len(X)\n"
        "    grads = [None] * len(weights)\n"
        "    grads[-1] = (inputs[-1].T @ dZ, dZ.sum(axis=0))\n"
        "    dA = dZ @ weights[-1].T\n"
        "    for k in range(len(weights) - 2, -1, -1):\n"
        "        dA, dW, db = layer_backward(dA, inputs[k], weights[k], biases[k])\n"
        "        grads[k] = (dW, db)\n"
        "    return grads\n",
        "numerical_gradient": "def numerical_gradient(f, x, eps=1e-6):\n"
        "    point = np.copy(x).astype(np.float64)\n"
        "    grad = np.zeros(x.shape, dtype=np.float64)\n"
        "    it = np.nditer(point, flags=['multi_index'])\n"
        "    for _ in it:\n"
        "        i = it.multi_index\n"
        "        keep = point[i]\n"
        "        point[i] = keep + eps\n"
        "        plus = f(point)\n"
        "        point[i] = keep - eps\n"
        "        minus = f(point)\n"
        "        point[i] = keep\n"
        "        grad[i] = (plus - minus) / (2 * eps)\n"
        "    return grad.astype(x.dtype)\n",
        "gradient_ratio": "def gradient_ratio(grads):\n"
        "    return np.linalg.norm(grads[0][0]) / np.linalg.norm(grads[-1][0])\n",
    },
    # One example at a time: the gradients summed over the rows by hand.
    "per_example": {
        "layer_forward": "def layer_forward(X, W, b):\n"
        "    return np.stack([sigmoid(row @ W + b) for row in X])\n",
        "layer_backward": "def layer_backward(dA, X, W, b):\n"
        "    dX = np.zeros_like(X)\n"
        "    dW = np.zeros_like(W)\n"
        "    db = np.zeros_like(b)\n"
        "    for i in range(len(X)):\n"
        "        a = sigmoid(X[i] @ W + b)\n"
        "        dz = dA[i] * a * (1 - a)\n"
        "        dX[i] = W @ dz\n"
        "        dW += np.outer(X[i], dz)\n"
        "        db += dz\n"
        "    return dX, dW, db\n",
        "mlp_gradients": "def mlp_gradients(X, y, weights, biases):\n"
        "    A = [X]\n"
        "    for W, b in zip(weights[:-1], biases[:-1]):\n"
        "        A.append(layer_forward(A[-1], W, b))\n"
        "    p = sigmoid(A[-1] @ weights[-1] + biases[-1])\n"
        "    dZ = (p - y.reshape(p.shape)) / np.asarray(len(y), dtype=p.dtype)\n"
        "    out = [(A[-1].T @ dZ, dZ.sum(axis=0))]\n"
        "    dA = dZ @ weights[-1].T\n"
        "    for k in range(len(weights) - 2, -1, -1):\n"
        "        dA, dW, db = layer_backward(dA, A[k], weights[k], biases[k])\n"
        "        out.append((dW, db))\n"
        "    out.reverse()\n"
        "    return out\n",
        "numerical_gradient": "def numerical_gradient(f, x, eps=1e-6):\n"
        "    x64 = x.astype(np.float64)\n"
        "    grad = np.zeros_like(x64)\n"
        "    for i in np.ndindex(x.shape):\n"
        "        up = x64.copy()\n"
        "        up[i] += eps\n"
        "        down = x64.copy()\n"
        "        down[i] -= eps\n"
        "        grad[i] = (f(up) - f(down)) / (2 * eps)\n"
        "    return grad.astype(x.dtype)\n",
        "gradient_ratio": "import math\n\n\ndef gradient_ratio(grads):\n"
        "    def frobenius(m):\n"
        "        return math.sqrt(sum(float(v) ** 2 for v in np.ravel(m)))\n"
        "    return frobenius(grads[0][0]) / frobenius(grads[-1][0])\n",
    },
    # The network's layers as a list of (input, W, b), walked backwards.
    "zipped": {
        "layer_forward": "def layer_forward(X, W, b):\n"
        "    return sigmoid(np.matmul(X, W) + b[np.newaxis, :])\n",
        "layer_backward": "def layer_backward(dA, X, W, b):\n"
        "    A = layer_forward(X, W, b)\n"
        "    slope = A * (1 - A)\n"
        "    dZ = dA * slope\n"
        "    dW = np.matmul(X.T, dZ)\n"
        "    dX = np.matmul(dZ, W.T)\n"
        "    db = np.add.reduce(dZ, axis=0)\n"
        "    return dX, dW, db\n",
        "mlp_gradients": "def mlp_gradients(X, y, weights, biases):\n"
        "    layers = []\n"
        "    A = X\n"
        "    for W, b in zip(weights, biases):\n"
        "        layers.append((A, W, b))\n"
        "        A = layer_forward(A, W, b)\n"
        "    # A is sigma(z) of the last layer: dL/dz = (A - y) / n.\n"
        "    A_in, W, b = layers[-1]\n"
        "    dZ = (A - y[:, None]) / len(y)\n"
        "    grads = [(A_in.T @ dZ, dZ.sum(0))]\n"
        "    dA = dZ @ W.T\n"
        "    for A_in, W, b in reversed(layers[:-1]):\n"
        "        dA, dW, db = layer_backward(dA, A_in, W, b)\n"
        "        grads.append((dW, db))\n"
        "    return list(reversed(grads))\n",
        "numerical_gradient": "def numerical_gradient(f, x, eps=1e-6):\n"
        "    point = np.array(x, dtype=np.float64, copy=True)\n"
        "    grad = np.empty(x.shape)\n"
        "    for i in np.ndindex(x.shape):\n"
        "        saved = point[i]\n"
        "        values = []\n"
        "        for sign in (1, -1):\n"
        "            point[i] = saved + sign * eps\n"
        "            values.append(f(point))\n"
        "        point[i] = saved\n"
        "        grad[i] = (values[0] - values[1]) / (2 * eps)\n"
        "    return grad.astype(x.dtype)\n",
        "gradient_ratio": "def gradient_ratio(grads):\n"
        "    norms = [np.linalg.norm(dW) for dW, _ in grads]\n"
        "    return float(norms[0] / norms[-1])\n",
    },
}
