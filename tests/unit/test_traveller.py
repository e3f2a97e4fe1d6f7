"""The printable traveller: a real PDF, read back here object by object. Its text is
decoded through the fonts' own Unicode maps, and its QR code image is decoded to pixels
and compared, module by module, with the QR code segno makes for the URL."""

import io
import re
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import segno
from PIL import Image
from pydantic import ValidationError

from bespoke.execution.traveller import (
    DEJAVU,
    FONT_FILES,
    QR_PIXELS_PER_MODULE,
    qr_matrix,
    qr_png,
    traveller_pdf,
)
from bespoke.model.errors import InputError
from bespoke.model.execution import (
    MAX_PICTURE_BYTES,
    MAX_PICTURES,
    Traveller,
    TravellerPicture,
    TravellerStep,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
URL = "https://shop.example/floor/work-orders/123"
HAS_DEJAVU = all((DEJAVU / name).is_file() for name in FONT_FILES.values())
FONTS = [
    pytest.param(DEJAVU, marks=pytest.mark.skipif(not HAS_DEJAVU, reason="no DejaVu fonts")),
    pytest.param(Path("/nonexistent"), id="core-font"),
]


# Reading a PDF back: objects, streams, text through the fonts' maps, images.


class Pdf:
    """The objects of a PDF written by fpdf2: each object's dictionary and its stream,
    inflated when it was deflated."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.objects: dict[int, tuple[bytes, bytes]] = {}
        for found in re.finditer(rb"(\d+) 0 obj\n", data):
            body = data[found.end() :]
            head, has_stream, rest = body.partition(b"stream\n")
            if has_stream and b"endobj" not in head:
                length = int(re.search(rb"/Length (\d+)", head).group(1))  # type: ignore[union-attr]
                stream = rest[:length]
                if b"/FlateDecode" in head and b"/Subtype /Image" not in head:
                    stream = zlib.decompress(stream)
            else:
                head, stream = body[: body.index(b"endobj")], b""
            self.objects[int(found.group(1))] = (head, stream)

    def contents(self) -> list[bytes]:
        """Each page's content stream."""
        return [
            self.objects[int(re.search(rb"/Contents (\d+) 0 R", head).group(1))][1]  # type: ignore[union-attr]
            for head, _ in self.objects.values()
            if b"/Type /Page\n" in head
        ]

    def pages(self) -> list[str]:
        """The text of each page, in the order it is drawn."""
        fonts = self._fonts()
        return [self._text(content, fonts) for content in self.contents()]

    def marks(self) -> list[tuple[float, float, float, float]]:
        """Where each page draws: its rectangles and images as (left, bottom, right, top),
        and its text origins as points, in PDF points."""
        marks = []
        for stream in self.contents():
            for x, y, w, h in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re", stream):
                marks.append((float(x), float(y), float(x) + float(w), float(y) + float(h)))
            for w, h, x, y in re.findall(rb"([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm", stream):
                marks.append((float(x), float(y), float(x) + float(w), float(y) + float(h)))
            for x, y in re.findall(rb"BT ([\d.]+) ([\d.]+) Td", stream):
                marks.append((float(x), float(y), float(x), float(y)))
        return marks

    def _fonts(self) -> dict[bytes, dict[bytes, str] | None]:
        """Each font resource's map from codes to text (None: a core font, Latin-1)."""
        fonts: dict[bytes, dict[bytes, str] | None] = {}
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", self.data):
            head, _ = self.objects[int(number)]
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", head)
            fonts[name] = None
            if to_unicode:
                cmap = self.objects[int(to_unicode.group(1))][1]
                fonts[name] = {
                    bytes.fromhex(code.decode()): bytes.fromhex(text.decode()).decode("utf-16-be")
                    for code, text in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)
                }
        return fonts

    @staticmethod
    def _text(content: bytes, fonts: dict[bytes, dict[bytes, str] | None]) -> str:
        """The text shown by `content`: each text object's strings on a line."""
        lines, font = [], None
        for block in re.findall(rb"BT (.*?) ET\n", content, flags=re.S):
            shown = []
            for name, string in re.findall(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) ?Tj", block):
                if name:
                    font = fonts[name]
                    continue
                raw = re.sub(rb"\\([nrtbf()\\]|\d{1,3})", _unescaped, string)
                if font is None:
                    shown.append(raw.decode("latin-1"))
                else:
                    shown.extend(font.get(raw[i : i + 2], "\ufffd") for i in range(0, len(raw), 2))
            if shown:
                lines.append("".join(shown))
        return "\n".join(lines)

    def images(self) -> list[Image.Image]:
        """The images, in the order they were added, decoded to pixels."""
        images = []
        for head, stream in self.objects.values():
            if b"/Subtype /Image" not in head:
                continue
            width = int(re.search(rb"/Width (\d+)", head).group(1))  # type: ignore[union-attr]
            height = int(re.search(rb"/Height (\d+)", head).group(1))  # type: ignore[union-attr]
            if b"/CCITTFaxDecode" in head:
                images.append(Image.open(io.BytesIO(_group4_tiff(width, height, stream))))
            elif b"/FlateDecode" in head and b"/DeviceRGB" in head:
                raw = _unpredicted(zlib.decompress(stream), width * 3)
                images.append(Image.frombytes("RGB", (width, height), raw))
        return images


