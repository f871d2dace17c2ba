"""The parchment as a PDF page (A4 landscape): fpdf2 with an embedded DejaVu font that has
every French glyph, and the verification code drawn as a vector QR code (segno)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from typing import Any

from projections.credentials import Parchment

FONTS = {
    ("serif", ""): "DejaVuSerif.ttf",
    ("serif", "B"): "DejaVuSerif-Bold.ttf",
    ("mono", ""): "DejaVuSansMono.ttf",
}
HEADINGS = {
    "title": "CERTIFICATION PROFESSIONNELLE",
    "block": "CERTIFICAT DE BLOC DE COMPÉTENCES",
    "competency": "CERTIFICAT DE COMPÉTENCE",
}
INK = (40, 40, 60)
MARGIN = 14.0


def render(parchments: Sequence[Parchment], created: datetime) -> bytes:
    """One page per parchment. `created` dates the file, so the same parchments give the
    same bytes."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(created)
    pdf.set_creator("certledger")
    folder = resources.files("projections").joinpath("data/fonts")
    for (family, style), name in FONTS.items():
        with resources.as_file(folder.joinpath(name)) as path:
            pdf.add_font(family, style, str(path))
    if parchments:
        pdf.set_author(parchments[0].certifier)
        pdf.set_title(parchments[0].what if len(parchments) == 1 else "Parchemins")
    for parchment in parchments:
        _page(pdf, parchment)
    return bytes(pdf.output())


def _page(pdf: Any, p: Parchment) -> None:
    pdf.add_page()
    width = pdf.w - 2 * MARGIN
    pdf.set_draw_color(*INK)
    pdf.set_line_width(1.2)
    pdf.rect(6, 6, pdf.w - 12, pdf.h - 12)
    pdf.set_line_width(0.3)
    pdf.rect(9, 9, pdf.w - 18, pdf.h - 18)
    pdf.set_text_color(*INK)

    def line(text: str, size: float, style: str = "", gap: float = 1.5) -> None:
        pdf.set_font("serif", style, size)
        pdf.set_x(MARGIN)
        pdf.multi_cell(width, size * 0.45, text, align="C")
        pdf.ln(gap)

    pdf.set_y(22)
    line(p.certifier, 13, "B", 4)
    line(HEADINGS[p.kind], 22, "B", 1)
    line(f"N° {p.number}", 10, "", 5)
    line(p.decision + ",", 11, "", 2)
    holder = p.holder + (f" (nom d'usage : {p.usage_name})" if p.usage_name else "")
    line(holder, 20, "B", 1)
    line(p.born, 11, "", 3)
    line(p.award, 12, "", 2)
    line(f"« {p.what} »", 17, "B", 1.5)
    line(p.reference, 10, "", 4)
    line(p.registration, 9.5, "", 1)
    line(p.level, 9.5, "", 1)
    line(p.nsf, 9.5, "", 1)
    if p.duplicate:
        line(p.duplicate, 9.5, "B", 1)

    # The foot: the verification QR code and code on the left, place, date and signatory
    # on the right.
    top = pdf.h - 58
    size = 36.0
    _qr(pdf, p.code, MARGIN + 2, top, size)
    pdf.set_font("serif", "", 8.5)
    pdf.set_xy(MARGIN + size + 6, top)
    pdf.multi_cell(120, 4, "Code de vérification (certledger certificate verify) :", align="L")
    pdf.set_font("mono", "", 7)
    pdf.set_x(MARGIN + size + 6)
    pdf.multi_cell(120, 3.4, p.code, align="L")
    if p.fiche_url:
        pdf.set_font("serif", "", 8)
        pdf.set_x(MARGIN + size + 6)
        pdf.multi_cell(120, 4, f"Fiche de la certification : {p.fiche_url}", align="L")
    pdf.set_font("serif", "", 11)
    pdf.set_xy(pdf.w - MARGIN - 100, top + 2)
    pdf.multi_cell(95, 5.5, p.issued, align="C")
    pdf.set_x(pdf.w - MARGIN - 100)
    pdf.set_font("serif", "B", 11)
    pdf.multi_cell(95, 5.5, p.signatory, align="C")


def _qr(pdf: Any, text: str, x: float, y: float, size: float) -> None:
    """The QR code of `text`, dark modules drawn as filled rectangles (one per run)."""
    import segno

    matrix = [list(row) for row in segno.make(text, error="m", micro=False).matrix]
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
