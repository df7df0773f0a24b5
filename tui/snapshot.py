"""Copies of a workspace's tables that outlive the moment: what exports and reports read.

An export of 100,000 recommendations runs in a worker thread while the adviser goes on
editing; it reads a :class:`Snapshot` taken on the editing thread, never the live tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class Source(Protocol):
    """What an export reads: a Workspace, or a :class:`Snapshot` of one."""

    def table(self, name: str) -> Mapping[str, dict[str, Any]]: ...


class Snapshot:
    """Copied tables of a workspace, so an export can run in a worker thread while edits go on.

    Take it on the thread that edits (the UI thread); it copies the records, not references.
    """

    def __init__(self, tables: Mapping[str, Mapping[str, dict[str, Any]]]) -> None:
        self._tables = {name: dict(records) for name, records in tables.items()}

    @classmethod
    def of(
        cls,
        source: Source,
        country: str | None = None,
        names: Sequence[str] = ("recommendations", "actions", "checklist", "countries", "links"),
    ) -> Snapshot:
        """Copy ``names`` (only ``country``'s records when given; the countries, links and meta
        tables whole: a link names no country, the matrix shows linked paragraphs and its
        hidden sheet the workspace id)."""
        tables: dict[str, dict[str, dict[str, Any]]] = {}
        for name in names:
            records = source.table(name)
            if country is None or name in ("countries", "links", "meta"):
                tables[name] = {rid: _deep_copy(r) for rid, r in list(records.items())}
            else:
                tables[name] = {
                    rid: _deep_copy(r)
                    for rid, r in list(records.items())
                    if r.get("country") == country
                }
        return cls(tables)

    def table(self, name: str) -> Mapping[str, dict[str, Any]]:
        return self._tables.get(name, {})


def _deep_copy(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
        for k, v in record.items()
    }
