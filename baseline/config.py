"""The assessment config read by `baseline generate CONFIG.yaml`: who is assessed, against what, by when.

```yaml
area: Northshire
guideline: NG225                 # or NG225@2022-09-07
round: "2027"                    # optional label
return_by: 2027-01-31            # or UK day-first: 31/01/2027
facilitator: {name: A. Facilitator, email: facilitator@example.org, phone: "01234 567890"}   # phone optional
agencies:
  - {name: North CAMHS, sector: mental_health, contact: {name: J. Smith, email: j.smith@example.org}}
  - {name: North Schools Partnership, sectors: [education], files: ["*schools*.xlsx"]}
```

`files` are file-name patterns saying which returned files belong to an agency when the file itself carries no
stamps (NICE's own tool, a CSV export): see `agency_for_file`.

Every problem is reported at once, each with its YAML path, so a facilitator fixes the file in one go; an unknown
sector suggests the nearest known one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import field, fields
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Union

from baseline.checks import YEAR_OUT_OF_RANGE, parse_date
from baseline.guideline import Guideline, plain_objects, pydantic_problems
from baseline.issues import BaselineError, Problem
from baseline.records import record
from baseline.text import MAX_NAME_LENGTH, name_key

if TYPE_CHECKING:
    from pydantic import BaseModel

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# A phone number as people write it: "01234 567890", "+44 (0)1234 567890", "0800 123 4567 ext. 12".
_PHONE = re.compile(r"^\+?[0-9 ()\-.]+(?:\s*(?:ext\.?|x)\s*[0-9]+)?$", re.IGNORECASE)

# The runtime objects, plain frozen dataclasses built by parse_config from a checked file: a command that reads a
# config (status, generate, validate --config) uses these; pydantic is imported only to check the file (see
# _format_models, which holds every rule and default of the format).
_PLAIN = dict(frozen=True, slots=True, kw_only=True)


@record(**_PLAIN)
class Contact:
    """Whom to write to: an agency's contact (optional) or the facilitator."""

    name: str
    email: str
    phone: Optional[str]


@record(**_PLAIN)
class Facilitator(Contact):
    """The person who runs the assessment: shown on every workbook's Start here sheet."""


@record(**_PLAIN)
class Agency:
    """One agency assessed: its name, sectors, contact and the file-name patterns of its returns."""

    name: str
    sector: Optional[str]
    sectors: Optional[list[str]]
    contact: Optional[Contact]
    files: Optional[list[str]]  # file-name patterns of its returns that carry no stamps

    @property
    def sector_ids(self) -> list[str]:
        """The agency's sectors in the order given, without repeats."""
        given = [self.sector] if self.sector is not None else list(self.sectors or [])
        return list(dict.fromkeys(given))


@record(**_PLAIN)
class AssessmentConfig:
    """A checked assessment config: who is assessed, against what, by when."""

    area: str
    guideline: str
    round: Optional[str]
    return_by: dt.date
    facilitator: Facilitator
    agencies: list[Agency]

    def agency_named(self, name: str) -> Agency | None:
        """The agency of this config with that name (case and spacing aside), or None."""
        key = name_key(name)
        return next((a for a in self.agencies if name_key(a.name) == key), None)


_PLAIN_CLASSES = {cls.__name__: cls for cls in (Contact, Facilitator, Agency, AssessmentConfig)}


def config_data(config: AssessmentConfig) -> dict:
    """A checked config as JSON-safe data, for the config cache (catalogue.py); rebuild_config reads it back."""
    def contact(person: Contact | None) -> dict | None:
        return None if person is None else {"name": person.name, "email": person.email, "phone": person.phone}

    return {"area": config.area, "guideline": config.guideline, "round": config.round,
            "return_by": config.return_by.isoformat(), "facilitator": contact(config.facilitator),
            "agencies": [{"name": a.name, "sector": a.sector, "sectors": a.sectors, "contact": contact(a.contact),
                          "files": a.files} for a in config.agencies]}


def rebuild_config(data: dict) -> AssessmentConfig:
    """config_data's output -> the same AssessmentConfig, without checking again: only for data of a config that
    parse_config accepted. Data of another shape raises KeyError, TypeError or ValueError."""
    def agency(entry: dict) -> Agency:
        return Agency(**{**entry, "contact": Contact(**entry["contact"]) if entry["contact"] is not None else None})

    return AssessmentConfig(**{**data, "return_by": dt.date.fromisoformat(data["return_by"]),
                               "facilitator": Facilitator(**data["facilitator"]),
                               "agencies": [agency(entry) for entry in data["agencies"]]})


