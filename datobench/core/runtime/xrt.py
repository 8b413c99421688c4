"""Running a built HLS kernel on an FPGA through AMD XRT's Python binding (``pyxrt``).

``XrtRunner`` loads an xclbin onto a device once; each ``run`` copies the numpy arrays to
buffers in the memory banks the kernel's arguments are connected to, starts the kernel, waits,
and copies the outputs back into the caller's arrays.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

from datobench.core.errors import BackendUnavailable, CapabilityError, DatoError, DatoTypeError
from datobench.core.kinds import kind_of
from datobench.core.runtime.probe import find_pyxrt, open_device


@contextlib.contextmanager
def xrt_step(what: str, hint: str = ""):
    """Turn an XRT failure into a DatoError saying the step (pybind11 turns C++ exceptions
    into RuntimeError, or ValueError for invalid arguments)."""
    try:
        yield
    except (RuntimeError, ValueError) as error:
        raise DatoError(f"{what} failed: {error}" + (f"\n{hint}" if hint else "")) from None


def read_back(xrt: ModuleType, bo, array: np.ndarray) -> None:
    """Sync a device buffer to the host and copy it into ``array`` in place (the caller's
    array is the result, as with every backend)."""
    bo.sync(xrt.xclBOSyncDirection.XCL_BO_SYNC_BO_FROM_DEVICE)
    data = np.frombuffer(bo.read(array.nbytes, 0), array.dtype, array.size)
    array[...] = data.reshape(array.shape)


class XrtRunner:
    """One kernel of an xclbin, loaded onto one XRT device and ready to run."""

    def __init__(
        self,
        xclbin_path: str | Path,
        kernel_name: str,
        device_index: int = 0,
        pyxrt: ModuleType | None = None,
    ):
        path = Path(xclbin_path)
        if not path.is_file():
            raise BackendUnavailable(
                f"no xclbin at {path}: build it with prog.build(platform=...), "
                "which runs v++ from AMD Vitis (hours for a hardware build), or pass the path "
                "of one built before"
            )
        self.xclbin_path = path
        self.kernel_name = kernel_name
        self.pyxrt = pyxrt if pyxrt is not None else find_pyxrt()
        xrt = self.pyxrt

        self.device = open_device(xrt, device_index)
        with xrt_step(f"reading the xclbin {path}"):
            self.xclbin = xrt.xclbin(str(path))
        with xrt_step(
            f"loading {path.name} onto device {device_index}",
            "an xclbin runs only on the platform it was built for (v++ --platform)",
        ):
            self.device.register_xclbin(self.xclbin)
            self.context = xrt.hw_context(self.device, self.xclbin.get_uuid())
        try:
            self.kernel = xrt.kernel(self.context, kernel_name)
        except RuntimeError as error:
            raise DatoError(
                f"no kernel '{kernel_name}' in {path} ({error}); it holds: {self._kernel_names()}"
            ) from None

    def _kernel_names(self) -> str:
        try:
            return ", ".join(k.get_name() for k in self.xclbin.get_kernels()) or "no kernels"
        except RuntimeError:
            return "(kernel list unreadable)"

    def run(
        self,
        arrays: Sequence[np.ndarray],
        outputs: Iterable[int] | None = None,
        timeout_ms: int | None = None,
    ) -> float:
        """Run the kernel once with ``arrays`` as its arguments, in order; returns the seconds
        the kernel took (the call and its wait, without the copies).

        Every array is copied to the device (a kernel may read any argument, outputs
        included); the arrays whose indices are in ``outputs`` (all of them when None) are
        overwritten in place with what the kernel left in their buffers. ``timeout_ms`` bounds
        the wait (None waits as long as the kernel runs).
        """
        xrt = self.pyxrt
        outputs = self._check(arrays, outputs)
        to_device = xrt.xclBOSyncDirection.XCL_BO_SYNC_BO_TO_DEVICE

        with xrt_step(f"allocating buffers for kernel '{self.kernel_name}'"):
            # one buffer per argument, in the memory bank (group_id) the argument is wired to
            bos = [
                xrt.bo(self.device, array.nbytes, xrt.bo.normal, self.kernel.group_id(i))
                for i, array in enumerate(arrays)
            ]
            for bo, array in zip(bos, arrays):
                bo.write(array.tobytes(), 0)
                bo.sync(to_device)

        with xrt_step(f"running kernel '{self.kernel_name}'"):
            start = time.perf_counter()
            run = self.kernel(*bos)
            state = run.wait() if timeout_ms is None else run.wait(timeout_ms)
            seconds = time.perf_counter() - start
        completed = xrt.ert_cmd_state.ERT_CMD_STATE_COMPLETED
        if state != completed:
            raise DatoError(self._not_completed(state, timeout_ms))

        with xrt_step(f"reading the results of kernel '{self.kernel_name}'"):
            for i in sorted(outputs):
                array = arrays[i]
                read_back(xrt, bos[i], array)
        return seconds

    def _check(self, arrays: Sequence[np.ndarray], outputs: Iterable[int] | None) -> set[int]:
        for n, array in enumerate(arrays):
            if not isinstance(array, np.ndarray):
                raise DatoTypeError(
                    f"argument {n} of kernel '{self.kernel_name}' must be a numpy array, "
                    f"not {type(array).__name__}"
                )
        chosen = set(range(len(arrays))) if outputs is None else set(outputs)
        for i in sorted(chosen):
            if not 0 <= i < len(arrays):
                raise DatoTypeError(
                    f"output index {i} of kernel '{self.kernel_name}' is not one of its "
                    f"{len(arrays)} arguments"
                )
            if not arrays[i].flags.writeable:
                raise DatoTypeError(f"output {i} of kernel '{self.kernel_name}' is read-only")
        return chosen

    def _not_completed(self, state, timeout_ms: int | None) -> str:
        name = getattr(state, "name", str(state))
        message = (
            f"kernel '{self.kernel_name}' ({self.xclbin_path.name}) ended in state {name}, "
            "not ERT_CMD_STATE_COMPLETED; its outputs were not read back"
        )
        if state == self.pyxrt.ert_cmd_state.ERT_CMD_STATE_TIMEOUT:
            message += (
                f"\nit did not finish within {timeout_ms} ms: a dataflow kernel whose stream "
                "is too shallow deadlocks in hardware; backend='sim' reports such deadlocks"
            )
        return message

    def __repr__(self) -> str:
        return f"<XrtRunner {self.kernel_name} from {self.xclbin_path}>"


def program_runner(
    prog,
    xclbin_path: str | Path,
    device_index: int = 0,
    kernel_name: str | None = None,
    pyxrt: ModuleType | None = None,
) -> XrtRunner:
    """The runner of a compiled ``Program``'s kernel: the top function the HLS generator
    names after the region, unless ``kernel_name`` says otherwise; its arguments are
    ``prog.region.params`` in order."""
    from datobench.core.codegen.hls.naming import kernel_name as top_name  # the generator's

    target = prog.target
    if target is None or not kind_of(target).runs_hls:
        compiled_for = f"target '{target.name}'" if target is not None else "no target"
        raise CapabilityError(
            f"backend 'xrt' runs HLS kernels on FPGA targets; {prog.region.name} is compiled "
            f"for {compiled_for}: compile it with target='u280' (or another FPGA target)"
        )
    return XrtRunner(xclbin_path, kernel_name or top_name(prog.region), device_index, pyxrt)
