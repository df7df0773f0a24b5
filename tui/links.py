"""Links between recommendations across cycles and mechanisms (issue 17 "Continuity").

A link is a record of the ``links`` table (schema 2), id ``LINK:<id a>|<id b>`` with the two ids
sorted (DESIGN §3), so two advisers linking the same pair make one record and a merge joins
them field by field. Fields: ``a``, ``b`` (the sorted ids), ``relation`` and ``deleted``:

- ``same``: the same recommendation, or its direct successor, in another cycle or mechanism;
- ``related``: about the same thing in other words (a treaty body's, say);
- ``rejected``: the team looked at a suggested pair and said no. Kept as a record so the
  judgement travels with the file and the pair is never suggested again, on any copy.

Every change is an ordinary edit through the workspace's one edit function (clocks, history,
undo, merge). A link is shown from both sides: :class:`LinkIndex` maps each id to its links.

Suggestions (:func:`suggest`) pair a State's recommendations of a later UPR cycle with those of
earlier cycles, and with treaty-body and special-procedure ones, by text similarity computed by
rapidfuzz (``token_sort_ratio`` over the words that carry meaning), with a score from 0 to 1 and
the reason (the rarest words both share).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from tui.store import Workspace

TABLE = "links"
RECS = "recommendations"
RELATIONS = ("same", "related")
REJECTED = "rejected"
PREFIX = "LINK:"

# Measured on Slovenia 2019 -> 2025 (issue 17): the ten known successor pairs score 0.73-1.00;
# at 0.60 about a third of cycle-4 recommendations get a suggestion (README "Links").
DEFAULT_MIN_SCORE = 0.6
MAX_CANDIDATES = 5
SAME_SCORE = 0.9  # accepted in bulk (--accept-above) at or above this: "same", else "related"

# Words that carry no meaning in a recommendation: they would make every pair look alike.
STOPWORDS = frozenset(
    """the a an of and to in on for with its all by as be that this from at or into their other
    any are is which such further continue ensure take measures including""".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


def link_id(a: str, b: str) -> str:
    """``LINK:<a>|<b>`` with the ids sorted: one record per pair, whoever links it."""
    first, second = sorted((a, b))
    return f"{PREFIX}{first}|{second}"


def _check_pair(ws: Workspace, a: str, b: str) -> tuple[str, str]:
    if a == b:
        raise ValueError("a recommendation cannot be linked to itself")
    recs = ws.table(RECS)
    for rid in (a, b):
        if rid not in recs:
            raise ValueError(f"no recommendation {rid!r}")
        if "|" in rid:
            raise ValueError(f"{rid!r}: an id with '|' cannot be linked")
    first, second = sorted((a, b))
    return first, second


def set_link(ws: Workspace, a: str, b: str, relation: str) -> bool:
    """Link (or reject) a pair: one edit of one record, one undo step unless in a group."""
    if relation not in (*RELATIONS, REJECTED):
        raise ValueError(f"relation must be one of same, related, rejected: {relation!r}")
    first, second = _check_pair(ws, a, b)
    return ws.edit(
        TABLE,
        link_id(first, second),
        {"a": first, "b": second, "relation": relation, "deleted": False},
    )


def unlink(ws: Workspace, a: str, b: str) -> bool:
    """Remove a link (``deleted``: nothing is hard-deleted, and the removal travels)."""
    lid = link_id(a, b)
    record = ws.get(TABLE, lid)
    if record is None or record.get("deleted"):
        return False
    return ws.edit(TABLE, lid, {"deleted": True})


def _pair(record: Mapping[str, Any]) -> tuple[str, str] | None:
    """The two ids of a link record, from its id (the fields could be tampered with)."""
    rid = record.get("id")
    if not isinstance(rid, str) or not rid.startswith(PREFIX) or rid.count("|") != 1:
        return None
    a, b = rid[len(PREFIX) :].split("|")
    if not a or not b or a == b:
        return None
    return a, b


@dataclass(frozen=True)
class Link:
    """One side's view of a link: the other recommendation and how they relate."""

    other: str
    relation: str
    link: str


