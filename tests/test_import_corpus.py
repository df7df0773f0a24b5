"""Every Working Group report of the corpus (2008-2025): imported whole, every record stored once.

The 143 reports of 2008-2014 are the original bytes (Mac Roman, CR line ends, no symbol in the
name); they are what issue 16 measures. Each test reads every file, so a fix made for one report
is checked against all the others.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tui.importers import ImportBatch, parse_file
from tui.importers.apply import apply_batch
from tui.store import Workspace

OLD = "corpus/wg-reports-2008-2014"
NEW = "corpus/wg-reports"


def corpus_files(shared_dir: Path) -> list[Path]:
    files = sorted((shared_dir / OLD).glob("*.txt")) + sorted(
        p for p in (shared_dir / NEW).glob("*.txt") if "_Add" not in p.name
    )
    assert len(files) >= 149, "the corpus holds 143 + 6 reports"
    return files


@pytest.fixture(scope="module")
def batches(shared_dir: Path) -> dict[str, ImportBatch]:
    """Every report parsed once for the module (a SourceError fails the test that needs it)."""
    return {path.name: parse_file(path) for path in corpus_files(shared_dir)}


def test_every_report_stores_every_record_it_parsed(
    batches: dict[str, ImportBatch], tmp_path: Path
) -> None:
    """Ids never collide: two paragraphs of one document (same text or not) are two records,
    and the summary's "created" is the number of records stored."""
    wrong: list[str] = []
    for name, batch in batches.items():
        ids = Counter(r["id"] for r in batch.records)
        shared = [rid for rid, n in ids.items() if n > 1]
        ws = Workspace.open(tmp_path / f"{name}.json", author="tester")
        try:
            summary = apply_batch(ws, batch)
            stored = len(ws.table("recommendations"))
        finally:
            ws.close(save=False)
        if shared or stored != len(batch.records) or summary.created != stored:
            wrong.append(
                f"{name}: parsed {len(batch.records)}, stored {stored},"
                f" created {summary.created}, shared ids {shared[:3]}"
            )
    assert not wrong, "\n".join(wrong)


def test_report_without_symbol_gets_review_and_paragraph_ids(
    batches: dict[str, ImportBatch],
) -> None:
    """portugal2014 states no symbol: 126.20 and 126.25 have one text and two ids of DESIGN §3."""
    batch = batches["portugal2014.txt"]
    by_paragraph = {r["paragraph"]: r for r in batch.records}
    a, b = by_paragraph["126.20"], by_paragraph["126.25"]
    assert a["text"] == b["text"]
    assert (a["id"], b["id"]) == ("UPR:PRT/19:126.20", "UPR:PRT/19:126.25")
    assert all(r["id"] == f"UPR:PRT/19:{r['paragraph']}" for r in batch.records)


def test_every_report_of_the_corpus_imports(batches: dict[str, ImportBatch]) -> None:
    """Each report holds recommendations: none fails, none comes out empty (issue 16 point 1)."""
    empty = [name for name, batch in batches.items() if not batch.records]
    assert not empty


def test_cycle1_openers_in_their_own_words(batches: dict[str, ImportBatch]) -> None:
    """ "In the course of the discussion, the following recommendations were made to Poland:"
    (31 characters before the comma), "Finland considered the recommendations…", "it was
    recommended that Barbados:", "… the following conclusions were made …" all open a block."""
    expected = {
        "poland2008.txt": 29,
        "finland2008.txt": 8,
        "barbados2009.txt": None,
        "bahrain2008.txt": 9,
        "indonesia2008.txt": 13,  # 10 conclusions + 3 cited dialogue paragraphs
    }
    for name, count in expected.items():
        records = batches[name].records
        assert records, name
        if count is not None:
            assert len(records) == count, name
        assert [r["paragraph"].split(".")[-1] for r in records][:3] == ["1", "2", "3"], name
    # The position comes from a later paragraph when the opener gives none.
    listed = [r for r in batches["ghana2008.txt"].records if "cited_by" not in r["source"]]
    assert {r["position"] for r in listed} == {"supported"}
    assert {r["position"] for r in batches["france2008.txt"].records} == {"pending"}
    assert {r["position"] for r in batches["finland2008.txt"].records} == {"supported"}


