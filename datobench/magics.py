"""``%%dato`` and ``%dato``: parse arguments, call core, display the workbench. No logic.

%load_ext datobench
%%dato [--target npu1_4col] [--backend perf|sim] [--name NAME] [--placement VAR]
       [--primitives VAR]
%dato targets
%dato show NAME [--target T]
"""

from __future__ import annotations

import argparse
import shlex
import sys

from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import HTML, display

import datobench as dato
from datobench.core.errors import DatoError
from datobench.core.kinds import kind_of


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        usage = self.format_usage().strip().removeprefix("usage: ")
        raise DatoError(f"%%dato: {message}; usage: {usage}")


def _parser() -> _Parser:
    p = _Parser(prog="%%dato", add_help=False)
    p.add_argument("--target", default="npu1_4col")
    p.add_argument("--backend", default="perf", choices=("perf", "sim"))
    p.add_argument("--name", default=None)
    p.add_argument("--placement", default=None)
    p.add_argument("--primitives", default=None)
    return p


@magics_class
class DatoMagics(Magics):
    @line_cell_magic
    def dato(self, line: str, cell: str | None = None):
        try:
            if cell is None:
                return self._line(line)
            return self._cell(line, cell)
        except DatoError as error:
            print(_cell_text(error), file=sys.stderr)  # the user's line, no traceback
        return None

    # -- %%dato -----------------------------------------------------------------------------
    def _cell(self, line: str, cell: str):
        args = _parser().parse_args(shlex.split(line))
        shell = self.shell
        filename = shell.compile.cache(cell)  # lets inspect read the region's source
        before = dict(shell.user_ns)
        exec(shell.compile(cell, filename, "exec"), shell.user_ns)
        region = self._region(args.name, before)
        placement = self._lookup(args.placement, "placement")
        primitives = self._lookup(args.primitives, "primitives") or ()
        workbench = self._workbench(region, args.target, args.backend, placement, primitives)
        display(workbench)
        shell.user_ns.setdefault("_dato", {})[region.__name__] = workbench
        return None

    def _region(self, name: str | None, before: dict, command: str = "%%dato --name"):
        ns = self.shell.user_ns
        if name is not None:
            region = ns.get(name)
            if not isinstance(region, dato.RegionFunction):
                raise DatoError(f"{command} {name}: there is no region named '{name}'")
            return region
        new = [
            v
            for k, v in ns.items()
            if isinstance(v, dato.RegionFunction) and before.get(k) is not v
        ]
        if len(new) != 1:
            raise DatoError(
                f"%%dato: the cell must define exactly one @dato.region (it defines {len(new)});"
                " or name one with --name"
            )
        return new[0]

    def _lookup(self, var: str | None, what: str):
        if var is None:
            return None
        if var not in self.shell.user_ns:
            raise DatoError(f"%%dato --{what} {var}: no variable named '{var}'")
        return self.shell.user_ns[var]

    def _workbench(self, region, target, backend, placement, primitives):
        import ipywidgets

        from datobench.widgets import Workbench

        # long timings show progress while the panel is being built (shown when timing starts,
        # so a program that does not compile leaves nothing behind)
        bar = ipywidgets.FloatProgress(value=0, min=0, max=1, description="timing")
        try:
            return Workbench(
                region,
                target=target,
                backend=backend,
                placement=placement,
                primitives=primitives,
                progress=bar,
            )
        finally:
            bar.close()

    # -- %dato ------------------------------------------------------------------------------
    def _line(self, line: str):
        words = shlex.split(line)
        if words[:1] == ["targets"]:
            rows = "".join(
                f"<tr><td><code>{t.name}</code></td><td>{t.kind}</td>"
                f"<td>{len(t.compute_tiles()) if kind_of(t).physical_tiles else '-'}</td>"
                f"<td>{t.clock_hz / 1e9:g} GHz</td><td>{t.description}</td></tr>"
                for t in map(dato.load_target, dato.targets())
            )
            display(
                HTML(
                    "<table><tr><th>target</th><th>kind</th><th>compute tiles</th>"
                    f"<th>clock</th><th>description</th></tr>{rows}</table>"
                )
            )
            return None
        if words[:1] == ["show"] and len(words) >= 2:
            args = _parser().parse_args(words[2:])
            region = self._region(words[1], {}, "%dato show")
            workbench = self._workbench(
                region,
                args.target,
                args.backend,
                self._lookup(args.placement, "placement"),
                self._lookup(args.primitives, "primitives") or (),
            )
            display(workbench)
            self.shell.user_ns.setdefault("_dato", {})[region.__name__] = workbench
            return None
        raise DatoError("%dato takes `targets` or `show NAME [--target T]`")


def _is_cell(filename: str) -> bool:
    return "ipykernel" in filename or filename.startswith("<")


def _cell_text(error: DatoError) -> str:
    """The error as the user should see it: their cell line, or no location at all when the
    error is about the magic's options (never a line inside IPython or datobench)."""
    loc = error.loc
    if loc is not None and not _is_cell(loc.file):
        error = type(error)(error.message, None, error.notes)
        loc = None
    text = str(error)
    if loc is not None:
        text = text.replace(f"{loc}:", f"cell line {loc.line}, column {loc.col + 1}:", 1)
    return f"{type(error).__name__}: {text}"


def _show_dato_error(shell, etype, value, tb, tb_offset=None):
    """Uncaught DatoErrors in notebook cells: the user's frames and the message, nothing of
    datobench's."""
    from datobench.core.errors import _user_traceback

    shell.showtraceback((etype, value, _user_traceback(tb)), tb_offset=tb_offset)


def load_ipython_extension(ipython):
    ipython.register_magics(DatoMagics)
    ipython.set_custom_exc((DatoError,), _show_dato_error)
