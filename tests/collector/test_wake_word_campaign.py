"""Wake-word campaigns: one phrase and its confusables, 2 s takes cleaned to 2 s, imported from a Speech Commands
layout with long negative recordings, released with a datasheet that says what they are."""

from __future__ import annotations

import dataclasses
import io
import tarfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from collector.models import Campaign, Clip, Keyword
from kws import cleaning, features
from kws.audio import read_wav
from preparation import services as preparation
from preparation.models import BackgroundNoise, ClipFeatures, NegativeAudio, PreparedClip
from tests.audio_factory import tone, wav_bytes
from tests.collector.test_consent import upload
from tests.conftest import give_consent
from tests.factories import clip_validated

pytestmark = pytest.mark.django_db

RATE = 16_000
PHRASE = "hey jarvis"
SPEAKERS = ["0a7c2a8d", "ffd2ba2f", "3cfc6b3a"]
CONFUSABLES = {"hey_marvin": "hey marvin", "jarvis": "jarvis", "hey_there_jarvis": "hey there jarvis"}
BURSTS = ((0.2, 0.5, 500.0), (1.4, 1.7, 800.0))  # "hey" and "jarvis": onsets 1.2 s apart


def two_words(seed: int, seconds: float = 2.0) -> np.ndarray:
    """A 2 s take holding two tone bursts 1.2 s apart, over faint noise: a phrase no 1 s window holds whole."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = np.random.default_rng(seed).normal(0, 0.002, len(t))
    for start, end, freq in BURSTS:
        x += 0.3 * ((t >= start) & (t < end)) * np.sin(2 * np.pi * freq * t)
    return x.astype(np.float32)


def burst_rms(samples: np.ndarray) -> list[float]:
    return [float(np.sqrt(np.mean(samples[int(a * RATE) : int(b * RATE)] ** 2))) for a, b, _ in BURSTS]


def loud_seconds(samples: np.ndarray) -> float:
    """Seconds of 10 ms frames that hold a word (RMS above 0.1)."""
    frames = samples[: len(samples) // 160 * 160].reshape(-1, 160)
    return float((np.sqrt(np.mean(frames**2, axis=1)) > 0.1).sum() * 0.01)


def wake_word_folder(root: Path) -> Path:
    """Speech Commands layout: the phrase's folder, confusables, background noise and long negatives."""
    (root / "hey_jarvis").mkdir(parents=True)
    for s, speaker in enumerate(SPEAKERS):
        for n in range(2):
            (root / "hey_jarvis" / f"{speaker}_nohash_{n}.wav").write_bytes(wav_bytes(two_words(10 * s + n)))
    for w, folder in enumerate(CONFUSABLES):
        (root / folder).mkdir()
        for s, speaker in enumerate(SPEAKERS):
            audio = tone(1.5, freq=300 + 100 * w, seed=1000 + 10 * w + s)
            (root / folder / f"{speaker}_nohash_0.wav").write_bytes(wav_bytes(audio))
    (root / "_background_noise_").mkdir()
    (root / "_background_noise_" / "hum.wav").write_bytes(
        wav_bytes(np.random.default_rng(1).normal(0, 0.05, RATE * 3).astype(np.float32))
    )
    negatives = root / "_negative_"
    negatives.mkdir()
    rng = np.random.default_rng(2)
    (negatives / "tv_evening_news.wav").write_bytes(wav_bytes(rng.normal(0, 0.1, RATE * 4).astype(np.float32)))
    music = rng.normal(0, 0.1, (44_100 * 3, 2)).astype(np.float32)
    sf.write(negatives / "music-jazz.flac", music, 44_100, format="FLAC", subtype="PCM_16")
    (negatives / "podcast.wav").write_bytes(wav_bytes(rng.normal(0, 0.1, RATE * 5).astype(np.float32)))
    (negatives / "notes.txt").write_text("not audio")
    return root


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_dataset", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def media_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_import_with_wake_word_creates_the_campaign_its_phrase_confusables_and_negatives(tmp_path):
    root = wake_word_folder(tmp_path / "jarvis_set")
    out = run(root, "--campaign", "Jarvis", "--wake-word", PHRASE, "--validated", "--source", "ww")
    assert "created wake-word campaign 'jarvis'" in out
    assert "imported 15 clips (valid), 0 already present, 1 background-noise files, 1 bad files" in out
    assert f"wake phrase '{PHRASE}': 3 confusable phrases, 3 negative recordings" in out
    assert "bad: _negative_/notes.txt: not readable audio" in out

    campaign = Campaign.objects.get(slug="jarvis")
    assert (campaign.kind, campaign.wake_phrase, campaign.take_seconds, campaign.record_seconds) == (
        "wake_word",
        PHRASE,
        2.0,
        2.0,
    )
    assert set(campaign.keywords.values_list("text", "is_filler")) == {
        (PHRASE, False),
        *((text, True) for text in CONFUSABLES.values()),
    }
    clips = Clip.objects.filter(campaign=campaign)
    assert Counter(clips.values_list("keyword__text", flat=True)) == {
        PHRASE: 6,
        **dict.fromkeys(CONFUSABLES.values(), 3),
    }
    positive = clips.get(source_path="hey_jarvis/ffd2ba2f_nohash_1.wav")
    assert (positive.duration_s, positive.num_samples, positive.status) == (2.0, 32_000, "valid")
    with positive.audio.open("rb") as f:
        stored, _ = read_wav(f.read())
    assert np.abs(stored - two_words(11)).max() <= 1 / 32768 + 1e-6  # the take as given, to 16-bit rounding

    negatives = {n.name: n for n in NegativeAudio.objects.filter(campaign=campaign)}
    assert {name: (n.kind, n.source, n.duration_s, n.sample_rate) for name, n in negatives.items()} == {
        "tv_evening_news.wav": ("tv", "import", 4.0, RATE),
        "music-jazz.flac": ("music", "import", 3.0, RATE),
        "podcast.wav": ("speech", "import", 5.0, RATE),
    }
    with default_storage.open(negatives["podcast.wav"].audio.name, "rb") as f:
        podcast, rate = read_wav(f.read())
    expected, _ = read_wav((root / "_negative_" / "podcast.wav").read_bytes())
    assert rate == RATE and np.array_equal(podcast, expected)
    assert BackgroundNoise.objects.get(campaign=campaign).duration_s == 3.0

    again = run(root, "--campaign", "jarvis", "--wake-word", PHRASE, "--validated", "--source", "ww")
    assert "imported 0 clips (valid), 15 already present" in again and "0 negative recordings" in again
    assert NegativeAudio.objects.count() == 3 and Keyword.objects.filter(campaign=campaign).count() == 4


