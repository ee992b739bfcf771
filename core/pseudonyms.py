"""Pseudonymous ids that leave the database: tombstones and dataset releases use the same hash."""

import hashlib
import hmac
import secrets

from django.conf import settings


def speaker_hash(contributor_id) -> str:
    """HMAC-SHA-512 of the contributor id under the deployment's secret pepper (hex)."""
    key = settings.CHORUS_SPEAKER_PEPPER.encode()
    return hmac.new(key, str(contributor_id).encode(), hashlib.sha512).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
