"""The race's own contenders: versions of count_doubles that no lesson teaches.

The book's race chapter shows each one from here, by its ANCHOR region, so what you
read is what `just race` times. The lessons' functions are not copied here: the race
takes them from the checkpoints themselves (see peers.py).
"""

from __future__ import annotations

import itertools
import re

import numpy as np


# ANCHOR: single_pass
def count_doubles_once(val: str) -> int:
    """One pass, remembering the previous character: no second string."""
    total = 0
    chars = iter(val)
    previous = next(chars, None)
    for c in chars:
        if c == previous:
            total += 1
        previous = c
    return total
    # ANCHOR_END: single_pass


# ANCHOR: generator
def count_doubles_genexpr(val: str) -> int:
    return sum(c1 == c2 for c1, c2 in zip(val, val[1:]))
    # ANCHOR_END: generator


# ANCHOR: tee
def count_doubles_tee(val: str) -> int:
    first, second = itertools.tee(val)
    next(second, None)
    return sum(c1 == c2 for c1, c2 in zip(first, second))
    # ANCHOR_END: tee


# ANCHOR: regex
DOUBLE = re.compile(r"(?=(.)\1)", re.DOTALL)  # DOTALL: "\n\n" is a double too


def count_doubles_regex(val: str) -> int:
    return len(DOUBLE.findall(val))
    # ANCHOR_END: regex


# ANCHOR: count_nonzero
def count_doubles_count_nonzero(val: str) -> int:
    ng = np.frombuffer(val.encode("utf-8"), dtype=np.uint8)
    return int(np.count_nonzero(ng[:-1] == ng[1:]))
    # ANCHOR_END: count_nonzero


# ANCHOR: numba
def code_points(val: str) -> np.ndarray:
    """One array element per character (UTF-32), so numba compares characters, not bytes."""
    return np.frombuffer(val.encode("utf-32-le"), dtype=np.uint32)


def count_equal_neighbours(codes: np.ndarray) -> int:
    """A plain loop over the array; the race compiles it with numba: njit(count_equal_neighbours)."""
    total = 0
    for i in range(1, codes.shape[0]):
        if codes[i] == codes[i - 1]:
            total += 1
    return total
    # ANCHOR_END: numba


# ANCHOR: yardstick
def utf8(val: str) -> bytes:
    """The text as bytes, made before the clock starts."""
    return val.encode("utf-8", "surrogatepass")


def find_absent_byte(data: bytes) -> int:
    """One pass over every byte, looking for one that is not there: CPython's bytes.find
    uses memchr, which reads memory about as fast as the machine can. Not a count of
    doubles: a yardstick for how fast one pass over the text can be."""
    return data.find(b"\x00")
    # ANCHOR_END: yardstick
