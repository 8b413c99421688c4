"""The workbench's device run: the program the panel shows, run on the attached device with
the inputs its perf timing used, and measured against the perf model's prediction.

Nothing here stops the panel: whatever is missing (pyxrt, a device, an xclbin, the build
tools) or fails on the device becomes one line saying what, and the simulated views stay.
"""

from __future__ import annotations

from pathlib import Path

from datobench.core.advisor import zero_inputs
from datobench.core.backends import backend
from datobench.core.errors import BackendUnavailable, DatoError
from datobench.core.kinds import kind_of
from datobench.core.measure import Measurement, NotRun, measure


def run_on_device(
    program, predicted: float, xclbin: str | Path | None, insts: str | Path | None
) -> Measurement | NotRun:
    """The measurement, or why there is none."""
    reason = backend("xrt").probe(program)
    if reason is not None:
        return _not_run(reason, "not run on the device: ")
    try:
        artefacts = _artefacts(program, xclbin, insts)
        return measure(program, zero_inputs(program), predicted, **artefacts)
    except BackendUnavailable as error:
        return _not_run(error.message, "not run on the device: ")
    except DatoError as error:
        return _not_run(error.message, "the device run failed: ")


def _artefacts(program, xclbin, insts) -> dict:
    """The built artefacts to run: those given, or for an NPU target without any those
    ``prog.build()`` makes (when the tools are here; BackendUnavailable names them if not).
    An FPGA build takes hours, so an FPGA target without an xclbin is only told how."""
    if kind_of(program.target).runs_hls:
        if xclbin is None:
            raise BackendUnavailable(
                f"no xclbin for {program.target.name}: pass --xclbin PATH, built with "
                "prog.build(platform=...) (v++, hours for a hardware build)"
            )
        return {"xclbin": xclbin}
    if xclbin is None:
        built = program.build()
        return {"xclbin": built.xclbin, "insts": built.insts}
    return {"xclbin": xclbin, "insts": insts}


def _not_run(message: str, prefix: str) -> NotRun:
    message = message.strip()
    return NotRun(prefix + message.splitlines()[0], message)
