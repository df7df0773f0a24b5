"""Checklist core (issue 3): template validation, due rules against the real calendar, progress."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tui import checklist as cl
from tui.model import CHECKLIST, CHECKLIST_STATUSES, validate_record
from tui.paths import data_path

GOOD = """\
key: demo
title: Demo template
source: written for the tests
items:
  - key: first
    phase: general
    text: Do the first thing.
    why: Because it comes first.
  - key: second
    phase: pre_session
    text: Do the second thing.
    due: 200 days before start
    why: Because the deadline is early.
  - key: third
    phase: post_session
    text: Do the third thing.
    due: 90 days after end
    why: Because follow-up matters.
"""


def _with(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def _error(text: str, name: str = "demo.yaml") -> str:
    with pytest.raises(cl.TemplateError) as info:
        cl.parse_template(text, name)
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- validation


def test_good_template_parses() -> None:
    template = cl.parse_template(GOOD, "demo.yaml")
    assert template.key == "demo"
    assert [i.key for i in template.items] == ["first", "second", "third"]
    assert template.items[0].due is None
    assert template.items[1].due == cl.DueRule(-200, "start")
    assert template.items[2].due == cl.DueRule(90, "end")
    assert template.items[2].why == "Because follow-up matters."


def test_unknown_phase_names_file_line_item_and_field() -> None:
    msg = _error(_with("phase: pre_session", "phase: pre"))
    assert msg == (
        "demo.yaml:10: item 'second': field 'phase': 'pre' is not one of "
        "general|pre_session|in_session|post_session"
    )


def test_bad_item_key() -> None:
    msg = _error(_with("key: second", "key: Second_Item"))
    assert msg.startswith("demo.yaml:9: ")
    assert "field 'key'" in msg and "[a-z0-9-]+" in msg


def test_bad_template_key() -> None:
    msg = _error(_with("key: demo", "key: Demo Template"))
    assert msg.startswith("demo.yaml:1: field 'key'")


def test_bad_due_rule() -> None:
    msg = _error(_with("200 days before start", "200 days before the party"))
    assert msg.startswith("demo.yaml:12: item 'second': field 'due': ")
    assert "200 days before the party" in msg and "on start" in msg


def test_due_as_yaml_date_is_refused() -> None:
    msg = _error(_with("200 days before start", "2024-07-04"))
    assert msg.startswith("demo.yaml:12: item 'second': field 'due': ")


def test_duplicate_item_key_names_both_lines() -> None:
    msg = _error(_with("key: third", "key: first"))
    assert msg.startswith("demo.yaml:14: item 'first': field 'key': duplicate key")
    assert "line 5" in msg


def test_duplicate_yaml_field_is_refused() -> None:
    msg = _error(_with("    text: Do the first thing.\n", "    text: One.\n    text: Two.\n"))
    assert msg.startswith("demo.yaml:8: ")
    assert "'text' appears twice" in msg


def test_missing_and_empty_text() -> None:
    msg = _error(_with("    text: Do the first thing.\n", ""))
    assert msg == "demo.yaml:5: item 'first': field 'text': is missing"
    msg = _error(_with("text: Do the first thing.", 'text: "   "'))
    assert msg == "demo.yaml:7: item 'first': field 'text': is empty"


def test_missing_why_and_unknown_field() -> None:
    msg = _error(_with("    why: Because it comes first.\n", ""))
    assert msg == "demo.yaml:5: item 'first': field 'why': is missing"
    msg = _error(_with("why: Because it comes first.", "wy: Because it comes first."))
    assert msg.startswith("demo.yaml:8: item 'first': field 'wy': is not known")


def test_wrong_shapes() -> None:
    assert _error("- just\n- a list\n").startswith("demo.yaml:1: expected fields")
    assert _error(_with("items:\n", "items: nothing\nx:\n")).startswith("demo.yaml:")
    msg = _error(GOOD + "  - a bare string\n")
    assert msg.startswith("demo.yaml:19: item 4: expected fields")
    msg = _error(_with("phase: general", "phase: [general]"))
    assert msg.startswith("demo.yaml:6: item 'first': field 'phase': a list is not one of")


def test_yaml_syntax_error_has_a_line() -> None:
    msg = _error(GOOD + "  - key: [unclosed\n    phase: general\n")
    assert msg.startswith("demo.yaml:2") or msg.startswith("demo.yaml:1")
    assert msg.split(":", 2)[1].isdigit()


def test_python_tag_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.yaml"
    evil.write_text(
        GOOD.replace(
            "text: Do the second thing.",
            f'text: !!python/object/apply:os.system ["touch {marker}"]',
        ),
        encoding="utf-8",
    )
    with pytest.raises(cl.TemplateError) as info:
        cl.load_template(evil)
    msg = str(info.value)
    assert msg.startswith("evil.yaml:11: ")
    assert "!!python/object/apply:os.system" in msg and "refused" in msg
    assert not marker.exists()
    # The same document at the top level, and other Python tags.
    for doc in (
        f'!!python/object/apply:os.system ["touch {marker}"]\n',
        f"key: !!python/object/new:pathlib.Path ['{marker}']\n",
        "key: !!python/name:os.system\n",
    ):
        assert "refused" in _error(doc)
    assert not marker.exists()


def test_loader_is_a_safe_loader_without_python_constructors() -> None:
    assert issubclass(cl._LineLoader, yaml.SafeLoader)
    assert not any("python" in str(tag) for tag in cl._LineLoader.yaml_constructors)
    assert not any("python" in str(tag) for tag in cl._LineLoader.yaml_multi_constructors)


def test_load_template_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "latin.yaml"
    bad.write_bytes(GOOD.encode("utf-8").replace(b"Demo", b"D\xe9mo"))
    with pytest.raises(cl.TemplateError, match=r"^latin\.yaml:2: not UTF-8"):
        cl.load_template(bad)
    big = tmp_path / "big.yaml"
    big.write_text(GOOD + "#" * (cl.MAX_TEMPLATE_BYTES + 1), encoding="utf-8")
    with pytest.raises(cl.TemplateError, match=r"^big\.yaml: larger than"):
        cl.load_template(big)
    with pytest.raises(cl.TemplateError, match=r"^missing\.yaml: cannot read"):
        cl.load_template(tmp_path / "missing.yaml")


def test_control_characters_are_stripped_from_text() -> None:
    template = cl.parse_template(_with("Do the first thing.", '"Do \\e[31mthe\\u202e first"'))
    assert template.items[0].text == "Do the first"


# --------------------------------------------------------------------------- due rules


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("120 days before start", cl.DueRule(-120, "start")),
        ("on start", cl.DueRule(0, "start")),
        ("on end", cl.DueRule(0, "end")),
        ("90 days after end", cl.DueRule(90, "end")),
        ("2 weeks before start", cl.DueRule(-14, "start")),
        ("1 week after end", cl.DueRule(7, "end")),
        ("1 day before end", cl.DueRule(-1, "end")),
        ("  12   Weeks BEFORE start ", cl.DueRule(-84, "start")),
        ("0 days after start", cl.DueRule(0, "start")),
    ],
)
def test_parse_due_rule(text: str, rule: cl.DueRule) -> None:
    assert cl.parse_due_rule(text) == rule


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "120 before start",
        "-3 days before start",
        "3 months after end",
        "3 days before",
        "on middle",
        "1.5 weeks after end",
        "99999 days after end",
    ],
)
def test_bad_due_rules_raise_clear_errors(text: str) -> None:
    with pytest.raises(ValueError) as info:
        cl.parse_due_rule(text)
    assert "due rule" in str(info.value) or "days from the session" in str(info.value)


def test_due_rule_str_and_describe() -> None:
    assert str(cl.DueRule(-200, "start")) == "200 days before start"
    assert str(cl.DueRule(-84, "start")) == "12 weeks before start"
    assert str(cl.DueRule(7, "end")) == "1 week after end"
    assert str(cl.DueRule(910, "end")) == "910 days after end"
    assert str(cl.DueRule(0, "end")) == "on end"
    assert cl.DueRule(-200, "start").describe() == "200 days before the session starts"
    assert cl.DueRule(0, "start").describe() == "on the session's first day"
    assert cl.DueRule(90, "end").describe() == "90 days after the session ends"


@given(
    st.integers(min_value=-cl.MAX_DUE_DAYS, max_value=cl.MAX_DUE_DAYS),
    st.sampled_from(["start", "end"]),
)
def test_due_rule_round_trips(offset: int, anchor: str) -> None:
    rule = cl.DueRule(offset, anchor)  # type: ignore[arg-type]
    assert cl.parse_due_rule(str(rule)) == rule


def test_resolve_uses_the_anchor() -> None:
    start, end = date(2025, 1, 20), date(2025, 1, 31)
    assert cl.DueRule(-1, "start").resolve(start, end) == date(2025, 1, 19)
    assert cl.DueRule(1, "end").resolve(start, end) == date(2025, 2, 1)
    assert cl.DueRule(0, "end").resolve(start, end) == end


# --------------------------------------------------------------------------- shipped templates


def test_shipped_templates_load_and_cover_every_phase() -> None:
    shipped = cl.templates()
    assert set(cl.DEFAULT_TEMPLATES) <= set(shipped)
    assert {"unct-upr", "sg-decision-2014-5"} <= set(shipped)
    for path in sorted(cl.templates_dir().glob("*.yaml")):
        assert cl.load_template(path).key == path.stem
    default = shipped["unct-upr"]
    for phase in cl.PHASES:
        assert [i for i in default.items if i.phase == phase], phase
        assert cl.PHASE_LABELS[phase]
    sg = shipped["sg-decision-2014-5"]
    for phase in ("pre_session", "in_session", "post_session"):
        assert [i for i in sg.items if i.phase == phase], phase
    keys = [i.key for t in shipped.values() for i in t.items]
    assert len(keys) == len(set(keys)), "item keys must be unique across templates"
    for template in shipped.values():
        for item in template.items:
            assert item.text and item.why and "\n" not in item.why


def test_shipped_item_keys_are_released_and_stable() -> None:
    # Keys are part of stored ids: renaming one orphans every team's checklist.
    assert [i.key for i in cl.templates()["unct-upr"].items] == [
        "know-review-date",
        "read-guidelines",
        "read-past-reports",
        "map-national-mechanisms",
        "ohchr-contact",
        "joint-submission",
        "stakeholder-submissions",
        "national-report",
        "delegation-support",
        "inform-media",
        "attend-review",
        "webcast-screening",
        "adoption-statement",
        "integrate-recommendations",
        "follow-up-mechanism",
        "follow-up-assistance",
        "mid-term-review",
    ]


def test_shipped_due_dates_fall_on_the_right_side_of_the_session() -> None:
    start, end = date(2025, 1, 20), date(2025, 1, 31)
    for template in cl.templates().values():
        for item in template.items:
            if item.due is None:
                continue
            due = item.due.resolve(start, end)
            if item.phase in ("general", "pre_session"):
                assert due < start, item.key
            if item.phase == "post_session":
                assert due > end, item.key


def test_find_item() -> None:
    found = cl.find_item("joint-submission")
    assert found is not None and found[0].key == "unct-upr"
    assert found[1].due == cl.DueRule(-200, "start")
    assert cl.find_item("no-such-item") is None


# --------------------------------------------------------------------------- real calendar


def _session_dates(iso3: str, cycle: int) -> tuple[date, date, str]:
    """Session dates of a State's review, read from the shipped calendar in data/."""
    with data_path("calendar.csv").open(encoding="utf-8", newline="") as fh:
        session = next(
            r["session"]
            for r in csv.DictReader(fh)
            if r["iso3"] == iso3 and r["cycle"] == str(cycle)
        )
    with data_path("sessions.csv").open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["session"] == session)
    return date.fromisoformat(row["start"]), date.fromisoformat(row["end"]), session


