"""Voluntary pledges (UPR Info "Voluntary Pledge" rows): records of kind "pledge", filterable,
in the matrix and the brief, never counted with the recommendations (issue 16 point 9)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from tui import triage
from tui.commands.import_ import ImportResult, summary_rows
from tui.exports.brief import brief_markdown, build_brief
from tui.exports.matrix import write_matrix
from tui.importers import parse_file
from tui.importers.apply import apply_batch
from tui.importers.summary import apply_sentence
from tui.overview import country_summary
from tui.store import Workspace

PLEDGES = "corpus/upr-info/voluntary-pledges.csv"
ALBANIA = "corpus/wg-reports/A_HRC_27_4_Albania_2014.txt"


def test_pledges_are_their_own_kind_of_record(shared_dir: Path, tmp_path: Path) -> None:
    batch = parse_file(shared_dir / PLEDGES)
    pledges = [r for r in batch.records if r.get("kind") == "pledge"]
    assert len(pledges) == len(batch.records) == batch.stats["pledges"] == 945  # 2 repeated rows
    assert batch.stats["recommendations"] == 0
    rows = {(s, k): v for s, k, v in summary_rows(ImportResult(batch))}
    assert rows[("count", "recommendations")] == "0" and rows[("count", "pledges")] == "945"
    assert not any(k == "supported" for s, k in rows if s == "position")
    albania = [r for r in pledges if r["country"] == "ALB"]
    assert albania and all(r["session"] and r["cycle"] and r["themes"] for r in albania)
    assert len({r["id"] for r in pledges}) == len(pledges)

    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    try:
        report = parse_file(shared_dir / ALBANIA)
        apply_batch(ws, report)
        summary = apply_batch(ws, batch)
        assert summary.created == 945 and summary.folded == 0  # never folded into a report's
        # The import summary never counts pledges with the recommendations' positions.
        assert summary.by_position == {} and summary.pledges == 945
        result = ImportResult(batch, summary=summary, mode="applied")
        assert "Positions after the import" not in apply_sentence(result).plain
        counts = country_summary(ws, "ALB", date(2026, 12, 7))
        assert counts.recommendations == len(report.records)
        assert counts.pledges == len(albania)
        assert "pledge" not in str(counts.by_position)
        # Filterable: the kind facet of the country's list.
        index = triage.TriageIndex(ws, "ALB")
        only = triage.Filter().with_facet("kind", ["pledge"])
        shown = [e for e in index.entries if only.matches(e)]
        assert len(shown) == len(albania)
        # The matrix marks them; the brief lists them apart and counts only recommendations.
        buf = io.BytesIO()
        write_matrix(ws, "ALB", "csv", buf)
        matrix = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8-sig"))))
        kinds = [r["Kind"] for r in matrix]
        assert kinds.count("Voluntary pledge") == len(albania)
        assert kinds.count("Recommendation") == len(report.records)
        brief = build_brief(ws, "ALB", date(2026, 12, 7), cycle=None)
        assert brief.rec_total == len(report.records)
        assert len(brief.pledges) == len(albania)
        markdown = brief_markdown(brief)
        assert "## Voluntary pledges (" in markdown and f"): {len(albania)}" in markdown
        assert brief.pledges[0][:60] in markdown
    finally:
        ws.close(save=False)
