"""`callscope transcribe AUDIO...` with the real (packaged) Vosk model, and the awkward
recordings real calls bring: silence, clipping, 8 kHz µ-law, a dead channel, mono written as
stereo, a very long call."""

import json
import subprocess

import numpy as np
import pytest
import soundfile as sf
import typer
from typer.testing import CliRunner

from data.settings import get_settings
from pipelines.cli import transcribe_audio
from speech.audio import decode
from speech.recognizer import VOSK_MODEL_NAME, VoskRecognizer
from speech.transcribe import transcribe_file

pytestmark = pytest.mark.slow  # real decoding of several short calls


@pytest.fixture
def cli(vosk_model, monkeypatch):
    monkeypatch.setenv("CALLSCOPE_VOSK_MODEL_PATH", str(vosk_model))
    monkeypatch.delenv("CALLSCOPE_SPEECH_GATING", raising=False)
    get_settings.cache_clear()
    app = typer.Typer()
    transcribe_audio.register(app)
    app.command("noop")(lambda: None)  # keeps typer from folding the app into one command
    yield lambda *args: CliRunner().invoke(app, ["transcribe", *map(str, args)])
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def awkward(korean_calls, recordings, tmp_path_factory):
    """Odd but readable recordings made from the Korean test calls."""
    folder = tmp_path_factory.mktemp("awkward")
    # the first 8 s of a call (8 kHz stereo, client on the right): both sides speak in them
    call = sf.read(korean_calls.folder / "ko-2-right.wav", dtype="float32")[0][: 8000 * 8]
    noise = np.random.default_rng(1).normal(0, 3e-4, (8000 * 5, 2)).astype(np.float32)
    sf.write(folder / "silence.wav", noise, 8000, subtype="PCM_16")
    sf.write(folder / "clipped.wav", np.clip(call * 30, -1, 1), 8000, subtype="PCM_16")
    dead = call.copy()
    dead[:, 0] = 0.0  # the client (right) talks, the employee's leg (left) is dead
    sf.write(folder / "dead.wav", dead, 8000, subtype="PCM_16")
    mono = call.sum(axis=1)
    sf.write(folder / "mono-as-stereo.wav", np.stack([mono, mono], axis=1), 8000, subtype="PCM_16")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(korean_calls.folder / "ko-2-right.wav"),
         "-t", "8", "-c:a", "pcm_mulaw", "-ar", "8000", str(folder / "mulaw.wav")],
        check=True,
    )  # fmt: skip
    return folder


def lines(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_transcribe_gives_the_pipelines_words_and_a_line_per_file(
    cli, korean_calls, recordings, vosk_rows
):
    record = korean_calls.folder / "ko-2-right.wav"  # the client is on the right
    result = cli(record, recordings.folder / "garbage.wav", "--layout", "client-right")
    assert result.exit_code == 0, result.output
    good, broken = lines(result)
    assert good["status"] == "ok"
    assert good["is_stereo"] is True
    assert set(good["turns"][0]) == {"speaker", "start", "end", "text"}
    assert set(good["words"][0]) == {"speaker", "word", "start", "end", "confidence"}
    pipeline = json.loads(vosk_rows["ko-2-right"]["turns"])
    assert {t["speaker"] for t in good["turns"]} == {"client", "employee"}
    assert [(t["speaker"], t["text"]) for t in good["turns"]] == [
        (t["speaker"], t["text"]) for t in pipeline
    ]
    assert [(w["speaker"], w["word"], w["start"], w["confidence"]) for w in good["words"]] == [
        (t["speaker"], w["word"], w["start"], w["conf"]) for t in pipeline for w in t["words"]
    ]
    assert good["prosody"] == json.loads(vosk_rows["ko-2-right"]["prosody"])
    assert broken["status"] == "error"
    assert broken["reason"].startswith("corrupt")
    assert broken["file"].endswith("garbage.wav")


def test_no_readable_file_exits_2_naming_it(cli, recordings):
    result = cli(recordings.folder / "garbage.wav", recordings.folder / "absent.wav")
    assert result.exit_code == 2
    assert [line["status"] for line in lines(result)] == ["error", "error"]
    assert "garbage.wav" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli(recordings.folder / "garbage.wav", "--layout", "sideways").exit_code == 2


def test_without_a_model_it_names_the_model(cli, korean_calls, monkeypatch):
    monkeypatch.setenv("CALLSCOPE_VOSK_MODEL_PATH", "/nowhere")
    get_settings.cache_clear()
    result = cli(korean_calls.folder / "ko-1.wav")
    assert result.exit_code == 1
    assert VOSK_MODEL_NAME in result.stderr


def test_awkward_recordings_give_sensible_lines(cli, awkward, korean_calls):
    names = ("silence", "clipped", "mulaw", "dead", "mono-as-stereo")
    result = cli(*(awkward / f"{n}.wav" for n in names), "--layout", "client-right")
    mono = lines(cli(awkward / "dead.wav", "--layout", "mono"))[0]
    assert mono["is_stereo"] is False
    assert {w["speaker"] for w in mono["words"]} == {"unknown"}
    assert result.exit_code == 0, result.output
    out = dict(zip(names, lines(result), strict=True))
    assert all(line["status"] == "ok" for line in out.values())
    assert out["silence"]["turns"] == []
    assert out["silence"]["reason"] == "no_speech"
    assert "clipped" in out["clipped"]["reason"]
    assert out["clipped"]["words"]
    assert out["mulaw"]["reason"] is None
    assert {w["speaker"] for w in out["mulaw"]["words"]} == {"client", "employee"}
    assert out["dead"]["reason"] == "dead_channel:left"
    assert {w["speaker"] for w in out["dead"]["words"]} == {"client"}
    assert out["mono-as-stereo"]["reason"] == "mono_in_stereo"
    assert out["mono-as-stereo"]["is_stereo"] is False
    assert {w["speaker"] for w in out["mono-as-stereo"]["words"]} == {"unknown"}


@pytest.mark.timeout(300)
def test_a_long_quiet_call_is_a_row_not_a_hang(vosk_model, tmp_path):
    path = tmp_path / "long.wav"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "anoisesrc=r=8000:c=pink:a=0.0003:d=1800", str(path)],
        check=True,
    )  # fmt: skip
    assert decode(path).seconds == pytest.approx(1800)
    line = transcribe_file(path, VoskRecognizer(vosk_model, gate=True))
    assert line["status"] == "ok"
    assert line["audio_seconds"] == pytest.approx(1800)
    assert line["turns"] == []
    assert line["reason"] == "no_speech"
