"""Outlines of flat parts as shapely polygons and back."""

import shapely

from bespoke.model.batching import Outline


def outline_of(polygon: shapely.Polygon) -> Outline:
    """A polygon as an outline: the boundary counter-clockwise, the holes clockwise, each
    ring without its repeated closing point."""
    polygon = shapely.orient_polygons(polygon)
    return Outline(
        exterior=[(x, y) for x, y in polygon.exterior.coords[:-1]],
        holes=[[(x, y) for x, y in ring.coords[:-1]] for ring in polygon.interiors],
    )


def polygon_of(outline: Outline) -> shapely.Polygon:
    return shapely.Polygon(outline.exterior, outline.holes)
