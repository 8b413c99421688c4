"""Vitis HLS C++ generation and C simulation with g++.

``emit_project(program)`` gives the files of a Vitis project (kernel.cpp, the support header,
a v++ config, an XRT host program and a C-simulation driver); ``run_csim`` compiles them with
g++ against datobench's own hls_stream.h (bounded FIFOs, one thread per process) and runs them.
"""

from datobench.core.codegen.hls.emit import emit_kernel
from datobench.core.codegen.hls.project import HlsProject, emit_project

__all__ = ["HlsProject", "emit_kernel", "emit_project"]
