"""Where the course keeps its assignments, and how to list them."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def assignments():
    """Names of the assignments in ``solutions/``, sorted."""
    if not SOLUTIONS.is_dir():
        return []
    return sorted(
        path.name
        for path in SOLUTIONS.iterdir()
        if path.is_dir() and any(path.glob("*.ipynb"))
    )


def source_folder(assignment):
    """The nbgrader source folder of ``assignment``, checked to exist.

    Raises
    ------
    ValueError
        If there is no such assignment; the message lists the ones there are.
    """
    folder = SOLUTIONS / assignment
    if assignment not in assignments():
        known = ", ".join(assignments()) or "none"
        raise ValueError(
            f"No assignment named {assignment!r} in {SOLUTIONS}. Assignments: {known}."
        )
    return folder
