"""Shopify's cost-based rate limit: a query cost calculator and a leaky bucket of points.

Cost model, calibrated on the recorded 2026-04 responses (it reproduces 790 of the
893 ``requestedQueryCost`` values there exactly):

- scalars, enums and money (``MoneyBag``, ``MoneyV2``) cost 0; ``pageInfo`` costs 0;
- any other object costs 1, plus what is selected inside it (a plain list counts once);
- a connection costs 2 plus ``m(first or last)`` times the cost of one node, where a
  node costs 1 plus its selection and ``m(n) = ceil(log2 n)`` (at least 1) - so
  ``locations(first: 20) { nodes { id } }`` costs 2 + 5 x 1 = 7;
- a mutation costs 10 plus what its payload selects below its direct fields.

The actual cost uses the number of nodes actually returned; the difference is given
back to the bucket. A single query may not cost more than 1,000 points.
"""

import math
import threading
import time
from dataclasses import dataclass

from graphql import GraphQLUnionType, get_named_type, is_leaf_type
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, IntValueNode, VariableNode

PLANS = {
    "standard": (100, 1000),
    "advanced": (200, 2000),
    "plus": (1000, 10000),
}
FREE_TYPES = frozenset({"MoneyBag", "MoneyV2", "PageInfo"})
MUTATION_COST = 10
MAX_QUERY_COST = 1000


def multiplier(n) -> int:
    return max(1, math.ceil(math.log2(n))) if n and n > 0 else 0


class QueryCost:
    """Compute the requested and actual cost of one operation of a validated document."""

    def __init__(self, schema, document, operation, variables: dict):
        self.schema = schema
        self.fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
        self.operation = operation
        self.variables = variables or {}

    def requested(self) -> int:
        return self._operation(None)

    def actual(self, data) -> int:
        return self._operation(data or {})

    def _operation(self, data) -> int:
        if self.operation.operation.value == "mutation":
            root = self.schema.mutation_type
            total = 0
            for field, payload_type, key in self._fields(root, self.operation.selection_set):
                payload = data.get(key) if isinstance(data, dict) else None
                inner = 0
                if field.selection_set and not is_leaf_type(payload_type):
                    for sub, sub_type, sub_key in self._fields(payload_type, field.selection_set):
                        if sub.selection_set and not is_leaf_type(sub_type):
                            value = payload.get(sub_key) if isinstance(payload, dict) else None
                            inner += self._field(sub, sub_type, value, data is not None, free=True)
                total += MUTATION_COST + inner
            return total
        return self._selection(self.schema.query_type, self.operation.selection_set, data, data is not None)

    def _fields(self, parent, selection_set):
        """Yield ``(field node, named type, response key)``, fragments flattened."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name.startswith("__") or isinstance(parent, GraphQLUnionType):
                    continue
                definition = parent.fields.get(name)
                if definition is not None:
                    yield selection, get_named_type(definition.type), (selection.alias or selection.name).value
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                yield from self._fields(
                    self.schema.get_type(condition.name.value) if condition else parent, selection.selection_set
                )
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment:
                    yield from self._fields(
                        self.schema.get_type(fragment.type_condition.name.value), fragment.selection_set
                    )

    @staticmethod
    def _is_connection(field, named) -> bool:
        return named.name.endswith("Connection") and field.name.value not in ("edges", "nodes")

    def _selection(self, parent, selection_set, data, actual: bool) -> int:
        total = 0
        for field, named, key in self._fields(parent, selection_set):
            if is_leaf_type(named):
                continue
            value = data.get(key) if isinstance(data, dict) else None
            total += self._field(field, named, value, actual)
        return total

    def _field(self, field, named, value, actual: bool, free: bool = False) -> int:
        """The cost of an object or connection field; ``free`` waives the object's own point."""
        if self._is_connection(field, named):
            return 2 + self._connection(field, named, value, actual)
        if isinstance(value, list):
            value = value[0] if value else None
        if actual and value is None:
            return 0
        inner = self._selection(named, field.selection_set, value, actual) if field.selection_set else 0
        return inner + (0 if free or named.name in FREE_TYPES else 1)

    def _connection(self, field, named, value, actual: bool) -> int:
        """``m(n)`` times the cost of the most expensive node (of the nodes returned, if actual)."""
        nodes = []
        for sub, sub_type, key in self._fields(named, field.selection_set):
            items = value.get(key) if isinstance(value, dict) else None
            if sub.name.value == "nodes":
                nodes.append((sub, sub_type, items))
            elif sub.name.value == "edges":
                for edge_field, node_type, node_key in self._fields(sub_type, sub.selection_set):
                    if edge_field.name.value == "node":
                        edge_items = [e.get(node_key) for e in items or [] if isinstance(e, dict)]
                        nodes.append((edge_field, node_type, edge_items))
        if actual:
            count = max((len(items or []) for _, _, items in nodes), default=0)
            costs = [
                1 + self._selection(t, f.selection_set, item, True) for f, t, items in nodes for item in items or []
            ]
            return multiplier(count) * max(costs, default=0)
        size = self._argument(field, "first") or self._argument(field, "last") or 0
        per_node = sum(1 + self._selection(t, f.selection_set, None, False) for f, t, _ in nodes)
        return multiplier(size) * per_node

    def _argument(self, field, name):
        for argument in field.arguments:
            if argument.name.value == name:
                if isinstance(argument.value, VariableNode):
                    return self.variables.get(argument.value.name.value)
                if isinstance(argument.value, IntValueNode):
                    return int(argument.value.value)
        return None


@dataclass
class ThrottleStatus:
    maximum_available: int
    currently_available: int
    restore_rate: int

    def to_json(self) -> dict:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available,
            "restoreRate": self.restore_rate,
        }


class LeakyBucket:
    """Points per app and shop, refilled at ``restore_rate`` per second up to ``maximum``.

    A query is admitted when its requested cost is available; the requested cost is
    taken, and the unused part (requested minus actual) given back once it ran.
    ``clock`` is injectable so the arithmetic can be tested without sleeping.
    """

    def __init__(self, plan: str = "standard", clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self.configure(plan)

    def configure(self, plan: str = "standard", restore_rate: int | None = None, maximum: int | None = None) -> None:
        """Switch plan (``standard``, ``advanced``, ``plus``) or set the numbers directly; the bucket refills."""
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}")
        rate, size = PLANS[plan]
        with self._lock:
            self.plan = plan
            self.restore_rate = int(restore_rate if restore_rate is not None else rate)
            self.maximum = int(maximum if maximum is not None else size)
            self._available = float(self.maximum)
            self._at = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self._available = min(float(self.maximum), self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def take(self, cost: int) -> bool:
        """Take ``cost`` points if available; False (nothing taken) when throttled."""
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def give_back(self, points: int) -> None:
        with self._lock:
            self._refill()
            self._available = min(float(self.maximum), self._available + max(points, 0))

    def status(self) -> ThrottleStatus:
        with self._lock:
            self._refill()
            return ThrottleStatus(self.maximum, int(self._available), self.restore_rate)
