"""``%%dato`` and ``%dato``: parse arguments, call core, display the workbench. No logic.

The cell's Python runs as IPython runs a cell: a syntax error or an exception of the user's own
code is shown as for any cell (the user's frames, none of datobench's) and the cell fails. A
DatoError, the magic's own errors included, fails the cell too (so that Run All, nbval and
papermill stop there), and the extension's handler shows it at the user's line without a
traceback; so is a failure of datobench itself, as an InternalError naming the function that
failed. Cell lines are numbered as the notebook numbers them: the ``%%dato`` line is line 1,
and every place in a cell reads "cell line N" ("cell [3] line N" in another cell).

``--backend sim`` runs the functional simulator on generated inputs (the panel says so);
``--backend xrt`` times the cell as ``perf`` does, then runs it on the attached device (with
``--xclbin``, and ``--insts`` on an NPU target, or what ``prog.build()`` makes for an NPU) and
the panel shows the measured time beside the predicted one, or in one line what is missing.
``%dato help`` lists the options.

%load_ext datobench
%%dato [--target npu1_4col] [--backend perf|sim|xrt] [--name NAME] [--placement VAR]
       [--primitives VAR] [--xclbin PATH] [--insts PATH]
%dato targets
%dato devices
%dato show NAME [options]
%dato tune NAME --space VAR|DICT [--target T] [--trials N] [--objective O] [--workers N]
      [--scheduler ADDRESS]
%dato help
"""

from __future__ import annotations

import argparse
import re
import shlex
import textwrap

from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import HTML, display

import datobench as dato
from datobench import cells
from datobench.cells import CELL_FILE, cell_name
from datobench.core.errors import DatoError, InternalError, Loc, user_traceback
from datobench.core.kinds import kind_of


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        usage = " ".join(self.format_usage().split()).removeprefix("usage: ")
        raise DatoError(f"%%dato: {message}; usage: {usage}")


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as error:  # shlex's only error: an unbalanced quote or a trailing \\
        raise DatoError(f"%%dato: cannot split the options: {error}") from None


def _parser() -> _Parser:
    p = _Parser(prog="%%dato", add_help=False)
    p.add_argument(
        "--target",
        default="npu1_4col",
        help="a target name (%dato targets lists them) or a .toml file",
    )
    p.add_argument(
        "--backend",
        default="perf",
        choices=("perf", "sim", "xrt"),
        help="perf: time with the cycle-approximate model (no hardware); sim: run the "
        "functional simulator on generated inputs (no timing); xrt: time, then run on the "
        "attached device",
    )
    p.add_argument("--name", default=None, help="the region to show, when the cell defines several")
    p.add_argument(
        "--placement",
        default=None,
        metavar="VAR",
        help="a variable holding {instance: (column, row)} to pin (the editor's copied code)",
    )
    p.add_argument(
        "--primitives",
        default=None,
        metavar="VAR",
        help="a variable holding a list of dato.chain(...) / dato.bundle([...])",
    )
    p.add_argument(
        "--xclbin", default=None, metavar="PATH", help="a built xclbin to run (--backend xrt)"
    )
    p.add_argument(
        "--insts",
        default=None,
        metavar="PATH",
        help="the NPU instruction stream beside --xclbin (--backend xrt on an NPU target)",
    )
    return p


LINE_COMMANDS = (
    ("%dato targets", "the targets: kind, compute tiles, clock"),
    ("%dato devices", "the NPUs and Alveo cards here, and what each is missing for --backend xrt"),
    ("%dato show NAME [options]", "the panel of a region defined earlier, with %%dato's options"),
    (
        "%dato tune NAME --space VAR|DICT",
        "tune a region's sizes (--target --trials --objective "
        "--workers --scheduler), then open the best program's panel",
    ),
    ("%dato help", "this help"),
)


def help_text() -> str:
    """What ``%dato help`` prints: the cell magic's usage and options, then the line
    commands."""
    usage = " ".join(_parser().format_usage().split()).removeprefix("usage: ")
    lines = [f"{usage}", "  a cell that defines one @dato.region: its workbench panel", ""]
    for action in _parser()._actions:
        flag = action.option_strings[0]
        value = "{" + ",".join(action.choices) + "}" if action.choices else action.metavar
        value = value or action.dest.upper()
        default = f" (default {action.default})" if action.default is not None else ""
        lines.append(f"  {flag} {value}")
        lines.append(
            textwrap.fill(
                f"{action.help}{default}", 96, initial_indent=" " * 6, subsequent_indent=" " * 6
            )
        )
    lines.append("")
    lines += [f"{command:<28}{what}" for command, what in LINE_COMMANDS]
    return "\n".join(lines)


