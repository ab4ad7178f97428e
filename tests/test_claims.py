"""The "Claims checked" appendix agrees with every chapter's own section.

Each chapter listed in ``_toc.yml`` ends with a ``## Claims checked`` table
in the fixed form ``| Seed | Claim | Measured | Verdict | Checked in |``,
measurements and verdicts glued from its code, "Checked in" a reference to
the cell that measures the claim. The appendix (``appendix/claims.md``) is
gathered from those tables at build time by ``_ext/claims_appendix.py``.
The first tests run the extension on sample chapters: every way a table can
be out of form, and a claim in two rows, is an error. The last one reads
the built HTML: the appendix must hold exactly the rows of the chapters,
with the same rendered measurements and verdicts, each naming its seed
documents and linking to the cell that measures it.
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
        for _seeds, claim, measured, verdict, _checked_in in rows:
            assert claim.startswith('"'), f"{source.name}: claim {claim!r} unquoted"
            # Measurements and verdicts come from the chapter's code.
            assert "{glue" in measured, f"{source.name}: {measured!r} not glued"
            assert claims_appendix.GLUE.fullmatch(verdict), (
                f"{source.name}: verdict {verdict!r} is not one glued value"
            )


CHAPTER = """# Sample

(ch7-claim-range)=
```{code-cell} ipython3
glue("range", "in (0, 1)")
```

(ch7-claim-peak)=

```{code-cell} ipython3
glue("peak", 0.25)
```

(ch7-claim-text)=
Not a code cell.

## Claims checked

