"""Merging two copies of a workspace (DESIGN §4): keep every record, per field the latest edit wins.

A merge is a *join*: for every field of every record it keeps the side with the greater key

    (present, edited, clock, value)

where ``edited`` is 1 when the field carries its own clock (``_clock[field]``, stamped by an edit)
and 0 when its clock is only the record's creation clock (``_clock["*"]``, see
:func:`tui.store.field_clock`). Taking the maximum of a total order field by field is what makes
the merge commutative, associative and idempotent, and merging a file with itself return the
same records (so the same bytes).

Why an edit outranks a creation (the one refinement of "the greater clock wins"): two advisers
who import the same report on two machines create the same records with *different* creation
clocks. If adviser A triages on Monday and adviser B imports on Tuesday, B's untouched defaults
carry the later clock; comparing bare clocks would silently put A's decisions back to
"none". A creation is not an edit of a field, so among edits the greater clock wins, and a
creation value wins only where no copy edited the field. Between two creations the later wins.

A **conflict** (DESIGN §4) is a field where the two copies hold different values and neither
copy's clock for it appears in the other copy's history of that field (creation rows, field
``"*"``, count as history of every field). A creation value also counts as *seen* by a copy
whose own history of the field starts from that same value: the two imports are the same
event, so A's later edit of it is no conflict. Equal values never conflict.

**Deleted on one side, edited on the other** is a conflict too (on the field ``deleted``): the
merge keeps the record deleted (the later clock), and the other copy's edits, which the deleting
copy never saw, would otherwise be hidden without a word.

Conflicts are stored in the ``conflicts`` table under ``<table>|<record>|<field>|<clock>``,
``clock`` being the losing value's clock, with both values, clocks and authors, as pure
functions of the two copies (no wall clock), so the same conflict found on two machines is the
same row. One row per losing value: three copies that set one field in parallel leave two rows
(every value is kept for review, whatever order the copies meet in). Rows written before this
scheme (``<table>|<record>|<field>``) are still read; one for the same losing value as a newer
row is shown and decided together with it.

Resolving one marks it resolved (with the clock of the decision); a resolved row is never
deleted, because a copy that still holds it unresolved would bring it back at the next merge.
Undoing a resolution re-opens the row with a ``reopened`` clock, which beats the resolution it
undoes in the same way. For the same conflict, the row with the latest decision wins.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.model import EDITED_TABLES, parse_clock
from tui.records import NO_CLOCK as _NO_CLOCK
from tui.records import canonical as _enc
from tui.records import clock_order as _ck
from tui.store import Workspace, WorkspaceStorage
from tui.store.codec import gzip_bytes

Tables = Mapping[str, Mapping[str, Any]]

_MISSING: Any = object()
META_ID = "meta"
HISTORY = "history"
CONFLICTS = "conflicts"


def clock_author(clock: str) -> str:
    parsed = parse_clock(clock)
    return parsed[2] if parsed else ""


def clock_time(clock: str) -> str:
    """``2026-11-25 14:03 UTC`` for a clock (its wall-clock part)."""
    parsed = parse_clock(clock)
    if parsed is None:
        return "?"
    moment = datetime.fromtimestamp(parsed[0] / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def conflict_id(table: str, record: str, fname: str, other_clock: str = "") -> str:
    """``<table>|<record>|<field>|<clock of the losing value>`` (without a clock: the old form)."""
    base = f"{table}|{record}|{fname}"
    return f"{base}|{other_clock}" if other_clock else base


def decision_clock(row: Mapping[str, Any]) -> tuple[int, int, str]:
    """When a conflict row was last decided (resolved or re-opened by an undo)."""
    return max(_ck(row.get("resolved")), _ck(row.get("reopened")))


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """One field both copies changed without seeing each other's edit."""

    table: str
    record: str
    field: str
    a_value: Any
    a_clock: str
    b_value: Any
    b_clock: str
    winner: str  # "A" or "B": whose value the merge kept
    # Deleted on one side, edited on the other: the fields the other side edited unseen.
    edited: tuple[str, ...] = ()

    @property
    def other_clock(self) -> str:
        return self.b_clock if self.winner == "A" else self.a_clock

    @property
    def id(self) -> str:
        return conflict_id(self.table, self.record, self.field, self.other_clock)

    def row(self) -> dict[str, Any]:
        """The ``conflicts`` record: winner and other, independent of which copy was A."""
        if self.winner == "A":
            win, win_clock, other, other_clock = (
                self.a_value,
                self.a_clock,
                self.b_value,
                self.b_clock,
            )
        else:
            win, win_clock, other, other_clock = (
                self.b_value,
                self.b_clock,
                self.a_value,
                self.a_clock,
            )
        row = {
            "id": self.id,
            "table": self.table,
            "record": self.record,
            "field": self.field,
            "winner": win,
            "winner_clock": win_clock,
            "winner_author": clock_author(win_clock),
            "other": other,
            "other_clock": other_clock,
            "other_author": clock_author(other_clock),
            "resolved": "",
            "resolution": "",
        }
        if self.edited:
            row["edited"] = list(self.edited)
        return row


