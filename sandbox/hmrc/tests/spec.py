"""HMRC's OpenAPI description of the VAT API, read for the contract tests, and a checker for its schemas.

The description is YAML. PyYAML reads it when installed; otherwise ``read_yaml``
does, which understands what this file uses: block mappings and sequences,
quoted and plain scalars, ``|`` blocks and one-line flow collections.
"""

import json
import re
from decimal import Decimal
from functools import cache

from sandbox.contracts import contract_file

SPEC = "hmrc/vat-api/1.0/application.yaml"
KEY = re.compile(r"""^('(?:[^']|'')*'|"[^"]*"|[^'"][^:]*?):(?:\s+(.*))?$""")
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _scalar(text: str):
    text = text.strip()
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    if text.startswith('"') and text.endswith('"'):
        return json.loads(text)
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(item) for item in text[1:-1].split(",") if item.strip()]
    if text.startswith("{") and text.endswith("}"):
        return {_scalar(item): None for item in text[1:-1].split(",") if item.strip()}
    if text in ("true", "false"):
        return text == "true"
    if text in ("null", "~"):
        return None
    if NUMBER.match(text):
        return float(text) if re.search(r"[.eE]", text) else int(text)
    return text


class _Reader:
    def __init__(self, text: str):
        self.lines = text.split("\n")

    def _next(self, i: int) -> int:
        while i < len(self.lines) and (not self.lines[i].strip() or self.lines[i].lstrip().startswith("#")):
            i += 1
        return i

    def _indent(self, i: int) -> int:
        return len(self.lines[i]) - len(self.lines[i].lstrip(" "))

    def node(self, i: int):
        i = self._next(i)
        indent = self._indent(i)
        if self.lines[i].strip().startswith("-"):
            return self._sequence(i, indent)
        return self._mapping(i, indent)

    def _value(self, i: int, indent: int, rest: str | None):
        """The value of a key or item on line ``i``, whose text after the key is ``rest``."""
        if rest in ("|", "|-"):
            return self._block(i + 1, indent, strip=rest == "|-")
        if rest:
            return _scalar(rest), i + 1
        j = self._next(i + 1)
        nested = j < len(self.lines) and (
            self._indent(j) > indent or (self._indent(j) == indent and self.lines[j].strip().startswith("- "))
        )
        return self.node(j) if nested else (None, i + 1)

    def _mapping(self, i: int, indent: int):
        result = {}
        while True:
            i = self._next(i)
            if i >= len(self.lines) or self._indent(i) != indent or self.lines[i].strip().startswith("- "):
                return result, i
            match = KEY.match(self.lines[i].strip())
            if not match:
                raise ValueError(f"line {i + 1}: cannot read {self.lines[i]!r}")
            key, rest = _scalar(match.group(1)), match.group(2)
            result[key], i = self._value(i, indent, rest)

    def _sequence(self, i: int, indent: int):
        items = []
        while True:
            i = self._next(i)
            if i >= len(self.lines) or self._indent(i) != indent or not self.lines[i].strip().startswith("-"):
                return items, i
            rest = self.lines[i].strip()[1:].strip()
            if KEY.match(rest) and not rest.startswith(("[", "{")):
                # "- key: value" opens a mapping whose keys line up after the dash.
                self.lines[i] = " " * (indent + 2) + rest
                item, i = self._mapping(i, indent + 2)
            else:
                item, i = self._value(i, indent, rest)
            items.append(item)

    def _block(self, i: int, indent: int, strip: bool):
        body = []
        while i < len(self.lines) and (not self.lines[i].strip() or self._indent(i) > indent):
            body.append(self.lines[i])
            i += 1
        while body and not body[-1].strip():
            body.pop()
        margin = min((len(line) - len(line.lstrip(" ")) for line in body if line.strip()), default=0)
        text = "\n".join(line[margin:] for line in body)
        return (text if strip else text + "\n"), i


