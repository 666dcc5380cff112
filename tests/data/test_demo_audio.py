import shutil

import numpy as np
import pytest
import soundfile

from data.demo import audio
from data.demo.audio import AudioToolMissingError, synthesize_call
from data.demo.dialogues import Turn

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng (Debian package espeak-ng) is not installed",
)

TURNS = (
    Turn("client", "Здравствуйте, хочу записаться на тест-драйв."),
    Turn("employee", "Добрый день, конечно, на субботу подойдёт?"),
    Turn("client", "Да, в субботу удобно."),
)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2)))


@needs_espeak
def test_client_left_employee_right_telephone_band(tmp_path):
    path = tmp_path / "call.wav"
    timeline = synthesize_call(TURNS, path, overlap_share=0.0, seed=1)
    samples, rate = soundfile.read(path)
    assert rate == 8000
    assert samples.shape[1] == 2
    assert [t["speaker"] for t in timeline] == ["client", "employee", "client"]
    assert [t["channel"] for t in timeline] == [0, 1, 0]
    assert timeline[0]["text"] == TURNS[0].text
    for turn in timeline:
        assert turn["end"] > turn["start"] >= 0
        span = samples[int(turn["start"] * rate) : int(turn["end"] * rate)]
        own, other = rms(span[:, turn["channel"]]), rms(span[:, 1 - turn["channel"]])
        assert own > 10 * other
    assert timeline[-1]["end"] <= len(samples) / rate

    spectrum = np.abs(np.fft.rfft(samples[:, 0])) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    in_band = spectrum[(freqs >= 300) & (freqs <= 3400)].sum()
    assert spectrum[freqs > 3700].sum() < 0.01 * in_band
    assert spectrum[freqs < 150].sum() < 0.01 * in_band


@needs_espeak
def test_gaps_overlaps_and_seed(tmp_path):
    apart = synthesize_call(TURNS[:2], tmp_path / "a.wav", overlap_share=0.0, seed=3)
    assert apart[1]["start"] > apart[0]["end"]
    overlapped = synthesize_call(TURNS[:2], tmp_path / "b.wav", overlap_share=1.0, seed=3)
    assert overlapped[1]["start"] < overlapped[0]["end"]
    again = synthesize_call(TURNS[:2], tmp_path / "c.wav", overlap_share=1.0, seed=3)
    assert again == overlapped
    assert np.array_equal(
        soundfile.read(tmp_path / "b.wav")[0], soundfile.read(tmp_path / "c.wav")[0]
    )


@needs_espeak
def test_dict_turns_and_other_rate(tmp_path):
    turns = [{"speaker": "employee", "text": "Алло, слушаю вас."}]
    timeline = synthesize_call(turns, tmp_path / "one.wav", sample_rate=16000)
    assert soundfile.info(tmp_path / "one.wav").samplerate == 16000
    assert timeline[0]["channel"] == 1


def test_bad_turns_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="speaker"):
        synthesize_call([{"speaker": "robot", "text": "привет"}], tmp_path / "x.wav")
    with pytest.raises(ValueError, match="text"):
        synthesize_call([Turn("client", "  ")], tmp_path / "x.wav")
    with pytest.raises(ValueError, match="at least one turn"):
        synthesize_call([], tmp_path / "x.wav")
    with pytest.raises(ValueError, match="overlap_share"):
        synthesize_call(TURNS, tmp_path / "x.wav", overlap_share=1.5)
    assert not (tmp_path / "x.wav").exists()


def test_missing_espeak_names_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    with pytest.raises(AudioToolMissingError, match=r"espeak-ng.*apt-get install -y espeak-ng"):
        synthesize_call(TURNS, tmp_path / "x.wav")