def test_a_wake_word_import_is_refused_for_a_commands_campaign_or_a_missing_phrase_folder(
    tmp_path, demo_campaign, settings
):
    root = wake_word_folder(tmp_path / "set")
    keywords = list(demo_campaign.keywords.values_list("text", "is_filler"))
    with pytest.raises(CommandError, match="'speech-commands-demo' is a commands campaign"):
        run(root, "--campaign", demo_campaign.slug, "--wake-word", PHRASE)
    assert list(demo_campaign.keywords.values_list("text", "is_filler")) == keywords
    assert not Clip.objects.exists() and not NegativeAudio.objects.exists() and media_files(settings) == []

    with pytest.raises(CommandError, match=r"has no folder ok_nabu/ for the wake phrase 'ok nabu'"):
        run(root, "--campaign", "Nabu", "--wake-word", "ok  nabu")
    assert not Campaign.objects.filter(slug="nabu").exists()

    run(root, "--campaign", "Jarvis", "--wake-word", PHRASE)
    with pytest.raises(CommandError, match="'jarvis' is a wake-word campaign: import with --wake-word \"hey jarvis\""):
        run(root, "--campaign", "jarvis")  # every folder would become a phrase
    (root / "hey_marvin").rename(root / "hey_marvin_two")
    with pytest.raises(CommandError, match="has the wake phrase 'hey jarvis', not 'hey marvin two'"):
        run(root, "--campaign", "jarvis", "--wake-word", "hey marvin two")


def test_without_wake_word_a_negative_folder_is_left_alone(tmp_path, demo_campaign):
    root = wake_word_folder(tmp_path / "set")
    out = run(root, "--campaign", demo_campaign.slug, "--validated")
    assert "wake phrase" not in out and not NegativeAudio.objects.exists()
    assert not demo_campaign.keywords.filter(text="hey_jarvis", is_filler=True).exists()  # a command, as before
    assert demo_campaign.keywords.filter(text="hey_jarvis", is_filler=False).exists()


