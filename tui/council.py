"""The Human Rights Council sessions that adopt UPR outcomes, and each review's documents.

Regular sessions are numbered from their year: ``3y - 6017`` (February–April), ``3y - 6016``
(June–July) and ``3y - 6015`` (September–October) in year ``y`` (HRC7 = March 2008, HRC58 =
February 2025). The Council adopts a review's outcome at the first regular session starting
about three months after the Working Group session ends: November → February–April,
January/February → June–July, April/May → September–October. For a review already held, the
Working Group report's symbol ``A/HRC/<n>/…`` names the session for certain, so it wins over
the rule when the workspace holds the report's recommendations.

Start dates come from ``data/council-sessions.csv`` where a published source gives them; any
other start is projected by a stated rule (see ``data/SOURCES.md``) and says so. No Textual here.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Protocol

from tui import refdata
from tui.paths import data_path

FIRST_NUMBERED = 7  # HRC7 (March 2008): the numbering rule holds from here on
SEASONS = ("Feb–Apr", "Jun–Jul", "Sep–Oct")
# "A/HRC/59/15": a Council document, the Working Group report of a review (not A/HRC/WG.6/…).
_REPORT_RE = re.compile(r"^A/HRC/(\d{1,3})/(\d{1,4})$")


@dataclass(frozen=True)
class CouncilSession:
    """A regular session of the Council. ``basis``: ``sourced`` (start published) or
    ``projected`` (start from the rule in SOURCES.md)."""

    number: int
    year: int
    season: str
    start: date
    end: date | None
    basis: str
    source: str

    @property
    def label(self) -> str:
        return f"HRC{self.number}"

    @property
    def caveat(self) -> str:
        """Empty when the start date is published; else says it is projected."""
        return "" if self.basis == "sourced" else "start projected"


@dataclass(frozen=True)
class Adoption:
    """The Council session that adopts (or adopted) one review's outcome, and how we know:
    ``report`` (the WG report's symbol in the workspace) or ``rule`` (months after the review)."""

    session: CouncilSession
    how: str
    report: str  # the WG report's symbol when known, else ""

    @property
    def caveat(self) -> str:
        parts = ["session by rule"] if self.how == "rule" else []
        if self.session.caveat:
            parts.append(self.session.caveat)
        return ", ".join(parts)


@dataclass(frozen=True)
class ReviewDocuments:
    """The documents of one review: the three the Working Group reviews, its report and the
    Council session that adopts it. ``report`` is "" until the workspace holds it."""

    review: refdata.Review
    national_report: str
    compilation: str
    stakeholders: str
    report: str
    adoption: Adoption


# --------------------------------------------------------------------------- session numbers


def session_number(year: int, season: int) -> int:
    """Number of the regular session of ``year`` in season 0 (Feb–Apr), 1 (Jun–Jul), 2 (Sep–Oct)."""
    if season not in (0, 1, 2):
        raise ValueError(f"season is 0, 1 or 2, not {season!r}")
    return 3 * year - 6017 + season


def session_year_season(number: int) -> tuple[int, int]:
    """(year, season) of a regular session numbered from 2008 on; ``KeyError`` before HRC7."""
    if number < FIRST_NUMBERED:
        raise KeyError(number)
    season = (number + 6017) % 3
    return (number + 6017 - season) // 3, season


def _last_monday_of_february(year: int) -> date:
    day = date(year, 3, 1) - timedelta(days=1)
    return day - timedelta(days=day.weekday())


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def projected_start(year: int, season: int) -> date:
    """The rule for a start not yet published: the last Monday of February, the Monday on or
    after 13 June, the Monday on or after 8 September. It gives the published starts of the
    sessions of 2022–2026 in data/council-sessions.csv but HRC56 (Tuesday 18 June 2024)."""
    if season == 0:
        return _last_monday_of_february(year)
    return _monday_on_or_after(date(year, 6, 13) if season == 1 else date(year, 9, 8))


@lru_cache(maxsize=1)
def _sourced() -> dict[int, tuple[date, date | None, str]]:
    out: dict[int, tuple[date, date | None, str]] = {}
    with data_path("council-sessions.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            try:
                number = int(row["session"])
                start = date.fromisoformat(row["start"])
                end = date.fromisoformat(row["end"]) if row.get("end") else None
                source = row["source"]
            except (KeyError, TypeError, ValueError) as exc:
                raise refdata.RefDataError(f"council-sessions.csv: bad row {row!r}") from exc
            year, season = session_year_season(number)
            month = (2, 6, 9)[season]
            if number in out or not source or not (month <= start.month <= month + 1):
                raise refdata.RefDataError(f"council-sessions.csv: bad row {row!r}")
            if start.year != year or (end is not None and end < start):
                raise refdata.RefDataError(f"council-sessions.csv: bad row {row!r}")
            out[number] = (start, end, source)
    return out


def council_session(number: int) -> CouncilSession:
    """Regular session ``number`` (HRC7 onwards), sourced start if shipped, else projected."""
    year, season = session_year_season(number)
    known = _sourced().get(number)
    if known is not None:
        start, end, source = known
        return CouncilSession(number, year, SEASONS[season], start, end, "sourced", source)
    rule = ("last Monday of February", "Monday on or after 13 June", "Monday on or after 8 Sep")
    return CouncilSession(
        number,
        year,
        SEASONS[season],
        projected_start(year, season),
        None,
        "projected",
        f"projected: {rule[season]}",
    )


# --------------------------------------------------------------------------- adoption


def adopting_session_by_rule(wg_end: date) -> int:
    """The number of the session that adopts an outcome, from the month the review ended:
    September–December → Feb–Apr of the next year, January–March → Jun–Jul, April–August →
    Sep–Oct (the Working Group meets in Jan/Feb, Apr/May and Oct/Nov)."""
    month = wg_end.month
    if month >= 9:
        return session_number(wg_end.year + 1, 0)
    if month <= 3:
        return session_number(wg_end.year, 1)
    return session_number(wg_end.year, 2)


def report_session(symbol: str) -> int | None:
    """``A/HRC/59/15`` → 59; ``None`` for anything that is not a Council document symbol."""
    m = _REPORT_RE.match(symbol.strip()) if isinstance(symbol, str) else None
    return int(m.group(1)) if m else None


def adoption(review: refdata.Review, report: str = "") -> Adoption:
    """The session that adopts ``review``'s outcome: the one the WG report names when it is
    given and plausible (HRC7 on, within 13 months after the review), else the rule's."""
    number = report_session(report) if report else None
    if number is not None and number >= FIRST_NUMBERED:
        session = council_session(number)
        if review.end <= session.start + timedelta(days=45) and (
            session.start - review.end
        ) <= timedelta(days=400):
            return Adoption(session, "report", report.strip())
    return Adoption(council_session(adopting_session_by_rule(review.end)), "rule", "")


def wg_reports(records: Iterable[Mapping[str, Any]], iso3: str) -> dict[int, str]:
    """Cycle → the WG report symbol (``A/HRC/n/m``) a country's recommendations cite.

    A record's cycle is its own, or else the calendar's cycle of its session. Deleted records
    and anything that is not a Council symbol are ignored (hostile files may say anything).
    """
    seen: dict[Any, tuple[Any, Any]] = {}
    for rec in records:
        if rec.get("country") == iso3 and not rec.get("deleted"):
            document = rec.get("document")
            if isinstance(document, str) and document not in seen:
                seen[document] = (rec.get("cycle"), rec.get("session"))
    return wg_reports_from(((d, *at) for d, at in seen.items()), iso3)


def wg_reports_from(documents: Iterable[tuple[Any, Any, Any]], iso3: str) -> dict[int, str]:
    """:func:`wg_reports` from (document, cycle, session) of a country's live recommendations,
    one per document (a caller walking them anyway collects these cheaply). Where a cycle cites
    several Council symbols, the earliest (lowest session, then number) wins: the same answer
    whatever the order of the records."""
    cycle_of_session = {r.session.number: r.cycle for r in _reviews(iso3)}
    best: dict[int, tuple[int, int, str]] = {}
    for symbol, cycle, session in documents:
        m = _REPORT_RE.match(symbol.strip()) if isinstance(symbol, str) else None
        if m is None:
            continue
        if not isinstance(cycle, int) or isinstance(cycle, bool):
            cycle = cycle_of_session.get(session) if isinstance(session, int) else None
        if cycle is None:
            continue
        key = (int(m.group(1)), int(m.group(2)), symbol.strip())
        if cycle not in best or key < best[cycle]:
            best[cycle] = key
    return {cycle: best[cycle][2] for cycle in sorted(best)}


class _Tables(Protocol):
    def table(self, name: str) -> Mapping[str, Mapping[str, Any]]: ...


def workspace_reports(ws: _Tables | None, iso3: str) -> dict[int, str]:
    """:func:`wg_reports` over a workspace's recommendations (a walk of the table: call it when
    a country's checklist starts or a brief is made, not on every frame)."""
    if ws is None:
        return {}
    return wg_reports(ws.table("recommendations").values(), iso3)


def adoption_day(ws: _Tables | None, iso3: str, cycle: int) -> date | None:
    """First day of the Council session adopting a country's review in ``cycle`` (the WG report
    in the workspace names it, else the rule does); ``None`` when no review is known."""
    review = next((r for r in _reviews(iso3) if r.cycle == cycle), None)
    if review is None:
        return None
    return adoption(review, workspace_reports(ws, iso3).get(cycle, "")).session.start


def _reviews(iso3: str) -> list[refdata.Review]:
    try:
        return refdata.reviews(iso3)
    except KeyError:
        return []


def review_documents(review: refdata.Review, report: str = "") -> ReviewDocuments:
    """Symbols of a review's documents; ``report`` is the WG report's symbol when known."""
    base = f"A/HRC/WG.6/{review.session.number}/{review.iso3}"
    adopted = adoption(review, report)
    return ReviewDocuments(
        review=review,
        national_report=f"{base}/1",
        compilation=f"{base}/2",
        stakeholders=f"{base}/3",
        report=adopted.report,
        adoption=adopted,
    )


def country_documents(iso3: str, reports: Mapping[int, str] | None = None) -> list[ReviewDocuments]:
    """Every review of a country with its documents, by cycle; ``reports`` from :func:`wg_reports`."""
    reports = reports or {}
    return [review_documents(r, reports.get(r.cycle, "")) for r in _reviews(iso3)]


def day_text(day: date) -> str:
    """``24 Feb 2025`` (no platform-specific strftime flags)."""
    return f"{day.day} {day:%b %Y}"


def adoption_text(adopted: Adoption) -> str:
    """``HRC58, from 24 Feb 2025`` plus what is not certain, in brackets."""
    text = f"{adopted.session.label}, from {day_text(adopted.session.start)}"
    return text + (f" ({adopted.caveat})" if adopted.caveat else "")


def report_text(docs: ReviewDocuments) -> str:
    """The WG report's symbol, or ``A/HRC/<n>/…`` (its session's number) until it is known."""
    return docs.report or f"A/HRC/{docs.adoption.session.number}/…"


def adopted_short(adopted: Adoption) -> str:
    """``HRC59 16 Jun 2025``; ``~`` before a projected start, ``(rule)`` for a session by rule."""
    mark = "~" if adopted.session.basis != "sourced" else ""
    text = f"{adopted.session.label} {mark}{day_text(adopted.session.start)}"
    return text + (" (rule)" if adopted.how == "rule" else "")


def documents_line(docs: ReviewDocuments) -> str:
    """One line: ``A/HRC/WG.6/48/SVN/1, /2, /3 · report A/HRC/59/15 · HRC59, from 16 Jun 2025``."""
    return (
        f"{docs.national_report}, /2, /3 · report {report_text(docs)} · "
        f"{adoption_text(docs.adoption)}"
    )
