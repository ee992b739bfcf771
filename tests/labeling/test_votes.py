import re

import pytest
from django.test import Client

from labeling import services
from labeling.models import Vote
from preparation.models import PreparedClip
from tests.conftest import CAMPAIGN, give_consent
from tests.factories import clip_recorded, contributor_with_consent, voter_in_good_standing

pytestmark = pytest.mark.django_db


def served(client) -> dict:
    """The next clip the queue serves this client, with its ticket."""
    response = client.get(f"/api/campaigns/{CAMPAIGN}/review/next/")
    assert response.status_code == 200, response.content
    return response.json()


def vote(client, clip_id, kind="valid", ticket="", **extra):
    answer = {"ticket": ticket, "kind": kind, **extra}
    return client.post(f"/api/review/clips/{clip_id}/votes/", answer, content_type="application/json")


def test_two_agreeing_votes_make_a_clip_valid_and_queue_it_for_preparation_once(
    demo_campaign, django_capture_on_commit_callbacks
):
    clip = clip_recorded(demo_campaign)
    a, b, c = (voter_in_good_standing(demo_campaign) for _ in range(3))
    services.vote_cast(voter=a, clip_id=clip.id, kind="valid")
    clip.refresh_from_db()
    assert (clip.status, clip.valid_votes, clip.votes_counted) == ("pending", 1, 1)
    with django_capture_on_commit_callbacks() as callbacks:
        services.vote_cast(voter=b, clip_id=clip.id, kind="valid")
    clip.refresh_from_db()
    assert (clip.status, clip.status_reason, clip.valid_votes) == ("valid", "votes", 2)
    assert clip.decided_at is not None
    assert PreparedClip.objects.get(clip=clip).state == "queued" and len(callbacks) == 1
    with pytest.raises(Exception) as excinfo:
        services.vote_cast(voter=c, clip_id=clip.id, kind="invalid")
    assert "already been decided" in str(excinfo.value)
    assert Vote.objects.filter(clip=clip).count() == 2


def test_a_deciding_vote_locks_and_reads_once_then_writes_each_row_once_in_one_round_trip(demo_campaign):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from labeling.models import StatusChange

    clip = clip_recorded(demo_campaign)
    first, second = (voter_in_good_standing(demo_campaign) for _ in range(2))
    services.vote_cast(voter=first, clip_id=clip.id, kind="valid")
    services.vote_cast(voter=second, clip_id=clip_recorded(demo_campaign).id, kind="skip")  # consent now remembered
    with CaptureQueriesContext(connection) as queries:
        vote = services.vote_cast(voter=second, clip_id=str(clip.id), kind="valid")
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]
    read, *writes = statements
    assert read.startswith("SELECT") and "FROM collector_clip c" in read
    assert read.rstrip().endswith("FOR UPDATE OF c") or connection.vendor != "postgresql"
    assert len(writes) == (1 if connection.vendor == "postgresql" else 4)  # sqlite3 takes one statement per call
    assert re.findall(r'(INSERT INTO|UPDATE) "(\w+)"', " ".join(writes)) == [
        ("INSERT INTO", "labeling_statuschange"),
        ("INSERT INTO", "training_preparedclip"),
        ("UPDATE", "collector_clip"),
        ("INSERT INTO", "labeling_vote"),
    ]
    stored = Vote.objects.get(pk=vote.pk)
    assert (stored.clip_id, stored.voter_id, stored.kind, stored.weight, stored.created_at) == (
        clip.id,
        second.id,
        "valid",
        1,
        vote.created_at,
    )
    change = StatusChange.objects.get(clip=clip)
    assert (change.from_status, change.to_status, change.cause) == ("pending", "valid", "vote")
    clip.refresh_from_db()
    assert (clip.status, clip.valid_votes, clip.votes_counted, clip.review_lease_until) == ("valid", 2, 2, None)


