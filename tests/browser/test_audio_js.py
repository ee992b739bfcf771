"""wav.js in Chromium against the server's Python: resampling, WAV encoding and the too-quiet rule."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
import soundfile as sf
import soxr

from kws.quality import TOO_QUIET_MEAN_ABS, loudest_window_mean_abs
from tests.fixtures.live import FAKE_MIC_SAMPLE_RATE, word_loop

pytestmark = pytest.mark.browser

RESAMPLE_TONE = """([freq, rate]) => {
  const x = new Float32Array(rate);
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin(2 * Math.PI * freq * i / rate);
  return Array.from(Chorus.audio.resample(x, rate, 16000));
}"""


@pytest.fixture
def wav_js(launch_chromium, live_server, transactional_db):
    page = launch_chromium().new_page()
    page.goto(f"{live_server.url}/")
    page.add_script_tag(url="/static/chorus/js/wav.js")
    return page


def rms(x) -> float:
    x = np.asarray(x, dtype=np.float64)[400:-400]  # leave out the kernel's edge effects
    return float(np.sqrt((x**2).mean()))


@pytest.mark.parametrize("rate", [48_000, 44_100])
def test_resampler_keeps_speech_band_and_stops_aliases(wav_js, rate):
    gains = {
        freq: rms(wav_js.evaluate(RESAMPLE_TONE, [freq, rate])) / (0.5 / np.sqrt(2))
        for freq in (300, 1000, 4000, 6500, 7000, 7400, 7800, 8200, 8600, 9000, 12000)
    }
    print(rate, {f: round(20 * np.log10(max(g, 1e-9)), 1) for f, g in gains.items()})
    for freq in (300, 1000, 4000, 6500, 7000):  # the speech band passes (within 0.3 dB)
        assert gains[freq] == pytest.approx(1.0, abs=0.035), freq
    assert 10 ** (-9 / 20) < gains[7400] < 10 ** (-3 / 20)  # the cutoff
    for freq in (8200, 8600, 9000, 12000):  # above 8 kHz would fold back (to 7.8, 7.4, 7 and 4 kHz)
        assert gains[freq] < 10 ** (-70 / 20), freq


def test_resampled_speech_matches_soxr(wav_js):
    speech = word_loop("yes", FAKE_MIC_SAMPLE_RATE)
    ours = np.array(
        wav_js.evaluate("(x) => Array.from(Chorus.audio.resample(Float32Array.from(x), 48000, 16000))", speech.tolist())
    )
    reference = soxr.resample(speech, FAKE_MIC_SAMPLE_RATE, 16_000, quality="HQ")
    assert len(ours) == len(reference) == 16_000
    error = rms(ours - reference) / rms(reference)
    print(f"relative error against soxr {error:.4f}")
    assert error < 0.025  # measured 0.017: soxr HQ keeps a little more of 7-8 kHz


def test_wav_encoding_and_too_quiet_match_the_server(wav_js):
    rng = np.random.default_rng(1)
    for scale in (0.001, 0.0039, 0.0041, 0.3):
        samples = np.clip(rng.normal(0, scale * 1.25, 24_000), -1, 1).astype(np.float32)  # mean |x| ~ scale
        result = wav_js.evaluate(
            """async (x) => {
                const take = Chorus.audio.prepareTake(Float32Array.from(x), 16000);
                const bytes = new Uint8Array(await take.blob.arrayBuffer());
                let binary = ""; for (const b of bytes) binary += String.fromCharCode(b);
                return {
                    wav: btoa(binary), loudest: take.loudest1sMeanAbs, tooQuiet: take.tooQuiet, type: take.blob.type,
                };
            }""",
            samples.tolist(),
        )
        data = base64.b64decode(result["wav"])
        info = sf.info(io.BytesIO(data))
        assert (info.samplerate, info.channels, info.subtype, info.frames) == (16_000, 1, "PCM_16", 24_000)
        assert result["type"] == "audio/wav"
        decoded, _ = sf.read(io.BytesIO(data), dtype="float32")
        assert np.abs(decoded - samples).max() <= 1 / 32768
        server = loudest_window_mean_abs(decoded, 16_000)
        assert result["loudest"] == pytest.approx(server, rel=1e-6)
        assert result["tooQuiet"] == (server < TOO_QUIET_MEAN_ABS)
