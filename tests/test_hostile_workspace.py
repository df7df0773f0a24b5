"""Hostile workspace files (issue 9.1, DESIGN §6): whatever arrives by email, ``upr check FILE``
and ``upr FILE`` answer with ONE line naming the fault and exit 2, without a traceback; the file
is left byte for byte as it was (no lock, backup or temp file next to it); and the same process
still opens a good file afterwards.

tests/test_store.py checks one example of each fault through ``Workspace.open``; this suite
throws many at the command line: a real file cut at every byte, wrong types in every field of
every table (hypothesis), strings over the limit in every string field, deep nesting in every
place, invalid UTF-8 anywhere, duplicate ids in every table, clocks far ahead, odd schema
versions, and 200 MB of junk.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_files import (
    REC,
    RecordingPty,
    app_stub,
    big_real_file,
    build_demo,
    fingerprint,
    load_tables,
    refused_everywhere,
    run_cli,
    small_real_file,
    write_tables,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui import model
from tui.clock import DAY_MS, clock_key, format_clock
from tui.model import EDITED_TABLES, SCHEMAS
from tui.sanitize import MAX_STRING
from tui.store import Workspace, lock_path

REPO = Path(__file__).resolve().parent.parent
UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"
NOW_MS = time.time_ns() // 1_000_000
HYPO = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
HYPO_60 = settings(HYPO, max_examples=60)
HYPO_120 = settings(HYPO, max_examples=120)

# What a refusal may say: each message names the fault in words a person understands.
FAULTS = re.compile(
    r"not valid JSON|not UTF-8|not a workspace|not an object|appears twice|"
    r"field '|made by a newer version of upr|larger than|unpacks to|not a valid gzip|"
    r"record id|expected an object|nested|2\^53|too large|not allowed"
)


# -- the files to spoil ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo, a small real file with a record in every table, and a good file to reopen."""
    folder = tmp_path_factory.mktemp("real")
    demo = build_demo(folder / "demo.json")
    small = small_real_file(demo, folder / "small.json")
    ws = Workspace.open(small, author="ana", lock=False)
    ws.edit(
        "actions",
        "SVN:act:1",
        {
            "country": "SVN",
            "title": "Train judges",
            "cost": 1500,
            "deadline": "2027-01-31",
            "recommendations": [next(iter(ws.table(REC)))],
        },
    )
    first, second = sorted(ws.table(REC))[:2]
    ws.edit("links", f"LINK:{first}|{second}", {"a": first, "b": second, "relation": "same"})
    ws.edit("engagements", "SVN:CRC:2026", {"country": "SVN", "mechanism": "TB", "body": "CRC"})
    ws.put(
        "conflicts",
        "c1",
        {
            "id": "c1",
            "table": REC,
            "record": next(iter(ws.table(REC))),
            "field": "priority",
            "winner": "high",
            "winner_clock": format_clock(NOW_MS - 5000, 0, "ana"),
            "winner_author": "ana",
            "other": "low",
            "other_clock": format_clock(NOW_MS - 6000, 0, "bob"),
            "other_author": "bob",
            "resolved": "",
            "resolution": "",
        },
    )
    ws.close()
    good = folder / "good" / "good.json"
    good.parent.mkdir()
    shutil.copyfile(small, good)
    data = load_tables(small)
    assert all(data[t] for t in SCHEMAS), "every table holds a record to spoil"
    return {"demo": demo, "small": small, "good": good}


@pytest.fixture
def bad_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    return folder


def first_id(data: dict[str, dict[str, Any]], table: str) -> str:
    return next(iter(data[table]))


def write_one_line(path: Path, data: Any) -> Path:
    """The layout of stock TinyDB (and of many tools): one line, read by the stdlib parser."""
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


# -- 1. a real file cut short at every byte ------------------------------------------------------


def check_cut(path: Path, raw: bytes, cut: int, good: Path | None) -> str:
    """``raw[:cut]``: refused with one line, or (only whitespace or nothing cut) the same data."""
    path.write_bytes(raw[:cut])
    if cut == 0:  # issue 15.8: an empty file hides everything; upr check says so
        result = run_cli(["check", str(path)])
        assert result.code == 2 and "an empty file (0 bytes)" in result.err, result
        return "empty"
    if raw[:cut].strip() == raw.strip():
        result = run_cli(["check", str(path)])
        assert result.code == 0 and " ok " in result.out, (cut, result.err)
        return "ok"
    message = refused_everywhere(path, good)
    assert re.search(r"not valid JSON|not UTF-8", message), (cut, message)
    return message


