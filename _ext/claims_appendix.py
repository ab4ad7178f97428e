"""Sphinx extension: the "Claims checked" appendix, gathered at build time.

Every chapter ends with a ``## Claims checked`` section holding one table,
``| Seed | Claim | Measured | Verdict |``, whose measurements and verdicts
are glued from the chapter's code. The appendix page holds the line
``<!-- claims-table -->``; when Sphinx reads that page, this extension puts
there one table with every row of every chapter listed in ``_toc.yml``,
sorted by seed, each glue role pointing at the chapter's own glue data
(MyST-NB's ``path::key``) and each row linking to the section that checks
it. A chapter added to the table of contents is picked up without any edit
here; ``tests/test_claims.py`` checks that the rendered appendix and the
chapters agree.
"""

import re
from pathlib import Path

import yaml

APPENDIX = "appendix/claims"
MARKER = "<!-- claims-table -->"
HEADING = "## Claims checked"
HEADER = "| Seed | Claim | Measured | Verdict |"
# {glue:text}`key:.3f`, {glue}`key`, {glue:md}`key`, ...
GLUE = re.compile(r"\{glue(?::(\w+))?\}`([^`]+)`")


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


def claims_rows(source):
    """The rows of a chapter's Claims checked table, as lists of cells.

    Raises ValueError when the section or its table is not in the fixed
    form, so that a malformed chapter fails the build instead of silently
    dropping out of the appendix.
    """
    text = source.read_text(encoding="utf-8")
    if HEADING + "\n" not in text:
        raise ValueError(f"{source.name} has no '{HEADING}' section")
    section = text.split(HEADING + "\n", 1)[1]
    prose = re.sub(r"^```.*?^```", "", section, flags=re.MULTILINE | re.DOTALL)
    if re.search(r"^#{1,2} ", prose, re.MULTILINE):
        raise ValueError(f"{source.name}: '{HEADING}' is not the last section")
    lines = [line.strip() for line in section.splitlines() if line.startswith("|")]
    if not lines or lines[0] != HEADER:
        raise ValueError(f"{source.name}: the claims table must start {HEADER!r}")
    rows = []
    for line in lines[2:]:  # past the header and its --- line
        # A "|" inside a cell is written "\|", as Markdown tables need.
        cells = [
            cell.strip()
            for cell in re.split(r"(?<!\\)\|", line.removeprefix("|").removesuffix("|"))
        ]
        if len(cells) != 4 or not re.fullmatch(r"00\d", cells[0]):
            raise ValueError(f"{source.name}: malformed claims row {line!r}")
        rows.append(cells)
    if not rows:
        raise ValueError(f"{source.name}: the claims table has no rows")
    return rows


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


def appendix_table(srcdir):
    rows = []
    for number, page in enumerate(toc_chapters(srcdir), start=1):
        source = Path(srcdir) / f"{page}.md"
        link = f"[{number}. {chapter_title(source)}](/{page}.md#claims-checked)"
        for seed, claim, measured, verdict in claims_rows(source):
            cells = [seed, claim, from_other_page(measured, page)]
            cells += [from_other_page(verdict, page), link]
            rows.append((seed, number, cells))
    rows.sort(key=lambda row: (row[0], row[1]))
    lines = [
        "| Seed | Claim | Measured | Verdict | Checked in |",
        "| --- | --- | --- | --- | --- |",
    ]
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
