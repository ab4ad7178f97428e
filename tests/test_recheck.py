"""The re-check's boundary: plain data only, and its verdict."""

import json
import shutil
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from autograder import course
from autograder.confinement.recheck import (
    NotPlainData,
    NotRecheckable,
    Outcome,
    _hint_only,
    _parts,
    changed_in_place,
    decode,
    encode,
    learner_names,
    verdict,
    without_hidden_tests,
)


@pytest.mark.parametrize(
    "value",
    [
        None, True, 3, 2.5, "text", np.float32(1.5), np.int64(7),
        np.arange(6.0).reshape(2, 3), np.array(2.0, dtype=np.float32),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(3, dtype=">i2"),
        np.array(["ab", "c"]), np.zeros((0, 2)), np.bool_(True),
        [1, (2.0, "x")], {"a": [np.float64(1.0)]},
    ],
)  # fmt: skip
def test_plain_data_crosses_unchanged_in_type_shape_and_dtype(value):
    back = decode(encode(value))
    assert type(back) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert back.dtype == value.dtype and np.shape(back) == np.shape(value)
        assert np.array_equal(back, value)
    else:
        assert back == value


@pytest.mark.parametrize(
    "value", [lambda x: x, object(), np.array([object()]), {1: 2}, {1.5}]
)
def test_anything_else_cannot_cross(value):
    with pytest.raises(NotPlainData):
        encode(value)


class Pretender:
    """Claims to be a float to isinstance(), and equal to everything."""

    __class__ = property(lambda self: float)

    def __eq__(self, other):
        return True


class LyingFloat(float):
    def __eq__(self, other):
        return True


def test_no_object_passes_for_plain_data_by_claiming_a_plain_class():
    assert isinstance(Pretender(), float)
    with pytest.raises(NotPlainData, match="a Pretender"):
        encode(Pretender())
    with pytest.raises(NotPlainData, match="a Pretender inside a tuple"):
        encode([1.0, (2.0, Pretender())])
    with pytest.raises(NotPlainData, match="a dict with a key of type int"):
        encode({"a": {1: 2}})
    back = decode(encode(LyingFloat(0.25)))
    assert type(back) is float and back == 0.25 and back != 0.5


@pytest.mark.parametrize(
    "data",
    [
        {"object": 1}, {"dict": [1]}, {"list": {"a": 1}}, {"a": 1, "b": 2}, [1],
        {"array": ["|V8", [1], "AAAAAAAAAAA="]},
    ],
)  # fmt: skip
def test_only_known_kinds_are_decoded(data):
    with pytest.raises((ValueError, TypeError)):
        decode(data)


def test_read_only_arrays_stay_read_only_on_the_other_side():
    array = np.arange(3.0)
    array.flags.writeable = False
    assert not decode(encode(array)).flags.writeable
    assert decode(encode(np.arange(3.0))).flags.writeable


def test_what_the_learner_changed_in_place_is_changed_here_too():
    x, nested, labels = np.zeros(3), [np.zeros(2), [1, 2]], {"y": [0, 1], "k": 2}
    changed_in_place(
        (x, nested, labels),
        (np.ones(3), [np.ones(2), [5, 6, 7]], {"y": [1, 1], "k": 3}),
    )
    assert x.tolist() == [1, 1, 1]
    assert nested[0].tolist() == [1, 1] and nested[1] == [5, 6, 7]
    assert labels == {"y": [1, 1], "k": 3}
    resized = np.zeros(4)
    changed_in_place([resized], [np.zeros(2)])
    assert np.isnan(resized).all()


def test_arrays_come_back_writable():
    back = decode(encode(np.arange(3.0)))
    back[0] = 5.0
    assert back.tolist() == [5.0, 1.0, 2.0]


@pytest.mark.parametrize(
    "message",
    [
        {"array": ["|O", [1], "AAAAAAAAAAA="]},  # a pointer, as an object
        {"array": ["<f8,<i4", [1], "AAAAAAAAAAAAAAAA"]},  # record fields
        {"array": ["<f8", [3], "AAAAAAAAAAA="]},  # 8 bytes for 3 numbers
    ],
)
def test_arrays_from_the_learners_side_are_plain_or_refused(message):
    with pytest.raises((ValueError, TypeError)):
        decode(message)


def test_what_cannot_cross_gets_past_the_checks_except_clauses():
    # The checks turn any Exception from the learner's function into a
    # failure; these must reach the re-check instead.
    assert not issubclass(NotRecheckable, Exception)
    assert not issubclass(NotPlainData, Exception)


def test_the_learner_names_are_what_the_solution_cells_define():
    nb = nbformat.read(course.SOLUTIONS / "01-sigmoid" / "sigmoid.ipynb", 4)
    names = learner_names(nb.cells)
    assert names == ["sigmoid", "sigmoid_derivative", "logit", "log_sigmoid"]


