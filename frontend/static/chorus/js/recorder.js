/* The microphone of the recording pages (speak, try a model): one recorder, whatever page records.
 *
 * getUserMedia (browser processing off) -> AudioWorklet (Float32 PCM at the context rate, recorder-worklet.js)
 * -> takes of a fixed length, with a live level meter and a take progress bar. Turning a take into 16 kHz WAV is
 * wav.js's job (Chorus.audio.prepareTake). Plain script (no build step): it defines window.Chorus.recorder.
 */
(function () {
  "use strict";

  const Chorus = (window.Chorus = window.Chorus || {});

  const CHUNK_FRAMES = 1024;
  const NO_AUDIO_TIMEOUT_MS = 4000;
  const LEVEL_FLOOR_DB = -60;
  const UNSUPPORTED = "unsupported";
  const { gettext, interpolate } = window; // Django's JavaScript catalog (/jsi18n/), loaded by base.html

  function micErrorMessage(err) {
    if (err && err.message === UNSUPPORTED) {
      return gettext("This browser cannot record here: it needs microphone access and AudioWorklet (a current Chrome, Edge, Firefox or Safari, over HTTPS).");
    }
    switch (err && err.name) {
      case "NotAllowedError":
      case "SecurityError":
        return gettext("Microphone access was denied. Allow this site to use the microphone (in the browser's address bar or site settings), then press Record again.");
      case "NotFoundError":
      case "OverconstrainedError":
        return gettext("No microphone was found. Connect one, then press Record again.");
      case "NotReadableError":
        return gettext("The microphone could not be opened: another application may be using it.");
      default:
        return interpolate(gettext("The microphone could not be opened (%(error)s)."), { error: (err && err.message) || err }, true);
    }
  }

  /**
   * A microphone for one page. `level` / `levelBar`: the meter (shown while the microphone is open);
   * `progressBar`: filled as a take comes in; `onDisconnected()`: the device went away (the recorder is closed).
   */
  function create({ workletUrl, level, levelBar, progressBar, onDisconnected = () => {} }) {
    const mic = { ctx: null, stream: null, node: null, capture: null, level: 0, peak: 0 };

    async function open() {
      if (mic.ctx) return;
      if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.AudioWorkletNode) {
        throw new Error(UNSUPPORTED);
      }
      const ctx = new AudioContext(); // created inside the key/click gesture so it may start
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
          video: false,
        });
        await ctx.audioWorklet.addModule(workletUrl);
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
          close();
          onDisconnected();
        });
      }
      Object.assign(mic, { ctx, stream, node });
      if (level) level.hidden = false;
      requestAnimationFrame(drawLevel);
    }

    function close() {
      if (mic.capture) {
        clearTimeout(mic.capture.timer);
        mic.capture.reject(new Error(gettext("the microphone closed")));
      }
      if (mic.stream) mic.stream.getTracks().forEach((t) => t.stop());
      if (mic.ctx) mic.ctx.close();
      Object.assign(mic, { ctx: null, stream: null, node: null, capture: null });
      if (level) level.hidden = true;
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
      if (progressBar) progressBar.style.width = `${Math.min(100, (100 * capture.length) / capture.needed)}%`;
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

    /** The next `seconds` of sound at the context's rate (Float32Array); rejects if no sound comes. */
    function capture(seconds) {
      return new Promise((resolve, reject) => {
        const needed = Math.round(seconds * mic.ctx.sampleRate);
        const timer = setTimeout(() => {
          mic.capture = null;
          reject(new Error(gettext("the microphone sent no sound")));
        }, seconds * 1000 + NO_AUDIO_TIMEOUT_MS);
        mic.capture = { chunks: [], length: 0, needed, resolve, reject, timer };
      });
    }

    let lastAria = 0;
    function drawLevel(now) {
      if (!mic.ctx || !level) return;
      const db = 20 * Math.log10(Math.max(mic.level, 1e-6));
      const percent = Math.round(Math.max(0, Math.min(1, (db - LEVEL_FLOOR_DB) / -LEVEL_FLOOR_DB)) * 100);
      levelBar.style.width = `${percent}%`;
      level.classList.toggle("hot", mic.peak >= 0.98);
      if (now - lastAria > 500) {
        level.setAttribute("aria-valuenow", String(percent));
        level.setAttribute("aria-valuetext", mic.peak >= 0.98 ? interpolate(gettext("%(level)s, too loud"), { level: `${percent}%` }, true) : `${percent}%`);
        lastAria = now;
      }
      requestAnimationFrame(drawLevel);
    }

    return {
      open,
      close,
      capture,
      get isOpen() {
        return mic.ctx !== null;
      },
      get sampleRate() {
        return mic.ctx ? mic.ctx.sampleRate : null;
      },
    };
  }

  Chorus.recorder = { create, micErrorMessage };
})();
