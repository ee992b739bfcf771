"""The training page's data overview: clips and speakers per keyword and split as a job would use them
(recorded vs synthetic), with warnings; and a launch naming a keyword without clips is refused."""

import io
from collections import Counter

import pytest
from django.core.management import call_command

from collector.models import Clip
from core.errors import Conflict
from preparation import services
from preparation.models import PreparedClip
from preparation.splits import split_used
from tests.services import require_espeak
from tests.training.test_jobs import WORDS, synthetic_campaign
from training import jobs

pytestmark = pytest.mark.django_db
URL = "/api/training/campaigns/speech-commands-demo/data/"


def prepare_all() -> None:
    while claims := services.preparation_claim(limit=500):
        services.preparation_run(claims=claims)


def expected_counts(campaign, *, include_synthetic: bool) -> tuple[Counter, dict]:
    """(clips per (keyword, split used, kind), speakers per (split used, kind)), from the rows themselves."""
    rows = PreparedClip.objects.filter(clip__campaign=campaign, clip__status="valid", state="done")
    if not include_synthetic:
        rows = rows.filter(clip__synthetic=False)
    has_recorded = rows.filter(clip__synthetic=False).exists()
    clips, speakers = Counter(), {}
    for split, synthetic, word, speaker in rows.values_list(
        "split", "clip__synthetic", "clip__keyword__text", "clip__contributor_id"
    ):
        used = split_used(split, synthetic=synthetic, has_recorded_voices=has_recorded)
        kind = "synthetic" if synthetic else "recorded"
        clips[word, used, kind] += 1
        speakers.setdefault((used, kind), set()).add(speaker)
    return clips, {key: len(ids) for key, ids in speakers.items()}


def test_the_overview_counts_what_a_job_would_use_and_warns_about_what_is_missing(
    tmp_path, demo_campaign, staff_client
):
    require_espeak()
    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=12)  # recorded (imported) voices saying WORDS
    call_command(
        "synthesize",
        "--campaign",
        demo_campaign.slug,
        "--voices",
        "20",
        "--takes",
        "1",
        "--keywords",
        "yes,no",
        stdout=io.StringIO(),
    )
    prepare_all()

    overview = staff_client.get(URL).json()
    clips, speakers = expected_counts(demo_campaign, include_synthetic=True)
    assert overview["has_recorded_voices"] is True
    by_word = {row["text"]: row for row in overview["keywords"]}
    assert set(by_word) == set(demo_campaign.keywords.values_list("text", flat=True))
    for word, row in by_word.items():
        for split in ("training", "validation", "testing"):
            for kind in ("recorded", "synthetic"):
                assert row["splits"][split][kind]["clips"] == clips[word, split, kind], (word, split, kind)
        assert row["clips"] == sum(n for (w, _, _), n in clips.items() if w == word)
    # People are there, so no synthetic voice tests: their test-split clips train instead.
    assert all(row["splits"]["testing"]["synthetic"]["clips"] == 0 for row in overview["keywords"])
    assert by_word["yes"]["splits"]["training"]["synthetic"]["clips"] > 0
    for (split, kind), n in speakers.items():
        assert overview["speakers"][split][kind] == n
    assert by_word["bed"]["filler"] is True and by_word["yes"]["filler"] is False
    empty = sorted(w for w, row in by_word.items() if not row["clips"] and not row["filler"])
    assert "left" in empty and "yes" not in empty
    test_speakers = sum(overview["speakers"]["testing"].values())
    assert 0 < test_speakers < 10
    warnings = " | ".join(overview["warnings"])
    assert f"No prepared clips for {', '.join(w for w in by_word if w in empty)}: left unticked" in warnings
    assert f"Only {test_speakers} speakers in the test split" in warnings

    recorded_only = staff_client.get(URL, {"include_synthetic": "false"}).json()
    clips, _ = expected_counts(demo_campaign, include_synthetic=False)
    yes = next(row for row in recorded_only["keywords"] if row["text"] == "yes")
    assert (
        yes["clips"]
        == sum(n for (w, _, _), n in clips.items() if w == "yes")
        == Clip.objects.filter(campaign=demo_campaign, keyword__text="yes", synthetic=False).count()
    )
    assert all(row["splits"][s]["synthetic"]["clips"] == 0 for row in recorded_only["keywords"] for s in row["splits"])

    with pytest.raises(Conflict, match="no prepared valid clips of left, right yet: a model cannot learn"):
        jobs.job_launch(campaign=demo_campaign, keywords=["yes", "left", "right"])
    refused = staff_client.post(
        "/api/training/jobs/",
        {"campaign": demo_campaign.slug, "keywords": ["yes", "left"]},
        content_type="application/json",
    )
    assert refused.status_code == 409 and "clips of left yet" in refused.json()["detail"]
    assert set(WORDS) - {"bed", "cat"} <= {w for w, row in by_word.items() if row["clips"]}


def test_a_campaign_of_synthetic_voices_only_is_tested_on_them_and_says_so(demo_campaign, staff_client):
    require_espeak()
    call_command(
        "synthesize",
        "--campaign",
        demo_campaign.slug,
        "--voices",
        "12",
        "--takes",
        "1",
        "--keywords",
        "yes",
        stdout=io.StringIO(),
    )
    prepare_all()
    overview = staff_client.get(URL).json()
    yes = next(row for row in overview["keywords"] if row["text"] == "yes")
    assert overview["has_recorded_voices"] is False
    assert yes["clips"] == 12 and sum(yes["splits"][s]["synthetic"]["clips"] for s in yes["splits"]) == 12
    assert any(w.startswith("Every test voice is synthetic") for w in overview["warnings"])
    assert any(w.startswith("No filler words") for w in overview["warnings"])


def test_the_overview_is_for_staff_and_names_a_missing_campaign(client, staff_client, demo_campaign):
    assert client.get(URL).status_code in (401, 403)
    missing = staff_client.get("/api/training/campaigns/no-such-campaign/data/")
    assert missing.status_code == 404 and "no-such-campaign" in missing.json()["detail"]
    bad = staff_client.get(URL, {"include_synthetic": "perhaps"})
    assert bad.status_code == 400 and "include_synthetic" in str(bad.json())
