"""The built book as a reader gets it: every page in headless Chromium.

The book (built once per session, see ``conftest.py``) is served from a
local HTTP server. Every page of the table of contents, the search page and
the index must load with no console error or warning, no failed request and
no request to any other host; every formula must be typeset by MathJax,
every image loaded and described by alt text, and axe-core must find no
accessibility violation of any impact. The search page must find a word of
every chapter's title on that chapter's page. One chapter is also checked in
dark mode and in a phone-width window. On every chapter, on a desktop and
on a phone, no printed output runs past its box and no display formula is
cut off, and every figure's text is drawn at least
``autograder.book.MIN_TEXT_PX`` pixels tall; the claims tables read as one
card per row on a phone. Every notebook page offers itself for download as
``.ipynb`` (executed) and ``.md`` (its source), from the book's own server.
"""

import functools
import http.server
import re
import threading

import nbformat
import pytest
from axe_playwright_python.sync_playwright import Axe
from bookbuild import (
    ROOT,
    describe,
    notebook_pages,
    page_title,
    toc_chapters,
    toc_files,
)
from browserlib import CLAIMS_ON_A_PHONE, CLIPPED, FIGURE_TEXT, Watch, save_failure
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from autograder.book import MIN_TEXT_PX

pytestmark = pytest.mark.slow

PAGES = [f"{page}.html" for page in toc_files()] + ["search.html", "genindex.html"]
CHAPTERS = toc_chapters()
# A page that takes longer than this to settle is a failure in itself.
LOAD_TIMEOUT_MS = 30_000
PHONE = {"width": 375, "height": 740}
NO_CONTRAST = {"rules": {"color-contrast": {"enabled": False}}}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def book_url(built_book):
    """The built book served on a free local port; yields its base URL."""
    book_dir, result = built_book
    assert result.returncode == 0, describe(result)
    handler = functools.partial(QuietHandler, directory=book_dir / "_build" / "html")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def axe():
    return Axe()


# MathJax typesets after the load event; its startup promise settles when
# every formula of the page is done (or has failed).
WAIT_FOR_MATHJAX = """async () => {
  if (window.MathJax && window.MathJax.startup) {
    await window.MathJax.startup.promise;
  }
}"""

# Every formula Sphinx wrote (class "math") must hold MathJax's output and
# no error; every image must be loaded (lazy ones are loaded first) and
# carry alt text.
INSPECT = """async () => {
  const formulas = Array.from(document.querySelectorAll(".math"));
  const images = Array.from(document.images);
  for (const image of images) {
    image.loading = "eager";
    await image.decode().catch(() => null);
  }
  return {
    formulas: formulas.length,
    untypeset: formulas
      .filter((f) => !f.querySelector("mjx-container"))
      .map((f) => f.textContent.slice(0, 80)),
    mathErrors: document.querySelectorAll("mjx-merror").length,
    images: images.map((image) => ({
      src: image.getAttribute("src"),
      alt: (image.getAttribute("alt") || "").trim(),
      loaded: image.complete && image.naturalWidth > 0,
    })),
  };
}"""


def open_page(browser, base, path, **context_options):
    """Open base + path in a fresh context; return (context, page, watch)."""
    context = browser.new_context(**context_options)
    watch = Watch(context, base)
    page = context.new_page()
    page.goto(base + path, wait_until="networkidle", timeout=LOAD_TIMEOUT_MS)
    page.evaluate(WAIT_FOR_MATHJAX)
    return context, page, watch


def page_problems(page, watch, axe, axe_options=None):
    """Everything wrong with an open page, as sentences (empty when fine)."""
    found = page.evaluate(INSPECT)
    problems = list(watch.problems)
    problems += [f"request to another host: {url}" for url in watch.outside]
    problems += [f"formula not typeset: {text!r}" for text in found["untypeset"]]
    if found["mathErrors"]:
        problems.append(f"{found['mathErrors']} MathJax errors")
    for image in found["images"]:
        if not image["loaded"]:
            problems.append(f"image not loaded: {image['src']}")
        if not image["alt"]:
            problems.append(f"image without alt text: {image['src']}")
    options = {"resultTypes": ["violations"], **(axe_options or {})}
    for violation in axe.run(page, options=options).response["violations"]:
        targets = [node["target"] for node in violation["nodes"]]
        problems.append(
            f"axe {violation['impact']} {violation['id']}: {violation['help']} "
            f"at {targets[:5]}"
        )
    return problems, found


def check(page, watch, name, problems):
    """Fail with the problems, a screenshot and the console log."""
    if problems:
        where = save_failure(page, name, problems + ["", "console:"] + watch.console)
        pytest.fail(f"{name}:\n" + "\n".join(problems) + "\n" + where)


@pytest.mark.parametrize("path", PAGES)
def test_page_is_clean_in_a_browser(browser, book_url, axe, path):
    context, page, watch = open_page(browser, book_url, path)
    try:
        problems, found = page_problems(page, watch, axe)
        if path.startswith("chapters/") and not found["formulas"]:
            problems.append("a chapter without a single formula: is MathJax on?")
        check(page, watch, path, problems)
    finally:
        context.close()


