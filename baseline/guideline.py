"""Recommendation YAML: the guideline's plain runtime objects, a strict loader, the format's checks, fingerprint and diff.

Pure: reads YAML text, knows nothing of Excel or the terminal. The objects every command uses (Guideline, Section,
Subsection, Recommendation) are plain frozen dataclasses; pydantic checks a YAML file a person wrote and builds them
(parse_guideline), and is imported only then: a command that takes its encoding from the cache (catalogue.py) never
loads it (50-60 ms of every start otherwise).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Hashable
from dataclasses import field, fields, is_dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Optional

from baseline.issues import BaselineError, Problem
from baseline.records import record

if TYPE_CHECKING:
    from pydantic import ValidationError

SCHEMA_VERSION = 1
ALL_SECTORS = "all"
# Said wherever an encoding holding NICE's own text is written (recs import).
KEEP_LOCAL = ("It holds NICE's full recommendation text (© NICE): keep it on your own machine; do not commit it "
              "to a public repository or share it publicly.")
Population = Literal["all", "children_young_people", "adults"]

# The runtime objects: built by parse_guideline from a checked file, or rebuilt from the encoding cache. Their
# fields are the format's (see _format_models, which holds every rule and default of the format).
# (Each has a docstring: a dataclass without one has it made from inspect.signature at import.)
_PLAIN = dict(frozen=True, slots=True, kw_only=True)


@record(**_PLAIN)
class Recommendation:
    """One numbered recommendation of the guideline, as the encoding holds it."""

    id: str
    summary: Optional[str]  # our own words; None where the content is not known
    text: Optional[str]  # NICE's full text: only ever filled locally by `recs import`
    sectors: Optional[list[str]]  # None: inherit the section's default
    population: Population
    year: Optional[str]
    quality_statements: list[str]
    verified: bool  # number and content checked against a NICE source


@record(**_PLAIN)
class Subsection:
    """A titled group of recommendations within a section."""

    title: str
    recommendations: list[str]


@record(**_PLAIN)
class Section:
    """A section of the guideline (1.1, 1.2...) and its recommendations."""

    id: str
    title: Optional[str]  # None where the heading is not known
    complete: bool  # True only when every recommendation number of the section is known
    sectors: list[str]
    subsections: list[Subsection]
    recommendations: list[Recommendation]

    @property
    def label(self) -> str:
        return f"{self.id} {self.title}" if self.title else f"{self.id} (heading not yet encoded)"


def _iso_date(value: Any) -> Any:
    """Accept a YAML date or an ISO date string; keep a string (YAML would otherwise hand us a date object)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from None
    raise ValueError("must be a date in the form YYYY-MM-DD")


@record(**_PLAIN)
class Guideline:
    """One version of a guideline's encoding (a checked recommendation YAML file)."""

    schema_: int  # "schema" in the file
    guideline: str
    title: str
    version: str  # the NICE publication/update date this file encodes
    published: str
    updated: Optional[str]
    source: str
    complete: bool  # True only when the list of sections is known to be complete
    notes: Optional[str]
    sectors: dict[str, str]
    sections: list[Section]

    # --- derived views -------------------------------------------------------------------------------------
    @property
    def ref(self) -> str:
        return f"{self.guideline}@{self.version}"

    @property
    def recommendations(self) -> list[Recommendation]:
        return [r for s in self.sections for r in s.recommendations]

    def section_of(self, recommendation_id: str) -> Section:
        for section in self.sections:
            if any(r.id == recommendation_id for r in section.recommendations):
                return section
        raise KeyError(recommendation_id)

    def get(self, recommendation_id: str) -> Recommendation:
        for r in self.recommendations:
            if r.id == recommendation_id:
                return r
        raise KeyError(recommendation_id)

    def sectors_of(self, recommendation: Recommendation) -> list[str]:
        if recommendation.sectors is not None:
            return recommendation.sectors
        return self.section_of(recommendation.id).sectors

    def applies_to(self, recommendation: Recommendation, sectors: list[str]) -> bool:
        """Does a recommendation concern an agency of these sectors? ("all" concerns everybody.)"""
        own = self.sectors_of(recommendation)
        return ALL_SECTORS in own or any(s in own for s in sectors)

    def recommendations_for(self, sectors: list[str] | None) -> list[Recommendation]:
        if sectors is None:
            return self.recommendations
        return [r for r in self.recommendations if self.applies_to(r, sectors)]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.guideline, self.version, [r.id for r in self.recommendations])

    @property
    def encoding_complete(self) -> bool:
        return self.complete and all(s.complete for s in self.sections)

    def completeness(self) -> dict:
        recs = self.recommendations
        return {
            "recommendations": len(recs),
            "verified": sum(r.verified for r in recs),
            "with_summary": sum(r.summary is not None for r in recs),
            "sections": len(self.sections),
            "complete_sections": [s.id for s in self.sections if s.complete],
            "incomplete_sections": [s.id for s in self.sections if not s.complete],
            "untitled_sections": [s.id for s in self.sections if s.title is None],
            "sections_list_complete": self.complete,
            "complete": self.encoding_complete,
        }

    def completeness_sentence(self) -> str:
        """One honest sentence about how much of the guideline this encoding holds (every output that shows the
        guideline says it the same way)."""
        c = self.completeness()
        if c["complete"]:
            return f"Complete encoding: {c['recommendations']} recommendations, {c['verified']} verified against NICE."
        parts = [
            f"PARTIAL ENCODING: {c['recommendations']} recommendations known in {c['sections']} sections",
            f"{c['verified']} verified against a NICE source",
            f"{c['with_summary']} with a summary",
        ]
        text = "; ".join(parts) + "."
        if c["incomplete_sections"]:
            text += f" Sections not known complete: {', '.join(c['incomplete_sections'])}."
        if not c["sections_list_complete"]:
            text += " Further sections may exist."
        return text


