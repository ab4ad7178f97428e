"""Sphinx extension: the execution-statistics table says its status in words.

MyST-NB's ``{nb-exec-table}`` marks each notebook's status with the emoji
"✅" or "❌". A reader without an emoji font sees an empty box, and a screen
reader reads out "check mark button". This post-transform runs right after
MyST-NB has built the table (its transform has priority 8) and writes
"ran" and "failed" instead.
"""

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

WORDS = {"✅": "ran", "❌": "failed"}


class StatusInWords(SphinxPostTransform):
    default_priority = 9  # after MyST-NB's table (8), before references (10)

    def run(self, **kwargs):
        for entry in self.document.findall(nodes.entry):
            for text in list(entry.findall(nodes.Text)):
                if str(text) in WORDS:
                    text.parent.replace(text, nodes.Text(WORDS[str(text)]))


def setup(app):
    app.add_post_transform(StatusInWords)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