def search_word(chapter):
    """The longest word of the chapter's title: a word the chapter has."""
    words = re.findall(r"[A-Za-z]{4,}", page_title(chapter))
    assert words, f"{chapter.name}: no word of four letters in its title"
    return max(words, key=len).lower()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_search_finds_every_chapter(browser, book_url, chapter):
    word = search_word(chapter)
    context, page, watch = open_page(browser, book_url, f"search.html?q={word}")
    try:
        summary = page.locator("#search-results .search-summary")
        summary.wait_for(timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function(
            "() => !document.querySelector('#search-results .search-summary')"
            ".textContent.includes('Preparing')",
            timeout=LOAD_TIMEOUT_MS,
        )
        links = page.locator("#search-results ul.search li a").evaluate_all(
            "links => links.map((a) => a.getAttribute('href'))"
        )
        problems = list(watch.problems)
        target = f"chapters/{chapter.stem}.html"
        if not any(target in (href or "") for href in links):
            problems.append(f"searching {word!r} does not find {target}: {links}")
        check(page, watch, f"search-{chapter.stem}", problems)
    finally:
        context.close()


def test_first_chapter_in_dark_mode(browser, book_url, axe):
    path = f"chapters/{CHAPTERS[0].stem}.html"
    # A reader whose system prefers dark gets the dark theme on first visit.
    context, page, watch = open_page(browser, book_url, path, color_scheme="dark")
    try:
        problems, _ = page_problems(page, watch, axe)
        theme = page.evaluate("document.documentElement.dataset.theme")
        if theme != "dark":
            problems.append(f"the page's theme is {theme!r}, not 'dark'")
        check(page, watch, f"dark-{CHAPTERS[0].stem}", problems)
    finally:
        context.close()


def test_first_chapter_on_a_phone(browser, book_url, axe):
    path = f"chapters/{CHAPTERS[0].stem}.html"
    context, page, watch = open_page(
        browser, book_url, path, viewport=PHONE, is_mobile=True, has_touch=True
    )
    try:
        # Colour contrast is axe's slowest rule by far (half a minute on a
        # long chapter); a phone gets the same colours as the page checked
        # above, so here axe checks everything else.
        problems, _ = page_problems(page, watch, axe, NO_CONTRAST)
        # The page itself never scrolls sideways (wide code and tables
        # scroll inside their own boxes).
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"
        )
        if overflow > 1:
            problems.append(f"the page is {overflow}px wider than the phone")
        # The table of contents hides behind its button and opens from it.
        # On a phone the theme moves it into a modal dialog.
        navigation = page.locator("#pst-primary-sidebar-modal")
        if navigation.is_visible():
            problems.append("the navigation covers the page on a phone")
        page.locator("button.primary-toggle:visible").first.click()
        try:
            navigation.locator("a.reference").first.wait_for(timeout=5_000)
        except PlaywrightTimeoutError:
            problems.append("the navigation button does not open the navigation")
        check(page, watch, f"phone-{CHAPTERS[0].stem}", problems)
    finally:
        context.close()


NOTEBOOK_PAGES = notebook_pages()
NOTEBOOK_IDS = [source.relative_to(ROOT).as_posix() for source in NOTEBOOK_PAGES]


@pytest.mark.parametrize("source", NOTEBOOK_PAGES, ids=NOTEBOOK_IDS)
def test_notebook_page_downloads_as_ipynb_and_md(browser, book_url, source):
    page_path = source.relative_to(ROOT).with_suffix(".html").as_posix()
    context, page, watch = open_page(browser, book_url, page_path)
    try:
        menu = page.locator(".dropdown-download-buttons a")
        links = menu.evaluate_all("links => links.map((a) => a.href)")
        problems = list(watch.problems)
        by_suffix = {link.rsplit(".", 1)[-1]: link for link in links}
        for suffix in ("ipynb", "md"):
            if suffix not in by_suffix:
                problems.append(f"no .{suffix} in the download menu: {links}")
        if "md" in by_suffix:
            response = page.request.get(by_suffix["md"])
            if response.text() != source.read_text(encoding="utf-8"):
                problems.append(f".md download differs from {source.name}")
        if "ipynb" in by_suffix:
            response = page.request.get(by_suffix["ipynb"])
            notebook = nbformat.reads(response.text(), as_version=4)
            nbformat.validate(notebook)
            outputs = sum(len(c.get("outputs", [])) for c in notebook.cells)
            if not outputs:
                problems.append(".ipynb download has no outputs")
        problems += [f"request to another host: {url}" for url in watch.outside]
        check(page, watch, f"downloads-{source.stem}", problems)
    finally:
        context.close()


SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_nothing_is_cut_off(browser, book_url, chapter, screen):
    phone = screen == "phone"
    context, page, watch = open_page(
        browser,
        book_url,
        f"chapters/{chapter.stem}.html",
        viewport=SCREENS[screen],
        is_mobile=phone,
        has_touch=phone,
    )
    try:
        problems = page.evaluate(CLIPPED)
        check(page, watch, f"cut-off-{screen}-{chapter.stem}", problems)
    finally:
        context.close()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_figure_text_is_legible(browser, book_url, chapter):
    context, page, watch = open_page(
        browser, book_url, f"chapters/{chapter.stem}.html", viewport=SCREENS["desktop"]
    )
    try:
        figures = page.evaluate(FIGURE_TEXT)
        problems = [] if figures else ["no SVG figure with text found"]
        problems += [
            f"{figure['src']}: smallest text {figure['px']:.1f}px < {MIN_TEXT_PX}px"
            for figure in figures
            if figure["px"] < MIN_TEXT_PX
        ]
        check(page, watch, f"figure-text-{chapter.stem}", problems)
    finally:
        context.close()


@pytest.mark.parametrize(
    "path", ["appendix/claims.html", f"chapters/{CHAPTERS[0].stem}.html"]
)
def test_claims_table_reads_on_a_phone(browser, book_url, path):
    context, page, watch = open_page(
        browser, book_url, path, viewport=PHONE, is_mobile=True, has_touch=True
    )
    try:
        page.locator("#claims-checked").scroll_into_view_if_needed()
        problems = page.evaluate(CLAIMS_ON_A_PHONE)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"
        )
        if overflow > 1:
            problems.append(f"the page is {overflow}px wider than the phone")
        check(page, watch, f"claims-phone-{path}", problems)
    finally:
        context.close()
