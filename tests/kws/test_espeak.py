"""kws.espeak.restart: speech after a restart is the same whatever the engine said before, in any process, so
synthetic corpora (and the models trained on them) come out the same every run."""

import subprocess
import sys

import numpy as np

from kws import espeak
from tests.services import require_espeak

SAY = (
    "import sys; from kws import espeak; espeak.restart(seed=3); "
    "sys.stdout.buffer.write(espeak.say('hey jarvis', voice='en-gb-scotland+f5', pitch=40, speed=160)[0].tobytes())"
)


def test_after_a_restart_the_same_words_come_out_the_same_whatever_came_before():
    require_espeak()
    takes = []
    for before in ("", "the quick brown fox", "a much longer sentence about something else entirely"):
        if before:
            espeak.say(before, voice="en-us+m4", pitch=60, speed=180)
        espeak.restart(seed=3)
        takes.append(espeak.say("hey jarvis", voice="en-gb-scotland+f5", pitch=40, speed=160)[0])
    assert len(takes[0]) > 8_000 and all(np.array_equal(takes[0], t) for t in takes[1:])
    # and in a fresh process, which seeds the engine from nothing it shares with this one
    other = subprocess.run([sys.executable, "-c", SAY], capture_output=True, check=True).stdout
    assert np.array_equal(np.frombuffer(other, np.float32), takes[0])