def test_a_2_s_take_is_cleaned_to_32000_samples_keeping_both_words(tmp_path, demo_campaign):
    run(wake_word_folder(tmp_path / "set"), "--campaign", "Jarvis", "--wake-word", PHRASE, "--validated")
    command = clip_validated(demo_campaign, keyword="up")  # a commands clip in the same batch
    result = preparation.preparation_run(claims=preparation.preparation_claim(limit=100))
    assert (result.done, result.failed, result.dropped) == (16, 0, 0)

    wake = PreparedClip.objects.filter(clip__campaign__slug="jarvis")
    assert {row.cleaning_params["clip_samples"] for row in wake} == {32_000}
    take = wake.get(clip__source_path="hey_jarvis/0a7c2a8d_nohash_0.wav")
    with take.cleaned_audio.open("rb") as f:
        cleaned, rate = read_wav(f.read())
    assert (rate, len(cleaned)) == (RATE, 32_000)
    assert min(burst_rms(cleaned)) > 0.3  # both words kept, each at full level
    gap = cleaned[int(0.6 * RATE) : int(1.3 * RATE)]
    assert np.sqrt(np.mean(gap**2)) < 0.02  # and the pause between them stays a pause
    one_second = cleaning.clean(two_words(0), RATE)  # what a commands campaign's cleaner keeps: one word at most
    assert (loud_seconds(cleaned), len(one_second)) == (pytest.approx(0.6, abs=0.02), 16_000)
    assert loud_seconds(one_second) < 0.45

    with take.clip.audio.open("rb") as f:
        original, _ = read_wav(f.read())
    expected = cleaning.clean(original, RATE, cleaning.CleaningParams(clip_samples=32_000))  # pure: params passed
    assert np.abs(cleaned - expected).max() <= 1.5 / 32768
    long_params = dataclasses.replace(features.DEFAULT_PARAMS, clip_samples=32_000)
    row = ClipFeatures.objects.get(preparation=take)
    assert (row.params_hash, row.frames, row.channels) == (long_params.hash, 99, 40)
    stored = np.frombuffer(row.data, dtype="<f4").reshape(99, 40)
    assert np.allclose(stored, features.featurize(expected, long_params), atol=1e-5)

    commands = PreparedClip.objects.get(clip=command)
    assert commands.cleaning_params == cleaning.CleaningParams().as_dict()
    with commands.cleaned_audio.open("rb") as f:
        assert len(read_wav(f.read())[0]) == 16_000
    assert ClipFeatures.objects.get(preparation=commands).params_hash == features.DEFAULT_PARAMS.hash


def test_the_prompt_page_and_consent_carry_the_take_length(tmp_path, demo_campaign):
    run(wake_word_folder(tmp_path / "set"), "--campaign", "Jarvis", "--wake-word", PHRASE)
    volunteer = Client()
    give_consent(volunteer, "jarvis")
    prompt = volunteer.get("/api/campaigns/jarvis/prompt/").json()
    assert (prompt["kind"], prompt["record_seconds"], prompt["take_seconds"]) == ("wake_word", 2.0, 2.0)
    page = volunteer.get("/c/jarvis/speak/").content.decode()
    assert 'data-record-seconds="2"' in page and "you have two seconds" in page
    consent = volunteer.get("/api/campaigns/jarvis/consent/").json()["text"]
    assert "records 2 seconds of audio" in consent and "say the phrase shown" in consent
    take = upload(volunteer, keyword=PHRASE, audio=wav_bytes(two_words(99)), slug="jarvis")
    assert take.status_code == 201 and take.json()["duration_s"] == 2.0

    commands = Client()
    give_consent(commands)
    prompt = commands.get(f"/api/campaigns/{demo_campaign.slug}/prompt/").json()
    assert (prompt["kind"], prompt["record_seconds"], prompt["take_seconds"]) == ("commands", 1.5, 1.0)
    assert 'data-record-seconds="1.5"' in commands.get(f"/c/{demo_campaign.slug}/speak/").content.decode()
    assert (
        "records 1.5 seconds of audio" in commands.get(f"/api/campaigns/{demo_campaign.slug}/consent/").json()["text"]
    )


def test_a_wake_word_campaign_has_at_most_one_phrase(demo_campaign):
    campaign = Campaign.objects.create(slug="nabu", name="Nabu", language=demo_campaign.language, kind="wake_word")
    assert campaign.wake_phrase == ""
    Keyword.objects.create(campaign=campaign, text="ok nabu", language=campaign.language)
    Keyword.objects.create(campaign=campaign, text="okay", language=campaign.language, is_filler=True)
    campaign.full_clean()
    assert campaign.wake_phrase == "ok nabu"

    second = Keyword(campaign=campaign, text="hey nabu", language=campaign.language)
    with pytest.raises(ValidationError) as refused:
        second.full_clean()
    assert refused.value.message_dict == {
        "is_filler": [
            "a wake-word campaign has exactly one wake phrase (its one non-filler keyword), but 'hey nabu', "
            "'ok nabu' are not fillers: mark the confusable phrases as fillers, or make this a commands campaign"
        ]
    }
    Keyword(campaign=campaign, text="hey nabu", language=campaign.language, is_filler=True).full_clean()

    demo_campaign.kind = Campaign.Kind.WAKE_WORD  # twenty command words cannot become one phrase
    with pytest.raises(ValidationError) as refused:
        demo_campaign.full_clean()
    assert list(refused.value.message_dict) == ["kind"] and "exactly one wake phrase" in refused.value.messages[0]
    assert (demo_campaign.take_seconds, demo_campaign.wake_phrase) == (2.0, "")


