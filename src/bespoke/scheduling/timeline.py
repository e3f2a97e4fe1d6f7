"""A machine's booked time: tasks kept in start order, closed periods, and where a new
task fits earliest (into a gap, with the set-up times on both sides)."""

import bisect


class Timeline:
    """Tasks on one machine as parallel sorted lists (they never overlap, so their ends
    are sorted too), and its closed periods merged and sorted."""

    def __init__(self, closed: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for begin, end in sorted(closed):
            if merged and begin <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([begin, end])
        self.closed_begins = [b for b, _ in merged]
        self.closed_ends = [e for _, e in merged]
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.families: list[int] = []
        self.tasks: list[int] = []

    def book(self, task: int, start: int, end: int, family: int) -> None:
        at = bisect.bisect_right(self.starts, start)
        self.starts.insert(at, start)
        self.ends.insert(at, end)
        self.families.insert(at, family)
        self.tasks.insert(at, task)

    def earliest(
        self, ready: int, duration: int, family: int, pausable: bool, setup: list[list[int]]
    ) -> int:
        """The earliest start >= `ready` where the task fits between booked tasks."""
        at = bisect.bisect_right(self.ends, ready)
        while True:
            if at > 0:
                ready = max(ready, self.ends[at - 1] + _gap(setup, self.families[at - 1], family))
            start = self.open_from(ready, duration, pausable)
            if at == len(self.starts):
                return start
            if start + duration + _gap(setup, family, self.families[at]) <= self.starts[at]:
                return start
            at += 1

    def open_from(self, start: int, duration: int, pausable: bool) -> int:
        """`start`, moved past the closed periods the task would meet (only its start
        counts for a pausable task)."""
        i = bisect.bisect_right(self.closed_ends, start)
        length = 1 if pausable else max(duration, 1)
        while i < len(self.closed_begins) and self.closed_begins[i] < start + length:
            start = self.closed_ends[i]
            i += 1
        return start


def _gap(setup: list[list[int]], before: int, after: int) -> int:
    if before < 0 or after < 0:
        return 0
    return setup[before][after]
