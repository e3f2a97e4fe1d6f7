"""Read STL meshes (binary or ASCII) and measure them as solids.

STL carries no units: millimetres are assumed unless the caller names the file's units,
and a part too small to be real in millimetres is flagged with its likelier reading.

A volume is stated only for a closed mesh. Closed shells are counted by the even-odd
rule: a shell inside an odd number of other shells is a cavity, whatever its normals
say, so inverted or inconsistently wound shells cannot yield negative or garbage
volumes (such shells are re-oriented, and the result is reported as repaired). An open
mesh is measured after filling its holes when that closes it; otherwise its volume is
`None` and the estimate caps every hole of each shell (`_open_mesh`); a mesh none of whose
shells is closed or nearly closed (a surface, a soup of loose facets) is refused.
"""

import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import numpy as np
import shapely
import trimesh
from numpy.typing import NDArray
from scipy.spatial import ConvexHull, QhullError
from trimesh.exchange.stl import load_stl_ascii, load_stl_binary
from trimesh.grouping import hashable_rows

from bespoke.geometry._open_mesh import Openness, capped_volume, openness
from bespoke.geometry._plausible import MESH, Size, flagged, suggest_units
from bespoke.geometry._units import UNITS_TO_MM, accepted_units, unit_name
from bespoke.geometry.outlines import outline_of
from bespoke.model.batching import Outline
from bespoke.model.errors import DesignFileError, InputError
from bespoke.model.geometry import Solid3D, UnitReading

MAX_COORDINATE_MM = 1e12
"""Largest coordinate of a usable facet, a thousand kilometres: farther is a damaged value,
and volumes of such numbers would overflow."""

MAX_FACETS = 1_000_000
"""Most facets a mesh may have (a 50 MB binary STL). Printed and moulded parts have up to
a few hundred thousand; the count is checked before any facet is read."""

MAX_NESTED_BODIES = 1_000
"""Most bodies among which cavities are sought (a body inside another is a cavity). A mesh
of more bodies is measured by the bound `_hull_estimate` gives."""
MAX_NESTED_PAIRS = 10_000
"""Most pairs of bodies, one inside the other's bounding box, tested for nesting; more, and
the mesh is measured by the bound `_hull_estimate` gives. Real meshes have a few (a cavity,
a part inside a frame)."""

_HEADER_BYTES = 84
_FACET_BYTES = 50
_ACCEPTED_FILES = (
    "accepted: binary STL (84-byte header, then 50 bytes per facet) "
    "or ASCII STL ('solid', facets, 'endsolid')"
)
_ACCEPTED_SOLIDS = "accepted: a mesh of facets that encloses a volume"
_ACCEPTED_SIZE = f"accepted: up to {MAX_FACETS:,} facets"
_KNOWN_FORMATS = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (3MF files are ZIP archives)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"ISO-10303-21", "a STEP file"),
    (b"AC10", "a DWG drawing"),
    (b"AutoCAD Binary DXF", "a binary DXF drawing"),
)
_PROBE_POINTS = 32
_MOST_OPEN_EDGES_TO_FILL = 1000
"""Filling holes is tried up to this many open edges. It closes triangular and square
holes only, so a mesh with more open edges is a surface or a facet soup, not a solid
with a few holes, and trying would only cost time."""
_NEGLIGIBLE_VOLUME = 1e-9
"""Volumes below this fraction of the largest extent cubed are rounding noise."""
_MAX_SHELLS_TO_SPLIT = 256
_TOO_MANY_TO_NEST = (
    f"its bodies are too many to tell cavities from solids (more than {MAX_NESTED_BODIES:,}"
    f" bodies, or {MAX_NESTED_PAIRS:,} pairs of bodies one inside the other's bounds)"
)

_Triangles = NDArray[np.float64]
"""Facets as an (n, 3, 3) array: n triangles of three xyz vertices."""


@dataclass(frozen=True)
class _Volume:
    """A mesh's volume, or why it has none and what stands in for it."""

    exact_mm3: float | None
    estimate_mm3: float
    method: str
    repaired: bool = False
    warnings: tuple[str, ...] = ()


