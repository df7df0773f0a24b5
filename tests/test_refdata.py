"""Reference data (issue "Walking skeleton", part 3): States, calendar, sessions, entities, SDGs.

The corpus tests read the real UPR Info export and Working Group reports, because names that do not
resolve there would leave recommendations without a recommending State after import.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from tui import refdata as rd
from tui.paths import data_path

# --------------------------------------------------------------------------- corpus readers


def _upr_info_rows(shared: Path) -> Iterator[dict[str, str]]:
    """Rows of every UPR Info CSV (Mac Roman, CR line endings)."""
    files = sorted((shared / "corpus" / "upr-info").glob("*.csv"))
    assert len(files) == 6, files
    for p in files:
        with open(p, encoding="mac_roman", newline="") as f:
            yield from csv.DictReader(f)


@pytest.fixture(scope="module")
def upr_info(shared_dir: Path) -> list[tuple[str, str, str]]:
    """(To, From, Session) of every UPR Info row."""
    return [(r["To"], r["From"], r["Session"]) for r in _upr_info_rows(shared_dir)]


_GROUP = r"\((?:[^()]|\([^()]*\))*\)"
# One or more bracket groups closing a recommendation: followed by ; or . or the next item.
_TRAILING = re.compile(r"((?:\s*" + _GROUP + r")+)(?=\s*(?:[;.]|$)|\s+[A-Z0-9])")


def wg_bracket_names(text: str) -> list[str]:
    """Contents of the brackets naming recommending States in a WG report's recommendations."""
    heads = list(re.finditer(r"II\.\s+conclusions and/or recommendations(?![ .]*\.\.)", text, re.I))
    end = re.search(r"All (the )?conclusions and/or recommendations contained", text, re.I)
    assert heads and end, "recommendations section not found"
    section = re.sub(r"\s+", " ", text[heads[-1].end() : end.start()])
    out = []
    for m in _TRAILING.finditer(section):
        for group in re.findall(_GROUP, m.group(1)):
            inner = group[1:-1].strip()
            if (
                inner
                and not re.search(r"\d", inner)
                and (inner[0].isupper() or inner[:4] == "the ")
            ):
                out.append(inner)
    return out


@pytest.fixture(scope="module")
def wg_names(shared_dir: Path) -> dict[str, list[str]]:
    reports = sorted(
        p for p in (shared_dir / "corpus" / "wg-reports").glob("*.txt") if "Add1" not in p.name
    )
    assert len(reports) == 6, reports
    return {p.name: wg_bracket_names(p.read_text(encoding="utf-8")) for p in reports}


# --------------------------------------------------------------------------- States


def test_193_member_states_unique() -> None:
    members = rd.states()
    assert len(members) == 193
    assert len({s.iso3 for s in members}) == 193
    assert len({s.name for s in members}) == 193
    assert not any(s.observer for s in members)
    assert [rd.fold(s.name) for s in members] == sorted(rd.fold(s.name) for s in members)


