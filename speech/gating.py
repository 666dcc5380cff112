"""Silence-gated decoding: the stretches of a leg worth feeding the recognizer.

Each leg of a stereo call is silent for a large part of its length while the other side talks;
decoding that silence costs recognizer time and yields nothing. Two detectors give the
voice-active frames on a 10 ms grid:
- ``energy``: the prosody activity grid (frame energy against the leg's own noise floor);
- ``silero``: Silero VAD (``silero-vad``, its model ships in the package) run only inside the
  energy grid's stretches, so it refines them and never spends time on the line noise between.
The stretches are widened by ``pad`` on both sides so word onsets and trailing consonants stay
in, and joined when the gap between them is shorter than ``join``.
"""

from __future__ import annotations

import threading

import numpy as np

from speech.audio import TARGET_RATE
from speech.prosody import HOP_SECONDS, activity_from_energy, frame_energy_db, frame_runs

DEFAULT_PAD_SECONDS = 0.2
DEFAULT_JOIN_SECONDS = 0.5
DETECTORS = ("energy", "silero")
SILERO_WINDOW = 512  # samples at 16 kHz: the window Silero VAD is trained on
SILERO_THRESHOLD = 0.5
SILERO_CONTEXT_SECONDS = 0.2  # of the energy stretch around what Silero is asked about

_silero = threading.local()  # the JIT model keeps recurrent state: one per thread


def _silero_model():
    model = getattr(_silero, "model", None)
    if model is None:
        import torch

        threads = torch.get_num_threads()
        from silero_vad import load_silero_vad  # its import pins torch to one thread

        torch.set_num_threads(threads)
        model = _silero.model = load_silero_vad()
    return model


def silero_activity(samples: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Speech frames (10 ms grid) by Silero VAD, asked only about the ``candidates`` frames
    (widened by ``SILERO_CONTEXT_SECONDS``); every other frame is silence."""
    import torch

    active = np.zeros(candidates.size, dtype=bool)
    context = int(SILERO_CONTEXT_SECONDS / HOP_SECONDS)
    model = _silero_model()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one 32 ms window at a time: more threads only wait on each other
    try:
        for first, last in frame_runs(candidates):
            _silero_region(model, samples, active, max(0, first - context),
                           min(candidates.size, last + context))  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    return active


def _silero_region(model, samples: np.ndarray, active: np.ndarray, first: int, last: int) -> None:
    import torch

    hop = int(HOP_SECONDS * TARGET_RATE)
    region = samples[first * hop : last * hop]
    windows = region.size // SILERO_WINDOW
    if windows == 0:
        return
    model.reset_states()
    chunks = torch.from_numpy(np.ascontiguousarray(region[: windows * SILERO_WINDOW]))
    with torch.inference_mode():
        probs = [float(model(chunk, TARGET_RATE)) for chunk in chunks.view(windows, -1)]
    per_frame = np.repeat(np.array(probs) >= SILERO_THRESHOLD, SILERO_WINDOW)
    frames = per_frame[: (per_frame.size // hop) * hop].reshape(-1, hop).any(axis=1)
    active[first : first + frames.size] |= frames


def voice_stretches(
    samples: np.ndarray,
    sample_rate: int = TARGET_RATE,
    pad: float = DEFAULT_PAD_SECONDS,
    join: float = DEFAULT_JOIN_SECONDS,
    detector: str = "energy",
) -> list[tuple[int, int]]:
    """Sample ranges ``[first, last)`` of the voice-active stretches, in order, not overlapping."""
    if samples.size == 0:
        return []
    if sample_rate != TARGET_RATE:
        raise ValueError(f"gating works on {TARGET_RATE} Hz samples, got {sample_rate} Hz")
    if detector not in DETECTORS:
        raise ValueError(f"unknown voice-activity detector {detector!r}; one of {DETECTORS}")
    active = activity_from_energy(frame_energy_db(samples))
    if detector == "silero":
        active = silero_activity(samples, active)
    hop = int(HOP_SECONDS * sample_rate)
    pad_n, join_n = int(pad * sample_rate), int(join * sample_rate)
    stretches: list[tuple[int, int]] = []
    for first_frame, last_frame in frame_runs(active):
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
