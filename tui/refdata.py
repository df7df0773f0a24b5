"""Typed access to the reference data shipped in ``data/``: States, the UPR calendar, UN entities, SDGs.

Files are read lazily on first use (safe YAML loader / ``csv``) and cached for the process, so
importing this module costs nothing. Sources and caveats of every fact: ``data/SOURCES.md``.
No Textual here: screens and the command line both use it.
"""

from __future__ import annotations

import bisect
import csv
import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import yaml

from tui.paths import data_path

REGIONS: dict[str, str] = {
    "AG": "African Group",
    "APG": "Asia-Pacific Group",
    "EEG": "Eastern European Group",
    "GRULAC": "Latin American and Caribbean Group",
    "WEOG": "Western European and Others Group",
}

SESSION_CONFIDENCES = ("sourced", "inferred", "projected")
REVIEW_BASES = ("sourced", "projected", "reported", "uncertain")

# Longest name worth normalising: real State names are < 60 characters; anything longer is not a
# name, and refusing it early keeps hostile input from costing time.
_MAX_NAME = 200


class RefDataError(ValueError):
    """A shipped reference file is inconsistent (a packaging bug, never user input)."""


# The C loader is as safe as ``yaml.safe_load`` (no Python tags) and ~8x faster on states.yaml.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(name: str) -> Any:
    with data_path(name).open(encoding="utf-8") as f:
        return yaml.load(f, Loader=_SafeLoader)


# --------------------------------------------------------------------------- text folding


