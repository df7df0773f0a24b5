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
    """Each recommendation's links (both sides) and the judged pairs, kept current on edits."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.by_rec: dict[str, list[Link]] = {}
        self.judged: set[tuple[str, str]] = set()
        self.rebuild()

    def rebuild(self) -> None:
        by_rec: dict[str, list[Link]] = {}
        judged: set[tuple[str, str]] = set()
        for lid, record in self.ws.table(TABLE).items():
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


def linked(ws: Workspace, rid: str) -> list[Link]:
    """The links of one recommendation (one pass over the links table)."""
    return LinkIndex(ws).links(rid)


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
    later_ids.sort(key=lambda rid: (-(_int(records[rid].get("cycle"))), order_key(records[rid])))
    earlier_ids = sorted(records, key=lambda rid: order_key(records[rid]))
    if not later_ids or not earlier_ids:
        return []
    joined = {rid: " ".join(sorted(tokens[rid])) for rid in records}
    cutoff = max(0.0, min(1.0, min_score)) * 100
    choices = [joined[r] for r in earlier_ids]
    out: list[Suggestion] = []
    for rid in later_ids:
        rec = records[rid]
        found: list[tuple[float, str]] = []
        hits = process.extract(
            joined[rid], choices, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, limit=None
        )
        for _text, score, j in hits:
            other = earlier_ids[j]
            if score <= 0 or not _is_candidate(rec, records[other]):
                continue
            if index.is_judged(rid, other):
                continue
            found.append((float(score), other))
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
