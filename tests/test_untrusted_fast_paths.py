"""The cheaper paths of untrusted.py (issue 16) are never weaker: a part parsed by the C parser is one that surely
holds no DTD, any other goes to defusedxml; a sheet inflated once for the extent check is the exact part, and a part
that lies about its size is never kept."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from unittest.mock import patch
from xml.etree.ElementTree import Comment

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseline.xlsx import untrusted
from baseline.xlsx.untrusted import FileRefused, check_untrusted, parse_xml
from tests.hostile import answered, generate_return

BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
        + b"]><lolz>&lol9;</lolz>")


@pytest.mark.parametrize("raw", [
    BOMB,
    b'<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>',
    b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>'.encode("utf-16"),
    b'<?xml version="1.0" encoding="windows-1252"?><!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
])
def test_a_dtd_is_refused_whatever_the_encoding(raw):
    with pytest.raises(FileRefused) as refused:
        parse_xml(raw, "part")
    assert refused.value.code == "unsafe-file"


@pytest.mark.parametrize("raw, fast", [
    (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><r a="1"><b>t</b></r>', True),
    (b"<r/>", True),
    (b"\xef\xbb\xbf<r/>", True),
    (b"<?xml version='1.0' encoding='ISO-8859-1'?><r>\xe9</r>", True),
    (b'<r><![CDATA[<!DOCTYPE]]></r>', False),  # the words alone send it to defusedxml
    (b'<?xml version="1.0" encoding="windows-1252"?><r/>', False),
    ('<r/>'.encode("utf-16"), False),
])
def test_only_a_part_that_surely_holds_no_dtd_takes_the_c_parser(raw, fast, monkeypatch):
    assert untrusted._without_doctype(raw) is fast
    monkeypatch.setattr(untrusted.DET, "fromstring", None if fast else untrusted.DET.fromstring)  # fails if called
    assert parse_xml(raw, "part").tag == "r"


def test_malformed_xml_is_a_damaged_file_on_either_path():
    for raw in (b"<r", b"<?xml version='1.0' encoding='windows-1252'?><r"):
        with pytest.raises(FileRefused) as refused:
            parse_xml(raw, "xl/workbook.xml")
        assert refused.value.code == "unreadable-file" and "xl/workbook.xml" in refused.value.message


def test_the_sheets_kept_inflated_are_the_parts_themselves(tmp_path):
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    with zipfile.ZipFile(workbook) as archive, check_untrusted(workbook) as checked:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and set(sheets) <= set(checked._inflated)  # every sheet inflated once, by the extent check
        for name in archive.namelist():
            assert checked.read_part(name) == archive.read(name)
            assert checked.read_part(name, 10) == archive.read(name)[:10]


def test_a_sheet_that_inflates_to_more_than_it_declares_is_refused_as_unreadable(tmp_path):
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    data = bytearray(workbook.read_bytes())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet2.xml")
    # Its central directory entry declares 100 bytes fewer than the part holds (uncompressed size at offset 24).
    name = b"xl/worksheets/sheet2.xml"
    entry = bytes(data).index(b"PK\x01\x02", archive.start_dir)
    while bytes(data[entry + 46: entry + 46 + len(name)]) != name:
        entry = bytes(data).index(b"PK\x01\x02", entry + 4)
    assert int.from_bytes(data[entry + 24: entry + 28], "little") == info.file_size
    data[entry + 24: entry + 28] = (info.file_size - 100).to_bytes(4, "little")
    workbook.write_bytes(bytes(data))
    with pytest.raises(FileRefused) as refused:
        check_untrusted(workbook)  # by the extent check, before any parser: a sheet is never measured by a lie
    assert refused.value.code == "unreadable-file" and "xl/worksheets/sheet2.xml" in refused.value.message


# --- the prolog's shortcut, and the re-cutting of streamed pieces ------------------------------------------------

PROLOG_PIECES = [b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', b" ",
                 b"\r\n\t", b"<!-- c -->", b"<!-- <!DOCTYPE x> -->", b"<!DOCTYPE r>", b"<!ENTITY e 'x'>", b"<?pi x?>",
                 b"<r/>", b"<x:r>", b"<_r>", b"\xef\xbb\xbf", b"<", b"?>", b">", b"<?xml ?", b"<1", b"<!", b"\x00",
                 '<r/>'.encode("utf-16")]


@given(st.lists(st.sampled_from(PROLOG_PIECES), max_size=6), st.booleans())
def test_the_plain_prolog_shortcut_says_safe_only_where_the_full_scan_does(pieces, complete):
    head = b"".join(pieces)
    with patch.object(untrusted, "_PLAIN_PROLOG", re.compile(b"(?!)")):  # never matches: the full scan alone
        scanned = untrusted._prolog_is_safe(head, complete)
    assert untrusted._prolog_is_safe(head, complete) == scanned
    if untrusted._PLAIN_PROLOG.match(head):
        assert scanned is True


@pytest.mark.parametrize("head", [
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet xmlns="x">',
    b"<Relationships>", b"\n<x:workbook>",
])
def test_what_office_programs_write_takes_the_prolog_shortcut(head):
    assert untrusted._PLAIN_PROLOG.match(head)


@pytest.mark.parametrize("head", [
    b'<?xml version="1.0"?><!DOCTYPE r>', b"<!-- x --><r/>", b"\xef\xbb\xbf<r/>", b"<?xml version='1.0' ?><?pi?><r/>",
    '<r/>'.encode("utf-16"),
])
def test_anything_else_takes_the_full_prolog_scan(head):
    assert not untrusted._PLAIN_PROLOG.match(head)


@given(st.lists(st.sampled_from([b"<c r=\"A1\">", b"<v>1</v>", b"</c>", b"text", b"<", b"c r", b">", b""]),
                max_size=12),
       st.lists(st.integers(0, 40), max_size=5))
def test_pieces_are_re_cut_only_between_tags_and_lose_nothing(parts, cuts):
    xml = b"".join(parts)
    bounds = sorted({min(cut, len(xml)) for cut in cuts})
    pieces = [xml[a:b] for a, b in zip([0, *bounds], [*bounds, len(xml)])]
    out = list(untrusted._pieces_whole_tags(iter(pieces)))
    assert b"".join(out) == xml
    filled = [piece for piece in out if piece]
    for before, after in zip(filled, filled[1:]):
        assert after.startswith(b"<") or b"<" not in before  # no tag is cut in two
    if len(pieces) == 1:
        assert out == pieces and out[0] is pieces[0] or not xml  # a part inflated whole is not copied


# --- the file is read once, by its size, and whole even if it grew -------------------------------------------------


def _stat_says(monkeypatch, size: int) -> None:
    """fstat reports `size` bytes: as if the file grew between the stat and the read."""
    real = untrusted.os.fstat

    def fstat(fd):
        status = list(real(fd))
        status[6] = size  # st_size
        return untrusted.os.stat_result(status)

    monkeypatch.setattr(untrusted.os, "fstat", fstat)


def test_a_file_that_grew_after_its_stat_is_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "growing.xlsx"
    path.write_bytes(bytes(range(256)) * 12)
    _stat_says(monkeypatch, 1000)
    assert untrusted.read_untrusted(path) == path.read_bytes()


def test_a_file_that_grew_past_the_limit_after_its_stat_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "growing.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(3000))
    monkeypatch.setattr(untrusted, "MAX_FILE_BYTES", 2000)
    _stat_says(monkeypatch, 1000)
    with pytest.raises(FileRefused) as refused:
        untrusted.read_untrusted(path)
    assert refused.value.code == "unsafe-file" and "larger than" in refused.value.message


def _slow_packed(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """Where an entry's compressed bytes are, by the local header read field by field (the general path)."""
    header = data[info.header_offset: info.header_offset + 30]
    assert header[:4] == b"PK\x03\x04"
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    return data[start: start + info.compress_size]


