"""Intonation features («распознавать интонации») per utterance and per call.

Everything is computed on a 10 ms frame grid:
- voice activity per leg from frame energy against the leg's own noise floor;
- F0 with librosa's YIN on the leg decimated to 8 kHz (the telephone band holds the pitch
  harmonics; half the rate halves the cost), kept only on active frames inside the search range;
- energy as frame RMS in dBFS.
Timing features (talk ratio, silence, pauses, overlaps, interruptions) come from the activity
grids, so they hold for any recognizer. Without audio, the grids are drawn from the turns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from speech.audio import TARGET_RATE
from speech.dialogue import Utterance

HOP_SECONDS = 0.01
HOP = int(TARGET_RATE * HOP_SECONDS)
FRAME = 400  # 25 ms
F0_MIN, F0_MAX = 65.0, 400.0
VOICING_THRESHOLD = 0.6
PITCH_FRAME = 256  # 32 ms at 8 kHz: two periods of the lowest F0 searched
SILENCE_DB = -100.0
# Activity: a frame is speech when its energy is this far above the leg's floor.
ACTIVITY_MARGIN_DB = 12.0
ACTIVITY_ABS_FLOOR_DB = -60.0
ACTIVITY_DYNAMIC_DB = 40.0
BRIDGE_SECONDS = 0.2  # gaps shorter than this inside speech are closed
MIN_SPEECH_SECONDS = 0.06  # bursts shorter than this are noise
PAUSE_MIN_SECONDS = 0.3
LONG_PAUSE_SECONDS = 3.0
WORD_GAP_PAUSE_SECONDS = 0.15
INTERRUPTION_MIN_OVERLAP = 0.2


@dataclass(frozen=True)
class LegSignal:
    """One leg on the 10 ms grid: activity, energy (dBFS) and F0 (Hz, NaN when unvoiced)."""

    active: np.ndarray
    energy_db: np.ndarray | None = None
    f0: np.ndarray | None = None


def frame_energy_db(samples: np.ndarray) -> np.ndarray:
    import librosa

    rms = librosa.feature.rms(y=samples, frame_length=FRAME, hop_length=HOP, center=True)[0]
    with np.errstate(divide="ignore"):
        return np.maximum(20.0 * np.log10(rms), SILENCE_DB)


def activity_from_energy(energy_db: np.ndarray) -> np.ndarray:
    if energy_db.size == 0:
        return np.zeros(0, dtype=bool)
    floor = float(np.percentile(energy_db, 10))
    peak = float(np.percentile(energy_db, 99))
    threshold = max(floor + ACTIVITY_MARGIN_DB, peak - ACTIVITY_DYNAMIC_DB, ACTIVITY_ABS_FLOOR_DB)
    if peak - floor < ACTIVITY_MARGIN_DB:  # no quiet stretch to learn the floor from
        threshold = ACTIVITY_ABS_FLOOR_DB
    active = energy_db > threshold
    bridge = max(1, round(BRIDGE_SECONDS / HOP_SECONDS))
    active = ndimage.binary_closing(np.pad(active, bridge), structure=np.ones(bridge))[
        bridge:-bridge
    ]
    shortest = max(1, round(MIN_SPEECH_SECONDS / HOP_SECONDS))
    return ndimage.binary_opening(active, structure=np.ones(shortest))


def pitch_track(samples: np.ndarray, active: np.ndarray) -> np.ndarray:
    """F0 per frame (Hz), NaN where the frame is silent or not voiced. Only active stretches
    are tracked: a call leg is silent most of the time."""
    import librosa
    import soxr

    narrow = soxr.resample(samples, TARGET_RATE, TARGET_RATE // 2, quality="HQ").astype(np.float32)
    rate, hop = TARGET_RATE // 2, TARGET_RATE // 200
    padded = np.pad(narrow, (PITCH_FRAME // 2, PITCH_FRAME))  # frame k is centred on k * hop
    track = np.full(active.size, np.nan)
    for first, last in frame_runs(active):
        segment = padded[first * hop : (last - 1) * hop + PITCH_FRAME]
        if segment.size < PITCH_FRAME:
            segment = np.pad(segment, (0, PITCH_FRAME - segment.size))
        f0 = librosa.yin(segment, fmin=F0_MIN, fmax=F0_MAX, sr=rate, frame_length=PITCH_FRAME,
                         hop_length=hop, center=False)[: last - first]  # fmt: skip
        voiced = _periodicity(segment, f0, rate, hop) >= VOICING_THRESHOLD
        plausible = voiced & (f0 > F0_MIN * 1.05) & (f0 < F0_MAX * 0.95)
        track[first : first + f0.size] = np.where(plausible, f0, np.nan)
    return track


def _periodicity(segment: np.ndarray, f0: np.ndarray, rate: int, hop: int) -> np.ndarray:
    """Normalised correlation of each frame with itself one period later: near 1 for voiced
    speech, low for fricatives and noise (YIN alone answers a pitch for every frame)."""
    import librosa

    half = PITCH_FRAME // 2
    frames = librosa.util.frame(segment, frame_length=PITCH_FRAME, hop_length=hop, axis=0)[
        : f0.size
    ]
    period = np.clip(np.round(rate / f0[: frames.shape[0]]).astype(int), 1, half)
    head = frames[:, :half]
    lagged = np.take_along_axis(frames, period[:, None] + np.arange(half)[None, :], axis=1)
    dot = np.einsum("ij,ij->i", head, lagged)
    norm = np.sqrt(np.einsum("ij,ij->i", head, head) * np.einsum("ij,ij->i", lagged, lagged))
    out = np.zeros(f0.size)
    out[: dot.size] = np.divide(dot, norm, out=np.zeros_like(dot), where=norm > 1e-12)
    return out


def _fit(values: np.ndarray, frames: int, fill: float) -> np.ndarray:
    if values.size >= frames:
        return values[:frames]
    return np.concatenate([values, np.full(frames - values.size, fill)])


def analyse_leg(samples: np.ndarray) -> LegSignal:
    energy = frame_energy_db(samples)
    active = activity_from_energy(energy)
    f0 = fold_octave_errors(pitch_track(samples, active))
    return LegSignal(active=active, energy_db=energy, f0=f0)


def fold_octave_errors(f0: np.ndarray) -> np.ndarray:
    """Telephone audio loses the fundamental below 300 Hz, so a low voice is sometimes tracked
    at its 2nd-4th harmonic. A frame at close to k times the leg's median is folded back."""
    voiced = ~np.isnan(f0)
    if voiced.sum() < 10:
        return f0
    median = float(np.median(f0[voiced]))
    ratio = f0 / median
    k = np.round(ratio)
    harmonic = voiced & (k >= 2) & (k <= 4) & (np.abs(ratio - k) < 0.15 * k)
    return np.where(harmonic, f0 / np.where(harmonic, k, 1), f0)


