"""Train the default model on a synthetic corpus through the same code path as a job, and print its figures.

    .venv/bin/python benchmarks/train_kws.py [--speakers 120] [--takes 4] [--epochs 30] [--arch ds_cnn]

Makes the corpus here (kws/synthetic.py: espeak-ng voices x accents x pitch x speed x vocal-tract warp;
the 10 core words + 10 fillers; half the clips over white/pink/brown/hum noise at 5-25 dB SNR), imports it
with `import_dataset --validated`, prepares it, then launches and runs a TrainingJob in this process and
prints int8 top-1 on 12 classes (test speakers never seen in training), float top-1, model bytes, TFLM
arena bytes and training seconds. Uses DATABASE_URL when set, else SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORE = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
FILLERS = ["bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow"]
ACCENT_LABELS = {
    "en-us": "American",
    "en": "British",
    "en-gb-scotland": "Scottish",
    "en-gb-x-rp": "British",
    "en-gb-x-gbclan": "British",
    "en-gb-x-gbcwmd": "British",
    "en-029": "Caribbean",
}


def _speaker_takes(job: tuple) -> int:
    from kws import synthetic
    from tests.audio_factory import wav_bytes

    speaker, takes, root, seed, words = job
    rng = np.random.default_rng(seed)
    beds = synthetic.noise_beds(rng)
    for word in words:
        folder = Path(root) / word
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(takes):
            clip = synthetic.take(word, speaker, rng, beds=beds)
            (folder / f"{speaker.id}_nohash_{n}.wav").write_bytes(wav_bytes(clip))
    return takes * len(words)


def make_corpus(root: Path, n_speakers: int, takes: int, words: list[str] = CORE + FILLERS) -> list:
    from kws import synthetic
    from tests.audio_factory import wav_bytes

    voices = synthetic.speakers(n_speakers)
    with Pool(2) as pool:
        pool.map(_speaker_takes, [(s, takes, str(root), i, words) for i, s in enumerate(voices)])
    (root / "_background_noise_").mkdir(exist_ok=True)
    rng = np.random.default_rng(99)
    for kind in synthetic.NOISES:
        (root / "_background_noise_" / f"{kind}.wav").write_bytes(wav_bytes(synthetic.noise(kind, 30, rng)))
    return voices


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speakers", type=int, default=120)
    parser.add_argument("--takes", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--arch", default="ds_cnn")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="chorus-train-kws-"))
    os.environ.setdefault("CHORUS_VAR_DIR", str(workdir / "var"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    started = time.perf_counter()
    voices = make_corpus(workdir / "corpus", args.speakers, args.takes)
    print(
        f"corpus: {args.speakers} speakers x {len(CORE + FILLERS)} words x {args.takes} takes "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    import django

    django.setup()
    from django.core.management import call_command

    from collector.models import Campaign, Contributor, Demographics
    from preparation import services
    from training import jobs

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(slug="speech-commands-demo")
    call_command(
        "import_dataset",
        str(workdir / "corpus"),
        "--campaign",
        campaign.slug,
        "--validated",
        "--source",
        "synthetic",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    by_id = {v.id: v for v in voices}
    for contributor in Contributor.objects.filter(external_key__startswith="synthetic:"):
        voice = by_id[contributor.external_key.split(":", 1)[1]]
        Demographics.objects.update_or_create(
            contributor=contributor, defaults={"accent": ACCENT_LABELS[voice.accent], "gender": voice.gender}
        )
    while claims := services.preparation_claim(limit=512):
        services.preparation_run(claims=claims)

    job = jobs.job_launch(campaign=campaign, keywords=CORE, architecture=args.arch, epochs=args.epochs, seed=args.seed)
    t0 = time.perf_counter()
    job = jobs.job_run(job_id=job.id)
    seconds = time.perf_counter() - t0
    m = job.metrics
    training_s = (job.finished_at - job.started_at).total_seconds()
    print(
        f"job {job.id} {job.state} arch={args.arch} epochs={args.epochs} clips={len(job.clip_ids)} "
        f"test_examples={m.get('test_examples')}"
    )
    print(
        f"int8_top1={m['int8_tflm_top1']:.4f} float_top1={m['float_top1']:.4f} "
        f"int8_tflite_top1={m['int8_tflite_top1']:.4f} tflite_tflm_agreement={m['tflite_tflm_agreement']:.4f}"
    )
    print(
        f"model_bytes={m['model_bytes']} arena_bytes={m['arena_bytes']} training_s={training_s:.0f} job_s={seconds:.0f}"
    )
    s = m["streaming"]
    print(
        f"false_accepts_per_hour={s['false_accepts_per_hour']} false_reject_rate={s['false_reject_rate']} "
        f"accent_gap={m['groups']['accent']['gap']} gender_gap={m['groups']['gender']['gap']}"
    )


if __name__ == "__main__":
    main()
