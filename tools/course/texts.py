"""The inputs of `just race` and `just compare`: the same text for every peer."""

from __future__ import annotations

import random
import string

# Alphabets for text beyond ASCII: 2-, 3- and 4-byte characters in UTF-8.
ALPHABETS = {
    "letters": string.ascii_letters,
    "accented": "aàáâäãeéèêëiíîïoóôöõuúùûücçnñ",
    "cjk": "的一是不了人我在有他这中大来上国个到说们",
    "emoji": "😀😃😄😁😆😅🐍🦀🚀✨",
}

LABELS = {
    "letters": "random ASCII letters",
    "accented": "accented Latin letters",
    "cjk": "Chinese characters",
    "emoji": "emoji",
}


def make(kind: str, size: int) -> str:
    """`size` random characters of one alphabet, the same on every run."""
    return "".join(random.Random(0).choices(ALPHABETS[kind], k=size))


def workload(kind: str, size: int) -> dict:
    return {"id": f"{kind}-{size}", "kind": kind, "size": size, "label": f"{size:,} {LABELS[kind]}"}
