"""``upr merge A B``, ``upr merge-driver %O %A %B`` and ``upr git-setup`` (DESIGN §4, §9).

``upr merge A B [-o OUT] [--dry-run]``: merge copy B into A (without ``-o``: into A itself,
after keeping ``A.bak``; A must not be open in the app). The summary goes to stdout: a Rich
report on a terminal; to a pipe, the conflicts as TSV with a header (the counts on stderr).

``upr merge-driver O A B``: what git runs for files with ``merge=upr`` (see ``upr git-setup``):
writes the merge of A (ours) and B (theirs) into A and exits 0, conflicts included (they are in
the file's ``conflicts`` table, for the merge review screen). A file that is not a valid
workspace exits 2, so git reports a conflict and leaves ours untouched. O (the ancestor) is not
needed: every copy carries its history.

``upr git-setup``: in the current git repository, adds ``merge=upr`` lines to
``.gitattributes`` and sets ``merge.upr.driver`` in the repository's config.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tui.args import DEFAULT_WORKSPACE, UsageError
from tui.merge import (
    Conflict,
    MergeReport,
    MergeResult,
    clock_author,
    clock_time,
    write_bytes,
)
from tui.merge_stream import MergedFiles, merge_files, write_merged
from tui.sanitize import clean_line
from tui.store import FileStamp, LockedError, Workspace, WorkspaceError, holding_lock
from tui.sync import DRIVER_NAME, GITATTRIBUTES_LINES, driver_command, ensure_gitattributes

# -- upr merge -------------------------------------------------------------------------------


def add_arguments_merge(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", type=Path, metavar="A", help="your copy (merged into, unless -o)")
    parser.add_argument("b", type=Path, metavar="B", help="the other copy (.json or .json.gz)")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUT",
        help="write the merge here instead of into A (.gz: compressed)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change, write nothing"
    )


def run_merge(args: argparse.Namespace) -> int:
    a_path: Path = args.a
    b_path: Path = args.b
    if not a_path.exists():
        raise UsageError(f"{a_path}: no such file")
    if not b_path.exists():
        raise UsageError(f"{b_path}: no such file")
    into_a = args.output is None and not args.dry_run
    if into_a and a_path.is_symlink():  # as Workspace.open: the lock and the write go through
        a_path = Path(os.path.realpath(a_path))
    stamp: list[FileStamp | None] = [FileStamp.of(a_path)]

    def open_a(warnings: list[str]) -> Any:
        """A loaded whole (when it cannot be streamed): opened as the app would, so an older
        schema is upgraded (keeping FILE.vN.bak) under the lock this command holds."""
        ws = Workspace.open(a_path, author="merge", create=False, lock=False)
        try:
            warnings.extend(ws.warnings)
            stamp[0] = ws.storage.stamp
            return ws.snapshot_tables()
        finally:
            ws.close(save=False)

    with contextlib.ExitStack() as held:
        try:
            if into_a:
                # Writing into A: hold its lock so the app cannot save over the merge meanwhile.
                held.enter_context(holding_lock(a_path, "merge"))
            result = merge_files(a_path, b_path, open_a=open_a if into_a else None)
            for (
                warning
            ) in result.warnings:  # e.g. clocks far ahead (DESIGN §4): merged all the same
                print(f"upr: warning: {warning}", file=sys.stderr)
        except LockedError as exc:
            raise UsageError(f"{exc} (or merge into another file with -o)") from None
        except WorkspaceError as exc:
            print(f"upr: {exc}", file=sys.stderr)
            return 2
        if result.report.unrelated:
            print(
                f"upr: warning: {a_path.name} and {b_path.name}: {result.report.unrelated}",
                file=sys.stderr,
            )
        target = a_path if into_a else args.output
        print_summary(result, a_path.name, b_path.name, target, dry_run=args.dry_run)
        if args.dry_run:
            return 0
        if into_a:
            if not result.changed_a:
                return 0
            if FileStamp.of(a_path) != stamp[0]:
                print(
                    f"upr: {a_path.name} was changed by another program meanwhile; run the merge again",
                    file=sys.stderr,
                )
                return 1
        written = target
        try:
            if into_a:
                written = a_path.with_name(a_path.name + ".bak")
                # Atomic: a crash never leaves half a .bak; a full disk stops before A changes.
                write_bytes(written, a_path.read_bytes())
                shutil.copystat(a_path, written)
                written = target
            write_merged(target, result)
        except OSError as exc:
            print(f"upr: cannot write {written}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        except WorkspaceError as exc:
            print(f"upr: {exc}", file=sys.stderr)
            return 1
        return 0


# -- the summary -----------------------------------------------------------------------------


def shown_value(value: Any, width: int = 60) -> str:
    """A field value on one line: lists joined, untrusted text cleaned and cut."""
    if value is None:
        text = "(empty)"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "(none)"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif value == "":
        text = "(empty)"
    else:
        text = str(value)
    text = clean_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _by_field(counter: Counter[tuple[str, str]]) -> str:
    parts = [
        f"{clean_line(fname)} {n}"
        for (_table, fname), n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return ", ".join(parts[:6]) + (", …" if len(parts) > 6 else "")


def summary_line(report: MergeReport, a: str, b: str) -> str:
    new_a, new_b = sum(report.new_from_a.values()), sum(report.new_from_b.values())
    fa, fb = sum(report.fields_from_a.values()), sum(report.fields_from_b.values())
    return (
        f"merged {b} into {a}: records new from {a} {new_a}, from {b} {new_b}; "
        f"fields taken from {a} {fa}, from {b} {fb}; conflicts {len(report.conflicts)}"
    )


def print_summary(
    result: MergeResult | MergedFiles, a: str, b: str, target: Path | None, *, dry_run: bool
) -> None:
    report = result.report
    if not sys.stdout.isatty():
        print(summary_line(report, a, b), file=sys.stderr)
        write_conflicts_tsv(report.conflicts, a, b)
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    a_label, b_label = clean_line(a), clean_line(b)
    counts = Table(box=None, pad_edge=False, header_style="bold")
    # Every cell and header is Text: file and table names come from outside (never markup).
    counts.add_column("")
    counts.add_column(Text(f"from {a_label}"), justify="right")
    counts.add_column(Text(f"from {b_label}"), justify="right")
    for name in sorted(set(report.new_from_a) | set(report.new_from_b)):
        na, nb = report.new_from_a[name], report.new_from_b[name]
        if na or nb:
            counts.add_row(Text(f"new {clean_line(name)}"), str(na), str(nb))
    fa, fb = sum(report.fields_from_a.values()), sum(report.fields_from_b.values())
    counts.add_row("fields taken", str(fa), str(fb))
    counts.add_row("history rows only here", str(report.history_from_a), str(report.history_from_b))
    console.print(Text(summary_title(result, a_label, b_label, target, dry_run), style="bold"))
    console.print(counts)
    if fa:
        console.print(Text(f"  taken from {a_label}: {_by_field(report.fields_from_a)}"))
    if fb:
        console.print(Text(f"  taken from {b_label}: {_by_field(report.fields_from_b)}"))
    if not report.conflicts:
        console.print(Text("No conflicts."))
        return
    console.print(
        Text(
            f"{len(report.conflicts)} conflict(s): both copies changed these fields "
            "without seeing each other's edit. Review them in the app (C).",
            style="bold",
        )
    )
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("record", overflow="fold")
    table.add_column("field")
    table.add_column(Text(a_label), overflow="fold")
    table.add_column(Text(b_label), overflow="fold")
    table.add_column("kept")
    for c in report.conflicts[:200]:
        table.add_row(
            Text(clean_line(c.record)),
            Text(clean_line(c.field)),
            Text(
                f"{shown_value(c.a_value, 40)}\n{clock_author(c.a_clock)}, {clock_time(c.a_clock)}"
            ),
            Text(
                f"{shown_value(c.b_value, 40)}\n{clock_author(c.b_clock)}, {clock_time(c.b_clock)}"
            ),
            Text(a_label if c.winner == "A" else b_label),
        )
    console.print(table)
    if len(report.conflicts) > 200:
        console.print(Text(f"… and {len(report.conflicts) - 200} more (pipe to a file for all)."))


def summary_title(
    result: MergeResult | MergedFiles, a: str, b: str, target: Path | None, dry_run: bool
) -> str:
    if dry_run:
        return (
            f"Dry run: merging {b} into {a} would change {a}"
            if result.changed_a
            else f"Dry run: {a} already holds everything in {b}"
        )
    if target is None or target.name == a and not result.changed_a:
        return f"{a} already holds everything in {b}: nothing written"
    where = clean_line(target.name)
    extra = f" (previous {a} kept as {a}.bak)" if where == a else ""
    return f"Merged {b} into {where}{extra} in {result.report.seconds:.1f} s"


def write_conflicts_tsv(conflicts: list[Conflict], a: str, b: str) -> None:
    header = [
        "table",
        "record",
        "field",
        "kept",
        "value_a",
        "author_a",
        "time_a",
        "value_b",
        "author_b",
        "time_b",
    ]
    out = ["\t".join(header)]
    for c in conflicts:
        row = [
            c.table,
            c.record,
            c.field,
            a if c.winner == "A" else b,
            shown_value(c.a_value, 10_000),
            clock_author(c.a_clock),
            clock_time(c.a_clock),
            shown_value(c.b_value, 10_000),
            clock_author(c.b_clock),
            clock_time(c.b_clock),
        ]
        out.append("\t".join(clean_line(cell).replace("\t", " ") for cell in row))
    sys.stdout.write("\n".join(out) + "\n")


# -- upr merge-driver ------------------------------------------------------------------------


def add_arguments_merge_driver(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ancestor", type=Path, metavar="O", help="common ancestor (%%O; not needed)"
    )
    parser.add_argument(
        "ours", type=Path, metavar="A", help="our version (%%A): the merge is written here"
    )
    parser.add_argument("theirs", type=Path, metavar="B", help="their version (%%B)")
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)  # %L %P if a config passes them


def run_merge_driver(args: argparse.Namespace) -> int:
    try:
        with args.ours.open("rb") as fh:
            ours_gz = fh.read(2) == b"\x1f\x8b"
        result = merge_files(args.ours, args.theirs)
    except (WorkspaceError, OSError) as exc:
        print(f"upr merge-driver: {exc}", file=sys.stderr)
        return 2
    try:
        write_merged(args.ours, result, gz=ours_gz)
    except (OSError, WorkspaceError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(f"upr merge-driver: cannot write {args.ours}: {reason}", file=sys.stderr)
        return 2
    report = result.report
    name = clean_line(args.rest[-1]) if args.rest else "workspace"
    print(f"upr: {summary_line(report, 'ours', 'theirs')} ({name})", file=sys.stderr)
    if report.conflicts:
        print(
            f"upr: {len(report.conflicts)} conflict(s) kept the later edit; review them in the app (C)",
            file=sys.stderr,
        )
    return 0


# -- upr git-setup ---------------------------------------------------------------------------


def add_arguments_git_setup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-w",
        "--workspace",
        type=Path,
        help="also register this workspace file (if its name matches no pattern)",
    )
    parser.add_argument(
        "--command",
        dest="command",
        help="how git should run upr (default: upr, or this installation's full path "
        "when upr is not on PATH)",
    )


def _git(*argv: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *argv], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise UsageError(
            done.stderr.strip().splitlines()[-1]
            if done.stderr.strip()
            else f"git {' '.join(argv)} failed"
        )
    return done.stdout.strip()


def run_git_setup(args: argparse.Namespace) -> int:
    if shutil.which("git") is None:
        raise UsageError("git is not installed (or not on PATH)")
    root = Path(_git("rev-parse", "--show-toplevel"))
    lines = list(GITATTRIBUTES_LINES)
    if args.workspace is not None:
        ws = Path(os.path.abspath(args.workspace))
        name = ws.name
        if not (name.endswith(".upr.json") or name == DEFAULT_WORKSPACE):
            try:
                rel = ws.relative_to(root.resolve())
            except ValueError:
                raise UsageError(f"{args.workspace} is not inside the repository {root}") from None
            pattern = "/" + rel.as_posix()
            if any(ch in pattern for ch in ' \t#\\"'):
                raise UsageError(
                    f"{args.workspace}: rename it to end in .upr.json (its name cannot "
                    "be written in .gitattributes)"
                )
            lines.append(f"{pattern} merge=upr")
    added = ensure_gitattributes(root, lines)
    command = driver_command(args.command)
    _git("config", "merge.upr.name", DRIVER_NAME, cwd=root)
    _git("config", "merge.upr.driver", command, cwd=root)
    if added:
        print(clean_line(f"{root / '.gitattributes'}: added " + "; ".join(added) + " (commit it)"))
    else:
        print(clean_line(f"{root / '.gitattributes'}: already set up"))
    print(clean_line(f"git config merge.upr.driver = {command}"))
    return 0
