"""Audio that must not trigger: synthetic running speech (espeak-ng voices saying word sequences that hold no
keyword) over background noise, built in one-minute pieces so that hours never sit whole in memory twice.

Made once per (keywords, voices, seed) and cached as 16-bit WAV minutes: an evaluation over an hour of
negatives then costs features and inference, not synthesis.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from kws import espeak, synthetic

NEGATIVES_FORMAT_VERSION = 2  # 2: each piece from a fresh espeak-ng, the same in any process
PIECE_SECONDS = 60
EVALUATION_SEED = 7_000  # the voices every job is scored on
TRAINING_SEED = 8_000  # other voices, whose speech trains _unknown_: no evaluation negative is trained on
TRAINING_SECONDS = 600
SAMPLE_RATE = synthetic.SAMPLE_RATE
# Everyday English words for running speech; keywords (and words containing them) are taken out per campaign.
VOCABULARY = (
    "the a and of to in is it that was for with as his they at be this have from or one had by word but not what all "
    "were we when your can said there use an each which she do how their if will other about out many then them "
    "these so some her would make like him into time has look two more write see number way could people my than "
    "first water been call who oil its now find long day did get come made may part over new sound take only little "
    "work know place year live me back give most very after thing our just name good sentence man think say great "
    "where help through much before line right too mean old any same tell boy follow came want show also around form "
    "three small set put end does another well large must big even such because turn here why ask went men read need "
    "land different home us move try kind hand picture again change play spell air away animal house point page "
    "letter mother answer found study still learn should world high every near add food between own below country "
    "plant last school father keep tree never start city earth eye light thought head under story saw left few while "
    "along might close something seem next hard open example begin life always those both paper together got group "
    "often run important until children side feet car mile night walk white sea began grow took river four carry "
    "state once book hear stop without second later miss idea enough eat face watch far indian really almost let "
    "above girl sometimes mountain cut young talk soon list song being leave family music television radio weather "
    "kitchen coffee dinner morning evening window garden yellow green blue red orange purple weekend holiday"
).split()


def vocabulary_without(keywords: list[str]) -> list[str]:
    """The running-speech words that neither are nor contain a keyword (nor sit inside one): no true detection
    hides in the negatives."""
    keys = [k.lower() for k in keywords]
    return [w for w in VOCABULARY if not any(k in w or w in k for k in keys)]


def _piece(words: list[str], speakers: list[synthetic.Speaker], beds: list[np.ndarray], rng) -> np.ndarray:
    """One PIECE_SECONDS of sentences by random voices, at random levels, over noise at 0-25 dB SNR or none."""
    from kws import espeak

    n = PIECE_SECONDS * SAMPLE_RATE
    out = np.zeros(n, np.float32)
    at = int(rng.integers(0, SAMPLE_RATE))
    while at < n:
        speaker = speakers[int(rng.integers(len(speakers)))]
        sentence = " ".join(rng.choice(words, size=int(rng.integers(4, 14))))
        audio, rate = espeak.say(
            sentence, voice=f"{speaker.accent}+{speaker.variant}", pitch=speaker.pitch, speed=speaker.speed
        )
        audio = soxr.resample(audio, rate * speaker.warp, SAMPLE_RATE).astype(np.float32)
        audio = audio / max(float(np.abs(audio).max()), 1e-6) * float(rng.uniform(0.05, 0.9))
        piece = audio[: n - at]
        out[at : at + len(piece)] += piece
        at += len(piece) + int(rng.uniform(0.2, 2.0) * SAMPLE_RATE)
    if beds and rng.random() < 0.8:
        bed = np.resize(beds[int(rng.integers(len(beds)))], n)
        speech_power = float(np.mean(out**2)) + 1e-9
        snr_db = float(rng.uniform(0, 25))
        out = out + bed * np.sqrt(speech_power / (float(np.mean(bed**2)) + 1e-12) / 10 ** (snr_db / 10))
    return np.clip(out, -1, 1).astype(np.float32)


def cache_key(keywords: list[str], voices: int, seed: int) -> str:
    spec = {"v": NEGATIVES_FORMAT_VERSION, "keywords": sorted(keywords), "voices": voices, "seed": seed}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def synthetic_negatives(
    cache_dir: Path, keywords: list[str], seconds: float, *, voices: int = 40, seed: int = EVALUATION_SEED
) -> Iterator[np.ndarray]:
    """Pieces of negative audio adding up to `seconds` (rounded up to whole minutes), from the cache where
    made before. The voices come from a seed of their own, so they are none of the training voices."""
    folder = Path(cache_dir) / cache_key(keywords, voices, seed)
    folder.mkdir(parents=True, exist_ok=True)
    speakers = synthetic.speakers(voices, seed=seed)
    words = vocabulary_without(keywords)
    for index in range(int(np.ceil(seconds / PIECE_SECONDS))):
        path = folder / f"{index:05d}.wav"
        if path.exists():
            yield sf.read(path, dtype="float32")[0]
            continue
        rng = np.random.default_rng([seed, index])
        espeak.restart(seed=index)  # a piece is the same whichever process makes it, after whatever speech
        piece = _piece(words, speakers, synthetic.noise_beds(rng, seconds=PIECE_SECONDS), rng)
        partial = path.with_suffix(".partial.wav")
        sf.write(partial, piece, SAMPLE_RATE, subtype="PCM_16")
        partial.replace(path)  # a crash mid-write leaves no half piece under the real name
        yield sf.read(path, dtype="float32")[0]
