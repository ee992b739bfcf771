import re

import pytest
from django.test import Client

from collector.models import Demographics
from tests.conftest import CAMPAIGN

pytestmark = pytest.mark.django_db
URL = "/api/me/demographics/"


def test_demographics_are_optional_and_default_to_prefer_not_to_say(volunteer):
    assert volunteer.get(URL).json() == {
        "age_bracket": "prefer_not",
        "gender": "prefer_not",
        "accent": "prefer_not",
        "native_language": "prefer_not",
    }
    assert not Demographics.objects.exists()


def test_demographics_are_editable(volunteer):
    first = volunteer.put(
        URL, {"age_bracket": "40-49", "accent": "Scottish", "native_language": "gd"}, content_type="application/json"
    )
    assert first.status_code == 200 and first.json()["accent"] == "Scottish"
    second = volunteer.put(URL, {"age_bracket": "50-59", "gender": "non_binary"}, content_type="application/json")
    assert second.json() == {
        "age_bracket": "50-59",
        "gender": "non_binary",
        "accent": "prefer_not",
        "native_language": "prefer_not",
    }
    stored = Demographics.objects.get()
    assert (stored.age_bracket, stored.gender, stored.accent) == ("50-59", "non_binary", "prefer_not")


@pytest.mark.parametrize(
    "payload, words",
    [
        ({"age_bracket": "12-17"}, "age_bracket: '12-17' is not one of"),
        ({"gender": "robot"}, "gender: 'robot'"),
        ({"accent": "Martian"}, "accent: 'Martian'"),
        ({"native_language": "<script>"}, "native_language"),
    ],
)
def test_values_outside_the_lists_are_refused(volunteer, payload, words):
    response = volunteer.put(URL, payload, content_type="application/json")
    assert response.status_code == 400 and words in response.json()["detail"]
    assert not Demographics.objects.exists()


def test_demographics_need_a_contributor(demo_campaign):
    response = Client().put(URL, {"gender": "female"}, content_type="application/json")
    assert response.status_code == 403 and "consent" in response.json()["detail"]


def test_about_you_form_saves_and_goes_on_to_recording(volunteer):
    page = volunteer.get(f"/c/{CAMPAIGN}/about-you/")
    assert page.status_code == 200 and b"Prefer not to say" in page.content and b"Irish" in page.content
    response = volunteer.post(
        f"/c/{CAMPAIGN}/about-you/",
        {"age_bracket": "18-29", "gender": "prefer_not", "accent": "Indian", "native_language": "hi"},
    )
    assert response.status_code == 302 and response["Location"] == f"/c/{CAMPAIGN}/speak/"
    assert Demographics.objects.get().accent == "Indian"


def test_the_native_language_is_chosen_from_a_list_and_the_answer_shown_again(volunteer):
    page = volunteer.get(f"/c/{CAMPAIGN}/about-you/").content.decode()
    select = re.search(r'<select name="native_language" id="native_language">(.*?)</select>', page, re.S).group(1)
    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select))
    assert len(options) > 180 and options["prefer_not"] == "Prefer not to say"
    assert options["yo"] == "Yoruba (yo)" and options["sw"] == "Swahili (macrolanguage) (sw)"
    assert volunteer.post(f"/c/{CAMPAIGN}/about-you/", {"native_language": "yo"}).status_code == 302
    assert Demographics.objects.get().native_language == "yo"
    again = volunteer.get(f"/c/{CAMPAIGN}/about-you/").content.decode()
    assert '<option value="yo" selected>Yoruba (yo)</option>' in again