def test_slovenia_cycle_4_due_dates_from_the_real_calendar() -> None:
    start, end, session = _session_dates("SVN", 4)
    assert (session, start, end) == ("48", date(2025, 1, 20), date(2025, 1, 31))
    entries = cl.checklist_entries("SVN", 4, ["unct-upr"], start, end)
    due = {e["item"]: e["due"] for e in entries}
    assert due["know-review-date"] == "2024-01-21"
    assert due["joint-submission"] == "2024-07-04"  # 200 days before 20 Jan 2025
    assert due["national-report"] == "2024-10-28"  # 12 weeks before
    assert due["inform-media"] == "2025-01-13"
    assert due["attend-review"] == "2025-01-20"
    # Slovenia's outcome (A/HRC/59/15) was adopted at the Council's 59th session, opened 16 June 2025.
    assert due["adoption-statement"] == "2025-06-16"
    assert due["mid-term-review"] == "2027-07-30"  # about two and a half years after


def test_checklist_entries_records() -> None:
    start, end = date(2025, 1, 20), date(2025, 1, 31)
    entries = cl.checklist_entries(
        "SVN", 4, ["unct-upr", "sg-decision-2014-5", "unct-upr"], start, end
    )
    shipped = cl.templates()
    assert len(entries) == len(shipped["unct-upr"].items) + len(shipped["sg-decision-2014-5"].items)
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    first = entries[0]
    assert first["id"] == "SVN:4:know-review-date"
    assert set(first) == set(CHECKLIST.fields)
    assert (first["status"], first["owner"], first["note"], first["custom"]) == (
        "todo",
        "",
        "",
        False,
    )
    assert entries[-1]["template"] == "sg-decision-2014-5"
    assert entries[-1]["id"].startswith("SVN:4:sg-")
    for entry in entries:
        assert validate_record("checklist", entry["id"], entry, max_clock_ms=2**62) is None
    # Unknown dates: entries without due dates.
    undated = cl.checklist_entries("SVN", 5, cl.DEFAULT_TEMPLATES, None, None)
    assert undated and all(e["due"] == "" for e in undated)
    with pytest.raises(ValueError, match="unknown checklist template 'nope'"):
        cl.checklist_entries("SVN", 4, ["nope"], start, end)


