/* The recorder page: prompt, 3-2-1 countdown, a take (1.5 s, or 2 s for a wake phrase), review, submit or skip.
 *
 * Audio path: getUserMedia (browser processing off) -> AudioWorklet (Float32 PCM at the context
 * rate) -> our windowed-sinc resampler to 16 kHz -> 16-bit PCM WAV -> multipart upload.
 * Keys: R record / re-record, P play, Enter submit, S skip.
 */
(function () {
  "use strict";

  const { api, audio, ui } = window.Chorus;

  const COUNTDOWN_FROM = 3;
  const COUNTDOWN_STEP_MS = 800;
  const CHUNK_FRAMES = 1024;
  const NO_AUDIO_TIMEOUT_MS = 4000;
  const LEVEL_FLOOR_DB = -60;

  const root = document.getElementById("recorder");
  if (!root) return;
  // The campaign's take: 1.5 s holds one command word (Speech Commands-style), 2 s a wake phrase of a few words.
  const TAKE_S = Number(root.dataset.recordSeconds) || 1.5;
  const $ = ui.byId;
  const el = {
    prompt: $("prompt"),
    countdown: $("countdown"),
    progress: $("take-progress"),
    progressBar: $("take-progress-bar"),
    level: $("level"),
    levelBar: $("level-bar"),
    status: $("status"),
    quiet: $("quiet-warning"),
    take: $("take-audio"),
    record: $("record"),
    recordLabel: $("record-label"),
    play: $("play"),
    submit: $("submit"),
    skip: $("skip"),
    count: $("session-count"),
  };
  const urls = {
    prompt: root.dataset.promptUrl,
    upload: root.dataset.uploadUrl,
    worklet: root.dataset.workletUrl,
    consent: root.dataset.consentUrl,
  };
  const countKey = `chorus:session-count:${root.dataset.campaign}`;

  const state = {
    phase: "loading", // loading | idle | opening | countdown | recording | processing | review | submitting
    prompt: null, // {id, text, is_filler}
    take: null, // {blob, url, durationS, tooQuiet, loudest1sMeanAbs}
    blockedUntil: 0, // epoch ms: a 429 asked us to wait
    submitted: Number(sessionStorage.getItem(countKey) || 0),
  };
  const mic = { ctx: null, stream: null, node: null, capture: null, level: 0, peak: 0 };

  // ---- status and buttons --------------------------------------------------------------------

  const say = ui.statusLine(el.status); // say(message, kind, {href, text}) adds a link

  function render() {
    const p = state.phase;
    const haveTake = p === "review" && state.take !== null;
    const blocked = Date.now() < state.blockedUntil;
    el.record.disabled = !state.prompt || !(p === "idle" || p === "review");
    el.recordLabel.textContent = haveTake ? "Re-record" : "Record";
    el.play.disabled = !haveTake;
    el.submit.disabled = !haveTake || blocked;
    el.skip.disabled = !state.prompt || !(p === "idle" || p === "review");
    el.count.textContent = String(state.submitted);
    root.dataset.phase = p;
  }

  function setPhase(phase) {
    state.phase = phase;
    render();
  }

  // ---- prompts -------------------------------------------------------------------------------

  async function loadPrompt(previousId) {
    setPhase("loading");
    const url = previousId ? `${urls.prompt}?previous=${encodeURIComponent(previousId)}` : urls.prompt;
    try {
      state.prompt = await api(url);
      el.prompt.textContent = state.prompt.text;
      el.prompt.dataset.keywordId = String(state.prompt.id);
      setPhase("idle");
      return true;
    } catch (err) {
      state.prompt = null;
      el.prompt.textContent = "—";
      setPhase("idle");
      say(`Could not load the next word: ${err.message}`, "error");
      return false;
    }
  }

  // ---- microphone ----------------------------------------------------------------------------

  function micErrorMessage(err) {
    switch (err && err.name) {
      case "NotAllowedError":
      case "SecurityError":
        return "Microphone access was denied. Allow this site to use the microphone (in the browser's address bar or site settings), then press Record again.";
      case "NotFoundError":
      case "OverconstrainedError":
        return "No microphone was found. Connect one, then press Record again.";
      case "NotReadableError":
        return "The microphone could not be opened: another application may be using it.";
      default:
        return `The microphone could not be opened (${(err && err.message) || err}).`;
    }
  }

  async function openMic() {
    if (mic.ctx) return;
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.AudioWorkletNode) {
      throw new Error("unsupported");
    }
    const ctx = new AudioContext(); // created inside the key/click gesture so it may start
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
        video: false,
      });
      await ctx.audioWorklet.addModule(urls.worklet);
    } catch (err) {
      if (stream) stream.getTracks().forEach((t) => t.stop());
      ctx.close();
      throw err;
    }
    const source = ctx.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(ctx, "chorus-pcm-capture", {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { chunkFrames: CHUNK_FRAMES },
    });
    const mute = ctx.createGain(); // keeps the worklet pulled by the graph without echoing the mic
    mute.gain.value = 0;
    source.connect(node).connect(mute).connect(ctx.destination);
    node.port.onmessage = (event) => onPcm(event.data);
    if (ctx.state !== "running") await ctx.resume();
    for (const track of stream.getAudioTracks()) {
      track.addEventListener("ended", () => {
        closeMic();
        say("The microphone was disconnected. Press Record to open it again.", "error");
      });
    }
    Object.assign(mic, { ctx, stream, node });
    el.level.hidden = false;
    requestAnimationFrame(drawLevel);
  }

  function closeMic() {
    if (mic.capture) {
      clearTimeout(mic.capture.timer);
      mic.capture.reject(new Error("the microphone closed"));
    }
    if (mic.stream) mic.stream.getTracks().forEach((t) => t.stop());
    if (mic.ctx) mic.ctx.close();
    Object.assign(mic, { ctx: null, stream: null, node: null, capture: null });
    el.level.hidden = true;
  }

  function onPcm(chunk) {
    let peak = 0;
    let energy = 0;
    for (let i = 0; i < chunk.length; i++) {
      const v = Math.abs(chunk[i]);
      if (v > peak) peak = v;
      energy += v * v;
    }
    const rms = Math.sqrt(energy / chunk.length);
    mic.level = Math.max(rms, mic.level * 0.85); // fast attack, gentle release
    mic.peak = Math.max(peak, mic.peak * 0.9);
    const capture = mic.capture;
    if (!capture) return;
    capture.chunks.push(chunk);
    capture.length += chunk.length;
    el.progressBar.style.width = `${Math.min(100, (100 * capture.length) / capture.needed)}%`;
    if (capture.length >= capture.needed) {
      mic.capture = null;
      clearTimeout(capture.timer);
      const samples = new Float32Array(capture.needed);
      let offset = 0;
      for (const c of capture.chunks) {
        const part = c.subarray(0, Math.min(c.length, capture.needed - offset));
        samples.set(part, offset);
        offset += part.length;
        if (offset >= capture.needed) break;
      }
      capture.resolve(samples);
    }
  }

  function captureTake() {
    return new Promise((resolve, reject) => {
      const needed = Math.round(TAKE_S * mic.ctx.sampleRate);
      const timer = setTimeout(() => {
        mic.capture = null;
        reject(new Error("the microphone sent no sound"));
      }, TAKE_S * 1000 + NO_AUDIO_TIMEOUT_MS);
      mic.capture = { chunks: [], length: 0, needed, resolve, reject, timer };
    });
  }

  let lastAria = 0;
  function drawLevel(now) {
    if (!mic.ctx) return;
    const db = 20 * Math.log10(Math.max(mic.level, 1e-6));
    const percent = Math.round(Math.max(0, Math.min(1, (db - LEVEL_FLOOR_DB) / -LEVEL_FLOOR_DB)) * 100);
    el.levelBar.style.width = `${percent}%`;
    el.level.classList.toggle("hot", mic.peak >= 0.98);
    if (now - lastAria > 500) {
      el.level.setAttribute("aria-valuenow", String(percent));
      el.level.setAttribute("aria-valuetext", mic.peak >= 0.98 ? `${percent}%, too loud` : `${percent}%`);
      lastAria = now;
    }
    requestAnimationFrame(drawLevel);
  }

  // ---- takes ---------------------------------------------------------------------------------

  function discardTake() {
    if (state.take) URL.revokeObjectURL(state.take.url);
    state.take = null;
    el.take.pause();
    el.take.removeAttribute("src");
    el.take.load();
    el.quiet.hidden = true;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function record() {
    if (!state.prompt || !(state.phase === "idle" || state.phase === "review")) return;
    discardTake();
    setPhase("opening");
    try {
      if (!mic.ctx) say("Opening the microphone…");
      await openMic();
    } catch (err) {
      setPhase("idle");
      if (err.message === "unsupported") {
        say("This browser cannot record here: it needs microphone access and AudioWorklet (a current Chrome, Edge, Firefox or Safari, over HTTPS).", "error");
      } else {
        say(micErrorMessage(err), "error");
      }
      return;
    }
    setPhase("countdown");
    say(`Get ready to say “${state.prompt.text}”.`);
    for (let n = COUNTDOWN_FROM; n > 0; n--) {
      el.countdown.textContent = String(n);
      await sleep(COUNTDOWN_STEP_MS);
    }
    setPhase("recording");
    el.countdown.textContent = "Speak!";
    el.progressBar.style.width = "0%";
    el.progress.hidden = false;
    say(`Recording: say “${state.prompt.text}” now.`);
    let samples;
    try {
      samples = await captureTake();
    } catch (err) {
      el.countdown.textContent = "";
      el.progress.hidden = true;
      setPhase("idle");
      say(`Recording failed: ${err.message}. Press Record to try again.`, "error");
      return;
    }
    el.countdown.textContent = "";
    el.progress.hidden = true;
    setPhase("processing");
    const take = audio.prepareTake(samples, mic.ctx.sampleRate);
    take.url = URL.createObjectURL(take.blob);
    state.take = take;
    el.take.src = take.url;
    el.quiet.hidden = !take.tooQuiet;
    if (take.tooQuiet) {
      el.quiet.textContent = "This take is very quiet: it may be left out of the dataset. Move closer to the microphone and re-record, or submit it anyway.";
    }
    setPhase("review");
    say(take.tooQuiet ? "Take recorded, but it is too quiet. Re-record (R) or submit anyway (Enter)." : "Take recorded. Play it (P), submit it (Enter) or re-record (R).", take.tooQuiet ? "warning" : "info");
    el.submit.focus();
  }

  function play() {
    if (state.phase !== "review" || !state.take) return;
    el.take.currentTime = 0;
    el.take.play().catch((err) => say(`Playback failed: ${err.message}`, "error"));
  }

  function blockFor(seconds) {
    state.blockedUntil = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((state.blockedUntil - Date.now()) / 1000);
      if (left > 0) {
        say(`Too many recordings in a short time. You can submit again in ${left} s; your take is kept.`, "warning");
        setTimeout(tick, 1000);
      } else {
        say("You can submit again now.");
      }
      render();
    };
    tick();
  }

  async function submit() {
    if (state.phase !== "review" || !state.take || Date.now() < state.blockedUntil) return;
    const keyword = state.prompt.text;
    const form = new FormData();
    form.append("keyword", keyword);
    form.append("audio", state.take.blob, "take.wav");
    setPhase("submitting");
    say("Uploading…");
    let clip;
    try {
      clip = await api(urls.upload, { method: "POST", body: form });
    } catch (err) {
      setPhase("review");
      if (err.status === 429) {
        blockFor(err.retryAfter || 10);
      } else if (err.status === 403) {
        say(err.message, "error", { href: urls.consent, text: "Open the consent form" });
      } else {
        say(err.message, "error");
      }
      return;
    }
    state.submitted += 1;
    sessionStorage.setItem(countKey, String(state.submitted));
    discardTake();
    if (clip.too_quiet) {
      // Saved, but Speech Commands would drop it: stay on this word so it can be said again.
      setPhase("idle");
      el.quiet.hidden = false;
      el.quiet.textContent = `The server measured this “${clip.keyword}” as too quiet to use in the dataset. Press R to record it again, closer to the microphone, or S for the next word.`;
      say(`Saved “${clip.keyword}”, but it is too quiet.`, "warning");
      return;
    }
    const loaded = await loadPrompt(state.prompt.id);
    if (loaded) say(`Saved “${clip.keyword}” (${ui.seconds(clip.duration_s)}). Thank you! Next word: “${state.prompt.text}”.`, "ok");
  }

  async function skip() {
    if (!state.prompt || !(state.phase === "idle" || state.phase === "review")) return;
    const skipped = state.prompt.text;
    discardTake();
    if (await loadPrompt(state.prompt.id)) say(`Skipped “${skipped}”. Next word: “${state.prompt.text}”.`);
  }

  // ---- wiring --------------------------------------------------------------------------------

  el.record.addEventListener("click", record);
  el.play.addEventListener("click", play);
  el.submit.addEventListener("click", submit);
  el.skip.addEventListener("click", skip);

  document.addEventListener("keydown", (event) => {
    if (ui.ignoredKey(event)) return;
    const target = ui.keyTarget(event);
    if (ui.inField(target)) return;
    const key = ui.keyName(event);
    if (key === "r") record();
    else if (key === "p") play();
    else if (key === "s") skip();
    else if (key === "Enter" && !target.closest("button, a, audio, summary")) submit(); // focused controls keep their own Enter
    else return;
    event.preventDefault();
  });

  window.addEventListener("pagehide", closeMic);

  render();
  loadPrompt(null).then((loaded) => {
    if (loaded) say(`First word: “${state.prompt.text}”. Press Record (R) and say it after the countdown. Your browser asks for the microphone the first time.`);
  });
})();
