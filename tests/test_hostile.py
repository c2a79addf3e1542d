"""The hostile corpus (issue 11): every case asserts its issue code or clear error and exit code, no traceback, the
inputs unchanged, no partial or stray output, and bounded time (and memory, where a parser could allocate, in a
subprocess with an address-space limit). Builders: tests/hostile.py.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.parsers import expat

import openpyxl
import pytest

from . import hostile as h
from .libreoffice import convert, needs_soffice
from .nice_bat_builder import build_bat, rec, section

SLOW_WRITER = """
import os, signal, sys, time, zipfile
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (a background job starts with it ignored)
from baseline.cli import cli
close = zipfile.ZipFile.close
def slow_close(self):
    if self.mode == "w" and getattr(self, "filename", None) and not getattr(self, "slept", False):
        self.slept = True  # once: close() runs again from __del__
        open(os.environ["SLOW_MARK"], "w").close()  # tells the test the write is under way
        time.sleep(float(os.environ["SLOW_WRITE"]))
    close(self)
zipfile.ZipFile.close = slow_close
cli(sys.argv[1:], prog_name="baseline")
"""


@pytest.fixture
def folder(tmp_path) -> Path:
    path = tmp_path / "in"
    path.mkdir()
    return path


@pytest.fixture
def good(folder) -> Path:
    return h.answered(h.generate_return(folder, "good.xlsx", agency="South CAMHS"))


def file_codes(outcome: h.Outcome) -> dict[str, list[str]]:
    """validate --format json -> {file name: [issue codes]}."""
    report = json.loads(outcome.stdout)
    return {Path(f["path"]).name: [i["code"] for i in f["issues"]] for f in report["files"]}


def validate_json(*files, **options) -> tuple[h.Outcome, dict[str, list[str]]]:
    extra = [item for key, value in options.items() for item in (f"--{key.replace('_', '-')}", value)]
    outcome = h.run_cli("validate", *files, "--format", "json", *extra)
    return outcome, file_codes(outcome)


def refused_with(folder: Path, bad: Path, code: str, good: Path | None = None) -> dict[str, list[str]]:
    """validate reports `code` on `bad` (and still checks `good`), exit 1, nothing in the folder changed."""
    before = h.snapshot(folder)
    outcome, codes = validate_json(*([bad] + ([good] if good else [])))
    assert outcome.exit_code == 1, outcome.output
    assert code in codes[bad.name], codes
    if good is not None:
        assert codes[good.name] == [] or "error" not in outcome.stdout.split(good.name)[1].split("]")[0], codes
    h.assert_untouched(before, folder)
    return codes


def assert_readable_xlsx(path: Path) -> None:
    """Every XML part parses with expat (a strict XML parser, as Excel's is) and openpyxl opens the workbook."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                parser = expat.ParserCreate()
                parser.Parse(archive.read(name), True)
    openpyxl.load_workbook(path).close()


def merge_agrees_with_validate(folder: Path, *returns: Path) -> Path | None:
    """The contract between validate and merge: what validate passes, merge writes (a readable workbook); what it
    refuses, merge refuses, writing nothing. Never a crash."""
    validated = h.run_cli("validate", *returns)
    before = h.snapshot(folder)
    output = folder / "merged.xlsx"
    merged = h.run_cli("merge", *returns, "-o", output)
    if validated.exit_code == 0:
        assert merged.exit_code == 0, merged.output
        h.assert_untouched(before, folder, written=["merged.xlsx"])
        assert_readable_xlsx(output)
        return output
    assert merged.exit_code == 1, merged.output
    h.assert_untouched(before, folder)
    return None


def in_subprocess(folder: Path, *args) -> h.Outcome:
    return h.run_process(*args, cwd=folder)


# --- sheets whose size is a lie: one far cell ---------------------------------------------------------------------


FAR_CELLS = ["XFD1048576", "AZ1048576"]


@pytest.mark.parametrize("ref", FAR_CELLS)
def test_a_far_cell_in_a_return_is_refused_and_the_other_files_still_checked(folder, good, ref):
    bad = h.add_far_cell(h.answered(h.generate_return(folder, "far.xlsx")), ref)
    assert bad.stat().st_size < 25_000  # a ~20 KB return
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "validate", bad, good, "--format", "json")
    assert outcome.exit_code == 1, outcome.output
    codes = file_codes(outcome)
    assert codes[bad.name] == ["sheet-too-large"], codes
    assert "error" not in [i["severity"] for f in json.loads(outcome.stdout)["files"] if f["path"].endswith(good.name)
                           for i in f["issues"]]
    h.assert_untouched(before, folder)


