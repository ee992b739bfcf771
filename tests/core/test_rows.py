"""The raw single-row helpers of the review hot path write and load exactly what the ORM would."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.base import DEFERRED
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collector.models import Campaign, Clip
from core.rows import insert_statement, instance_inserted, instance_loaded, statements_run, update_statement
from preparation.models import PreparedClip
from tests.factories import clip_recorded

pytestmark = pytest.mark.django_db


def row_insert(instance, **options) -> bool:
    row = statements_run([insert_statement(instance, **options)])
    if row is not None:
        instance_inserted(instance, row[0])
    return row is not None


def test_insert_statement_stores_what_create_stores(demo_campaign):
    raw_clip, orm_clip = clip_recorded(demo_campaign), clip_recorded(demo_campaign)
    before = timezone.now()
    raw = PreparedClip(clip_id=raw_clip.id)
    assert row_insert(raw) is True
    orm = PreparedClip.objects.create(clip=orm_clip)
    assert raw.pk is not None and not raw._state.adding
    stored_raw, stored_orm = PreparedClip.objects.get(pk=raw.pk), PreparedClip.objects.get(pk=orm.pk)
    differ = {"id", "clip"}
    assert {k: v for k, v in model_to_dict(stored_raw).items() if k not in differ} == {
        k: v for k, v in model_to_dict(stored_orm).items() if k not in differ
    }
    assert stored_raw.cleaning_params == {} and stored_raw.state == "queued"  # JSON and defaults as the ORM writes them
    assert before <= stored_raw.enqueued_at == raw.enqueued_at <= timezone.now()  # auto_now_add set on the instance too
    assert stored_raw.clip_id == raw_clip.id


def test_insert_statement_ignoring_conflicts_leaves_the_existing_row(demo_campaign):
    clip = clip_recorded(demo_campaign)
    first = PreparedClip(clip_id=clip.id, state="done")
    row_insert(first)
    assert row_insert(PreparedClip(clip_id=clip.id), ignore_conflicts=True) is False
    assert list(PreparedClip.objects.filter(clip=clip).values_list("id", "state")) == [(first.pk, "done")]


def test_update_statement_changes_only_the_given_fields(demo_campaign):
    clip, other = clip_recorded(demo_campaign), clip_recorded(demo_campaign)
    until = timezone.now() + timedelta(seconds=30)
    statements_run(
        [update_statement(Clip, str(clip.id), {"valid_votes": 2, "votes_counted": 2, "review_lease_until": until})]
    )
    stored = Clip.objects.get(id=clip.id)
    assert (
        stored.valid_votes,
        stored.votes_counted,
        stored.review_lease_until,
        stored.invalid_votes,
        stored.status,
    ) == (2, 2, until, 0, "pending")
    untouched = Clip.objects.get(id=other.id)
    assert (untouched.valid_votes, untouched.review_lease_until) == (0, None)
    statements_run([update_statement(Clip, "00000000-0000-0000-0000-000000000000", {"valid_votes": 7})])
    assert not Clip.objects.filter(valid_votes=7).exists()


def test_statements_run_in_order_in_one_query_and_return_the_last_row(demo_campaign):
    clip = clip_recorded(demo_campaign)
    prepared = PreparedClip(clip_id=clip.id)
    with CaptureQueriesContext(connection) as queries:
        row = statements_run(
            [
                update_statement(Clip, clip.id, {"valid_votes": 2}),
                update_statement(Clip, clip.id, {"votes_counted": 3}),
                insert_statement(prepared),
            ]
        )
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)  # one round trip where the driver allows
    assert PreparedClip.objects.get(clip=clip).pk == row[0]
    assert Clip.objects.filter(id=clip.id).values_list("valid_votes", "votes_counted").get() == (2, 3)


def test_statements_run_stops_at_the_first_failure_and_the_transaction_undoes_the_rest(demo_campaign):
    clip = clip_recorded(demo_campaign)
    PreparedClip.objects.create(clip=clip, state="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        statements_run(
            [
                update_statement(Clip, clip.id, {"valid_votes": 2}),
                insert_statement(PreparedClip(clip_id=clip.id)),
                update_statement(Clip, clip.id, {"votes_counted": 3}),
            ]
        )
    assert Clip.objects.filter(id=clip.id).values_list("valid_votes", "votes_counted").get() == (0, 0)
    assert list(PreparedClip.objects.filter(clip=clip).values_list("state", flat=True)) == ["done"]


def test_instance_loaded_defers_the_fields_it_was_not_given(demo_campaign, django_assert_num_queries):
    campaign = instance_loaded(Campaign, vote_cap=3, id=demo_campaign.id, name="as read")  # any order
    assert (campaign.pk, campaign.name, campaign.vote_cap) == (demo_campaign.id, "as read", 3)
    assert "slug" in campaign.get_deferred_fields() and campaign.__dict__.get("slug", DEFERRED) is DEFERRED
    with django_assert_num_queries(1):  # a deferred field loads on first use, as with .only()
        assert campaign.slug == demo_campaign.slug
