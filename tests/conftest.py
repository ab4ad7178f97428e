import os

import pytest
from bookbuild import build_copy
from browserlib import require_chromium
from hypothesis import HealthCheck, settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# mpmath makes each example slow-ish; the CI machine has 2 cores.
settings.register_profile(
    "course",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("course")


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """A copy of the book, built once per session with ``make book``'s flags.

    Returns (book_dir, completed_process). The HTML tests and the browser
    tests share this one build: it is the most expensive step of the suite.
    """
    book_dir = tmp_path_factory.mktemp("book") / "course"
    return book_dir, build_copy(book_dir)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright (see browserlib)."""
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(path))
        yield chromium
        chromium.close()
