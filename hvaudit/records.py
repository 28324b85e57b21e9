"""Immutable records with typing.NamedTuple's syntax, without importing typing at run time.

`typing` (with `re` and `enum`, which it imports) costs about 41 million instructions,
some 15 ms on a small VM, on every `hvaudit detect`, which scripts call in loops. Type
checkers see typing.NamedTuple; at run time the same class bodies become tuple subclasses
with collections.namedtuple's interface, built without compiling code.

    class Read(Record):
        where: str
        data: Optional[bytes] = None
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as Record

else:
    from _collections import _tuplegetter  # the C field accessor collections.namedtuple uses

    _tuple_new = tuple.__new__
    _GLOBALS = {"_tuple_new": _tuple_new}

    # `__new__(_cls, field, ...)` for each number of fields up to 12, written out so that
    # they are compiled with this module's bytecode, not on every start (about 0.1 ms each).
    def _new_1(_cls, _0):
        return _tuple_new(_cls, (_0,))

    def _new_2(_cls, _0, _1):
        return _tuple_new(_cls, (_0, _1))

    def _new_3(_cls, _0, _1, _2):
        return _tuple_new(_cls, (_0, _1, _2))

    def _new_4(_cls, _0, _1, _2, _3):
        return _tuple_new(_cls, (_0, _1, _2, _3))

    def _new_5(_cls, _0, _1, _2, _3, _4):
        return _tuple_new(_cls, (_0, _1, _2, _3, _4))

    def _new_6(_cls, _0, _1, _2, _3, _4, _5):
        return _tuple_new(_cls, (_0, _1, _2, _3, _4, _5))

    def _new_7(_cls, _0, _1, _2, _3, _4, _5, _6):
        return _tuple_new(_cls, (_0, _1, _2, _3, _4, _5, _6))

    def _new_8(_cls, _0, _1, _2, _3, _4, _5, _6, _7):
        return _tuple_new(_cls, (_0, _1, _2, _3, _4, _5, _6, _7))

    def _new_9(_cls, _0, _1, _2, _3, _4, _5, _6, _7, _8):
        return _tuple_new(_cls, (_0, _1, _2, _3, _4, _5, _6, _7, _8))

    def _new_10(_cls, _0, _1, _2, _3, _4, _5, _6, _7, _8, _9):
        return _tuple_new(_cls, (_0, _1, _2, _3, _4, _5, _6, _7, _8, _9))

    def _new_11(_cls, _0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10):
        return _tuple_new(_cls, (_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10))

    def _new_12(_cls, _0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11):
        return _tuple_new(_cls, (_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11))

    _CODE_BY_ARITY: dict = {n: f.__code__ for n, f in enumerate(
        (None, _new_1, _new_2, _new_3, _new_4, _new_5, _new_6, _new_7, _new_8, _new_9, _new_10, _new_11, _new_12))
        if f is not None}

    def _constructor(fields, defaults):
        """`__new__(_cls, field, ...)` with the fields as real parameters (the interpreter binds
        them, fast, with the usual errors): one small function per number of fields (compiled
        here past 12), its parameters renamed for each class."""
        code = _CODE_BY_ARITY.get(len(fields))
        if code is None:
            names = ", ".join("_%d" % i for i in range(len(fields)))
            scope: dict = {}
            exec("def __new__(_cls, %s):\n return _tuple_new(_cls, (%s%s))\n"
                 % (names, names, "," if len(fields) == 1 else ""), _GLOBALS, scope)
            code = _CODE_BY_ARITY[len(fields)] = scope["__new__"].__code__
        function = type(_constructor)(code.replace(co_varnames=("_cls",) + fields), _GLOBALS, "__new__",
                                      tuple(defaults) or None)
        return function

    def _record_class(name, fields, defaults, namespace):
        """A tuple subclass with namedtuple's interface (_fields, _replace, _asdict, _make,
        repr, pickling), built with far less work than collections.namedtuple, which execs
        a generated module of code for each class (some 0.5 ms apiece, on every run)."""
        count = len(fields)

        __new__ = _constructor(fields, defaults)

        def _replace(self, **changes):
            return self.__class__(*[changes.pop(f, v) for f, v in zip(fields, self)], **changes)

        def _asdict(self):
            return dict(zip(fields, self))

        def __repr__(self):
            return "%s(%s)" % (type(self).__name__, ", ".join("%s=%r" % fv for fv in zip(fields, self)))

        def __getnewargs__(self):
            return tuple(self)

        @classmethod
        def _make(cls, iterable):
            values = tuple(iterable)
            if len(values) != count:
                raise TypeError("%s expects %d values, got %d" % (name, count, len(values)))
            return tuple.__new__(cls, values)

        body = {"__slots__": (), "_fields": fields, "_field_defaults": dict(zip(fields[count - len(defaults):],
                                                                              defaults)),
                "__match_args__": fields, "__new__": __new__, "_replace": _replace, "_asdict": _asdict,
                "__repr__": __repr__, "__getnewargs__": __getnewargs__, "_make": _make}
        for i, field in enumerate(fields):
            body[field] = _tuplegetter(i, "Alias for field number %d" % i)
        body.update((k, v) for k, v in namespace.items() if k not in fields)
        return type(name, (tuple,), body)

    class _RecordType(type):
        def __new__(mcls, name, bases, namespace):
            if not bases:  # Record itself
                return super().__new__(mcls, name, bases, namespace)
            fields = tuple(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            if any(f in namespace for f in fields[: len(fields) - len(defaults)]):
                raise TypeError("%s: fields with defaults must come last" % name)
            return _record_class(name, fields, defaults, namespace)

    class Record(metaclass=_RecordType):
        """Base of immutable records (see the module's docstring)."""
