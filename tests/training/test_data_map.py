"""The data map end to end: a small tone campaign with one mislabelled clip, a job trained by the real path, the map
task over its penultimate layer; clusters, the planted outlier, seeded reruns, the rule of five, erasure, the command
and the API."""

import io
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from collector.models import Campaign, Clip, Contributor, Demographics
from collector.services import contributor_erase
from collector.targets import OTHER_GROUP
from core.errors import Conflict
from kws import data_map as mapping
from labeling.services import MODEL_DISAGREES, clips_send_back_to_review, vote_cast
from tests.audio_factory import wav_bytes
from tests.factories import voter_in_good_standing
from tests.training.test_jobs import WORDS, corpus_import_prepared, tone_corpus
from training import data_map, jobs
from training.models import DataMap, LabelErrorRun, LabelSuspect

pytestmark = pytest.mark.django_db
PLANTED = "no/0000002a_nohash_7.wav"  # a 'yes' tone filed under 'no'


def planted_corpus(root: Path, speakers: int = 40) -> None:
    """The tone corpus of tests/training/test_jobs.py, plus one 'yes' tone (the pitch of WORDS[0]) filed as 'no'
    by one more speaker's take: a mislabelled clip in an imported dataset."""
    tone_corpus(root, speakers)
    rng = np.random.default_rng(7)
    t = np.arange(16_000) / 16_000
    envelope = np.exp(-((t - 0.5) ** 2) / 0.01)
    x = 0.4 * envelope * np.sin(2 * np.pi * 250 * 1.0 * t) + rng.normal(0, 0.003, t.size)
    (root / PLANTED).write_bytes(wav_bytes(x.astype(np.float32)))


def demographics_set(speakers: list[Contributor]) -> dict[str, list]:
    """Groups chosen around the rule of five: 12 'scottish' (6 female, 6 male), exactly 5 'welsh' (all female),
    2 aged '70+' (under five: never shown), the rest prefer not to say."""
    groups = {"scottish": speakers[:12], "welsh": speakers[12:17], "70+": speakers[17:19]}
    for i, speaker in enumerate(speakers):
        Demographics.objects.create(
            contributor=speaker,
            accent="scottish" if i < 12 else "welsh" if i < 17 else "prefer_not",
            gender="female" if 12 <= i < 17 else ["female", "male"][i % 2] if i < 19 else "prefer_not",
            age_bracket="70+" if 17 <= i < 19 else "prefer_not",
        )
    return groups


def made_invalid(campaign: Campaign, clip: Clip) -> None:
    """A prepared clip (its cached features stay) that reviewers then decided invalid."""
    assert clips_send_back_to_review(clip_ids=[clip.id], cause=MODEL_DISAGREES) == [clip.id]
    for _ in range(2):
        vote_cast(voter=voter_in_good_standing(campaign), clip_id=clip.id, kind="invalid", reason="wrong_word")
    clip.refresh_from_db()
    assert clip.status == Clip.Status.INVALID


def map_computed(campaign: Campaign) -> DataMap:
    queued = data_map.data_map_create(campaign=campaign)
    done = data_map.data_map_run(map_id=queued.id)
    assert done.state == DataMap.State.SUCCEEDED, done.error
    return done


def speakers_of(points: list[dict]) -> dict[str, str]:
    ids = [p["id"] for p in points]
    return {str(c): str(s) for c, s in Clip.objects.filter(id__in=ids).values_list("id", "contributor_id")}


def assert_rule_of_five(points: list[dict]) -> None:
    """Every published group, and every published combination of the three fields, has at least 5 speakers."""
    speaker = speakers_of(points)
    fields = ("accent", "gender", "age_bracket")
    for field in fields:
        members: dict[str, set] = {}
        for p in points:
            members.setdefault(p[field], set()).add(speaker[p["id"]])
        assert all(len(s) >= 5 for g, s in members.items() if g != OTHER_GROUP), (field, members.keys())
    combos: dict[tuple, set] = {}
    for p in points:
        combo = tuple(p[f] for f in fields)
        if any(v != OTHER_GROUP for v in combo):
            combos.setdefault(combo, set()).add(speaker[p["id"]])
    assert all(len(s) >= 5 for s in combos.values()), {c: len(s) for c, s in combos.items()}


