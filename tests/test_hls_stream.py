"""The project's ``hls_stream.h`` for C simulation with g++: bounded FIFOs, one thread per
dataflow process, and deadlock reports naming the streams (exit code 3)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import datobench

INCLUDE = Path(datobench.__file__).parent / "core" / "codegen" / "hls" / "include"
FLAGS = ["-std=c++20", "-pthread", "-Wall", "-Werror", "-Wno-unknown-pragmas", "-O2"]
DEADLOCK_EXIT = 3

PRELUDE = """\
#include "hls_stream.h"
#include <chrono>
#include <cstdio>
#include <thread>
#include <type_traits>
"""


def build(tmp_path: Path, source: str, *, csim: bool = True) -> Path:
    """Compiles ``source`` (after PRELUDE) with the csim flags; warnings are errors."""
    cxx = shutil.which("g++")
    assert cxx, "g++ is required for the C simulation tests"
    src = tmp_path / "prog.cpp"
    src.write_text(PRELUDE + source)
    exe = tmp_path / "prog"
    defines = ["-DDATO_CSIM"] if csim else []
    cmd = [cxx, *FLAGS, *defines, "-I", str(INCLUDE), str(src), "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr  # not even a warning
    return exe


def run(exe: Path, timeout: float = 20) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=timeout)
    return proc, time.monotonic() - start


def deadlock_lines(stderr: str) -> list[str]:
    lines = [line for line in stderr.splitlines() if line.startswith("DATO_DEADLOCK")]
    assert lines and lines[-1] == "DATO_DEADLOCK_END", stderr
    return lines[:-1]


PIPELINE = """
void producer(hls::stream<int, 2>& out, int n) {
  for (int i = 0; i < n; i++) {
#pragma HLS pipeline II=1
    out.write(i);
  }
}

void consumer(hls::stream<int, 2>& in, int n, long long& sum) {
  int expected = 0;
  for (int i = 0; i < n; i++) {
    int v = in.read();
    if (v != expected++) { std::printf("out of order at %d: %d\\n", i, v); return; }
    sum += v;
  }
}

int main() {
  const int n = @N@;
  long long sum = 0;
  hls::stream<int, 2> pipe("pipe");
#pragma HLS dataflow
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(producer(pipe, n));
  DATO_PROCESS(consumer(pipe, n, sum));
  DATO_DATAFLOW_END
  std::printf("sum %lld\\n", sum);
  return 0;
}
"""


def test_pipeline_passes_items_in_order(tmp_path):
    n = 10_000
    proc, _ = run(build(tmp_path, PIPELINE.replace("@N@", str(n))))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"sum {n * (n - 1) // 2}\n"
    assert proc.stderr == ""


def test_diamond_completes_and_regions_run_again(tmp_path):
    source = """
void split(hls::stream<int, 4>& l, hls::stream<int, 4>& r, int n) {
  for (int i = 0; i < n; i++) { l.write(i); r << 2 * i; }
}
void left(hls::stream<int, 4>& in, hls::stream<int, 4>& out, int n) {
  for (int i = 0; i < n; i++) out.write(in.read() + 1);
}
void right(hls::stream<int, 4>& in, hls::stream<int, 8>& out, int n) {
  for (int i = 0; i < n; i++) { int v; in >> v; out.write(v * 3); }
}
void join(hls::stream<int, 4>& l, hls::stream<int, 8>& r, long long& sum, int n) {
  for (int i = 0; i < n; i++) { int a, b; l.read(a); r.read(b); sum += a + b; }
}
long long top(int n) {
  hls::stream<int, 4> s_l("s_l"), s_r("s_r"), l_j("l_j");
  hls::stream<int, 8> r_j("r_j");
  long long sum = 0;
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(split(s_l, s_r, n));
  DATO_PROCESS(left(s_l, l_j, n));
  DATO_PROCESS(right(s_r, r_j, n));
  DATO_PROCESS(join(l_j, r_j, sum, n));
  DATO_DATAFLOW_END
  return sum;
}
int main() {
  for (int n : {1000, 5000}) std::printf("%lld\\n", top(n));  // two runs, two watchdogs
  return 0;
}
"""
    proc, _ = run(build(tmp_path, source))
    assert proc.returncode == 0, proc.stderr
    expected = [sum((i + 1) + 6 * i for i in range(n)) for n in (1000, 5000)]
    assert proc.stdout.split() == [str(e) for e in expected]


def test_depth_deadlock_names_both_streams(tmp_path):
    source = """
void producer(hls::stream<int, 1>& a, hls::stream<int, 2>& b) {
  a.write(1); a.write(2);  // the second write blocks: a holds only one item
  b.write(3); b.write(4);
}
void consumer(hls::stream<int, 1>& a, hls::stream<int, 2>& b) {
  int x = b.read();  // waits for b, which the producer never gets to
  x += a.read() + a.read() + b.read();
  std::printf("%d\\n", x);
}
int main() {
  hls::stream<int, 1> a("a");
  hls::stream<int, 2> b("b");
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(producer(a, b));
  DATO_PROCESS(consumer(a, b));
  DATO_DATAFLOW_END
  std::printf("finished\\n");
  return 0;
}
"""
    proc, elapsed = run(build(tmp_path, source), timeout=10)
    assert proc.returncode == DEADLOCK_EXIT, (proc.returncode, proc.stdout, proc.stderr)
    assert deadlock_lines(proc.stderr) == [  # sorted by stream name
        "DATO_DEADLOCK write a 1/1",
        "DATO_DEADLOCK read b 0/2",
    ]
    assert "finished" not in proc.stdout
    assert elapsed < 3, elapsed


def test_starved_consumer_is_a_deadlock(tmp_path):
    source = """
