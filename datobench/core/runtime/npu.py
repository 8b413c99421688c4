"""Running a built MLIR-AIE design on a Ryzen AI NPU through AMD XRT's ``pyxrt``.

An NPU xclbin built by ``aiecc`` holds one kernel whose name contains ``MLIR_AIE``; it takes
an opcode, the instruction buffer and its length (in 32-bit words, as mlir-aie's host programs
pass it), then one host buffer per argument of the design's runtime sequence. ``NpuRunner``
loads the xclbin and the instructions once and allocates the buffers once; each ``run`` copies
the arrays in, runs the instruction stream, waits, and copies the outputs back into the
caller's arrays.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from datobench.core.errors import BackendUnavailable, DatoError, DatoTypeError
from datobench.core.runtime.insts import read_instructions
from datobench.core.runtime.probe import find_pyxrt, open_device
from datobench.core.runtime.xrt import read_back, xrt_step

KERNEL_MARK = "MLIR_AIE"  # in the name aiecc gives the xclbin's kernel
OPCODE = 3  # run the transaction (the instruction stream) in the instruction buffer
INSTRUCTIONS_ARG = 1  # kernel argument of the instruction buffer: (opcode, instr, ninstr, ...)
FIRST_BUFFER_ARG = 3  # kernel argument of runtime-sequence argument 0


@dataclass(frozen=True)
class SequenceArg:
    """One argument of the design's runtime sequence: a host buffer its DMAs address."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize

    def __str__(self) -> str:
        return f"{self.name}: {self.dtype}{list(self.shape)}"


