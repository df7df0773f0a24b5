"""Triage core (no Textual): index, filters, search, counter, next undecided, suggestions,
decisions as one undo step, saved views, history (issue 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui import triage
from tui.store import Workspace

TABLE = "recommendations"


def rec(ws: Workspace, para: str, text: str = "Ratify the convention", **values) -> str:
    rid = f"UPR:A/HRC/59/15:{para}"
    base = {
        "country": "SVN",
        "cycle": 4,
        "session": 48,
        "document": "A/HRC/59/15",
        "paragraph": para,
        "text": text,
        "position": "supported",
    }
    base.update(values)
    ws.edit(TABLE, rid, base)
    return rid


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.open(tmp_path / "ws.json", author="tester")
    yield workspace
    workspace.close(save=False)


# -- suggestions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Consider ratifying the Optional Protocol", 3),
        ("Continue its efforts to combat trafficking", 2),
        ("Ratify the Convention on Migrant Workers", 5),
        ("Adopt a national action plan", 5),
        ("Establish an independent mechanism", 5),
        ("Enact legislation on hate speech", 5),
        ("Amend the Criminal Code", 5),
        ("Criminalize marital rape explicitly", 5),
        ("Further strengthen the ombudsperson", 4),
        ("Take measures to reduce the gender pay gap", 4),
        ("Seek technical assistance from OHCHR", 1),
        ("Share its good practices", 1),
        ("Carry out an inquiry", 5),
        ("Fully implement the recommendations", 5),
        ("Blah blah", None),
        ("", None),
    ],
)
def test_action_category_from_opening_verb(text: str, expected: int | None) -> None:
    assert triage.suggest_action_category(text) == expected


def test_action_category_agrees_with_upr_info_on_the_corpus(shared_dir: Path) -> None:
    """UPR Info assigned a category to every row: our verb rule must agree on most of them."""
    from tui.importers import parse_file

    batch = parse_file(shared_dir / "corpus/upr-info/sessions-14-17.csv", kind="upr-info")
    agree = total = unsuggested = 0
    for record in batch.records:
        actual = record.get("action_category")
        if actual is None:
            continue
        guess = triage.suggest_action_category(record["text"])
        if guess is None:
            unsuggested += 1
            continue
        total += 1
        agree += guess == actual
    assert total > 5000
    assert agree / total > 0.85, (agree, total)
    assert unsuggested / (total + unsuggested) < 0.15


def test_cluster_suggestion_learns_from_the_team_then_words_then_theme(ws: Workspace) -> None:
    a = rec(ws, "140.1", themes=["Women's rights"], cluster="Gender equality")
    b = rec(ws, "140.2", themes=["Women's rights", "Justice"])
    c = rec(ws, "140.3", themes=["Rights of the Child"])
    d = rec(ws, "140.4", themes=["A41 Constitutional and legislative framework"])
    e = rec(ws, "140.5")
    ws.edit("countries", "SVN", {"clusters": ["Gender equality", "Children and youth"]})
    index = triage.TriageIndex(ws, "SVN")
    assert index.suggest_cluster(b) == "Gender equality"  # what the team chose for that theme
    assert index.suggest_cluster(c) == "Children and youth"  # "child" ~ "children"
    assert index.suggest_cluster(d) == "Constitutional and legislative framework"  # new, from theme
    assert index.suggest_cluster(e) is None
    assert index.suggest_cluster(a) == "Gender equality"


# -- index, order, filters, search -----------------------------------------------------------------


def test_index_holds_one_country_in_paragraph_order(ws: Workspace) -> None:
    rec(ws, "140.10")
    rec(ws, "140.9")
    rec(ws, "140.2")
    gone = rec(ws, "140.1")
    ws.edit(TABLE, gone, {"deleted": True})
    ws.edit(TABLE, "UPR:X:1", {"country": "FRA", "text": "Other country", "paragraph": "1"})
    ws.edit(
        TABLE,
        "UPR:A/HRC/43/15:98.1",
        {
            "country": "SVN",
            "cycle": 3,
            "paragraph": "98.1",
            "document": "A/HRC/43/15",
            "text": "Older",
        },
    )
    index = triage.TriageIndex(ws, "SVN")
    assert [e.record["paragraph"] for e in index.entries] == ["140.2", "140.9", "140.10", "98.1"]


def test_filter_facets_and_describe(ws: Workspace) -> None:
    a = rec(ws, "140.1", priority="high", recommending=["FRA", "DEU"], sdgs=["16.b", "5"])
    b = rec(ws, "140.2", position="noted", priority="high", lead_entity="UNDP")
    c = rec(ws, "140.3", priority="low", partners=["UNICEF"], cycle=None)
    index = triage.TriageIndex(ws, "SVN")
    f = triage.Filter().with_facet("position", ["supported"]).with_facet("priority", ["high"])
    assert [e.rid for e in index.view(f)] == [a]
    assert f.describe() == "supported, high"
    assert [
        e.rid for e in index.view(triage.Filter().with_facet("entity", ["UNICEF", "UNDP"]))
    ] == [b, c]
    assert [e.rid for e in index.view(triage.Filter().with_facet("entity", [triage.NONE]))] == [a]
    assert [e.rid for e in index.view(triage.Filter().with_facet("sdg", ["16"]))] == [a]
    assert [e.rid for e in index.view(triage.Filter().with_facet("recommending", ["DEU"]))] == [a]
    assert [e.rid for e in index.view(triage.Filter().with_facet("cycle", [triage.NONE]))] == [c]
    assert [e.rid for e in index.view(triage.Filter().with_facet("triaged", ["no"]))] == [a, b, c]
    assert index.facet_counts("priority") == {"high": 2, "low": 1}
    with pytest.raises(KeyError):
        triage.Filter().with_facet("colour", ["red"])


def test_search_all_words_case_and_accent_insensitive(ws: Workspace) -> None:
    a = rec(ws, "140.1", "Protect the rights of Roma in Côte-area SCHOOLS")
    b = rec(ws, "140.2", "Protect the schools")
    rec(ws, "140.3", "Ratify the treaty", recommending=["CIV"])
    index = triage.TriageIndex(ws, "SVN")
    assert [e.rid for e in index.view(triage.Filter(search="cote schools"))] == [a]
    assert [e.rid for e in index.view(triage.Filter(search="PROTECT school"))] == [a, b]
    # Recommending States are searched by name, accents ignored.
    assert len(index.view(triage.Filter(search="ivoire"))) == 1
    assert index.view(triage.Filter(search="protect zebra")) == []


def test_highlight_spans_map_back_to_accented_text() -> None:
    text = "Côte d'Ivoire and COTE again; Ärzte"
    spans = triage.highlight_spans(text, triage.search_words("cote arzte"))
    assert [text[s:e] for s, e in spans] == ["Côte", "COTE", "Ärzte"]
    assert triage.highlight_spans(text, []) == []


def test_filter_json_round_trip_and_hostile_input() -> None:
    f = (
        triage.Filter()
        .with_facet("position", ["noted"])
        .with_facet("cycle", ["4"])
        .with_search("roma")
    )
    assert triage.Filter.from_json(f.to_json()) == f
    assert triage.Filter.from_json("nonsense") == triage.Filter()
    odd = triage.Filter.from_json(
        {
            "position": ["noted", {"x": 1}],
            "colour": ["red"],
            "search": "a\x1b]0;evil\x07b",
            "priority": "high",
        }
    )
    assert odd.facets == {"position": frozenset({"noted"})}
    assert "\x1b" not in odd.search and "\x07" not in odd.search


def test_counter_text() -> None:
    f = triage.Filter().with_facet("priority", ["high"]).with_facet("position", ["supported"])
    assert triage.counter_text(312, 140, f) == (
        "312 recommendations · 140 triaged (45%) · filter: supported, high"
    )
    assert triage.counter_text(1, 0) == "1 recommendation · 0 triaged (0%)"
    assert triage.counter_text(1000, 999).startswith("1,000 recommendations · 999 triaged (99%)")
    assert triage.counter_text(1000, 1).endswith("(1%)")
    assert triage.counter_text(3, 0, triage.Filter(search="roma"), marked=2).endswith(
        "search: roma · 2 marked"
    )


class _Row:
    def __init__(self, triaged: bool) -> None:
        self.triaged = triaged


def test_next_undecided_wraps_and_goes_back() -> None:
    rows = [_Row(t) for t in (False, True, True, False, True)]
    assert triage.next_undecided(rows, 0) == 3
    assert triage.next_undecided(rows, 3) == 0  # wraps round
    assert triage.next_undecided(rows, 3, -1) == 0
    assert triage.next_undecided(rows, 0, -1) == 3
    assert triage.next_undecided(rows, 3, wrap=False) is None
    assert triage.next_undecided(rows, -1) == 0
    assert triage.next_undecided([_Row(True)] * 3, 1) is None
    assert triage.next_undecided([], 0) is None


# -- decisions, undo, views, history ---------------------------------------------------------------


def test_bulk_decision_is_one_undo_step_and_marks_triaged(ws: Workspace) -> None:
    rids = [rec(ws, f"140.{i}") for i in range(1, 4)]
    index = triage.TriageIndex(ws, "SVN")
    ws.subscribe(index.on_edit)
    assert triage.decide(ws, "SVN", rids, {"priority": "high"}) == 3
    assert all(ws.get(TABLE, r)["priority"] == "high" and ws.get(TABLE, r)["triaged"] for r in rids)
    assert all(index.get(r).triaged for r in rids)
    ws.undo()
    assert all(
        ws.get(TABLE, r)["priority"] == "none" and not ws.get(TABLE, r)["triaged"] for r in rids
    )
    assert not any(index.get(r).triaged for r in rids)
    ws.redo()
    assert all(ws.get(TABLE, r)["priority"] == "high" for r in rids)


def test_new_cluster_joins_the_country_list_in_the_same_undo_step(ws: Workspace) -> None:
    rid = rec(ws, "140.1")
    triage.decide(ws, "SVN", [rid], {"cluster": "Justice [bold]"})
    assert ws.get("countries", "SVN")["clusters"] == ["Justice [bold]"]
    triage.decide(ws, "SVN", [rid], {"cluster": "justice [BOLD]"})  # same name, other case
    assert ws.get("countries", "SVN")["clusters"] == ["Justice [bold]"]
    triage.decide(ws, "SVN", [rid], {"cf_outcome": "Outcome 2: rule of law"})
    assert ws.get("countries", "SVN")["cf_outcomes"] == ["Outcome 2: rule of law"]
    ws.undo()
    assert ws.get("countries", "SVN")["cf_outcomes"] == []
    assert ws.get(TABLE, rid)["cf_outcome"] == ""


def test_decide_refuses_bad_values_and_toggle_triaged(ws: Workspace) -> None:
    a, b = rec(ws, "140.1"), rec(ws, "140.2")
    with pytest.raises(ValueError):
        triage.decide(ws, "SVN", [a], {"priority": "urgent"})
    assert triage.toggle_triaged(ws, [a]) is True
    assert triage.toggle_triaged(ws, [a, b]) is True  # not all triaged: triage all
    assert triage.toggle_triaged(ws, [a, b]) is False  # all triaged: reopen
    assert not ws.get(TABLE, a)["triaged"] and not ws.get(TABLE, b)["triaged"]


def test_views_saved_in_the_country_record_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "views.json"
    ws = Workspace.open(path, author="tester")
    f = triage.Filter().with_facet("priority", ["high"]).with_search("roma")
    assert triage.save_view(ws, "SVN", "  High \x1b[31mroma ", f) == "High roma"
    ws.close()
    ws = Workspace.open(path, author="tester")
    try:
        assert triage.load_views(ws, "SVN") == {"High roma": f}
        assert triage.delete_view(ws, "SVN", "High roma")
        assert triage.load_views(ws, "SVN") == {}
        with pytest.raises(ValueError):
            triage.save_view(ws, "SVN", " \x07 ", f)
    finally:
        ws.close()


def test_history_is_indexed_once_and_kept_current(ws: Workspace) -> None:
    a = rec(ws, "140.1")
    index = triage.TriageIndex(ws, "SVN")
    ws.subscribe(index.on_edit)
    assert [h.field for h in index.history(a)] == ["*"]
    ws.edit(TABLE, a, {"priority": "high"})
    ws.edit(TABLE, a, {"note": "ask UNDP"})
    lines = index.history(a)
    assert [(h.field, h.old, h.new, h.author) for h in lines[1:]] == [
        ("priority", "none", "high", "tester"),
        ("note", "", "ask UNDP", "tester"),
    ]
    assert lines[1].when[:2] == "20"


def test_on_edit_marks_the_index_stale_for_new_records(ws: Workspace) -> None:
    rec(ws, "140.1")
    index = triage.TriageIndex(ws, "SVN")
    ws.subscribe(index.on_edit)
    rec(ws, "140.2")
    assert index.stale
    index = triage.TriageIndex(ws, "SVN")
    assert len(index) == 2


def test_cluster_rows_count_by_position_priority_status(ws: Workspace) -> None:
    rec(ws, "140.1", cluster="Justice", priority="high", status="implemented", triaged=True)
    rec(ws, "140.2", cluster="Justice", position="noted")
    rec(ws, "140.3")
    index = triage.TriageIndex(ws, "SVN")
    rows = triage.cluster_rows(index.entries, ["Health", "Justice"])
    assert [r.name for r in rows] == ["Health", "Justice", ""]
    justice = rows[1]
    assert (justice.total, justice.triaged, justice.progress, justice.implemented) == (2, 1, 50, 1)
    assert justice.positions == {"supported": 1, "noted": 1}
    assert justice.priorities["high"] == 1
    assert rows[0].total == 0 and rows[2].total == 1


def test_undone_country_record_comes_back_with_only_the_new_value(ws: Workspace) -> None:
    """Undoing the first cluster undoes the country record's creation (it is hidden)."""
    rid = rec(ws, "140.1")
    triage.decide(ws, "SVN", [rid], {"cluster": "Health"})
    ws.undo()
    assert triage.country_record(ws, "SVN") == {}
    index = triage.TriageIndex(ws, "SVN")
    assert index.clusters() == []
    triage.decide(ws, "SVN", [rid], {"cluster": "Water"})
    country = triage.country_record(ws, "SVN")
    assert country["clusters"] == ["Water"] and country["deleted"] is False


