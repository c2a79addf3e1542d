"""`summary` opens each file once (issue 16): returns are read as returns first, and only a file that could not be
read is asked whether it is a merged workbook (to name it: summarise it on its own); a merged workbook given alone is
opened once, not once to recognise it and again to read it."""

from __future__ import annotations

import datetime as dt

import pytest

from baseline import catalogue, combine, files, intake, workflow
from baseline.assessment import Answer, Choice
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.merged import reader

AGENCIES = {"North CAMHS": ["mental_health"], "North Schools": ["education"], "North ED": ["emergency_care"]}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    guideline = catalogue.load("NG225")
    returns = tmp_path_factory.mktemp("returns")
    actions = {rec: Answer(rec, Choice.YES, Choice.PARTIAL, action="Train the team", owner="Safeguarding lead",
                           deadline=dt.date(2027, 1, 31)) for rec in ("1.1.1", "1.1.2")}  # linked actions
    for n, (agency, sectors) in enumerate(AGENCIES.items()):
        write_agency_workbook(returns / f"{n}-{agency.lower().replace(' ', '-')}.xlsx", guideline, agency=agency,
                              sectors=[s for s in sectors if s in guideline.sectors] or ["education"],
                              prefill=actions, generated_at=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    merged = tmp_path_factory.mktemp("merged") / "merged.xlsx"
    assert workflow.merge_files(sorted(returns.iterdir()), merged, as_of=dt.date(2027, 3, 1)).ok
    return returns, merged


@pytest.fixture
def asked(monkeypatch):
    """The files combine asks is_merged_workbook about, in order."""
    calls = []

    def recording(path):
        calls.append(path.name)
        return reader.is_merged_workbook(path)

    monkeypatch.setattr(combine, "is_merged_workbook", recording)
    return calls


def test_returns_that_read_are_never_asked_whether_they_are_merged(folder, asked):
    returns, _ = folder
    outcome = combine.summarise_files([returns], as_of=dt.date(2027, 3, 1))
    assert outcome.summary is not None and len(outcome.summary.agencies) == len(AGENCIES)
    assert asked == []


def test_only_files_that_failed_are_asked_and_the_merged_one_is_named(folder, asked, tmp_path):
    returns, merged = folder
    damaged = tmp_path / "0-damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(combine.BaselineError, match=f"{merged} is a merged workbook: summarise it on its own"):
        combine.assessment_from_files([damaged, *sorted(returns.iterdir()), merged])
    assert asked == ["0-damaged.xlsx", "merged.xlsx"]


def test_files_that_fail_for_other_reasons_are_reported_as_before(folder, asked, tmp_path):
    returns, _ = folder
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    outcome = combine.assessment_from_files([*sorted(returns.iterdir()), damaged])
    assert not outcome.ok and asked == ["damaged.xlsx"]
    [bad] = [f for f in outcome.report.files if not f.valid]
    assert bad.path == str(damaged)


def test_a_merged_workbook_alone_is_opened_once(folder, monkeypatch):
    _, merged = folder
    opened = []
    original = reader._open_checked

    def counting(path):
        opened.append(path)
        return original(path)

    monkeypatch.setattr(reader, "_open_checked", counting)
    outcome = combine.assessment_from_files([merged])
    assert outcome.ok and outcome.plan is not None
    assert opened == [merged]
    assert outcome.assessment.agency_names == reader.read_merged(merged).assessment.agency_names


def test_what_summary_reads_of_a_merged_workbook_is_the_plan_less_its_links(folder):
    """read_if_merged(complete=False): the same assessment and plan rows as read_merged, without what only the
    Actions sheet and merge --update use (links, orphan marks, digests as written)."""
    import dataclasses

    _, merged = folder
    full = reader.read_merged(merged)
    light = reader.read_if_merged(merged, complete=False)
    assert full.written and light.written == {}
    assert any(row.links for row in full.plan) and not any(row.links for row in light.plan)
    unlinked = [dataclasses.replace(row, links=(), more_links=0, orphaned=None) for row in full.plan]
    assert light.plan == unlinked and light.meta == full.meta
    assert light.assessment.results == full.assessment.results
    assert reader.read_if_merged(sorted(folder[0].iterdir())[0]) is None  # a return: not a merged workbook


def test_the_folders_are_walked_once(folder, monkeypatch):
    """summary looks at the paths once (is it one merged workbook?) and reads the returns from that same list."""
    walked = []

    def recording(paths):
        walked.append(list(paths))
        return files.expand_paths(walked[-1])

    monkeypatch.setattr(combine, "expand_paths", recording)
    monkeypatch.setattr(intake, "expand_paths", recording)
    returns, _ = folder
    outcome = combine.summarise_files([returns], as_of=dt.date(2027, 3, 1))
    assert outcome.summary is not None and len(outcome.summary.agencies) == len(AGENCIES)
    assert walked == [[returns]]
    assert outcome.report.files == intake.load_returns([returns]).report.files  # the same returns, read the same
