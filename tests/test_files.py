"""files.py: which files a command reads (every one accounted for), YAML read safely, outputs written safely."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys

import pytest

from baseline import files
from baseline.files import atomic_write, expand_paths, load_yaml
from baseline.issues import BaselineError


def test_a_folder_stands_for_its_workbooks_lock_and_hidden_files_ignored(tmp_path):
    for name in ("b.xlsx", "a.ods", "c.XLSM", "~$a.xlsx", ".~lock.a.ods#", ".hidden.xlsx", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    expanded = expand_paths([tmp_path, tmp_path / "b.xlsx"])
    assert [p.name for p in expanded.files] == ["a.ods", "b.xlsx", "c.XLSM"]  # sorted; b.xlsx read once
    assert [(r.path, [i.code for i in r.issues], r.skipped) for r in expanded.reports] == [
        (str(tmp_path / "notes.txt"), ["skipped-file"], True)]  # listed, never silently dropped


def test_a_file_reached_twice_through_links_is_read_once(tmp_path):
    """One file, one return: named through a linked folder and directly, or linked from inside its own folder."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.xlsx").write_bytes(b"x")
    (real / "b.xlsx").write_bytes(b"x")
    (real / "z-link-to-a.xlsx").symlink_to(real / "a.xlsx")
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "link-to-b.xlsx").symlink_to(real / "b.xlsx")
    expanded = expand_paths([tmp_path / "linked", real / "a.xlsx", elsewhere, real / "b.xlsx"])
    assert expanded.files == [tmp_path / "linked" / "a.xlsx", tmp_path / "linked" / "b.xlsx"]
    assert expanded.reports == []


def test_a_folder_without_workbooks_is_reported_and_a_missing_path_is_still_read(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    expanded = expand_paths([empty, tmp_path / "missing.xlsx"])
    assert [p.name for p in expanded.files] == ["missing.xlsx"]  # read_return will say there is no such file
    assert [(r.path, [i.code for i in r.issues]) for r in expanded.reports] == [(str(empty), ["unreadable-file"])]


def test_load_yaml_is_bounded_and_refuses_duplicate_keys(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(BaselineError, match="duplicate key 'a'"):
        load_yaml(path)
    path.write_text("a: 1\n", encoding="utf-8")
    monkeypatch.setattr(files, "MAX_YAML_BYTES", 3)
    with pytest.raises(BaselineError, match="larger than"):
        load_yaml(path)


def test_atomic_write_refuses_overwrite_and_inputs_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write(target, lambda tmp: tmp.write_text("one"))
    with pytest.raises(BaselineError, match="already exists"):
        atomic_write(target, lambda tmp: tmp.write_text("two"))
    with pytest.raises(BaselineError, match="one of the input files"):
        atomic_write(target, lambda tmp: tmp.write_text("two"), force=True, inputs=(target,))

    def fail(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(BaselineError, match="Could not write .*out.txt: disk full. Nothing was written. The existing"):
        atomic_write(target, fail, force=True)
    assert target.read_text() == "one" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


@pytest.mark.parametrize("text, words", [
    ("a: " + "[" * 60 + "]" * 60, "nested more than 50 levels"),
    ("a: &a [*a]", "refers to the anchor (&) that contains it"),
    ("x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n" + "".join(
        f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]\n" for i in range(1, 7)), "expand to more than 200,000"),
])
def test_load_yaml_refuses_deep_nesting_and_alias_bombs_with_the_line(tmp_path, text, words):
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BaselineError) as info:
        load_yaml(path)
    assert words in str(info.value)
    assert str(path) in str(info.value) and "line" in str(info.value)


def test_load_yaml_allows_ordinary_anchors(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("contact: &c {name: A, email: a@example.org}\nagencies: [{name: X, contact: *c}, "
                    "{name: Y, contact: *c}]\n", encoding="utf-8")
    assert load_yaml(path)["agencies"][1]["contact"]["name"] == "A"


def test_atomic_write_honours_the_umask_and_names_its_temporary_file_after_the_process(tmp_path):
    seen = []
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "out.txt", lambda tmp: seen.append(tmp.name) or tmp.write_text("x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o640
    assert seen[0].startswith(f".out.txt.{os.getpid()}.") and seen[0].endswith(".tmp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # the lock file is gone too


def test_atomic_write_refuses_a_live_writer_and_takes_over_a_dead_ones_lock(tmp_path):
    target = tmp_path / "out.txt"
    lock = tmp_path / ".out.txt.lock"
    lock.write_text(str(os.getppid()))  # a process that is alive: another run writing the same output
    with pytest.raises(BaselineError, match=f"being written by another baseline run \\(process {os.getppid()}\\)"):
        atomic_write(target, lambda tmp: tmp.write_text("x"))
    assert not target.exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    lock.write_text(dead)
    stale = tmp_path / f".out.txt.{dead}.0123abcd.tmp"
    stale.write_text("half")
    other = tmp_path / f".other.txt.{dead}.0123abcd.tmp"
    other.write_text("not ours to judge")
    atomic_write(target, lambda tmp: tmp.write_text("x"))
    assert target.read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "out.txt"]


def test_sweep_stale_removes_the_named_outputs_temporary_files_of_dead_runs_only(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    names = [f".a.xlsx.{dead}.0123abcd.tmp", f".b.xlsx.{dead}.0123abcd.tmp",  # ours, of a dead run: swept
             f".a.xlsx.{os.getppid()}.0123abcd.tmp",  # of a live run (writing now): kept
             f".c.xlsx.{dead}.0123abcd.tmp"]  # not an output of this command: kept
    for name in names:
        (tmp_path / name).write_text("half")
    files.sweep_stale(tmp_path, ["a.xlsx", "b.xlsx"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])
    atomic_write(tmp_path / "c.xlsx", lambda tmp: tmp.write_text("x"), sweep=False)  # swept already: left
    assert (tmp_path / names[3]).exists()


def test_atomic_write_makes_missing_folders_only_when_asked(tmp_path):
    with pytest.raises(BaselineError, match="does not exist"):
        atomic_write(tmp_path / "new" / "out.txt", lambda tmp: tmp.write_text("x"))
    assert not (tmp_path / "new").exists()
    atomic_write(tmp_path / "new" / "out.txt", lambda tmp: tmp.write_text("x"), make_parents=True)
    assert (tmp_path / "new" / "out.txt").read_text() == "x"


def test_sigterm_during_a_write_removes_the_temporary_file(tmp_path):
    def killed(tmp):
        tmp.write_text("half")
        os.kill(os.getpid(), signal.SIGTERM)  # handled: raises files.Interrupted inside the write

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(files.Interrupted):
        atomic_write(tmp_path / "out.txt", killed)
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before  # restored after the write
