"""Each package imports only what ARCHITECTURE.md says it may: dependencies point inward,
and no domain package reaches the store, the services or the web."""

import ast
from pathlib import Path

from tests.helpers import ROOT

SOURCE = ROOT / "src" / "bespoke"
MAY_IMPORT = {
    "model": set(),
    "catalog": {"model"},
    "geometry": {"model"},
    "products": {"model", "geometry", "planning"},
    "planning": {"model"},
    "costing": {"model", "catalog", "geometry", "planning"},
    "production": {"model", "geometry", "planning", "costing", "scheduling"},
    "batching": {"model", "geometry", "planning", "costing", "production"},
    "scheduling": {"model"},
    "reports": {"model", "geometry"},
    "execution": {"model"},
    "monitoring": {"model"},
    "adapters": {"model"},
    "maintenance": {"model"},
    "quality": {"model"},
    "store": {"model"},
}
DOMAIN = set(MAY_IMPORT) - {"store"}


def imported_packages(package: Path) -> set[str]:
    """The packages of ours that modules of `package` import."""
    found = set()
    for module in package.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found |= {n.split(".")[1] for n in names if n.startswith("bespoke.") and "." in n}
    return found - {package.name}


def test_each_package_imports_only_what_it_may() -> None:
    for name, allowed in MAY_IMPORT.items():
        extra = imported_packages(SOURCE / name) - allowed
        assert not extra, f"{name} imports {sorted(extra)}, beyond {sorted(allowed)}"


def test_services_are_below_the_entry_points() -> None:
    assert "api" not in imported_packages(SOURCE / "services")
    assert "cli" not in imported_packages(SOURCE / "services")
    for name in DOMAIN:
        assert not {"services", "api", "store"} & imported_packages(SOURCE / name), name
