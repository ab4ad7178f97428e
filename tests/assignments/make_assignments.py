"""Write the plain nbgrader assignments that instructor-side tests grade.

They are written with nbgrader's cell metadata alone (no helper of the
course's), as an instructor adopting the course would write their own:

- ``ps1``: nbgrader's documentation example (problem1.ipynb with a data
  image, problem2.ipynb with written answers; learners bitdiddle and hacker
  answer as in nbgrader's user guide, which reports 1.5/13 and 3/13);
- ``kinds``: one notebook with each kind of cell nbgrader knows (read-only,
  autograded answer, plain ``assert`` tests, hidden tests, a test that
  deletes a learner's function, one that rebinds a learner's value, partial
  credit, manually graded code and Markdown, a task, an IPython magic) and a
  data file the learner's code reads; its learners answer it fully,
  partly, wrongly, noisily (a warning at every call) or not at all.

Sources go to ``tests/assignments/<assignment>/``; learners, made from the
release nbgrader generates, to ``tests/fixtures/<assignment>/<learner>/``.
Run ``python tests/assignments/make_assignments.py`` after changing them.
"""

import copy
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
sys.path.insert(0, str(HERE.parents[1]))


def cell(kind, source, grade_id=None, points=None, **flags):
    """A cell with nbgrader's metadata: flags are solution, grade, locked, task."""
    new = new_code_cell if kind == "code" else new_markdown_cell
    made = new(source)
    if grade_id:
        meta = {"grade_id": grade_id, "schema_version": 3}
        for flag in ("solution", "grade", "locked", "task"):
            meta[flag] = bool(flags.get(flag, False))
        if points is not None:
            meta["points"] = points
        made.metadata["nbgrader"] = meta
    return made


def notebook(cells):
    for number, made in enumerate(cells):
        # Fixed ids: writing the notebooks again changes nothing.
        made.id = made.metadata.get("nbgrader", {}).get("grade_id", f"cell-{number}")
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3", "language": "python", "name": "python3"
    }  # fmt: skip
    return nb


def png(width=24, height=24, rgb=(243, 118, 38)):
    """A small plain-colour PNG image (the ps1 notebook shows it)."""
    row = b"\x00" + bytes(rgb) * width
    data = zlib.compress(row * height)

    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )  # fmt: skip


# ps1, after nbgrader's user guide.

SQUARES = '''def squares(n):
    """The squares of 1 to n, as a list: element i - 1 is i ** 2."""
    ### BEGIN SOLUTION
    if n < 1:
        raise ValueError("n must be at least 1")
    return [i**2 for i in range(1, n + 1)]
    ### END SOLUTION'''

SUM_OF_SQUARES = '''def sum_of_squares(n):
    """The sum of the squares of 1 to n."""
    ### BEGIN SOLUTION
    return sum(squares(n))
    ### END SOLUTION'''

PROBLEM1 = [
    cell("markdown", "This problem set uses Jupyter:\n\n![](jupyter.png)",
         "jupyter", locked=True),
    cell("markdown", "## Part A (2 points)\n\nWrite `squares(n)`, the list of "
         "$x_i = i^2$ for $1 \\leq i \\leq n$; raise a `ValueError` for $n < 1$."),
    cell("code", SQUARES, "squares", solution=True),
    cell("code", "squares(10)"),
    cell("code", '"""squares gives the right lists"""\nassert squares(1) == [1]\n'
         "assert squares(2) == [1, 4]\n"
         "assert squares(10) == [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]\n"
         "assert squares(11) == [1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121]",
         "correct_squares", 1, grade=True),
    cell("code", '"""squares refuses n < 1"""\nfor n in (0, -4):\n    try:\n'
         "        squares(n)\n    except ValueError:\n        pass\n    else:\n"
         '        raise AssertionError("did not raise")',
         "squares_invalid_input", 1, grade=True),
    cell("markdown", "## Part B (1 point)\n\nWrite `sum_of_squares(n)` with your "
         "`squares` function: call it, do not write it again."),
    cell("code", SUM_OF_SQUARES, "sum_of_squares", solution=True),
    cell("code", "sum_of_squares(10)"),
    cell("code", '"""sum_of_squares gives the right sums"""\n'
         "assert sum_of_squares(1) == 1\nassert sum_of_squares(2) == 5\n"
         "assert sum_of_squares(10) == 385\nassert sum_of_squares(11) == 506",
         "correct_sum_of_squares", 0.5, grade=True),
    cell("code", '"""sum_of_squares calls squares"""\norig_squares = squares\n'
         "del squares\ntry:\n    sum_of_squares(1)\nexcept NameError:\n    pass\n"
         'else:\n    raise AssertionError("sum_of_squares does not use squares")\n'
         "finally:\n    squares = orig_squares",
         "sum_of_squares_uses_squares", 0.5, grade=True),
    cell("markdown", "## Part C (1 point)\n\nWrite the equation `sum_of_squares` "
         "computes, in LaTeX."),
    cell("markdown", "$\\sum_{i=1}^n i^2$", "sum_of_squares_equation", 1,
         solution=True, grade=True),
    cell("markdown", "## Part D (2 points)\n\nUse `sum_of_squares` for something."),
    cell("code", 'def pyramidal_number(n):\n    """The n-th square pyramidal '
         'number."""\n    return sum_of_squares(n)',
         "sum_of_squares_application", 2, solution=True, grade=True),
    cell("markdown", "## Part E (4 points)\n\nState the formulas of arithmetic "
         "and geometric sums, and check them numerically on an example.",
         "cell-938593c4a215c6cc", 4, locked=True, task=True),
]  # fmt: skip

