"""Many reviewers voting at once on the same clips, on PostgreSQL, with the real broker and worker."""

import random
import threading
import time

import pytest
from django.db import connection

from core.errors import Conflict
from labeling import rules, services
from labeling.models import StatusChange, Vote
from preparation.models import PreparedClip
from tests.factories import clip_recorded, voter_in_good_standing
from tests.services import require_postgres

pytestmark = pytest.mark.worker
THREADS = 24
CLIPS = 12


def test_concurrent_votes_count_exactly_and_trigger_the_pipeline_once(worker, demo_campaign):
    require_postgres()
    clips = [clip_recorded(demo_campaign) for _ in range(CLIPS)]
    voters = [voter_in_good_standing(demo_campaign) for _ in range(THREADS)]
    accepted, rejected = [], []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def review(voter, seed):
        rng = random.Random(seed)
        order = clips[:]
        rng.shuffle(order)
        start.wait()
        try:
            for clip in order:
                kind = rng.choice(["valid", "valid", "invalid"])
                try:
                    services.vote_cast(
                        voter=voter, clip_id=clip.id, kind=kind, reason="noisy" if kind == "invalid" else ""
                    )
                    with lock:
                        accepted.append((clip.id, kind))
                except Conflict as exc:
                    assert exc.code == "already_decided", exc.code
                    with lock:
                        rejected.append(clip.id)
        finally:
            connection.close()

    threads = [threading.Thread(target=review, args=(v, i)) for i, v in enumerate(voters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(accepted) + len(rejected) == THREADS * CLIPS
    for clip in clips:
        clip.refresh_from_db()
        cast = [kind for clip_id, kind in accepted if clip_id == clip.id]
        votes = list(Vote.objects.filter(clip=clip).order_by("id").values_list("kind", flat=True))
        assert sorted(votes) == sorted(cast)
        assert (clip.valid_votes, clip.invalid_votes, clip.votes_counted) == (
            votes.count("valid"),
            votes.count("invalid"),
            len(votes),
        )
        # the votes, replayed in the order they committed, decide at the last one and not before
        assert all(
            rules.decide(votes[:k].count("valid"), votes[:k].count("invalid")) == "pending" for k in range(len(votes))
        )
        assert rules.decide(votes.count("valid"), votes.count("invalid")) == clip.status != "pending"
        assert list(StatusChange.objects.filter(clip=clip).values_list("from_status", "to_status")) == [
            ("pending", clip.status)
        ]

    valid_ids = {c.id for c in clips if c.status == "valid"}
    assert valid_ids and set(PreparedClip.objects.values_list("clip_id", flat=True)) == valid_ids
    deadline = time.monotonic() + 60
    while PreparedClip.objects.exclude(state="done").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    prepared = list(PreparedClip.objects.values_list("state", "attempts"))
    assert prepared == [("done", 1)] * len(valid_ids), worker.log()
