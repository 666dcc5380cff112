"""The real recognizer: the packaged Korean Vosk model on Korean telephone calls synthesized
with espeak-ng and on real speech. Without knowing Korean we can still check that the pipeline
returns exactly what bare Vosk returns for each channel, that words land on the right speaker,
inside the call and in order, that the model loads once per worker, and that a Dask cluster
gives the local rows."""

import json
import os

import numpy as np
import pytest

from speech.audio import TARGET_RATE, decode, to_pcm16
from speech.fanout import run_jobs
from speech.packaged_model import dither_free_copy
from speech.recognizer import VoskRecognizer, load_vosk_model, model_loaded
from speech.transcribe import STATUS_OK

pytestmark = pytest.mark.slow  # a few seconds of real decoding each, shared through fixtures


def bare_vosk(model_path, samples):
    """Vosk as its own examples use it: one KaldiRecognizer fed 0.5 s of 16-bit PCM at a time."""
    from vosk import KaldiRecognizer

    kaldi = KaldiRecognizer(load_vosk_model(model_path), float(TARGET_RATE))
    kaldi.SetWords(True)
    pcm, step, results = to_pcm16(samples), TARGET_RATE, []
    for pos in range(0, len(pcm), step):
        if kaldi.AcceptWaveform(pcm[pos : pos + step]):
            results.append(json.loads(kaldi.Result()))
    results.append(json.loads(kaldi.FinalResult()))
    return [w for r in results for w in r.get("result", [])]


def row_words(row, speaker):
    return [w for t in json.loads(row["turns"]) if t["speaker"] == speaker for w in t["words"]]


def rounded(words):
    return [
        (w["word"], round(w["start"], 3), round(w["end"], 3), round(w["conf"], 4)) for w in words
    ]


def test_pipeline_words_are_bare_vosk_words_per_channel(korean_calls, vosk_model, vosk_rows):
    for record in ("ko-1", "real-2party"):
        row = vosk_rows[record]
        assert row["status"] == STATUS_OK
        assert row["recognizer"] == "vosk"
        assert row["is_stereo"]
        samples = decode(korean_calls.folder / f"{record}.wav").samples
        client = korean_calls.client_channel[record]
        for speaker, channel in (("client", client), ("employee", 1 - client)):
            expected = rounded(bare_vosk(vosk_model, samples[channel]))
            assert len(expected) >= 5, (record, speaker)  # the positive case: real words
            assert rounded(row_words(row, speaker)) == expected, (record, speaker)


def test_each_legs_words_land_on_its_speaker(korean_calls, vosk_rows):
    """Words sit where that speaker's channel carries speech. The model sometimes guesses a
    low-confidence word in the line noise; those may fall anywhere, but must stay rare."""
    for record in ("ko-1", "ko-2-right"):
        reference = korean_calls.references[record]
        for speaker in ("client", "employee"):
            spans = [(t["start"], t["end"]) for t in reference if t["speaker"] == speaker]
            words = row_words(vosk_rows[record], speaker)
            inside = [
                any(a - 0.3 <= (w["start"] + w["end"]) / 2 <= b + 0.3 for a, b in spans)
                for w in words
            ]
            assert len(words) >= 5, (record, speaker, words)
            assert sum(inside) >= 0.9 * len(words), (record, speaker, words)
            for w, ok in zip(words, inside, strict=True):
                assert ok or w["conf"] < 0.5, (record, speaker, w)


def test_word_times_are_monotonic_and_inside_the_call(vosk_rows):
    for row in vosk_rows.values():
        for speaker in ("client", "employee"):
            words = row_words(row, speaker)
            assert all(0.0 <= w["start"] <= w["end"] <= row["audio_seconds"] for w in words)
            assert all(0.0 <= w["conf"] <= 1.0 for w in words)
            starts = [w["start"] for w in words]
            assert starts == sorted(starts)
        turns = json.loads(row["turns"])
        assert [t["start"] for t in turns] == sorted(t["start"] for t in turns)
        assert len(json.loads(row["prosody"])["utterances"]) == len(turns)


def test_real_speech_gives_many_timed_words(vosk_rows):
    row = vosk_rows["real-2party"]
    assert len(row_words(row, "client")) > 5
    assert len(row_words(row, "employee")) > 5


@pytest.mark.parametrize("vad", ["energy", "silero"])
def test_gated_decoding_keeps_every_spoken_turn_and_the_call_clock(korean_calls, vosk_model, vad):
    samples = decode(korean_calls.folder / "ko-1.wav").samples
    reference = korean_calls.references["ko-1"]
    recognizer = VoskRecognizer(vosk_model, gate=True, vad=vad)
    for speaker, channel in (("client", 0), ("employee", 1)):
        stretches = [
            (a / TARGET_RATE, b / TARGET_RATE) for a, b in recognizer.stretches(samples[channel])
        ]
        silent = sum(b - a for a, b in stretches) < samples.shape[1] / TARGET_RATE * 0.8
        assert silent  # the leg really is partly skipped
        for turn in (t for t in reference if t["speaker"] == speaker):
            assert any(a <= turn["start"] and turn["end"] <= b for a, b in stretches)
        words = [w for r in recognizer.recognize(samples[channel]) for w in r["result"]]
        assert len(words) >= 5
        starts = [w["start"] for w in words]
        assert starts == sorted(starts)
        for w in words:  # every word sits where it was spoken, on the call's clock
            assert any(a <= w["start"] <= w["end"] <= b for a, b in stretches), w


def test_a_dead_leg_is_never_decoded(vosk_model):
    calls = []

    def factory(model_path, rate):
        calls.append(rate)
        raise AssertionError("a silent leg reached the recognizer")

    silent = np.zeros(5 * TARGET_RATE, dtype=np.float32)
    assert VoskRecognizer(vosk_model, recognizer_factory=factory, gate=True).recognize(silent) == []
    assert calls == []


@pytest.mark.slow
def test_dask_cluster_with_the_real_model_gives_the_local_rows(
    vosk_jobs, vosk_model, vosk_rows, tmp_path
):
    import dask
    import distributed

    # A second view of the same model files: the workers have to load it themselves.
    model = dither_free_copy(vosk_model, tmp_path / "m")
    jobs = vosk_jobs[:2]
    with (
        dask.config.set({"distributed.worker.multiprocessing-method": "fork"}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
    ):
        rows = run_jobs(jobs, VoskRecognizer(model), scheduler=cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            pids = client.run(os.getpid)
            loads = client.run(model_loaded, str(model))
    assert os.getpid() not in pids.values()
    assert not model_loaded(model)
    assert any(loads.values())
    assert rows == [vosk_rows["ko-1"], vosk_rows["ko-2-right"]]
