"""Synthetic stereo telephone calls for tests and benchmarks: each turn is spoken by espeak-ng
(Russian voices, or Korean ones for the packaged Korean Vosk model), band-limited to the 300-3400 Hz telephone band and resampled to 8 kHz by sox,
then placed at its start time on the speaker's channel. Turns may overlap.

The returned reference dialogue gives each turn's real start and end in the recording.
"""

from __future__ import annotations

import itertools
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
KOREAN_VOICES = {"client": ("ko", 45, 150), "employee": ("ko+f3", 70, 165)}


@dataclass(frozen=True)
class ScriptTurn:
    speaker: str  # client or employee
    text: str
    start: float  # seconds from the start of the call


def shared_audio(name: str) -> Path | None:
    """A recording from ``../shared/data/audio`` beside the checkout (or beside the folder of
    worktrees it sits in), or None."""
    root = Path(__file__).resolve().parents[1]
    for base in (root.parent, root.parent.parent):
        candidate = base / "shared" / "data" / "audio" / name
        if candidate.is_file():
            return candidate
    return None


def tools_available() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def speak(
    text: str, speaker: str, workdir: Path, rate: int = PHONE_RATE, voices=None
) -> np.ndarray:
    """One utterance at ``rate`` in the telephone band, as float32 samples."""
    voice, pitch, speed = (voices or VOICES)[speaker]
    raw, phone = workdir / "raw.wav", workdir / "phone.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(raw), text],
        check=True,
        capture_output=True,
    )
    # -R: sox seeds its dither from the clock unless told to be repeatable; without it every
    # synthesized call differs in its low bits, and so does what the recognizer makes of it.
    subprocess.run(
        ["sox", "-R", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(phone),
         "sinc", "300-3400"],
        check=True,
        capture_output=True,
    )  # fmt: skip
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
    voices: dict[str, tuple[str, int, int]] | None = None,
    noise_db: float | None = None,
) -> list[dict[str, Any]]:
    """Writes the call as 16-bit WAV (stereo: the client on ``client_channel``) and returns
    its reference turns ``{speaker, text, start, end}``. ``noise_db`` adds a line noise floor
    (dBFS) to both channels, as a real line has; without it the silences are digital zero."""
    spoken = []
    with tempfile.TemporaryDirectory() as tmp:
        for turn in turns:
            spoken.append((turn, _trim(speak(turn.text, turn.speaker, Path(tmp), rate, voices))))
    length = max(round(t.start * rate) + s.size for t, s in spoken) + int(tail * rate)
    channels = np.zeros((2, length), dtype=np.float32)
    if noise_db is not None:
        noise = np.random.default_rng(len(turns)).normal(0.0, 10 ** (noise_db / 20), (2, length))
        channels += noise.astype(np.float32)
    reference = []
    for turn, samples in spoken:
        index = client_channel if turn.speaker == "client" else 1 - client_channel
        first = round(turn.start * rate)
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

KOREAN_SCRIPT = (
    ScriptTurn("employee", "안녕하세요, 부동산 중개소입니다. 무엇을 도와드릴까요?", 0.3),
    ScriptTurn("client", "안녕하세요, 아파트 담보 대출에 대해 알고 싶습니다", 4.6),
    ScriptTurn("employee", "네, 계약금은 얼마 정도 생각하고 계세요?", 8.8),
    ScriptTurn("client", "잠깐만요, 이자율은 얼마예요?", 11.4),
    ScriptTurn("employee", "연 팔 퍼센트부터 시작합니다", 14.2),
    ScriptTurn("client", "감사합니다, 생각해 보고 다시 전화할게요", 17.0),
)
KOREAN_SCRIPT_2 = (
    ScriptTurn("employee", "통신사 고객센터입니다, 말씀하세요", 0.2),
    ScriptTurn("client", "인터넷이 이틀째 안 돼요", 2.8),
    ScriptTurn("employee", "계약 번호를 알려 주시겠어요?", 5.4),
    ScriptTurn("client", "일 이 삼 사 오 입니다", 7.8),
    ScriptTurn("employee", "감사합니다, 내일 기사님이 방문하겠습니다", 10.4),
)


def two_party_call(
    speech: np.ndarray, rate: int, block_seconds: float = 6.0, noise_db: float = -60.0
) -> np.ndarray:
    """A stereo call made of one real recording: consecutive blocks of about ``block_seconds``,
    each cut at the quietest 10 ms near its end, go to the left and right channels in turn at
    their original times; the other channel meanwhile carries low line noise."""
    hop = rate // 100
    frames = speech.size // hop
    energy = np.square(speech[: frames * hop].reshape(frames, hop)).mean(axis=1)
    cuts, position = [0], 0
    block, window = int(block_seconds * 100), 100
    while position + block + window < frames:
        lo = position + block - window
        position = lo + int(np.argmin(energy[lo : lo + 2 * window]))
        cuts.append(position * hop)
    cuts.append(speech.size)
    noise = np.random.default_rng(0).normal(0.0, 10 ** (noise_db / 20), (2, speech.size))
    call = noise.astype(np.float32)
    for index, (first, last) in enumerate(itertools.pairwise(cuts)):
        call[index % 2, first:last] = speech[first:last]
    return call
