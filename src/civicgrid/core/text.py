"""Checks on text that comes from outside (requests, files, other systems).

A NUL character (``\\x00``) is never part of a name, a note or a filter, and
PostgreSQL refuses to store it in a text column (``text fields cannot contain
NUL``), so a NUL that reached the database would crash the request on
PostgreSQL and be stored silently on SQLite. Refusing it where text comes in
keeps both databases alike.
"""

from collections.abc import Mapping

NUL = "\x00"


def contains_nul(value) -> bool:
    """Return whether ``value`` (text, bytes, or nested lists and mappings of them) holds a NUL."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, bytes | bytearray):
        return b"\x00" in value
    if isinstance(value, Mapping):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(contains_nul(item) for item in value)
    return False


def fields_with_nul(values: Mapping) -> list[str]:
    """Return the names of the fields of ``values`` whose text holds a NUL, in order."""
    return [name for name, value in values.items() if contains_nul(value)]
