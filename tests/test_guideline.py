from __future__ import annotations

import pytest

from baseline.catalogue import check_file, load_guideline
from baseline.guideline import (
    diff_guidelines,
    dump_guideline,
    fingerprint,
    id_key,
    parse_guideline,
)
from baseline.issues import BaselineError

from .conftest import SHIPPED_NG225

# The 51 recommendation numbers known for NG225 (what the project's reference supports), in order.
NG225_IDS = (
    ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.2.1", "1.3.1", "1.4.1", "1.5.1"]
    + [f"1.6.{i}" for i in range(1, 7)]
    + [f"1.7.{i}" for i in range(1, 17)]
    + ["1.8.1", "1.9.1", "1.10.1"]
    + [f"1.11.{i}" for i in range(1, 13)]
    + [f"1.12.{i}" for i in range(1, 7)]
)


def test_shipped_ng225_loads_with_the_known_numbers():
    g = load_guideline(SHIPPED_NG225)
    assert g.guideline == "NG225"
    assert g.version == "2022-09-07"
    assert g.published == "2022-09-07"
    assert [r.id for r in g.recommendations] == NG225_IDS
    assert len(g.sections) == 12


def test_shipped_ng225_flags_are_honest():
    g = load_guideline(SHIPPED_NG225)
    assert [s.id for s in g.sections if s.complete] == ["1.1"]
    assert {r.id for r in g.recommendations if r.verified} == {"1.1.1", "1.5.1"}
    assert [s.id for s in g.sections if s.title is None] == ["1.9", "1.10", "1.11", "1.12"]
    assert not g.complete and not g.encoding_complete
    assert all(r.text is None for r in g.recommendations), "NICE's text must never be shipped"
    c = g.completeness()
    assert (c["recommendations"], c["verified"], c["complete_sections"]) == (51, 2, ["1.1"])


def test_section_sector_defaults():
    g = load_guideline(SHIPPED_NG225)
    sectors = {s.id: s.sectors for s in g.sections}
    assert sectors["1.5"] == ["mental_health"]
    assert sectors["1.8"] == ["education", "criminal_justice", "voluntary_sector"]
    assert "social_care" in sectors["1.7"] and "education" not in sectors["1.7"]
    assert sectors["1.1"] == ["all"]
    school = [r.id for r in g.recommendations_for(["education"])]
    assert "1.8.1" in school and "1.5.1" not in school and "1.7.1" not in school and "1.1.1" in school
    assert "1.5.1" in [r.id for r in g.recommendations_for(["mental_health"])]


def test_recommendation_sectors_override_section(ng225_data):
    ng225_data["sections"][0]["recommendations"][0]["sectors"] = ["education"]
    g = parse_guideline(ng225_data)
    rec = g.get("1.1.1")
    assert g.sectors_of(rec) == ["education"]
    assert not g.applies_to(rec, ["mental_health"])


def test_fingerprint_depends_on_ids_not_wording(ng225_data):
    g = parse_guideline(ng225_data)
    ng225_data["sections"][0]["recommendations"][1]["summary"] = "Reworded in our own words."
    assert parse_guideline(ng225_data).fingerprint == g.fingerprint
    ng225_data["sections"][1]["recommendations"].append({"id": "1.2.2"})
    assert parse_guideline(ng225_data).fingerprint != g.fingerprint
    assert fingerprint("NG225", "2022-09-07", ["1.1.1"]) != fingerprint("NG225", "2023-01-01", ["1.1.1"])
    assert len(g.fingerprint) == 12


def test_id_key_orders_numerically():
    assert sorted(["1.10.1", "1.9.2", "1.2.10", "1.2.9"], key=id_key) == ["1.2.9", "1.2.10", "1.9.2", "1.10.1"]


def test_dump_round_trips(ng225_data, tmp_path):
    g = parse_guideline(ng225_data)
    path = tmp_path / "out.yaml"
    path.write_text(dump_guideline(g), encoding="utf-8")
    assert load_guideline(path) == g


# --- planted faults: each reported with file, YAML path and reason ------------------------------------------


