"""Benchmark of the triage screen (issue 5): first paint and per-key latency, headless.

Not a test (no timings are asserted anywhere). Builds workspaces of 300, 10,000 and 100,000
recommendations from the UPR Info corpus (``$UPR_SHARED/corpus/upr-info``, through the
project's importer; ~40,000 distinct recommendations, the rest copies assigned to other
States and sessions so ids stay distinct; synthetic texts if the corpus is missing), opens
the recommendations screen at 80x24 with ``App.run_test`` and reports:

- first paint: from ``push_screen`` to the first frame of the screen (index built, rows laid
  out, visible rows rendered);
- per key, median and 90th percentile: cursor down (within the screenful, and scrolling),
  page down, a triage decision (``1``: edit, history, undo step, row repaint, move to the
  next undecided), one search keystroke (the list re-filtered over the folded texts),
  opening the cluster picker, a decision in queue mode;
- bytes of terminal output per key (what the frame updates would write over SSH); run with
  ``TEXTUAL_COLOR_SYSTEM=standard`` for the 16 colours the app uses over SSH.

Latency is measured from the key's injection to the end of the last frame Textual composed
for it (``App._display`` is wrapped; the headless driver composes frames but writes
nothing). Two scenarios: ``one`` puts every record in the country shown (the list itself
holds N rows: the worst case); ``global`` keeps the records' own States and opens the
country with the most (a global team's file). Usage:

    TEXTUAL_COLOR_SYSTEM=standard .venv/bin/python bench/triage_bench.py \
        [--sizes 300,10000,100000] [--scenarios one,global]
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui import refdata  # noqa: E402
from tui.ids import hash_id  # noqa: E402
from tui.store import Workspace  # noqa: E402

TODAY = date(2026, 11, 25)
TABLE = "recommendations"


# -- data ----------------------------------------------------------------------------------------


def corpus_records() -> tuple[list[dict[str, Any]], str]:
    """Distinct recommendations of the UPR Info export, or synthetic ones without the corpus."""
    shared = Path(os.environ.get("UPR_SHARED") or ROOT.parent / "shared")
    files = sorted(glob.glob(str(shared / "corpus/upr-info/sessions-*.csv")))
    if files:
        try:
            from tui.importers import parse_file

            records: list[dict[str, Any]] = []
            for name in files:
                records.extend(parse_file(name, kind="upr-info").records)
            return records, f"UPR Info corpus ({len(records):,} distinct recommendations)"
        except ImportError:
            pass
    return synthetic(40_000), "synthetic texts (corpus not found)"


def synthetic(n: int) -> list[dict[str, Any]]:
    verbs = ["Ratify", "Continue", "Consider", "Adopt", "Strengthen", "Ensure", "Establish"]
    topics = [
        "the rights of the child",
        "women's participation",
        "torture prevention",
        "the national human rights institution",
        "Roma inclusion",
        "hate speech",
    ]
    states = [s.iso3 for s in refdata.states()]
    out = []
    for i in range(n):
        text = f"{verbs[i % 7]} measures on {topics[i % 6]} (item {i})"
        out.append(
            {
                "mechanism": "UPR",
                "country": states[i % len(states)],
                "cycle": 1 + i % 4,
                "session": 1 + i % 40,
                "text": text,
                "recommending": [states[(i * 7) % 193]],
                "position": ("supported", "noted")[i % 5 == 0],
                "themes": [topics[i % 6]],
            }
        )
    return out


def make_records(
    base: list[dict[str, Any]], n: int, scenario: str, target: str
) -> Iterator[dict[str, Any]]:
    """``n`` records with distinct ids: the corpus first, then copies to other States/sessions."""
    states = [s.iso3 for s in refdata.states()]
    for i in range(n):
        src = base[i % len(base)]
        copy = i // len(base)
        rec = {k: v for k, v in src.items() if k != "id"}
        if scenario == "one":
            rec["country"] = target
        elif copy:
            rec["country"] = (
                states[(states.index(src["country"]) + 37 * copy) % len(states)]
                if src.get("country") in states
                else states[i % len(states)]
            )
        session = src.get("session") or 1
        rec["session"] = min(session + 20 * copy, 999)
        rec["id"] = hash_id("UPR", rec["country"], f"{session}.{copy}.{i}", rec["text"])
        yield rec


def build(
    path: Path, base: list[dict[str, Any]], n: int, scenario: str
) -> tuple[Workspace, str, float]:
    ws = Workspace.open(path, author="bench")
    t0 = time.perf_counter()
    counts: Counter[str] = Counter()
    for rec in make_records(base, n, scenario, "SVN"):
        rid = rec.pop("id")
        ws.edit(TABLE, rid, rec)
        counts[rec["country"]] += 1
    target = "SVN" if scenario == "one" else counts.most_common(1)[0][0]
    return ws, target, time.perf_counter() - t0


# -- measuring --------------------------------------------------------------------------------------


class Frames:
    """Wraps ``App._display``: when each frame was composed and how many bytes it would write."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: list[float] = []
        self.bytes: list[int] = []
        self.first_of: dict[int, float] = {}
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            now = time.perf_counter()
            original(screen, renderable)
            if renderable is None:
                return
            self.times.append(now)
            self.first_of.setdefault(id(screen), now)
            try:
                size = len(renderable.render_segments(app.console).encode("utf-8"))
            except Exception:  # noqa: BLE001 - a bench measure, never fatal
                size = 0
            self.bytes.append(size)

        app._display = display

    def since(self, t0: float) -> tuple[float | None, int]:
        """Latency to the last frame after t0 (ms) and the bytes of those frames."""
        idx = [i for i, t in enumerate(self.times) if t >= t0]
        if not idx:
            return None, 0
        return (self.times[idx[-1]] - t0) * 1000, sum(self.bytes[i] for i in idx)


