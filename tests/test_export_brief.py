"""Country brief: figures gathered from the workspace, and the terminal, Markdown and HTML pages."""

from __future__ import annotations

import html
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tui import actions as act
from tui import refdata
from tui.checklist import checklist_entries
from tui.exports.brief import Bar, bar, brief_text, build_brief, write_brief
from tui.store import Workspace

TODAY = date(2026, 11, 25)
C4 = "A/HRC/59/15"
EVIL = "<script>alert(1)</script>[bold]x[/bold]\x1b]52;c;ZXZpbA==\x07"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace.open(tmp_path / "ws.json", author="tester")
    for i in range(1, 21):
        w.edit(
            "recommendations",
            f"UPR:{C4}:140.{i}",
            {
                "country": "SVN",
                "cycle": 4,
                "document": C4,
                "paragraph": f"140.{i}",
                "text": "x",
                "position": "noted" if i <= 4 else "supported",
                "status": "implemented"
                if i <= 6
                else "in_progress"
                if i <= 9
                else "no_information",
                "cluster": "Justice" if i <= 10 else EVIL if i <= 13 else "",
                "priority": "high" if i <= 2 else "none",
                "triaged": i <= 5,
            },
        )
    w.edit(
        "recommendations",
        "UPR:A/HRC/43/15:121.1",
        {
            "country": "SVN",
            "cycle": 3,
            "document": "A/HRC/43/15",
            "paragraph": "121.1",
            "text": "old",
        },
    )
    # The live cycle on TODAY: cycle 5 starts in Nov 2029, more than 365 days ahead, so the
    # last review's (cycle 4) follow-up is the checklist the brief reads.
    review = refdata.last_review("SVN", TODAY)
    assert review is not None and review.cycle == 4
    for entry in checklist_entries("SVN", review.cycle, ["unct-upr"], review.start, review.end):
        w.edit("checklist", entry.pop("id"), entry)
    entries = sorted(k for k in w.table("checklist"))
    for rid in entries[3:]:  # the rest not due yet: one overdue item to look for
        w.edit("checklist", rid, {"due": "2027-06-01"})
    w.edit("checklist", entries[0], {"status": "done"})
    w.edit("checklist", entries[1], {"due": "2026-10-01", "owner": "RCO", "text": "Overdue task"})
    w.edit("checklist", entries[2], {"due": "2026-10-02", "status": "done"})  # done: not overdue
    act.add_action(w, "SVN", f"Late action {EVIL}", deadline="2026-06-30", entity="UNDP", cost=1000)
    act.add_action(
        w, "SVN", "Done action", deadline="2026-01-01", status="implemented", cost="2.5k"
    )
    act.add_action(w, "SVN", "Future action", deadline="2027-06-30")
    yield w
    w.close(save=False)


def test_figures(ws: Workspace) -> None:
    brief = build_brief(ws, "SVN", TODAY)
    assert brief.name == "Slovenia" and brief.rec_cycle == 4
    assert (brief.rec_total, brief.rec_triaged) == (20, 5)
    assert brief.by_position == [Bar("Supported", 16), Bar("Noted", 4)]
    assert brief.by_status == [
        Bar("In progress", 3),
        Bar("Implemented", 6),
        Bar("No information", 11),
    ]
    clean_evil = "<script>alert(1)</script>[bold]x[/bold]"  # kept as text; escape removed
    assert [b.count for b in brief.by_cluster] == [10, 7, 3]
    assert brief.by_cluster[0].label == "Justice" and brief.by_cluster[1].label == "No cluster"
    assert brief.by_cluster[2].label == clean_evil
    assert brief.by_priority == [Bar("High", 2), Bar("No priority", 18)]
    assert brief.checklist_cycle == 4 and brief.checklist_started
    assert (brief.checklist_done, brief.checklist_total) == (
        2,
        len([e for e in ws.table("checklist").values() if e["cycle"] == 4]),
    )
    review = refdata.next_review("SVN", TODAY)
    assert review is not None
    assert f"session {review.session.number}" in brief.review_line
    assert brief.phase_line.startswith(
        f"Before the cycle {review.cycle} review: {(review.start - TODAY).days} days to go"
    )
    assert (brief.actions, brief.actions_done, brief.cost_total) == (3, 1, Decimal(3500))
    assert [(o.kind, o.due, o.owner) for o in brief.overdue] == [
        ("action", "2026-06-30", "UNDP"),
        ("checklist", "2026-10-01", "RCO"),
    ]
    assert brief.overdue_more == 0


