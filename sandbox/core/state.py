"""In-memory, thread-safe storage for the data a simulated system holds."""

import copy
import random
import threading


class State:
    """Named collections of records keyed by id, guarded by one re-entrant lock.

    Records are deep-copied on the way in and out, so a handler cannot change the
    store by mutating what it got back. ``random`` is the system's only source of
    randomness: with a seed, generated data is the same on every run and after every
    ``reset``. Handlers needing several operations to be atomic hold ``lock`` around
    them.
    """

    def __init__(self, seed: int | None = None, id_start: int = 1):
        self.seed = seed
        self.id_start = id_start
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget every record and restart ids and the random sequence."""
        with self.lock:
            self.random = random.Random(self.seed)
            self._collections: dict[str, dict] = {}
            self._counters: dict[str, int] = {}

    def next_id(self, collection: str) -> int:
        """Return the next id of ``collection``; each collection counts on its own."""
        with self.lock:
            value = self._counters.get(collection, self.id_start)
            self._counters[collection] = value + 1
            return value

    def insert(self, collection: str, record: dict) -> dict:
        """Store ``record``, giving it the next id unless it brings its own ``id``."""
        with self.lock:
            stored = copy.deepcopy(record)
            if "id" not in stored:
                stored["id"] = self.next_id(collection)
            self._collections.setdefault(collection, {})[stored["id"]] = stored
            return copy.deepcopy(stored)

    def get(self, collection: str, record_id) -> dict | None:
        with self.lock:
            return copy.deepcopy(self._collections.get(collection, {}).get(record_id))

    def records(self, collection: str, predicate=None) -> list[dict]:
        """Return the records of ``collection`` in insertion order, optionally filtered."""
        with self.lock:
            values = self._collections.get(collection, {}).values()
            return [copy.deepcopy(r) for r in values if predicate is None or predicate(r)]

    def update(self, collection: str, record_id, values: dict) -> dict | None:
        """Merge ``values`` into a record; return the result, or None if it doesn't exist."""
        with self.lock:
            record = self._collections.get(collection, {}).get(record_id)
            if record is None:
                return None
            record.update(copy.deepcopy(values))
            return copy.deepcopy(record)

    def delete(self, collection: str, record_id) -> bool:
        with self.lock:
            return self._collections.get(collection, {}).pop(record_id, None) is not None

    def counts(self) -> dict[str, int]:
        """Return the number of records per collection, for status pages."""
        with self.lock:
            return {name: len(records) for name, records in self._collections.items()}