def test_search_as_you_type_narrows_correctly(ws: Workspace) -> None:
    """Each keystroke reuses the last result when it can; the answer is always the full scan's."""
    texts = [
        "Protect women and girls",
        "Women's shelters",
        "Protect workers",
        "Girls' schools",
        "Roma women",
        "Wombat protection",
    ]
    for i, text in enumerate(texts, 1):
        rec(ws, f"140.{i}", text, priority="high" if i % 2 else "low")
    index = triage.TriageIndex(ws, "SVN")
    ws.subscribe(index.on_edit)
    high = triage.Filter().with_facet("priority", ["high"])
    typed = [
        "w",
        "wo",
        "wom",
        "women",
        "women g",
        "women gi",
        "women",
        "wom",
        "prot",
        "prot w",
        "protect wo",
        "p",
        "",
    ]
    for base in (triage.Filter(), high):
        for query in typed:
            filt = base.with_search(query)
            expected = [e.rid for e in index.entries if filt.matches(e)]
            assert [e.rid for e in index.view(filt)] == expected, (base, query)
    index.view(triage.Filter(search="wom"))
    ws.edit(TABLE, "UPR:A/HRC/59/15:140.3", {"text": "Protect women workers"})
    assert len(index.view(triage.Filter(search="women"))) == 4  # the edit is seen


