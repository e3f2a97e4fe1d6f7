"""Quality: inspection plans from tolerances, sampling (ISO 2859-1), measurements, SPC and
process capability, nonconformance.

`sampling` (ISO 2859-1 single sampling plans), `tolerances` (ISO 2768-1 general
tolerances), `inspection` (a part's inspection plan, measurements checked against it),
`spc` (control charts) with `chart_constants`, `run_rules` (Western Electric and Nelson) and
`capability` (Cp, Cpk, Pp, Ppk). Pure: no I/O; the types are in `bespoke.model.quality`."""
