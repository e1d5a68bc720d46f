"""The command line as a whole: every command reachable, and `kb check` kept light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kb.cli import COMMAND_MODULES, cli
from conftest import REPO


def test_every_command_module_registers_exactly_the_commands_mapped_to_it():
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(f"kb.cli.{module}")
    assert set(cli.commands) == set(COMMAND_MODULES)


def test_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMAND_MODULES:
        assert f"  {name} " in result.output or f"  {name}\n" in result.output, name


def test_check_does_not_import_the_analysis_or_site_stack(base_kb):
    code = (
        "import sys\n"
        "from kb.cli import main\n"
        f"sys.argv = ['kb', '--kb', {str(base_kb)!r}, 'check']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = sorted(m for m in ('networkx', 'rich', 'mkdocs', 'pyvis', 'ruamel') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr


@pytest.mark.parametrize("args", [["--help"], ["add", "--help"], ["link", "--help"], ["init", "--help"],
                                  ["diff", "--help"], ["person", "add", "--help"]])
def test_help_loads_every_command_without_the_models_or_the_editing_library(args):
    """Help is read at the terminal, and tab completion loads the same commands: it must come at once."""
    code = (
        "import sys\n"
        "from kb.cli import main\n"
        f"sys.argv = ['kb', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = sorted(m for m in ('pydantic', 'kb.data.models', 'kb.changes.authoring', 'networkx', 'yaml')\n"
        "               if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr
    assert "Usage: kb" in out.stdout


def test_unknown_command_is_a_usage_error_not_a_traceback():
    result = subprocess.run([sys.executable, "-m", "kb", "chek"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "No such command" in result.stderr
