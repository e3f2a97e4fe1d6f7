"""Products: specs with parameters, parametric parts, configuration."""