def read_yaml(text: str) -> dict:
    value, _ = _Reader(text).node(0)
    return value


@cache
def spec() -> dict:
    text = contract_file(SPEC).read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        return read_yaml(text)
    return normalised(yaml.safe_load(text))


def normalised(value):
    """PyYAML's reading with its dates back to the strings the file has, as ``read_yaml`` keeps them."""
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def operations() -> set[tuple[str, str]]:
    """``(METHOD, path)`` of every operation the description documents."""
    return {(method.upper(), path) for path, item in spec()["paths"].items() for method in item}


def operation(method: str, path: str) -> dict:
    return spec()["paths"][path][method.lower()]


def schema_errors(schema: dict, value, where: str = "$") -> list[str]:
    """What in ``value`` breaks ``schema`` (numbers in ``value`` should be ``Decimal``); empty if nothing."""
    if "$ref" in schema:
        return schema_errors(spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]], value, where)
    errors = [e for part in schema.get("allOf", ()) for e in schema_errors(part, value, where)]
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return [*errors, f"{where} is not an object"]
        errors += [f"{where}.{name} is required" for name in schema.get("required", ()) if name not in value]
        for name, item in schema.get("properties", {}).items():
            if name in value:
                errors += schema_errors(item, value[name], f"{where}.{name}")
    elif kind == "array":
        if not isinstance(value, list):
            return [*errors, f"{where} is not an array"]
        for index, item in enumerate(value):
            errors += schema_errors(schema.get("items", {}), item, f"{where}[{index}]")
    elif kind == "string":
        errors += _string_errors(schema, value, where)
    elif kind == "number":
        errors += _number_errors(schema, value, where)
    elif kind == "boolean" and not isinstance(value, bool):
        errors.append(f"{where} is not a boolean")
    return errors


def _string_errors(schema, value, where) -> list[str]:
    if not isinstance(value, str):
        return [f"{where} is not a string"]
    errors = []
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{where} {value!r} does not match {schema['pattern']}")
    if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        errors.append(f"{where} {value!r} has the wrong length")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where} {value!r} is not one of {schema['enum']}")
    if schema.get("format") == "date-time" and not DATE_TIME.match(value):
        errors.append(f"{where} {value!r} is not a date-time")
    return errors


def _number_errors(schema, value, where) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return [f"{where} is not a number"]
    number, errors = Decimal(str(value)), []
    if "minimum" in schema and number < Decimal(str(schema["minimum"])):
        errors.append(f"{where} {value} is below {schema['minimum']}")
    if "maximum" in schema and number > Decimal(str(schema["maximum"])):
        errors.append(f"{where} {value} is above {schema['maximum']}")
    if "multipleOf" in schema and number % Decimal(str(schema["multipleOf"])):
        errors.append(f"{where} {value} is not a multiple of {schema['multipleOf']}")
    return errors


def response_schema(method: str, path: str, status: int) -> dict:
    return operation(method, path)["responses"][str(status)]["content"]["application/json"]["schema"]


def documented_errors(method: str, path: str) -> dict[str, tuple[int, str]]:
    """The error codes an operation's examples show, each with its status and message."""
    found = {}
    for status, response in operation(method, path)["responses"].items():
        if not status.startswith(("4", "5")):
            continue
        for example in response["content"]["application/json"].get("examples", {}).values():
            value = example["value"]
            found[value["code"]] = (int(status), value["message"])
    return found


def scenarios(method: str, path: str) -> set[str]:
    """The ``Gov-Test-Scenario`` values of an operation's test data table, ``##`` spelled out."""
    names = set()
    for name in re.findall(r"<td><p>([A-Z0-9_#]+)</p></td>", operation(method, path)["description"]):
        if "##" in name:
            last = 12 if name.startswith("MONTHLY") else 4
            names |= {name.replace("##", f"{n:02d}") for n in range(1, last + 1)}
        else:
            names.add(name)
    return names
