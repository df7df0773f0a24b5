"""UPR Working Group report: the numbered recommendations of "Conclusions and/or recommendations".

Handles PDF-to-text layouts (page furniture, lines wrapped inside State names, line-end
hyphens), cycle-1 layouts (numbering restarts under each block: paragraph ``<block>.<n>``),
several States' recommendations merged into one item, and DOCX reports (one line per
paragraph). The position of each block comes from its opening sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.ids import review_id_example, review_key, upr_id
from tui.importers.base import ImportBatch, Progress, SourceError
from tui.importers.common import (
    SYMBOL_RE,
    Vocabulary,
    clean_field,
    cycle_of_session,
    join_lines,
    parse_ordinal,
    peel_states,
    position_from_sentence,
    resolve,
    split_recommending,
    strip_addendum,
    symbol_from_filename,
)
from tui.importers.dialogue import CitedItem, citation_refs, cited_items, dialogue_paragraphs

NO_SECTION = "no recommendations section found"
LOOKED_FOR = (
    '"The following recommendations …:", "… the recommendations listed below …",'
    ' "… it was recommended that <State>:"'
)

_HEADING_RE = re.compile(
    r"^(?:[IVX]{1,4}\.?\s+)?Conclusions\s+and(?:/|\s+)or\s+recommendations\W*$", re.IGNORECASE
)
_END_HEADING_RE = re.compile(r"^(?:[IVX]{1,4}\.\s+[A-Z]|Annexe?s?\b\W*$|Annex\s+[IVX\d]+\b)")
_ITEM_RE = re.compile(r"^(\d{1,4})\.(\d{1,4})\.?(?=\s|$)\s*(.*)$")
_NUM_RE = re.compile(r"^(\d{1,4})\.(?=\s|$)\s*(.*)$")
# Without the heading (a fragment), only a paragraph that begins with the recommendations opens.
_FRAGMENT_OPENER_RE = re.compile(
    r"^(?:the\s+)?(?:following\s+|remaining\s+)?recommendations?\b", re.IGNORECASE
)
_CLOSER_RE = re.compile(r"^All\s+(?:the\s+)?conclusions\s+and", re.IGNORECASE)

_FURNITURE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(?:\d{1,3}\s+)?GE\.\d{2}-\d{4,6}\s*(?:\(E\))?(?:\s+\d{6}){0,2}(?:\s+\d{1,3})?$",
        r"^A/HRC/\S+(?:\s+Page\s+\d{1,3})?$",
        r"^Page\s+\d{1,3}$",
        r"^\d{1,3}$",
        r"^\*\d{5,}\*$",
        r"^\*{1,3}$",
        r"^\**\s*(?:The\s+(?:present\s+)?)?conclusions\s+and(?:/or)?\s+recommendations\s+"
        r"(?:will\s+not\s+be|have\s+not\s+been|were\s+not|are\s+not)\s+edited\.?$",
        r"^\d{1,2}\s+[A-Z]{1,6}/[\w./-]+\.?$",
        r"^\[(?:English|French|Spanish|Arabic|Russian|Chinese)(?:[/ ]\w+)*\s+only\]$",
    )
]


_FOOTNOTE_BODY_RE = re.compile(r"^\d{1,2}(?:\t|\s{2,}|\s+(?=[A-Z“\"]))\s*\S")
# Footnote marks: "(Indonesia)6;", "(Bangladesh);5", "… the follow-up.3" at the end of an item.
_MARK_AFTER_GROUP_RE = re.compile(r"\)\d{1,2}(?=\s*[;.,]?(?:\s|$))")
# "gender equality1 (Namibia);": a mark glued to the word before a State's group.
_MARK_BEFORE_GROUP_RE = re.compile(r"(?<=[a-z])\d{1,2}(?=\s*\([A-Z])")
_MARK_AT_END_RE = re.compile(r"(?:(?<=[);.,])|(?<=[a-z]))\s?\d{1,2}\s*$")
_EDITING_NOTE_RE = re.compile(
    r"\s*\**\s*(?:The\s+(?:present\s+)?)?conclusions\s+and(?:/or)?\s+recommendations\s+"
    r"(?:will\s+not\s+be|have\s+not\s+been|were\s+not|are\s+not)\s+edited\.?",
    re.IGNORECASE,
)


def split_state_comment(text: str) -> tuple[str, str]:
    """ "Ensure … (Canada): The Dominican Republic does not accept this recommendation …":
    the recommendation, and the State's comment that follows its States (kept apart)."""
    for m in re.finditer(
        r"\)\s*(?::|[.;]\s*(?:COMMENTS?|Comments?|NOTE|Note)\s*\d*\s*[:.])\s+(?=[A-Z“\"])", text
    ):
        head = text[: m.start() + 1]
        if split_recommending(head)[1]:
            return head, text[m.end() :].strip()
    return text, ""


