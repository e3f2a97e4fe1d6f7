"""Pictures for reports as PNG bytes: part previews, the routing DAG, the scale curve."""

import io
from pathlib import Path

import networkx as nx
import trimesh
from ezdxf.addons.drawing.config import BackgroundPolicy, ColorPolicy, Configuration
from ezdxf.addons.drawing.frontend import Frontend
from ezdxf.addons.drawing.matplotlib import MatplotlibBackend
from ezdxf.addons.drawing.properties import RenderContext
from matplotlib.figure import Figure
from mpl_toolkits.mplot3d.art3d import Poly3DCollection

from bespoke.geometry.dxf import open_drawing
from bespoke.geometry.readers import design_kind
from bespoke.model import Routing

DPI = 96


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def design_png(path: Path) -> bytes:
    """A preview of a design file: the drawing in black on white, or the mesh shaded."""
    return _drawing_png(path) if design_kind(path.name) == "dxf" else _mesh_png(path)


def _drawing_png(path: Path) -> bytes:
    doc = open_drawing(path)
    figure = Figure(figsize=(3.2, 2.4))
    axes = figure.add_axes((0.02, 0.02, 0.96, 0.96))
    config = Configuration(background_policy=BackgroundPolicy.WHITE, color_policy=ColorPolicy.BLACK)
    Frontend(RenderContext(doc), MatplotlibBackend(axes), config=config).draw_layout(
        doc.modelspace()
    )
    axes.set_aspect("equal")
    axes.axis("off")
    return _png(figure)


def _mesh_png(path: Path) -> bytes:
    mesh = trimesh.load(path, force="mesh")
    assert isinstance(mesh, trimesh.Trimesh)
    figure = Figure(figsize=(3.2, 2.4))
    axes = figure.add_subplot(projection="3d")
    faces = mesh.vertices[mesh.faces]
    shade = 0.35 + 0.6 * abs(mesh.face_normals @ [0.3, -0.5, 0.8])
    axes.add_collection3d(
        Poly3DCollection(faces, facecolors=[(0.3 * s, 0.5 * s, 0.8 * s) for s in shade])
    )
    low, high = mesh.bounds
    span = float(max(high - low))
    centre = (low + high) / 2
    for setter, c in zip((axes.set_xlim, axes.set_ylim, axes.set_zlim), centre, strict=True):
        setter(c - span / 2, c + span / 2)
    axes.set_axis_off()
    return _png(figure)


def routing_png(routing: Routing) -> bytes:
    """The routing as a left-to-right DAG: each column a step that may start once the
    columns before it are done."""
    graph = nx.DiGraph()
    graph.add_nodes_from(op.id for op in routing.operations)
    graph.add_edges_from(routing.edges)
    order = {op.id: i for i, op in enumerate(routing.operations)}
    positions = {}
    generations = [sorted(g, key=order.__getitem__) for g in nx.topological_generations(graph)]
    for column, nodes in enumerate(generations):
        for row, node in enumerate(nodes):
            positions[node] = (float(column), (len(nodes) - 1) / 2 - row)
    columns = len(generations)
    rows = max(len(nodes) for nodes in generations)
    figure = Figure(figsize=(max(6.0, 1.9 * columns), max(2.5, 0.55 * rows)))
    axes = figure.add_axes((0, 0, 1, 1))
    nx.draw_networkx_edges(graph, positions, ax=axes, arrows=True, edge_color="#888")
    nx.draw_networkx_labels(
        graph,
        positions,
        ax=axes,
        font_size=7,
        bbox={"boxstyle": "round", "facecolor": "#eef3fb", "edgecolor": "#5577aa"},
    )
    axes.axis("off")
    axes.margins(0.08)
    return _png(figure)
