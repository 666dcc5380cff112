"""Speech: the cost of everything around the recognizer, and the recognizer itself.

Figures (each beside a baseline measured in the same run):
- decode + resample + prosody on 60 s of real speech, as a multiple of real time; baseline: the
  textbook librosa path (``librosa.load`` + ``librosa.pyin``);
- the whole per-call path outside recognition on synthesized stereo calls (decode, split,
  merge, prosody), as a multiple of real time; baseline: decoding alone;
- the local process pool against one process, in calls per second;
- with a Vosk model (``CALLSCOPE_VOSK_MODEL_PATH``): Vosk's real-time factor per core on the
  60 s file, the share of the per-call time spent outside the recognizer (goal: under 2 %), and
  WER on the synthesized telephone calls beside WER on the same calls at full band.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from data.settings import get_settings
from speech.audio import TARGET_RATE, decode
from speech.channels import split_legs
from speech.fanout import run_jobs
from speech.prosody import legs_from_audio, prosody
from speech.recognizer import GroundTruthRecognizer, VoskRecognizer, looks_like_vosk_model
from speech.synthetic import DEMO_SCRIPT, ScriptTurn, synthesize_call, tools_available
from speech.transcribe import TranscriptionJob, transcribe_call

REAL_SPEECH = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "audio" / "ru_speech_60s.wav"
)
SCRIPTS = (
    DEMO_SCRIPT,
    (
        ScriptTurn("employee", "Салон связи, слушаю вас", 0.2),
        ScriptTurn("client", "У меня не работает интернет уже второй день", 2.4),
        ScriptTurn("employee", "Назовите, пожалуйста, номер договора", 6.0),
        ScriptTurn("client", "Один два три четыре пять", 8.6),
        ScriptTurn("employee", "Спасибо, проверяю, на линии авария, мастер приедет завтра", 11.0),
        ScriptTurn("client", "Хорошо, буду ждать, до свидания", 15.2),
    ),
    (
        ScriptTurn("client", "Алло, это автосалон? Я хотел записаться на тест-драйв", 0.3),
        ScriptTurn("employee", "Да, конечно, на какую модель и на какой день?", 4.4),
        ScriptTurn("client", "На субботу, если можно утром", 7.6),
        ScriptTurn("employee", "Суббота, десять часов, подойдёт?", 9.6),
        ScriptTurn("client", "Да, отлично", 11.4),
    ),
)


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _front_end(path: Path) -> None:
    audio = decode(path)
    legs = split_legs(audio.samples, 0)
    prosody(legs_from_audio(legs), [], audio.seconds, "audio")


def _librosa_baseline(path: Path, seconds: float) -> None:
    import librosa

    y, sr = librosa.load(path, sr=TARGET_RATE, duration=seconds)
    librosa.pyin(y, fmin=65, fmax=400, sr=sr, frame_length=1024, hop_length=160)


def bench_front_end(quick: bool) -> dict:
    repeats = 2 if quick else 5
    _front_end(REAL_SPEECH)  # warm-up: imports and the one-time JIT of the pitch tracker
    ours = _best(lambda: _front_end(REAL_SPEECH), repeats)
    base_seconds = 10.0 if quick else 60.0
    _librosa_baseline(REAL_SPEECH, 2.0)
    baseline = _best(lambda: _librosa_baseline(REAL_SPEECH, base_seconds), 1 if quick else 2)
    figures = {
        "front_end_x_realtime": round(60.0 / ours, 1),
        "front_end_seconds_per_audio_minute": round(ours, 4),
        "baseline_librosa_pyin_x_realtime": round(base_seconds / baseline, 1),
    }
    print(f"decode+resample+prosody, 60 s real speech: {figures['front_end_x_realtime']}x real time "
          f"(baseline librosa.load+pyin: {figures['baseline_librosa_pyin_x_realtime']}x)")  # fmt: skip
    return figures


def _make_calls(folder: Path, copies: int) -> tuple[list[TranscriptionJob], Path, dict]:
    truth = folder / "call_dialogues.jsonl"
    references = {}
    with open(truth, "w", encoding="utf-8") as handle:
        for index, script in enumerate(SCRIPTS, start=1):
            reference = synthesize_call(script, folder / f"rec-{index}.wav")
            synthesize_call(script, folder / f"wide-{index}.wav", rate=TARGET_RATE)
            references[index] = reference
            handle.write(
                json.dumps({"call_id": index, "turns": reference}, ensure_ascii=False) + "\n"
            )
    jobs = [
        TranscriptionJob(f"call:{i}", i, str(folder), (f"rec-{i}",))
        for _ in range(copies)
        for i in range(1, len(SCRIPTS) + 1)
    ]
    return jobs, truth, references


def bench_calls(folder: Path, quick: bool) -> dict:
    jobs, truth, _ = _make_calls(folder, 1 if quick else 4)
    recognizer = GroundTruthRecognizer(truth)
    audio_seconds = sum(
        decode(Path(j.recordings_dir) / f"{j.record_ids[0]}.wav").seconds for j in jobs
    )
    transcribe_call(jobs[0], recognizer)  # warm-up
    outside = _best(lambda: [transcribe_call(j, recognizer) for j in jobs], 1 if quick else 3)
    decode_only = _best(
        lambda: [decode(Path(j.recordings_dir) / f"{j.record_ids[0]}.wav") for j in jobs], 3
    )
    started = time.perf_counter()
    pooled = run_jobs(jobs, recognizer, workers=2)
    pool_seconds = time.perf_counter() - started
    started = time.perf_counter()
    inline = run_jobs(jobs, recognizer, workers=1)
    inline_seconds = time.perf_counter() - started
    assert pooled == inline
    figures = {
        "calls": len(jobs),
        "call_audio_seconds": round(audio_seconds, 1),
        "outside_recognizer_x_realtime": round(audio_seconds / outside, 1),
        "baseline_decode_only_x_realtime": round(audio_seconds / decode_only, 1),
        "pool2_calls_per_second": round(len(jobs) / pool_seconds, 2),
        "baseline_inline_calls_per_second": round(len(jobs) / inline_seconds, 2),
    }
    print(f"per-call path outside the recognizer ({len(jobs)} stereo calls, {audio_seconds:.0f} s): "
          f"{figures['outside_recognizer_x_realtime']}x real time "
          f"(baseline decode only: {figures['baseline_decode_only_x_realtime']}x)")  # fmt: skip
    print(f"process pool, 2 workers: {figures['pool2_calls_per_second']} calls/s including pool start "
          f"(baseline one process: {figures['baseline_inline_calls_per_second']} calls/s)")  # fmt: skip
    return figures


def bench_vosk(folder: Path, model_path: Path | None, front_end_seconds: float) -> dict:
    if model_path is None or not looks_like_vosk_model(Path(model_path)):
        print("Vosk real-time factor and WER: skipped: no model (set CALLSCOPE_VOSK_MODEL_PATH)")
        return {"vosk": "skipped: no model"}
    from speech.wer import word_error_rate

    recognizer = VoskRecognizer(model_path)
    recognizer.warm_up()
    audio = decode(REAL_SPEECH).samples[0]
    seconds = _best(lambda: recognizer.recognize(audio, TARGET_RATE), 1)
    figures = {
        "vosk_rtf_per_core": round(seconds / 60.0, 4),
        "outside_share_of_recognizer": round(front_end_seconds / seconds, 4),
    }
    for label, prefix in (("wer_telephone_8k", "rec"), ("baseline_wer_wideband_16k", "wide")):
        refs, hyps = [], []
        for index, script in enumerate(SCRIPTS, start=1):
            samples = decode(folder / f"{prefix}-{index}.wav").samples
            for channel, speaker in ((0, "client"), (1, "employee")):
                refs.append(" ".join(t.text for t in script if t.speaker == speaker))
                results = recognizer.recognize(samples[channel], TARGET_RATE)
                hyps.append(" ".join(w["word"] for r in results for w in r["result"]))
        figures[label] = round(word_error_rate(refs, hyps), 4)
    print(f"Vosk on 60 s real speech: RTF {figures['vosk_rtf_per_core']} per core; everything outside "
          f"the recognizer costs {100 * figures['outside_share_of_recognizer']:.2f}% of it (goal < 2%)")  # fmt: skip
    print(f"WER on synthesized telephone calls: {figures['wer_telephone_8k']} "
          f"(baseline, same calls at full band: {figures['baseline_wer_wideband_16k']})")  # fmt: skip
    return figures


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    if not REAL_SPEECH.is_file():
        raise FileNotFoundError(f"{REAL_SPEECH} is needed for the speech benchmark")
    figures = bench_front_end(quick)
    if not tools_available():
        print("synthesized calls: skipped: espeak-ng and sox are not installed (make install)")
        return figures
    with tempfile.TemporaryDirectory() as tmp:
        figures.update(bench_calls(Path(tmp), quick))
        front_end = figures["front_end_seconds_per_audio_minute"]
        figures.update(bench_vosk(Path(tmp), get_settings().vosk_model_path, front_end))
    return figures


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
