"""Review queue latency on PostgreSQL with a million clips.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chorus_bench_queue \\
        .venv/bin/python benchmarks/review_queue.py [--sizes 10000,1000000] [--reviewers 50] [--seconds 20]

For each size it (re)creates the database, bulk-loads clips and votes with COPY (about two votes per
clip, with decided and pending clips in realistic shares) and a review value for every pending clip (15% of them
doubted by the model, which the queue serves first), gives each benchmark reviewer 1,000 earlier
answers on the clips at the head of the queue (so the queue must skip past them), then runs N
concurrent reviewers who each fetch the next clip and vote on it, with a think time, and prints p50
and p99 of next-clip and cast-vote as measured around the service calls.

A vote is timed as the reviewer waits for it: work deferred until its HTTP response has been delivered
(the broker nudge of a clip that became valid) runs after the clock stops, as it would behind gunicorn.
Django runs with DEBUG off, as in production (no query log kept).

Each reviewer answers one clip before the clock starts (their first answer in a process also reads
their consent from the database; its latency is printed on its own as first_vote), then all start
together, each thinking before every request, and all stop together.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPEAKERS = 20_000
VOTERS = 10_000
PRIOR_ANSWERS = 1_000
REVIEW_DOUBTED = 0.15  # share of pending clips the model doubts: the queue serves them first
# (share of clips, valid votes, invalid votes, status)
MIX = [
    (0.30, 2, 1, "valid"),
    (0.20, 2, 0, "valid"),
    (0.10, 0, 2, "invalid"),
    (0.10, 1, 2, "invalid"),
    (0.15, 1, 0, "pending"),
    (0.15, 0, 0, "pending"),
]


@contextmanager
def _admin_connection(url: str):
    """An autocommit connection to the maintenance database (CREATE and DROP DATABASE run outside a transaction)."""
    import psycopg2

    parsed = urlparse(url)
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    try:
        yield admin
    finally:
        admin.close()


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def recreate_database(url: str) -> None:
    name = database_name(url)
    with _admin_connection(url) as admin, admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')


def database_exists(url: str, name: str) -> bool:
    with _admin_connection(url) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def database_copy(url: str, source: str, target: str) -> None:
    """A file-level copy (seconds for a million clips; loading takes minutes); nobody may be connected to source."""
    with _admin_connection(url) as admin, admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}" STRATEGY FILE_COPY')


def copy(cursor, table: str, columns: list[str], rows: list[list]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def bulk_load(n_clips: int, reviewers: int, head_skips: bool = False) -> list[uuid.UUID]:
    from django.db import connection

    from collector.consent import consent_document
    from collector.models import Campaign

    campaign = Campaign.objects.get(slug="speech-commands-demo")
    document = consent_document(campaign)
    keyword_ids = list(campaign.keywords.values_list("id", flat=True))
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    people = [uuid.uuid4() for _ in range(SPEAKERS + VOTERS + reviewers)]
    now = "2026-11-21 00:00:00+00"
    with connection.cursor() as c:
        cursor = c.cursor
        copy(
            cursor,
            "collector_contributor",
            ["id", "token_sha256", "created_at"],
            [[p, uuid.uuid4().hex + uuid.uuid4().hex, now] for p in people],
        )
        copy(
            cursor,
            "collector_consent",
            ["contributor_id", "campaign_id", "version", "text_sha256", "is_adult", "licence", "accepted_at"],
            [[p, campaign.id, document.version, document.sha256, "t", campaign.licence, now] for p in people],
        )
        cursor.execute("SELECT contributor_id, id FROM collector_consent")
        consent_of = dict(cursor.fetchall())
        speakers, voters, bench = people[:SPEAKERS], people[SPEAKERS : SPEAKERS + VOTERS], people[SPEAKERS + VOTERS :]

        kinds = rng.choice(len(MIX), size=n_clips, p=[m[0] for m in MIX])
        clip_ids = [uuid.uuid4() for _ in range(n_clips)]
        speaker_idx = rng.integers(0, SPEAKERS, n_clips)
        keyword_idx = rng.integers(0, len(keyword_ids), n_clips)
        voter_start = rng.integers(0, VOTERS, n_clips)
        chunk = 100_000
        clip_columns = [
            "id",
            "campaign_id",
            "keyword_id",
            "contributor_id",
            "consent_id",
            "consent_version",
            "audio",
            "sha256",
            "duration_s",
            "sample_rate",
            "num_samples",
            "original_sample_rate",
            "original_channels",
            "original_format",
            "status",
            "status_reason",
            "decided_at",
            "valid_votes",
            "invalid_votes",
            "votes_counted",
            "review_lease_until",
            "is_gold",
            "gold_answer",
            "rms_dbfs",
            "peak",
            "clipped_ratio",
            "voiced_duration_s",
            "loudest_1s_mean_abs",
            "too_quiet",
            "created_at",
            "source",
            "source_path",
            "licence",
            "synthetic",
            "voice",
        ]
        for lo in range(0, n_clips, chunk):
            rows, votes = [], []
            for i in range(lo, min(lo + chunk, n_clips)):
                _, valid, invalid, status = MIX[kinds[i]]
                speaker = speakers[speaker_idx[i]]
                rows.append(
                    [
                        clip_ids[i],
                        campaign.id,
                        keyword_ids[keyword_idx[i]],
                        speaker,
                        consent_of[speaker],
                        "1",
                        f"clips/bench/{clip_ids[i]}.wav",
                        uuid.uuid4().hex * 2,
                        1.5,
                        16000,
                        24000,
                        48000,
                        1,
                        "WAV/PCM_16",
                        status,
                        "votes" if status != "pending" else "",
                        now if status != "pending" else None,
                        valid,
                        invalid,
                        valid + invalid,
                        None,
                        "f",
                        "",
                        -20.0,
                        0.5,
                        0.0,
                        0.6,
                        0.05,
                        "f",
                        "2026-01-01 00:00:00+00",
                        "chorus",
                        "",
                        "CC-BY-4.0",
                        "f",
                        "",
                    ]
                )
                for k, kind in enumerate(["valid"] * valid + ["invalid"] * invalid):
                    votes.append([clip_ids[i], voters[(voter_start[i] + k) % VOTERS], kind, "", "", 1, "f", now])
            copy(cursor, "collector_clip", clip_columns, rows)
            copy(
                cursor,
                "labeling_vote",
                ["clip_id", "voter_id", "kind", "reason", "note", "weight", "superseded", "created_at"],
                votes,
            )
        # spread creation times so "oldest first" has an order
        cursor.execute("UPDATE collector_clip SET created_at = created_at + (random() * interval '300 days')")
        # the label-error finder's reading of every pending clip (labeling.ReviewValue): the model doubts
        # REVIEW_DOUBTED of them (a value at or above the queue's serve-first mark), the rest it hears as their keyword
        cursor.execute(
            "INSERT INTO labeling_reviewvalue (clip_id, campaign_id, label_probability, value, computed_at) "
            "SELECT id, campaign_id, p, 1 - p, now() FROM (SELECT id, campaign_id, CASE WHEN random() < %s "
            "THEN random() * 0.8 ELSE 0.8 + random() * 0.2 END AS p FROM collector_clip WHERE status = 'pending') q",
            [REVIEW_DOUBTED],
        )
        # Each benchmark reviewer has a history of earlier answers: spread over the table (a reviewer's
        # votes move clips on), or with --head-skips all skips of the very clips at the head of the queue.
        if head_skips:
            cursor.execute(
                "SELECT id FROM collector_clip WHERE status = 'pending' AND NOT is_gold "
                "ORDER BY votes_counted DESC, created_at LIMIT %s",
                [PRIOR_ANSWERS],
            )
            history = {reviewer: [r[0] for r in cursor.fetchall()] for reviewer in bench[:1]}
            history = {reviewer: history[bench[0]] for reviewer in bench}
        else:
            history = {
                reviewer: [clip_ids[i] for i in rng.choice(n_clips, min(PRIOR_ANSWERS, n_clips), replace=False)]
                for reviewer in bench
            }
        copy(
            cursor,
            "labeling_vote",
            ["clip_id", "voter_id", "kind", "reason", "note", "weight", "superseded", "created_at"],
            [[clip, reviewer, "skip", "", "", 1, "f", now] for reviewer in bench for clip in history[reviewer]],
        )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM collector_clip")
        clips = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM labeling_vote")
        votes = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM labeling_reviewvalue WHERE value >= 0.2")
        doubted = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        # A live database has hint bits set and a current visibility map; rows fresh from COPY have neither, and
        # the first reads (or autovacuum) would write every page during the measurement.
        cursor.execute("VACUUM (FREEZE, ANALYZE)")
        cursor.execute("CHECKPOINT")
    print(
        f"loaded clips={clips} votes={votes} doubted={doubted} load_s={time.perf_counter() - started:.0f}", flush=True
    )
    return bench


def benchmark_reviewers() -> list:
    """The reviewers bulk_load created, found again in a copied database: only they have skipped clips."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT voter_id FROM labeling_vote WHERE kind = 'skip' ORDER BY voter_id")
        return [row[0] for row in cursor.fetchall()]


