"""UHRI export: the JSON array is streamed, only chosen countries kept, mechanisms from Body.

No real UHRI file is in the corpus: tests/samples/uhri-sample.json and .csv were written from
the documented field names (see tests/samples/README.md).
"""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.importers import SourceError, parse_file
from tui.importers.uhri import as_list, iter_json_array, mechanism_of

SAMPLES = Path(__file__).parent / "samples"
FIELDS = {
    "AffectedPersons",
    "Body",
    "Countries",
    "Sdgs",
    "Symbol",
    "Text",
    "Themes",
    "UprCycle",
    "UprPositions",
    "UprRecommendingCountry",
    "UprSession",
}


def test_sample_uses_exactly_the_documented_fields() -> None:
    entries = json.loads((SAMPLES / "uhri-sample.json").read_text(encoding="utf-8"))
    for entry in entries:
        assert FIELDS <= set(entry)
    header = (SAMPLES / "uhri-sample.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert FIELDS <= set(header.strip().split(","))


@pytest.mark.parametrize("name", ["uhri-sample.json", "uhri-sample.csv"])
def test_sample_for_slovenia(name: str) -> None:
    batch = parse_file(SAMPLES / name, countries=["Slovenia"])
    assert batch.kind == "uhri" and batch.country == "SVN"
    assert batch.stats == {"entries": 7, "kept": 5}
    by_id = {r["id"]: r for r in batch.records}
    upr = by_id["UPR:A/HRC/59/15:140.7"]  # the report's id: the two enrich one record
    assert (upr["mechanism"], upr["body"], upr["position"]) == ("UPR", "", "supported")
    assert upr["recommending"] == ["MDV", "PRT"] and (upr["cycle"], upr["session"]) == (4, 48)
    assert upr["text"] == (
        "Ratify the Optional Protocol to the International Covenant on"
        " Economic, Social and Cultural Rights"
    )
    noted = by_id["UPR:A/HRC/59/15:140.253"]
    assert noted["position"] == "noted" and noted["sdgs"] == ["10", "16.9"]
    assert noted["groups"] == ["Refugees & asylum seekers", "Stateless persons"]
    crc = by_id["TB:CRC/C/SVN/CO/0-0:25(a)"]
    assert (crc["mechanism"], crc["body"], crc["paragraph"]) == ("TB", "CRC", "25(a)")
    assert "&amp;" not in crc["text"] and "& early childhood" in crc["text"]
    assert crc["sdgs"] == ["4.5", "16.2"] and crc["cycle"] is None
    cedaw = by_id["TB:CEDAW/C/SVN/CO/0:18"]
    assert "\x1b" not in cedaw["text"] and "\x07" not in cedaw["text"]  # hostile escapes gone
    sp = next(r for r in batch.records if r["mechanism"] == "SP")
    assert sp["body"] == "Special Rapporteur on the human rights of migrants"
    assert sp["document"] == "A/HRC/00/00/Add.0"  # a visit report's Add.N is kept
    assert "<p>" not in sp["text"]


def test_json_and_csv_samples_agree() -> None:
    def strip(records: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "source"} for r in records]

    a = parse_file(SAMPLES / "uhri-sample.json", countries=["SVN", "ALB"])
    b = parse_file(SAMPLES / "uhri-sample.csv", countries=["SVN", "ALB"])
    assert strip(a.records) == strip(b.records) and len(a.records) == 6


def test_no_country_keeps_all_and_says_so() -> None:
    batch = parse_file(SAMPLES / "uhri-sample.json")
    assert len(batch.records) == 7
    assert any("no country chosen" in w.message for w in batch.warnings)


def test_stream_matches_json_load_at_any_chunk_size() -> None:
    data = (SAMPLES / "uhri-sample.json").read_bytes()
    expected = json.loads(data)
    for size in (1, 2, 7, 64, 4096):
        got = [e for _i, e in iter_json_array(io.BytesIO(data), name="s", chunk_size=size)]
        assert got == expected, size


def test_streaming_keeps_memory_small(tmp_path: Path) -> None:
    """A 6 MB array is parsed with a peak far below its size: it is never loaded whole."""
    entry = json.loads((SAMPLES / "uhri-sample.json").read_text(encoding="utf-8"))[2]
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as f:
        f.write("[")
        for i in range(6000):
            if i:
                f.write(",\n")
            json.dump({**entry, "Text": f"{i}. " + "x" * 800, "Countries": ["Peru"]}, f)
        f.write("]")
    size = path.stat().st_size
    assert size > 5_000_000
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            count = sum(1 for _ in iter_json_array(stream, name="big", chunk_size=256 * 1024))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 6000
    assert peak < size / 5, f"peak {peak} bytes for a {size}-byte file"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"Text": "x"}', "not a JSON array"),
        (b'[{"Text": "x"}, {"Text": ', "cut short|broken JSON"),
        (b'[{"Text": "x"} {"Text": "y"}]', "expected ','"),
        (b'[{"Text": "\xff\xfe"}]', "not UTF-8"),
    ],
)
def test_broken_json_is_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        parse_file(path, countries=["SVN"])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_stream_never_crashes_on_garbage(data: bytes) -> None:
    try:
        for _ in iter_json_array(io.BytesIO(data), name="g", chunk_size=16):
            pass
    except SourceError:
        pass


def test_field_shapes_and_bodies() -> None:
    assert as_list("- CRC") == ["CRC"]
    assert as_list("16.2 - Protect children\n- 5 - Gender equality") == [
        "16.2 - Protect children",
        "5 - Gender equality",
    ]
    assert as_list(["Children", None, ""]) == ["Children"]
    assert mechanism_of("UPR") == ("UPR", "")
    assert mechanism_of("CEDAW") == ("TB", "CEDAW")
    assert mechanism_of("SPT") == ("TB", "SPT")
    assert mechanism_of("Working Group on Arbitrary Detention") == (
        "SP",
        "Working Group on Arbitrary Detention",
    )
    assert mechanism_of("Something else") is None
