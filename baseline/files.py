"""The file system outside workbooks: which files a command reads (expand_paths), YAML files (load_yaml), and
writing outputs safely (atomic_write, refuse_overwrite).

Rules (DESIGN.md "Safety"): never write to an input; write atomically (temporary file + rename), with the user's
normal permissions, cleaning up after a failure or an interruption; one writer per output at a time; refuse to
overwrite without --force; every file in a folder given to a command is accounted for.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import unicodedata
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from baseline.guideline import parse_yaml
from baseline.issues import BaselineError, FileReport, make_issue
from baseline.records import record

# Spreadsheet-like files are returns (DESIGN.md "Folders"): each is read, or reported as an error saying why and
# what to do; any other file in a folder is listed as skipped. Exit 0 never hides an unread return.
RETURN_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls", ".xlsb", ".csv", ".numbers")
MAX_YAML_BYTES = 5 * 1024 * 1024  # the full NG225 encoding with NICE's text is about 200 KB


def is_ignored(path: Path) -> bool:
    """Lock files ("~$…", ".~lock…") and hidden files are nobody's return."""
    return path.name.startswith(("~$", ".~lock", "."))


@record
class ExpandedPaths:
    """The paths a command was given, turned into the files to read and reports on what was not read."""

    files: list[Path] = field(default_factory=list)  # the files to read, once each, in order
    reports: list[FileReport] = field(default_factory=list)  # paths that hold nothing to read, said so


def skipped_reason(path: Path) -> str:
    """Why a file in a folder was not read, and what to do if it should have been."""
    if path.is_dir():
        return (f"Not read: a folder inside {path.parent}. Folders given to the command are read, folders inside "
                f"them are not; if it holds returns, give it as well ({path}).")
    return (f"Not read: not a spreadsheet (only {', '.join(RETURN_SUFFIXES)} files in a folder are returns). "
            "If it is a return, save it as .xlsx and give it again.")


def expand_paths(paths: Iterable[str | Path]) -> ExpandedPaths:
    """Files as given; a folder stands for the spreadsheets inside it (sorted; lock and hidden files ignored).

    Every path is accounted for: every spreadsheet-like file is a return (read, or an error saying why), any other
    file in a folder is listed as skipped (a warning), a folder with no spreadsheet is reported (unreadable-file),
    and a file named twice
    (directly and through its folder, say) is read once: it is one return, not two agencies.
    """
    out = ExpandedPaths()
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        # What each file is, wherever it was named from: its real path. Inside a folder that is the folder's real
        # path and the name, unless the entry is itself a link (realpath per file walked every part of the path:
        # 18 ms for a folder of 800 returns, before any was read).
        real_folder, links = None, set()
        if path.is_dir():
            real_folder = os.path.realpath(path)
            with os.scandir(path) as entries:
                names = [(entry.name, entry.is_symlink()) for entry in entries]
            links = {name for name, is_link in names if is_link}
            inside = sorted(p for p in (path / name for name, _ in names) if not is_ignored(p))
            found = [p for p in inside if p.suffix.lower() in RETURN_SUFFIXES]
            returns = set(found)  # a set: a list grew with the square of the files in the folder
            out.reports += [FileReport(path=str(p), skipped=True, issues=[make_issue(
                "skipped-file", skipped_reason(p), file=str(p))]) for p in inside if p not in returns]
            if not found:
                out.reports.append(FileReport(path=str(path), issues=[make_issue(
                    "unreadable-file", f"The folder contains no spreadsheets ({', '.join(RETURN_SUFFIXES)} files).",
                    file=str(path))]))
        else:
            found = [path]
        for candidate in found:
            if real_folder is None or candidate.name in links:
                key = Path(os.path.realpath(candidate))  # never raises: a symlink loop is reported when read
            else:
                key = Path(real_folder, candidate.name)
            if key not in seen:
                seen.add(key)
                out.files.append(candidate)
    return out


def load_yaml(path: Path | str) -> Any:
    """Read a YAML file safely (bounded size, no tags, no duplicate keys); any failure is a BaselineError naming the
    file (and line, when YAML gives one)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
        if len(raw) > MAX_YAML_BYTES:
            raise BaselineError(f"Cannot read {path}: it is larger than {MAX_YAML_BYTES // 1024 // 1024} MB.")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"Cannot read {path}: {exc}") from None
    return parse_yaml(text, str(path))


def refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise BaselineError(f"{path} already exists; nothing was written. Use --force to overwrite it.")
    if path.exists() and path.is_dir():
        raise BaselineError(f"{path} is a directory; give a file name.")


# --- writing outputs ----------------------------------------------------------------------------------------------
#
# Every output goes through atomic_write: a temporary file in the target folder, named after the target and this
# process (".merged.xlsx.<pid>.<random>.tmp"), renamed into place only when complete. A lock file next to the target
# (".merged.xlsx.lock", made with O_EXCL, holding the writer's pid) refuses a second run writing the same output at
# the same time. SIGTERM/SIGHUP during the write are turned into an exception, so the temporary and lock files are
# removed as for Ctrl+C; a run killed outright (kill -9) leaves them behind, and the next run writing that output
# removes those whose process is gone.

_TEMPORARY = re.compile(r"^\.(?P<target>.+)\.(?P<pid>[0-9]+)\.[0-9a-f]{8}\.tmp$")


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP while an output was being written (handled as Ctrl+C is: clean up, then stop)."""


