"""Shared CLI plumbing: bad input exits with status 2 and a one-line reason on stderr."""

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import typer

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
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except ModelMissingError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
