"""``.. click-help:: deepbiop encode``: the ``--help`` text of a command, read
from the command line's click objects when the docs are built, so the pages
never disagree with the code.
"""

from __future__ import annotations

import click
from docutils import nodes
from sphinx.util.docutils import SphinxDirective

# the width the pages show (click wraps the help text to it)
_WIDTH = 88


def _help_text(words: list[str]) -> str:
    from deepbiop.cli import cli

    command = cli
    ctx = click.Context(cli, info_name=words[0], terminal_width=_WIDTH, max_content_width=_WIDTH)
    for word in words[1:]:
        sub = command.get_command(ctx, word)
        if sub is None:
            raise ValueError(f"no command {' '.join(words)!r}")
        ctx = click.Context(
            sub, info_name=word, parent=ctx, terminal_width=_WIDTH, max_content_width=_WIDTH
        )
        command = sub
    return command.get_help(ctx)


class ClickHelp(SphinxDirective):
    """Render ``COMMAND [SUBCOMMAND] --help`` as a literal block."""

    required_arguments = 1
    optional_arguments = 5
    has_content = False

    def run(self):
        words = list(self.arguments)
        try:
            text = _help_text(words)
        except Exception as exc:  # noqa: BLE001 - reported as a Sphinx warning with its place
            return [self.state.document.reporter.warning(str(exc), line=self.lineno)]
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_directive("click-help", ClickHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