def test_cluster_counts_follow_cluster_decisions_not_priorities(ws: Workspace) -> None:
    a = rec(ws, "140.1", themes=["Justice"])
    b = rec(ws, "140.2", themes=["Justice"])
    index = triage.TriageIndex(ws, "SVN")
    ws.subscribe(index.on_edit)
    assert index.suggest_cluster(b) == "Justice"  # nothing chosen yet: the theme itself
    stats = index.cluster_stats()
    triage.decide(ws, "SVN", [a], {"priority": "high"})
    assert index.cluster_stats() is stats  # a priority does not touch the cluster counts
    triage.decide(ws, "SVN", [a], {"cluster": "Rule of law"})
    assert index.cluster_stats()[0]["Rule of law"] == 1
    assert index.suggest_cluster(b) == "Rule of law"  # what the team chose for "Justice"
    assert index.clusters() == ["Rule of law"]


def test_entities_and_outcomes_used_are_counted_once_and_kept_exact(ws: Workspace) -> None:
    """The e/E/o pickers list what records use: one pass, then each edit adjusts the counts
    (an entity typed by mistake and undone leaves the list)."""
    a = rec(ws, "140.1", lead_entity="UNDP", partners=["Team X"], cf_outcome="Outcome 2")
    b = rec(ws, "140.2", lead_entity="Team X")
    index = triage.TriageIndex(ws, "SVN")
    ws.subscribe(index.on_edit)
    assert index.entities_used() == ["Team X", "UNDP"]
    assert index.outcomes() == ["Outcome 2"]
    triage.decide(ws, "SVN", [b], {"lead_entity": "Typo Entity", "cf_outcome": "Outcome 1"})
    assert index.entities_used() == ["Team X", "Typo Entity", "UNDP"]
    assert index.outcomes() == ["Outcome 1", "Outcome 2"]  # the country list first
    ws.undo()
    assert index.entities_used() == ["Team X", "UNDP"]
    assert index.outcomes() == ["Outcome 2"]
    triage.decide(ws, "SVN", [a], {"partners": []})
    assert index.entities_used() == ["Team X", "UNDP"]  # b still leads with Team X
    triage.decide(ws, "SVN", [b], {"lead_entity": ""})
    assert index.entities_used() == ["UNDP"]