@pytest.mark.parametrize("command", ["merge", "summary"])
def test_a_far_cell_stops_merge_and_summary_cleanly(folder, good, command):
    bad = h.add_far_cell(h.answered(h.generate_return(folder, "far.xlsx")), "XFD1048576")
    before = h.snapshot(folder)
    extra = ["-o", folder / "merged.xlsx"] if command == "merge" else []
    outcome = in_subprocess(folder, command, bad, good, *extra)
    assert outcome.exit_code == 1 and "sheet-too-large" in outcome.output, outcome.output
    h.assert_untouched(before, folder)


@pytest.mark.parametrize("rows, columns", [(1_048_575, 52), (1, 16_383), (200_000, 30)])
def test_an_ods_with_huge_repeats_is_refused_in_bounded_memory(folder, rows, columns):
    bad = h.ods_with_far_cell(folder / "return.ods", rows, columns)
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "validate", bad, "--format", "json")
    assert outcome.exit_code == 1
    expected = "sheet-too-large" if rows * columns > 1_000_000 else None
    codes = file_codes(outcome)[bad.name]
    assert codes and (expected is None or codes == [expected]), codes
    h.assert_untouched(before, folder)


def test_a_far_cell_in_a_nice_format_return_is_refused(folder):
    bat = build_bat(folder / "nice.xlsx", [section("1.1 Invented heading"), rec("1.1.1", relevant="Yes")])
    h.add_far_cell(bat, "XFD1048576", sheet="Data sheet")
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "validate", bat, h.AS_AGENCY, "North Council", "--sector", "social_care",
                            "--format", "json")
    assert outcome.exit_code == 1 and file_codes(outcome)[bat.name] == ["sheet-too-large"], outcome.output
    h.assert_untouched(before, folder)


def test_a_far_cell_in_nice_tool_stops_recs_import_before_any_output(folder):
    bat = build_bat(folder / "nice.xlsx")
    h.add_far_cell(bat, "AZ1048576", sheet="Data sheet")
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "recs", "import", bat, "-o", folder / "out" / "ng225.yaml")
    assert outcome.exit_code == 1 and "XFD" not in outcome.stdout, outcome.output
    assert "AZ1048576" in outcome.stderr
    h.assert_untouched(before, folder)


def test_a_far_cell_in_a_merged_workbook_stops_summary(folder, good):
    merged = merge_agrees_with_validate(folder, good)
    h.add_far_cell(merged, "AZ1048576", sheet="Actions")
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "summary", merged)
    assert outcome.exit_code == 1 and "AZ1048576" in outcome.stderr, outcome.output
    h.assert_untouched(before, folder)


UNREAD_MERGED_SHEETS = ["Summary", "By recommendation", "Gaps"]  # for people: no reader parses them


@pytest.mark.parametrize("sheet", UNREAD_MERGED_SHEETS)
def test_a_far_cell_in_a_merged_sheet_no_reader_parses_costs_nothing(folder, good, sheet):
    merged = merge_agrees_with_validate(folder, good)
    h.add_far_cell(merged, "XFD1048576", sheet=sheet)  # calamine never parses the sheet, so never allocates it
    outcome = in_subprocess(folder, "summary", merged)  # under the memory limit
    assert outcome.exit_code == 0, outcome.output
    assert "South CAMHS" in outcome.stdout


def test_a_far_cell_in_an_unread_merged_sheet_is_measured_when_a_read_sheet_points_at_it_too(folder, good):
    merged = merge_agrees_with_validate(folder, good)
    h.add_far_cell(merged, "XFD1048576", sheet="Summary")
    summary_id = re.search(rb'<sheet [^>]*name="Summary"[^>]*r:id="(\w+)"', zipfile.ZipFile(merged).read("xl/workbook.xml"))

    def point_answers_at_summary(xml: bytes) -> bytes:
        return re.sub(rb'(<sheet [^>]*name="All answers"[^>]*r:id=")\w+', lambda m: m.group(1) + summary_id.group(1), xml)

    h.rewrite_part(merged, "xl/workbook.xml", point_answers_at_summary)
    outcome = in_subprocess(folder, "summary", merged)
    assert outcome.exit_code == 1 and "XFD1048576" in outcome.stderr, outcome.output


def test_a_far_cell_in_an_unread_merged_sheet_with_an_unusual_target_is_measured(folder, good):
    merged = merge_agrees_with_validate(folder, good)
    part = h.sheet_part(merged, "Summary")
    h.add_far_cell(merged, "XFD1048576", sheet="Summary")
    # a target another parser may resolve otherwise: then no sheet counts as unread
    h.replace_text(merged, "xl/_rels/workbook.xml.rels", f'"{part.removeprefix("xl/")}"',
                   f'"./{part.removeprefix("xl/")}"')
    outcome = in_subprocess(folder, "summary", merged)
    assert outcome.exit_code == 1 and "XFD1048576" in outcome.stderr, outcome.output