def drop_footnote_marks(text: str) -> str:
    """An item without its footnote marks and the "not edited" note that PDF text puts inside it.

    "(Indonesia)6;" would hide the State, "(Bangladesh);5" and "equality1 (Namibia)" leave
    a digit in the text.
    """
    text = _EDITING_NOTE_RE.sub(" ", text)
    text = _MARK_AFTER_GROUP_RE.sub(")", text)
    text = _MARK_BEFORE_GROUP_RE.sub("", text)
    return _MARK_AT_END_RE.sub("", text.rstrip())


def is_furniture(line: str) -> bool:
    """Page headers/footers, page numbers, job numbers, footnote marks, the editing note."""
    s = line.strip()
    return any(p.match(s) for p in _FURNITURE)


@dataclass
class _Unit:
    line: int
    block: int | None  # for "140.7": 140; None for a plain "7." paragraph
    number: int
    lines: list[str] = field(default_factory=list)


@dataclass
class _Block:
    number: int
    line: int
    position: str | None
    layout: str | None = None  # "dotted" (140.7) or "restart" (1., 2., … under the block)
    items: list[tuple[int, int, str]] = field(default_factory=list)  # (n, line, text)
    # A block that cites dialogue paragraphs ("… in paragraphs 27 (b), (c) above did not …").
    refs: list[tuple[int, str | None]] = field(default_factory=list)
    cited: list[CitedItem] = field(default_factory=list)
    stated: str | None = None  # the State's claim for every item ("already implemented")
    stated_items: dict[int, str] = field(default_factory=dict)  # item number -> claim


@dataclass
class ReportMeta:
    symbol: str | None = None
    session: int | None = None
    country_name: str | None = None
    country: str | None = None


def _normalised_head(lines: list[str], limit: int = 400) -> str:
    return " ".join(" ".join(lines[:limit]).split())


def read_meta(lines: list[str]) -> ReportMeta:
    """Symbol, Working Group session and State under review, as the report states them."""
    meta = ReportMeta()
    head_symbols = [m.group(0) for line in lines[:40] for m in SYMBOL_RE.finditer(line)]
    if head_symbols:
        meta.symbol = head_symbols[0].replace("Add. ", "Add.")
    else:
        counts = Counter(
            m.group(0)
            for line in lines
            for m in SYMBOL_RE.finditer(line)
            if line.strip() == m.group(0)
        )
        if counts:
            symbol, n = counts.most_common(1)[0]
            if n >= 2:
                meta.symbol = symbol
    head = _normalised_head(lines)
    m = re.search(
        r"held its\s+([A-Za-z]+(?:\s*[-‐–]\s*[A-Za-z]+)?|\d{1,3}(?:st|nd|rd|th)?)\s+session", head
    )
    if m:
        meta.session = parse_ordinal(m.group(1))
    m = re.search(r"\b[Tt]he review of\s+(.{2,80}?)\s+was held\b", head)
    if m:
        meta.country_name = m.group(1)
        meta.country = resolve(m.group(1))
    if meta.country is None:
        # Title: "Report of the Working Group on the Universal Periodic Review* <State>".
        for i, line in enumerate(lines[:120]):
            if re.search(r"Universal\s+Periodic(?:\s+Review)?\s*\**\s*$", line.strip(), re.I):
                for nxt in lines[i + 1 : i + 8]:
                    s = nxt.strip().strip("*. ")
                    if not s or s.lower() in ("review", "review*") or s.startswith("*"):
                        continue
                    iso = resolve(s)
                    if iso:
                        meta.country_name, meta.country = s, iso
                        break
                if meta.country:
                    break
    return meta


