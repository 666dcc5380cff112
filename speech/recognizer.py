"""The recognizer boundary: a recognizer turns one leg's 16 kHz samples into Vosk-shaped
results (``{"result": [{"conf", "end", "start", "word"}], "text": ...}``).

``VoskRecognizer`` is the product's recognizer. ``GroundTruthRecognizer`` replays the demo
generator's reference dialogues, so a demo runs without a model; its rows carry
``recognizer="ground-truth"`` and can never pass for recognition.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from data.errors import ModelMissingError
from speech.audio import TARGET_RATE, to_pcm16
from speech.gating import DEFAULT_JOIN_SECONDS, DEFAULT_PAD_SECONDS, voice_stretches

VOSK_MODEL_NAME = "vosk-model-small-ru-0.22"
VOSK_MODELS_URL = "https://alphacephei.com/vosk/models"
VOSK_MODEL_SETTING = "CALLSCOPE_VOSK_MODEL_PATH"
GROUND_TRUTH_FILE = "call_dialogues.jsonl"
_WORD = re.compile(r"\w+(?:-\w+)*")


class RecognitionError(Exception):
    """Recognition of one call failed; the call gets an error row, the run goes on."""


class Recognizer(Protocol):
    name: str
    requires_audio: bool

    def recognize(
        self, samples: np.ndarray, sample_rate: int, *, call_id: Any = None, speaker: str = ""
    ) -> list[dict[str, Any]]: ...


# -- Vosk -------------------------------------------------------------------------------------
_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def _missing(path: Path | None) -> ModelMissingError:
    return ModelMissingError(
        f"{VOSK_MODEL_NAME} (or a larger Russian Vosk model)",
        VOSK_MODEL_SETTING,
        VOSK_MODELS_URL,
        path=path,
    )


def looks_like_vosk_model(path: Path) -> bool:
    return path.is_dir() and (
        (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()
    )


def load_vosk_model(path: str | Path | None):
    """The Vosk model at ``path``, loaded once per process and cached by its resolved path."""
    if path is None or str(path) == "":
        raise _missing(None)
    resolved = Path(path).expanduser().resolve()
    key = str(resolved)
    with _models_lock:
        if key in _models:
            return _models[key]
        if not looks_like_vosk_model(resolved):
            raise _missing(resolved)
        import vosk

        vosk.SetLogLevel(-1)
        try:
            model = vosk.Model(model_path=key)
        except Exception as error:  # vosk raises a bare Exception for an unreadable model
            raise _missing(resolved) from error
        _models[key] = model
        return model


def loaded_model_count() -> int:
    return len(_models)


def model_loaded(path: str | Path) -> bool:
    """Whether this process holds the model at ``path`` (it is read from disk at most once)."""
    return str(Path(path).expanduser().resolve()) in _models


class VoskRecognizer:
    """Vosk ``KaldiRecognizer`` with word timestamps and confidences.

    With ``gate`` only the voice-active stretches of the leg are decoded (``speech.gating``:
    ``vad`` names the detector, ``pad`` and ``join`` shape the stretches), fed back to back to
    one recognizer, and word times are mapped back to the leg's clock. With ``per_stretch`` the
    recognizer finishes its utterance at the end of each stretch (``FinalResult``), so no
    decoding context crosses the silence that was left out.
    """

    name = "vosk"
    requires_audio = True

    def __init__(
        self,
        model_path: str | Path | None,
        chunk_seconds: float = 0.5,
        recognizer_factory: Callable[[Any, float], Any] | None = None,
        gate: bool = False,
        vad: str = "energy",
        pad: float = DEFAULT_PAD_SECONDS,
        join: float = DEFAULT_JOIN_SECONDS,
        per_stretch: bool = False,
    ):
        self.model_path = model_path
        self.chunk_seconds = chunk_seconds
        self.recognizer_factory = recognizer_factory
        self.gate = gate
        self.vad, self.pad, self.join, self.per_stretch = vad, pad, join, per_stretch

    def check(self) -> None:
        """Raises ModelMissingError unless the model directory is there (cheap; no loading)."""
        if self.recognizer_factory is not None:
            return
        if self.model_path is None or not looks_like_vosk_model(Path(self.model_path).expanduser()):
            raise _missing(Path(self.model_path) if self.model_path else None)

    def warm_up(self) -> None:
        if self.recognizer_factory is None:
            load_vosk_model(self.model_path)

    def _kaldi(self, sample_rate: int):
        if self.recognizer_factory is not None:
            return self.recognizer_factory(self.model_path, float(sample_rate))
        from vosk import KaldiRecognizer

        return KaldiRecognizer(load_vosk_model(self.model_path), float(sample_rate))

    def recognize(
        self,
        samples: np.ndarray,
        sample_rate: int = TARGET_RATE,
        *,
        call_id: Any = None,
        speaker: str = "",
    ) -> list[dict[str, Any]]:
        if not self.gate:
            return self.decode(samples, sample_rate)
        stretches = self.stretches(samples, sample_rate)
        if not stretches:
            return []
        return self.decode(samples, sample_rate, stretches, self.per_stretch)

    def stretches(self, samples: np.ndarray, sample_rate: int = TARGET_RATE):
        """The ``[first, last)`` sample ranges that gating feeds the recognizer."""
        return voice_stretches(samples, sample_rate, self.pad, self.join, self.vad)

    def decode(
        self,
        samples: np.ndarray,
        sample_rate: int = TARGET_RATE,
        stretches: list[tuple[int, int]] | None = None,
        per_stretch: bool = False,
    ) -> list[dict[str, Any]]:
        """One ``KaldiRecognizer`` over ``samples``, or over the given ``[first, last)`` sample
        stretches fed back to back as one stream (with ``per_stretch``, each one finished as its
        own utterance); word times are in the leg's time either way."""
        kaldi = self._kaldi(sample_rate)
        kaldi.SetWords(True)
        step = int(self.chunk_seconds * sample_rate)
        stretches = stretches or [(0, samples.size)]
        results: list[dict[str, Any]] = []
        for first, last in stretches:
            for pos in range(first, last, step):
                if kaldi.AcceptWaveform(to_pcm16(samples[pos : min(pos + step, last)])):
                    results.append(json.loads(kaldi.Result()))
            if per_stretch:
                results.append(json.loads(kaldi.FinalResult()))
        results.append(json.loads(kaldi.FinalResult()))
        results = [r for r in results if r.get("result")]
        if len(stretches) > 1 or stretches[0][0] != 0:
            to_leg = _stream_clock(stretches, sample_rate)
            for result in results:
                for word in result["result"]:
                    word["start"], word["end"] = to_leg(word["start"]), to_leg(word["end"], True)
        return results


