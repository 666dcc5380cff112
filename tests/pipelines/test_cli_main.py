"""`callscope --help` lists every command without importing any command module; running a command
imports its module and finds the command its `register` adds."""

import subprocess
import sys

import typer
from typer.testing import CliRunner

from pipelines.cli.main import COMMANDS, LazyCommands, app

HEAVY = ("pandas", "torch", "dagster", "duckdb", "sqlalchemy", "pipelines.cli.demo")


def test_help_lists_every_command_without_importing_command_modules():
    probe = (
        "import sys\n"
        "from pipelines.cli.main import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith("[]"), result.stdout[-300:]
    for name in COMMANDS:
        assert name in result.stdout


def test_every_listed_command_is_the_one_its_module_registers():
    group = LazyCommands()
    context = typer.main.get_command(app).make_context("callscope", ["demo"])
    for name in COMMANDS:
        command = group.get_command(context, name)
        assert command is not None
        assert command.name == name
        assert command.callback is not None or getattr(command, "commands", None)


def test_a_command_runs_through_the_lazy_group():
    result = CliRunner().invoke(app, ["demo", "run", "--help"])
    assert result.exit_code == 0
    assert "--days" in result.output
