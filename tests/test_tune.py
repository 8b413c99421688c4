"""``dato.tune``: Optuna's search over a region's symbolic sizes, mapping primitives and targets,
on a local process pool or a real Dask cluster, with known constraints checked before any
simulation and unknown ones learned from failed trials. Small GEMMs, so that each trial takes
milliseconds."""

from __future__ import annotations

import io
import itertools
import sys

import pytest

import datobench as dato
from datobench import Stream, float32
from datobench.programs import pipeline, whole_array_gemm

distributed = pytest.importorskip("distributed")

m, k, n = dato.symbol("m"), dato.symbol("k"), dato.symbol("n")
GEMM = whole_array_gemm(128, 128, 128, m, k, n, dato.int8, dato.int32, 2, 2)
SPACE = {"m": dato.divisors_of(64, 16), "k": dato.divisors_of(128, 32), "n": [16, 32, 64]}
COLUMNS = [
    "trial", "m", "k", "n", "state", "reason", "cycles", "seconds", "utilization", "memory",
    "wall_time", "worker",
]  # fmt: skip

D = dato.symbol("D")


@dato.region
def crossed(X: float32[32], Y: float32[32]):
    """Deadlocks when 'a' holds fewer than two tiles: found only by simulating."""
    a: Stream[float32[8], D]
    b: Stream[float32[8], 2]

    @dato.task(args=[X])
    def producer(x: float32[32]):
        a.put(x[0:8])
        a.put(x[8:16])
        b.put(x[16:24])
        b.put(x[24:32])

    @dato.task(args=[Y])
    def consumer(y: float32[32]):
        y[16:24] = b.get()
        y[24:32] = b.get()
        y[0:8] = a.get()
        y[8:16] = a.get()


def exhaustive(region, space, target):
    """Every point of the space compiled and timed here: (seconds, point) of the fastest."""
    best = None
    for values in itertools.product(*space.values()):
        sizes = dict(zip(space, values))
        try:
            prog = dato.compile(region, target=target, sizes=sizes)
        except dato.DatoError:
            continue
        seconds = prog.run(backend="perf", values=False).seconds
        if best is None or seconds < best[0]:
            best = (seconds, sizes)
    return best


def test_the_search_finds_the_optimum_of_a_small_space_exactly():
    seconds, sizes = exhaustive(GEMM, SPACE, "npu2")
    # one worker, so that the order of the trials (and TPE's choices) is the seed's; fewer
    # trials than points (this seed meets the optimum at its 15th)
    tuning = dato.tune(
        GEMM, target="npu2", space=SPACE, trials=20, seed=1, workers=1, progress=False
    )
    table = tuning.trials
    assert tuning.best.params == sizes and len(table) == 20
    assert tuning.best.values["seconds"] == seconds == tuning.best.result.seconds
    assert tuning.program.mapping is not None
    grid = dato.tune(GEMM, target="npu2", space=SPACE, sampler="grid", workers=2, progress=False)
    assert grid.best.params == sizes
    # it stops when all are seen: with two workers, one more may be in flight by then
    assert len(grid.trials.drop_duplicates(["m", "k", "n"])) == 27 <= len(grid.trials) <= 28


@pytest.mark.parametrize("workers", [1, 2])
def test_tpe_tries_no_point_twice_until_it_has_tried_them_all(workers):
    """A point's record never changes, so TPE takes, of its candidates, one not tried yet (or
    in flight on the other worker), and the search ends when it has tried every point."""
    tuning = dato.tune(
        GEMM, target="npu2", space=SPACE, trials=40, seed=2, workers=workers, progress=False
    )
    table = tuning.trials
    assert len(table.drop_duplicates(["m", "k", "n"])) == 27 <= len(table) <= 26 + workers


def test_infeasible_points_never_reach_the_simulator(tmp_path):
    log = tmp_path / "simulated.txt"

    def simulated_seconds(result):
        """Runs in the worker, on each PerfResult: a line per simulated point."""
        with open(log, "a") as f:
            f.write(f"{result.cycles}\n")
        return result.seconds

    space = {"m": [16, 64], "k": [32, 128], "n": [64, 128]}  # m = k = 128... do not fit
    tuning = dato.tune(
        GEMM, target="npu2", space=space, objective=simulated_seconds, trials=8,
        sampler="grid", workers=2, progress=False,
    )  # fmt: skip
    table = tuning.trials
    infeasible = table[table.state == "infeasible"]
    assert len(infeasible) > 0 and (table.state == "ok").sum() > 0
    assert len(log.read_text().splitlines()) == (table.state == "ok").sum()
    assert infeasible.reason.str.startswith("MappingError: tile").all()
    assert "data memory" in infeasible.reason.iloc[0]
    assert infeasible.cycles.isna().all() and (infeasible.wall_time < 0.5).all()
    assert list(table.columns) == COLUMNS[:6] + ["simulated_seconds"] + COLUMNS[6:]


