"""What the re-check's worker withholds from learner code, and how."""

import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course
from autograder.confinement import withheld
from autograder.grading.collect import id_problem, invalid_ids

# Run as the worker runs it: in a process that imported the checks (as the
# zygote does) and then withheld the reference and sklearn.metrics.
PROBE = """
import gc, sys
import autograder.checks
from autograder import reference
from autograder.checks.machinery import _reference
from autograder.confinement import withheld

kept = reference.sigmoid
withheld.withhold(["sklearn.metrics"])

def outcome(call):
    try:
        call()
    except BaseException as exc:
        return type(exc).__name__
    return "ran"

found = [f for f in gc.get_objects()
         if getattr(f, "__name__", None) == "sigmoid" and callable(f)
         and "reference" in getattr(f, "__module__", "")]
from sklearn.metrics import roc_auc_score
import autograder.exact
print(outcome(lambda: reference.sigmoid(0.0)))
print(outcome(lambda: kept(0.0)))
print(outcome(lambda: _reference("sigmoid")(0.0)))
print(sorted({outcome(lambda f=f: f(0.0)) for f in found}))
print(outcome(lambda: roc_auc_score([0, 1], [0.2, 0.7])))
print(outcome(lambda: autograder.exact.exact("sigmoid", 0.0)))
"""


def test_the_reference_and_forbidden_modules_refuse_however_reached():
    process = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120
    )
    assert process.stdout.split("\n")[:6] == [
        "ReferenceCalled",
        "ReferenceCalled",
        "ReferenceCalled",
        "['ReferenceCalled']",
        "ModuleWithheld",
        "ReferenceCalled",
    ], process.stderr


def test_the_withheld_folders_are_found_without_importing():
    folders = withheld.folders(["sklearn.metrics", "no_such_module.metrics"])
    assert folders[0] == str(course.ROOT / "autograder" / "reference")
    assert Path(folders[1]).name == "metrics"
    assert Path(folders[1], "_ranking.py").is_file()
    assert len(folders) == 2


@pytest.mark.parametrize(
    ("student", "words"),
    [
        ("ada*", "'*'"), ("[ab]", "'['"), ("ada+1", "'+'"), (" ada", "space"),
        ("ada\t", "space"), ("a\x1bb", "printed"), (".hidden", "'.'"),
        ("a" * 101, "100 characters"),
    ],
)  # fmt: skip
def test_ids_nbgrader_would_misread_are_refused_with_what_is_wrong(student, words):
    assert words in id_problem(student)
    assert "Rename the folder" in invalid_ids([student, "ada"])[student]


@pytest.mark.parametrize("student", ["ada", "ada.lovelace", "a-b_c", "x@y.org", "Zoë"])
def test_ordinary_ids_are_taken(student):
    assert id_problem(student) is None