def fold(text: str) -> str:
    """Lower-case ``text`` and drop accents, for accent-insensitive filtering ("cote" ~ "Côte")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


_APOSTROPHES = dict.fromkeys(map(ord, "'’‘`´ʼ′"), None)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def name_key(name: str) -> str:
    """The form names are compared in: folded, entities decoded, punctuation and "the" dropped.

    "the former Yugoslav Republic of Macedonia", "Côte d’Ivoire", "St Kitts & Nevis" and
    "&#40;Unknown&#41;" become "former yugoslav republic of macedonia", "cote divoire",
    "saint kitts and nevis" and "unknown".
    """
    s = name
    for _ in range(2):  # "&amp;#40;" is double-escaped in some exports
        if "&" not in s:
            break
        s = html.unescape(s)
    s = fold(s).translate(_APOSTROPHES).replace("&", " and ")
    tokens = [t for t in _NON_ALNUM.split(s) if t and t != "the"]
    return " ".join("saint" if t == "st" else t for t in tokens)


# --------------------------------------------------------------------------- States


@dataclass(frozen=True)
class State:
    """A UN member State (or a non-member observer State, which recommends but is not reviewed)."""

    iso3: str
    name: str
    region: str
    observer: bool
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class _StateIndex:
    members: tuple[State, ...]  # sorted by name
    observers: tuple[State, ...]
    by_code: dict[str, State]
    exact: dict[str, str]  # raw spelling -> code (fast path for importers)
    by_key: dict[str, str]  # name_key -> code
    non_states: frozenset[str]  # name_keys


def _state_from(entry: dict[str, Any], observer: bool) -> State:
    try:
        iso3 = str(entry["iso3"])
        name = str(entry["name"])
        aliases = tuple(str(a) for a in entry.get("aliases") or ())
    except (KeyError, TypeError) as exc:
        raise RefDataError(f"states.yaml: bad entry {entry!r}") from exc
    region = "" if observer else str(entry.get("region", ""))
    if not observer and region not in REGIONS:
        raise RefDataError(f"states.yaml: {iso3}: unknown region {region!r}")
    if not re.fullmatch(r"[A-Z]{3}", iso3):
        raise RefDataError(f"states.yaml: bad ISO3 code {iso3!r}")
    return State(iso3=iso3, name=name, region=region, observer=observer, aliases=aliases)


@lru_cache(maxsize=1)
def _state_index() -> _StateIndex:
    raw = _load_yaml("states.yaml")
    members = [_state_from(e, False) for e in raw["states"]]
    observers = [_state_from(e, True) for e in raw.get("observers") or ()]
    by_code: dict[str, State] = {}
    exact: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for st in members + observers:
        if st.iso3 in by_code:
            raise RefDataError(f"states.yaml: {st.iso3} listed twice")
        by_code[st.iso3] = st
        for spelling in (st.iso3, st.name, *st.aliases):
            k = name_key(spelling)
            if by_key.setdefault(k, st.iso3) != st.iso3:
                raise RefDataError(
                    f"states.yaml: {spelling!r} ({st.iso3}) is also a name of {by_key[k]}"
                )
            exact[spelling] = st.iso3
    non_states = frozenset(name_key(str(n)) for n in raw.get("known_non_states") or ())
    clash = non_states & by_key.keys()
    if clash:
        raise RefDataError(f"states.yaml: known non-States that are also State names: {clash}")
    return _StateIndex(
        members=tuple(sorted(members, key=lambda s: fold(s.name))),
        observers=tuple(sorted(observers, key=lambda s: fold(s.name))),
        by_code=by_code,
        exact=exact,
        by_key=by_key,
        non_states=non_states,
    )


def states(include_observers: bool = False) -> list[State]:
    """The 193 member States (plus the observer States if asked), sorted by name, accents ignored."""
    idx = _state_index()
    if not include_observers:
        return list(idx.members)
    return sorted(idx.members + idx.observers, key=lambda s: fold(s.name))


def observers() -> list[State]:
    """The non-member observer States (Holy See, State of Palestine)."""
    return list(_state_index().observers)


def state(iso3: str) -> State:
    """The State (member or observer) with this ISO3 code; ``KeyError`` if unknown."""
    return _state_index().by_code[iso3.upper()]


def states_in_region(region: str) -> list[State]:
    """Member States of a UN regional group (``AG``, ``APG``, ``EEG``, ``GRULAC``, ``WEOG``)."""
    if region not in REGIONS:
        raise KeyError(region)
    return [s for s in _state_index().members if s.region == region]


def region_name(code: str) -> str:
    """Full name of a regional group code; ``KeyError`` if unknown."""
    return REGIONS[code]


@lru_cache(maxsize=8192)
def _resolve_key(name: str) -> str | None:
    if len(name) > _MAX_NAME:
        return None
    return _state_index().by_key.get(name_key(name))


def resolve_state(name: str) -> str | None:
    """ISO3 code (or observer code) for a State's name, alias or code; ``None`` if unknown.

    Case-, accent-, apostrophe- and punctuation-insensitive; ignores "the"; decodes HTML
    entities. A dict lookup on the raw spelling first, then a cached normalised lookup, so
    importers can call it for every row.
    """
    code = _state_index().exact.get(name)
    if code is not None:
        return code
    return _resolve_key(name)


def is_known_non_state(name: str) -> bool:
    """True for names that appear where a State is expected but are not one ("(Unknown)")."""
    if len(name) > _MAX_NAME:
        return False
    return name_key(name) in _state_index().non_states


def state_search_text(st: State) -> str:
    """Folded text of a State's code, name and aliases, for filter boxes."""
    return _search_texts()[st.iso3]


@lru_cache(maxsize=1)
def _search_texts() -> dict[str, str]:
    return {
        s.iso3: fold(" | ".join((s.iso3, s.name, *s.aliases)))
        for s in _state_index().by_code.values()
    }


def find_states(query: str, include_observers: bool = False) -> list[State]:
    """States whose code, name or an alias contains every word of ``query``, accents ignored.

    "cote" finds Côte d'Ivoire, "viet" Viet Nam, "congo" both Congos; an empty query finds all.
    """
    words = fold(query).split()
    texts = _search_texts()
    return [s for s in states(include_observers) if all(w in texts[s.iso3] for w in words)]


# --------------------------------------------------------------------------- sessions and reviews


@dataclass(frozen=True)
class Session:
    """A session of the UPR Working Group. ``confidence``: sourced | inferred | projected."""

    number: int
    cycle: int
    start: date
    end: date
    confidence: str
    source: str