def test_a_view_named_oddly_in_the_file_can_be_deleted(ws: Workspace) -> None:
    """The picker lists views by their cleaned names; deleting one by that name must find it
    (a name with two spaces, written by another program, was listed but never deleted)."""
    ws.edit("countries", "SVN", {"views": {"High  roma\x1b[31m": {"priority": ["high"]}}})
    assert list(triage.load_views(ws, "SVN")) == ["High roma"]
    assert triage.delete_view(ws, "SVN", "High roma")
    assert triage.load_views(ws, "SVN") == {}


def test_history_indexed_from_a_snapshot_takes_in_the_edits_made_after_it(ws: Workspace) -> None:
    a, b = rec(ws, "140.1"), rec(ws, "140.2")
    rec(ws, "9.1", country="LTU")  # another country's history is not indexed
    ws.edit(TABLE, a, {"priority": "high", "triaged": True})
    index = triage.TriageIndex(ws, "SVN")
    prepared = index.prepare_history()  # in the app: a thread, while the list is on screen
    assert prepared is not None and prepared[1] == len(ws.table("history"))
    ws.edit(TABLE, b, {"status": "in_progress", "triaged": True})  # after the snapshot
    ws.edit(TABLE, a, {"priority": "low"})
    index.adopt_history(prepared)
    fresh = triage.TriageIndex(ws, "SVN")
    for rid in (a, b):
        assert index.history(rid) == fresh.history(rid)
    assert [h.field for h in index.history(b)][-2:] in (
        ["status", "triaged"],
        ["triaged", "status"],
    )
    assert [h.new for h in index.history(a) if h.field == "priority"] == ["high", "low"]
    # A file replaced meanwhile (fewer rows than the snapshot): not adopted, indexed lazily.
    late = triage.TriageIndex(ws, "SVN")
    index_rows, seen = late.prepare_history()
    late.adopt_history((index_rows, seen + 10))
    assert late._history is None and late.history(a) == fresh.history(a)


