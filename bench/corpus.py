"""The benchmark's inputs, built once and cached under the build folder (keyed by the tool's version and source).

Full returns: one blank workbook listing every recommendation is made by the CLI (`baseline generate --agency …
--all-recommendations`), answered in a few ways (every recommendation answered) by fill_return.py (openpyxl), as a
person's spreadsheet program would save them, and then N returns are byte copies of those with the agency's name swapped
(names of one length, so every XML part stays valid): 800 returns take seconds, not minutes.

Only the public CLI and the workbook as users see it (sheet and header names) are used, so this keeps working
whatever the package's internal layout becomes. openpyxl and python-calamine work in subprocesses (fill_return.py,
dump_cells.py), which keeps the harness itself light.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

TEMPLATES = 5  # distinct filled returns; the N returns cycle through them
NAME_WIDTH = 5  # "Bench Agency 00042": every agency name has one length, so a byte swap keeps the parts valid
AREA = "Benchmark"
EXAMPLE_SECTORS = ["mental_health", "emergency_care", "primary_care", "social_care", "education",
                   "criminal_justice", "voluntary_sector", "acute_care", "ambulance"]


def agency_name(number: int) -> str:
    return f"Bench Agency {number:0{NAME_WIDTH}d}"


def cli_python(cli: Path) -> Path:
    """The Python the command runs on (the one beside it in a virtual environment)."""
    return cli.parent / "python" if (cli.parent / "python").exists() else Path(sys.executable)


def package_dir(cli: Path) -> Path:
    """Where the command's `baseline` package lives (the source tree for an editable install)."""
    found = subprocess.run(
        [str(cli_python(cli)), "-c",
         "import importlib.util,os; print(os.path.dirname(importlib.util.find_spec('baseline').origin))"],
        capture_output=True, text=True, check=True).stdout.strip()
    return Path(found)


def cache_key(cli: Path) -> str:
    """The tool's version and a hash of its source and of the code here that builds the returns: a changed writer
    or filler means new returns."""
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
    package = package_dir(cli)
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".yaml", ".yml"}:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    for builder in (HERE / "corpus.py", HERE / "fill_return.py"):
        digest.update(builder.read_bytes())
    return f"{version}-{digest.hexdigest()[:10]}"


def copy_as(template: Path, template_agency: str, out: Path, agency: str) -> None:
    """A byte copy of a filled return with another agency's name (same length) in every part that names it."""
    old, new = template_agency.encode(), agency.encode()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info).replace(old, new), compress_type=zipfile.ZIP_DEFLATED)


def templates(cli: Path, folder: Path) -> list[Path]:
    """TEMPLATES filled returns of one agency (made once per cache key): one blank, answered TEMPLATES ways."""
    made = [folder / f"filled-{seed}.xlsx" for seed in range(TEMPLATES)]
    if all(path.exists() for path in made):
        return made
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    blank = folder / "blank.xlsx"
    subprocess.run([str(cli), "generate", "--as-agency", agency_name(0), "--sector", "commissioning", "--area", AREA,
                    "--all-recommendations", "-o", str(blank)], check=True, capture_output=True)
    subprocess.run([sys.executable, str(HERE / "fill_return.py"), str(blank), agency_name(0), str(folder),
                    *map(str, range(TEMPLATES))], check=True)
    return made


def returns(cli: Path, cache: Path, count: int) -> Path:
    """A folder of `count` full returns, one per agency (cached: built once per cache key and size)."""
    folder = cache / f"returns-{count}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    filled = templates(cli, cache / "templates")
    for number in range(count):
        copy_as(filled[number % len(filled)], agency_name(0), folder / f"agency-{number:0{NAME_WIDTH}d}.xlsx",
                agency_name(number))
    done.touch()
    return folder


def sectors(cli: Path) -> list[str]:
    """The encoding's sector vocabulary, as `baseline recs list --format json` gives it."""
    listing = json.loads(subprocess.run([str(cli), "recs", "list", "NG225", "--format", "json"],
                                        capture_output=True, text=True, check=True).stdout)
    found = sorted({s for rec in listing["recommendations"] for s in rec.get("sectors", []) if s != "all"})
    return found or EXAMPLE_SECTORS


def generate_config(cli: Path, cache: Path, agencies: int) -> Path:
    """An assessment config naming `agencies` agencies over the encoding's sectors, for `baseline generate`."""
    path = cache / f"assessment-{agencies}.yaml"
    if not path.exists():
        vocabulary = sectors(cli)
        lines = [f"area: {AREA}", "guideline: NG225", "return_by: 2027-01-31",
                 "facilitator: {name: A. Facilitator, email: facilitator@example.org}", "agencies:"]
        for number in range(agencies):
            first, second = vocabulary[number % len(vocabulary)], vocabulary[(number + 3) % len(vocabulary)]
            sector = f"sector: {first}" if number % 2 else f"sectors: [{first}, {second}]"
            lines.append(f"  - {{name: {agency_name(number)}, {sector}}}")
        path.write_text("\n".join(lines) + "\n")
    return path


def dump_cells(paths: list[Path], dump: Path) -> None:
    """The cells of these workbooks, for write_floor.py to write again (in a subprocess: see the module's doc)."""
    subprocess.run([sys.executable, str(HERE / "dump_cells.py"), str(dump), *map(str, paths)], check=True)
