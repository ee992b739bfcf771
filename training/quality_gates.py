"""Quality gates: a job's model is offered only if it beats guessing by a margin and reaches its campaign's floor."""

from __future__ import annotations

import numpy as np

MIN_MARGIN_OVER_MAJORITY = 0.20  # int8 accuracy must beat always-the-commonest-class by 20 points
MIN_TEST_SPEAKERS = 10  # below this, the test figure swings with a speaker or two: a warning, not a failure
MAX_STREAMING_FRR = 0.5  # at its operating point a model must hear at least half the keywords said in a stream
MIN_NEGATIVE_HOURS = 1.0  # fewer hours of negatives: FA/h is a warning's worth of evidence


def majority_baseline(y_test: np.ndarray) -> float:
    """The accuracy of always answering the test set's commonest class."""
    if not len(y_test):
        return 0.0
    return float(np.bincount(y_test).max() / len(y_test))


def quality_gate(
    *, int8_accuracy: float | None, y_test: np.ndarray, floor: float, test_speakers: int, device: dict | None = None
) -> dict:
    """{'passed', 'reasons' (why not), 'warnings', and the figures the verdict rests on}."""
    baseline = majority_baseline(y_test)
    reasons, warnings = [], []
    accuracy = int8_accuracy if int8_accuracy is not None else 0.0
    if int8_accuracy is None:
        reasons.append("the test split has no examples, so the model could not be measured")
    else:
        if accuracy < baseline + MIN_MARGIN_OVER_MAJORITY:
            reasons.append(
                f"int8 accuracy {accuracy:.1%} does not beat the majority-class baseline {baseline:.1%} "
                f"by {MIN_MARGIN_OVER_MAJORITY:.0%} points"
            )
        if accuracy < floor:
            reasons.append(f"int8 accuracy {accuracy:.1%} is below the campaign's floor of {floor:.1%}")
    if device is not None:
        _streaming_checks(device, reasons, warnings)
    if test_speakers < MIN_TEST_SPEAKERS:
        warnings.append(
            f"only {test_speakers} test speakers (fewer than {MIN_TEST_SPEAKERS}): the accuracy figure is not "
            "reliable; more speakers make it so"
        )
    return {
        "passed": not reasons,
        "reasons": reasons,
        "warnings": warnings,
        "int8_accuracy": int8_accuracy,
        "majority_baseline": baseline,
        "margin": MIN_MARGIN_OVER_MAJORITY,
        "floor": floor,
        "test_speakers": test_speakers,
    }


def _streaming_checks(device: dict, reasons: list[str], warnings: list[str]) -> None:
    """Clip accuracy is not enough: in a stream, at its operating point, the model must hear the keywords."""
    chosen = device["chosen"]
    if chosen["utterances"] and chosen["frr"] > MAX_STREAMING_FRR:
        verdict = (
            f"in a stream it misses {chosen['frr']:.1%} of keywords at its operating point "
            f"({chosen['fa_per_hour']} FA/h), above the ceiling of {MAX_STREAMING_FRR:.0%}"
        )
        # An operating point found on minutes of negatives is too loosely placed to fail a job on.
        if device["negative_hours"] >= MIN_NEGATIVE_HOURS:
            reasons.append(verdict)
        else:
            warnings.append(verdict)
    if not device["target_reached"]:
        warnings.append(
            f"no recognizer setting reached the target of {device['target_fa_per_hour']} false accepts per hour; "
            f"the package uses the one with the fewest ({chosen['fa_per_hour']} FA/h)"
        )
    if device["negative_hours"] < MIN_NEGATIVE_HOURS:
        warnings.append(
            f"false accepts were counted over {device['negative_hours']:.2f} h of negative audio only "
            f"(under {MIN_NEGATIVE_HOURS:g} h): rates below {1 / max(device['negative_hours'], 1e-9):.1f} FA/h "
            "cannot be told apart"
        )


MIN_WAKE_RECALL_MARGIN = 0.20  # the trivial baseline, a detector that never wakes, hears none


def wake_word_quality_gate(wake: dict, *, floor: float, test_speakers: int, unsupported_ops: list[str]) -> dict:
    """A wake-word model is useful when, at or under its target FA/h, it hears the phrase well above never
    waking (the baseline: 0 FA/h, every phrase missed) and at the campaign's floor (as 1 - FRR)."""
    reasons, warnings = [], []
    chosen = wake["chosen"]
    recall = 1.0 - chosen["frr"] if chosen["phrases"] else None
    if recall is None:
        reasons.append("the test split has no utterances of the phrase, so the model could not be measured")
    else:
        if not wake["target_reached"]:
            reasons.append(
                f"no cutoff reached the target of {wake['target_fa_per_hour']} false wakes per hour "
                f"(the fewest: {chosen['fa_per_hour']} FA/h)"
            )
        if recall < MIN_WAKE_RECALL_MARGIN:
            reasons.append(
                f"at its operating point it hears {recall:.1%} of the phrases: not {MIN_WAKE_RECALL_MARGIN:.0%} "
                "points above a detector that never wakes"
            )
        if recall < floor:
            reasons.append(f"it hears {recall:.1%} of the phrases, below the campaign's floor of {floor:.1%}")
    if unsupported_ops:
        reasons.append(f"ESPHome's micro_wake_word does not run these ops: {', '.join(unsupported_ops)}")
    if wake["negative_hours"] < MIN_NEGATIVE_HOURS:
        warnings.append(
            f"false wakes were counted over {wake['negative_hours']:.2f} h of negative audio only "
            f"(under {MIN_NEGATIVE_HOURS:g} h): rates below {1 / max(wake['negative_hours'], 1e-9):.1f} FA/h "
            "cannot be told apart"
        )
    if test_speakers < MIN_TEST_SPEAKERS:
        warnings.append(
            f"only {test_speakers} test speakers (fewer than {MIN_TEST_SPEAKERS}): the false-reject figure is not "
            "reliable; more speakers make it so"
        )
    return {
        "passed": not reasons,
        "reasons": reasons,
        "warnings": warnings,
        "recall": recall,
        "baseline": "never wakes: hears 0% of phrases at 0 FA/h",
        "floor": floor,
        "test_speakers": test_speakers,
    }
