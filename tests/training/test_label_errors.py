"""The label-error finder on an imported tone corpus with clips planted in the wrong word's folder: the command's
ranking, suspects sent back to review and decided again by fresh votes, the admin's list, the queued runs."""

import io
import json

import pytest
from celery import current_app
from django.core.management import call_command

from collector.models import Clip
from labeling import services as labeling
from labeling.models import ReviewValue, StatusChange, Vote
from preparation import services as preparation
from tests.factories import clip_recorded, clip_validated, voter_in_good_standing
from tests.training.test_jobs import corpus_import_prepared, tone_corpus
from training import jobs
from training.label_errors import FIND_LABEL_ERRORS_TASK
from training.models import LabelErrorRun, LabelSuspect, TrainingJob

pytestmark = pytest.mark.django_db
SPEAKERS = 20
# a take of one word filed under another: its path -> the folder it was put in. The speakers are of middling pitch:
# the highest voice's tone filed under another word is a tone no fold heard for either, and the finder is less sure
PLANTED = {"yes/00000003_nohash_0.wav": "up", "no/0000000b_nohash_1.wav": "cat", "bed/00000009_nohash_0.wav": "no"}


def planted_campaign(root, campaign) -> dict[str, str]:
    """The tone corpus with PLANTED moved into the wrong folders, imported as valid and prepared. Returns each
    planted clip's path in the dataset -> the word it really is."""
    tone_corpus(root, SPEAKERS)
    moved = {}
    for path, folder in PLANTED.items():
        word, name = path.split("/")
        target = f"{folder}/{name.replace('_nohash_', '_nohash_9')}"  # the speaker's own take there keeps its name
        (root / path).rename(root / target)
        moved[target] = word
    corpus_import_prepared(root, campaign)
    return moved