def test_regions_match_source_and_are_all_used(shared_dir: Path) -> None:
    """Each State's group is the one in the CC0 source; Türkiye is WEOG for the UPR."""
    names = {v: k for k, v in rd.REGIONS.items()}
    names["GRULAC"], names["WEOG"] = "GRULAC", "WEOG"
    source: dict[str, set[str]] = {}
    with open(shared_dir / "data" / "un-regional-groups.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            source.setdefault(row["Code"], set()).add(names[row["Region"]])
    assert set(source) == {s.iso3 for s in rd.states()}
    for s in rd.states():
        expected = {"WEOG"} if s.iso3 == "TUR" else source[s.iso3]
        assert {s.region} == expected, s
    counts = Counter(s.region for s in rd.states())
    assert set(counts) == set(rd.REGIONS)
    assert counts == {"AG": 54, "APG": 54, "EEG": 23, "GRULAC": 33, "WEOG": 29}
    assert rd.state("TUR").region == "WEOG"
    assert [s.iso3 for s in rd.states_in_region("EEG")].count("SVN") == 1


def test_observers_are_separate() -> None:
    obs = {s.iso3: s for s in rd.observers()}
    assert set(obs) == {"VAT", "PSE"}
    assert obs["VAT"].name == "Holy See" and obs["PSE"].name == "State of Palestine"
    assert all(s.observer for s in obs.values())
    assert not {"VAT", "PSE"} & {s.iso3 for s in rd.states()}
    assert len(rd.states(include_observers=True)) == 195
    assert rd.reviews("PSE") == []
    assert rd.resolve_state("Palestine") == "PSE"
    assert rd.resolve_state("Holy See") == "VAT"


@pytest.mark.parametrize(
    ("iso3", "name"),
    [
        ("USA", "United States of America"),
        ("TUR", "Türkiye"),
        ("VNM", "Viet Nam"),
        ("CIV", "Côte d'Ivoire"),
        ("BOL", "Bolivia (Plurinational State of)"),
        ("IRN", "Iran (Islamic Republic of)"),
        ("VEN", "Venezuela (Bolivarian Republic of)"),
        ("LAO", "Lao People's Democratic Republic"),
        ("PRK", "Democratic People's Republic of Korea"),
        ("KOR", "Republic of Korea"),
        ("MDA", "Republic of Moldova"),
        ("TZA", "United Republic of Tanzania"),
        ("GBR", "United Kingdom of Great Britain and Northern Ireland"),
        ("RUS", "Russian Federation"),
        ("SYR", "Syrian Arab Republic"),
        ("FSM", "Micronesia (Federated States of)"),
        ("NLD", "Netherlands (Kingdom of the)"),
        ("MKD", "North Macedonia"),
        ("SWZ", "Eswatini"),
        ("CZE", "Czechia"),
        ("CPV", "Cabo Verde"),
        ("COG", "Congo"),
        ("COD", "Democratic Republic of the Congo"),
    ],
)
def test_un_official_short_names(iso3: str, name: str) -> None:
    assert rd.state(iso3).name == name
    assert rd.state(iso3.lower()).iso3 == iso3


def test_unknown_state_code_raises() -> None:
    with pytest.raises(KeyError):
        rd.state("XXX")
    with pytest.raises(KeyError):
        rd.reviews("XXX")


# --------------------------------------------------------------------------- name resolution


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("Turkiye", "TUR"),
        ("Swaziland", "SWZ"),
        ("Macedonia FYR", "MKD"),
        ("the former Yugoslav Republic of Macedonia", "MKD"),
        ("The Former Yugoslav Republic of Macedonia", "MKD"),
        ("Venezuela (Bolivarian Republic of)", "VEN"),
        ("Bolivarian Republic of Venezuela", "VEN"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("  côte   D'IVOIRE ", "CIV"),
        ("DPR Korea", "PRK"),
        ("Iran", "IRN"),
        ("Islamic Republic of Iran", "IRN"),
        ("Laos", "LAO"),
        ("Libyan Arab Jamahiriya", "LBY"),
        ("United Kingdom", "GBR"),
        ("USA", "USA"),
        ("United States", "USA"),
        ("Russia", "RUS"),
        ("Czech Republic", "CZE"),
        ("Cape Verde", "CPV"),
        ("Republic of Congo", "COG"),
        ("Democratic Republic of Congo", "COD"),
        ("the Netherlands", "NLD"),
        ("Kingdom of the Netherlands", "NLD"),
        ("St Kitts & Nevis", "KNA"),
        ("St. Vincent and the Grenadines", "VCT"),
        ("Sao Tome & Principe", "STP"),
        ("São Tomé and Príncipe", "STP"),
        ("Guinea Bissau", "GNB"),
        ("Bosnia &amp; Herzegovina", "BIH"),
        ("Slovenia", "SVN"),
        ("svn", "SVN"),
        ("Holy See", "VAT"),
        ("State of Palestine", "PSE"),
    ],
)
def test_resolve_state(name: str, iso3: str) -> None:
    assert rd.resolve_state(name) == iso3