def test_no_section_names_what_it_looked_for(shared_dir: Path, tmp_path: Path) -> None:
    """A report cut before its conclusions: the error names the heading and openers it sought,
    not Word numbering."""
    from tui.importers import SourceError

    raw = (shared_dir / OLD / "poland2008.txt").read_bytes()
    cut = tmp_path / "poland2008.txt"
    head = raw[: raw.rindex(b"CONCLUSIONS AND/OR")]
    cut.write_bytes(head)
    with pytest.raises(SourceError) as exc:
        parse_file(cut)
    message = str(exc.value)
    assert "Conclusions and/or recommendations" in message
    assert "The following recommendations" in message
    assert "Word" not in message
    # A heading followed by paragraphs that open nothing: says how many and what it sought.
    heading_only = tmp_path / "heading.txt"
    heading_only.write_bytes(
        head
        + b"\rII. CONCLUSIONS AND/OR RECOMMENDATIONS\r54. The delegation thanked the Council.\r"
    )
    with pytest.raises(SourceError, match="none opens a block of recommendations"):
        parse_file(heading_only)


MOJIBAKE = "ÕÒÓÐÑÔ™"  # Mac Roman quotes and dashes read as Windows-1252


def test_mac_roman_reports_are_read_as_mac_roman(batches: dict[str, ImportBatch]) -> None:
    """The 2008-2014 files are Mac Roman: chosen by evidence (curly quotes between letters,
    accented State names), said in a warning, and no record holds cp1252 mojibake."""
    for name, batch in batches.items():
        if "_" in name:
            continue  # the UTF-8 reports of wg-reports/
        assert batch.encoding == "mac_roman", name
        assert any("encoding chosen: Mac Roman" in w.message for w in batch.warnings), name
        bad = [r["paragraph"] for r in batch.records if any(c in r["text"] for c in MOJIBAKE)]
        assert not bad, (name, bad[:5])
    prk = batches["democraticpeoplesrepublicofkorea2014.txt"]
    assert "Democratic People’s Republic of Korea" in " ".join(r["text"] for r in prk.records)
    assert not prk.unknown_names
    civ = batches["cotedivoire2014.txt"]
    assert civ.country == "CIV" and not civ.unknown_names


def test_windows_1252_report_is_still_read_as_windows_1252(
    shared_dir: Path, tmp_path: Path
) -> None:
    """The same evidence picks cp1252 for a cp1252 file (Morocco 2012 saved as Windows-1252)."""
    text = (shared_dir / NEW / "A_HRC_21_3_Morocco_2012.txt").read_text(encoding="utf-8")
    path = tmp_path / "A_HRC_21_3_Morocco_2012.txt"
    path.write_bytes(text.encode("cp1252", errors="replace"))
    batch = parse_file(path)
    assert batch.encoding == "cp1252"
    assert any("encoding chosen: Windows-1252" in w.message for w in batch.warnings)
    assert not [r for r in batch.records if any(c in r["text"] for c in "ÕÒÓ™")]


def test_state_names_misspelt_or_none(batches: dict[str, ImportBatch]) -> None:
    """ "Russia Federation" (bolivia2010) is read as RUS and said so; "(None)" (indonesia2008,
    conclusions without a State) is no State at all, not an unknown name."""
    bolivia = batches["bolivia2010.txt"]
    assert any("'Russia Federation'" in w.message and "RUS" in w.message for w in bolivia.warnings)
    assert "Russia Federation" not in bolivia.unknown_names
    indonesia = batches["indonesia2008.txt"]
    conclusions = [r for r in indonesia.records if "cited_by" not in r["source"]]
    assert all(r["recommending"] == [] for r in conclusions)
    assert not any("(None)" in r["text"] for r in indonesia.records)
    assert not indonesia.unknown_names


