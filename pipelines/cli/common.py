"""Shared CLI plumbing: bad input exits with status 2 and a one-line reason on stderr."""

import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from data.errors import ConfigError, InputError, ModelMissingError

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


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yields (line number, object) for every non-blank line; bad JSON is an InputError."""
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the with below; only the open may fail here
    except OSError as error:
        raise InputError(path, None, None, f"cannot open: {error.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(path, number, None, f"invalid JSON: {error.msg}") from None
            if not isinstance(obj, dict):
                raise InputError(path, number, None, "expected a JSON object")
            yield number, obj


def read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        raise InputError(path, None, None, f"cannot open: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise InputError(path, error.lineno, None, f"invalid JSON: {error.msg}") from None


def emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
