"""Plant wrong-folder clips in a synthetic corpus and see how many the label-error finder ranks first.

    .venv/bin/python benchmarks/label_errors.py [--speakers 60] [--takes 3] [--share 0.05] [--seed 0]

Makes the corpus as benchmarks/train_kws.py does (espeak-ng voices, the 10 core words, half the takes over
noise), moves `--share` of the takes into another word's folder (the label error a mis-sorted dataset has),
imports it with `import_dataset --validated`, prepares it, then runs `find_label_errors --json` and prints
planted=N suspects=M, the suspects' precision and recall, and precision and recall in the top 2 x N of the
finder's whole ranking. Uses DATABASE_URL when set, else SQLite in a temporary folder.
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.train_kws import CORE, make_corpus  # noqa: E402

CAMPAIGN = "label-errors-bench"


def plant(root: Path, share: float, rng: np.random.Generator) -> dict[str, str]:
    """Move `share` of the takes into another word's folder; returns each moved take's new path -> its word."""
    takes = sorted(p.relative_to(root).as_posix() for word in CORE for p in (root / word).glob("*.wav"))
    planted = {}
    for path in rng.choice(takes, round(share * len(takes)), replace=False):
        word, name = path.split("/")
        folder = rng.choice([w for w in CORE if w != word])
        target = f"{folder}/{name.replace('_nohash_', '_nohash_9')}"  # the speaker's own takes there keep theirs
        (root / path).rename(root / target)
        planted[target] = word
    return planted


def figures(ranked_paths: list[str], planted: set[str], top: int) -> tuple[float, float]:
    hits = len(planted.intersection(ranked_paths[:top]))
    return hits / max(min(top, len(ranked_paths)), 1), hits / len(planted)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speakers", type=int, default=60)
    parser.add_argument("--takes", type=int, default=3)
    parser.add_argument("--share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="chorus-label-errors-"))
    os.environ.setdefault("CHORUS_VAR_DIR", str(workdir / "var"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    started = time.perf_counter()
    make_corpus(workdir / "corpus", args.speakers, args.takes, words=CORE)
    planted = plant(workdir / "corpus", args.share, np.random.default_rng(args.seed))
    print(
        f"corpus: {args.speakers} speakers x {len(CORE)} words x {args.takes} takes, {len(planted)} moved to another "
        f"word's folder, in {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    import django

    django.setup()
    from django.core.management import call_command

    from collector.models import Clip
    from kws import label_errors as finder
    from preparation import services
    from training import label_errors as finder_service

    call_command("migrate", verbosity=0)
    call_command(
        "import_dataset",
        str(workdir / "corpus"),
        "--campaign",
        CAMPAIGN,
        "--validated",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    while claims := services.preparation_claim(limit=512):
        services.preparation_run(claims=claims)
    paths = dict(Clip.objects.filter(campaign__slug=CAMPAIGN).values_list("id", "source_path"))

    # the finder's whole ranking, not only its suspects, for the top-2N figures: kept as the command computes it
    seen = {}
    find, load = finder.label_issues_find, finder_service.finder_data

    def finder_data(**kwargs):
        seen["data"] = load(**kwargs)
        return seen["data"]

    def label_issues_find(*a, **kw):
        seen["issues"] = find(*a, **kw)
        return seen["issues"]

    finder.label_issues_find, finder_service.finder_data = label_issues_find, finder_data
    t0 = time.perf_counter()
    out = io.StringIO()
    call_command("find_label_errors", "--campaign", CAMPAIGN, "--json", stdout=out)
    seconds = time.perf_counter() - t0
    suspects = [json.loads(line)["source_path"] for line in out.getvalue().splitlines()]
    data, issues = seen["data"], seen["issues"]
    ranking = [paths[data.clip_ids[i]] for i in np.argsort(issues.quality, kind="stable")]
    precision, recall = figures(suspects, set(planted), len(suspects))
    precision_2x, recall_2x = figures(ranking, set(planted), 2 * len(planted))
    truth = [planted.get(paths[c], paths[c].split("/")[0]) for c in data.clip_ids]
    heard = [data.keyword_texts[k] for k in issues.predicted]
    accuracy = float(np.mean([a == b for a, b in zip(truth, heard)]))
    print(
        f"planted={len(planted)} suspects={len(suspects)} precision={precision:.3f} recall={recall:.3f} "
        f"precision_at_2x={precision_2x:.3f} recall_at_2x={recall_2x:.3f}"
    )
    print(f"clips={len(data.clip_ids)} out_of_fold_accuracy_vs_true_words={accuracy:.3f} finder_s={seconds:.0f}")


if __name__ == "__main__":
    main()
