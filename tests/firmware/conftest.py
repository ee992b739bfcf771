"""Firmware tests build what they need: the host build of firmware/ (make -C firmware) once per session, and a small
keyword model trained here. Without a C compiler or espeak-ng they skip, except in CI (CI=true), where they fail."""
from pathlib import Path

import pytest

from tests.firmware import libchorus
from tests.firmware.build import BUILD, make, require_tool


@pytest.fixture(scope="session")
def firmware_build() -> Path:
    require_tool("cc")
    make("all")
    return BUILD


@pytest.fixture(scope="session")
def lib(firmware_build):
    return libchorus.load(firmware_build / "libchorus.so")


@pytest.fixture(scope="session")
def kws_model():
    from tests.firmware import trained

    require_tool("espeak-ng")
    return trained.train_kws()
