"""Which channel of a stereo recording is the client and which the employee.

The default is the CoMagic convention for incoming calls: the calling leg (the client) is
recorded on the left channel and the answering leg (the employee) on the right. An account can
change it, and a virtual number can override its account (e.g. a number routed through a PBX
that swaps the legs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from speech.rules import normalize_phone

CLIENT, EMPLOYEE, UNKNOWN = "client", "employee", "unknown"
CHANNEL_NAMES = ("left", "right")
DEFAULT_CLIENT_CHANNEL = "left"


@dataclass(frozen=True)
class ChannelLayouts:
    """Resolves the client's channel: virtual number first, then account, then the default."""

    by_account: Mapping[int, str] = field(default_factory=dict)
    by_number: Mapping[tuple[int | None, str], str] = field(default_factory=dict)
    default: str = DEFAULT_CLIENT_CHANNEL

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[int | None, str | None, str]]) -> ChannelLayouts:
        """Entries are (account_id, virtual_phone_number or None, client channel)."""
        by_account: dict[int, str] = {}
        by_number: dict[tuple[int | None, str], str] = {}
        for account_id, number, channel in entries:
            check_channel_name(channel)
            if number:
                by_number[(account_id, normalize_phone(number))] = channel
            elif account_id is not None:
                by_account[int(account_id)] = channel
        return cls(by_account, by_number)

    def client_channel(self, account_id: int | None, virtual_phone_number: str | None) -> int:
        """0 (left) or 1 (right)."""
        if virtual_phone_number:
            number = normalize_phone(virtual_phone_number)
            for key in ((account_id, number), (None, number)):
                if key in self.by_number:
                    return CHANNEL_NAMES.index(self.by_number[key])
        if account_id is not None and account_id in self.by_account:
            return CHANNEL_NAMES.index(self.by_account[account_id])
        return CHANNEL_NAMES.index(self.default)


def check_channel_name(channel: str) -> str:
    if channel not in CHANNEL_NAMES:
        raise ValueError(f"client channel must be one of {CHANNEL_NAMES}, got {channel!r}")
    return channel


def split_legs(samples: np.ndarray, client_channel: int) -> dict[str, np.ndarray]:
    """Stereo → {client, employee}; mono → {unknown}."""
    if samples.shape[0] == 1:
        return {UNKNOWN: samples[0]}
    if client_channel not in (0, 1):
        raise ValueError(f"client channel index must be 0 or 1, got {client_channel}")
    return {CLIENT: samples[client_channel], EMPLOYEE: samples[1 - client_channel]}
