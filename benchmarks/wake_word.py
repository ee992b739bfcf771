"""A "hey jarvis" wake word trained through the job path, side by side with the microWakeWord model that
pymicro-wakeword ships, both run by pymicro-wakeword (OHF's runtime) on the same held-out streams.

    .venv/bin/python benchmarks/wake_word.py [--speakers 120] [--takes 6] [--hours 5] [--epochs 24]

Makes a Speech Commands tree here from espeak-ng voices (kws/synthetic.py): `hey_jarvis/` with 2 s takes,
confusable phrases in folders of their own, `_background_noise_/` and `_negative_/` (synthetic running speech),
imports it with `import_dataset --wake-word "hey jarvis" --validated`, prepares it, runs a TrainingJob in this
process and exports the ESPHome package. The held-out streams are utterances by voices of a seed neither model
trained on, placed every 3 s in negative speech at 5-25 dB SNR, and `--hours` of negative speech and noise.
Each model runs through `MicroWakeWord.from_config` fed by `MicroWakeWordFeatures` 10 ms at a time. Prints,
for each, FRR and FA/h at its own manifest cutoff and FRR at 0.5 FA/h (its own window, the cutoff swept).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import zipfile
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHRASE = "hey jarvis"
CONFUSABLES = [
    "hey travis",
    "hey marvin",
    "jarvis",
    "hey",
    "hey jeff",
    "harvest",
    "hey charles",
    "hey service",
    "hey darling",
    "a jar of this",
    "nervous",
    "hey there",
]
TRAIN_SEED, HELD_OUT_SEED = 0, 4_242  # voice seeds: the held-out voices are in neither training set
NEGATIVE_SEED = 9_100  # the benchmark's own negative speech, apart from the job's training and evaluation voices


def _speaker_takes(job: tuple) -> int:
    from kws import synthetic
    from tests.audio_factory import wav_bytes

    speaker, takes, root, seed = job
    rng = np.random.default_rng(seed)
    beds = synthetic.noise_beds(rng)
    written = 0
    for phrase, count in [(PHRASE, takes), *((c, 1) for c in CONFUSABLES)]:
        folder = Path(root) / phrase.replace(" ", "_")
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(count):
            clip = synthetic.take(phrase, speaker, rng, beds=beds, seconds=2.0)
            (folder / f"{speaker.id}_nohash_{n}.wav").write_bytes(wav_bytes(clip))
            written += 1
    return written


def make_corpus(root: Path, n_speakers: int, takes: int, negative_minutes: int) -> None:
    from kws import negatives, synthetic
    from tests.audio_factory import wav_bytes

    voices = synthetic.speakers(n_speakers, seed=TRAIN_SEED)
    with Pool(2) as pool:
        pool.map(_speaker_takes, [(s, takes, str(root), i) for i, s in enumerate(voices)])
    (root / "_background_noise_").mkdir(exist_ok=True)
    rng = np.random.default_rng(99)
    for kind in synthetic.NOISES:
        (root / "_background_noise_" / f"{kind}.wav").write_bytes(wav_bytes(synthetic.noise(kind, 30, rng)))
    (root / "_negative_").mkdir(exist_ok=True)
    pieces = negatives.synthetic_negatives(root / ".cache", [PHRASE, "jarvis"], negative_minutes * 60, seed=8_500)
    for i, piece in enumerate(pieces):
        (root / "_negative_" / f"speech_{i:03d}.wav").write_bytes(wav_bytes(piece))


def held_out_streams(workdir: Path, hours: float, utterances: int):
    """(phrase streams with their spans, negative recordings): voices and negative speech of their own."""
    from kws import negatives, synthetic, wake_word_eval

    rng = np.random.default_rng(HELD_OUT_SEED)
    voices = synthetic.speakers(max(1, utterances // 2), seed=HELD_OUT_SEED)
    phrases = [synthetic.say(PHRASE, v, rng) for v in voices for _ in range(2)][:utterances]
    negative = list(
        negatives.synthetic_negatives(workdir / "held-out", [PHRASE, "jarvis"], hours * 3600, seed=NEGATIVE_SEED)
    )
    noise_rng = np.random.default_rng(HELD_OUT_SEED + 1)
    negative += [synthetic.noise(kind, 600, noise_rng) * 0.3 for kind in synthetic.NOISES]
    beds = negative[: max(1, len(negative) // 10)]
    return wake_word_eval.phrase_streams(phrases, beds, rng), negative


def runtime_means(manifest: Path, audio: np.ndarray) -> np.ndarray:
    """What pymicro-wakeword compares with the cutoff at each model step: the mean over its sliding window."""
    from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures

    from kws.micro_frontend import pcm16

    model, features = MicroWakeWord.from_config(manifest), MicroWakeWordFeatures()
    pcm, chunk, out = pcm16(audio), 320, []
    for start in range(0, len(pcm), chunk):
        for frame in features.process_streaming(pcm[start : start + chunk]):
            out.append(model.process_streaming_prob(frame))
    return np.asarray(out[model.stride - 1 :: model.stride], np.float64)


def score(manifest: Path, phrase_streams, negative) -> dict:
    from kws import wake_word_eval

    config = json.loads(manifest.read_text())["micro"]
    phrase_scored = [
        wake_word_eval.ScoredStream(runtime_means(manifest, audio), [(int(a / 0.03), int(b / 0.03)) for a, b in spans])
        for audio, spans, _ in phrase_streams
    ]
    negative_scored = [wake_word_eval.ScoredStream(runtime_means(manifest, audio), []) for audio in negative]
    # the runtime's means are already over its window: sweep the cutoff with a window of one
    swept = wake_word_eval.sweep(
        phrase_scored,
        negative_scored,
        cutoffs=sorted({*np.round(np.arange(0.05, 1.0, 0.01), 3), config["probability_cutoff"]}),
        sliding_windows=(1,),
    )
    own = next(s for s in swept if s.cutoff == config["probability_cutoff"])
    return {"own": own, "frr_at_0_5": wake_word_eval.frr_at(swept, 0.5), "config": config}


def _progress_printer(job_id: int):
    """Print the job's epoch and validation figures every 15 s while it runs (it runs in this process)."""
    import threading

    done = threading.Event()

    def watch():
        from django.db import connection

        from training.models import TrainingJob

        while not done.wait(15):
            job = TrainingJob.objects.get(id=job_id)
            last = job.history[-1] if job.history else {}
            print(
                f"  epoch {job.epoch}/{job.epochs} val_recall={last.get('val_recall')} "
                f"val_false_positive_rate={last.get('val_false_positive_rate')}",
                flush=True,
            )
        connection.close()

    threading.Thread(target=watch, daemon=True).start()
    return done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speakers", type=int, default=120)
    parser.add_argument("--takes", type=int, default=6)
    parser.add_argument("--negative-minutes", type=int, default=20, help="of _negative_ recordings to train on")
    parser.add_argument("--hours", type=float, default=5.0, help="of held-out negative audio")
    parser.add_argument("--utterances", type=int, default=200, help="held-out utterances of the phrase")
    parser.add_argument("--epochs", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="chorus-wake-word-"))
    os.environ.setdefault("CHORUS_VAR_DIR", str(workdir / "var"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    started = time.perf_counter()
    make_corpus(workdir / "corpus", args.speakers, args.takes, args.negative_minutes)
    print(f"corpus: {args.speakers} voices x {args.takes} takes in {time.perf_counter() - started:.0f} s", flush=True)

    import django

    django.setup()
    from django.core.management import call_command

    from collector.models import Campaign
    from exporter.esphome_export import write_esphome_package
    from preparation import services
    from training import jobs

    call_command("migrate", verbosity=0)
    call_command(
        "import_dataset",
        str(workdir / "corpus"),
        "--campaign",
        "hey-jarvis",
        "--wake-word",
        PHRASE,
        "--validated",
        "--source",
        "synthetic",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    campaign = Campaign.objects.get(slug="hey-jarvis")
    while claims := services.preparation_claim(limit=512):
        services.preparation_run(claims=claims)
    job = jobs.job_launch(campaign=campaign, keywords=[PHRASE], epochs=args.epochs, seed=args.seed)
    t0 = time.perf_counter()
    watch = _progress_printer(job.id)
    job = jobs.job_run(job_id=job.id)
    watch.set()
    m = job.metrics
    wake = m["wake_word"]
    print(
        f"job {job.id} {job.state} clips={len(job.clip_ids)} train_windows={m['train_windows']} "
        f"mined={m['mined_hard_negatives']} job_s={time.perf_counter() - t0:.0f} eval_s={wake['seconds']}"
    )
    print(
        f"job_eval: negative_hours={wake['negative_hours']} phrases={wake['phrases']} "
        f"chosen={wake['chosen']['probability_cutoff']}/{wake['chosen']['sliding_window_size']} "
        f"frr={wake['chosen']['frr']} fa_per_hour={wake['chosen']['fa_per_hour']} "
        f"frr_at_0.5fah={wake['frr_at_0_5_fah']}"
    )
    package = workdir / "esphome"
    buffer = io.BytesIO()
    write_esphome_package(job, buffer)
    zipfile.ZipFile(buffer).extractall(package)
    ours = next(package.glob("*.json"))

    import pymicro_wakeword

    bundled = Path(pymicro_wakeword.__file__).parent / "models" / "hey_jarvis.json"
    t1 = time.perf_counter()
    phrase_streams, negative = held_out_streams(workdir, args.hours, args.utterances)
    hours = sum(len(a) for a in negative) / 16_000 / 3600
    print(f"held-out: {args.utterances} utterances, {hours:.2f} h of negatives in {time.perf_counter() - t1:.0f} s")
    for name, manifest in (("chorus", ours), ("bundled_hey_jarvis", bundled)):
        result = score(manifest, phrase_streams, negative)
        own, model_bytes = result["own"], (manifest.parent / json.loads(manifest.read_text())["model"]).stat().st_size
        frr05 = result["frr_at_0_5"]
        print(
            f"{name}: cutoff={result['config']['probability_cutoff']} window={result['config']['sliding_window_size']} "
            f"frr_at_own_cutoff={own.frr:.4f} fa_per_hour_at_own_cutoff={own.fa_per_hour:.3f} "
            f"frr_at_0.5fah={'not reached' if frr05 is None else f'{frr05:.4f}'} model_bytes={model_bytes} "
            f"manifest_arena={result['config']['tensor_arena_size']}",
            flush=True,
        )
    print(f"measured_arena_bytes={job.arena_bytes} total_s={time.perf_counter() - started:.0f}")


if __name__ == "__main__":
    main()
