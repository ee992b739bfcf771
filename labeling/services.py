"""Every write of the review flow: serving clips, casting votes, gold scoring and re-evaluation."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from collector.models import Campaign, Clip, Contributor, Keyword, Language
from collector.selectors import consent_is_current
from collector.signals import clips_validated_statements
from core.errors import ApplicationError, Conflict, ConsentRequired, NotFound
from core.pseudonyms import new_token, token_sha256
from core.rows import (
    Statement,
    db_value,
    insert_statement,
    instance_inserted,
    instance_loaded,
    statements_run,
    update_statement,
)
from core.task_queue import task_enqueue
from labeling import rules
from labeling.models import ReviewerStats, ReviewValue, StatusChange, Vote
from labeling.standing import Standing, voter_standing

REEVALUATE_REVIEWER_TASK = "labeling.reevaluate_reviewer"
MODEL_DISAGREES = "model_disagrees"  # the cause of a clip sent back to review because the label-error finder doubts it
SEND_BACK_CHUNK = 500
# Served before the rest: clips whose keyword the model gives less than 0.8 (it hears another word, or is unsure)
SERVE_FIRST_VALUE = 0.2
MODEL_DECIDED = "votes_and_model"  # status_reason of a clip one trusted vote and the agreeing model decided
VOTE_KINDS = {Vote.Kind.VALID, Vote.Kind.INVALID}
REASONS = {choice.value for choice in Vote.Reason}


class NotYourClip(ApplicationError):
    status_code = 403
    code = "own_clip"


def is_reviewer_account(user) -> bool:
    """Logged-in staff, or accounts granted labeling.add_vote, review without a volunteer consent."""
    return bool(user and user.is_authenticated and (user.is_staff or user.has_perm("labeling.add_vote")))


def reviewer_contributor(*, user, cookie_contributor: Contributor | None = None) -> Contributor:
    """The contributor identity behind a logged-in reviewer account.

    A reviewer who also recorded as a volunteer in this browser is one person: the volunteer identity
    is linked to the account on first use, so they are never served their own clips.
    """
    contributor = Contributor.objects.filter(user=user).first()
    if contributor is not None:
        return contributor
    if cookie_contributor is not None and cookie_contributor.user_id is None:
        cookie_contributor.user = user
        cookie_contributor.save(update_fields=["user"])
        return cookie_contributor
    return Contributor.objects.create(user=user, token_sha256=token_sha256(new_token()))


def voter_required(voter: Contributor | None) -> Contributor:
    if voter is None:
        raise ConsentRequired(
            gettext("to review clips, accept a campaign's consent form first or log in with a reviewer account")
        )
    return voter


def voter_check_campaign(*, voter: Contributor | None, campaign: Campaign, reviewer_account: bool) -> Contributor:
    voter = voter_required(voter)
    if not reviewer_account and not consent_is_current(contributor=voter, campaign=campaign):
        raise ConsentRequired(
            gettext(
                "you have not accepted the current consent form for '%(campaign)s'; "
                "accept it at /c/%(slug)s/consent/ to review"
            )
            % {"campaign": campaign.name, "slug": campaign.slug}
        )
    return voter


def _is_trusted(*, contributor_id, stats: ReviewerStats | None, reviewer_account: bool | None = None) -> bool:
    if stats is not None and stats.trusted:
        return True
    if reviewer_account is None:  # not known from the request: the account behind the identity decides
        contributor = Contributor.objects.select_related("user").filter(id=contributor_id).first()
        reviewer_account = bool(contributor and is_reviewer_account(contributor.user))
    return reviewer_account


def standing_of(*, voter: Contributor, reviewer_account: bool | None = None) -> Standing:
    """Whether this voter's votes count now, and the sentence that tells them why (labeling/standing.py)."""
    stats = ReviewerStats.objects.filter(reviewer_id=voter.id).first()
    return voter_standing(
        trusted=_is_trusted(contributor_id=voter.id, stats=stats, reviewer_account=reviewer_account),
        gold_answered=stats.gold_answered if stats else 0,
        gold_correct=stats.gold_correct if stats else 0,
    )


