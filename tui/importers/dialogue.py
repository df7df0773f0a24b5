"""Recommendations that early reports cite by paragraph of the interactive dialogue.

Cycle-1 reports often close with "The recommendations noted in the report in paragraphs 27 (b),
(c) and 64 above did not enjoy the support of China": the recommendations themselves stand only
in the summary of the dialogue ("27. Finland … recommended that (a) …; (b) …; (c) …"). This
module reads such a citation, finds the cited paragraphs and sub-paragraphs, and gives each its
text and the State that spoke, so the report's block imports them with its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.importers.common import resolve

# "… noted in the report in paragraphs 27 (b), (c) … above did not enjoy …", "Burundi takes note
# of the recommendations reflected in paragraphs 23, 24 (b) …", "Recommendations noted in
# paragraphs 28 (a); 33 (a) … in section I above, will be examined".
_CITATION_RE = re.compile(
    r"\brecommendations?\b[^.:]{0,80}?\bin\s+(?:the\s+(?:present\s+)?report\s+in\s+)?"
    r"paragraphs?\s*:?\s*(?P<refs>\d.*?)(?=\s+(?:in\s+(?:section|chapter)\b|above\b|did\b|do\b|"
    r"does\b|will\b|have\b|has\b|are\b|were\b|enjoy|is\b|below\b)|[.:](?:\s|$)|$)",
    re.IGNORECASE,
)
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}


@dataclass(frozen=True)
class CitedItem:
    """One cited recommendation: its label ("27(b)"), line, text and the State that made it."""

    label: str
    line: int
    text: str
    states: tuple[str, ...]


def citation_refs(text: str) -> list[tuple[int, str | None]] | None:
    """Paragraphs and sub-paragraphs a sentence cites, in order; None if it cites none.

    ``"27 (b), (c) and 64"`` -> ``[(27, "b"), (27, "c"), (64, None)]``. Numbers with a dot
    ("77.13") cite the report's own items, not the dialogue: None.
    """
    flat = " ".join(text.split())
    m = _CITATION_RE.search(flat)
    if not m:
        return None
    refs_text = m.group("refs")
    if re.search(r"\d\.\d", refs_text):
        return None
    refs: list[tuple[int, str | None]] = []
    current: int | None = None
    letters: list[str] = []

    def close() -> None:
        if current is None:
            return
        if letters:
            refs.extend((current, letter) for letter in letters)
        else:
            refs.append((current, None))

    for token in re.finditer(r"(\d{1,3})|\(([^()]*)\)", refs_text):
        if token.group(1):
            close()
            current, letters = int(token.group(1)), []
            continue
        for part in re.split(r"[,\s]+|\band\b", token.group(2)):
            part = part.strip().lower()
            if len(part) == 1 and part.isalpha():
                previous = letters[-1] if letters else None
                if part in _ROMAN and previous and ord(part) != ord(previous) + 1:
                    continue  # "(b) (i) and (ii)": points of (b), which is cited whole
                letters.append(part)
    close()
    return refs or None


def dialogue_paragraphs(lines: list[str], end: int, first_line: int) -> dict[int, tuple[int, str]]:
    """Numbered paragraphs before the conclusions (``end``): number -> (line, joined text).

    Only a number that goes on from the previous one (by 1 to 3) starts a paragraph, so a list
    inside a paragraph ("1.", "2.") does not break it.
    """
    out: dict[int, tuple[int, str]] = {}
    last = 0
    number: int | None = None
    start_line = 0
    buf: list[str] = []
    for i, raw in enumerate(lines[:end]):
        s = raw.strip()
        if not s:
            continue
        m = re.match(r"^(\d{1,3})\.(?=\s|$)\s*(.*)$", s)
        if m and last < int(m.group(1)) <= last + 3:
            if number is not None:
                out[number] = (start_line, " ".join(buf))
            number, last, start_line, buf = int(m.group(1)), int(m.group(1)), first_line + i, []
            if m.group(2):
                buf.append(m.group(2))
            continue
        if number is not None:
            buf.append(s)
    if number is not None:
        out[number] = (start_line, " ".join(buf))
    return out


def speaker(text: str) -> str | None:
    """The State a dialogue paragraph opens with ("The Republic of Korea commended …")."""
    words = text.split()
    for n in range(min(8, len(words)), 0, -1):
        iso = resolve(" ".join(words[:n]).rstrip(",.;:"))
        if iso:
            return iso
    return None


def _sub_items(text: str) -> dict[str, tuple[int, int]]:
    """Spans of "(a) … (b) …" in a paragraph: the chain a, b, c… in order, nothing else."""
    spans: dict[str, tuple[int, int]] = {}
    expected = "a"
    starts: list[tuple[str, int, int]] = []
    for m in re.finditer(r"(?:^|(?<=[\s:;,]))\(([a-z])\)\s*", text):
        if m.group(1) == expected:
            starts.append((expected, m.start(), m.end()))
            expected = chr(ord(expected) + 1)
    for k, (letter, _start, body) in enumerate(starts):
        stop = starts[k + 1][1] if k + 1 < len(starts) else len(text)
        # A point ends with its sentence; the dialogue goes on after it ("… release all
        # prisoners of conscience. Underlining that …, it recommended (c) …").
        end = re.search(r"(?<!\bNo)(?<!\bNos)[.](?=\s+[A-Z])", text[body:stop])
        if end:
            stop = body + end.start()
        spans[letter] = (body, stop)
    return spans


def _tidy(text: str) -> str:
    text = " ".join(text.split()).strip()
    text = re.sub(r"(?:[;,]\s*(?:and|or)?|\s+(?:and|or))\s*$", "", text).strip()
    return text.rstrip(" ;,.")


def _recommendation_part(text: str) -> str:
    """The sentences of a paragraph from the first that recommends (the rest is the dialogue)."""
    sentences = re.split(r"(?<=[.;])\s+(?=[A-Z])", text)
    for k, sentence in enumerate(sentences):
        if re.search(r"\brecommend", sentence, re.IGNORECASE):
            return " ".join(sentences[k:])
    return text


def cited_items(
    refs: list[tuple[int, str | None]], paragraphs: dict[int, tuple[int, str]]
) -> tuple[list[CitedItem], list[str]]:
    """The cited recommendations, and the references that name nothing found ("27(k)")."""
    items: list[CitedItem] = []
    missing: list[str] = []
    seen: set[str] = set()
    for number, letter in refs:
        label = f"{number}({letter})" if letter else str(number)
        if label in seen:
            continue
        seen.add(label)
        found = paragraphs.get(number)
        if found is None:
            missing.append(label)
            continue
        line, text = found
        state = speaker(text)
        states = (state,) if state else ()
        spans = _sub_items(text)
        if letter:
            if letter not in spans:
                missing.append(label)
                continue
            body = _tidy(text[spans[letter][0] : spans[letter][1]])
            items.append(CitedItem(label, line, body, states))
        elif spans and len(spans) > 1:
            for sub, (start, stop) in spans.items():
                sub_label = f"{number}({sub})"
                if sub_label not in seen:
                    seen.add(sub_label)
                    items.append(CitedItem(sub_label, line, _tidy(text[start:stop]), states))
        else:
            items.append(CitedItem(label, line, _tidy(_recommendation_part(text)), states))
    return items, missing
