"""``dato.devices()``: the Ryzen AI NPUs and Alveo cards of this machine, and for each what is
still missing before ``backend="xrt"`` runs on it, with how to get it.

Everything is probed, nothing is assumed: the PCI devices and kernel modules in ``/sys``, the
device nodes in ``/dev/accel``, whether ``pyxrt`` imports and which devices it opens, and
``xrt-smi examine`` when it is installed. The probes take the root directory, the ``pyxrt``
module, the PATH lookup and the command runner as arguments, so that a test points them at a
fake tree and a stand-in. A missing piece is a row of the answer, never an exception.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from datobench.core.errors import BackendUnavailable
from datobench.core.runtime.probe import find_pyxrt, xrt_devices

AMD, XILINX = "0x1022", "0x10ee"  # PCI vendor ids
# PCI device id -> (name, the datobench targets that run on it)
NPUS = {
    "0x1502": ("Ryzen AI NPU, XDNA1 (Phoenix, Hawk Point)", ("npu1_4col", "npu1")),
    "0x17f0": ("Ryzen AI NPU, XDNA2 (Strix, Krackan, Strix Halo)", ("npu2",)),
}
ALVEO_USER = {  # the user function of the card (the management function is its sibling)
    "0x500d": ("Alveo U280", ("u280",)),
    "0x5005": ("Alveo U250", ("u250",)),
}
NPU_DRIVER, ALVEO_DRIVER, ALVEO_MGMT_DRIVER = "amdxdna", "xocl", "xclmgmt"
_SMI_TIMEOUT_S = 20


@dataclass(frozen=True)
class Missing:
    """One piece a device needs before programs run on it: what it is and how to get it."""

    what: str
    how: str

    def __str__(self) -> str:
        return f"{self.what}: {self.how}"


@dataclass(frozen=True)
class Device:
    """A device found here: its name, the kind of the targets it runs, where it is (device
    node, PCI address, XRT index) and what it still misses."""

    name: str
    kind: str
    where: str
    targets: tuple[str, ...]
    xrt_index: int | None  # device= for backend="xrt"; None while XRT does not see it
    missing: tuple[Missing, ...]

    @property
    def ready(self) -> bool:
        return not self.missing


class DeviceTable(list):
    """The list of ``Device`` that ``dato.devices()`` returns; prints as a table."""

    def __init__(self, found: list[Device], looked_at: str):
        super().__init__(found)
        self.looked_at = looked_at

    def __str__(self) -> str:
        if not self:
            return f"no Ryzen AI NPU or Alveo card found here (looked at {self.looked_at})"
        rows = [("device", "kind", "targets", "where", "ready")] + [
            (d.name, d.kind, ", ".join(d.targets), d.where, "yes" if d.ready else "no")
            for d in self
        ]
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        lines = []
        for n, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
            if n:
                lines += [f"    missing {m}" for m in self[n - 1].missing]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        if not self:
            return f"<p>{html.escape(str(self))}</p>"
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(cell)}</td>"
                for cell in (d.name, d.kind, ", ".join(d.targets), d.where)
            )
            + f"<td>{'yes' if d.ready else 'no'}</td><td><ul>"
            + "".join(
                f"<li><b>{html.escape(m.what)}</b>: {html.escape(m.how)}</li>" for m in d.missing
            )
            + "</ul></td></tr>"
            for d in self
        )
        return (
            "<table><tr><th>device</th><th>kind</th><th>targets</th><th>where</th>"
            f"<th>ready</th><th>missing</th></tr>{rows}</table>"
        )


@dataclass(frozen=True)
class _Pci:
    """A PCI device in sysfs."""

    address: str  # 0000:c5:00.1
    vendor: str
    device: str
    driver: str | None


@dataclass(frozen=True)
class _Probes:
    root: Path
    pyxrt: ModuleType | None
    pyxrt_missing: str | None  # how to get pyxrt, when it does not import
    xrt_seen: dict[str, int]  # PCI address -> XRT device index
    which: Callable[[str], str | None]
    run: Callable[..., subprocess.CompletedProcess]

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")


def devices(
    root: str | os.PathLike = "/",
    pyxrt: ModuleType | None = None,
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
) -> DeviceTable:
    """The NPUs and Alveo cards under ``root`` (``/``: this machine), with what each misses.
    ``pyxrt`` is the module to probe (None: import the real one)."""
    probes = _probe(Path(root), pyxrt, which, run)
    pci = _pci_devices(probes)
    found = _npus(probes, pci) + _alveos(probes, pci)
    looked_at = ", ".join(
        str(probes.path(p)) for p in ("/sys/bus/pci/devices", "/sys/class/accel", "/dev/accel")
    )
    return DeviceTable(found, looked_at)


def _probe(root: Path, pyxrt, which, run) -> _Probes:
    """What every device record needs: pyxrt (or how to get it) and the devices it opens."""
    missing = None
    if pyxrt is None:
        try:
            pyxrt = find_pyxrt()
        except BackendUnavailable as error:
            missing = "; ".join(error.message.splitlines()[1:])
    seen = {}
    if pyxrt is not None:
        try:
            seen = {d.bdf: d.index for d in xrt_devices(pyxrt)}
        except (RuntimeError, ValueError):  # pyxrt's errors: its devices cannot be listed
            seen = {}
    return _Probes(root, pyxrt, missing, seen, which, run)


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _driver_of(device: Path) -> str | None:
    """The driver a sysfs device is bound to (its ``driver`` link), None when unbound."""
    driver = device / "driver"
    return Path(os.path.realpath(driver)).name if driver.exists() else None


def _pci_devices(probes: _Probes) -> list[_Pci]:
    base = probes.path("/sys/bus/pci/devices")
    found = []
    for entry in sorted(base.glob("*")) if base.is_dir() else ():
        vendor, device = _read(entry / "vendor").lower(), _read(entry / "device").lower()
        found.append(_Pci(entry.name, vendor, device, _driver_of(entry)))
    return found


def _accel_nodes(probes: _Probes) -> dict[str, tuple[str, str | None]]:
    """PCI address (or the node's own name when sysfs does not say) -> (/dev/accel node, the
    driver serving it, None when sysfs does not say)."""
    nodes = {}
    for node in sorted(probes.path("/dev/accel").glob("accel*")):
        device = probes.path(f"/sys/class/accel/{node.name}/device")
        address = Path(os.path.realpath(device)).name if device.exists() else node.name
        nodes[address] = (f"/dev/accel/{node.name}", _driver_of(device))
    return nodes


def _kind(targets: tuple[str, ...]) -> str:
    """The kind of the targets a device runs (said by the target files, not here)."""
    from datobench.core.kinds import kind_of
    from datobench.core.targets import load_target

    return kind_of(load_target(targets[0])).name


def _npus(probes: _Probes, pci: list[_Pci]) -> list[Device]:
    nodes = _accel_nodes(probes)
    npus = [p for p in pci if p.vendor == AMD and p.device in NPUS]
    found = []
    for p in npus:
        name, targets = NPUS[p.device]
        node = nodes.get(p.address, (None, None))[0]
        found.append(_npu(probes, name, targets, p.address, p.driver, node))
    # a node of an unknown PCI device is an NPU when amdxdna serves it (other accelerators,
    # such as Intel's NPU, have /dev/accel nodes too)
    loaded = probes.path(f"/sys/module/{NPU_DRIVER}").exists()
    known = {p.address for p in npus}
    for address, (node, driver) in nodes.items():
        if address not in known and (driver == NPU_DRIVER or (driver is None and loaded)):
            targets = ("npu1_4col", "npu1", "npu2")
            found.append(_npu(probes, "Ryzen AI NPU", targets, address, NPU_DRIVER, node))
    return found


def _npu(probes, name, targets, address, driver, node) -> Device:
    missing = []
    if not probes.path(f"/sys/module/{NPU_DRIVER}").exists():
        missing.append(
            Missing(
                f"the {NPU_DRIVER} kernel driver",
                f"Linux 6.14 and later ship it (`sudo modprobe {NPU_DRIVER}`); for older "
                "kernels build and install it from https://github.com/amd/xdna-driver",
            )
        )
    elif driver != NPU_DRIVER:
        missing.append(
            Missing(
                f"the {NPU_DRIVER} driver bound to this NPU",
                f"the driver is loaded but did not take the device: `sudo dmesg | grep "
                f"{NPU_DRIVER}` says why (often firmware missing from /lib/firmware/amdnpu)",
            )
        )
    elif node is None:
        missing.append(
            Missing(
                "its device node /dev/accel/accel*",
                f"the driver took the device but made no node: `sudo dmesg | grep {NPU_DRIVER}`",
            )
        )
    if node is not None and not os.access(probes.path(node), os.R_OK | os.W_OK):
        missing.append(
            Missing(
                f"read-write access to {node}",
                f"join the group that owns it (`ls -l {node}`, usually render: `sudo usermod "
                "-aG render $USER`) and log in again",
            )
        )
    missing += _xrt_missing(
        probes,
        address,
        "XRT's NPU plugin (xrt_plugin-amdxdna, built with the driver from "
        "https://github.com/amd/xdna-driver) installed with XRT; `xrt-smi examine` lists what "
        "XRT sees",
    )
    where = ", ".join(w for w in (node, f"PCI {address}", _xrt_where(probes, address)) if w)
    return Device(
        _smi_name(probes, address) or name,
        _kind(targets),
        where,
        targets,
        probes.xrt_seen.get(address),
        tuple(missing),
    )


def _xrt_missing(probes: _Probes, address: str, plugin: str) -> list[Missing]:
    if probes.pyxrt is None:
        return [Missing("pyxrt, the Python binding of AMD XRT", probes.pyxrt_missing or "")]
    if address not in probes.xrt_seen:
        seen = ", ".join(probes.xrt_seen) or "none"
        return [Missing(f"the device seen by XRT (it sees: {seen})", plugin)]
    return []


def _xrt_where(probes: _Probes, address: str) -> str | None:
    index = probes.xrt_seen.get(address)
    return None if index is None else f"XRT device {index}"


def _smi_name(probes: _Probes, address: str) -> str | None:
    """The device's name in the table of ``xrt-smi examine``, when xrt-smi is installed and
    lists the device (a row ``|[0000:c5:00.1] |NPU Phoenix |...``)."""
    smi = probes.which("xrt-smi") or _installed(probes, "/opt/xilinx/xrt/bin/xrt-smi")
    if smi is None:
        return None
    try:
        done = probes.run(
            [smi, "examine"], capture_output=True, text=True, timeout=_SMI_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    for line in done.stdout.splitlines():
        if f"[{address}]" in line:
            cells = [c.strip() for c in line.split("|")]
            after = cells[[n for n, c in enumerate(cells) if address in c][0] + 1 :]
            return next((c for c in after if c), None)
    return None


def _installed(probes: _Probes, absolute: str) -> str | None:
    path = probes.path(absolute)
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def _alveos(probes: _Probes, pci: list[_Pci]) -> list[Device]:
    found = []
    for p in pci:
        if p.vendor != XILINX or p.device not in ALVEO_USER:
            continue
        name, targets = ALVEO_USER[p.device]
        slot = p.address.rpartition(".")[0]
        mgmt = [q for q in pci if q.address.startswith(slot + ".") and q is not p]
        missing = []
        for module, role, bound in (
            (ALVEO_DRIVER, "user", p.driver),
            (ALVEO_MGMT_DRIVER, "management", mgmt[0].driver if mgmt else None),
        ):
            if bound != module:
                missing.append(
                    Missing(
                        f"the {module} driver on the card's {role} function",
                        "install XRT and the card's deployment platform (both from "
                        "https://www.xilinx.com/products/boards-and-kits/alveo.html), then "
                        "reboot; `xbutil examine` shows the card",
                    )
                )
        missing += _xrt_missing(
            probes, p.address, "`xbutil examine` lists what XRT sees; flash the platform"
        )
        where = ", ".join(w for w in (f"PCI {p.address}", _xrt_where(probes, p.address)) if w)
        found.append(
            Device(
                name,
                _kind(targets),
                where,
                targets,
                probes.xrt_seen.get(p.address),
                tuple(missing),
            )
        )
    return found
