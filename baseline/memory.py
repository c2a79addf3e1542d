"""The process's memory: large blocks go back to the operating system as soon as they are freed.

glibc's malloc serves a large block from its own mapping, given back when freed, but raises that "large" threshold to
the size of each such block freed (up to 32 MB). Reading a merged workbook frees blocks of that size (an inflated sheet
of 30 MB, calamine's cell grid of a sheet), so the blocks of the same sizes that follow come from the heap, which is
returned to the system only from its top: a re-merge at 800 returns kept the memory it used to read the old merged
workbook while it read the returns and wrote the new one (157 MB at its peak where a first merge takes 114). With the
threshold fixed, every block of LARGE_BLOCK bytes or more has its own mapping and is given back when freed.
"""

from __future__ import annotations

import ctypes
import sys

LARGE_BLOCK = 1 << 20  # bytes: blocks this large or larger are mapped on their own
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number for the threshold (glibc's malloc.h)


def give_back_large_blocks() -> bool:
    """Fix the C library's mmap threshold at LARGE_BLOCK for the rest of the process (glibc's mallopt). False (and
    nothing changed) where the C library has no mallopt or refuses it (not glibc). Harmless to call again."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter itself runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK) == 1
