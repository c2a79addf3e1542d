"""Text rules every part of baseline shares: one copy of each (squash, name_key, clean_text, looks_like_formula,
quote). Pure: strings in, strings out.
"""

from __future__ import annotations

import re

EXCEL_CELL_LIMIT = 32_767  # characters a spreadsheet cell can hold (Excel and LibreOffice alike)

# Characters openpyxl refuses (IllegalCharacterError) and Excel cannot store; tab, LF and CR are kept.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_PREFIXES = ("=", "+", "-", "@")


def squash(text: object) -> str:
    """Runs of whitespace (line breaks included) become one space; ends trimmed. None -> ""."""
    return " ".join(str(text if text is not None else "").split())


def name_key(text: object) -> str:
    """How names and headers are compared: case, spacing and line breaks never matter ("North  CAMHS" ==
    "north camhs"; "Meets\\nit?" == "meets it?")."""
    return squash(text).casefold()


def clean_text(text: str) -> str:
    """Remove control characters Excel cannot hold. Length is *not* cut: callers report over-long text."""
    return _CONTROL_CHARACTERS.sub("", text)


def is_too_long(text: str) -> bool:
    return len(text) > EXCEL_CELL_LIMIT


def looks_like_formula(text: str) -> bool:
    """Would a spreadsheet (or a CSV reader) take this text for a formula?"""
    return text.startswith(FORMULA_PREFIXES)


def quote(text: object, limit: int = 60) -> str:
    """A value for a message: on one line, cut with "…" past `limit` characters, in single quotes."""
    text = squash(text)
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def or_list(values) -> str:
    """["Yes", "Partial", "No"] -> "Yes, Partial or No"."""
    values = list(values)
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]
