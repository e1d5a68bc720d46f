"""The ``kb`` command line: thin wrappers that parse arguments, call one library
function and format its result."""

from __future__ import annotations

import click

from kb import __version__
from kb.cli.common import run_main


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kb")
@click.option(
    "--kb",
    "kb_dir",
    default="claims",
    show_default=True,
    envvar="KB_DIR",
    type=click.Path(file_okay=False),
    help="The knowledge-base folder (also $KB_DIR).",
)
@click.pass_context
def cli(ctx: click.Context, kb_dir: str) -> None:
    """kb: a git-native argument-mapping knowledge base."""
    ctx.obj = {"kb_dir": kb_dir}


# Each command group lives in its own module and registers itself on `cli`.
from kb.cli import check as _check  # noqa: E402,F401
from kb.cli import author as _author  # noqa: E402,F401
from kb.cli import query as _query  # noqa: E402,F401
from kb.cli import interchange as _interchange  # noqa: E402,F401


def main() -> None:
    run_main(cli)
