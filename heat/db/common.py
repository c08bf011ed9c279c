"""Helpers shared by the repository modules."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa


class _Unset:
    """Marks an argument that was not given (None is a value: it stores NULL)."""

    def __repr__(self):
        return "UNSET"


UNSET = _Unset()


def as_dict(row: sa.Row | None) -> dict | None:
    """A result row as a plain dict of column name -> value, or None."""
    return None if row is None else dict(row._mapping)


def as_dicts(rows: Iterable[sa.Row]) -> list[dict]:
    """Result rows as plain dicts."""
    return [dict(row._mapping) for row in rows]


def check_columns(table: sa.Table, values: dict, forbidden: Iterable[str] = ()) -> None:
    """Reject keys that are not updatable columns of `table`: a caller's bug, not user input."""
    unknown = set(values) - set(table.c.keys()) | (set(values) & set(forbidden))
    if unknown:
        raise ValueError(f"cannot set {', '.join(sorted(unknown))} on {table.name}")


def chunks(items: list, size: int):
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
