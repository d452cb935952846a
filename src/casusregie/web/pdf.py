"""Plain, accessible PDF documents (a plan, an organisation's excerpt of the minutes).

A document is a title, a short line of metadata and sections of paragraphs or tables. Text is
escaped: nothing a user typed is read as markup. The PDF carries a title and language so
screen readers and archive tools can identify it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


@dataclass
class Section:
    heading: str
    paragraphs: Sequence[str] = ()
    # A table: the first row is the header.
    rows: Sequence[Sequence[str]] = ()
    empty_text: str = ""
    children: list[Section] = field(default_factory=list)


def _text(value: str) -> str:
    return escape(str(value)).replace("\n", "<br/>")


def document(title: str, subtitle: str, sections: Sequence[Section], *, author: str) -> bytes:
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=8.5, leading=10.5)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=author,
        lang="nl",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    )
    story: list[Flowable] = [
        Paragraph(_text(title), styles["Title"]),
        Paragraph(_text(subtitle), styles["Italic"]),
        Spacer(1, 4 * mm),
    ]

    def add(section: Section, level: int) -> None:
        story.append(
            Paragraph(_text(section.heading), styles["Heading2" if level == 0 else "Heading3"])
        )
        for paragraph in section.paragraphs:
            story.append(Paragraph(_text(paragraph), styles["BodyText"]))
        if section.rows and len(section.rows) > 1:
            table = Table(
                [[Paragraph(_text(value), cell) for value in row] for row in section.rows],
                repeatRows=1,
                hAlign="LEFT",
            )
            table.setStyle(
                TableStyle(
                    [
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(table)
        elif not section.paragraphs and section.empty_text:
            story.append(Paragraph(_text(section.empty_text), styles["BodyText"]))
        for child in section.children:
            add(child, level + 1)
        story.append(Spacer(1, 3 * mm))

    for section in sections:
        add(section, 0)
    doc.build(story)
    return buffer.getvalue()
