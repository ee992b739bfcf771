"""Settings for the test suite: the same settings, with their own var/ so tests never touch dev data."""

import os

from config.env import BASE_DIR

os.environ.setdefault("CHORUS_VAR_DIR", str(BASE_DIR / "var" / "test"))
# A finder run after every job would spend the suite's CPU on jobs that test other things (and a worker test's
# database is gone when it starts); tests/training/test_label_errors.py turns it on where it is the subject.
os.environ.setdefault("CHORUS_LABEL_ERRORS_AFTER_JOBS", "false")
os.environ.setdefault("CHORUS_UPLOAD_RATE_CONTRIBUTOR", "10000/min")
os.environ.setdefault("CHORUS_UPLOAD_RATE_ADDRESS", "10000/min")
# The suite makes many identities, votes and downloads from one address; throttle tests lower these.
for _rate in (
    "CHORUS_VOTE_RATE_VOTER",
    "CHORUS_VOTE_RATE_ADDRESS",
    "CHORUS_CONSENT_RATE_ADDRESS",
    "CHORUS_IDENTITY_RATE_ADDRESS",
    "CHORUS_SIGNUP_RATE_ADDRESS",
    "CHORUS_TERMS_RATE",
    "CHORUS_RELEASE_DOWNLOAD_RATE",
    "CHORUS_MODEL_DOWNLOAD_RATE",
):
    os.environ.setdefault(_rate, "10000/min")

from config.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation in tests