def test_split_votes_wait_for_a_majority(demo_campaign):
    clip = clip_recorded(demo_campaign)
    voters = [voter_in_good_standing(demo_campaign) for _ in range(3)]
    for voter, kind in zip(voters, ["valid", "invalid", "invalid"]):
        services.vote_cast(voter=voter, clip_id=clip.id, kind=kind, reason="noisy" if kind == "invalid" else "")
    clip.refresh_from_db()
    assert (clip.status, clip.valid_votes, clip.invalid_votes) == ("invalid", 1, 2)
    assert not PreparedClip.objects.exists()


def test_a_tie_at_a_two_vote_cap_is_other(demo_campaign):
    demo_campaign.vote_cap = 2
    demo_campaign.save(update_fields=["vote_cap"])
    clip = clip_recorded(demo_campaign)
    a, b = (voter_in_good_standing(demo_campaign) for _ in range(2))
    services.vote_cast(voter=a, clip_id=clip.id, kind="valid")
    services.vote_cast(voter=b, clip_id=clip.id, kind="invalid")
    clip.refresh_from_db()
    assert clip.status == "other"


def test_skips_and_reports_do_not_count_but_are_never_served_again(demo_campaign):
    clip = clip_recorded(demo_campaign)
    skipper, reporter = (contributor_with_consent(demo_campaign) for _ in range(2))
    services.vote_cast(voter=skipper, clip_id=clip.id, kind="skip")
    services.vote_cast(voter=reporter, clip_id=clip.id, kind="report", reason="offensive")
    clip.refresh_from_db()
    assert (clip.votes_counted, clip.status) == (0, "pending")
    assert services.review_assign_next(voter=skipper, campaign=demo_campaign) is None
    assert services.review_assign_next(voter=reporter, campaign=demo_campaign) is None


API_ERRORS = [
    ("own clip", 403, "not_served", "not served to you"),
    ("not served", 403, "not_served", "not served to you"),
    ("another voter's ticket", 403, "not_served", "not served to you"),
    ("second vote", 409, "already_answered", "already answered"),
    ("deleted by its speaker", 404, "not_found", "no such clip"),
    ("bad kind", 400, "bad_value", "kind must be one of"),
    ("report without reason", 400, "bad_value", "needs a reason"),
    ("other without note", 400, "bad_value", "needs a note"),
    ("unknown reason", 400, "bad_value", "reason must be one of"),
    ("no consent", 403, "consent_required", "consent"),
]


@pytest.mark.parametrize("case, status, code, words", API_ERRORS)
def test_vote_api_errors(demo_campaign, case, status, code, words):
    speaker, reviewer = Client(), Client()
    give_consent(speaker)
    give_consent(reviewer)
    from collector.models import Contributor

    speaker_identity = Contributor.objects.order_by("created_at").first()
    clip = clip_recorded(demo_campaign, contributor=speaker_identity)
    ticket = served(reviewer)["ticket"]
    target, kind, extra, client = clip.id, "valid", {}, reviewer
    if case == "own clip":
        client = speaker  # with a ticket served to someone else: the only kind they can get for their clip
    elif case == "not served":
        target = clip_recorded(demo_campaign, contributor=speaker_identity).id  # a real clip id, never served
    elif case == "another voter's ticket":
        client = Client()
        give_consent(client)
    elif case == "second vote":
        assert vote(reviewer, clip.id, "skip", ticket=ticket).status_code == 201
    elif case == "deleted by its speaker":
        from collector.services import clip_delete

        clip_delete(contributor=speaker_identity, clip_id=clip.id)
    elif case == "bad kind":
        kind = "maybe"
    elif case == "report without reason":
        kind = "report"
    elif case == "other without note":
        kind, extra = "report", {"reason": "other"}
    elif case == "unknown reason":
        kind, extra = "invalid", {"reason": "boring"}
    elif case == "no consent":
        client = Client()
    response = vote(client, target, kind, ticket=ticket, **extra)
    assert response.status_code == status, response.content
    assert response.json()["error"] == code and words in response.json()["detail"]
    assert Vote.objects.count() == (1 if case == "second vote" else 0)


