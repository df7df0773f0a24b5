"""``upr links ISO3 [-w FILE] [--min-score S] [--accept-above S]``: suggested links (issue 17).

Prints, for each of the State's later-cycle recommendations, the earlier ones (and treaty-body
and special-procedure ones) whose text is alike, best first; several candidates per paragraph.
Piped, TSV with the header ``id paragraph cycle candidate_id candidate_paragraph candidate_cycle
score reason``. Pairs already linked or rejected are not suggested. ``--accept-above S`` links
every suggestion scoring at least S, in one undo step (near-identical texts as ``same``, the
rest as ``related``). Exit codes: 0 ok, 1 usage error or the file is open elsewhere, 2 a bad or
unreadable file.
"""

from __future__ import annotations

import argparse
import sys

from tui.args import UsageError, add_workspace_option

HEADER = (
    "id",
    "paragraph",
    "cycle",
    "candidate_id",
    "candidate_paragraph",
    "candidate_cycle",
    "score",
    "reason",
)


def _score(value: str) -> float:
    try:
        score = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value[:20]!r} is not a number") from None
    if not 0.0 <= score <= 1.0:
        raise argparse.ArgumentTypeError(f"{value[:20]!r}: a score is between 0 and 1")
    return score


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tui.links import DEFAULT_MIN_SCORE

    parser.add_argument("iso3", metavar="ISO3", help="the State under review (ISO3 code or name)")
    add_workspace_option(parser)
    parser.add_argument(
        "--min-score",
        type=_score,
        default=DEFAULT_MIN_SCORE,
        help=f"leave out pairs scoring below S (0..1, default {DEFAULT_MIN_SCORE})",
    )
    parser.add_argument(
        "--accept-above",
        type=_score,
        metavar="S",
        help="link every suggestion scoring at least S (one undo step)",
    )


def run(args: argparse.Namespace) -> int:
    from tui import links, refdata
    from tui.config import resolve_author
    from tui.output import emit_table
    from tui.store import LockedError, Workspace, WorkspaceError

    code = refdata.resolve_state(args.iso3)
    if code is None:
        raise UsageError(f"unknown country {args.iso3[:40]!r}: give an ISO3 code such as SVN")
    accepting = args.accept_above is not None
    try:
        author = resolve_author(None) if accepting else "links"
    except ValueError as exc:
        print(f"upr links: {exc}", file=sys.stderr)
        return 1
    try:
        ws = Workspace.open(
            args.workspace,
            author=author,
            read_only=not accepting,
            create=False,
            lock=accepting,
        )
    except LockedError as exc:
        print(f"upr links: {exc}", file=sys.stderr)
        return 1
    except WorkspaceError as exc:
        print(f"upr links: {exc}", file=sys.stderr)
        return 2
    try:
        found = links.suggest(ws, code, min_score=args.min_score)
        rows = [
            (
                s.rid,
                s.paragraph,
                s.cycle,
                s.candidate,
                s.candidate_paragraph,
                s.candidate_cycle,
                f"{s.score:.2f}",
                s.reason,
            )
            for s in found
        ]
        emit_table(HEADER, rows, title=f"Suggested links for {code}")
        if accepting:
            changed = links.accept_above(ws, found, args.accept_above)
            ws.save()
            print(
                f"upr links: linked {changed} pair(s) scoring at least {args.accept_above:.2f}",
                file=sys.stderr,
            )
        elif sys.stdout.isatty():
            paragraphs = len({s.rid for s in found})
            print(f"{len(found)} suggestion(s) for {paragraphs} recommendation(s)")
    except WorkspaceError as exc:
        print(f"upr links: {exc}", file=sys.stderr)
        return 2
    finally:
        ws.close(save=False)
    return 0
