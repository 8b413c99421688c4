"""``backend="xrt"`` on NPU targets (datobench/core/runtime/npu.py) and ``dato.devices()``.

The call sequence is checked against ``RecordingPyxrt`` (tests/pyxrt_standin.py), which is NOT
XRT: a stand-in object with pyxrt's names that records every call. ``devices()`` is pointed at
fake ``/sys`` and ``/dev`` trees written into a temporary directory. Only
``test_every_example_on_a_real_npu_equals_sim`` (marked ``hw``) touches a real NPU, and it skips
with the reason when there is none.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import NPU_REFUSED, check_error, line_of, random_arrays, region_of
from pyxrt_standin import FROM_DEVICE, TO_DEVICE, BoFlags, CmdState, RecordingPyxrt
from traitlets.config import Config

import datobench as dato
from datobench import programs
from datobench.core.backends.xrt import runtime_sequence
from datobench.core.runtime import NpuRunner, SequenceArg, devices, read_instructions

NPU = ("NPU Phoenix", "0000:c5:00.1")  # what the stand-in's device 0 says it is
# an npu1 instruction stream: its header (version, 6 rows x 4 columns, 1 op, 24 bytes) and a
# write of one register (stand-in words: only their passage to the device is checked)
WORDS = np.array([0x06030100, 0x00000104, 1, 24, 0x00000000, 0x0601D0C0], dtype=np.uint32)
EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("0*.py"))


@pytest.fixture
def xclbin(tmp_path) -> Path:
    path = tmp_path / "final.xclbin"
    path.write_bytes(b"xclbin2\0 stand-in contents")
    return path


@pytest.fixture
def insts(tmp_path) -> Path:
    path = tmp_path / "insts.bin"
    path.write_bytes(WORDS.astype("<u4").tobytes())
    return path


@pytest.fixture
def stand_in(monkeypatch) -> RecordingPyxrt:
    """The stand-in as the pyxrt module, with an NPU xclbin's kernel."""
    rec = RecordingPyxrt(kernels=("MLIR_AIE",), infos=[NPU])
    monkeypatch.setitem(sys.modules, "pyxrt", rec)
    return rec


def vector_add():
    return dato.compile(programs.vector_add(256, 2, 64), target="npu1_4col")


# --------------------------------------------------------------------------------------------
# The call sequence


def test_vector_add_loads_once_then_copies_runs_and_writes_back_in_place(stand_in, xclbin, insts):
    prog = vector_add()
    A, B = np.arange(256, dtype=np.float32), np.full(256, 0.5, dtype=np.float32)
    C = np.zeros(256, dtype=np.float32)
    view_of_c = C[128:]
    stand_in.results[3] = (A + B).tobytes()  # bo3 is C's buffer (bo0 holds the instructions)

    result = prog.run(A, B, C, backend="xrt", xclbin=xclbin, insts=insts)

    assert stand_in.names() == [
        "device",
        "xclbin",
        "xclbin.get_kernels",
        "device.register_xclbin",
        "xclbin.get_uuid",
        "hw_context",
        "kernel",
        "kernel.group_id", "bo", "bo0.write", "bo0.sync",  # the instructions, once
        "kernel.group_id", "bo",
        "kernel.group_id", "bo",
        "kernel.group_id", "bo",
        "bo1.write", "bo1.sync",
        "bo2.write", "bo2.sync",
        "bo3.write", "bo3.sync",
        "kernel()",
        "run.wait",
        "bo3.sync", "bo3.read",  # only C, the array the program writes
    ]  # fmt: skip
    calls = stand_in.calls
    assert calls[0] == ("device", (0,))
    assert calls[1] == ("xclbin", (str(xclbin),))
    dev = calls[5][1][0]  # the device the hardware context is made on
    assert calls[5] == ("hw_context", (dev, "uuid-of-final.xclbin")) and dev.index == 0
    assert calls[6][0] == "kernel" and calls[6][1][1] == "MLIR_AIE"
    assert [args for name, args in calls if name == "kernel.group_id"] == [(1,), (3,), (4,), (5,)]
    assert [args for name, args in calls if name == "bo"] == [
        (dev, WORDS.nbytes, BoFlags.cacheable, 11),  # group_id(1) of the stand-in is 11
        (dev, 1024, BoFlags.host_only, 13),
        (dev, 1024, BoFlags.host_only, 14),
        (dev, 1024, BoFlags.host_only, 15),
    ]
    assert ("bo0.write", (WORDS.tobytes(), 0)) in calls
    assert ("bo1.write", (A.tobytes(), 0)) in calls
    assert ("bo2.write", (B.tobytes(), 0)) in calls
    assert [args for name, args in calls if name.endswith(".sync")] == [
        (TO_DEVICE,), (TO_DEVICE,), (TO_DEVICE,), (TO_DEVICE,), (FROM_DEVICE,)
    ]  # fmt: skip
    bo_instr, bo_a, bo_b, bo_c = stand_in.bos
    assert calls[-4] == ("kernel()", (3, bo_instr, WORDS.size, bo_a, bo_b, bo_c))
    assert calls[-3] == ("run.wait", ())
    assert calls[-1] == ("bo3.read", (1024, 0))
    # the result is in the caller's array, in place; the inputs are untouched
    np.testing.assert_array_equal(C, A + B)
    np.testing.assert_array_equal(view_of_c, (A + B)[128:])
    np.testing.assert_array_equal(B, 0.5)
    assert result.backend == "xrt" and result.kernel == "MLIR_AIE"
    assert result.xclbin == xclbin and result.device == 0
    assert 0 <= result.kernel_seconds <= result.seconds
    assert result.summary().startswith("XrtResult(kernel 'MLIR_AIE' from final.xclbin on device 0")

    before = len(calls)
    prog.run(A, B, C, backend="xrt", xclbin=xclbin, insts=insts, timeout_ms=2000)
    again = stand_in.names()[before:]  # opened once: the buffers are reused
    assert again[0] == "bo1.write" and "xclbin" not in again and "bo" not in again
    assert ("run.wait", (2000,)) in stand_in.calls[before:]


