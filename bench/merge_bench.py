"""Merge and share-copy benchmark.

Usage: ``.venv/bin/python bench/merge_bench.py [--n 100000] [--skip-share] [--skip-merge]``

1. Share copies: real UPR Info recommendations (corpus ``upr-info/``, via the project's
   importer) in workspaces of 300 and 10,000 recommendations, a tenth of them triaged;
   the workspace's size and its ``.json.gz`` share copy's size.
2. Merging two copies of an N-recommendation workspace (default 100,000): a shared start
   (one creation row each, as an import makes), then on copy A 10,000 priority edits, on
   copy B 10,000 status edits, 1,000 notes edited on both (1,000 conflicts) and 1,000 new
   records (a tenth of N, and a hundredth, for smaller N). ``upr merge A B -o OUT`` runs in a fresh process (wall time, peak RSS from
   ``ru_maxrss``); then the phases in this process (load, merge, write).

Prints Markdown. Needs the corpus (``$UPR_SHARED`` or ``../shared``) for part 1.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store_bench import synthetic  # noqa: E402  (same folder: one synthetic workspace)

from tui.clock import HybridClock  # noqa: E402
from tui.merge import load_copy, merge_tables, write_tables  # noqa: E402
from tui.share import write_share_copy  # noqa: E402
from tui.store import Workspace  # noqa: E402

RECS = "recommendations"


def shared_dir() -> Path:
    return Path(os.environ.get("UPR_SHARED") or ROOT.parent / "shared")


# -- 1. share copies -------------------------------------------------------------------------


def real_records(n: int) -> list[dict[str, Any]]:
    from tui.importers import parse_file

    out: list[dict[str, Any]] = []
    for name in ("sessions-14-17.csv", "sessions-10-13.csv", "sessions-18-20.csv"):
        batch = parse_file(shared_dir() / "corpus" / "upr-info" / name)
        out += batch.records
        if len(out) >= n:
            break
    return out[:n]


def share_sizes(folder: Path) -> list[str]:
    from tui.importers.apply import apply_batch
    from tui.importers.base import ImportBatch

    records = real_records(10_000)
    lines = [
        "| recommendations | workspace (.json) | share copy (.json.gz) | ratio | export time |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in (300, 10_000):
        path = folder / f"share-{n}.json"
        ws = Workspace.open(path, author="alice")
        batch = ImportBatch(
            kind="upr-info", source_file="sessions.csv", records=[dict(r) for r in records[:n]]
        )
        apply_batch(ws, batch)
        rnd = random.Random(n)
        ids = sorted(ws.table(RECS))
        for rid in rnd.sample(ids, len(ids) // 10):
            ws.edit(
                RECS,
                rid,
                {
                    "priority": rnd.choice(["high", "medium", "low"]),
                    "triaged": True,
                    "lead_entity": rnd.choice(["OHCHR", "UNICEF", "UNDP"]),
                },
            )
        ws.save()
        ws.close()
        started = time.perf_counter()
        copy = write_share_copy(path, folder / f"share-{n}.json.gz")
        took = time.perf_counter() - started
        lines.append(
            f"| {len(ids):,} | {copy.json_bytes / 1024:,.0f} KB | {copy.gz_bytes / 1024:,.0f} KB "
            f"| {copy.ratio:.1%} | {took:.2f} s |"
        )
    return lines


# -- 2. merging two large copies -------------------------------------------------------------


def build_copies(folder: Path, n: int) -> tuple[Path, Path, float]:
    started = time.perf_counter()
    base_ms = int(time.time() * 1000) - 10 * 86_400_000
    base = folder / "base.json"
    write_tables(base, synthetic(n, base_ms))
    ids = sorted(load_copy(base)[RECS])
    rnd = random.Random(7)
    edits = min(10_000, n // 10)
    a_ids, b_ids = rnd.sample(ids, edits), rnd.sample(ids, edits)
    both = rnd.sample(ids, edits // 10)
    paths = []
    for name, offset in (("a", 1), ("b", 2)):
        path = folder / f"{name}.json"
        path.write_bytes(base.read_bytes())
        ws = Workspace.open(path, author=name)
        ws.clock = HybridClock(name, now_ms=lambda o=offset: base_ms + 86_400_000 * o)
        if name == "a":
            for rid in a_ids:
                ws.edit(RECS, rid, {"priority": rnd.choice(["high", "medium", "low"])})
        else:
            for rid in b_ids:
                ws.edit(RECS, rid, {"status": rnd.choice(["in_progress", "implemented"])})
            for i in range(edits // 10):
                ws.edit(RECS, f"UPR:NEW:{i}", {"text": "added at b", "country": "SVN"})
        for rid in both:
            ws.edit(RECS, rid, {"note": f"note by {name}"})
        ws.save()
        ws.close()
        paths.append(path)
    return paths[0], paths[1], time.perf_counter() - started


def merge_in_subprocess(a: Path, b: Path, out: Path) -> tuple[float, float, int, str]:
    """Wall and CPU seconds of ``upr merge A B -o OUT`` in a fresh process, its peak RSS (KB,
    the process's own ``VmHWM``)."""
    code = (
        "import resource, sys, time; from pathlib import Path; from tui.cli import main; "
        # VmHWM, not ru_maxrss: a child started by a large parent (this one, after building
        # the copies) reports the parent's size in ru_maxrss (Linux keeps the pre-exec peak).
        "peak_kb = lambda: next(int(x.split()[1]) for x in "
        "Path('/proc/self/status').read_text().splitlines() if x.startswith('VmHWM:')); "
        "t = time.perf_counter(); "
        "c = time.process_time(); "
        f"rc = main(['merge', {str(a)!r}, {str(b)!r}, '-o', {str(out)!r}]); "
        "print(f'{time.perf_counter() - t:.3f} {time.process_time() - c:.3f} "
        "{peak_kb()} {rc}', file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        check=True,
    )
    last = done.stderr.strip().splitlines()
    seconds, cpu, rss_kb, rc = last[-1].split()
    return float(seconds), float(cpu), int(rss_kb), "\n".join(last[:-1])


def orjson_in_subprocess(a: Path, b: Path) -> tuple[float, float]:
    """Wall and CPU seconds for orjson to read and parse both files whole (issue 13.5's
    yardstick); CPU time is the steadier figure on a shared machine."""
    code = (
        "import sys, time, orjson; from pathlib import Path; t = time.perf_counter(); "
        "c = time.process_time(); "
        f"x = orjson.loads(Path({str(a)!r}).read_bytes()); "
        f"y = orjson.loads(Path({str(b)!r}).read_bytes()); "
        "print(f'{time.perf_counter() - t:.3f} {time.process_time() - c:.3f}')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def merge_phases(a: Path, b: Path, out: Path) -> list[tuple[str, float]]:
    phases: list[tuple[str, float]] = []
    t = time.perf_counter()
    ta = load_copy(a)
    phases.append(("load + validate A", time.perf_counter() - t))
    t = time.perf_counter()
    tb = load_copy(b)
    phases.append(("load + validate B", time.perf_counter() - t))
    t = time.perf_counter()
    result = merge_tables(ta, tb)
    phases.append((f"merge ({len(result.report.conflicts):,} conflicts)", time.perf_counter() - t))
    t = time.perf_counter()
    write_tables(out, result.data)
    phases.append(("encode + write atomically", time.perf_counter() - t))
    t = time.perf_counter()
    merge_tables(ta, ta)
    phases.append(("merge A with itself (idle check)", time.perf_counter() - t))
    return phases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=100_000, help="recommendations per copy (default 100000)"
    )
    parser.add_argument("--skip-share", action="store_true")
    parser.add_argument("--skip-merge", action="store_true")
    parser.add_argument(
        "--skip-phases", action="store_true", help="only the command (the phases load both whole)"
    )
    args = parser.parse_args()
    print(f"# Merge benchmark ({os.cpu_count()} cores, Python {sys.version.split()[0]})\n")
    with tempfile.TemporaryDirectory(prefix="merge-bench-") as tmp:
        folder = Path(tmp)
        if not args.skip_share:
            print("## Share copies (real UPR Info recommendations, a tenth triaged)\n")
            print("\n".join(share_sizes(folder)) + "\n")
        if not args.skip_merge:
            a, b, built = build_copies(folder, args.n)
            sa, sb = a.stat().st_size, b.stat().st_size
            print(f"## Merging two {args.n:,}-recommendation copies\n")
            print(f"A: {sa / 1e6:.1f} MB, B: {sb / 1e6:.1f} MB (built in {built:.0f} s)\n")
            wall1, cpu1 = orjson_in_subprocess(a, b)
            seconds, cpu, rss_kb, summary = merge_in_subprocess(a, b, folder / "out.json")
            wall2, cpu2 = orjson_in_subprocess(a, b)  # before and after: machine noise
            parse, parse_cpu = min(wall1, wall2), min(cpu1, cpu2)
            out_size = (folder / "out.json").stat().st_size
            print(
                f"`upr merge A B -o OUT` in a fresh process: **{seconds:.1f} s** ({cpu:.1f} s CPU), "
                f"peak RSS **{rss_kb / 1024:.0f} MB**; OUT {out_size / 1e6:.1f} MB"
            )
            print(
                f"\norjson parsing both files (read + `orjson.loads`, fresh process): {parse:.2f} s "
                f"({parse_cpu:.2f} s CPU); merge / parse = **{seconds / parse:.1f}x** wall, "
                f"**{cpu / parse_cpu:.1f}x** CPU; peak RSS / (A + B) = "
                f"**{rss_kb * 1024 / (sa + sb):.1f}x**"
            )
            print(f"\n    {summary}\n")
            if args.skip_phases:
                return 0
            print("| phase | seconds |\n|---|---:|")
            for name, took in merge_phases(a, b, folder / "out2.json"):
                print(f"| {name} | {took:.2f} |")
            same = (folder / "out.json").read_bytes() == (folder / "out2.json").read_bytes()
            print(f"\nSame bytes from the command and the in-process merge: {same}")
            print(
                f"This process's peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
