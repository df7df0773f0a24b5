"""Time every report export over a workspace of N recommendations (default 100,000).

    .venv/bin/python bench/bench_exports.py [N] [--keep DIR]

The workspace is written straight to a file (texts cycled from realistic lengths, 20 clusters,
N/50 actions linked to recommendations) and opened with ``Workspace.open`` as the CLI does;
then each export is written to a file and timed, and the peak RSS of the process reported.
Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.exports import annex, brief, matrix, plan  # noqa: E402
from tui.exports.safe import atomic_write  # noqa: E402
from tui.model import SCHEMA_VERSION  # noqa: E402
from tui.store import Workspace  # noqa: E402

TEXT = (
    "Continue its efforts to strengthen the national human rights institution, in line with "
    "the Paris Principles, and ensure that it has adequate human and financial resources to "
    "carry out its mandate effectively, including as regards the rights of Roma"
)
STATES = ["FRA", "DEU", "BRA", "IND", "ZAF", "MEX", "JPN", "KEN", "CHL", "NOR"]
POSITIONS = ["supported"] * 8 + ["noted", "supported_in_part"]
STATUSES = ["not_started", "in_progress", "partially_implemented", "implemented", "no_information"]


def build(path: Path, n: int) -> None:
    clock = "1760000000000|000000|bench"
    recs = {}
    for i in range(n):
        block, item = divmod(i, 300)
        paragraph = f"{100 + block}.{item + 1}"
        rid = f"UPR:A/HRC/59/15:{paragraph}"
        recs[rid] = {
            "id": rid,
            "mechanism": "UPR",
            "body": "",
            "country": "SVN",
            "cycle": 4,
            "session": 48,
            "document": "A/HRC/59/15",
            "paragraph": paragraph,
            "text": TEXT[: 80 + (i * 37) % 160] + f" ({i})",
            "recommending": STATES[: 1 + i % 4],
            "position": POSITIONS[i % 10],
            "themes": ["National human rights institution", "Roma"][: 1 + i % 2],
            "groups": ["Roma"] if i % 3 == 0 else [],
            "sdgs": ["16", "16.a"][: 1 + i % 2],
            "action_category": 1 + i % 5,
            "priority": ["high", "medium", "low", "none"][i % 4],
            "cluster": f"Cluster {i % 20:02d}",
            "lead_entity": "OHCHR",
            "partners": ["UNDP"],
            "cf_outcome": f"Outcome {i % 4 + 1}",
            "status": STATUSES[i % 5],
            "evidence": "Law adopted; see the 2024 report" if i % 4 == 3 else "",
            "note": "=follow up" if i % 1000 == 0 else "",
            "triaged": i % 2 == 0,
            "deleted": False,
            "source": {},
            "_clock": {"*": clock},
        }
    ids = list(recs)
    actions = {}
    for j in range(max(n // 50, 1)):
        aid = f"SVN:act:{j:012x}"
        actions[aid] = {
            "id": aid,
            "country": "SVN",
            "title": f"Action {j}",
            "recommendations": ids[j :: max(n // 50, 1)][:3],
            "entity": "UNDP",
            "baseline": "b",
            "indicator": "i",
            "target": "t",
            "cost": 1000 + j,
            "deadline": f"20{26 + j % 3}-0{1 + j % 9}-15",
            "status": STATUSES[j % 4],
            "note": "",
            "cluster": "",
            "deleted": False,
            "_clock": {"*": clock},
        }
    data = {
        "meta": {
            "meta": {
                "id": "meta",
                "schema_version": SCHEMA_VERSION,
                "workspace_id": "bench",
                "created": "2026-01-01T00:00:00Z",
            }
        },
        "recommendations": recs,
        "actions": actions,
        "countries": {},
        "checklist": {},
        "history": {},
        "conflicts": {},
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    args = sys.argv[1:]
    n = int(args[0]) if args and args[0].isdigit() else 100_000
    keep = Path(args[args.index("--keep") + 1]) if "--keep" in args else None
    folder = keep or Path(tempfile.mkdtemp(prefix="upr-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.json"
    t = time.perf_counter()
    build(path, n)
    print(
        f"built {n:,} recommendations ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s"
    )
    t = time.perf_counter()
    ws = Workspace.open(path, author="bench", read_only=True, lock=False)
    print(f"opened in {time.perf_counter() - t:.1f} s")
    today = date(2026, 11, 25)
    jobs = [
        ("matrix", "csv", matrix.write_matrix),
        ("matrix", "xlsx", matrix.write_matrix),
        ("annex", "md", annex.write_annex),
        ("annex", "csv", annex.write_annex),
        ("annex", "docx", annex.write_annex),
        ("plan", "xlsx", plan.write_plan),
        ("plan", "csv", plan.write_plan),
        ("brief", "md", brief.write_brief),
        ("brief", "html", brief.write_brief),
    ]
    for kind, fmt, write in jobs:
        target = folder / f"{kind}-SVN.{fmt}"
        t = time.perf_counter()
        count = atomic_write(target, lambda fh, w=write, f=fmt: w(ws, "SVN", f, fh, today=today))
        took = time.perf_counter() - t
        print(
            f"{kind:7} {fmt:5} {count:>7,} rows  {took:6.1f} s  {target.stat().st_size / 1e6:6.1f} MB"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB (workspace held in memory included)")
    if keep is None:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
