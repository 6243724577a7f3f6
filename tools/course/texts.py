"""The inputs of `just race` and `just compare`: the same text for every peer."""

from __future__ import annotations

import random
import string

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
