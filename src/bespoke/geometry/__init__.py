"""Design files in, measurements out: `dxf.read_dxf` (ezdxf) and `stl.read_stl` (trimesh).

Import from the module you need, so reading a drawing does not load the mesh library.
"""
