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


def speak_lines(
    lines: Sequence[tuple[str, str]], rate: int, voices: dict[str, tuple[str, int, int]] | None
) -> list[np.ndarray]:
    """Each ``(speaker, text)`` spoken and trimmed of its leading and trailing silence."""
    with tempfile.TemporaryDirectory() as tmp:
        return [_trim(speak(text, speaker, Path(tmp), rate, voices)) for speaker, text in lines]


def synthesize_call(
    turns: Sequence[ScriptTurn],
    out_path: str | Path,
    client_channel: int = 0,
    rate: int = PHONE_RATE,
    tail: float = 0.5,
    stereo: bool = True,
    voices: dict[str, tuple[str, int, int]] | None = None,
    noise_db: float | None = None,
    said: Sequence[np.ndarray] | None = None,
) -> list[dict[str, Any]]:
    """Writes the call as 16-bit WAV (stereo: the client on ``client_channel``) and returns
    its reference turns ``{speaker, text, start, end}``. ``noise_db`` adds a line noise floor
    (dBFS) to both channels, as a real line has; without it the silences are digital zero.
    ``said`` holds the turns already spoken by ``speak_lines``, so they are not spoken again."""
    if said is None:
        said = speak_lines([(t.speaker, t.text) for t in turns], rate, voices)
    spoken = list(zip(turns, said, strict=True))
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


# Natural Korean customer-service exchanges: (speaker, text). Spoken as dialogues whose turns
# alternate with pauses (``synthesize_dialogue``), as on a real line, each leg is silent while
# the other side talks and in the pauses between turns.
KOREAN_DIALOGUES = (
    (
        ("employee", "안녕하세요, 행복 부동산입니다. 무엇을 도와드릴까요?"),
        ("client", "안녕하세요. 강남역 근처에 있는 아파트 전세를 알아보고 있는데요."),
        ("employee", "네, 원하시는 평수와 예산을 말씀해 주시겠어요?"),
        ("client", "방 세 개짜리면 좋겠고요, 예산은 오억 정도 생각하고 있어요."),
        ("employee", "그 가격이면 역에서 조금 떨어진 곳에 괜찮은 매물이 두 개 있습니다."),
        ("client", "그럼 이번 주 토요일 오전에 직접 볼 수 있을까요?"),
        ("employee", "네, 토요일 오전 열 시로 예약해 드리겠습니다. 성함이 어떻게 되세요?"),
        ("client", "김민수입니다. 감사합니다."),
    ),
    (
        ("employee", "고객센터입니다. 무엇을 도와드릴까요?"),
        ("client", "어제부터 인터넷이 계속 끊겨서 전화드렸어요."),
        ("employee", "불편을 드려 죄송합니다. 고객님 계약 번호를 알려 주시겠어요?"),
        ("client", "잠시만요, 찾아볼게요. 일 이 삼 사 오 육 칠입니다."),
        ("employee", "확인해 보니 그 지역에 장애가 있었습니다. 오늘 저녁까지 복구될 예정입니다."),
        ("client", "그래도 안 되면 어떻게 해야 하나요?"),
        ("employee", "그때는 내일 오전에 기사님이 방문하도록 접수해 드리겠습니다."),
        ("client", "알겠습니다. 수고하세요."),
    ),
    (
        ("client", "여보세요, 자동차 매장이죠? 시승 예약을 하고 싶어서요."),
        ("employee", "네, 어떤 차종으로 원하세요?"),
        ("client", "새로 나온 소형 에스유브이요. 주말에도 가능한가요?"),
        ("employee", "토요일은 가능하고 일요일은 쉽니다. 몇 시가 편하세요?"),
        ("client", "오후 두 시쯤이 좋겠어요."),
        ("employee", "토요일 오후 두 시로 예약되었습니다. 운전면허증을 꼭 가져오세요."),
        ("client", "네, 알겠습니다. 그날 뵙겠습니다."),
    ),
    (
        ("employee", "서울 치과입니다. 예약 도와드릴까요?"),
        ("client", "네, 이가 너무 아파서 오늘 진료를 받을 수 있는지 궁금해요."),
        (
            "employee",
            "오늘은 예약이 다 찼는데요, 오후 다섯 시 이후에 오시면 기다리셨다가 보실 수 있어요.",
        ),
        ("client", "보험은 적용이 되나요?"),
        ("employee", "기본 진료와 엑스레이는 건강보험이 적용됩니다."),
        ("client", "그럼 다섯 시 반쯤 가겠습니다. 감사합니다."),
    ),
)


def synthesize_dialogue(
    lines: Sequence[tuple[str, str]],
    out_path: str | Path,
    seed: int,
    gaps: tuple[float, float] = (0.3, 1.2),
    long_pause_share: float = 0.15,
    **options: Any,
) -> list[dict[str, Any]]:
    """A dialogue as a stereo call: each turn starts after the previous one ends, with a pause
    drawn from ``gaps`` (seconds; with ``long_pause_share`` probability a 2-3 s pause, as while
    someone looks something up). ``options`` go to ``synthesize_call``; returns its reference."""
    rng = np.random.default_rng(seed)
    rate = options.get("rate", PHONE_RATE)
    said = speak_lines(lines, rate, options.get("voices"))
    turns, start = [], 0.4
    for (speaker, text), samples in zip(lines, said, strict=True):
        turns.append(ScriptTurn(speaker, text, round(start, 2)))
        pause = rng.uniform(2.0, 3.0) if rng.random() < long_pause_share else rng.uniform(*gaps)
        start += samples.size / rate + pause
    return synthesize_call(turns, out_path, said=said, **options)


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