def test_a_dtd_in_a_merged_sheet_no_reader_parses_is_still_refused(folder, good):
    merged = merge_agrees_with_validate(folder, good)
    h.with_doctype(merged, h.sheet_part(merged, "Gaps"), b'<!DOCTYPE x [<!ENTITY a "aaaa">]>')
    outcome = h.run_cli("summary", merged)
    assert outcome.exit_code == 1 and "DTD" in outcome.stderr, outcome.output


def test_a_huge_merged_range_is_refused_in_returns_and_in_nices_tool(folder):
    bad = h.add_merge(h.answered(h.generate_return(folder, "merged-range.xlsx")), "D3:XFD1048576")
    bat = h.add_merge(build_bat(folder / "nice.xlsx"), "N3:XFD1048576", sheet="Data sheet")
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "validate", bad, "--format", "json")
    assert outcome.exit_code == 1 and file_codes(outcome)[bad.name] == ["sheet-too-large"], outcome.output
    imported = in_subprocess(folder, "recs", "import", bat, "-o", folder / "out" / "ng225.yaml")
    assert imported.exit_code == 1 and "merged over" in imported.stderr, imported.output  # openpyxl never sees it
    h.assert_untouched(before, folder)


def test_thirty_thousand_junk_recommendation_numbers_are_one_capped_report(folder):
    bad = h.junk_rows(h.answered(h.generate_return(folder, "junk.xlsx")), 30_000)
    before = h.snapshot(folder)
    started = time.monotonic()
    outcome, codes = validate_json(bad)
    assert outcome.exit_code == 1 and set(codes[bad.name]) == {"unknown-recommendation"}
    assert 40 < len(codes[bad.name]) < 100  # the first ones, then one issue saying how many more
    assert "30,000 more" in outcome.stdout or "29,9" in outcome.stdout, outcome.stdout[-600:]
    table = h.run_cli("validate", bad)
    assert table.exit_code == 1 and len(table.output) < 200_000
    assert time.monotonic() - started < h.TIME_LIMIT
    h.assert_untouched(before, folder)


def test_two_hundred_thousand_junk_rows_are_refused_in_bounded_memory(folder):
    bad = h.junk_rows(h.generate_return(folder, "junk.xlsx"), 200_000)
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "validate", bad, "--format", "json")
    assert outcome.exit_code == 1 and file_codes(outcome)[bad.name] == ["sheet-too-large"]
    h.assert_untouched(before, folder)


# --- the classics -------------------------------------------------------------------------------------------------


def build_xml_bomb(folder):
    return h.with_doctype(h.generate_return(folder, "entities.xlsx"), "xl/workbook.xml", h.ENTITY_BOMB)


def build_xxe(folder):
    path = h.generate_return(folder, "xxe.xlsx")
    return h.with_doctype(path, h.sheet_part(path, h.ASSESSMENT_SHEET), h.XXE, use=b"&xxe;")


def build_dtd_in_part_not_named_xml(folder):
    path = h.generate_return(folder, "renamed-part.xlsx")
    return h.with_renamed_part(path, h.sheet_part(path, h.ASSESSMENT_SHEET), "xl/worksheets/sheet2.bin",
                               h.ENTITY_BOMB)


def build_truncated(folder):
    path = h.generate_return(folder, "truncated.xlsx")
    path.write_bytes(path.read_bytes()[:9000])
    return path


CLASSICS = {
    "zip bomb": (lambda f: h.zip_bomb(f / "bomb.xlsx"), "unsafe-file"),
    "XML entity bomb": (build_xml_bomb, "unsafe-file"),
    "XXE": (build_xxe, "unsafe-file"),
    "DTD in a part not named .xml": (build_dtd_in_part_not_named_xml, "unsafe-file"),
    "encrypted": (lambda f: h.encrypted(f / "locked.xlsx"), "encrypted-file"),
    "truncated": (build_truncated, "unreadable-file"),
    "empty": (lambda f: h.written(f / "empty.xlsx", b""), "unreadable-file"),
    "random bytes": (lambda f: h.random_bytes(f / "noise.xlsx"), "unreadable-file"),
    "zip entry named ../../": (lambda f: h.written(f / "slip.xlsx", h.zip_of(
        {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "../../evil.txt": b"x"})),
        "unreadable-file"),
}


