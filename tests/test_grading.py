"""End to end: nbgrader's real autograde on real submissions, exact scores."""

import hashlib
from pathlib import Path

import pytest
from gradebatch import grade_batch, run_cli
from mutationlib import correct_answers

from autograder import course
from autograder.confinement import sandbox

FIXTURES = Path(__file__).parent / "fixtures" / "01-sigmoid"
ISOLATED = not sandbox.missing_isolation()

# (status, score) per learner, out of 21 points.
EXPECTED = {
    "ada": ("graded", 21),  # the solution
    "blank": ("graded", 0),  # the released notebook, untouched
    "naive": ("graded", 19),  # 1 / (1 + exp(-x)): loses the 2 stability points
    "edited": ("graded", 19),  # naive, and replaced a test by `pass`: restored
    "loop": ("graded", 16),  # infinite loop before sigmoid: its 5 points lost
    "hardcoded": ("graded", 16),  # visible answers from a table: hidden tests fail
    "deleted": ("graded", 19),  # naive, and deleted the stability test: restored
    "broken": ("invalid notebook", 0),  # cut-off JSON
    "crash": ("kernel died", 0),  # os.abort() in a cell
    "ghost": ("missing", 0),  # a learner folder without the assignment
}
# Five genuinely different correct answers (tests/mutants/): full marks.
EXPECTED.update(
    {f"correct-{name}": ("graded", 21) for name in correct_answers("01-sigmoid")}
)
if ISOLATED:
    EXPECTED["hostile"] = ("graded", 21)  # right answers, plus an attack


def fingerprint(paths):
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def protected_files():
    root = course.ROOT
    return [
        *root.glob("*.py"),
        *root.glob("*.toml"),
        *(root / "solutions").rglob("*"),
        *(root / "autograder").rglob("*.py"),
    ]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    # Handed in under the notebook's name, stored under another (see
    # fixtures/make_fixtures.py): rename it once copied, before grading.
    before = fingerprint([p for p in protected_files() if p.is_file()])
    fixtures_before = fingerprint([p for p in FIXTURES.rglob("*") if p.is_file()])
    batch = grade_batch(base, "01-sigmoid", EXPECTED, prepare=_untruncate)
    after = fingerprint([p for p in protected_files() if p.is_file()])
    fixtures_after = fingerprint([p for p in FIXTURES.rglob("*") if p.is_file()])
    batch["untouched"] = before == after and fixtures_before == fixtures_after
    return batch


def _untruncate(submitted):
    broken = submitted / "broken" / "01-sigmoid" / "sigmoid.ipynb"
    broken.with_suffix(".ipynb.truncated").rename(broken)


pytestmark = pytest.mark.slow


def test_the_command_reports_the_learners_it_could_not_grade(graded):
    process = graded["process"]
    # Some learners could not be graded: the exit status says so.
    assert process.returncode == 1, process.stderr
    graded_count = sum(status == "graded" for status, _ in EXPECTED.values())
    assert f"{graded_count} of {len(EXPECTED)} learners graded" in process.stdout
    assert "broken: invalid notebook: sigmoid.ipynb is not valid JSON" in process.stdout


@pytest.mark.parametrize("learner", list(EXPECTED))
def test_scores_are_exact(graded, learner):
    row = graded["rows"][learner]
    status, score = EXPECTED[learner]
    assert (row["status"], float(row["score"])) == (status, score), row["message"]
    assert float(row["max_score"]) == 21
    assert row["assignment"] == "01-sigmoid"


def test_partial_credit_is_per_test(graded):
    for learner in ("naive", "edited", "deleted"):
        row = graded["rows"][learner]
        assert float(row["test_sigmoid_extremes"]) == 0
        assert float(row["test_sigmoid_values"]) == 2
        assert float(row["test_sigmoid_shapes"]) == 1
    loop = graded["rows"]["loop"]
    assert float(loop["test_sigmoid_values"]) == 0
    assert float(loop["test_logit_values"]) == 2


def test_the_gradebook_holds_what_the_csv_says(graded):
    from nbgrader.api import Gradebook

    url = f"sqlite:///{graded['out'] / 'gradebook.db'}"
    with Gradebook(url, "sigmoid-course") as gradebook:
        submissions = gradebook.find_assignment("01-sigmoid").submissions
        stored = {s.student.id: s.score for s in submissions}
    # Learners nbgrader could not grade have no submission in it.
    assert stored == {
        learner: score
        for learner, (status, score) in EXPECTED.items()
        if status == "graded"
    }


def test_csv_has_the_documented_columns(graded):
    row = graded["rows"]["ada"]
    for column in [
        "student_id", "assignment", "score", "max_score", "status", "message",
        "feedback",
    ]:  # fmt: skip
        assert column in row


def test_every_learner_gets_html_feedback(graded):
    for learner, row in graded["rows"].items():
        if learner == "ghost":
            continue
        pages = list(Path(row["feedback"]).glob("*.html"))
        assert pages, f"no feedback for {learner}"


def test_feedback_shows_the_failing_input_and_a_hint_not_our_code(graded):
    folder = Path(graded["rows"]["naive"]["feedback"])
    page = (folder / "sigmoid.html").read_text(encoding="utf-8")
    assert "emitted a warning" in page
    assert "overflow encountered in exp" in page
    assert "Hint:" in page
    assert "autograder/checks" not in page  # the message alone, no frames of ours


def test_a_broken_notebook_gets_feedback_that_says_why(graded):
    folder = Path(graded["rows"]["broken"]["feedback"])
    page = (folder / "grading-error.html").read_text(encoding="utf-8")
    assert "not valid JSON" in page and "line" in page


@pytest.mark.skipif(not ISOLATED, reason="no mount namespace on this machine")
def test_a_hostile_submission_changes_no_file_of_ours(graded):
    assert graded["untouched"]
    assert not list(course.ROOT.rglob("HACKED"))
    assert not list(graded["out"].rglob("HACKED"))


def test_unknown_assignment_is_a_clear_error(tmp_path):
    process = run_cli(
        "grade", "99-nothing", "--submissions", str(FIXTURES),
        "--csv", str(tmp_path / "g.csv"),
    )  # fmt: skip
    assert process.returncode == 2
    assert "No assignment named '99-nothing'" in process.stderr
    assert "01-sigmoid" in process.stderr
    assert not (tmp_path / "g.csv").exists()


def test_missing_submissions_folder_is_a_clear_error(tmp_path):
    process = run_cli(
        "grade", "01-sigmoid", "--submissions", str(tmp_path / "nope"),
        "--csv", str(tmp_path / "g.csv"),
    )  # fmt: skip
    assert process.returncode == 2
    assert "is not a folder" in process.stderr


def test_csv_in_a_missing_folder_is_a_clear_error(tmp_path):
    process = run_cli(
        "grade", "01-sigmoid", "--submissions", str(FIXTURES),
        "--csv", str(tmp_path / "no" / "g.csv"),
    )  # fmt: skip
    assert process.returncode == 2
    assert "does not exist" in process.stderr
