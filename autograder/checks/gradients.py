"""Checks of exercise 2 (vanishing gradients).

The learner's backpropagation is called with small random networks built
here from plain specifications (sizes and seeds), so a test cell reads as
the list of cases it tries. The reference is autograder.reference.gradients.
"""

import numpy as np

from autograder import reference
from autograder.checks.machinery import (
    HINTS,
    TRUSTED_FUNCTIONS,
    CheckFailure,
    _call,
    _message,
    _reference,
    trusted_name,
)

HINTS.update(
    {
        ("layer_forward", "values"): (
            "A = sigma(X @ W + b): one row per example, b added to every row."
        ),
        ("layer_forward", "stability"): (
            "np.exp(-z) overflows once z is below about -709 (float64) or -88 "
            "(float32). Compute sigma with exp(-|z|) and np.where, as in "
            "exercise 1."
        ),
        ("layer_backward", "values"): (
            "With Z = X @ W + b and A = sigma(Z): dZ = dA * A * (1 - A) (the "
            "sigma' factor), dX = dZ @ W.T, dW = X.T @ dZ, db = dZ.sum(axis=0)."
        ),
        ("layer_backward", "stability"): (
            "Recompute A = sigma(Z) with a sigmoid that cannot overflow "
            "(exp(-|z|) and np.where), then sigma'(Z) = A * (1 - A)."
        ),
        ("layer_backward", "mutation"): (
            "dA *= ... or dA[...] = ... writes into the caller's array. Make a "
            "new array instead: dZ = dA * (A * (1 - A))."
        ),
        ("mlp_gradients", "values"): (
            "Run the forward pass keeping every layer's input. The loss is the "
            "MEAN cross-entropy, so the last layer's dZ is (sigma(z) - y) / n. "
            "Then go back layer by layer with layer_backward, passing each "
            "layer's dX on as the dA of the layer below."
        ),
        ("mlp_gradients", "stability"): (
            "Work from the score z: the derivative of softplus(z) - y*z is "
            "sigma(z) - y. Going through the probability p = sigma(z) divides "
            "by p or 1 - p, which are exactly 0 once the output saturates."
        ),
        ("numerical_gradient", "values"): (
            "Central differences: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) "
            "for every entry i, with the eps passed in. One-sided differences "
            "(f(x + eps e_i) - f(x)) / eps are much less accurate."
        ),
        ("numerical_gradient", "mutation"): (
            "xp = x does not copy. Perturb a copy, e.g. "
            "point = x.astype(np.float64), and change one entry of it at a time."
        ),
        ("layer_forward", "mutation"): (
            "Compute new arrays (X @ W + b is one); never assign into X, W or "
            "b, nor use +=, *= or out= on them."
        ),
        ("mlp_gradients", "mutation"): (
            "Leave X, y and the lists of weights and biases as they are: keep "
            "the layers' inputs in a list of your own, and never assign into "
            "the arrays you were given."
        ),
        ("gradient_ratio", "mutation"): (
            "Only read grads: np.linalg.norm makes no change to its argument, "
            "and neither should anything else you do."
        ),
        ("gradient_ratio", "values"): (
            "np.linalg.norm(dW) of the FIRST layer's dW divided by that of the "
            "LAST layer's dW; grads[0][0] and grads[-1][0]."
        ),
    }
)


GRADIENT_TYPES_HINT = (
    "Keep float32 input in float32: NumPy does, as long as you do not convert "
    "with np.float64, dtype=float or np.asarray(..., float). Return arrays "
    "shaped like the reference: dX like X, dW like W, db like b."
)


GRADIENT_ASPECTS = ("values", "types", "stability", "mutation")


# f(x) for numerical_gradient's checks, with their exact gradients known.
NUMERICAL_TEST_FUNCTIONS = {
    "cubes": ("f(x) = sum(x**3)", lambda v: float(np.sum(v**3))),
    "sines": ("f(x) = sum(sin(3 x))", lambda v: float(np.sum(np.sin(3 * v)))),
    "softplus": (
        "f(x) = sum(log(1 + exp(2 x)))",
        lambda v: float(np.sum(np.logaddexp(0, 2 * v))),
    ),
    # Not a sum over the entries: every partial derivative depends on every
    # entry, so a perturbation left behind spoils the entries after it.
    "coupled": (
        "f(x) = sin(sum(x)) + sum(x)**2",
        lambda v: float(np.sin(np.sum(v)) + np.sum(v) ** 2),
    ),
}


