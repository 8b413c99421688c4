"""Layout types: ``int16[M, K] @ [S(0), R]``."""

from datobench.core.ir.types import LayoutType, R, Replicate, Shard

S = Shard

__all__ = ["S", "R", "Shard", "Replicate", "LayoutType"]
