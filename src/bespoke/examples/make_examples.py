"""Write the bundled example designs (DXF drawings and STL meshes) into this folder.

Run with the project's Python: `.venv/bin/python examples/make_examples.py`. The files
are committed; this script documents exactly how they were drawn and lets them be redrawn.
"""

import math
from pathlib import Path

import shapely
import trimesh
from ezdxf import units
from ezdxf.document import Drawing
from ezdxf.filemanagement import new
from ezdxf.layouts.layout import Modelspace

HERE = Path(__file__).resolve().parent


def _new() -> tuple[Drawing, Modelspace]:
    doc = new("R2010", setup=True)
    doc.units = units.MM
    return doc, doc.modelspace()


def wall_bracket() -> None:
    """Flat blank of a steel shelf bracket: an L with a rounded outside corner and M6 holes."""
    doc, msp = _new()
    r = 10.0
    b = math.tan(math.radians(90) / 4)  # bulge of a quarter circle
    outline = [
        (0, 0, 0),
        (150 - r, 0, b),
        (150, r, 0),
        (150, 40, 0),
        (40, 40, 0),
        (40, 130 - r, b),
        (40 - r, 130, 0),
        (0, 130, 0),
    ]
    msp.add_lwpolyline(outline, format="xyb", close=True, dxfattribs={"layer": "CUT"})
    for x, y in [(70, 20), (125, 20), (20, 65), (20, 110)]:
        msp.add_circle((x, y), 3.25, dxfattribs={"layer": "CUT"})
    msp.add_text("BRACKET-150 S235 2mm", dxfattribs={"height": 3, "layer": "NOTES"}).set_placement(
        (45, 45)
    )
    doc.saveas(HERE / "wall-bracket.dxf")


def sign_plate() -> None:
    """An acrylic house sign: rounded plate, two hanging holes and an oval window."""
    doc, msp = _new()
    w, h, r = 300.0, 120.0, 12.0
    b = math.tan(math.radians(90) / 4)
    msp.add_lwpolyline(
        [
            (r, 0, 0),
            (w - r, 0, b),
            (w, r, 0),
            (w, h - r, b),
            (w - r, h, 0),
            (r, h, b),
            (0, h - r, 0),
            (0, r, b),
        ],
        format="xyb",
        close=True,
    )
    msp.add_circle((20, h - 20), 2.5)
    msp.add_circle((w - 20, h - 20), 2.5)
    msp.add_ellipse((w / 2, h / 2 - 5), major_axis=(90, 0), ratio=0.4)
    doc.saveas(HERE / "sign-plate.dxf")


def sprocket() -> None:
    """A 24-tooth plate sprocket drawn as ARC and LINE pieces, with a keyed bore."""
    doc, msp = _new()
    teeth, root_r, tip_r, roller_r = 24, 46.0, 52.0, 4.0
    step = 2 * math.pi / teeth
    for i in range(teeth):
        a0 = i * step
        # a roller seat (arc) between two tooth flanks (lines) meeting at the tip
        seat_c = (root_r * math.cos(a0), root_r * math.sin(a0))
        start_deg = math.degrees(a0) + 90
        msp.add_arc(seat_c, roller_r, start_deg, start_deg + 180)
        left = (
            seat_c[0] + roller_r * math.cos(a0 + math.pi / 2),
            seat_c[1] + roller_r * math.sin(a0 + math.pi / 2),
        )
        right_next_c = (root_r * math.cos(a0 + step), root_r * math.sin(a0 + step))
        a1 = a0 + step
        right = (
            right_next_c[0] + roller_r * math.cos(a1 - math.pi / 2),
            right_next_c[1] + roller_r * math.sin(a1 - math.pi / 2),
        )
        tip = (tip_r * math.cos(a0 + step / 2), tip_r * math.sin(a0 + step / 2))
        msp.add_line(left, tip)
        msp.add_line(tip, right)
    # bore 20 mm with a 6 mm keyway
    half = 3.0
    y_key = math.sqrt(10.0**2 - half**2)
    ang = math.degrees(math.atan2(half, y_key))
    msp.add_arc((0, 0), 10.0, 90 + ang, 90 - ang + 360)
    msp.add_line((-half, y_key), (-half, 12.8))
    msp.add_line((-half, 12.8), (half, 12.8))
    msp.add_line((half, 12.8), (half, y_key))
    for i in range(4):
        a = math.radians(45 + 90 * i)
        msp.add_circle((28 * math.cos(a), 28 * math.sin(a)), 3.25)
    doc.saveas(HERE / "sprocket.dxf")


def motor_mount() -> None:
    """An aluminium NEMA 17 motor plate: the hole pattern is a block inserted twice."""
    doc, msp = _new()
    pattern = doc.blocks.new("NEMA17_HOLES")
    pattern.add_circle((0, 0), 11.5)  # pilot boss clearance
    for x, y in [(15.5, 15.5), (-15.5, 15.5), (15.5, -15.5), (-15.5, -15.5)]:
        pattern.add_circle((x, y), 1.7)
    slot = doc.blocks.new("SLOT_6x20")
    slot.add_lwpolyline([(-7, -3, 1), (7, -3, 0), (7, 3, 1), (-7, 3, 0)], format="xyb", close=True)
    pair = doc.blocks.new("MOUNT_SLOTS")
    pair.add_blockref("SLOT_6x20", (0, 0))
    pair.add_blockref("SLOT_6x20", (0, 60))
    msp.add_lwpolyline([(0, 0), (180, 0), (180, 90), (0, 90)], close=True)
    msp.add_blockref("NEMA17_HOLES", (50, 45))
    msp.add_blockref("NEMA17_HOLES", (130, 45), dxfattribs={"rotation": 45})
    msp.add_blockref("MOUNT_SLOTS", (90, 15))
    doc.saveas(HERE / "motor-mount.dxf")


def cable_clip() -> None:
    """A snap-on cable clip for 8 mm cable: a C profile extruded 12 mm."""
    ring = (
        shapely.Point(0, 0)
        .buffer(6.0, quad_segs=32)
        .difference(shapely.Point(0, 0).buffer(4.0, quad_segs=32))
    )
    mouth = shapely.box(-2.8, 0, 2.8, 7)
    foot = shapely.box(-12, -7.5, 12, -5.0)
    profile = ring.difference(mouth).union(foot)
    mesh = trimesh.creation.extrude_polygon(profile, 12.0)
    mesh.export(HERE / "cable-clip.stl")


def enclosure() -> None:
    """An open electronics box, 120 x 80 x 40 mm with 2 mm walls and four screw bosses."""
    outer = trimesh.creation.box((120, 80, 40))
    inner = trimesh.creation.box((116, 76, 40))
    inner.apply_translation((0, 0, 2))
    shell = outer.difference(inner)
    for x, y in [(-52, -32), (52, -32), (-52, 32), (52, 32)]:
        boss = trimesh.creation.cylinder(radius=4, height=38, sections=48)
        boss.apply_translation((x, y, 0))
        hole = trimesh.creation.cylinder(radius=1.25, height=40, sections=24)
        hole.apply_translation((x, y, 2))
        shell = shell.union(boss).difference(hole)
    shell.export(HERE / "enclosure.stl")


if __name__ == "__main__":
    for make in (wall_bracket, sign_plate, sprocket, motor_mount, cable_clip, enclosure):
        make()
        print(f"wrote {make.__name__}")