def test_cycle_option(ws: Workspace) -> None:
    brief = build_brief(ws, "SVN", TODAY, cycle=3)
    assert brief.rec_total == 1 and brief.by_position == [Bar("Pending", 1)]


def test_bars_are_proportional() -> None:
    assert bar(10, 10, 20) == "█" * 20
    assert bar(5, 10, 20) == "█" * 10
    assert bar(1, 1000, 20) == "█"  # never invisible
    assert bar(0, 10) == "" and bar(3, 0) == ""


def test_terminal_text_fits_and_is_inert(ws: Workspace) -> None:
    buf = io.BytesIO()
    write_brief(ws, "SVN", "txt", buf, today=TODAY)
    text = buf.getvalue().decode("utf-8")
    assert "\x1b" not in text and "\x07" not in text
    assert text.splitlines()[0].startswith("Slovenia (SVN): UPR country brief, 25 Nov 2026")
    assert "[bold]x[/bold]" in text  # shown literally, never parsed as markup
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "Supported 16 " + "█" * 24 in text
    assert "Overdue (2)" in text and "2026-06-30 · Action: Late action" in text


def test_charts_at_80_columns_keep_every_count(ws: Workspace) -> None:
    """At the app's 76 columns the bars shrink; a count ("No information 11") is never cut."""
    for n in range(21, 300):  # three-digit counts, as in a real review
        ws.edit(
            "recommendations",
            f"UPR:{C4}:141.{n}",
            {"country": "SVN", "cycle": 4, "document": C4, "paragraph": f"141.{n}", "text": "x"},
        )
    brief = build_brief(ws, "SVN", TODAY)
    for width in (60, 76):
        text = brief_text(brief, width)
        assert max(len(line) for line in text.splitlines()) <= width
        for chart in (*brief.by_position, *brief.by_status, *brief.by_cluster, *brief.by_priority):
            assert re.search(rf" {chart.count} █+( |$)", text, re.M), (width, chart)


def test_markdown(ws: Workspace) -> None:
    buf = io.BytesIO()
    write_brief(ws, "SVN", "md", buf, today=TODAY)
    text = buf.getvalue().decode("utf-8")
    assert "| Supported | 16 | " + "█" * 24 + " |" in text
    assert "| Noted | 4 | " + "█" * 6 + " |" in text
    assert "## Recommendations (cycle 4): 20, 5 triaged (25%)" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "- 2026-10-01 · Checklist: Overdue task (RCO)" in text


def test_html_is_escaped_and_self_contained(ws: Workspace) -> None:
    buf = io.BytesIO()
    write_brief(ws, "SVN", "html", buf, today=TODAY)
    page = buf.getvalue().decode("utf-8")
    assert "<script>" not in page and html.escape("<script>") in page
    assert not re.search(r"(src|href)=", page)  # nothing fetched from anywhere
    assert "default-src 'none'" in page
    assert page.count("<section>") == 4
    widths = re.findall(
        r'<td>Supported</td><td class="n">16</td><td><span class="bar" '
        r'style="width:([\d.]+)rem">',
        page,
    )
    assert widths == ["10.00"]


def test_same_day_same_bytes(ws: Workspace) -> None:
    for fmt in ("txt", "md", "html"):
        a, b = io.BytesIO(), io.BytesIO()
        write_brief(ws, "SVN", fmt, a, today=TODAY)
        write_brief(ws, "SVN", fmt, b, today=TODAY)
        assert a.getvalue() == b.getvalue()


def test_country_without_anything(tmp_path: Path) -> None:
    w = Workspace.open(tmp_path / "empty.json", author="tester")
    try:
        buf = io.BytesIO()
        assert write_brief(w, "LTU", "txt", buf, today=TODAY) == 0
        text = buf.getvalue().decode()
        # Lithuania's live cycle (4, Jan 2027) is not started: its template items are counted
        # and those past their date listed as overdue, not hidden.
        assert "Checklist (cycle 4, not started): 0 of " in text
        assert "Nothing overdue." not in text and "Overdue (8)" in text
        assert "2026-01-25 · Checklist: Know when the country is scheduled" in text
        assert "Implementation plan: no actions yet." in text
    finally:
        w.close(save=False)


