"""The assessment config read by `baseline generate CONFIG.yaml`: who is assessed, against what, by when.

```yaml
area: Northshire
guideline: NG225                 # or NG225@2022-09-07
return_by: 2027-01-31
facilitator: {name: A. Facilitator, email: facilitator@example.org}
agencies:
  - {name: North CAMHS, sector: mental_health}
  - {name: North Schools Partnership, sectors: [education]}
```

Every problem is reported at once, each with its YAML path, so a facilitator fixes the file in one go.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from baseline import catalogue
from baseline.files import load_yaml
from baseline.guideline import Guideline, pydantic_problems
from baseline.issues import BaselineError, Problem
from baseline.text import name_key

# Agency and area names appear in print headers, whose limit in Excel is 255 characters for all parts together.
MAX_NAME_LENGTH = 120
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class Facilitator(_Strict):
    name: str
    email: str

    @field_validator("name", mode="before")
    @classmethod
    def _clean_name(cls, value: Any) -> Any:
        return _name(value, "the facilitator's name")

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        value = value.strip()
        if not _EMAIL.match(value):
            raise ValueError(f"{value!r} does not look like an email address")
        return value


class Agency(_Strict):
    name: str
    sector: Optional[str] = None
    sectors: Optional[list[str]] = None

    @field_validator("name", mode="before")
    @classmethod
    def _clean_name(cls, value: Any) -> Any:
        return _name(value, "an agency name")

    @model_validator(mode="after")
    def _one_way_of_giving_sectors(self) -> "Agency":
        if self.sector is not None and self.sectors is not None:
            raise ValueError("give either sector or sectors, not both")
        if self.sector is None and self.sectors is None:
            raise ValueError("give the agency's sector (sector: mental_health) or sectors (sectors: [a, b])")
        if self.sectors is not None and not self.sectors:
            raise ValueError("sectors must list at least one sector")
        return self

    @property
    def sector_ids(self) -> list[str]:
        """The agency's sectors in the order given, without repeats."""
        given = [self.sector] if self.sector is not None else list(self.sectors or [])
        return list(dict.fromkeys(given))


class AssessmentConfig(_Strict):
    area: str
    guideline: str = "NG225"
    return_by: dt.date
    facilitator: Facilitator
    agencies: list[Agency] = Field(min_length=1)

    @field_validator("area", mode="before")
    @classmethod
    def _clean_area(cls, value: Any) -> Any:
        return _name(value, "the area")

    @field_validator("guideline", mode="before")
    @classmethod
    def _guideline_text(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("return_by", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from None
        return value


def agency_problems(file: str, agencies: Any, guideline: Guideline | None) -> list[Problem]:
    """What pydantic cannot see: the same agency twice, sectors outside the guideline's vocabulary.

    Works on the raw YAML data, so these are listed even when other parts of the file are malformed.
    """
    if not isinstance(agencies, list):
        return []
    problems: list[Problem] = []
    known = ", ".join(guideline.sectors) if guideline else ""
    seen: dict[str, int] = {}
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
        if guideline is None:
            continue
        given: list[tuple[str, Any]] = []
        if isinstance(agency.get("sector"), str):
            given.append((f"{where}.sector", agency["sector"]))
        if isinstance(agency.get("sectors"), list):
            given += [(f"{where}.sectors[{i}]", s) for i, s in enumerate(agency["sectors"])]
        for path, sector in given:
            if isinstance(sector, str) and sector not in guideline.sectors:
                problems.append(Problem(file, path, f"unknown sector {sector!r} for {guideline.guideline} (known: {known})"))
    return problems


def parse_config(data: Any, file: str = "<config>",
                 load_guideline: Callable[[str], Guideline] | None = None) -> tuple[AssessmentConfig, Guideline]:
    """Validate already-loaded YAML data and resolve its guideline. Raises BaselineError listing every problem.

    `load_guideline` turns "NG225@2022-09-07" into a Guideline (default: the catalogue).
    """
    if load_guideline is None:
        load_guideline = catalogue.load
    if not isinstance(data, dict):
        raise BaselineError(f"{file} is not an assessment config",
                            [Problem(file, "", "the top level must be a mapping of keys (area, guideline, agencies...)")])
    problems: list[Problem] = []
    config: AssessmentConfig | None = None
    try:
        config = AssessmentConfig.model_validate(data)
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


def load_config(path: Path | str,
                load_guideline: Callable[[str], Guideline] | None = None) -> tuple[AssessmentConfig, Guideline]:
    """Read an assessment config file; BaselineError (every problem with its YAML path) if it is not valid."""
    return parse_config(load_yaml(Path(path)), str(path), load_guideline)


# --- naming the agency of files that carry none (NICE's own tool) ----------------------------------------------


@dataclass(frozen=True)
class AgencyAssignment:
    agency: str
    sectors: tuple[str, ...] = ()


@dataclass
class AgencyMap:
    """File-name patterns -> agency and sectors, for returns made with NICE's own tool. First match wins."""

    entries: list[tuple[str, AgencyAssignment]] = field(default_factory=list)
    source: str | None = None  # the mapping file, for messages

    @classmethod
    def single(cls, agency: str, sectors: Iterable[str] = ()) -> "AgencyMap":
        """`--as-agency NAME`: every file that names no agency is that agency's."""
        return cls([("*", AgencyAssignment(" ".join(agency.split()), tuple(sectors)))])

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


def load_agency_map(path: Path | str) -> AgencyMap:
    """Read a mapping file: `"pattern": {agency: NAME, sector: ID}` (or `sectors: [ID, …]`) per line.

    Patterns are file names or globs ("north-camhs*.xlsx"), matched case-insensitively against the file name and
    the path. Any problem is a BaselineError listing every one, with its YAML path.
    """
    class _Entry(BaseModel):
        model_config = ConfigDict(extra="forbid")
        agency: str
        sector: str | None = None
        sectors: list[str] | None = None

        @field_validator("agency")
        @classmethod
        def _named(cls, value: str) -> str:
            if not value.strip():
                raise ValueError("must not be empty")
            return " ".join(value.split())

    file = str(path)
    data = load_yaml(Path(path))
    if not isinstance(data, dict) or not data:
        raise BaselineError(f"{file} is not an agency map", [Problem(file, "", 'expected lines like "north-camhs*.xlsx": '
                                                                               "{agency: North CAMHS, sector: mental_health}")])
    entries: list[tuple[str, AgencyAssignment]] = []
    problems: list[Problem] = []
    for pattern, value in data.items():
        try:
            entry = _Entry.model_validate(value)
        except ValidationError as exc:
            problems += [Problem(file, f"{pattern}.{p.path}" if p.path else str(pattern), p.message)
                         for p in pydantic_problems(file, exc)]
            continue
        if entry.sector is not None and entry.sectors is not None:
            problems.append(Problem(file, str(pattern), "give sector or sectors, not both"))
            continue
        sectors = tuple(entry.sectors or ([entry.sector] if entry.sector else []))
        entries.append((str(pattern), AgencyAssignment(entry.agency, sectors)))
    if problems:
        raise BaselineError(f"{file} is not a valid agency map", problems)
    return AgencyMap(entries, file)
