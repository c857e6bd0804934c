"""SQL literals from Python values, written once: text is quoted with ``'`` doubled, never pasted."""

from __future__ import annotations

__all__ = ["identifier", "literal", "value"]


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A SQL identifier (a column name read from a file or a mapping), quoted with ``"`` doubled."""
    return '"' + str(name).replace('"', '""') + '"'


def value(item: object) -> str:
    """A Python value (from the manifest or a query) as a SQL literal; ``{"same_as": col}`` names a column."""
    if isinstance(item, dict):
        return str(item["same_as"])
    if item is None:
        return "NULL"
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, (int, float)):
        return repr(item)
    return literal(str(item))
