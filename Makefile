# Two commands: `make run` shows Bespoke at work, `make test` checks everything.
PY := .venv/bin/python
BESPOKE := .venv/bin/bespoke

.PHONY: setup run test lint typecheck pytest bench lock clean

setup:
	@scripts/setup

run: setup
	@scripts/demo

test: setup lint typecheck pytest

lint:
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench

typecheck:
	$(PY) -m mypy src

pytest:
	$(PY) -m pytest -q -n 2 --dist loadfile --durations=15

bench: setup
	$(PY) bench/quote.py
	$(PY) bench/cli_start.py
	$(PY) bench/prices.py
	$(PY) bench/plan.py
	$(PY) bench/api_load.py
	$(PY) bench/scheduling.py
	$(PY) bench/scheduling_scale.py
	$(PY) bench/shop_schedule.py
	$(PY) bench/nesting.py
	$(PY) bench/economy.py
	$(PY) bench/readers.py
	$(PY) bench/heavy_load.py
	$(PY) bench/fuzz_api.py
	$(PY) bench/floor_keep.py
	$(PY) bench/telemetry.py
	$(PY) bench/shdr_replay.py
	$(PY) bench/terminal.py
	$(PY) bench/maintenance.py
	$(PY) bench/demo_start.py
	$(PY) bench/job_queue.py
	$(PY) bench/queue_latency.py

lock:
	uv pip compile pyproject.toml --extra dev --no-header --no-annotate --python-version 3.11 -o requirements.lock

clean:
	rm -rf .venv .venv-tools .mypy_cache .ruff_cache .pytest_cache
