"""Schemathesis against the API's own ``/openapi.json``, in process: a small WSGI adapter turns each generated
HTTP request into an API Gateway REST proxy event for the API's entry point and the proxy response back into HTTP.

Positive and negative generation over every operation (MAX_EXAMPLES each: a few hundred requests): no 5xx, every
status, content type, header and body as documented, invalid input rejected with a 4xx, undocumented methods
answered with 405."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
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


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_own_openapi_document(case: Any) -> None:
    # Two rules OpenAPI cannot express: a cursor is opaque (a schema-valid string is almost never a genuine one),
    # and tag and section exclude each other. Requests that touch them may be rejected, with the documented code.
    query = case.query or {}
    contextual = "cursor" in query or ("tag" in query and "section" in query)
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance] if contextual else None)
    assert response.status_code < 500
    if contextual and response.status_code == 400:
        if "text/html" in str(response.headers.get("content-type")):  # a reader page: the error is a page
            assert "pages" in case.operation.definition.raw.get("tags", [])
        else:
            assert response.json()["error"] in ("invalid_cursor", "invalid_limit", "invalid_filter")


def _statuses(operation: Any, mode: GenerationMode) -> list[int]:
    """The status of each request ``operation``'s cases of ``mode`` send."""
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def send(case: Any) -> None:
        statuses.append(case.call().status_code)

    send()
    return statuses


def test_every_operation_is_generated_and_sends_valid_and_invalid_requests() -> None:
    """The test above is one item per operation, run by whichever worker takes it, so no test can count all its
    requests. What would make it pass vacuously is checked here instead: schemathesis finds every operation of the
    document (so the test above runs MAX_EXAMPLES cases of each, a few hundred requests), and the feed's positive
    cases reach a 200 and its negative cases a 400."""
    operations = [result.ok() for result in schema.get_all_operations()]
    methods = {"get", "head", "post", "put", "patch", "delete", "options"}
    documented = {(m, path) for path, item in schema.raw_schema["paths"].items() for m in item if m in methods}
    assert len(operations) >= 20 and {(o.method, o.path) for o in operations} == documented
    feed = next(o for o in operations if o.path == "/articles")
    for mode, status in ((GenerationMode.POSITIVE, 200), (GenerationMode.NEGATIVE, 400)):
        statuses = _statuses(feed, mode)
        assert len(statuses) >= MAX_EXAMPLES // 2 and status in statuses, (mode, Counter(statuses))