def test_a_gemm_gets_buffers_of_its_operands_sizes_and_its_result_in_place(stand_in, xclbin, insts):
    prog = dato.compile(
        programs.output_stationary_gemm(64, 64, 64, 2, 2, 32, dato.int16, dato.int32),
        target="npu1_4col",
    )
    A, B, C = random_arrays(prog)
    expected = C.copy()
    prog.run(A, B, expected, backend="sim")
    stand_in.results[3] = expected.tobytes()

    prog.run(A, B, C, backend="xrt", xclbin=xclbin, insts=insts)

    sizes = [(args[1], args[2]) for name, args in stand_in.calls if name == "bo"]
    assert sizes == [
        (WORDS.nbytes, BoFlags.cacheable),
        (64 * 64 * 2, BoFlags.host_only),  # int16 A
        (64 * 64 * 2, BoFlags.host_only),  # int16 B
        (64 * 64 * 4, BoFlags.host_only),  # int32 C
    ]
    assert stand_in.names()[-2:] == ["bo3.sync", "bo3.read"]
    np.testing.assert_array_equal(C, expected)
    assert C.shape == (64, 64) and C.dtype == np.int32


def test_the_runtime_sequence_is_the_regions_parameters_in_order():
    assert runtime_sequence(vector_add()) == [
        SequenceArg(name, (256,), np.dtype(np.float32)) for name in "ABC"
    ]
    gemm = dato.compile(
        programs.single_core_gemm(32, 32, 32, dato.int16, dato.int32), target="npu1_4col"
    )
    assert [(a.name, a.nbytes, str(a)) for a in runtime_sequence(gemm)] == [
        ("A", 2048, "A: int16[1024]"),
        ("B", 2048, "B: int16[1024]"),
        ("C", 4096, "C: int32[1024]"),
    ]


def test_a_region_that_updates_an_input_in_place_gets_it_back(stand_in, xclbin, insts):
    @dato.region
    def doubler(A: dato.float32[64]):
        @dato.task(args=[A])
        def t(a: dato.float32[64]):
            a[:] = a[:] * 2.0

    prog = dato.compile(doubler, target="npu1_4col")
    A = np.arange(64, dtype=np.float32)
    stand_in.results[1] = (A * 2).tobytes()
    prog.run(A, backend="xrt", xclbin=xclbin, insts=insts)
    assert ("bo1.write", (np.arange(64, dtype=np.float32).tobytes(), 0)) in stand_in.calls
    np.testing.assert_array_equal(A, np.arange(64) * 2)


