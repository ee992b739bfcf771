"""/healthz: can this process reach its database and its broker?"""

import logging

from django.db import connection
from django.http import JsonResponse

from config.celery import app

logger = logging.getLogger("core.health")


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _broker() -> str:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _is_staff(request) -> bool:
    try:
        return request.user.is_active and request.user.is_staff
    except Exception:  # the session lives in the database, which may be the thing that is down
        return False


def healthz(request):
    checks, errors = {}, {}
    for name, check in (("database", _database), ("broker", _broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # report, don't crash: this is what a load balancer reads
            logger.warning("healthz: %s unreachable: %s: %s", name, type(exc).__name__, exc)
            errors[name] = f"error: {type(exc).__name__}: {exc}"
    # Exception text names hosts, ports and paths: staff see it, anyone else (a load balancer) only a word.
    detailed = bool(errors) and _is_staff(request)
    checks.update({name: error if detailed else "error: unreachable" for name, error in errors.items()})
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503)