def find_json(campaign) -> tuple[list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("find_label_errors", "--campaign", campaign.slug, "--json", stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_the_command_ranks_planted_clips_first_and_sends_them_back_to_review(tmp_path, demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.0
    moved = planted_campaign(tmp_path / "sc", demo_campaign)
    # a recorded clip of "up" (750 Hz) that two reviewers accepted as "yes": decided by votes
    voted = clip_validated(demo_campaign, keyword="yes", freq=750.0)
    earlier_voter = Vote.objects.filter(clip=voted).first().voter
    while claims := preparation.preparation_claim(limit=50):
        preparation.preparation_run(claims=claims)
    assert voted.status == "valid" and voted.status_reason == "votes"

    suspects, err = find_json(demo_campaign)
    assert "5/5" in err  # the progress bar went through the folds
    assert "sent back to review" in err  # the summary is on stderr: stdout is only JSON
    planted = len(moved) + 1
    first = suspects[:planted]
    assert {s["source_path"] for s in first} == set(moved) | {""}  # the recorded clip has no source path
    for suspect in first:
        true_word = moved.get(suspect["source_path"], "up")
        assert suspect["suspected"] == true_word and suspect["keyword"] != true_word
        assert suspect["action"] == "review"
    assert [s["score"] for s in suspects] == sorted(s["score"] for s in suspects)
    assert [s["rank"] for s in suspects] == list(range(1, len(suspects) + 1))
    assert max(s["score"] for s in first) < 0.5
    assert len(suspects) <= planted + 2  # a clean clip or two at most, never a flood
    assert set(suspects[0]) >= {"clip", "keyword", "source_path", "score"}

    run = LabelErrorRun.objects.get()
    assert (run.state, run.trigger, run.clips, run.folds_done, run.folds) == ("succeeded", "command", 201, 5, 5)
    assert run.classes == ["yes", "no", "up", "bed", "cat"] and run.accuracy >= 0.97
    assert run.sent_to_review == len(suspects)
    sent = {s["clip"] for s in suspects}
    for clip in Clip.objects.filter(id__in=sent):
        assert (clip.status, clip.status_reason, clip.votes_counted, clip.decided_at) == ("pending", "", 0, None)
        change = StatusChange.objects.filter(clip=clip).last()
        assert (change.from_status, change.to_status, change.cause) == ("valid", "pending", "model_disagrees")
    # the votes that decided it stay on record, no longer counted
    assert list(Vote.objects.filter(clip=voted).values_list("kind", "superseded")) == [("valid", True)] * 2

    # a new reviewer hears every clip sent back; nothing else of this valid corpus is pending
    served = set()
    fresh = voter_in_good_standing(demo_campaign)
    while clip := labeling.review_assign_next(voter=fresh, campaign=demo_campaign):
        served.add(str(clip.id))
        labeling.vote_cast(voter=fresh, clip_id=clip.id, kind="skip")
    assert served == sent
    heard_again = set()  # who decided it before is not asked again: fresh ears decide
    while clip := labeling.review_assign_next(voter=earlier_voter, campaign=demo_campaign):
        heard_again.add(str(clip.id))
        labeling.vote_cast(voter=earlier_voter, clip_id=clip.id, kind="skip")
    assert heard_again == sent - {str(voted.id)}

    # fresh votes overturn the earlier decision, and re-weighing the earlier voters does not bring it back
    for _ in range(2):
        labeling.vote_cast(
            voter=voter_in_good_standing(demo_campaign), clip_id=voted.id, kind="invalid", reason="wrong_word"
        )
    voted.refresh_from_db()
    assert (voted.status, voted.valid_votes, voted.invalid_votes) == ("invalid", 0, 2)
    for vote in Vote.objects.filter(clip=voted, superseded=True):
        labeling.reviewer_reevaluate(reviewer_id=vote.voter_id)
    voted.refresh_from_db()
    assert (voted.status, voted.valid_votes, voted.invalid_votes) == ("invalid", 0, 2)


def test_the_admin_action_runs_the_task_which_lists_a_clip_reviewers_kept_and_the_admin_shows_suspects_with_audio(
    tmp_path, demo_campaign, settings, staff_client, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CHORUS_GOLD_SHARE = 0.0
    moved = planted_campaign(tmp_path / "sc", demo_campaign)
    # one planted clip went back once before and reviewers kept its (wrong) label
    kept = Clip.objects.get(source_path=next(iter(moved)))
    assert labeling.clips_send_back_to_review(clip_ids=[kept.id], cause="model_disagrees") == [kept.id]
    for _ in range(2):
        labeling.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=kept.id, kind="valid")
    kept.refresh_from_db()
    assert kept.status == "valid"
    # two clips recorded for "yes" wait for review: one is an "up" (750 Hz), one a "yes" (250 Hz)
    heard_wrong = clip_recorded(demo_campaign, keyword="yes", freq=750.0)
    heard_right = clip_recorded(demo_campaign, keyword="yes", freq=250.0)

    # the task the action queues, run here as a worker would run it (by its registered name)
    current_app.loader.import_default_modules()
    results = []
    monkeypatch.setattr(
        "training.label_errors.task_enqueue", lambda name, args: results.append(current_app.tasks[name](*args))
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            "/admin/collector/campaign/", {"action": "find_label_errors", "_selected_action": [demo_campaign.pk]}
        )
    run = LabelErrorRun.objects.get()
    suspects = list(run.suspects.select_related("clip").order_by("rank"))
    sent_back = {s.clip_id for s in suspects} - {kept.id}
    assert results == [
        {
            "state": "succeeded",
            "suspects": len(suspects),
            "sent_to_review": len(sent_back),
            "review_values": len(sent_back) + 2,
        }
    ]
    assert run.trigger == "admin"
    by_path = {s.clip.source_path: s for s in suspects}
    assert set(moved) <= set(by_path)
    assert by_path[kept.source_path].action == "rechecked"
    kept.refresh_from_db()
    assert kept.status == "valid"  # the model does not get to send it back again
    assert all(s.clip.status == "pending" for s in suspects if s.clip_id != kept.id)

    # the pending clips and the suspects sent back have review values: the model's doubts are served first
    heard = dict(ReviewValue.objects.values_list("clip_id", "label_probability"))
    assert set(heard) == sent_back | {heard_wrong.id, heard_right.id}
    assert heard[heard_wrong.id] < 0.05 and heard[heard_right.id] > 0.95
    assert all(heard[clip_id] < 0.5 for clip_id in sent_back)
    served, fresh = [], voter_in_good_standing(demo_campaign)
    while clip := labeling.review_assign_next(voter=fresh, campaign=demo_campaign):
        served.append(clip.id)
        labeling.vote_cast(voter=fresh, clip_id=clip.id, kind="skip")
    assert set(served[:-1]) == sent_back | {heard_wrong.id} and served[-1] == heard_right.id

    page = staff_client.get("/admin/training/labelsuspect/")
    assert page.status_code == 200
    html = page.content.decode()
    positions = [html.index(f"/admin/collector/clip/{s.clip_id}/audio/") for s in suspects]
    assert positions == sorted(positions)  # most likely first, each with its player
    for s in suspects:
        assert s.clip.source_path in html and f"{s.score:.3f}" in html
    assert "Listed only: reviewers decided it again" in html
    audio = staff_client.get(f"/admin/collector/clip/{suspects[0].clip_id}/audio/")
    assert audio.status_code == 200 and audio["Content-Type"].startswith("audio/")


def test_the_campaign_admin_and_a_finished_job_queue_one_run_each(
    demo_campaign, staff_client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("training.label_errors.task_enqueue", lambda name, args: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/collector/campaign/", {"action": "find_label_errors", "_selected_action": [demo_campaign.pk]}
        )
    assert response.status_code == 302
    run = LabelErrorRun.objects.get()
    assert (run.trigger, run.state, run.campaign_id) == ("admin", "queued", demo_campaign.id)
    assert sent == [(FIND_LABEL_ERRORS_TASK, [run.id])]

    # a run still waiting covers the next request; a finished commands job asks for one only when enabled
    def finished(job):
        TrainingJob.objects.filter(id=job.id).update(state=TrainingJob.State.SUCCEEDED)
        return TrainingJob.objects.get(id=job.id)

    monkeypatch.setattr(jobs, "_run", finished)
    job = TrainingJob.objects.create(
        campaign=demo_campaign, keywords=["yes"], architecture="tiny_conv", epochs=1, feature_params_hash="x"
    )
    settings.CHORUS_LABEL_ERRORS_AFTER_JOBS = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_run(job_id=job.id)
    assert LabelErrorRun.objects.count() == 1 and len(sent) == 1
    LabelErrorRun.objects.update(state=LabelErrorRun.State.SUCCEEDED)
    job = TrainingJob.objects.create(
        campaign=demo_campaign, keywords=["yes"], architecture="tiny_conv", epochs=1, feature_params_hash="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_run(job_id=job.id)
    queued = LabelErrorRun.objects.get(state="queued")
    assert (queued.trigger, queued.job_id) == ("job", job.id) and sent[-1] == (FIND_LABEL_ERRORS_TASK, [queued.id])
    settings.CHORUS_LABEL_ERRORS_AFTER_JOBS = False
    LabelErrorRun.objects.update(state=LabelErrorRun.State.SUCCEEDED)
    job = TrainingJob.objects.create(
        campaign=demo_campaign, keywords=["yes"], architecture="tiny_conv", epochs=1, feature_params_hash="x"
    )
    jobs.job_run(job_id=job.id)
    assert not LabelErrorRun.objects.filter(state="queued").exists() and len(sent) == 2
    assert not LabelSuspect.objects.exists()


def test_a_campaign_without_enough_to_learn_from_is_refused_with_the_reason(demo_campaign):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="clips of 0 keyword"):
        call_command("find_label_errors", "--campaign", demo_campaign.slug, stdout=io.StringIO(), stderr=io.StringIO())
    run = LabelErrorRun.objects.get()
    assert run.state == "failed" and "at least 2" in run.error and not LabelSuspect.objects.exists()
    with pytest.raises(CommandError, match="no campaign 'nope'"):
        call_command("find_label_errors", "--campaign", "nope")
