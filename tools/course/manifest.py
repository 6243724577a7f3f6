"""The lesson manifest, lessons/lessons.toml: the one list of lessons.

The file is read once per process and checked as a whole: an unknown key, a missing
one or a value of the wrong type stops every command with a message that names the
key and the lesson, never a KeyError from deep inside a tool. Which keys exist, and
what each must hold, is said once, in LESSON_KEYS and TOP_KEYS below.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import LESSONS_DIR, CourseError, read_toml

MANIFEST = LESSONS_DIR / "lessons.toml"

# Files that running a checkpoint leaves behind; never part of one.
JUNK = {"__pycache__", ".pytest_cache", ".benchmarks", "target", ".hypothesis"}
# ...and the compiled modules `maturin develop` copies into a mixed package's Python folder.
BUILT = {".so", ".pyd"}

# "module:function": a function of doubles.py or of the Rust module string_doubles,
# optionally with keyword arguments it is called with, each a Python literal:
# "string_doubles:count_doubles(option=3, other='x')" (parse_call reads them).
_KEYWORDS = r"(\(\s*\w+\s*=[^,()]+(,\s*\w+\s*=[^,()]+)*\))?"
FUNCTION = re.compile(rf"(doubles|string_doubles):\w+{_KEYWORDS}")
RUST_FUNCTION = re.compile(rf"string_doubles:\w+{_KEYWORDS}")
# A function called with one keyword swept over whole numbers: "string_doubles:f(threads=N)".
SCALING = re.compile(r"string_doubles:(\w+)\((\w+)=N\)")
# The checks a lesson's `verify` may name besides functions, each with what it checks.
# check.py registers one check for each name (@check): tests/test_manifest.py holds that
# the two lists agree, and this module imports no check.
CHECKS = {
    "release-build": "pyproject.toml asks maturin for a release build",
    "line-tables": "the release builds of the working copy's crates keep line tables, for the profilers",
    "vectorized": "each Rust function costs under a few machine instructions per character of ASCII text",
}
# The kinds of input a lesson's `benchmarks` may ask a benchmark to time a function on:
# text beyond ASCII (a str with a character past U+007F), and a tiny input (at most 16
# items: the cost of a call itself).
BENCHMARK_KINDS = ("text beyond ASCII", "a tiny input")
# The measured reports a chapter may show (book/src/results/NAME.md; results.REPORTS
# says which recipe makes each).
REPORT = re.compile(r"[a-z][a-z-]*")
SCALING_REPORT = "scaling"  # the report of a lesson's `scaling`, written by `just race`
# What a lesson's target is judged on (race.py): the race's input, the sweep's smallest
# input, or each text beyond ASCII against ASCII letters of the same length, per byte of
# CPython's storage (the function against itself: no `versus`).
# Or "large", one text of the race's --large-size characters (64 MiB by default), and
# "large in threads", the same text cut into several, each counted from a thread of a
# Python thread pool at the same time: on these two only the target's own versions run.
# Or "large file", a file of the race's --file-size characters (1 GiB by default) that
# the target's versions are called with the path of, beside `wc -l` ("reference-wc-l").
TARGET_WORKLOADS = ("race", "smallest", "per byte beyond ascii", "large", "large in threads", "large file")
LARGE_WORKLOADS = ("large", "large in threads", "large file")
# What a target measures: "time", over its versus's; or "peak memory", the most a fresh
# process that counts the input once holds, in MB (10^6 bytes), on a large workload.
TARGET_MEASURES = ("time", "peak memory")
# The roles the original tutorial's claims are about (report.CLAIMS judges each claim on
# the versions playing its two roles). The oracle always plays "python"; a lesson gives
# each other role to one of its versions, in `roles`. tests/test_measure.py holds that
# the claims name no other role.
ROLES = ("debug", "release", "numpy", "bytes")
# Who plays a role: a Rust function of the lesson's `contenders` in one build, or a
# function of its doubles.py that it verifies.
PLAYER = re.compile(rf"{RUST_FUNCTION.pattern} (debug|release)|doubles:\w+")
# The report `just compare` writes: it builds the Rust function of the first lesson that
# lists it in `reports`, in debug and in release.
COMPARE_REPORT = "compare"


@dataclass(frozen=True)
class Key:
    """One key of the manifest: the type its value must have, and its default if optional."""

    # "int", "number", "bool", "str", "text" (a str, stripped), "list of str", "table of str"
    # (names to strings, kept as (name, string) pairs in order), "tables"
    kind: str
    required: bool = True
    default: Any = None
    pattern: re.Pattern | None = None  # what each string must look like ("str", "list of str", "table of str")


# Every key a [[lesson]] table may have. Add a key here (and to Lesson) to add one.
LESSON_KEYS = {
    "number": Key("int"),
    "dir": Key("str"),
    "title": Key("str"),
    "verify": Key("list of str", pattern=re.compile(rf"{FUNCTION.pattern}|{'|'.join(re.escape(c) for c in CHECKS)}")),
    "hint": Key("text"),
    # The Rust functions whose speed this lesson's step changes: `just race` builds each from
    # this lesson's checkpoint, in debug and in release, and races both.
    "contenders": Key("list of str", required=False, default=(), pattern=RUST_FUNCTION),
    # where `just exercise-N` starts, a folder under lessons/ ("": the previous checkpoint)
    "start": Key("str", required=False, default=""),
    # The kinds of input the step promises to handle, each of which `just verify` tries
    # (check.py): "str", every str (lone surrogates and look-alike characters too, and no
    # UTF-8 copy left inside it); "bytes-like", bytes, bytearray, memoryview and numpy
    # arrays (strided views too), and a TypeError that says what it takes for the rest
    "every_input": Key("list of str", required=False, default=(), pattern=re.compile(r"str|bytes-like")),
    # A length, in items, from which the step's functions count another way (on several
    # threads, say): `just verify` adds long inputs just past it (check.py). 0: none.
    "cut_over": Key("int", required=False, default=0),
    # Files the step adds that no other check reads (core/Cargo.toml, core/src/lib.rs): each must
    # be in the working copy.
    "required_files": Key("list of str", required=False, default=()),
    # Commands the chapter runs, "script.py --option value": each must run with the
    # course's Python in the working copy, exit 0 and print something.
    "runs": Key("list of str", required=False, default=(), pattern=re.compile(r"[\w./-]+\.py( .*)?")),
    # Commands of `runs` whose counts must be the Python loop's: each must print the same
    # with every Rust function the lesson verifies replaced by the oracle (check.py).
    "runs_agree": Key("list of str", required=False, default=()),
    # Functions ("module:function") that doubles.py's property tests (hypothesis' @given)
    # must call: the step's tests, not only its code.
    "property_tests": Key("list of str", required=False, default=(), pattern=FUNCTION),
    # Benchmarks the step adds on a kind of input, "module:function on KIND" (KINDS below).
    "benchmarks": Key(
        "list of str",
        required=False,
        default=(),
        pattern=re.compile(rf"{FUNCTION.pattern} on ({'|'.join(re.escape(k) for k in BENCHMARK_KINDS)})"),
    ),
    # Functions that must not copy what they are given: one call on a million ASCII
    # characters may allocate only a fraction of that (tracemalloc counts).
    "no_copy": Key("list of str", required=False, default=(), pattern=FUNCTION),
    # Cargo features of the working copy's crate that each force a kernel this processor
    # would not choose (for example the portable one on a processor with AVX2): verify
    # builds the crate with each one too and checks the answers of that build.
    "kernel_features": Key("list of str", required=False, default=(), pattern=re.compile(r"[\w-]+")),
    # `cargo test` runs the chapter asks for, each as its arguments ("-p doubles-core"):
    # verify runs them in the working copy, and each must pass.
    "cargo_tests": Key("list of str", required=False, default=()),
    # The measured reports (book/src/results/NAME.md) this lesson's chapter shows, each
    # included in the chapter or linked to the chapter that includes it. `just compare`
    # builds the one Rust function of the first lesson that lists "compare" (COMPARE_REPORT).
    "reports": Key("list of str", required=False, default=(), pattern=REPORT),
    # A function of this lesson's whose speed `just race` draws against a keyword's value,
    # "string_doubles:count_doubles(threads=N)": its release build on the large text with
    # N = 1, 2, 4, ... up to the machine's cores (race.py), in the report "scaling". "": none.
    "scaling": Key("str", required=False, default="", pattern=SCALING),
    # The roles of the original tutorial's claims (ROLES) this lesson's versions play, each
    # role = "string_doubles:function BUILD" (a contender, in the debug or release build)
    # or "doubles:function" (a function it verifies): `just race` judges the claims on them.
    "roles": Key("table of str", required=False, default=(), pattern=PLAYER),
    # Evidence `just profile` makes from this checkpoint, each a list of Rust functions:
    # their release machine code's innermost loop (machine-code.md); their instructions
    # per call and per character, counted by callgrind in each build (instructions.md);
    # where the instructions of one call go, function by function (instructions.md).
    "machine_code": Key("list of str", required=False, default=(), pattern=RUST_FUNCTION),
    "instructions": Key("list of str", required=False, default=(), pattern=RUST_FUNCTION),
    "call_breakdown": Key("list of str", required=False, default=(), pattern=RUST_FUNCTION),
    # A script of this checkpoint, run as `SCRIPT --lines N`, that `just profile` samples
    # with py-spy and runs under cProfile (profile.md); at most one lesson has one.
    "profile_script": Key("str", required=False, default="", pattern=re.compile(r"[\w./-]+\.py")),
    # The speed goals `just race` judges for this lesson's release build ([[lesson.target]],
    # TARGET_KEYS below).
    "target": Key("tables", required=False, default=()),
    # The checkpoint's crate that `just mutants` runs cargo-mutants over, as its folder
    # ("core"): every mutant must be caught by the crate's tests, or be listed with its
    # reason in lessons/equivalent-mutants.toml (see mutants.py). "": none.
    "mutants": Key("str", required=False, default=""),
}

# Every key of a [[lesson.target]]: a goal for this lesson's release build of `function`,
# met where time(function) / time(versus) is at most `at_most` (0.2: at least 5x faster)
# on `workload` (TARGET_WORKLOADS), the whole 95% interval inside.
TARGET_KEYS = {
    "claim": Key("str"),  # the goal in words, after "lesson N's FUNCTION: "
    "function": Key("str", pattern=RUST_FUNCTION),
    # a contender's id in the race, or a function of this lesson's as `function` names one
    "versus": Key("str", required=False, default=""),
    "at_most": Key("number"),
    "workload": Key("str", pattern=re.compile("|".join(re.escape(w) for w in TARGET_WORKLOADS))),
    # "time" (at_most: a ratio of times) or "peak memory" (at_most: MB; no versus)
    "measure": Key("str", required=False, default="time", pattern=re.compile("|".join(TARGET_MEASURES))),
}

# Every key at the top of the file.
TOP_KEYS = {
    # "DIR:function": the function of that checkpoint's doubles.py every answer is checked against
    "oracle": Key("str", pattern=re.compile(r"[\w.-]+:\w+")),
    "ascii_only": Key("list of str", pattern=FUNCTION),
    "lesson": Key("tables"),
}


@dataclass(frozen=True)
class Target:
    """A speed goal of a lesson's (TARGET_KEYS says what each field holds)."""

    claim: str
    function: str
    at_most: float
    workload: str
    versus: str = ""
    measure: str = "time"


