"""A complete Vitis project for a compiled program: kernel.cpp, the support header, a v++
config (kernel clock, argument-to-memory-bank connectivity), an XRT host program, and the
C-simulation driver that reads and writes the global arrays as raw files.

The v++ figures come from the FPGA target file: its ``clock_hz`` and its memory banks
(``memory.bank_kind``, ``memory.banks``). A program compiled for another kind of target (or
for none) gets a project for C simulation, configured for the ``CSIM_BOARD`` target."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from datobench.core.codegen.hls.emit import emit_kernel
from datobench.core.codegen.hls.naming import HlsNames
from datobench.core.codegen.hls.stage import board, onchip_panels
from datobench.core.codegen.hls.types import SCALAR
from datobench.core.codegen.names import ascii_name
from datobench.core.errors import DatoError, caller_loc
from datobench.core.ir.program import Buffer, RegionScalar
from datobench.core.ir.types import DType
from datobench.core.targets import Target

INCLUDE = Path(__file__).parent / "include"


@dataclass
class HlsProject:
    name: str  # the kernel (top function) name
    files: dict[str, str] = field(default_factory=dict)

    def write(self, directory: str | Path) -> Path:
        """Write the project into ``directory`` (created if needed); returns it. A directory
        that cannot be made or written (a file in its place or on its path, no permission)
        is a DatoError saying so."""
        root = Path(directory)
        try:
            _refuse_files_in_the_way(root)
            root.mkdir(parents=True, exist_ok=True)
            for name, text in self.files.items():
                (root / name).write_text(text)
            for header in ("dato_hls.h", "dato_ap_int.h"):
                shutil.copy(INCLUDE / header, root / header)
        except OSError as error:
            raise DatoError(
                f"cannot write the HLS project into {root}: {error.strerror or error}",
                caller_loc(),
            ) from None
        return root


def _refuse_files_in_the_way(root: Path) -> None:
    blocker = next((p for p in (root, *root.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        where = "is a file" if blocker == root else f"is under {blocker}, which is a file"
        raise DatoError(
            f"cannot write the HLS project into {root}: it {where}; give a directory",
            caller_loc(),
        )


def temp_prefix(what: str, name: str) -> str:
    """The prefix of a temporary project directory: ``what`` and ``name``, readably and
    briefly (ASCII, at most 40 characters of the name), whatever the user called it."""
    return f"{what}-{ascii_name(name)[:40] or 'region'}-"


def emit_project(program) -> HlsProject:
    names = HlsNames(program.graph)
    name = names.top
    board = _board(program.target)
    clock = int(board.clock_hz / 1e6)
    sp = "\n".join(
        f"sp={name}_1.{names.buffers[b]}:{bank}" for b, bank in memory_banks(program).items()
    )
    config = (
        f"# v++ configuration for kernel {name}\n"
        f"kernel_frequency={clock}\n\n[connectivity]\nnk={name}:1:{name}_1\n{sp}\n"
    )
    return HlsProject(
        name,
        {
            "kernel.cpp": emit_kernel(program),
            "connectivity.cfg": config,
            "host.cpp": _host(program, name),
            "csim_main.cpp": _csim_main(program, name),
        },
    )


def memory_banks(program) -> dict[str, str]:
    """The memory bank each region buffer is connected to in the v++ configuration (``HBM[3]``,
    ``DDR[1]``): the target's banks, assigned in turn. The workbench draws the same."""
    board = _board(program.target)
    memory, banks = board.param("memory.bank_kind"), board.param("memory.banks")
    return {b.name: f"{memory}[{n % banks}]" for n, b in enumerate(program.region.arguments())}


def _board(target: Target | None) -> Target:
    """The FPGA target whose clock and memory banks the v++ configuration uses."""
    return board(target)


def onchip_memory(program) -> int:
    """The bytes of on-chip RAM the kernel's staged panels take (``stage.py``): each instance
    reading a staged parameter holds ``depth`` panels of it."""
    return sum(p.bytes for p in onchip_panels(program.graph, program.target))


_CSIM_IO = """
template <typename T>
static void load(std::vector<T>& v, const char* path) {
  FILE* f = std::fopen(path, "rb");
  if (!f || std::fread(v.data(), sizeof(T), v.size(), f) != v.size()) std::exit(2);
  std::fclose(f);
}

template <typename T>
static void save(const std::vector<T>& v, const char* path) {
  FILE* f = std::fopen(path, "wb");
  if (!f || std::fwrite(v.data(), sizeof(T), v.size(), f) != v.size()) std::exit(2);
  std::fclose(f);
}
"""


