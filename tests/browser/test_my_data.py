"""My data and the consent refusal, in real headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.fixtures.live import consent_in_browser, open_recorder, record_take, submit_take

pytestmark = pytest.mark.browser

CONTRIBUTOR_COOKIE = "chorus_contributor"


def stored_files(folder: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / folder
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_my_data_lists_plays_and_deletes_everything(browser_page, demo_campaign):
    from collector.models import Clip, Consent, Contributor, Tombstone

    page = browser_page
    open_recorder(page)
    recorded = []
    for _ in range(2):
        record_take(page)
        recorded.append(submit_take(page))
    clips = {str(c.id): c for c in Clip.objects.filter(id__in=[r["id"] for r in recorded])}
    assert len(clips) == 2
    contributor_id = next(iter(clips.values())).contributor_id
    assert len(stored_files("clips")) == 2

    page.goto("/my-data/")
    items = page.locator("#clips li.clip")
    items.first.wait_for()
    assert items.count() == 2
    for row in recorded:
        item = page.locator(f"li[data-clip-id='{row['id']}']")
        assert item.locator(".clip-keyword").text_content() == row["keyword"]
        assert f"{row['duration_s']:.2f} s" in item.text_content()
        player = item.locator("audio")
        assert player.get_attribute("src") == row["audio_url"]
        page.wait_for_function("(a) => a.readyState >= 1", arg=player.element_handle())
        assert player.evaluate("a => a.duration") == pytest.approx(1.5, abs=0.01)
        audio = page.request.get(row["audio_url"])
        assert audio.ok and audio.headers["content-type"] == "audio/wav"
    assert page.get_attribute("#download-all", "href") == "/api/me/"
    export = page.request.get("/api/me/")
    assert export.ok and export.headers["content-type"] == "application/zip"
    assert page.get_attribute("#edit-about-you", "href") == f"/c/{demo_campaign.slug}/about-you/"

    # Delete one clip: cancelling the confirm() keeps it, accepting deletes it for good.
    first = page.locator(f"li[data-clip-id='{recorded[0]['id']}']")
    page.once("dialog", lambda dialog: dialog.dismiss())
    first.locator("button.delete-clip").click()
    assert page.is_enabled(f"li[data-clip-id='{recorded[0]['id']}'] button.delete-clip")
    assert Clip.objects.filter(id=recorded[0]["id"]).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    first.locator("button.delete-clip").click()
    first.wait_for(state="detached")
    assert "You have 1 recording left" in page.text_content("#status")
    assert not Clip.objects.filter(id=recorded[0]["id"]).exists()
    assert len(stored_files("clips")) == 1

    # Delete everything.
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.click("#delete-all")
    page.locator("#deleted").wait_for(state="visible")
    assert "cannot be undone" in messages[0]
    assert "Deleted 1 recording" in page.text_content("#deleted-summary")
    assert "cannot be undone" in page.text_content("#deleted")
    assert page.locator("#clips").count() == 0

    assert not Clip.objects.filter(contributor_id=contributor_id).exists()
    assert not Contributor.objects.filter(id=contributor_id).exists()
    assert not Consent.objects.filter(contributor_id=contributor_id).exists()
    assert stored_files(".") == []  # no audio, and nothing derived from it, anywhere in storage
    tombstoned = set(Tombstone.objects.values_list("clip_sha256", flat=True))
    assert tombstoned == {c.sha256 for c in clips.values()}
    assert CONTRIBUTOR_COOKIE not in {c["name"] for c in page.context.cookies()}

    page.goto("/my-data/")
    assert page.is_visible("#nothing-stored")


def test_no_thanks_records_nothing(browser_page):
    from collector.models import Consent, Contributor

    page = browser_page
    page.goto("/c/speech-commands-demo/consent/")
    page.click("#no-thanks")
    page.wait_for_url("**/c/speech-commands-demo/no-thanks/")
    assert "Nothing was recorded" in page.text_content("main")
    assert CONTRIBUTOR_COOKIE not in {c["name"] for c in page.context.cookies()}
    assert not Contributor.objects.exists() and not Consent.objects.exists()

    # And the recorder is not reachable without consent: it sends you back to the form.
    page.goto("/c/speech-commands-demo/speak/")
    page.wait_for_url("**/c/speech-commands-demo/consent/")
    page.goto("/my-data/")
    assert page.is_visible("#nothing-stored")
    assert not Contributor.objects.exists()


def test_my_data_shows_each_clip_state_and_reviewers_reasons(browser_page, demo_campaign):
    """Set aside by the pre-screen, turned down by reviewers (with their reasons), and still waiting."""
    from labeling import services as labeling_services
    from tests.factories import clip_recorded, voter_in_good_standing

    page = browser_page
    me = consent_in_browser(page)
    silent = clip_recorded(demo_campaign, contributor=me, keyword="down", amplitude=0.001)
    rejected = clip_recorded(demo_campaign, contributor=me, keyword="up")
    waiting = clip_recorded(demo_campaign, contributor=me, keyword="left")
    for kind, reason in (("report", "cut_off"), ("invalid", "noisy"), ("invalid", "noisy")):  # two noes decide it
        labeling_services.vote_cast(
            voter=voter_in_good_standing(demo_campaign), clip_id=rejected.id, kind=kind, reason=reason
        )

    page.goto("/my-data/")
    page.locator("#clips li.clip").first.wait_for()
    item = lambda clip: page.locator(f"li[data-clip-id='{clip.id}']")  # noqa: E731
    assert item(silent).locator(".clip-state").text_content() == "automatically set aside: too quiet or too short"
    assert item(silent).get_attribute("data-status-reason") == "automatic"
    assert item(silent).locator(".review-reasons").count() == 0
    assert item(rejected).locator(".clip-state").text_content() == "not used in the dataset (by reviewers)"
    reasons = item(rejected).locator(".review-reasons li")
    assert reasons.all_text_contents() == ["Noisy × 2", "Cut off"]
    assert item(waiting).locator(".clip-state").text_content() == "waiting for review"
