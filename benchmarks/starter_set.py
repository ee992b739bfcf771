"""The `make run` starter set, timed step by step: synthesize the demo's voices, prepare them, train the default job.

    .venv/bin/python benchmarks/starter_set.py [--voices 200] [--epochs 30] [--metrics-out metrics.json]

Prints the seconds of each step and the job's figures (int8 accuracy on held-out synthetic voices, the
majority-class baseline, the quality gate's verdict). Uses DATABASE_URL when set, else SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voices", type=int, default=None, help="default: what `make run` synthesizes")
    parser.add_argument("--epochs", type=int, default=None, help="default: the training page's default")
    parser.add_argument("--metrics-out", type=Path, help="also write the job's metrics and curves here (JSON)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="chorus-starter-"))
    os.environ.setdefault("CHORUS_VAR_DIR", str(workdir / "var"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from collector.models import Campaign
    from collector.synthesis import DEFAULT_VOICES
    from kws import train as kws_train
    from preparation import services
    from preparation.synthesis import starter_voices_add
    from training import jobs

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(slug="speech-commands-demo")
    voices = args.voices or DEFAULT_VOICES
    t0 = time.perf_counter()
    report, _ = starter_voices_add(campaign=campaign, voices=voices)
    synth_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    while claims := services.preparation_claim(limit=512):
        services.preparation_run(claims=claims)
    prepare_s = time.perf_counter() - t0
    keywords = list(campaign.keywords.filter(is_filler=False).order_by("id").values_list("text", flat=True))
    job = jobs.job_launch(campaign=campaign, keywords=keywords, epochs=args.epochs or kws_train.DEFAULT_EPOCHS)
    t0 = time.perf_counter()
    job = jobs.job_run(job_id=job.id)
    train_s = time.perf_counter() - t0
    m = job.metrics
    if args.metrics_out:
        args.metrics_out.write_text(json.dumps({"metrics": m, "history": job.history}, indent=1))
    print(f"voices={voices} clips={report.created} synthesize_s={synth_s:.0f} prepare_s={prepare_s:.0f}")
    print(
        f"job {job.id} {job.state} epochs={job.epochs} clips={len(job.clip_ids)} "
        f"test_examples={m.get('test_examples')} "
        f"train_s={train_s:.0f} total_s={synth_s + prepare_s + train_s:.0f}"
    )
    d = m["device"]
    c = d["chosen"]
    print(
        f"negative_hours={d['negative_hours']:.2f} utterances={d['utterances']} device_eval_s={d['seconds']} "
        f"frr_at_0.5fah={d['frr_at_0.5_fa_per_hour']} frr_at_0.1fah={d['frr_at_0.1_fa_per_hour']} "
        f"chosen_fah={c['fa_per_hour']} chosen_frr={c['frr']} threshold={c['detection_threshold']} "
        f"window_ms={c['average_window_ms']} latency_p50_ms={d['latency_ms_p50']} latency_p95_ms={d['latency_ms_p95']}"
    )
    print(
        f"int8_top1={m['int8_tflm_top1']:.4f} int8_top1_device_levels={m.get('int8_top1_device_levels')} "
        f"float_top1={m['float_top1']:.4f} "
        f"majority_baseline={m.get('majority_baseline', float('nan')):.4f} gate={m.get('quality_gate', {})}"
    )


if __name__ == "__main__":
    main()