def database_prepared(url: str, size: int, args) -> list:
    """A freshly loaded database of `size` clips; with --keep-loaded, copied from the kept one when there is one."""
    from django.core.management import call_command
    from django.db import connections

    kept = f"{database_name(url)}_loaded_{size}_r{args.reviewers}{'_head' if args.head_skips else ''}"
    connections.close_all()
    if args.keep_loaded and database_exists(url, kept):
        database_copy(url, kept, database_name(url))
        call_command("migrate", verbosity=0)  # a kept copy may predate the newest migrations
        print(f"copied from {kept}", flush=True)
        return benchmark_reviewers()
    recreate_database(url)
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    bench = bulk_load(size, args.reviewers, args.head_skips)
    if args.keep_loaded:
        connections.close_all()
        database_copy(url, database_name(url), kept)
    return bench


def _warm_up() -> None:
    """What a web worker has done before its steady state: imports and the broker and cache connections
    that a vote making a clip valid uses (the preparation trigger publishes after commit)."""
    from django.core.cache import cache

    from config.celery import app
    from preparation.tasks import prepare_batch  # noqa: F401

    cache.get("chorus:warm-up")
    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection(max_retries=1)


def _reviewer_process(reviewer_ids: list, seconds: float, think_ms: float, seed: int, barrier, out) -> None:
    """One client process running a few reviewers as threads (processes keep the GIL out of the figures)."""
    from django.db import connection

    from collector.models import Campaign, Contributor
    from core import after_response
    from labeling import services

    campaign = Campaign.objects.get(slug="speech-commands-demo")
    next_ms, vote_ms, first_vote_ms = [], [], []
    lock = threading.Lock()
    _warm_up()

    def review_one(voter, rng, think) -> tuple[float, float | None]:
        think()
        t0 = time.perf_counter()
        clip = services.review_assign_next(voter=voter, campaign=campaign)
        took_next = (time.perf_counter() - t0) * 1000
        if clip is None:
            return took_next, None
        think()
        after_response.request_begin()
        t1 = time.perf_counter()
        try:
            services.vote_cast(voter=voter, clip_id=clip.id, kind="valid" if rng.random() < 0.8 else "invalid")
        except Exception as exc:  # decided by others meanwhile: the API's normal 409
            if getattr(exc, "code", "") not in ("already_decided", "already_answered"):
                raise
        took_vote = (time.perf_counter() - t1) * 1000
        after_response.request_end()  # the response is out
        return took_next, took_vote

    def reviewer(contributor_id, rng):
        voter = Contributor.objects.get(id=contributor_id)
        services.reviewer_trust_set(reviewer_id=voter.id, trusted=True)  # a crowd in good standing: votes decide
        mine_next, mine_vote = [], []

        def think() -> None:
            time.sleep(rng.exponential(think_ms) / 1000 if think_ms else 0)

        try:
            # A reviewer's first answer in a process also checks their consent in the database (then it is
            # remembered): reported on its own, so a short run does not count it once per reviewer in p99.
            _, first_vote = review_one(voter, rng, think)
            barrier.wait(
                timeout=300
            )  # every reviewer in every process is warm: no start-up work overlaps the measurement
            stop_at = time.monotonic() + seconds
            while time.monotonic() < stop_at:
                took_next, took_vote = review_one(
                    voter, rng, think
                )  # thinks first too: reviewers arrive at random moments
                mine_next.append(took_next)
                if took_vote is None:
                    break
                mine_vote.append(took_vote)
            barrier.wait(timeout=300)  # nobody disconnects while others are still measuring
        finally:
            connection.close()
            with lock:
                next_ms.extend(mine_next)
                vote_ms.extend(mine_vote)
                first_vote_ms.extend([first_vote] if first_vote is not None else [])

    import gc

    gc.collect()
    gc.freeze()  # long-lived objects (Django, models) out of the collector's way, as a tuned web worker does
    sys.setswitchinterval(0.0005)  # reviewers share a process: hand the GIL over sooner than the 5 ms default
    threads = [
        threading.Thread(target=reviewer, args=(c, np.random.default_rng(seed * 1000 + i)))
        for i, c in enumerate(reviewer_ids)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send((next_ms, vote_ms, first_vote_ms))


def run_reviewers(
    bench: list, seconds: float, think_ms: float, processes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import multiprocessing

    from django.db import connections

    connections.close_all()  # children open their own
    context = multiprocessing.get_context("fork")
    pipes, children = [], []
    barrier = context.Barrier(len(bench))
    for p in range(processes):
        receive, send = context.Pipe(duplex=False)
        child = context.Process(
            target=_reviewer_process, args=(bench[p::processes], seconds, think_ms, p, barrier, send)
        )
        child.start()
        pipes.append(receive)
        children.append(child)
    next_ms, vote_ms, first_vote_ms = [], [], []
    for receive, child in zip(pipes, children):
        n, v, f = receive.recv()
        next_ms += n
        vote_ms += v
        first_vote_ms += f
        child.join()
    return np.array(next_ms), np.array(vote_ms), np.array(first_vote_ms)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000,
        help="mean pause before each request (a reviewer listens to a 1.5 s clip)",
    )
    parser.add_argument("--processes", type=int, default=5, help="client processes the reviewers are spread over")
    parser.add_argument(
        "--head-skips",
        action="store_true",
        help="worst case: every reviewer skipped the 1,000 clips at the head of the queue",
    )
    parser.add_argument(
        "--keep-loaded",
        action="store_true",
        help="keep a copy of each freshly loaded database and start later runs from it (for repeated runs)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://... (a database this script may drop and recreate)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CHORUS_VAR_DIR", "/tmp/chorus-bench-var")
    for name, value in (
        ("CHORUS_ENV", "production"),
        ("SECRET_KEY", "benchmark-only-" + secrets.token_urlsafe(32)),  # production wants 32+ characters
        ("CHORUS_SPEAKER_PEPPER", "benchmark-only-" + secrets.token_urlsafe(32)),
    ):
        os.environ.setdefault(name, value)
    import django

    django.setup()

    for size in [int(s) for s in args.sizes.split(",")]:
        bench = database_prepared(url, size, args)
        next_ms, vote_ms, first_vote_ms = run_reviewers(bench, args.seconds, args.think_ms, args.processes)
        print(
            f"clips={size} reviewers={args.reviewers} think_ms={args.think_ms:g} processes={args.processes} "
            f"head_skips={args.head_skips} next_n={len(next_ms)} next_p50_ms={np.percentile(next_ms, 50):.2f} "
            f"next_p99_ms={np.percentile(next_ms, 99):.2f} vote_n={len(vote_ms)} "
            f"vote_p50_ms={np.percentile(vote_ms, 50):.2f} vote_p99_ms={np.percentile(vote_ms, 99):.2f} "
            f"first_vote_p50_ms={np.percentile(first_vote_ms, 50):.2f} first_vote_max_ms={first_vote_ms.max():.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
