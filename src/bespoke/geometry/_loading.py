"""Opening a DXF file: recognise it, read it, recover it when damaged, or say why not."""

import codecs
import io
from dataclasses import dataclass
from pathlib import Path

from ezdxf import recover
from ezdxf.document import Drawing
from ezdxf.filemanagement import dxf_stream_info, read, readfile
from ezdxf.lldxf.tagger import ascii_tags_loader, binary_tags_loader
from ezdxf.lldxf.validator import DXFInfo, binary_dxf_info, is_dxf_stream

from bespoke.geometry._blocks import check_blocks
from bespoke.geometry._lenient import read_leniently
from bespoke.model.errors import DesignFileError

_BINARY_DXF = b"AutoCAD Binary DXF\r\n\x1a\x00"
_UTF8_BOM = b"\xef\xbb\xbf"
_UNDECODABLE = "replace"
"""Bytes that are not text in the file's encoding become U+FFFD: names and messages taken
from the file stay valid text (a lone surrogate cannot be written as JSON)."""
_FILE_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive",
    b"AC10": "a DWG drawing (export it as DXF)",
}


@dataclass(frozen=True)
class LoadedDrawing:
    """A DXF document, its header's `$INSUNITS` (0 when absent) and `$MEASUREMENT` (None
    when absent), any damage recovered, and how it was read when ezdxf could not load it."""

    doc: Drawing
    insunits: int
    damage: str | None
    measurement: int | None = None
    lenient: str | None = None
    """How the file was read when ezdxf could not load it (`_lenient`), None otherwise."""


def load_drawing(path: Path) -> LoadedDrawing:
    """Read an ASCII or binary DXF file, recovering what ezdxf can from a damaged one, and
    check its block references before anything expands them (`check_blocks`).

    The header is read from the file itself: a file without one has no `$INSUNITS`,
    although ezdxf gives its document a default.
    """
    loaded = _load(path)
    check_blocks(loaded.doc, path.name)
    return loaded


def _load(path: Path) -> LoadedDrawing:
    raw = _read_bytes(path)
    text = None if raw.startswith(_BINARY_DXF) else _text(raw, "utf-8")
    if text is not None and not is_dxf_stream(text):
        raise DesignFileError(
            f"{path.name} is not a DXF file: it looks like {_looks_like(raw)}; "
            "expected an ASCII or binary DXF drawing"
        )
    info = _header_info(raw, text)
    measurement = _header_measurement(raw, text)
    try:
        if text is None:
            doc = readfile(path, errors=_UNDECODABLE)
        else:
            doc = read(_in_encoding(raw, text, info.encoding))
        return LoadedDrawing(doc, info.insert_units, None, measurement)
    except Exception as error:  # ezdxf raises many kinds of errors on damaged files
        damage = _damage(error, raw)
    try:
        doc, _ = recover.read(io.BytesIO(raw.removeprefix(_UTF8_BOM)), errors=_UNDECODABLE)
    except Exception as error:
        lenient = None if text is None else read_leniently(text, path.name)
        if lenient is None:
            raise DesignFileError(
                f"{path.name} is a damaged DXF file that could not be recovered: {damage}"
            ) from error
        return LoadedDrawing(lenient.doc, info.insert_units, None, measurement, lenient.note)
    return LoadedDrawing(doc, info.insert_units, damage, measurement)


def _header_measurement(raw: bytes, text: io.StringIO | None) -> int | None:
    """The header's `$MEASUREMENT` (0 imperial, 1 metric), None when it has none.

    Read from the file: ezdxf gives a document without a header a metric default.
    """
    try:
        if text is None:
            tags = binary_tags_loader(raw, errors=_UNDECODABLE)
        else:
            text.seek(0)
            tags = ascii_tags_loader(text)
        for tag in tags:
            if tag == (0, "ENDSEC"):  # the header, when there is one, is the first section
                return None
            if tag == (9, "$MEASUREMENT"):
                return int(next(tags).value)
    except Exception:  # a damaged header declares nothing; loading will say what is wrong
        return None
    return None


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        missing = "is a directory, not a file" if path.is_dir() else "does not exist"
        raise DesignFileError(f"design file {path} {missing}; expected a DXF drawing")
    raw = path.read_bytes()
    if not raw.strip():
        raise DesignFileError(f"{path.name} is empty ({len(raw)} bytes); expected a DXF drawing")
    return raw


def _text(raw: bytes, encoding: str) -> io.StringIO:
    """ASCII DXF bytes as a text stream with universal newlines."""
    text = raw.removeprefix(_UTF8_BOM).decode(encoding, errors=_UNDECODABLE)
    return io.StringIO(text, newline=None)


def _header_info(raw: bytes, text: io.StringIO | None) -> DXFInfo:
    """Encoding and units from the HEADER section; defaults where it is unreadable."""
    try:
        if text is None:
            return binary_dxf_info(raw)
        text.seek(0)
        return dxf_stream_info(text)
    except Exception:  # a damaged header declares nothing; loading will say what is wrong
        return DXFInfo()


def _in_encoding(raw: bytes, utf8_text: io.StringIO, encoding: str) -> io.StringIO:
    """The text decoded in `encoding`, reusing the UTF-8 reading when they agree."""
    if codecs.lookup(encoding).name != "utf-8":
        return _text(raw, encoding)
    utf8_text.seek(0)
    return utf8_text


def _looks_like(raw: bytes) -> str:
    for signature, kind in _FILE_SIGNATURES.items():
        if raw.startswith(signature):
            return kind
    if b"\x00" in raw[:1024]:
        return "binary data"
    return "text without DXF group codes (no SECTION)"


def _damage(error: Exception, raw: bytes) -> str:
    lines = str(error).strip().splitlines()
    message = lines[0].removeprefix("DXFStructureError: ").rstrip(".") if lines else ""
    message = message or type(error).__name__
    if not raw.rstrip().endswith(b"EOF"):
        message += "; the file ends before its EOF marker, so it is probably truncated"
    return message
