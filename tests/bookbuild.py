"""Build a copy of the book the way ``make book`` does, and list its pages.

One build serves the whole test session (the ``built_book`` fixture in
``conftest.py``): it is the most expensive step of the suite. The HTML tests
(``test_book.py``) and the browser tests (``test_browser.py``) read it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The book's own extension reads the table of contents; the tests read it the
# same way.
sys.path.insert(0, str(ROOT / "_ext"))
import claims_appendix  # noqa: E402

JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
# The whole working tree is copied, as `make book` sees it, less what is
# big or generated.
NOT_COPIED = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__")
STRICT = ["--all", "--warningiserror", "--nitpick", "--keep-going"]
# Build time on two cores is a minute or two; this only stops a hang.
BUILD_TIMEOUT_S = 900


def toc_files(root=ROOT):
    """Every page of the table of contents, in order, as paths without suffix."""
    return claims_appendix.toc_files(root)


def toc_chapters(root=ROOT):
    """The chapter sources, in the order of the table of contents."""
    return [
        root / f"{page}.md" for page in toc_files(root) if page.startswith("chapters/")
    ]


def notebook_pages(root=ROOT):
    """The pages of the table of contents that are notebooks (run at build)."""
    sources = [root / f"{page}.md" for page in toc_files(root)]
    return [
        source
        for source in sources
        if source.is_file()
        and "kernelspec:" in source.read_text(encoding="utf-8").split("\n---", 1)[0]
    ]


def page_title(source):
    """The first level-1 heading of a Markdown page."""
    match = re.search(r"^# (.+)$", source.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{source} has no level-1 heading"
    return match.group(1).strip()


def run_build(book_dir, *extra):
    """Run ``jupyter-book build`` on book_dir; return the completed process."""
    assert JUPYTER_BOOK.exists(), f"jupyter-book not found at {JUPYTER_BOOK}"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    # The chapters import the course's own package. It is installed in the
    # project's environment; this also covers an environment without it.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p
    )
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(book_dir), *STRICT, *extra],
        cwd=book_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )


def describe(result):
    return f"exit {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"


def build_copy(book_dir):
    """Copy the working tree to book_dir, build it; return the process."""
    shutil.copytree(ROOT, book_dir, ignore=NOT_COPIED)
    # Tools leave Markdown files in hidden folders (pytest's cache does);
    # they must not become pages, or warnings about pages outside the toc.
    stray = book_dir / ".pytest_cache" / "README.md"
    stray.parent.mkdir(exist_ok=True)
    stray.write_text("# pytest cache directory\n")
    return run_build(book_dir)
