"""Per-group results follow the rule of five, as releases do: a group of fewer than 5 test speakers is not
published, neither in metrics.json (kws.evaluation.per_group) nor in the model card."""

import json
from types import SimpleNamespace

import numpy as np

from kws.evaluation import per_group
from training.model_card import model_card


def examples():
    """Six Scottish speakers and one Welsh one (a rare accent), four clips each; silence has no speaker."""
    groups, y_true, y_pred = [], [], []
    for s in range(7):
        accent = "welsh" if s == 6 else "scottish"
        gender = "female" if s < 5 else "male"  # two men: too few to publish either
        for i in range(4):
            groups.append({"speaker": f"sp{s}", "accent": accent, "gender": gender, "age_bracket": "prefer_not"})
            y_true.append(1)
            y_pred.append(1 if (s == 6 or i) else 0)  # the Welsh speaker: always right, so findable by accuracy
    groups += [{}] * 3
    y_true += [0, 0, 0]
    y_pred += [0, 0, 0]
    return np.array(y_true), np.array(y_pred), groups


def test_groups_of_fewer_than_five_speakers_are_not_published():
    y_true, y_pred, groups = examples()
    result = per_group(y_true, y_pred, groups)
    assert result["accent"]["groups"] == {"scottish": {"accuracy": 0.75, "examples": 24, "speakers": 6}}
    assert result["gender"]["groups"] == {"female": {"accuracy": 0.75, "examples": 20, "speakers": 5}}
    assert result["age_bracket"]["groups"] == {}
    published = json.dumps(result)
    assert "welsh" not in published and 'male"' not in published.replace('female"', "")
    assert all(g["speakers"] >= 5 for field in result.values() for g in field["groups"].values())


def test_the_model_card_shows_only_published_groups():
    y_true, y_pred, groups = examples()
    job = SimpleNamespace(
        id=1,
        architecture="tiny_conv",
        labels=["_silence_", "yes"],
        arena_bytes=1,
        ops=[],
        features=SimpleNamespace(frames=49),
        feature_params={"n_mels": 40},
        feature_params_hash="x",
        normalization={},
        campaign=SimpleNamespace(name="c", slug="c", licence="CC-BY-4.0"),
        clip_ids=[],
        release_name="",
        code_version="x",
        metrics={"groups": per_group(y_true, y_pred, groups)},
    )
    card = model_card(job)
    section = card.split("## Per-group accuracy", 1)[1].split("## Known limits", 1)[0]
    assert "scottish 0.750 (n=24)" in section and "welsh" not in card and " male" not in section
    assert "fewer than 5 test speakers are not published" in card


def test_packages_of_jobs_evaluated_before_the_rule_publish_no_small_group():
    from exporter.model_package import published_groups

    stored = {  # metrics.json as jobs wrote it before: a lone Welsh test speaker, with accuracy and n
        "accent": {
            "groups": {"welsh": {"accuracy": 1.0, "examples": 4}, "scottish": {"accuracy": 0.75, "examples": 24}},
            "best": "welsh",
            "worst": "scottish",
            "gap": 0.25,
        }
    }
    assert published_groups(stored) == {"accent": {"groups": {}, "best": None, "worst": None, "gap": None}}
    y_true, y_pred, groups = examples()
    fresh = per_group(y_true, y_pred, groups)
    assert published_groups(fresh) == fresh  # what per_group publishes passes unchanged