def test_outputs_and_kernel_can_be_named(monkeypatch, xclbin, insts):
    rec = RecordingPyxrt(kernels=("helper", "MLIR_AIE_add"), infos=[NPU])
    monkeypatch.setitem(sys.modules, "pyxrt", rec)
    prog = vector_add()
    arrays = random_arrays(prog)
    prog.run(*arrays, backend="xrt", xclbin=xclbin, insts=insts, outputs=[0, 2])
    prog.run(*arrays, backend="xrt", xclbin=xclbin, insts=insts, kernel="helper")
    opened = [args[1] for name, args in rec.calls if name == "kernel"]
    assert opened == ["MLIR_AIE_add", "helper"]  # found by its mark, then as named
    reads = [n for n in rec.names() if n.endswith(".read")]
    assert reads == ["bo1.read", "bo3.read", "bo7.read"]  # A and C, then C of the second runner


# --------------------------------------------------------------------------------------------
# The instruction file, as the toolchain wrote it


def test_binary_and_hex_instruction_files_give_the_same_words(tmp_path, insts):
    hex_text = tmp_path / "insts.txt"
    hex_text.write_text("".join(f"{w:08x}\n" for w in WORDS))
    prefixed = tmp_path / "prefixed.txt"
    prefixed.write_text("\r\n".join(f"0x{w:08X}" for w in WORDS) + "\r\n\r\n")
    for path in (insts, hex_text, prefixed):
        words = read_instructions(path)
        assert words.dtype == np.uint32
        np.testing.assert_array_equal(words, WORDS)


def test_a_hex_instruction_file_reaches_the_device_as_binary_words(stand_in, xclbin, tmp_path):
    hex_text = tmp_path / "insts.txt"
    hex_text.write_text("\n".join(f"{w:08x}" for w in WORDS))
    prog = vector_add()
    prog.run(*random_arrays(prog), backend="xrt", xclbin=xclbin, insts=hex_text)
    assert ("bo0.write", (WORDS.astype("<u4").tobytes(), 0)) in stand_in.calls
    kernel_call = next(args for name, args in stand_in.calls if name == "kernel()")
    assert kernel_call[:3] == (3, stand_in.bos[0], WORDS.size)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "the instruction file {path} is empty: rebuild with prog.build()"),
        (b"\x00\x01\x03\x06\x04", "holds 5 bytes, not a whole number of 32-bit words"),
        (b"xclbin2\0\0\0\0\0", "is an xclbin, not an instruction stream: pass it as xclbin="),
        (b"module {\n  aie.device(npu1) {\n", "line 1 is 'module {'"),
        (b"06030100\n00000104\nzz\n", "line 3 is 'zz'"),
        (b"\n  \n", "hex text with one word per line (insts.txt); it holds only blank lines"),
        ("06030100\n\u00e9\n".encode(), "line 2 is"),
    ],
    ids=["empty", "truncated", "xclbin", "mlir", "bad-word", "blank", "not-ascii"],
)
def test_a_file_that_is_no_instruction_stream_is_refused(tmp_path, content, words):
    path = tmp_path / "insts.bin"
    path.write_bytes(content)
    with pytest.raises(dato.DatoError) as info:
        read_instructions(path)
    assert words.replace("{path}", str(path)) in str(info.value)
    if content.startswith(b"module"):
        assert str(info.value) == (
            f"{path} is not an NPU instruction stream: neither binary 32-bit words (insts.bin) "
            "nor hex text with one word per line (insts.txt); line 1 is 'module {'"
        )


# --------------------------------------------------------------------------------------------
# Bad inputs, at the user's line


def test_an_npu_run_needs_the_built_design(stand_in, xclbin):
    prog = vector_add()
    with pytest.raises(dato.BackendUnavailable) as info:
        prog.run(*random_arrays(prog), backend="xrt", xclbin=xclbin)  # E-noinsts
    check_error(
        info,
        "# E-noinsts",
        "backend='xrt' runs a built design on the NPU: pass xclbin=PATH and insts=PATH",
        "xclbin=b.xclbin, insts=b.insts",
    )
    assert stand_in.calls == []


