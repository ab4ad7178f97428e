"""What every learner is graded against, built once per grading run.

nbgrader's ``generate_assignment`` reads the source notebooks, records their
graded cells in a gradebook and writes the release. It gives the same answer
for every learner, so the machine that runs the command does it once, in its
own process, and hands the result, as plain data, to whatever grades the
learners: a local process or a Dask worker on another machine. Every learner
is then graded against exactly the same source and gradebook.
"""

import hashlib
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import course
from autograder.nbgrader_run import generate_assignment, make_course, open_gradebook

GRADEBOOK = "gradebook.db"


@dataclass(frozen=True)
class Template:
    """An nbgrader course holding one generated assignment, as data.

    Attributes
    ----------
    assignment : str
        The assignment's name.
    timeout : int
        Seconds a cell may run.
    files : dict of str to bytes
        The course folder's files (``gradebook.db``, ``source/...``) by
        path relative to the course root.
    notebooks : tuple of str
        File names of the assignment's notebooks (the release's other files,
        data or images, are not notebooks: nbgrader copies them beside the
        learner's notebooks, from ``source/``).
    tests : dict of str to float
        Points of each graded cell and task, in notebook order, as the
        gradebook has them.
    max_score : float
        The assignment's total points (the gradebook's, tasks included).
    manual : tuple of str
        The graded cells and tasks that a person grades (written answers,
        manually graded code, tasks): nbgrader records no score for them.
    """

    assignment: str
    timeout: int
    files: dict
    notebooks: tuple
    tests: dict
    max_score: float
    manual: tuple = ()

    @property
    def automatic(self):
        """The graded cells the autograder scores, in notebook order."""
        return [name for name in self.tests if name not in self.manual]

    def release_files(self):
        """The source's files other than notebooks, by path in the assignment."""
        prefix = f"source/{self.assignment}/"
        return {
            name[len(prefix) :]: content
            for name, content in self.files.items()
            if name.startswith(prefix) and not name.endswith(".ipynb")
        }

    @property
    def digest(self):
        """Identifies the template's content (to reuse its unpacked copy)."""
        digest = hashlib.sha256(f"{self.assignment}\0{self.timeout}".encode())
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name])
        return digest.hexdigest()[:16]

    def unpack(self, root):
        """Write the course folder at ``root`` (which must not exist)."""
        root = Path(root)
        for name, content in self.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        for name in ("home", "jupyter_config", "jupyter_data", "runtime"):
            (root / name).mkdir(exist_ok=True)
        return root


def build(assignment, timeout=30, source=None):
    """Generate ``assignment`` once with nbgrader and return it as a Template.

    ``source`` is its nbgrader source folder (default: the course's
    ``solutions/<assignment>``).

    Raises
    ------
    ValueError
        If there is no such assignment.
    """
    source = source or course.source_folder(assignment)
    with tempfile.TemporaryDirectory(prefix="sigmoid-template-") as scratch:
        root = make_course(Path(scratch) / "course", assignment, source)
        # The gradebook's test cells, which nbgrader puts back into every
        # learner's notebook and runs in the learner's kernel, are those of
        # the release: hidden tests never enter a learner's process, its
        # outputs or the notebooks that go back. The trusted re-check runs
        # them from the full source, which the course folder keeps.
        with _hidden_tests_removed(root / "source" / assignment):
            generate_assignment(root, assignment, timeout)
        tests, manual = _test_points(root, assignment)
        files = {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in [root / GRADEBOOK, *sorted((root / "source").rglob("*"))]
            if path.is_file()
        }
        notebooks = tuple(
            sorted(
                path.name for path in (root / "release" / assignment).glob("*.ipynb")
            )
        )
    return Template(
        assignment, int(timeout), files, notebooks, tests,
        float(sum(tests.values())), manual,
    )  # fmt: skip


@contextmanager
def _hidden_tests_removed(folder):
    """While in this block, the notebooks of ``folder`` hold no hidden test."""
    from autograder.confinement.recheck import without_hidden_tests

    full = {path: path.read_bytes() for path in Path(folder).glob("*.ipynb")}
    try:
        for path in full:
            notebook = nbformat.read(path, as_version=4)
            for cell in notebook.cells:
                if cell.cell_type == "code":
                    cell.source = without_hidden_tests(cell.source)
            nbformat.write(notebook, path)
        yield
    finally:
        for path, content in full.items():
            path.write_bytes(content)


def _test_points(root, assignment):
    """Graded cells and tasks (name: points) in notebook order; the manual ones.

    A cell is graded by a person when it is a task or a graded cell that the
    learner writes (nbgrader's "manually graded answer", code or Markdown).
    """
    with open_gradebook(f"sqlite:///{root / GRADEBOOK}") as gradebook:
        record = gradebook.find_assignment(assignment)
        points = {
            cell.name: cell.max_score
            for notebook in record.notebooks
            for cell in [*notebook.grade_cells, *notebook.task_cells]
        }
    order, manual = [], []
    for path in sorted((root / "source" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade_id") in points:
                order.append(meta["grade_id"])
                if meta.get("task") or meta.get("solution"):
                    manual.append(meta["grade_id"])
    return {name: float(points[name]) for name in order}, tuple(manual)
