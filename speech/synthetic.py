"""Synthetic stereo telephone calls for tests and benchmarks: each turn is spoken by espeak-ng
(Russian voice), band-limited to the 300–3400 Hz telephone band and resampled to 8 kHz by sox,
then placed at its start time on the speaker's channel. Turns may overlap.

The returned reference dialogue gives each turn's real start and end in the recording.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

PHONE_RATE = 8_000
VOICES = {"client": ("ru", 45, 150), "employee": ("ru+f3", 70, 165)}  # voice, pitch, words/min


@dataclass(frozen=True)
class ScriptTurn:
    speaker: str  # client or employee
    text: str
    start: float  # seconds from the start of the call


def tools_available() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def speak(text: str, speaker: str, workdir: Path, rate: int = PHONE_RATE) -> np.ndarray:
    """One utterance at ``rate`` in the telephone band, as float32 samples."""
    voice, pitch, speed = VOICES[speaker]
    raw, phone = workdir / "raw.wav", workdir / "phone.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(raw), text],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(phone), "sinc", "300-3400"],
        check=True,
        capture_output=True,
    )
    samples, _ = sf.read(phone, dtype="float32")
    return samples


def _trim(samples: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples[:0]


def synthesize_call(
    turns: Sequence[ScriptTurn],
    out_path: str | Path,
    client_channel: int = 0,
    rate: int = PHONE_RATE,
    tail: float = 0.5,
    stereo: bool = True,
) -> list[dict[str, Any]]:
    """Writes the call as 16-bit WAV (stereo: the client on ``client_channel``) and returns
    its reference turns ``{speaker, text, start, end}``."""
    spoken = []
    with tempfile.TemporaryDirectory() as tmp:
        for turn in turns:
            spoken.append((turn, _trim(speak(turn.text, turn.speaker, Path(tmp), rate))))
    length = max(int(round(t.start * rate)) + s.size for t, s in spoken) + int(tail * rate)
    channels = np.zeros((2, length), dtype=np.float32)
    reference = []
    for turn, samples in spoken:
        index = client_channel if turn.speaker == "client" else 1 - client_channel
        first = int(round(turn.start * rate))
        channels[index, first : first + samples.size] += samples
        reference.append(
            {
                "speaker": turn.speaker,
                "text": turn.text,
                "start": round(first / rate, 3),
                "end": round((first + samples.size) / rate, 3),
            }
        )
    data = channels.T if stereo else channels.sum(axis=0)
    sf.write(str(out_path), np.clip(data, -1, 1), rate, subtype="PCM_16")
    return sorted(reference, key=lambda t: t["start"])


DEMO_SCRIPT = (
    ScriptTurn(
        "employee", "Здравствуйте, агентство недвижимости, меня зовут Анна, чем могу помочь?", 0.3
    ),
    ScriptTurn("client", "Добрый день, я хочу узнать про ипотеку на квартиру", 5.0),
    ScriptTurn("employee", "Конечно, какой первоначальный взнос вы планируете?", 8.6),
    ScriptTurn("client", "Подождите, а какая ставка?", 10.6),
    ScriptTurn("employee", "Ставка от восьми процентов годовых", 13.6),
    ScriptTurn("client", "Спасибо, я подумаю и перезвоню", 16.6),
)