def test_missing_artefacts_are_named_before_a_device_is_touched(stand_in, tmp_path, insts):
    prog = vector_add()
    arrays = random_arrays(prog)
    missing = tmp_path / "build" / "final.xclbin"
    with pytest.raises(dato.BackendUnavailable) as info:
        prog.run(*arrays, backend="xrt", xclbin=missing, insts=insts)  # E-npuxclbin
    check_error(info, "# E-npuxclbin", f"no xclbin at {missing}: build it with prog.build()")
    (tmp_path / "x.xclbin").write_bytes(b"xclbin2\0")
    with pytest.raises(dato.BackendUnavailable) as info:
        prog.run(*arrays, backend="xrt", xclbin=tmp_path / "x.xclbin", insts=missing)  # E-npuinsts
    check_error(
        info, "# E-npuinsts", f"no instruction file at {missing}: prog.build() writes it next to"
    )
    assert stand_in.calls == []


def test_a_bad_instruction_file_is_refused_at_the_run(stand_in, xclbin):
    prog = vector_add()
    with pytest.raises(dato.DatoError) as info:
        prog.run(*random_arrays(prog), backend="xrt", xclbin=xclbin, insts=xclbin)  # E-swapped
    check_error(info, "# E-swapped", "is an xclbin, not an instruction stream")


def test_insts_is_for_npu_targets(stand_in, xclbin, insts):
    prog = dato.compile(programs.pipeline(16, 2), target="u280")
    A, B = np.zeros(64, np.float32), np.zeros(64, np.float32)
    with pytest.raises(dato.DatoError) as info:
        prog.run(A, B, backend="xrt", xclbin=xclbin, insts=insts)  # E-instsfpga
    check_error(info, "# E-instsfpga", "insts= is for NPU targets; u280 runs the HLS kernel")


def test_the_kernel_option_must_be_a_name():
    prog = vector_add()
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(*random_arrays(prog), backend="xrt", kernel=3)  # E-kernelopt
    check_error(info, "# E-kernelopt", "option kernel= must be None or a kernel name (a str)")


def test_arrays_that_do_not_fit_are_refused_at_the_users_line(stand_in, xclbin, insts):
    prog = vector_add()
    A, B, C = random_arrays(prog)
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(A, B, C.astype(np.int32), backend="xrt", xclbin=xclbin, insts=insts)  # E-dtype
    check_error(info, "# E-dtype", "argument 3 ('C') of vector_add: expected float32[256]")
    C.flags.writeable = False
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(A, B, C, backend="xrt", xclbin=xclbin, insts=insts)  # E-frozen
    check_error(info, "# E-frozen", "argument 3 ('C') is read-only")


def test_the_runner_checks_the_arrays_against_the_design(stand_in, xclbin, insts):
    sequence = runtime_sequence(vector_add())
    runner = NpuRunner(xclbin, insts, sequence)
    A, B, C = (np.zeros(256, np.float32) for _ in range(3))
    with pytest.raises(dato.DatoTypeError, match=r"runtime sequence takes 3 arrays \(A: float32"):
        runner.run([A, B])
    with pytest.raises(dato.DatoTypeError) as info:
        runner.run([A, [0.0] * 256, C])
    assert str(info.value) == "argument 1 ('B') must be a numpy array of float32[256], not list"
    with pytest.raises(
        dato.DatoTypeError,
        match=r"argument 2 \('C'\): the design's buffer holds float32\[256\], got an array of "
        r"float32\[128\]",
    ):
        runner.run([A, B, C[:128]])
    with pytest.raises(dato.DatoTypeError, match="output index 5 is not one of the design's 3"):
        runner.run([A, B, C], outputs={5})
    C.flags.writeable = False
    with pytest.raises(dato.DatoTypeError, match=r"output 2 \('C'\) is read-only: the NPU's"):
        runner.run([A, B, C], outputs={2})
    assert "kernel()" not in stand_in.names()
    assert repr(runner) == f"<NpuRunner MLIR_AIE from {xclbin}>"