def test_states_named_inside_the_text_belong_to_the_record(
    batches: dict[str, ImportBatch],
) -> None:
    """ "Continue to strengthen (Republic of Moldova) and promote gender equality … (Singapore);"
    is recommended by both; a group that is not a State ("(CED)") adds nothing."""
    algeria = {r["paragraph"]: r for r in batches["algeria2012.txt"].records}
    assert algeria["129.37"]["recommending"] == ["MDA", "SGP"]
    assert algeria["129.37"]["text"].startswith("Continue to strengthen (Republic of Moldova)")
    samoa = {r["paragraph"]: r for r in batches["samoa2011.txt"].records}
    assert samoa["75.3"]["recommending"] == ["DEU", "ESP", "MDV"]
    from tui.importers.common import split_recommending

    text, names, _ = split_recommending("Ratify the Convention (CED) as soon as possible (Spain);")
    assert names == ["ESP"] and text.endswith("as soon as possible")
    # An abbreviation the text defines is not a State, though NLD is the Netherlands' code.
    myanmar = {r["paragraph"]: r for r in batches["myanmar2011.txt"].records}
    assert "(NLD)" in myanmar["107.61"]["text"] and "NLD" not in myanmar["107.61"]["recommending"]


def test_footnote_marks_and_bodies_stay_out_of_records(batches: dict[str, ImportBatch]) -> None:
    """ "(Indonesia)6;" keeps its State, "(Canada);6" leaves no "6", and the footnote body at a
    page foot ("3 The original recommendation read as follows: …") is not part of an item."""
    import re

    srilanka = {r["paragraph"]: r for r in batches["srilanka2012.txt"].records}
    assert srilanka["127.26"]["recommending"] == ["IDN"]
    civ = {r["paragraph"]: r for r in batches["cotedivoire2010.txt"].records}
    assert civ["101.21"]["recommending"] == ["CAN"]
    assert civ["101.21"]["text"].endswith("free of mental or physical handicaps")
    gambia = {r["paragraph"]: r for r in batches["gambia2010.txt"].records}
    assert gambia["97.45"]["text"] == "Continue to promote the rights of women and children"
    # A mark glued to the word before the State: "gender equality1 (Namibia);".
    macedonia = {r["paragraph"]: r for r in batches["Macedonia2014.txt"].records}
    assert macedonia["101.21"]["text"].endswith("towards gender equality")
    assert macedonia["101.21"]["recommending"][-1] == "NAM"
    marks = re.compile(r"\)\s*[;.,]?\s*\d{1,3}\s*$")
    glued = re.compile(r"[a-z]\d{1,2}$")
    for name, batch in batches.items():
        for r in batch.records:
            assert not marks.search(r["text"]), (name, r["paragraph"])
            assert not glued.search(r["text"]), (name, r["paragraph"])
            assert "original recommendation read as follows" not in r["text"], name
            assert "have not been edited" not in r["text"], (name, r["paragraph"])
    # The item interrupted by that footnote goes on after it (gambia2010 97.60, from Egypt).
    item = next(r for r in gambia.values() if r["text"].startswith("Seek the assistance"))
    assert item["text"].endswith(
        "based on the national priorities determined by the Government of Gambia"
    )
    assert item["recommending"] == ["EGY"]