def test_the_sampler_is_told_how_far_over_a_limit_a_refused_point_is():
    """Optuna's constraint is the share of the need that does not fit (0 when feasible), so a
    search that met only refused points moves towards smaller ones."""
    space = {"m": [64], "k": [128], "n": [64, 128]}
    tuning = dato.tune(GEMM, target="npu2", space=space, sampler="grid", workers=1, progress=False)
    told = {tuning.space.values(t.params)["n"]: t.constraints for t in tuning.study.trials}
    assert told == {64: {"refused": 0.0}, 128: {"refused": pytest.approx(1 - 63 / 80)}}
    assert "80.0 KiB used of 63.0 KiB" in tuning.trials.set_index("n").reason[128]


def test_a_failure_found_by_simulating_is_recorded_and_told_as_a_broken_constraint():
    tuning = dato.tune(
        crossed, target="npu1_4col", space={"D": [1, 2, 4]}, sampler="grid", workers=2,
        progress=False,
    )  # fmt: skip
    table = tuning.trials
    failed = table[table.D == 1]
    assert (failed.state == "failed").all() and len(failed) >= 1
    assert failed.reason.iloc[0].startswith("DeadlockError: deadlock: every live task instance")
    assert tuning.best.params["D"] in (2, 4)
    constraints = [t.constraints for t in tuning.study.trials]  # what TPE learns from
    assert {c["refused"] for c in constraints} == {0.0, 1.0}


def test_trials_columns_and_a_multi_objective_pareto_front():
    tuning = dato.tune(
        GEMM, target="npu2", space=SPACE, objective=("seconds", "memory"), trials=14,
        workers=2, progress=False,
    )  # fmt: skip
    table = tuning.trials
    assert list(table.columns) == COLUMNS and table.trial.tolist() == list(range(14))
    assert set(table.state) <= {"ok", "infeasible", "failed"}
    ok = table[table.state == "ok"]
    assert (ok.cycles > 0).all() and (ok.utilization > 0).all() and (ok.memory > 0).all()
    front = [(b.values["seconds"], b.values["memory"]) for b in tuning.pareto]
    for s, mem in zip(ok.seconds, ok.memory):  # nothing measured beats a point of the front
        assert not any(s < fs and mem < fm for fs, fm in front) or (s, mem) in front
    assert tuning.best is tuning.pareto[0] and front == sorted(front)


def test_plot_draws_optunas_figures():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    single = dato.tune(GEMM, target="npu2", space=SPACE, trials=8, workers=2, progress=False)
    multi = dato.tune(
        GEMM, target="npu2", space=SPACE, objective=("seconds", "utilization"), trials=8,
        workers=2, progress=False,
    )  # fmt: skip
    importances = "Hyperparameter Importances"  # one per objective
    for tuning, titles in (
        (single, ["Optimization History Plot", importances]),
        (multi, ["Pareto-front Plot", importances, importances]),
    ):
        figures = tuning.plot()
        axes = [f.axes[0] for f in figures]
        assert [a.get_title() or a.get_title(loc="left") for a in axes] == titles
        for figure in figures:
            png = io.BytesIO()
            figure.savefig(png, format="png")
            assert png.getvalue()[:4] == b"\x89PNG"


def test_fifo_depths_primitives_and_targets_are_searched():
    region = pipeline(64, dato.symbol("depth"))
    space = {
        "depth": [1, 2, 4],
        "primitives": [[], [dato.chain("producer", "consumer")]],
        "target": ["npu1_4col", "npu2"],
    }
    tuning = dato.tune(region, space=space, sampler="grid", workers=2, progress=False)
    table = tuning.trials
    assert set(table.primitives) == {"none", "chain(producer, consumer)"}
    assert set(table.target) == {"npu1_4col", "npu2"} and set(table.depth) == {1, 2, 4}
    assert (table.state == "ok").all() and len(
        table.drop_duplicates(["depth", "primitives", "target"])
    ) == 12
    best = tuning.best
    assert best.params["target"] in ("npu1_4col", "npu2")
    assert best.program.target.name == best.params["target"]