@pytest.mark.parametrize("name", ["", "Atlantis", "Korea", "Guinea Conakry Bissau", "x" * 10_000])
def test_resolve_state_unknown(name: str) -> None:
    assert rd.resolve_state(name) is None


def test_every_alias_resolves_to_its_state() -> None:
    for s in rd.states(include_observers=True):
        for spelling in (s.iso3, s.name, *s.aliases):
            assert rd.resolve_state(spelling) == s.iso3, spelling


def test_known_non_states() -> None:
    assert rd.is_known_non_state("&#40;Unknown&#41;")
    assert rd.is_known_non_state("(Unknown)")
    assert not rd.is_known_non_state("Slovenia")
    assert rd.resolve_state("&#40;Unknown&#41;") is None


def test_upr_info_names_resolve(upr_info: list[tuple[str, str, str]]) -> None:
    """Every To and From of the UPR Info export is a State (member or observer) or a known non-State."""
    names = Counter(n for to, frm, _ in upr_info for n in (to, frm))
    assert len(upr_info) == 41_066 + 947
    assert len(names) > 190 and "&#40;Unknown&#41;" in names
    unresolved = sorted(
        n for n in names if rd.resolve_state(n) is None and not rd.is_known_non_state(n)
    )
    assert unresolved == []
    # Every State under review is a member State; both observers recommend.
    assert all(rd.resolve_state(to) not in (None, "VAT", "PSE") for to in {r[0] for r in upr_info})
    codes = {rd.resolve_state(n) for n in names}
    assert {"VAT", "PSE"} <= codes
    assert len(codes - {None}) == 195


def test_upr_info_sessions_agree_with_calendar(upr_info: list[tuple[str, str, str]]) -> None:
    """Each State under review in UPR Info sessions 1–20 is in the calendar at that session.

    The one known exception: UPR Info files 33 of Sudan's May 2011 recommendations (session 11, on
    the peace agreement) under "South Sudan", which did not exist yet and has no cycle-1 review.
    """
    pairs = Counter(
        (rd.resolve_state(to), int(session)) for to, _, session in upr_info if session.isdigit()
    )
    assert len(pairs) > 300
    mismatched = {
        (iso3, n): count
        for (iso3, n), count in pairs.items()
        if iso3 is not None
        and n <= 68
        and rd.session(n).number not in {r.session.number for r in rd.reviews(iso3)}
    }
    assert mismatched == {("SSD", 11): 33}


def test_wg_report_bracket_names_resolve(wg_names: dict[str, list[str]]) -> None:
    """Recommending States named in the WG reports' brackets resolve (lists split on commas)."""
    found = {n for names in wg_names.values() for n in names}
    assert all(len(v) >= 15 for v in wg_names.values()), {k: len(v) for k, v in wg_names.items()}
    for expected in (
        "Venezuela (Bolivarian Republic of)",
        "Bolivarian Republic of Venezuela",
        "the former Yugoslav Republic of Macedonia",
        "United Kingdom of Great Britain and Northern Ireland",
        "Türkiye",
        "Turkey",
        "State of Palestine",
        "Holy See",
        "Swaziland",
    ):
        assert expected in found
    unresolved = []
    for name in sorted(found):
        if rd.resolve_state(name):
            continue
        parts = [p.strip() for p in re.split(r",\s*|\s+and\s+", name)]
        unresolved += [p for p in parts if rd.resolve_state(p) is None]
    assert unresolved == []


# --------------------------------------------------------------------------- folding and search


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Côte d'Ivoire", "cote d'ivoire"),
        ("Türkiye", "turkiye"),
        ("São Tomé", "sao tome"),
        ("VIET", "viet"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert rd.fold(text) == folded


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cote", {"CIV"}),
        ("viet", {"VNM"}),
        ("congo", {"COG", "COD"}),
        ("TURK", {"TUR", "TKM"}),
        ("guinea bissau", {"GNB"}),
    ],
)
def test_find_states_accent_insensitive(query: str, expected: set[str]) -> None:
    assert {s.iso3 for s in rd.find_states(query)} == expected