TRUSTED_FUNCTIONS.update(
    {f"numerical_gradient:{key}": f for key, (_, f) in NUMERICAL_TEST_FUNCTIONS.items()}
)


def check_gradients(func, name, aspect, cases, *, hint=None):
    """Check one of exercise 2's functions on small random networks.

    Parameters
    ----------
    func : callable
        The learner's function.
    name : str
        One of ``'layer_forward'``, ``'layer_backward'``, ``'mlp_gradients'``,
        ``'numerical_gradient'``, ``'gradient_ratio'``.
    aspect : {'values', 'types', 'stability', 'mutation'}
        What to check:

        - ``'values'``: float64 arguments; every returned array within a
          relative 1e-7 of the reference (measured against the array's
          largest entry), 1e-6 for ``numerical_gradient``;
        - ``'types'``: float64 and float32 arguments; the result has the
          reference's structure, shapes and dtypes (values are not checked,
          except that ``numerical_gradient``'s float32 result must be within
          1e-3 of its own float64 result, measured against the largest
          entry: a float64 copy of x is perturbed either way);
        - ``'stability'``: weights and inputs so large that every sigmoid
          saturates, in float64 and float32; no warning, finite results within
          1e-6 (float64) or 1e-3 (float32) of the reference, measured against
          the largest gradient entry of the whole result;
        - ``'mutation'``: the arguments are unchanged after the call.
    cases : list of tuple
        Plain specifications of the arguments. ``layer_forward`` and
        ``layer_backward``: ``(n, d_in, d_out, seed)``. ``mlp_gradients`` and
        ``gradient_ratio``: ``(n, widths, seed)``, ``widths`` ending in 1.
        ``numerical_gradient``: ``(function, shape, seed, eps)``, ``function``
        a key of :data:`NUMERICAL_TEST_FUNCTIONS` and ``eps`` None for the
        default.
    hint : str, optional
        Replaces the default hint.

    Raises
    ------
    CheckFailure
        At the first case that fails.

    Examples
    --------
    >>> from autograder.checks import check_gradients
    >>> from autograder.reference import layer_forward
    >>> check_gradients(layer_forward, "layer_forward", "values", [(4, 3, 2, 0)])
    >>> def no_bias(X, W, b):
    ...     return 1 / (1 + np.exp(-(X @ W)))
    >>> check_gradients(no_bias, "layer_forward", "values", [(2, 1, 1, 0)])
    Traceback (most recent call last):
    ...
    autograder.checks.CheckFailure: layer_forward(X, W, b) returned the wrong value.
      input:    X (2, 1) float64, W (1, 1) float64, b (1,) float64 (case (2, 1, 1, 0))
    ...
    Hint: A = sigma(X @ W + b): one row per example, b added to every row.
    """
    if aspect not in GRADIENT_ASPECTS:
        raise ValueError(f"aspect must be one of {GRADIENT_ASPECTS}, got {aspect!r}.")
    if hint is None:
        hint = GRADIENT_TYPES_HINT if aspect == "types" else HINTS[(name, aspect)]
    expected_func = _reference(name)
    dtypes = [np.float64] if aspect in ("values", "mutation") else DTYPES_BOTH
    for spec in cases:
        for dtype in dtypes:
            args = _gradient_arguments(name, spec, dtype, aspect == "stability")
            before = _copied(list(args))
            expected = expected_func(*_copied(list(args)))
            seen_changed, steps = [], []
            if name == "numerical_gradient" and aspect == "mutation":
                args = _watching_x(args, before[1], seen_changed)
            if name == "numerical_gradient" and aspect == "values":
                args = _measuring_steps(args, before[1], steps)
            got = _call(
                lambda a: func(*a),
                name,
                args,
                hint,
                forbid_warnings=aspect == "stability",
            )
            if aspect == "mutation":
                _require_unchanged(name, args, before, hint)
                if seen_changed:
                    raise CheckFailure(
                        _message(
                            f"{name} changed x while f ran: it perturbed x "
                            "itself, not a copy, and put it back afterwards.",
                            [("input", args), ("x seen by f", seen_changed[0])],
                            hint,
                        )
                    )
            else:
                _compare_gradients(name, args, expected, got, aspect, dtype, hint)
            if aspect == "types" and name == "numerical_gradient":
                if dtype == np.float64:
                    own = np.asarray(got, dtype=np.float64)
                else:
                    _require_as_in_float64(args, got, own)
            if steps:
                _require_step(args, max(steps), hint)