def _stream_clock(stretches: list[tuple[int, int]], sample_rate: int) -> Callable[..., float]:
    """Maps a time on the stream of back-to-back stretches to the time in the whole leg. A time
    on a junction belongs to the stretch it starts (or, for a word's end, the one it ends)."""
    lengths = np.array([last - first for first, last in stretches])
    stream_starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) / sample_rate
    leg_starts = np.array([first for first, _ in stretches]) / sample_rate

    def to_leg(t: float, is_end: bool = False) -> float:
        side: Literal["left", "right"] = "left" if is_end else "right"
        index = max(0, int(np.searchsorted(stream_starts, t, side=side)) - 1)
        return float(leg_starts[index] + (t - stream_starts[index]))

    return to_leg


# -- demo: reference dialogues ------------------------------------------------------------------
def vosk_words(text: str) -> list[str]:
    """Text as Vosk writes it: lower-case words, no punctuation."""
    return _WORD.findall(text.lower())


def _spread_words(text: str, start: float, end: float) -> list[dict[str, Any]]:
    """Word timings spread over the turn in proportion to word length."""
    words = vosk_words(text)
    if not words:
        return []
    total = sum(len(w) + 1 for w in words)
    out, cursor = [], start
    for word in words:
        length = (end - start) * (len(word) + 1) / total
        out.append(
            {
                "conf": 1.0,
                "start": round(cursor, 3),
                "end": round(cursor + length * 0.9, 3),
                "word": word,
            }
        )
        cursor += length
    return out


class GroundTruthRecognizer:
    """Replays ``call_dialogues.jsonl`` lines ``{"call_id", "turns": [{speaker, text, start, end}]}``."""

    name = "ground-truth"
    requires_audio = False

    def __init__(self, dialogues_path: str | Path):
        self.dialogues_path = Path(dialogues_path)
        self._dialogues: dict[str, list[dict[str, Any]]] | None = None

    def _load(self) -> dict[str, list[dict[str, Any]]]:
        if self._dialogues is None:
            if not self.dialogues_path.is_file():
                raise ModelMissingError(
                    f"reference dialogues {GROUND_TRUTH_FILE}",
                    "the demo's ground-truth recognizer (reads $CALLSCOPE_HOME/ground_truth)",
                    "the demo generator, which writes them with the demo account",
                    path=self.dialogues_path,
                )
            dialogues = {}
            with open(self.dialogues_path, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        item = json.loads(line)
                        dialogues[str(item["call_id"])] = item.get("turns") or []
            self._dialogues = dialogues
        return self._dialogues

    def check(self) -> None:
        self._load()

    def __getstate__(self) -> dict[str, Any]:
        return {"dialogues_path": self.dialogues_path, "_dialogues": None}

    def has_call(self, call_id: Any) -> bool:
        return str(call_id) in self._load()

    def recognize(
        self,
        samples: np.ndarray | None,
        sample_rate: int = TARGET_RATE,
        *,
        call_id: Any = None,
        speaker: str = "",
    ) -> list[dict[str, Any]]:
        turns = self._load().get(str(call_id))
        if turns is None:
            raise RecognitionError(f"no reference dialogue for call {call_id}")
        results = []
        for turn in turns:
            if speaker not in ("", "unknown") and turn.get("speaker") != speaker:
                continue
            words = _spread_words(
                str(turn.get("text", "")), float(turn["start"]), float(turn["end"])
            )
            if words:
                results.append({"result": words, "text": " ".join(w["word"] for w in words)})
        return results

    def speakers(self, call_id: Any) -> list[str]:
        turns = self._load().get(str(call_id)) or []
        return sorted({str(t.get("speaker")) for t in turns})
