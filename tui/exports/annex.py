"""The joint UN submission annex (issue 7, item 2): how far each recommendation got.

Before a review the country team reports on the previous cycle's recommendations. OHCHR's
thematic list has a column "assessment of the level of implementation"; this annex fills it:
every recommendation of that cycle, supported and noted, by paragraph number, with position,
implementation status and the evidence note, grouped by cluster. Markdown, DOCX and CSV.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from tui.exports.matrix import select_recommendations
from tui.exports.safe import (
    POSITION_LABELS,
    STATUS_LABELS,
    Source,
    data_stamp,
    label,
    md_cell,
    md_text,
    natural_key,
    normalise_ooxml,
    plain,
    state_name,
    state_names,
    write_csv,
)
from tui.model import POSITIONS

FORMATS = ("md", "docx", "csv")
NO_CLUSTER = "No cluster assigned"
TABLE_HEADER = (
    "Para.",
    "Recommendation",
    "Position",
    "Implementation status",
    "Assessment and evidence",
    "Previous cycle",  # issue 17: linked earlier-cycle paragraphs with their status
)
CSV_HEADER = (
    "Cluster",
    "Paragraph",
    "Recommendation",
    "Recommending States",
    "Position",
    "Implementation status",
    "Evidence",
    "Document",
    "Id",
    "Previous cycle",
)


def report_cycle(source: Source, iso3: str, today: date) -> int | None:
    """The cycle to report on: that of the last review ended by ``today`` if the workspace
    holds its recommendations, else the latest earlier cycle it holds, else the latest it
    holds at all; None when no recommendation carries a cycle (then all are taken)."""
    from tui import refdata

    cycles: set[int] = {
        r["cycle"]
        for r in source.table("recommendations").values()
        if r.get("country") == iso3
        and not r.get("deleted")
        and r.get("mechanism") == "UPR"
        and isinstance(r.get("cycle"), int)
        and not isinstance(r.get("cycle"), bool)
    }
    if not cycles:
        return None
    try:
        last = refdata.last_review(iso3, today)
    except KeyError:
        last = None
    if last is not None:
        earlier = [c for c in cycles if c <= last.cycle]
        if earlier:
            return max(earlier)
    return max(cycles)


@dataclass
class AnnexGroup:
    """The recommendations of one cluster, in paragraph order."""

    cluster: str  # as stored; "" for none
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return plain(self.cluster) or NO_CLUSTER


@dataclass
class Annex:
    iso3: str
    name: str
    cycle: int | None
    documents: list[str]
    groups: list[AnnexGroup]
    # id -> (current status, paragraph it comes from, Previous cycle cell): issue 17
    continuity: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def status(self, record: Mapping[str, Any]) -> str:
        """The current status: a previous cycle's recommendation shows the newest status of
        it and of its ``same`` successor, named (``implemented (as 140.1)``)."""
        status, where, _prev = self.continuity.get(str(record.get("id")), ("", "", ""))
        if not status:
            return label(STATUS_LABELS, record.get("status"))
        shown = label(STATUS_LABELS, status)
        return f"{shown} (as {plain(where)})" if where else shown

    def previous(self, record: Mapping[str, Any]) -> str:
        return self.continuity.get(str(record.get("id")), ("", "", ""))[2]

    @property
    def records(self) -> Iterator[dict[str, Any]]:
        for group in self.groups:
            yield from group.records

    @property
    def count(self) -> int:
        return sum(len(g.records) for g in self.groups)

    def positions(self) -> Counter[str]:
        return Counter(r.get("position", "pending") for r in self.records)

    def heading(self) -> str:
        which = f"the cycle {self.cycle} review" if self.cycle is not None else "the UPR"
        return f"Implementation of the recommendations of {which}: {self.name}"

    def summary(self) -> str:
        counts = self.positions()
        parts = [f"{counts[p]} {POSITION_LABELS[p].lower()}" for p in POSITIONS if counts.get(p)]
        parts += [f"{n} {plain(p)}" for p, n in sorted(counts.items()) if p not in POSITIONS]
        docs = f" ({', '.join(self.documents)})" if self.documents else ""
        noun = "recommendation" if self.count == 1 else "recommendations"
        return (
            f"Annex to the joint UN submission for the UPR of {self.name}. Every recommendation "
            f"of the review{docs}, by cluster and paragraph number, with the State's position, "
            f"the level of implementation and the evidence for it. {self.count} {noun}"
            + (": " + ", ".join(parts) if parts else "")
            + "."
        )


def cluster_order(source: Source, iso3: str, clusters: Sequence[str]) -> list[str]:
    """The country's own cluster order first, then others alphabetically, then none."""
    country = source.table("countries").get(iso3) or {}
    declared = [c for c in country.get("clusters", []) if isinstance(c, str)]
    present = set(clusters)
    ordered = [c for c in dict.fromkeys(declared) if c in present]
    rest = sorted(
        (c for c in present if c and c not in ordered), key=lambda c: (plain(c).casefold(), c)
    )
    tail = [""] if "" in present else []
    return ordered + rest + tail


