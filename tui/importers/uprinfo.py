"""UPR Info database export (CSV): one row per recommendation × recommending State.

Columns ``To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session``.
The legacy export is Mac Roman with CR line endings; the encoding is detected (UTF-8 strictly
first, then Mac Roman vs Windows-1252 by evidence) and reported. Rows with the same State under
review, session and text (compared as the id compares them: NFC, case-folded, whitespace
collapsed) become one recommendation with several recommending States.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tui.ids import hash_id, normalise_for_hash
from tui.importers.base import ImportBatch, Progress, SourceError
from tui.importers.common import (
    TABLE_LIMIT,
    as_int,
    clean_field,
    clean_line,
    cycle_of_session,
    known_states,
    position_from_word,
    read_text_file,
    resolve,
    resolve_or_keep,
)
from tui.importers.pledges import pledge_record

COLUMNS = (
    "To",
    "To-Rgrp",
    "To-Org",
    "Text",
    "From",
    "From-Rgrp",
    "From-Org",
    "Response",
    "Action",
    "Issue",
    "Session",
)
PLEDGE = "voluntary pledge"


def _wanted(
    countries: Iterable[str] | None, country: str | None, batch: ImportBatch
) -> set[str] | None:
    names = [c for c in (list(countries or []) + ([country] if country else [])) if c]
    return known_states(names, batch) if names else None


def parse_upr_info_text(
    text: str,
    *,
    source_file: str,
    batch: ImportBatch | None = None,
    country: str | None = None,
    countries: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Recommendations from the decoded CSV text of a UPR Info export."""
    batch = batch or ImportBatch(kind="upr-info", source_file=source_file)
    wanted = _wanted(countries, country, batch)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise SourceError(f"{source_file}: the file is empty") from exc
    except csv.Error as exc:
        raise SourceError(f"{source_file}: not a readable CSV file ({exc})") from exc
    index = {name.strip().lstrip("\ufeff"): i for i, name in enumerate(header)}
    missing = [c for c in ("To", "Text", "From", "Response", "Session") if c not in index]
    if missing:
        raise SourceError(f"{source_file}: not a UPR Info export (no column {', '.join(missing)})")
    total_chars = max(len(text), 1)
    by_id: dict[str, dict[str, Any]] = {}
    # (record id, recommending) -> (row number, normalised row) of the first row of that pair
    pairs: dict[tuple[str, str], tuple[int, tuple[str, ...]]] = {}
    responses: dict[str, Counter[str]] = {}
    actions: dict[str, Counter[int]] = {}
    stats: Counter[str] = Counter()
    pledge_ids: set[str] = set()
    row_no = 1
    consumed = 0
    width = len(header)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SourceError(f"{source_file}: broken CSV at row {row_no + 1} ({exc})") from exc
        row_no += 1
        if not any(cell.strip() for cell in row):
            continue
        stats["rows"] += 1
        consumed += sum(len(c) for c in row) + len(row)
        if progress and stats["rows"] % 2000 == 0:
            progress(min(consumed, total_chars), total_chars)
        if len(row) != width:
            batch.warn(row_no, f"{len(row)} cells instead of {width}; row skipped")
            stats["bad"] += 1
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = index.get(name)
            return row[i] if i is not None else ""

        response = clean_line(cell("Response"))
        to_raw = clean_line(html.unescape(cell("To")))
        to_iso = resolve(to_raw)
        if wanted is not None and to_iso not in wanted:
            stats["other_countries"] += 1
            continue
        if not to_iso:
            batch.unknown_names[to_raw] += 1
        if response.casefold() == PLEDGE:
            # A voluntary pledge: its own kind of record (tui.importers.pledges).
            pledge = pledge_record(
                cell, country=to_iso or to_raw, row=row_no, source_file=source_file, batch=batch
            )
            if pledge is not None and pledge["id"] not in pledge_ids:
                pledge_ids.add(pledge["id"])
                stats["pledges"] += 1
                batch.records.append(pledge)
            elif pledge is not None:
                batch.duplicates += 1
            continue
        text_value = clean_field(html.unescape(cell("Text")).strip(), batch, row_no)
        if not text_value:
            batch.warn(row_no, "empty recommendation text; row skipped")
            stats["bad"] += 1
            continue
        session = as_int(cell("Session"))
        if session is None and cell("Session").strip():
            batch.warn(row_no, f"session {cell('Session')[:20]!r} is not a number")
        recommending = resolve_or_keep(cell("From"), batch) if cell("From").strip() else ""
        position = position_from_word(response)
        if position is None:
            position = "pending"
        action = as_int(cell("Action"))
        if action is not None and not 1 <= action <= 5:
            batch.warn(row_no, f"action category {action} is not 1-5; left empty")
            action = None
        themes = [t for t in (clean_line(x) for x in cell("Issue").split(",")) if t]
        country_key = to_iso or to_raw.casefold()
        rid = hash_id("UPR", country_key, session if session is not None else "", text_value)
        normalised = (
            country_key,
            str(session),
            normalise_for_hash(text_value),
            recommending,
            response.casefold(),
            str(action),
            ",".join(themes),
        )
        pair = (rid, recommending)
        if pair in pairs:
            first_row, first_norm = pairs[pair]
            if first_norm == normalised:
                batch.duplicates += 1
                batch.warn(row_no, f"exact duplicate of row {first_row}; counted once")
            else:
                stats["repeats"] += 1
                batch.warn(
                    row_no,
                    f"same recommendation and recommending State as row {first_row}"
                    " but other Response/Action/Issue; merged",
                )
        else:
            pairs[pair] = (row_no, normalised)
        record = by_id.get(rid)
        if record is None:
            record = {
                "id": rid,
                "mechanism": "UPR",
                "body": "",
                "country": to_iso or to_raw,
                "cycle": cycle_of_session(session),
                "session": session,
                "document": "",
                "paragraph": "",
                "text": text_value,
                "recommending": [],
                "position": position,
                "themes": [],
                "groups": [],
                "sdgs": [],
                "action_category": action,
                "source": {"file": source_file, "row": row_no, "kind": "upr-info"},
            }
            by_id[rid] = record
            batch.records.append(record)
            responses[rid] = Counter()
            actions[rid] = Counter()
        if recommending and recommending not in record["recommending"]:
            record["recommending"].append(recommending)
        for theme in themes:
            if theme not in record["themes"]:
                record["themes"].append(theme)
        if pair not in pairs or pairs[pair][0] == row_no:
            responses[rid][position] += 1
            if action is not None:
                actions[rid][action] += 1
    _settle_disagreements(batch, by_id, responses, actions)
    stats["pairs"] = len(pairs)
    stats["recommendations"] = len(batch.records) - stats["pledges"]
    batch.stats.update(stats)
    countries_seen = {r["country"] for r in batch.records}
    if len(countries_seen) == 1:
        batch.country = next(iter(countries_seen))
    if stats["pledges"]:
        batch.warn(
            None,
            f"{stats['pledges']} voluntary pledges imported as pledges (kind pledge), apart"
            " from the recommendations",
        )
    if progress:
        progress(total_chars, total_chars)
    return batch


