"""The rule of five: no published demographic group, alone or combined, has fewer than K speakers.

Pure (no Django): speakers in, the values each may publish out. A blank value means "not published".
Releases (their manifests and datasheets) and model evaluation (per-group results) both apply it.
"""

from __future__ import annotations

from collections import Counter

K = 5
BLANK = ""


def publishable(speakers: dict[str, dict[str, str]], fields: list[str], k: int = K) -> dict[str, dict[str, str]]:
    """For each speaker, `fields` with any value held by fewer than k speakers blanked, and then, while a
    combination of the published values is shared by fewer than k speakers, its members' next field (in
    `fields` order: put the most identifying first) blanked too. Blanks never count as a group."""
    published = {s: {f: (values.get(f) or BLANK) for f in fields} for s, values in speakers.items()}
    while True:
        changed = _blank_rare_values(published, fields, k)
        changed |= _blank_rare_combinations(published, fields, k)
        if not changed:
            return published


def _blank_rare_values(published: dict[str, dict[str, str]], fields: list[str], k: int) -> bool:
    changed = False
    for field in fields:
        counts = Counter(v[field] for v in published.values() if v[field] != BLANK)
        for values in published.values():
            if values[field] != BLANK and counts[values[field]] < k:
                values[field] = BLANK
                changed = True
    return changed


def _blank_rare_combinations(published: dict[str, dict[str, str]], fields: list[str], k: int) -> bool:
    combination = lambda values: tuple(values[f] for f in fields)  # noqa: E731
    counts = Counter(combination(v) for v in published.values() if any(x != BLANK for x in v.values()))
    changed = False
    for values in published.values():
        if any(x != BLANK for x in values.values()) and counts[combination(values)] < k:
            first_shown = next(f for f in fields if values[f] != BLANK)
            values[first_shown] = BLANK
            changed = True
    return changed
