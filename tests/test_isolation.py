"""The suite's ground rules (tests/conftest.py): isolated from the user, reproducible in CI, no skips in CI."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

from baseline import catalogue

REPO = Path(__file__).resolve().parent.parent


def test_the_users_settings_are_not_seen():
    assert catalogue.ENV_VAR not in os.environ
    assert catalogue.search_roots() == [catalogue.shipped_root()]
    home = Path(os.environ["HOME"])
    assert home != Path(pwd.getpwuid(os.getuid()).pw_dir) and home.is_dir() and not any(home.iterdir())
    assert Path(os.environ["XDG_CONFIG_HOME"]).is_relative_to(home)
    assert "COLUMNS" not in os.environ


def test_each_test_has_its_own_home(tmp_path):
    home = Path(os.environ["HOME"])
    assert not home.is_relative_to(tmp_path)  # tests that list tmp_path see only their own files
    (home / "left-behind").write_text("x", encoding="utf-8")  # the next test's home is another, empty folder


def test_a_test_that_needs_the_variable_sets_it(monkeypatch, tmp_path, ng225_data):
    ng225_data["title"] = "A facilitator's own copy"
    own = tmp_path / "recs" / "ng225" / f"{ng225_data['version']}.yaml"
    own.parent.mkdir(parents=True)
    own.write_text(yaml.safe_dump(ng225_data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(catalogue.ENV_VAR, str(tmp_path / "recs"))
    assert catalogue.resolve("NG225").path == own
    assert catalogue.load("NG225").title == "A facilitator's own copy"


def test_the_programs_ci_installs_are_found(soffice, chromium):
    # Skipped where they are absent, which under CI=true is a failure: .ci/run installs both.
    for program in (soffice, chromium):
        assert os.access(program, os.X_OK), program


INNER_CONFTEST = "from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401\n"
INNER_TESTS = textwrap.dedent("""
    import pytest
    from hypothesis import settings

    def test_profile():
        print(f"PROFILE derandomize={settings.default.derandomize} database={settings.default.database}")

    def test_needs_a_program():
        pytest.skip("no such program")
""")
INNER_MODULE_SKIP = "import pytest\npytest.importorskip('no_such_module_for_this_test')\n"


def _inner_pytest(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(INNER_CONFTEST, encoding="utf-8")
    (tmp_path / "test_inner.py").write_text(INNER_TESTS, encoding="utf-8")
    (tmp_path / "test_inner_module.py").write_text(INNER_MODULE_SKIP, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "HYPOTHESIS_PROFILE", "PYTEST_ADDOPTS"}}
    env["PYTHONPATH"] = str(REPO)  # for `tests.conftest`
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-s", "-p", "no:cacheprovider", "-rA",
                           "--continue-on-collection-errors", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_in_ci_a_skip_fails_and_hypothesis_is_derandomized(tmp_path):
    result = _inner_pytest(tmp_path, ci=True)
    assert result.returncode == 1, result.stdout
    assert "PROFILE derandomize=True database=None" in result.stdout
    assert "skipped in CI (CI=true), where nothing may skip: Skipped: no such program" in result.stdout
    assert "could not import 'no_such_module_for_this_test'" in result.stdout
    assert "1 passed" in result.stdout and "skipped" not in result.stdout.splitlines()[-1]


def test_elsewhere_a_skip_is_a_skip_and_hypothesis_explores(tmp_path):
    result = _inner_pytest(tmp_path, ci=False)
    assert result.returncode == 0, result.stdout
    assert "PROFILE derandomize=False database=" in result.stdout
    assert "PROFILE derandomize=False database=None" not in result.stdout  # failures are remembered and replayed
    assert result.stdout.splitlines()[-1].startswith("=") and "1 passed, 2 skipped" in result.stdout.splitlines()[-1]
