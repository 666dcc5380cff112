"""The Delta log's schema for a table's Parquet files.

The log declares one schema per table; files keep their own Parquet types (DuckDB reads them by
name). Types Delta has no word for are declared by their nearest kind: unsigned integers as the
next wider signed one, columns that were all nulls as strings, dictionaries by their values."""

from __future__ import annotations

import pyarrow as pa
from deltalake import DeltaTable
from deltalake import Schema as DeltaSchema

PARTITION_FIELD = pa.field("date", pa.date32())


def current(table: DeltaTable) -> pa.Schema:
    return pa.schema(table.schema().to_arrow())


def merge(old: pa.Schema | None, new: pa.Schema | None) -> pa.Schema:
    """``old``'s columns with ``new``'s types, then ``new``'s added columns, then ``date``."""
    fields: dict[str, pa.Field] = {}
    for schema in (old, new):
        for item in schema or ():
            if item.name != PARTITION_FIELD.name:
                fields[item.name] = item.with_type(_declared(item.type))
    return pa.schema([*fields.values(), PARTITION_FIELD])


def to_delta(schema: pa.Schema) -> pa.Schema:
    """Checks each field against delta-rs, falling back to a string for any it refuses."""
    checked = []
    for item in schema:
        try:
            DeltaSchema.from_arrow(pa.schema([item]))
            checked.append(item)
        except Exception:  # noqa: BLE001 - delta-rs raises several kinds for types it cannot declare
            checked.append(item.with_type(pa.string()))
    return pa.schema(checked)


def _declared(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(kind):
        return _declared(kind.value_type)
    if pa.types.is_null(kind):
        return pa.string()
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pa.string()
    if pa.types.is_large_binary(kind):
        return pa.binary()
    if pa.types.is_unsigned_integer(kind):
        return {8: pa.int16(), 16: pa.int32(), 32: pa.int64()}.get(kind.bit_width, pa.int64())
    if pa.types.is_timestamp(kind):
        return pa.timestamp("us", tz=kind.tz) if kind.tz else pa.timestamp("us")
    if pa.types.is_time(kind):
        return pa.string()
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return pa.list_(_declared(kind.value_type))
    if pa.types.is_struct(kind):
        return pa.struct(
            [kind.field(i).with_type(_declared(kind.field(i).type)) for i in range(kind.num_fields)]
        )
    return kind