def fingerprint(guideline: str, version: str, ids: list[str]) -> str:
    """Short hash of guideline + version + recommendation ids in order.

    Summary wording can change without breaking workbooks already sent out; adding or removing a
    recommendation changes the fingerprint.
    """
    payload = "\n".join([guideline.upper(), version, *ids]).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()[:12]


def id_key(identifier: str) -> tuple[int, ...]:
    """"1.10.2" -> (1, 10, 2), so that 1.10 sorts after 1.9."""
    return tuple(int(part) for part in identifier.split("."))


# --- loading -------------------------------------------------------------------------------------------------


MAX_YAML_DEPTH = 50  # the recommendation format nests 6 levels deep, a config 4
MAX_YAML_NODES = 200_000  # values once aliases are expanded: the full NG225 encoding has a few thousand


def _yaml():
    """PyYAML, imported when YAML is first read or written, not at start-up: a command that takes its encoding
    from the cache (catalogue.py: validate, merge, summary) never loads it."""
    import yaml  # see the docstring: a sixth of a one-file validate's imports

    return yaml


@lru_cache(maxsize=1)
def _unique_key_loader() -> type:
    """The SafeLoader subclass parse_yaml reads with (built once, when YAML is first read)."""
    yaml = _yaml()

    class UniqueKeyLoader(yaml.SafeLoader):
        """safe_load that refuses duplicate mapping keys (plain YAML silently keeps the last one), YAML nested more
        than MAX_YAML_DEPTH levels (the composer recurses: a deep file would end in a RecursionError), and a
        document whose anchors and aliases expand to more than MAX_YAML_NODES values (a few lines of "billion
        laughs" would otherwise cost minutes and gigabytes in whatever walks the data next)."""

        _depth = 0

        def compose_node(self, parent, index):
            if self._depth >= MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_YAML_DEPTH} levels deep",
                                                  self.peek_event().start_mark)
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def compose_document(self):
            node = super().compose_document()
            _expanded_size(node, {})
            return node

    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)
    return UniqueKeyLoader


def _expanded_size(node, sizes: dict[int, int | None]) -> int:
    """How many values `node` (a yaml.Node) stands for once every alias in it is expanded (each shared node counted
    once per use, computed once); refuses an alias inside the node it names and a total over MAX_YAML_NODES."""
    yaml = _yaml()
    key = id(node)
    if key in sizes:
        if sizes[key] is None:
            raise yaml.composer.ComposerError(None, None, "an alias (*) refers to the anchor (&) that contains it",
                                              node.start_mark)
        return sizes[key]
    sizes[key] = None
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    if size > MAX_YAML_NODES:
        raise yaml.composer.ComposerError(None, None, f"its anchors and aliases (&, *) expand to more than "
                                          f"{MAX_YAML_NODES:,} values", node.start_mark)
    sizes[key] = size
    return size


def _construct_unique_mapping(loader, node, deep: bool = False) -> dict:  # pragma: no mutate (True: same data)
    yaml = _yaml()
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):  # a list as a key ("? [a, b]"): construct_mapping refuses it, as YAML does
            break
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


