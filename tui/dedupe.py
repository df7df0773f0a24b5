"""Every recommendation once (DESIGN §3, issue 14 point 4): find and fold duplicate records.

Two records are the same recommendation when
- they are the same paragraph of the same review: State under review, UPR session and
  paragraph, with (nearly) the same text (one report imported under two file names, once with
  the symbol taken from its name and once without);
- one has no paragraph (a UPR Info row) and its text matches a paragraph record of the same
  review: same State and session, text similarity at least ``MATCH_SCORE`` (rapidfuzz), and a
  recommending State in common when both name one;
- one carries a content-hash id (``UPR:h:…``) although its source gave a paragraph (reports
  imported before ids were ``UPR:<ISO3>/<session>:<paragraph>``): it becomes that id.

Folding keeps one record (the *survivor*: a paragraph record before one without, a document
symbol id before a review id before a hash id, then the smaller id). The survivor takes in the
import fields of the others (themes, groups, SDGs, recommending States, action category: the
import rules of ``tui.importers.apply``) and, per decision field, the value edited last among
them. Each folded record keeps its fields and gets ``deleted: true`` and ``merged_into``; merge
(``tui.merge``) keeps such a record deleted, so a copy made before the fold cannot bring it back.

Everything here is a pure function of the records, in a fixed order, so two machines folding
the same file compute the same edits; ``apply_folds`` writes them through the store's one edit
function (``edit``, or ``apply_clocked`` with one given clock for a migration).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from tui.ids import normalise_for_hash, review_key, upr_id
from tui.model import DECISION_FIELDS, RECOMMENDATION
from tui.records import canonical, clock_order, merge_values

TABLE = "recommendations"
MATCH_SCORE = 90.0  # rapidfuzz ratio (0-100) of the normalised texts; Morocco 2012: all >= 98
MIN_PART = 40  # characters: a shorter text matched as a part of a paragraph would be too vague
SAME_PARAGRAPH_SCORE = 80.0  # same review and paragraph: only a different text tells them apart
_DEFAULTS = RECOMMENDATION.defaults()
_FOLDED_DECISIONS = tuple(sorted(DECISION_FIELDS - {"deleted", "merged_into"}))

Records = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Fold:
    """Records ``folded`` become one: ``survivor`` (created if it does not exist yet)."""

    survivor: str
    folded: tuple[str, ...]
    reason: str  # "same paragraph", "same text" (a row without paragraph), "hash id"
    renamed: bool = False  # the survivor is new: a hash id's review id

    @property
    def duplicates(self) -> int:
        """Records that were the same recommendation as another (a renamed one is not)."""
        return len(self.folded) - self.renamed


@dataclass
class FoldPlan:
    """The folds found, and the edits that carry them out, in a fixed order."""

    folds: list[Fold] = field(default_factory=list)
    edits: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def folded(self) -> int:
        return sum(len(f.folded) for f in self.folds)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.folds)

    @property
    def renamed(self) -> int:
        return sum(f.renamed for f in self.folds)


def live(record: Any) -> bool:
    """A record the lists show: not deleted, not folded into another."""
    return (
        isinstance(record, Mapping) and not record.get("deleted") and not record.get("merged_into")
    )


def review_of(record: Mapping[str, Any]) -> tuple[str, int] | None:
    """(State under review, UPR session), or None when either is unknown."""
    country, session = record.get("country"), record.get("session")
    if record.get("mechanism", "UPR") != "UPR" or not isinstance(country, str) or not country:
        return None
    if record.get("kind") == "pledge":
        return None  # a voluntary pledge is never matched to, nor folded with, recommendations
    if isinstance(session, bool) or not isinstance(session, int):
        return None
    return country, session


def review_id(country: str, session: int, paragraph: str) -> str:
    """Id of a paragraph of a report that states no symbol (DESIGN §3)."""
    return upr_id(review_key(country, session), paragraph)


def is_hash_id(rid: str) -> bool:
    return ":h:" in rid


def id_rank(rid: str, record: Mapping[str, Any]) -> tuple[int, int, str]:
    """Sort key of a survivor: paragraph first; symbol id, review id, other, hash id; then id."""
    paragraph = str(record.get("paragraph") or "")
    document = str(record.get("document") or "")
    if is_hash_id(rid):
        kind = 3
    elif paragraph and document and rid == upr_id(document, paragraph):
        kind = 0
    elif rid.startswith("UPR:"):
        kind = 1
    else:
        kind = 2
    return (0 if paragraph else 1, kind, rid)


def _norm(text: Any) -> str:
    return normalise_for_hash(text) if isinstance(text, str) else ""


def _recommending(record: Mapping[str, Any]) -> set[str]:
    value = record.get("recommending")
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def text_score(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Similarity 0-100 of two records' texts (rapidfuzz's normalised Indel ratio)."""
    return float(fuzz.ratio(_norm(a.get("text")), _norm(b.get("text"))))


