"""Every byte left in storage, as sha256 digests: each file under MEDIA_ROOT and, inside each archive
(.tar.gz releases, .zip packages and exports), each member too. Erasure tests check a voice is in none."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from pathlib import Path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _members(name: str, data: bytes) -> list[bytes]:
    if tarfile.is_tarfile(io.BytesIO(data)):
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            return [tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()]
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [archive.read(n) for n in archive.namelist()]
    return []


def stored_digests(root) -> dict[str, str]:
    """sha256 -> where it was found ("path" or "path!member"), over every file and every archive member."""
    found: dict[str, str] = {}
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        found.setdefault(sha256(data), str(path))
        for i, member in enumerate(_members(path.name, data)):
            found.setdefault(sha256(member), f"{path}!{i}")
    return found


def left_behind(root, digests: set[str]) -> dict[str, str]:
    """Which of these digests storage still holds, and where."""
    stored = stored_digests(root)
    return {d: stored[d] for d in digests if d in stored}
