import io
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from collector.models import Campaign, Clip, Contributor
from preparation.models import BackgroundNoise, PreparedClip
from tests.audio_factory import tone, wav_bytes

pytestmark = pytest.mark.django_db


def speech_commands_folder(root: Path) -> Path:
    for w, word in enumerate(["yes", "no"]):
        (root / word).mkdir(parents=True)
        for s, speaker in enumerate(["0a7c2a8d", "ffd2ba2f", "3cfc6b3a"]):
            for n in range(2):
                (root / word / f"{speaker}_nohash_{n}.wav").write_bytes(
                    wav_bytes(tone(1.0, freq=300 + 50 * w, seed=100 * w + 10 * s + n))
                )
    (root / "yes" / "c1d39ce8_nohash_0.wav").write_bytes(b"RIFF....WAVEgarbage")
    (root / "yes" / "README.txt").write_text("not a clip")
    (root / "_background_noise_").mkdir()
    noise = np.random.default_rng(0).normal(0, 0.05, 16_000 * 5).astype(np.float32)
    (root / "_background_noise_" / "white_noise.wav").write_bytes(wav_bytes(noise))
    return root


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_dataset", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_validated_then_again_imports_nothing_new(tmp_path, demo_campaign, django_capture_on_commit_callbacks):
    root = speech_commands_folder(tmp_path / "sc")
    with django_capture_on_commit_callbacks() as callbacks:
        first = run(
            str(root),
            "--campaign",
            demo_campaign.slug,
            "--validated",
            "--license",
            "CC-BY-4.0",
            "--source",
            "speech_commands_v2",
        )
    assert "imported 12 clips (valid), 0 already present, 1 background-noise files, 2 bad files" in first
    assert "yes/c1d39ce8_nohash_0.wav" in first and "yes/README.txt: name is not" in first
    assert len(callbacks) == 1  # one batch scheduled for the whole import
    clips = Clip.objects.filter(source="speech_commands_v2")
    assert clips.count() == 12 and set(clips.values_list("status", flat=True)) == {"valid"}
    assert set(clips.values_list("licence", "consent_version")) == {("CC-BY-4.0", "import:speech_commands_v2")}
    assert PreparedClip.objects.filter(state="queued").count() == 12
    speakers = Contributor.objects.filter(external_key__startswith="speech_commands_v2:")
    assert sorted(speakers.values_list("external_key", flat=True)) == sorted(
        f"speech_commands_v2:{s}" for s in ["0a7c2a8d", "ffd2ba2f", "3cfc6b3a"]
    )
    assert all(c.clips.count() == 4 for c in speakers)
    clip = clips.get(source_path="no/ffd2ba2f_nohash_1.wav")
    assert clip.keyword.text == "no" and clip.contributor.external_key.endswith("ffd2ba2f")
    noise = BackgroundNoise.objects.get(campaign=demo_campaign)
    assert noise.name == "white_noise.wav" and noise.duration_s == 5.0

    again = run(str(root), "--campaign", demo_campaign.slug, "--validated", "--source", "speech_commands_v2")
    assert "imported 0 clips (valid), 12 already present, 0 background-noise files" in again
    assert Clip.objects.count() == 12 and PreparedClip.objects.count() == 12 and BackgroundNoise.objects.count() == 1


def test_import_without_validated_joins_the_review_queue_and_can_create_the_campaign(tmp_path):
    root = speech_commands_folder(tmp_path / "mini")
    out = run(str(root), "--campaign", "Imported words")
    assert "created campaign 'imported-words'" in out
    campaign = Campaign.objects.get(slug="imported-words")
    assert set(Clip.objects.filter(campaign=campaign).values_list("status", flat=True)) == {"pending"}
    assert not PreparedClip.objects.exists()
    assert set(Clip.objects.values_list("source", flat=True)) == {"mini"}


def test_missing_folder_is_a_clear_error(tmp_path, demo_campaign):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a directory"):
        run(str(tmp_path / "nope"), "--campaign", demo_campaign.slug)


def test_imported_speakers_get_the_same_pseudonymous_id_wherever_imported(tmp_path, demo_campaign):
    import uuid

    from collector.importing import IMPORT_NAMESPACE

    run(str(speech_commands_folder(tmp_path / "sc")), "--campaign", demo_campaign.slug, "--source", "sc_v2")
    speaker = Contributor.objects.get(external_key="sc_v2:0a7c2a8d")
    assert speaker.id == uuid.uuid5(IMPORT_NAMESPACE, "sc_v2:0a7c2a8d")
