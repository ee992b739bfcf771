"""Dataset releases: two releases with an erasure between them, read back from the archives themselves."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import subprocess
import tarfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.core.files.storage import default_storage

from collector import services as collector_services
from collector.models import Clip, Contributor
from core.pseudonyms import speaker_hash
from kws.splits import which_set
from labeling.services import vote_cast
from releases import datasheet
from releases.build import MANIFEST_COLUMNS, release_build
from releases.models import Release
from releases.selectors import latest_clean_release, releases_for
from releases.services import release_create
from tests.factories import clip_recorded, voter_in_good_standing
from tests.training.test_jobs import WORDS
from training import jobs

pytestmark = pytest.mark.django_db
WAV_PATH = re.compile(r"^(?P<keyword>[\w.-]+)/(?P<speaker>[0-9a-f]{128})_nohash_(?P<n>\d+)\.wav$")


def built(campaign, name, **kwargs) -> Release:
    release = release_create(campaign=campaign, name=name, **kwargs)
    assert release_build(release_id=release.id).state == "succeeded", Release.objects.get(id=release.id).error
    return releases_for().get(id=release.id)


def unpack(release: Release) -> dict[str, bytes]:
    with default_storage.open(release.archive.name, "rb") as f:
        data = f.read()
    assert hashlib.sha256(data).hexdigest() == release.archive_sha256 and len(data) == release.archive_bytes
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    root = f"{release.campaign.slug}-{release.name}/"  # one top-level folder, named as the file is
    assert members and all(name.startswith(root) for name in members), sorted(members)[:5]
    return {name.removeprefix(root): data for name, data in members.items()}


def sha256sum_check(release: Release, tmp_path: Path) -> str:
    """Unpack the archive as a developer would and run coreutils' `sha256sum -c` in its folder."""
    with default_storage.open(release.archive.name, "rb") as f, tarfile.open(fileobj=f, mode="r:gz") as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    [folder] = list((tmp_path / "unpacked").iterdir())
    assert folder.name == f"{release.campaign.slug}-{release.name}"
    done = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    return done.stdout


def table(files: dict[str, bytes], name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(files[name].decode()), delimiter="\t"))