@pytest.mark.slow
def test_a_small_real_file_cut_at_every_byte(files: dict[str, Path], bad_dir: Path) -> None:
    raw = files["small"].read_bytes()
    assert 4_000 < len(raw) < 20_000 and re.search(rb"[\x80-\xff]", raw)
    path = bad_dir / "cut.json"
    seen: dict[str, int] = {}
    for cut in range(len(raw)):
        verdict = check_cut(path, raw, cut, files["good"] if cut % 101 == 0 else None)
        kind = verdict if verdict in ("ok", "empty") else ("utf8" if "UTF-8" in verdict else "json")
        seen[kind] = seen.get(kind, 0) + 1
    # Cuts inside a multi-byte character are named as such; the rest are broken JSON.
    assert seen["utf8"] >= 1 and seen["json"] > len(raw) - 20, seen
    assert seen["ok"] == 1 and seen["empty"] == 1, seen


@pytest.mark.slow
def test_the_demo_and_a_10_mb_file_cut_at_sampled_bytes(
    files: dict[str, Path], bad_dir: Path, tmp_path: Path
) -> None:
    big = big_real_file(files["demo"], tmp_path / "big.json")
    rnd = random.Random(9)
    cuts = 0
    for source, samples in ((files["demo"], 150), (big, 150)):
        raw = source.read_bytes()
        offsets = {1, 2, len(raw) - 2, len(raw) - 3, len(raw) // 2}
        offsets |= {rnd.randrange(len(raw)) for _ in range(samples)}
        path = bad_dir / source.name
        for i, cut in enumerate(sorted(offsets)):
            check_cut(path, raw, cut, files["good"] if i % 25 == 0 else None)
            cuts += 1
    assert cuts >= 300


# -- 2. wrong types in every field of every table ------------------------------------------------

ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
TYPED_FIELDS = [
    (table, fname)
    for table, schema in SCHEMAS.items()
    for fname, (check, _d) in schema.fields.items()
    if check is not model._any
]


@pytest.mark.parametrize(
    ("table", "fname"), TYPED_FIELDS, ids=[f"{t}.{f}" for t, f in TYPED_FIELDS]
)
def test_wrong_types_in_every_field_of_every_table(
    files: dict[str, Path], table: str, fname: str
) -> None:
    check = SCHEMAS[table].fields[fname][0]
    base = load_tables(files["small"])
    rid = first_id(base, table)
    folder = Path(tempfile.mkdtemp(prefix="hostile-types-"))
    tried: list[Any] = []

    @HYPO
    @given(value=ANY_JSON.filter(lambda v: check(v) is not None), one_line=st.booleans())
    def spoil(value: Any, one_line: bool) -> None:
        data = load_tables(files["small"])
        data[table][rid][fname] = value
        path = folder / "typed.json"
        write_one_line(path, data) if one_line else write_tables(path, data)
        message = refused_everywhere(path)
        if (table, fname) == ("meta", "schema_version"):
            assert "schema" in message, message
        else:
            assert f"{table}/" in message and f"'{fname}'" in message, message
        tried.append(value)

    try:
        spoil()
    finally:
        shutil.rmtree(folder)
    assert len(tried) >= 10
    # And the app still opens a good file in this process.
    with app_stub() as stub:
        assert run_cli([str(files["good"])]).code == 0 and len(stub.opened) == 1


# -- 3. strings over the 100 KB limit, everywhere a string goes ----------------------------------

STRING_FIELDS = [
    (table, fname, check is model._string_list)
    for table, schema in SCHEMAS.items()
    for fname, (check, _d) in schema.fields.items()
    if check in (model._string, model._optional_string, model._string_list) and fname != "id"
]


@pytest.mark.parametrize(
    ("table", "fname", "is_list"), STRING_FIELDS, ids=[f"{t}.{f}" for t, f, _ in STRING_FIELDS]
)
def test_huge_strings_in_every_string_field(
    files: dict[str, Path], bad_dir: Path, table: str, fname: str, is_list: bool
) -> None:
    for size in (MAX_STRING + 1, 3_000_000):
        data = load_tables(files["small"])
        rid = first_id(data, table)
        huge = "é" * size if size > MAX_STRING + 1 else "x" * size
        data[table][rid][fname] = ["ok", huge] if is_list else huge
        path = write_tables(bad_dir / "huge.json", data)
        message = refused_everywhere(path, files["good"] if size > 1_000_000 else None)
        assert f"'{fname}'" in message and "longer than" in message, message


def test_huge_ids_table_names_and_unknown_fields(files: dict[str, Path], bad_dir: Path) -> None:
    """Over-long record ids are refused; unknown tables and fields (kept for newer versions) may
    not smuggle strings, keys or numbers past the limits either."""
    cases: list[tuple[Callable[[dict[str, Any]], None], str]] = [
        (lambda d: d[REC].__setitem__("U" * 5000, {"id": "U" * 5000}), "record id"),
        (
            lambda d: d[REC][first_id(d, REC)].__setitem__("x_new", "y" * (MAX_STRING + 1)),
            "'x_new'",
        ),
        (
            lambda d: d[REC][first_id(d, REC)].__setitem__("x_new", ["y" * (MAX_STRING + 1)]),
            "'x_new'",
        ),
        (lambda d: d[REC][first_id(d, REC)].__setitem__("k" * (MAX_STRING + 1), 1), "field"),
        (
            lambda d: d["history"][first_id(d, "history")].__setitem__(
                "new", "z" * (MAX_STRING + 1)
            ),
            "'new'",
        ),
        (
            lambda d: d["actions"][first_id(d, "actions")].__setitem__(
                "cost", "9" * (MAX_STRING + 1)
            ),
            "'cost'",
        ),
        (
            lambda d: d.__setitem__("x_future", {"r": {"id": "r", "blob": "b" * 2_000_000}}),
            "x_future/r",
        ),
        (lambda d: d.__setitem__("x_future", {"r": {"id": "r", "n": 2**64}}), "2^53"),
        (lambda d: d.__setitem__("t" * 5000, {}), "table name longer"),
        (
            lambda d: d[REC][first_id(d, REC)]["source"].__setitem__("f" * (MAX_STRING + 1), "x"),
            "'source'",
        ),
        (
            lambda d: d[REC][first_id(d, REC)]["source"].__setitem__(
                "file", "f" * (MAX_STRING + 1)
            ),
            "'source'",
        ),
    ]
    for spoil, fragment in cases:
        data = load_tables(files["small"])
        spoil(data)
        path = write_tables(bad_dir / "long.json", data)
        message = refused_everywhere(path)
        assert fragment in message, message


def test_an_edit_cannot_store_what_the_next_open_would_refuse(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """Free-form fields (an action's cost, a country's views) take no string over the limit:
    otherwise the app would save a file it then refuses to open."""
    path = shutil.copyfile(files["small"], tmp_path / "w.json")
    ws = Workspace.open(path, author="ana")
    for table, rid, values in (
        ("actions", "SVN:act:1", {"cost": "9" * (MAX_STRING + 1)}),
        ("countries", "SVN", {"views": {"v": {"q": "x" * (MAX_STRING + 1)}}}),
        ("countries", "SVN", {"views": {"k" * (MAX_STRING + 1): {}}}),
    ):
        with pytest.raises(ValueError, match="longer than"):
            ws.edit(table, rid, values)
    assert not ws.dirty
    ws.close()
    assert run_cli(["check", str(path)]).code == 0


# -- 4. deep nesting, anywhere -----------------------------------------------------------------


def nest(depth: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


@HYPO
@given(
    where=st.sampled_from(
        [
            "recommendations.source",
            "recommendations.x_unknown",
            "actions.cost",
            "history.new",
            "history.old",
            "conflicts.winner",
            "countries.views",
            "x_table.field",
        ]
    ),
    depth=st.sampled_from([33, 64, 500, 5_000]),
    kind=st.sampled_from(["list", "dict"]),
)
def test_deep_nesting_inside_records(
    files: dict[str, Path], where: str, depth: int, kind: str
) -> None:
    table, fname = where.split(".")
    data = load_tables(files["small"])
    if table == "x_table":
        data[table] = {"r": {"id": "r"}}
    rid = first_id(data, table)
    data[table][rid][fname] = nest(depth, kind)
    folder = Path(tempfile.mkdtemp(prefix="hostile-deep-"))
    try:
        # The store's own writer refuses to encode > ~1000 levels: write such files by hand.
        text = json.dumps(data, ensure_ascii=False) if depth < 900 else None
        if text is None:
            placeholder = '"__DEEP__"'
            data[table][rid][fname] = "__DEEP__"
            opener, closer = ("[", "]") if kind == "list" else ('{"a":', "}")
            text = json.dumps(data, ensure_ascii=False).replace(
                placeholder, opener * depth + "1" + closer * depth, 1
            )
        path = folder / "deep.json"
        path.write_text(text, "utf-8")
        message = refused_everywhere(path)
        if "too deeply" not in message:  # the parser's own limit (~1000 levels) names no field
            assert f"'{fname}'" in message and ("nested" in message or "expected" in message), (
                message
            )
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 1_000_000 + "]" * 1_000_000,
        '{"recommendations":' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}",
        '{"x":' * 300_000,  # cut short too
        "[" * 3_000_000,
    ],
)
def test_deep_nesting_of_the_whole_file(bad_dir: Path, files: dict[str, Path], text: str) -> None:
    path = bad_dir / "deep.json"
    path.write_text(text)
    message = refused_everywhere(path, files["good"])
    assert FAULTS.search(message), message


