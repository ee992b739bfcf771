/* The recorder page: prompt, 3-2-1 countdown, a take (1.5 s, or 2 s for a wake phrase), review, submit or skip.
 *
 * Audio path: the microphone of recorder.js (getUserMedia, browser processing off -> AudioWorklet, Float32 PCM
 * at the context rate) -> our windowed-sinc resampler to 16 kHz (wav.js) -> 16-bit PCM WAV -> multipart upload.
 * Keys: R record / re-record, P play, Enter submit, S skip.
 */
(function () {
  "use strict";

  const { api, audio, recorder, ui } = window.Chorus;
  const { gettext, interpolate } = window; // Django's JavaScript catalog (/jsi18n/), loaded by base.html

  const COUNTDOWN_FROM = 3;
  const COUNTDOWN_STEP_MS = 800;

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
    progress: $("session-progress"),
    done: $("session-done"),
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

  // ---- status and buttons --------------------------------------------------------------------

  const say = ui.statusLine(el.status); // say(message, kind, {href, text}) adds a link

  function render() {
    const p = state.phase;
    const haveTake = p === "review" && state.take !== null;
    const blocked = Date.now() < state.blockedUntil;
    el.record.disabled = !state.prompt || !(p === "idle" || p === "review");
    el.recordLabel.textContent = haveTake ? gettext("Re-record") : gettext("Record");
    el.play.disabled = !haveTake;
    el.submit.disabled = !haveTake || blocked;
    el.skip.disabled = !state.prompt || !(p === "idle" || p === "review");
    el.count.textContent = String(state.submitted);
    if (el.progress) {
      // the session goal: a bar toward it, and a word of thanks once it is reached
      el.progress.value = Math.min(state.submitted, Number(el.progress.max));
      el.done.hidden = state.submitted < Number(el.progress.max);
    }
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
      say(interpolate(gettext("Could not load the next word: %(error)s"), { error: err.message }, true), "error");
      return false;
    }
  }

  // ---- microphone (recorder.js) -------------------------------------------------------------

  const mic = recorder.create({
    workletUrl: urls.worklet,
    level: el.level,
    levelBar: el.levelBar,
    progressBar: el.progressBar,
    onDisconnected: () => say(gettext("The microphone was disconnected. Press Record to open it again."), "error"),
  });

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
      if (!mic.isOpen) say(gettext("Opening the microphone…"));
      await mic.open();
    } catch (err) {
      setPhase("idle");
      say(recorder.micErrorMessage(err), "error");
      return;
    }
    setPhase("countdown");
    say(interpolate(gettext("Get ready to say “%(word)s”."), { word: state.prompt.text }, true));
    for (let n = COUNTDOWN_FROM; n > 0; n--) {
      el.countdown.textContent = String(n);
      await sleep(COUNTDOWN_STEP_MS);
    }
    setPhase("recording");
    el.countdown.textContent = gettext("Speak!");
    el.progressBar.style.width = "0%";
    el.progress.hidden = false;
    say(interpolate(gettext("Recording: say “%(word)s” now."), { word: state.prompt.text }, true));
    let samples;
    try {
      samples = await mic.capture(TAKE_S);
    } catch (err) {
      el.countdown.textContent = "";
      el.progress.hidden = true;
      setPhase("idle");
      say(interpolate(gettext("Recording failed: %(error)s. Press Record to try again."), { error: err.message }, true), "error");
      return;
    }
    el.countdown.textContent = "";
    el.progress.hidden = true;
    setPhase("processing");
    const take = audio.prepareTake(samples, mic.sampleRate);
    take.url = URL.createObjectURL(take.blob);
    state.take = take;
    el.take.src = take.url;
    el.quiet.hidden = !take.tooQuiet;
    if (take.tooQuiet) {
      el.quiet.textContent = gettext("This take is very quiet: it may be left out of the dataset. Move closer to the microphone and re-record, or submit it anyway.");
    }
    setPhase("review");
    say(take.tooQuiet ? gettext("Take recorded, but it is too quiet. Re-record (R) or submit anyway (Enter).") : gettext("Take recorded. Play it (P), submit it (Enter) or re-record (R)."), take.tooQuiet ? "warning" : "info");
    el.submit.focus();
  }

  function play() {
    if (state.phase !== "review" || !state.take) return;
    el.take.currentTime = 0;
    el.take.play().catch((err) => say(interpolate(gettext("Playback failed: %(error)s"), { error: err.message }, true), "error"));
  }

  function blockFor(seconds) {
    state.blockedUntil = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((state.blockedUntil - Date.now()) / 1000);
      if (left > 0) {
        say(interpolate(gettext("Too many recordings in a short time. You can submit again in %(seconds)s s; your take is kept."), { seconds: left }, true), "warning");
        setTimeout(tick, 1000);
      } else {
        say(gettext("You can submit again now."));
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
    say(gettext("Uploading…"));
    let clip;
    try {
      clip = await api(urls.upload, { method: "POST", body: form });
    } catch (err) {
      setPhase("review");
      if (err.status === 429) {
        blockFor(err.retryAfter || 10);
      } else if (err.status === 403) {
        say(err.message, "error", { href: urls.consent, text: gettext("Open the consent form") });
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
      el.quiet.textContent = interpolate(gettext("The server measured this “%(word)s” as too quiet to use in the dataset. Press R to record it again, closer to the microphone, or S for the next word."), { word: clip.keyword }, true);
      say(interpolate(gettext("Saved “%(word)s”, but it is too quiet."), { word: clip.keyword }, true), "warning");
      return;
    }
    const loaded = await loadPrompt(state.prompt.id);
    if (loaded) say(interpolate(gettext("Saved “%(word)s” (%(duration)s). Thank you! Next word: “%(next)s”."), { word: clip.keyword, duration: ui.seconds(clip.duration_s), next: state.prompt.text }, true), "ok");
  }

  async function skip() {
    if (!state.prompt || !(state.phase === "idle" || state.phase === "review")) return;
    const skipped = state.prompt.text;
    discardTake();
    if (await loadPrompt(state.prompt.id)) say(interpolate(gettext("Skipped “%(word)s”. Next word: “%(next)s”."), { word: skipped, next: state.prompt.text }, true));
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

  window.addEventListener("pagehide", mic.close);

  render();
  loadPrompt(null).then((loaded) => {
    if (loaded) say(interpolate(gettext("First word: “%(word)s”. Press Record (R) and say it after the countdown. Your browser asks for the microphone the first time."), { word: state.prompt.text }, true));
  });
})();
