"""Find guidelines and their versions: `recommendations/<guideline>/<version>.yaml`.

Searched, in order: directories named in $BASELINE_RECOMMENDATIONS (os.pathsep-separated: a facilitator's own
completed encodings, e.g. from `recs import`), then the encodings shipped with the package (package data in a
wheel, the repository's `recommendations/` in a checkout). The first directory holding a guideline+version wins.

An encoding once checked is kept in the user's cache ($XDG_CACHE_HOME or ~/.cache, under baseline/encodings/) as
JSON, keyed by the file's bytes, this version of baseline and the models' fields: a later command takes it from
there without parsing YAML or validating it again (a sixth of a one-file validate). A cache that cannot be read or
written is silently skipped; the package directory is never written. An assessment config once checked is kept
the same way (under baseline/configs/): `status`, `generate` and `--config` then start without PyYAML or pydantic.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar

from baseline import __version__
from baseline.config import AssessmentConfig, config_data, config_shape, parse_config, rebuild_config, sectors_known
from baseline.files import MAX_YAML_BYTES, load_yaml
from baseline.guideline import Guideline, guideline_data, model_shape, parse_guideline, rebuild_guideline
from baseline.issues import BaselineError, Problem
from baseline.records import record

ENV_VAR = "BASELINE_RECOMMENDATIONS"
CACHE_FORMAT = "1"  # bump when the cache's layout changes
T = TypeVar("T")


def shipped_root() -> Path:
    package_data = Path(__file__).parent / "recommendations"  # installed wheel
    if package_data.is_dir():
        return package_data
    return Path(__file__).parent.parent / "recommendations"  # source checkout / editable install


def search_roots() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    return [*extra, shipped_root()]


@record(frozen=True)
class Entry:
    """One recommendation file on the search path: which guideline and version it encodes, and where it is."""

    guideline: str  # upper case, e.g. "NG225"
    version: str  # e.g. "2022-09-07"
    path: Path

    @property
    def ref(self) -> str:
        return f"{self.guideline}@{self.version}"


def all_files(roots: list[Path] | None = None) -> list[Entry]:
    """Every recommendation file on the search path, shadowed ones included, in search order."""
    return [
        Entry(path.parent.name.upper(), path.stem, path)
        for root in (roots if roots is not None else search_roots())
        if root.is_dir()
        for path in sorted(root.glob("*/*.yaml"))
    ]


def entries(roots: list[Path] | None = None) -> list[Entry]:
    """Every guideline version on the search path (first root wins), sorted by guideline then version."""
    found: dict[tuple[str, str], Entry] = {}
    for entry in all_files(roots):
        found.setdefault((entry.guideline, entry.version), entry)
    return sorted(found.values(), key=lambda e: (e.guideline, e.version))


def split_ref(ref: str) -> tuple[str, str | None]:
    """"ng225@2022-09-07" -> ("NG225", "2022-09-07"); "NG225" -> ("NG225", None)."""
    name, _, version = ref.strip().partition("@")
    return name.strip().upper(), (version.strip() or None)


def resolve(ref: str, roots: list[Path] | None = None) -> Entry:
    """Find one guideline version; without a version, the newest. Unknown → BaselineError listing what exists."""
    name, version = split_ref(ref)
    known = entries(roots)
    matches = [e for e in known if e.guideline == name and (version is None or e.version == version)]
    if not matches:
        available = ", ".join(e.ref for e in known) or "none"
        raise BaselineError(f"Unknown guideline {ref!r}. Available: {available}.")
    return matches[-1]


def is_yaml_file(ref: str) -> bool:
    return ref.lower().endswith((".yaml", ".yml")) and Path(ref).is_file()


def load_guideline(path: Path | str) -> Guideline:
    """One recommendation YAML file, checked. Raises BaselineError listing every problem."""
    return parse_guideline(load_yaml(Path(path)), str(path))


def cache_dir() -> Path | None:
    """Where checked encodings are kept: $XDG_CACHE_HOME/baseline/encodings, else ~/.cache/... (None: no home)."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    except RuntimeError:  # no home directory to be found
        return None
    return root / "baseline" / "encodings"


def _cache_key(raw: bytes, shape: str) -> str:
    salt = f"{CACHE_FORMAT}|{__version__}|{shape}".encode()
    return hashlib.sha256(salt + b"\0" + raw).hexdigest()