def read_stl(path: Path, units: str | None = None) -> Solid3D:
    """Measure the STL file at `path`: facets, volume, area, bounds and bodies, in mm.

    `units` names the file's units (mm, cm, m, inch or in, ft); without it mm are
    assumed. `watertight` and `winding_consistent` describe the file as written;
    `repaired` says whether the volume was measured on a re-oriented or hole-filled copy.

    Raises InputError for unknown units and DesignFileError for a file that is missing,
    is not a readable STL, or encloses no volume.
    """
    reading = _unit_reading(units)
    triangles = _read_triangles(_read_bytes(path), path.name)
    triangles = triangles * reading.factor_to_mm
    finite = _finite_facets(triangles, path.name)
    mesh = _build_mesh(triangles[finite])
    degenerate = _count_degenerate(mesh, path.name)
    warnings = []
    if not finite.all():
        warnings.append(
            f"{np.count_nonzero(~finite)} facets ignored: their coordinates are not numbers "
            f"or lie beyond {MAX_COORDINATE_MM:g} mm"
        )
    if degenerate:
        warnings.append(f"{degenerate} of {len(mesh.faces)} facets have zero area")
    labels = _body_labels(mesh)
    bodies = int(labels.max()) + 1
    if not mesh.is_watertight:
        _require_solid(openness(mesh, labels), mesh, path.name)
    volume = _closed_volume(mesh, labels) if mesh.is_watertight else _open_volume(mesh, labels)
    _require_volume(volume, mesh, path.name)
    reading = _flag_unlikely_units(reading, float(mesh.extents.max()))
    if reading.suspicious and reading.reason is not None:
        warnings.append(reading.reason)
    return Solid3D(
        units=reading,
        facets=len(triangles),
        volume_mm3=volume.exact_mm3,
        volume_estimate_mm3=volume.estimate_mm3,
        volume_method=volume.method,
        surface_area_mm2=float(mesh.area),
        bbox_min_mm=_xyz(mesh.bounds[0]),
        bbox_mm=_xyz(mesh.extents),
        watertight=bool(mesh.is_watertight),
        winding_consistent=bool(mesh.is_winding_consistent),
        bodies=bodies,
        repaired=volume.repaired,
        warnings=[*volume.warnings, *warnings],
    )


def read_stl_footprint(path: Path, units: str | None = None) -> tuple[Outline, float]:
    """The outline a mesh covers on the build plate and its height, lying as planning lays
    it: turned (axes taken in turn) so that its smallest extent is its height.

    The footprint is the union of the facets seen from above, simplified by 0.1 mm;
    separate bodies are joined by their convex hull so the part lies as one piece.
    Raises as `read_stl`.
    """
    reading = _unit_reading(units)
    triangles = _read_triangles(_read_bytes(path), path.name)
    triangles = triangles * reading.factor_to_mm
    triangles = triangles[_finite_facets(triangles, path.name)]
    extents = triangles.reshape(-1, 3).max(axis=0) - triangles.reshape(-1, 3).min(axis=0)
    lowest = int(np.argmin(extents))
    triangles = np.roll(triangles, 2 - lowest, axis=2)  # a turn: (x, y, z) -> (y, z, x) ...
    flat = triangles[:, :, :2]
    a, b, c = flat[:, 0], flat[:, 1], flat[:, 2]
    doubled = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    seen = flat[np.abs(doubled) > _NEGLIGIBLE_FOOTPRINT_MM2]
    if len(seen) == 0:
        raise _design_error(path.name, "its facets cover no area seen from above")
    covered = shapely.union_all(shapely.polygons(seen)).simplify(0.1)
    if not isinstance(covered, shapely.Polygon):
        covered = covered.convex_hull
    height = float(triangles[:, :, 2].max() - triangles[:, :, 2].min())
    return outline_of(shapely.Polygon(covered.exterior)), height


_NEGLIGIBLE_FOOTPRINT_MM2 = 1e-9


def _unit_reading(units: str | None) -> UnitReading:
    if units is None:
        return UnitReading(
            declared=None,
            used="mm",
            factor_to_mm=1.0,
            source="assumed",
            basis="STL carries no units: mm assumed",
        )
    name = unit_name(units)
    if name is None:
        accepted = accepted_units("{unit} (or {alias})")
        raise InputError(f"unknown STL units {units!r}; accepted: {accepted}")
    return UnitReading(
        declared=None,
        used=name,
        factor_to_mm=UNITS_TO_MM[name],
        source="option",
        basis=f"units given as {name}",
    )


def _flag_unlikely_units(reading: UnitReading, extent_mm: float) -> UnitReading:
    """Flag an assumed-mm part implausible in size, naming the plausible units."""
    if reading.source != "assumed":
        return reading
    size = Size(extent_mm / reading.factor_to_mm)
    suggestion = suggest_units(size, reading.used, reading.factor_to_mm, MESH)
    if suggestion is None:
        return reading
    reason = f"units: {suggestion.reason} (read the file with units '{suggestion.units}' if so)"
    return flagged(reading, replace(suggestion, reason=reason))


