"""Generate the learner version of an assignment with nbgrader."""

import shutil
import tempfile
from pathlib import Path

from autograder import course
from autograder.nbgrader_run import generate_assignment, make_course


def generate(assignment, destination, source=None):
    """Write the learner version of ``assignment`` into ``destination``.

    nbgrader's ``generate_assignment`` replaces the solutions with stubs and
    removes the hidden tests. ``destination`` is replaced as a whole, so it
    never keeps a notebook that the source no longer has. ``source`` is the
    assignment's nbgrader source folder (default: ``solutions/<assignment>``).

    Returns
    -------
    list of pathlib.Path
        The notebooks written.
    """
    source = source or course.source_folder(assignment)
    destination = Path(destination)
    with tempfile.TemporaryDirectory(prefix="sigmoid-release-") as scratch:
        root = make_course(Path(scratch), assignment, source)
        generate_assignment(root, assignment)
        released = root / "release" / assignment
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(released, destination)
    return sorted(destination.glob("*.ipynb"))
