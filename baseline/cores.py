"""Work on every core: a function over many items in forked processes, the answers in order, all of them.

A fork starts in milliseconds with everything imported, and sees this process's folder and environment. Only where
it pays and is safe (intake.pool_size decides: enough items, Linux, more than one core, no other thread running).

This process works too. It takes items from the front, in order, and hands each answer on as soon as it has it;
each forked helper takes the next item from the back and writes its answers to a file in memory, which this process
reads once it has caught up with them. Who takes which item is decided as they go (a counter in shared memory,
under a lock), so a slow file or a busy core never leaves one process idle while another has a queue. Nothing heavier
than os, pickle, mmap and fcntl is needed: concurrent.futures' process pool costs 12-25 ms to import and a
management thread, a quarter of what a pool saves on 200 returns.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


def cores_usable() -> int:
    """How many processes may work side by side here: one per core this process may use, but 1 where processes
    cannot be forked (not Linux) and while another thread runs (a forked child gets only this thread, and a lock
    another thread held at the fork would stay held)."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 1
    return max(1, len(os.sched_getaffinity(0)))


def map_in_order(function: Callable[[Item], Answer], items: Sequence[Item], workers: int, *,
                 first_here: bool = False, meanwhile: Callable[[], object] | None = None) -> Iterator[Answer]:
    """function(item) for each item, in order. With workers > 1, workers - 1 forked processes compute some of them
    beside this one (their answers must pickle; an exception `function` raises is raised here, at its item, as it
    would be without helpers). A helper that cannot start or dies leaves the items it has not answered to this
    process, so every item is still done, once. `first_here`: the first item is done before the fork, so that what
    it warms (memos of prepared formulas and texts, a library's lazy set-up) is inherited by every helper instead of
    being redone in each. `meanwhile`: called once, in this process, as soon as the helpers are started (before
    any item, without helpers): the caller's own set-up for afterwards (the CLI imports what prints its result),
    which costs nothing when helpers are working, as they take the items this process has no time for."""
    done = 0
    if workers > 1 and len(items) > 1 and hasattr(os, "fork"):
        if first_here:
            yield function(items[0])
            done = 1
        yield from _Shared(function, items[done:], workers).answers(meanwhile)
        return
    if meanwhile is not None:
        meanwhile()
    for item in items:
        yield function(item)


class _Shared:
    """One run of map_in_order with helpers: the claims counter, the helpers, their answers."""

    def __init__(self, function: Callable, items: Sequence, workers: int):
        self.function = function
        self.items = items
        self.workers = workers

    def answers(self, meanwhile: Callable[[], object] | None) -> Iterator:
        import mmap
        import struct

        self.struct = struct
        # front: the next item this process takes; back: one past the last item no helper has taken yet.
        self.counter = mmap.mmap(-1, 16)
        self.counter[:] = struct.pack("qq", 0, len(self.items))
        self.lock = _FileLock()
        helpers = self._start_helpers()
        try:
            if meanwhile is not None:
                meanwhile()
            while True:
                index = self._claim(front=True)
                if index is None:
                    break
                yield self.function(self.items[index])
            yield from self._helpers_answers(helpers)
        finally:
            for pid, out in helpers:
                _end(pid)
                os.close(out)
            self.lock.close()
            self.counter.close()

    def _claim(self, front: bool) -> int | None:
        """The next item to do, from the front (this process) or the back (helpers); None when none is left."""
        with self.lock:
            first, end = self.struct.unpack("qq", self.counter[:16])
            if first >= end:
                return None
            if front:
                self.counter[:8] = self.struct.pack("q", first + 1)
                return first
            self.counter[8:16] = self.struct.pack("q", end - 1)
            return end - 1

    def _start_helpers(self) -> list[tuple[int, int]]:
        helpers = []
        for _ in range(self.workers - 1):
            helper = _forked(self._help)
            if helper is None:
                break  # no more processes (or no memory): this process does the rest
            helpers.append(helper)
        return helpers

    def _help(self, stream) -> None:
        """A helper's whole life: claim from the back, write each answer (or the exception raised) as it goes."""
        while True:
            index = self._claim(front=False)
            if index is None:
                return
            _write_record(stream, index, *_outcome(self.function, self.items[index]))

    def _helpers_answers(self, helpers: list[tuple[int, int]]) -> Iterator:
        """Once this process has caught up: the helpers' answers in order, and any item a helper claimed but did not
        answer (it died) done here."""
        found: dict[int, tuple[bool, object]] = {}
        for helper in list(helpers):
            found.update((index, (ok, value)) for index, ok, value in _records(*helper))
            helpers.remove(helper)  # reaped: never to be signalled again (its pid may be another process's now)
            os.close(helper[1])
        first = self.struct.unpack("q", self.counter[:8])[0]
        for index in range(first, len(self.items)):
            if index in found:
                ok, value = found.pop(index)
                if not ok:
                    raise value
                yield value
            else:
                yield self.function(self.items[index])