def config_shape() -> str:
    """The fields of the config objects: part of the config cache's key (see guideline.model_shape)."""
    return ";".join(f"{cls.__name__}:{','.join(f.name for f in fields(cls))}" for cls in _PLAIN_CLASSES.values())


def sectors_known(config: AssessmentConfig, guideline: Guideline) -> bool:
    """Does the guideline know every sector the config's agencies name? (A config checked against one encoding is
    only taken from the cache when the encoding in force still knows them: see agency_problems.)"""
    return all(sector in guideline.sectors for agency in config.agencies for sector in agency.sector_ids)


def _name(value: Any, what: str) -> Any:
    if not isinstance(value, str):
        return value  # pydantic reports the wrong type
    value = " ".join(value.split())
    if not value:
        raise ValueError(f"{what} must not be empty")
    if _CONTROL_CHARACTERS.search(value):
        raise ValueError(f"{what} contains control characters")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"{what} is {len(value)} characters long; keep it to {MAX_NAME_LENGTH} or fewer")
    return value


@lru_cache(maxsize=1)
def _format_models() -> type[BaseModel]:
    """The pydantic model of the config format (every rule and default of it), built the first time a config is
    checked: pydantic is imported only then (50-60 ms). The classes keep the plain objects' names and fields
    (pydantic names a class in some messages); parse_config builds the plain objects from them."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

    class _Strict(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

    class Contact(_Strict):
        name: str
        email: str
        phone: Optional[str] = None

        @field_validator("name", mode="before")
        @classmethod
        def _clean_name(cls, value: Any) -> Any:
            return _name(value, "the name")

        @field_validator("email")
        @classmethod
        def _looks_like_email(cls, value: str) -> str:
            value = value.strip()
            if not _EMAIL.match(value):
                raise ValueError(f"{value!r} does not look like an email address")
            return value

        @field_validator("phone", mode="before")
        @classmethod
        def _phone_as_written(cls, value: Any) -> Any:
            if isinstance(value, int) and not isinstance(value, bool):
                # YAML reads 441234567890 as a number, losing a leading 0 or +: only quotes keep it as written.
                raise ValueError(f'write the phone number in quotes (phone: "{value}") so that it is kept as written')
            if not isinstance(value, str):
                return value
            value = " ".join(value.split())
            if not _PHONE.match(value) or not any(c.isdigit() for c in value):
                raise ValueError(f"{value!r} does not look like a phone number")
            return value

    class Facilitator(Contact):
        pass

    class Agency(_Strict):
        name: str
        sector: Optional[str] = None
        sectors: Optional[list[str]] = None
        contact: Optional[Contact] = None
        files: Optional[list[str]] = None

        @field_validator("name", mode="before")
        @classmethod
        def _clean_name(cls, value: Any) -> Any:
            return _name(value, "an agency name")

        @field_validator("files")
        @classmethod
        def _file_name_patterns(cls, patterns: list[str]) -> list[str]:
            if not patterns:
                raise ValueError('list at least one file-name pattern (files: ["*camhs*.xlsx"]) or leave files out')
            cleaned = []
            for pattern in patterns:
                pattern = pattern.strip()
                if not pattern:
                    raise ValueError("a file-name pattern must not be empty")
                if "/" in pattern or "\\" in pattern:
                    raise ValueError(f"{pattern!r}: a pattern matches a file's name, not its folder; "
                                     f"write {_last_part(pattern)!r}")
                cleaned.append(pattern)
            return cleaned

        @model_validator(mode="after")
        def _one_way_of_giving_sectors(self) -> "Agency":
            if self.sector is not None and self.sectors is not None:
                raise ValueError("give either sector or sectors, not both")
            if self.sector is None and self.sectors is None:
                raise ValueError("give the agency's sector (sector: mental_health) or sectors (sectors: [a, b])")
            if self.sectors is not None and not self.sectors:
                raise ValueError("sectors must list at least one sector")
            return self

    class AssessmentConfig(_Strict):
        area: str
        guideline: str = "NG225"
        round: Optional[str] = None
        return_by: dt.date
        facilitator: Facilitator
        agencies: list[Agency] = Field(min_length=1)

        @field_validator("area", mode="before")
        @classmethod
        def _clean_area(cls, value: Any) -> Any:
            return _name(value, "the area")

        @field_validator("round", mode="before")
        @classmethod
        def _round_label(cls, value: Any) -> Any:
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)  # round: 2027 means the label "2027"
            return _name(value, "the round")

        @field_validator("guideline", mode="before")
        @classmethod
        def _guideline_text(cls, value: Any) -> Any:
            return value.strip() if isinstance(value, str) else value

        @field_validator("return_by", mode="before")
        @classmethod
        def _date_only(cls, value: Any) -> Any:
            if isinstance(value, dt.datetime):
                raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
            if isinstance(value, (str, dt.date)):  # the one date rule (checks.parse_date), years 2000-2100 included
                try:
                    day = parse_date(value)
                except ValueError as exc:
                    reason = f" ({exc})" if str(exc).startswith(YEAR_OUT_OF_RANGE) else ""  # ours, not Python's wording
                    raise ValueError(f"{str(value)!r} is not a date{reason}: write it as YYYY-MM-DD or day "
                                     f"first, DD/MM/YYYY") from None
                if day is None:
                    raise ValueError("must not be empty: write the date as YYYY-MM-DD or day first, DD/MM/YYYY")
                value = day
            return value

    return AssessmentConfig


def _last_part(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]


# --- which agency a file belongs to, by its name --------------------------------------------------------------


@record(frozen=True)
class AmbiguousFile:
    """A file whose name matches the `files` patterns of more than one agency: the caller reports it."""

    file_name: str
    agencies: tuple[Agency, ...]

    @property
    def message(self) -> str:
        names = " and ".join(repr(a.name) for a in self.agencies)
        return (f"{self.file_name} matches the files patterns of {names} in the config, so its agency cannot be told. "
                f"Rename the file, or make the patterns in the config more specific.")


def agency_for_file(config: AssessmentConfig, path: str) -> Union[Agency, AmbiguousFile, None]:
    """The agency whose `files` patterns match this file's name (case aside; the folder is ignored).

    One agency -> that agency; several -> AmbiguousFile; none -> None.
    """
    name = _last_part(path)
    folded = name.casefold()
    matches = tuple(a for a in config.agencies
                    if any(fnmatchcase(folded, pattern.casefold()) for pattern in a.files or ()))
    if not matches:
        return None
    if len(matches) == 1:
        return matches[0]
    return AmbiguousFile(name, matches)


# --- problems pydantic cannot see -----------------------------------------------------------------------------


def _normal_sector(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


def nearest_sector(typed: str, guideline: Guideline) -> str | None:
    """The sector the facilitator probably meant: the same id spelt differently ("Mental Health"), a near miss
    ("mental_heath"), or the one sector whose label names the word typed ("schools" -> education)."""
    normal = _normal_sector(typed)
    if normal in guideline.sectors:
        return normal
    import difflib  # only a mistyped sector needs it: kept off every command's start-up (issue 16)

    close = difflib.get_close_matches(normal, list(guideline.sectors), n=1, cutoff=0.75)
    if close:
        return close[0]
    if len(normal) >= 4:
        by_label = [sid for sid, label in guideline.sectors.items() if normal in _normal_sector(label).split("_")]
        if len(by_label) == 1:
            return by_label[0]
    return None


def agency_problems(file: str, agencies: Any, guideline: Guideline | None) -> list[Problem]:
    """What pydantic cannot see: the same agency twice, the same file pattern for two agencies, sectors outside the
    guideline's vocabulary.

    Works on the raw YAML data, so these are listed even when other parts of the file are malformed.
    """
    if not isinstance(agencies, list):
        return []
    problems: list[Problem] = []
    known = ", ".join(guideline.sectors) if guideline else ""
    seen: dict[str, int] = {}
    patterns_seen: dict[str, str] = {}
    for index, agency in enumerate(agencies):
        if not isinstance(agency, dict):
            continue
        where = f"agencies[{index}]"
        name = agency.get("name")
        if isinstance(name, str) and name.strip():
            key = name_key(name)
            if key in seen:
                problems.append(Problem(file, f"{where}.name",
                                        f"agency {' '.join(name.split())!r} is listed twice (also agencies[{seen[key]}])"))
            seen.setdefault(key, index)
        for i, pattern in enumerate(agency.get("files") if isinstance(agency.get("files"), list) else []):
            if isinstance(pattern, str) and pattern.strip():
                pattern_key = pattern.strip().casefold()
                first = patterns_seen.setdefault(pattern_key, f"{where}.files[{i}]")
                if not first.startswith(f"{where}."):
                    problems.append(Problem(file, f"{where}.files[{i}]",
                                            f"pattern {pattern.strip()!r} is also given for {first.split('.')[0]}: "
                                            f"a returned file must belong to one agency"))
        if guideline is None:
            continue
        given: list[tuple[str, Any]] = []
        if isinstance(agency.get("sector"), str):
            given.append((f"{where}.sector", agency["sector"]))
        if isinstance(agency.get("sectors"), list):
            given += [(f"{where}.sectors[{i}]", s) for i, s in enumerate(agency["sectors"])]
        for path, sector in given:
            if isinstance(sector, str) and sector not in guideline.sectors:
                nearest = nearest_sector(sector, guideline)
                hint = f": did you mean {nearest!r}?" if nearest else ""
                problems.append(Problem(file, path, f"unknown sector {sector!r} for {guideline.guideline}{hint} (known: {known})"))
    return problems


def parse_config(data: Any, file: str, load_guideline: Callable[[str], Guideline]) -> tuple[AssessmentConfig, Guideline]:
    """Validate already-loaded YAML data and resolve its guideline. Raises BaselineError listing every problem.

    `load_guideline` turns "NG225@2022-09-07" into a Guideline (the catalogue's, in workflow.load_config).
    """
    if not isinstance(data, dict):
        raise BaselineError(f"{file} is not an assessment config",
                            [Problem(file, "", "the top level must be a mapping of keys (area, guideline, agencies...)")])
    from pydantic import ValidationError  # imported with the models: see _format_models

    problems: list[Problem] = []
    config: AssessmentConfig | None = None
    try:
        config = plain_objects(_format_models().model_validate(data), _PLAIN_CLASSES)
    except ValidationError as exc:
        problems += pydantic_problems(file, exc)
    guideline: Guideline | None = None
    reference = data.get("guideline", "NG225")
    if isinstance(reference, str):
        try:
            guideline = load_guideline(reference.strip())
        except BaselineError as exc:
            problems.append(Problem(file, "guideline", exc.message))
    problems += agency_problems(file, data.get("agencies"), guideline)
    if problems or config is None or guideline is None:
        raise BaselineError(f"{file} is not a valid assessment config", problems)
    return config, guideline


# --- naming the agency of files that carry none (NICE's own tool) ----------------------------------------------


@record(frozen=True)
class AgencyAssignment:
    """The agency (and its sectors) that a file carrying no agency of its own belongs to."""

    agency: str
    sectors: tuple[str, ...] = ()


@record
class AgencyMap:
    """File-name patterns -> agency and sectors, for returns made with NICE's own tool (from the config's `files`
    patterns, or `--as-agency NAME` for every file). First match wins."""

    entries: list[tuple[str, AgencyAssignment]] = field(default_factory=list)
    source: str | None = None  # the mapping file, for messages

    @classmethod
    def single(cls, agency: str, sectors: Iterable[str] = ()) -> "AgencyMap":
        """`--as-agency NAME`: every file that names no agency is that agency's."""
        return cls([("*", AgencyAssignment(" ".join(agency.split()), tuple(sectors)))])

    @classmethod
    def from_config(cls, config: "AssessmentConfig", source: str | None = None) -> "AgencyMap":
        """The config's `files` patterns: the agency (and sectors) of returns that name none (NICE's own tool)."""
        return cls([(pattern, AgencyAssignment(agency.name, tuple(agency.sector_ids)))
                    for agency in config.agencies for pattern in agency.files or ()], source)

    def extended(self, other: "AgencyMap | None") -> "AgencyMap":
        """This map, then `other` for files this one does not name."""
        return AgencyMap(self.entries + (other.entries if other else []), self.source or (other.source if other else None))

    def for_path(self, path: Path | str) -> AgencyAssignment | None:
        path = Path(path)
        name, full = path.name.casefold(), path.as_posix().casefold()
        for pattern, assignment in self.entries:
            folded = pattern.casefold()
            if fnmatchcase(name, folded) or fnmatchcase(full, folded) or fnmatchcase(full, "*/" + folded.lstrip("/")):
                return assignment
        return None
