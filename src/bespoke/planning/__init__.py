"""Planning: which processes can make a part, why the others cannot, and the operations."""

from bespoke.planning.part import plan_part

__all__ = ["plan_part"]