@dataclass
class MergeReport:
    """What a merge did, for the summary: counts per table and per field, and the conflicts."""

    new_from_a: Counter[str] = field(default_factory=Counter)
    new_from_b: Counter[str] = field(default_factory=Counter)
    fields_from_a: Counter[tuple[str, str]] = field(default_factory=Counter)
    fields_from_b: Counter[tuple[str, str]] = field(default_factory=Counter)
    history_from_a: int = 0
    history_from_b: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    other_from_b: int = 0  # meta, conflict rows and unknown tables taken from B
    seconds: float = 0.0
    common_records: int = 0  # records of the edited tables both copies hold
    # Set when the copies look like two different workspaces (issue 15.8): no record in
    # common and no country in common. A sentence naming both copies' countries.
    unrelated: str = ""


@dataclass
class MergeResult:
    data: dict[str, dict[str, Any]]
    report: MergeReport
    # Records of the result that are not A's own (new from B, or merged): what A must take in.
    changed_a: dict[str, dict[str, Any]]


# -- one record ------------------------------------------------------------------------------


class _Side:
    """One copy: its tables, and (built on first need) where each field's history starts."""

    def __init__(self, tables: Tables, history: Mapping[str, Any] | None = None) -> None:
        self.tables = tables
        self.history: Mapping[str, Any] = tables.get(HISTORY, {}) if history is None else history
        self._first: dict[tuple[str, str, str], tuple[tuple[int, int, str], Any]] | None = None

    def saw(self, rid: str, fname: str, clock: str) -> bool:
        history = self.history
        return f"{rid}|{fname}|{clock}" in history or f"{rid}|*|{clock}" in history

    def initial(self, table: str, rid: str, fname: str, current: Any, edited: bool) -> Any:
        """The value this copy's history of a field starts from (its creation value)."""
        if self._first is None:
            first: dict[tuple[str, str, str], tuple[tuple[int, int, str], Any]] = {}
            for row in self.history.values():
                if not isinstance(row, dict) or row.get("field") in (None, "*"):
                    continue
                key = (row.get("table", ""), row.get("record", ""), row.get("field", ""))
                ck = _ck(row.get("clock"))
                seen = first.get(key)
                if seen is None or ck < seen[0]:
                    first[key] = (ck, row.get("old"))
            self._first = first
        found = self._first.get((table, rid, fname))
        if found is not None:
            return found[1]
        return _MISSING if edited else current


