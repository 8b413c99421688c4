"""The compiler's pipeline: the front-end steps, then the mapping steps when there is a target,
showing the program after any of them.

``frontend`` -> ``expand`` -> ``channels`` -> ``profile`` -> ``virtual`` -> ``place`` ->
``route``; ``passes/mapper.py`` runs the last four (and retries them with one more merge when a
mapping breaks a limit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from datobench.core.errors import DatoError
from datobench.core.passes.mapper import map_state
from datobench.core.passes.steps import (
    ChannelsStep,
    ExpandStep,
    FrontEndStep,
    PlaceStep,
    ProfileStep,
    RouteStep,
    State,
    Step,
    VirtualStep,
)

FRONT_END: tuple[Step, ...] = (FrontEndStep(), ExpandStep(), ChannelsStep())
STEP_NAMES = tuple(
    s.name
    for s in (
        FrontEndStep,
        ExpandStep,
        ChannelsStep,
        ProfileStep,
        VirtualStep,
        PlaceStep,
        RouteStep,
    )
)
MAPPING_STEPS = STEP_NAMES[len(FRONT_END) :]


def shown_steps(show: str | Iterable[str], mapping: bool = True) -> frozenset[str]:
    """The step names of a ``show=`` argument: a name, a list of names, or ``"all"`` (every
    step that runs; the mapping steps run only when ``mapping``)."""
    if show == "all":
        return frozenset(STEP_NAMES if mapping else STEP_NAMES[: len(FRONT_END)])
    try:
        names = (show,) if isinstance(show, str) else tuple(show or ())
    except TypeError:
        raise DatoError(
            f"show={show!r}: show takes a step name, a list of step names or 'all'"
        ) from None
    unknown = [n for n in names if n not in STEP_NAMES]
    if unknown:
        raise DatoError(
            f"show={show!r}: no step named {', '.join(repr(n) for n in unknown)}; "
            f"the steps are {', '.join(STEP_NAMES)} (or show='all')"
        )
    unmapped = [n for n in names if n in MAPPING_STEPS and not mapping]
    if unmapped:
        what = (
            "is a mapping step, which runs"
            if len(unmapped) == 1
            else "are mapping steps, which run"
        )
        raise DatoError(
            f"show={show!r}: {', '.join(repr(n) for n in unmapped)} {what} only with a target, "
            "e.g. target='npu1_4col'"
        )
    return frozenset(names)


@dataclass(frozen=True)
class Pipeline:
    """Runs steps in order; after each step named in ``show`` it prints a header naming the
    step and what it shows, then the step's text."""

    show: frozenset[str] = frozenset()

    def run(self, step: Step, state: State) -> State:
        state = step.apply(state)
        if step.name in self.show:
            print(f"// ----- after {step.name}: {step.summary} ----- //")
            print(step.text(state), end="")
        return state

    def front_end(self, state: State) -> State:
        """Source -> region IR -> instances -> the checked instance graph."""
        for step in FRONT_END:
            state = self.run(step, state)
        return state

    def map(self, state: State) -> State:
        """The instance graph -> its ``Mapping`` onto ``state.target``."""
        return map_state(state, self.run)

    def shows_front_end(self) -> bool:
        return any(s.name in self.show for s in FRONT_END)
