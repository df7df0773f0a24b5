"""UPR Working Group reports of the corpus: every numbered recommendation, its States, its position."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.importers import ImportBatch, SourceError, parse_file
from tui.importers.common import resolve
from tui.importers.report import NO_SECTION, parse_report_text

REPORTS = "corpus/wg-reports"


def parse(shared_dir: Path, name: str, **kw: Any) -> ImportBatch:
    return parse_file(shared_dir / REPORTS / name, **kw)


def blocks(batch: ImportBatch) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for r in batch.records:
        block, n = r["paragraph"].split(".")
        out[int(block)].append(int(n))
    return out


def assert_numbering_complete(batch: ImportBatch) -> None:
    """Counts per block checked against the numbering: max number == count, each number once."""
    for block, numbers in blocks(batch).items():
        assert len(numbers) == len(set(numbers)), f"block {block} has repeated numbers"
        assert max(numbers) == len(numbers), f"block {block}: max {max(numbers)} != {len(numbers)}"


def source_items(path: Path, block: int) -> set[str]:
    """Independent count: every "<block>.<n>" that starts a line of the file (or follows "; ")."""
    text = path.read_text(encoding="utf-8")
    found = re.findall(rf"(?:^|\n|;\s)\s*({block}\.\d+)\.?\s+[A-Z“]", text)
    return set(found)


def flat_source(path: Path) -> str:
    """The file's text with only obvious page furniture dropped and whitespace collapsed."""
    keep = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        s = line.strip()
        if re.fullmatch(r"(\d{1,3}\s+)?GE\.\d{2}-\d{5}.*|A/HRC/\S+|\d{1,3}", s):
            continue
        keep.append(s)
    return " ".join(" ".join(keep).split())


def test_slovenia_2025_has_exactly_254_recommendations(shared_dir: Path) -> None:
    batch = parse(shared_dir, "A_HRC_59_15_Slovenia_2025.txt")
    paragraphs = [r["paragraph"] for r in batch.records]
    assert paragraphs == [f"140.{n}" for n in range(1, 255)]
    assert batch.document == "A/HRC/59/15"
    assert batch.country == "SVN"
    assert {(r["session"], r["cycle"]) for r in batch.records} == {(48, 4)}
    assert all(r["id"] == f"UPR:A/HRC/59/15:{r['paragraph']}" for r in batch.records)
    assert Counter(r["position"] for r in batch.records) == {"pending": 254}  # "will be examined"
    assert source_items(shared_dir / REPORTS / "A_HRC_59_15_Slovenia_2025.txt", 140) == set(
        paragraphs
    )
    assert not batch.unknown_names
    assert not [w for w in batch.warnings if "missing" in w.message]


def test_slovenia_2025_texts_have_no_page_furniture(shared_dir: Path) -> None:
    batch = parse(shared_dir, "A_HRC_59_15_Slovenia_2025.txt")
    for r in batch.records:
        text = r["text"]
        assert "GE.25" not in text, r["paragraph"]
        assert not re.search(r"A/HRC/59/15(?![/\d])", text), r["paragraph"]
        assert not re.search(r"\s\d{1,2}\s+GE\.|\bGE\.\d", text)
        assert "  " not in text and "\n" not in text
        assert text and text[0].isupper(), r["paragraph"]


def test_slovenia_2025_each_text_ends_where_the_states_begin(shared_dir: Path) -> None:
    path = shared_dir / REPORTS / "A_HRC_59_15_Slovenia_2025.txt"
    batch = parse_file(path)
    flat = flat_source(path)
    for r in batch.records:
        assert r["recommending"], r["paragraph"]
        # The text runs unbroken in the source from its number up to the first "(" of the States.
        assert f"{r['paragraph']} {r['text']} (" in flat, r["paragraph"]
        assert not r["text"].endswith((")", ";", ","))
    by_para = {r["paragraph"]: r for r in batch.records}
    # Names wrapped across lines and pages still resolve.
    assert by_para["140.1"]["recommending"][-1] == "VEN"  # "(Bolivarian Republic\nof Venezuela)"
    assert by_para["140.45"]["recommending"] == ["GBR"]  # "(United\nKingdom of Great Britain …)"
    assert by_para["140.37"]["recommending"] == ["SLE"]  # "(Sierra\nLeone)"
    assert by_para["140.7"]["recommending"] == ["MDV", "PRT"]
    assert by_para["140.234"]["text"].endswith("transgender and intersex persons")  # page break
    assert len(by_para["140.1"]["recommending"]) == 8


