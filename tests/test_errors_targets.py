"""Errors about targets a user names or writes: a target file that is not there, and a
figure a simulator needs that the user's target file lacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import check_error, compiler_frames

import datobench as dato
from datobench import float32

NPU = Path(dato.__file__).parent / "core" / "targets" / "npu1_4col.toml"


@dato.region
def doubler(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = a[:] * 2.0


def test_a_target_path_that_does_not_exist(tmp_path):
    missing = tmp_path / "my_npu.toml"
    with pytest.raises(dato.DatoError) as info:
        dato.compile(doubler, target=missing)  # E-nofile
    check_error(info, "# E-nofile", f"no target file at {missing}")
    assert compiler_frames(info.value) == []


def test_a_figure_missing_from_a_user_target_is_named_when_it_is_needed(tmp_path):
    path = tmp_path / "no_vectors.toml"
    text = NPU.read_text()
    assert "vector_bits = 512\n" in text
    path.write_text(text.replace("vector_bits = 512\n", ""))
    prog = dato.compile(doubler, target=path)
    with pytest.raises(dato.DatoError) as info:
        prog.run(np.zeros(16, np.float32), backend="perf")  # E-noparam
    check_error(
        info, "# E-noparam", f"target 'npu1_4col' has no parameter 'compute.vector_bits' ({path})"
    )
    assert compiler_frames(info.value) == []


def test_an_unknown_target_name_suggests_a_file():
    with pytest.raises(dato.DatoError) as info:
        dato.compile(doubler, target="npu7")  # E-unknown
    check_error(
        info,
        "# E-unknown",
        "unknown target 'npu7'; available: ",
        "(or pass the path of a .toml target file)",
    )


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of npu1_4col.toml with ``old`` replaced by ``new`` (once)."""
    text = NPU.read_text()
    assert old in text
    path = tmp_path / "edited.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_a_target_file_that_is_not_toml(tmp_path):
    path = _edited(tmp_path, "columns = 4", "columns = = 4")
    with pytest.raises(dato.DatoError) as info:
        dato.compile(doubler, target=path)  # E-toml
    check_error(info, "# E-toml", f"target file {path} is not valid TOML: ")


def test_a_target_file_without_an_entry(tmp_path):
    path = _edited(tmp_path, "locks = 16\n", "")
    with pytest.raises(dato.DatoError) as info:
        dato.compile(doubler, target=path)  # E-entry
    check_error(info, "# E-entry", f"target file {path} lacks the entry 'locks'")


def test_a_target_file_without_a_row_kinds_table(tmp_path):
    path = _edited(tmp_path, "[tile.mem]", "[tile.memory]")
    with pytest.raises(dato.DatoError) as info:
        dato.compile(doubler, target=path)  # E-rowkind
    check_error(info, "# E-rowkind", f"target file {path}: row kind 'mem' has no [tile.mem] table")
