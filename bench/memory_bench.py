"""Memory per record: resident memory of an open workspace at 100,000 and 1,000,000 records.

Usage: ``.venv/bin/python bench/memory_bench.py [N ...]`` (default 100000). Prints Markdown.

Each size is written straight to disk line by line (the records of ``store_bench.synthetic``:
every field of DESIGN §2 and one history row each, never all in memory at once), then a fresh
process opens it with ``Workspace.open`` and reads ``VmRSS`` before and after, ``VmHWM`` (the
peak) after the open and again after one edit and the first save. *Per record* is the resident
memory the open added, divided by the records (recommendations + history rows count as one
record each, as the issue counts "a record and its text"); *text* is the file's bytes per
recommendation. Texts are short (3-12 words), so that 1,000,000 recommendations and their
history rows fit in the 1 GB a workspace may be. Run 1,000,000 once, not in a loop: it needs several GB on a shared machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


WORDS = (3, 12)  # short texts: 1,000,000 records stay under the 1 GB a workspace may be


def _status(key: str) -> int:
    """A ``/proc/self/status`` figure in bytes (``VmRSS``, ``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def write_file(path: Path, n: int) -> None:
    """The workspace ``store_bench.synthetic(n)`` describes, written without holding it."""
    from store_bench import BENCH_META, synthetic_rows

    from tui.store.codec import encode_line as _encode_line

    recs: list[bytes] = []
    hist: list[bytes] = []
    for rid, record, hid, row in synthetic_rows(n, words=WORDS):
        recs.append(_encode_line(rid, record))
        hist.append(_encode_line(hid, row))
    with open(path, "wb") as f:
        f.write(b'{\n"actions":{},\n"checklist":{},\n"conflicts":{},\n"countries":{},\n')
        for table, lines in (("history", hist), ("meta", None), ("recommendations", recs)):
            f.write(json.dumps(table).encode() + b":{\n")
            if lines is None:
                f.write(_encode_line("meta", BENCH_META) + b"\n},\n")
                continue
            lines.sort(key=lambda line: line[: line.index(b'":{')])  # ASCII ids: byte order
            for start in range(0, len(lines), 10_000):
                f.write(b",\n".join(lines[start : start + 10_000]))
                f.write(b",\n" if start + 10_000 < len(lines) else b"")
            f.write(b"\n}\n" if table == "recommendations" else b"\n},\n")
            lines.clear()
        f.write(b"}\n")


def measure(path: Path, n: int) -> dict[str, Any]:
    import gc

    from tui.store import Workspace

    gc.collect()
    before = _status("VmRSS")
    started = time.perf_counter()
    ws = Workspace.open(path, author="bench")
    opened = time.perf_counter() - started
    gc.collect()
    after_open = _status("VmRSS")
    peak_open = _status("VmHWM")
    rid = next(iter(ws.table("recommendations")))
    ws.edit("recommendations", rid, {"priority": "high"})
    started = time.perf_counter()
    ws.save()
    first_save = time.perf_counter() - started
    after_save = _status("VmRSS")
    peak = _status("VmHWM")
    ws.edit("recommendations", rid, {"priority": "low"})
    started = time.perf_counter()
    ws.save()
    second_save = time.perf_counter() - started
    ws.close(save=False)
    return {
        "n": n,
        "file": path.stat().st_size,
        "before": before,
        "after_open": after_open,
        "peak_open": peak_open,
        "after_save": after_save,
        "peak": peak,
        "open_s": opened,
        "first_save_s": first_save,
        "second_save_s": second_save,
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(Path(argv[1]), int(argv[2]))))
        return
    if argv[:1] == ["--write"]:
        write_file(Path(argv[1]), int(argv[2]))
        return
    sizes = [int(a) for a in argv] or [100_000]
    rows = []
    with tempfile.TemporaryDirectory(prefix="upr-mem-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"mem-{n}.json"
            subprocess.run([sys.executable, __file__, "--write", str(path), str(n)], check=True)
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(path), str(n)],
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            )
            rows.append(json.loads(done.stdout))
            path.unlink()
    print(
        "| records | file MB | text B/rec | RSS after open MB | per record (open) B | "
        "per record beyond its text B | peak open MB | RSS after 1st save MB | peak MB | "
        "open s | 1st save s | save after 1 more edit s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        added = r["after_open"] - r["before"]
        per = added / r["n"]
        text = r["file"] / r["n"]
        print(
            f"| {r['n']:,} | {r['file'] / 1e6:.0f} | {text:.0f} | {r['after_open'] / 2**20:,.0f} "
            f"| {per:,.0f} | {per - text:,.0f} | {r['peak_open'] / 2**20:,.0f} "
            f"| {r['after_save'] / 2**20:,.0f} | {r['peak'] / 2**20:,.0f} | {r['open_s']:.1f} "
            f"| {r['first_save_s']:.2f} | {r.get('second_save_s', float('nan')):.2f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
