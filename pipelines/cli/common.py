"""Shared CLI plumbing: bad input exits with status 2 and a one-line reason on stderr."""

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import typer
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from data.errors import ConfigError, InputError, ModelMissingError
from data.textinput import iter_jsonl, read_json  # noqa: F401 - the commands' readers

EXIT_BAD_INPUT = 2


def run_cli(func: Callable) -> Callable:
    """Wraps a command so InputError/ConfigError become exit 2 with the reason on stderr."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (InputError, ConfigError) as error:
            typer.echo(f"error: {one_line(str(error))}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except ModelMissingError as error:
            typer.echo(f"error: {one_line(str(error))}", err=True)
            raise typer.Exit(1) from None

    return wrapper


# Every character str.splitlines() breaks at: a reason that quotes the input keeps one line.
_LINE_BREAKS = {ord(c): ascii(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(text: str) -> str:
    return text.translate(_LINE_BREAKS)


class OneLineErrors(TyperGroup):
    """Usage errors (a missing option, a value of the wrong type) as one line on stderr, exit 2,
    like every other bad input."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as error:
            error.show()
            sys.exit(error.exit_code)
        except click_errors.ClickException as error:
            where = f" (see {error.ctx.command_path} --help)" if getattr(error, "ctx", None) else ""
            message = " ".join(error.format_message().split())
            typer.echo(f"error: {message}{where}", err=True)
            sys.exit(error.exit_code)
        except typer.Abort:
            typer.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def check_range(option: str, value: int, low: int, high: int) -> None:
    """An absurd number for an option is bad input, not a run that never ends."""
    if not low <= value <= high:
        raise InputError(option, None, None, f"{value} is outside {low}..{high}")


def emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
