"""Schemathesis against the API's own ``/openapi.json``, in process: a small WSGI adapter turns each generated
HTTP request into an API Gateway REST proxy event for the API's entry point and the proxy response back into HTTP.

Positive and negative generation over every operation (a few hundred requests): no 5xx, every status, content type,
header and body as documented, invalid input rejected with a 4xx, undocumented methods answered with 405."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from pressroom.config import ApiSettings
from pressroom.handlers import api
from pressroom.models import Tag
from tests.conftest import LambdaContext
from tests.fakes_api import T0, InMemoryFeed, make_article, rest_event

pytestmark = pytest.mark.integration
MAX_EXAMPLES = 40


def _feed() -> InMemoryFeed:
    store = InMemoryFeed()
    for n in range(30):
        store.publish(make_article(n, tags=[Tag(name="Portmere", slug="portmere", kind="place", score=0.9)]))
    store.publish(make_article("hostile", title="A & B <script>x</script> ]]> 🎉 שלום", body="<p>A &amp; B</p>"))
    store.publish(make_article("draft", status="draft"))
    store.publish(make_article("gone"))
    store.withdraw("a-gone")
    return store


ROOT = api.build_root(_feed(), ApiSettings(TABLE_NAME="pressroom-feed-test"), clock=lambda: T0 + timedelta(days=1))


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """API Gateway's REST proxy integration, in miniature."""
    path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace") or "/"
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").title()] = value.encode("latin-1").decode("utf-8", "replace")
    event = rest_event(environ["REQUEST_METHOD"], path, headers=headers)
    if query:
        multi: dict[str, list[str]] = {}
        for name, value in query:
            multi.setdefault(name, []).append(value)
        event["queryStringParameters"] = {k: v[-1] for k, v in multi.items()}
        event["multiValueQueryStringParameters"] = multi
    response = api.serve(event, LambdaContext(), ROOT)  # type: ignore[arg-type]
    body = response.get("body") or ""
    data = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")
    status = response["statusCode"]
    out = [(k, v) for k, values in (response.get("multiValueHeaders") or {}).items() for v in values]
    start_response(f"{status} {HTTPStatus(status).phrase}", out)
    return [data]


schema = schemathesis.openapi.from_wsgi("/openapi.json", wsgi_app)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES)
CALLS: list[int] = []


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_own_openapi_document(case: Any) -> None:
    # Two rules OpenAPI cannot express: a cursor is opaque (a schema-valid string is almost never a genuine one),
    # and tag and section exclude each other. Requests that touch them may be rejected, with the documented code.
    query = case.query or {}
    contextual = "cursor" in query or ("tag" in query and "section" in query)
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance] if contextual else None)
    CALLS.append(response.status_code)
    assert response.status_code < 500
    if contextual and response.status_code == 400:
        if "text/html" in str(response.headers.get("content-type")):  # a reader page: the error is a page
            assert "pages" in case.operation.definition.raw.get("tags", [])
        else:
            assert response.json()["error"] in ("invalid_cursor", "invalid_limit", "invalid_filter")


def test_schemathesis_sent_a_few_hundred_requests() -> None:
    from collections import Counter

    print(f"schemathesis: {len(CALLS)} requests, statuses {dict(Counter(CALLS))}")
    assert len(CALLS) >= 300, len(CALLS)
    assert 400 in CALLS and 200 in CALLS