def test_an_entry_is_found_through_its_local_header_whichever_way_it_is_read(tmp_path):
    data = answered(generate_return(tmp_path, "return.xlsx")).read_bytes()
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    for info in infos:
        assert bytes(untrusted._packed(data, info)) == _slow_packed(data, info)
    info = infos[0]
    for offset in (-30, -1, len(data) - 29, len(data), 10 ** 9):  # a header outside the file: damaged, either way
        info.header_offset = offset
        with pytest.raises(FileRefused) as refused:
            untrusted._packed(data, info)
        assert refused.value.code == "unreadable-file" and info.filename in refused.value.message
    info.header_offset = 1  # inside the file, but no local header there
    with pytest.raises(FileRefused):
        untrusted._packed(data, info)


@pytest.mark.parametrize("head, codec", [
    (b"\xff\xfe<\x00", "utf-16"), (b"\xfe\xff\x00<", "utf-16"), (b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"),
    (b"<?xml", None), (b"\xef\xbb\xbf<", None), (b"<", None), (b"", None), (b"\xff", None),
])
def test_a_utf16_part_is_told_by_its_first_two_bytes(head, codec):
    assert untrusted._utf16(head) == codec


def test_local_names_are_the_same_kept_or_worked_out():
    tags = ["{urn:a}sheet", "sheet", "{urn:b}x}sheet", "{}", "", Comment]  # a comment's tag: a function
    expected = ["sheet", "sheet", "sheet", "", "", ""]
    assert [untrusted.local_name(t) for t in tags] == expected
    assert [untrusted.local_name(t) for t in tags] == expected  # kept
    many = [f"{{urn:{n}}}tag{n}" for n in range(3 * untrusted.KEPT)]  # a hostile part's many tags: more than kept
    assert [untrusted.local_name(t) for t in many] == [f"tag{n}" for n in range(3 * untrusted.KEPT)]
    assert [untrusted.local_name(t) for t in tags] == expected  # worked out again
    assert untrusted.local_name.cache_info().currsize == untrusted.KEPT


@pytest.mark.parametrize("limit, low, high", [
    (b"ZZ", b"A", b"Z"), (b"Z", b"A", b"Z"), (b"ZY", b"A", b"Z"), (b"AZ", b"A", b"Z"), (b"BA", b"A", b"Z"),
    (b"999", b"0", b"9"), (b"99", b"0", b"9"), (b"9", b"0", b"9"), (b"990", b"0", b"9"), (b"109", b"0", b"9"),
    (b"100", b"0", b"9"), (b"1", b"0", b"9"), (b"0", b"0", b"9"),
])
def test_at_most_matches_exactly_the_strings_no_larger_than_its_limit(limit, low, high):
    pattern = re.compile(untrusted._at_most(limit, low, high))
    alphabet = bytes(range(low[0], high[0] + 1))
    value = lambda word: sum((symbol - low[0]) * (high[0] - low[0] + 1) ** i for i, symbol in enumerate(reversed(word)))
    for length in range(1, len(limit) + 2):
        for word in map(bytes, itertools.product(alphabet, repeat=length)):
            no_larger = len(word) < len(limit) or (len(word) == len(limit) and value(word) <= value(limit))
            assert (pattern.fullmatch(word) is not None) == no_larger, word


@pytest.mark.parametrize("rows, columns", [(999, 702), (64, 12), (10_000, 15), (150_000, 13)])
def test_a_cell_within_the_bound_is_never_outside_and_any_other_always(rows, columns):
    outside = untrusted._cells_outside(rows, columns)
    last = untrusted.cell_ref(rows - 1, columns - 1)
    letters = last.rstrip("0123456789")
    inside = [b'<c r="A1"/>', f'<c r="{last}" s="1">'.encode(), f'<c r="{letters}1">'.encode(), b'<col min="1"/>',
              b'<cols>', b'<cfRule type="x">']
    beyond = [f'<c r="{untrusted.cell_ref(rows, 0)}"/>', f'<c r="{untrusted.cell_ref(0, columns)}"/>', '<c/>', '<c>',
              '<c s="1" r="A1">', '<c r="a1"/>', '<c\tr="A1"/>', "<c r='A1'/>", '<c r="AAAA1"/>', '<c r=""/>']
    for tag in inside:
        assert outside.search(tag) is None, tag
    for tag in beyond:
        assert outside.search(tag.encode()) is not None, tag


def test_a_sheet_target_is_read_the_same_kept_or_worked_out():
    targets = ["worksheets/sheet2.xml", "/xl/worksheets/sheet2.xml", "worksheets/../sheet2.xml", "sheet2.xml",
               "/xl/worksheets/sheet 2.xml", "xl/worksheets/sheet2.xml", "", "WORKSHEETS/s.xml", "worksheets/a_b-1.xml"]
    expected = ["xl/" + m.group(1) if (m := untrusted._PLAIN_SHEET_TARGET.fullmatch(t)) else None for t in targets]
    assert expected[:2] == ["xl/worksheets/sheet2.xml"] * 2 and expected[2:5] == [None] * 3
    assert [untrusted._plain_sheet_part(t) for t in targets] == expected
    assert [untrusted._plain_sheet_part(t) for t in targets] == expected  # kept
    many = [f"worksheets/sheet{n}.xml" for n in range(3 * untrusted.KEPT)]  # more than are kept
    assert [untrusted._plain_sheet_part(t) for t in many] == ["xl/" + t for t in many]
    assert [untrusted._plain_sheet_part(t) for t in targets] == expected  # worked out again


def test_the_worksheets_told_when_asked_are_those_the_checks_measure_up_front(tmp_path):
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    with check_untrusted(workbook, measure_later=True) as checked:
        assert checked._worksheets == {}  # nothing asked yet
        heads = {name: head for name, (_, head) in checked._unmeasured.items()}
        told = {name for name in list(checked._unmeasured) if checked._is_worksheet(name)}
        eager = {info.filename for info in untrusted._sheet_entries(checked.zip, "xlsx", heads)}
        assert told == eager and all(name.startswith("xl/worksheets/sheet") for name in told) and len(told) >= 4
        checked.read_part("docProps/core.xml")  # not a worksheet: read without measuring anything
        assert set(checked._unmeasured) >= told


@given(tag=st.lists(st.sampled_from([b"<c", b" r=", b'"', b"'", b"A", b"Z", b"AB", b"XFD", b"1", b"999", b"1000",
                                     b"0", b" ", b"/>", b">", b"s=\"1\"", b"\t", b"a"]), max_size=8).map(b"".join),
       bound=st.sampled_from([(999, 702), (64, 12), (10_000, 15), (150_000, 13), (1, 1), (100, 52)]))
def test_the_possessive_runs_find_the_cells_the_plain_runs_find(tag, bound):
    possessive = untrusted._cells_outside.__wrapped__(*bound)
    with patch.object(untrusted, "_POSSESSIVE", b""):
        plain = untrusted._cells_outside.__wrapped__(*bound)
    assert [m.span() for m in possessive.finditer(tag)] == [m.span() for m in plain.finditer(tag)]