@pytest.mark.parametrize("case", [pytest.param(name, marks=case[2:]) for name, case in CLASSICS.items()])
def test_classic_hostile_files_are_refused_by_code(folder, good, case):
    build, code = CLASSICS[case][:2]
    bad = build(folder)
    codes = refused_with(folder, bad, code, good)
    assert codes[bad.name] == [code]


def test_the_classics_together_in_bounded_memory(folder, good):
    expected = {case[0](folder).name: [case[1]] for case in CLASSICS.values()}
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "validate", folder, "--format", "json")
    assert outcome.exit_code == 1
    codes = file_codes(outcome)
    assert {name: codes[name] for name in expected} == expected
    h.assert_untouched(before, folder)


def test_a_named_pipe_in_a_folder_is_reported_without_blocking(folder, good):
    pipes = ["return.xlsx", "export.csv", "old.xls"]  # each kind of file has its own first read
    for name in pipes:
        os.mkfifo(folder / name)
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "validate", folder, h.AS_AGENCY, "North CAMHS", "--format", "json")
    assert outcome.exit_code == 1
    assert {name: file_codes(outcome)[name] for name in pipes} == {name: ["unreadable-file"] for name in pipes}
    h.assert_untouched(before, folder)


def test_symlinks_are_read_as_their_target_and_broken_ones_reported(folder, good):
    (folder / "link.xlsx").symlink_to(good)
    (folder / "dangling.xlsx").symlink_to(folder / "gone.xlsx")
    (folder / "loop.xlsx").symlink_to(folder / "loop.xlsx")
    before = h.snapshot(folder)
    outcome, codes = validate_json(folder)
    assert outcome.exit_code == 1
    assert codes["dangling.xlsx"] and codes["loop.xlsx"], codes
    h.assert_untouched(before, folder)


def test_output_through_a_symlink_onto_an_input_is_refused(folder, good):
    (folder / "merged.xlsx").symlink_to(good)
    before = h.snapshot(folder)
    outcome = h.run_cli("merge", good, "-o", folder / "merged.xlsx", "--force")
    assert outcome.exit_code == 1 and "input" in outcome.stderr, outcome.output
    h.assert_untouched(before, folder)


def test_agency_names_cannot_steer_output_paths(tmp_path):
    config = tmp_path / "assessment.yaml"
    config.write_text(
        "area: Northshire\nguideline: NG225\nreturn_by: 2027-01-31\n"
        "facilitator: {name: A. Facilitator, email: facilitator@example.org}\n"
        "agencies:\n"
        "  - {name: '../../escaped', sector: mental_health}\n"
        "  - {name: '/etc/escaped', sector: education}\n", encoding="utf-8")
    outcome = h.run_cli("generate", config, "-o", tmp_path / "out")
    assert outcome.exit_code == 0, outcome.output
    written = [Path(line) for line in outcome.stdout.split()]
    assert len(written) == 2
    for path in written:
        assert path.resolve().parent == (tmp_path / "out").resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assessment.yaml", "out"]


# --- merge must not crash on what validate passes ----------------------------------------------------------------


def test_metadata_over_the_cell_limit(folder, good):
    bad = h.set_stamp(h.answered(h.generate_return(folder, "long-area.xlsx")), "area", "N" * 40_000)
    assert merge_agrees_with_validate(folder, bad, good) is None  # over 32,767 characters is an issue


def test_long_joined_completed_by_names(folder):
    path = h.generate_return(folder, "many-names.xlsx")
    names = {rec_id: {"relevant": "No", "completed_by": f"{i:03d} " + "n" * 1500}
             for i, rec_id in enumerate(h.recommendation_ids(path))}
    h.fill(path, names)
    merged = merge_agrees_with_validate(folder, path)
    if merged is not None:
        wb = openpyxl.load_workbook(merged)
        assert all(len(str(c.value)) <= 32_767 for ws in wb for row in ws.iter_rows() for c in row if c.value)


@pytest.mark.parametrize("text", ["Audit\uffffdone", "Line one\x0bline two (a Word vertical tab)", "\ufffe"])
def test_characters_xml_cannot_hold_never_reach_the_merged_workbook(folder, text):
    path = h.answered(h.generate_return(folder, "odd.xlsx"), evidence="PLACEHOLDER")
    h.replace_text(path, h.sheet_part(path, h.ASSESSMENT_SHEET), "PLACEHOLDER", text.replace("\x0b", "_x000B_"))
    merged = merge_agrees_with_validate(folder, path)
    if merged is not None:
        with zipfile.ZipFile(merged) as archive:
            content = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
        assert b"\xef\xbf\xbf" not in content and b"\xef\xbf\xbe" not in content and b"\x0b" not in content


