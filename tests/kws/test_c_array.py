import re
import shutil
import subprocess

import pytest

from kws.c_array import model_header, model_source


def test_the_c_array_holds_the_model_bytes_aligned():
    model = bytes(range(256)) + b"TFL3" * 3
    source = model_source(model)
    assert "alignas(16) const unsigned char g_model[] = {" in source
    values = bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", source))
    assert values == model
    assert f"const int g_model_len = {len(model)};" in source


def test_the_generated_files_compile_and_read_back(tmp_path):
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("g++ is not installed")
    model = bytes([7, 0, 255, 16]) * 50
    (tmp_path / "model_data.h").write_text(model_header())
    (tmp_path / "model_data.cc").write_text(model_source(model))
    (tmp_path / "main.cc").write_text(
        '#include <cstdio>\n#include <cstdint>\n#include "model_data.h"\n'
        "int main() { long sum = 0; for (int i = 0; i < g_model_len; ++i) sum += g_model[i];\n"
        '  std::printf("%d %ld %d\\n", g_model_len, sum, (int)(reinterpret_cast<uintptr_t>(g_model) % 16)); }\n'
    )
    subprocess.run(
        [
            compiler,
            "-std=c++17",
            "-o",
            str(tmp_path / "check"),
            str(tmp_path / "main.cc"),
            str(tmp_path / "model_data.cc"),
        ],
        check=True,
    )
    out = subprocess.run([str(tmp_path / "check")], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(len(model)), str(sum(model)), "0"]
