"""text.py: the text rules shared by every module, one copy each."""

from __future__ import annotations

from baseline.text import clean_text, looks_like_formula, name_key, or_list, quote, squash


def test_squash_and_name_key():
    assert squash("  North \n  CAMHS  ") == "North CAMHS"
    assert squash(None) == ""
    assert name_key("North  CAMHS") == name_key("north camhs") == "north camhs"
    assert name_key("Meets\nit?") == name_key("MEETS IT?")


def test_clean_text_keeps_line_breaks_and_tabs_but_not_other_controls():
    assert clean_text("a\tb\nc\r\x00\x08\x0b\x1f") == "a\tb\nc\r"


def test_looks_like_formula():
    assert all(looks_like_formula(t) for t in ("=1+1", "+44 1234", "-3", "@SUM(A1)"))
    assert not looks_like_formula("Plain text = fine")


def test_quote_and_or_list():
    assert quote("a  b") == "'a b'"
    assert quote("x" * 100, 10) == "'" + "x" * 9 + "…'"
    assert or_list(["Yes", "Partial", "No"]) == "Yes, Partial or No" and or_list(["Yes"]) == "Yes"
