"""Caller numbers in one form: E.164 digits (``79161234567``), stored as a 64-bit integer.

Numbers arrive as ``+7 (916) 123-45-67``, ``8 916 123 45 67``, ``89161234567`` and so on. The
canonical form is recognised with one vectorised check; only the distinct numbers written any
other way go through ``phonenumbers`` (Russian rules: a leading 8 is the trunk prefix), so a
day of half a million calls costs a few thousand parses, not half a million.
"""

from __future__ import annotations

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

DEFAULT_REGION = "RU"
UNPARSEABLE = -1
_CANONICAL = r"^7[0-9]{10}$"


def parse_number(raw: str | None, region: str = DEFAULT_REGION) -> int | None:
    """E.164 digits of one number as an integer, or None when it is not a phone number."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or not any(ch.isdigit() for ch in text):
        return None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return int(f"{parsed.country_code}{parsed.national_number}")


def normalize_numbers(raw: pa.Array | pa.ChunkedArray, region: str = DEFAULT_REGION) -> np.ndarray:
    """E.164 digits as int64 for every value; ``UNPARSEABLE`` (-1) where there is no number."""
    raw = raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw
    raw = pc.cast(raw, pa.string())
    out = np.full(len(raw), UNPARSEABLE, dtype=np.int64)
    canonical = pc.fill_null(pc.match_substring_regex(raw, _CANONICAL), False)
    canonical_np = canonical.to_numpy(zero_copy_only=False)
    if canonical_np.any():
        out[canonical_np] = pc.cast(pc.filter(raw, canonical), pa.int64()).to_numpy()
    rest = np.flatnonzero(~canonical_np)
    if len(rest):
        others = pc.take(raw, pa.array(rest))
        distinct = pc.unique(others)
        parsed = np.array(
            [_or_unparseable(parse_number(v, region)) for v in distinct.to_pylist()],
            dtype=np.int64,
        )
        out[rest] = parsed[pc.index_in(others, value_set=distinct).to_numpy(zero_copy_only=False)]
    return out


def _or_unparseable(value: int | None) -> int:
    return UNPARSEABLE if value is None else value


def format_number(value: int) -> str:
    """The stored integer back to its E.164 digits."""
    return str(int(value))
