/* The review page: hear someone else's clip, then say whether it is the prompted word.
 *
 * One clip at a time from GET review/next/ (204: nothing left). Its audio is fetched once: the
 * bytes play through an <audio> element and are decoded with WebAudio to draw the waveform.
 * Yes and No unlock only after the clip has played to its end once (a judgement needs the whole clip);
 * Skip and Report need no listening first. Every answer is one POST, then the next clip loads by
 * itself. A skip is not an answer: it does not count toward the session goal.
 * Keys: P play / pause, Y yes, N no, S skip, R report (Esc closes the report form).
 */
(function () {
  "use strict";

  const { api, ApiError, ui } = window.Chorus;
  const { sentence } = ui;
  const { gettext, interpolate } = window; // Django's JavaScript catalog (/jsi18n/), loaded by base.html

  const root = document.getElementById("reviewer");
  if (!root) return;
  const $ = ui.byId;
  const el = {
    clipBox: $("review-clip"),
    keyword: $("keyword"),
    canvas: $("waveform"),
    audio: $("clip-audio"),
    status: $("status"),
    play: $("play"),
    playLabel: $("play-label"),
    yes: $("yes"),
    no: $("no"),
    skip: $("skip"),
    report: $("report"),
    panel: $("report-panel"),
    note: $("report-note"),
    reportError: $("report-error"),
    reportSubmit: $("report-submit"),
    reportCancel: $("report-cancel"),
    count: $("session-count"),
    progress: $("session-progress"),
    done: $("session-done"),
    empty: $("empty"),
    standing: $("standing"),
  };
  const urls = {
    next: root.dataset.nextUrl,
    voteTemplate: root.dataset.voteUrl,
    consent: root.dataset.consentUrl,
  };
  const GOAL = Number(root.dataset.goal) || 10;
  const countKey = `chorus:review-count:${root.dataset.campaign}`;
  const PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000";
  const MAX_MOVE_ONS = 5; // clips that vanish under us (404/409) in a row before we stop and say so

  // Waveform colours, and the level that fills the canvas height: louder clips are scaled to fit,
  // quieter ones stay small so a reviewer can see "too quiet" as well as hear it.
  const WAVE_BG = "#f2f4f8";
  const WAVE_FG = "#8a94a8";
  const WAVE_PLAYED = "#3056d3";
  const WAVE_AXIS = "#d5dae4";
  const PLAYHEAD = "#b42318";
  const FULL_SCALE_FLOOR = 0.25;

  const state = {
    phase: "loading", // loading | ready | sending | empty | error
    clip: null, // {id, keyword, duration_s, audio_url, ticket, standing}
    audioUrl: null, // object URL of the fetched WAV
    samples: null, // Float32Array, channel 0 of the decoded clip
    peaks: null, // {columns, min: Float32Array, max: Float32Array, scale}
    heard: false, // played through to the end once
    answered: Number(sessionStorage.getItem(countKey) || 0),
    loadSeq: 0,
    moveOns: 0,
  };
  let decoder = null;

  // ---- status and buttons --------------------------------------------------------------------

  // say(message, kind, action): action {href, text} adds a link, {text, onClick} a button
  const say = ui.statusLine(el.status);

  function render() {
    const ready = state.phase === "ready";
    el.play.disabled = !ready || !state.audioUrl;
    el.yes.disabled = !ready || !state.heard;
    el.no.disabled = !ready || !state.heard;
    el.skip.disabled = !ready;
    el.report.disabled = !ready;
    el.reportSubmit.disabled = !ready;
    el.count.textContent = String(state.answered);
    el.progress.value = Math.min(state.answered, GOAL);
    el.progress.setAttribute("aria-valuetext", interpolate(gettext("%(answered)s of %(goal)s answers"), { answered: state.answered, goal: GOAL }, true));
    el.done.hidden = state.answered < GOAL;
    root.dataset.phase = state.phase;
    root.dataset.heard = String(state.heard);
  }

  function setPhase(phase) {
    state.phase = phase;
    if (phase !== "ready" && phase !== "sending") closeReport(false); // a failed report keeps its form
    render();
  }

  // ---- the clip ------------------------------------------------------------------------------

  function dropClip() {
    el.audio.pause();
    el.audio.removeAttribute("src");
    el.audio.load();
    if (state.audioUrl) URL.revokeObjectURL(state.audioUrl);
    Object.assign(state, { clip: null, audioUrl: null, samples: null, peaks: null, heard: false });
    el.playLabel.textContent = gettext("Play");
    delete root.dataset.clipId;
  }

  async function fetchAudio(url) {
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin" });
    } catch (err) {
      throw new ApiError(gettext("Could not reach the server. Check your connection and try again."), { code: "network" });
    }
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      throw new ApiError(data && data.detail ? String(data.detail) : interpolate(gettext("The server answered %(status)s."), { status: response.status }, true), {
        status: response.status,
        code: (data && data.error) || `http_${response.status}`,
      });
    }
    return response.arrayBuffer();
  }

  async function decode(bytes) {
    const Offline = window.OfflineAudioContext || window.webkitOfflineAudioContext;
    if (!Offline) return null;
    decoder = decoder || new Offline(1, 1, 16000); // decodes at 16 kHz, the rate clips are stored at
    const buffer = await decoder.decodeAudioData(bytes);
    return buffer.getChannelData(0);
  }

  /** Load and show the next clip; `lead` is said before the question (e.g. a thank-you). */
  async function loadNext(lead = "") {
    const seq = ++state.loadSeq;
    dropClip();
    setPhase("loading");
    drawWaveform(0);
    let clip;
    try {
      clip = await api(urls.next);
    } catch (err) {
      if (seq !== state.loadSeq) return;
      failLoad(err, gettext("Could not load a recording"));
      return;
    }
    if (seq !== state.loadSeq) return;
    if (clip === null) {
      showEmpty(lead);
      return;
    }
    state.clip = clip;
    root.dataset.clipId = clip.id;
    showStanding(clip.standing);
    el.keyword.textContent = clip.keyword;
    el.canvas.setAttribute("aria-label", interpolate(gettext("Waveform of a %(seconds)s second recording"), { seconds: ui.number(clip.duration_s, 1) }, true));
    let bytes;
    try {
      bytes = await fetchAudio(clip.audio_url);
    } catch (err) {
      if (seq !== state.loadSeq) return;
      if (err.status === 404 && state.moveOns < MAX_MOVE_ONS) {
        state.moveOns += 1;
        loadNext(`${sentence(err.message)} `);
      } else {
        failLoad(err, gettext("Could not load the recording's audio"));
      }
      return;
    }
    if (seq !== state.loadSeq) return;
    state.audioUrl = URL.createObjectURL(new Blob([bytes], { type: "audio/wav" }));
    el.audio.src = state.audioUrl;
    let note = "";
    try {
      state.samples = await decode(bytes.slice(0));
    } catch (err) {
      state.samples = null;
      note = ` ${gettext("(The waveform could not be drawn, but you can still play it.)")}`;
    }
    if (seq !== state.loadSeq) return;
    drawWaveform(0);
    setPhase("ready");
    say(`${lead}${interpolate(gettext("Does this clip say “%(word)s”? Press Play (P) to listen."), { word: clip.keyword }, true)}${note}`, lead ? "ok" : "info");
  }

  function failLoad(err, what) {
    setPhase("error");
    if (err.status === 403 && err.code === "consent_required") {
      say(sentence(err.message), "error", { href: urls.consent, text: gettext("Open the consent form") });
    } else {
      say(interpolate(gettext("%(what)s: %(error)s"), { what, error: err.message }, true), "error", { text: gettext("Try again"), onClick: () => loadNext() });
    }
  }

  function showEmpty(lead) {
    setPhase("empty");
    el.keyword.textContent = "—";
    el.clipBox.hidden = true;
    el.empty.hidden = false;
    say(`${lead}${gettext("Nothing left to review right now.")}`, lead ? "ok" : "info");
    el.empty.focus();
  }

  // ---- waveform ------------------------------------------------------------------------------

  /** Lowest and highest sample under each pixel column. */
  function columnPeaks(samples, columns) {
    const min = new Float32Array(columns);
    const max = new Float32Array(columns);
    const perColumn = samples.length / columns;
    let loudest = 0;
    for (let c = 0; c < columns; c++) {
      const start = Math.floor(c * perColumn);
      const end = Math.min(samples.length, Math.max(start + 1, Math.floor((c + 1) * perColumn)));
      let lo = 0;
      let hi = 0;
      for (let i = start; i < end; i++) {
        const v = samples[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      min[c] = lo;
      max[c] = hi;
      loudest = Math.max(loudest, hi, -lo);
    }
    return { columns, min, max, scale: 1 / Math.max(loudest, FULL_SCALE_FLOOR) };
  }

  /** Draw the clip with everything before `progress` (0..1) in the played colour, and the playhead. */
  function drawWaveform(progress) {
    if (ui.fitCanvas(el.canvas).resized) state.peaks = null;
    const { width, height } = el.canvas; // device pixels: the waveform is drawn one column per pixel
    const g = el.canvas.getContext("2d");
    const mid = height / 2;
    g.fillStyle = WAVE_BG;
    g.fillRect(0, 0, width, height);
    g.fillStyle = WAVE_AXIS;
    g.fillRect(0, Math.floor(mid), width, 1);
    if (!state.samples || state.samples.length === 0) return;
    if (!state.peaks || state.peaks.columns !== width) state.peaks = columnPeaks(state.samples, width);
    const { min, max, scale } = state.peaks;
    const playedTo = Math.round(progress * width);
    const half = mid * 0.95;
    for (let x = 0; x < width; x++) {
      const top = mid - max[x] * scale * half;
      const bottom = mid - min[x] * scale * half;
      g.fillStyle = x < playedTo ? WAVE_PLAYED : WAVE_FG;
      g.fillRect(x, Math.floor(top), 1, Math.max(1, Math.ceil(bottom - top)));
    }
    if (progress > 0 && progress < 1) {
      g.fillStyle = PLAYHEAD;
      g.fillRect(Math.min(width - 2, playedTo), 0, Math.max(2, Math.round(window.devicePixelRatio || 1)), height);
    }
  }

  function clipDuration() {
    const d = el.audio.duration;
    if (Number.isFinite(d) && d > 0) return d;
    return state.clip ? state.clip.duration_s : 1;
  }

  function animate() {
    if (el.audio.paused) return;
    drawWaveform(Math.min(1, el.audio.currentTime / clipDuration()));
    requestAnimationFrame(animate);
  }

  // ---- playback ------------------------------------------------------------------------------

  function togglePlay() {
    if (state.phase !== "ready" || !state.audioUrl) return;
    if (!el.audio.paused) {
      el.audio.pause();
      return;
    }
    if (el.audio.ended) el.audio.currentTime = 0;
    el.audio.play().catch((err) => say(interpolate(gettext("Playback failed: %(error)s"), { error: err.message }, true), "error"));
  }

  el.audio.addEventListener("play", () => {
    el.playLabel.textContent = gettext("Pause");
    requestAnimationFrame(animate);
  });
  el.audio.addEventListener("pause", () => {
    el.playLabel.textContent = el.audio.ended ? gettext("Play again") : gettext("Play");
    drawWaveform(el.audio.ended ? 1 : el.audio.currentTime / clipDuration());
  });
  el.audio.addEventListener("ended", () => {
    el.playLabel.textContent = gettext("Play again");
    drawWaveform(1);
    if (!state.clip || state.heard) return;
    state.heard = true;
    render();
    say(interpolate(gettext("Does it say “%(word)s”? Yes (Y) or No (N)."), { word: state.clip.keyword }, true));
  });

  // Whether this voter's answers count yet, and why not (the server's sentence).
  function showStanding(standing) {
    el.standing.hidden = !standing || standing.counts;
    el.standing.textContent = standing && !standing.counts ? standing.reason : "";
  }

  // ---- answers -------------------------------------------------------------------------------

  function voteUrl(clipId) {
    return urls.voteTemplate.replace(PLACEHOLDER_ID, clipId);
  }

  /**
   * POST one answer. Resolves to null when it was stored or the clip is gone (we moved on),
   * or to the ApiError to show when the same clip should stay.
   */
  async function send(kind, reason = "", note = "") {
    const clip = state.clip;
    setPhase("sending");
    try {
      await api(voteUrl(clip.id), { method: "POST", json: { ticket: clip.ticket, kind, reason, note } });
    } catch (err) {
      const gone = err.status === 404 || err.status === 409 || (err.status === 403 && err.code === "own_clip");
      if (gone && state.moveOns < MAX_MOVE_ONS) {
        state.moveOns += 1;
        loadNext(`${sentence(err.message)} `);
        return null;
      }
      setPhase("ready");
      return err;
    }
    state.moveOns = 0;
    if (kind !== "skip") state.answered += 1; // skipping is passing the clip on, not answering it
    sessionStorage.setItem(countKey, String(state.answered));
    const thanks = {
      valid: interpolate(gettext("Thanks: you said yes to “%(word)s”."), { word: clip.keyword }, true),
      invalid: interpolate(gettext("Thanks: you said no to “%(word)s”."), { word: clip.keyword }, true),
      skip: gettext("Skipped."),
      report: gettext("Thanks, the clip was reported."),
    }[kind];
    const goal = state.answered === GOAL ? ` ${interpolate(gettext("That makes %(goal)s: great work! Keep going or take a break."), { goal: GOAL }, true)}` : "";
    loadNext(`${thanks}${goal} `);
    return null;
  }

  function showVoteError(err) {
    if (err.status === 403 && err.code === "consent_required") {
      say(sentence(err.message), "error", { href: urls.consent, text: gettext("Open the consent form") });
    } else {
      say(sentence(err.message), "error");
    }
  }

  async function answer(kind) {
    if (state.phase !== "ready") return;
    if ((kind === "valid" || kind === "invalid") && !state.heard) {
      say(gettext("Listen to the whole clip first: Yes and No unlock once it has played to the end. Press P to play it."), "warning");
      return;
    }
    const err = await send(kind);
    if (err) showVoteError(err);
  }

  // ---- report form ---------------------------------------------------------------------------

  function openReport() {
    if (state.phase !== "ready") return;
    el.panel.hidden = false;
    el.report.setAttribute("aria-expanded", "true");
    reportError("");
    const first = el.panel.querySelector("input[name='reason']:checked") || el.panel.querySelector("input[name='reason']");
    first.focus();
  }

  function closeReport(restoreFocus = true) {
    if (el.panel.hidden) return;
    el.panel.hidden = true;
    el.report.setAttribute("aria-expanded", "false");
    el.panel.reset();
    reportError("");
    if (restoreFocus && !el.report.disabled) el.report.focus();
  }

  function reportError(message) {
    ui.showText(el.reportError, message);
  }

  async function submitReport(event) {
    event.preventDefault();
    if (state.phase !== "ready") return;
    const chosen = el.panel.querySelector("input[name='reason']:checked");
    const note = el.note.value.trim();
    if (!chosen) {
      reportError(gettext("Choose what is wrong with the clip."));
      el.panel.querySelector("input[name='reason']").focus();
      return;
    }
    if (chosen.value === "other" && !note) {
      reportError(gettext("With “Other”, please say in the note what is wrong."));
      el.note.focus();
      return;
    }
    const err = await send("report", chosen.value, note);
    if (err) reportError(sentence(err.message));
  }

  // ---- wiring --------------------------------------------------------------------------------

  el.play.addEventListener("click", togglePlay);
  el.yes.addEventListener("click", () => answer("valid"));
  el.no.addEventListener("click", () => answer("invalid"));
  el.skip.addEventListener("click", () => answer("skip"));
  el.report.addEventListener("click", () => (el.panel.hidden ? openReport() : closeReport()));
  el.reportCancel.addEventListener("click", () => closeReport());
  el.panel.addEventListener("submit", submitReport);

  document.addEventListener("keydown", (event) => {
    if (ui.ignoredKey(event)) return;
    if (event.key === "Escape" && !el.panel.hidden) {
      closeReport();
      event.preventDefault();
      return;
    }
    if (ui.inField(ui.keyTarget(event))) return;
    if (!el.panel.hidden) return; // the report form is open: keys belong to it
    const key = ui.keyName(event);
    if (key === "p") togglePlay();
    else if (key === "y") answer("valid");
    else if (key === "n") answer("invalid");
    else if (key === "s") answer("skip");
    else if (key === "r") openReport();
    else return;
    event.preventDefault();
  });

  window.addEventListener("resize", () => {
    state.peaks = null;
    drawWaveform(el.audio.ended ? 1 : el.audio.currentTime / clipDuration());
  });

  render();
  loadNext();
})();
