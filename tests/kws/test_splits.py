import hashlib
from collections import Counter

from kws.splits import which_set


def test_roughly_ten_ten_eighty_over_many_speakers():
    counts = Counter(which_set(hashlib.sha512(str(i).encode()).hexdigest()) for i in range(20_000))
    assert 0.09 <= counts["validation"] / 20_000 <= 0.11
    assert 0.09 <= counts["testing"] / 20_000 <= 0.11


def test_a_speaker_always_gets_the_same_split_whatever_else_exists():
    speakers = [hashlib.sha512(f"s{i}".encode()).hexdigest() for i in range(500)]
    first = {s: which_set(s) for s in speakers}
    grown = {s: which_set(s) for s in speakers + [hashlib.sha512(f"new{i}".encode()).hexdigest() for i in range(5_000)]}
    assert all(grown[s] == first[s] for s in speakers)


def test_matches_the_speech_commands_reference_values():
    # input_data.which_set on '<id>_nohash_0.wav' hashes the part before _nohash_: the same number here.
    import re

    def speech_commands(filename):
        base = re.sub(r"_nohash_.*$", "", filename)
        pct = (int(hashlib.sha1(base.encode()).hexdigest(), 16) % (2**27)) * (100.0 / (2**27 - 1))
        return "validation" if pct < 10 else "testing" if pct < 20 else "training"

    for speaker in ["0a7c2a8d", "ffd2ba2f", "3cfc6b3a", "c1d39ce8", "b4aa9fef", "9a7c1f83"] + [
        f"{i:08x}" for i in range(300)
    ]:
        assert which_set(speaker) == speech_commands(f"{speaker}_nohash_0.wav")
