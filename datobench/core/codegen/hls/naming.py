"""Every identifier of one program's HLS C++, from the one mangling scheme (``codegen.names``).

Three levels of scope: the globals (the user's HLS kernels, kept as written, the top function,
one function per instance; C library function names reserved), the program's shared names
(global buffers and streams, the parameters of every function and the locals of the top
function), and one scope per instance function (its locals, loop variables and temporaries);
in these two a C library function's name is kept (it only shadows the function)."""

from __future__ import annotations

from datobench.core.codegen.names import CPP_LOCAL_RESERVED, Namer
from datobench.core.ir.program import Graph, Region


def _globals(region: Region) -> tuple[Namer, str]:
    namer = Namer()
    for decl in region.kernels:
        namer.name(decl.name, "kernel")  # spelt as the user's HLS source defines it
    return namer, namer.name(region.name, "kernel")


def kernel_name(region: Region) -> str:
    """The top function's (and the Vitis kernel's) name: the region's, made a safe
    identifier (a region named ``printf`` gives ``printf_``)."""
    return _globals(region)[1]


class HlsNames:
    """The identifiers of one program's kernel.cpp."""

    def __init__(self, graph: Graph):
        region = graph.region
        self.globals, self.top = _globals(region)
        self.functions = {i.name: self.globals.name(i.name, "function") for i in graph.instances}
        self.shared = self.globals.scope(CPP_LOCAL_RESERVED)
        params = [b.name for b in region.params]
        self.buffers = dict(zip(params, self.shared.names(params, "buffer")))
        scalars = [s.name for s in region.scalars]
        self.scalars = dict(zip(scalars, self.shared.names(scalars, "scalar")))
        channels = [c.name for c in graph.channels]
        self.streams = dict(zip(channels, self.shared.names(channels, "stream")))

    def function_scope(self) -> Namer:
        """A new scope for the locals of one instance function."""
        return self.shared.scope()

    def renamed(self, idents: list[str]) -> list[str]:
        """A comment line naming the user names behind ``idents`` that were changed."""
        changes = []
        for ident in idents:
            user = self.shared.original(ident)
            if user is not None:
                changes.append(f"{ident} is {user!r}")
        return [f"// renamed: {', '.join(changes)}"] if changes else []
