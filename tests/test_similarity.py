"""``python -m autograder similarity`` on fixture submissions with a planted copy.

bea, cal and dev wrote their answers independently (and ada is the
reference solution); copier took bea's answers, renamed every variable and
reordered the lines (tests/fixtures/make_fixtures_similarity.py). The copy
must rank first, and no honest pair near it. blank handed in the release
untouched: the code everyone was given counts for nothing. The fixtures
derived from ada by changing one answer (naive, edited, ...) are left out:
they are ada's other answers, copied on purpose.
"""

import csv
import shutil

import nbformat
import pytest
from gradebatch import FIXTURES, run_cli

HONEST = ["ada", "bea", "cal", "dev", "blank"]
COPY = ("bea", "copier")
SCRIPT = "</pre><script>alert('hi')</script><pre>"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("similarity")
    submitted = base / "submitted"
    for learner in [*HONEST, "copier"]:
        shutil.copytree(FIXTURES / "01-sigmoid" / learner, submitted / learner)
    # An answer that would be script in a careless report (a comment: the
    # tokens, and so the scores, are unchanged), and a learner id that
    # would be a formula in a careless CSV.
    copier = submitted / "copier" / "01-sigmoid" / "sigmoid.ipynb"
    nb = nbformat.read(copier, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "logit":
            cell.source += f"\n    # {SCRIPT}"
    nbformat.write(nb, copier)
    shutil.copytree(FIXTURES / "01-sigmoid" / "blank", submitted / "=mallory")
    broken = submitted / "zed" / "01-sigmoid"
    broken.mkdir(parents=True)
    (broken / "sigmoid.ipynb").write_text('{"cells": [')
    html, table = base / "similarity.html", base / "pairs.csv"
    process = run_cli(
        "similarity", "01-sigmoid", "--submissions", str(submitted),
        "--html", str(html), "--csv", str(table),
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    with open(table, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {"process": process, "html": html.read_text(), "rows": rows}


def pair(row):
    return tuple(sorted((row["student_a"], row["student_b"])))


def test_the_planted_copy_ranks_first_and_far_above_any_honest_pair(report):
    rows = report["rows"]
    assert pair(rows[0]) == COPY
    honest = [r for r in rows if "copier" not in pair(r) and "'=mallory" not in pair(r)]
    assert float(rows[0]["similarity"]) > 0.4
    assert (
        max(float(r["similarity"]) for r in honest) < float(rows[0]["similarity"]) / 2
    )


def test_the_released_code_counts_for_nothing(report):
    blank = [r for r in report["rows"] if "blank" in pair(r)]
    assert len(blank) == 6  # with each of the six others that were compared
    assert all(float(r["similarity"]) == 0 for r in blank)


def test_every_pair_is_in_the_csv_most_similar_first(report):
    rows = report["rows"]
    assert len(rows) == 7 * 6 // 2  # zed's notebook could not be read
    scores = [float(r["similarity"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    assert "'=mallory" in {r["student_a"] for r in rows} | {
        r["student_b"] for r in rows
    }


def test_the_report_shows_both_cells_side_by_side_without_script(report):
    page = report["html"]
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    body = page.split("</head>", 1)[1]
    assert "<script" not in body and "alert('hi')" in body.replace("&#39;", "'")
    first = body.index("1. bea and copier")
    assert "out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))" in body[first:]
    assert "res[pos] = 1.0 / (1.0 + np.exp(-t[pos]))" in body[first:]
    assert "<mark>" in body[first:]
    assert "zed: sigmoid.ipynb: not a valid notebook" in body
    assert "1. bea and copier" in report["process"].stdout


def test_an_unknown_assignment_or_folder_is_refused(tmp_path):
    process = run_cli("similarity", "99-none", "--submissions", str(tmp_path))
    assert process.returncode == 2
    assert "No released notebooks of '99-none'" in process.stderr
    process = run_cli("similarity", "01-sigmoid", "--submissions", str(tmp_path / "x"))
    assert process.returncode == 2 and "is not a folder" in process.stderr


def test_a_course_of_its_own_uses_its_release_folder(tmp_path):
    course = tmp_path / "course"
    release = course / "release" / "hw1"
    release.mkdir(parents=True)
    given = (
        "import numpy as np\n\ndef helper(values):\n    return np.asarray(values) * 2\n"
    )
    answer = (
        "def f(x):\n    total = 0\n    for item in x:\n"
        "        total += item * item\n    return total / len(x)\n"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(given),
        nbformat.v4.new_code_cell(
            "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
            metadata={"nbgrader": {"grade_id": "f", "solution": True}},
        ),
    ]
    nbformat.write(nb, release / "hw1.ipynb")
    for learner, code in (
        ("ann", given + answer),
        ("ben", given + answer),
        ("cy", given),
    ):
        nb.cells[1].source = code
        folder = tmp_path / "submitted" / learner / "hw1"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "hw1.ipynb")
    html = tmp_path / "report.html"
    process = run_cli(
        "similarity", "hw1", "--submissions", str(tmp_path / "submitted"),
        "--course-dir", str(course), "--html", str(html),
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    lines = process.stdout.splitlines()
    assert lines[1] == "  1. ann and ben: 100%"
    assert "ann and cy: 0%" in process.stdout  # the given helper is ignored
