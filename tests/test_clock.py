"""Hybrid logical clocks (DESIGN §4): format, order across authors and counters, monotonicity."""

from __future__ import annotations

import threading

import pytest

from tui.clock import HybridClock, clock_key, format_clock


class FakeWall:
    """A wall clock the test moves by hand, backwards too."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_format_is_zero_padded_ms_counter_author() -> None:
    assert format_clock(1_700_000_000_123, 7, "ana@un") == "1700000000123|000007|ana@un"
    assert clock_key("1700000000123|000007|ana@un") == (1_700_000_000_123, 7, "ana@un")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1|2|a",
        "1700000000123|7|a",
        "1700000000123|000007|",
        "1700000000123|000007|bad author",
        "x700000000123|000007|a",
        "1700000000123|000007|ana\n",  # issue 15.8: the whole string, no trailing newline
    ],
)
def test_malformed_clocks_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        clock_key(bad)


def test_order_is_ms_then_counter_then_author() -> None:
    clocks = [
        format_clock(2_000, 0, "a"),
        format_clock(1_000, 2, "a"),
        format_clock(1_000, 10, "a"),
        format_clock(1_000, 2, "b"),
        format_clock(999, 999_999, "zz"),
    ]
    expected = [
        format_clock(999, 999_999, "zz"),
        format_clock(1_000, 2, "a"),
        format_clock(1_000, 2, "b"),
        format_clock(1_000, 10, "a"),
        format_clock(2_000, 0, "a"),
    ]
    assert sorted(clocks, key=clock_key) == expected
    # The fixed-width text sorts the same way, which the store relies on to find the newest.
    assert sorted(clocks) == expected


def test_ticks_increase_with_a_frozen_wall_clock() -> None:
    wall = FakeWall(5_000)
    clock = HybridClock("ana", now_ms=wall)
    ticks = [clock.tick() for _ in range(5)]
    assert [clock_key(t)[:2] for t in ticks] == [
        (5_000, 0),
        (5_000, 1),
        (5_000, 2),
        (5_000, 3),
        (5_000, 4),
    ]


def test_monotonic_when_the_wall_clock_goes_backwards() -> None:
    wall = FakeWall(10_000)
    clock = HybridClock("ana", now_ms=wall)
    first = clock.tick()
    wall.ms = 4_000  # NTP correction, a laptop with a wrong clock...
    second = clock.tick()
    third = clock.tick()
    assert clock_key(first) < clock_key(second) < clock_key(third)
    assert clock_key(second)[:2] == (10_000, 1)
    wall.ms = 20_000
    assert clock_key(clock.tick())[:2] == (20_000, 0)


def test_counter_overflow_moves_to_the_next_millisecond() -> None:
    clock = HybridClock("ana", now_ms=FakeWall(1_000))
    clock.observe(format_clock(1_000, 999_999, "bob"))
    assert clock_key(clock.tick())[:2] == (1_001, 0)


def test_observe_moves_past_a_loaded_clock() -> None:
    wall = FakeWall(1_000)
    clock = HybridClock("ana", now_ms=wall)
    seen = format_clock(50_000, 3, "bob")
    clock.observe(seen)
    mine = clock.tick()
    assert clock_key(mine) > clock_key(seen)
    assert clock_key(mine)[:2] == (50_000, 4)


def test_observe_ignores_older_and_malformed_clocks() -> None:
    clock = HybridClock("ana", now_ms=FakeWall(9_000))
    clock.observe(format_clock(1_000, 5, "bob"))
    clock.observe("garbage")
    assert clock_key(clock.tick())[:2] == (9_000, 0)


def test_two_authors_at_the_same_instant_still_order() -> None:
    a = HybridClock("ana", now_ms=FakeWall(1_000)).tick()
    b = HybridClock("bob", now_ms=FakeWall(1_000)).tick()
    assert clock_key(a) < clock_key(b) and a != b


@pytest.mark.parametrize("author", ["", "has space", "x" * 65, "ünï", "a|b", "ana\n"])
def test_invalid_author_is_refused(author: str) -> None:
    with pytest.raises(ValueError):
        HybridClock(author)


def test_ticks_from_threads_are_unique() -> None:
    clock = HybridClock("ana", now_ms=FakeWall(1_000))
    seen: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [clock.tick() for _ in range(500)]
        with lock:
            seen.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 2_000


def test_author_and_clock_ending_in_a_newline_are_refused(tmp_path, monkeypatch) -> None:
    """DESIGN §4: the whole string matches; a file or UPR_AUTHOR with "ana\\n" is refused."""
    import json

    from tui.config import resolve_author
    from tui.store import Workspace, WorkspaceError

    monkeypatch.setenv("UPR_AUTHOR", "ana\n")
    with pytest.raises(ValueError):
        resolve_author(None, interactive=False)
    path = tmp_path / "ws.json"
    ws = Workspace.open(path, author="ana")
    ws.edit("countries", "SVN", {"notes": "n"})
    ws.close()
    data = json.loads(path.read_text("utf-8"))
    record = data["countries"]["SVN"]
    record["_clock"]["*"] += "\n"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(WorkspaceError, match="malformed clock"):
        Workspace.open(path, author="bob", read_only=True)