@dataclass(frozen=True)
class Review:
    """One State's review in one cycle. ``basis`` says how its session is known (see SOURCES.md)."""

    iso3: str
    cycle: int
    session: Session
    basis: str
    note: str

    @property
    def start(self) -> date:
        return self.session.start

    @property
    def end(self) -> date:
        return self.session.end

    @property
    def is_sourced(self) -> bool:
        """Both the session of this review and the session's dates come from a published source."""
        return self.basis == "sourced" and self.session.confidence == "sourced"

    @property
    def caveat(self) -> str:
        """Short warning to show next to a date that is not sourced; empty when it is."""
        parts = []
        if self.basis != "sourced":
            parts.append(f"session {self.basis}")
        if self.session.confidence != "sourced":
            parts.append(f"dates {self.session.confidence}")
        return ", ".join(parts)


@lru_cache(maxsize=1)
def _sessions() -> dict[int, Session]:
    out: dict[int, Session] = {}
    with data_path("sessions.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            try:
                s = Session(
                    number=int(row["session"]),
                    cycle=int(row["cycle"]),
                    start=date.fromisoformat(row["start"]),
                    end=date.fromisoformat(row["end"]),
                    confidence=row["confidence"],
                    source=row["source"],
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise RefDataError(f"sessions.csv: bad row {row!r}") from exc
            if s.confidence not in SESSION_CONFIDENCES or s.start > s.end or s.number in out:
                raise RefDataError(f"sessions.csv: bad row {row!r}")
            out[s.number] = s
    return dict(sorted(out.items()))


def sessions() -> list[Session]:
    """Sessions 1–68 in order."""
    return list(_sessions().values())


def session(number: int) -> Session:
    """Session by number; ``KeyError`` if unknown."""
    return _sessions()[number]


def sessions_between(start: date, end: date) -> list[Session]:
    """Sessions overlapping the range ``start``..``end`` (both inclusive)."""
    return [s for s in _sessions().values() if s.start <= end and s.end >= start]


@dataclass(frozen=True)
class _Calendar:
    by_state: dict[str, tuple[Review, ...]]  # sorted by cycle
    by_end: tuple[Review, ...]  # all reviews sorted by (end, start, name)
    ends: tuple[date, ...]  # the ends of by_end, for bisect


@lru_cache(maxsize=1)
def _calendar() -> _Calendar:
    sess = _sessions()
    codes = _state_index().by_code
    by_state: dict[str, list[Review]] = {}
    with data_path("calendar.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            try:
                r = Review(
                    iso3=row["iso3"],
                    cycle=int(row["cycle"]),
                    session=sess[int(row["session"])],
                    basis=row["basis"],
                    note=row["note"],
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise RefDataError(f"calendar.csv: bad row {row!r}") from exc
            if r.iso3 not in codes or r.basis not in REVIEW_BASES:
                raise RefDataError(f"calendar.csv: bad row {row!r}")
            by_state.setdefault(r.iso3, []).append(r)
    frozen: dict[str, tuple[Review, ...]] = {}
    for iso3, rs in by_state.items():
        rs.sort(key=lambda r: r.cycle)
        if len({r.cycle for r in rs}) != len(rs):
            raise RefDataError(f"calendar.csv: {iso3} has two reviews in one cycle")
        frozen[iso3] = tuple(rs)
    everything = sorted(
        (r for rs in frozen.values() for r in rs),
        key=lambda r: (r.end, r.start, fold(codes[r.iso3].name)),
    )
    return _Calendar(
        by_state=frozen, by_end=tuple(everything), ends=tuple(r.end for r in everything)
    )


def reviews(iso3: str) -> list[Review]:
    """A State's reviews, by cycle (empty for observer States); ``KeyError`` for unknown codes."""
    code = state(iso3).iso3
    return list(_calendar().by_state.get(code, ()))


def review(iso3: str, cycle: int) -> Review | None:
    """A State's review in ``cycle``, or ``None`` (e.g. South Sudan in cycle 1)."""
    for r in reviews(iso3):
        if r.cycle == cycle:
            return r
    return None


def last_review(iso3: str, on: date) -> Review | None:
    """The latest review that ended on or before ``on``."""
    done = [r for r in reviews(iso3) if r.end <= on]
    return max(done, key=lambda r: r.end) if done else None


def next_review(iso3: str, on: date) -> Review | None:
    """The first review ending after ``on``: the one in progress on ``on``, or the next to come."""
    coming = [r for r in reviews(iso3) if r.end > on]
    return min(coming, key=lambda r: r.end) if coming else None


def current_or_next_review(iso3: str, on: date) -> Review | None:
    """Same as :func:`next_review` (named for callers that mean "in progress, or else upcoming")."""
    return next_review(iso3, on)


def review_phase(iso3: str, on: date) -> str:
    """Where ``on`` falls relative to the current-or-next review: "before", "during" or "after".

    "after" only when no review ends after ``on`` (past the last known cycle, or an observer).
    A session's last day counts as ended, matching :func:`last_review`.
    """
    r = current_or_next_review(iso3, on)
    if r is None:
        return "after"
    return "during" if r.start <= on else "before"


def upcoming_reviews(on: date, n: int, region: str | None = None) -> list[Review]:
    """The next ``n`` reviews (in progress on ``on`` or to come), soonest first; optionally one group."""
    if n <= 0:
        return []
    if region is not None and region not in REGIONS:
        raise KeyError(region)
    cal = _calendar()
    codes = _state_index().by_code
    pending = cal.by_end[bisect.bisect_right(cal.ends, on) :]
    if region is not None:
        pending = tuple(r for r in pending if codes[r.iso3].region == region)
    ordered = sorted(pending, key=lambda r: (r.start, r.session.number, fold(codes[r.iso3].name)))
    return ordered[:n]


# --------------------------------------------------------------------------- entities and SDGs


@dataclass(frozen=True)
class Entity:
    """A UN entity (or partner) that can lead or support follow-up: "UNDP" and its full name."""

    short: str
    name: str
    aliases: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _entities() -> tuple[tuple[Entity, ...], dict[str, Entity]]:
    raw = _load_yaml("entities.yaml")
    ents: list[Entity] = []
    lookup: dict[str, Entity] = {}
    for e in raw["entities"]:
        ent = Entity(
            short=str(e["short"]),
            name=str(e["name"]),
            aliases=tuple(str(a) for a in e.get("aliases") or ()),
        )
        ents.append(ent)
        for spelling in (ent.short, ent.name, *ent.aliases):
            k = name_key(spelling)
            if lookup.setdefault(k, ent) is not ent:
                raise RefDataError(f"entities.yaml: {spelling!r} names two entities")
    return tuple(ents), lookup


def entities() -> list[Entity]:
    """UN entities in file order (resident coordinator system and the most common leads first)."""
    return list(_entities()[0])


def entity(short: str) -> Entity:
    """Entity by acronym, alias or full name, case- and punctuation-insensitive; ``KeyError``."""
    ent = _entities()[1].get(name_key(short)) if len(short) <= _MAX_NAME else None
    if ent is None:
        raise KeyError(short)
    return ent


def resolve_entity(name: str) -> str | None:
    """Acronym of the entity this name refers to ("UN Women", "unwomen", "UNWTO" -> "UN Tourism")."""
    try:
        return entity(name).short
    except KeyError:
        return None


@dataclass(frozen=True)
class Sdg:
    """A Sustainable Development Goal: number, short title ("No poverty") and the goal's text."""

    number: int
    title: str
    text: str


@lru_cache(maxsize=1)
def _sdgs() -> tuple[Sdg, ...]:
    raw = _load_yaml("sdgs.yaml")
    goals = tuple(
        Sdg(number=int(g["number"]), title=str(g["title"]), text=str(g["text"]))
        for g in raw["sdgs"]
    )
    if [g.number for g in goals] != list(range(1, 18)):
        raise RefDataError("sdgs.yaml: goals must be 1..17 in order")
    return goals


def sdgs() -> list[Sdg]:
    """The 17 goals in order."""
    return list(_sdgs())


def sdg(number: int | str) -> Sdg:
    """Goal by number (``16`` or ``"16"``); ``KeyError`` if not 1–17."""
    try:
        n = int(number)
    except (TypeError, ValueError):
        raise KeyError(number) from None
    if not 1 <= n <= 17:
        raise KeyError(number)
    return _sdgs()[n - 1]
