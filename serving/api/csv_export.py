"""CSV downloads; cells that a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from fastapi.responses import StreamingResponse

_FORMULA_START = ("=", "@", "\t", "\r")


def _looks_like_formula(value: str) -> bool:
    if value.startswith(_FORMULA_START):
        return True
    return value[0] in "+-" and not value[1:].replace(" ", "").isdigit()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value and _looks_like_formula(value):
        return "'" + value
    return "" if value is None else value


def _lines(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for count, row in enumerate(rows, 1):
        writer.writerow([_cell(row.get(column)) for column in columns])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], filename: str
) -> StreamingResponse:
    chunks = _lines(rows, columns)
    # The first chunk runs the query: a request that cannot be answered fails here, with its
    # 4xx, before a 200 is sent and a stream is cut.
    first = next(chunks)
    return StreamingResponse(
        itertools.chain([first], chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}
}
