"""Mutation testing of the exercises' tests, in process.

An exercise's source notebook (``solutions/<assignment>/``) holds the
reference answers and the test cells, hidden tests included. A *mutant*
replaces one answer's source with a changed one: a plausible learner's
mistake written by hand (the corpora in ``tests/mutants/``) or one small
change generated from the answer's syntax tree (:func:`generated_mutants`).
:func:`run_mutant` executes the notebook's set-up cell, the answers and every
graded test cell that can see the change, in this process and without
nbgrader (milliseconds, not seconds, a mutant), and returns the points the
mutant lost. A test that loses no points to a wrong mutant has a gap.

A mutant that no test can tell from the reference (it computes the same
thing) is *equivalent*; each corpus lists the generated ones, with the
reason, in ``EQUIVALENT``.
"""

import ast
import contextlib
import copy
import importlib
import io
import re
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = {
    "01-sigmoid": "sigmoid.ipynb",
    "02-vanishing-gradients": "gradients.ipynb",
    "03-activations": "activations.ipynb",
    "04-keras-binary-classification": "keras-binary-classification.ipynb",
    "05-thresholds-and-metrics": "metrics.ipynb",
}
# CPU seconds one test cell may use before it counts as failed (nbgrader's
# grading stops a cell after 30 s of wall-clock time).
CELL_BUDGET_S = 30


class _CellTimeout(BaseException):
    """A test cell that ran past :data:`CELL_BUDGET_S`."""


@dataclass
class Notebook:
    """One exercise's source notebook, split into what a mutant needs."""

    assignment: str
    setup: str
    answers: dict  # grade_id of each solution cell -> its source
    tests: dict  # grade_id of each graded test cell -> (source, points)
    defines: dict = field(default_factory=dict)  # function name -> grade_id

    @property
    def max_score(self):
        return sum(points for _, points in self.tests.values())


def load(assignment):
    """The source notebook of ``assignment`` as a :class:`Notebook`."""
    path = ROOT / "solutions" / assignment / ASSIGNMENTS[assignment]
    nb = nbformat.read(path, as_version=4)
    setup, answers, tests = [], {}, {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            answers[meta["grade_id"]] = _strip_markers(cell.source)
        elif meta.get("grade"):
            tests[meta["grade_id"]] = (cell.source, meta["points"])
        elif not answers:
            setup.append(cell.source)
    notebook = Notebook(assignment, "\n\n".join(setup), answers, tests)
    for cell_id, source in answers.items():
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef):
                notebook.defines[node.name] = cell_id
    return notebook


def _strip_markers(source):
    return re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", source)


def _called_names(source):
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


def affected_tests(notebook, cells):
    """Test cells that call a function of ``cells``, directly or through others."""
    functions = {
        name: _called_names(_function_source(notebook.answers[cell], name))
        for name, cell in notebook.defines.items()
    }
    changed = {name for name, cell in notebook.defines.items() if cell in cells}
    grew = True
    while grew:
        users = {name for name, uses in functions.items() if uses & changed}
        grew = not users <= changed
        changed |= users
    return [
        test
        for test, (source, _) in notebook.tests.items()
        if _called_names(source) & changed
    ]


def _function_source(cell_source, name):
    for node in ast.parse(cell_source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.unparse(node)
    raise KeyError(name)


def run_mutant(notebook, changes, tests=None, *, until_killed=False):
    """Points lost by the answers with ``changes`` (cell id -> source).

    Returns ``(lost, failures)``: the points of the test cells that failed
    and, for each, the first line of what it raised. Only the test cells
    that can see the changes run (``tests`` overrides the choice); with
    ``until_killed``, none after the first that fails (enough to know that
    the mutant is killed, and much faster where a later cell trains a
    model).
    """
    if tests is None:
        tests = affected_tests(notebook, set(changes))
    namespace = {"__name__": "__main__"}
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        exec(compile(notebook.setup, "<setup>", "exec"), namespace)
        for cell_id, source in notebook.answers.items():
            source = changes.get(cell_id, source)
            try:
                exec(compile(source, f"<{cell_id}>", "exec"), namespace)
            except Exception as exc:  # a mutant that does not even define
                return notebook.max_score, {cell_id: _first_line(exc)}
        lost, failures = 0, {}
        for test in tests:
            source, points = notebook.tests[test]
            try:
                with _cpu_budget(CELL_BUDGET_S):
                    exec(compile(source, f"<{test}>", "exec"), dict(namespace))
            except (Exception, _CellTimeout) as exc:
                lost += points
                failures[test] = _first_line(exc)
                if until_killed:
                    break
    return lost, failures


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


@contextlib.contextmanager
def _cpu_budget(seconds):
    """Stop the block after ``seconds`` of CPU time (SIGVTALRM).

    CPU time, not wall-clock time: the checks' own speed limit uses the
    real-time timer, and a loaded machine must not fail a cell.
    """

    def stop(signum, frame):
        raise _CellTimeout(f"more than {seconds} s of CPU time")

    saved = signal.signal(signal.SIGVTALRM, stop)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, saved)


