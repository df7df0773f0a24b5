"""Links between recommendations and their suggestions (issue 17 points 1 and 2)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tui import links
from tui.cli import main
from tui.importers import parse_file
from tui.importers.apply import apply_batch
from tui.store import Workspace

REPORTS = (
    "corpus/wg-reports/A_HRC_43_15_Slovenia_2019.txt",
    "corpus/wg-reports/A_HRC_43_15_Add1_Slovenia_2019.txt",
    "corpus/wg-reports/A_HRC_59_15_Slovenia_2025.txt",
    "corpus/wg-reports/A_HRC_59_15_Add1_Slovenia_2025.txt",
)
C4, C3 = "UPR:A/HRC/59/15:", "UPR:A/HRC/43/15:"

# The issue's pairs: a cycle-4 paragraph and the cycle-3 ones that are the same recommendation.
KNOWN_PAIRS = {
    "140.1": {"122.2"},
    "140.3": {"122.2"},
    "140.70": {"122.77"},
    "140.179": {"121.37"},
    "140.178": {"121.35"},
    "140.13": {"122.7"},
    "140.14": {"122.5", "122.7", "122.8"},
    "140.90": {"121.19"},
    "140.98": {"122.79"},
    "140.27": {"122.46"},
}


@pytest.fixture(scope="module")
def slovenia_file(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Slovenia 2019 + Add.1 and 2025 + Add.1 imported into one workspace (made once)."""
    path = tmp_path_factory.mktemp("svn") / "svn.json"
    ws = Workspace.open(path, author="importer")
    for name in REPORTS:
        apply_batch(ws, parse_file(shared_dir / name))
    ws.save()
    ws.close()
    return path


@pytest.fixture
def svn(slovenia_file: Path, tmp_path: Path):
    copy = tmp_path / "svn.json"
    copy.write_bytes(slovenia_file.read_bytes())
    ws = Workspace.open(copy, author="alice")
    yield ws
    ws.close(save=False)


def test_link_id_is_the_sorted_pair() -> None:
    assert links.link_id("UPR:b:1", "UPR:a:2") == "LINK:UPR:a:2|UPR:b:1"
    assert links.link_id("UPR:a:2", "UPR:b:1") == links.link_id("UPR:b:1", "UPR:a:2")


def test_a_link_is_one_record_shown_from_both_sides_and_undone(svn: Workspace) -> None:
    a, b = C4 + "140.1", C3 + "122.2"
    assert links.set_link(svn, a, b, "same")
    assert not links.set_link(svn, b, a, "same")  # the other side: the same record
    assert list(svn.table("links")) == [links.link_id(a, b)]
    record = svn.get("links", links.link_id(a, b))
    assert (record["a"], record["b"], record["relation"]) == (b, a, "same")
    index = links.LinkIndex(svn)
    assert [(x.other, x.relation) for x in index.links(a)] == [(b, "same")]
    assert [(x.other, x.relation) for x in index.links(b)] == [(a, "same")]
    rows = [h for h in svn.table("history").values() if h["record"] == links.link_id(a, b)]
    assert rows and rows[0]["author"] == "alice"
    assert record["_clock"]
    svn.undo()
    assert links.LinkIndex(svn).links(a) == []
    svn.redo()
    assert links.LinkIndex(svn).links(b)[0].other == a
    assert links.unlink(svn, a, b)
    assert links.LinkIndex(svn).links(a) == []


def test_a_link_to_an_unknown_or_the_same_record_is_refused(svn: Workspace) -> None:
    with pytest.raises(ValueError):
        links.set_link(svn, C4 + "140.1", C4 + "140.1", "same")
    with pytest.raises(ValueError):
        links.set_link(svn, C4 + "140.1", "UPR:nowhere:1", "same")
    with pytest.raises(ValueError):
        links.set_link(svn, C4 + "140.1", C3 + "122.2", "maybe")