def _unescaped(found: re.Match[bytes]) -> bytes:
    escape = found.group(1)
    if escape.isdigit():
        return bytes([int(escape, 8)])
    return {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(escape, escape)


def _group4_tiff(width: int, height: int, data: bytes) -> bytes:
    """A TIFF file around a CCITT group 4 stream, which Pillow decodes."""
    tags = [(256, width), (257, height), (258, 1), (259, 4), (262, 1), (273, 0), (278, height)]
    tags.append((279, len(data)))
    start = 8 + 2 + 12 * len(tags) + 4
    ifd = struct.pack("<H", len(tags))
    for tag, value in tags:
        ifd += struct.pack("<HHII", tag, 4, 1, start if tag == 273 else value)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + data


def _unpredicted(raw: bytes, row_bytes: int) -> bytes:
    """Rows of PNG-predicted (predictor 15) data, each filter undone; fpdf2 writes filter 0."""
    rows = [raw[i + 1 : i + 1 + row_bytes] for i in range(0, len(raw), row_bytes + 1)]
    assert all(raw[i] == 0 for i in range(0, len(raw), row_bytes + 1))
    return b"".join(rows)


# What is printed.


def png(width: int, height: int, colour: str = "white") -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(image, "PNG")
    return image.getvalue()


def step(number: int, **fields: object) -> TravellerStep:
    values: dict[str, object] = {
        "number": number,
        "operation": f"Laser cutting {number}",
        "machine": "fiber-3kw",
        "family": "steel-2mm",
        "quantity": 12,
        "planned_start": T0 + timedelta(hours=number),
        "planned_end": T0 + timedelta(hours=number + 1),
        "instructions": f"Deburr the edges of step {number}.",
    }
    return TravellerStep.model_validate(values | fields)


def traveller(**fields: object) -> Traveller:
    values: dict[str, object] = {
        "title": "Order 12",
        "shop": "Werkstatt Müller",
        "url": URL,
        "made_at": T0,
        "steps": [step(1), step(2)],
    }
    return Traveller.model_validate(values | fields)


@pytest.mark.parametrize("fonts", FONTS)
def test_a_traveller_is_a_pdf_with_its_steps_and_url(fonts: Path) -> None:
    data = traveller_pdf(traveller(), font_dir=fonts)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    [page] = Pdf(data).pages()
    assert URL in page.replace("\n", "")  # wrapped under the QR code
    for text in ("Order 12", "Werkstatt Müller", "Laser cutting 1", "Laser cutting 2"):
        assert text in page
    for text in ("fiber-3kw · set-up steel-2mm", "2026-03-02 09:00\nto 10:00", "to 11:00"):
        assert text in page
    for text in ("Good", "Scrap", "Signed", "Step 2: Deburr the edges of step 2.", "page 1 of 1"):
        assert text in page


def test_the_qr_code_is_segnos_code_of_the_url() -> None:
    assert qr_matrix(URL) == tuple(
        tuple(bool(m) for m in row) for row in segno.make(URL, error="m", micro=False).matrix
    )


@pytest.mark.parametrize("fonts", FONTS)
def test_the_pdf_shows_the_qr_code_of_the_url(fonts: Path) -> None:
    [image] = Pdf(traveller_pdf(traveller(), font_dir=fonts)).images()
    assert (
        image.convert("L").tobytes() == Image.open(io.BytesIO(qr_png(URL))).convert("L").tobytes()
    )
    modules = qr_matrix(URL)
    border, scale = 4, QR_PIXELS_PER_MODULE
    assert image.size == ((len(modules) + 2 * border) * scale,) * 2
    pixels = image.convert("L").load()
    seen = tuple(
        tuple(
            pixels[(border + x) * scale + scale // 2, (border + y) * scale + scale // 2] < 128
            for x in range(len(modules))
        )
        for y in range(len(modules))
    )
    assert seen == modules


def test_pictures_follow_on_pages_of_their_own() -> None:
    pictures = [
        TravellerPicture(caption="Nest sheet 1", png=png(400, 300, "red")),
        TravellerPicture(caption="Drawing", png=png(120, 500, "blue")),
    ]
    pdf = Pdf(traveller_pdf(traveller(pictures=pictures)))
    pages = pdf.pages()
    assert len(pages) == 3
    assert "Nest sheet 1" in pages[1] and "Drawing" in pages[2]
    assert "page 3 of 3" in pages[2]
    _, sheet, drawing = pdf.images()
    assert sheet.size == (400, 300) and sheet.getpixel((0, 0)) == (255, 0, 0)
    assert drawing.size == (120, 500) and drawing.getpixel((0, 0)) == (0, 0, 255)


@pytest.mark.parametrize("fonts", FONTS)
def test_long_and_unicode_text_wraps_within_the_page(fonts: Path) -> None:
    long_url = URL + "?" + "x" * 450
    steps = [
        step(n, operation="Fräsen ≤ 0,1 mm — " + "Ü" * 100, instructions="Prüfen ≤ 2 µm. " * 260)
        for n in range(1, 41)
    ]
    steps.append(step(41, operation="a" * 120, machine="m" * 120, family="f" * 120))
    unicode = traveller(title="Batch B-3 für Müller 漢字 😀 " + "x" * 90, url=long_url, steps=steps)
    pdf = Pdf(traveller_pdf(unicode, font_dir=fonts))
    pages = pdf.pages()
    assert len(pages) > 5
    text = "\n".join(pages)
    assert long_url in text.replace("\n", "")
    if fonts == DEJAVU:
        assert "Fräsen ≤ 0,1 mm —" in text and "Prüfen ≤ 2 µm." in text
    else:
        assert "Fräsen <= 0,1 mm -" in text and "Prüfen <= 2 µm." in text
    assert "…" in text or "..." in text  # the instructions were cut
    assert f"page {len(pages)} of {len(pages)}" in pages[-1]
    a4_width, a4_height, margin = 595.28, 841.89, 15 * 72 / 25.4
    for left, bottom, right, top in pdf.marks():
        assert margin - 0.01 <= left <= right <= a4_width - margin + 0.01
        assert 0 < bottom <= top <= a4_height - margin + 0.01


def test_control_characters_are_printed_harmlessly() -> None:
    odd = traveller(steps=[step(1, operation="Bend\x07 twice", instructions="a\tb\x1bc")])
    assert "Bend" in Pdf(traveller_pdf(odd)).pages()[0]


def test_too_many_pictures_are_refused() -> None:
    picture = TravellerPicture(png=png(10, 10))
    with pytest.raises(InputError, match=f"at most {MAX_PICTURES}") as error:
        traveller(pictures=[picture] * (MAX_PICTURES + 1))
    assert error.value.path == "pictures"


def test_an_oversized_picture_is_refused() -> None:
    noise = Image.frombytes("RGB", (1200, 1200), bytes(range(256)) * (1200 * 1200 * 3 // 256))
    large = io.BytesIO()
    noise.save(large, "PNG", compress_level=0)
    assert len(large.getvalue()) > MAX_PICTURE_BYTES
    with pytest.raises(InputError, match="a picture is a PNG of at most 4,000,000 bytes"):
        TravellerPicture(png=large.getvalue())


def test_a_picture_too_many_pixels_wide_is_refused() -> None:
    with pytest.raises(InputError, match="7000 x 1 pixels; each side is 1 to 6,000 pixels"):
        TravellerPicture(png=png(7000, 1))


def test_a_picture_that_is_not_a_png_is_refused() -> None:
    with pytest.raises(InputError, match="not a PNG file"):
        TravellerPicture(png=b"GIF89a" + b"\x00" * 40)


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "javascript:alert(1)"},
        {"url": "https://shop.example/" + "x" * 500},
        {"title": ""},
        {"title": "x" * 121},
        {"steps": []},
        {"steps": [step(n) for n in range(1, 102)]},
        {"made_at": datetime(2026, 3, 2, 8, 0)},
    ],
)
def test_a_traveller_out_of_bounds_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        traveller(**fields)
