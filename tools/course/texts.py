"""The inputs of `just race` and `just compare`: the same text for every peer."""

from __future__ import annotations

import random
import string
from pathlib import Path

# Text beyond ASCII: characters of 2, 3 and 4 bytes in UTF-8. Small alphabets, so
# doubles are common, and no character repeats a byte inside itself (as 人, E4 BA BA,
# would): a version that compares bytes then misses every double and finds none of its
# own, and is wrong whenever the text has a double. tests/test_measure.py checks both.
ALPHABETS = {
    "letters": string.ascii_letters,
    "accented": "éèêëàçñü",
    "cjk": "的一是不了我在有",
    "emoji": "😀😃😄😁🐍🦀🚀🎉",
}

LABELS = {
    "letters": "random ASCII letters",
    "accented": "accented Latin letters",
    "cjk": "Chinese characters",
    "emoji": "emoji",
}


def make(kind: str, size: int) -> str:
    """`size` random characters of one alphabet, the same on every run."""
    # Seeded by the kind, so each alphabet's text has its own pattern of doubles.
    return "".join(random.Random(kind).choices(ALPHABETS[kind], k=size))


def workload(kind: str, size: int) -> dict:
    return {"id": f"{kind}-{size}", "kind": kind, "size": size, "label": f"{size:,} {LABELS[kind]}"}


# A file larger than memory would be is written as one block of `make`'s text repeated:
# a gigabyte is written in a second or two, and counted exactly without running the
# Python loop over all of it (see file_oracle in peers.py).
FILE_BLOCK = 64 * 2**20


def write_file(kind: str, size: int, path: Path, block: int = FILE_BLOCK) -> None:
    """`size` characters of `kind`'s text in UTF-8 at `path`: make(kind, block) over and
    over, the last time cut short."""
    piece = make(kind, min(size, block))
    whole, rest = divmod(size, len(piece)) if piece else (0, 0)
    with open(path, "w", encoding="utf-8", newline="") as f:
        for _ in range(whole):
            f.write(piece)
        f.write(piece[:rest])


def file_workload(kind: str, size: int, folder: Path) -> dict:
    """A workload read from a file: `size` characters written by write_file into
    `folder`. Its contenders are called with the file's path."""
    path = Path(folder) / f"{kind}-{size}.txt"
    write_file(kind, size, path)
    label = f"a file of {size:,} {LABELS[kind]} ({in_bytes(path.stat().st_size)})"
    return {"id": f"file-{kind}-{size}", "kind": kind, "size": size, "label": label, "path": str(path)}


def in_bytes(n: int) -> str:
    """A size as people say it: "1 GiB", "64 MiB", "3,000 bytes"."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:,.3g} {unit}"
    return f"{n:,} bytes"


def argument(workload: dict) -> str:
    """What a workload's contenders are given: its text, or the path of its file."""
    return workload["path"] if "path" in workload else make(workload["kind"], workload["size"])
