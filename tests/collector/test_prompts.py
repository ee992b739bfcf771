import random

import pytest
from django.test import Client

from collector.models import Keyword
from collector.selectors import keyword_next_prompt
from tests.audio_factory import tone, wav_bytes
from tests.collector.test_consent import upload
from tests.conftest import CAMPAIGN, CORE_WORDS, FILLER_WORDS

pytestmark = pytest.mark.django_db


def test_never_the_same_word_twice_in_a_row(demo_campaign):
    rng = random.Random(1)
    previous = None
    for _ in range(500):
        keyword = keyword_next_prompt(campaign=demo_campaign, contributor=None, previous_keyword_id=previous, rng=rng)
        assert keyword.id != previous
        previous = keyword.id


def test_fillers_are_about_ten_percent_of_prompts(demo_campaign):
    rng = random.Random(2)
    draws = [keyword_next_prompt(campaign=demo_campaign, contributor=None, rng=rng) for _ in range(2000)]
    fillers = [k for k in draws if k.is_filler]
    assert 0.08 <= len(fillers) / len(draws) <= 0.12
    assert {k.text for k in fillers} == set(FILLER_WORDS)  # every filler gets its turn
    assert {k.text for k in draws if not k.is_filler} <= set(CORE_WORDS)


def test_prompts_steer_toward_the_word_with_fewest_clips(volunteer, demo_campaign):
    for i, word in enumerate(w for w in CORE_WORDS if w != "stop"):
        assert upload(volunteer, keyword=word, audio=wav_bytes(tone(1.0, seed=i))).status_code == 201
    rng = random.Random(3)
    core_prompts = [
        k.text
        for k in (keyword_next_prompt(campaign=demo_campaign, contributor=None, rng=rng) for _ in range(50))
        if not k.is_filler
    ]
    assert set(core_prompts) == {"stop"}


def test_a_word_at_its_target_yields_to_words_below_target(volunteer, demo_campaign):
    demo_campaign.target_clips_per_keyword = 1
    demo_campaign.save(update_fields=["target_clips_per_keyword"])
    upload(volunteer, keyword="yes")
    rng = random.Random(4)
    prompts = {keyword_next_prompt(campaign=demo_campaign, contributor=None, rng=rng).text for _ in range(300)}
    assert "yes" not in prompts


def test_prompt_api_and_skip(demo_campaign):
    client = Client()
    first = client.get(f"/api/campaigns/{CAMPAIGN}/prompt/").json()
    assert first["text"] in CORE_WORDS + FILLER_WORDS and Keyword.objects.get(id=first["id"]).text == first["text"]
    for _ in range(30):
        following = client.get(f"/api/campaigns/{CAMPAIGN}/prompt/", {"previous": first["id"]}).json()
        assert following["id"] != first["id"]
    bad = client.get(f"/api/campaigns/{CAMPAIGN}/prompt/", {"previous": "x"})
    assert bad.status_code == 400 and "previous" in bad.json()["detail"]


def test_a_wake_word_campaign_prompts_its_phrase_most_and_a_confusable_never_twice_running(demo_campaign):
    from collector.models import Campaign

    campaign = Campaign.objects.create(
        slug="hey-nabu", name="Hey Nabu", language=demo_campaign.language, kind="wake_word"
    )
    phrase = Keyword.objects.create(campaign=campaign, text="hey nabu", language=campaign.language)
    for text in ("hey nanu", "nabu", "hey tabu"):
        Keyword.objects.create(campaign=campaign, text=text, language=campaign.language, is_filler=True)
    rng, previous, draws = random.Random(4), None, []
    for _ in range(1000):
        keyword = keyword_next_prompt(campaign=campaign, contributor=None, previous_keyword_id=previous, rng=rng)
        assert keyword.id == phrase.id or keyword.id != previous  # the phrase may come again, a confusable not
        draws.append(keyword.text)
        previous = keyword.id
    assert 0.65 <= draws.count("hey nabu") / len(draws) <= 0.75
    assert {"hey nanu", "nabu", "hey tabu"} <= set(draws)
    assert any(a == b == "hey nabu" for a, b in zip(draws, draws[1:]))
