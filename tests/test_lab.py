"""The learner's path through exercise 1 in a real JupyterLab.

A real ``jupyter lab`` is started on a free local port, with a token, in a
scratch copy of ``exercises/``, and driven by headless Chromium the way a
learner uses it: open the released notebook, run all cells and read the
feedback, try the textbook formula and read what the stability check says
about it, type the solutions, run everything again, save, and press
nbgrader's Validate button. The course's Lab settings (``lab/overrides.json``,
installed into the environment by ``make lab`` and ``make test``) must keep
every pop-up away from a new learner.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from browserlib import Watch, save_failure
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01-sigmoid"
NOTEBOOK = f"exercises/{ASSIGNMENT}/sigmoid.ipynb"
SETTINGS = ROOT / "lab" / "overrides.json"
INSTALLED_SETTINGS = (
    Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
)
JUPYTER_LAB = Path(sys.executable).parent / "jupyter-lab"
START_TIMEOUT_S = 120
# Running the notebook or validating it takes seconds; under load, more.
STEP_TIMEOUT_MS = 120_000
# The textbook formula: right on ordinary inputs, overflows at x = -1000.
NAIVE_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url, process, log):
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    waited = f"jupyter lab did not answer within {START_TIMEOUT_S} s"
    pytest.fail(f"{waited}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A real JupyterLab serving a scratch copy of exercises/; yields its URL."""
    assert INSTALLED_SETTINGS.is_file() and json.loads(
        INSTALLED_SETTINGS.read_text()
    ) == json.loads(SETTINGS.read_text()), (
        f"the course's Lab settings are not installed in {INSTALLED_SETTINGS}: "
        "run `make lab-settings` (make lab and make test do)"
    )
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    shutil.copytree(ROOT / "exercises", work / "exercises")
    port, token = free_port(), secrets.token_hex(16)
    # The learner's own Jupyter configuration and saved Lab state stay out.
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    command = [
        str(JUPYTER_LAB),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
    ]
    if os.geteuid() == 0:  # CI runs as root; Jupyter refuses without this
        command.append("--allow-root")
    log = home / "jupyter-lab.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(f"{base}api/status?token={token}", process, log)
        yield base, token, work, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def solution_code(grade_id):
    """The instructor's solution of one cell, without nbgrader's markers."""
    source = nbformat.read(ROOT / "solutions" / ASSIGNMENT / "sigmoid.ipynb", 4)
    for cell in source.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            lines = cell.source.splitlines()
            kept = [line for line in lines if "### BEGIN SOLUTION" not in line]
            kept = [line for line in kept if "### END SOLUTION" not in line]
            return "\n".join(kept) + "\n"
    raise LookupError(f"no cell {grade_id!r} in the solutions notebook")


def released_cells():
    """(index, grade_id, is_solution, is_test) of every released code cell."""
    notebook = nbformat.read(ROOT / NOTEBOOK, 4)
    cells = []
    for index, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code":
            cells.append(
                (index, meta.get("grade_id"), meta.get("solution"), meta.get("grade"))
            )
    return cells


