"""Work on every core: a function over many items in forked processes, the answers in order, all of them.

A fork starts in milliseconds with everything imported, and sees this process's folder and environment. Only where
it pays and is safe (intake.pool_size decides: enough items, Linux, more than one core, no other thread running).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


def map_in_order(function: Callable[[Item], Answer], items: Sequence[Item], workers: int) -> Iterator[Answer]:
    """function(item) for each item, in order. With workers > 1 a pool of forked processes computes them (function
    and items must pickle; an exception `function` raises is raised here, as it would be without a pool). A pool
    that cannot start or breaks (a worker killed) leaves the items it has not answered to this process, so every
    item is still done, once."""
    done = 0
    if workers > 1 and len(items) > 1:
        # The first item here, before the fork: what computing it warms (memos of prepared formulas and texts, a
        # library's lazy set-up) is then inherited by every worker instead of being redone in each.
        yield function(items[0])
        done = 1
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                rest = items[1:]
                for answer in pool.map(function, rest, chunksize=max(1, min(8, len(rest) // (workers * 4)))):
                    yield answer
                    done += 1
        except (BrokenProcessPool, OSError):
            pass  # do what is left here
    for item in items[done:]:
        yield function(item)
