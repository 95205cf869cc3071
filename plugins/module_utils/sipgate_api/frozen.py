# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``@dataclass(frozen=True)`` makes of a class, for the values every send passes around.

``dataclasses`` imports ``inspect`` (and with it ``ast`` and ``dis``), and each decorated class
compiles its methods when it is defined: together about 6 ms for every process that sends an
SMS, a notifier run's largest cost after ``requests`` itself. A subclass lists its fields in
``__slots__``, in their order, and sets them in ``__init__`` with ``_set``; ``_UNSHOWN`` names
the fields repr() leaves out, ``_UNCOMPARED`` those == and hash() leave out. As for a frozen
dataclass, a field cannot be assigned afterwards.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Frozen:
    """An immutable value, compared, hashed and shown by its fields."""

    __slots__: tuple = ()
    _UNSHOWN: tuple = ()
    _UNCOMPARED: tuple = ()

    def _set(self, **fields: Any) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def _compared(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__ if name not in self._UNCOMPARED)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._compared() == other._compared()  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        shown = ("{0}={1!r}".format(name, getattr(self, name)) for name in self.__slots__ if name not in self._UNSHOWN)
        return "{0}({1})".format(type(self).__qualname__, ", ".join(shown))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("cannot assign to field {0!r}".format(name))

    def __delattr__(self, name: str) -> None:
        raise AttributeError("cannot delete field {0!r}".format(name))

    def __setstate__(self, state: Any) -> None:
        """For copy and pickle, which set a copy's fields by assignment."""
        fields = state[1] if isinstance(state, tuple) else state
        self._set(**(fields or {}))
