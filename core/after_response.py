"""Work that need not hold up a response: it runs once the response has gone out to the client.

Django sends request_started before a request and request_finished once the WSGI server has delivered
the response (and closed it). Work deferred in between runs at request_finished, in the same thread;
outside a request (a Celery task, a management command) it runs at once. A deferred call that fails is
logged: the client already has its answer.

Use it for after-commit nudges whose loss the system recovers from anyway, not for work the response
promises.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)
_local = threading.local()


def after_response(work: Callable[[], None]) -> None:
    """Run `work` when the current response has been delivered, or now when there is no request."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        work()
    else:
        pending.append(work)


def request_begin(**kwargs) -> None:
    """Open this thread's list of deferred work (request_started)."""
    _run(getattr(_local, "pending", None))  # left by a request whose response was never closed: run, not lose
    _local.pending = []


def request_end(**kwargs) -> None:
    """Run what this thread's request deferred (request_finished)."""
    pending, _local.pending = getattr(_local, "pending", None), None
    _run(pending)


def _run(pending: list | None) -> None:
    for work in pending or ():
        try:
            work()
        except Exception:
            logger.exception("deferred work %r failed after the response was sent", work)
