import hashlib
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from collector.models import Clip
from kws.audio import read_wav
from tests.audio_factory import tone, wav_bytes
from tests.collector.test_consent import upload
from tests.conftest import CAMPAIGN, give_consent
from tests.hostile_audio import ACCEPTED, REFUSED, silence_bomb

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_upload_stores_the_audio_that_was_sent(volunteer, settings):
    samples = tone(1.0, freq=523.0, seed=7)
    response = upload(volunteer, keyword="left", audio=wav_bytes(samples))
    assert response.status_code == 201, response.content
    body = response.json()
    clip = Clip.objects.select_related("keyword").get(id=body["id"])
    assert (clip.keyword.text, clip.status, clip.sample_rate, clip.num_samples) == ("left", "pending", 16_000, 16_000)
    assert clip.consent_version == "1"
    with clip.audio.open("rb") as f:
        stored_bytes = f.read()
    assert hashlib.sha256(stored_bytes).hexdigest() == clip.sha256 == body["sha256"]
    stored, rate = read_wav(stored_bytes)
    assert rate == 16_000 and np.max(np.abs(stored - samples)) <= 1.5 / 32768
    assert [p.name for p in stored_files(settings)] == [f"{clip.id}.wav"]
    quality = body["quality"]
    assert abs(quality["rms_dbfs"] - 20 * np.log10(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))) < 0.05
    assert abs(quality["peak"] - np.abs(samples).max()) < 1e-3
    assert 0.45 <= quality["voiced_duration_s"] <= 0.56
    assert body["too_quiet"] is False


def test_high_rate_stereo_upload_is_stored_as_16k_mono(volunteer):
    stereo = np.stack([tone(2.0, sample_rate=48_000), tone(2.0, sample_rate=48_000)], axis=1)
    response = upload(volunteer, audio=wav_bytes(stereo, 48_000, "PCM_24"))
    assert response.status_code == 201
    clip = Clip.objects.get()
    assert (clip.original_sample_rate, clip.original_channels, clip.original_format) == (48_000, 2, "WAV/PCM_24")
    with clip.audio.open("rb") as f:
        stored, rate = read_wav(f.read())
    assert rate == 16_000 and len(stored) == 32_000 and clip.duration_s == 2.0


def test_flac_is_parsed_by_content_not_by_name(volunteer):
    import io

    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, tone(1.0), 16_000, format="FLAC")
    response = volunteer.post(
        f"/api/campaigns/{CAMPAIGN}/clips/",
        {"keyword": "up", "audio": SimpleUploadedFile("clip.mp3", buffer.getvalue(), "image/png")},
    )
    assert response.status_code == 201 and Clip.objects.get().original_format == "FLAC/PCM_16"


def test_too_quiet_take_is_flagged(volunteer):
    body = upload(volunteer, audio=wav_bytes(tone(1.0, amplitude=0.003))).json()
    assert body["too_quiet"] is True and body["quality"]["loudest_1s_mean_abs"] < 0.004