def find_section(lines: list[str]) -> int | None:
    """Index of the "Conclusions and/or recommendations" heading (not the table of contents)."""
    for i, line in enumerate(lines):
        s = line.strip()
        if "...." in s or "…" in s:
            continue
        if _HEADING_RE.match(s):
            return i
    # No heading (a fragment of a report): the first block-opening sentence.
    for i, line in enumerate(lines):
        m = _NUM_RE.match(line.strip())
        if (
            m
            and _FRAGMENT_OPENER_RE.match(m.group(2))
            and paragraph_role(m.group(2)) == "opener"
            and position_from_sentence(" ".join(x.strip() for x in lines[i : i + 4]))
        ):
            return i - 1
    return None


def _units(lines: list[str], start: int, first_line: int) -> list[_Unit]:
    """Numbered paragraphs of the section, each with its continuation lines."""
    units: list[_Unit] = []
    in_footnote = False
    for offset, raw in enumerate(lines[start:]):
        lineno = first_line + start + offset
        s = raw.strip()
        if not s or is_furniture(s):
            continue
        if _END_HEADING_RE.match(s) and not units_open_item(units):
            break
        m = _ITEM_RE.match(s)
        if m:
            in_footnote = False
            units.append(_Unit(lineno, int(m.group(1)), int(m.group(2)), [m.group(3)]))
            continue
        m = _NUM_RE.match(s)
        if m:
            in_footnote = False
            units.append(_Unit(lineno, None, int(m.group(1)), [m.group(2)]))
            continue
        if _FOOTNOTE_BODY_RE.match(s) and (
            re.match(r"^\d{1,2}\s*\t", raw.lstrip(" "))
            or (units and "".join(units[-1].lines).strip() and not units_open_item(units))
        ):
            # "3 <tab>The original recommendation read as follows: …" at a page foot, after a
            # finished item: a footnote, up to the next numbered paragraph.
            in_footnote = True
        elif in_footnote and s[0].islower():
            in_footnote = False  # the item the footnote interrupted goes on after the page foot
        if in_footnote:
            continue
        if units:
            units[-1].lines.append(s)
    return units


def units_open_item(units: list[_Unit]) -> bool:
    """Roman-numeral headings end the section; only an unfinished sentence keeps it open."""
    if not units:
        return False
    last = " ".join(units[-1].lines).rstrip()
    return bool(last) and last[-1] not in ".;:)"


def parse_report_lines(
    lines: list[str],
    *,
    source_file: str,
    symbol: str | None = None,
    country: str | None = None,
    first_line: int = 1,
    kind_label: str = "wg-report",
    progress: Progress | None = None,
) -> ImportBatch:
    """Recommendations of a report given as lines (text file lines or DOCX paragraphs)."""
    batch = ImportBatch(kind="wg-report", source_file=source_file)
    lines = [line.replace("\x0c", " ").replace("\u00ad", "") for line in lines]
    meta = read_meta(lines)
    _settle_symbol(batch, meta, symbol, source_file)
    _settle_country(batch, meta, country)
    if meta.session is None:
        batch.warn(
            None,
            "the report does not say which Working Group session held the review;"
            " session and cycle left empty",
        )
    start = find_section(lines)
    if start is None:
        raise SourceError(
            f'{NO_SECTION}: looked for the heading "Conclusions and/or recommendations"'
            f" and, failing it, a numbered paragraph that opens a block ({LOOKED_FOR})"
        )
    vocab = Vocabulary(lines)
    units = _units(lines, start + 1, first_line)
    blocks = _classify(units, batch, vocab)
    _follow_citations(blocks, units, lines, start, first_line, batch)
    if not any(b.items or b.cited for b in blocks):
        raise SourceError(_nothing_found(lines, start, units, blocks))
    total = sum(len(b.items) + len(b.cited) for b in blocks)
    done = 0
    seen: dict[str, int] = {}
    document = batch.document or ""
    cycle = cycle_of_session(meta.session)
    for block in blocks:
        _check_numbering(block, batch)
        position = block.position or "pending"
        for n, lineno, raw_lines_text in block.items:
            paragraph = f"{block.number}.{n}"
            if paragraph in seen:
                batch.duplicates += 1
                batch.warn(
                    lineno,
                    f"{paragraph} appears again (first at line {seen[paragraph]}); "
                    "the second is skipped",
                )
                continue
            seen[paragraph] = lineno
            item_text, comment = split_state_comment(drop_footnote_marks(raw_lines_text))
            text, names = peel_states(item_text, batch)
            if not names:
                batch.warn(lineno, f"{paragraph}: no recommending State found at the end")
            text = clean_field(text, batch, lineno)
            if not text:
                batch.warn(lineno, f"{paragraph}: empty recommendation text")
            source: dict[str, Any] = {"file": source_file, "line": lineno, "kind": kind_label}
            claim = block.stated_items.get(n) or block.stated
            if claim:
                source["stated_status"] = claim
            if comment:
                source["state_comment"] = clean_field(comment, batch, lineno)
            record: dict[str, Any] = {
                "id": upr_id(document, paragraph) if document else "",
                "mechanism": "UPR",
                "body": "",
                "country": batch.country or "",
                "cycle": cycle,
                "session": meta.session,
                "document": document,
                "paragraph": paragraph,
                "text": text,
                "recommending": names,
                "position": position,
                "themes": [],
                "groups": [],
                "sdgs": [],
                "action_category": None,
                "source": source,
            }
            batch.records.append(record)
            done += 1
            if progress and done % 50 == 0:
                progress(done, total)
        for item in block.cited:
            if item.label in seen:
                continue
            seen[item.label] = item.line
            batch.records.append(
                {
                    "id": upr_id(document, item.label) if document else "",
                    "mechanism": "UPR",
                    "body": "",
                    "country": batch.country or "",
                    "cycle": cycle,
                    "session": meta.session,
                    "document": document,
                    "paragraph": item.label,
                    "text": clean_field(item.text, batch, item.line),
                    "recommending": list(item.states),
                    "position": position,
                    "themes": [],
                    "groups": [],
                    "sdgs": [],
                    "action_category": None,
                    "source": {
                        "file": source_file,
                        "line": item.line,
                        "kind": kind_label,
                        "cited_by": block.number,
                    },
                }
            )
    if progress:
        progress(done, total)
    if not document:
        _review_ids(batch, meta.session)
    batch.stats.update({"recommendations": len(batch.records), "blocks": len(blocks)})
    return batch


