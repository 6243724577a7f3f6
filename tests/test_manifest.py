"""The course checks itself: the manifest, the checkpoints and the pins agree."""

import re
import tomllib

import pytest

from conftest import ROOT
from course import manifest

LESSONS = manifest.load()


def test_every_lesson_folder_is_listed_and_every_listed_one_exists():
    on_disk = {p.name for p in (ROOT / "lessons").iterdir() if p.is_dir()}
    listed = {lesson.dir for lesson in LESSONS}
    starts = {lesson.start.split("/")[0] for lesson in LESSONS if lesson.start}
    assert on_disk == listed | starts
    for lesson in LESSONS:
        assert (lesson.path / "doubles.py").is_file(), lesson
        if lesson.start:
            assert (ROOT / "lessons" / lesson.start / "doubles.py").is_file(), lesson


def test_lessons_are_numbered_one_by_one_in_folder_order():
    assert [lesson.number for lesson in LESSONS] == list(range(1, len(LESSONS) + 1))
    for lesson in LESSONS:
        assert lesson.dir.startswith(f"{lesson.number:02d}-"), lesson.dir


@pytest.mark.parametrize("lesson", LESSONS, ids=str)
def test_each_lesson_has_a_title_a_hint_and_checks(lesson):
    assert lesson.title and lesson.hint
    assert "doubles:count_doubles" in lesson.verify
    for item in lesson.verify:
        assert item in manifest.CHECKS or manifest.FUNCTION.fullmatch(item), item
        if item in manifest.CHECKS:
            continue
        module, function, keywords = manifest.parse_call(item)
        if module == "string_doubles":
            source = (lesson.path / "src/lib.rs").read_text()
            assert lesson.has_rust and f"fn {function}(" in source
            for name in keywords:  # a keyword the function's #[pyo3(signature = ...)] takes
                assert re.search(rf"signature = \([^)]*\b{name}\b", source), (item, name)
        if module == "doubles":
            assert f"def {function}(" in (lesson.path / "doubles.py").read_text()


def test_verify_runs_one_registered_check_for_each_name_the_manifest_allows():
    from course import check

    served = [entry.serves for entry in check.REGISTRY]
    assert len(set(served)) == len(served), "a check is registered twice"
    assert {name for name in served if name in manifest.CHECKS} == set(manifest.CHECKS)
    for name in served:
        assert name in manifest.CHECKS or name in manifest.LESSON_KEYS or name == check.EVERY_LESSON, name
    orders = [entry.order for entry in check.REGISTRY]
    assert len(set(orders)) == len(orders), "two checks share an order"
    with pytest.raises(ValueError, match="not a name of manifest.CHECKS"):
        check.check("no-such-check", 1)


def test_lessons_just_is_generated_from_the_manifest():
    assert (ROOT / "lessons/lessons.just").read_text() == manifest.justfile_recipes(LESSONS), "run `just sync-lessons`"


def test_unknown_lessons_are_refused_with_the_list():
    for bad in ["0", "99", "two", ""]:
        with pytest.raises(manifest.CourseError, match="There is no lesson") as err:
            manifest.find(bad)
        assert "just lesson-1" in str(err.value)


def _pins(requirements):
    return dict(re.fullmatch(r"([\w.-]+)==([\w.]+)", req.strip()).groups() for req in requirements)


def test_lesson_pins_match_the_course_requirements():
    course = _pins(
        line for line in (ROOT / "tools/requirements.txt").read_text().splitlines() if line and line[0] != "#"
    )
    for lesson in LESSONS:
        with (lesson.path / "pyproject.toml").open("rb") as f:
            dev = tomllib.load(f)["dependency-groups"]["dev"]
        for name, version in _pins(dev).items():
            assert course.get(name) == version, f"{lesson.dir} pins {name}=={version}"


