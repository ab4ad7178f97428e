"""Collect the learners' submissions, as data that can travel to any worker.

A submission is read once, on the machine that runs the grade command, into
a :class:`Submission` holding the notebooks' bytes: local processes and Dask
workers on other machines grade it without a shared file system, and its
digest tells whether it changed since it was last graded.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.confinement import limits


@dataclass(frozen=True)
class Submission:
    """One learner's files for one assignment.

    Attributes
    ----------
    student : str
        The learner's id (their folder's name).
    found : bool
        False when the learner's folder has no folder for the assignment.
    notebooks : dict of str to bytes
        The assignment's notebooks the learner handed in, by file name. A
        notebook that is missing, or is a symbolic link, is left out.
    """

    student: str
    found: bool
    notebooks: dict = field(default_factory=dict)

    @property
    def digest(self):
        """Changes whenever a notebook of the submission changes."""
        digest = hashlib.sha256(b"found" if self.found else b"missing")
        for name in sorted(self.notebooks):
            content = self.notebooks[name]
            digest.update(f"\0{name}\0{len(content)}\0".encode() + content)
        return digest.hexdigest()


def students(submissions):
    """The learner folders in ``submissions``, sorted.

    Raises
    ------
    ValueError
        If ``submissions`` is not a folder or holds no learner folder.
    """
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise ValueError(
            f"--submissions {submissions} is not a folder. It should hold one "
            "folder per learner, each with a folder named after the assignment."
        )
    names = sorted(path.name for path in submissions.iterdir() if path.is_dir())
    if not names:
        raise ValueError(
            f"--submissions {submissions} holds no learner folders. Expected "
            f"{submissions}/<student>/<assignment>/<notebook>.ipynb."
        )
    return names


def read(submissions, student, assignment, notebooks):
    """Read ``submissions/<student>/<assignment>/`` into a Submission."""
    folder = Path(submissions) / student / assignment
    if not folder.is_dir():
        return Submission(student, found=False)
    handed_in = {}
    for name in notebooks:
        path = folder / name
        # A link could point at a file the learner may not read.
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as handle:
                # Enough to tell that a notebook is too big (limits).
                handed_in[name] = handle.read(limits.MAX_BYTES + 1)
    return Submission(student, found=True, notebooks=handed_in)
