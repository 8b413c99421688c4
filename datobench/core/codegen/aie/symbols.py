"""MLIR symbol names for the design: one mangling for every ``@name`` we write.

A user's names (channels like ``fa[0, 1]``, buffers, instances) become symbols made of
``[A-Za-z0-9_]`` that start with a letter, spelt as ``codegen/names.py`` spells every generated
identifier (``ascii_name``: ``é`` -> ``e``, ``π`` -> ``pi``); each distinct name gets a distinct
symbol. MLIR has no reserved words for symbols, so no name is moved aside.
"""

from __future__ import annotations

from datobench.core.codegen.names import ascii_name


def sanitise(name: str) -> str:
    """``fa[0, 1]`` -> ``fa_0_1``; a leading digit or underscore gets an ``s`` in front."""
    out = ascii_name(name) or "s"
    return out if out[0].isalpha() else f"s{out}"


class Symbols:
    """Hands out unique symbols: the sanitised name, or it with ``_2``, ``_3``... appended."""

    def __init__(self):
        self.taken: set[str] = set()

    def __call__(self, name: str) -> str:
        base = sanitise(name)
        symbol, n = base, 1
        while symbol in self.taken:
            n += 1
            symbol = f"{base}_{n}"
        self.taken.add(symbol)
        return symbol
