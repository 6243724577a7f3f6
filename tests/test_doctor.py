"""`just doctor`: what it reports, and what `--install` installs, refuses or leaves.

The installs are played against a fake apt-get on a PATH of its own, with fake
packages: nothing here installs anything.
"""

import platform

import pytest

from course import doctor


def fake_package(tmp_path, name: str, installed: bool = False) -> doctor.SystemPackage:
    """A package that is there once the file `name` is in tmp_path (as apt-get makes it)."""
    if installed:
        (tmp_path / name).write_text("")
    return doctor.SystemPackage(name, f"the tests use {name}", (name,), needs=(str(tmp_path / name),))


@pytest.fixture
def apt(tmp_path, monkeypatch):
    """A Linux machine as root whose PATH holds only a fake apt-get: it notes each call in
    `apt.calls` and installs a package by making its file, after an `update` if
    `needs_update` is there; no package at all if `broken` is there."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = f"""#!/bin/sh
echo "$*" >> {tmp_path}/calls
[ -e {tmp_path}/broken ] && exit 100
if [ "$1" = update ]; then : > {tmp_path}/updated; exit 0; fi
if [ -e {tmp_path}/needs_update ] && [ ! -e {tmp_path}/updated ]; then echo "E: Unable to locate package"; exit 100; fi
for arg in "$@"; do case "$arg" in -*|install) ;; *) : > {tmp_path}/"$arg";; esac; done
"""
    (bin_dir / "apt-get").write_text(script)
    (bin_dir / "apt-get").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(doctor.platform, "system", lambda: "Linux")
    monkeypatch.setattr(doctor.os, "geteuid", lambda: 0)

    class Apt:
        def calls(self) -> list[str]:
            log = tmp_path / "calls"
            return log.read_text().splitlines() if log.is_file() else []

    return Apt()


def test_install_runs_apt_get_for_what_is_missing_only(tmp_path, apt, monkeypatch, capsys):
    monkeypatch.setattr(
        doctor, "SYSTEM_PACKAGES", [fake_package(tmp_path, "here", installed=True), fake_package(tmp_path, "gone")]
    )
    assert doctor.main(["--install", "--quiet"]) == 0
    assert apt.calls() == ["install -y -q gone"]
    assert "Installing gone with `apt-get install gone`" in capsys.readouterr().out
    assert (tmp_path / "gone").is_file()


def test_install_updates_the_package_lists_first_when_apt_cannot_find_a_package(tmp_path, apt, monkeypatch):
    (tmp_path / "needs_update").write_text("")  # a fresh machine's empty lists
    monkeypatch.setattr(doctor, "SYSTEM_PACKAGES", [fake_package(tmp_path, "gone")])
    assert doctor.main(["--install", "--quiet"]) == 0
    assert apt.calls() == ["install -y -q gone", "update -q", "install -y -q gone"]


def test_install_says_what_is_still_missing_when_apt_get_fails(tmp_path, apt, monkeypatch, capsys):
    (tmp_path / "broken").write_text("")
    monkeypatch.setattr(doctor, "SYSTEM_PACKAGES", [fake_package(tmp_path, "gone")])
    assert doctor.main(["--install", "--quiet"]) == 1
    assert "Still missing: gone" in capsys.readouterr().out


def test_install_without_root_refuses_and_prints_the_command(tmp_path, apt, monkeypatch, capsys):
    monkeypatch.setattr(doctor.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(doctor, "SYSTEM_PACKAGES", [fake_package(tmp_path, "gone")])
    assert doctor.main(["--install", "--quiet"]) == 1
    assert "needs root: run\n    sudo apt-get install -y gone" in capsys.readouterr().out
    assert apt.calls() == []


def test_install_without_apt_get_refuses_naming_the_packages(tmp_path, apt, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.setattr(doctor, "SYSTEM_PACKAGES", [fake_package(tmp_path, "gone")])
    assert doctor.main(["--install", "--quiet"]) == 1
    assert "There is no apt-get here: install gone" in capsys.readouterr().out


def test_install_with_nothing_missing_quietly_says_nothing(tmp_path, apt, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "SYSTEM_PACKAGES", [fake_package(tmp_path, "here", installed=True)])
    assert doctor.main(["--install", "--quiet"]) == 0
    assert capsys.readouterr().out == "" and apt.calls() == []


def test_a_package_named_by_its_apt_packages_is_asked_of_dpkg(tmp_path, apt, monkeypatch):
    (tmp_path / "bin/dpkg-query").write_text('#!/bin/sh\necho installed\n[ "$3" = one ] || echo not-installed\n')
    (tmp_path / "bin/dpkg-query").chmod(0o755)
    assert doctor.installed(doctor.SystemPackage("fonts", "the tests use them", ("one",))) is True
    assert doctor.installed(doctor.SystemPackage("fonts", "the tests use them", ("two", "three"))) is False


def test_what_cannot_be_checked_says_not_checked_never_a_tick(tmp_path, apt, monkeypatch, capsys):
    unknowable = doctor.SystemPackage("fonts", "the tests use them", ("fonts-something",))  # and no dpkg-query
    monkeypatch.setattr(doctor, "SYSTEM_PACKAGES", [unknowable])
    doctor.report()
    out = capsys.readouterr().out
    assert "? fonts" in out and "not checked" in out and "Not checked: fonts." in out
    assert "✓ fonts" not in out


def test_a_package_for_linux_only_is_not_offered_elsewhere(tmp_path, apt, monkeypatch, capsys):
    monkeypatch.setattr(doctor.platform, "system", lambda: "Darwin")
    linux = doctor.SystemPackage("valgrind", "profile counts with it", ("valgrind",), needs=("x",), linux_only=True)
    monkeypatch.setattr(doctor, "SYSTEM_PACKAGES", [linux])
    assert doctor.main(["--install", "--quiet"]) == 0
    assert doctor.system_package(linux).fix == "" and "Linux only" in doctor.system_package(linux).detail


def test_every_system_package_says_what_uses_it_and_how_to_install_it():
    names = [p.name for p in doctor.SYSTEM_PACKAGES]
    assert len(names) == len(set(names))
    for p in doctor.SYSTEM_PACKAGES:
        assert p.why and p.apt and all(" " not in name for name in p.apt), p
    on_this_machine = [doctor.system_package(p) for p in doctor.SYSTEM_PACKAGES]
    assert [f.what for f in on_this_machine] == names
    if platform.system() == "Linux":
        assert all(f.ok or f.fix.startswith("sudo apt-get install -y ") for f in on_this_machine)
