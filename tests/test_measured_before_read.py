"""A return's sheets are measured when they are about to be read (check_untrusted's measure_later, issue 16): every
way a parser reaches a sheet's part measures it first, with the refusal check_untrusted gives; reading a return
measures its stamps and Assessment sheets before any reader runs, so a far cell there is refused exactly as before;
any other workbook (and a return whose Assessment sheet was renamed) has every sheet measured before reading. A
sheet no parser reads is not measured."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from baseline.xlsx.agency.layout import ASSESSMENT_SHEET, META_SHEET, START_SHEET
from baseline.xlsx.package import SourceWorkbook, formula_cells
from baseline.xlsx.returns import read_return, sheets_read
from baseline.xlsx.untrusted import FileRefused, check_untrusted
from tests import hostile as h

FAR = "XFD1048576"


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    return h.answered(h.generate_return(tmp_path_factory.mktemp("blank")))


@pytest.fixture
def copy(blank, tmp_path):
    def make(name: str = "return.xlsx"):
        return shutil.copy(blank, tmp_path / name)
    return make


def refusal(call) -> FileRefused:
    with pytest.raises(FileRefused) as refused:
        call()
    return refused.value


def eager(path) -> FileRefused:
    """What check_untrusted, measuring every sheet up front, says of the file."""
    return refusal(lambda: check_untrusted(path))


def codes(path) -> list[str]:
    return [issue.code for issue in read_return(path).report.issues]


# --- every way a parser reaches a sheet measures it first ---------------------------------------------------------


@pytest.mark.parametrize("read", [
    lambda checked: SourceWorkbook.open(checked).rows(ASSESSMENT_SHEET),
    lambda checked: SourceWorkbook.open(checked).merged_ranges(ASSESSMENT_SHEET),
    lambda checked: checked.read_part(h.sheet_part(checked.path, ASSESSMENT_SHEET)),
    lambda checked: formula_cells(checked, ASSESSMENT_SHEET),
    lambda checked: checked.measure((ASSESSMENT_SHEET,)),
    lambda checked: checked.measure(),
    lambda checked: checked.measure(("No such sheet",)),  # a name the workbook does not map: every sheet
], ids=["calamine values", "calamine merges", "raw part", "formulas", "measure it", "measure all", "unknown name"])
def test_each_path_to_a_sheet_measures_it_first_with_the_same_refusal(copy, read):
    path = h.add_far_cell(copy(), FAR)
    expected = eager(path)
    with check_untrusted(path, measure_later=True) as checked:  # nothing measured yet: no refusal
        refused = refusal(lambda: read(checked))
    assert (refused.code, refused.message) == (expected.code, expected.message) == (refused.code, refused.message)
    assert expected.code == "sheet-too-large" and FAR in expected.message


def test_measuring_another_sheet_leaves_it_unmeasured(copy):
    path = h.add_far_cell(copy(), FAR)
    with check_untrusted(path, measure_later=True) as checked:
        checked.measure((START_SHEET, META_SHEET))
        source = SourceWorkbook.open(checked)
        assert source.rows(META_SHEET)
        assert refusal(lambda: source.rows(ASSESSMENT_SHEET)).code == "sheet-too-large"


def test_a_workbook_that_maps_its_sheets_otherwise_has_every_sheet_measured(copy):
    path = h.add_far_cell(copy(), FAR)
    part = h.sheet_part(path, ASSESSMENT_SHEET)
    roundabout = part.removeprefix("xl/").replace("/", "/../worksheets/")  # worksheets/../worksheets/sheet2.xml
    h.replace_text(path, "xl/_rels/workbook.xml.rels", f'Target="/{part}"', f'Target="{roundabout}"')
    assert h.sheet_part(path, ASSESSMENT_SHEET) == f"xl/{roundabout}"  # the same part, written another way
    with check_untrusted(path, measure_later=True) as checked:
        assert refusal(lambda: checked.measure((START_SHEET,))).code == "sheet-too-large"


def test_two_sheets_of_one_name_have_every_sheet_measured(copy):
    path = h.add_far_cell(copy(), FAR)
    h.replace_text(path, "xl/workbook.xml", f'name="{START_SHEET}"', f'name="{META_SHEET}"')
    with check_untrusted(path, measure_later=True) as checked:
        assert refusal(lambda: checked.measure((META_SHEET,))).code == "sheet-too-large"


def test_a_damaged_sheet_is_refused_when_measured(copy):
    path = copy()
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(h.sheet_part(path, ASSESSMENT_SHEET))
    start = info.header_offset + 30 + len(info.filename) + int.from_bytes(data[info.header_offset + 28:
                                                                               info.header_offset + 30], "little")
    at = start + info.compress_size - 64  # near the end of its deflated bytes: its start (the DTD scan's) is sound
    data[at:at + 16] = bytes(16)
    path.write_bytes(bytes(data))
    assert eager(path).code == "unreadable-file"
    with check_untrusted(path, measure_later=True) as checked:
        assert refusal(lambda: checked.measure((ASSESSMENT_SHEET,))).code == "unreadable-file"


# --- reading a return: what is measured before any reader runs ------------------------------------------------------


def test_the_sheets_a_return_reader_reads():
    assert sheets_read([START_SHEET, ASSESSMENT_SHEET, "My summary", META_SHEET]) == {META_SHEET, ASSESSMENT_SHEET}
    assert sheets_read([" assessment", META_SHEET]) == {META_SHEET, " assessment"}  # found by name, any case
    assert sheets_read(["Our answers", META_SHEET]) is None  # renamed: the reader looks through every sheet
    assert sheets_read([ASSESSMENT_SHEET, "Data sheet"]) is None  # not a return of ours
    assert sheets_read([META_SHEET, ASSESSMENT_SHEET, "All answers"]) is None  # perhaps a merged workbook
    assert sheets_read(None) is None


@pytest.mark.parametrize("sheet", [ASSESSMENT_SHEET, META_SHEET])
def test_a_far_cell_on_a_sheet_the_reader_reads_refuses_the_return_as_before(copy, sheet):
    path = h.add_far_cell(copy(), FAR, sheet=sheet)
    result = read_return(path)
    [issue] = result.report.issues
    assert (issue.code, issue.message) == ("sheet-too-large", eager(path).message)
    assert result.agency_return is None and result.report.agency is None  # refused before the stamps were read


def test_the_refusal_comes_before_any_issue_of_the_stamps(copy):
    path = h.add_far_cell(copy(), FAR)
    h.replace_text(path, "docProps/custom.xml", h.AGENCY, "Somebody else")  # a metadata-mismatch, once read
    assert codes(path) == ["sheet-too-large"]
    h.replace_text(path, h.sheet_part(path, ASSESSMENT_SHEET), FAR, "L99")  # the far cell gone: the mismatch
    assert "metadata-mismatch" in codes(path)


def test_a_renamed_assessment_sheet_has_every_sheet_measured_before_reading(copy):
    path = h.add_far_cell(copy(), FAR, sheet=START_SHEET)
    h.replace_text(path, "xl/workbook.xml", f'name="{ASSESSMENT_SHEET}"', 'name="Our answers"')
    assert codes(path) == ["sheet-too-large"]


def test_a_far_cell_on_a_sheet_no_parser_reads_is_not_measured(copy):
    """The one change: check_untrusted used to refuse it; no parser allocates that sheet, so the answers are read."""
    path = h.add_far_cell(copy(), FAR, sheet=START_SHEET)
    assert eager(path).code == "sheet-too-large"
    result = read_return(path)
    assert result.agency_return is not None and "sheet-too-large" not in codes(path)


# --- a sheet is the part the workbook points it to, whatever its root element -------------------------------------

FAR_DOWN = "A200000"  # past the rows any sheet may have, yet few enough cells that a parser reading it does no harm


def _not_a_worksheet_root(path, sheet: str = ASSESSMENT_SHEET):
    """The sheet's part with its root element renamed: calamine reads its cells all the same."""
    part = h.sheet_part(path, sheet)
    h.replace_text(path, part, "<worksheet ", "<notes ")
    h.replace_text(path, part, "</worksheet>", "</notes>")
    return path


