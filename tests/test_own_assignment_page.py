"""The instructor's page "Adding your own assignment", followed step by step.

Every ``bash`` and ``python`` block of guide/own-assignment.md runs, in the
page's order, as one shell script from the repository's root: only the
two folders its first block chooses (the course folder and nbgrader's
exchange) are put in a temporary folder. What the page says comes out is
then asserted.
"""

import csv
import re
import subprocess
from pathlib import Path

import pytest

from autograder import course

pytestmark = pytest.mark.slow

PAGE = course.ROOT / "guide" / "own-assignment.md"


def script(page, course_folder, exchange):
    """The page's blocks as one bash script, with its two folders replaced."""
    blocks = re.findall(r"^```(bash|python)\n(.*?)^```$", page, flags=re.M | re.S)
    assert [kind for kind, _ in blocks].count("python") == 1, blocks
    lines = ["set -euo pipefail"]
    for kind, code in blocks:
        if kind == "python":
            code = f"python - <<'PYTHON'\n{code}PYTHON\n"
        lines.append(code)
    text = "\n".join(lines)
    for name, folder in (("COURSE", course_folder), ("EXCHANGE", exchange)):
        text, count = re.subn(rf"^{name}=\S+$", f"{name}={folder}", text, flags=re.M)
        assert count == 1, name
    return text


def rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_the_page_works_as_written(tmp_path):
    folder, exchange = tmp_path / "ml-course", tmp_path / "exchange"
    page = PAGE.read_text(encoding="utf-8")
    process = subprocess.run(
        ["bash", "-c", script(page, folder, exchange)],
        cwd=course.ROOT, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    log = process.stdout + process.stderr
    assert process.returncode == 0, log
    # Step 4: nbgrader's documented scores, manual grading pending.
    assert "bitdiddle: graded 1.5/13 (manual grading pending" in log
    assert "hacker: graded 3/13 (manual grading pending" in log
    assert "Ben gets 1.5 and Alyssa 3 of the 3 automatic points" in page
    # Steps 5 and 6: the manual scores are in both exports.
    ours = rows(folder / "ps1-grades.csv")
    assert {name: float(row["score"]) for name, row in ours.items()} == {
        "bitdiddle": 1.5,
        "hacker": 6.0,
    }
    assert ours["hacker"]["part-a"] == "1" and ours["hacker"]["part-b"] == "2"
    nbgraders = {
        row["student_id"]: float(row["score"])
        for row in rows(folder / "nbgrader-grades.csv").values()
    }
    assert nbgraders == {"bitdiddle": 1.5, "hacker": 6.0}
    assert "Alyssa now has 6 of 13 points in both" in page
    # Step 7: the sanitised pages are in the exchange, for fetch_feedback.
    released = sorted((exchange / "ml-course" / "feedback").glob("*.html"))
    assert len(released) == 4
    ours_pages = {path.read_bytes() for path in (folder / "feedback").rglob("*.html")}
    assert {path.read_bytes() for path in released} == ours_pages
    assert (exchange / "ml-course" / "outbound" / "ps1" / "problem1.ipynb").is_file()
    # The repository holds nothing the page made.
    assert not (Path(course.ROOT) / "ml-course").exists()