def test_rust_checkpoints_lock_the_same_versions():
    """Every package two checkpoints both use is locked at one version: the shared target
    folder then compiles PyO3 once per profile for the whole course. (From lesson 6 on,
    a checkpoint adds packages of its own: its core crate, proptest for its tests.)"""
    versions: dict[str, dict[str, str]] = {}
    for lesson in LESSONS:
        if lesson.has_rust:
            with (lesson.path / "Cargo.lock").open("rb") as f:
                for package in tomllib.load(f)["package"]:
                    versions.setdefault(package["name"], {})[lesson.dir] = package["version"]
    assert "pyo3" in versions
    for name, by_lesson in versions.items():
        assert len(set(by_lesson.values())) == 1, f"{name} is locked at different versions: {by_lesson}"


def test_ascii_only_functions_exist():
    every = {item for lesson in LESSONS for item in lesson.verify}
    assert manifest.ascii_only() <= every


def test_checkpoints_carry_no_build_output():
    for lesson in LESSONS:
        for rel in lesson.files():
            assert not rel.endswith((".so", ".pyc", ".whl")), f"{lesson.dir}/{rel}"


def test_bootstrap_installs_what_the_working_copy_declares_beyond_the_pins(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "tools/bootstrap.py")
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    monkeypatch.setattr(bootstrap, "ROOT", tmp_path)
    assert bootstrap.declared_by_working_copy() == []  # no pyproject.toml: nothing more
    for lesson in LESSONS:
        (tmp_path / "pyproject.toml").write_bytes((lesson.path / "pyproject.toml").read_bytes())
        assert bootstrap.declared_by_working_copy() == [], lesson.dir
    (tmp_path / "pyproject.toml").write_text('[dependency-groups]\ndev = ["pytest==9.2.0", "pandas>=2"]\n')
    assert bootstrap.declared_by_working_copy() == ["pandas>=2"]
    for broken in [b"[dependency-groups\n", b"# caf\xe9\n"]:
        (tmp_path / "pyproject.toml").write_bytes(broken)
        assert bootstrap.declared_by_working_copy() == []  # a broken file is reported, not fatal


# --- the manifest is checked as a whole, with a message that names the bad key ----------


def _raw():
    with manifest.MANIFEST.open("rb") as f:
        return tomllib.load(f)


def _lesson(data, number):
    return next(entry for entry in data["lesson"] if entry["number"] == number)


def _edit_unknown_lesson_key(data):
    _lesson(data, 2)["contender"] = ["string_doubles:count_doubles"]


def _edit_missing_key(data):
    del _lesson(data, 3)["title"]


def _edit_wrong_type(data):
    _lesson(data, 4)["number"] = "4"


def _edit_bad_contender(data):
    _lesson(data, 5)["contenders"] = ["count_doubles_bytes"]


def _edit_bad_verify(data):
    _lesson(data, 1)["verify"] = ["doubles.count_doubles"]


def _edit_unknown_top_key(data):
    data["comapre"] = {"lesson": 3}  # a misspelt key of any kind


def _compared(data):
    """The entry of the lesson `just compare` builds: the first that lists its report."""
    return next(entry for entry in data["lesson"] if manifest.COMPARE_REPORT in entry.get("reports", []))


def _edit_compare_two_functions(data):
    _compared(data)["verify"].append("string_doubles:count_doubles_twice")


def _players(data):
    return next(entry for entry in data["lesson"] if entry.get("roles"))


def _edit_unknown_role(data):
    _players(data)["roles"]["fastest"] = _players(data)["roles"].popitem()[1]


def _edit_role_given_twice(data):
    first, second = [entry for entry in data["lesson"] if entry.get("roles")][:2]
    second["roles"].update(first["roles"])


def _edit_role_played_by_a_stranger(data):
    role = next(iter(_players(data)["roles"]))
    _players(data)["roles"][role] = "string_doubles:count_nothing release"


def _edit_role_without_a_build(data):
    role, player = next((r, p) for r, p in _players(data)["roles"].items() if p.startswith("string_doubles:"))
    _players(data)["roles"][role] = player.split(" ")[0]


def _edit_bad_oracle(data):
    data["oracle"] = "99-nowhere:count_doubles"


def _edit_target_without_versus(data):
    target = _targets(data)[0]
    target["workload"] = "race"
    target.pop("versus", None)


def _edit_target_bound_of_wrong_type(data):
    _targets(data)[0]["at_most"] = "5x"


def _edit_target_unknown_workload(data):
    _targets(data)[0]["workload"] = "everywhere"