def dtype_rule_head(name="x"):
    """The first lines of an elementwise answer: the dtype rule, in float64.

    For corpora that write whole answers: float32 stays float32, anything
    else gives float64, and the work is done on a float64 copy.
    """
    return (
        f"    values = np.asarray({name})\n"
        "    dtype = np.float32 if values.dtype == np.float32 else np.float64\n"
        "    values = values.astype(np.float64)\n"
    )


def corpus(assignment):
    """The hand-written mutants of ``assignment``: ``{name: changes}``."""
    module = _corpus_module(assignment)
    notebook = load(assignment)
    mutants = {}
    for name, edit in module.MUTANTS.items():
        cell, *rest = edit
        if len(rest) == 1:  # a whole new answer
            mutants[name] = {cell: rest[0]}
        else:  # one piece of the reference answer replaced
            old, new = rest
            source = notebook.answers[cell]
            if source.count(old) != 1:
                raise ValueError(f"mutant {name}: {old!r} is not once in {cell}")
            mutants[name] = {cell: source.replace(old, new)}
    return mutants


def correct_answers(assignment):
    """Genuinely different correct answers: ``{variant: changes}``.

    Each must get full marks; ``tests/fixtures/make_fixtures*.py`` writes
    them as the fixtures ``correct-<variant>`` too.
    """
    return _corpus_module(assignment, "correct_").CORRECT


def equivalent(assignment):
    """Generated mutants no test can tell apart: ``{mutant id: reason}``."""
    return _corpus_module(assignment).EQUIVALENT


