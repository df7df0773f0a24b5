"""``upr export KIND [ISO3] [--cycle N] --format F [-o PATH]`` (DESIGN §9).

One dispatch table, ``EXPORTERS``: KIND -> function(args) -> exit code. Each kind says which
formats it writes; text formats go to stdout unless ``-o``. A kind named in DESIGN but not
built (listed in ``RESERVED``; none now) is a user error with a clear message, exit 1. A
workspace that cannot be read is exit 2 with its one-line reason, for every kind.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import IO, Any

from tui import refdata
from tui.args import UsageError, add_workspace_option, parse_date
from tui.share import write_share_copy
from tui.store import Workspace, WorkspaceError

KINDS = ("checklist", "matrix", "annex", "plan", "brief", "share", "digest")
RESERVED: frozenset[str] = frozenset()

Exporter = Callable[[argparse.Namespace], int]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kind", nargs="?", choices=KINDS, metavar="KIND", help="what to export: " + ", ".join(KINDS)
    )
    parser.add_argument(
        "--share",
        action="store_true",
        help="a gzip copy of the workspace to email (same as KIND share)",
    )
    parser.add_argument("iso3", nargs="?", metavar="ISO3", help="the country (ISO3 code or name)")
    parser.add_argument("--cycle", type=int, help="UPR cycle (default: the current or next review)")
    parser.add_argument(
        "--format",
        dest="format",
        help="output format: checklist md|csv (default md); matrix csv|xlsx (default csv); "
        "annex md|docx|csv (default md); plan md|csv|xlsx (default md); "
        "brief txt|md|html (default txt)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="write to this file (text formats: default stdout)"
    )
    parser.add_argument(
        "--today", type=parse_date, help="date the statuses are judged on (default: today)"
    )
    parser.add_argument(
        "--owner",
        metavar="ENTITY",
        help="matrix: only the rows this entity leads or partners; digest: whose digest",
    )
    parser.add_argument(
        "--days", type=int, default=None, help="digest: due within this many days (default 30)"
    )
    parser.add_argument(
        "--all",
        dest="all_owners",
        action="store_true",
        help="digest: one file digest-<owner>.<ext> per owner into the folder -o DIR",
    )
    add_workspace_option(parser)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "share", False):  # upr export --share: the share copy (export_share below)
        if args.kind not in (None, "share"):
            raise UsageError(f"--share exports a share copy, not a {args.kind}")
        args.kind = "share"
    kind = args.kind
    if kind is None:
        raise UsageError("give what to export: upr export KIND (" + ", ".join(KINDS) + ")")
    if kind in RESERVED:
        raise UsageError(f"'upr export {kind}' is reserved and not available in this version")
    exporter = EXPORTERS.get(kind)
    if exporter is None:
        raise UsageError(f"'upr export {kind}' is not available in this version")
    try:
        return exporter(args)
    except WorkspaceError as exc:
        print(f"upr: {exc}", file=sys.stderr)
        return 2


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
    from tui.exports.safe import atomic_write

    if output is None:
        sys.stdout.write(text)
        return 0
    try:  # a temp file renamed over ``output``: never half a file
        atomic_write(output, lambda fh: fh.write(text.encode("utf-8")))
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
    ws = open_workspace(args.workspace)
    try:
        cycle = args.cycle
        if cycle is None:
            cycle = ex.live_cycle(iso3, today, ws.table("checklist"))
            if cycle is None:
                raise UsageError(f"{iso3} has no UPR review; give --cycle N")
        elif cycle not in ex.available_cycles(ws.table("checklist"), iso3):
            known = ", ".join(map(str, ex.available_cycles(ws.table("checklist"), iso3))) or "none"
            raise UsageError(f"{iso3} has no review in cycle {cycle} (cycles: {known})")
        text, started = ex.export_checklist(ws, iso3, cycle, fmt, today)
    finally:
        ws.close(save=False)
    if not started:
        print(
            f"upr: {iso3} cycle {cycle} is not started in {args.workspace.name}: "
            "exporting its templates, every item to do",
            file=sys.stderr,
        )
    return emit(text, args.output)


# Reports (issue 7): KIND -> (module, writer, default format). Each writer has the signature
# ``write(source, iso3, fmt, out_bytes, *, cycle, today, bom) -> count`` and each module a
# ``FORMATS`` tuple. Binary formats without -o go to ``<kind>-<ISO3>.<ext>`` here.
REPORTS: dict[str, tuple[str, str, str]] = {
    "matrix": ("tui.exports.matrix", "write_matrix", "csv"),
    "annex": ("tui.exports.annex", "write_annex", "md"),
    "plan": ("tui.exports.plan", "write_plan", "md"),
    "brief": ("tui.exports.brief", "write_brief", "txt"),
}


def export_report(args: argparse.Namespace) -> int:
    import importlib

    from tui.exports.safe import BINARY_FORMATS, atomic_write, default_filename

    kind = args.kind
    module_name, writer_name, default_format = REPORTS[kind]
    module = importlib.import_module(module_name)
    write = getattr(module, writer_name)
    fmt = (args.format or default_format).lower()
    if fmt not in module.FORMATS:
        raise UsageError(f"a {kind} is exported as {', '.join(module.FORMATS)}, not {fmt!r}")
    iso3 = resolve_country(args.iso3, kind)
    output: Path | None = args.output
    if output is None and fmt in BINARY_FORMATS:
        output = Path(default_filename(kind, iso3, fmt))
    ws = open_workspace(args.workspace)
    try:
        if args.cycle is not None:
            cycles = sorted(
                {
                    r["cycle"]
                    for r in ws.table("recommendations").values()
                    if r.get("country") == iso3
                    and not r.get("deleted")
                    and isinstance(r.get("cycle"), int)
                }
            )
            if args.cycle not in cycles:
                known = ", ".join(map(str, cycles)) or "none"
                raise UsageError(
                    f"{iso3} has no recommendations of cycle {args.cycle} "
                    f"in {args.workspace.name} (cycles: {known})"
                )
        options: dict[str, Any] = {"cycle": args.cycle, "today": args.today or date.today()}
        owner = getattr(args, "owner", None)
        if owner is not None:
            if kind != "matrix":
                raise UsageError(f"--owner selects rows of a matrix or a digest, not of a {kind}")
            options["owner"] = owner
        if output is None:
            count = write(ws, iso3, fmt, sys.stdout.buffer, bom=False, **options)
            sys.stdout.buffer.flush()
        else:
            try:
                count = atomic_write(
                    output, lambda fh: write(ws, iso3, fmt, fh, bom=fmt == "csv", **options)
                )
            except OSError as exc:
                raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    finally:
        ws.close(save=False)
    if output is not None:
        print(
            f"wrote {output} ({count} {'actions' if kind == 'plan' else 'recommendations'})",
            file=sys.stderr,
        )
    return 0


# -- upr export share: a gzip copy to email (tui/share.py) ------------------------------------

SHARE_FORMATS = ("json.gz",)


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n >= 10 * 1024 else f"{n:,} bytes"


def export_share(args: argparse.Namespace) -> int:
    """``upr export share [ISO3] [-o PATH]`` (also ``upr export --share``): the whole workspace
    (or one country's records), history included, as a deterministic ``.json.gz``. Without
    ``-o`` it goes in the current folder as the workspace's name plus ``.gz``; sizes to stderr."""
    fmt = (getattr(args, "format", None) or "json.gz").lower().lstrip(".")
    if fmt not in SHARE_FORMATS and fmt != "gz":
        raise UsageError(f"a share copy is a .json.gz file, not {fmt!r}")
    country = None
    if getattr(args, "iso3", None):
        country = resolve_country(args.iso3, "share")
    try:
        copy = write_share_copy(args.workspace, args.output, country=country)
    except WorkspaceError as exc:
        print(f"upr: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write the share copy: {exc.strerror or exc}") from None
    what = f"{country}'s records" if country else "the whole workspace"
    print(
        f"wrote {copy.path} ({_kb(copy.gz_bytes)}; {what}, {_kb(copy.json_bytes)} uncompressed)",
        file=sys.stderr,
    )
    return 0


def export_digest(args: argparse.Namespace) -> int:
    """``upr export digest [ISO3] --owner NAME [--days 30] [--format md|txt] [-o PATH]``;
    ``--all -o DIR`` writes ``digest-<owner>.<ext>`` for every owner with something due."""
    from tui.exports import digest as ex
    from tui.exports.safe import atomic_write

    fmt = (args.format or "md").lower()
    if fmt not in ex.FORMATS:
        raise UsageError(f"a digest is written as {' or '.join(ex.FORMATS)}, not {fmt!r}")
    days = ex.DEFAULT_DAYS if args.days is None else args.days
    if days < 0:
        raise UsageError("--days is a number of days ahead, 0 or more")
    iso3 = resolve_country(args.iso3, "digest") if args.iso3 else None
    today: date = args.today or date.today()
    if args.all_owners:
        if args.owner:
            raise UsageError("give either --owner NAME or --all, not both")
        if args.output is None:
            raise UsageError("--all writes one file per owner: give the folder with -o DIR")
        folder: Path = args.output
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot make the folder {folder}: {exc.strerror or exc}") from None
        ws = open_workspace(args.workspace)
        try:
            found = ex.owners_with_something(ws, today, days, iso3)
        finally:
            ws.close(save=False)
        used: set[str] = set()
        for name, digest in found:
            slug = ex.owner_slug(name)
            base, n = slug, 2
            while slug.casefold() in used:  # two owners that clean to one name
                slug, n = f"{base}-{n}", n + 1
            used.add(slug.casefold())
            target = folder / f"digest-{slug}.{fmt}"
            text = ex.render(digest, fmt)
            try:

                def write(fh: IO[bytes], data: bytes = text.encode("utf-8")) -> int:
                    return fh.write(data)

                atomic_write(target, write)
            except OSError as exc:
                raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        print(f"wrote {len(found)} digest(s) into {folder}", file=sys.stderr)
        return 0
    if not args.owner:
        raise UsageError("whose digest? give --owner NAME (or --all -o DIR)")
    ws = open_workspace(args.workspace)
    try:
        text = ex.digest_text(ws, args.owner, today, days=days, iso3=iso3, fmt=fmt)
    finally:
        ws.close(save=False)
    return emit(text, args.output)


# KIND -> exporter. Other kinds (matrix, annex, plan, brief) are added here by their modules.
EXPORTERS: dict[str, Exporter] = {
    "checklist": export_checklist,
    "share": export_share,
    "digest": export_digest,  # tui/exports/digest.py
    **{kind: export_report for kind in REPORTS},
}