class Learner:
    """The notebook page, driven through JupyterLab's own menus and keys."""

    def __init__(self, page):
        self.page = page
        self.cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")

    def output(self, index):
        return self.cells.nth(index).locator(".jp-OutputArea")

    def wait_until_idle(self):
        # A prompt shows "[*]" while its cell is queued or running.
        self.page.wait_for_function(
            "() => ![...document.querySelectorAll('.jp-InputPrompt')]"
            ".some((p) => p.textContent.includes('*'))",
            timeout=STEP_TIMEOUT_MS,
        )
        expect(self.page.locator("#jp-main-statusbar")).to_contain_text(
            "Idle", timeout=STEP_TIMEOUT_MS
        )

    def menu(self, top, item):
        self.page.locator(
            ".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")
        ).click()
        self.page.locator(
            ".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")
        ).click()

    def run_all(self):
        self.menu("Run", "Run All Cells")
        # Running stops at the first failing cell, as Jupyter always does.
        self.page.wait_for_timeout(500)
        self.wait_until_idle()

    def type_into(self, index, code):
        editor = self.cells.nth(index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+A")
        # insert_text types the text as one input: no auto-indent, no
        # auto-closed brackets, exactly what a paste gives.
        self.page.keyboard.insert_text(code)

    def run_cells(self, first, count):
        """Run ``count`` cells from ``first`` on, with Shift+Enter each."""
        self.cells.nth(first).locator(".jp-InputPrompt").click()
        for _ in range(count):
            self.page.keyboard.press("Shift+Enter")
        self.wait_until_idle()


@contextmanager
def step(steps, name):
    steps.append(name)
    yield


def test_learner_path_through_exercise_1(browser, lab):
    base, token, work, log = lab
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    watch = Watch(context, base)
    page = context.new_page()
    learner = Learner(page)
    steps = []
    cells = released_cells()
    solutions = [(i, gid) for i, gid, solution, _ in cells if solution]
    tests = [(i, gid) for i, gid, _, test in cells if test]
    sigmoid_index = next(i for i, gid in solutions if gid == "sigmoid")
    sigmoid_tests = [
        i
        for i, gid in tests
        if gid.startswith("test_sigmoid_") and "derivative" not in gid
    ]
    try:
        with step(steps, "open the released notebook; the kernel starts"):
            page.goto(f"{base}lab/tree/{NOTEBOOK}?token={token}")
            expect(learner.cells.first).to_be_visible(timeout=STEP_TIMEOUT_MS)
            learner.wait_until_idle()
            assert learner.page.get_by_role("button", name="Validate").count()

        with step(steps, "run all cells: the first check says 'not implemented'"):
            learner.run_all()
            first_test = tests[0][0]
            text = learner.output(first_test).inner_text()
            assert "CheckFailure" in text and "not implemented yet" in text, text
            assert "Hint:" in text, text

        with step(steps, "no news or update pop-up, no dialog"):
            toasts = page.locator(".Toastify__toast")
            assert toasts.count() == 0, toasts.all_inner_texts()
            assert page.locator(".jp-Dialog").count() == 0

        with step(steps, "the textbook formula: stability check names input etc."):
            learner.type_into(sigmoid_index, NAIVE_SIGMOID)
            learner.run_cells(sigmoid_index, 1 + len(sigmoid_tests))
            *passing, extremes = sigmoid_tests
            for index in passing:
                assert not learner.output(index).inner_text().strip()
            text = learner.output(extremes).inner_text()
            for part in ("CheckFailure", "input:", "expected:", "got:", "Hint:"):
                assert part in text, f"{part!r} missing from:\n{text}"

        with step(steps, "type every solution, run all: every check passes"):
            for index, grade_id in solutions:
                learner.type_into(index, solution_code(grade_id))
            learner.run_all()
            for index, grade_id in tests:
                prompt = learner.cells.nth(index).locator(".jp-InputPrompt")
                assert re.search(r"\[\d+\]", prompt.inner_text()), grade_id
                assert not learner.output(index).inner_text().strip(), grade_id

        with step(steps, "save, press Validate: nbgrader reports success"):
            page.keyboard.press("Escape")
            page.keyboard.press("Control+S")
            expect(page.locator(".jp-mod-dirty")).to_have_count(
                0, timeout=STEP_TIMEOUT_MS
            )
            page.get_by_role("button", name="Validate").click()
            dialog = page.locator(".jp-Dialog")
            expect(dialog).to_contain_text(
                "Success! Your notebook passes all the tests.",
                timeout=STEP_TIMEOUT_MS,
            )

        with step(steps, "no console error in the whole session"):
            assert not watch.problems, watch.problems
            assert not watch.outside, watch.outside
    except Exception as error:
        where = save_failure(
            page,
            "lab-learner-path",
            [f"failed at step: {steps[-1] if steps else 'start'}", str(error)]
            + ["", "console:"]
            + watch.console,
        )
        pytest.fail(
            f"step {steps[-1] if steps else 'start'!r} failed: {error}\n"
            f"{where}\nserver log: {log}"
        )
    finally:
        context.close()
