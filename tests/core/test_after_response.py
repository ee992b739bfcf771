"""Work deferred until the response is delivered: when it runs, and that the vote path's broker nudge is such work."""

import json
import logging
import secrets
from io import BytesIO

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client

from collector.models import Contributor
from core.after_response import after_response, request_begin, request_end
from labeling import services
from preparation.models import PreparedClip
from preparation.services import BATCH_SCHEDULED_KEY, PREPARE_BATCH_TASK
from tests.conftest import give_consent
from tests.factories import clip_recorded, voter_in_good_standing


def test_deferred_work_waits_for_the_end_of_the_request_and_runs_at_once_outside_one():
    done = []
    after_response(lambda: done.append("no request"))
    assert done == ["no request"]
    request_begin()
    after_response(lambda: done.append("first"))
    after_response(lambda: done.append("second"))
    assert done == ["no request"]
    request_end()
    assert done == ["no request", "first", "second"]
    after_response(lambda: done.append("after"))  # the request is over: at once again
    assert done[-1] == "after"


def test_a_failing_deferred_call_is_logged_and_the_rest_still_run(caplog):
    done = []
    request_begin()
    after_response(lambda: 1 / 0)
    after_response(lambda: done.append("ran"))
    with caplog.at_level(logging.ERROR, logger="core.after_response"):
        request_end()
    assert done == ["ran"]
    assert "failed after the response was sent" in caplog.text and "ZeroDivisionError" in caplog.text


def test_work_left_by_a_response_never_closed_runs_when_the_next_request_begins():
    done = []
    request_begin()
    after_response(lambda: done.append("left over"))
    request_begin()  # no request_end came
    assert done == ["left over"]
    request_end()
    assert done == ["left over"]


@pytest.mark.django_db(transaction=True)  # the vote commits for real, inside the request
def test_a_vote_making_a_clip_valid_schedules_preparation_only_once_its_response_is_delivered(demo_campaign):
    clip = clip_recorded(demo_campaign)
    services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=clip.id, kind="valid")
    reviewer = Client()
    give_consent(reviewer)
    services.reviewer_trust_set(reviewer_id=Contributor.objects.latest("created_at").id, trusted=True)
    ticket = reviewer.get(f"/api/campaigns/{demo_campaign.slug}/review/next/").json()["ticket"]
    body, csrf = json.dumps({"kind": "valid", "ticket": ticket}).encode(), secrets.token_hex(16)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/api/review/clips/{clip.id}/votes/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": BytesIO(body),
        "wsgi.url_scheme": "http",
        "HTTP_X_CSRFTOKEN": csrf,
        "HTTP_COOKIE": (
            f"{settings.CHORUS_CONTRIBUTOR_COOKIE}={reviewer.cookies[settings.CHORUS_CONTRIBUTOR_COOKIE].value}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf}"
        ),
    }
    statuses, published = [], []

    def record(sender=None, **_):  # Celery's own hook, called as the message goes to the broker
        published.append(sender)

    before_task_publish.connect(record, weak=False)
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    try:
        delivered = b"".join(response)  # what a WSGI server sends, before it closes the response
        assert statuses == ["201 Created"] and json.loads(delivered)["kind"] == "valid"
        assert PreparedClip.objects.get(clip=clip).state == "queued"  # committed before the answer went out
        assert cache.get(BATCH_SCHEDULED_KEY) is None  # but the broker was not called while the reviewer waited
        assert published == []
    finally:
        response.close()
        before_task_publish.disconnect(record)
    # a preparation batch is on its way (a worker of the session may already have taken it, clearing the key)
    assert published == [PREPARE_BATCH_TASK]
