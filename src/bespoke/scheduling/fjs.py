"""The standard flexible job shop text format (Brandimarte / Hurink `.fjs` files).

First line: jobs, machines, (average machines per operation: ignored). Then one job per
line: its operation count, then per operation `k` followed by `k` pairs of machine
(1-based) and duration. Tokens are read across any whitespace; an error names the line
and the token.
"""

from pathlib import Path

from bespoke.model.errors import InputError
from bespoke.model.scheduling import Alternative, Job, Problem, Station, Task


class FjsError(InputError):
    """A malformed `.fjs` file: the file, the line and the token."""


def read_fjs(path: Path) -> Problem:
    """The instance in `path`: jobs 0.. in file order, tasks `j.k`, machines "1".."m"."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise FjsError(f"{path}: cannot be read ({error.strerror})") from None
    return parse_fjs(text, path.name)


def parse_fjs(text: str, source: str) -> Problem:
    tokens = _Tokens(text, source)
    job_count = tokens.integer("the number of jobs", minimum=1)
    machine_count = tokens.integer("the number of machines", minimum=1)
    tokens.skip_rest_of_header()
    jobs = []
    for j in range(job_count):
        operations = tokens.integer(f"job {j}'s number of operations", minimum=1)
        tasks = []
        for k in range(operations):
            choices = tokens.integer(f"job {j} operation {k}'s number of machines", minimum=1)
            alternatives = []
            for _ in range(choices):
                machine = tokens.integer(
                    f"a machine of job {j} operation {k}", minimum=1, maximum=machine_count
                )
                duration = tokens.integer(f"a duration of job {j} operation {k}", minimum=0)
                alternatives.append(Alternative(machine=str(machine), duration=duration))
            tasks.append(Task(id=f"{j}.{k}", alternatives=alternatives))
        jobs.append(Job(id=str(j), tasks=tasks))
    tokens.expect_end()
    machines = [Station(id=str(m)) for m in range(1, machine_count + 1)]
    return Problem(jobs=jobs, machines=machines)


class _Tokens:
    """Whitespace-separated tokens with the line each is on."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.items = [
            (number, token)
            for number, line in enumerate(text.splitlines(), start=1)
            for token in line.split()
        ]
        self.header_line = self.items[0][0] if self.items else 1
        self.position = 0

    def integer(self, what: str, minimum: int, maximum: int | None = None) -> int:
        if self.position >= len(self.items):
            raise FjsError(f"{self.source}: the file ends where {what} should be")
        line, token = self.items[self.position]
        self.position += 1
        try:
            value = int(token)
        except ValueError:
            raise FjsError(
                f"{self.source}: line {line}: token {token!r} should be {what} (a whole number)"
            ) from None
        if value < minimum or (maximum is not None and value > maximum):
            allowed = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
            raise FjsError(
                f"{self.source}: line {line}: token {token!r} should be {what} ({allowed})"
            )
        return value

    def skip_rest_of_header(self) -> None:
        """The header's optional third field (average flexibility) is not used."""
        while self.position < len(self.items) and self.items[self.position][0] == self.header_line:
            self.position += 1

    def expect_end(self) -> None:
        if self.position < len(self.items):
            line, token = self.items[self.position]
            raise FjsError(f"{self.source}: line {line}: token {token!r} after the last job")