def _through_cache(path: Path, folder: Path | None, shape: str, check: Callable[[Path], T],
                   to_data: Callable[[T], dict], rebuild: Callable[[dict], T | None]) -> T:
    """`check(path)`, through a cache of JSON entries in `folder` keyed by the file's exact bytes, this version of
    baseline and the objects' `shape`: a file whose bytes were checked before is rebuilt from its entry (`rebuild`
    gives None, or raises, when the entry cannot serve); anything else (a new or edited file, no cache, an
    unreadable entry) is checked as usual, and its entry written."""
    try:
        raw = path.read_bytes() if folder is not None and path.stat().st_size <= MAX_YAML_BYTES else None
    except OSError:
        raw = None
    if raw is None:
        return check(path)  # says why the file cannot be read, or checks it without a cache
    entry = folder / f"{_cache_key(raw, shape)}.json"
    try:
        rebuilt = rebuild(json.loads(entry.read_text(encoding="utf-8")))
        if rebuilt is not None:
            return rebuilt
    except (OSError, ValueError, KeyError, TypeError, AttributeError, BaselineError):
        pass  # not there yet, not readable, or no longer valid here: check the file
    value = check(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_name(f"{entry.stem}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(to_data(value)), encoding="utf-8")
        os.replace(temporary, entry)  # atomic: a command running at the same time reads all of it or nothing
    except OSError:
        pass  # a read-only or full cache costs time, never correctness
    return value


def load_guideline_cached(path: Path) -> Guideline:
    """load_guideline, through the encoding cache: a file whose exact bytes were checked before is rebuilt from the
    cache; anything else (a new or edited file, no cache, an unreadable entry) is read and checked as usual."""
    return _through_cache(path, cache_dir(), model_shape(), load_guideline, guideline_data, rebuild_guideline)


def load_config(path: Path | str) -> tuple[AssessmentConfig, Guideline]:
    """An assessment config file, checked, and the guideline it names; BaselineError (every problem with its YAML
    path) if it is not valid. Through the config cache (beside the encodings', keyed the same way): a config whose
    bytes were checked before is rebuilt without YAML or pydantic, as long as the guideline it names still loads
    and knows every sector its agencies name (the only checks that depend on more than the file's bytes)."""
    guidelines: dict[int, Guideline] = {}

    def check(config_path: Path) -> AssessmentConfig:
        config, guideline = parse_config(load_yaml(config_path), str(path), load)
        guidelines[id(config)] = guideline
        return config

    def rebuild(data: dict) -> AssessmentConfig | None:
        config = rebuild_config(data)
        guideline = load(config.guideline)
        if not sectors_known(config, guideline):
            return None
        guidelines[id(config)] = guideline
        return config

    folder = cache_dir()
    config = _through_cache(Path(path), folder.parent / "configs" if folder else None, config_shape(), check,
                            config_data, rebuild)
    return config, guidelines[id(config)]


def check_file(path: Path | str) -> list[Problem]:
    """Every problem in one recommendation file (empty list: the file is fine)."""
    try:
        load_guideline(path)
    except BaselineError as exc:
        return exc.problems or [Problem(str(path), "", exc.message)]
    return []


@lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int) -> Guideline:
    return load_guideline_cached(path)


def load(ref: str = "NG225", roots: list[Path] | None = None) -> Guideline:
    """A guideline by reference ("NG225", "ng225", "NG225@2022-09-07") or by the path of a YAML file."""
    path = Path(ref) if is_yaml_file(ref) else resolve(ref, roots).path
    return _load_cached(path.resolve(), path.stat().st_mtime_ns)


_FOUND: dict[tuple[str, ...], Guideline] = {}


def find_by_fingerprint(guideline: str, version: str, fingerprint: str) -> Guideline | None:
    """The encoding a workbook was generated from, if this installation has it.

    Remembered for the search path in force (a merge asks 200 times); only hits are remembered, so an encoding
    added later is still found.
    """
    key = (guideline, version, fingerprint, os.environ.get(ENV_VAR, ""))
    found = _FOUND.get(key)
    if found is not None:
        return found
    for entry in all_files():
        if entry.guideline == guideline.upper() and entry.version == version:
            candidate = load(str(entry.path))
            if candidate.fingerprint == fingerprint:
                _FOUND[key] = candidate
                return candidate
    return None


def find_version(guideline: str, version: str) -> tuple[Guideline | None, list[str]]:
    """The encoding of exactly this guideline version, and the versions known (for the message when there is
    none)."""
    known = [e.version for e in entries() if e.guideline == guideline.upper()]
    if version not in known:
        return None, known
    return load(f"{guideline}@{version}"), known