DTYPES_BOTH = (np.float64, np.float32)


def _require_as_in_float64(args, got, own):
    """numerical_gradient's float32 result must match its own float64 one."""
    have = np.asarray(got, dtype=np.float64)
    if not np.all(np.abs(have - own) <= 1e-3 * np.max(np.abs(own), initial=0)):
        raise CheckFailure(
            _message(
                "numerical_gradient(f, x) in float32 differs from your own "
                "float64 answer for the same x.",
                [
                    ("input", args),
                    ("float64", own),
                    ("float32", have),
                    ("", "(tolerance: 0.001 of the largest entry)"),
                ],
                "float32 cannot hold x + eps accurately (its spacing near 1 is "
                "1.2e-7): perturb a float64 copy, point = x.astype(np.float64), "
                "and convert only the result back to x.dtype.",
            )
        )


def _measuring_steps(args, x_before, steps):
    """``args`` of numerical_gradient with an ``f`` that notes how far it is from x."""
    f, x, *rest = args
    start = x_before.astype(np.float64)

    def measured(point):
        try:
            steps.append(float(np.max(np.abs(np.asarray(point, float) - start))))
        except (TypeError, ValueError):
            pass
        return f(point)

    # Where the learner's code runs in another process, f is rebuilt there
    # from its trusted name, and what it notes comes back as data.
    measured.observed = ("steps", trusted_name(f), steps.append)
    return _GradientArguments((measured, x, *rest), args.description, args.labels)


def _require_step(args, step, hint):
    """The largest perturbation f saw must be eps (1e-6 when not given)."""
    eps = args[2] if len(args) > 2 else 1e-6
    if not abs(step - eps) <= 1e-3 * eps:
        raise CheckFailure(
            _message(
                "numerical_gradient(f, x"
                + (", eps)" if len(args) > 2 else ")")
                + f" moved x by up to {step:.3g}, not by eps = {eps:g}.",
                [("input", args)],
                hint,
            )
        )


def _watching_x(args, x_before, seen_changed):
    """``args`` of numerical_gradient with an ``f`` that notes a changed ``x``."""
    f, x, *rest = args
    # Before the call x equals x_before; any difference seen by f comes from
    # the learner's function writing into x.

    def watched(point):
        if not seen_changed and not np.array_equal(x, x_before):
            seen_changed.append(np.array(x, copy=True))
        return f(point)

    def note(changed):
        if not seen_changed:
            seen_changed.append(np.asarray(changed))

    watched.observed = ("watch", trusted_name(f), note)
    return _GradientArguments((watched, x, *rest), args.description, args.labels)


class _GradientArguments(tuple):
    """A learner function's arguments, shown in messages by a description."""

    def __new__(cls, values, description, labels):
        self = super().__new__(cls, values)
        self.description = description
        self.labels = labels
        return self

    def __repr__(self):
        return self.description


