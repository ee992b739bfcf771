"""Release packaging: MB/s and peak RSS of building a release archive, at two sizes so the growth shows.

    .venv/bin/python benchmarks/release.py [--sizes 10000 50000] [--speakers-per-1000 40]

For each size: a fresh embedded database (or DATABASE_URL's, recreated) in a temp dir, seeded in bulk with that
many valid, prepared clips (distinct 1 s noise-and-tone WAVs, so gzip gets no free ride), demographics and
background noise. The release is then frozen in one child process and built by `release_build` in another, the
way a worker runs it. Prints files, archive MB, MB/s of WAV data packed, and each child's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


def seed(clips: int, speakers: int) -> int:
    """Bulk-creates the campaign's clips, files included; returns the campaign id."""
    import hashlib
    import io
    import uuid

    from django.conf import settings
    from django.core.management import call_command

    from collector.models import Campaign, Clip, Contributor, Demographics
    from core.pseudonyms import speaker_hash
    from kws.audio import encode_wav
    from kws.splits import which_set
    from preparation.models import BackgroundNoise, PreparedClip

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(slug="speech-commands-demo")
    keywords = {k.text: k for k in campaign.keywords.all()}
    rng = np.random.default_rng(0)
    people = Contributor.objects.bulk_create([Contributor(token_sha256=uuid.uuid4().hex * 2) for _ in range(speakers)])
    Demographics.objects.bulk_create(
        [
            Demographics(
                contributor=p,
                accent=["us", "gb", "in", "ng"][i % 4],
                gender=["female", "male"][i % 2],
                age_bracket=["18-29", "30-39", "40-49"][i % 3],
            )
            for i, p in enumerate(people)
        ]
    )
    media = Path(settings.MEDIA_ROOT)
    t = np.arange(16_000, dtype=np.float32) / 16_000
    rows, preps = [], []
    for i in range(clips):
        person = people[i % speakers]
        clip_id = uuid.uuid4()
        name = f"derived/{clip_id}/clean.wav"
        audio = 0.3 * np.sin(2 * np.pi * (200 + i % 300) * t) + rng.normal(0, 0.05, t.size).astype(np.float32)
        data = encode_wav(audio.astype(np.float32), 16_000)
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(data)
        rows.append(
            Clip(
                id=clip_id,
                campaign=campaign,
                keyword=keywords[WORDS[i % len(WORDS)]],
                contributor=person,
                consent_version="v1",
                audio=name,
                sha256=hashlib.sha256(data).hexdigest(),
                duration_s=1.0,
                sample_rate=16_000,
                num_samples=16_000,
                original_sample_rate=48_000,
                original_channels=1,
                original_format="WAV",
                status=Clip.Status.VALID,
                valid_votes=2,
                votes_counted=2,
                rms_dbfs=-12.0,
                peak=0.4,
                clipped_ratio=0.0,
                voiced_duration_s=0.6,
                loudest_1s_mean_abs=0.1,
                too_quiet=False,
            )
        )
        preps.append(
            PreparedClip(
                clip_id=clip_id,
                state=PreparedClip.State.DONE,
                split=which_set(speaker_hash(person.id)),
                cleaned_audio=name,
            )
        )
        if len(rows) == 2000:
            Clip.objects.bulk_create(rows)
            PreparedClip.objects.bulk_create(preps)
            rows, preps = [], []
    Clip.objects.bulk_create(rows)
    PreparedClip.objects.bulk_create(preps)
    noise = media / "noise" / "hum.wav"
    noise.parent.mkdir(parents=True, exist_ok=True)
    noise.write_bytes(encode_wav(rng.normal(0, 0.05, 16_000 * 30).astype(np.float32), 16_000))
    BackgroundNoise.objects.create(
        campaign=campaign, name="hum", audio="noise/hum.wav", duration_s=30.0, sample_rate=16_000
    )
    return campaign.id


def freeze(campaign_id: int) -> None:
    """Child one: freeze the clip list, as a web request or the command would."""
    from collector.models import Campaign
    from releases.services import release_create

    release = release_create(campaign=Campaign.objects.get(id=campaign_id), name="bench")
    print(f"RESULT {release.id} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


def build(release_id: int) -> None:
    """Child two: build the archive, as a worker does, and report its own peak RSS."""
    from releases.build import release_build

    started = time.perf_counter()
    release = release_build(release_id=release_id)
    elapsed = time.perf_counter() - started
    if release.state != "succeeded":
        raise SystemExit(release.error)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"RESULT {release.summary['files']} {release.archive_bytes} {elapsed:.3f} {peak_mb:.1f} "
        f"{release.summary['clips']}"
    )


def django_setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--speakers-per-1000", type=int, default=40)
    parser.add_argument("--freeze", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.freeze is not None or args.build is not None:
        django_setup()
        freeze(args.freeze) if args.freeze is not None else build(args.build)
        return
    url = os.environ.get("DATABASE_URL", "")
    for size in args.sizes:
        env = {
            **os.environ,
            "CHORUS_VAR_DIR": tempfile.mkdtemp(prefix=f"chorus-release-{size}-"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        if url.startswith("postgres"):
            from benchmarks.review_queue import recreate_database

            recreate_database(url)
        started = time.perf_counter()
        seeded = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.release import django_setup, seed; "
                f"django_setup(); print('CAMPAIGN', seed({size}, {max(5, size * args.speakers_per_1000 // 1000)}))",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        campaign_id = int(next(line.split()[1] for line in seeded.stdout.splitlines() if line.startswith("CAMPAIGN")))
        seed_s = time.perf_counter() - started
        release_id, freeze_mb = _child(["--freeze", str(campaign_id)], env)
        files, archive_bytes, elapsed, peak_mb, clips = _child(["--build", release_id], env)
        wav_mb = int(clips) * 32_044 / 1e6
        print(
            f"clips={clips} files={files} seed_s={seed_s:.0f} build_s={float(elapsed):.1f} "
            f"archive_mb={int(archive_bytes) / 1e6:.0f} mb_per_s={wav_mb / float(elapsed):.1f} "
            f"peak_rss_mb={float(peak_mb):.0f} freeze_peak_rss_mb={float(freeze_mb):.0f}",
            flush=True,
        )


def _child(args: list[str], env: dict) -> list[str]:
    done = subprocess.run(
        [sys.executable, __file__, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return next(line.split()[1:] for line in done.stdout.splitlines() if line.startswith("RESULT"))


if __name__ == "__main__":
    main()
