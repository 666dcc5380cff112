"""Voice-activity detectors for silence-gated decoding, and feeding stretches as utterances."""

import tempfile
from pathlib import Path

import numpy as np
import pytest

from speech.audio import TARGET_RATE
from speech.gating import gated_share, voice_stretches
from speech.recognizer import VoskRecognizer
from speech.synthetic import KOREAN_VOICES, speak, tools_available
from tests.speech.test_speech_recognizer import StandInKaldi, two_bursts_leg, vosk_result

RATE = TARGET_RATE


@pytest.fixture(scope="module")
def leg_with_tone_and_line_noise():
    """12 s of one leg: an espeak-ng sentence at 1 s, a 425 Hz tone at 7 s (a line beep) and a
    burst of loud line noise at 10 s, over a -60 dBFS floor."""
    if not tools_available():
        pytest.fail("espeak-ng and sox are needed to synthesize test calls (make install)")
    with tempfile.TemporaryDirectory() as tmp:
        voice = speak(
            "안녕하세요, 무엇을 도와드릴까요?", "employee", Path(tmp), RATE, KOREAN_VOICES
        )
    voice = voice[np.flatnonzero(np.abs(voice) > 1e-3)[0] :]
    leg = np.random.default_rng(0).normal(0, 1e-3, 12 * RATE).astype(np.float32)
    leg[RATE : RATE + voice.size] += voice
    t = np.arange(int(1.5 * RATE)) / RATE
    leg[7 * RATE : 7 * RATE + t.size] += (0.2 * np.sin(2 * np.pi * 425 * t)).astype(np.float32)
    leg[10 * RATE : int(10.4 * RATE)] += np.random.default_rng(1).normal(0, 0.1, int(0.4 * RATE))
    return leg, (1.0, 1.0 + voice.size / RATE)


def seconds(stretches):
    return [(a / RATE, b / RATE) for a, b in stretches]


def test_silero_keeps_the_speech_and_drops_a_tone_and_line_noise(leg_with_tone_and_line_noise):
    leg, (start, end) = leg_with_tone_and_line_noise
    energy = seconds(voice_stretches(leg, pad=0.15, join=0.5, detector="energy"))
    silero = seconds(voice_stretches(leg, pad=0.15, join=0.5, detector="silero"))
    # the energy grid feeds the beep and the noise burst: the contrast that makes the test count
    assert any(a <= 7.5 and b >= 8.0 for a, b in energy)
    assert any(a <= 10.1 and b >= 10.3 for a, b in energy)
    assert len(silero) == 1
    (a, b) = silero[0]
    assert a <= start
    assert b >= end - 0.05
    assert b < 7.0  # and nothing of the tone or the noise
    assert gated_share(voice_stretches(leg, detector="silero"), leg.size) < 0.4


def test_silero_gives_nothing_for_a_dead_leg():
    assert voice_stretches(np.zeros(3 * RATE, dtype=np.float32), detector="silero") == []


def test_an_unknown_detector_is_refused():
    with pytest.raises(ValueError, match="unknown voice-activity detector"):
        voice_stretches(np.ones(RATE, dtype=np.float32), detector="webrtc")


class CountingKaldi(StandInKaldi):
    def __init__(self, results, sample_rate):
        super().__init__(results, sample_rate)
        self.finals = []  # samples fed when each FinalResult was asked for

    def FinalResult(self):
        self.finals.append(self.fed_bytes // 2)
        return super().FinalResult()


@pytest.mark.parametrize("per_stretch", [False, True])
def test_stretches_are_finished_as_utterances_when_asked(per_stretch):
    leg = two_bursts_leg()
    made = []

    def factory(model_path, sample_rate):
        made.append(CountingKaldi([vosk_result(("раз", 0.4, 0.8, 0.9))], sample_rate))
        return made[-1]

    recognizer = VoskRecognizer(
        "unused", recognizer_factory=factory, gate=True, per_stretch=per_stretch
    )
    stretches = recognizer.stretches(leg)
    words = [w for r in recognizer.recognize(leg) for w in r["result"]]
    assert [w["word"] for w in words] == ["раз"]
    assert words[0]["start"] == pytest.approx(stretches[0][0] / RATE + 0.4)
    first_len = stretches[0][1] - stretches[0][0]
    total = sum(b - a for a, b in stretches)
    expected = [first_len, total, total] if per_stretch else [total]
    assert len(made) == 1
    assert made[0].finals == expected
