"""Transcribing one call: decode its recordings, split the legs, recognize each leg, merge the
dialogue and compute prosody. Bad audio never raises: it becomes an error row for that call.
A missing model does raise (``ModelMissingError``): that is configuration, not input."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from data.errors import ModelMissingError
from speech.audio import (
    DEFAULT_MAX_SECONDS,
    EXTENSIONS,
    TARGET_RATE,
    AudioError,
    decode,
    find_recording,
)
from speech.channels import CHANNEL_NAMES, UNKNOWN, split_legs
from speech.dialogue import (
    DEFAULT_SPLIT_PAUSE,
    Utterance,
    merge_dialogue,
    turns_json,
    utterances_from_results,
)
from speech.prosody import legs_from_audio, legs_from_dialogue, prosody
from speech.recognizer import RecognitionError, Recognizer

STATUS_OK, STATUS_ERROR, STATUS_NOT_SELECTED = "ok", "error", "not_selected"
COLUMNS = (
    "communication_id",
    "call_id",
    "status",
    "error",
    "reason",
    "rule_id",
    "recognizer",
    "is_stereo",
    "turns",
    "prosody",
    "audio_seconds",
)


@dataclass(frozen=True)
class TranscriptionJob:
    communication_id: str
    call_id: int
    recordings_dir: str
    record_ids: tuple[str, ...]
    client_channel: int = 0
    rule_id: str | None = None
    max_seconds: float = DEFAULT_MAX_SECONDS
    split_pause: float = DEFAULT_SPLIT_PAUSE
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def empty_row(communication_id: str, call_id: Any, status: str, **values: Any) -> dict[str, Any]:
    row = {
        "communication_id": communication_id,
        "call_id": int(call_id),
        "status": status,
        "error": None,
        "reason": None,
        "rule_id": None,
        "recognizer": None,
        "is_stereo": None,
        "turns": "[]",
        "prosody": None,
        "audio_seconds": None,
    }
    row.update(values)
    return row


def not_selected_row(communication_id: str, call_id: Any, reason: str) -> dict[str, Any]:
    return empty_row(communication_id, call_id, STATUS_NOT_SELECTED, reason=reason)


def load_call_audio(job: TranscriptionJob) -> np.ndarray:
    """Every recording of the call, decoded and joined in order: (channels, frames) at 16 kHz."""
    if not job.record_ids:
        raise AudioError("missing_file", "the call lists no recording")
    parts = []
    for record_id in job.record_ids:
        path = find_recording(job.recordings_dir, record_id)
        if path is None:
            tried = "|".join(EXTENSIONS)
            raise AudioError("missing_file", f"recording {record_id}.{{{tried}}} not found")
        parts.append(decode(path, max_seconds=job.max_seconds).samples)
    if len({p.shape[0] for p in parts}) > 1:
        raise AudioError("unsupported", "the call's recordings differ in channel count")
    samples = np.concatenate(parts, axis=1)
    if samples.shape[1] > job.max_seconds * TARGET_RATE:
        raise AudioError(
            "too_long", f"recordings together exceed the {job.max_seconds:.0f} s limit"
        )
    return samples


def _recognize_legs(
    recognizer: Recognizer,
    legs: Mapping[str, np.ndarray | None],
    call_id: Any = None,
    split_pause: float = DEFAULT_SPLIT_PAUSE,
) -> list[Utterance]:
    per_leg = {}
    for speaker, samples in legs.items():
        results = recognizer.recognize(samples, TARGET_RATE, call_id=call_id, speaker=speaker)  # type: ignore[arg-type]  # no samples only for the demo's reference recognizer
        per_leg[speaker] = utterances_from_results(results, speaker, split_pause)
    return merge_dialogue(per_leg)


# A channel whose peak stays below this is dead (about -80 dBFS); channels closer than this to
# each other are one signal written twice; a recording with more than CLIPPED_SHARE of its
# samples at full scale is clipped.
DEAD_PEAK = 1e-4
SAME_SIGNAL = 1e-3
CLIPPED_LEVEL, CLIPPED_SHARE = 0.999, 0.001


def inspect_channels(samples: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The samples to transcribe and the flags a usable but odd recording earns: a mono
    recording labelled stereo is taken as mono, a dead channel and clipping are named."""
    flags = []
    if samples.shape[0] == 2:
        peaks = np.abs(samples).max(axis=1)
        if np.abs(samples[0] - samples[1]).max() <= SAME_SIGNAL * max(float(peaks.max()), 1e-9):
            samples = samples[:1]
            flags.append("mono_in_stereo")
        else:
            flags.extend(f"dead_channel:{CHANNEL_NAMES[i]}" for i in (0, 1) if peaks[i] < DEAD_PEAK)
    if np.mean(np.abs(samples) >= CLIPPED_LEVEL) > CLIPPED_SHARE:
        flags.append("clipped")
    return samples, flags


