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
from pathlib import Path
from typing import Any, Callable, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from baseline.guideline import Guideline, load_yaml, pydantic_problems
from baseline.issues import BaselineError, Problem

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


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


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
            key = _name_key(name)
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
        from baseline import catalogue

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
