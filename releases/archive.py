"""A .tar.gz written front to back in constant memory, with a SHA256SUMS of every member at the end.

Pure (no Django). Members are written as they come; the checksum lines go to a temporary file, not a list,
so memory stays flat however many clips a release holds.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tempfile
from typing import BinaryIO

SUMS_NAME = "SHA256SUMS"
COPY_CHUNK = 1 << 20
FIXED_MTIME = 0  # members carry no build time: the same content gives the same tar stream


class ChecksummedTar:
    """Every member under one top-level folder `root` (the release's name), so unpacking makes one folder; its
    SHA256SUMS names the members relative to it: `cd root && sha256sum -c SHA256SUMS`."""

    def __init__(self, fileobj: BinaryIO, *, root: str = "", compresslevel: int = 1):
        if "/" in root or root in (".", ".."):
            raise ValueError(f"an archive's top-level folder is one plain name, not {root!r}")
        self._prefix = f"{root}/" if root else ""
        # level 1: WAV barely compresses; the higher levels cost several times the CPU for a few percent
        self._tar = tarfile.open(fileobj=fileobj, mode="w:gz", compresslevel=compresslevel, format=tarfile.PAX_FORMAT)
        self._sums = tempfile.TemporaryFile(mode="w+b")
        self.members = 0
        self.bytes_in = 0

    def add_bytes(self, path: str, data: bytes) -> str:
        """Adds one member; returns its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        self._tar.addfile(self._info(path, len(data)), io.BytesIO(data))
        self._record(path, digest, len(data))
        return digest

    def add_text(self, path: str, text: str) -> str:
        return self.add_bytes(path, text.encode("utf-8"))

    def add_stream(self, path: str, source: BinaryIO) -> str:
        """A large member (a spooled table) copied through without loading it whole."""
        hasher = hashlib.sha256()
        size = source.seek(0, io.SEEK_END)
        source.seek(0)
        reader = _HashingReader(source, hasher)
        self._tar.addfile(self._info(path, size), reader)
        digest = hasher.hexdigest()
        self._record(path, digest, size)
        return digest

    def close(self) -> None:
        """Writes SHA256SUMS (sha256sum's format, so `sha256sum -c SHA256SUMS` checks the unpacked tree)."""
        self._sums.seek(0, io.SEEK_END)
        size = self._sums.tell()
        self._sums.seek(0)
        self._tar.addfile(self._info(SUMS_NAME, size), self._sums)
        self._tar.close()
        self._sums.close()

    def _info(self, path: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(self._prefix + path)
        info.size, info.mtime, info.mode = size, FIXED_MTIME, 0o644
        return info

    def _record(self, path: str, digest: str, size: int) -> None:
        # TarFile keeps every TarInfo it wrote (only reading needs them): drop them, or memory grows per clip
        self._tar.members.clear()
        self._sums.write(f"{digest}  {path}\n".encode())
        self.members += 1
        self.bytes_in += size


class _HashingReader:
    def __init__(self, source: BinaryIO, hasher):
        self._source, self._hasher = source, hasher

    def read(self, n: int = -1) -> bytes:
        chunk = self._source.read(COPY_CHUNK if n is None or n < 0 else n)
        self._hasher.update(chunk)
        return chunk