# The next clip, picked and leased in one statement. First the pending clips the model doubts most (a review value
# of at least SERVE_FIRST_VALUE, highest first, walking the index review_value_queue); when none is left, pending,
# non-gold clips of the campaign in queue order (most counted votes first, then oldest) on the partial index
# clip_review_queue. COALESCE runs the second walk only when the first finds nothing. Each NOT EXISTS probe is an
# index-only lookup on the unique (clip, voter) index of votes. The statement runs on its own (autocommit): one
# round trip, and it returns the clip with its keyword's text.
_PICK_AND_LEASE = """UPDATE collector_clip SET review_lease_until = %(lease_until)s
WHERE id = COALESCE((
    SELECT c.id FROM labeling_reviewvalue r JOIN collector_clip c ON c.id = r.clip_id
    WHERE r.campaign_id = %(campaign)s AND r.value >= %(serve_first)s
      AND c.status = 'pending' AND NOT c.is_gold
      AND c.contributor_id <> %(voter)s
      AND ({lease_filter})
      AND NOT EXISTS (SELECT 1 FROM labeling_vote v WHERE v.clip_id = c.id AND v.voter_id = %(voter)s)
    ORDER BY r.value DESC
    LIMIT 1{lock}
), (
    SELECT c.id FROM collector_clip c
    WHERE c.campaign_id = %(campaign)s AND c.status = 'pending' AND NOT c.is_gold
      AND c.contributor_id <> %(voter)s
      AND ({lease_filter})
      AND NOT EXISTS (SELECT 1 FROM labeling_vote v WHERE v.clip_id = c.id AND v.voter_id = %(voter)s)
    ORDER BY c.votes_counted DESC, c.created_at ASC
    LIMIT 1{lock}
))
RETURNING *, (SELECT k.text FROM collector_keyword k WHERE k.id = collector_clip.keyword_id) AS keyword_text
"""


# A gold clip this reviewer has not answered (oldest first, on the partial index clip_gold_queue). Gold
# clips are served to everyone, so none is leased or locked.
_GOLD_NEXT = """SELECT c.*, k.text AS keyword_text FROM collector_clip c JOIN collector_keyword k ON k.id = c.keyword_id
WHERE c.campaign_id = %(campaign)s AND c.is_gold AND c.contributor_id <> %(voter)s
  AND NOT EXISTS (SELECT 1 FROM labeling_vote v WHERE v.clip_id = c.id AND v.voter_id = %(voter)s)
ORDER BY c.created_at ASC
LIMIT 1
"""


def _clip_served(sql: str, params: dict) -> Clip | None:
    """The clip a queue statement returns, with the keyword text it read alongside."""
    clip = next(iter(Clip.objects.raw(sql, params)), None)
    if clip is not None:
        clip.keyword = instance_loaded(Keyword, id=clip.keyword_id, text=clip.keyword_text)
    return clip


def review_assign_next(
    *, voter: Contributor, campaign: Campaign, rng: random.Random | None = None, standing: Standing | None = None
) -> Clip | None:
    """The next clip for this reviewer, picked and leased by one indexed statement.

    Pending clips the model doubts come first (a review value of at least SERVE_FIRST_VALUE, highest first: the
    model hears another word, or is unsure), then pending clips nearest a decision (most counted votes), then the
    oldest. A served clip is
    leased for a few seconds so concurrent reviewers spread across clips; when every candidate is
    leased, reviewers share. A voter whose votes do not count yet gets gold clips first (they earn standing
    on them); others get one now and then.
    """
    rng = rng or random.Random()
    voter_id = db_value(Contributor._meta.pk, voter.id)
    gold_first = standing is not None and not standing.counts
    if (gold_first or rng.random() < settings.CHORUS_GOLD_SHARE) and (
        gold := _clip_served(_GOLD_NEXT, {"campaign": campaign.id, "voter": voter_id})
    ):
        return gold
    now = timezone.now()
    lease_field = Clip._meta.get_field("review_lease_until")
    params = {
        "lease_until": db_value(lease_field, now + timedelta(seconds=settings.CHORUS_REVIEW_LEASE_S)),
        "now": db_value(lease_field, now),
        "campaign": campaign.id,
        "voter": voter_id,
        "serve_first": SERVE_FIRST_VALUE,
    }
    lock = " FOR UPDATE OF c SKIP LOCKED" if connection.vendor == "postgresql" else ""
    # when every candidate is leased, share one rather than serve nothing
    for lease_filter in ("c.review_lease_until IS NULL OR c.review_lease_until < %(now)s", "TRUE"):
        if clip := _clip_served(_PICK_AND_LEASE.format(lease_filter=lease_filter, lock=lock), params):
            return clip
    return None


