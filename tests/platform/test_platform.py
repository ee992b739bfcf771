import io
import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from config.env import BASE_DIR


@pytest.mark.django_db
def test_healthz_reports_database_and_broker():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_is_503_and_names_the_broker_when_it_is_unreachable(tmp_path):
    code = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0);"
        "from django.test import Client; r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CHORUS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    status, body = result.stdout.strip().split(" ", 1)
    body = json.loads(body)
    assert status == "503", result.stderr
    assert body["status"] == "unhealthy" and body["database"] == "ok" and body["broker"].startswith("error:")


@pytest.mark.django_db
def test_openapi_schema_and_docs():
    client = Client()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/campaigns/{slug}/consent/",
        "/api/campaigns/{slug}/clips/",
        "/api/me/",
        "/api/me/clips/{clip_id}/",
    ):
        assert path in paths
    assert "multipart/form-data" in paths["/api/campaigns/{slug}/clips/"]["post"]["requestBody"]["content"]
    assert client.get("/api/docs/").status_code == 200


def _start_with(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CHORUS_SPEAKER_PEPPER")}
    env.update(env_overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_secrets():
    result = _start_with({"CHORUS_ENV": "production"})
    assert result.returncode != 0
    assert "refuse to start without SECRET_KEY, CHORUS_SPEAKER_PEPPER" in result.stderr
    started = _start_with({"CHORUS_ENV": "production", "SECRET_KEY": "x" * 50, "CHORUS_SPEAKER_PEPPER": "p" * 32})
    assert started.returncode == 0 and started.stdout.strip() == "False"


def test_embedded_default_needs_no_environment(tmp_path):
    result = _start_with({"CHORUS_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "broker" / "queue").is_dir()


def test_s3_storage_is_used_when_a_bucket_is_configured():
    code = (
        "import django; django.setup(); from django.core.files.storage import storages; "
        "s = storages['default']; print(type(s).__name__, s.bucket_name)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "AWS_STORAGE_BUCKET_NAME": "chorus-audio",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["S3Storage", "chorus-audio"], result.stderr


def test_every_setting_in_compose_and_readme_is_a_declared_variable():
    import re

    import yaml

    from config import env

    compose = yaml.safe_load((BASE_DIR / "docker" / "compose.yaml").read_text())
    used = set(compose["x-chorus"]["environment"])
    assert used <= set(env.VARIABLES), used - set(env.VARIABLES)
    readme = (BASE_DIR / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, flags=re.M))
    assert documented == set(env.VARIABLES)


@pytest.mark.django_db
def test_demo_campaign_has_the_speech_commands_words_and_is_idempotent(demo_campaign):
    from django.core.management import call_command

    from collector.management.commands.load_demo import CORE_WORDS, FILLER_WORDS

    call_command("load_demo", stdout=io.StringIO())
    keywords = {(k.text, k.is_filler) for k in demo_campaign.keywords.all()}
    assert keywords == {(w, False) for w in CORE_WORDS} | {(w, True) for w in FILLER_WORDS}
    assert len(CORE_WORDS) == len(FILLER_WORDS) == 10


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_load_everything_from_this_server(client, page):
    """Swagger UI and Redoc come from drf-spectacular-sidecar's static files: no CDN, so they work offline."""
    import re

    from django.contrib.staticfiles import finders

    html = client.get(page).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
    assert sources and all(src.startswith("/static/") for src in sources), sources
    assert all(finders.find(src.removeprefix("/static/")) for src in sources)
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
