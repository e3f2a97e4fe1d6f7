"""Block references, checked before anything expands them.

A few kilobytes of DXF can stand for millions of entities: a block inserted as a grid
(MINSERT) of blocks that insert other blocks. Before a drawing is measured or drawn,
its block tree is walked once, each block definition once, to count what expanding it
would produce, and the drawing is refused when that is more than a real drawing holds.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from ezdxf.document import Drawing
from ezdxf.entities.dxfgfx import DXFGraphic
from ezdxf.entities.insert import Insert

from bespoke.model.errors import DesignFileError

MAX_EXPANDED_ENTITIES = 20_000
"""Most entities a drawing's modelspace may hold once its block references are expanded.

Every entity counts, cut or not, once per copy of each block it is in (a MINSERT grid
places rows x columns copies; a copy of an empty block counts one): drawing a preview
expands them all. Drawings of parts
hold tens to a few thousand entities; a dense perforated panel some ten thousand.
"""
MAX_BLOCK_DEPTH = 32
"""Most levels of blocks inside blocks. Real drawings nest a few levels at most."""


@dataclass(frozen=True)
class _Block:
    """What one block expands to: entities in all, and how deep blocks nest inside it."""

    size: int
    depth: int


def check_blocks(doc: Drawing, name: str) -> None:
    """Refuse a drawing whose block references expand past the bounds or into themselves.

    Raises DesignFileError naming `name` (the file) when a block inserts itself (directly
    or through other blocks), blocks nest deeper than `MAX_BLOCK_DEPTH`, or the expanded
    modelspace would hold more than `MAX_EXPANDED_ENTITIES` entities.
    """
    walk = _BlockWalk(name)
    total = walk.count(doc.modelspace(), ()).size
    if total > MAX_EXPANDED_ENTITIES:
        raise DesignFileError(
            f"{name} holds {total:,} entities once its block references are expanded "
            f"(a MINSERT grid counts rows x columns copies); at most {MAX_EXPANDED_ENTITIES:,} "
            "are accepted"
        )


class _BlockWalk:
    """Counts entities through block references, each block definition counted once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.blocks: dict[str, _Block] = {}

    def count(self, entities: Iterable[DXFGraphic], trail: tuple[str, ...]) -> _Block:
        """What `entities` expand to, inside the blocks named in `trail` (outermost first)."""
        size, depth = 0, 0
        for entity in entities:
            if isinstance(entity, Insert):
                inner = self._block(entity, trail)
                size += _placements(entity) * max(1, inner.size)
                depth = max(depth, 1 + inner.depth)
            else:
                size += 1
        return _Block(size, depth)

    def _block(self, insert: Insert, trail: tuple[str, ...]) -> _Block:
        block = insert.block()
        if block is None:
            return _Block(0, 0)
        key = block.name
        if key in trail:
            cycle = " -> ".join((*trail[trail.index(key) :], key))
            raise DesignFileError(
                f"{self.name}: block '{key}' inserts itself ({cycle}); "
                "accepted: blocks that do not contain themselves, directly or through others"
            )
        if key not in self.blocks:
            if len(trail) >= MAX_BLOCK_DEPTH:
                raise self._too_deep(trail, key)
            self.blocks[key] = self.count(block, (*trail, key))
        found = self.blocks[key]
        if len(trail) + 1 + found.depth > MAX_BLOCK_DEPTH:
            raise self._too_deep(trail, key)
        return found

    def _too_deep(self, trail: tuple[str, ...], key: str) -> DesignFileError:
        shown = " -> ".join((*trail[:3], "...", key) if len(trail) > 3 else (*trail, key))
        return DesignFileError(
            f"{self.name}: blocks are nested more than {MAX_BLOCK_DEPTH} levels deep "
            f"({shown}); at most {MAX_BLOCK_DEPTH} levels of blocks inside blocks are accepted"
        )


def _placements(insert: Insert) -> int:
    """How many copies a block reference places: rows x columns for a MINSERT grid."""
    rows, columns = insert.dxf.get("row_count", 1), insert.dxf.get("column_count", 1)
    return max(1, int(rows)) * max(1, int(columns))