def test_no_record_swallows_a_numbered_paragraph(batches: dict[str, ImportBatch]) -> None:
    """Numbering that restarts under each block runs past the block's own number (cotedivoire2010:
    block 99 has items 1-108, then paragraph 100 speaks of them): every item is its own record
    and no record runs on into the next numbered paragraph or item."""
    import re

    civ = batches["cotedivoire2010.txt"].records
    block99 = [r["paragraph"] for r in civ if r["paragraph"].startswith("99.")]
    assert block99 == [f"99.{n}" for n in range(1, 109)]
    assert not any("considers that recommendations" in r["text"] for r in civ)
    joined = re.compile(r"[;.)]\s+\d{1,3}\.\s+[A-Z“\"]")
    for name, batch in batches.items():
        for r in batch.records:
            assert not joined.search(r["text"]), (name, r["paragraph"], r["text"][:200])
            assert len(r["text"]) < 2500, (name, r["paragraph"])


def test_opener_inside_the_section_opens_a_block(batches: dict[str, ImportBatch]) -> None:
    """malaysia2009 106: "As for recommendations listed below, Malaysia notes those
    recommendations and will provide the response in due time" opens a block of 18 items."""
    batch = batches["malaysia2009.txt"]
    block = [r for r in batch.records if r["paragraph"].startswith("106.")]
    assert [r["paragraph"] for r in block] == [f"106.{n}" for n in range(1, 19)]
    assert {r["position"] for r in block} == {"pending"}
    assert not any("paragraph 106" in w.message for w in batch.warnings)


def test_blocks_citing_dialogue_paragraphs_import_them(batches: dict[str, ImportBatch]) -> None:
    """malaysia2009 105 cites "71; 72 (c); 81 (d), (f) and (h); …" of the dialogue as not
    supported: each cited (sub-)paragraph is a record with the State that spoke and the
    block's position; the paragraph is the citation ("72(c)"), the id unique."""
    batch = batches["malaysia2009.txt"]
    cited = {r["paragraph"]: r for r in batch.records if r["source"].get("cited_by") == 105}
    assert {"71", "72(c)", "81(d)", "81(f)", "81(h)", "94(a)", "21(a)"} <= set(cited)
    assert cited["81(d)"]["recommending"] == ["CAN"]
    assert cited["81(d)"]["text"].startswith("review its Police Act")
    assert cited["71"]["recommending"] == ["KOR"]
    assert {r["position"] for r in cited.values()} == {"noted"}
    assert not any("cites dialogue paragraphs not found" in w.message for w in batch.warnings)
    # The last cited point ends with its sentence (burundi2009 26 (e)).
    burundi = {r["paragraph"]: r for r in batches["burundi2009.txt"].records}
    assert not burundi["26(e)"]["text"].endswith("Council.")
    assert "was concerned" not in burundi["26(e)"]["text"]
    # "will be examined" citations are pending (ghana2008 70).
    ghana = [r for r in batches["ghana2008.txt"].records if r["source"].get("cited_by") == 70]
    assert len(ghana) == 9 and {r["position"] for r in ghana} == {"pending"}


def test_stated_status_is_the_states_claim_kept_apart(
    batches: dict[str, ImportBatch], tmp_path: Path
) -> None:
    """belgium2011 101 "enjoy the support of Belgium, which considers that they are already
    implemented or in the process of implementation" and estonia2011 78 (per item) keep the
    State's words in source.stated_status: position supported, the team's status untouched;
    the matrix shows them in its last column and the detail pane shows them."""
    import csv
    import io

    from screens.triage import detail_text
    from tui import triage
    from tui.exports.matrix import HEADER, write_matrix

    claim = "already implemented or in the process of implementation"
    belgium = [r for r in batches["belgium2011.txt"].records if r["paragraph"].startswith("101.")]
    assert len(belgium) == 26
    assert {r["source"].get("stated_status") for r in belgium} == {claim}
    assert {r["position"] for r in belgium} == {"supported"}
    estonia = {
        r["paragraph"]: r["source"].get("stated_status") for r in batches["estonia2011.txt"].records
    }
    assert estonia["77.13"] == "already implemented"
    assert estonia["77.24"] == "in the process of implementation"  # written "77. 24"
    assert estonia["77.1"] is None
    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    try:
        apply_batch(ws, batches["belgium2011.txt"])
        rid = belgium[0]["id"]
        stored = ws.get("recommendations", rid)
        assert stored["source"]["stated_status"] == claim
        other = next(
            r for r in batches["belgium2011.txt"].records if "stated_status" not in r["source"]
        )
        assert stored.get("status") == ws.get("recommendations", other["id"]).get("status")
        buf = io.BytesIO()
        write_matrix(ws, "BEL", "csv", buf)
        rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8-sig"))))
        assert HEADER.index("Stated status") == HEADER.index("Previous cycle") + 2
        by_id = {r["Id"]: r for r in rows}
        assert by_id[rid]["Stated status"] == claim
        assert by_id[rid]["Implementation status"] == by_id[other["id"]]["Implementation status"]
        index = triage.TriageIndex(ws, "BEL")
        entry = next(e for e in index.entries if e.rid == rid)
        assert f"Stated by the State: {claim}" in detail_text(index, entry).plain
    finally:
        ws.close(save=False)