def build_annex(source: Source, iso3: str, cycle: int | None) -> Annex:
    """Group the country's UPR recommendations of ``cycle`` (None: all) by cluster."""

    records = select_recommendations(source, iso3, cycle, mechanism="UPR")
    by_cluster: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        cluster = record.get("cluster")
        key = cluster.strip() if isinstance(cluster, str) else ""
        by_cluster.setdefault(key, []).append(record)
    groups = []
    for cluster in cluster_order(source, iso3, list(by_cluster)):
        members = sorted(
            by_cluster[cluster],
            key=lambda r: (
                natural_key(plain(r.get("paragraph"))),
                natural_key(plain(r.get("document"))),
                str(r.get("id", "")),
            ),
        )
        groups.append(AnnexGroup(cluster, members))
    documents = sorted(
        {plain(r.get("document")) for r in records if r.get("document")}, key=natural_key
    )
    from tui.links import LinkIndex, current_status, previous_cycle_cell

    index = LinkIndex(source)
    continuity: dict[str, tuple[str, str, str]] = {}
    for record in records:
        if index.links(str(record.get("id"))):
            status, where = current_status(source, record, index)
            continuity[str(record.get("id"))] = (
                status,
                where,
                previous_cycle_cell(source, record, index),
            )
    return Annex(iso3, state_name(iso3), cycle, documents, groups, continuity)


def recommendation_with_states(record: Mapping[str, Any]) -> str:
    """The recommendation text followed by its recommending States, as in OHCHR's lists."""
    text = plain(record.get("text"))
    states = state_names(record.get("recommending"))
    return f"{text} ({states})" if states else text


def annex_cells(record: Mapping[str, Any], annex: Annex | None = None) -> list[str]:
    """The table cells of one recommendation (status and previous cycle from ``annex``)."""
    return [
        plain(record.get("paragraph")),
        recommendation_with_states(record),
        label(POSITION_LABELS, record.get("position")),
        annex.status(record) if annex else label(STATUS_LABELS, record.get("status")),
        plain(record.get("evidence")),
        annex.previous(record) if annex else "",
    ]


# --------------------------------------------------------------------------- Markdown


def annex_markdown(annex: Annex) -> str:
    lines = [f"# {md_text(annex.heading())}", "", md_text(annex.summary()), ""]
    if not annex.count:
        lines += ["No recommendations of this cycle are in the workspace.", ""]
    for group in annex.groups:
        lines += [f"## {md_text(group.title)} ({len(group.records)})", ""]
        lines.append("| " + " | ".join(TABLE_HEADER) + " |")
        lines.append("| ---: | --- | --- | --- | --- | --- |")
        for record in group.records:
            cells = annex_cells(record, annex)
            lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- CSV


def _csv_rows(annex: Annex) -> Iterator[list[str]]:
    for group in annex.groups:
        for r in group.records:
            yield [
                plain(group.cluster),
                plain(r.get("paragraph")),
                plain(r.get("text")),
                state_names(r.get("recommending")),
                label(POSITION_LABELS, r.get("position")),
                annex.status(r),
                plain(r.get("evidence")),
                plain(r.get("document")),
                plain(r.get("id")),
                annex.previous(r),
            ]