def _edit_target_call_on_the_race(data):
    target = _targets(data)[0]
    target["function"] += "(threads=1)"
    target["workload"] = "race"


def _edit_memory_target_with_versus(data):
    target = _targets(data)[0]
    target["measure"] = "peak memory"
    target["workload"] = "large file"


def _edit_memory_target_on_the_race(data):
    target = _targets(data)[0]
    target["measure"] = "peak memory"
    target.pop("versus", None)


def _edit_scaling_without_its_report(data):
    _lesson(data, 2)["scaling"] = "string_doubles:count_doubles(threads=N)"


def _edit_scaling_report_without_scaling(data):
    _lesson(data, 2)["reports"] = ["scaling"]


def _edit_scaling_with_a_number(data):
    entry = _lesson(data, 2)
    entry["scaling"], entry["reports"] = "string_doubles:count_doubles(threads=2)", ["scaling"]


def _edit_target_unknown_measure(data):
    _targets(data)[0]["measure"] = "energy"


def _edit_two_profile_scripts(data):
    for entry in data["lesson"][:2]:
        entry["profile_script"] = "analyse.py"


def _edit_bad_report_name(data):
    _lesson(data, 3)["reports"] = ["Compare.md"]


def _edit_verify_keyword_not_a_literal(data):
    _lesson(data, 2)["verify"] = ["doubles:count_doubles", "string_doubles:count_doubles(option=os.sep)"]


def _targets(data):
    return next(entry["target"] for entry in data["lesson"] if entry.get("target"))


BAD_EDITS = {
    "unknown lesson key": (_edit_unknown_lesson_key, "lesson 2 has an unknown key 'contender'"),
    "missing key": (_edit_missing_key, "lesson 3 is missing the key 'title'"),
    "wrong type": (_edit_wrong_type, "lesson 4: 'number' must be a whole number, not '4'"),
    "bad contender": (_edit_bad_contender, "lesson 5: 'contenders' must list strings like"),
    "bad verify item": (_edit_bad_verify, "lesson 1: 'verify' must list strings like"),
    "unknown top-level key": (_edit_unknown_top_key, "has an unknown key 'comapre'"),
    "compare builds two functions": (_edit_compare_two_functions, "builds the one Rust function its 'verify' names"),
    "unknown role": (_edit_unknown_role, "'roles' gives 'fastest', which no claim is about"),
    "role given twice": (_edit_role_given_twice, "which lesson"),
    "role played by a stranger": (_edit_role_played_by_a_stranger, "string_doubles:count_nothing, which is not in"),
    "role without a build": (_edit_role_without_a_build, "'roles' must map each name to a string like"),
    "oracle names no lesson": (_edit_bad_oracle, "'oracle' is '99-nowhere:count_doubles', and no lesson has"),
    "target without versus": (_edit_target_without_versus, ", target 1: 'versus' names the contender"),
    "target bound not a number": (_edit_target_bound_of_wrong_type, "target 1: 'at_most' must be a number, not '5x'"),
    "target on an unknown workload": (_edit_target_unknown_workload, "target 1: 'workload' must be a string like"),
    "target call on the race": (
        _edit_target_call_on_the_race,
        "is raced on large, large in threads or large file only",
    ),
    "memory target with versus": (_edit_memory_target_with_versus, "a target on peak memory has no 'versus'"),
    "memory target on the race": (_edit_memory_target_on_the_race, "and is measured on large, large in threads or"),
    "target on an unknown measure": (_edit_target_unknown_measure, "target 1: 'measure' must be a string like"),
    "scaling without its report": (_edit_scaling_without_its_report, "lists 'scaling' in its 'reports'"),
    "scaling report without scaling": (_edit_scaling_report_without_scaling, "lists 'scaling' in its 'reports'"),
    "scaling with a number": (_edit_scaling_with_a_number, "'scaling' must be a string like"),
    "two profile scripts": (_edit_two_profile_scripts, "only one lesson may have a 'profile_script'"),
    "bad report name": (_edit_bad_report_name, "'reports' must list strings like"),
    "verify keyword not a literal": (_edit_verify_keyword_not_a_literal, "the arguments must be name=literal"),
}


