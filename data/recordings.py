"""Recording ids name files in the recordings folder; they are ids, never paths.

A call's ``call_records`` come from the input (a CoMagic export, a landing file). An id such as
``../../x`` or ``/etc/passwd`` would lead a join onto the recordings folder out of it, so ingest
quarantines such rows and every reader skips such ids.
"""

from __future__ import annotations

import re

# Letters, digits, '.', '_' and '-', not starting with a dot: no separator, no '..', no drive.
RECORDING_ID = r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"
_RECORDING_ID = re.compile(RECORDING_ID)
NOT_AN_ID = "a recording id is an id, not a path (letters, digits, '.', '_' and '-' only)"


def is_recording_id(value: object) -> bool:
    return isinstance(value, str) and _RECORDING_ID.fullmatch(value) is not None