def test_find_states_empty_query_finds_all() -> None:
    assert len(rd.find_states("")) == 193
    assert len(rd.find_states("", include_observers=True)) == 195


# --------------------------------------------------------------------------- sessions


def test_sessions_1_to_68_dated_and_increasing() -> None:
    ss = rd.sessions()
    assert [s.number for s in ss] == list(range(1, 69))
    for s in ss:
        assert s.start <= s.end, s
        assert s.end - s.start < timedelta(days=20), s
        assert s.start.weekday() == 0, s  # sessions open on a Monday
        assert s.source
    for a, b in zip(ss, ss[1:], strict=False):
        assert a.end < b.start, (a, b)


def test_session_cycles_and_confidence() -> None:
    for s in rd.sessions():
        cycle = 1 if s.number <= 12 else 2 + (s.number - 13) // 14
        assert s.cycle == cycle, s
        expected = "sourced" if s.number <= 51 else "inferred" if s.number <= 54 else "projected"
        assert s.confidence == expected, s


def test_session_lookup_and_between() -> None:
    assert rd.session(48).start == date(2025, 1, 20)
    assert rd.session(48).end == date(2025, 1, 31)
    with pytest.raises(KeyError):
        rd.session(69)
    assert [s.number for s in rd.sessions_between(date(2025, 1, 31), date(2025, 4, 28))] == [48, 49]
    assert [s.number for s in rd.sessions_between(date(2025, 2, 1), date(2025, 4, 27))] == []
    assert [s.number for s in rd.sessions_between(date(2025, 1, 1), date(2025, 12, 31))] == [
        48,
        49,
        50,
    ]


def test_sessions_copied_from_shared(shared_dir: Path) -> None:
    with open(shared_dir / "data" / "upr-sessions.csv", encoding="utf-8", newline="") as f:
        source = {int(r["session"]): r for r in csv.DictReader(f)}
    for s in rd.sessions():
        r = source[s.number]
        assert (s.start.isoformat(), s.end.isoformat(), s.confidence, s.source) == (
            r["start"],
            r["end"],
            r["confidence"],
            r["source"],
        )


# --------------------------------------------------------------------------- calendar


def test_each_state_once_per_cycle() -> None:
    for s in rd.states():
        cycles = [r.cycle for r in rd.reviews(s.iso3)]
        assert cycles == sorted(set(cycles)), s
        assert {2, 3, 4, 5} <= set(cycles), s
        expected = {2, 3, 4, 5} if s.iso3 == "SSD" else {1, 2, 3, 4, 5}
        assert set(cycles) == expected, s
        for r in rd.reviews(s.iso3):
            assert r.session.cycle == r.cycle, r
            assert r.basis in rd.REVIEW_BASES


def test_south_sudan_first_reviewed_in_cycle_2() -> None:
    assert rd.review("SSD", 1) is None
    first = rd.review("SSD", 2)
    assert first is not None and first.session.number == 26
    assert first.start > date(2011, 7, 9)  # independence


