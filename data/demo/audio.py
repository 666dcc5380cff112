"""Stereo telephone recordings synthesized from demo dialogues with espeak-ng.

The client speaks on the left channel and the employee on the right, as a call-tracking
platform records them. Each turn is synthesized separately, resampled to the telephone rate,
band-limited to 300-3400 Hz and placed on a timeline with natural gaps and occasional overlaps.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile
from scipy import signal

CHANNELS = {"client": 0, "employee": 1}
DEFAULT_VOICES = {"client": "ru+f3", "employee": "ru+m3"}
TELEPHONE_BAND_HZ = (300.0, 3400.0)
LEAD_IN_SECONDS = 0.4


class AudioToolMissingError(RuntimeError):
    """espeak-ng is not installed."""


def espeak_binary() -> str:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise AudioToolMissingError(
            "espeak-ng is not installed; demo audio needs it: install the Debian package "
            "espeak-ng (apt-get install -y espeak-ng)"
        )
    return binary


def synthesize_call(
    turns: Iterable,
    out_path: str | Path,
    sample_rate: int = 8000,
    overlap_share: float = 0.1,
    seed: int = 0,
    voices: Mapping[str, str] | None = None,
    noise_db: float = -50.0,
) -> list[dict]:
    """Write a stereo WAV of the dialogue; return each turn's speaker, text, channel, start, end.

    ``turns`` holds objects with ``speaker`` and ``text`` attributes (``Turn``) or such dicts.
    ``overlap_share`` is the share of speaker changes where the next speaker starts before the
    previous one has finished. Times are seconds from the start of the recording.
    """
    if not 0.0 <= overlap_share <= 1.0:
        raise ValueError(f"overlap_share must be within 0..1, got {overlap_share}")
    if sample_rate <= 2 * TELEPHONE_BAND_HZ[1]:
        raise ValueError(
            f"sample_rate must exceed {2 * TELEPHONE_BAND_HZ[1]:.0f} Hz, got {sample_rate}"
        )
    pairs = [_speaker_and_text(turn) for turn in turns]
    if not pairs:
        raise ValueError("a call needs at least one turn")
    voices = {**DEFAULT_VOICES, **(voices or {})}
    binary = espeak_binary()
    with ThreadPoolExecutor(max_workers=2) as pool:
        clips = list(pool.map(lambda p: _speak(binary, p[1], voices[p[0]], sample_rate), pairs))

    rng = random.Random(seed)
    timeline = _place_turns(
        [
            (speaker, len(clip) / sample_rate)
            for (speaker, _), clip in zip(pairs, clips, strict=True)
        ],
        overlap_share,
        rng,
    )
    total = max(end for _, end in timeline) + LEAD_IN_SECONDS
    audio = np.zeros((int(np.ceil(total * sample_rate)), 2), dtype=np.float64)
    for (speaker, _), clip, (start, _) in zip(pairs, clips, timeline, strict=True):
        first = round(start * sample_rate)
        audio[first : first + len(clip), CHANNELS[speaker]] += clip
    audio = _telephone_band(audio, sample_rate)
    audio += np.random.default_rng(seed).normal(0.0, 10 ** (noise_db / 20), audio.shape)
    peak = np.abs(audio).max()
    if peak > 0.99:
        audio *= 0.99 / peak
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(out_path, audio.astype(np.float32), sample_rate, subtype="PCM_16")
    return [
        {
            "speaker": speaker,
            "text": text,
            "channel": CHANNELS[speaker],
            "start": round(start, 3),
            "end": round(end, 3),
        }
        for (speaker, text), (start, end) in zip(pairs, timeline, strict=True)
    ]


def _speaker_and_text(turn) -> tuple[str, str]:
    if isinstance(turn, Mapping):
        speaker, text = turn.get("speaker"), turn.get("text")
    else:
        speaker, text = getattr(turn, "speaker", None), getattr(turn, "text", None)
    if speaker not in CHANNELS:
        raise ValueError(f"turn speaker must be one of {sorted(CHANNELS)}, got {speaker!r}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"turn text must be a non-empty string, got {text!r}")
    return speaker, text


def _speak(binary: str, text: str, voice: str, sample_rate: int) -> np.ndarray:
    """One utterance as mono float samples at ``sample_rate``."""
    with tempfile.TemporaryDirectory(prefix="callscope-tts-") as tmp:
        wav = Path(tmp) / "turn.wav"
        result = subprocess.run(
            [binary, "-v", voice, "-b", "1", "-w", str(wav)],
            input=text.encode("utf-8"),
            capture_output=True,
            check=False,
        )
        if result.returncode != 0 or not wav.exists():
            raise RuntimeError(
                f"espeak-ng failed for voice {voice!r}: {result.stderr.decode(errors='replace').strip()}"
            )
        samples, rate = soundfile.read(wav, dtype="float64", always_2d=False)
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    ratio = Fraction(sample_rate, rate)
    if ratio != 1:
        samples = signal.resample_poly(samples, ratio.numerator, ratio.denominator)
    return samples


def _place_turns(
    durations: list[tuple[str, float]], overlap_share: float, rng: random.Random
) -> list[tuple[float, float]]:
    """Start and end of each turn: pauses between turns, sometimes an overlap at a speaker change."""
    timeline: list[tuple[float, float]] = []
    last_end = {speaker: 0.0 for speaker in CHANNELS}
    clock = LEAD_IN_SECONDS
    previous = None
    for speaker, duration in durations:
        if previous is None:
            start = clock
        elif speaker != previous and rng.random() < overlap_share:
            prev_start, prev_end = timeline[-1]
            overlap = min(rng.uniform(0.2, 0.8), (prev_end - prev_start) / 2)
            start = prev_end - overlap
        else:
            pause = rng.uniform(0.1, 0.4) if speaker == previous else rng.uniform(0.2, 1.0)
            start = clock + pause
        if previous is not None:
            # A speaker never overlaps their own previous turn: it is one channel.
            start = max(start, last_end[speaker] + 0.05)
        end = start + duration
        timeline.append((start, end))
        last_end[speaker] = end
        clock = max(clock, end)
        previous = speaker
    return timeline


def _telephone_band(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    sos = signal.butter(6, TELEPHONE_BAND_HZ, btype="bandpass", fs=sample_rate, output="sos")
    return signal.sosfiltfilt(sos, audio, axis=0)
