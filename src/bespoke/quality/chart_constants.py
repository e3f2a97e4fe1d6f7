"""Factors for constructing variables control charts, by subgroup size n = 2 to 25.

For a subgroup of n normal observations of standard deviation sigma: d2 = E[R]/sigma and
c4 = E[s]/sigma; x-bar limits are x-double-bar ± A2 R-bar (A2 = 3/(d2 sqrt n)) or
± A3 s-bar (A3 = 3/(c4 sqrt n)); R limits are D3 R-bar and D4 R-bar; s limits B3 s-bar and
B4 s-bar. Individuals are charted with moving ranges of two: E2 = 3/d2(2).

Source: the standard table of factors (ASTM Manual on Presentation of Data and Control Chart
Analysis, MNL 7; Montgomery, Introduction to Statistical Quality Control, Appendix VI), as
printed in "Table A.22 Factors for Constructing Control Charts"
(www.scribd.com/document/575462347/factors-for-control-charts, n = 2 to 21) and in the
"Formula Constants" of a control-chart system's manual
(38.142.81.21:8001/manual/vax/v-002/user-s-manual-english/page-207.html: A2, d2, D3, D4, A3
and c4 to 25, B3 and B4 to 16), which agree wherever both print a value. The tests check
every factor against its definition (d2 by integration, c4 by the gamma function, and A2,
A3, B3, B4 from them), which also covers B3 and B4 for 22 to 25.
"""

from typing import NamedTuple


class ChartConstants(NamedTuple):
    a2: float
    a3: float
    c4: float
    b3: float
    b4: float
    d2: float
    d3: float
    d4: float


CONSTANTS: dict[int, ChartConstants] = {
    2: ChartConstants(1.880, 2.659, 0.7979, 0.000, 3.267, 1.128, 0.000, 3.267),
    3: ChartConstants(1.023, 1.954, 0.8862, 0.000, 2.568, 1.693, 0.000, 2.574),
    4: ChartConstants(0.729, 1.628, 0.9213, 0.000, 2.266, 2.059, 0.000, 2.282),
    5: ChartConstants(0.577, 1.427, 0.9400, 0.000, 2.089, 2.326, 0.000, 2.114),
    6: ChartConstants(0.483, 1.287, 0.9515, 0.030, 1.970, 2.534, 0.000, 2.004),
    7: ChartConstants(0.419, 1.182, 0.9594, 0.118, 1.882, 2.704, 0.076, 1.924),
    8: ChartConstants(0.373, 1.099, 0.9650, 0.185, 1.815, 2.847, 0.136, 1.864),
    9: ChartConstants(0.337, 1.032, 0.9693, 0.239, 1.761, 2.970, 0.184, 1.816),
    10: ChartConstants(0.308, 0.975, 0.9727, 0.284, 1.716, 3.078, 0.223, 1.777),
    11: ChartConstants(0.285, 0.927, 0.9754, 0.321, 1.679, 3.173, 0.256, 1.744),
    12: ChartConstants(0.266, 0.886, 0.9776, 0.354, 1.646, 3.258, 0.283, 1.717),
    13: ChartConstants(0.249, 0.850, 0.9794, 0.382, 1.618, 3.336, 0.307, 1.693),
    14: ChartConstants(0.235, 0.817, 0.9810, 0.406, 1.594, 3.407, 0.328, 1.672),
    15: ChartConstants(0.223, 0.789, 0.9823, 0.428, 1.572, 3.472, 0.347, 1.653),
    16: ChartConstants(0.212, 0.763, 0.9835, 0.448, 1.552, 3.532, 0.363, 1.637),
    17: ChartConstants(0.203, 0.739, 0.9845, 0.466, 1.534, 3.588, 0.378, 1.622),
    18: ChartConstants(0.194, 0.718, 0.9854, 0.482, 1.518, 3.640, 0.391, 1.608),
    19: ChartConstants(0.187, 0.698, 0.9862, 0.497, 1.503, 3.689, 0.403, 1.597),
    20: ChartConstants(0.180, 0.680, 0.9869, 0.510, 1.490, 3.735, 0.415, 1.585),
    21: ChartConstants(0.173, 0.663, 0.9876, 0.523, 1.477, 3.778, 0.425, 1.575),
    22: ChartConstants(0.167, 0.647, 0.9882, 0.534, 1.466, 3.819, 0.434, 1.566),
    23: ChartConstants(0.162, 0.633, 0.9887, 0.545, 1.455, 3.858, 0.443, 1.557),
    24: ChartConstants(0.157, 0.619, 0.9892, 0.555, 1.445, 3.895, 0.451, 1.548),
    25: ChartConstants(0.153, 0.606, 0.9896, 0.565, 1.435, 3.931, 0.459, 1.541),
}
"""The factors for each subgroup size."""

E2 = 2.660
"""Individuals chart factor for moving ranges of two: 3/d2(2)."""
SMALLEST_SUBGROUP = min(CONSTANTS)
LARGEST_SUBGROUP = max(CONSTANTS)
