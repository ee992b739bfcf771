"""Quality gates: a job's model is offered only if it beats guessing by a margin and reaches its campaign's floor."""

from __future__ import annotations

import numpy as np

MIN_MARGIN_OVER_MAJORITY = 0.20  # int8 accuracy must beat always-the-commonest-class by 20 points
MIN_TEST_SPEAKERS = 10  # below this, the test figure swings with a speaker or two: a warning, not a failure


def majority_baseline(y_test: np.ndarray) -> float:
    """The accuracy of always answering the test set's commonest class."""
    if not len(y_test):
        return 0.0
    return float(np.bincount(y_test).max() / len(y_test))


def quality_gate(*, int8_accuracy: float | None, y_test: np.ndarray, floor: float, test_speakers: int) -> dict:
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