def test_two_releases_with_an_erasure_between_them(
    campaign_with_speakers, django_capture_on_commit_callbacks, tmp_path
):
    campaign = campaign_with_speakers
    rejected = clip_recorded(campaign, keyword="yes")
    for _ in range(2):
        vote_cast(voter=voter_in_good_standing(campaign), clip_id=rejected.id, kind="invalid", reason="noisy")
    with django_capture_on_commit_callbacks() as queued:
        first = release_create(campaign=campaign, name="v1")
    assert len(queued) == 1 and first.state == "queued"  # the worker builds it, after commit
    first = release_build(release_id=first.id)
    assert first.state == "succeeded" and first.progress_done == first.progress_total == 300 + 1
    v1 = unpack(first)

    # layout
    wavs = sorted(p for p in v1 if p.endswith(".wav") and not p.startswith("_background_noise_/"))
    assert len(wavs) == 300 and {WAV_PATH.match(p)["keyword"] for p in wavs} == set(WORDS)
    noise = [p for p in v1 if p.startswith("_background_noise_/")]
    assert len(noise) == 1 and noise[0].endswith("_hum.wav") and sf.info(io.BytesIO(v1[noise[0]])).duration == 4.0
    assert {
        "validation_list.txt",
        "testing_list.txt",
        "manifest.tsv",
        "other.tsv",
        "invalidated.tsv",
        "deletions.tsv",
        "LICENSE",
        "DATASHEET.md",
        "SHA256SUMS",
    } <= set(v1)
    # checksums: SHA256SUMS covers every other member, in sha256sum's format
    sums = dict(reversed(line.split("  ", 1)) for line in v1["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(v1) - {"SHA256SUMS"}
    assert all(hashlib.sha256(v1[path]).hexdigest() == digest for path, digest in sums.items())
    checked = sha256sum_check(first, tmp_path)  # and coreutils agrees, in the folder the archive unpacks into
    assert checked.count(": OK\n") == len(sums)

    manifest = table(v1, "manifest.tsv")
    assert list(manifest[0]) == MANIFEST_COLUMNS and sorted(r["path"] for r in manifest) == wavs
    speakers = {speaker_hash(c.id): c for c in Contributor.objects.filter(external_key__gt="")}
    for row in manifest:
        assert row["sha256"] == sums[row["path"]]
        assert WAV_PATH.match(row["path"])["speaker"] == row["speaker_hash"] and row["speaker_hash"] in speakers
        assert row["split"] == which_set(row["speaker_hash"])  # the split rule of 3/6, on the published hash
        assert (row["duration_ms"], row["votes_up"], row["licence"], row["consent_version"]) == (
            "1000",
            "0",
            "CC-BY-4.0",
            "import:synthetic",
        )
    # the audio is the cleaned clip the pipeline stored
    sample = manifest[7]
    clip = Clip.objects.get(
        contributor=speakers[sample["speaker_hash"]],
        keyword__text=sample["keyword"],
        preparation__cleaned_audio__isnull=False,
        id__in=[r.clip_id for r in first.clips.filter(path=sample["path"])],
    )
    with default_storage.open(clip.preparation.cleaned_audio.name, "rb") as f:
        assert f.read() == v1[sample["path"]]
    audio, rate = sf.read(io.BytesIO(v1[sample["path"]]))
    assert rate == 16_000 and audio.shape == (16_000,) and np.abs(audio).max() > 0.5

    # splits: lists agree with the manifest, and no speaker is in two splits
    for split in ("validation", "testing"):
        assert sorted(v1[f"{split}_list.txt"].decode().split()) == sorted(
            r["path"] for r in manifest if r["split"] == split
        )
    split_of = defaultdict(set)
    for row in manifest:
        split_of[row["speaker_hash"]].add(row["split"])
    assert all(len(s) == 1 for s in split_of.values()) and {next(iter(s)) for s in split_of.values()} == {
        "training",
        "validation",
        "testing",
    }

    # rule of five: every published value, alone and combined, is shared by at least 5 speakers
    published = {r["speaker_hash"]: (r["accent"], r["age"], r["gender"]) for r in manifest}
    assert "welsh" not in {a for a, _, _ in published.values()} and "70+" not in {a for _, a, _ in published.values()}
    for position in range(3):
        counts = Counter(v[position] for v in published.values() if v[position])
        assert counts and min(counts.values()) >= 5, counts
    combos = Counter(v for v in published.values() if any(v))
    assert min(combos.values()) >= 5, combos
    assert ("scottish", "18-29", "female") in combos  # not everything was blanked

    # other / invalidated: metadata of decided clips, no audio
    invalidated = table(v1, "invalidated.tsv")
    assert [(r["keyword"], r["votes_down"], r["sha256"]) for r in invalidated] == [("yes", "2", rejected.sha256)]
    assert table(v1, "other.tsv") == [] and table(v1, "deletions.tsv") == []
    # nothing that identifies a person: no contributor ids, tokens or external keys anywhere
    text = b"".join(v for k, v in v1.items() if not k.endswith(".wav"))
    for contributor in Contributor.objects.all():
        assert str(contributor.id).encode() not in text and contributor.token_sha256.encode() not in text
        assert not contributor.external_key or contributor.external_key.encode() not in text

    datasheet = v1["DATASHEET.md"].decode()
    for section in (
        "## Motivation",
        "## Composition",
        "## Collection process",
        "## Preprocessing",
        "## Uses",
        "## Known gaps",
    ):
        assert section in datasheet
    yes = Counter(r["split"] for r in manifest if r["keyword"] == "yes")
    assert f"| yes | {yes['training']} | {yes['validation']} | {yes['testing']} | {sum(yes.values())} |" in datasheet
    assert "import:synthetic (300 clips)" in datasheet and "welsh" not in datasheet
    # it counts the keywords that have clips, and names the ones that have none yet
    core = set(campaign_with_speakers.keywords.filter(is_filler=False).values_list("text", flat=True))
    recorded = {r["keyword"] for r in manifest} & core
    assert 0 < len(recorded) < len(core) and f"clips of {len(recorded)} keywords and" in datasheet
    assert f"No clips yet of {len(core - recorded)} more keywords: {', '.join(sorted(core - recorded))}." in datasheet
    # keyword x split x group: 'yes' by gender, as training / validation / testing clip counts
    by_gender = Counter((r["gender"] or "not given", r["split"]) for r in manifest if r["keyword"] == "yes")
    females = " / ".join(str(by_gender["female", s]) for s in ("training", "validation", "testing"))
    assert "Clips per keyword and gender" in datasheet and re.search(rf"\| yes \| {females} \|", datasheet)
    assert "CC-BY-4.0" in v1["LICENSE"].decode()

    # an erasure and a single deleted clip, then a second release
    leaving = speakers[manifest[0]["speaker_hash"]]
    leaving_rows = {r["path"]: r for r in manifest if r["speaker_hash"] == manifest[0]["speaker_hash"]}
    other_row = next(r for r in manifest if r["speaker_hash"] != manifest[0]["speaker_hash"])
    other_clip = first.clips.get(path=other_row["path"]).clip
    collector_services.contributor_erase(contributor=leaving)
    collector_services.clip_delete(contributor=other_clip.contributor, clip_id=other_clip.id)
    assert releases_for().get(id=first.id).withdrawn == len(leaving_rows) + 1 == 11

    second = built(campaign, "v2")
    assert second.previous == first
    v2 = unpack(second)
    manifest2 = table(v2, "manifest.tsv")
    gone = {*leaving_rows, other_row["path"]}
    assert {r["path"] for r in manifest2} == {r["path"] for r in manifest} - gone
    deletions = table(v2, "deletions.tsv")
    assert {(d["path"], d["sha256"], d["speaker_hash"], d["last_release"]) for d in deletions} == {
        (p, sums[p], next(r["speaker_hash"] for r in manifest if r["path"] == p), "v1") for p in gone
    }
    # stable: every remaining clip keeps its path, bytes and split
    before = {r["path"]: (r["sha256"], r["split"]) for r in manifest}
    assert all(before[r["path"]] == (r["sha256"], r["split"]) for r in manifest2)
    assert second.withdrawn == 0 and latest_clean_release(campaign=campaign) == second


def test_new_clips_get_new_numbers_and_erased_numbers_are_not_reused(campaign_with_speakers):
    campaign = campaign_with_speakers
    first = built(campaign, "v1")
    row = first.clips.filter(kind="valid").order_by("path").first()
    speaker_clips = Clip.objects.filter(contributor=row.clip.contributor, keyword__text=row.keyword)
    highest = max(
        int(re.search(r"_nohash_(\d+)", p).group(1))
        for p in first.clips.filter(speaker_hash=row.speaker_hash, keyword=row.keyword).values_list("path", flat=True)
    )
    collector_services.clip_delete(contributor=row.clip.contributor, clip_id=row.clip_id)
    assert speaker_clips.count() == 1
    second = built(campaign, "v2")
    paths = set(second.clips.filter(speaker_hash=row.speaker_hash, keyword=row.keyword).values_list("path", flat=True))
    assert (
        row.path not in paths
        and len(paths) == 1
        and all(int(re.search(r"_nohash_(\d+)", p).group(1)) <= highest for p in paths)
    )


def test_a_clip_erased_while_the_archive_is_built_is_left_out(campaign_with_speakers):
    release = release_create(campaign=campaign_with_speakers, name="v1")
    row = release.clips.filter(kind="valid").first()
    collector_services.clip_delete(
        contributor=row.clip.contributor, clip_id=row.clip_id
    )  # after the snapshot, before the build
    release = release_build(release_id=release.id)
    files = unpack(release)
    assert row.path not in files and len(table(files, "manifest.tsv")) == 299
    assert not release.clips.filter(clip_id=row.clip_id).exists()
    assert releases_for().get(id=release.id).withdrawn == 0


def test_release_names_are_checked_and_never_reused(campaign_with_speakers, demo_campaign):
    from core.errors import ApplicationError, Conflict

    built(campaign_with_speakers, "v1")
    with pytest.raises(Conflict, match="already has a release named 'v1'"):
        release_create(campaign=campaign_with_speakers, name="v1")
    with pytest.raises(ApplicationError, match="release name must be"):
        release_create(campaign=campaign_with_speakers, name="../v2")
    assert Release.objects.count() == 1


def test_a_campaign_with_nothing_prepared_cannot_be_released(demo_campaign):
    from core.errors import Conflict

    with pytest.raises(Conflict, match="no prepared valid clips"):
        release_create(campaign=demo_campaign, name="v1")
    assert not Release.objects.exists()


def test_a_failed_build_leaves_no_archive(campaign_with_speakers, monkeypatch):
    release = release_create(campaign=campaign_with_speakers, name="v1")
    stored_before = set(_all_files())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(datasheet, "render", broken)  # fails after every clip was written
    release = release_build(release_id=release.id)
    assert release.state == "failed" and release.error == "OSError: disk full" and not release.archive
    assert set(_all_files()) == stored_before


def _all_files() -> list[str]:
    from pathlib import Path

    from django.conf import settings

    return [str(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] + [
        str(p) for p in (Path(settings.VAR_DIR) / "tmp").glob("*")
    ]


def test_jobs_trained_on_erased_clips_are_marked_and_retrain_from_the_next_release(campaign_with_speakers):
    from core.errors import Conflict

    campaign = campaign_with_speakers
    job = jobs.job_launch(campaign=campaign, keywords=["yes", "no"], architecture="tiny_conv", epochs=1)
    first = built(campaign, "v1")
    leaving = Clip.objects.get(id=first.clips.filter(kind="valid").first().clip_id).contributor
    collector_services.contributor_erase(contributor=leaving)
    job.refresh_from_db()
    assert job.withdrawn_clips == 10 and job.trained_on_withdrawn_data
    with pytest.raises(Conflict, match="no release without withdrawn clips"):
        jobs.job_retrain(job_id=job.id)
    second = built(campaign, "v2")
    again = jobs.job_retrain(job_id=job.id)
    assert (again.retrained_from_id, again.release_name, again.keywords, again.architecture) == (
        job.id,
        "v2",
        ["yes", "no"],
        "tiny_conv",
    )
    assert set(again.clip_ids) == {str(i) for i in second.clips.filter(kind="valid").values_list("clip_id", flat=True)}
    assert len(again.clip_ids) == 290 and not again.trained_on_withdrawn_data
