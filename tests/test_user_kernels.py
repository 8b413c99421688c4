"""User kernels in C++ for the NPU: ``@dato.kernel(source="k.cc", symbol="f")``.

The sources are tests/kernels/*.cc (portable C++ written for these tests, plus one that needs
the AIE API). The design declares the source's function and links its object; the project
carries the source; aie-emu runs the numpy reference and equals sim; ``check_kernel`` runs the
C++ on this host against the reference."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench import float32, int16, int32
from datobench.core.codegen.aie.emit import emit_design
from datobench.core.codegen.aie.verify import verify
from datobench.testing import check_kernel

KERNELS = Path(__file__).resolve().parent / "kernels"
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="needs the host g++")


@dato.kernel(source="kernels/scale.cc", symbol="scale_i16")
def scale(x: int16[16], factor: int32) -> int16[16]:
    return (x * factor).astype(np.int16)


@dato.kernel(source="kernels/axpy.cc", symbol="axpy_f32")
def axpy(x: float32[8], y: float32[8], a: float32) -> float32[8]:
    return a * x + y


@dato.kernel(source="kernels/scale_wrong.cc", symbol="scale_i16")
def scale_wrong(x: int16[16], factor: int32) -> int16[16]:
    return (x * factor).astype(np.int16)


@dato.region
def scaled(A: int16[64], B: int16[64]):
    @dato.task(args=[A, B])
    def t(a: int16[64], b: int16[64]):
        for i in range(4):
            b[i * 16 : i * 16 + 16] = scale(a[i * 16 : i * 16 + 16], 3)


def test_the_design_declares_the_sources_function_and_links_its_object():
    text = dato.compile(scaled, target="npu1_4col").emit("mlir-aie")
    assert (
        "func.func private @scale_i16(memref<16xi16>, memref<16xi16>, i32) attributes "
        '{dato.kernel = "scale", link_with = "scale.o"}'
    ) in text
    # the tile operand, the output tile, then the scalar: the C++ function's order
    assert "func.call @scale_i16(%t_8, %t_6, %t_9)" in text
    verify(text)


def test_in_v1_0_the_core_links_the_users_object():
    prog = dato.compile(scaled, target="npu1_4col")
    text = emit_design(prog, "v1.0")
    assert '} {link_with = "scale.o"}' in text
    assert 'attributes {dato.kernel = "scale"}' in text
    verify(text, "v1.0")


def test_aie_emu_runs_the_reference_and_equals_sim():
    A = np.arange(-32, 32, dtype=np.int16)
    want, got = np.zeros_like(A), np.zeros_like(A)
    prog = dato.compile(scaled, target="npu1_4col")
    prog.run(A, want, backend="sim")
    prog.run(A, got, backend="aie-emu")
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, A * 3)


def test_two_tile_operands_and_a_float_scalar_keep_their_order():
    @dato.region
    def top(X: float32[16], Y: float32[16], Z: float32[16]):
        @dato.task(args=[X, Y, Z])
        def t(x: float32[16], y: float32[16], z: float32[16]):
            for i in range(2):
                z[i * 8 : i * 8 + 8] = axpy(x[i * 8 : i * 8 + 8], y[i * 8 : i * 8 + 8], 2.0)

    prog = dato.compile(top, target="npu1_4col")
    text = prog.emit("mlir-aie")
    assert "@axpy_f32(memref<8xf32>, memref<8xf32>, memref<8xf32>, f32)" in text
    verify(text)
    X = np.linspace(-1, 1, 16, dtype=np.float32)
    Y = np.arange(16, dtype=np.float32)
    want, got = np.zeros_like(X), np.zeros_like(X)
    prog.run(X, Y, want, backend="sim")
    prog.run(X, Y, got, backend="aie-emu")
    np.testing.assert_array_equal(got, want)


def test_the_project_carries_the_source(tmp_path):
    out = Path(dato.compile(scaled, target="npu1_4col").emit("mlir-aie", directory=tmp_path))
    assert (out / "scale.cc").read_text() == (KERNELS / "scale.cc").read_text()
    assert "`scale.cc`: a user kernel's source" in (out / "README.md").read_text()
    assert (out / "dato_kernels.cc").exists()


@needs_gxx
def test_check_kernel_passes_on_a_right_kernel():
    x = np.arange(-8, 8, dtype=np.int16)
    np.testing.assert_array_equal(check_kernel(scale, x, 5), x * 5)
    x = np.linspace(-1, 1, 8, dtype=np.float32)
    check_kernel(axpy, x, np.ones(8, np.float32), 0.5)


@needs_gxx
def test_check_kernel_reports_the_first_difference_of_a_wrong_kernel():
    x = np.arange(16, dtype=np.int16)
    with pytest.raises(AssertionError) as info:
        check_kernel(scale_wrong, x, 2)
    assert str(info.value) == (
        "kernel 'scale_wrong': scale_wrong.cc compiled with g++ differs from the numpy "
        "reference at index (5,): got 11, expected 10 (1 of 16 elements differ)"
    )


@needs_gxx
def test_check_kernel_says_a_source_needing_the_aie_api_cannot_run_here():
    @dato.kernel(source="kernels/relu_aie.cc", symbol="relu_i16")
    def relu(x: int16[16]) -> int16[16]:
        return np.maximum(x, 0)

    with pytest.raises(dato.BackendUnavailable) as info:
        check_kernel(relu, np.arange(16, dtype=np.int16))  # E-aieapi
    check_error(
        info,
        "# E-aieapi",
        "kernel 'relu': relu_aie.cc needs the AIE API (aie_api/aie.hpp), which only AMD's AIE "
        "toolchain provides, so it cannot run on this host",
        "#ifdef __AIENGINE__",
    )


def test_check_kernel_refusals():
    @dato.kernel
    def plain(x: int16[16]) -> int16[16]:
        return x

    with pytest.raises(dato.CapabilityError) as info:
        check_kernel(plain, np.zeros(16, np.int16))  # E-nosource
    check_error(info, "# E-nosource", "kernel 'plain' has no C++ source to check")
    with pytest.raises(dato.DatoTypeError) as info:
        check_kernel(scale, np.zeros(8, np.int16), 2)  # E-shape
    check_error(info, "# E-shape", "argument 1 of kernel 'scale' has shape (8,), the kernel takes")
    with pytest.raises(dato.DatoTypeError) as info:
        check_kernel(scale, np.zeros(16, np.int16))  # E-count
    check_error(info, "# E-count", "kernel 'scale' takes 2 arguments, got 1")
    with pytest.raises(dato.BackendUnavailable) as info:
        check_kernel(scale, np.zeros(16, np.int16), 2, compiler="no-such-g++")  # E-nocxx
    check_error(info, "# E-nocxx", "host C++ compiler 'no-such-g++', which is not on PATH")
