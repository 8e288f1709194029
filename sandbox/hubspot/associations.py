"""Associations between CRM objects, kept in both directions as HubSpot reports them."""

from .schema import AssociationType


class AssociationStore:
    """Typed links between objects, in a ``State``.

    One collection per ordered pair of object types (``associations:deals:companies``)
    holds a record per source object: ``{"id": from_id, "to": {to_id: [type ids]}}``.
    Adding a link also adds its inverse type the other way round.
    """

    def __init__(self, state):
        self.state = state

    def add(self, from_type: str, from_id: str, to_type: str, to_id: str, types: list[AssociationType]) -> None:
        with self.state.lock:
            for association in types:
                self._link(from_type, from_id, to_type, to_id, association.type_id)
                self._link(to_type, to_id, from_type, from_id, association.inverse_id)

    def remove(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Remove every association between the two objects."""
        with self.state.lock:
            self._unlink(from_type, from_id, to_type, to_id)
            self._unlink(to_type, to_id, from_type, from_id)

    def targets(self, from_type: str, from_id: str, to_type: str) -> dict[str, list[int]]:
        """The ids associated with ``from_id``, each with its association type ids."""
        record = self.state.get(_collection(from_type, to_type), str(from_id))
        return record["to"] if record else {}

    def _link(self, from_type, from_id, to_type, to_id, type_id) -> None:
        collection = _collection(from_type, to_type)
        record = self.state.get(collection, from_id) or {"id": from_id, "to": {}}
        types = record["to"].setdefault(to_id, [])
        if type_id not in types:
            types.append(type_id)
        self.state.insert(collection, record)

    def _unlink(self, from_type, from_id, to_type, to_id) -> None:
        collection = _collection(from_type, to_type)
        record = self.state.get(collection, from_id)
        if record and record["to"].pop(to_id, None) is not None:
            self.state.insert(collection, record)


def _collection(from_type: str, to_type: str) -> str:
    return f"associations:{from_type}:{to_type}"
