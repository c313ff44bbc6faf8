"""The case sheet (案卷单): one case on one printable page, as HTML and as PDF.

The HTML page and the PDF show the same rows (``sheet_rows``), so what is
printed from the browser and what is downloaded agree. The PDF is drawn with
ReportLab's built-in CID font ``STSong-Light`` (Adobe's Song for simplified
Chinese, known to every PDF reader), so no font file ships with CivicGrid.
"""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.web.templatetags.civicgrid import (
    action_label,
    outcome_label,
    role_label,
    stage_label,
    state_label,
)

PDF_FONT = "STSong-Light"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _holder_text(holder) -> str:
    if not holder:
        return "—"
    who = holder["name"] or role_label(holder["role"])
    if holder["name"]:
        who = f"{who}（{role_label(holder['role'])}）"
    return f"{who} · {_('since')} {_when(holder['since'])}" if holder["since"] else who


def sheet_rows(context: dict) -> list[tuple[str, str]]:
    """Return the (label, value) rows of the sheet from the case page's context."""
    case = context["case"]
    place = " ".join(
        part for part in (case.district.name, case.street.name, case.community.name) if part
    )
    reporters = []
    for report in context["reports"]:
        contact = report.contact
        who = _("anonymous") if contact["anonymous"] else (contact["name"] or "—")
        if contact["phone"]:
            who = f"{who} {contact['phone']}"
        reporters.append(f"{report.get_channel_display()} {_when(report.reported_at)} {who}")
    merged = [
        f"#{m['report'].pk} {m['report'].description[:40]}"
        + (f" ← {m['from_code']}" if m["from_code"] else "")
        for m in context["merged"]
    ]
    category = case.category or case.category_guess
    return [
        (_("Case number"), case.code or "—"),
        (_("State"), case.get_state_display()),
        (_("Channel"), case.get_origin_channel_display()),
        (_("Reported at"), _when(case.created_at)),
        (_("Category"), f"{category.code} {category.name}" if category else "—"),
        (_("Description"), case.description),
        (_("Place"), f"{place} · {case.grid_cell.code}"),
        (_("Address"), case.address or "—"),
        (_("Department"), case.department.name if case.department_id else "—"),
        (_("Held by"), _holder_text(context["holder"])),
        (_("Handling due"), _when(case.handling_due)),
        (_("Closed at"), _when(case.closed_at)),
        (_("Reports and reporters"), "；".join(reporters) or "—"),
        (_("Duplicates merged into this case"), "；".join(merged) or "—"),
    ]


def stage_rows(stages) -> list[list[str]]:
    """Return the deadline table of the sheet: a header and one row per stage."""
    header = [_("Step"), _("Started"), _("Due"), _("Finished"), _("On time?")]
    return [header] + [
        [
            stage_label(s.stage),
            _when(s.started_at),
            _when(s.due_at),
            _when(s.finished_at),
            outcome_label(s.outcome),
        ]
        for s in stages
    ]


def event_rows(events) -> list[list[str]]:
    """Return the timeline of the sheet: a header and one row per event."""
    header = [_("Time"), _("Action"), _("By"), _("State"), _("Note")]
    rows = []
    for e in events:
        states = state_label(e.to_state)
        if e.from_state and e.from_state != e.to_state:
            states = f"{state_label(e.from_state)} → {states}"
        rows.append(
            [
                _when(e.at),
                action_label(e.action),
                f"{e.actor_name}（{role_label(e.role)}）",
                states,
                e.note[:200],
            ]
        )
    return [header, *rows]


def sheet_pdf(context: dict, city_name: str) -> bytes:
    """Return the case sheet as a PDF (A4, Chinese text in ``STSong-Light``)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=9.5, leading=13, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=22, alignment=1)
    sub = ParagraphStyle("sub", parent=body, fontSize=11.5, leading=16, spaceBefore=6)

    def para(text, style=body):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    def table(rows, widths, header=True):
        # splitInRow: a long description or note may run over a page; a row may split.
        grid = Table(
            [[para(c) for c in row] for row in rows],
            colWidths=widths,
            repeatRows=1 if header else 0,
            splitInRow=1,
        )
        style = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")))
        grid.setStyle(TableStyle(style))
        return grid

    case = context["case"]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{_('Case sheet')} {case.code}",
    )
    width = A4[0] - 30 * mm
    story = [
        para(f"{city_name} · {_('Case sheet')}", head),
        para(f"{_('Case number')}：{case.code}　{_('Printed at')}：{_when(timezone.now())}"),
        Spacer(1, 4 * mm),
        table([list(r) for r in sheet_rows(context)], [35 * mm, width - 35 * mm], header=False),
        para(_("Every step's time limit"), sub),
        table(stage_rows(context["stages"]), [width * f for f in (0.14, 0.22, 0.22, 0.22, 0.2)]),
        para(_("Timeline"), sub),
        table(event_rows(context["events"]), [width * f for f in (0.2, 0.14, 0.2, 0.2, 0.26)]),
    ]
    document.build(story)
    return buffer.getvalue()
