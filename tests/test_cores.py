"""map_in_order: every answer, in order, whether a pool of processes computed it, failed to, or was never used."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from baseline import catalogue, generation
from baseline.config import parse_config
from baseline.cores import cores_usable, in_background, map_in_order
from baseline.intake import POOL_MIN_FILES
from tests.factories import wait_for_file

PARENT = os.getpid()


def no_children_left() -> bool:
    """Every helper was reaped: this process has no child process, running or zombie."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


class Helped:
    """An item function that makes sure this process and a helper both take part, whatever the timing: each waits,
    at its first item, until the other has begun one (a helper takes items from the back and holds at most one while
    it waits, so this process always gets the front). `then` is what a helper does with its first item: answer it,
    raise, or die (without waiting)."""

    def __init__(self, folder: Path, then: str = "answer", workers: int = 2):
        self.helped, self.here = folder / "helped", folder / "here"
        self.then = then
        self.wait = workers > 1

    def __call__(self, n: int) -> tuple[int, int]:
        if os.getpid() != PARENT:
            first = not self.helped.exists()
            self.helped.touch()
            if first and self.then == "raise":
                raise ValueError(f"helper failed on {n}")
            if first and self.then == "die":
                os._exit(1)
            wait_for_file(self.here)
        elif self.wait and not self.here.exists():
            self.here.touch()
            wait_for_file(self.helped)
        return n * n, os.getpid()


def square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_answer_in_order(tmp_path, workers):
    answers = list(map_in_order(Helped(tmp_path, workers=workers), list(range(50)), workers))
    assert [value for value, _ in answers] == [n * n for n in range(50)]
    pids = {pid for _, pid in answers}
    assert PARENT in pids  # this process works too, from the front
    assert answers[0][1] == PARENT
    assert (len(pids) > 1) is (workers > 1)  # ... and with helpers, they did some of the items
    assert no_children_left()


@pytest.mark.parametrize("first_here", [False, True])
def test_the_first_item_is_done_before_the_fork_only_when_asked(tmp_path, first_here, monkeypatch):
    """generate asks (what the first workbook warms is inherited by every helper); reading returns does not."""
    forks = []
    real_fork = os.fork

    def fork():
        forks.append(len(done))
        return real_fork()

    done: list[int] = []

    def record(n: int) -> tuple[int, int]:
        if os.getpid() == PARENT:
            done.append(n)
        return square(n)

    monkeypatch.setattr(os, "fork", fork)
    answers = list(map_in_order(record, list(range(10)), 2, first_here=first_here))
    assert [value for value, _ in answers] == [n * n for n in range(10)]
    assert forks == [1 if first_here else 0]  # items done here before the helper was forked
    assert no_children_left()


def test_an_exception_in_a_helper_is_raised_here_at_its_item(tmp_path):
    answers = []
    with pytest.raises(ValueError, match="helper failed on 19"):
        for value, _ in map_in_order(Helped(tmp_path, then="raise"), list(range(20)), 2):
            answers.append(value)
    assert answers == [n * n for n in range(19)]  # every item before it, wherever it was done
    assert no_children_left()


def test_an_exception_here_stops_the_helpers():
    def fails_on_zero(n: int) -> int:
        if n == 0:
            raise ValueError("zero")
        return n

    with pytest.raises(ValueError, match="zero"):
        list(map_in_order(fails_on_zero, list(range(20)), 2))
    assert no_children_left()


def test_a_helper_that_dies_leaves_its_items_to_this_process(tmp_path):
    answers = list(map_in_order(Helped(tmp_path, then="die"), list(range(12)), 2))
    assert [value for value, _ in answers] == [n * n for n in range(12)]
    assert (tmp_path / "helped").exists()  # a helper did start, and died
    assert answers[-1][1] == PARENT  # the item it died on was done here
    assert no_children_left()


def test_an_answer_that_cannot_travel_is_an_error_at_its_item(tmp_path):
    helped = Helped(tmp_path)

    def unpicklable(n: int):
        helped(n)
        return (lambda: n) if os.getpid() != PARENT else n

    with pytest.raises(RuntimeError, match="PicklingError|AttributeError"):
        list(map_in_order(unpicklable, list(range(10)), 2))
    assert no_children_left()


def test_leaving_early_stops_the_helpers(tmp_path):
    answers = map_in_order(Helped(tmp_path), list(range(1000)), 2)
    assert next(answers) == (0, PARENT)
    answers.close()
    assert no_children_left()


def test_without_helpers_nothing_is_forked(monkeypatch):
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked"))
    assert [v for v, _ in map_in_order(square, [1, 2, 3], 1)] == [1, 4, 9]
    assert [v for v, _ in map_in_order(square, [5], 2)] == [25]


def test_when_no_helper_can_start_this_process_does_everything(monkeypatch):
    def no_fork():
        raise OSError("fork refused")

    monkeypatch.setattr(os, "fork", no_fork)
    assert [v for v, _ in map_in_order(square, list(range(30)), 2)] == [n * n for n in range(30)]


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


def test_meanwhile_runs_here_once_while_the_helpers_work(tmp_path):
    helped, calls = Helped(tmp_path), []

    def meanwhile():
        calls.append(os.getpid())
        wait_for_file(helped.helped)  # returns only because a helper is at work meanwhile

    answers = list(map_in_order(helped, list(range(20)), 2, meanwhile=meanwhile))
    assert [value for value, _ in answers] == [n * n for n in range(20)]
    assert calls == [PARENT]
    assert no_children_left()


def test_without_helpers_meanwhile_comes_first():
    done: list = []
    list(map_in_order(done.append, [1, 2], 1, meanwhile=lambda: done.append("meanwhile")))
    assert done == ["meanwhile", 1, 2]


def whose(n: int) -> tuple[int, int]:
    return n * 2, os.getpid()


def test_in_background_answers_from_another_process():
    with in_background(whose, 21) as later:
        value, pid = later.result()
        assert later.result() == (42, pid)  # asked again: the same answer
    assert value == 42 and (pid != PARENT) is (cores_usable() > 1)
    assert no_children_left()


def test_in_background_raises_what_the_function_raised():
    def fails(n: int) -> int:
        raise ValueError(f"no {n}")

    with in_background(fails, 7) as later, pytest.raises(ValueError, match="no 7"):
        later.result()
    assert no_children_left()


def test_in_background_without_a_fork_works_it_out_here_when_asked(monkeypatch):
    def no_fork():
        raise OSError("no more processes")

    monkeypatch.setattr(os, "fork", no_fork)
    with in_background(whose, 1) as later:
        assert later.result() == (2, PARENT)
    assert in_background(whose, 2, fork=False).result() == (4, PARENT)


def test_in_background_that_dies_is_worked_out_here():
    def dies_there(n: int) -> tuple[int, int]:
        if os.getpid() != PARENT:
            os._exit(1)
        return whose(n)

    with in_background(dies_there, 3) as later:
        assert later.result() == (6, PARENT)
    assert no_children_left()


def test_leaving_before_the_answer_stops_the_process(tmp_path):
    started = tmp_path / "started"

    def waits_for_ever(n: int) -> int:
        started.touch()
        wait_for_file(tmp_path / "never")
        return n

    with in_background(waits_for_ever, 1) as later:
        if later.pid is not None:
            wait_for_file(started)
    assert later.pid is None and no_children_left()
