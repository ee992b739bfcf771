"""The model card of a finished job: lineage, results, per-group results and known limits, in markdown."""

from __future__ import annotations


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def model_card(job, *, synthetic_share: str = "") -> str:
    """A markdown model card: lineage, metrics, quality gates, per-group results, known limits."""
    m = job.metrics
    gate = m.get("quality_gate", {})
    lines = [
        f"# Model card: training job {job.id}",
        "",
        "## Model",
        f"- Architecture: {job.architecture}; classes (output order): {', '.join(job.labels)}",
        f"- int8 TFLite: {m.get('model_bytes')} bytes; TFLM tensor arena: {job.arena_bytes} bytes; "
        f"ops: {', '.join(job.ops)}",
        f"- Input: {job.features.frames} x {job.feature_params.get('n_mfcc') or job.feature_params.get('n_mels')} "
        f"log-mel features (FeatureParams {job.feature_params_hash}), "
        f"normalized ({job.normalization.get('mean', 0):.3f}, {job.normalization.get('std', 1):.3f}), "
        f"quantized with scale {m.get('input_quantization', {}).get('scale')} "
        f"and zero point {m.get('input_quantization', {}).get('zero_point')}",
        "",
        "## Data lineage",
        f"- Campaign: {job.campaign.name} ({job.campaign.slug}), licence {job.campaign.licence}",
        f"- {len(job.clip_ids)} clips frozen at launch; release: {job.release_name or 'none'}; "
        f"code version {job.code_version}",
        "- Splits by hashed speaker id (10% validation, 10% test): test speakers never appear in training.",
        *([f"- {synthetic_share}"] if synthetic_share else []),
        "",
        "## Quality gates",
        f"- Verdict: {'passed' if gate.get('passed') else 'FAILED: ' + '; '.join(gate.get('reasons', []))}",
        f"- Majority-class baseline {_fmt(gate.get('majority_baseline'))}; required margin over it "
        f"{_fmt(gate.get('margin'))}; campaign floor {_fmt(gate.get('floor'))}; "
        f"test speakers {_fmt(gate.get('test_speakers'))}",
        *[f"- Warning: {w}" for w in gate.get("warnings", [])],
        "",
        "## Results on the test split",
        f"- Top-1: float {_fmt(m.get('float_top1'))}, int8 TFLite {_fmt(m.get('int8_tflite_top1'))}, "
        f"int8 TFLM {_fmt(m.get('int8_tflm_top1'))} "
        f"({m.get('test_examples')} examples); TFLite/TFLM agreement {_fmt(m.get('tflite_tflm_agreement'))}",
        f"- int8 top-1 on the same clips at the levels a device hears (-30 to 0 dB of the cleaned level): "
        f"{_fmt(m.get('int8_top1_device_levels'))}",
        "",
        "| Class | Precision | Recall | Support |",
        "|---|---|---|---|",
        *[
            f"| {c['label']} | {_fmt(c['precision'])} | {_fmt(c['recall'])} | {c['support']} |"
            for c in m.get("per_class", [])
        ],
        *_operating_point_lines(m.get("device")),
        "",
        "## Per-group accuracy",
    ]
    for field, result in m.get("groups", {}).items():
        groups = (
            ", ".join(f"{g} {_fmt(v['accuracy'])} (n={v['examples']})" for g, v in result["groups"].items())
            or "no group of 5 or more test speakers"
        )
        lines.append(f"- {field}: {groups}; gap best-worst {_fmt(result['gap'])}")
    lines += [
        "",
        "## Known limits",
        "- Groups of fewer than 5 test speakers are not published (the rule of five, as in releases), and groups "
        "with fewer than 5 test examples are not compared; speakers who preferred not to say are not in any group.",
        "- Accuracy is measured on clips reviewers accepted, cut to their loudest second; real streams are noisier.",
        "- The test split is small for small campaigns: treat differences of a few points as noise.",
    ]
    return "\n".join(lines) + "\n"


def rate_text(value) -> str:
    """A rate as the cards print it; None is a target the model did not reach."""
    return "not reached" if value is None else f"{value:.1%}"


def _operating_point_lines(device: dict | None) -> list[str]:
    """FA/h and FRR the way the field reports them, with what each figure rests on."""
    if not device:
        return ["- Streaming: not measured (a job from before the device evaluation)."]
    c = device["chosen"]
    hours, utterances = device["negative_hours"], device["utterances"]
    return [
        "",
        "## Streaming, as the device runs",
        f"- The int8 model on a 1 s window every {device['stride_ms']} ms over {hours:.2f} h of negative audio "
        f"(synthetic running speech and noise, no keyword) and {utterances} held-out keyword utterances placed in it.",
        f"- FRR at 0.5 FA/h: {rate_text(device['frr_at_0.5_fa_per_hour'])}; at 0.1 FA/h: "
        f"{rate_text(device['frr_at_0.1_fa_per_hour'])}.",
        f"- Operating point (target at most {device['target_fa_per_hour']} FA/h, "
        f"{'reached' if device['target_reached'] else 'NOT reached: the setting with the fewest false accepts'}): "
        f"threshold {c['detection_threshold']}, averaging {c['average_window_ms']} ms, suppression "
        f"{c['suppression_ms']} ms, minimum count {c['minimum_count']}.",
        f"- There: {c['fa_per_hour']} FA/h ({c['false_accepts']} false accepts; 95% interval "
        f"{c['fa_per_hour_95'][0]}-{c['fa_per_hour_95'][1]}), FRR {rate_text(c['frr'])} ({c['misses']} of "
        f"{c['utterances']} missed; 95% interval {rate_text(c['frr_95'][0])}-{rate_text(c['frr_95'][1])}).",
        f"- Detection latency, end of word to detection: p50 {device['latency_ms_p50']} ms, "
        f"p95 {device['latency_ms_p95']} ms.",
        "- FRR per keyword at the operating point: "
        + ", ".join(f"{k} {rate_text(v)}" for k, v in device["per_keyword_frr"].items()),
        f"- Under {1 / hours if hours else float('inf'):.1f} FA/h the negatives are too short to tell rates apart: "
        "one false accept in them is that rate.",
    ]
