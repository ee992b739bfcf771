/* Audio helpers for the recorder: resample to 16 kHz mono, encode 16-bit PCM WAV, loudness check.
 *
 * Resampling choice: our own windowed-sinc low-pass interpolator, not OfflineAudioContext.
 * Chromium's OfflineAudioContext resamples an AudioBuffer by linear interpolation without an
 * anti-aliasing filter (a 12 kHz tone rendered from 48 kHz to 16 kHz comes out at full level
 * as a 4 kHz alias), and browsers differ there. The filter below is a Blackman-windowed sinc
 * centred on 7.4 kHz with 32 lobes each side (about 210 taps at 48 kHz). Measured in Chromium
 * (tests/browser/test_audio_js.py): within 0.2 dB up to 7 kHz, -6 dB at 7.4 kHz, below -80 dB
 * from 8.2 kHz, so nothing folds back into the band. A tabulated kernel keeps it to milliseconds.
 */
(function () {
  "use strict";

  const Chorus = (window.Chorus = window.Chorus || {});

  const TARGET_RATE = 16000;
  const CUTOFF_FRACTION = 0.4625; // of the lower of the two rates: 7.4 kHz when going to 16 kHz
  const LOBES = 32; // sinc zero crossings on each side of the kernel centre
  const TABLE_STEPS = 512; // kernel table entries per input sample
  // kws/quality.py TOO_QUIET_MEAN_ABS: Speech Commands drops clips whose loudest 1 s has mean |x| below it.
  const TOO_QUIET_MEAN_ABS = 0.004;

  function kernelTable(cutoffOverRate, halfWidth) {
    const size = Math.ceil(halfWidth * TABLE_STEPS) + 2;
    const table = new Float64Array(size);
    const gain = 2 * cutoffOverRate;
    for (let j = 0; j < size; j++) {
      const d = j / TABLE_STEPS;
      if (d >= halfWidth) break;
      const x = gain * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const u = d / halfWidth; // 0..1 from the centre to the edge
      const blackman = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
      table[j] = gain * sinc * blackman;
    }
    return table;
  }

  /** Band-limited resampling of mono Float32 samples from `fromRate` to `toRate` (default 16 kHz). */
  function resample(samples, fromRate, toRate = TARGET_RATE) {
    if (fromRate === toRate) return Float32Array.from(samples);
    const cutoffOverRate = (CUTOFF_FRACTION * Math.min(fromRate, toRate)) / fromRate;
    const halfWidth = LOBES / (2 * cutoffOverRate); // in input samples
    const table = kernelTable(cutoffOverRate, halfWidth);
    const step = fromRate / toRate;
    const out = new Float32Array(Math.round((samples.length * toRate) / fromRate));
    const last = samples.length - 1;
    for (let m = 0; m < out.length; m++) {
      const t = m * step; // this output sample's position, in input samples
      const first = Math.max(0, Math.ceil(t - halfWidth));
      const end = Math.min(last, Math.floor(t + halfWidth));
      let acc = 0;
      for (let k = first; k <= end; k++) {
        const pos = Math.abs(t - k) * TABLE_STEPS;
        const i = pos | 0;
        const frac = pos - i;
        acc += samples[k] * (table[i] + frac * (table[i + 1] - table[i]));
      }
      out[m] = acc;
    }
    return out;
  }

  /** Float [-1, 1] to 16-bit PCM: x * 32768 rounded and clamped, so pcm / 32768 reads back as x. */
  function toPcm16(samples) {
    const pcm = new Int16Array(samples.length);
    for (let i = 0; i < samples.length; i++) {
      pcm[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768)));
    }
    return pcm;
  }

  /** A canonical RIFF/WAVE file: one fmt chunk (PCM, mono, 16-bit) and one data chunk. */
  function encodeWav(pcm, sampleRate = TARGET_RATE) {
    const dataBytes = pcm.length * 2;
    const view = new DataView(new ArrayBuffer(44 + dataBytes));
    const ascii = (offset, text) => {
      for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
    };
    ascii(0, "RIFF");
    view.setUint32(4, 36 + dataBytes, true);
    ascii(8, "WAVE");
    ascii(12, "fmt ");
    view.setUint32(16, 16, true); // fmt chunk size
    view.setUint16(20, 1, true); // PCM
    view.setUint16(22, 1, true); // mono
    view.setUint32(24, sampleRate, true);
    view.setUint32(28, sampleRate * 2, true); // byte rate
    view.setUint16(32, 2, true); // block align
    view.setUint16(34, 16, true); // bits per sample
    ascii(36, "data");
    view.setUint32(40, dataBytes, true);
    for (let i = 0; i < pcm.length; i++) view.setInt16(44 + i * 2, pcm[i], true);
    return new Blob([view.buffer], { type: "audio/wav" });
  }

  /** Mean |x| over the loudest `window` samples (whole clip if shorter), as kws/quality.py computes it. */
  function loudestWindowMeanAbs(samples, window) {
    const n = samples.length;
    if (n === 0) return 0;
    if (n <= window) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.abs(samples[i]);
      return sum / n;
    }
    let sum = 0;
    for (let i = 0; i < window; i++) sum += Math.abs(samples[i]);
    let best = sum;
    for (let i = window; i < n; i++) {
      sum += Math.abs(samples[i]) - Math.abs(samples[i - window]);
      if (sum > best) best = sum;
    }
    return best / window;
  }

  /**
   * Turn a captured take into what the server will store: 16 kHz mono 16-bit WAV, plus the
   * too-quiet verdict computed on exactly those samples (pcm / 32768, as soundfile reads them).
   */
  function prepareTake(samples, captureRate) {
    const pcm = toPcm16(resample(samples, captureRate, TARGET_RATE));
    const asRead = Float32Array.from(pcm, (v) => v / 32768);
    const loudest = loudestWindowMeanAbs(asRead, TARGET_RATE);
    return {
      blob: encodeWav(pcm, TARGET_RATE),
      sampleRate: TARGET_RATE,
      durationS: pcm.length / TARGET_RATE,
      loudest1sMeanAbs: loudest,
      tooQuiet: loudest < TOO_QUIET_MEAN_ABS,
    };
  }

  Chorus.audio = { TARGET_RATE, TOO_QUIET_MEAN_ABS, resample, toPcm16, encodeWav, loudestWindowMeanAbs, prepareTake };
})();
