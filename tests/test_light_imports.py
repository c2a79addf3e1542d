"""What `validate` and `summary` load at start-up (issue 16): no workbook writer (openpyxl, and numpy which openpyxl
loads when it is installed), no chart or template library; an encoding found in the cache is not validated again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import answered, generate_return

HEAVY = ("openpyxl", "numpy", "matplotlib", "jinja2")
EXAMPLE = Path(__file__).parent.parent / "workbooks" / "examples" / "assessment.yaml"


def _run(code: str, cache: str) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


def _cli_then(args: list[str], then: str) -> str:
    """Code that runs `baseline ARGS` in a fresh process and prints "exit CODE" and `then` (Python expressions)."""
    return ("import sys\nfrom baseline.cli import cli\n"
            f"try:\n    cli({args!r})\nexcept SystemExit as done:\n    code = done.code\n"
            f"print('exit', code, {then})")


# ctypes is for the merge's memory (memory.give_back_large_blocks), csv for a CSV return (csv_rescue.parse_csv): each
# is imported where it is used, not at every start-up.
@pytest.mark.parametrize("modules", [HEAVY, ("ctypes", "csv")], ids=["writers charts templates", "ctypes csv"])
def test_validate_and_summary_import_no_writer_chart_or_template_library_nor_ctypes_or_csv(tmp_path, modules):
    loaded = _run("import sys, baseline.cli, baseline.intake, baseline.combine, baseline.render; "
                  f"print(','.join(m for m in {modules!r} if m in sys.modules))", str(tmp_path))
    assert loaded == ""


def test_an_encoding_from_the_cache_is_not_checked_again_and_loads_no_pydantic(tmp_path):
    code = ("import sys; from baseline import catalogue; g = catalogue.load('NG225'); "
            "print(g.fingerprint, 'pydantic' in sys.modules)")
    first = _run(code, str(tmp_path)).split()
    second = _run(code, str(tmp_path)).split()
    assert first == [first[0], "True"]  # checked: pydantic validated the YAML
    assert second == [first[0], "False"]  # from the cache: the same encoding, pydantic never imported


def test_generate_imports_no_openpyxl_and_no_other_writer(tmp_path):
    """generate writes the agency workbooks with xlsxwriter: it loads neither openpyxl (nor numpy with it) nor the
    merged workbook's or the action lists' writers."""
    code = ("import sys, baseline.cli, baseline.generation, baseline.intake; "
            "print(','.join(m for m in ('openpyxl', 'numpy', 'baseline.xlsx.merged.writer', "
            "'baseline.xlsx.action_list') if m in sys.modules))")
    assert _run(code, str(tmp_path)) == ""


def test_generate_run_end_to_end_loads_no_rich_and_no_openpyxl(tmp_path):
    """generate prints a count, no table: it loads no rich (counted is baseline.text's), nor openpyxl."""
    out = tmp_path / "out"
    code = ("import sys; from baseline.cli import cli; "
            f"cli.main(['generate', {str(EXAMPLE)!r}, '-o', {str(out)!r}], standalone_mode=False); "
            "print('loaded:', ','.join(m for m in ('rich', 'openpyxl', 'numpy') if m in sys.modules))")
    assert _run(code, str(tmp_path)).splitlines()[-1] == "loaded:"
    assert len(list(out.glob("*.xlsx"))) == 9


def test_merge_and_the_other_workflow_commands_import_no_openpyxl_or_numpy(tmp_path):
    """merge, report, compare, migrate and actions import baseline.workflow: it loads no openpyxl (nor numpy with
    it). recs import and recs verify, which read NICE's tool with openpyxl, live in baseline.nice_tool."""
    code = ("import sys, baseline.cli, baseline.workflow; "
            "print(','.join(m for m in ('openpyxl', 'numpy', 'baseline.nice_tool', 'baseline.xlsx.nice.structure') "
            "if m in sys.modules))")
    assert _run(code, str(tmp_path)) == ""
    assert _run("import sys, baseline.nice_tool; print('openpyxl' in sys.modules)", str(tmp_path)) == "True"


def test_merge_then_actions_to_files_run_without_openpyxl(tmp_path):
    """End to end: the merged workbook and the action lists are written with xlsxwriter alone."""
    returns = tmp_path / "returns"
    returns.mkdir()
    answered(generate_return(returns, "north.xlsx"))
    merged, out = tmp_path / "merged.xlsx", tmp_path / "to-send"
    code = ("import sys\nfrom baseline.cli import cli\n"
            "for args in ({merge!r}, {actions!r}):\n"
            "    try:\n        cli(args)\n    except SystemExit as done:\n        assert done.code == 0, args\n"
            "print('loaded:', ','.join(m for m in ('openpyxl', 'numpy') if m in sys.modules))").format(
        merge=["merge", str(returns), "-o", str(merged), "--as-of", "2027-03-01"],
        actions=["actions", str(merged), "--as-of", "2027-03-01", "-o", str(out)])
    assert _run(code, str(tmp_path / "cache")).splitlines()[-1] == "loaded:"
    assert [p.suffix for p in out.iterdir()] == [".xlsx"]


# Imported only when needed (issue 16): PyYAML when a YAML file is read and pydantic when one is checked (the
# encoding comes from the cache), the process pool when one is started (not for a handful of files), olefile for an
# .xls.
ONLY_WHEN_NEEDED = ("yaml", "pydantic", "concurrent.futures", "multiprocessing", "olefile")


def test_one_file_validate_with_a_warm_cache_imports_no_yaml_pydantic_pool_or_ole_reader(tmp_path):
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    code = _cli_then(["validate", str(workbook)],
                     f"','.join(m for m in {ONLY_WHEN_NEEDED + HEAVY!r} if m in sys.modules)")
    cache = str(tmp_path / "cache")
    _run("from baseline import catalogue; catalogue.load('NG225')", cache)  # warms the encoding cache
    assert _run(code, cache).splitlines()[-1] == "exit 0"  # valid, and none of them loaded


def test_validate_with_a_config_and_warm_caches_imports_no_yaml_or_pydantic(tmp_path):
    """A config once checked comes from the config cache (catalogue.load_config): no YAML read, nothing checked."""
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    code = _cli_then(["validate", str(workbook), "--config", str(EXAMPLE)],
                     f"','.join(m for m in {ONLY_WHEN_NEEDED + HEAVY!r} if m in sys.modules)")
    cache = str(tmp_path / "cache")
    _run(f"from baseline import catalogue; catalogue.load_config({str(EXAMPLE)!r})", cache)  # warms both caches
    assert _run(code, cache).splitlines()[-1] == "exit 1"  # another area's return (exit 1), and none of them loaded


# What a one-file validate leaves alone (issue 16: start-up is most of its time): merging and rolling up (combine, the
# merged workbook's reader), the renderers of other commands (render/__init__ imports each on first use), the progress
# line (only on a terminal, and validate shows none) and rich's tables (a valid file prints none).
NOT_FOR_VALIDATE = ("baseline.combine", "baseline.xlsx.merged.reader", "baseline.render.actions",
                    "baseline.render.summary", "baseline.render.rounds", "baseline.render.recs",
                    "baseline.render.tracker", "baseline.render.progress", "rich.progress", "rich.table",
                    "baseline.rounds", "baseline.actions", "baseline.merge", "baseline.summary")


def test_one_file_validate_loads_no_merge_summary_or_other_commands_renderers(tmp_path):
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    code = _cli_then(["validate", str(workbook)], "'baseline.render.validation' in sys.modules, "
                     f"'loaded:' + ','.join(m for m in {NOT_FOR_VALIDATE!r} if m in sys.modules)")
    assert _run(code, str(tmp_path / "cache")).splitlines()[-1] == "exit 0 True loaded:"  # its own renderer only


def test_summary_on_a_pipe_loads_no_progress_line_and_no_other_commands_renderers(tmp_path):
    """The progress line is drawn only on a terminal: on a pipe (as here) rich.progress is never imported."""
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    code = _cli_then(["summary", str(workbook), "--as-of", "2027-03-01"],
                     "'baseline.render.summary' in sys.modules, 'loaded:' + ','.join(m for m in "
                     "('rich.progress', 'baseline.render.actions', 'baseline.render.rounds', 'baseline.render.recs') "
                     "if m in sys.modules)")
    assert _run(code, str(tmp_path / "cache")).splitlines()[-1] == "exit 0 True loaded:"


def test_summary_on_a_pipe_reads_before_it_loads_rich(tmp_path):
    """On a pipe, nothing of rich is imported before the returns are read: the renderer is imported while a helper
    process reads (render.preload, cores.map_in_order's meanwhile), so the reading starts 13 ms sooner."""
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    code = ("import sys\nfrom baseline import cli, intake\nseen = []\nmap_in_order = intake.map_in_order\n"
            "def reading(*args, **kwargs):\n    seen.append('rich.console' in sys.modules)\n"
            "    return map_in_order(*args, **kwargs)\n"
            "intake.map_in_order = reading\n"
            f"try:\n    cli.cli(['summary', {str(workbook)!r}, '--as-of', '2027-03-01'])\n"
            "except SystemExit as done:\n    code = done.code\n"
            "print('exit', code, seen, 'rich.console' in sys.modules)")
    assert _run(code, str(tmp_path / "cache")).splitlines()[-1] == "exit 0 [False] True"


def test_summary_has_rich_tables_loaded_with_its_renderer_before_it_prints(tmp_path):
    """rich's tables (3 ms of imports) come in with the summary's renderer (render.preload, while the returns are
    read), not at the first table printed after them."""
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    code = ("import sys\nfrom baseline import cli\nfrom baseline.render import common\nseen = []\n"
            "table = common.table\n"
            "def first_table(*args, **kwargs):\n    seen.append('rich.table' in sys.modules)\n"
            "    return table(*args, **kwargs)\n"
            "common.table = first_table\n"
            f"try:\n    cli.cli(['summary', {str(workbook)!r}, '--as-of', '2027-03-01'])\n"
            "except SystemExit as done:\n    code = done.code\n"
            "print('exit', code, seen[:1])")
    assert _run(code, str(tmp_path / "cache")).splitlines()[-1] == "exit 0 [True]"
