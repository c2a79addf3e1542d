"""records.record: the same dataclass `dataclasses.dataclass` makes, its __eq__, __repr__ and __hash__ shared instead
of compiled per class. Held to dataclass's own behaviour on sample classes built here (a twin of each made by plain
@dataclass from the same body), and on every record of the baseline package (a twin made from its fields)."""

from __future__ import annotations

import ast
import copy
import dataclasses
import importlib
import pickle
import pkgutil
import re
from collections.abc import Hashable
from dataclasses import FrozenInstanceError, dataclass, field
from pathlib import Path

import pytest

import baseline
from baseline.records import record

PACKAGE = Path(baseline.__file__).parent
FLAGS = [dict(frozen=frozen, slots=slots) for frozen in (False, True) for slots in (False, True)]


def _sample(decorate):
    """One class body, decorated by `decorate` (record or dataclass, with flags): the twins have the same qualname."""

    @decorate
    class Sample:
        """A sample with every kind of field the methods treat differently."""

        name: str
        items: list = field(default_factory=list)  # unhashable: in repr and eq, and hashed when frozen
        secret: str = field(default="", repr=False)
        note: str = field(default="", compare=False)  # neither compared nor hashed (hash=None follows compare)
        tag: str = field(default="", hash=False)  # compared, not hashed
        mark: str = field(default="", compare=False, hash=True)  # hashed, not compared

    return Sample


def _twins(flags):
    return _sample(record(**flags)), _sample(dataclass(**flags))


def _pair(flags, **values):
    ours, theirs = _twins(flags)
    return ours, theirs, ours(**values), theirs(**values)


@pytest.mark.parametrize("flags", FLAGS, ids=str)
def test_repr_as_dataclass_makes_it(flags):
    ours, theirs = _twins(flags)
    values = dict(name="a", items=[1, "two"], secret="s", note="n", tag="t", mark="m")
    assert repr(ours(**values)) == repr(theirs(**values))
    assert repr(ours(**values)).startswith("_sample.<locals>.Sample(name='a', items=[1, 'two'], note='n'")
    assert "secret" not in repr(ours(**values))


def test_repr_of_an_object_inside_itself_is_dots():
    ours, theirs = _twins({})
    mine, other = ours("a"), theirs("a")
    mine.items.append(mine)
    other.items.append(other)
    assert repr(mine) == repr(other) == "_sample.<locals>.Sample(name='a', items=[...], note='', tag='', mark='')"
    nested_mine, nested_other = ours("outer", [mine]), theirs("outer", [other])
    assert repr(nested_mine) == repr(nested_other)  # an object shown twice, not inside itself, is shown in full
    assert repr(ours("x", [ours("y"), ours("y")])).count("name='y'") == 2


def test_repr_guard_is_released_when_a_field_fails_to_show():
    class Bad:
        def __repr__(self):
            raise ValueError("cannot show")

    ours, _ = _twins({})
    sample = ours("a", [Bad()])
    with pytest.raises(ValueError):
        repr(sample)
    sample.items.clear()
    assert repr(sample).startswith("_sample.<locals>.Sample(name='a'")  # not "...": the object is not being shown


@pytest.mark.parametrize("flags", FLAGS, ids=str)
def test_eq_compares_the_compared_fields_only(flags):
    ours, theirs = _twins(flags)
    base = dict(name="a", items=[1], secret="s", note="n", tag="t", mark="m")
    for name, other_value in [("name", "b"), ("items", [2]), ("secret", "x"), ("note", "x"), ("tag", "x"),
                              ("mark", "x")]:
        changed = {**base, name: other_value}
        assert (ours(**base) == ours(**changed)) is (theirs(**base) == theirs(**changed)), name
        assert (ours(**base) != ours(**changed)) is (theirs(**base) != theirs(**changed)), name
    assert ours(**base) == ours(**{**base, "note": "x", "mark": "x"})
    assert ours(**base) != ours(**{**base, "tag": "x"})


@pytest.mark.parametrize("flags", FLAGS, ids=str)
def test_eq_with_another_class_is_not_implemented(flags):
    ours, theirs, mine, other = _pair(flags, name="a")
    assert mine.__eq__(other) is NotImplemented and other.__eq__(mine) is NotImplemented
    assert mine != other and mine != ("a", [], "", "")

    class Child(ours):  # a subclass is another class, as for dataclass's __eq__
        pass

    child = Child("a")
    assert mine.__eq__(child) is NotImplemented and child != mine