def activity_from_utterances(utterances: Sequence[Utterance], frames: int) -> np.ndarray:
    active = np.zeros(frames, dtype=bool)
    for u in utterances:
        active[_frame(u.start) : _frame(u.end) + 1] = True
    return active


def _frame(seconds: float) -> int:
    return max(0, round(seconds / HOP_SECONDS))


def frame_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame runs where ``mask`` is true."""
    if mask.size == 0:
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()
    return list(zip(starts, ends, strict=True))


def _clean(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else round(value, 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _pitch_stats(f0: np.ndarray | None) -> dict[str, float | None]:
    voiced = f0[~np.isnan(f0)] if f0 is not None else np.zeros(0)
    if voiced.size < 3:
        return {"f0_median_hz": None, "f0_p10_hz": None, "f0_p90_hz": None, "f0_range_st": None}
    p10, p50, p90 = np.percentile(voiced, [10, 50, 90])
    return {
        "f0_median_hz": p50,
        "f0_p10_hz": p10,
        "f0_p90_hz": p90,
        "f0_range_st": 12.0 * math.log2(p90 / p10),
    }


def _energy(energy_db: np.ndarray | None, active: np.ndarray) -> float | None:
    if energy_db is None:
        return None
    speech = energy_db[: active.size][active[: energy_db.size]]
    return float(np.mean(speech)) if speech.size else None


def utterance_features(u: Utterance, leg: LegSignal | None) -> dict[str, Any]:
    duration = max(u.end - u.start, 1e-6)
    gaps = [b.start - a.end for a, b in zip(u.words, u.words[1:], strict=False)]
    pauses = [g for g in gaps if g > WORD_GAP_PAUSE_SECONDS]
    features: dict[str, Any] = {
        "speaker": u.speaker,
        "start": u.start,
        "end": u.end,
        "words": len(u.words),
        "speaking_rate_wps": len(u.words) / duration,
        "pause_count": len(pauses),
        "pause_s": sum(pauses),
    }
    window = slice(_frame(u.start), _frame(u.end) + 1)
    if leg is not None and leg.f0 is not None:
        features.update(_pitch_stats(leg.f0[window]))
        energy = leg.energy_db[window] if leg.energy_db is not None else None
        features["energy_db"] = _energy(energy, leg.active[window])
    else:
        features.update(_pitch_stats(None))
        features["energy_db"] = None
    return features


def _pauses(any_active: np.ndarray) -> dict[str, Any]:
    runs = frame_runs(~any_active)
    inner = [
        (b - a) * HOP_SECONDS
        for a, b in runs
        if a > 0 and b < any_active.size and (b - a) * HOP_SECONDS >= PAUSE_MIN_SECONDS
    ]
    return {
        "count": len(inner),
        "total_s": sum(inner),
        "mean_s": float(np.mean(inner)) if inner else None,
        "max_s": max(inner) if inner else None,
        "long_count": sum(1 for p in inner if p >= LONG_PAUSE_SECONDS),
    }


def _interruptions(by: np.ndarray, other: np.ndarray) -> int:
    """Turns of ``by`` that start while ``other`` speaks, overlap it long enough, and outlast it."""
    count = 0
    min_overlap = round(INTERRUPTION_MIN_OVERLAP / HOP_SECONDS)
    other_runs = frame_runs(other)
    for start, end in frame_runs(by):
        for o_start, o_end in other_runs:
            if o_start < start < o_end and min(end, o_end) - start >= min_overlap and end > o_end:
                count += 1
                break
    return count


def call_features(
    legs: Mapping[str, LegSignal], dialogue: Sequence[Utterance], seconds: float
) -> dict[str, Any]:
    frames = max((leg.active.size for leg in legs.values()), default=0)
    grids = {name: _fit(leg.active, frames, False).astype(bool) for name, leg in legs.items()}
    any_active = np.logical_or.reduce(list(grids.values())) if grids else np.zeros(0, bool)
    speakers: dict[str, Any] = {}
    for name, leg in legs.items():
        said = [u for u in dialogue if u.speaker == name]
        words = sum(len(u.words) for u in said)
        spoken = sum(u.end - u.start for u in said)
        stats = _pitch_stats(leg.f0) if leg.f0 is not None else _pitch_stats(None)
        speakers[name] = {
            "talk_s": float(grids[name].sum()) * HOP_SECONDS,
            "words": words,
            "speaking_rate_wps": words / spoken if spoken > 0 else None,
            "energy_db": _energy(leg.energy_db, leg.active),
            **stats,
        }
    features: dict[str, Any] = {
        "duration_s": seconds,
        "silence_share": 1.0 - float(any_active.mean()) if frames else None,
        "pauses": _pauses(any_active),
        "speakers": speakers,
        "talk_ratio": None,
        "client_talk_share": None,
        "overlap": None,
        "interruptions": None,
    }
    if "client" in grids and "employee" in grids:
        client, employee = grids["client"], grids["employee"]
        talk_c, talk_e = speakers["client"]["talk_s"], speakers["employee"]["talk_s"]
        both = client & employee
        features["talk_ratio"] = talk_c / talk_e if talk_e > 0 else None
        features["client_talk_share"] = talk_c / (talk_c + talk_e) if talk_c + talk_e > 0 else None
        features["overlap"] = {
            "seconds": float(both.sum()) * HOP_SECONDS,
            "count": len([r for r in frame_runs(both) if r[1] - r[0] >= 10]),
            "share_of_speech": float(both.sum()) / max(int(any_active.sum()), 1),
        }
        features["interruptions"] = {
            "client": _interruptions(client, employee),
            "employee": _interruptions(employee, client),
        }
    return features


def prosody(
    legs: Mapping[str, LegSignal], dialogue: Sequence[Utterance], seconds: float, source: str
) -> dict[str, Any]:
    """The stored prosody JSON: per call, and per utterance in dialogue order."""
    return _clean(
        {
            "source": source,
            "call": call_features(legs, dialogue, seconds),
            "utterances": [utterance_features(u, legs.get(u.speaker)) for u in dialogue],
        }
    )


def legs_from_audio(channels: Mapping[str, np.ndarray]) -> dict[str, LegSignal]:
    return {name: analyse_leg(samples) for name, samples in channels.items()}


def legs_from_dialogue(dialogue: Sequence[Utterance], seconds: float) -> dict[str, LegSignal]:
    frames = _frame(seconds) + 1
    names = sorted({u.speaker for u in dialogue})
    return {
        name: LegSignal(
            active=activity_from_utterances([u for u in dialogue if u.speaker == name], frames)
        )
        for name in names
    }
