"""Helpers shared by the importers: limits, decoding, State names, text joining, positions."""

from __future__ import annotations

import difflib
import functools
import html
import itertools
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tui.importers.base import ImportBatch, SourceError
from tui.sanitize import MAX_STRING
from tui.sanitize import clean_line as _clean_line

MB = 1024 * 1024
REPORT_LIMIT = 50 * MB  # a report or DOCX, after unzipping (DESIGN §6)
TABLE_LIMIT = 500 * MB  # CSV/XLSX (DESIGN §6)
ZIP_MAX_MEMBERS = 5_000
ZIP_MAX_RATIO = 200  # a member that inflates more than this is treated as a zip bomb


# -- reading files -----------------------------------------------------------------------------


def read_bytes(path: Path, limit: int, what: str) -> bytes:
    """Read a whole file, refusing one larger than ``limit`` before reading it."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise SourceError(
                f"{path.name}: {what} is {size / MB:.0f} MB, over the {limit // MB} MB limit"
            )
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from exc


def refuse_binary(data: bytes, name: str) -> None:
    """SourceError naming the format when ``data`` is not text (a PDF, an image, a zip…)."""
    binary = sniff_binary_kind(data)
    if binary or looks_binary(data):
        raise SourceError(f"{name}: {binary or 'a binary file, not text'}; cannot import it")


def read_text_file(path: Path, limit: int, what: str, batch: ImportBatch) -> str:
    """A text source whole: read (refused past ``limit``), refused if binary, decoded with
    the encoding reported in ``batch`` (and a warning when it is not UTF-8)."""
    data = read_bytes(path, limit, what)
    refuse_binary(data, path.name)
    return decode_text(data, batch, name=path.name)


def check_zip(path: Path, limit: int, what: str) -> None:
    """Refuse a zip (DOCX/XLSX) that is not a zip, is damaged, or inflates past ``limit``.

    Sizes are taken from the central directory before anything is decompressed, so a zip
    bomb is refused without being expanded.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise SourceError(f"{path.name}: not a {what} file (not a valid zip archive)") from exc
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from exc
    if len(infos) > ZIP_MAX_MEMBERS:
        raise SourceError(f"{path.name}: {len(infos)} parts inside, too many for a {what} file")
    total = 0
    for info in infos:
        total += info.file_size
        if (
            info.compress_size
            and info.file_size / info.compress_size > ZIP_MAX_RATIO
            and (info.file_size > 10 * MB)
        ):
            raise SourceError(
                f"{path.name}: part {info.filename[:60]!r} expands {info.file_size // info.compress_size}"
                f" times (a zip bomb?); refused"
            )
    if total > limit:
        raise SourceError(
            f"{path.name}: {what} is {total / MB:.0f} MB unzipped, over the {limit // MB} MB limit"
        )
    _check_real_sizes(path, infos, what)


def _check_real_sizes(path: Path, infos: list[zipfile.ZipInfo], what: str) -> None:
    """Inflate each part in 1 MB steps (nothing kept) to see it holds no more than its header says.

    The sizes above come from the zip's own headers, which a hostile file can fake: a part that
    claims 1 KB may inflate to gigabytes, and readers (``zipfile``'s ``read()``, so python-docx
    and openpyxl) inflate a whole part in one step before cutting it to the claimed size.
    """
    try:
        with path.open("rb") as fh:
            for info in infos:
                if info.compress_type == zipfile.ZIP_STORED:
                    if info.compress_size != info.file_size:
                        raise SourceError(f"{path.name}: damaged zip archive (part sizes disagree)")
                    continue
                if info.compress_type != zipfile.ZIP_DEFLATED:
                    raise SourceError(f"{path.name}: not a {what} file (unusual zip compression)")
                fh.seek(info.header_offset)
                header = fh.read(30)
                if len(header) < 30 or header[:4] != b"PK\x03\x04":
                    raise SourceError(f"{path.name}: damaged zip archive")
                name_len, extra_len = (
                    int.from_bytes(header[26:28], "little"),
                    int.from_bytes(header[28:30], "little"),
                )
                fh.seek(info.header_offset + 30 + name_len + extra_len)
                inflater = zlib.decompressobj(-15)
                left, out = info.compress_size, 0
                while left > 0 and not inflater.eof:
                    chunk = fh.read(min(left, 1 << 16))
                    if not chunk:
                        break
                    left -= len(chunk)
                    while chunk and out <= info.file_size:
                        out += len(inflater.decompress(chunk, 1 << 20))
                        chunk = inflater.unconsumed_tail
                    if out > info.file_size:
                        raise SourceError(
                            f"{path.name}: part {info.filename[:60]!r} inflates to more than its "
                            f"header says (a zip bomb?); refused"
                        )
    except zlib.error as exc:
        raise SourceError(f"{path.name}: damaged zip archive ({exc})") from exc
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from exc


