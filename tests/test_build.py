"""What counts as a crate's sources: what a build depends on, so that an edit rebuilds.

These tests read files only: they build nothing.
"""

from __future__ import annotations

from pathlib import Path

from course import build, manifest


def _crate(top: Path, pyproject: str) -> Path:
    for rel in ["Cargo.toml", "src/lib.rs", "core/Cargo.toml", "core/src/lib.rs"]:
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text("")
    (top / "pyproject.toml").write_text(pyproject)
    (top / "python/pkg/__pycache__").mkdir(parents=True)
    for rel in ["python/pkg/__init__.py", "python/pkg/cli.py", "python/pkg/__pycache__/cli.cpython-311.pyc"]:
        (top / rel).write_text("")
    (top / "doubles.py").write_text("")
    return top


def _names(crate: Path) -> set[str]:
    return {path.relative_to(crate).as_posix() for path in build.sources(crate)}


def test_the_python_of_a_mixed_package_is_a_source(tmp_path):
    crate = _crate(tmp_path, '[tool.maturin]\npython-source = "python"\nmodule-name = "pkg._core"\n')
    assert _names(crate) == {
        "Cargo.toml", "src/lib.rs", "core/Cargo.toml", "core/src/lib.rs",
        "python/pkg/__init__.py", "python/pkg/cli.py",
    }  # fmt: skip


def test_without_python_source_only_the_rust_is(tmp_path):
    settings = ['[tool.maturin]\nprofile = "release"\n', "not toml [", '[tool.maturin]\npython-source = "gone"\n']
    for pyproject in settings:
        crate = _crate(tmp_path / str(len(list(tmp_path.iterdir()))), pyproject)
        assert _names(crate) == {"Cargo.toml", "src/lib.rs", "core/Cargo.toml", "core/src/lib.rs"}


def test_a_compiled_module_left_in_the_python_folder_is_no_part_of_a_checkpoint(tmp_path):
    (tmp_path / "python/pkg").mkdir(parents=True)
    (tmp_path / "python/pkg/__init__.py").write_text("")
    (tmp_path / "python/pkg/_core.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    assert set(manifest.read_tree(tmp_path)) == {"python/pkg/__init__.py"}
