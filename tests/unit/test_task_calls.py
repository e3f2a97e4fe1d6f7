"""A task's call as data: every call the code hands to workers can travel to a queue
worker and back, and nothing else is run."""

import ast
import json
from pathlib import Path

import pytest

from bespoke.model.accounts import Account, Role
from bespoke.model.errors import BespokeError, InputError
from bespoke.services.environment import Environment, Settings
from bespoke.services.quoting.previews import drawing
from bespoke.services.quoting.quotes import PlanRequest, plan_task
from bespoke.services.task_calls import (
    CALLS,
    QUEUED_TASKS,
    TaskCall,
    decode,
    decode_call,
    encode,
    encode_call,
    result_adapter,
)
from bespoke.services.workers import DRAW, PLAN
from bespoke.store import BlobStore

SOURCE = Path(__file__).resolve().parents[2] / "src" / "bespoke"
OWNER = Account(id=3, email="m@example.com", name="M", role=Role.MAKER, shop_id=1)


def handed_to_workers() -> set[str]:
    """`module:function` of every function the code passes to `workers.run` or
    `TaskRunner.submit`."""
    found = set()
    for path in [*(SOURCE / "services").rglob("*.py"), *(SOURCE / "api").rglob("*.py")]:
        if path.name == "queued_calls.py":  # makes the calls it is handed
            continue
        module = "bespoke." + ".".join(path.relative_to(SOURCE).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.asname or alias.name: f"{node.module}:{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr == "run" and ast.unparse(node.func.value).endswith("workers"):
                target = node.args[1]
            elif node.func.attr == "submit" and ast.unparse(node.func.value) == "runner":
                target = node.args[3]
            else:
                continue
            if isinstance(target, ast.Name):
                found.add(imported.get(target.id, f"{module}:{target.id}"))
            else:  # an attribute: module.function
                found.add(ast.unparse(target))
    return found


def test_every_call_handed_to_workers_can_go_to_a_queue_worker() -> None:
    handed = handed_to_workers()
    assert len(handed) >= 8
    assert "scheduling.schedule_task" in handed  # the REST route's, as module.function
    handed = handed - {"scheduling.schedule_task"} | {
        "bespoke.services.shop.scheduling:schedule_task"
    }
    assert handed <= CALLS | set(QUEUED_TASKS)


def test_a_background_call_travels_as_json_and_back() -> None:
    request = PlanRequest(settings={"brackets": "2"}, quantities=[1, 5])
    call = encode(PLAN, plan_task, (OWNER, 7, request))
    again = TaskCall.from_json(call.task, call.as_json())
    task, args = decode(again)
    assert task is plan_task and args == [OWNER, 7, request] and again.budget == PLAN


def test_bytes_and_the_environment_of_a_waited_call(tmp_path: Path) -> None:
    content = bytes(range(256))
    call = encode_call(DRAW, drawing, ("dxf", content))
    assert isinstance(call.arguments[1], str)  # base64 text
    env = Environment(Settings(data_dir=tmp_path), uow=None, blobs=BlobStore(tmp_path))  # type: ignore[arg-type]
    work, args = decode_call(TaskCall.from_json(call.task, call.as_json()), env)
    assert work is drawing and args == ["dxf", content]
    assert (
        result_adapter(drawing).validate_python(
            result_adapter(drawing).dump_python(content, mode="json")
        )
        == content
    )


def test_only_known_tasks_are_run() -> None:
    with pytest.raises(InputError, match="not one a worker runs"):
        decode(TaskCall("os:system", PLAN, ["echo hi"]))
    with pytest.raises(InputError, match="not one a worker runs"):
        decode_call(TaskCall("builtins:eval", DRAW, ["1"]), None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a call"):
        encode_call(DRAW, print, ())


def test_arguments_not_as_the_task_takes_them_are_refused() -> None:
    call = TaskCall("bespoke.services.quoting.quotes:plan_task", PLAN, [{"id": "x"}, 7, {}])
    with pytest.raises(InputError, match="arguments not as it takes them"):
        decode(call)


def test_a_workers_error_comes_back_as_the_same_error() -> None:
    from bespoke.products.spec import SpecError
    from bespoke.services.queued_calls import _error_again, _error_as_data

    met = SpecError("spec", "parts[0].qty", "must be a whole number")
    again = _error_again(json.loads(json.dumps(_error_as_data(met))))
    assert type(again) is SpecError and str(again) == str(met)
    assert again.path == "parts[0].qty" and again.reason == "must be a whole number"
    assert type(_error_again({"kind": "os:error", "message": "x"})) is BespokeError
