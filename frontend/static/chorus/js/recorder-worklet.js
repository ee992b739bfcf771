/* AudioWorklet: hands the main thread the microphone's PCM as mono Float32 chunks.
 *
 * Runs on the audio rendering thread at the AudioContext's own sample rate (often 48 kHz);
 * channels are averaged (like the server does) and batched so the page gets ~50 messages a second.
 */
class ChorusPcmCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    this.chunkFrames = opts.chunkFrames || 1024;
    this.chunk = new Float32Array(this.chunkFrames);
    this.filled = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true; // nothing connected yet
    const frames = channels[0].length;
    const scale = 1 / channels.length;
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels.length; c++) sum += channels[c][i];
      this.chunk[this.filled++] = sum * scale;
      if (this.filled === this.chunkFrames) {
        this.port.postMessage(this.chunk, [this.chunk.buffer]);
        this.chunk = new Float32Array(this.chunkFrames);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor("chorus-pcm-capture", ChorusPcmCapture);
