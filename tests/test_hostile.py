"""Hostile submissions, graded in one batch with ordinary learners.

Every attack gets its exact outcome, and nobody else's grade moves. The
fixtures are written by fixtures/make_fixtures.py; three are made here from
ordinary ones because they cannot be stored as they are (a notebook of
10^5 cells, a symlink, a port only known at run time).
"""

import hashlib
import html.parser
import http.server
import json
import threading
from pathlib import Path

import pytest
from gradebatch import grade_batch

from autograder import course
from autograder.confinement import sandbox

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(sandbox.missing_isolation()), reason="no isolation on this machine"
    ),
]

FIXTURES = Path(__file__).parent / "fixtures" / "01-sigmoid"

# (status, score) per learner, out of 21 points.
EXPECTED = {
    # ordinary learners: their grades must not move
    "ada": ("graded", 21),
    "naive": ("graded", 19),
    # attacks on the grader
    "loop": ("graded", 16),  # infinite loop: that cell times out
    "hostile-memory": ("graded", 21),  # MemoryError at the limit
    "hostile-forkbomb": ("graded", 21),  # stopped by the process limit
    "hostile-leftover": ("graded", 21),  # thread and child killed afterwards
    "hostile-sysexit": ("graded", 21),  # SystemExit is an error in a cell
    "hostile-osexit": ("kernel died", 0),
    "crash": ("kernel died", 0),  # os.abort()
    "edited": ("graded", 19),  # test cell edited: restored
    "deleted": ("graded", 19),  # test cell deleted: restored
    "hostile-liar": ("graded", 16),  # __eq__ / __array__ lie: a wrong answer
    "hostile-network": ("graded", 21),  # the web server sees nothing
    "hostile-selfgrade": ("graded", 16),  # checks replaced: re-check decides
    "hostile-patching": ("graded", 16),  # numpy, math, reference patched
    "hostile-script": ("graded", 21),  # no script in the feedback
    "hostile-snoop": ("graded", 21),  # finds nothing to read
    "hostile": ("graded", 21),  # changes our files, kills the grader, kernel
    "hostile-escape": ("graded", 21),  # writes nothing outside its folder
    "hostile-output": ("graded", 21),  # 100 MB printed: feedback bounded
    "hostile-cells": ("invalid notebook", 0),  # 10^5 cells
    "hostile-symlink": ("invalid notebook", 0),  # symlink to solutions/
    "hostile-import": ("graded", 21),  # import sleeps forever: times out
    "broken": ("invalid notebook", 0),  # invalid JSON
}

ESCAPED = [
    Path("/tmp/sigmoid-escaped"),
    Path("/var/tmp/sigmoid-escaped"),
    Path("/dev/shm/sigmoid-escaped"),
    Path.home() / "sigmoid-escaped",
    course.ROOT / "sigmoid-escaped",
]


