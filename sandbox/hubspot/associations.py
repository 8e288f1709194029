"""Associations between CRM objects, kept in both directions as HubSpot reports them, and their labels."""

from .errors import ApiError
from .schema import ASSOCIATION_TYPES, AssociationType, association_type

LABELS = "association_labels"
# User-defined labels get type ids of their own, clear of HubSpot's built-in ones.
FIRST_LABEL_ID = 1001


class AssociationStore:
    """Typed links between objects, in a ``State``.

    One collection per ordered pair of object types (``associations:deals:companies``)
    holds a record per source object: ``{"id": from_id, "to": {to_id: [type ids]}}``.
    Adding a link also adds its inverse type the other way round. The types are
    HubSpot's built-in ones plus the labels made through the API (``LABELS``).
    ``notify(from_type, from_id, to_type, to_id, types, removed, source)`` hears of
    every link added or removed, unless it comes with ``source=None`` (the seed data).
    """

    def __init__(self, state, notify=None):
        self.state = state
        self.notify = notify or (lambda *args: None)

    def add(self, from_type, from_id, to_type, to_id, types: list[AssociationType], source="INTEGRATION") -> None:
        from_id, to_id = str(from_id), str(to_id)
        with self.state.lock:
            current = self.targets(from_type, from_id, to_type).get(to_id, [])
            added = [t for t in types if t.type_id not in current]
            for association in types:
                self._link(from_type, from_id, to_type, to_id, association.type_id)
                self._link(to_type, to_id, from_type, from_id, association.inverse_id)
        if added and source:
            self.notify(from_type, from_id, to_type, to_id, added, False, source)

    def remove(self, from_type, from_id, to_type, to_id, type_ids=None, source="INTEGRATION") -> None:
        """Remove the given association types between two objects (all of them by default).

        As on HubSpot, removing the unlabelled type removes the labelled ones too.
        """
        from_id, to_id = str(from_id), str(to_id)
        with self.state.lock:
            current = self.targets(from_type, from_id, to_type).get(to_id, [])
            unlabelled = [t for t in current if self.type(from_type, t).label is None]
            if type_ids is None or set(unlabelled) & set(type_ids):
                type_ids = current
            removed = [self.type(from_type, t) for t in current if t in type_ids]
            for association in removed:
                self._unlink(from_type, from_id, to_type, to_id, association.type_id)
                self._unlink(to_type, to_id, from_type, from_id, association.inverse_id)
        if removed and source:
            self.notify(from_type, from_id, to_type, to_id, removed, True, source)

    def targets(self, from_type: str, from_id, to_type: str) -> dict[str, list[int]]:
        """The ids associated with ``from_id``, each with its association type ids."""
        record = self.state.get(_collection(from_type, to_type), str(from_id))
        return record["to"] if record else {}

    def move(self, kinds, from_type: str, old_id: str, new_id: str) -> None:
        """Give ``new_id`` every association of ``old_id`` (a merge), quietly: HubSpot announces the merge."""
        for to_type in kinds:
            for to_id, type_ids in self.targets(from_type, old_id, to_type).items():
                self.remove(from_type, old_id, to_type, to_id, source=None)
                if to_id != new_id:
                    self.add(from_type, new_id, to_type, to_id, [self.type(from_type, t) for t in type_ids], None)

    def type(self, from_type: str, type_id: int) -> AssociationType | None:
        """A built-in association type or a label, by the type id seen from ``from_type``."""
        built_in = association_type(from_type, type_id)
        if built_in:
            return built_in
        label = self.state.get(LABELS, type_id)
        return _label_type(label) if label and label["from_type"] == from_type else None

    def types(self, from_type: str, to_type: str) -> list[AssociationType]:
        """Every type from one object type to another: HubSpot's, then the labels, as ``GET .../labels`` lists them."""
        built_in = [a for a in ASSOCIATION_TYPES if (a.from_type, a.to_type) == (from_type, to_type)]
        labels = self.state.records(LABELS, lambda r: (r["from_type"], r["to_type"]) == (from_type, to_type))
        return built_in + [_label_type(label) for label in labels]

    def create_label(self, from_type, to_type, name: str, label: str, inverse_label=None) -> list[AssociationType]:
        """A user-defined label and its inverse (``inverse_label``, or the same words), both ways round."""
        with self.state.lock:
            if any(t.name == name for t in self.types(from_type, to_type)):
                raise ApiError(409, f"A label named {name} already exists from {from_type} to {to_type}")
            forward, inverse = (self.state.next_id(LABELS) + FIRST_LABEL_ID - 1 for _ in range(2))
            for type_id, inverse_id, words, (start, end) in (
                (forward, inverse, label, (from_type, to_type)),
                (inverse, forward, inverse_label or label, (to_type, from_type)),
            ):
                record = {"id": type_id, "inverse_id": inverse_id, "from_type": start, "to_type": end}
                self.state.insert(LABELS, {**record, "name": name, "label": words})
        return [self.type(from_type, forward), self.type(to_type, inverse)]

    def update_label(self, from_type: str, type_id: int, label: str, inverse_label=None) -> None:
        association = self._user_label(from_type, type_id)
        with self.state.lock:
            self.state.update(LABELS, association.type_id, {"label": label})
            if inverse_label:
                self.state.update(LABELS, association.inverse_id, {"label": inverse_label})

    def delete_label(self, from_type: str, type_id: int) -> None:
        """Delete a label and its inverse; the associations carrying it lose it."""
        association = self._user_label(from_type, type_id)
        with self.state.lock:
            for start, end, own in (
                (association.from_type, association.to_type, association.type_id),
                (association.to_type, association.from_type, association.inverse_id),
            ):
                for record in self.state.records(_collection(start, end)):
                    for to_id in list(record["to"]):
                        self._unlink(start, record["id"], end, to_id, own)
            self.state.delete(LABELS, association.type_id)
            self.state.delete(LABELS, association.inverse_id)

    def _user_label(self, from_type: str, type_id: int) -> AssociationType:
        association = self.type(from_type, type_id)
        if association is None:
            raise ApiError(404, f"Association type {type_id} does not exist for {from_type}")
        if association.category != "USER_DEFINED":
            raise ApiError(400, f"Association type {type_id} is defined by HubSpot and cannot be changed")
        return association

    def _link(self, from_type, from_id, to_type, to_id, type_id) -> None:
        collection = _collection(from_type, to_type)
        record = self.state.get(collection, from_id) or {"id": from_id, "to": {}}
        types = record["to"].setdefault(to_id, [])
        if type_id not in types:
            types.append(type_id)
        self.state.insert(collection, record)

    def _unlink(self, from_type, from_id, to_type, to_id, type_id) -> None:
        collection = _collection(from_type, to_type)
        record = self.state.get(collection, from_id)
        types = record["to"].get(to_id) if record else None
        if types is None or type_id not in types:
            return
        types.remove(type_id)
        if not types:
            del record["to"][to_id]
        self.state.insert(collection, record)


def _collection(from_type: str, to_type: str) -> str:
    return f"associations:{from_type}:{to_type}"


def _label_type(record: dict) -> AssociationType:
    return AssociationType(
        record["from_type"],
        record["to_type"],
        record["id"],
        record["inverse_id"],
        record["name"],
        record["label"],
        "USER_DEFINED",
    )