def _outcome(function: Callable, *args) -> tuple[bool, object]:
    """(True, function(*args)), or (False, the exception it raised), to be raised again where the answer is asked."""
    try:
        return True, function(*args)
    except Exception as exc:  # noqa: BLE001 - raised again by whoever asks for the answer
        return False, exc


def _forked(work: Callable) -> tuple[int, int] | None:
    """A forked process that runs work(stream), `stream` writing to a file in memory of its own, then exits: here,
    (its pid, that file); None when no process can be had."""
    out = _answers_file()
    try:
        pid = os.fork()
    except OSError:
        os.close(out)
        return None
    if pid == 0:
        status = 1
        try:
            with os.fdopen(out, "wb", closefd=False) as stream:
                work(stream)
            status = 0
        finally:
            os._exit(status)  # never back into the caller's stack: no atexit, no buffered output written twice
    return pid, out


def _write_record(stream, *record) -> None:
    """One record, its last two items (ok, answer or exception) as _outcome gives them, pickled; an answer or
    exception that cannot travel becomes a RuntimeError saying why."""
    import pickle

    try:
        payload = pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - an answer or exception that cannot travel
        payload = pickle.dumps((*record[:-2], False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    stream.write(payload)
    stream.flush()


def _records(pid: int, out: int) -> Iterator[tuple]:
    """Once the forked process `pid` has finished: the records it wrote to `out`, up to one cut short (it died)."""
    import pickle

    _end(pid, wait=True)
    os.lseek(out, 0, os.SEEK_SET)
    with os.fdopen(out, "rb", closefd=False) as stream:
        while True:
            try:
                yield pickle.load(stream)
            except Exception:  # noqa: BLE001 - the end, or a record cut short by the process's death
                return


def _answers_file() -> int:
    """A file descriptor for a helper's answers: a file in memory (Linux), else an unnamed temporary file."""
    try:
        return os.memfd_create("baseline-answers", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        import tempfile

        return os.dup(tempfile.TemporaryFile().fileno())


def _end(pid: int, wait: bool = False) -> None:
    """Reap a helper: wait for it to finish (`wait`), else stop it first (the run was abandoned)."""
    import signal

    try:
        if not wait:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass  # already reaped


class _FileLock:
    """A lock between this process and its forked helpers: a POSIX record lock (lockf) on a file in memory. Record
    locks belong to a process, so a fork gets its own claim on it (unlike flock, whose lock the fork would share)."""

    def __init__(self):
        import fcntl

        self.fcntl = fcntl
        self.fd = _answers_file()
        os.write(self.fd, b"\0")

    def __enter__(self) -> None:
        self.fcntl.lockf(self.fd, self.fcntl.LOCK_EX, 1, 0)

    def __exit__(self, *exc) -> None:
        self.fcntl.lockf(self.fd, self.fcntl.LOCK_UN, 1, 0)

    def close(self) -> None:
        os.close(self.fd)


class Later:
    """function(*args), computed in a forked process while this one goes on (in_background); `result()` is its
    answer, or raises what it raised. Used as a context manager: a process still at work when the block is left
    (the run failed, or was interrupted) is stopped."""

    def __init__(self, function: Callable, args: tuple):
        self.function, self.args = function, args
        self.pid: int | None = None
        self.out: int | None = None
        self.done: tuple[bool, object] | None = None

    def start(self) -> "Later":
        """Fork the process; without one to be had, the answer is worked out here, when asked."""
        forked = _forked(lambda stream: _write_record(stream, *_outcome(self.function, *self.args)))
        if forked is not None:
            self.pid, self.out = forked
        return self

    def result(self):
        if self.done is None:
            self.done = self._collect()
        ok, value = self.done
        if not ok:
            raise value
        return value

    def _collect(self) -> tuple[bool, object]:
        """The forked process's record; worked out here when there was none, or it died without one."""
        if self.pid is not None:
            record = next(_records(self.pid, self.out), None)
            self.pid = None  # reaped: never to be signalled again (its pid may be another process's now)
            self._close()
            if record is not None:
                return record
        return _outcome(self.function, *self.args)

    def _close(self) -> None:
        if self.out is not None:
            os.close(self.out)
            self.out = None

    def __enter__(self) -> "Later":
        return self

    def __exit__(self, *exc) -> None:
        if self.pid is not None:
            _end(self.pid)
            self.pid = None
        self._close()


def in_background(function: Callable, *args, fork: bool = True) -> Later:
    """function(*args) worked out in a forked process (when `fork` and cores_usable() > 1) while this one goes on,
    else here when its result is first asked. Its answer must pickle; an exception it raises is raised by result()."""
    later = Later(function, args)
    return later.start() if fork and cores_usable() > 1 else later

