"""Short leases kept alive while a worker lives: a claim of a SIGKILLed worker is free again within one lease.

A live worker renews its claims every third of the lease from a thread of its own, so a batch may run for
as long as it needs; a dead worker renews nothing, and its claims expire within CHORUS_PREPARE_LEASE_S.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from preparation.models import PreparedClip

logger = logging.getLogger(__name__)


def leases_renew(*, claims: list[tuple[int, int]]) -> int:
    """Extend the leases of the claims this worker still holds (same attempt); returns how many it renewed."""
    lease_until = timezone.now() + timedelta(seconds=settings.CHORUS_PREPARE_LEASE_S)
    renewed = 0
    for attempt in {a for _, a in claims}:
        ids = [prep_id for prep_id, a in claims if a == attempt]
        renewed += PreparedClip.objects.filter(id__in=ids, attempts=attempt, state=PreparedClip.State.RUNNING).update(
            lease_until=lease_until
        )
    return renewed


@contextmanager
def leases_kept(*, claims: list[tuple[int, int]]) -> Iterator[None]:
    """Renew `claims` every third of the lease until the block ends."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.CHORUS_PREPARE_LEASE_S / 3):
                try:
                    leases_renew(claims=claims)
                except Exception:  # a missed beat costs at most this batch's claims, never the batch itself
                    logger.warning("could not renew the leases of %d claims", len(claims), exc_info=True)
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(target=beat, name="lease-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
