"""User kernels in C++ for the NPU: ``@dato.kernel(source="k.cc", symbol="f")``.

The sources are tests/kernels/*.cc (portable C++ written for these tests, plus one that needs
the AIE API). The design declares the source's function and links its object; the project
carries the source; aie-emu runs the numpy reference and equals sim; ``check_kernel`` runs the
C++ on this host against the reference."""

from __future__ import annotations

import re
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


@dato.kernel(source="kernels/scale_wrong.cc", symbol="scale_i16")  # E-samesymbol
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
    defs = dict(re.findall(r"(%\w+) = (.*)", text))
    call = re.search(r"func.call @scale_i16\((%\w+), (%\w+), (%\w+)\)", text)
    tile, out, scalar = (defs[name] for name in call.groups())
    fifo_of = {
        n: re.search(r"acquire @(\w+)\(", d).group(1) for n, d in defs.items() if "acquire" in d
    }
    assert fifo_of[re.search(r"access (%\w+)", tile).group(1)].startswith("A")
    assert fifo_of[re.search(r"access (%\w+)", out).group(1)].startswith("B")
    assert scalar == "arith.constant 3 : i32"
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
    check_error(
        info,
        "# E-nocxx",
        "host C++ compiler 'no-such-g++', which is not on PATH: install it (Debian/Ubuntu: "
        "apt-get install g++) or pass compiler=",
    )


@needs_gxx
def test_check_kernel_reports_a_source_the_host_cannot_compile_or_call(tmp_path):
    (tmp_path / "typo.cc").write_text('extern "C" void typo(int *x, int *out) { out[0] = x[0] }\n')
    (tmp_path / "mangled.cc").write_text(
        'extern "C" void other();\nvoid mangled(int *x, int *out) { out[0] = x[0]; }\n'
    )

    @dato.kernel(source=tmp_path / "typo.cc")
    def typo(x: int32[1]) -> int32[1]:
        return x

    @dato.kernel(source=str(tmp_path / "mangled.cc"))
    def mangled(x: int32[1]) -> int32[1]:
        return x

    with pytest.raises(dato.DatoError) as info:
        check_kernel(typo, [1])  # E-typo
    check_error(info, "# E-typo", "kernel 'typo': g++ could not compile typo.cc", "typo.cc:1:")
    with pytest.raises(dato.DatoTypeError) as info:
        check_kernel(mangled, [1])  # E-mangled
    check_error(
        info,
        "# E-mangled",
        "kernel 'mangled': mangled.cc compiled, but exports no function 'mangled'; define it "
        'inside extern "C"',
    )
    with pytest.raises(dato.DatoTypeError) as info:
        check_kernel(len, [1])  # E-notkernel
    check_error(info, "# E-notkernel", "check_kernel takes a @dato.kernel, not <built-in")


# -- what the decorator refuses -------------------------------------------------------------------


def test_a_missing_or_unreadable_source_is_an_error_at_the_decorator(tmp_path):
    with pytest.raises(dato.DatoError) as info:

        @dato.kernel(source="kernels/nope.cc")  # E-nofile
        def nope(x: int16[16]) -> int16[16]:
            return x

    check_error(
        info,
        "# E-nofile",
        f"kernel 'nope': cannot read its source 'kernels/nope.cc' ({KERNELS / 'nope.cc'}): "
        "No such file or directory; a relative path starts at the directory of the file "
        "defining the kernel (the working directory in a notebook)",
    )
    with pytest.raises(dato.DatoError) as info:

        @dato.kernel(source=tmp_path)  # E-directory
        def folder(x: int16[16]) -> int16[16]:
            return x

    check_error(info, "# E-directory", "cannot read its source", "Is a directory")
    (tmp_path / "latin1.cc").write_bytes(b"// caf\xe9\n")
    with pytest.raises(dato.DatoError) as info:

        @dato.kernel(source=tmp_path / "latin1.cc")  # E-latin1
        def latin1(x: int16[16]) -> int16[16]:
            return x

    check_error(
        info,
        "# E-latin1",
        f"its source {tmp_path / 'latin1.cc'}",
        "is not UTF-8 text; save it as UTF-8",
    )


