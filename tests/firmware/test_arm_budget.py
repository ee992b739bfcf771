"""The portable core cross-compiled for the Nano 33 BLE's Cortex-M4F (make -C firmware arm): feature code and
recognizer, with the libm they call and their static state for the default model, fit 16 KB of flash and 12 KB
of RAM, in single precision only."""
import re

from tests.firmware.build import make, require_tool

FLASH_BUDGET = 16 * 1024
RAM_BUDGET = 12 * 1024


def test_the_core_fits_the_cortex_m4f_budget():
    require_tool("arm-none-eabi-gcc")
    out = make("arm")
    print(out)
    assert "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os" in out
    size = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[0-9a-f]+\s+\S*chorus_core\.elf$", out, flags=re.M)
    assert size, out
    text, data, bss = map(int, size.groups())
    assert text + data <= FLASH_BUDGET
    assert data + bss <= RAM_BUDGET
    for name in ("chorus_fft.o", "chorus_features.o", "chorus_recognizer.o"):
        assert name in out
    assert re.search(rf"budget: flash {text + data} / {FLASH_BUDGET} bytes, ram {data + bss} / {RAM_BUDGET} bytes", out)


def test_the_wake_word_sketchs_frontend_and_detector_fit_their_budget():
    """The micro frontend and the wake detector with their static state, as chorus_wake_word/ uses them."""
    require_tool("arm-none-eabi-gcc")
    out = make("arm")
    size = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[0-9a-f]+\s+\S*chorus_wake_core\.elf$", out, flags=re.M)
    assert size, out
    text, data, bss = map(int, size.groups())
    assert text + data <= 8 * 1024 and data + bss <= 4 * 1024
    assert bss >= 2152  # the frontend's state is in it: what was measured is what the sketch carries
    assert re.search(rf"wake budget: flash {text + data} / 8192 bytes, ram {data + bss} / 4096 bytes", out)
