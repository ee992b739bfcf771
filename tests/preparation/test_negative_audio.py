"""Negative audio: long recordings streamed into storage a block at a time, refused cleanly, split by a stable
hash."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from kws.splits import which_set
from preparation.models import NegativeAudio
from preparation.negatives import (
    NegativeAudioRejected,
    negative_audio_add,
    negative_audio_split,
    negative_kind_from_name,
)
from tests.audio_factory import wav_bytes

pytestmark = pytest.mark.django_db
RATE = 16_000


def speech_like(seconds: float, rate: int = RATE, channels: int = 1, seed: int = 0) -> np.ndarray:
    """Noise under a syllable-rate envelope: something with structure to compare sample by sample."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    x = rng.normal(0, 0.15, (len(t), channels)) * envelope[:, None]
    return np.clip(x, -0.99, 0.99).astype(np.float32)


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def scratch_files(settings) -> set[Path]:
    scratch = Path(settings.VAR_DIR) / "tmp"
    return set(scratch.iterdir()) if scratch.exists() else set()


def stored_pcm(negative: NegativeAudio) -> tuple[np.ndarray, sf._SoundFileInfo]:
    with default_storage.open(negative.audio.name, "rb") as f:
        info = sf.info(f)
        f.seek(0)
        samples, _ = sf.read(f, dtype="int16")
    return samples, info


def test_a_90_s_negative_is_streamed_into_storage_sample_for_sample(tmp_path, demo_campaign):
    path = tmp_path / "long_talk.wav"
    original = speech_like(90.0)[:, 0]
    sf.write(path, original, RATE, subtype="PCM_16")
    with path.open("rb") as f:
        negative = negative_audio_add(
            campaign=demo_campaign, name="long_talk.wav", fileobj=f, kind="speech", source="upload"
        )
    negative.refresh_from_db()
    assert (negative.duration_s, negative.sample_rate, negative.kind, negative.source) == (
        90.0,
        RATE,
        "speech",
        "upload",
    )
    assert negative.audio.name.startswith(f"negatives/{demo_campaign.slug}/")
    samples, info = stored_pcm(negative)
    assert (info.frames, info.samplerate, info.channels, info.format, info.subtype) == (
        90 * RATE,
        RATE,
        1,
        "WAV",
        "PCM_16",
    )
    expected, _ = sf.read(path, dtype="int16")
    assert np.array_equal(samples, expected)  # 16-bit in, the same 16-bit out: identical
    assert negative.split == which_set(f"negative:{demo_campaign.slug}:long_talk.wav")


def test_a_long_stereo_flac_is_resampled_in_blocks_without_holding_the_recording(tmp_path, demo_campaign):
    path = tmp_path / "radio.flac"
    stereo = speech_like(90.0, rate=48_000, channels=2, seed=1)  # 90 s at 48 kHz stereo: 34.6 MB as float32
    sf.write(path, stereo, 48_000, format="FLAC", subtype="PCM_24")
    decoded, _ = sf.read(path, dtype="float32")
    expected = soxr.resample(decoded.mean(axis=1), 48_000, RATE, quality="HQ")
    del stereo, decoded
    tracemalloc.start()
    try:
        with path.open("rb") as f:
            negative = negative_audio_add(campaign=demo_campaign, name="radio.flac", fileobj=f, kind="music")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB: the recording was held, not streamed"
    samples, info = stored_pcm(negative)
    assert (info.frames, info.samplerate, info.channels, negative.duration_s) == (90 * RATE, RATE, 1, 90.0)
    assert np.abs(samples / 32768.0 - expected).max() <= 1.0 / 32768  # one-shot resampling, to 16-bit rounding


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("notes.wav", b"these are not samples", "not readable audio (negative audio must be WAV or FLAC)"),
        ("empty.wav", b"", "not readable audio"),
        ("short.wav", wav_bytes(speech_like(0.5)[:, 0]), "lasts 0.50 s; negative audio needs at least 1 s"),
        ("speech.ogg", "ogg", "negative audio must be WAV or FLAC"),
        ("eight_bit.wav", "u8", "encoded as Unsigned 8 bit PCM"),
        ("bat.wav", "192k", "sampled at 192000 Hz"),
    ],
)
def test_a_refused_file_leaves_no_row_no_stored_file_and_no_temporary_file(
    tmp_path, demo_campaign, settings, name, content, reason
):
    path = tmp_path / name
    audio = speech_like(3.0)[:, 0]
    if content == "ogg":
        sf.write(path, audio, RATE, format="OGG", subtype="VORBIS")
    elif content == "u8":
        sf.write(path, audio, RATE, format="WAV", subtype="PCM_U8")
    elif content == "192k":
        sf.write(path, speech_like(2.0, rate=192_000)[:, 0], 192_000, subtype="PCM_16")
    else:
        path.write_bytes(content)
    before = scratch_files(settings)
    with path.open("rb") as f, pytest.raises(ValueError) as refused:
        negative_audio_add(campaign=demo_campaign, name=name, fileobj=f)
    assert isinstance(refused.value, NegativeAudioRejected)
    assert str(refused.value).startswith(f"{name}: ") and reason in str(refused.value)
    assert not NegativeAudio.objects.exists() and media_files(settings) == []
    assert scratch_files(settings) == before