@dataclass(frozen=True)
class Lesson:
    number: int
    dir: str
    title: str
    verify: tuple[str, ...]
    hint: str
    contenders: tuple[str, ...] = ()
    start: str = ""  # the exercise's start state, a folder under lessons/; "" = the previous checkpoint
    every_input: tuple[str, ...] = ()  # "str", "bytes-like": the inputs verify tries beyond ASCII text
    cut_over: int = 0  # verify's long inputs go just past it
    required_files: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    runs_agree: tuple[str, ...] = ()
    property_tests: tuple[str, ...] = ()
    benchmarks: tuple[str, ...] = ()
    no_copy: tuple[str, ...] = ()
    kernel_features: tuple[str, ...] = ()
    cargo_tests: tuple[str, ...] = ()
    reports: tuple[str, ...] = ()
    scaling: str = ""  # "string_doubles:function(keyword=N)": swept by `just race`
    roles: tuple[tuple[str, str], ...] = ()  # (role, who plays it), in the manifest's order
    machine_code: tuple[str, ...] = ()
    instructions: tuple[str, ...] = ()
    call_breakdown: tuple[str, ...] = ()
    profile_script: str = ""
    target: tuple[Target, ...] = ()
    mutants: str = ""  # the crate folder cargo-mutants mutates ("": none)

    @property
    def path(self) -> Path:
        return LESSONS_DIR / self.dir

    @property
    def has_rust(self) -> bool:
        return (self.path / "Cargo.toml").is_file()

    @property
    def rust_functions(self) -> list[str]:
        """The functions of the Rust module its `verify` names, without the module."""
        return [item.split(":")[1] for item in self.verify if RUST_FUNCTION.fullmatch(item)]

    def files(self) -> dict[str, bytes]:
        """The checkpoint's files, by path relative to the checkpoint."""
        return read_tree(self.path)

    def start_files(self) -> dict[str, bytes]:
        """Where `just exercise-N` starts: the previous checkpoint, or the lesson's `start` folder."""
        if self.start:
            return read_tree(LESSONS_DIR / self.start)
        return find(self.number - 1).files()

    def python_function(self, name: str, namespace: dict | None = None):
        """Compile one function out of the checkpoint's doubles.py, without running the rest
        (its imports, its benchmark input): the manifest's `oracle` is one."""
        path = self.path / "doubles.py"
        tree = ast.parse(path.read_text(), filename=str(path))
        (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
        scope = dict(namespace or {})
        exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), scope)
        return scope[name]

    def __str__(self) -> str:
        return f"lesson {self.number} ({self.dir}): {self.title}"


