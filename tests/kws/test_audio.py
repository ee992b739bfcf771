import numpy as np
import pytest

from kws.audio import AudioRejected, decode_upload, read_wav
from tests.audio_factory import tone, wav_bytes

LIMIT = 2 * 1024 * 1024


def test_canonical_16k_mono_pcm16_round_trips_samples():
    samples = tone(1.0)
    decoded = decode_upload(wav_bytes(samples), max_bytes=LIMIT)
    stored, rate = read_wav(decoded.wav_bytes)
    assert rate == 16_000
    assert len(stored) == 16_000
    assert np.max(np.abs(stored - samples)) <= 1.5 / 32768  # one 16-bit step
    assert decoded.original_format == "WAV/PCM_16"


def test_stereo_44k_float_is_downmixed_and_resampled_keeping_the_tone():
    left = tone(1.2, freq=1000.0, sample_rate=44_100)
    stereo = np.stack([left, left * 0.5], axis=1)
    decoded = decode_upload(wav_bytes(stereo, 44_100, "FLOAT"), max_bytes=LIMIT)
    assert decoded.original_sample_rate == 44_100 and decoded.original_channels == 2
    assert abs(decoded.duration_s - 1.2) < 0.001
    spectrum = np.abs(np.fft.rfft(decoded.samples))
    peak_hz = np.argmax(spectrum) * 16_000 / len(decoded.samples)
    assert abs(peak_hz - 1000.0) < 2.0
    assert abs(np.abs(decoded.samples).max() - 0.75 * 0.3) < 0.02  # mean of the two channels


def test_metadata_chunks_are_not_kept():
    body = wav_bytes(tone(1.0))
    # Insert a LIST/INFO chunk with a name in it before the data chunk; the stored file must not carry it.
    info = b"INFOINAM" + (8).to_bytes(4, "little") + b"Jane Doe"
    chunk = b"LIST" + len(info).to_bytes(4, "little") + info
    fmt_end = 12 + 8 + int.from_bytes(body[16:20], "little")
    tagged = body[:fmt_end] + chunk + body[fmt_end:]
    tagged = tagged[:4] + (len(tagged) - 8).to_bytes(4, "little") + tagged[8:]
    decoded = decode_upload(tagged, max_bytes=LIMIT)
    assert b"Jane Doe" not in decoded.wav_bytes


@pytest.mark.parametrize(
    "payload, code, words",
    [
        (b"", "empty", "empty"),
        (b"hello, I am text and not audio at all" * 10, "not_audio", "not audio"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "not_audio", "not audio"),
    ],
)
def test_rejections_say_what_is_wrong(payload, code, words):
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(payload, max_bytes=LIMIT)
    assert excinfo.value.code == code
    assert words in str(excinfo.value)


def test_wav_with_a_nonsense_format_header_is_corrupt():
    body = bytearray(wav_bytes(tone(1.0)))
    body[20:24] = b"\x34\x12\x00\x00"  # format tag 0x1234, zero channels
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(bytes(body), max_bytes=LIMIT)
    assert excinfo.value.code == "corrupt"
    assert "corrupt" in str(excinfo.value)


def test_truncated_wav_is_rejected_with_the_byte_counts():
    body = wav_bytes(tone(1.0))
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(body[: len(body) // 2], max_bytes=LIMIT)
    assert excinfo.value.code == "truncated"
    assert "32000 bytes" in str(excinfo.value)


def test_header_only_wav_is_truncated():
    body = wav_bytes(tone(1.0))
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(body[:30], max_bytes=LIMIT)
    assert excinfo.value.code == "truncated"


@pytest.mark.parametrize("seconds", [0.3, 3.5])
def test_duration_outside_half_to_three_seconds(seconds):
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(wav_bytes(tone(seconds)), max_bytes=LIMIT)
    assert excinfo.value.code == "bad_duration"
    assert f"{seconds:.2f} s" in str(excinfo.value)


def test_size_cap_names_the_limit():
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(wav_bytes(tone(1.0)), max_bytes=1000)
    assert excinfo.value.code == "too_large" and "1000 bytes" in str(excinfo.value)


def test_non_finite_samples_are_rejected():
    samples = tone(1.0)
    samples[100] = np.nan
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(wav_bytes(samples, subtype="FLOAT"), max_bytes=LIMIT)
    assert excinfo.value.code == "corrupt"
