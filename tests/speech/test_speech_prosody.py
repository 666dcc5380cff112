"""Intonation features on real speech and on synthesized two-leg calls with known timing."""

import itertools

import numpy as np
import pytest

from speech.audio import TARGET_RATE, decode
from speech.channels import split_legs
from speech.dialogue import Utterance, Word
from speech.prosody import analyse_leg, legs_from_audio, legs_from_dialogue, prosody


def _reference_turns(reference, speaker):
    return [t for t in reference if t["speaker"] == speaker]


def _dialogue(reference):
    out = []
    for turn in reference:
        words = turn["text"].split()
        step = (turn["end"] - turn["start"]) / len(words)
        out.append(Utterance(turn["speaker"], turn["start"], turn["end"], tuple(
            Word(w, turn["start"] + i * step, turn["start"] + (i + 0.9) * step, 1.0)
            for i, w in enumerate(words))))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def call_one(recordings):
    samples = decode(recordings.folder / "rec-1.wav").samples
    reference = recordings.references["rec-1"]
    dialogue = _dialogue(reference)
    features = prosody(
        legs_from_audio(split_legs(samples, 0)), dialogue, samples.shape[1] / TARGET_RATE, "audio"
    )
    return reference, features


def _union_seconds(turns):
    spans = sorted((t["start"], t["end"]) for t in turns)
    total, (lo, hi) = 0.0, spans[0]
    for start, end in spans[1:]:
        if start > hi:
            total, lo = total + hi - lo, start
        hi = max(hi, end)
    return total + hi - lo


def test_talk_time_silence_and_ratio_follow_the_script(call_one):
    reference, features = call_one
    call = features["call"]
    for speaker in ("client", "employee"):
        expected = sum(t["end"] - t["start"] for t in _reference_turns(reference, speaker))
        assert call["speakers"][speaker]["talk_s"] == pytest.approx(expected, abs=0.5)
    speech = _union_seconds(reference)
    assert call["silence_share"] == pytest.approx(1 - speech / call["duration_s"], abs=0.04)
    talk = call["speakers"]
    assert call["talk_ratio"] == pytest.approx(
        talk["client"]["talk_s"] / talk["employee"]["talk_s"], abs=1e-3
    )
    assert 0 < call["client_talk_share"] < 1


def test_overlap_and_interruption_are_found_where_the_client_cuts_in(call_one):
    reference, features = call_one
    employee = next(t for t in reference if t["text"].startswith("Конечно"))
    client = next(t for t in reference if t["text"].startswith("Подождите"))
    expected_overlap = employee["end"] - client["start"]
    assert expected_overlap > 0.3
    call = features["call"]
    assert call["overlap"]["seconds"] == pytest.approx(expected_overlap, abs=0.2)
    assert call["overlap"]["count"] == 1
    assert call["interruptions"] == {"client": 1, "employee": 0}


def test_pauses_between_turns(call_one):
    reference, features = call_one
    gaps = [
        b["start"] - a["end"]
        for a, b in itertools.pairwise(reference)
        if b["start"] - a["end"] >= 0.3
    ]
    pauses = features["call"]["pauses"]
    assert pauses["count"] == len(gaps)
    assert pauses["total_s"] == pytest.approx(sum(gaps), abs=0.4)


def test_pitch_separates_the_voices_and_rate_comes_from_words(call_one):
    reference, features = call_one
    speakers = features["call"]["speakers"]
    assert 70 < speakers["client"]["f0_median_hz"] < 140  # low voice
    assert 180 < speakers["employee"]["f0_median_hz"] < 320  # high voice
    first = features["utterances"][0]
    turn = reference[0]
    assert first["speaker"] == turn["speaker"]
    assert first["words"] == len(turn["text"].split())
    assert first["speaking_rate_wps"] == pytest.approx(
        first["words"] / (first["end"] - first["start"]), rel=1e-3
    )
    assert first["energy_db"] is not None
    assert -60 < first["energy_db"] < 0


def test_pitch_of_a_voice_without_its_fundamental():
    """Telephone audio cuts the fundamental; harmonics 3..8 of 110 Hz still read as 110 Hz."""
    t = np.arange(2 * TARGET_RATE) / TARGET_RATE
    voice = sum(np.sin(2 * np.pi * 110 * k * t) / k for k in range(3, 9)).astype(np.float32) * 0.2
    leg = analyse_leg(voice)
    voiced = leg.f0[~np.isnan(leg.f0)]
    assert voiced.size > 100
    assert np.median(voiced) == pytest.approx(110, rel=0.03)


def test_real_speech_pitch_energy_and_activity(real_speech):
    samples = decode(real_speech).samples[0]
    leg = analyse_leg(samples)
    voiced = leg.f0[~np.isnan(leg.f0)]
    assert 0.4 < leg.active.mean() < 0.95  # a read text with pauses between phrases
    assert voiced.size > 0.2 * leg.active.sum()
    assert 80 < np.median(voiced) < 300
    features = prosody({"unknown": leg}, [], samples.size / TARGET_RATE, "audio")
    call = features["call"]
    assert call["silence_share"] == pytest.approx(1 - leg.active.mean(), abs=0.01)
    assert call["overlap"] is None
    assert call["talk_ratio"] is None
    stats = call["speakers"]["unknown"]
    assert stats["f0_p10_hz"] < stats["f0_median_hz"] < stats["f0_p90_hz"]
    assert 1 < stats["f0_range_st"] < 24
    assert call["pauses"]["count"] >= 5


def test_timing_features_without_audio(recordings):
    reference = recordings.references["rec-1"]
    dialogue = _dialogue(reference)
    seconds = max(t["end"] for t in reference)
    features = prosody(legs_from_dialogue(dialogue, seconds), dialogue, seconds, "timestamps")
    call = features["call"]
    assert call["interruptions"] == {"client": 1, "employee": 0}
    assert call["speakers"]["client"]["f0_median_hz"] is None
    assert features["source"] == "timestamps"
