"""The learner's path through the exercises in a real JupyterLab.

A real ``jupyter lab`` is started on a free local port, with a token, in a
scratch copy of ``exercises/``, and driven by headless Chromium the way a
learner uses it: open the released notebook, run all cells and read the
feedback, try the textbook formula and read what the stability check says
about it, type the solutions, run everything again, save, and press
nbgrader's Validate button; and for exercises 2 to 5, Run All (every
test cell reports), one wrong function and its feedback, the fix, and
Validate. The course's Lab settings (``lab/overrides.json``,
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
# The textbook formula, in float64 unless x is float32: right on ordinary
# inputs, overflows at x = -1000.
NAIVE_SIGMOID = (
    "def sigmoid(x):\n"
    "    x = np.asarray(x)\n"
    "    x = x if x.dtype == np.float32 else x.astype(np.float64)\n"
    "    return 1 / (1 + np.exp(-x))\n"
)


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
    # Every cell attached to the page, on screen or not: Run All now runs to
    # the end, and the test reads the feedback of cells scrolled far away
    # (by default Lab skips rendering those, and they read as empty).
    tracker = home / "user-settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
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


def solution_code(grade_id, assignment=ASSIGNMENT):
    """The instructor's solution of one cell, without nbgrader's markers."""
    (path,) = (ROOT / "solutions" / assignment).glob("*.ipynb")
    source = nbformat.read(path, 4)
    for cell in source.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            lines = cell.source.splitlines()
            kept = [line for line in lines if "### BEGIN SOLUTION" not in line]
            kept = [line for line in kept if "### END SOLUTION" not in line]
            return "\n".join(kept) + "\n"
    raise LookupError(f"no cell {grade_id!r} in the solutions notebook")


def released_cells(notebook_path=NOTEBOOK):
    """(index, grade_id, is_solution, is_test) of every released code cell."""
    notebook = nbformat.read(ROOT / notebook_path, 4)
    cells = []
    for index, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code":
            cells.append(
                (index, meta.get("grade_id"), meta.get("solution"), meta.get("grade"))
            )
    return cells


PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# The execution counts code cells' prompts show: [the last cell's, the
# highest]; -1 for a prompt without a number ("[ ]" or "[*]").
PROMPTS_JS = """() => {
    const prompts = [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
    const numbers = prompts.map((p) => {
        const m = p.textContent.match(/\\[(\\d+)\\]/);
        return m ? Number(m[1]) : -1;
    });
    return [numbers[numbers.length - 1], Math.max(-1, ...numbers)];
}"""


class Learner:
    """The notebook page, driven through JupyterLab's own menus and keys."""

    def __init__(self, page):
        self.page = page
        # The notebook on show: a tab left open from before stays hidden.
        self.cells = page.locator(f"{PANEL} .jp-Notebook .jp-Cell")

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
        """Run All Cells, and wait until the last code cell has run.

        Every test cell is tagged raises-exception: the run goes on past a
        failing test, and the kernel is idle for a moment between cells, so
        the end of the run is the last code cell's prompt showing a number
        above every number shown before.
        """
        _, highest = self.page.evaluate(PROMPTS_JS)
        self.menu("Run", "Run All Cells")
        self.page.wait_for_function(
            f"(highest) => ({PROMPTS_JS})()[0] > highest",
            arg=highest,
            timeout=STEP_TIMEOUT_MS,
        )
        self.wait_until_idle()

    def type_into(self, index, code):
        editor = self.cells.nth(index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+A")
        # insert_text types the text as one input: no auto-indent, no
        # auto-closed brackets, exactly what a paste gives.
        self.page.keyboard.insert_text(code)

    def save_and_validate(self):
        """Save, press nbgrader's Validate; its dialog must report success."""
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("Control+S")
        expect(self.page.locator(".jp-mod-dirty")).to_have_count(
            0, timeout=STEP_TIMEOUT_MS
        )
        self.page.get_by_role("button", name="Validate").click()
        expect(self.page.locator(".jp-Dialog")).to_contain_text(
            "Success! Your notebook passes all the tests.",
            timeout=STEP_TIMEOUT_MS,
        )

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

        with step(steps, "run all cells: every check says 'not implemented'"):
            learner.run_all()
            for index, grade_id in tests:
                text = learner.output(index).inner_text()
                assert "CheckFailure" in text, (grade_id, text)
                assert "not implemented yet" in text, (grade_id, text)
                assert "Hint:" in text, (grade_id, text)

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
            learner.save_and_validate()

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


# For exercises 2 to 5: one plausible mistake, the one test cell that it
# fails, and a phrase of that cell's feedback.
WALKS = {
    "02-vanishing-gradients": (
        "numerical_gradient",
        ("(upper - lower) / (2 * eps)", "(upper - lower) / eps"),
        "test_numerical_values",
        "numerical_gradient(f, x",
    ),
    "03-activations": (
        "relu",
        ("alpha * values).astype", "0.01 * values).astype"),
        "test_leaky_relu",
        "alpha=0.2",
    ),
    "04-keras-binary-classification": (
        "predict_labels",
        ("(probabilities >= threshold)", "(probabilities > threshold)"),
        "test_predict_labels",
        "returned the wrong labels",
    ),
    "05-thresholds-and-metrics": (
        "roc_auc",
        (
            "ranks = ((ends - counts + 1 + ends) / 2)[inverse]",
            'ranks = np.argsort(np.argsort(scores, kind="stable")) + 1.0',
        ),
        "test_roc_auc_ties",
        "roc_auc returned the wrong value",
    ),
}


@pytest.mark.parametrize("assignment", list(WALKS))
def test_run_all_wrong_function_fixed_and_validated(browser, lab, assignment):
    """Exercises 2 to 5: Run All, one mistake and its feedback, the fix, Validate."""
    base, token, work, log = lab
    (path,) = (ROOT / "exercises" / assignment).glob("*.ipynb")
    notebook = path.relative_to(ROOT).as_posix()
    wrong_cell, (old, new), failing, phrase = WALKS[assignment]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    watch = Watch(context, base)
    page = context.new_page()
    learner = Learner(page)
    steps = []
    cells = released_cells(notebook)
    solutions = [(i, gid) for i, gid, solution, _ in cells if solution]
    tests = [(i, gid) for i, gid, _, test in cells if test]
    try:
        with step(steps, "open the notebook, run all: every test reports"):
            # A workspace of its own: only this notebook open.
            page.goto(
                f"{base}lab/workspaces/{assignment}/tree/{notebook}?token={token}"
            )
            expect(learner.cells.first).to_be_visible(timeout=STEP_TIMEOUT_MS)
            learner.wait_until_idle()
            learner.run_all()
            for index, grade_id in tests:
                text = learner.output(index).inner_text()
                assert "not implemented yet" in text, (grade_id, text)

        with step(steps, "every answer typed, one wrong: only its test fails"):
            for index, grade_id in solutions:
                code = solution_code(grade_id, assignment)
                if grade_id == wrong_cell:
                    assert old in code, (old, code)
                    code = code.replace(old, new)
                learner.type_into(index, code)
            learner.run_all()
            for index, grade_id in tests:
                text = learner.output(index).inner_text()
                if grade_id != failing:
                    assert not text.strip(), (grade_id, text)
                    continue
                for part in ("CheckFailure", phrase, "expected", "got", "Hint:"):
                    assert part in text, f"{part!r} missing from:\n{text}"

        with step(steps, "the mistake fixed, run all: every test passes"):
            index = next(i for i, gid in solutions if gid == wrong_cell)
            learner.type_into(index, solution_code(wrong_cell, assignment))
            learner.run_all()
            for index, grade_id in tests:
                assert not learner.output(index).inner_text().strip(), grade_id

        with step(steps, "save, press Validate: nbgrader reports success"):
            learner.save_and_validate()
            assert not watch.problems, watch.problems
    except Exception as error:
        where = save_failure(
            page,
            f"lab-{assignment}",
            [f"failed at step: {steps[-1] if steps else 'start'}", str(error)]
            + ["", "console:"]
            + watch.console,
        )
        pytest.fail(
            f"{assignment}: step {steps[-1] if steps else 'start'!r} failed: "
            f"{error}\n{where}\nserver log: {log}"
        )
    finally:
        context.close()
