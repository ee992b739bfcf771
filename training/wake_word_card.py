"""The model card of a wake-word job: what ESPHome gets, what it learned from, and how often it wakes wrongly."""

from __future__ import annotations

from training.model_card import rate_text


def wake_word_model_card(job, *, synthetic_share: str = "") -> str:
    m = job.metrics
    gate = m.get("quality_gate", {})
    wake = m.get("wake_word", {})
    chosen = wake.get("chosen", {})
    spec = job.train_params.get("spec", {})
    lines = [
        f'# Model card: wake word "{m.get("phrase")}" (training job {job.id})',
        "",
        "## Model",
        f"- Streaming {job.architecture}: causal convolutions (first kernel 5 frames, stride 3; depthwise kernels "
        f"{spec.get('kernels')}), {spec.get('input_frames')} feature frames ({spec.get('input_frames', 0) * 10} ms) "
        "of receptive field; past frames live in ring buffers held in resource variables.",
        f"- int8 TFLite, input [1, 3, 40] int8 features, output one uint8 probability: {m.get('model_bytes')} bytes; "
        f"TFLM tensor arena {job.arena_bytes} bytes; ops: {', '.join(job.ops)}",
        "- Features: the TFLite Micro audio frontend (40 channels, 30 ms window, 10 ms step, noise reduction, PCAN, "
        f"log) through pymicro-features, as ESPHome computes them (spec {job.feature_params_hash}).",
        "",
        "## Data lineage",
        f"- Campaign: {job.campaign.name} ({job.campaign.slug}), licence {job.campaign.licence}",
        f"- {len(job.clip_ids)} clips frozen at launch; release: {job.release_name or 'none'}; "
        f"code version {job.code_version}",
        f"- {m.get('train_windows')} training windows, {m.get('mined_hard_negatives')} of them hard negatives mined "
        "from the training negatives after the first pass.",
        "- Splits by hashed speaker id; negative recordings by hashed name: nothing evaluated on was trained on.",
        *([f"- {synthetic_share}"] if synthetic_share else []),
        "",
        "## Quality gates",
        f"- Verdict: {'passed' if gate.get('passed') else 'FAILED: ' + '; '.join(gate.get('reasons', []))}",
        f"- Baseline: {gate.get('baseline')}; campaign floor (share of phrases heard) {rate_text(gate.get('floor'))}; "
        f"test speakers {gate.get('test_speakers')}",
        *[f"- Warning: {w}" for w in gate.get("warnings", [])],
        "",
        "## Streaming, as ESPHome runs it",
        f"- {wake.get('negative_hours')} h of held-out negative audio and {wake.get('phrases')} held-out utterances "
        "placed in it at 5-25 dB SNR; the model every 30 ms, the mean of the last N probabilities against the cutoff, "
        "1 s refractory after each wake.",
        f"- FRR at 0.5 FA/h: {rate_text(wake.get('frr_at_0_5_fah'))}.",
        f"- Operating point (target at most {wake.get('target_fa_per_hour')} FA/h, "
        f"{'reached' if wake.get('target_reached') else 'NOT reached'}): probability_cutoff "
        f"{chosen.get('probability_cutoff')}, sliding_window_size {chosen.get('sliding_window_size')}; there "
        f"{chosen.get('fa_per_hour')} FA/h ({chosen.get('false_accepts')} false wakes, 95% interval "
        f"{chosen.get('fa_per_hour_95')}), FRR {rate_text(chosen.get('frr'))} ({chosen.get('misses')} of "
        f"{chosen.get('phrases')} missed, 95% interval {chosen.get('frr_95')}).",
        "",
        "## Per group: the share of utterances heard at the operating point",
        *[
            f"- {field}: "
            + (
                ", ".join(f"{g} {rate_text(v['accuracy'])} (n={v['examples']})" for g, v in result["groups"].items())
                or "no group of 5 or more test speakers"
            )
            + f"; gap best-worst {rate_text(result['gap']) if result.get('gap') is not None else 'n/a'}"
            for field, result in m.get("groups", {}).items()
        ],
        "",
        "## Known limits",
        "- The negatives hold what the campaign gave and synthetic speech; a home's TV and music may wake it more.",
        "- A phrase said much faster or slower than the training voices may be missed.",
    ]
    return "\n".join(lines) + "\n"