def test_slovenia_2019_blocks_and_merged_items(shared_dir: Path) -> None:
    batch = parse(shared_dir, "A_HRC_43_15_Slovenia_2019.txt")
    assert len(batch.records) == 215
    assert_numbering_complete(batch)
    assert {b: len(n) for b, n in blocks(batch).items()} == {121: 58, 122: 157}
    positions = Counter((r["paragraph"].split(".")[0], r["position"]) for r in batch.records)
    assert positions == {("121", "supported"): 58, ("122", "pending"): 157}
    by_para = {r["paragraph"]: r for r in batch.records}
    # Two States' recommendations in one item, separated by a semicolon.
    assert by_para["121.2"]["recommending"] == ["UKR", "SVK"]
    assert "(Ukraine); Increase efforts" in by_para["121.2"]["text"]
    # A parenthesis of the text is not a State: "(No. 29)" stays in the text.
    assert by_para["121.3"]["text"].endswith("Forced Labour Convention, 1930 (No. 29)")
    assert by_para["121.3"]["recommending"] == ["GBR"]
    # "non-\nrefoulement": the hyphen is a real one (the word is written so elsewhere).
    assert "principle of non-refoulement" in by_para["122.153"]["text"]
    assert by_para["122.51"]["recommending"] == ["IRN"]  # wrapped over a page break


def test_albania_2014_symbol_from_file_name_with_warning(shared_dir: Path) -> None:
    batch = parse(shared_dir, "A_HRC_27_4_Albania_2014.txt")
    assert batch.document == "A/HRC/27/4"
    assert any("file name" in w.message and "A/HRC/27/4" in w.message for w in batch.warnings)
    assert batch.country == "ALB"
    assert {(r["session"], r["cycle"]) for r in batch.records} == {(19, 2)}
    assert_numbering_complete(batch)
    counts = {b: len(n) for b, n in blocks(batch).items()}
    assert counts == {104: 105, 105: 37, 106: 23}
    by_block = {(r["paragraph"].split(".")[0], r["position"]) for r in batch.records}
    # 105: "enjoy the support of Albania, which considers that they are in the process of
    # implementation" is supported; 106 "will be examined" is pending.
    assert by_block == {("104", "supported"), ("105", "supported"), ("106", "pending")}
    by_para = {r["paragraph"]: r for r in batch.records}
    assert by_para["104.64"]["text"].startswith("Consider improving assistance")  # "104.64."
    assert by_para["104.102"]["recommending"] == ["VEN"]  # "(Venezuela (Bolivarian Republic of))"
    assert by_para["105.32"]["recommending"] == ["RWA"]  # ends with "(Rwanda),"
    assert all("will not be edited" not in r["text"] for r in batch.records)
    assert by_para["104.11"]["text"].endswith("in its domestic legislation")  # footnote after it


def test_albania_symbol_argument_wins_over_file_name(shared_dir: Path) -> None:
    batch = parse(shared_dir, "A_HRC_27_4_Albania_2014.txt", symbol="A/HRC/27/4")
    assert batch.document == "A/HRC/27/4"
    assert not any("file name" in w.message for w in batch.warnings)


def test_morocco_2012_noted_blocks_and_comma_lists(shared_dir: Path) -> None:
    batch = parse(shared_dir, "A_HRC_21_3_Morocco_2012.txt")
    assert batch.document == "A/HRC/21/3" and batch.country == "MAR"
    assert {(r["session"], r["cycle"]) for r in batch.records} == {(13, 2)}
    assert_numbering_complete(batch)
    assert {b: len(n) for b, n in blocks(batch).items()} == {129: 128, 130: 12, 131: 7, 132: 1}
    pos = {r["paragraph"].split(".")[0]: r["position"] for r in batch.records}
    assert pos == {"129": "supported", "130": "supported", "131": "noted", "132": "noted"}
    by_para = {r["paragraph"]: r for r in batch.records}
    assert by_para["129.5"]["recommending"] == ["BEL", "EST", "FRA", "ESP"]
    # The source runs 129.51 into the line of 129.50: split, and said so.
    assert by_para["129.51"]["text"].startswith("Adopt a speci")
    assert "129.51" not in by_para["129.50"]["text"]
    assert any("129.51" in w.message for w in batch.warnings)


