"""Each service package names its use cases in `__all__`, and each resolves (they are
imported when first used)."""

import importlib

import pytest

PACKAGES = ["accounts", "maintenance", "ordering", "quality", "quoting", "shop", "shopfloor"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_use_case_resolves(name: str) -> None:
    package = importlib.import_module(f"bespoke.services.{name}")
    assert package.__all__ and sorted(package.__all__) == sorted(package.EXPORTS)
    for public in package.__all__:
        assert callable(getattr(package, public)), public
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        package.nothing_here  # noqa: B018
