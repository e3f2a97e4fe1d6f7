"""A product planned from its form: a spec picked from the examples, uploaded or written,
its options shown as fields, and spec and options checked before any task starts. Only a
spec that passes is kept as a product, once: the same text planned again is the same
product. The form is shown again from any plan or task run, with what it was asked."""

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from bespoke.model.accounts import Account
from bespoke.model.errors import InputError
from bespoke.model.product import ProductSpec
from bespoke.products.spec import SPEC_SUFFIXES, parse_spec, read_spec_text
from bespoke.services.environment import Environment
from bespoke.services.quoting.designs import check_spec_files
from bespoke.services.quoting.products import check_configuration
from bespoke.services.quoting.quotes import (
    MAX_SPEC_BYTES,
    PlanRequest,
    add_product,
    plan_shop,
    submit_plan,
)
from bespoke.services.tasks import TaskRunner
from bespoke.services.workers import PLAN, READ_SPEC
from bespoke.store.tables import TaskRunRow

EXAMPLES = files("bespoke") / "examples" / "products"
"""The example products a maker may start from, shipped with the package."""


@dataclass(frozen=True)
class Example:
    """An example product: its file's stem (how a page names it), its name and description."""

    key: str
    name: str
    description: str


@dataclass(frozen=True)
class Asked:
    """What a product's form is shown with: the product's spec, as written, and the
    settings and quantities a plan or task run of it was asked."""

    product_id: int
    spec_text: str
    spec: ProductSpec
    settings: dict[str, str]
    quantities: list[int]


def examples() -> list[Example]:
    """The example products, by name."""
    found = []
    for key, path in _example_files().items():
        spec = read_spec_text(path.read_text(encoding="utf-8"), path.name)
        found.append(Example(key, spec.name, spec.description))
    return sorted(found, key=lambda e: e.name)


def example(key: str) -> tuple[str, ProductSpec]:
    """The example named `key` (one of `examples()`): its spec as written, and read."""
    paths = _example_files()
    if key not in paths:
        listed = ", ".join(sorted(paths))
        raise InputError(f"example: no example product '{key}' (examples: {listed})")
    text = paths[key].read_text(encoding="utf-8")
    return text, read_spec_text(text, paths[key].name)


def _example_files() -> dict[str, Traversable]:
    """The example specs the package ships, by name without their suffix."""
    return {
        path.name.removesuffix(".yaml"): path
        for path in EXAMPLES.iterdir()
        if path.name.endswith(".yaml")
    }


def is_json(spec_text: str) -> bool:
    """Whether a spec is written as JSON (an object) rather than YAML."""
    return spec_text.lstrip().startswith("{")


def read_upload(filename: str, content: bytes) -> str:
    """The text of an uploaded spec file: YAML or JSON, within the size a spec may have."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SPEC_SUFFIXES:
        raise InputError(
            f"spec file: {filename} is not a product spec (accepted: {', '.join(SPEC_SUFFIXES)})"
        )
    if len(content) > MAX_SPEC_BYTES:
        raise InputError(f"spec file: larger than {MAX_SPEC_BYTES // 1024} KB")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"spec file: {filename} is not UTF-8 text") from None


def read_product_spec(env: Environment, spec_text: str) -> ProductSpec:
    """A spec checked as written (by the environment's workers); nothing is kept."""
    _check_size(spec_text)
    return env.workers.run(READ_SPEC, _checked_spec, spec_text)


def _checked_spec(spec_text: str) -> ProductSpec:
    spec = read_spec_text(spec_text, "spec", json_format=is_json(spec_text))
    check_spec_files(spec)
    return spec


def _check_size(spec_text: str) -> None:
    if len(spec_text.encode()) > MAX_SPEC_BYTES:
        raise InputError(f"spec: larger than {MAX_SPEC_BYTES // 1024} KB")


def plan_from_form(
    runner: TaskRunner, owner: Account, spec_text: str, request: PlanRequest
) -> TaskRunRow:
    """Check the spec and its options, keep the product (once) and queue its plan.

    Refused before anything is kept: a spec that cannot be read, options it does not
    accept (`OptionError` naming the option), parts its options cannot make.
    """
    _check_size(spec_text)
    if owner.shop_id is None:
        raise InputError("this account belongs to no shop to plan products in")
    env = runner.env
    product_id = env.workers.run(PLAN, keep_checked_product, env, owner, spec_text, request)
    return submit_plan(runner, owner, product_id, request)


def keep_checked_product(
    env: Environment, owner: Account, spec_text: str, request: PlanRequest
) -> int:
    """Check a spec and its options as a plan would; keep it as the owner's product unless
    the owner has one of the same text. Its id."""
    spec = _checked_spec(spec_text)
    assert owner.shop_id is not None
    with env.uow() as uow:
        shop_id = plan_shop(uow, owner.shop_id, request.shop)
    check_configuration(env, owner, spec, request.settings, shop_id)
    with env.uow() as uow:
        same = uow.products.same_spec(owner.id, spec_text)
        if same is not None:
            return same.id
        product_id = add_product(uow, owner, spec, spec_text)
        uow.commit()
        return product_id


def asked_of_plan(env: Environment, owner: Account, quote_id: int) -> Asked:
    """A plan's product and what the plan was asked."""
    with env.uow() as uow:
        quote = uow.quotes.get(owner, quote_id)
        return _asked(env, owner, quote.product_id, quote.request)


def asked_of_task(env: Environment, owner: Account, task_id: str) -> Asked:
    """A product plan's task run's product and what it was asked."""
    with env.uow() as uow:
        task = uow.task_runs.get(owner, task_id)
        request = task.request or {}
        return _asked(env, owner, request.get("product_id"), request)


def asked_of_product(env: Environment, owner: Account, product_id: int) -> Asked:
    """A product with its defaults."""
    return _asked(env, owner, product_id, {})


def _asked(env: Environment, owner: Account, product_id: Any, request: dict[str, Any]) -> Asked:
    if not isinstance(product_id, int):
        raise InputError("this is not a product's plan")
    with env.uow() as uow:
        product = uow.products.get(owner, product_id)
        spec = parse_spec(product.spec, "spec")
        text = product.spec_text or spec.model_dump_json(indent=2, exclude_unset=True)
    asked = PlanRequest.model_validate(
        {k: v for k, v in request.items() if k in PlanRequest.model_fields}
    )
    return Asked(product_id, text, spec, dict(asked.settings), list(asked.quantities or []))


def planned_products(env: Environment, owner: Account, limit: int = 20) -> list[tuple[str, int]]:
    """The owner's newest products that were planned: each name and its latest plan's id."""
    with env.uow() as uow:
        return [
            (product.name, quote_id) for product, quote_id in uow.products.planned(owner, limit)
        ]
