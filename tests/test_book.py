"""Build the book the way ``make book`` does and check what a reader gets.

The book is copied into a temporary directory and built there once per test
session, with the strict flags of ``make book`` (the ``built_book`` fixture
of ``conftest.py``, shared with the browser tests). The tests then read the
HTML: no TensorFlow log lines or tracebacks on the page, and every figure
with alt text and a caption; the execution statistics say their status in
words, not emoji; the instructor's guide shows docstrings rendered, not
their reST markup. A second build of the same tree must take every notebook
from the execution cache instead of running it again.
"""

from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from bookbuild import ROOT, describe, notebook_pages, run_build

# Text that only TensorFlow's C++ logging (or a failed cell) would put on a
# page. Compared case-insensitively.
FORBIDDEN_ON_PAGE = [
    "cuda",
    "onednn",
    "absl",
    "cpu_feature_guard",
    "tensorflow/core",
    "tf_cpp_min_log_level",
    "traceback",
]


def chapter_files():
    return sorted((ROOT / "chapters").glob("*.md"))


def chapter_html(path):
    """Where the built book puts the page of the chapter at ``path``."""
    return Path("_build", "html", "chapters", path.stem + ".html")


CHAPTERS = [pytest.param(path, id=path.stem) for path in chapter_files()]


class FigureParser(HTMLParser):
    """Collect the images of a page and the figures around them."""

    def __init__(self):
        super().__init__()
        self.figures = []  # dicts: id, alts, caption
        self.loose_images = []  # content images outside any figure
        self._figure = None
        self._in_caption = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._figure = {"id": attrs.get("id"), "alts": [], "caption": ""}
        elif tag == "figcaption" and self._figure is not None:
            self._in_caption += 1
        elif tag == "img" and "_images/" in (attrs.get("src") or ""):
            if self._figure is None:
                self.loose_images.append(attrs.get("src"))
            else:
                self._figure["alts"].append(attrs.get("alt") or "")

    def handle_endtag(self, tag):
        if tag == "figcaption" and self._in_caption:
            self._in_caption -= 1
        elif tag == "figure" and self._figure is not None:
            self.figures.append(self._figure)
            self._figure = None

    def handle_data(self, data):
        if self._in_caption and self._figure is not None:
            self._figure["caption"] += data


def built_page(built_book, path):
    """The HTML of the built book's page at ``path`` (under _build/html)."""
    book_dir, result = built_book
    assert result.returncode == 0, describe(result)
    return (book_dir / "_build" / "html" / path).read_text(encoding="utf-8")


@pytest.mark.slow
def test_execution_statistics_need_no_emoji_font(built_book):
    text = built_page(built_book, "appendix/execution.html")
    assert "✅" not in text and "❌" not in text
    assert "<p>ran</p>" in text, "no notebook's status reads 'ran'"


@pytest.mark.slow
def test_instructors_guide_renders_docstrings(built_book):
    text = built_page(built_book, "guide/instructors.html")
    for markup in ("``", ":func:`", ":mod:`", "::\n"):
        assert markup not in text, f"raw reST {markup!r} on the guide's page"
    assert "<code" in text and "launcher()" in text


@pytest.mark.slow
def test_book_builds_strictly(built_book):
    book_dir, result = built_book
    assert result.returncode == 0, describe(result)
    for path in chapter_files():
        assert (book_dir / chapter_html(path)).is_file(), path.name
    assert (book_dir / "_build" / "html" / "intro.html").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_has_no_logs_or_tracebacks(built_book, chapter):
    book_dir, result = built_book
    assert result.returncode == 0, describe(result)
    page = (book_dir / chapter_html(chapter)).read_text(encoding="utf-8").lower()
    found = [text for text in FORBIDDEN_ON_PAGE if text in page]
    assert not found, f"{chapter.name} contains {found}"
    # A glued value that failed to resolve would leave an empty span.
    assert '<span class="pasted-text"></span>' not in page


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_mathematics_renders_without_a_network(built_book, chapter):
    book_dir, result = built_book
    assert result.returncode == 0, describe(result)
    page = (book_dir / chapter_html(chapter)).read_text(encoding="utf-8")
    assert 'src="../_static/mathjax/tex-chtml.js"' in page
    assert "cdn.jsdelivr.net/npm/mathjax" not in page
    assert (
        book_dir / "_build" / "html" / "_static" / "mathjax" / "tex-chtml.js"
    ).is_file()


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_has_alt_text_and_caption(built_book, chapter):
    book_dir, result = built_book
    assert result.returncode == 0, describe(result)
    parser = FigureParser()
    parser.feed((book_dir / chapter_html(chapter)).read_text(encoding="utf-8"))
    assert parser.figures, "the chapter has no figures"
    assert not parser.loose_images, f"images without a figure: {parser.loose_images}"
    for figure in parser.figures:
        assert figure["alts"], f"figure {figure['id']} has no image"
        for alt in figure["alts"]:
            assert alt.strip(), f"figure {figure['id']} has an image without alt text"
        caption = " ".join(figure["caption"].split())
        # Sphinx puts "Fig. 1.1" in the caption; there must be more than that.
        assert len(caption.split(maxsplit=2)) > 2, (
            f"figure {figure['id']} has no caption: {caption!r}"
        )


@pytest.mark.slow
def test_second_build_executes_nothing(built_book):
    book_dir, result = built_book
    assert result.returncode == 0, describe(result)
    first_log = result.stdout + result.stderr
    assert "Executing notebook" in first_log, "the first build ran no notebook"

    # `make book` again: every page is read again (--all), and each notebook
    # must come from the jupyter-cache rather than a kernel.
    again = run_build(book_dir)
    assert again.returncode == 0, describe(again)
    log = again.stdout + again.stderr
    assert "Executing notebook" not in log, log
    assert "Executed notebook" not in log, log
    assert log.count("Using cached notebook") == len(notebook_pages()), log


def test_chapters_are_text_notebooks_without_outputs():
    files = chapter_files()
    assert files, "no chapters found"
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("---\n"), f"{path.name} has no front matter"
        header = yaml.safe_load(text.split("---\n", 2)[1])
        representation = header["jupytext"]["text_representation"]
        assert representation["format_name"] == "myst", path.name
        assert header["kernelspec"]["name"] == "python3", path.name
        assert "```{code-cell}" in text, f"{path.name} has no code cells"
        # Only pages in the table of contents are built.
        assert f"chapters/{path.stem}" in toc, f"{path.name} is not in _toc.yml"
    # Notebooks in .ipynb form, if any are ever added, must be stored clean.
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, f"{path.name} stores outputs"
                assert cell.execution_count is None, f"{path.name} stores counts"