class LinkIndex:
    """Each recommendation's links (both sides) and the judged pairs, kept current on edits.

    ``source`` is anything with ``table(name)``: a workspace, or an export's snapshot.
    """

    def __init__(self, source: Any) -> None:
        self.source = source
        self.by_rec: dict[str, list[Link]] = {}
        self.judged: set[tuple[str, str]] = set()
        self.rebuild()

    def rebuild(self) -> None:
        by_rec: dict[str, list[Link]] = {}
        judged: set[tuple[str, str]] = set()
        for lid, record in self.source.table(TABLE).items():
            pair = _pair(record)
            if pair is None or record.get("deleted"):
                continue
            relation = record.get("relation") or ""
            if relation == REJECTED:
                judged.add(pair)
            elif relation in RELATIONS:
                judged.add(pair)
                by_rec.setdefault(pair[0], []).append(Link(pair[1], relation, lid))
                by_rec.setdefault(pair[1], []).append(Link(pair[0], relation, lid))
        self.by_rec, self.judged = by_rec, judged

    def on_edit(self, table: str, rid: str, fields: Sequence[str]) -> None:
        """A workspace listener: links are few, so a change rebuilds the index."""
        if table == TABLE:
            self.rebuild()

    def links(self, rid: str) -> list[Link]:
        return list(self.by_rec.get(rid, ()))

    def is_judged(self, a: str, b: str) -> bool:
        return tuple(sorted((a, b))) in self.judged


_INDEXES: dict[int, tuple[Any, LinkIndex]] = {}


def index_for(ws: Workspace) -> LinkIndex:
    """The workspace's link index, built once and kept current from its edit notifications."""
    held = _INDEXES.get(id(ws))
    if held is not None and held[0] is ws:
        return held[1]
    index = LinkIndex(ws)
    ws.subscribe(index.on_edit)
    _INDEXES[id(ws)] = (ws, index)
    return index


# -- what the detail pane, carry forward and the exports show ---------------------------------

DECIDED_FIELDS = ("status", "evidence", "cluster", "lead_entity", "partners", "cf_outcome")
CARRIED_FIELDS = ("cluster", "lead_entity", "partners", "cf_outcome")


@dataclass(frozen=True)
class LinkedView:
    """A linked recommendation as the detail pane lists it (raw values; the screen labels)."""

    rid: str
    relation: str
    where: str  # "UPR cycle 3", "CRC"
    cycle: int | None
    paragraph: str
    position: str
    status: str
    evidence: str
    decided_by: str  # author of the newest decision on it ("" if none)
    decided_clock: str
    known: bool  # False: the other id is not in this workspace


def _cycle(rec: Mapping[str, Any]) -> int | None:
    cycle = rec.get("cycle")
    return cycle if isinstance(cycle, int) and not isinstance(cycle, bool) else None


def decided(rec: Mapping[str, Any]) -> tuple[str, str]:
    """(author, clock) of the newest edit of a decision field: who decided, from the clocks."""
    clocks = rec.get("_clock") or {}
    if not isinstance(clocks, Mapping):
        return "", ""
    best = ""
    for fname in DECIDED_FIELDS:
        clock = clocks.get(fname)
        if isinstance(clock, str) and (not best or _clock_key(clock) > _clock_key(best)):
            best = clock
    parts = best.split("|", 2)
    return (parts[2] if len(parts) == 3 else ""), best


def _clock_key(clock: str) -> tuple[int, int, str]:
    parts = clock.split("|", 2)
    try:
        return int(parts[0]), int(parts[1]), parts[2]
    except (ValueError, IndexError):
        return (0, 0, "")


def _where(rec: Mapping[str, Any]) -> str:
    mechanism = str(rec.get("mechanism") or "UPR")
    if mechanism == "UPR":
        cycle = _cycle(rec)
        return f"UPR cycle {cycle}" if cycle is not None else "UPR"
    return f"{mechanism} {rec.get('body') or ''}".strip()


