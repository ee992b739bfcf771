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
        f"- Streaming (recognizer smoothing): {_fmt(m.get('streaming', {}).get('false_accepts_per_hour'))} "
        "false accepts per hour of noise, "
        f"false-reject rate {_fmt(m.get('streaming', {}).get('false_reject_rate'))}",
        "",
        "| Class | Precision | Recall | Support |",
        "|---|---|---|---|",
        *[
            f"| {c['label']} | {_fmt(c['precision'])} | {_fmt(c['recall'])} | {c['support']} |"
            for c in m.get("per_class", [])
        ],
        "",
        "## Per-group accuracy",
    ]
    for field, result in m.get("groups", {}).items():
        groups = (
            ", ".join(f"{g} {_fmt(v['accuracy'])} (n={v['examples']})" for g, v in result["groups"].items())
            or "no speaker stated it"
        )
        lines.append(f"- {field}: {groups}; gap best-worst {_fmt(result['gap'])}")
    lines += [
        "",
        "## Known limits",
        "- Groups with fewer than 5 test examples are not compared; "
        "speakers who preferred not to say are not in any group.",
        "- Accuracy is measured on clips reviewers accepted, cut to their loudest second; real streams are noisier.",
        "- The test split is small for small campaigns: treat differences of a few points as noise.",
    ]
    return "\n".join(lines) + "\n"