def test_a_corrupt_flac_is_refused_midway_and_leaves_nothing(tmp_path, demo_campaign, settings):
    path = tmp_path / "broken.flac"
    sf.write(path, speech_like(20.0)[:, 0], RATE, format="FLAC", subtype="PCM_16")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    before = scratch_files(settings)
    with path.open("rb") as f, pytest.raises(NegativeAudioRejected, match="broken.flac: the audio is corrupt"):
        negative_audio_add(campaign=demo_campaign, name="broken.flac", fileobj=f)
    assert not NegativeAudio.objects.exists() and media_files(settings) == []
    assert scratch_files(settings) == before


def test_a_row_that_cannot_be_written_takes_its_stored_file_with_it(tmp_path, demo_campaign, settings):
    path = tmp_path / "tv.wav"
    sf.write(path, speech_like(2.0)[:, 0], RATE, subtype="PCM_16")
    with path.open("rb") as f:
        first = negative_audio_add(campaign=demo_campaign, name="tv.wav", fileobj=f, kind="tv")
    assert (
        negative_audio_add(campaign=demo_campaign, name="tv.wav", fileobj=path.open("rb"), skip_existing=True) is None
    )
    with path.open("rb") as f, pytest.raises(IntegrityError), transaction.atomic():
        negative_audio_add(campaign=demo_campaign, name="tv.wav", fileobj=f)  # the name is taken
    assert list(NegativeAudio.objects.values_list("id", flat=True)) == [first.id]
    assert [str(p.relative_to(settings.MEDIA_ROOT)) for p in media_files(settings)] == [first.audio.name]


def test_the_split_is_a_stable_80_10_10_hash_of_campaign_and_name(tmp_path, demo_campaign):
    path = tmp_path / "a.wav"
    sf.write(path, speech_like(1.5)[:, 0], RATE, subtype="PCM_16")
    splits = {}
    for _ in range(2):  # added, removed, added again: the same split
        NegativeAudio.objects.all().delete()
        for n in range(8):
            with path.open("rb") as f:
                splits.setdefault(f"clip{n}.wav", set()).add(
                    negative_audio_add(campaign=demo_campaign, name=f"clip{n}.wav", fileobj=f).split
                )
    assert all(len(seen) == 1 for seen in splits.values())
    stored = dict(NegativeAudio.objects.values_list("name", "split"))
    assert stored == {name: seen.pop() for name, seen in splits.items()}

    # another interpreter with another string-hash seed gives the same splits: nothing depends on hash()
    key = f"negative:{demo_campaign.slug}:"
    script = f"from kws.splits import which_set; print(' '.join(which_set({key!r} + n) for n in {sorted(stored)!r}))"
    fresh = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert fresh.stdout.split() == [stored[n] for n in sorted(stored)]

    shares = Counter(negative_audio_split(campaign=demo_campaign, name=f"recording-{n}.wav") for n in range(2000))
    assert shares["training"] / 2000 == pytest.approx(0.8, abs=0.03)
    assert shares["validation"] / 2000 == pytest.approx(0.1, abs=0.02)
    assert shares["testing"] / 2000 == pytest.approx(0.1, abs=0.02)


def test_an_imported_file_name_says_what_it_holds():
    assert [
        negative_kind_from_name(n)
        for n in ["tv_news_3.wav", "Music-Jazz.FLAC", "brown noise.wav", "podcast.wav", "television.wav", "tvshow.wav"]
    ] == ["tv", "music", "noise", "speech", "speech", "speech"]


def test_admins_upload_negative_audio_and_see_a_refusal_beside_the_field(
    staff_client, demo_campaign, settings, django_capture_on_commit_callbacks
):
    stereo = speech_like(3.0, rate=44_100, channels=2, seed=4)
    response = staff_client.post(
        "/admin/preparation/negativeaudio/add/",
        {
            "campaign": demo_campaign.id,
            "name": "kitchen radio",
            "kind": "music",
            "upload": SimpleUploadedFile("radio.wav", wav_bytes(stereo, 44_100)),
        },
    )
    assert response.status_code == 302
    stored = NegativeAudio.objects.get()
    assert (stored.name, stored.kind, stored.source, stored.sample_rate, stored.duration_s) == (
        "kitchen radio",
        "music",
        "upload",
        RATE,
        3.0,
    )
    assert stored.split == which_set(f"negative:{demo_campaign.slug}:kitchen radio")
    samples, info = stored_pcm(stored)
    assert info.frames == 3 * RATE and np.abs(samples).max() > 1000  # the recording, not silence

    bad = staff_client.post(
        "/admin/preparation/negativeaudio/add/",
        {
            "campaign": demo_campaign.id,
            "name": "junk",
            "kind": "speech",
            "upload": SimpleUploadedFile("junk.wav", b"nope"),
        },
    )
    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors["upload"] == [
        "junk.wav: not readable audio (negative audio must be WAV or FLAC)"
    ]
    assert NegativeAudio.objects.count() == 1 and len(media_files(settings)) == 1
    assert staff_client.get(f"/admin/preparation/negativeaudio/{stored.id}/change/").status_code == 200
    assert staff_client.get("/admin/preparation/negativeaudio/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        deleted = staff_client.post(
            "/admin/preparation/negativeaudio/",
            {"action": "delete_selected", "_selected_action": [stored.id], "post": "yes"},
        )
    assert deleted.status_code == 302 and not NegativeAudio.objects.exists() and media_files(settings) == []