def _corpus_module(assignment, prefix="corpus_"):
    for folder in (Path(__file__).parent, Path(__file__).parent / "mutants"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    return importlib.import_module(prefix + assignment[:2])


# --- generated mutants -----------------------------------------------------

_BINOPS = {
    ast.Add: [ast.Sub, ast.Mult],
    ast.Sub: [ast.Add],
    ast.Mult: [ast.Div, ast.Add],
    ast.Div: [ast.Mult, ast.FloorDiv],
    ast.Pow: [ast.Mult],
    ast.FloorDiv: [ast.Div],
    ast.BitAnd: [ast.BitOr],
    ast.BitOr: [ast.BitAnd],
    ast.MatMult: [ast.Mult],
}
_COMPARES = {
    ast.Lt: [ast.LtE, ast.Gt],
    ast.LtE: [ast.Lt, ast.GtE],
    ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
}
# NumPy functions swapped for a plausible wrong neighbour.
_FUNCTIONS = {
    "log1p": ["log"],
    "expm1": ["exp"],
    "exp": ["expm1"],
    "maximum": ["minimum"],
    "minimum": ["maximum"],
    "max": ["min", "mean"],
    "min": ["max"],
    "sum": ["mean"],
    "mean": ["sum"],
    "float32": ["float64"],
    "float64": ["float32"],
    "argmin": ["argmax"],
    "floor": ["ceil", "round"],
    "cumsum": ["cumprod"],
    "erfc": ["erf"],
    "tanh": ["sigmoid"],
    "sigmoid": ["tanh"],
    "abs": ["negative"],
}
# Strings swapped for others of their kind (activations, losses, words).
_STRINGS = {
    "sigmoid": ["softmax", "linear"],
    "softmax": ["sigmoid"],
    "relu": ["sigmoid", "linear"],
    "linear": ["relu"],
    "binary_crossentropy": ["mse", "categorical_crossentropy"],
    "yes": ["no"],
    "nan": ["inf"],
}


class _Mutator(ast.NodeTransformer):
    """Applies the ``target``-th possible change, counting them in ``seen``."""

    def __init__(self, target):
        self.target = target
        self.seen = 0
        self.description = None

    def _here(self, description):
        hit = self.seen == self.target
        if hit:
            self.description = description
        self.seen += 1
        return hit

    def visit_BinOp(self, node):
        self.generic_visit(node)
        for new in _BINOPS.get(type(node.op), []):
            if self._here(f"{_op(node.op)} -> {_op(new())}"):
                node.op = new()
        for side in ("left", "right"):
            if self._here(f"{ast.unparse(node)} -> {side} operand only"):
                return getattr(node, side)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.USub, ast.Not, ast.Invert)):
            if self._here(f"{ast.unparse(node)} -> operator dropped"):
                return node.operand
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        for new in _COMPARES.get(type(node.ops[0]), []):
            if self._here(f"{_op(node.ops[0])} -> {_op(new())}"):
                node.ops = [new(), *node.ops[1:]]
        return node

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return node
        if isinstance(value, str):
            for new in _STRINGS.get(value, []):
                if self._here(f"{value!r} -> {new!r}"):
                    return ast.Constant(new)
            return node
        changes = {value + 1, value - 1, 0, -value} if value else {1}
        if isinstance(value, float) and value:
            changes |= {value * 2, value / 2}
        for new in sorted(changes - {value}):
            if self._here(f"{value!r} -> {new!r}"):
                return ast.Constant(new)
        return node

    def visit_keyword(self, node):
        self.generic_visit(node)
        if node.arg == "axis":
            for new in ("0", "-1", "None"):
                if ast.unparse(node.value) != new and self._here(f"axis -> {new}"):
                    node.value = ast.parse(new, mode="eval").body
        if node.arg == "keepdims" and self._here("keepdims dropped"):
            node.value = ast.Constant(False)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        for new in _FUNCTIONS.get(node.attr, []):
            if self._here(f"{node.attr} -> {new}"):
                node.attr = new
        return node

    def visit_Name(self, node):
        for new in _FUNCTIONS.get(node.id, []) if node.id in ("sigmoid",) else []:
            if self._here(f"{node.id} -> np.{new}"):
                return ast.parse(f"np.{new}", mode="eval").body
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        name = ast.unparse(func)
        if isinstance(func, ast.Attribute) and func.attr == "astype":
            if self._here(f"{name}(...) dropped"):
                return func.value
        if name in ("np.abs", "np.asarray", "float", "int", "np.copysign"):
            if node.args and self._here(f"{name}(...) dropped"):
                return node.args[0]
        if name in ("np.where", "np.clip") and len(node.args) == 3:
            for index in (1, 2):
                what = "branch" if name == "np.where" else "bound"
                if self._here(f"{name}: only {what} {index}"):
                    if name == "np.where":
                        return node.args[index]
                    node.args[index] = ast.Constant(None)
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if ast.unparse(node.slice) == "()" and self._here("[()] dropped"):
            return node.value
        return node

    def visit_If(self, node):
        self.generic_visit(node)
        if self._here(f"if {ast.unparse(node.test)}: branch dropped"):
            return node.orelse or ast.Pass()
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        for side in ("body", "orelse"):
            if self._here(f"{ast.unparse(node)} -> {side} only"):
                return getattr(node, side)
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        if isinstance(node.targets[0], ast.Subscript):
            if self._here(f"{ast.unparse(node)} dropped"):
                return ast.Pass()
        return node

    def visit_Raise(self, node):
        if self._here(f"{ast.unparse(node)} dropped"):
            return ast.Pass()
        return node

    def visit_FunctionDef(self, node):
        # Docstrings are not code.
        body = node.body
        start = 1 if body and isinstance(body[0], ast.Expr) else 0
        node.body = body[:start] + [self.visit(stmt) for stmt in body[start:]]
        node.body = [stmt for stmt in node.body if stmt is not None]
        node.args.defaults = [self.visit(arg) for arg in node.args.defaults]
        return node


def _op(op):
    symbols = {
        ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
        ast.FloorDiv: "//", ast.BitAnd: "&", ast.BitOr: "|", ast.MatMult: "@",
        ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
        ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in",
    }  # fmt: skip
    return symbols[type(op)]


def generated_mutants(notebook, cells=None):
    """Every one-change mutant of the answers: ``{id: (description, changes)}``.

    An id is ``<function>:<n>``, stable as long as the answer is unchanged.
    """
    mutants = {}
    for name, cell in notebook.defines.items():
        if cells is not None and cell not in cells:
            continue
        tree = ast.parse(notebook.answers[cell])
        index = 0
        while True:
            copied = copy.deepcopy(tree)
            target = next(
                n
                for n in copied.body
                if isinstance(n, ast.FunctionDef) and n.name == name
            )
            mutator = _Mutator(index)
            mutator.visit(target)
            if mutator.description is None:
                break
            ast.fix_missing_locations(copied)
            mutants[f"{name}:{index}"] = (
                mutator.description,
                {cell: ast.unparse(copied)},
            )
            index += 1
    return mutants
