"""Django settings, all driven by config.env. No environment at all gives the embedded default."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from config import env

BASE_DIR = env.BASE_DIR
VAR_DIR = Path(env.get("CHORUS_VAR_DIR"))

CHORUS_ENV = env.get("CHORUS_ENV")
if CHORUS_ENV not in {"development", "production"}:
    raise env.ImproperlyConfigured(f"CHORUS_ENV must be 'development' or 'production', got {CHORUS_ENV!r}")
PRODUCTION = CHORUS_ENV == "production"
DEBUG = not PRODUCTION

MIN_SECRET_LENGTH = 32  # a guessable key forges sessions; a guessable pepper un-hashes speaker ids
SECRET_KEY = env.get("SECRET_KEY")
CHORUS_SPEAKER_PEPPER = env.get("CHORUS_SPEAKER_PEPPER")
if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "CHORUS_SPEAKER_PEPPER") if not env.get(name)]
    if missing:
        raise env.ImproperlyConfigured(f"production settings refuse to start without {', '.join(missing)}")
    for _name, _value in (("SECRET_KEY", SECRET_KEY), ("CHORUS_SPEAKER_PEPPER", CHORUS_SPEAKER_PEPPER)):
        if len(_value) < MIN_SECRET_LENGTH:
            raise env.ImproperlyConfigured(
                f"{_name} is {len(_value)} characters; production needs at least {MIN_SECRET_LENGTH}. Make one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
else:
    SECRET_KEY = SECRET_KEY or "chorus-development-only-secret-key-not-for-production"
    CHORUS_SPEAKER_PEPPER = CHORUS_SPEAKER_PEPPER or "chorus-development-only-pepper"

ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS")
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our own static files: the docs work offline
    "core",
    "collector",
    "labeling",
    "preparation",
    "releases",
    "training",
    "exporter",
    "frontend",
    "axes",  # log-in lockout
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # the language: the set_language cookie, else the browser's Accept-Language, else the campaign's language
    "frontend.middleware.ChorusLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "collector.middleware.ContributorMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it turns a lockout into its response
]

ROOT_URLCONF = "config.urls"
# The DEBUG error page hides the pepper and service URLs too, not only Django's KEY/SECRET/PASS names.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.reporting.ChorusExceptionReporterFilter"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "admin_templates"],  # the admin's index, with Chorus's own pages linked
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'chorus.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-chorus.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Storage ------------------------------------------------------------------------------------
MEDIA_ROOT = env.get("CHORUS_MEDIA_ROOT") or str(VAR_DIR / "media")
MEDIA_URL = "/media/"  # never routed: audio is served through permission-checked views
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if env.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.get("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.get("AWS_S3_ENDPOINT_URL"),
            "region_name": env.get("AWS_S3_REGION_NAME"),
            "access_key": env.get("AWS_ACCESS_KEY_ID"),
            "secret_key": env.get("AWS_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- Cache (throttling state must be shared between web processes) ------------------------------
REDIS_URL = env.get("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "chorus",
            # A Redis that is down or unreachable must answer fast: throttles then let requests through.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery -------------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}  # above the longest task
else:
    _broker_dir = VAR_DIR / "broker"
    for sub in ("queue", "processed", "results", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 3 * 3600
CELERY_TASK_SOFT_TIME_LIMIT = 3 * 3600 - 60
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_DEFAULT_QUEUE = "default"
# Every queue but the default is declared here, once: task name -> the setting that names its queue. The
# router reads the setting when a task is sent, so a deployment (or a test) may move a queue; senders give
# a task's name and nothing else (core.task_queue.task_enqueue).
CHORUS_PREPARE_QUEUE = env.get("CHORUS_PREPARE_QUEUE")
CHORUS_TRAINING_QUEUE = env.get("CHORUS_TRAINING_QUEUE")
CHORUS_TASK_QUEUES = {"preparation.prepare_batch": "CHORUS_PREPARE_QUEUE", "training.run_job": "CHORUS_TRAINING_QUEUE"}
CELERY_TASK_ROUTES = ["config.celery.task_route"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Auth, sessions, security -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username+address before any check
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes counts failed log-ins in the database (not the cache), per username and address together, so
# one address cannot lock everyone out and a lockout holds across web processes.
AXES_FAILURE_LIMIT = env.get_int("CHORUS_LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=env.get_int("CHORUS_LOGIN_COOLOFF_MINUTES"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"  # 429 with Retry-After
AXES_CLIENT_IP_CALLABLE = "core.throttles.client_address"  # the address the throttles see
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/releases/"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the recorder's fetch() reads it to send X-CSRFToken
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
# Forwarded headers are only believed from proxies we were told about: anyone can send X-Forwarded-Proto.
# The client address follows the same count (REST_FRAMEWORK NUM_PROXIES below, read by core.throttles).
CHORUS_TRUSTED_PROXY_COUNT = env.get_int("CHORUS_TRUSTED_PROXY_COUNT")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if CHORUS_TRUSTED_PROXY_COUNT > 0 else None
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.get_bool("CHORUS_SSL_REDIRECT")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = env.get_int("CHORUS_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.get_bool("CHORUS_HSTS_PRELOAD")
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en"
# The languages the pages are translated into (locale/<code>/LC_MESSAGES/django.po and djangojs.po; see README,
# "Languages"). Each is named in its own language in the nav's menu.
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "NUM_PROXIES": CHORUS_TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Chorus API",
    "DESCRIPTION": "Crowdsourced keyword-spotting datasets and TinyML models.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "JobStateEnum": "training.models.TrainingJob.State",
        "ReleaseStateEnum": "releases.models.Release.State",
        "NegativeAudioKindEnum": "preparation.models.NegativeAudio.Kind",
        "DonationKindEnum": ["clip", "negative"],  # the try page's donate_as, and what a donation became
    },
}

# --- Chorus -------------------------------------------------------------------------------------
CHORUS_UPLOAD_MAX_BYTES = env.get_int("CHORUS_UPLOAD_MAX_BYTES")
CHORUS_UPLOAD_RATE_CONTRIBUTOR = env.get("CHORUS_UPLOAD_RATE_CONTRIBUTOR")
CHORUS_UPLOAD_RATE_ADDRESS = env.get("CHORUS_UPLOAD_RATE_ADDRESS")
CHORUS_TRY_RATE_ADDRESS = env.get("CHORUS_TRY_RATE_ADDRESS")
CHORUS_VOTE_RATE_VOTER = env.get("CHORUS_VOTE_RATE_VOTER")
CHORUS_VOTE_RATE_ADDRESS = env.get("CHORUS_VOTE_RATE_ADDRESS")
CHORUS_CONSENT_RATE_ADDRESS = env.get("CHORUS_CONSENT_RATE_ADDRESS")
CHORUS_IDENTITY_RATE_ADDRESS = env.get("CHORUS_IDENTITY_RATE_ADDRESS")
CHORUS_SIGNUP_RATE_ADDRESS = env.get("CHORUS_SIGNUP_RATE_ADDRESS")
CHORUS_TERMS_RATE = env.get("CHORUS_TERMS_RATE")
CHORUS_RELEASE_DOWNLOAD_RATE = env.get("CHORUS_RELEASE_DOWNLOAD_RATE")
CHORUS_MODEL_DOWNLOAD_RATE = env.get("CHORUS_MODEL_DOWNLOAD_RATE")
CHORUS_GOLD_MIN_ANSWERS = env.get_int("CHORUS_GOLD_MIN_ANSWERS")
CHORUS_GOLD_MIN_ACCURACY = env.get_float("CHORUS_GOLD_MIN_ACCURACY")
CHORUS_GOLD_SHARE = env.get_float("CHORUS_GOLD_SHARE")
CHORUS_REVIEW_LEASE_S = env.get_int("CHORUS_REVIEW_LEASE_S")
CHORUS_TRUSTED_VOTE_WITH_MODEL = env.get_bool("CHORUS_TRUSTED_VOTE_WITH_MODEL")
CHORUS_MODEL_CONFIDENT = env.get_float("CHORUS_MODEL_CONFIDENT")
CHORUS_PREPARE_BATCH = env.get_int("CHORUS_PREPARE_BATCH")
CHORUS_EVAL_NEGATIVE_SECONDS = env.get_float("CHORUS_EVAL_NEGATIVE_SECONDS")
CHORUS_WAKE_WORD_TRAINING_SPEECH_SECONDS = env.get_float("CHORUS_WAKE_WORD_TRAINING_SPEECH_SECONDS")
CHORUS_LABEL_ERRORS_AFTER_JOBS = env.get_bool("CHORUS_LABEL_ERRORS_AFTER_JOBS")
CHORUS_PREPARE_LEASE_S = env.get_int("CHORUS_PREPARE_LEASE_S")
CHORUS_CONTRIBUTOR_COOKIE = "chorus_contributor"
CHORUS_CONTRIBUTOR_COOKIE_AGE = 2 * 365 * 24 * 3600
# Uploads are whole files: stream large ones to disk instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        name: {"level": env.get("CHORUS_LOG_LEVEL")}
        for name in ("core", "collector", "labeling", "preparation", "releases", "training", "exporter", "frontend")
    },
}