# --------------------------------------------------------------------------- due state and progress


def _entry(due: str, status: str = "todo") -> dict[str, object]:
    return {"due": due, "status": status}


def test_due_state_boundaries() -> None:
    today = date(2025, 1, 1)
    iso = lambda days: (today + timedelta(days=days)).isoformat()  # noqa: E731
    assert cl.due_state(_entry(iso(-1)), today) == "overdue"
    assert cl.due_state(_entry(iso(0)), today) == "due_soon"
    assert cl.due_state(_entry(iso(14)), today) == "due_soon"
    assert cl.due_state(_entry(iso(15)), today) == "later"
    assert cl.due_state(_entry(iso(15)), today, soon_days=15) == "due_soon"
    assert cl.due_state(_entry(iso(-1), "in_progress"), today) == "overdue"
    assert cl.due_state(_entry(iso(-1), "done"), today) == "done"
    assert cl.due_state(_entry(iso(-1), "not_applicable"), today) == "done"
    assert cl.due_state(_entry(""), today) == "no_date"
    assert cl.due_state(_entry("", "done"), today) == "done"
    assert cl.due_state(_entry("2025-02-30"), today) == "no_date"
    assert cl.due_state({}, today) == "no_date"
    assert set(cl.DUE_STATES) >= {"done", "overdue", "due_soon", "later", "no_date"}
    assert cl.DONE_STATUSES <= set(CHECKLIST_STATUSES)