def linked_views(source: Any, rid: str, index: LinkIndex) -> list[LinkedView]:
    """The recommendations linked to ``rid``, latest cycle first, then by paragraph."""
    from tui.triage import order_key

    recs = source.table(RECS)
    out: list[tuple[tuple[Any, ...], LinkedView]] = []
    for link in index.links(rid):
        rec = recs.get(link.other)
        if rec is None or rec.get("deleted"):
            view = LinkedView(link.other, link.relation, "", None, "", "", "", "", "", "", False)
            out.append(((1, 0, link.other), view))
            continue
        author, clock = decided(rec)
        view = LinkedView(
            rid=link.other,
            relation=link.relation,
            where=_where(rec),
            cycle=_cycle(rec),
            paragraph=str(rec.get("paragraph") or ""),
            position=str(rec.get("position") or ""),
            status=str(rec.get("status") or ""),
            evidence=str(rec.get("evidence") or ""),
            decided_by=author,
            decided_clock=clock,
            known=True,
        )
        out.append(((0, -(view.cycle or 0), order_key(rec)), view))
    out.sort(key=lambda item: item[0])
    return [view for _key, view in out]


def previous(source: Any, rid: str, index: LinkIndex) -> list[Mapping[str, Any]]:
    """Linked UPR recommendations of the latest earlier cycle, ``same`` links first."""
    recs = source.table(RECS)
    rec = recs.get(rid)
    own = _cycle(rec) if rec else None
    if own is None:
        return []
    found: list[tuple[int, int, str, Mapping[str, Any]]] = []
    for link in index.links(rid):
        other = recs.get(link.other)
        if other is None or other.get("deleted") or other.get("mechanism", "UPR") != "UPR":
            continue
        cycle = _cycle(other)
        if cycle is None or cycle >= own:
            continue
        found.append((-cycle, 0 if link.relation == "same" else 1, link.other, other))
    found.sort(key=lambda f: f[:3])
    return [f[3] for f in found if f[0] == found[0][0]]


def previous_cycle_cell(source: Any, record: Mapping[str, Any], index: LinkIndex) -> str:
    """The matrix's and annex's ``Previous cycle``: linked earlier paragraphs with status.

    ``122.2 (cycle 3, implemented); 121.37 (cycle 3, in progress)`` — every earlier UPR cycle.
    """
    from tui.ids import natural_key
    from tui.labels import STATUS_LABELS, label, plain

    recs = source.table(RECS)
    own = _cycle(record)
    parts: list[tuple[int, str, str]] = []
    for link in index.links(str(record.get("id") or "")):
        other = recs.get(link.other)
        if other is None or other.get("deleted") or other.get("mechanism", "UPR") != "UPR":
            continue
        cycle = _cycle(other)
        if cycle is None or own is None or cycle >= own:
            continue
        status = label(STATUS_LABELS, other.get("status"))
        parts.append(
            (-cycle, plain(other.get("paragraph")), f"cycle {cycle}, {status}" if status else "")
        )
    parts.sort(key=lambda p: (p[0], natural_key(p[1])))
    return "; ".join(f"{para} ({info})" if info else para for _c, para, info in parts)


def current_status(source: Any, record: Mapping[str, Any], index: LinkIndex) -> tuple[str, str]:
    """(status, paragraph it comes from): the newest status among the record and its later
    ``same`` successors, so a previous cycle's recommendation shows how far it got now."""
    from tui.store import field_clock

    recs = source.table(RECS)
    best = (_clock_key(field_clock(record, "status")), str(record.get("status") or ""), "")
    own = _cycle(record)
    for link in index.links(str(record.get("id") or "")):
        if link.relation != "same":
            continue
        other = recs.get(link.other)
        if other is None or other.get("deleted"):
            continue
        cycle = _cycle(other)
        if own is None or cycle is None or cycle <= own:
            continue
        if "status" not in (other.get("_clock") or {}):
            continue  # never decided there: the import's default says nothing
        key = _clock_key(field_clock(other, "status"))
        if key > best[0]:
            best = (key, str(other.get("status") or ""), str(other.get("paragraph") or ""))
    return best[1], best[2]


def carry_forward(ws: Workspace, iso3: str, rids: Sequence[str]) -> int:
    """Copy the previous cycle's cluster, lead entity, partners and CF outcome onto each of
    ``rids`` from its linked earlier-cycle recommendation, as ONE undo step.

    Only values the previous recommendation has are copied (an empty one never blanks a
    decision), and the copy marks the recommendation triaged, as any decision does.
    Returns how many recommendations changed.
    """
    from tui.triage import add_to_country_list

    index = index_for(ws)
    changed = 0
    with ws.undo_group(f"carry forward ({len(rids)} recommendation(s))"):
        for rid in rids:
            sources = previous(ws, rid, index)
            if not sources:
                continue
            prev = sources[0]
            values: dict[str, Any] = {}
            for fname in CARRIED_FIELDS:
                value = prev.get(fname)
                if value:
                    values[fname] = list(value) if isinstance(value, list) else value
            if not values:
                continue
            values["triaged"] = True
            if values.get("cluster"):
                add_to_country_list(ws, iso3, "clusters", str(values["cluster"]))
            if values.get("cf_outcome"):
                add_to_country_list(ws, iso3, "cf_outcomes", str(values["cf_outcome"]))
            changed += ws.edit(RECS, rid, values)
    return changed