def looks_binary(data: bytes) -> bool:
    """True for data that is not text in any encoding we read (NULs without a UTF-16 BOM)."""
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    # Many C0 controls other than tab/newline/CR/form feed: not text.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(8, len(head) // 100)


def sniff_binary_kind(data: bytes) -> str | None:
    """Name a common binary format, for a clear refusal message."""
    if data.startswith(b"%PDF"):
        return "a PDF file (save the report as .txt or .docx first)"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Office file (.doc/.xls): save it as .docx/.xlsx first"
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "an image"
    return None


_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


_OPENING_QUOTES = "“‘«"
_CLOSING_QUOTES = "”’»"
_DASHES = "–—"


def _word_letter_score(text: str, raw_positions: list[int]) -> int:
    """How plausible the decoded high characters are where they stand (higher: better).

    Evidence, per character: an apostrophe between two letters ("People’s"), quotes that open
    before a word and close after one, dashes between spaces or digits, lower-case accented
    letters inside words ("Côte") count for the decoding; an upper-case letter glued after a
    lower-case one ("PeopleÕs", "RÈpublique"), a symbol glued to a word ("C™te") and C1
    control characters count against it.
    """
    score = 0
    for i in raw_positions:
        ch = text[i]
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if ch in "’'" and before.isalpha() and after.isalpha():
            score += 2
        elif ch in _OPENING_QUOTES and not before.isalnum() and (after.isalnum() or after in "("):
            score += 1
        elif ch in _CLOSING_QUOTES and not after.isalnum():
            score += 1
        elif ch in _DASHES and (before in " \t" or before.isdigit()):
            score += 1
        elif ch.isalpha():
            if ch.isupper() and before.isalpha() and before.islower():
                score -= 2  # "PeopleÕs", "RÈpublique": an upper-case letter inside a word
            elif ch.islower() and (before.isalpha() or after.isalpha()):
                score += 1
        elif unicodedata.category(ch) == "Cc":
            score -= 2  # a C1 control character: not text in this code page
        elif before.isalpha() or after.isalpha():
            score -= 1  # a symbol glued to a word ("C™te"): wrong code page
    return score