BAD_UPLOADS = {
    "empty": (b"", "empty", "empty"),
    "not audio": (b"%PDF-1.7 definitely a document" * 20, "not_audio", "not audio"),
    "corrupt": (None, "corrupt", "corrupt"),
    "truncated": (wav_bytes(tone(1.0))[:20_000], "truncated", "truncated"),
    "too short": (wav_bytes(tone(0.2)), "bad_duration", "0.20 s"),
    "too long": (wav_bytes(tone(4.0)), "bad_duration", "4.00 s"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_bad_audio_gets_a_precise_400_and_leaves_nothing(volunteer, settings, case):
    payload, code, words = BAD_UPLOADS[case]
    if payload is None:
        corrupt = bytearray(wav_bytes(tone(1.0)))
        corrupt[20:24] = b"\x34\x12\x00\x00"
        payload = bytes(corrupt)
    response = upload(volunteer, audio=payload)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == code and words in response.json()["detail"]
    assert Clip.objects.count() == 0 and stored_files(settings) == []


@pytest.mark.parametrize("case", REFUSED)
def test_refused_kinds_get_a_400_naming_the_problem_and_leave_nothing(volunteer, settings, case):
    make, code, words = REFUSED[case]
    response = upload(volunteer, audio=make())
    assert response.status_code == 400, response.content
    assert response.json()["error"] == code and words in response.json()["detail"], response.json()
    assert Clip.objects.count() == 0 and stored_files(settings) == []


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_kinds_are_stored_as_16k_mono_pcm16(volunteer, settings, case):
    import io

    import soundfile as sf

    make, original_format, rate, channels, seconds = ACCEPTED[case]
    response = upload(volunteer, audio=make())
    assert response.status_code == 201, response.content
    clip = Clip.objects.get(id=response.json()["id"])
    assert (clip.original_format, clip.original_sample_rate, clip.original_channels) == (
        original_format,
        rate,
        channels,
    )
    [path] = stored_files(settings)
    stored_bytes = path.read_bytes()
    assert hashlib.sha256(stored_bytes).hexdigest() == clip.sha256
    info = sf.info(io.BytesIO(stored_bytes))
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("WAV", "PCM_16", 16_000, 1)
    assert info.frames == clip.num_samples and abs(info.frames - seconds * 16_000) <= 1
    stored, _ = read_wav(stored_bytes)
    assert abs(np.argmax(np.abs(np.fft.rfft(stored))) * 16_000 / len(stored) - 440.0) < 2.0


def test_a_silence_bomb_is_refused_and_nothing_is_kept(volunteer, settings):
    response = upload(volunteer, audio=silence_bomb())  # 10 min x 8 channels x 96 kHz in under 0.5 MB of FLAC
    assert response.status_code == 400
    assert response.json() == {
        "error": "bad_sample_rate",
        "detail": "the audio is sampled at 96000 Hz; Chorus accepts 8000 to 48000 Hz",
    }
    assert Clip.objects.count() == 0 and stored_files(settings) == []


def test_decoder_internals_never_reach_the_client(volunteer, settings):
    corrupt = bytearray(wav_bytes(tone(1.0)))
    corrupt[20:24] = b"\x34\x12\x00\x00"  # libsndfile's message for this names a BytesIO and its address
    response = upload(volunteer, audio=bytes(corrupt))
    assert response.status_code == 400
    assert response.json() == {"error": "corrupt", "detail": "the audio file is corrupt and cannot be decoded"}
    assert Clip.objects.count() == 0 and stored_files(settings) == []


def test_oversized_upload_names_the_limit(volunteer, settings):
    settings.CHORUS_UPLOAD_MAX_BYTES = 20_000
    response = upload(volunteer, audio=wav_bytes(tone(1.0)))
    assert response.status_code == 400
    assert response.json()["error"] == "too_large" and "20000 bytes" in response.json()["detail"]
    big = upload(volunteer, audio=b"RIFF" + b"\0" * 200_000)
    assert big.status_code == 400 and "limit is 20000 bytes" in big.json()["detail"]
    assert Clip.objects.count() == 0 and stored_files(settings) == []


def test_unknown_keyword_and_missing_fields(volunteer, settings):
    response = upload(volunteer, keyword="banana")
    assert response.status_code == 400
    assert response.json()["error"] == "unknown_keyword" and "'banana'" in response.json()["detail"]
    missing = volunteer.post(f"/api/campaigns/{CAMPAIGN}/clips/", {"keyword": "yes"})
    assert missing.status_code == 400 and missing.json()["detail"].startswith("audio:")
    unknown_campaign = upload(volunteer, slug="no-such-campaign")
    assert unknown_campaign.status_code == 404 and "no-such-campaign" in unknown_campaign.json()["detail"]
    assert Clip.objects.count() == 0 and stored_files(settings) == []


def test_same_audio_twice_from_one_contributor_is_a_duplicate(volunteer, demo_campaign, settings):
    audio = wav_bytes(tone(1.0, seed=3))
    assert upload(volunteer, audio=audio).status_code == 201
    again = upload(volunteer, audio=audio)
    assert again.status_code == 409 and again.json()["error"] == "duplicate"
    someone_else = Client()
    give_consent(someone_else)
    assert upload(someone_else, audio=audio).status_code == 201
    assert Clip.objects.count() == 2 and len(stored_files(settings)) == 2


def test_a_crash_while_writing_the_row_leaves_no_orphan_file(volunteer, settings, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Clip.objects, "create", explode)
    with pytest.raises(RuntimeError):
        upload(volunteer)
    assert stored_files(settings) == []


def test_a_storage_failure_leaves_no_row(volunteer, settings, monkeypatch):
    from django.core.files.storage import default_storage

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full_disk)
    with pytest.raises(OSError):
        upload(volunteer)
    assert Clip.objects.count() == 0


def test_uploads_are_throttled_per_contributor_with_retry_after(volunteer, settings):
    settings.CHORUS_UPLOAD_RATE_CONTRIBUTOR = "3/min"
    codes = [upload(volunteer, audio=wav_bytes(tone(1.0, seed=i))).status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    limited = upload(volunteer, audio=wav_bytes(tone(1.0, seed=99)))
    assert limited.status_code == 429 and 0 < int(limited["Retry-After"]) <= 60
    assert limited.json()["error"] == "throttled" and "try again in" in limited.json()["detail"]
    assert Clip.objects.count() == 3


def test_uploads_are_throttled_per_address_across_contributors(demo_campaign, settings):
    settings.CHORUS_UPLOAD_RATE_ADDRESS = "4/min"
    codes = []
    for person in range(3):
        client = Client()
        give_consent(client)
        codes += [upload(client, audio=wav_bytes(tone(1.0, seed=10 * person + i))).status_code for i in range(2)]
    assert codes == [201, 201, 201, 201, 429, 429]