def test_calendar_names_match_states(shared_dir: Path) -> None:
    """data/calendar.csv repeats each State's name: it must be the states.yaml name."""
    with data_path("calendar.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 193 * 5 - 1
    for row in rows:
        assert row["name"] == rd.state(row["iso3"]).name, row


def test_calendar_copied_from_shared(shared_dir: Path) -> None:
    """Sessions, basis and note as in the shared calendar, except the rows sourced here: the 14
    States of session 27 (upr-info.org lists them) and Slovenia's rows (its WG reports)."""
    with open(shared_dir / "data" / "upr-calendar.csv", encoding="utf-8", newline="") as f:
        source = list(csv.DictReader(f))
    assert len(source) == 193 * 5 - 1
    for row in source:
        r = rd.review(row["iso3"], int(row["cycle"]))
        assert r is not None and r.session.number == int(row["session"]), row
        if r.session.number == 27:
            assert r.basis == "sourced" and row["basis"] == "projected"
            assert "upr-info.org" in r.note and "UPR 27" in r.note
        elif r.iso3 == "SVN" and r.cycle in (3, 4):
            assert r.basis == row["basis"] == "sourced"
            assert row["note"] in r.note and "A/HRC/" in r.note
        else:
            assert (r.basis, r.note) == (row["basis"], row["note"]), row


def test_no_review_held_before_the_check_is_projected() -> None:
    """Cycles 3 and 4 are checked up to session 51 (upr-cycles3-4-check.md): every review held
    there has a sourced session, except Ukraine's, whose cycle-4 session is unknown."""
    for s in rd.states():
        for r in rd.reviews(s.iso3):
            if r.session.number > 51:
                continue
            assert r.basis != "projected", r
            if (r.iso3, r.cycle) != ("UKR", 4):
                assert r.basis == "sourced", r
                assert "projected" not in r.caveat, r
    # After session 51, what is not verified stays labelled.
    r52 = rd.review("BEL", 4)
    assert r52 is not None and r52.session.number == 52 and "session projected" in r52.caveat


def test_upr_calendar_piped_prints_the_basis(capsys: pytest.CaptureFixture[str]) -> None:
    """Before session 47 (Nov 2024), its 14 reviews are sourced: TSV says so, not projected."""
    from tui.cli import main

    assert main(["calendar", "--upcoming", "14", "--today", "2024-10-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split("\t")
    assert header[-1] == "basis" and len(lines) == 15
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    assert {r["session"] for r in rows} == {"47"}
    assert {r["basis"] for r in rows} == {"published"}
    assert main(["calendar", "--upcoming", "40", "--today", "2026-03-01"]) == 0
    later = [line.split("\t") for line in capsys.readouterr().out.splitlines()[1:]]
    basis_52 = {row[4]: row[-1] for row in later if row[2] == "52"}
    assert basis_52["BEL"] == "session projected, dates inferred"
    assert basis_52["DNK"] == "dates inferred"  # its session is named by Denmark's mission


@pytest.mark.parametrize(
    ("iso3", "cycle", "session", "basis"),
    [
        ("ISR", 2, 17, "sourced"),
        ("SDN", 3, 40, "sourced"),
        ("USA", 4, 53, "sourced"),
        ("MMR", 4, 54, "reported"),
        ("UKR", 4, 42, "uncertain"),
        ("HTI", 1, 12, "sourced"),
    ],
)
def test_known_moves(iso3: str, cycle: int, session: int, basis: str) -> None:
    r = rd.review(iso3, cycle)
    assert r is not None and (r.session.number, r.basis) == (session, basis)
    assert r.note


def test_slovenia_last_and_next_review() -> None:
    on = date(2026, 11, 25)
    last = rd.last_review("SVN", on)
    nxt = rd.next_review("SVN", on)
    assert last is not None and (last.cycle, last.session.number) == (4, 48)
    assert last.start == date(2025, 1, 20) and last.is_sourced and last.caveat == ""
    assert nxt is not None and (nxt.cycle, nxt.session.number) == (5, 62)
    assert not nxt.is_sourced and "projected" in nxt.caveat
    assert rd.current_or_next_review("SVN", on) == nxt
    assert rd.review_phase("SVN", on) == "before"


def test_review_boundaries() -> None:
    """In progress from the first day; ended on its last day (last_review: end <= on)."""
    r48 = rd.review("SVN", 4)
    assert r48 is not None
    assert rd.review_phase("SVN", r48.start - timedelta(days=1)) == "before"
    assert rd.next_review("SVN", r48.start) == r48
    assert rd.review_phase("SVN", r48.start) == "during"
    assert rd.review_phase("SVN", r48.end - timedelta(days=1)) == "during"
    assert rd.last_review("SVN", r48.end) == r48
    assert rd.last_review("SVN", r48.end - timedelta(days=1)) == rd.review("SVN", 3)
    assert rd.last_review("SVN", date(2008, 1, 1)) is None
    assert rd.next_review("SVN", date(2040, 1, 1)) is None
    assert rd.review_phase("SVN", date(2040, 1, 1)) == "after"


def test_upcoming_reviews() -> None:
    on = date(2026, 3, 1)
    up = rd.upcoming_reviews(on, 20)
    assert len(up) == 20
    assert all(r.end > on for r in up)
    assert [r.start for r in up] == sorted(r.start for r in up)
    assert {r.session.number for r in up} == {52, 53}
    # Nothing sooner was skipped: every review of session 52 is listed before any of 53.
    assert sum(r.session.number == 52 for r in up) == 14
    weog = rd.upcoming_reviews(on, 5, region="WEOG")
    assert len(weog) == 5 and all(rd.state(r.iso3).region == "WEOG" for r in weog)
    assert weog[0].iso3 in {"BEL", "DNK"}
    assert rd.upcoming_reviews(on, 0) == []
    # In progress counts as upcoming.
    assert any(r.iso3 == "SVN" for r in rd.upcoming_reviews(date(2025, 1, 25), 14))
    with pytest.raises(KeyError):
        rd.upcoming_reviews(on, 3, region="XYZ")


# --------------------------------------------------------------------------- entities and SDGs


def test_entities() -> None:
    ents = rd.entities()
    shorts = [e.short for e in ents]
    assert len(shorts) == len(set(shorts))
    for short in (
        "UNDP UNICEF UNFPA OHCHR UNHCR ILO WHO UNESCO UNODC IOM FAO WFP UNAIDS UN-Habitat UNEP "
        "UNOPS UNIDO ITU RCO UNCTAD UNECE ECA ESCAP ESCWA ECLAC IFAD UNRWA UNV UNDRR WMO IAEA IMF "
        "OCHA DPPA UNCDF UNITAR UNU"
    ).split() + ["UN Women", "World Bank", "UN Tourism"]:
        assert short in shorts, short
    for e in ents:
        assert e.name and e.name != e.short, e
    assert rd.entity("UNDP").name == "United Nations Development Programme"
    assert rd.entity("un women").short == "UN Women"
    assert rd.resolve_entity("UNWTO") == "UN Tourism"
    assert rd.resolve_entity("nobody") is None
    with pytest.raises(KeyError):
        rd.entity("nobody")


def test_sdgs() -> None:
    goals = rd.sdgs()
    assert [g.number for g in goals] == list(range(1, 18))
    assert goals[0].title == "No poverty" and goals[1].title == "Zero hunger"
    assert rd.sdg("16").title == "Peace, justice and strong institutions"
    assert rd.sdg(17).text.startswith("Strengthen the means of implementation")
    assert all(g.text and g.title for g in goals)
    with pytest.raises(KeyError):
        rd.sdg(18)


# --------------------------------------------------------------------------- loader checks


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Clear refdata caches around a test that points the loader at other files."""
    caches = (rd._state_index, rd._resolve_key, rd._search_texts, rd._calendar, rd._sessions)
    for c in caches:
        c.cache_clear()
    yield
    for c in caches:
        c.cache_clear()


def test_loader_refuses_alias_of_two_states(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None
) -> None:
    (tmp_path / "states.yaml").write_text(
        "states:\n"
        "  - {iso3: AAA, name: Alpha, region: AG, aliases: [Shared]}\n"
        "  - {iso3: BBB, name: Beta, region: AG, aliases: [shared]}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(rd, "data_path", lambda *parts: tmp_path.joinpath(*parts))
    with pytest.raises(rd.RefDataError, match="Shared|shared"):
        rd.states()


def test_loader_uses_safe_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None
) -> None:
    (tmp_path / "states.yaml").write_text(
        "states: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8"
    )
    monkeypatch.setattr(rd, "data_path", lambda *parts: tmp_path.joinpath(*parts))
    with pytest.raises(Exception, match="python/object/apply"):
        rd.states()
