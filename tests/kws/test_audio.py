import io

import numpy as np
import pytest
import soundfile as sf

from kws.audio import AudioRejected, decode_upload, read_wav
from tests.audio_factory import tone, wav_bytes
from tests.hostile_audio import (
    ACCEPTED,
    REFUSED,
    refusal_cost,
    silence_bomb,
    undeclared_ten_minutes,
    with_declared_frames,
)

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


@pytest.mark.parametrize("case", REFUSED)
def test_refused_kinds_are_named_from_the_header(case):
    make, code, words = REFUSED[case]
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(make(), max_bytes=LIMIT)
    assert excinfo.value.code == code
    assert words in str(excinfo.value)
    if code == "unsupported_format":
        assert "WAV (16, 24 or 32-bit PCM, or float), FLAC or Ogg Vorbis" in str(excinfo.value)


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_kinds_become_16k_mono_keeping_the_tone(case):
    make, original_format, rate, channels, seconds = ACCEPTED[case]
    decoded = decode_upload(make(), max_bytes=LIMIT)
    assert (decoded.original_format, decoded.original_sample_rate, decoded.original_channels) == (
        original_format,
        rate,
        channels,
    )
    stored = sf.info(io.BytesIO(decoded.wav_bytes))
    assert (stored.format, stored.subtype, stored.samplerate, stored.channels) == ("WAV", "PCM_16", 16_000, 1)
    assert abs(stored.frames - seconds * 16_000) <= 1
    spectrum = np.abs(np.fft.rfft(decoded.samples))
    assert abs(np.argmax(spectrum) * 16_000 / len(decoded.samples) - 440.0) < 2.0
    assert abs(np.abs(decoded.samples).max() - 0.3) < 0.03


def test_libsndfile_messages_are_not_passed_on():
    corrupt = bytearray(wav_bytes(tone(1.0)))
    corrupt[20:24] = b"\x34\x12\x00\x00"  # libsndfile's own message for this names a BytesIO at an address
    for payload in (bytes(corrupt), b"OggS" + b"\0" * 300, b"\x00\x01 not a known header" * 20):
        with pytest.raises(AudioRejected) as excinfo:
            decode_upload(payload, max_bytes=LIMIT)
        message = str(excinfo.value)
        assert "0x" not in message and "BytesIO" not in message and "Error" not in message, message
        assert message in (
            "the audio file is corrupt and cannot be decoded",
            "the file is not audio Chorus can read (send WAV (16, 24 or 32-bit PCM, or float), FLAC or Ogg Vorbis)",
        )


def test_a_silence_bomb_is_refused_from_its_header_at_no_cost(tmp_path):
    bomb = silence_bomb()
    assert len(bomb) < 1024 * 1024  # 10 min x 8 channels x 96 kHz, fits in an ordinary upload
    cost = refusal_cost(bomb, tmp_path)
    assert cost["code"] == "bad_sample_rate" and "96000 Hz" in cost["message"], cost
    assert cost["ms"] < 100, cost
    assert cost["rss_growth_mb"] < 50 and cost["traced_peak_mb"] < 50, cost


def test_a_stream_that_hides_its_length_is_refused_before_decoding(tmp_path):
    hidden = undeclared_ten_minutes()  # allowed rate and channels, 10 min long, header says "length unknown"
    cost = refusal_cost(hidden, tmp_path)
    assert cost["code"] == "bad_duration" and "does not declare its length" in cost["message"], cost
    assert cost["ms"] < 100, cost
    assert cost["rss_growth_mb"] < 50 and cost["traced_peak_mb"] < 50, cost  # 10 min of float32 stereo is 230 MB
    flac = io.BytesIO()
    sf.write(flac, tone(1.0), 16_000, format="FLAC")
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(with_declared_frames(flac.getvalue(), 0), max_bytes=LIMIT)
    assert excinfo.value.code == "bad_duration"


def test_a_header_that_understates_the_length_bounds_what_is_decoded():
    flac = io.BytesIO()
    sf.write(flac, tone(20.0), 16_000, format="FLAC")  # 20 s of audio behind a header that says one second
    decoded = decode_upload(with_declared_frames(flac.getvalue(), 16_000), max_bytes=LIMIT)
    assert len(decoded.samples) == 16_000


def test_a_header_that_overstates_the_length_is_corrupt():
    flac = io.BytesIO()
    sf.write(flac, tone(0.3), 16_000, format="FLAC")  # 0.3 s of audio behind a header that says two seconds
    with pytest.raises(AudioRejected) as excinfo:
        decode_upload(with_declared_frames(flac.getvalue(), 32_000), max_bytes=LIMIT)
    assert excinfo.value.code == "corrupt"  # libsndfile stops where the audio does, short of the declared end
