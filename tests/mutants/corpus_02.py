"""Exercise 2 (backpropagation): plausible learner mistakes, and equivalent mutants.

Format as in ``corpus_01.py``. None of these is one of the fixtures in
``tests/fixtures/02-vanishing-gradients/``.
"""

MUTANTS = {
    # layer_forward
    "forward adds the bias to the weights": (
        "layer_forward",
        "sigmoid(X @ W + b)",
        "sigmoid(X @ (W + b))",
    ),
    "forward adds the bias after the sigmoid": (
        "layer_forward",
        "sigmoid(X @ W + b)",
        "sigmoid(X @ W) + b",
    ),
    "forward with tanh": ("layer_forward", "sigmoid(X @ W + b)", "np.tanh(X @ W + b)"),
    # layer_backward
    "backward forgets 1 - A": (
        "layer_backward",
        "dZ = dA * (A * (1 - A))",
        "dZ = dA * A",
    ),
    "backward sums db over the wrong axis": (
        "layer_backward",
        "dZ.sum(axis=0)",
        "dZ.sum(axis=1)",
    ),
    "backward averages db over the rows": (
        "layer_backward",
        "dZ.sum(axis=0)",
        "dZ.mean(axis=0)",
    ),
    "backward uses sigma'(A) instead of sigma'(Z)": (
        "layer_backward",
        "dZ = dA * (A * (1 - A))",
        "dZ = dA * (sigmoid(A) * (1 - sigmoid(A)))",
    ),
    "backward returns (dW, dX, db)": (
        "layer_backward",
        "return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)",
        "return X.T @ dZ, dZ @ W.T, dZ.sum(axis=0)",
    ),
    # mlp_gradients
    "mlp sums the loss instead of averaging": (
        "mlp_gradients",
        "dZ = (sigmoid(z) - y[:, None]) / len(X)",
        "dZ = sigmoid(z) - y[:, None]",
    ),
    "mlp subtracts y without reshaping it": (
        "mlp_gradients",
        "dZ = (sigmoid(z) - y[:, None]) / len(X)",
        "dZ = (sigmoid(z) - y) / len(X)",
    ),
    "mlp forgets the last layer's bias": (
        "mlp_gradients",
        "z = inputs[-1] @ weights[-1] + biases[-1]",
        "z = inputs[-1] @ weights[-1]",
    ),
    "mlp returns the layers last first": (
        "mlp_gradients",
        "return grads[::-1]",
        "return grads",
    ),
    "mlp multiplies the output's dZ by sigma'(z) again (squared-error habit)": (
        "mlp_gradients",
        "dZ = (sigmoid(z) - y[:, None]) / len(X)",
        "dZ = (sigmoid(z) - y[:, None]) * sigmoid(z) * (1 - sigmoid(z)) / len(X)",
    ),
    "mlp skips the first layer": (
        "mlp_gradients",
        "range(len(weights) - 2, -1, -1)",
        "range(len(weights) - 2, 0, -1)",
    ),
    # numerical_gradient
    "numerical gradient divides by eps, not 2 eps": (
        "numerical_gradient",
        "(upper - lower) / (2 * eps)",
        "(upper - lower) / eps",
    ),
    "numerical gradient perturbs a float32 copy": (
        "numerical_gradient",
        "point = x.astype(np.float64)",
        "point = x.copy()",
    ),
    "numerical gradient perturbs whole rows (range(len(x)))": (
        "numerical_gradient",
        "for i in np.ndindex(point.shape):",
        "for i in range(len(point)):",
    ),
    "numerical gradient perturbs x itself and puts it back": (
        "numerical_gradient",
        "point = x.astype(np.float64)",
        "point = x",
    ),
    "numerical gradient with a hard-coded step": (
        "numerical_gradient",
        "point[i] = saved + eps\n        upper = f(point)\n"
        "        point[i] = saved - eps\n        lower = f(point)\n"
        "        point[i] = saved\n        grad[i] = (upper - lower) / (2 * eps)",
        "point[i] = saved + 1e-6\n        upper = f(point)\n"
        "        point[i] = saved - 1e-6\n        lower = f(point)\n"
        "        point[i] = saved\n        grad[i] = (upper - lower) / 2e-6",
    ),
    # gradient_ratio
    "ratio upside down": (
        "gradient_ratio",
        "np.linalg.norm(grads[0][0]) / np.linalg.norm(grads[-1][0])",
        "np.linalg.norm(grads[-1][0]) / np.linalg.norm(grads[0][0])",
    ),
    "ratio of the biases' gradients": (
        "gradient_ratio",
        "np.linalg.norm(grads[0][0]) / np.linalg.norm(grads[-1][0])",
        "np.linalg.norm(grads[0][1]) / np.linalg.norm(grads[-1][1])",
    ),
    "ratio with the spectral norm": (
        "gradient_ratio",
        "np.linalg.norm(grads[0][0]) / np.linalg.norm(grads[-1][0])",
        "np.linalg.norm(grads[0][0], 2) / np.linalg.norm(grads[-1][0], 2)",
    ),
    "ratio of the largest entries": (
        "gradient_ratio",
        "np.linalg.norm(grads[0][0]) / np.linalg.norm(grads[-1][0])",
        "np.max(np.abs(grads[0][0])) / np.max(np.abs(grads[-1][0]))",
    ),
}

EQUIVALENT = {
    "mlp_gradients:54": (
        "dZ has one column and W_L.T one row, so dZ * W_L.T (an outer product "
        "by broadcasting) equals dZ @ W_L.T"
    ),
    "numerical_gradient:30": (
        "a default step of -1e-6: the central difference is symmetric in the "
        "sign of eps, and f sees the same points"
    ),
    "gradient_ratio:11": "np.float64 is a subclass of Python's float",
}