@pytest.mark.parametrize("read", [
    lambda path: [issue.code for issue in read_return(path).report.issues],
    lambda path: [eager(path).code],
    lambda path: [refusal(lambda: check_untrusted(path, sheets=(ASSESSMENT_SHEET,))).code],
    lambda path: [refusal(lambda: check_untrusted(path, measure_later=True).measure((ASSESSMENT_SHEET,))).code],
    lambda path: [refusal(lambda: check_untrusted(path, measure_later=True).measure()).code],
    lambda path: [refusal(lambda: SourceWorkbook.open(check_untrusted(path, measure_later=True))
                          .rows(ASSESSMENT_SHEET)).code],
], ids=["read_return", "up front", "up front, that sheet", "measure it", "measure all", "calamine values"])
def test_a_sheet_whose_part_is_not_rooted_in_a_worksheet_is_measured_all_the_same(copy, read):
    assert read(_not_a_worksheet_root(h.add_far_cell(copy(), FAR_DOWN))) == ["sheet-too-large"]


def test_such_a_sheet_is_refused_with_the_message_measuring_it_gives(copy):
    path = _not_a_worksheet_root(h.add_far_cell(copy(), FAR_DOWN))
    [issue] = read_return(path).report.issues
    assert (issue.code, issue.message) == ("sheet-too-large", eager(path).message)
    assert f"'{ASSESSMENT_SHEET}'" in issue.message


def test_such_a_sheet_no_parser_reads_is_not_measured(copy):
    path = _not_a_worksheet_root(h.add_far_cell(copy(), FAR_DOWN, sheet=START_SHEET), START_SHEET)
    result = read_return(path)
    assert result.agency_return is not None and "sheet-too-large" not in codes(path)
    assert check_untrusted(path, sheets=(META_SHEET, ASSESSMENT_SHEET)).kind == "xlsx"  # up front, only those


def test_in_doubt_every_part_is_measured_whatever_its_root(copy):
    path = _not_a_worksheet_root(h.add_far_cell(copy(), FAR_DOWN))
    part = h.sheet_part(path, ASSESSMENT_SHEET)
    roundabout = part.removeprefix("xl/").replace("/", "/../worksheets/")  # worksheets/../worksheets/sheet2.xml
    h.replace_text(path, "xl/_rels/workbook.xml.rels", f'Target="/{part}"', f'Target="{roundabout}"')
    with check_untrusted(path, measure_later=True) as checked:
        assert refusal(lambda: checked.measure((START_SHEET,))).code == "sheet-too-large"
    assert eager(path).code == "sheet-too-large"