@pytest.mark.parametrize(
    "kernels, words",
    [
        (("vadd", "mmult"), "no MLIR_AIE kernel in {xclbin} (it holds: vadd, mmult): an NPU"),
        ((), "(it holds: no kernels)"),
        (
            ("MLIR_AIE_0", "MLIR_AIE_1"),
            "holds several MLIR_AIE kernels (MLIR_AIE_0, MLIR_AIE_1): choose one with kernel=NAME",
        ),
    ],
    ids=["none", "empty", "several"],
)
def test_the_kernel_is_found_by_its_mark_or_the_names_are_listed(
    monkeypatch, xclbin, insts, kernels, words
):
    monkeypatch.setitem(sys.modules, "pyxrt", RecordingPyxrt(kernels=kernels, infos=[NPU]))
    with pytest.raises(dato.DatoError) as info:
        NpuRunner(xclbin, insts, runtime_sequence(vector_add()))
    assert words.format(xclbin=xclbin) in str(info.value)


def test_a_named_kernel_that_is_absent_is_refused(stand_in, xclbin, insts):
    with pytest.raises(dato.DatoError, match="no kernel 'add' in .*; it holds: MLIR_AIE"):
        NpuRunner(xclbin, insts, runtime_sequence(vector_add()), kernel_name="add")


def test_an_xclbin_of_fewer_buffers_than_the_design_is_refused(monkeypatch, xclbin, insts):
    rec = RecordingPyxrt(kernels=("MLIR_AIE",), infos=[NPU], num_args=5)  # 3 fixed + 2 buffers
    monkeypatch.setitem(sys.modules, "pyxrt", rec)
    with pytest.raises(dato.DatoError) as info:
        NpuRunner(xclbin, insts, runtime_sequence(vector_add()))
    assert (
        "kernel 'MLIR_AIE' of " in str(info.value)
        and "takes 2 buffers, but the design's runtime sequence has 3 arguments (A: float32[256]"
        in str(info.value)
    )
    assert "the xclbin was built from another design" in str(info.value)
    assert "device.register_xclbin" not in rec.names()
    rec.num_args = 8  # 3 fixed + 5 buffers, as older aiecc declared: enough
    NpuRunner(xclbin, insts, runtime_sequence(vector_add()))


def test_no_device_is_said_with_what_the_machine_has(monkeypatch, xclbin, insts):
    monkeypatch.setitem(sys.modules, "pyxrt", RecordingPyxrt(n_devices=0, kernels=("MLIR_AIE",)))
    prog = vector_add()
    with pytest.raises(dato.BackendUnavailable) as info:
        prog.run(*random_arrays(prog), backend="xrt", xclbin=xclbin, insts=insts)  # E-nonpu
    error = info.value
    assert (error.loc.file, error.loc.line) == (__file__, line_of("# E-nonpu"))
    assert error.message.startswith("no XRT device at index 0")
    assert "dato.devices() says what this machine has and misses" in error.message
    assert "a Ryzen AI NPU with `xrt-smi examine` (the amdxdna driver)" in error.message


# --------------------------------------------------------------------------------------------
# A run that does not complete


def test_an_npu_error_names_the_state_and_reads_nothing(monkeypatch, xclbin, insts):
    rec = RecordingPyxrt(kernels=("MLIR_AIE",), infos=[NPU], state=CmdState.ERT_CMD_STATE_ERROR)
    monkeypatch.setitem(sys.modules, "pyxrt", rec)
    prog = vector_add()
    A, B, C = random_arrays(prog)
    C[:] = 0
    with pytest.raises(dato.DatoError) as info:
        prog.run(A, B, C, backend="xrt", xclbin=xclbin, insts=insts)  # E-npustate
    check_error(
        info,
        "# E-npustate",
        "kernel 'MLIR_AIE' (final.xclbin) ended in state ERT_CMD_STATE_ERROR, not "
        "ERT_CMD_STATE_COMPLETED; its outputs were not read back",
        "the NPU stopped the run: `sudo dmesg | grep amdxdna` shows the driver's reason",
    )
    assert rec.names()[-1] == "run.wait"
    np.testing.assert_array_equal(C, 0)


def test_a_timeout_points_at_deadlocks_and_the_emulator(monkeypatch, xclbin, insts):
    rec = RecordingPyxrt(kernels=("MLIR_AIE",), infos=[NPU], state=CmdState.ERT_CMD_STATE_TIMEOUT)
    monkeypatch.setitem(sys.modules, "pyxrt", rec)
    prog = vector_add()
    arrays = random_arrays(prog)
    with pytest.raises(dato.DatoError) as info:
        prog.run(*arrays, backend="xrt", xclbin=xclbin, insts=insts)
    message = str(info.value)
    assert "ERT_CMD_STATE_TIMEOUT" in message
    assert "it did not finish before the driver's timeout: a design whose FIFOs deadlock" in message
    assert "backend='aie-emu' runs the same design and names the FIFOs" in message
    with pytest.raises(dato.DatoError, match="it did not finish within 50 ms"):
        prog.run(*arrays, backend="xrt", xclbin=xclbin, insts=insts, timeout_ms=50)


