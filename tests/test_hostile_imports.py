"""Hostile imports (issue 9.2, DESIGN §6): reports, lists and tables from strangers.

Whatever is wrong with a source — cut short, bytes flipped, binary junk spliced in, a zip whose
parts inflate to gigabytes (or lie about their size), XML entity bombs, a YAML file that asks to
run code — the importer either reads it (and what it read is clean and storable) or refuses it
with a ``SourceError``/``TemplateError`` of one line; ``upr import`` then exits 2 and the
workspace is left byte for byte as it was. tests/test_import_files.py checks one example of a few
of these; this suite mutates real sources (hypothesis) and goes through the command line.
"""

from __future__ import annotations

import csv
import random
import re
import shutil
import struct
import tempfile
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hostile_files import fingerprint, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui import checklist
from tui.importers import SourceError, parse_file
from tui.importers.apply import apply_batch
from tui.importers.base import ImportBatch
from tui.importers.common import REPORT_LIMIT
from tui.sanitize import clean_text
from tui.store import Workspace, lock_path

MB = 1024 * 1024
HYPO = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
HOSTILE_TEXT = [
    "\x1b]0;pwned\x07",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b[2J\x1b[H",
    "\x9b31m",
    "\x00",
    "\r",
    "\ufeff",
    "\u202e",
    "\u200b",
    "[@click=app.quit]x[/]",
    "[/x]",
    "\x85",
    "\x7f",
    "é",
    "\ud7ff",
    "\U0001f600",
    "140.7 ",
    "\n\n\n",
    ";;;",
    ',""",',
    "\t",
]


# -- real sources to spoil -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real file of each kind, small enough to parse hundreds of times."""
    corpus = shared_dir / "corpus"
    folder = tmp_path_factory.mktemp("sources")
    out = {
        "report": corpus / "wg-reports" / "A_HRC_59_15_Slovenia_2025.txt",
        "addendum": corpus / "wg-reports" / "A_HRC_59_15_Add1_Slovenia_2025.txt",
        "thematic": corpus / "thematic-lists" / "upr48-slovenia-thematic-list.docx",
        "uhri-json": Path(__file__).parent / "samples" / "uhri-sample.json",
        "uhri-csv": Path(__file__).parent / "samples" / "uhri-sample.csv",
    }
    # UPR Info: the header and 150 rows of a real export (Mac Roman, CR line ends).
    raw = (corpus / "upr-info" / "sessions-18-20.csv").read_bytes()
    out["upr-info"] = folder / "upr-info.csv"
    out["upr-info"].write_bytes(b"\r".join(raw.split(b"\r")[:151]) + b"\r")
    # A table of the report's recommendations as an adviser might keep it: CSV and XLSX.
    records = parse_file(out["report"], country="SVN").records[:60]
    rows = [["Paragraph", "Recommendation", "Recommending State", "Position", "Theme"]]
    rows += [
        [r["paragraph"], r["text"], "; ".join(r["recommending"]), "Supported", "Women"]
        for r in records
    ]
    out["table-csv"] = folder / "matrix.csv"
    with out["table-csv"].open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out["table-xlsx"] = folder / "matrix.xlsx"
    book.save(out["table-xlsx"])
    for name, path in out.items():
        assert path.is_file(), name
    return out


def options_for(kind: str) -> dict[str, Any]:
    return (
        {"country": "SVN"}
        if kind in ("report", "addendum", "thematic", "table-csv", "table-xlsx")
        else {}
    )


def check_outcome(path: Path, kind: str) -> str:
    """Parse a spoiled file: a batch that is clean and storable, or a one-line SourceError."""
    try:
        batch = parse_file(path, **options_for(kind))
    except SourceError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\x1b" not in message and len(message) < 1000, (
            message
        )
        return "refused"
    assert isinstance(batch, ImportBatch)
    for record in batch.records:
        for value in record.values():
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    assert clean_text(text) == text and "\n" not in text, (
                        record.get("id"),
                        text[:200],
                    )
    # What was read can be stored: every value passes the store's own checks.
    folder = Path(tempfile.mkdtemp(prefix="hostile-apply-"))
    try:
        ws = Workspace.open(folder / "w.json", author="ana", lock=False)
        apply_batch(ws, batch)
        ws.close(save=False)
    finally:
        shutil.rmtree(folder)
    return "read"


# -- 1. byte-level mutations of every kind of source ----------------------------------------------


def mutate(raw: bytes, data: st.DataObject) -> bytes:
    """One to three random edits: cut, flip, splice junk or hostile text, delete, repeat."""
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        if not raw:
            break
        at = data.draw(st.integers(0, len(raw) - 1), label="at")
        op = data.draw(
            st.sampled_from(["cut", "flip", "junk", "text", "delete", "repeat", "nul"]), label="op"
        )
        if op == "cut":
            raw = raw[:at]
        elif op == "flip":
            raw = raw[:at] + bytes([data.draw(st.integers(0, 255), label="byte")]) + raw[at + 1 :]
        elif op == "junk":
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=64), label="junk") + raw[at:]
        elif op == "text":
            piece = "".join(
                data.draw(
                    st.lists(st.sampled_from(HOSTILE_TEXT), min_size=1, max_size=4), label="text"
                )
            )
            raw = raw[:at] + piece.encode("utf-8", "surrogatepass") + raw[at:]
        elif op == "delete":
            raw = raw[:at] + raw[at + data.draw(st.integers(1, 2000), label="len") :]
        elif op == "repeat":
            size = data.draw(st.integers(1, 2000), label="len")
            raw = (
                raw[: at + size]
                + raw[at : at + size] * data.draw(st.integers(1, 50), label="times")
                + raw[at + size :]
            )
        else:
            raw = raw[:at] + b"\x00" * data.draw(st.integers(1, 300), label="nuls") + raw[at:]
    return raw


