"""The re-check's boundary: plain data only, and its verdict."""

import shutil
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from autograder import course
from autograder.confinement.recheck import (
    NotRecheckable,
    decode,
    encode,
    learner_names,
    verdict,
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
    with pytest.raises(NotRecheckable):
        encode(value)


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


def test_not_recheckable_gets_past_the_checks_except_clauses():
    # The checks turn any Exception from the learner's function into a
    # failure; this one must reach the re-check instead.
    assert not issubclass(NotRecheckable, Exception)


def test_the_learner_names_are_what_the_solution_cells_define():
    nb = nbformat.read(course.SOLUTIONS / "01-sigmoid" / "sigmoid.ipynb", 4)
    names = learner_names(nb.cells)
    assert names == ["sigmoid", "sigmoid_derivative", "logit", "log_sigmoid"]


def test_the_recheck_decides_and_every_disagreement_is_named():
    final, notes = verdict(
        {"a": 2.0, "b": 1.0, "c": 3.0}, {"a": 0.0, "b": 1.0, "c": None}
    )
    assert final == {"a": 0.0, "b": 1.0, "c": 3.0}
    assert notes == [
        "a: nbgrader 2, re-check 0",
        "c not re-checked (values that cannot cross)",
    ]


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
