"""The package as a user gets it: build the wheel, install it into a fresh virtual environment, run `baseline`.

Nothing from the checkout can stand in for the wheel: the environment has no system site-packages (they would
hide a missing dependency), the commands run from a directory outside the repository with a clean environment (no
PYTHONPATH, no user site), and pip installs with --no-index from the built wheel and the dependency wheels that
`make install` downloaded into the wheelhouse, so the test needs no network. The shipped recommendations must be
inside the wheel: the checkout's recommendations/ is not reachable from there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path

import openpyxl
import pytest

import baseline
from baseline import catalogue, render
from baseline.workflow import load_config
from baseline.xlsx.agency import layout

REPO = Path(__file__).resolve().parent.parent
DISTRIBUTION = "nice-baseline-assessment"
WHEELHOUSE = Path(sys.prefix) / "wheelhouse"  # made by `make install` (Makefile) in the test environment
EXAMPLE = REPO / "workbooks" / "examples" / "assessment.yaml"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path  # the fresh environment's bin/
    home: Path
    work: Path  # a directory outside the repository: the commands' cwd

    def run(self, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
        env = {"PATH": f"{self.bin}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(self.home),
               "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1", "COLUMNS": "120"}
        return subprocess.run([str(a) for a in args], cwd=cwd or self.work, env=env, capture_output=True,
                              text=True, timeout=120)


def _pip_environment() -> dict[str, str]:
    """pip without the machine's or the user's configuration: --no-index must mean no index."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def _check(command: list, **kwargs) -> None:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    """Built and installed once per session (about 10 s)."""
    if not WHEELHOUSE.is_dir():
        pytest.skip(f"no dependency wheels in {WHEELHOUSE}: `make install` downloads them")
    root = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip"]
    _check([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", root / "dist", REPO],
           env=_pip_environment(), cwd=root)
    (wheel,) = (root / "dist").glob("*.whl")
    venv = root / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", venv])
    _check([*pip, "--python", venv / "bin" / "python", "install", "--no-index", "--find-links", WHEELHOUSE, wheel],
           env=_pip_environment(), cwd=root)
    (root / "home").mkdir()
    (root / "work").mkdir()
    return Installed(wheel, venv / "bin", root / "home", root / "work")


def test_the_wheel_is_named_after_the_distribution_and_carries_the_recommendations(installed):
    assert installed.wheel.name == f"{DISTRIBUTION.replace('-', '_')}-{baseline.__version__}-py3-none-any.whl"
    shipped = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "recommendations").glob("*/*.yaml"))
    assert shipped, "the checkout ships no recommendations"
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        for name in shipped:
            assert f"baseline/{name}" in names
            assert wheel.read(f"baseline/{name}") == (REPO / name).read_bytes()


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    probe = ("import baseline, importlib.metadata as m; from baseline import catalogue; "
             "print(baseline.__file__); print(catalogue.shipped_root()); print(m.version('nice-baseline-assessment'))")
    result = installed.run(installed.bin / "python", "-c", probe)
    assert result.returncode == 0, result.stderr
    module, shipped_root, dist_version = result.stdout.splitlines()
    environment = installed.bin.parent
    assert Path(module).is_relative_to(environment) and not Path(module).is_relative_to(REPO)
    assert Path(shipped_root) == Path(module).parent / "recommendations"  # package data, not ../recommendations
    assert dist_version == baseline.__version__


def test_version(installed):
    result = installed.run(installed.bin / "baseline", "--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"baseline {baseline.__version__}\n", "")
    assert installed_version(DISTRIBUTION) == baseline.__version__  # the development install has the new name too


def test_recs_list_from_the_wheel_equals_the_checkouts_encoding(installed):
    result = installed.run(installed.bin / "baseline", "recs", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    expected = json.loads(render.to_json(render.guideline_listing(catalogue.load("NG225"), None)))
    assert json.loads(result.stdout) == expected

    table = installed.run(installed.bin / "baseline", "recs", "list", "NG225")
    assert table.returncode == 0, table.stderr
    first_lines = table.stdout.splitlines()[:2]
    assert first_lines[0].startswith("NG225 ") and expected["version"] in first_lines[1]
    assert expected["fingerprint"] in first_lines[1]


def test_generate_from_the_wheel(installed):
    config = installed.work / "assessment.yaml"
    shutil.copyfile(EXAMPLE, config)
    result = installed.run(installed.bin / "baseline", "generate", config.name, "-o", "out")
    assert result.returncode == 0, result.stderr
    out = installed.work / "out"
    written = [Path(line) for line in result.stdout.splitlines()]
    assert written and sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert "Generated 9 workbooks for Northshire (NG225@2022-09-07)" in result.stderr

    # Each workbook lists its agency's recommendations of the shipped encoding (read here with the checkout's code).
    config_model, ng225 = load_config(EXAMPLE)
    assert len(config_model.agencies) == len(written) == 9
    for agency, path in zip(config_model.agencies, written):
        workbook = openpyxl.load_workbook(out / path.name, read_only=True)
        rows = workbook[layout.ASSESSMENT_SHEET].iter_rows(min_row=layout.FIRST_DATA_ROW, values_only=True)
        ids = [row[0] for row in rows if row[0]]
        workbook.close()
        assert ids == [r.id for r in ng225.recommendations_for(agency.sector_ids)], agency.name


def test_exit_codes_from_the_wheel(installed):
    unknown = installed.run(installed.bin / "baseline", "recs", "list", "NG999")
    assert (unknown.returncode, unknown.stdout) == (1, "")  # an input problem
    assert unknown.stderr.startswith("Error: Unknown guideline 'NG999'. Available: NG225@")
    usage = installed.run(installed.bin / "baseline", "recs", "list", "--format", "nope")
    assert (usage.returncode, usage.stdout) == (2, "") and "Invalid value for '--format'" in usage.stderr
