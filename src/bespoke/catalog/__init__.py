"""The process library: bundled materials, processes and machines, and a shop's overrides."""

from bespoke.catalog.loader import load_catalog

__all__ = ["load_catalog"]