| Seed | Claim | Measured | Verdict | Checked in |
| --- | --- | --- | --- | --- |
"""
CHAPTER += (
    '| 000, 003 | "maps to (0, 1)" | {glue:text}`range` | {glue:text}`v_range` '
    "| {ref}`§7.1 <ch7-claim-range>` |\n"
    '| 001 | "peaks at 0.25" | {glue:text}`peak:.2f` | {glue:text}`v_peak` '
    "| {ref}`§7.2 <ch7-claim-peak>` |\n"
)


def sample_book(tmp_path, chapters):
    """A book folder with the given {file name: text} chapters in its toc."""
    (tmp_path / "chapters").mkdir(parents=True)
    entries = []
    for name, text in chapters.items():
        (tmp_path / "chapters" / name).write_text(text, encoding="utf-8")
        entries.append(f"      - file: chapters/{name.removesuffix('.md')}")
    toc = "root: intro\nparts:\n  - caption: C\n    chapters:\n"
    (tmp_path / "_toc.yml").write_text(toc + "\n".join(entries) + "\n")
    return tmp_path


def test_claims_rows_reads_seeds_and_measuring_cells(tmp_path):
    book = sample_book(tmp_path, {"07-sample.md": CHAPTER})
    rows = claims_appendix.claims_rows(book / "chapters" / "07-sample.md")
    assert [row[0] for row in rows] == ["000, 003", "001"]
    assert rows[1][4] == "{ref}`§7.2 <ch7-claim-peak>`"


def test_appendix_names_documents_and_links_to_measuring_cells(tmp_path):
    book = sample_book(tmp_path, {"07-sample.md": CHAPTER})
    table = claims_appendix.appendix_table(book).splitlines()
    assert table[0] == claims_appendix.HEADER
    first, second = table[2], table[3]
    names = claims_appendix.SEEDS
    assert first.startswith(f"| {names['000']} (000); {names['003']} (003) |")
    assert second.startswith(f"| {names['001']} (001) |")
    # Glue reaches into the chapter's data; the link, into its cell.
    assert "{glue:text}`/chapters/07-sample.md::peak:.2f`" in second
    assert "{glue:text}`/chapters/07-sample.md::v_range:s`" in first
    assert first.endswith("| {ref}`Chapter 7, §7.1 <ch7-claim-range>` |")


def test_appendix_sorts_by_seed_then_chapter(tmp_path):
    other = CHAPTER.replace("ch7-", "ch8-").replace("§7.", "§8.")
    other = other.replace('"maps to (0, 1)"', '"is smooth"')
    other = other.replace('"peaks at 0.25"', '"is old"').replace("| 001 |", "| 000 |")
    book = sample_book(tmp_path, {"08-other.md": other, "07-sample.md": CHAPTER})
    rows = claims_appendix.appendix_table(book).splitlines()[2:]
    claims = [row.split(" | ")[1] for row in rows]
    # 000 alone, then 000 with 003 (chapter 7 before chapter 8), then 001.
    assert claims == ['"is old"', '"maps to (0, 1)"', '"is smooth"', '"peaks at 0.25"']


def test_a_claim_in_two_rows_fails(tmp_path):
    # The same words in another chapter, with other quotes and spacing.
    other = CHAPTER.replace("ch7-", "ch8-").replace("§7.", "§8.")
    other = other.replace('"peaks at 0.25"', "“Peaks  at 0.25.”")
    other = other.replace('"maps to (0, 1)"', '"is smooth"')
    book = sample_book(tmp_path, {"07-sample.md": CHAPTER, "08-other.md": other})
    with pytest.raises(ValueError, match=r"two rows, 07-sample.md \(001\) and 08"):
        claims_appendix.appendix_table(book)
    # ... and twice in one chapter.
    row = CHAPTER.strip().splitlines()[-1]
    book = sample_book(tmp_path / "one", {"07-sample.md": CHAPTER + row + "\n"})
    with pytest.raises(ValueError, match="two rows"):
        claims_appendix.appendix_table(book)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("| 000, 003 |", "| 000,003 |", "three-digit numbers"),
        ("| 000, 003 |", "| 0 |", "three-digit numbers"),
        ("| 000, 003 |", "| 000, 099 |", "unknown seed 099"),
        ("{ref}`§7.1 <ch7-claim-range>`", "§7.1", "must be one ref"),
        ("<ch7-claim-range>`", "<ch3-claim-range>`", "does not start ch7-"),
        ("<ch7-claim-range>`", "<ch7-claim-text>`", "immediately before a code"),
        ("(ch7-claim-peak)=\n", "(ch7-claim-peak)=\n(ch7-claim-also)=\n", "no target"),
        ("<ch7-claim-range>`", "<ch7-claim-gone>`", "no target"),
        (" | {ref}`§7.2", " {ref}`§7.2", "without 5 cells"),
        ("| Checked in |", "|", "must start"),
    ],
)
def test_claims_rows_rejects_a_row_out_of_form(tmp_path, old, new, message):
    page = tmp_path / "07-bad.md"
    assert old in CHAPTER
    page.write_text(CHAPTER.replace(old, new, 1))
    with pytest.raises(ValueError, match=message):
        claims_appendix.claims_rows(page)


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
    page.write_text("# Bad\n\ntext\n")
    with pytest.raises(ValueError, match="no '## Claims checked'"):
        claims_appendix.claims_rows(page)


@pytest.mark.slow
def test_appendix_and_chapters_agree(built_book):
    book_dir, result = built_book
    assert result.returncode == 0, describe(result)
    html = book_dir / "_build" / "html"
    columns = claims_appendix.COLUMNS

    chapter_rows = Counter()
    for source in CHAPTERS:
        page = html / "chapters" / f"{source.stem}.html"
        text = page.read_text(encoding="utf-8")
        header, rows = claims_table(page)
        assert header == columns, source.name
        for row in rows:
            seeds, claim, measured, verdict, _ = (cell["text"] for cell in row)
            assert verdict in VERDICTS, f"{source.name}: verdict {verdict!r}"
            assert measured, f"{source.name}: empty measurement for {claim}"
            (link,) = row[4]["links"]
            assert link.startswith("#"), f"{source.name}: {claim} links {link}"
            # The target sits on the cell that measures the claim.
            anchor = re.search(rf'<[^>]*id="{link[1:]}"[^>]*>', text)
            assert anchor and "cell" in anchor.group(0), (
                f"{source.name}: {link} is not on a code cell ({anchor})"
            )
            target = f"../chapters/{source.stem}.html{link}"
            chapter_rows[(seeds, claim, measured, verdict, target)] += 1

    header, rows = claims_table(html / "appendix" / "claims.html")
    assert header == columns
    appendix_rows = Counter()
    for row in rows:
        names, claim, measured, verdict, _ = (cell["text"] for cell in row)
        seeds = ", ".join(re.findall(r"\((\d{3})\)", names))
        for seed in seeds.split(", "):
            assert claims_appendix.SEEDS[seed] in names, names
        links = row[4]["links"]
        assert len(links) == 1, f"appendix row {claim}: links {links}"
        appendix_rows[(seeds, claim, measured, verdict, links[0])] += 1

    missing = chapter_rows - appendix_rows
    extra = appendix_rows - chapter_rows
    assert not missing and not extra, (
        f"in a chapter but not in the appendix: {sorted(missing)}\n"
        f"in the appendix but in no chapter: {sorted(extra)}"
    )
    claims = [claims_appendix.claim_key(row[1]["text"]) for row in rows]
    assert len(claims) == len(set(claims)), "a claim in two rows of the appendix"
    seeds = [re.findall(r"\((\d{3})\)", row[0]["text"]) for row in rows]
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