def test_an_impossible_year_is_an_error_at_validate(folder):
    path = h.answered(h.generate_return(folder, "year.xlsx"), deadline="31/03/1027")
    before = h.snapshot(folder)
    outcome, codes = validate_json(path)
    assert outcome.exit_code == 1 and codes[path.name] == ["invalid-date"], codes
    assert merge_agrees_with_validate(folder, path) is None
    h.assert_untouched(before, folder)


def test_an_unknown_sector_in_the_stamps_is_reported(folder):
    path = h.set_stamp(h.answered(h.generate_return(folder, "sector.xlsx")), "sector", "astrology")
    outcome, codes = validate_json(path)
    assert outcome.exit_code == 1 and "astrology" in outcome.stdout, outcome.output
    assert merge_agrees_with_validate(folder, path) is None


# --- text from returns in every output -----------------------------------------------------------------------


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1"]


def hostile_returns(folder: Path) -> list[Path]:
    """Formula text in every free-text field, and in the agency name, of two returns."""
    paths = []
    for i, formula in enumerate(FORMULAS[:2]):
        path = h.generate_return(folder, f"formula{i}.xlsx", agency=f"{formula} agency {i}")
        ids = h.recommendation_ids(path)
        h.fill(path, {rec_id: {"relevant": "Yes", "meets": "No", **{key: FORMULAS[(j + k) % len(FORMULAS)]
                                                                     for k, key in enumerate(h.FREE_TEXT)},
                               "deadline": "31/03/2027", "action_status": "Not started"}
                      for j, rec_id in enumerate(ids[:6])})
        paths.append(path)
    return paths


def test_formula_text_stays_text_in_the_merged_workbook(folder):
    returns = hostile_returns(folder)
    merged = merge_agrees_with_validate(folder, *returns)
    assert merged is not None
    with zipfile.ZipFile(merged) as archive:
        formulas = [f for name in archive.namelist() if name.startswith("xl/worksheets/")
                    for f in re.findall(rb"<f>(.*?)</f>", archive.read(name))]
    assert not [f for f in formulas if b"evil" in f or b"cmd" in f or b"SUM(A1:A2)" in f], formulas
    wb = openpyxl.load_workbook(merged)
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.lstrip("\t\r").startswith(tuple("=+-@")):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)


def test_formula_text_is_inert_in_csv(folder):
    returns = hostile_returns(folder)
    for by in ("section", "agency", "owner"):
        outcome = h.run_cli("summary", *returns, "--format", "csv", "--by", by)
        assert outcome.exit_code == 0, outcome.output
        assert_inert_csv(outcome.stdout)


def assert_inert_csv(text: str) -> None:
    """No field a spreadsheet would take for a formula (numbers such as -1 aside)."""
    for row in csv.reader(io.StringIO(text)):
        for field in row:
            if re.fullmatch(r'="[0-9.]+"', field):
                continue  # baseline's own ids kept as text (="1.10"): a formula that only holds that text
            assert not field.startswith(("=", "+", "@", "\t", "\r", "\n")), row
            assert not (field.startswith("-") and not field[1:].replace(".", "").isdigit()), row


def merged_formulas(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as archive:
        return [f for name in archive.namelist() if name.startswith("xl/worksheets/")
                for f in re.findall(rb"<f>(.*?)</f>", archive.read(name))]


@needs_soffice
def test_formula_text_from_an_ods_return_stays_text(folder, tmp_path):
    source = hostile_returns(tmp_path)[0]
    ods = convert(source, folder, "ods")
    merged = merge_agrees_with_validate(folder, ods)
    assert merged is not None
    assert not [f for f in merged_formulas(merged) if b"evil" in f or b"cmd" in f], merged_formulas(merged)


def test_formula_text_from_a_nice_format_return_stays_text(folder):
    # openpyxl would store "=..." as a formula in the source; these three are text as a person types them
    answers = dict(relevant="Yes", meets="No", evidence=FORMULAS[1], action=FORMULAS[3], owner=FORMULAS[2],
                   deadline="31/03/2027", completed_by=FORMULAS[1])
    listing = json.loads(h.run_cli("recs", "list", "NG225", "--format", "json").stdout)["recommendations"]
    rows = [rec(r["id"], **(answers if i == 0 else {})) for i, r in enumerate(listing)]
    bat = build_bat(folder / "nice.xlsx", [section("1.1 Invented heading"), *rows])
    before = h.snapshot(folder)
    merged = h.run_cli("merge", bat, h.AS_AGENCY, "=cmd|' /C calc'!A0", "--sector", "social_care", "-o",
                       folder / "merged.xlsx")
    assert merged.exit_code == 0, merged.output
    h.assert_untouched(before, folder, written=["merged.xlsx"])
    assert not [f for f in merged_formulas(folder / "merged.xlsx") if b"cmd" in f or b"SUM(A1" in f]
    wb = openpyxl.load_workbook(folder / "merged.xlsx")
    texts = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith(("+1+cmd", "@SUM", "=cmd"))]
    assert texts and all(c.data_type == "s" for c in texts)


