"""Drawing-sheet content: what a dimensioned drawing holds besides the part to cut.

A drawing sheet frames its part with a border and a title block and annotates it with
dimensions, hatches, text, centre lines and hidden edges. Text, dimensions and hatches
are not cut paths anyway; the linework that belongs to the sheet is recognised by where
it is drawn:

- on a layer named for sheet content (border, frame, title, dim, annotation, text,
  hatch, centre/center, axis, hidden, construction, viewport, defpoints ...);
- in a broken linetype (hidden, dashed, centre, phantom, dot ...): cut lines are solid;
- in a block that carries attributes (ATTDEF) or is named like a title block or border.
"""

import re
from dataclasses import dataclass, field

from ezdxf.document import Drawing
from ezdxf.entities.dxfgfx import DXFGraphic
from ezdxf.entities.insert import Insert
from ezdxf.lldxf.const import DXFTableEntryError

SHEET_NAMES = re.compile(
    r"border|frame|rahmen|title|titel|schriftfeld|dim|bemass|annot|note|text|hatch|schraff"
    r"|cent(er|re)|mittel|axis|achse|hidden|verdeckt|construct|konstr|defpoints|vport|viewport",
    re.IGNORECASE,
)
"""Names of layers and blocks that hold drawing-sheet content, not parts."""
BROKEN_LINETYPES = re.compile(
    r"hidden|dash|cent(er|re)|phantom|dot|divide|border|iso\d", re.IGNORECASE
)
"""Names of broken linetypes, when the drawing does not define their pattern."""
_SOLID = frozenset({"", "continuous", "bylayer", "byblock"})


@dataclass
class SheetRules:
    """Which entities of `doc` are drawing-sheet content, and why (`reason`)."""

    doc: Drawing
    _linetypes: dict[str, bool] = field(default_factory=dict)

    def reason(self, entity: DXFGraphic) -> str | None:
        """Why `entity` is sheet content ("layer 'DIM'", "linetype 'HIDDEN'", "title block
        'A3'"), or None when it may be a part."""
        if isinstance(entity, Insert) and self._is_sheet_block(entity):
            return f"title block '{entity.dxf.name}'"
        layer = str(entity.dxf.get("layer", "0"))
        if SHEET_NAMES.search(layer):
            return f"layer '{layer}'"
        linetype = self._linetype(entity, layer)
        if self._is_broken(linetype):
            return f"linetype '{linetype}'"
        return None

    def _is_sheet_block(self, insert: Insert) -> bool:
        block = insert.block()
        name = str(insert.dxf.name)
        return bool(
            SHEET_NAMES.search(name)
            or insert.attribs
            or (block is not None and any(e.dxftype() == "ATTDEF" for e in block))
        )

    def _linetype(self, entity: DXFGraphic, layer: str) -> str:
        linetype = str(entity.dxf.get("linetype", "BYLAYER"))
        if linetype.lower() != "bylayer":
            return linetype
        try:
            return str(self.doc.layers.get(layer).dxf.get("linetype", "Continuous"))
        except DXFTableEntryError:
            return "Continuous"

    def _is_broken(self, linetype: str) -> bool:
        key = linetype.lower()
        if key in _SOLID:
            return False
        if key not in self._linetypes:
            try:
                pattern = self.doc.linetypes.get(linetype).simplified_line_pattern()
                self._linetypes[key] = len(pattern) > 0
            except DXFTableEntryError:
                self._linetypes[key] = bool(BROKEN_LINETYPES.search(linetype))
        return self._linetypes[key]