def mutate_zip(src: Path, target: Path, data: st.DataObject) -> None:
    """Spoil one part inside a DOCX/XLSX and zip it again (the zip stays valid: the XML parser
    and the importer see the damage), or drop a part."""
    with zipfile.ZipFile(src) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    name = data.draw(st.sampled_from(sorted(parts)), label="part")
    if data.draw(st.integers(0, 9), label="drop") == 0:
        del parts[name]
    else:
        parts[name] = mutate(parts[name], data)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, content in parts.items():
            zf.writestr(part, content)


TEXT_KINDS = ["report", "addendum", "upr-info", "uhri-json", "uhri-csv", "table-csv"]
ZIP_KINDS = ["thematic", "table-xlsx"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", TEXT_KINDS + ZIP_KINDS)
def test_mutated_sources_are_read_cleanly_or_refused(sources: dict[str, Path], kind: str) -> None:
    src = sources[kind]
    folder = Path(tempfile.mkdtemp(prefix=f"hostile-{kind}-"))
    seen: dict[str, int] = {"read": 0, "refused": 0}

    @settings(HYPO, max_examples=40 if kind in ZIP_KINDS else 60)
    @given(data=st.data())
    def spoil(data: st.DataObject) -> None:
        path = folder / src.name
        if kind in ZIP_KINDS and data.draw(st.booleans(), label="inside"):
            mutate_zip(src, path, data)
        else:
            path.write_bytes(mutate(src.read_bytes(), data))
        seen[check_outcome(path, kind)] += 1

    try:
        spoil()
    finally:
        shutil.rmtree(folder)
    print(f"{kind}: {seen}")  # shown with -s: how many spoiled files were read or refused
    assert sum(seen.values()) >= 40
    assert seen["refused"] + seen["read"] == sum(seen.values())


# -- 2. malformed and binary files through `upr import` --------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace with the demo's records: what a bad import must leave alone."""
    from hostile_files import build_demo

    folder = tmp_path / "team"
    folder.mkdir()
    return build_demo(folder / "team.json")


def import_refused(source: Path, workspace: Path, *extra: str) -> str:
    """``upr import SOURCE -w WORKSPACE``: exit 2, one line, the workspace's folder untouched."""
    before = fingerprint(workspace.parent)
    result = run_cli(["import", str(source), "-w", str(workspace), *extra])
    assert result.code == 2, (result.code, result.out[-500:], result.err[-500:])
    err = result.err
    assert err.count("\n") == 1 and err.startswith("upr import: ") and "Traceback" not in err, err
    assert "\x1b" not in err and result.out == ""
    assert fingerprint(workspace.parent) == before
    assert not lock_path(workspace).exists()
    return err.strip()


def _zip(path: Path, parts: dict[str, bytes], **kwargs: Any) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, **kwargs) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return path