def test_progress_and_summary_label() -> None:
    start, end = date(2025, 1, 20), date(2025, 1, 31)
    entries = cl.checklist_entries("SVN", 4, ["unct-upr"], start, end)
    by_key = {e["item"]: e for e in entries}
    today = date(2024, 11, 1)
    # Eight items fall due before 1 Nov 2024 (through the national report, 28 Oct).
    overdue = [e["item"] for e in entries if cl.due_state(e, today) == "overdue"]
    assert overdue == [
        "know-review-date",
        "read-guidelines",
        "read-past-reports",
        "map-national-mechanisms",
        "ohchr-contact",
        "joint-submission",
        "stakeholder-submissions",
        "national-report",
    ]
    assert cl.progress(entries) == (0, 17)
    assert cl.summary_label(entries, today) == "0/17 ✓ 8 late"
    for key in ("know-review-date", "read-guidelines", "read-past-reports", "ohchr-contact"):
        by_key[key]["status"] = "done"
    by_key["joint-submission"]["status"] = "not_applicable"
    by_key["national-report"]["status"] = "in_progress"  # still late
    by_key["inform-media"]["status"] = "done"
    by_key["mid-term-review"]["status"] = "done"
    assert cl.progress(entries) == (7, 17)
    assert cl.summary_label(entries, today) == "7/17 ✓ 3 late"
    # A deleted entry counts nowhere; an all-done checklist has no "late".
    by_key["stakeholder-submissions"]["deleted"] = True
    assert cl.summary_label(entries, today) == "7/16 ✓ 2 late"
    for entry in entries:
        entry["status"] = "done"
    assert cl.summary_label(entries, today) == "16/16 ✓"
    assert cl.summary_label([], today) == ""
    assert cl.progress([]) == (0, 0)


