"""Issue 16, Trust: what error pages and health checks tell whom, who may use the staff endpoints, and the
production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory, override_settings
from django.urls import path
from django.views.debug import get_default_exception_reporter_filter

from config.env import BASE_DIR
from releases.models import Release
from tests.factories import clip_recorded
from training.models import TrainingJob

# Made at run time: the error page shows this file's source around the failing line.
PEPPER = secrets.token_hex(20)
REDIS_PASSWORD, DB_PASSWORD = secrets.token_hex(8), secrets.token_hex(8)
REDIS = f"redis://:{REDIS_PASSWORD}@redis.internal.example:6379/3"


def _boom(request):
    raise RuntimeError("a view that fails")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
def test_the_debug_error_page_hides_the_pepper_and_service_urls(settings):
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__
    settings.CHORUS_SPEAKER_PEPPER = PEPPER
    settings.REDIS_URL = settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = REDIS
    settings.CACHES = {**settings.CACHES, "other": {"BACKEND": "x", "LOCATION": REDIS}}
    settings.SOME_SERVICE = f"postgres://chorus:{DB_PASSWORD}@db.internal:5432/chorus"  # any name, credentials in it
    client = Client(raise_request_exception=False)
    page = client.get("/boom/", HTTP_ACCEPT="text/html", HTTP_X_SERVICE_URL=REDIS).content.decode()
    assert "a view that fails" in page  # it is the technical 500 page
    for secret in (PEPPER, REDIS_PASSWORD, REDIS, DB_PASSWORD):
        assert secret not in page
    assert "CHORUS_SPEAKER_PEPPER" in page and "REDIS_URL" in page and "CELERY_BROKER_URL" in page
    assert "********************" in page

    safe = get_default_exception_reporter_filter().get_safe_settings()
    assert safe["CHORUS_SPEAKER_PEPPER"] == safe["REDIS_URL"] == safe["CELERY_BROKER_URL"] == "********************"
    assert safe["CACHES"]["other"]["LOCATION"] == "********************"
    assert safe["STATIC_URL"] == settings.STATIC_URL  # harmless settings stay readable


def _failing_broker():
    raise ConnectionError("Error 111 connecting to redis.internal.example:6379, /var/run/secret.sock")


@pytest.mark.django_db
def test_healthz_tells_only_staff_what_failed(monkeypatch, staff_client):
    from config import health

    monkeypatch.setattr(health, "_broker", _failing_broker)
    anonymous = Client().get("/healthz")
    assert anonymous.status_code == 503
    assert anonymous.json() == {"status": "unhealthy", "database": "ok", "broker": "error: unreachable"}
    staff = staff_client.get("/healthz")
    assert staff.status_code == 503 and "redis.internal.example:6379" in staff.json()["broker"]


@pytest.mark.django_db
def test_a_failed_release_tells_only_staff_why(demo_campaign, staff_client):
    release = Release.objects.create(
        campaign=demo_campaign,
        name="v1",
        licence="CC-BY-4.0",
        state=Release.State.FAILED,
        error="OSError: [Errno 28] No space left on device: '/srv/chorus/media/releases/v1.tar.gz'",
    )
    for url in (f"/api/releases/{release.id}/", "/api/releases/"):
        public = Client().get(url).json()
        public = public[0] if isinstance(public, list) else public
        assert public["state"] == "failed" and "/srv/chorus" not in str(public) and "Errno" not in str(public)
        assert public["error"] == "the build failed; staff can see why"
        staff = staff_client.get(url).json()
        staff = staff[0] if isinstance(staff, list) else staff
        assert "/srv/chorus/media" in staff["error"]
    assert Client().get(f"/releases/{release.id}/").content.count(b"/srv/chorus") == 0


def _staff(username: str, *perms: str) -> Client:
    user = get_user_model().objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_staff_endpoints_need_the_model_permission_not_only_staff_status(demo_campaign, staff_client):
    clip = clip_recorded(demo_campaign)
    job = TrainingJob.objects.create(
        campaign=demo_campaign, keywords=["yes"], architecture="ds_cnn", epochs=1, feature_params_hash="x"
    )
    cases = [  # (url, permission that opens it)
        (f"/admin/collector/clip/{clip.id}/audio/", "collector.view_clip"),
        ("/api/training/jobs/", "training.view_trainingjob"),
        (f"/api/training/jobs/{job.id}/", "training.view_trainingjob"),
        (f"/api/training/campaigns/{demo_campaign.slug}/data/", "training.view_trainingjob"),
        ("/training/", "training.view_trainingjob"),
        (f"/training/jobs/{job.id}/", "training.view_trainingjob"),
        ("/admin/labeling/quality/", "labeling.view_vote"),
    ]
    bare = _staff("bare-staff")
    for url, perm in cases:
        assert bare.get(url).status_code == 403, url
        granted = _staff(f"staff-{uuid.uuid4().hex[:8]}", perm)
        assert granted.get(url).status_code == 200, url
        assert staff_client.get(url).status_code == 200, url  # a superuser holds every permission
    notices = "/api/releases/notices/"
    assert bare.get(notices).status_code == 403
    assert _staff("half", "releases.view_release").get(notices).status_code == 403  # who downloaded: download too
    assert _staff("notices", "releases.view_release", "releases.view_download").get(notices).status_code == 200

    launch = {"campaign": demo_campaign.slug, "keywords": ["nonsense"]}
    viewer = _staff("viewer", "training.view_trainingjob")
    assert viewer.post("/api/training/jobs/", launch, content_type="application/json").status_code == 403
    assert viewer.post(f"/api/training/jobs/{job.id}/cancel/").status_code == 403
    release = {"campaign": demo_campaign.slug, "name": "v1"}
    assert viewer.post("/api/releases/", release, content_type="application/json").status_code == 403
    launcher = _staff("launcher", "training.view_trainingjob", "training.add_trainingjob")
    assert launcher.post("/api/training/jobs/", launch, content_type="application/json").status_code == 400


@pytest.mark.django_db
def test_staff_without_the_permission_gets_an_unpublished_package_only_as_the_public_does(demo_campaign):
    job = TrainingJob.objects.create(
        campaign=demo_campaign, keywords=["yes"], architecture="ds_cnn", epochs=1, feature_params_hash="x"
    )
    assert _staff("bare-staff").get(f"/api/training/jobs/{job.id}/package/").status_code == 404


def _is_secure(proxies: int, **headers) -> bool:
    with override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https") if proxies else None,
        REST_FRAMEWORK={"NUM_PROXIES": proxies},
    ):
        return RequestFactory().get("/", **headers).is_secure()


def test_forwarded_proto_and_address_are_believed_only_from_a_counted_proxy():
    from core.throttles import client_address

    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    assert _settings_with({"CHORUS_TRUSTED_PROXY_COUNT": "0"}, code).stdout.strip() == "None"
    assert "HTTP_X_FORWARDED_PROTO" in _settings_with({"CHORUS_TRUSTED_PROXY_COUNT": "1"}, code).stdout
    assert _is_secure(0, HTTP_X_FORWARDED_PROTO="https") is False
    assert _is_secure(1, HTTP_X_FORWARDED_PROTO="https") is True

    forwarded = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7, 10.0.0.1"}
    for proxies, address in ((0, "10.0.0.2"), (1, "10.0.0.1"), (2, "203.0.113.7")):
        with override_settings(REST_FRAMEWORK={"NUM_PROXIES": proxies}):
            assert client_address(RequestFactory().get("/", **forwarded)) == address


def _settings_with(overrides: dict, code: str, argv: list[str] | None = None) -> subprocess.CompletedProcess:
    drop = {"SECRET_KEY", "CHORUS_SPEAKER_PEPPER", "CHORUS_ENV", "DEBUG", "CHORUS_SSL_REDIRECT"}
    environ = {k: v for k, v in os.environ.items() if k not in drop}
    environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", **overrides})
    command = argv or [sys.executable, "-c", f"import django; django.setup(); {code}"]
    return subprocess.run(command, cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=120)


PRODUCTION = {
    "CHORUS_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "CHORUS_SPEAKER_PEPPER": secrets.token_urlsafe(32),
    "ALLOWED_HOSTS": "chorus.example.org",
}


def test_production_settings_pass_the_deploy_check_without_warnings(tmp_path):
    check = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = _settings_with({**PRODUCTION, "CHORUS_VAR_DIR": str(tmp_path)}, "", check)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout and "WARNING" not in result.stderr + result.stdout
    shown = _settings_with(
        {**PRODUCTION, "CHORUS_VAR_DIR": str(tmp_path)},
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
    )
    assert shown.stdout.split() == ["False", "True", "31536000", "True", "True"], shown.stderr


@pytest.mark.parametrize("name", ["SECRET_KEY", "CHORUS_SPEAKER_PEPPER"])
def test_production_refuses_a_short_secret(tmp_path, name):
    result = _settings_with({**PRODUCTION, name: "x" * 31, "CHORUS_VAR_DIR": str(tmp_path)}, "pass")
    assert result.returncode != 0
    assert f"{name} is 31 characters; production needs at least 32" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr


def test_the_ssl_redirect_can_be_left_to_the_proxy(tmp_path):
    result = _settings_with(
        {**PRODUCTION, "CHORUS_SSL_REDIRECT": "false", "CHORUS_VAR_DIR": str(tmp_path)},
        "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)",
    )
    assert result.stdout.strip() == "False", result.stderr
