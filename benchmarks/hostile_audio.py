"""What refusing hostile uploads costs: time and memory growth of the upload decoder, each file in a fresh process.

    .venv/bin/python benchmarks/hostile_audio.py

Prints one line per file (`refuse_ms=... rss_growth_mb=...`), built in memory with numpy and soundfile: the
FLAC "bomb" (10 min x 8 channels x 96 kHz of silence, under 0.5 MB), a FLAC that hides its length, and files
of refused kinds. The upload test asserts the bomb's figures (under 100 ms, under 50 MB); this prints them.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile_audio import REFUSED, refusal_cost, silence_bomb, undeclared_ten_minutes  # noqa: E402

CASES = {
    "flac bomb 10 min x 8 ch x 96 kHz": silence_bomb,
    "flac hiding 10 min of length": undeclared_ten_minutes,
    **{name: REFUSED[name][0] for name in ("mp3", "wav ima adpcm", "32 channels", "10 s")},
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in CASES.items():
            data = make()
            cost = refusal_cost(data, Path(tmp))
            print(
                f"{name}: bytes={len(data)} refused_as={cost['code']} refuse_ms={cost['ms']:.2f} "
                f"rss_growth_mb={cost['rss_growth_mb']:.2f} traced_peak_mb={cost['traced_peak_mb']:.3f}"
            )


if __name__ == "__main__":
    main()
