"""``upr export KIND [ISO3] [--cycle N] --format F [-o PATH]`` (DESIGN §9).

One dispatch table, ``EXPORTERS``: KIND -> function(args) -> exit code. Each kind says which
formats it writes; text formats go to stdout unless ``-o``. A kind named in DESIGN but not
built yet (``share`` is reserved) is a user error with a clear message, exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from tui import refdata
from tui.cli import UsageError, add_workspace_option, parse_date
from tui.store import Workspace, WorkspaceError

KINDS = ("checklist", "matrix", "annex", "plan", "brief", "share")
RESERVED = frozenset({"share"})

Exporter = Callable[[argparse.Namespace], int]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help="what to export: " + ", ".join(KINDS))
    parser.add_argument("iso3", nargs="?", metavar="ISO3", help="the country (ISO3 code or name)")
    parser.add_argument("--cycle", type=int, help="UPR cycle (default: the current or next review)")
    parser.add_argument("--format", dest="format", help="output format (checklist: md or csv; default md)")
    parser.add_argument("-o", "--output", type=Path, help="write to this file (text formats: default stdout)")
    parser.add_argument("--today", type=parse_date, help="date the statuses are judged on (default: today)")
    add_workspace_option(parser)


def run(args: argparse.Namespace) -> int:
    kind = args.kind
    if kind in RESERVED:
        raise UsageError(f"'upr export {kind}' is reserved and not available in this version")
    exporter = EXPORTERS.get(kind)
    if exporter is None:
        raise UsageError(f"'upr export {kind}' is not available in this version")
    return exporter(args)


# --------------------------------------------------------------------------- shared helpers


def resolve_country(value: str | None, kind: str) -> str:
    """ISO3 code of a State given by code or name; UsageError when missing or unknown."""
    if not value:
        raise UsageError(f"'upr export {kind}' needs a country: upr export {kind} ISO3")
    code = refdata.resolve_state(value)
    if code is None:
        raise UsageError(f"unknown country {value[:40]!r}: give an ISO3 code such as SVN")
    return code


def open_workspace(path: Path) -> Workspace:
    """Open read-only, without a lock: an export never changes the file."""
    return Workspace.open(path, author="export", read_only=True, create=False, lock=False)


def emit(text: str, output: Path | None) -> int:
    """Text to stdout, or to ``output`` (then a one-line note on stderr)."""
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    print(f"wrote {output}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- kinds


def export_checklist(args: argparse.Namespace) -> int:
    from tui.exports import checklist as ex

    fmt = (args.format or "md").lower()
    if fmt not in ex.FORMATS:
        raise UsageError(f"a checklist is exported as {' or '.join(ex.FORMATS)}, not {fmt!r}")
    iso3 = resolve_country(args.iso3, "checklist")
    today: date = args.today or date.today()
    try:
        ws = open_workspace(args.workspace)
    except WorkspaceError as exc:
        print(f"upr: {exc}", file=sys.stderr)
        return 2
    try:
        cycle = args.cycle
        if cycle is None:
            cycle = ex.default_cycle(ws.table("checklist"), iso3, today)
            if cycle is None:
                raise UsageError(f"{iso3} has no UPR review; give --cycle N")
        elif cycle not in ex.available_cycles(ws.table("checklist"), iso3):
            known = ", ".join(map(str, ex.available_cycles(ws.table("checklist"), iso3))) or "none"
            raise UsageError(f"{iso3} has no review in cycle {cycle} (cycles: {known})")
        text, started = ex.export_checklist(ws, iso3, cycle, fmt, today)
    finally:
        ws.close(save=False)
    if not started:
        print(f"upr: {iso3} cycle {cycle} is not started in {args.workspace.name}: "
              "exporting its templates, every item to do", file=sys.stderr)
    return emit(text, args.output)


# KIND -> exporter. Other kinds (matrix, annex, plan, brief) are added here by their modules.
EXPORTERS: dict[str, Exporter] = {
    "checklist": export_checklist,
}