def test_the_recheck_decides_and_every_disagreement_is_named():
    outcomes = {
        "a": Outcome(0.0, "CheckFailure: wrong"),
        "b": Outcome(1.0),
        "c": Outcome(None, note="c not re-checked: the test passes f a function"),
        "d": Outcome(0.0, "A hidden test of this cell failed", hidden=True),
        "e": Outcome(0.0, "f returned a Liar", note="e: f returned a Liar"),
    }
    final, notes = verdict({"a": 2.0, "b": 1.0, "c": 3.0, "d": 1.0, "e": 1.0}, outcomes)
    assert final == {"a": 0.0, "b": 1.0, "c": 3.0, "d": 0.0, "e": 0.0}
    assert notes == [
        "a: nbgrader 2, re-check 0",
        "c not re-checked: the test passes f a function",
        "e: f returned a Liar",
    ]


SOURCE = """check(f, [1.0])
### BEGIN HIDDEN TESTS
check(f, [0.125])
### END HIDDEN TESTS
check(f, [2.0])
"""


def test_a_test_cell_runs_as_visible_and_hidden_parts_in_order():
    assert _parts(SOURCE) == [
        (False, "check(f, [1.0])\n"),
        (True, "check(f, [0.125])\n"),
        (False, "\ncheck(f, [2.0])\n"),
    ]
    assert without_hidden_tests(SOURCE) == "check(f, [1.0])\n\ncheck(f, [2.0])\n"
    split = "check(f,\n### BEGIN HIDDEN TESTS\n[1])\n### END HIDDEN TESTS\n"
    assert _parts(split) == [(True, "check(f,\n\n[1])\n")]


def test_a_hidden_failure_shows_its_hint_and_no_input():
    message = (
        "CheckFailure: f(0.125) returned the wrong value.\n  input: 0.125\n"
        "Hint: use exp"
    )
    shown = _hint_only(message)
    assert "0.125" not in shown
    assert shown.endswith("\nHint: use exp")


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux")
def test_grading_without_isolation_is_refused_with_what_is_missing(tmp_path):
    (tmp_path / "subs" / "ada").mkdir(parents=True)
    command = [sys.executable, "-m", "autograder", "grade", "01-sigmoid",
               "--submissions", str(tmp_path / "subs"),
               "--csv", str(tmp_path / "g.csv")]  # fmt: skip
    # A machine that refuses network namespaces: a user namespace whose
    # limit for them is 0.
    script = 'echo 0 > /proc/sys/user/max_net_namespaces && exec "$@"'
    process = subprocess.run(
        ["unshare", "--user", "--map-root-user", "sh", "-c", script, "sh", *command],
        capture_output=True, text=True,
    )  # fmt: skip
    if process.stderr.startswith("unshare:"):
        pytest.skip(f"no user namespace for the test: {process.stderr.strip()}")
    assert process.returncode == 2
    assert "refusing to grade" in process.stderr
    assert "unshare (mount, network): No space left on device" in process.stderr
    assert "--unsafe-no-sandbox" in process.stderr
    assert not (tmp_path / "g.csv").exists()


@pytest.mark.slow
def test_keras_models_cross_as_data_and_only_keras_own_classes_load():
    import keras

    from autograder.confinement.recheck import (
        _argument,
        _load_model,
        _model_file,
        _rebuilt_model,
    )

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    X = np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)
    # A trusted model to the learner's side: configuration and weights.
    sent = json.loads(json.dumps(encode(model, _argument)))
    rebuilt = decode(sent, {"keras_model": _rebuilt_model})
    assert np.array_equal(rebuilt.predict(X, verbose=0), model.predict(X, verbose=0))
    # A learner's model back: a .keras file, loaded with safe_mode, compiled.
    back = json.loads(json.dumps(encode(model, _model_file)))
    loaded = decode(back, {"keras": _load_model})
    assert loaded.compiled and loaded.loss == "binary_crossentropy"
    assert np.array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))

    class Own(keras.Sequential):
        pass

    own = Own([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    with pytest.raises(NotPlainData, match="cannot be rebuilt"):
        _load_model(_model_file(own)["keras"])
    with pytest.raises(NotPlainData, match="a LearnerFunction|a function"):
        _model_file(lambda x: x)


@pytest.mark.slow
def test_the_kernel_gets_no_hidden_test_and_the_recheck_all_of_them(tmp_path):
    from nbgrader.api import Gradebook

    from autograder.grading import template

    release = template.build("02-vanishing-gradients", timeout=30)
    root = release.unpack(tmp_path / "course")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "sigmoid-course") as book:
        notebook = book.find_notebook("gradients", "02-vanishing-gradients")
        kernel = {cell.name: cell.source for cell in notebook.source_cells}
    source = root / "source" / "02-vanishing-gradients" / "gradients.ipynb"
    cells = nbformat.read(source, as_version=4).cells
    full = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    tests = [name for name in full if name.startswith("test_")]
    assert tests and all("### BEGIN HIDDEN TESTS" in full[name] for name in tests)
    for name in tests:
        # What nbgrader puts back into the learner's notebook and runs there.
        assert kernel[name] == without_hidden_tests(full[name])
        assert "HIDDEN" not in kernel[name]