def test_review_phase() -> None:
    start, end = date(2025, 1, 20), date(2025, 1, 31)
    assert cl.review_phase(date(2025, 1, 19), start, end) == "before"
    assert cl.review_phase(start, start, end) == "during"
    assert cl.review_phase(end, start, end) == "during"
    assert cl.review_phase(date(2025, 2, 1), start, end) == "after"
    assert cl.review_phase(start, None, None) == "unknown"


def test_adoption_statement_is_due_before_the_adopting_council_session() -> None:
    """Norway, session 47 (4-15 Nov 2024): adopted at HRC58, which opened 24 Feb 2025; the
    statement is due then, not 20 weeks after the review (4 Apr 2025, the session's last day)."""
    start, end, session = _session_dates("NOR", 4)
    assert (session, end) == ("47", date(2024, 11, 15))
    due = {e["item"]: e["due"] for e in cl.checklist_entries("NOR", 4, ["unct-upr"], start, end)}
    assert due["adoption-statement"] == "2025-02-24"
    # A session known from the WG report in the workspace wins over the rule.
    entries = cl.checklist_entries("NOR", 4, ["unct-upr"], start, end, date(2025, 6, 16))
    assert {e["item"]: e["due"] for e in entries}["adoption-statement"] == "2025-06-16"


def test_due_rules_relative_to_adoption() -> None:
    assert cl.parse_due_rule("on adoption") == cl.DueRule(0, "adoption")
    rule = cl.parse_due_rule("2 weeks before adoption")
    assert rule == cl.DueRule(-14, "adoption") and str(rule) == "2 weeks before adoption"
    assert rule.describe() == "2 weeks before the Council session that adopts the outcome starts"
    assert cl.parse_due_rule("on adoption").describe().startswith("on the first day of the Council")
    # January review -> June-July session (HRC59 opened 16 June 2025).
    assert rule.resolve(date(2025, 1, 20), date(2025, 1, 31)) == date(2025, 6, 2)
    assert rule.resolve(date(2025, 1, 20), date(2025, 1, 31), date(2025, 7, 1)) == date(2025, 6, 17)
    with pytest.raises(ValueError, match="on adoption"):
        cl.parse_due_rule("on adoptions")
