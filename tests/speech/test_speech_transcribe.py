"""One call end to end (decode, split, recognize, merge, prosody), error rows for bad audio,
and the fan-out: process pool and a real Dask LocalCluster give the local run's rows."""

import json
import os

import pytest

from data.errors import ModelMissingError
from speech.fanout import run_jobs
from speech.recognizer import GroundTruthRecognizer, VoskRecognizer, vosk_words
from speech.transcribe import STATUS_ERROR, STATUS_OK, TranscriptionJob, transcribe_call


def job(recordings, call_id, *records, client_channel=0, max_seconds=7200.0):
    return TranscriptionJob(
        communication_id=f"call:{call_id}",
        call_id=call_id,
        recordings_dir=str(recordings.folder),
        record_ids=tuple(records),
        client_channel=client_channel,
        rule_id="t1",
        max_seconds=max_seconds,
    )


def test_stereo_call_becomes_a_two_speaker_dialogue_with_prosody(recordings):
    row = transcribe_call(
        job(recordings, 1, "rec-1"), GroundTruthRecognizer(recordings.ground_truth)
    )
    assert row["status"] == STATUS_OK
    assert row["error"] is None
    assert row["is_stereo"] is True
    assert row["recognizer"] == "ground-truth"
    assert row["rule_id"] == "t1"
    turns = json.loads(row["turns"])
    reference = recordings.references["rec-1"]
    assert [(t["speaker"], t["text"]) for t in turns] == [
        (r["speaker"], " ".join(vosk_words(r["text"]))) for r in reference
    ]
    assert [t["start"] for t in turns] == sorted(t["start"] for t in turns)
    prosody = json.loads(row["prosody"])
    assert len(prosody["utterances"]) == len(turns)
    assert set(prosody["call"]["speakers"]) == {"client", "employee"}
    assert prosody["call"]["interruptions"]["client"] == 1
    assert row["audio_seconds"] == pytest.approx(reference[-1]["end"] + 0.5, abs=0.05)


def test_swapped_layout_keeps_speakers_right(recordings):
    recognizer = GroundTruthRecognizer(recordings.ground_truth)
    normal = transcribe_call(job(recordings, 2, "rec-2"), recognizer)
    swapped = transcribe_call(job(recordings, 2, "swapped", client_channel=1), recognizer)
    a, b = json.loads(normal["prosody"]), json.loads(swapped["prosody"])
    for speaker in ("client", "employee"):
        assert a["call"]["speakers"][speaker]["talk_s"] == pytest.approx(
            b["call"]["speakers"][speaker]["talk_s"], abs=0.05
        )
        assert a["call"]["speakers"][speaker]["f0_median_hz"] == pytest.approx(
            b["call"]["speakers"][speaker]["f0_median_hz"], rel=0.02
        )


def test_mono_call_is_one_unknown_speaker_and_flagged(recordings):
    row = transcribe_call(
        job(recordings, 2, "mono"), GroundTruthRecognizer(recordings.ground_truth)
    )
    assert row["status"] == STATUS_OK
    assert row["is_stereo"] is False
    assert {t["speaker"] for t in json.loads(row["turns"])} == {"unknown"}
    assert json.loads(row["prosody"])["call"]["overlap"] is None


@pytest.mark.parametrize(
    ("records", "kind"),
    [
        (("absent",), "missing_file"),
        (("empty",), "empty_file"),
        (("garbage",), "corrupt"),
        (("cut",), "truncated"),
        (("notes",), "corrupt"),
        (("silent_header",), "zero_length"),
        (("low_rate",), "sample_rate"),
        (("quad",), "unsupported"),
        (("rec-1", "mono"), "unsupported"),
    ],
)
def test_bad_audio_gives_an_error_row_not_a_failure(recordings, records, kind):
    recognizer = VoskRecognizer(
        "unused", recognizer_factory=lambda *_: pytest.fail("never recognized")
    )
    row = transcribe_call(job(recordings, 7, *records), recognizer)
    assert row["status"] == STATUS_ERROR
    assert row["error"].startswith(kind)
    assert row["turns"] == "[]"
    assert row["prosody"] is None


def test_hours_long_recording_is_an_error_row(recordings):
    row = transcribe_call(
        job(recordings, 7, "long", max_seconds=3.0), GroundTruthRecognizer(recordings.ground_truth)
    )
    assert row["status"] == STATUS_ERROR
    assert row["error"].startswith("too_long")


def test_ground_truth_without_a_recording_uses_the_reference_timing(recordings):
    row = transcribe_call(
        job(recordings, 1, "absent"), GroundTruthRecognizer(recordings.ground_truth)
    )
    assert row["status"] == STATUS_OK
    assert json.loads(row["prosody"])["source"] == "timestamps"
    unknown = transcribe_call(
        job(recordings, 99, "absent"), GroundTruthRecognizer(recordings.ground_truth)
    )
    assert unknown["status"] == STATUS_ERROR
    assert "no reference dialogue" in unknown["error"]


def test_missing_model_stops_the_run_with_its_name(recordings):
    with pytest.raises(ModelMissingError, match=r"vosk-model-small-ru-0\.22"):
        run_jobs([job(recordings, 1, "rec-1")], VoskRecognizer(None), workers=2)


@pytest.fixture(scope="module")
def batch(recordings):
    jobs = [job(recordings, 1, "rec-1"), job(recordings, 2, "rec-2-ogg"), job(recordings, 2, "mono"),
            job(recordings, 3, "garbage"), job(recordings, 2, "rec-2-mp3")]  # fmt: skip
    recognizer = GroundTruthRecognizer(recordings.ground_truth)
    return jobs, recognizer, run_jobs(jobs, recognizer, workers=1)


def test_process_pool_matches_the_inline_run(batch):
    jobs, recognizer, inline = batch
    assert [r["status"] for r in inline] == ["ok", "ok", "ok", "error", "ok"]
    assert run_jobs(jobs, recognizer, workers=2) == inline


@pytest.mark.slow
def test_dask_local_cluster_matches_the_local_run(batch):
    distributed = pytest.importorskip("distributed")
    import dask

    jobs, recognizer, inline = batch
    # Forked workers inherit the loaded libraries; spawned ones would spend most of this test
    # importing them. They are still two separate worker processes behind a real scheduler.
    with (
        dask.config.set({"distributed.worker.multiprocessing-method": "fork"}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
    ):
        rows = run_jobs(jobs, recognizer, scheduler=cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            workers = client.run(os.getpid)
            built = client.run(_recognizers_built)
    assert len(set(workers.values())) == 2
    assert os.getpid() not in workers.values()
    assert sum(built.values()) >= 1  # the work ran in the workers...
    assert max(built.values()) == 1  # ...each building the recognizer once for all its calls
    assert rows == inline


def _recognizers_built() -> int:
    from speech import fanout

    return len(fanout._worker_recognizers)
