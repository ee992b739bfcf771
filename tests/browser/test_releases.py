"""The release pages in real headless Chromium: a build followed live, then sign-up, the terms and the download."""

from __future__ import annotations

import hashlib

import pytest

from releases.build import release_build
from releases.models import Download, Release
from releases.services import release_create
from tests.fixtures.live import sign_up_and_download, watched_page

pytestmark = pytest.mark.browser
PASSWORD = "a-long-password-1"


@pytest.fixture
def page(launch_chromium, transactional_db, live_server):
    yield from watched_page(launch_chromium(fake_ui=False), live_server.url)


def test_a_release_page_follows_its_build_then_a_new_account_downloads_it(page, campaign_with_speakers, tmp_path):
    release = release_create(campaign=campaign_with_speakers, name="v1")
    Release.objects.filter(id=release.id).update(state="running", progress_done=150)
    page.goto(f"/releases/{release.id}/")
    assert (page.get_attribute("progress", "value"), page.get_attribute("progress", "max")) == ("150", "301")
    Release.objects.filter(id=release.id).update(progress_done=240)
    page.wait_for_function("document.querySelector('progress').value === 240")  # polled every 2 s
    assert page.text_content(".progress-text") == "running, 240 of 301 files"

    built = release_build(release_id=release.id)  # the worker finishes: the page reloads itself
    page.wait_for_selector("a.download", timeout=10_000)
    # the datasheet as HTML: headings and tables, no Markdown left showing
    assert page.locator("#datasheet h2", has_text="Composition").count() == 1
    assert page.locator("#datasheet table").count() >= 2 and "## " not in page.text_content("#datasheet")

    page.click("a.download")  # not logged in: to the log-in page, which offers sign-up
    download = sign_up_and_download(page, username="dev", email="dev@example.org", password=PASSWORD)
    path = tmp_path / "v1.tar.gz"
    download.save_as(path)
    assert download.suggested_filename == "speech-commands-demo-v1.tar.gz"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == built.archive_sha256
    assert list(Download.objects.values_list("user__email", "release__name")) == [("dev@example.org", "v1")]