def test_eq_treats_identical_and_odd_values_as_dataclass_does():
    """Up to Python 3.12 dataclass compares tuples (a value is equal to itself, even NaN), from 3.13 field by field
    with `and` (an __eq__ that gives no bool shows through)."""

    class Odd:
        def __eq__(self, other):
            return "odd"

    ours, theirs = _twins({})
    nan = float("nan")
    for first, second in [(nan, nan), (nan, float("nan")), (Odd(), Odd())]:
        mine, other = ours("a", first) == ours("a", second), theirs("a", first) == theirs("a", second)
        assert mine == other and type(mine) is type(other)
        mine, other = ours("a", first, tag=first) == ours("a", second), theirs("a", first, tag=first) == theirs(
            "a", second)
        assert mine == other and type(mine) is type(other)
    sample, twin = ours("a", nan), theirs("a", nan)
    assert (sample == sample) is (twin == twin)


def test_a_frozen_record_hashes_its_hashed_fields():
    ours, theirs = _twins(dict(frozen=True))
    values = dict(name="a", items=(1, 2), secret="s", note="n", tag="t", mark="m")
    assert hash(ours(**values)) == hash(theirs(**values)) == hash(("a", (1, 2), "s", "m"))
    assert isinstance(ours(**values), Hashable)
    assert hash(ours(**values)) == hash(ours(**{**values, "note": "x", "tag": "x"}))  # neither hashed
    assert hash(ours(**values)) != hash(ours(**{**values, "mark": "x"}))
    for sample in (ours("a", [1]), theirs("a", [1])):  # a list inside: unhashable, as with dataclass's own
        with pytest.raises(TypeError, match=r"^unhashable type: 'list'$"):
            hash(sample)


@pytest.mark.parametrize("slots", [False, True])
def test_a_record_that_is_not_frozen_is_unhashable(slots):
    ours, theirs, mine, other = _pair(dict(slots=slots), name="a")
    assert ours.__hash__ is None and theirs.__hash__ is None
    assert not isinstance(mine, Hashable)
    with pytest.raises(TypeError, match=r"^unhashable type: 'Sample'$"):
        hash(mine)


def test_a_class_keeps_the_methods_it_writes_itself():
    def body(decorate):
        @decorate
        class Own:
            """Writes its own __repr__ and __hash__."""

            a: int

            def __repr__(self):
                return "own"

            def __hash__(self):
                return 7

        return Own

    for decorate in (record, dataclass):
        own = body(decorate)
        assert repr(own(1)) == "own" and hash(own(1)) == 7 and own(1) == own(1) and own(1) != own(2)

    def eq_only(decorate):
        @decorate(frozen=True)
        class EqOnly:
            """Writes its own __eq__ (so Python sets __hash__ = None, which dataclass replaces)."""

            a: int

            def __eq__(self, other):
                return True

        return EqOnly

    for decorate in (record, dataclass):
        eq_only_class = eq_only(decorate)
        assert eq_only_class(1) == eq_only_class(2) and hash(eq_only_class(1)) == hash((1,))


@pytest.mark.parametrize("slots", [False, True])
def test_frozen_stays_frozen(slots):
    _, _, mine, other = _pair(dict(frozen=True, slots=slots), name="a")
    for sample in (mine, other):
        with pytest.raises(FrozenInstanceError, match=r"^cannot assign to field 'name'$"):
            sample.name = "b"
        with pytest.raises(FrozenInstanceError, match=r"^cannot delete field 'name'$"):
            del sample.name


@pytest.mark.parametrize("flags", FLAGS, ids=str)
def test_slots_kept_and_the_dataclass_helpers_work(flags):
    ours, theirs, mine, other = _pair(flags, name="a", items=(1,), note="n")
    assert hasattr(mine, "__dict__") is hasattr(other, "__dict__") is (not flags["slots"])
    assert ("__slots__" in ours.__dict__) is flags["slots"]
    assert dataclasses.is_dataclass(ours) and dataclasses.is_dataclass(mine)
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(theirs)]
    assert dataclasses.asdict(mine) == dataclasses.asdict(other)
    assert dataclasses.astuple(mine) == dataclasses.astuple(other)
    assert dataclasses.replace(mine, name="b") == ours("b", (1,), note="n")
    assert ours.__match_args__ == theirs.__match_args__
    assert ours.__dataclass_params__.frozen is flags["frozen"]


def test_the_defaults_are_dataclasss_neither_frozen_nor_slotted_nor_keyword_only():
    """`@record` and `@record()` alone make what a bare `@dataclass` makes."""

    @record
    class Bare:
        """A record with no flags."""

        name: str

    @record()
    class Called:
        """A record with no flags, called."""

        name: str

    for cls in (Bare, Called):
        made = cls("a")  # positional: not keyword-only
        made.name = "b"  # not frozen
        assert made.__dict__ == {"name": "b"} and "__slots__" not in cls.__dict__  # not slotted
        assert not cls.__dataclass_params__.frozen and cls.__hash__ is None