void producer(hls::stream<int>& s) { for (int i = 0; i < 3; i++) s.write(i); }
void consumer(hls::stream<int>& s, hls::stream<int>& unnamed) {
  int x = 0;
  for (int i = 0; i < 5; i++) x += s.read();  // the producer stops after 3
  unnamed.write(x);
}
void drain(hls::stream<int>& unnamed, hls::stream<int>& t) { t.write(unnamed.read()); }
int main() {
  hls::stream<int> s("s"), t("t");
  hls::stream<int> unnamed;
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(producer(s));
  DATO_PROCESS(consumer(s, unnamed));
  DATO_PROCESS(drain(unnamed, t));
  DATO_DATAFLOW_END
  return 0;
}
"""
    proc, elapsed = run(build(tmp_path, source), timeout=10)
    assert proc.returncode == DEADLOCK_EXIT, (proc.returncode, proc.stderr)
    lines = sorted(deadlock_lines(proc.stderr))
    assert lines[0] == "DATO_DEADLOCK read s 0/2", lines
    # A stream without a name is named after its address.
    assert lines[1].startswith("DATO_DEADLOCK read stream@") and lines[1].endswith(" 0/2"), lines
    assert len(lines) == 2, lines
    assert elapsed < 3, elapsed


def test_slow_producer_is_not_a_deadlock(tmp_path):
    source = """
