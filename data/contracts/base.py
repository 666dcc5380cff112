"""A contract names a table's fields, their types, which are required, and the row-level checks.

Validation compiles a contract into one DuckDB query, so a million-row file is checked at
columnar speed and every rejected row keeps the reasons it failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

# contract type -> DuckDB type
SQL_TYPES = {
    "int": "BIGINT",
    "float": "DOUBLE",
    "str": "VARCHAR",
    "bool": "BOOLEAN",
    "datetime": "TIMESTAMP",
    "date": "DATE",
    "int_list": "BIGINT[]",
    "str_list": "VARCHAR[]",
    "json": "JSON",
}
# contract type -> Arrow type of the typed (accepted) column
ARROW_TYPES = {
    "int": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
    "bool": pa.bool_(),
    "datetime": pa.timestamp("us"),
    "date": pa.date32(),
    "int_list": pa.list_(pa.int64()),
    "str_list": pa.list_(pa.string()),
    "json": pa.string(),
}
TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "datetime": "a time YYYY-MM-DD hh:mm:ss",
    "date": "a date YYYY-MM-DD",
    "int_list": "a list of integers",
    "str_list": "a list of strings",
    "json": "JSON",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    min_value: float | None = None
    description: str = ""

    def __post_init__(self):
        if self.type not in SQL_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type}")

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class Check:
    """A row-level rule over typed columns: ``failing_sql`` is true for a bad row."""

    failing_sql: str
    reason: str


@dataclass(frozen=True)
class Contract:
    table: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    time_field: str
    checks: tuple[Check, ...] = ()
    site_field: str | None = "site_id"
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema of the table's accepted rows."""
        return pa.schema([pa.field(f.name, ARROW_TYPES[f.type]) for f in self.fields])

    def get(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)
