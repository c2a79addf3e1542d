"""The encoding cache of catalogue.py: a checked encoding is rebuilt from the user's cache by its bytes, never from a
stale entry, and a cache that cannot be used costs nothing but time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from baseline import catalogue
from baseline.guideline import dump_guideline, guideline_data, parse_guideline
from baseline.issues import BaselineError
from tests.conftest import SHIPPED_NG225
from tests.factories import install_encoding


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "baseline" / "encodings"


@pytest.fixture
def encoding(tmp_path) -> Path:
    path = tmp_path / "ng225.yaml"
    path.write_bytes(SHIPPED_NG225.read_bytes())
    return path


def _no_parsing(monkeypatch):
    def refuse(path):
        raise AssertionError(f"{path} was parsed although the cache holds it")

    monkeypatch.setattr(catalogue, "load_guideline", refuse)


def test_a_checked_encoding_is_rebuilt_from_the_cache_identical(cache, encoding, monkeypatch):
    first = catalogue.load_guideline_cached(encoding)
    assert len(list(cache.glob("*.json"))) == 1
    _no_parsing(monkeypatch)
    again = catalogue.load_guideline_cached(encoding)
    assert again == first
    assert again.fingerprint == first.fingerprint and again.schema_ == first.schema_
    assert dump_guideline(again) == dump_guideline(first)
    assert again.recommendations_for(["education"]) == first.recommendations_for(["education"])


def test_an_edited_encoding_is_checked_again_never_taken_from_the_old_entry(cache, encoding):
    catalogue.load_guideline_cached(encoding)
    data = yaml.safe_load(encoding.read_text(encoding="utf-8"))
    data["sections"][0]["recommendations"][0]["id"] = "9.9.9"  # outside its section: the check must see it
    encoding.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(BaselineError, match="not a valid recommendation file"):
        catalogue.load_guideline_cached(encoding)


def test_a_damaged_entry_is_replaced(cache, encoding):
    first = catalogue.load_guideline_cached(encoding)
    (entry,) = cache.glob("*.json")
    entry.write_text('{"sections": 3}', encoding="utf-8")
    assert catalogue.load_guideline_cached(encoding) == first
    assert json.loads(entry.read_text(encoding="utf-8"))["guideline"] == first.guideline


def test_a_cache_that_cannot_be_written_is_skipped(cache, encoding):
    cache.parent.mkdir(parents=True)
    cache.write_text("a file where the cache folder would be", encoding="utf-8")  # fails for root too
    assert catalogue.load_guideline_cached(encoding).guideline == "NG225"
    assert cache.is_file()


def test_no_home_and_no_xdg_means_no_cache(encoding, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: (_ for _ in ()).throw(RuntimeError("no home"))))
    assert catalogue.cache_dir() is None
    assert catalogue.load_guideline_cached(encoding).guideline == "NG225"


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG spec: relative paths are invalid
    monkeypatch.setenv("HOME", str(tmp_path))
    assert catalogue.cache_dir() == tmp_path / ".cache" / "baseline" / "encodings"


# --- the config cache: the same mechanism, for assessment configs ---------------------------------------------

CONFIG = """\
area: Northshire
guideline: NG225
return_by: 2027-01-31
facilitator: {name: A. Facilitator, email: facilitator@example.org, phone: "01234 567890"}
agencies:
  - {name: North CAMHS, sector: mental_health, contact: {name: J. Smith, email: j.smith@example.org}}
  - {name: North Schools, sectors: [education, social_care], files: ["*schools*.xlsx"]}
"""


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "assessment.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _no_config_parsing(monkeypatch):
    def refuse(*args):
        raise AssertionError("the config was parsed although the cache holds it")

    monkeypatch.setattr(catalogue, "parse_config", refuse)


def test_a_checked_config_is_rebuilt_from_the_cache_identical(cache, config_file, monkeypatch):
    first, guideline = catalogue.load_config(config_file)
    assert len(list((cache.parent / "configs").glob("*.json"))) == 1
    _no_config_parsing(monkeypatch)
    again, same_guideline = catalogue.load_config(config_file)
    assert again == first and same_guideline == guideline
    assert again.return_by == first.return_by and again.agencies[1].files == ["*schools*.xlsx"]
    assert again.facilitator.phone == "01234 567890" and type(again.facilitator) is type(first.facilitator)


def test_an_edited_config_is_checked_again(cache, config_file):
    catalogue.load_config(config_file)
    config_file.write_text(CONFIG.replace("sector: mental_health", "sector: mental_heath"), encoding="utf-8")
    with pytest.raises(BaselineError) as refused:
        catalogue.load_config(config_file)
    assert [p.message for p in refused.value.problems] == [
        "unknown sector 'mental_heath' for NG225: did you mean 'mental_health'? (known: "
        + ", ".join(catalogue.load("NG225").sectors) + ")"]


def test_a_cached_config_whose_guideline_no_longer_knows_a_sector_is_checked_again(cache, config_file, tmp_path,
                                                                                      monkeypatch):
    """The sectors are checked against the encoding in force: one installed later may not know them."""
    catalogue.load_config(config_file)
    data = guideline_data(catalogue.load("NG225"))
    data["version"] = "2099-01-01"  # a newer encoding without the education sector: NG225 now means this one
    data["sectors"].pop("education")
    for section in data["sections"]:  # no section or recommendation names it any more
        section["sectors"] = [s for s in section["sectors"] if s != "education"] or ["all"]
        for rec in section["recommendations"]:
            if rec["sectors"]:
                rec["sectors"] = [s for s in rec["sectors"] if s != "education"] or None
    install_encoding(tmp_path / "recs", parse_guideline(data, "<test encoding>"))
    monkeypatch.setenv(catalogue.ENV_VAR, str(tmp_path / "recs"))
    with pytest.raises(BaselineError) as refused:
        catalogue.load_config(config_file)
    assert [p.path for p in refused.value.problems] == ["agencies[1].sectors[0]"]