# -- 5. invalid UTF-8 anywhere ----------------------------------------------------------------

BAD_UTF8 = [
    b"\xff",
    b"\xfe\xff",
    b"\xc3",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\x80",
    b"\xe2\x82",
    b"\xf8\x88\x80\x80\x80",
]


@HYPO_120
@given(data=st.data())
def test_invalid_utf8_inserted_anywhere(files: dict[str, Path], data: st.DataObject) -> None:
    raw = files["small"].read_bytes()
    at = data.draw(st.integers(3, len(raw) - 1), label="offset")
    bad = data.draw(st.sampled_from(BAD_UTF8), label="bytes")
    replace = data.draw(st.booleans(), label="replace")
    spoiled = raw[:at] + bad + raw[at + (len(bad) if replace else 0) :]
    try:
        spoiled.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = spoiled[: exc.start].count(b"\n") + 1
    else:  # pragma: no cover - every sequence above is invalid wherever it goes
        raise AssertionError("still valid UTF-8")
    folder = Path(tempfile.mkdtemp(prefix="hostile-utf8-"))
    try:
        path = folder / "latin.json"
        path.write_bytes(spoiled)
        message = refused_everywhere(path)
        assert "not UTF-8" in message and f"line {line}," in message, message
    finally:
        shutil.rmtree(folder)


