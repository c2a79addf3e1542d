"""`record`: a dataclass whose __eq__, __repr__ and __hash__ are written once, here, not compiled for each class.

Why: `dataclasses.dataclass` writes out the source of every method it adds and compiles it (exec), class by class.
For the 57 dataclasses `summary` imports before it starts reading, that was 21 ms of its start-up (__repr__, __eq__
and __hash__ 7 of them). Made by `record`, each with a docstring (else dataclass makes one with inspect), they cost
12 ms (Python 3.11, in-process; a fresh `import baseline.cli, baseline.combine` went from 81 to 71 ms).

`record` makes the same dataclass (dataclasses.fields, replace, asdict and is_dataclass work) and adds the three
methods, made from its fields by the shared code below, with the results dataclass's own give: __eq__ compares the
compare=True fields when both objects are of the same class (as tuples; from Python 3.13 one by one, as dataclass
does there), else gives NotImplemented; __repr__ is `QualName(field=value!r, ...)` of the repr=True fields, "..."
for an object met again inside itself; a frozen class hashes the tuple of its hashed fields (hash=None follows
compare), any other class is unhashable. A method the class writes itself is kept, as dataclass keeps it. They cost
a little more per call than compiled ones: no command calls them in a loop (validate, summary, merge and status call
none). __init__ stays compiled: some are hot, and a shared one would change every signature and message. So do a
frozen class's __setattr__/__delattr__: dataclass compiles them with every frozen __init__ (which sets the fields
past them).
tests/test_records.py holds every record to what dataclass would have made of it.
"""

from __future__ import annotations

import dataclasses
import reprlib
import sys
from operator import attrgetter
from typing import Any, Callable, TypeVar

T = TypeVar("T", bound=type)


def record(cls: T | None = None, /, *, frozen: bool = False, slots: bool = False, kw_only: bool = False) -> Any:
    """`@record` or `@record(frozen=..., slots=..., kw_only=...)`: `dataclass` with those flags (and eq and repr on,
    as dataclass has them by default), its __eq__, __repr__ and __hash__ the shared ones."""

    def make(cls: T) -> T:
        # Read before dataclass touches the class: its own __hash__ is kept (dataclass's rule for eq=True; a class
        # that writes __eq__ but no __hash__ gets __hash__ = None from Python, which does not count).
        own_hash = cls.__dict__.get("__hash__", dataclasses.MISSING)
        keeps_own_hash = not (own_hash is dataclasses.MISSING or (own_hash is None and "__eq__" in cls.__dict__))
        cls = dataclasses.dataclass(cls, eq=False, repr=False, frozen=frozen, slots=slots, kw_only=kw_only)
        fields = dataclasses.fields(cls)
        _add_new(cls, "__repr__", _repr([f.name for f in fields if f.repr]))
        _add_new(cls, "__eq__", _eq([f.name for f in fields if f.compare]))
        if not keeps_own_hash:
            hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
            cls.__hash__ = _named(cls, _hash(_values(hashed))) if frozen else None
        return cls

    return make if cls is None else make(cls)


def _add_new(cls: type, name: str, method: Callable) -> None:
    if name not in cls.__dict__:
        setattr(cls, name, _named(cls, method))


def _named(cls: type, method: Callable) -> Callable:
    method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"  # as tracebacks and help() show it
    return method


def _values(names: list[str]) -> Callable[[Any], tuple]:
    """The tuple of an object's values of these fields (attrgetter gives a bare value for one name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _eq(names: list[str]) -> Callable:
    if sys.version_info >= (3, 13):  # dataclass's __eq__ there: the object itself, else field by field with `and`
        def __eq__(self, other):
            if self is other:
                return True
            if other.__class__ is self.__class__:
                equal = True
                for name in names:
                    equal = getattr(self, name) == getattr(other, name)
                    if not equal:
                        break
                return equal
            return NotImplemented
    else:  # up to 3.12: the tuples of the fields compared
        values = _values(names)

        def __eq__(self, other):
            if other.__class__ is self.__class__:
                return values(self) == values(other)
            return NotImplemented

    return __eq__


def _hash(values: Callable[[Any], tuple]) -> Callable:
    def __hash__(self):
        return hash(values(self))

    return __hash__


def _repr(names: list[str]) -> Callable:
    # recursive_repr: an object met again inside itself shows as "...", as dataclass's own __repr__ guards it.
    @reprlib.recursive_repr()
    def __repr__(self):
        shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in names])
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__
