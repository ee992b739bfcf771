"""The one place that reads the process environment.

Every setting Chorus takes from the environment is declared here, with its default, so the
README's configuration table and the code cannot drift apart (see `python -m config.env`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class ImproperlyConfigured(RuntimeError):
    pass


@dataclass(frozen=True)
class Var:
    name: str
    default: str | None
    help: str


VARIABLES: dict[str, Var] = {}


def _declare(name: str, default: str | None, help: str) -> Var:
    VARIABLES[name] = Var(name, default, help)
    return VARIABLES[name]


def get(name: str) -> str | None:
    var = VARIABLES[name]
    value = os.environ.get(name)
    return value if value not in (None, "") else var.default


def get_bool(name: str) -> bool:
    return (get(name) or "").strip().lower() in {"1", "true", "yes", "on"}


def get_int(name: str) -> int:
    value = get(name)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def get_float(name: str) -> float:
    value = get(name)
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def get_list(name: str) -> list[str]:
    return [item.strip() for item in (get(name) or "").split(",") if item.strip()]


_declare("CHORUS_ENV", "development", "`development` (embedded default) or `production` (requires the secrets below).")
_declare("SECRET_KEY", None, "Django secret key. Required when CHORUS_ENV=production, at least 32 characters.")
_declare(
    "CHORUS_SPEAKER_PEPPER",
    None,
    "Secret pepper for hashed speaker ids in tombstones and releases. Required in production, at least 32 characters.",
)
_declare(
    "CHORUS_VAR_DIR", str(BASE_DIR / "var"), "Where the embedded default keeps SQLite, media, broker queues and caches."
)
_declare(
    "DATABASE_URL",
    None,
    "e.g. `postgres://user:pass@host:5432/chorus`. Unset: SQLite at `$CHORUS_VAR_DIR/chorus.sqlite3`.",
)
_declare(
    "REDIS_URL",
    None,
    "e.g. `redis://127.0.0.1:6379/0`: Celery broker, results and shared cache. "
    "Unset: kombu filesystem broker under `$CHORUS_VAR_DIR/broker`.",
)
_declare("ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names the web server answers to.")
_declare("CSRF_TRUSTED_ORIGINS", "", "Comma-separated origins (scheme://host) allowed to POST, behind a proxy.")
_declare("CHORUS_MEDIA_ROOT", None, "Local media directory. Unset: `$CHORUS_VAR_DIR/media`.")
_declare(
    "AWS_STORAGE_BUCKET_NAME",
    None,
    "Set to store audio in S3-compatible storage (django-storages) instead of local disk.",
)
_declare("AWS_S3_ENDPOINT_URL", None, "S3 endpoint for non-AWS services (MinIO, R2, ...).")
_declare("AWS_S3_REGION_NAME", None, "S3 region.")
_declare("AWS_ACCESS_KEY_ID", None, "S3 access key (or use the instance's role).")
_declare("AWS_SECRET_ACCESS_KEY", None, "S3 secret key.")
_declare("CHORUS_UPLOAD_MAX_BYTES", str(2 * 1024 * 1024), "Largest accepted clip upload, in bytes.")
_declare("CHORUS_UPLOAD_RATE_CONTRIBUTOR", "60/min", "Upload throttle per contributor (DRF rate: N/sec|min|hour|day).")
_declare("CHORUS_UPLOAD_RATE_ADDRESS", "300/min", "Upload throttle per client address.")
_declare("CHORUS_TRY_RATE_ADDRESS", "30/min", "Takes scored by a published model's try page per client address.")
_declare("CHORUS_VOTE_RATE_VOTER", "60/min", "Vote throttle per reviewer (contributor or reviewer account).")
_declare("CHORUS_VOTE_RATE_ADDRESS", "300/min", "Vote throttle per client address.")
_declare("CHORUS_CONSENT_RATE_ADDRESS", "30/min", "Consents given per client address.")
_declare(
    "CHORUS_IDENTITY_RATE_ADDRESS",
    "60/hour",
    "New contributor identities (first-time consents) per client address; stricter than re-consenting.",
)
_declare("CHORUS_SIGNUP_RATE_ADDRESS", "10/hour", "Developer account sign-ups per client address.")
_declare("CHORUS_TERMS_RATE", "10/min", "Dataset terms acceptances per account.")
_declare("CHORUS_RELEASE_DOWNLOAD_RATE", "30/hour", "Release downloads per account (per address when logged out).")
_declare("CHORUS_MODEL_DOWNLOAD_RATE", "60/hour", "Model package downloads per account (per address when logged out).")
_declare("CHORUS_LOGIN_FAILURE_LIMIT", "5", "Failed log-ins for one username from one address before a lockout.")
_declare("CHORUS_LOGIN_COOLOFF_MINUTES", "15", "Minutes a locked-out username+address waits before logging in again.")
_declare(
    "CHORUS_TRUSTED_PROXY_COUNT",
    "0",
    "Number of reverse proxies in front of the app, used to find the client address in X-Forwarded-For. "
    "With 0, X-Forwarded-For and X-Forwarded-Proto are ignored; behind a TLS-terminating proxy set it to 1.",
)
_declare(
    "CHORUS_SSL_REDIRECT",
    "true",
    "Production: redirect plain HTTP to HTTPS (not /healthz). Behind a TLS-terminating proxy it needs "
    "CHORUS_TRUSTED_PROXY_COUNT; `false` where the proxy redirects itself.",
)
_declare("CHORUS_HSTS_SECONDS", str(365 * 24 * 3600), "Production: Strict-Transport-Security max-age (subdomains too).")
_declare("CHORUS_HSTS_PRELOAD", "true", "Production: add `preload` to Strict-Transport-Security.")
_declare(
    "CHORUS_GOLD_MIN_ANSWERS",
    "10",
    "Gold answers that earn a voter standing (their votes count), and after which gold accuracy can mute anyone.",
)
_declare("CHORUS_GOLD_MIN_ACCURACY", "0.7", "The gold-accuracy floor: voters under it do not count toward decisions.")
_declare(
    "CHORUS_GOLD_SHARE",
    "0.1",
    "Share of served review clips that are gold clips, when a reviewer has gold left to answer.",
)
_declare(
    "CHORUS_REVIEW_LEASE_S", "30", "Seconds a served clip is kept from other reviewers, spreading them across clips."
)
_declare(
    "CHORUS_TRUSTED_VOTE_WITH_MODEL",
    "false",
    "One vote from a trusted reviewer decides a clip when the label-error finder's model agrees with it at least "
    "CHORUS_MODEL_CONFIDENT sure (labeling/rules.py). Off: every clip needs the vote rule's 2 votes.",
)
_declare(
    "CHORUS_MODEL_CONFIDENT",
    "0.95",
    "How sure the model must be to stand in for a second vote: it gives the clip's keyword at least this (valid), "
    "or at most 1 minus this (invalid).",
)
_declare(
    "CHORUS_EVAL_NEGATIVE_SECONDS",
    "3600",
    "Seconds of negative audio (synthetic running speech over noise) every job's int8 model is scored on for FA/h.",
)
_declare(
    "CHORUS_WAKE_WORD_TRAINING_SPEECH_SECONDS",
    "600",
    "Seconds of synthetic running speech (40 voices of their own) a wake-word job trains on as negatives, beside "
    "its campaign's negative recordings; made once and cached.",
)
_declare("CHORUS_PREPARE_BATCH", "256", "Clips a preparation task cleans and featurizes in one vectorized pass.")
_declare(
    "CHORUS_PREPARE_LEASE_S",
    "30",
    "Seconds a preparation claim outlives its worker's last heartbeat (renewed every third of it) before another "
    "worker takes it over.",
)
_declare("CHORUS_PREPARE_QUEUE", "prepare", "Celery queue of the preparation batches (workers must consume it).")
_declare(
    "CHORUS_TRAINING_QUEUE", "training", "Celery queue of training jobs (run a worker with --concurrency 1 on it)."
)
_declare(
    "CHORUS_LABEL_ERRORS_AFTER_JOBS",
    "true",
    "After each training job of a commands campaign, a worker looks for label errors and sends the suspects back "
    "to review (`find_label_errors`).",
)
_declare("CHORUS_LOG_LEVEL", "INFO", "Log level for Chorus loggers.")


def markdown_table() -> str:
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for var in VARIABLES.values():
        default = f"`{var.default}`" if var.default not in (None, "") else "—"
        if var.name == "CHORUS_VAR_DIR":
            default = "`./var`"
        lines.append(f"| `{var.name}` | {default} | {var.help} |")
    return "\n".join(lines)


def main() -> None:
    """Print the configuration table; with --update-readme, rewrite it in README.md in place."""
    import sys

    table = markdown_table()
    if "--update-readme" not in sys.argv:
        print(table)
        return
    readme = BASE_DIR / "README.md"
    text = readme.read_text()
    start = text.index("| Variable | Default | Meaning |")
    end = text.index("\n\n", start)
    readme.write_text(text[:start] + table + text[end:])


if __name__ == "__main__":
    main()