def _validate_answer(kind: str, reason: str, note: str) -> None:
    if kind not in Vote.Kind.values:
        raise ApplicationError(
            gettext("kind must be one of %(kinds)s, not %(kind)s")
            % {"kinds": ", ".join(Vote.Kind.values), "kind": repr(kind)},
            code="bad_value",
        )
    if reason and reason not in REASONS:
        raise ApplicationError(
            gettext("reason must be one of %(reasons)s, not %(reason)s")
            % {"reasons": ", ".join(sorted(REASONS)), "reason": repr(reason)},
            code="bad_value",
        )
    if kind == Vote.Kind.REPORT and not reason:
        raise ApplicationError(gettext("a report needs a reason"), code="bad_value")
    if reason and kind not in (Vote.Kind.INVALID, Vote.Kind.REPORT):
        raise ApplicationError(gettext("only 'invalid' answers and reports carry a reason"), code="bad_value")
    if reason == Vote.Reason.OTHER and not note.strip():
        raise ApplicationError(gettext("reason 'other' needs a note saying what is wrong"), code="bad_value")
    if len(note) > 500:
        raise ApplicationError(gettext("the note is longer than 500 characters"), code="bad_value")


# a decided clip leaves the queue's first walk; the model's reading stays for re-evaluation under the optional rule
_REVIEW_VALUE_SPENT = 'UPDATE "labeling_reviewvalue" SET "value" = NULL WHERE "clip_id" = %s'


def _decision_writes(
    *,
    clip_id,
    status: str,
    valid: int,
    invalid: int,
    vote_cap: int,
    cause: str,
    trusted_kind: str | None = None,
    label_probability: float | None = None,
) -> tuple[list[Statement], dict]:
    """The writes that store a locked clip's counted votes and the rule's decision on them.

    With CHORUS_TRUSTED_VOTE_WITH_MODEL on, `trusted_kind` (the answer of a counted, trusted vote) and the model's
    `label_probability` may decide a clip the vote rule leaves pending (rules.decide_with_model).

    Returns the inserts (a change of status is logged; a clip becoming valid enters the preparation
    pipeline; a decided clip leaves the model-first walk) and the clip's new field values, which the caller UPDATEs
    together with any of its own.
    """
    decision, by_model = rules.decide_with_model(
        valid,
        invalid,
        vote_cap,
        trusted_kind=trusted_kind if settings.CHORUS_TRUSTED_VOTE_WITH_MODEL else None,
        label_probability=label_probability,
        confident=settings.CHORUS_MODEL_CONFIDENT,
    )
    values = {"valid_votes": valid, "invalid_votes": invalid, "votes_counted": valid + invalid}
    inserts = []
    reason = MODEL_DECIDED if by_model else "votes"
    if decision != status:
        inserts.append(
            insert_statement(
                StatusChange(
                    clip_id=clip_id,
                    from_status=status,
                    to_status=decision,
                    cause=f"{cause}_and_model" if by_model else cause,
                )
            )
        )
        values.update(
            status=decision,
            status_reason=reason if decision != rules.PENDING else "",
            decided_at=timezone.now() if decision != rules.PENDING else None,
        )
        if decision == rules.VALID:
            inserts.extend(clips_validated_statements(clip_ids=[clip_id]))
        if decision != rules.PENDING and label_probability is not None:  # the clip has a review value
            inserts.append((_REVIEW_VALUE_SPENT, [db_value(Clip._meta.pk, clip_id)]))
    return inserts, values


