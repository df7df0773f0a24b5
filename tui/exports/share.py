"""``upr export share [ISO3] [-o PATH]`` (also ``upr export --share``): a gzip copy to email.

The whole workspace (or one country's records with ``ISO3``), history included, as a
deterministic ``.json.gz`` (tui/share.py). Without ``-o`` it is written in the current folder
as the workspace's name plus ``.gz``. The sizes go to stderr.
"""

from __future__ import annotations

import argparse
import sys

from tui.cli import UsageError
from tui.share import write_share_copy
from tui.store import WorkspaceError

FORMATS = ("json.gz",)


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n >= 10 * 1024 else f"{n:,} bytes"


def export_share(args: argparse.Namespace) -> int:
    fmt = (getattr(args, "format", None) or "json.gz").lower().lstrip(".")
    if fmt not in FORMATS and fmt != "gz":
        raise UsageError(f"a share copy is a .json.gz file, not {fmt!r}")
    country = None
    if getattr(args, "iso3", None):
        from tui.commands.export import resolve_country

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
