"""``upr merge`` walks both files side by side (issue 13.5): the same merge as loading both.

The property test plays random edit histories on three machines (tests/test_merge_properties),
writes each copy as the store does, and checks that the walk gives the same bytes, the same
report and the same conflicts as ``merge_tables`` on both copies loaded whole, every pair and
each copy with itself. The other tests pin what the walk holds and when it steps aside.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time as _time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from test_merge import RECS, FakeTime, machine
from test_merge_properties import SETTINGS, histories, run_history

import tui.merge_stream as merge_stream
from tui.cli import main
from tui.merge import encode_tables, load_copy, merge_tables, write_tables
from tui.merge_stream import merge_files, write_merged
from tui.store import WorkspaceError


def whole(a: Path, b: Path, warnings: list[str] | None = None) -> tuple[bytes, Any]:
    """The merge as it was: both copies loaded whole."""
    tables_b = load_copy(b, warnings)
    result = merge_tables(load_copy(a, warnings), tables_b)
    return encode_tables(result.data), result


def same_report(one: Any, two: Any) -> bool:
    fields = (
        "new_from_a",
        "new_from_b",
        "fields_from_a",
        "fields_from_b",
        "history_from_a",
        "history_from_b",
        "conflicts",
        "other_from_b",
        "common_records",
        "unrelated",
    )
    return all(getattr(one, f) == getattr(two, f) for f in fields)


@SETTINGS
@given(histories)
def test_the_walk_gives_the_merge_of_both_copies_loaded_whole(history) -> None:
    copies = run_history(*history)
    folder = Path(tempfile.mkdtemp(prefix="merge-stream-"))
    try:
        paths = []
        for i, data in enumerate(copies):
            path = folder / f"c{i}.json"
            write_tables(path, data)
            paths.append(path)
        for x in paths:
            for y in paths:
                warnings: list[str] = []
                expected, result = whole(x, y, warnings)
                walked = merge_files(x, y)
                assert walked.streamed
                assert walked.warnings == warnings
                assert b"".join(walked.chunks()) == expected
                assert same_report(walked.report, result.report)
                assert walked.changed_a == bool(result.changed_a)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def two_copies(tmp_path: Path, n: int = 40) -> tuple[Path, Path]:
    """Two copies of one workspace: shared records, then a few edits on each side."""
    time = FakeTime()
    base = tmp_path / "base.json"
    ws = machine(base, "ana", time)
    for i in range(n):
        ws.edit(RECS, f"R{i:03d}", {"text": f"text {i}", "country": "SVN"})
    ws.close()
    copies = []
    for name, rids in (("a", ("R001", "R002")), ("b", ("R002", "R003"))):
        path = tmp_path / f"{name}.json"
        shutil.copy(base, path)
        time.advance(1_000)
        ws = machine(path, name, time)
        for rid in rids:
            ws.edit(RECS, rid, {"note": f"by {name}"})
        ws.edit(RECS, f"NEW-{name}", {"text": "new", "country": "SVN"})
        ws.close()
        copies.append(path)
    return copies[0], copies[1]


def test_the_walk_holds_only_the_records_that_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two_copies(tmp_path)
    seen: list[tuple[dict[str, Any], dict[str, Any]]] = []
    real = merge_stream.merge_tables

    def spy(ta: Any, tb: Any, **kwargs: Any) -> Any:
        seen.append((ta, tb))
        return real(ta, tb, **kwargs)

    monkeypatch.setattr(merge_stream, "merge_tables", spy)
    walked = merge_files(a, b)
    assert walked.streamed
    ((ta, tb),) = seen
    assert sorted(ta[RECS]) == ["NEW-a", "R001", "R002", "R003"]
    assert sorted(tb[RECS]) == ["NEW-b", "R001", "R002", "R003"]
    # history: only the rows one copy has (creation rows of 40 shared records are not held)
    assert len(ta["history"]) == 3 and len(tb["history"]) == 3
    expected, result = whole(a, b)
    assert b"".join(walked.chunks()) == expected
    assert [c.record for c in walked.report.conflicts] == ["R002"]


def test_a_file_not_in_the_stores_layout_is_loaded_whole(tmp_path: Path) -> None:
    a, b = two_copies(tmp_path)
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(json.loads(b.read_bytes()), indent=2), "utf-8")
    walked = merge_files(a, pretty)
    assert not walked.streamed
    assert b"".join(walked.chunks()) == whole(a, pretty)[0] == whole(a, b)[0]


def test_a_bad_record_gives_the_message_of_a_whole_load(tmp_path: Path) -> None:
    a, b = two_copies(tmp_path)
    raw = b.read_bytes().replace(b'"priority":"none"', b'"priority":"urgent"', 1)
    b.write_bytes(raw)
    with pytest.raises(WorkspaceError) as whole_load:
        load_copy(b)
    with pytest.raises(WorkspaceError) as walked:
        merge_files(a, b)
    assert str(walked.value) == str(whole_load.value)
    assert "(line " in str(walked.value)


def test_ids_out_of_order_are_refused_as_on_open(tmp_path: Path) -> None:
    a, b = two_copies(tmp_path)
    lines = b.read_bytes().split(b"\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(b'"R001"'))
    lines.insert(at + 1, lines[at])
    b.write_bytes(b"\n".join(lines))  # R001 twice
    with pytest.raises(WorkspaceError, match="appears twice"):
        merge_files(a, b)


def test_upr_merge_writes_the_walked_merge(tmp_path: Path) -> None:
    a, b = two_copies(tmp_path)
    expected = whole(a, b)[0]
    out = tmp_path / "out.json"
    assert main(["merge", str(a), str(b), "-o", str(out)]) == 0
    assert out.read_bytes() == expected
    gz = tmp_path / "out.json.gz"
    assert main(["merge", str(a), str(b), "-o", str(gz)]) == 0
    assert load_copy(gz) == load_copy(out)
    assert main(["merge", str(a), str(b)]) == 0  # into A, keeping A.bak
    assert a.read_bytes() == expected
    assert (tmp_path / "a.json.bak").exists()


def test_a_merge_past_the_size_limit_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Limits agree (issue 15.7): no command writes a workspace it could not open again."""
    import tui.store.storage as storage

    a, b = two_copies(tmp_path)
    monkeypatch.setattr(storage, "MAX_WORKSPACE_BYTES", a.stat().st_size + 100)
    out = tmp_path / "out.json"
    with pytest.raises(WorkspaceError, match="limit for a workspace"):
        write_merged(out, merge_files(a, b))
    assert not out.exists()
    assert not list(tmp_path.glob(".out.json.*"))


