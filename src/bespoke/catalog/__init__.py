"""The process library: bundled materials, processes and machines, and a shop's overrides."""

from bespoke.catalog.loader import catalog_with_overrides, load_catalog

__all__ = ["catalog_with_overrides", "load_catalog"]
