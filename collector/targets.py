"""A campaign's targets: how many usable recorded clips it wants per keyword and per keyword x demographic group.

Defaults, when an admin set none (KeywordTarget rows override them cell by cell):
- a keyword: the campaign's `target_clips_per_keyword`;
- a keyword x group: an even share of that keyword's target among the answers the "About you" form offers for the
  field (accents: the language's list; genders and age brackets: every answer but "prefer not to say" and
  "another"), rounded up, so a field's group targets add up to about the keyword's. "Prefer not to say" and
  "another ..." are no group and have no target.
Weak cells of the last succeeded model (TargetBoost rows) multiply their targets, by at most MAX_BOOST in all.
Synthetic voices never count toward a target: targets are about people.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from collector.models import PREFER_NOT, Campaign, Demographics, KeywordTarget, TargetBoost

MAX_BOOST = 2.0
OTHER_GROUP = "other/undisclosed"  # where "prefer not to say", "another ..." and groups under the rule of five go
NO_GROUP_VALUES = frozenset({"", PREFER_NOT, "other", None})


def group_options(campaign: Campaign) -> dict[str, list[str]]:
    """Per field, the specific answers the "About you" form offers for this campaign."""
    return {
        "accent": list(campaign.language.accents or []),
        "gender": [value for value, _ in Demographics.GENDERS if value not in NO_GROUP_VALUES],
        "age_bracket": [value for value, _ in Demographics.AGE_BRACKETS if value not in NO_GROUP_VALUES],
    }


def is_group(value: str | None) -> bool:
    """Whether a stored demographic value names a group (not "prefer not to say", "another ..." or nothing)."""
    return value not in NO_GROUP_VALUES


@dataclass(frozen=True)
class Targets:
    keyword_default: int
    group_shares: dict[str, int]  # field -> how many answers share a keyword's target
    explicit: dict[tuple[int, str, str], int] = field(default_factory=dict)  # (keyword id, field, group) -> clips
    keyword_boost: dict[int, float] = field(default_factory=dict)
    group_boost: dict[tuple[str, str], float] = field(default_factory=dict)

    def keyword_base(self, keyword_id: int) -> int:
        return self.explicit.get((keyword_id, "", ""), self.keyword_default)

    def keyword(self, keyword_id: int) -> int:
        """The keyword's target over every group, its boost applied."""
        return math.ceil(self.keyword_base(keyword_id) * min(MAX_BOOST, self.keyword_boost.get(keyword_id, 1.0)))

    def group(self, keyword_id: int, field_name: str, group: str) -> int | None:
        """The keyword x group target, boosts applied; None for the other/undisclosed bucket, which has none."""
        if group == OTHER_GROUP or not is_group(group):
            return None
        base = self.explicit.get((keyword_id, field_name, group))
        if base is None:
            base = math.ceil(self.keyword_base(keyword_id) / self.group_shares[field_name])
        boost = self.keyword_boost.get(keyword_id, 1.0) * self.group_boost.get((field_name, group), 1.0)
        return math.ceil(base * min(MAX_BOOST, boost))

    def boosted(self, keyword_id: int, field_name: str, group: str) -> bool:
        return self.keyword_boost.get(keyword_id, 1.0) > 1.0 or self.group_boost.get((field_name, group), 1.0) > 1.0


def campaign_targets(*, campaign: Campaign) -> Targets:
    """The campaign's targets in two small queries (its KeywordTarget and TargetBoost rows)."""
    explicit = {
        (keyword_id, field_name, group): clips
        for keyword_id, field_name, group, clips in KeywordTarget.objects.filter(campaign=campaign).values_list(
            "keyword_id", "field", "group", "clips"
        )
    }
    keyword_boost, group_boost = {}, {}
    for keyword_id, field_name, group, factor in TargetBoost.objects.filter(campaign=campaign).values_list(
        "keyword_id", "field", "group", "factor"
    ):
        if keyword_id is not None and not field_name:
            keyword_boost[keyword_id] = factor
        elif keyword_id is None and field_name:
            group_boost[(field_name, group)] = factor
    return Targets(
        keyword_default=campaign.target_clips_per_keyword,
        group_shares={f: max(1, len(values)) for f, values in group_options(campaign).items()},
        explicit=explicit,
        keyword_boost=keyword_boost,
        group_boost=group_boost,
    )
