"""Reading a received JSON document defensively: a wrong shape is a ``ValidationError`` naming the field.

Connectors read payloads through these instead of ``data["key"]`` or
``data.get("key").get(…)``, so a malformed or hostile payload waits in the
exception queue with the field and the fix, instead of failing as a bug.
"""

from .errors import ValidationError

FIX = "Correct the payload and press Replay, or Ignore the exchange with the reason."


def _where(at, key):
    return f"{at}.{key}" if at else str(key)


def obj(value, at):
    """``value`` itself, which must be a JSON object."""
    if not isinstance(value, dict):
        raise ValidationError(f"{at or 'The payload'} is {_kind(value)}, not an object. {FIX}")
    return value


def opt_obj(data, key, at=""):
    """``data[key]`` as an object, ``{}`` when absent or null."""
    value = data.get(key)
    return {} if value is None or value == "" else obj(value, _where(at, key))


def opt_list(data, key, at=""):
    """``data[key]`` as a list, ``[]`` when absent or null."""
    value = data.get(key)
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise ValidationError(f"{_where(at, key)} is {_kind(value)}, not a list. {FIX}")
    return value


def opt_text(data, key, at=""):
    """``data[key]`` as text (a number is taken as its digits), ``None`` when absent or empty."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(f"{_where(at, key)} is {_kind(value)}, not text or an id. {FIX}")
    return str(value).strip() or None


def text(data, key, at=""):
    """``data[key]`` as text (a number is taken as its digits), which must be there and not empty."""
    value = opt_text(data, key, at)
    if value is None:
        raise ValidationError(f"{_where(at, key)} is missing. {FIX}")
    return value


def required(data, key, at=""):
    """``data[key]``, which must be there and not empty."""
    value = data.get(key)
    if value is None or value == "" or value == [] or value == {}:
        raise ValidationError(f"{_where(at, key)} is missing. {FIX}")
    return value


def _kind(value):
    return {dict: "an object", list: "a list", str: f"the text '{value!s:.40}'", bool: f"{value}"}.get(
        type(value), f"{value!r:.40}"
    )