def _review_ids(batch: ImportBatch, session: int | None) -> None:
    """Ids of a report that states no symbol: ``UPR:<ISO3>/<session>:<paragraph>`` (DESIGN §3).

    Never a content hash: two paragraphs of one document with the same text (portugal2014
    126.20 and 126.25) must stay two records. Without a State or a session the review is not
    known, and the id says so with ``?`` (still one id per paragraph).
    """
    review = review_key(batch.country, session)
    if "?" in review:
        batch.warn(
            None,
            f"ids are {review_id_example(review)}: the report states neither its symbol nor"
            " its State under review and session (give --symbol)",
        )
    for record in batch.records:
        record["id"] = upr_id(review, record["paragraph"])


def _nothing_found(lines: list[str], start: int, units: list[_Unit], blocks: list[_Block]) -> str:
    """Why a section gave no recommendation, naming what was looked for (never a guess)."""
    heading = " ".join(lines[start].split())[:80] if 0 <= start < len(lines) else ""
    where = f"after {heading!r} (line {start + 1})" if heading else f"after line {start + 1}"
    if not units:
        return (
            f"{NO_SECTION}: no numbered paragraph {where} (if the report came from Word,"
            " its automatic numbering may be lost: save it as text)"
        )
    if not blocks:
        return (
            f"{NO_SECTION}: {len(units)} numbered paragraphs {where}, none opens a block of"
            f" recommendations (looked for {LOOKED_FOR})"
        )
    return (
        f"{NO_SECTION}: {len(blocks)} blocks of recommendations {where}, but no numbered"
        ' item under them (looked for items "1.", "2." … or'
        f' "{blocks[0].number}.1", "{blocks[0].number}.2" …)'
    )


def _settle_symbol(
    batch: ImportBatch, meta: ReportMeta, symbol: str | None, source_file: str
) -> None:
    given = strip_addendum(symbol) if symbol else None
    stated = strip_addendum(meta.symbol) if meta.symbol else None
    if stated:
        batch.document = stated
        if given and given != stated:
            batch.warn(None, f"the report says it is {stated}; --symbol {given} ignored")
        return
    if given:
        batch.document = given
        batch.warn(None, f"the report does not state its symbol; using {given} as given")
        return
    from_name = symbol_from_filename(Path(source_file).name)
    if from_name:
        batch.document = strip_addendum(from_name)
        batch.warn(
            None,
            f"the report does not state its symbol; {batch.document} taken from the"
            " file name (check it, or give --symbol)",
        )
        return
    batch.warn(
        None,
        "no document symbol in the report or its file name (give --symbol):"
        " ids are made of the State under review, the session and the paragraph",
    )


