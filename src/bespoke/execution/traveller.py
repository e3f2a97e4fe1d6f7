"""The printable traveller: an A4 PDF that goes with an order's or a batch's parts.

Page one carries the title, the shop, a QR code that opens the work's terminal page and
that URL in print, then a table of the steps, each with boxes for the operator to write
good and scrap parts and to sign. Pictures (drawings, nest sheets) follow, one a page.

Text is set in DejaVu Sans when the system has it (all of Unicode that the font draws);
without it, in the PDF core font Helvetica, with characters outside Latin-1 printed as
"?". Long texts wrap, and are cut where a row could outgrow a page.
"""

import io
import re
from datetime import datetime
from pathlib import Path

import segno
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, VAlign, WrapMode

from bespoke.model.execution import Traveller, TravellerPicture, TravellerStep

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
"""Where Debian and Ubuntu keep the DejaVu fonts (package fonts-dejavu-core)."""
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
"""The font file for each style the traveller uses."""

QR_SIZE_MM = 50.0
"""Printed side of the QR code, quiet zone included: at 15 % error correction a URL of
500 characters still has modules of 0.5 mm, which a phone reads at arm's length."""
QR_PIXELS_PER_MODULE = 8
MARGIN_MM = 15.0
WRITE_IN_MM = 16.0
"""Height of a step's row: room to write numbers and sign by hand."""
PRINTED_INSTRUCTIONS = 1_500
"""Characters of a step's instructions printed: a longer text is cut, so that a step
always fits on one page."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LATIN_1_LOOKALIKES = str.maketrans(
    {
        "\u2026": "...",  # ellipsis
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2264": "<=",
        "\u2265": ">=",
        "\u2018": "'",  # curly quotes
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)


def qr_code(url: str) -> segno.QRCode:
    """The QR code a traveller prints for `url`: error correction M or better, never a
    micro code (few phone cameras read those)."""
    return segno.make(url, error="m", micro=False)


def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code for `url`, row by row, without the quiet zone: True is a
    dark module."""
    return tuple(tuple(bool(module) for module in row) for row in qr_code(url).matrix)


def qr_png(url: str) -> bytes:
    """The QR code for `url` as the PNG a traveller embeds: 8 pixels a module, with the
    standard quiet zone of 4 modules."""
    png = io.BytesIO()
    qr_code(url).save(png, kind="png", scale=QR_PIXELS_PER_MODULE, border=4)
    return png.getvalue()


def traveller_pdf(traveller: Traveller, *, font_dir: Path = DEJAVU) -> bytes:
    """The traveller as an A4 portrait PDF document. `font_dir` is where DejaVu Sans is
    looked for; without it the core font Helvetica is used."""
    sheet = _Sheet(traveller, font_dir)
    sheet.add_page()
    sheet.head()
    sheet.steps()
    for picture in traveller.pictures:
        sheet.picture(picture)
    return bytes(sheet.output())