@dataclass(frozen=True)
class Manifest:
    lessons: tuple[Lesson, ...]
    ascii_only: frozenset[str]
    oracle: tuple[str, str]  # (the lesson's dir, the function of its doubles.py)


def read_tree(top: Path) -> dict[str, bytes]:
    out = {}
    for path in sorted(top.rglob("*")):
        rel = path.relative_to(top)
        if path.is_file() and not JUNK.intersection(rel.parts) and path.suffix not in BUILT:
            out[rel.as_posix()] = path.read_bytes()
    return out


# --- reading and checking the file ---------------------------------------------------

_TYPES = {"int": int, "number": (int, float), "bool": bool, "str": str, "text": str, "list of str": list,
          "table of str": dict, "tables": list}  # fmt: skip


def _value(key: Key, value: Any, where: str) -> Any:
    """The value, checked against its Key; `where` names it in an error."""
    expected = _TYPES[key.kind]
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        raise CourseError(f"{where} must be {_described(key.kind)}, not {value!r}")
    if key.kind == "str" and key.pattern and not key.pattern.fullmatch(value):
        raise CourseError(f'{where} must be a string like "{key.pattern.pattern}", not {value!r}')
    if key.kind == "list of str":
        for item in value:
            if not isinstance(item, str) or (key.pattern and not key.pattern.fullmatch(item)):
                shape = f' like "{key.pattern.pattern}"' if key.pattern else ""
                raise CourseError(f"{where} must list strings{shape}; {item!r} is not one")
        return tuple(value)
    if key.kind == "table of str":
        for name, item in value.items():
            if not isinstance(item, str) or (key.pattern and not key.pattern.fullmatch(item)):
                shape = f' like "{key.pattern.pattern}"' if key.pattern else ""
                raise CourseError(f"{where} must map each name to a string{shape}; {name} = {item!r} does not")
        return tuple(value.items())
    if key.kind == "tables" and not all(isinstance(item, dict) for item in value):
        raise CourseError(f"{where} must be a list of tables, one [[...]] each")
    return value.strip() if key.kind == "text" else value