def _tune_parser() -> _Parser:
    p = _Parser(prog="%dato tune NAME", add_help=False)
    p.add_argument("--space", required=True, metavar="VAR|DICT")
    p.add_argument("--target", default=None)
    p.add_argument("--trials", type=int, default=200)
    p.add_argument("--objective", default="seconds")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--scheduler", default=None, metavar="ADDRESS")
    return p


def _check_device_options(args) -> None:
    """Refuse built artefacts that the chosen backend or target does not take, before the
    cell runs."""
    given = [f"--{o}" for o in ("xclbin", "insts") if getattr(args, o) is not None]
    if not given:
        return
    if args.backend != "xrt":
        raise DatoError(f"%%dato {given[0]}: built artefacts run only with --backend xrt")
    target = dato.load_target(args.target)
    if kind_of(target).runs_hls:
        if args.insts is not None:
            raise DatoError(
                f"%%dato --insts: {target.name} is an FPGA target, whose xclbin holds the "
                "whole kernel: give --xclbin alone (--insts is an NPU's instruction stream)"
            )
    elif args.xclbin is None or args.insts is None:
        raise DatoError(
            f"%%dato {given[0]}: an NPU target runs an xclbin with its instruction stream: give "
            "both --xclbin and --insts (or neither, and the cell builds them with prog.build())"
        )


@magics_class
class DatoMagics(Magics):
    @line_cell_magic
    def dato(self, line: str, cell: str | None = None):
        __tracebackhide__ = True  # noqa: F841  (IPython hides this frame)
        if cell is None:
            where, run = None, lambda: self._line(line)
        else:
            number = self.shell.execution_count
            filename = self.shell.compile.cache(f"%%dato {line}".rstrip() + "\n" + cell, number)
            where, run = Loc(filename, 1), lambda: self._cell(line, cell, filename)
        try:
            return run()
        except DatoError as error:  # failing the cell; _show_dato_error shows it
            raise _at_cell(error, where) from None
        except Exception as error:  # datobench itself failed (the user's code ran in _run)
            raise InternalError.from_exception(error, where) from None

    # -- %%dato -----------------------------------------------------------------------------
    def _cell(self, line: str, cell: str, filename: str):
        __tracebackhide__ = True  # noqa: F841
        args = _parser().parse_args(_words(line))
        _check_device_options(args)
        shell = self.shell
        before = dict(shell.user_ns)
        if not self._run(cell, filename):
            return
        region = self._region(args.name, before)
        self._open(region, args)

    def _run(self, cell: str, filename: str) -> bool:
        """Run the cell's Python (below the magic's line, numbered as in the notebook); False
        when it failed with a Python error, which is then shown as IPython shows it for a cell
        and fails the cell."""
        __tracebackhide__ = True  # noqa: F841
        shell = self.shell
        try:
            code = shell.compile("\n" + cell, filename, "exec")
        except SyntaxError as error:
            shell.showsyntaxerror(filename)
            self._fail(error, before_exec=True)
            return False
        try:
            exec(code, shell.user_ns)
        except DatoError:
            raise
        except Exception as error:
            tb = user_traceback(error.__traceback__)
            shell.showtraceback((type(error), error, tb), tb_offset=0)
            self._fail(error, before_exec=False)
            return False
        return True

    def _fail(self, error: BaseException, before_exec: bool):
        """Mark the running cell failed, as IPython does when a cell's code raises."""
        result = self.shell.displayhook.exec_result
        if result is None:
            return
        if before_exec:
            result.error_before_exec = error
        else:
            result.error_in_exec = error

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

    def _open(self, region, args) -> None:
        """Build the region's panel, show it below the cell and keep it in
        ``_dato[region name]``."""
        import ipywidgets

        from datobench.widgets import Workbench

        # long timings show progress while the panel is being built (shown when timing starts,
        # so a program that does not compile leaves nothing behind; the panel takes its place)
        bar = ipywidgets.FloatProgress(value=0, min=0, max=1, description="timing")
        try:
            workbench = Workbench(
                region,
                target=args.target,
                backend=args.backend,
                placement=self._lookup(args.placement, "placement"),
                primitives=self._lookup(args.primitives, "primitives") or (),
                progress=bar,
                xclbin=args.xclbin,
                insts=args.insts,
            )
        except BaseException:
            bar.close()
            raise
        if workbench.progress_output is not None:
            # the panel in the bar's place; the bar stays open, as JupyterLab hides the output
            # whose first widget is closed, and that output now shows the panel
            workbench.progress_output.update(workbench._repr_mimebundle_(), raw=True)
            workbench.show_picture()  # below it, the static fallback of a saved notebook
        else:
            display(workbench)  # the panel, then its picture
        self.shell.user_ns.setdefault("_dato", {})[region.__name__] = workbench

    # -- %dato ------------------------------------------------------------------------------
    def _line(self, line: str):
        words = _words(line)
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
        if words == ["devices"]:
            display(dato.devices())  # a table of what this machine has for backend="xrt"
            return None
        if words[:1] == ["show"] and len(words) >= 2:
            args = _parser().parse_args(words[2:])
            _check_device_options(args)
            region = self._region(words[1], {}, "%dato show")
            self._open(region, args)
            return None
        if words[:1] == ["tune"] and len(words) >= 2:
            return self._tune(words[1], _tune_parser().parse_args(words[2:]))
        if words == ["help"]:
            print(help_text())
            return None
        raise DatoError(
            "%dato takes `targets`, `devices`, `show NAME [options]` or `help` (%dato help "
            "lists the options)"
        )

    def _tune(self, name: str, args) -> None:
        """Tune the region ``name`` with a live progress bar, keep the outcome in
        ``_dato_tuning[name]`` and open the panel on the best program."""
        region = self._region(name, {}, "%dato tune")
        space = self.shell.user_ns.get(args.space)
        if space is None:  # not a variable: a dict literal, evaluated in the notebook's names
            try:
                space = self.shell.ev(args.space)
            except Exception as error:
                raise DatoError(
                    f"%dato tune --space: '{args.space}' is neither a variable nor a dict of "
                    f"candidates ({type(error).__name__}: {error})"
                ) from None
        tuning = dato.tune(
            region,
            target=args.target,
            space=space,
            objective=args.objective,
            trials=args.trials,
            workers=args.workers,
            scheduler=args.scheduler,
        )
        self.shell.user_ns.setdefault("_dato_tuning", {})[name] = tuning
        best = tuning.best
        print(f"best of {len(tuning.trials)} trials: {best}")
        target = best.params.get("target", args.target)
        self._open_program(region, best, target)

    def _open_program(self, region, best, target) -> None:
        """The panel on the tuned point: its sizes, primitives and target."""
        from datobench.widgets import Workbench

        sizes = {k: v for k, v in best.params.items() if k not in ("primitives", "target")}
        workbench = Workbench(
            region, target=target, primitives=best.params.get("primitives", ()), sizes=sizes
        )
        display(workbench)
        self.shell.user_ns.setdefault("_dato", {})[region.__name__] = workbench


