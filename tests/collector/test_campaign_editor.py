"""The staff campaign editor: a campaign made and changed from one page, each mistake beside its field with nothing
saved, keyword text stored NFC, and a volunteer recording for what was made."""

from __future__ import annotations

import re
import unicodedata
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from collector.campaign_editing import keyword_text_normalize
from collector.consent import consent_document, consent_documents
from collector.models import Campaign, Clip, Consent, Keyword, KeywordTarget, Language
from collector.targets import campaign_targets
from tests.audio_factory import tone, wav_bytes
from tests.collector.test_consent import upload
from tests.conftest import give_consent

pytestmark = pytest.mark.django_db

EDITOR = "/admin/collector/campaign-editor/"
SI_NFD = "si\u0301"  # "sí" typed as i + combining acute accent


def staff(*perms: str, username: str = "editor") -> Client:
    user = get_user_model().objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    client = Client()
    client.force_login(user)
    return client


def form_data(keywords=(), targets=(), initial_keywords: int = 0, initial_targets: int = 0, **fields) -> dict:
    """The POST the page sends: campaign fields, then the keyword and group-target formsets (dicts per row)."""
    data = {
        "name": "Comandos en español",
        "slug": "comandos-es",
        "description": "Di unas palabras.",
        "language": "",
        "new_language_code": "es",
        "new_language_name": "Español",
        "new_language_accents": "castellano, mexicano , rioplatense",
        "kind": "commands",
        "licence": "CC-BY-4.0",
        "target_clips_per_keyword": "300",
        "vote_cap": "4",
        "accuracy_floor": "0.75",
        "active": "on",
        "keywords-TOTAL_FORMS": str(len(keywords)),
        "keywords-INITIAL_FORMS": str(initial_keywords),
        "keywords-MIN_NUM_FORMS": "0",
        "keywords-MAX_NUM_FORMS": "1000",
        "targets-TOTAL_FORMS": str(len(targets)),
        "targets-INITIAL_FORMS": str(initial_targets),
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    for prefix, rows in (("keywords", keywords), ("targets", targets)):
        for i, row in enumerate(rows):
            for key, value in row.items():
                if value is True:
                    value = "on"
                if value is not False and value is not None:
                    data[f"{prefix}-{i}-{key}"] = str(value)
    data.update({k: v for k, v in fields.items() if v is not None})
    for k in [k for k, v in fields.items() if v is None]:
        data.pop(k, None)
    return data


SPANISH_KEYWORDS = [
    {"text": SI_NFD, "target": 500},
    {"text": "no"},
    {"text": "  arriba  "},
    {"text": "abajo"},
    {"text": "casa", "is_filler": True},
]
SPANISH_TARGETS = [{"keyword": "sí", "field": "accent", "group": "mexicano", "clips": 200}]


def field_block(html: str, name: str) -> str:
    """The markup of one field: its label, input and the errors the page shows beside it."""
    match = re.search(rf'<div class="field[^"]*" data-field="{re.escape(name)}">(.*?)</div>', html, re.S)
    assert match, f"no field {name} on the page"
    return unescape(match.group(1))


def create_spanish(client: Client):
    return client.post(EDITOR, form_data(SPANISH_KEYWORDS, SPANISH_TARGETS))


def snapshot() -> tuple:
    return (
        Campaign.objects.count(),
        Keyword.objects.count(),
        KeywordTarget.objects.count(),
        Language.objects.count(),
        list(Keyword.objects.values_list("text", "is_filler").order_by("id")),
        list(KeywordTarget.objects.values_list("clips", flat=True).order_by("id")),
        list(Campaign.objects.values_list("name", "licence", "kind").order_by("id")),
    )


def test_a_spanish_commands_campaign_made_on_the_page_takes_a_volunteers_clip():
    editor = staff("collector.add_campaign", "collector.change_campaign", "collector.add_language")
    page = editor.get(EDITOR)
    assert page.status_code == 200 and b"New campaign" in page.content

    response = create_spanish(editor)
    assert response.status_code == 302, response.context and [
        response.context["form"].errors,
        response.context["keywords"].errors,
        response.context["group_targets"].errors,
    ]
    assert response["Location"] == f"{EDITOR}?campaign=comandos-es&saved=1"
    campaign = Campaign.objects.select_related("language").get(slug="comandos-es")
    assert (campaign.name, campaign.kind, campaign.licence, campaign.active) == (
        "Comandos en español",
        "commands",
        "CC-BY-4.0",
        True,
    )
    assert (campaign.language.code, campaign.language.name) == ("es", "Español")
    assert campaign.language.accents == ["castellano", "mexicano", "rioplatense"]
    assert (campaign.record_seconds, campaign.take_seconds) == (1.5, 1.0)
    stored = dict(campaign.keywords.values_list("text", "is_filler"))
    assert stored == {"sí": False, "no": False, "arriba": False, "abajo": False, "casa": True}
    si = campaign.keywords.get(text="sí")
    assert unicodedata.is_normalized("NFC", si.text) and si.text == "s\u00ed"
    assert all(k.language_id == campaign.language_id for k in campaign.keywords.all())
    targets = campaign_targets(campaign=campaign)
    assert targets.keyword(si.id) == 500
    assert targets.keyword(campaign.keywords.get(text="no").id) == 300
    assert targets.group(si.id, "accent", "mexicano") == 200
    assert targets.group(si.id, "accent", "castellano") == 167  # an even third of 500

    saved_page = editor.get(response["Location"])
    assert saved_page.status_code == 200 and b'id="saved"' in saved_page.content
    spanish = consent_document(campaign, "es")  # the preview is of the text volunteers accept, in their language
    assert spanish.sha256 in saved_page.content.decode() and "Español" in spanish.text

    volunteer = Client()
    assert give_consent(volunteer, slug="comandos-es")
    assert Consent.objects.get(campaign=campaign).text_sha256 in {d.sha256 for d in consent_documents(campaign)}
    prompt = volunteer.get("/api/campaigns/comandos-es/prompt/").json()
    assert prompt["text"] in stored and prompt["record_seconds"] == 1.5
    posted = upload(volunteer, keyword=SI_NFD, audio=wav_bytes(tone(1.0, seed=3)), slug="comandos-es")
    assert posted.status_code == 201, posted.content
    clip = Clip.objects.select_related("keyword").get(id=posted.json()["id"])
    assert clip.keyword == si and clip.campaign == campaign and clip.licence == "CC-BY-4.0"
    composed = upload(volunteer, keyword="  sí ", audio=wav_bytes(tone(1.0, seed=4)), slug="comandos-es")
    assert composed.status_code == 201 and Clip.objects.get(id=composed.json()["id"]).keyword == si


def test_editing_adds_a_keyword_and_changes_a_target_and_keeps_recorded_ones():
    editor = staff("collector.add_campaign", "collector.change_campaign", "collector.add_language")
    assert create_spanish(editor).status_code == 302
    campaign = Campaign.objects.get(slug="comandos-es")
    volunteer = Client()
    give_consent(volunteer, slug="comandos-es")
    assert upload(volunteer, keyword="no", slug="comandos-es").status_code == 201

    page = editor.get(f"{EDITOR}?campaign=comandos-es")
    assert page.status_code == 200
    keywords = page.context["keywords"]
    rows = [dict(form.initial) for form in keywords.forms if form.initial]
    assert [r["text"] for r in rows] == ["sí", "no", "arriba", "abajo", "casa"]
    assert field_block(page.content.decode(), "slug").count("disabled") == 1  # the slug stays
    rows[0]["target"] = 800  # sí: 500 -> 800
    rows.append({"text": "izquierda"})
    group_rows = [dict(form.initial) for form in page.context["group_targets"].forms if form.initial]
    group_rows[0]["clips"] = 250
    data = form_data(
        rows,
        group_rows,
        initial_keywords=5,
        initial_targets=1,
        language=str(campaign.language_id),
        new_language_code="",
        new_language_name="",
        new_language_accents="",
        slug=None,
    )
    response = editor.post(f"{EDITOR}?campaign=comandos-es", data)
    assert response.status_code == 302, response.context and response.context["keywords"].errors
    targets = campaign_targets(campaign=campaign)
    si = campaign.keywords.get(text="sí")
    assert targets.keyword(si.id) == 800 and targets.group(si.id, "accent", "mexicano") == 250
    assert campaign.keywords.get(text="izquierda").is_filler is False
    assert campaign.keywords.count() == 6 and Language.objects.filter(code="es").count() == 1

    # A keyword volunteers have recorded cannot be removed or renamed, and the page says so beside it.
    rows = [dict(form.initial) for form in editor.get(f"{EDITOR}?campaign=comandos-es").context["keywords"].forms]
    rows = [r for r in rows if r]
    no_row = next(i for i, r in enumerate(rows) if r["text"] == "no")
    before = snapshot()
    for change, field_name, message in (
        ({"DELETE": True}, "DELETE", "'no' has 1 recorded clip: it stays"),
        ({"text": "nop"}, "text", "cannot be renamed"),
    ):
        changed = [dict(r, **change) if i == no_row else r for i, r in enumerate(rows)]
        refused = editor.post(
            f"{EDITOR}?campaign=comandos-es",
            form_data(
                changed,
                group_rows,
                initial_keywords=len(rows),
                initial_targets=1,
                slug=None,
                language=str(campaign.language_id),
                new_language_code="",
                new_language_name="",
                new_language_accents="",
            ),
        )
        assert refused.status_code == 400
        assert message in field_block(refused.content.decode(), f"keywords-{no_row}-{field_name}")
        assert snapshot() == before


def base_errors_case(**changes):
    return form_data(SPANISH_KEYWORDS, SPANISH_TARGETS, **changes)


@pytest.mark.parametrize(
    ("data", "field_name", "message"),
    [
        (base_errors_case(name="   "), "name", "enter the campaign's name"),
        (base_errors_case(licence="MIT"), "licence", "'MIT' is not a licence the consent text can state"),
        (
            form_data([{"text": "sí, no, arriba"}, {"text": "abajo"}]),
            "keywords-0-text",
            "',' cannot be part of a keyword",
        ),
        (
            form_data([{"text": "sí"}, {"text": "no"}, {"text": SI_NFD + " "}]),
            "keywords-2-text",
            "'sí' is on the list twice (row 1: 'sí')",
        ),
        (
            form_data([{"text": "Hola Chorus"}, {"text": "hola"}], kind="wake_word"),
            "keywords-1-is_filler",
            "a wake-word campaign has exactly one wake phrase",
        ),
        (
            form_data([{"text": "sí"}], [{"keyword": "sí", "field": "accent", "group": "andaluz", "clips": 5}]),
            "targets-0-group",
            "'andaluz' is not an accent of Español",
        ),
        (
            form_data([{"text": "sí"}], [{"keyword": "adiós", "field": "gender", "group": "female", "clips": 5}]),
            "targets-0-keyword",
            "'adiós' is not one of the keywords above",
        ),
        (
            form_data([{"text": "sí"}], [{"keyword": "sí", "field": "gender", "group": "prefer_not", "clips": 5}]),
            "targets-0-group",
            "'prefer_not' is not a group",
        ),
        (form_data([{"text": "sí"}], new_language_code="español!"), "new_language_code", "is not a language tag"),
        (
            form_data(
                [{"text": "sí"}], language="", new_language_code="", new_language_name="", new_language_accents=""
            ),
            "language",
            "choose the campaign's language",
        ),
    ],
    ids=[
        "empty name",
        "unknown licence",
        "a list in one row",
        "duplicate keyword",
        "second wake phrase",
        "unknown accent",
        "target of no keyword",
        "prefer-not group",
        "bad language code",
        "no language",
    ],
)
def test_each_mistake_is_shown_beside_its_field_and_nothing_is_saved(data, field_name, message):
    editor = staff("collector.add_campaign", "collector.add_language")
    Language.objects.create(code="fr", name="Français")
    before = snapshot()
    response = editor.post(EDITOR, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in field_block(html, field_name), field_block(html, field_name)
    assert 'id="not-saved"' in html
    assert snapshot() == before


def test_a_taken_slug_and_a_keyword_list_of_only_fillers_are_refused_beside_their_fields():
    editor = staff("collector.add_campaign", "collector.add_language")
    assert create_spanish(editor).status_code == 302
    before = snapshot()
    again = editor.post(EDITOR, form_data(SPANISH_KEYWORDS, new_language_code="es-MX", new_language_name="Mexicano"))
    assert again.status_code == 400
    assert "the slug 'comandos-es' is taken by the campaign 'Comandos en español'" in field_block(
        again.content.decode(), "slug"
    )
    fillers = editor.post(EDITOR, form_data([{"text": "casa", "is_filler": True}], slug="otra"))
    assert fillers.status_code == 400
    html = unescape(fillers.content.decode())
    assert re.search(r'id="keywords-error"[^>]*>add at least one keyword that is not a filler', html)
    assert "Español (es) exists already" in field_block(html, "new_language_code")
    assert snapshot() == before


def test_a_wake_word_campaign_takes_one_phrase_and_its_confusables_and_refuses_a_second_phrase():
    editor = staff("collector.add_campaign", "collector.change_campaign", "collector.add_language")
    rows = [{"text": "oye  chorus"}, {"text": "oye coro", "is_filler": True}, {"text": "chorus", "is_filler": True}]
    response = editor.post(EDITOR, form_data(rows, kind="wake_word", slug="oye-chorus", name="Oye Chorus"))
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="oye-chorus")
    assert campaign.wake_phrase == "oye chorus" and (campaign.record_seconds, campaign.take_seconds) == (2.0, 2.0)
    assert "2 seconds of audio" in consent_document(campaign, "en").text

    page = editor.get(f"{EDITOR}?campaign=oye-chorus")
    rows = [dict(f.initial) for f in page.context["keywords"].forms if f.initial]
    before = snapshot()
    second = [*rows, {"text": "hola chorus"}]
    refused = editor.post(
        f"{EDITOR}?campaign=oye-chorus",
        form_data(
            second,
            kind="wake_word",
            name="Oye Chorus",
            slug=None,
            initial_keywords=3,
            language=str(campaign.language_id),
            new_language_code="",
            new_language_name="",
            new_language_accents="",
        ),
    )
    assert refused.status_code == 400
    assert "exactly one wake phrase" in field_block(refused.content.decode(), "keywords-3-is_filler")
    assert snapshot() == before


def test_keyword_text_is_normalized():
    assert keyword_text_normalize("  cafe\u0301 \t con\u00a0 leche ") == "caf\u00e9 con leche"
    assert keyword_text_normalize(SI_NFD) == "s\u00ed"
    assert keyword_text_normalize("ありがとう") == "ありがとう"


def test_the_consent_preview_is_the_text_the_campaign_will_show():
    editor = staff("collector.add_campaign", "collector.add_language")
    language = Language.objects.create(code="es", name="Español")
    query = {"name": "Comandos", "licence": "CC0-1.0", "language": language.id, "kind": "commands"}
    preview = editor.get(f"{EDITOR}consent/", {**query, "preview_language": "en"}).json()
    assert "Creative Commons Zero" in preview["text"] and "for Español" in preview["text"]
    in_spanish = editor.get(f"{EDITOR}consent/", {**query, "preview_language": "es"}).json()
    assert in_spanish["language"] == "es" and in_spanish["sha256"] != preview["sha256"]
    data = form_data([{"text": "sí"}], name="Comandos", licence="CC0-1.0", language=str(language.id))
    data.update(new_language_code="", new_language_name="", new_language_accents="")
    assert editor.post(EDITOR, data).status_code == 302
    campaign = Campaign.objects.get(slug="comandos-es")
    assert consent_document(campaign, "en").sha256 == preview["sha256"]
    assert (consent_document(campaign, "es").sha256, consent_document(campaign, "es").text) == (
        in_spanish["sha256"],
        in_spanish["text"],
    )


def test_only_staff_with_the_campaign_rights_reach_the_editor():
    anonymous = Client()
    for url in (EDITOR, f"{EDITOR}consent/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    volunteer = get_user_model().objects.create_user("volunteer", password="pw-for-tests-only")
    signed_in = Client()
    signed_in.force_login(volunteer)
    assert signed_in.get(EDITOR).status_code == 302
    assert signed_in.post(EDITOR, form_data([{"text": "sí"}])).status_code == 302
    bare_staff = staff(username="bare")
    assert bare_staff.get(EDITOR).status_code == 403
    assert bare_staff.post(EDITOR, form_data([{"text": "sí"}])).status_code == 403
    assert bare_staff.get(f"{EDITOR}consent/").status_code == 403
    assert Campaign.objects.count() == 0

    adder = staff("collector.add_campaign", "collector.add_language", username="adder")
    created = create_spanish(adder)
    assert created.status_code == 302 and created["Location"] == "/campaigns/comandos-es/"
    assert adder.get(f"{EDITOR}?campaign=comandos-es").status_code == 403  # editing needs change_campaign
    no_languages = staff("collector.add_campaign", username="nolang")
    refused = no_languages.post(EDITOR, form_data([{"text": "sí"}], slug="otra", new_language_code="pt"))
    assert refused.status_code == 400
    assert "you may not create languages" in field_block(refused.content.decode(), "new_language_code")


def test_the_admin_index_links_the_editor(staff_client):
    index = staff_client.get("/admin/")
    assert index.status_code == 200 and b'href="/admin/collector/campaign-editor/"' in index.content
