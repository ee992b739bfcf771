"""An erasure reaches every release archive that holds the speaker's clips: on disk, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from collector import services as collector_services
from collector.models import Clip
from releases import build
from releases.build import release_build
from releases.models import Release
from releases.selectors import releases_for
from releases.services import release_create
from tests.releases.test_releases import built, table, unpack
from tests.storage_scan import left_behind, sha256

pytestmark = pytest.mark.django_db


def voice_of(contributor) -> set[str]:
    """sha256 of every file of their voice: each upload as stored and its cleaned version."""
    digests = set()
    for clip in Clip.objects.filter(contributor=contributor).select_related("preparation"):
        for name in (clip.audio.name, clip.preparation.cleaned_audio.name):
            with default_storage.open(name, "rb") as f:
                digests.add(sha256(f.read()))
    return digests


def test_an_erasure_deletes_the_built_archives_and_an_admin_rebuilds_without_the_clips(
    campaign_with_speakers, staff_client, django_capture_on_commit_callbacks
):
    first = built(campaign_with_speakers, "v1")
    v1 = unpack(first)
    row = first.clips.filter(kind="valid").order_by("path").first()
    leaving = Clip.objects.get(id=row.clip_id).contributor
    voice = voice_of(leaving)
    assert len(voice) == 20 and left_behind(settings.MEDIA_ROOT, voice)  # the scan sees them, archive included
    archive = first.archive.name

    with django_capture_on_commit_callbacks(execute=True):
        collector_services.contributor_erase(contributor=leaving)

    assert left_behind(settings.MEDIA_ROOT, voice) == {}
    assert not default_storage.exists(archive)
    # the row stays as history: counts, manifest, datasheet; marked withdrawn, nothing to serve
    withdrawn = releases_for().get(id=first.id)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn == 10 and not withdrawn.archive
    assert withdrawn.summary == first.summary and withdrawn.datasheet == first.datasheet
    assert withdrawn.archive_sha256 == first.archive_sha256 and withdrawn.clips.filter(kind="valid").count() == 300

    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post(
            "/admin/releases/release/", {"action": "rebuild_without_withdrawn", "_selected_action": [first.id]}
        )
    assert response.status_code == 302 and len(queued) == 1
    rebuilt = Release.objects.get(rebuilt_from=first)
    assert (rebuilt.name, rebuilt.licence, rebuilt.state) == ("v1-rebuilt", first.licence, "queued")
    assert release_build(release_id=rebuilt.id).state == "succeeded"
    v1r = unpack(releases_for().get(id=rebuilt.id))
    kept = {r["path"]: r["sha256"] for r in table(v1, "manifest.tsv") if r["speaker_hash"] != row.speaker_hash}
    assert {r["path"]: r["sha256"] for r in table(v1r, "manifest.tsv")} == kept  # same paths, same bytes, less theirs
    assert all(v1r[path] == v1[path] for path in kept)
    assert left_behind(settings.MEDIA_ROOT, voice) == {}
    assert releases_for().get(id=rebuilt.id).withdrawn == 0


def test_a_clip_erased_after_the_build_packed_it_leaves_no_archive(
    campaign_with_speakers, monkeypatch, django_capture_on_commit_callbacks
):
    release = release_create(campaign=campaign_with_speakers, name="v1")
    first = release.clips.filter(kind="valid").order_by("path").first()
    leaving = Clip.objects.get(id=first.clip_id).contributor
    leaving_id, voice = leaving.id, voice_of(leaving)
    real_progress = build._progress

    def erase_midway(release):
        report = real_progress(release)

        def progress(done: int) -> None:
            if done == 50 and Clip.objects.filter(contributor_id=leaving_id).exists():  # their first clip is packed
                collector_services.contributor_erase(contributor=leaving)
            report(done)

        return progress

    monkeypatch.setattr(build, "_progress", erase_midway)
    with django_capture_on_commit_callbacks(execute=True):
        release = release_build(release_id=release.id)
    assert not Clip.objects.filter(contributor_id=leaving_id).exists()
    assert release.state == "succeeded" and release.withdrawn_at is not None and not release.archive
    assert left_behind(settings.MEDIA_ROOT, voice) == {}
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.tar.gz"))