def test_the_map_places_the_valid_clips_by_the_model_flags_the_mislabelled_one_and_follows_erasure(
    tmp_path, demo_campaign
):
    campaign = demo_campaign
    planted_corpus(tmp_path / "sc")
    corpus_import_prepared(tmp_path / "sc", campaign)
    speakers = list(Contributor.objects.filter(clips__campaign=campaign).distinct().order_by("external_key"))
    groups = demographics_set(speakers)
    job = jobs.job_launch(campaign=campaign, keywords=["yes", "no", "up"], architecture="tiny_conv", epochs=4, seed=1)
    job = jobs.job_run(job_id=job.id)
    assert job.finished_with_model, job.error
    planted = Clip.objects.get(campaign=campaign, source_path=PLANTED)
    invalid = Clip.objects.filter(campaign=campaign, keyword__text="up", status="valid").order_by("sha256").first()
    made_invalid(campaign, invalid)

    first = map_computed(campaign)
    points = first.points
    valid = {str(i) for i in Clip.objects.filter(campaign=campaign, status="valid").values_list("id", flat=True)}
    assert [p["id"] for p in points if p["id"] not in valid] == []  # the invalid clip is not there
    assert {p["id"] for p in points} == valid and len(points) == len(valid) == 401 - 1 == first.clips
    assert first.job_id == job.id and first.summary["model_keywords"] == ["yes", "no", "up"]
    assert first.summary["keywords"] == ["yes", "no", "up", "bed", "cat"] and first.summary["not_on_map"] == 0
    by_id = {p["id"]: p for p in points}
    truth = {str(c.id): c.keyword.text for c in Clip.objects.filter(id__in=valid).select_related("keyword")}
    assert all(by_id[i]["keyword"] == truth[i] for i in valid)
    assert all(0 <= p["x"] <= 1 and 0 <= p["y"] <= 1 for p in points)
    splits = Counter(p["split"] for p in points)
    assert set(splits) == {"training", "validation", "testing"} and splits["training"] > splits["testing"]

    # Keywords cluster: in the 2-D map, the nearest other point of almost every clip says the same word.
    xy = np.array([[p["x"], p["y"]] for p in points])
    words = np.array([p["keyword"] for p in points])
    distance = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(distance, np.inf)
    agree = words[distance.argmin(axis=1)] == words
    assert agree.mean() >= 0.95, Counter(words[~agree])

    # The 'yes' filed as 'no' sits among the yeses: flagged, with the word its neighbours carry; few others are.
    mark = by_id[str(planted.id)]
    assert mark["keyword"] == "no" and mark["outlier"] and mark["neighbours_say"] == "yes", mark
    assert mark["same_share"] <= 0.2
    outliers = [p for p in points if p["outlier"]]
    assert first.outliers == len(outliers) and len(outliers) <= 8, [
        (p["keyword"], p["neighbours_say"]) for p in outliers
    ]
    # bed and cat are both _unknown_ to the model: never outliers of each other
    assert not any(p["keyword"] in ("bed", "cat") and p["neighbours_say"] in ("bed", "cat") for p in points)

    # Synthetic or not, as stored; the finder has not run, so nothing is a suspect.
    assert {p["synthetic"] for p in points} == {False} and {p["suspect"] for p in points} == {None}

    # Rule of five: welsh (5 speakers) shown, 70+ (2 speakers) never; every shown group has 5 speakers.
    assert_rule_of_five(points)
    accents = Counter(p["accent"] for p in points)
    assert set(accents) == {"scottish", "welsh", OTHER_GROUP}
    assert "70+" not in {p["age_bracket"] for p in points}
    seventy = {str(c) for c in Clip.objects.filter(contributor__in=groups["70+"]).values_list("id", flat=True)}
    assert {by_id[i]["age_bracket"] for i in seventy} == {OTHER_GROUP}
    assert {p["gender"] for p in points} == {"female", "male", OTHER_GROUP}

    # A rerun is the same map (seeded), and it replaces the older one.
    second = map_computed(campaign)
    assert second.points == first.points and second.id != first.id
    assert list(DataMap.objects.filter(campaign=campaign).values_list("id", flat=True)) == [second.id]

    # An erasure takes the speaker's points out of the stored map at once, and 'welsh' falls to 4 speakers.
    erased = groups["welsh"][0]
    erased_ids = {str(i) for i in Clip.objects.filter(contributor=erased).values_list("id", flat=True)}
    assert erased_ids and erased_ids <= {p["id"] for p in second.points}
    assert contributor_erase(contributor=erased) == len(erased_ids)
    after = DataMap.objects.get(id=second.id)
    assert {p["id"] for p in after.points} == {p["id"] for p in second.points} - erased_ids
    assert after.clips == len(after.points) == len(second.points) - len(erased_ids)
    assert after.summary["erased_since"] == len(erased_ids)
    assert "welsh" not in {p["accent"] for p in after.points}
    assert_rule_of_five(after.points)
    unchanged = {p["id"]: (p["x"], p["y"]) for p in second.points}
    assert all(unchanged[p["id"]] == (p["x"], p["y"]) for p in after.points)

    # The command computes the same map in place and prints it.
    out = io.StringIO()
    call_command("data_map", "--campaign", campaign.name, "--json", stdout=out, stderr=io.StringIO())
    printed = json.loads(out.getvalue())
    assert printed["clips"] == len(printed["points"]) == len(after.points)
    assert {p["id"] for p in printed["points"]} == {p["id"] for p in after.points}
    assert printed["outliers"] == [p["id"] for p in printed["points"] if p["outlier"]]
    assert str(planted.id) in printed["outliers"]
    text = io.StringIO()
    call_command("data_map", "--campaign", campaign.slug, stdout=text, stderr=io.StringIO())
    assert f"{len(after.points)} clips" in text.getvalue() and PLANTED in text.getvalue()


