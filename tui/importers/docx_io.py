"""Reading Word files (python-docx) after checking the zip, in document order."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

from tui.importers.base import SourceError
from tui.importers.common import REPORT_LIMIT, check_zip


def open_docx(path: Path) -> Any:
    """A python-docx Document, or SourceError (not a zip, zip bomb, over 50 MB, not Word)."""
    check_zip(path, REPORT_LIMIT, "Word .docx")
    import docx  # python-docx; imported here so text imports do not pay for it
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(str(path))
    except PackageNotFoundError as exc:
        raise SourceError(f"{path.name}: not a Word .docx document") from exc
    except KeyError as exc:
        raise SourceError(f"{path.name}: not a Word .docx document (missing part {exc})") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise SourceError(f"{path.name}: damaged Word document (broken zip: {exc})") from exc
    except (ValueError, OSError) as exc:
        raise SourceError(f"{path.name}: damaged Word document ({exc})") from exc
    except Exception as exc:  # lxml's XMLSyntaxError for broken XML; odd parts raise anything
        if type(exc).__name__ == "XMLSyntaxError":
            raise SourceError(f"{path.name}: damaged Word document (bad XML)") from exc
        raise SourceError(f"{path.name}: damaged Word document ({type(exc).__name__})") from exc


def body_lines(document: Any) -> list[str]:
    """Every paragraph's text in document order, table cells included (one line each)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.extend(Paragraph(child, document).text.split("\n"))
        elif tag == "tbl":
            for row in Table(child, document).rows:
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat
                        continue
                    seen.add(id(cell._tc))
                    for para in cell.paragraphs:
                        lines.extend(para.text.split("\n"))
    return lines


def header_text(document: Any) -> str:
    """Text of the page headers (the thematic lists name the review there)."""
    parts: list[str] = []
    for section in document.sections:
        try:
            parts.extend(p.text for p in section.header.paragraphs)
        except (ValueError, KeyError):
            continue
    return "\n".join(parts)