def _described(kind: str) -> str:
    return {
        "int": "a whole number",
        "number": "a number",
        "bool": "true or false",
        "str": "a string",
        "text": "a string",
        "list of str": "a list of strings",
        "table of str": "a table of strings",
        "tables": "a list of tables",
    }[kind]


def _checked(table: dict, keys: dict[str, Key], where: str) -> dict[str, Any]:
    unknown = sorted(set(table) - set(keys))
    if unknown:
        known = ", ".join(keys)
        raise CourseError(f"{where} has an unknown key {unknown[0]!r} (the keys are: {known})")
    out = {}
    for name, key in keys.items():
        if name in table:
            out[name] = _value(key, table[name], f"{where}: {name!r}")
        elif key.required:
            raise CourseError(f"{where} is missing the key {name!r}")
        else:
            out[name] = key.default
    return out


def parse(data: dict, source: str = "lessons/lessons.toml") -> Manifest:
    """Check the manifest's contents as a whole; raise CourseError naming the first bad key."""
    top = _checked(data, TOP_KEYS, source)
    lessons = []
    for i, entry in enumerate(top["lesson"], start=1):
        label = entry.get("number", f"#{i}") if isinstance(entry, dict) else f"#{i}"
        where = f"{source}, lesson {label}"
        fields = _checked(entry, LESSON_KEYS, where)
        fields["target"] = tuple(_target(table, f"{where}, target {j}") for j, table in
                                 enumerate(fields["target"], start=1))  # fmt: skip
        for item in fields["verify"]:
            try:
                parse_call(item)  # keyword arguments that are not literals stop here, said once
            except CourseError as err:
                raise CourseError(f"{where}: 'verify': {err}") from None
        if bool(fields["scaling"]) != (SCALING_REPORT in fields["reports"]):
            raise CourseError(f"{where}: a lesson with 'scaling' lists {SCALING_REPORT!r} in its 'reports', "
                              "which shows it, and only such a lesson does")  # fmt: skip
        lessons.append(Lesson(**fields))
    numbers = [lesson.number for lesson in lessons]
    if len(set(numbers)) != len(numbers):
        raise CourseError(f"{source}: two lessons have the same number ({sorted(numbers)})")
    compared = [lesson for lesson in lessons if COMPARE_REPORT in lesson.reports]
    if compared and len(compared[0].rust_functions) != 1:
        raise CourseError(
            f"{source}, lesson {compared[0].number}: its 'reports' list {COMPARE_REPORT!r}, which builds the one "
            f"Rust function its 'verify' names, and it names {len(compared[0].rust_functions)}"
        )
    _check_roles(lessons, source)
    for lesson in lessons:
        for command in lesson.runs_agree:
            if command not in lesson.runs:
                raise CourseError(f"{source}, lesson {lesson.number}: 'runs_agree' names {command!r}, which is "
                                  "not in its 'runs'")  # fmt: skip
    scripts = [lesson.number for lesson in lessons if lesson.profile_script]
    if len(scripts) > 1:
        raise CourseError(f"{source}: only one lesson may have a 'profile_script' (lessons {scripts} do)")
    oracle_dir, _, oracle_function = top["oracle"].partition(":")
    if oracle_dir not in {lesson.dir for lesson in lessons}:
        raise CourseError(f"{source}: 'oracle' is {top['oracle']!r}, and no lesson has the folder {oracle_dir!r}")
    return Manifest(
        lessons=tuple(sorted(lessons, key=lambda lesson: lesson.number)),
        ascii_only=frozenset(top["ascii_only"]),
        oracle=(oracle_dir, oracle_function),
    )


