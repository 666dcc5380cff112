"""Decoding call recordings with PyAV (FFmpeg): WAV, MP3 and OGG/Opus, resampled to 16 kHz per
channel. Every way a recording can be unusable raises ``AudioError`` with a short reason, which
the pipeline turns into an error row for that call."""

from __future__ import annotations

import contextlib
import wave
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

TARGET_RATE = 16_000
MIN_SOURCE_RATE = 8_000
MAX_SOURCE_RATE = 384_000
DEFAULT_MAX_SECONDS = 2 * 3600.0
EXTENSIONS = ("wav", "mp3", "ogg", "opus")
SUPPORTED_CODECS = frozenset(
    {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_u8", "pcm_f32le", "pcm_f64le", "pcm_alaw",
     "pcm_mulaw", "gsm_ms", "adpcm_ima_wav", "adpcm_ms", "mp3", "mp3float", "opus", "vorbis"}
)  # fmt: skip
# A recording that decodes to less than this share of the length its header declares is cut.
TRUNCATION_SHARE = 0.9


class AudioError(Exception):
    """A recording that cannot be transcribed. ``kind`` is a stable code, ``str()`` the reason."""

    def __init__(self, kind: str, reason: str):
        self.kind, self.reason = kind, reason
        super().__init__(f"{kind}: {reason}")


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32, shape (channels, frames), at TARGET_RATE
    source_rate: int
    codec: str

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def seconds(self) -> float:
        return self.samples.shape[1] / TARGET_RATE


def find_recording(recordings_dir: str | Path, record_id: str) -> Path | None:
    """``<recordings_dir>/<record_id>.<wav|mp3|ogg|opus>``, or None when there is no such file."""
    base = Path(recordings_dir)
    for ext in EXTENSIONS:
        candidate = base / f"{record_id}.{ext}"
        if candidate.is_file():
            return candidate
    return None


def _declared_wav_seconds(path: Path) -> float | None:
    """The length a RIFF header declares. FFmpeg trusts the file size instead, so a cut WAV
    would otherwise look whole."""
    try:
        with contextlib.closing(wave.open(str(path), "rb")) as handle:
            rate = handle.getframerate()
            return handle.getnframes() / rate if rate else None
    except (wave.Error, EOFError, OSError):
        return None


def _layout_for(channels: int) -> str:
    return {1: "mono", 2: "stereo"}[channels]


def decode(path: str | Path, max_seconds: float = DEFAULT_MAX_SECONDS) -> DecodedAudio:
    """Decodes a recording to float32 at 16 kHz, one row per channel (1 or 2 channels)."""
    path = Path(path)
    if not path.is_file():
        raise AudioError("missing_file", f"recording {path.name} does not exist")
    if path.stat().st_size == 0:
        raise AudioError("empty_file", f"recording {path.name} is an empty file")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.InvalidDataError, av.error.EOFError) as error:
        raise AudioError(
            "corrupt", f"{path.name} is not a readable audio file ({error.strerror})"
        ) from None
    except av.FFmpegError as error:
        raise AudioError("corrupt", f"{path.name} cannot be opened ({error})") from None
    with container:
        if not container.streams.audio:
            raise AudioError("unsupported", f"{path.name} has no audio stream")
        stream = container.streams.audio[0]
        codec = stream.codec_context.name
        rate = int(stream.rate or 0)
        channels = int(stream.channels or 0)
        _check_format(path, codec, rate, channels)
        declared = _declared_seconds(path, container)
        if declared is not None and declared > max_seconds:
            raise AudioError(
                "too_long", f"recording lasts {declared:.0f} s, above the {max_seconds:.0f} s limit"
            )
        samples = _decode_stream(path, container, stream, channels, max_seconds)
    seconds = samples.shape[1] / TARGET_RATE
    if samples.shape[1] == 0:
        raise AudioError("zero_length", f"{path.name} holds no audio samples")
    if declared and seconds < declared * TRUNCATION_SHARE:
        raise AudioError(
            "truncated",
            f"{path.name} decodes to {seconds:.1f} s of the {declared:.1f} s it declares",
        )
    return DecodedAudio(samples=samples, source_rate=rate, codec=codec)


def _check_format(path: Path, codec: str, rate: int, channels: int) -> None:
    if codec not in SUPPORTED_CODECS:
        raise AudioError("unsupported", f"{path.name}: codec {codec} is not supported")
    if channels not in (1, 2):
        raise AudioError("unsupported", f"{path.name}: {channels} channels (expected 1 or 2)")
    if rate < MIN_SOURCE_RATE:
        raise AudioError(
            "sample_rate",
            f"{path.name}: sample rate {rate} Hz is below the {MIN_SOURCE_RATE} Hz telephone band",
        )
    if rate > MAX_SOURCE_RATE:
        raise AudioError("sample_rate", f"{path.name}: sample rate {rate} Hz is not plausible")


def _declared_seconds(path: Path, container) -> float | None:
    if container.format.name == "wav":
        return _declared_wav_seconds(path)
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    return None


def _decode_stream(path: Path, container, stream, channels: int, max_seconds: float) -> np.ndarray:
    resampler = av.AudioResampler(format="fltp", layout=_layout_for(channels), rate=TARGET_RATE)
    limit = int(max_seconds * TARGET_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunk = out.to_ndarray()
                chunks.append(chunk)
                total += chunk.shape[1]
            if total > limit:
                raise AudioError("too_long", f"recording runs past the {max_seconds:.0f} s limit")
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    except av.FFmpegError as error:
        raise AudioError("corrupt", f"{path.name}: decoding failed ({error})") from None
    if not chunks:
        return np.zeros((channels, 0), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(chunks, axis=1), dtype=np.float32)


def to_pcm16(samples: np.ndarray) -> bytes:
    """Little-endian 16-bit PCM of one channel, as recognizers take it."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
