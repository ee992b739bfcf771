"""The campaign admin's "synthesize starter voices" action: a form (voices, takes, keywords), then a run on a real
worker whose progress the training page's data overview reports."""

import time

import pytest

from collector.models import Clip
from preparation.models import PreparedClip, SynthesisRun
from tests.services import require_espeak

pytestmark = pytest.mark.worker
CHANGELIST = "/admin/collector/campaign/"
TIMEOUT_S = 120


def action(client, campaign, **fields):
    data = {"action": "synthesize_starter_voices", "_selected_action": [campaign.pk], **fields}
    return client.post(CHANGELIST, data, follow=True)


def wait_until(predicate, worker, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not predicate():
        assert time.monotonic() < deadline, f"{what} did not happen in {TIMEOUT_S} s:\n{worker.log()}"
        time.sleep(0.5)


def test_the_action_asks_then_a_worker_synthesizes_with_progress(worker, staff_client, demo_campaign):
    require_espeak()
    form = action(staff_client, demo_campaign).content.decode()
    assert 'name="voices"' in form and 'value="200"' in form and "Synthesize on a worker" in form
    assert not SynthesisRun.objects.exists()

    refused = action(staff_client, demo_campaign, apply="1", voices="0", takes="1", keywords="")
    assert "Ensure this value is greater than or equal to 1" in refused.content.decode()
    unknown = action(staff_client, demo_campaign, apply="1", voices="2", takes="1", keywords="yes, blue")
    assert "Not keywords of campaign &#x27;Speech Commands (demo)&#x27;: blue" in unknown.content.decode()
    assert not SynthesisRun.objects.exists() and not Clip.objects.exists()

    started = action(staff_client, demo_campaign, apply="1", voices="4", takes="2", keywords="yes,no")
    assert "Synthesizing 4 voices for Speech Commands (demo) on a worker" in started.content.decode()
    run = SynthesisRun.objects.get()
    assert (run.campaign_id, run.voices, run.takes, run.keywords) == (demo_campaign.id, 4, 2, ["yes", "no"])
    wait_until(lambda: SynthesisRun.objects.get().state == "succeeded", worker, "the run")
    run.refresh_from_db()
    clips = Clip.objects.filter(campaign=demo_campaign, synthetic=True)
    assert (run.voices_done, run.clips_created, clips.count()) == (4, 16, 16)
    assert sorted(clips.values_list("keyword__text", flat=True)) == ["no"] * 8 + ["yes"] * 8
    assert run.finished_at is not None and run.error == ""

    prepared = PreparedClip.objects.filter(clip__campaign=demo_campaign)
    wait_until(lambda: not prepared.exclude(state__in=["done", "dropped"]).exists(), worker, "preparation")
    overview = staff_client.get(f"/api/training/campaigns/{demo_campaign.slug}/data/").json()
    assert overview["synthesis"]["state"] == "succeeded" and overview["synthesis"]["voices_done"] == 4
    assert overview["being_prepared"] == 0
    yes = next(row for row in overview["keywords"] if row["text"] == "yes")
    assert yes["clips"] == prepared.filter(state="done", clip__keyword__text="yes").count() > 0
    listed = staff_client.get("/admin/preparation/synthesisrun/").content.decode()
    assert "4 of 4" in listed
