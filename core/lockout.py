"""The answer to a locked-out log-in (django-axes' AXES_LOCKOUT_CALLABLE): 429 with Retry-After, like a throttle."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.http import HttpResponse


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    # Every refused attempt, the right password included, restarts the cool-off (axes'
    # AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the whole cool-off is the wait from now.
    cool_off = get_cool_off(request)
    seconds = max(1, math.ceil(cool_off.total_seconds())) if cool_off else None
    wait = f"Try again in {math.ceil(seconds / 60)} min." if seconds else "Ask an administrator to unlock it."
    response = HttpResponse(
        f"Too many failed log-ins for this account from your address. {wait}\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
