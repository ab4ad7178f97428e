"""The reference implementations against their contract and against mpmath."""

import importlib
import pkgutil
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import reference
from autograder.exact import exact
from autograder.ulp import ulp_distance

NAMES = ["sigmoid", "sigmoid_derivative", "logit", "log_sigmoid"]
DTYPES = [np.float64, np.float32]
MAX_ULPS = 4


def finite(dtype):
    return st.floats(allow_nan=False, allow_infinity=False, width=np.finfo(dtype).bits)


def probabilities(dtype):
    return st.floats(0, 1, width=np.finfo(dtype).bits)


def sample(name, dtype, size=4000, seed=0):
    """Inputs that cover the whole range, the tails and the subnormal results."""
    rng = np.random.default_rng(seed)
    if name == "logit":
        tiny = np.finfo(dtype).smallest_subnormal
        parts = [
            rng.uniform(0, 1, size),
            0.5 + rng.normal(0, 1e-6, size),
            10.0 ** rng.uniform(np.log10(tiny), 0, size),
            1 - 10.0 ** rng.uniform(-16, 0, size),
        ]
    else:
        edge = 760.0 if dtype == np.float64 else 110.0
        top = np.log10(np.finfo(dtype).max) - 1
        parts = [
            rng.uniform(-edge, edge, size),
            rng.normal(0, 5, size),
            rng.uniform(-edge, -edge + 60, size),  # subnormal results
            np.sign(rng.normal(size=size)) * 10.0 ** rng.uniform(-top, top, size),
        ]
    return np.concatenate(parts).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_accuracy_on_a_wide_sample(name, dtype):
    x = sample(name, dtype)
    got = getattr(reference, name)(x)
    errors = ulp_distance(got, exact(name, x, dtype))
    worst = int(np.argmax(errors))
    assert errors[worst] <= MAX_ULPS, (
        f"{name}({x[worst]!r}) is {errors[worst]} ULP from the exact value"
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_derivative", "log_sigmoid"])
def test_accuracy_hypothesis(name, dtype):
    @given(finite(dtype))
    def check(value):
        x = dtype(value)
        error = ulp_distance(getattr(reference, name)(x), exact(name, x, dtype))
        assert error <= MAX_ULPS, f"{name}({x!r}) is {error} ULP off"

    check()


@pytest.mark.parametrize("dtype", DTYPES)
def test_logit_accuracy_hypothesis(dtype):
    @given(probabilities(dtype))
    def check(value):
        p = dtype(value)
        error = ulp_distance(reference.logit(p), exact("logit", p, dtype))
        assert error <= MAX_ULPS, f"logit({p!r}) is {error} ULP off"

    check()


def test_logit_near_one_half():
    p = 0.5 + np.ldexp(1.0, -np.arange(2, 53))
    p = np.concatenate([p, 1 - p])
    assert ulp_distance(reference.logit(p), exact("logit", p)).max() <= MAX_ULPS


def test_scipy_expit_misses_the_bound_where_the_reference_meets_it():
    scipy_special = pytest.importorskip("scipy.special")
    x = np.linspace(-745.0, -709.0, 200)
    truth = exact("sigmoid", x)
    assert ulp_distance(scipy_special.expit(x), truth).max() > 1e6
    assert ulp_distance(reference.sigmoid(x), truth).max() <= MAX_ULPS


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("sigmoid", 0.0, 0.5),
        ("sigmoid", np.inf, 1.0),
        ("sigmoid", -np.inf, 0.0),
        ("sigmoid", 1000.0, 1.0),
        ("sigmoid", -1000.0, 0.0),
        ("sigmoid_derivative", 0.0, 0.25),
        ("sigmoid_derivative", np.inf, 0.0),
        ("sigmoid_derivative", -np.inf, 0.0),
        ("logit", 0.0, -np.inf),
        ("logit", 1.0, np.inf),
        ("logit", 0.5, 0.0),
        ("logit", -0.1, np.nan),
        ("logit", 1.1, np.nan),
        ("logit", -np.inf, np.nan),
        ("log_sigmoid", -1000.0, -1000.0),
        ("log_sigmoid", -np.inf, -np.inf),
        ("log_sigmoid", np.inf, 0.0),
    ],
)
def test_special_values(name, x, expected):
    for dtype in DTYPES:
        got = getattr(reference, name)(dtype(x))
        np.testing.assert_equal(got, dtype(expected))


@pytest.mark.parametrize("name", NAMES)
def test_nan_gives_nan(name):
    for dtype in DTYPES:
        assert np.isnan(getattr(reference, name)(dtype(np.nan)))


@pytest.mark.parametrize("name", NAMES)
def test_no_warning_for_any_input(name):
    for dtype in DTYPES:
        info = np.finfo(dtype)
        big, tiny = info.max, info.smallest_subnormal
        x = [-np.inf, -big, -1000, -1, -0.0, 0, tiny, 0.5, 1, 1000, big, np.inf]
        x = np.array([*x, np.nan, -tiny], dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="raise"):  # stricter than NumPy's default
                getattr(reference, name)(x)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (0.25, np.float64),
        (1, np.float64),
        (True, np.float64),
        (np.float16(0.25), np.float64),
        (np.float32(0.25), np.float32),
        (np.int8(1), np.float64),
        (np.longdouble(0.25), np.float64),
    ],
)
def test_scalars_give_scalars_of_the_right_dtype(name, value, dtype):
    got = getattr(reference, name)(value)
    assert np.ndim(got) == 0 and not isinstance(got, np.ndarray)
    assert got.dtype == dtype


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(0,), (5,), (2, 3), (2, 1, 4), ()])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_arrays_keep_their_shape_and_are_not_modified(name, shape, dtype):
    x = np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape).astype(dtype)
    before = x.copy()
    got = getattr(reference, name)(x)
    assert np.shape(got) == shape
    assert got.dtype == (np.float32 if dtype == np.float32 else np.float64)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("name", NAMES)
def test_lists_are_accepted(name):
    got = getattr(reference, name)([0.25, 0.5])
    assert isinstance(got, np.ndarray) and got.shape == (2,)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (1 + 2j, "complex"),
        ("0.5", "real number"),
        (None, "real number"),
        ([[1.0], [1.0, 2.0]], "could not convert"),
    ],
)
def test_bad_input_is_named_in_the_error(name, bad, words):
    with pytest.raises(TypeError, match=words) as info:
        getattr(reference, name)(bad)
    argument = "p" if name == "logit" else "x"
    assert str(info.value).startswith(argument + " ")


def test_identities():
    x = np.linspace(-30, 30, 601)
    s = reference.sigmoid(x)
    np.testing.assert_allclose(reference.sigmoid(-x), 1 - s, rtol=0, atol=1e-15)
    np.testing.assert_allclose(reference.sigmoid_derivative(x), s * (1 - s), atol=1e-15)
    np.testing.assert_allclose(reference.logit(s[200:401]), x[200:401], atol=1e-12)
    np.testing.assert_allclose(np.exp(reference.log_sigmoid(x)), s, rtol=1e-14)


def test_no_two_chapters_export_the_same_name():
    # The package re-exports every chapter module's names; a clash would
    # silently make one chapter's function stand for another's.
    names = [
        name
        for module in pkgutil.iter_modules(reference.__path__)
        for name in importlib.import_module(
            f"autograder.reference.{module.name}"
        ).__all__
    ]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert sorted(names) == sorted(reference.__all__)
