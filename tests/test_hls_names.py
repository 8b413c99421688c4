"""Generated C++ names are safe: every user name that is a C++ keyword, a C library name or
macro, a reused temporary's spelling, non-ASCII, or that would collide once spelt as an
identifier compiles with g++ and runs as the functional simulator does (issue 10, group H)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import region_of
from hypothesis import given, settings
from hypothesis import strategies as st

import datobench as dato
from datobench.core.codegen.hls.naming import kernel_name
from datobench.core.codegen.names import CPP_LOCAL_RESERVED, CPP_RESERVED, Namer, ascii_name

CSIM = next(b for b in dato.backends() if b.name == "csim")
pytestmark = pytest.mark.skipif(not CSIM.available, reason="csim needs g++")

TEMPLATE = """
import datobench as dato
from datobench import Stream, int32


@dato.region
def {region}(A: int32[8], B: int32[8]):
    s: Stream[int32, 2]

    @dato.task(args=[A])
    def {producer}(a: int32[8]):
        for i in range(8):
            {local} = a[i] * 2
            s.put({local} + 1)

    @dato.task(args=[B])
    def {consumer}(b: int32[8]):
        for i in range(8):
            b[i] = s.get()
"""
DEFAULTS = {"region": "names", "producer": "producer", "consumer": "consumer", "local": "x"}


def csim_equals_sim(tmp_path, source: str, factor: int = 2, plus: int = 1) -> str:
    """Compile ``source``'s region, run it with sim and csim on the same input, check both
    give A * factor + plus; returns the generated kernel.cpp."""
    path = tmp_path / "program.py"
    path.write_text(source)
    prog = dato.compile(region_of(path))
    A = np.arange(8, dtype=np.int32)
    by_sim, by_csim = np.zeros(8, np.int32), np.zeros(8, np.int32)
    prog.run(A, by_sim, backend="sim")
    prog.run(A.copy(), by_csim, backend="csim")
    np.testing.assert_array_equal(by_sim, A * factor + plus)
    np.testing.assert_array_equal(by_csim, by_sim)
    return prog.emit("hls")


def program(tmp_path, **names) -> str:
    return csim_equals_sim(tmp_path, TEMPLATE.format(**{**DEFAULTS, **names}))


@pytest.mark.parametrize(
    "task", ["requires", "constexpr", "nullptr", "typename", "co_await", "true", "xor", "main"]
)
def test_a_task_named_like_a_cpp_keyword_or_main_compiles(tmp_path, task):
    code = program(tmp_path, producer=task)
    assert f"static void {task}_(" in code
    assert f"// renamed: {task}_ is '{task}'" in code


def test_a_task_named_like_a_c_macro_compiles(tmp_path):
    code = program(tmp_path, consumer="EOF")
    assert "static void EOF_(" in code
    assert "DATO_PROCESS(EOF_(" in code


def test_a_local_named_errno_compiles(tmp_path):
    code = program(tmp_path, local="errno")
    assert "int32_t errno_;  // user name 'errno'" in code


def test_a_local_named_like_a_temporary_keeps_its_name_and_temporaries_move_aside(tmp_path):
    source = TEMPLATE.format(**DEFAULTS).replace(
        "b[i] = s.get()", "tmp1 = s.get()\n            b[i] = tmp1"
    )
    code = csim_equals_sim(tmp_path, source)
    consumer = code[code.index("static void consumer(") :]
    declared = re.findall(r"^\s*int32_t (tmp\d+)\b", consumer, re.M)
    assert declared[0] == "tmp1" and len(declared) == len(set(declared)) > 1, declared


@pytest.mark.parametrize("region", ["printf", "fopen", "memcpy"])
def test_a_region_named_like_a_c_library_function_compiles(tmp_path, region):
    code = program(tmp_path, region=region)
    assert f'extern "C" void {region}_(' in code
    assert f"// renamed: {region}_ is '{region}'" in code


def test_a_local_named_like_a_region_buffer_compiles(tmp_path):
    code = program(tmp_path, local="A")
    assert "int32_t A_1;  // user name 'A'" in code
    assert "const int32_t* A," in code or "const int32_t* A)" in code  # the buffer keeps its name


def test_a_non_ascii_task_name_is_transliterated(tmp_path):
    code = program(tmp_path, producer="π")
    assert "static void pi(" in code
    assert "// renamed: pi is 'π'" in code


def test_a_non_ascii_local_is_transliterated(tmp_path):
    code = program(tmp_path, local="é")
    assert "int32_t e;  // user name 'é'" in code


def test_a_stream_named_like_an_element_of_a_stream_array_compiles(tmp_path):
    source = """
