"""A recording stand-in for AMD XRT's ``pyxrt`` module, shared by the runtime's tests.

``RecordingPyxrt`` is NOT XRT: it is an object with the names of pyxrt that datobench uses,
each call recorded in ``calls`` as ``(name, args)``, so that a test asserts the exact call
sequence a real device would see. It is passed to the runners as ``pyxrt=`` or put in
``sys.modules["pyxrt"]``.
"""

from __future__ import annotations

import enum
from pathlib import Path

U280 = ("xilinx_u280_gen3x16_xdma_base_1", "0000:3b:00.1")  # (name, PCI address)


class SyncDirection(enum.Enum):
    XCL_BO_SYNC_BO_TO_DEVICE = 0
    XCL_BO_SYNC_BO_FROM_DEVICE = 1


class CmdState(enum.Enum):
    ERT_CMD_STATE_COMPLETED = 4
    ERT_CMD_STATE_ERROR = 5
    ERT_CMD_STATE_TIMEOUT = 10


class InfoDevice(enum.Enum):
    bdf = 0
    name = 5


class BoFlags(enum.Enum):
    normal = 0
    cacheable = 1
    host_only = 2


TO_DEVICE = SyncDirection.XCL_BO_SYNC_BO_TO_DEVICE
FROM_DEVICE = SyncDirection.XCL_BO_SYNC_BO_FROM_DEVICE


class RecordingPyxrt:
    """A stand-in for the ``pyxrt`` module (not XRT): the names the runner uses, each call
    recorded in ``calls`` as ``(name, args)``. ``results[i]`` are the bytes the i-th buffer
    object's ``read`` returns (the "device result"); without one it returns what was written.
    ``infos[i]`` is device i's (name, PCI address); ``num_args`` what each kernel of an xclbin
    says it takes (None: the method is absent, as in older XRT).
    """

    xclBOSyncDirection = SyncDirection
    ert_cmd_state = CmdState
    xrt_info_device = InfoDevice

    def __init__(
        self,
        n_devices=1,
        kernels=("vadd",),
        state=CmdState.ERT_CMD_STATE_COMPLETED,
        infos=None,
        num_args=None,
    ):
        self.calls: list[tuple[str, tuple]] = []
        self.n_devices = n_devices
        self.infos = infos if infos is not None else [U280] * n_devices
        self.num_args = num_args
        self.kernels = kernels
        self.state = state
        self.results: dict[int, bytes] = {}
        self.bos: list[_Bo] = []
        self.bo = _BoFactory(self)

    def record(self, name: str, *args):
        self.calls.append((name, args))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def enumerate_devices(self):
        self.record("enumerate_devices")
        return self.n_devices

    def device(self, index):
        self.record("device", index)
        if index >= self.n_devices:
            raise RuntimeError(f"No such device with index '{index}'")
        return _Device(self, index)

    def xclbin(self, path):
        self.record("xclbin", path)
        if not Path(path).read_bytes().startswith(b"xclbin2"):
            raise RuntimeError(f"'{path}' is not a valid xclbin")
        return _Xclbin(self, path)

    def hw_context(self, device, uuid):
        self.record("hw_context", device, uuid)
        return _HwContext(device, uuid)

    def kernel(self, context, name):
        self.record("kernel", context, name)
        if name not in self.kernels:
            raise RuntimeError(f"No such compute unit '{name}'")
        return _Kernel(self, name)


class _Device:
    def __init__(self, rec, index):
        self.rec, self.index = rec, index

    def register_xclbin(self, xclbin):
        self.rec.record("device.register_xclbin", xclbin)

    def get_info(self, key):
        name, bdf = self.rec.infos[self.index]
        return {InfoDevice.name: name, InfoDevice.bdf: bdf}[key]


class _Xclbin:
    def __init__(self, rec, path):
        self.rec, self.uuid = rec, f"uuid-of-{Path(path).name}"

    def get_uuid(self):
        self.rec.record("xclbin.get_uuid")
        return self.uuid

    def get_kernels(self):
        self.rec.record("xclbin.get_kernels")
        return [_XclbinKernel(name, self.rec.num_args) for name in self.rec.kernels]


class _XclbinKernel:
    def __init__(self, name, num_args):
        self.name = name
        if num_args is not None:
            self.get_num_args = lambda: num_args

    def get_name(self):
        return self.name


class _HwContext:
    def __init__(self, device, uuid):
        self.device, self.uuid = device, uuid


class _Kernel:
    def __init__(self, rec, name):
        self.rec, self.name = rec, name

    def group_id(self, index):
        self.rec.record("kernel.group_id", index)
        return 10 + index  # argument i is connected to memory bank 10 + i

    def __call__(self, *args):
        self.rec.record("kernel()", *args)
        return _Run(self.rec)


class _Run:
    def __init__(self, rec):
        self.rec = rec

    def wait(self, *timeout_ms):
        self.rec.record("run.wait", *timeout_ms)
        return self.rec.state


class _BoFactory:
    normal = BoFlags.normal
    cacheable = BoFlags.cacheable
    host_only = BoFlags.host_only

    def __init__(self, rec):
        self.rec = rec

    def __call__(self, device, size, flags, group):
        self.rec.record("bo", device, size, flags, group)
        bo = _Bo(self.rec, len(self.rec.bos), size, group)
        self.rec.bos.append(bo)
        return bo


class _Bo:
    def __init__(self, rec, index, size, group):
        self.rec, self.index, self.size, self.group = rec, index, size, group
        self.written = b""

    def write(self, data, seek):
        self.rec.record(f"bo{self.index}.write", bytes(data), seek)
        self.written = bytes(data)

    def sync(self, direction):
        self.rec.record(f"bo{self.index}.sync", direction)

    def read(self, size, skip):
        self.rec.record(f"bo{self.index}.read", size, skip)
        return self.rec.results.get(self.index, self.written)
