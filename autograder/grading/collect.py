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
    files : dict of str to bytes
        The learner's other files (nbgrader's ``timestamp.txt`` and
        ``submission_secret.txt``, data the learner wrote...), by path in
        the assignment folder: nbgrader gives them to the kernel too. Links,
        nbgrader's ignored files, the release's own files (nbgrader puts the
        release's copies in their place) and whatever lies beyond
        :data:`OTHER_FILES_BYTES` in all are left out.
    others : tuple of str
        Notebooks in the folder that are not the assignment's (to name them
        when an expected one is missing).
    """

    student: str
    found: bool
    notebooks: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    others: tuple = ()

    @property
    def digest(self):
        """Changes whenever a file of the submission changes."""
        digest = hashlib.sha256(b"found" if self.found else b"missing")
        for kind, files in (("nb", self.notebooks), ("file", self.files)):
            for name in sorted(files):
                content = files[name]
                digest.update(f"\0{kind}\0{name}\0{len(content)}\0".encode())
                digest.update(content)
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


# Characters nbgrader gives a meaning in ids: glob patterns (autograde's
# --student), and '+', its exchange's separator in file names.
_MEANINGFUL = "*?[]+"


def id_problem(student):
    """Why nbgrader would not take ``student`` as a learner id, or None.

    >>> id_problem("ada.lovelace")
    >>> id_problem("ada*")
    "'ada*' holds '*', which nbgrader uses as a pattern matching other ids"
    """
    bad = [c for c in student if c in _MEANINGFUL]
    if bad:
        use = "between the parts of its exchange's file names"
        if bad[0] != "+":
            use = "as a pattern matching other ids"
        return f"{student!r} holds {bad[0]!r}, which nbgrader uses {use}"
    if student != student.strip():
        return f"{student!r} begins or ends with a space, which nbgrader strips"
    if not student.isprintable():
        return f"{student!r} holds a character that cannot be printed"
    if student.startswith("."):
        return f"{student!r} begins with '.': a hidden folder, not a learner"
    if len(student) > 100:
        return f"{student[:20]!r}... is over 100 characters long"
    return None


def invalid_ids(names):
    """The learner ids among ``names`` that nbgrader would not take, and why.

    Returns
    -------
    dict
        ``{name: message}``, each message saying what to do.
    """
    return {
        name: (
            f"not graded: the folder name {problem}. Rename the folder to the "
            "learner's id (letters, digits, '.', '-', '_', '@') and grade again."
        )
        for name in names
        if (problem := id_problem(name))
    }


def read(submissions, student, assignment, notebooks, released=()):
    """Read ``submissions/<student>/<assignment>/`` into a Submission.

    ``released`` names the release's files other than notebooks, which are
    not read: nbgrader grades with the release's copies.
    """
    folder = Path(submissions) / student / assignment
    if not folder.is_dir():
        others = sorted(p.name for p in Path(submissions, student).glob("*"))
        return Submission(student, found=False, others=tuple(others))
    handed_in = {}
    for name in notebooks:
        path = folder / name
        # A link could point at a file the learner may not read.
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as handle:
                # Enough to tell that a notebook is too big (limits).
                handed_in[name] = handle.read(limits.MAX_BYTES + 1)
    files, others, left = {}, [], OTHER_FILES_BYTES
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if _ignored(path.relative_to(folder)) or name in handed_in:
            continue
        if name in released:
            continue
        if path.suffix == ".ipynb" and path.parent == folder:
            others.append(name)
        elif path.is_file() and not _linked(path, folder):
            size = path.stat().st_size
            if size <= left:
                files[name], left = path.read_bytes(), left - size
    return Submission(
        student, found=True, notebooks=handed_in, files=files, others=tuple(others)
    )


# What nbgrader's CourseDirectory.ignore leaves out, and a bound on the rest
# (every learner's submission is held in memory until graded).
IGNORED = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback")
OTHER_FILES_BYTES = 2 * 2**20


def _ignored(relative):
    return any(part.match(pattern) for part in map(Path, relative.parts)
               for pattern in IGNORED)  # fmt: skip


def _linked(path, folder):
    """Whether ``path`` or a folder on its way from ``folder`` is a link."""
    while path != folder:
        if path.is_symlink():
            return True
        path = path.parent
    return False
