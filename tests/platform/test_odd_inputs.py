"""Odd inputs never give a 5xx: every named URL, GET with odd query parameters and POST with odd JSON bodies,
as an anonymous caller and as a superuser. PostgreSQL refuses NUL bytes in strings, so run this there too."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import get_resolver

from releases.models import Release
from tests.conftest import CAMPAIGN
from tests.factories import clip_recorded
from training.models import TrainingJob

ODD_VALUES = [
    "\x00",
    "a\x00b",
    "²",
    "٣",
    "99999999999999999999999",
    "-1",
    "-99999999999999999999999",
    "1.5",
    "[]",
    '{"a":1}',
    "x" * 5000,
    "not-a-uuid",
    "",
]
ODD_JSON = [None, True, 1.5, 10**23, -1, [], {"a": 1}, "\x00", "²", "٣", "x" * 5000, "not-a-uuid"]
# Query and body fields the views and serializers read; each request sends all of them at once.
FIELDS = [
    "campaign",
    "previous",
    "include_synthetic",
    "next",
    "then",
    "q",
    "o",
    "p",
    "e",
    "name",
    "licence",
    "keywords",
    "keyword",
    "architecture",
    "epochs",
    "seed",
    "release",
    "target_fa_per_hour",
    "accept",
    "text_sha256",
    "is_adult",
    "licence_accepted",
    "kind",
    "reason",
    "action",
    "accent",
    "gender",
    "age_bracket",
]
# POSTs that would end the superuser's session, leaving the rest of the walk anonymous.
NO_POST = {"logout", "admin:logout"}


def _urls(samples: dict[str, list[str]], resolver=None, prefix: str = "", namespace: str = "") -> dict[str, list[str]]:
    """Every named URL (the admin's too), filled in with real ids and with odd path segments."""
    resolver = resolver or get_resolver()
    urls: dict[str, list[str]] = {}
    for name, entries in resolver.reverse_dict.lists():
        if not isinstance(name, str):
            continue
        for possibilities, _pattern, _defaults, _converters in entries:
            for template, params in possibilities:
                filled = [prefix + template]
                for param in params:
                    values = samples.get(param, ["1", "not-a-uuid"])
                    filled = [f.replace(f"%({param})s", quote(v, safe="")) for f in filled for v in values]
                urls.setdefault(namespace + name, []).extend("/" + f for f in filled)
    for ns, (ns_prefix, sub) in resolver.namespace_dict.items():
        urls.update(_urls(samples, sub, prefix + ns_prefix, f"{namespace}{ns}:"))
    return urls


@pytest.fixture
def walk(demo_campaign):
    superuser = get_user_model().objects.create_superuser("odd-root", "", "pw-for-tests-only")
    clip = clip_recorded(demo_campaign)
    release = Release.objects.create(
        campaign=demo_campaign, name="v1", licence="CC-BY-4.0", state=Release.State.FAILED, error="boom"
    )
    job = TrainingJob.objects.create(
        campaign=demo_campaign, keywords=["yes", "no"], architecture="ds_cnn", epochs=1, feature_params_hash="x"
    )
    samples = {
        "slug": [CAMPAIGN, "no-such-campaign"],
        "clip_id": [str(clip.id), str(uuid.uuid4())],
        "release_id": [str(release.id), "99999999999999999999999"],
        "job_id": [str(job.id), "99999999999999999999999"],
        "model_id": [str(job.id), "99999999999999999999999"],
        "object_id": [str(clip.id), "not-a-uuid", "99999999999999999999999", "\x00"],
        "app_label": ["collector"],
        "content_type_id": ["1", "99999999999999999999999"],
        "uidb64": ["MQ", "\x00"],
        "token": ["set-password", "x"],
    }
    admin = Client()
    admin.force_login(superuser)
    return _urls(samples), {"anonymous": Client(), "superuser": admin}


def _why(response) -> str:
    """The exception a 500 came from: the title of Django's technical 500 page."""
    match = re.search(rb"<title>(.*?)</title>", response.content, re.S)
    return match.group(1).decode(errors="replace").strip()[:120] if match else response.content[:120].decode()


def _failures(client: Client, name: str, url: str) -> list[str]:
    failures = []
    for value in ODD_VALUES:
        query = "&".join(f"{field}={quote(value, safe='')}" for field in FIELDS)
        response = client.get(f"{url}?{query}")
        if response.status_code >= 500:
            failures.append(f"GET {url}?…={value[:20]!r} -> {response.status_code} {_why(response)}")
    if name in NO_POST:
        return failures
    bodies = [{field: value for field in FIELDS} for value in ODD_JSON] + ODD_JSON
    for body in bodies:
        response = client.post(url, json.dumps(body), content_type="application/json")
        if response.status_code >= 500:
            failures.append(f"POST {url} {json.dumps(body)[:40]} -> {response.status_code} {_why(response)}")
    response = client.post(url, b"{not json\x00", content_type="application/json")
    if response.status_code >= 500:
        failures.append(f"POST {url} <malformed> -> {response.status_code} {_why(response)}")
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "superuser"])
def test_no_url_answers_odd_inputs_with_a_server_error(walk, who):
    urls, clients = walk
    assert {"api-releases", "api-prompt", "admin:collector_clip_audio", "healthz", "speak"} <= set(urls)
    client = clients[who]
    client.raise_request_exception = False  # a crash is a 500 to count, not an exception to stop at
    failures = [failure for name, paths in urls.items() for url in paths for failure in _failures(client, name, url)]
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, words",
    [
        ("/api/releases/?campaign=%00", "campaign"),
        ("/api/campaigns/speech-commands-demo/prompt/?previous=%C2%B2", "previous"),
        ("/api/campaigns/speech-commands-demo/prompt/?previous=99999999999999999999999", "previous"),
        ("/api/training/campaigns/speech-commands-demo/data/?include_synthetic=%00", "include_synthetic"),
    ],
)
def test_odd_query_parameters_are_a_400_with_a_message(demo_campaign, staff_client, url, words):
    response = staff_client.get(url)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid" and words in response.json()["detail"]


@pytest.mark.django_db
def test_a_missing_clip_in_the_admin_audio_view_is_a_404(staff_client):
    response = staff_client.get(f"/admin/collector/clip/{uuid.uuid4()}/audio/")
    assert response.status_code == 404
