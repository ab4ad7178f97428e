"""Chapter 3's reference activations against Keras, SciPy and mpmath."""

import os
import warnings

import mpmath
import numpy as np
import pytest
import scipy.special

from autograder import reference
from autograder.exact import _round
from autograder.ulp import ulp_distance

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ELEMENTWISE = [
    "tanh_from_sigmoid",
    "hard_sigmoid",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "elu",
    "gelu",
    "gelu_tanh",
    "silu",
    "softplus",
]
SQRT2 = mpmath.sqrt(2)

# The mathematical functions, evaluated with 200 bits.
EXACT = {
    "tanh_from_sigmoid": mpmath.tanh,
    "elu": lambda x: x if x > 0 else mpmath.expm1(x),
    "gelu": lambda x: x * mpmath.erfc(-x / SQRT2) / 2,
    "silu": lambda x: x / (1 + mpmath.exp(-x)),
    "softplus": lambda x: mpmath.log1p(mpmath.exp(x)),
}


@pytest.fixture(scope="module")
def keras():
    from tensorflow import keras

    return keras


def exact(name, x, dtype=np.float64):
    out = np.empty(np.shape(x), dtype=dtype)
    with mpmath.workprec(200):
        for index, value in np.ndenumerate(np.asarray(x, dtype=np.float64)):
            out[index] = _round(EXACT[name](mpmath.mpf(float(value))), dtype)
    return out


def sample(dtype, size=1500, seed=3):
    rng = np.random.default_rng(seed)
    edge = 740.0 if dtype == np.float64 else 100.0
    parts = [
        rng.uniform(-edge, edge, size),
        rng.normal(0, 4, size),
        np.sign(rng.normal(size=size)) * 10.0 ** rng.uniform(-30, 0, size),
    ]
    return np.concatenate(parts).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["tanh_from_sigmoid", "elu", "silu", "softplus"])
def test_accuracy_against_mpmath(name, dtype):
    x = sample(dtype)
    errors = ulp_distance(getattr(reference, name)(x), exact(name, x, dtype))
    worst = int(np.argmax(errors))
    assert errors[worst] <= 4, f"{name}({x[worst]!r}) is {errors[worst]} ULP off"


def test_tanh_from_sigmoid_is_accurate_where_the_plain_identity_is_not():
    x = np.array([1e-12, -3e-9, 1e-300, 5e-324])
    plain = 2 * scipy.special.expit(2 * x) - 1
    assert (
        ulp_distance(
            reference.tanh_from_sigmoid(x), exact("tanh_from_sigmoid", x)
        ).max()
        <= 1
    )
    assert ulp_distance(plain, exact("tanh_from_sigmoid", x)).max() > 1e3


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gelu_accuracy_against_mpmath(dtype):
    # SciPy's erfc is off by up to about 10 ULP just below 1, and the rounding
    # of x / sqrt(2) is magnified by about x**2 in the left tail (see the
    # docstring), so the tolerance grows with it.
    x = sample(dtype)
    x = x[x > -37]  # below that the result underflows anyway
    errors = ulp_distance(reference.gelu(x), exact("gelu", x, dtype))
    allowed = 16 + (2 * x.astype(np.float64) ** 2 if dtype == np.float64 else 0)
    assert np.all(errors <= allowed), x[np.argmax(errors - allowed)]