def test_the_source_must_define_the_symbol_extern_c_in_the_calling_convention(tmp_path):
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.kernel(source="kernels/scale.cc")  # E-nosymbol
        def scale16(x: int16[16], factor: int32) -> int16[16]:
            return x

    check_error(
        info,
        "# E-nosymbol",
        "kernel 'scale16': scale.cc defines no function 'scale16'; name the C++ function with "
        "symbol=",
    )
    (tmp_path / "cxx.cc").write_text("void cxx(short *x, short *out) {}\n")
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.kernel(source=tmp_path / "cxx.cc")  # E-externc
        def cxx(x: int16[16]) -> int16[16]:
            return x

    check_error(
        info,
        "# E-externc",
        "kernel 'cxx': cxx.cc must declare 'cxx' extern \"C\", so that the design calls it by "
        "its name",
    )
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.kernel(source="kernels/scale.cc", symbol="scale_i16")  # E-convention
        def two_tiles(x: int16[16], y: int16[16]) -> int16[16]:
            return x + y

    check_error(
        info,
        "# E-convention",
        "kernel 'two_tiles': 'scale_i16' in scale.cc takes (int16_t *x, int16_t *out, int32_t "
        "factor), but the reference's signature needs (int16 *x, int16 *y, int16 *output): "
        "the tile operands as pointers, then the output tile, then the scalars",
    )
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.kernel(symbol="scale_i16")  # E-symbolonly
        def bare(x: int16[16]) -> int16[16]:
            return x

    check_error(
        info,
        "# E-symbolonly",
        "kernel 'bare': symbol= names the C++ function of its source; give the source file too",
    )


def test_the_reference_may_list_scalars_before_tiles():
    @dato.kernel(source="kernels/scale.cc", symbol="scale_i16")
    def scale_by(factor: int32, x: int16[16]) -> int16[16]:
        return (x * factor).astype(np.int16)

    @dato.region
    def top(A: int16[16], B: int16[16]):
        @dato.task(args=[A, B])
        def t(a: int16[16], b: int16[16]):
            b[:] = scale_by(-2, a[:])

    A = np.arange(16, dtype=np.int16)
    B = np.zeros_like(A)
    dato.compile(top, target="npu1_4col").run(A, B, backend="aie-emu")
    np.testing.assert_array_equal(B, -2 * A)


def test_a_notebook_cells_relative_source_starts_at_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "cell.cc").write_text('extern "C" void cell(short *x, short *out) {}\n')
    monkeypatch.chdir(tmp_path)
    cell = (
        "import datobench as dato\nfrom datobench import int16\n"
        '@dato.kernel(source="cell.cc")\ndef cell(x: int16[16]) -> int16[16]:\n    return x\n'
    )
    namespace = {}
    exec(compile(cell, "/no/such/ipykernel/cell.py", "exec"), namespace)  # a cell has no file
    assert namespace["cell"].decl.aie.file == str(tmp_path / "cell.cc")


def test_headers_beside_the_source_go_into_the_project_too(tmp_path):
    (tmp_path / "src" / "util").mkdir(parents=True)
    (tmp_path / "src" / "halve.cc").write_text(
        '#include <stdint.h>\n#include "util/half.h"\n#include "../outside.h"\n'
        'extern "C" void halve(int16_t *x, int16_t *out) {\n'
        "  for (int i = 0; i < 16; i++) out[i] = half(x[i]);\n}\n"
    )
    (tmp_path / "src" / "util" / "half.h").write_text(
        '#include "shift.h"\nstatic short half(short v) { return v >> SHIFT; }\n'
    )
    (tmp_path / "src" / "util" / "shift.h").write_text("#define SHIFT 1\n")
    (tmp_path / "outside.h").write_text("// not beside the source: not copied\n")

    @dato.kernel(source=tmp_path / "src" / "halve.cc")
    def halve(x: int16[16]) -> int16[16]:
        return x >> 1

    @dato.region
    def top(A: int16[16], B: int16[16]):
        @dato.task(args=[A, B])
        def t(a: int16[16], b: int16[16]):
            b[:] = halve(a[:])

    out = Path(dato.compile(top, target="npu1_4col").emit("mlir-aie", directory=tmp_path / "p"))
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.h")) == [
        "dato_aie.h",
        "dato_portable.h",
        "util/half.h",
        "util/shift.h",
    ]
    if shutil.which("g++"):
        check_kernel(halve, np.arange(-8, 8, dtype=np.int16))  # the headers are found there too


def test_an_inline_aie_source_goes_into_the_project_as_its_symbol(tmp_path):
    @dato.kernel(source={"aie": 'extern "C" void neg(short *x, short *out) {}\n'})
    def neg(x: int16[16]) -> int16[16]:
        return -x

    @dato.region
    def top(A: int16[16], B: int16[16]):
        @dato.task(args=[A, B])
        def t(a: int16[16], b: int16[16]):
            b[:] = neg(a[:])

    out = Path(dato.compile(top, target="npu1_4col").emit("mlir-aie", directory=tmp_path))
    assert (out / "neg.cc").read_text() == neg.decl.aie.text
    assert 'link_with = "neg.o"' in (out / "design.mlir").read_text()


