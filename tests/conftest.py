"""Shared fixtures. Tests never read ../shared: everything they need is built here or in the test."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from baseline import catalogue
from baseline.cli import cli

SHIPPED_NG225 = catalogue.shipped_root() / "ng225" / "2022-09-07.yaml"


@pytest.fixture(autouse=True, scope="session")
def _own_cache_dir(tmp_path_factory):
    """The encoding cache (catalogue.cache_dir) goes to a folder of the test session, never the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def run(runner):
    """Invoke the CLI; exceptions other than SystemExit propagate so a traceback fails the test loudly."""

    def invoke(*args: str, **kwargs):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def ng225_data() -> dict:
    """The shipped NG225 encoding as plain YAML data, to be broken on purpose by tests."""
    return copy.deepcopy(yaml.safe_load(SHIPPED_NG225.read_text(encoding="utf-8")))


@pytest.fixture
def write_yaml(tmp_path: Path):
    def write(data, name: str = "broken.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    return write