def test_utf16_and_latin1_files(files: dict[str, Path], bad_dir: Path) -> None:
    """A file re-saved by an editor in another encoding is refused, never misread."""
    text = files["small"].read_text("utf-8").replace('"note":""', '"note":"café Ljubljana"', 1)
    for encoding in ("utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"):
        path = bad_dir / f"{encoding}.json"
        raw = text.encode(encoding, errors="replace")
        path.write_bytes(raw)
        if encoding in ("latin-1", "cp1252"):
            assert re.search(rb"[\x80-\xff]", raw), "a character that is not ASCII survives"
        message = refused_everywhere(path)
        assert "not UTF-8" in message or "not valid JSON" in message, (encoding, message)


# -- 6. duplicate ids in every table ---------------------------------------------------------------


@pytest.mark.parametrize("table", list(SCHEMAS))
@pytest.mark.parametrize("layout", ["ours", "one line", "indented"])
def test_duplicate_ids_in_every_table(
    files: dict[str, Path], bad_dir: Path, table: str, layout: str
) -> None:
    data = load_tables(files["small"])
    rid = first_id(data, table)
    record = data[table][rid]
    twin = (
        json.dumps(rid, ensure_ascii=False)
        + ":"
        + json.dumps(
            dict(record, note="the hidden twin") if "note" in record else record, ensure_ascii=False
        )
    )
    if layout == "ours":
        path = write_tables(bad_dir / "dup.json", data)
        lines = path.read_text("utf-8").split("\n")
        head = lines.index(json.dumps(table) + ":{")
        at = next(
            i
            for i, line in enumerate(lines)
            if i > head and line.startswith(json.dumps(rid, ensure_ascii=False) + ":")
        )
        lines.insert(at + 1, twin + ",")
        if not lines[at].endswith(","):
            lines[at] += ","
            lines[at + 1] = lines[at + 1].rstrip(",")
        path.write_text("\n".join(lines), "utf-8")
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2 if layout == "indented" else None)
        head = json.dumps(table) + ": {"
        at = text.index(head) + len(head)
        path = bad_dir / "dup.json"
        path.write_text(text[:at] + twin + "," + text[at:], "utf-8")
    message = refused_everywhere(path, files["good"] if layout == "ours" else None)
    assert "appears twice" in message and table in message, message


