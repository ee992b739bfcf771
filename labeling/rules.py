"""The one rule that decides a clip. Pure: the vote path, re-evaluation and releases all call it."""

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