def test_audio_is_heard_only_by_the_voter_it_was_served_to(demo_campaign):
    speaker, reviewer, other = Client(), Client(), Client()
    for client in (speaker, reviewer, other):
        give_consent(client)
    from collector.models import Contributor

    clip = clip_recorded(demo_campaign, contributor=Contributor.objects.order_by("created_at").first())
    audio_url = served(reviewer)["audio_url"]
    heard = reviewer.get(audio_url)
    with clip.audio.open("rb") as f:
        assert heard.status_code == 200 and b"".join(heard.streaming_content) == f.read()
    for client, url in [
        (other, audio_url),  # someone else's ticket
        (reviewer, f"/api/review/clips/{clip.id}/audio/?ticket=forged"),
        (speaker, audio_url),
    ]:
        refused = client.get(url)
        assert refused.status_code == 403 and refused.json()["error"] == "not_served", refused.content
    missing = reviewer.get(f"/api/review/clips/{clip.id}/audio/")
    assert missing.status_code == 403 and missing.json()["error"] == "not_served"


def test_a_new_voter_gets_gold_first_and_is_told_why_their_votes_do_not_count_yet(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE, settings.CHORUS_GOLD_MIN_ANSWERS = 0.0, 2
    pending = clip_recorded(demo_campaign)
    golds = [services.clip_mark_gold(clip_id=clip_recorded(demo_campaign).id, answer="valid") for _ in range(2)]
    newcomer = Client()
    give_consent(newcomer)
    answers = []
    for gold in golds:  # gold clips first, although none is due by the gold share
        clip = served(newcomer)
        assert clip["id"] == str(gold.id) and clip["standing"]["counts"] is False
        assert "once you have answered 2 check clips" in clip["standing"]["reason"]
        answers.append(vote(newcomer, clip["id"], "valid", ticket=clip["ticket"]).json())
    assert [a["counted"] for a in answers] == [False, False]  # gold answers never count toward a decision
    clip = served(newcomer)  # two right: standing earned
    assert clip["id"] == str(pending.id) and clip["standing"]["counts"] is True
    assert vote(newcomer, clip["id"], "valid", ticket=clip["ticket"]).json()["counted"] is True
    pending.refresh_from_db()
    assert (pending.valid_votes, pending.votes_counted, pending.status) == (1, 1, "pending")


def test_votes_from_voters_without_standing_are_kept_with_weight_zero(demo_campaign):
    clip = clip_recorded(demo_campaign)
    newcomers = [contributor_with_consent(demo_campaign) for _ in range(3)]  # many fresh identities, one person
    for voter in newcomers:
        assert services.vote_cast(voter=voter, clip_id=clip.id, kind="valid").weight == 0
    clip.refresh_from_db()
    assert (clip.status, clip.valid_votes, clip.votes_counted) == ("pending", 0, 0)
    assert sorted(Vote.objects.filter(clip=clip).values_list("weight", flat=True)) == [0, 0, 0]


def test_the_one_vote_per_voter_rule_is_a_database_constraint(demo_campaign):
    from django.db import IntegrityError, transaction

    clip = clip_recorded(demo_campaign)
    voter = contributor_with_consent(demo_campaign)
    Vote.objects.create(clip=clip, voter=voter, kind="valid")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(clip=clip, voter=voter, kind="invalid")


def test_reviewer_accounts_vote_without_campaign_consent(demo_campaign):
    from django.contrib.auth import get_user_model

    clip = clip_recorded(demo_campaign)
    user = get_user_model().objects.create_user("rev", password="pw-for-tests-only", is_staff=True)
    client = Client()
    client.force_login(user)
    served = client.get(f"/api/campaigns/{CAMPAIGN}/review/next/")
    assert served.status_code == 200 and served.json()["id"] == str(clip.id) and served.json()["keyword"] == "yes"
    assert set(served.json()) == {"id", "keyword", "duration_s", "audio_url", "ticket", "standing"}
    assert served.json()["standing"]["counts"] is True  # an admin trusts reviewer accounts
    audio = client.get(served.json()["audio_url"])
    with clip.audio.open("rb") as f:
        assert b"".join(audio.streaming_content) == f.read()
    answered = vote(client, clip.id, "invalid", reason="cut_off", ticket=served.json()["ticket"])
    assert answered.status_code == 201 and answered.json()["counted"] is True
    assert Vote.objects.get().voter.user == user


def test_prescreen_invalidates_silent_takes_and_an_admin_can_reverse_it(volunteer, demo_campaign):
    from collector.models import Contributor

    clip = clip_recorded(demo_campaign, contributor=Contributor.objects.get(), amplitude=0.002)
    assert (clip.status, clip.status_reason) == ("invalid", "automatic")
    reviewer = contributor_with_consent(demo_campaign)
    assert services.review_assign_next(voter=reviewer, campaign=demo_campaign) is None
    services.clip_reverse_prescreen(clip_id=clip.id)
    clip.refresh_from_db()
    assert clip.status == "pending"
    assert services.review_assign_next(voter=reviewer, campaign=demo_campaign).id == clip.id


def test_prescreen_catches_clips_with_too_little_voiced_audio(demo_campaign):
    import numpy as np

    from collector import services as collector_services
    from tests.audio_factory import wav_bytes

    blip = np.zeros(16_000, dtype=np.float32)
    blip[8000 : 8000 + 1600] = 0.5 * np.sin(
        np.arange(1600) * 0.3
    )  # 0.1 s of sound: loud enough, too short to be a word
    clip = collector_services.clip_create(
        contributor=contributor_with_consent(demo_campaign),
        campaign=demo_campaign,
        keyword_text="go",
        audio=wav_bytes(blip),
        max_bytes=10**7,
    )
    assert clip.voiced_duration_s < 0.2 and not clip.too_quiet
    assert (clip.status, clip.status_reason) == ("invalid", "automatic")


def test_my_data_shows_each_clip_state_and_the_reasons_reviewers_gave(volunteer, demo_campaign):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from collector.models import Contributor

    me = Contributor.objects.get()
    rejected = clip_recorded(demo_campaign, contributor=me, keyword="up")
    silent = clip_recorded(demo_campaign, contributor=me, keyword="down", amplitude=0.001)
    clip_recorded(demo_campaign, contributor=me, keyword="left")
    for reason in ["noisy", "noisy"]:
        services.vote_cast(
            voter=voter_in_good_standing(demo_campaign), clip_id=rejected.id, kind="invalid", reason=reason
        )
    with CaptureQueriesContext(connection) as queries:
        listed = {c["keyword"]: c for c in volunteer.get("/api/me/clips/").json()}
    assert len(queries.captured_queries) <= 4  # no query per clip
    assert listed["up"]["status"] == "invalid" and listed["up"]["review_reasons"] == [
        {"reason": "noisy", "label": "Noisy", "count": 2}
    ]
    assert (listed["down"]["status"], listed["down"]["status_reason"]) == ("invalid", "automatic")
    assert (listed["left"]["status"], listed["left"]["review_reasons"]) == ("pending", [])
    assert silent.id


def test_a_reviewer_account_in_a_browser_that_recorded_is_one_person(volunteer, demo_campaign):
    from django.contrib.auth import get_user_model

    from collector.models import Contributor

    me = Contributor.objects.get()
    clip_recorded(demo_campaign, contributor=me)
    volunteer.force_login(get_user_model().objects.create_user("me-too", password="pw-for-tests-only", is_staff=True))
    assert volunteer.get(f"/api/campaigns/{CAMPAIGN}/review/next/").status_code == 204  # my own clip is not served
    me.refresh_from_db()
    assert me.user.username == "me-too"
