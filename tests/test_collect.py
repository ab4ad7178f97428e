"""Reading a learner's submission: notebooks, other files, what is found."""

import os

from autograder.grading import collect


def test_a_submission_holds_the_learners_files_as_nbgrader_copies_them(tmp_path):
    folder = tmp_path / "ada" / "ps1"
    (folder / "data").mkdir(parents=True)
    (folder / "problem1.ipynb").write_text("{}")
    (folder / "Untitled.ipynb").write_text("{}")
    (folder / "timestamp.txt").write_text("2026-01-30 20:30:10 UTC")
    (folder / "data" / "mine.csv").write_text("1,2\n")
    (folder / "jupyter.png").write_bytes(b"the learner's copy")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "problem1-checkpoint.ipynb").write_text("{}")
    os.symlink("/etc/passwd", folder / "secret.txt")
    submission = collect.read(
        tmp_path, "ada", "ps1", ["problem1.ipynb", "problem2.ipynb"],
        released={"jupyter.png"},
    )  # fmt: skip
    assert submission.found
    assert set(submission.notebooks) == {"problem1.ipynb"}
    assert submission.files == {
        "timestamp.txt": b"2026-01-30 20:30:10 UTC",
        "data/mine.csv": b"1,2\n",
    }
    assert submission.others == ("Untitled.ipynb",)


def test_the_digest_changes_with_any_file(tmp_path):
    folder = tmp_path / "ada" / "ps1"
    folder.mkdir(parents=True)
    (folder / "problem1.ipynb").write_text("{}")
    before = collect.read(tmp_path, "ada", "ps1", ["problem1.ipynb"]).digest
    (folder / "notes.txt").write_text("x")
    assert collect.read(tmp_path, "ada", "ps1", ["problem1.ipynb"]).digest != before


def test_other_files_are_bounded(tmp_path):
    folder = tmp_path / "ada" / "ps1"
    folder.mkdir(parents=True)
    (folder / "a.bin").write_bytes(b"x" * collect.OTHER_FILES_BYTES)
    (folder / "b.bin").write_bytes(b"y")
    submission = collect.read(tmp_path, "ada", "ps1", [])
    assert set(submission.files) == {"a.bin"}


def test_a_missing_assignment_folder_says_what_was_found(tmp_path):
    (tmp_path / "ada" / "ps1 (1)").mkdir(parents=True)
    submission = collect.read(tmp_path, "ada", "ps1", ["problem1.ipynb"])
    assert not submission.found and submission.others == ("ps1 (1)",)