def test_a_second_search_of_the_same_job_simulates_no_point_again(tmp_path):
    log = tmp_path / "simulated.txt"

    def simulated_seconds(result):
        """Runs in the worker, on each PerfResult: a line per simulated point."""
        with open(log, "a") as f:
            f.write(f"{result.cycles}\n")
        return result.seconds

    space = {"m": [16, 32], "k": [32], "n": [16, 32]}
    options = dict(target="npu2", space=space, objective=simulated_seconds, workers=2)
    grid = dato.tune(GEMM, **options, sampler="grid", progress=False)
    assert len(log.read_text().splitlines()) == 4 == len(grid.trials.drop_duplicates(["m", "n"]))
    again = dato.tune(GEMM, **options, sampler="random", trials=6, seed=3, progress=False)
    assert len(log.read_text().splitlines()) == 4  # every point told its first record
    table = again.trials
    assert len(table) <= 6 and (table.wall_time == 0).all()
    first = {(r.m, r.k, r.n): r.seconds for r in grid.trials.itertuples()}
    assert all(first[(r.m, r.k, r.n)] == r.seconds for r in table.itertuples())  # as recorded


def test_tpe_models_the_results_from_its_sixth_trial():
    """Its first five points are random, whatever their results; from the sixth, TPE's model
    of the results chooses (so another objective leads elsewhere): tile spaces are mostly
    refused points, and Optuna's ten startup trials came late to the small fast corner
    (benchmarks/tune_gemm.py)."""
    options = dict(target="npu2", space=SPACE, trials=9, workers=1, progress=False)
    for seed in range(2):
        fast, small = (
            dato.tune(GEMM, **options, seed=seed, objective=o).trials[["m", "k", "n"]].values
            for o in ("seconds", "memory")
        )
        assert (fast[:5] == small[:5]).all() and (fast[5:] != small[5:]).any()


def test_start_points_are_tried_first_and_skipped_when_tried_already(tmp_path):
    region = pipeline(64, dato.symbol("depth"))
    space = {
        "depth": [1, 2, 4],
        "primitives": [[], [dato.chain("producer", "consumer")]],
        "target": ["npu1_4col", "npu2"],
    }
    start = [
        {"depth": 4, "primitives": [dato.chain("producer", "consumer")], "target": "npu2"},
        {dato.symbol("depth"): 1},  # the rest is the sampler's to choose
    ]
    storage = f"sqlite:///{tmp_path / 'tune.db'}"
    tuning = dato.tune(
        region, space=space, start=start, trials=3, workers=1, storage=storage, progress=False
    )
    table = tuning.trials
    first = table.iloc[0][["depth", "primitives", "target"]].tolist()
    assert first == [4, "chain(producer, consumer)", "npu2"] and table.depth[1] == 1
    resumed = dato.tune(
        region, space=space, start=start[:1], trials=5, workers=1, storage=storage,
        progress=False,
    )  # fmt: skip
    assert len(resumed.trials) == 5 and (resumed.trials.depth.iloc[:3] == table.depth).all()
    assert len(resumed.trials[resumed.trials.trial > 2].query("depth == 4 and target == 'npu2'")
               .query("primitives != 'none'")) == 0  # fmt: skip


def test_a_real_dask_cluster_with_two_worker_processes_runs_the_trials():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        # objective "cycles": a job of its own, whose points no earlier search has timed
        tuning = dato.tune(
            GEMM, target="npu2", space=SPACE, objective="cycles", trials=10,
            scheduler=cluster.scheduler_address, progress=False,
        )  # fmt: skip
        workers = set(cluster.scheduler_info["workers"])
        assert set(tuning.trials.worker) == workers and len(workers) == 2
        with distributed.Client(cluster) as client:
            again = dato.tune(
                GEMM, target="npu2", space=SPACE, objective="utilization", trials=4,
                scheduler=client, progress=False,
            )  # fmt: skip
            assert set(again.trials.worker) <= workers and not client.status == "closed"


def test_a_stored_study_resumes_where_it_stopped(tmp_path):
    storage = f"sqlite:///{tmp_path / 'tune.db'}"
    first = dato.tune(
        GEMM, target="npu2", space=SPACE, trials=5, storage=storage, workers=2, progress=False
    )
    before = first.trials
    resumed = dato.tune(
        GEMM, target="npu2", space=SPACE, trials=9, storage=storage, workers=2, progress=False
    )
    after = resumed.trials
    assert len(after) == 9 and after.trial.tolist() == list(range(9))
    assert after.head(5)[["m", "k", "n", "state", "cycles"]].equals(
        before[["m", "k", "n", "state", "cycles"]]
    )
    done = dato.tune(GEMM, target="npu2", space=SPACE, trials=9, storage=storage, progress=False)
    assert len(done.trials) == 9  # nothing left to run