import datobench as dato
from datobench import Stream, int32


@dato.region
def streams(A: int32[8], B: int32[8]):
    fa: Stream[int32, 2][1]
    fa_0: Stream[int32, 2]

    @dato.task(args=[A])
    def producer(a: int32[8]):
        for i in range(8):
            fa[0].put(a[i])
            fa_0.put(a[i] * 2)

    @dato.task(args=[B])
    def consumer(b: int32[8]):
        for i in range(8):
            b[i] = fa[0].get() + fa_0.get()
"""
    code = csim_equals_sim(tmp_path, source, factor=3, plus=0)
    assert 'fa_0("fa_0");' in code  # the user's own identifier is kept
    assert re.search(r'fa_0_\d+\("fa\[0\]"\);', code), code  # the array element moves aside


def test_the_namer_never_repeats_a_name_across_scopes_whatever_the_order():
    top = Namer()
    inner = top.scope()
    local = inner.name("x", "local")
    later = top.name("x", "function")  # asked for after the nested scope took "x"
    assert local == "x" and later != "x"
    assert inner.fresh() == "tmp1" and inner.name("tmp1", "local") == "tmp1_1"
    assert top.name("x", "function") == later  # the same thing keeps its identifier


def test_a_library_function_name_is_reserved_for_globals_only():
    top = Namer()
    body = top.scope(CPP_LOCAL_RESERVED)
    assert top.name("pipe", "function") == "pipe_"  # would redeclare POSIX pipe()
    assert body.name("pipe", "stream") == "pipe"  # a parameter only shadows it
    assert body.name("int32_t", "local") == "int32_t_"  # a type the body spells
    assert body.name("dato", "local") == "l_dato"  # the support library's namespace
    assert body.name("DATO_X", "local") == "l_DATO_X"  # a macro prefix of the headers


def test_reserved_words_and_spellings():
    assert {"requires", "co_await", "xor", "EOF", "errno", "printf", "main"} <= CPP_RESERVED
    namer = Namer()
    assert namer.name("EDOM") == "EDOM_" and namer.name("SIGINT") == "SIGINT_"
    assert namer.name("_x") == "x" and namer.name("a__b") == "a_b"
    assert namer.name("3d", "buffer") == "b_3d"
    assert ascii_name("中") == "u4e2d" and ascii_name("naïve") == "naive"


def test_the_top_function_name_is_the_one_the_runtime_looks_for(tmp_path):
    path = tmp_path / "program.py"
    path.write_text(TEMPLATE.format(**{**DEFAULTS, "region": "memcpy"}))
    region = region_of(path)
    prog = dato.compile(region)
    assert kernel_name(prog.region) == "memcpy_"
    assert dato.compile(region).emit("hls").count('extern "C" void memcpy_(') == 1


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from([0, 1, 2]), st.text(max_size=12)), max_size=30))
def test_any_names_in_any_order_give_distinct_valid_identifiers(requests):
    top = Namer()
    shared = top.scope(CPP_LOCAL_RESERVED)
    scopes = [top, shared, shared.scope()]
    given_out = {}
    for level, user in requests:
        ident = scopes[level].name(user, "local")
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", ident) and "__" not in ident
        assert ident not in CPP_LOCAL_RESERVED and len(ident) <= 70
        given_out.setdefault(ident, set()).add((level, user))
    for ident, owners in given_out.items():  # one owner per identifier in a scope chain
        assert len(owners) == 1, (ident, owners)


def test_new_gives_each_of_several_things_of_one_name_its_own_identifier():
    namer = Namer()
    assert namer.name("x", "local") == "x"
    assert [namer.new("x"), namer.new("x")] == ["x_1", "x_2"]
    assert namer.name("x", "local") == "x"  # the thing named first keeps its identifier
