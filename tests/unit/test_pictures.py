"""Previews of design files: drawings are opened and checked as the reader opens them."""

from pathlib import Path

import ezdxf
import pytest
from tests.helpers import plate_dxf

from bespoke.geometry._blocks import MAX_BLOCK_DEPTH
from bespoke.model.errors import DesignFileError
from bespoke.reports.pictures import design_png


def test_drawing_preview_is_a_png(tmp_path: Path) -> None:
    path = plate_dxf(tmp_path / "plate.dxf", 100, 50, [(20, 25, 8)])
    assert design_png(path).startswith(b"\x89PNG")


def test_preview_refuses_blocks_that_insert_each_other(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")
    doc.blocks.new("A").add_blockref("B", (1, 0))
    doc.blocks.new("B").add_blockref("A", (1, 0))
    doc.modelspace().add_blockref("A", (0, 0))
    doc.saveas(tmp_path / "loop.dxf")
    with pytest.raises(
        DesignFileError, match=r"loop\.dxf: block 'A' inserts itself \(A -> B -> A\)"
    ):
        design_png(tmp_path / "loop.dxf")


def test_preview_refuses_blocks_nested_thousands_deep(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")
    doc.blocks.new("B0").add_circle((0, 0), 1)
    for level in range(1, 3000):
        doc.blocks.new(f"B{level}").add_blockref(f"B{level - 1}", (0, 0))
    doc.modelspace().add_blockref("B2999", (0, 0))
    doc.saveas(tmp_path / "deep.dxf")
    with pytest.raises(DesignFileError, match=f"nested more than {MAX_BLOCK_DEPTH} levels deep"):
        design_png(tmp_path / "deep.dxf")
