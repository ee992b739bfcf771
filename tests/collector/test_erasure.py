import io
import json
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from collector.models import Clip, Consent, Contributor, Demographics, Tombstone
from core.pseudonyms import speaker_hash
from tests.audio_factory import tone, wav_bytes
from tests.collector.test_consent import upload
from tests.conftest import give_consent

pytestmark = pytest.mark.django_db(transaction=True)  # erasure deletes files on commit


def record(client, n, seed=0):
    return [
        upload(client, keyword=w, audio=wav_bytes(tone(1.0, seed=seed + i))).json()
        for i, w in enumerate(["yes", "no", "up", "down"][:n])
    ]


def audio_on_disk(settings) -> set[str]:
    return {p.stem for p in Path(settings.MEDIA_ROOT).rglob("*.wav")}


def test_deleting_one_clip_removes_its_audio_and_leaves_a_tombstone(volunteer, settings):
    kept, deleted = record(volunteer, 2)
    contributor = Contributor.objects.get()
    assert volunteer.delete(f"/api/me/clips/{deleted['id']}/").status_code == 204
    assert audio_on_disk(settings) == {kept["id"]}
    assert [str(i) for i in Clip.objects.values_list("id", flat=True)] == [kept["id"]]
    tombstone = Tombstone.objects.get()
    assert tombstone.clip_sha256 == deleted["sha256"]
    assert tombstone.speaker_hash == speaker_hash(contributor.id) and len(tombstone.speaker_hash) == 128
    assert str(contributor.id) not in tombstone.speaker_hash
    again = volunteer.delete(f"/api/me/clips/{deleted['id']}/")
    assert again.status_code == 404  # cannot be undone, and nothing to delete twice


def test_nobody_else_can_delete_or_play_my_clip(volunteer):
    (mine,) = record(volunteer, 1)
    stranger = Client()
    give_consent(stranger)
    assert stranger.delete(f"/api/me/clips/{mine['id']}/").status_code == 404
    assert stranger.get(mine["audio_url"]).status_code == 404
    assert Client().get(mine["audio_url"]).status_code == 403
    played = volunteer.get(mine["audio_url"])
    assert played.status_code == 200 and played["Content-Type"] == "audio/wav"
    assert b"".join(played.streaming_content)[:4] == b"RIFF"


def test_delete_all_erases_every_clip_file_and_personal_row_but_keeps_tombstones(demo_campaign, settings):
    volunteer, other = Client(), Client()
    give_consent(volunteer)
    give_consent(other)
    volunteer.put(
        "/api/me/demographics/", {"age_bracket": "30-39", "gender": "female"}, content_type="application/json"
    )
    mine = record(volunteer, 4)
    theirs = record(other, 2, seed=100)
    me = Contributor.objects.get(clips__id=mine[0]["id"])
    expected_speaker = speaker_hash(me.id)

    response = volunteer.delete("/api/me/")
    assert response.status_code == 200 and response.json() == {"deleted_clips": 4}
    assert response.cookies["chorus_contributor"].value == ""  # the browser forgets the token
    assert audio_on_disk(settings) == {c["id"] for c in theirs}
    assert not Contributor.objects.filter(id=me.id).exists()
    assert not Demographics.objects.filter(contributor_id=me.id).exists()
    assert not Consent.objects.filter(contributor_id=me.id).exists()
    assert sorted(Tombstone.objects.values_list("clip_sha256", flat=True)) == sorted(c["sha256"] for c in mine)
    assert set(Tombstone.objects.values_list("speaker_hash", flat=True)) == {expected_speaker}
    assert Clip.objects.count() == 2


def test_a_failed_storage_delete_is_finished_by_the_worker_not_lost(
    volunteer, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from collector import services

    (clip,) = record(volunteer, 1)
    handed_over = []
    monkeypatch.setattr(
        default_storage, "delete", lambda name: (_ for _ in ()).throw(ConnectionError("S3 unreachable"))
    )
    monkeypatch.setattr(services, "task_enqueue", lambda task, args: handed_over.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        assert volunteer.delete(f"/api/me/clips/{clip['id']}/").status_code == 204
    assert handed_over == [f"clips/speech-commands-demo/{clip['id']}.wav"]
    assert not Clip.objects.exists() and Tombstone.objects.count() == 1


def test_export_holds_everything_about_me_and_nothing_about_others(volunteer, demo_campaign):
    volunteer.put(
        "/api/me/demographics/", {"accent": "Irish", "native_language": "ga"}, content_type="application/json"
    )
    mine = record(volunteer, 2)
    other = Client()
    give_consent(other)
    record(other, 1, seed=50)
    response = volunteer.get("/api/me/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert {c["id"] for c in data["clips"]} == {c["id"] for c in mine}
    assert data["demographics"]["accent"] == "Irish" and data["demographics"]["native_language"] == "ga"
    assert data["consents"][0]["licence"] == "CC-BY-4.0"
    for clip in mine:
        audio = archive.read(f"audio/{clip['id']}.wav")
        stored = Clip.objects.get(id=clip["id"])
        with stored.audio.open("rb") as f:
            assert audio == f.read()
    assert len(archive.namelist()) == 1 + len(mine)


def test_export_holds_the_votes_and_reports_i_cast_and_erasure_keeps_them_without_me(volunteer, demo_campaign):
    from labeling.models import Vote
    from labeling.services import vote_cast
    from tests.factories import clip_recorded

    me = Contributor.objects.get()  # the volunteer, before the clips' speakers exist
    theirs = [clip_recorded(demo_campaign, keyword=w) for w in ("yes", "no", "up")]
    vote_cast(voter=me, clip_id=theirs[0].id, kind="valid")
    vote_cast(voter=me, clip_id=theirs[1].id, kind="invalid", reason="noisy")
    vote_cast(voter=me, clip_id=theirs[2].id, kind="report", reason="offensive", note="says my neighbour's name")

    archive = zipfile.ZipFile(io.BytesIO(b"".join(volunteer.get("/api/me/").streaming_content)))
    data = json.loads(archive.read("data.json"))
    cast = {(v["clip"], v["campaign"], v["keyword"], v["kind"], v["reason"], v["note"]) for v in data["votes"]}
    assert cast == {
        (str(theirs[0].id), demo_campaign.slug, "yes", "valid", "", ""),
        (str(theirs[1].id), demo_campaign.slug, "no", "invalid", "noisy", ""),
        (str(theirs[2].id), demo_campaign.slug, "up", "report", "offensive", "says my neighbour's name"),
    }
    assert data["clips"] == []  # they recorded nothing: the votes are theirs, the clips are not

    assert volunteer.delete("/api/me/").status_code == 200
    left = Vote.objects.filter(clip__in=theirs).order_by("clip__keyword__text")
    # as README says: the votes stay, so decisions stay explainable, but with no voter and no note
    assert [(v.voter_id, v.kind, v.reason, v.note) for v in left] == [
        (None, "invalid", "noisy", ""),
        (None, "report", "offensive", ""),
        (None, "valid", "", ""),
    ]
