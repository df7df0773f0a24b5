"""Triage read model: one country's recommendations in memory, filtered and searched.

The decisions (and saved views) that change them are in ``tui.triage.commands``.

No Textual here; the recommendations screen, the queue and the clusters screen use it.

**Undecided.** A recommendation is *undecided* while its ``triaged`` field is false, and
*triaged* once it is true. Every decision key (priority, cluster, entities, outcome, status,
action category, position, note) records its value **and** marks the recommendation triaged,
in one undo step, so one key per recommendation is enough; ``x`` marks triaged without any
other decision (or, on recommendations that are all triaged already, reopens them). "Next
undecided" is the first untriaged row after the cursor in the list as shown, wrapping round.

**Speed.** The index is built once per screen by one pass over the workspace's
recommendations (country match, not deleted) and kept current from the workspace's edit
notifications (:meth:`TriageIndex.on_edit`), so a decision costs one record, never a rebuild.
Search runs over a list of folded texts computed once, at the first search; the history of
a record comes from an index of the ``history`` table built once, at the first look.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

from tui import labels, refdata
from tui.ids import history_id
from tui.labels import state_name
from tui.sanitize import clean_line

if TYPE_CHECKING:
    from tui.store import Workspace

TABLE = "recommendations"

# -- labels ---------------------------------------------------------------------------------

# How values read on screen; every label is defined once, in tui/labels.py.
POSITION_LABELS: dict[str, str] = labels.POSITION_TEXT
POSITION_SHORT: dict[str, str] = labels.POSITION_SHORT
PRIORITY_LABELS: dict[str, str] = labels.PRIORITY_TEXT
STATUS_LABELS: dict[str, str] = labels.STATUS_TEXT
STATUS_SHORT: dict[str, str] = labels.STATUS_SHORT
PRIORITY_KEYS: dict[str, str] = {"1": "high", "2": "medium", "3": "low", "0": "none"}


def fast_fold(text: str) -> str:
    """``refdata.fold`` with a fast path: ASCII text only needs lower-casing (25x faster)."""
    return text.lower() if text.isascii() else refdata.fold(text)


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of its source character."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        f = ch.lower() if ch.isascii() else refdata.fold(ch)
        out.append(f)
        where.extend([i] * len(f))
    return "".join(out), where


def search_words(query: str) -> list[str]:
    """The words of a search, folded (case- and accent-insensitive)."""
    return fast_fold(clean_line(query)).split()


def highlight_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) spans of ``text`` where any of the folded ``words`` occurs, merged."""
    if not words or not text:
        return []
    folded, where = fold_with_map(text)
    spans: list[tuple[int, int]] = []
    for word in words:
        start = folded.find(word)
        while start != -1:
            end = start + len(word)
            spans.append((where[start], where[end - 1] + 1))
            start = folded.find(word, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


# -- the action category suggested by the opening verb (UPR Info's method) ------------------

# UPR Info's categories: 1 minimal ("call on", "seek", "share"), 2 continuing ("continue",
# "maintain", "persevere", "pursue"), 3 considering ("consider", "envisage", "explore", "study",
# "review"), 4 general ("ensure", "strengthen", "take measures", "promote"), 5 specific
# ("ratify", "adopt", "establish", "amend", "criminalize"). Checked against the 41,066 rows of
# the UPR Info export, which carry the category UPR Info assigned (tests/test_triage_core.py).
_VERB_CATEGORY: dict[str, int] = {}
for _category, _verbs in {
    1: "call seek share request",
    2: "continue maintain persevere persist pursue keep sustain preserve remain uphold",
    3: "consider envisage envision explore study review reconsider reflect analyse analyze "
    "examine evaluate assess look",
    4: "accelerate encourage engage ensure guarantee intensify promote speed step strengthen "
    "take enhance improve increase reinforce redouble expedite make provide address "
    "combat protect respect facilitate cooperate foster support work pay allocate "
    "follow give undertake endeavour endeavor strive favour favor put consolidate "
    "prioritize prioritise expand comply prevent commit build refrain fight respond move",
    5: "ratify accede adopt establish enact amend criminalize criminalise decriminalize "
    "decriminalise abolish repeal sign implement develop extend issue introduce "
    "investigate withdraw incorporate bring complete submit prohibit ban lift reform "
    "set create finalize finalise harmonize harmonise revise conduct become remove "
    "eliminate invite accept recognize recognise release end include allow define "
    "align enforce prosecute publish appoint launch designate apply formulate draft "
    "elaborate reduce stop cease modify revoke legalize legalise grant collect raise "
    "proceed adhere initiate pass conclude integrate",
}.items():
    for _verb in _verbs.split():
        _VERB_CATEGORY[_verb] = _category
del _category, _verbs, _verb
# Words that may open a recommendation before its verb ("Further strengthen", "Fully implement").
_SKIP_WORDS = frozenset(
    "further fully effectively urgently swiftly promptly duly also immediately "
    "expeditiously actively formally progressively systematically continuously "
    "to that the state government its recommended explicitly".split()
)
_WORD_RE = re.compile(r"[a-z]+")


def suggest_action_category(text: str) -> int | None:
    """UPR Info's action category (1–5) suggested by the recommendation's opening verb."""
    words = _WORD_RE.findall(fast_fold(text[:200]))[:6]
    for i, word in enumerate(words):
        if word in _SKIP_WORDS:
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word == "carry" and nxt == "on":
            return 2
        if word == "carry" and nxt == "out":
            return 5
        if word == "set" and nxt == "up":
            return 5
        return _VERB_CATEGORY.get(word)
    return None


# -- one recommendation in the index ---------------------------------------------------------

_NATURAL = re.compile(r"(\d+)")


def _digits(match: re.Match[str]) -> str:
    return match.group().zfill(9)


def order_key(record: Mapping[str, Any]) -> str:
    """The list order as one string (string comparisons are C-fast: 100k sort in ~0.1 s).

    Latest cycle first, then mechanism, latest session, document, paragraph in natural order
    ("140.7" before "140.12"), id.
    """
    get = record.get
    cycle = get("cycle")
    session = get("session")
    if cycle.__class__ is not int or not 0 <= cycle <= 99:
        cycle = 0
    if session.__class__ is not int or not 0 <= session <= 999:
        session = 0
    para = get("paragraph")
    para = _NATURAL.sub(_digits, para) if para else ""
    return (
        f"{99 - cycle:02d}{get('mechanism') or ''}\x00{999 - session:03d}"
        f"{get('document') or ''}\x00{para}\x00{get('id') or ''}"
    )


class Entry:
    """One recommendation of the country: its id and cached display and search texts."""

    __slots__ = ("rid", "table", "triaged", "_line", "_folded")

    def __init__(self, rid: str, table: Mapping[str, dict[str, Any]], triaged: bool) -> None:
        self.rid = rid
        self.table = table
        self.triaged = triaged
        self._line: str | None = None
        self._folded: str | None = None

    @property
    def record(self) -> dict[str, Any]:
        return self.table[self.rid]

    @property
    def line(self) -> str:
        """The start of the text on one line, cleaned (cached until the text changes)."""
        if self._line is None:
            self._line = clean_line(str(self.record.get("text") or ""))[:300]
        return self._line

    @property
    def folded(self) -> str:
        """What search looks in: text, paragraph, recommending States and note, folded."""
        if self._folded is None:
            rec = self.record
            parts = [
                str(rec.get("text") or ""),
                str(rec.get("paragraph") or ""),
                str(rec.get("note") or ""),
            ]
            parts.extend(state_name(c) for c in rec.get("recommending") or ())
            self._folded = fast_fold(" ".join(parts))
        return self._folded

    def forget(self, fields: Iterable[str]) -> None:
        fields = set(fields)
        if fields & {"text", "*"}:
            self._line = None
        if fields & {"text", "paragraph", "note", "recommending", "*"}:
            self._folded = None

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Entry({self.rid!r})"


# -- filters -----------------------------------------------------------------------------------

FACETS: tuple[str, ...] = (
    "position",
    "priority",
    "cluster",
    "entity",
    "status",
    "recommending",
    "theme",
    "sdg",
    "mechanism",
    "kind",
    "cycle",
    "triaged",
)
FACET_LABELS: dict[str, str] = {
    "position": "Position",
    "priority": "Priority",
    "cluster": "Cluster",
    "entity": "UN entity (lead or partner)",
    "status": "Implementation status",
    "recommending": "Recommending State",
    "theme": "Theme",
    "sdg": "SDG",
    "mechanism": "Mechanism",
    "cycle": "Cycle",
    "triaged": "Triaged or not",
    "kind": "Recommendation or voluntary pledge",
}
NONE = ""  # the facet value of a record without one (no cluster, no theme, …)


def facet_values(facet: str, rec: Mapping[str, Any]) -> list[str]:
    """The values a record has for a facet ("" when it has none)."""
    if facet == "position":
        return [str(rec.get("position") or "pending")]
    if facet == "priority":
        return [str(rec.get("priority") or "none")]
    if facet == "status":
        return [str(rec.get("status") or "no_information")]
    if facet == "mechanism":
        return [str(rec.get("mechanism") or "UPR")]
    if facet == "cluster":
        return [str(rec.get("cluster") or "")]
    if facet == "cycle":
        cycle = rec.get("cycle")
        return [str(cycle) if cycle not in (None, "") else NONE]
    if facet == "triaged":
        return ["yes" if rec.get("triaged") else "no"]
    if facet == "kind":
        return ["pledge" if rec.get("kind") == "pledge" else "recommendation"]
    if facet == "entity":
        out = [str(rec["lead_entity"])] if rec.get("lead_entity") else []
        out.extend(str(p) for p in rec.get("partners") or ())
        return out or [NONE]
    if facet == "recommending":
        return [str(s) for s in rec.get("recommending") or ()] or [NONE]
    if facet == "theme":
        return [str(s) for s in rec.get("themes") or ()] or [NONE]
    if facet == "sdg":
        goals = {str(s).split(".", 1)[0] for s in rec.get("sdgs") or ()}
        return sorted(goals, key=lambda g: (len(g), g)) or [NONE]
    raise KeyError(facet)


def facet_label(facet: str, value: str, *, short: bool = False) -> str:
    """How a facet value reads on screen ("supported in part", "SDG 16", "undecided")."""
    if value == NONE:
        return "(none)"
    if facet == "position":
        return (POSITION_SHORT if short else POSITION_LABELS).get(value, value)
    if facet == "priority":
        return f"{value} priority" if value != "none" else "no priority"
    if facet == "status":
        return (STATUS_SHORT if short else STATUS_LABELS).get(value, value)
    if facet == "triaged":
        return "triaged" if value == "yes" else "undecided"
    if facet == "kind":
        return "voluntary pledge" if value == "pledge" else "recommendation"
    if facet == "cycle":
        return f"cycle {value}"
    if facet == "sdg":
        if short:
            return f"SDG {value}"
        try:
            return f"SDG {value} {refdata.sdg(value).title}"
        except KeyError:
            return f"SDG {clean_line(value)}"
    if facet == "recommending":
        return state_name(value)
    return clean_line(value)


@dataclass(frozen=True)
class Filter:
    """Accepted values per facet (any of them; all facets must match) and a search text."""

    facets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    search: str = ""

    def with_facet(self, facet: str, values: Iterable[str]) -> Filter:
        if facet not in FACETS:
            raise KeyError(facet)
        facets = dict(self.facets)
        chosen = frozenset(values)
        if chosen:
            facets[facet] = chosen
        else:
            facets.pop(facet, None)
        return Filter(facets, self.search)

    def with_search(self, text: str) -> Filter:
        return Filter(dict(self.facets), clean_line(text))

    @property
    def is_empty(self) -> bool:
        return not self.facets and not self.search_terms

    @property
    def search_terms(self) -> list[str]:
        return search_words(self.search)

    def matches(self, entry: Entry, words: Sequence[str] | None = None) -> bool:
        rec = entry.record
        for facet, accepted in self.facets.items():
            if not any(v in accepted for v in facet_values(facet, rec)):
                return False
        words = self.search_terms if words is None else words
        if words:
            folded = entry.folded
            return all(w in folded for w in words)
        return True

    def describe(self) -> str:
        """The filter in a few words: ``supported, high`` (facets in a fixed order)."""
        parts: list[str] = []
        for facet in FACETS:
            values = self.facets.get(facet)
            if not values:
                continue
            labels = sorted(facet_label(facet, v, short=True) for v in values)
            if facet == "priority":
                labels = sorted(("no priority" if v == "none" else v) for v in values)
            parts.extend(labels)
        return ", ".join(parts)

    # Views are stored in the shared file: plain JSON, read back defensively (hostile input).
    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {f: sorted(v) for f, v in self.facets.items() if v}
        if self.search:
            out["search"] = self.search
        return out

    @classmethod
    def from_json(cls, data: Any) -> Filter:
        if not isinstance(data, Mapping):
            return cls()
        facets: dict[str, frozenset[str]] = {}
        for facet in FACETS:
            values = data.get(facet)
            if isinstance(values, list):
                kept = frozenset(str(v)[:200] for v in values[:500] if isinstance(v, str | int))
                if kept:
                    facets[facet] = kept
        search = data.get("search")
        return cls(facets, clean_line(search)[:500] if isinstance(search, str) else "")


# -- counter -----------------------------------------------------------------------------------


def percent(part: int, whole: int) -> int:
    """Rounded percentage that says 100 only when all are done and 0 only when none is."""
    if whole <= 0:
        return 0
    value = round(100 * part / whole)
    if value == 100 and part < whole:
        return 99
    if value == 0 and part > 0:
        return 1
    return value


def counter_text(shown: int, triaged: int, filt: Filter | None = None, marked: int = 0) -> str:
    """``312 recommendations · 140 triaged (45%) · filter: supported, high``."""
    noun = "recommendation" if shown == 1 else "recommendations"
    text = f"{shown:,} {noun} · {triaged:,} triaged ({percent(triaged, shown)}%)"
    if filt is not None:
        described = filt.describe()
        if described:
            text += f" · filter: {described}"
        if filt.search:
            text += f" · search: {filt.search}"
    if marked:
        text += f" · {marked} marked"
    return text


# -- next undecided ----------------------------------------------------------------------------


def next_undecided(
    rows: Sequence[Entry], start: int, step: int = 1, *, wrap: bool = True
) -> int | None:
    """Index of the first untriaged row after ``start`` (before it when ``step`` is -1).

    With ``wrap`` the search goes round the end and may come back to ``start`` itself.
    """
    n = len(rows)
    for k in range(1, n + 1):
        i = start + step * k
        if not wrap and not 0 <= i < n:
            return None
        i %= n
        if not rows[i].triaged:
            return i
    return None


# -- clusters -----------------------------------------------------------------------------------

_THEME_CODE = re.compile(r"^[A-Z]\d{1,3}(\.\d+)?\s+")
_STOP = frozenset("and the of for with from into other rights right human general".split())


def _stems(text: str) -> set[str]:
    words = _WORD_RE.findall(fast_fold(text))
    return {w[:5] for w in words if len(w) > 3 and w not in _STOP}


def theme_as_cluster(theme: str) -> str:
    """A theme turned into a cluster name: "A41 Constitutional framework" -> "Constitutional framework"."""
    return _THEME_CODE.sub("", clean_line(theme)).strip()


@dataclass
class ClusterRow:
    """Counts for one thematic cluster (the clusters screen and the national plan)."""

    name: str
    total: int = 0
    triaged: int = 0
    positions: Counter[str] = field(default_factory=Counter)
    priorities: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def progress(self) -> int:
        return percent(self.triaged, self.total)

    @property
    def implemented(self) -> int:
        return self.statuses["implemented"]


def _cluster_key(entry: Entry, rec: Mapping[str, Any]) -> tuple[str, bool, str, str, str]:
    return (
        str(rec.get("cluster") or ""),
        bool(entry.triaged),
        str(rec.get("position") or "pending"),
        str(rec.get("priority") or "none"),
        str(rec.get("status") or "no_information"),
    )


def _count_cluster(
    rows: dict[str, ClusterRow], key: tuple[str, bool, str, str, str], sign: int
) -> None:
    name, triaged, position, priority, status = key
    row = rows.get(name)
    if row is None:
        row = rows[name] = ClusterRow(name)
    row.total += sign
    row.triaged += sign * triaged
    row.positions[position] += sign
    row.priorities[priority] += sign
    row.statuses[status] += sign


def _copy_row(row: ClusterRow) -> ClusterRow:
    return ClusterRow(
        row.name, row.total, row.triaged, +row.positions, +row.priorities, +row.statuses
    )


def cluster_rows(entries: Iterable[Entry], clusters: Sequence[str] = ()) -> list[ClusterRow]:
    """One row per cluster (the country's list first, in its order), then "(no cluster)"."""
    rows: dict[str, ClusterRow] = {name: ClusterRow(name) for name in clusters}
    for entry in entries:
        _count_cluster(rows, _cluster_key(entry, entry.record), 1)
    out = [r for n, r in rows.items() if n]
    if "" in rows:
        out.append(rows[""])
    return out


# -- history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    """One change of a record as the detail pane lists it."""

    clock: str
    author: str
    field: str
    old: Any
    new: Any

    @property
    def when(self) -> str:
        """Local date and time of the change, from its clock's milliseconds."""
        import datetime as _dt

        try:
            ms = int(self.clock.split("|", 1)[0])
        except ValueError:
            return "?"
        return _dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")


def show_value(value: Any) -> str:
    """A stored value as a short display string."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(clean_line(str(v)) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{clean_line(str(k))}: {clean_line(str(v))}" for k, v in value.items())
    return clean_line(str(value))


# -- the index ----------------------------------------------------------------------------------


_CLUSTER_FIELDS = frozenset({"cluster", "themes", "groups", "*", "deleted", "country"})
_USED_FIELDS = frozenset({"lead_entity", "partners", "cf_outcome", "*"})


def _search(entries: Sequence[Entry], words: Sequence[str]) -> list[Entry]:
    """Entries whose folded text holds every word (a tight loop: 100k entries in ~20 ms)."""
    out: list[Entry] = []
    append = out.append
    if len(words) == 1:
        word = words[0]
        for entry in entries:
            folded = entry._folded
            if folded is None:
                folded = entry.folded
            if word in folded:
                append(entry)
        return out
    for entry in entries:
        folded = entry._folded
        if folded is None:
            folded = entry.folded
        for word in words:
            if word not in folded:
                break
        else:
            append(entry)
    return out


class TriageIndex:
    """A country's recommendations (not deleted) in list order, kept current by ``on_edit``."""

    def __init__(self, ws: Workspace, iso3: str) -> None:
        self.ws = ws
        self.iso3 = iso3
        self.table = ws.table(TABLE)
        table = self.table
        keyed = [
            (order_key(rec), rid, bool(rec.get("triaged")))
            for rid, rec in table.items()
            if rec.get("country") == iso3 and not rec.get("deleted")
        ]
        keyed.sort()
        self.entries: list[Entry] = [Entry(rid, table, triaged) for _key, rid, triaged in keyed]
        self.by_id: dict[str, Entry] = {e.rid: e for e in self.entries}
        self._history: dict[str, list[str]] | None = None
        self._last_search: tuple[dict[str, frozenset[str]], list[str], list[Entry]] | None = None
        self._cluster_stats: tuple[Counter[str], dict[str, Counter[str]]] | None = None
        # The clusters screen's counts, kept exact from each edit once counted (rid -> what
        # the record adds: cluster, triaged, position, priority, status).
        self._cluster_rows: dict[str, ClusterRow] | None = None
        self._cluster_key: dict[str, tuple[str, bool, str, str, str]] = {}
        # Entities and outcomes used on records (the e/E/o pickers): counted once, at the first
        # picker, then kept exact from each edit (rid -> what the record adds to the counts).
        self._used: dict[str, Counter[str]] | None = None
        self._used_by: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.version = 0  # bumped by every edit of one of its records (on_edit)
        self.stale = False  # records were added or removed: the screen should rebuild
        self.in_use = False  # a screen is keeping it current (else its owner does)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, rid: str) -> Entry | None:
        return self.by_id.get(rid)

    # -- views ---------------------------------------------------------------------------
    def view(self, filt: Filter | None = None) -> list[Entry]:
        """The entries a filter shows, in list order.

        Typing a search narrows the previous result instead of scanning everything again:
        when every word of the last search is inside a word of this one, the new matches
        are a subset of the last ones.
        """
        if filt is None or filt.is_empty:
            self._last_search = None
            return list(self.entries)
        words = filt.search_terms
        facets = dict(filt.facets)
        candidates = self.entries
        last = self._last_search
        if (
            words
            and last is not None
            and last[0] == facets
            and last[1]
            and all(any(old in new for new in words) for old in last[1])
        ):
            candidates = last[2]
        elif facets:
            candidates = [e for e in self.entries if Filter(facets).matches(e, ())]
        rows = _search(candidates, words) if words else list(candidates)
        self._last_search = (facets, words, rows) if words else (facets, [], rows)
        return rows

    def prepare_search(self) -> None:
        """Fold every text now (once), so the first search keystroke is as fast as the rest."""
        for entry in self.entries:
            entry.folded  # noqa: B018 - fills the cache

    def facet_counts(self, facet: str, entries: Iterable[Entry] | None = None) -> Counter[str]:
        counts: Counter[str] = Counter()
        for entry in self.entries if entries is None else entries:
            counts.update(set(facet_values(facet, entry.record)))
        return counts

    # -- keeping current --------------------------------------------------------------------
    def on_edit(self, table: str, rid: str, fields: Sequence[str]) -> Entry | None:
        """Update caches after an edit; returns the entry when it is one of ours.

        A record that joins or leaves the country (new, deleted, moved) sets ``stale``.
        """
        if table != TABLE:
            return None
        entry = self.by_id.get(rid)
        rec = self.table.get(rid)
        belongs = rec is not None and rec.get("country") == self.iso3 and not rec.get("deleted")
        if entry is None:
            if belongs:
                self.stale = True
            return None
        self.version += 1
        if not belongs:
            self.stale = True
        entry.triaged = bool(rec.get("triaged")) if rec is not None else entry.triaged
        entry.forget(fields)
        self._last_search = None  # an edited record may now match, or no longer
        if not _CLUSTER_FIELDS.isdisjoint(fields):
            self._cluster_stats = None
        if self._used is not None and rec is not None and not _USED_FIELDS.isdisjoint(fields):
            self._count_used(rid, rec)
        if self._cluster_rows is not None and rec is not None:
            key = _cluster_key(entry, rec)
            old = self._cluster_key.get(rid)
            if key != old:
                if old is not None:
                    _count_cluster(self._cluster_rows, old, -1)
                _count_cluster(self._cluster_rows, key, 1)
                self._cluster_key[rid] = key
        if self._history is not None and rec is not None:
            history = self.ws.table("history")
            known = self._history.setdefault(rid, [])
            clocks = rec.get("_clock") or {}
            for fname in fields:
                clock = clocks.get(fname)
                if clock is None:
                    continue
                hid = history_id(rid, fname, clock)
                if hid in history and hid not in known:
                    known.append(hid)
        return entry

    # -- history ----------------------------------------------------------------------------
    def _index_history(
        self, rows: Iterable[tuple[str, Mapping[str, Any]]], index: dict[str, list[str]]
    ) -> dict[str, list[str]]:
        by_id = self.by_id
        for hid, row in rows:
            record = row.get("record")
            if record in by_id:
                index.setdefault(record, []).append(hid)
        return index

    def prepare_history(self) -> tuple[dict[str, list[str]], int] | None:
        """In a thread: index a snapshot of the history table (0.1–0.2 s at 100k rows), for
        ``adopt_history`` on the UI thread. ``list()`` of a dict is one C call: a consistent
        snapshot while the UI thread edits. None if the table changed under it anyway."""
        try:
            rows = list(self.ws.table("history").items())
        except RuntimeError:
            return None
        return self._index_history(rows, {}), len(rows)

    def adopt_history(self, prepared: tuple[dict[str, list[str]], int] | None) -> None:
        """On the UI thread: keep a prepared history index, with the rows added since its
        snapshot (history rows are only ever appended, so they are the ones after it)."""
        if prepared is None or self._history is not None:
            return
        index, seen = prepared
        table = self.ws.table("history")
        if len(table) < seen:
            return  # rows went away (the file was replaced): index lazily when needed
        self._history = self._index_history(islice(table.items(), seen, None), index)

    def history(self, rid: str) -> list[HistoryLine]:
        """Changes of one record, oldest first (the history table is indexed once, lazily)."""
        table = self.ws.table("history")
        if self._history is None:
            self._history = self._index_history(table.items(), {})
        lines: list[HistoryLine] = []
        for hid in self._history.get(rid, ()):
            row = table.get(hid)
            if row is None:
                continue
            lines.append(
                HistoryLine(
                    str(row.get("clock") or ""),
                    str(row.get("author") or ""),
                    str(row.get("field") or ""),
                    row.get("old"),
                    row.get("new"),
                )
            )
        lines.sort(key=lambda h: h.clock)
        return lines

    # -- the country's lists ----------------------------------------------------------------
    def country(self) -> Mapping[str, Any]:
        return country_record(self.ws, self.iso3)

    def country_list(self, name: str) -> list[str]:
        values = self.country().get(name) or []
        return [str(v) for v in values if isinstance(v, str)]

    def cluster_stats(self) -> tuple[Counter[str], dict[str, Counter[str]]]:
        """Records per cluster, and per theme (or group) the clusters chosen for it.

        One pass, cached until a cluster, theme or group changes (priority keys keep it).
        """
        if self._cluster_stats is None:
            self._cluster_stats = self._count_cluster_stats()
        return self._cluster_stats

    def _count_cluster_stats(self) -> tuple[Counter[str], dict[str, Counter[str]]]:
        counts: Counter[str] = Counter()
        votes: dict[str, Counter[str]] = {}
        for entry in self.entries:
            rec = entry.record
            cluster = str(rec.get("cluster") or "")
            counts[cluster] += 1
            if cluster:
                for tag in {*map(str, rec.get("themes") or ()), *map(str, rec.get("groups") or ())}:
                    votes.setdefault(tag, Counter())[cluster] += 1
        return counts, votes

    def _count_cluster_rows(
        self,
    ) -> tuple[dict[str, ClusterRow], dict[str, tuple[str, bool, str, str, str]]]:
        rows: dict[str, ClusterRow] = {}
        keys: dict[str, tuple[str, bool, str, str, str]] = {}
        for entry in self.entries:
            key = keys[entry.rid] = _cluster_key(entry, entry.record)
            _count_cluster(rows, key, 1)
        return rows, keys

    def cluster_table(self) -> list[ClusterRow]:
        """``cluster_rows(entries, clusters())``, counted once (0.15 s at 100k) and then kept
        exact from each edit, so the clusters screen opens at once."""
        if self._cluster_rows is None:
            self._cluster_rows, self._cluster_key = self._count_cluster_rows()
        rows = self._cluster_rows
        known = self.country_list("clusters")
        seen = {fast_fold(c) for c in known}
        used = sorted((n for n, r in rows.items() if n and r.total), key=fast_fold)
        names = known + [n for n in used if fast_fold(n) not in seen]
        out = [_copy_row(rows[n]) if n in rows else ClusterRow(n) for n in names]
        if rows.get("") is not None and rows[""].total:
            out.append(_copy_row(rows[""]))
        return out

    def clusters(self) -> list[str]:
        """The country's cluster list, then clusters used on records but missing from it."""
        known = self.country_list("clusters")
        seen = {fast_fold(c) for c in known}
        extra = sorted(set(self.cluster_stats()[0]) - {""}, key=fast_fold)
        return known + [c for c in extra if fast_fold(c) not in seen]

    def _count_used(self, rid: str, rec: Mapping[str, Any]) -> None:
        """Replace what one record adds to the entity and outcome counts."""
        assert self._used is not None
        entities, outcomes = self._used["entity"], self._used["outcome"]
        old = self._used_by.pop(rid, None)
        if old is not None:
            for value in old[0]:
                entities[value] -= 1
            for value in old[1]:
                outcomes[value] -= 1
        lead, partners, outcome = rec.get("lead_entity"), rec.get("partners"), rec.get("cf_outcome")
        if not (lead or partners or outcome):
            return  # most records: nothing to count
        now_entities = ((str(lead),) if lead else ()) + tuple(str(p) for p in partners or () if p)
        now_outcomes = (str(outcome),) if outcome else ()
        for value in now_entities:
            entities[value] += 1
        for value in now_outcomes:
            outcomes[value] += 1
        self._used_by[rid] = (now_entities, now_outcomes)

    def _count_used_all(
        self,
    ) -> tuple[dict[str, Counter[str]], dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]:
        used_by: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        table = self.table
        for rid in self.by_id:  # one tight pass
            rec = table[rid]
            lead, partners, outcome = (
                rec.get("lead_entity"),
                rec.get("partners"),
                rec.get("cf_outcome"),
            )
            if not (lead or partners or outcome):
                continue
            ents = ((str(lead),) if lead else ()) + (
                tuple([str(p) for p in partners if p]) if partners else ()
            )
            used_by[rid] = (ents, (str(outcome),) if outcome else ())
        entities = Counter(chain.from_iterable(e for e, _ in used_by.values()))
        outcomes = Counter(chain.from_iterable(o for _, o in used_by.values()))
        return {"entity": entities, "outcome": outcomes}, used_by

    def _used_counts(self) -> dict[str, Counter[str]]:
        if self._used is None:
            self._used, self._used_by = self._count_used_all()
        return self._used

    # -- counting ahead, in a thread ----------------------------------------------------------
    @property
    def counted(self) -> bool:
        """True once the pickers' and clusters screen's counts exist (then kept by on_edit)."""
        return (
            self._cluster_stats is not None
            and self._cluster_rows is not None
            and self._used is not None
        )

    @property
    def history_indexed(self) -> bool:
        return self._history is not None

    def prepare_counts(self) -> tuple[int, Any, Any, Any]:
        """In a thread, once the list shows: what the cluster and entity pickers and the
        clusters screen count at their first use (0.1–0.3 s each at 100k). ``adopt_counts``
        keeps them if no record of the country changed meanwhile."""
        version = self.version
        return (
            version,
            self._count_cluster_stats(),
            self._count_cluster_rows(),
            self._count_used_all(),
        )

    def adopt_counts(self, prepared: tuple[int, Any, Any, Any]) -> None:
        """On the UI thread (where ``on_edit`` runs): keep counts made while nothing changed."""
        version, stats, (rows, keys), (used, used_by) = prepared
        if version != self.version or self.stale:
            return
        if self._cluster_stats is None:
            self._cluster_stats = stats
        if self._cluster_rows is None:
            self._cluster_rows, self._cluster_key = rows, keys
        if self._used is None:
            self._used, self._used_by = used, used_by

    def entities_used(self) -> list[str]:
        """Lead and partner entities on the country's records (the e and E pickers add the ones
        missing from the reference list); one pass at the first call, then kept current."""
        return sorted(v for v, n in self._used_counts()["entity"].items() if n > 0)

    def outcomes(self) -> list[str]:
        """The country's outcome list, then outcomes used on records but missing from it."""
        known = self.country_list("cf_outcomes")
        seen = {fast_fold(c) for c in known}
        used = (v for v, n in self._used_counts()["outcome"].items() if n > 0)
        extra = sorted(used, key=fast_fold)
        return known + [c for c in extra if fast_fold(c) not in seen]

    def suggest_cluster(self, rid: str) -> str | None:
        """A cluster for a recommendation, from its themes (and groups of persons).

        Its own cluster if it has one; what the team chose for others sharing a theme; a cluster
        whose name shares a word with a theme; then the first theme as a new cluster.
        """
        rec = self.table.get(rid)
        if rec is None:
            return None
        if rec.get("cluster"):
            return str(rec["cluster"])
        themes = [str(t) for t in rec.get("themes") or ()]
        groups = [str(g) for g in rec.get("groups") or ()]
        if not themes and not groups:
            return None
        votes: Counter[str] = Counter()
        by_tag = self.cluster_stats()[1]
        for tag in set(themes) | set(groups):
            votes.update(by_tag.get(tag, {}))
        if votes:
            return votes.most_common(1)[0][0]
        stems = set().union(*(_stems(theme_as_cluster(t)) for t in themes + groups))
        best: tuple[int, str] | None = None
        for cluster in self.clusters():
            score = len(stems & _stems(cluster))
            if score and (best is None or score > best[0]):
                best = (score, cluster)
        if best:
            return best[1]
        first = theme_as_cluster(themes[0] if themes else groups[0])
        return first or None


# -- the country record (read by the index's clusters and by the decisions) -----------------


def country_record(ws: Workspace, iso3: str) -> dict[str, Any]:
    """The country's record, or ``{}`` when there is none or it was undone (``deleted``)."""
    record = ws.get("countries", iso3)
    return record if record and not record.get("deleted") else {}
