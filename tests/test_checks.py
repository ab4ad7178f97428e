"""The learner-facing checks: they pass right answers and explain wrong ones."""

import ast
from pathlib import Path

import numpy as np
import pytest

from autograder import checks, reference
from autograder.checks import CheckFailure, check_extremes, check_shapes, check_values
from autograder.checks.machinery import HINTS

SAMPLES = {
    "sigmoid": [-3.0, -1.5, 0.0, 0.5, 2.0, 4.0],
    "sigmoid_derivative": [-3.0, -1.5, 0.0, 0.5, 2.0, 4.0],
    "logit": [0.05, 0.2, 0.4, 0.5, 0.75, 0.95],
    "log_sigmoid": [-3.0, -1.5, 0.0, 0.5, 2.0, 4.0],
}
EXTREMES = {
    "sigmoid": [-1000.0, 1000.0, -np.inf, np.inf, np.nan, -745.0],
    "sigmoid_derivative": [40.0, -40.0, 800.0, np.inf, np.nan],
    "logit": [0.0, 1.0, -0.5, 1.5, np.nan, 5e-324],
    "log_sigmoid": [-1000.0, 1000.0, -np.inf, np.inf, np.nan, 40.0],
}


def naive_sigmoid(x):
    x = np.asarray(x)
    x = x if x.dtype == np.float32 else x.astype(np.float64)
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("name", list(SAMPLES))
def test_the_reference_passes_every_check(name):
    func = getattr(reference, name)
    check_values(func, name, SAMPLES[name])
    check_shapes(func, name, SAMPLES[name])
    for dtype in (np.float64, np.float32):
        check_extremes(func, name, EXTREMES[name], dtype=dtype)


def test_a_failure_names_input_expected_got_and_hint():
    with pytest.raises(CheckFailure) as info:
        check_values(lambda x: 0.5, "sigmoid", [0.0, 2.0])
    message = str(info.value)
    assert "sigmoid(2.0) returned the wrong value" in message
    assert "input:    2.0" in message
    assert "expected: 0.8807970779778823" in message
    assert "got:      0.5" in message
    assert message.splitlines()[-1].startswith("Hint: ")


def test_the_naive_formula_passes_values_and_shapes_but_not_extremes():
    check_values(naive_sigmoid, "sigmoid", SAMPLES["sigmoid"])
    check_shapes(naive_sigmoid, "sigmoid", SAMPLES["sigmoid"])
    with pytest.raises(CheckFailure, match="emitted a warning") as info:
        check_extremes(naive_sigmoid, "sigmoid", [-1000.0])
    assert "overflow encountered in exp" in str(info.value)
    assert "np.where" in str(info.value)  # the hint


def test_float16_input_must_give_float64():
    def in_its_own_dtype(x):
        return 1 / (1 + np.exp(-np.asarray(x)))

    with pytest.raises(CheckFailure, match="dtype float16") as info:
        check_shapes(in_its_own_dtype, "sigmoid", SAMPLES["sigmoid"])
    assert "expected: dtype float64" in str(info.value)


def test_ulp_tolerances_are_measured_from_the_exact_value():
    # Rounded once from the exact value, the answer passes at 0 ULP, even
    # where the reference itself is a few ULP off (gelu's left tail).
    from autograder.exact import exact

    def exact_gelu(x):
        return exact("gelu", x)[()]

    check_extremes(exact_gelu, "gelu", [-20.0, -12.5], ulps=0)


def test_warnings_are_caught_even_if_the_learner_silenced_numpy():
    old = np.seterr(all="ignore")
    try:
        with pytest.raises(CheckFailure, match="emitted a warning"):
            check_extremes(naive_sigmoid, "sigmoid", [-1000.0])
    finally:
        np.seterr(**old)


def test_a_wrong_value_deep_in_the_tail_is_reported_with_its_tolerance():
    def flushes_to_zero(x):
        with np.errstate(all="ignore"):
            return np.where(x < -700, 0.0, reference.sigmoid(x))[()]

    with pytest.raises(CheckFailure) as info:
        check_extremes(flushes_to_zero, "sigmoid", [-720.0])
    assert "input:    -720.0" in str(info.value)
    assert "tolerance: 4 ULP in float64" in str(info.value)


