"""The ``upr`` command (DESIGN §9). Exit codes: 0 ok, 1 usage or user error, 2 bad file."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tui import __version__
from tui.args import (  # re-exported: commands and tests imported them from here
    DEFAULT_WORKSPACE as DEFAULT_WORKSPACE,
)
from tui.args import (
    Parser,
    UsageError,
)
from tui.args import (
    add_workspace_option as add_workspace_option,
)
from tui.args import (
    parse_date as parse_date,
)

# Subcommand -> module exposing ``add_arguments(parser)`` and ``run(args) -> int``.
# Each lives in its own module so the command line stays one table and start-up imports little.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "calendar": ("tui.commands.calendar", "UPR review calendar: upcoming reviews by State"),
    "import": ("tui.commands.import_", "import recommendations from a report, list or export"),
    "export": ("tui.commands.export", "export checklist, matrix, annex, plan, brief or share copy"),
    "merge": ("tui.commands.merge", "merge two copies of a workspace"),
    "merge-driver": ("tui.commands.merge", "git merge driver: upr merge-driver %O %A %B"),
    "git-setup": ("tui.commands.merge", "configure git to merge workspaces with upr"),
    "check": ("tui.commands.check", "validate a workspace file without changing it"),
    "dedupe": ("tui.commands.dedupe", "fold duplicate recommendations into one record"),
    "sync": (
        "tui.commands.sync",
        "commit, fetch, merge and push the workspace in a git repository",
    ),
    "links": ("tui.commands.links", "suggest links between a State's recommendations of cycles"),
}


def app_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="upr",
        description="UPR Workbench: UPR calendar, UNCT checklists and recommendation triage.",
        epilog="subcommands: " + ", ".join(SUBCOMMANDS) + " (upr SUBCOMMAND --help)",
    )
    p.add_argument(
        "file", nargs="?", type=Path, help=f"workspace file (default: ./{DEFAULT_WORKSPACE})"
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="open the demo workspace (Slovenia's real recommendations)",
    )
    p.add_argument("--today", type=parse_date, help="pretend today is YYYY-MM-DD")
    p.add_argument(
        "--author", help="your author id for the edit history (else UPR_AUTHOR or config)"
    )
    p.add_argument("--mouse", action="store_true", help="turn on mouse reporting (off over SSH)")
    p.add_argument("--colors", choices=["16", "256", "truecolor"], help="colour depth")
    lean = p.add_mutually_exclusive_group()
    lean.add_argument(
        "--lean",
        dest="lean",
        action="store_true",
        default=None,
        help="low-bandwidth mode (default when SSH_CONNECTION is set)",
    )
    lean.add_argument("--no-lean", dest="lean", action="store_false")
    p.add_argument(
        "--read-only", action="store_true", help="open without taking the lock or saving"
    )
    p.add_argument("--version", action="version", version=f"upr {__version__}")
    return p


def subcommand_parser(name: str) -> tuple[argparse.ArgumentParser, object]:
    module_name, help_text = SUBCOMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("tui"):
            raise UsageError(f"'upr {name}' is not available in this version") from None
        raise
    parser = Parser(prog=f"upr {name}", description=help_text)
    add = getattr(module, "add_arguments_" + name.replace("-", "_"), None) or module.add_arguments
    add(parser)
    run = getattr(module, "run_" + name.replace("-", "_"), None) or module.run
    return parser, run


AppStarter = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None, *, start_app: AppStarter | None = None) -> int:
    """Run ``upr ARGS``: a subcommand here; the app through ``start_app`` (given by the entry
    point ``upr``, which may import the screens; the core never does)."""
    from tui.sanitize import guarded_streams

    with guarded_streams():  # no control sequence of a name, path or value reaches the terminal
        return _main(argv, start_app)


def _main(argv: Sequence[str] | None, start_app: AppStarter | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list and args_list[0] in SUBCOMMANDS:
            parser, run = subcommand_parser(args_list[0])
            args = parser.parse_args(args_list[1:])
            return int(run(args) or 0)  # type: ignore[operator]
        args = app_parser().parse_args(args_list)
        if start_app is None:
            raise UsageError("the app opens with the upr command (or python -m upr)")
        return start_app(args)
    except UsageError as exc:
        print(f"upr: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of a pipe went away (e.g. `upr calendar | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbours (``sycn`` -> ``sync``: 1)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def close_subcommand(file: Path) -> str | None:
    """The subcommand a missing FILE is a typo of: no ``.json``/``.gz`` ending, no folder part,
    no such file, within two edits of a subcommand (``upr chekc`` -> ``check``)."""
    name = str(file)
    if name.endswith((".json", ".gz")) or os.sep in name or file.exists():
        return None
    word = name.casefold()
    best = min(SUBCOMMANDS, key=lambda sub: (edit_distance(word, sub), sub))
    return best if edit_distance(word, best) <= 2 else None


if __name__ == "__main__":  # pragma: no cover
    # Run the imported module's main, so its UsageError is the one subcommands raise.
    from tui.cli import main as _run

    sys.exit(_run())
