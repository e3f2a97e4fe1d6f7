"""Reliability of machines from their failures: MTBF, MTTR and availability over a period.

Over the period [start, end): a failure counts when it opens in the period; downtime is
the time machines spend failed within the period (a repair not ended yet runs to its
end); operating time is the period less the downtime. MTBF = operating time / failures;
MTTR = the mean time from failure to the end of repair of the failures repaired;
availability = MTBF / (MTBF + MTTR). Records of one machine may not overlap."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise

from bespoke.model.errors import InputError
from bespoke.model.maintenance import FailureRecord, Reliability

MAX_RECORDS = 100_000
"""Failure records weighed in one call."""


def reliability(
    records: Iterable[FailureRecord],
    start: datetime,
    end: datetime,
    machines: Iterable[str] = (),
) -> dict[str, Reliability]:
    """Each machine's reliability over [start, end): those with records, and `machines`
    (none failed: full operating time, no MTBF or MTTR)."""
    if end <= start:
        raise InputError(f"period: ends ({end}) before it starts ({start})", path="end")
    by_machine: dict[str, list[FailureRecord]] = defaultdict(list)
    for number, record in enumerate(records):
        if number >= MAX_RECORDS:
            raise InputError(f"failure records: more than {MAX_RECORDS:,} in one call")
        by_machine[record.machine].append(record)
    for machine in machines:
        by_machine.setdefault(machine, [])
    return {m: _machine(m, rs, start, end) for m, rs in sorted(by_machine.items())}


def _machine(
    machine: str, records: list[FailureRecord], start: datetime, end: datetime
) -> Reliability:
    records = sorted(records, key=lambda r: r.failed_at)
    for before, after in pairwise(records):
        if before.repaired_at is None or before.repaired_at > after.failed_at:
            raise InputError(
                f"{machine}: the failure at {after.failed_at} opens before the repair of the"
                f" one at {before.failed_at} ended; a machine's failures do not overlap",
                path="records",
            )
    period_s = (end - start).total_seconds()
    downtime_s = sum(
        max(0.0, (min(r.repaired_at or end, end) - max(r.failed_at, start)).total_seconds())
        for r in records
    )
    counted = [r for r in records if start <= r.failed_at < end]
    repairs = [(r.repaired_at - r.failed_at).total_seconds() for r in counted if r.repaired_at]
    operating_s = period_s - downtime_s
    mtbf = operating_s / len(counted) if counted else None
    mttr = sum(repairs) / len(repairs) if repairs else None
    availability = None
    if mtbf is not None and mttr is not None and mtbf + mttr > 0:
        availability = mtbf / (mtbf + mttr)
    return Reliability(
        machine=machine,
        period_s=period_s,
        failures=len(counted),
        repairs=len(repairs),
        downtime_s=downtime_s,
        operating_s=operating_s,
        mtbf_s=mtbf,
        mttr_s=mttr,
        availability=availability,
    )
