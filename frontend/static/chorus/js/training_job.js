/* One training job's page: follow it live, cancel it, read its results.
 *
 * Polls GET /api/training/jobs/<id>/ every POLL_MS while the job is queued or running and redraws
 * everything from each answer: state, epoch progress and time left, the loss and accuracy curves
 * (from `history`, one record per epoch), and once it succeeded the test-split metrics, labels,
 * TFLM ops and confusion matrix. Polling stops when the job has finished; a failed poll retries
 * with a growing pause. Cancel asks first, then POSTs .../cancel/: a queued job is cancelled at
 * once, a running one stops after its current epoch (the page keeps polling until it does).
 */
(function () {
  "use strict";

  const { api, ui, chart } = window.Chorus;

  const root = document.getElementById("job");
  if (!root) return;
  const $ = ui.byId;
  const el = {
    state: $("job-state"),
    progress: $("job-progress"),
    epoch: $("job-epoch"),
    eta: $("job-eta"),
    status: $("status"),
    error: $("job-error"),
    cancel: $("cancel"),
    loss: $("curves"),
    accuracy: $("accuracy-curves"),
    results: $("results"),
    perClass: document.querySelector("#per-class tbody"),
    perGroup: document.querySelector("#per-group tbody"),
    streaming: $("streaming"),
    det: $("det-curve"),
    operatingPoint: document.querySelector("#operating-point tbody"),
    metrics: document.querySelector("#metrics tbody"),
    confusionBox: $("confusion-box"),
    confusion: $("confusion"),
    confusionGrid: $("confusion-grid"),
    labels: $("labels"),
    ops: $("ops"),
    lineage: $("lineage"),
  };

  const POLL_MS = 2000;
  const MAX_RETRY_MS = 30000;

  const METRICS = [
    ["float_top1", "Float top-1 (Keras)", (v) => ui.percent(v)],
    ["int8_tflite_top1", "int8 top-1 (TFLite)", (v) => ui.percent(v)],
    ["int8_tflm_top1", "int8 top-1 (TFLM)", (v) => ui.percent(v)],
    ["tflite_tflm_agreement", "TFLite and TFLM agree", (v) => ui.percent(v, 2)],
    ["model_bytes", "Model size (int8 .tflite)", ui.bytes],
    ["arena_bytes", "Tensor arena (measured)", ui.bytes],
    ["test_examples", "Test examples", ui.integer],
  ];

  const WAKE_METRICS = [
    ["model_bytes", "Model size (streaming int8 .tflite)", ui.bytes],
    ["arena_bytes", "Tensor arena (measured)", ui.bytes],
    ["test_utterances", "Held-out utterances of the phrase", ui.integer],
    ["test_speakers", "Test speakers", ui.integer],
    ["train_windows", "Training windows", ui.integer],
    ["mined_hard_negatives", "Hard negatives mined", ui.integer],
  ];

  const state = { job: null, seq: 0, shownSeq: 0, timer: null, failures: 0, cancelling: false, gone: false };

  const say = ui.statusLine(el.status);

  // ---- charts --------------------------------------------------------------------------------

  function drawCurves(job) {
    const history = job.history || [];
    const emptyText = ui.ACTIVE_JOB_STATES.has(job.state) ? "Waiting for the first epoch…" : "No epoch was trained.";
    const xMax = Math.max(job.epochs, ...history.map((r) => r.epoch));
    const lossDigits = (step) => Math.max(0, -Math.floor(Math.log10(step)));
    chart.drawChart(el.loss, {
      title: "Loss",
      yLabel: "cross-entropy",
      xMax,
      emptyText,
      yFormat: (v, step) => v.toFixed(Math.min(4, lossDigits(step))),
      valueFormat: (v) => v.toFixed(3),
      series: [
        { label: "training", color: chart.STYLE.train, points: chart.seriesOf(history, "loss") },
        { label: "validation", color: chart.STYLE.validation, dash: [6, 4], points: chart.seriesOf(history, "val_loss") },
      ],
    });
    chart.drawChart(el.accuracy, {
      title: "Accuracy",
      yLabel: "accuracy",
      xMax,
      emptyText,
      yFixedMax: 1,
      yTicks: 5,
      yFormat: (v) => `${Math.round(v * 100)} %`,
      valueFormat: (v) => ui.percent(v),
      series: [
        { label: "training", color: chart.STYLE.train, points: chart.seriesOf(history, "accuracy") },
        { label: "validation", color: chart.STYLE.validation, dash: [6, 4], points: chart.seriesOf(history, "val_accuracy") },
      ],
    });
  }

  // ---- the rest of the page ------------------------------------------------------------------

  function timeText(job) {
    if (job.state === "queued") return "· waiting for a training worker";
    if (job.state === "running") {
      if (ui.isMissing(job.eta_s)) return "· estimating the time left…";
      return `· about ${ui.duration(job.eta_s)} left`;
    }
    if (job.started_at && job.finished_at) return `· took ${ui.duration((Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000)}`;
    return "";
  }

  const pct = (x) => (ui.isMissing(x) ? ui.DASH : `${(100 * x).toFixed(1)}%`);

  /** Per-class precision and recall, per-group accuracy with its gap, and the streaming figures. */
  function renderDetails(job) {
    const m = job.metrics || {};
    const row = (cells, head) => ui.node("tr", {}, ...cells.map((text, i) => ui.node(i === 0 && head ? "th" : "td", { textContent: String(text) })));
    el.perClass.replaceChildren(...(m.per_class || []).map((c) => row([c.label, pct(c.precision), pct(c.recall), c.support], true)));
    const groups = [];
    for (const [field, result] of Object.entries(m.groups || {})) {
      const values = Object.entries(result.groups || {}).map(([g, v]) => `${g} ${pct(v.accuracy)} (n=${v.examples})`);
      groups.push(row([field, values.join(", ") || "no speaker stated it", pct(result.gap)], true));
    }
    el.perGroup.replaceChildren(...groups);
    if (m.kind === "wake_word") renderWakeWord(m.wake_word);
    else renderDevice(m.device, m.streaming || {});
  }

  const DET_X = { min: 0.01, max: 100, log: true, ticks: [0.01, 0.1, 0.5, 1, 10, 100], label: "false accepts per hour (log)", format: String };
  const reach = (v) => (ui.isMissing(v) ? "not reached" : pct(v));

  /** The DET curve (FA/h against FRR over the swept setting, the chosen point marked) and the operating point's table. */
  function renderOperatingPoint({ summary, curve, sweptOver, chosenLabel, chosen, rows }) {
    el.streaming.textContent = summary;
    el.det.hidden = false;
    chart.drawChart(el.det, {
      title: "DET curve",
      yLabel: "false-reject rate",
      xScale: DET_X,
      yFixedMax: 1,
      yTicks: 5,
      yFormat: (v) => `${Math.round(v * 100)} %`,
      valueFormat: () => "",
      series: [{ label: sweptOver, color: chart.STYLE.train, points: curve.map((p) => [Math.max(p.fa_per_hour, DET_X.min), p.frr]) }],
      marks: [{ x: Math.max(chosen.fa_per_hour, DET_X.min), y: chosen.frr, color: chart.STYLE.validation, label: chosenLabel }],
      emptyText: "No sweep",
    });
    el.det.dataset.points = String(curve.length);
    el.operatingPoint.replaceChildren(...rows.map(([k, v]) => ui.node("tr", {}, ui.node("th", { scope: "row", textContent: k }), ui.node("td", { textContent: v }))));
    el.operatingPoint.parentElement.hidden = false;
  }

  /** A wake word as ESPHome runs it: FA/h against FRR over the probability cutoff. */
  function renderWakeWord(wake) {
    const c = wake.chosen;
    renderOperatingPoint({
      summary:
        `The streaming int8 model every 30 ms, as ESPHome runs it, over ${wake.negative_hours.toFixed(2)} h of held-out negative audio and ${wake.phrases} held-out utterances of the phrase placed in it. ` +
        `FRR ${reach(wake.frr_at_0_5_fah)} at 0.5 FA/h; a detector that never wakes misses them all.`,
      curve: wake.det_curve || [],
      sweptOver: `over the cutoff (window of ${c.sliding_window_size})`,
      chosenLabel: `chosen: cutoff ${c.probability_cutoff}`,
      chosen: c,
      rows: [
        ["Target", `at most ${wake.target_fa_per_hour} FA/h (${wake.target_reached ? "reached" : "not reached: fewest false wakes instead"})`],
        ["Manifest", `probability_cutoff ${c.probability_cutoff}, sliding_window_size ${c.sliding_window_size}`],
        ["False wakes", `${c.fa_per_hour} per hour (${c.false_accepts} in ${wake.negative_hours.toFixed(2)} h; 95% ${c.fa_per_hour_95[0]}-${c.fa_per_hour_95[1]})`],
        ["False rejects", `${pct(c.frr)} (${c.misses} of ${c.phrases}; 95% ${pct(c.frr_95[0])}-${pct(c.frr_95[1])})`],
      ],
    });
  }

  /** Keywords in a stream: FA/h against FRR over the threshold at the chosen window and suppression. */
  function renderDevice(device, s) {
    if (!device) {
      el.streaming.textContent = ui.isMissing(s.false_accepts_per_hour)
        ? ui.DASH
        : `${s.false_accepts_per_hour} false accepts per hour of background noise; false-reject rate ${pct(s.false_reject_rate)} over ${s.keywords} keywords in a stream`;
      return;
    }
    const c = device.chosen;
    renderOperatingPoint({
      summary:
        `The int8 model every ${device.stride_ms} ms over ${device.negative_hours.toFixed(2)} h of negative audio and ${device.utterances} held-out keywords placed in it. ` +
        `FRR ${reach(device["frr_at_0.5_fa_per_hour"])} at 0.5 FA/h, ${reach(device["frr_at_0.1_fa_per_hour"])} at 0.1 FA/h.`,
      curve: device.det_curve || [],
      sweptOver: `over the threshold (window ${c.average_window_ms} ms)`,
      chosenLabel: `chosen: threshold ${c.detection_threshold}`,
      chosen: c,
      rows: [
        ["Target", `at most ${device.target_fa_per_hour} FA/h (${device.target_reached ? "reached" : "not reached: fewest false accepts instead"})`],
        ["Settings", `threshold ${c.detection_threshold}, averaging ${c.average_window_ms} ms, suppression ${c.suppression_ms} ms, minimum count ${c.minimum_count}`],
        ["False accepts", `${c.fa_per_hour} per hour (${c.false_accepts} in ${device.negative_hours.toFixed(2)} h; 95% ${c.fa_per_hour_95[0]}-${c.fa_per_hour_95[1]})`],
        ["False rejects", `${pct(c.frr)} (${c.misses} of ${c.utterances}; 95% ${pct(c.frr_95[0])}-${pct(c.frr_95[1])})`],
        ["Latency", `p50 ${device.latency_ms_p50 ?? ui.DASH} ms, p95 ${device.latency_ms_p95 ?? ui.DASH} ms (end of word to detection)`],
        ["FRR per keyword", Object.entries(device.per_keyword_frr || {}).map(([k, v]) => `${k} ${pct(v)}`).join(", ")],
      ],
    });
  }

  function renderResults(job) {
    const finished = job.state === "succeeded" || job.state === "failed_quality";
    el.results.hidden = !finished;
    if (!finished) return;
    renderDetails(job);
    const metrics = { arena_bytes: job.arena_bytes, ...job.metrics };
    el.metrics.replaceChildren(
      ...(job.metrics.kind === "wake_word" ? WAKE_METRICS : METRICS).map(([key, label, format]) => {
        const tr = ui.node("tr", {}, ui.node("th", { scope: "row", textContent: label }), ui.node("td", { className: "num", textContent: format(metrics[key]) }));
        tr.dataset.metric = key;
        return tr;
      }),
    );
    el.labels.replaceChildren(...(job.labels || []).map((label) => ui.node("li", {}, ui.node("code", { textContent: label }))));
    el.ops.replaceChildren(...(job.ops || []).map((op) => ui.node("li", {}, ui.node("code", { textContent: op }))));
    if (!job.ops || !job.ops.length) el.ops.append(ui.node("li", { textContent: ui.DASH }));
    el.confusionBox.hidden = !job.confusion_matrix_url;
    if (job.confusion_matrix_url && el.confusion.getAttribute("src") !== job.confusion_matrix_url) {
      el.confusion.src = job.confusion_matrix_url;
    }
    chart.confusionGrid(el.confusionGrid, el.confusion, job.labels || [], job.metrics.confusion_matrix);
  }

  function renderLineage(job) {
    const fields = {
      campaign: job.campaign,
      keywords: (job.keywords || []).join(", "),
      clips: ui.integer(job.clips),
      release_name: job.release_name || ui.DASH,
      architecture: job.architecture,
      epochs: String(job.epochs),
      seed: String(job.seed),
      created_at: ui.date(job.created_at),
      started_at: ui.date(job.started_at),
      finished_at: ui.date(job.finished_at),
    };
    for (const [key, text] of Object.entries(fields)) {
      const dd = el.lineage.querySelector(`[data-field="${key}"]`);
      if (dd) dd.textContent = text;
    }
    for (const key of ["feature_params_hash", "code_version"]) {
      const dd = el.lineage.querySelector(`[data-field="${key}"]`);
      if (dd) dd.replaceChildren(job[key] ? ui.node("code", { textContent: job[key] }) : ui.DASH);
    }
  }

  function render(job) {
    state.job = job;
    const active = ui.ACTIVE_JOB_STATES.has(job.state);
    root.dataset.state = job.state;
    root.dataset.polled = "true";
    el.state.dataset.state = job.state;
    el.state.textContent = ui.JOB_STATE_LABELS[job.state] || job.state;
    document.title = `Training job ${job.id} (${el.state.textContent}) · Chorus`;

    el.progress.max = Math.max(1, job.epochs);
    el.progress.value = job.epoch;
    el.progress.setAttribute("aria-valuetext", `epoch ${job.epoch} of ${job.epochs}`);
    el.epoch.textContent = `epoch ${job.epoch} of ${job.epochs}`;
    el.eta.textContent = timeText(job);

    el.cancel.hidden = !active;
    el.cancel.disabled = state.cancelling || job.cancel_requested;
    if (active && job.cancel_requested) say("Cancel requested: the job stops after the current epoch.", "warning");
    else if (job.state === "cancelled") say("This job was cancelled.", "warning");
    else if (job.state === "succeeded") say("Finished: the int8 model was checked in TFLite and in the TFLM interpreter.", "ok");
    else if (job.state === "failed_quality") say("Finished, but the model failed its quality check: it is offered to staff only.", "error");
    else say("");

    ui.showText(el.error, job.state === "failed" ? `The job failed: ${job.error || "no reason was recorded."}` : "");

    drawCurves(job);
    renderResults(job);
    renderLineage(job);
  }

  /** Show an answer unless a newer one is already shown; keep polling while the job is active. */
  function show(job, seq) {
    if (seq < state.shownSeq) return;
    state.shownSeq = seq;
    const wasActive = root.dataset.state === "queued" || root.dataset.state === "running";
    if (wasActive && (job.state === "succeeded" || job.state === "failed_quality")) {
      window.location.reload(); // the quality gates, model card and publish button are rendered by the server
      return;
    }
    render(job);
    clearTimeout(state.timer);
    state.timer = ui.ACTIVE_JOB_STATES.has(job.state) ? setTimeout(poll, POLL_MS) : null;
  }

  async function poll() {
    const seq = ++state.seq;
    let job;
    try {
      job = await api(root.dataset.url);
    } catch (err) {
      if (err.status === 404) {
        state.gone = true;
        clearTimeout(state.timer);
        say("This job no longer exists.", "error");
        return;
      }
      state.failures += 1;
      const wait = Math.min(MAX_RETRY_MS, POLL_MS * 2 ** state.failures);
      say(`Could not refresh: ${ui.sentence(err.message)} Trying again in ${ui.duration(wait / 1000)}.`, "warning");
      clearTimeout(state.timer);
      state.timer = setTimeout(poll, wait);
      return;
    }
    state.failures = 0;
    show(job, seq);
  }

  el.cancel.addEventListener("click", async () => {
    if (state.cancelling || !window.confirm(`Cancel training job ${root.dataset.url.match(/(\d+)\/$/)[1]}? A running job stops after its current epoch and keeps no model.`)) return;
    state.cancelling = true;
    el.cancel.disabled = true;
    const seq = ++state.seq;
    try {
      show(await api(root.dataset.cancelUrl, { method: "POST" }), seq);
    } catch (err) {
      say(`Could not cancel: ${ui.sentence(err.message)}`, "error");
    } finally {
      state.cancelling = false;
      if (state.job) el.cancel.disabled = Boolean(state.job.cancel_requested);
    }
  });

  let resizeFrame = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => {
      if (!state.job) return;
      drawCurves(state.job);
      if (state.job.metrics && state.job.metrics.kind === "wake_word") renderWakeWord(state.job.metrics.wake_word);
      else if (state.job.metrics && state.job.metrics.device) renderDevice(state.job.metrics.device, state.job.metrics.streaming || {});
    });
  });

  poll();
})();
