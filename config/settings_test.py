"""Settings for the test suite: the same settings, with their own var/ so tests never touch dev data."""

import os

from config.env import BASE_DIR

os.environ.setdefault("CHORUS_VAR_DIR", str(BASE_DIR / "var" / "test"))
os.environ.setdefault("CHORUS_UPLOAD_RATE_CONTRIBUTOR", "10000/min")
os.environ.setdefault("CHORUS_UPLOAD_RATE_ADDRESS", "10000/min")

from config.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation in tests
