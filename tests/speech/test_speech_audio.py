"""Decoding, resampling and channel split on synthesized telephone calls, and bad audio."""

import itertools

import numpy as np
import pytest
import soundfile as sf

from speech.audio import TARGET_RATE, AudioError, decode, find_recording
from speech.channels import ChannelLayouts, split_legs


def _speech_frames(samples: np.ndarray, start: float, end: float) -> float:
    """RMS of a stretch of one channel."""
    part = samples[int(start * TARGET_RATE) : int(end * TARGET_RATE)]
    return float(np.sqrt(np.mean(part**2))) if part.size else 0.0


@pytest.mark.parametrize("record", ["rec-2", "rec-2-mp3", "rec-2-ogg"])
def test_wav_mp3_and_opus_decode_to_16k_stereo(recordings, record):
    path = find_recording(recordings.folder, record)
    audio = decode(path)
    source, rate = sf.read(recordings.folder / "rec-2.wav")
    assert audio.channels == 2
    assert audio.samples.dtype == np.float32
    assert audio.seconds == pytest.approx(len(source) / rate, abs=0.1)
    # the employee opens the call: at 0.5 s only the employee's (right) channel carries speech
    turn = recordings.references[record][0]
    assert turn["speaker"] == "employee"
    left = _speech_frames(audio.samples[0], turn["start"], turn["end"])
    right = _speech_frames(audio.samples[1], turn["start"], turn["end"])
    assert right > 0.01
    assert left < right / 20


def test_resampling_keeps_the_telephone_band_and_length(recordings):
    audio = decode(recordings.folder / "rec-1.wav")
    assert audio.source_rate == 8000
    spectrum = np.abs(np.fft.rfft(audio.samples[1][: TARGET_RATE * 4]))
    freqs = np.fft.rfftfreq(TARGET_RATE * 4, 1 / TARGET_RATE)
    in_band = spectrum[(freqs > 300) & (freqs < 3400)].sum()
    above = spectrum[freqs > 4200].sum()
    assert above < in_band * 0.01  # upsampling adds no images above the old Nyquist


def test_stereo_split_follows_the_channel_layout(recordings):
    normal = decode(recordings.folder / "rec-2.wav").samples
    swapped = decode(recordings.folder / "swapped.wav").samples
    layouts = ChannelLayouts.from_entries([(10, None, "right"), (11, "74951112233", "right")])
    assert layouts.client_channel(None, None) == 0  # documented default: client on the left
    assert layouts.client_channel(10, "74950000000") == 1
    assert layouts.client_channel(11, "8 (495) 111-22-33") == 1
    assert layouts.client_channel(11, "74950000000") == 0
    a = split_legs(normal, 0)
    b = split_legs(swapped, layouts.client_channel(10, None))
    np.testing.assert_allclose(a["client"], b["client"], atol=1e-4)
    np.testing.assert_allclose(a["employee"], b["employee"], atol=1e-4)


def test_mono_is_one_unknown_leg(recordings):
    audio = decode(recordings.folder / "mono.wav")
    assert audio.channels == 1
    assert list(split_legs(audio.samples, 0)) == ["unknown"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("absent.wav", "missing_file"),
        ("empty.wav", "empty_file"),
        ("garbage.wav", "corrupt"),
        ("notes.ogg", "corrupt"),
        ("cut.wav", "truncated"),
        ("silent_header.wav", "zero_length"),
        ("low_rate.wav", "sample_rate"),
        ("quad.wav", "unsupported"),
    ],
)
def test_bad_audio_raises_a_reason(recordings, name, kind):
    with pytest.raises(AudioError) as caught:
        decode(recordings.folder / name)
    assert caught.value.kind == kind
    assert str(caught.value).startswith(kind)


def test_recordings_over_the_limit_are_refused_before_decoding(recordings):
    assert decode(recordings.folder / "long.wav").seconds == pytest.approx(5.0, abs=0.01)
    with pytest.raises(AudioError) as caught:
        decode(recordings.folder / "long.wav", max_seconds=2.0)
    assert caught.value.kind == "too_long"


def test_unusual_sample_rates_are_resampled(tmp_path):
    tone = np.sin(2 * np.pi * 440 * np.arange(44100) / 44100).astype(np.float32) * 0.5
    sf.write(tmp_path / "cd.wav", tone, 44100)
    audio = decode(tmp_path / "cd.wav")
    assert audio.source_rate == 44100
    assert audio.samples.shape == (1, TARGET_RATE)
    peak = np.argmax(np.abs(np.fft.rfft(audio.samples[0])))
    assert peak == pytest.approx(440, abs=2)  # 1 s of signal: bin index = Hz


def test_synthesized_calls_are_the_same_bytes_every_time(recordings, tmp_path):
    """The recognizer tests compare decodings of these calls across runs and processes, so the
    synthesis must not add fresh randomness (sox dither is clock-seeded unless told otherwise)."""
    from speech.synthetic import ScriptTurn, synthesize_call

    turns = (ScriptTurn("employee", "Слушаю вас", 0.2), ScriptTurn("client", "Добрый день", 1.4))
    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    synthesize_call(turns, first)
    synthesize_call(turns, second)
    assert first.read_bytes() == second.read_bytes()
    assert np.abs(sf.read(first)[0]).max() > 0.05  # real speech, not an empty file


def test_a_synthesized_dialogue_alternates_turns_with_pauses(tmp_path):
    from speech.synthetic import KOREAN_DIALOGUES, KOREAN_VOICES, synthesize_dialogue

    lines = KOREAN_DIALOGUES[1][:4]
    reference = synthesize_dialogue(
        lines, tmp_path / "d.wav", seed=5, voices=KOREAN_VOICES, long_pause_share=0.0
    )
    again = synthesize_dialogue(
        lines, tmp_path / "e.wav", seed=5, voices=KOREAN_VOICES, long_pause_share=0.0
    )
    assert reference == again  # repeatable
    assert [t["speaker"] for t in reference] == [speaker for speaker, _ in lines]
    pauses = [b["start"] - a["end"] for a, b in itertools.pairwise(reference)]
    assert all(0.29 <= p <= 1.21 for p in pauses), pauses
    samples = decode(tmp_path / "d.wav").samples
    assert samples.shape[0] == 2
    for channel, speaker in enumerate(("client", "employee")):  # each leg speaks only its turns
        other = [t for t in reference if t["speaker"] != speaker]
        for turn in other:
            first, last = (int(turn[k] * TARGET_RATE) for k in ("start", "end"))
            assert np.abs(samples[channel, first:last]).max() < 0.01
