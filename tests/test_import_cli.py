"""``upr import``: the summary, writing as one undo step, dry runs and exit codes (issue 4, DESIGN §9).

Runs ``tui.cli.main`` in-process: stdout captured by pytest is not a terminal, so the summary is
the TSV a script reads; the Rich report is checked through a stream that says it is a terminal.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from tui.cli import main
from tui.commands.import_ import apply_import
from tui.importers import parse_file
from tui.store import Workspace

REPORT = "corpus/wg-reports/A_HRC_59_15_Slovenia_2025.txt"
ADDENDUM = "corpus/wg-reports/A_HRC_59_15_Add1_Slovenia_2025.txt"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class FakeTerminal(io.StringIO):
    """stdout that claims to be a terminal, so the command prints its Rich report."""

    def isatty(self) -> bool:
        return True


def tsv(out: str) -> list[list[str]]:
    lines = out.splitlines()
    assert lines[0] == "section\tkey\tvalue"
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(r) == 3 for r in rows)
    return rows


def section(rows: list[list[str]], name: str) -> dict[str, str]:
    return {r[1]: r[2] for r in rows if r[0] == name}


def records(path: Path, table: str = "recommendations") -> dict[str, dict]:
    ws = Workspace.open(path, author="reader", read_only=True)
    try:
        return {rid: dict(r) for rid, r in ws.table(table).items()}
    finally:
        ws.close(save=False)


def run_import(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["import", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_then_addendum(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws.json"
    code, out, err = run_import(capsys, str(shared_dir / REPORT), "-w", str(ws))
    assert (code, err) == (0, "")
    rows = tsv(out)
    src = section(rows, "source")
    assert (src["kind"], src["document"], src["country"], src["mode"]) == (
        "wg-report",
        "A/HRC/59/15",
        "SVN",
        "applied",
    )
    assert section(rows, "count")["recommendations"] == "254"
    assert section(rows, "position") == {"pending": "254"}
    recommending = section(rows, "recommending")
    assert recommending["ISL"] == "7"  # Iceland made the most recommendations
    assert int(recommending["CRI"]) == 5
    assert section(rows, "apply")["created"] == "254"
    assert section(rows, "apply")["updated"] == "0"
    assert section(rows, "country_added") == {"SVN": ""}
    saved = records(ws)
    assert len(saved) == 254
    assert {r["paragraph"] for r in saved.values()} == {f"140.{i}" for i in range(1, 255)}
    assert records(ws, "countries")["SVN"]["templates"] == ["unct-upr"]

    code, out, err = run_import(capsys, str(shared_dir / ADDENDUM), "-w", str(ws))
    assert (code, err) == (0, "")
    rows = tsv(out)
    assert section(rows, "source")["kind"] == "addendum"
    assert section(rows, "position") == {"supported": "217", "noted": "37"}
    applied = section(rows, "apply")
    assert (applied["created"], applied["updated"], applied["missing_paragraphs"]) == (
        "0",
        "254",
        "0",
    )
    assert section(rows, "after") == {"supported": "217", "noted": "37"}
    positions = [r["position"] for r in records(ws).values()]
    assert (positions.count("supported"), positions.count("noted")) == (217, 37)


def test_same_file_twice_changes_nothing(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws.json"
    for name in (REPORT, ADDENDUM):
        assert run_import(capsys, str(shared_dir / name), "-w", str(ws))[0] == 0
    before = ws.read_bytes()
    for name in (REPORT, ADDENDUM):
        code, out, _ = run_import(capsys, str(shared_dir / name), "-w", str(ws))
        applied = section(tsv(out), "apply")
        assert code == 0
        assert (applied["created"], applied["updated"]) == ("0", "0"), name
        assert int(applied["unchanged"]) == 254
        assert section(tsv(out), "country_added") == {}
    assert ws.read_bytes() == before  # not even re-saved


def test_dry_run_writes_nothing(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "new.json"
    code, out, _ = run_import(capsys, str(shared_dir / REPORT), "-w", str(missing), "--dry-run")
    assert code == 0
    assert section(tsv(out), "apply")["created"] == "254"
    assert section(tsv(out), "source")["mode"] == "dry-run"
    assert not missing.exists()
    assert list(tmp_path.iterdir()) == []  # no lock file, no temp file either

    ws = tmp_path / "ws.json"
    assert run_import(capsys, str(shared_dir / REPORT), "-w", str(ws))[0] == 0
    before, stat = ws.read_bytes(), ws.stat()
    code, out, _ = run_import(capsys, str(shared_dir / ADDENDUM), "-w", str(ws), "--dry-run")
    assert code == 0
    assert section(tsv(out), "apply")["updated"] == "254"  # what it would do
    assert ws.read_bytes() == before
    assert ws.stat().st_mtime_ns == stat.st_mtime_ns
    assert all(r["position"] == "pending" for r in records(ws).values())


def test_addendum_before_report_lists_missing_paragraphs(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_import(capsys, str(shared_dir / ADDENDUM), "-w", str(tmp_path / "ws.json"))
    rows = tsv(out)
    assert code == 0
    assert section(rows, "apply")["missing_paragraphs"] == "254"
    missing = [r[1] for r in rows if r[0] == "missing"]
    assert missing[:2] == ["140.1", "140.2"] and len(missing) == 254


def test_rich_summary_on_a_terminal(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    ws = tmp_path / "ws.json"
    for name, expected in [
        (
            REPORT,
            [
                "Imported A_HRC_59_15_Slovenia_2025.txt into ws.json",
                "Recommendations  254",
                "254 pending",
                "Recommending States: 94; top 10",
                "Iceland (ISL)",
                "Unknown names: none",
                "Warnings: none",
                "254 created, 0 updated, 0 unchanged",
                "Country added: Slovenia (SVN)",
            ],
        ),
        (ADDENDUM, ["217 supported, 37 noted", "Positions set on 254 recommendation(s)"]),
    ]:
        out = FakeTerminal()
        monkeypatch.setattr(sys, "stdout", out)
        assert main(["import", str(shared_dir / name), "-w", str(ws)]) == 0
        text = ANSI.sub("", out.getvalue())
        flat = " ".join(text.split())
        for phrase in expected:
            assert " ".join(phrase.split()) in flat, phrase
        assert "section\tkey" not in text
    # Top 10 only: the 11th State by count is not listed.
    lines = [line for line in text.splitlines() if "(" in line]
    assert not any("Australia (AUS)" in line for line in lines)


def write_upr_info(path: Path, rows: list[list[str]]) -> None:
    header = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
    body = [",".join(f'"{c}"' if "," in c else c for c in row) for row in rows]
    path.write_bytes("\r".join([header, *body]).encode("mac_roman") + b"\r")


def test_unknown_names_duplicates_encoding_and_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "upr-info.csv"
    row = [
        "Slovenia",
        "WEOG",
        "EU",
        "Ratify the Convention on migrant workers.",
        "Atlantis",
        "WEOG",
        "",
        "Accepted",
        "5",
        "Migrants",
        "34",
    ]
    rows = [
        row,
        [
            "Slovenia",
            "WEOG",
            "EU",
            "Protect the rights of the Roma, in Prekmurje and elsewhere.",
            "Côte d'Ivoire",
            "AG",
            "",
            "Noted",
            "4",
            "Minorities",
            "34",
        ],
    ]
    rows += [row] * 24  # 24 exact duplicates, each a warning with its line number
    write_upr_info(source, rows)
    ws = tmp_path / "ws.json"
    code, out, err = run_import(capsys, str(source), "-w", str(ws))
    assert (code, err) == (0, "")
    tsv_rows = tsv(out)
    assert section(tsv_rows, "source")["kind"] == "upr-info"
    assert section(tsv_rows, "source")["encoding"] == "mac_roman"
    assert section(tsv_rows, "unknown") == {"Atlantis": "25"}  # rows naming it, duplicates included
    assert section(tsv_rows, "count")["duplicates"] == "24"
    assert section(tsv_rows, "recommending")["CIV"] == "1"
    assert section(tsv_rows, "apply")["created"] == "2"
    warnings = [r for r in tsv_rows if r[0] == "warning"]
    assert [w[1] for w in warnings if "duplicate" in w[2]] == [str(n) for n in range(4, 28)]

    monkeypatch.setenv("COLUMNS", "100")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["import", str(source), "-w", str(ws), "--dry-run"]) == 0
    text = ANSI.sub("", terminal.getvalue())
    assert "Unknown names (1, kept as written): Atlantis" in text
    assert "24 (counted once)" in text
    assert "mac_roman" in text
    assert len(warnings) == 25  # the encoding chosen, then one per duplicate row
    shown = re.findall(r"^  (?:line (\d+): |not UTF-8)", text, flags=re.M)
    assert len(shown) == 20
    assert shown[1:] == [str(n) for n in range(4, 23)]
    assert "… and 5 more" in text
    assert "Would create 0, update 0; 2 unchanged" in text


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 40,  # binary garbage
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 200,  # a PDF, not its text
        b"PK\x03\x04" + b"\x00" * 100,  # a broken zip
    ],
)
def test_unreadable_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    source = tmp_path / "report.txt"
    source.write_bytes(content)
    ws = tmp_path / "ws.json"
    code, out, err = run_import(capsys, str(source), "-w", str(ws))
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("upr import: report.txt")
    assert not ws.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]  # the lock is gone too


def test_missing_source_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_import(
        capsys, str(tmp_path / "nothere.txt"), "-w", str(tmp_path / "ws.json")
    )
    assert code == 2 and err == "upr import: nothere.txt: no such file\n"


def test_unknown_country_exits_1(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws.json"
    code, out, err = run_import(capsys, str(shared_dir / REPORT), "-w", str(ws), "--country", "XYZ")
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and "unknown country 'XYZ'" in err
    assert not ws.exists()
    # A name resolves like a code does.
    code, out, _ = run_import(
        capsys, str(shared_dir / REPORT), "-w", str(ws), "--country", "slovenia", "--dry-run"
    )
    assert code == 0 and section(tsv(out), "source")["country"] == "SVN"


def test_bad_option_values_exit_1(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in (["--kind", "pdf"], ["--mechanism", "ICJ"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["import", str(shared_dir / REPORT), "-w", str(tmp_path / "ws.json"), *extra])
        assert exit_info.value.code == 1
        assert "invalid choice" in capsys.readouterr().err
    assert not (tmp_path / "ws.json").exists()


def test_bad_workspace_exits_2_untouched(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws.json"
    ws.write_text('{"recommendations": {"x": {"id": "y"}}')
    before = ws.read_bytes()
    code, _, err = run_import(capsys, str(shared_dir / REPORT), "-w", str(ws))
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("upr import: ")
    assert ws.read_bytes() == before


def test_workspace_open_in_the_app_exits_1(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ws.json"
    holder = Workspace.open(path, author="someone")
    try:
        code, _, err = run_import(capsys, str(shared_dir / REPORT), "-w", str(path))
    finally:
        holder.close(save=False)
    assert code == 1 and "ctrl+o" in err and len(err.splitlines()) == 1


def test_import_is_one_undo_step_with_its_country(shared_dir: Path, tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    try:
        ws.edit(
            "recommendations", "UPR:A/HRC/1/1:1.1", {"text": "an earlier edit", "country": "SVN"}
        )
        summary, added = apply_import(ws, parse_file(shared_dir / REPORT))
        assert (summary.created, added) == (254, ["SVN"])
        assert ws.get("countries", "SVN") is not None
        step = ws.undo()
        assert step is not None and step.label == "Import A_HRC_59_15_Slovenia_2025.txt"
        live = [r for r in ws.table("recommendations").values() if not r.get("deleted")]
        assert [r["id"] for r in live] == ["UPR:A/HRC/1/1:1.1"]  # the earlier edit survives
        assert ws.get("countries", "SVN")["deleted"] is True
        ws.redo()
        assert sum(1 for r in ws.table("recommendations").values() if not r.get("deleted")) == 255
    finally:
        ws.close(save=False)


def test_existing_country_record_is_left_alone(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ws.json"
    ws = Workspace.open(path, author="tester")
    ws.edit("countries", "SVN", {"templates": [], "notes": "ours"})
    ws.close()
    code, out, _ = run_import(capsys, str(shared_dir / REPORT), "-w", str(path))
    assert code == 0 and section(tsv(out), "country_added") == {}
    assert records(path, "countries")["SVN"]["notes"] == "ours"
    assert json.loads(path.read_text())  # still a valid file