# --------------------------------------------------------------------------- DOCX

# Column widths in twentieths of a point (A4 landscape, 2 cm margins: ~25.7 cm of text).
_DOCX_WIDTHS = (1000, 5400, 1400, 1700, 3056, 2000)


def annex_docx(annex: Annex, out: IO[bytes]) -> None:
    """Write the annex as a Word document: landscape, one table per cluster, header rows
    repeated on each page. Rows are built as raw WordprocessingML (python-docx's
    ``add_row`` is too slow at 100k rows)."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm
    from lxml import etree

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    document.add_heading(plain(annex.heading()), level=1)
    document.add_paragraph(plain(annex.summary()))
    if not annex.count:
        document.add_paragraph("No recommendations of this cycle are in the workspace.")

    sub = etree.SubElement
    w_tr, w_tc, w_p, w_r, w_t, w_br = (
        qn("w:tr"),
        qn("w:tc"),
        qn("w:p"),
        qn("w:r"),
        qn("w:t"),
        qn("w:br"),
    )
    space = "{http://www.w3.org/XML/1998/namespace}space"

    def add_row(tbl: Any, cells: Sequence[str], header: bool = False) -> None:
        tr = sub(tbl, w_tr)
        if header:
            trpr = sub(tr, qn("w:trPr"))
            sub(trpr, qn("w:tblHeader"))
        for width, text in zip(_DOCX_WIDTHS, cells, strict=True):
            tc = sub(tr, w_tc)
            if header:
                tcpr = sub(tc, qn("w:tcPr"))
                tcw = sub(tcpr, qn("w:tcW"))
                tcw.set(qn("w:w"), str(width))
                tcw.set(qn("w:type"), "dxa")
            p = sub(tc, w_p)
            r = sub(p, w_r)
            if header:
                sub(sub(r, qn("w:rPr")), qn("w:b"))
            for i, line in enumerate(text.split("\n")):
                if i:
                    sub(r, w_br)
                t = sub(r, w_t)
                t.text = line
                if line != line.strip():
                    t.set(space, "preserve")

    for group in annex.groups:
        document.add_heading(f"{group.title} ({len(group.records)})", level=2)
        table = document.add_table(rows=0, cols=len(TABLE_HEADER))
        table.style = "Table Grid"
        table.autofit = False  # fixed layout: Word keeps the column widths below
        tbl = table._tbl
        for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), _DOCX_WIDTHS, strict=True):
            col.set(qn("w:w"), str(width))
        add_row(tbl, TABLE_HEADER, header=True)
        for record in group.records:
            add_row(tbl, annex_cells(record, annex))

    records = list(annex.records)
    stamp = data_stamp(records)
    props = document.core_properties
    props.author = "UPR Workbench"
    props.last_modified_by = "UPR Workbench"
    props.title = plain(annex.heading())[:255]
    props.subject = "Joint UN submission: level of implementation"
    props.comments = ""
    props.revision = 1
    props.created = stamp.replace(tzinfo=None)
    props.modified = stamp.replace(tzinfo=None)
    buf = io.BytesIO()
    document.save(buf)
    buf.seek(0)
    normalise_ooxml(buf, out, stamp)


# --------------------------------------------------------------------------- entry point


def write_annex(
    source: Source,
    iso3: str,
    fmt: str,
    out: IO[bytes],
    *,
    cycle: int | None = None,
    today: date | None = None,
    bom: bool = False,
) -> int:
    """Write the annex of ``iso3`` for ``cycle`` (default: :func:`report_cycle` on
    ``today``) as ``md``, ``docx`` or ``csv``; returns the number of recommendations."""
    if fmt not in FORMATS:
        raise ValueError(f"annex formats are {', '.join(FORMATS)}, not {fmt!r}")
    if cycle is None:
        cycle = report_cycle(source, iso3, today or date.today())
    annex = build_annex(source, iso3, cycle)
    if fmt == "md":
        out.write(annex_markdown(annex).encode("utf-8"))
    elif fmt == "csv":
        write_csv(out, CSV_HEADER, _csv_rows(annex), bom=bom)
    else:
        annex_docx(annex, out)
    return annex.count