def test_the_api_queues_a_map_for_staff_and_serves_its_points(
    tmp_path, demo_campaign, staff_client, client, django_capture_on_commit_callbacks
):
    url = f"/api/training/campaigns/{demo_campaign.slug}/data-map/"
    assert client.get(url).status_code in (401, 403)
    body = staff_client.get(url).json()
    assert body["can_compute"] is False and "train one first" in body["refusal"] and body["map"] is None
    assert staff_client.post(url).status_code == 409

    tone_corpus(tmp_path / "sc", speakers=20)
    corpus_import_prepared(tmp_path / "sc", demo_campaign)
    job = jobs.job_launch(campaign=demo_campaign, keywords=WORDS[:2], architecture="tiny_conv", epochs=2, seed=0)
    jobs.job_run(job_id=job.id)
    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post(url)
        again = staff_client.post(url)  # a queued map covers a second request
    assert response.status_code == again.status_code == 202 and response.json()["id"] == again.json()["id"]
    # the second request sends the queued map again (a message may be lost); its claim runs it once
    assert len(queued) == 2 and response.json()["state"] == "queued"
    body = staff_client.get(url).json()
    assert body["latest"]["state"] == "queued" and body["map"] is None and body["can_compute"]

    # The finder's latest run doubted one clip (its rows as the finder stores them; running it takes a minute).
    doubted = Clip.objects.filter(campaign=demo_campaign, keyword__text="yes").order_by("sha256").first()
    run = LabelErrorRun.objects.create(campaign=demo_campaign, trigger="command", state="succeeded")
    LabelSuspect.objects.create(
        run=run,
        clip=doubted,
        keyword=doubted.keyword,
        suspected=demo_campaign.keywords.get(text="no"),
        score=0.01,
        rank=1,
        action="rechecked",
    )
    assert data_map.data_map_run(map_id=response.json()["id"]).state == "succeeded"  # what the worker does
    assert data_map.data_map_run(map_id=response.json()["id"]) is None  # the second message does nothing
    body = staff_client.get(url).json()
    suspects = {p["id"]: p["suspect"] for p in body["map"]["points"] if p["suspect"]}
    assert suspects == {str(doubted.id): "no"}
    assert body["latest"]["state"] == "succeeded" and body["latest"]["steps_done"] == body["latest"]["steps"]
    valid = {str(i) for i in Clip.objects.filter(campaign=demo_campaign, status="valid").values_list("id", flat=True)}
    assert {p["id"] for p in body["map"]["points"]} == valid and body["map"]["job"]["id"] == job.id
    assert "points" not in staff_client.get(url + "?points=false").json()["map"]


def test_a_wake_word_campaign_is_told_the_map_needs_a_commands_model(staff_client, demo_campaign):
    campaign = Campaign.objects.create(
        slug="hey-nabu", name="Hey Nabu", language=demo_campaign.language, kind=Campaign.Kind.WAKE_WORD
    )
    with pytest.raises(Conflict, match="needs a commands model"):
        data_map.data_map_create(campaign=campaign)
    body = staff_client.get(f"/api/training/campaigns/{campaign.slug}/data-map/").json()
    assert body["can_compute"] is False and "needs a commands model" in body["refusal"]
    page = staff_client.get(f"/training/campaigns/{campaign.slug}/data-map/")
    assert page.status_code == 200 and b'id="wake-word"' in page.content and b'id="map"' not in page.content
    assert b"needs a commands model" in page.content
    commands = staff_client.get(f"/training/campaigns/{demo_campaign.slug}/data-map/")
    assert b'id="map"' in commands.content and b'id="wake-word"' not in commands.content
    assert Client().get(f"/training/campaigns/{demo_campaign.slug}/data-map/").status_code == 302  # to the log-in


def test_neighbour_outliers_flag_a_point_among_another_class_and_not_a_lonely_one():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 0.1, (30, 4))
    b = rng.normal(5, 0.1, (30, 4))
    lonely = np.array([[20.0, 20.0, 20.0, 20.0]])  # far from everything, but nearest to its own class (b)
    vectors = np.concatenate([a, b, lonely])
    classes = ["a"] * 29 + ["b"] + ["b"] * 30 + ["b"]  # one 'b' among the a's
    result = mapping.neighbour_outliers(vectors, classes)
    assert np.flatnonzero(result.outlier).tolist() == [29]
    assert result.neighbours_say[29] == "a" and result.same_class_share[29] == 0.0
    assert result.same_class_share[60] == 1.0
    assert np.array_equal(mapping.embed_2d(vectors), mapping.embed_2d(vectors))


def test_the_map_task_is_registered_and_runs_on_the_default_queue():
    from celery import current_app

    current_app.loader.import_default_modules()
    assert data_map.DATA_MAP_TASK in current_app.tasks
    assert current_app.amqp.router.route({}, data_map.DATA_MAP_TASK, (), {})["queue"].name == "default"
