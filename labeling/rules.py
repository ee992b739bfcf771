"""The one rule that decides a clip, and the optional rule that lets a confident model stand in for a second vote.
Pure: the vote path, re-evaluation and releases all call it."""

from __future__ import annotations

PENDING = "pending"
VALID = "valid"
INVALID = "invalid"
OTHER = "other"

MIN_VOTES = 2
DEFAULT_VOTE_CAP = 4


def decide(valid: int, invalid: int, vote_cap: int = DEFAULT_VOTE_CAP) -> str:
    """Decision for a clip with `valid` and `invalid` counted votes.

    valid when at least MIN_VOTES and a strict majority says valid; invalid likewise; a tie stays
    open until the vote cap, then it is `other`; anything else is still pending.
    """
    if valid < 0 or invalid < 0:
        raise ValueError("vote counts cannot be negative")
    total = valid + invalid
    if total >= MIN_VOTES and valid > invalid:
        return VALID
    if total >= MIN_VOTES and invalid > valid:
        return INVALID
    if total >= max(vote_cap, MIN_VOTES):
        return OTHER
    return PENDING


def decide_with_model(
    valid: int,
    invalid: int,
    vote_cap: int = DEFAULT_VOTE_CAP,
    *,
    trusted_kind: str | None,
    label_probability: float | None,
    confident: float,
) -> tuple[str, bool]:
    """The vote rule, and the optional rule beside it (CHORUS_TRUSTED_VOTE_WITH_MODEL): a clip the vote rule leaves
    pending is decided by one counted vote from a trusted reviewer (`trusted_kind`: valid or invalid) that no counted
    vote contradicts, when the model agrees with it at least `confident` sure: valid when the model gives the clip's
    keyword at least `confident`, invalid when it gives it at most 1 - `confident` (it hears another word).

    Returns the decision and whether the model took part in it.
    """
    decision = decide(valid, invalid, vote_cap)
    if decision != PENDING or trusted_kind not in (VALID, INVALID) or label_probability is None:
        return decision, False
    if (invalid if trusted_kind == VALID else valid) > 0:
        return decision, False
    if trusted_kind == VALID and label_probability >= confident:
        return VALID, True
    if trusted_kind == INVALID and label_probability <= 1 - confident:
        return INVALID, True
    return decision, False
