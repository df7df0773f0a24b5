"""The Council sessions that adopt UPR outcomes, and each review's documents (issue 18, 5.2–5.3)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tui import council, refdata
from tui.exports import checklist as checklists
from tui.paths import data_path
from tui.store import Workspace


def test_regular_sessions_are_numbered_from_their_year() -> None:
    assert council.session_number(2025, 0) == 58  # Feb–Apr 2025
    assert council.session_number(2009, 1) == 11  # June 2009: adopted Mexico's A/HRC/11/27
    assert council.session_number(2025, 2) == 60
    assert council.session_year_season(58) == (2025, 0)
    assert council.session_year_season(11) == (2009, 1)
    assert council.session_year_season(7) == (2008, 0)
    for n in range(7, 120):
        assert council.session_number(*council.session_year_season(n)) == n
    with pytest.raises(KeyError):
        council.session_year_season(6)  # 2006-2007 sessions do not follow the rule


def test_shipped_council_starts_are_sourced_and_the_rest_projected() -> None:
    hrc58 = council.council_session(58)
    assert (hrc58.start, hrc58.basis, hrc58.caveat) == (date(2025, 2, 24), "sourced", "")
    assert "ungeneva.org" in hrc58.source and hrc58.label == "HRC58"
    hrc65 = council.council_session(65)  # June 2027: not published
    assert hrc65.basis == "projected" and hrc65.caveat == "start projected"
    assert hrc65.start == date(2027, 6, 14) and hrc65.start.weekday() == 0
    assert council.council_session(64).start == date(2027, 2, 22)  # last Monday of February
    assert council.council_session(66).start == date(2027, 9, 13)
    with data_path("council-sessions.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(row["source"] for row in rows)
    # The projection rule gives the published starts of 2022-2026 but HRC56 (a Tuesday).
    for row in rows:
        n = int(row["session"])
        year, season = council.session_year_season(n)
        assert date.fromisoformat(row["start"]).year == year
        if year >= 2022 and n != 56:
            assert council.projected_start(year, season).isoformat() == row["start"], n


@pytest.mark.parametrize(
    ("end", "session"),
    [
        (date(2024, 11, 15), 58),  # November -> Feb-Apr of the next year
        (date(2025, 1, 31), 59),  # January -> Jun-Jul
        (date(2022, 2, 3), 50),  # February -> Jun-Jul
        (date(2025, 5, 9), 60),  # May -> Sep-Oct
        (date(2017, 5, 12), 36),  # UPR27 -> HRC36 (upr-info.org)
        (date(2022, 11, 18), 52),  # UPR41 (India, Finland, Philippines) -> HRC52, March 2023
        (date(2009, 2, 13), 11),  # UPR4 (Mexico) -> HRC11
    ],
)
def test_adopting_session_by_rule(end: date, session: int) -> None:
    assert council.adopting_session_by_rule(end) == session


def test_norway_session_47_is_adopted_at_hrc58() -> None:
    review = refdata.review("NOR", 4)
    assert review is not None and review.session.number == 47
    adopted = council.adoption(review)
    assert adopted.session.number == 58 and adopted.session.start == date(2025, 2, 24)
    assert adopted.how == "rule" and adopted.caveat == "session by rule"


def test_the_wg_report_symbol_names_the_session_of_a_review_held() -> None:
    mexico = refdata.review("MEX", 1)
    assert mexico is not None
    adopted = council.adoption(mexico, "A/HRC/11/27")
    assert (adopted.session.number, adopted.how, adopted.report) == (11, "report", "A/HRC/11/27")
    # Session 1 (April 2008) was adopted at HRC8 in June 2008, sooner than the rule's HRC9.
    bahrain = refdata.review("BHR", 1)
    assert bahrain is not None
    assert council.adoption(bahrain).session.number == 9
    assert council.adoption(bahrain, "A/HRC/8/19").session.number == 8
    # A symbol that cannot be this review's report is not believed.
    for wrong in ("A/HRC/40/1", "A/HRC/WG.6/1/BHR/1", "A/HRC/3/1", "x"):
        assert council.adoption(bahrain, wrong).how == "rule", wrong


def test_wg_reports_from_recommendations() -> None:
    records = [
        {"country": "SVN", "cycle": 4, "document": "A/HRC/59/15"},
        {"country": "SVN", "cycle": 4, "document": "A/HRC/59/15"},
        {"country": "SVN", "cycle": 4, "document": "A/HRC/59/99"},  # a stray one
        {"country": "SVN", "session": 34, "document": "A/HRC/43/15"},  # cycle from session
        {"country": "SVN", "cycle": 2, "document": "A/HRC/28/1", "deleted": True},
        {"country": "SVN", "cycle": 1, "document": "\x1b]0;A/HRC/1/1"},
        {"country": "SVN", "cycle": True, "document": "A/HRC/9/9"},
        {"country": "HRV", "cycle": 4, "document": "A/HRC/62/1"},
    ]
    assert council.wg_reports(records, "SVN") == {3: "A/HRC/43/15", 4: "A/HRC/59/15"}


def test_review_documents() -> None:
    review = refdata.review("NOR", 4)
    assert review is not None
    docs = council.review_documents(review)
    assert (docs.national_report, docs.compilation, docs.stakeholders) == (
        "A/HRC/WG.6/47/NOR/1",
        "A/HRC/WG.6/47/NOR/2",
        "A/HRC/WG.6/47/NOR/3",
    )
    assert docs.report == "" and docs.adoption.session.number == 58
    line = council.documents_line(docs)
    assert line == (
        "A/HRC/WG.6/47/NOR/1, /2, /3 · report A/HRC/58/… · HRC58, from 24 Feb 2025 "
        "(session by rule)"
    )
    svn = council.country_documents("SVN", {4: "A/HRC/59/15"})
    assert [d.review.cycle for d in svn] == [1, 2, 3, 4, 5]
    assert svn[3].report == "A/HRC/59/15" and svn[3].adoption.how == "report"
    assert "(session by rule, start projected)" in council.documents_line(svn[4])


def test_a_started_checklist_takes_the_session_from_the_wg_report(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    checklists.start_checklist(ws, "NOR", 4, ["unct-upr"])
    assert ws.get("checklist", "NOR:4:adoption-statement")["due"] == "2025-02-24"
    ws.edit(
        "recommendations",
        "UPR:A/HRC/8/19:1",
        {"country": "BHR", "cycle": 1, "document": "A/HRC/8/19", "text": "x"},
    )
    checklists.start_checklist(ws, "BHR", 1, ["unct-upr"])
    entry = ws.get("checklist", "BHR:1:adoption-statement")
    assert entry["due"] == council.council_session(8).start.isoformat()
    review = refdata.review("BHR", 1)
    assert checklists.rule_due(entry, review) == council.council_session(9).start.isoformat()
    assert checklists.rule_due(entry, review, council.adoption_day(ws, "BHR", 1)) == entry["due"]


def test_a_checklist_exported_before_it_starts_follows_the_wg_report(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    ws.edit(
        "recommendations",
        "UPR:A/HRC/8/19:1",
        {"country": "BHR", "cycle": 1, "document": "A/HRC/8/19", "text": "x"},
    )
    text, started = checklists.export_checklist(ws, "BHR", 1, "csv", date(2026, 11, 25))
    assert not started
    row = next(line for line in text.splitlines() if "adoption-statement" in line)
    assert council.council_session(8).start.isoformat() in row
