"""The cyclic garbage collector is kept out of reading, merging, rolling up and writing (memory.no_cycle_collection:
issue 16, its walks over every answer read were a tenth of summary and of merge). That is only safe while that work
makes no reference cycles, which would then stay in memory until the command ends: held here, over good returns
and hostile ones."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from baseline import combine, intake, memory, render, workflow
from baseline.assessment import Answer
from tests import hostile

DAY = dt.date(2026, 11, 30)


def test_the_collector_is_off_inside_and_as_it_was_afterwards():
    assert gc.isenabled()
    with memory.no_cycle_collection():
        assert not gc.isenabled()
        with memory.no_cycle_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner block leaves it off for the outer one
    assert gc.isenabled()
    with pytest.raises(RuntimeError), memory.no_cycle_collection():
        raise RuntimeError("a failed read")
    assert gc.isenabled()
    gc.disable()
    try:
        with memory.no_cycle_collection():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()


def test_when_the_process_ends_with_the_block_the_collector_stays_off_and_everything_alive_is_frozen():
    keep = [[] for _ in range(10)]  # made before: frozen too, as is everything alive
    try:
        with memory.no_cycle_collection(process_ends=True):
            made = [[] for _ in range(10)]
        assert not gc.isenabled()
        assert gc.get_freeze_count() >= len(keep) + len(made)
        walked = {id(x) for x in gc.get_objects()}  # every generation's objects: the frozen are in none
        assert gc.is_tracked(made[0]) and not any(id(x) in walked for x in made)
    finally:
        gc.unfreeze()
        gc.enable()
    with pytest.raises(RuntimeError), memory.no_cycle_collection(process_ends=True):
        raise RuntimeError("a failed command ends the process too")
    try:
        assert not gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> tuple[Path, Path]:
    """A folder of returns merge accepts, and one of returns each refused or reported in its own way."""
    root = tmp_path_factory.mktemp("cycles")
    good, bad = root / "good", root / "bad"
    good.mkdir(), bad.mkdir()
    for i, agency in enumerate(["North CAMHS", "South ED", "East GP"]):
        hostile.answered(hostile.generate_return(good, f"return-{i}.xlsx", agency=agency))
    blank = hostile.generate_return(root, "blank.xlsx")
    damage = {"far-cell.xlsx": lambda p: hostile.add_far_cell(p, "XFD1048576"), "zip-bomb.xlsx": hostile.zip_bomb,
              "encrypted.xlsx": hostile.encrypted, "random.xlsx": hostile.random_bytes,
              "merge-bomb.xlsx": lambda p: hostile.add_merge(p, "A1:XFD1048576"), "blank.xlsx": lambda p: p}
    for name, make in damage.items():
        make(shutil.copy(blank, bad / name))
    (bad / "export.csv").write_text("Recommendation,Relevant\n1.1.1,Yes\n", encoding="utf-8")
    return good, bad


def _cyclic_garbage() -> list[object]:
    """What a collection now finds only in reference cycles."""
    gc.set_debug(gc.DEBUG_SAVEALL)  # kept in gc.garbage, to be looked at
    try:
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def _merged(good: Path, folder: Path) -> Path:
    """The good returns merged (with the collector on), and whatever that left in cycles collected."""
    merged = folder / "merged.xlsx"
    assert workflow.merge_files([good], merged, as_of=DAY).ok
    gc.collect()
    return merged


def test_reading_merging_and_rolling_up_returns_good_and_bad_make_no_reference_cycles(returns, tmp_path):
    good, bad = returns
    merged = _merged(good, tmp_path)
    with memory.no_cycle_collection():
        report = intake.validate_files([good, bad])
        assert not report.valid and len(report.files) == 10  # every bad one read, and reported
        assert combine.summarise_files([good], today=DAY).summary is not None
        assert combine.summarise_files([merged], today=DAY).summary is not None
        workflow.read_round(merged)
        workflow.actions_file(merged, today=DAY)
        left = _cyclic_garbage()
    assert not left, f"left in reference cycles: {Counter(type(o).__name__ for o in left).most_common(10)}"


def test_a_merge_leaves_only_the_cycles_of_the_one_workbook_it_writes(returns, tmp_path):
    """xlsxwriter's workbook and its sheets refer to each other (and ctypes' handle on the C library, once per merge:
    memory.give_back_large_blocks): freed when the command ends, or for a caller of the library at the collector's
    next pass. None of baseline's own objects (answers, returns, reports, the plan) is left in a cycle."""
    good, _ = returns
    merged = tmp_path / "merged.xlsx"
    gc.collect()
    with memory.no_cycle_collection():
        for force in (False, True):  # a first merge, then one over its own output
            assert workflow.merge_files([good], merged, as_of=DAY, force=force).ok
            left = _cyclic_garbage()
            modules = Counter(type(o).__module__.split(".")[0] for o in left)
            assert modules["baseline"] == 0, "answers, returns or reports left in cycles"
            assert [type(o).__name__ for o in left if type(o).__module__.startswith("xlsxwriter")].count(
                "Workbook") == 1
            del left
            gc.collect()


def test_merge_summary_and_the_merged_readers_run_without_the_collector(returns, tmp_path, monkeypatch):
    good, _ = returns
    seen: dict[str, bool] = {}

    def spy(module, name):
        real = getattr(module, name)

        def watched(*args, **options):
            seen[name] = gc.isenabled()
            return real(*args, **options)

        monkeypatch.setattr(module, name, watched)

    spy(combine, "load_returns")
    spy(combine, "summarise")
    spy(workflow, "write_merged_workbook")
    spy(workflow, "read_merged")
    merged = tmp_path / "merged.xlsx"
    workflow.merge_files([good], merged, as_of=DAY)
    combine.summarise_files([good], today=DAY)
    assert seen == {"load_returns": False, "summarise": False, "write_merged_workbook": False}
    workflow.read_round(merged)
    assert seen.pop("read_merged") is False
    workflow.actions_file(merged, today=DAY)
    assert seen.pop("read_merged") is False
    assert gc.isenabled()  # and on again after each