def test_a_merged_workbook_with_hostile_names_reads_inert_everywhere(folder):
    returns = hostile_returns(folder)
    merged = merge_agrees_with_validate(folder, *returns)
    before = h.snapshot(folder)
    csv_out = h.run_cli("summary", merged, "--format", "csv", "--by", "agency")
    assert csv_out.exit_code == 0
    assert_inert_csv(csv_out.stdout)
    assert any(field.startswith("'=HYPERLINK") for row in csv.reader(io.StringIO(csv_out.stdout)) for field in row)
    markdown = h.run_cli("summary", merged, "--format", "markdown")
    assert markdown.exit_code == 0
    assert_tables_keep_their_shape(markdown.stdout)
    table = h.run_cli("summary", merged, "--by", "owner")
    assert table.exit_code == 0 and "=HYPERLINK" in table.stdout
    h.assert_untouched(before, folder)


def test_the_action_plan_keeps_hostile_names_inert_in_every_format(folder, tmp_path):
    merged = merge_agrees_with_validate(folder, *hostile_returns(folder))
    before = h.snapshot(folder)
    markdown = h.run_cli("actions", merged, "--format", "markdown")
    assert markdown.exit_code == 0, markdown.output
    assert_tables_keep_their_shape(markdown.stdout)
    csv_out = h.run_cli("actions", merged, "--format", "csv", "--by", "agency")
    assert csv_out.exit_code == 0
    assert_inert_csv(csv_out.stdout)
    table = h.run_cli("actions", merged)
    assert table.exit_code == 0 and "=HYPERLINK" in table.stdout
    h.assert_untouched(before, folder)
    out = tmp_path / "to-send"
    files = h.run_cli("actions", merged, "--by", "agency", "-o", out)
    assert files.exit_code == 0, files.output
    written = sorted(p.name for p in out.iterdir())
    assert written and all(name.endswith(".xlsx") and "/" not in name and not name.startswith(("=", "+", "."))
                           for name in written), written
    for path in out.iterdir():
        assert not [f for f in merged_formulas(path) if b"evil" in f or b"cmd" in f]


def test_the_return_tracker_keeps_names_inert_and_reads_hostile_files_safely(folder, tmp_path):
    agency = "North | CAMHS <b>[bold]</b> # 1"
    config = tmp_path / "assessment.yaml"
    config.write_text(
        "area: Northshire\nguideline: NG225\nreturn_by: 2027-01-31\n"
        "facilitator: {name: A. Facilitator, email: facilitator@example.org}\n"
        f"agencies:\n  - {{name: '{agency}', sector: mental_health}}\n"
        "  - {name: South CAMHS, sector: mental_health}\n", encoding="utf-8")
    h.answered(h.generate_return(folder, "north.xlsx", agency=agency))
    h.add_far_cell(h.answered(h.generate_return(folder, "south.xlsx", agency="South CAMHS")), "XFD1048576")
    os.mkfifo(folder / "pipe.xlsx")
    before = h.snapshot(folder)
    markdown = in_subprocess(folder, "status", config, folder, "--format", "markdown", "--as-of", "2027-02-01")
    assert markdown.exit_code == 1, markdown.output  # not every agency has a valid return
    assert "<b>" not in markdown.stdout and "North \\| CAMHS" in markdown.stdout
    table = h.run_cli("status", config, folder, "--as-of", "2027-02-01", env={"COLUMNS": "200"})
    assert table.exit_code == 1 and "North | CAMHS <b>[bold]</b> # 1" in table.stdout, table.stdout  # as typed
    h.assert_untouched(before, folder)


def test_the_board_report_escapes_names(folder):
    path = h.answered(h.generate_return(folder, "html.xlsx", agency="North <script>alert(1)</script> & Co"),
                      owner="<img src=x onerror=alert(2)>")
    merged = merge_agrees_with_validate(folder, path)
    outcome = h.run_cli("report", merged, "-o", folder / "report.html")
    assert outcome.exit_code == 0, outcome.output
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "North &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_terminal_markup_in_owners_and_agencies_is_shown_as_typed(folder):
    path = h.generate_return(folder, "markup.xlsx", agency="[/] Youth [bold]justice[/bold]")
    h.answered(path, owner="Safeguarding lead [interim]")
    outcome = h.run_cli("summary", path, "--by", "owner", env={"COLUMNS": "200"})
    assert outcome.exit_code == 0, outcome.output
    assert "Safeguarding lead [interim]" in outcome.stdout
    assert "[/] Youth [bold]justice[/bold]" in outcome.stdout