def test_two_advisers_linking_the_same_pair_merge_into_one_record(
    slovenia_file: Path, tmp_path: Path
) -> None:
    paths = []
    for author, relation in (("alice", "related"), ("bob", "same")):
        path = tmp_path / f"{author}.json"
        path.write_bytes(slovenia_file.read_bytes())
        ws = Workspace.open(path, author=author)
        links.set_link(ws, C4 + "140.90", C3 + "121.19", relation)
        ws.save()
        ws.close()
        paths.append(path)
    out = tmp_path / "merged.json"
    assert main(["merge", str(paths[0]), str(paths[1]), "-o", str(out)]) == 0
    merged = Workspace.open(out, author="carol", read_only=True)
    try:
        assert len(merged.table("links")) == 1
        # bob linked last: his relation wins; the merge review sees both
        assert next(iter(merged.table("links").values()))["relation"] == "same"
        rows = [c for c in merged.table("conflicts").values() if c.get("table") == "links"]
        assert [(c["field"], c["winner"], c["other"]) for c in rows] == [
            ("relation", "same", "related")
        ]
    finally:
        merged.close(save=False)


def test_the_known_pairs_are_among_the_first_three_suggestions(svn: Workspace) -> None:
    found = links.suggest(svn, "SVN")
    by_paragraph: dict[str, list[str]] = {}
    for s in found:
        assert 0.0 <= s.score <= 1.0 and s.reason
        assert s.cycle == "4" and s.candidate_cycle == "3"
        by_paragraph.setdefault(s.paragraph, []).append(s.candidate_paragraph)
    for paragraph, expected in KNOWN_PAIRS.items():
        assert expected & set(by_paragraph.get(paragraph, [])[:3]), paragraph
    first = sum(1 for p, e in KNOWN_PAIRS.items() if by_paragraph[p][0] in e)
    assert first >= 8  # 9 of 10 measured (README "Links")


def test_a_rejected_pair_is_not_suggested_again_even_after_a_merge(svn: Workspace) -> None:
    a, b = C4 + "140.1", C3 + "122.2"
    assert any(s.candidate == b for s in links.suggest(svn, "SVN", only=[a]))
    links.set_link(svn, a, b, "rejected")
    assert not any(s.candidate == b for s in links.suggest(svn, "SVN", only=[a]))
    assert links.LinkIndex(svn).links(a) == []  # a rejection is no link
    links.set_link(svn, a, C3 + "122.4", "related")  # a linked pair is not suggested either
    assert not any(s.candidate == C3 + "122.4" for s in links.suggest(svn, "SVN", only=[a]))


def test_upr_links_prints_tsv_with_the_issue_header(
    slovenia_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", "SVN", "-w", str(slovenia_file), "--min-score", "0.7"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "id\tparagraph\tcycle\tcandidate_id\tcandidate_paragraph\tcandidate_cycle\tscore\treason"
    )
    first = lines[1].split("\t")
    assert first[:7] == [C4 + "140.1", "140.1", "4", C3 + "122.2", "122.2", "3", "1.00"]
    assert all(float(line.split("\t")[6]) >= 0.7 for line in lines[1:])


def test_upr_links_accept_above_links_every_high_score_in_one_step(
    slovenia_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "svn.json"
    path.write_bytes(slovenia_file.read_bytes())
    assert main(["links", "SVN", "-w", str(path), "--accept-above", "0.9"]) == 0
    capsys.readouterr()
    data = json.loads(path.read_text())
    made = data["links"]
    assert links.link_id(C4 + "140.1", C3 + "122.2") in made
    assert all(r["relation"] == "same" for r in made.values())
    # accepted pairs are no longer suggested
    assert main(["links", "SVN", "-w", str(path), "--min-score", "0.9"]) == 0
    assert capsys.readouterr().out.count("\n") == 1


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "abc"])
def test_upr_links_refuses_a_score_outside_0_1(slovenia_file: Path, bad: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["links", "SVN", "-w", str(slovenia_file), "--min-score", bad])
    assert exc.value.code == 1


def test_upr_links_unknown_country_is_a_usage_error(slovenia_file: Path) -> None:
    assert main(["links", "XYZ", "-w", str(slovenia_file)]) == 1


