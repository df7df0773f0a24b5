"""Tags of a recommendation: themes, groups of persons, SDG goals and targets (issue 17).

The pickers offer the themes and groups used in OHCHR's thematic lists and UPR Info's issues
(``data/tags.yaml``), plus those already used in the workspace, and the 17 goals and 169 targets
(``data/sdg-targets.csv``, from the UN's global indicator framework as published by Open SDG).
Edits go through :func:`tui.triage.decide` (one undo step, a marked group at once); tagging is
classification, not a triage decision, so it does not mark a recommendation triaged.

Suggestions (:func:`suggest`): for an untagged recommendation, the tags of the most similar
tagged recommendations of the workspace (rapidfuzz, as for links), and SDG targets whose text
is alike. Nothing from the 2025 thematic list of Slovenia (upr48) is shipped or used: it is the
test of these suggestions (README "Tags").
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import yaml
from rapidfuzz import fuzz

from tui.paths import data_path

if TYPE_CHECKING:
    from tui.store import Workspace

TAG_FIELDS = ("themes", "groups", "sdgs")
RECS = "recommendations"


@dataclass(frozen=True)
class SdgTarget:
    code: str  # "5.2", "16.b"
    goal: int
    text: str


@lru_cache(maxsize=1)
def sdg_targets() -> tuple[SdgTarget, ...]:
    """The 169 targets in order (``data/sdg-targets.csv``)."""
    with data_path("sdg-targets.csv").open(encoding="utf-8", newline="") as fh:
        rows = [
            SdgTarget(row["target"].strip(), int(row["goal"]), row["text"].strip())
            for row in csv.DictReader(fh)
        ]
    if len(rows) != 169 or {t.goal for t in rows} != set(range(1, 18)):
        raise ValueError("sdg-targets.csv: 169 targets of goals 1-17 expected")
    return tuple(rows)


@lru_cache(maxsize=1)
def _target_by_code() -> dict[str, SdgTarget]:
    return {t.code: t for t in sdg_targets()}


def sdg_label(code: str) -> str:
    """``5.2 Eliminate all forms of violence against all women and girls…`` (whole text) or
    ``16 Peace, justice and strong institutions`` for a goal; the code alone if unknown."""
    from tui import refdata

    code = str(code).strip()
    target = _target_by_code().get(code)
    if target is not None:
        return f"{code} {target.text}"
    try:
        return f"{code} {refdata.sdg(code).title}"
    except KeyError:
        return code


def sdg_choices() -> list[tuple[str, str]]:
    """(code, label) of every goal followed by its targets, in order."""
    from tui import refdata

    out: list[tuple[str, str]] = []
    targets = sdg_targets()
    for goal in refdata.sdgs():
        out.append((str(goal.number), f"{goal.number} {goal.title}"))
        out += [(t.code, f"{t.code} {t.text}") for t in targets if t.goal == goal.number]
    return out


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, list[str]]:
    with data_path("tags.yaml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    themes = [str(t) for part in (raw.get("themes") or {}).values() for t in part or ()]
    groups = [str(g) for part in (raw.get("groups") or {}).values() for g in part or ()]
    return {"themes": list(dict.fromkeys(themes)), "groups": list(dict.fromkeys(groups))}


def choices(ws: Workspace, field: str) -> list[tuple[str, int]]:
    """(value, how many recommendations use it) for ``themes`` or ``groups``: the shipped
    vocabulary and every value used in the workspace, most used first, then alphabetical."""
    if field not in ("themes", "groups"):
        raise ValueError(field)
    used: Counter[str] = Counter()
    for rec in ws.table(RECS).values():
        if rec.get("deleted"):
            continue
        values = rec.get(field)
        if isinstance(values, list):
            used.update(str(v) for v in values if isinstance(v, str) and v)
    names = dict.fromkeys([*_vocabulary()[field], *used])
    return sorted(((n, used.get(n, 0)) for n in names), key=lambda x: (-x[1], x[0].casefold()))


def set_tags(
    ws: Workspace, iso3: str, rids: Sequence[str], field: str, values: Iterable[str]
) -> int:
    """Set one tag field on recommendations (one undo step); returns how many changed."""
    from tui import triage
    from tui.sanitize import clean_line

    if field not in TAG_FIELDS:
        raise ValueError(f"not a tag field: {field!r}")
    cleaned = list(dict.fromkeys(clean_line(str(v)) for v in values if clean_line(str(v))))
    if field == "sdgs":
        known = {code for code, _label in sdg_choices()}
        unknown = [v for v in cleaned if v not in known]
        if unknown:
            raise ValueError(f"not an SDG goal or target: {unknown[0][:20]!r}")
    return triage.decide(ws, iso3, rids, {field: cleaned}, mark_triaged=False)


# -- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagSuggestion:
    themes: tuple[str, ...]
    groups: tuple[str, ...]
    sdgs: tuple[str, ...]
    sources: tuple[str, ...]  # ids of the tagged recommendations they come from

    @property
    def empty(self) -> bool:
        return not (self.themes or self.groups or self.sdgs)


NEIGHBOURS = 3
MIN_SIMILARITY = 45.0
TARGET_SIMILARITY = 60.0


class TagSuggester:
    """Tagged recommendations of a workspace (or of one State: a State's own lists are the
    closest, and the pool stays small), ready to suggest tags for untagged ones."""

    def __init__(self, ws: Workspace, country: str | None = None) -> None:
        from tui.links import TextPool, words

        self.country = country
        self.ids: list[str] = []
        self.tags: list[tuple[list[str], list[str], list[str]]] = []
        token_lists: list[list[str]] = []
        # list(): one C call, a consistent snapshot even if the UI thread edits meanwhile
        for rid, rec in list(ws.table(RECS).items()):
            if rec.get("deleted") or (country is not None and rec.get("country") != country):
                continue
            tags = tuple(
                [str(v) for v in rec.get(f) or () if isinstance(v, str)] for f in TAG_FIELDS
            )
            if not any(tags):
                continue
            self.ids.append(rid)
            token_lists.append(words(str(rec.get("text") or "")))
            self.tags.append(tags)  # type: ignore[arg-type]
        self.pool = TextPool(token_lists)
        self.targets = list(sdg_targets())
        self.target_pool = TextPool([words(t.text) for t in self.targets])

    def suggest(self, rec: Mapping[str, Any]) -> TagSuggestion:
        """Tags shared by the most similar tagged recommendations (weighted by similarity);
        SDG targets whose own text is alike are added to the SDG goals found."""
        from tui.links import words

        toks = words(str(rec.get("text") or ""))
        own = str(rec.get("id") or "")
        hits = [
            (score, j)
            for score, j in self.pool.search(toks, fuzz.token_set_ratio, MIN_SIMILARITY)
            if self.ids[j] != own
        ][:NEIGHBOURS]
        votes: list[dict[str, float]] = [{}, {}, {}]
        total = sum(score for score, _j in hits) or 1.0
        for score, j in hits:
            for k, values in enumerate(self.tags[j]):
                for v in set(values):
                    votes[k][v] = votes[k].get(v, 0.0) + score
        picked = [
            tuple(sorted((v for v, w in c.items() if w / total >= 0.5), key=str.casefold))
            for c in votes
        ]
        sdgs = list(picked[2])
        for _score, j in self.target_pool.search(toks, fuzz.token_set_ratio, TARGET_SIMILARITY)[:2]:
            code = self.targets[j].code
            if code not in sdgs:
                sdgs.append(code)
        return TagSuggestion(
            picked[0], picked[1], tuple(sdgs), tuple(self.ids[j] for _s, j in hits)
        )


def accept(ws: Workspace, iso3: str, rids: Sequence[str], suggester: TagSuggester) -> int:
    """Add each recommendation's suggested tags to its own, ONE undo step for all."""
    from tui import triage

    changed = 0
    with ws.undo_group(f"suggested tags ({len(rids)} recommendation(s))"):
        for rid in rids:
            rec = ws.get(RECS, rid)
            if rec is None:
                continue
            s = suggester.suggest(rec)
            values: dict[str, Any] = {}
            for fname, new in zip(TAG_FIELDS, (s.themes, s.groups, s.sdgs), strict=True):
                have = [str(v) for v in rec.get(fname) or ()]
                merged = list(dict.fromkeys([*have, *new]))
                if merged != have:
                    values[fname] = merged
            if values:
                changed += triage.decide(ws, iso3, [rid], values, mark_triaged=False)
    return changed