def test_cluster_table_is_kept_exact_by_each_edit(ws: Workspace) -> None:
    rids = [
        rec(ws, f"140.{i}", cluster=c)
        for i, c in enumerate(["Justice", "Justice", "", "Health", "Water"], 1)
    ]
    triage.decide(ws, "SVN", [rids[0]], {"cluster": "Justice"})  # the country's cluster list
    index = triage.TriageIndex(ws, "SVN")
    ws.subscribe(index.on_edit)

    def same() -> None:
        counted = triage.cluster_rows(index.entries, index.clusters())
        assert [
            (r.name, r.total, r.triaged, r.positions, r.priorities, r.statuses)
            for r in index.cluster_table()
        ] == [
            (r.name, r.total, r.triaged, +r.positions, +r.priorities, +r.statuses) for r in counted
        ]

    same()
    triage.decide(ws, "SVN", [rids[1]], {"priority": "high"})
    triage.decide(ws, "SVN", [rids[2]], {"cluster": "Health", "status": "implemented"})
    same()
    ws.edit(TABLE, rids[4], {"cluster": "", "position": "noted"})  # Water is no longer used
    same()
    assert "Water" not in [r.name for r in index.cluster_table()]
    health = next(r for r in index.cluster_table() if r.name == "Health")
    assert (health.total, health.triaged, health.implemented) == (2, 1, 1)
    ws.undo()
    ws.undo()
    same()


def test_counts_made_in_a_thread_are_kept_only_if_nothing_changed_meanwhile(ws: Workspace) -> None:
    a = rec(ws, "140.1", cluster="Justice", lead_entity="UNDP", themes=["Justice"])
    b = rec(ws, "140.2", cf_outcome="Outcome 1", partners=["UNICEF"])
    index = triage.TriageIndex(ws, "SVN")
    ws.subscribe(index.on_edit)
    index.adopt_counts(index.prepare_counts())  # nothing changed: kept
    assert index._used is not None and index._cluster_rows is not None
    assert index._cluster_stats is not None
    fresh = triage.TriageIndex(ws, "SVN")
    assert index.entities_used() == fresh.entities_used() == ["UNDP", "UNICEF"]
    assert index.clusters() == fresh.clusters() and index.outcomes() == fresh.outcomes()

    late = triage.TriageIndex(ws, "SVN")
    ws.subscribe(late.on_edit)
    prepared = late.prepare_counts()
    ws.edit(TABLE, b, {"lead_entity": "OHCHR", "cluster": "Health"})  # while it counted
    late.adopt_counts(prepared)
    assert late._used is None and late._cluster_rows is None  # counted again when needed
    assert late.entities_used() == ["OHCHR", "UNDP", "UNICEF"]
    assert "Health" in [r.name for r in late.cluster_table()]
    assert a in late.by_id