# -- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A later recommendation, an earlier candidate, how alike (0..1) and why."""

    rid: str
    paragraph: str
    cycle: str
    candidate: str
    candidate_paragraph: str
    candidate_cycle: str
    score: float
    reason: str


def words(text: str) -> list[str]:
    """The words of a text that carry meaning, case-folded."""
    return [w for w in _WORD.findall(text.casefold()) if w not in STOPWORDS and len(w) > 1]


class TextPool:
    """Texts ready for similarity search: an inverted index picks the few texts that share
    the rarer words of a query, and rapidfuzz scores only those. Scoring every text would
    cost O(n) per query (1.4 s per recommendation at 100k) and O(n^2) for a State's links.
    Pools of up to ``EXACT`` texts are scored whole, so results there are exact.
    """

    SHORTLIST = 60
    EXACT = 3000  # up to this many texts every one is scored (a State's cycles fit)

    def __init__(self, token_lists: Sequence[Sequence[str]]) -> None:
        self.joined = [" ".join(sorted(toks)) for toks in token_lists]
        postings: dict[str, list[int]] = {}
        for i, toks in enumerate(token_lists):
            for w in set(toks):
                postings.setdefault(w, []).append(i)
        n = len(token_lists)
        self.postings = postings
        self.idf = {w: math.log((n + 1) / (len(p) + 0.5)) for w, p in postings.items()}
        # A word found in more texts than this says little and would make every query long.
        self.common = max(50, n // 10)

    def __len__(self) -> int:
        return len(self.joined)

    def shortlist(self, toks: Iterable[str], limit: int = SHORTLIST) -> list[int]:
        """Indexes of the texts sharing the most (IDF-weighted) words with ``toks``."""
        weights: dict[int, float] = {}
        for w in set(toks):
            p = self.postings.get(w)
            if not p or len(p) > self.common:
                continue
            weight = self.idf[w]
            for i in p:
                weights[i] = weights.get(i, 0.0) + weight
        if len(weights) <= limit:
            return sorted(weights)
        return sorted(heapq.nlargest(limit, weights, key=weights.__getitem__))

    def search(
        self, toks: Sequence[str], scorer: Any, cutoff: float, limit: int = SHORTLIST
    ) -> list[tuple[float, int]]:
        """(score 0-100, index) of shortlisted texts scoring at least ``cutoff``, best first."""
        if len(self.joined) <= self.EXACT:
            ids = list(range(len(self.joined)))  # small enough to score every text
        else:
            ids = self.shortlist(toks, limit)
        if not ids:
            return []
        query = " ".join(sorted(toks))
        hits = process.extract(
            query, [self.joined[i] for i in ids], scorer=scorer, score_cutoff=cutoff, limit=None
        )
        return [(float(score), ids[j]) for _t, score, j in hits]


def _era(rec: Mapping[str, Any]) -> str:
    """How a record's cycle shows in suggestions: ``4`` for UPR, ``CRC`` for a treaty body."""
    if rec.get("mechanism", "UPR") == "UPR":
        cycle = rec.get("cycle")
        return str(cycle) if cycle not in (None, "") else "?"
    return str(rec.get("body") or rec.get("mechanism") or "?")


def _is_candidate(later: Mapping[str, Any], earlier: Mapping[str, Any]) -> bool:
    """Later UPR cycle -> earlier UPR cycle, or UPR -> treaty body / special procedure."""
    if later.get("mechanism", "UPR") != "UPR":
        return False
    if earlier.get("document") and earlier.get("document") == later.get("document"):
        return False
    if earlier.get("mechanism", "UPR") != "UPR":
        return True
    c_later, c_earlier = later.get("cycle"), earlier.get("cycle")
    return isinstance(c_later, int) and isinstance(c_earlier, int) and c_earlier < c_later


def _reason(a: list[str], b: list[str], df: Counter[str], score: float) -> str:
    if score >= 0.999:
        return "same text"
    shared = set(a) & set(b)
    if not shared:
        return "similar wording"
    rare = sorted(shared, key=lambda w: (df[w], -len(w), w))[:4]
    return "shared words: " + ", ".join(rare)


def country_records(ws: Workspace, iso3: str) -> dict[str, Mapping[str, Any]]:
    """A State's recommendations that can be linked (not deleted, not folded, not pledges)."""
    out: dict[str, Mapping[str, Any]] = {}
    for rid, rec in ws.table(RECS).items():
        if rec.get("country") != iso3 or rec.get("deleted") or rec.get("kind") == "pledge":
            continue
        if "|" in rid:
            continue
        out[rid] = rec
    return out


def suggest(
    ws: Workspace,
    iso3: str,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    limit: int = MAX_CANDIDATES,
    index: LinkIndex | None = None,
    only: Iterable[str] | None = None,
) -> list[Suggestion]:
    """Candidate links for a State's later-cycle recommendations, best first per paragraph.

    Pairs already linked or rejected are left out. ``only`` restricts to some later ids.
    """
    from tui.triage import order_key

    index = index or LinkIndex(ws)
    records = country_records(ws, iso3)
    tokens = {rid: words(str(rec.get("text") or "")) for rid, rec in records.items()}
    df: Counter[str] = Counter()
    for toks in tokens.values():
        df.update(set(toks))
    later_ids = [rid for rid, rec in records.items() if rec.get("mechanism", "UPR") == "UPR"]
    if only is not None:
        wanted = set(only)
        later_ids = [rid for rid in later_ids if rid in wanted]
    # Only records that can have a candidate: a UPR cycle after the first one held, or any
    # record when treaty bodies' or special procedures' are there too.
    upr_cycles = [
        _int(r.get("cycle")) for r in records.values() if r.get("mechanism", "UPR") == "UPR"
    ]
    others = any(r.get("mechanism", "UPR") != "UPR" for r in records.values())
    first = min(upr_cycles, default=0)
    later_ids = [rid for rid in later_ids if others or _int(records[rid].get("cycle")) > first]
    later_ids.sort(key=lambda rid: (-(_int(records[rid].get("cycle"))), order_key(records[rid])))
    earlier_ids = sorted(records, key=lambda rid: order_key(records[rid]))
    if not later_ids or not earlier_ids:
        return []
    pool = TextPool([tokens[r] for r in earlier_ids])
    cutoff = max(0.0, min(1.0, min_score)) * 100
    out: list[Suggestion] = []
    for rid in later_ids:
        rec = records[rid]
        found: list[tuple[float, str]] = []
        # The pool's texts are their words sorted: plain ratio is token_sort_ratio without
        # sorting every text again for every query (4x faster).
        for score, j in pool.search(tokens[rid], fuzz.ratio, cutoff):
            other = earlier_ids[j]
            if score <= 0 or not _is_candidate(rec, records[other]):
                continue
            if index.is_judged(rid, other):
                continue
            found.append((score, other))
        found.sort(key=lambda item: (-item[0], order_key(records[item[1]])))
        for score, other in found[:limit]:
            cand = records[other]
            value = round(score / 100, 2)
            out.append(
                Suggestion(
                    rid=rid,
                    paragraph=str(rec.get("paragraph") or ""),
                    cycle=_era(rec),
                    candidate=other,
                    candidate_paragraph=str(cand.get("paragraph") or ""),
                    candidate_cycle=_era(cand),
                    score=value,
                    reason=_reason(tokens[rid], tokens[other], df, value),
                )
            )
    return out


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def accept_above(ws: Workspace, suggestions: Iterable[Suggestion], threshold: float) -> int:
    """Accept every suggestion scoring at least ``threshold``, as ONE undo step.

    A near-identical text (score >= 0.9) becomes ``same``, the rest ``related``.
    """
    chosen = [s for s in suggestions if s.score >= threshold]
    changed = 0
    with ws.undo_group(f"accept {len(chosen)} suggested link(s)"):
        for s in chosen:
            relation = "same" if s.score >= SAME_SCORE else "related"
            changed += set_link(ws, s.rid, s.candidate, relation)
    return changed
