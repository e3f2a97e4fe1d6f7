"""A quote as an A4 PDF to file or forward: the shop and the maker, what is quoted, the
price of each quantity with its unit price, lead time and ready-by date, how long the
offer stands, how the first price is made up, and what the shop noted about the design.

Text is set in DejaVu Sans when the system has it; without it, in the PDF core font
Helvetica, with characters outside Latin-1 printed as "?"."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, WrapMode

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
"""Where Debian and Ubuntu keep the DejaVu fonts (package fonts-dejavu-core)."""
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MARGIN_MM = 18.0
MAX_NOTES = 40
"""Notes printed; more are summed up in one line."""
MAX_NOTE = 400
"""Characters of one note printed."""


@dataclass(frozen=True)
class PriceLine:
    """The price of one quantity."""

    quantity: int
    way: str
    unit_price: Decimal
    total_price: Decimal
    lead_time_days: int
    ready_by: datetime | None = None


@dataclass(frozen=True)
class QuoteSheet:
    """What the quote's PDF prints, in words and numbers people read (names, not codes)."""

    number: int
    title: str
    shop: str
    maker: str
    made_at: datetime
    valid_until: datetime
    currency: str
    facts: list[tuple[str, str]]
    """What is quoted: (label, value) pairs such as ("Material", "Mild steel S235, 2 mm")."""
    prices: list[PriceLine]
    breakdown: list[tuple[str, Decimal]] = field(default_factory=list)
    """How the first quantity's price is made up: (label, amount), the total last."""
    notes: list[str] = field(default_factory=list)
    """What cannot make it and why, and doubts about the design."""


def quote_pdf(sheet: QuoteSheet, *, font_dir: Path = DEJAVU) -> bytes:
    """The quote as an A4 portrait PDF document."""
    page = _Page(sheet, font_dir)
    page.add_page()
    page.head()
    page.facts()
    page.prices()
    page.breakdown()
    page.notes()
    return bytes(page.output())


def money(amount: Decimal, currency: str = "") -> str:
    """ "USD 1,234.50": the amount with separators, after its currency."""
    text = f"{amount:,.2f}"
    return f"{currency} {text}" if currency else text


class _Page(FPDF):
    def __init__(self, sheet: QuoteSheet, font_dir: Path) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.sheet = sheet
        self.face = "helvetica"
        if all((font_dir / name).is_file() for name in FONT_FILES.values()):
            for style, name in FONT_FILES.items():
                self.add_font("dejavu", style, font_dir / name)
            self.face = "dejavu"
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=MARGIN_MM + 4)
        self.set_title(self.printable(f"Quote {sheet.number}: {sheet.title}"))
        self.set_author(self.printable(sheet.shop))
        self.set_creator("Bespoke")

    def printable(self, text: str) -> str:
        """`text` as the font can print it: one line, and in the core font Latin-1."""
        text = " ".join(text.split())
        if self.face == "helvetica":
            return text.encode("latin-1", "replace").decode("latin-1")
        return text

    def write_line(self, text: str, *, size: float = 10, style: str = "") -> None:
        """`text` wrapped across the page, below what is printed."""
        self.set_font(self.face, style, size)
        self.multi_cell(
            0, size * 0.5, self.printable(text), wrapmode=WrapMode.WORD, new_x="LMARGIN"
        )

    def heading(self, text: str) -> None:
        self.ln(5)
        self.write_line(text, size=13, style="B")
        self.ln(1)

    def head(self) -> None:
        sheet = self.sheet
        self.write_line(sheet.shop, size=11, style="B")
        self.ln(3)
        self.write_line(f"Quote {sheet.number}: {sheet.title}", size=18, style="B")
        self.ln(2)
        self.write_line(f"For {sheet.maker}. Quoted {_day(sheet.made_at)}.", size=10)
        self.write_line(f"Valid until {_day(sheet.valid_until)}.", size=10, style="B")

    def facts(self) -> None:
        self.heading("What is quoted")
        self._table(
            [(label, value) for label, value in self.sheet.facts],
            widths=(40, 134),
            align=("LEFT", "LEFT"),
            headings=None,
        )

    def prices(self) -> None:
        sheet = self.sheet
        self.heading("Price by quantity")
        if not sheet.prices:
            self.write_line("No process of the shop can make this; see the notes below.")
            return
        rows = [
            (
                f"{p.quantity:,}",
                p.way,
                money(p.unit_price, sheet.currency),
                money(p.total_price, sheet.currency),
                f"{p.lead_time_days} day{'' if p.lead_time_days == 1 else 's'}",
                _day(p.ready_by) if p.ready_by else "",
            )
            for p in sheet.prices
        ]
        self._table(
            rows,
            widths=(20, 48, 30, 32, 22, 22),
            align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
            headings=("Quantity", "Made by", "Unit price", "Total", "Lead time", "Ready by"),
        )
        self.write_line("Prices exclude tax and shipping.", size=8)

    def breakdown(self) -> None:
        sheet = self.sheet
        if not sheet.breakdown or not sheet.prices:
            return
        first = sheet.prices[0].quantity
        self.heading(f"How the price of {first:,} is made")
        self._table(
            [(label, money(amount, sheet.currency)) for label, amount in sheet.breakdown],
            widths=(80, 40),
            align=("LEFT", "RIGHT"),
            headings=None,
        )

    def notes(self) -> None:
        notes = self.sheet.notes
        if not notes:
            return
        self.heading("Notes on the design")
        for note in notes[:MAX_NOTES]:
            self.write_line(f"- {_cut(note, MAX_NOTE)}", size=9)
        if len(notes) > MAX_NOTES:
            self.write_line(
                f"... and {len(notes) - MAX_NOTES} more (see the quote's page).", size=9
            )

    def _table(
        self,
        rows: Sequence[tuple[str, ...]],
        *,
        widths: tuple[float, ...],
        align: tuple[str, ...],
        headings: tuple[str, ...] | None,
    ) -> None:
        self.set_font(self.face, "", 9)
        with self.table(
            col_widths=widths,
            width=sum(widths),
            align="LEFT",
            text_align=align,
            line_height=5,
            padding=1.2,
            wrapmode=WrapMode.WORD,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            first_row_as_headings=headings is not None,
            headings_style=FontFace(emphasis="BOLD"),
        ) as table:
            if headings is not None:
                table.row([self.printable(h) for h in headings])
            for row in rows:
                table.row([self.printable(cell) for cell in row])

    def footer(self) -> None:
        self.set_y(-MARGIN_MM)
        self.set_font(self.face, "", 8)
        text = f"Quote {self.sheet.number} · {self.sheet.shop} · page {self.page_no()} of {{nb}}"
        self.cell(0, 5, self.printable(text), align="C")


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