class NpuRunner:
    """A built design (xclbin + instruction stream) loaded onto one NPU and ready to run."""

    def __init__(
        self,
        xclbin_path: str | Path,
        insts_path: str | Path,
        sequence: Sequence[SequenceArg],
        kernel_name: str | None = None,
        device_index: int = 0,
        pyxrt: ModuleType | None = None,
    ):
        path = Path(xclbin_path)
        if not path.is_file():
            raise BackendUnavailable(
                f"no xclbin at {path}: build it with prog.build(), which runs aiecc from "
                "mlir-aie and Peano, or pass the path of one built before"
            )
        self.xclbin_path = path
        self.sequence = tuple(sequence)
        self.instructions = read_instructions(insts_path)  # refused before a device is touched
        self.pyxrt = pyxrt if pyxrt is not None else find_pyxrt()
        xrt = self.pyxrt

        self.device = open_device(xrt, device_index)
        with xrt_step(f"reading the xclbin {path}"):
            self.xclbin = xrt.xclbin(str(path))
        self.kernel_name = self._chosen_kernel(kernel_name)
        with xrt_step(
            f"loading {path.name} onto device {device_index}",
            "an NPU xclbin runs only on the NPU generation it was built for "
            "(target npu1/npu1_4col: Phoenix, Hawk Point; npu2: Strix, Krackan)",
        ):
            self.device.register_xclbin(self.xclbin)
            self.context = xrt.hw_context(self.device, self.xclbin.get_uuid())
        with xrt_step(f"opening kernel '{self.kernel_name}' of {path.name}"):
            self.kernel = xrt.kernel(self.context, self.kernel_name)
        self._load_buffers()

    def _chosen_kernel(self, wanted: str | None) -> str:
        """``wanted``, or the one kernel whose name holds ``MLIR_AIE``; a kernel that cannot
        take a buffer per runtime-sequence argument is refused (XRT would crash on it)."""
        kernels = {k.get_name(): k for k in self.xclbin.get_kernels()}
        held = ", ".join(kernels) or "no kernels"
        if wanted is not None and wanted not in kernels:
            raise DatoError(f"no kernel '{wanted}' in {self.xclbin_path}; it holds: {held}")
        found = [wanted] if wanted is not None else [n for n in kernels if KERNEL_MARK in n]
        if not found:
            raise DatoError(
                f"no {KERNEL_MARK} kernel in {self.xclbin_path} (it holds: {held}): an NPU "
                "xclbin from aiecc has one; pass kernel=NAME or rebuild with prog.build()"
            )
        if len(found) > 1:
            raise DatoError(
                f"{self.xclbin_path} holds several {KERNEL_MARK} kernels ({held}): choose one "
                "with kernel=NAME"
            )
        name = found[0]
        declared = getattr(kernels[name], "get_num_args", None)
        if declared is not None and declared() - FIRST_BUFFER_ARG < len(self.sequence):
            raise DatoError(
                f"kernel '{name}' of {self.xclbin_path} takes "
                f"{declared() - FIRST_BUFFER_ARG} buffers, but the design's runtime sequence "
                f"has {len(self.sequence)} arguments ({self._signature()}): the xclbin was "
                "built from another design; rebuild it with prog.build()"
            )
        return name

    def _load_buffers(self) -> None:
        """The instruction buffer (cacheable, written once) and one host buffer per
        runtime-sequence argument, each in the memory group its kernel argument names."""
        xrt = self.pyxrt
        with xrt_step(f"loading the instructions into kernel '{self.kernel_name}'"):
            self.instruction_bo = xrt.bo(
                self.device,
                self.instructions.nbytes,
                xrt.bo.cacheable,
                self.kernel.group_id(INSTRUCTIONS_ARG),
            )
            self.instruction_bo.write(self.instructions.tobytes(), 0)
            self.instruction_bo.sync(xrt.xclBOSyncDirection.XCL_BO_SYNC_BO_TO_DEVICE)
        with xrt_step(f"allocating buffers for kernel '{self.kernel_name}'"):
            self.bos = [
                xrt.bo(
                    self.device,
                    arg.nbytes,
                    xrt.bo.host_only,
                    self.kernel.group_id(FIRST_BUFFER_ARG + i),
                )
                for i, arg in enumerate(self.sequence)
            ]

    def run(
        self,
        arrays: Sequence[np.ndarray],
        outputs: Iterable[int] | None = None,
        timeout_ms: int | None = None,
    ) -> float:
        """Run the design once with ``arrays`` as its runtime-sequence arguments, in order;
        returns the seconds the NPU took (the call and its wait, without the copies).

        Every array is copied in (a design may read any argument); those whose indices are in
        ``outputs`` (all when None) are overwritten in place with what the NPU wrote.
        ``timeout_ms`` bounds the wait (None: the driver's own timeout).
        """
        xrt = self.pyxrt
        outputs = self._check(arrays, outputs)
        with xrt_step(f"copying the arguments of kernel '{self.kernel_name}' to the NPU"):
            for bo, array in zip(self.bos, arrays):
                bo.write(array.tobytes(), 0)
                bo.sync(xrt.xclBOSyncDirection.XCL_BO_SYNC_BO_TO_DEVICE)

        with xrt_step(f"running kernel '{self.kernel_name}'"):
            start = time.perf_counter()
            run = self.kernel(OPCODE, self.instruction_bo, self.instructions.size, *self.bos)
            state = run.wait() if timeout_ms is None else run.wait(timeout_ms)
            seconds = time.perf_counter() - start
        if state != xrt.ert_cmd_state.ERT_CMD_STATE_COMPLETED:
            raise DatoError(self._not_completed(state), notes=(self._why(state, timeout_ms),))

        with xrt_step(f"reading the results of kernel '{self.kernel_name}'"):
            for i in sorted(outputs):
                read_back(xrt, self.bos[i], arrays[i])
        return seconds

    def _check(self, arrays: Sequence[np.ndarray], outputs: Iterable[int] | None) -> set[int]:
        """Arrays that fit the runtime sequence's buffers, and writable outputs."""
        if len(arrays) != len(self.sequence):
            raise DatoTypeError(
                f"the design's runtime sequence takes {len(self.sequence)} arrays "
                f"({self._signature()}), got {len(arrays)}"
            )
        for n, (arg, array) in enumerate(zip(self.sequence, arrays)):
            if not isinstance(array, np.ndarray):
                raise DatoTypeError(
                    f"argument {n} ('{arg.name}') must be a numpy array of {arg.dtype}"
                    f"{list(arg.shape)}, not {type(array).__name__}"
                )
            if array.dtype != arg.dtype or array.nbytes != arg.nbytes:
                raise DatoTypeError(
                    f"argument {n} ('{arg.name}'): the design's buffer holds {arg.dtype}"
                    f"{list(arg.shape)}, got an array of {array.dtype}{list(array.shape)}"
                )
        chosen = set(range(len(arrays))) if outputs is None else set(outputs)
        for i in sorted(chosen):
            if not 0 <= i < len(arrays):
                raise DatoTypeError(
                    f"output index {i} is not one of the design's {len(arrays)} arguments"
                )
            if not arrays[i].flags.writeable:
                raise DatoTypeError(
                    f"output {i} ('{self.sequence[i].name}') is read-only: the NPU's result "
                    "is written into it"
                )
        return chosen

    def _signature(self) -> str:
        return ", ".join(map(str, self.sequence))

    def _not_completed(self, state) -> str:
        return (
            f"kernel '{self.kernel_name}' ({self.xclbin_path.name}) ended in state "
            f"{getattr(state, 'name', state)}, not ERT_CMD_STATE_COMPLETED; its outputs were "
            "not read back"
        )

    def _why(self, state, timeout_ms: int | None) -> str:
        """What a run that did not complete says about the design, and where to look."""
        if state == self.pyxrt.ert_cmd_state.ERT_CMD_STATE_TIMEOUT:
            bound = (
                "before the driver's timeout" if timeout_ms is None else f"within {timeout_ms} ms"
            )
            return (
                f"it did not finish {bound}: a design whose FIFOs deadlock never finishes "
                "(backend='aie-emu' runs the same design and names the FIFOs each core waits "
                "on); a long kernel can trip the driver's timeout"
            )
        return (
            "the NPU stopped the run: `sudo dmesg | grep amdxdna` shows the driver's reason; "
            "backend='aie-emu' runs the same design and checks it"
        )

    def __repr__(self) -> str:
        return f"<NpuRunner {self.kernel_name} from {self.xclbin_path}>"
