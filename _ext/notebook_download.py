"""Sphinx extension: every notebook page offers its ``.ipynb`` for download.

sphinx-book-theme puts an ``.ipynb`` link in a page's download menu only when
a launch service (Binder, JupyterHub, Colab, ...) is configured, and this
book links to none: it works offline. This extension does what the theme
does in that case, for every page that is a notebook, and better: the
notebook MyST-NB wrote (``_build/jupyter_execute/<page>.ipynb``) holds no
outputs, so they are merged in from the execution cache, and the notebook
goes next to the page's ``.md`` source in ``_sources/``, where the theme's
download menu links to both. A reader gets the chapter as it was run for the
book, figures and printed values included.
"""

from pathlib import Path

import nbformat
from jupyter_cache import get_cache


def offer_notebook(app, pagename, templatename, context, doctree):
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        raise FileNotFoundError(f"{pagename}: no executed notebook at {executed}")
    cache_path = app.config.nb_execution_cache_path or (
        Path(app.outdir).parent / ".jupyter_cache"
    )
    notebook = nbformat.read(executed, as_version=4)
    # Raises KeyError when the cache holds no run of this exact notebook.
    _, notebook = get_cache(cache_path).merge_match_into_notebook(notebook)
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    # Before the theme builds its header buttons (priority 501).
    app.connect("html-page-context", offer_notebook, priority=500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