def _check_roles(lessons: list[Lesson], source: str) -> None:
    """Each role is a known one, played once, by a version of the lesson that gives it."""
    seen = {}
    for lesson in lessons:
        where = f"{source}, lesson {lesson.number}: 'roles'"
        for role, player in lesson.roles:
            if role not in ROLES:
                raise CourseError(
                    f"{where} gives {role!r}, which no claim is about (the roles are: {', '.join(ROLES)})"
                )
            if role in seen:
                raise CourseError(f"{where} gives {role!r}, which lesson {seen[role]} gives too")
            seen[role] = lesson.number
            function = player.split(" ")[0]
            owned = lesson.contenders if function.startswith("string_doubles:") else lesson.verify
            if function not in owned:
                key = "contenders" if function.startswith("string_doubles:") else "verify"
                raise CourseError(f"{where} gives {role!r} to {function}, which is not in its {key!r}")


def _target(table: dict, where: str) -> Target:
    target = Target(**_checked(table, TARGET_KEYS, where))
    if target.versus.startswith("string_doubles:") and not RUST_FUNCTION.fullmatch(target.versus):
        raise CourseError(f"{where}: 'versus' must be a contender's id or a call like \"{RUST_FUNCTION.pattern}\"")
    large = f"{', '.join(LARGE_WORKLOADS[:-1])} or {LARGE_WORKLOADS[-1]}"
    if "(" in target.function + target.versus and target.workload not in LARGE_WORKLOADS:
        raise CourseError(f"{where}: a call with keyword arguments is raced on {large} only")
    if target.measure == "peak memory":
        if target.versus or target.workload not in LARGE_WORKLOADS:
            raise CourseError(f"{where}: a target on peak memory has no 'versus', and is measured on {large}")
        return target
    if (target.workload == "per byte beyond ascii") == bool(target.versus):
        raise CourseError(
            f"{where}: 'versus' names the contender to compare with on every workload but "
            '"per byte beyond ascii", where the function is compared with itself on ASCII letters'
        )
    return target


