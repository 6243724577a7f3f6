"""Who races: every contender of `just race` and `just compare`, with its stable id.

The lessons' own functions are taken from the checkpoints themselves (the Python ones
out of their doubles.py, the Rust ones from their compiled module, as the manifest
lists them), never copied here; the race's extra versions are in contenders.py, where
the book includes them from.
"""

from __future__ import annotations

import codecs
import shutil
import subprocess

from . import contenders, manifest, texts
from . import oracle as oracles
from .measure import Contender, doubles_contenders, rust_contenders

ORACLE = "python-zip"
FIND = "reference-bytes-find"
WC = "reference-wc-l"


def oracle() -> Contender:
    """The manifest's oracle, the zip loop: the answer every other is checked against, and the baseline."""
    lesson = manifest.oracle_lesson()
    return Contender(ORACLE, "python zip loop", "python", oracles.oracle(), note=f"lesson {lesson.number}, the oracle",
                     lesson=lesson.number, function=f"doubles:{manifest.manifest().oracle[1]}")  # fmt: skip


def python_contenders() -> list[Contender]:
    return [
        oracle(),
        Contender("python-single-pass", "python single pass", "python", contenders.count_doubles_once),
        Contender("python-generator", "python generator", "python", contenders.count_doubles_genexpr),
        Contender("python-tee", "python itertools.tee", "python", contenders.count_doubles_tee),
        Contender("python-regex", "python regex", "python", contenders.count_doubles_regex),
    ]


def python_from_lessons() -> list[Contender]:
    """Every function of doubles.py a lesson verifies, other than the oracle, from the first
    lesson that verifies it (manifest.python_functions)."""
    return doubles_contenders(manifest.python_functions())


def numpy_contenders() -> list[Contender]:
    return [
        Contender("numpy-count_nonzero", "numpy count_nonzero", "numpy", contenders.count_doubles_count_nonzero,
                  ascii_only=True),
    ]  # fmt: skip


def numba_contenders() -> list[Contender]:
    from numba import njit

    compiled = njit(cache=False)(contenders.count_equal_neighbours)
    return [
        Contender("numba", "numba", "numba", lambda val: compiled(contenders.code_points(val)),
                  note="str to array in the timing"),
        Contender("numba-array-ready", "numba (array ready)", "numba", compiled, prepare=contenders.code_points,
                  note="array made before"),
    ]  # fmt: skip


def rust_from_lessons(profiles: tuple[str, ...] = ("dev", "release")) -> list[Contender]:
    """Every Rust function the manifest lists (its `contenders`), in each profile (debug and release)."""
    return rust_contenders(manifest.contender_functions(), list(profiles))


def references() -> list[Contender]:
    """Yardsticks timed beside the versions, not versions themselves: their answers are not checked."""
    return [
        Contender(FIND, "bytes.find, an absent byte (yardstick)", "reference", contenders.find_absent_byte,
                  prepare=contenders.utf8, note="one pass over the text's UTF-8", reference=True),
    ]  # fmt: skip


def file_oracle(block: int = texts.FILE_BLOCK) -> Contender:
    """The oracle for a file's workload, given its path: the file read `block` bytes at a
    time, decoded as UTF-8 (a character cut between two blocks is decoded whole), each
    piece counted by the Python loop, and the pieces joined as summaries are merged: the
    doubles inside each, plus one where a piece ends with the character the next begins
    with. A piece equal to one counted before is not counted again, so a
    file of one block repeated (texts.write_file's) costs the loop one block, not the
    whole file, and its count is still exact."""
    loop = oracles.oracle()

    def count(path: str) -> int:
        decoder = codecs.getincrementaldecoder("utf-8")()
        counted: dict[str, int] = {}
        total, last = 0, ""
        with open(path, "rb") as f:
            while True:
                data = f.read(block)
                piece = decoder.decode(data, final=not data)
                if piece:
                    if piece not in counted:
                        counted = {piece: loop(piece)}  # one piece kept: the blocks repeat in order
                    total += counted[piece] + (last == piece[0])
                    last = piece[-1]
                if not data:
                    return total

    lesson = manifest.oracle_lesson()
    return Contender(ORACLE, "python zip loop, a block at a time", "python", count,
                     note=f"lesson {lesson.number}, the oracle, over the file's blocks",
                     lesson=lesson.number, function=f"doubles:{manifest.manifest().oracle[1]}")  # fmt: skip


# ANCHOR: file_yardstick
def file_references() -> list[Contender]:
    """Yardsticks for a file's workload, called with its path: `wc -l`, which reads the
    file once and counts its newlines (its answer is not a count of doubles). None where
    no `wc` is installed."""
    wc = shutil.which("wc")
    if wc is None:
        return []

    def lines(path: str) -> int:
        out = subprocess.run([wc, "-l", path], capture_output=True, text=True, check=True).stdout
        return int(out.split()[0])

    return [Contender(WC, "wc -l (yardstick)", "reference", lines, note="reads the file once, counting newlines",
                      reference=True)]  # fmt: skip
    # ANCHOR_END: file_yardstick