def _settle_country(batch: ImportBatch, meta: ReportMeta, country: str | None) -> None:
    given = resolve(country) if country else None
    if country and not given:
        batch.warn(None, f"--country {country!r} is not a known State")
    if meta.country:
        batch.country = meta.country
        if given and given != meta.country:
            batch.warn(None, f"the report reviews {meta.country}; --country {given} ignored")
        return
    if meta.country_name:
        batch.warn(None, f"State under review {meta.country_name!r} is not a known State")
        batch.unknown_names[meta.country_name] += 1
    if given:
        batch.country = given
        return
    batch.warn(None, "the State under review was not found in the report (give --country)")


_MENTION_RE = re.compile(r"\brecommend(?:ations?|ed)\b|\bconclusions\b", re.IGNORECASE)
_FORWARD_RE = re.compile(r"\b(?:following|below|as\s+follows)\b|:\s*$", re.IGNORECASE)
# "The recommendations below did not enjoy …, and X offers the following comments:" still lists
# recommendations (each with the State's comment after it).
_LISTED_RE = re.compile(
    r"\brecommendations?\s+(?:listed\s+)?below\b|\bfollowing\s+recommendations?\b", re.IGNORECASE
)
_COMMENTS_RE = re.compile(
    r"following\s+(?:comments?|observations?|remarks?|clarifications?)\b", re.IGNORECASE
)


def _first_sentence(text: str) -> str:
    """Up to the first colon or full stop that ends a sentence (not "No. 169", "A/HRC/8")."""
    m = re.search(r":|\.(?=\s+[A-Z“\"(]|\s*$)(?<!\bNo\.)(?<!\bNos\.)", text)
    return text[: m.end()] if m else text


_NO_STATE_RE = re.compile(r"\((?:None|Unknown)\)\W*$")


def ends_with_state(text: str) -> bool:
    """An item of a list ends with its recommending States: "… (Norway);"."""
    return bool(split_recommending(text)[1]) or bool(_NO_STATE_RE.search(text))


def paragraph_role(text: str) -> str | None:
    """What a numbered paragraph of the section is, from its wording.

    "opener": it opens a block of recommendations listed after it ("The following
    recommendations…", "In the course of the discussion, it was recommended that Barbados:");
    "closer": the closing disclaimer ("All conclusions and/or recommendations…"); "note": it
    speaks of recommendations already listed ("The response of Benin to these recommendations…",
    "With regard to the other recommendations, … offers the following comments:"); None: it
    does not speak of recommendations (an item, or a paragraph of another kind).
    """
    flat = " ".join(text.split())
    if _CLOSER_RE.match(flat):
        return "closer"
    head = _first_sentence(flat[:700])
    if not _MENTION_RE.search(head):
        return None
    if citation_refs(flat[:1500]) or (_COMMENTS_RE.search(head) and not _LISTED_RE.search(head)):
        return "note"
    forward = [m.start() for m in _FORWARD_RE.finditer(head)]
    above = [m.start() for m in re.finditer(r"\babove\b|\bthese\b", head, re.IGNORECASE)]
    if forward and (not above or forward[-1] > above[-1]):
        return "opener"
    # "The recommendations … have been examined by Burundi. The recommendations listed below
    # enjoy the support of Burundi:": the second sentence opens the block.
    rest = flat[len(head) : len(head) + 400]
    second = _first_sentence(rest.lstrip())
    if (
        second
        and _MENTION_RE.search(second)
        and re.search(r"\b(?:following|below|as\s+follows)\b|:\s*$", second, re.IGNORECASE)
        and not re.search(r"\babove\b", second, re.IGNORECASE)
    ):
        return "opener"
    return "note"


def _unit_text(unit: _Unit, vocab: Vocabulary) -> str:
    return join_lines(unit.lines, vocab)