def test_a_failing_xrt_call_names_the_step(monkeypatch, xclbin, insts):
    rec = RecordingPyxrt(kernels=("MLIR_AIE",), infos=[NPU])

    def refuse(*args):
        raise RuntimeError("load_axlf: Operation not permitted")

    monkeypatch.setitem(sys.modules, "pyxrt", rec)
    monkeypatch.setattr(type(rec.device(0)), "register_xclbin", lambda self, x: refuse())
    with pytest.raises(dato.DatoError) as info:
        NpuRunner(xclbin, insts, runtime_sequence(vector_add()))
    assert "loading final.xclbin onto device 0 failed: load_axlf: Operation not permitted" in str(
        info.value
    )
    assert "an NPU xclbin runs only on the NPU generation it was built for" in str(info.value)


# --------------------------------------------------------------------------------------------
# dato.devices() on fake trees


def _npu_tree(
    root: Path, loaded=True, bound=True, node=True, address=NPU[1], pci_id="0x1502"
) -> Path:
    """A fake /sys and /dev with one Ryzen AI NPU at ``address`` (not a real sysfs: the
    files devices() reads, nothing else)."""
    drivers = root / "sys/bus/pci/drivers"
    device = root / "sys/bus/pci/devices" / address
    device.mkdir(parents=True)
    (device / "vendor").write_text("0x1022\n")
    (device / "device").write_text(f"{pci_id}\n")
    if loaded:
        (root / "sys/module/amdxdna").mkdir(parents=True)
        if bound:
            (drivers / "amdxdna").mkdir(parents=True)
            (device / "driver").symlink_to(drivers / "amdxdna")
            if node:
                (root / "dev/accel").mkdir(parents=True)
                (root / "dev/accel/accel0").write_text("")
                (root / "sys/class/accel/accel0").mkdir(parents=True)
                (root / "sys/class/accel/accel0/device").symlink_to(device)
    return root


def _alveo_tree(root: Path, drivers=("xclmgmt", "xocl")) -> Path:
    for function, pci_id, driver in zip((0, 1), ("0x500c", "0x500d"), drivers):
        device = root / f"sys/bus/pci/devices/0000:3b:00.{function}"
        device.mkdir(parents=True)
        (device / "vendor").write_text("0x10ee\n")
        (device / "device").write_text(f"{pci_id}\n")
        if driver:
            (root / "sys/bus/pci/drivers" / driver).mkdir(parents=True)
            (device / "driver").symlink_to(root / "sys/bus/pci/drivers" / driver)
    return root


def _no_smi(name):
    return None


def test_a_ready_npu(tmp_path):
    found = devices(_npu_tree(tmp_path), RecordingPyxrt(infos=[NPU]), which=_no_smi)
    [npu] = found
    assert npu.ready and npu.missing == ()
    assert npu.name == "Ryzen AI NPU, XDNA1 (Phoenix, Hawk Point)"
    assert npu.kind == dato.load_target("npu1_4col").kind
    assert npu.targets == ("npu1_4col", "npu1") and npu.xrt_index == 0
    assert npu.where == "/dev/accel/accel0, PCI 0000:c5:00.1, XRT device 0"
    header, row = str(found).splitlines()
    assert header.split() == ["device", "kind", "targets", "where", "ready"]
    assert row.endswith("XRT device 0  yes") and "npu1_4col, npu1" in row
    assert "<td>/dev/accel/accel0, PCI 0000:c5:00.1, XRT device 0</td><td>yes</td>" in (
        found._repr_html_()
    )


def test_an_xdna2_npu_runs_the_npu2_target(tmp_path):
    [npu] = devices(
        _npu_tree(tmp_path, pci_id="0x17f0"), RecordingPyxrt(infos=[NPU]), which=_no_smi
    )
    assert npu.targets == ("npu2",) and "XDNA2" in npu.name


