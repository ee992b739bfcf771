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

  const { api } = window.Chorus;
  const T = window.Chorus.training;

  const root = document.getElementById("job");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
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

  // Chart colours: training solid, validation dashed; tests look for these on the canvas.
  const CHART = {
    background: "#ffffff",
    grid: "#e9ecf2",
    axis: "#8a94a8",
    text: "#5b6475",
    title: "#1d2330",
    train: "#3056d3",
    validation: "#e8590c",
    font: "12px system-ui, -apple-system, 'Segoe UI', sans-serif",
    titleFont: "600 13px system-ui, -apple-system, 'Segoe UI', sans-serif",
    margin: { top: 36, right: 18, bottom: 42, left: 58 },
    markersUpTo: 40, // epochs; beyond this the lines alone are clearer
  };

  const LEGEND_SAMPLE = 26; // px: the line sample and the space after it
  const LEGEND_GAP = 16; // px between legend entries
  const LEGEND_LINE = 20; // px: the extra line a legend takes when it does not fit beside the title

  const METRICS = [
    ["float_top1", "Float top-1 (Keras)", (v) => T.percent(v)],
    ["int8_tflite_top1", "int8 top-1 (TFLite)", (v) => T.percent(v)],
    ["int8_tflm_top1", "int8 top-1 (TFLM)", (v) => T.percent(v)],
    ["tflite_tflm_agreement", "TFLite and TFLM agree", (v) => T.percent(v, 2)],
    ["model_bytes", "Model size (int8 .tflite)", T.bytes],
    ["arena_bytes", "Tensor arena (measured)", T.bytes],
    ["test_examples", "Test examples", T.integer],
  ];

  const state = { job: null, seq: 0, shownSeq: 0, timer: null, failures: 0, cancelling: false, gone: false };

  function say(message, kind = "info") {
    el.status.dataset.kind = kind;
    el.status.textContent = message;
  }

  // ---- charts --------------------------------------------------------------------------------

  /** Round a positive span to 1, 2 or 5 times a power of ten. */
  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const power = 10 ** Math.floor(Math.log10(raw));
    const scaled = raw / power;
    return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
  }

  function fitCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = canvas.getBoundingClientRect();
    const w = Math.max(1, Math.round(width * ratio));
    const h = Math.max(1, Math.round(height * ratio));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { ctx, width, height };
  }

  /**
   * A line chart: `series` = [{label, color, dash, points: [[epoch, value], ...]}].
   * x runs over epochs 1..xMax; y from 0 to yMax (rounded up to a tick) unless fixed.
   * `yFormat(value, step)` labels the ticks, `valueFormat(value)` the latest values in the legend.
   */
  function drawChart(canvas, { title, yLabel, series, xMax, yFixedMax = null, yTicks = 5, yFormat, valueFormat, emptyText }) {
    const { ctx, width, height } = fitCanvas(canvas);
    const m = CHART.margin;

    // Title top left, legend (with each series' latest value) top right; on a narrow canvas the
    // legend moves to a second line above the plot.
    ctx.font = CHART.titleFont;
    const titleWidth = ctx.measureText(title).width;
    ctx.font = CHART.font;
    const legend = series.map((s) => {
      const last = s.points.length ? s.points[s.points.length - 1][1] : null;
      const text = last === null ? s.label : `${s.label} ${valueFormat(last)}`;
      return { ...s, text, width: ctx.measureText(text).width };
    });
    const legendWidth = legend.reduce((sum, entry) => sum + entry.width + LEGEND_SAMPLE + LEGEND_GAP, -LEGEND_GAP);
    const oneLine = m.left + titleWidth + 24 + legendWidth <= width - m.right;
    const titleY = m.top / 2;
    const legendY = oneLine ? titleY : titleY + LEGEND_LINE;
    const top = oneLine ? m.top : m.top + LEGEND_LINE;
    const plot = { x: m.left, y: top, w: Math.max(10, width - m.left - m.right), h: Math.max(10, height - top - m.bottom) };
    ctx.fillStyle = CHART.background;
    ctx.fillRect(0, 0, width, height);

    const values = series.flatMap((s) => s.points.map((p) => p[1]));
    let yMax = yFixedMax;
    let yStep;
    if (yMax === null) {
      const top = values.length ? Math.max(...values) : 1;
      yStep = niceStep(top > 0 ? top : 1, yTicks);
      yMax = Math.max(yStep, Math.ceil(top / yStep - 1e-9) * yStep);
    } else {
      yStep = yMax / yTicks;
    }
    const xEnd = Math.max(2, xMax);
    const px = (x) => plot.x + ((x - 1) / (xEnd - 1)) * plot.w;
    const py = (y) => plot.y + plot.h - (Math.min(Math.max(y, 0), yMax) / yMax) * plot.h;

    ctx.font = CHART.font;
    ctx.lineWidth = 1;

    // y grid, ticks and labels
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let i = 0; i * yStep <= yMax + 1e-9; i++) {
      const y = Math.round(py(i * yStep)) + 0.5;
      ctx.strokeStyle = i === 0 ? CHART.axis : CHART.grid;
      ctx.beginPath();
      ctx.moveTo(plot.x - 4, y);
      ctx.lineTo(plot.x + plot.w, y);
      ctx.stroke();
      ctx.fillStyle = CHART.text;
      ctx.fillText(yFormat(i * yStep, yStep), plot.x - 7, y);
    }

    // x ticks: whole epochs, at most about 10 of them
    const xStep = Math.max(1, niceStep(xEnd - 1, 10));
    const xTicks = [1];
    for (let x = xStep; x <= xEnd; x += xStep) if (x > 1) xTicks.push(x);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.strokeStyle = CHART.axis;
    for (const x of xTicks) {
      const X = Math.round(px(x)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(X, plot.y + plot.h);
      ctx.lineTo(X, plot.y + plot.h + 4);
      ctx.stroke();
      ctx.fillStyle = CHART.text;
      ctx.fillText(String(x), X, plot.y + plot.h + 7);
    }
    ctx.beginPath(); // y axis line
    ctx.moveTo(plot.x + 0.5, plot.y);
    ctx.lineTo(plot.x + 0.5, plot.y + plot.h);
    ctx.stroke();

    // axis labels and title
    ctx.fillStyle = CHART.text;
    ctx.fillText("epoch", plot.x + plot.w / 2, plot.y + plot.h + 24);
    ctx.save();
    ctx.translate(14, plot.y + plot.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(yLabel, 0, 0);
    ctx.restore();
    ctx.font = CHART.titleFont;
    ctx.fillStyle = CHART.title;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.fillText(title, plot.x, titleY);

    ctx.font = CHART.font;
    let lx = Math.max(plot.x, plot.x + plot.w - legendWidth);
    for (const entry of legend) {
      ctx.strokeStyle = entry.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(entry.dash || []);
      ctx.beginPath();
      ctx.moveTo(lx, legendY);
      ctx.lineTo(lx + LEGEND_SAMPLE - 6, legendY);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.lineWidth = 1;
      ctx.fillStyle = CHART.text;
      ctx.fillText(entry.text, lx + LEGEND_SAMPLE, legendY);
      lx += LEGEND_SAMPLE + entry.width + LEGEND_GAP;
    }

    // the lines
    const count = Math.max(0, ...series.map((s) => s.points.length));
    for (const s of series) {
      if (!s.points.length) continue;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 2;
      ctx.lineJoin = "round";
      ctx.setLineDash(s.dash || []);
      ctx.beginPath();
      s.points.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
      ctx.stroke();
      ctx.setLineDash([]);
      if (count <= CHART.markersUpTo) {
        for (const [x, y] of s.points) {
          ctx.beginPath();
          ctx.arc(px(x), py(y), 3, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }
    ctx.lineWidth = 1;

    if (!count && emptyText) {
      ctx.fillStyle = CHART.text;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(emptyText, plot.x + plot.w / 2, plot.y + plot.h / 2);
    }
    canvas.dataset.epochsDrawn = String(count);
  }

  function seriesOf(history, key) {
    return history.filter((r) => Number.isFinite(r[key])).map((r) => [r.epoch, r[key]]);
  }

  function drawCurves(job) {
    const history = job.history || [];
    const emptyText = T.ACTIVE_STATES.has(job.state) ? "Waiting for the first epoch…" : "No epoch was trained.";
    const xMax = Math.max(job.epochs, ...history.map((r) => r.epoch));
    const lossDigits = (step) => Math.max(0, -Math.floor(Math.log10(step)));
    drawChart(el.loss, {
      title: "Loss",
      yLabel: "cross-entropy",
      xMax,
      emptyText,
      yFormat: (v, step) => v.toFixed(Math.min(4, lossDigits(step))),
      valueFormat: (v) => v.toFixed(3),
      series: [
        { label: "training", color: CHART.train, points: seriesOf(history, "loss") },
        { label: "validation", color: CHART.validation, dash: [6, 4], points: seriesOf(history, "val_loss") },
      ],
    });
    drawChart(el.accuracy, {
      title: "Accuracy",
      yLabel: "accuracy",
      xMax,
      emptyText,
      yFixedMax: 1,
      yTicks: 5,
      yFormat: (v) => `${Math.round(v * 100)} %`,
      valueFormat: (v) => `${(v * 100).toFixed(1)} %`,
      series: [
        { label: "training", color: CHART.train, points: seriesOf(history, "accuracy") },
        { label: "validation", color: CHART.validation, dash: [6, 4], points: seriesOf(history, "val_accuracy") },
      ],
    });
  }

  // ---- the rest of the page ------------------------------------------------------------------

  function timeText(job) {
    if (job.state === "queued") return "· waiting for a training worker";
    if (job.state === "running") {
      if (T.isMissing(job.eta_s)) return "· estimating the time left…";
      return `· about ${T.duration(job.eta_s)} left`;
    }
    if (job.started_at && job.finished_at) return `· took ${T.duration((Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000)}`;
    return "";
  }

  function renderResults(job) {
    const succeeded = job.state === "succeeded";
    el.results.hidden = !succeeded;
    if (!succeeded) return;
    const metrics = { arena_bytes: job.arena_bytes, ...job.metrics };
    el.metrics.replaceChildren(
      ...METRICS.map(([key, label, format]) => {
        const tr = T.node("tr", {}, T.node("th", { scope: "row", textContent: label }), T.node("td", { className: "num", textContent: format(metrics[key]) }));
        tr.dataset.metric = key;
        return tr;
      }),
    );
    el.labels.replaceChildren(...(job.labels || []).map((label) => T.node("li", {}, T.node("code", { textContent: label }))));
    el.ops.replaceChildren(...(job.ops || []).map((op) => T.node("li", {}, T.node("code", { textContent: op }))));
    if (!job.ops || !job.ops.length) el.ops.append(T.node("li", { textContent: T.DASH }));
    el.confusionBox.hidden = !job.confusion_matrix_url;
    if (job.confusion_matrix_url && el.confusion.getAttribute("src") !== job.confusion_matrix_url) {
      el.confusion.src = job.confusion_matrix_url;
    }
    renderConfusionLabels(job.labels || [], job.metrics.confusion_matrix);
  }

  /** Labels around the confusion image, and each cell's count over it (the PNG has neither). */
  function renderConfusionLabels(labels, matrix) {
    const grid = el.confusionGrid;
    const n = labels.length;
    grid.replaceChildren(el.confusion); // moving the image does not reload it
    if (!n || !Array.isArray(matrix) || matrix.length !== n) return;
    grid.style.setProperty("--classes", String(n));
    el.confusion.style.gridArea = `2 / 2 / span ${n} / span ${n}`;
    const place = (node, row, column) => {
      node.style.gridArea = `${row} / ${column}`;
      grid.append(node);
    };
    labels.forEach((label, i) => {
      place(T.node("span", { className: "cm-label cm-column", textContent: label, title: `predicted ${label}` }), 1, i + 2);
      place(T.node("span", { className: "cm-label cm-row", textContent: label, title: `true ${label}` }), i + 2, 1);
    });
    matrix.forEach((row, r) => {
      const total = row.reduce((sum, count) => sum + count, 0);
      row.forEach((count, c) => {
        const cell = T.node("span", { className: "cm-count", textContent: String(count) });
        cell.dataset.row = String(r);
        cell.dataset.column = String(c);
        if (total && count / total > 0.5) cell.classList.add("dark");
        if (!count) cell.classList.add("zero");
        place(cell, r + 2, c + 2);
      });
    });
  }

  function renderLineage(job) {
    const fields = {
      campaign: job.campaign,
      keywords: (job.keywords || []).join(", "),
      clips: T.integer(job.clips),
      release_name: job.release_name || T.DASH,
      architecture: job.architecture,
      epochs: String(job.epochs),
      seed: String(job.seed),
      created_at: T.date(job.created_at),
      started_at: T.date(job.started_at),
      finished_at: T.date(job.finished_at),
    };
    for (const [key, text] of Object.entries(fields)) {
      const dd = el.lineage.querySelector(`[data-field="${key}"]`);
      if (dd) dd.textContent = text;
    }
    for (const key of ["feature_params_hash", "code_version"]) {
      const dd = el.lineage.querySelector(`[data-field="${key}"]`);
      if (dd) dd.replaceChildren(job[key] ? T.node("code", { textContent: job[key] }) : T.DASH);
    }
  }

  function render(job) {
    state.job = job;
    const active = T.ACTIVE_STATES.has(job.state);
    root.dataset.state = job.state;
    root.dataset.polled = "true";
    el.state.dataset.state = job.state;
    el.state.textContent = T.STATE_LABELS[job.state] || job.state;
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
    else say("");

    el.error.hidden = job.state !== "failed";
    el.error.textContent = job.state === "failed" ? `The job failed: ${job.error || "no reason was recorded."}` : "";

    drawCurves(job);
    renderResults(job);
    renderLineage(job);
  }

  /** Show an answer unless a newer one is already shown; keep polling while the job is active. */
  function show(job, seq) {
    if (seq < state.shownSeq) return;
    state.shownSeq = seq;
    render(job);
    clearTimeout(state.timer);
    state.timer = T.ACTIVE_STATES.has(job.state) ? setTimeout(poll, POLL_MS) : null;
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
      say(`Could not refresh: ${T.sentence(err.message)} Trying again in ${T.duration(wait / 1000)}.`, "warning");
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
      say(`Could not cancel: ${T.sentence(err.message)}`, "error");
    } finally {
      state.cancelling = false;
      if (state.job) el.cancel.disabled = Boolean(state.job.cancel_requested);
    }
  });

  let resizeFrame = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => state.job && drawCurves(state.job));
  });

  poll();
})();
