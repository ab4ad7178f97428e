"""Point the instructor at submissions that look alike.

The learners' answer cells (nbgrader's solution cells) are compared with
copydetect, a MOSS-style detector: code is reduced to tokens (names become
one symbol, so renaming variables hides nothing), cut into overlapping
k-grams, hashed and winnowed; two learners share a fingerprint where they
share a run of at least ``NOISE`` tokens' worth of code, wherever it sits in
the cell (so reordered lines still match, block by block). What the release
gave everyone (the stubs, the imports, the given code) is boilerplate: its
fingerprints are ignored.

The result decides nothing. It ranks pairs so that the instructor knows
where to look, in one HTML page (sanitised, script-free, like the feedback)
with both learners' cells side by side and the shared code marked, and
optionally a CSV of every pair.
"""

import html
import io
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder import course
from autograder.confinement import limits, sanitise
from autograder.grading import csvsafe

NOISE = 25  # copydetect's noise threshold: shorter matches are ignored
GUARANTEE = 30  # matches this long are always found
CSV_FIELDS = ["rank", "student_a", "student_b", "similarity", "a_in_b", "b_in_a"]


@dataclass
class Learner:
    """One learner's answer cells, by grade id."""

    student: str
    cells: dict = field(default_factory=dict)
    problem: str = ""  # why the learner could not be compared


@dataclass
class Pair:
    """Two learners and how much of each one's answers the other shares."""

    a: Learner
    b: Learner
    a_in_b: float
    b_in_a: float
    cells: list = field(default_factory=list)  # (cell, shared spans, score)

    @property
    def score(self):
        """The mean of the two shares: 1 for identical code, 0 for none shared."""
        return (self.a_in_b + self.b_in_a) / 2


def release_folder(assignment, course_dir=None):
    """What learners were given: ``COURSE_DIR/release/A`` or ``exercises/A``."""
    candidates = []
    if course_dir is not None:
        candidates.append(Path(course_dir) / "release" / assignment)
    candidates.append(course.EXERCISES / assignment)
    for folder in candidates:
        if folder.is_dir() and any(folder.glob("*.ipynb")):
            return folder
    looked = " or ".join(map(str, candidates))
    known = ", ".join(course.assignments()) or "none"
    raise ValueError(
        f"No released notebooks of {assignment!r} in {looked}: the comparison "
        "needs what the learners were given, to ignore it. Course assignments: "
        f"{known}; for a course of your own, pass --course-dir with its release/."
    )


def _read(path):
    import nbformat

    if path.is_symlink() or not path.is_file():
        raise ValueError("notebook missing")
    if path.stat().st_size > limits.MAX_BYTES:
        raise ValueError("notebook too big")
    try:
        return nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except (json.JSONDecodeError, UnicodeDecodeError, Exception) as exc:
        raise ValueError(f"not a valid notebook ({type(exc).__name__})") from None


def _answers(nb, ids):
    found = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("cell_type") == "code" and grade_id in ids:
            found[grade_id] = cell.source
    return found


def _fingerprint(code, boilerplate):
    from copydetect import CodeFingerprint

    return CodeFingerprint(
        "answer.py", NOISE, GUARANTEE - NOISE + 1, boilerplate, language="python",
        fp=io.StringIO(code),
    )  # fmt: skip


def _marked(code, slices):
    """``code`` as HTML, the shared spans in ``<mark>``."""
    import numpy as np

    spans = np.asarray(slices, dtype=float)
    if spans.ndim != 2 or not spans.size:
        return html.escape(code)
    out, last = [], 0
    for start, end in sorted(zip(*spans, strict=True)):
        start, end = max(int(start), last), int(end)
        if end <= start:
            continue
        out += [
            html.escape(code[last:start]),
            f"<mark>{html.escape(code[start:end])}</mark>",
        ]
        last = end
    out.append(html.escape(code[last:]))
    return "".join(out)


def _pair(a, b, prints):
    """Compare two learners cell by cell; the shares are pooled over cells.

    Cell by cell, so that code given in one cell never meets another cell's
    (a whole-notebook comparison would match the seams between stubs).
    """
    from copydetect import compare_files

    shared, sizes, cells = [0.0, 0.0], [0.0, 0.0], []
    for key in sorted(set(a.cells) | set(b.cells)):
        left, right = prints.get((a.student, key)), prints.get((b.student, key))
        shares, slices = (0.0, 0.0), ((), ())
        # Most pairs share no fingerprint at all: a set test says so faster.
        if left is not None and right is not None and left.hashes & right.hashes:
            _, shares, slices = compare_files(left, right)
        for side, fingerprint in enumerate((left, right)):
            if fingerprint is not None:
                sizes[side] += fingerprint.token_coverage
                shared[side] += float(shares[side]) * fingerprint.token_coverage
        # The page marks the shared code; only the pairs it shows need it.
        cells.append((key, slices, (float(shares[0]) + float(shares[1])) / 2))
    a_in_b, b_in_a = (s / n if n else 0.0 for s, n in zip(shared, sizes, strict=True))
    return Pair(a, b, a_in_b, b_in_a, cells)


