"""Terminal safety (issue 9.4, DESIGN §6): text from a hostile workspace — recommendation texts,
notes, clusters, partners, evidence, raw recommending State names, checklist notes and owners,
action titles, view names — carrying ESC/CSI/OSC sequences (title change, OSC 52 clipboard,
OSC 8 links), C1 controls, Rich and Textual markup, bidi overrides, zero-width characters and a
10,000-character word, is shown inert: the literal bracket text on screen, every 80x24 screen
line exactly 80 cells, and nothing of it reaching the terminal as a control sequence.

Two levels: Pilot (what each screen shows: cells, widths, spans) and the real ``upr`` in a
pseudo-terminal, whose every byte is recorded and compared with a run on a clean workspace
(what Textual itself emits). tests/test_triage_screen.py checks the recommendation list and
detail pane with a few of these strings; this suite covers every screen that shows them.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import screen_text
from hostile_files import RecordingPty, build_demo
from rich.cells import cell_len
from rich.text import Text

from tui.store import Workspace

UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"
REC = "recommendations"
FIRST = "UPR:A/HRC/59/15:140.1"

OSC_TITLE = "\x1b]0;pwned-title\x07\x1b]2;pwned-title2\x1b\\"
OSC_CLIPBOARD = "\x1b]52;c;cHduZWQtY2xpcA==\x07"  # base64 of "pwned-clip"
OSC_LINK = "\x1b]8;;https://osc8-link.example/\x1b\\clickme\x1b]8;;\x1b\\"
CSI = "\x1b[2J\x1b[H\x1b[31mred\x1b[0m\x1b[?1049l\x1b[6n"
C1 = "\x9b2J\x9d0;c1-title\x9c\x85\x8d\x90dcs\x9c"
MARKUP = "[bold]B[/bold] [/x] [link=https://markup-link.example]L[/link] [@click=app.quit]Q[/] [$accent]A[/]"
BIDI = "abc\u202edcba\u202c \u2066iso\u2069 \u200fRTL\u200e"
ZERO_WIDTH = "zero\u200bwidth\u200c\u200d\u2060joiner\ufeff"
LONG_WORD = "W" * 10_000
HOSTILE = (
    f"{MARKUP} {OSC_TITLE}{OSC_CLIPBOARD}{OSC_LINK} {CSI} {C1} {BIDI} {ZERO_WIDTH} {LONG_WORD} end"
)
# Markup a person must see literally (short, so it fits a list row at 80 columns).
LITERALS = ("[bold]B[/bold]", "[/x]")
SHORT = "[bold]B[/bold] [/x] [@click=app.quit]Q[/] \x1b]0;pwned\x07\x9b2J\u202e[$accent]A[/]"

# Nothing of these may ever reach the terminal (payloads of the sequences above).
NEVER = ("pwned", "cHduZWQ", "osc8-link.example", "c1-title", "dcs\x9c")
FORBIDDEN_CHARS = re.compile(
    "[\x80-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)


def add_hostile_text(ws: Workspace) -> None:
    """Put the hostile strings into every field a screen shows (as a hostile file would)."""
    for i, rid in enumerate(
        sorted(r for r in ws.table(REC) if r.startswith("UPR:A/HRC/59/15:140."))[:6]
    ):
        ws.edit(
            REC,
            rid,
            {
                "text": (SHORT + " " + HOSTILE) if i == 0 else f"{SHORT} {i} {HOSTILE[:3000]}",
                "note": HOSTILE,
                "cluster": SHORT,
                "lead_entity": SHORT + " lead",
                "partners": [SHORT, "UNICEF"],
                "evidence": HOSTILE[:5000],
                "cf_outcome": SHORT,
                "recommending": ["FRA", SHORT + " State"],
                "themes": [SHORT],
                "groups": [SHORT],
                "body": SHORT[:40],
                "status": "in_progress",
            },
        )
    ws.edit(
        "countries",
        "SVN",
        {
            "clusters": [SHORT, "Rule of law"],
            "cf_outcomes": [SHORT],
            "notes": HOSTILE,
            "views": {SHORT + " view": {"search": SHORT}},
        },
    )
    for cid in [c for c in ws.table("checklist") if c.startswith("SVN:")]:
        ws.edit("checklist", cid, {"note": HOSTILE[:20_000], "owner": SHORT})
    ws.edit(
        "checklist",
        "SVN:5:custom-hostile",
        {
            "country": "SVN",
            "cycle": 5,
            "item": "custom-hostile",
            "phase": "pre_session",
            "text": SHORT + " custom item",
            "custom": True,
            "note": SHORT,
        },
    )
    ws.edit(
        "actions",
        "SVN:act:hostile",
        {
            "country": "SVN",
            "title": SHORT + " " + LONG_WORD,
            "entity": SHORT,
            "note": HOSTILE,
            "indicator": SHORT,
            "baseline": SHORT,
            "target": SHORT,
            "cost": SHORT,
            "recommendations": [FIRST],
        },
    )


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("terminal")
    clean = build_demo(folder / "clean" / "team.json")
    hostile = folder / "hostile" / "team.json"
    hostile.parent.mkdir()
    shutil.copyfile(clean, hostile)
    ws = Workspace.open(hostile, author="mallory")
    add_hostile_text(ws)
    ws.close()
    assert "\\u001b]52" in hostile.read_text("utf-8")  # the file really holds the sequences
    return {"clean": clean, "hostile": hostile}


# -- Pilot: what each screen shows ----------------------------------------------------------------


def check_screen(app: Any, where: str) -> str:
    """Every line exactly 80 cells, nothing forbidden, no payload; returns the screen text."""
    text = screen_text(app)
    lines = text.split("\n")
    lines = lines[:-1] if lines[-1] == "" else lines
    assert len(lines) == 24, (where, len(lines))
    for n, line in enumerate(lines):
        assert cell_len(line) == 80, (where, n, cell_len(line), line)
    assert not FORBIDDEN_CHARS.search(text), (where, FORBIDDEN_CHARS.findall(text))
    assert "\x1b" not in text and "\x07" not in text
    for payload in NEVER:
        assert payload not in text, (where, payload)
    return text


def check_strips(widget: Any, where: str) -> None:
    """The segments a widget renders carry no control characters, links or click actions."""
    for y in range(widget.size.height):
        for segment in widget.render_line(y):
            assert not FORBIDDEN_CHARS.search(segment.text) and "\x1b" not in segment.text, where
            style = segment.style
            assert style is None or (not style.link and "@click" not in str(style.meta)), where


def check_rich_text(text: Text, where: str) -> None:
    assert not FORBIDDEN_CHARS.search(text.plain) and "\x1b" not in text.plain, where
    for span in text.spans:
        assert "link" not in str(span.style) and "click" not in str(span.style), (where, span)


async def test_every_screen_shows_hostile_text_inert_at_80x24(
    make_app, workspaces: dict[str, Path], tmp_path: Path
) -> None:
    from screens.actions import ActionsScreen
    from screens.checklist import ChecklistScreen
    from screens.clusters import ClustersScreen
    from screens.queue import QueueScreen
    from screens.textpane import TextPane
    from screens.triage import RecommendationsScreen

    path = tmp_path / "team.json"
    shutil.copyfile(workspaces["hostile"], path)
    app = make_app(path=path)
    seen: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        check_screen(app, "country list")
        app.push_screen(RecommendationsScreen("SVN", app.today))
        await pilot.pause()
        screen = app.screen
        text = check_screen(app, "recommendations")
        assert all(literal in text for literal in LITERALS), text  # markup shown as text
        check_strips(screen.row_list, "recommendation rows")
        await pilot.press("v")  # the detail pane
        await pilot.pause()
        check_screen(app, "detail pane")
        detail = screen.query_one("#detail", TextPane).text
        check_rich_text(detail, "detail pane")
        for literal in (
            *LITERALS,
            "[link=https://markup-link.example]L[/link]",
            "[@click=app.quit]Q[/]",
            "[$accent]A[/]",
            "[$accent]A[/] State",
        ):  # the last: a raw State name
            assert literal in detail.plain, literal
        assert LONG_WORD in detail.plain  # all of it, folded into the pane's width
        for _ in range(4):
            await pilot.press("J")  # page through the 10,000-character word
            await pilot.pause()
            check_screen(app, "detail pane, paged")
        await pilot.press("t")  # queue: one at a time
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        for step in range(3):
            seen.append(check_screen(app, f"queue {step}"))
            await pilot.press("n")
            await pilot.pause()
        assert any("[bold]B[/bold]" in s for s in seen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("C")  # clusters overview: the cluster names
        await pilot.pause()
        assert isinstance(app.screen, ClustersScreen)
        assert "[bold]B[/bold]" in check_screen(app, "clusters")
        await pilot.press("escape")
        await pilot.pause()
        for key in ("c", "e", "E", "o", "w"):  # pickers listing clusters, entities, outcomes, views
            await pilot.press(key)
            await pilot.pause()
            check_screen(app, f"picker {key}")
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("slash", *"[/x]", "enter")  # a search for markup finds it literally
        await pilot.pause()
        check_screen(app, "search")
        await pilot.click("#recs", offset=(30, 1))  # clicking on markup text runs nothing
        await pilot.pause()
        assert app.is_running and app.return_code is None
        app.push_screen(ChecklistScreen("SVN", app.today, cycle=5))
        await pilot.pause()
        check_screen(app, "checklist")
        for _ in range(5):
            await pilot.press("down")
            await pilot.pause()
            check_screen(app, "checklist detail")
        detail_text = app.screen.detail_text()
        check_rich_text(detail_text, "checklist detail")
        app.push_screen(ActionsScreen("SVN", app.today))
        await pilot.pause()
        text = check_screen(app, "actions")
        assert "[bold]B[/bold]" in text
        await pilot.press("enter")  # the action's editor shows every field
        await pilot.pause()
        check_screen(app, "action editor")
        assert app.is_running


# -- the real upr in a pty: the bytes on the wire ------------------------------------------------------


def session(path: Path, cwd: Path) -> tuple[bytes, list[str]]:
    """A person's path through every screen that shows the strings; returns the bytes written
    and the screen (pyte) after each step."""
    app = RecordingPty([UPR, str(path), "--today", "2026-11-25"], cwd=str(cwd))
    screens: list[str] = []

    def step(keys: str, needle: str = "", settle: float = 0.4) -> None:
        if keys:
            app.send(keys)
        if needle:
            assert app.wait_for(needle, 30), (keys, needle, app.text())
        app.settle(settle)
        screens.append(app.text())

    try:
        step("", "of 193 States")
        step("sloven", "1 of 193 States")
        step("\r", "Slovenia")
        step("r", "254 recommendations")
        step("v")  # detail pane
        step("JJJ")  # page the details
        step("t")  # queue
        step("nn")
        step("\x1b", "254 recommendations")
        step("C")  # clusters
        step("\x1b")
        step("c")  # cluster picker
        step("\x1b")
        step("q", "c checklist")
        step("c", "Overall")  # checklist
        step("jjjj")
        step("q")
        step("A")  # actions
        step("\r")
        step("\x1b")
        step("q")
        app.send("\x11")  # ctrl+q
        assert app.wait(15) == 0, app.text()
    finally:
        app.close()
    return bytes(app.raw), screens


OSC = re.compile(rb"\x1b\](\d*)")


@pytest.mark.slow
def test_nothing_hostile_reaches_the_terminal(workspaces: dict[str, Path], tmp_path: Path) -> None:
    clean_raw, _ = session(workspaces["clean"], tmp_path)
    hostile_raw, screens = session(workspaces["hostile"], tmp_path)
    assert len(hostile_raw) > 20_000 and len(clean_raw) > 20_000
    # What Textual itself sends on a clean workspace: the only OSC numbers allowed.
    allowed = set(OSC.findall(clean_raw))
    sent = set(OSC.findall(hostile_raw))
    assert sent <= allowed, (sent, allowed)
    for bad in (b"\x1b]0;", b"\x1b]2;", b"\x1b]52", b"\x1b]8;", b"\x1bP", b"\x1b^", b"\x1b_"):
        assert bad not in hostile_raw, bad
    text = hostile_raw.decode("utf-8")  # valid UTF-8 throughout
    assert not FORBIDDEN_CHARS.search(text), FORBIDDEN_CHARS.findall(text)[:10]  # no C1, bidi, ZW
    for payload in NEVER:
        assert payload.encode() not in hostile_raw, payload
    # Textual's own OSC (22: the pointer shape) end with BEL; no other BEL may be sent.
    assert b"\x07" not in re.sub(rb"\x1b\]\d+;[^\x07\x1b]*\x07", b"", hostile_raw)
    # The markup is there as text a person can read, and the layout held on every screen.
    assert any("[bold]B[/bold]" in s and "[/x]" in s for s in screens)
    for n, screen in enumerate(screens):
        lines = screen.split("\n")
        assert len(lines) == 24 and "pwned" not in screen, n
        # Title and key-hint rows stay where they are: hostile text never moved or overwrote them.
        assert "[bold]B" not in lines[0] and "[bold]B" not in lines[-1], (n, screen)
        if lines[0].startswith("Slovenia · 254 recommendations"):
            assert lines[-1].startswith("1 2 3 0 priority · x triaged"), (n, screen)


# -- names, paths and pastes (issue 15.3) ----------------------------------------------------------

# A file name is as hostile as a file's content: it sets the title and the clipboard if printed.
NAME_PAYLOAD = "ws\x1b]2;pwned-name\x1b\\\x1b]52;c;cHduZWQtY2xpcA==\x1b\\\u202edi\x9b2J"
# Inside a bracketed paste Textual turns an ESC into a literal "^" key (the rest of its
# sequence follows as typed text); C1 controls, BEL and bidi characters come through as text.
PASTE_PAYLOAD = (
    "ab\x9d2;pwned-paste\x9c\u202ecd\x07\x1b[6n\x9b2J\u200bef\x9d52;c;cHduZWQtY2xpcA==\x9c"
)


ALL_PAYLOADS = (*NEVER, "pwned-name", "pwned-paste")


def assert_inert(raw: bytes, where: str, payloads: tuple[str, ...] = ALL_PAYLOADS) -> None:
    """No escape sequence, C1, bidi or format character, and no payload, in bytes a command
    wrote for the terminal."""
    for bad in (b"\x1b]0;", b"\x1b]2;", b"\x1b]52", b"\x1b]8;", b"\x1bP", b"\x1b^", b"\x1b_"):
        assert bad not in raw, (where, bad, raw[-2000:])
    text = raw.decode("utf-8", "replace")
    assert not FORBIDDEN_CHARS.search(text), (where, FORBIDDEN_CHARS.findall(text)[:10])
    for payload in payloads:
        assert payload.encode() not in raw, (where, payload)


def run_upr(*argv: str, cwd: Path) -> bytes:
    import subprocess

    done = subprocess.run(
        [UPR, *argv], cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL, timeout=120
    )
    return done.stdout + done.stderr


def test_command_line_messages_never_carry_a_hostile_name(tmp_path: Path) -> None:
    good = tmp_path / f"{NAME_PAYLOAD}.json"
    ws = Workspace.open(good, author="tester")
    ws.edit("countries", "SVN", {"notes": "n"})
    ws.close()
    broken = tmp_path / f"{NAME_PAYLOAD}-broken.json"
    broken.write_text("{", "utf-8")
    other = tmp_path / "other.json"
    shutil.copyfile(good, other)
    Workspace.open(other, author="bob").close()
    ws = Workspace.open(other, author="bob")
    ws.edit("countries", "SVN", {"notes": "from bob"})
    ws.close()
    runs = {
        "check ok": run_upr("check", good.name, cwd=tmp_path),
        "check broken": run_upr("check", broken.name, cwd=tmp_path),
        "check missing": run_upr("check", f"{NAME_PAYLOAD}-missing.json", cwd=tmp_path),
        "export share": run_upr(
            "export", "share", "-w", good.name, "-o", f"{NAME_PAYLOAD}.json.gz", cwd=tmp_path
        ),
        "export broken": run_upr("export", "share", "-w", broken.name, cwd=tmp_path),
        "merge": run_upr("merge", good.name, other.name, cwd=tmp_path),
        "merge missing": run_upr("merge", good.name, f"{NAME_PAYLOAD}.x", cwd=tmp_path),
        "import": run_upr("import", f"{NAME_PAYLOAD}.txt", "-w", good.name, cwd=tmp_path),
        "usage": run_upr("calendar", "--region", NAME_PAYLOAD, cwd=tmp_path),
    }
    assert b"ws" in runs["check ok"] and b"ok" in runs["check ok"]
    assert b"not valid JSON" in runs["check broken"]
    for where, raw in runs.items():
        assert raw, where
        assert b"\x1b" not in raw, (where, raw)  # not even a colour: none of these is a terminal
        # argparse shows a bad value as Python's repr: escaped, so readable and inert.
        assert_inert(raw, where, ALL_PAYLOADS if where != "usage" else ())


def test_the_app_draws_hostile_names_and_pastes_inert(tmp_path: Path) -> None:
    """The real upr in a pty: the messages of a bad file, a new file's "Saved NAME.", the
    read-only notice, a share copy's message, the import box after tab completion, and a
    bracketed paste (ESC, OSC 52 and U+202E inside) in the country filter and the import box."""
    name = f"{NAME_PAYLOAD}.json"
    broken = tmp_path / f"{NAME_PAYLOAD}-broken.json"
    broken.write_text("{", "utf-8")
    raws: dict[str, bytes] = {}

    app = RecordingPty([UPR, broken.name], cwd=str(tmp_path))
    try:
        assert app.wait(30) == 2, app.text()
    finally:
        app.close()
    raws["bad file"] = bytes(app.raw)
    assert b"not valid JSON" in raws["bad file"]

    app = RecordingPty([UPR, name], cwd=str(tmp_path))
    try:
        assert app.wait_for("of 193 States", 30), app.text()
        app.settle()
        app.send("\x1b[200~" + PASTE_PAYLOAD + "\x1b[201~")  # bracketed paste into the filter
        app.settle()
        app.send("\x13")  # ctrl+s: "Saved NAME."
        assert app.wait_for("Saved ws", 15), app.text()
        app.send("\x0f")  # ctrl+o: the import box
        assert app.wait_for("Import a file into", 15), app.text()
        app.send("ws")
        app.send("\t")  # completes the hostile name
        app.settle()
        assert "ws" in app.text()
        app.send("\x1b[200~" + PASTE_PAYLOAD + "\x1b[201~")
        app.settle()
        app.send("\x1b")
        app.settle()
        app.send("\x11")
        assert app.wait(15) == 0, app.text()
    finally:
        app.close()
    raws["new file"] = bytes(app.raw)
    assert (tmp_path / name).exists()

    app = RecordingPty([UPR, "--read-only", name], cwd=str(tmp_path))
    try:
        assert app.wait_for("read-only", 30), app.text()
        app.settle()
        app.send("\x11")
        assert app.wait(15) == 0, app.text()
    finally:
        app.close()
    raws["read-only"] = bytes(app.raw)

    share = f"{NAME_PAYLOAD}-share.json.gz"
    run_upr("export", "share", "-w", name, "-o", share, cwd=tmp_path)
    app = RecordingPty([UPR, share], cwd=str(tmp_path))
    try:
        assert app.wait_for("Opened ws", 30), app.text()
        app.settle()
        app.send("\x11")
        assert app.wait(15) == 0, app.text()
    finally:
        app.close()
    raws["share copy"] = bytes(app.raw)
    # The import box keeps the real name (so the file opens) and draws its escapes as U+FFFD:
    # the payload's letters may show, inert; the pasted sequences are removed whole.
    assert "\ufffd]2;pwned-name" in raws["new file"].decode("utf-8", "replace")
    for where, raw in raws.items():
        assert_inert(raw, where, ("pwned-paste",) if where == "new file" else ALL_PAYLOADS)
