"""Every version of count_doubles that `just race` and `just compare` put side by side.

A peer is a function from str to int, with what it needs done before the clock starts
(`prepare`) and whether it is only meant for ASCII text. The lessons' own functions are
taken from the checkpoints themselves, never copied here.
"""

from __future__ import annotations

import ast
import glob
import importlib.machinery
import importlib.util
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import manifest


@dataclass(frozen=True)
class Peer:
    name: str  # unique, short: the label in tables and charts
    family: str  # python, numpy, numba, rust-debug, rust-release
    run: Callable[[object], int]
    ascii_only: bool = False  # compares bytes: documented as wrong outside ASCII
    prepare: Callable[[str], object] = field(default=lambda text: text)
    note: str = ""


def checkpoint_function(lesson: manifest.Lesson, name: str, namespace: dict | None = None) -> Callable:
    """Compile one function out of a checkpoint's doubles.py, without running the rest."""
    path = lesson.path / "doubles.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    scope = dict(namespace or {})
    exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), scope)
    return scope[name]


def load_extension(site: Path):
    """Import the string_doubles extension built into `site`, whatever else is imported.

    Two builds of the same module (debug and release) can live in one process: each is
    loaded from its own file and neither is registered in sys.modules.
    """
    (path,) = glob.glob(str(site / "string_doubles" / "string_doubles.*.so"))
    loader = importlib.machinery.ExtensionFileLoader("string_doubles", path)
    spec = importlib.util.spec_from_file_location("string_doubles", path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


# --- pure Python -------------------------------------------------------------------


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


def count_doubles_genexpr(val: str) -> int:
    return sum(c1 == c2 for c1, c2 in zip(val, val[1:]))


def count_doubles_tee(val: str) -> int:
    first, second = itertools.tee(val)
    next(second, None)
    return sum(c1 == c2 for c1, c2 in zip(first, second))


DOUBLE = re.compile(r"(?=(.)\1)", re.DOTALL)  # DOTALL: "\n\n" is a double too


def count_doubles_regex(val: str) -> int:
    return len(DOUBLE.findall(val))


# --- numpy and numba -----------------------------------------------------------------


def count_doubles_count_nonzero(val: str) -> int:
    ng = np.frombuffer(val.encode("utf-8"), dtype=np.uint8)
    return int(np.count_nonzero(ng[:-1] == ng[1:]))


def code_points(val: str) -> np.ndarray:
    """One array element per character (UTF-32), so numba compares characters, not bytes."""
    return np.frombuffer(val.encode("utf-32-le"), dtype=np.uint32)


def numba_peers() -> list[Peer]:
    from numba import njit

    @njit(cache=False)
    def count_equal_neighbours(codes):
        total = 0
        for i in range(1, codes.shape[0]):
            if codes[i] == codes[i - 1]:
                total += 1
        return total

    return [
        Peer("numba", "numba", lambda val: count_equal_neighbours(code_points(val)), note="str to array in the timing"),
        Peer("numba (array ready)", "numba", count_equal_neighbours, prepare=code_points, note="array made before"),
    ]


def python_peers() -> list[Peer]:
    lesson1 = manifest.find(1)
    return [
        Peer("python zip loop", "python", checkpoint_function(lesson1, "count_doubles"), note="lesson 1, the oracle"),
        Peer("python single pass", "python", count_doubles_once),
        Peer("python generator", "python", count_doubles_genexpr),
        Peer("python itertools.tee", "python", count_doubles_tee),
        Peer("python regex", "python", count_doubles_regex),
    ]


def numpy_peers() -> list[Peer]:
    numpy_lesson = next(lesson for lesson in manifest.load() if "doubles:count_doubles_numpy" in lesson.verify)
    tutorial = checkpoint_function(numpy_lesson, "count_doubles_numpy", {"np": np})
    return [
        Peer(
            "numpy sum",
            "numpy",
            tutorial,
            ascii_only="doubles:count_doubles_numpy" in manifest.ascii_only(),
            note=f"lesson {numpy_lesson.number}",
        ),
        Peer("numpy count_nonzero", "numpy", count_doubles_count_nonzero, ascii_only=True),
    ]


RUST_FUNCTION = re.compile(r"// ANCHOR: (\w+)\n(.*?)// ANCHOR_END: \1", re.S)


def rust_functions() -> list[tuple[manifest.Lesson, str]]:
    """Each distinct #[pyfunction] of the Rust checkpoints, with the first lesson that has it."""
    seen, out = set(), []
    for lesson in manifest.load():
        if not lesson.has_rust:
            continue
        for name, body in RUST_FUNCTION.findall((lesson.path / "src/lib.rs").read_text()):
            if "#[pyfunction]" in body and (name, body) not in seen:
                seen.add((name, body))
                out.append((lesson, name))
    return out


def rust_peer(lesson: manifest.Lesson, function: str, profile: str, site: Path) -> Peer:
    build = "debug" if profile == "dev" else profile
    return Peer(
        f"rust {function} ({build})",
        f"rust-{build}",
        getattr(load_extension(site), function),
        ascii_only=f"string_doubles:{function}" in manifest.ascii_only(),
        note=f"lesson {lesson.number}, {build} build",
    )
