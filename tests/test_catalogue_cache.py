"""The encoding cache of catalogue.py: a checked encoding is rebuilt from the user's cache by its bytes, never from a
stale entry, and a cache that cannot be used costs nothing but time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from baseline import catalogue
from baseline.guideline import dump_guideline
from baseline.issues import BaselineError
from tests.conftest import SHIPPED_NG225


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
