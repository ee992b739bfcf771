"""Whose votes count: the standing rule beside the vote rule (rules.py).

A vote counts toward a decision only from a voter in good standing: a reviewer an admin trusts (a reviewer
account, or a voter the admin marked trusted), or a voter who has answered enough gold clips at or above the
gold-accuracy floor. Anyone whose gold accuracy falls under the floor stops counting, trusted or not. Other
votes are kept with weight 0 and count once the voter earns standing (the worker re-decides their clips).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext


@dataclass(frozen=True)
class Standing:
    counts: bool
    reason: str  # what the voter is told, in a sentence
    gold_answered: int
    gold_needed: int
    gold_accuracy: float | None
    accuracy_floor: float

    @property
    def weight(self) -> int:
        return 1 if self.counts else 0


def voter_standing(*, trusted: bool, gold_answered: int, gold_correct: int) -> Standing:
    needed, floor = settings.CHORUS_GOLD_MIN_ANSWERS, settings.CHORUS_GOLD_MIN_ACCURACY
    accuracy = gold_correct / gold_answered if gold_answered else None
    percent = {"accuracy": f"{accuracy:.0%}" if accuracy is not None else "", "floor": f"{floor:.0%}"}
    if gold_answered >= needed and accuracy < floor:
        counts = False
        reason = (
            gettext(
                "Your answers on check clips are %(accuracy)s right, under the %(floor)s this campaign needs, "
                "so your votes do not count toward decisions for now."
            )
            % percent
        )
    elif trusted:
        counts, reason = True, gettext("Your votes count: an admin trusts this reviewer account.")
    elif gold_answered >= needed:
        counts = True
        reason = gettext("Your votes count: you answered %(answered)s check clips, %(accuracy)s of them right.") % {
            **percent,
            "answered": gold_answered,
        }
    else:
        counts = False
        reason = gettext(
            "Your votes count once you have answered %(needed)s check clips (clips whose answer is known) with at "
            "least %(floor)s right; you have answered %(answered)s. Until then they are kept and will count "
            "as soon as you qualify."
        ) % {**percent, "needed": needed, "answered": gold_answered}
    return Standing(
        counts=counts,
        reason=reason,
        gold_answered=gold_answered,
        gold_needed=needed,
        gold_accuracy=accuracy,
        accuracy_floor=floor,
    )