def part_score(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Similarity of the shorter text to the best part of the longer one, 0-100.

    Cycle-1 reports join several States' recommendations in one paragraph, which UPR Info
    lists one by one: such a row is the same recommendation as a part of the paragraph. Only
    for texts of ``MIN_PART`` characters or more, and scored just under a whole-text match.
    """
    ta, tb = _norm(a.get("text")), _norm(b.get("text"))
    if min(len(ta), len(tb)) < MIN_PART:
        return 0.0
    return float(fuzz.partial_ratio(ta, tb)) - 0.5


class ReviewIndex:
    """Live recommendations by review, to match a new record to one already there."""

    def __init__(self, records: Records, *, reviews: set[tuple[str, int]] | None = None) -> None:
        self.records = records
        self.by_paragraph: dict[tuple[str, int, str], list[str]] = defaultdict(list)
        self.with_paragraph: dict[tuple[str, int], list[str]] = defaultdict(list)
        self.without_paragraph: dict[tuple[str, int], list[str]] = defaultdict(list)
        if reviews is not None and not reviews:
            return
        wanted = [
            rid
            for rid, record in records.items()
            if reviews is None or (isinstance(record, Mapping) and review_of(record) in reviews)
        ]
        for rid in sorted(wanted):
            self.add(rid, records[rid])

    def add(self, rid: str, record: Mapping[str, Any]) -> None:
        if not live(record):
            return
        review = review_of(record)
        if review is None:
            return
        paragraph = str(record.get("paragraph") or "").strip()
        if paragraph:
            self.by_paragraph[(*review, paragraph)].append(rid)
            self.with_paragraph[review].append(rid)
        else:
            self.without_paragraph[review].append(rid)

    def has_report(self, record: Mapping[str, Any]) -> bool:
        """True if the workspace holds paragraph records of this record's review."""
        review = review_of(record)
        return review is not None and bool(self.with_paragraph.get(review))

    def match(self, record: Mapping[str, Any], *, exclude: str = "") -> str | None:
        """The id of the live record that is the same recommendation as ``record``, if any."""
        review = review_of(record)
        if review is None:
            return None
        paragraph = str(record.get("paragraph") or "").strip()
        if paragraph:
            candidates = [
                rid
                for rid in self.by_paragraph.get((*review, paragraph), [])
                if rid != exclude and text_score(self.records[rid], record) >= SAME_PARAGRAPH_SCORE
            ]
            if candidates:
                return min(candidates, key=lambda r: id_rank(r, self.records[r]))
            return None
        return best_text_match(
            record, [r for r in self.with_paragraph.get(review, []) if r != exclude], self.records
        )


def best_text_match(record: Mapping[str, Any], pool: Iterable[str], records: Records) -> str | None:
    """The paragraph record of ``pool`` whose text is closest to ``record``'s, if close enough.

    A recommending State in common is required when both name one (two paragraphs of one
    report may share a text, addressed by different States), and for a match of a part
    (``part_score``); ties go to the most States in common, then to the survivor order.
    """
    mine = _recommending(record)
    best: tuple[float, int, tuple[int, int, str]] | None = None
    best_id = None
    for rid in pool:
        other = records[rid]
        theirs = _recommending(other)
        common = len(mine & theirs)
        if mine and theirs and not common:
            continue
        score = text_score(record, other)
        if score < MATCH_SCORE and common:
            score = part_score(record, other)
        if score < MATCH_SCORE:
            continue
        rank = id_rank(rid, other)
        key = (-score, -common, rank)
        if best is None or key < best:
            best, best_id = key, rid
    return best_id


# -- finding every fold of a table ------------------------------------------------------------


def find_folds(
    records: Records, *, reviews: set[tuple[str, int]] | None = None, rename: bool = True
) -> list[Fold]:
    """Every group of live records that are one recommendation (optionally of some reviews only).

    ``rename``: also give a hash id with a paragraph its review id (a fold of its own).
    """
    by_review: dict[tuple[str, int], list[str]] = defaultdict(list)
    for rid in sorted(records):
        record = records[rid]
        if not live(record):
            continue
        review = review_of(record)
        if review is None or (reviews is not None and review not in reviews):
            continue
        by_review[review].append(rid)
    folds: list[Fold] = []
    for review in sorted(by_review):
        folds.extend(_review_folds(review, by_review[review], records, rename))
    return folds


def _review_folds(
    review: tuple[str, int], rids: list[str], records: Records, rename: bool
) -> list[Fold]:
    """The folds of one review; ``rids`` sorted. Cheap when nothing is duplicated (one pass)."""
    paragraphs: dict[str, list[str]] = defaultdict(list)
    without: list[str] = []
    for rid in rids:
        paragraph = str(records[rid].get("paragraph") or "").strip()
        if paragraph:
            paragraphs[paragraph].append(rid)
        else:
            without.append(rid)
    by_survivor: dict[str, Fold] = {}
    survivors: dict[str, str] = {}  # paragraph record id -> its group's survivor, if not itself
    for paragraph, group in paragraphs.items():
        if len(group) == 1 and not (rename and is_hash_id(group[0])):
            continue  # the common case: one record for the paragraph, a stable id
        group.sort(key=lambda r: id_rank(r, records[r]))
        head = group[0]
        same = [
            r for r in group[1:] if text_score(records[r], records[head]) >= SAME_PARAGRAPH_SCORE
        ]
        survivor, renamed = head, False
        if rename and is_hash_id(head) and review_id(*review, paragraph) not in records:
            # No better id in the group: the paragraph's own review id (DESIGN §3).
            survivor, renamed = review_id(*review, paragraph), True
            same = [head, *same]
        for r in group:
            survivors[r] = survivor
        if same:
            reason = "hash id" if renamed and len(same) == 1 else "same paragraph"
            by_survivor[survivor] = Fold(survivor, tuple(same), reason, renamed)
    if without and paragraphs:
        pool = sorted(r for group in paragraphs.values() for r in group)
        matched: dict[str, list[str]] = defaultdict(list)
        for rid in without:
            target = best_text_match(records[rid], pool, records)
            if target is not None:
                matched[survivors.get(target, target)].append(rid)
        for survivor, rows in matched.items():
            fold = by_survivor.get(survivor)
            if fold is not None:
                by_survivor[survivor] = Fold(
                    survivor, (*fold.folded, *rows), fold.reason, fold.renamed
                )
            else:
                by_survivor[survivor] = Fold(survivor, tuple(rows), "same text")
    return [by_survivor[k] for k in sorted(by_survivor)]


# -- the edits of a fold -------------------------------------------------------------------------


def fold_edits(records: Records, folds: Iterable[Fold]) -> list[tuple[str, dict[str, Any]]]:
    """The edits (record id, values) that carry out ``folds``: survivors first, then the folded."""
    edits: list[tuple[str, dict[str, Any]]] = []
    folded_edits: list[tuple[str, dict[str, Any]]] = []
    for fold in folds:
        members = [records[r] for r in fold.folded]
        survivor = records.get(fold.survivor)
        current: dict[str, Any] | None = dict(survivor) if survivor is not None else None
        values: dict[str, Any] = {}
        if current is None:
            # A hash id becomes its review id: the new record starts from the best member.
            first = dict(members[0])
            values = {
                k: v
                for k, v in first.items()
                if k in RECOMMENDATION.editable and k not in ("deleted", "merged_into")
            }
            current = {**_DEFAULTS, **values}
        for member in sorted(members, key=lambda m: id_rank(str(m.get("id")), m)):
            incoming = dict(member)
            step = merge_values(current, incoming)
            values.update(step)
            current.update(step)
        group = [m for m in (survivor, *members) if m is not None]
        for fname in _FOLDED_DECISIONS:
            chosen = _latest_decision(group, fname)
            if chosen is not None and current.get(fname) != chosen:
                values[fname] = chosen
                current[fname] = chosen
        if values:
            edits.append((fold.survivor, values))
        for rid in fold.folded:
            folded_edits.append((rid, {"deleted": True, "merged_into": fold.survivor}))
    return edits + folded_edits


def _field_clock(record: Mapping[str, Any], fname: str) -> str:
    clocks = record.get("_clock") if isinstance(record.get("_clock"), Mapping) else {}
    return str(clocks.get(fname) or clocks.get("*") or "")  # type: ignore[union-attr]


def _latest_decision(group: list[Mapping[str, Any]], fname: str) -> Any:
    """The value of a decision field edited last in the group (defaults do not count)."""
    best: tuple[Any, str] | None = None
    value = None
    for record in group:
        candidate = record.get(fname, _DEFAULTS.get(fname))
        if candidate == _DEFAULTS.get(fname) or candidate in (None, "", []):
            continue
        key = (clock_order(_field_clock(record, fname)), canonical(candidate))
        if best is None or key > best:
            best, value = key, candidate
    return value


def plan(
    records: Records, *, reviews: set[tuple[str, int]] | None = None, rename: bool = True
) -> FoldPlan:
    """Folds and their edits for a recommendations table (``reviews``: only those)."""
    folds = find_folds(records, reviews=reviews, rename=rename)
    return FoldPlan(folds, fold_edits(records, folds))


def apply_folds(ws: Any, fold_plan: FoldPlan, *, clock: str | None = None) -> int:
    """Write a plan through the store's edit function; returns how many records changed."""
    changed = 0
    for rid, values in fold_plan.edits:
        if clock is None:
            changed += bool(ws.edit(TABLE, rid, values))
        else:
            changed += bool(ws.apply_clocked(TABLE, rid, values, clock))
    return changed


def duplicate_count(records: Records) -> int:
    """How many live records are duplicates of another (what ``upr check`` warns about)."""
    return sum(f.duplicates for f in find_folds(records))
