"""Where the course keeps its assignments, and how to list them."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


# The course's own exercises, one per chapter: the rules for their tests
# (the checks' helpers and messages) are the course's, not nbgrader's.
COURSE_ASSIGNMENTS = (
    "01-sigmoid",
    "02-vanishing-gradients",
    "03-activations",
    "04-keras-binary-classification",
    "05-thresholds-and-metrics",
)


def assignments():
    """Names of the assignments in ``solutions/``, sorted."""
    if not SOLUTIONS.is_dir():
        return []
    return sorted(
        path.name
        for path in SOLUTIONS.iterdir()
        if path.is_dir() and any(path.glob("*.ipynb"))
    )


def source_folder(assignment, course_dir=None):
    """The nbgrader source folder of ``assignment``, checked to exist.

    An nbgrader course folder ``course_dir`` holds its own assignments in
    ``source/<assignment>/`` (nbgrader's layout); the course's are in
    ``solutions/``.

    Raises
    ------
    ValueError
        If there is no such assignment; the message lists the ones there are.
    """
    if course_dir is not None:
        folder = Path(course_dir) / "source" / assignment
        if folder.is_dir() and any(folder.glob("*.ipynb")):
            return folder
    if assignment in assignments():
        return SOLUTIONS / assignment
    known = ", ".join(assignments()) or "none"
    where = f"{SOLUTIONS}"
    if course_dir is not None and Path(course_dir).resolve() != ROOT:
        where += f" or {Path(course_dir) / 'source'}"
    raise ValueError(
        f"No assignment named {assignment!r} in {where}. Course assignments: "
        f"{known}. Put your own nbgrader assignment's source notebooks in "
        f"COURSE_DIR/source/{assignment}/ and pass --course-dir COURSE_DIR."
    )


def course_id(course_dir):
    """The course id that ``course_dir``'s ``nbgrader_config.py`` sets.

    The course's own (``sigmoid-course``) when it sets none, as nbgrader's
    gradebook needs one.
    """
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    from autograder.nbgrader_run import COURSE_ID

    try:
        config = PyFileConfigLoader("nbgrader_config.py", str(course_dir)).load_config()
    except ConfigFileNotFound:
        return COURSE_ID
    return config.CourseDirectory.get("course_id") or COURSE_ID