def _settle_disagreements(
    batch: ImportBatch,
    by_id: dict[str, dict[str, Any]],
    responses: dict[str, Counter[str]],
    actions: dict[str, Counter[int]],
) -> None:
    """Rows of one recommendation that disagree on Response or Action: the majority, reported."""
    for rid, counts in responses.items():
        record = by_id[rid]
        if len(counts) > 1:
            position = counts.most_common(1)[0][0]
            batch.warn(
                record["source"]["row"],
                f"rows of this recommendation disagree on the"
                f" response ({dict(counts)}); {position} kept",
            )
            record["position"] = position
        acts = actions[rid]
        if len(acts) > 1:
            action = acts.most_common(1)[0][0]
            batch.warn(
                record["source"]["row"],
                f"rows of this recommendation disagree on the"
                f" action category ({dict(acts)}); {action} kept",
            )
            record["action_category"] = action


def parse_upr_info(
    path: Path,
    *,
    country: str | None = None,
    countries: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """A UPR Info CSV export file: decoded with a reported encoding, then parsed."""
    batch = ImportBatch(kind="upr-info", source_file=path.name)
    text = read_text_file(path, TABLE_LIMIT, "the CSV file", batch)
    return parse_upr_info_text(
        text,
        source_file=path.name,
        batch=batch,
        country=country,
        countries=countries,
        progress=progress,
    )
