"""Report progress while grading, and the grades as a CSV file at the end."""

import sys
import time

from autograder.grading import csvsafe

FIELDS = [
    "student_id", "assignment", "score", "max_score", "status", "message", "feedback"
]  # fmt: skip


class Progress:
    """Learners done, total, failures so far and time left.

    A tqdm progress bar on a terminal; elsewhere (a log file, CI) one plain
    line per learner.
    """

    def __init__(self, total, skipped=0, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.done, self.failed = total, 0, 0
        self.start = time.monotonic()
        if skipped:
            print(
                f"{skipped} learners graded already and unchanged: not graded "
                "again (--regrade grades them again)",
                file=self.stream,
                flush=True,
            )
        self.bar = None
        if total and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="learner", file=self.stream)
            self.bar.set_postfix(failed=0)

    def update(self, result):
        self.done += 1
        self.failed += result.status != "graded"
        if self.bar is not None:
            self.bar.set_postfix(failed=self.failed)
            self.bar.update()
            self._details(result)
            return
        elapsed = time.monotonic() - self.start
        left = elapsed / self.done * (self.total - self.done)
        print(
            f"[{self.done}/{self.total}] {result.student_id}: {result.status} "
            f"{result.score:g}/{result.max_score:g}{pending_note(result)} "
            f"({result.seconds:.1f} s; {self.failed} not graded so far; "
            f"about {left:.0f} s left)",
            file=self.stream,
            flush=True,
        )
        self._details(result)

    def _details(self, result):
        """What went wrong with a learner that could not be graded, for the log."""
        if result.details:
            text = f"{result.student_id}: {result.message}\n{result.details}"
            if self.bar is not None:
                self.bar.write(text, file=self.stream)
            else:
                print(text, file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def pending_note(result):
    """`` (manual grading pending: N cells)`` when some wait for a person."""
    if not result.pending:
        return ""
    cells = "cell" if len(result.pending) == 1 else "cells"
    return f" (manual grading pending: {len(result.pending)} {cells})"


def write_csv(results, csv_path, test_names):
    """Write the grades, one row per learner, through a temporary file.

    One column per graded cell and task, as the gradebook has them; a cell
    no one scored yet (waiting for manual grading) is left empty. Learner
    ids and messages are learner-chosen text: every field is escaped so that
    no spreadsheet runs one as a formula (:func:`csvsafe.escape`).
    """
    rows = (
        [
            r.student_id, r.assignment, float(r.score), float(r.max_score),
            r.status, r.message, r.feedback,
            *(r.tests[name] for name in test_names),
        ]
        for r in results
    )  # fmt: skip
    csvsafe.write(csv_path, [*FIELDS, *test_names], rows)
