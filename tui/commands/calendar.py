"""``upr calendar``: the next UPR reviews, as a Rich table on a terminal and TSV in a pipe."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from tui import refdata
from tui.args import add_workspace_option, parse_date
from tui.output import emit_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--upcoming",
        type=int,
        default=20,
        metavar="N",
        help="how many reviews to list (default 20)",
    )
    parser.add_argument("--region", choices=sorted(refdata.REGIONS), help="one regional group")
    parser.add_argument("--today", type=parse_date, help="pretend today is YYYY-MM-DD")
    add_workspace_option(parser)


def run(args: argparse.Namespace) -> int:
    if args.upcoming < 1:
        print("upr calendar: --upcoming must be at least 1", file=sys.stderr)
        return 1
    today = args.today or date.today()
    rows = []
    for review in refdata.upcoming_reviews(today, args.upcoming, args.region):
        st = refdata.state(review.iso3)
        days = (review.start - today).days
        rows.append(
            [
                review.start.isoformat(),
                review.end.isoformat(),
                str(review.session.number),
                str(review.cycle),
                st.iso3,
                st.name,
                st.region,
                "in session" if days <= 0 else str(days),
                review.caveat or "published",
            ]
        )
    header = ["start", "end", "session", "cycle", "iso3", "state", "group", "days", "basis"]
    title = f"Next {len(rows)} UPR reviews from {today.isoformat()}"
    if args.region:
        title += f" · {refdata.REGIONS[args.region]}"
    emit_table(header, rows, title=title)
    return 0