def _plant(data: dict, fault: str) -> None:
    sections = data["sections"]
    if fault == "duplicate-id":
        sections[0]["recommendations"][1]["id"] = "1.1.1"
    elif fault == "outside-section":
        sections[1]["recommendations"][0]["id"] = "1.3.9"
    elif fault == "wrong-order":
        recs = sections[0]["recommendations"]
        recs[1], recs[2] = recs[2], recs[1]
    elif fault == "unknown-sector":
        sections[4]["recommendations"][0]["sectors"] = ["astrology"]
    elif fault == "unknown-key":
        sections[0]["recommendations"][0]["sumary"] = "typo"
    elif fault == "bad-date":
        data["published"] = "7th September 2022"
    elif fault == "section-order":
        sections[2], sections[3] = sections[3], sections[2]
    elif fault == "missing-key":
        del data["title"]
    elif fault == "bad-population":
        sections[0]["recommendations"][0]["population"] = "everyone"


@pytest.mark.parametrize(
    "fault, path, words",
    [
        ("duplicate-id", "sections[0].recommendations[1].id", "duplicate recommendation id"),
        ("outside-section", "sections[1].recommendations[0].id", "outside its section 1.2"),
        ("wrong-order", "sections[0].recommendations[2].id", "ascending order"),
        ("unknown-sector", "sections[4].recommendations[0].sectors[0]", "unknown sector 'astrology'"),
        ("unknown-key", "sections[0].recommendations[0].sumary", "unknown key"),
        ("bad-date", "published", "not a date"),
        ("section-order", "sections[3].id", "ascending order"),
        ("missing-key", "title", "required key is missing"),
        ("bad-population", "sections[0].recommendations[0].population", "Input should be"),
    ],
)
def test_check_reports_each_planted_fault(ng225_data, write_yaml, fault, path, words):
    _plant(ng225_data, fault)
    broken = write_yaml(ng225_data)
    problems = check_file(broken)
    assert any(p.path == path and words in p.message and p.file == str(broken) for p in problems), problems
    assert str(broken) in str(problems[0]) and path in "".join(str(p) for p in problems)


def test_check_reports_every_fault_at_once(ng225_data, write_yaml):
    for fault in ("duplicate-id", "unknown-sector", "outside-section"):
        _plant(ng225_data, fault)
    assert len(check_file(write_yaml(ng225_data))) >= 3


def test_duplicate_yaml_key_is_refused(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(SHIPPED_NG225.read_text(encoding="utf-8") + "title: again\n", encoding="utf-8")
    problems = check_file(path)
    assert len(problems) == 1 and "duplicate key 'title'" in problems[0].message


def test_not_yaml_and_not_a_mapping(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("sections: [unclosed\n", encoding="utf-8")
    assert "not valid YAML" in check_file(bad)[0].message
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    assert "mapping" in check_file(bad)[0].message
    with pytest.raises(BaselineError):
        load_guideline(tmp_path / "missing.yaml")


def test_unsupported_schema(ng225_data):
    ng225_data["schema"] = 99
    with pytest.raises(BaselineError) as err:
        parse_guideline(ng225_data)
    assert err.value.problems[0].path == "schema"


def test_diff_lists_added_removed_changed(ng225_data):
    old = parse_guideline(ng225_data)
    ng225_data["sections"][1]["recommendations"].append({"id": "1.2.2", "summary": "New one."})
    del ng225_data["sections"][2]["recommendations"][0]  # 1.3.1 gone
    ng225_data["sections"][2]["recommendations"].append({"id": "1.3.2"})
    ng225_data["sections"][0]["recommendations"][1]["summary"] = "Now known."
    ng225_data["sections"][8]["title"] = "A heading"
    ng225_data["sections"].append({"id": "1.13", "title": "New", "recommendations": [{"id": "1.13.1"}]})
    new = parse_guideline(ng225_data)
    diff = diff_guidelines(old, new)
    assert diff.added == ["1.2.2", "1.3.2", "1.13.1"]
    assert diff.removed == ["1.3.1"]
    assert diff.changed == [{"id": "1.1.2", "fields": {"summary": [None, "Now known."]}}]
    assert diff.sections_added == ["1.13"]
    assert diff.sections_changed == [{"id": "1.9", "fields": {"title": [None, "A heading"]}}]
    assert diff_guidelines(old, old).empty
