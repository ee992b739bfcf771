"""Release API, pages, admin: who may create, see and download, and what an erasure changes for them."""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.template.defaultfilters import filesizeformat
from django.test import Client

from collector import services as collector_services
from collector.models import Clip
from releases.build import release_build
from releases.models import Download, Release, TermsAcceptance
from releases.services import release_create
from tests.releases.test_releases import built, unpack
from training import jobs

pytestmark = pytest.mark.django_db


def developer(name: str = "dev", email: str = "dev@example.org") -> tuple[Client, object]:
    user = get_user_model().objects.create_user(name, email, "a-long-password-1")
    client = Client()
    client.force_login(user)
    return client, user


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_admins_create_releases_through_the_api_with_clear_errors(
    campaign_with_speakers, staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        created = staff_client.post(
            "/api/releases/", {"campaign": campaign_with_speakers.slug, "name": "v1"}, content_type="application/json"
        )
    assert created.status_code == 201, created.content
    assert (created.json()["state"], created.json()["progress_total"], created.json()["download_url"]) == (
        "queued",
        301,
        None,
    )
    assert len(queued) == 1
    cases = [
        ({"campaign": campaign_with_speakers.slug, "name": "v1"}, 409, "already has a release named 'v1'"),
        ({"campaign": campaign_with_speakers.slug, "name": "v 2"}, 400, "release name must be"),
        ({"campaign": "nope", "name": "v2"}, 404, "no campaign 'nope'"),
        ({"name": "v2"}, 400, "campaign: This field is required."),
    ]
    for payload, code, message in cases:
        response = staff_client.post("/api/releases/", payload, content_type="application/json")
        assert (response.status_code, message in response.json()["detail"]) == (code, True), response.content
    client, _ = developer()
    assert (
        client.post(
            "/api/releases/", {"campaign": campaign_with_speakers.slug, "name": "v9"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert Release.objects.count() == 1


def test_downloads_need_an_account_and_the_terms_and_are_recorded(campaign_with_speakers):
    release = built(campaign_with_speakers, "v1")
    listed = Client().get("/api/releases/").json()
    assert [(r["name"], r["state"], r["summary"]["clips"], r["download_url"]) for r in listed] == [
        ("v1", "succeeded", 300, f"/api/releases/{release.id}/download/")
    ]
    url = listed[0]["download_url"]

    anonymous = Client().get(url)
    assert anonymous.status_code == 401 and "log in to download" in anonymous.json()["detail"]
    client, user = developer()
    refused = client.get(url)
    assert refused.status_code == 403 and refused.json()["error"] == "terms_required"
    declined = client.post("/api/dataset-terms/", {"accept": False}, content_type="application/json")
    assert declined.status_code == 400 and "accept must be true" in declined.json()["detail"]
    assert Client().post("/api/dataset-terms/", {"accept": True}, content_type="application/json").status_code == 401
    accepted = client.post("/api/dataset-terms/", {"accept": True}, content_type="application/json")
    assert (
        accepted.status_code == 200
        and accepted.json()["accepted"]
        and client.get("/api/dataset-terms/").json()["accepted"]
    )

    download = client.get(url)
    assert download.status_code == 200 and download["Content-Disposition"].endswith(
        'filename="speech-commands-demo-v1.tar.gz"'
    )
    assert hashlib.sha256(body(download)).hexdigest() == release.archive_sha256
    assert list(Download.objects.values_list("user__username", "release__name")) == [("dev", "v1")]
    assert TermsAcceptance.objects.get(user=user).version == "1"


def test_after_an_erasure_the_release_is_withdrawn_and_admins_see_whom_to_tell(campaign_with_speakers, staff_client):
    first = built(campaign_with_speakers, "v1")
    readers = []
    for name in ("ana", "bo"):
        client, user = developer(name, f"{name}@example.org")
        client.post("/api/dataset-terms/", {"accept": True}, content_type="application/json")
        assert client.get(f"/api/releases/{first.id}/download/").status_code == 200
        readers.append(client)
    body(readers[0].get(f"/api/releases/{first.id}/download/"))  # ana twice
    developer("cy", "cy@example.org")  # never downloaded

    leaving = Clip.objects.get(id=first.clips.filter(kind="valid").first().clip_id).contributor
    collector_services.contributor_erase(contributor=leaving)
    gone = readers[1].get(f"/api/releases/{first.id}/download/")
    assert (
        gone.status_code == 410
        and "10 clips whose speakers withdrew" in gone.json()["detail"]
        and "a new release" in gone.json()["detail"]
    )

    notices = staff_client.get("/api/releases/notices/").json()
    assert [(n["release"]["name"], n["withdrawn"], n["new_since_notice"]) for n in notices] == [("v1", 10, 10)]
    assert [(d["user__username"], d["user__email"], d["times"]) for d in notices[0]["downloaders"]] == [
        ("ana", "ana@example.org", 2),
        ("bo", "bo@example.org", 1),
    ]
    page = staff_client.get("/admin/releases/release/notices/").content.decode()
    assert (
        "ana@example.org" in page
        and "bo@example.org" in page
        and "cy@example.org" not in page
        and "not yet notified" in page
    )
    assert staff_client.post("/admin/releases/release/notices/", {"release": first.id}).status_code == 302
    assert staff_client.get("/api/releases/notices/").json()[0]["new_since_notice"] == 0

    second = built(campaign_with_speakers, "v2")
    gone = readers[1].get(f"/api/releases/{first.id}/download/")
    assert gone.status_code == 410 and "download release v2 instead" in gone.json()["detail"]
    assert readers[1].get(f"/api/releases/{second.id}/download/").status_code == 200


def test_the_pages_walk_a_new_developer_from_sign_up_to_the_file(campaign_with_speakers):
    release = built(campaign_with_speakers, "v1")
    browser = Client()
    listing = browser.get("/releases/").content.decode()
    assert "v1" in listing and "300 clips from 30 speakers" in listing and "Create an account" in listing
    detail = browser.get(f"/releases/{release.id}/").content.decode()
    assert "<h2>Composition</h2>" in detail and "## " not in detail and release.archive_sha256 in detail
    # the composition drawn: one bar per keyword with clips, its segments the clips of each split
    manifest = [line.split("\t") for line in unpack(release)["manifest.tsv"].decode().splitlines()]
    column = {name: i for i, name in enumerate(manifest[0])}
    counts = Counter((row[column["keyword"]], row[column["split"]]) for row in manifest[1:])
    bars = re.findall(r'<tr data-keyword="([^"]+)">(.*?)</tr>', detail, re.S)
    assert sorted(k for k, _ in bars) == sorted({k for k, _ in counts}) and len(bars) == 5
    for keyword, row in bars:
        drawn = dict(re.findall(r'title="(\w+): (\d+)"', row))
        splits = ("training", "validation", "testing")
        assert {s: int(n) for s, n in drawn.items()} == {s: counts[keyword, s] for s in splits}
    assert 'data-field="gender"' in detail

    step = browser.get(f"/releases/{release.id}/download")
    assert step.status_code == 302 and step["Location"] == f"/accounts/login/?next=/releases/{release.id}/download"
    bad = browser.post(
        "/accounts/signup/",
        {"username": "dev", "email": "", "password1": "a-long-password-1", "password2": "a-long-password-1"},
    )
    assert bad.status_code == 400 and "This field is required" in bad.content.decode()
    signed_up = browser.post(
        "/accounts/signup/",
        {
            "username": "dev",
            "email": "dev@example.org",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
            "next": f"/releases/{release.id}/download",
        },
    )
    assert signed_up.status_code == 302 and signed_up["Location"] == f"/releases/{release.id}/download"
    step = browser.get(signed_up["Location"])
    assert step.status_code == 302 and step["Location"] == f"/releases/terms/?next=/releases/{release.id}/download"
    assert (
        browser.post("/releases/terms/", {"next": f"/releases/{release.id}/download"}).status_code == 400
    )  # box not ticked
    accepted = browser.post("/releases/terms/", {"accept": "yes", "next": f"/releases/{release.id}/download"})
    assert accepted["Location"] == f"/releases/{release.id}/download"
    download = browser.get(accepted["Location"])
    assert download.status_code == 200 and hashlib.sha256(body(download)).hexdigest() == release.archive_sha256
    assert Download.objects.get().user.email == "dev@example.org"


def test_admins_create_a_release_from_the_admin_page(
    campaign_with_speakers, staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post(
            "/admin/releases/release/add/", {"campaign": campaign_with_speakers.id, "name": "v1", "licence": ""}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    release = Release.objects.get()
    assert (release.name, release.licence, release.state, release.clips.filter(kind="valid").count(), len(queued)) == (
        "v1",
        "CC-BY-4.0",
        "queued",
        300,
        1,
    )
    release_build(release_id=release.id)
    page = staff_client.get("/admin/releases/release/").content.decode()
    assert "Erasure notices" in page and "100%" in page
    release.refresh_from_db()
    size = f"{filesizeformat(release.archive_bytes)} ({release.archive_bytes:,} bytes)"
    assert "MB (" in size and size in page  # readable, with the exact count beside it


def test_create_release_command_builds_in_the_worker_with_progress(
    worker, campaign_with_speakers
):  # worker first: shared media
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_release",
        "--campaign",
        campaign_with_speakers.slug,
        "--name",
        "v1",
        "--license",
        "CC0-1.0",
        "--wait",
        stdout=out,
        stderr=err,
    )
    release = Release.objects.get()
    assert release.state == "succeeded" and release.licence == "CC0-1.0"
    assert re.search(r"packaging \[#+\] 301/301", err.getvalue()), err.getvalue()[-500:]
    assert f"sha256 {release.archive_sha256}" in out.getvalue() and '"clips": 300' in out.getvalue()


def test_retrain_from_the_api_and_the_page(campaign_with_speakers, staff_client):
    job = jobs.job_launch(campaign=campaign_with_speakers, keywords=["yes"], architecture="tiny_conv", epochs=1)
    built(campaign_with_speakers, "v1")
    assert (
        staff_client.post(f"/api/training/jobs/{job.id}/retrain/", {}, content_type="application/json").status_code
        == 201
    )  # nothing withdrawn: allowed
    leaving = Clip.objects.filter(status="valid").first().contributor
    collector_services.contributor_erase(contributor=leaving)
    refused = staff_client.post(f"/api/training/jobs/{job.id}/retrain/", {}, content_type="application/json")
    assert refused.status_code == 409 and "create a release first" in refused.json()["detail"]
    page = staff_client.get(f"/training/jobs/{job.id}/").content.decode()
    assert "Trained on withdrawn data" in page and "10 of the clips" in page
    built(campaign_with_speakers, "v2")
    clicked = staff_client.post(f"/training/jobs/{job.id}/retrain")
    again = jobs.TrainingJob.objects.order_by("-id").first()
    assert clicked.status_code == 302 and clicked["Location"] == f"/training/jobs/{again.id}/"
    assert (again.retrained_from_id, again.release_name, len(again.clip_ids)) == (job.id, "v2", 290)
    api = staff_client.get(f"/api/training/jobs/{job.id}/").json()
    assert (api["trained_on_withdrawn_data"], api["withdrawn_clips"], api["retrained_as"][-1]) == (True, 10, again.id)


def add_release_errors(staff_client, post: dict) -> tuple[dict, str]:
    """Post the admin's Add release form; the form must come back (200, not a redirect that drops the input)."""
    response = staff_client.post("/admin/releases/release/add/", post)
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors, response.content.decode()


def test_a_bad_release_name_is_shown_beside_its_field_and_what_was_typed_is_kept(campaign_with_speakers, staff_client):
    errors, page = add_release_errors(
        staff_client, {"campaign": campaign_with_speakers.id, "name": "v 1!", "licence": "CC0-1.0"}
    )
    assert list(errors) == ["name"] and "release name must be 1-64 letters" in errors["name"][0]
    assert 'value="v 1!"' in page and 'value="CC0-1.0"' in page
    assert not Release.objects.exists()


def test_a_taken_release_name_gets_one_clear_error_beside_the_name(campaign_with_speakers, staff_client):
    release_create(campaign=campaign_with_speakers, name="v1")
    errors, _ = add_release_errors(staff_client, {"campaign": campaign_with_speakers.id, "name": "v1", "licence": ""})
    assert errors == {
        "name": [
            f"campaign '{campaign_with_speakers.name}' already has a release named 'v1': "
            "releases never change, pick a new name"
        ]
    }
    assert Release.objects.count() == 1


def test_a_campaign_with_nothing_to_release_gets_its_error_beside_the_campaign(demo_campaign, staff_client):
    errors, _ = add_release_errors(staff_client, {"campaign": demo_campaign.id, "name": "v1", "licence": ""})
    assert list(errors) == ["campaign"] and "has no prepared valid clips to release yet" in errors["campaign"][0]
    assert not Release.objects.exists()