def _gradient_arguments(name, spec, dtype, saturate):
    """Build the arguments for ``name`` from a plain case specification."""
    if name == "numerical_gradient":
        key, shape, seed, eps = spec
        text, f = NUMERICAL_TEST_FUNCTIONS[key]
        x = np.random.default_rng(seed).uniform(-1.5, 1.5, size=shape).astype(dtype)
        values = (f, x) if eps is None else (f, x, eps)
        shown = f"f: {text}, x {_dims(x)}" + ("" if eps is None else f", eps={eps}")
        return _GradientArguments(values, f"{shown} (case {spec})", ["f", "x", "eps"])
    if name in ("layer_forward", "layer_backward"):
        n, d_in, d_out, seed = spec
        widths = (d_in, d_out)
    else:
        n, widths, seed = spec
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, widths[0]))
    if saturate:
        # Rows from tiny to huge: some units stay in the linear range, the
        # rest saturate far past where exp(-z) overflows.
        # Each row also negated, so that scores of both signs occur.
        X *= np.logspace(-2, 3, n)[:, None]
        X = np.concatenate([X, -X])
    scale = 1000.0 if saturate and name == "mlp_gradients" else 1.0
    weights = [
        rng.normal(scale=scale / np.sqrt(d_in), size=(d_in, d_out))
        for d_in, d_out in zip(widths[:-1], widths[1:], strict=True)
    ]
    biases = [rng.normal(scale=0.5, size=d_out) for d_out in widths[1:]]
    X, weights, biases = _cast(X, dtype), _cast(weights, dtype), _cast(biases, dtype)
    if name == "layer_forward":
        values, labels = (X, weights[0], biases[0]), ["X", "W", "b"]
    elif name == "layer_backward":
        dA = _cast(rng.normal(size=(len(X), widths[1])), dtype)
        values, labels = (dA, X, weights[0], biases[0]), ["dA", "X", "W", "b"]
    else:
        y = _cast(rng.integers(0, 2, size=len(X)).astype(np.float64), dtype)
        if name == "mlp_gradients":
            values, labels = (X, y, weights, biases), ["X", "y", "weights", "biases"]
        else:
            grads = reference.mlp_gradients(X, y, weights, biases)
            values, labels = (grads,), ["grads"]
    shown = ", ".join(
        f"{label} {_dims(value)}" for label, value in zip(labels, values, strict=True)
    )
    return _GradientArguments(values, f"{shown} (case {spec})", labels)


def _copied(value):
    """A copy of ``value``'s arrays, inside the same lists and tuples."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copied(v) for v in value)
    return value  # f, eps


def _arrays_in(value):
    """Every array in ``value``, looking inside lists and tuples."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _arrays_in(v)


def _cast(value, dtype):
    if isinstance(value, list):
        return [v.astype(dtype) for v in value]
    return value.astype(dtype)


def _dims(value):
    """'(3, 2) float64' for an array, 'list of 3 arrays' for a list."""
    if isinstance(value, np.ndarray):
        return f"{value.shape} {value.dtype}"
    if isinstance(value, list):
        return f"(list of {len(value)})"
    return repr(value)


def _flatten(name, value):
    """Label and value of each array in a result of ``name``'s shape."""
    if name == "layer_backward":
        return [("dX", value[0]), ("dW", value[1]), ("db", value[2])]
    if name == "mlp_gradients":
        out = []
        for layer, (dW, db) in enumerate(value, start=1):
            out += [(f"dW of layer {layer}", dW), (f"db of layer {layer}", db)]
        return out
    return [("the result", value)]


def _structure_error(name, expected, got):
    """Why ``got`` cannot be read like ``expected``, or None if it can."""
    if name == "layer_backward":
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            return "expected a tuple (dX, dW, db)"
    if name == "mlp_gradients":
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected a list of {len(expected)} (dW, db) pairs, one per layer"
        if any(not isinstance(p, (tuple, list)) or len(p) != 2 for p in got):
            return "expected every entry of the list to be a pair (dW, db)"
    if name == "gradient_ratio" and np.ndim(got) != 0:
        return "expected a single number"
    return None


