import numpy as np
import pytest

from labeling.agreement import cohen_kappa, fleiss_kappa


def test_cohen_kappa_matches_a_worked_example():
    # 50 items: both yes 20, a-yes/b-no 5, a-no/b-yes 10, both no 15 -> po=0.7, pe=0.5, kappa=0.4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    assert cohen_kappa(["y"] * 5, ["y"] * 5) is None


def test_fleiss_kappa_matches_the_wikipedia_example():
    # Fleiss (1971) as worked on Wikipedia: 10 items, 14 raters, 5 categories -> kappa 0.210
    table = np.array(
        [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
    )
    assert fleiss_kappa(table) == pytest.approx(0.210, abs=0.001)


def test_fleiss_kappa_with_varying_raters_and_perfect_agreement():
    assert fleiss_kappa(np.array([[3, 0], [0, 2], [4, 0], [1, 0]])) == pytest.approx(1.0)
    assert fleiss_kappa(np.array([[1, 0]])) is None
