"""guideline.py pinned where a person sees it (found by `make mutate`): the YAML loader's refusals word for word,
with the line; how far a document may nest and expand (checked against the limits, made small here); and the
completeness of an encoding, as `recs list`, `recs show` and the report state it."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml

from baseline import guideline
from baseline.guideline import guideline_data, parse_guideline, parse_yaml, rebuild_guideline
from baseline.issues import BaselineError
from tests.conftest import SHIPPED_NG225


def refusal(text: str) -> str:
    with pytest.raises(BaselineError) as info:
        parse_yaml(text, "f.yaml")
    return str(info.value)


def test_refusals_say_what_and_where():
    assert refusal("a: &a [*a]") == ('f.yaml: not valid YAML: an alias (*) refers to the anchor (&) that contains it\n'
                                     '  in "<unicode string>", line 1, column 4:\n    a: &a [*a]\n       ^')
    assert refusal("a: 1\nb: 2\na: 3\n") == ("f.yaml: not valid YAML: duplicate key 'a'\n"
                                             '  in "<unicode string>", line 3, column 1:\n    a: 3\n    ^')
    # a list as a key is refused as YAML refuses it (it used to escape as a TypeError: a traceback, exit 3)
    assert refusal("{? [a, b] : 1}").startswith("f.yaml: not valid YAML: while constructing a mapping\n")
    assert "found unhashable key" in refusal("{x: 1, ? [a, b] : 1}")
    assert parse_yaml("{? a : 1, b: 2}") == {"a": 1, "b": 2}
    assert parse_yaml("a: &x [1, {b: 2}]\nc: *x\nd: *x\n") == {"a": [1, {"b": 2}], "c": [1, {"b": 2}],
                                                                "d": [1, {"b": 2}]}  # an anchor used twice is fine


@pytest.mark.parametrize("text, values", [
    ("1", 1), ("[1, 2, 3]", 4), ("[[1, 2]]", 4), ("{a: 1, b: 2}", 5), ("{a: [1, 2]}", 5), ("{? [a, b, c] : 1}", 6),
    ("a: &x [1, 2]\nb: *x\nc: *x\n", 13),  # each use of an anchor counts its values again
])
def test_a_document_may_expand_to_the_limit_and_not_one_value_more(monkeypatch, text, values):
    monkeypatch.setattr(guideline, "MAX_YAML_NODES", values)
    if text.startswith("{?"):
        assert "found unhashable key" in refusal(text)  # counted first, then refused for its key
    else:
        parse_yaml(text)
    monkeypatch.setattr(guideline, "MAX_YAML_NODES", values - 1)
    assert f"expand to more than {values - 1:,} values" in refusal(text)


def test_a_bomb_is_refused_at_the_node_that_expands_too_far(monkeypatch):
    monkeypatch.setattr(guideline, "MAX_YAML_NODES", 3)
    assert refusal("x: [1, 2, 3, 4]\n") == ("f.yaml: not valid YAML: its anchors and aliases (&, *) expand to more "
                                            'than 3 values\n  in "<unicode string>", line 1, column 4:\n'
                                            "    x: [1, 2, 3, 4]\n       ^")


@pytest.mark.parametrize("text, levels", [
    ("1", 1), ("[1]", 2), ("[[1]]", 3), ("[1, [[1]]]", 4), ("[[1], [1], [1]]", 3), ("{a: {b: 1}}", 3),
    ("{a: {b: [1]}}", 4), ("[[1, [[1]]]]", 5), ("[[[1], [1]], [1]]", 4),
])
def test_nesting_is_refused_past_the_limit_and_only_there(monkeypatch, text, levels):
    monkeypatch.setattr(guideline, "MAX_YAML_DEPTH", levels)
    parse_yaml(text)
    monkeypatch.setattr(guideline, "MAX_YAML_DEPTH", levels - 1)
    assert f"nested more than {levels - 1} levels deep" in refusal(text)


def test_nesting_message_names_the_line():
    message = refusal("x:\n  - " + "[" * 60 + "]" * 60 + "\n")
    assert message.startswith('f.yaml: not valid YAML: nested more than 50 levels deep\n'
                              '  in "<unicode string>", line 2, column 53:\n')


@pytest.fixture(scope="module")
def ng225_data() -> dict:
    return yaml.safe_load(SHIPPED_NG225.read_text(encoding="utf-8"))


def test_completeness_of_the_shipped_partial_encoding(ng225_data):
    g = parse_guideline(copy.deepcopy(ng225_data))
    later = ["1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11", "1.12"]
    assert g.completeness() == {
        "recommendations": 51, "verified": 2, "with_summary": 13, "sections": 12, "complete_sections": ["1.1"],
        "incomplete_sections": later, "untitled_sections": ["1.9", "1.10", "1.11", "1.12"],
        "sections_list_complete": False, "complete": False}
    assert g.completeness_sentence() == (
        "PARTIAL ENCODING: 51 recommendations known in 12 sections; 2 verified against a NICE source; 13 with a "
        "summary. Sections not known complete: " + ", ".join(later) + ". Further sections may exist.")


def test_completeness_sentence_of_a_complete_encoding_and_of_a_complete_list_of_sections(ng225_data):
    data = copy.deepcopy(ng225_data)
    data["complete"] = True
    assert parse_guideline(copy.deepcopy(data)).completeness_sentence().endswith(
        "13 with a summary. Sections not known complete: 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 1.10, 1.11, 1.12.")
    for section in data["sections"]:
        section["complete"] = True
    assert parse_guideline(copy.deepcopy(data)).completeness_sentence() == (
        "Complete encoding: 51 recommendations, 2 verified against NICE.")
    data["complete"] = False
    assert parse_guideline(data).completeness_sentence() == (
        "PARTIAL ENCODING: 51 recommendations known in 12 sections; 2 verified against a NICE source; 13 with a "
        "summary. Further sections may exist.")


@pytest.mark.parametrize("published, why", [
    (dt.datetime(2022, 9, 7, 9, 0), "must be a date (YYYY-MM-DD), not a date and time"),
    (20220907, "must be a date in the form YYYY-MM-DD"),
    ("7/9/2022", "'7/9/2022' is not a date in the form YYYY-MM-DD"),
])
def test_a_published_date_that_is_not_one_says_why(ng225_data, published, why):
    data = copy.deepcopy(ng225_data)
    data["published"] = published
    with pytest.raises(BaselineError) as info:
        parse_guideline(data, "x.yaml")
    assert str(info.value) == f"x.yaml is not a valid recommendation file\n  x.yaml: published: {why}"


def test_a_section_number_needs_two_parts_and_an_update_may_fall_on_the_publication_day(ng225_data):
    data = copy.deepcopy(ng225_data)
    data["sections"] = data["sections"][:1]
    data["sections"][0]["id"] = "1.1.0"
    with pytest.raises(BaselineError) as info:
        parse_guideline(data, "x.yaml")
    assert str(info.value) == ("x.yaml is not a valid recommendation file\n"
                               "  x.yaml: sections[0].id: '1.1.0' should have 2 parts")
    data = copy.deepcopy(ng225_data)
    data["updated"] = data["published"]
    assert parse_guideline(data, "x.yaml").updated == "2022-09-07"  # no "updated is before the published date"


def test_yaml_without_a_source_name_is_called_yaml():
    with pytest.raises(BaselineError, match=r"^<yaml>: not valid YAML: while parsing a flow node\n"):
        parse_yaml("a: [")


def test_the_cache_rebuilds_subsections_as_subsections(ng225_data):
    data = copy.deepcopy(ng225_data)
    data["sections"][0]["subsections"] = [{"title": "Information", "recommendations": ["1.1.1", "1.1.2"]}]
    checked = parse_guideline(data)
    rebuilt = rebuild_guideline(guideline_data(checked))
    assert rebuilt == checked and rebuilt.sections[0].subsections[0].title == "Information"


def test_looking_up_the_section_of_an_unknown_recommendation_names_it(ng225_data):
    with pytest.raises(KeyError) as caught:
        parse_guideline(ng225_data).section_of("9.9.9")
    assert caught.value.args == ("9.9.9",)