def test_clocks_far_ahead_warn_as_a_whole_load_does(tmp_path: Path) -> None:
    """DESIGN §4: a copy from a machine with a wrong date is merged, with one warning per
    copy naming the author and the skew (shared lines count for both copies)."""
    a, b = two_copies(tmp_path)
    time = FakeTime(int(_time.time() * 1000))
    ws = machine(b, "zed", time, skew=3 * 86_400_000)
    ws.edit(RECS, "R010", {"note": "from the future"})
    ws.close()
    shutil.copy(b, tmp_path / "b2.json")
    ws = machine(tmp_path / "b2.json", "b", time)
    ws.edit(RECS, "R011", {"note": "later"})
    ws.close()
    for x, y in ((a, b), (b, tmp_path / "b2.json")):
        warnings: list[str] = []
        whole(x, y, warnings)
        walked = merge_files(x, y)
        assert walked.streamed and walked.warnings == warnings
        assert any("zed" in w for w in warnings)


def test_unrelated_copies_are_named_as_by_a_whole_load(tmp_path: Path) -> None:
    time = FakeTime()
    paths = []
    for name, country in (("a", "SVN"), ("b", "KEN")):
        path = tmp_path / f"{name}.json"
        ws = machine(path, name, time)
        ws.edit(RECS, f"R-{name}", {"text": "t", "country": country})
        ws.close()
        paths.append(path)
    walked = merge_files(*paths)
    assert walked.streamed
    assert "two unrelated workspaces" in walked.report.unrelated
    assert walked.report.unrelated == whole(*paths)[1].report.unrelated
    a, b = two_copies(tmp_path / "x") if (tmp_path / "x").mkdir() is None else (None, None)
    assert merge_files(a, b).report.unrelated == ""
