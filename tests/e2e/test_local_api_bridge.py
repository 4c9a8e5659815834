"""The local API Gateway bridge turns HTTP requests into REST proxy events and proxy results into responses,
like API Gateway does (checked with a stand-in handler, or the read API over the in-memory feed, so it needs no
moto)."""

from __future__ import annotations

import base64
import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pressroom.config import ApiSettings
from pressroom.handlers.api import build_root, serve
from pressroom_stack.apigw import ApiTarget, LocalApi, Route
from pressroom_stack.runtime import FunctionConfig, LocalFunction
from tests.fakes_api import InMemoryFeed, make_article

pytestmark = pytest.mark.e2e


class Echo:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.response: Any = None

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        if self.response is not None:
            return self.response
        return {
            "statusCode": 201,
            "headers": {"Content-Type": "application/octet-stream", "ETag": '"v1"'},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": base64.b64encode(b"\x00\xffbinary").decode(),
            "isBase64Encoded": True,
        }


@pytest.fixture
def echo() -> Echo:
    return Echo()


@pytest.fixture
def api(echo: Echo) -> Iterator[LocalApi]:
    config = FunctionConfig("api", "arn:aws:lambda:us-east-1:123456789012:function:api", "stand.in", 10, 512)
    routes = sorted(
        [
            Route("/", "ANY", "api", "root"),
            Route("/{proxy+}", "ANY", "api", "proxy"),
            Route("/ping", "GET", "api", "p"),
        ],
        key=lambda r: r.specificity,
        reverse=True,
    )
    target = ApiTarget("abc123", "dev", "123456789012", routes, {"api": LocalFunction(config, echo)})
    server = LocalApi(port=0, target=target)
    server.start()
    yield server
    server.stop()


def test_a_request_becomes_a_rest_proxy_event(api: LocalApi, echo: Echo) -> None:
    host, port = api.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.putrequest("POST", "/articles/caf%C3%A9?tag=a&tag=b&limit=5")
    for name, value in (("X-Multi", "1"), ("X-Multi", "2"), ("Content-Type", "image/png"), ("Content-Length", "6")):
        connection.putheader(name, value)
    connection.endheaders(b"\x89PNG\x00\xff")
    response = connection.getresponse()
    content = response.read()
    (event,) = echo.events
    assert event["resource"] == "/{proxy+}"
    assert event["path"] == "/articles/café"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"proxy": "articles/café"}
    assert event["queryStringParameters"] == {"tag": "b", "limit": "5"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "limit": ["5"]}
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["headers"]["X-Multi"] == "2"
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\x00\xff"
    context = event["requestContext"]
    assert context["stage"] == "dev" and context["resourcePath"] == "/{proxy+}" and context["apiId"] == "abc123"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["requestId"] and context["path"] == "/dev/articles/café"
    assert response.status == 201
    assert content == b"\x00\xffbinary"
    assert response.getheader("ETag") == '"v1"'
    assert response.headers.get_all("Set-Cookie") == ["a=1", "b=2"]


def test_text_bodies_stay_text_and_the_root_and_static_routes_match(api: LocalApi, echo: Echo) -> None:
    requests.put(f"{api.url}/", json={"a": "é"}, timeout=5)
    requests.get(f"{api.url}/ping", timeout=5)
    root, ping = echo.events
    assert root["resource"] == "/" and root["pathParameters"] is None and root["isBase64Encoded"] is False
    assert root["body"] == '{"a": "\\u00e9"}'
    assert root["queryStringParameters"] is None and root["multiValueQueryStringParameters"] is None
    assert ping["resource"] == "/ping" and ping["body"] is None


@pytest.mark.parametrize("result", [None, {"body": "no status"}, {"statusCode": 200, "body": {"not": "a string"}}])
def test_a_malformed_proxy_response_is_a_502(api: LocalApi, echo: Echo, result: Any) -> None:
    echo.response = result if result is not None else "garbage"
    response = requests.get(f"{api.url}/x", timeout=5)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_a_handler_exception_is_a_502(api: LocalApi, echo: Echo) -> None:
    def boom(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("boom")

    assert api.target is not None
    api.target.functions["api"].handler = boom
    assert requests.get(f"{api.url}/x", timeout=5).status_code == 502


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "FOO"])
def test_any_method_reaches_the_function_as_with_api_gateways_any(api: LocalApi, echo: Echo, method: str) -> None:
    response = requests.request(method, f"{api.url}/articles", timeout=5)
    assert response.status_code == 201 and response.content == b"\x00\xffbinary"
    assert [e["httpMethod"] for e in echo.events] == [method]


def test_the_read_api_answers_unknown_methods_as_it_answers_delete(api: LocalApi) -> None:
    feed = InMemoryFeed()
    feed.publish(make_article(1))
    root = build_root(feed, ApiSettings(TABLE_NAME="pressroom-feed-test"))
    assert api.target is not None
    api.target.functions["api"].handler = lambda event, context: serve(event, context, root)
    for method in ("DELETE", "TRACE", "PROPFIND"):
        response = requests.request(method, f"{api.url}/articles/article-1", timeout=5)
        assert response.status_code == 405, method
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["error"] == "method_not_allowed"
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert requests.request("TRACE", f"{api.url}/nope", timeout=5).json()["error"] == "not_found"


@pytest.mark.parametrize(
    "request_line",
    [b"GET / HTTP/9.9", b"GET / HTTP/1.1 extra", b"GET /" + b"a" * 70_000 + b" HTTP/1.1", b"\x16\x03\x01"],
    ids=["version", "syntax", "too-long", "tls"],
)
def test_a_malformed_request_gets_a_json_error_like_api_gateway(api: LocalApi, request_line: bytes) -> None:
    host, port = api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(request_line + b"\r\nHost: x\r\n\r\n")
        raw = b""
        while chunk := connection.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert 400 <= status < 600
    assert b"content-type: application/json" in head.lower()
    assert set(json.loads(body)) == {"message"}


def test_a_bad_content_length_is_a_json_400(api: LocalApi, echo: Echo) -> None:
    host, port = api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\nConnection: close\r\n\r\n")
        raw = b""
        while chunk := connection.recv(65536):
            raw += chunk
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert json.loads(raw.partition(b"\r\n\r\n")[2]) == {"message": "Bad Request: Content-Length is not a number"}
    assert echo.events == []
