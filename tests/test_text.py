"""text.py: the text rules shared by every module, one copy each."""

from __future__ import annotations

import pytest

from baseline.text import (
    clean_text,
    counted,
    csv_cell,
    looks_like_formula,
    markdown_text,
    name_key,
    one_line,
    or_list,
    printable,
    quote,
    squash,
)


def test_squash_and_name_key():
    assert squash("  North \n  CAMHS  ") == "North CAMHS"
    assert squash(None) == ""
    assert name_key("North  CAMHS") == name_key("north camhs") == "north camhs"
    assert name_key("Meets\nit?") == name_key("MEETS IT?")


def test_clean_text_keeps_line_breaks_and_tabs_but_not_what_xml_cannot_hold():
    assert clean_text("a\tb\nc\r\x00\x08\x1f") == "a\tb\nc\r"
    assert clean_text("Audit\uffffdone\ufffe\ud800") == "Auditdone"
    assert clean_text("café – ✓ \x7f\x85") == "café – ✓ \x7f\x85"  # XML 1.0 holds these


def test_a_word_line_or_page_break_becomes_a_line_break_not_two_joined_words():
    # Word's manual line break (Shift+Enter) is a vertical tab, its page break a form feed; pasted into Excel they
    # stay in the cell (_x000B_) and separate two lines. XML cannot hold them: each becomes the line break it means.
    assert clean_text("Leaflet\x0bin use") == "Leaflet\nin use"
    assert clean_text("Page one\x0cpage two\x0b\x00") == "Page one\npage two\n"
    assert csv_cell("one\x0btwo") == "one\ntwo"


def test_looks_like_formula():
    assert all(looks_like_formula(t) for t in ("=1+1", "+44 1234", "-3", "@SUM(A1)", "\t=1", "\r=1", "\n=1"))
    assert not looks_like_formula("Plain text = fine")


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("-2+3", "'-2+3"), ("\t=1", "'\t=1"),
    ("Plain", "Plain"), ("a\uffffb", "ab"), (3, 3), (None, None),
])
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


def test_printable_drops_what_a_terminal_acts_on_but_keeps_lines():
    assert printable("evil\x1b]0;owned\x07\x1b[2J.xlsx") == "evil]0;owned[2J.xlsx"
    assert printable("one\r\ntwo\rthree\ttab\x9bC1\u2028") == "one\ntwothree\ttabC1"
    assert printable(None) == ""


def test_one_line_and_markdown_text():
    assert one_line("North\r# Injected\n\x1b[31m  x") == "North # Injected [31m x"
    assert markdown_text("North\r# Injected\n<script>a|b</script>") == \
        "North \\# Injected \\<script\\>a\\|b\\</script\\>"
    assert markdown_text("[link](http://x) *bold* `code` ~~s~~ _i_") == \
        "\\[link\\](http://x) \\*bold\\* \\`code\\` \\~\\~s\\~\\~ \\_i\\_"


def test_quote_and_or_list():
    assert quote("a  b") == "'a b'"
    assert quote("x" * 100, 10) == "'" + "x" * 9 + "…'"
    assert or_list(["Yes", "Partial", "No"]) == "Yes, Partial or No" and or_list(["Yes"]) == "Yes"


def test_nothing_is_shown_for_no_value():
    assert one_line(None) == "" and markdown_text(None) == "" and printable(None) == ""


@pytest.mark.parametrize(("n", "word", "plural", "expected"), [
    (1, "agency", None, "1 agency"),
    (0, "agency", None, "0 agencies"),  # a consonant before the y: -ies
    (2, "agency", None, "2 agencies"),
    (3, "day", None, "3 days"),  # a vowel before the y: -s
    (2, "survey", None, "2 surveys"),
    (2, "file", None, "2 files"),
    (-1, "file", None, "-1 files"),
    (1, "child", "children", "1 child"),
    (5, "child", "children", "5 children"),  # an irregular plural given
    (2, "key", None, "2 keys"),
])
def test_counted_puts_the_noun_in_the_right_number(n, word, plural, expected):
    assert counted(n, word, plural) == expected
