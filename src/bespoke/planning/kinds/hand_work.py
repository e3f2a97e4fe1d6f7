"""Work on made parts and products that shapes nothing: inspection, assembly, welding and
packing. Their operations are the product's own (planning.product builds them); they
share no set-up across orders and stop when the shop closes: the rules of `Kind`."""

from typing import ClassVar

from bespoke.model import Assembling, Inspection, Packing, ProcessKind
from bespoke.model.catalog import Welding
from bespoke.planning.kinds.base import Kind


class InspectionKind(Kind[Inspection]):
    kind: ClassVar[ProcessKind] = ProcessKind.INSPECTION


class AssemblyKind(Kind[Assembling]):
    kind: ClassVar[ProcessKind] = ProcessKind.ASSEMBLY


class WeldingKind(Kind[Welding]):
    kind: ClassVar[ProcessKind] = ProcessKind.WELDING


class PackingKind(Kind[Packing]):
    kind: ClassVar[ProcessKind] = ProcessKind.PACKING