def test_the_admin_shows_a_second_phrase_beside_its_filler_box(staff_client, demo_campaign):
    language = demo_campaign.language.id
    response = staff_client.post(
        "/admin/collector/campaign/add/",
        {
            "slug": "nabu",
            "name": "Nabu",
            "kind": "wake_word",
            "language": language,
            "licence": "CC-BY-4.0",
            "target_clips_per_keyword": 1000,
            "vote_cap": 4,
            "accuracy_floor": 0.75,
            "active": "on",
            "keywords-TOTAL_FORMS": 3,
            "keywords-INITIAL_FORMS": 0,
            "keywords-MIN_NUM_FORMS": 0,
            "keywords-MAX_NUM_FORMS": 1000,
            "keywords-0-text": "ok nabu",
            "keywords-0-language": language,
            "keywords-1-text": "hey nabu",
            "keywords-1-language": language,
            "keywords-2-text": "okay",
            "keywords-2-language": language,
            "keywords-2-is_filler": "on",
        },
    )
    assert response.status_code == 200 and not Campaign.objects.filter(slug="nabu").exists()
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert [dict(form.errors) for form in forms[::2]] == [{}, {}]
    assert forms[1].errors["is_filler"] == [
        "a wake-word campaign has exactly one wake phrase (its one non-filler keyword), but 'hey nabu', "
        "'ok nabu' are not fillers: mark the confusable phrases as fillers, or make this a commands campaign"
    ]

    wake = Campaign.objects.create(slug="jarvis", name="Jarvis", language=demo_campaign.language, kind="wake_word")
    Keyword.objects.create(campaign=wake, text=PHRASE, language=wake.language)
    refused = staff_client.post(
        "/admin/collector/keyword/add/", {"campaign": wake.id, "text": "ok jarvis", "language": language}
    )
    assert (
        refused.status_code == 200
        and "exactly one wake phrase" in refused.context["adminform"].form.errors["is_filler"][0]
    )
    assert list(wake.keywords.values_list("text", flat=True)) == [PHRASE]


def test_a_wake_word_release_holds_2_s_clips_and_a_datasheet_that_says_so(tmp_path):
    from releases.build import release_build
    from releases.services import release_create

    run(wake_word_folder(tmp_path / "set"), "--campaign", "Jarvis", "--wake-word", PHRASE, "--validated")
    preparation.preparation_run(claims=preparation.preparation_claim(limit=100))
    campaign = Campaign.objects.get(slug="jarvis")
    release = release_build(release_id=release_create(campaign=campaign, name="v1").id)
    assert release.state == "succeeded", release.error
    with default_storage.open(release.archive.name, "rb") as f, tarfile.open(fileobj=f, mode="r:gz") as tar:
        files = {m.name.removeprefix("jarvis-v1/"): tar.extractfile(m).read() for m in tar.getmembers()}
    assert "manifest.tsv" in files  # under the release's one top-level folder
    clips = {
        name: sf.info(io.BytesIO(data))
        for name, data in files.items()
        if not name.startswith("_") and name.endswith(".wav")
    }
    assert Counter(name.split("/")[0] for name in clips) == {"hey_jarvis": 6, **dict.fromkeys(CONFUSABLES, 3)}
    assert {(info.frames, info.samplerate, info.channels) for info in clips.values()} == {(32_000, RATE, 1)}
    manifest = files["manifest.tsv"].decode().splitlines()
    durations = {line.split("\t")[manifest[0].split("\t").index("duration_ms")] for line in manifest[1:]}
    assert durations == {"2000"}
    sheet = files["DATASHEET.md"].decode()
    assert "Campaign kind: wake word, listening for 'hey jarvis'." in sheet
    assert "15 clips of the wake phrase and 3 confusable phrases" in sheet
    assert "one cleaned 2 s, 16 kHz mono, 16-bit recording of one phrase" in sheet
    assert "clip_samples=32000" in sheet and "loudest 2 s" in sheet
    assert sheet == release.datasheet
