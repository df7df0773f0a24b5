"""Workspace store benchmark: open, save, edit latency and memory at 300 / 10,000 / 100,000 records.

Usage: ``.venv/bin/python bench/store_bench.py [N ...]`` (default 300 10000 100000). Each size
runs in its own process, so peak memory (``ru_maxrss``) is that size's own. Prints Markdown.

Each synthetic recommendation carries every field of DESIGN §2 and one history row (as an
import makes). Parsers compared on the same bytes: the store's (stdlib ``json`` with a
duplicate-key hook), plain ``json.loads``, and orjson (whole file; and line by line, which is
what orjson would need to find duplicate record ids, since it silently keeps the last).
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tui.store.codec as store  # noqa: E402
from tui.clock import format_clock  # noqa: E402
from tui.model import SCHEMA_VERSION  # noqa: E402
from tui.store import (  # noqa: E402
    Workspace,
    WorkspaceStorage,
    parse_workspace,
    validate_tables,
)

WORDS = (
    "ensure",
    "rights",
    "women",
    "children",
    "adopt",
    "national",
    "plan",
    "Roma",
    "persons",
    "with",
    "disabilities",
    "discrimination",
    "strengthen",
    "measures",
    "Égalité",
    "über",
    "the",
    "of",
    "and",
    "to",
    "in",
    "implementation",
    "Convention",
    "Optional",
    "Protocol",
)


def synthetic_rows(
    n: int, base_ms: int | None = None, words: tuple[int, int] = (15, 45)
) -> Iterator[tuple[str, dict[str, Any], str, dict[str, Any]]]:
    """The records of ``synthetic(n)`` one at a time: (id, record, history id, history row).

    ``words``: how many words a text has (at least, at most)."""
    rnd = random.Random(n)
    base = int(time.time() * 1000) - 30 * 86_400_000 if base_ms is None else base_ms
    for i in range(n):
        rid = f"UPR:A/HRC/{8 + i % 52}/{10 + i % 9}:{100 + i // 1000}.{i % 1000}"
        clock = format_clock(base + i, 0, "importer")
        record = {
            "id": rid,
            "mechanism": "UPR",
            "body": "",
            "country": rnd.choice(["SVN", "AUT", "LTU"]),
            "cycle": 4,
            "session": 48,
            "document": "A/HRC/59/15",
            "paragraph": f"140.{i}",
            "text": " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(*words))),
            "recommending": [rnd.choice(["FRA", "DEU", "BRA", "KEN"])],
            "position": rnd.choice(["supported", "noted"]),
            "themes": ["A41", "B31"],
            "groups": ["women"],
            "sdgs": ["5", "16"],
            "action_category": None,
            "priority": "none",
            "cluster": "",
            "lead_entity": "",
            "partners": [],
            "cf_outcome": "",
            "status": "no_information",
            "evidence": "",
            "note": "",
            "triaged": False,
            "deleted": False,
            "source": {"file": "A_HRC_59_15.txt", "line": i, "kind": "report"},
            "_clock": {"*": clock},
        }
        hid = f"{rid}|*|{clock}"
        row = {
            "id": hid,
            "table": "recommendations",
            "record": rid,
            "field": "*",
            "old": None,
            "new": None,
            "author": "importer",
            "clock": clock,
        }
        yield rid, record, hid, row


BENCH_META = {
    "id": "meta",
    "schema_version": SCHEMA_VERSION,
    "workspace_id": "bench",
    "created": "2025-01-01T00:00:00Z",
}


def synthetic(n: int, base_ms: int | None = None) -> dict[str, dict[str, Any]]:
    """``n`` recommendations (~200-character texts, all fields) and one history row each."""
    records: dict[str, Any] = {}
    history: dict[str, Any] = {}
    for rid, record, hid, row in synthetic_rows(n, base_ms):
        records[rid] = record
        history[hid] = row
    return {
        "meta": {"meta": dict(BENCH_META)},
        "countries": {},
        "recommendations": records,
        "checklist": {},
        "actions": {},
        "history": history,
        "conflicts": {},
    }


def best(fn: Any, repeat: int = 3) -> float:
    """Best CPU time of ``fn`` (process time: robust when other jobs share the machine)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.process_time()
        result = fn()
        times.append(time.process_time() - started)
        del result
    return min(times)


class Timer:
    """CPU and wall time of a block (saves wait on the disk too: wall shows that)."""

    def __enter__(self) -> Timer:
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu
        self.wall = time.perf_counter() - self.wall


