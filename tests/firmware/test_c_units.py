"""The C unit tests (firmware/host/test_*.c) run in the main suite too, not only under make -C firmware test."""
import subprocess

import pytest


@pytest.mark.parametrize("name", ["test_fft", "test_recognizer"])
def test_c_unit_tests_pass(firmware_build, name):
    done = subprocess.run([str(firmware_build / name)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ", 0 failed" in done.stdout