def test_progress_bar_counts_trials_best_and_infeasible(capsys):
    space = {"m": [16, 64], "k": [32, 128], "n": [64, 128]}
    dato.tune(GEMM, target="npu2", space=space, trials=8, sampler="grid", workers=2)
    err = capsys.readouterr().err
    assert "tuning gemm on npu2" in err and "8/8" in err
    assert "best seconds=" in err and "infeasible=" in err


def test_a_symbolic_stream_depth_is_checked_when_bound():
    with pytest.raises(dato.DatoTypeError, match="the depth of stream 'a' must be"):
        dato.compile(crossed, target="npu1_4col", sizes={"D": 70_000})


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "space, message",
    [
        (
            [16, 32],
            "dato.tune's space maps the region's symbolic sizes (and 'primitives', 'target') to",
        ),
        (
            {"mm": [16]},
            "space entry 'mm' is not a symbolic size of the region (its sizes: k, m, n)",
        ),
        ({"m": []}, "space entry 'm' needs a non-empty list, range or dato.choice(...) of"),
        ({"m": [16, 2.5]}, "space entry 'm': candidate 2.5 is not a positive size"),
        ({"primitives": [["x"]]}, "each 'primitives' candidate is a list of dato.chain(...)"),
    ],
)
def test_a_wrong_space_is_refused_at_the_call(space, message):
    with pytest.raises(dato.DatoTypeError) as error:
        dato.tune(GEMM, target="npu2", space=space, progress=False)
    assert error.value.message.startswith(message)
    assert error.value.loc.file == __file__


@pytest.mark.parametrize(
    "options, message",
    [
        ({"objective": "speed"}, "objective 'speed' is not one of 'seconds', 'cycles', "),
        ({"objective": ()}, "dato.tune's objective is empty: give 'seconds', or a tuple"),
        ({"objective": ("seconds", "seconds")}, "dato.tune's objective names a measure twice"),
        ({"sampler": "cma"}, "sampler 'cma' is not 'tpe', 'random' or 'grid', nor an optuna"),
        ({"workers": 0}, "workers= is a positive number of processes, not 0"),
        ({"scheduler": 8786}, "scheduler= is a Dask scheduler's address ('tcp://host:8786') or"),
        ({"target": None}, "dato.tune needs a target: target='npu2', or a 'target' entry"),
        ({"trials": 0}, "trials must be"),
        ({"start": {"m": 16}}, "dato.tune's start is a list of points, e.g. [{'m': 64, 'k': 32}]"),
        ({"start": [16]}, "each point of dato.tune's start maps entries of the space to one"),
        ({"start": [{"mm": 16}]}, "start point {'mm': 16}: 'mm' is not an entry of the space"),
        ({"start": [{"m": 24}]}, "start point {'m': 24}: 24 is not a candidate of 'm'"),
        ({"start": [{"m": True}]}, "start point {'m': True}: True is not a candidate of 'm'"),
    ],
)
def test_wrong_options_are_refused(options, message):
    given = {"target": "npu2", "space": SPACE, "trials": 2, "progress": False, **options}
    with pytest.raises(dato.DatoTypeError) as error:
        dato.tune(GEMM, **given)
    assert error.value.message.startswith(message)


def test_a_wrong_target_is_refused_before_any_trial():
    with pytest.raises(dato.TargetError, match="unknown target 'npu9'; available: "):
        dato.tune(GEMM, target="npu9", space=SPACE, progress=False)
    with pytest.raises(dato.TargetError, match="unknown target 'npu9'"):
        dato.tune(GEMM, target="npu2", space={**SPACE, "target": ["npu9"]}, progress=False)


def test_a_nan_objective_fails_the_trial():
    tuning = dato.tune(
        GEMM, target="npu2", space={"m": [16], "k": [32], "n": [16]},
        objective=lambda result: float("nan"), progress=False,
    )  # fmt: skip
    assert tuning.trials.reason.tolist() == ["an objective is NaN"]


def test_tune_takes_a_region():
    with pytest.raises(dato.DatoTypeError, match="dato.tune takes a @dato.region function, not"):
        dato.tune(lambda: None, target="npu2", space=SPACE)


def test_no_feasible_point_says_why():
    tuning = dato.tune(GEMM, target="npu2", space={"m": [64], "k": [128], "n": [128]},
                       progress=False, workers=2)  # fmt: skip
    with pytest.raises(dato.DatoError) as error:
        print(tuning.best)
    assert error.value.loc.file == __file__  # at the user's line
    assert error.value.message.startswith(  # one point: one trial, even with two workers
        "none of the 1 trials was feasible (1 infeasible, the rest failed); the first reason: "
        "MappingError: tile (0, 2) (compute): data memory"
    )


