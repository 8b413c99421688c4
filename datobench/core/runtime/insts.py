"""Reading the NPU instruction stream that ``aiecc`` writes next to the xclbin.

The stream is a sequence of 32-bit words. Since 2025 the toolchain writes it as binary
little-endian words (``insts.bin``); before, as hex text, one word per line (``insts.txt``).
The two are told apart by content, not by file name: a binary stream always holds NUL bytes
(its header's first word, 0x06030100 on npu1, has one), and hex text never does.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from datobench.core.errors import BackendUnavailable, DatoError

_HEX_WORD = re.compile(r"(0[xX])?[0-9a-fA-F]{1,8}")
_XCLBIN_MAGIC = b"xclbin2"
_WORD = 4  # bytes


def read_instructions(path: str | Path) -> np.ndarray:
    """The instruction words in ``path`` as uint32, whichever format the toolchain wrote;
    a file that is neither format is a DatoError saying what it looks like instead."""
    path = Path(path)
    if not path.is_file():
        raise BackendUnavailable(
            f"no instruction file at {path}: prog.build() writes it next to the xclbin "
            "(aiecc --aie-generate-npu-insts), or pass the path of one built before"
        )
    data = path.read_bytes()
    if not data:
        raise DatoError(f"the instruction file {path} is empty: rebuild with prog.build()")
    if data.startswith(_XCLBIN_MAGIC):
        raise DatoError(
            f"{path} is an xclbin, not an instruction stream: pass it as xclbin= and the "
            "instructions aiecc wrote beside it (insts.bin) as insts="
        )
    if b"\0" in data:
        return _binary(path, data)
    return _hex_text(path, data)


def _binary(path: Path, data: bytes) -> np.ndarray:
    if len(data) % _WORD:
        raise DatoError(
            f"the instruction file {path} holds {len(data)} bytes, not a whole number of "
            "32-bit words: it is truncated or not an instruction stream (rebuild with "
            "prog.build())"
        )
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def _hex_text(path: Path, data: bytes) -> np.ndarray:
    words = []
    for number, line in enumerate(data.decode("ascii", errors="replace").splitlines(), 1):
        word = line.strip()
        if not word:
            continue
        if not _HEX_WORD.fullmatch(word):
            raise DatoError(_neither(path, f"line {number} is {word[:40]!r}"))
        words.append(int(word, 16))
    if not words:
        raise DatoError(_neither(path, "it holds only blank lines"))
    return np.array(words, dtype=np.uint32)


def _neither(path: Path, evidence: str) -> str:
    return (
        f"{path} is not an NPU instruction stream: neither binary 32-bit words (insts.bin) "
        f"nor hex text with one word per line (insts.txt); {evidence}"
    )
