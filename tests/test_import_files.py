"""Detecting the kind of a file, and refusing unreadable or hostile files with one clear line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tui.importers import SourceError, detect_kind, parse_file


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("wg-reports/A_HRC_59_15_Slovenia_2025.txt", "wg-report"),
        ("wg-reports/A_HRC_8_27_Brazil_2008.txt", "wg-report"),
        ("wg-reports/A_HRC_59_15_Add1_Slovenia_2025.txt", "addendum"),
        ("wg-reports/A_HRC_43_15_Add1_Slovenia_2019.txt", "addendum"),
        ("thematic-lists/upr48-slovenia-thematic-list.docx", "thematic-list"),
        ("thematic-lists/upr34-slovenia-thematic-list.docx", "thematic-list"),
        ("upr-info/sessions-1-5.csv", "upr-info"),
        ("upr-info/voluntary-pledges.csv", "upr-info"),
    ],
)
def test_corpus_kinds(shared_dir: Path, relative: str, kind: str) -> None:
    assert detect_kind(shared_dir / "corpus" / relative) == kind


def test_sample_kinds() -> None:
    samples = Path(__file__).parent / "samples"
    assert detect_kind(samples / "uhri-sample.json") == "uhri"
    assert detect_kind(samples / "uhri-sample.csv") == "uhri"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("report.txt", b"%PDF-1.4 renamed", "PDF"),
        ("noise.txt", bytes(range(256)) * 40, "binary"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Office"),
        ("fake.docx", b"this is not a zip", "not a valid zip"),
        ("fake.xlsx", b"PK\x03\x04 broken", "not a valid zip|damaged"),
        ("data.json", b"\x00\x01\x02garbage", "binary"),
        ("letter.txt", b"Dear colleague,\nplease find attached.\n", "no recommendations section"),
    ],
)
def test_unreadable_files_give_one_line(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message) as info:
        parse_file(path)
    assert "\n" not in str(info.value) and str(info.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        parse_file(tmp_path / "nope.txt")
    with pytest.raises(SourceError, match="not a file"):
        parse_file(tmp_path)
    with pytest.raises(SourceError, match="unknown kind"):
        parse_file(tmp_path / "nope.txt", kind="pdf")


def test_zip_bomb_docx_is_refused_before_inflating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(60):  # 60 MB of zeros: over the 50 MB limit, ~60 KB on disk
                member.write(block)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(SourceError, match="zip bomb|over the 50 MB limit"):
        parse_file(path)


def test_report_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(51 * 1024 * 1024)  # sparse: no disk used
    with pytest.raises(SourceError, match="over the 50 MB limit"):
        parse_file(path, kind="wg-report")


def test_hostile_text_is_inert(tmp_path: Path) -> None:
    text = (
        "The review of Slovenia was held.\nII. Conclusions and/or recommendations\n"
        "140. The following recommendations enjoy the support of Slovenia:\n"
        "140.1 Ratify \x1b]0;owned\x07the [bold]Convention[/bold]\u202e now (France);\n"
    )
    path = tmp_path / "A_HRC_59_15_x.txt"
    path.write_text(text, encoding="utf-8")
    record = parse_file(path).records[0]
    assert record["text"] == "Ratify the [bold]Convention[/bold] now"
    assert record["recommending"] == ["FRA"] and record["position"] == "supported"