void producer(hls::stream<int, 1>& s) {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // busy, not blocked
  for (int i = 0; i < 3; i++) {
    s.write(i);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}
void middle(hls::stream<int, 1>& in, hls::stream<int, 1>& out) {
  for (int i = 0; i < 3; i++) out.write(in.read() * 10);
}
void consumer(hls::stream<int, 1>& in, int& sum) { for (int i = 0; i < 3; i++) sum += in.read(); }
int main() {
  hls::stream<int, 1> s("s"), t("t");
  int sum = 0;
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(producer(s));
  DATO_PROCESS(middle(s, t));
  DATO_PROCESS(consumer(t, sum));
  DATO_DATAFLOW_END
  std::printf("sum %d\\n", sum);
  return 0;
}
"""
    proc, _ = run(build(tmp_path, source))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "sum 30\n"
    assert "DATO_DEADLOCK" not in proc.stderr


def test_non_blocking_calls_and_queries(tmp_path):
    source = """
#define CHECK(c) \\
  do { if (!(c)) { std::printf("FAIL line %d: %s\\n", __LINE__, #c); return 1; } } while (0)
static_assert(!std::is_copy_constructible_v<hls::stream<int>>);
static_assert(!std::is_copy_assignable_v<hls::stream<int, 4>>);
int main() {
  hls::stream<int, 3> s("s");
  CHECK(s.empty() && !s.full() && s.size() == 0);
  int v = -1;
  CHECK(!s.read_nb(v) && v == -1);  // empty: nothing read, value untouched
  CHECK(s.write_nb(1) && s.write_nb(2));
  CHECK(!s.empty() && !s.full() && s.size() == 2);
  s << 3;
  CHECK(s.full() && s.size() == 3);
  CHECK(!s.write_nb(4) && s.size() == 3);  // full: nothing written
  CHECK(s.read_nb(v) && v == 1);
  CHECK(s.read() == 2);
  s >> v;
  CHECK(v == 3 && s.empty());
  for (int round = 0; round < 5; round++) {  // the ring buffer wraps around
    s.write(10 * round); s.write(10 * round + 1);
    s.read(v); CHECK(v == 10 * round);
    CHECK(s.read() == 10 * round + 1);
  }
  hls::stream<int, 1> one;
  CHECK(one.write_nb(7) && one.full() && !one.write_nb(8) && one.read() == 7 && one.empty());
  struct tile { float x[4]; };
  hls::stream<tile> tiles("tiles");
  tiles.write(tile{{1, 2, 3, 4}});
  CHECK(tiles.read().x[3] == 4);
  std::printf("ok\\n");
  return 0;
}
"""
    proc, _ = run(build(tmp_path, source))
    assert (proc.returncode, proc.stdout) == (0, "ok\n"), proc.stdout + proc.stderr


NESTED = """
void twice(hls::stream<int>& in, hls::stream<int>& out, int n) {
  hls::stream<int, 1> mid("mid");
  auto inc = [](hls::stream<int>& i, hls::stream<int, 1>& o, int k) {
    for (int j = 0; j < k; j++) o.write(i.read() + 1);
  };
  auto dbl = [](hls::stream<int, 1>& i, hls::stream<int>& o, int k) {
    for (int j = 0; j < k; j++) o.write(2 * i.read());
  };
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(inc(in, mid, n));
  DATO_PROCESS(dbl(mid, out, n - SHORT));
  DATO_DATAFLOW_END
}
int main() {
  hls::stream<int> a("a"), b("b");
  long long sum = 0;
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(for (int i = 0; i < 1000; i++) a.write(i));
  DATO_PROCESS(twice(a, b, 1000));
  DATO_PROCESS(for (int i = 0; i < 1000; i++) sum += b.read());
  DATO_DATAFLOW_END
  std::printf("%lld\\n", sum);
  return 0;
}
"""


def test_nested_dataflow_region(tmp_path):
    proc, _ = run(build(tmp_path, NESTED.replace("SHORT", "0")))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{sum(2 * (i + 1) for i in range(1000))}\n"


def test_deadlock_across_nested_regions(tmp_path):
    # The inner reader stops 5 items early: the inner writer waits on `mid`, the outer producer
    # on `a` (nobody drains it any more), the outer consumer on `b`.
    proc, elapsed = run(build(tmp_path, NESTED.replace("SHORT", "5")), timeout=10)
    assert proc.returncode == DEADLOCK_EXIT, (proc.returncode, proc.stderr)
    assert deadlock_lines(proc.stderr) == [  # sorted by stream name
        "DATO_DEADLOCK write a 2/2",
        "DATO_DEADLOCK read b 0/2",
        "DATO_DEADLOCK write mid 1/1",
    ]
    assert elapsed < 3, elapsed


def test_region_of_sixteen_processes(tmp_path):
    # This program once failed to build: GCC 12 warned (-Warray-bounds, a false alarm) inside
    # the regrowth of a std::vector<std::thread> holding the region's 16 threads.
    n = 14  # stages, plus a source and a sink
    stages = "".join(
        f"static void stage_{j}(hls::stream<int>& in, hls::stream<int>& out, int n) {{"
        f" for (int i = 0; i < n; i++) out.write(in.read() + {j}); }}\n"
        for j in range(n)
    )
    streams = "".join(f'  hls::stream<int> s{j}("s{j}");\n' for j in range(n + 1))
    calls = "".join(f"  DATO_PROCESS(stage_{j}(s{j}, s{j + 1}, n));\n" for j in range(n))
    source = f"""
static void src(hls::stream<int>& out, int n) {{ for (int i = 0; i < n; i++) out.write(i); }}
{stages}
static void sink(hls::stream<int>& in, int n, long long& sum) {{
  for (int i = 0; i < n; i++) sum += in.read();
}}
long long chain(int n) {{
{streams}  long long sum = 0;
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(src(s0, n));
{calls}  DATO_PROCESS(sink(s{n}, n, sum));
  DATO_DATAFLOW_END
  return sum;
}}
int main() {{ std::printf("%lld\\n", chain(1000)); return 0; }}
"""
    proc, _ = run(build(tmp_path, source))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{sum(range(1000)) + 1000 * sum(range(n))}\n"


def test_kernel_with_one_named_stream(tmp_path):
    # This program once failed to build: GCC 12 warned (-Wrestrict, a false alarm) on assigning
    # the stream's name to a std::string.
    source = """
#include <cstdint>
static void p(const int32_t* A, hls::stream<int32_t, 7>& s) {
  for (int i = 0; i < 4; i += 1) s.write(A[i]);
}
static void c(int32_t* B, hls::stream<int32_t, 7>& s) {
  for (int i = 0; i < 4; i += 1) B[i] = s.read();
}
extern "C" void deep(const int32_t* A, int32_t* B) {
  hls::stream<int32_t, 7> s("s");
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(p(A, s));
  DATO_PROCESS(c(B, s));
  DATO_DATAFLOW_END
}
int main() {
  int32_t A[4] = {1, 2, 3, 4}, B[4] = {};
  deep(A, B);
  std::printf("%d %d %d %d\\n", B[0], B[1], B[2], B[3]);
  return 0;
}
"""
    proc, _ = run(build(tmp_path, source))
    assert (proc.returncode, proc.stdout) == (0, "1 2 3 4\n"), proc.stderr


def test_synthesis_macros_are_sequential_calls(tmp_path):
    source = """
void f(int& x) { x += 1; }
void g(int& x) { x *= 10; }
int main() {
  int x = 1;
  DATO_DATAFLOW_BEGIN
  DATO_PROCESS(f(x));
  DATO_PROCESS(g(x));
  DATO_DATAFLOW_END
  std::printf("%d\\n", x);
  return 0;
}
"""
    proc, _ = run(build(tmp_path, source, csim=False))
    assert (proc.returncode, proc.stdout) == (0, "20\n"), proc.stderr


def test_million_items_through_depth_two(tmp_path):
    n = 1_000_000
    proc, elapsed = run(build(tmp_path, PIPELINE.replace("@N@", str(n))), timeout=20)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"sum {n * (n - 1) // 2}\n"
    print(f"{n} items through a depth-2 stream in {elapsed:.2f} s")
