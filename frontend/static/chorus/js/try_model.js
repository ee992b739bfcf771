/* Try a published model: record a take (recorder.js), have the server score it, show what the model heard and its
 * probability over time (chart.js), and, only if the volunteer presses Donate, give the take to the campaign.
 *
 * The take stays in this page (a Blob) until then: scoring sends it and the server keeps nothing.
 * Keys: R record / re-record, P play.
 */
(function () {
  "use strict";

  const { api, audio, chart, recorder, ui } = window.Chorus;

  const COUNTDOWN_FROM = 3;
  const COUNTDOWN_STEP_MS = 800;
  const COLORS = ["#3056d3", "#e8590c", "#2f9e44", "#ae3ec9", "#1098ad", "#f08c00", "#c2255c", "#5c940d"];
  const THRESHOLD_COLOR = "#8a94a8";

  const root = document.getElementById("try-recorder");
  if (!root) return;
  const TAKE_S = Number(root.dataset.recordSeconds) || 3;
  const $ = ui.byId;
  const el = {
    countdown: $("countdown"),
    progress: $("take-progress"),
    progressBar: $("take-progress-bar"),
    level: $("level"),
    levelBar: $("level-bar"),
    status: $("status"),
    take: $("take-audio"),
    record: $("record"),
    recordLabel: $("record-label"),
    play: $("play"),
    result: $("result"),
    heard: $("heard"),
    detections: $("detections"),
    plot: $("probability-plot"),
    settings: $("settings"),
    donate: $("donate"),
    donateKeyword: $("donate-keyword"),
    donateKind: $("donate-kind"),
    donateClip: $("donate-clip"),
    donateNegative: $("donate-negative"),
    donateStatus: $("donate-status"),
  };
  const urls = {
    score: root.dataset.scoreUrl,
    donate: root.dataset.donateUrl,
    consent: root.dataset.consentUrl,
    worklet: root.dataset.workletUrl,
  };

  const state = { phase: "idle", take: null, result: null, donated: false }; // idle | opening | countdown | recording | scoring | scored | donating
  const say = ui.statusLine(el.status);
  const sayDonation = ui.statusLine(el.donateStatus, { hideWhenEmpty: true });

  const mic = recorder.create({
    workletUrl: urls.worklet,
    level: el.level,
    levelBar: el.levelBar,
    progressBar: el.progressBar,
    onDisconnected: () => say("The microphone was disconnected. Press Record to open it again.", "error"),
  });

  function render() {
    const p = state.phase;
    const ready = p === "idle" || p === "scored";
    el.record.disabled = !ready;
    el.recordLabel.textContent = state.take ? "Record again" : "Record";
    el.play.disabled = !ready || !state.take;
    const canDonate = p === "scored" && state.take !== null && !state.donated;
    el.donateClip.disabled = !canDonate;
    el.donateNegative.disabled = !canDonate;
    root.dataset.phase = p;
  }

  function setPhase(phase) {
    state.phase = phase;
    render();
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function discardTake() {
    if (state.take) URL.revokeObjectURL(state.take.url);
    state.take = null;
    state.result = null;
    state.donated = false;
    el.take.removeAttribute("src");
    el.take.load();
    el.result.hidden = true;
    el.donate.hidden = true;
    sayDonation("");
  }

  async function record() {
    if (!(state.phase === "idle" || state.phase === "scored")) return;
    discardTake();
    setPhase("opening");
    try {
      if (!mic.isOpen) say("Opening the microphone…");
      await mic.open();
    } catch (err) {
      setPhase("idle");
      say(recorder.micErrorMessage(err), "error");
      return;
    }
    setPhase("countdown");
    say("Get ready…");
    for (let n = COUNTDOWN_FROM; n > 0; n--) {
      el.countdown.textContent = String(n);
      await sleep(COUNTDOWN_STEP_MS);
    }
    setPhase("recording");
    el.countdown.textContent = "Speak!";
    el.progressBar.style.width = "0%";
    el.progress.hidden = false;
    say("Recording: speak now.");
    let samples;
    try {
      samples = await mic.capture(TAKE_S);
    } catch (err) {
      el.countdown.textContent = "";
      el.progress.hidden = true;
      setPhase("idle");
      say(`Recording failed: ${err.message}. Press Record to try again.`, "error");
      return;
    }
    el.countdown.textContent = "";
    el.progress.hidden = true;
    const take = audio.prepareTake(samples, mic.sampleRate);
    take.url = URL.createObjectURL(take.blob);
    state.take = take;
    el.take.src = take.url;
    await score();
  }

  async function score() {
    setPhase("scoring");
    say("Listening with the model…");
    const form = new FormData();
    form.append("audio", state.take.blob, "take.wav");
    try {
      state.result = await api(urls.score, { method: "POST", body: form });
    } catch (err) {
      setPhase("idle");
      const wait = err.status === 429 && err.retryAfter ? ` Try again in ${err.retryAfter} s.` : "";
      say(`${err.message}${wait}`, "error");
      return;
    }
    showResult(state.result);
    setPhase("scored");
    el.donate.hidden = false;
    say(state.result.detections.length ? "Done. Play the take (P), record again (R), or donate it below if the model got it wrong." : "Done: the model heard nothing. If you said a word, donate the take below so the next model learns it.", "ok");
  }

  function showResult(result) {
    const found = result.detections;
    el.heard.textContent = found.length
      ? `Heard ${found.map((d) => `“${d.label}”`).join(", ")}.`
      : result.kind === "wake_word"
        ? "It did not wake."
        : "It heard none of its words.";
    el.heard.dataset.labels = found.map((d) => d.label).join(",");
    el.detections.replaceChildren(
      ...found.map((d) => ui.node("li", { textContent: `${d.label} at ${ui.seconds(d.time_ms / 1000)}, score ${d.score.toFixed(2)}` })),
    );
    const s = result.settings;
    el.settings.textContent =
      result.kind === "wake_word"
        ? `Wakes when the mean of the last ${s.sliding_window_size} probabilities (one every 30 ms) is over ${s.probability_cutoff}; a wake's time is when it woke.`
        : `Reports a word when its probability, averaged over ${s.average_window_ms} ms of 1 s windows every ${s.stride_ms} ms, reaches ${s.detection_threshold}; a word's time is when it was reported.`;
    el.result.hidden = false;
    drawPlot(result);
  }

  function drawPlot(result) {
    const end = Math.max(result.duration_s, result.times_ms.length ? result.times_ms[result.times_ms.length - 1] / 1000 : 1);
    const labels = Object.keys(result.series);
    const series = labels.map((label, i) => ({
      label,
      color: COLORS[i % COLORS.length],
      points: result.series[label].map((v, j) => [result.times_ms[j] / 1000, v]),
    }));
    series.push({ label: "threshold", color: THRESHOLD_COLOR, dash: [5, 4], points: [[0, result.threshold], [end, result.threshold]] });
    const step = chart.niceStep(end, 6);
    const ticks = [];
    for (let t = 0; t <= end + 1e-9; t += step) ticks.push(Number(t.toFixed(3)));
    chart.drawChart(el.plot, {
      title: "Probability over time",
      yLabel: "probability",
      series,
      yFixedMax: 1,
      yTicks: 4,
      yFormat: (v) => v.toFixed(2),
      valueFormat: () => "",
      xScale: { min: 0, max: end, log: false, ticks, label: "seconds into the take", format: (t) => `${t}` },
      marks: result.detections.map((d) => ({
        x: d.time_ms / 1000,
        y: d.score,
        label: d.label,
        color: COLORS[Math.max(0, labels.indexOf(d.label)) % COLORS.length],
      })),
      emptyText: "The take was too short for the model to score.",
    });
    el.plot.dataset.series = labels.join(",");
  }

  function play() {
    if (!state.take || !(state.phase === "idle" || state.phase === "scored")) return;
    el.take.currentTime = 0;
    el.take.play().catch((err) => say(`Playback failed: ${err.message}`, "error"));
  }

  async function donate(as) {
    if (state.phase !== "scored" || !state.take || state.donated) return;
    const form = new FormData();
    form.append("audio", state.take.blob, "take.wav");
    form.append("donate_as", as);
    if (as === "clip") form.append("keyword", el.donateKeyword.value);
    else form.append("kind", el.donateKind.value);
    setPhase("donating");
    sayDonation("Donating…");
    let answer;
    try {
      answer = await api(urls.donate, { method: "POST", body: form });
    } catch (err) {
      setPhase("scored");
      if (err.status === 403) {
        // The consent form opens beside this page, so the take is still here to donate once it is accepted.
        sayDonation(`${err.message}.`, "error", { href: urls.consent, text: "Open the consent form (then press Donate again)" });
        const link = el.donateStatus.querySelector("a");
        if (link) link.target = "_blank";
      } else {
        const wait = err.status === 429 && err.retryAfter ? ` Try again in ${err.retryAfter} s.` : "";
        sayDonation(`${err.message}${wait}`, "error");
      }
      return;
    }
    state.donated = true;
    setPhase("scored");
    sayDonation(
      answer.donated_as === "clip"
        ? `Thank you: your “${answer.clip.keyword}” is saved and goes to review.`
        : "Thank you: the take is saved as audio the next models must not wake on.",
      "ok",
      { href: "/my-data/", text: "See it on My data" },
    );
  }

  el.record.addEventListener("click", record);
  el.play.addEventListener("click", play);
  el.donateClip.addEventListener("click", () => donate("clip"));
  el.donateNegative.addEventListener("click", () => donate("negative"));
  document.addEventListener("keydown", (event) => {
    if (ui.ignoredKey(event)) return;
    const target = ui.keyTarget(event);
    if (ui.inField(target)) return;
    const key = ui.keyName(event);
    if (key === "r") record();
    else if (key === "p") play();
    else return;
    event.preventDefault();
  });
  window.addEventListener("pagehide", mic.close);
  render();
})();
