import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from preparation.models import BackgroundNoise, PreparedClip
from tests.audio_factory import wav_bytes

pytestmark = pytest.mark.django_db


def test_admins_upload_background_noise_which_is_stored_as_16k_mono(staff_client, demo_campaign):
    noise = np.random.default_rng(0).normal(0, 0.1, (44_100 * 3, 2)).astype(np.float32)
    response = staff_client.post(
        "/admin/preparation/backgroundnoise/add/",
        {
            "campaign": demo_campaign.id,
            "name": "kitchen",
            "upload": SimpleUploadedFile("kitchen.wav", wav_bytes(noise, 44_100)),
        },
    )
    assert response.status_code == 302
    stored = BackgroundNoise.objects.get()
    assert (stored.name, stored.sample_rate, stored.duration_s) == ("kitchen", 16_000, 3.0)
    bad = staff_client.post(
        "/admin/preparation/backgroundnoise/add/",
        {"campaign": demo_campaign.id, "name": "junk", "upload": SimpleUploadedFile("junk.wav", b"nope")},
        follow=True,
    )
    assert b"not readable audio" in bad.content and BackgroundNoise.objects.count() == 1


def test_poison_clips_are_visible_with_their_reason_and_can_be_requeued(staff_client, demo_campaign):
    from preparation import services
    from tests.factories import clip_validated

    poison = clip_validated(demo_campaign)
    with open(poison.audio.path, "wb") as f:
        f.write(b"garbage")
    services.preparation_run(claims=services.preparation_claim(limit=5))
    listing = staff_client.get("/admin/preparation/preparedclip/?state__exact=failed")
    assert b"LibsndfileError" in listing.content
    staff_client.post(
        "/admin/preparation/preparedclip/", {"action": "requeue", "_selected_action": [poison.preparation.id]}
    )
    assert PreparedClip.objects.get().state == "queued"