def test_a_table_twice(files: dict[str, Path], bad_dir: Path) -> None:
    text = json.dumps(load_tables(files["small"]))
    path = bad_dir / "twice.json"
    path.write_text(text[:-1] + ', "recommendations": {}}')
    assert "table 'recommendations' appears twice" in refused_everywhere(path)


# -- 7. clocks far in the future -----------------------------------------------------------------


@HYPO_60
@given(
    table=st.sampled_from([*EDITED_TABLES, "history"]),
    ahead=st.one_of(
        st.integers(DAY_MS + 60_000, 400 * DAY_MS),
        st.integers(400 * DAY_MS, 9_999_999_999_999 - NOW_MS - DAY_MS),
    ),
    own_field=st.booleans(),
    author=st.sampled_from(["mallory", "a.b@c-d", "x" * 64]),
)
def test_clocks_far_in_the_future(
    files: dict[str, Path], table: str, ahead: int, own_field: bool, author: str
) -> None:
    """DESIGN §4 (issue 15.4): a clock far ahead (a wrong date) is accepted with ONE warning
    naming the author and the skew, by the app and by ``upr check`` (exit 0), never refused."""
    data = load_tables(files["small"])
    rid = first_id(data, table)
    # "Now" at the moment of the check, not at import: a long suite would age a fixed NOW_MS.
    now_ms = time.time_ns() // 1_000_000
    clock = format_clock(min(now_ms + ahead, 9_999_999_999_999), 0, author)
    if table == "history":
        data[table][rid]["clock"] = clock
    else:
        fname = "deleted" if own_field else "*"
        data[table][rid]["_clock"][fname] = clock
    folder = Path(tempfile.mkdtemp(prefix="hostile-clock-"))
    try:
        path = write_tables(folder / "future.json", data)
        ws = Workspace.open(path, author="ana", read_only=True)
        [warning] = [w for w in ws.warnings if "ahead" in w]
        assert author in warning and " ahead" in warning, warning
        assert clock_key(ws.clock.tick())[0] < now_ms + DAY_MS  # our clock stays honest
        check = run_cli(["check", str(path)])
        assert check.code == 0 and ": ok (" in check.out, check
        assert check.err.count("\n") == 1 and author in check.err, check.err
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize(
    "clock",
    [
        "0000000000001|000000|x|y",
        "1" * 14 + "|000000|m",
        "2026-11-25|0|me",
        "",
        "🕐",
        17,
    ],
)
def test_malformed_clocks(files: dict[str, Path], bad_dir: Path, clock: Any) -> None:
    data = load_tables(files["small"])
    data[REC][first_id(data, REC)]["_clock"]["priority"] = clock
    message = refused_everywhere(write_tables(bad_dir / "clock.json", data))
    assert "_clock.priority" in message and "malformed" in message, message


# -- 8. unknown and future schema versions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "fragment"),
    [
        (3, "made by a newer version of upr (schema 3"),
        (10_000, "schema 10000"),
        (10_001, "schema"),
        (2**53, "schema"),
        (0, "schema_version"),
        (-1, "schema_version"),
        ("1", "schema_version"),
        (1.0, "schema_version"),
        (1.5, "schema_version"),
        (True, "schema_version"),
        (None, "schema_version"),
        ([1], "schema_version"),
        ({"v": 1}, "schema_version"),
        ("2.0-beta", "schema_version"),
    ],
)
def test_unknown_and_future_schema_versions(
    files: dict[str, Path], bad_dir: Path, version: Any, fragment: str
) -> None:
    data = load_tables(files["small"])
    data["meta"]["meta"]["schema_version"] = version
    message = refused_everywhere(write_tables(bad_dir / "version.json", data), files["good"])
    assert fragment in message, message
    if isinstance(version, int) and not isinstance(version, bool) and version > 2:
        assert "upgrade UPR Workbench" in message and "unchanged" in message


