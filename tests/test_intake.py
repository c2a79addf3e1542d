"""intake.py: reading returns in a pool of processes gives exactly what reading them here gives (same reports, same
answers, same order, a damaged file reported the same way), and a helper process that cannot start or dies still reads
every file once; validate keeps no answers."""

from __future__ import annotations

import datetime as dt
import os
import threading

import pytest

from baseline import catalogue, combine, cores, intake
from baseline.assessment import Answer, Choice
from baseline.xlsx.agency.writer import write_agency_workbook
from tests.factories import wait_for_file

AGENCIES = {"North CAMHS": ["mental_health"], "North Schools": ["education"], "North ED": ["emergency_care"],
            "North Police": ["police"]}


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    guideline = catalogue.load("NG225")
    folder = tmp_path_factory.mktemp("returns")
    for n, (agency, sectors) in enumerate(AGENCIES.items()):
        prefill = {"1.1.1": Answer("1.1.1", Choice.YES, Choice.YES)} if n % 2 else {}
        write_agency_workbook(folder / f"{n}-{agency.lower().replace(' ', '-')}.xlsx", guideline, agency=agency,
                              sectors=[s for s in sectors if s in guideline.sectors] or ["education"],
                              prefill=prefill, generated_at=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    (folder / "2a-damaged.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")  # reported, never raised
    return folder


def _seen(loaded: intake.LoadedReturns):
    return loaded.report.to_dict(), loaded.returns, loaded.files_read


def test_a_pool_reads_the_same_as_this_process_in_the_same_order(returns):
    serial = intake.load_returns([returns], workers=1)
    pooled = intake.load_returns([returns], workers=2)
    assert _seen(pooled) == _seen(serial)
    # the answers travel back as rows of values (intake.SentAnswers): every field but the cells they were read from
    # (compare=False; nothing after reading uses them, tests/test_sent_answers.py) comes back, as Answers
    assert all(type(a) is Answer for r in pooled.returns for a in r.answers.values())
    assert [f.path for f in pooled.report.files] == sorted(str(p) for p in returns.iterdir())
    damaged = next(f for f in pooled.report.files if f.path.endswith("damaged.xlsx"))
    assert not damaged.valid and damaged.issues  # the worker's report of a damaged file, as here
    assert len(serial.returns) == len(AGENCIES)


def test_validate_keeps_only_the_reports(returns):
    kept = intake.load_returns([returns], workers=2, keep_answers=False)
    assert kept.returns == []
    assert kept.report.to_dict() == intake.load_returns([returns], workers=1).report.to_dict()


def test_untracked_reading_gives_the_same_reports_and_no_tracker_entries(returns):
    """validate without a config asks nothing of the tracker: no ReceivedFile is made, the reports are the same."""
    tracked = intake.load_returns([returns], workers=2, keep_answers=False)
    untracked = intake.load_returns([returns], workers=2, keep_answers=False, tracked=False)
    assert untracked.report.to_dict() == tracked.report.to_dict()
    assert untracked.received == [] and len(tracked.received) == len(tracked.report.files)


def test_an_untracked_reading_gives_the_same_report_without_what_only_the_tracker_asks(returns):
    for path in sorted(returns.iterdir()):
        tracked, received = intake.read_kept(path, agency_map=None, keep_answers=False)
        untracked, none = intake.read_kept(path, agency_map=None, keep_answers=False, tracked=False)
        assert none is None and received is not None and received.path == str(path)
        assert untracked.report.to_dict() == tracked.report.to_dict() and untracked.agency_return is None
        kept, _ = intake.read_kept(path, agency_map=None, keep_answers=True, tracked=False)
        saved_too, _ = intake.read_kept(path, agency_map=None, keep_answers=True)
        assert kept.report.to_dict() == saved_too.report.to_dict()
        if saved_too.agency_return is not None:  # answers kept: their readers still get the last-saved time
            assert saved_too.agency_return.last_saved is not None
            assert kept.agency_return.last_saved == saved_too.agency_return.last_saved
    workbook = next(p for p in sorted(returns.iterdir()) if not p.name.endswith("damaged.xlsx"))
    assert intake.read_return(workbook, saved_time=False).agency_return.last_saved is None
    assert intake.read_return(workbook).agency_return.last_saved is not None


def test_a_helper_that_cannot_start_leaves_every_file_to_this_process(returns, monkeypatch):
    def no_fork():
        raise OSError("no more processes")

    monkeypatch.setattr(os, "fork", no_fork)
    assert _seen(intake.load_returns([returns], workers=2)) == _seen(intake.load_returns([returns], workers=1))


def test_a_helper_that_dies_midway_still_reads_each_file_once(returns, monkeypatch, tmp_path):
    parent, died = os.getpid(), tmp_path / "died"
    read_here: list[str] = []
    read_kept = intake.read_kept

    def dies_in_a_helper(path, **options):
        if os.getpid() != parent:
            died.touch()
            os._exit(1)  # killed before answering the file it took
        if not read_here:
            wait_for_file(died)
        read_here.append(str(path))
        return read_kept(path, **options)

    monkeypatch.setattr(intake, "read_kept", dies_in_a_helper)
    progress: list[str] = []
    pooled = intake.load_returns([returns], workers=2, progress=progress.append)
    monkeypatch.undo()
    assert _seen(pooled) == _seen(intake.load_returns([returns], workers=1))
    assert progress == sorted(str(p) for p in returns.iterdir())  # each file once, in order
    assert read_here == progress  # all read here: the helper died on the first file it took


def test_a_reader_passed_in_is_used_here_never_pickled(returns):
    calls = []

    def reader(path):
        calls.append(path)
        return intake.read_return(path)

    intake.load_returns([returns], reader=reader, workers=2)  # a local function: no pool could take it
    assert len(calls) == len(list(returns.iterdir()))


def test_pool_size(monkeypatch):
    monkeypatch.setattr(cores.sys, "platform", "linux")
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert intake.pool_size(intake.POOL_MIN_FILES - 1) == 1  # starting processes would cost more
    assert intake.pool_size(intake.POOL_MIN_FILES) == 2
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert intake.pool_size(1000) == 1  # one core: no pool
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(cores.sys, "platform", "darwin")
    assert intake.pool_size(1000) == 1  # no fork where forking is not safe
    monkeypatch.setattr(cores.sys, "platform", "linux")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert intake.pool_size(1000) == 1  # another thread runs: no fork
    finally:
        stop.set()
        other.join()


@pytest.fixture(scope="module")
def merged(returns, tmp_path_factory):
    from baseline import workflow

    good = [p for p in sorted(returns.iterdir()) if "damaged" not in p.name]
    target = tmp_path_factory.mktemp("merged") / "merged.xlsx"
    assert workflow.merge_files(good, target, as_of=dt.date(2027, 3, 1)).ok
    return target, good


@pytest.mark.parametrize("agencies", [None, ["North ED"], ["Nobody"]])
def test_a_merged_workbook_among_returns_is_refused_by_name(merged, agencies):
    target, good = merged
    with pytest.raises(combine.BaselineError, match=f"{target.name} is a merged workbook: summarise it on its own"):
        combine.assessment_from_files([*good, target], agencies=agencies)


def test_a_merged_workbook_alone_is_summarised_and_returns_are_merged(merged):
    target, good = merged
    alone = combine.assessment_from_files([target])
    on_the_fly = combine.assessment_from_files(good)
    assert alone.ok and on_the_fly.ok
    assert alone.assessment.agency_names == on_the_fly.assessment.agency_names