class Recorder(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def fingerprint(paths):
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def protected():
    root = course.ROOT
    paths = [*root.glob("*.py"), *root.glob("*.toml"), *root.glob("*.md")]
    paths += [*(root / "solutions").rglob("*"), *(root / "autograder").rglob("*.py")]
    paths += list(FIXTURES.rglob("*"))
    return fingerprint([p for p in paths if p.is_file()])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def prepare(submitted):
        broken = submitted / "broken" / "01-sigmoid" / "sigmoid.ipynb"
        broken.with_suffix(".ipynb.truncated").rename(broken)
        network = submitted / "hostile-network" / "01-sigmoid" / "sigmoid.ipynb"
        network.write_text(network.read_text().replace("PORT_PLACEHOLDER", str(port)))
        cells = submitted / "hostile-cells" / "01-sigmoid"
        cells.mkdir(parents=True)
        # Written as JSON: nbformat would validate 10^5 cells for minutes.
        nb = json.loads((FIXTURES / "ada" / "01-sigmoid" / "sigmoid.ipynb").read_text())
        nb["cells"] += [
            {"cell_type": "code", "execution_count": None, "id": f"pass-{i}",
             "metadata": {}, "outputs": [], "source": "pass"}
            for i in range(10**5)
        ]  # fmt: skip
        (cells / "sigmoid.ipynb").write_text(json.dumps(nb))
        link = submitted / "hostile-symlink" / "01-sigmoid"
        link.mkdir(parents=True)
        (link / "sigmoid.ipynb").symlink_to(
            course.SOLUTIONS / "01-sigmoid" / "sigmoid.ipynb"
        )

    for path in ESCAPED:
        path.unlink(missing_ok=True)
    before = protected()
    base = tmp_path_factory.mktemp("hostile")
    learners = [name for name in EXPECTED if name not in ("hostile-cells",)]
    learners.remove("hostile-symlink")
    batch = grade_batch(
        base, "01-sigmoid", [*learners, "hostile-cells", "hostile-symlink"],
        timeout=3, prepare=prepare, command_timeout=3600,
    )  # fmt: skip
    server.shutdown()
    server.server_close()
    batch["untouched"] = before == protected()
    batch["requests"] = list(Recorder.requests)
    return batch


def page(batch, learner):
    folder = Path(batch["rows"][learner]["feedback"])
    return (folder / "sigmoid.html").read_text(encoding="utf-8")


def test_the_command_finishes_and_says_whether_all_were_graded(graded):
    everyone = all(status == "graded" for status, _ in EXPECTED.values())
    expected = 0 if everyone else 1
    assert graded["process"].returncode == expected, graded["process"].stderr


@pytest.mark.parametrize("learner", list(EXPECTED))
def test_every_learner_gets_exactly_the_expected_outcome(graded, learner):
    row = graded["rows"][learner]
    assert (row["status"], float(row["score"])) == EXPECTED[learner], row["message"]


def test_ordinary_learners_keep_their_per_test_scores(graded):
    ada, naive = graded["rows"]["ada"], graded["rows"]["naive"]
    assert ada["message"] == naive["message"] == ""
    assert float(naive["test_sigmoid_extremes"]) == 0
    assert float(naive["test_sigmoid_values"]) == 2


def test_the_network_is_unreachable(graded):
    assert graded["requests"] == []
    text = page(graded, "hostile-network")
    # What the cell printed (its source, shown too, has both words).
    assert "REACHED http" not in text
    assert text.count("Network is unreachable") == 2


def test_self_grading_is_caught_and_flagged(graded):
    for learner in ("hostile-selfgrade", "hostile-patching"):
        row = graded["rows"][learner]
        assert float(row["test_sigmoid_values"]) == 0
        assert float(row["test_logit_values"]) == 2
        assert (
            "re-check: test_sigmoid_values: nbgrader 2, re-check 0" in (row["message"])
        )


def test_a_lying_object_is_a_wrong_answer_that_says_what_came_back(graded):
    row = graded["rows"]["hostile-liar"]
    assert float(row["test_sigmoid_values"]) == 0
    assert "test_sigmoid_values: sigmoid returned a Liar" in row["message"]
    assert "does not count as an answer" in row["message"]
    assert "not re-checked" not in row["message"]


def test_no_file_of_ours_changes_and_nothing_is_written_outside(graded):
    assert graded["untouched"]
    assert not list(course.ROOT.rglob("HACKED"))
    assert not [path for path in ESCAPED if path.exists()]
    assert "WROTE []" in page(graded, "hostile-escape")


def test_nothing_secret_can_be_read(graded):
    assert "SNOOPED 0 []" in page(graded, "hostile-snoop")


def test_feedback_is_bounded(graded):
    folder = Path(graded["rows"]["hostile-output"]["feedback"])
    assert (folder / "sigmoid.html").stat().st_size < 2 * 2**20
    assert "not shown" in page(graded, "hostile-output")


def test_refused_notebooks_say_why(graded):
    assert "100" in graded["rows"]["hostile-cells"]["message"]
    assert "cells" in graded["rows"]["hostile-cells"]["message"]
    assert "missing" in graded["rows"]["hostile-symlink"]["message"]


class Elements(html.parser.HTMLParser):
    """Every element of a page and its attributes, as a browser sees them."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_feedback_carries_no_script(graded):
    for learner in ("hostile-script", "ada"):
        parser = Elements()
        parser.feed(page(graded, learner))
        tags = {tag for tag, _ in parser.found}
        assert not tags & {"script", "iframe", "object", "embed", "svg", "base"}
        for tag, attrs in parser.found:
            assert not [name for name in attrs if name.startswith("on")], tag
            for name in ("href", "src", "action"):
                assert (
                    not (attrs.get(name) or "")
                    .strip()
                    .lower()
                    .startswith("javascript:")
                )
        policy = [a for t, a in parser.found if t == "meta" and "http-equiv" in a]
        assert "script" not in policy[0]["content"].replace("default-src 'none'", "")
    assert "XSS-RAN" in page(graded, "hostile-script")  # shown, as text


def test_feedback_runs_no_script_in_chromium(graded, browser):
    # The session's one browser (conftest): Playwright's sync API allows
    # only one running instance per process.
    folder = Path(graded["rows"]["hostile-script"]["feedback"])
    tab = browser.new_page()
    try:
        tab.goto((folder / "sigmoid.html").as_uri())
        tab.wait_for_timeout(500)
        title = tab.title()
    finally:
        tab.close()
    assert title != "XSS-RAN"
