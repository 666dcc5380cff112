import datetime as dt

import pyarrow as pa
import pytest

from antispam.phones import UNPARSEABLE, normalize_numbers, parse_number
from antispam.validate import check_calls
from data.contracts.tables import INCOMING_CALLS
from data.errors import InputError


@pytest.mark.parametrize(
    "raw",
    [
        "79161234567",
        "+7 (916) 123-45-67",
        "8 916 123 45 67",
        "8(916)1234567",
        "+7-916-123-4567",
        " +79161234567 ",
        "9161234567",
    ],
)
def test_every_common_way_of_writing_a_number_gives_one_form(raw):
    assert parse_number(raw) == 79161234567


@pytest.mark.parametrize("raw", ["не определен", "anonymous", "12-34", "", None, "+7 (9", "000"])
def test_things_that_are_not_numbers_are_refused(raw):
    assert parse_number(raw) is None


def test_vectorised_normalisation_matches_the_single_parser():
    raw = ["79161234567", "+7 (495) 123-45-67", None, "abc", "8 800 555 35 35", "+1 202 555 0143"]
    assert normalize_numbers(pa.array(raw)).tolist() == [
        79161234567,
        74951234567,
        UNPARSEABLE,
        UNPARSEABLE,
        78005553535,
        12025550143,
    ]


def _calls(**overrides):
    row = {
        "start_time": dt.datetime(2026, 5, 1, 10, 0),
        "contact_phone_number": "+7 916 123-45-67",
        "account_id": 1,
        "virtual_phone_number": "74950000001",
        "talk_duration": 30,
        "total_duration": 40,
        "is_lost": False,
    }
    rows = [dict(row), {**row, **overrides}]
    return pa.Table.from_pylist(
        rows,
        schema=INCOMING_CALLS.arrow_schema(),
    )


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"contact_phone_number": "anonymous"}, "contact_phone_number", "not a phone number"),
        ({"talk_duration": None}, "talk_duration", "missing"),
        ({"total_duration": None}, "total_duration", "missing"),
        ({"total_duration": -5}, "total_duration", "negative"),
        ({"virtual_phone_number": None}, "virtual_phone_number", "missing"),
        ({"account_id": None}, "account_id", "missing"),
        ({"start_time": dt.datetime(2026, 5, 3, 9, 0)}, "start_time", "in the future"),
    ],
)
def test_bad_rows_are_rejected_with_their_reason_and_nothing_is_lost(overrides, field, reason):
    checked = check_calls(_calls(**overrides), not_after=dt.datetime(2026, 5, 1, 23, 59, 59))
    assert checked.accepted.num_rows == 1
    assert checked.accepted["caller"].to_pylist() == [79161234567]
    assert checked.rows_in == 2
    bad = checked.rejected.iloc[0]
    assert (bad["line"], bad["field"]) == (2, field)
    assert bad["reason"].startswith(reason)
    quarantine = checked.quarantine_rows("incoming_calls", "day.parquet")
    assert list(quarantine.columns) == ["source_table", "source_file", "line", "reason", "payload"]
    assert quarantine.loc[0, "reason"].startswith(f"{field}: {reason}")
    assert '"talk_duration"' in quarantine.loc[0, "payload"]  # the raw row, kept whole


def test_a_missing_column_is_an_input_error_naming_it():
    table = _calls().drop_columns(["is_lost"])
    with pytest.raises(InputError, match="is_lost: required column is missing"):
        check_calls(table, not_after=dt.datetime(2026, 5, 2), source="x.parquet")
