"""nbgrader run in-process: the gradebooks it makes, and what it imports."""

import os
import sqlite3
import subprocess
import sys

import pytest

from autograder.nbgrader_run import BIN, COURSE_ID, open_gradebook, schema_version


def tables(path):
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
        return dict(rows.fetchall())


@pytest.mark.slow
def test_a_new_gradebook_is_the_one_nbgrader_makes(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook, get_alembic_version

    # nbgrader runs the `alembic` command, installed next to Python.
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    assert schema_version() == get_alembic_version()
    Gradebook(f"sqlite:///{tmp_path / 'theirs.db'}", COURSE_ID).close()
    open_gradebook(f"sqlite:///{tmp_path / 'ours.db'}").close()

    assert tables(tmp_path / "ours.db") == tables(tmp_path / "theirs.db")
    for name in ("ours.db", "theirs.db"):
        with sqlite3.connect(tmp_path / name) as connection:
            [(version,)] = connection.execute("SELECT * FROM alembic_version")
            assert version == schema_version()


def test_an_existing_gradebook_is_opened_as_it_is(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with open_gradebook(url) as gradebook:
        gradebook.add_student("ada", first_name="Ada")
    with open_gradebook(url) as gradebook:
        assert [student.id for student in gradebook.students] == ["ada"]


def test_grading_processes_skip_the_iri_grammars_and_still_validate():
    # jsonschema's optional IRI checker compiles 38 grammars on import (1.3 s
    # in every grading process); notebooks are still validated without it.
    script = (
        "import sys, autograder.grading, nbformat\n"
        "nb = nbformat.v4.new_notebook()\n"
        "nbformat.validate(nb)\n"
        "nb.cells.append({'cell_type': 'code'})\n"
        "try:\n"
        "    nbformat.validate(nb)\n"
        "except nbformat.ValidationError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('an invalid notebook passed')\n"
        "print('lark' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
