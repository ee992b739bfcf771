"""What a campaign would train on now: clips and speakers per keyword and split, recorded vs synthetic, and
what is worth fixing first. The training page draws it before anyone presses "Start training"."""

from __future__ import annotations

from django.db.models import Count

from collector.models import Campaign, Clip
from preparation.models import PreparedClip, SynthesisRun
from preparation.splits import recorded_voices_present, split_used
from training.quality_gates import MIN_TEST_SPEAKERS

SPLITS = ("training", "validation", "testing")
KINDS = ("recorded", "synthetic")
MIN_TRAINING_CLIPS = 50  # per keyword: below this, a class is learned from a handful of voices
IMBALANCE_RATIO = 4  # the largest keyword's training clips over the smallest's


def _empty_splits() -> dict:
    return {split: {kind: {"clips": 0, "speakers": 0} for kind in KINDS} for split in SPLITS}


def _usable(campaign: Campaign, include_synthetic: bool):
    prepared = PreparedClip.objects.filter(
        clip__campaign=campaign, clip__status=Clip.Status.VALID, state=PreparedClip.State.DONE
    )
    return prepared if include_synthetic else prepared.filter(clip__synthetic=False)


def data_overview(*, campaign: Campaign, include_synthetic: bool = True) -> dict:
    """Counts as a job launched now would use them (synthetic test voices train when people are there)."""
    prepared = _usable(campaign, include_synthetic)
    has_recorded = recorded_voices_present(prepared)
    keywords = list(campaign.keywords.order_by("is_filler", "id").values_list("id", "text", "is_filler"))
    per_keyword = {kid: _empty_splits() for kid, _, _ in keywords}
    # Splits go by speaker and recorded and synthetic speakers are distinct, so speaker counts of these
    # groups add up exactly.
    for row in prepared.values("clip__keyword_id", "split", "clip__synthetic").annotate(
        clips=Count("clip_id"), speakers=Count("clip__contributor_id", distinct=True)
    ):
        split = split_used(row["split"], synthetic=row["clip__synthetic"], has_recorded_voices=has_recorded)
        cell = per_keyword[row["clip__keyword_id"]][split][KINDS[row["clip__synthetic"]]]
        cell["clips"] += row["clips"]
        cell["speakers"] += row["speakers"]
    speakers = {split: dict.fromkeys(KINDS, 0) for split in SPLITS}
    for row in prepared.values("split", "clip__synthetic").annotate(n=Count("clip__contributor_id", distinct=True)):
        split = split_used(row["split"], synthetic=row["clip__synthetic"], has_recorded_voices=has_recorded)
        speakers[split][KINDS[row["clip__synthetic"]]] += row["n"]
    rows = [
        {
            "text": text,
            "filler": is_filler,
            "clips": sum(cell["clips"] for split in per_keyword[kid].values() for cell in split.values()),
            "splits": per_keyword[kid],
        }
        for kid, text, is_filler in keywords
    ]
    waiting = Clip.objects.filter(campaign=campaign, is_gold=False, status=Clip.Status.PENDING).count()
    preparing = PreparedClip.objects.filter(
        clip__campaign=campaign, state__in=[PreparedClip.State.QUEUED, PreparedClip.State.RUNNING]
    ).count()
    return {
        "campaign": campaign.slug,
        "include_synthetic": include_synthetic,
        "has_recorded_voices": has_recorded,
        "keywords": rows,
        "speakers": speakers,
        "waiting_for_review": waiting,
        "being_prepared": preparing,
        "synthesis": _latest_synthesis(campaign),
        "warnings": _warnings(rows, speakers, has_recorded, waiting, preparing),
    }


def _latest_synthesis(campaign: Campaign) -> dict | None:
    run = SynthesisRun.objects.filter(campaign=campaign).first()
    if run is None:
        return None
    return {
        "state": run.state,
        "voices": run.voices,
        "voices_done": run.voices_done,
        "clips_created": run.clips_created,
        "error": run.error,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def _training_clips(row: dict) -> int:
    return sum(row["splits"]["training"][kind]["clips"] for kind in KINDS)


def _warnings(rows: list[dict], speakers: dict, has_recorded: bool, waiting: int, preparing: int) -> list[str]:
    out = []
    targets = [r for r in rows if not r["filler"]]
    empty = [r["text"] for r in targets if not r["clips"]]
    if empty:
        out.append(
            f"No prepared clips for {', '.join(empty)}: left unticked; a model cannot learn a word it never hears."
        )
    thin = [f"{r['text']} ({_training_clips(r)})" for r in targets if 0 < _training_clips(r) < MIN_TRAINING_CLIPS]
    if thin:
        out.append(f"Fewer than {MIN_TRAINING_CLIPS} training clips for {', '.join(thin)}: expect weak recall there.")
    untested = [r["text"] for r in targets if r["clips"] and not any(r["splits"]["testing"][k]["clips"] for k in KINDS)]
    if untested:
        out.append(f"No test clips for {', '.join(untested)}: their recall cannot be measured.")
    trained = [_training_clips(r) for r in targets if _training_clips(r)]
    if len(trained) > 1 and max(trained) > IMBALANCE_RATIO * min(trained):
        out.append(
            f"Unbalanced keywords: from {min(trained)} to {max(trained)} training clips per keyword; "
            "the model will favour the larger ones."
        )
    test_speakers = sum(speakers["testing"].values())
    if test_speakers and test_speakers < MIN_TEST_SPEAKERS:
        out.append(
            f"Only {test_speakers} speakers in the test split: a figure from fewer than {MIN_TEST_SPEAKERS} voices "
            "swings with one or two of them."
        )
    if test_speakers and not has_recorded:
        out.append(
            "Every test voice is synthetic: figures say how the model hears espeak-ng, not people. "
            "Recorded voices, once there, take over the test split."
        )
    if not any(r["filler"] and r["clips"] for r in rows):
        out.append("No filler words: _unknown_ learns only from keywords left unticked, so other speech may trigger.")
    if waiting or preparing:
        out.append(f"Not counted yet: {waiting} clips waiting for review and {preparing} being prepared.")
    return out
