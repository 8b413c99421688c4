"""Places in notebook cells, named as the notebook numbers them.

IPython compiles each cell to a file of its own (``/tmp/ipykernel_1/2.py``,
``<ipython-input-3-ab>``); an error's place in one reads "cell line 9, column 13" while that
cell runs, and "cell [3] line 9, column 13" (the cell's ``[3]`` prompt) from any other, in
every message and note, printed or raised. Installed by the IPython extension and, in a
running kernel, when datobench is imported, so that ``print(error)`` in a notebook reads the
same as the magic's errors.
"""

from __future__ import annotations

import re
import sys

from datobench.core import errors
from datobench.core.errors import Loc

# a cell's file as IPython names it
CELL_FILE = r"[^\s'\"()]*ipykernel_\d+[/\\]\d+\.py|<ipython-input-[^>]*>"
_CELL = re.compile(rf"^(?:{CELL_FILE})$")


def cell_place(loc: Loc) -> str | None:
    """``loc`` as the running notebook numbers it, or None outside a cell (or a kernel)."""
    if not _CELL.match(loc.file):
        return None
    shell = _shell()
    if shell is None:
        return None
    return f"{cell_name(shell, loc.file)} line {loc.line}, column {loc.col + 1}"


def cell_name(shell, filename: str) -> str:
    """ "cell" for the running cell's file, "cell [K]" for cell K's."""
    named = shell.compile.format_code_name(filename)
    number = named[1].removeprefix("In[").removesuffix("]") if named else None
    return "cell" if number in (None, str(shell.execution_count)) else f"cell [{number}]"


def install() -> None:
    """Name cell places this way from now on (idempotent)."""
    errors.place_namer = cell_place


def install_in_kernel() -> None:
    """``install()`` when datobench is imported inside a running IPython (never imports
    IPython itself: a plain script stays as it was)."""
    ipython = sys.modules.get("IPython")
    if ipython is not None and ipython.get_ipython() is not None:
        install()


def _shell():
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None