def measure(n: int, folder: Path) -> dict[str, Any]:
    path = folder / f"bench-{n}.json"
    WorkspaceStorage(path).write(synthetic(n))
    raw = path.read_bytes()
    out: dict[str, Any] = {"n": n, "size_mb": len(raw) / 1e6}
    repeat = 1 if n >= 100_000 else 3

    # Parsing alone, several ways (same bytes).
    out["parse_store"] = best(lambda: parse_workspace(raw, path.name), repeat)
    saved_orjson = store._orjson
    store._orjson = None  # the stdlib path (no orjson installed, or not our layout)
    try:
        out["parse_stdlib"] = best(lambda: parse_workspace(raw, path.name), repeat)
    finally:
        store._orjson = saved_orjson
    out["parse_json"] = best(lambda: _gc_off(lambda: json.loads(raw)), repeat)
    try:
        import orjson

        out["parse_orjson"] = best(lambda: _gc_off(lambda: orjson.loads(raw)), repeat)
        out["parse_orjson_lines"] = best(
            lambda: _gc_off(lambda: _orjson_lines(raw, orjson.loads)), repeat
        )
    except ImportError:
        out["parse_orjson"] = out["parse_orjson_lines"] = float("nan")
    data = parse_workspace(raw, path.name)
    limit = time.time_ns() // 1_000_000 + 86_400_000
    out["validate"] = best(lambda: validate_tables(data, path.name, raw, limit), repeat)

    # The real thing: open (parse + validate + lock), edit, saves.
    with Timer() as t:
        ws = Workspace.open(path, author="bench")
    out["open"], out["open_wall"] = t.cpu, t.wall
    rids = list(ws.table("recommendations"))
    ws.edit("recommendations", rids[len(rids) // 2], {"priority": "high"})
    with Timer() as t:
        ws.save()
    out["save_first"], out["save_first_wall"] = t.cpu, t.wall
    ws.edit("recommendations", rids[0], {"priority": "low"})
    with Timer() as t:
        ws.save()
    out["save_one_edit"], out["save_one_edit_wall"] = t.cpu, t.wall

    # Edit throughput, and the worst edit while a full-encode save runs in a worker thread.
    count = min(2_000, len(rids))
    with Timer() as t:
        for i in range(count):
            ws.edit("recommendations", rids[i], {"note": f"n{i}"})
    out["edit_us"] = t.cpu / count * 1e6
    ws.save()
    for pause, key in ((0.0, "hammer"), (0.005, "typed")):
        ws.storage.mark_all_dirty()  # force the next save to re-encode everything (worst case)
        worker = threading.Thread(target=ws.save)
        latencies: list[float] = []
        worker.start()
        while worker.is_alive():
            started = time.perf_counter()
            ws.edit(
                "recommendations",
                rids[len(latencies) % len(rids)],
                {"note": f"{key}{len(latencies)}"},
            )
            latencies.append(time.perf_counter() - started)
            if pause:
                time.sleep(pause)  # keystrokes, not a loop
        worker.join()
        latencies.sort()
        out[f"edit_{key}_worst_ms"] = latencies[-1] * 1e3
        out[f"edit_{key}_p99_ms"] = latencies[int(len(latencies) * 0.99)] * 1e3
        out[f"edit_{key}_count"] = len(latencies)
    started = time.perf_counter()
    gc.collect()
    out["gc_full"] = time.perf_counter() - started
    ws.close()
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _gc_off(fn: Any) -> Any:
    gc.disable()
    try:
        return fn()
    finally:
        gc.enable()


def _orjson_lines(raw: bytes, loads: Any) -> dict[str, Any]:
    """What orjson would have to do to see duplicate ids: parse the canonical file line by line."""
    data: dict[str, Any] = {}
    table: dict[str, Any] | None = None
    for line in raw.split(b"\n")[1:]:
        if table is None:
            if line.endswith(b":{"):
                table = data.setdefault(line[1:-3].decode(), {})
            continue
        if line in (b"}", b"},"):
            table = None
            continue
        cut = line.find(b'":{')
        key = line[1:cut].decode()
        if key in table:
            raise ValueError(f"duplicate {key}")
        table[key] = loads(line[cut + 2 :].rstrip(b","))
    return data


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        with tempfile.TemporaryDirectory(prefix="upr-bench-") as folder:
            print(json.dumps(measure(int(argv[1]), Path(folder))))
        return
    sizes = [int(a) for a in argv] or [300, 10_000, 100_000]
    rows = []
    for n in sizes:
        result = subprocess.run(
            [sys.executable, __file__, "--one", str(n)],
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ, PYTHONHASHSEED="0"),
        )
        rows.append(json.loads(result.stdout))
    cols = [
        ("records", lambda r: f"{r['n']:,}"),
        ("file MB", lambda r: f"{r['size_mb']:.1f}"),
        ("open s", lambda r: f"{r['open']:.3f}"),
        ("parse s", lambda r: f"{r['parse_store']:.3f}"),
        ("validate s", lambda r: f"{r['validate']:.3f}"),
        ("1st save s (wall)", lambda r: f"{r['save_first']:.3f} ({r['save_first_wall']:.3f})"),
        (
            "save after 1 edit s (wall)",
            lambda r: f"{r['save_one_edit']:.3f} ({r['save_one_edit_wall']:.3f})",
        ),
        ("edit µs", lambda r: f"{r['edit_us']:.0f}"),
        (
            "edit during full save: worst / p99 ms (typed)",
            lambda r: f"{r['edit_typed_worst_ms']:.1f} / {r['edit_typed_p99_ms']:.1f}",
        ),
        (
            "(back to back)",
            lambda r: f"{r['edit_hammer_worst_ms']:.1f} / {r['edit_hammer_p99_ms']:.1f}",
        ),
        ("full gc s", lambda r: f"{r['gc_full']:.3f}"),
        ("peak MB", lambda r: f"{r['peak_mb']:.0f}"),
    ]
    print("| " + " | ".join(c for c, _ in cols) + " |")
    print("|" + "|".join("---:" for _ in cols) + "|")
    for r in rows:
        print("| " + " | ".join(f(r) for _, f in cols) + " |")
    print()
    print("Times are CPU seconds of the process (wall in brackets where the disk matters);")
    print("edit latencies are wall time while a save re-encodes every record in a thread.")
    print()
    print("Parsing the same bytes (CPU s, best of 3; 1 run at 100k; GC paused for all):")
    print()
    print(
        "| records | store (orjson lines) | store (stdlib + duplicate hook) | json.loads | "
        "orjson.loads | bare orjson lines |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['n']:,} | {r['parse_store']:.3f} | {r['parse_stdlib']:.3f} | "
            f"{r['parse_json']:.3f} | {r['parse_orjson']:.3f} | {r['parse_orjson_lines']:.3f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