def test_escape_sequences_in_file_names_never_reach_the_terminal(folder):
    name = "evil\x1b]0;owned\x07\x1b[2J\x1b[31m.xlsx"
    (folder / name).write_bytes(b"not a workbook")
    outcome = h.run_cli("validate", folder)
    assert outcome.exit_code == 1
    assert "\x1b" not in outcome.output and "\x07" not in outcome.output, repr(outcome.output)


def test_markdown_keeps_agency_names_inert(folder):
    agency = "North\r# Injected heading\n<script>alert(1)</script> | pipe"
    path = h.answered(h.generate_return(folder, "md.xlsx", agency="North CAMHS"))
    h.set_stamp(path, "agency", agency)
    outcome = h.run_cli("summary", path, "--format", "markdown")
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.stdout.replace("\r", "\n").splitlines()
    assert not any(line.lstrip().startswith("# Injected") for line in lines)
    assert "<script>" not in outcome.stdout
    assert_tables_keep_their_shape(outcome.stdout)


def assert_tables_keep_their_shape(markdown: str) -> None:
    """Every row of each Markdown table has as many cells as its header: a raw pipe or line break in a cell would
    add or cut one (and a CR counts as a line break to Markdown)."""
    lines = markdown.replace("\r", "\n").splitlines()
    tables: list[list[str]] = []
    for previous, line in zip([""] + lines, lines):
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
    assert tables
    for table in tables:
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
        assert len(widths) == 1, table


# --- YAML --------------------------------------------------------------------------------------------------------


def test_deeply_nested_yaml_is_a_clear_error(folder):
    for name in ("recs.yaml", "config.yaml"):
        (folder / name).write_text(h.nested_yaml(), encoding="utf-8")
    before = h.snapshot(folder)
    checked = h.run_cli("recs", "check", folder / "recs.yaml")
    assert checked.exit_code == 1 and "nest" in checked.output.lower(), checked.output
    generated = h.run_cli("generate", folder / "config.yaml", "-o", folder / "out")
    assert generated.exit_code == 1 and "nest" in generated.output.lower(), generated.output
    h.assert_untouched(before, folder)


def test_a_yaml_alias_bomb_is_refused_quickly_in_bounded_memory(folder):
    bomb = folder / "bomb.yaml"
    bomb.write_text(h.alias_bomb_yaml(), encoding="utf-8")
    assert 15_000 < bomb.stat().st_size < 17_500
    before = h.snapshot(folder)
    outcome = in_subprocess(folder, "recs", "check", bomb)
    assert outcome.exit_code == 1 and "alias" in outcome.output.replace(str(bomb), "").lower(), outcome.output
    h.assert_untouched(before, folder)


# --- generate and recs import ------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [40_000, 300])
def test_generate_bounds_the_agency_name(tmp_path, length):
    target = tmp_path / "agency.xlsx"
    outcome = h.run_cli("generate", h.AS_AGENCY, "A" * length, "--sector", h.SECTOR, "-o", target)
    if outcome.exit_code == 0:  # accepted: every page header fits Excel's 255 characters
        wb = openpyxl.load_workbook(target)
        for ws in wb:
            for part in (ws.oddHeader, ws.oddFooter):
                assert len("".join(p.text or "" for p in (part.left, part.center, part.right))) <= 255
    else:
        assert outcome.exit_code in (1, 2) and "agency" in outcome.stderr.lower(), outcome.output
        assert not target.exists() and list(tmp_path.iterdir()) == []


def test_formula_text_in_an_agency_name_is_written_as_text(tmp_path):
    target = tmp_path / "agency.xlsx"
    outcome = h.run_cli("generate", h.AS_AGENCY, FORMULAS[0], "--sector", h.SECTOR, "-o", target)
    assert outcome.exit_code == 0, outcome.output
    with zipfile.ZipFile(target) as archive:
        assert not any(b"evil" in f for name in archive.namelist() if name.startswith("xl/worksheets/")
                       for f in re.findall(rb"<f>(.*?)</f>", archive.read(name)))


def test_recs_import_reads_its_input_before_creating_folders(tmp_path):
    outcome = h.run_cli("recs", "import", tmp_path / "missing.xlsx", "-o", tmp_path / "new" / "ng225" / "x.yaml")
    assert outcome.exit_code == 1
    assert not (tmp_path / "new").exists()


# --- writing: permissions, failures, interruptions, races -------------------------------------------------------


