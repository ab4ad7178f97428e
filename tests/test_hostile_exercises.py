"""Hostile submissions of exercises 2 to 5: no attack earns a point.

Each attack (tests/fixtures/make_fixtures_hostile.py says what each does)
is graded in one batch per exercise with its honest twin, the same work
without the attack, and must earn exactly what the twin earns, test by
test. The same batches show that no test of these exercises goes
unchecked, that no hidden test reaches a learner, and that the feedback
pages show the grades of the CSV.
"""

import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from gradebatch import FIXTURES, grade_batch

from autograder import course
from autograder.confinement import sandbox

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(sandbox.missing_isolation()), reason="no isolation on this machine"
    ),
]

# Attack: (its honest twin, the score both earn).
ATTACKS = {
    "02-vanishing-gradients": {
        "hostile-opaque": ("blank", 0),
        "hostile-reference": ("blank", 0),
        "hostile-numpyall": ("zeros", 19),  # numerical values (2)
        "hostile-frames": ("zeros", 19),
    },
    "03-activations": {
        "hostile-opaque": ("blank", 0),
        "hostile-reference": ("blank", 0),
        "hostile-oversized": ("tanh2", 25),  # the tanh tests (5), no other
    },
    "04-keras-binary-classification": {
        "hostile-opaque": ("blank", 0),
        "hostile-reference": ("partial", 7),  # the losses and fix_labels (11)
        "hostile-predictframes": ("subclass", 13),  # structure and training (5)
        "hostile-labelframes": ("zerolabels", 16),  # predict_labels (2)
    },
    "05-thresholds-and-metrics": {
        "hostile-opaque": ("blank", 0),
        "hostile-reference": ("blank", 0),
        "hostile-overwrite": ("ece_zero", 17),  # ECE values and bins (3)
        "hostile-zeroed": ("counts_zero", 14),  # the counts and precision cells
        "hostile-setprofile": ("sklearn", 13),  # AUC and AP (7)
    },
}
# Seconds a cell may run: the Keras exercise trains models.
TIMEOUTS = {"04-keras-binary-classification": 120, "05-thresholds-and-metrics": 60}
# Attacks that cost more than their twin: the attack is itself a mistake.
# None now: zeroing the labels in place costs what the twin's wrong counts
# cost (both lose every confusion_counts and precision_recall_fbeta cell).
COSTS_MORE = {}
INVALID_ID = "ada+1"  # '+' separates the parts of nbgrader's exchange names

CASES = [
    (assignment, attack) for assignment in ATTACKS for attack in ATTACKS[assignment]
]
_batches = {}


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    def batch(assignment):
        if assignment not in _batches:
            attacks = ATTACKS[assignment]
            learners = sorted({*attacks, *(twin for twin, _ in attacks.values())})

            def prepare(submitted):
                shutil.copytree(FIXTURES / assignment / "ada", submitted / INVALID_ID)

            _batches[assignment] = grade_batch(
                tmp_path_factory.mktemp(assignment), assignment, learners,
                timeout=TIMEOUTS.get(assignment, 20), prepare=prepare,
                command_timeout=3600,
            )  # fmt: skip
        return _batches[assignment]

    return batch


def scores(row):
    return {key: float(value) for key, value in row.items() if key.startswith("test_")}


@pytest.mark.parametrize(("assignment", "attack"), CASES)
def test_an_attack_earns_exactly_what_the_same_work_earns_honestly(
    batches, assignment, attack
):
    rows = batches(assignment)["rows"]
    twin, score = ATTACKS[assignment][attack]
    assert (rows[twin]["status"], float(rows[twin]["score"])) == ("graded", score)
    earned = COSTS_MORE.get(attack, score)
    assert (rows[attack]["status"], float(rows[attack]["score"])) == (
        "graded",
        earned,
    ), rows[attack]["message"]
    if earned == score:
        assert scores(rows[attack]) == scores(rows[twin])
    else:
        assert all(
            mine <= theirs
            for mine, theirs in zip(
                scores(rows[attack]).values(), scores(rows[twin]).values(), strict=True
            )
        )


@pytest.mark.parametrize("assignment", list(ATTACKS))
def test_every_test_is_rechecked_and_what_did_not_count_is_named(batches, assignment):
    rows = batches(assignment)["rows"]
    assert not [
        name for name, row in rows.items() if "not re-checked" in row["message"]
    ]
    assert "does not count as an answer" in rows["hostile-opaque"]["message"]
    assert "reference implementation" in rows["hostile-reference"]["message"]


@pytest.mark.parametrize("assignment", list(ATTACKS))
def test_no_hidden_test_reaches_a_learner(batches, assignment):
    hidden = hidden_lines(assignment)
    assert hidden
    out = batches(assignment)["out"]
    returned = [*out.rglob("*.html"), *(out / "autograded").rglob("*.ipynb")]
    assert len(returned) >= 2 * len(ATTACKS[assignment])
    for path in returned:
        text = shown(path)
        assert "HIDDENTESTS" not in text, path
        assert not [line for line in hidden if line in text], path


def shown(path):
    """What a page or notebook shows, without tags and white space.

    Code in a page is split into highlighted tokens; without white space,
    a line of code reads the same in a page, a notebook and a test cell.
    """
    if path.suffix == ".html":
        text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
    else:
        notebook = nbformat.read(path, as_version=4)
        text = "".join(
            cell.source + json.dumps(cell.get("outputs", []), ensure_ascii=False)
            for cell in notebook.cells
        )
        text = text.replace('\\"', '"')
    return re.sub(r"\s+", "", text)


def hidden_lines(assignment):
    """The lines of the assignment's hidden tests that nothing released has."""
    lines = set()
    for path in (course.SOLUTIONS / assignment).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for block in re.findall(
                r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS",
                cell.source,
                flags=re.S,
            ):
                lines |= {line.strip() for line in block.splitlines()}
    released = "\n".join(
        cell.source
        for path in (course.EXERCISES / assignment).glob("*.ipynb")
        for cell in nbformat.read(path, as_version=4).cells
    )
    return {
        re.sub(r"\s+", "", line)
        for line in lines
        if len(line) >= 24 and line not in released
    }


@pytest.mark.parametrize("assignment", list(ATTACKS))
def test_feedback_pages_show_the_scores_of_the_csv(batches, assignment):
    batch = batches(assignment)
    for learner, row in batch["rows"].items():
        if row["status"] != "graded":
            continue
        shown, total = {}, 0.0
        for page in Path(row["feedback"]).glob("*.html"):
            text = html.unescape(re.sub(r"<[^>]+>", " ", page.read_text()))
            total += float(re.search(r"Score:\s+([0-9.]+)\s+/", text).group(1))
            for name, score in re.findall(
                r"Grade cell:\s+(\S+)\s+Score:\s+([0-9.]+)\s+/", text
            ):
                shown[name] = float(score)
        assert shown == scores(row), learner
        assert total == float(row["score"]), learner


@pytest.mark.parametrize("assignment", list(ATTACKS))
def test_an_id_nbgrader_would_misread_is_not_graded_and_says_why(batches, assignment):
    row = batches(assignment)["rows"][INVALID_ID]
    assert row["status"] == "invalid learner id"
    assert "'+'" in row["message"] and "Rename the folder" in row["message"]