def parse_yaml(text: str, source: str = "<yaml>") -> Any:
    """YAML text -> data, safely (no tags, no duplicate keys); a failure is a BaselineError naming `source` (and the
    line, when YAML gives one). Reading the file is files.load_yaml's job."""
    yaml = _yaml()
    try:
        return yaml.load(text, Loader=_unique_key_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise BaselineError(f"{source}: not valid YAML: {exc}") from None


def yaml_path(loc: tuple) -> str:
    """pydantic location -> "sections[2].recommendations[0].id"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # pydantic names the field by its alias ("schema"), so "schema_" never comes: kept as a guard
            out += ("." if out else "") + ("schema" if part == "schema_" else str(part))  # pragma: no mutate
    return out


def pydantic_problems(file: str, exc: ValidationError) -> list[Problem]:
    """pydantic's errors as problems, each at its YAML path, in our words where pydantic's are unclear."""
    problems = []
    for err in exc.errors():
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key (not part of the format; check the spelling)"
        elif err["type"] == "missing":
            message = "required key is missing"
        message = message.removeprefix("Value error, ")
        problems.append(Problem(file, yaml_path(err["loc"]), message))
    return problems


def consistency_problems(file: str, guideline: Guideline) -> list[Problem]:
    """What pydantic cannot see: duplicates, ids outside their section, order, unknown sectors, subsections."""
    problems: list[Problem] = []
    known_sectors = set(guideline.sectors) | {ALL_SECTORS}
    seen_sections: dict[str, str] = {}
    seen_recs: dict[str, str] = {}
    previous_section: str | None = None

    def numbered(identifier: str, where: str, parts: int | None = None) -> bool:
        try:
            key = id_key(identifier)
        except ValueError:
            problems.append(Problem(file, where, f"{identifier!r} is not a number like 1.2 or 1.2.3"))
            return False
        if parts is not None and len(key) != parts:
            problems.append(Problem(file, where, f"{identifier!r} should have {parts} parts"))
            return False
        return True

    def check_sectors(sectors: list[str] | None, where: str) -> None:
        for i, sector in enumerate(sectors or []):
            if sector not in known_sectors:
                problems.append(
                    Problem(file, f"{where}[{i}]", f"unknown sector {sector!r} (known: {', '.join(sorted(known_sectors))})")
                )

    def placed(kind: str, identifier: str, where: str, ok: bool, seen: dict[str, str], previous: str | None):
        """Unique and in ascending order, the same rule for sections and recommendations; the new `previous`."""
        if identifier in seen:
            problems.append(Problem(file, f"{where}.id", f"duplicate {kind} id {identifier!r} (also at {seen[identifier]})"))
        seen.setdefault(identifier, where)
        if ok and previous is not None and id_key(identifier) <= id_key(previous):
            problems.append(Problem(file, f"{where}.id", f"{kind} {identifier} comes after {previous}: {kind}s must be in "
                                                         "ascending order"))
        return identifier if ok else previous

    for s_index, section in enumerate(guideline.sections):
        s_where = f"sections[{s_index}]"
        section_ok = numbered(section.id, f"{s_where}.id", 2)
        previous_section = placed("section", section.id, s_where, section_ok, seen_sections, previous_section)
        check_sectors(section.sectors, f"{s_where}.sectors")
        if not section.recommendations:
            problems.append(Problem(file, f"{s_where}.recommendations", "a section needs at least one recommendation"))

        previous_rec: str | None = None
        own_ids = set()
        for r_index, rec in enumerate(section.recommendations):
            r_where = f"{s_where}.recommendations[{r_index}]"
            rec_ok = numbered(rec.id, f"{r_where}.id", 3)
            own_ids.add(rec.id)
            if rec_ok and section_ok and not rec.id.startswith(section.id + "."):
                problems.append(Problem(file, f"{r_where}.id", f"recommendation {rec.id} is outside its section {section.id}"))
            previous_rec = placed("recommendation", rec.id, r_where, rec_ok, seen_recs, previous_rec)
            check_sectors(rec.sectors, f"{r_where}.sectors")
            for key in ("summary", "text"):
                value = getattr(rec, key)
                if value is not None and not value.strip():
                    problems.append(Problem(file, f"{r_where}.{key}", "is empty: leave it out (null) instead"))

        for sub_index, sub in enumerate(section.subsections):
            for i, rec_id in enumerate(sub.recommendations):
                if rec_id not in own_ids:
                    problems.append(Problem(file, f"{s_where}.subsections[{sub_index}].recommendations[{i}]", f"{rec_id!r} is not a recommendation of section {section.id}"))

    if guideline.updated and guideline.updated < guideline.published:
        problems.append(Problem(file, "updated", "is before the published date"))
    return problems


@lru_cache(maxsize=1)
def _format_models() -> type:
    """The pydantic model of the recommendation format (every rule and default of it), built the first time a YAML
    encoding is checked: pydantic is imported only then (see the module's doc). The classes keep the plain
    objects' names and fields (pydantic names a class in some messages); plain_objects turns a checked model into
    them."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator

    class _Strict(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

    class Recommendation(_Strict):
        id: str
        summary: Optional[str] = None
        text: Optional[str] = None
        sectors: Optional[list[str]] = None
        population: Population = "all"
        year: Optional[str] = None
        quality_statements: list[str] = Field(default_factory=list)
        verified: bool = False

        @field_validator("year", mode="before")
        @classmethod
        def _year_as_text(cls, value: Any) -> Any:
            return str(value) if isinstance(value, int) else value

    class Subsection(_Strict):
        title: str
        recommendations: list[str]

    class Section(_Strict):
        id: str
        title: Optional[str] = None
        complete: bool = False
        sectors: list[str] = Field(default_factory=lambda: [ALL_SECTORS])
        subsections: list[Subsection] = Field(default_factory=list)
        recommendations: list[Recommendation]

    class Guideline(_Strict):
        schema_: int = Field(alias="schema")
        guideline: str
        title: str
        version: str
        published: str
        updated: Optional[str] = None
        source: str
        complete: bool = False
        notes: Optional[str] = None
        sectors: dict[str, str]
        sections: list[Section]

        model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

        @field_validator("version", "published", "updated", mode="before")
        @classmethod
        def _dates(cls, value: Any) -> Any:
            return _iso_date(value)

        @field_validator("schema_")
        @classmethod
        def _known_schema(cls, value: int) -> int:
            if value != SCHEMA_VERSION:
                raise ValueError(f"schema {value} is not supported (this version of baseline reads schema "
                                 f"{SCHEMA_VERSION})")
            return value

    return Guideline


_PLAIN_CLASSES = {cls.__name__: cls for cls in (Guideline, Section, Subsection, Recommendation)}


def plain_objects(value: Any, classes: dict[str, type] = _PLAIN_CLASSES) -> Any:
    """A model pydantic checked (and the lists of them in it) -> the plain objects of the same names and fields."""
    if isinstance(value, list):
        return [plain_objects(item, classes) for item in value]
    checked_fields = getattr(type(value), "model_fields", None)
    if checked_fields is None:
        return value
    return classes[type(value).__name__](**{name: plain_objects(getattr(value, name), classes)
                                            for name in checked_fields})


def checked_format(data: dict, file: str = "<data>") -> Guideline:
    """The format's rules (known keys, types, dates, the schema version) checked on already-loaded YAML data, the
    plain Guideline built from it; not the consistency checks (parse_guideline does both). Raises BaselineError
    listing every problem."""
    from pydantic import ValidationError  # imported with the models: see _format_models

    try:
        checked = _format_models().model_validate(data)
    except ValidationError as exc:
        raise BaselineError(f"{file} is not a valid recommendation file", pydantic_problems(file, exc)) from None
    return plain_objects(checked)


def parse_guideline(data: Any, file: str = "<data>") -> Guideline:
    """Validate already-loaded YAML data. Raises BaselineError listing every problem."""
    if not isinstance(data, dict):
        raise BaselineError(f"{file} is not a recommendation file", [Problem(file, "", "the top level must be a mapping of keys")])
    guideline = checked_format(data, file)
    problems = consistency_problems(file, guideline)
    if problems:
        raise BaselineError(f"{file} is not a valid recommendation file", problems)
    return guideline


def _as_data(value: Any, exclude_none: bool) -> Any:
    """Plain objects -> JSON-safe data in the file's shape (fresh lists and dicts: the caller may change them)."""
    if isinstance(value, list):
        return [_as_data(item, exclude_none) for item in value]
    if isinstance(value, dict):
        return {key: _as_data(item, exclude_none) for key, item in value.items()}
    if is_dataclass(value):
        data = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if item is not None or not exclude_none:
                data["schema" if f.name == "schema_" else f.name] = _as_data(item, exclude_none)
        return data
    return value


def guideline_data(guideline: Guideline) -> dict:
    """A checked Guideline as plain data (JSON-safe, in the file's shape), for the encoding cache and for tests that
    build a variant; rebuild_guideline reads it back."""
    return _as_data(guideline, exclude_none=False)


def rebuild_guideline(data: dict) -> Guideline:
    """guideline_data's output -> the same Guideline, without validating again: only for data of a Guideline that
    parse_guideline accepted (the encoding cache, keyed by the YAML's content). Data of another shape raises
    KeyError or TypeError."""
    def section(s: dict) -> Section:
        return Section(**{**s, "subsections": [Subsection(**sub) for sub in s["subsections"]],
                          "recommendations": [Recommendation(**r) for r in s["recommendations"]]})

    top = {key: value for key, value in data.items() if key != "schema"}
    return Guideline(**{**top, "schema_": data["schema"], "sections": [section(s) for s in data["sections"]]})


def model_shape() -> str:
    """The fields of the guideline objects: part of the encoding cache's key, so a changed model never reads an
    entry written for the old one."""
    return ";".join(f"{cls.__name__}:{','.join(f.name for f in fields(cls))}"
                    for cls in (Guideline, Section, Subsection, Recommendation))


_TOP_LEVEL_ORDER = ("schema", "guideline", "title", "version", "published", "updated", "source", "complete", "notes", "sectors", "sections")


def dump_guideline(guideline: Guideline) -> str:
    """The model as YAML in the file's own shape (unknown values left out)."""
    data = _as_data(guideline, exclude_none=True)
    ordered = {key: data[key] for key in _TOP_LEVEL_ORDER if key in data}
    return _yaml().safe_dump(ordered, sort_keys=False, allow_unicode=True, width=110)


# --- diff ----------------------------------------------------------------------------------------------------


@record
class GuidelineDiff:
    """What changed between two versions of an encoding (`recs diff`): recommendations and sections."""

    old: str
    new: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # {"id", "fields": {name: [old, new]}}
    sections_added: list[str] = field(default_factory=list)
    sections_removed: list[str] = field(default_factory=list)
    sections_changed: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            [self.added, self.removed, self.changed, self.sections_added, self.sections_removed, self.sections_changed]
        )

    def to_dict(self) -> dict:
        return {
            "old": self.old,
            "new": self.new,
            "recommendations": {"added": self.added, "removed": self.removed, "changed": self.changed},
            "sections": {"added": self.sections_added, "removed": self.sections_removed, "changed": self.sections_changed},
        }


_REC_FIELDS = ("summary", "text", "sectors", "population", "year", "quality_statements", "verified")
_SECTION_FIELDS = ("title", "complete", "sectors")


def _field_changes(old: Any, new: Any, names: tuple[str, ...]) -> dict:
    return {n: [getattr(old, n), getattr(new, n)] for n in names if getattr(old, n) != getattr(new, n)}


def _diff_by_id(old: dict, new: dict, fields: tuple[str, ...], moved=None) -> tuple[list, list, list]:
    """(added ids, removed ids, [{"id", "fields": {name: [old, new]}}]) between two id -> model mappings;
    `moved(id)` adds changes the fields do not show (a recommendation moved to another section)."""
    changed = []
    for item_id, new_item in new.items():
        if item_id in old:
            changes = _field_changes(old[item_id], new_item, fields) | (moved(item_id) if moved else {})  # pragma: no mutate
            if changes:
                changed.append({"id": item_id, "fields": changes})
    return [i for i in new if i not in old], [i for i in old if i not in new], changed


def diff_guidelines(old: Guideline, new: Guideline) -> GuidelineDiff:
    # Defensive: consistency_problems keeps every recommendation in the section its id names, so no valid encoding
    # moves one; mutmut leaves these lines alone (no test can reach a move).
    def moved(rec_id: str) -> dict:
        before, after = old.section_of(rec_id).id, new.section_of(rec_id).id  # pragma: no mutate
        return {"section": [before, after]} if before != after else {}  # pragma: no mutate

    diff = GuidelineDiff(old=old.ref, new=new.ref)
    diff.added, diff.removed, diff.changed = _diff_by_id(
        {r.id: r for r in old.recommendations}, {r.id: r for r in new.recommendations}, _REC_FIELDS, moved)  # pragma: no mutate
    diff.sections_added, diff.sections_removed, diff.sections_changed = _diff_by_id(
        {s.id: s for s in old.sections}, {s.id: s for s in new.sections}, _SECTION_FIELDS)
    return diff