MALFORMED: dict[str, Callable[[Path], bytes]] = {
    "report.txt": lambda _d: bytes(random.Random(1).randbytes(300_000)),
    "report2.txt": lambda _d: b"\x1b]0;x\x07" * 20_000,
    "report.docx": lambda _d: b"PK\x03\x04" + bytes(random.Random(2).randbytes(5000)),
    "list.xlsx": lambda _d: b"PK\x05\x06" + b"\x00" * 18,  # an empty zip
    "empty.csv": lambda _d: b"",
    "nul.csv": lambda _d: b"Recommendation,Position\n" + b"\x00" * 10_000,
    "utf16-junk.csv": lambda _d: b"\xff\xfe" + bytes(random.Random(3).randbytes(4001)),
    "no-text-column.csv": lambda _d: b"a,b,c\n1,2,3\n",
    "big-field.csv": lambda _d: b"Recommendation\n" + b"y" * 140_000_000 + b"\n",
    "image.docx": lambda _d: b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    "elf.txt": lambda _d: b"\x7fELF\x02\x01\x01" + b"\x00" * 5000,
    "pdf.docx": lambda _d: b"%PDF-1.7\n" + b"\x00" * 100,
    "upr-info.csv": lambda _d: b"To,To-Rgrp,To-Org,Text,From\r" + b"\xff\xfe\x00\x01" * 2000,
    "uhri.json": lambda _d: b"[" * 500_000,
    "uhri2.json": lambda _d: b'[{"Symbol": 5, "Text": {"x": []}, "Body": null}' * 3,
    "nested.docx": lambda d: _zip(
        d / "inner.zip", {"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<Types/>"}
    ).read_bytes(),
    "sheetless.xlsx": lambda d: _zip(
        d / "s.zip", {"xl/workbook.xml": b"<workbook/>", "[Content_Types].xml": b"<Types/>"}
    ).read_bytes(),
    "members.xlsx": lambda d: _zip(
        d / "m.zip", {f"xl/p{i}.xml": b"" for i in range(5_001)}
    ).read_bytes(),
    "ooxml-text.xlsx": lambda d: _zip(
        d / "t.zip", {"xl/workbook.xml": b"\x00\x01garbage" * 100, "[Content_Types].xml": b"junk"}
    ).read_bytes(),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_and_binary_sources_are_refused_by_upr_import(
    workspace: Path, tmp_path: Path, name: str
) -> None:
    source = tmp_path / name
    source.write_bytes(MALFORMED[name](tmp_path))
    message = import_refused(source, workspace, "--country", "SVN")
    assert name in message, message
    # and to a workspace that does not exist yet: nothing is created
    fresh = tmp_path / "new" / "fresh.json"
    fresh.parent.mkdir()
    assert run_cli(["import", str(source), "-w", str(fresh), "--country", "SVN"]).code == 2
    assert list(fresh.parent.iterdir()) == []


def test_a_table_with_no_rows_imports_nothing_and_writes_nothing(
    workspace: Path, tmp_path: Path
) -> None:
    source = tmp_path / "header-only.csv"
    source.write_bytes(b"Recommendation,Position\r\n")
    before = fingerprint(workspace.parent)
    result = run_cli(["import", str(source), "-w", str(workspace), "--country", "SVN"])
    assert result.code == 0 and "apply\tcreated\t0" in result.out, result.out
    assert fingerprint(workspace.parent) == before


@pytest.mark.slow
def test_mutated_sources_through_upr_import_leave_the_workspace_alone(
    sources: dict[str, Path], workspace: Path, tmp_path: Path
) -> None:
    """Spoiled real sources that the importer refuses: the command refuses them too, untouched."""
    rnd = random.Random(42)
    refused = 0
    for attempt in range(400):
        kind = rnd.choice(TEXT_KINDS + ZIP_KINDS)
        raw = sources[kind].read_bytes()
        at = rnd.randrange(len(raw))
        spoiled = raw[:at] + rnd.randbytes(rnd.randint(1, 400)) + raw[at + rnd.randint(0, 400) :]
        source = tmp_path / f"{attempt}-{sources[kind].name}"
        source.write_bytes(spoiled)
        try:
            parse_file(source, **options_for(kind))
        except SourceError:
            import_refused(source, workspace, *(["--country", "SVN"] if options_for(kind) else []))
            refused += 1
        source.unlink()
        if refused >= 40:
            break
    assert refused >= 40


# -- 3. zip bombs ------------------------------------------------------------------------------------

DOCX_PARTS = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
}


