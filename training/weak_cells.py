"""The last model's weak cells raise their targets: after a job succeeds, the keywords and demographic groups it
missed more often than the rest get bigger targets in the collector, so prompts ask for them sooner.

A cell's false-reject rate is 1 - recall for a keyword (commands jobs' per-class results) and 1 - accuracy for a
group (each field's published groups: for a commands job the share of the group's test clips recognized, for a
wake-word job the share of its utterances heard at the operating point). A cell is weak when that rate is at least
WEAK_MARGIN above the baseline (the rate over all keywords, or over all of the field's published groups, weighted
by examples) and it had at least MIN_EXAMPLES test examples; its factor is its rate over the baseline, at most
collector.targets.MAX_BOOST. Groups follow the rule of five as the metrics already do: no group under it is there.
"""

from __future__ import annotations

from collector.services import target_boosts_replace
from collector.targets import MAX_BOOST
from kws.evaluation import GROUP_MIN_EXAMPLES
from training.models import TrainingJob

WEAK_MARGIN = 0.02
MIN_EXAMPLES = GROUP_MIN_EXAMPLES
BASELINE_FLOOR = 0.01  # a near-perfect baseline would make any miss look infinitely weak


def weak_cells(metrics: dict) -> list[dict]:
    """The weak cells of one job's metrics, as collector.services.target_boosts_replace takes them."""
    keywords = [
        (c["label"], 1 - c["recall"], c["support"])
        for c in metrics.get("per_class", [])
        if not c["label"].startswith("_") and c.get("recall") is not None
    ]
    boosts = [{"keyword": label, **b} for label, b in _weak(keywords)]
    for field_name, result in (metrics.get("groups") or {}).items():
        groups = [
            (group, 1 - g["accuracy"], g["examples"])
            for group, g in (result.get("groups") or {}).items()
            if g.get("accuracy") is not None
        ]
        boosts += [{"field": field_name, "group": group, **b} for group, b in _weak(groups)]
    return boosts


def _weak(cells: list[tuple[str, float, int]]) -> list[tuple[str, dict]]:
    total = sum(n for _, _, n in cells)
    if not total:
        return []
    baseline = sum(rate * n for _, rate, n in cells) / total
    return [
        (
            name,
            {
                "false_reject_rate": round(rate, 4),
                "baseline_rate": round(baseline, 4),
                "factor": round(min(MAX_BOOST, rate / max(baseline, BASELINE_FLOOR)), 3),
            },
        )
        for name, rate, n in cells
        if n >= MIN_EXAMPLES and rate >= baseline + WEAK_MARGIN
    ]


def weak_cells_apply(*, job: TrainingJob) -> None:
    """After a job: a succeeded one's weak cells replace the campaign's boosts; any other leaves the last
    succeeded job's in place."""
    if job.state == TrainingJob.State.SUCCEEDED:
        target_boosts_replace(campaign=job.campaign, boosts=weak_cells(job.metrics), source=f"training job {job.id}")
