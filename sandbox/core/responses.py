"""Small helpers to build the JSON responses every system and the control API send."""

import json

from werkzeug.wrappers import Response


def json_response(data, status: int = 200, headers=None) -> Response:
    """Serialise ``data`` as a JSON response with the given status and extra headers."""
    return Response(json.dumps(data), status=status, headers=headers, mimetype="application/json")
