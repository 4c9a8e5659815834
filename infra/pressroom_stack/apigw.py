"""A local API Gateway (REST, Lambda proxy integration) in front of in-process handlers, like ``sam local start-api``.

Routes come from the deployed REST API (``GetResources``: ``/``, ``/{proxy+}`` … with their ANY/GET methods and
``AWS_PROXY`` integrations). Each request becomes a REST proxy event (v1: ``resource``, ``path``, ``httpMethod``,
single- and multi-value headers and query strings, ``pathParameters``, ``requestContext``, body base64-encoded
when it is binary); the handler's response (``statusCode``, ``headers``, ``multiValueHeaders``, ``body``,
``isBase64Encoded``) is written back. A handler error or a malformed response is a ``502``, as in API Gateway.

Every method reaches the routes, as ``ANY`` sends every method to the function: ``TRACE`` or ``PROPFIND`` get what
the read API answers for ``DELETE`` (JSON ``405 method_not_allowed`` on its routes, ``404 not_found`` elsewhere).
What the bridge answers itself (no route, a request that is not valid HTTP/1.x) is JSON ``{"message": …}`` like
API Gateway's own responses, never the HTML of ``http.server``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pressroom_stack.runtime import LocalFunction

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient

log = logging.getLogger("pressroom_stack.api")

_FUNCTION_IN_URI = re.compile(r":function:([^/:]+)(?::[^/]+)?/invocations$")
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|x-www-form-urlencoded|[\w.+-]*\+(json|xml))\b)", re.I)


@dataclass(frozen=True)
class Route:
    """One API resource and method integrated with a function (``AWS_PROXY``)."""

    resource: str
    method: str
    function_name: str
    resource_id: str

    @property
    def _pattern(self) -> re.Pattern[str]:
        parts = []
        for segment in [s for s in self.resource.split("/") if s]:
            if segment.startswith("{") and segment.endswith("+}"):
                parts.append(f"(?P<{segment[1:-2]}>.+)")
            elif segment.startswith("{") and segment.endswith("}"):
                parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
            else:
                parts.append(re.escape(segment))
        return re.compile("^/" + "/".join(parts) + "/?$" if parts else "^/$")

    @property
    def specificity(self) -> tuple[int, int]:
        """Static segments beat ``{param}`` which beats ``{greedy+}`` (API Gateway's matching order)."""
        segments = [s for s in self.resource.split("/") if s]
        greedy = sum(s.endswith("+}") for s in segments)
        params = sum(s.startswith("{") for s in segments)
        return (-greedy, len(segments) - params)

    def match(self, path: str) -> dict[str, str] | None:
        found = self._pattern.match(path)
        return None if found is None else {k: unquote(v) for k, v in found.groupdict().items()}


def routes_of(client: APIGatewayClient, rest_api_id: str) -> list[Route]:
    """The Lambda proxy routes of a deployed REST API."""
    routes = []
    for resource in client.get_resources(restApiId=rest_api_id, embed=["methods"], limit=500)["items"]:
        for method, spec in (resource.get("resourceMethods") or {}).items():
            integration = spec.get("methodIntegration") or {}
            found = _FUNCTION_IN_URI.search(integration.get("uri", ""))
            if integration.get("type") == "AWS_PROXY" and found:
                routes.append(Route(resource["path"], method, found.group(1), resource["id"]))
    return sorted(routes, key=lambda r: r.specificity, reverse=True)


@dataclass(frozen=True)
class ApiTarget:
    rest_api_id: str
    stage: str
    account_id: str
    routes: list[Route]
    functions: dict[str, LocalFunction]

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method not in ("ANY", method):
                continue
            params = route.match(path)
            if params is not None:
                return route, params
        return None


def _is_text(content_type: str) -> bool:
    return not content_type or bool(_TEXT_TYPES.match(content_type.strip()))


def proxy_event(
    *,
    target: ApiTarget,
    route: Route,
    path_params: dict[str, str],
    method: str,
    raw_path: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    host: str,
) -> dict[str, Any]:
    """The API Gateway REST (v1) Lambda proxy event for one request."""
    split = urlsplit(raw_path)
    path = unquote(split.path) or "/"
    query = parse_qsl(split.query, keep_blank_values=True)
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        multi_query.setdefault(name, []).append(value)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    text_body = None
    if body and _is_text(content_type):
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            text_body = None
    is_base64 = bool(body) and text_body is None
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    user_agent = next((v for k, v in headers if k.lower() == "user-agent"), None)
    return {
        "resource": route.resource,
        "path": path,
        "httpMethod": method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": route.resource_id,
            "resourcePath": route.resource,
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/{target.stage}{path}",
            "accountId": target.account_id,
            "protocol": "HTTP/1.1",
            "stage": target.stage,
            "domainPrefix": host.split(".")[0].split(":")[0],
            "domainName": host,
            "requestId": request_id,
            "apiId": target.rest_api_id,
            "identity": {
                "sourceIp": source_ip,
                "userAgent": user_agent,
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "user": None,
                "userArn": None,
            },
        },
        "body": (base64.b64encode(body).decode() if is_base64 else text_body) if body else None,
        "isBase64Encoded": is_base64,
    }


