"""The search space of ``dato.tune``: symbolic sizes, mapping primitives and targets, each with
its candidates.

Every dimension is a list of candidates, so that sizes that must divide something are never
proposed in between. Optuna stores numbers and strings only: a size by its position in its
list, primitive lists and targets by a label; ``point`` turns them back into the sizes and
objects a trial compiles with.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from datobench.core.errors import DatoTypeError
from datobench.core.ir.types import Symbol
from datobench.core.lang.primitives import Bundle, Chain
from datobench.core.targets import Target

PRIMITIVES, TARGET = "primitives", "target"


@dataclass(frozen=True)
class Choice:
    """Candidates for one dimension of a search space: ``dato.choice(32, 64, 128)``."""

    values: tuple

    def __iter__(self):
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def choice(*values) -> Choice:
    """The candidates of one dimension of ``dato.tune``'s space, in the order given."""
    if not values:
        raise DatoTypeError("dato.choice needs at least one candidate, e.g. dato.choice(32, 64)")
    return Choice(tuple(values))


def divisors_of(n: int, multiple_of: int = 1) -> Choice:
    """The divisors of ``n`` that are multiples of ``multiple_of``, smallest first: tile sizes
    that split a dimension exactly and suit the vector unit (``divisors_of(256, 8)``)."""
    for value, what in ((n, "n"), (multiple_of, "multiple_of")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DatoTypeError(
                f"dato.divisors_of: {what} must be a positive whole number, not {value!r}"
            )
    found = tuple(d for d in range(multiple_of, n + 1, multiple_of) if n % d == 0)
    if not found:
        raise DatoTypeError(
            f"dato.divisors_of: {n} has no divisor that is a multiple of {multiple_of}"
        )
    return Choice(found)


@dataclass(frozen=True)
class Space:
    """Each dimension's name and candidates, and the objects behind the labels of the
    primitives and targets."""

    dimensions: dict[str, list]  # name -> candidates (sizes; labels of primitives, targets)
    objects: dict[str, dict]  # "primitives" / "target" -> label -> the object it stands for

    def suggest(self, trial) -> dict[str, object]:
        """The stored values Optuna's trial chooses. A size is searched by its position among
        the candidates, in the order given (smallest first, as divisors_of gives them), so that
        TPE sees which sizes are neighbours; a label is a category."""
        return {
            name: trial.suggest_categorical(name, values)
            if name in self.objects
            else trial.suggest_int(name, 0, len(values) - 1)
            for name, values in self.dimensions.items()
        }

    def grid(self) -> dict[str, list]:
        """Every stored value of each dimension, for Optuna's GridSampler."""
        return {
            name: values if name in self.objects else list(range(len(values)))
            for name, values in self.dimensions.items()
        }

    def values(self, stored: Mapping[str, object]) -> dict[str, object]:
        """The candidates that Optuna's stored values stand for (sizes for their positions)."""
        return {
            name: v if name in self.objects else self.dimensions[name][v]
            for name, v in stored.items()
        }

    def point(self, stored: Mapping[str, object]) -> tuple[dict[str, int], tuple, object]:
        """The sizes, primitives and target of the point Optuna chose."""
        chosen = self.values(stored)
        sizes = {k: v for k, v in chosen.items() if k not in (PRIMITIVES, TARGET)}
        primitives = self.objects.get(PRIMITIVES, {}).get(chosen.get(PRIMITIVES), ())
        target = self.objects.get(TARGET, {}).get(chosen.get(TARGET))
        return sizes, primitives, target

    def stored(self, point: object) -> dict[str, object]:
        """Optuna's stored values for a point given as the user writes it (sizes by value,
        'primitives' as a list of chains and bundles, 'target' by name): a point of ``start``.
        Entries left out are the sampler's to choose."""
        if not isinstance(point, Mapping):
            raise DatoTypeError(
                "each point of dato.tune's start maps entries of the space to one of their "
                f"candidates, e.g. {{'m': 64}}, not {point!r}"
            )
        out = {}
        for key, value in point.items():
            name = key.name if isinstance(key, Symbol) and key._op is None else key
            if name not in self.dimensions:
                raise DatoTypeError(
                    f"start point {dict(point)!r}: {key!r} is not an entry of the space (its "
                    f"entries: {', '.join(self.dimensions)})"
                )
            out[name] = self._stored_value(name, value, point)
        return out

    def _stored_value(self, name: str, value: object, point: Mapping) -> object:
        candidates = self.dimensions[name]
        if name == PRIMITIVES:
            with contextlib.suppress(DatoTypeError):
                value = _primitives_label(_primitive_list(value))
        elif name == TARGET and isinstance(value, Target):
            value = value.name
        if value not in candidates or isinstance(value, bool):
            raise DatoTypeError(
                f"start point {dict(point)!r}: {value!r} is not a candidate of '{name}'"
            )
        return value if name in self.objects else candidates.index(value)

    def size(self) -> int:
        """How many points the space has."""
        return math.prod(len(candidates) for candidates in self.dimensions.values())


def make_space(space: object, region_sizes: set[str], target: object) -> Space:
    """Check the user's space against the region's symbolic sizes and normalise it."""
    if not isinstance(space, Mapping) or not space:
        raise DatoTypeError(
            "dato.tune's space maps the region's symbolic sizes (and 'primitives', 'target') to "
            f"their candidates, e.g. {{'m': dato.divisors_of(256, 8)}}, not {space!r}"
        )
    dimensions: dict[str, list] = {}
    objects: dict[str, dict] = {}
    for key, candidates in space.items():
        name = key.name if isinstance(key, Symbol) and key._op is None else key
        values = _candidates(name, candidates)
        if name == PRIMITIVES:
            alternatives = [_primitive_list(p) for p in values]
            objects[name] = {_primitives_label(p): p for p in alternatives}
            dimensions[name] = list(objects[name])
        elif name == TARGET:
            objects[name] = {t.name if isinstance(t, Target) else t: t for t in values}
            dimensions[name] = list(objects[name])
        elif isinstance(name, str) and name in region_sizes:
            dimensions[name] = [_size(name, v) for v in values]
        else:
            known = ", ".join(sorted(region_sizes)) or "none"
            raise DatoTypeError(
                f"space entry {key!r} is not a symbolic size of the region (its sizes: {known}), "
                "nor 'primitives' or 'target'"
            )
    if TARGET not in dimensions and target is None:
        raise DatoTypeError(
            "dato.tune needs a target: target='npu2', or a 'target' entry in the space"
        )
    return Space(dimensions, objects)


def _candidates(name: object, candidates: object) -> list:
    if isinstance(candidates, (Choice, list, tuple, range)):
        values = list(candidates)
        if values:
            return values
    raise DatoTypeError(
        f"space entry {name!r} needs a non-empty list, range or dato.choice(...) of candidates, "
        f"not {candidates!r}"
    )


def _size(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DatoTypeError(f"space entry '{name}': candidate {value!r} is not a positive size")
    return value


def _primitive_list(primitives: object) -> tuple:
    """One alternative of 'primitives': a list of chains and bundles (or a single one)."""
    if isinstance(primitives, (Chain, Bundle)):
        primitives = [primitives]
    if isinstance(primitives, Iterable) and not isinstance(primitives, str):
        primitives = tuple(primitives)
        if all(isinstance(p, (Chain, Bundle)) for p in primitives):
            return primitives
    raise DatoTypeError(
        "each 'primitives' candidate is a list of dato.chain(...) / dato.bundle(...), "
        f"not {primitives!r}"
    )


def _primitives_label(primitives: tuple) -> str:
    """A readable label for one alternative list of primitives: ``chain(a, b); bundle(c)``."""
    parts = [
        f"chain({p.producers}, {p.consumers})"
        if isinstance(p, Chain)
        else f"bundle({', '.join(p.names)})"
        for p in primitives
    ]
    return "; ".join(parts) or "none"