def vote_cast(
    *, voter: Contributor | None, clip_id, kind: str, reason: str = "", note: str = "", reviewer_account: bool = False
) -> Vote:
    """One answer from one voter on one clip; the clip row lock serializes concurrent votes on it."""
    _validate_answer(kind, reason, note)
    try:
        with transaction.atomic():
            return _vote_cast_locked(
                voter=voter, clip_id=clip_id, kind=kind, reason=reason, note=note, reviewer_account=reviewer_account
            )
    except IntegrityError:
        raise Conflict(gettext("you have already answered this clip"), code="already_answered") from None


# Everything a vote needs, read in one statement that takes the clip's row lock: the clip's state and
# counters, the campaign's consent terms and vote cap, the voter's gold record and trust (their standing), and
# the model's reading of the clip (its review value, for the optional rule).
# The vote path is raw SQL because the ORM spent longer building its statements than the database
# spent running them.
_LOCK_FOR_VOTE = """SELECT c.status, c.is_gold, c.gold_answer, c.contributor_id, c.valid_votes, c.invalid_votes,
    s.gold_answered, s.gold_correct, s.trusted,
    cp.id, cp.slug, cp.name, cp.licence, cp.vote_cap, cp.kind, cp.language_id, l.name, r.label_probability
FROM collector_clip c
JOIN collector_campaign cp ON cp.id = c.campaign_id
JOIN collector_language l ON l.id = cp.language_id
LEFT JOIN labeling_reviewerstats s ON s.reviewer_id = %(voter)s
LEFT JOIN labeling_reviewvalue r ON r.clip_id = c.id
WHERE c.id = %(clip)s{lock}"""


