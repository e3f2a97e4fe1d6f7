"""Pictures and documents made from model types: charts for the CLI and reports."""
