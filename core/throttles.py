"""Rate limits: DRF throttles whose rate is a setting, that let requests through when the cache is down.

Every throttle in Chorus derives from `SettingRateThrottle`. API views list them in `throttle_classes`;
plain Django views (sign-up, the download pages) use the `throttle` decorator, which asks the same classes.
"""

from __future__ import annotations

import logging
import math
from functools import wraps

import redis.exceptions
from django.conf import settings
from django.http import HttpResponse
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)

# What the cache raises when Redis (or the cache directory) is unreachable or unusable: refused or timed-out
# connections, and any other Redis error (a read-only replica during a failover, something else on the port).
CACHE_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.RedisError, OSError)


def client_address(request) -> str:
    """The client's address as DRF's throttles see it: REMOTE_ADDR, or X-Forwarded-For behind
    CHORUS_TRUSTED_PROXY_COUNT proxies. django-axes uses it too (AXES_CLIENT_IP_CALLABLE)."""
    return BaseThrottle().get_ident(request)


class SettingRateThrottle(SimpleRateThrottle):
    """Rate from the setting named `rate_setting`, read when the throttle is made, i.e. on every request, so a
    deployment's (or a test's) value applies. Subclasses say whom they count in `ident`."""

    rate_setting: str

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def ident(self, request) -> str | None:
        """Whom this request counts against; None: this throttle does not apply to it."""
        raise NotImplementedError

    def get_cache_key(self, request, view):
        ident = self.ident(request)
        return None if ident is None else self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        # Fail open: an unreachable cache must not turn every throttled request into a 500.
        try:
            return super().allow_request(request, view)
        except CACHE_DOWN as exc:
            logger.warning("throttle %s not applied: the cache is unreachable (%s)", self.scope, exc)
            return True


class AddressThrottle(SettingRateThrottle):
    """Counts requests per client address."""

    def ident(self, request):
        return client_address(request)


class AccountOrAddressThrottle(SettingRateThrottle):
    """Counts a logged-in account's requests per account, anyone else's per address."""

    def ident(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user-{user.pk}"
        return f"address-{client_address(request)}"


def too_many_requests(wait: float | None) -> HttpResponse:
    """The 429 a plain Django view answers with: a message and Retry-After, as the API's throttles give."""
    seconds = max(1, math.ceil(wait or 1))
    response = HttpResponse(
        f"Too many requests. Try again in {seconds} s.\n", status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(seconds)
    return response


def throttle(*throttle_classes: type[SettingRateThrottle], methods: tuple[str, ...] | None = None):
    """Apply DRF throttles to a plain Django view (for `methods` only, when given), as DRF applies them to an
    API view: every throttle counts the request; any refusal answers 429 before the view runs."""

    def decorator(view):
        @wraps(view)
        def throttled(request, *args, **kwargs):
            if methods is None or request.method in methods:
                throttles = [cls() for cls in throttle_classes]
                waits = [t.wait() for t in throttles if not t.allow_request(request, None)]
                if waits:
                    return too_many_requests(max((w for w in waits if w is not None), default=None))
            return view(request, *args, **kwargs)

        return throttled

    return decorator