def test_outputs_honour_the_umask(folder, good):
    old = os.umask(0o022)
    try:
        merged = merge_agrees_with_validate(folder, good)
        made = h.generate_return(folder, "fresh.xlsx")
    finally:
        os.umask(old)
    for path in (merged, made):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, oct(path.stat().st_mode)


def test_a_read_only_output_folder_is_one_clear_message(folder, good, monkeypatch, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_open = os.open

    def refuse(path, *args, **kwargs):  # what a read-only folder does (tests may run as root, where chmod won't)
        if Path(os.fsdecode(path)).parent == locked:
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    outcome = h.run_cli("merge", good, "-o", locked / "merged.xlsx")
    assert outcome.exit_code == 1, outcome.output
    assert len(outcome.stderr.strip().splitlines()) == 1 and "permission" in outcome.stderr.lower()
    assert list(locked.iterdir()) == []


def disk_full(monkeypatch):
    close = zipfile.ZipFile.close

    def full(self):
        close(self)
        if self.mode == "w" and getattr(self, "filename", None) and not getattr(self, "failed", False):
            self.failed = True  # once: close() runs again from __del__
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "close", full)


def test_a_full_disk_is_one_clear_message_and_leaves_nothing(folder, good, monkeypatch):
    before = h.snapshot(folder)
    disk_full(monkeypatch)
    outcome = h.run_cli("merge", good, "-o", folder / "merged.xlsx")
    assert outcome.exit_code == 1, outcome.output
    assert "space" in outcome.stderr.lower() and len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
    h.assert_untouched(before, folder)


def test_a_failed_forced_write_keeps_the_old_file(folder, good, monkeypatch):
    merge_agrees_with_validate(folder, good)
    before = h.snapshot(folder)
    disk_full(monkeypatch)
    outcome = h.run_cli("merge", good, "-o", folder / "merged.xlsx", "--force")
    assert outcome.exit_code == 1
    h.assert_untouched(before, folder)  # the old merged.xlsx, byte for byte, and no temporary file


def slow_merge(folder: Path, *args, seconds: float = 30) -> subprocess.Popen:
    """merge in a subprocess whose output zip stays open `seconds` before closing; `mark` appears meanwhile."""
    env = {k: v for k, v in os.environ.items() if k != "BASELINE_RECOMMENDATIONS"}
    mark = folder.parent / f"writing-{time.monotonic_ns()}"
    env.update(SLOW_WRITE=str(seconds), SLOW_MARK=str(mark), PYTHONPATH=str(h.REPO))
    process = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, "merge", *map(str, args)], cwd=folder, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.mark = mark
    return process


def wait_for_temporary(folder: Path, process: subprocess.Popen) -> None:
    """Until the process is inside its write (its temporary file open in `folder`)."""
    deadline = time.monotonic() + h.TIME_LIMIT
    while not process.mark.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_write_leaves_no_temporary_file(folder, good, signum):
    out = folder / "out"
    out.mkdir()
    before = h.snapshot(folder)
    process = slow_merge(folder, good, "-o", out / "merged.xlsx")
    wait_for_temporary(out, process)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=h.TIME_LIMIT)
    assert process.returncode != 0 and "Traceback" not in stderr, stderr
    h.assert_untouched(before, folder)


def test_a_stale_temporary_file_from_a_killed_run_is_swept(folder, good):
    out = folder / "out"
    out.mkdir()
    process = slow_merge(folder, good, "-o", out / "merged.xlsx")
    wait_for_temporary(out, process)
    process.kill()
    process.communicate(timeout=h.TIME_LIMIT)
    assert [p for p in out.iterdir() if p.name.endswith(".tmp")]  # kill -9 cannot be caught: the next run must deal with it
    outcome = h.run_cli("merge", good, "-o", out / "merged.xlsx")
    assert outcome.exit_code == 0, outcome.output
    assert h.stray_temporaries(out) == []
    assert_readable_xlsx(out / "merged.xlsx")


def test_two_merges_writing_one_output_one_wins_one_refuses(folder, good):
    out = folder / "out"
    out.mkdir()
    first = slow_merge(folder, good, "-o", out / "merged.xlsx", seconds=1.5)
    wait_for_temporary(out, first)
    second = slow_merge(folder, good, "-o", out / "merged.xlsx", seconds=0)
    _, second_err = second.communicate(timeout=h.TIME_LIMIT)
    _, first_err = first.communicate(timeout=h.TIME_LIMIT)
    assert sorted([first.returncode, second.returncode]) == [0, 1], (first_err, second_err)
    loser = second_err if second.returncode else first_err
    assert "Traceback" not in loser and ("already" in loser or "another" in loser), loser
    assert h.stray_temporaries(out) == []
    assert_readable_xlsx(out / "merged.xlsx")
