"""Every clause of every exercise's contract has a test cell, and back."""

import mutationlib
import pytest

from autograder.checks import contract


@pytest.mark.parametrize("assignment", list(mutationlib.ASSIGNMENTS))
def test_every_clause_has_a_test_and_every_test_a_clause(assignment):
    test_cells = mutationlib.load(assignment).tests
    assert contract.mismatches(assignment, test_cells) == []


def test_a_clause_without_a_test_is_reported(monkeypatch):
    untested = (("warnings", "silent for any input", ()),)
    monkeypatch.setitem(contract.CONTRACTS, "01-sigmoid", untested)
    problems = contract.mismatches("01-sigmoid", ["test_sigmoid_values"])
    assert problems == [
        "clause without a test: warnings: silent for any input",
        "test cell 'test_sigmoid_values' checks no clause of the contract",
    ]


def test_a_test_cell_that_does_not_exist_is_reported(monkeypatch):
    wrong = (("values", "sigmoid's values", ("test_sigmoid_valuez",)),)
    monkeypatch.setitem(contract.CONTRACTS, "01-sigmoid", wrong)
    problems = contract.mismatches("01-sigmoid", ["test_sigmoid_valuez"][:0])
    assert problems == [
        "no test cell 'test_sigmoid_valuez' (named by values: sigmoid's values)"
    ]


def test_the_table_names_each_clause_and_its_cells():
    table = contract.markdown_table("05-thresholds-and-metrics")
    assert "| speed | roc_auc takes at most 8 s" in table
    assert "`test_roc_auc_speed`" in table