def merge_record(
    table: str,
    rid: str,
    ra: Mapping[str, Any],
    rb: Mapping[str, Any],
    side_a: _Side | None = None,
    side_b: _Side | None = None,
    report: MergeReport | None = None,
) -> Mapping[str, Any]:
    """Merge one record of an edited table. Returns ``ra`` or ``rb`` itself when it is the result.

    Each field's key is (present, edited, clock): an own clock means edited (1), else the
    record's creation clock stands for it (0). Clocks are parsed once per record for "*".
    """
    if ra == rb:
        return ra
    ca = ra.get("_clock") or {}
    cb = rb.get("_clock") or {}
    names = (set(ra) | set(rb) | set(ca) | set(cb)) - {"id", "_clock", "*"}
    out: dict[str, Any] = {}
    clocks: dict[str, str] = {}
    star_a, star_b = ca.get("*"), cb.get("*")
    star_ka, star_kb = _ck(star_a), _ck(star_b)
    if star_a is not None or star_b is not None:
        clocks["*"] = str(
            star_a if star_b is None or (star_a is not None and star_ka >= star_kb) else star_b
        )
    for fname in names:
        va = ra.get(fname, _MISSING)
        vb = rb.get(fname, _MISSING)
        own_a, own_b = ca.get(fname), cb.get(fname)
        if own_a is None and own_b is None and va == vb:
            # Untouched on both sides (the common case): nothing to choose, no clock to keep.
            if va is not _MISSING:
                out[fname] = va
            continue
        present_a, present_b = va is not _MISSING, vb is not _MISSING
        if own_a is not None:
            ka: tuple[Any, ...] = (present_a, 1, _ck(own_a))
            clock_a = own_a
        else:
            ka, clock_a = (present_a, 0, star_ka), star_a or ""
        if own_b is not None:
            kb: tuple[Any, ...] = (present_b, 1, _ck(own_b))
            clock_b = own_b
        else:
            kb, clock_b = (present_b, 0, star_kb), star_b or ""
        if ka != kb:
            a_wins = ka > kb
        elif not present_a or not present_b or va == vb:
            a_wins = True
        else:
            a_wins = _enc(va) >= _enc(vb)
        win_key, win_clock, win_value = (ka, clock_a, va) if a_wins else (kb, clock_b, vb)
        if win_value is not _MISSING:
            out[fname] = win_value
        if win_key[1] == 1:
            clocks[fname] = win_clock
        if report is None or va == vb:
            continue
        if present_a and present_b:
            if a_wins:
                report.fields_from_a[(table, fname)] += 1
            else:
                report.fields_from_b[(table, fname)] += 1
            if (
                side_a is not None
                and side_b is not None
                and _is_conflict(
                    table, rid, fname, (ka, clock_a, va), (kb, clock_b, vb), side_a, side_b
                )
            ):
                report.conflicts.append(
                    Conflict(table, rid, fname, va, clock_a, vb, clock_b, "A" if a_wins else "B")
                )
        elif present_b and not a_wins:
            report.fields_from_b[(table, fname)] += 1
        elif present_a and a_wins:
            report.fields_from_a[(table, fname)] += 1
    if out.get("merged_into") and out.get("deleted") is not True:
        # A record folded into another (tui/dedupe.py) stays folded: a copy made before the
        # fold, even one edited later, must not bring the duplicate back.
        out["deleted"] = True
    if (
        report is not None
        and side_a is not None
        and side_b is not None
        and out.get("deleted") is True
        and not out.get("merged_into")  # a fold (tui/dedupe.py) is no delete to review
        and bool(ra.get("deleted")) != bool(rb.get("deleted"))
    ):
        _deleted_and_edited(table, rid, ra, rb, side_a, side_b, report)
    if "id" in ra or "id" in rb:
        out["id"] = ra.get("id", rb.get("id"))
    if "_clock" in ra or "_clock" in rb or clocks:
        out["_clock"] = clocks
    if out == ra:
        return ra
    if out == rb:
        return rb
    return out


def _is_conflict(
    table: str,
    rid: str,
    fname: str,
    a: tuple[tuple[bool, int, tuple[int, int, str]], str, Any],
    b: tuple[tuple[bool, int, tuple[int, int, str]], str, Any],
    side_a: _Side,
    side_b: _Side,
) -> bool:
    """Different values, and neither copy saw the other's edit of the field (DESIGN §4)."""
    (ka, clock_a, va), (kb, clock_b, vb) = a, b
    if side_b.saw(rid, fname, clock_a) or side_a.saw(rid, fname, clock_b):
        return False
    # A creation value equal to where the other copy's own history starts: the same import.
    if ka[1] == 0 and side_b.initial(table, rid, fname, vb, kb[1] == 1) == va:
        return False
    if kb[1] == 0 and side_a.initial(table, rid, fname, va, ka[1] == 1) == vb:
        return False
    return True