@functools.cache
def manifest() -> Manifest:
    """lessons/lessons.toml, read and checked once per process."""
    return parse(read_toml(MANIFEST, f"{MANIFEST} is missing: it lists the lessons."))


# --- what the tools ask of it ------------------------------------------------------


def parse_call(item: str) -> tuple[str, str, dict[str, Any]]:
    """(module, function, keyword arguments) of a "module:function" item of the manifest,
    "module:function(name=literal, ...)" included; raises CourseError for one whose
    arguments are not keywords with Python literals."""
    head, _, arguments = item.partition("(")
    module, _, function = head.partition(":")
    if not arguments:
        return module, function, {}
    try:
        call = ast.parse(f"f({arguments}", mode="eval").body
        if not isinstance(call, ast.Call) or call.args:
            raise ValueError("only keyword arguments")
        keywords = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
        if None in keywords:
            raise ValueError("no **")
    except (SyntaxError, ValueError) as err:
        raise CourseError(f"{item!r}: the arguments must be name=literal, ... ({err})") from None
    return module, function, keywords


def function_of(item: str) -> str:
    """The "module:function" an item names, without the keyword arguments it may add."""
    module, function, _ = parse_call(item)
    return f"{module}:{function}"


def load() -> list[Lesson]:
    return list(manifest().lessons)