class _Sheet(FPDF):
    """The traveller being set: its fonts, and its title and page number at each foot."""

    def __init__(self, traveller: Traveller, font_dir: Path) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.traveller = traveller
        self.face = "helvetica"
        if all((font_dir / name).is_file() for name in FONT_FILES.values()):
            for style, name in FONT_FILES.items():
                self.add_font("dejavu", style, font_dir / name)
            self.face = "dejavu"
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=MARGIN_MM + 5)
        self.set_title(self.printable(traveller.title))
        self.set_creator("Bespoke")

    def printable(self, text: str) -> str:
        """`text` as the font can print it: no control characters but line breaks, and in
        the core font, a look-alike or "?" for each character outside Latin-1."""
        text = _CONTROL.sub(" ", text.replace("\r", ""))
        if self.face == "helvetica":
            latin_1 = text.translate(_LATIN_1_LOOKALIKES)
            return latin_1.encode("latin-1", "replace").decode("latin-1")
        return text

    def write_text(self, text: str, *, size: float, style: str = "", width: float = 0) -> None:
        """`text` wrapped in a block `width` wide (0: to the right margin), below the last."""
        self.set_font(self.face, style, size)
        self.multi_cell(
            width,
            size * 0.45,
            self.printable(text),
            align="L",
            wrapmode=WrapMode.WORD,
            new_x="LEFT",
        )

    def head(self) -> None:
        """Title, shop and date on the left; the QR code and its URL on the right."""
        traveller = self.traveller
        qr_x = self.w - MARGIN_MM - QR_SIZE_MM
        self.image(io.BytesIO(qr_png(traveller.url)), x=qr_x, y=MARGIN_MM, w=QR_SIZE_MM)
        self.set_xy(qr_x, MARGIN_MM + QR_SIZE_MM + 1)
        self.write_text(traveller.url, size=7, width=QR_SIZE_MM)
        below_qr = self.get_y()

        text_width = qr_x - MARGIN_MM - 5
        self.set_xy(MARGIN_MM, MARGIN_MM)
        self.write_text(traveller.title, size=20, style="B", width=text_width)
        self.ln(2)
        if traveller.shop:
            self.write_text(traveller.shop, size=12, width=text_width)
        count = len(traveller.steps)
        self.write_text(
            f"{count} step{'s' * (count != 1)}. Printed {_when(traveller.made_at)}.",
            size=9,
            width=text_width,
        )
        self.ln(3)
        self.write_text(
            "Scan the code to open this work on the terminal. Write good and scrap"
            " parts for each step and sign it when done.",
            size=9,
            width=text_width,
        )
        self.set_y(max(self.get_y(), below_qr) + 6)

    def steps(self) -> None:
        """The table of steps: each a row with boxes to write in, its instructions below
        (named with the step's number, in case a page break parts them)."""
        self.set_font(self.face, "", 9)
        headings = ("#", "Operation", "Qty", "Planned", "Good", "Scrap", "Signed")
        small = FontFace(size_pt=8)
        with self.table(
            col_widths=(8, 60, 14, 36, 20, 20, 22),
            text_align=("CENTER", "LEFT", "RIGHT", "LEFT", "CENTER", "CENTER", "CENTER"),
            v_align=VAlign.T,
            line_height=4.5,
            padding=1.5,
            wrapmode=WrapMode.WORD,
            borders_layout=TableBordersLayout.ALL,
            headings_style=FontFace(emphasis="BOLD", fill_color=230),
        ) as table:
            table.row(headings)
            for step in self.traveller.steps:
                table.row(self._step_cells(step), min_height=WRITE_IN_MM)
                if step.instructions.strip():
                    row = table.row()
                    row.cell(
                        self.printable(
                            f"Step {step.number}: "
                            + _cut(step.instructions.strip(), PRINTED_INSTRUCTIONS)
                        ),
                        colspan=len(headings),
                        style=small,
                        align="LEFT",
                    )

    def _step_cells(self, step: TravellerStep) -> tuple[str, ...]:
        where = " · ".join(
            label for label in (step.machine, step.family and f"set-up {step.family}") if label
        )
        planned = "\n".join(_planned(step.planned_start, step.planned_end))
        operation = f"{step.operation}\n{where}" if where else step.operation
        return tuple(
            self.printable(text)
            for text in (str(step.number), operation, str(step.quantity), planned, "", "", "")
        )

    def picture(self, picture: TravellerPicture) -> None:
        """`picture` on a page of its own, as large as the page allows."""
        self.add_page()
        if picture.caption:
            self.write_text(picture.caption, size=12, style="B")
            self.ln(2)
        top = self.get_y()
        width = self.w - 2 * MARGIN_MM
        height = self.h - top - MARGIN_MM - 8
        self.image(
            io.BytesIO(picture.png), x=MARGIN_MM, y=top, w=width, h=height, keep_aspect_ratio=True
        )

    def footer(self) -> None:
        self.set_y(-MARGIN_MM)
        self.set_font(self.face, "", 8)
        title = _cut(self.traveller.title, 60)
        self.cell(0, 5, self.printable(f"{title} · page {self.page_no()} of {{nb}}"), align="C")


def _planned(start: datetime | None, end: datetime | None) -> list[str]:
    """When a step is planned: its start, then its end (the time alone on the same day)."""
    lines = [] if start is None else [_when(start)]
    if end is not None:
        same_day = start is not None and start.date() == end.date()
        lines.append(f"to {end:%H:%M}" if same_day else f"to {_when(end)}")
    return lines


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _cut(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marked with an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