def _is_cell(filename: str) -> bool:
    return "ipykernel" in filename or filename.startswith("<")


def _at_cell(error: DatoError, magic_line: Loc | None) -> DatoError:
    """The error located in the user's cell: at the magic's line when it is about the magic's
    options or nothing in the cell (never a line inside IPython or datobench; no location
    for the ``%dato`` line magic)."""
    if error.loc is None or not _is_cell(error.loc.file):
        error.loc = magic_line
    return error


# a place in a cell as a Loc prints it without cells.install(): "/tmp/ipykernel_1/2.py:9:13"
_PLACE = re.compile(rf"({CELL_FILE}):(\d+):(\d+)")


def _cell_places(text: str, shell) -> str:
    """``text`` with every place in a notebook cell written as the notebook numbers it: "cell
    line N, column C" in the running cell, "cell [K] line N, column C" in cell K."""

    def place(match: re.Match) -> str:
        return f"{cell_name(shell, match[1])} line {match[2]}, column {match[3]}"

    return _PLACE.sub(place, text)


def _cell_text(error: DatoError, shell) -> str:
    """The error as the user should see it: its type, the message at their cell's line, the
    line and a caret, and the notes, every place in a cell as the notebook numbers it."""
    return f"{type(error).__name__}: {_cell_places(str(error), shell)}"


def _show_dato_error(shell, etype, value, tb, tb_offset=None):
    """Uncaught DatoErrors in notebook cells (the magic's and the user's own): the message at
    the user's line, no traceback. The cell has failed (IPython marks it before calling this),
    so Run All, nbval and papermill stop; a notebook shows an error output as for any error."""
    text = _cell_text(value, shell)
    shell._showtraceback(etype, text.split(": ", 1)[1], [text])  # the output IPython would send


def load_ipython_extension(ipython):
    cells.install()
    ipython.register_magics(DatoMagics)
    ipython.set_custom_exc((DatoError,), _show_dato_error)
