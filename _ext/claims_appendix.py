"""Sphinx extension: the "Claims checked" appendix, gathered at build time.

Every chapter ends with a ``## Claims checked`` section holding one table,
``| Seed | Claim | Measured | Verdict | Checked in |``:

- **Seed**: the three-digit numbers of the seed documents that make the
  claim, comma-separated (``000, 003``) when several make the same one. A
  claim has one row, however many documents make it.
- **Claim**: the seed's words, quoted.
- **Measured**, **Verdict**: glued from the chapter's code.
- **Checked in**: a ``{ref}`` role with explicit text, ``{ref}`§3.4
  <ch3-claim-tanh>```, to a MyST target placed immediately before the code
  cell that measures the claim. Chapter N's labels start ``chN-claim-``.

The appendix page holds the line ``<!-- claims-table -->``; when Sphinx reads
that page, this extension puts there one table with every row of every
chapter listed in ``_toc.yml``, sorted by seed. Its Seed column names the
documents (:data:`SEEDS`; the book builds without the seed files), glue roles
point at the chapter's own glue data (MyST-NB's ``path::key``) and "Checked
in" links to the measuring cell. A malformed table, an unknown seed, a label
without its target, or a claim in two rows (in one chapter or in two) fails
the build with a message that names the chapter and the row. A chapter added
to the table of contents is picked up without any edit here.
"""

import re
from pathlib import Path

import yaml

APPENDIX = "appendix/claims"
MARKER = "<!-- claims-table -->"
HEADING = "## Claims checked"
COLUMNS = ["Seed", "Claim", "Measured", "Verdict", "Checked in"]
HEADER = "| " + " | ".join(COLUMNS) + " |"
# {glue:text}`key:.3f`, {glue}`key`, {glue:md}`key`, ...
GLUE = re.compile(r"\{glue(?::(\w+))?\}`([^`]+)`")
SEED_CELL = re.compile(r"\d{3}(?:, \d{3})*")
# {ref}`§3.4 <ch3-claim-tanh>`
CHECKED_IN = re.compile(r"\{ref\}`([^`<>]+?) <(ch(\d+)-claim-[a-z0-9-]+)>`")

SEEDS = {
    "000": "Glossary: “What is the sigmoid function?”",
    "001": "Keras API docs: activations.sigmoid",
    "002": "Tutorial: Keras binary classification",
    "003": "Glossary: “Activation function”",
    "004": "LinkedIn post: sigmoid and uncertainty",
}
"""Short names of the seed documents the course was commissioned from."""


