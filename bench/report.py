"""What the numbers mean: ratios to the floors, growth per 100 files, the targets of issue 16, the printed tables."""

from __future__ import annotations

# Targets (DESIGN.md "Performance", issue 16). Ratios apply from 200 returns up; memory at every size.
RATIO_TARGETS_FROM = 200
VALIDATE_MAX, SUMMARY_MAX, MERGE_MAX = 1.5, 1.5, 2.0
ONE_FILE_MAX, GENERATE_MAX, HELP_MAX_SECONDS, MERGE_PEAK_MAX_MB = 5.0, 2.0, 0.1, 150.0
TROUBLE_FREE_FROM = 2000

SIZE_COMMANDS = ["validate", "summary_returns", "merge", "merge_again", "summary_merged"]
MERGES = {"merge": "merge", "merge_again": "merge again"}  # a first merge; the same again over its own output
SIZE_FLOORS = ["read_returns", "read_merged", "write_merged"]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def size_ratios(seconds: dict[str, float]) -> dict[str, float | None]:
    return {
        "validate_per_read_floor": ratio(seconds["validate"], seconds["read_returns"]),
        "summary_per_read_floor": ratio(seconds["summary_returns"], seconds["read_returns"]),
        "merge_per_read_plus_write_floor": ratio(seconds["merge"], seconds["read_returns"] + seconds["write_merged"]),
        "merge_again_per_read_plus_write_floor": ratio(seconds["merge_again"],
                                                       seconds["read_returns"] + seconds["write_merged"]),
        "summary_merged_per_its_read_floor": ratio(seconds["summary_merged"], seconds["read_merged"]),
    }


