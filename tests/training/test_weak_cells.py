"""The last succeeded model's weak cells raise their targets in the collector."""

import numpy as np
import pytest

from collector.models import Keyword, TargetBoost
from collector.services import target_boosts_replace
from collector.targets import campaign_targets
from kws import evaluation
from preparation.coverage import campaign_coverage
from training import jobs
from training.models import TrainingJob
from training.weak_cells import weak_cells, weak_cells_apply

pytestmark = pytest.mark.django_db

LABELS = ["_silence_", "_unknown_", "left", "right", "yes"]


def _metrics() -> dict:
    """Test results as a commands job stores them (kws.evaluation): 6 women and 6 men say each word 5 times; every
    woman's 'left' is missed 3 times in 5, every man's 'right' once in 5."""
    y_true, y_pred, groups = [], [], []
    for gender in ("female", "male"):
        for s in range(6):
            for word in ("left", "right", "yes"):
                misses = 3 if (gender, word) == ("female", "left") else 1 if (gender, word) == ("male", "right") else 0
                for take in range(5):
                    y_true.append(LABELS.index(word))
                    y_pred.append(LABELS.index("_unknown_") if take < misses else LABELS.index(word))
                    groups.append({"speaker": f"{gender}-{s}", "gender": gender, "accent": None, "age_bracket": None})
    y_true, y_pred = np.array(y_true), np.array(y_pred)
    return {**evaluation.per_class(y_true, y_pred, LABELS), "groups": evaluation.per_group(y_true, y_pred, groups)}


def test_the_cells_missed_more_often_than_the_rest_are_the_weak_ones():
    # false rejects: left 18/60, right 6/60, yes 0/60 against 24/180 over every keyword; women 18/90 and men 6/90
    assert weak_cells(_metrics()) == [
        {"keyword": "left", "false_reject_rate": 0.3, "baseline_rate": 0.1333, "factor": 2.0},  # 2.25, capped
        {"field": "gender", "group": "female", "false_reject_rate": 0.2, "baseline_rate": 0.1333, "factor": 1.5},
    ]
    assert weak_cells({}) == [] and weak_cells({"groups": {"gender": {"groups": {}}}}) == []


def _job(campaign, state: str, metrics: dict) -> TrainingJob:
    return TrainingJob.objects.create(
        campaign=campaign,
        keywords=["left", "right", "yes"],
        architecture="tiny_conv",
        epochs=1,
        feature_params_hash="x",
        code_version="test",
        state=state,
        metrics=metrics,
    )


def test_a_succeeded_job_raises_its_weak_cells_targets_until_the_next_succeeded_job(demo_campaign):
    left, right = (Keyword.objects.get(campaign=demo_campaign, text=t) for t in ("left", "right"))
    job = _job(demo_campaign, TrainingJob.State.SUCCEEDED, _metrics())
    weak_cells_apply(job=job)
    assert set(TargetBoost.objects.values_list("keyword__text", "field", "group", "factor", "source")) == {
        ("left", "", "", 2.0, f"training job {job.id}"),
        (None, "gender", "female", 1.5, f"training job {job.id}"),
    }
    targets = campaign_targets(campaign=demo_campaign)
    assert (targets.keyword(left.id), targets.keyword(right.id)) == (2000, 1000)
    assert targets.group(right.id, "gender", "female") == 501  # 334 x 1.5
    assert targets.group(left.id, "gender", "female") == 668  # 334 x 2 (2 x 1.5, capped)
    assert targets.group(right.id, "gender", "male") == 334
    assert campaign_coverage(campaign=demo_campaign).cell(left.id, "gender", "female", "testing").target == 67

    # a job that failed its quality gate leaves the last succeeded model's boosts in place
    weak_cells_apply(job=_job(demo_campaign, TrainingJob.State.FAILED_QUALITY, {"per_class": []}))
    assert TargetBoost.objects.count() == 2
    # a succeeded model with no weak cell clears them
    even = {
        "per_class": [{"label": "left", "recall": 0.9, "support": 60}, {"label": "yes", "recall": 0.9, "support": 60}]
    }
    weak_cells_apply(job=_job(demo_campaign, TrainingJob.State.SUCCEEDED, even))
    assert not TargetBoost.objects.exists() and campaign_targets(campaign=demo_campaign).keyword(left.id) == 1000


def test_a_real_job_run_stores_its_weak_cells_when_it_succeeds(tmp_path, demo_campaign):
    from collector.models import Contributor, Demographics
    from tests.training.test_jobs import synthetic_campaign

    synthetic_campaign(tmp_path / "sc", demo_campaign)
    for i, speaker in enumerate(Contributor.objects.order_by("external_key")):
        Demographics.objects.create(contributor=speaker, gender=["female", "male"][i % 2])
    earlier = {"false_reject_rate": 0.5, "baseline_rate": 0.1, "factor": 2.0}
    target_boosts_replace(campaign=demo_campaign, boosts=[{"keyword": "cat", **earlier}], source="an earlier job")
    job = jobs.job_launch(
        campaign=demo_campaign, keywords=["yes", "no", "up"], architecture="tiny_conv", epochs=4, seed=1
    )
    job = jobs.job_run(job_id=job.id)
    assert job.state == TrainingJob.State.SUCCEEDED, job.error
    stored = [
        {
            **({"keyword": b.keyword.text} if b.keyword_id else {"field": b.field, "group": b.group}),
            "false_reject_rate": b.false_reject_rate,
            "baseline_rate": b.baseline_rate,
            "factor": b.factor,
        }
        for b in TargetBoost.objects.filter(campaign=demo_campaign, source=f"training job {job.id}")
    ]
    expected = weak_cells(job.metrics)
    assert sorted(stored, key=str) == sorted(expected, key=str)
    # the new model's cells replace the earlier job's, weak or not
    assert TargetBoost.objects.filter(campaign=demo_campaign).count() == len(expected)