def toc_files(srcdir):
    """Every page of the table of contents, in order (no suffix), root first."""
    toc = yaml.safe_load((Path(srcdir) / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return pages


def toc_chapters(srcdir):
    """The chapter pages of the table of contents, in order (no suffix)."""
    return [page for page in toc_files(srcdir) if page.startswith("chapters/")]


def chapter_number(source):
    """The number a chapter's file name starts with (``03-...`` is 3)."""
    match = re.match(r"(\d+)-", Path(source).name)
    if not match:
        raise ValueError(f"{Path(source).name}: a chapter's name starts 'NN-'")
    return int(match.group(1))


def measuring_cells(text):
    """Labels of the MyST targets placed immediately before a code cell.

    One target per cell: rows whose claims one cell measures share its
    label. (A second target stacked on the first would not reach the cell:
    Sphinx renders it as an empty span of its own.)
    """
    return set(
        re.findall(r"^\(([\w-]+)\)=\n(?:[ \t]*\n)*```\{code-cell\}", text, re.MULTILINE)
    )


def claims_rows(source):
    """The rows of a chapter's Claims checked table, as lists of 5 cells.

    Raises ValueError when the section or its table is not in the fixed
    form, so that a malformed chapter fails the build instead of silently
    dropping out of the appendix.
    """
    source = Path(source)
    name, number = source.name, chapter_number(source)
    text = source.read_text(encoding="utf-8")
    if HEADING + "\n" not in text:
        raise ValueError(f"{name} has no '{HEADING}' section")
    section = text.split(HEADING + "\n", 1)[1]
    prose = re.sub(r"^```.*?^```", "", section, flags=re.MULTILINE | re.DOTALL)
    if re.search(r"^#{1,2} ", prose, re.MULTILINE):
        raise ValueError(f"{name}: '{HEADING}' is not the last section")
    lines = [line.strip() for line in prose.splitlines() if line.startswith("|")]
    if not lines or lines[0] != HEADER:
        raise ValueError(f"{name}: the claims table must start {HEADER!r}")
    targets = measuring_cells(text)
    rows = []
    for line in lines[2:]:  # past the header and its --- line
        # A "|" inside a cell is written "\|", as Markdown tables need.
        cells = [
            cell.strip()
            for cell in re.split(r"(?<!\\)\|", line.removeprefix("|").removesuffix("|"))
        ]
        if len(cells) != len(COLUMNS):
            raise ValueError(f"{name}: claims row without 5 cells: {line!r}")
        seeds, claim, _, _, checked_in = cells
        if not SEED_CELL.fullmatch(seeds):
            raise ValueError(
                f"{name}: seed cell {seeds!r} is not three-digit numbers "
                f"separated by ', ' (as in '000, 003'), in row {line!r}"
            )
        unknown = [seed for seed in seeds.split(", ") if seed not in SEEDS]
        if unknown:
            raise ValueError(
                f"{name}: unknown seed {', '.join(unknown)} (known: "
                f"{', '.join(SEEDS)}; add a new one to SEEDS in {Path(__file__).name})"
            )
        ref = CHECKED_IN.fullmatch(checked_in)
        if not ref:
            raise ValueError(
                f"{name}: 'Checked in' must be one ref with text, like "
                f"{{ref}}`§{number}.4 <ch{number}-claim-name>`, not {checked_in!r}"
            )
        label = ref.group(2)
        if int(ref.group(3)) != number:
            raise ValueError(f"{name}: label {label!r} does not start ch{number}-")
        if label not in targets:
            raise ValueError(
                f"{name}: no target '({label})=' immediately before a code cell "
                f"(for the claim {claim})"
            )
        rows.append(cells)
    if not rows:
        raise ValueError(f"{name}: the claims table has no rows")
    return rows


def claim_key(claim):
    """A claim's words with case, quotes, brackets and spacing set aside."""
    words = re.sub(r"[\"'“”‘’\[\]().,;:]", " ", claim.lower())
    return " ".join(words.split())


def chapter_title(source):
    match = re.search(r"^# (.+)$", source.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1).strip() if match else source.stem


def from_other_page(cell, page):
    """Point every glue role of a chapter's cell at that chapter's data."""

    def repoint(match):
        kind, content = match.group(1), match.group(2)
        role = "{glue:" + kind + "}" if kind else "{glue}"
        if kind == "text":
            # path::key needs its format spec spelled out, or the role's
            # own "key:spec" split takes the path's colon for it.
            key, _, spec = content.partition(":")
            return f"{role}`/{page}.md::{key}:{spec or 's'}`"
        return f"{role}`/{page}.md::{content}`"

    return GLUE.sub(repoint, cell)


def seed_names(seeds):
    """The Seed cell of the appendix: each document's name and number."""
    return "; ".join(f"{SEEDS[seed]} ({seed})" for seed in seeds.split(", "))


def appendix_table(srcdir):
    """The appendix's table, as MyST Markdown; ValueError on a repeated claim."""
    rows, seen = [], {}
    for page in toc_chapters(srcdir):
        source = Path(srcdir) / f"{page}.md"
        number = chapter_number(source)
        for seeds, claim, measured, verdict, checked_in in claims_rows(source):
            where = f"{source.name} ({seeds})"
            if claim_key(claim) in seen:
                raise ValueError(
                    f"the claim {claim} is in two rows, {seen[claim_key(claim)]} "
                    f"and {where}: give it one row, with every seed that makes it"
                )
            seen[claim_key(claim)] = where
            ref = CHECKED_IN.fullmatch(checked_in)
            link = f"{{ref}}`Chapter {number}, {ref.group(1)} <{ref.group(2)}>`"
            cells = [seed_names(seeds), claim, from_other_page(measured, page)]
            cells += [from_other_page(verdict, page), link]
            rows.append((seeds, number, cells))
    rows.sort(key=lambda row: (row[0], row[1]))
    lines = [HEADER, "| " + " | ".join("---" for _ in COLUMNS) + " |"]
    lines += ["| " + " | ".join(cells) + " |" for _, _, cells in rows]
    return "\n".join(lines) + "\n"


def insert_table(app, docname, source):
    if docname != APPENDIX:
        return
    if MARKER not in source[0]:
        raise ValueError(f"{APPENDIX} lacks the line {MARKER}")
    source[0] = source[0].replace(MARKER, appendix_table(app.srcdir))


def setup(app):
    app.connect("source-read", insert_table)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