def test_gelu_keeps_the_left_tail_that_erf_loses():
    x = np.array([-10.0, -20.0, -30.0])
    naive = 0.5 * x * (1 + scipy.special.erf(x / np.sqrt(2)))
    assert np.all(naive == 0)
    assert np.all(reference.gelu(x) < 0)
    assert np.allclose(reference.gelu(x), exact("gelu", x), rtol=1e-12, atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name, keras_name, kwargs",
    [
        ("tanh_from_sigmoid", "tanh", {}),
        ("hard_sigmoid", "hard_sigmoid", {}),
        ("relu", "relu", {}),
        ("leaky_relu", "leaky_relu", {"negative_slope": 0.01}),
        ("elu", "elu", {}),
        ("gelu", "gelu", {}),
        ("gelu_tanh", "gelu", {"approximate": True}),
        ("silu", "silu", {}),
        ("softplus", "softplus", {}),
    ],
)
def test_agrees_with_keras(keras, name, keras_name, kwargs, dtype):
    x = np.linspace(-12, 12, 2401).astype(dtype)
    theirs = np.asarray(getattr(keras.activations, keras_name)(x, **kwargs))
    ours = getattr(reference, name)(x)
    assert ours.dtype == theirs.dtype == dtype
    # Keras computes in the input's precision, but some of its constants
    # (leaky ReLU's slope, GELU's coefficients) are float32 even in float64.
    rtol = 16 * np.finfo(np.float32).eps if dtype == np.float32 else 1e-6
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol)


def test_relu_derivative_agrees_with_tensorflows_gradient(keras):
    import tensorflow as tf

    x = tf.constant([-3.0, -1e-30, 0.0, 1e-30, 2.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = keras.activations.relu(x)
    grad = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(reference.relu_derivative(x.numpy()), grad)
    assert reference.relu_derivative(0.0) == 0.0


def test_softplus_derivative_is_the_sigmoid():
    x = np.linspace(-20, 20, 401)
    h = 1e-6
    slope = (reference.softplus(x + h) - reference.softplus(x - h)) / (2 * h)
    np.testing.assert_allclose(slope, reference.sigmoid(x), atol=1e-9)


def test_hard_sigmoid_is_keras_3s_definition():
    assert reference.hard_sigmoid(-3.0) == 0.0 and reference.hard_sigmoid(3.0) == 1.0
    assert reference.hard_sigmoid(1.5) == 0.75


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elementwise_contract(name, dtype):
    func = getattr(reference, name)
    x = np.array([[-np.inf, -1000.0, -1.0], [0.0, 1000.0, np.inf]], dtype=dtype)
    before = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):
            got = func(x)
            nan = func(np.nan)
            scalar = func(2)
    np.testing.assert_array_equal(x, before)
    assert got.shape == x.shape and got.dtype == dtype
    assert np.all(np.isfinite(got[np.isfinite(x)]))
    assert np.isnan(nan)
    assert isinstance(scalar, np.float64)


def test_limits_at_infinity():
    limits = {
        "tanh_from_sigmoid": (-1, 1),
        "relu": (0, np.inf),
        "elu": (-1, np.inf),
        "gelu": (0, np.inf),
        "gelu_tanh": (0, np.inf),
        "silu": (0, np.inf),
        "softplus": (0, np.inf),
        "hard_sigmoid": (0, 1),
    }
    for name, expected in limits.items():
        got = getattr(reference, name)(np.array([-np.inf, np.inf]))
        np.testing.assert_array_equal(got, expected, err_msg=name)


def test_alpha_is_validated():
    with pytest.raises(ValueError, match="alpha must be finite, got nan"):
        reference.leaky_relu(1.0, alpha=float("nan"))
    with pytest.raises(ValueError, match="alpha must be a real number, got 'big'"):
        reference.elu(1.0, alpha="big")


def exact_log_softmax(z, axis):
    """log_softmax with mpmath, row by row along ``axis``."""
    moved = np.moveaxis(np.asarray(z, dtype=np.float64), axis, -1)
    out = np.empty(moved.shape)
    with mpmath.workprec(200):
        for index in np.ndindex(moved.shape[:-1]):
            row = [mpmath.mpf(float(v)) for v in moved[index]]
            lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in row))
            out[index] = [float(v - lse) for v in row]
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax_against_mpmath(axis):
    rng = np.random.default_rng(axis + 5)
    z = rng.normal(0, 10, size=(6, 7, 3))
    z[0] += 1000
    z[1] -= 1000
    truth = exact_log_softmax(z, axis)
    m = np.max(z, axis=axis, keepdims=True)
    eps = np.finfo(np.float64).eps
    # softmax: the rounding of z - max is magnified by exp (see the docstring).
    got = reference.softmax(z, axis=axis)
    p = np.exp(truth)
    tolerance = (4 + np.abs(z - m)) * eps * p
    assert np.all(np.abs(got - p) <= np.maximum(tolerance, 5e-324))
    # log_softmax: absolute error of the order of eps * |z - max|.
    got = reference.log_softmax(z, axis=axis)
    assert np.all(np.abs(got - truth) <= 4 * eps * (1 + np.abs(truth)))