def _classify(units: list[_Unit], batch: ImportBatch, vocab: Vocabulary) -> list[_Block]:
    """Turn numbered paragraphs into blocks (opening sentence) and their items."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for unit in units:
        if unit.block is not None:
            if current is None or unit.block != current.number:
                known = next((b for b in blocks if b.number == unit.block), None)
                if known is None:
                    batch.warn(
                        unit.line,
                        f"{unit.block}.{unit.number} outside any block of"
                        f" recommendations; position unknown (pending)",
                    )
                    known = _Block(unit.block, unit.line, None)
                    blocks.append(known)
                current = known
            if current.layout is None:
                current.layout = "dotted"
            _add_dotted(current, unit.number, unit.line, _unit_text(unit, vocab), batch)
            continue
        text = _unit_text(unit, vocab)
        item_like = ends_with_state(text)
        # Without an open block nothing can be an item: what the paragraph says decides.
        role = None if item_like and current is not None else paragraph_role(text)
        if current is not None and current.layout in (None, "restart"):
            last = current.items[-1][0] if current.items else 0
            # The block's own paragraph number + 1 is the next paragraph, unless it also
            # continues the list and reads like an item ("… (Norway);").
            next_paragraph = unit.number == current.number + 1 and (
                unit.number != last + 1 or not item_like
            )
            if next_paragraph and role is None:
                role = paragraph_role(text)
            if unit.number == last + 1 and unit.number != current.number + 1:
                role = None  # the list goes on: an item, whatever it speaks of
            if role is None and not next_paragraph and last < unit.number <= last + 3:
                if unit.number != last + 1:
                    batch.warn(
                        unit.line, f"block {current.number}: item {unit.number} follows item {last}"
                    )
                current.layout = "restart"
                current.items.append((unit.number, unit.line, text))
                continue
            if role is None and not next_paragraph and current.items:
                # A number that does not continue the sequence: text wrapped onto a new line.
                n, line, before = current.items[-1]
                current.items[-1] = (n, line, join_lines([before, f"{unit.number}.", text], vocab))
                continue
        if role == "closer":
            break
        if role == "opener":
            position = position_from_sentence(" ".join(unit.lines[:6]))
            current = _Block(unit.number, unit.line, position, stated=stated_claim(text))
            blocks.append(current)
            continue
        if role == "note":
            refs = citation_refs(text)
            if refs:
                position = position_from_sentence(text)
                blocks.append(_Block(unit.number, unit.line, position, "cited", refs=refs))
            else:
                _note_position(blocks, text)
                _note_stated(blocks, text)
            current = None
            continue
        batch.warn(unit.line, f"paragraph {unit.number} is not a block of recommendations; ignored")
        current = None
    for block in blocks:
        if block.position is None and (block.items or block.refs):
            batch.warn(
                block.line,
                f"paragraph {block.number}: cannot tell the position from"
                f" its opening sentence; recommendations left pending",
            )
    return blocks


def _follow_citations(
    blocks: list[_Block],
    units: list[_Unit],
    lines: list[str],
    start: int,
    first_line: int,
    batch: ImportBatch,
) -> None:
    """Blocks that cite paragraphs of the interactive dialogue get those recommendations.

    A cited number at or past the section's first paragraph is a block of the section itself
    ("the recommendations in paragraphs 84 and 85 will be provided in due course"): it gives
    that block its position when its opener did not. A cited paragraph or sub-paragraph that
    cannot be found is warned about; nothing else is.
    """
    citing = [b for b in blocks if b.refs]
    if not citing:
        return
    section_first = min(b.number for b in blocks)
    paragraphs = dialogue_paragraphs(lines, start, first_line)
    for block in citing:
        dialogue = [(n, sub) for n, sub in block.refs if n < section_first]
        for n, _sub in block.refs:
            if n >= section_first:
                target = next((b for b in blocks if b.number == n), None)
                if target is not None and target.position is None:
                    target.position = block.position
        if not dialogue:
            continue
        block.cited, missing = cited_items(dialogue, paragraphs)
        if missing:
            batch.warn(
                block.line,
                f"paragraph {block.number} cites dialogue paragraphs not found: "
                + ", ".join(missing[:10])
                + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""),
            )


_CLAIM_RE = re.compile(
    r"(?P<done>already\s+(?:been\s+)?implemented)?(?:\s*,?\s*(?:or|and)\s+(?:are\s+|is\s+)?)?"
    r"(?P<doing>in\s+the\s+process\s+of\s+(?:being\s+)?implement\w*)?",
    re.IGNORECASE,
)


def stated_claim(text: str) -> str | None:
    """The State's own claim about implementation, in cycle-1 wording, or None.

    "… which considers that they are already implemented or in the process of implementation"
    -> "already implemented or in the process of implementation". It is the State's word,
    kept in ``source.stated_status``; it never sets the team's ``status``.
    """
    for m in _CLAIM_RE.finditer(" ".join(text.split())):
        done, doing = m.group("done"), m.group("doing")
        if done and doing:
            return "already implemented or in the process of implementation"
        if done:
            return "already implemented"
        if doing:
            return "in the process of implementation"
    return None


def _note_stated(blocks: list[_Block], text: str) -> None:
    """ "Egypt considers that the recommendations Nos. 85-119 have already been implemented",
    "Estonia considers that the recommendations in paragraphs 77.13, 77.43 … above have already
    been implemented, and the recommendations in paragraphs 77.2 … are in the process of
    implementation": the claim goes to each item named."""
    flat = " ".join(text.split())
    if not stated_claim(flat) or not blocks:
        return
    listed = [b for b in blocks if b.items]
    if not listed:
        return
    # One clause per claim: "…, and the recommendations in paragraphs … are in the process …".
    for clause in re.split(r",?\s+and\s+(?=the\s+recommendations?\b)|;\s+", flat):
        claim = stated_claim(clause)
        if not claim:
            continue
        target = listed[-1]
        named = re.search(r"\bin\s+paragraph\s+(\d{1,3})\b(?!\.\d)", clause)
        if named:
            target = next((b for b in listed if b.number == int(named.group(1))), target)
        dotted = re.findall(r"\b(\d{1,3})\.\s?(\d{1,3})\b", clause)
        if dotted:
            for block_no, n in dotted:
                owner = next((b for b in listed if b.number == int(block_no)), None)
                if owner is not None:
                    owner.stated_items[int(n)] = claim
            continue
        nos = re.search(
            r"\bNos?\.?\s*((?:\d{1,3}\s*(?:[-–]\s*\d{1,3})?[\s,]*(?:and\s+)?)+)", clause
        )
        if not nos:
            continue
        for a, b in re.findall(r"(\d{1,3})(?:\s*[-–]\s*(\d{1,3}))?", nos.group(1)):
            for n in range(int(a), int(b or a) + 1):
                target.stated_items[n] = claim