def test_a_verify_item_may_name_keyword_arguments():
    assert manifest.parse_call("string_doubles:count_doubles") == ("string_doubles", "count_doubles", {})
    item = "string_doubles:count_doubles(option=3, other='x y')"
    assert manifest.FUNCTION.fullmatch(item) and manifest.RUST_FUNCTION.fullmatch(item)
    assert manifest.parse_call(item) == ("string_doubles", "count_doubles", {"option": 3, "other": "x y"})
    assert manifest.function_of(item) == "string_doubles:count_doubles"
    for bad in ["string_doubles:count_doubles(3)", "string_doubles:count_doubles(option=)"]:
        assert not manifest.FUNCTION.fullmatch(bad), bad
    with pytest.raises(manifest.CourseError, match="name=literal"):
        manifest.parse_call("string_doubles:count_doubles(option=os.sep)")


def test_verify_shows_a_call_with_its_keyword_arguments():
    from course import check

    assert check.call_of("string_doubles:count_doubles", "'aa'") == "string_doubles:count_doubles('aa')"
    shown = check.call_of("string_doubles:count_doubles(option=3)", "'aa'")
    assert shown == "string_doubles:count_doubles('aa', option=3)"
    assert check.written_call("string_doubles:count_doubles(option=3)") == "string_doubles.count_doubles"


@pytest.mark.parametrize("edit", BAD_EDITS)
def test_a_bad_manifest_is_refused_naming_the_key(edit):
    change, message = BAD_EDITS[edit]
    data = _raw()
    change(data)
    with pytest.raises(manifest.CourseError) as err:
        manifest.parse(data)
    assert message in str(err.value)
    assert "lessons/lessons.toml" in str(err.value)


def test_the_manifest_as_shipped_parses_and_every_key_is_known():
    parsed = manifest.parse(_raw())
    assert manifest.manifest() is manifest.manifest()  # read once per process
    assert [lesson.number for lesson in parsed.lessons] == [lesson.number for lesson in LESSONS]
    for entry in _raw()["lesson"]:
        assert set(entry) <= set(manifest.LESSON_KEYS)
        for target in entry.get("target", []):
            assert set(target) <= set(manifest.TARGET_KEYS)


def test_the_oracle_is_the_manifests_function_of_its_lesson():
    folder, function = manifest.manifest().oracle
    lesson = manifest.oracle_lesson()
    assert lesson.dir == folder and f"doubles:{function}" in lesson.verify
    assert manifest.oracle()("abbcCddef") == 2


def test_what_the_lessons_ask_of_the_tooling_names_their_own_functions():
    """Every function a lesson asks evidence or a target of is one its checkpoint has, and
    every report a chapter shows is one a recipe makes."""
    from course import results

    for lesson in LESSONS:
        asked = [*lesson.machine_code, *lesson.instructions, *lesson.call_breakdown]
        for item in asked:
            assert item in lesson.verify, (lesson.dir, item)
        for target in lesson.target:  # its function is checked against the oracle by verify
            function = manifest.function_of(target.function)
            assert function in lesson.verify or function in lesson.property_tests, (lesson.dir, target)
        for report in lesson.reports:
            assert f"{report}.md" in results.REPORTS, (lesson.dir, report)
        if lesson.profile_script:
            assert (lesson.path / lesson.profile_script).is_file(), lesson.dir
        for target in lesson.target:  # the race builds its contenders; race.target_versions the others
            if target.workload not in manifest.LARGE_WORKLOADS:
                assert target.function in lesson.contenders, f"{lesson.dir}: the race builds what its targets judge"


def test_every_rust_contender_is_a_pyfunction_of_its_lesson():
    listed = manifest.contender_functions()
    assert listed, "lessons.toml lists the Rust functions the race builds (`contenders`)"
    for lesson, function in listed:
        assert f"string_doubles:{function}" in lesson.verify, (lesson, function)
        source = (lesson.path / "src/lib.rs").read_text()
        assert re.search(rf"#\[pyfunction\]\s*(#\[pyo3\([^\]]*\)\]\s*)?fn {function}\(", source), (lesson, function)
