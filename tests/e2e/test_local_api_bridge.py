"""The local API Gateway bridge turns HTTP requests into REST proxy events and proxy results into responses,
like API Gateway does (checked with a stand-in handler, so it needs neither moto nor the real functions)."""

from __future__ import annotations

import base64
import http.client
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pressroom_stack.apigw import ApiTarget, LocalApi, Route
from pressroom_stack.runtime import FunctionConfig, LocalFunction

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
