"""Settings objects that travel as JSON through the control API."""

from dataclasses import asdict, fields


class Knobs:
    """Mixin for dataclasses whose fields are set from, and reported as, JSON objects."""

    @classmethod
    def from_dict(cls, data):
        """Build an instance from ``data``, refusing names the dataclass does not know.

        Missing names keep their defaults, so ``{}`` means "back to normal".
        """
        if not isinstance(data, dict):
            raise TypeError(f"{cls.__name__} settings must be a JSON object")
        unknown = sorted(set(data) - {field.name for field in fields(cls)})
        if unknown:
            raise ValueError(f"unknown {cls.__name__} setting(s): {', '.join(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)


def check_fraction(knobs, *names: str) -> None:
    """Raise ``ValueError`` unless each named attribute of ``knobs`` lies in [0, 1]."""
    for name in names:
        value = getattr(knobs, name)
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be between 0 and 1, not {value!r}")
