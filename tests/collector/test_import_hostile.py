"""Dataset import shares the upload decoder: hostile files in a folder are reported, cheaply, and the rest imported."""

import io

import pytest
from django.core.management import call_command

from collector.models import Clip
from tests.audio_factory import tone, wav_bytes
from tests.hostile_audio import encoded, silence_bomb

pytestmark = pytest.mark.django_db


def test_import_reports_refused_files_and_keeps_speech_commands_clips(tmp_path, demo_campaign):
    root = tmp_path / "sc"
    (root / "yes").mkdir(parents=True)
    (root / "no").mkdir()
    (root / "yes" / "0a7c2a8d_nohash_0.wav").write_bytes(wav_bytes(tone(1.0, seed=1)))  # Speech Commands: PCM_16 1 s
    (root / "no" / "0a7c2a8d_nohash_0.wav").write_bytes(wav_bytes(tone(1.0, freq=350.0, seed=2)))
    (root / "yes" / "ffd2ba2f_nohash_0.wav").write_bytes(encoded(subtype="IMA_ADPCM"))
    (root / "no" / "ffd2ba2f_nohash_0.wav").write_bytes(silence_bomb())
    out = io.StringIO()
    call_command(
        "import_dataset", str(root), "--campaign", demo_campaign.slug, "--validated", stdout=out, stderr=io.StringIO()
    )
    report = out.getvalue()
    assert "imported 2 clips (valid), 0 already present, 0 background-noise files, 2 bad files" in report, report
    assert "yes/ffd2ba2f_nohash_0.wav: the file is WAV (Microsoft) encoded as IMA ADPCM" in report, report
    assert "no/ffd2ba2f_nohash_0.wav: the audio is sampled at 96000 Hz" in report, report
    assert sorted(Clip.objects.values_list("keyword__text", "original_format", "num_samples")) == [
        ("no", "WAV/PCM_16", 16_000),
        ("yes", "WAV/PCM_16", 16_000),
    ]