def test_log_softmax_keeps_the_tiny_log_probability_of_a_dominant_score():
    got = reference.log_softmax([0.0, -50.0])
    assert got[0] == pytest.approx(-np.exp(-50.0), rel=1e-15)
    naive = scipy.special.log_softmax([0.0, -50.0])
    assert naive[0] == 0.0


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_agrees_with_scipy_and_keras(keras, axis):
    rng = np.random.default_rng(7)
    z = rng.normal(0, 3, size=(4, 5))
    for ours, scipys, kerass in [
        (reference.softmax, scipy.special.softmax, keras.activations.softmax),
        (
            reference.log_softmax,
            scipy.special.log_softmax,
            keras.activations.log_softmax,
        ),
    ]:
        got = ours(z, axis=axis)
        np.testing.assert_allclose(got, scipys(z, axis=axis), rtol=1e-13, atol=1e-15)
        theirs = np.asarray(kerass(z, axis=axis))
        np.testing.assert_allclose(got, theirs, rtol=1e-12, atol=1e-15)


def test_softmax_rows_sum_to_one_and_survive_extremes():
    z = np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -1001.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = reference.softmax(z)
        lp = reference.log_softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.exp(lp), p, rtol=1e-14)
    assert np.all(np.isfinite(lp))


def test_softmax_is_unchanged_by_a_constant_shift():
    z = np.array([0.5, -1.25, 3.0])
    np.testing.assert_allclose(reference.softmax(z + 700.0), reference.softmax(z))


def test_softmax_of_two_is_the_sigmoid():
    x = np.linspace(-30, 30, 61)
    pairs = np.stack([x, np.zeros_like(x)], axis=1)
    np.testing.assert_allclose(reference.softmax(pairs)[:, 0], reference.sigmoid(x))


def test_softmax_contract():
    z = np.array([[1.0, np.nan], [2.0, 3.0]], dtype=np.float32)
    before = z.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = reference.softmax(z)
        lp = reference.log_softmax(z)
    np.testing.assert_array_equal(z, before)
    assert p.dtype == lp.dtype == np.float32
    assert np.all(np.isnan(p[0])) and np.all(np.isnan(lp[0]))
    assert np.all(np.isfinite(p[1]))
    assert reference.softmax([1, 2]).dtype == np.float64


@pytest.mark.parametrize(
    "z, axis, message",
    [
        (3.0, -1, "z must be an array with at least one element"),
        ([], -1, "got shape \\(0,\\)"),
        ([[1.0, 2.0]], 2, "axis must be between -2 and 1 .* got 2"),
        ([1.0, 2.0], 0.5, "axis must be an integer, got 0.5"),
        (["a"], -1, "z must be a real number or an array"),
    ],
)
def test_softmax_validation(z, axis, message):
    with pytest.raises((ValueError, TypeError), match=message):
        reference.softmax(z, axis=axis)


def lstm_weights(rng, batch=3, features=4, units=5, dtype=np.float32):
    return [
        rng.normal(size=(batch, features)).astype(dtype),
        rng.normal(size=(batch, units)).astype(dtype),
        rng.normal(size=(batch, units)).astype(dtype),
        rng.normal(0, 0.5, size=(features, 4 * units)).astype(dtype),
        rng.normal(0, 0.5, size=(units, 4 * units)).astype(dtype),
        rng.normal(0, 0.5, size=4 * units).astype(dtype),
    ]


