"""The recognizer boundary: a stand-in with Vosk's interface and JSON shapes, utterance
segmentation, the dialogue merge and the missing-model error (the real model: test_speech_vosk)."""

import json

import numpy as np
import pytest

from data.errors import ModelMissingError
from speech.audio import TARGET_RATE
from speech.dialogue import (
    merge_dialogue,
    turns_json,
    utterances_from_results,
    utterances_from_turns,
)
from speech.recognizer import (
    VOSK_MODEL_NAME,
    VOSK_MODEL_SETTING,
    VOSK_MODELS_URL,
    GroundTruthRecognizer,
    RecognitionError,
    VoskRecognizer,
    load_vosk_model,
    vosk_words,
)


class StandInKaldi:
    """Speaks Vosk's KaldiRecognizer protocol: AcceptWaveform returns True once the audio fed so
    far covers the next prepared result, Result()/FinalResult() return Vosk's JSON strings."""

    def __init__(self, results, sample_rate):
        self.pending = list(results)
        self.sample_rate = sample_rate
        self.fed_bytes = 0
        self.words_enabled = False
        self.ready = None

    def SetWords(self, enabled):
        self.words_enabled = enabled

    def AcceptWaveform(self, data):
        assert isinstance(data, bytes)
        assert len(data) % 2 == 0
        self.fed_bytes += len(data)
        heard = self.fed_bytes / 2 / self.sample_rate
        if self.pending and self.pending[0]["result"][-1]["end"] <= heard:
            self.ready = self.pending.pop(0)
            return True
        return False

    def Result(self):
        return json.dumps(self.ready, ensure_ascii=False)

    def FinalResult(self):
        rest = [w for r in self.pending for w in r["result"]]
        self.pending = []
        if not rest:
            return json.dumps({"text": ""})
        return json.dumps(
            {"result": rest, "text": " ".join(w["word"] for w in rest)}, ensure_ascii=False
        )


def vosk_result(*words):
    return {"result": [{"conf": c, "end": e, "start": s, "word": w} for w, s, e, c in words],
            "text": " ".join(w[0] for w in words)}  # fmt: skip


RESULTS = [
    vosk_result(("добрый", 0.30, 0.62, 0.98), ("день", 0.66, 0.95, 0.91)),
    vosk_result(
        ("хочу", 2.10, 2.40, 0.80), ("ипотеку", 2.45, 3.10, 0.70), ("сейчас", 4.20, 4.60, 0.60)
    ),
    vosk_result(("спасибо", 5.50, 6.00, 0.95)),  # still pending when the audio ends
]


def test_vosk_recognizer_feeds_pcm_and_collects_results():
    made = []

    def factory(model_path, rate):
        made.append(StandInKaldi(RESULTS, rate))
        return made[-1]

    samples = np.zeros(int(5.8 * TARGET_RATE), dtype=np.float32)
    results = VoskRecognizer("unused", recognizer_factory=factory).recognize(samples, TARGET_RATE)
    kaldi = made[0]
    assert kaldi.words_enabled
    assert kaldi.fed_bytes == samples.size * 2  # 16-bit PCM, every sample fed once
    assert [w["word"] for r in results for w in r["result"]] == [
        "добрый", "день", "хочу", "ипотеку", "сейчас", "спасибо"
    ]  # fmt: skip


def test_results_become_utterances_split_at_long_pauses():
    utterances = utterances_from_results(RESULTS, "client", split_pause=0.6)
    assert [u.text for u in utterances] == ["добрый день", "хочу ипотеку", "сейчас", "спасибо"]
    first = utterances[0]
    assert (first.start, first.end) == (0.30, 0.95)
    assert first.confidence == pytest.approx((0.98 + 0.91) / 2)
    assert utterances_from_results([{"text": ""}], "client") == []


def test_two_legs_merge_into_one_time_ordered_dialogue():
    client = utterances_from_results(RESULTS[:2], "client")
    employee = utterances_from_results(
        [vosk_result(("здравствуйте", 0.0, 0.25, 0.9)), vosk_result(("конечно", 2.2, 2.6, 0.9))],
        "employee",
    )
    dialogue = merge_dialogue({"client": client, "employee": employee})
    assert [(u.speaker, u.text) for u in dialogue] == [
        ("employee", "здравствуйте"),
        ("client", "добрый день"),
        ("client", "хочу ипотеку"),
        ("employee", "конечно"),  # overlaps the client's turn, ordered by start
        ("client", "сейчас"),
    ]
    turns = turns_json(dialogue)
    assert set(turns[0]) == {"speaker", "start", "end", "text", "words", "confidence"}
    assert set(turns[0]["words"][0]) == {"word", "start", "end", "conf"}
    assert utterances_from_turns(turns) == dialogue


