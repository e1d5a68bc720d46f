"""The ``kb`` command line: thin wrappers that parse arguments, call one library
function and format its result."""

from __future__ import annotations

import importlib

import click

from kb import __version__
from kb.cli.common import run_main

# Command name -> the module under kb.cli that registers it on `cli`.
COMMAND_MODULES = {
    "check": "check", "schema": "check",
    "add": "author", "link": "author", "unlink": "author", "stance": "author",
    "rm": "author", "mv": "author", "fmt": "author", "recover": "author",
    "set": "author",
    "cruxes": "query", "show": "query", "explain": "query", "search": "query", "list": "query", "path": "query", "stats": "query",
    "export": "interchange", "import": "interchange",
    "site": "site",
    "diff": "diff", "coverage": "coverage",
    "init": "registry", "source": "registry", "person": "registry",
    "cache": "cache",
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command is used.

    The analysis, export and site modules pull in networkx, rich and mkdocs;
    `kb check` (run by editors and pre-commit hooks on every save) should not pay
    for them.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMAND_MODULES:
            importlib.import_module(f"kb.cli.{COMMAND_MODULES[name]}")
        return self.commands.get(name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
@click.option("--no-cache", "no_cache", is_flag=True, envvar="KB_NO_CACHE",
              help="Read and check every file, neither using nor updating the cache (also $KB_NO_CACHE=1).")
@click.pass_context
def cli(ctx: click.Context, kb_dir: str, no_cache: bool) -> None:
    """kb: a git-native argument-mapping knowledge base."""
    ctx.obj = {"kb_dir": kb_dir, "cache": not no_cache}


def main() -> None:
    run_main(cli)