def test_lstm_step_agrees_with_keras_lstm_cell(keras):
    rng = np.random.default_rng(11)
    x, h, c, kernel, recurrent, bias = lstm_weights(rng)
    cell = keras.layers.LSTMCell(5)
    cell.build((None, 4))
    cell.set_weights([kernel, recurrent, bias])
    out, (h_keras, c_keras) = cell(x, [h, c])
    h_new, c_new = reference.lstm_step(x, h, c, kernel, recurrent, bias)
    assert h_new.dtype == c_new.dtype == np.float32
    np.testing.assert_allclose(h_new, np.asarray(h_keras), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_new, np.asarray(c_keras), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(h_keras))


def test_lstm_gates_are_sigmoids_and_the_candidate_a_tanh():
    rng = np.random.default_rng(2)
    arrays = lstm_weights(rng, dtype=np.float64)
    gates = reference.lstm_gates(*arrays)
    for name in ("input", "forget", "output"):
        assert np.all((gates[name] > 0) & (gates[name] < 1))
    assert np.all(np.abs(gates["candidate"]) < 1)
    h, c = reference.lstm_step(*arrays)
    np.testing.assert_array_equal(h, gates["h"])
    np.testing.assert_array_equal(c, gates["c"])


def test_lstm_step_leaves_its_inputs_alone_and_checks_shapes():
    rng = np.random.default_rng(4)
    arrays = lstm_weights(rng, dtype=np.float64)
    copies = [a.copy() for a in arrays]
    reference.lstm_step(*arrays)
    for a, b in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, b)
    x, h, c, kernel, recurrent, bias = arrays
    with pytest.raises(ValueError, match="kernel must have shape \\(4, 20\\)"):
        reference.lstm_step(x, h, c, kernel[:, :15], recurrent, bias)
    with pytest.raises(ValueError, match="x must be 2-dimensional"):
        reference.lstm_step(x[0], h, c, kernel, recurrent, bias)


# The learner checks of exercise 3 ------------------------------------------


def test_the_reference_passes_every_exercise_3_check():
    from autograder.checks import (
        check_activation_choices,
        check_arrays,
        check_extremes,
        check_lstm_step,
        check_shapes,
        check_values,
    )
    from autograder.checks.activations import ACTIVATION_TASKS

    sample = [-3.0, -1.5, 0.75, 1.5, 2.0, 4.0]
    for name in ["tanh_from_sigmoid", "relu", "relu_derivative", "gelu", "silu"]:
        func = getattr(reference, name)
        check_values(func, name, [0.5, -2.0, 3.0])
        check_shapes(func, name, sample)
        check_extremes(func, name, [1000.0, -1000.0, np.nan], ulps=64)
    z = np.random.default_rng(0).normal(size=(3, 4))
    for name in ["softmax", "log_softmax"]:
        cases = [((z,), {"axis": 0}), (([1000.0, -1000.0],), {})]
        check_arrays(getattr(reference, name), name, cases, aspect="extremes")
    check_arrays(reference.leaky_relu, "leaky_relu", [(([-1.0],), {"alpha": 0.3})])
    check_lstm_step(reference.lstm_step, batch=2, features=3, units=4, seed=0)
    answers = {task: sorted(ok)[0] for task, (ok, _) in ACTIVATION_TASKS.items()}
    check_activation_choices(lambda: answers, list(ACTIVATION_TASKS))


def test_softmax_without_the_shift_fails_with_the_overflow_and_a_hint():
    from autograder.checks import CheckFailure, check_arrays

    def naive(z, axis=-1):
        e = np.exp(np.asarray(z))
        return e / e.sum(axis=axis, keepdims=True)

    check_arrays(naive, "softmax", [(([1.0, 2.0],), {})])
    with pytest.raises(CheckFailure, match="(?s)emitted a warning.*overflow.*np.max"):
        check_arrays(naive, "softmax", [(([1000.0, 0.0],), {})], aspect="extremes")