def atomic_write(path: Path | str, write: Callable[[Path], None], force: bool = False,
                 inputs: tuple[Path, ...] = (), make_parents: bool = False, sweep: bool = True) -> Path:
    """Write `path` through `write(tmp_path)`, then rename into place, so nobody ever sees half a file.

    Refuses to overwrite an existing file unless `force`, ever to write onto one of `inputs`, and to write while
    another run writes the same path. A failure (disk full, read-only folder, interruption) leaves the old file as
    it was and no temporary file; an OSError becomes one BaselineError naming the file. `make_parents` creates a
    missing folder (only now, when the output is ready to be written). `sweep=False`: the caller has already
    removed the stale temporary files of this path (sweep_stale, once for the many files it writes to a folder).
    """
    path = Path(path)
    for source in inputs:
        if path.exists() and Path(source).exists() and os.path.realpath(path) == os.path.realpath(source):
            raise BaselineError(f"{path} is one of the input files; choose another output name.")
    refuse_overwrite(path, force)
    if not path.parent.is_dir():
        if not make_parents:
            raise BaselineError(f"the folder {path.parent} does not exist; nothing was written.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BaselineError(_write_failure(path, exc)) from None
    with _write_lock(path, sweep), _signals_interrupt():
        refuse_overwrite(path, force)  # again, under the lock: another run may have written it meanwhile
        tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            _create(tmp)
            write(tmp)
            os.replace(tmp, path)
        except OSError as exc:
            raise BaselineError(_write_failure(path, exc)) from None
        finally:
            tmp.unlink(missing_ok=True)
    return path


def _create(path: Path) -> None:
    """An empty file with the user's normal permissions (0666 less the umask), never one that already exists."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


@contextmanager
def _write_lock(path: Path, sweep: bool = True) -> Iterator[None]:
    lock = path.parent / f".{path.name}.lock"
    if sweep:
        sweep_stale(path.parent, {path.name})
    for attempt in (1, 2):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            holder = _pid_in(lock)
            if attempt == 1 and holder is not None and (holder == os.getpid() or not _alive(holder)):
                lock.unlink(missing_ok=True)  # left by a run that was killed: take it over
                continue
            raise BaselineError(f"{path} is being written by another baseline run"
                                + (f" (process {holder})" if holder else "")
                                + "; nothing was written. Run again when it has finished.") from None
        except OSError as exc:
            raise BaselineError(_write_failure(path, exc)) from None
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def sweep_stale(folder: Path, targets: Iterable[str]) -> None:
    """Remove the temporary files of the outputs named `targets` in `folder` left by runs that no longer exist
    (killed before they could clean up). One listing of the folder for all of them: a command writing many files
    to one folder (generate) sweeps once, then writes each with atomic_write(..., sweep=False); sweeping per file
    lists the folder once per file, a time that grows with the square of the files."""
    wanted = set(targets)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        found = _TEMPORARY.match(name)
        if found and found["target"] in wanted and not _alive(int(found["pid"])):
            (folder / name).unlink(missing_ok=True)


def _pid_in(lock: Path) -> int | None:
    try:
        text = lock.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OverflowError:
        return False
    return True


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise Interrupted while an output is written (main thread only; elsewhere no change)."""
    def interrupt(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    previous = {}
    try:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, interrupt)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _write_failure(path: Path, exc: OSError) -> str:
    reason = {errno.ENOSPC: "no space left on the disk", errno.EDQUOT: "the disk quota is used up",
              errno.EROFS: "the folder is on a read-only disk", errno.EACCES: "permission denied (is the folder "
              "read-only?)", errno.EPERM: "permission denied (is the folder read-only?)"}.get(
        exc.errno, (exc.strerror or str(exc)).lower())
    kept = " The existing file was left as it was." if path.exists() else ""
    return f"Could not write {path}: {reason}. Nothing was written.{kept}"


_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}

MAX_STEM_LENGTH = 60

def safe_filename(agency: str, taken: set[str]) -> str:
    """A file name for an agency's workbook: "North CAMHS" -> "north-camhs.xlsx".

    ASCII letters, digits and hyphens only (no path separators, dots, spaces or Windows device names), at most
    60 characters before ".xlsx", and unique within `taken` compared case-insensitively (as on Windows and macOS
    file systems): "-2", "-3"... is added when needed. The name returned is added to `taken`.
    """
    text = re.sub(r"['\u2019]", "", agency).replace("&", " and ")  # "Children's" -> "childrens", not "children-s"
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(stem) > MAX_STEM_LENGTH:
        stem = stem[:MAX_STEM_LENGTH].rsplit("-", 1)[0] if "-" in stem[:MAX_STEM_LENGTH] else stem[:MAX_STEM_LENGTH]
    stem = stem or "agency"
    if stem in _WINDOWS_RESERVED:
        stem += "-agency"
    used = {name.casefold() for name in taken}
    name, counter = f"{stem}.xlsx", 1
    while name.casefold() in used:
        counter += 1
        name = f"{stem}-{counter}.xlsx"
    taken.add(name)
    return name
