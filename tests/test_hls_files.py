"""Writing HLS projects: a directory that cannot be written is a located DatoError saying
why, and a very long region name neither breaks temporary directories nor file names
(issue 10, group F)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from helpers import check_error, region_of

import datobench as dato
from datobench.core.codegen.hls.project import temp_prefix
from datobench.programs import pipeline

CSIM = next(b for b in dato.backends() if b.name == "csim")
prog = dato.compile(pipeline())


def test_emitting_onto_a_file_is_refused(tmp_path):
    taken = tmp_path / "kernel.txt"
    taken.write_text("mine")
    with pytest.raises(dato.DatoError) as info:
        prog.emit("hls", directory=taken)  # E-ontofile
    check_error(
        info, "# E-ontofile", f"cannot write the HLS project into {taken}: it is a file; give a"
    )
    assert taken.read_text() == "mine"


def test_emitting_under_a_file_is_refused(tmp_path):
    taken = tmp_path / "notes"
    taken.write_text("mine")
    inside = taken / "project"
    with pytest.raises(dato.DatoError) as info:
        prog.write_hls(inside)  # E-underfile
    check_error(info, "# E-underfile", f"it is under {taken}, which is a file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_directory_is_reported(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(dato.DatoError) as info:
            prog.emit("hls", directory=locked / "p")  # E-denied
        check_error(info, "# E-denied", f"cannot write the HLS project into {locked / 'p'}")
    finally:
        locked.chmod(0o700)


def test_a_directory_that_cannot_be_made_is_reported(tmp_path):
    too_long = tmp_path / ("d" * 300)
    with pytest.raises(dato.DatoError) as info:
        prog.emit("hls", directory=too_long)  # E-toolong
    check_error(info, "# E-toolong", "cannot write the HLS project into", "File name too long")


LONG = "r" + "egion" * 50  # 251 characters


def long_region(tmp_path):
    path = tmp_path / "long.py"
    path.write_text(
        "import datobench as dato\n"
        "from datobench import int32\n\n\n"
        f"@dato.region\ndef {LONG}(A: int32[4]):\n"
        "    @dato.task(args=[A])\n"
        "    def t(a: int32[4]):\n"
        "        a[:] = a[:] + 1\n"
    )
    return region_of(path)


def test_temporary_directory_prefixes_are_bounded():
    assert len(temp_prefix("dato-csim", LONG)) <= len("dato-csim--") + 40
    assert temp_prefix("dato-hls", "π/../x") == "dato-hls-pi_x-"


@pytest.mark.skipif(not CSIM.available, reason="csim needs g++")
def test_a_region_with_a_250_character_name_runs_in_csim(tmp_path):
    long = dato.compile(long_region(tmp_path))
    A = np.arange(4, dtype=np.int32)
    result = long.run(A, backend="csim")
    np.testing.assert_array_equal(A, np.arange(1, 5))
    assert len(result.build.directory.name) < 80
    assert len(long.emit("hls").split('extern "C" void ')[1].split("(")[0]) <= 64


def test_a_region_with_a_250_character_name_gets_to_the_vitis_step(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no v++: the build stops after writing
    long = dato.compile(long_region(tmp_path), target="u280")
    with pytest.raises(dato.BackendUnavailable) as info:
        long.build(platform="xilinx_u280_gen3x16_xdma_1_202211_1")  # E-longbuild
    check_error(info, "# E-longbuild", "v++ (AMD Vitis) is not on PATH")
