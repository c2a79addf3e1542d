"""Work on every core: a function over many items in forked processes, the answers in order, all of them.

A fork starts in milliseconds with everything imported, and sees this process's folder and environment. Only where
it pays and is safe (intake.pool_size decides: enough items, Linux, more than one core, no other thread running).
The pool's modules are imported when a pool first starts, not at start-up: most runs (one file, a handful) start
none, and these imports are a twentieth of a one-file validate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


def map_in_order(function: Callable[[Item], Answer], items: Sequence[Item], workers: int, *,
                 first_here: bool = False) -> Iterator[Answer]:
    """function(item) for each item, in order. With workers > 1 a pool of forked processes computes them (function
    and items must pickle; an exception `function` raises is raised here, as it would be without a pool). A pool
    that cannot start or breaks (a worker killed) leaves the items it has not answered to this process, so every
    item is still done, once. `first_here`: the first item is done in this process before the fork, so that what it
    warms (memos of prepared formulas and texts, a library's lazy set-up) is inherited by every worker instead of
    being redone in each."""
    done = 0
    if workers > 1 and len(items) > 1:
        import multiprocessing  # here, not at the top: see the module's docstring
        from concurrent.futures.process import BrokenProcessPool

        if first_here:
            yield function(items[0])
            done = 1
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                rest = items[done:]
                for answer in pool.map(function, rest, chunksize=max(1, min(8, len(rest) // (workers * 4)))):
                    yield answer
                    done += 1
        except (BrokenProcessPool, OSError):
            pass  # do what is left here
    for item in items[done:]:
        yield function(item)


def ProcessPoolExecutor(workers: int, **options):  # noqa: N802 - stands for the class it imports
    """concurrent.futures' ProcessPoolExecutor, imported when a pool is first started (see the module's docstring)."""
    from concurrent.futures import ProcessPoolExecutor as Pool

    return Pool(workers, **options)