PROBLEM2 = [
    cell("markdown", "Consider this code:\n\n```python\ndef f(x):\n"
         "    if x == 0 or x == 1:\n        return x\n"
         "    return f(x - 1) + f(x - 2)\n```"),
    cell("markdown", "## Part A (1 point)\n\nWhat does it compute, and how?"),
    cell("markdown", "The Fibonacci numbers, by recursion from the base cases "
         "$x = 0$ and $x = 1$.", "part-a", 1, solution=True, grade=True),
    cell("markdown", "## Part B (2 points)\n\nFor which inputs does it go wrong, "
         "and how?"),
    cell("markdown", "Negative ones: it recurses without end, until Python's "
         "recursion limit stops it.", "part-b", 2, solution=True, grade=True),
]  # fmt: skip

PS1_LEARNERS = {
    # squares starts at 0 (and raises); sum_of_squares loops over it;
    # Part D untouched: 1.5 of 3 automatic points, as in nbgrader's guide.
    "bitdiddle": {
        "problem1.ipynb": {
            "squares": "def squares(n):\n    if n < 1:\n        raise ValueError\n"
            "    s = []\n    for i in range(n):\n        s.append(i**2)\n"
            "    return s",
            "sum_of_squares": "def sum_of_squares(n):\n    total = 0\n"
            "    s = squares(n)\n    for i in range(len(s)):\n"
            "        total += s[i]\n    return total",
            "sum_of_squares_equation": "$\\sum_{i=0}^n i^2$",
        },
        "problem2.ipynb": {
            "part-a": "It adds the two numbers before it.",
            "part-b": "Big ones are slow.",
        },
    },
    # Right answers: every automatic point.
    "hacker": {
        "problem1.ipynb": {
            "squares": "def squares(n):\n    if n < 1:\n"
            '        raise ValueError("n < 1")\n'
            "    return [(i + 1) ** 2 for i in range(n)]",
            "sum_of_squares": "def sum_of_squares(n):\n    return sum(squares(n))",
            "sum_of_squares_equation": "$\\sum_{i=1}^n i^2$",
            "sum_of_squares_application": "def tetrahedral_cannonballs(n):\n"
            "    return sum_of_squares(n)",
        },
        "problem2.ipynb": {
            "part-a": "The Fibonacci sequence, recursively.",
            "part-b": "Negative inputs recurse forever (RecursionError).",
        },
    },
}


# kinds: every kind of cell.

ANSWERS = '''def load(path):
    """The numbers in the text file at path, one a line."""
    ### BEGIN SOLUTION
    with open(path) as handle:
        return [float(line) for line in handle if line.strip()]
    ### END SOLUTION


def mean(values):
    ### BEGIN SOLUTION
    return sum(values) / len(values)
    ### END SOLUTION


def mean_of_file(path):
    ### BEGIN SOLUTION
    return mean(load(path))
    ### END SOLUTION


### BEGIN SOLUTION
scale = 2.0
### END SOLUTION


def scaled(x):
    ### BEGIN SOLUTION
    return scale * x
    ### END SOLUTION'''