def test_kw_only_is_passed_on():
    @record(kw_only=True)
    class Keywords:
        """Keyword-only fields."""

        a: int

    assert Keywords(a=1) == Keywords(a=1)
    with pytest.raises(TypeError):
        Keywords(1)


def test_a_record_inheriting_a_record_compares_all_its_fields():
    @record(frozen=True)
    class Parent:
        """A parent."""

        a: int

    @record(frozen=True)
    class Child(Parent):
        """A child with a field of its own."""

        b: int = 0

    assert repr(Child(1, 2)) == "test_a_record_inheriting_a_record_compares_all_its_fields.<locals>.Child(a=1, b=2)"
    assert Child(1, 2) != Child(1, 3) and Child(1, 2) == Child(1, 2) and Parent(1) != Child(1, 0)
    assert hash(Child(1, 2)) == hash((1, 2))


# Module-level, so that pickle finds them by name.
@record(frozen=True, slots=True)
class PickledFrozenSlots:
    """Frozen with slots: dataclass gives it __getstate__/__setstate__."""

    a: int
    b: list = field(default_factory=list, compare=False)


@record
class PickledPlain:
    """Neither frozen nor slotted."""

    a: int
    b: list = field(default_factory=list)


@pytest.mark.parametrize("cls", [PickledFrozenSlots, PickledPlain])
def test_pickle_and_copy(cls):
    sample = cls(1, [2])
    for back in (pickle.loads(pickle.dumps(sample)), copy.copy(sample), copy.deepcopy(sample)):
        assert back == sample and back.b == [2] and type(back) is cls and repr(back) == repr(sample)


def test_records_imports_nothing_of_baseline():
    tree = ast.parse((PACKAGE / "records.py").read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] == "baseline"]


# --- every record of the package, against the dataclass its flags would make ------------------------------------


def _records_of_the_package() -> list[type]:
    shared_eq = record(type("Probe", (), {"__annotations__": {}})).__eq__.__code__
    found: dict[type, None] = {}
    for module in pkgutil.walk_packages(baseline.__path__, "baseline."):
        for value in vars(importlib.import_module(module.name)).values():
            if (isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__.startswith("baseline.")
                    and getattr(value.__dict__.get("__eq__"), "__code__", None) is shared_eq):
                found[value] = None
    return list(found)


RECORDS = _records_of_the_package()


def test_every_record_of_the_package_is_checked():
    declared = sum(len(re.findall(r"^@record\b", path.read_text(encoding="utf-8"), re.M))
                   for path in PACKAGE.rglob("*.py"))
    assert declared > 70 and len(RECORDS) == declared
    plain = [path for path in PACKAGE.rglob("*.py") if re.search(r"^@(dataclasses\.)?dataclass\b",
                                                                 path.read_text(encoding="utf-8"), re.M)]
    assert not plain, f"a plain @dataclass compiles its methods at import: use records.record ({plain})"


def _twin(cls: type) -> type:
    """The class plain @dataclass makes from cls's fields and flags."""
    fields = [(f.name, f.type, field(default=f.default, default_factory=f.default_factory, init=f.init, repr=f.repr,
                                     hash=f.hash, compare=f.compare, metadata=f.metadata, kw_only=f.kw_only))
              for f in dataclasses.fields(cls)]
    twin = dataclasses.make_dataclass(cls.__name__, fields, frozen=cls.__dataclass_params__.frozen,
                                      slots="__slots__" in cls.__dict__)
    twin.__qualname__ = cls.__qualname__
    return twin


def _instance(cls: type, values: dict):
    made = object.__new__(cls)  # past __init__ and __post_init__: only the fields matter here
    for name, value in values.items():
        object.__setattr__(made, name, value)
    return made


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_record_behaves_as_dataclass_would_have_made_it(cls):
    twin = _twin(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    base = {name: index for index, name in enumerate(names)}
    mine, other = _instance(cls, base), _instance(twin, base)
    assert repr(mine) == repr(other)
    assert mine == _instance(cls, base) and other == _instance(twin, base)
    assert mine.__eq__(other) is NotImplemented
    assert (cls.__hash__ is None) is (twin.__hash__ is None)
    if twin.__hash__ is not None:
        assert hash(mine) == hash(other)
    for name in names:  # each field changed alone: equal, and hashed alike, exactly when dataclass's are
        changed = {**base, name: -1}
        assert (mine == _instance(cls, changed)) is (other == _instance(twin, changed)), name
        assert repr(_instance(cls, changed)) == repr(_instance(twin, changed)), name
        if twin.__hash__ is not None:
            assert (hash(mine) == hash(_instance(cls, changed))) is (hash(other) == hash(_instance(twin, changed)))
    assert hasattr(mine, "__dict__") is hasattr(other, "__dict__")
    assert pickle.loads(pickle.dumps(mine)) == mine