def ascii_only() -> set[str]:
    """The functions ("module:function") that compare bytes: right for ASCII text only."""
    return set(manifest().ascii_only)


def scaling_calls(lesson: Lesson, counts: list[int]) -> list[tuple[int, str]]:
    """(N, "function(keyword=N)") for each N of `counts`, from the lesson's `scaling`."""
    function, keyword = SCALING.fullmatch(lesson.scaling).groups()
    return [(n, f"{function}({keyword}={n})") for n in counts]


def compares_bytes(item: str) -> bool:
    """Whether the function an item names ("module:function", keyword arguments or not)
    compares bytes: the manifest lists it in `ascii_only`."""
    return function_of(item) in ascii_only()


def oracle():
    """The function every answer is checked against (the manifest's `oracle`), compiled
    out of its checkpoint's doubles.py."""
    return oracle_lesson().python_function(manifest().oracle[1])


def oracle_lesson() -> Lesson:
    """The lesson whose doubles.py holds the oracle."""
    folder, _ = manifest().oracle
    return next(lesson for lesson in load() if lesson.dir == folder)


def compare_lesson() -> Lesson:
    """The lesson whose Rust function `just compare` builds in debug and in release: the
    first that lists its report in `reports` (parse checks it verifies one Rust function)."""
    found = next((lesson for lesson in load() if COMPARE_REPORT in lesson.reports), None)
    if found is None:
        raise CourseError(f"No lesson lists {COMPARE_REPORT!r} in its 'reports' (lessons/lessons.toml): "
                          "`just compare` builds that lesson's Rust.")  # fmt: skip
    return found


def python_functions() -> list[tuple[Lesson, str]]:
    """(lesson, function) for every function of doubles.py a lesson verifies, other than the
    oracle's, from the first lesson that verifies it; measure.doubles_contenders makes the
    race's Contenders of them."""
    seen, out = set(), []
    for lesson in load():
        for item in lesson.verify:
            module, _, function = item.partition(":")
            if module == "doubles" and function != manifest().oracle[1] and function not in seen:
                seen.add(function)
                out.append((lesson, function))
    return out


def contender_functions() -> list[tuple[Lesson, str]]:
    """(lesson, function) for every Rust function a lesson introduces or changes (its
    `contenders`), in order; measure.rust_contenders makes the race's Contenders of them."""
    return [(lesson, item.split(":")[1]) for lesson in load() for item in lesson.contenders]


def listing(lessons: list[Lesson]) -> str:
    return "\n".join(
        f"  just lesson-{lesson.number} / just exercise-{lesson.number}   {lesson.title}" for lesson in lessons
    )


def find(number: str | int) -> Lesson:
    lessons = load()
    for lesson in lessons:
        if str(number).strip().isdigit() and int(number) == lesson.number:
            return lesson
    raise CourseError(f"There is no lesson {number!r}. The lessons are:\n{listing(lessons)}")


def justfile_recipes(lessons: list[Lesson]) -> str:
    """The text of lessons/lessons.just: `lesson-N` and `exercise-N` recipes for each lesson."""
    lines = [
        "# Generated from lessons/lessons.toml by `just sync-lessons`; do not edit.",
        "# tests/test_manifest.py fails when this file and the manifest disagree.",
    ]
    for lesson in lessons:
        first = lesson == lessons[0]
        lines += [
            "",
            f"# Lesson {lesson.number}: {lesson.title}",
            "[group('lessons')]",
            f'lesson-{lesson.number}: (lesson "{lesson.number}")',
            "",
            f"# Exercise {lesson.number}: start the step yourself, from where lesson {lesson.number - 1} ends"
            if not first
            else f"# Exercise {lesson.number}: start the course yourself, from a doubles.py to fill in",
            "[group('exercises')]",
            f'exercise-{lesson.number}: (exercise "{lesson.number}")',
        ]
    return "\n".join(lines) + "\n"