def test_choice_and_divisors_of():
    assert list(dato.divisors_of(96, multiple_of=16)) == [16, 32, 48, 96]
    assert list(dato.choice(8, 4)) == [8, 4]
    with pytest.raises(dato.DatoTypeError, match="dato.choice needs at least one candidate"):
        dato.choice()
    with pytest.raises(
        dato.DatoTypeError,
        match="dato.divisors_of: multiple_of must be a positive whole number, not 0",
    ):
        dato.divisors_of(64, 0)
    with pytest.raises(dato.DatoTypeError, match="dato.divisors_of: 20 has no divisor that is"):
        dato.divisors_of(20, 8)


def test_without_the_tune_extra_the_error_says_how_to_get_it(monkeypatch):
    monkeypatch.delitem(sys.modules, "datobench.core.tune.search", raising=False)
    monkeypatch.setitem(sys.modules, "optuna", None)  # as if optuna were not installed
    with pytest.raises(dato.BackendUnavailable) as error:
        dato.tune(GEMM, target="npu2", space=SPACE)
    assert error.value.message == (
        "dato.tune needs the tune extra (optuna is missing): pip install 'datobench[tune]'"
    )


# -- the workbench: %dato tune ----------------------------------------------------------------

CELL = """
import datobench as dato
from datobench import S, R, int8, int32

m, k, n = dato.symbol("m"), dato.symbol("k"), dato.symbol("n")


@dato.region
def cellgemm(A: int8[64, 64], B: int8[64, 64], C: int32[64, 64]):
    @dato.task(mapping=[2, 2], args=[A, B, C])
    def core(a: int8[64, 64] @ [S(0), R], b: int8[64, 64] @ [R, S(1)],
             c: int32[64, 64] @ [S(0), S(1)]):
        for bi in range(32 // m):
            for bj in range(32 // n):
                acc = dato.zeros((m, n), int32)
                for kk in range(64 // k):
                    acc += dato.matmul(a[bi * m : bi * m + m, kk * k : kk * k + k],
                                       b[kk * k : kk * k + k, bj * n : bj * n + n], acc=int32)
                c[bi * m : bi * m + m, bj * n : bj * n + n] = acc

space = {"m": [8, 16, 32], "k": [16, 64], "n": [16, 32]}
"""


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    """IPython's own shell with the extension loaded (cleared afterwards for other modules)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    sh = InteractiveShell.instance(config=config)
    assert sh.run_cell("%load_ext datobench").success
    yield sh
    InteractiveShell.clear_instance()


def test_dato_tune_magic_tunes_a_cells_region_and_opens_the_best(shell, capsys):
    pytest.importorskip("ipywidgets")
    assert shell.run_cell(CELL).success
    capsys.readouterr()
    assert shell.run_cell("%dato tune cellgemm --target npu2 --trials 6 --space space").success
    out = capsys.readouterr()
    tuning = shell.user_ns["_dato_tuning"]["cellgemm"]
    table = tuning.trials
    # the cell's source reached the workers: every point compiled there
    assert set(table.state) == {"ok"} and len(table) == 6, table.reason.tolist()
    assert out.out.startswith("best of 6 trials: Best(trial ")
    assert "tuning cellgemm on npu2" in out.err
    workbench = shell.user_ns["_dato"]["cellgemm"]
    assert workbench.sizes == {d: tuning.best.params[d] for d in "mkn"}
    assert workbench.perf.cycles == tuning.best.result.cycles


def test_dato_tune_magic_takes_a_dict_literal_and_says_what_is_wrong(shell, capsys):
    pytest.importorskip("ipywidgets")
    assert shell.run_cell(CELL).success
    line = (
        "%dato tune cellgemm --target npu2 --trials 2 --space \"{'m': [16], 'k': [64], 'n': [32]}\""
    )
    assert shell.run_cell(line).success
    assert len(shell.user_ns["_dato_tuning"]["cellgemm"].trials) == 1  # one point
    # a wrong line fails the cell (so Run All stops) and says what is wrong
    result = shell.run_cell("%dato tune cellgemm --target npu2 --space nowhere")
    assert not result.success
    assert "%dato tune --space: 'nowhere' is neither a variable nor a dict of candidates" in str(
        result.error_in_exec
    )
    result = shell.run_cell("%dato tune cellgemm --space space")
    assert not result.success
    assert "dato.tune needs a target: target='npu2', or a 'target' entry in the space" in str(
        result.error_in_exec
    )