def decode_text(data: bytes, batch: ImportBatch, *, name: str) -> str:
    """Decode bytes: UTF-8 strictly first, then decide Mac Roman vs cp1252 by evidence.

    The choice and its evidence always go into the batch warnings (never a silent guess).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        batch.encoding = "utf-8-sig"
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SourceError(f"{name}: damaged UTF-16 text ({exc.reason})") from exc
        batch.encoding = "utf-16"
        return text
    try:
        text = data.decode("utf-8", errors="strict")
        batch.encoding = "utf-8"
        return text
    except UnicodeDecodeError as exc:
        utf8_error = exc
    counts = Counter(re.findall(rb"[\x80-\xff]", data))
    mac = data.decode("mac_roman")
    # Positions of high bytes are the same in the decoded text: both are single-byte codecs.
    sample = [m.start() for m in itertools.islice(re.finditer(rb"[\x80-\xff]", data), 20000)]
    mac_score = _word_letter_score(mac, sample)
    cp_undefined = sum(counts[bytes([b])] for b in _CP1252_UNDEFINED)
    if cp_undefined:
        cp_text = data.decode("cp1252", errors="replace")
        cp_score = -len(sample)
    else:
        cp_text = data.decode("cp1252")
        cp_score = _word_letter_score(cp_text, sample)
    top = ", ".join(
        f"0x{b[0]:02x}={b.decode('mac_roman')!r}/{b.decode('cp1252', 'replace')!r}"
        for b, _n in counts.most_common(4)
    )
    if mac_score > cp_score:
        batch.encoding = "mac_roman"
        reason = f"bytes inside words read as letters in Mac Roman, not in cp1252 ({top})"
        if cp_undefined:
            reason = f"{cp_undefined} bytes undefined in cp1252; " + reason
        batch.warn(
            None, f"not UTF-8 (byte {utf8_error.start}); encoding chosen: Mac Roman — {reason}"
        )
        return mac
    if cp_score > mac_score:
        batch.encoding = "cp1252"
        batch.warn(
            None,
            f"not UTF-8 (byte {utf8_error.start}); encoding chosen: Windows-1252 — bytes inside"
            f" words read as letters in cp1252, not in Mac Roman ({top})",
        )
        return cp_text
    batch.encoding = "cp1252"
    batch.warn(
        None,
        f"not UTF-8 (byte {utf8_error.start}); Mac Roman and Windows-1252 fit equally well"
        f" ({top}); assumed Windows-1252 — check accented names, or save the file as UTF-8",
    )
    return cp_text


def clean_line(value: str) -> str:
    """``tui.sanitize.clean_line`` with a fast path for plain printable ASCII (most cells)."""
    if value.isascii() and value.isprintable():
        return " ".join(value.split())
    return _clean_line(value)


# -- names of States -------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def resolve(name: str) -> str | None:
    """ISO3 of a State name or alias (tui.refdata), None if unknown. Cached: imports repeat names."""
    from tui.refdata import resolve_state

    cleaned = " ".join(name.split()).strip(" .;,:")
    if not cleaned:
        return None
    return resolve_state(cleaned)


@functools.lru_cache(maxsize=4096)
def near_state(name: str) -> str | None:
    """ISO3 of a State whose name or alias is one slip of the pen away ("Russia Federation",
    "Trinidad an Tobago", "Holly See"), None otherwise. Only for names of 8+ letters, and only
    when exactly one State is that close: a guess is reported, never silent (``peel_states``)."""
    from tui.refdata import _state_index, name_key

    plain = re.sub(r"\s*\([^()]*\)\s*$", "", name)
    if plain != name and resolve(plain):
        return resolve(plain)  # "Bolivia (Plurinational Republic of)"
    key = name_key(name)
    if len(key.replace(" ", "")) < 8 or re.search(r"\d", key):
        return None
    by_key = _state_index().by_key
    close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.85)
    codes = {by_key[k] for k in close}
    return codes.pop() if len(codes) == 1 else None


def known_states(names: Iterable[str], batch: ImportBatch) -> set[str]:
    """ISO3 codes of the chosen countries (codes or names) that are known States; each
    unknown one is ignored with a warning (the exports' ``--country`` filters)."""
    wanted: set[str] = set()
    for name in names:
        iso = resolve(name)
        if iso:
            wanted.add(iso)
        else:
            batch.warn(None, f"country {name!r} is not a known State; ignored")
    return wanted


def is_known_non_state(name: str) -> bool:
    """Groups like "(None)", "(Unknown)": where a State is expected, the source says there is none."""
    from tui.refdata import is_known_non_state as known

    return known(name)


def resolve_or_keep(name: str, batch: ImportBatch) -> str:
    """ISO3 where known, else the cleaned raw name, counted in ``batch.unknown_names``."""
    cleaned = clean_line(html.unescape(name)).strip(" .;,:")
    iso = resolve(cleaned)
    if iso:
        return iso
    batch.unknown_names[cleaned] += 1
    return cleaned


def split_state_list(
    inner: str, guesses: list[tuple[str, str]] | None = None
) -> tuple[list[str], list[str]]:
    """Names inside one ``( … )`` group: a State, or several separated by commas / "and".

    Returns (iso3 codes, parts that did not resolve). The whole group is tried first, so
    names with commas or brackets ("Venezuela (Bolivarian Republic of)") stay whole.
    """
    whole = resolve(inner)
    if whole:
        return [whole], []
    resolved: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"\s*[,;]\s*", inner):
        part = part.strip()
        if not part:
            continue
        iso = resolve(part)
        if iso:
            resolved.append(iso)
            continue
        pieces = [p for p in re.split(r"\s+and\s+", re.sub(r"^and\s+", "", part)) if p]
        isos = [resolve(p) for p in pieces]
        if len(pieces) > 1 and all(isos):
            resolved.extend(i for i in isos if i)
        else:
            iso = resolve(re.sub(r"^and\s+", "", part))
            guess = None if iso or guesses is None else near_state(re.sub(r"^and\s+", "", part))
            if iso:
                resolved.append(iso)
            elif guess and guesses is not None:
                resolved.append(guess)
                guesses.append((part, guess))
            else:
                unknown.append(part)
    return resolved, unknown


