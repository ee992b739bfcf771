from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from core.pseudonyms import speaker_hash
from kws import cleaning, features, splits
from kws.audio import read_wav
from preparation import services
from preparation.models import ClipFeatures, PreparedClip
from tests.factories import clip_validated

pytestmark = pytest.mark.django_db


def test_a_valid_clip_is_cleaned_split_and_featurized(demo_campaign):
    clip = clip_validated(demo_campaign, keyword="up")
    claims = services.preparation_claim(limit=10)
    assert claims == [(clip.preparation.id, 1)]
    result = services.preparation_run(claims=claims)
    assert (result.done, result.failed, result.fenced_out) == (1, 0, 0)
    prepared = PreparedClip.objects.get(clip=clip)
    assert (prepared.state, prepared.attempts, prepared.lease_until) == ("done", 1, None)
    assert prepared.split == splits.which_set(speaker_hash(clip.contributor_id))
    assert prepared.cleaning_params == cleaning.CleaningParams().as_dict()
    with clip.audio.open("rb") as f:
        original, rate = read_wav(f.read())
    with prepared.cleaned_audio.open("rb") as f:
        cleaned, cleaned_rate = read_wav(f.read())
    expected = cleaning.clean(original, rate)
    assert cleaned_rate == 16_000 and len(cleaned) == 16_000
    assert np.abs(cleaned - expected).max() <= 1.5 / 32768
    assert prepared.cleaned_audio.name.startswith(f"derived/{clip.id}/")
    with clip.audio.open("rb") as f:  # the original stays untouched
        assert f.read()[:4] == b"RIFF"
    row = ClipFeatures.objects.get(preparation=prepared)
    assert (row.clip_sha256, row.params_hash, row.frames, row.channels) == (
        clip.sha256,
        features.DEFAULT_PARAMS.hash,
        49,
        40,
    )
    stored = np.frombuffer(row.data, dtype="<f4").reshape(49, 40)
    assert np.allclose(stored, features.featurize(expected), atol=1e-5)


def test_a_poison_clip_fails_with_its_reason_and_the_batch_goes_on(demo_campaign):
    good, poison = clip_validated(demo_campaign), clip_validated(demo_campaign)
    with open(poison.audio.path, "wb") as f:
        f.write(b"not audio any more")
    result = services.preparation_run(claims=services.preparation_claim(limit=10))
    assert (result.done, result.failed) == (1, 1)
    failed = PreparedClip.objects.get(clip=poison)
    assert failed.state == "failed" and "LibsndfileError" in failed.error
    assert PreparedClip.objects.get(clip=good).state == "done"


def test_claims_skip_running_work_until_its_lease_expires_and_a_fenced_out_worker_writes_nothing(demo_campaign):
    clip = clip_validated(demo_campaign)
    first = services.preparation_claim(limit=10)
    assert services.preparation_claim(limit=10) == []  # held by the first worker
    PreparedClip.objects.update(lease_until=timezone.now() - timedelta(seconds=1))  # ...which died
    second = services.preparation_claim(limit=10)
    assert second == [(clip.preparation.id, 2)]
    late = services.preparation_run(claims=first)  # the first worker wakes up: its attempt is stale
    assert (late.done, late.fenced_out) == (0, 1)
    assert PreparedClip.objects.get().state == "running" and not ClipFeatures.objects.exists()
    assert services.preparation_run(claims=second).done == 1
    assert ClipFeatures.objects.count() == 1 and PreparedClip.objects.get().state == "done"


def test_released_claims_are_claimable_at_once(demo_campaign):
    clip_validated(demo_campaign)
    claims = services.preparation_claim(limit=5)
    services.preparation_release(claims=claims)
    assert services.preparation_claim(limit=5)[0][1] == 2


def test_quiet_cleaned_clips_are_dropped_not_failed(demo_campaign):
    from labeling.services import clip_reverse_prescreen, vote_cast
    from tests.factories import clip_recorded, voter_in_good_standing

    quiet = clip_recorded(demo_campaign, amplitude=0.003)
    clip_reverse_prescreen(clip_id=quiet.id)
    for _ in range(2):
        vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=quiet.id, kind="valid")
    services.preparation_run(claims=services.preparation_claim(limit=5))
    prepared = PreparedClip.objects.get(clip=quiet)
    assert prepared.state == "dropped" and "below 0.004" in prepared.error


@pytest.mark.django_db(transaction=True)
def test_erasure_removes_derived_files_and_cached_features(demo_campaign, settings):
    from pathlib import Path

    from collector import services as collector_services

    clip = clip_validated(demo_campaign)
    services.preparation_run(claims=services.preparation_claim(limit=5))
    cleaned = Path(settings.MEDIA_ROOT) / PreparedClip.objects.get().cleaned_audio.name
    assert cleaned.is_file()
    collector_services.clip_delete(contributor=clip.contributor, clip_id=clip.id)
    assert not cleaned.exists() and not Path(clip.audio.path).exists()
    assert not ClipFeatures.objects.exists() and not PreparedClip.objects.exists()


def test_changing_feature_params_re_featurizes_from_the_cleaned_clips(demo_campaign):
    clips = [clip_validated(demo_campaign, keyword=k) for k in ("yes", "no", "up")]
    services.preparation_run(claims=services.preparation_claim(limit=10))
    mfcc = features.FeatureParams(n_mfcc=13)
    assert services.features_ensure(params=mfcc) == 3
    assert services.features_ensure(params=mfcc) == 0  # cached: nothing twice
    for clip in clips:
        prepared = PreparedClip.objects.get(clip=clip)
        row = ClipFeatures.objects.get(preparation=prepared, params_hash=mfcc.hash)
        with prepared.cleaned_audio.open("rb") as f:
            cleaned, _ = read_wav(f.read())
        assert (row.frames, row.channels) == (49, 13)
        assert np.allclose(np.frombuffer(row.data, "<f4").reshape(49, 13), features.featurize(cleaned, mfcc), atol=1e-4)
    assert ClipFeatures.objects.filter(params_hash=features.DEFAULT_PARAMS.hash).count() == 3  # the old cache stays


def test_every_clip_of_a_speaker_lands_in_the_same_split(demo_campaign):
    from tests.factories import contributor_with_consent

    speakers = [contributor_with_consent(demo_campaign) for _ in range(12)]
    for speaker in speakers:
        for keyword in ("yes", "no", "go"):
            clip_validated(demo_campaign, contributor=speaker, keyword=keyword)
    services.preparation_run(claims=services.preparation_claim(limit=100))
    for speaker in speakers:
        assert len(set(PreparedClip.objects.filter(clip__contributor=speaker).values_list("split", flat=True))) == 1
