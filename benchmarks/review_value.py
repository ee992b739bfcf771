"""What model ordering and the optional rule do for a crowd whose truth is known: a simulation.

    .venv/bin/python benchmarks/review_value.py [--clips 20000] [--errors 0.1] [--budget 1.0] [--seed 0]

Clips: `--errors` of them are wrong (the wrong word, or not usable): their right decision is invalid, the rest's
valid. The model gives each clip a probability that it is its keyword, out of fold, as the label-error finder does:
sigmoid of a normal score centred at +3 for a right clip and -3 for a wrong one (sd 1.5: it hears 97.7% of the clips
right, about what the finder's models reach on the benchmark corpus), so its confident readings are mostly, not
always, right. Reviewers: 200 volunteers in good standing with accuracy drawn from 0.65-0.98, and 20 trusted
reviewers with 0.95-0.99; each request comes from one of them at random (the trusted ones a fifth of the time),
and every answer is right with the reviewer's accuracy.

The queue is the service's order: with ordering on, clips whose review value (1 - the model's probability) is at
least labeling.services.SERVE_FIRST_VALUE first, highest first; then the vote rule's order (most counted votes
first, then oldest). Decisions are labeling.rules.decide_with_model, the function the vote path calls, with
CHORUS_MODEL_CONFIDENT's default; rule=on is CHORUS_TRUSTED_VOTE_WITH_MODEL. Each case spends the same votes
(`--budget` per clip), and once more until the queue runs dry (budget=all). Prints per case votes spent per
decided clip, the share of decided clips decided wrong, the share decided, and the share of the wrong clips
caught (decided invalid) and let through (decided valid).
"""

from __future__ import annotations

import argparse
import heapq
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VOLUNTEERS, TRUSTED = 200, 20
TRUSTED_SHARE_OF_REQUESTS = 0.2
VOTE_CAP = 4


def crowd(rng: np.random.Generator, n_clips: int, error_share: float):
    wrong = rng.random(n_clips) < error_share
    score = np.where(wrong, -3.0, 3.0) + rng.normal(0, 1.5, n_clips)
    label_probability = 1 / (1 + np.exp(-score))
    accuracy = np.concatenate([rng.uniform(0.65, 0.98, VOLUNTEERS), rng.uniform(0.95, 0.99, TRUSTED)])
    trusted = np.arange(VOLUNTEERS + TRUSTED) >= VOLUNTEERS
    return wrong, label_probability, accuracy, trusted


def simulate(wrong, label_probability, accuracy, trusted, *, ordering: bool, rule: bool, budget: float | None, seed):
    from django.conf import settings

    from labeling import rules
    from labeling.services import SERVE_FIRST_VALUE

    rng = np.random.default_rng(seed)
    n = len(wrong)
    value = 1 - label_probability
    valid = np.zeros(n, np.int64)
    invalid = np.zeros(n, np.int64)
    status = np.array([rules.PENDING] * n, dtype=object)
    voted: list[set] = [set() for _ in range(n)]
    version = np.zeros(n, np.int64)

    def key(i: int) -> tuple:
        if ordering and value[i] >= SERVE_FIRST_VALUE:
            return (0, -value[i], i)
        return (1, -(valid[i] + invalid[i]), i)  # created in index order: oldest first

    heap = [(key(i), 0, i) for i in range(n)]
    heapq.heapify(heap)
    spent, limit = 0, (budget * n if budget is not None else float("inf"))
    while spent < limit and heap:
        reviewer = (
            rng.integers(VOLUNTEERS, VOLUNTEERS + TRUSTED)
            if rng.random() < TRUSTED_SHARE_OF_REQUESTS
            else rng.integers(0, VOLUNTEERS)
        )
        skipped, clip = [], None
        while heap:
            entry = heapq.heappop(heap)
            i = entry[2]
            if entry[1] != version[i] or status[i] != rules.PENDING:
                continue  # stale, or decided
            if reviewer in voted[i]:
                skipped.append(entry)
                continue
            clip = i
            break
        for entry in skipped:
            heapq.heappush(heap, entry)
        if clip is None:
            if not heap:
                break
            continue  # this reviewer has heard every pending clip; another will come
        right = rng.random() < accuracy[reviewer]
        says_valid = (not wrong[clip]) == right
        valid[clip] += says_valid
        invalid[clip] += not says_valid
        voted[clip].add(reviewer)
        spent += 1
        decision, _ = rules.decide_with_model(
            int(valid[clip]),
            int(invalid[clip]),
            VOTE_CAP,
            trusted_kind=(rules.VALID if says_valid else rules.INVALID) if rule and trusted[reviewer] else None,
            label_probability=float(label_probability[clip]),
            confident=settings.CHORUS_MODEL_CONFIDENT,
        )
        status[clip] = decision
        if decision == rules.PENDING:
            version[clip] += 1
            heapq.heappush(heap, (key(clip), version[clip], clip))
    decided = status != rules.PENDING
    wrong_decision = ((status == rules.VALID) & wrong) | ((status == rules.INVALID) & ~wrong)
    return {
        "votes_per_decided": spent / max(1, decided.sum()),
        "wrong_share": wrong_decision.sum() / max(1, decided.sum()),
        "decided_share": decided.mean(),
        "errors_caught": ((status == rules.INVALID) & wrong).sum() / max(1, wrong.sum()),
        "errors_passed": ((status == rules.VALID) & wrong).sum() / max(1, wrong.sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=20_000)
    parser.add_argument("--errors", type=float, default=0.1, help="share of clips whose right decision is invalid")
    parser.add_argument("--budget", type=float, default=1.0, help="votes per clip the crowd casts")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CHORUS_VAR_DIR", "/tmp/chorus-bench-var")
    import django

    django.setup()
    rng = np.random.default_rng(args.seed)
    wrong, label_probability, accuracy, trusted = crowd(rng, args.clips, args.errors)
    model_right = ((label_probability >= 0.5) != wrong).mean()
    print(f"clips={args.clips} errors={wrong.mean():.3f} model_hears_right={model_right:.3f}", flush=True)
    for budget in (args.budget, None):
        for ordering in (False, True):
            for rule in (False, True):
                result = simulate(
                    wrong, label_probability, accuracy, trusted, ordering=ordering, rule=rule, budget=budget, seed=7
                )
                print(
                    f"budget={'all' if budget is None else f'{budget:g}'} ordering={'on' if ordering else 'off'} "
                    f"rule={'on' if rule else 'off'} "
                    + " ".join(f"{name}={value:.3f}" for name, value in result.items()),
                    flush=True,
                )


if __name__ == "__main__":
    main()