def _matching_open(text: str, close: int) -> int | None:
    depth = 0
    for i in range(close, -1, -1):
        ch = text[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                return i
    return None


def _top_level_groups(text: str) -> list[str]:
    """The insides of the outermost ``( … )`` groups of ``text``, in order."""
    groups: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append(text[start:i])
    return groups


_MINOR_WORDS = frozenset("of for the and on in to a an de la des du et".split())


def _is_acronym_of(text: str, inner: str) -> bool:
    """``inner`` is capitals spelling the initials of the words just before ``(inner)``: an
    abbreviation the text defines ("National League for Democracy (NLD)" is not the Netherlands,
    whose code NLD also is). Reports name recommending States in full, never by their code."""
    acronym = inner.strip()
    if not re.fullmatch(r"[A-Z]{2,6}", acronym):
        return False
    at = text.find(f"({inner})")
    words = [w for w in re.findall(r"[^\W\d_]+", text[:at]) if w.casefold() not in _MINOR_WORDS]
    initials = "".join(w[0] for w in words[-len(acronym) :])
    return len(words) >= len(acronym) and initials.upper() == acronym


_NAMELIKE = re.compile(r"^[A-Z][\w'’.\- ]*(?:\([^()]*\))?[\w'’.\- ]*$")


def _looks_like_name(inner: str) -> bool:
    """An unresolved last group is kept as an unknown State only if it looks like a name."""
    return bool(_NAMELIKE.match(inner)) and not re.search(r"\d", inner) and len(inner.split()) <= 8


def split_recommending(
    text: str, guesses: list[tuple[str, str]] | None = None
) -> tuple[str, list[str], list[str]]:
    """Split ``text (State) (State);`` into the text and the recommending States.

    Trailing groups are peeled from the end while they name States; the first peeled group is
    kept even when unknown (every recommendation ends with its State) if it looks like a name.
    Groups inside the text followed by ``;`` (several States' recommendations merged into one
    item) add their States too, when every name in them resolves.
    Returns (text, iso3-or-raw names in order of appearance, unknown raw names).
    """
    rest = text.rstrip()
    trailing: list[tuple[list[str], list[str]]] = []
    peeled = False
    while True:
        stripped = rest.rstrip(" \t;,.:")
        if not stripped.endswith(")"):
            break
        start = _matching_open(stripped, len(stripped) - 1)
        if start is None:
            break
        inner = " ".join(stripped[start + 1 : -1].split())
        if not trailing and is_known_non_state(inner):
            rest = stripped[:start]  # "(None)", "(Unknown)": no recommending State stated
            peeled = True
            continue
        isos, unknown = split_state_list(inner, guesses)
        if unknown:
            if trailing or isos or not _looks_like_name(inner):
                break
            trailing.append(([], [inner]))
        elif isos:
            trailing.append((isos, []))
        else:
            break
        rest = stripped[:start]
    body = rest.rstrip(" \t;,:")
    if not trailing and not peeled:
        body = text.strip()
    names: list[str] = []
    unknown_all: list[str] = []
    # States named inside the text: merged recommendations ("… (Ukraine); Increase …
    # (Slovakia)") and clauses ("Continue to strengthen (Republic of Moldova) and promote …"):
    # every group of the text whose every name is a State belongs to the record.
    for inner in _top_level_groups(body):
        if _is_acronym_of(body, inner):
            continue  # "National League for Democracy (NLD)": the text's abbreviation, no State
        isos, unknown = split_state_list(" ".join(inner.split()))
        if isos and not unknown:
            names.extend(isos)
    for isos, unknown in reversed(trailing):
        names.extend(isos)
        names.extend(unknown)
        unknown_all.extend(unknown)
    seen: set[str] = set()
    ordered = []
    for n in names:
        if n not in seen:
            seen.add(n)
            ordered.append(n)
    return body, ordered, unknown_all


def peel_states(text: str, batch: ImportBatch) -> tuple[str, list[str]]:
    """:func:`split_recommending`, with the unknown names counted in ``batch.unknown_names``
    (every importer reports them). Returns (text, recommending States)."""
    guesses: list[tuple[str, str]] = []
    text, names, unknown = split_recommending(text, guesses)
    for name in unknown:
        batch.unknown_names[name] += 1
    for name, iso in guesses:
        if name not in batch.guessed_names:
            batch.guessed_names[name] = iso
            batch.warn(
                None, f"State {name!r} is not a known name; read as {iso} (a close spelling)"
            )
    return text, names


# -- text ------------------------------------------------------------------------------------

# A hyphen at a line end is kept for these prefixes ("non-\nrefoulement" is "non-refoulement").
_KEEP_HYPHEN_PREFIXES = frozenset(
    """non self anti co ex multi inter cross well long short under over pre post socio full high
    low semi all decision policy law gender human child state follow public so mid pro quasi
    counter re one two three four five six seven eight nine ten age community evidence rights
    results time cost life health""".split()
)
_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


class Vocabulary:
    """Words seen in a document: evidence for joining a word hyphenated at a line end."""

    def __init__(self, lines: list[str]) -> None:
        self.words: set[str] = set()
        for line in lines:
            for w in _WORD_RE.findall(line):
                self.words.add(w.casefold())

    def join_hyphenated(self, left: str, right: str) -> str:
        """``left`` ends with "x-" and ``right`` starts with a word: keep or drop the hyphen."""
        m_left = re.search(r"([^\W\d_]+)-$", left)
        m_right = re.match(r"([^\W\d_]+)", right)
        if not m_left or not m_right:
            return left + right
        a, b = m_left.group(1), m_right.group(1)
        if not b[0].islower():
            return left + right  # "Euro-\nMediterranean", "COVID-\n19": a real hyphen
        if f"{a}-{b}".casefold() in self.words:
            return left + right
        if f"{a}{b}".casefold() in self.words:
            return left[:-1] + right
        if a.casefold() in _KEEP_HYPHEN_PREFIXES:
            return left + right
        return left[:-1] + right


def join_lines(lines: list[str], vocab: Vocabulary | None = None) -> str:
    """Join wrapped lines with single spaces; words hyphenated at a line end are rejoined."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif re.search(r"[^\W\d_]-$", out) and re.match(r"[^\W\d_]", line):
            out = vocab.join_hyphenated(out, line) if vocab else out[:-1] + line
        elif out.endswith(("-", "–", "/")) and re.match(r"[\w“\"(]", line):
            out += line  # "2024–\n2028", "refugees/\nasylum-seekers", "122.62-\n66"
        else:
            out += " " + line
    return out


def clean_field(value: str, batch: ImportBatch, line: int | None, what: str = "text") -> str:
    """One cleaned line of text, cut at the 100 KB limit (with a warning)."""
    text = clean_line(value)
    if len(text) > MAX_STRING:
        batch.warn(line, f"{what} longer than {MAX_STRING} characters; cut")
        text = text[:MAX_STRING]
    return text


# -- positions, sessions, cycles, symbols -------------------------------------------------------


def position_from_sentence(sentence: str) -> str | None:
    """Position set by the opening sentence of a block of recommendations (or an addendum)."""
    s = " ".join(sentence.split()).casefold()
    if re.search(
        r"\b(?:supported|accepted|accepts?|supports?)\s+(?:in\s+part|partially)\b|"
        r"\bpartially\s+(?:supported|accepted|accepts?|supports?)\b|\bin part\b",
        s,
    ):
        return "supported_in_part"
    if re.search(
        r"did not (?:enjoy|receive) the support|do(?:es)? not enjoy the support|"
        r"not (?:be )?(?:accepted|supported)|have been noted|has been noted|were noted|"
        r"\bis noted\b|\bare noted\b|takes? note|\bnotes (?:the following|recommendations?|\d)|"
        r"\bnoted by\b|\brejected\b|\brejects\b|cannot (?:accept|support)|"
        r"does not (?:accept|support)|do not (?:accept|support)",
        s,
    ):
        return "noted"
    if re.search(
        r"will be examined|responses? in due (?:time|course)|will provide (?:its )?responses?|"
        r"will (?:be )?consider|under consideration|will respond|"
        r"response of .{1,80}? (?:to|on) (?:these|the above|the) recommendations will be",
        s,
    ):
        return "pending"
    if re.search(
        r"enjoys? the support|have been accepted|are accepted|is accepted|"
        r"\baccepts?\b|\bsupports?\b|\bsupported\b|already implemented|"
        r"process of implementation|being implemented|agrees? to follow[- ]up|agreed? (?:on|to) the following|"
        r"with the agreement of the state under review",
        s,
    ):
        return "supported"
    return None


_ORD_UNITS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
}
_ORD_TEENS = {
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORD_TENS = {
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
    "sixtieth": 60,
    "seventieth": 70,
    "eightieth": 80,
    "ninetieth": 90,
}


def parse_ordinal(words: str) -> int | None:
    """English ordinal in words or digits: "forty-eighth" -> 48, "first" -> 1, "48th" -> 48."""
    w = words.strip().casefold()
    m = re.fullmatch(r"(\d{1,3})(?:st|nd|rd|th)?", w)
    if m:
        return int(m.group(1))
    parts = [p for p in re.split(r"[\s\-‐–]+", w) if p]
    if len(parts) == 1:
        p = parts[0]
        return _ORD_UNITS.get(p) or _ORD_TEENS.get(p) or _ORD_TENS.get(p)
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _ORD_UNITS:
        return _TENS[parts[0]] + _ORD_UNITS[parts[1]]
    return None


def cycle_of_session(session: int | None) -> int | None:
    """UPR cycle of a Working Group session: 1-12 -> 1, then 14 sessions per cycle."""
    if session is None or session < 1:
        return None
    if session <= 12:
        return 1
    return 2 + (session - 13) // 14


SYMBOL_RE = re.compile(r"\bA/HRC/\d{1,3}/\d{1,4}(?:/Add\.\s?\d{1,2})?")


def strip_addendum(symbol: str) -> str:
    """``A/HRC/59/15/Add.1`` -> ``A/HRC/59/15`` (records are keyed by the report's symbol)."""
    return re.sub(r"/Add\.\s?\d+$", "", symbol.strip(), flags=re.IGNORECASE)


def symbol_from_filename(name: str) -> str | None:
    """``A_HRC_27_4_Albania_2014.txt`` -> ``A/HRC/27/4`` (``_Add1`` -> ``/Add.1``)."""
    m = re.search(
        r"A[_\-]HRC[_\-](\d{1,3})[_\-](\d{1,4})(?:[_\-]Add\.?(\d{1,2}))?", name, re.IGNORECASE
    )
    if not m:
        return None
    symbol = f"A/HRC/{m.group(1)}/{m.group(2)}"
    if m.group(3):
        symbol += f"/Add.{m.group(3)}"
    return symbol


def as_int(value: Any) -> int | None:
    """An integer from a cell ("48", 48, 48.0, "48th"), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    m = re.fullmatch(r"\s*(\d{1,4})(?:\.0+)?(?:st|nd|rd|th)?\s*", str(value))
    return int(m.group(1)) if m else None


_POSITION_WORDS = {
    "supported": "supported",
    "accepted": "supported",
    "support": "supported",
    "accept": "supported",
    "supported in part": "supported_in_part",
    "partially supported": "supported_in_part",
    "partially accepted": "supported_in_part",
    "supported_in_part": "supported_in_part",
    "noted": "noted",
    "rejected": "noted",
    "not supported": "noted",
    "not accepted": "noted",
    "pending": "pending",
    "to be examined": "pending",
    "": "pending",
}


def position_from_word(value: Any) -> str | None:
    """A position cell ("Supported", "Accepted", "Noted", "- Supported") -> our value, or None."""
    if isinstance(value, list):
        value = value[0] if value else ""
    word = " ".join(str(value or "").replace("-", " ").split()).casefold()
    if word in _POSITION_WORDS:
        return _POSITION_WORDS[word]
    if word.startswith(("supported", "accepted")):
        return "supported_in_part" if "part" in word else "supported"
    if word.startswith(("noted", "rejected", "not ")):
        return "noted"
    return None


def sdg_code(value: str) -> str | None:
    """``"- 16 - PEACE, JUSTICE…"`` -> ``"16"``; ``"16.2 - Protect children…"`` -> ``"16.2"``."""
    m = re.match(r"^\s*-?\s*(?:SDG\s*)?(\d{1,2}(?:\.[0-9a-z]{1,2})?)\b", value, re.IGNORECASE)
    if not m:
        return None
    code = m.group(1).lower()
    goal = int(code.split(".")[0])
    return code if 1 <= goal <= 17 else None