def test_brazil_2008_cycle_one_numbering_restarts(shared_dir: Path) -> None:
    batch = parse(shared_dir, "A_HRC_8_27_Brazil_2008.txt")
    assert batch.document == "A/HRC/8/27" and batch.country == "BRA"
    assert [r["paragraph"] for r in batch.records] == [f"83.{n}" for n in range(1, 16)]
    assert {(r["session"], r["cycle"], r["position"]) for r in batch.records} == {
        (1, 1, "supported")
    }
    by_para = {r["paragraph"]: r for r in batch.records}
    assert by_para["83.9"]["recommending"] == ["NLD"]  # "(The Netherlands)"
    assert by_para["83.3"]["text"].endswith("human trafficking and corruption")
    assert all(r["recommending"] and r["text"] for r in batch.records)


def test_mexico_2009_supported_and_examined_blocks(shared_dir: Path) -> None:
    batch = parse(shared_dir, "A_HRC_11_27_Mexico_2009.txt")
    assert batch.document == "A/HRC/11/27" and batch.country == "MEX"
    assert {(r["session"], r["cycle"]) for r in batch.records} == {(4, 1)}
    assert_numbering_complete(batch)
    assert {b: len(n) for b, n in blocks(batch).items()} == {93: 83, 94: 8}
    assert Counter(r["position"] for r in batch.records) == {"supported": 83, "pending": 8}
    by_para = {r["paragraph"]: r for r in batch.records}
    # Several States' recommendations in one item.
    assert by_para["93.16"]["recommending"] == ["IDN", "SWE", "DZA"]
    assert by_para["93.6"]["recommending"] == ["BOL", "GTM", "ESP", "URY", "TUR"]
    assert by_para["94.2"]["recommending"] == ["NZL", "CHE"]
    # Item 46 runs over a page break; item 47 starts right after it.
    assert "committed by police, military and security personnel" in by_para["93.46"]["text"]
    assert by_para["93.47"]["recommending"] == ["PAK", "CUB", "ITA", "BLR"]


@pytest.mark.parametrize(
    "name",
    [
        "A_HRC_59_15_Slovenia_2025.txt",
        "A_HRC_43_15_Slovenia_2019.txt",
        "A_HRC_27_4_Albania_2014.txt",
        "A_HRC_21_3_Morocco_2012.txt",
        "A_HRC_8_27_Brazil_2008.txt",
        "A_HRC_11_27_Mexico_2009.txt",
    ],
)
def test_every_report_every_recommendation_has_state_and_position(
    shared_dir: Path, name: str
) -> None:
    batch = parse(shared_dir, name)
    assert_numbering_complete(batch)
    for r in batch.records:
        assert r["position"] in ("supported", "noted", "pending")
        assert r["recommending"] and all(re.fullmatch(r"[A-Z]{3}", c) for c in r["recommending"])
        assert r["source"]["kind"] == "wg-report" and r["source"]["file"] == name
        assert isinstance(r["source"]["line"], int)
        last = re.search(r"\(([^()]*(?:\([^()]*\))?[^()]*)\)$", r["text"])
        assert not (last and resolve(last.group(1))), f"{r['paragraph']} ends with a State"
        assert not set(r) & {"priority", "cluster", "status", "note", "triaged", "deleted"}


def test_source_line_points_at_the_paragraph(shared_dir: Path) -> None:
    path = shared_dir / REPORTS / "A_HRC_59_15_Slovenia_2025.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    for r in parse_file(path).records:
        assert lines[r["source"]["line"] - 1].strip().startswith(r["paragraph"] + " ")


def test_docx_report_reads_like_the_text(shared_dir: Path, tmp_path: Path) -> None:
    import docx

    path = shared_dir / REPORTS / "A_HRC_59_15_Slovenia_2025.txt"
    document = docx.Document()
    for line in path.read_text(encoding="utf-8").split("\n"):
        document.add_paragraph(line.replace("\x0c", ""))  # form feeds are not XML
    out = tmp_path / "A_HRC_59_15_Slovenia_2025.docx"
    document.save(str(out))
    from_docx = parse_file(out)
    from_text = parse_file(path)
    assert from_docx.kind == "wg-report"
    strip = [{k: v for k, v in r.items() if k != "source"} for r in from_docx.records]
    assert strip == [{k: v for k, v in r.items() if k != "source"} for r in from_text.records]