def test_matrix_and_annex_show_the_previous_cycle_and_the_current_status(svn: Workspace) -> None:
    import csv

    from tui.exports.annex import CSV_HEADER, write_annex
    from tui.exports.matrix import HEADER, write_matrix

    links.set_link(svn, C4 + "140.1", C3 + "122.2", "same")
    links.set_link(svn, C4 + "140.1", C3 + "122.4", "related")
    svn.edit("recommendations", C3 + "122.2", {"status": "not_started"})
    svn.edit("recommendations", C4 + "140.1", {"status": "in_progress"})  # decided later
    assert HEADER[24] == "Previous cycle" and HEADER[:20][-1] == "Id"  # appended, not moved
    buf = io.BytesIO()
    write_matrix(svn, "SVN", "csv", buf)
    rows = {r["Id"]: r for r in csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8")))}
    assert rows[C4 + "140.1"]["Previous cycle"] == (
        "122.2 (cycle 3, Not started); 122.4 (cycle 3, No information)"
    )
    assert rows[C3 + "122.2"]["Previous cycle"] == ""  # a later cycle is not "previous"
    # the annex of the previous cycle: every recommendation, noted ones included, with the
    # status its successor has now
    buf = io.BytesIO()
    write_annex(svn, "SVN", "csv", buf, cycle=3)
    annex = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8"))))
    assert tuple(annex[0].keys()) == CSV_HEADER and CSV_HEADER[-1] == "Previous cycle"
    by_id = {r["Id"]: r for r in annex}
    assert svn.get("recommendations", C3 + "122.2")["position"] == "noted"
    assert by_id[C3 + "122.2"]["Implementation status"] == "In progress (as 140.1)"
    assert by_id[C3 + "122.4"]["Implementation status"] == "No information"  # related only
    buf = io.BytesIO()
    write_annex(svn, "SVN", "md", buf, cycle=4)
    assert "122.2 (cycle 3, Not started)" in buf.getvalue().decode("utf-8")


def test_large_pools_score_a_shortlist_and_still_find_the_pairs(
    svn: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past TextPool.EXACT texts only those sharing rarer words are scored (100k records)."""
    monkeypatch.setattr(links.TextPool, "EXACT", 0)
    pool = links.TextPool([["ratify", "statelessness"], ["ratify", "torture"], ["roma"]])
    assert pool.shortlist(["statelessness", "ratify"]) == [0, 1]
    assert pool.shortlist(["unknown"]) == []
    by_paragraph: dict[str, list[str]] = {}
    for s in links.suggest(svn, "SVN"):
        by_paragraph.setdefault(s.paragraph, []).append(s.candidate_paragraph)
    for paragraph, expected in KNOWN_PAIRS.items():
        assert expected & set(by_paragraph.get(paragraph, [])[:3]), paragraph


def test_treaty_body_recommendations_are_candidates_too(svn: Workspace) -> None:
    text = svn.get("recommendations", C4 + "140.1")["text"]
    svn.edit(
        "recommendations",
        "TB:h:0123456789abcdef",
        {"mechanism": "TB", "body": "CMW", "country": "SVN", "text": text},
    )
    found = [s for s in links.suggest(svn, "SVN", only=[C4 + "140.1"])]
    tb = [s for s in found if s.candidate == "TB:h:0123456789abcdef"]
    assert tb and tb[0].candidate_cycle == "CMW" and tb[0].score == 1.0
    # a treaty body's recommendation is never the later side
    assert not links.suggest(svn, "SVN", only=["TB:h:0123456789abcdef"])


def test_a_link_is_named_by_its_paragraphs_in_undo_and_merge_messages(svn: Workspace) -> None:
    from tui.undo import record_label

    links.set_link(svn, C4 + "140.1", C3 + "122.2", "same")
    label = record_label("links", links.link_id(C4 + "140.1", C3 + "122.2"), svn.get)
    assert label == "link 122.2 ↔ 140.1"
