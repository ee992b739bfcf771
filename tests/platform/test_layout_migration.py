"""A database at the old layout (preparation models in training/, release models in exporter/) upgrades with
`migrate` and loses nothing: every table keeps its rows, permissions follow the models to their new apps."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

OLD_LAYOUT = [
    ("collector", "0006_clip_no_status_index"),
    ("labeling", "0004_vote_voter_index_covered"),
    ("training", "0005_trainingjob_retrained_from_and_more"),
    ("exporter", "0001_initial"),
    ("preparation", None),
    ("releases", None),
]
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def migrated(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def populate_old_layout(apps) -> dict:
    """One or more rows in every table of the old layout, written through the old models."""
    get = apps.get_model
    user = get("auth", "User").objects.create(username="dev", email="dev@example.org")
    language = get("collector", "Language").objects.create(code="en", name="English")
    campaign = get("collector", "Campaign").objects.create(
        slug="old", name="Old", language=language, licence="CC-BY-4.0"
    )
    keyword = get("collector", "Keyword").objects.create(campaign=campaign, text="yes", language=language)
    speaker = get("collector", "Contributor").objects.create(id=uuid.uuid4(), token_sha256="a" * 64)
    reviewer = get("collector", "Contributor").objects.create(id=uuid.uuid4(), token_sha256="b" * 64)
    consent = get("collector", "Consent").objects.create(
        contributor=speaker, campaign=campaign, version="1", text_sha256="c" * 64, is_adult=True, licence="CC-BY-4.0"
    )
    get("collector", "Demographics").objects.create(contributor=speaker, accent="Irish")
    clip = get("collector", "Clip").objects.create(
        id=uuid.uuid4(),
        campaign=campaign,
        keyword=keyword,
        contributor=speaker,
        consent=consent,
        consent_version="1",
        audio="clips/old/1.wav",
        sha256="d" * 64,
        duration_s=1.0,
        sample_rate=16000,
        num_samples=16000,
        original_sample_rate=48000,
        original_channels=1,
        original_format="WAV/PCM_16",
        rms_dbfs=-20.0,
        peak=0.5,
        clipped_ratio=0.0,
        voiced_duration_s=0.6,
        loudest_1s_mean_abs=0.1,
        too_quiet=False,
        status="valid",
    )
    get("collector", "Tombstone").objects.create(speaker_hash="e" * 128, clip_sha256="f" * 64, campaign=campaign)
    get("labeling", "Vote").objects.create(clip=clip, voter=reviewer, kind="valid")
    get("labeling", "ReviewerStats").objects.create(reviewer=reviewer, gold_answered=3, gold_correct=2)
    get("labeling", "StatusChange").objects.create(
        clip_id=clip.id, from_status="pending", to_status="valid", cause="vote"
    )
    prepared = get("training", "PreparedClip").objects.create(
        clip=clip, state="done", split="testing", cleaned_audio="derived/1/clean.wav"
    )
    get("training", "ClipFeatures").objects.create(
        preparation=prepared,
        clip_sha256=clip.sha256,
        params_hash="0123456789ab",
        frames=49,
        channels=40,
        data=b"\x00\x01" * 8,
    )
    get("training", "BackgroundNoise").objects.create(
        campaign=campaign, name="kitchen", audio="noise/old/k.wav", duration_s=3.0, sample_rate=16000
    )
    job = get("training", "TrainingJob").objects.create(
        campaign=campaign,
        keywords=["yes"],
        architecture="tiny_conv",
        epochs=1,
        clip_ids=[str(clip.id)],
        feature_params={},
        feature_params_hash="0123456789ab",
        code_version="old",
        state="succeeded",
    )
    release = get("exporter", "Release").objects.create(
        campaign=campaign, name="v1", licence="CC-BY-4.0", state="succeeded", archive="r.tar.gz"
    )
    get("exporter", "ReleaseClip").objects.create(
        release=release,
        clip=clip,
        clip_sha256=clip.sha256,
        speaker_hash="e" * 128,
        keyword="yes",
        kind="valid",
        split="testing",
        path="yes/e_nohash_0.wav",
    )
    get("exporter", "TermsAcceptance").objects.create(user=user, version="1")
    Download = get("exporter", "Download")
    release_download = Download.objects.create(user=user, release=release)
    package_download = Download.objects.create(user=user, job=job)
    Download.objects.filter(id=package_download.id).update(at=NOW)
    ContentType, Permission = get("contenttypes", "ContentType"), get("auth", "Permission")
    old_type = ContentType.objects.get_or_create(app_label="training", model="preparedclip")[0]
    permission = Permission.objects.get_or_create(
        content_type=old_type, codename="change_preparedclip", defaults={"name": "Can change"}
    )[0]
    user.user_permissions.add(permission)
    return {
        "clip": clip.id,
        "prepared": prepared.id,
        "job": job.id,
        "release": release.id,
        "release_download": release_download.id,
        "user": user.id,
    }


def test_a_database_at_the_old_layout_migrates_with_every_row_kept():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    old = migrated(OLD_LAYOUT)
    try:
        moved_apps = {app for app, _ in OLD_LAYOUT}
        old_nodes = [node for node in latest if node[0] not in moved_apps] + [node for node in OLD_LAYOUT if node[1]]
        ids = populate_old_layout(old.loader.project_state(old_nodes).apps)
        with connection.cursor() as cursor:
            counts_before = {table: _count(cursor, table) for table in _app_tables(cursor)}
    finally:
        migrated(latest)

    from django.contrib.auth.models import User

    from collector.models import Clip
    from exporter.models import PackageDownload
    from labeling.models import ReviewerStats, StatusChange, Vote
    from preparation.models import BackgroundNoise, ClipFeatures, PreparedClip
    from releases.models import Download, Release, ReleaseClip, TermsAcceptance
    from training.models import TrainingJob

    with connection.cursor() as cursor:
        counts_after = {table: _count(cursor, table) for table in [*counts_before, "exporter_packagedownload"]}
    assert all(counts_before.values()), counts_before  # every table of the old layout held rows
    # the one package download moved to its own table; every other row is where it was
    assert counts_after == {
        **counts_before,
        "exporter_download": counts_before["exporter_download"] - 1,
        "exporter_packagedownload": 1,
    }

    prepared = PreparedClip.objects.select_related("clip").get(id=ids["prepared"])
    assert (prepared.clip_id, prepared.state, prepared.split, prepared.cleaned_audio.name) == (
        ids["clip"],
        "done",
        "testing",
        "derived/1/clean.wav",
    )
    assert bytes(ClipFeatures.objects.get().data) == b"\x00\x01" * 8  # memoryview on PostgreSQL, bytes on SQLite
    assert BackgroundNoise.objects.get().name == "kitchen" and TrainingJob.objects.get().clip_ids == [str(ids["clip"])]
    release = Release.objects.get(id=ids["release"])
    assert (
        ReleaseClip.objects.get(release=release).path == "yes/e_nohash_0.wav"
        and TermsAcceptance.objects.get().version == "1"
    )
    assert list(Download.objects.values_list("id", "release_id")) == [(ids["release_download"], release.id)]
    assert list(PackageDownload.objects.values_list("user_id", "job_id", "at")) == [(ids["user"], ids["job"], NOW)]
    assert Clip.objects.get().status == "valid" and Vote.objects.get().kind == "valid"
    assert ReviewerStats.objects.get().gold_correct == 2 and StatusChange.objects.get().to_status == "valid"
    # the permission granted on the old app's model now names the new app
    assert User.objects.get(id=ids["user"]).has_perm("preparation.change_preparedclip")


def _app_tables(cursor) -> list[str]:
    prefixes = ("collector_", "labeling_", "training_", "exporter_", "auth_user")
    tables = connection.introspection.table_names(cursor)
    return sorted(t for t in tables if t.startswith(prefixes) and t != "auth_user_groups")


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
    return cursor.fetchone()[0]
