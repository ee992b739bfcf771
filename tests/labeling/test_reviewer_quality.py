import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from labeling import selectors, services
from labeling.models import ReviewerStats, Vote
from tests.factories import answer_gold, clip_recorded, contributor_with_consent, gold_clips, voter_in_good_standing

pytestmark = pytest.mark.django_db


def test_gold_answers_are_scored_and_do_not_change_the_gold_clip(demo_campaign):
    golds = gold_clips(demo_campaign, 4)
    reviewer = contributor_with_consent(demo_campaign)
    answer_gold(reviewer, golds, correct=3)
    stats = ReviewerStats.objects.get(reviewer=reviewer)
    # four answers are fewer than the ten that earn standing: their votes do not count yet
    assert (stats.gold_answered, stats.gold_correct, stats.gold_accuracy, stats.counts) == (4, 3, 0.75, False)
    golds[0].refresh_from_db()
    assert (golds[0].status, golds[0].votes_counted) == ("pending", 0)


def test_a_reviewer_below_the_threshold_stops_counting_and_their_decisions_are_re_evaluated(
    demo_campaign, settings, django_capture_on_commit_callbacks
):
    settings.CHORUS_GOLD_MIN_ANSWERS, settings.CHORUS_GOLD_MIN_ACCURACY = 10, 0.7
    careless, careful = voter_in_good_standing(demo_campaign), voter_in_good_standing(demo_campaign)
    decided_together = clip_recorded(demo_campaign)
    services.vote_cast(voter=careless, clip_id=decided_together.id, kind="valid")
    services.vote_cast(voter=careful, clip_id=decided_together.id, kind="valid")
    decided_together.refresh_from_db()
    assert decided_together.status == "valid"

    golds = gold_clips(demo_campaign, 10)
    with django_capture_on_commit_callbacks() as callbacks:
        answer_gold(careless, golds[:9], correct=6)  # 6/9: not yet judged (fewer than 10 answers)
    assert ReviewerStats.objects.get(reviewer=careless).counts and not callbacks
    with django_capture_on_commit_callbacks() as callbacks:
        answer_gold(careless, golds[9:], correct=0)  # 6/10 = 0.6 < 0.7
    assert ReviewerStats.objects.get(reviewer=careless).counts is False
    assert len(callbacks) == 1  # the re-evaluation is queued once, after commit

    assert services.reviewer_reevaluate(reviewer_id=careless.id) == 1
    decided_together.refresh_from_db()
    assert (decided_together.status, decided_together.valid_votes, decided_together.votes_counted) == ("pending", 1, 1)
    assert Vote.objects.get(clip=decided_together, voter=careless).weight == 0  # kept, weight zero
    later = clip_recorded(demo_campaign)
    services.vote_cast(voter=careless, clip_id=later.id, kind="invalid", reason="noisy")
    later.refresh_from_db()
    assert later.votes_counted == 0
    assert services.reviewer_reevaluate(reviewer_id=careless.id) == 0  # running it again changes nothing


def test_quality_selectors_and_dashboard(demo_campaign):
    reviewers = [voter_in_good_standing(demo_campaign) for _ in range(3)]
    golds = gold_clips(demo_campaign, 2)
    answer_gold(reviewers[0], golds, correct=2)
    answer_gold(reviewers[1], golds, correct=1)
    clips = [clip_recorded(demo_campaign, keyword=k) for k in ["yes"] * 6 + ["no"] * 6]
    for clip in clips:  # reviewers 0 and 1 always agree; 2 says the opposite on "no" clips
        services.vote_cast(voter=reviewers[0], clip_id=clip.id, kind="valid")
        services.vote_cast(
            voter=reviewers[2],
            clip_id=clip.id,
            kind="valid" if clip.keyword.text == "yes" else "invalid",
            reason="" if clip.keyword.text == "yes" else "noisy",
        )
    quality = {q.reviewer_id: q for q in selectors.reviewer_quality(campaign=demo_campaign)}
    first = quality[str(reviewers[0].id)]
    assert (first.gold_answered, first.gold_accuracy, first.votes) == (2, 1.0, 14)
    assert first.agreement == 1.0  # every "yes" clip is valid; "no" clips tie 1-1 and stay pending
    assert quality[str(reviewers[1].id)].gold_accuracy == 0.5
    pairs = {(a, b): (n, k) for a, b, n, k in selectors.pairwise_cohen_kappa(campaign=demo_campaign)}
    n, kappa = (
        pairs.get((str(reviewers[0].id), str(reviewers[2].id))) or pairs[(str(reviewers[2].id), str(reviewers[0].id))]
    )
    assert n == 12 and kappa == pytest.approx(0.0)  # agreement no better than chance (0.5 observed, 0.5 expected)
    fleiss = {k: (rated, kappa) for k, rated, kappa in selectors.keyword_fleiss_kappa(campaign=demo_campaign)}
    assert fleiss["yes"] == (6, None) and fleiss["no"][0] == 6 and fleiss["no"][1] == pytest.approx(-1.0)

    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("boss", "", "pw-for-tests-only"))
    page = staff.get(f"/admin/labeling/quality/?campaign={demo_campaign.slug}")
    assert page.status_code == 200
    assert (
        b"Fleiss" in page.content
        and b"Cohen" in page.content
        and f"anon-{str(reviewers[0].id)[:6]}".encode() in page.content
    )
    assert Client().get("/admin/labeling/quality/").status_code == 302
