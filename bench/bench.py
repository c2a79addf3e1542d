"""`make bench`: how long users wait for each command, side by side with the floors, in one run (issue 16).

    python bench/bench.py [--sizes 50,200,800] [--returns 2000] [--repeat N] [--agencies 50]
                          [--json bench/results.json] [--cache .bench] [--profile] [--compare OLD.json]
                          [--cli PATH]

Each command runs as a subprocess of the installed CLI, as a user runs it: `validate DIR`, `summary DIR` (over
the returns), `merge DIR -o X`, `summary X` (over the merged workbook) at each size of full returns (every
recommendation answered), and `generate CONFIG` (--agencies agencies), one-file `validate F` and `--help` once.
Beside them, in the same run: the read floor (a fresh Python process reading every sheet of the same files with
python-calamine) and the write floor (a fresh Python process writing the same cells with xlsxwriter in
constant-memory mode). Prints the times, ratios, peak memory, growth per 100 files and the targets of issue 16
(PASS/FAIL), writes it all as JSON, and exits 0 whatever the numbers: it is a report, never a test.

Sizes: --sizes replaces the default list (50,200,800); --returns adds sizes to it (e.g. --returns 2000). Runs:
best of --repeat (default 3 up to 200 returns, 1 above). The returns, the config and the outputs live in the
cache folder, keyed by the tool's version and source, so re-runs only measure. --compare bench/before.json shows
the numbers recorded before the speed work (issue 16) beside this run's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path

import corpus
import report
from measure import Launcher, Measurement, Run

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = [50, 200, 800]
AS_OF = "2027-03-01"
PROFILE_TOP = 10


def default_repeat(size: int) -> int:
    return 3 if size <= 200 else 1


class Session:
    """The measurements of one bench run, each a list of runs (repetitions interleave, so a burst of other work on
    the machine hits commands and floors alike)."""

    def __init__(self, cli: Path, cache: Path, python: str, launcher: Launcher):
        self.cli, self.cache, self.python, self.launcher = cli, cache, python, launcher
        self.out = cache / "out"
        self.out.mkdir(parents=True, exist_ok=True)
        self.dumped: set[Path] = set()  # cells read back from this run's outputs, once each

    def cells_of(self, books: list[Path], cells: Path) -> None:
        if cells not in self.dumped:
            corpus.dump_cells(books, cells)
            self.dumped.add(cells)

    def run(self, argv: list[str]) -> Run:
        return self.launcher.run(argv)

    def floor_run(self, argv: list[str]) -> Run:
        """A write-floor run: the seconds it spent loading its cells (printed on stdout) are not writing."""
        run = self.run(argv)
        if run.returncode == 0:
            run.seconds -= float(run.stdout.strip().splitlines()[-1])
        return run

    def command(self, *args: str) -> list[str]:
        return [str(self.cli), *args]

    def read_floor(self, *paths: Path) -> list[str]:
        return [self.python, str(HERE / "read_floor.py"), *map(str, paths)]

    def write_floor(self, cells: Path, out_dir: Path, *options: str) -> list[str]:
        return [self.python, str(HERE / "write_floor.py"), str(cells), str(out_dir), *options]

    def size(self, size: int, repeat: int, log) -> dict:
        returns = corpus.returns(self.cli, self.cache, size)
        merged = self.out / f"merged-{size}.xlsx"
        cells = self.out / f"merged-{size}.cells.pickle"
        steps = {
            "read_returns": self.read_floor(returns),
            "validate": self.command("validate", str(returns)),
            "summary_returns": self.command("summary", str(returns), "--as-of", AS_OF),
            # A first merge (no output yet), then the same again over its own output, as a facilitator re-runs it
            # (merge then reads the old workbook to check the group's edits before replacing it).
            "merge": self.command("merge", str(returns), "-o", str(merged), "--as-of", AS_OF, "--force"),
            "merge_again": self.command("merge", str(returns), "-o", str(merged), "--as-of", AS_OF, "--force"),
            "read_merged": self.read_floor(merged),
            "write_merged": self.write_floor(cells, self.out / f"floor-merged-{size}"),
            "summary_merged": self.command("summary", str(merged), "--as-of", AS_OF),
        }
        measured = {name: Measurement(name, argv, []) for name, argv in steps.items()}
        for repetition in range(repeat):
            for name, argv in steps.items():
                if name == "write_merged":
                    if not merged.exists():
                        measured[name].runs.append(Run(0.0, 0.0, 0.0, -1, "", "no merged workbook to copy"))
                        continue
                    self.cells_of([merged], cells)
                    measured[name].runs.append(self.floor_run(argv))
                else:
                    if name == "merge":
                        merged.unlink(missing_ok=True)
                    measured[name].runs.append(self.run(argv))
            log(f"  {size} returns, run {repetition + 1}/{repeat}: "
                + ", ".join(f"{name} {m.runs[-1].seconds:.2f}s" for name, m in measured.items()))
        measurements = {name: m.as_json() for name, m in measured.items()}
        seconds = {name: m["seconds"] for name, m in measurements.items()}
        return {"returns_dir": str(returns), "repeat": repeat, "measurements": measurements,
                "ratios": report.size_ratios(seconds)}

    def fixed(self, agencies: int, one_file: Path, repeat: int, log) -> dict:
        config = corpus.generate_config(self.cli, self.cache, agencies)
        generated = self.out / f"generated-{agencies}"
        cells = self.out / f"generated-{agencies}.cells.pickle"
        steps = {
            "help": self.command("--help"),
            "validate_one": self.command("validate", str(one_file)),
            "read_one": self.read_floor(one_file),
            "generate": self.command("generate", str(config), "-o", str(generated), "--force"),
            "write_generated": self.write_floor(cells, self.out / f"floor-generated-{agencies}", "--in-memory"),
        }
        measured = {name: Measurement(name, argv, []) for name, argv in steps.items()}
        for repetition in range(repeat):
            for name, argv in steps.items():
                if name == "write_generated":
                    books = sorted(generated.glob("*.xlsx"))
                    if not books:
                        measured[name].runs.append(Run(0.0, 0.0, 0.0, -1, "", "generate wrote no workbook"))
                        continue
                    self.cells_of(books, cells)
                    measured[name].runs.append(self.floor_run(argv))
                else:
                    measured[name].runs.append(self.run(argv))
            log(f"  fixed, run {repetition + 1}/{repeat}: "
                + ", ".join(f"{name} {m.runs[-1].seconds:.3f}s" for name, m in measured.items()))
        measurements = {name: m.as_json() for name, m in measured.items()}
        seconds = {name: m["seconds"] for name, m in measurements.items()}
        return {"agencies": agencies, "config": str(config), "one_file": str(one_file), "repeat": repeat,
                "measurements": measurements, "ratios": report.fixed_ratios(seconds)}

    def profile(self, size: int) -> dict:
        """validate and merge of `size` returns once under cProfile (still the CLI, as a script): top own time."""
        returns = self.cache / f"returns-{size}"
        commands = {
            f"validate {size}": ["validate", str(returns)],
            f"merge {size}": ["merge", str(returns), "-o", str(self.out / "profiled.xlsx"), "--as-of", AS_OF, "--force"],
        }
        result = {}
        for label, args in commands.items():
            stats_path = self.out / f"profile-{label.replace(' ', '-')}.prof"
            subprocess.run([self.python, "-m", "cProfile", "-o", str(stats_path), str(self.cli), *args],
                           capture_output=True, check=False)
            stats = pstats.Stats(str(stats_path)).stats
            total = sum(tottime for _, _, tottime, _, _ in stats.values())
            rows = []
            for (file, line, function), (_, ncalls, tottime, cumtime, _) in sorted(
                    stats.items(), key=lambda item: item[1][2], reverse=True)[:PROFILE_TOP]:
                where = file.split("site-packages/")[-1] if "site-packages/" in file else file
                where = where.split("/baseline/", 1)[-1] if "/baseline/" in where else where
                rows.append({"function": f"{where}:{line}({function})", "ncalls": ncalls,
                             "tottime": round(tottime, 4), "cumtime": round(cumtime, 4)})
            result[label] = rows
            result[label + " total seconds"] = round(total, 3)
        return result


def compile_bytecode(cli: Path) -> None:
    """Compile the installed package to bytecode before anything is timed, as pip does when it installs the wheel:
    otherwise, with PYTHONDONTWRITEBYTECODE set (as on some machines) and a source tree without __pycache__, every
    measured command would compile ~0.5 MB of source first, which no user pays."""
    subprocess.run([str(corpus.cli_python(cli)), "-m", "compileall", "-q", str(corpus.package_dir(cli))], check=True)


def parse_sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def default_cli() -> Path:
    beside = Path(sys.executable).parent / "baseline"
    found = beside if beside.exists() else shutil.which("baseline")
    if not found:
        raise SystemExit("bench: no `baseline` command (run `make install` first, or give --cli)")
    return Path(found).absolute()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--sizes", type=parse_sizes, default=DEFAULT_SIZES, help="comma-separated return counts")
    parser.add_argument("--returns", type=int, action="append", default=[], help="add a size (e.g. 2000)")
    parser.add_argument("--repeat", type=int, help="runs per measurement (default 3 up to 200 returns, 1 above)")
    parser.add_argument("--agencies", type=int, default=50, help="agencies in the generate config (default 50)")
    parser.add_argument("--json", type=Path, default=HERE / "results.json", help="where the results go")
    parser.add_argument("--cache", type=Path, default=HERE.parent / ".bench", help="the build folder")
    parser.add_argument("--cli", type=Path, default=None, help="the baseline command (default: beside this python)")
    parser.add_argument("--profile", action="store_true", help="also cProfile validate and merge at the largest size")
    parser.add_argument("--compare", type=Path, help="an earlier results JSON (e.g. bench/before.json) to show beside")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes) | set(args.returns))
    cli = args.cli.absolute() if args.cli else default_cli()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    key = corpus.cache_key(cli)
    cache = args.cache / key
    if args.cache.exists():  # returns of an older version or source are of no more use
        for stale in args.cache.iterdir():
            if stale.is_dir() and stale.name != key:
                shutil.rmtree(stale, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    launcher = Launcher()  # started now, while the harness is small (see measure.py)
    session = Session(cli, cache, sys.executable, launcher)
    started = time.perf_counter()
    for size in sizes:
        ready = time.perf_counter()
        corpus.returns(cli, cache, size)
        log(f"{size} full returns ready in {time.perf_counter() - ready:.1f} s ({cache / f'returns-{size}'})")
    compile_bytecode(cli)
    load_before = os.getloadavg()
    results: dict = {
        "meta": {
            "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "cache_key": key,
            "cli": str(cli), "python": platform.python_version(), "cpus": os.cpu_count(),
            "sizes": sizes, "as_of": AS_OF, "load_average_before": [round(x, 2) for x in load_before],
            "floors": {"read": "fresh python process, python-calamine reads every sheet",
                       "write": "fresh python process, xlsxwriter constant_memory writes the same cells "
                                "(time loading the cells excluded)"},
        },
        "sizes": {},
    }
    for size in sizes:
        results["sizes"][str(size)] = session.size(size, args.repeat or default_repeat(size), log)
    one_file = sorted((cache / f"returns-{sizes[0]}").glob("*.xlsx"))[0]
    results["fixed"] = session.fixed(args.agencies, one_file, args.repeat or 3, log)
    per_size = {size: results["sizes"][str(size)] for size in sizes}
    results["growth_per_100"] = report.growth(per_size) if len(sizes) > 1 else {}
    results["targets"] = report.targets(per_size, results["fixed"])
    # A child's peak memory as the kernel reports it starts from its parent's (the launcher's at that moment): at
    # most this much of any figure can be the launcher's.
    results["meta"]["launcher_peak_mb"] = round(launcher.run([]).peak_mb, 1)
    launcher.close()
    if args.profile:
        results["profile"] = session.profile(sizes[-1])
    results["meta"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["meta"]["bench_seconds"] = round(time.perf_counter() - started, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    report.print_tables(results, sys.stdout)
    if args.profile:
        report.print_profile({k: v for k, v in results["profile"].items() if isinstance(v, list)}, sys.stdout)
    if args.compare:
        report.print_comparison(json.loads(args.compare.read_text()), results, sys.stdout)
    print(f"\nload average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; "
          f"the launcher's own peak memory {results['meta']['launcher_peak_mb']:.0f} MB (at most this much of any figure is its); "
          f"results in {args.json}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
