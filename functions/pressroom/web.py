"""The HTTP behaviour every route of the read API shares, on Powertools' own hooks (no routing of its own):

- :class:`ReadApiResolver`: Powertools' ``APIGatewayRestResolver`` whose OpenAPI document (what ``enable_swagger``
  serves at ``/docs`` and ``/docs?format=json``) states what the API does: errors are ``400 ErrorOut`` (Powertools
  documents a 422 the API never sends), every 200 has ``ETag`` and ``Cache-Control`` and ``If-None-Match`` may give
  304, and the server is the API's own URL (:func:`api_url`). Built once per resolver, whatever the Host;
- :func:`conditional_get`: the global middleware (``app.use``) giving every 200 a strong ``ETag`` (a hash of the
  exact body) and answering a matching ``If-None-Match`` with 304 (same ``ETag`` and ``Cache-Control``, no body);
  a response without ``Cache-Control`` gets ``no-store``;
- :func:`without_body`: ``HEAD`` is ``GET`` without the body, with the GET's ``Content-Length``;
- :func:`api_url`, :func:`prefers_html` and :func:`header`: what a request says about where and what to answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, Response

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI
    from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

JSON = "application/json"
ERROR_CACHE = "no-store"
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def header(event: BaseProxyEvent, name: str) -> str | None:
    """The request header ``name`` (any case); repeated headers joined with commas as HTTP does."""
    value = event.resolved_headers_field.get(name.lower())
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if value else None
    return value if isinstance(value, str) else None


def api_url(event: BaseProxyEvent) -> str:
    """The API's own base URL, from the request: scheme, Host and the path prefix (the stage on execute-api, the
    base path mapping on a custom domain: what ``requestContext.path`` has in front of ``path``; none locally)."""
    context = event.get("requestContext") or {}
    host = header(event, "host") or ""
    if not _HOST.match(host):
        host = str(context.get("domainName") or "localhost")
    hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    proto = (header(event, "x-forwarded-proto") or "").split(",")[0].strip().lower()
    scheme = proto if proto in ("http", "https") else ("http" if hostname in _LOCAL_HOSTS else "https")
    path = event.get("path") or "/"
    full_path = context.get("path")
    if hostname in _LOCAL_HOSTS:  # the local stack serves every stage at its root
        prefix = ""
    elif isinstance(full_path, str) and full_path.endswith(path) and full_path != path:
        prefix = full_path[: -len(path)].rstrip("/")
    else:
        stage = context.get("stage")
        prefix = f"/{stage}" if stage and stage not in ("local", "$default") and full_path != path else ""
    return f"{scheme}://{host}{prefix}"


def _quality(accept: str, media_type: str) -> float:
    """The ``q`` an ``Accept`` header gives ``media_type``, from its most specific matching range."""
    best, specificity = 0.0, -1
    kind = media_type.split("/", 1)[0]
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        rank = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(fields[0].lower(), -1)
        if rank <= specificity:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        best, specificity = q, rank
    return best


def prefers_html(event: BaseProxyEvent) -> bool:
    """Whether the client asks for HTML before JSON (a browser's ``Accept``; not ``*/*`` or no ``Accept``)."""
    accept = header(event, "accept")
    if not accept:
        return False
    html = max(_quality(accept, t) for t in _HTML_TYPES)
    return html > 0 and html > _quality(accept, JSON)


def etag(body: str | bytes) -> str:
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == tag for t in tags)


def conditional_get(app: APIGatewayRestResolver, next_middleware: Callable[..., Response[Any]]) -> Response[Any]:
    """Global middleware: ETag on every 200, 304 for a matching ``If-None-Match``, ``no-store`` by default."""
    response = next_middleware(app)
    if response.status_code == 200 and isinstance(response.body, str | bytes):
        tag = etag(response.body)
        response.headers["ETag"] = tag
        if _matches(header(app.current_event, "if-none-match"), tag):
            response.status_code, response.body = 304, ""
            response.headers.pop("Content-Type", None)
    response.headers.setdefault("Cache-Control", ERROR_CACHE)
    return response


def without_body(response: dict[str, Any]) -> dict[str, Any]:
    """The answer to ``HEAD``: the GET's status and headers, its body's ``Content-Length``, no body."""
    body = response.get("body") or ""
    size = len(base64.b64decode(body)) if response.get("isBase64Encoded") else len(body.encode("utf-8"))
    response.setdefault("multiValueHeaders", {})["Content-Length"] = [str(size)]
    response.update(body="", isBase64Encoded=False)
    return response


def _documented(document: dict[str, Any]) -> dict[str, Any]:
    """Powertools' generated document with what the API does instead of its defaults (see the module)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            if "200" in responses:
                responses["200"]["headers"] = {
                    "ETag": {"description": "Strong validator of the body", "schema": {"type": "string"}},
                    "Cache-Control": {"description": "Caching policy of the route", "schema": {"type": "string"}},
                }
                responses["304"] = {"description": "Not modified: `If-None-Match` matched the current `ETag`"}
            operation["parameters"] = [
                *operation.get("parameters", []),
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "description": "ETag(s) of a cached copy; a match returns 304 without a body.",
                    "schema": {"type": "string"},
                },
            ]
    schemas = document.get("components", {}).get("schemas", {})
    for name in _VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


class ReadApiResolver(APIGatewayRestResolver):
    """Powertools' REST resolver with the read API's OpenAPI document (see the module)."""

    _document: OpenAPI | None = None

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        from aws_lambda_powertools.event_handler.openapi.models import OpenAPI, Server

        if self._document is None:
            generated = super().get_openapi_schema(**{**kwargs, "servers": None})
            raw = json.loads(generated.model_dump_json(by_alias=True, exclude_none=True))
            self._document = OpenAPI.model_validate(_documented(raw))
        return self._document.model_copy(update={"servers": [Server(url=api_url(self.current_event))]})