def bomb(
    path: Path, member: str, size: int, *, lie: bool = False, others: dict[str, bytes] | None = None
) -> Path:
    """A zip whose ``member`` inflates to ``size`` bytes of a highly compressible payload.

    ``lie``: the sizes in the headers claim 1 KB, so only reading the part would find out.
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, content in (others or DOCX_PARTS).items():
            zf.writestr(name, content)
        with zf.open(member, "w", force_zip64=True) as fh:
            block = (b"<w:p><w:r><w:t>" + b"A" * 1000 + b"</w:t></w:r></w:p>") * 1000
            written = 0
            while written < size:
                fh.write(block)
                written += len(block)
    assert path.stat().st_size < size // 50
    if lie:
        raw = bytearray(path.read_bytes())
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(member)
        # central directory: zip64 extra field holds the real sizes; rewrite them to 1 KB
        name = member.encode()
        at = raw.rfind(b"PK\x01\x02")
        while at >= 0 and raw[at + 46 : at + 46 + len(name)] != name:
            at = raw.rfind(b"PK\x01\x02", 0, at)
        extra = at + 46 + len(name)
        extra_len = struct.unpack("<H", raw[at + 30 : at + 32])[0]
        pos = extra
        while pos < extra + extra_len:
            tag, length = struct.unpack("<HH", raw[pos : pos + 4])
            if tag == 1:  # zip64: uncompressed size first
                raw[pos + 4 : pos + 12] = struct.pack("<Q", 1024)
            pos += 4 + length
        raw[at + 24 : at + 28] = struct.pack("<I", 1024)
        path.write_bytes(bytes(raw))
        with zipfile.ZipFile(path) as zf:
            assert zf.getinfo(member).file_size == 1024 and info.file_size >= size
    return path


class ReadCounter:
    """Counts bytes inflated out of zip parts (every reader goes through ZipExtFile.read)."""

    def __init__(self) -> None:
        self.by_part: dict[str, int] = {}
        self._read = zipfile.ZipExtFile.read
        self._read1 = zipfile.ZipExtFile.read1
        counter = self

        def read(ext: zipfile.ZipExtFile, n: int = -1) -> bytes:
            data = counter._read(ext, n)
            counter.by_part[ext.name] = counter.by_part.get(ext.name, 0) + len(data)
            return data

        def read1(ext: zipfile.ZipExtFile, n: int = -1) -> bytes:
            data = counter._read1(ext, n)
            counter.by_part[ext.name] = counter.by_part.get(ext.name, 0) + len(data)
            return data

        self.patches = [
            mock.patch.object(zipfile.ZipExtFile, "read", read),
            mock.patch.object(zipfile.ZipExtFile, "read1", read1),
        ]

    def __enter__(self) -> ReadCounter:
        for p in self.patches:
            p.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for p in self.patches:
            p.stop()


@pytest.mark.parametrize(
    ("name", "member", "size", "kind"),
    [
        ("bomb.docx", "word/document.xml", 60 * MB, None),  # a report in Word
        ("bomb-list.docx", "word/document.xml", 60 * MB, "thematic-list"),
        ("bomb.xlsx", "xl/worksheets/sheet1.xml", 60 * MB, None),  # one part 1000x: a bomb
        ("bomb-side.docx", "word/media/image1.xml", 55 * MB, None),  # the bomb is not the text
    ],
)
def test_zip_bombs_are_refused_before_inflating(
    workspace: Path, tmp_path: Path, name: str, member: str, size: int, kind: str | None
) -> None:
    path = bomb(tmp_path / name, member, size)
    tracemalloc.start()
    try:
        with ReadCounter() as counter, pytest.raises(SourceError, match="zip bomb|limit") as info:
            parse_file(path, country="SVN", kind=kind)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert counter.by_part.get(member, 0) == 0, "the bomb was inflated before it was refused"
    assert peak < 20 * MB, peak
    assert name in str(info.value)
    import_refused(path, workspace, "--country", "SVN")


@pytest.mark.parametrize(
    ("kind", "member"),
    [("thematic", "word/document.xml"), ("table-xlsx", "xl/worksheets/sheet1.xml")],
)
def test_a_zip_that_lies_about_its_sizes_is_read_no_further_than_it_says(
    sources: dict[str, Path], workspace: Path, tmp_path: Path, kind: str, member: str
) -> None:
    """Headers claim 1 KB, the data inflates to 200 MB: readers stop at the claimed size (the
    checksum then fails) so memory stays small and the file is refused as damaged. The other
    parts are those of a real file, so the reader gets as far as the lying part."""
    with zipfile.ZipFile(sources[kind]) as zf:
        others = {info.filename: zf.read(info) for info in zf.infolist() if info.filename != member}
    path = bomb(tmp_path / f"liar{sources[kind].suffix}", member, 200 * MB, lie=True, others=others)
    tracemalloc.start()
    try:
        with ReadCounter() as counter, pytest.raises(SourceError) as info:
            parse_file(path, country="SVN")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert counter.by_part.get(member, 0) <= 1024
    assert peak < 30 * MB, peak
    assert "\n" not in str(info.value)
    import_refused(path, workspace, "--country", "SVN")


def test_many_small_parts_adding_up_past_the_limit(workspace: Path, tmp_path: Path) -> None:
    """No single part looks like a bomb (ratio under 200), together they pass 50 MB."""
    path = tmp_path / "sum.docx"
    rnd = random.Random(5)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, content in DOCX_PARTS.items():
            zf.writestr(name, content)
        zf.writestr("word/document.xml", b"<w:document/>")
        for i in range(6):
            zf.writestr(f"word/media/junk{i}.bin", rnd.randbytes(9 * MB))
    with ReadCounter() as counter, pytest.raises(SourceError, match="limit"):
        parse_file(path, country="SVN")
    assert sum(counter.by_part.values()) == 0
    assert REPORT_LIMIT == 50 * MB
    import_refused(path, workspace, "--country", "SVN")


# -- 4. XML inside Office files: entity bombs and external entities ---------------------------------

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)


def office_with(src: Path, target: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    parts[part] = change(parts[part])
    return _zip(target, parts)


def _with_doctype(xml: bytes, doctype: bytes, entity: bytes) -> bytes:
    """Put a DOCTYPE before the root and an entity reference into the first text run."""
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    body = re.sub(
        rb"(<w:t(?: [^>]*)?>|<t(?: [^>]*)?>|<v>)", lambda m: m.group(1) + entity, body, count=1
    )
    return doctype + body


@pytest.mark.parametrize(
    ("kind", "part"),
    [
        ("thematic", "word/document.xml"),
        ("table-xlsx", "xl/workbook.xml"),
        ("table-xlsx", "xl/worksheets/sheet1.xml"),
    ],
)
def test_xml_entity_bombs_and_external_entities(
    sources: dict[str, Path], workspace: Path, tmp_path: Path, kind: str, part: str
) -> None:
    src = sources[kind]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7d1f")
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "'
        + secret.as_uri().encode()
        + b'">]>'
    )
    for label, doctype, entity in (("laughs", LAUGHS, b"&lol9;"), ("xxe", xxe, b"&xxe;")):
        path = office_with(
            src,
            tmp_path / f"{label}{src.suffix}",
            part,
            lambda x, d=doctype, e=entity: _with_doctype(x, d, e),
        )
        tracemalloc.start()
        try:
            try:
                batch = parse_file(path, country="SVN")
            except SourceError as exc:
                assert "\n" not in str(exc)
                import_refused(path, workspace, "--country", "SVN")
                batch = None
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 200 * MB, (label, peak)
        if batch is not None:
            texts = " ".join(str(r) for r in batch.records)
            assert "TOP-SECRET" not in texts, "an external entity was read into a record"
            assert "lollollol" * 1000 not in texts, "an entity bomb was expanded"


# -- 5. YAML that asks to run code: column mappings and checklist templates ------------------------

YAML_ATTACKS = [
    "columns: !!python/object/apply:os.system ['touch {marker}']\n",
    "columns:\n  text: !!python/object/apply:os.system ['touch {marker}']\n",
    "columns:\n  text: !!python/object/new:pathlib.Path ['{marker}']\n",
    "columns: {{text: Recommendation}}\ndefaults: !!python/name:os.system\n",
    "!!python/object:tui.store.Workspace {{path: '{marker}'}}\n",
    "columns: {{text: !!python/module:os}}\n",
    "columns: {{text: Recommendation}}\npositions: !!python/object/apply:subprocess.check_output [['touch', '{marker}']]\n",
    "columns: !!binary aGVsbG8=\n",
    "columns: {{text: Recommendation}}\nseparator: [&a [x, x], *a, *a]\n",
]
# A "billion laughs" for YAML: aliases that multiply, harmless only if nothing walks them whole.
YAML_LAUGHS = (
    "a: &a [x,x,x,x,x,x,x,x,x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    + "columns:\n  text: *i\n"
)


@pytest.mark.parametrize("attack", [*YAML_ATTACKS, YAML_LAUGHS])
def test_column_mappings_never_run_code(
    sources: dict[str, Path], workspace: Path, tmp_path: Path, attack: str
) -> None:
    marker = tmp_path / "pwned"
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        attack.format(marker=marker) if "{marker}" in attack or "{{" in attack else attack
    )
    with pytest.raises(SourceError) as info:
        parse_file(sources["table-csv"], mapping=mapping, country="SVN")
    assert "\n" not in str(info.value) and "mapping.yaml" in str(info.value)
    import_refused(sources["table-csv"], workspace, "--mapping", str(mapping), "--country", "SVN")
    assert not marker.exists(), "YAML ran code"


@pytest.mark.parametrize(
    "attack",
    [
        "key: demo\ntitle: !!python/object/apply:os.system ['touch {marker}']\nsource: x\nitems: []\n",
        "key: demo\ntitle: T\nsource: x\nitems:\n- key: a\n  text: !!python/object/new:pathlib.Path ['{marker}']\n",
        "!!python/object/apply:os.system ['touch {marker}']\n",
        "key: !!python/name:os.system\n",
        "key: demo\ntitle: T\nsource: x\nitems: !!python/object/apply:builtins.list [[1]]\n",
        "key: demo\ntitle: T\nsource: x\nitems:\n- !!python/object:tui.checklist.TemplateItem {{key: a}}\n",
        "key: demo\ntitle: ["
        + ", ".join(
            f"&{chr(97 + i)} [{', '.join([('*' + chr(96 + i)) if i else 'x'] * 9)}]"
            for i in range(9)
        )
        + "]\nsource: x\nitems: []\n",
        "\x00\x01binary",
        "key: [" * 5000,
    ],
)
def test_checklist_templates_never_run_code(tmp_path: Path, attack: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "demo.yaml"
    path.write_text(attack.replace("{marker}", str(marker)).replace("{{", "{").replace("}}", "}"))
    with pytest.raises(checklist.TemplateError) as info:
        checklist.load_template(path)
    message = str(info.value)
    assert message.startswith("demo.yaml") and "\n" not in message, message
    assert not marker.exists(), "YAML ran code"


def test_the_yaml_attacks_would_run_with_an_unsafe_loader(tmp_path: Path) -> None:
    """The attacks above are real: ``yaml.unsafe_load`` runs them (so the tests can fail)."""
    marker = tmp_path / "pwned"
    yaml.unsafe_load(YAML_ATTACKS[1].format(marker=marker))
    assert marker.exists()
