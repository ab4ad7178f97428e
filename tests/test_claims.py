"""The "Claims checked" appendix agrees with every chapter's own section.

Each chapter listed in ``_toc.yml`` ends with a ``## Claims checked`` table
in the fixed form ``| Seed | Claim | Measured | Verdict |``, measurements and
verdicts glued from its code. The appendix (``appendix/claims.md``) is
gathered from those tables at build time by ``_ext/claims_appendix.py``.
These tests read the built HTML: the appendix must hold exactly the rows of
the chapters, with the same rendered measurements and verdicts, each linking
to the section that checks it.
"""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from bookbuild import claims_appendix, describe, toc_chapters

VERDICTS = {"holds", "holds only as a bound", "loose", "wrong"}
CHAPTERS = toc_chapters()


class SectionTables(HTMLParser):
    """Rows of the tables inside the section with a given id, and its links."""

    def __init__(self, section_id):
        super().__init__()
        self.section_id = section_id
        self.rows = []
        self._depth = 0  # nesting inside the wanted <section>, 0 = outside
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._depth:
            if tag == "section":
                self._depth += 1
            elif tag == "tr":
                self._row = []
            elif tag in ("td", "th") and self._row is not None:
                self._cell = {"text": "", "links": []}
            elif tag == "a" and self._cell is not None:
                self._cell["links"].append(attrs.get("href", ""))
        elif tag == "section" and attrs.get("id") == self.section_id:
            self._depth = 1

    def handle_endtag(self, tag):
        if not self._depth:
            return
        if tag == "section":
            self._depth -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self._cell["text"] = " ".join(self._cell["text"].split())
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


# Sphinx's smart quotes reach glued text on its own page but not text pasted
# from another page, so apostrophes are compared in one form.
PLAIN_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})


def claims_table(path):
    parser = SectionTables("claims-checked")
    parser.feed(path.read_text(encoding="utf-8"))
    header, *rows = parser.rows
    for row in rows:
        for cell in row:
            cell["text"] = cell["text"].translate(PLAIN_QUOTES)
    return [cell["text"] for cell in header], rows


def test_every_chapter_has_a_claims_section_in_the_fixed_form():
    assert CHAPTERS, "no chapters in _toc.yml"
    for source in CHAPTERS:
        rows = claims_appendix.claims_rows(source)  # raises when malformed
        for _seed, claim, measured, verdict in rows:
            assert claim.startswith('"'), f"{source.name}: claim {claim!r} unquoted"
            # Measurements and verdicts come from the chapter's code.
            assert "{glue" in measured, f"{source.name}: {measured!r} not glued"
            assert claims_appendix.GLUE.fullmatch(verdict), (
                f"{source.name}: verdict {verdict!r} is not one glued value"
            )


def test_claims_rows_rejects_a_section_out_of_form(tmp_path):
    page = tmp_path / "99-bad.md"
    page.write_text("# Bad\n\n## Claims checked\n\n| Seed | Claim |\n| --- | --- |\n")
    with pytest.raises(ValueError, match="must start"):
        claims_appendix.claims_rows(page)
    page.write_text("# Bad\n\n## Claims checked\n\n" + claims_appendix.HEADER)
    with pytest.raises(ValueError, match="no rows"):
        claims_appendix.claims_rows(page)
    page.write_text("# Bad\n\n## Claims checked\n\ntext\n\n## Later\n")
    with pytest.raises(ValueError, match="not the last section"):
        claims_appendix.claims_rows(page)


@pytest.mark.slow
def test_appendix_and_chapters_agree(built_book):
    book_dir, result = built_book
    assert result.returncode == 0, describe(result)
    html = book_dir / "_build" / "html"

    chapter_rows = Counter()
    for source in CHAPTERS:
        page = html / "chapters" / f"{source.stem}.html"
        header, rows = claims_table(page)
        assert header == ["Seed", "Claim", "Measured", "Verdict"], source.name
        for row in rows:
            seed, claim, measured, verdict = (cell["text"] for cell in row)
            assert verdict in VERDICTS, f"{source.name}: verdict {verdict!r}"
            assert measured, f"{source.name}: empty measurement for {claim}"
            target = f"../chapters/{source.stem}.html#claims-checked"
            chapter_rows[(seed, claim, measured, verdict, target)] += 1

    header, rows = claims_table(html / "appendix" / "claims.html")
    assert header == ["Seed", "Claim", "Measured", "Verdict", "Checked in"]
    appendix_rows = Counter()
    for row in rows:
        seed, claim, measured, verdict, _ = (cell["text"] for cell in row)
        links = row[4]["links"]
        assert len(links) == 1, f"appendix row {claim}: links {links}"
        appendix_rows[(seed, claim, measured, verdict, links[0])] += 1

    missing = chapter_rows - appendix_rows
    extra = appendix_rows - chapter_rows
    assert not missing and not extra, (
        f"in a chapter but not in the appendix: {sorted(missing)}\n"
        f"in the appendix but in no chapter: {sorted(extra)}"
    )
    seeds = [row[0]["text"] for row in rows]
    assert seeds == sorted(seeds), "the appendix is not sorted by seed"


FIVE_COLUMNS = "| Seed | Claim | Measured | Verdict | Checked in |"
CHECKED_IN = re.compile(r"\{ref\}`§[\d.]+ <(?P<label>[\w-]+)>`")


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda path: path.stem)
def test_each_claim_links_to_the_cell_that_measures_it(source):
    """'Checked in' is a {ref} to a target placed right before a code cell."""
    text = source.read_text(encoding="utf-8")
    section = text.split("## Claims checked\n", 1)[1]
    lines = [line.strip() for line in section.splitlines() if line.startswith("|")]
    if lines[0] != FIVE_COLUMNS:
        pytest.skip(f"{source.name} is not in the five-column form yet")
    prefix = f"ch{int(source.stem[:2])}-claim-"
    for line in lines[2:]:
        match = CHECKED_IN.fullmatch(line.rsplit("|", 2)[1].strip())
        assert match, f"{source.name}: 'Checked in' of {line!r} is not a {{ref}}"
        label = match["label"]
        assert label.startswith(prefix), f"{source.name}: {label} lacks {prefix}"
        assert f"\n({label})=\n```{{code-cell}}" in text, (
            f"{source.name}: no target ({label})= right before a code cell"
        )
