"""UPR Info export: encoding detection, grouping by recommendation, every row accounted for."""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from pathlib import Path

import pytest

from tui.ids import hash_id
from tui.importers import ImportBatch, parse_file

FILES = [
    "sessions-1-5.csv",
    "sessions-6-9.csv",
    "sessions-10-13.csv",
    "sessions-14-17.csv",
    "sessions-18-20.csv",
]
HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"


def csv_rows(path: Path) -> list[list[str]]:
    """An independent reading: the stdlib csv module over the Mac Roman text."""
    text = path.read_bytes().decode("mac_roman")
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


def test_sessions_1_to_20_every_row_accounted_for(shared_dir: Path) -> None:
    start = time.perf_counter()
    batches: list[ImportBatch] = [parse_file(shared_dir / "corpus/upr-info" / f) for f in FILES]
    elapsed = time.perf_counter() - start
    print(f"\nUPR Info sessions 1-20 parsed in {elapsed:.2f} s")
    rows = sum(len(csv_rows(shared_dir / "corpus/upr-info" / f)) for f in FILES)
    assert rows == 41_066
    assert sum(b.stats["rows"] for b in batches) == rows
    pairs = sum(b.stats["pairs"] for b in batches)
    duplicates = sum(b.duplicates for b in batches)
    repeats = sum(b.stats.get("repeats", 0) for b in batches)
    # Every row is a (recommendation, recommending State) pair, an exact duplicate of an earlier
    # row (reported), or a repeat of a pair with other Issue/Response (merged, reported).
    assert pairs + duplicates + repeats == rows
    assert duplicates == 3
    dup_warnings = [w for b in batches for w in b.warnings if "exact duplicate" in w.message]
    assert len(dup_warnings) == 3 and all(w.line for w in dup_warnings)
    # The recommending States of all records are exactly the pairs.
    assert sum(len(r["recommending"]) for b in batches for r in b.records) == pairs
    records = [r for b in batches for r in b.records]
    assert len({r["id"] for r in records}) == len(records)
    assert all(b.encoding == "mac_roman" for b in batches)


def test_grouping_ids_and_fields(shared_dir: Path) -> None:
    path = shared_dir / "corpus/upr-info/sessions-1-5.csv"
    batch = parse_file(path)
    assert batch.kind == "upr-info"
    rows = csv_rows(path)
    groups: dict[tuple[str, str, str], set[str]] = {}
    for row in rows:
        groups.setdefault((row[0], row[10], " ".join(row[3].casefold().split())), set()).add(row[4])
    assert len(batch.records) == len(groups)
    assert max(len(r["recommending"]) for r in batch.records) > 5
    for r in batch.records:
        assert r["id"] == hash_id("UPR", r["country"], r["session"], r["text"])
        assert r["mechanism"] == "UPR" and r["cycle"] == 1 and 1 <= r["session"] <= 5
        assert r["position"] in ("supported", "noted")
        assert r["action_category"] in (1, 2, 3, 4, 5)
        assert r["themes"] and r["source"]["kind"] == "upr-info"
        assert not r["document"] and not r["paragraph"]
    # "&#40;Unknown&#41;" is kept verbatim (decoded) and reported, never dropped.
    assert batch.unknown_names == Counter({"(Unknown)": 9})
    assert sum("(Unknown)" in r["recommending"] for r in batch.records) == 9


def test_mac_roman_detected_and_reported(shared_dir: Path) -> None:
    batch = parse_file(shared_dir / "corpus/upr-info/sessions-6-9.csv")
    assert batch.encoding == "mac_roman"
    note = [w.message for w in batch.warnings if "encoding chosen" in w.message]
    assert len(note) == 1 and "Mac Roman" in note[0] and "0x8e='é'" in note[0]
    assert any(r["country"] == "CIV" for r in batch.records)  # written "Cote d'Ivoire"
    texts = " ".join(r["text"] for r in batch.records)
    assert "é" in texts and "Ž" not in texts


def _write(tmp_path: Path, name: str, rows: list[str], encoding: str, newline: str) -> Path:
    path = tmp_path / name
    path.write_bytes(newline.join([HEADER, *rows]).encode(encoding))
    return path


ROWS = [
    'Côte d\'Ivoire,Africa,AU,"Réviser le code pénal, améliorer l\'accès",Brazil,GRULAC,,Accepted,4,"Justice,Detention",6',
    "Côte d'Ivoire,Africa,AU,\"Réviser le code pénal, améliorer l'accès\",Türkiye,WEOG,,Accepted,4,Justice,6",
    'Côte d\'Ivoire,Africa,AU,"Réviser le code pénal, améliorer l\'accès",Brazil,GRULAC,,Accepted,4,"Justice,Detention",6',
    "Côte d'Ivoire,Africa,AU,Une promesse de l'État,Côte d'Ivoire,Africa,AU,Voluntary Pledge,5,Other,6",
]


@pytest.mark.parametrize(
    ("encoding", "newline", "expected"),
    [
        ("mac_roman", "\r", "mac_roman"),
        ("cp1252", "\r\n", "cp1252"),
        ("utf-8", "\n", "utf-8"),
    ],
)
def test_encodings_and_line_endings(
    tmp_path: Path, encoding: str, newline: str, expected: str
) -> None:
    path = _write(tmp_path, "export.csv", ROWS, encoding, newline)
    batch = parse_file(path)
    assert batch.kind == "upr-info" and batch.encoding == expected
    chosen = [w.message for w in batch.warnings if "encoding chosen" in w.message]
    assert len(chosen) == (0 if expected == "utf-8" else 1)
    recs = [r for r in batch.records if r.get("kind") != "pledge"]
    assert [r["text"] for r in recs] == ["Réviser le code pénal, améliorer l'accès"]
    record = recs[0]
    assert record["country"] == "CIV" and record["recommending"] == ["BRA", "TUR"]
    assert record["themes"] == ["Justice", "Detention"] and record["cycle"] == 1
    assert batch.duplicates == 1 and batch.stats["pledges"] == 1
    assert any("1 voluntary pledges imported as pledges" in w.message for w in batch.warnings)
    (pledge,) = [r for r in batch.records if r.get("kind") == "pledge"]
    assert pledge["text"] == "Une promesse de l'État" and pledge["country"] == "CIV"


def test_disagreeing_rows_are_reported(tmp_path: Path) -> None:
    rows = [
        "Tonga,Asia,,Ratify ICCPR ,Australia,WEOG,,Accepted,5,International instruments,15",
        "Tonga,Asia,,Ratify ICCPR,Maldives,Asia,,Noted,4,International instruments,15",
        "Tonga,Asia,,ratify  ICCPR,Slovenia,EEG,,Noted,5,Death penalty,15",
    ]
    batch = parse_file(_write(tmp_path, "t.csv", rows, "utf-8", "\n"))
    assert len(batch.records) == 1
    record = batch.records[0]
    assert record["recommending"] == ["AUS", "MDV", "SVN"]
    assert record["position"] == "noted" and record["action_category"] == 5
    assert record["themes"] == ["International instruments", "Death penalty"]
    messages = " ".join(w.message for w in batch.warnings)
    assert "disagree on the response" in messages and "disagree on the action" in messages


def test_country_filter(shared_dir: Path) -> None:
    batch = parse_file(shared_dir / "corpus/upr-info/sessions-1-5.csv", country="Brazil")
    assert batch.records and {r["country"] for r in batch.records} == {"BRA"}
    assert batch.country == "BRA"
    assert batch.stats["other_countries"] > 5000
