"""Owners' digest (issue 19 point 3): what one owner has overdue or due soon, for an email.

A ministry focal point or an agency never opens the workbench: they get a short list, per
owner, of what is theirs. An owner is whoever the team named: the ``owner`` of a checklist
item, the ``entity`` of an action of the implementation plan, the ``lead_entity`` of a
recommendation. Names compare case-insensitively with spaces collapsed ("unicef" = "UNICEF").

Three sections: checklist items (open, due within the days given or overdue), actions of the
plan (not implemented, deadline within the days or past), and recommendations the owner leads
whose implementation status nobody has given yet ("No information"). Markdown or plain text,
one country or all; every value is cleaned (and escaped in Markdown), the file is the same
bytes for the same workspace and day.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tui.checklist import due_items
from tui.exports.safe import md_cell, md_text, natural_key, plain, state_name

FORMATS = ("md", "txt")
DEFAULT_DAYS = 30
DONE_ACTION = "implemented"


def owner_key(name: Any) -> str:
    """How owners compare: case-folded, spaces collapsed."""
    return " ".join(plain(name).split()).casefold()


def owner_slug(name: str) -> str:
    """A file-name part for an owner (``Ministry of Justice`` -> ``Ministry-of-Justice``):
    letters, digits, ``.``, ``_``, ``-`` only; never a path."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", plain(name)).strip("-.")
    return slug[:60] or "owner"


@dataclass
class DigestLine:
    country: str
    when: str  # the date, or "" (a recommendation without status has none)
    days: int | None  # negative: overdue by that many days
    what: str
    detail: str = ""


@dataclass
class Digest:
    owner: str
    today: date
    days: int
    country: str | None
    checklist: list[DigestLine] = field(default_factory=list)
    actions: list[DigestLine] = field(default_factory=list)
    recommendations: list[DigestLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.checklist or self.actions or self.recommendations)


def owners(source: Any, iso3: str | None = None) -> list[str]:
    """Every owner named in the workspace (one spelling each, the first in sorted order)."""
    found: dict[str, str] = {}

    def add(name: Any) -> None:
        text = " ".join(plain(name).split())
        if text:
            key = text.casefold()
            if key not in found or text < found[key]:
                found[key] = text

    for table, fname in (("checklist", "owner"), ("actions", "entity")):
        for record in source.table(table).values():
            if not record.get("deleted") and (iso3 is None or record.get("country") == iso3):
                add(record.get(fname))
    for record in source.table("recommendations").values():
        if not record.get("deleted") and (iso3 is None or record.get("country") == iso3):
            add(record.get("lead_entity"))
    return sorted(found.values(), key=str.casefold)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def build_digest(
    source: Any, owner: str, today: date, days: int = DEFAULT_DAYS, iso3: str | None = None
) -> Digest:
    """What ``owner`` has overdue or due within ``days`` of ``today`` (one country or all)."""
    key = owner_key(owner)
    out = Digest(" ".join(plain(owner).split()), today, days, iso3)
    for item in due_items(source, today, days):
        if owner_key(item.entry.get("owner")) != key or (iso3 and item.iso3 != iso3):
            continue
        out.checklist.append(
            DigestLine(
                item.iso3,
                item.due.isoformat(),
                item.days,
                plain(item.entry.get("text")),
                f"cycle {item.cycle}",
            )
        )
    horizon = today + timedelta(days=max(days, 0))
    for action in source.table("actions").values():
        if action.get("deleted") or action.get("status") == DONE_ACTION:
            continue
        if owner_key(action.get("entity")) != key or (iso3 and action.get("country") != iso3):
            continue
        deadline = _date(action.get("deadline"))
        if deadline is None or deadline > horizon:
            continue
        out.actions.append(
            DigestLine(
                str(action.get("country", "")),
                deadline.isoformat(),
                (deadline - today).days,
                plain(action.get("title")),
                plain(action.get("indicator")),
            )
        )
    out.actions.sort(key=lambda d: (d.when, d.country, d.what))
    for record in source.table("recommendations").values():
        if record.get("deleted") or record.get("status") not in ("no_information", None, ""):
            continue
        if owner_key(record.get("lead_entity")) != key or (iso3 and record.get("country") != iso3):
            continue
        out.recommendations.append(
            DigestLine(
                str(record.get("country", "")),
                "",
                None,
                plain(record.get("text")),
                f"{plain(record.get('document'))} para. {plain(record.get('paragraph'))}".strip(),
            )
        )
    out.recommendations.sort(key=lambda d: (d.country, natural_key(d.detail)))
    return out


def _when(line: DigestLine) -> str:
    if line.days is None:
        return ""
    if line.days < 0:
        return f"{line.when} (OVERDUE by {-line.days} day{'s' if line.days != -1 else ''})"
    if line.days == 0:
        return f"{line.when} (today)"
    return f"{line.when} (in {line.days} day{'s' if line.days != 1 else ''})"


def _short(text: str, width: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


SECTIONS = (
    ("checklist", "UPR checklist items"),
    ("actions", "Actions of the implementation plan"),
    ("recommendations", "Recommendations you lead with no implementation status yet"),
)


def render(digest: Digest, fmt: str) -> str:
    """The digest as Markdown (``md``) or plain text (``txt``), ready to paste in an email."""
    if fmt not in FORMATS:
        raise ValueError(f"a digest is written as {' or '.join(FORMATS)}, not {fmt!r}")
    md = fmt == "md"
    where = state_name(digest.country) if digest.country else "all countries"
    title = f"What is due: {digest.owner}"
    scope = (
        f"{where}; overdue or due by {(digest.today + timedelta(days=digest.days)).isoformat()} "
        f"(as of {digest.today.isoformat()}, next {digest.days} days)"
    )
    lines = [f"# {md_text(title)}" if md else title, ""]
    lines += [md_text(scope) if md else scope, ""]
    if not md:
        lines.insert(1, "=" * min(len(title), 78))
    if digest.empty:
        lines.append("Nothing overdue or due, and no recommendation waiting for a status.")
        return "\n".join(lines) + "\n"
    for attr, heading in SECTIONS:
        items: Sequence[DigestLine] = getattr(digest, attr)
        if not items:
            continue
        lines.append(f"## {heading} ({len(items)})" if md else f"{heading} ({len(items)})")
        if not md:
            lines.append("-" * min(len(heading) + 6, 78))
        lines.append("")
        for line in items:
            country = state_name(line.country) if line.country else ""
            parts = [p for p in (_when(line), country, line.detail) if p]
            text = _short(line.what)
            if md:
                lines.append(
                    f"- {md_cell(text)}" + (f" — {md_cell(' · '.join(parts))}" if parts else "")
                )
            else:
                lines.append(f"- {text}" + (f"\n  {' · '.join(parts)}" if parts else ""))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def digest_text(
    source: Any,
    owner: str,
    today: date,
    *,
    days: int = DEFAULT_DAYS,
    iso3: str | None = None,
    fmt: str = "md",
) -> str:
    return render(build_digest(source, owner, today, days, iso3), fmt)


def owners_with_something(
    source: Any, today: date, days: int = DEFAULT_DAYS, iso3: str | None = None
) -> list[tuple[str, Digest]]:
    """For ``--all``: each owner with something due or waiting, and their digest."""
    out: list[tuple[str, Digest]] = []
    for name in owners(source, iso3):
        digest = build_digest(source, name, today, days, iso3)
        if not digest.empty:
            out.append((name, digest))
    return out
