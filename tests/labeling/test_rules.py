"""The rule, over every sequence of votes up to the cap."""

import itertools

import pytest

from labeling.rules import INVALID, OTHER, PENDING, VALID, decide

EXPECTED_AT = {
    # (valid, invalid): decision with the default cap of 4
    (0, 0): PENDING,
    (1, 0): PENDING,
    (0, 1): PENDING,
    (2, 0): VALID,
    (1, 1): PENDING,
    (0, 2): INVALID,
    (3, 0): VALID,
    (2, 1): VALID,
    (1, 2): INVALID,
    (0, 3): INVALID,
    (4, 0): VALID,
    (3, 1): VALID,
    (2, 2): OTHER,
    (1, 3): INVALID,
    (0, 4): INVALID,
}


@pytest.mark.parametrize("counts, expected", EXPECTED_AT.items())
def test_decision_table(counts, expected):
    assert decide(*counts, vote_cap=4) == expected


def replay(sequence: tuple[str, ...], cap: int) -> list[str]:
    """Cast votes one by one, stopping at the first decision, as the vote path does."""
    valid = invalid = 0
    states = []
    for vote in sequence:
        valid += vote == "v"
        invalid += vote == "i"
        states.append(decide(valid, invalid, cap))
        if states[-1] != PENDING:
            break
    return states


@pytest.mark.parametrize("cap", [2, 3, 4, 5, 6])
def test_every_sequence_up_to_the_cap(cap):
    for length in range(1, cap + 1):
        for sequence in itertools.product("vi", repeat=length):
            states = replay(sequence, cap)
            valid, invalid = sequence[: len(states)].count("v"), sequence[: len(states)].count("i")
            final = states[-1]
            # decisions need two votes and a strict majority; ties wait for the cap
            if final == VALID:
                assert valid + invalid >= 2 and valid > invalid
            elif final == INVALID:
                assert valid + invalid >= 2 and invalid > valid
            elif final == OTHER:
                assert valid == invalid and valid + invalid >= cap
            else:
                assert valid + invalid < 2 or (valid == invalid and valid + invalid < cap)
            # once decided, a clip takes no more votes, so it changes state exactly once
            assert all(s == PENDING for s in states[:-1])


def test_a_two_vote_cap_makes_a_one_one_tie_other():
    assert replay(("v", "i"), 2) == [PENDING, OTHER]
    assert replay(("v", "i", "v"), 4) == [PENDING, PENDING, VALID]


def test_ties_left_open_by_re_weighting_are_other_at_the_cap():
    # after a muted reviewer's votes stop counting, counts can land on a tie at the cap
    assert decide(2, 2, vote_cap=4) == OTHER
    assert decide(2, 2, vote_cap=6) == PENDING


def test_negative_counts_are_a_bug():
    with pytest.raises(ValueError):
        decide(-1, 0)
