"""Valid programs that a backend, mode or target cannot run: ``CapabilityError`` (not
``BackendUnavailable``, which means a missing tool or device), saying what to do instead."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench import int16, int32

TARGETS = Path(dato.__file__).parent / "core" / "targets"


@dato.region
def gemm(A: int16[16, 16], B: int16[16, 16], C: int32[16, 16]):
    @dato.task(args=[A, B, C])
    def mm(a: int16[16, 16], b: int16[16, 16], c: int32[16, 16]):
        c[:, :] = dato.matmul(a[:, :], b[:, :], acc=int32)


def without_int16_macs(tmp_path: Path) -> Path:
    """npu1_4col as a target file whose tiles have no int16 multiply-accumulate rate."""
    text = (TARGETS / "npu1_4col.toml").read_text()
    rates = "macs_per_cycle = { int8 = 256, int16 = 64, bf16 = 128,"
    assert text.count(rates) == 1
    text = text.replace(rates, "macs_per_cycle = { int8 = 256, bf16 = 128,")
    text = text.replace('name = "npu1_4col"', 'name = "no_int16"')
    path = tmp_path / "no_int16.toml"
    path.write_text(text)
    return path


def test_a_target_without_a_mac_rate_for_the_dtype_cannot_time_the_matmul(tmp_path):
    prog = dato.compile(gemm, target=str(without_int16_macs(tmp_path)))
    A, B = np.ones((16, 16), np.int16), np.ones((16, 16), np.int16)
    C = np.zeros((16, 16), np.int32)
    with pytest.raises(dato.CapabilityError) as info:
        prog.run(A, B, C, backend="perf")  # C-macs
    check_error(
        info,
        "# C-macs",
        "target 'no_int16' has no MAC rate for int16 matmuls",
        "add compute.macs_per_cycle.int16 to its target file",
    )
    prog.run(A, B, C)  # the functional simulator runs it
    np.testing.assert_array_equal(C, np.full((16, 16), 16, np.int32))
