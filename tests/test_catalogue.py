from __future__ import annotations

import shutil

import pytest

from baseline import catalogue
from baseline.issues import BaselineError

from .conftest import SHIPPED_NG225


@pytest.mark.parametrize("ref", ["NG225", "ng225", " NG225@2022-09-07 ", "ng225@2022-09-07"])
def test_resolves_guideline_references(ref):
    entry = catalogue.resolve(ref)
    assert (entry.guideline, entry.version) == ("NG225", "2022-09-07")
    assert catalogue.load(ref).ref == "NG225@2022-09-07"


def test_unknown_guideline_lists_what_exists():
    with pytest.raises(BaselineError) as err:
        catalogue.resolve("NG999")
    assert "Unknown guideline 'NG999'" in str(err.value) and "NG225@2022-09-07" in str(err.value)
    with pytest.raises(BaselineError, match="Available: NG225@2022-09-07"):
        catalogue.resolve("NG225@2030-01-01")


def test_shipped_root_holds_the_encodings():
    assert SHIPPED_NG225.is_file()
    assert [e.ref for e in catalogue.entries()] == ["NG225@2022-09-07"]


def test_environment_directory_is_searched_first(tmp_path, monkeypatch, ng225_data, write_yaml):
    ng225_data["version"] = "2099-01-01"
    (tmp_path / "extra" / "ng225").mkdir(parents=True)
    shutil.move(write_yaml(ng225_data), tmp_path / "extra" / "ng225" / "2099-01-01.yaml")
    monkeypatch.setenv(catalogue.ENV_VAR, str(tmp_path / "extra"))
    assert catalogue.resolve("NG225").version == "2099-01-01"  # newest by default
    assert catalogue.resolve("NG225@2022-09-07").path == SHIPPED_NG225


def test_yaml_path_is_accepted(tmp_path, ng225_data, write_yaml):
    path = write_yaml(ng225_data, "mine.yaml")
    assert catalogue.load(str(path)).guideline == "NG225"


def test_find_by_fingerprint():
    g = catalogue.load("NG225")
    assert catalogue.find_by_fingerprint("NG225", "2022-09-07", g.fingerprint) == g
    assert catalogue.find_by_fingerprint("NG225", "2022-09-07", "000000000000") is None
