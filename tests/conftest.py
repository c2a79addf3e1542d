"""Shared fixtures. Tests never read ../shared: everything they need is built here or in the test.

Also the suite's ground rules, for every test:
- isolated from the user's environment (no $BASELINE_RECOMMENDATIONS, a throw-away home and XDG directories);
- hypothesis reproducible where it matters (profile "ci", loaded when CI=true);
- with CI=true a test that would skip fails instead: CI installs LibreOffice and Chromium, so a skip there means
  a missing install step, not a passed test.
"""

from __future__ import annotations

import copy
import inspect
import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import Phase, settings

from baseline import catalogue
from baseline.cli import cli

SHIPPED_NG225 = catalogue.shipped_root() / "ng225" / "2022-09-07.yaml"

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

# --- hypothesis -------------------------------------------------------------------------------------------------
# CI: the same examples on every run (derandomize, no example database), so a red CI run is red again on a
# developer's machine with CI=true (or HYPOTHESIS_PROFILE=ci). Elsewhere: random exploration (finds more over
# time), the failing example saved in .hypothesis/ and printed as a @reproduce_failure blob. No deadline in either:
# the machines are shared and slow, and a timing flake is not a bug.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
# make mutate (pyproject.toml, [tool.mutmut]: --hypothesis-profile=mutation): the same examples on every run, so the
# score is the same on every run; no shrinking, as a mutant only needs one failing example and shrinking one takes
# up to a minute.
settings.register_profile("mutation", derandomize=True, database=None, deadline=None,
                          phases=(Phase.explicit, Phase.reuse, Phase.generate))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))

# The user's settings that could change what a test sees. HOME and the XDG directories are replaced by empty
# throw-away ones; these are removed (a test that needs one sets it with monkeypatch).
USER_VARIABLES = (catalogue.ENV_VAR, "COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM_PROGRAM")
XDG_DIRECTORIES = {"XDG_CONFIG_HOME": ".config", "XDG_DATA_HOME": ".local/share", "XDG_CACHE_HOME": ".cache",
                   "XDG_STATE_HOME": ".local/state"}


@pytest.fixture(scope="session", autouse=True)
def isolated_session(tmp_path_factory):
    """For the whole session, module- and session-scoped fixtures included (they run before any function
    fixture): a facilitator's own encodings or terminal settings must not change the results."""
    with pytest.MonkeyPatch.context() as patch:
        for name in USER_VARIABLES:
            patch.delenv(name, raising=False)
        _set_home(patch, tmp_path_factory.mktemp("home"))
        yield


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """And a fresh empty home for each test, so nothing one test leaves there reaches another."""
    _set_home(monkeypatch, tmp_path_factory.mktemp("home"))  # not under tmp_path: tests list their tmp_path


def _set_home(patch: pytest.MonkeyPatch, home: Path) -> None:
    patch.setenv("HOME", str(home))
    for name, relative in XDG_DIRECTORIES.items():
        patch.setenv(name, str(home / relative))


# --- in CI, nothing skips ----------------------------------------------------------------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), where nothing may skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped at import (pytest.importorskip, a module-level pytest.skip)."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), where nothing may skip: {reason}"


# --- external: tests that drive another program ---------------------------------------------------------------
# LibreOffice, Chromium, a wheel build, the benchmark and pytest in a subprocess: seconds each, and none of them adds
# to what the in-process tests see of the core. `make mutate` leaves them out (-m "not external"); `make test` runs
# them all.
# test_hostile.py runs baseline in child processes (memory limits, interrupted writes): under mutmut a child cannot
# find the mutated code.
EXTERNAL_MODULES = {"test_wheel.py", "test_bench.py", "test_isolation.py", "test_hostile.py"}


def pytest_configure(config):
    config.addinivalue_line("markers", "external: drives LibreOffice, Chromium, a wheel build or a subprocess "
                                       "(marked by conftest.py; left out of make mutate)")


def _is_external(item) -> bool:
    skip_reasons = " ".join(str(mark.kwargs.get("reason", "")) for mark in item.iter_markers("skipif"))
    return (item.path.name in EXTERNAL_MODULES or "LibreOffice" in skip_reasons
            or bool({"soffice", "chromium"} & set(getattr(item, "fixturenames", ())))
            or any(word in item.name.lower() for word in ("libreoffice", "chromium"))
            or _runs_a_subprocess(item))


def _runs_a_subprocess(item) -> bool:
    """The test's own code starts one (tests/test_hostile.py runs baseline under a memory limit)."""
    try:
        source = inspect.getsource(item.function)
    except (AttributeError, OSError, TypeError):
        return False
    return "subprocess" in source or "Popen" in source


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_external(item):
            item.add_marker(pytest.mark.external)


def _require_program(*names: str) -> str:
    """The path of the first program found on PATH; skip otherwise (which fails in CI, see above)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"{' or '.join(names)} is not installed")


@pytest.fixture(scope="session")
def soffice() -> str:
    return _require_program("soffice", "libreoffice")


@pytest.fixture(scope="session")
def chromium() -> str:
    return _require_program("chromium", "chromium-browser", "google-chrome")


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