@pytest.mark.parametrize("columns", ["40", "100", "250"])
@pytest.mark.parametrize("colour", [False, True])
def test_laying_a_summary_out_makes_no_reference_cycles(returns, monkeypatch, colour, columns):
    """print_summary (tables, and blocks where a table does not fit), its CSV and its Markdown, which the command line
    runs with the collector off (cli.CommandWithoutCollector): none of them leaves anything in a cycle, in colour or
    not, at any width."""
    good, _ = returns
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setenv("FORCE_COLOR" if colour else "NO_COLOR", "1")
    monkeypatch.delenv("NO_COLOR" if colour else "FORCE_COLOR", raising=False)
    found = combine.summarise_files([good], today=DAY).summary
    gc.collect()
    with memory.no_cycle_collection(), contextlib.redirect_stdout(io.StringIO()) as shown:
        for by in ("section", "agency", "owner"):
            render.print_summary(found, by)
        texts = [render.summary_csv(found, table) for table in ("section", "agency", "owner", "gaps", "actions")]
        texts.append(render.summary_markdown(found))
        left = _cyclic_garbage()
    assert not left, f"left in reference cycles: {Counter(type(o).__name__ for o in left).most_common(10)}"
    assert "Action owners" in shown.getvalue() and all(texts)
    assert ("\x1b[" in shown.getvalue()) is colour


def test_a_summary_frees_the_answers_before_the_collector_is_back(returns, monkeypatch):
    """Every object made while the collector is off is young: the first collection after it is back walks each one
    still alive, so the merged answers are dropped first (the summary keeps none of them)."""
    good, _ = returns

    def answers_alive() -> int:
        return sum(isinstance(o, Answer) for o in gc.get_objects())

    before = answers_alive()
    seen = []
    enable = gc.enable
    monkeypatch.setattr(gc, "enable", lambda: seen.append(answers_alive()) or enable())
    assert combine.summarise_files([good], today=DAY).summary is not None
    assert seen == [before]


# --- the command line: a command runs with the collector off, but for those writing a workbook per agency or owner --


def test_every_command_runs_without_the_collector_but_those_writing_a_workbook_per_agency_or_owner():
    from baseline.cli import CommandWithoutCollector, cli

    with_collector = {name for name, command in cli.commands.items() if not isinstance(command, CommandWithoutCollector)}
    assert with_collector == {"generate", "recs"}  # recs: a group of its own, each command small


def test_summary_prints_with_the_collector_off_and_leaves_it_on(returns, monkeypatch):
    from click.testing import CliRunner

    from baseline import render
    from baseline.cli import cli

    good, _ = returns
    seen = []
    real = render.print_summary
    monkeypatch.setattr(render, "print_summary", lambda *a, **k: (seen.append(gc.isenabled()), real(*a, **k)))
    result = CliRunner().invoke(cli, ["summary", str(good)])
    assert result.exit_code == 0, result.output
    assert seen == [False] and gc.isenabled()


def test_as_the_baseline_command_itself_a_command_leaves_the_collector_off_and_its_objects_frozen(returns):
    """cli.main runs the group with obj=OWN_PROCESS: the process ends with the command, so nothing is walked again."""
    from click.testing import CliRunner

    from baseline.cli import OWN_PROCESS, cli

    good, _ = returns
    try:
        result = CliRunner().invoke(cli, ["summary", str(good), "--format", "json", "--as-of", DAY.isoformat()],
                                    obj=OWN_PROCESS)
        assert not gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == combine.summarise_files([good], as_of=DAY).summary.to_dict()


def test_generate_runs_with_the_collector_on(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from baseline import generation
    from baseline.cli import cli

    seen = []
    real = generation.generate_workbook
    monkeypatch.setattr(generation, "generate_workbook", lambda *a, **k: (seen.append(gc.isenabled()), real(*a, **k))[1])
    result = CliRunner().invoke(cli, ["generate", "--as-agency", "North CAMHS", "--sector", "mental_health",
                                      "-o", str(tmp_path / "north.xlsx")])
    assert result.exit_code == 0, result.output
    assert seen == [True]



class _Cycle:
    def __init__(self):
        self.me = self


def test_cycles_freed_frees_what_the_block_left_in_cycles_and_walks_nothing_older():
    gc.collect()
    gc.disable()
    try:
        older = _Cycle()
        del older  # garbage from before the block: frozen out of the block's collection, found by the next one
        walked = []
        gc.callbacks.append(lambda phase, info: phase == "stop" and walked.append(info["collected"]))
        try:
            with memory.cycles_freed():
                made = _Cycle()
                del made
        finally:
            gc.callbacks.pop()
        assert len(walked) == 1 and walked[0] >= 1  # one collection, which freed the block's cycle
        assert not gc.isenabled()  # as it was
        assert [type(o) for o in _cyclic_garbage()] == [_Cycle]  # the older one, still there for the next collection
    finally:
        gc.enable()


def test_actions_written_one_workbook_per_owner_leave_no_cycles(returns, tmp_path):
    good, _ = returns
    merged = _merged(good, tmp_path)
    with memory.no_cycle_collection():
        outcome = workflow.actions_file(merged, today=DAY, output_dir=tmp_path / "owners", fmt="table")
        assert len(outcome.written) >= 1 and all(path.suffix == ".xlsx" for path in outcome.written)
        left = _cyclic_garbage()
    assert not [o for o in left if type(o).__module__.startswith("xlsxwriter")]
