"""Bespoke: from a design file to a process plan, a price by quantity, and production."""

__version__ = "0.1.0"