def test_not_implemented_gets_a_friendly_message():
    def stub(x):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check_values(stub, "sigmoid", [0.0])


def test_exceptions_and_missing_return_are_reported():
    def crashes(x):
        return x.no_such_attribute

    def forgets_return(x):
        np.exp(x)

    with pytest.raises(CheckFailure, match="raised AttributeError"):
        check_values(crashes, "sigmoid", [0.0])
    with pytest.raises(CheckFailure, match="returned None"):
        check_values(forgets_return, "sigmoid", [0.0])


def test_modifying_the_input_is_caught():
    def in_place(x):
        x = np.asarray(x)
        if x.ndim:
            x *= 0.5
        return reference.sigmoid(x)

    with pytest.raises(CheckFailure, match="changed its input"):
        check_shapes(in_place, "sigmoid", SAMPLES["sigmoid"])


def test_float32_must_stay_float32():
    def always_float64(x):
        return reference.sigmoid(np.asarray(x, dtype=np.float64))

    with pytest.raises(CheckFailure, match="wrong dtype") as info:
        check_shapes(always_float64, "sigmoid", SAMPLES["sigmoid"])
    assert "expected: dtype float32" in str(info.value)


def test_shapes_must_be_kept():
    with pytest.raises(CheckFailure, match="wrong shape"):
        check_shapes(lambda x: reference.sigmoid(np.ravel(x)), "sigmoid", range(6))


def test_logit_near_half_has_its_own_hint():
    def naive_logit(p):
        with np.errstate(all="ignore"):
            return np.log(p / (1 - p))

    with pytest.raises(CheckFailure, match="log1p"):
        check_extremes(naive_logit, "logit", [0.5 + 1e-12], aspect="near_half")


def test_check_failure_is_an_assertion_error():
    # nbgrader and pytest treat it as a failed test, not as a crash.
    assert issubclass(CheckFailure, AssertionError)


def test_unknown_function_name_is_a_clear_error():
    with pytest.raises(ValueError, match="name must be one of"):
        check_values(naive_sigmoid, "sigmiod", [0.0])


def test_too_small_sample_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 6 values"):
        check_shapes(naive_sigmoid, "sigmoid", [0.0])


def test_jupyter_shows_the_message_without_a_traceback():
    failure = CheckFailure("sigmoid(0.0) returned the wrong value.\nHint: ...")
    lines = failure._render_traceback_()
    assert lines == ["CheckFailure: sigmoid(0.0) returned the wrong value.\nHint: ..."]


def test_non_numeric_results_are_wrong_values_not_crashes():
    with pytest.raises(CheckFailure, match="wrong value"):
        check_extremes(lambda x: np.asarray("zero"), "sigmoid", [0.0])


def test_no_two_modules_of_checks_define_the_same_name():
    # The notebooks import every check from the package; a name defined in
    # two of its modules would make which one they get depend on import order.
    names = []
    for module in sorted(Path(checks.__file__).parent.glob("*.py")):
        if module.name == "__init__.py":
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names += [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.ClassDef)
        ]
        names += [
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        ]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_hints_are_wrapped_at_word_boundaries():
    with pytest.raises(CheckFailure) as info:
        check_extremes(naive_sigmoid, "sigmoid", [-1000.0])
    lines = str(info.value).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Hint: "))
    hint = lines[start:]
    assert len(hint) > 1 and all(len(line) <= 79 for line in hint)
    assert all(line.startswith("      ") for line in hint[1:])
    words = " ".join(line.strip() for line in hint).removeprefix("Hint: ")
    assert words == HINTS[("sigmoid", "extremes")]


def test_tanh_float32_hint_names_the_float64_sigmoid_helper():
    def through_the_helper(x):
        x = np.asarray(x, dtype=np.float64)  # what the notebook's sigmoid does
        return np.copysign(-np.expm1(-2 * abs(x)) / (1 + np.exp(-2 * abs(x))), x)

    with pytest.raises(CheckFailure, match="wrong dtype") as info:
        check_shapes(through_the_helper, "tanh_from_sigmoid", SAMPLES["sigmoid"])
    text = " ".join(str(info.value).split())
    assert "sigmoid helper above works in float64" in text
    assert "math module" not in text