def compare(assignment, submissions, *, course_dir=None):
    """Rank every pair of learners by how much answer code they share.

    Returns
    -------
    pairs : list of Pair
        Most similar first.
    skipped : list of Learner
        Learners who could not be compared, with why.
    """
    release = release_folder(assignment, course_dir)
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise ValueError(f"--submissions {submissions} is not a folder.")
    given, boilerplate_code = {}, []
    for path in sorted(release.glob("*.ipynb")):
        nb = _read(path)
        ids = {
            c.metadata["nbgrader"]["grade_id"]
            for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")
        }
        given[path.name] = ids
        boilerplate_code += [c.source for c in nb.cells if c.cell_type == "code"]
    boilerplate = _fingerprint("\n".join(boilerplate_code), []).hashes
    for code in boilerplate_code:  # a cell copied on its own, too
        boilerplate |= _fingerprint(code, []).hashes
    boilerplate = list(boilerplate)

    learners, skipped = [], []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir()):
        learner = Learner(folder.name)
        for name, ids in given.items():
            try:
                nb = _read(folder / assignment / name)
            except ValueError as exc:
                learner.problem = f"{name}: {exc}"
                break
            for grade_id, code in _answers(nb, ids).items():
                learner.cells[f"{name}:{grade_id}"] = code
        (skipped if learner.problem else learners).append(learner)
    if not learners and not skipped:
        raise ValueError(
            f"--submissions {submissions} holds no learner folders. Expected "
            f"{submissions}/<student>/{assignment}/<notebook>.ipynb."
        )

    prints = {
        (x.student, key): _fingerprint(code, boilerplate)
        for x in learners
        for key, code in x.cells.items()
    }
    pairs = []
    for a, b in itertools.combinations(learners, 2):
        pairs.append(_pair(a, b, prints))
    pairs.sort(key=lambda p: (-p.score, p.a.student, p.b.student))
    return pairs, skipped


STYLE = """
body { font-family: sans-serif; margin: 1em; }
table.cells { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.cells td, table.cells th {
  border: 1px solid #999; vertical-align: top; padding: 4px;
}
table.cells th:first-child { width: 12em; }
pre { white-space: pre-wrap; margin: 0; font-size: 0.85em; }
mark { background: #ffd54f; }
"""


def write_html(path, assignment, pairs, skipped, top=50):
    """The report: the ``top`` pairs that share any code, cells side by side."""
    shown = [p for p in pairs if p.score > 0][:top]
    parts = [
        f"<html><head><title>Similar submissions: {html.escape(assignment)}</title>"
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Similar submissions: {html.escape(assignment)}</h1>",
        "<p>Pairs of learners ranked by the share of answer code they have in "
        "common (copydetect's winnowing on tokens: renamed variables and moved "
        "blocks still match; the released code is ignored). A high rank is a "
        "place to look, not a finding: short answers to the same question can "
        "coincide.</p>",
        f"<p>{len(pairs)} pairs compared; {len(shown)} shown.</p>",
    ]
    if skipped:
        items = "".join(
            f"<li>{html.escape(x.student)}: {html.escape(x.problem)}</li>"
            for x in skipped
        )
        parts.append(f"<p>Not compared:</p><ul>{items}</ul>")
    parts.append(
        "<table><tr><th>rank</th><th>learner A</th><th>learner B</th>"
        "<th>similarity</th><th>A's code in B</th><th>B's code in A</th></tr>"
    )
    for rank, p in enumerate(shown, 1):
        parts.append(
            f"<tr><td><a href='#pair-{rank}'>{rank}</a></td>"
            f"<td>{html.escape(p.a.student)}</td><td>{html.escape(p.b.student)}</td>"
            f"<td>{p.score:.0%}</td><td>{p.a_in_b:.0%}</td><td>{p.b_in_a:.0%}</td></tr>"
        )
    parts.append("</table>")
    for rank, p in enumerate(shown, 1):
        a, b = html.escape(p.a.student), html.escape(p.b.student)
        parts.append(
            f"<h2 id='pair-{rank}'>{rank}. {a} and {b}: {p.score:.0%}</h2>"
            f"<table class='cells'><tr><th>cell</th><th>{a}</th><th>{b}</th></tr>"
        )
        for key, slices, score in p.cells:
            left = _marked(p.a.cells.get(key, ""), slices[0])
            right = _marked(p.b.cells.get(key, ""), slices[1])
            parts.append(
                f"<tr><td>{html.escape(key)}<br>{score:.0%}</td>"
                f"<td><pre>{left}</pre></td><td><pre>{right}</pre></td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"--html {path}: the folder {path.parent} does not exist.")
    path.write_text("\n".join(parts), encoding="utf-8")
    sanitise.sanitise_page(path)


def write_csv(path, pairs):
    """Every pair, most similar first: both learner ids and the scores."""
    rows = [
        [rank, p.a.student, p.b.student, round(p.score, 4), round(p.a_in_b, 4),
         round(p.b_in_a, 4)]
        for rank, p in enumerate(pairs, 1)
    ]  # fmt: skip
    csvsafe.write(path, CSV_FIELDS, rows)