def _design_error(name: str, problem: str, accepted: str = _ACCEPTED_FILES) -> DesignFileError:
    return DesignFileError(f"{name}: {problem}; {accepted}")


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _design_error(str(path), "no such file") from None
    except OSError as error:
        raise _design_error(str(path), f"cannot be read ({error.strerror})") from None
    if not data:
        raise _design_error(path.name, "the file is empty")
    return data


def _read_triangles(data: bytes, name: str) -> _Triangles:
    """Decode the facets, deciding the encoding by the bytes: binary if its size adds up.

    The facets are counted first (declared in a binary header, `vertex` lines in ASCII),
    and a mesh of more than `MAX_FACETS` is refused before it is read.
    """
    if _is_binary(data):
        _check_facets(_declared_facets(data), name)
        triangles = _binary_triangles(data)
    elif _is_ascii(data):
        triangles = _ascii_triangles(data, name)
    else:
        raise _not_an_stl(data, name)
    if len(triangles) == 0:
        raise _design_error(name, "the STL holds no facets")
    return triangles


def _check_facets(count: int, name: str) -> None:
    if count > MAX_FACETS:
        raise _design_error(
            name, f"{count:,} facets, more than the {MAX_FACETS:,} a mesh may have", _ACCEPTED_SIZE
        )


def _declared_facets(data: bytes) -> int:
    return int.from_bytes(data[80:_HEADER_BYTES], "little")


def _is_binary(data: bytes) -> bool:
    size = len(data)
    return size >= _HEADER_BYTES and size == _HEADER_BYTES + _FACET_BYTES * _declared_facets(data)


def _is_ascii(data: bytes) -> bool:
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5].lower()
    return start == b"solid" and _looks_textual(data)


def _looks_textual(data: bytes) -> bool:
    """No NUL byte where a binary STL always has some (the facet count, the first facets)."""
    return b"\0" not in data[:1024]


def _binary_triangles(data: bytes) -> _Triangles:
    loaded = load_stl_binary(io.BytesIO(data))
    if "vertices" not in loaded:
        return np.empty((0, 3, 3))
    return np.asarray(loaded["vertices"], dtype=np.float64).reshape(-1, 3, 3)


