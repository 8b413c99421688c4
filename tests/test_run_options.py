"""Each backend declares its run options with their types and ranges: a wrong value is a
DatoTypeError at the run line naming the option (issue 10, group B)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench.programs import pipeline

prog = dato.compile(pipeline(), target="npu1_4col")


def arrays():
    return np.zeros(64, np.float32), np.zeros(64, np.float32)


@pytest.mark.parametrize("backend", ["sim", "perf", "csim"])
@pytest.mark.parametrize("steps", [-5, 0, "100", True, 2.5, 10**16])
def test_max_steps_must_be_a_positive_integer(backend, steps):
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(*arrays(), backend=backend, max_steps=steps)  # E-steps
    check_error(
        info,
        "# E-steps",
        f"backend '{backend}': option max_steps= must be an integer from 1 to "
        f"1,000,000,000,000,000, not {steps!r}",
    )


def test_progress_must_be_callable():
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(*arrays(), backend="perf", progress="50%")  # E-progress
    check_error(info, "# E-progress", "option progress= must be None or a function, not '50%'")


def test_values_must_be_a_bool():
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(backend="perf", values="no")  # E-values
    check_error(info, "# E-values", "option values= must be True or False, not 'no'")


@pytest.mark.parametrize("timeout", [-1, float("nan"), "10"])
def test_csim_timeout_must_be_a_non_negative_number(timeout):
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(*arrays(), backend="csim", timeout=timeout)  # E-timeout
    check_error(info, "# E-timeout", "option timeout= must be a number of at least 0, not")


@pytest.mark.parametrize(
    "option, words",
    [
        ({"device": -1}, "option device= must be an integer from 0 to 1,023, not -1"),
        ({"xclbin": 3}, "option xclbin= must be None or a path (str or pathlib.Path), not 3"),
        ({"outputs": "01"}, "must be None or a list of argument indices (non-negative"),
        ({"timeout_ms": 0}, "option timeout_ms= must be None or an integer at least 1, not 0"),
    ],
)
def test_xrt_options_are_checked_before_the_device_is_looked_for(option, words):
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(*arrays(), backend="xrt", **option)  # E-xrtopt
    check_error(info, "# E-xrtopt", words)


def test_a_long_value_is_described_not_printed():
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(*arrays(), backend="sim", max_steps="9" * 100)  # E-long
    check_error(info, "# E-long", "option max_steps= must be an integer from 1 to", "not a str")


def test_an_iterator_of_outputs_is_read_once_and_kept():
    from datobench.core.backends import backend

    options = backend("xrt").parse_options({"outputs": iter([1, 0])})
    assert options.outputs == (1, 0)


def test_an_unknown_option_lists_the_backends_options():
    with pytest.raises(dato.DatoError) as info:
        prog.run(*arrays(), backend="sim", verbose=True)  # E-verbose
    check_error(
        info, "# E-verbose", "backend 'sim' has no option 'verbose'; its options: max_steps"
    )
    with pytest.raises(dato.DatoError) as info:
        prog.run(*arrays(), backend="csim", steps=3)  # E-csimopt
    check_error(info, "# E-csimopt", "its options: timeout, max_steps")
