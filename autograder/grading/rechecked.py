"""The re-check's verdict, put where nbgrader's feedback takes it from.

nbgrader's ``generate_feedback`` shows each test cell's score from the
gradebook and its outputs from the autograded notebook, both written by the
learner's kernel. Once the trusted re-check has decided, its scores go into
the learner's course gradebook and its messages replace the test cells'
outputs, so that the feedback page shows the scores of the gradebook and
the CSV and what the re-check found, not what learner code made the kernel
print. A test cell's outputs are the re-check's in any case: learner code
runs while a test does, and may print what it is given.
"""

import nbformat

from autograder.nbgrader_run import open_gradebook


def store_scores(root, assignment, student, tests):
    """Put the final per-test scores ``tests`` in the course's gradebook."""
    with open_gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name in tests:
                    grade.auto_score = tests[grade.name]
        gradebook.db.commit()


def write_outputs(notebook, outcomes):
    """Replace the outputs of the test cells of ``notebook`` (a path).

    ``outcomes`` maps test cells to their re-check Outcome: a passed test
    shows nothing, a failed one its message, as a failed cell shows its
    error in nbgrader's feedback.
    """
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or grade_id not in outcomes:
            continue
        if cell.metadata["nbgrader"].get("solution"):
            continue
        outcome = outcomes[grade_id]
        if outcome.score is None:
            continue  # not re-checked: the kernel's outputs stand, as its score
        cell.outputs = []
        if outcome.message:
            name, _, text = outcome.message.partition(": ")
            if " " in name or not text:
                name, text = "Failed", outcome.message
            cell.outputs.append(
                nbformat.v4.new_output(
                    "error", ename=name, evalue=text, traceback=[outcome.message]
                )
            )
    nbformat.write(nb, notebook)