def _note_position(blocks: list[_Block], text: str) -> None:
    """A paragraph after a block that says what became of it ("The recommendations listed above
    enjoy the support of Ghana", "The response of France to these recommendations will be
    included in the outcome report") gives the block its position when its opener did not."""
    if not blocks or blocks[-1].position is not None:
        return
    if re.search(r"\babove\b|\bthese\s+recommendations\b", text, re.IGNORECASE):
        blocks[-1].position = position_from_sentence(text)


def _add_dotted(block: _Block, number: int, line: int, text: str, batch: ImportBatch) -> None:
    """Add an item; split off the next item when the source runs it into the same line."""
    while True:
        inline = re.compile(
            rf"(?<=[;.)])\s+{block.number}\.{number + 1}\.?\s+(?=[A-Z“\"‘'])"
        ).search(text)
        if not inline:
            break
        batch.warn(line, f"{block.number}.{number + 1} starts in the middle of a line; split")
        block.items.append((number, line, text[: inline.start()]))
        text = text[inline.end() :]
        number += 1
    block.items.append((number, line, text))


def _check_numbering(block: _Block, batch: ImportBatch) -> None:
    """Counts per block against the numbering: the highest number should equal the count."""
    numbers = [n for n, _line, _text in block.items]
    if not numbers:
        return
    expected = set(range(1, max(numbers) + 1))
    missing = sorted(expected - set(numbers))
    if missing:
        shown = ", ".join(f"{block.number}.{n}" for n in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        batch.warn(
            block.line,
            f"block {block.number}: numbers run to {max(numbers)} but"
            f" {len(set(numbers))} were found; missing {shown}{more}",
        )


def parse_report_text(
    text: str,
    *,
    source_file: str = "report.txt",
    symbol: str | None = None,
    country: str | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Recommendations from a report's plain text. Raises SourceError(NO_SECTION) if none."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return parse_report_lines(
        text.split("\n"),
        source_file=source_file,
        symbol=symbol,
        country=country,
        progress=progress,
    )
