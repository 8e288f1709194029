"""GraphQL errors worded and shaped the way Shopify's server (graphql-ruby) answers them.

The document is validated by graphql-core against the real schema; its messages are
then rewritten into Shopify's: ``Field 'code' doesn't exist on type 'UserError'`` with
``extensions: {code: "undefinedField", typeName, fieldName}`` and a ``path`` that starts
with ``"mutation Name"``, as in the recorded responses. Variables are coerced the same
way, into ``INVALID_VARIABLE`` errors listing each problem.
"""

import re

from graphql import GraphQLError, coerce_input_value, is_non_null_type, specified_rules, type_from_ast
from graphql import validate as graphql_validate
from graphql.language import (
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    Node,
    ObjectFieldNode,
    OperationDefinitionNode,
    VariableDefinitionNode,
)
from graphql.utilities import value_from_ast

RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)


def _tag(rule):
    """Wrap a validation rule so the errors it reports through itself remember its name.

    Some rules report through the context instead; their messages are recognised by
    ``TRANSLATIONS`` alone.
    """

    class Tagged(rule):
        def report_error(self, error):
            error.rule = rule.__name__
            super().report_error(error)

    Tagged.__name__ = rule.__name__
    return Tagged


RULES = [_tag(rule) for rule in specified_rules]


def _camel(rule_name: str) -> str:
    name = rule_name.removesuffix("Rule")
    return name[0].lower() + name[1:]


def _undefined_field(m, node, ancestors):
    return f"Field '{m['field']}' doesn't exist on type '{m['type']}'", {
        "code": "undefinedField",
        "typeName": m["type"],
        "fieldName": m["field"],
    }


def _unknown_argument(m, node, ancestors):
    kind = "Directive" if m["on"] == "directive" else "Field"
    name = m["name"].lstrip("@").split(".")[-1]
    return f"{kind} '{name}' doesn't accept argument '{m['arg']}'", {
        "code": "argumentNotAccepted",
        "name": name,
        "typeName": kind,
        "argumentName": m["arg"],
    }


def _missing_arguments(m, node, ancestors):
    return f"Field '{m['field']}' is missing required arguments: {m['arg']}", {
        "code": "missingRequiredArguments",
        "className": "Field",
        "name": m["field"],
        "arguments": m["arg"],
    }


def _input_field_not_accepted(m, node, ancestors):
    return f"InputObject '{m['type']}' doesn't accept argument '{m['field']}'", {
        "code": "argumentNotAccepted",
        "name": m["type"],
        "typeName": "InputObject",
        "argumentName": m["field"],
    }


def _input_field_missing(m, node, ancestors):
    return f"Argument '{m['field']}' on InputObject '{m['type']}' is required. Expected type {m['ftype']}", {
        "code": "missingRequiredInputObjectAttribute",
        "argumentName": m["field"],
        "argumentType": m["ftype"],
        "inputObjectType": m["type"],
    }


def _unknown_type(m, node, ancestors):
    definition = next((a for a in ancestors if isinstance(a, VariableDefinitionNode)), None)
    if definition:
        message = f"{m['type']} isn't a defined input type (on ${definition.variable.name.value})"
    else:
        message = f"No such type {m['type']}, so it can't be a fragment condition"
    return message, {"code": "undefinedType", "typeName": m["type"]}


def _needs_selection(m, node, ancestors):
    type_name = m["type"].strip("[]!")
    return (
        f"Field must have selections (field '{m['field']}' returns {type_name} but has no selections. "
        f"Did you mean '{m['field']} {{ ... }}'?)"
    ), {"code": "selectionMismatch", "nodeName": f"field '{m['field']}'", "typeName": type_name}


def _no_selection_allowed(m, node, ancestors):
    selected = ", ".join(s.name.value for s in node.selections if hasattr(s, "name"))
    type_name = m["type"].strip("[]!")
    field = m["field"]
    return (
        f"Selections can't be made on scalars (field '{field}' returns {type_name} but has selections [{selected}])",
        {
            "code": "selectionMismatch",
            "nodeName": f"field '{m['field']}'",
            "typeName": type_name,
        },
    )


def _variable_not_defined(m, node, ancestors):
    return f"Variable ${m['var']} is used by {m['op'] or 'anonymous query'} but not declared", {
        "code": "variableNotDefined",
        "variableName": m["var"],
    }


def _variable_not_used(m, node, ancestors):
    return f"Variable ${m['var']} is declared by {m['op'] or 'anonymous query'} but not used", {
        "code": "variableNotUsed",
        "variableName": m["var"],
    }