def _csim_main(program, name: str) -> str:
    """main(): take the run's loop budget (argv[1]), read each global array from a file
    (argv[2..]), run the kernel, write every array back."""
    params = program.region.signature()
    decl = ", ".join(
        SCALAR[b.type.name] if isinstance(b, RegionScalar) else f"{SCALAR[b.type.dtype.name]}*"
        for b in params
    )
    lines = [
        "// C simulation driver generated by datobench: argv[1] is the loop budget, argv[2..]",
        "// are raw array files (a scalar parameter's file holds its one value).",
        "#include <hls_stream.h>",
        "",
        "#include <cstdio>",
        "#include <cstdlib>",
        "#include <vector>",
        "",
        '#include "dato_hls.h"',
        "",
        f'extern "C" void {name}({decl});',
        _CSIM_IO,
        "int main(int argc, char** argv) {",
        f"  if (argc != {len(params) + 2}) return 2;",
        "  dato_csim::loop_budget = std::atoll(argv[1]);",
    ]
    for n, b in enumerate(params):
        t, size = (b.type, 1) if isinstance(b, RegionScalar) else (b.type.dtype, b.type.size)
        lines.append(f"  std::vector<{_stored(t)}> a{n}({size});")
        lines.append(f"  load(a{n}, argv[{n + 2}]);")
    args = [_argument(n, b) for n, b in enumerate(params)]
    lines.append(f"  {name}({', '.join(args)});")
    lines += [
        f"  save(a{n}, argv[{n + 2}]);"
        for n, b in enumerate(params)
        if not isinstance(b, RegionScalar)
    ]
    lines += ["  return 0;", "}"]
    return "\n".join(lines) + "\n"


def _stored(t: DType) -> str:
    """The element type of a C-simulation file's vector: a byte for a bool, as numpy keeps
    it (``std::vector<bool>`` packs bits)."""
    return "uint8_t" if t.kind == "bool" else SCALAR[t.name]


def _argument(n: int, param: Buffer | RegionScalar) -> str:
    """The kernel's argument from the C simulation's vector ``a<n>``."""
    t = param.type if isinstance(param, RegionScalar) else param.type.dtype
    if isinstance(param, RegionScalar):
        return f"a{n}[0] != 0" if t.kind == "bool" else f"a{n}[0]"
    return f"reinterpret_cast<bool*>(a{n}.data())" if t.kind == "bool" else f"a{n}.data()"


def _host(program, name: str) -> str:
    """An XRT (native C++ API) host program: one buffer per global array in the memory bank
    its argument is connected to, inputs synced to the device, run, outputs synced back."""
    params = program.region.signature()
    lines = [
        f"// XRT host program for kernel {name}, generated by datobench.",
        "// Build: g++ -std=c++17 host.cpp -I$XILINX_XRT/include -L$XILINX_XRT/lib "
        "-lxrt_coreutil -pthread",
        "#include <cstdio>",
        "#include <vector>",
        "",
        '#include "xrt/xrt_bo.h"',
        '#include "xrt/xrt_device.h"',
        '#include "xrt/xrt_kernel.h"',
        "",
        "int main(int argc, char** argv) {",
        '  if (argc < 2) { std::fprintf(stderr, "usage: host KERNEL.xclbin\\n"); return 2; }',
        "  xrt::device device(0);",
        "  auto uuid = device.load_xclbin(argv[1]);",
        f'  xrt::kernel kernel(device, uuid, "{name}");',
    ]
    for n, b in enumerate(params):
        if isinstance(b, RegionScalar):  # passed by value: set it before the run
            t = SCALAR[b.type.name].replace("dato::bf16", "uint16_t")
            lines.append(f"  {t} d{n} = 0;  // {b.name}: {b.type}")
            continue
        t = SCALAR[b.type.dtype.name].replace("dato::bf16", "uint16_t")
        lines.append(f"  std::vector<{t}> h{n}({b.type.size});  // {b.name}: {b.type}")
        lines.append(f"  xrt::bo d{n}(device, h{n}.size() * sizeof({t}), kernel.group_id({n}));")
        lines.append(f"  d{n}.write(h{n}.data());")
        lines.append(f"  d{n}.sync(XCL_BO_SYNC_BO_TO_DEVICE);")
    lines.append(f"  auto run = kernel({', '.join(f'd{n}' for n in range(len(params)))});")
    lines.append("  run.wait();")
    for n, _ in ((n, b) for n, b in enumerate(params) if not isinstance(b, RegionScalar)):
        lines.append(f"  d{n}.sync(XCL_BO_SYNC_BO_FROM_DEVICE);")
        lines.append(f"  d{n}.read(h{n}.data());")
    lines += ["  return 0;", "}"]
    return "\n".join(lines) + "\n"
