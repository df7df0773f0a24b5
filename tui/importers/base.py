"""What every importer returns: an ``ImportBatch`` of records plus what went wrong.

Parsers are pure: they read one file and return a batch; nothing is written until
``tui.importers.apply.apply_batch`` is called (after the user has seen the preview).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_WARNINGS = 1000  # a preview lists this many; the rest are only counted

KINDS = ("wg-report", "addendum", "thematic-list", "upr-info", "uhri", "table")

Progress = Callable[[int, int], None]


class SourceError(Exception):
    """A file that cannot be read as a source: the message is one line, shown to the user."""


@dataclass
class ImportWarning:
    """Something the user should know about one line/row (or the whole file when line is None)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


@dataclass
class ImportBatch:
    """The result of parsing one source file: records to apply and a report for the preview."""

    kind: str
    source_file: str
    records: list[dict[str, Any]] = field(default_factory=list)
    positions: dict[str, str] = field(default_factory=dict)
    document: str | None = None
    country: str | None = None
    warnings: list[ImportWarning] = field(default_factory=list)
    unknown_names: Counter[str] = field(default_factory=Counter)
    # Names read as a State of a close spelling ("Russia Federation" -> RUS), each warned once.
    guessed_names: dict[str, str] = field(default_factory=dict)
    duplicates: int = 0
    encoding: str | None = None
    # Counts for the import summary, e.g. rows read, pairs, pledges skipped (kind-specific).
    stats: dict[str, int] = field(default_factory=dict)

    def warn(self, line: int | None, message: str) -> None:
        """Add a warning; past MAX_WARNINGS they are only counted (stats["more_warnings"])."""
        if len(self.warnings) >= MAX_WARNINGS and line is not None:
            self.stats["more_warnings"] = self.stats.get("more_warnings", 0) + 1
            return
        self.warnings.append(ImportWarning(line, message))

    def by_position(self) -> Counter[str]:
        """Records per position (for an addendum: paragraphs per position)."""
        if self.kind == "addendum":
            return Counter(self.positions.values())
        return Counter(
            str(r.get("position", "")) for r in self.records if r.get("kind") != "pledge"
        )

    def by_recommending(self) -> Counter[str]:
        """Recommendations per recommending State (ISO3 or the raw unknown name)."""
        counts: Counter[str] = Counter()
        for record in self.records:
            counts.update(record.get("recommending") or [])
        return counts