def _deleted_and_edited(
    table: str,
    rid: str,
    ra: Mapping[str, Any],
    rb: Mapping[str, Any],
    side_a: _Side,
    side_b: _Side,
    report: MergeReport,
) -> None:
    """One copy deleted the record, the other edited it without seeing the delete: a conflict
    on ``deleted``, naming the fields edited, so the edits are not hidden without a word."""
    if any(c.table == table and c.record == rid and c.field == "deleted" for c in report.conflicts):
        return  # both changed ``deleted`` itself: already a conflict
    a_deleted = bool(ra.get("deleted"))
    (rw, sw), (rl, sl) = ((ra, side_a), (rb, side_b)) if a_deleted else ((rb, side_b), (ra, side_a))
    cw, cl = rw.get("_clock") or {}, rl.get("_clock") or {}
    clock_w = cw.get("deleted") or cw.get("*") or ""
    if sl.saw(rid, "deleted", clock_w):
        return
    unseen = {
        str(fname): clock
        for fname, clock in cl.items()
        if fname not in ("*", "deleted")
        and isinstance(clock, str)
        and cw.get(fname) != clock
        and not sw.saw(rid, str(fname), clock)
    }
    if not unseen:
        return
    edited = sorted(unseen)
    # The other side's value is "not deleted" as of its latest unseen edit: who and when.
    clock_l = max(unseen.values(), key=_ck)
    va, vb = ra.get("deleted"), rb.get("deleted")
    ca, cb = (clock_w, clock_l) if a_deleted else (clock_l, clock_w)
    report.conflicts.append(
        Conflict(table, rid, "deleted", va, ca, vb, cb, "A" if a_deleted else "B", tuple(edited))
    )


# -- other tables ----------------------------------------------------------------------------


def _conflict_key(row: Any) -> tuple[Any, ...]:
    if not isinstance(row, Mapping):
        return (_NO_CLOCK, _NO_CLOCK, _NO_CLOCK, _enc(row))
    return (
        _ck(row.get("winner_clock")),
        _ck(row.get("other_clock")),
        decision_clock(row),
        _enc(row),
    )


def pick_conflict(ra: Any, rb: Any) -> Any:
    """Two rows for the same value: the later conflict; for the same one, the later decision."""
    if ra == rb:
        return ra
    return ra if _conflict_key(ra) >= _conflict_key(rb) else rb


def _pick_any(ra: Any, rb: Any) -> Any:
    """Same id, different content, in a table without clocks: a deterministic choice."""
    if ra == rb:
        return ra
    return ra if _enc(ra) >= _enc(rb) else rb


