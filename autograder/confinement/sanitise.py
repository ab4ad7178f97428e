"""Make a graded notebook safe to show in a browser, and small enough to.

A learner's notebook is untrusted, and so is everything it shows: an output
of type ``text/html``, ``image/svg+xml`` or ``application/javascript``, or a
Markdown cell with raw HTML in it, would run script in the browser of
whoever opens the feedback page (the learner, the instructor). Two steps
stop that:

1. :func:`bound_outputs`, on the graded notebook before nbgrader renders
   it: every output is kept as plain text (or a PNG/JPEG image) only, and
   cut to a bounded size, so that 100 MB of printing gives a feedback page
   of a few hundred kB;
2. :func:`sanitise_page`, on each HTML page nbgrader wrote: the page is
   rebuilt from an allow-list of tags and attributes (with nh3), every
   script, event handler and ``javascript:`` link removed, and a
   Content-Security-Policy that forbids script and every network fetch is
   put first. The page keeps its text, styles and embedded images, and
   loses MathJax: formulas show as TeX source.
"""

import json

import nbformat
import nh3

MAX_OUTPUT_CHARS = 10_000  # per output: a long traceback fits
MAX_NOTEBOOK_CHARS = 200_000  # all outputs of a notebook together
MAX_IMAGE_CHARS = 1_000_000  # base64 characters of one image
IMAGES = ("image/png", "image/jpeg")

# No script, no request: styles and images must be inline (nbconvert's are).
POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "font-src data:; form-action 'none'; base-uri 'none'"
)
TAGS = nh3.ALLOWED_TAGS | {
    "title", "style", "div", "span", "pre", "code", "img", "table", "thead",
    "tbody", "tr", "th", "td", "p", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"class", "id", "style", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def bound_outputs(path):
    """Keep only plain-text and image outputs of notebook ``path``, cut short.

    Rewrites the notebook in place. Returns the number of outputs changed.
    """
    nb = nbformat.read(path, as_version=4)
    budget = MAX_NOTEBOOK_CHARS
    changed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if budget <= 0:
                kept.append(_note("Further output not shown: too much output."))
                changed += 1
                break
            safe = _safe_output(output, min(budget, MAX_OUTPUT_CHARS))
            changed += safe != output
            budget -= _size(safe)
            kept.append(safe)
        cell.outputs = kept
    if changed:
        nbformat.write(nb, path)
    return changed


def _safe_output(output, limit):
    kind = output.get("output_type")
    if kind == "stream":
        return nbformat.v4.new_output(
            "stream", name=output.get("name", "stdout"), text=_cut(output.text, limit)
        )
    if kind == "error":
        lines, left = [], limit
        for line in output.get("traceback", []):
            if left <= 0:
                lines.append("... (traceback cut short)")
                break
            lines.append(_cut(line, left))
            left -= len(lines[-1])
        return nbformat.v4.new_output(
            "error",
            ename=_cut(output.get("ename", ""), 200),
            evalue=_cut(output.get("evalue", ""), limit),
            traceback=lines,
        )
    data = output.get("data", {})
    safe = {}
    for mime in IMAGES:
        if mime in data and len(data[mime]) <= MAX_IMAGE_CHARS:
            safe[mime] = data[mime]
            break
    if "text/plain" in data:
        safe["text/plain"] = _cut(_text(data["text/plain"]), limit)
    elif not safe and data:
        # Shown as its source, as text: never interpreted by the browser.
        mime = sorted(data)[0]
        safe["text/plain"] = _cut(f"[{mime} output]\n{_text(data[mime])}", limit)
    if kind == "execute_result":
        return nbformat.v4.new_output(
            kind, data=safe, execution_count=output.get("execution_count")
        )
    return nbformat.v4.new_output("display_data", data=safe)


def _text(value):
    if isinstance(value, list):
        return "".join(map(str, value))
    return value if isinstance(value, str) else str(value)


def _cut(text, limit):
    text = _text(text)
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters not shown)"


def _size(output):
    return len(json.dumps(output))


def _note(text):
    return nbformat.v4.new_output("stream", name="stderr", text=text + "\n")


def sanitise_page(path):
    """Rewrite the HTML page ``path`` so that opening it runs no script.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> page = pathlib.Path(tempfile.mkdtemp()) / "p.html"
    >>> _ = page.write_text("<p onclick='x()'>hi<script>alert(1)</script></p>")
    >>> sanitise_page(page)
    >>> "script" in page.read_text().split("</head>")[1], "onclick" in page.read_text()
    (False, False)
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    body = nh3.clean(
        text,
        tags=TAGS,
        clean_content_tags={"script", "noscript", "iframe", "object", "template"},
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "data"},
        strip_comments=True,
    )
    path.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        f"</head><body>\n{body}\n</body></html>\n",
        encoding="utf-8",
    )
