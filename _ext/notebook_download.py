"""Sphinx extension: every notebook page offers its ``.ipynb`` for download.

sphinx-book-theme puts an ``.ipynb`` link in a page's download menu only when
a launch service (Binder, JupyterHub, Colab, ...) is configured, and this
book links to none: it works offline. This extension does what the theme
does in that case, for every page that is a notebook: it copies the executed
notebook MyST-NB wrote (``_build/jupyter_execute/<page>.ipynb``, outputs
included) next to the page's ``.md`` source in ``_sources/``, where the
theme's download menu links to both.
"""

import shutil
from pathlib import Path


def offer_notebook(app, pagename, templatename, context, doctree):
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        raise FileNotFoundError(f"{pagename}: no executed notebook at {executed}")
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    # Before the theme builds its header buttons (priority 501).
    app.connect("html-page-context", offer_notebook, priority=500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
