"""Synthetic starter voices: `synthesize` makes valid, unreviewed clips of every keyword from espeak-ng voices,
marked as synthetic with their voice; running it again only tops up; synthetic voices never test beside people."""

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from collector.models import Clip
from core.stored_audio import stored_audio_load
from kws import synthetic
from preparation.models import BackgroundNoise, PreparedClip
from preparation.splits import split_used
from tests.services import require_espeak

pytestmark = pytest.mark.django_db


def synthesize(*args: str) -> str:
    out = io.StringIO()
    call_command("synthesize", "--campaign", "speech-commands-demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_synthesize_makes_valid_marked_clips_of_every_named_keyword_and_tops_up_on_a_second_run(demo_campaign):
    require_espeak()
    said = synthesize("--voices", "3", "--takes", "2", "--keywords", "yes,no")
    assert said.startswith("synthesized 12 clips from 3 voices with ") and "4 noise beds added" in said
    clips = list(Clip.objects.filter(campaign=demo_campaign).select_related("keyword", "contributor"))
    assert sorted(c.keyword.text for c in clips) == ["no"] * 6 + ["yes"] * 6
    descriptors = {v.descriptor for v in synthetic.speakers(3)}
    assert {c.voice for c in clips} == descriptors and len({c.contributor_id for c in clips}) == 3
    for clip in clips:
        assert (clip.synthetic, clip.source, clip.status, clip.status_reason) == (
            True,
            "synthetic:espeak-ng",
            "valid",
            "synthetic",
        )
        assert clip.consent is None and clip.contributor.user is None and clip.votes_counted == 0
        samples, rate = stored_audio_load(clip.audio.name)
        assert rate == 16_000 and len(samples) == 16_000 and clip.duration_s == 1.0
        assert np.sqrt(np.mean(samples**2)) > 0.01 and not clip.too_quiet  # speech, not silence
    assert PreparedClip.objects.filter(clip__in=clips, state="queued").count() == 12  # no review: straight on
    assert sorted(BackgroundNoise.objects.filter(campaign=demo_campaign).values_list("name", flat=True)) == [
        "synthetic-brown.wav",
        "synthetic-hum.wav",
        "synthetic-pink.wav",
        "synthetic-white.wav",
    ]
    again = synthesize("--voices", "4", "--takes", "2", "--keywords", "yes,no")
    assert again.startswith("synthesized 4 clips from 4 voices") and "(12 already present), 0 noise beds" in again
    assert Clip.objects.filter(campaign=demo_campaign, synthetic=True).count() == 16


def test_a_top_up_with_more_takes_draws_new_audio_and_never_repeats_a_held_take(demo_campaign):
    require_espeak()
    synthesize("--voices", "2", "--takes", "1", "--keywords", "yes")
    first_takes = set(Clip.objects.filter(campaign=demo_campaign).values_list("sha256", flat=True))
    said = synthesize("--voices", "2", "--takes", "2", "--keywords", "yes")
    assert said.startswith("synthesized 2 clips from 2 voices")
    clips = Clip.objects.filter(campaign=demo_campaign)
    assert clips.count() == 4 and len(set(clips.values_list("sha256", flat=True))) == 4
    # With the first takes gone, a top-up draws the second take's audio again, which is held: it draws anew.
    for sha256 in first_takes:
        Clip.objects.get(sha256=sha256).delete()
    held_second = set(clips.values_list("sha256", flat=True))
    said = synthesize("--voices", "2", "--takes", "2", "--keywords", "yes")
    assert said.startswith("synthesized 2 clips from 2 voices")
    audio = list(clips.values_list("sha256", flat=True))
    assert len(audio) == 4 and len(set(audio)) == 4 and held_second < set(audio)


def test_synthesize_refuses_what_it_cannot_do(demo_campaign):
    with pytest.raises(CommandError, match="not keywords of campaign 'Speech Commands \\(demo\\)': blue"):
        synthesize("--keywords", "yes,blue")
    with pytest.raises(CommandError, match="voices must be between 1 and 500"):
        synthesize("--voices", "0")
    with pytest.raises(CommandError, match="no campaign 'nope'"):
        call_command("synthesize", "--campaign", "nope", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Clip.objects.exists()


def test_synthetic_voices_test_only_when_no_person_is_in_the_data():
    assert split_used("testing", synthetic=True, has_recorded_voices=True) == "training"
    assert split_used("testing", synthetic=True, has_recorded_voices=False) == "testing"
    assert split_used("testing", synthetic=False, has_recorded_voices=True) == "testing"
    assert split_used("validation", synthetic=True, has_recorded_voices=True) == "validation"


def test_a_wake_word_campaign_gets_2_s_takes_that_hold_the_whole_phrase(demo_campaign):
    require_espeak()
    from collector.models import Campaign, Keyword
    from kws.wake_word_data import speech_span

    campaign = Campaign.objects.create(
        slug="hey-chorus", name="Hey Chorus", language=demo_campaign.language, kind="wake_word"
    )
    Keyword.objects.create(campaign=campaign, text="hey chorus", language=campaign.language)
    Keyword.objects.create(campaign=campaign, text="hey doris", language=campaign.language, is_filler=True)
    out = io.StringIO()
    call_command(
        "synthesize", "--campaign", "hey-chorus", "--voices", "3", "--takes", "1", stdout=out, stderr=io.StringIO()
    )
    clips = list(Clip.objects.filter(campaign=campaign).select_related("keyword"))
    assert sorted(c.keyword.text for c in clips) == ["hey chorus"] * 3 + ["hey doris"] * 3
    for clip in clips:
        samples, rate = stored_audio_load(clip.audio.name)
        assert (rate, len(samples), clip.duration_s) == (16_000, 32_000, 2.0)
        first, last = speech_span(samples)
        # the phrase (over a second for slow voices) lies inside the take, not cut at 1 s
        assert first > 0 and last < 32_000 and np.sqrt(np.mean(samples[first:last] ** 2)) > 0.02
