"""Text rules every part of baseline shares: one copy of each (squash, name_key, clean_text, looks_like_formula,
quote), and how text from outside (returns, file names, encodings) is made inert for each output: a spreadsheet cell
(clean_text + looks_like_formula, see xlsx/sheets.StreamSheet.text), CSV (csv_cell), Markdown (markdown_text) and the
terminal (printable, one_line). Pure: strings in, strings out.
"""

from __future__ import annotations

import re

EXCEL_CELL_LIMIT = 32_767  # characters a spreadsheet cell can hold (Excel and LibreOffice alike)
# Agency and area names appear in print headers, whose limit in Excel is 255 characters for all parts together.
MAX_NAME_LENGTH = 120

# Characters XML 1.0 cannot hold, so no xlsx cell or part either (openpyxl refuses the C0 controls; U+FFFE, U+FFFF
# and lone surrogates pass it and make the file unreadable XML); tab, LF and CR are kept.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Word's manual line break (Shift+Enter) is a vertical tab, its page break a form feed: pasted into Excel they stay in
# the cell (stored as _x000B_, _x000C_) and separate two lines of text. Removed like the others they would join two
# words ("one\x0btwo" -> "onetwo"), so they become the line break they stand for.
# What a terminal acts on: C0 controls (ESC starts escape sequences, CR moves back over a line, BEL), DEL, C1
# controls (\x9b is a one-byte escape sequence in some terminals), and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# A cell starting with one of these is taken for a formula by a spreadsheet opening a CSV, or on editing the cell
# (OWASP "CSV injection": = + - @, tab, CR, LF).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# Characters that Markdown (CommonMark/GFM) could read as formatting, a link, HTML, a table cell or a heading.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def squash(text: object) -> str:
    """Runs of whitespace (line breaks included) become one space; ends trimmed. None -> ""."""
    return " ".join(str(text if text is not None else "").split())


def name_key(text: object) -> str:
    """How names and headers are compared: case, spacing and line breaks never matter ("North  CAMHS" ==
    "north camhs"; "Meets\\nit?" == "meets it?")."""
    return squash(text).casefold()


def clean_text(text: str) -> str:
    """Remove the characters a spreadsheet cell (XML) cannot hold. Length is *not* cut: callers report over-long
    text. Word's line and page breaks become line breaks."""
    return _NOT_XML.sub("", text.replace("\x0b", "\n").replace("\x0c", "\n"))  # str.replace: free when absent


def is_too_long(text: str) -> bool:
    return len(text) > EXCEL_CELL_LIMIT


def looks_like_formula(text: str) -> bool:
    """Would a spreadsheet (or a CSV reader) take this text for a formula?"""
    return text.startswith(FORMULA_PREFIXES)


def csv_cell(value: object) -> object:
    """A value as a CSV cell a spreadsheet shows but never runs: text that could be read as a formula gets a leading
    ' (OWASP); a lone carriage return, which LibreOffice takes for the end of a row even inside quotes, becomes a
    line break; characters a spreadsheet cannot hold are removed. Numbers and dates are left alone."""
    if not isinstance(value, str):
        return value
    value = clean_text(value.replace("\r\n", "\n").replace("\r", "\n"))
    return "'" + value if looks_like_formula(value) else value


def printable(value: object) -> str:
    """Text for the terminal, line breaks and tabs kept: no control character (no escape sequence, no carriage
    return) survives, so a name or a file name cannot recolour, retitle or clear the screen."""
    return _CONTROL.sub("", "" if value is None else str(value).replace("\r\n", "\n")).replace("\r", "")


def one_line(value: object) -> str:
    """Text on one line, without control characters: a name cannot move the cursor or start a new line."""
    return " ".join(_CONTROL.sub(" ", "" if value is None else str(value)).split())


def markdown_text(value: object) -> str:
    """Plain text made safe inside a Markdown table cell or list item: no line breaks, no HTML, no formatting."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(value))


def quote(text: object, limit: int = 60) -> str:
    """A value for a message: on one line, cut with "…" past `limit` characters, in single quotes."""
    text = squash(text)
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def or_list(values) -> str:
    """["Yes", "Partial", "No"] -> "Yes, Partial or No"."""
    values = list(values)
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]


def counted(n: int, word: str, plural: str | None = None) -> str:
    """"1 agency", "2 agencies", "0 files": a count with its noun in the right number (the one plural rule). Here,
    not in render, so that a command that prints only a count (generate) loads no rich."""
    if n == 1:
        return f"{n} {word}"
    if plural is None:
        plural = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
    return f"{n} {plural}"