KINDS = [
    cell("markdown", "# Every kind of cell\n\n`data.txt` holds four numbers.",
         "intro", locked=True),
    cell("code", 'DATA = "data.txt"', "setup", locked=True),
    cell("code", "%precision 3"),
    cell("code", ANSWERS, "answers", solution=True),
    cell("code", "assert load(DATA) == [1.0, 2.0, 3.0, 6.0]", "test_load", 1,
         grade=True),
    cell("code", "assert mean([1, 3]) == 2\n### BEGIN HIDDEN TESTS\n"
         "assert mean([2.5]) == 2.5\nassert mean_of_file(DATA) == 3.0\n"
         "### END HIDDEN TESTS", "test_mean", 2, grade=True),
    cell("code", "saved = mean\ndel mean\ntry:\n    mean_of_file(DATA)\n"
         "except NameError:\n    pass\nelse:\n"
         '    raise AssertionError("mean_of_file does not call mean")\n'
         "finally:\n    mean = saved", "test_uses_mean", 1, grade=True),
    cell("code", "assert scale == 2.0\nscale = 3.0\ntry:\n"
         "    assert scaled(2) == 6.0\nfinally:\n    scale = 2.0\n"
         "assert scaled(2) == 4.0", "test_rebinds", 1, grade=True),
    cell("code", "checks = [mean([1, 2]) == 1.5, load(DATA)[-1] == 6.0,\n"
         "          scaled(1) == 2.0, mean_of_file(DATA) == 3.0]\n"
         "sum(checks) / 2", "test_partial", 2, grade=True),
    cell("markdown", "Print the largest number in the file."),
    cell("code", "### BEGIN SOLUTION\nprint(max(load(DATA)))\n### END SOLUTION",
         "manual_code", 2, solution=True, grade=True),
    cell("markdown", "Why divide by `len(values)`?"),
    cell("markdown", "To average: the sum counts each value once.",
         "manual_text", 1, solution=True, grade=True),
    cell("markdown", "Plot the numbers, with labelled axes.", "task_plot", 3,
         locked=True, task=True),
]  # fmt: skip

FULL = {
    "answers": re.sub(r"\n *### (BEGIN|END) SOLUTION", "", ANSWERS),
    "manual_code": "print(max(load(DATA)))",
    "manual_text": "The mean is the sum over the count.",
}
KINDS_LEARNERS = {
    "full": {"kinds.ipynb": FULL},
    # Reads the file itself (test_uses_mean), scale 3 (test_rebinds), and so
    # 3 of 4 partial checks.
    "partial": {
        "kinds.ipynb": {
            **FULL,
            "answers": FULL["answers"]
            .replace(
                "return mean(load(path))",
                "values = load(path)\n    return sum(values) / len(values)",
            )
            .replace("scale = 2.0", "scale = 3.0"),
        },
    },  # fmt: skip
    # Drops the last line of the file: every test that reads it fails.
    "wrong": {
        "kinds.ipynb": {
            **FULL,
            "answers": FULL["answers"].replace(
                "for line in handle if line.strip()]",
                "for line in handle.read().split()[:-1]]",
            ),
        },
    },
    "blank": {"kinds.ipynb": {}},
    # Right, but mean warns at every call: the kernel shows the warning in
    # every test cell that calls it, and its stderr costs the cell its points.
    "noisy": {
        "kinds.ipynb": {
            **FULL,
            "answers": FULL["answers"].replace(
                "    return sum(values) / len(values)",
                "    import warnings\n\n    warnings.warn('mean of a list')\n"
                "    return sum(values) / len(values)",
            ),
        },
    },
}


def answered(released, answers):
    """The released notebook with the solution cells answered."""
    nb = copy.deepcopy(released)
    for made in nb.cells:
        grade_id = made.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            made.source = answers[grade_id]
    return nb


def write(assignment, notebooks, files, learners):
    from autograder.nbgrader_run import generate_assignment, make_course

    source = HERE / assignment
    source.mkdir(exist_ok=True)
    for name, cells in notebooks.items():
        nbformat.write(notebook(cells), source / name)
    # The course's format check covers these notebooks.
    ruff = Path(sys.executable).with_name("ruff")
    subprocess.run([ruff, "format", "-q", *source.glob("*.ipynb")], check=True)
    for name, content in files.items():
        (source / name).write_bytes(content)
    with tempfile.TemporaryDirectory() as scratch:
        root = make_course(Path(scratch) / "course", assignment, source)
        generate_assignment(root, assignment)
        release = root / "release" / assignment
        for learner, answers in learners.items():
            folder = FIXTURES / assignment / learner / assignment
            folder.mkdir(parents=True, exist_ok=True)
            for name in notebooks:
                released = nbformat.read(release / name, as_version=4)
                nb = answered(released, answers.get(name, {}))
                nbformat.write(nb, folder / name)


def main():
    write("ps1", {"problem1.ipynb": PROBLEM1, "problem2.ipynb": PROBLEM2},
          {"jupyter.png": png()}, PS1_LEARNERS)  # fmt: skip
    data = b"1\n2\n3\n6\n"
    write("kinds", {"kinds.ipynb": KINDS}, {"data.txt": data}, KINDS_LEARNERS)


if __name__ == "__main__":
    main()
