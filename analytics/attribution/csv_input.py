"""Reads a journeys CSV in ChannelAttribution's layout, naming the line and field of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analytics.attribution.paths import CONVERSIONS, NULL, PATH, VALUE, PathTable
from data.errors import InputError

NUMERIC = (CONVERSIONS, VALUE, NULL)


def read_paths_csv(file: str | Path, sep: str = ">") -> PathTable:  # noqa: C901 - one check per input fault, each naming its line
    """``;``- or ``,``-separated; ``path`` and ``total_conversions`` are required.

    In a ``;``-separated file numbers may use a decimal comma and spaces between thousands,
    as spreadsheets in the Russian locale write them."""
    file = Path(file)
    if len(sep) != 1:
        raise InputError(file, None, None, f"the path separator must be one character, got {sep!r}")
    try:
        with open(file, encoding="utf-8-sig") as handle:
            header = handle.readline()
    except OSError as error:
        raise InputError(file, None, None, f"cannot open: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(file, 1, None, "not UTF-8 text") from None
    if not header.strip():
        raise InputError(
            file, 1, None, "empty file: expected a header line (path, total_conversions, …)"
        )
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        frame = pd.read_csv(
            file, sep=delimiter, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(file, _line_of(error), None, f"unreadable CSV: {error}") from None
    frame.columns = [c.strip() for c in frame.columns]
    for required in (PATH, CONVERSIONS):
        if required not in frame.columns:
            raise InputError(file, 1, required, "missing column")

    def line(row: int) -> int:  # header is line 1
        return int(row) + 2

    empty = frame[PATH].str.replace(sep, "", regex=False).str.strip().eq("")
    if empty.any():
        raise InputError(file, line(np.flatnonzero(empty)[0]), PATH, "path has no channel")
    for column in NUMERIC:
        if column not in frame.columns:
            continue
        text = frame[column].str.strip()
        if delimiter == ";":  # spreadsheet exports in Russian locale: "1 234,50"
            text = text.str.replace(r"[\s\u00a0]", "", regex=True).str.replace(
                ",", ".", regex=False
            )
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() | (numbers < 0) | ~np.isfinite(numbers.fillna(0))
        if bad.any():
            row = np.flatnonzero(bad)[0]
            raise InputError(
                file,
                line(row),
                column,
                f"expected a non-negative number, got {frame[column].iloc[row]!r}",
            )
        frame[column] = numbers
    return PathTable.from_frame(frame, sep=sep)


def _line_of(error: Exception) -> int | None:
    text = str(error)
    marker = "line "
    if marker in text:
        digits = text.split(marker, 1)[1].split(",")[0].split()[0]
        if digits.isdigit():
            return int(digits)
    return None
