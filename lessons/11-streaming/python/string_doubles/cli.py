"""The command `string-doubles FILE...`: count doubles in files, as `wc` counts lines.

    string-doubles big.txt notes.txt     each file's count, then the total
    cat big.txt | string-doubles -       `-` reads standard input
    string-doubles --bytes data.bin      equal neighbouring bytes, not characters

Installed with the package as a console script (pyproject.toml's [project.scripts]);
`python -m string_doubles.cli` runs the same. Exit status: 0 when every file was
counted, 1 when one could not be (missing, unreadable, not text in its encoding: one
line on standard error each, and the others still counted), 2 for a wrong command
line, 130 after Ctrl-C.
"""

# ANCHOR: imports
from __future__ import annotations

import argparse
import os
import stat
import sys

from tqdm import tqdm

from string_doubles import DoublesCounter, count_doubles_file

PROG = "string-doubles"
CHUNK = 1 << 16  # bytes of standard input read at a time, as count_doubles_file reads a file
# ANCHOR_END: imports


# ANCHOR: arguments
def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Count the places where a character is followed by the same character, "
        "in each FILE and in all of them, with memory that stays small however large they are.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="a file to count; - reads standard input")
    parser.add_argument("--bytes", action="store_true", help="count equal neighbouring bytes, not characters")
    parser.add_argument("--encoding", default="utf-8", help="the files' encoding (default: utf-8)")
    parser.add_argument(
        "--errors",
        default="strict",
        help="what to do with bytes that are not text in the encoding, as bytes.decode() says it: "
        "strict (stop, and report the file), replace, surrogateescape, ... (default: strict)",
    )
    parser.add_argument(
        "--threads",
        type=positive,
        default=None,
        help="threads per count (N of 1 or more). Accepted for scripts that pass it, but a file is "
        "counted on one thread for now: it is read 64 KiB at a time, far below the 4 Mi items "
        "from which count_doubles(threads=...) hands parts to other threads",
    )
    args = parser.parse_args(argv)
    if args.bytes and (args.encoding != "utf-8" or args.errors != "strict"):
        parser.error("--bytes counts bytes: --encoding and --errors are for characters")
    return args


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"needs a whole number of threads, 1 or more, not {text!r}")
    return int(text)
# ANCHOR_END: arguments


# ANCHOR: count
def count(name: str, encoding: str | None, errors: str) -> int:
    """The doubles of one file (`-`: standard input), with a progress bar on standard error
    when it is a terminal (tqdm's disable=None: no bar in a pipe, a log, or a test)."""
    if name == "-":
        size = None
    else:
        info = os.stat(name)  # FileNotFoundError for a missing file, as open() raises
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
    with tqdm(
        total=size, desc=name, unit="B", unit_scale=True, unit_divisor=1024, leave=False, disable=None
    ) as bar:
        progress = None if bar.disable else bar.update
        if name != "-":
            return count_doubles_file(name, encoding=encoding, errors=errors, progress=progress)
        counter = DoublesCounter(encoding=encoding, errors=errors)
        # read1: what has arrived, up to CHUNK bytes, without waiting for a whole chunk.
        while chunk := sys.stdin.buffer.read1(CHUNK):
            counter.update(chunk)
            if progress:
                progress(len(chunk))
        return counter.finish()
# ANCHOR_END: count


# ANCHOR: problem
def problem(name: str, err: Exception) -> str:
    """One line for a file that could not be counted, as `wc` says it."""
    if isinstance(err, UnicodeDecodeError):
        bad = err.object[err.start : err.end]
        at = getattr(err, "position", None)  # where in the file (count_doubles_file's errors say)
        where = f" at byte {at}" if at is not None else f" in position {err.start}"
        return f"{name}: not {err.encoding}: {err.reason}, {bad.hex(' ')}{where}"
    if isinstance(err, OSError) and err.strerror:
        return f"{name}: {err.strerror}"
    return f"{name}: {err}"
# ANCHOR_END: problem


# ANCHOR: main
def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    encoding = None if args.bytes else args.encoding
    # Counts as wide as the widest can be, as wc pads them (a file has at most as many
    # doubles as bytes); one file, or standard input only, needs no padding.
    sizes = [os.stat(name).st_size for name in args.files if name != "-" and os.path.isfile(name)]
    width = len(str(sum(sizes))) if len(args.files) > 1 else 1
    total, failed = 0, False
    try:
        for name in args.files:
            try:
                doubles = count(name, encoding, args.errors)
            except (OSError, ValueError, LookupError) as err:  # UnicodeDecodeError is a ValueError
                print(f"{PROG}: {problem(name, err)}", file=sys.stderr, flush=True)
                failed = True
                continue
            total += doubles
            print(f"{doubles:>{width}} {name}", flush=True)
        if len(args.files) > 1:
            print(f"{total:>{width}} total", flush=True)
    except KeyboardInterrupt:
        # Ctrl-C: the count stopped between two chunks. Exit as a shell reports SIGINT
        # (128 + 2), with no traceback.
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `string-doubles *.txt | head -1`: the reader left. Say nothing more (and let
        # Python's last flush of stdout write nowhere, as its documentation advises).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
# ANCHOR_END: main
