"""The process's memory: large blocks go back to the operating system as soon as they are freed; the cyclic garbage
collector kept out of work that makes no cycles.

glibc's malloc serves a large block from its own mapping, given back when freed, but raises that "large" threshold to
the size of each such block freed (up to 32 MB). Reading a merged workbook frees blocks of that size (an inflated sheet
of 30 MB, calamine's cell grid of a sheet), so the blocks of the same sizes that follow come from the heap, which is
returned to the system only from its top: a re-merge at 800 returns kept the memory it used to read the old merged
workbook while it read the returns and wrote the new one (157 MB at its peak where a first merge takes 114). With the
threshold fixed, every block of LARGE_BLOCK bytes or more has its own mapping and is given back when freed.
"""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager

LARGE_BLOCK = 1 << 20  # bytes: blocks this large or larger are mapped on their own
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number for the threshold (glibc's malloc.h)


def give_back_large_blocks() -> bool:
    """Fix the C library's mmap threshold at LARGE_BLOCK for the rest of the process (glibc's mallopt). False (and
    nothing changed) where the C library has no mallopt or refuses it (not glibc). Harmless to call again."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here: only the merge asks, and importing it is a millisecond of every other command's start-up

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter itself runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK) == 1


# Python's cyclic collector runs every few hundred allocations and now and then walks every object alive. Reading,
# merging and rolling up hundreds of returns make millions of objects that live to the end and form no cycles
# (tests/test_no_cycles.py holds the reading of good and bad returns, the merge and the roll-up to that), so those
# walks only cost time: without them, summary at 800 returns took 0.92 s instead of 0.97, merge 8.0 s instead of 9.0,
# at the same peak memory. What does make cycles is one workbook or report per command (freed with the process:
# cli.CommandWithoutCollector), or one xlsxwriter workbook per owner (cycles_freed) or per agency (`generate` keeps
# the collector).


@contextmanager
def no_cycle_collection(*, process_ends: bool = False):
    """The cyclic garbage collector off while the block runs (objects are still freed the moment nothing refers to
    them), then as it was: on, unless it was already off.

    `process_ends`: the process ends with the block (the `baseline` command itself, cli.main). The collector then
    stays off, and what is alive is frozen out of its sight (gc.freeze): turned back on, its first collection would
    walk every object made in the block that is still alive (the modules a command imports, its result: 5 ms of a
    300 ms summary), and so would the interpreter's last collection at exit, only for all of it to end with the
    process."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if process_ends:
            gc.freeze()
        elif was_on:
            gc.enable()


@contextmanager
def cycles_freed():
    """What the block leaves in reference cycles (an xlsxwriter workbook written in it) freed at its end, with the
    collector on or off: a collection that walks only the objects made since the block began, everything older
    being frozen out of its sight first (gc.freeze), so that writing one small workbook per owner does not walk the
    whole merged workbook read before, once per owner. Afterwards every object is unfrozen, also any a caller had
    frozen itself (baseline freezes nothing else before its exit)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.collect()
        gc.unfreeze()
