"""Immutable records with typing.NamedTuple's syntax, without importing typing at run time.

`typing` (with `re` and `enum`, which it imports) costs about 41 million instructions,
some 15 ms on a small VM, on every `hvaudit detect`, which scripts call in loops. Type
checkers see typing.NamedTuple; at run time the same class bodies become subclasses of
collections.namedtuple, which is what typing.NamedTuple builds too.

    class Read(Record):
        where: str
        data: Optional[bytes] = None
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as Record

else:

    class _RecordType(type):
        def __new__(mcls, name, bases, namespace):
            if not bases:  # Record itself
                return super().__new__(mcls, name, bases, namespace)
            fields = tuple(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            if any(f in namespace for f in fields[: len(fields) - len(defaults)]):
                raise TypeError("%s: fields with defaults must come last" % name)
            base = namedtuple(name, fields, defaults=defaults, module=namespace.get("__module__"))
            body = {k: v for k, v in namespace.items() if k not in fields}
            body["__slots__"] = ()
            return type(name, (base,), body)

    class Record(metaclass=_RecordType):
        """Base of immutable records (see the module's docstring)."""