def test_country_and_symbol_arguments_are_checked_against_the_report(shared_dir: Path) -> None:
    batch = parse(shared_dir, "A_HRC_59_15_Slovenia_2025.txt", country="FRA", symbol="A/HRC/1/1")
    assert batch.country == "SVN" and batch.document == "A/HRC/59/15"
    messages = " ".join(w.message for w in batch.warnings)
    assert "--country FRA ignored" in messages and "--symbol A/HRC/1/1 ignored" in messages


def test_progress_is_reported(shared_dir: Path) -> None:
    calls: list[tuple[int, int]] = []
    parse(shared_dir, "A_HRC_59_15_Slovenia_2025.txt", progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1] == (254, 254)
    assert all(0 <= d <= t for d, t in calls)


def test_small_report_fragment() -> None:
    text = (
        "The review of Slovenia was held at the 13th meeting.\n"
        "held its forty-eighth session\n"
        "II. Conclusions and/or recommendations\n"
        "140. The following recommendations did not enjoy the support of Slovenia:\n"
        "  140.1 Do the first thing with a hyphen-\n  ated word (France) (Atlantis);\n"
        "  140.2 Do the second thing (Côte d’Ivoire).\n"
        "141. All conclusions and/or recommendations contained in the present report.\n"
    )
    batch = parse_report_text(text, source_file="A_HRC_59_15_x.txt")
    assert [r["paragraph"] for r in batch.records] == ["140.1", "140.2"]
    assert [r["position"] for r in batch.records] == ["noted", "noted"]
    assert batch.records[0]["text"] == "Do the first thing with a hyphenated word"
    assert batch.records[0]["recommending"] == ["FRA", "Atlantis"]
    assert batch.unknown_names == Counter({"Atlantis": 1})
    assert batch.records[1]["recommending"] == ["CIV"]
    assert batch.records[0]["session"] == 48 and batch.records[0]["cycle"] == 4


def test_no_section_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match=NO_SECTION):
        parse_report_text("Just a letter.\nNothing numbered here (France).\n")


_FRAGMENTS = st.sampled_from(
    [
        "II. Conclusions and/or recommendations",
        "Conclusions and/or recommendations",
        "140. The following recommendations will be examined by X:",
        "140.",
        "140.1 Ratify (France);",
        "140.2. Do (Venezuela (Bolivarian Republic of))",
        "1.",
        "2. foo (Belgium)",
        "3. bar;",
        "(",
        ")",
        ")(",
        "((",
        "(Spain, and France);",
        "(Atlantis);",
        "GE.25-02819",
        "A/HRC/59/15",
        "12",
        "non-",
        "refoulement",
        "All conclusions and/or recommendations",
        "Annex",
        "III. Other",
        "held its forty-eighth session",
        "The review of Slovenia was held",
        "99999.99999 x",
        "The recommendations below did not enjoy the support of X:",
        "\x0c",
        "\u00ad",
        "\x1b[31m",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    parts=st.lists(st.one_of(_FRAGMENTS, st.text(max_size=25)), max_size=30),
    seps=st.lists(st.sampled_from([" ", "\n", "\n\n", "", "\r"]), min_size=30, max_size=30),
)
def test_report_parser_never_raises_on_arbitrary_text(parts: list[str], seps: list[str]) -> None:
    text = "".join(p + s for p, s in zip(parts, seps, strict=False))
    try:
        batch = parse_report_text(text)
    except SourceError as exc:
        assert str(exc).startswith(NO_SECTION)
        return
    assert batch.records
    for r in batch.records:
        assert isinstance(r["text"], str) and "\x1b" not in r["text"]
        assert re.fullmatch(r"\d+\.\d+", r["paragraph"])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_report_parser_on_plain_random_text(text: str) -> None:
    try:
        parse_report_text(text)
    except SourceError as exc:
        assert str(exc).startswith(NO_SECTION)
