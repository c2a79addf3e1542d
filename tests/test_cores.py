"""map_in_order: every answer, in order, whether a pool of processes computed it, failed to, or was never used."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from baseline import catalogue, generation
from baseline.config import parse_config
from baseline.cores import map_in_order
from baseline.intake import POOL_MIN_FILES

PARENT = os.getpid()


def square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def fails_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("seven")
    return n


def dies_in_a_worker(n: int) -> int:
    if n == 3 and os.getpid() != PARENT:
        os._exit(1)  # a worker killed: the pool breaks
    return n


@pytest.mark.parametrize("workers", [1, 2])
def test_every_answer_in_order(workers):
    answers = list(map_in_order(square, list(range(50)), workers))
    assert [value for value, _ in answers] == [n * n for n in range(50)]
    pids = {pid for _, pid in answers}
    assert (pids == {PARENT}) is (workers == 1)  # with a pool, other processes did the work


@pytest.mark.parametrize("first_here", [False, True])
def test_the_first_item_is_done_here_only_when_asked(first_here):
    """generate asks (what the first workbook warms is inherited by every worker); reading returns does not."""
    answers = list(map_in_order(square, list(range(50)), 2, first_here=first_here))
    assert [value for value, _ in answers] == [n * n for n in range(50)]
    assert (answers[0][1] == PARENT) is first_here
    assert any(pid != PARENT for _, pid in answers[1:])


def test_an_exception_is_raised_as_without_a_pool():
    with pytest.raises(ValueError, match="seven"):
        list(map_in_order(fails_on_seven, list(range(20)), 2))


def test_a_broken_pool_leaves_the_rest_to_this_process():
    assert list(map_in_order(dies_in_a_worker, list(range(12)), 2)) == list(range(12))


def test_workbooks_built_on_every_core_are_the_ones_built_here(tmp_path, monkeypatch):
    """generate over enough agencies for a pool writes byte for byte what one process writes."""
    agencies = [{"name": f"Agency {n:02d}", "sector": ["education", "mental_health", "criminal_justice"][n % 3]}
                for n in range(POOL_MIN_FILES + 1)]
    data = {"area": "Northshire", "guideline": "NG225", "return_by": "2027-01-31",
            "facilitator": {"name": "A. Facilitator", "email": "facilitator@example.org"}, "agencies": agencies}
    config, guideline = parse_config(data, "assessment.yaml", catalogue.load)
    at = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
    assert generation.pool_size(len(agencies)) == min(len(os.sched_getaffinity(0)), len(agencies))
    pooled = generation.generate_workbooks(config, guideline, tmp_path / "pooled", generated_at=at)
    monkeypatch.setattr(generation, "pool_size", lambda files: 1)
    alone = generation.generate_workbooks(config, guideline, tmp_path / "alone", generated_at=at)
    assert [w.path.name for w in pooled] == [w.path.name for w in alone] == sorted(
        p.name for p in Path(tmp_path / "pooled").iterdir())
    assert all(a.path.read_bytes() == b.path.read_bytes() for a, b in zip(pooled, alone))
