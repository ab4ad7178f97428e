"""Mutation score of each exercise's tests.

Runs every exercise's graded test cells, hidden tests included, in process
(see ``tests/mutationlib.py``) against mutants of its reference answers:
the generated one-change mutants and the hand-written corpus of plausible
learner mistakes in ``tests/mutants/corpus_NN.py``. A mutant is killed when
it loses at least one point. Prints, per exercise, the mutants killed out of
the non-equivalent ones, for each kind, then every survivor that is not
listed as equivalent (with ``-v``, also the equivalent ones and why).

Usage: .venv/bin/python benchmarks/mutation.py [-v] [ASSIGNMENT ...]
(default: all five; exercise 4's build_model mutants train a Keras model
each, so that exercise takes a few minutes)
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import mutationlib  # noqa: E402


def score(assignment, verbose=False):
    """Print and return (killed, non-equivalent) over all mutants."""
    notebook = mutationlib.load(assignment)
    equivalent = mutationlib.equivalent(assignment)
    start = time.perf_counter()
    totals = [0, 0]
    survivors = []
    kinds = {
        "generated": {
            key: (what, changes)
            for key, (what, changes) in mutationlib.generated_mutants(notebook).items()
        },
        "hand-written": {
            name: (name, changes)
            for name, changes in mutationlib.corpus(assignment).items()
        },
    }
    lines = []
    for kind, mutants in kinds.items():
        killed = counted = 0
        for key, (what, changes) in mutants.items():
            lost, _ = mutationlib.run_mutant(notebook, changes, until_killed=True)
            if kind == "generated" and key in equivalent:
                if lost:
                    survivors.append(
                        f"  {key} ({what}) is listed as equivalent but lost {lost}"
                    )
                elif verbose:
                    survivors.append(f"  equivalent {key} ({what}): {equivalent[key]}")
                continue
            counted += 1
            killed += bool(lost)
            if not lost:
                survivors.append(f"  survivor {kind} {key}: {what}")
        lines.append(f"{kind} {killed}/{counted}")
        totals[0] += killed
        totals[1] += counted
    listed = sum(1 for key in kinds["generated"] if key in equivalent)
    percent = 100 * totals[0] / max(totals[1], 1)
    print(
        f"{assignment}: {percent:.1f} % killed ({totals[0]} of {totals[1]} "
        f"non-equivalent mutants: {', '.join(lines)}; {listed} equivalent), "
        f"{time.perf_counter() - start:.0f} s"
    )
    for line in survivors:
        print(line)
    sys.stdout.flush()
    return totals


def main(argv):
    verbose = "-v" in argv
    assignments = [a for a in argv if a != "-v"] or list(mutationlib.ASSIGNMENTS)
    for assignment in assignments:
        score(assignment, verbose)


if __name__ == "__main__":
    main(sys.argv[1:])
