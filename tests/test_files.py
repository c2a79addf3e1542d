"""files.py: which files a command reads (every one accounted for), YAML read safely, outputs written safely."""

from __future__ import annotations

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

    with pytest.raises(OSError):
        atomic_write(target, fail, force=True)
    assert target.read_text() == "one" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
