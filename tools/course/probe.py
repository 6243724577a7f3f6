"""The program valgrind watches for `just profile`: one call per prepared text.

    python -m course.probe FUNCTION KIND:SIZE [KIND:SIZE ...]

with the string_doubles build to measure first on PYTHONPATH. Every text is made
before the first call and one warm-up call comes first, so that under callgrind,
counting only inside PyO3's entry point (see callgrind.py), each call's count is the
call alone: no start-up, no imports, no making of texts.
"""

from __future__ import annotations

import sys

from . import texts


def main(argv: list[str]) -> int:
    import string_doubles

    function = getattr(string_doubles, argv[0])
    made = []
    for spec in argv[1:]:
        kind, size = spec.split(":")
        made.append(texts.make(kind, int(size)))
    function("warm up")  # any set-up done once, on the first call, happens here
    for text in made:
        function(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