def test_missing_model_names_model_source_and_setting(tmp_path):
    for path in (None, tmp_path / "nowhere", tmp_path):
        with pytest.raises(ModelMissingError) as caught:
            load_vosk_model(path)
        message = str(caught.value)
        assert VOSK_MODEL_NAME in message
        assert VOSK_MODELS_URL in message
        assert VOSK_MODEL_SETTING in message
    with pytest.raises(ModelMissingError):
        VoskRecognizer(None).check()


def test_ground_truth_recognizer_replays_reference_per_leg(recordings):
    recognizer = GroundTruthRecognizer(recordings.ground_truth)
    client = recognizer.recognize(None, call_id=2, speaker="client")
    reference = [t for t in recordings.references["rec-2"] if t["speaker"] == "client"]
    assert [r["text"] for r in client] == [" ".join(vosk_words(t["text"])) for t in reference]
    assert client[0]["text"] == "у меня не работает интернет уже второй день"  # Vosk's shape
    words = client[0]["result"]
    assert words[0]["start"] == pytest.approx(reference[0]["start"])
    assert words[-1]["end"] <= reference[0]["end"]
    assert len(recognizer.recognize(None, call_id=2, speaker="unknown")) == len(
        recordings.references["rec-2"]
    )
    with pytest.raises(RecognitionError):
        recognizer.recognize(None, call_id=999, speaker="client")


def test_the_model_loads_once_per_process(tmp_path, monkeypatch):
    import vosk

    from speech import recognizer as module

    model_dir = tmp_path / "vosk-model-small-ru-0.22"
    (model_dir / "am").mkdir(parents=True)
    (model_dir / "am" / "final.mdl").write_bytes(b"\0")
    loads = []
    monkeypatch.setattr(vosk, "Model", lambda model_path: loads.append(model_path) or object())
    monkeypatch.setattr(
        vosk, "KaldiRecognizer", lambda model, rate: StandInKaldi(RESULTS[:1], rate)
    )
    monkeypatch.setattr(module, "_models", {})
    samples = np.zeros(TARGET_RATE, dtype=np.float32)
    for _ in range(3):
        results = VoskRecognizer(model_dir).recognize(samples, TARGET_RATE)
        assert [w["word"] for w in results[0]["result"]] == ["добрый", "день"]
    assert loads == [str(model_dir.resolve())]


def two_bursts_leg() -> np.ndarray:
    """10 s of a leg over a faint noise floor with two 1 s bursts of "voice", at 1 s and 6 s."""
    t = np.arange(10 * TARGET_RATE) / TARGET_RATE
    leg = np.random.default_rng(0).normal(0, 3e-4, t.size).astype(np.float32)
    for first, last in ((1.0, 2.0), (6.0, 7.0)):
        inside = (t >= first) & (t < last)
        leg[inside] += 0.3 * np.sin(2 * np.pi * 220 * t[inside]).astype(np.float32)
    return leg


def test_gated_decoding_feeds_only_voice_and_maps_times_back_to_the_leg():
    from speech.gating import voice_stretches

    rate = TARGET_RATE
    leg = two_bursts_leg()
    stretches = voice_stretches(leg)
    assert len(stretches) == 2
    (a0, b0), (a1, b1) = ((a / rate, b / rate) for a, b in stretches)
    assert a0 <= 1.0
    assert b0 >= 2.0
    assert a1 <= 6.0
    assert b1 >= 7.0
    assert a1 - b0 > 3.0
    fed_second = b0 - a0  # where the second stretch starts on the fed stream
    made = []

    def factory(model_path, sample_rate):
        made.append(StandInKaldi([vosk_result(("раз", 0.4, 0.8, 0.9)),
                                  vosk_result(("два", fed_second + 0.4, fed_second + 0.8, 0.8))],
                                 sample_rate))  # fmt: skip
        return made[-1]

    results = VoskRecognizer("unused", recognizer_factory=factory, gate=True).recognize(leg)
    assert len(made) == 1  # one recognizer for the leg, fed stretch after stretch
    assert made[0].fed_bytes == 2 * sum(b - a for a, b in stretches) < 2 * leg.size
    words = [(w["word"], w["start"], w["end"]) for r in results for w in r["result"]]
    assert [w for w, *_ in words] == ["раз", "два"]
    assert words[0][1:] == pytest.approx((a0 + 0.4, a0 + 0.8))
    assert words[1][1:] == pytest.approx((a1 + 0.4, a1 + 0.8))