TRANSLATIONS = [
    (r"Cannot query field '(?P<field>[^']+)' on type '(?P<type>[^']+)'", _undefined_field),
    (r"Unknown argument '(?P<arg>[^']+)' on (?P<on>field|directive) '(?P<name>[^']+)'", _unknown_argument),
    (r"Field '(?P<field>[^']+)' argument '(?P<arg>[^']+)' of type '[^']+' is required", _missing_arguments),
    (r"Field '(?P<field>[^']+)' is not defined by type '(?P<type>[^']+)'", _input_field_not_accepted),
    (
        r"Field '(?P<type>[^'.]+)\.(?P<field>[^']+)' of required type '(?P<ftype>[^']+)' was not provided",
        _input_field_missing,
    ),
    (r"Unknown type '(?P<type>[^']+)'", _unknown_type),
    (r"Field '(?P<field>[^']+)' of type '(?P<type>[^']+)' must have a selection", _needs_selection),
    (r"Field '(?P<field>[^']+)' must not have a selection since type '(?P<type>[^']+)'", _no_selection_allowed),
    (r"Variable '\$(?P<var>[^']+)' is not defined(?: by operation '(?P<op>[^']+)')?", _variable_not_defined),
    (r"Variable '\$(?P<var>[^']+)' is never used(?: in operation '(?P<op>[^']+)')?", _variable_not_used),
]


def validate(schema, document) -> list[dict]:
    """Validate ``document`` against ``schema``; return Shopify-shaped errors (empty when valid)."""
    return [_shape(document, error) for error in graphql_validate(schema, document, RULES)]


def _shape(document, error: GraphQLError) -> dict:
    node = error.nodes[0] if error.nodes else None
    path, ancestors = _locate(document, node) if node is not None else ([], [])
    message, extensions = error.message, {"code": _camel(getattr(error, "rule", "ValidationErrorRule"))}
    for pattern, translate in TRANSLATIONS:
        match = re.match(pattern, error.message)
        if match:
            message, extensions = translate(match, node, ancestors)
            break
    shaped = {"message": message}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if path:
        shaped["path"] = path
    shaped["extensions"] = extensions
    return shaped


def _label(node) -> str | None:
    if isinstance(node, OperationDefinitionNode):
        operation = node.operation.value
        return f"{operation} {node.name.value}" if node.name else operation
    if isinstance(node, FragmentDefinitionNode):
        return f"fragment {node.name.value}"
    if isinstance(node, FieldNode):
        return (node.alias or node.name).value
    if isinstance(node, ArgumentNode | ObjectFieldNode):
        return node.name.value
    return None


def _locate(document, target) -> tuple[list, list]:
    """Return the path of response keys and argument names leading to ``target``, and its ancestors."""

    def walk(node, path, ancestors):
        if node is target:
            return path, ancestors
        for key in node.keys:
            children = getattr(node, key, None)
            for child in children if isinstance(children, list | tuple) else [children]:
                if isinstance(child, Node):
                    label = _label(child)
                    found = walk(child, [*path, label] if label else path, [*ancestors, child])
                    if found:
                        return found
        return None

    return walk(document, [], []) or ([], [])


def coerce_variables(schema, operation, inputs: dict) -> tuple[dict, list[dict]]:
    """Coerce the request's variables; return them and Shopify's ``INVALID_VARIABLE`` errors."""
    values, errors = {}, []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        var_type = type_from_ast(schema, definition.type)
        problems = []
        if name not in inputs or inputs[name] is None:
            if name not in inputs and definition.default_value is not None:
                values[name] = value_from_ast(definition.default_value, var_type)
            elif is_non_null_type(var_type):
                problems.append({"path": [], "explanation": "Expected value to not be null"})
            elif name in inputs:
                values[name] = None
        else:

            def collect(path, invalid, error, problems=problems):
                problems.append(_problem(list(path), error.message))

            values[name] = coerce_input_value(inputs[name], var_type, collect)
        if problems:
            errors.append(_invalid_variable(definition, name, str(var_type), inputs.get(name), problems))
    return values, errors


def _problem(path: list, message: str) -> dict:
    match = re.match(r"Field '([^']+)' is not defined by type '([^']+)'", message)
    if match:
        return {"path": [*path, match[1]], "explanation": f"Field is not defined on {match[2]}"}
    match = re.match(r"Field '([^']+)' of required type '[^']+' was not provided", message)
    if match:
        return {"path": [*path, match[1]], "explanation": "Expected value to not be null"}
    if "not to be null" in message:
        return {"path": path, "explanation": "Expected value to not be null"}
    return {"path": path, "explanation": message.rstrip(".")}


def _invalid_variable(definition, name: str, type_name: str, value, problems: list[dict]) -> dict:
    message = f"Variable ${name} of type {type_name} was provided invalid value"
    located = [p for p in problems if p["path"]]
    if located:
        message += " for " + ", ".join(f"{'.'.join(map(str, p['path']))} ({p['explanation']})" for p in located)
    location = definition.loc.source.get_location(definition.loc.start) if definition.loc else None
    error = {"message": message}
    if location:
        error["locations"] = [{"line": location.line, "column": location.column}]
    error["extensions"] = {"code": "INVALID_VARIABLE", "value": value, "problems": problems}
    return error


def throttled() -> dict:
    return {"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC}}


def max_cost_exceeded(cost: int, limit: int) -> dict:
    return {
        "message": MAX_COST_MESSAGE.format(cost=cost, limit=limit),
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": limit},
    }


def field_error(error: GraphQLError) -> dict:
    """A resolver's error, as graphql-core formats it."""
    return error.formatted