def merge_meta(
    ma: Mapping[str, Any] | None, mb: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """The smaller workspace id and the earliest creation date, so the choice is symmetric."""
    if ma is None or mb is None:
        return ma if mb is None else mb
    if ma == mb:
        return ma
    out: dict[str, Any] = {}
    for key in sorted(set(ma) | set(mb)):
        if key not in ma or key not in mb:
            out[key] = ma[key] if key in ma else mb[key]
            continue
        va, vb = ma[key], mb[key]
        if va == vb:
            out[key] = va
        elif key in ("workspace_id", "created") and isinstance(va, str) and isinstance(vb, str):
            out[key] = min(va, vb) if va and vb else (va or vb)
        elif key == "schema_version" and isinstance(va, int) and isinstance(vb, int):
            out[key] = max(va, vb)
        else:
            out[key] = va if _enc(va) >= _enc(vb) else vb
    return ma if out == ma else (mb if out == mb else out)


# -- whole copies ----------------------------------------------------------------------------


def merge_tables(
    a: Tables,
    b: Tables,
    *,
    histories: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None,
) -> MergeResult:
    """Merge copy B into copy A. Neither input is changed; unchanged records are shared.

    ``histories``: what each copy's history holds, when ``a`` and ``b`` are only the records
    that differ between two files (``tui.merge_stream``): a record both hold alike merges to
    itself, so leaving it out changes nothing but the conflict checks, which read the history.
    """
    started = time.perf_counter()
    report = MergeReport()
    if histories is None:
        side_a, side_b = _Side(a), _Side(b)
    else:
        side_a, side_b = _Side(a, histories[0]), _Side(b, histories[1])
    data: dict[str, dict[str, Any]] = {}
    changed: dict[str, dict[str, Any]] = {}
    for table in sorted(set(a) | set(b)):
        ta: Mapping[str, Any] = a.get(table, {})
        tb: Mapping[str, Any] = b.get(table, {})
        out = dict(ta)
        delta: dict[str, Any] = {}
        common = 0
        if table == META_ID:
            merged = merge_meta(ta.get(META_ID), tb.get(META_ID))
            if merged is not None:
                out[META_ID] = merged
                if merged is not ta.get(META_ID):
                    delta[META_ID] = merged
                    report.other_from_b += 1
            for rid, rec in tb.items():
                if rid != META_ID and rid not in out:
                    out[rid] = delta[rid] = rec
        elif table in EDITED_TABLES:
            for rid, rb in tb.items():
                ra = ta.get(rid)
                if ra is None:
                    out[rid] = delta[rid] = rb
                    report.new_from_b[table] += 1
                    continue
                common += 1
                if isinstance(ra, Mapping) and isinstance(rb, Mapping):
                    merged = merge_record(table, rid, ra, rb, side_a, side_b, report)
                else:  # not a record (only in an unvalidated file): still deterministic
                    merged = _pick_any(ra, rb)
                if merged is not ra:
                    out[rid] = delta[rid] = merged
            report.new_from_a[table] += len(ta) - common
            report.common_records += common
        elif table == HISTORY:
            for rid, rb in tb.items():
                ra = ta.get(rid)
                if ra is None:
                    out[rid] = delta[rid] = rb
                    report.history_from_b += 1
                    continue
                common += 1
                if ra != rb:
                    merged = _pick_any(ra, rb)
                    if merged is not ra:
                        out[rid] = delta[rid] = merged
            report.history_from_a = len(ta) - common
        else:
            pick: Callable[[Any, Any], Any] = pick_conflict if table == CONFLICTS else _pick_any
            for rid, rb in tb.items():
                ra = ta.get(rid)
                merged = rb if ra is None else pick(ra, rb)
                if merged is not ra:
                    out[rid] = delta[rid] = merged
                    report.other_from_b += 1
        data[table] = out
        if delta:
            changed[table] = delta
    if report.conflicts:
        report.conflicts.sort(key=lambda c: (c.table, c.record, c.field))
        conflicts = data.setdefault(CONFLICTS, {})
        for conflict in report.conflicts:
            row = conflict.row()
            old = conflicts.get(conflict.id)
            merged = row if old is None else pick_conflict(old, row)
            if merged is not old:
                conflicts[conflict.id] = merged
                changed.setdefault(CONFLICTS, {})[conflict.id] = merged
    if report.common_records == 0:
        report.unrelated = unrelated_countries(a, b)
    report.seconds = time.perf_counter() - started
    return MergeResult(data, report, changed)


def copy_countries(tables: Tables) -> set[str]:
    """The countries a copy works on: its country records and its records' ``country``."""
    found = {str(rid) for rid in tables.get("countries", {})}
    for table in ("recommendations", "checklist", "actions"):
        for record in tables.get(table, {}).values():
            if isinstance(record, Mapping) and isinstance(record.get("country"), str):
                found.add(record["country"])
    found.discard("")
    return found


def unrelated_countries(a: Tables, b: Tables) -> str:
    """Why two copies with no record in common look like different workspaces, or "" (either
    is empty, or they share a country: then it is one team's work, merged as usual)."""
    ca, cb = copy_countries(a), copy_countries(b)
    if not ca or not cb or ca & cb:
        return ""

    def listed(codes: set[str]) -> str:
        names = sorted(codes)
        return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")

    return (
        f"no record in common and different countries ({listed(ca)} / {listed(cb)}): "
        "two unrelated workspaces?"
    )


def combine_record(table: str, rid: str, live: Any, incoming: Any) -> Any:
    """Merge one incoming record into the live one (for a workspace edited while merging)."""
    if live is None:
        return incoming
    if table in EDITED_TABLES:
        return merge_record(table, rid, live, incoming)
    if table == CONFLICTS:
        return pick_conflict(live, incoming)
    if table == META_ID:
        return merge_meta(live, incoming)
    return _pick_any(live, incoming)


def _same_value_key(row: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(row.get("table", "")),
        str(row.get("record", "")),
        str(row.get("field", "")),
        str(row.get("other_clock", "")),
    )


def twins(tables: Tables, row: Mapping[str, Any]) -> list[str]:
    """Ids of the rows for the same losing value as ``row`` (an old-form row and its new one)."""
    key = _same_value_key(row)
    table = tables.get(CONFLICTS, {})
    ids = [conflict_id(*key[:3]), conflict_id(*key)]
    return [cid for cid in ids if isinstance(table.get(cid), Mapping)]


def open_conflicts(tables: Tables) -> list[Mapping[str, Any]]:
    """Conflicts awaiting review, in a stable order (table, record, field, losing clock).

    An old-form row (``<table>|<record>|<field>``) for the same losing value as a newer row is
    the same conflict: it is listed once, and deciding it decides both (``resolve_conflict``).
    """
    groups: dict[tuple[str, str, str, str], list[Mapping[str, Any]]] = {}
    for row in tables.get(CONFLICTS, {}).values():
        if isinstance(row, Mapping):
            groups.setdefault(_same_value_key(row), []).append(row)
    chosen = {
        key: max(group, key=lambda r: (len(str(r.get("id", ""))), str(r.get("id", ""))))
        for key, group in groups.items()
        if not any(r.get("resolved") for r in group)
    }
    rows = list(chosen.values())
    rows.sort(key=_same_value_key)
    return rows


# -- files -----------------------------------------------------------------------------------


def load_copy(path: str | os.PathLike[str], warnings: list[str] | None = None) -> Tables:
    """A workspace file (plain or gzip) validated as on open, never locked or changed.

    Raises tui.store.WorkspaceError with one line naming the record and field at fault.
    What opening it warned about (clocks far ahead, DESIGN §4) goes to ``warnings``.
    """
    ws = Workspace.open(path, author="merge", read_only=True, create=False, lock=False)
    if warnings is not None:
        warnings.extend(ws.warnings)
    try:
        return ws.snapshot_tables()
    finally:
        ws.close(save=False)


def encode_tables(data: Tables) -> bytes:
    """The file the store would write for these tables (sorted, one record per line)."""
    storage = WorkspaceStorage(Path("unused.json"))
    storage.attach({name: dict(records) for name, records in data.items()})
    _version, chunks = storage.snapshot()
    return b"".join(chunks)


def write_bytes(path: str | os.PathLike[str], payload: bytes) -> None:
    """Write a file through the store's atomic write (temp file, fsync, rename, fsync folder)."""
    WorkspaceStorage(Path(path)).write_chunks([payload])


def write_tables(path: str | os.PathLike[str], data: Tables, *, gz: bool | None = None) -> int:
    """Write tables atomically in the store's deterministic format; returns the bytes written.

    ``gz``: compress (default: when the name ends in ``.gz``). The merge driver writes into a
    temp file git names, so it passes the form of the file it read.
    """
    target = Path(path)
    payload = encode_tables(data)
    if target.name.endswith(".gz") if gz is None else gz:
        payload = gzip_bytes(payload)
    write_bytes(target, payload)
    return len(payload)


# -- resolving -------------------------------------------------------------------------------


def resolve_conflict(ws: Any, cid: str, *, take_other: bool) -> bool:
    """Close a conflict: keep the value there now, or take the other value as a new edit.

    Taking the other value goes through ``ws.edit`` (a new clock and a history row), so the
    choice travels to every copy at the next merge. The conflict row is marked resolved with
    the clock of the decision, never deleted (see the module docstring). Returns False if the
    conflict is unknown or already resolved.
    """
    row = ws.get(CONFLICTS, cid)
    if not isinstance(row, Mapping) or row.get("resolved"):
        return False
    with ws.undo_group("resolve conflict"):
        if take_other:
            ws.edit(str(row["table"]), str(row["record"]), {str(row["field"]): row.get("other")})
        stamp = ws.clock.tick()
        resolution = "took_other" if take_other else "kept"
        for twin in twins(ws.snapshot_tables(), row) or [cid]:
            current = ws.get(CONFLICTS, twin)
            if isinstance(current, Mapping) and not current.get("resolved"):
                ws.put(CONFLICTS, twin, dict(current, resolved=stamp, resolution=resolution))
    return True