def test_softmax_over_the_wrong_axis_is_a_wrong_value_with_the_input():
    from autograder.checks import CheckFailure, check_arrays

    def rows_only(z, axis=-1):
        e = np.exp(z - np.max(z, axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    z = np.arange(6.0).reshape(2, 3)
    with pytest.raises(CheckFailure, match="(?s)wrong value.*input.*expected.*got"):
        check_arrays(rows_only, "softmax", [((z,), {})])


def test_lstm_gates_in_another_order_are_named():
    from autograder.checks import CheckFailure, check_lstm_step

    def swapped(x, h, c, kernel, recurrent_kernel, bias):
        z = x @ kernel + h @ recurrent_kernel + bias
        z_i, z_f, z_o, z_g = np.split(z, 4, axis=1)
        c_new = reference.sigmoid(z_f) * c + reference.sigmoid(z_i) * np.tanh(z_g)
        return reference.sigmoid(z_o) * np.tanh(c_new), c_new

    with pytest.raises(CheckFailure, match="order input, forget, output, candidate"):
        check_lstm_step(swapped, batch=2, features=3, units=4, seed=0)


def test_lstm_step_must_return_a_pair_and_keep_float32():
    from autograder.checks import CheckFailure, check_lstm_step

    with pytest.raises(CheckFailure, match="a tuple of 2 arrays"):
        check_lstm_step(lambda *a: reference.lstm_step(*a)[0], batch=1, features=2,
                        units=3, seed=1)  # fmt: skip

    def float64(*args):
        return tuple(v.astype(np.float64) for v in reference.lstm_step(*args))

    with pytest.raises(CheckFailure, match="wrong dtype"):
        check_lstm_step(float64, batch=1, features=2, units=3, seed=1, dtype=np.float32)


def test_activation_choices_feedback():
    from autograder.checks import (
        CheckFailure,
        check_activation_choices,
    )
    from autograder.checks.activations import ACTIVATION_TASKS

    right = {task: sorted(ok)[0] for task, (ok, _) in ACTIVATION_TASKS.items()}
    check_activation_choices(lambda: {**right, "lstm_gate": " Sigmoid"}, ["lstm_gate"])
    wrong = {**right, "multi_label_tagging": "softmax"}
    with pytest.raises(CheckFailure, match="(?s)got:      'softmax'.*one sigmoid per"):
        check_activation_choices(lambda: wrong, ["multi_label_tagging"])
    with pytest.raises(CheckFailure, match="missing tasks"):
        check_activation_choices(lambda: {"lstm_gate": "sigmoid"}, ["lstm_gate"])
    with pytest.raises(CheckFailure, match="returned list, not a dict"):
        check_activation_choices(lambda: ["sigmoid"], ["lstm_gate"])
    with pytest.raises(CheckFailure, match="is not a string but int"):
        check_activation_choices(lambda: {**right, "lstm_gate": 1}, ["lstm_gate"])


def test_unwritten_functions_are_reported_as_not_implemented():
    from autograder.checks import (
        CheckFailure,
        check_activation_choices,
        check_arrays,
        check_lstm_step,
    )

    def stub(*args, **kwargs):
        raise NotImplementedError()

    for call in [
        lambda: check_arrays(stub, "softmax", [(([1.0],), {})]),
        lambda: check_lstm_step(stub, batch=1, features=1, units=1, seed=0),
        lambda: check_activation_choices(stub, ["lstm_gate"]),
    ]:
        with pytest.raises(CheckFailure, match="not implemented yet"):
            call()


def test_a_function_that_changes_its_input_is_caught():
    from autograder.checks import CheckFailure, check_arrays

    def in_place(z, axis=-1):
        z -= z.max(axis=axis, keepdims=True)
        return reference.softmax(z, axis=axis)

    with pytest.raises(CheckFailure, match="changed its input"):
        check_arrays(in_place, "softmax", [((np.array([1.0, 3.0]),), {})])