def transcribe_samples(
    samples: np.ndarray,
    client_channel: int,
    recognizer: Recognizer,
    call_id: Any = None,
    split_pause: float = DEFAULT_SPLIT_PAUSE,
) -> dict[str, Any]:
    """Decoded audio (channels, frames) at 16 kHz to the row's recognition fields."""
    samples, flags = inspect_channels(samples)
    channels = split_legs(samples, client_channel)
    dialogue = _recognize_legs(recognizer, channels, call_id, split_pause)
    if not dialogue:
        flags.append("no_speech")
    seconds = samples.shape[1] / TARGET_RATE
    return {
        "dialogue": dialogue,
        "prosody": prosody(legs_from_audio(channels), dialogue, seconds, source="audio"),
        "is_stereo": samples.shape[0] == 2,
        "reason": "; ".join(flags) or None,
        "audio_seconds": round(seconds, 3),
    }


def transcribe_call(job: TranscriptionJob, recognizer: Recognizer) -> dict[str, Any]:
    """One row of the ``transcripts`` table for a selected call. A usable recording with
    something odd about it (no speech, a dead channel, clipping) is ``ok`` with a ``reason``."""
    base = {"rule_id": job.rule_id, "recognizer": recognizer.name}
    try:
        try:
            samples = load_call_audio(job)
        except AudioError as error:
            if recognizer.requires_audio or error.kind != "missing_file":
                raise
            return _without_audio(job, recognizer, base)
        out = transcribe_samples(
            samples, job.client_channel, recognizer, job.call_id, job.split_pause
        )
        return empty_row(
            job.communication_id,
            job.call_id,
            STATUS_OK,
            is_stereo=out["is_stereo"],
            reason=out["reason"],
            turns=json.dumps(turns_json(out["dialogue"]), ensure_ascii=False),
            prosody=json.dumps(out["prosody"], ensure_ascii=False),
            audio_seconds=out["audio_seconds"],
            **base,
        )
    except ModelMissingError:
        raise
    except (AudioError, RecognitionError) as error:
        return empty_row(job.communication_id, job.call_id, STATUS_ERROR, error=str(error), **base)
    except Exception as error:  # noqa: BLE001 - one broken call must not stop the night's run
        reason = f"unexpected {type(error).__name__}: {error}"
        return empty_row(job.communication_id, job.call_id, STATUS_ERROR, error=reason, **base)


def _without_audio(job: TranscriptionJob, recognizer: Any, base: dict[str, Any]) -> dict[str, Any]:
    """Demo only: the reference dialogue stands in for recognition, prosody from its timing."""
    speakers: Sequence[str] = (
        recognizer.speakers(job.call_id) if hasattr(recognizer, "speakers") else []
    )
    if not speakers:
        raise RecognitionError(f"no reference dialogue for call {job.call_id}")
    dialogue = _recognize_legs(recognizer, dict.fromkeys(speakers), job.call_id, job.split_pause)
    seconds = max((u.end for u in dialogue), default=0.0)
    features = prosody(
        legs_from_dialogue(dialogue, seconds), dialogue, seconds, source="timestamps"
    )
    return empty_row(
        job.communication_id,
        job.call_id,
        STATUS_OK,
        is_stereo=UNKNOWN not in speakers,
        turns=json.dumps(turns_json(dialogue), ensure_ascii=False),
        prosody=json.dumps(features, ensure_ascii=False),
        audio_seconds=round(seconds, 3),
        **base,
    )


# -- one recording file outside the pipeline (``callscope transcribe``) -------------------------
LAYOUTS = {"client-left": 0, "client-right": 1, "mono": None}


def transcribe_file(
    path: str | Path,
    recognizer: Recognizer,
    layout: str = "client-left",
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> dict[str, Any]:
    """One line of ``callscope transcribe``: the status, the turns, the flat word list and the
    prosody; an unreadable file gives ``status: error`` and its reason."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {sorted(LAYOUTS)}, got {layout!r}")
    line: dict[str, Any] = {"file": str(path)}
    try:
        samples = decode(path, max_seconds=max_seconds).samples
        if LAYOUTS[layout] is None and samples.shape[0] == 2:
            samples = samples.mean(axis=0, keepdims=True)
        out = transcribe_samples(samples, LAYOUTS[layout] or 0, recognizer)
    except (AudioError, RecognitionError) as error:
        return {**line, "status": STATUS_ERROR, "reason": str(error)}
    dialogue = out["dialogue"]
    return {
        **line,
        "status": STATUS_OK,
        "reason": out["reason"],
        "is_stereo": out["is_stereo"],
        "audio_seconds": out["audio_seconds"],
        "turns": [
            {k: v for k, v in u.as_dict().items() if k in ("speaker", "start", "end", "text")}
            for u in dialogue
        ],
        "words": [
            {
                "speaker": u.speaker,
                **{("confidence" if k == "conf" else k): v for k, v in w.items()},
            }
            for u in dialogue
            for w in (word.as_dict() for word in u.words)
        ],
        "prosody": out["prosody"],
    }