# -- what the design refuses ----------------------------------------------------------------------


def test_two_kernels_with_one_symbol_but_different_sources_are_refused():
    @dato.region
    def top(A: int16[16], B: int16[16], C: int16[16]):
        @dato.task(args=[A, B, C])
        def t(a: int16[16], b: int16[16], c: int16[16]):
            b[:] = scale(a[:], 2)
            c[:] = scale_wrong(a[:], 2)

    prog = dato.compile(top, target="npu1_4col")
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("mlir-aie")
    check_error(
        info,
        "# E-samesymbol",
        "kernels 'scale' and 'scale_wrong' both define the C++ function 'scale_i16' "
        f"({KERNELS / 'scale.cc'}, {KERNELS / 'scale_wrong.cc'}); a design links one function "
        "per name: rename one with symbol=",
    )


def test_sources_that_would_share_a_project_file_are_refused(tmp_path):
    for folder, symbol in (("a", "first"), ("b", "second"), ("c", "third")):
        (tmp_path / folder).mkdir()
        text = f'extern "C" void {symbol}(short *x, short *out) {{}}\n'
        name = "dato_kernels.cc" if folder == "c" else "k.cc"
        (tmp_path / folder / name).write_text(text)

    @dato.kernel(source=tmp_path / "a" / "k.cc")
    def first(x: int16[16]) -> int16[16]:
        return x

    @dato.kernel(source=tmp_path / "b" / "k.cc")  # E-samefile
    def second(x: int16[16]) -> int16[16]:
        return x

    @dato.kernel(source=tmp_path / "c" / "dato_kernels.cc")  # E-generated
    def third(x: int16[16]) -> int16[16]:
        return x

    @dato.region
    def both(A: int16[16], B: int16[16], C: int16[16]):
        @dato.task(args=[A, B, C])
        def t(a: int16[16], b: int16[16], c: int16[16]):
            b[:] = first(a[:])
            c[:] = second(a[:])

    @dato.region
    def generated(A: int16[16], B: int16[16]):
        @dato.task(args=[A, B])
        def t(a: int16[16], b: int16[16]):
            b[:] = third(a[:])

    with pytest.raises(dato.CapabilityError) as info:
        dato.compile(both, target="npu1_4col").emit("mlir-aie")
    check_error(
        info,
        "# E-samefile",
        "kernels 'first' and 'second' have different sources that would both be k.cc in the "
        "project",
        "rename one file",
    )
    with pytest.raises(dato.CapabilityError) as info:
        dato.compile(generated, target="npu1_4col").emit("mlir-aie")
    check_error(
        info,
        "# E-generated",
        "kernel 'third': its source would replace the project's generated dato_kernels.cc",
    )


@dato.kernel  # E-nocc
def unbuilt(x: int16[16]) -> int16[16]:
    return x


def test_a_project_needs_every_user_kernels_source(tmp_path):
    @dato.region
    def top(A: int16[16], B: int16[16]):
        @dato.task(args=[A, B])
        def t(a: int16[16], b: int16[16]):
            b[:] = unbuilt(a[:])

    prog = dato.compile(top, target="npu1_4col")
    verify(prog.emit("mlir-aie"))  # the text alone is fine: aie-emu runs it
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("mlir-aie", directory=tmp_path / "p")
    check_error(
        info,
        "# E-nocc",
        "kernel 'unbuilt' has no C++ source for AIE cores, so the project cannot be built: give "
        'it as @dato.kernel(source="unbuilt.cc")',
    )


def test_a_v1_0_core_links_one_object_file():
    @dato.region
    def top(A: int16[16], B: int16[16]):
        @dato.task(args=[A, B])
        def t(a: int16[16], b: int16[16]):
            b[:] = scale(a[:] + 1, 2)

    prog = dato.compile(top, target="npu1_4col")
    verify(prog.emit("mlir-aie"))  # 2026.01: each declaration names its object
    with pytest.raises(dato.CapabilityError) as info:
        emit_design(prog, "v1.0")
    assert (
        "mlir-aie releases with link_with on aie.core link one object file per core, and this "
        "core calls kernels of dato_kernels.o and scale.o; emit for release 2026.01"
    ) in str(info.value)