def _vote_cast_locked(*, voter, clip_id, kind, reason, note, reviewer_account) -> Vote:
    clip_id = Clip._meta.pk.to_python(clip_id)
    params = {
        "clip": db_value(Clip._meta.pk, clip_id),
        "voter": db_value(Contributor._meta.pk, getattr(voter, "id", None)),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _LOCK_FOR_VOTE.format(lock=" FOR UPDATE OF c" if connection.vendor == "postgresql" else ""), params
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(gettext("no such clip (it may have been deleted by its speaker)"))
    (
        status,
        is_gold,
        gold_answer,
        contributor_id,
        valid,
        invalid,
        gold_answered,
        gold_correct,
        trusted,
        campaign_id,
        slug,
        name,
        licence,
        vote_cap,
        campaign_kind,
        language_id,
        language,
        label_probability,
    ) = row
    # the consent terms a vote is checked against name the campaign's kind (a phrase or a word, and its length)
    campaign = instance_loaded(
        Campaign,
        id=campaign_id,
        slug=slug,
        name=name,
        licence=licence,
        vote_cap=vote_cap,
        kind=campaign_kind,
        language_id=language_id,
    )
    campaign.language = instance_loaded(Language, id=language_id, name=language)
    voter_check_campaign(voter=voter, campaign=campaign, reviewer_account=reviewer_account)
    if contributor_id == params["voter"]:  # both as the database holds them
        raise NotYourClip(gettext("you cannot review your own recordings"))
    if status != Clip.Status.PENDING and not is_gold:
        raise Conflict(gettext("this clip has already been decided"), code="already_decided")
    trusted = bool(trusted) or reviewer_account
    standing = voter_standing(trusted=trusted, gold_answered=gold_answered or 0, gold_correct=gold_correct or 0)
    weight = standing.weight
    vote = Vote(clip_id=clip_id, voter=voter, kind=kind, reason=reason, note=note.strip(), weight=weight)
    if is_gold and kind in VOTE_KINDS:
        _gold_record(voter=voter, correct=kind == gold_answer, reviewer_account=reviewer_account)
    writes, clip_values = [], {"review_lease_until": None}  # answered: the lease has done its job
    if not is_gold and kind in VOTE_KINDS and weight:
        valid, invalid = valid + (kind == Vote.Kind.VALID), invalid + (kind == Vote.Kind.INVALID)
        writes, decided = _decision_writes(
            clip_id=clip_id,
            status=status,
            valid=valid,
            invalid=invalid,
            vote_cap=vote_cap,
            cause="vote",
            trusted_kind=kind if trusted else None,
            label_probability=label_probability,
        )
        clip_values.update(decided)
    # All the writes in one round trip, the vote's last for the key it returns. A second answer by the same
    # voter fails on the unique constraint, undoing the rest: vote_cast turns it into a 409.
    row = statements_run([*writes, update_statement(Clip, clip_id, clip_values), insert_statement(vote)])
    instance_inserted(vote, row[0])
    return vote


def _gold_record(*, voter: Contributor, correct: bool, reviewer_account: bool) -> None:
    stats, _ = ReviewerStats.objects.select_for_update().get_or_create(reviewer=voter)
    stats.gold_answered += 1
    stats.gold_correct += int(correct)
    _standing_store(stats, reviewer_account=reviewer_account)


def _standing_store(stats: ReviewerStats, *, reviewer_account: bool | None = None) -> None:
    """Save a locked stats row with the standing it now gives; a change re-weighs the voter's votes (worker)."""
    counts = voter_standing(
        trusted=_is_trusted(contributor_id=stats.reviewer_id, stats=stats, reviewer_account=reviewer_account),
        gold_answered=stats.gold_answered,
        gold_correct=stats.gold_correct,
    ).counts
    reweigh = counts != stats.counts
    stats.counts = counts
    stats.save(update_fields=["gold_answered", "gold_correct", "counts", "trusted", "updated_at"])
    if reweigh and Vote.objects.filter(voter_id=stats.reviewer_id, clip__is_gold=False).exists():
        reviewer_id = str(stats.reviewer_id)
        transaction.on_commit(lambda: task_enqueue(REEVALUATE_REVIEWER_TASK, args=[reviewer_id]))


@transaction.atomic
def reviewer_trust_set(*, reviewer_id, trusted: bool) -> ReviewerStats:
    """An admin trusts a voter (their votes count before they answer gold), or stops trusting them."""
    stats, _ = ReviewerStats.objects.select_for_update().get_or_create(reviewer_id=reviewer_id)
    stats.trusted = trusted
    _standing_store(stats)
    return stats


def _trusted_kind(*, clip_id) -> str | None:
    """The answer of a counted vote on the clip from a trusted reviewer (an admin's trust or a reviewer account)."""
    votes = Vote.objects.filter(clip_id=clip_id, weight__gt=0, superseded=False, kind__in=VOTE_KINDS).select_related(
        "voter__reviewer_stats", "voter__user"
    )
    for vote in votes:
        stats = getattr(vote.voter, "reviewer_stats", None)
        if vote.voter is not None and ((stats is not None and stats.trusted) or is_reviewer_account(vote.voter.user)):
            return vote.kind
    return None


def reviewer_reevaluate(*, reviewer_id) -> int:
    """Give the reviewer's votes their current weight and re-decide every clip they voted on.

    Returns the number of clips whose status changed. Clips decided by an admin or the pre-screen
    are left alone.
    """
    stats = ReviewerStats.objects.filter(reviewer_id=reviewer_id).only("counts").first()
    # the standing stored when it last changed (the change that queued this), else the rule's answer now
    weight = int(stats.counts) if stats else standing_of(voter=Contributor(id=reviewer_id)).weight
    clip_ids = list(Vote.objects.filter(voter_id=reviewer_id, clip__is_gold=False).values_list("clip_id", flat=True))
    changed = 0
    for clip_id in clip_ids:
        with transaction.atomic():
            clip = Clip.objects.select_for_update(of=("self",)).select_related("campaign").get(id=clip_id)
            Vote.objects.filter(voter_id=reviewer_id, clip=clip).update(weight=weight)
            if clip.status_reason not in ("", "votes", MODEL_DECIDED):
                continue
            totals = (
                Vote.objects.filter(clip=clip, weight__gt=0, superseded=False).values("kind").annotate(n=Sum("weight"))
            )
            by_kind = {row["kind"]: row["n"] for row in totals}
            label_probability = (
                ReviewValue.objects.filter(clip_id=clip.id).values_list("label_probability", flat=True).first()
            )
            inserts, values = _decision_writes(
                clip_id=clip.id,
                status=clip.status,
                valid=by_kind.get(Vote.Kind.VALID, 0),
                invalid=by_kind.get(Vote.Kind.INVALID, 0),
                vote_cap=clip.campaign.vote_cap,
                cause="reevaluation",
                trusted_kind=_trusted_kind(clip_id=clip.id) if label_probability is not None else None,
                label_probability=label_probability,
            )
            statements_run([*inserts, update_statement(Clip, clip.id, values)])
            changed += "status" in values
    return changed


@transaction.atomic
def clip_mark_gold(*, clip_id, answer: str) -> Clip:
    if answer not in VOTE_KINDS:
        raise ApplicationError("a gold answer is 'valid' or 'invalid'", code="bad_value")
    clip = Clip.objects.select_for_update().get(id=clip_id)
    clip.is_gold, clip.gold_answer = True, answer
    clip.save(update_fields=["is_gold", "gold_answer"])
    return clip


@transaction.atomic
def clip_reverse_prescreen(*, clip_id) -> Clip:
    """An admin overrules the automatic pre-screen: the clip goes back to review."""
    clip = Clip.objects.select_for_update().get(id=clip_id)
    if clip.status_reason != "automatic":
        raise ApplicationError("only clips invalidated automatically can be sent back to review", code="bad_value")
    StatusChange.objects.create(clip=clip, from_status=clip.status, to_status=Clip.Status.PENDING, cause="admin")
    clip.status, clip.status_reason, clip.decided_at = Clip.Status.PENDING, "", None
    clip.save(update_fields=["status", "status_reason", "decided_at"])
    return clip


def clips_send_back_to_review(*, clip_ids: list, cause: str) -> list:
    """Valid clips go back to the review queue, decided afresh by the same rule. The votes that decided them stay
    as a record but stop counting (superseded), and their voters are not served the clip again, so fresh ears
    decide it and can overturn the earlier decision. Gold and synthetic clips (valid without review), and clips no
    longer valid, are left as they are. A clip's preparation row stays: training and releases take valid clips
    only, and a clip decided valid again is used as prepared before. Returns the ids sent back."""
    sent = []
    for start in range(0, len(clip_ids), SEND_BACK_CHUNK):
        with transaction.atomic():
            ids = list(
                Clip.objects.select_for_update(of=("self",))
                .filter(
                    id__in=clip_ids[start : start + SEND_BACK_CHUNK],
                    status=Clip.Status.VALID,
                    is_gold=False,
                    synthetic=False,
                )
                .order_by("id")
                .values_list("id", flat=True)
            )
            StatusChange.objects.bulk_create(
                [StatusChange(clip_id=i, from_status=rules.VALID, to_status=rules.PENDING, cause=cause) for i in ids]
            )
            Vote.objects.filter(clip_id__in=ids, superseded=False).update(superseded=True)
            Clip.objects.filter(id__in=ids).update(
                status=Clip.Status.PENDING,
                status_reason="",
                decided_at=None,
                valid_votes=0,
                invalid_votes=0,
                votes_counted=0,
                review_lease_until=None,
            )
        sent.extend(ids)
    return sent


def review_values_store(*, campaign: Campaign, label_probabilities: dict) -> int:
    """The model's reading of a campaign's pending clips (clip id -> its probability that the clip is its keyword)
    as the review values the queue serves by: 1 - that probability, highest first. A clip no longer pending (decided
    or erased meanwhile) gets none; a clip read before is read afresh. Returns the number stored."""
    stored = 0
    ids = list(label_probabilities)
    for start in range(0, len(ids), SEND_BACK_CHUNK):
        with transaction.atomic():
            pending = Clip.objects.filter(
                id__in=ids[start : start + SEND_BACK_CHUNK],
                campaign=campaign,
                status=Clip.Status.PENDING,
                is_gold=False,
            ).values_list("id", flat=True)
            rows = [
                ReviewValue(
                    clip_id=clip_id,
                    campaign=campaign,
                    label_probability=float(label_probabilities[clip_id]),
                    value=1.0 - float(label_probabilities[clip_id]),
                )
                for clip_id in pending
            ]
            ReviewValue.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["clip"],
                update_fields=["label_probability", "value", "computed_at"],
            )
            stored += len(rows)
    return stored