def _ascii_triangles(data: bytes, name: str) -> _Triangles:
    """Facets of every `solid ... endsolid` block, checked against the facets declared.

    The text is decoded here, bytes that are not UTF-8 replaced: they can only be in names,
    and trimesh would otherwise guess the encoding of the whole file.
    """
    lower = data.lower()
    _check_facets(lower.count(b"vertex") // 3, name)
    if b"endsolid" not in lower:
        raise _design_error(name, "ASCII STL without 'endsolid': the file is truncated")
    try:
        loaded = load_stl_ascii(io.StringIO(data.decode("utf-8", errors="replace")))
    except ValueError:
        raise _design_error(
            name, "malformed ASCII STL: a facet lacks three 'vertex' lines of three numbers"
        ) from None
    solids = loaded["geometry"].values() if "geometry" in loaded else [loaded]
    vertices = [np.asarray(solid["vertices"], dtype=np.float64) for solid in solids]
    triangles = np.concatenate(vertices).reshape(-1, 3, 3) if vertices else np.empty((0, 3, 3))
    declared = lower.count(b"endfacet")
    if len(triangles) != declared:
        raise _design_error(
            name, f"malformed ASCII STL: {declared} facets written but {len(triangles)} readable"
        )
    return triangles


def _not_an_stl(data: bytes, name: str) -> DesignFileError:
    """The most specific account of why `data` is neither binary nor ASCII STL."""
    head = data.lstrip()
    for signature, kind in _KNOWN_FORMATS:
        if head.startswith(signature):
            return _design_error(name, f"not an STL file: it is {kind}")
    if _looks_textual(data):
        kind = "a DXF drawing" if head[:1] == b"0" and b"SECTION" in head[:64] else "a text file"
        return _design_error(name, f"not an STL file: {kind} that does not begin with 'solid'")
    if len(data) < _HEADER_BYTES:
        return _design_error(
            name, f"not an STL file: {len(data)} bytes, shorter than a binary STL header"
        )
    declared = _declared_facets(data)
    expected = _HEADER_BYTES + _FACET_BYTES * declared
    problem = "truncated" if expected > len(data) else "followed by unexpected bytes"
    return _design_error(
        name,
        f"binary STL {problem} or not an STL: its header declares {declared:,} facets "
        f"({expected:,} bytes) but the file holds {len(data):,} bytes",
    )


def _finite_facets(triangles: _Triangles, name: str) -> NDArray[np.bool_]:
    """Which facets have numeric coordinates within `MAX_COORDINATE_MM`; an error when none has."""
    with np.errstate(invalid="ignore"):
        within = np.abs(triangles) <= MAX_COORDINATE_MM
    finite = np.asarray(within.all(axis=(1, 2)), dtype=np.bool_)
    if not finite.any():
        raise _design_error(
            name,
            "no facet has numeric coordinates (all NaN, infinite or beyond "
            f"{MAX_COORDINATE_MM:g} mm)",
        )
    return finite


def _build_mesh(triangles: _Triangles) -> trimesh.Trimesh:
    """One mesh of all facets, coincident vertices merged."""
    faces = np.arange(triangles.shape[0] * 3).reshape(-1, 3)
    return trimesh.Trimesh(vertices=triangles.reshape(-1, 3), faces=faces, process=True)


def _count_degenerate(mesh: trimesh.Trimesh, name: str) -> int:
    """Facets without area; an error when no facet has any."""
    degenerate = int(np.count_nonzero(~mesh.nondegenerate_faces()))
    if degenerate == len(mesh.faces):
        raise _design_error(
            name, f"all {degenerate} facets are degenerate (zero area)", _ACCEPTED_SOLIDS
        )
    return degenerate


def _body_labels(mesh: trimesh.Trimesh) -> NDArray[np.int64]:
    """The body (edge-connected set of facets) each facet belongs to."""
    labels: NDArray[np.int64] = trimesh.graph.connected_component_labels(  # type: ignore[no-untyped-call]
        mesh.face_adjacency, node_count=len(mesh.faces)
    )
    return labels


def _split_bodies(mesh: trimesh.Trimesh, labels: NDArray[np.int64]) -> list[trimesh.Trimesh]:
    order = np.argsort(labels, kind="stable")
    groups = np.split(order, np.cumsum(np.bincount(labels))[:-1])
    return cast(list[trimesh.Trimesh], mesh.submesh(groups, append=False))


def _facet_volumes(mesh: trimesh.Trimesh) -> NDArray[np.float64]:
    """Signed volume of the tetrahedron each facet spans with the origin.

    Summed over a closed shell they give its enclosed volume (negative when the facets
    face inwards); summed per body they give every body's volume without splitting.
    """
    volumes: NDArray[np.float64] = (
        np.einsum("ij,ij->i", mesh.triangles[:, 0], mesh.triangles_cross) / 6.0
    )
    return volumes


def _closed_volume(mesh: trimesh.Trimesh, labels: NDArray[np.int64]) -> _Volume:
    """Volume of a watertight mesh, every shell counted by the even-odd rule."""
    trusted = np.ones(int(labels.max()) + 1, dtype=np.bool_)
    if not mesh.is_winding_consistent:
        mesh, trusted = _rewound(mesh, labels)
        if not mesh.is_winding_consistent:
            return _hull_estimate(mesh, labels, "its facets cannot be oriented consistently")
    depths = _nesting_depths(mesh, labels)
    if depths is None:
        return _hull_estimate(mesh, labels, _TOO_MANY_TO_NEST)
    signed = np.bincount(labels, weights=_facet_volumes(mesh))
    material = depths % 2 == 0
    volume = float(np.where(material, np.abs(signed), -np.abs(signed)).sum())
    inverted = trusted & np.where(material, signed < 0.0, signed > 0.0)
    notes = _orientation_notes(
        len(signed), int(np.count_nonzero(~trusted)), int(np.count_nonzero(inverted))
    )
    if not notes:
        return _Volume(volume, volume, "exact")
    return _Volume(volume, volume, "repaired", repaired=True, warnings=notes)


def _rewound(
    mesh: trimesh.Trimesh, labels: NDArray[np.int64]
) -> tuple[trimesh.Trimesh, NDArray[np.bool_]]:
    """A copy wound consistently body by body, and which bodies already were."""
    rewound = mesh.copy()
    trimesh.repair.fix_winding(rewound)  # type: ignore[no-untyped-call]
    flipped = (rewound.faces != mesh.faces).any(axis=1)
    untouched = np.bincount(labels, weights=flipped.astype(np.float64)) == 0
    return rewound, untouched


def _nesting_depths(mesh: trimesh.Trimesh, labels: NDArray[np.int64]) -> NDArray[np.int64] | None:
    """How many other bodies enclose each body (judged on a sample of its vertices), or
    None when more bodies might nest than are tested (`MAX_NESTED_BODIES`, `MAX_NESTED_PAIRS`).

    Only a body whose bounding box lies strictly inside another's is tested, and those
    pairs are found with an r-tree, so bodies side by side cost next to nothing; each
    outer body is asked once about the vertices of all the bodies inside its box.
    """
    count = int(labels.max()) + 1
    depths = np.zeros(count, dtype=np.int64)
    if count == 1:
        return depths
    if count > MAX_NESTED_BODIES:
        return None
    low = np.full((count, 3), np.inf)
    high = np.full((count, 3), -np.inf)
    np.minimum.at(low, labels, mesh.triangles.min(axis=1))
    np.maximum.at(high, labels, mesh.triangles.max(axis=1))
    tree = trimesh.util.bounds_tree(np.stack([low, high], axis=1))
    found, per_body = tree.intersection_v(low, high)
    outers = found.astype(np.int64)
    inners = np.repeat(np.arange(count), per_body.astype(np.int64))
    within = (low[inners] > low[outers]).all(axis=1) & (high[inners] < high[outers]).all(axis=1)
    inners, outers = inners[within], outers[within]
    if len(inners) > MAX_NESTED_PAIRS:
        return None
    faces = _faces_by_body(labels)
    for outer in np.unique(outers):
        shell = cast(trimesh.Trimesh, mesh.submesh([faces[outer]], append=True))
        inside = inners[outers == outer]
        probes = [_probes(mesh, faces[inner]) for inner in inside]
        outside = ~shell.contains(np.concatenate(probes))
        owner = np.repeat(np.arange(len(inside)), [len(p) for p in probes])
        depths[inside[np.bincount(owner, weights=outside, minlength=len(inside)) == 0]] += 1
    return depths


def _faces_by_body(labels: NDArray[np.int64]) -> list[NDArray[np.int64]]:
    order = np.argsort(labels, kind="stable")
    return np.split(order, np.cumsum(np.bincount(labels))[:-1])


def _probes(mesh: trimesh.Trimesh, faces: NDArray[np.int64]) -> NDArray[np.float64]:
    """Up to about `_PROBE_POINTS` of the vertices of `faces`."""
    vertices = mesh.vertices[np.unique(mesh.faces[faces])]
    probes: NDArray[np.float64] = vertices[:: max(1, len(vertices) // _PROBE_POINTS)]
    return probes


def _orientation_notes(bodies: int, rewound: int, inverted: int) -> tuple[str, ...]:
    notes = []
    if rewound:
        notes.append(
            f"facet winding was inconsistent in {rewound} of {bodies} bodies: "
            "volume measured after re-orienting their facets"
        )
    if inverted:
        notes.append(
            f"{inverted} of {bodies} bodies face inside out for their nesting: volume counts "
            "every shell by the even-odd rule (a shell inside another is a cavity)"
        )
    return tuple(notes)


def _open_volume(mesh: trimesh.Trimesh, labels: NDArray[np.int64]) -> _Volume:
    """Volume after filling small holes, else an estimate with every hole capped."""
    openings, open_edges = _describe_openings(mesh, labels)
    patched = mesh.copy()
    if open_edges <= _MOST_OPEN_EDGES_TO_FILL and trimesh.repair.fill_holes(patched):
        closed = _closed_volume(patched, _body_labels(patched))
        if closed.exact_mm3 is not None and _encloses_volume(closed.exact_mm3, mesh):
            note = f"the mesh is open ({openings}): volume measured after filling its holes"
            return _Volume(
                closed.exact_mm3,
                closed.estimate_mm3,
                "repaired",
                repaired=True,
                warnings=(note, *closed.warnings),
            )
    return _capped_estimate(mesh, labels, openings)


def _capped_estimate(mesh: trimesh.Trimesh, labels: NDArray[np.int64], openings: str) -> _Volume:
    """The volume of an open mesh with every hole of each shell capped (`_open_mesh`)."""
    wound = mesh.copy()
    trimesh.repair.fix_winding(wound)  # type: ignore[no-untyped-call]
    if not wound.is_winding_consistent:
        why = f"the mesh is open ({openings}) and its facets cannot be oriented consistently"
        return _hull_estimate(mesh, labels, why)
    estimate = capped_volume(wound, labels)
    note = (
        f"the mesh is open ({openings}): its volume is undefined; the estimate {estimate:.6g} "
        "mm³ closes each hole of every shell with a fan of facets from the hole's centre "
        "(exact where a flat face is missing)"
    )
    return _Volume(None, estimate, "capped", warnings=(note,))


def _describe_openings(mesh: trimesh.Trimesh, labels: NDArray[np.int64]) -> tuple[str, int]:
    """Open and over-shared edges and how many shells have them; the number of open edges."""
    _, group, uses = np.unique(
        hashable_rows(mesh.edges_sorted), return_inverse=True, return_counts=True
    )
    edge_uses = uses[group]
    broken_shells = np.unique(labels[mesh.edges_face[edge_uses != 2]])
    open_edges = int(np.count_nonzero(uses == 1))
    described = f"{open_edges} open edges"
    if (uses > 2).any():
        described += f" and {np.count_nonzero(uses > 2)} edges shared by more than two facets"
    described += f" on {len(broken_shells)} of {labels.max() + 1} shells"
    return described, open_edges


def _hull_estimate(mesh: trimesh.Trimesh, labels: NDArray[np.int64], why: str) -> _Volume:
    """An upper bound on the volume of a mesh that has none, with a warning saying so.

    The bound is the convex hull of every vertex or, when some shells are closed, their
    volume plus the convex hull of the other shells, whichever is smaller.
    """
    estimate = _hull_volume(mesh.vertices)
    method = "the convex hull of the whole mesh"
    shells = int(labels.max()) + 1
    if 1 < shells <= _MAX_SHELLS_TO_SPLIT:
        bodies = _split_bodies(mesh, labels)
        closed = [body for body in bodies if _is_closed(body)]
        others = [body.vertices for body in bodies if not _is_closed(body)]
        bound = sum(abs(float(_facet_volumes(body).sum())) for body in closed)
        bound += _hull_volume(np.concatenate(others)) if others else 0.0
        if closed and bound < estimate:
            estimate = bound
            method = (
                f"the volume of its {len(closed)} closed shells plus the convex hull "
                f"of the other {shells - len(closed)}"
            )
    note = (
        f"{why}: its volume is undefined; the estimate {estimate:.6g} mm³ is {method}, "
        "an upper bound"
    )
    return _Volume(None, estimate, "convex hull", warnings=(note,))


def _require_solid(shells: Openness, mesh: trimesh.Trimesh, name: str) -> None:
    """Refuse a mesh none of whose shells is closed or nearly closed: a surface or a soup."""
    if shells.solid_shells:
        return
    count, loose = len(shells.edges), shells.loose_facets
    pieces = f"{count} separate pieces, none of them" if count > 1 else "one piece, not"
    if loose:
        pieces = f"{count} separate pieces ({loose} single facets sharing no edge), none of them"
    size = " x ".join(f"{extent:.4g}" for extent in mesh.extents)
    problem = (
        f"no solid: its facets form {pieces} closed or nearly closed "
        f"({int(shells.open_edges.sum()):,} of {int(shells.edges.sum()):,} edges are open, "
        f"used by one facet only), so the mesh encloses no volume (bounding box {size} mm)"
    )
    raise _design_error(name, problem, _ACCEPTED_SOLIDS)


def _require_volume(volume: _Volume, mesh: trimesh.Trimesh, name: str) -> None:
    if not _encloses_volume(volume.estimate_mm3, mesh):
        size = " x ".join(f"{extent:.4g}" for extent in mesh.extents)
        problem = f"the mesh encloses no volume (bounding box {size} mm)"
        raise _design_error(name, problem, _ACCEPTED_SOLIDS)


def _encloses_volume(volume_mm3: float, mesh: trimesh.Trimesh) -> bool:
    return volume_mm3 > _NEGLIGIBLE_VOLUME * float(mesh.extents.max()) ** 3


def _is_closed(shell: trimesh.Trimesh) -> bool:
    return bool(shell.is_watertight and shell.is_winding_consistent)


def _hull_volume(points: NDArray[np.float64]) -> float:
    """Convex hull volume, 0 for points that span no volume."""
    try:
        return float(ConvexHull(points).volume)
    except (QhullError, ValueError):
        return 0.0


def _xyz(values: NDArray[np.float64]) -> tuple[float, float, float]:
    return (float(values[0]), float(values[1]), float(values[2]))
