"""Machine state from observations, the state timeline, and KPIs to ISO 22400-2."""