@pytest.mark.parametrize("meta", [5, "meta", [], None])
def test_meta_that_is_not_a_record(files: dict[str, Path], bad_dir: Path, meta: Any) -> None:
    data = load_tables(files["small"])
    data["meta"]["meta"] = meta
    message = refused_everywhere(write_tables(bad_dir / "meta.json", data))
    assert "meta" in message, message


# -- 9. 200 MB of junk (and more) ---------------------------------------------------------------

JUNK = 200_000_000


def junk_file(path: Path, kind: str) -> Path:
    with path.open("wb") as fh:
        if kind == "random":
            rnd = random.Random(200)
            for _ in range(JUNK // 4_000_000):
                fh.write(rnd.randbytes(4_000_000))
        elif kind == "zeros":
            fh.truncate(JUNK)  # sparse: costs no disk
        elif kind == "text":
            fh.write(b"Lorem ipsum dolor sit amet. " * (JUNK // 28 + 1))
        elif kind == "one string":
            fh.write(b'{"recommendations":{"x":{"id":"x","text":"')
            fh.write(b"A" * JUNK)
            fh.write(b'"}}}')
        elif kind == "one record line":
            fh.write(b'{\n"recommendations":{\n"x":{"id":"x","note":"')
            fh.write("é".encode() * (JUNK // 2))
            fh.write(b'"}\n}\n}\n')
        elif kind == "array":
            fh.write(b"[" + b"0," * (JUNK // 2) + b"0]")
        elif kind == "brackets":
            fh.write(b"[" * JUNK)
        elif kind == "over 1 GB":
            fh.truncate(1_100_000_000)
        elif kind == "gzip bomb":
            z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
            block = b"\0" * 16_000_000
            for _ in range(70):  # 1.12 GB of zeros inside ~1 MB
                fh.write(z.compress(block))
            fh.write(z.flush())
        elif kind == "gzip cut":
            fh.write(gzip.compress(b'{"recommendations":{}}' * 10_000)[:500])
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind",
    [
        "random",
        "zeros",
        "text",
        "one string",
        "one record line",
        "array",
        "brackets",
        "over 1 GB",
        "gzip bomb",
        "gzip cut",
    ],
)
def test_200_mb_of_junk(files: dict[str, Path], bad_dir: Path, kind: str) -> None:
    path = junk_file(bad_dir / "junk.json", kind)
    if kind not in ("over 1 GB", "gzip bomb", "gzip cut"):
        assert path.stat().st_size >= JUNK
    message = refused_everywhere(path, files["good"])
    assert FAULTS.search(message), message


@pytest.mark.slow
def test_a_hostile_share_copy_opened_by_the_app_leaves_nothing_behind(
    files: dict[str, Path], bad_dir: Path
) -> None:
    """``upr copy.json.gz`` unpacks beside it: a bomb, a cut or a bad copy must not leave a file."""
    bad_content = json.dumps({"recommendations": {"x": {"id": "x", "priority": "urgent"}}}).encode()
    for name, make in (
        ("bomb.json.gz", lambda p: junk_file(p, "gzip bomb")),
        ("cut.json.gz", lambda p: junk_file(p, "gzip cut")),
        ("bad.json.gz", lambda p: p.write_bytes(gzip.compress(bad_content))),
    ):
        path = bad_dir / name
        make(path)
        before = fingerprint(bad_dir)
        assert run_cli(["check", str(path)]).code == 2
        with app_stub() as stub:
            result = run_cli([str(path)])
            assert stub.opened == []
        assert result.code == 2 and result.err.count("\n") == 1 and "Traceback" not in result.err
        assert fingerprint(bad_dir) == before, name
        path.unlink()


# -- 10. the real command, in its own process ----------------------------------------------------------


@pytest.mark.slow
def test_the_real_upr_command_refuses_hostile_files(files: dict[str, Path], bad_dir: Path) -> None:
    cases = {
        "junk.json": lambda p: junk_file(p, "random"),
        "deep.json": lambda p: p.write_text("[" * 2_000_000),
        "future.json": lambda p: write_tables(
            p,
            {
                **load_tables(files["small"]),
                "meta": {
                    "meta": {"id": "meta", "schema_version": 99, "workspace_id": "w", "created": ""}
                },
            },
        ),
        "cut.json": lambda p: p.write_bytes(files["demo"].read_bytes()[:123_457]),
        "evil.json": lambda p: p.write_text(
            json.dumps({"recommendations": {"\x1b]0;pwned\x07\x9b31m": {"id": "x"}}})
        ),
    }
    env = {**os.environ, "UPR_AUTHOR": "ana"}
    for name, make in cases.items():
        path = bad_dir / name
        make(path)
        before = fingerprint(bad_dir)
        for argv in ([UPR, "check", str(path)], [UPR, str(path)]):
            proc = subprocess.run(
                argv,
                capture_output=True,
                timeout=120,
                env=env,
                cwd=bad_dir,
                stdin=subprocess.DEVNULL,
            )
            err = proc.stderr.decode("utf-8")
            assert proc.returncode == 2, (argv, err[-1000:])
            assert err.count("\n") == 1 and name in err and "Traceback" not in err, err[-1000:]
            assert b"\x1b" not in proc.stderr and b"\xc2\x9b" not in proc.stderr
            assert proc.stdout == b""
            assert fingerprint(bad_dir) == before
        path.unlink()
    ok = subprocess.run(
        [UPR, "check", str(files["good"])], capture_output=True, timeout=60, env=env
    )
    assert ok.returncode == 0 and b" ok " in ok.stdout


def spoil_last(raw: bytes, old: bytes, new: bytes) -> bytes:
    at = raw.rindex(old)
    return raw[:at] + new + raw[at + len(old) :]


@pytest.mark.slow
def test_large_hostile_files_in_a_terminal(
    files: dict[str, Path], bad_dir: Path, tmp_path: Path
) -> None:
    """On a terminal a file over 5 MB is read while the first screen shows (issue 8): a bad one
    must still end the app with one line naming the fault, exit 2, the file untouched."""
    big = big_real_file(files["demo"], tmp_path / "big.json")
    raw = big.read_bytes()
    cases = {
        "cut.json": raw[: len(raw) // 2],
        "typed.json": spoil_last(raw, b'"priority":"none"', b'"priority":"urgent"'),  # near the end
        "junk.json": random.Random(3).randbytes(30_000_000),
        "deep.json": b"[" * 8_000_000,
    }
    assert b'"urgent"' in cases["typed.json"]
    for name, content in cases.items():
        path = bad_dir / name
        path.write_bytes(content)
        before = fingerprint(bad_dir)
        app = RecordingPty(
            [UPR, str(path), "--today", "2026-11-25"], cwd=str(bad_dir), env={"UPR_AUTHOR": "ana"}
        )
        try:
            status = app.wait(60)
        finally:
            app.close()
        # What is left on the terminal once the app has given the screen back (pyte keeps no
        # alternate screen, so read the bytes written after it was left).
        after = bytes(app.raw).rsplit(b"\x1b[?1049l", 1)[-1].decode("utf-8", "replace")
        said = [
            line.strip()
            for line in re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", after).splitlines()
            if line.strip()
        ]
        assert status == 2, (name, said)
        assert len(said) == 1 and said[0].startswith("upr: "), (name, said)
        assert name in said[0] and FAULTS.search(said[0]), (name, said)
        assert not any("Traceback" in line for line in said), said
        assert fingerprint(bad_dir) == before, name
        path.unlink()


def test_a_good_file_is_still_opened_after_many_bad_ones(
    files: dict[str, Path], bad_dir: Path
) -> None:
    """One process, a bad file, a good file, another bad file...: nothing sticks between them
    (no lock left, no half state) and the good file opens with all its records each time."""
    counts = {
        t: len(load_tables(files["good"])[t]) for t in ("recommendations", "checklist", "history")
    }
    bad = bad_dir / "bad.json"
    with app_stub() as stub:
        for i in range(6):
            bad.write_text(
                '{"recommendations": {"x": {"id": "x", "cycle": "four"}}}'
                if i % 2
                else "[" * 100_000
            )
            assert run_cli([str(bad)]).code == 2
            assert run_cli([str(files["good"])]).code == 0
            assert stub.opened[-1]["counts"] == counts
            assert not lock_path(files["good"]).exists() and not lock_path(bad).exists()
    assert len(stub.opened) == 6