def summary(samples: list[float]) -> str:
    if not samples:
        return "—"
    samples = sorted(samples)
    p90 = samples[min(len(samples) - 1, int(round(0.9 * (len(samples) - 1))))]
    return f"{statistics.median(samples):.1f} / {p90:.1f}"


async def measure(ws: Workspace, target: str) -> dict[str, Any]:
    from screens.app import UprApp
    from screens.triage import RecommendationsScreen
    from tui.session import AppOptions

    app = UprApp(ws, AppOptions(path=ws.path, author="bench", today=TODAY))
    app._schedule_save = lambda: None  # no autosave thread competing with the measures
    out: dict[str, Any] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        frames = Frames(app)
        screen = RecommendationsScreen(target, TODAY)
        t0 = time.perf_counter()
        app.push_screen(screen)
        for _ in range(200):
            await pilot.pause()
            if id(screen) in frames.first_of:
                break
        out["first_paint"] = (frames.first_of[id(screen)] - t0) * 1000
        out["rows"] = len(screen.rows)

        async def keys(key: str, times: int) -> tuple[list[float], list[int]]:
            lat: list[float] = []
            sizes: list[int] = []
            for _ in range(times):
                t = time.perf_counter()
                await pilot.press(key)
                ms, size = frames.since(t)
                if ms is not None:
                    lat.append(ms)
                    sizes.append(size)
            return lat, sizes

        out["down"] = await keys("down", 12)  # within the first screenful: two lines change
        out["scroll"] = await keys("down", 40)  # past it: the list scrolls one line per key
        out["pagedown"] = await keys("pagedown", 30)
        await pilot.press("home")
        out["decision"] = await keys("1", 15)  # from the top: the row, the cursor, the counter
        t = time.perf_counter()
        await pilot.press("slash")
        out["open_search"] = frames.since(t)[0]
        lat: list[float] = []
        sizes: list[int] = []
        for word in ("women", "torture", "educ", "roma"):
            for ch in word:
                t = time.perf_counter()
                await pilot.press(ch)
                ms, size = frames.since(t)
                if ms is not None:
                    lat.append(ms)
                    sizes.append(size)
            out.setdefault("matches", []).append((word, len(screen.rows)))
            await pilot.press("escape", "slash")
        out["search"] = (lat, sizes)
        await pilot.press("escape")
        await pilot.press("home")
        out["picker_open"] = await keys("c", 1)
        out["picker_close"] = await keys("escape", 1)
        for _ in range(4):
            lat_o, size_o = await keys("c", 1)
            lat_c, size_c = await keys("escape", 1)
            for key, (la, sz) in (
                ("picker_open", (lat_o, size_o)),
                ("picker_close", (lat_c, size_c)),
            ):
                out[key][0].extend(la)
                out[key][1].extend(sz)
        await pilot.press("t")
        await pilot.pause()
        out["queue"] = await keys("1", 10)
        await pilot.press("q")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="300,10000,100000")
    parser.add_argument("--scenarios", default="one,global")
    args = parser.parse_args()
    os.environ.setdefault("UPR_CONFIG_DIR", tempfile.mkdtemp(prefix="upr-bench-config-"))
    os.environ.setdefault("UPR_DATA_DIR", tempfile.mkdtemp(prefix="upr-bench-data-"))
    base, origin = corpus_records()
    print(
        f"Source: {origin}. Terminal 80x24, headless (App.run_test), colours as the "
        f"console reports ({os.environ.get('TEXTUAL_COLOR_SYSTEM', 'default')}).\n"
    )
    rows: list[tuple[str, dict[str, Any], int, float]] = []
    for scenario in args.scenarios.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            with tempfile.TemporaryDirectory() as tmp:
                ws, target, built = build(Path(tmp) / "bench.json", base, n, scenario)
                try:
                    r = asyncio.run(measure(ws, target))
                finally:
                    ws.close(save=False)
            rows.append((f"{scenario} ({target})", r, n, built))
            print(f"measured {scenario} {n:,}", file=sys.stderr, flush=True)
    print("Latency (ms, median / p90):\n")
    print(
        "| scenario | records | rows listed | build (s) | first paint | down | down, scrolling "
        "| page down | decision `1` | search key | open search | picker open | queue decision |"
    )
    print("|---" * 13 + "|")
    for label, r, n, built in rows:
        print(
            f"| {label} | {n:,} | {r['rows']:,} | {built:.1f} | {r['first_paint']:.0f} | "
            + " | ".join(
                summary(r[k][0]) for k in ("down", "scroll", "pagedown", "decision", "search")
            )
            + f" | {r['open_search'] or 0:.0f} | {summary(r['picker_open'][0])} | "
            f"{summary(r['queue'][0])} |"
        )
    print("\nBytes written per key (median; what the frames would send to the terminal):\n")
    keys = (
        "down",
        "scroll",
        "pagedown",
        "decision",
        "search",
        "picker_open",
        "picker_close",
        "queue",
    )
    print(
        "| scenario | records | down | down, scrolling | page down | decision `1` | search key "
        "| picker open | picker close | queue decision |"
    )
    print("|---" * 10 + "|")
    for label, r, n, _built in rows:
        sizes = [f"{int(statistics.median(r[k][1])):,}" if r[k][1] else "—" for k in keys]
        print(f"| {label} | {n:,} | " + " | ".join(sizes) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
