"""Negative audio: long recordings (speech, music, TV, noise) that hold no wake phrase, streamed into storage.

Hours of audio never sit in memory: the file is read a second at a time, resampled to 16 kHz mono as it goes
and written block by block to a 16-bit WAV in a temporary file, which is then stored. A refused or failed file
leaves nothing behind: no row, no stored file, no temporary file.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from collector.services import storage_delete_after_commit
from kws import splits
from kws.audio import ACCEPTED_SUBTYPES, TARGET_SAMPLE_RATE
from preparation.models import NegativeAudio

BLOCK_SECONDS = 1
MIN_SECONDS = 1.0
MAX_SECONDS = 24 * 3600  # a decompression bomb (a tiny FLAC of days of silence) stops here
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8_000, 96_000
MAX_CHANNELS = 8
FORMATS = {name: ACCEPTED_SUBTYPES[name] for name in ("WAV", "WAVEX", "FLAC")}
_UNKNOWN_LENGTH = 2**63 - 1  # libsndfile's SF_COUNT_MAX: a FLAC stream whose header leaves the length out


class NegativeAudioRejected(ValueError):
    """The file cannot be negative audio; the message says why, for the person who gave it."""


def negative_audio_split(*, campaign, name: str) -> str:
    """'training', 'validation' or 'testing' (80/10/10), by the speakers' hash rule on the campaign and name: the
    same recording lands in the same split in every run and on every installation."""
    return splits.which_set(f"negative:{campaign.slug}:{name}")


def negative_kind_from_name(name: str) -> str:
    """What an imported file holds, as its name says ('tv_news_3.wav' -> tv); speech unless it says otherwise."""
    words = set(re.split(r"[^a-z0-9]+", Path(name).stem.lower()))
    for kind in (NegativeAudio.Kind.MUSIC, NegativeAudio.Kind.TV, NegativeAudio.Kind.NOISE):
        if kind.value in words:
            return kind
    return NegativeAudio.Kind.SPEECH


def negative_audio_check(*, name: str, fileobj) -> None:
    """Refuse what negative_audio_add would refuse (format, rate, channels, length, corrupt audio), storing
    nothing: the file is decoded a block at a time and left at its start."""
    try:
        with _opened(name, fileobj) as f:
            for _ in _mono_blocks(name, f):
                pass
    finally:
        fileobj.seek(0)


def negative_audio_add(
    *,
    campaign,
    name: str,
    fileobj,
    kind: str = NegativeAudio.Kind.SPEECH,
    source: str = NegativeAudio.Source.UPLOAD,
    skip_existing: bool = False,
    contributor=None,
    consent=None,
) -> NegativeAudio | None:
    """Stream a long WAV/FLAC recording into storage as 16 kHz mono 16-bit WAV and record it. Returns None when
    skip_existing and the campaign already has a recording of that name; a file that is no usable audio raises
    NegativeAudioRejected (a ValueError) with the reason."""
    if skip_existing and NegativeAudio.objects.filter(campaign=campaign, name=name).exists():
        return None
    scratch = Path(settings.VAR_DIR) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".wav") as temp:
        frames = _stream_to_wav(name, fileobj, temp.name)
        with open(temp.name, "rb") as wav:
            stored = default_storage.save(f"negatives/{campaign.slug}/{uuid.uuid4()}.wav", File(wav))
    try:
        return NegativeAudio.objects.create(
            campaign=campaign,
            name=name,
            audio=stored,
            duration_s=frames / TARGET_SAMPLE_RATE,
            sample_rate=TARGET_SAMPLE_RATE,
            kind=kind,
            source=source,
            split=negative_audio_split(campaign=campaign, name=name),
            contributor=contributor,
            consent=consent,
        )
    except BaseException:
        default_storage.delete(stored)
        raise


def negative_audio_delete(*, negatives) -> int:
    """Delete recordings (a queryset) and, once that commits, their stored files. Returns how many went."""
    with transaction.atomic():
        names = [name for name in negatives.values_list("audio", flat=True) if name]
        deleted, _ = negatives.delete()
        storage_delete_after_commit(names)
    return deleted


def _opened(name: str, fileobj) -> sf.SoundFile:
    try:
        f = sf.SoundFile(fileobj)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        # libsndfile's own message can hold internals: never pass it on
        raise NegativeAudioRejected(f"{name}: not readable audio (negative audio must be WAV or FLAC)") from None
    try:
        _check_header(name, f)
    except BaseException:
        f.close()
        raise
    return f


def _check_header(name: str, f: sf.SoundFile) -> None:
    if f.format not in FORMATS:
        raise NegativeAudioRejected(f"{name}: the file is {f.format_info}; negative audio must be WAV or FLAC")
    if f.subtype not in FORMATS[f.format]:
        raise NegativeAudioRejected(
            f"{name}: the {f.format} file is encoded as {f.subtype_info}; send 16, 24 or 32-bit PCM or float WAV, "
            "or 8, 16 or 24-bit FLAC"
        )
    if not MIN_SAMPLE_RATE <= f.samplerate <= MAX_SAMPLE_RATE:
        raise NegativeAudioRejected(
            f"{name}: the audio is sampled at {f.samplerate} Hz; negative audio may be {MIN_SAMPLE_RATE} to "
            f"{MAX_SAMPLE_RATE} Hz"
        )
    if not 1 <= f.channels <= MAX_CHANNELS:
        raise NegativeAudioRejected(f"{name}: the audio has {f.channels} channels; at most {MAX_CHANNELS} are accepted")
    if f.frames != _UNKNOWN_LENGTH:
        _check_duration(name, f.frames / f.samplerate)


def _check_duration(name: str, seconds: float) -> None:
    if seconds < MIN_SECONDS:
        raise NegativeAudioRejected(f"{name}: the recording lasts {seconds:.2f} s; negative audio needs at least 1 s")
    if seconds > MAX_SECONDS:
        raise NegativeAudioRejected(
            f"{name}: the recording lasts more than {MAX_SECONDS // 3600} hours; split it into shorter files"
        )


def _mono_blocks(name: str, f: sf.SoundFile) -> Iterator[tuple[np.ndarray, bool]]:
    """(mono block at the file's rate, whether it is the last), a second at a time; the length checked as it goes."""
    block = f.samplerate * BLOCK_SECONDS
    read = 0
    while True:
        try:
            chunk = f.read(block, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError):
            raise NegativeAudioRejected(f"{name}: the audio is corrupt and cannot be decoded") from None
        read += len(chunk)
        if read > MAX_SECONDS * f.samplerate:  # a header that leaves the length out cannot hide a longer file
            _check_duration(name, read / f.samplerate)
        last = len(chunk) < block
        if last:
            _check_duration(name, read / f.samplerate)
        yield (chunk.mean(axis=1, dtype=np.float32) if chunk.shape[1] > 1 else chunk[:, 0]), last
        if last:
            return


def _stream_to_wav(name: str, fileobj, path: str) -> int:
    """Decode, mix to mono, resample and write one block at a time. Returns the frames written."""
    written = 0
    fileobj.seek(0)
    with (
        _opened(name, fileobj) as f,
        sf.SoundFile(path, "w", samplerate=TARGET_SAMPLE_RATE, channels=1, format="WAV", subtype="PCM_16") as out,
    ):
        resampler = (
            soxr.ResampleStream(f.samplerate, TARGET_SAMPLE_RATE, 1, dtype="float32", quality="HQ")
            if f.samplerate != TARGET_SAMPLE_RATE
            else None
        )
        for mono, last in _mono_blocks(name, f):
            if resampler is not None:
                mono = resampler.resample_chunk(mono, last=last)
            out.write(np.clip(mono, -1.0, 1.0))  # resampling can overshoot full scale: clip, never wrap
            written += len(mono)
    return written
