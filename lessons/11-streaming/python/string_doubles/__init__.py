"""Count doubles (a character followed by the same character) in a str, in bytes, and in
files and streams bigger than memory. The counting is in Rust: the compiled module
``string_doubles._core``; the command ``string-doubles`` is ``string_doubles.cli``."""

from ._core import DoublesCounter, count_doubles, count_doubles_bytes, count_doubles_file

__all__ = ["DoublesCounter", "count_doubles", "count_doubles_bytes", "count_doubles_file"]
