"""The campaign editor in headless Chromium: a staff member fills the form (watching the consent preview follow), and
a volunteer then records for the new campaign on the speak page."""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qs, urlparse

import pytest

from tests.fixtures.live import open_recorder, record_take, submit_take, watched_page

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-browser-tests-only"


def test_staff_make_a_spanish_campaign_on_the_page_and_a_volunteer_records_for_it(
    launch_chromium, fake_mic_yes, transactional_db, live_server
):
    from django.contrib.auth.models import Permission, User

    from collector.consent import consent_document, consent_documents
    from collector.models import Campaign, Clip
    from collector.targets import campaign_targets

    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="collector", codename__in=["add_campaign", "change_campaign", "add_language"]
        )
    )
    browser = launch_chromium(fake_mic_yes.path)
    staff_pages = watched_page(browser, live_server.url)
    page = next(staff_pages)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.click("#chorus-campaign-editor")
    page.wait_for_url("**/admin/collector/campaign-editor/")

    page.fill("#id_name", "Comandos en español")
    page.fill("#id_new_language_code", "es")
    page.fill("#id_new_language_name", "Español")
    page.fill("#id_new_language_accents", "castellano, mexicano")
    page.wait_for_function(
        "() => document.getElementById('consent-preview').textContent.includes('Comandos en español')"
        " && document.getElementById('consent-preview').textContent.includes('dataset for Español')"
    )
    page.select_option("#id_licence", "CC-BY-SA-4.0")
    page.wait_for_function("() => document.getElementById('consent-preview').textContent.includes('ShareAlike')")
    for i, text in enumerate(["si\u0301", "no", "  arriba ", "abajo"]):  # "sí" typed decomposed
        page.fill(f"#id_keywords-{i}-text", text)
    page.fill("#id_keywords-0-target", "400")
    page.fill("#id_keywords-4-text", "casa")
    page.check("#id_keywords-4-is_filler")
    rows = page.locator("#keyword-rows tbody tr").count()
    page.click("#add-keyword")
    page.fill(f"#id_keywords-{rows}-text", "derecha")
    assert page.input_value("#id_keywords-TOTAL_FORMS") == str(rows + 1)
    page.fill("#id_targets-0-keyword", "sí")
    page.select_option("#id_targets-0-field", "accent")
    page.fill("#id_targets-0-group", "mexicano")
    page.fill("#id_targets-0-clips", "150")
    page.select_option("#preview_language", "es")  # the text a volunteer reading Spanish accepts
    page.wait_for_function(
        "() => document.getElementById('consent-preview').textContent.includes('ShareAlike')"
        " && !document.getElementById('consent-preview').textContent.includes('Consent to record')"
    )
    shown_es = page.text_content("#consent-preview")
    page.select_option("#preview_language", "en")
    page.wait_for_function("() => document.getElementById('consent-preview').textContent.includes('Consent to record')")
    shown_sha = page.text_content("#consent-sha256")
    shown_text = page.text_content("#consent-preview")
    page.click("#save")
    page.wait_for_load_state()
    assert page.locator("#saved").count() == 1, page.locator(".field-error, .error").all_text_contents()
    assert parse_qs(urlparse(page.url).query) == {"campaign": ["comandos-en-espanol"], "saved": ["1"]}

    campaign = Campaign.objects.select_related("language").get(slug="comandos-en-espanol")
    assert (campaign.licence, campaign.language.code, campaign.language.accents) == (
        "CC-BY-SA-4.0",
        "es",
        ["castellano", "mexicano"],
    )
    texts = dict(campaign.keywords.values_list("text", "is_filler"))
    assert texts == {"sí": False, "no": False, "arriba": False, "abajo": False, "derecha": False, "casa": True}
    assert all(unicodedata.is_normalized("NFC", text) for text in texts)
    si = campaign.keywords.get(text="s\u00ed")
    targets = campaign_targets(campaign=campaign)
    assert targets.keyword(si.id) == 400 and targets.group(si.id, "accent", "mexicano") == 150
    document = consent_document(campaign, "en")  # the preview's language: the staff page's
    assert shown_sha == document.sha256 and shown_text == document.text  # the preview was the real text
    assert shown_es == consent_document(campaign, "es").text
    # the edit page shows the saved keywords in the campaign's language
    assert page.get_attribute("#id_keywords-0-text", "lang") == "es"
    assert page.input_value("#id_keywords-0-text") == "sí"

    volunteer_pages = watched_page(browser, live_server.url, permissions=["microphone"])
    volunteer = next(volunteer_pages)
    open_recorder(volunteer, "comandos-en-espanol")
    prompted = volunteer.text_content("#prompt")
    assert prompted in texts and unicodedata.is_normalized("NFC", prompted)
    record_take(volunteer)
    clip_json = submit_take(volunteer)
    clip = Clip.objects.select_related("keyword", "consent").get(id=clip_json["id"])
    assert clip.campaign == campaign and clip.keyword.text == prompted and clip.licence == "CC-BY-SA-4.0"
    assert clip.consent.text_sha256 in {d.sha256 for d in consent_documents(campaign)}
    assert abs(clip.duration_s - campaign.record_seconds) <= 0.05
    for pages in (staff_pages, volunteer_pages):  # close each context; fails on an uncaught JavaScript error
        next(pages, None)
