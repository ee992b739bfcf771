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
    rng, previous, draws = random.Random(2), None, []
    for _ in range(2000):  # one long session: each prompt knows the one before
        draws.append(
            keyword_next_prompt(campaign=demo_campaign, contributor=None, previous_keyword_id=previous, rng=rng)
        )
        previous = draws[-1].id
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


def test_a_session_never_starts_with_a_filler_word(demo_campaign):
    rng = random.Random(5)
    firsts = [keyword_next_prompt(campaign=demo_campaign, contributor=None, rng=rng).text for _ in range(300)]
    assert set(firsts) <= set(CORE_WORDS) and len(set(firsts)) > 1  # 10% would have been fillers


def test_prompt_api_and_skip(demo_campaign):
    client = Client()
    first = client.get(f"/api/campaigns/{CAMPAIGN}/prompt/").json()
    assert first["text"] in CORE_WORDS and Keyword.objects.get(id=first["id"]).text == first["text"]
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
    sessions = {keyword_next_prompt(campaign=campaign, contributor=None, rng=rng).text for _ in range(100)}
    assert sessions == {"hey nabu"}  # a session starts with the phrase itself


def _speaker(campaign, **demographics):
    from collector.services import demographics_update
    from tests.factories import contributor_with_consent

    contributor = contributor_with_consent(campaign)
    if demographics:
        demographics_update(contributor=contributor, **demographics)
    return contributor


def _draws(campaign, contributor, n: int, seed: int) -> list[str]:
    rng, previous, draws = random.Random(seed), None, []
    for _ in range(n):
        keyword = keyword_next_prompt(campaign=campaign, contributor=contributor, previous_keyword_id=previous, rng=rng)
        assert keyword.id != previous  # never the same word twice running
        draws.append(keyword.text)
        previous = keyword.id
    return draws


@pytest.fixture
def women_short_of_left(demo_campaign):
    """Two women recorded every core word but 'left'; two men recorded every core word, 'left' four times over:
    'left' has the most clips of any word, yet none from women."""
    from tests.factories import clip_recorded

    for gender in ("female", "female", "male", "male"):
        speaker = _speaker(demo_campaign, gender=gender)
        for word in CORE_WORDS:
            for _ in range(4 if (gender, word) == ("male", "left") else 1 if word != "left" or gender == "male" else 0):
                clip_recorded(demo_campaign, speaker, keyword=word)
    return demo_campaign


def test_a_volunteer_is_steered_to_the_word_their_group_is_furthest_below_target(women_short_of_left):
    campaign = women_short_of_left
    woman, man, undisclosed = (
        _speaker(campaign, gender="female", age_bracket="30-39"),
        _speaker(campaign, gender="male"),
        _speaker(campaign, gender="prefer_not"),
    )
    for_her = _draws(campaign, woman, 1000, seed=5)
    core = [w for w in for_her if w in CORE_WORDS]
    assert core.count("left") / len(core) >= 0.45  # every other core prompt, as often as never twice running allows
    assert 0.07 <= (len(for_her) - len(core)) / len(for_her) <= 0.13  # the filler share is kept
    assert {w for w in for_her if w not in CORE_WORDS} == set(FILLER_WORDS)
    # men and those who did not say are short of every word but 'left' alike: 'left' is the last word they get
    for other in (man, undisclosed, None):
        assert "left" not in _draws(campaign, other, 200, seed=6)


def test_the_group_steering_stops_once_the_group_has_its_target(women_short_of_left):
    from collector.models import Keyword, KeywordTarget

    campaign = women_short_of_left
    # what the women have of the other words (one clip each) is their target; of 'left' they have none yet
    for keyword in Keyword.objects.filter(campaign=campaign, is_filler=False):
        KeywordTarget.objects.create(campaign=campaign, keyword=keyword, field="gender", group="female", clips=2)
    woman = _speaker(campaign, gender="female")
    assert _draws(campaign, woman, 200, seed=7).count("left") >= 80
    from tests.factories import clip_recorded

    for _ in range(2):
        clip_recorded(campaign, woman, keyword="left")
    # every word is at the women's target now, and 'left' has the most clips overall: it is the last word asked for
    assert "left" not in _draws(campaign, woman, 200, seed=8)


def test_the_prompt_costs_the_same_few_queries_whatever_the_number_of_words(
    women_short_of_left, django_assert_num_queries
):
    from collector.models import Keyword

    woman = _speaker(women_short_of_left, gender="female", accent="Scottish", age_bracket="18-29")
    # the volunteer's groups, the targets, the boosts, and one aggregate over the words
    with django_assert_num_queries(4):
        keyword_next_prompt(campaign=women_short_of_left, contributor=woman, rng=random.Random(9))
    for i in range(30):
        Keyword.objects.create(campaign=women_short_of_left, text=f"extra {i}", language=women_short_of_left.language)
    with django_assert_num_queries(4):
        keyword_next_prompt(campaign=women_short_of_left, contributor=woman, rng=random.Random(9))
