"""The look of the agency workbook: its named styles as xlsxwriter formats (made once per workbook by
sheets.StreamFormats), in the colours both workbooks share (sheets.py). Pure data."""

from __future__ import annotations

from baseline.xlsx.sheets import BORDER_COLOUR, DATE_FORMAT, HEADER_COLOURS, SECTION_COLOURS

INPUT_COLOUR = "FFF2CC"  # pale yellow: "type here"
LINK_COLOUR = "0563C1"
WARNING_COLOUR = "9C0006"
GREY_COLOUR = "808080"

_BORDER = {"border": 1, "border_color": "#" + BORDER_COLOUR}
_WRAP = {"text_wrap": True, "valign": "top"}
_CLIP = {"valign": "top"}  # long section names are cut at the cell edge, not wrapped
_LINK = {"font_color": "#" + LINK_COLOUR, "underline": 1}
_BOLD = {"bold": True}


def _solid(font: str, fill: str) -> dict:
    return {"font_color": "#" + font, "bg_color": "#" + fill, "pattern": 1}


# Style names (keys of STYLES).
TITLE, BOLD, PLAIN, NOTE = "title", "bold", "plain", "note"
HEADER = "header"  # a table's header row: white on dark blue, wrapped, centred vertically
SECTION, SECTION_CLIP = "section", "section clip"  # a section heading row of the Assessment sheet
FIXED, FIXED_CLIP, FIXED_LINK = "fixed", "fixed clip", "fixed link"  # locked cells of a recommendation row
INPUT, INPUT_DATE = "input", "input date"  # the answer cells: unlocked, yellow
LABEL, LABEL_PLAIN, LABEL_GREY = "label", "label plain", "label grey"  # Start here, column A
VALUE, VALUE_LINK, VALUE_WARNING, VALUE_GREY, VALUE_DATE = "value", "value link", "value warning", "value grey", \
    "value date"  # Start here, column B
BOXED, BOXED_BOLD, BOXED_PERCENT = "boxed", "boxed bold", "boxed percent"  # My summary's overall table
BOXED_WRAP, BOXED_WRAP_PERCENT = "boxed wrap", "boxed wrap percent"  # My summary's table by section

STYLES: dict[str, dict] = {
    TITLE: {"bold": True, "font_size": 14},
    BOLD: _BOLD,
    PLAIN: {},
    NOTE: _WRAP,  # a merged note with a height of its own
    HEADER: {**_solid(*HEADER_COLOURS), **_BOLD, **_BORDER, "text_wrap": True, "valign": "vcenter"},
    SECTION: {**_solid(*SECTION_COLOURS), **_BOLD, **_BORDER, **_WRAP},
    SECTION_CLIP: {**_solid(*SECTION_COLOURS), **_BOLD, **_BORDER, **_CLIP},
    FIXED: {**_BORDER, **_WRAP},
    FIXED_CLIP: {**_BORDER, **_CLIP},
    # The link sits on the short id, not the Summary: LibreOffice does not wrap a hyperlinked cell.
    FIXED_LINK: {**_BORDER, **_WRAP, **_LINK},
    INPUT: {**_BORDER, **_WRAP, "locked": False, "bg_color": "#" + INPUT_COLOUR, "pattern": 1},
    INPUT_DATE: {**_BORDER, **_WRAP, "locked": False, "bg_color": "#" + INPUT_COLOUR, "pattern": 1,
                 "num_format": DATE_FORMAT},
    LABEL: {**_BOLD, **_WRAP},
    LABEL_PLAIN: _WRAP,
    LABEL_GREY: {"font_color": "#" + GREY_COLOUR, **_WRAP},
    VALUE: _WRAP,
    VALUE_LINK: {**_WRAP, **_LINK},
    VALUE_WARNING: {**_WRAP, **_BOLD, "font_color": "#" + WARNING_COLOUR},
    VALUE_GREY: {"font_color": "#" + GREY_COLOUR, **_WRAP},
    VALUE_DATE: {"num_format": "d mmmm yyyy", "align": "left", "valign": "top"},
    BOXED: _BORDER,
    BOXED_BOLD: {**_BORDER, **_BOLD},
    BOXED_PERCENT: {**_BORDER, "num_format": "0%"},
    BOXED_WRAP: {**_BORDER, **_WRAP},
    BOXED_WRAP_PERCENT: {**_BORDER, **_WRAP, "num_format": "0%"},
}

# The styles whose texts wrap and so size their row (sheets.StreamSheet); a header row and the merged note have a
# height of their own.
WRAPPED = frozenset({SECTION, FIXED, FIXED_LINK, INPUT, LABEL, LABEL_PLAIN, LABEL_GREY, VALUE, VALUE_LINK,
                     VALUE_WARNING, VALUE_GREY, BOXED_WRAP})
