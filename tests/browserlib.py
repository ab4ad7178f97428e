"""Debian's chromium, driven by Playwright, for the browser and Lab tests.

Playwright's own browser download is never used: the tests drive the
system's ``chromium`` (``apt-get install -y chromium``; ``.ci/run`` installs
it when it is missing). Without it the tests are skipped on a developer's
machine and fail under CI, saying how to install it.

A failing test saves a screenshot and the browser's console log under
``_build/test-failures/`` and names both files in its message.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAILURES = ROOT / "_build" / "test-failures"
INSTALL_HINT = (
    "Debian's chromium is needed: `apt-get install -y chromium` "
    "(as root; .ci/run installs it when it is missing), or set CHROMIUM to "
    "the path of a Chromium binary."
)


def chromium_path():
    """The Chromium binary to drive, or None when there is none."""
    wanted = os.environ.get("CHROMIUM") or "chromium"
    found = shutil.which(wanted)
    return Path(found) if found else None


def require_chromium():
    """The Chromium binary; skip without one, except under CI, which fails."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    return path


class Watch:
    """Everything a page logs or requests that a reader should never meet.

    ``base`` is the local server's address; a request anywhere else is
    recorded and aborted, so a page that needs another host fails here even
    on a machine that is online.
    """

    def __init__(self, context, base):
        self.base = base
        self.console = []  # every console message, for the failure log
        self.problems = []  # console errors and warnings, failed requests
        self.outside = []  # requests to any host but the local server
        context.route("**/*", self._route)
        context.on("page", self.attach)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def attach(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message):
        line = f"{message.type}: {message.text} ({message.location.get('url')})"
        self.console.append(line)
        if message.type in ("error", "warning"):
            self.problems.append(line)

    def _failed(self, request):
        if request.url.startswith(self.base):
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


def save_failure(page, name, lines):
    """Save a screenshot and a log of ``page``; return a sentence naming them."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    shot = FAILURES / f"{stem}.png"
    log = FAILURES / f"{stem}.log"
    try:
        page.screenshot(path=shot, full_page=True)
    except Exception as error:  # a crashed page still gets its log saved
        shot = f"(no screenshot: {error})"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"screenshot: {shot}\nconsole log: {log}"


# Everything the reader's page must not cut off (``_static/reader.css``):
# printed output wraps inside its box, display math fits the article column
# or scrolls inside its own box. Returns one sentence per problem.
CLIPPED = """() => {
  const problems = [];
  const short = (el) =>
    (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
  const article = document.querySelector("article.bd-article") || document.body;
  const edge = article.getBoundingClientRect().right;
  for (const pre of document.querySelectorAll("div.cell_output pre, div.output pre")) {
    const excess = pre.scrollWidth - pre.clientWidth;
    if (excess > 1) {
      problems.push(`output runs ${excess}px past its box: ${short(pre)}`);
    }
  }
  for (const math of document.querySelectorAll('mjx-container[display="true"]')) {
    const excess = math.scrollWidth - math.clientWidth;
    const scrolls = ["auto", "scroll"].includes(getComputedStyle(math).overflowX);
    if (excess > 1 && !scrolls) {
      problems.push(`display math clipped by ${excess}px: ${short(math)}`);
    }
    const past = math.getBoundingClientRect().right - edge;
    if (past > 1) {
      problems.push(`display math reaches ${Math.round(past)}px past the column`);
    }
  }
  return problems;
}"""

# The smallest text of every SVG figure, in CSS pixels as drawn. Matplotlib
# draws text as glyph paths in groups scaled by font size / 100
# (``scale(0.09 -0.09)`` is 9 pt) in a view box measured in points; the
# image's drawn width over the view box's width turns points into pixels.
# Sub- and superscripts of mathematical text (70% of their line) are not
# counted.
FIGURE_TEXT = """async () => {
  const found = [];
  for (const image of document.images) {
    const src = image.getAttribute("src") || "";
    if (!src.endsWith(".svg")) continue;
    image.loading = "eager";
    await image.decode().catch(() => null);
    const svg = await (await fetch(image.src)).text();
    const box = svg.match(/viewBox="[-\\d.]+ [-\\d.]+ ([\\d.]+)/);
    const groups = svg.matchAll(/scale\\(([\\d.]+) -\\1\\)/g);
    const sizes = Array.from(groups, (m) => 100 * m[1]);
    const width = image.getBoundingClientRect().width;
    if (!box || !sizes.length || !width) continue;
    found.push({src, px: (Math.min(...sizes) * width) / parseFloat(box[1])});
  }
  return found;
}"""

# The claims table at phone width: each row a card as wide as the page, and
# nothing wider than the page.
CLAIMS_ON_A_PHONE = """() => {
  const table = document.querySelector("#claims-checked table");
  if (!table) return ["no table in the section 'Claims checked'"];
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (table.getBoundingClientRect().right > width + 1) {
    problems.push(`the claims table reaches past the page (${width}px)`);
  }
  const cells = Array.from(table.querySelectorAll("tbody td"));
  const narrow = cells.filter((td) => td.getBoundingClientRect().width < width / 2);
  if (narrow.length) {
    problems.push(
      `${narrow.length} of ${cells.length} cells are under half the page wide`
    );
  }
  return problems;
}"""
