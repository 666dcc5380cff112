"""Silence-gated decoding: the stretches of a leg worth feeding the recognizer.

Each leg of a stereo call is silent for roughly half its length while the other side talks;
decoding that silence costs recognizer time and yields nothing. The stretches come from the same
energy activity grid as prosody (10 ms frames against the leg's own noise floor), widened by
``pad`` on both sides so word onsets and trailing consonants stay in, and joined when the gap
between them is shorter than ``join`` (a new recognizer per short gap would lose context).
"""

from __future__ import annotations

import numpy as np

from speech.audio import TARGET_RATE
from speech.prosody import HOP_SECONDS, activity_from_energy, frame_energy_db

DEFAULT_PAD_SECONDS = 0.3
DEFAULT_JOIN_SECONDS = 1.0


def voice_stretches(
    samples: np.ndarray,
    sample_rate: int = TARGET_RATE,
    pad: float = DEFAULT_PAD_SECONDS,
    join: float = DEFAULT_JOIN_SECONDS,
) -> list[tuple[int, int]]:
    """Sample ranges ``[first, last)`` of the voice-active stretches, in order, not overlapping."""
    if samples.size == 0:
        return []
    if sample_rate != TARGET_RATE:
        raise ValueError(f"gating works on {TARGET_RATE} Hz samples, got {sample_rate} Hz")
    active = activity_from_energy(frame_energy_db(samples))
    edges = np.flatnonzero(np.diff(np.concatenate(([0], active.astype(np.int8), [0]))))
    hop = int(HOP_SECONDS * sample_rate)
    pad_n, join_n = int(pad * sample_rate), int(join * sample_rate)
    stretches: list[tuple[int, int]] = []
    for first_frame, last_frame in zip(edges[::2], edges[1::2], strict=True):
        first = max(0, first_frame * hop - pad_n)
        last = min(samples.size, last_frame * hop + pad_n)
        if stretches and first - stretches[-1][1] < join_n:
            stretches[-1] = (stretches[-1][0], last)
        else:
            stretches.append((first, last))
    return stretches


def gated_share(stretches: list[tuple[int, int]], total: int) -> float:
    """The share of the leg that the recognizer is fed."""
    return sum(b - a for a, b in stretches) / total if total else 0.0
