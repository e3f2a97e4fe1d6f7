"""Quality: inspection plans from tolerances, sampling (ISO 2859-1), measurements, SPC and
process capability, nonconformance."""
