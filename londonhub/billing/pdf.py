"""Invoices and credit notes as PDF files, drawn with fpdf2 (pure Python: no system libraries).

The web page is the accessible version of each document; the PDF carries the same text, with
its title and language set. Text is drawn in DejaVu Sans when the system has it (any name, any
script); otherwise in the PDF's built-in Helvetica, whose Latin-1 covers "£" and most names,
with anything else replaced rather than failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF

from londonhub.platform.core.money import format_pence

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: int
    unit_pence: int
    total_pence: int


@dataclass(frozen=True)
class Document:
    """What either document says, in the order it is printed."""

    title: str  # "Invoice INV-00001" or "Credit note CN-00001"
    seller_name: str
    seller_address: str
    vat_line: str
    buyer_lines: list[str]
    facts: list[tuple[str, str]]  # (label, value): dates, order, status
    lines: list[DocumentLine]
    totals: list[tuple[str, int]]
    closing: list[tuple[str, str]]  # (heading, text): how to pay, reason


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.unicode = False
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold))
            self.family_name = "Body"
            self.unicode = True
        else:
            self.family_name = "Helvetica"

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def write_block(self, value: str, size: int = 10, bold: bool = False, gap: float = 1) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.text_of(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)


def render(document: Document) -> bytes:
    pdf = _Pdf()
    pdf.set_title(document.title)
    pdf.set_author(document.seller_name)
    pdf.set_lang("en-GB")
    pdf.set_creator("Connecting Londoners")
    pdf.add_page()
    pdf.write_block(document.title, size=18, bold=True, gap=4)
    pdf.write_block(document.seller_name, bold=True)
    pdf.write_block(document.seller_address, gap=1)
    pdf.write_block(document.vat_line, gap=4)
    pdf.write_block("To", bold=True)
    pdf.write_block("\n".join(document.buyer_lines), gap=4)
    for label, value in document.facts:
        pdf.write_block(f"{label}: {value}", gap=0.5)
    pdf.ln(4)
    _table(pdf, document)
    for heading, text in document.closing:
        pdf.ln(3)
        pdf.write_block(heading, bold=True)
        pdf.write_block(text)
    return bytes(pdf.output())


def _table(pdf: _Pdf, document: Document) -> None:
    pdf.set_font(pdf.family_name, "", 10)
    with pdf.table(
        col_widths=(100, 20, 35, 35),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        first_row_as_headings=True,
    ) as table:
        table.row(["Item", "Quantity", "Price each", "Amount"])
        for line in document.lines:
            table.row(
                [
                    pdf.text_of(line.description),
                    str(line.quantity),
                    format_pence(line.unit_pence),
                    format_pence(line.total_pence),
                ]
            )
    pdf.ln(2)
    for label, pence in document.totals:
        pdf.set_font(pdf.family_name, "B", 10)
        pdf.cell(155, 6, pdf.text_of(label), align="R")
        pdf.cell(35, 6, format_pence(pence), align="R", new_x="LMARGIN", new_y="NEXT")


def day(value: date) -> str:
    return value.strftime("%-d %B %Y")