def _compare_gradients(name, args, expected, got, aspect, dtype, hint):
    headline = f"{name}({', '.join(args.labels[: len(args)])})"
    problem = _structure_error(name, expected, got)
    if problem:
        raise CheckFailure(
            _message(
                f"{headline} returned {type(got).__name__}: {problem}.",
                [("input", args), ("got", _short_repr(got))],
                hint,
            )
        )
    pairs = list(zip(_flatten(name, expected), _flatten(name, got), strict=True))
    if aspect == "stability":
        rtol = 1e-6 if dtype == np.float64 else 1e-3
        largest = max(np.max(np.abs(e), initial=0.0) for (_, e), _ in pairs)
    else:
        rtol = 1e-6 if name == "numerical_gradient" else 1e-7
    for (label, want), (_, have) in pairs:
        have_array = np.asarray(have)
        if aspect == "types":
            for what in ("shape", "dtype"):
                wanted, came = getattr(want, what, None), getattr(have_array, what)
                if name == "gradient_ratio":
                    break  # a Python float or a NumPy scalar are both fine
                if wanted != came:
                    raise CheckFailure(
                        _message(
                            f"{headline} returned the wrong {what} for {label}.",
                            [
                                ("input", args),
                                ("expected", f"{what} {wanted}"),
                                ("got", f"{what} {came}"),
                            ],
                            hint,
                        )
                    )
            continue
        scale = largest if aspect == "stability" else np.max(np.abs(want), initial=0)
        try:
            have_values = have_array.astype(np.float64)
            fits = have_values.shape == np.shape(want) and bool(
                np.all(np.abs(have_values - want) <= rtol * scale)
            )
        except (TypeError, ValueError):
            fits = False
        if not fits:
            what = "" if label == "the result" else f" for {label}"
            raise CheckFailure(
                _message(
                    f"{headline} returned the wrong value{what}.",
                    [
                        ("input", args),
                        ("expected", want),
                        ("got", have),
                        ("", f"(tolerance: {rtol:g} of the largest entry)"),
                    ],
                    hint,
                )
            )


def _require_unchanged(name, args, before, hint):
    for label, now, then in zip(args.labels, args, before, strict=False):
        for a, b in zip(_arrays_in(now), _arrays_in(then), strict=True):
            if not np.array_equal(a, b):
                raise CheckFailure(
                    _message(
                        f"{name} changed its argument {label}.",
                        [("input", args), ("before", b), ("after", a)],
                        hint,
                    )
                )


def _short_repr(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# What exercise 2's notebook promises, clause by clause, and the test cells
# that check each clause (see autograder.checks.contract).
GRADIENTS_CONTRACT = (
    (
        "values",
        "layer_forward, layer_backward, mlp_gradients and gradient_ratio "
        "match the reference within 1e-7 of each array's largest entry, for "
        "several sizes, depths and seeds",
        (
            "test_forward_values",
            "test_backward_values",
            "test_mlp_values",
            "test_ratio_values",
        ),
    ),
    (
        "values",
        "numerical_gradient gives central differences within 1e-6, for f "
        "that are and are not sums over the entries",
        ("test_numerical_values",),
    ),
    (
        "parameters",
        "numerical_gradient perturbs by eps when given, and by 1e-6 when not",
        ("test_numerical_values",),
    ),
    (
        "shapes",
        "dX like X, dW like W, db like b, one (dW, db) pair per layer in "
        "layer order, the numerical gradient like x, the ratio a number",
        (
            "test_forward_types",
            "test_backward_types",
            "test_mlp_types",
            "test_numerical_types",
            "test_ratio_values",
        ),
    ),
    (
        "dtypes",
        "float32 arguments give float32 results; float64 give float64",
        (
            "test_forward_types",
            "test_backward_types",
            "test_mlp_types",
            "test_numerical_types",
        ),
    ),
    (
        "dtypes",
        "numerical_gradient works on a float64 copy: its float32 result agrees "
        "with its float64 one",
        ("test_numerical_types",),
    ),
    (
        "mutation",
        "no function modifies its arguments, not even for a moment "
        "(numerical_gradient must not perturb x itself)",
        (
            "test_forward_types",
            "test_backward_mutation",
            "test_mlp_types",
            "test_numerical_mutation",
            "test_ratio_values",
        ),
    ),
    (
        "warnings",
        "no NumPy warning, and results within 1e-6 (float64) or 1e-3 "
        "(float32) of the largest gradient entry, when every sigmoid "
        "saturates",
        ("test_forward_stability", "test_backward_stability", "test_mlp_stability"),
    ),
)
