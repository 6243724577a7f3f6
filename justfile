# The 🐍 → 🦀 course. `just` lists the recipes; the README says where to start.

set shell := ["bash", "-euo", "pipefail", "-c"]

venv := env("COURSE_VENV", justfile_directory() / ".venv")
python := venv / "bin/python"
course := python + " -m course"

export CARGO_TARGET_DIR := env("CARGO_TARGET_DIR", justfile_directory() / "target")
export PYTHONPATH := justfile_directory() / "tools"
export PYTHONDONTWRITEBYTECODE := "1"

import "lessons/lessons.just"

[private]
default:
    @just --list --unsorted

# Check out lesson N into the working copy (edits that match no lesson are saved first)
[group('lessons')]
[no-exit-message]
lesson N: _venv
    @{{course}} lesson {{N}}

# Make the working copy the start of lesson N's step, to do it yourself (edits are saved first)
[group('exercises')]
[no-exit-message]
exercise N: _venv
    @{{course}} exercise {{N}}

# Show the diff from your working copy to the finished step you are working toward
[group('exercises')]
[no-exit-message]
solution: _venv
    @{{course}} solution

# Put back a working copy that `just lesson-N` or `just exercise-N` saved (no NAME: list them)
[group('lessons')]
[no-exit-message]
restore NAME="": _venv
    @{{course}} restore {{quote(NAME)}}

# Which lesson the working copy is on, and what you changed
[group('lessons')]
[no-exit-message]
status: _venv
    @{{course}} status

# Show what changed between two lessons' checkpoints, e.g. `just diff 2 3`
[group('lessons')]
[no-exit-message]
diff A B: _venv
    @{{course}} diff {{quote(A)}} {{quote(B)}}

# Build your working copy and check it does what the current lesson asks
[group('your code')]
[no-exit-message]
verify: _venv
    @{{course}} verify

# Run `just verify` again each time you save a file of your working copy (Ctrl-C stops)
[group('your code')]
[no-exit-message]
watch: _venv
    @{{course}} watch

# Build your working copy as its step says, run its benchmarks, compare with your last run
[group('your code')]
[no-exit-message]
[positional-arguments]
bench *ARGS: _venv
    @{{course}} bench "$@"

# Build every checkpoint and run its tests, and the course's own tests (saying why any is skipped)
[group('course')]
[positional-arguments]
test *ARGS: _venv _system-packages
    {{python}} -m pytest tests -rfEs "$@"

# The course's tests that build nothing and start no browser: the tooling's own logic, in seconds
[group('course')]
[positional-arguments]
test-quick *ARGS: _venv
    {{python}} -m pytest tests -m "not slow" -rfEs "$@"

# What `just test` needs from the system (`just doctor --install`). Where it cannot install
# them (not root), it says so and the tests that need them skip, saying why; with CI=true
# those tests fail instead.
[private]
_system-packages:
    -@{{env("COURSE_PYTHON", "python3")}} -m course doctor --install --quiet

# Check that this machine has what the course needs, and say how to install what's missing
# (`just doctor --install` installs the missing system packages: as root, or on macOS)
[group('course')]
[no-exit-message]
[positional-arguments]
doctor *ARGS:
    @{{env("COURSE_PYTHON", "python3")}} -m course doctor "$@"

# Mutation-test the Rust crates lessons name (cargo-mutants): every mutant caught, or listed as equivalent
[group('course')]
[no-exit-message]
[positional-arguments]
mutants *ARGS: _venv
    @{{course}} mutants "$@"

# Rewrite lessons/lessons.just from lessons/lessons.toml
[group('course')]
[no-exit-message]
sync-lessons: _venv
    @{{course}} sync-lessons

# Create .venv and install tools/requirements.txt (again only when that file changes);
# COURSE_PYTHON names another interpreter than python3 to make it with
[private]
_venv:
    @{{env("COURSE_PYTHON", "python3")}} tools/bootstrap.py {{quote(venv)}}

# Build the book and serve it on localhost (prints the address; Ctrl-C stops it)
[group('book')]
[no-exit-message]
book: _venv
    @{{course}} book-serve

# Build the book into book/build without serving it (any warning fails the build)
[group('book')]
[no-exit-message]
book-build: _venv
    @{{course}} book-build

# Race the debug and release builds of the same Rust against the Python loop
[group('measure')]
[no-exit-message]
[positional-arguments]
compare *ARGS: _venv
    @{{course}} compare "$@"

# Race every version on the same inputs, check every answer, chart the results
[group('measure')]
[no-exit-message]
[positional-arguments]
race *ARGS: _venv
    @{{course}} race "$@"

# Profile the lessons' script (py-spy, cProfile), count instructions per call and per character (valgrind)
[group('measure')]
[no-exit-message]
[positional-arguments]
profile *ARGS: _venv
    @{{course}} profile "$@"