def test_each_review_with_its_documents_and_adopting_session(ws: Workspace) -> None:
    """Issue 18, 5.3: /1 /2 /3 of each review, its WG report (from the workspace when imported)
    and the Council session adopting it, in every format."""
    ws.edit(
        "recommendations",
        "UPR:x:1",
        {"country": "SVN", "cycle": 2, "document": "A/HRC/28/15<script>", "text": "x"},
    )
    brief = build_brief(ws, "SVN", TODAY)
    by_cycle = {d.review.cycle: d for d in brief.documents}
    assert sorted(by_cycle) == [1, 2, 3, 4, 5]
    assert by_cycle[4].stakeholders == "A/HRC/WG.6/48/SVN/3"
    assert by_cycle[4].report == C4 and by_cycle[4].adoption.session.number == 59
    assert by_cycle[3].report == "A/HRC/43/15" and by_cycle[3].adoption.how == "report"
    assert by_cycle[2].report == ""  # not a symbol: never believed
    text = brief_text(brief, 76)
    assert max(len(line) for line in text.splitlines()) <= 76
    assert re.search(
        r"^ +4  A/HRC/WG\.6/48/SVN/1, /2, /3  A/HRC/59/15 +HRC59 16 Jun 2025$", text, re.M
    )
    assert re.search(
        r"^ +5  A/HRC/WG\.6/62/SVN/1, /2, /3  A/HRC/73/… +HRC73 ~25 Feb 2030 \(rule\)$", text, re.M
    )
    md, page = io.BytesIO(), io.BytesIO()
    write_brief(ws, "SVN", "md", md, today=TODAY)
    write_brief(ws, "SVN", "html", page, today=TODAY)
    assert "| 4 | 48 | A/HRC/WG.6/48/SVN/1, /2, /3 | A/HRC/59/15 | HRC59 16 Jun 2025 |" in (
        md.getvalue().decode()
    )
    assert "<td>A/HRC/43/15</td><td>HRC43 ~24 Feb 2020</td>" in page.getvalue().decode()


def test_engagements_next_and_recent_in_every_format(ws: Workspace) -> None:
    from tui import engagements as eng

    buf = io.BytesIO()
    write_brief(ws, "SVN", "md", buf, today=TODAY)
    assert "Engagements besides the UPR" not in buf.getvalue().decode()  # none: no heading
    eng.add_engagement(
        ws, "SVN", "TB", body="CRC", session=101, start="2027-01-12", end="2027-01-13"
    )
    eng.add_engagement(
        ws, "SVN", "SP", body="SR health " + EVIL, start="2026-03-02", end="2026-03-10"
    )
    eng.add_engagement(ws, "SVN", "SP", body="SR food", start="2019-03-02")  # long past
    out = {}
    for fmt in ("txt", "md", "html"):
        buf = io.BytesIO()
        write_brief(ws, "SVN", fmt, buf, today=TODAY)
        out[fmt] = buf.getvalue().decode("utf-8")
    assert "- Next: CRC 101 · 2027-01-12 – 2027-01-13 · scheduled" in out["md"]
    assert "Recent: SR health" in out["md"] and "· held" in out["md"]
    assert "SR food" not in out["md"]
    assert "  Next: CRC 101 · 2027-01-12 – 2027-01-13 · scheduled" in out["txt"]
    assert "\x1b" not in out["txt"] and "<script>" not in out["html"]
    assert "<h2>Engagements besides the UPR</h2>" in out["html"]


def test_duties_to_review_in_the_brief(ws: Workspace) -> None:
    from tui import engagements as eng

    eng.start_duties(ws, "SVN")
    ws.edit("checklist", "SVN:duties:duty-hrddp", {"due": "2026-12-10"})
    ws.edit("checklist", "SVN:duties:duty-escalation", {"due": "2027-09-01"})  # not yet
    buf = io.BytesIO()
    write_brief(ws, "SVN", "md", buf, today=TODAY)
    text = buf.getvalue().decode("utf-8")
    assert "## RC/UNCT human rights duties to review" in text
    assert "- 2026-12-10 · Communicate, coordinate" in text and "(RC)" in text
    assert "Regional Quarterly" not in text