def test_no_driver_says_how_to_get_it(tmp_path):
    found = devices(_npu_tree(tmp_path, loaded=False), RecordingPyxrt(n_devices=0), _no_smi)
    [npu] = found
    assert not npu.ready
    [driver, xrt] = npu.missing
    assert driver.what == "the amdxdna kernel driver"
    assert "`sudo modprobe amdxdna`" in driver.how and "github.com/amd/xdna-driver" in driver.how
    assert xrt.what == "the device seen by XRT (it sees: none)"
    lines = str(found).splitlines()
    assert lines[1].endswith("PCI 0000:c5:00.1  no")
    assert lines[2].startswith("    missing the amdxdna kernel driver: Linux 6.14 and later ship")
    assert lines[3].startswith("    missing the device seen by XRT (it sees: none): XRT's NPU")


def test_a_loaded_driver_that_did_not_take_the_npu(tmp_path):
    [npu] = devices(_npu_tree(tmp_path, bound=False), RecordingPyxrt(infos=[NPU]), _no_smi)
    assert npu.missing[0].what == "the amdxdna driver bound to this NPU"
    assert "firmware missing from /lib/firmware/amdnpu" in npu.missing[0].how
    assert npu.where == "PCI 0000:c5:00.1, XRT device 0"


def test_a_bound_npu_without_its_node(tmp_path):
    [npu] = devices(_npu_tree(tmp_path, node=False), RecordingPyxrt(infos=[NPU]), _no_smi)
    assert [m.what for m in npu.missing] == ["its device node /dev/accel/accel*"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may open any node: access is not missing")
def test_a_node_the_user_cannot_open(tmp_path):
    root = _npu_tree(tmp_path)
    (root / "dev/accel/accel0").chmod(0)
    [npu] = devices(root, RecordingPyxrt(infos=[NPU]), _no_smi)
    assert npu.missing[0].what == "read-write access to /dev/accel/accel0"
    assert "sudo usermod -aG render $USER" in npu.missing[0].how


def test_without_pyxrt_the_npu_says_how_to_install_xrt(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyxrt", None)  # `import pyxrt` raises ImportError
    [npu] = devices(_npu_tree(tmp_path), which=_no_smi)
    [piece] = npu.missing
    assert piece.what == "pyxrt, the Python binding of AMD XRT"
    assert "install AMD XRT (https://xilinx.github.io/XRT)" in piece.how
    assert npu.xrt_index is None and npu.where == "/dev/accel/accel0, PCI 0000:c5:00.1"


def test_an_npu_xrt_does_not_see(tmp_path):
    alveo = RecordingPyxrt()  # XRT sees only an Alveo card (no NPU plugin)
    [npu] = devices(_npu_tree(tmp_path), alveo, _no_smi)
    [piece] = npu.missing
    assert piece.what == "the device seen by XRT (it sees: 0000:3b:00.1)"
    assert "XRT's NPU plugin (xrt_plugin-amdxdna" in piece.how


def test_xrt_smi_names_the_npu_when_installed(tmp_path):
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        table = (
            "Devices present\n|BDF             |Name         |\n|[0000:c5:00.1]  |NPU Phoenix  |\n"
        )
        return subprocess.CompletedProcess(command, 0, table, "")

    [npu] = devices(_npu_tree(tmp_path), RecordingPyxrt(infos=[NPU]), lambda n: "/x/xrt-smi", run)
    assert npu.name == "NPU Phoenix"
    assert calls == [["/x/xrt-smi", "examine"]]

    def broken(command, **kwargs):
        raise subprocess.TimeoutExpired(command, 20)

    [npu] = devices(tmp_path, RecordingPyxrt(infos=[NPU]), lambda n: "/x/xrt-smi", broken)
    assert npu.name.startswith("Ryzen AI NPU")


def test_a_node_whose_pci_device_is_unknown_still_is_an_npu(tmp_path):
    (tmp_path / "dev/accel").mkdir(parents=True)
    (tmp_path / "dev/accel/accel0").write_text("")
    (tmp_path / "sys/module/amdxdna").mkdir(parents=True)
    [npu] = devices(tmp_path, RecordingPyxrt(infos=[NPU]), _no_smi)
    assert npu.name == "Ryzen AI NPU" and npu.where.startswith("/dev/accel/accel0")
    assert npu.missing[0].what.startswith("the device seen by XRT")


def test_a_node_of_another_accelerator_is_no_npu(tmp_path):
    device = tmp_path / "sys/bus/pci/devices/0000:00:0b.0"  # an Intel NPU, served by intel_vpu
    device.mkdir(parents=True)
    (device / "vendor").write_text("0x8086\n")
    (device / "device").write_text("0x7d1d\n")
    (tmp_path / "sys/bus/pci/drivers/intel_vpu").mkdir(parents=True)
    (device / "driver").symlink_to(tmp_path / "sys/bus/pci/drivers/intel_vpu")
    (tmp_path / "dev/accel").mkdir(parents=True)
    (tmp_path / "dev/accel/accel0").write_text("")
    (tmp_path / "sys/class/accel/accel0").mkdir(parents=True)
    (tmp_path / "sys/class/accel/accel0/device").symlink_to(device)
    assert list(devices(tmp_path, RecordingPyxrt(n_devices=0), _no_smi)) == []


def test_an_alveo_card(tmp_path):
    [card] = devices(_alveo_tree(tmp_path), RecordingPyxrt(), _no_smi)
    assert (card.name, card.targets, card.ready) == ("Alveo U280", ("u280",), True)
    assert card.kind == dato.load_target("u280").kind
    assert card.where == "PCI 0000:3b:00.1, XRT device 0"


def test_an_alveo_card_without_its_drivers(tmp_path):
    [card] = devices(_alveo_tree(tmp_path, drivers=(None, None)), RecordingPyxrt(), _no_smi)
    assert [m.what for m in card.missing] == [
        "the xocl driver on the card's user function",
        "the xclmgmt driver on the card's management function",
    ]
    assert "install XRT and the card's deployment platform" in card.missing[0].how


def test_a_machine_with_nothing_says_where_it_looked(tmp_path):
    found = devices(tmp_path / "nothing", RecordingPyxrt(n_devices=0), _no_smi)
    assert list(found) == []
    assert str(found) == (
        "no Ryzen AI NPU or Alveo card found here (looked at "
        f"{tmp_path}/nothing/sys/bus/pci/devices, {tmp_path}/nothing/sys/class/accel, "
        f"{tmp_path}/nothing/dev/accel)"
    )
    assert found._repr_html_().startswith("<p>no Ryzen AI NPU")


def test_dato_devices_on_this_machine_never_raises():
    found = dato.devices()
    assert isinstance(found, list)
    assert all(d.ready == (not d.missing) for d in found)
    assert str(found)


def test_the_devices_line_magic_prints_the_table(tmp_path, capsys, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    try:
        shell.run_cell("%load_ext datobench")
        capsys.readouterr()
        assert shell.run_cell("%dato devices").success
        assert capsys.readouterr().out.strip() == str(dato.devices())
    finally:
        InteractiveShell.clear_instance()


# --------------------------------------------------------------------------------------------
# The real thing


def _ready_npu():
    found = dato.devices()
    npus = [d for d in found if d.kind == dato.load_target("npu1_4col").kind]
    ready = [d for d in npus if d.ready]
    if not ready:
        reason = "; ".join(str(m) for d in npus for m in d.missing) or str(found)
        pytest.skip(f"no ready NPU here: {reason}")
    return ready[0]


@pytest.mark.hw
@pytest.mark.parametrize(
    "path",
    [p for p in EXAMPLES if p.stem != "05_deadlock" and p.stem not in NPU_REFUSED],
    ids=lambda p: p.stem,
)
def test_every_example_on_a_real_npu_equals_sim(path):
    npu = _ready_npu()
    prog = dato.compile(region_of(path), target=npu.targets[0])
    built = prog.build()
    ref, got = random_arrays(prog), random_arrays(prog)
    prog.run(*ref, backend="sim")
    result = prog.run(
        *got, backend="xrt", xclbin=built.xclbin, insts=built.insts, device=npu.xrt_index
    )
    for r, g in zip(ref, got):
        if r.dtype.kind == "f" or r.dtype == dato.bf16.np:
            np.testing.assert_allclose(g.astype(np.float32), r.astype(np.float32), rtol=2e-2)
        else:
            np.testing.assert_array_equal(g, r)
    assert result.seconds > 0
