"""Serving tickets: a voter may hear and answer only the clips the queue served to them.

A ticket is a signed (clip, voter) pair issued with each served clip, so checking it costs no query and
serving writes nothing more than the lease it writes already.
"""

from __future__ import annotations

from django.core import signing
from django.utils.translation import gettext

from core.errors import ApplicationError

TICKET_MAX_AGE_S = 24 * 3600  # long enough for a clip left open in a tab overnight
_SALT = "chorus.review.served"


class NotServed(ApplicationError):
    status_code = 403
    code = "not_served"


def ticket_issue(*, clip_id, voter_id) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{clip_id}:{voter_id}")


def ticket_check(*, ticket: str, clip_id, voter_id) -> None:
    """Raise NotServed unless `ticket` was issued for this clip to this voter, less than a day ago."""
    try:
        served = signing.TimestampSigner(salt=_SALT).unsign(ticket or "", max_age=TICKET_MAX_AGE_S)
    except signing.SignatureExpired:
        raise NotServed(gettext("this clip was served to you more than a day ago: ask for the next clip")) from None
    except signing.BadSignature:
        served = None
    if served != f"{clip_id}:{voter_id}":
        raise NotServed(
            gettext(
                "this clip was not served to you: reviewers hear and answer the clips the review queue gives them "
                "(GET /api/campaigns/<campaign>/review/next/), with the ticket that comes with each"
            )
        )