@dataclass(frozen=True)
class ProxyResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _bad_gateway(message: str = "Internal server error") -> ProxyResponse:
    body = json.dumps({"message": message}).encode()
    return ProxyResponse(502, [("Content-Type", "application/json")], body)


def proxy_response(result: Any) -> ProxyResponse:
    """The HTTP response for a handler's proxy result; ``502`` when it is not a valid proxy response."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int | str):
        return _bad_gateway()
    try:
        status = int(result["statusCode"])
    except ValueError:
        return _bad_gateway()
    headers: list[tuple[str, str]] = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    single = {k.lower() for k, _ in headers}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(v)) for v in values if name.lower() not in single)
    body = result.get("body") or ""
    if not isinstance(body, str):
        return _bad_gateway()
    try:
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    except ValueError:
        return _bad_gateway()
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return ProxyResponse(status, headers, raw)


class _ProxyRequestHandler(BaseHTTPRequestHandler):
    """One connection's requests, served against ``local_api`` (set per server by :func:`_request_handler`)."""

    local_api: LocalApi
    server_version = "pressroom-local-apigw"
    protocol_version = "HTTP/1.1"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # http.server dispatches to do_<METHOD>; every method goes to _serve
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # what http.server assumes of a broken request line
            self.request_version = "HTTP/1.1"
        phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
        body = json.dumps({"message": f"{phrase}: {message}" if message else phrase}).encode()
        self._write(ProxyResponse(code, [("Content-Type", "application/json")], body))
        log.info("%s -> %d %s", getattr(self, "requestline", "")[:200], code, message or "")

    def _serve(self) -> None:
        started = time.monotonic()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Content-Length is not a number")
            return
        body = self.rfile.read(length) if length > 0 else b""
        api = self.local_api
        target = api.target
        path = urlsplit(self.path).path or "/"
        found = target.find(self.command, unquote(path)) if target else None
        if target is None or found is None:
            response = ProxyResponse(
                403,
                [("Content-Type", "application/json"), ("x-amzn-ErrorType", "MissingAuthenticationTokenException")],
                b'{"message":"Missing Authentication Token"}',
            )
        else:
            route, params = found
            event = proxy_event(
                target=target,
                route=route,
                path_params=params,
                method=self.command,
                raw_path=self.path,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
                host=self.headers.get("Host", api.url.split("://", 1)[1]),
            )
            function = target.functions[route.function_name]
            run = function.invoke(event)
            if run.error is not None:
                log.error("%s raised %r", function.name, run.error, exc_info=run.error)
                response = _bad_gateway()
            elif run.timed_out:
                response = ProxyResponse(
                    504, [("Content-Type", "application/json")], b'{"message":"Endpoint request timed out"}'
                )
            else:
                response = proxy_response(run.result)
        self._write(response)
        log.info("%s %s -> %d (%.0f ms)", self.command, self.path, response.status, (time.monotonic() - started) * 1000)

    def _write(self, response: ProxyResponse) -> None:
        self.send_response_only(
            response.status,
            HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else "",
        )
        self.send_header("Date", self.date_time_string())
        length = str(len(response.body))
        for name, value in response.headers:
            if name.lower() == "content-length" and self.command == "HEAD":
                length = value  # the function's answer to HEAD states the GET's length (its body is empty)
            elif name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", length)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's signature
        log.debug(format, *args)


def _request_handler(api: LocalApi) -> type[BaseHTTPRequestHandler]:
    return type("ProxyRequestHandler", (_ProxyRequestHandler,), {"local_api": api})


class LocalApi:
    """The HTTP server, on its own thread. The port is bound at construction (``port=0`` picks a free one, see
    ``url``) so the URL is known before the stack is deployed; ``target`` is set once it is."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 3000, target: ApiTarget | None = None) -> None:
        self.target = target
        self._server = ThreadingHTTPServer((host, port), _request_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(5)