def fixed_ratios(seconds: dict[str, float]) -> dict[str, float | None]:
    return {
        "validate_one_per_read_floor": ratio(seconds["validate_one"], seconds["read_one"]),
        "generate_per_write_floor": ratio(seconds["generate"], seconds["write_generated"]),
        "help_seconds": round(seconds["help"], 3),
    }


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares growth per 100 files (None with fewer than two sizes)."""
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return round(100 * sum((x - mean_x) * (y - mean_y) for x, y in points) / spread, 4)


def growth(per_size: dict[int, dict]) -> dict[str, dict]:
    """Seconds and MB added per 100 files, overall and per step between sizes. A command whose last step is much
    steeper than its first, more so than the read floor's own (disk cache, a busy machine), has a step that grows
    faster than the number of files."""
    sizes = sorted(per_size)

    def steepening(name: str) -> float | None:
        times = [(n, per_size[n]["measurements"][name]["seconds"]) for n in sizes]
        first, last = slope(times[:2]), slope(times[-2:])
        return last / first if first and first > 0 and last is not None else None

    floor_steepening = steepening("read_returns") if len(sizes) >= 3 else None
    result = {}
    for name in SIZE_COMMANDS + SIZE_FLOORS:
        times = [(n, per_size[n]["measurements"][name]["seconds"]) for n in sizes]
        memory = [(n, per_size[n]["measurements"][name]["peak_mb"]) for n in sizes]
        entry = {"seconds_per_100": slope(times), "mb_per_100": slope(memory)}
        if len(sizes) >= 3:
            entry["seconds_per_100_first_step"], entry["seconds_per_100_last_step"] = slope(times[:2]), slope(times[-2:])
            ratio_ = steepening(name)
            entry["steepening"] = None if ratio_ is None else round(ratio_, 2)
            if name in SIZE_COMMANDS:  # the floors are the yardstick, not suspects
                entry["superlinear"] = bool(ratio_ and ratio_ > 1.5 * max(1.0, floor_steepening or 1.0))
        result[name] = entry
    return result


def targets(per_size: dict[int, dict], fixed: dict) -> list[dict]:
    checks = []

    def check(name: str, size: int | None, value: float | None, limit: float, unit: str = "×") -> None:
        checks.append({"target": name, "returns": size, "value": value, "limit": limit, "unit": unit,
                       "pass": value is not None and value <= limit})

    for size in sorted(per_size):
        ratios, measured = per_size[size]["ratios"], per_size[size]["measurements"]
        if size >= RATIO_TARGETS_FROM:
            check("validate ÷ read floor", size, ratios["validate_per_read_floor"], VALIDATE_MAX)
            check("summary ÷ read floor", size, ratios["summary_per_read_floor"], SUMMARY_MAX)
            for name, label in MERGES.items():
                check(f"{label} ÷ (read + write floor)", size, ratios[f"{name}_per_read_plus_write_floor"], MERGE_MAX)
        for name, label in MERGES.items():
            check(f"{label} peak memory", size, measured[name]["peak_mb"], MERGE_PEAK_MAX_MB, "MB")
        if size >= TROUBLE_FREE_FROM:
            failed = [name for name in SIZE_COMMANDS if not measured[name]["ok"]]
            checks.append({"target": "runs without trouble", "returns": size, "value": failed or "all ok",
                           "limit": "every command exits 0", "unit": "", "pass": not failed})
    ratios = fixed["ratios"]
    check("one-file validate ÷ its read floor", 1, ratios["validate_one_per_read_floor"], ONE_FILE_MAX)
    check(f"generate {fixed['agencies']} agencies ÷ write floor", None, ratios["generate_per_write_floor"], GENERATE_MAX)
    check("--help seconds", None, ratios["help_seconds"], HELP_MAX_SECONDS, "s")
    return checks


def _cell(value, digits: int = 2, suffix: str = "") -> str:
    return "–" if value is None else f"{value:.{digits}f}{suffix}"


def print_tables(results: dict, out) -> None:
    per_size = {int(n): data for n, data in results["sizes"].items()}
    print(file=out)
    print("Seconds, best of the runs (ratio to its floor). Floors: read = python-calamine reads every sheet; "
          "write = xlsxwriter constant_memory writes the merged cells.", file=out)
    header = (f"{'returns':>7} {'validate':>15} {'summary':>15} {'merge':>15} {'merge again':>15} "
              f"{'summary MERGED':>15} {'read floor':>10} {'write floor':>11} {'runs':>4}")
    print(header, file=out)
    print("-" * len(header), file=out)
    for size in sorted(per_size):
        m, r = per_size[size]["measurements"], per_size[size]["ratios"]

        def timed(name: str, ratio_name: str) -> str:
            flag = "" if m[name]["ok"] else "!"
            return f"{m[name]['seconds']:6.2f}{flag} ({_cell(r[ratio_name])}×)"

        print(f"{size:>7} {timed('validate', 'validate_per_read_floor'):>15} "
              f"{timed('summary_returns', 'summary_per_read_floor'):>15} "
              f"{timed('merge', 'merge_per_read_plus_write_floor'):>15} "
              f"{timed('merge_again', 'merge_again_per_read_plus_write_floor'):>15} "
              f"{timed('summary_merged', 'summary_merged_per_its_read_floor'):>15} "
              f"{m['read_returns']['seconds']:>10.2f} {m['write_merged']['seconds']:>11.2f} "
              f"{len(m['merge']['runs']):>4}", file=out)
    print(file=out)
    print("Peak memory, MB (and CPU seconds ÷ wall seconds: above 1 means both cores at work)", file=out)
    header = (f"{'returns':>7} {'validate':>14} {'summary':>14} {'merge':>14} {'merge again':>14} "
              f"{'summary MERGED':>14} {'read floor':>14}")
    print(header, file=out)
    print("-" * len(header), file=out)
    for size in sorted(per_size):
        m = per_size[size]["measurements"]

        def memory(name: str) -> str:
            return f"{m[name]['peak_mb']:5.0f} ({m[name]['cpu_seconds'] / m[name]['seconds']:.2f})"

        print(f"{size:>7} {memory('validate'):>14} {memory('summary_returns'):>14} {memory('merge'):>14} "
              f"{memory('merge_again'):>14} {memory('summary_merged'):>14} {memory('read_returns'):>14}", file=out)
    if results.get("growth_per_100"):
        print(file=out)
        print("Growth per 100 files (least squares over the sizes; first → last step)", file=out)
        floor = results["growth_per_100"]["read_returns"].get("steepening") or 1.0
        for name, entry in results["growth_per_100"].items():
            steps = ""
            if "seconds_per_100_first_step" in entry:
                steps = (f"  steps {_cell(entry['seconds_per_100_first_step'], 3)} → "
                         f"{_cell(entry['seconds_per_100_last_step'], 3)} s"
                         + (f" (×{entry['steepening']:.1f}, read floor ×{floor:.1f}: SUPERLINEAR?)"
                            if entry.get("superlinear") else ""))
            print(f"  {name:<16} {_cell(entry['seconds_per_100'], 3):>7} s  {_cell(entry['mb_per_100'], 1):>6} MB"
                  f"{steps}", file=out)
    fixed = results["fixed"]
    m, r = fixed["measurements"], fixed["ratios"]
    print(file=out)
    print(f"one-file validate {m['validate_one']['seconds']:.3f} s, its read floor {m['read_one']['seconds']:.3f} s "
          f"({_cell(r['validate_one_per_read_floor'])}×), peak {m['validate_one']['peak_mb']:.0f} MB", file=out)
    print(f"generate {fixed['agencies']} agencies {m['generate']['seconds']:.2f} s, write floor "
          f"{m['write_generated']['seconds']:.2f} s ({_cell(r['generate_per_write_floor'])}×), "
          f"peak {m['generate']['peak_mb']:.0f} MB", file=out)
    print(f"--help {m['help']['seconds']:.3f} s, peak {m['help']['peak_mb']:.0f} MB", file=out)
    print(file=out)
    print("Targets (issue 16)", file=out)
    for target in results["targets"]:
        at = f" at {target['returns']}" if target["returns"] and target["returns"] > 1 else ""
        value = target["value"]
        shown = f"{value:.2f}{target['unit']}" if isinstance(value, (int, float)) else str(value)
        limit = f"{target['limit']}{target['unit']}" if isinstance(target["limit"], (int, float)) else target["limit"]
        print(f"  {'PASS' if target['pass'] else 'FAIL'}  {target['target'] + at:<42} {shown:>10}  (≤ {limit})",
              file=out)
    failed = [f"{name} at {size}" for size, data in sorted(per_size.items())
              for name, entry in data["measurements"].items() if not entry["ok"]]
    failed += [name for name, entry in m.items() if not entry["ok"]]
    if failed:
        print(f"\nFAILED RUNS (see 'error' in the JSON): {', '.join(failed)}", file=out)


def print_profile(profile: dict, out) -> None:
    for command, rows in profile.items():
        print(f"\nProfile of {command} (cProfile, top by own time)", file=out)
        for row in rows:
            print(f"  {row['tottime']:7.3f} s own {row['cumtime']:7.3f} s cum {row['ncalls']:>9}  {row['function']}",
                  file=out)


def print_comparison(before: dict, after: dict, out) -> None:
    """Seconds and ratios of an earlier run (--compare) beside this one's, for the sizes both measured."""
    print("\nBefore → now (seconds, and the ratio to the floor)", file=out)
    for size in sorted(set(before["sizes"]) & set(after["sizes"]), key=int):
        old, new = before["sizes"][size], after["sizes"][size]
        parts = []
        for name, ratio_name in [("validate", "validate_per_read_floor"), ("summary_returns", "summary_per_read_floor"),
                                 ("merge", "merge_per_read_plus_write_floor"),
                                 ("summary_merged", "summary_merged_per_its_read_floor")]:
            parts.append(f"{name} {old['measurements'][name]['seconds']:.2f} → {new['measurements'][name]['seconds']:.2f} s"
                         f" ({_cell(old['ratios'][ratio_name])}× → {_cell(new['ratios'][ratio_name])}×)")
        merge_mb = f"merge peak {old['measurements']['merge']['peak_mb']:.0f} → {new['measurements']['merge']['peak_mb']:.0f} MB"
        print(f"  {size:>5}: " + "; ".join(parts) + f"; {merge_mb}", file=out)
    if "fixed" in before and "fixed" in after:
        old, new = before["fixed"]["ratios"], after["fixed"]["ratios"]
        print(f"  one-file validate {_cell(old['validate_one_per_read_floor'])}× → "
              f"{_cell(new['validate_one_per_read_floor'])}×; generate {_cell(old['generate_per_write_floor'])}× → "
              f"{_cell(new['generate_per_write_floor'])}×; --help {old['help_seconds']:.3f} → {new['help_seconds']:.3f} s",
              file=out)
