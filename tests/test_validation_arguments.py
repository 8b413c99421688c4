"""The validation layer on the arguments of dato.compile and of the mapping primitives: a
placement= or primitives= of the wrong kind is a DatoTypeError at the compile call (a tile that
is not a (column, row) pair, a MappingError, as the placement editor reports it), a chain or a
bundle of names that are not strings a DatoTypeError at its own call; and through %%dato."""

from __future__ import annotations

import os

import numpy as np
import pytest
from helpers import check_error, compiler_frames
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

import datobench as dato
from datobench import Stream, float32

TARGET = "npu1_4col"


@dato.region
def pair(A: float32[16], B: float32[16]):
    s: Stream[float32, 2]

    @dato.task(args=[A])
    def p(a: float32[16]):
        s.put(a[0])

    @dato.task(args=[B])
    def c(b: float32[16]):
        b[0] = s.get()


@pytest.mark.parametrize(
    ("placement", "shown"),
    [
        ([("p", (0, 2))], "a list ([('p', (0, 2))])"),
        ("five", "a str ('five')"),
        (5, "an int (5)"),
    ],
)
def test_a_placement_that_is_not_a_dict(placement, shown):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(pair, target=TARGET, placement=placement)  # E-placement
    check_error(
        info,
        "# E-placement",
        "placement= takes a dict of instance names and (column, row) tiles, e.g. "
        f"placement={{'pe_0_1': (1, 3)}}, not {shown}",
    )
    assert compiler_frames(info.value) == []


@pytest.mark.parametrize("tile", [(0.5, 2), "0,2", (0, 2, 1), None, (True, 2), ("0", "2")])
def test_a_tile_that_is_not_a_pair_of_whole_numbers(tile):
    with pytest.raises(dato.MappingError) as info:
        dato.compile(pair, target=TARGET, placement={"p": tile})  # E-tile
    check_error(
        info,
        "# E-tile",
        f"placement of 'p' must be a (column, row) pair of whole numbers, not {tile!r}",
    )


def test_tiles_as_lists_or_numpy_integers_are_welcome():
    placement = {"p": [np.int64(0), 2], "c": (np.int32(1), np.int8(2))}
    prog = dato.compile(pair, target=TARGET, placement=placement)
    assert prog.mapping.placement["p"] == (0, 2)
    assert prog.mapping.placement["c"] == (1, 2)


def test_a_bare_primitive_instead_of_a_list():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(pair, target=TARGET, primitives=dato.chain("p", "c"))  # E-bare
    check_error(
        info,
        "# E-bare",
        "primitives= takes a list of mapping primitives, not a bare dato.chain(...): write "
        "primitives=[dato.chain(...)]",
    )
    with pytest.raises(dato.DatoTypeError, match=r"write primitives=\[dato\.bundle\(\.\.\.\)\]"):
        dato.compile(pair, target=TARGET, primitives=dato.bundle(["p"]))


@pytest.mark.parametrize(
    ("primitives", "shown"),
    [("p", "a str ('p')"), (5, "an int (5)"), ({"p": "c"}, "a dict ({'p': 'c'})")],
)
def test_primitives_that_are_not_a_list(primitives, shown):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(pair, target=TARGET, primitives=primitives)  # E-primitives
    check_error(
        info,
        "# E-primitives",
        "primitives= takes a list of mapping primitives, e.g. "
        f"primitives=[dato.chain('load', 'pe')], not {shown}",
    )


def test_no_primitives_may_be_none_a_tuple_or_a_generator():
    for primitives in (None, (), (dato.chain("p", "c"),), (x for x in [dato.chain("p", "c")])):
        prog = dato.compile(pair, target=TARGET, primitives=primitives)
        assert set(prog.mapping.placement) == {"p", "c"}


def test_chain_names_are_strings():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.chain(3, "c")  # E-chain
    check_error(
        info,
        "# E-chain",
        "dato.chain names instances or tasks by strings such as 'pe' or 'pe[0, :]', not 3",
    )
    assert compiler_frames(info.value) == []


def test_bundle_takes_a_name_or_a_list_of_names():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.bundle(5)  # E-bundle
    check_error(
        info,
        "# E-bundle",
        "dato.bundle takes a name or a list of names, such as ['pe[3, :]'], not 5",
    )
    with pytest.raises(dato.DatoTypeError) as info:
        dato.bundle(["p", None])  # E-namedbynone
    check_error(info, "# E-namedbynone", "dato.bundle names instances or tasks by strings")
    assert dato.bundle("pe[0, :]").names == ("pe[0, :]",)


# -- through the magic -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    """A shell of its own for the module (cleared afterwards), with the extension loaded."""
    old = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    sh = InteractiveShell.instance(config=config)
    assert sh.run_cell("%load_ext datobench").success
    yield sh
    InteractiveShell.clear_instance()
    if old is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = old


CELL = """%%dato --placement five
import datobench as dato
from datobench import float32

@dato.region
def doubler(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = a[:] * 2.0
"""


def test_a_placement_of_the_wrong_kind_through_the_magic_is_a_dato_error(shell, capsys):
    assert shell.run_cell("five = 5").success
    capsys.readouterr()
    assert not shell.run_cell(CELL).success  # the cell fails, shown without a traceback
    err = capsys.readouterr().out
    assert "Traceback" not in err and "datobench/" not in err, err
    assert "DatoTypeError" in err
    assert "placement= takes a dict of instance names and (column, row) tiles" in err
