import os

import pytest
from bookbuild import build_copy
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
