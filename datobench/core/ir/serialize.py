"""The IR's JSON form. ``from_json(to_json(x)) == x`` for every IR object."""

from __future__ import annotations

import dataclasses
import json

from datobench.core.errors import Loc
from datobench.core.ir import nodes, program, types

_CLASSES = {
    cls.__name__: cls
    for module in (nodes, program, types)
    for cls in vars(module).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
}
_CLASSES["Loc"] = Loc


def to_data(obj):
    if isinstance(obj, types.DType):
        return {"dtype": obj.name}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        data = {"node": type(obj).__name__}
        for f in dataclasses.fields(obj):
            data[f.name] = to_data(getattr(obj, f.name))
        return data
    if isinstance(obj, tuple):
        return [to_data(x) for x in obj]
    if isinstance(obj, float):
        return {"float": repr(obj)}  # keeps inf and nan, and tells 1.0 from 1
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    raise TypeError(f"cannot serialise {obj!r}")


def from_data(data):
    if isinstance(data, list):
        return tuple(from_data(x) for x in data)
    if isinstance(data, dict):
        if "node" in data:
            cls = _CLASSES[data["node"]]
            return cls(**{k: from_data(v) for k, v in data.items() if k != "node"})
        if "dtype" in data:
            return types.DTYPES[data["dtype"]]
        return float(data["float"])
    return data


def to_json(obj, indent: int | None = 1) -> str:
    return json.dumps(to_data(obj), indent=indent)


def from_json(text: str):
    return from_data(json.loads(text))
