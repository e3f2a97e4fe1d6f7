"""Maintenance: plans by calendar, use, condition and prediction; maintenance work orders
and requests; failure history (MTBF, MTTR); tasks handed to the schedule."""
