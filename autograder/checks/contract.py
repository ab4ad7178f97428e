"""Each exercise's contract: the clauses its notebook states, and their tests.

Every checks module of an exercise holds a contract (``SIGMOID_CONTRACT``
in ``sigmoid``, and so on): a tuple of
``(kind, clause, test cells)``, one per promise the notebook makes (values,
dtypes, shapes, special values, parameters, degenerate data, errors raised,
mutation, warnings, speed), with the grade ids of the test cells that check
it. The instructor's guide renders them as tables (:func:`markdown_table`),
and the test suite fails for a clause without a test cell, for a test cell
that does not exist, and for a test cell no clause names
(:func:`mismatches`).
"""

from autograder.checks import activations, classification, gradients, metrics, sigmoid

CONTRACTS = {
    "01-sigmoid": sigmoid.SIGMOID_CONTRACT,
    "02-vanishing-gradients": gradients.GRADIENTS_CONTRACT,
    "03-activations": activations.ACTIVATIONS_CONTRACT,
    "04-keras-binary-classification": classification.CLASSIFICATION_CONTRACT,
    "05-thresholds-and-metrics": metrics.METRICS_CONTRACT,
}


def markdown_table(assignment):
    """The contract of ``assignment`` as a Markdown table.

    Examples
    --------
    >>> print(markdown_table("01-sigmoid").splitlines()[0])
    | kind | clause | checked by |
    """
    rows = ["| kind | clause | checked by |", "| --- | --- | --- |"]
    for kind, clause, cells in CONTRACTS[assignment]:
        checked = ", ".join(f"`{cell}`" for cell in cells)
        rows.append(f"| {kind} | {clause} | {checked} |")
    return "\n".join(rows)


def mismatches(assignment, test_cells):
    """What does not match between the contract and the notebook's test cells.

    Parameters
    ----------
    assignment : str
        A key of :data:`CONTRACTS`.
    test_cells : iterable of str
        The grade ids of the notebook's graded test cells.

    Returns
    -------
    list of str
        One line per clause without a test cell, per named cell that does
        not exist, and per test cell that no clause names; empty when the
        contract and the notebook agree.
    """
    test_cells = set(test_cells)
    problems, named = [], set()
    for kind, clause, cells in CONTRACTS[assignment]:
        if not cells:
            problems.append(f"clause without a test: {kind}: {clause}")
        for cell in cells:
            named.add(cell)
            if cell not in test_cells:
                problems.append(f"no test cell {cell!r} (named by {kind}: {clause})")
    for cell in sorted(test_cells - named):
        problems.append(f"test cell {cell!r} checks no clause of the contract")
    return problems