def test_addendum_finds_records_of_a_report_without_symbol(
    shared_dir: Path, tmp_path: Path
) -> None:
    """Slovenia 2019 saved without its symbol gets UPR:SVN/<session>:<paragraph> ids; its
    addendum (which names A/HRC/43/15) sets their positions, and they keep their ids and learn
    the symbol (DESIGN §3), instead of every paragraph being reported missing."""
    text = (shared_dir / NEW / "A_HRC_43_15_Slovenia_2019.txt").read_text(encoding="utf-8")
    bare = tmp_path / "slovenia2019.txt"
    bare.write_text(text.replace("A/HRC/43/15", ""), encoding="utf-8")
    report = parse_file(bare)
    assert not report.document and len(report.records) == 215
    assert report.records[0]["id"].startswith("UPR:SVN/")
    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    try:
        apply_batch(ws, report)
        addendum = parse_file(shared_dir / NEW / "A_HRC_43_15_Add1_Slovenia_2019.txt")
        summary = apply_batch(ws, addendum)
        assert not summary.missing_paragraphs
        assert len(ws.table("recommendations")) == 215
        assert {r["document"] for r in ws.table("recommendations").values()} == {"A/HRC/43/15"}
        assert summary.updated > 0
    finally:
        ws.close(save=False)


def test_openers_in_a_second_sentence_and_blocks_with_comments(
    batches: dict[str, ImportBatch],
) -> None:
    """burundi2009 80: "The recommendations … have been examined by Burundi. The
    recommendations listed below enjoy the support of Burundi:" opens a block (41 items were
    dropped without a word). dominicanrepublic2010 89: "The recommendations below did not enjoy
    the support …, and the Dominican Republic offers the following comments:" lists
    recommendations; each comment after its States is kept apart in source.state_comment."""
    burundi = [r for r in batches["burundi2009.txt"].records if r["paragraph"].startswith("80.")]
    assert len(burundi) == 41 and {r["position"] for r in burundi} == {"supported"}
    dr = {r["paragraph"]: r for r in batches["dominicanrepublic2010.txt"].records}
    assert [p for p in dr if p.startswith("89.")] == [f"89.{n}" for n in range(1, 6)]
    first = dr["89.1"]
    assert first["recommending"] == ["CAN"] and first["position"] == "noted"
    assert first["text"].endswith("governing the issue of nationality")
    assert first["source"]["state_comment"].startswith("The Dominican Republic does not accept")
    assert not any(
        "is not a block" in w.message for w in batches["dominicanrepublic2010.txt"].warnings
    )
    # "… (United Kingdom). COMMENTS: The Government of Bolivia recognizes …" (bolivia2010 100.1)
    bolivia = {r["paragraph"]: r for r in batches["bolivia2010.txt"].records}["100.1"]
    assert bolivia["recommending"] == ["GBR"] and "COMMENTS" not in bolivia["text"]
    assert bolivia["source"]["state_comment"].startswith("The Government of Bolivia")
